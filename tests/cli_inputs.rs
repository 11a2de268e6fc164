//! The CLI's behaviour on bad and unusual inputs, checked through the real
//! binary: every failure is exactly one `gloss: error:` line on stderr naming
//! the problem and the path, nothing on stdout, no panic; odd but valid
//! encodings and line ends parse; `parse --json` and `plan --json` have the
//! documented shape. Nothing here talks to a network: `plan` is pointed at
//! 127.0.0.1:9, where nothing listens, and must not need it.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use assert_cmd::cargo::cargo_bin_cmd;
use predicates::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

/// Where nothing listens: a command that sends a request there fails.
const NOWHERE: &str = "http://127.0.0.1:9/v1";

/// A Korean issue small enough to read: a title line, then two paragraphs.
const KOREAN: &str = "반도체 산업의 새로운 전망\n\n\
    한국 반도체 업계는 올해 수출이 크게 늘었다고 밝혔다.\n\n\
    정부는 똠방각하 같은 드문 글자가 든 지원책을 확대할 계획이다.\n";
const KOREAN_TITLE: &str = "반도체 산업의 새로운 전망";

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/trendwatch-2023-22.txt")
}

/// A fresh working directory: no gloss.toml, its own cache and config home,
/// so neither the repository's nor the user's configuration leaks in.
fn workdir() -> TempDir {
    tempfile::tempdir().expect("tempdir")
}

fn gloss(dir: &TempDir) -> Command {
    let mut cmd = cargo_bin_cmd!("gloss");
    cmd.current_dir(dir.path())
        .env("GLOSS_CACHE_DIR", dir.path().join("cache"))
        .env("XDG_CONFIG_HOME", dir.path().join("config-home"))
        .env("XDG_CACHE_HOME", dir.path().join("cache-home"))
        .env("GLOSS_DATA_DIR", dir.path().join("data"))
        .env_remove("OPENAI_BASE_URL")
        .env_remove("OPENAI_API_KEY")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE");
    cmd
}

fn write(dir: &TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write input");
    path
}

/// Assert a failed run: exit `code`, nothing on stdout, exactly one stderr
/// line starting `gloss: error:` that contains every string of `mentions`.
/// Returns that line.
fn assert_one_line_error(cmd: &mut Command, code: i32, mentions: &[&str]) -> String {
    let out = cmd.output().expect("run gloss");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(code),
        "exit code; stderr:\n{stderr}"
    );
    assert!(stdout.is_empty(), "stdout must be empty, got:\n{stdout}");
    assert!(!stderr.contains("panicked"), "panic:\n{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "stderr must be exactly one line, got:\n{stderr}"
    );
    assert!(
        stderr.ends_with('\n'),
        "the line must be terminated:\n{stderr:?}"
    );
    let line = lines[0];
    assert!(line.starts_with("gloss: error: "), "prefix:\n{line}");
    for m in mentions {
        assert!(line.contains(m), "{m:?} not in:\n{line}");
    }
    line.to_string()
}

/// Run `gloss parse FILE --json` (FILE may be `-` with `stdin`) and return the JSON.
fn parse_json(dir: &TempDir, file: &str, stdin: Option<Vec<u8>>) -> Value {
    let mut cmd = gloss(dir);
    cmd.args(["parse", file, "--json"]);
    if let Some(bytes) = stdin {
        cmd.write_stdin(bytes);
    }
    let out = cmd.assert().success().get_output().clone();
    serde_json::from_slice(&out.stdout).expect("parse --json prints valid JSON")
}

/// Run `gloss parse FILE` (table) and return the stderr summary line.
fn parse_summary(dir: &TempDir, file: &str) -> String {
    let out = gloss(dir)
        .args(["parse", file])
        .assert()
        .success()
        .stderr(predicate::str::contains("panicked").not())
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).expect("utf-8 stderr");
    let summary = stderr.lines().next().unwrap_or_default().to_string();
    assert!(
        summary.starts_with(&format!("{file}: ")),
        "summary line:\n{stderr}"
    );
    summary
}

fn korean_checks(doc: &Value, name: &str) {
    assert_eq!(doc["name"], name);
    let articles = doc["articles"].as_array().expect("articles");
    assert_eq!(articles.len(), 1, "{doc:#}");
    assert_eq!(articles[0]["title"], KOREAN_TITLE);
    let text: String = articles[0]["paragraphs"]
        .as_array()
        .expect("paragraphs")
        .iter()
        .map(|p| p["text"].as_str().expect("text"))
        .collect();
    assert!(text.contains("수출이 크게 늘었다고"), "{text}");
    assert!(text.contains("똠방각하"), "{text}");
    assert!(
        !text.contains('\r') && !text.contains('\u{FEFF}') && !text.contains('\u{FFFD}'),
        "{text:?}"
    );
}

