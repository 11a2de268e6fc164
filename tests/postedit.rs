//! Post-editing and the translation memory through the real binary and the
//! mock server: `gloss export` → edit → `gloss import` → rerun.
//!
//! The files are edited two ways: by translate-toolkit (PyPI, the reader
//! CAT pipelines use; `.ci/run` installs it), which must open every format
//! and see every segment, and by plain text replacement where the test is
//! about gloss's side alone.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::workspace::{Workspace, assert_ok, files_under, text, totals};
use common::{RequestKind, mock_translation};
use serde_json::Value;

fn config_toml(url: &str) -> String {
    common::workspace::mock_profile_toml(url, "section_names = false\n")
}

fn gloss(ws: &Workspace, args: &[&str], input: &Path) -> Output {
    let mut cmd = ws.cmd();
    cmd.arg(args[0]).arg(input).args(&args[1..]);
    cmd.output().expect("run gloss")
}

/// `gloss translate INPUT --json` (plus `extra`); its totals.
fn translate(ws: &Workspace, input: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["translate", "--profile", "mock", "--json"];
    args.extend(extra);
    totals(&gloss(ws, &args, input))
}

fn import(ws: &Workspace, file: &Path) -> Output {
    ws.cmd()
        .arg("import")
        .arg(file)
        .output()
        .expect("run gloss import")
}

/// Segment id → (translation, human) of a digest.json, titles as `A01.t`.
fn digest_segments(digest: &Value) -> BTreeMap<String, (String, bool)> {
    let mut out = BTreeMap::new();
    for a in digest["articles"].as_array().unwrap() {
        let title = a["title_translation"].as_str().unwrap_or_default();
        out.insert(
            format!("{}.t", a["id"].as_str().unwrap()),
            (title.to_string(), false),
        );
        for s in a["segments"].as_array().unwrap() {
            out.insert(
                s["id"].as_str().unwrap().to_string(),
                (
                    s["translation"].as_str().unwrap_or_default().to_string(),
                    s["human"].as_bool().unwrap_or(false),
                ),
            );
        }
    }
    out
}

/// The ids in `after` whose translation differs from `before`'s.
fn changed(
    before: &BTreeMap<String, (String, bool)>,
    after: &BTreeMap<String, (String, bool)>,
) -> Vec<String> {
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    after
        .iter()
        .filter(|(id, t)| before[*id] != **t)
        .map(|(id, _)| id.clone())
        .collect()
}

/// Whether python3 with translate-toolkit is there; in CI it must be.
fn translate_toolkit() -> bool {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import translate.storage.factory"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI: python3 with translate-toolkit is needed (pip install translate-toolkit)"
        );
        eprintln!(
            "skipped: python3 with translate-toolkit not found (pip install translate-toolkit)"
        );
    }
    ok
}

/// Run a Python script with translate-toolkit; its stdout as JSON.
fn python(script: &str, args: &[&Path]) -> Value {
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "python failed:\n{}",
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("python printed JSON")
}

/// Every translatable unit of a file as translate-toolkit reads it: id
/// (PO: msgctxt), source, target.
const READ_UNITS: &str = r#"
import json, sys
from translate.storage import factory
store = factory.getobject(sys.argv[1])
units = []
for u in store.units:
    if u.isheader() or not u.source:
        continue
    # translate-toolkit prefixes an XLIFF id with its file's name.
    uid = u.getcontext() if sys.argv[1].endswith(".po") else u.getid().split("\x04")[-1]
    units.append([uid, str(u.source), str(u.target or "")])
print(json.dumps({"class": type(store).__name__, "units": units}))
"#;

/// Change the targets of three paragraphs through translate-toolkit's own
/// API and save the file. A correction holds for its source text wherever
/// it occurs, so the three are paragraphs whose text occurs once.
const EDIT_THREE: &str = r#"
import json, sys
from collections import Counter
from translate.storage import factory
store = factory.getobject(sys.argv[1])
units = [u for u in store.units if not u.isheader() and u.target]
count = Counter(str(u.source) for u in units)
changed = []
for u in units[5:]:
    uid = u.getid().split("\x04")[-1]
    if uid.endswith(".t") or count[str(u.source)] > 1 or len(changed) == 3:
        continue
    u.target = "Reviewed: " + str(u.source)[:20] + " (checked by hand)"
    changed.append([uid, str(u.target)])
