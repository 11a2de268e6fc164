//! The model-assisted structure step (`gloss parse --model-structure`,
//! `structure` in a profile) against the mock endpoint: a valid answer
//! places the contents entries; an answer out of order or naming lines that
//! were not shown changes nothing but a warning; the answer is cached;
//! `plan` counts the request; and under `structure = "model"` a valid
//! answer is used even when the rules placed more.

mod common;

use std::path::Path;

use common::{MockConfig, MockServer};
use serde_json::Value;

/// A contents page whose entries the body words differently: the rules
/// place none of them.
const ISSUE: &str = "월간 산업 동향\n\n목 차\n\n\
    1. 반도체 수출 동향 ........ 2\n\
    2. 배터리 시장 전망 ........ 3\n\
    3. 인공지능 규제 논의 ........ 4\n\
    \u{c}가. 메모리 반도체, 수출 회복세\n\n\
    메모리 반도체 수출이 석 달 연속 늘었다.\n\n\
    \u{c}나. 이차전지 업계의 향방\n\n\
    이차전지 업계는 내년 수요가 늘 것으로 본다.\n\n\
    \u{c}다. AI 법안을 둘러싼 공방\n\n\
    국회는 AI 기본법 논의를 이어 갔다.\n";

/// The 1-based line number of the line of [`ISSUE`] that reads `text`.
fn line_of(text: &str) -> usize {
    line_in(ISSUE, text)
}

/// The 1-based line number of the line of `issue` that reads `text`.
fn line_in(issue: &str, text: &str) -> usize {
    issue
        .split('\n')
        .position(|l| l.trim_start_matches('\u{c}') == text)
        .map(|i| i + 1)
        .expect("line in the fixture")
}

/// `gloss ARGS` in `dir`; (stdout as JSON, stderr).
fn gloss(dir: &Path, args: &[&str]) -> (Value, String) {
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin!("gloss"))
        .current_dir(dir)
        .env("XDG_CONFIG_HOME", dir.join("config-home"))
        .env("XDG_CACHE_HOME", dir.join("cache-home"))
        .env("HOME", dir)
        .env("GLOSS_CACHE_DIR", dir.join("cache"))
        .env_remove("OPENAI_BASE_URL")
        .env_remove("OPENAI_API_KEY")
        .env_remove("GLOSS_PROFILE")
        .env_remove("GLOSS_MODEL")
        .args(args)
        .output()
        .expect("run gloss");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "gloss {args:?}: {stderr}");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (json, stderr)
}

fn setup(reply: String) -> (tempfile::TempDir, MockServer) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("issue.txt"), ISSUE).expect("write issue");
    let mock = MockServer::start_blocking_with(MockConfig {
        default_reply: Some(reply),
        ..MockConfig::default()
    });
    (dir, mock)
}

fn parse_with_model(dir: &Path, mock: &MockServer) -> (Value, String) {
    gloss(
        dir,
        &[
            "parse",
            "issue.txt",
            "--json",
            "--model-structure",
            "--base-url",
            &mock.base_url,
            "--model",
            "mock-model",
        ],
    )
}

