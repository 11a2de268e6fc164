//! End-to-end tests of `gloss run` and `gloss brief` against the in-process
//! mock server (tests/common): summaries per article, the executive brief,
//! citation checking, caching, map→reduce when the summaries exceed the
//! context, and escaping of model output.
//!
//! Each test runs the real binary in its own temp dir (so only the
//! `gloss.toml` written there is read) with its own cache and mock server.
//! The mock answers a translation segment `[n] X` with `[n] ` +
//! `mock_translation(X)` (X romanized, its numbers in English: it passes
//! every quality check), a termbase request with no terms, and a summary or
//! brief request with `SUMMARY: ` + the first 40 chars of its user message,
//! unless a test scripts a reply; every expectation below is derived from
//! `gloss parse --json` and the requests the mock received.
mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use common::workspace::{
    DIGEST_FILES, STEM, Workspace, all_texts, assert_ok, chunk_layout, escape_html,
    expected_translation, is_hangul_word, parse_json, sample, shifted_word, text, totals,
};
use common::{Fault, RequestKind};
use regex::Regex;
use serde_json::Value;

const BRIEF_FILES: [&str; 3] = ["brief.md", "brief.html", "brief.json"];

/// Profiles: `mock` with a context large enough for a one-request brief;
/// `small` whose brief limit is 2300 − 1024 − 600 = 676 tokens, so the
/// sample's summaries need map→reduce. Same model, so chunk plans are shared.
fn config_toml(url: &str) -> String {
    format!(
        r#"[profiles.mock]
base_url = "{url}"
model = "mock-model"
timeout_secs = 5
max_attempts = 2
context_window = 128000

[profiles.small]
base_url = "{url}"
model = "mock-model"
timeout_secs = 5
max_attempts = 2
context_window = 2300
max_output_tokens = 1024

[prices.mock-model]
input = 1.0
output = 2.0
"#
    )
}

/// The temp workspace (common/workspace.rs) with the gloss.toml of
/// [`config_toml`]; the methods below are this file's own.
type Env = Workspace;

impl Env {
    fn new() -> Self {
        Self::seeded("run", config_toml)
    }

    /// `gloss COMMAND INPUT --profile PROFILE --json --out OUT EXTRA…`.
    fn gloss(
        &self,
        command: &str,
        input: &Path,
        profile: &str,
        out: &Path,
        extra: &[&str],
    ) -> Output {
        self.cmd()
            .arg(command)
            .arg(input)
            .args(["--profile", profile, "--json", "--out"])
            .arg(out)
            .args(extra)
            .output()
            .expect("run gloss")
    }

    /// `gloss run SAMPLE --profile mock`.
    fn run(&self) -> Output {
        self.gloss("run", &sample(), "mock", &self.out(), &[])
    }

    /// The mock's requests so far, by kind.
    fn requests(&self) -> Requests {
        Requests::classify(&self.mock.bodies())
    }

    /// Make every brief request (user message `Issue: …`) answer `reply`.
    fn brief_reply(&self, reply: &str) {
        self.mock.configure(|c| {
            c.fault_when_user_contains = Some(("Issue: ".into(), Fault::Reply(reply.into())))
        });
    }
}

/// The user messages the mock received, by kind.
#[derive(Debug, Default)]
struct Requests {
    translation: Vec<String>,
    /// Termbase requests (`Article: <title>` + the article's source text).
    termbase: Vec<String>,
    repair: Vec<String>,
    /// The section names of the selected articles (one chunk for the sample).
    section_names: Vec<String>,
    /// By article id.
    summary: BTreeMap<String, Vec<String>>,
    brief: Vec<String>,
}

impl Requests {
    fn classify(bodies: &[Value]) -> Self {
        let summary_re = Regex::new(r"^Article ([A-Z]\d{2}): ").unwrap();
        let mut r = Requests::default();
        for body in bodies {
            let m = common::user_message(body);
            match RequestKind::of(body) {
                RequestKind::Brief => r.brief.push(m),
                RequestKind::Summary => {
                    let id = summary_re.captures(&m).expect("summary id")[1].to_string();
                    r.summary.entry(id).or_default().push(m);
                }
                RequestKind::Translation => r.translation.push(m),
                RequestKind::Termbase => r.termbase.push(m),
                RequestKind::Repair => r.repair.push(m),
                RequestKind::SectionNames => r.section_names.push(m),
                RequestKind::Other => panic!("a request of unknown kind:\n{m}"),
            }
        }
        r
    }

    /// The termbase requests for the article titled `title`.
    fn termbase_for(&self, title: &str) -> usize {
        let head = format!("Article: {title}\n");
        self.termbase
            .iter()
            .filter(|m| m.starts_with(&head))
            .count()
    }

    fn summaries(&self) -> usize {
        self.summary.values().map(Vec::len).sum()
    }
}
fn articles(parsed: &Value) -> &Vec<Value> {
    parsed["articles"].as_array().expect("articles")
}