// ---------------------------------------------------------------- failures

#[test]
fn empty_file_is_one_line_error() {
    let dir = workdir();
    write(&dir, "empty.txt", b"");
    assert_one_line_error(
        gloss(&dir).args(["parse", "empty.txt"]),
        1,
        &["empty.txt", "input is empty"],
    );
}

#[test]
fn whitespace_only_file_is_one_line_error() {
    let dir = workdir();
    write(&dir, "blank.txt", b" \n\t\r\n  \x0c\n\n");
    assert_one_line_error(
        gloss(&dir).args(["parse", "blank.txt"]),
        1,
        &["blank.txt", "input is empty"],
    );
}

#[test]
fn binary_file_is_one_line_error() {
    let dir = workdir();
    // A PNG's start: the NUL at offset 8 is what marks it binary.
    write(&dir, "issue.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    let line = assert_one_line_error(
        gloss(&dir).args(["parse", "issue.png"]),
        1,
        &["issue.png", "binary", "offset 8", "text and PDF"],
    );
    assert!(!line.contains('\0'));
}

#[test]
fn missing_file_is_one_line_error() {
    let dir = workdir();
    assert_one_line_error(
        gloss(&dir).args(["parse", "no-such-issue.txt"]),
        1,
        &["no-such-issue.txt", "no such file"],
    );
}

#[test]
fn directory_is_one_line_error() {
    let dir = workdir();
    std::fs::create_dir(dir.path().join("issues")).unwrap();
    assert_one_line_error(
        gloss(&dir).args(["parse", "issues"]),
        1,
        &["issues", "is a directory"],
    );
}

#[test]
fn empty_stdin_is_one_line_error() {
    let dir = workdir();
    assert_one_line_error(
        gloss(&dir).args(["parse", "-"]).write_stdin(""),
        1,
        &["<stdin>", "input is empty"],
    );
}

#[test]
fn binary_stdin_is_one_line_error() {
    let dir = workdir();
    assert_one_line_error(
        gloss(&dir)
            .args(["parse", "-", "--json"])
            .write_stdin(b"abc\0def".to_vec()),
        1,
        &["<stdin>", "binary", "offset 3"],
    );
}

#[test]
fn translate_unknown_article_is_usage_error_listing_ids() {
    let dir = workdir();
    let file = sample();
    let line = assert_one_line_error(
        gloss(&dir).arg("translate").arg(&file).args([
            "--articles",
            "Z99",
            "--base-url",
            NOWHERE,
            "--out",
            "out",
        ]),
        2,
        &["Z99", "F01", "A01", "A09", "C01", "C08", "gloss parse"],
    );
    assert!(line.contains("ids: F01, A01, A02"), "{line}");
    // Nothing was written for a run that never started.
    assert!(!dir.path().join("out").exists());
}

#[test]
fn translate_unknown_profile_is_config_error() {
    let dir = workdir();
    assert_one_line_error(
        gloss(&dir)
            .arg("translate")
            .arg(sample())
            .args(["--profile", "nope", "--out", "out"]),
        1,
        &[
            "config:",
            "no profile named \"nope\"",
            "openai",
            "local",
            "[profiles.nope]",
        ],
    );
    assert!(!dir.path().join("out").exists());
}

// ---------------------------------------------------------------- odd but valid inputs

#[test]
fn euc_kr_file_parses() {
    let dir = workdir();
    let (bytes, _, unmappable) = encoding_rs::EUC_KR.encode(KOREAN);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the fixture must not be UTF-8"
    );
    write(&dir, "euckr.txt", &bytes);
    let summary = parse_summary(&dir, "euckr.txt");
    assert!(summary.ends_with("encoding EUC-KR"), "{summary}");
    korean_checks(&parse_json(&dir, "euckr.txt", None), "euckr.txt");
}

#[test]
fn utf16le_with_bom_parses() {
    let dir = workdir();
    let mut bytes = vec![0xFF, 0xFE];
    for unit in KOREAN.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    // The NUL high bytes of ASCII characters must not count as binary.
    assert!(bytes.contains(&0));
    write(&dir, "utf16.txt", &bytes);
    let summary = parse_summary(&dir, "utf16.txt");
    assert!(summary.ends_with("encoding UTF-16LE"), "{summary}");
    korean_checks(&parse_json(&dir, "utf16.txt", None), "utf16.txt");
}

