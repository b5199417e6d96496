//! What `tracing` writes, captured for a test: [`LogCapture`].

use std::io;
use std::sync::{Arc, Mutex, MutexGuard};

use tracing::level_filters::LevelFilter;
use tracing::subscriber::DefaultGuard;
use tracing_subscriber::fmt::MakeWriter;

/// Captures every event (TRACE and up, every target, with its spans and their fields) written
/// on this thread while it lives: a `fmt` subscriber set as the thread's default, so tests
/// running in parallel threads do not see each other's events. Run the code under test on
/// this thread (a current-thread runtime: `#[tokio::test]`, `#[actix_web::test]`).
#[derive(Debug)]
pub struct LogCapture {
    buffer: Buffer,
    _guard: DefaultGuard,
}

impl LogCapture {
    /// Starts capturing.
    #[must_use]
    pub fn start() -> Self {
        // A global subscriber interested in everything (that records nothing): without one, a
        // test on another thread can register a callsite as "never enabled" at the moment this
        // thread's subscriber is being set, and the callsite then stays off here too (tracing
        // caches interest per callsite). Setting it fails harmlessly when one is there.
        let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry());
        let buffer = Buffer::default();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(LevelFilter::TRACE)
            .with_writer(buffer.clone())
            .finish();
        let guard = tracing::subscriber::set_default(subscriber);
        Self {
            buffer,
            _guard: guard,
        }
    }

    /// Everything captured so far.
    #[must_use]
    pub fn text(&self) -> String {
        self.buffer.text()
    }

    /// How much has been captured so far: a mark for [`since`](Self::since).
    #[must_use]
    pub fn mark(&self) -> usize {
        self.buffer.bytes().len()
    }

    /// What was captured after `mark`.
    #[must_use]
    pub fn since(&self, mark: usize) -> String {
        let bytes = self.buffer.bytes();
        String::from_utf8_lossy(bytes.get(mark..).unwrap_or_default()).into_owned()
    }
}

/// The lines of `text` that contain `needle`.
#[must_use]
pub fn lines_with<'a>(text: &'a str, needle: &str) -> Vec<&'a str> {
    text.lines().filter(|line| line.contains(needle)).collect()
}

/// Asserts that `captured`, what one refused request logged, holds exactly one event from
/// sanctum: `request refused` at DEBUG, its `reason` mentioning `reason`.
///
/// # Panics
/// When it does not.
pub fn assert_one_refusal(captured: &str, reason: &str) {
    let events = lines_with(captured, "sanctum_core");
    assert_eq!(
        events.len(),
        1,
        "one event from sanctum per refused request:\n{captured}"
    );
    let event = events[0];
    assert!(event.contains("DEBUG"), "{event}");
    assert!(event.contains("request refused"), "{event}");
    assert!(event.contains("reason="), "{event}");
    assert!(event.contains(reason), "{reason:?} in {event}");
}

/// Asserts that `line`, an event logged inside the request's span, shows the verified user's
/// fields on that span: `enduser.id`, `enduser.scope`, `sanctum.client_id`, `sanctum.token_use`
/// (an access token).
///
/// # Panics
/// When a field is missing or different.
pub fn assert_user_fields(line: &str, sub: &str, scope: &str, client_id: &str) {
    for field in [
        format!("enduser.id=\"{sub}\""),
        format!("enduser.scope={scope}"),
        format!("sanctum.client_id=\"{client_id}\""),
        "sanctum.token_use=\"access\"".to_owned(),
    ] {
        assert!(line.contains(&field), "{field} in {line}");
    }
}

/// Asserts that none of `tokens`, nor any token's signature, is in `text`.
///
/// # Panics
/// When one is.
pub fn assert_no_token(text: &str, tokens: &[&str]) {
    for token in tokens {
        let signature = token.rsplit('.').next().unwrap_or(token);
        assert!(!text.contains(token), "a token was logged:\n{text}");
        assert!(!text.contains(signature), "a signature was logged:\n{text}");
    }
}

/// A `tracing-subscriber` writer into memory, shareable (clones write to the same bytes).
#[derive(Clone, Default, Debug)]
pub struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Buffer {
    /// What was written so far, as text.
    #[must_use]
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes()).into_owned()
    }

    fn bytes(&self) -> MutexGuard<'_, Vec<u8>> {
        match self.0.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

impl io::Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
