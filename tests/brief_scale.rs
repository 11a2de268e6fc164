//! How the brief's checks scale with the size of a model's answer: a
//! hostile answer of 200,000 `[A01]` once took 23 s of CPU (quadratic).
//! Not a timed test: `scripts/bench-brief` runs it and prints the figures
//! (seconds for 50,000, 100,000 and 200,000 citations, and the ratio of
//! the last two, ~2 when linear, ~4 when quadratic).

use std::collections::BTreeSet;
use std::time::Instant;

use gloss::brief::{BriefArticle, BriefInput, BriefRequest, finish};
use gloss::citations::check_citations;
use gloss::prompts::Prompts;

/// The shapes a hostile answer may take: one line of citations, one
/// headline a citation, and one repeated headline a line.
fn answers(n: usize) -> Vec<(&'static str, String)> {
    vec![
        (
            "one line",
            format!("## Headlines\n- x {}\n", "[A01]".repeat(n)),
        ),
        (
            "a line each",
            format!("## Headlines\n{}", "- [A01]\n".repeat(n)),
        ),
        (
            "repeated headlines",
            format!(
                "## Headlines\n{}\n## What to watch\n{}",
                "- Exports grow 5% [A01]\n".repeat(n),
                "- Exports grow 5% [A01]\n".repeat(n)
            ),
        ),
    ]
}

fn request() -> BriefRequest {
    BriefRequest {
        issue: "scale".into(),
        target_language: "English".into(),
        sections: vec![],
        known: BTreeSet::from(["A01".to_string()]),
        inputs: vec![BriefInput {
            id: "A01".into(),
            title: "Exports".into(),
            section: None,
            text: "Exports grow 5%.".into(),
        }],
        key_points: vec![],
        sources: vec![],
        articles: vec![BriefArticle {
            id: "A01".into(),
            title: "Exports".into(),
            section: Some("Trade".into()),
            source: None,
            date: None,
        }],
    }
}

#[test]
#[ignore = "a benchmark: scripts/bench-brief runs it and prints its figures"]
fn brief_checks_scale_linearly() {
    let prompts = Prompts::builtin();
    let request = request();
    for (shape, _) in answers(1) {
        let mut seconds = Vec::new();
        for n in [50_000, 100_000, 200_000] {
            let answer = answers(n)
                .into_iter()
                .find(|(s, _)| *s == shape)
                .map(|(_, a)| a)
                .unwrap_or_default();
            let start = Instant::now();
            let checked = check_citations(&answer, &request.known);
            let out = finish(Ok(answer), &request, &prompts, vec![]);
            let took = start.elapsed().as_secs_f64();
            assert!(checked.cited == ["A01"] && !out.brief.markdown.is_empty());
            println!("bench-brief: {shape:<18} {n:>7} citations: {took:.3} s");
            seconds.push(took);
        }
        println!(
            "bench-brief: {shape:<18} 200,000 / 100,000: x{:.2} (linear ~2, quadratic ~4)",
            seconds[2] / seconds[1].max(1e-9)
        );
    }
}
