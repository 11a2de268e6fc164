//! The run as one graph of requests (src/pipeline/schedule.rs), seen from
//! the mock endpoint: the order in which requests start and end, what an
//! edit re-sends, and a fatal error in the middle of a run.
//!
//! Every expectation comes from `gloss parse --json` and from what the mock
//! received (its request bodies, and the start and end of each request in
//! the order they happened).
mod common;

use std::collections::HashMap;

use common::workspace::{
    STEM, Workspace, all_texts, assert_ok, expected_translation, is_hangul_word, parse_json,
    sample, shifted_word, text,
};
use common::{Event, Fault, RequestKind};
use serde_json::Value;

fn config_toml(url: &str) -> String {
    common::workspace::mock_profile_toml(url, "")
}

fn env() -> Workspace {
    Workspace::seeded("schedule", config_toml)
}

/// `gloss run INPUT --profile mock --json --out OUT EXTRA…`.
fn run(env: &Workspace, input: &std::path::Path, extra: &[&str]) -> std::process::Output {
    env.cmd()
        .arg("run")
        .arg(input)
        .args(["--profile", "mock", "--json", "--out"])
        .arg(env.out())
        .args(extra)
        .output()
        .expect("run gloss")
}

/// A request's kind and the position in the issue of the article it is for
/// (`None` for the brief).
fn classify(body: &Value, positions: &HashMap<String, usize>) -> (RequestKind, Option<usize>) {
    let user = common::user_message(body);
    let kind = RequestKind::of(body);
    let article = match kind {
        RequestKind::Brief | RequestKind::SectionNames => None,
        // `Article A01: …`
        RequestKind::Summary => user.get(8..11).and_then(|id| positions.get(id)).copied(),
        // `Article: <title>\n…`
        _ => user
            .strip_prefix("Article: ")
            .and_then(|rest| rest.lines().next())
            .and_then(|title| positions.get(title))
            .copied(),
    };
    (kind, article)
}

/// The mock's requests so far, each classified.
fn sent(env: &Workspace, positions: &HashMap<String, usize>) -> Vec<(RequestKind, Option<usize>)> {
    env.mock
        .bodies()
        .iter()
        .map(|b| classify(b, positions))
        .collect()
}

/// Article id → position, and title → position (titles that are unique).
fn positions(parsed: &Value) -> HashMap<String, usize> {
    let list = parsed["articles"].as_array().unwrap();
    let mut out = HashMap::new();
    for (i, a) in list.iter().enumerate() {
        out.insert(a["id"].as_str().unwrap().to_string(), i);
        let title = a["title"].as_str().unwrap();
        if list.iter().filter(|b| b["title"] == title).count() == 1 {
            out.insert(title.to_string(), i);
        }
    }
    out
}

/// On a real run the graph's order holds at the endpoint: no chunk starts
/// before the term lists of its own and earlier articles have been answered,
/// no summary before every translation and repair of its article, no brief
/// before every summary and the section names. With `--jobs 4` and a delay, requests overlap.
#[test]
fn dependency_order_holds_at_the_endpoint() {
    let env = env();
    let parsed = parse_json(&env, &sample());
    let positions = positions(&parsed);
    env.mock.set_delay(15, 0);
    assert_ok(&run(&env, &sample(), &["--jobs", "4"]));
    assert!(env.mock.max_in_flight() > 1, "requests never overlapped");

    let kinds = sent(&env, &positions);
    let mut ended = vec![false; kinds.len()];
    let (mut summaries, mut briefs) = (0, 0);
    for event in env.mock.events() {
        let i = match event {
            Event::End(i) => {
                ended[i] = true;
                continue;
            }
            Event::Start(i) => i,
        };
        let (kind, at) = kinds[i];
        // Which earlier requests must have been answered before this one.
        let waits_for = |(k, a): &(RequestKind, Option<usize>)| match kind {
            RequestKind::Translation => *k == RequestKind::Termbase && a <= &at,
            RequestKind::Summary => {
                matches!(k, RequestKind::Translation | RequestKind::Repair) && *a == at
            }
            RequestKind::Brief => matches!(k, RequestKind::Summary | RequestKind::SectionNames),
            _ => false,
        };
        summaries += (kind == RequestKind::Summary) as usize;
        briefs += (kind == RequestKind::Brief) as usize;
        let of_no_article = matches!(kind, RequestKind::Brief | RequestKind::SectionNames);
        assert!(
            kind != RequestKind::Other && (of_no_article || at.is_some()),
            "request {i} is for no known article"
        );
        for (j, other) in kinds.iter().enumerate() {
            assert!(
                !waits_for(other) || ended[j],
                "request {i} ({kind:?}, article {at:?}) started before request {j} ({other:?}) was answered"
            );
        }
    }
    assert!(
        summaries > 1 && briefs == 1,
        "{summaries} summaries, {briefs} briefs"
    );
    let names = kinds
        .iter()
        .filter(|(k, _)| *k == RequestKind::SectionNames)
        .count();
    assert_eq!(names, 1, "section-name requests");
}

