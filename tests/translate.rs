//! End-to-end tests of `gloss translate` against the in-process mock server
//! (tests/common): alignment, caching, concurrency, fault handling, resuming
//! after a kill, and keeping API keys out of every output.
//!
//! Each test runs the real binary in its own temp dir (so only the
//! `gloss.toml` written there is read) with its own cache and mock server.
//! The mock answers segment `[n] X` with `[n] ` + `mock_translation(X)` (X
//! romanized, its numbers in English: a translation that passes every
//! quality check) and a termbase request with no terms, so every expectation
//! below is derived from the source text as `gloss parse --json` reports it.
//! Tests about the translation stage alone pass `--no-termbase`.
mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::workspace::{
    DIGEST_FILES, KEY_VAR, STEM, Workspace, all_texts, assert_ok, chunk_layout, escape_html,
    expected_translation, files_under, is_hangul_word, parse_json, plan_seed, read_json, sample,
    shifted_word, text, totals,
};
use common::{Fault, RequestKind, mock_translation, romanize};
use serde_json::Value;

/// The workspace config: profile `mock` (key from $GLOSS_TEST_KEY), and
/// `nokey` / `openaikey` for the key-leak tests.
///
/// The profiles leave out the request for the issue's section names
/// (`section_names = false`): these tests count and fault the requests of
/// the articles they select; tests/run.rs and tests/schedule.rs cover the
/// section names.
fn config_toml(url: &str, timeout_secs: u64) -> String {
    format!(
        r#"[profiles.mock]
base_url = "{url}"
model = "mock-model"
api_key_env = "{KEY_VAR}"
timeout_secs = {timeout_secs}
max_attempts = 3
section_names = false

# No api_key_env: must never send any key.
[profiles.nokey]
base_url = "{url}"
model = "mock-model"
timeout_secs = {timeout_secs}
max_attempts = 3
section_names = false

# Positive control: names OPENAI_API_KEY explicitly.
[profiles.openaikey]
base_url = "{url}"
model = "mock-model"
api_key_env = "OPENAI_API_KEY"
timeout_secs = {timeout_secs}
max_attempts = 3
section_names = false

[prices.mock-model]
input = 1.0
output = 2.0
"#
    )
}

/// Copy the sample's chunk plans for profile `mock` (see [`plan_seed`]) into
/// `cache`.
fn seed_plans(cache: &Path) {
    common::workspace::seed_plans(plan_seed("translate", |url| config_toml(url, 2)), cache);
}

/// The temp workspace (common/workspace.rs) with the gloss.toml of
/// [`config_toml`]; the methods below are this file's own.
type Env = Workspace;

impl Env {
    /// A workspace whose cache already holds the sample's chunk plans (see
    /// [`plan_seed`]), so runs skip building the tokenizer.
    fn new() -> Self {
        Self::with_timeout(2)
    }

    fn with_timeout(timeout_secs: u64) -> Self {
        let env = Self::cold(timeout_secs);
        seed_plans(&env.cache());
        env
    }

    /// A workspace with an empty cache, trusted: its keyed profiles stand
    /// for the user's own (tests/trust.rs covers untrusted workspaces).
    fn cold(timeout_secs: u64) -> Self {
        let env = Workspace::start(|url| config_toml(url, timeout_secs));
        env.trust();
        env
    }

    /// `gloss translate SAMPLE --profile mock --out OUT --json EXTRA…`, with
    /// a key in $GLOSS_TEST_KEY (a keyed profile stops at once without one);
    /// tests about keys set their own.
    fn translate_cmd(&self, input: &Path, extra: &[&str]) -> Command {
        let mut cmd = self.cmd();
        cmd.env(KEY_VAR, "sk-default-test-key-0000");
        cmd.arg("translate")
            .arg(input)
            .args(["--profile", "mock", "--json", "--out"])
            .arg(self.out())
            .args(extra);
        cmd
    }

    fn translate(&self, extra: &[&str]) -> Output {
        self.translate_cmd(&sample(), extra)
            .output()
            .expect("run gloss")
    }

    fn digest(&self) -> Value {
        read_json(&self.out_dir().join("digest.json"))
    }

    fn manifest(&self) -> Value {
        read_json(&self.out_dir().join("manifest.json"))
    }
}

/// A failed run: non-zero exit, exactly one line on stderr. Returns the line.
#[track_caller]
fn one_line_error(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "expected failure, got success\nstderr:\n{}",
        text(&out.stderr)
    );
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.trim().lines().collect();
    assert_eq!(lines.len(), 1, "expected one error line, got:\n{stderr}");
    lines[0].to_string()
}

/// Ids of the articles other than the front page (each gets at most one
/// termbase request: those whose names recur later).
fn non_front_ids(parsed: &Value) -> Vec<String> {
    parsed["articles"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] != "front")
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

