//! Batch mode end to end: the real binary against the mock server's Files
//! and Batches endpoints (tests/common/batch_mock.rs), whose answers are the
//! chat endpoint's own. Every expectation is taken from a normal run of the
//! same issue against the same mock, or from what the mock received.
mod common;

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use common::batch_mock::BatchEnd;
use common::workspace::{
    DIGEST_FILES, STEM, Workspace, assert_ok, plan_seed, sample, seed_plans, stdout_json, text,
};
use common::{MockConfig, RequestKind, chat_answer};
use serde_json::{Value, json};

const BRIEF_FILES: [&str; 3] = ["brief.md", "brief.html", "brief.json"];

fn config_toml(url: &str) -> String {
    common::workspace::mock_profile_toml(
        url,
        "batch_discount = 0.5\n\n[prices.mock-model]\ninput = 1.0\noutput = 2.0\n",
    )
}

fn workspace() -> Workspace {
    Workspace::seeded("batch", config_toml)
}

/// A fresh cache folder `name` in the workspace, holding the sample's chunk plans.
fn fresh_cache(ws: &Workspace, name: &str) -> PathBuf {
    let cache = ws.path().join(name);
    seed_plans(plan_seed("batch", config_toml), &cache);
    cache
}

/// `gloss run SAMPLE --profile mock --json --out OUT EXTRA…` with this
/// cache, polling every few milliseconds.
fn gloss_run(ws: &Workspace, cache: &Path, out: &str, extra: &[&str]) -> std::process::Command {
    let mut cmd = ws.cmd();
    cmd.env("GLOSS_CACHE_DIR", cache)
        .env("GLOSS_BATCH_POLL_MS", "5")
        .env("GLOSS_BATCH_QUIET_MS", "150")
        .arg("run")
        .arg(sample())
        .args(["--profile", "mock", "--json", "--out"])
        .arg(ws.path().join(out))
        .args(extra);
    cmd
}

fn run(ws: &Workspace, cache: &Path, out: &str, extra: &[&str]) -> Output {
    gloss_run(ws, cache, out, extra)
        .output()
        .expect("run gloss")
}

/// The digest and brief files of the run written to `out`.
fn outputs(ws: &Workspace, out: &str) -> Vec<(String, Vec<u8>)> {
    DIGEST_FILES
        .iter()
        .chain(&BRIEF_FILES)
        .map(|name| {
            let path = ws.path().join(out).join(STEM).join(name);
            let bytes = std::fs::read(&path)
                .unwrap_or_else(|e| panic!("{} not written: {e}", path.display()));
            (name.to_string(), bytes)
        })
        .collect()
}

/// A normal run in its own cache: its outputs, its run summary, and the
/// user messages it sent (sorted). The mock's counters are reset after it.
struct Reference {
    outputs: Vec<(String, Vec<u8>)>,
    summary: Value,
    messages: Vec<String>,
    bodies: Vec<Value>,
}

fn reference(ws: &Workspace) -> Reference {
    let out = run(ws, &fresh_cache(ws, "cache-normal"), "out-normal", &[]);
    assert_ok(&out);
    let mut messages = ws.mock.user_messages();
    messages.sort();
    assert!(!messages.is_empty());
    let bodies = ws.mock.bodies();
    ws.mock.reset_counters();
    Reference {
        bodies,
        outputs: outputs(ws, "out-normal"),
        summary: stdout_json(&out),
        messages,
    }
}

fn status_json(ws: &Workspace, cache: &Path) -> Value {
    let out = ws
        .cmd()
        .env("GLOSS_CACHE_DIR", cache)
        .args(["batch", "status", "--json"])
        .output()
        .expect("gloss batch status");
    assert_ok(&out);
    stdout_json(&out)
}

