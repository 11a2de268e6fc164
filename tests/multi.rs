//! Several issues in one run (`gloss run FILE… | DIR | GLOB`) against the
//! in-process mock server: inputs from files, a folder and a pattern; one
//! bad issue among good ones; the index (every issue, links that resolve,
//! escaping); the cross-issue brief's citation check; one concurrency limit
//! over all issues; and a rerun that sends nothing and writes the same bytes.
//!
//! The issues are small Korean texts written by each test; every
//! expectation about articles comes from `gloss parse --json` of them.
mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::Fault;
use common::workspace::{Workspace, assert_ok, files_under, parse_json, stdout_json, text};
use regex::Regex;
use serde_json::Value;

fn config_toml(url: &str) -> String {
    common::workspace::mock_profile_toml(url, "concurrency = 8\n")
}

/// A small issue: a heading and two articles, `n` making its text its own.
fn issue_text(n: usize) -> String {
    format!(
        "# 주간 산업 동향 제{n}호\n\n## 반도체 수출 증가 {n}\n\n반도체 수출이 {n}0% 증가했다. 정부는 지원을 확대한다.\n\n## 배터리 투자 확대 {n}\n\n배터리 투자가 {n}억 원 규모로 늘었다. 기업들은 공장을 짓는다.\n"
    )
}

/// A workspace holding `names` (relative paths) as issues 1, 2, 3….
fn workspace_with(names: &[&str]) -> Workspace {
    let ws = Workspace::start(config_toml);
    for (n, name) in names.iter().enumerate() {
        let path = ws.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, issue_text(n + 1)).unwrap();
    }
    ws
}

/// `gloss COMMAND ARGS… --profile mock --json --out OUT`.
fn gloss(ws: &Workspace, command: &str, args: &[&str], extra: &[&str]) -> Output {
    ws.cmd()
        .arg(command)
        .args(args)
        .args(["--profile", "mock", "--json", "--out"])
        .arg(ws.out())
        .args(extra)
        .output()
        .expect("run gloss")
}