/// Check the digest against `gloss parse`: the selected articles (all when
/// `None`) in input order, every paragraph with the same id, source and
/// order, each translated as `mock_translation(source)` and unflagged.
#[track_caller]
fn check_digest(env: &Env, input: &Path, selected: Option<&[&str]>) -> Value {
    let parsed = parse_json(env, input);
    let digest = env.digest();
    let wanted: Vec<&Value> = parsed["articles"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| selected.is_none_or(|s| s.contains(&a["id"].as_str().unwrap())))
        .collect();
    let got = digest["articles"].as_array().expect("digest.articles");
    let ids = |list: &[&Value]| -> Vec<String> {
        list.iter()
            .map(|a| a["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        ids(&got.iter().collect::<Vec<_>>()),
        ids(&wanted),
        "digest articles differ from `gloss parse`"
    );
    assert!(!wanted.is_empty());
    for (a, p) in got.iter().zip(&wanted) {
        let id = a["id"].as_str().unwrap();
        for field in ["kind", "section", "title", "source", "date"] {
            assert_eq!(a[field], p[field], "{id}: {field}");
        }
        assert_eq!(
            a["title_translation"].as_str(),
            Some(expected_translation(p["title"].as_str().unwrap()).as_str()),
            "{id}: title translation"
        );
        let segs = a["segments"].as_array().expect("segments");
        let paras = p["paragraphs"].as_array().expect("paragraphs");
        let seg_ids: Vec<&str> = segs.iter().map(|s| s["id"].as_str().unwrap()).collect();
        let para_ids: Vec<&str> = paras.iter().map(|s| s["id"].as_str().unwrap()).collect();
        assert_eq!(seg_ids, para_ids, "{id}: paragraph ids or order");
        for (s, para) in segs.iter().zip(paras) {
            let source = para["text"].as_str().unwrap();
            assert_eq!(s["source"].as_str(), Some(source), "{}", s["id"]);
            assert_eq!(
                s["translation"].as_str(),
                Some(expected_translation(source).as_str()),
                "{}: translation misaligned",
                s["id"]
            );
            assert_eq!(s["status"], "ok", "{}", s["id"]);
            assert!(
                s.get("flags").is_none(),
                "{}: flagged {}",
                s["id"],
                s["flags"]
            );
        }
    }
    digest
}

/// Every cached translation is the right one for its segment id: nothing
/// truncated, shifted, half-done or flagged was stored.
#[track_caller]
fn check_cache_valid(env: &Env, input: &Path) -> usize {
    let parsed = parse_json(env, input);
    let mut sources: HashMap<String, String> = HashMap::new();
    for a in parsed["articles"].as_array().unwrap() {
        let id = a["id"].as_str().unwrap();
        sources.insert(format!("{id}.t"), a["title"].as_str().unwrap().to_string());
        for p in a["paragraphs"].as_array().unwrap() {
            sources.insert(
                p["id"].as_str().unwrap().to_string(),
                p["text"].as_str().unwrap().to_string(),
            );
        }
    }
    let entries = env.translate_entries();
    let mut segments = 0;
    for (file, entry) in &entries {
        let value = entry["value"].as_array().expect("translate entry value");
        assert!(!value.is_empty(), "{}: empty entry", file.display());
        for item in value {
            let id = item["id"].as_str().unwrap();
            let got = item["text"].as_str().unwrap();
            assert!(
                item.get("flags").is_none(),
                "{}: cached {id} is flagged: {}",
                file.display(),
                item["flags"]
            );
            match sources.get(id) {
                Some(source) => assert_eq!(
                    got,
                    expected_translation(source),
                    "{}: cached {id} is wrong",
                    file.display()
                ),
                None => {
                    // A piece of a split paragraph: `A01.p03#2`, translated
                    // as `EN: <piece romanized>[ {numbers}]`.
                    let (para, _) = id.split_once('#').expect("known segment id");
                    let piece = got.strip_prefix("EN: ").expect("EN: prefix");
                    let piece = piece.split(" {").next().unwrap();
                    assert!(
                        romanize(&sources[para]).contains(piece),
                        "{}: cached {id} is not a piece of {para}",
                        file.display()
                    );
                }
            }
            segments += 1;
        }
    }
    segments
}

/// Run `cmd` to completion while recording when each mock request arrived.
fn run_watching(env: &Env, mut cmd: Command) -> (Output, Vec<Instant>) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn gloss");
    let mut arrivals = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let now = env.mock.requests();
        while arrivals.len() < now {
            arrivals.push(Instant::now());
        }
        if child.try_wait().expect("try_wait").is_some() {
            break;
        }
        assert!(Instant::now() < deadline, "gloss did not finish in 60 s");
        std::thread::sleep(Duration::from_millis(2));
    }
    (child.wait_with_output().expect("collect output"), arrivals)
}

// ---------------------------------------------------------------------------
// 1. End to end
// ---------------------------------------------------------------------------

#[test]
fn sample_translates_end_to_end_aligned() {
    // Cold: nothing cached, not even chunk plans.
    let env = Env::cold(2);
    let out = env.translate(&[]);
    let t = totals(&out);
    let parsed = parse_json(&env, &sample());
    let n_articles = parsed["articles"].as_array().unwrap().len();
    check_digest(&env, &sample(), None);

    assert_eq!(t["failed_segments"], 0);
    assert_eq!(t["cache_hits"], 0);
    assert!(t["chunks"].as_u64().unwrap() >= n_articles as u64);
    // One request per chunk, at most one termbase request per non-front
    // article (those whose names recur later: not C01, docs/terms.md),
    // nothing else (the mock's translations pass every check: no repairs).
    let chunks = t["chunks"].as_u64().unwrap() as usize;
    assert_eq!(
        env.mock.requests_of(RequestKind::Translation),
        chunks,
        "one request per chunk on a clean run"
    );
    let non_front = non_front_ids(&parsed);
    let term_users = env.mock.user_messages_of(RequestKind::Termbase);
    assert!(
        (1..non_front.len()).contains(&term_users.len()),
        "termbase requests: {}",
        term_users.len()
    );
    let mut asked_for = Vec::new();
    for a in parsed["articles"].as_array().unwrap() {
        let title = format!("Article: {}\n", a["title"].as_str().unwrap());
        let asked = term_users.iter().filter(|u| u.starts_with(&title)).count();
        let most = usize::from(a["kind"] != "front");
        assert!(asked <= most, "{}: {asked} termbase requests", a["id"]);
        asked_for.push(asked == 1);
    }
    assert_eq!(
        asked_for.iter().filter(|&&x| x).count(),
        term_users.len(),
        "a term request of no article"
    );
    assert_eq!(
        env.mock.requests(),
        chunks + term_users.len(),
        "no repair or other request"
    );
    assert_eq!(
        t["requests"].as_u64().unwrap() as usize,
        env.mock.requests()
    );
    // No chunk is sent before the term requests of its own article and of
    // every earlier one (the terms its prompt may use) have been sent.
    let position_of = |user: &str| {
        parsed["articles"]
            .as_array()
            .unwrap()
            .iter()
            .position(|a| user.starts_with(&format!("Article: {}\n", a["title"].as_str().unwrap())))
            .expect("a request names its article")
    };
    let bodies = env.mock.bodies();
    let mut terms_sent: Vec<usize> = Vec::new();
    for body in &bodies {
        let user = common::user_message(body);
        match RequestKind::of(body) {
            RequestKind::Termbase => terms_sent.push(position_of(&user)),
            RequestKind::Translation => {
                let here = position_of(&user);
                let needed = asked_for[..=here].iter().filter(|&&x| x).count();
                let sent = terms_sent.iter().filter(|&&at| at <= here).count();
                assert_eq!(sent, needed, "a chunk of article #{here} before its terms");
            }
            _ => {}
        }
    }
    assert_eq!(t["repair_requests"], 0);
    assert_eq!(t["flagged_segments"], serde_json::json!({}));
    assert_eq!(t["usage_from_server"], true);
    assert!(t["tokens_in"].as_u64().unwrap() > 0 && t["tokens_out"].as_u64().unwrap() > 0);
    assert!(t["estimated_cost_usd"].as_f64().unwrap() > 0.0);
    let manifest = env.manifest();
    assert_eq!(manifest["totals"]["requests"], t["requests"]);
    assert_eq!(manifest["term_conflicts"], serde_json::json!([]));
    assert_eq!(manifest["glossary_misses"], serde_json::json!({}));
    assert_eq!(
        manifest["chunks"].as_array().unwrap().len() as u64,
        t["chunks"].as_u64().unwrap()
    );

    // Every request carried the model; translation requests their segments
    // as `[n]` lines.
    for body in env.mock.bodies() {
        assert_eq!(body["model"], "mock-model");
    }
    for user in env.mock.user_messages_of(RequestKind::Translation) {
        assert!(!common::parse_segments(&user).is_empty());
    }

    let md = std::fs::read_to_string(env.out_dir().join("digest.md")).expect("digest.md");
    let html = std::fs::read_to_string(env.out_dir().join("digest.html")).expect("digest.html");
    // Markdown shows every translation.
    let shown = common::markdown_shown(&md);
    for a in parsed["articles"].as_array().unwrap() {
        for p in a["paragraphs"].as_array().unwrap() {
            let want = expected_translation(p["text"].as_str().unwrap());
            assert!(shown.contains(&want), "digest.md lacks {want:?}");
        }
    }
    // HTML: every source and translation escaped; no raw special character
    // from the text survives.
    let mut specials = 0;
    for a in parsed["articles"].as_array().unwrap() {
        for p in a["paragraphs"].as_array().unwrap() {
            let source = p["text"].as_str().unwrap();
            assert!(
                html.contains(&escape_html(source)),
                "digest.html lacks escaped source of {}",
                p["id"]
            );
            assert!(html.contains(&escape_html(&expected_translation(source))));
            if source.contains(['&', '<', '>', '"', '\'']) {
                specials += 1;
                assert!(
                    !html.contains(source),
                    "digest.html holds the raw text of {}",
                    p["id"]
                );
            }
        }
    }
    assert!(specials > 0, "the sample should have text needing escapes");
    assert!(html.contains("R&amp;D"));
    assert!(!html.contains("R&D"), "unescaped R&D in digest.html");
    assert!(html.contains("Australia&#39;s"));
    assert!(!html.contains("Australia's"));
    // Every `&` in the page starts an entity.
    for (i, _) in html.match_indices('&') {
        let rest = &html[i..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                .iter()
                .any(|e| rest.starts_with(e)),
            "raw & in digest.html near {:?}",
            &rest[..rest.len().min(40)]
        );
    }
}

