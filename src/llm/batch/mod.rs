//! Batch mode: a transport under the scheduler (see docs/batch.md).
//!
//! In a `--batch` run every ready request reaches [`LlmClient::chat`] at once
//! (the profile's concurrency is raised for the run); the client hands it to
//! the [`Batcher`], which queues requests until none arrived for a quiet
//! period, submits them as one batch, polls it, and answers each waiting
//! request with its line of the output. The stages check and cache those
//! answers like any other, so the next round (repairs, summaries, the
//! brief) forms on its own. Answers stored on disk (a finished batch whose
//! requests were not all asked for yet, or `gloss batch import`) answer
//! requests before anything is sent, in any run.

mod api;
mod events;
mod follow;
pub mod store;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use tokio::sync::{Semaphore, oneshot};

use super::wire::WireResponse;
use super::{ChatRequest, Completion, LlmClient, LlmError, Outcome, redact_url};
use crate::redact::Redacted;
pub use api::{CHAT_PATH, InputLine, WireLine};
pub use events::{BatchEvent, BatchEvents, BatchStats, BatchSummary};
use store::{BatchRecord, Counts, Store};

/// The folder under the cache folder that holds batch records and results.
pub const STORE_DIR: &str = "batches";

/// The concurrency of a `--batch` run: every ready request goes in.
pub const BATCH_CONCURRENCY: usize = 1 << 20;

/// How long the queue must stay unchanged before it is submitted.
pub const DEFAULT_QUIET: Duration = Duration::from_millis(300);

/// First poll interval; it grows by half each poll up to [`MAX_POLL`].
pub const DEFAULT_POLL: Duration = Duration::from_secs(5);

/// Longest wait between two polls.
const MAX_POLL: Duration = Duration::from_secs(60);

/// Most requests in one batch (OpenAI's limit).
const MAX_BATCH_REQUESTS: usize = 50_000;

/// Largest input file, a margin under OpenAI's 200 MB.
const MAX_BATCH_BYTES: usize = 190_000_000;

/// Polls that may fail in a row before the waiting requests give up (the
/// record stays, so the same command later resumes).
const POLL_FAILURES: u32 = 8;

/// What a run does with its requests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum BatchMode {
    /// One request at a time (answers stored in the batch store are used).
    #[default]
    Off,
    /// `--batch`: through the provider's Batch API.
    Submit,
    /// `gloss batch export`: write the first round's requests to this file
    /// (`-`: standard output) and stop.
    Export(PathBuf),
}

/// How a run uses batches: settings only (what happened is reported as
/// [`BatchEvent`]s to the client's [`BatchEvents`]).
#[derive(Debug, Clone, PartialEq)]
pub struct BatchOptions {
    pub mode: BatchMode,
    /// The batch store (`<cache>/batches`), set by `Config::resolve`.
    pub store: Option<PathBuf>,
    /// Neither answer from stored results nor wait for saved batches
    /// (`--refresh`, `--no-cache`).
    pub ignore_store: bool,
    /// Quiet period before the queue is submitted.
    pub quiet: Duration,
    /// First poll interval.
    pub poll: Duration,
    /// Requests that fall back to normal ones: this many at once (the
    /// profile's own concurrency; set by `Config::resolve`).
    pub fallback_concurrency: usize,
}

impl Default for BatchOptions {
    fn default() -> Self {
        Self {
            mode: BatchMode::Off,
            store: None,
            ignore_store: false,
            quiet: DEFAULT_QUIET,
            poll: DEFAULT_POLL,
            fallback_concurrency: 1,
        }
    }
}

