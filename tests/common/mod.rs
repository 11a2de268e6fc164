//! In-process mock of an OpenAI-compatible chat server for integration tests.
//!
//! Why a mock: gloss must be tested against the failure modes of real
//! endpoints (rate limits, llama.cpp/Ollama error shapes, truncated or
//! misaligned replies, hangs) deterministically and without network access.
//!
//! Requests are told apart the way gloss's prompts shape them (see
//! [`RequestKind`]). The default replies are deterministic and pass gloss's
//! quality checks:
//! - translation (`[n] ` markers at the start of lines): each segment as
//!   `[n] ` + [`mock_translation`] of its source, so a test can check that
//!   segment n's translation really belongs to segment n; like a good
//!   translator it follows the term translations the prompt gives
//!   ([`translate_with_terms`]);
//! - termbase (system message mentions the "termbase"): `NONE`, i.e. no
//!   terms, unless `MockConfig::term_replies` scripts a list;
//! - repair (user message holds "Problems found in it:"): the segment's
//!   source translated as above (with the prompt's required terms), unless
//!   `MockConfig::repair_replies` scripts an answer or
//!   `echo_repair_instructions` has it echo the request's instruction line;
//! - anything else (summary, brief): `MockConfig::default_reply`, or
//!   `"SUMMARY: " + first 40 chars of the user message`.
//!
//! Use `MockServer::start().await` from async tests and
//! `MockServer::start_blocking()` from sync tests that run the gloss binary.
//! The server stops when the `MockServer` is dropped.
#![allow(dead_code)]

pub mod batch_mock;
pub mod figures;
pub mod workspace;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

/// One scripted misbehaviour, applied to a single chat request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// 429 with an OpenAI-style rate-limit body and an optional `Retry-After` header.
    Status429 { retry_after: Option<String> },
    /// 500 with the plain-text body `internal error`.
    Status500,
    /// Sleep `ms` before answering normally (to trigger client timeouts).
    Hang { ms: u64 },
    /// 200 with the truncated body `{"choices": [`.
    MalformedJson,
    /// llama.cpp's error shape: `{"error":{"code":<status>,"message":..,"type":"server_error"}}`.
    LlamaCppError { status: u16 },
    /// Ollama's error shape: `{"error":"model '<requested model>' not found"}`.
    OllamaError { status: u16 },
    /// Normal reply minus its last segment line (no-op for non-translation requests).
    DropLastSegment,
    /// Only the first `n / 2` segments (or first half of the text for
    /// non-translation requests), with `finish_reason: "length"`.
    FinishLength,
    /// Normal reply without the `usage` field.
    NoUsage,
    /// Normal envelope, but this exact assistant content.
    Reply(String),
    /// Arbitrary status and body (served as `application/json`).
    Custom { status: u16, body: String },
    /// This status with an error body quoting the request's `Authorization`
    /// header, as some proxies do.
    EchoAuthorization { status: u16 },
}

/// Behaviour knobs. Read once at the start of each request, so changes made
/// between runs (via `MockServer::configure`) take effect on the next request.
#[derive(Debug, Clone, Default)]
pub struct MockConfig {
    /// Fixed latency added to every chat response (including error responses).
    pub delay_ms_per_request: u64,
    /// Extra latency per completion token of successful replies
    /// (completion tokens = reply chars / 4).
    pub delay_ms_per_output_token: u64,
    /// One-shot faults, consumed one per (authorised) chat request in arrival order.
    /// Takes precedence over `fault_when_user_contains`.
    pub faults: VecDeque<Fault>,
    /// Persistent fault for every request whose user message contains the string.
    pub fault_when_user_contains: Option<(String, Fault)>,
    /// Any translation request with more than N segments loses its last segment.
    pub drop_segments_over: Option<usize>,
    /// If set, chat requests need `Authorization: Bearer <key>` or get 401.
    pub require_bearer: Option<String>,
    /// Reply for summary and brief requests (any request that is no
    /// translation, termbase or repair request); `None` means
    /// `"SUMMARY: " + first 40 chars of the user message`.
    pub default_reply: Option<String>,
    /// Per-segment translations: in a translation request, a segment whose
    /// source contains the needle is answered with the text instead of
    /// [`mock_translation`] (first match wins; the other segments keep the
    /// default). Repair requests are not affected.
    pub segment_replies: Vec<(String, String)>,
    /// Repair requests whose segment source contains the needle get the text
    /// (first match wins) instead of [`mock_translation`] of the source.
    pub repair_replies: Vec<(String, String)>,
    /// Repair requests are answered with the request's own last line (its
    /// instruction), as small models do; `repair_replies` still wins.
    pub echo_repair_instructions: bool,
    /// Termbase requests whose user message contains the needle get the text
    /// (first match wins) instead of `NONE`. The user message is `Article:
    /// <title>` and the article's paragraphs, so the title is a good needle.
    pub term_replies: Vec<(String, String)>,
    /// Summary requests whose user message contains the needle get the text
    /// (first match wins) instead of `default_reply`.
    pub summary_replies: Vec<(String, String)>,
    /// Look like llama.cpp: `/models` says `owned_by: llamacpp` and `/props`
    /// gives each slot this many tokens of context (`None`: `/props` is 404).
    pub llamacpp_slot_context: Option<u64>,
}

