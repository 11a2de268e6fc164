//! What the client needs to know about the endpoints it talks to, as plain
//! values. The configuration converts a profile into these
//! (`config::Profile::client_settings`); the client knows nothing of
//! config files, stages or what the answers are for.

use super::batch::BatchOptions;

/// The endpoints, model, limits and retries of one client.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The profile's name, for the hints of errors (`profile "openai" …`).
    pub name: String,
    /// The first (often the only) endpoint.
    pub base_url: String,
    /// Further endpoints serving the same model; the concurrency limit is
    /// shared by all.
    pub replicas: Vec<String>,
    pub model: String,
    /// The variable the key is read from (never the key itself).
    pub api_key_env: Option<String>,
    pub temperature: f32,
    pub max_output_tokens: u32,
    pub concurrency: usize,
    pub requests_per_minute: Option<u32>,
    pub tokens_per_minute: Option<u32>,
    pub timeout_secs: u64,
    /// Maximum attempts per request (first try included).
    pub max_attempts: u32,
    /// The context (prompt and answer, in tokens) each request is assumed
    /// to have; `gloss doctor` compares it with a llama.cpp server's slots.
    pub context_window: usize,
    /// Whether and how requests go through batches (see [`super::batch`]).
    pub batch: BatchOptions,
}

impl Settings {
    /// Every endpoint, the first one first.
    pub fn endpoints(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.base_url.as_str()).chain(self.replicas.iter().map(String::as_str))
    }

    /// The API key from the named variable, if it names one and it is set.
    pub fn api_key(&self) -> Option<String> {
        key_from(self.api_key_env.as_deref())
    }
}

/// The key held by variable `var`, when one is named and set (blank counts
/// as unset). A key is read only for the profile that names its variable,
/// so it only ever goes to that profile's endpoints.
pub fn key_from(var: Option<&str>) -> Option<String> {
    std::env::var(var?).ok().filter(|k| !k.trim().is_empty())
}
