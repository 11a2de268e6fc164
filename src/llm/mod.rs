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

pub mod batch;
pub mod fleet;
mod limit;
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
use fleet::{Ended, EndpointStatus, Fleet};
use limit::RateLimiter;
pub use settings::{Settings, key_from};
use wire::{WireResponse, WireUsage};

/// Longest `Retry-After` gloss honours; a server asking for more gets this.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(60);

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

    fn is_retryable(&self) -> bool {
        match self {
            LlmError::Http { status, .. } => *status == 429 || *status == 408 || *status >= 500,
            LlmError::Timeout { .. } | LlmError::Connect { .. } | LlmError::Malformed { .. } => {
                true
            }
            _ => false,
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            LlmError::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// How an answer ended, the same for every provider: whether the text is
/// the whole answer is all a stage needs to know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Finish {
    /// The model finished (`stop`, `eos`, `end_turn`, or no reason given:
    /// some servers send none, and their answers are whole).
    Complete,
    /// Cut at the output token limit (`length`, `max_tokens`).
    CutAtLimit,
    /// Stopped by the provider's content filter.
    Filtered,
    /// Any other reason a server gives (vLLM's `abort`, `tool_calls`…).
    Other(String),
}

impl Finish {
    /// Read a server's `finish_reason`.
    pub fn from_reason(reason: Option<&str>) -> Self {
        match reason {
            None | Some("stop" | "eos" | "end_turn" | "stop_sequence") => Finish::Complete,
            Some("length" | "max_tokens") => Finish::CutAtLimit,
            Some("content_filter") => Finish::Filtered,
            Some(other) => Finish::Other(other.to_string()),
        }
    }

    /// Whether the text is the whole answer.
    pub fn is_complete(&self) -> bool {
        *self == Finish::Complete
    }

    /// Whether an answer that ended so is what the same request brings
    /// again: cut at the limit or filtered. Not a server's abort, nor an
    /// empty "complete" answer (a proxy's glitch looks the same). An
    /// unusable answer that recurs is worth caching as such.
    pub fn recurs(&self) -> bool {
        matches!(self, Finish::CutAtLimit | Finish::Filtered)
    }

    /// Why the text is not the whole answer, for reports; `None` when it is.
    pub fn problem(&self) -> Option<String> {
        match self {
            Finish::Complete => None,
            Finish::CutAtLimit => Some("answer cut at the token limit".into()),
            Finish::Filtered => Some("answer stopped by the provider's content filter".into()),
            Finish::Other(reason) => Some(format!("the server ended the answer with {reason:?}")),
        }
    }
}

/// Token usage of one request, as the server reported it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

/// A successful completion, normalized: reasoning blocks (`<think>…`)
/// removed from the text, the finish reason read into [`Finish`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Completion {
    pub text: String,
    pub finish: Finish,
    /// `None` when the server did not report usage.
    pub usage: Option<Usage>,
    /// The model name the server answered with.
    pub model: Option<String>,
}

impl Completion {
    /// The completion of a server's answer (a chat response, or one line
    /// of a batch's results); `None` when it has no choice. `key`: the
    /// profile's key, removed from the text if a server echoed it.
    pub fn from_wire(response: WireResponse, key: Option<&str>) -> Option<Self> {
        let choice = response.choices.into_iter().next()?;
        let mut text = choice
            .message
            .and_then(|m| m.content)
            .or(choice.text)
            .unwrap_or_default();
        // An answer is stored and rendered: a server (or proxy) echoing the
        // key into it must not get it there. Only the exact value: shapes
        // that look like keys may be real content of a translation.
        if let Some(key) = key.filter(|k| k.trim().len() >= 4) {
            text = text.replace(key.trim(), REDACTED);
        }
        let usage = response.usage.and_then(
            |WireUsage {
                 prompt_tokens,
                 completion_tokens,
             }| {
                Some(Usage {
                    prompt_tokens: prompt_tokens?,
                    completion_tokens: completion_tokens.unwrap_or(0),
                })
            },
        );
        Some(Completion {
            text: strip_reasoning(&text),
            finish: Finish::from_reason(choice.finish_reason.as_deref()),
            usage,
            model: response.model,
        })
    }
}

/// A completion plus what it took to get it.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub completion: Completion,
    pub attempts: u32,
    pub latency: Duration,
    /// The endpoint that answered, redacted as [`redact_url`] shows it.
    pub endpoint: String,
}

