//! The checks before the first request, shared with `gloss doctor`: the
//! key variable is set, the endpoint answers and lists the model.

use super::*;

/// How long the check before the first request waits for `/models`: a
/// server that does not list its models in this time is not answering.
pub const PREFLIGHT_TIMEOUT: Duration = Duration::from_secs(15);

/// The key check of [`LlmClient::check_endpoint`] and `gloss doctor`.
pub fn check_key(settings: &Settings) -> Result<(), LlmError> {
    match (&settings.api_key_env, settings.api_key()) {
        (Some(var), None) => Err(LlmError::MissingKey {
            profile: settings.name.clone(),
            var: var.clone(),
        }),
        _ => Ok(()),
    }
}

/// What to do when nothing answers at `base_url`, one of `profile`'s endpoints.
pub fn unreachable_hint(settings: &Settings, base_url: &str) -> String {
    let shown = redact_url(base_url);
    let host = shown
        .split_once("://")
        .map_or(shown.as_str(), |(_, r)| r)
        .split(['/', '?'])
        .next()
        .unwrap_or_default()
        .to_string();
    if is_loopback(base_url) {
        if settings.name == "local" {
            format!("no server on {host} — run scripts/local-model up")
        } else {
            format!(
                "no server on {host} — start your local server (Ollama, vLLM, LM Studio, llama.cpp) or fix base_url"
            )
        }
    } else {
        format!("cannot reach {host} — check base_url and the network")
    }
}

/// What `GET {base}/models` answered.
#[derive(Debug, Clone)]
pub struct ModelList {
    /// The URL asked, redacted.
    pub url: Redacted,
    pub status: u16,
    /// Model ids listed (empty when the body is no model list).
    pub ids: Vec<String>,
    /// Whether the server is llama.cpp, which serves its one model under any name.
    pub any_name: bool,
    pub body: String,
    pub latency: Duration,
}

impl ModelList {
    /// Whether a request for `model` will find it: listed by name (Ollama's
    /// `:latest` tag may be left out), or the server takes any name, or lists none.
    pub fn serves(&self, model: &str) -> bool {
        self.any_name
            || self.ids.is_empty()
            || self
                .ids
                .iter()
                .any(|id| id == model || *id == format!("{model}:latest"))
    }
}

/// Ask the endpoint at `base_url`, one of `profile`'s, for its models.
/// Connection failures and timeouts are [`LlmError::Unreachable`], with the
/// hint of [`unreachable_hint`].
pub async fn list_models(
    http: &reqwest::Client,
    settings: &Settings,
    base_url: &str,
) -> Result<ModelList, LlmError> {
    let key = settings.api_key();
    let secrets: Vec<&str> = key.as_deref().into_iter().collect();
    let url = Redacted::url(&endpoint_url(base_url, "/models"), &secrets);
    let mut request = http
        .get(endpoint_url(base_url, "/models"))
        .timeout(PREFLIGHT_TIMEOUT);
    if let Some(key) = &key {
        request = request.bearer_auth(key);
    }
    let started = Instant::now();
    let unreachable = |message: String| LlmError::Unreachable {
        url: url.clone(),
        message: Redacted::new(&message, &secrets),
        hint: unreachable_hint(settings, base_url),
    };
    let response = request.send().await.map_err(|e| {
        unreachable(if e.is_timeout() {
            format!("no answer in {} s", PREFLIGHT_TIMEOUT.as_secs())
        } else {
            root_cause(&e)
        })
    })?;
    let status = response.status().as_u16();
    let body = response
        .text()
        .await
        .map_err(|e| unreachable(root_cause(&e)))?;
    let value = serde_json::from_str::<serde_json::Value>(&body).unwrap_or_default();
    let listed = value["data"].as_array().cloned().unwrap_or_default();
    Ok(ModelList {
        url: url.clone(),
        status,
        ids: listed
            .iter()
            .filter_map(|m| m["id"].as_str().map(str::to_string))
            .collect(),
        any_name: listed.iter().any(|m| m["owned_by"] == "llamacpp"),
        body: Redacted::new(&body, &secrets).into(),
        latency: started.elapsed(),
    })
}

/// The context each request gets from a llama.cpp server at `base_url`
/// (`GET /props`: `default_generation_settings.n_ctx`, which is the server's
/// `-c` divided among its `-np` slots); `None` when the server does not say.
/// With `-c 8192 -np 2` a slot has 4,096 tokens, and a 3,570-token prompt
/// (the sample's brief) leaves room for 526 tokens of answer.
pub async fn slot_context(
    http: &reqwest::Client,
    settings: &Settings,
    base_url: &str,
) -> Option<usize> {
    // `/props` sits at the server's root, beside `/v1`.
    let (base, _) = super::endpoint::split_base(base_url);
    let root = base.trim_end_matches('/').trim_end_matches("/v1");
    let mut request = http.get(format!("{root}/props")).timeout(PREFLIGHT_TIMEOUT);
    if let Some(key) = settings.api_key() {
        request = request.bearer_auth(key);
    }
    let response = request.send().await.ok()?;
    if !response.status().is_success() {
        return None;
    }
    let value: serde_json::Value = response.json().await.ok()?;
    value["default_generation_settings"]["n_ctx"]
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .filter(|&n| n > 0)
}