/// State shared between the test and the server's handlers.
#[derive(Default)]
struct Shared {
    config: Arc<Mutex<MockConfig>>,
    requests: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    bodies: Mutex<Vec<Value>>,
    headers: Mutex<Vec<Vec<(String, String)>>>,
    /// Headers of each `GET /models`.
    models_headers: Mutex<Vec<Vec<(String, String)>>>,
    /// Path and query of every request (chat and models), in arrival order.
    uris: Mutex<Vec<String>>,
    /// The Files and Batches endpoints' state.
    batches: batch_mock::Batches,
    /// Chat requests' starts and ends, in the order they happened.
    events: Mutex<Vec<Event>>,
}

/// A chat request arriving or being answered; the number is its index in
/// [`MockServer::bodies`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Start(usize),
    /// The handler returned: the answer is on its way to the client.
    End(usize),
}

/// A running mock server; dropping it stops the server.
pub struct MockServer {
    /// e.g. `http://127.0.0.1:PORT/v1` — pass as gloss's base URL.
    pub base_url: String,
    pub addr: SocketAddr,
    /// The live configuration; prefer `configure` for edits.
    pub config: Arc<Mutex<MockConfig>>,
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Recovers from poisoning so that one panicking test assertion inside a
/// handler-adjacent lock does not cascade into unrelated failures.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl MockServer {
    /// Starts on the current tokio runtime (for `#[tokio::test]`).
    pub async fn start() -> MockServer {
        Self::start_with(MockConfig::default()).await
    }