// ---------------------------------------------------------------------------
// 2. A rerun is served from the cache, byte for byte
// ---------------------------------------------------------------------------

#[test]
fn rerun_sends_nothing_and_is_byte_identical() {
    let env = Env::new();
    let first = totals(&env.translate(&[]));
    let sent = env.mock.requests();
    assert!(sent > 0);
    let before = env.outputs(&DIGEST_FILES);

    let second = totals(&env.translate(&[]));
    assert_eq!(env.mock.requests(), sent, "the rerun sent requests");
    assert_eq!(second["requests"], 0);
    assert_eq!(second["attempts"], 0);
    // Every chunk and every article's termbase answer.
    assert_eq!(second["cache_hits"], first["requests"]);
    assert!(first["requests"].as_u64().unwrap() > first["chunks"].as_u64().unwrap());
    assert_eq!(second["chunks"], first["chunks"]);
    let after = env.outputs(&DIGEST_FILES);
    for ((name, a), (_, b)) in before.iter().zip(&after) {
        assert!(a == b, "{name} changed on a cached rerun");
    }
    check_digest(&env, &sample(), None);
}

// ---------------------------------------------------------------------------
// 3. Editing one paragraph re-sends only its chunk
// ---------------------------------------------------------------------------

#[test]
fn editing_one_paragraph_resends_only_its_chunk() {
    let env = Env::new();
    let input = env.path().join(format!("{STEM}.txt"));
    let original = std::fs::read_to_string(sample()).unwrap();
    std::fs::write(&input, &original).unwrap();

    let first = totals(&env.translate_cmd(&input, &[]).output().unwrap());
    let layout = chunk_layout(&env.manifest());
    // A paragraph (searched from the end) of the first article (not the
    // front page, which has no termbase request) that has several chunks,
    // holding a Hangul word found nowhere else in the file.
    // (Checked against the parsed texts too: a word can be formed by
    // joining two PDF lines, and the front summary repeats clippings.)
    let parsed = parse_json(&env, &input);
    let all_texts = all_texts(&parsed);
    let (article, para, word) = parsed["articles"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] != "front" && layout[a["id"].as_str().unwrap()].len() >= 2)
        .find_map(|a| {
            a["paragraphs"]
                .as_array()
                .unwrap()
                .iter()
                .rev()
                .find_map(|p| {
                    let text = p["text"].as_str().unwrap();
                    text.split_whitespace()
                        .find(|w| {
                            is_hangul_word(w)
                                && original.matches(*w).count() == 1
                                && all_texts.iter().filter(|t| t.contains(*w)).count() == 1
                        })
                        .map(|w| {
                            (
                                a["id"].as_str().unwrap().to_string(),
                                p["id"].as_str().unwrap().to_string(),
                                w.to_string(),
                            )
                        })
                })
        })
        .expect("a multi-chunk article with a unique word");
    let replacement = shifted_word(&word);
    let edited = original.replacen(&word, &replacement, 1);
    std::fs::write(&input, &edited).unwrap();

    env.mock.reset_counters();
    let second = totals(&env.translate_cmd(&input, &[]).output().unwrap());
    // The edit keeps every chunk boundary, so exactly one chunk changed.
    assert_eq!(
        chunk_layout(&env.manifest()),
        layout,
        "the edit moved chunk boundaries"
    );
    let translations = env.mock.user_messages_of(RequestKind::Translation);
    assert_eq!(
        translations.len(),
        1,
        "only the chunk holding {para} should be re-sent"
    );
    // The term requests list names and snippets: the edited word is
    // neither, so no term request is re-sent (docs/terms.md).
    assert_eq!(env.mock.requests_of(RequestKind::Termbase), 0);
    assert_eq!(env.mock.requests(), 1, "nothing else is sent");
    assert_eq!(second["requests"], 1);
    assert_eq!(
        second["cache_hits"].as_u64().unwrap(),
        first["requests"].as_u64().unwrap() - 1
    );
    let user = &translations[0];
    assert!(
        user.contains(&replacement),
        "the request lacks the edited text"
    );
    assert!(
        !user.contains(&word),
        "the request still holds the old word"
    );

    let digest = check_digest(&env, &input, None);
    let seg = digest["articles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == article.as_str())
        .unwrap()["segments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == para.as_str())
        .unwrap()
        .clone();
    assert!(seg["source"].as_str().unwrap().contains(&replacement));
    assert_eq!(
        seg["translation"].as_str(),
        Some(expected_translation(seg["source"].as_str().unwrap()).as_str())
    );
    assert!(
        seg["translation"]
            .as_str()
            .unwrap()
            .contains(&romanize(&replacement))
    );
    assert!(
        !seg["translation"]
            .as_str()
            .unwrap()
            .contains(&romanize(&word))
    );
}

// ---------------------------------------------------------------------------
// 4. Concurrency limit
// ---------------------------------------------------------------------------

#[test]
fn requests_in_flight_never_exceed_jobs() {
    let env = Env::new();
    env.mock.set_delay(150, 0);
    let articles = "F01,A01"; // six chunks at the default budget
    for jobs in [2usize, 4] {
        env.mock.reset_counters();
        // A fresh cache per run, so every chunk is sent.
        let cache = env.path().join(format!("cache-{jobs}"));
        seed_plans(&cache);
        let c = cache.to_str().unwrap();
        let j = jobs.to_string();
        let t = totals(&env.translate(&["--articles", articles, "--cache-dir", c, "--jobs", &j]));
        let chunks = t["chunks"].as_u64().unwrap() as usize;
        assert!(
            chunks > jobs,
            "need more chunks ({chunks}) than jobs ({jobs})"
        );
        assert_eq!(env.mock.requests_of(RequestKind::Translation), chunks);
        // A01's termbase request (F01, the front page, has none).
        assert_eq!(env.mock.requests_of(RequestKind::Termbase), 1);
        assert_eq!(env.mock.requests(), chunks + 1);
        let max = env.mock.max_in_flight();
        assert!(max <= jobs, "--jobs {jobs}: {max} requests in flight");
        if jobs == 4 {
            assert!(max > 2, "--jobs 4 never had more than {max} in flight");
        } else {
            assert!(max >= 2, "--jobs 2 never ran requests in parallel");
        }
        check_digest(&env, &sample(), Some(&["F01", "A01"]));
    }
}

// ---------------------------------------------------------------------------
// 5. Faults (translation stage only: `--no-termbase`)
// ---------------------------------------------------------------------------

/// One-chunk article used by the fault tests.
const ONE: &str = "C03";
/// The fault tests are about the translation stage: no termbase request.
const ONE_ARGS: [&str; 3] = ["--articles", ONE, "--no-termbase"];

/// After a run that ended well: the cache holds only correct results, and
/// a rerun without faults sends nothing and gives the same digest.
#[track_caller]
fn assert_cached_and_stable(env: &Env, args: &[&str], selected: &[&str]) {
    assert!(check_cache_valid(env, &sample()) > 0, "nothing was cached");
    let before = env.outputs(&DIGEST_FILES);
    env.mock.configure(|c| {
        c.faults.clear();
        c.fault_when_user_contains = None;
        c.drop_segments_over = None;
    });
    env.mock.reset_counters();
    let t = totals(&env.translate(args));
    assert_eq!(env.mock.requests(), 0, "the good result was not cached");
    assert_eq!(t["requests"], 0);
    assert_eq!(env.outputs(&DIGEST_FILES), before);
    check_digest(env, &sample(), Some(selected));
}

/// One fault on the first request, then normal replies: the retry succeeds.
/// Returns the env and when each request arrived.
fn retried_once(fault: Fault, timeout_secs: u64) -> (Env, Vec<Instant>) {
    let env = Env::with_timeout(timeout_secs);
    env.mock.push_fault(fault);
    let (out, arrivals) = run_watching(&env, env.translate_cmd(&sample(), &ONE_ARGS));
    let t = totals(&out);
    assert_eq!(t["chunks"], 1);
    assert_eq!(env.mock.requests(), 2, "one failed attempt, one retry");
    assert_eq!(t["requests"], 1);
    assert_eq!(t["attempts"], 2);
    assert_eq!(t["failed_segments"], 0);
    assert_eq!(env.mock.pending_faults(), 0);
    check_digest(&env, &sample(), Some(&[ONE]));
    assert_cached_and_stable(&env, &ONE_ARGS, &[ONE]);
    (env, arrivals)
}

#[test]
fn fault_429_waits_retry_after_then_succeeds() {
    let (_env, arrivals) = retried_once(
        Fault::Status429 {
            retry_after: Some("1".into()),
        },
        2,
    );
    let gap = arrivals[1] - arrivals[0];
    // The backoff alone would be 250–500 ms; Retry-After asks for 1 s.
    assert!(gap >= Duration::from_millis(950), "retried after {gap:?}");
    assert!(gap < Duration::from_secs(5), "retried after {gap:?}");
}

#[test]
fn fault_500_is_retried() {
    retried_once(Fault::Status500, 2);
}

#[test]
fn fault_timeout_is_retried() {
    let (_env, arrivals) = retried_once(Fault::Hang { ms: 3_000 }, 1);
    let gap = arrivals[1] - arrivals[0];
    assert!(gap >= Duration::from_millis(950), "timed out after {gap:?}");
    assert!(
        gap < Duration::from_millis(2_900),
        "did not time out: {gap:?}"
    );
}

#[test]
fn fault_malformed_json_is_retried() {
    retried_once(Fault::MalformedJson, 2);
}

#[test]
fn fault_llamacpp_error_body_is_retried() {
    retried_once(Fault::LlamaCppError { status: 500 }, 2);
}

/// After a fatal first run: nothing cached, no digest; a clean rerun works.
#[track_caller]
fn assert_fatal_left_nothing_then_recovers(env: &Env, extra_env: &[(&str, &str)]) {
    assert!(
        env.translate_entries().is_empty(),
        "a failed run cached something"
    );
    assert!(
        !env.out_dir().join("digest.json").exists(),
        "a failed run wrote a digest"
    );
    env.mock.reset_counters();
    let mut cmd = env.translate_cmd(&sample(), &ONE_ARGS);
    cmd.envs(extra_env.iter().copied());
    let t = totals(&cmd.output().unwrap());
    assert_eq!(t["requests"], 1);
    assert_eq!(env.mock.requests(), 1);
    check_digest(env, &sample(), Some(&[ONE]));
    assert!(check_cache_valid(env, &sample()) > 0);
}

#[test]
fn fault_ollama_model_not_found_stops_at_once() {
    let env = Env::new();
    env.mock.push_fault(Fault::OllamaError { status: 404 });
    let out = env.translate(&ONE_ARGS);
    let line = one_line_error(&out);
    assert!(line.contains("not found"), "{line}");
    assert!(line.contains("mock-model"), "names the model: {line}");
    assert!(line.contains("--model"), "hint missing: {line}");
    // `--json`: the failure as JSON on stdout, no summary of a run.
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(json["status"], "failed", "{json}");
    assert!(json.get("totals").is_none(), "{json}");
    assert_eq!(
        env.mock.requests(),
        1,
        "a missing model must not be retried"
    );
    assert_fatal_left_nothing_then_recovers(&env, &[]);
}

#[test]
fn fault_401_wrong_key_stops_and_names_the_variable() {
    let env = Env::new();
    env.mock
        .configure(|c| c.require_bearer = Some("sk-right-KEY-42".into()));
    let mut cmd = env.translate_cmd(&sample(), &ONE_ARGS);
    cmd.env(KEY_VAR, "sk-wrong-KEY-13");
    let out = cmd.output().unwrap();
    let line = one_line_error(&out);
    assert!(
        line.contains(KEY_VAR),
        "message should name ${KEY_VAR}: {line}"
    );
    assert!(line.contains("401"), "{line}");
    assert!(!line.contains("sk-wrong-KEY-13"), "the key leaked: {line}");
    assert_eq!(env.mock.requests(), 1, "a 401 must not be retried");
    assert_fatal_left_nothing_then_recovers(&env, &[(KEY_VAR, "sk-right-KEY-42")]);
}

/// A fatal error stops the whole graph at once: with the termbase on, a 401
/// on the first requests sends nothing more than what was already in
/// flight (at most `--jobs`), out of the term lists and chunks of the sample.
#[test]
fn fatal_error_stops_every_stage_at_once() {
    const JOBS: usize = 2;
    let env = Env::new();
    env.mock
        .configure(|c| c.require_bearer = Some("sk-right-KEY-42".into()));
    let mut cmd = env.translate_cmd(&sample(), &["--jobs", &JOBS.to_string()]);
    cmd.env(KEY_VAR, "sk-wrong-KEY-13");
    let out = cmd.output().unwrap();
    let line = one_line_error(&out);
    assert!(line.contains("401"), "{line}");
    let sent = env.mock.requests();
    assert!(
        (1..=JOBS).contains(&sent),
        "{sent} requests after a fatal error with --jobs {JOBS}"
    );
    assert!(
        env.translate_entries().is_empty(),
        "a failed run cached something"
    );
}

#[test]
fn fault_count_mismatch_is_asked_again() {
    let env = Env::new();
    env.mock.push_fault(Fault::DropLastSegment);
    let t = totals(&env.translate(&ONE_ARGS));
    assert_eq!(env.mock.requests(), 2);
    assert_eq!(t["requests"], 2);
    let users = env.mock.user_messages();
    let n = common::parse_segments(&users[0]).len();
    assert!(n >= 2);
    assert!(
        users[1].contains("unusable") && users[1].contains(&format!("exactly {n} segments")),
        "the re-ask should name the problem: {}",
        users[1]
    );
    assert_eq!(common::parse_segments(&users[1]).len(), n);
    let m = env.manifest();
    assert_eq!(m["chunks"][0]["splits"], 0);
    check_digest(&env, &sample(), Some(&[ONE]));
    assert_cached_and_stable(&env, &ONE_ARGS, &[ONE]);
}

#[test]
fn fault_persistent_count_mismatch_splits_until_aligned() {
    let env = Env::new();
    env.mock.configure(|c| c.drop_segments_over = Some(2));
    let articles = format!("{ONE},A02");
    let t = totals(&env.translate(&["--articles", &articles, "--no-termbase"]));
    assert_eq!(t["failed_segments"], 0);
    let chunks = t["chunks"].as_u64().unwrap();
    assert!(
        t["requests"].as_u64().unwrap() > chunks,
        "no split happened: {t}"
    );
    let m = env.manifest();
    for c in m["chunks"].as_array().unwrap() {
        if c["segments"].as_u64().unwrap() > 2 {
            assert!(c["splits"].as_u64().unwrap() >= 1, "{c}");
        }
        assert_eq!(c["status"], "ok", "{c}");
    }
    // The answered requests all had at most two segments.
    let answered = env
        .mock
        .user_messages()
        .iter()
        .filter(|u| common::parse_segments(u).len() <= 2)
        .count();
    assert!(answered > 0);
    let selected = [ONE, "A02"];
    check_digest(&env, &sample(), Some(&selected));
    assert_cached_and_stable(&env, &["--articles", &articles, "--no-termbase"], &selected);
}

#[test]
fn fault_finish_length_splits_at_once() {
    let env = Env::new();
    env.mock.push_fault(Fault::FinishLength);
    let t = totals(&env.translate(&ONE_ARGS));
    let users = env.mock.user_messages();
    assert_eq!(users.len(), 3, "the cut reply, then two halves");
    assert_eq!(t["requests"], 3);
    assert!(
        users.iter().all(|u| !u.contains("unusable")),
        "a cut reply is split, not re-asked"
    );
    let counts: Vec<usize> = users
        .iter()
        .map(|u| common::parse_segments(u).len())
        .collect();
    assert_eq!(counts[1] + counts[2], counts[0], "halves: {counts:?}");
    assert!(counts[1] >= 1 && counts[2] >= 1);
    assert_eq!(env.manifest()["chunks"][0]["splits"], 1);
    check_digest(&env, &sample(), Some(&[ONE]));
    assert_cached_and_stable(&env, &ONE_ARGS, &[ONE]);
}

#[test]
fn fault_persistent_failure_is_not_cached_and_rerun_retries_it() {
    let env = Env::new();
    let parsed = parse_json(&env, &sample());
    let a02 = parsed["articles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "A02")
        .unwrap();
    let paras = a02["paragraphs"].as_array().unwrap();
    let needle = paras.last().unwrap()["text"].as_str().unwrap().to_string();
    env.mock.configure(|c| {
        c.fault_when_user_contains = Some((
            needle.clone(),
            Fault::Status429 {
                retry_after: Some("0".into()),
            },
        ))
    });
    let out = env.translate(&["--articles", "A02", "--no-termbase"]);
    let t = totals(&out);
    let chunks = t["chunks"].as_u64().unwrap() as usize;
    assert!(chunks >= 2, "A02 should have several chunks");
    // The good chunks once each, the bad one max_attempts (3) times.
    assert_eq!(env.mock.requests(), chunks - 1 + 3);
    let failed = t["failed_segments"].as_u64().unwrap();
    assert!(failed >= 1);
    assert!(text(&out.stderr).contains("no translation"));
    let digest = env.digest();
    let segs = digest["articles"][0]["segments"].as_array().unwrap();
    let last = segs.last().unwrap();
    assert_eq!(last["status"], "failed");
    assert!(last["translation"].is_null());
    assert_eq!(
        segs.iter().filter(|s| s["status"] == "failed").count() as u64,
        failed
    );
    assert_eq!(env.translate_entries().len(), chunks - 1);
    check_cache_valid(&env, &sample());

    env.mock.configure(|c| c.fault_when_user_contains = None);
    env.mock.reset_counters();
    let t = totals(&env.translate(&["--articles", "A02", "--no-termbase"]));
    assert_eq!(env.mock.requests(), 1, "only the failed chunk is re-sent");
    assert_eq!(t["failed_segments"], 0);
    check_digest(&env, &sample(), Some(&["A02"]));
    assert_cached_and_stable(&env, &["--articles", "A02", "--no-termbase"], &["A02"]);
}

// ---------------------------------------------------------------------------
// 6. Killed mid-way, then resumed
// ---------------------------------------------------------------------------

#[test]
fn killed_run_resumes_with_only_missing_chunks() {
    let env = Env::new();
    env.mock.set_delay(150, 0);
    let mut child = env
        .translate_cmd(&sample(), &["--jobs", "1", "--no-termbase"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn gloss");
    let deadline = Instant::now() + Duration::from_secs(30);
    while env.mock.requests() < 3 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "gloss finished before it could be killed"
        );
        assert!(Instant::now() < deadline, "gloss sent too few requests");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("kill gloss");
    child.wait().unwrap();
    let sent_before = env.mock.requests();
    assert!(
        !env.out_dir().join("digest.json").exists(),
        "killed run wrote a digest"
    );
    let cached = env.translate_entries().len();
    assert!(cached >= 1, "nothing was cached before the kill");
    check_cache_valid(&env, &sample());

    env.mock.set_delay(0, 0);
    env.mock.reset_counters();
    let t = totals(&env.translate(&["--no-termbase"]));
    let chunks = t["chunks"].as_u64().unwrap() as usize;
    assert!(cached < chunks && sent_before < chunks);
    assert_eq!(
        env.mock.requests(),
        chunks - cached,
        "the rerun should send only the chunks not cached"
    );
    assert_eq!(t["cache_hits"].as_u64().unwrap() as usize, cached);
    assert_eq!(env.translate_entries().len(), chunks);
    check_digest(&env, &sample(), None);
}

// ---------------------------------------------------------------------------
// 7. Keys never leak
// ---------------------------------------------------------------------------

#[test]
fn api_key_is_sent_only_as_bearer_and_never_written() {
    const KEY: &str = "sk-test-SECRET-1234";
    let env = Env::new();
    env.mock.configure(|c| c.require_bearer = Some(KEY.into()));
    let articles = "C01,C03";
    let mut cmd = env.translate_cmd(&sample(), &["--articles", articles]);
    cmd.env(KEY_VAR, KEY);
    let out = cmd.output().unwrap();
    totals(&out);
    check_digest(&env, &sample(), Some(&["C01", "C03"]));
    // The key did reach the server (so this test can fail)…
    let headers = env.mock.headers();
    assert!(!headers.is_empty());
    for h in &headers {
        assert!(
            h.iter()
                .any(|(k, v)| k == "authorization" && v == &format!("Bearer {KEY}")),
            "no bearer key: {h:?}"
        );
    }
    // …and nowhere else.
    for (what, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        assert!(!text(bytes).contains(KEY), "key in {what}");
    }
    let files: Vec<PathBuf> = files_under(&env.cache())
        .into_iter()
        .chain(files_under(&env.out()))
        .collect();
    assert!(
        files.len() >= 5,
        "expected cache and output files: {files:?}"
    );
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        assert!(!text(&bytes).contains(KEY), "key in {}", file.display());
        assert!(
            !text(&bytes).contains("SECRET"),
            "key in {}",
            file.display()
        );
    }
    // The bodies never carry it either.
    for body in env.mock.bodies() {
        assert!(!body.to_string().contains(KEY));
    }
}

#[test]
fn openai_env_key_is_not_sent_to_a_profile_without_api_key_env() {
    const KEY: &str = "sk-openai-SECRET";
    let env = Env::new();
    let run = |profile: &str| {
        env.mock.reset_counters();
        let cache = env.path().join(format!("cache-{profile}"));
        seed_plans(&cache);
        let mut cmd = env.cmd();
        cmd.arg("translate")
            .arg(sample())
            .args(["--profile", profile, "--articles", "C01", "--out"])
            .arg(env.out())
            .arg("--cache-dir")
            .arg(&cache)
            .env("OPENAI_API_KEY", KEY)
            .env("OPENAI_ORG_ID", "org-SECRET-ORG")
            .env("OPENAI_PROJECT_ID", "proj-SECRET-PROJ");
        let out = cmd.output().unwrap();
        assert_ok(&out);
        assert!(!text(&out.stderr).contains(KEY));
        let headers = env.mock.headers();
        assert!(!headers.is_empty());
        headers
    };
    let sends = |headers: &[Vec<(String, String)>], needle: &str| {
        headers
            .iter()
            .flatten()
            .any(|(k, v)| k.contains(needle) || v.contains(needle))
    };

    let headers = run("nokey");
    assert!(!sends(&headers, KEY), "OPENAI_API_KEY sent: {headers:?}");
    assert!(
        !sends(&headers, "SECRET"),
        "OpenAI variables sent: {headers:?}"
    );
    check_digest(&env, &sample(), Some(&["C01"]));

    // Control: a profile that names OPENAI_API_KEY does send it (so the
    // check above can fail), and still no organisation or project.
    let headers = run("openaikey");
    assert!(sends(&headers, &format!("Bearer {KEY}")), "{headers:?}");
    assert!(!sends(&headers, "SECRET-ORG") && !sends(&headers, "SECRET-PROJ"));
}

// ---- Real-server quirks seen against llama.cpp's llama-server (each a regression test).

/// llama.cpp answers a prompt over its context with HTTP 400 and an integer
/// code, `exceed_context_size_error`: the chunk is split, not retried as is.
#[test]
fn llamacpp_context_overflow_splits_the_chunk() {
    let env = Env::new();
    env.mock.push_fault(Fault::Custom {
        status: 400,
        body: r#"{"error":{"code":400,"message":"request (15631 tokens) exceeds the available context size (4096 tokens), try increasing it","type":"exceed_context_size_error","n_prompt_tokens":15631,"n_ctx":4096}}"#.into(),
    });
    let t = totals(&env.translate(&ONE_ARGS));
    let users = env.mock.user_messages();
    assert_eq!(users.len(), 3, "the refused request, then two halves");
    let counts: Vec<usize> = users
        .iter()
        .map(|u| common::parse_segments(u).len())
        .collect();
    assert_eq!(counts[1] + counts[2], counts[0], "halves: {counts:?}");
    assert_eq!(t["failed_segments"], 0);
    assert_eq!(env.manifest()["chunks"][0]["splits"], 1);
    check_digest(&env, &sample(), Some(&[ONE]));
    assert_cached_and_stable(&env, &ONE_ARGS, &[ONE]);
}

/// llama.cpp answers with its own model alias whatever was asked, adds a
/// `timings` object, a float `created` and no `id`; the reply is still read,
/// and the usage it reports is what the manifest counts.
#[test]
fn llamacpp_success_shape_is_read() {
    let env = Env::new();
    let sources = one_sources(&env);
    let content: String = sources
        .iter()
        .enumerate()
        .map(|(i, s)| format!("[{}] {}\n", i + 1, mock_translation(s)))
        .collect();
    let body = serde_json::json!({
        "choices": [{"finish_reason": "stop", "index": 0, "message": {"role": "assistant", "content": content}}],
        "created": 1795600538.5,
        "model": "qwen2.5-coder-0.5b-instruct",
        "system_fingerprint": "b0-unknown",
        "object": "chat.completion",
        "usage": {"completion_tokens": 321, "prompt_tokens": 654, "total_tokens": 975, "prompt_tokens_details": {"cached_tokens": 0}},
        "timings": {"prompt_n": 654, "prompt_ms": 638.5, "predicted_n": 321, "predicted_per_second": 24.2}
    });
    env.mock.push_fault(Fault::Custom {
        status: 200,
        body: body.to_string(),
    });
    let t = totals(&env.translate(&ONE_ARGS));
    assert_eq!(env.mock.requests(), 1);
    assert_eq!(t["tokens_in"], 654);
    assert_eq!(t["tokens_out"], 321);
    assert_eq!(t["usage_from_server"], true);
    check_digest(&env, &sample(), Some(&[ONE]));
}

// ---------------------------------------------------------------------------
// 7. A bad segment costs only itself; replies are cached as text
// ---------------------------------------------------------------------------

/// The one-chunk article [`ONE`] as `gloss parse --json` reports it.
fn one_article(env: &Env) -> Value {
    let parsed = parse_json(env, &sample());
    parsed["articles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == ONE)
        .unwrap()
        .clone()
}

/// The segment sources of [`ONE`] in request order: title, paragraphs.
fn one_sources(env: &Env) -> Vec<String> {
    let article = one_article(env);
    let mut sources = vec![article["title"].as_str().unwrap().to_string()];
    for p in article["paragraphs"].as_array().unwrap() {
        sources.push(p["text"].as_str().unwrap().to_string());
    }
    sources
}

/// The source of paragraph `id` of the one-chunk article [`ONE`].
fn one_paragraph(env: &Env, id: &str) -> String {
    let article = one_article(env);
    let p = article["paragraphs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap_or_else(|| panic!("no {id}"));
    p["text"].as_str().unwrap().to_string()
}

/// How a segment breaks every reply that carries it.
#[derive(Clone, Copy, Debug)]
enum Breakage {
    /// The server cuts every such answer at the token limit.
    CutAtLimit,
    /// The segment's translation carries a stray marker, so the markers of
    /// every such reply are out of order (and a one-segment reply has two).
    StrayMarker,
}

/// Issue 10 ("A07.p01…p10 not translated for one bad leaf") and issue 12:
/// one segment that breaks every reply carrying it. Its chunk's other
/// segments are translated and kept; a rerun replays the failure without
/// asking; `--retry-failed` asks for it alone, once; once the model answers
/// it, the chunk is complete and cached as usual.
fn one_broken_segment_costs_only_itself(breakage: Breakage) {
    let env = Env::new();
    let bad_id = format!("{ONE}.p03");
    let needle = one_paragraph(&env, &bad_id);
    let break_it = |c: &mut common::MockConfig| match breakage {
        Breakage::CutAtLimit => {
            c.fault_when_user_contains = Some((needle.clone(), Fault::FinishLength))
        }
        Breakage::StrayMarker => {
            let good = mock_translation(&needle);
            c.segment_replies = vec![(needle.clone(), format!("{good}\n[9] {good}"))];
        }
    };
    env.mock.configure(break_it);
    let out = env.translate(&ONE_ARGS);
    let t = totals(&out);
    let first_run = env.mock.requests();
    eprintln!("{breakage:?}: first run {first_run} requests");
    assert_eq!(t["failed_segments"], 1, "{t}");
    let digest = env.digest();
    let segments = digest["articles"][0]["segments"].as_array().unwrap();
    assert!(segments.len() >= 4);
    for s in segments {
        if s["id"] == bad_id.as_str() {
            assert_eq!(s["status"], "failed");
            assert!(s["translation"].is_null());
        } else {
            let source = s["source"].as_str().unwrap();
            assert_eq!(s["status"], "ok", "{}", s["id"]);
            assert_eq!(s["translation"], expected_translation(source).as_str());
        }
    }
    assert_eq!(
        digest["articles"][0]["title_translation"],
        expected_translation(digest["articles"][0]["title"].as_str().unwrap()).as_str()
    );
    let chunk = &env.manifest()["chunks"][0];
    assert_eq!(chunk["status"], "partial", "{chunk}");
    assert!(
        chunk["error"].as_str().unwrap().contains(&bad_id),
        "{chunk}"
    );
    // Nothing partial is stored as a complete chunk.
    assert!(env.translate_entries().is_empty());

    // Rerun, the model unchanged: its answer to the bad segment is replayed
    // from the cache, nothing is sent, the same segment fails.
    env.mock.reset_counters();
    let t = totals(&env.translate(&ONE_ARGS));
    assert_eq!(env.mock.requests(), 0, "{t}");
    assert_eq!(t["failed_segments"], 1, "{t}");
    assert_eq!(env.manifest()["chunks"][0]["status"], "partial");

    // --retry-failed, the model unchanged: only the bad segment is asked, alone.
    let retry: Vec<&str> = ONE_ARGS.iter().copied().chain(["--retry-failed"]).collect();
    env.mock.reset_counters();
    let t = totals(&env.translate(&retry));
    let users = env.mock.user_messages();
    eprintln!("{breakage:?}: retry {} requests", users.len());
    assert_eq!(users.len(), 1, "{users:#?}");
    let asked = common::parse_segments(&users[0]);
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].1, needle);
    assert_eq!(t["failed_segments"], 1);

    // The model answers it now: one request, and the chunk is complete.
    env.mock.configure(|c| {
        c.fault_when_user_contains = None;
        c.segment_replies.clear();
    });
    env.mock.reset_counters();
    let t = totals(&env.translate(&retry));
    assert_eq!(env.mock.requests(), 1);
    assert_eq!(t["failed_segments"], 0);
    assert_eq!(env.manifest()["chunks"][0]["status"], "ok");
    check_digest(&env, &sample(), Some(&[ONE]));
    assert_cached_and_stable(&env, &ONE_ARGS, &[ONE]);
}

#[test]
fn a_segment_cut_at_the_limit_costs_only_itself() {
    one_broken_segment_costs_only_itself(Breakage::CutAtLimit);
}

#[test]
fn a_segment_that_breaks_the_markers_costs_only_itself() {
    one_broken_segment_costs_only_itself(Breakage::StrayMarker);
}

/// Issue 12: "two single segments whose replies came back without their
/// `[1]` marker failed their whole chunks". Every reply carrying one
/// paragraph is the bare text, after a preamble: the chunk is split down to
/// that paragraph, whose marker-less reply is accepted as it.
#[test]
fn a_one_segment_reply_without_its_marker_is_accepted() {
    let env = Env::new();
    let id = format!("{ONE}.p05");
    let needle = one_paragraph(&env, &id);
    let reply = format!("Translation:\n{}", mock_translation(&needle));
    env.mock
        .configure(|c| c.fault_when_user_contains = Some((needle.clone(), Fault::Reply(reply))));
    let t = totals(&env.translate(&ONE_ARGS));
    assert_eq!(t["failed_segments"], 0, "{t}");
    let one_segment: Vec<String> = env
        .mock
        .user_messages()
        .into_iter()
        .filter(|u| common::parse_segments(u).len() == 1)
        .collect();
    assert!(
        one_segment.iter().any(|u| u.contains(&needle)),
        "the paragraph was never asked alone"
    );
    check_digest(&env, &sample(), Some(&[ONE]));
    assert_cached_and_stable(&env, &ONE_ARGS, &[ONE]);
}

/// Issue 10, item 8: raw answers are cached as the reply text and parsed
/// at every read. With the checked results gone (as after a change to the
/// checks), a rerun rebuilds them from the cached replies: no request, the
/// same outputs.
#[test]
fn checked_results_are_rebuilt_from_cached_reply_text() {
    let env = Env::new();
    let args = ["--articles", "C03,A02", "--no-termbase"];
    let t = totals(&env.translate(&args));
    assert_eq!(t["failed_segments"], 0);
    let before = env.outputs(&DIGEST_FILES);
    let mut replies = 0;
    for file in files_under(&env.cache()) {
        let Ok(entry) = serde_json::from_slice::<Value>(&std::fs::read(&file).unwrap()) else {
            continue;
        };
        match entry["kind"].as_str() {
            Some("translate-reply") => {
                let text = entry["value"].as_str().expect("a reply is cached as text");
                assert!(text.starts_with("[1] "), "{text}");
                replies += 1;
            }
            Some("translate") => std::fs::remove_file(&file).unwrap(),
            _ => {}
        }
    }
    assert_eq!(replies, t["chunks"].as_u64().unwrap() as usize);
    assert!(env.translate_entries().is_empty());
    env.mock.reset_counters();
    let again = totals(&env.translate(&args));
    assert_eq!(env.mock.requests(), 0);
    assert_eq!(again["failed_segments"], 0);
    assert_eq!(env.outputs(&DIGEST_FILES), before);
    assert!(
        !env.translate_entries().is_empty(),
        "checked results cached again"
    );
}

/// Issue 12: "one segment carried the next one's figures, another lost its
/// own". A reply whose markers are right but whose paragraph moved its
/// figure to its neighbour is not aligned: it is asked again, naming the
/// drift, and the answer that fits is kept.
#[test]
fn a_figure_that_moved_to_the_next_segment_is_a_format_break() {
    let env = Env::new();
    let sources = one_sources(&env);
    // The first paragraph with a figure that its next paragraph lacks.
    let k = (0..sources.len() - 1)
        .find(|&i| {
            let figures = gloss::qa::numbers::korean_numbers(&sources[i]);
            !figures.is_empty()
                && figures
                    .iter()
                    .all(|m| !gloss::qa::numbers::missing(&m.text, &sources[i + 1]).is_empty())
        })
        .expect("a paragraph with a figure of its own");
    let moved = common::figures::english_figures_of(&sources[k]);
    let drifted: String = sources
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let text = if i == k {
                format!(
                    "EN: {}",
                    romanize(&s.replace(|c: char| c.is_ascii_digit(), ""))
                )
            } else if i == k + 1 {
                format!("{} ({})", mock_translation(s), moved.join("; "))
            } else {
                mock_translation(s)
            };
            format!("[{}] {text}\n", i + 1)
        })
        .collect();
    env.mock.push_fault(Fault::Reply(drifted));
    let t = totals(&env.translate(&ONE_ARGS));
    let users = env.mock.user_messages();
    assert_eq!(users.len(), 2, "the drifted reply, then the re-ask");
    assert!(
        users[1].contains(&format!(
            "segment [{}] carries the numbers of segment [{}]",
            k + 2,
            k + 1
        )) || users[1].contains(&format!(
            "segment [{}] carries the numbers of segment [{}]",
            k + 1,
            k + 2
        )),
        "the re-ask should name the drift: {}",
        users[1]
    );
    assert_eq!(t["failed_segments"], 0);
    check_digest(&env, &sample(), Some(&[ONE]));
    assert_cached_and_stable(&env, &ONE_ARGS, &[ONE]);
}