/// Who speaks a chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

/// One chat message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    // `content` before `role`: earlier versions sent messages as JSON maps,
    // which sort their keys, and a request's serialization is its cache key.
    pub content: String,
    pub role: Role,
}

impl ChatMessage {
    /// A message of `role` saying `content`.
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Self {
            content: content.into(),
            role,
        }
    }
}

/// A chat request: messages and the parameters that shape the output.
#[derive(Debug, Clone, Serialize)]
pub struct ChatRequest {
    pub model: String,
    pub messages: Vec<ChatMessage>,
    pub temperature: f32,
    pub max_tokens: u32,
    pub stream: bool,
}

impl ChatRequest {
    /// A request for `model` from messages (rendered prompts convert, see
    /// `prompts::Messages`), with this temperature and room for the answer.
    pub fn new(
        model: &str,
        temperature: f32,
        max_tokens: u32,
        messages: impl Into<Vec<ChatMessage>>,
    ) -> Self {
        Self {
            model: model.to_string(),
            messages: messages.into(),
            temperature,
            max_tokens,
            stream: false,
        }
    }
}

/// A non-2xx answer caught in the transport, with what the retry loop needs.
#[derive(Debug)]
struct HttpFailure {
    status: u16,
    retry_after: Option<Duration>,
    body: String,
}

impl std::fmt::Display for HttpFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {}", self.status)
    }
}

impl std::error::Error for HttpFailure {}

/// Parse `Retry-After`: delay-seconds or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<f64>() {
        // try_from: a server's "1e20" must not panic the run.
        return Duration::try_from_secs_f64(secs).ok();
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Delay before attempt `attempt + 1`: exponential with full jitter in [½, 1].
fn backoff(attempt: u32, base: Duration) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(6));
    let capped = exp.min(Duration::from_secs(20));
    capped.mul_f64(rand::random_range(0.5..=1.0))
}

/// One server of a profile, with its own connection.
struct Endpoint {
    base_url: String,
    /// The base URL as manifests show it.
    label: String,
    client: Client<OpenAIConfig>,
    http: reqwest::Client,
}

impl Endpoint {
    fn new(settings: &Settings, base_url: &str) -> Result<Self, LlmError> {
        let http =
            http_client(base_url, Duration::from_secs(settings.timeout_secs)).map_err(|e| {
                LlmError::Connect {
                    url: Redacted::url(base_url, &[]),
                    message: Redacted::new(&e.to_string(), &[]),
                }
            })?;
        // The query of a base URL (`?api-version=…`) goes on every request,
        // after the path async-openai appends.
        let (base, query) = split_base(base_url);
        // Set every field explicitly: OpenAIConfig::new() would read the
        // user's OPENAI_* variables and send them to whatever host this is.
        let config = OpenAIConfig::new()
            .with_api_base(base)
            .with_api_key(settings.api_key().unwrap_or_default())
            .with_org_id("")
            .with_project_id("");
        let client = chat_client(config, http.clone(), query);
        Ok(Self {
            base_url: base_url.to_string(),
            label: redact_url(base_url),
            client,
            http,
        })
    }
}

/// An async-openai client for `config` that sends through `http` with
/// `query` appended to every URL, catches non-2xx answers as
/// [`HttpFailure`], and retries nothing itself.
fn chat_client(
    config: OpenAIConfig,
    http: reqwest::Client,
    query: Option<String>,
) -> Client<OpenAIConfig> {
    let transport = tower::service_fn(
        move |factory: async_openai::middleware::HttpRequestFactory| {
            let http = http.clone();
            let query = query.clone();
            async move {
                let mut request = factory.build().await?;
                if let Some(q) = &query {
                    let url = request.url_mut();
                    let joined = match url.query() {
                        Some(own) if !own.is_empty() => format!("{own}&{q}"),
                        _ => q.clone(),
                    };
                    url.set_query(Some(&joined));
                }
                let response = http.execute(request).await.map_err(OpenAIError::Reqwest)?;
                let status = response.status();
                if status.is_success() {
                    return Ok(response);
                }
                let retry_after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(parse_retry_after);
                let body = response.text().await.unwrap_or_default();
                Err(OpenAIError::Boxed(Box::new(HttpFailure {
                    status: status.as_u16(),
                    retry_after,
                    body,
                })))
            }
        },
    );
    Client::with_config(config).with_http_service(transport)
}