    pub async fn start_with(config: MockConfig) -> MockServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind mock server");
        let addr = listener.local_addr().expect("local addr");
        let shared = Arc::new(Shared {
            config: Arc::new(Mutex::new(config)),
            ..Shared::default()
        });
        let (tx, rx) = tokio::sync::oneshot::channel();
        tokio::spawn(serve(listener, shared.clone(), rx));
        Self::assemble(addr, shared, tx, None)
    }

    /// Starts on a private runtime in a background thread (for sync tests that
    /// spawn the gloss binary); returns once the socket is listening.
    pub fn start_blocking() -> MockServer {
        Self::start_blocking_with(MockConfig::default())
    }

    pub fn start_blocking_with(config: MockConfig) -> MockServer {
        let shared = Arc::new(Shared {
            config: Arc::new(Mutex::new(config)),
            ..Shared::default()
        });
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("mock-openai".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("mock runtime");
                rt.block_on(async move {
                    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                        .await
                        .expect("bind mock server");
                    addr_tx
                        .send(listener.local_addr().expect("local addr"))
                        .expect("report mock addr");
                    serve(listener, thread_shared, rx).await;
                });
                // Dropping the runtime cancels connection tasks still sleeping
                // in `Hang`, so shutdown never waits on a scripted delay.
                drop(rt);
            })
            .expect("spawn mock thread");
        let addr = addr_rx.recv().expect("mock server failed to start");
        Self::assemble(addr, shared, tx, Some(thread))
    }

    fn assemble(
        addr: SocketAddr,
        shared: Arc<Shared>,
        shutdown: tokio::sync::oneshot::Sender<()>,
        thread: Option<std::thread::JoinHandle<()>>,
    ) -> MockServer {
        MockServer {
            base_url: format!("http://{addr}/v1"),
            addr,
            config: shared.config.clone(),
            shared,
            shutdown: Some(shutdown),
            thread,
        }
    }

    /// Edits the live configuration under its lock.
    pub fn configure(&self, f: impl FnOnce(&mut MockConfig)) {
        f(&mut lock(&self.config));
    }

    pub fn push_fault(&self, fault: Fault) {
        lock(&self.config).faults.push_back(fault);
    }

    pub fn pending_faults(&self) -> usize {
        lock(&self.config).faults.len()
    }

    /// Sets `delay_ms_per_request` and `delay_ms_per_output_token`.
    pub fn set_delay(&self, per_request_ms: u64, per_output_token_ms: u64) {
        self.configure(|c| {
            c.delay_ms_per_request = per_request_ms;
            c.delay_ms_per_output_token = per_output_token_ms;
        });
    }

    /// Number of chat requests received (any outcome, including 401s).
    pub fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// Highest number of chat requests handled concurrently.
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }

    /// Chat request bodies in arrival order (non-JSON bodies as a JSON string).
    pub fn bodies(&self) -> Vec<Value> {
        lock(&self.shared.bodies).clone()
    }

    /// Content of the last `user` message of each chat request, in arrival order.
    pub fn user_messages(&self) -> Vec<String> {
        self.bodies().iter().map(user_message).collect()
    }

    /// User messages of the chat requests of one kind, in arrival order.
    pub fn user_messages_of(&self, kind: RequestKind) -> Vec<String> {
        self.bodies()
            .iter()
            .filter(|b| RequestKind::of(b) == kind)
            .map(user_message)
            .collect()
    }

    /// Number of chat requests of one kind.
    pub fn requests_of(&self, kind: RequestKind) -> usize {
        self.bodies()
            .iter()
            .filter(|b| RequestKind::of(b) == kind)
            .count()
    }

    /// Headers of each chat request (lowercase names), in arrival order.
    pub fn headers(&self) -> Vec<Vec<(String, String)>> {
        lock(&self.shared.headers).clone()
    }

    /// Headers of each `GET /models` (gloss's check before the first request, doctor).
    pub fn models_headers(&self) -> Vec<Vec<(String, String)>> {
        lock(&self.shared.models_headers).clone()
    }

    /// Every `Authorization` header value received, chat and models alike.
    pub fn authorizations(&self) -> Vec<String> {
        self.headers()
            .into_iter()
            .chain(self.models_headers())
            .flatten()
            .filter(|(k, _)| k == "authorization")
            .map(|(_, v)| v)
            .collect()
    }

    /// Path and query (`/v1/models?x=y`) of every request, in arrival order.
    pub fn uris(&self) -> Vec<String> {
        lock(&self.shared.uris).clone()
    }

    /// Chat requests' starts and ends in the order they happened: a request
    /// that starts after another's end may have waited for its answer.
    pub fn events(&self) -> Vec<Event> {
        lock(&self.shared.events).clone()
    }

    /// Clears request count, max in-flight, bodies and headers (not config or faults).
    pub fn reset_counters(&self) {
        lock(&self.shared.events).clear();
        self.shared.requests.store(0, Ordering::SeqCst);
        self.shared.max_in_flight.store(0, Ordering::SeqCst);
        lock(&self.shared.bodies).clear();
        lock(&self.shared.headers).clear();
        lock(&self.shared.models_headers).clear();
        lock(&self.shared.uris).clear();
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    shutdown: tokio::sync::oneshot::Receiver<()>,
) {
    let app = Router::new()
        .route("/v1/chat/completions", post(chat))
        // Also accept a base URL without `/v1`, as some configs omit it.
        .route("/chat/completions", post(chat))
        .route("/v1/models", get(models))
        .route("/models", get(models))
        .route("/props", get(props))
        .merge(batch_mock::routes())
        .fallback(|| async {
            error_json(StatusCode::NOT_FOUND, "not found", "invalid_request_error")
        })
        .with_state(shared);
    // Not graceful: a test dropping the server must not wait for hung requests.
    tokio::select! {
        res = async { axum::serve(listener, app).await } => {
            if let Err(e) = res {
                eprintln!("mock server error: {e}");
            }
        }
        _ = shutdown => {}
    }
}

