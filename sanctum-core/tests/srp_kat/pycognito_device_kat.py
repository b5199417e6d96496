"""Device SRP known answers from pycognito, for sanctum's cognito_srp_kat test.

Reads a JSON list of cases on stdin; for each, fixes the random bytes pycognito's
generate_hash_device draws (the 40-byte device password, then the 16-byte salt), its private `a`
and its clock, runs generate_hash_device and AWSSRP.process_device_challenge (the code pycognito
confirms and signs in a remembered device with), and prints what they produced as a JSON list.
No network: the boto3 client is a dummy.
"""
import datetime
import json
import sys

from pycognito import aws_srp


def main():
    cases = json.load(sys.stdin)
    out = []
    for case in cases:
        draws = [bytes.fromhex(case["password_bytes_hex"]), bytes.fromhex(case["salt_bytes_hex"])]

        def fixed_urandom(n, draws=draws):
            value = draws.pop(0)
            assert len(value) == n, (len(value), n)
            return value

        real_urandom = aws_srp.os.urandom
        aws_srp.os.urandom = fixed_urandom
        try:
            password, config = aws_srp.generate_hash_device(
                case["device_group_key"], case["device_key"]
            )
        finally:
            aws_srp.os.urandom = real_urandom

        srp = aws_srp.AWSSRP(
            username=case["username"],
            password="unused",
            pool_id="us-east-1_AbC123xyz",
            client_id="4a1b2c3d4e5f6g7h8i9j0k",
            client=object(),
            device_key=case["device_key"],
            device_group_key=case["device_group_key"],
            device_password=password,
        )
        srp.small_a_value = int(case["a_hex"], 16) % srp.big_n
        srp.large_a_value = srp.calculate_a()

        fixed = datetime.datetime.fromtimestamp(
            case["unix_time"], datetime.timezone.utc
        ).replace(tzinfo=None)

        class FixedDateTime(datetime.datetime):
            @classmethod
            def utcnow(cls):
                return fixed

        real = aws_srp.datetime
        aws_srp.datetime = type("FixedDatetimeModule", (), {"datetime": FixedDateTime})
        try:
            response = srp.process_device_challenge(
                {
                    "USERNAME": case["username"],
                    "SALT": case["salt_hex"],
                    "SRP_B": case["srp_b_hex"],
                    "SECRET_BLOCK": case["secret_block"],
                }
            )
        finally:
            aws_srp.datetime = real
        out.append(
            {
                "device_password": password,
                "config": config,
                "srp_a": aws_srp.long_to_hex(srp.large_a_value),
                "response": response,
            }
        )
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
