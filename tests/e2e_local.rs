//! End-to-end against a real OpenAI-compatible server (llama.cpp's
//! llama-server started by `scripts/local-model up`): `gloss run` translates
//! and summarizes two articles of the sample and writes the brief. Runs only
//! when GLOSS_E2E_BASE_URL is set; otherwise it says so and passes as
//! skipped — except in CI (CI=true), where a missing server is a failure.
//! The brief check says which brief it got: the model's own, or the one gloss
//! assembles from the summaries when the model's is unusable (small models);
//! GLOSS_E2E_BRIEF=model demands the model's own.

use std::path::Path;

use assert_cmd::cargo::cargo_bin_cmd;

fn hangul(text: &str) -> usize {
    text.chars()
        .filter(|c| matches!(*c as u32, 0xAC00..=0xD7AF))
        .count()
}

#[test]
fn real_local_server_runs_two_articles_and_reruns_from_cache() {
    let Ok(base_url) = std::env::var("GLOSS_E2E_BASE_URL") else {
        let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
        assert!(
            !ci,
            "CI is set but GLOSS_E2E_BASE_URL is not: the real-server test must run in CI (.ci/run starts the server with scripts/local-model up)"
        );
        eprintln!(
            "SKIPPED real_local_server_runs_two_articles…: GLOSS_E2E_BASE_URL is not set (run `scripts/local-model up` and export it)"
        );
        return;
    };
    let model =
        std::env::var("GLOSS_E2E_MODEL").unwrap_or_else(|_| "qwen2.5-coder-0.5b-instruct".into());
    let dir = tempfile::tempdir().unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/trendwatch-2023-22.txt");
    let run = || -> (serde_json::Value, String) {
        let out = cargo_bin_cmd!("gloss")
            .current_dir(dir.path())
            .env("GLOSS_DATA_DIR", dir.path().join("data"))
            .env_remove("OPENAI_API_KEY")
            .args([
                "run",
                sample.to_str().unwrap(),
                "--profile",
                "local",
                "--base-url",
                &base_url,
            ])
            .args(["--model", &model, "--articles", "C01,C04", "--json"])
            .arg("--cache-dir")
            .arg(dir.path().join("cache"))
            .arg("--out")
            .arg(dir.path().join("out"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "gloss failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // `--json` prints the run; its totals are what this test reads.
        (
            serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["totals"].clone(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (cold, cold_stderr) = run();
    assert!(cold["requests"].as_u64().unwrap() >= 2, "{cold}");
    assert_eq!(
        cold["usage_from_server"], true,
        "usage must come from the server: {cold}"
    );
    assert!(cold["tokens_in"].as_u64().unwrap() > 0);

    let out = dir.path().join("out/trendwatch-2023-22");
    let digest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("digest.json")).unwrap()).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    for chunk in manifest["chunks"].as_array().unwrap() {
        if chunk["requests"].as_u64().unwrap() > 0 {
            assert_eq!(chunk["usage_reported"], true, "{chunk}");
            assert!(chunk["tokens_out"].as_u64().unwrap() > 0, "{chunk}");
        }
    }
    // Every segment has English text, or is explicitly flagged.
    for article in digest["articles"].as_array().unwrap() {
        for s in article["segments"].as_array().unwrap() {
            match s["translation"].as_str() {
                // Hangul left in an "ok" segment means a quality check missed it.
                Some(t) if s["status"] == "ok" => {
                    let latin = t.chars().filter(|c| c.is_ascii_alphabetic()).count();
                    assert!(latin > hangul(t), "not English: {t}");
                }
                Some(_) => assert!(!s["flags"].as_array().unwrap().is_empty(), "{s}"),
                None => assert_eq!(s["status"], "failed", "{s}"),
            }
        }
    }
    // Summaries of both articles, and a brief that cites only real ids.
    for article in digest["articles"].as_array().unwrap() {
        let summary = &article["summary"];
        let text = summary["text"].as_str().unwrap_or_default();
        let points = summary["key_points"].as_array().map_or(0, Vec::len);
        assert!(
            !text.is_empty() || points > 0,
            "no summary for {}: {summary}; requests: {}",
            article["id"],
            manifest["requests"]
        );
    }
    let brief = std::fs::read_to_string(out.join("brief.md")).unwrap();
    assert!(brief.contains("## Headlines"), "{brief}");
    let cited: Vec<&str> = brief
        .match_indices('[')
        .filter_map(|(i, _)| brief.get(i + 1..i + 4))
        .collect();
    assert!(cited.iter().any(|c| *c == "C01" || *c == "C04"), "{brief}");
    check_which_brief(&out, &digest, &cold_stderr);
    let (warm, _) = run();
    assert_eq!(
        warm["requests"], 0,
        "rerun must be served from the cache: {warm}"
    );
}

/// Which brief the run wrote, checked against what the pipeline labels it
/// (`brief.origin` in brief.json): the model's own, or gloss's assembled
/// fallback, whose headlines are the summaries' first sentences.
fn check_which_brief(out: &Path, digest: &serde_json::Value, stderr: &str) {
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("brief.json")).unwrap()).unwrap();
    let brief = &json["brief"];
    let origin = brief["origin"].as_str().unwrap_or_default();
    let markdown = brief["markdown"].as_str().unwrap_or_default();
    let notice = "*The model's brief was not usable (";
    let warned = stderr.contains("the model's brief was not usable");
    if origin == "model" {
        eprintln!("e2e brief: the model's own brief");
        assert!(
            !markdown.starts_with(notice),
            "labelled model, assembled: {markdown}"
        );
        assert!(!warned, "labelled model, but the run warned: {stderr}");
    } else {
        let reason = origin.strip_prefix("fallback: ");
        assert!(reason.is_some(), "unknown brief origin {origin:?}");
        eprintln!(
            "e2e brief: gloss's assembled fallback (the model's brief was unusable: {})",
            reason.unwrap_or_default()
        );
        assert!(markdown.starts_with(notice), "{markdown}");
        assert!(warned, "the fallback must be announced on stderr: {stderr}");
        for article in digest["articles"].as_array().unwrap() {
            let first = article["summary"]["text"]
                .as_str()
                .and_then(|t| t.lines().next())
                .unwrap_or_default();
            let sentence = first.split_inclusive(". ").next().unwrap_or(first).trim();
            let id = article["id"].as_str().unwrap();
            assert!(
                markdown.contains(&format!("- {sentence} [{id}]")),
                "no headline from {id}'s summary {sentence:?}: {markdown}"
            );
        }
        assert_ne!(
            std::env::var("GLOSS_E2E_BRIEF").as_deref(),
            Ok("model"),
            "GLOSS_E2E_BRIEF=model: the model's own brief was required"
        );
    }
}
