//! The provider's Files and Batches endpoints (OpenAI's shapes, also served
//! by other providers), read with lenient types like [`crate::llm::wire`]:
//! every field optional, unknown ones ignored.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::super::{HttpFailure, LlmClient, LlmError, endpoint_url, redact_url, root_cause};
use crate::redact::Redacted;

/// The endpoint path batch lines and batches name.
pub const CHAT_PATH: &str = "/v1/chat/completions";

/// A batch object (`POST /batches`, `GET /batches/{id}`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WireBatch {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub output_file_id: Option<String>,
    #[serde(default)]
    pub error_file_id: Option<String>,
    #[serde(default)]
    pub request_counts: Option<WireCounts>,
    /// Why a batch failed (validation errors), any shape.
    #[serde(default)]
    pub errors: Option<serde_json::Value>,
}

impl WireBatch {
    /// The status, `unknown` when missing.
    pub fn status(&self) -> &str {
        self.status.as_deref().unwrap_or("unknown")
    }

    /// Whether the batch will not change any more.
    pub fn is_final(&self) -> bool {
        matches!(
            self.status(),
            "completed" | "failed" | "expired" | "cancelled" | "not_found"
        )
    }
}

/// `request_counts` of a batch.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct WireCounts {
    #[serde(default)]
    pub total: Option<u64>,
    #[serde(default)]
    pub completed: Option<u64>,
    #[serde(default)]
    pub failed: Option<u64>,
}

/// One line of an output or error file (also vLLM `run_batch`'s output).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WireLine {
    #[serde(default)]
    pub custom_id: Option<String>,
    #[serde(default)]
    pub response: Option<WireLineResponse>,
    #[serde(default)]
    pub error: Option<serde_json::Value>,
}

/// The `response` of a batch output line.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WireLineResponse {
    #[serde(default)]
    pub status_code: Option<u16>,
    #[serde(default)]
    pub body: Option<serde_json::Value>,
}

impl WireLine {
    /// The answer body when the line is a success, else why not.
    pub fn outcome(self) -> Result<serde_json::Value, String> {
        let status = self.response.as_ref().and_then(|r| r.status_code);
        match self.response {
            Some(WireLineResponse {
                status_code: Some(200),
                body: Some(body),
            }) if self.error.is_none() => Ok(body),
            response => {
                let detail = self
                    .error
                    .or_else(|| response.and_then(|r| r.body))
                    .map(|v| crate::llm::wire::error_message(&v.to_string()))
                    .unwrap_or_else(|| "no answer".into());
                Err(match status {
                    Some(code) => format!("HTTP {code} in the batch: {detail}"),
                    None => format!("error in the batch: {detail}"),
                })
            }
        }
    }
}

/// One line of a batch input file.
#[derive(Debug, Serialize)]
pub struct InputLine<'a, T: Serialize> {
    pub custom_id: &'a str,
    pub method: &'static str,
    pub url: &'static str,
    pub body: &'a T,
}

#[derive(Debug, Default, Deserialize)]
struct WireFile {
    #[serde(default)]
    id: Option<String>,
}

/// What a 404 from the Files or Batches endpoints means.
fn no_batch_api(client: &LlmClient, url: Redacted, message: Redacted) -> LlmError {
    LlmError::Auth {
        status: 404,
        url,
        message,
        hint: format!(
            "no Batch API at profile {:?}'s endpoint; run without --batch, or use `gloss batch export` for an engine that runs batch files offline",
            client.settings.name
        ),
    }
}

impl LlmClient {
    /// Send a Files/Batches request; the body of a 2xx answer as text.
    async fn batch_call(
        &self,
        request: reqwest::RequestBuilder,
        url: &str,
    ) -> Result<String, LlmError> {
        let shown = self.scrub(&redact_url(url));
        let request = match self.settings.api_key() {
            Some(key) => request.bearer_auth(key),
            None => request,
        };
        let response = request
            .send()
            .await
            .map_err(|e| self.transport_error(e, &shown))?;
        let status = response.status().as_u16();
        let body = response
            .text()
            .await
            .map_err(|e| self.transport_error(e, &shown))?;
        match status {
            200..=299 => Ok(body),
            404 => Err(no_batch_api(
                self,
                shown,
                self.scrub(&crate::llm::wire::error_message(&body)),
            )),
            _ => Err(self.classify_status(
                HttpFailure {
                    status,
                    retry_after: None,
                    body,
                },
                shown,
            )),
        }
    }

    fn transport_error(&self, e: reqwest::Error, url: &Redacted) -> LlmError {
        if e.is_timeout() {
            LlmError::Timeout {
                url: url.clone(),
                secs: self.settings.timeout_secs,
            }
        } else {
            LlmError::Connect {
                url: url.clone(),
                message: self.scrub(&root_cause(&e)),
            }
        }
    }