/// A request's hold on one endpoint: it counts as in flight there until
/// [`Lease::end`], or until dropped (a cancelled request).
struct Lease<'a> {
    fleet: &'a std::sync::Mutex<Fleet>,
    index: usize,
    ended: bool,
}

impl Lease<'_> {
    fn end(mut self, ended: Ended) {
        lock(self.fleet).end(self.index, ended, tokio::time::Instant::now());
        self.ended = true;
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if !self.ended {
            lock(self.fleet).end(self.index, Ended::Abandoned, tokio::time::Instant::now());
        }
    }
}

fn lock(fleet: &std::sync::Mutex<Fleet>) -> std::sync::MutexGuard<'_, Fleet> {
    // The state stays consistent at every step: a panic elsewhere leaves it usable.
    fleet.lock().unwrap_or_else(|e| e.into_inner())
}

/// A client for one endpoint profile.
#[derive(Clone)]
pub struct LlmClient {
    endpoints: Arc<Vec<Endpoint>>,
    fleet: Arc<std::sync::Mutex<Fleet>>,
    settings: Arc<Settings>,
    /// The profile's concurrency, over all its endpoints.
    in_flight: Arc<Semaphore>,
    limiter: Option<Arc<RateLimiter>>,
    /// The outcome of [`LlmClient::preflight`], run once before the first request.
    ready: Arc<tokio::sync::OnceCell<Result<(), LlmError>>>,
    /// Check the endpoint before the first request (doctor turns it off: it
    /// makes the same checks itself, one by one).
    pub preflight: bool,
    /// First backoff step; tests shorten it.
    pub backoff_base: Duration,
    /// Batch mode: requests go to this collector instead (see [`batch`]).
    batch: Option<Arc<batch::Batcher>>,
    /// Where the collector reports what happens to batches.
    batch_events: batch::BatchEvents,
}

/// How long the check before the first request waits for `/models`: a
/// server that does not list its models in this time is not answering.
const PREFLIGHT_TIMEOUT: Duration = Duration::from_secs(15);

impl LlmClient {
    /// Build a client for `profile`. The key comes only from the profile's
    /// own variable and goes to the profile's endpoints only.
    pub fn new(settings: &Settings) -> Result<Self, LlmError> {
        let endpoints = settings
            .endpoints()
            .map(|url| Endpoint::new(settings, url))
            .collect::<Result<Vec<_>, _>>()?;
        let limiter = match (settings.requests_per_minute, settings.tokens_per_minute) {
            (None, None) => None,
            (rpm, tpm) => Some(Arc::new(RateLimiter::new(rpm, tpm))),
        };
        Ok(Self {
            fleet: Arc::new(std::sync::Mutex::new(Fleet::new(
                endpoints.len(),
                fleet::SET_ASIDE_FIRST,
            ))),
            endpoints: Arc::new(endpoints),
            in_flight: Arc::new(Semaphore::new(settings.concurrency.max(1))),
            settings: Arc::new(settings.clone()),
            limiter,
            ready: Arc::new(tokio::sync::OnceCell::new()),
            preflight: true,
            backoff_base: Duration::from_millis(500),
            batch: None,
            batch_events: batch::BatchEvents::default(),
        })
    }

    /// How long a failing endpoint is first set aside (tests shorten it).
    pub fn set_aside_first(&self, window: Duration) {
        lock(&self.fleet).set_first_window(window);
    }

    /// Each endpoint (redacted) and its state, in the profile's order.
    pub fn endpoint_status(&self) -> Vec<(String, EndpointStatus)> {
        let status = lock(&self.fleet).status();
        self.endpoints
            .iter()
            .map(|e| e.label.clone())
            .zip(status)
            .collect()
    }

