//! What a token is for ([`TokenUse`], its `token_use` claim) and what a verification accepts
//! ([`ExpectedUse`], check 7). A leaf: it depends on nothing else in the crate, so both
//! [`claims`](crate::claims) and [`error`](crate::error) can use it.

use std::fmt;

/// What a token is for, from its `token_use` claim.
///
/// ```
/// use sanctum_core::TokenUse;
///
/// // what `CognitoClaims::token_use` returns, and its claim value
/// assert_eq!(TokenUse::Access.as_str(), "access");
/// assert_eq!(TokenUse::Id.as_str(), "id");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenUse {
    /// An access token (`token_use: "access"`): `client_id`, `scope`, `username`.
    Access,
    /// An ID token (`token_use: "id"`): `aud`, user attributes, `cognito:username`.
    Id,
}

impl TokenUse {
    /// The claim's value, `"access"` or `"id"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Id => "id",
        }
    }
}

impl fmt::Display for TokenUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which kind of token a verification accepts (check 7).
///
/// Example: [`TokenUse`]; a verifier takes one in [`Verifier::verify`](crate::Verifier::verify).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ExpectedUse {
    /// Only access tokens. The default: APIs are called with access tokens.
    #[default]
    Access,
    /// Only ID tokens.
    Id,
    /// Either kind.
    Either,
}

impl ExpectedUse {
    pub(crate) fn accepts(self, found: TokenUse) -> bool {
        matches!(
            (self, found),
            (Self::Either, _) | (Self::Access, TokenUse::Access) | (Self::Id, TokenUse::Id)
        )
    }
}

impl fmt::Display for ExpectedUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Access => "access",
            Self::Id => "id",
            Self::Either => "access or id",
        })
    }
}
