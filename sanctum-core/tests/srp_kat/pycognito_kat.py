"""SRP known answers from pycognito's AWSSRP, for sanctum's cognito_srp_kat test.

Reads a JSON list of cases on stdin; for each, fixes pycognito's private `a` and its clock,
runs AWSSRP.get_auth_params and AWSSRP.process_challenge (the code pycognito signs in with),
and prints what they produced as a JSON list on stdout. No network: the boto3 client is a dummy.
"""
import datetime
import json
import sys

from pycognito import aws_srp


def main():
    cases = json.load(sys.stdin)
    out = []
    for case in cases:
        srp = aws_srp.AWSSRP(
            username=case["username"],
            password=case["password"],
            pool_id=case["pool_id"],
            client_id=case["client_id"],
            client=object(),
            client_secret=case.get("client_secret"),
        )
        srp.small_a_value = int(case["a_hex"], 16) % srp.big_n
        srp.large_a_value = srp.calculate_a()
        auth = srp.get_auth_params()

        fixed = datetime.datetime.fromtimestamp(
            case["unix_time"], datetime.timezone.utc
        ).replace(tzinfo=None)

        class FixedDateTime(datetime.datetime):
            @classmethod
            def utcnow(cls):
                return fixed

            @classmethod
            def now(cls, tz=None):
                return fixed if tz is None else fixed.replace(tzinfo=tz)

        real = aws_srp.datetime
        aws_srp.datetime = type("FixedDatetimeModule", (), {"datetime": FixedDateTime})
        try:
            response = srp.process_challenge(
                {
                    "USERNAME": case["user_id_for_srp"],
                    "USER_ID_FOR_SRP": case["user_id_for_srp"],
                    "SALT": case["salt_hex"],
                    "SRP_B": case["srp_b_hex"],
                    "SECRET_BLOCK": case["secret_block"],
                },
                auth,
            )
        finally:
            aws_srp.datetime = real
        out.append({"auth": auth, "response": response})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