impl BatchOptions {
    /// Options for `mode`, with the quiet period and the first poll interval
    /// from `GLOSS_BATCH_QUIET_MS` and `GLOSS_BATCH_POLL_MS` when set (tests
    /// and impatient users).
    pub fn from_env(mode: BatchMode) -> Self {
        let ms = |var: &str| {
            std::env::var(var)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_millis)
        };
        Self {
            mode,
            quiet: ms("GLOSS_BATCH_QUIET_MS").unwrap_or(DEFAULT_QUIET),
            poll: ms("GLOSS_BATCH_POLL_MS").unwrap_or(DEFAULT_POLL),
            ..Self::default()
        }
    }

    /// Whether the run submits batches (and so pays batch prices).
    pub fn submits(&self) -> bool {
        self.mode == BatchMode::Submit
    }

    /// Whether requests are collected into batches (submitted or exported),
    /// so every ready request should be dispatched at once.
    pub fn collects(&self) -> bool {
        self.mode != BatchMode::Off
    }
}

/// A request's id in batch files: the SHA-256 of its body, so the same
/// request has the same id in every run.
pub fn custom_id(request: &ChatRequest) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"gloss-batch-v1\0");
    hasher.update(serde_json::to_vec(request).unwrap_or_default());
    hex::encode(hasher.finalize())
}

/// One batch input line for `request`.
pub fn input_line(request: &ChatRequest) -> String {
    let id = custom_id(request);
    let line = InputLine {
        custom_id: &id,
        method: "POST",
        url: CHAT_PATH,
        body: request,
    };
    serde_json::to_string(&line).unwrap_or_default()
}

/// The queue as input lines, in parts within a batch's limits (requests
/// and bytes); each element is (custom id, input line).
fn split(
    queue: Vec<(String, ChatRequest)>,
    max_requests: usize,
    max_bytes: usize,
) -> Vec<Vec<(String, String)>> {
    let mut parts: Vec<Vec<(String, String)>> = Vec::new();
    let mut bytes = 0;
    for (id, request) in queue {
        let line = input_line(&request);
        let full = parts
            .last()
            .is_none_or(|p| p.len() >= max_requests || bytes + line.len() + 1 > max_bytes);
        if full {
            parts.push(Vec::new());
            bytes = 0;
        }
        bytes += line.len() + 1;
        if let Some(part) = parts.last_mut() {
            part.push((id, line));
        }
    }
    parts
}

/// What a waiting request gets.
enum Delivery {
    /// The answer body (a chat completion).
    Answer(serde_json::Value),
    /// No answer from the batch, and why: send it as a normal request.
    Fallback(String),
    /// The request fails with this error.
    Failed(LlmError),
}

/// The queue and the batches in flight.
#[derive(Default)]
struct State {
    /// Requests waiting for the next batch.
    pending: Vec<(String, ChatRequest)>,
    /// Per custom id, the requests waiting for its answer.
    waiters: HashMap<String, Vec<oneshot::Sender<Delivery>>>,
    /// Custom id → the batch that holds it (empty while being submitted).
    open: HashMap<String, String>,
    /// Saved unfinished batches not followed yet, by id.
    saved: HashMap<String, BatchRecord>,
    last_arrival: Option<Instant>,
    flushing: bool,
}

/// How [`Batcher::enqueue`] placed a request.
enum Placed {
    Answered(serde_json::Value),
    Direct,
    Waiting(oneshot::Receiver<Delivery>),
}

/// Collects a run's requests into batches (see the module doc).
pub struct Batcher {
    /// The same client without batching: fallbacks and the endpoint check.
    direct: LlmClient,
    opts: BatchOptions,
    store: Option<Store>,
    state: Mutex<State>,
    fallback: Semaphore,
    /// The redacted base URL: saved batches of another endpoint are not ours.
    endpoint: String,
    /// Where what happens is reported.
    events: BatchEvents,
}

