//! The adapters' hot path (`sanctum_core::adapter::authenticate_now`) answers every request as
//! the long way does: `TokenSource::extract`, `Extracted::into_token`, then `Verifier::verify`.
#![allow(missing_docs)]

mod common;

use std::time::{Duration, UNIX_EPOCH};

use http::{HeaderMap, HeaderName, HeaderValue};
use sanctum_core::adapter::{
    Authentication, HeaderOnce, RequestHeaders, authenticate_now, check_requirement, verify,
};
use sanctum_core::{Clock as _, ExpectedUse, Refusal, Requirement, TokenSource, Verifier};

fn headers(pairs: &[(&'static str, &[u8])]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            HeaderName::from_static(name),
            HeaderValue::from_bytes(value).expect("header value"),
        );
    }
    map
}

/// What a request comes to the long way, in words: "sub:<sub>", "anonymous", or the refusal.
async fn the_long_way(verifier: &Verifier, source: &TokenSource, headers: &HeaderMap) -> String {
    match source.extract(headers).into_token() {
        Ok(None) => "anonymous".to_owned(),
        Err(err) => format!("refused: {:?}", Refusal::from(err)),
        Ok(Some(token)) => match verifier.verify(&token, ExpectedUse::Access).await {
            Ok(claims) => format!("sub:{}", claims.sub()),
            Err(err) => format!("refused: {:?}", Refusal::Verify(err)),
        },
    }
}

/// The same through `authenticate_now` (and `verify` when it must wait).
async fn the_hot_path(verifier: &Verifier, source: &TokenSource, headers: &HeaderMap) -> String {
    match authenticate_now(verifier, source, headers, ExpectedUse::Access) {
        Authentication::Anonymous => "anonymous".to_owned(),
        Authentication::Refused(refusal) => format!("refused: {refusal:?}"),
        Authentication::Verified(verified) => format!("sub:{}", verified.claims().sub()),
        Authentication::Later(token) => match verify(verifier, &token, ExpectedUse::Access).await {
            Ok(verified) => format!("sub:{}", verified.claims().sub()),
            Err(err) => format!("refused: {:?}", Refusal::Verify(err)),
        },
    }
}

#[tokio::test]
async fn the_hot_path_answers_every_request_as_extract_and_verify_do() {
    let (issuer, _clock) = common::issuer_with_clock().await;
    let alice = issuer.access_token().sub("alice").build();
    let expired = issuer
        .access_token()
        .sub("old")
        .expires_in_secs(-60)
        .build();
    let id_token = issuer.id_token().sub("id").build();
    // the first character of the signature changed
    let dot = alice.rfind('.').expect("three segments");
    let first = if alice.as_bytes()[dot + 1] == b'A' {
        "B"
    } else {
        "A"
    };
    let forged = format!("{}{first}{}", &alice[..=dot], &alice[dot + 2..]);
    let bearer = |token: &str| format!("Bearer {token}").into_bytes();
    let cookie = |token: &str| format!("theme=dark; session={token}").into_bytes();

    let cases: Vec<(&str, TokenSource, HeaderMap)> = vec![
        ("no header", TokenSource::Bearer, headers(&[])),
        (
            "another scheme",
            TokenSource::Bearer,
            headers(&[("authorization", b"Basic eDp5")]),
        ),
        (
            "empty bearer",
            TokenSource::Bearer,
            headers(&[("authorization", b"Bearer  ")]),
        ),
        (
            "bytes that are not text",
            TokenSource::Bearer,
            headers(&[("authorization", b"Bearer \xff.\xfe")]),
        ),
        (
            "two Authorization headers",
            TokenSource::Bearer,
            headers(&[
                ("authorization", &bearer(&alice)),
                ("authorization", &bearer(&alice)),
            ]),
        ),
        (
            "a valid token",
            TokenSource::Bearer,
            headers(&[("authorization", &bearer(&alice))]),
        ),
        (
            "a forged signature",
            TokenSource::Bearer,
            headers(&[("authorization", &bearer(&forged))]),
        ),
        (
            "an expired token",
            TokenSource::Bearer,
            headers(&[("authorization", &bearer(&expired))]),
        ),
        (
            "an ID token",
            TokenSource::Bearer,
            headers(&[("authorization", &bearer(&id_token))]),
        ),
        (
            "not a JWT",
            TokenSource::Bearer,
            headers(&[("authorization", b"Bearer abc")]),
        ),
        (
            "a cookie",
            TokenSource::cookie("session"),
            headers(&[("cookie", &cookie(&alice))]),
        ),
        (
            "the cookie twice",
            TokenSource::cookie("session"),
            headers(&[("cookie", &cookie(&alice)), ("cookie", &cookie(&alice))]),
        ),
        (
            "a custom source",
            TokenSource::custom(|h| h.header("x-token").map(str::to_owned)),
            headers(&[("x-token", alice.as_bytes())]),
        ),
        (
            "header or cookie: both",
            TokenSource::one_of([TokenSource::Bearer, TokenSource::cookie("session")]),
            headers(&[
                ("authorization", &bearer(&alice)),
                ("cookie", &cookie(&alice)),
            ]),
        ),
        (
            "header or cookie: the cookie",
            TokenSource::one_of([TokenSource::Bearer, TokenSource::cookie("session")]),
            headers(&[("cookie", &cookie(&alice))]),
        ),
    ];
    // Keys not fetched yet (the hot path must wait), then fetched, then every valid token
    // in the verified-token cache: each request three times, on a cached and an uncached
    // verifier.
    for verifier in [issuer.verifier(), common::uncached_verifier(&issuer)] {
        for round in 0..3 {
            for (what, source, headers) in &cases {
                let hot = the_hot_path(&verifier, source, headers).await;
                let long = the_long_way(&verifier, source, headers).await;
                assert_eq!(hot, long, "{what}, round {round}");
            }
        }
    }
    // and the answers are the expected ones
    let verifier = issuer.verifier();
    let answer = |i: usize| the_hot_path(&verifier, &cases[i].1, &cases[i].2);
    assert_eq!(answer(0).await, "anonymous");
    assert_eq!(answer(1).await, "anonymous");
    assert_eq!(answer(2).await, "refused: EmptyToken");
    assert_eq!(answer(3).await, "refused: UnreadableToken");
    assert_eq!(answer(4).await, "refused: RepeatedCredentials");
    assert_eq!(answer(5).await, "sub:alice");
    assert_eq!(
        answer(5).await,
        "sub:alice",
        "from the verified-token cache"
    );
    assert!(answer(6).await.contains("InvalidSignature"));
    assert_eq!(answer(10).await, "sub:alice");
    assert_eq!(answer(11).await, "refused: RepeatedCredentials");
    assert_eq!(answer(12).await, "sub:alice");
}

