//! The mock server's Files and Batches endpoints (OpenAI's shapes), for
//! gloss's batch mode: `POST /v1/files` (multipart, purpose `batch`),
//! `POST /v1/batches`, `GET /v1/batches/{id}`, `GET /v1/files/{id}/content`.
//!
//! Each poll of a batch moves it one step along its path (validating →
//! in_progress → finalizing → completed, or the scripted end: failed,
//! expired, cancelled), unless [`BatchScript::hold`] keeps it in_progress.
//! A completed batch's answers are [`super::chat_answer`] of each line's
//! body, the very function the chat endpoint answers with, so a batch run
//! and a normal run get the same answers.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::{
    MockServer, RequestKind, Shared, chat_answer, error_json, json_response, lock, user_message,
};

/// How a batch ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchEnd {
    Completed,
    /// Fails validation: `failed`, with `errors`, no files.
    Failed,
    /// The window passes: the first half of the lines answered, the rest in
    /// the error file as `batch_expired`.
    Expired,
    /// Cancelled by someone: `cancelling` → `cancelled`, no files.
    Cancelled,
}

/// What the batch endpoints do.
#[derive(Debug, Clone, Default)]
pub struct BatchScript {
    /// Keep every batch in_progress (polls do not advance it).
    pub hold: bool,
    /// How the next batches end, one per created batch; then `Completed`.
    pub ends: VecDeque<BatchEnd>,
    /// Lines of this kind go to the error file (HTTP 500) instead of the
    /// output file.
    pub error_kind: Option<RequestKind>,
    /// Answer every Files and Batches request 404, like a server without
    /// a Batch API (llama.cpp, Ollama).
    pub no_api: bool,
}

/// One batch as the mock holds it.
#[derive(Debug, Clone)]
struct Batch {
    id: String,
    input_file_id: String,
    /// The input lines (`custom_id`, `body`).
    lines: Vec<Value>,
    end: BatchEnd,
    /// The statuses this batch moves through, and where it is.
    path: Vec<&'static str>,
    step: usize,
    output_file_id: Option<String>,
    error_file_id: Option<String>,
    completed: usize,
    failed: usize,
}

/// The endpoints' state, inside the mock's shared state.
#[derive(Default)]
pub struct Batches {
    script: Mutex<BatchScript>,
    files: Mutex<HashMap<String, String>>,
    batches: Mutex<Vec<Batch>>,
    /// Statuses each batch answered to polls, by batch id.
    seen: Mutex<HashMap<String, Vec<String>>>,
    polls: Mutex<usize>,
}

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/v1/files", post(upload))
        .route("/v1/files/{id}/content", get(content))
        .route("/v1/batches", post(create))
        .route("/v1/batches/{id}", get(poll))
}

impl MockServer {
    /// Edit the batch script under its lock.
    pub fn script_batches(&self, f: impl FnOnce(&mut BatchScript)) {
        f(&mut lock(&self.shared.batches.script));
    }

    /// Batches created so far.
    pub fn batches_created(&self) -> usize {
        lock(&self.shared.batches.batches).len()
    }

