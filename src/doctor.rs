//! `gloss doctor`: check a profile before a long run — the key is there,
//! and each of its endpoints answers, lists the model, answers a one-token
//! completion — and say in one line what to do when a check fails. A run
//! makes the same checks before its first request
//! ([`LlmClient::check_endpoint`]), from the same functions, so both give
//! the same hints.

use serde::Serialize;

use crate::llm::{
    ChatRequest, LlmClient, LlmError, ModelList, Settings, check_key, list_models, slot_context,
    unreachable_hint,
};
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

impl Check {
    fn failed(name: &'static str, e: &LlmError, hint: String) -> Self {
        // Errors that carry their hint end with it: said once, as the hint.
        let message = e.to_string();
        let detail = message
            .strip_suffix(hint.as_str())
            .map(|d| d.trim_end().trim_end_matches(['—', ';', ':']).trim_end())
            .filter(|d| !d.is_empty())
            .unwrap_or(&message)
            .to_string();
        Check {
            name,
            ok: false,
            detail,
            hint: Some(hint),
        }
    }
}

/// The hint for an error of the completion probe or the checks before it,
/// at the endpoint `profile.base_url`.
fn hint(profile: &Settings, e: &LlmError) -> String {
    match e {
        LlmError::Auth { hint, .. }
        | LlmError::EndpointNotFound { hint, .. }
        | LlmError::Unreachable { hint, .. } => hint.clone(),
        LlmError::MissingKey { var, .. } => {
            format!("export {var}=… (or pass --api-key-env VAR, or use a local profile)")
        }
        LlmError::ModelNotFound { .. } => "pass --model with a model the server lists".into(),
        LlmError::Connect { .. } => unreachable_hint(profile, &profile.base_url),
        _ => "see the message; gloss retries such errors during a run".into(),
    }
}

/// Run all checks against `profile`: the key once, then each endpoint
/// (named in each check's detail when there are several).
pub async fn run(profile: &Settings) -> Vec<Check> {
    let mut checks = Vec::new();
    if profile.api_key_env.is_some() {
        checks.push(match check_key(profile) {
            Ok(()) => Check {
                name: "key",
                ok: true,
                detail: format!(
                    "${} is set",
                    profile.api_key_env.as_deref().unwrap_or_default()
                ),
                hint: None,
            },
            Err(e) => Check::failed("key", &e, hint(profile, &e)),
        });
    }
    let several = !profile.replicas.is_empty();
    for url in profile.endpoints() {
        let single = Settings {
            base_url: url.to_string(),
            replicas: Vec::new(),
            ..profile.clone()
        };
        let mut endpoint_checks = check_endpoint(&single).await;
        if several {
            let shown = crate::llm::redact_url(url);
            for check in &mut endpoint_checks {
                if !check.detail.contains(&shown) {
                    check.detail = format!("{shown}: {}", check.detail);
                }
            }
        }
        checks.extend(endpoint_checks);
    }
    checks
}

/// The checks of one endpoint: `profile` has no replicas. A check that
/// cannot reach the server ends the list.
async fn check_endpoint(profile: &Settings) -> Vec<Check> {
    let client = match LlmClient::new(profile) {
        Ok(mut c) => {
            // The checks below are the client's own, made one by one.
            c.preflight = false;
            c
        }
        Err(e) => return vec![Check::failed("reachable", &e, hint(profile, &e))],
    };
    let models = match list_models(client.http(), profile, &profile.base_url).await {
        Ok(m) => m,
        Err(e) => return vec![Check::failed("reachable", &e, hint(profile, &e))],
    };
    let mut checks = vec![reachable(&models), model_listed(profile, &models)];
    // llama.cpp splits its context among its slots: a long prompt can leave
    // no room for the answer. Other servers do not say.
    if models.any_name
        && let Some(slot) = slot_context(client.http(), profile, &profile.base_url).await
    {
        checks.push(context(profile, slot));
    }
    checks.push(completion(profile).await);
    checks
}

/// Whether each request gets the context the profile assumes.
fn context(profile: &Settings, slot: usize) -> Check {
    let ok = slot >= profile.context_window;
    Check {
        name: "context",
        ok,
        detail: format!(
            "the server gives each request {slot} tokens of context; the profile assumes {}",
            profile.context_window
        ),
        hint: (!ok).then(|| {
            format!(
                "long prompts (a brief) get their answers cut: start llama-server with -c {} or more (it divides -c among its -np slots), or set context_window = {slot} in the profile",
                profile.context_window * profile.concurrency.max(1)
            )
        }),
    }
}

/// The `reachable` check passed: where `/models` answered, how, how fast.
fn reachable(models: &ModelList) -> Check {
    Check {
        name: "reachable",
        ok: true,
        detail: format!(
            "{} answered HTTP {} in {} ms",
            models.url,
            models.status,
            models.latency.as_millis()
        ),
        hint: None,
    }
}

/// Whether the server's `/models` answer lists `profile.model`.
fn model_listed(profile: &Settings, models: &ModelList) -> Check {
    let success = (200..300).contains(&models.status);
    let listed = success && models.serves(&profile.model);
    Check {
        name: "model listed",
        ok: listed,
        detail: if !success {
            format!(
                "/models answered HTTP {}: {}",
                models.status,
                crate::llm::wire::error_message(&models.body)
            )
        } else if models.ids.iter().any(|id| id == &profile.model) {
            format!("{} is served", profile.model)
        } else if listed {
            format!(
                "{} is served (the server lists {})",
                profile.model,
                models.ids.join(", ")
            )
        } else {
            format!(
                "{} not in /models ({})",
                profile.model,
                models.ids.join(", ")
            )
        },
        hint: (!listed).then(|| match models.ids.first() {
            Some(first) if success => format!("pass --model {first} or set model in the profile"),
            _ => "check the key and base_url".to_string(),
        }),
    }
}

/// A one-token completion with a single attempt, and whether the server
/// reports usage.
async fn completion(profile: &Settings) -> Check {
    let mut probe = profile.clone();
    probe.max_output_tokens = 1;
    probe.max_attempts = 1;
    let messages = Messages {
        system: String::new(),
        user: "Say OK.".into(),
    };
    let outcome = match LlmClient::new(&probe) {
        Ok(mut client) => {
            client.preflight = false;
            client
                .chat(
                    &ChatRequest::new(
                        &probe.model,
                        probe.temperature,
                        probe.max_output_tokens,
                        &messages,
                    ),
                    10,
                )
                .await
        }
        Err(e) => Err(e),
    };
    match outcome {
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
        Err(e) => Check::failed("completion", &e, hint(profile, &e)),
    }
}