impl Batcher {
    /// A batcher for `client`, when its profile's run batches, exports, or
    /// has stored answers to give; `None` otherwise.
    pub(super) fn attach(client: &LlmClient) -> Option<Arc<Batcher>> {
        let opts = client.settings.batch.clone();
        let events = client.batch_events.clone();
        let store = opts.store.as_deref().map(Store::new);
        let has_results =
            !opts.ignore_store && store.as_ref().is_some_and(|s| s.result_count() > 0);
        if opts.mode == BatchMode::Off && !has_results {
            return None;
        }
        let endpoint = redact_url(&client.settings.base_url);
        let mut state = State::default();
        if let (Some(store), BatchMode::Submit, false) = (&store, &opts.mode, opts.ignore_store) {
            store.prune();
            for r in store.records() {
                if !r.collected && r.endpoint == endpoint {
                    for id in &r.requests {
                        state.open.insert(id.clone(), r.id.clone());
                    }
                    state.saved.insert(r.id.clone(), r);
                }
            }
        }
        let mut direct = client.clone();
        direct.batch = None;
        Some(Arc::new(Batcher {
            fallback: Semaphore::new(opts.fallback_concurrency.max(1)),
            direct,
            store,
            state: Mutex::new(state),
            endpoint,
            opts,
            events,
        }))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Answer `request`: from the store, from a batch, or as a normal request.
    pub(super) async fn chat(
        self: &Arc<Self>,
        request: &ChatRequest,
        estimated_tokens: u32,
    ) -> Result<Outcome, LlmError> {
        let started = Instant::now();
        let id = custom_id(request);
        if self.opts.submits() && self.direct.preflight {
            let direct = &self.direct;
            let ready = direct.ready.get_or_init(|| direct.check_endpoint()).await;
            if let Err(e) = ready {
                return Err(e.clone());
            }
        }
        let waiting = match self.enqueue(&id, request) {
            Placed::Answered(body) => {
                if let Ok(outcome) = self.outcome(body, started) {
                    return Ok(outcome);
                }
                return self.fall_back(request, estimated_tokens, None).await;
            }
            Placed::Direct => return self.direct.chat(request, estimated_tokens).await,
            Placed::Waiting(rx) => rx,
        };
        match waiting.await {
            Ok(Delivery::Answer(body)) => match self.outcome(body, started) {
                Ok(outcome) => {
                    self.events.emit(BatchEvent::Answered);
                    Ok(outcome)
                }
                Err(_) => self.fall_back(request, estimated_tokens, None).await,
            },
            Ok(Delivery::Fallback(why)) => {
                self.fall_back(request, estimated_tokens, Some(why)).await
            }
            Ok(Delivery::Failed(e)) => Err(e),
            Err(_) => Err(LlmError::Connect {
                url: self.scrub_url(),
                message: Redacted::new("the batch collector stopped", &[]),
            }),
        }
    }

    fn scrub_url(&self) -> Redacted {
        self.direct.scrub(&self.endpoint)
    }

    /// A stored or downloaded answer body as an outcome.
    fn outcome(&self, body: serde_json::Value, started: Instant) -> Result<Outcome, LlmError> {
        let url = self.scrub_url();
        let response: WireResponse =
            serde_json::from_value(body).map_err(|e| LlmError::Malformed {
                url: url.clone(),
                message: self.direct.scrub(&e.to_string()),
            })?;
        let key = self.direct.settings.api_key();
        let completion = Completion::from_wire(response, key.as_deref())
            .map(|c| c.within(self.direct.settings.max_output_tokens))
            .ok_or_else(|| LlmError::Malformed {
                url,
                message: self.direct.scrub("response has no choices"),
            })?;
        Ok(Outcome {
            completion,
            attempts: 1,
            latency: started.elapsed(),
            endpoint: self.endpoint.clone(),
        })
    }

    /// Send `request` as a normal one, `why` said when the batch gave a reason.
    async fn fall_back(
        &self,
        request: &ChatRequest,
        tokens: u32,
        why: Option<String>,
    ) -> Result<Outcome, LlmError> {
        self.events.emit(BatchEvent::FellBack { why });
        let _slot = self.fallback.acquire().await;
        self.direct.chat(request, tokens).await
    }

    /// Place a request: answered from the store, sent directly (no batching
    /// in this run), or waiting for a batch (queued, submitted, or saved).
    fn enqueue(self: &Arc<Self>, id: &str, request: &ChatRequest) -> Placed {
        let mut s = self.lock();
        if let Some(store) = self.store.as_ref().filter(|_| !self.opts.ignore_store)
            && let Some(body) = store.result(id)
        {
            store.remove_result(id);
            self.events.emit(BatchEvent::FromStore);
            return Placed::Answered(body);
        }
        if self.opts.mode == BatchMode::Off {
            return Placed::Direct;
        }
        let (tx, rx) = oneshot::channel();
        let waiters = s.waiters.entry(id.to_string()).or_default();
        waiters.push(tx);
        let first = waiters.len() == 1;
        if let Some(batch) = s.open.get(id).cloned() {
            if let Some(record) = s.saved.remove(&batch) {
                self.events.emit(BatchEvent::Resumed {
                    id: record.id.clone(),
                    requests: record.requests.len() as u64,
                });
                let this = self.clone();
                tokio::spawn(async move { this.follow(record).await });
            }
            return Placed::Waiting(rx);
        }
        if first {
            s.pending.push((id.to_string(), request.clone()));
        }
        s.last_arrival = Some(Instant::now());
        if !s.flushing {
            s.flushing = true;
            let this = self.clone();
            tokio::spawn(async move { this.flush_when_quiet().await });
        }
        Placed::Waiting(rx)
    }

    /// Wait until no request arrived for the quiet period, then submit (or
    /// export) the queue.
    async fn flush_when_quiet(self: Arc<Self>) {
        let batch = loop {
            tokio::time::sleep(self.opts.quiet).await;
            let mut s = self.lock();
            if s.last_arrival
                .is_some_and(|t| t.elapsed() < self.opts.quiet)
            {
                continue;
            }
            s.flushing = false;
            let batch = std::mem::take(&mut s.pending);
            for (id, _) in &batch {
                s.open.insert(id.clone(), String::new());
            }
            break batch;
        };
        if batch.is_empty() {
            return;
        }
        match &self.opts.mode {
            BatchMode::Export(path) => self.export(path, &batch),
            _ => {
                let mut parts = split(batch, MAX_BATCH_REQUESTS, MAX_BATCH_BYTES).into_iter();
                let first = parts.next().unwrap_or_default();
                for part in parts {
                    let this = self.clone();
                    tokio::spawn(async move { this.submit(part).await });
                }
                self.submit(first).await;
            }
        }
    }

    /// Write the queue as batch input lines; its requests are never answered
    /// (the export command stops the run when told). For `-` the lines go
    /// out in the event, for the command line to print.
    fn export(&self, path: &std::path::Path, batch: &[(String, ChatRequest)]) {
        let mut text = String::new();
        for (_, request) in batch {
            text.push_str(&input_line(request));
            text.push('\n');
        }
        let requests = batch.len() as u64;
        // An import takes answers only for these (and submitted) ids.
        if let Some(store) = &self.store
            && let Err(e) = store.note_exported(batch.iter().map(|(id, _)| id.as_str()))
        {
            self.events.emit(BatchEvent::Error(e.to_string()));
        }
        if path == std::path::Path::new("-") {
            self.events.emit(BatchEvent::Exported {
                requests,
                stdout: Some(text),
            });
        } else {
            match crate::atomic::write(path, text.as_bytes(), crate::atomic::Access::Umask) {
                Ok(()) => self.events.emit(BatchEvent::Exported {
                    requests,
                    stdout: None,
                }),
                Err(e) => self.events.emit(BatchEvent::Error(format!(
                    "cannot write {}: {e}",
                    path.display()
                ))),
            }
        }
        self.events.emit(BatchEvent::ExportDone);
    }

    /// Upload the queue, create the batch, save its record, then follow it.
    async fn submit(self: &Arc<Self>, batch: Vec<(String, String)>) {
        let mut jsonl = Vec::new();
        for (_, line) in &batch {
            jsonl.extend_from_slice(line.as_bytes());
            jsonl.push(b'\n');
        }
        let created = async {
            let file = self.direct.upload_batch_file(jsonl).await?;
            let created = self.direct.create_batch(&file).await?;
            Ok::<_, LlmError>((file, created))
        }
        .await;
        let ids: Vec<String> = batch.into_iter().map(|(id, _)| id).collect();
        let (file, created) = match created {
            Ok(c) => c,
            Err(e) => {
                let delivery = |e: &LlmError| match e.is_fatal() {
                    true => Delivery::Failed(e.clone()),
                    false => Delivery::Fallback(format!("batch not created: {e}")),
                };
                if !e.is_fatal() {
                    self.events.emit(BatchEvent::Warning(format!(
                        "could not create a batch ({e}); sending its {} requests one by one",
                        ids.len()
                    )));
                }
                self.deliver(&ids, |_| delivery(&e));
                return;
            }
        };
        let record = BatchRecord {
            id: created.id.clone().unwrap_or_default(),
            endpoint: self.endpoint.clone(),
            model: self.direct.settings.model.clone(),
            created: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            status: created.status().to_string(),
            input_file_id: file,
            output_file_id: None,
            error_file_id: None,
            counts: Counts::default(),
            collected: false,
            requests: ids,
        };
        self.save(&record);
        {
            let mut s = self.lock();
            for id in &record.requests {
                s.open.insert(id.clone(), record.id.clone());
            }
        }
        self.events.emit(BatchEvent::Submitted {
            id: record.id.clone(),
            requests: record.requests.len() as u64,
        });
        self.follow(record).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::{ChatMessage, Role};

    fn request(user: &str) -> ChatRequest {
        ChatRequest {
            model: "m".into(),
            messages: vec![ChatMessage::new(Role::User, user)],
            temperature: 0.0,
            max_tokens: 10,
            stream: false,
        }
    }

    #[test]
    fn custom_ids_follow_the_request_body() {
        let a = custom_id(&request("hello"));
        assert!(store::is_custom_id(&a), "{a}");
        assert_eq!(a, custom_id(&request("hello")));
        assert_ne!(a, custom_id(&request("hello!")));
        let mut other_model = request("hello");
        other_model.model = "m2".into();
        assert_ne!(a, custom_id(&other_model));
    }

    #[test]
    fn an_input_line_is_a_post_of_the_request_body() {
        let line: serde_json::Value = serde_json::from_str(&input_line(&request("hi"))).unwrap();
        assert_eq!(line["custom_id"], custom_id(&request("hi")));
        assert_eq!(line["method"], "POST");
        assert_eq!(line["url"], "/v1/chat/completions");
        assert_eq!(line["body"]["messages"][0]["content"], "hi");
        assert_eq!(line["body"]["max_tokens"], 10);
    }

    #[test]
    fn a_large_queue_is_split_within_the_limits() {
        let queue: Vec<(String, ChatRequest)> = (0..7)
            .map(|i| {
                let r = request(&format!("request {i}"));
                (custom_id(&r), r)
            })
            .collect();
        let line = input_line(&queue[0].1).len() + 1;
        let sizes =
            |parts: &[Vec<(String, String)>]| parts.iter().map(Vec::len).collect::<Vec<_>>();
        assert_eq!(sizes(&split(queue.clone(), 3, usize::MAX)), [3, 3, 1]);
        assert_eq!(sizes(&split(queue.clone(), 100, line * 2)), [2, 2, 2, 1]);
        let parts = split(queue.clone(), 100, usize::MAX);
        assert_eq!(sizes(&parts), [7]);
        assert_eq!(parts[0][6].0, queue[6].0, "order and ids kept");
        assert!(split(Vec::new(), 3, 10).is_empty());
    }

    #[test]
    fn options_compare_by_settings() {
        let a = BatchOptions::default();
        let b = BatchOptions::default();
        assert_eq!(a, b);
        assert_ne!(
            a,
            BatchOptions {
                mode: BatchMode::Submit,
                ..BatchOptions::default()
            }
        );
        assert!(!a.collects());
        assert!(BatchOptions::from_env(BatchMode::Export("-".into())).collects());
    }
}