#[test]
fn a_batch_run_matches_a_normal_run_and_its_rerun_sends_nothing() {
    let ws = workspace();
    let normal = reference(&ws);
    let cache = fresh_cache(&ws, "cache-batch");

    let out = run(&ws, &cache, "out-batch", &["--batch"]);
    assert_ok(&out);
    assert_eq!(ws.mock.requests(), 0, "no normal request in a batch run");
    let created = ws.mock.batches_created();
    // Term lists, translations, summaries, the brief: one round each at least.
    assert!(created >= 4, "{created} batches");
    for id in ws.mock.batch_ids() {
        assert_eq!(
            ws.mock.batch_statuses(&id),
            ["in_progress", "finalizing", "completed"],
            "batch {id} polled through its lifecycle"
        );
    }
    let mut batched = ws.mock.batched_user_messages();
    batched.sort();
    assert_eq!(batched, normal.messages, "the same requests, batched");
    assert_eq!(outputs(&ws, "out-batch"), normal.outputs);

    let summary = stdout_json(&out);
    let n = normal.messages.len() as u64;
    assert_eq!(summary["batch"]["batched"], n);
    assert_eq!(summary["batch"]["answered"], n);
    assert_eq!(summary["batch"]["fell_back"], 0);
    assert_eq!(summary["batch"]["submitted"], created as u64);
    let cost = |s: &Value| s["totals"]["estimated_cost_usd"].as_f64().expect("cost");
    assert_eq!(
        summary["totals"]["tokens_in"],
        normal.summary["totals"]["tokens_in"]
    );
    assert!(
        (cost(&summary) - cost(&normal.summary) * 0.5).abs() < 1e-9,
        "batch prices: {} vs {}",
        cost(&summary),
        cost(&normal.summary)
    );
    let status = status_json(&ws, &cache);
    assert_eq!(
        status["batches"],
        json!([]),
        "finished batches are forgotten"
    );
    assert_eq!(status["results_waiting"], 0);

    let again = run(&ws, &cache, "out-batch", &["--batch"]);
    assert_ok(&again);
    assert_eq!(ws.mock.requests(), 0);
    assert_eq!(ws.mock.batches_created(), created, "no new batch");
    assert_eq!(ws.mock.files_uploaded(), created, "no new upload");
    assert_eq!(stdout_json(&again)["totals"]["requests"], 0);
    assert_eq!(outputs(&ws, "out-batch"), normal.outputs);
}

