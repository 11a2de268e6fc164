//! The summarize stage through the in-process fake endpoint
//! ([`crate::llm::fake`]): answers complete, cut at the token limit,
//! filtered, and fatal errors; cache hits send nothing. No server.

use super::*;
use crate::document::{Article, Paragraph};
use crate::llm::fake::{FakeChat, completion};
use crate::llm::{Finish, LlmError};
use crate::stage::{CUT_NOTE, TestServices};

fn request(prompts: &Prompts) -> SummaryRequest {
    let article = Article::stub(
        "A01",
        "회사 소식",
        None,
        vec![Paragraph {
            id: "A01.p01".into(),
            text: "회사가 성장했다.".into(),
            lines: vec![1],
        }],
    );
    let paragraphs = ["The company grew. It hired 20 people."];
    SummaryRequest::new(
        prompts,
        "English",
        &article,
        Some("Company news"),
        &paragraphs,
        BTreeSet::from(["A01".to_string()]),
    )
    .unwrap()
    .unwrap()
}

/// Summarize the test article twice through `chat` with a fresh cache:
/// both results.
async fn twice(chat: &FakeChat) -> [(Option<Summary>, crate::stage::RequestReport); 2] {
    let t = TestServices::default();
    let s = t.with(chat);
    let first = summarize(request(&t.prompts), &s).await.unwrap();
    let second = summarize(request(&t.prompts), &s).await.unwrap();
    [pair(first), pair(second)]
}

/// The summary and the first request's report of an outcome.
fn pair(o: SummaryOutcome) -> (Option<Summary>, crate::stage::RequestReport) {
    (o.summary, o.reports.into_iter().next().unwrap_or_default())
}

/// A summary that only repeats the title is asked once more; the second
/// answer serves, and both are cached (a second run sends nothing).
#[tokio::test]
async fn a_title_only_summary_is_asked_once_more() {
    let chat = FakeChat::new(|r| {
        let again = r
            .messages
            .iter()
            .any(|m| m.content.contains("only repeated the article's title"));
        let text = match again {
            true => "SUMMARY: The company hired 20 people.",
            false => "SUMMARY: Company news.",
        };
        Ok(completion(text, Finish::Complete))
    });
    let t = TestServices::default();
    let s = t.with(&chat);
    let first = summarize(request(&t.prompts), &s).await.unwrap();
    let items: Vec<&str> = first.reports.iter().map(|r| r.item.as_str()).collect();
    assert_eq!(items, ["summary A01", "summary A01 again"]);
    assert_eq!(
        first.summary.map(|s| s.text).as_deref(),
        Some("The company hired 20 people.")
    );
    assert!(first.warnings.is_empty());
    let second = summarize(request(&t.prompts), &s).await.unwrap();
    assert!(second.reports.iter().all(|r| r.traffic.cache_hit));
    // Never better: no summary, and a warning.
    let chat = FakeChat::always("SUMMARY: Company news", Finish::Complete);
    let t = TestServices::default();
    let out = summarize(request(&t.prompts), &t.with(&chat))
        .await
        .unwrap();
    assert_eq!((out.summary, out.reports.len()), (None, 2));
    assert!(
        out.warnings[0].contains("only repeated its title"),
        "{:?}",
        out.warnings
    );
}

#[tokio::test]
async fn a_complete_answer_is_parsed_and_cached() {
    let chat = FakeChat::always(
        "SUMMARY: The company grew. It hired staff.\n- 20 people hired\n- growth",
        Finish::Complete,
    );
    let [(summary, report), (again, cached)] = twice(&chat).await;
    let summary = summary.unwrap();
    assert_eq!(summary.text, "The company grew. It hired staff.");
    assert_eq!(summary.key_points, ["20 people hired", "growth"]);
    assert_eq!((report.status.as_str(), report.traffic.requests), ("ok", 1));
    assert_eq!(
        (report.traffic.tokens_in, report.traffic.tokens_out),
        (100, 10)
    );
    assert_eq!(again.as_ref(), Some(&summary));
    assert!(cached.traffic.cache_hit);
    assert_eq!(cached.traffic.requests, 0);
    assert_eq!(chat.sent().len(), 1, "the second run is a cache hit");
    // The request carries the profile's model and the stage's own limit.
    let sent = &chat.sent()[0];
    assert_eq!(sent.model, "gpt-4o-mini");
    assert_eq!(sent.max_tokens, 400);
    assert!(
        sent.messages
            .last()
            .unwrap()
            .content
            .contains("It hired 20 people.")
    );
}

#[tokio::test]
async fn an_answer_cut_at_the_limit_keeps_its_complete_sentences() {
    let chat = FakeChat::always(
        "SUMMARY: The company grew. It hired staff and then it kept on",
        Finish::CutAtLimit,
    );
    let [(summary, report), (again, cached)] = twice(&chat).await;
    assert_eq!(summary.unwrap().text, "The company grew.");
    assert_eq!(report.note.as_deref(), Some(CUT_NOTE));
    // A cache hit says again that the answer was cut.
    assert_eq!(again.unwrap().text, "The company grew.");
    assert_eq!(cached.note.as_deref(), Some(CUT_NOTE));
    assert_eq!(chat.sent().len(), 1);
}

#[tokio::test]
async fn a_filtered_answer_fails_and_is_not_asked_again() {
    let chat = FakeChat::always("", Finish::Filtered);
    let [(summary, report), (again, cached)] = twice(&chat).await;
    assert!(summary.is_none() && again.is_none());
    assert_eq!(report.status, "failed");
    assert_eq!(
        report.error.as_deref(),
        Some("answer stopped by the provider's content filter")
    );
    assert_eq!(
        (cached.status.as_str(), cached.traffic.cache_hit),
        ("failed", true)
    );
    assert_eq!(
        chat.sent().len(),
        1,
        "the same request would be filtered again"
    );
}

#[tokio::test]
async fn a_cut_answer_without_a_sentence_fails_and_a_server_abort_is_asked_again() {
    let cut = FakeChat::always("SUMMARY: The company", Finish::CutAtLimit);
    let [(summary, report), _] = twice(&cut).await;
    assert!(summary.is_none());
    assert_eq!(
        report.error.as_deref(),
        Some("answer cut at the token limit before a complete sentence")
    );
    assert_eq!(cut.sent().len(), 1);
    let aborted = FakeChat::always("SUMMARY: The company grew.", Finish::Other("abort".into()));
    let [(summary, report), (_, again)] = twice(&aborted).await;
    assert!(summary.is_none());
    assert_eq!(
        report.error.as_deref(),
        Some("the server ended the answer with \"abort\"")
    );
    assert!(!again.traffic.cache_hit);
    assert_eq!(
        aborted.sent().len(),
        2,
        "an abort is not what the request brings again"
    );
}

#[tokio::test]
async fn a_fatal_endpoint_error_stops_the_stage() {
    let chat = FakeChat::new(|_| {
        Err(LlmError::MissingKey {
            profile: "openai".into(),
            var: "OPENAI_API_KEY".into(),
        })
    });
    let t = TestServices::default();
    let err = summarize(request(&t.prompts), &t.with(&chat))
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::MissingKey { .. }), "{err}");
    // A failure that is not fatal ends in the report instead.
    let chat = FakeChat::new(|_| Ok(completion("", Finish::Complete)));
    let (summary, report) = pair(
        summarize(request(&t.prompts), &t.with(&chat))
            .await
            .unwrap(),
    );
    assert!(summary.is_none());
    assert_eq!(report.error.as_deref(), Some("empty answer"));
}
