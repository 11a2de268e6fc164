//! The translate stage through the in-process fake endpoint
//! ([`crate::llm::fake`]): a complete reply, a reply cut at the token limit
//! (the chunk is split and its halves asked alone), a failed request, and
//! cache hits. No server.

use std::sync::Arc;

use super::*;
use crate::cache::Mode;
use crate::chunk::Segment;
use crate::config::{Config, Overrides};
use crate::llm::fake::{FakeChat, completion};
use crate::llm::{ChatRequest, Finish};

/// The fake's English for each source sentence of the test chunk.
const ENGLISH: [(&str, &str); 2] = [
    ("회사가 성장했다.", "The company grew."),
    ("직원 20명을 고용했다.", "It hired 20 employees."),
];

/// The chunk's two segments, translated.
const BOTH: [(&str, &str); 2] = [
    ("A01.p01", "The company grew."),
    ("A01.p02", "It hired 20 employees."),
];

fn chunk() -> Chunk {
    let segment = |n: usize, text: &str| Segment {
        id: format!("A01.p0{n}"),
        paragraph: format!("A01.p0{n}"),
        text: text.into(),
        tokens: 10,
    };
    Chunk {
        id: "A01.c01".into(),
        article: "A01".into(),
        segments: vec![segment(1, ENGLISH[0].0), segment(2, ENGLISH[1].0)],
        tokens: 20,
    }
}

fn translator(dir: &std::path::Path, chat: Arc<FakeChat>) -> Translator {
    let config = Config::load_from(None, None).unwrap();
    Translator {
        profile: config.profile(&Overrides::default()).unwrap().0,
        prompts: Prompts::builtin(),
        cache: Cache::new(dir, Mode::Normal),
        languages: Languages {
            source: "Korean".into(),
            target: "English".into(),
        },
        client: chat,
        glossary: Glossary::default(),
        repair: false,
        article_order: HashMap::new(),
        memory: Default::default(),
    }
}

/// The segment lines (`[n] text`) of a translation request; a request for
/// one segment has no marker and ends with its text.
fn segment_lines(request: &ChatRequest) -> Vec<(usize, String)> {
    let user = &request.messages.last().unwrap().content;
    let marked: Vec<(usize, String)> = user
        .lines()
        .filter_map(|l| {
            let (n, text) = l.strip_prefix('[')?.split_once("] ")?;
            Some((n.parse().ok()?, text.to_string()))
        })
        .collect();
    if !marked.is_empty() {
        return marked;
    }
    let last = user.lines().rev().find(|l| !l.trim().is_empty());
    last.map(|l| vec![(1, l.trim().to_string())])
        .unwrap_or_default()
}

/// A reply giving each segment of `request` its English.
fn reply(request: &ChatRequest) -> String {
    segment_lines(request)
        .iter()
        .map(|(n, text)| {
            let english = ENGLISH
                .iter()
                .find(|(ko, _)| ko == text)
                .map_or("?", |(_, en)| en);
            format!("[{n}] {english}\n")
        })
        .collect()
}

fn texts(translated: &[Translated]) -> Vec<(&str, &str)> {
    translated
        .iter()
        .map(|t| (t.id.as_str(), t.text.as_str()))
        .collect()
}

#[tokio::test]
async fn a_complete_reply_is_checked_kept_and_cached() {
    let dir = tempfile::tempdir().unwrap();
    let chat = Arc::new(FakeChat::new(|r| {
        Ok(completion(&reply(r), Finish::Complete))
    }));
    let t = translator(dir.path(), chat.clone());
    let (translated, report) = t.translate_chunk("회사 소식", &chunk()).await.unwrap();
    assert_eq!(texts(&translated.unwrap()), BOTH);
    assert_eq!((report.status.as_str(), report.traffic.requests), ("ok", 1));
    assert_eq!(report.splits, 0);
    assert!(report.flagged.is_empty(), "{:?}", report.flagged);
    let (again, cached) = t.translate_chunk("회사 소식", &chunk()).await.unwrap();
    assert_eq!(again.unwrap().len(), 2);
    assert!(cached.traffic.cache_hit);
    assert_eq!(chat.sent().len(), 1, "the rerun is a cache hit");
    let sent = chat.sent();
    assert_eq!(
        segment_lines(&sent[0]),
        [(1, ENGLISH[0].0.to_string()), (2, ENGLISH[1].0.to_string())]
    );
}

