//! The one-bad-byte file through the real binary: `gloss parse` reads the
//! sample issue with one byte corrupted as UTF-8 (not windows-1252
//! mojibake), says so once on stderr, and parses the same articles as the
//! clean file.

mod common;

use std::path::Path;

/// `gloss parse --json PATH` in a fresh folder: the JSON and stderr.
fn parse(path: &Path) -> (serde_json::Value, String) {
    let dir = tempfile::tempdir().unwrap();
    common::gloss_json_in(
        dir.path(),
        &["parse".as_ref(), "--json".as_ref(), path.as_os_str()],
    )
}

#[test]
fn one_bad_byte_is_replaced_reported_and_parsed_as_utf8() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/trendwatch-2023-22.txt");
    let original = std::fs::read_to_string(&sample).unwrap();
    // The last byte of the first Hangul character of line 30 on: `?`.
    let from: usize = original.split('\n').take(29).map(|l| l.len() + 1).sum();
    let (offset, c) = original[from..]
        .char_indices()
        .find(|(_, c)| ('가'..='힣').contains(c))
        .unwrap();
    let at = from + offset;
    let line = 1 + original[..at].matches('\n').count();
    let mut bytes = original.clone().into_bytes();
    bytes[at + c.len_utf8() - 1] = b'?';
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("issue.txt");
    std::fs::write(&bad, &bytes).unwrap();

    let (clean, clean_err) = parse(&sample);
    let (parsed, stderr) = parse(&bad);
    assert!(!clean_err.contains("U+FFFD"), "{clean_err}");
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.contains("U+FFFD")).collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(
        warnings[0].starts_with("gloss: warning: ")
            && warnings[0].contains("1 invalid UTF-8 byte sequence")
            && warnings[0].contains(&format!("first on line {line}")),
        "{stderr}"
    );
    // Same articles, same titles: nothing turned into mojibake.
    let titles = |v: &serde_json::Value| -> Vec<String> {
        v["articles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["title"].as_str().unwrap().to_string())
            .collect()
    };
    let (want, got) = (titles(&clean), titles(&parsed));
    assert_eq!(want.len(), got.len());
    let differing = want.iter().zip(&got).filter(|(w, g)| w != g).count();
    assert!(differing <= 1, "{differing} titles differ");
    let text = serde_json::to_string(&parsed).unwrap();
    assert_eq!(text.matches('\u{FFFD}').count(), 1);
}