    /// What `gloss doctor` checks, before the first request of a run: the key
    /// variable is set when the profile sends one, the endpoints answer, and
    /// they serve the model. A missing key, a refused key or a missing model
    /// is fatal, so a run with no key stops at once instead of retrying every
    /// chunk; an endpoint that does not answer is set aside, and is fatal
    /// only when none answers.
    pub async fn check_endpoint(&self) -> Result<(), LlmError> {
        check_key(&self.settings)?;
        let mut checks = tokio::task::JoinSet::new();
        for (i, endpoint) in self.endpoints.iter().enumerate() {
            let (http, settings, url) = (
                endpoint.http.clone(),
                self.settings.clone(),
                endpoint.base_url.clone(),
            );
            checks.spawn(async move { (i, list_models(&http, &settings, &url).await) });
        }
        let mut answers = Vec::new();
        while let Some(joined) = checks.join_next().await {
            if let Ok(answer) = joined {
                answers.push(answer);
            }
        }
        answers.sort_by_key(|(i, _)| *i);
        let mut unreachable = None;
        let mut reachable = answers.is_empty();
        for (i, answer) in answers {
            match answer.and_then(|models| self.judge(models)) {
                Ok(()) => reachable = true,
                Err(e @ LlmError::Unreachable { .. }) => {
                    lock(&self.fleet).set_aside(i, tokio::time::Instant::now());
                    unreachable.get_or_insert(e);
                }
                Err(e) => return Err(e),
            }
        }
        match (reachable, unreachable) {
            (false, Some(e)) => Err(e),
            _ => Ok(()),
        }
    }

    /// Whether an endpoint's model list lets requests through.
    fn judge(&self, models: ModelList) -> Result<(), LlmError> {
        match models.status {
            401 | 403 => Err(self.classify_status(
                HttpFailure {
                    status: models.status,
                    retry_after: None,
                    body: models.body,
                },
                models.url,
            )),
            200..=299 if !models.serves(&self.settings.model) => Err(LlmError::ModelNotFound {
                model: self.settings.model.clone(),
                url: models.url,
                message: self.scrub(&format!("the server lists {}", models.ids.join(", "))),
            }),
            // Servers without /models (404) or still loading (503) are left
            // to the request itself and its retries.
            _ => Ok(()),
        }
    }

    /// The HTTP client requests to the first endpoint go through (no proxy
    /// for a local server).
    pub fn http(&self) -> &reqwest::Client {
        &self.endpoints[0].http
    }

    /// Scrub server text of this profile's key and of anything like a key.
    fn scrub(&self, text: &str) -> Redacted {
        let key = self.settings.api_key();
        Redacted::new(text, &key.as_deref().into_iter().collect::<Vec<_>>())
    }

