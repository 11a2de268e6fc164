//! Why a request failed: [`LlmError`], and which failures are fatal or worth a retry.

use super::*;

/// Why a request failed. Every `url` and `message` is [`Redacted`]: text
/// from the server or the transport is scrubbed of the key where it enters.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum LlmError {
    #[error("HTTP {status} from {url}: {message}")]
    Http {
        status: u16,
        url: Redacted,
        message: Redacted,
        retry_after: Option<Duration>,
    },
    #[error("HTTP {status} from {url}: {message} — {hint}")]
    Auth {
        status: u16,
        url: Redacted,
        message: Redacted,
        hint: String,
    },
    #[error(
        "model {model:?} not found at {url}: {message} — check --model or the profile's model (`gloss doctor` shows what the server lists)"
    )]
    ModelNotFound {
        model: String,
        url: Redacted,
        message: Redacted,
    },
    /// No chat endpoint at that path (a base URL without `/v1`): every
    /// request would fail the same way.
    #[error("HTTP 404 from {url}: {message} — {hint}")]
    EndpointNotFound {
        url: Redacted,
        message: Redacted,
        hint: String,
    },
    #[error(
        "request timed out after {secs} s at {url} (raise timeout_secs in the profile for slow local models)"
    )]
    Timeout { url: Redacted, secs: u64 },
    #[error(
        "cannot connect to {url}: {message} — is the server running? (for the local profile: scripts/local-model up)"
    )]
    Connect { url: Redacted, message: Redacted },
    /// The endpoint did not answer the check made before the first request.
    #[error("cannot reach {url}: {message} — {hint}")]
    Unreachable {
        url: Redacted,
        message: Redacted,
        hint: String,
    },
    /// The profile sends a key but its variable is not set.
    #[error(
        "profile {profile:?} sends its key from ${var}, which is not set — export {var}=…, or use a local profile (--profile local)"
    )]
    MissingKey { profile: String, var: String },
    #[error("malformed response from {url}: {message}")]
    Malformed { url: Redacted, message: Redacted },
    #[error("the request does not fit the model's context at {url}: {message}")]
    ContextOverflow { url: Redacted, message: Redacted },
    #[error("gave up after {attempts} attempts: {last}")]
    Exhausted { attempts: u32, last: Box<LlmError> },
}

impl LlmError {
    /// Errors that no retry can fix and that stop the whole run.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            LlmError::Auth { .. }
                | LlmError::EndpointNotFound { .. }
                | LlmError::ModelNotFound { .. }
                | LlmError::Unreachable { .. }
                | LlmError::MissingKey { .. }
        )
    }

    pub(super) fn is_retryable(&self) -> bool {
        match self {
            LlmError::Http { status, .. } => *status == 429 || *status == 408 || *status >= 500,
            LlmError::Timeout { .. } | LlmError::Connect { .. } | LlmError::Malformed { .. } => {
                true
            }
            _ => false,
        }
    }

    pub(super) fn retry_after(&self) -> Option<Duration> {
        match self {
            LlmError::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}
