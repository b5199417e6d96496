//! The gRPC demo (`grpc-app`): tonic services behind sanctum-axum's layer and guards, refusals
//! as gRPC statuses.
//!
//! Two services, written by hand on tonic's `server::Grpc` and `client::Grpc` (what
//! tonic-build would generate from a `.proto`, without needing protoc), with prost messages
//! declared in Rust:
//!
//! | method | who may call it | how |
//! |---|---|---|
//! | `sanctum.demo.Profile/WhoAmI` | any valid access token | the layer in front of the server |
//! | `sanctum.demo.Profile/ListOrders` | tokens granting `orders/read` | [`CognitoRequestExt::require`](sanctum_axum::grpc::CognitoRequestExt::require) in the handler |
//! | `sanctum.demo.Admin/Welcome` | members of `admin` | `RequireGroup("admin")` around the whole service |
//!
//! A call without a token, or with a bad, expired or revoked one, gets `Unauthenticated`; a
//! valid token without the group or scope `PermissionDenied`; signing keys that cannot be
//! fetched `Unavailable`. The message is the refusal's reason, never the token.

use std::convert::Infallible;
use std::error::Error;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::uri::PathAndQuery;
use sanctum_axum::grpc::CognitoRequestExt as _;
use sanctum_axum::{AlbAuthLayer, CognitoAuthLayer, RequireGroup, Requirement, Verifier};
use sanctum_core::alb::AlbVerifier;
use tonic::body::Body;
use tonic::server::NamedService;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Channel, Server};
use tonic::{Request, Response, Status};
use tonic_prost::ProstCodec;
use tower::Layer as _;

/// The scope `ListOrders` requires.
pub const ORDERS_SCOPE: &str = "orders/read";
/// The group the `Admin` service requires.
pub const ADMIN_GROUP: &str = "admin";

/// The request of every demo method: nothing.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Empty {}

/// `WhoAmI`'s answer: the caller as the verified token says.
#[derive(Clone, PartialEq, prost::Message)]
pub struct WhoAmIReply {
    /// `sub`.
    #[prost(string, tag = "1")]
    pub sub: String,
    /// `username`.
    #[prost(string, tag = "2")]
    pub username: String,
    /// `cognito:groups`.
    #[prost(string, repeated, tag = "3")]
    pub groups: Vec<String>,
}

/// `ListOrders`' answer.
#[derive(Clone, PartialEq, prost::Message)]
pub struct OrdersReply {
    /// The caller's orders.
    #[prost(string, repeated, tag = "1")]
    pub orders: Vec<String>,
}

/// `Welcome`'s answer.
#[derive(Clone, PartialEq, prost::Message)]
pub struct WelcomeReply {
    /// A welcome naming the caller.
    #[prost(string, tag = "1")]
    pub message: String,
}

/// How the demo authenticates calls: bearer tokens (`authorization` metadata), or the headers
/// of an Application Load Balancer with Cognito authentication.
#[derive(Clone, Debug)]
pub enum Auth {
    /// `authorization: Bearer <access token>`.
    Bearer(Verifier),
    /// `x-amzn-oidc-data` (and the forwarded access token, for the groups).
    Alb(AlbVerifier),
}

/// Serves the demo's services on `listener` until `shutdown` completes.
///
/// # Errors
/// When the server fails.
pub async fn serve(
    auth: Auth,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()>,
) -> Result<(), tonic::transport::Error> {
    let incoming = TcpIncoming::from(listener);
    // every call needs a valid credential; the layer and the guard answer gRPC statuses
    let admin = RequireGroup(ADMIN_GROUP).layer(AdminService);
    match auth {
        Auth::Bearer(verifier) => {
            Server::builder()
                .layer(CognitoAuthLayer::new(verifier).grpc())
                .add_service(ProfileService)
                .add_service(admin)
                .serve_with_incoming_shutdown(incoming, shutdown)
                .await
        }
        Auth::Alb(verifier) => {
            Server::builder()
                .layer(AlbAuthLayer::new(verifier).grpc())
                .add_service(ProfileService)
                .add_service(admin)
                .serve_with_incoming_shutdown(incoming, shutdown)
                .await
        }
    }
}

async fn who_am_i(request: Request<Empty>) -> Result<Response<WhoAmIReply>, Status> {
    let user = request.cognito_user()?;
    Ok(Response::new(WhoAmIReply {
        sub: user.sub().to_owned(),
        username: user.username().unwrap_or_default().to_owned(),
        groups: user.groups().map(str::to_owned).collect(),
    }))
}

async fn list_orders(request: Request<Empty>) -> Result<Response<OrdersReply>, Status> {
    // a guard for this one method
    let user = request.require(&Requirement::scope(ORDERS_SCOPE))?;
    Ok(Response::new(OrdersReply {
        orders: vec![format!("order-1 of {}", user.sub())],
    }))
}