store.save()
print(json.dumps(changed))
"#;

/// Segment id → (source, translation) of the digest, titles as `A01.t`.
fn digest_pairs(digest: &Value) -> BTreeMap<String, (String, String)> {
    let mut out = BTreeMap::new();
    for a in digest["articles"].as_array().unwrap() {
        let id = a["id"].as_str().unwrap();
        out.insert(
            format!("{id}.t"),
            (
                a["title"].as_str().unwrap().to_string(),
                a["title_translation"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            ),
        );
        for s in a["segments"].as_array().unwrap() {
            out.insert(
                s["id"].as_str().unwrap().to_string(),
                (
                    s["source"].as_str().unwrap().to_string(),
                    s["translation"].as_str().unwrap_or_default().to_string(),
                ),
            );
        }
    }
    out
}

#[test]
fn translate_toolkit_reads_every_format_and_a_round_trip_changes_exactly_three_segments() {
    if !translate_toolkit() {
        return;
    }
    let ws = Workspace::seeded("postedit", config_toml);
    let sample = common::workspace::sample();
    translate(&ws, &sample, &[]);
    let digest = ws.json("digest.json");
    let expected = digest_pairs(&digest);
    // Titles with empty sources (front matter) are not segments.
    let expected: BTreeMap<_, _> = expected
        .into_iter()
        .filter(|(_, (s, _))| !s.is_empty())
        .collect();
    for format in ["xliff", "tmx", "po"] {
        let file = ws.path().join(format!("review.{format}"));
        let out = ws
            .cmd()
            .arg("export")
            .arg(&sample)
            .args(["--profile", "mock", "--format", format, "-o"])
            .arg(&file)
            .output()
            .unwrap();
        assert_ok(&out);
        let read = python(READ_UNITS, &[&file]);
        let units: BTreeMap<String, (String, String)> = read["units"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| {
                let s = |i: usize| u[i].as_str().unwrap().to_string();
                (s(0), (s(1), s(2)))
            })
            .collect();
        assert_eq!(
            units, expected,
            "{format}: translate-toolkit ({}) sees every segment with its source and target",
            read["class"]
        );
    }
    // The round trip: three targets changed in translate-toolkit, imported.
    let xlf = ws.path().join("review.xliff");
    let edited = python(EDIT_THREE, &[&xlf]);
    let edited: BTreeMap<String, String> = edited
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e[0].as_str().unwrap().into(), e[1].as_str().unwrap().into()))
        .collect();
    assert_eq!(edited.len(), 3);
    let out = import(&ws, &xlf);
    assert_ok(&out);
    assert!(
        text(&out.stdout).contains("3 corrected"),
        "{}",
        text(&out.stdout)
    );
    let before = digest_segments(&digest);
    let t = translate(&ws, &sample, &[]);
    assert_eq!(t["requests"], 0, "the rerun after the import sends nothing");
    let after = digest_segments(&ws.json("digest.json"));
    assert_eq!(
        changed(&before, &after),
        edited.keys().cloned().collect::<Vec<_>>()
    );
    for (id, target) in &edited {
        assert_eq!(after[id], (target.clone(), true), "{id}");
    }
    // --refresh asks the model again for everything else, not for these.
    let t = translate(&ws, &sample, &["--refresh"]);
    assert!(t["requests"].as_u64().unwrap() > 0);
    let refreshed = digest_segments(&ws.json("digest.json"));
    assert_eq!(
        refreshed, after,
        "the mock answers alike; the corrections stay"
    );
    assert!(
        ws.read("digest.html")
            .contains("corrected or approved by a reviewer")
    );
    let manifest = ws.json("manifest.json");
    let human: Vec<&str> = manifest["human"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(human, edited.keys().map(String::as_str).collect::<Vec<_>>());
}

/// Replace `old` by `new` in the file (which must hold it).
fn edit(path: &Path, old: &str, new: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(old), "{old:?} not in {}", path.display());
    std::fs::write(path, text.replacen(old, new, 1)).unwrap();
}