fn header_list(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

async fn models(
    State(shared): State<Arc<Shared>>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    lock(&shared.uris).push(uri.to_string());
    lock(&shared.models_headers).push(header_list(&headers));
    let owner = match lock(&shared.config).llamacpp_slot_context {
        Some(_) => "llamacpp",
        None => "mock",
    };
    json_response(
        StatusCode::OK,
        json!({"object":"list","data":[{"id":"mock-model","object":"model","owned_by":owner}]})
            .to_string(),
    )
}

/// llama.cpp's `/props`, when the mock plays llama.cpp.
async fn props(State(shared): State<Arc<Shared>>) -> Response {
    match lock(&shared.config).llamacpp_slot_context {
        Some(n_ctx) => json_response(
            StatusCode::OK,
            json!({"default_generation_settings": {"n_ctx": n_ctx}, "total_slots": 2}).to_string(),
        ),
        None => error_json(StatusCode::NOT_FOUND, "not found", "invalid_request_error"),
    }
}

/// Decrements the in-flight count and records the request's end even if the
/// client disconnects and the handler future is dropped mid-sleep.
struct InFlight<'a>(&'a Shared, usize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        lock(&self.0.events).push(Event::End(self.1));
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn chat(
    State(shared): State<Arc<Shared>>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body: Value = serde_json::from_slice(&body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
    shared.requests.fetch_add(1, Ordering::SeqCst);
    let index = {
        let mut bodies = lock(&shared.bodies);
        bodies.push(body.clone());
        bodies.len() - 1
    };
    lock(&shared.events).push(Event::Start(index));
    lock(&shared.uris).push(uri.to_string());
    lock(&shared.headers).push(header_list(&headers));
    let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    shared.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let _guard = InFlight(&shared, index);

    let user = user_message(&body);
    // Snapshot config and pop this request's fault under one lock, so the
    // fault queue is consumed strictly in arrival order.
    let (cfg, fault, authorised) = {
        let mut cfg = lock(&shared.config);
        let authorised = match &cfg.require_bearer {
            None => true,
            Some(key) => headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v == format!("Bearer {key}")),
        };
        // Queued faults are aimed at the requests a test is about; the
        // issue's section names go alongside any selection, in any order,
        // and are answered normally.
        let aimed = RequestKind::of(&body) != RequestKind::SectionNames;
        let fault = if authorised {
            aimed.then(|| cfg.faults.pop_front()).flatten().or_else(|| {
                cfg.fault_when_user_contains
                    .as_ref()
                    .filter(|(needle, _)| user.contains(needle.as_str()))
                    .map(|(_, f)| f.clone())
            })
        } else {
            None
        };
        let mut snapshot = cfg.clone();
        snapshot.faults.clear();
        (snapshot, fault, authorised)
    };

    sleep_ms(cfg.delay_ms_per_request).await;
    if !authorised {
        return error_json(
            StatusCode::UNAUTHORIZED,
            "invalid api key",
            "invalid_request_error",
        );
    }

    let model = body
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("mock-model")
        .to_string();

    match &fault {
        Some(Fault::Status429 { retry_after }) => {
            let mut resp = error_json(
                StatusCode::TOO_MANY_REQUESTS,
                "rate limited",
                "rate_limit_error",
            );
            if let Some(ra) = retry_after
                .as_deref()
                .and_then(|v| HeaderValue::from_str(v).ok())
            {
                resp.headers_mut().insert(header::RETRY_AFTER, ra);
            }
            return resp;
        }
        Some(Fault::Status500) => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
        }
        Some(Fault::MalformedJson) => {
            return json_response(StatusCode::OK, r#"{"choices": ["#.to_string());
        }
        Some(Fault::LlamaCppError { status }) => {
            return json_response(
                status_code(*status),
                json!({"error":{"code":status,"message":"mock llama.cpp error","type":"server_error"}})
                    .to_string(),
            );
        }
        Some(Fault::OllamaError { status }) => {
            return json_response(
                status_code(*status),
                json!({"error": format!("model '{model}' not found")}).to_string(),
            );
        }
        Some(Fault::Custom { status, body }) => {
            return json_response(status_code(*status), body.clone());
        }
        Some(Fault::EchoAuthorization { status }) => {
            let auth = headers
                .get(header::AUTHORIZATION)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .unwrap_or_default();
            return json_response(
                status_code(*status),
                json!({"error":{"message":format!("rejected header Authorization: {auth} (token {})", auth.trim_start_matches("Bearer ")),"type":"invalid_request_error"}})
                    .to_string(),
            );
        }
        Some(Fault::Hang { ms }) => sleep_ms(*ms).await,
        _ => {}
    }

    let (mut resp, completion_tokens) = chat_answer(&body, &cfg, fault.as_ref());
    sleep_ms(cfg.delay_ms_per_output_token * completion_tokens as u64).await;
    if fault == Some(Fault::NoUsage) {
        resp.as_object_mut().expect("object").remove("usage");
    }
    json_response(StatusCode::OK, resp.to_string())
}

/// The completion the mock answers a chat request `body` with (the chat
/// endpoint and the batch endpoints alike), and its completion tokens.
pub fn chat_answer(body: &Value, cfg: &MockConfig, fault: Option<&Fault>) -> (Value, usize) {
    let user = user_message(body);
    let kind = RequestKind::of(body);
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("mock-model")
        .to_string();
    let system = system_message(body);
    let (content, finish_reason) = reply_content(kind, &system, &user, cfg, fault);
    let prompt_tokens = user.chars().count() / 4;
    let completion_tokens = content.chars().count() / 4;
    let resp = json!({
        "id": "x",
        "object": "chat.completion",
        "created": 1,
        "model": model,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content},
            "finish_reason": finish_reason,
        }],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    });
    (resp, completion_tokens)
}