    /// The custom ids of each created batch, in creation order.
    pub fn batch_custom_ids(&self) -> Vec<Vec<String>> {
        lock(&self.shared.batches.batches)
            .iter()
            .map(|b| {
                b.lines
                    .iter()
                    .map(|l| l["custom_id"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .collect()
    }

    /// The user messages of every batched request, in creation order.
    pub fn batched_user_messages(&self) -> Vec<String> {
        lock(&self.shared.batches.batches)
            .iter()
            .flat_map(|b| b.lines.iter().map(|l| user_message(&l["body"])))
            .collect()
    }

    /// The user messages of the `index`th created batch, in line order.
    pub fn batch_user_messages(&self, index: usize) -> Vec<String> {
        lock(&self.shared.batches.batches)
            .get(index)
            .map(|b| b.lines.iter().map(|l| user_message(&l["body"])).collect())
            .unwrap_or_default()
    }

    /// The statuses a batch answered to polls, in order.
    pub fn batch_statuses(&self, id: &str) -> Vec<String> {
        lock(&self.shared.batches.seen)
            .get(id)
            .cloned()
            .unwrap_or_default()
    }

    /// Ids of the created batches, in creation order.
    pub fn batch_ids(&self) -> Vec<String> {
        lock(&self.shared.batches.batches)
            .iter()
            .map(|b| b.id.clone())
            .collect()
    }

    /// Polls answered so far.
    pub fn batch_polls(&self) -> usize {
        *lock(&self.shared.batches.polls)
    }

    /// Files uploaded so far (input files only).
    pub fn files_uploaded(&self) -> usize {
        lock(&self.shared.batches.files)
            .keys()
            .filter(|k| k.starts_with("file-in-"))
            .count()
    }
}

fn authorised(shared: &Shared, headers: &HeaderMap) -> bool {
    match &lock(&shared.config).require_bearer {
        None => true,
        Some(key) => headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == format!("Bearer {key}")),
    }
}

fn unauthorised() -> Response {
    error_json(
        StatusCode::UNAUTHORIZED,
        "invalid api key",
        "invalid_request_error",
    )
}

fn bad_request(message: &str) -> Response {
    error_json(StatusCode::BAD_REQUEST, message, "invalid_request_error")
}

/// The parts of a multipart/form-data body: (name, content).
fn multipart_parts(headers: &HeaderMap, body: &[u8]) -> Vec<(String, String)> {
    let Some(boundary) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split("boundary=").nth(1))
        .map(|b| b.trim_matches('"').to_string())
    else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(body);
    let delimiter = format!("--{boundary}");
    text.split(delimiter.as_str())
        .filter_map(|part| {
            let (head, content) = part.split_once("\r\n\r\n")?;
            let name = head.split("name=\"").nth(1)?.split('"').next()?.to_string();
            Some((
                name,
                content.strip_suffix("\r\n").unwrap_or(content).to_string(),
            ))
        })
        .collect()
}

async fn upload(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorised(&shared, &headers) {
        return unauthorised();
    }
    if lock(&shared.batches.script).no_api {
        return error_json(StatusCode::NOT_FOUND, "not found", "invalid_request_error");
    }
    let parts = multipart_parts(&headers, &body);
    let field = |name: &str| {
        parts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c.clone())
    };
    if field("purpose").as_deref() != Some("batch") {
        return bad_request("purpose must be batch");
    }
    let Some(file) = field("file") else {
        return bad_request("no file part");
    };
    let mut files = lock(&shared.batches.files);
    let id = format!("file-in-{}", files.len() + 1);
    let bytes = file.len();
    files.insert(id.clone(), file);
    json_response(
        StatusCode::OK,
        json!({"id": id, "object": "file", "bytes": bytes, "purpose": "batch", "filename": "input.jsonl"})
            .to_string(),
    )
}

async fn create(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorised(&shared, &headers) {
        return unauthorised();
    }
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return bad_request("body is not JSON");
    };
    if request["endpoint"] != "/v1/chat/completions" || request["completion_window"] != "24h" {
        return bad_request("endpoint must be /v1/chat/completions, completion_window 24h");
    }
    let file_id = request["input_file_id"].as_str().unwrap_or_default();
    let Some(input) = lock(&shared.batches.files).get(file_id).cloned() else {
        return error_json(
            StatusCode::NOT_FOUND,
            "no such file",
            "invalid_request_error",
        );
    };
    let mut lines = Vec::new();
    for line in input.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(line) = serde_json::from_str::<Value>(line) else {
            return bad_request("a line is not JSON");
        };
        if line["method"] != "POST" || line["url"] != "/v1/chat/completions" {
            return bad_request("a line is no POST to /v1/chat/completions");
        }
        lines.push(line);
    }
    let end = lock(&shared.batches.script)
        .ends
        .pop_front()
        .unwrap_or(BatchEnd::Completed);
    let path = match end {
        BatchEnd::Completed => vec!["validating", "in_progress", "finalizing", "completed"],
        BatchEnd::Failed => vec!["validating", "failed"],
        BatchEnd::Expired => vec!["validating", "in_progress", "expired"],
        BatchEnd::Cancelled => vec!["validating", "in_progress", "cancelling", "cancelled"],
    };
    let mut batches = lock(&shared.batches.batches);
    let batch = Batch {
        id: format!("batch_{}", batches.len() + 1),
        input_file_id: file_id.to_string(),
        lines,
        end,
        path,
        step: 0,
        output_file_id: None,
        error_file_id: None,
        completed: 0,
        failed: 0,
    };
    let answer = batch_json(&batch);
    batches.push(batch);
    json_response(StatusCode::OK, answer.to_string())
}