#[tokio::test]
async fn a_verified_token_carries_the_instant_of_its_checks_for_the_guards_time_rules() {
    let (issuer, clock) = common::issuer_with_clock().await;
    let verifier = issuer.verifier();
    // signed in 200 s ago
    let token = issuer.access_token().auth_time_in_secs(-200).build();
    let map = headers(&[("authorization", format!("Bearer {token}").as_bytes())]);
    let verified = verify(&verifier, &token, ExpectedUse::Access)
        .await
        .expect("valid");
    let now = clock
        .now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    assert_eq!(
        verified.checked_at(),
        now,
        "the verifier's clock, not the system's"
    );

    let within_300 = Requirement::max_auth_age(Duration::from_secs(300));
    assert_eq!(
        check_requirement(&within_300, verified.claims(), verified.checked_at()),
        Ok(())
    );
    // 150 s later the same token, now from the cache, was signed in 350 s ago
    clock.advance(Duration::from_secs(150));
    let Authentication::Verified(later) =
        authenticate_now(&verifier, &TokenSource::Bearer, &map, ExpectedUse::Access)
    else {
        panic!("a cached token is verified without waiting");
    };
    assert_eq!(later.checked_at(), now + 150);
    assert!(check_requirement(&within_300, later.claims(), later.checked_at()).is_err());
    // the verifier's own check agrees
    assert!(
        verifier
            .check_requirement(later.claims(), &within_300)
            .is_err()
    );
}

#[test]
fn header_once_tells_absent_once_and_repeated_apart_in_one_lookup() {
    let map = headers(&[
        ("authorization", b"Bearer a.b.c"),
        ("cookie", b"a=1"),
        ("cookie", b"b=2"),
        ("x-raw", b"\xff"),
    ]);
    assert_eq!(
        map.header_once("authorization"),
        HeaderOnce::Once(b"Bearer a.b.c")
    );
    assert_eq!(map.header_once("cookie"), HeaderOnce::Repeated);
    assert_eq!(map.header_once("x-raw"), HeaderOnce::Once(b"\xff"));
    assert_eq!(map.header_once("x-missing"), HeaderOnce::Absent);
    // the trait's default, for header maps that only implement `header`
    struct TextOnly(HeaderMap);
    impl RequestHeaders for TextOnly {
        fn header(&self, name: &str) -> Option<&str> {
            self.0.header(name)
        }
    }
    let text_only = TextOnly(map.clone());
    assert_eq!(
        text_only.header_once("authorization"),
        HeaderOnce::Once(b"Bearer a.b.c")
    );
    assert_eq!(
        text_only.header_once("x-raw"),
        HeaderOnce::Absent,
        "not text: unreadable"
    );
    assert_eq!(map.header_count("cookie"), 2);
    assert_eq!(map.header_all("cookie"), ["a=1", "b=2"]);
}
