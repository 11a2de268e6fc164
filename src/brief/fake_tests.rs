//! The brief stage through the in-process fake endpoint
//! ([`crate::llm::fake`]): a usable answer, an answer cut at the token
//! limit (the brief is assembled from the summaries, and a rerun does not
//! ask again), citations of unknown articles, and cache hits. No server.

use super::*;
use crate::llm::Finish;
use crate::llm::fake::FakeChat;
use crate::stage::TestServices;

fn request() -> BriefRequest {
    let input = |id: &str, title: &str, text: &str| BriefInput {
        id: id.into(),
        title: title.into(),
        section: None,
        text: text.into(),
    };
    BriefRequest {
        issue: "Trend Watch 22".into(),
        target_language: "English".into(),
        sections: Vec::new(),
        known: ["A01".to_string(), "A02".to_string()].into(),
        inputs: vec![
            input("A01", "Batteries", "Battery makers added plants in Europe."),
            input("A02", "Chips", "Chip output rose in Korea."),
        ],
        key_points: vec![("A01".into(), vec!["new plants".into()])],
        sources: Vec::new(),
        articles: Vec::new(),
    }
}

/// Write the test brief twice through `chat` with one fresh cache.
async fn twice(chat: &FakeChat) -> [BriefOutcome; 2] {
    let t = TestServices::default();
    let s = t.with(chat);
    [
        write(request(), &s).await.unwrap(),
        write(request(), &s).await.unwrap(),
    ]
}

#[tokio::test]
async fn a_usable_answer_is_the_brief_and_is_cached() {
    let chat = FakeChat::always(
        "## Headlines\n- Battery makers expand in Europe [A01]\n- Chip output rises [A02]\n\n## What to watch\n- More plants [A01]\n",
        Finish::Complete,
    );
    let [first, again] = twice(&chat).await;
    assert_eq!(first.brief.origin, "model");
    assert_eq!(first.brief.cited, ["A01", "A02"]);
    assert!(
        first
            .brief
            .markdown
            .contains("- Battery makers expand in Europe [A01]")
    );
    assert_eq!(first.reports.len(), 1);
    assert_eq!(
        (
            first.reports[0].item.as_str(),
            first.reports[0].traffic.requests
        ),
        ("brief", 1)
    );
    assert_eq!(again.brief, first.brief);
    assert!(again.reports[0].traffic.cache_hit);
    assert_eq!(chat.sent().len(), 1, "the second brief is a cache hit");
    let sent = chat.sent();
    let prompt = &sent[0].messages.last().unwrap().content;
    assert!(
        prompt.contains("[A02] Chips\nChip output rose in Korea."),
        "{prompt}"
    );
}

#[tokio::test]
async fn a_cut_answer_gives_way_to_the_summaries_and_is_not_asked_again() {
    let chat = FakeChat::always("## Headlines\n- Battery makers exp", Finish::CutAtLimit);
    let [first, again] = twice(&chat).await;
    assert_eq!(
        first.brief.origin,
        "fallback: the brief request failed: answer cut at the token limit"
    );
    assert_eq!(first.reports[0].status, "failed");
    // Assembled from the summaries: each headline a summary's sentence, cited.
    assert!(
        first
            .brief
            .markdown
            .contains("Battery makers added plants in Europe. [A01]"),
        "{}",
        first.brief.markdown
    );
    assert!(first.warnings[0].starts_with("the model's brief was not usable"));
    assert_eq!(again.brief.origin, first.brief.origin);
    assert!(again.reports[0].traffic.cache_hit);
    assert_eq!(
        chat.sent().len(),
        1,
        "a cut brief is what the request brings again"
    );
}

#[tokio::test]
async fn citations_of_unknown_articles_are_removed() {
    let chat = FakeChat::always(
        "## Headlines\n- Battery makers expand [A01][A09]\n",
        Finish::Complete,
    );
    let [first, _] = twice(&chat).await;
    assert_eq!(first.brief.origin, "model");
    assert_eq!(first.brief.removed_citations, ["A09"]);
    assert!(
        first
            .brief
            .markdown
            .contains("- Battery makers expand [A01]"),
        "{}",
        first.brief.markdown
    );
    assert!(
        first.warnings.iter().any(|w| w.contains("(A09)")),
        "{:?}",
        first.warnings
    );
}
