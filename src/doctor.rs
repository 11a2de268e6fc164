//! `gloss doctor`: check an endpoint before a long run — reachable, lists the
//! model, answers a one-token completion — and say in one line what to do
//! when a check fails.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::config::Profile;
use crate::llm::{ChatRequest, LlmClient, LlmError, is_loopback, redact_url};
use crate::prompts::Messages;

/// One check's result.
#[derive(Debug, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
    /// What to do when it failed.
    pub hint: Option<String>,
}

/// Run all checks against `profile`.
pub async fn run(profile: &Profile) -> Vec<Check> {
    let mut checks = Vec::new();
    let shown = redact_url(&profile.base_url);
    let host = shown
        .split_once("://")
        .map_or(shown.as_str(), |(_, r)| r)
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let start_hint = if is_loopback(&profile.base_url) {
        if profile.name == "local" {
            format!("no server on {host} — run scripts/local-model up")
        } else {
            format!(
                "no server on {host} — start your local server (Ollama, vLLM, LM Studio, llama.cpp) or fix base_url"
            )
        }
    } else {
        format!("cannot reach {host} — check base_url and the network")
    };

    let mut builder = reqwest::Client::builder().timeout(Duration::from_secs(15));
    if is_loopback(&profile.base_url) {
        builder = builder.no_proxy();
    }
    let http = match builder.build() {
        Ok(h) => h,
        Err(e) => {
            checks.push(Check {
                name: "reachable",
                ok: false,
                detail: e.to_string(),
                hint: None,
            });
            return checks;
        }
    };
    let mut request = http.get(format!("{}/models", profile.base_url));
    if let Some(key) = profile.api_key() {
        request = request.bearer_auth(key);
    }
    let started = Instant::now();
    match request.send().await {
        Err(e) => {
            checks.push(Check {
                name: "reachable",
                ok: false,
                detail: format!("{}: {}", redact_url(&profile.base_url), e),
                hint: Some(start_hint),
            });
            return checks;
        }
        Ok(response) => {
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            checks.push(Check {
                name: "reachable",
                ok: true,
                detail: format!(
                    "{} answered HTTP {} in {} ms",
                    redact_url(&profile.base_url),
                    status.as_u16(),
                    started.elapsed().as_millis()
                ),
                hint: None,
            });
            let ids: Vec<String> = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["data"].as_array().cloned())
                .unwrap_or_default()
                .iter()
                .filter_map(|m| m["id"].as_str().map(str::to_string))
                .collect();
            let listed = ids.iter().any(|id| id == &profile.model);
            checks.push(Check {
                name: "model listed",
                ok: listed || status.is_success() && ids.is_empty(),
                detail: if listed {
                    format!("{} is served", profile.model)
                } else if status.is_client_error() {
                    format!(
                        "/models answered HTTP {}: {}",
                        status.as_u16(),
                        crate::llm::wire::error_message(&body)
                    )
                } else {
                    format!("{} not in /models ({})", profile.model, ids.join(", "))
                },
                hint: (!listed).then(|| match ids.first() {
                    Some(first) => format!("pass --model {first} or set model in the profile"),
                    None => "check the key and base_url".to_string(),
                }),
            });
        }
    }

    let mut probe = profile.clone();
    probe.max_output_tokens = 1;
    probe.max_attempts = 1;
    let messages = Messages {
        system: String::new(),
        user: "Say OK.".into(),
    };
    let outcome = match LlmClient::new(&probe) {
        Ok(client) => client.chat(&ChatRequest::new(&probe, &messages), 10).await,
        Err(e) => Err(e),
    };
    checks.push(match outcome {
        Ok(o) => Check {
            name: "completion",
            ok: true,
            detail: format!(
                "one-token completion in {} ms (usage {})",
                o.latency.as_millis(),
                if o.completion.usage.is_some() {
                    "reported"
                } else {
                    "not reported"
                }
            ),
            hint: None,
        },
        Err(e) => Check {
            name: "completion",
            ok: false,
            hint: Some(match &e {
                LlmError::Auth { hint, .. } => hint.clone(),
                LlmError::ModelNotFound { .. } => {
                    "pass --model with a model the server lists".into()
                }
                LlmError::Connect { .. } => start_hint,
                _ => "see the message; gloss retries such errors during a run".into(),
            }),
            detail: e.to_string(),
        },
    });
    checks
}
