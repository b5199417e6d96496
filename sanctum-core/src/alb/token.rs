//! Taking an ALB's `x-amzn-oidc-data` token apart, before any key is looked at.

use base64::Engine as _;
use base64::alphabet::URL_SAFE;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Map, Value};

use crate::claims::CognitoClaims;
use crate::error::{VerifyError, clip};

/// The one algorithm an ALB signs with.
pub(super) const ES256: &str = "ES256";

/// Length of a JOSE ES256 signature: `R||S`, 32 bytes each.
const SIGNATURE_LEN: usize = 64;

/// base64url with or without padding: an ALB pads its segments (`=`), RFC 7515 does not.
const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Claims an ALB token never gives: groups and scopes come from the access token alone, and
/// the token's use and audience are set here.
const DROPPED: [&str; 6] = [
    "token_use",
    "aud",
    "client_id",
    "cognito:groups",
    "scope",
    "cognito:username",
];

/// An ALB token split and decoded, its header checked against the configuration, not yet
/// verified.
pub(super) struct Parsed<'t> {
    /// `header.payload`, the signed bytes.
    pub(super) signing_input: &'t [u8],
    pub(super) kid: String,
    pub(super) signature: Vec<u8>,
    pub(super) claims: CognitoClaims,
}

/// What the header must match: the configured load balancers and app clients.
pub(super) struct Expected<'c> {
    pub(super) signers: &'c [String],
    /// `None`: any client of the pool.
    pub(super) clients: Option<&'c [String]>,
    pub(super) issuers: &'c [String],
}

fn malformed(reason: &'static str) -> VerifyError {
    VerifyError::Malformed { reason }
}

/// Whether `kid` is a UUID in its 8-4-4-4-12 hexadecimal form (either case), the only form
/// an ALB's `kid` takes: nothing else may go into the key URL.
pub(super) fn is_uuid(kid: &str) -> bool {
    let bytes = kid.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, &b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

fn object(segment: &str, what: &'static str) -> Result<Map<String, Value>, VerifyError> {
    let json = BASE64URL.decode(segment).map_err(|_| {
        malformed(match what {
            "header" => "header is not base64url",
            _ => "payload is not base64url",
        })
    })?;
    match serde_json::from_slice::<Value>(&json) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(malformed(match what {
            "header" => "header is not a JSON object",
            _ => "payload is not a JSON object",
        })),
    }
}

/// A header field that must be a string when present.
fn text<'m>(
    map: &'m Map<String, Value>,
    name: &str,
    wrong: &'static str,
) -> Result<Option<&'m str>, VerifyError> {
    match map.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(malformed(wrong)),
    }
}

/// Splits and decodes the token and checks, in order: three segments (padded or not), `alg`
/// ES256, `kid` a UUID, `signer` one of the load balancers, `client` one of the app clients,
/// the payload's `iss` the pool's, a 64-byte `R||S` signature, and the claims' types. No key
/// has been looked at when this returns.
pub(super) fn parse<'t>(
    token: &'t str,
    expected: &Expected<'_>,
) -> Result<Parsed<'t>, VerifyError> {
    let mut segments = token.split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) = (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) else {
        return Err(malformed("expected three dot-separated segments"));
    };
    if header_b64.is_empty() || payload_b64.is_empty() || signature_b64.is_empty() {
        return Err(malformed("empty segment"));
    }
    let header = object(header_b64, "header")?;
    match text(&header, "alg", "header alg is not a string")? {
        Some(ES256) => {}
        Some(alg) => return Err(VerifyError::AlbUnsupportedAlgorithm { alg: clip(alg) }),
        None => return Err(malformed("header has no alg")),
    }
    let kid = text(&header, "kid", "header kid is not a string")?.ok_or(VerifyError::MissingKid)?;
    if !is_uuid(kid) {
        return Err(VerifyError::AlbInvalidKeyId { kid: clip(kid) });
    }
    let signer = text(&header, "signer", "header signer is not a string")?.unwrap_or_default();
    if !expected.signers.iter().any(|s| s == signer) {
        return Err(VerifyError::AlbSignerMismatch {
            signer: clip(signer),
        });
    }
    if let Some(clients) = expected.clients {
        let client = text(&header, "client", "header client is not a string")?.unwrap_or_default();
        if !clients.iter().any(|c| c == client) {
            return Err(VerifyError::ClientMismatch {
                client_id: clip(client),
            });
        }
    }
    let mut payload = object(payload_b64, "payload")?;
    let iss = match payload.get("iss") {
        Some(Value::String(iss)) => iss.as_str(),
        Some(_) => {
            return Err(VerifyError::InvalidClaim {
                claim: "iss",
                reason: "not a string",
            });
        }
        None => return Err(VerifyError::MissingClaim { claim: "iss" }),
    };
    if !expected.issuers.iter().any(|i| i == iss) {
        return Err(VerifyError::IssuerMismatch { iss: clip(iss) });
    }
    let signature = BASE64URL
        .decode(signature_b64)
        .map_err(|_| malformed("signature is not base64url"))?;
    if signature.len() != SIGNATURE_LEN {
        return Err(VerifyError::AlbSignatureEncoding {
            len: signature.len(),
        });
    }
    // The claims as an ID token's: the user's attributes the ALB forwards (`sub`, `email`,
    // `username`, ...), issued to the ALB's app client; never groups or scopes.
    let client = text(&header, "client", "header client is not a string")?.unwrap_or_default();
    let username = payload.remove("username");
    for name in DROPPED {
        payload.remove(name);
    }
    payload.insert("token_use".into(), Value::from("id"));
    payload.insert("aud".into(), Value::from(client));
    if let Some(username) = username {
        payload.insert("cognito:username".into(), username);
    }
    let raw = serde_json::to_vec(&Value::Object(payload))
        .map_err(|_| malformed("payload is not a JSON object"))?;
    let claims = CognitoClaims::from_payload(raw)?;
    let signing_input = &token.as_bytes()[..header_b64.len() + 1 + payload_b64.len()];
    Ok(Parsed {
        signing_input,
        kid: kid.to_owned(),
        signature,
        claims,
    })
}

