//! A minimal HTTP/1.1 JWKS server on 127.0.0.1 for the test kit.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

use super::{JwksMode, Shared};

/// Longest a stalled request is held before the connection is dropped.
const STALL_LIMIT: Duration = Duration::from_secs(30);
/// Longest request head read.
const MAX_HEAD: usize = 16 * 1024;

pub(super) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    accept(listener, move |stream| handle(stream, Arc::clone(&shared))).await;
}

/// Accepts connections for ever, each handled in its own task, bounded in time.
pub(super) async fn accept<F, Fut>(listener: TcpListener, handle: F)
where
    F: Fn(TcpStream) -> Fut,
    Fut: Future<Output = std::io::Result<()>> + Send + 'static,
{
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let connection = handle(stream);
        tokio::spawn(async move {
            let _ = tokio::time::timeout(STALL_LIMIT + Duration::from_secs(5), connection).await;
        });
    }
}

async fn handle(mut stream: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    let Some((method, path)) = request_line(&mut stream).await? else {
        return Ok(());
    };
    if method != "GET" || (path != shared.jwks_path && !is_tenant_path(&path)) {
        return respond(&mut stream, "404 Not Found", "text/plain", b"not found").await;
    }
    shared.requests.fetch_add(1, Ordering::SeqCst);
    match shared.mode() {
        JwksMode::Serve => {
            let body = shared.jwks_json();
            respond(&mut stream, "200 OK", "application/json", body.as_bytes()).await
        }
        mode => {
            misbehave(
                &mut stream,
                mode,
                "application/json",
                b"{\"keys\": not json",
            )
            .await
        }
    }
}

/// Whether `path` is `/tenants/{pool}/.well-known/jwks.json`, where the issuer serves its keys
/// for any pool ([`TestIssuer::tenant_pool`](super::TestIssuer::tenant_pool)).
fn is_tenant_path(path: &str) -> bool {
    path.strip_prefix("/tenants/")
        .and_then(|rest| rest.strip_suffix("/.well-known/jwks.json"))
        .is_some_and(|pool| !pool.is_empty() && !pool.contains('/'))
}

/// Answers as a failing `mode` says: 500, 403, `garbage` with 200, or nothing for
/// [`STALL_LIMIT`]. [`JwksMode::Serve`] is the caller's to answer; here it answers nothing.
pub(super) async fn misbehave(
    stream: &mut TcpStream,
    mode: JwksMode,
    garbage_type: &str,
    garbage: &[u8],
) -> std::io::Result<()> {
    match mode {
        JwksMode::Serve => Ok(()),
        JwksMode::Fail => {
            respond(
                stream,
                "500 Internal Server Error",
                "text/plain",
                b"failing on purpose",
            )
            .await
        }
        JwksMode::Forbidden => respond(stream, "403 Forbidden", "text/plain", b"forbidden").await,
        JwksMode::Garbage => respond(stream, "200 OK", garbage_type, garbage).await,
        JwksMode::Stall => {
            tokio::time::sleep(STALL_LIMIT).await;
            Ok(())
        }
    }
}

/// Reads a request's head and returns its method and path; `None` when the client sent no
/// whole head (closed, or over [`MAX_HEAD`]).
pub(super) async fn request_line(
    stream: &mut TcpStream,
) -> std::io::Result<Option<(String, String)>> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
        if n == 0 || head.len() + n > MAX_HEAD {
            return Ok(None);
        }
        head.extend_from_slice(&buf[..n]);
    }
    let request_line = head.split(|&b| b == b'\r').next().unwrap_or_default();
    let request_line = String::from_utf8_lossy(request_line);
    let mut parts = request_line.split(' ');
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    Ok(Some((method.to_owned(), path.to_owned())))
}

pub(super) async fn respond(
    stream: &mut TcpStream,
    status: &str,
    content_type: &str,
    body: &[u8],
) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    stream.shutdown().await
}
