//! A cached chunk plan is used only when it is a plan of the article it is
//! stored for: `gloss plan` run twice, with every plan entry of the cache
//! tampered with in between, prints the same plan and rewrites the entries.

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

/// Where nothing listens: `plan` must not need the endpoint.
const NOWHERE: &str = "http://127.0.0.1:9/v1";

const ISSUE: &str = "반도체 산업의 새로운 전망\n\n\
    한국 반도체 업계는 올해 수출이 크게 늘었다고 밝혔다.\n\n\
    정부는 지원책을 확대할 계획이다.\n";

/// `gloss plan INPUT --json` in `dir` (its cache in `dir/cache`).
fn plan(dir: &Path, input: &Path) -> Value {
    let args = [
        "plan".as_ref(),
        input.as_os_str(),
        "--json".as_ref(),
        "--base-url".as_ref(),
        NOWHERE.as_ref(),
    ];
    common::gloss_json_in(dir, &args).0
}

/// The cache's plan entries: path and content.
fn plan_entries(cache: &Path) -> Vec<(PathBuf, Value)> {
    let mut found = Vec::new();
    for shard in std::fs::read_dir(cache.join("v1")).unwrap().flatten() {
        for file in std::fs::read_dir(shard.path()).unwrap().flatten() {
            let entry: Value =
                serde_json::from_slice(&std::fs::read(file.path()).unwrap()).unwrap();
            if entry["kind"] == "plan" {
                found.push((file.path(), entry));
            }
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

#[test]
fn a_tampered_plan_entry_is_redone_not_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("issue.txt");
    std::fs::write(&input, ISSUE).unwrap();
    let first = plan(dir.path(), &input);

    let entries = plan_entries(&dir.path().join("cache"));
    assert!(!entries.is_empty(), "plan wrote no plan entries");
    for (path, mut entry) in entries.clone() {
        // Wrong text under the right ids, and a token count that lies.
        let segment = &mut entry["value"][0]["segments"][0];
        let text = segment["text"].as_str().unwrap().to_string();
        segment["text"] = Value::from(format!("{text} TAMPERED"));
        entry["value"][0]["tokens"] = Value::from(1);
        std::fs::write(&path, serde_json::to_vec(&entry).unwrap()).unwrap();
    }

    let second = plan(dir.path(), &input);
    assert_eq!(first, second, "the tampered plan was used");
    let after = plan_entries(&dir.path().join("cache"));
    assert_eq!(after.len(), entries.len());
    for ((path, before), (_, now)) in entries.iter().zip(&after) {
        assert_eq!(
            now["value"],
            before["value"],
            "{} not rewritten",
            path.display()
        );
    }
}