    /// Take a slot on the endpoint that should serve the next attempt.
    fn lease(&self, failed_on: &[usize]) -> Lease<'_> {
        let mut fleet = lock(&self.fleet);
        let index = fleet.pick(failed_on, tokio::time::Instant::now());
        fleet.begin(index);
        Lease {
            fleet: &self.fleet,
            index,
            ended: false,
        }
    }

    /// Send `request`, retrying what can be retried. `estimated_tokens`
    /// feeds the tokens-per-minute limit.
    pub async fn chat(
        &self,
        request: &ChatRequest,
        estimated_tokens: u32,
    ) -> Result<Outcome, LlmError> {
        if let Some(batcher) = &self.batch {
            // Boxed: the batcher sends fallbacks through `chat` again.
            return Box::pin(batcher.chat(request, estimated_tokens)).await;
        }
        self.ensure_ready().await?;
        let max = self.settings.max_attempts;
        let mut attempt = 0;
        // Endpoints this request failed on: the next attempt goes elsewhere
        // when it can.
        let mut failed_on: Vec<usize> = Vec::new();
        loop {
            attempt += 1;
            if let Some(limiter) = &self.limiter {
                limiter.acquire(estimated_tokens).await;
            }
            let started = Instant::now();
            // The slot is held for the attempt only, not for the wait before a retry.
            let (index, result) = {
                let _permit = self.permit().await?;
                self.send_leased(request, &failed_on).await
            };
            match result {
                Ok(completion) => {
                    return Ok(Outcome {
                        completion,
                        attempts: attempt,
                        latency: started.elapsed(),
                        endpoint: self.endpoints[index].label.clone(),
                    });
                }
                Err(e) if e.is_fatal() => {
                    // Stop requests waiting for a slot: they would fail the same way.
                    self.in_flight.close();
                    return Err(e);
                }
                Err(e) if !e.is_retryable() => return Err(e),
                Err(e) if attempt >= max => {
                    return Err(LlmError::Exhausted {
                        attempts: attempt,
                        last: Box::new(e),
                    });
                }
                Err(e) => self.before_retry(&e, index, attempt, &mut failed_on).await,
            }
        }
    }

    /// The check before the first request, run once (when [`Self::preflight`]
    /// is on); its error is every request's.
    async fn ensure_ready(&self) -> Result<(), LlmError> {
        if !self.preflight {
            return Ok(());
        }
        let ready = self.ready.get_or_init(|| self.check_endpoint()).await;
        if let Err(e) = ready {
            self.in_flight.close();
            return Err(e.clone());
        }
        Ok(())
    }

    /// A slot of the profile's concurrency; an error once the client is
    /// closed (after a fatal error).
    async fn permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>, LlmError> {
        self.in_flight
            .acquire()
            .await
            .map_err(|_| LlmError::Connect {
                url: Redacted::url(&self.settings.base_url, &[]),
                message: self.scrub("client closed"),
            })
    }

    /// One attempt on the endpoint the fleet picks (avoiding `failed_on`
    /// when it can): the endpoint's index and the answer, whose outcome
    /// the fleet records.
    async fn send_leased(
        &self,
        request: &ChatRequest,
        failed_on: &[usize],
    ) -> (usize, Result<Completion, LlmError>) {
        let lease = self.lease(failed_on);
        let index = lease.index;
        let sent = Instant::now();
        let result = self.send_once(&self.endpoints[index], request).await;
        lease.end(match &result {
            Ok(_) => Ended::Served(sent.elapsed()),
            Err(e) if e.is_retryable() => Ended::Failed,
            Err(_) => Ended::Answered,
        });
        (index, result)
    }

    /// After attempt `attempt` failed with `error` on endpoint `index`:
    /// note the endpoint, and wait the retry delay unless another endpoint
    /// can take the next attempt.
    async fn before_retry(
        &self,
        error: &LlmError,
        index: usize,
        attempt: u32,
        failed_on: &mut Vec<usize>,
    ) {
        if !failed_on.contains(&index) {
            failed_on.push(index);
        }
        let elsewhere = lock(&self.fleet).has_alternative(failed_on, tokio::time::Instant::now());
        if !elsewhere {
            tokio::time::sleep(self.retry_delay(error, attempt)).await;
        }
    }

    /// How long to wait before retrying on an endpoint that failed.
    fn retry_delay(&self, error: &LlmError, attempt: u32) -> Duration {
        // Never sooner than the backoff: "Retry-After: 0" from a server
        // that is already refusing would start a storm.
        let backoff = backoff(attempt, self.backoff_base);
        match error.retry_after() {
            Some(d) => d.min(RETRY_AFTER_CAP).max(backoff),
            None => backoff,
        }
    }

    /// One attempt of `request` on `endpoint`: the only place a chat request is sent.
    async fn send_once(
        &self,
        endpoint: &Endpoint,
        request: &ChatRequest,
    ) -> Result<Completion, LlmError> {
        let url = endpoint_url(&endpoint.base_url, "/chat/completions");
        let url = self.scrub(&redact_url(&url));
        let response: Result<WireResponse, OpenAIError> =
            endpoint.client.chat().create_byot(request).await;
        let response = response.map_err(|e| self.classify(e, &url))?;
        let key = self.settings.api_key();
        Completion::from_wire(response, key.as_deref()).ok_or_else(|| LlmError::Malformed {
            url,
            message: self.scrub("response has no choices"),
        })
    }

    fn classify(&self, error: OpenAIError, url: &Redacted) -> LlmError {
        let url = url.clone();
        match error {
            OpenAIError::Boxed(inner) => match inner.downcast::<HttpFailure>() {
                Ok(failure) => self.classify_status(*failure, url),
                Err(other) => LlmError::Connect {
                    url,
                    message: self.scrub(&other.to_string()),
                },
            },
            OpenAIError::Reqwest(e) if e.is_timeout() => LlmError::Timeout {
                url,
                secs: self.settings.timeout_secs,
            },
            OpenAIError::Reqwest(e) => LlmError::Connect {
                url,
                message: self.scrub(&root_cause(&e)),
            },
            OpenAIError::JSONDeserialize(e, content) => LlmError::Malformed {
                url,
                message: self.scrub(&format!(
                    "{e}; body starts {:?}",
                    content.chars().take(120).collect::<String>()
                )),
            },
            other => LlmError::Malformed {
                url,
                message: self.scrub(&other.to_string()),
            },
        }
    }

    fn classify_status(&self, failure: HttpFailure, url: Redacted) -> LlmError {
        let message = self.scrub(&wire::error_message(&failure.body));
        let lower = message.as_str().to_lowercase();
        match failure.status {
            401 | 403 => LlmError::Auth {
                status: failure.status,
                url,
                message,
                hint: match &self.settings.api_key_env {
                    Some(var) => format!(
                        "check the key in ${var} for profile {:?}",
                        self.settings.name
                    ),
                    None => format!(
                        "profile {:?} sends no key; set api_key_env in its config",
                        self.settings.name
                    ),
                },
            },
            404 if lower.contains("model") => LlmError::ModelNotFound {
                model: self.settings.model.clone(),
                url,
                message,
            },
            // No such path: a base URL without `/v1` (Ollama answers "404 page
            // not found"); every request would fail the same way.
            404 => LlmError::EndpointNotFound {
                url,
                message,
                hint: format!(
                    "no chat endpoint there; check base_url of profile {:?} (OpenAI-compatible servers usually end in /v1)",
                    self.settings.name
                ),
            },
            400 if lower.contains("context")
                || lower.contains("too long")
                || lower.contains("exceed") =>
            {
                LlmError::ContextOverflow { url, message }
            }
            status => LlmError::Http {
                status,
                url,
                message,
                retry_after: failure.retry_after,
            },
        }
    }
}

