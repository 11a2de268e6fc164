//! The client: bounded concurrency over a profile's endpoints, rate limits,
//! and the only retry layer in gloss ([`LlmClient::chat`]); [`LazyClient`]
//! builds it on the first request of a run.

use super::*;

/// Longest `Retry-After` gloss honours; a server asking for more gets this.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(60);

/// Delay before attempt `attempt + 1`: exponential with full jitter in [½, 1].
pub(super) fn backoff(attempt: u32, base: Duration) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(6));
    let capped = exp.min(Duration::from_secs(20));
    capped.mul_f64(rand::random_range(0.5..=1.0))
}

/// A request's hold on one endpoint: it counts as in flight there until
/// [`Lease::end`], or until dropped (a cancelled request).
pub(super) struct Lease<'a> {
    pub(super) fleet: &'a std::sync::Mutex<Fleet>,
    pub(super) index: usize,
    pub(super) ended: bool,
}

impl Lease<'_> {
    pub(super) fn end(mut self, ended: Ended) {
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

pub(super) fn lock(fleet: &std::sync::Mutex<Fleet>) -> std::sync::MutexGuard<'_, Fleet> {
    // The state stays consistent at every step: a panic elsewhere leaves it usable.
    fleet.lock().unwrap_or_else(|e| e.into_inner())
}

/// A client for one endpoint profile.
#[derive(Clone)]
pub struct LlmClient {
    pub(super) endpoints: Arc<Vec<Endpoint>>,
    pub(super) fleet: Arc<std::sync::Mutex<Fleet>>,
    pub(super) settings: Arc<Settings>,
    /// The profile's concurrency, over all its endpoints.
    pub(super) in_flight: Arc<Semaphore>,
    pub(super) limiter: Option<Arc<RateLimiter>>,
    /// The outcome of [`LlmClient::preflight`], run once before the first request.
    pub(super) ready: Arc<tokio::sync::OnceCell<Result<(), LlmError>>>,
    /// Check the endpoint before the first request (doctor turns it off: it
    /// makes the same checks itself, one by one).
    pub preflight: bool,
    /// First backoff step; tests shorten it.
    pub backoff_base: Duration,
    /// Batch mode: requests go to this collector instead (see [`batch`]).
    pub(super) batch: Option<Arc<batch::Batcher>>,
    /// Where the collector reports what happens to batches.
    pub(super) batch_events: batch::BatchEvents,
}

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
    pub(super) fn judge(&self, models: ModelList) -> Result<(), LlmError> {
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
    pub(super) fn scrub(&self, text: &str) -> Redacted {
        let key = self.settings.api_key();
        Redacted::new(text, &key.as_deref().into_iter().collect::<Vec<_>>())
    }

    /// Take a slot on the endpoint that should serve the next attempt.
    pub(super) fn lease(&self, failed_on: &[usize]) -> Lease<'_> {
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
    pub(super) async fn ensure_ready(&self) -> Result<(), LlmError> {
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
    pub(super) async fn permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>, LlmError> {
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
    pub(super) async fn send_leased(
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
    pub(super) async fn before_retry(
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
    pub(super) fn retry_delay(&self, error: &LlmError, attempt: u32) -> Duration {
        // Never sooner than the backoff: "Retry-After: 0" from a server
        // that is already refusing would start a storm.
        let backoff = backoff(attempt, self.backoff_base);
        match error.retry_after() {
            Some(d) => d.min(RETRY_AFTER_CAP).max(backoff),
            None => backoff,
        }
    }

    /// One attempt of `request` on `endpoint`: the only place a chat request is sent.
    pub(super) async fn send_once(
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
        Completion::from_wire(response, key.as_deref())
            .map(|c| c.within(request.max_tokens))
            .ok_or_else(|| LlmError::Malformed {
                url,
                message: self.scrub("response has no choices"),
            })
    }

    pub(super) fn classify(&self, error: OpenAIError, url: &Redacted) -> LlmError {
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

    pub(super) fn classify_status(&self, failure: HttpFailure, url: Redacted) -> LlmError {
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

/// A client built on first use and shared by every stage of a run, so a run
/// served from the cache builds none and all stages share one concurrency limit.
pub struct LazyClient {
    pub(super) settings: Settings,
    pub(super) cell: std::sync::OnceLock<Result<LlmClient, LlmError>>,
    /// First backoff step for the client when it is built; tests shorten it.
    pub backoff_base: Option<Duration>,
    /// Where the client reports what happens to batches.
    pub(super) batch_events: batch::BatchEvents,
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