fn batch_json(b: &Batch) -> Value {
    let status = b.path[b.step];
    let mut value = json!({
        "id": b.id,
        "object": "batch",
        "endpoint": "/v1/chat/completions",
        "input_file_id": b.input_file_id,
        "completion_window": "24h",
        "status": status,
        "output_file_id": b.output_file_id,
        "error_file_id": b.error_file_id,
        "created_at": 1_700_000_000,
        "request_counts": {"total": b.lines.len(), "completed": b.completed, "failed": b.failed},
        "metadata": null,
        "errors": null,
    });
    if status == "failed" {
        value["errors"] = json!({"object": "list", "data": [{"code": "invalid_request", "message": "mock validation failure", "line": 1}]});
    }
    value
}

/// Answer every line of a finished batch into its output and error files.
fn finish(shared: &Shared, b: &mut Batch) {
    let cfg = lock(&shared.config).clone();
    let failing_kind = lock(&shared.batches.script).error_kind;
    let (mut output, mut errors) = (String::new(), String::new());
    let answered = match b.end {
        BatchEnd::Completed => b.lines.len(),
        BatchEnd::Expired => b.lines.len() / 2,
        BatchEnd::Failed | BatchEnd::Cancelled => return,
    };
    for (i, line) in b.lines.iter().enumerate() {
        let id = &line["custom_id"];
        let failing = failing_kind == Some(RequestKind::of(&line["body"]));
        let out = if i >= answered {
            json!({"id": format!("batch_req_{i}"), "custom_id": id, "response": null,
                   "error": {"code": "batch_expired", "message": "This request could not be executed before the completion window expired."}})
        } else if failing {
            json!({"id": format!("batch_req_{i}"), "custom_id": id,
                   "response": {"status_code": 500, "request_id": "r", "body": {"error": {"message": "mock line error", "type": "server_error"}}},
                   "error": null})
        } else {
            let (body, _) = chat_answer(&line["body"], &cfg, None);
            json!({"id": format!("batch_req_{i}"), "custom_id": id,
                   "response": {"status_code": 200, "request_id": "r", "body": body}, "error": null})
        };
        let ok = out["response"]["status_code"] == 200;
        let target = if ok { &mut output } else { &mut errors };
        target.push_str(&out.to_string());
        target.push('\n');
        if ok {
            b.completed += 1;
        } else {
            b.failed += 1;
        }
    }
    let mut files = lock(&shared.batches.files);
    if !output.is_empty() {
        let id = format!("file-out-{}", b.id);
        files.insert(id.clone(), output);
        b.output_file_id = Some(id);
    }
    if !errors.is_empty() {
        let id = format!("file-err-{}", b.id);
        files.insert(id.clone(), errors);
        b.error_file_id = Some(id);
    }
}

async fn poll(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !authorised(&shared, &headers) {
        return unauthorised();
    }
    *lock(&shared.batches.polls) += 1;
    let hold = lock(&shared.batches.script).hold;
    let mut batches = lock(&shared.batches.batches);
    let Some(b) = batches.iter_mut().find(|b| b.id == id) else {
        return error_json(
            StatusCode::NOT_FOUND,
            "no such batch",
            "invalid_request_error",
        );
    };
    let held = hold && b.path[b.step] == "in_progress";
    if !held && b.step + 1 < b.path.len() {
        b.step += 1;
        if b.step + 1 == b.path.len() {
            finish(&shared, b);
        }
    }
    let answer = batch_json(b);
    lock(&shared.batches.seen)
        .entry(id)
        .or_default()
        .push(b.path[b.step].to_string());
    json_response(StatusCode::OK, answer.to_string())
}

async fn content(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !authorised(&shared, &headers) {
        return unauthorised();
    }
    match lock(&shared.batches.files).get(&id) {
        Some(text) => (StatusCode::OK, text.clone()).into_response(),
        None => error_json(
            StatusCode::NOT_FOUND,
            "no such file",
            "invalid_request_error",
        ),
    }
}
