//! The LLM client: a profile's OpenAI-compatible chat endpoints (one, or
//! several replicas of one model, see [`fleet`]), with timeouts, bounded
//! concurrency (shared by all endpoints), rate limits and the only retry
//! layer in gloss. A request that fails on one endpoint is retried on
//! another at once, on the same one after a backoff.
//!
//! Requests go through async-openai's `byot` call with gloss's own lenient
//! response types ([`wire`]). async-openai's built-in retry layer is replaced
//! by a plain transport service, so attempts never multiply; non-2xx answers
//! are caught in that service with their status, `Retry-After` and body.
//!
//! The bottom layer: it knows endpoints, requests, retries, limits and
//! batches, and nothing of stages, config files or the terminal. It takes
//! plain [`Settings`] (the configuration converts a profile into them) and
//! reports batch progress as events ([`batch::BatchEvent`]) for the command
//! line to print. Files: `request.rs` and `answer.rs` what is sent and what
//! comes back, `error.rs` why it failed, `settings.rs`, `endpoint.rs` one
//! server and its transport, `client.rs` concurrency and retries over the
//! endpoints, `preflight.rs` the checks before the first request (shared
//! with `gloss doctor`), `chat.rs` the [`Chat`] trait the stages send
//! through (and the in-process fake of their tests), `batch/` batch mode.

mod answer;
pub mod batch;
mod chat;
mod client;
mod endpoint;
mod error;
pub mod fleet;
mod limit;
mod preflight;
mod request;
mod settings;
pub mod wire;

use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant, SystemTime};

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use regex::Regex;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

pub use crate::redact::redact_url;
use crate::redact::{REDACTED, Redacted};
pub use answer::*;
#[cfg(test)]
pub use chat::fake;
pub use chat::{BoxFuture, Chat};
pub use client::*;
pub use endpoint::*;
pub use error::*;
use fleet::{Ended, EndpointStatus, Fleet};
use limit::RateLimiter;
pub use preflight::*;
pub use request::*;
pub use settings::{Settings, key_from};
use wire::{WireResponse, WireUsage};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after("0.5"), Some(Duration::from_millis(500)));
        let future = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        let d = parse_retry_after(&future).unwrap();
        assert!(
            d <= Duration::from_secs(30) && d >= Duration::from_secs(28),
            "{d:?}"
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("1e20"), None);
        assert_eq!(parse_retry_after("-3"), None);
    }

    #[test]
    fn urls_lose_credentials() {
        assert_eq!(redact_url("https://user:pw@host/v1"), "https://host/v1");
        assert_eq!(
            redact_url("http://127.0.0.1:8080/v1"),
            "http://127.0.0.1:8080/v1"
        );
        assert_eq!(
            redact_url("https://host/v1?api-key=sk-1"),
            "https://host/v1?api-key=[REDACTED]"
        );
        assert_eq!(redact_url("http://h/v1/@x"), "http://h/v1/@x");
    }

    fn answer(content: &str, finish: Option<&str>) -> WireResponse {
        serde_json::from_value(serde_json::json!({
            "choices": [{"message": {"content": content}, "finish_reason": finish}],
        }))
        .unwrap()
    }

    #[test]
    fn completions_are_normalized_over_providers() {
        let c = Completion::from_wire(
            answer(
                "<think>[1] draft\n[2] draft</think>\n[1] A\n[2] B",
                Some("eos"),
            ),
            None,
        )
        .unwrap();
        assert_eq!(c.text.trim(), "[1] A\n[2] B");
        assert_eq!(c.finish, Finish::Complete);
        for (reason, finish) in [
            (None, Finish::Complete),
            (Some("stop"), Finish::Complete),
            (Some("length"), Finish::CutAtLimit),
            (Some("content_filter"), Finish::Filtered),
            (Some("abort"), Finish::Other("abort".into())),
        ] {
            let c = Completion::from_wire(answer("x", reason), None).unwrap();
            assert_eq!(c.finish, finish, "{reason:?}");
            assert_eq!(c.finish.is_complete(), c.finish.problem().is_none());
        }
        // Reasoning cut at the limit leaves nothing, and says it was cut.
        let c = Completion::from_wire(answer("<think>still going", Some("length")), None).unwrap();
        assert_eq!((c.text.as_str(), c.finish.is_complete()), ("", false));
        let c = Completion::from_wire(
            answer("the key is sk-echo-1234", None),
            Some("sk-echo-1234"),
        );
        assert_eq!(c.unwrap().text, format!("the key is {REDACTED}"));
        assert!(Completion::from_wire(WireResponse::default(), None).is_none());
        // An answer far over its budget is cut there and marked cut.
        let huge = "[A01]".repeat(200_000);
        let c = Completion::from_wire(answer(&huge, Some("stop")), None)
            .unwrap()
            .within(1000);
        assert_eq!(c.text.chars().count(), 16_000);
        assert_eq!(c.finish, Finish::CutAtLimit);
        let small = Completion::from_wire(answer("short", Some("stop")), None)
            .unwrap()
            .within(1000);
        assert_eq!(
            (small.text.as_str(), small.finish),
            ("short", Finish::Complete)
        );
    }

    #[test]
    fn messages_serialize_as_before() {
        // The shape earlier versions hashed into cache keys.
        let m = ChatMessage::new(Role::System, "s");
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            serde_json::json!({"role": "system", "content": "s"}).to_string()
        );
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let base = Duration::from_millis(100);
        assert!(backoff(1, base) <= Duration::from_millis(100));
        assert!(backoff(3, base) >= Duration::from_millis(200));
        assert!(backoff(30, base) <= Duration::from_secs(20));
    }
}