#[tokio::test]
async fn a_reply_cut_at_the_limit_splits_the_chunk() {
    let dir = tempfile::tempdir().unwrap();
    // Two segments do not fit: the reply stops after the first one.
    let chat = Arc::new(FakeChat::new(|r| {
        let finish = match segment_lines(r).len() {
            1 => Finish::Complete,
            _ => Finish::CutAtLimit,
        };
        let text = reply(r);
        let text = match finish {
            Finish::CutAtLimit => text.lines().next().unwrap_or_default().to_string(),
            _ => text,
        };
        Ok(completion(&text, finish))
    }));
    let t = translator(dir.path(), chat.clone());
    let (translated, report) = t.translate_chunk("회사 소식", &chunk()).await.unwrap();
    assert_eq!(texts(&translated.unwrap()), BOTH);
    assert_eq!((report.status.as_str(), report.splits), ("ok", 1));
    assert_eq!(
        report.traffic.requests, 3,
        "the whole chunk, then each half"
    );
    // A rerun neither asks for the whole chunk nor for its halves.
    let (_, cached) = t.translate_chunk("회사 소식", &chunk()).await.unwrap();
    assert!(cached.traffic.cache_hit);
    assert_eq!(chat.sent().len(), 3);
}

#[tokio::test]
async fn a_failed_request_fails_the_chunk_and_is_asked_again() {
    let dir = tempfile::tempdir().unwrap();
    let chat = Arc::new(FakeChat::new(|_| {
        Err(LlmError::Http {
            status: 400,
            url: crate::redact::Redacted::new("http://fake/v1", &[]),
            message: crate::redact::Redacted::new("bad request", &[]),
            retry_after: None,
        })
    }));
    let t = translator(dir.path(), chat.clone());
    let (translated, report) = t.translate_chunk("회사 소식", &chunk()).await.unwrap();
    assert!(translated.is_none());
    assert_eq!(report.status, "failed");
    assert!(
        report
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("bad request"),
        "{:?}",
        report.error
    );
    let sent = chat.sent().len();
    t.translate_chunk("회사 소식", &chunk()).await.unwrap();
    assert!(chat.sent().len() > sent, "a failure is not cached");
}

#[tokio::test]
async fn one_segment_per_request_asks_each_segment_alone() {
    let dir = tempfile::tempdir().unwrap();
    // Answers without a marker, as a model answers a plain request.
    let chat = Arc::new(FakeChat::new(|r| {
        let english: Vec<String> = segment_lines(r)
            .iter()
            .map(|(_, text)| {
                ENGLISH
                    .iter()
                    .find(|(ko, _)| ko == text)
                    .map_or("?", |(_, en)| en)
                    .to_string()
            })
            .collect();
        Ok(completion(&english.join("\n"), Finish::Complete))
    }));
    let mut t = translator(dir.path(), chat.clone());
    t.profile.segments_per_request = 1;
    let (translated, report) = t.translate_chunk("회사 소식", &chunk()).await.unwrap();
    assert_eq!(texts(&translated.unwrap()), BOTH);
    assert_eq!((report.status.as_str(), report.traffic.requests), ("ok", 2));
    for request in chat.sent() {
        let user = &request.messages.last().unwrap().content;
        assert!(
            !user.contains("[1]"),
            "a lone segment has no marker: {user}"
        );
        assert!(!user.contains("회사 소식"), "nor the title: {user}");
    }
    let (_, cached) = t.translate_chunk("회사 소식", &chunk()).await.unwrap();
    assert!(cached.traffic.cache_hit);
    assert_eq!(chat.sent().len(), 2, "the rerun is a cache hit");
}

#[tokio::test]
async fn a_figure_proved_mis_scaled_is_rewritten_and_noted() {
    let dir = tempfile::tempdir().unwrap();
    let chat = Arc::new(FakeChat::new(|_| {
        Ok(completion(
            "It expects 130 million passengers a year.",
            Finish::Complete,
        ))
    }));
    let t = translator(dir.path(), chat);
    let mut one = chunk();
    one.segments.truncate(1);
    one.segments[0].text = "연간 1,300만명의 승객을 예상한다.".into();
    let (translated, report) = t.translate_chunk("공항", &one).await.unwrap();
    let translated = translated.unwrap();
    assert_eq!(
        translated[0].text,
        "It expects 13 million passengers a year."
    );
    assert!(translated[0].flags.is_empty(), "{:?}", translated[0].flags);
    assert_eq!(translated[0].fixed.len(), 1);
    assert!(
        translated[0].fixed[0].contains("130 million"),
        "{:?}",
        translated[0].fixed
    );
    assert!(report.flagged.is_empty());
}