/// A small issue: two articles, each paragraph its own sentence.
const ISSUE_ONE: &str = "# 주간 동향 1호

## 반도체 수출 규제

미국 상무부가 첨단 반도체 수출 통제를 강화했다.

규제 대상 국가는 43개국이 추가되었다.

본 자료는 공개 자료를 바탕으로 작성되었으며 투자 권유가 아니다.

## 배터리 양산

전고체 배터리 양산이 내년에 시작된다.

문의는 산업정책팀 담당자에게 하면 된다.
";

/// The next issue: new articles around two of the first one's paragraphs.
const ISSUE_TWO: &str = "# 주간 동향 2호

## 인공지능 모델

새로운 공개 모델이 여러 추론 평가에서 더 큰 모델을 앞섰다.

본 자료는 공개 자료를 바탕으로 작성되었으며 투자 권유가 아니다.

## 자동차 시장

전기차 판매가 지난달 크게 늘었다.

문의는 산업정책팀 담당자에게 하면 된다.
";

const SHARED: [&str; 2] = [
    "본 자료는 공개 자료를 바탕으로 작성되었으며 투자 권유가 아니다.",
    "문의는 산업정책팀 담당자에게 하면 된다.",
];

fn write_issue(ws: &Workspace, name: &str, text: &str) -> PathBuf {
    let path = ws.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Export `input` as PO and return the file's path.
fn export_po(ws: &Workspace, input: &Path, name: &str) -> PathBuf {
    let file = ws.path().join(name);
    let out = ws
        .cmd()
        .arg("export")
        .arg(input)
        .args(["--profile", "mock", "--format", "po", "-o"])
        .arg(&file)
        .output()
        .unwrap();
    assert_ok(&out);
    file
}

/// The PO `msgstr` line of the unit whose source is `source`, as exported.
fn msgstr_of(source: &str) -> String {
    format!(
        "msgid \"{source}\"\nmsgstr \"{}\"",
        mock_translation(source)
    )
}

#[test]
fn corrections_survive_refresh_and_a_source_edit_sets_them_aside_with_a_report() {
    let ws = Workspace::start(config_toml);
    let issue = write_issue(&ws, "weekly-1.txt", ISSUE_ONE);
    translate(&ws, &issue, &[]);
    let source = "전고체 배터리 양산이 내년에 시작된다.";
    let po = export_po(&ws, &issue, "weekly-1.po");
    edit(
        &po,
        &msgstr_of(source),
        &format!(
            "msgid \"{source}\"\nmsgstr \"Solid-state batteries go into production next year.\""
        ),
    );
    let out = import(&ws, &po);
    assert_ok(&out);
    let out_dir = |ws: &Workspace| ws.out().join("weekly-1").join("digest.json");
    let read = |ws: &Workspace| common::workspace::read_json(&out_dir(ws));
    let requests = ws.mock.requests();
    translate(&ws, &issue, &[]);
    assert_eq!(ws.mock.requests(), requests, "a plain rerun sends nothing");
    let human = |d: &Value| {
        digest_segments(d)
            .into_iter()
            .filter(|(_, (_, h))| *h)
            .map(|(id, (t, _))| (id, t))
            .collect::<Vec<_>>()
    };
    let id = "A02.p01".to_string();
    let fixed = vec![(
        id.clone(),
        "Solid-state batteries go into production next year.".to_string(),
    )];
    assert_eq!(human(&read(&ws)), fixed);
    translate(&ws, &issue, &["--refresh"]);
    assert!(ws.mock.requests() > requests, "--refresh asks again");
    assert_eq!(human(&read(&ws)), fixed, "--refresh keeps the correction");
    // `gloss qa` counts it as resolved, never as flagged.
    let out = gloss(&ws, &["qa", "--profile", "mock", "--strict"], &issue);
    assert_ok(&out);
    // The source of the corrected paragraph changes: the correction is not
    // applied to the new text, and the run says so.
    edit(&issue, source, "전고체 배터리 양산이 2028년에 시작된다.");
    let out = gloss(&ws, &["translate", "--profile", "mock", "--json"], &issue);
    assert_ok(&out);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{id}: its source changed since a reviewer corrected it"
        )),
        "{stderr}"
    );
    assert!(human(&read(&ws)).is_empty());
    let segments = digest_segments(&read(&ws));
    assert_eq!(
        segments[&id].0,
        mock_translation("전고체 배터리 양산이 2028년에 시작된다.")
    );
    // The old file imported again now: kept aside, reported, not applied.
    let out = import(&ws, &po);
    assert_ok(&out);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("1 corrections kept aside"), "{stderr}");
    assert!(stderr.contains(&id), "{stderr}");
    let aside = std::fs::read_to_string(ws.cache().join("memory/aside.jsonl")).unwrap();
    assert!(aside.contains("Solid-state batteries"), "{aside}");
    translate(&ws, &issue, &[]);
    assert!(human(&read(&ws)).is_empty());
}