/// Issue 12: the 1.5B model sent whole chunks back untranslated (F01's
/// summary box, A07's last chunk). A reply that leaves most segments in the
/// source language is not a translation: it is asked again, naming the
/// problem, and the answer that translates is kept.
#[test]
fn a_chunk_sent_back_untranslated_is_asked_again() {
    let env = Env::new();
    let sources = one_sources(&env);
    assert!(sources.len() >= 2);
    let copied: String = sources
        .iter()
        .enumerate()
        .map(|(i, s)| format!("[{}] {s}\n", i + 1))
        .collect();
    env.mock.push_fault(Fault::Reply(copied));
    let t = totals(&env.translate(&ONE_ARGS));
    let users = env.mock.user_messages();
    assert_eq!(users.len(), 2, "the copied reply, then the re-ask");
    assert!(
        users[1].contains(&format!(
            "{n} of {n} segments came back untranslated",
            n = sources.len()
        )),
        "the re-ask should name the problem: {}",
        users[1]
    );
    assert_eq!(t["failed_segments"], 0);
    assert_eq!(t["flagged_segments"], serde_json::json!({}), "{t}");
    check_digest(&env, &sample(), Some(&[ONE]));
    assert_cached_and_stable(&env, &ONE_ARGS, &[ONE]);
}