#[test]
fn crlf_file_parses_like_lf() {
    let dir = workdir();
    write(&dir, "lf.txt", KOREAN.as_bytes());
    write(&dir, "crlf.txt", KOREAN.replace('\n', "\r\n").as_bytes());
    let summary = parse_summary(&dir, "crlf.txt");
    assert!(summary.ends_with("encoding UTF-8"), "{summary}");
    let crlf = parse_json(&dir, "crlf.txt", None);
    korean_checks(&crlf, "crlf.txt");
    let lf = parse_json(&dir, "lf.txt", None);
    assert_eq!(
        crlf["articles"], lf["articles"],
        "CRLF must parse exactly like LF"
    );
}

#[test]
fn stdin_dash_parses() {
    let dir = workdir();
    let doc = parse_json(&dir, "-", Some(KOREAN.as_bytes().to_vec()));
    korean_checks(&doc, "<stdin>");
    let from_file = {
        write(&dir, "k.txt", KOREAN.as_bytes());
        parse_json(&dir, "k.txt", None)
    };
    assert_eq!(doc["articles"], from_file["articles"]);
}

// ---------------------------------------------------------------- JSON shapes

fn is_line_range(v: &Value) -> bool {
    match v.as_array().map(Vec::as_slice) {
        Some([a, b]) => matches!((a.as_u64(), b.as_u64()), (Some(a), Some(b)) if 1 <= a && a <= b),
        _ => false,
    }
}

fn opt_str(v: &Value) -> bool {
    v.is_null() || v.is_string()
}

#[test]
fn parse_json_of_sample_has_documented_shape() {
    let dir = workdir();
    let file = sample();
    let doc = parse_json(&dir, file.to_str().expect("utf-8 path"), None);
    let articles = doc["articles"].as_array().expect("articles array");
    let count = |kind: &str| articles.iter().filter(|a| a["kind"] == kind).count();
    assert_eq!(articles.len(), 18);
    assert_eq!(
        (count("front"), count("article"), count("clipping")),
        (1, 9, 8)
    );
    for a in articles {
        let id = a["id"].as_str().expect("id");
        assert!(
            ["F", "A", "C"].iter().any(|p| id.starts_with(p)) && id.len() == 3,
            "id {id}"
        );
        assert!(
            a["title"].as_str().is_some_and(|t| !t.is_empty()),
            "{id} title"
        );
        for key in ["section", "source", "date"] {
            assert!(
                a.get(key).is_some_and(opt_str),
                "{id}.{key}: {:?}",
                a.get(key)
            );
        }
        let lines = a["lines"].as_array().expect("lines");
        assert!(
            !lines.is_empty() && lines.iter().all(is_line_range),
            "{id} lines {lines:?}"
        );
        let paragraphs = a["paragraphs"].as_array().expect("paragraphs");
        assert!(!paragraphs.is_empty(), "{id} has no paragraphs");
        for p in paragraphs {
            let pid = p["id"].as_str().expect("paragraph id");
            assert!(pid.starts_with(&format!("{id}.p")), "{pid}");
            assert!(
                p["text"].as_str().is_some_and(|t| !t.trim().is_empty()),
                "{pid} text"
            );
        }
    }
    assert_eq!(articles[0]["id"], "F01");
    assert_eq!(articles[1]["id"], "A01");
    assert_eq!(articles[17]["id"], "C08");
    let dropped = doc["dropped"].as_array().expect("dropped array");
    assert!(!dropped.is_empty());
    for d in dropped {
        assert!(d["line"].as_u64().is_some_and(|n| n >= 1), "{d}");
        assert!(
            d["text"].is_string() && d["reason"].as_str().is_some_and(|r| !r.is_empty()),
            "{d}"
        );
    }
}

/// Run `gloss plan FILE --json --base-url URL` and return the JSON.
fn plan_json_at(dir: &TempDir, base_url: &str, extra: &[&str]) -> Value {
    let out = gloss(dir)
        .arg("plan")
        .arg(sample())
        .args(["--json", "--base-url", base_url])
        .args(extra)
        .assert()
        .success()
        .stderr(predicate::str::contains("panicked").not())
        .get_output()
        .clone();
    serde_json::from_slice(&out.stdout).expect("plan --json prints valid JSON")
}

/// Run `gloss plan FILE --json` against the nowhere endpoint.
fn plan_json(dir: &TempDir, extra: &[&str]) -> Value {
    plan_json_at(dir, NOWHERE, extra)
}