#[test]
fn a_second_issue_sharing_two_paragraphs_sends_no_request_for_them() {
    let ws = Workspace::start(config_toml);
    let one = write_issue(&ws, "weekly-1.txt", ISSUE_ONE);
    let two = write_issue(&ws, "weekly-2.txt", ISSUE_TWO);
    translate(&ws, &one, &[]);
    let sent_before = ws.mock.user_messages_of(RequestKind::Translation).len();
    assert!(
        ws.mock
            .user_messages_of(RequestKind::Translation)
            .iter()
            .any(|m| m.contains(SHARED[0]))
    );
    let plan = gloss(&ws, &["plan", "--profile", "mock"], &two);
    assert_ok(&plan);
    assert!(
        text(&plan.stdout).contains("memory: 2 segments from the translation memory"),
        "{}",
        text(&plan.stdout)
    );
    let out = gloss(&ws, &["translate", "--profile", "mock", "--json"], &two);
    let t = totals(&out);
    assert_eq!(t["memory_reused"], 2);
    assert!(text(&out.stderr).contains("2 segments from the translation memory"));
    let sent: Vec<String> =
        ws.mock.user_messages_of(RequestKind::Translation)[sent_before..].to_vec();
    assert!(!sent.is_empty(), "the new paragraphs are asked for");
    for m in &sent {
        for shared in SHARED {
            assert!(!m.contains(shared), "sent again: {shared}\n{m}");
        }
    }
    let segments = digest_segments(&common::workspace::read_json(
        &ws.out().join("weekly-2").join("digest.json"),
    ));
    for shared in SHARED {
        let expected = mock_translation(shared);
        assert!(
            segments.values().any(|(t, human)| *t == expected && !human),
            "{shared}"
        );
    }
    // Its rerun sends nothing either.
    let requests = ws.mock.requests();
    translate(&ws, &two, &[]);
    assert_eq!(ws.mock.requests(), requests);
}

/// Every file below the workspace but the cache, with its bytes.
fn outside_cache(ws: &Workspace) -> BTreeMap<PathBuf, Vec<u8>> {
    files_under(ws.path())
        .into_iter()
        .filter(|f| !f.starts_with(ws.cache()))
        .map(|f| {
            let bytes = std::fs::read(&f).unwrap();
            (f, bytes)
        })
        .collect()
}