/// What a chat request asks for, as gloss's prompts (prompts/*.md) shape it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// prompts/terms.md: the system message mentions the "termbase".
    Termbase,
    /// prompts/repair.md: the user message holds "Problems found in it:".
    Repair,
    /// prompts/translate.md: `[n] ` segment lines.
    Translation,
    /// prompts/translate.md for the issue's section names (src/sections.rs),
    /// `Article: Section headings of the newsletter issue`.
    SectionNames,
    /// prompts/summarize.md: the user message starts `Article A01: `.
    Summary,
    /// prompts/brief.md: the user message starts `Issue: `.
    Brief,
    /// Anything else (the mock's self-test, `gloss doctor`).
    Other,
}

impl RequestKind {
    /// The kind of a chat request body.
    pub fn of(body: &Value) -> RequestKind {
        let user = user_message(body);
        if system_message(body).contains("termbase") {
            RequestKind::Termbase
        } else if user.contains("Problems found in it:") {
            RequestKind::Repair
        } else if user.starts_with(SECTION_NAMES_TITLE) {
            RequestKind::SectionNames
        } else if !parse_segments(&user).is_empty() {
            RequestKind::Translation
        } else if is_summary(&user) {
            RequestKind::Summary
        } else if user.starts_with("Issue: ") {
            RequestKind::Brief
        } else {
            RequestKind::Other
        }
    }
}

/// How prompts/translate.md asks for a lone segment (no markers, no title).
const LONE_SEGMENT: &str = "Translate the following ";

/// How a section-names request starts (the chunk title in src/sections.rs).
const SECTION_NAMES_TITLE: &str = "Article: Section headings of the newsletter issue";

/// `Article A01: …`.
fn is_summary(user: &str) -> bool {
    let Some(rest) = user.strip_prefix("Article ") else {
        return false;
    };
    let id: Vec<char> = rest.chars().take(4).collect();
    id.len() == 4
        && id[0].is_ascii_uppercase()
        && id[1].is_ascii_digit()
        && id[2].is_ascii_digit()
        && id[3] == ':'
}

/// The segment source of a repair request: between `Source:\n` and
/// `\n\nPrevious translation:`.
pub fn repair_source(user: &str) -> Option<&str> {
    let start = user.find("Source:\n")? + "Source:\n".len();
    let len = user[start..].find("\n\nPrevious translation:")?;
    Some(&user[start..start + len])
}

fn first_match<'a>(rules: &'a [(String, String)], haystack: &str) -> Option<&'a str> {
    rules
        .iter()
        .find(|(needle, _)| haystack.contains(needle.as_str()))
        .map(|(_, reply)| reply.as_str())
}