/// Wait until `done` holds, failing after `secs`.
fn wait_until(secs: u64, what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn an_interrupted_batch_run_resumes_its_batch_instead_of_submitting_again() {
    let ws = workspace();
    let normal = reference(&ws);
    let cache = fresh_cache(&ws, "cache-batch");
    ws.mock.script_batches(|s| s.hold = true);

    let mut child = gloss_run(&ws, &cache, "out-batch", &["--batch"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start gloss");
    let records = cache.join("batches");
    wait_until(60, "a saved batch", || {
        ws.mock.batch_polls() > 1
            && std::fs::read_dir(&records).is_ok_and(|d| {
                d.flatten()
                    .any(|e| e.path().extension().is_some_and(|x| x == "json"))
            })
    });
    let status = status_json(&ws, &cache);
    let first = ws.mock.batch_custom_ids()[0].clone();
    assert_eq!(status["batches"][0]["id"], "batch_1");
    assert_eq!(status["batches"][0]["status"], "in_progress");
    assert_eq!(status["batches"][0]["requests"], first.len());
    child.kill().expect("kill gloss");
    let _ = child.wait();
    assert_eq!(ws.mock.batches_created(), 1);

    ws.mock.script_batches(|s| s.hold = false);
    let out = run(&ws, &cache, "out-batch", &["--batch"]);
    assert_ok(&out);
    assert!(
        text(&out.stderr).contains("waiting for batch batch_1"),
        "{}",
        text(&out.stderr)
    );
    let batches = ws.mock.batch_custom_ids();
    let mut seen = HashSet::new();
    for ids in &batches {
        for id in ids {
            assert!(seen.insert(id.clone()), "request {id} submitted twice");
        }
    }
    assert_eq!(ws.mock.requests(), 0);
    assert_eq!(stdout_json(&out)["batch"]["resumed"], 1);
    assert_eq!(outputs(&ws, "out-batch"), normal.outputs);
}

#[test]
fn failed_expired_cancelled_batches_and_error_lines_fall_back_to_normal_requests() {
    let ws = workspace();
    let normal = reference(&ws);
    let cases = [
        (BatchEnd::Failed, None, "failed"),
        (BatchEnd::Expired, None, "expired"),
        (BatchEnd::Cancelled, None, "cancelled"),
        (
            BatchEnd::Completed,
            Some(RequestKind::Termbase),
            "completed",
        ),
    ];
    for (i, (end, error_kind, last)) in cases.into_iter().enumerate() {
        ws.mock.reset_counters();
        let before = ws.mock.batches_created();
        ws.mock.script_batches(|s| {
            s.ends = [end].into();
            s.error_kind = error_kind;
        });
        let cache = fresh_cache(&ws, &format!("cache-{i}"));
        let out = run(&ws, &cache, &format!("out-{i}"), &["--batch"]);
        assert_ok(&out);
        let first = &ws.mock.batch_ids()[before];
        assert_eq!(
            ws.mock.batch_statuses(first).last().map(String::as_str),
            Some(last)
        );
        // The requests the mock left unanswered (identical requests share a
        // line but each falls back on its own: compared as sets).
        let batch = ws.mock.batch_user_messages(before);
        let expected: BTreeSet<String> = match (end, error_kind) {
            (BatchEnd::Expired, _) => batch[batch.len() / 2..].iter().cloned().collect(),
            (_, Some(kind)) => normal
                .bodies
                .iter()
                .filter(|b| RequestKind::of(b) == kind)
                .map(common::user_message)
                .collect(),
            _ => batch.into_iter().collect(),
        };
        let sent: BTreeSet<String> = ws.mock.user_messages().into_iter().collect();
        assert!(!expected.is_empty());
        assert!(
            sent == expected,
            "{end:?}: {} requests sent, {} expected",
            sent.len(),
            expected.len()
        );
        let summary = stdout_json(&out);
        assert_eq!(
            summary["batch"]["fell_back"],
            ws.mock.requests() as u64,
            "{end:?}"
        );
        assert_eq!(outputs(&ws, &format!("out-{i}")), normal.outputs, "{end:?}");
        ws.mock.script_batches(|s| s.error_kind = None);
    }
}

/// `gloss batch export SAMPLE FILE EXTRA…`: the exported lines.
fn export(ws: &Workspace, cache: &Path, file: &Path, extra: &[&str]) -> Vec<Value> {
    let out = ws
        .cmd()
        .env("GLOSS_CACHE_DIR", cache)
        .args(["batch", "export"])
        .arg(sample())
        .args(["--profile", "mock"])
        .arg(file)
        .args(extra)
        .output()
        .expect("gloss batch export");
    assert_ok(&out);
    std::fs::read_to_string(file)
        .expect("export file")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// Export round after round into `cache` and import each round's answers as
/// an offline engine (vLLM run_batch) writes them: the mock chat endpoint's
/// answers in the batch output format, each body passed through `edit`
/// with its request first. Returns the number of rounds.
fn answer_offline(ws: &Workspace, cache: &Path, edit: &dyn Fn(&Value, &mut Value)) -> usize {
    let (input, results) = (
        ws.path().join("round.jsonl"),
        ws.path().join("results.jsonl"),
    );
    let mut rounds = 0;
    loop {
        let lines = export(ws, cache, &input, &[]);
        if lines.is_empty() {
            return rounds;
        }
        rounds += 1;
        assert!(rounds < 10, "export never ends");
        let mut answered = String::new();
        for line in &lines {
            assert_eq!(line["method"], "POST");
            assert_eq!(line["url"], "/v1/chat/completions");
            let (mut body, _) = chat_answer(&line["body"], &MockConfig::default(), None);
            edit(&line["body"], &mut body);
            let out = json!({"id": "x", "custom_id": line["custom_id"], "response": {"status_code": 200, "request_id": "r", "body": body}, "error": null});
            answered.push_str(&format!("{out}\n"));
        }
        // An answer for a request gloss never made: refused.
        let (stray, _) = chat_answer(&lines[0]["body"], &MockConfig::default(), None);
        answered.push_str(&format!(
            "{}\n",
            json!({"custom_id": "e".repeat(64), "response": {"status_code": 200, "body": stray}})
        ));
        // One line that is an error: not stored, so not answered.
        answered.push_str(&format!(
            "{}\n",
            json!({"custom_id": "f".repeat(64), "response": {"status_code": 400, "body": {"error": {"message": "bad"}}}})
        ));
        std::fs::write(&results, answered).unwrap();
        let out = ws
            .cmd()
            .env("GLOSS_CACHE_DIR", cache)
            .args(["batch", "import", "--json"])
            .arg(&results)
            .output()
            .expect("gloss batch import");
        assert_ok(&out);
        let imported = stdout_json(&out);
        assert_eq!(imported["stored"], lines.len() as u64);
        assert_eq!(imported["unknown"], 1);
        assert_eq!(imported["errors"], 1);
    }
}

#[test]
fn exported_rounds_answered_offline_and_imported_make_a_run_that_sends_nothing() {
    let ws = workspace();
    let normal = reference(&ws);
    let cache = fresh_cache(&ws, "cache-offline");
    let rounds = answer_offline(&ws, &cache, &|_, _| {});
    // Term lists, translations, summaries, the brief.
    assert!(rounds >= 4, "{rounds} rounds");
    assert_eq!(ws.mock.requests(), 0, "export and import send nothing");
    assert_eq!(ws.mock.batches_created(), 0);
    let out = run(&ws, &cache, "out-offline", &[]);
    assert_ok(&out);
    assert_eq!(ws.mock.requests(), 0, "every answer came from the imports");
    assert_eq!(outputs(&ws, "out-offline"), normal.outputs);
}

/// Whether a chat request body is the issue brief's.
fn is_brief(request: &Value) -> bool {
    request["messages"]
        .as_array()
        .and_then(|m| m.last())
        .and_then(|m| m["content"].as_str())
        .is_some_and(|c| c.contains("Issue: "))
}

/// An imported answer cut at the token limit is cached as unusable like a
/// sent one: the run falls back and sends nothing, the next export has
/// nothing left, and `export --retry-failed` exports that request alone.
#[test]
fn a_cut_imported_answer_is_exported_again_only_with_retry_failed() {
    let ws = workspace();
    let cache = fresh_cache(&ws, "cache-cut");
    answer_offline(&ws, &cache, &|request, body| {
        if is_brief(request) {
            body["choices"][0]["finish_reason"] = json!("length");
        }
    });
    assert_ok(&run(&ws, &cache, "out-cut", &[]));
    assert_eq!(ws.mock.requests(), 0);
    let brief = ws.path().join("out-cut").join(STEM).join("brief.json");
    let brief: Value = serde_json::from_str(&std::fs::read_to_string(brief).unwrap()).unwrap();
    let origin = brief["brief"]["origin"].as_str().unwrap_or_default();
    assert!(origin.contains("cut at the token limit"), "{origin}");
    let file = ws.path().join("again.jsonl");
    assert!(export(&ws, &cache, &file, &[]).is_empty());
    let again = export(&ws, &cache, &file, &["--retry-failed"]);
    assert_eq!(again.len(), 1, "{again:#?}");
    assert!(is_brief(&again[0]["body"]), "{:#}", again[0]);
    assert_eq!(ws.mock.requests(), 0);
}

#[test]
fn an_endpoint_without_a_batch_api_stops_the_run_with_a_hint() {
    let ws = workspace();
    ws.mock.script_batches(|s| s.no_api = true);
    let out = run(&ws, &ws.cache(), "out", &["--batch"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("no Batch API"), "{stderr}");
    assert!(stderr.contains("without --batch"), "{stderr}");
    assert_eq!(ws.mock.requests(), 0, "nothing sent one by one");
    assert_eq!(ws.mock.batches_created(), 0);
}

#[test]
fn plan_estimates_batch_prices_with_the_profiles_discount() {
    let ws = workspace();
    let plan = |extra: &[&str]| {
        let out = ws
            .cmd()
            .arg("plan")
            .arg(sample())
            .args(["--profile", "mock", "--json"])
            .args(extra)
            .output()
            .expect("gloss plan");
        assert_ok(&out);
        stdout_json(&out)["estimated_cost_usd"]
            .as_f64()
            .expect("a cost")
    };
    let (full, batch) = (plan(&[]), plan(&["--batch"]));
    assert!(full > 0.0);
    assert!((batch - full * 0.5).abs() < 1e-12, "{batch} vs {full}");
}
