//! A span around every Cognito operation: an SDK interceptor, so no call site can forget it.
//!
//! The span (`sanctum.cognito`, debug) opens when the SDK starts an operation and closes when
//! the operation's configuration is dropped, just after its end; it carries the operation's
//! name, the AWS request id, the HTTP status and the outcome (`ok`, or the AWS error type),
//! and one `debug` event, `Cognito operation`, with the same. Nothing from the request or the
//! response body (tokens, passwords, codes, sessions) is read.

use aws_sdk_cognitoidentityprovider::config::interceptors::{
    BeforeSerializationInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_sdk_cognitoidentityprovider::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_types::config_bag::{Storable, StoreReplace};
use tracing::field::Empty;

/// The interceptor sanctum adds to its Cognito SDK client.
#[derive(Debug)]
pub(crate) struct OperationSpans;

/// The open span of one operation, kept in the operation's configuration.
#[derive(Debug, Clone)]
struct OperationSpan(tracing::Span);

impl Storable for OperationSpan {
    type Storer = StoreReplace<Self>;
}

impl Intercept for OperationSpans {
    fn name(&self) -> &'static str {
        "sanctum.cognito"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // the operation's name is in the configuration once it is assembled: recorded at the end
        let span = tracing::debug_span!(
            "sanctum.cognito",
            rpc.method = Empty,
            aws.request_id = Empty,
            http.status = Empty,
            outcome = Empty,
        );
        cfg.interceptor_state().store_put(OperationSpan(span));
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(OperationSpan(span)) = cfg.load::<OperationSpan>().cloned() else {
            return Ok(());
        };
        let operation = cfg.load::<Metadata>().map_or("?", Metadata::name);
        let response = context.response();
        let request_id = response.and_then(|r| {
            let headers = r.headers();
            headers
                .get("x-amzn-requestid")
                .or_else(|| headers.get("x-amz-request-id"))
        });
        let status = response.map(|r| r.status().as_u16());
        let failed = !matches!(context.output_or_error(), Some(Ok(_)));
        // the AWS error type ("NotAuthorizedException"), without the namespace or message
        let error_type = response
            .and_then(|r| r.headers().get("x-amzn-errortype"))
            .map(|t| t.split([':', '#']).next().unwrap_or(t));
        let outcome = match (failed, error_type) {
            (false, _) => "ok",
            (true, Some(error_type)) => error_type,
            (true, None) if response.is_none() => "no response",
            (true, None) => "error",
        };
        span.record("rpc.method", operation);
        if let Some(request_id) = request_id {
            span.record("aws.request_id", request_id);
        }
        if let Some(status) = status {
            span.record("http.status", status);
        }
        span.record("outcome", outcome);
        span.in_scope(|| {
            tracing::debug!(operation, request_id, status, outcome, "Cognito operation");
        });
        Ok(())
    }
}