/// Builds the assistant content and finish reason for a non-error reply.
fn reply_content(
    kind: RequestKind,
    _system: &str,
    user: &str,
    cfg: &MockConfig,
    fault: Option<&Fault>,
) -> (String, &'static str) {
    if let Some(Fault::Reply(raw)) = fault {
        return (raw.clone(), "stop");
    }
    let truncate = fault == Some(&Fault::FinishLength);
    let finish = if truncate { "length" } else { "stop" };
    let half = |text: String| -> String {
        if truncate {
            let half = text.chars().count() / 2;
            text.chars().take(half).collect()
        } else {
            text
        }
    };
    match kind {
        RequestKind::Termbase => {
            let text = first_match(&cfg.term_replies, user).unwrap_or("NONE");
            return (half(text.to_string()), finish);
        }
        RequestKind::Repair => {
            let source = repair_source(user).unwrap_or_default();
            let terms = prompt_terms(user, "Required term translations:");
            let instruction = user.lines().rev().find(|l| !l.trim().is_empty());
            let text = first_match(&cfg.repair_replies, source)
                .map(str::to_string)
                .or_else(|| {
                    cfg.echo_repair_instructions
                        .then(|| instruction.unwrap_or_default().to_string())
                })
                .unwrap_or_else(|| translate_with_terms(source, &terms));
            return (half(text), finish);
        }
        RequestKind::Summary => {
            if let Some(text) = first_match(&cfg.summary_replies, user) {
                return (half(text.to_string()), finish);
            }
        }
        _ => {}
    }
    let mut segments = parse_segments(user);
    if segments.is_empty() {
        let text = cfg
            .default_reply
            .clone()
            .unwrap_or_else(|| format!("SUMMARY: {}", user.chars().take(40).collect::<String>()));
        return (half(text), finish);
    }
    if cfg.drop_segments_over.is_some_and(|n| segments.len() > n) {
        segments.pop();
    }
    if fault == Some(&Fault::DropLastSegment) {
        segments.pop();
    }
    if truncate {
        segments.truncate(segments.len() / 2);
    }
    let terms = prompt_terms(user, "Term translations to use:");
    let lines: Vec<String> = segments
        .iter()
        .map(|(n, text)| {
            let translation = first_match(&cfg.segment_replies, text)
                .map(str::to_string)
                .unwrap_or_else(|| translate_with_terms(text, &terms));
            format!("[{n}] {translation}")
        })
        .collect();
    (lines.join("\n"), finish)
}

// ---------------------------------------------------------------------------
// The default translation
// ---------------------------------------------------------------------------

const INITIALS: [&str; 19] = [
    "g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p",
    "h",
];
const MEDIALS: [&str; 21] = [
    "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we",
    "wi", "yu", "eu", "ui", "i",
];
/// Final consonants as Revised Romanization writes them at the end of a
/// syllable (their representative sounds).
const FINALS: [&str; 28] = [
    "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p",
    "t", "t", "ng", "t", "t", "k", "t", "p", "t",
];

/// Each Hangul syllable (U+AC00..U+D7A3) in Revised Romanization, syllable by
/// syllable (no assimilation across syllables); every other character as is.
pub fn romanize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let code = c as u32;
        if (0xAC00..=0xD7A3).contains(&code) {
            let s = (code - 0xAC00) as usize;
            out.push_str(INITIALS[s / (21 * 28)]);
            out.push_str(MEDIALS[s / 28 % 21]);
            out.push_str(FINALS[s % 28]);
        } else {
            out.push(c);
        }
    }
    out
}

/// The mock's default translation of a segment: `EN: ` + the source
/// romanized, plus — when the source has figures — each of them in English by
/// the tests' own reader (`{427,000,000 dollars; 2030; 40%}`, figures.rs), so that it passes every quality
/// check of gloss (no Hangul left, no number lost, plausible length).
pub fn mock_translation(source: &str) -> String {
    translate_with_terms(source, &[])
}

/// [`mock_translation`] following a termbase: each term's source (longest
/// first) is replaced by its target before romanizing, as a translator told
/// `우드맥켄지 → Wood Mackenzie` would write "Wood Mackenzie".
pub fn translate_with_terms(source: &str, terms: &[(String, String)]) -> String {
    let source = source.trim();
    let mut sorted: Vec<&(String, String)> = terms.iter().collect();
    sorted.sort_by_key(|(s, _)| std::cmp::Reverse(s.chars().count()));
    let mut text = source.to_string();
    for (from, to) in sorted {
        if !from.is_empty() {
            text = text.replace(from.as_str(), to);
        }
    }
    let mut out = format!("EN: {}", romanize(&text));
    // The figures by the tests' own reader, not gloss's (figures.rs).
    let figures = figures::english_figures_of(source);
    if !figures.is_empty() {
        out.push_str(&format!(" {{{}}}", figures.join("; ")));
    }
    out
}