/// The region of a load balancer ARN
/// (`arn:{aws|aws-cn|aws-us-gov}:elasticloadbalancing:{region}:{account}:loadbalancer/app/...`),
/// or `None` when it is not one.
pub(super) fn arn_region(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    let (
        Some("arn"),
        Some(partition),
        Some("elasticloadbalancing"),
        Some(region),
        Some(account),
        Some(resource),
    ) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    )
    else {
        return None;
    };
    let ok = matches!(partition, "aws" | "aws-cn" | "aws-us-gov")
        && crate::config::is_valid_region(region)
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && resource
            .strip_prefix("loadbalancer/app/")
            .is_some_and(|rest| !rest.is_empty() && !rest.contains(char::is_whitespace));
    ok.then_some(region)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kid_is_a_uuid_and_nothing_else() {
        assert!(is_uuid("5b3c6b1e-2f0a-4c1d-9e8f-7a6b5c4d3e2f"));
        assert!(is_uuid("5B3C6B1E-2F0A-4C1D-9E8F-7A6B5C4D3E2F"));
        for forged in [
            "",
            "../../../etc/passwd",
            "5b3c6b1e-2f0a-4c1d-9e8f-7a6b5c4d3e2f/../x",
            "5b3c6b1e-2f0a-4c1d-9e8f-7a6b5c4d3e2?",
            "5b3c6b1e-2f0a-4c1d-9e8f-7a6b5c4d3e2#",
            "5b3c6b1e2f0a4c1d9e8f7a6b5c4d3e2f",
            "{5b3c6b1e-2f0a-4c1d-9e8f-7a6b5c4d3e2f}",
            "5b3c6b1e-2f0a-4c1d-9e8f-7a6b5c4d3e2g",
            "5b3c6b1e_2f0a-4c1d-9e8f-7a6b5c4d3e2f",
            "5b3c6b1e-2f0a-4c1d-9e8f-7a6b5c4d3e%2",
        ] {
            assert!(!is_uuid(forged), "{forged}");
        }
    }

    #[test]
    fn load_balancer_arns_name_their_region() {
        let arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188";
        assert_eq!(arn_region(arn), Some("eu-west-1"));
        assert_eq!(
            arn_region(
                "arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:123456789012:loadbalancer/app/a/b"
            ),
            Some("us-gov-west-1")
        );
        for bad in [
            "",
            "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/web/50dc",
            "arn:aws:ec2:eu-west-1:123456789012:loadbalancer/app/web/50dc",
            "arn:aws:elasticloadbalancing:nowhere:123456789012:loadbalancer/app/web/50dc",
            "arn:aws:elasticloadbalancing:eu-west-1:1234:loadbalancer/app/web/50dc",
            "arn:other:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/50dc",
        ] {
            assert_eq!(arn_region(bad), None, "{bad}");
        }
    }
}
