//! Property tests: no input panics the verifier, and no mutation of a valid token verifies.
#![allow(missing_docs)]

use std::sync::OnceLock;

use proptest::prelude::*;
use sanctum_core::testing::TestIssuer;
use sanctum_core::{ExpectedUse, Verifier};

struct Fixture {
    runtime: tokio::runtime::Runtime,
    verifier: Verifier,
    token: String,
    _issuer: TestIssuer,
}

/// One issuer for all cases; the verifier uses a fixed JWKS, so no case touches the network.
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let issuer = runtime.block_on(TestIssuer::start()).expect("issuer");
        let verifier = Verifier::builder()
            .pool(issuer.user_pool().with_jwks_document(issuer.jwks_json()))
            .build()
            .expect("verifier");
        let token = issuer.access_token().groups(["admin"]).build();
        runtime
            .block_on(verifier.verify(&token, ExpectedUse::Access))
            .expect("the original token is valid");
        Fixture {
            runtime,
            verifier,
            token,
            _issuer: issuer,
        }
    })
}

fn verify(token: &str) -> bool {
    let f = fixture();
    f.runtime
        .block_on(f.verifier.verify(token, ExpectedUse::Either))
        .is_ok()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_verify(s in "\\PC{0,600}") {
        prop_assert!(!verify(&s));
    }

    #[test]
    fn arbitrary_dotted_base64_never_verifies(s in "[A-Za-z0-9_-]{0,200}\\.[A-Za-z0-9_-]{0,400}\\.[A-Za-z0-9_-]{0,400}") {
        prop_assert!(!verify(&s));
    }

    #[test]
    fn byte_mutations_of_a_valid_token_never_verify(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4)
    ) {
        let original = fixture().token.as_bytes();
        let mut bytes = original.to_vec();
        for (index, byte) in &edits {
            let i = index.index(bytes.len());
            bytes[i] = *byte;
        }
        prop_assume!(bytes != original);
        if let Ok(mutated) = String::from_utf8(bytes) {
            prop_assert!(!verify(&mutated));
        }
    }

    #[test]
    fn truncations_and_extensions_never_verify(cut in 0usize..2000, tail in "[A-Za-z0-9_.-]{1,8}") {
        let token = &fixture().token;
        let cut = cut % token.len();
        prop_assert!(!verify(&token[..cut]));
        let extended = format!("{token}{tail}");
        prop_assert!(!verify(&extended));
    }
}
