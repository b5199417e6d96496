//! The WebSocket scenario both adapters' tests run over loopback TCP: a route taking its token
//! from the query (`/ws`), its guarded twin (`/ws/admin`) and a route whose token a custom
//! async source finds through a one-time ticket (`/ws/ticket`). The handlers upgrade and send
//! one message, [`handler_message`].

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use sanctum_core::Refusal;
use sanctum_core::adapter::{RequestHeaders, TokenFuture};
use sanctum_core::testing::TestIssuer;
use tokio_tungstenite::tungstenite;

/// The query parameter of the `/ws` routes.
pub const PARAM: &str = "access_token";

/// What the handlers send once upgraded: the user name, the URI the handler got, and the one
/// its router or framework keeps (axum's `OriginalUri`, actix-web's routing URI).
#[must_use]
pub fn handler_message(user: &str, uri: &str, kept_uri: &str) -> String {
    format!("{user} {uri} {kept_uri}")
}

/// The tokens and tickets of the scenario.
#[derive(Debug, Clone)]
pub struct Tokens {
    /// `ws-member`, no group.
    pub member: String,
    /// `ws-admin`, in `admin`.
    pub admin: String,
    /// Expired a minute ago.
    pub expired: String,
    /// Ticket `t-123` is `member`'s token.
    pub tickets: Arc<HashMap<String, String>>,
}

impl Tokens {
    /// The scenario's tokens from `issuer`.
    #[must_use]
    pub fn new(issuer: &TestIssuer) -> Self {
        let member = issuer.access_token().username("ws-member").build();
        Self {
            admin: issuer
                .access_token()
                .username("ws-admin")
                .groups(["admin"])
                .build(),
            expired: issuer.access_token().expires_in_secs(-60).build(),
            tickets: Arc::new(HashMap::from([("t-123".to_owned(), member.clone())])),
            member,
        }
    }

    /// Every token, to check a log holds none.
    #[must_use]
    pub fn all(&self) -> [&str; 3] {
        [&self.member, &self.admin, &self.expired]
    }

    /// The `/ws/ticket` route's source: the `ticket` query parameter looked up (after an
    /// `.await`, as a store would be) among the tickets; an unknown ticket is refused.
    pub fn ticket_finder(
        &self,
    ) -> impl Fn(&dyn RequestHeaders) -> TokenFuture + Send + Sync + 'static {
        let tickets = Arc::clone(&self.tickets);
        move |request: &dyn RequestHeaders| {
            let ticket = request.query().and_then(|query| {
                query
                    .split('&')
                    .find_map(|pair| pair.strip_prefix("ticket="))
                    .map(str::to_owned)
            });
            let tickets = Arc::clone(&tickets);
            Box::pin(async move {
                tokio::task::yield_now().await;
                match ticket {
                    None => Ok(None),
                    Some(ticket) => tickets
                        .get(&ticket)
                        .cloned()
                        .map(Some)
                        .ok_or(Refusal::MissingToken),
                }
            })
        }
    }
}

/// What a WebSocket client got: the first message, or the HTTP status the upgrade was
/// refused with.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Upgraded; the handler's first message.
    Message(String),
    /// Refused before the upgrade, with this status.
    Refused(u16),
}

/// Opens `ws://{addr}{path_and_query}` and reads the first message (10 s at most).
///
/// # Panics
/// When the connection fails other than by an HTTP refusal, or takes too long.
pub async fn connect(addr: SocketAddr, path_and_query: &str) -> Outcome {
    let url = format!("ws://{addr}{path_and_query}");
    let attempt = async {
        match tokio_tungstenite::connect_async(url.as_str()).await {
            Ok((mut socket, _)) => {
                let message = socket
                    .next()
                    .await
                    .expect("a message")
                    .expect("a readable message");
                let _ = socket.close(None).await;
                Outcome::Message(message.into_text().expect("text").to_string())
            }
            Err(tungstenite::Error::Http(response)) => Outcome::Refused(response.status().as_u16()),
            Err(other) => panic!("{path_and_query}: {other}"),
        }
    };
    tokio::time::timeout(Duration::from_secs(10), attempt)
        .await
        .expect("the upgrade is answered within 10 s")
}

/// Runs the scenario against a server at `addr`: query tokens accepted and removed from the
/// URI, refusals before the upgrade (none, empty, expired, malformed, twice), the guard's 403,
/// the ticket source.
///
/// # Panics
/// At the first answer that differs.
pub async fn run(addr: SocketAddr, tokens: &Tokens) {
    let Tokens {
        member,
        admin,
        expired,
        ..
    } = tokens;
    let message = |user, uri| Outcome::Message(handler_message(user, uri, uri));
    // accepted: the handler sees the token neither in its URI nor in the one kept
    assert_eq!(
        connect(addr, &format!("/ws?topic=a&{PARAM}={member}&b=2")).await,
        message("ws-member", "/ws?topic=a&b=2")
    );
    assert_eq!(
        connect(addr, &format!("/ws?{PARAM}={member}")).await,
        message("ws-member", "/ws"),
        "the token again (now from the verified-token cache), the only parameter"
    );
    // refused before the upgrade
    for (query, status) in [
        ("topic=a".to_owned(), 401),
        (format!("{PARAM}="), 401),
        (format!("{PARAM}={expired}"), 401),
        (format!("{PARAM}=not.a.token"), 401),
        (format!("{PARAM}={member}&{PARAM}={admin}"), 400),
    ] {
        assert_eq!(
            connect(addr, &format!("/ws?{query}")).await,
            Outcome::Refused(status),
            "{query}"
        );
    }
    // the guard behind the layer
    assert_eq!(
        connect(addr, &format!("/ws/admin?{PARAM}={member}")).await,
        Outcome::Refused(403)
    );
    assert_eq!(
        connect(addr, &format!("/ws/admin?{PARAM}={admin}")).await,
        message("ws-admin", "/ws/admin")
    );
    // a custom async source: a one-time ticket exchanged for the user's token
    assert_eq!(
        connect(addr, "/ws/ticket?ticket=t-123").await,
        message("ws-member", "/ws/ticket?ticket=t-123")
    );
    assert_eq!(
        connect(addr, "/ws/ticket?ticket=t-999").await,
        Outcome::Refused(401)
    );
    assert_eq!(connect(addr, "/ws/ticket").await, Outcome::Refused(401));
}