#[test]
fn hostile_files_are_refused_or_ignored_with_one_line() {
    let ws = Workspace::start(config_toml);
    let issue = write_issue(&ws, "weekly-1.txt", ISSUE_ONE);
    translate(&ws, &issue, &[]);
    let memory = ws.cache().join("memory/memory.jsonl");
    let head = r#"<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file original="weekly-1" source-language="ko" target-language="en" datatype="plaintext"><body>"#;
    let tail = "</body></file></xliff>";
    let unit = |id: &str, target: &str| {
        format!(
            r#"<trans-unit id="{id}"><source>미국 상무부가 첨단 반도체 수출 통제를 강화했다.</source><target>{target}</target></trans-unit>"#
        )
    };
    let laughs = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE xliff [<!ENTITY a \"lol\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]>\n{head}{}{tail}",
        unit("A01.p01", "&b;")
    );
    let external = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE xliff [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n{head}{}{tail}",
        unit("A01.p01", "&x;")
    );
    let undeclared = format!("{head}{}{tail}", unit("A01.p01", "&x;"));
    let files = [
        ("laughs.xlf", laughs),
        ("external.xlf", external),
        ("undeclared.xlf", undeclared),
    ];
    for (name, content) in &files {
        std::fs::write(ws.path().join(name), content).unwrap();
    }
    let big = ws.path().join("big.po");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(100 * 1024 * 1024)
        .unwrap();
    let unknown = ws.path().join("unknown.xlf");
    std::fs::write(
        &unknown,
        format!(
            "{head}{}{}{tail}",
            unit("Z99.p01", "Nothing of this issue"),
            unit("A01.p77", "Nor this")
        ),
    )
    .unwrap();
    let memory_before = std::fs::read(&memory).unwrap();
    let before = outside_cache(&ws);
    let refused = [
        ("laughs.xlf", "DTD"),
        ("external.xlf", "DTD"),
        ("undeclared.xlf", "entity reference &x; refused"),
        ("big.po", "over the 52428800-byte limit"),
    ];
    for (name, why) in refused {
        let out = import(&ws, &ws.path().join(name));
        assert!(!out.status.success(), "{name} accepted");
        let stderr = text(&out.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{name}: {stderr}");
        assert!(stderr.contains(why), "{name}: {stderr}");
    }
    let out = import(&ws, &unknown);
    assert_ok(&out);
    let stderr = text(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("2 units ignored"), "{stderr}");
    assert!(stderr.contains("Z99.p01, A01.p77"), "{stderr}");
    assert_eq!(
        std::fs::read(&memory).unwrap(),
        memory_before,
        "nothing imported"
    );
    assert_eq!(
        outside_cache(&ws),
        before,
        "nothing written outside the cache"
    );
}

#[test]
fn a_flag_a_reviewer_approved_is_resolved_in_qa_and_strict_passes() {
    let ws = Workspace::start(config_toml);
    // The mock loses the figure of one paragraph, the repair too: flagged.
    let source = "규제 대상 국가는 43개국이 추가되었다.";
    ws.mock.configure(|c| {
        c.segment_replies = vec![(source.into(), "More countries were added.".into())];
        c.repair_replies = vec![(source.into(), "More countries were added.".into())];
    });
    let issue = write_issue(&ws, "weekly-1.txt", ISSUE_ONE);
    translate(&ws, &issue, &[]);
    let out = gloss(&ws, &["qa", "--profile", "mock", "--strict"], &issue);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stdout));
    let file = ws.path().join("flagged.po");
    let out = ws
        .cmd()
        .arg("export")
        .arg(&issue)
        .args([
            "--profile",
            "mock",
            "--format",
            "po",
            "--flagged-only",
            "-o",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert_ok(&out);
    let po = std::fs::read_to_string(&file).unwrap();
    assert_eq!(po.matches("\nmsgctxt ").count(), 1, "{po}");
    assert!(po.contains("#, fuzzy\nmsgctxt \"A01.p02\""), "{po}");
    // The reviewer accepts the text as it is: clears `fuzzy`.
    edit(&file, "#, fuzzy\n", "");
    let out = import(&ws, &file);
    assert_ok(&out);
    assert!(
        text(&out.stdout).contains("0 corrected, 1 approved"),
        "{}",
        text(&out.stdout)
    );
    let out = gloss(&ws, &["qa", "--profile", "mock", "--strict"], &issue);
    assert_ok(&out);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("✓ A01.p02: resolved by a reviewer (was number"),
        "{stdout}"
    );
    assert!(!stdout.contains("⚠ A01.p02"), "{stdout}");
    // The run marks it human and flags nothing, without a request.
    let requests = ws.mock.requests();
    let t = translate(&ws, &issue, &["--strict"]);
    assert_eq!(ws.mock.requests(), requests);
    assert_eq!(t["flagged_segments"], serde_json::json!({}));
    let digest = common::workspace::read_json(&ws.out().join("weekly-1").join("digest.json"));
    assert_eq!(
        digest_segments(&digest)["A01.p02"],
        ("More countries were added.".to_string(), true)
    );
}