/// An HTTP client for the endpoint at `base_url` with this overall timeout.
fn http_client(base_url: &str, timeout: Duration) -> reqwest::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(10));
    // A local server is never reached through a proxy from the environment.
    if is_loopback(base_url) {
        builder = builder.no_proxy();
    }
    builder.build()
}

/// A base URL split into what async-openai appends paths to and the query
/// that must follow those paths (`http://h/v1?api-version=x` → `http://h/v1`,
/// `api-version=x`).
fn split_base(base_url: &str) -> (String, Option<String>) {
    let base = base_url.trim();
    let (path, query) = match base.split_once('?') {
        Some((p, q)) => (p, Some(q.split('#').next().unwrap_or_default().to_string())),
        None => (base.split('#').next().unwrap_or_default(), None),
    };
    (
        path.trim_end_matches('/').to_string(),
        query.filter(|q| !q.is_empty()),
    )
}

/// The URL of `path` (`/models`) under a base URL, the base's query kept after it.
pub fn endpoint_url(base_url: &str, path: &str) -> String {
    match split_base(base_url) {
        (base, Some(query)) => format!("{base}{path}?{query}"),
        (base, None) => format!("{base}{path}"),
    }
}

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

static THINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?s)<(think|thinking|reasoning)>.*?(</(think|thinking|reasoning)>|\z)")
        .expect("static regex")
});

/// Remove reasoning blocks (`<think>…</think>`) that some models emit; a
/// block cut at the token limit runs to the end.
fn strip_reasoning(text: &str) -> String {
    THINK.replace_all(text, "").into_owned()
}

/// Whether a base URL points at this machine.
pub fn is_loopback(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?']).next().unwrap_or_default();
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    host.starts_with("127.") || host.starts_with("localhost") || host.starts_with("[::1]")
}

/// A client built on first use and shared by every stage of a run, so a run
/// served from the cache builds none and all stages share one concurrency limit.
pub struct LazyClient {
    settings: Settings,
    cell: std::sync::OnceLock<Result<LlmClient, LlmError>>,
    /// First backoff step for the client when it is built; tests shorten it.
    pub backoff_base: Option<Duration>,
    /// Where the client reports what happens to batches.
    batch_events: batch::BatchEvents,
}

impl LazyClient {
    /// A client for `settings`, built on first use.
    pub fn new(settings: Settings) -> Self {
        Self {
            settings,
            cell: std::sync::OnceLock::new(),
            backoff_base: None,
            batch_events: batch::BatchEvents::default(),
        }
    }

    /// The same, reporting what happens to batches to `events`.
    pub fn with_batch_events(mut self, events: batch::BatchEvents) -> Self {
        self.batch_events = events;
        self
    }

    /// The client, built now if this is the first request of the run.
    pub fn get(&self) -> Result<&LlmClient, LlmError> {
        self.cell
            .get_or_init(|| {
                let mut client = LlmClient::new(&self.settings)?;
                if let Some(base) = self.backoff_base {
                    client.backoff_base = base;
                }
                client.batch_events = self.batch_events.clone();
                client.batch = batch::Batcher::attach(&client);
                Ok(client)
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

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