/// (title, start rule) of the issue's articles.
fn articles(issue: &Value) -> Vec<(String, String)> {
    issue["articles"]
        .as_array()
        .expect("articles")
        .iter()
        .filter(|a| a["kind"] == "article")
        .map(|a| {
            (
                a["title"].as_str().unwrap_or_default().to_string(),
                a["start"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn rules_alone_warn_and_send_nothing() {
    let (dir, mock) = setup("E1: none".into());
    let (issue, stderr) = gloss(dir.path(), &["parse", "issue.txt", "--json"]);
    assert_eq!(issue["contents"]["found"], 0);
    assert_eq!(
        issue["contents"]["entries"].as_array().map(Vec::len),
        Some(3)
    );
    assert!(
        stderr.contains("contents: 3 entries, 0 found (0%)") && stderr.contains("반도체 수출 동향"),
        "{stderr}"
    );
    assert_eq!(mock.requests(), 0);
}

#[test]
fn a_valid_answer_places_the_entries_and_is_cached() {
    let reply = format!(
        "E1: L{}\nE2: L{}\nE3: L{}",
        line_of("가. 메모리 반도체, 수출 회복세"),
        line_of("나. 이차전지 업계의 향방"),
        line_of("다. AI 법안을 둘러싼 공방")
    );
    let (dir, mock) = setup(reply);
    let (issue, stderr) = parse_with_model(dir.path(), &mock);
    let model = |t: &str| (t.to_string(), "model".to_string());
    assert_eq!(
        articles(&issue),
        [
            model("가. 메모리 반도체, 수출 회복세"),
            model("나. 이차전지 업계의 향방"),
            model("다. AI 법안을 둘러싼 공방")
        ],
        "{stderr}"
    );
    assert_eq!(issue["contents"]["found"], 3);
    assert!(
        stderr.contains("the model placed the contents entries"),
        "{stderr}"
    );
    assert_eq!(mock.requests(), 1);
    // The answer is in the cache: a rerun asks nothing and gives the same.
    let (again, stderr) = parse_with_model(dir.path(), &mock);
    assert_eq!(mock.requests(), 1, "{stderr}");
    assert_eq!(articles(&again), articles(&issue));
}

#[test]
fn answers_out_of_order_or_naming_unseen_lines_change_nothing() {
    let a = line_of("가. 메모리 반도체, 수출 회복세");
    let c = line_of("다. AI 법안을 둘러싼 공방");
    for reply in [
        format!("E1: L{c}\nE2: none\nE3: L{a}"),
        format!(
            "E1: L{a}\nE2: L{}\nE3: L{c}",
            line_of("메모리 반도체 수출이 석 달 연속 늘었다.")
        ),
        "E1: L9999\nE2: L9998".to_string(),
        "I cannot tell.".to_string(),
    ] {
        let (dir, mock) = setup(reply.clone());
        let (issue, stderr) = parse_with_model(dir.path(), &mock);
        let (rules, _) = gloss(dir.path(), &["parse", "issue.txt", "--json"]);
        assert_eq!(articles(&issue), articles(&rules), "{reply}");
        assert!(
            stderr.contains("the rules' articles are kept"),
            "{reply}: {stderr}"
        );
        assert_eq!(mock.requests(), 1);
    }
}

#[test]
fn plan_counts_the_structure_request() {
    let (dir, mock) = setup("E1: none".into());
    let (plan, _) = gloss(
        dir.path(),
        &["plan", "issue.txt", "--json", "--base-url", &mock.base_url],
    );
    assert_eq!(plan["structure_requests"], 1, "{plan}");
    std::fs::write(dir.path().join("plain.txt"), "제목\n\n본문 한 줄.\n").expect("write");
    let (plan, _) = gloss(
        dir.path(),
        &["plan", "plain.txt", "--json", "--base-url", &mock.base_url],
    );
    assert_eq!(plan["structure_requests"], 0, "{plan}");
    assert_eq!(mock.requests(), 0);
}

/// A contents page whose entries the body repeats word for word: the rules
/// place all of them.
const PLAIN_ISSUE: &str = "월간 산업 동향\n\n목 차\n\n\
    1. 반도체 수출 동향 ........ 2\n\
    2. 배터리 시장 전망 ........ 3\n\
    3. 인공지능 규제 논의 ........ 4\n\
    \u{c}1. 반도체 수출 동향\n\n\
    메모리 반도체 수출이 석 달 연속 늘었다.\n\n\
    \u{c}2. 배터리 시장 전망\n\n\
    이차전지 업계는 내년 수요가 늘 것으로 본다.\n\n\
    \u{c}3. 인공지능 규제 논의\n\n\
    국회는 AI 기본법 논의를 이어 갔다.\n";

#[test]
fn model_mode_uses_a_valid_answer_even_when_the_rules_found_more() {
    let line = |text: &str| line_in(PLAIN_ISSUE, text);
    // The model places two of the three entries (valid, but fewer).
    let reply = format!(
        "E1: L{}\nE2: L{}\nE3: none",
        line("1. 반도체 수출 동향"),
        line("2. 배터리 시장 전망")
    );
    let (dir, mock) = setup(reply);
    std::fs::write(dir.path().join("issue.txt"), PLAIN_ISSUE).expect("write issue");
    let endpoint = [
        "--base-url",
        mock.base_url.as_str(),
        "--model",
        "mock-model",
    ];
    // Under the default `auto` the rules' 3 of 3 are not low: nothing is asked.
    let mut args = vec!["parse", "issue.txt", "--json", "--model-structure"];
    args.extend(endpoint);
    let (rules, _) = gloss(dir.path(), &args);
    assert_eq!(rules["contents"]["found"], 3);
    assert_eq!(mock.requests(), 0);
    // A profile with `structure = "model"` asks, and uses the answer.
    let config = dir.path().join("config-home").join("gloss");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(
        config.join("config.toml"),
        format!(
            "[profiles.m]\nbase_url = \"{}\"\nmodel = \"mock-model\"\nstructure = \"model\"\n",
            mock.base_url
        ),
    )
    .expect("write config");
    args.extend(["--profile", "m"]);
    let (issue, stderr) = gloss(dir.path(), &args);
    assert_eq!(mock.requests(), 1, "{stderr}");
    assert_eq!(issue["contents"]["found"], 2, "{stderr}");
    assert!(
        stderr.contains("the model placed the contents entries")
            && stderr.contains("the rules found 3"),
        "{stderr}"
    );
    let starts: Vec<String> = articles(&issue).into_iter().map(|(_, s)| s).collect();
    assert_eq!(starts, ["model", "model"], "{stderr}");
}

/// [`PLAIN_ISSUE`] with the third heading worded differently: the rules
/// place the first two entries, not the third.
fn half_issue() -> String {
    PLAIN_ISSUE.replace(
        "\u{c}3. 인공지능 규제 논의",
        "\u{c}다. AI 법안을 둘러싼 공방",
    )
}

#[test]
fn under_auto_the_answer_places_only_what_the_rules_did_not() {
    let issue = half_issue();
    let line = |text: &str| line_in(&issue, text);
    // The answer puts every entry on the third's heading: wrong for the
    // first two (out of order, so the whole answer was refused before),
    // right for the third.
    let third = line("다. AI 법안을 둘러싼 공방");
    let (dir, mock) = setup(format!("E1: L{third}\nE2: L{third}\nE3: L{third}"));
    std::fs::write(dir.path().join("issue.txt"), &issue).expect("write issue");
    let (rules, _) = gloss(dir.path(), &["parse", "issue.txt", "--json"]);
    assert_eq!(rules["contents"]["found"], 2);
    let (issue, stderr) = parse_with_model(dir.path(), &mock);
    assert_eq!(mock.requests(), 1, "{stderr}");
    assert_eq!(issue["contents"]["found"], 3, "{stderr}");
    let placed = articles(&issue);
    let titles: Vec<&str> = placed.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        titles,
        [
            "1. 반도체 수출 동향",
            "2. 배터리 시장 전망",
            "다. AI 법안을 둘러싼 공방"
        ],
        "{stderr}"
    );
    // The parse the model helped is marked as such (every article's start).
    assert!(
        placed.iter().all(|(_, start)| start == "model"),
        "{placed:?}"
    );
}