/// The `input` of each issue of a multi-input `--json`, and its status.
fn statuses(json: &Value) -> Vec<(String, String)> {
    json["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .map(|i| {
            (
                i["input"].as_str().unwrap().to_string(),
                i["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn folders(index: &Value) -> Vec<String> {
    index["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["folder"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn files_a_folder_and_a_pattern_are_all_inputs() {
    let ws = workspace_with(&["issues/b.txt", "issues/a.txt", "issues/c.md"]);
    std::fs::write(ws.path().join("issues/notes.doc"), "not an issue").unwrap();

    let out = gloss(&ws, "run", &["issues/a.txt", "issues/b.txt"], &[]);
    assert_ok(&out);
    let json = stdout_json(&out);
    assert_eq!(
        statuses(&json),
        [
            ("issues/a.txt".into(), "ok".into()),
            ("issues/b.txt".into(), "ok".into())
        ]
    );
    for stem in ["a", "b"] {
        assert!(ws.out().join(stem).join("digest.html").is_file());
        assert!(ws.out().join(stem).join("brief.md").is_file());
    }
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(ws.out().join("index.json")).unwrap())
            .unwrap();
    assert_eq!(folders(&index), ["a", "b"]);
    let listed: Vec<String> = json["index_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    for name in [
        "index.md",
        "index.html",
        "index.json",
        "week.md",
        "week.html",
    ] {
        assert!(
            listed.iter().any(|f| f.ends_with(name)),
            "{name} not in {listed:?}"
        );
    }

    // A folder: its .txt, .pdf and .md files, sorted; nothing else.
    let out = gloss(&ws, "run", &["issues"], &[]);
    assert_ok(&out);
    let got: Vec<String> = statuses(&stdout_json(&out))
        .into_iter()
        .map(|(i, _)| i)
        .collect();
    assert_eq!(got, ["issues/a.txt", "issues/b.txt", "issues/c.md"]);

    // A pattern the shell left alone is expanded by gloss.
    let out = gloss(&ws, "translate", &["issues/*.txt"], &[]);
    assert_ok(&out);
    let got: Vec<String> = statuses(&stdout_json(&out))
        .into_iter()
        .map(|(i, _)| i)
        .collect();
    assert_eq!(got, ["issues/a.txt", "issues/b.txt"]);

    // The same issue twice is refused before anything is sent.
    let before = ws.mock.requests();
    let out = gloss(&ws, "run", &["issues/a.txt", "issues/../issues/a.txt"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("twice"), "{}", text(&out.stderr));
    assert_eq!(ws.mock.requests(), before);

    // plan takes several issues too.
    let out = ws
        .cmd()
        .args(["plan", "issues", "--profile", "mock", "--json"])
        .output()
        .unwrap();
    assert_ok(&out);
    let plan = stdout_json(&out);
    assert_eq!(plan["inputs"].as_array().unwrap().len(), 3);
    assert!(plan["totals"]["requests"].as_u64().unwrap() >= 3);
}

#[test]
fn one_file_alone_keeps_the_single_issue_output() {
    let ws = workspace_with(&["a.txt"]);
    let out = gloss(&ws, "run", &["a.txt"], &[]);
    assert_ok(&out);
    let json = stdout_json(&out);
    assert!(
        json.get("inputs").is_none() && json["input"].is_string(),
        "{json}"
    );
    assert!(!ws.out().join("index.json").exists());
}

#[test]
fn one_bad_issue_does_not_stop_the_others() {
    let ws = workspace_with(&["a.txt", "b.txt"]);
    std::fs::write(ws.path().join("empty.txt"), "").unwrap();
    let out = gloss(
        &ws,
        "run",
        &["a.txt", "missing.txt", "empty.txt", "b.txt"],
        &[],
    );
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let json = stdout_json(&out);
    assert_eq!(
        statuses(&json),
        [
            ("a.txt".into(), "ok".into()),
            ("missing.txt".into(), "failed".into()),
            ("empty.txt".into(), "failed".into()),
            ("b.txt".into(), "ok".into()),
        ]
    );
    assert_eq!(json["exit_status"], 4);
    let stderr = text(&out.stderr);
    for bad in ["missing.txt", "empty.txt"] {
        let line = stderr
            .lines()
            .find(|l| l.contains(&format!("{bad}: failed")))
            .unwrap_or_else(|| panic!("no failure line for {bad}:\n{stderr}"));
        let error = json["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["input"] == bad)
            .unwrap()["error"]
            .as_str()
            .unwrap()
            .to_string();
        // The reason, without the file name it starts with.
        let reason = error.strip_prefix(&format!("{bad}: ")).unwrap_or(&error);
        assert!(
            line.ends_with(&format!("{bad}: failed: {reason}")),
            "{line} / {error}"
        );
    }
    let summary = stderr.lines().last().unwrap();
    assert!(
        summary.contains("2 failed (missing.txt, empty.txt)"),
        "{summary}"
    );
    for stem in ["a", "b"] {
        assert!(ws.out().join(stem).join("digest.md").is_file());
    }
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(ws.out().join("index.json")).unwrap())
            .unwrap();
    assert_eq!(folders(&index), ["a", "missing", "empty", "b"]);
    assert_eq!(index["issues"][1]["status"], "failed");

    // Every issue failing is an error.
    let out = gloss(&ws, "run", &["missing.txt", "empty.txt"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
}

/// Every relative link of a page under `out`, without its fragment.
fn relative_links(page: &str) -> Vec<String> {
    let href = Regex::new(r##"href="([^"#]*)(#[^"]*)?""##).unwrap();
    href.captures_iter(page)
        .map(|c| c[1].to_string())
        .filter(|l| !l.is_empty() && !l.starts_with("http"))
        .collect()
}

#[test]
fn the_index_lists_every_issue_links_its_files_and_escapes() {
    // A file name is the one title no parse can change: shown escaped.
    let nasty = "x<script>.txt";
    let ws = workspace_with(&["a.txt", nasty]);
    let out = gloss(&ws, "run", &["a.txt", nasty], &[]);
    assert_ok(&out);
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(ws.out().join("index.json")).unwrap())
            .unwrap();
    let issues = index["issues"].as_array().unwrap();
    assert_eq!(issues.len(), 2);
    for issue in issues {
        assert_eq!(issue["status"], "ok");
        assert!(
            !issue["headlines"].as_array().unwrap().is_empty(),
            "{issue}"
        );
        for f in issue["files"].as_array().unwrap() {
            assert!(ws.out().join(f.as_str().unwrap()).is_file(), "{f} missing");
        }
    }
    let html = std::fs::read_to_string(ws.out().join("index.html")).unwrap();
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("x&lt;script&gt;.txt"), "{html}");
    let links = relative_links(&html);
    for stem in ["a", "x_script_"] {
        assert!(
            links.iter().any(|l| l == &format!("{stem}/digest.html")),
            "{stem}: {links:?}"
        );
    }
    for page in ["index.html", "week.html"] {
        let html = std::fs::read_to_string(ws.out().join(page)).unwrap();
        for link in relative_links(&html) {
            assert!(
                ws.out().join(&link).is_file(),
                "{page} links {link}, which does not exist"
            );
        }
    }
    let md = std::fs::read_to_string(ws.out().join("index.md")).unwrap();
    assert!(!md.contains("<script>"), "{md}");
    let md_link = Regex::new(r"\]\(<([^>]+)>\)").unwrap();
    let targets: Vec<String> = md_link
        .captures_iter(&md)
        .map(|c| c[1].to_string())
        .collect();
    assert!(!targets.is_empty());
    for t in targets {
        assert!(
            ws.out().join(&t).is_file(),
            "index.md links {t}, which does not exist"
        );
    }
}

#[test]
fn the_cross_issue_brief_keeps_real_citations_and_removes_fakes() {
    let ws = workspace_with(&["one.txt", "two.txt"]);
    let ids = |name: &str| -> Vec<String> {
        parse_json(&ws, &ws.path().join(name))["articles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (one, two) = (ids("one.txt"), ids("two.txt"));
    let (a, b) = (&one[one.len() - 1], &two[0]);
    let reply = format!(
        "## Headlines\n- Chips lead [one {a}]\n- Batteries too [two {b}]\n- Invented [nosuch A01]\n\n## What to watch\n- Both [one {a}; two {b}]\n"
    );
    ws.mock.configure(|c| {
        c.fault_when_user_contains = Some(("Issues: 2".into(), Fault::Reply(reply.clone())))
    });
    let out = gloss(&ws, "run", &["one.txt", "two.txt"], &[]);
    assert_ok(&out);
    let stderr = text(&out.stderr);
    assert!(
        stderr
            .lines()
            .any(|l| l.contains("warning") && l.contains("nosuch A01")),
        "{stderr}"
    );
    let week = std::fs::read_to_string(ws.out().join("week.md")).unwrap();
    assert!(!week.contains("nosuch"), "{week}");
    assert!(
        week.contains(&format!("[one {a}]")) && week.contains(&format!("[two {b}]")),
        "{week}"
    );
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(ws.out().join("index.json")).unwrap())
            .unwrap();
    assert_eq!(
        index["week"]["removed_citations"],
        serde_json::json!(["nosuch A01"])
    );
    assert_eq!(index["week"]["origin"], "model");
    let cited: BTreeSet<&str> = index["week"]["cited"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        cited,
        BTreeSet::from([format!("one {a}").as_str(), format!("two {b}").as_str()])
    );
    let html = std::fs::read_to_string(ws.out().join("week.html")).unwrap();
    assert!(
        html.contains(&format!("href=\"one/digest.html#{a}\"")),
        "{html}"
    );

    // The request carried each issue's headlines, cited by issue.
    let asked: Vec<String> = ws
        .mock
        .user_messages()
        .into_iter()
        .filter(|m| m.starts_with("Issues: 2"))
        .collect();
    assert_eq!(asked.len(), 1);
    assert!(
        asked[0].contains("Issue one") && asked[0].contains("[two "),
        "{}",
        asked[0]
    );

    // An answer that cites nothing real gives way to the summaries.
    ws.mock.configure(|c| {
        c.fault_when_user_contains = Some((
            "Issues: 2".into(),
            Fault::Reply("## Headlines\n- [nosuch A01]\n".into()),
        ))
    });
    let out = gloss(&ws, "run", &["one.txt", "two.txt"], &["--refresh"]);
    assert_ok(&out);
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(ws.out().join("index.json")).unwrap())
            .unwrap();
    assert!(
        index["week"]["origin"]
            .as_str()
            .unwrap()
            .starts_with("fallback"),
        "{index}"
    );
    assert!(!index["week"]["cited"].as_array().unwrap().is_empty());
}

#[test]
fn all_issues_share_one_concurrency_limit() {
    let names = ["a.txt", "b.txt", "c.txt", "d.txt"];
    let ws = workspace_with(&names);
    ws.mock.set_delay(40, 0);
    let out = gloss(&ws, "run", &names, &["--jobs", "2"]);
    assert_ok(&out);
    let max = ws.mock.max_in_flight();
    // Issues with their own limits of 2 would reach 4 (two issues at a time).
    assert!(max <= 2, "{max} requests in flight with --jobs 2");
    assert_eq!(max, 2, "the issues did not run concurrently");
    assert!(ws.mock.requests() >= 4 * 3, "{}", ws.mock.requests());
}

#[test]
fn a_rerun_sends_nothing_and_writes_the_same_bytes() {
    let names = ["a.txt", "b.txt", "c.txt"];
    let ws = workspace_with(&names);
    let out = gloss(&ws, "run", &names, &[]);
    assert_ok(&out);
    let snapshot = |out: &Path| -> Vec<(PathBuf, Vec<u8>)> {
        let mut files: Vec<(PathBuf, Vec<u8>)> = files_under(out)
            .into_iter()
            .filter(|f| !f.ends_with("manifest.json"))
            .map(|f| (f.clone(), std::fs::read(&f).unwrap()))
            .collect();
        files.sort();
        files
    };
    let first = snapshot(&ws.out());
    assert!(first.len() >= 3 * 6 + 5, "{}", first.len());
    let sent = ws.mock.requests();
    let out = gloss(&ws, "run", &names, &[]);
    assert_ok(&out);
    assert_eq!(ws.mock.requests(), sent, "a rerun sent requests");
    assert_eq!(stdout_json(&out)["totals"]["requests"], 0);
    let second = snapshot(&ws.out());
    assert_eq!(first.len(), second.len());
    for ((path, a), (_, b)) in first.iter().zip(&second) {
        assert!(a == b, "{} changed on the rerun", path.display());
    }
}

/// An issue whose front matter has no heading (a masthead line, then
/// numbered articles) is named in the index by its masthead, not by the
/// parser's label "Front matter" (every issue was "— Front matter").
#[test]
fn an_issue_without_a_heading_is_named_by_its_masthead() {
    let ws = Workspace::start(config_toml);
    for (n, name) in ["w1.txt", "w2.txt"].iter().enumerate() {
        let text = format!(
            "테크 뉴스레터 2025년 제{n}호\n\n1. 반도체 수출 증가\n\n반도체 수출이 {n}0% 증가했다. 정부는 지원을 확대한다.\n\n2. 배터리 투자 확대\n\n배터리 투자가 늘었다. 기업들은 공장을 짓는다.\n"
        );
        std::fs::write(ws.path().join(name), text).unwrap();
    }
    let parsed = common::workspace::parse_json(&ws, &ws.path().join("w1.txt"));
    assert_eq!(
        parsed["articles"][0]["title"], "Front matter",
        "the case this is about"
    );
    let out = gloss(&ws, "run", &["w1.txt", "w2.txt"], &[]);
    assert_ok(&out);
    let md = std::fs::read_to_string(ws.out().join("index.md")).unwrap();
    assert!(!md.contains("Front matter"), "{md}");
    for n in 0..2 {
        let masthead = format!("테크 뉴스레터 2025년 제{n}호");
        let english = common::workspace::expected_translation(&masthead);
        assert!(md.contains(&english), "{md}");
    }
}