fn stage<'a>(plan: &'a Value, name: &str) -> &'a Value {
    plan["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .find(|s| s["stage"] == name)
        .unwrap_or_else(|| panic!("no stage {name} in {plan:#}"))
}

#[test]
fn plan_sends_nothing_and_counts_requests() {
    let dir = workdir();
    // A listener that would see any connection: plan must open none.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let url = format!("http://{}/v1", listener.local_addr().expect("addr"));
    let plan = plan_json_at(&dir, &url, &[]);
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("plan connected to the endpoint: {other:?}"),
    }
    let stages: Vec<&str> = plan["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(|s| s["stage"].as_str().expect("stage name"))
        .collect();
    assert_eq!(stages, ["termbase", "translate", "summarize", "brief"]);
    let articles = plan["articles"].as_array().expect("articles");
    assert_eq!(articles.len(), 18);
    let chunks: u64 = articles
        .iter()
        .map(|a| a["chunks"].as_array().expect("chunks").len() as u64)
        .sum();
    assert!(chunks >= 18, "every article has a chunk");
    let non_front = articles
        .iter()
        .filter(|a| !a["id"].as_str().unwrap_or("").starts_with('F'))
        .count() as u64;
    assert_eq!(non_front, 17);
    // The sample's four section names go as one more chunk.
    let section_chunks = plan["section_chunks"].as_array().expect("section chunks");
    assert_eq!(section_chunks.len(), 1, "{section_chunks:?}");
    assert_eq!(section_chunks[0]["segments"], 4);
    assert_eq!(stage(&plan, "translate")["requests"], chunks + 1);
    assert_eq!(stage(&plan, "summarize")["requests"], non_front);
    // One term request per article with recurring names (C01 has none), and
    // together at most 10 % of what the translations send (issue 11).
    let terms = stage(&plan, "termbase");
    let term_requests = terms["requests"].as_u64().expect("requests");
    assert!((1..non_front).contains(&term_requests), "{terms}");
    let term_tokens = terms["input_tokens"].as_u64().expect("tokens");
    let translate_tokens = stage(&plan, "translate")["input_tokens"]
        .as_u64()
        .expect("tokens");
    assert!(
        term_tokens * 10 <= translate_tokens,
        "{term_tokens} vs {translate_tokens}"
    );
    assert_eq!(stage(&plan, "brief")["requests"], 1);
    // Default profile (openai, gpt-4o-mini) has a built-in price.
    assert!(
        plan["estimated_cost_usd"].as_f64().is_some_and(|c| c > 0.0),
        "{}",
        plan["estimated_cost_usd"]
    );
}

#[test]
fn plan_local_with_configured_price_costs_zero() {
    let dir = workdir();
    write(
        &dir,
        "gloss.toml",
        b"[prices.\"qwen2.5-coder-1.5b-instruct\"]\ninput = 0.0\noutput = 0.0\n",
    );
    let plan = plan_json(&dir, &["--profile", "local"]);
    assert_eq!(plan["profile"], "local");
    assert_eq!(
        plan["estimated_cost_usd"].as_f64(),
        Some(0.0),
        "{}",
        plan["estimated_cost_usd"]
    );
}

#[test]
fn plan_unknown_price_is_null_not_zero() {
    let dir = workdir();
    assert!(!dir.path().join("gloss.toml").exists());
    let plan = plan_json(
        &dir,
        &["--profile", "local", "--model", "some-unknown-model"],
    );
    assert_eq!(plan["model"], "some-unknown-model");
    assert!(
        plan.get("estimated_cost_usd").is_some_and(Value::is_null),
        "{plan:#}"
    );
    // The built-in local profile has no price either.
    let plan = plan_json(&dir, &["--profile", "local"]);
    assert!(
        plan.get("estimated_cost_usd").is_some_and(Value::is_null),
        "{}",
        plan["estimated_cost_usd"]
    );
}

// ---------------------------------------------------------------------------
// PDF input (fixtures from scripts/make-test-pdfs in tests/data/pdf/)
// ---------------------------------------------------------------------------

fn pdf_fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/pdf")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Copy fixture `fixture` into the work dir as `as_name` and run
/// `gloss parse as_name`, expecting exactly `expected` as the error line.
fn assert_pdf_error(fixture: &str, as_name: &str, expected: &str) {
    let dir = workdir();
    write(&dir, as_name, &pdf_fixture(fixture));
    let line = assert_one_line_error(gloss(&dir).args(["parse", as_name]), 1, &[as_name]);
    assert_eq!(line, expected);
}