/// Extracts `(n, text)` from lines starting with `[n] ` (or a bare `[n]`).
pub fn parse_segments(user: &str) -> Vec<(u32, String)> {
    // prompts/translate.md for a lone segment: no marker, the text last.
    if user.starts_with(LONE_SEGMENT) && !user.lines().any(|l| l.starts_with("[1]")) {
        let text = user.trim_end().rsplit("\n\n").next().unwrap_or_default();
        return vec![(1, text.trim().to_string())];
    }
    user.lines()
        .filter_map(|line| {
            let rest = line.strip_prefix('[')?;
            let close = rest.find(']')?;
            let n: u32 = rest[..close].parse().ok()?;
            let after = &rest[close + 1..];
            let text = if after.is_empty() {
                ""
            } else {
                after.strip_prefix(' ')?
            };
            Some((n, text.to_string()))
        })
        .collect()
}

/// The `source → target` lines that follow `header` in a prompt (the
/// glossary of prompts/translate.md and prompts/repair.md; a term's note in
/// parentheses is dropped).
pub fn prompt_terms(prompt: &str, header: &str) -> Vec<(String, String)> {
    let Some(at) = prompt.find(header) else {
        return Vec::new();
    };
    prompt[at + header.len()..]
        .lines()
        .skip(1)
        .map_while(|line| {
            let line = line.trim().trim_start_matches('-').trim();
            let (from, to) = line.split_once(" → ")?;
            let to = match to.rfind(" (") {
                Some(i) if to.ends_with(')') => &to[..i],
                _ => to,
            };
            Some((from.trim().to_string(), to.trim().to_string()))
        })
        .collect()
}

/// The first `system` message's text (empty when there is none).
pub fn system_message(body: &Value) -> String {
    body.get("messages")
        .and_then(Value::as_array)
        .and_then(|ms| {
            ms.iter()
                .find(|m| m.get("role").and_then(Value::as_str) == Some("system"))
        })
        .map(message_text)
        .unwrap_or_default()
}

fn message_text(msg: &Value) -> String {
    match msg.get("content") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    }
}

/// The last `user` message's text; content-part arrays are concatenated.
pub fn user_message(body: &Value) -> String {
    let Some(messages) = body.get("messages").and_then(Value::as_array) else {
        return String::new();
    };
    let Some(msg) = messages
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
    else {
        return String::new();
    };
    message_text(msg)
}

async fn sleep_ms(ms: u64) {
    if ms > 0 {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn error_json(status: StatusCode, message: &str, kind: &str) -> Response {
    json_response(
        status,
        json!({"error":{"message":message,"type":kind}}).to_string(),
    )
}

/// What a CommonMark reader (with tables) shows of `md`: the text of every
/// block, one block a line, soft breaks as spaces, raw HTML as its text (as
/// gloss promises to show it). Tests compare rendered text with this rather
/// than raw Markdown, whose escapes are gloss's choice.
pub fn markdown_shown(md: &str) -> String {
    use pulldown_cmark::{Event, Options, Parser, TagEnd};
    let mut out = String::new();
    for event in Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                out.push_str(&t)
            }
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::TableCell,
            ) => out.push('\n'),
            _ => {}
        }
    }
    out
}

/// Run `gloss ARGS` in `dir` with nothing of the user's or the environment's
/// (config home and cache inside `dir`, no OpenAI variables); it must
/// succeed. Returns stdout parsed as JSON, and stderr.
pub fn gloss_json_in(dir: &std::path::Path, args: &[&std::ffi::OsStr]) -> (Value, String) {
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin!("gloss"))
        .current_dir(dir)
        .env("GLOSS_CACHE_DIR", dir.join("cache"))
        .env("XDG_CONFIG_HOME", dir.join("config-home"))
        .env_remove("OPENAI_BASE_URL")
        .env_remove("OPENAI_API_KEY")
        .args(args)
        .output()
        .expect("run gloss");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "gloss {args:?}: {stderr}");
    let json = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    (json, stderr)
}