fn all_ids(parsed: &Value) -> Vec<String> {
    articles(parsed)
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

/// Ids of the articles that get a summary (all but the front page).
fn summarized_ids(parsed: &Value) -> Vec<String> {
    articles(parsed)
        .iter()
        .filter(|a| a["kind"] != "front")
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

/// The summary gloss should read from the mock's default answer to `user`
/// (`SUMMARY: ` + its first 40 chars): lines trimmed and joined, label dropped.
fn expected_default_summary(user: &str) -> String {
    let reply = format!("SUMMARY: {}", user.chars().take(40).collect::<String>());
    reply
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| l.strip_prefix("SUMMARY:").unwrap_or(l).trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every `[X00]`-style citation (also inside `[A01, A02]` lists).
fn citations(markdown: &str) -> Vec<String> {
    let group = Regex::new(r"\[([A-Za-z]\d{2}(?:\s*[,;]\s*[A-Za-z]\d{2})*)\]").unwrap();
    group
        .captures_iter(markdown)
        .flat_map(|c| {
            c[1].split([',', ';'])
                .map(|s| s.trim().to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A digest article by id.
fn article<'a>(digest: &'a Value, id: &str) -> &'a Value {
    digest["articles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("no article {id} in the digest"))
}

/// The sections of the parse, in issue order (front matter aside).
fn sections_of(parsed: &Value) -> Vec<&str> {
    let mut sections: Vec<&str> = Vec::new();
    for a in articles(parsed).iter().filter(|a| a["kind"] != "front") {
        if let Some(s) = a["section"].as_str()
            && !sections.contains(&s)
        {
            sections.push(s);
        }
    }
    sections
}

/// The brief's "By section" is the parse: one line per section (its name
/// as the mock translates it), in issue order, holding exactly the ids of
/// that section's articles, in order; brief.json says it came from the
/// parse.
fn assert_grouped_as_parsed(parsed: &Value, brief_json: &Value) {
    let markdown = brief_json["brief"]["markdown"].as_str().expect("markdown");
    let by_section = markdown
        .split_once("## By section\n")
        .expect("a By section part")
        .1
        .split("\n## ")
        .next()
        .unwrap_or_default();
    let lines: Vec<&str> = by_section.lines().filter(|l| !l.is_empty()).collect();
    let sections = sections_of(parsed);
    assert_eq!(lines.len(), sections.len(), "{by_section}");
    for (line, name) in lines.iter().zip(&sections) {
        let english = expected_translation(name);
        assert!(
            line.starts_with(&format!("- **{english}** — ")),
            "{name}: {line}"
        );
        let want: Vec<String> = articles(parsed)
            .iter()
            .filter(|a| a["kind"] != "front" && a["section"].as_str() == Some(name))
            .map(|a| a["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(citations(line), want, "{line}");
    }
    let part = brief_json["brief"]["parts"]
        .as_array()
        .expect("brief.json parts")
        .iter()
        .find(|p| p["heading"] == "By section")
        .expect("a By section part in brief.json");
    assert_eq!(part["from"], "parse");
}

/// A realistic one-page brief in the shape prompts/brief.md asks for (6
/// headlines, a key-figures table of 6 rows, one line per section, 3 items
/// to watch) about the sample's articles, citing the issue's ids (taken from
/// `gloss parse` in order) plus the two `fakes`.
fn brief_reply(parsed: &Value, fakes: [&str; 2]) -> String {
    let ids = summarized_ids(parsed);
    let id = |n: usize| ids[n % ids.len()].as_str();
    let mut sections: Vec<&str> = Vec::new();
    for a in articles(parsed).iter().filter(|a| a["kind"] != "front") {
        if let Some(s) = a["section"].as_str()
            && !sections.contains(&s)
        {
            sections.push(s);
        }
    }
    let by_section = [
        "Japan's manufacturers must fix siloed R&D data and know-how before digital tools pay off",
        "Skills, AI, electric-vehicle batteries and solid-state cells: demand outpaces supply",
        "Canada, the US, Australia and China back manufacturing, minerals and chip talent",
        "Eight technologies from security robots to low-carbon cement and cooling glass",
    ];
    let mut out = format!(
        "## Headlines\n\
         - Japanese manufacturers lag in R&D digital transformation: know-how stays with individual researchers, and MURC urges shared data, R&D support tools and advanced technology [{a01}].\n\
         - The OECD expects demand for computer use, critical thinking, creativity and data analysis skills to surge by 2030, making skills policy central to the green transition [{a02}][{fake0}].\n\
         - The State of AI report tracks research, industry, politics and safety, with compute and frontier models concentrating in a few firms [{a03}, {fake1}].\n\
         - Europe and North America will meet less than 50% of their battery cell demand locally and stay import-dependent beyond 2033, while China dominates raw-material exports [{a04}].\n\
         - After 55.4% annual growth of new-energy vehicles in 2012–2022, liquid electrolytes are reaching their limits and China is accelerating solid-state battery R&D [{a05}].\n\
         - Industrial policy broadens: Canada's cluster funding nears CAD 427 million [{a06}], the US secures critical minerals [{a07}] and Australia builds a chip talent pipeline [{a08}].\n\
         \n\
         ## Key figures\n\
         | Figure | What it measures | Article |\n\
         | --- | --- | --- |\n\
         | CAD 427 million | ISED support for advanced manufacturing cluster projects | [{a06}] |\n\
         | 55.4% | Average annual growth of the global new-energy vehicle industry, 2012–2022 | [{a05}] |\n\
         | < 50% | Share of battery cell demand met by local supply in Europe and North America | [{a04}] |\n\
         | 2033 | Year beyond which Western battery import dependence is expected to persist | [{a04}] |\n\
         | 40% | CO2 cut of LC3 low-carbon cement against a conventional mix | [{c04}] |\n\
         | 99% | Solar radiation reflected by the radiative-cooling glass coating | [{c07}] |\n\
         \n\
         ## By section\n",
        a01 = id(0),
        a02 = id(1),
        a03 = id(2),
        a04 = id(3),
        a05 = id(4),
        a06 = id(5),
        a07 = id(6),
        a08 = id(7),
        c04 = id(12),
        c07 = id(15),
        fake0 = fakes[0],
        fake1 = fakes[1],
    );
    for (n, s) in sections.iter().enumerate() {
        out.push_str(&format!(
            "- **{s}** — {} [{}]\n",
            by_section[n % by_section.len()],
            id(n * 4)
        ));
    }
    out.push_str(&format!(
        "\n## What to watch\n\
         - Whether solid-state cells reach volume production, and how Western makers reduce reliance on Chinese battery materials [{a04}][{a05}].\n\
         - Follow-through on US critical-minerals measures and allied sourcing deals [{a07}].\n\
         - Skilled labour as the binding constraint on chip and advanced-manufacturing plans [{a08}][{a02}].\n",
        a02 = id(1),
        a04 = id(3),
        a05 = id(4),
        a07 = id(6),
        a08 = id(7),
    ));
    out
}

// ---------------------------------------------------------------------------
// 1. `gloss run`: digest, summaries, brief with checked citations
// ---------------------------------------------------------------------------

#[test]
fn run_writes_digest_and_brief_with_checked_citations() {
    let env = Env::new();
    let parsed = parse_json(&env, &sample());
    let ids = all_ids(&parsed);
    let summarized = summarized_ids(&parsed);
    assert!(summarized.len() > 1 && summarized.len() < ids.len());
    let fakes = ["A42", "Z99"];
    for f in fakes {
        assert!(!ids.contains(&f.to_string()), "{f} is a real id");
    }
    let reply = brief_reply(&parsed, fakes);
    env.brief_reply(&reply);

    let out = env.run();
    let t = totals(&out);
    let stderr = text(&out.stderr);
    for name in DIGEST_FILES
        .iter()
        .chain(&BRIEF_FILES)
        .chain(&["manifest.json"])
    {
        assert!(env.out_dir().join(name).is_file(), "{name} not written");
    }

    // Requests: one termbase request and one summary per non-front article,
    // every chunk, one brief; no repair (the mock's translations are good).
    // A realistic brief.html for scripts/check-brief-print, on request.
    if let Some(keep) = std::env::var_os("GLOSS_KEEP_BRIEF_HTML") {
        std::fs::copy(env.out_dir().join("brief.html"), &keep).expect("copy brief.html");
    }
    if let Some(keep) = std::env::var_os("GLOSS_KEEP_DIGEST_HTML") {
        std::fs::copy(env.out_dir().join("digest.html"), &keep).expect("copy digest.html");
    }

    let req = env.requests();
    assert_eq!(
        req.summary.keys().cloned().collect::<Vec<_>>(),
        {
            let mut s = summarized.clone();
            s.sort();
            s
        },
        "summary requests are not one per non-front article"
    );
    assert_eq!(
        req.summaries(),
        summarized.len(),
        "an article was summarized twice"
    );
    assert_eq!(req.brief.len(), 1, "brief requests");
    // The section names go as one more chunk.
    assert_eq!(req.section_names.len(), 1, "section-name requests");
    assert_eq!(
        req.translation.len() as u64 + 1,
        t["chunks"].as_u64().unwrap()
    );
    // At most one term request per article, only for articles whose names
    // recur later (C01 has none: docs/terms.md), never for the front matter.
    assert!(
        (1..summarized.len()).contains(&req.termbase.len()),
        "termbase requests: {}",
        req.termbase.len()
    );
    let mut per_article = 0;
    for a in articles(&parsed) {
        let most = usize::from(a["kind"] != "front");
        let n = req.termbase_for(a["title"].as_str().unwrap());
        assert!(n <= most, "{}: {n} termbase requests", a["id"]);
        per_article += n;
    }
    assert_eq!(
        per_article,
        req.termbase.len(),
        "a term request of no article"
    );
    assert!(req.repair.is_empty(), "repair requests: {:?}", req.repair);
    assert_eq!(
        env.mock.requests(),
        req.translation.len()
            + req.termbase.len()
            + req.summaries()
            + req.brief.len()
            + req.section_names.len()
    );
    assert_eq!(
        t["requests"].as_u64().unwrap() as usize,
        env.mock.requests()
    );
    assert_eq!(t["failed_segments"], 0);
    assert_eq!(t["flagged_segments"], serde_json::json!({}));

    let digest = env.json("digest.json");
    let brief_json = env.json("brief.json");
    let digest_md = env.read("digest.md");
    let digest_html = env.read("digest.html");
    let brief_md = env.read("brief.md");
    let brief_html = env.read("brief.html");

    // The section names, translated once, head the digest's sections and
    // the brief's "By section" lines, in issue order; gloss writes those
    // from the parse, so the brief request no longer asks for them.
    let sections = sections_of(&parsed);
    assert!(sections.len() > 1, "the sample has several sections");
    assert!(!req.brief[0].contains("## By section"), "{}", req.brief[0]);
    for name in &sections {
        let english = expected_translation(name);
        assert_eq!(digest["section_translations"][*name], english.as_str());
        assert!(
            digest_md.contains(&format!("## {english} ({name})")),
            "digest.md heads {name} without its translation"
        );
    }
    assert_grouped_as_parsed(&parsed, &brief_json);

    // Each summary is made from the article's English translation and lands
    // in the digest (all formats) and in brief.json / brief.md.
    let brief_summaries = brief_json["summaries"]
        .as_array()
        .expect("brief.json summaries");
    assert_eq!(
        brief_summaries
            .iter()
            .map(|s| s["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        summarized.iter().map(String::as_str).collect::<Vec<_>>(),
        "brief.json summaries"
    );
    for a in articles(&parsed) {
        let id = a["id"].as_str().unwrap();
        let d = article(&digest, id);
        if !summarized.iter().any(|s| s == id) {
            assert!(d.get("summary").is_none(), "{id} (front) has a summary");
            continue;
        }
        let user = &req.summary[id][0];
        assert!(
            user.starts_with(&format!(
                "Article {id}: {}",
                expected_translation(a["title"].as_str().unwrap())
            )),
            "{id}: summary request lacks the translated title:\n{user}"
        );
        for p in a["paragraphs"].as_array().unwrap() {
            let want = expected_translation(p["text"].as_str().unwrap());
            assert!(
                user.contains(&want),
                "{id}: summary request lacks {}",
                p["id"]
            );
        }
        let summary = expected_default_summary(user);
        assert!(!summary.is_empty());
        assert_eq!(d["summary"]["id"], id);
        assert_eq!(
            d["summary"]["text"].as_str(),
            Some(summary.as_str()),
            "{id}: digest.json"
        );
        let b = brief_summaries.iter().find(|s| s["id"] == id).unwrap();
        assert_eq!(
            b["summary"].as_str(),
            Some(summary.as_str()),
            "{id}: brief.json"
        );
        let md_summary = summary.replace('<', "&lt;");
        assert!(
            digest_md.contains(&format!("**Summary.** {md_summary}")),
            "{id}: digest.md"
        );
        assert!(brief_md.contains(&md_summary), "{id}: brief.md");
        assert!(
            digest_html.contains(&escape_html(&summary)),
            "{id}: digest.html"
        );
        // The brief request is made from the summaries.
        assert!(
            req.brief[0].contains(&format!("[{id}] ")),
            "{id} not in the brief request"
        );
        assert!(
            req.brief[0].contains(&summary),
            "{id}'s summary not in the brief request"
        );
    }

    // Citations: the real ones kept, the fake ones removed and reported.
    let brief = &brief_json["brief"];
    let markdown = brief["markdown"].as_str().expect("brief.markdown");
    assert_eq!(
        digest["brief"], *brief,
        "digest.json and brief.json differ on the brief"
    );
    let cited = citations(markdown);
    assert!(cited.len() >= 5, "citations lost: {markdown}");
    for c in &cited {
        assert!(
            ids.contains(c),
            "{c} is cited but is no article of the issue"
        );
    }
    for f in fakes {
        assert!(!markdown.contains(f), "{f} survived in the brief");
        assert!(!brief_md.contains(f) && !brief_html.contains(f) && !digest_html.contains(f));
    }
    // The reply's real citations, and every summarized article ("By
    // section" lists them all).
    let expected_cited: Vec<String> = citations(&reply)
        .into_iter()
        .filter(|c| ids.contains(c))
        .chain(summarized.iter().cloned())
        .collect();
    let mut got_cited: Vec<String> = brief["cited"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    let mut want_sorted = expected_cited.clone();
    want_sorted.sort();
    want_sorted.dedup();
    got_cited.sort();
    assert_eq!(got_cited, want_sorted, "brief.cited");
    assert_eq!(brief["removed_citations"], serde_json::json!(fakes));
    assert_eq!(brief["stages"], 1);
    assert_eq!(brief["origin"], "model", "the model's brief was replaced");
    let warning = stderr
        .lines()
        .find(|l| l.contains("warning") && l.contains("A42"))
        .unwrap_or_else(|| panic!("no warning about the fake citations:\n{stderr}"));
    assert!(warning.contains("Z99"), "{warning}");
    // The rest of the brief is intact, in every format.
    assert!(markdown.contains("## Key figures") && markdown.contains("| CAD 427 million |"));
    assert!(brief_md.contains("## What to watch"));
    assert!(brief_html.contains("<h2>Headlines</h2>") && brief_html.contains("<table>"));
    assert!(digest_html.contains("<h2>Executive brief</h2>"));
    assert!(
        digest_md.contains("## Executive brief")
            && digest_md.contains(markdown.lines().next().unwrap())
    );

    // The manifest lists every summary and the brief.
    let manifest = env.json("manifest.json");
    let items: Vec<&str> = manifest["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["item"].as_str().unwrap())
        .collect();
    for id in &summarized {
        assert!(
            items.contains(&format!("summary {id}").as_str()),
            "manifest lacks summary {id}"
        );
    }
    assert_eq!(
        items
            .iter()
            .filter(|i| i.starts_with("brief"))
            .collect::<Vec<_>>(),
        vec![&"brief"]
    );
}

// ---------------------------------------------------------------------------
// 2. A rerun sends nothing and writes the same bytes
// ---------------------------------------------------------------------------

#[test]
fn rerun_sends_nothing_and_is_byte_identical() {
    let env = Env::new();
    let parsed = parse_json(&env, &sample());
    env.brief_reply(&brief_reply(&parsed, ["A42", "Z99"]));
    let first = totals(&env.run());
    assert!(env.mock.requests() > 0);
    let files = [DIGEST_FILES, BRIEF_FILES].concat();
    let before = env.outputs(&files);

    env.mock.reset_counters();
    let second = totals(&env.run());
    assert_eq!(
        env.mock.requests(),
        0,
        "the rerun sent requests: {:?}",
        env.requests()
    );
    assert_eq!(second["requests"], 0);
    assert_eq!(
        second["cache_hits"].as_u64().unwrap(),
        first["requests"].as_u64().unwrap(),
        "every chunk, termbase answer, summary and the brief should be a cache hit"
    );
    for ((name, a), (_, b)) in before.iter().zip(&env.outputs(&files)) {
        assert!(a == b, "{name} changed on a cached rerun");
    }
}

/// A partial run sends work for its articles only: `--articles C04` (an
/// article late in the issue) sends C04's term list, its chunks, its summary
/// and the brief, and nothing for the articles before it.
#[test]
fn partial_run_sends_only_the_selected_articles_requests() {
    let env = Env::new();
    let parsed = parse_json(&env, &sample());
    let list = articles(&parsed);
    let pos = list
        .iter()
        .position(|a| a["id"] == "C04")
        .expect("the sample has C04");
    assert!(pos > 0, "C04 should have articles before it");
    let title = list[pos]["title"].as_str().unwrap();
    let head = format!("Article: {title}\n");
    assert_eq!(
        list.iter().filter(|a| a["title"] == title).count(),
        1,
        "C04's title is not unique"
    );

    let out = env.gloss("run", &sample(), "mock", &env.out(), &["--articles", "C04"]);
    let t = totals(&out);
    let req = env.requests();
    assert_eq!(req.termbase.len(), 1, "term requests");
    assert!(!req.translation.is_empty());
    assert_eq!(
        req.translation.len() as u64 + 1,
        t["chunks"].as_u64().unwrap(),
        "C04's chunks and its section's name"
    );
    for m in req
        .termbase
        .iter()
        .chain(&req.translation)
        .chain(&req.repair)
    {
        assert!(m.starts_with(&head), "a request for another article:\n{m}");
    }
    assert_eq!(
        req.summary.keys().collect::<Vec<_>>(),
        ["C04"],
        "summary requests"
    );
    assert_eq!(req.brief.len(), 1, "brief requests");
    // C04's section name, alone.
    assert_eq!(req.section_names.len(), 1, "section-name requests");
    let section = list[pos]["section"].as_str().expect("C04's section");
    let names: Vec<String> = common::parse_segments(&req.section_names[0])
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    assert_eq!(names, [section]);
    assert_eq!(
        env.mock.requests(),
        req.translation.len() + req.termbase.len() + req.repair.len() + 3
    );
}

/// Section names whose request fails every attempt cost the run nothing
/// else: it succeeds, the digest heads the section with its printed name,
/// the brief is written, and stderr says which names stayed as printed.
#[test]
fn section_names_that_fail_keep_their_printed_form() {
    let env = Env::new();
    let parsed = parse_json(&env, &sample());
    let c04 = articles(&parsed)
        .iter()
        .find(|a| a["id"] == "C04")
        .expect("the sample has C04");
    let section = c04["section"].as_str().expect("C04's section").to_string();
    env.mock.configure(|c| {
        c.fault_when_user_contains = Some((
            "Article: Section headings of the newsletter issue".into(),
            Fault::Status500,
        ))
    });
    let out = env.gloss("run", &sample(), "mock", &env.out(), &["--articles", "C04"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("1 of 1 section names came back unusable (failed)"),
        "{stderr}"
    );
    // Both attempts (max_attempts = 2) reached the endpoint.
    assert_eq!(env.requests().section_names.len(), 2);
    let digest = env.json("digest.json");
    assert!(digest.get("section_translations").is_none(), "{digest}");
    assert!(
        env.read("digest.md").contains(&format!("\n## {section}\n")),
        "the printed name heads the section"
    );
    assert!(env.read("brief.md").contains("## Headlines"));
}

// ---------------------------------------------------------------------------
// 3. Editing one article re-sends its chunk, its summary and the brief only
// ---------------------------------------------------------------------------

#[test]
fn editing_one_article_resends_its_chunk_summary_and_the_brief() {
    const EDITED: &str = "A06";
    let env = Env::new();
    let input = env.path().join(format!("{STEM}.txt"));
    let original = std::fs::read_to_string(sample()).unwrap();
    std::fs::write(&input, &original).unwrap();

    let first = totals(&env.gloss("run", &input, "mock", &env.out(), &[]));
    let layout = chunk_layout(&env.json("manifest.json"));
    let digest_before = env.json("digest.json");
    let parsed = parse_json(&env, &input);
    let all_texts = all_texts(&parsed);
    // A paragraph of A06 translated in one piece, holding a Hangul word
    // found nowhere else in the file.
    let target = articles(&parsed)
        .iter()
        .find(|a| a["id"] == EDITED)
        .expect("the sample has an article A06");
    let (para, word) = target["paragraphs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            let seg = article(&digest_before, EDITED)["segments"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["id"] == p["id"])
                .unwrap();
            seg["translation"].as_str() == Some(&expected_translation(p["text"].as_str().unwrap()))
        })
        .find_map(|p| {
            let text = p["text"].as_str().unwrap();
            text.split_whitespace()
                .find(|w| {
                    is_hangul_word(w)
                        && original.matches(*w).count() == 1
                        && all_texts.iter().filter(|t| t.contains(*w)).count() == 1
                })
                .map(|w| (p.clone(), w.to_string()))
        })
        .expect("a paragraph of A06 with a unique word");
    let replacement = shifted_word(&word);
    std::fs::write(&input, original.replacen(&word, &replacement, 1)).unwrap();
    let edited_para = para["text"]
        .as_str()
        .unwrap()
        .replacen(&word, &replacement, 1);

    // A real model's summary changes with the article; the mock's default
    // (the first 40 chars) would not, so the summary request holding the
    // edited translation gets its own answer. Translation requests hold the
    // text as `[n] …`, never as `EN: …`, so they are not affected.
    let needle = expected_translation(&edited_para);
    let new_summary = "A06 after the edit: support rises to CAD 500 million.";
    env.mock.configure(|c| {
        c.fault_when_user_contains = Some((
            needle.clone(),
            Fault::Reply(format!("SUMMARY: {new_summary}\n- CAD 500 million")),
        ))
    });
    env.mock.reset_counters();
    let second = totals(&env.gloss("run", &input, "mock", &env.out(), &[]));
    let manifest = env.json("manifest.json");
    assert_eq!(
        chunk_layout(&manifest),
        layout,
        "the edit moved chunk boundaries"
    );

    let req = env.requests();
    // Translation: only the A06 chunk(s) holding the edited paragraph.
    let resent: Vec<&Value> = manifest["chunks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["cache_hit"] == false)
        .collect();
    assert!(!resent.is_empty());
    for c in &resent {
        assert_eq!(
            c["article"], EDITED,
            "chunk {} of another article re-sent",
            c["chunk"]
        );
    }
    assert_eq!(req.translation.len(), resent.len(), "translation requests");
    assert_eq!(
        req.translation.len(),
        1,
        "one paragraph changed: one chunk to re-send"
    );
    for user in &req.translation {
        assert!(
            user.contains(&replacement) && !user.contains(&word),
            "{user}"
        );
    }
    // Termbase: nothing. A06's term request lists its recurring names with
    // snippets, and the edited word is neither (docs/terms.md).
    assert!(
        req.termbase.is_empty(),
        "termbase requests: {:?}",
        req.termbase
    );
    // Summary: A06's only.
    assert_eq!(
        req.summary.keys().collect::<Vec<_>>(),
        vec![EDITED],
        "summary requests: {:?}",
        req.summary.keys().collect::<Vec<_>>()
    );
    assert_eq!(req.summaries(), 1);
    assert!(
        req.summary[EDITED][0].contains(&needle),
        "A06's summary is not made from the new translation"
    );
    // The brief, made from the new summary.
    assert_eq!(req.brief.len(), 1, "brief requests");
    assert!(req.brief[0].contains(new_summary));
    assert!(req.repair.is_empty());
    assert_eq!(
        env.mock.requests(),
        req.translation.len() + 2,
        "nothing else is sent"
    );
    assert_eq!(
        second["requests"].as_u64().unwrap() as usize,
        env.mock.requests()
    );
    assert_eq!(
        second["cache_hits"].as_u64().unwrap() + second["requests"].as_u64().unwrap(),
        first["requests"].as_u64().unwrap()
    );

    let digest = env.json("digest.json");
    for a in digest["articles"].as_array().unwrap() {
        let id = a["id"].as_str().unwrap();
        if id == EDITED {
            assert_eq!(a["summary"]["text"], new_summary);
            assert_eq!(
                a["summary"]["key_points"],
                serde_json::json!(["CAD 500 million"])
            );
        } else {
            assert_eq!(
                a["summary"],
                article(&digest_before, id)["summary"],
                "{id}'s summary changed"
            );
        }
    }
    let seg = article(&digest, EDITED)["segments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == para["id"])
        .unwrap()
        .clone();
    assert_eq!(seg["translation"].as_str(), Some(needle.as_str()));
}

// ---------------------------------------------------------------------------
// 4. Map → reduce when the summaries exceed the context
// ---------------------------------------------------------------------------

#[test]
fn small_context_reduces_the_brief_in_stages_without_truncation() {
    let env = Env::new();
    let parsed = parse_json(&env, &sample());
    let summarized = summarized_ids(&parsed);
    // Summaries of a realistic length (≈ 60 estimated tokens each, over
    // 1,000 together): the mock's default, 40 characters of a romanized
    // translation, would fit the 676-token limit in one request.
    env.mock.configure(|c| {
        c.default_reply = Some(
            "SUMMARY: Demand for batteries, chips and critical minerals keeps rising while \
             governments fund clusters, skills and supply chains to keep production at home; \
             the article weighs costs, timelines and the risks of relying on imports.\n\
             - funding grows\n- supply stays tight"
                .into(),
        )
    });
    let out = env.gloss("run", &sample(), "small", &env.out(), &[]);
    assert_ok(&out);

    let req = env.requests();
    assert_eq!(req.summaries(), summarized.len());
    let manifest = env.json("manifest.json");
    let items: Vec<String> = manifest["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["item"].as_str().unwrap().to_string())
        .filter(|i| i.starts_with("brief"))
        .collect();
    let parts = items.len() - 1;
    assert!(parts >= 2, "expected several brief parts, got {items:?}");
    let mut want: Vec<String> = (1..=parts).map(|n| format!("brief part 1.{n}")).collect();
    want.push("brief".into());
    assert_eq!(items, want, "manifest brief items");
    assert_eq!(req.brief.len(), parts + 1, "brief requests");

    // Every summary went into exactly one part; nothing was cut.
    let (part_msgs, final_msgs): (Vec<&String>, Vec<&String>) =
        req.brief.iter().partition(|m| !m.contains("[part 1]"));
    assert_eq!(part_msgs.len(), parts);
    assert_eq!(final_msgs.len(), 1);
    let digest = env.json("digest.json");
    for id in &summarized {
        let tag = format!("[{id}] ");
        let holders = part_msgs.iter().filter(|m| m.contains(&tag)).count();
        assert_eq!(holders, 1, "{id} is in {holders} brief parts");
        let summary = article(&digest, id)["summary"]["text"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            part_msgs
                .iter()
                .any(|m| m.contains(&tag) && m.contains(&summary)),
            "{id}'s summary is not in its part"
        );
    }
    for n in 1..=parts {
        assert!(
            final_msgs[0].contains(&format!("[part {n}]")),
            "the final request lacks part {n}"
        );
    }
    let brief = &env.json("brief.json")["brief"];
    assert_eq!(brief["stages"].as_u64().unwrap() as usize, parts + 1);
    assert!(!brief["markdown"].as_str().unwrap().is_empty());
}

// ---------------------------------------------------------------------------
// 5. `gloss brief` writes only the brief, summarizing what is not cached
// ---------------------------------------------------------------------------

#[test]
fn brief_command_writes_only_the_brief() {
    let env = Env::new();
    let parsed = parse_json(&env, &sample());
    let summarized = summarized_ids(&parsed);

    // Translations cached by `translate`; no summary yet.
    let translated = totals(&env.gloss("translate", &sample(), "mock", &env.out(), &[]));
    let req = env.requests();
    assert_eq!(req.summaries() + req.brief.len(), 0, "translate summarized");
    assert!(!env.out_dir().join("brief.md").exists());

    env.mock.reset_counters();
    let out2 = env.path().join("out2");
    let t = totals(&env.gloss("brief", &sample(), "mock", &out2, &[]));
    let dir = out2.join(STEM);
    for name in BRIEF_FILES.iter().chain(&["manifest.json"]) {
        assert!(dir.join(name).is_file(), "{name} not written");
    }
    for name in DIGEST_FILES {
        assert!(!dir.join(name).exists(), "brief wrote {name}");
    }
    let req = env.requests();
    assert_eq!(req.translation.len(), 0, "translations were cached");
    assert_eq!(req.termbase.len(), 0, "the termbase was cached");
    assert_eq!(req.summaries(), summarized.len());
    assert_eq!(req.brief.len(), 1);
    assert_eq!(env.mock.requests(), summarized.len() + 1);
    // Every chunk and every termbase answer of `translate`.
    assert_eq!(t["cache_hits"], translated["requests"]);
    assert!(translated["requests"].as_u64().unwrap() > translated["chunks"].as_u64().unwrap());
    let brief_json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("brief.json")).unwrap()).unwrap();
    assert_eq!(
        brief_json["summaries"].as_array().unwrap().len(),
        summarized.len()
    );

    // Now everything is cached: `brief` and `run` send nothing.
    env.mock.reset_counters();
    totals(&env.gloss("brief", &sample(), "mock", &out2, &[]));
    totals(&env.run());
    assert_eq!(env.mock.requests(), 0, "{:?}", env.requests());
    assert_eq!(
        std::fs::read(dir.join("brief.md")).unwrap(),
        std::fs::read(env.out_dir().join("brief.md")).unwrap(),
        "brief and run made different briefs"
    );
}

// ---------------------------------------------------------------------------
// 6. Model output is escaped in every format
// ---------------------------------------------------------------------------

#[test]
fn brief_and_summaries_are_escaped_in_all_formats() {
    let env = Env::new();
    let parsed = parse_json(&env, &sample());
    let summarized = summarized_ids(&parsed);
    let (a, b) = (&summarized[0], &summarized[1]);
    let reply = format!(
        "## Headlines\n\
         - Growth <script>alert(1)</script> & more [{a}].\n\
         - A [link](javascript:alert(2)) and <img src=x onerror=alert(3)> [{b}].\n\
         \n\
         <script>alert(4)</script>\n\
         \n\
         ## What to watch\n\
         - \"quotes\" & 'apostrophes' [{a}]\n"
    );
    env.brief_reply(&reply);
    env.mock.configure(|c| {
        c.default_reply = Some("SUMMARY: Bold <b>claim</b> & <script>alert(5)</script>\n- point <i>one</i>\n- point two".into())
    });
    assert_ok(&env.run());

    let brief_html = env.read("brief.html");
    let digest_html = env.read("digest.html");
    for (name, html) in [("brief.html", &brief_html), ("digest.html", &digest_html)] {
        for raw in ["<script", "<img", "<b>claim", "<i>one", "javascript:"] {
            assert!(!html.contains(raw), "{name} holds raw model output {raw:?}");
        }
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{name}: inline script not shown as text"
        );
        assert!(
            html.contains("&lt;script&gt;alert(4)&lt;/script&gt;"),
            "{name}: block script not shown as text"
        );
        assert!(
            html.contains("&lt;img src=x onerror=alert(3)&gt;"),
            "{name}: img not shown as text"
        );
        assert!(html.contains(&format!("[{a}]")), "{name}: citation lost");
    }
    // Summaries and their key points, escaped, in the digest.
    let summary = "Bold <b>claim</b> & <script>alert(5)</script>";
    assert!(digest_html.contains(&escape_html(summary)));
    assert!(digest_html.contains("<li>point &lt;i&gt;one&lt;/i&gt;</li>"));

    let digest = env.json("digest.json");
    let brief_json = env.json("brief.json");
    for id in &summarized {
        let s = &article(&digest, id)["summary"];
        assert_eq!(s["text"], summary, "{id}");
        assert_eq!(
            s["key_points"],
            serde_json::json!(["point <i>one</i>", "point two"])
        );
    }
    assert!(
        brief_json["summaries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["summary"] == summary)
    );
    // The reply as written, with the parse's "By section" before its last
    // part.
    let (head, watch) = reply.split_once("## What to watch").unwrap();
    let markdown = brief_json["brief"]["markdown"].as_str().unwrap();
    let (shown_head, by_section) = markdown.split_once("## By section").unwrap();
    assert_eq!(shown_head.trim(), head.trim());
    assert!(
        by_section
            .trim_end()
            .ends_with(&format!("## What to watch{}", watch.trim_end()))
    );
    assert_grouped_as_parsed(&parsed, &brief_json);

    // Markdown: no raw tag survives either.
    for name in ["brief.md", "digest.md"] {
        let md = env.read(name);
        for raw in ["<script", "<img", "<b>", "<i>"] {
            assert!(!md.contains(raw), "{name} holds raw {raw:?}");
        }
        assert!(
            md.contains("&lt;script>alert(1)&lt;/script>"),
            "{name}: brief missing"
        );
        assert!(
            md.contains("Bold &lt;b>claim&lt;/b>"),
            "{name}: summary missing"
        );
    }
    assert!(env.read("digest.md").contains("- point &lt;i>one&lt;/i>"));
}

/// Partial briefs as large as the limit must still converge: each level of
/// the reduction has to merge at least two inputs per request. Today a level
/// whose inputs are each over half the limit yields as many parts as it had
/// inputs, and the loop in src/brief.rs (`reduce`) never ends (from the
/// third level on every request is a cache hit, so it spins without sending).
#[test]
fn brief_reduction_terminates_when_parts_are_large() {
    let env = Env::new();
    let parsed = parse_json(&env, &sample());
    let summarized = summarized_ids(&parsed).len();
    // Every summary and partial brief ≈ 860 estimated tokens; the limit is 676.
    env.mock.configure(|c| {
        c.default_reply = Some(format!("SUMMARY: {}", "Long partial text. ".repeat(180)))
    });
    let mut child = env
        .cmd()
        .arg("run")
        .arg(sample())
        .args(["--profile", "small", "--json", "--out"])
        .arg(env.out())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn gloss");
    let started = std::time::Instant::now();
    while child.try_wait().expect("try_wait").is_none()
        && started.elapsed() < Duration::from_secs(6)
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    let finished = child.try_wait().expect("try_wait").is_some();
    if !finished {
        child.kill().expect("kill gloss");
    }
    let out = child.wait_with_output().expect("collect output");
    let briefs = env.requests().brief.len();
    assert!(
        finished,
        "gloss run did not finish in 6 s ({briefs} brief requests so far)"
    );
    assert_ok(&out);
    // Halving per level: at most n + n/2 + n/4 + … < 2n requests.
    assert!(briefs < 2 * summarized, "{briefs} brief requests");
    assert!(env.json("brief.json")["brief"]["markdown"].is_string());
}

// ---------------------------------------------------------------------------
// 7. A PDF goes through the same pipeline as text
// ---------------------------------------------------------------------------

#[test]
fn run_on_a_pdf_sends_its_text_and_writes_the_outputs() {
    let env = Env::new();
    let pdf = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pdf/korean.pdf");
    let parsed = parse_json(&env, &pdf);
    let texts = all_texts(&parsed);
    assert!(texts.contains(&"반도체 산업 동향"), "{texts:?}");
    totals(&env.gloss("run", &pdf, "mock", &env.out(), &[]));
    let dir = env.out().join("korean");
    for name in DIGEST_FILES.iter().chain(&BRIEF_FILES) {
        assert!(dir.join(name).is_file(), "{name} not written");
    }
    // The PDF's sentences reached the model, each in some translation request.
    let req = env.requests();
    for sentence in [
        "수출이 크게 늘었다고 밝혔다.",
        "인공지능 기본법이 국회를 통과했다.",
    ] {
        assert!(
            req.translation.iter().any(|m| m.contains(sentence)),
            "{sentence:?} was never sent: {:?}",
            req.translation
        );
    }
    assert!(!req.brief.is_empty(), "no brief request");
}

// ---------------------------------------------------------------------------
// 8. What gloss knows it writes; the model writes the prose
// ---------------------------------------------------------------------------

/// A summarized article's id, translated title (as the mock translates it)
/// and section, by its place among the summarized articles.
fn nth_article(parsed: &Value, n: usize) -> (String, String, String) {
    let a = articles(parsed)
        .iter()
        .filter(|a| a["kind"] != "front")
        .nth(n)
        .expect("so many articles");
    (
        a["id"].as_str().unwrap().to_string(),
        expected_translation(a["title"].as_str().unwrap()),
        a["section"]
            .as_str()
            .map(expected_translation)
            .unwrap_or_default(),
    )
}

/// The items of the brief's `## heading` part.
fn items_of<'a>(markdown: &'a str, heading: &str) -> Vec<&'a str> {
    markdown
        .split_once(&format!("## {heading}\n"))
        .map(|(_, rest)| rest.split("\n## ").next().unwrap_or_default())
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with("- "))
        .collect()
}

#[test]
fn a_brief_answer_that_groups_wrongly_is_not_shown() {
    let env = Env::new();
    let parsed = parse_json(&env, &sample());
    let sections = sections_of(&parsed);
    let (first, _, first_section) = nth_article(&parsed, 0);
    let (last, last_title, last_section) = nth_article(&parsed, summarized_ids(&parsed).len() - 1);
    assert_ne!(first_section, last_section);
    // The 1.5B's grouping: one article per section, the last article's
    // title under the first's id; a headline labelled with a section that
    // cites an article of another one.
    let mut reply = format!(
        "## Headlines\n- **{first_section}** — Spending on clusters triples [{last}]\n- Battery cells get cheaper as plants scale up [{first}]\n\n## By section\n"
    );
    for (n, name) in sections.iter().enumerate() {
        let (id, _, _) = nth_article(&parsed, n);
        reply.push_str(&format!("- **{}** — {id}\n", expected_translation(name)));
    }
    reply.push_str(&format!(
        "- {last_title} [{first}]\n\n## What to watch\n- Whether plants reach volume production [{first}]\n"
    ));
    env.brief_reply(&reply);
    let out = env.run();
    assert_ok(&out);
    let brief_json = env.json("brief.json");
    let brief = &brief_json["brief"];
    let markdown = brief["markdown"].as_str().unwrap();
    assert_eq!(brief["origin"], "model");
    assert_grouped_as_parsed(&parsed, &brief_json);
    assert_eq!(
        items_of(markdown, "Headlines"),
        [format!("- Battery cells get cheaper as plants scale up [{first}]").as_str()]
    );
    assert!(
        !markdown.contains(&format!("{last_title} [{first}]")),
        "{markdown}"
    );
    let from: Vec<(&str, &str)> = brief["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["heading"].as_str().unwrap(), p["from"].as_str().unwrap()))
        .collect();
    assert_eq!(
        from,
        [
            ("Headlines", "model"),
            ("By section", "parse"),
            ("What to watch", "model")
        ]
    );
    let stderr = text(&out.stderr);
    assert!(stderr.contains("\"By section\" was left out"), "{stderr}");
    assert!(stderr.contains("under another section"), "{stderr}");
}

#[test]
fn a_title_only_summary_gives_way_to_its_key_points_or_a_second_answer() {
    let env = Env::new();
    let parsed = parse_json(&env, &sample());
    let title_only = |n: usize| {
        let a = articles(&parsed)
            .iter()
            .filter(|a| a["kind"] != "front")
            .nth(n)
            .unwrap();
        let mut line = format!(
            "SUMMARY: {}",
            expected_translation(a["title"].as_str().unwrap())
        );
        if let Some(source) = a["source"].as_str() {
            line.push_str(&format!(" ({source})"));
        }
        (a["id"].as_str().unwrap().to_string(), line)
    };
    let (points, points_reply) = title_only(3);
    let (again, again_reply) = title_only(4);
    let (none, none_reply) = title_only(5);
    env.mock.configure(|c| {
        c.summary_replies = vec![
            // Asked once more, never gives more.
            (format!("Article {none}: "), none_reply),
            (
                "only repeated the article's title".into(),
                "SUMMARY: Output rose 12% as two plants opened.".into(),
            ),
            (
                format!("Article {points}: "),
                format!("{points_reply}\n- Sales reach 40 million by 2030\n- Cell prices fall 20%"),
            ),
            (format!("Article {again}: "), again_reply),
        ]
    });
    let out = env.run();
    assert_ok(&out);
    let req = env.requests();
    let asked = |id: &str| req.summary.get(id).map_or(0, Vec::len);
    assert_eq!((asked(&points), asked(&again), asked(&none)), (1, 2, 2));
    assert!(req.summary[&again][1].contains("only repeated the article's title"));
    let digest = env.json("digest.json");
    let summary = |id: &str| article(&digest, id)["summary"]["text"].clone();
    assert_eq!(
        summary(&points),
        "Sales reach 40 million by 2030. Cell prices fall 20%."
    );
    assert_eq!(summary(&again), "Output rose 12% as two plants opened.");
    assert_eq!(summary(&none), Value::Null);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{none}'s summary only repeated its title, also when asked once more"
        )),
        "{stderr}"
    );
    // Still listed under its section, from the parse.
    assert_grouped_as_parsed(&parsed, &env.json("brief.json"));
    // The second answer is cached: a rerun sends nothing.
    env.mock.reset_counters();
    totals(&env.run());
    assert_eq!(env.mock.requests(), 0);
}

#[test]
fn title_only_headlines_give_way_to_their_summaries() {
    let env = Env::new();
    let parsed = parse_json(&env, &sample());
    let n = 5;
    let mut replies = Vec::new();
    let mut reply = String::from("## Headlines\n");
    let mut want = Vec::new();
    for i in 0..n {
        let (id, title, _) = nth_article(&parsed, i);
        replies.push((
            format!("Article {id}: "),
            format!(
                "SUMMARY: Plant {i} doubled output to {i}00 units. It hired staff.\n- {i}00 units"
            ),
        ));
        // The 1.5B's headlines: the titles translated, in order.
        reply.push_str(&format!("- **{title}** [{id}]\n"));
        want.push(format!("- Plant {i} doubled output to {i}00 units. [{id}]"));
    }
    reply.push_str("\n## What to watch\n- Whether plants keep hiring [A01]\n");
    env.mock.configure(|c| c.summary_replies = replies);
    env.brief_reply(&reply);
    let out = env.run();
    assert_ok(&out);
    let brief = &env.json("brief.json")["brief"];
    let markdown = brief["markdown"].as_str().unwrap();
    assert_eq!(items_of(markdown, "Headlines"), want, "{markdown}");
    let headlines = &brief["parts"][0];
    assert_eq!(headlines["heading"], "Headlines");
    assert_eq!(headlines["from"], "summary");
    assert!(
        headlines["lines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["from"] == "summary")
    );
    assert!(text(&out.stderr).contains("only repeated an article's title"));
}