#[test]
fn encrypted_pdf_is_one_line_error() {
    assert_pdf_error(
        "encrypted.pdf",
        "locked.pdf",
        "gloss: error: locked.pdf: the PDF is encrypted with a password; remove the protection first (qpdf --decrypt --password=PASSWORD in.pdf out.pdf)",
    );
}

#[test]
fn image_only_pdf_says_it_needs_ocr_and_counts_pages() {
    assert_pdf_error(
        "image-only.pdf",
        "scan.pdf",
        "gloss: error: scan.pdf: no text in the PDF (2 of 2 pages are images only, as in a scan); it needs OCR first (e.g. ocrmypdf in.pdf out.pdf)",
    );
}

#[test]
fn truncated_pdf_is_one_line_error() {
    assert_pdf_error(
        "truncated.pdf",
        "cut.pdf",
        "gloss: error: cut.pdf: cannot read the PDF (it ends before its %%EOF marker); the file is truncated or damaged, download or export it again",
    );
}

#[test]
fn zero_page_pdf_is_one_line_error() {
    assert_pdf_error(
        "zero-pages.pdf",
        "none.pdf",
        "gloss: error: none.pdf: the PDF has no pages (nothing to parse)",
    );
}

#[test]
fn empty_pdf_file_is_one_line_error() {
    let dir = workdir();
    write(&dir, "empty.pdf", b"");
    let line = assert_one_line_error(gloss(&dir).args(["parse", "empty.pdf"]), 1, &[]);
    assert_eq!(
        line,
        "gloss: error: empty.pdf: input is empty (nothing to parse)"
    );
}

#[test]
fn text_file_named_pdf_is_one_line_error() {
    let dir = workdir();
    write(&dir, "issue.pdf", KOREAN.as_bytes());
    let line = assert_one_line_error(gloss(&dir).args(["parse", "issue.pdf"]), 1, &[]);
    assert_eq!(
        line,
        "gloss: error: issue.pdf: named .pdf but not a PDF (no %PDF- header); if it is text, rename it to .txt"
    );
}

/// Run `cmd` (which asks for `--json`), expect success, return the JSON.
fn json_of(cmd: &mut Command) -> Value {
    let out = cmd.output().expect("run gloss");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("--json prints JSON")
}

/// The parsed issue's text: every title and paragraph, in order.
fn parsed_text(dir: &TempDir, file: &str) -> String {
    let issue = json_of(gloss(dir).args(["parse", file, "--json"]));
    let mut text = String::new();
    for a in issue["articles"].as_array().expect("articles") {
        text.push_str(a["title"].as_str().unwrap_or_default());
        text.push('\n');
        for p in a["paragraphs"].as_array().expect("paragraphs") {
            text.push_str(p["text"].as_str().unwrap_or_default());
            text.push('\n');
        }
    }
    text
}

#[test]
fn pdf_renamed_txt_is_read_as_pdf() {
    let dir = workdir();
    write(&dir, "issue.txt", &pdf_fixture("korean.pdf"));
    let text = parsed_text(&dir, "issue.txt");
    for expected in [
        "반도체 산업 동향",
        "한국 반도체 업계는 올해 수출이 크게 늘었다고 밝혔다.",
        "인공지능 기본법이 국회를 통과했다.",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
}

#[test]
fn pdf_with_empty_user_password_opens() {
    let dir = workdir();
    write(&dir, "open.pdf", &pdf_fixture("encrypted-no-password.pdf"));
    let text = parsed_text(&dir, "open.pdf");
    assert!(text.contains("인공지능 정책 전망"), "{text}");
}

#[test]
fn plan_reads_a_pdf_without_the_network() {
    let dir = workdir();
    write(&dir, "issue.pdf", &pdf_fixture("korean.pdf"));
    let plan = json_of(gloss(&dir).args(["plan", "issue.pdf", "--json", "--base-url", NOWHERE]));
    let first = &plan["articles"][0];
    assert_eq!(first["title"], "반도체 산업 동향", "{plan:#}");
    assert!(
        first["chunks"].as_array().is_some_and(|c| !c.is_empty()),
        "{plan:#}"
    );
}

#[test]
fn pdf_on_stdin_is_read_as_pdf() {
    let dir = workdir();
    let issue = json_of(
        gloss(&dir)
            .args(["parse", "-", "--json"])
            .write_stdin(pdf_fixture("two-columns.pdf")),
    );
    let text = issue.to_string();
    // Left column's last line comes before the right column's first.
    let left = text.find("왼쪽8번째줄").expect("left column");
    let right = text.find("오른쪽1번째줄").expect("right column");
    assert!(left < right, "{text}");
}
