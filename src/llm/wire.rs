//! Lenient wire types for OpenAI-compatible servers.
//!
//! async-openai's own types are strict OpenAI shapes; real servers differ:
//! llama.cpp sends integer error codes and a `timings` object, Ollama sends
//! `{"error": "text"}`, vLLM has extra finish reasons, some omit `usage`,
//! `id` or `created`. Everything here is optional and unknown fields are ignored.

use serde::{Deserialize, Serialize};

/// A chat completion response, as loosely as it can be read.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WireResponse {
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub choices: Vec<WireChoice>,
    #[serde(default)]
    pub usage: Option<WireUsage>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct WireChoice {
    #[serde(default)]
    pub message: Option<WireMessage>,
    /// Legacy completion servers put the text here.
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub finish_reason: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct WireMessage {
    #[serde(default)]
    pub content: Option<String>,
}

/// Token usage as servers report it; any field may be missing.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct WireUsage {
    #[serde(default)]
    pub prompt_tokens: Option<u64>,
    #[serde(default)]
    pub completion_tokens: Option<u64>,
}

/// Pull a human message out of an error body of any shape.
pub fn error_message(body: &str) -> String {
    let excerpt = || {
        let t = body.trim();
        let short: String = t.chars().take(300).collect();
        if short.is_empty() {
            "(empty body)".to_string()
        } else {
            short
        }
    };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(body) else {
        return excerpt();
    };
    let pick = |v: &serde_json::Value| -> Option<String> {
        match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Object(o) => o
                .get("message")
                .or_else(|| o.get("msg"))
                .and_then(|m| m.as_str())
                .map(str::to_string),
            _ => None,
        }
    };
    value
        .get("error")
        .and_then(pick)
        .or_else(|| pick(&value))
        .or_else(|| value.get("detail").map(|d| d.to_string()))
        .unwrap_or_else(excerpt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_shapes() {
        assert_eq!(
            error_message(
                r#"{"error":{"code":400,"message":"the request exceeds the available context size","type":"exceed_context_size_error"}}"#
            ),
            "the request exceeds the available context size"
        );
        assert_eq!(
            error_message(r#"{"error":"model 'x' not found"}"#),
            "model 'x' not found"
        );
        assert_eq!(
            error_message(r#"{"object":"error","message":"bad","code":400}"#),
            "bad"
        );
        assert_eq!(error_message("Bad Gateway"), "Bad Gateway");
        assert_eq!(error_message(""), "(empty body)");
    }

    #[test]
    fn lenient_response() {
        let r: WireResponse = serde_json::from_str(
            r#"{"created": 1.5, "choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"abort"}],"timings":{"predicted_per_second":25.0}}"#,
        )
        .unwrap();
        assert_eq!(r.choices[0].finish_reason.as_deref(), Some("abort"));
        assert!(r.usage.is_none());
    }
}