async fn welcome(request: Request<Empty>) -> Result<Response<WelcomeReply>, Status> {
    let user = request.cognito_user()?;
    Ok(Response::new(WelcomeReply {
        message: format!("welcome, {}", user.username().unwrap_or_else(|| user.sub())),
    }))
}

/// One gRPC call: the response future of the services below.
type Call = Pin<Box<dyn Future<Output = Result<http::Response<Body>, Infallible>> + Send>>;

/// Answers a unary call with `handler` (prost messages both ways).
async fn unary<Req, Rep, F, Fut>(request: http::Request<Body>, handler: F) -> http::Response<Body>
where
    Req: prost::Message + Default + Send + 'static,
    Rep: prost::Message + Send + 'static,
    F: FnMut(Request<Req>) -> Fut,
    Fut: Future<Output = Result<Response<Rep>, Status>>,
{
    let mut grpc = tonic::server::Grpc::new(ProstCodec::<Rep, Req>::default());
    grpc.unary(tower::service_fn(handler), request).await
}

/// The `sanctum.demo.Profile` service: `WhoAmI`, `ListOrders`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProfileService;

impl NamedService for ProfileService {
    const NAME: &'static str = "sanctum.demo.Profile";
}

impl tower::Service<http::Request<Body>> for ProfileService {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Call;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Call {
        Box::pin(async move {
            Ok(match request.uri().path() {
                "/sanctum.demo.Profile/WhoAmI" => unary(request, who_am_i).await,
                "/sanctum.demo.Profile/ListOrders" => unary(request, list_orders).await,
                _ => Status::unimplemented("no such method").into_http(),
            })
        })
    }
}

/// The `sanctum.demo.Admin` service: `Welcome`.
#[derive(Clone, Copy, Debug, Default)]
pub struct AdminService;

impl NamedService for AdminService {
    const NAME: &'static str = "sanctum.demo.Admin";
}

impl tower::Service<http::Request<Body>> for AdminService {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Call;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Call {
        Box::pin(async move {
            Ok(match request.uri().path() {
                "/sanctum.demo.Admin/Welcome" => unary(request, welcome).await,
                _ => Status::unimplemented("no such method").into_http(),
            })
        })
    }
}

/// A client of the demo's services over one HTTP/2 connection (h2c).
#[derive(Clone, Debug)]
pub struct DemoClient {
    grpc: tonic::client::Grpc<Channel>,
}

impl DemoClient {
    /// Connects to the demo at `url` (`http://127.0.0.1:50051`).
    ///
    /// # Errors
    /// A bad URL, or no server there.
    pub async fn connect(url: impl Into<String>) -> Result<Self, Box<dyn Error + Send + Sync>> {
        let channel = Channel::from_shared(url.into())?.connect().await?;
        Ok(Self {
            grpc: tonic::client::Grpc::new(channel),
        })
    }

    /// `Profile/WhoAmI`, with `authorization` (`Bearer <token>`) as metadata when given.
    ///
    /// # Errors
    /// The call's status.
    pub async fn who_am_i(&mut self, authorization: Option<&str>) -> Result<WhoAmIReply, Status> {
        self.call("/sanctum.demo.Profile/WhoAmI", authorization)
            .await
    }

    /// `Profile/ListOrders`.
    ///
    /// # Errors
    /// The call's status.
    pub async fn list_orders(
        &mut self,
        authorization: Option<&str>,
    ) -> Result<OrdersReply, Status> {
        self.call("/sanctum.demo.Profile/ListOrders", authorization)
            .await
    }

    /// `Admin/Welcome`.
    ///
    /// # Errors
    /// The call's status.
    pub async fn welcome(&mut self, authorization: Option<&str>) -> Result<WelcomeReply, Status> {
        self.call("/sanctum.demo.Admin/Welcome", authorization)
            .await
    }

    async fn call<Rep>(
        &mut self,
        path: &'static str,
        authorization: Option<&str>,
    ) -> Result<Rep, Status>
    where
        Rep: prost::Message + Default + Send + Sync + 'static,
    {
        let mut request = Request::new(Empty {});
        if let Some(value) = authorization {
            let value = value
                .parse()
                .map_err(|_| Status::invalid_argument("the authorization value is not ASCII"))?;
            request.metadata_mut().insert("authorization", value);
        }
        self.grpc
            .ready()
            .await
            .map_err(|e| Status::unavailable(format!("the connection is not ready: {e}")))?;
        let codec = ProstCodec::<Empty, Rep>::default();
        let response = self
            .grpc
            .unary(request, PathAndQuery::from_static(path), codec)
            .await?;
        Ok(response.into_inner())
    }
}
