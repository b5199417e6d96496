//! The callback: Cognito sends the browser back to the app's callback URL with `code` and
//! `state`, or with `error` and `error_description`.

use std::fmt;

use super::error::{Endpoint, LoginError, OAuthError, OAuthErrorCode};

/// The parameters of a successful callback: the authorization `code` and the `state`. `Debug`
/// shows neither.
///
/// Example: the [module docs](crate::login) (`Callback::from_query` then
/// [`ManagedLogin::finish`](crate::login::ManagedLogin::finish)).
#[derive(Clone, PartialEq, Eq)]
pub struct Callback {
    code: String,
    state: String,
}

impl Callback {
    /// Parses the callback's query string (without the `?`), e.g. `uri.query()` of the
    /// request.
    ///
    /// ```
    /// use sanctum_core::login::{Callback, LoginError, OAuthErrorCode};
    ///
    /// let callback = Callback::from_query("code=abc&state=xyz").unwrap();
    /// assert_eq!(callback.state(), "xyz");
    ///
    /// let refused = Callback::from_query("error=access_denied&error_description=User+cancelled&state=xyz");
    /// assert!(matches!(
    ///     refused,
    ///     Err(LoginError::OAuth(err)) if err.code == OAuthErrorCode::AccessDenied
    ///         && err.description.as_deref() == Some("User cancelled")
    /// ));
    /// ```
    ///
    /// # Errors
    /// [`LoginError::OAuth`] when Cognito sent `error=` (from [`Endpoint::Authorize`]);
    /// [`LoginError::BadCallback`] when `code` or `state` is missing or empty, or a parameter
    /// is repeated.
    pub fn from_query(query: &str) -> Result<Self, LoginError> {
        let mut code = None;
        let mut state = None;
        let mut error = None;
        let mut description = None;
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let slot = match &*name {
                "code" => &mut code,
                "state" => &mut state,
                "error" => &mut error,
                "error_description" => &mut description,
                _ => continue,
            };
            if slot.replace(value.into_owned()).is_some() {
                return Err(LoginError::BadCallback {
                    what: "a parameter is repeated",
                });
            }
        }
        if let Some(error) = error {
            return Err(OAuthError::new(
                OAuthErrorCode::from_name(&error),
                description,
                Endpoint::Authorize,
            )
            .into());
        }
        let code = code
            .filter(|c| !c.is_empty())
            .ok_or(LoginError::BadCallback { what: "no code" })?;
        let state = state
            .filter(|s| !s.is_empty())
            .ok_or(LoginError::BadCallback { what: "no state" })?;
        Ok(Self { code, state })
    }

    /// The `state` Cognito brought back.
    #[must_use]
    pub fn state(&self) -> &str {
        &self.state
    }

    pub(super) fn code(&self) -> &str {
        &self.code
    }
}

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callback")
            .field("code", &"<redacted>")
            .field("state", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(query: &str) -> OAuthError {
        match Callback::from_query(query) {
            Err(LoginError::OAuth(err)) => err,
            other => panic!("{query}: {other:?}"),
        }
    }

    #[test]
    fn code_and_state_are_read_and_decoded() {
        let callback =
            Callback::from_query("state=a%2Bb%3D&code=ac-123&session_state=ignored").unwrap();
        assert_eq!(callback.state(), "a+b=");
        assert_eq!(callback.code(), "ac-123");
    }

    #[test]
    fn every_error_answer_is_typed_with_its_description() {
        for (name, code) in [
            ("invalid_request", OAuthErrorCode::InvalidRequest),
            ("invalid_client", OAuthErrorCode::InvalidClient),
            ("invalid_grant", OAuthErrorCode::InvalidGrant),
            ("unauthorized_client", OAuthErrorCode::UnauthorizedClient),
            (
                "unsupported_grant_type",
                OAuthErrorCode::UnsupportedGrantType,
            ),
            ("invalid_scope", OAuthErrorCode::InvalidScope),
            ("access_denied", OAuthErrorCode::AccessDenied),
            ("server_error", OAuthErrorCode::ServerError),
            (
                "something_new",
                OAuthErrorCode::Other("something_new".to_owned()),
            ),
        ] {
            let err = refusal(&format!(
                "error={name}&error_description=why+not%3F&state=s"
            ));
            assert_eq!(err.code, code, "{name}");
            assert_eq!(err.description.as_deref(), Some("why not?"));
            assert_eq!(err.endpoint, Endpoint::Authorize);
            assert_eq!(err.status, None);
        }
        // an error answer wins over a code that came with it
        assert_eq!(
            refusal("code=c&state=s&error=access_denied").code,
            OAuthErrorCode::AccessDenied
        );
        assert_eq!(refusal("error=server_error").description, None);
    }

    #[test]
    fn a_callback_without_code_or_state_or_with_repeats_is_refused() {
        for (query, what) in [
            ("", "no code"),
            ("state=s", "no code"),
            ("code=&state=s", "no code"),
            ("code=c", "no state"),
            ("code=c&state=", "no state"),
            ("code=c&state=s&state=t", "a parameter is repeated"),
            ("code=c&code=d&state=s", "a parameter is repeated"),
        ] {
            match Callback::from_query(query) {
                Err(LoginError::BadCallback { what: got }) => assert_eq!(got, what, "{query}"),
                other => panic!("{query}: {other:?}"),
            }
        }
    }

    #[test]
    fn debug_shows_neither_code_nor_state() {
        let shown = format!(
            "{:?}",
            Callback::from_query("code=SECRET-CODE&state=STATE").unwrap()
        );
        assert!(
            !shown.contains("SECRET-CODE") && !shown.contains("STATE\""),
            "{shown}"
        );
    }
}