/// An edit of one paragraph re-sends its chunk, its article's summary and
/// the brief, and nothing else. The termbase is off: term requests are
/// another design's business (their own tests cover what they re-send).
#[test]
fn an_edited_paragraph_resends_its_chunk_summary_and_the_brief_only() {
    let env = env();
    let input = env.path().join(format!("{STEM}.txt"));
    let original = std::fs::read_to_string(sample()).unwrap();
    std::fs::write(&input, &original).unwrap();
    assert_ok(&run(&env, &input, &["--no-termbase"]));
    let first_requests = env.mock.requests();

    // A paragraph holding a Hangul word found nowhere else in the file.
    let parsed = parse_json(&env, &input);
    let texts = all_texts(&parsed);
    let (article, para, word) = parsed["articles"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] != "front")
        .flat_map(|a| {
            a["paragraphs"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |p| (a, p))
        })
        .find_map(|(a, p)| {
            let word = p["text"].as_str()?.split_whitespace().find(|w| {
                is_hangul_word(w)
                    && original.matches(*w).count() == 1
                    && texts.iter().filter(|t| t.contains(*w)).count() == 1
            })?;
            Some((a.clone(), p.clone(), word.to_string()))
        })
        .expect("a paragraph with a unique word");
    let id = article["id"].as_str().unwrap().to_string();
    let replacement = shifted_word(&word);
    std::fs::write(&input, original.replacen(&word, &replacement, 1)).unwrap();
    // A real model's summary changes with the article; the mock's default
    // (the message's first 40 characters) would not.
    let edited = p_text(&para).replacen(&word, &replacement, 1);
    let needle = expected_translation(&edited);
    env.mock.configure(|c| {
        c.fault_when_user_contains = Some((
            needle.clone(),
            Fault::Reply("SUMMARY: The edited article.\n- one new point".into()),
        ))
    });
    env.mock.reset_counters();
    assert_ok(&run(&env, &input, &["--no-termbase"]));

    let positions = positions(&parsed);
    let sent = sent(&env, &positions);
    let here = positions.get(&id).copied();
    assert_eq!(
        sent,
        [
            (RequestKind::Translation, here),
            (RequestKind::Summary, here),
            (RequestKind::Brief, None)
        ],
        "after editing one paragraph of {id} (of {first_requests} requests the first run sent)"
    );
    let translation = &env.mock.user_messages()[0];
    assert!(translation.contains(&replacement) && !translation.contains(&word));
}

fn p_text(p: &Value) -> String {
    p["text"].as_str().unwrap().to_string()
}

/// A fatal error in the middle of a run (a 401 to the 11th request, with
/// dozens still to send) stops the whole graph at once: nothing is sent
/// after gloss reads it, so at most the `--jobs` − 1 requests already in
/// flight follow the 401, and the run fails.
#[test]
fn a_fatal_error_mid_run_stops_the_whole_graph() {
    const JOBS: usize = 3;
    const BEFORE: usize = 10;
    let env = env();
    env.mock.set_delay(20, 0);
    for _ in 0..BEFORE {
        env.mock.push_fault(Fault::Hang { ms: 0 });
    }
    env.mock.push_fault(Fault::Custom {
        status: 401,
        body: r#"{"error":{"message":"invalid api key","type":"invalid_request_error"}}"#.into(),
    });
    let out = run(&env, &sample(), &["--jobs", &JOBS.to_string()]);
    assert!(
        !out.status.success(),
        "the run went on: {}",
        text(&out.stderr)
    );
    assert!(text(&out.stderr).contains("401"), "{}", text(&out.stderr));
    let sent = env.mock.requests();
    assert!(
        sent > BEFORE && sent <= BEFORE + JOBS,
        "{sent} requests with a 401 as request {} and --jobs {JOBS}",
        BEFORE + 1
    );
    // The same run without the fault sends far more: the stop is real.
    env.mock.reset_counters();
    assert_ok(&run(&env, &sample(), &["--jobs", &JOBS.to_string()]));
    assert!(
        env.mock.requests() > 2 * (BEFORE + JOBS),
        "only {} requests left after the stop",
        env.mock.requests()
    );
}