    fn malformed(&self, url: &str, what: &str, body: &str) -> LlmError {
        LlmError::Malformed {
            url: self.scrub(&redact_url(url)),
            message: self.scrub(&format!(
                "{what}; body starts {:?}",
                body.chars().take(120).collect::<String>()
            )),
        }
    }

    /// Upload a batch input file (`POST /files`, purpose `batch`); its id.
    pub(super) async fn upload_batch_file(&self, jsonl: Vec<u8>) -> Result<String, LlmError> {
        let url = endpoint_url(&self.settings.base_url, "/files");
        // multipart/form-data by hand: two parts, a boundary that cannot
        // occur in JSON lines (they hold no raw line breaks).
        let boundary = format!("gloss-{:016x}", rand::random::<u64>());
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"gloss-batch.jsonl\"\r\nContent-Type: application/jsonl\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(&jsonl);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let request = self
            .http()
            .post(&url)
            .header(
                reqwest::header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        let text = self.batch_call(request, &url).await?;
        serde_json::from_str::<WireFile>(&text)
            .ok()
            .and_then(|f| f.id)
            .ok_or_else(|| self.malformed(&url, "the upload answer has no file id", &text))
    }

    /// Create a batch of the uploaded file (`POST /batches`, 24 h window).
    pub(super) async fn create_batch(&self, file_id: &str) -> Result<WireBatch, LlmError> {
        let url = endpoint_url(&self.settings.base_url, "/batches");
        let body = serde_json::json!({
            "input_file_id": file_id,
            "endpoint": CHAT_PATH,
            "completion_window": "24h",
        });
        let request = self
            .http()
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
        let text = self.batch_call(request, &url).await?;
        serde_json::from_str::<WireBatch>(&text)
            .ok()
            .filter(|b| b.id.as_deref().is_some_and(|id| !id.is_empty()))
            .ok_or_else(|| self.malformed(&url, "the batch answer has no id", &text))
    }

    /// A batch's state (`GET /batches/{id}`); a batch the server does not
    /// know (404) comes back with status `not_found`.
    pub(super) async fn get_batch(&self, id: &str) -> Result<WireBatch, LlmError> {
        let url = endpoint_url(&self.settings.base_url, &format!("/batches/{id}"));
        match self.batch_call(self.http().get(&url), &url).await {
            Ok(text) => serde_json::from_str::<WireBatch>(&text)
                .map_err(|e| self.malformed(&url, &e.to_string(), &text)),
            Err(LlmError::Auth { status: 404, .. }) => Ok(WireBatch {
                id: Some(id.to_string()),
                status: Some("not_found".into()),
                ..Default::default()
            }),
            Err(e) => Err(e),
        }
    }

    /// A file's content (`GET /files/{id}/content`), with a longer timeout:
    /// output files can be large.
    pub(super) async fn file_content(&self, id: &str) -> Result<String, LlmError> {
        let url = endpoint_url(&self.settings.base_url, &format!("/files/{id}/content"));
        let timeout = Duration::from_secs(self.settings.timeout_secs.max(600));
        let request = self.http().get(&url).timeout(timeout);
        self.batch_call(request, &url).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_and_error_lines() {
        let ok: WireLine = serde_json::from_str(
            r#"{"id":"r1","custom_id":"c1","response":{"status_code":200,"request_id":"q","body":{"choices":[]}},"error":null}"#,
        )
        .unwrap();
        assert_eq!(ok.outcome(), Ok(serde_json::json!({"choices": []})));
        let server: WireLine = serde_json::from_str(
            r#"{"custom_id":"c2","response":{"status_code":500,"body":{"error":{"message":"boom"}}}}"#,
        )
        .unwrap();
        assert_eq!(
            server.outcome(),
            Err("HTTP 500 in the batch: boom".to_string())
        );
        let expired: WireLine = serde_json::from_str(
            r#"{"custom_id":"c3","response":null,"error":{"code":"batch_expired","message":"This request could not be executed before the completion window expired."}}"#,
        )
        .unwrap();
        let why = expired.outcome().unwrap_err();
        assert!(why.contains("completion window expired"), "{why}");
    }

    #[test]
    fn lenient_batch() {
        let b: WireBatch = serde_json::from_str(
            r#"{"id":"batch_1","status":"in_progress","request_counts":{"total":3},"metadata":null,"created_at":1.5}"#,
        )
        .unwrap();
        assert_eq!(b.status(), "in_progress");
        assert!(!b.is_final());
        assert_eq!(b.request_counts.unwrap().total, Some(3));
    }
}
