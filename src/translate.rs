//! Stage 4 — translate: send each chunk's segments to the model and align
//! the reply back to segment ids.
//!
//! A reply must carry every segment under its marker. A count mismatch is
//! asked again once, naming the problem, then the chunk is split in halves;
//! `finish_reason: length` splits at once. Only a complete, aligned result is
//! cached, under the chunk's own key, so a rerun finds it in one read.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::cache::{Cache, CacheKey};
use crate::chunk::{Chunk, Segment};
use crate::config::Profile;
use crate::glossary::{Glossary, Term};
use crate::llm::{ChatRequest, FinishReason, LazyClient, LlmError, Usage, strip_reasoning};
use crate::prompts::{Messages, Prompts};

/// The language pair of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Languages {
    pub source: String,
    pub target: String,
}

/// Guess the source language from its script.
pub fn detect_language(text: &str) -> &'static str {
    let (mut hangul, mut kana, mut han) = (0usize, 0usize, 0usize);
    for c in text.chars().take(20_000) {
        match c as u32 {
            0xAC00..=0xD7AF | 0x1100..=0x11FF | 0x3130..=0x318F => hangul += 1,
            0x3040..=0x30FF => kana += 1,
            0x4E00..=0x9FFF => han += 1,
            _ => {}
        }
    }
    if hangul > 0 && hangul * 4 >= han + kana {
        "Korean"
    } else if kana > 0 {
        "Japanese"
    } else if han > 0 {
        "Chinese"
    } else {
        // Latin and other scripts: the model tells them apart better than a guess here.
        "the source language"
    }
}

/// One segment's translation as cached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Translated {
    pub id: String,
    pub text: String,
    /// Quality problems left after the repair attempt; empty when it passed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<crate::qa::Flag>,
    /// Whether a repair request fixed (or tried to fix) this segment.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub repaired: bool,
}

/// What happened to one chunk, for the manifest.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ChunkReport {
    pub chunk: String,
    pub article: String,
    pub segments: usize,
    pub source_tokens: usize,
    /// `ok` or `failed`.
    pub status: String,
    pub error: Option<String>,
    #[serde(flatten)]
    pub traffic: crate::stage::Traffic,
    /// Times the chunk (or a part of it) was split after a bad reply.
    pub splits: u32,
    /// Segments that failed a quality check and were re-requested.
    pub repair_requests: u32,
    /// Of those, how many pass after the repair.
    pub repaired: u32,
    /// Segments still flagged, by check.
    pub flagged: std::collections::BTreeMap<String, u32>,
}

/// The stage's inputs that do not change per chunk.
#[derive(Clone)]
pub struct Translator {
    pub profile: Profile,
    pub prompts: Prompts,
    pub cache: Cache,
    pub languages: Languages,
    /// Built on the first cache miss only.
    pub client: std::sync::Arc<LazyClient>,
    /// The user's glossary merged with the termbase; a chunk's prompt gets
    /// the terms that occur in it.
    pub glossary: Glossary,
    /// Re-request a segment that fails a quality check (once).
    pub repair: bool,
    /// Each article id's position in the issue: a chunk gets terms from its
    /// own and earlier articles only.
    pub article_order: HashMap<String, usize>,
}

static MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^[ \t]*\**\[(\d{1,4})\]\**[ \t]*:?[ \t]?").expect("static regex")
});

/// Why a reply could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyError {
    /// The markers were not exactly `[1]`…`[expected]`.
    Mismatch { expected: usize, got: usize },
    /// A segment came back empty.
    Empty { index: usize },
}

impl std::fmt::Display for ReplyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReplyError::Mismatch { expected, got } => {
                write!(f, "reply had {got} segments, expected {expected}")
            }
            ReplyError::Empty { index } => write!(f, "segment [{index}] came back empty"),
        }
    }
}

/// Split a reply into `expected` segment texts by their `[n]` markers.
pub fn parse_reply(reply: &str, expected: usize) -> Result<Vec<String>, ReplyError> {
    let text = strip_reasoning(reply);
    let marks: Vec<(usize, usize, usize)> = MARKER
        .captures_iter(&text)
        .filter_map(|c| {
            let whole = c.get(0)?;
            Some((c[1].parse::<usize>().ok()?, whole.start(), whole.end()))
        })
        .collect();
    let in_order = marks.iter().enumerate().all(|(i, m)| m.0 == i + 1);
    if marks.len() != expected || !in_order {
        return Err(ReplyError::Mismatch {
            expected,
            got: marks.len(),
        });
    }
    let mut out = Vec::with_capacity(expected);
    for (i, m) in marks.iter().enumerate() {
        let end = marks.get(i + 1).map_or(text.len(), |n| n.1);
        let segment = text[m.2..end].trim().to_string();
        if segment.is_empty() {
            return Err(ReplyError::Empty { index: i + 1 });
        }
        out.push(segment);
    }
    Ok(out)
}

/// The prompt context for a list of segments.
#[derive(Serialize)]
struct PromptContext<'a> {
    source_language: &'a str,
    target_language: &'a str,
    title: &'a str,
    segments: Vec<PromptSegment<'a>>,
    glossary: Vec<&'a Term>,
}

#[derive(Serialize)]
struct RepairContext<'a> {
    source_language: &'a str,
    target_language: &'a str,
    title: &'a str,
    source: &'a str,
    translation: &'a str,
    problems: Vec<String>,
    glossary: Vec<&'a Term>,
}

#[derive(Serialize)]
struct PromptSegment<'a> {
    id: &'a str,
    text: &'a str,
}

/// Derived from src/qa/ and this file (build.rs): any change to the checks
/// or the reply handling re-checks cached answers.
const QA_VERSION: &str = crate::cache::versions::QA;

/// Everything that shapes a *checked* chunk result: the request, and how
/// failed segments are handled (repairs on or off, the repair prompt, the
/// checks' version). The raw answer is cached under the request alone.
#[derive(Serialize)]
struct CheckedKey<'a> {
    request: &'a ChatRequest,
    qa_version: &'a str,
    repair: bool,
    repair_template: Option<&'a str>,
}

/// Failure of a part of a chunk: either the run must stop, or the part failed.
enum PartError {
    Fatal(LlmError),
    Failed(String),
}

impl Translator {
    /// Glossary terms that occur in the title or the segments: the user's,
    /// and the termbase's from this article or earlier ones, so an edit to a
    /// later article never changes this chunk's prompt (or cache key).
    fn terms_for<'a>(&'a self, title: &str, segments: &[Segment]) -> Vec<&'a Term> {
        let mut text = title.to_string();
        for s in segments {
            text.push('\n');
            text.push_str(&s.text);
        }
        let position = |id: &str| self.article_order.get(id).copied();
        let here = segments
            .first()
            .and_then(|s| s.id.split('.').next())
            .and_then(position)
            .unwrap_or(usize::MAX);
        self.glossary
            .in_text(&text)
            .into_iter()
            .filter(|t| t.origin == "glossary" || position(&t.origin).is_some_and(|p| p <= here))
            .collect()
    }

    fn messages(&self, title: &str, segments: &[Segment]) -> crate::Result<Messages> {
        self.prompts.render(
            "translate.md",
            PromptContext {
                source_language: &self.languages.source,
                target_language: &self.languages.target,
                title,
                segments: segments
                    .iter()
                    .map(|s| PromptSegment {
                        id: &s.id,
                        text: &s.text,
                    })
                    .collect(),
                glossary: self.terms_for(title, segments),
            },
        )
    }

    /// The request for `segments` of an article titled `title`, and the key
    /// of its raw answer. The base URL is not in the key: the same model
    /// behind another address gives the same answer; the model name is.
    pub fn request(
        &self,
        title: &str,
        segments: &[Segment],
    ) -> crate::Result<(ChatRequest, CacheKey)> {
        let messages = self.messages(title, segments)?;
        let mut request = ChatRequest::new(&self.profile, &messages);
        request.max_tokens = request.max_tokens.min(output_cap(segments));
        let key = CacheKey::new("translate-raw", &request);
        Ok((request, key))
    }

    /// The key of a chunk's checked (and possibly repaired) result.
    fn checked_key(&self, request: &ChatRequest) -> CacheKey {
        CacheKey::new(
            "translate",
            &CheckedKey {
                request,
                qa_version: QA_VERSION,
                repair: self.repair,
                repair_template: self
                    .repair
                    .then(|| self.prompts.source("repair.md"))
                    .flatten(),
            },
        )
    }

    /// A cached checked result for `segments`, re-labelled with their ids:
    /// the key holds the text, not the ids, so a paragraph that moved (or the
    /// same text in another issue) finds its translation under its own id.
    fn cached_checked(&self, key: &CacheKey, segments: &[Segment]) -> Option<Vec<Translated>> {
        let entry = self.cache.get::<Vec<Translated>>(key)?;
        (entry.value.len() == segments.len()).then(|| {
            entry
                .value
                .into_iter()
                .zip(segments)
                .map(|(t, s)| Translated {
                    id: s.id.clone(),
                    ..t
                })
                .collect()
        })
    }

    /// The cached translation of a chunk, if any.
    pub fn cached(&self, title: &str, chunk: &Chunk) -> crate::Result<Option<Vec<Translated>>> {
        let (request, _) = self.request(title, &chunk.segments)?;
        Ok(self.cached_checked(&self.checked_key(&request), &chunk.segments))
    }

    /// Translate one chunk: from the cache, or by requests. A fatal endpoint
    /// error is returned as `Err`; anything else ends in the report.
    pub async fn translate_chunk(
        &self,
        title: &str,
        chunk: &Chunk,
    ) -> Result<(Option<Vec<Translated>>, ChunkReport), LlmError> {
        let mut report = ChunkReport {
            chunk: chunk.id.clone(),
            article: chunk.article.clone(),
            segments: chunk.segments.len(),
            source_tokens: chunk.tokens,
            traffic: crate::stage::Traffic {
                usage_reported: true,
                ..Default::default()
            },
            ..Default::default()
        };
        let key = match self.request(title, &chunk.segments) {
            Ok((request, _)) => self.checked_key(&request),
            Err(e) => {
                report.status = "failed".into();
                report.error = Some(e.to_string());
                return Ok((None, report));
            }
        };
        if let Some(value) = self.cached_checked(&key, &chunk.segments) {
            report.status = "ok".into();
            report.traffic.cache_hit = true;
            report.traffic.usage_reported = false;
            for f in value.iter().flat_map(|t| &t.flags) {
                *report.flagged.entry(f.kind.name().to_string()).or_default() += 1;
            }
            return Ok((Some(value), report));
        }
        match self
            .translate_part(title, &chunk.segments, &mut report, true)
            .await
        {
            Ok(texts) => {
                let value = match self
                    .quality(title, &chunk.segments, texts, &mut report)
                    .await
                {
                    Ok(v) => v,
                    Err(fatal) => return Err(fatal),
                };
                let usage = Usage {
                    prompt_tokens: report.traffic.tokens_in,
                    completion_tokens: report.traffic.tokens_out,
                };
                if let Err(e) = self.cache.put(
                    &key,
                    "translate",
                    Some(&self.profile.model),
                    Some(usage),
                    &value,
                ) {
                    report.error = Some(format!("not cached: {e}"));
                }
                report.status = "ok".into();
                Ok((Some(value), report))
            }
            Err(PartError::Fatal(e)) => Err(e),
            Err(PartError::Failed(message)) => {
                report.status = "failed".into();
                report.error = Some(message);
                Ok((None, report))
            }
        }
    }

    /// Translate `segments`; on a bad reply, ask once more (when `reask`),
    /// then split in halves down to single segments.
    fn translate_part<'a>(
        &'a self,
        title: &'a str,
        segments: &'a [Segment],
        report: &'a mut ChunkReport,
        reask: bool,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Vec<String>, PartError>> + Send + 'a>,
    > {
        Box::pin(async move {
            let client = match self.client.get() {
                Ok(c) => c,
                Err(e) => return Err(PartError::Fatal(e)),
            };
            let (mut request, key) = self
                .request(title, segments)
                .map_err(|e| PartError::Failed(e.to_string()))?;
            // The raw answer (or a split half's) may be cached by an earlier,
            // interrupted run; it is checked again like a fresh one.
            if let Some(entry) = self.cache.get::<Vec<String>>(&key)
                && entry.value.len() == segments.len()
            {
                return Ok(entry.value);
            }
            let mut problem: Option<String> = None;
            for ask in 0..2 {
                if ask == 1 {
                    let Some(p) = &problem else { break };
                    if !reask {
                        break;
                    }
                    // Name the problem: a plain resend at temperature 0 repeats it.
                    if let Some(last) = request.messages.last_mut() {
                        let content = last["content"].as_str().unwrap_or_default().to_string();
                        last["content"] = serde_json::Value::String(format!(
                            "{content}\n\nYour previous reply was unusable ({p}). Reply with exactly {} segments, each on a new line starting with its marker [1] to [{}].",
                            segments.len(),
                            segments.len()
                        ));
                    }
                }
                let estimate = segments.iter().map(|s| s.tokens).sum::<usize>() as u32 * 2 + 300;
                report.traffic.requests += 1;
                let outcome = match client.chat(&request, estimate).await {
                    Ok(o) => o,
                    Err(e) if e.is_fatal() => return Err(PartError::Fatal(e)),
                    Err(LlmError::ContextOverflow { message, .. }) if segments.len() > 1 => {
                        problem = Some(message.into());
                        break;
                    }
                    Err(e) => {
                        report.traffic.attempts += match &e {
                            LlmError::Exhausted { attempts, .. } => *attempts,
                            _ => 1,
                        };
                        return Err(PartError::Failed(e.to_string()));
                    }
                };
                report.traffic.record(&outcome);
                match &outcome.completion.finish_reason {
                    FinishReason::Length => {
                        problem = Some("output cut at the token limit".into());
                        break;
                    }
                    // vLLM's `abort`, `content_filter`…: not a complete answer.
                    FinishReason::Other(reason) if reason != "missing" => {
                        problem = Some(format!("the server ended the answer with {reason:?}"));
                        break;
                    }
                    _ => {}
                }
                match parse_reply(&outcome.completion.text, segments.len()) {
                    Ok(texts) => {
                        // The raw, aligned answer: an interrupted run resumes
                        // from it; it is never served as a checked result.
                        let _ = self.cache.put(
                            &key,
                            "translate-raw",
                            Some(&self.profile.model),
                            outcome.completion.usage,
                            &texts,
                        );
                        return Ok(texts);
                    }
                    Err(e) => problem = Some(e.to_string()),
                }
            }
            let problem = problem.unwrap_or_else(|| "unusable reply".into());
            if segments.len() == 1 {
                return Err(PartError::Failed(format!(
                    "segment {}: {problem}",
                    segments[0].id
                )));
            }
            report.splits += 1;
            let (left, right) = segments.split_at(segments.len() / 2);
            let mut texts = self.translate_part(title, left, report, false).await?;
            texts.extend(self.translate_part(title, right, report, false).await?);
            Ok(texts)
        })
    }
}

impl Translator {
    /// Check every segment; re-request those that fail once, naming the
    /// problems, and keep the better answer. What still fails is flagged.
    async fn quality(
        &self,
        title: &str,
        segments: &[Segment],
        texts: Vec<String>,
        report: &mut ChunkReport,
    ) -> Result<Vec<Translated>, LlmError> {
        let mut out = Vec::with_capacity(segments.len());
        for (segment, text) in segments.iter().zip(texts) {
            let terms = self.terms_for("", std::slice::from_ref(segment));
            let check = |t: &str| {
                crate::qa::check_into(
                    &self.languages.target,
                    &self.languages.source,
                    &segment.text,
                    t,
                    &terms,
                )
            };
            let mut flags = check(&text);
            let mut text = text;
            let mut repaired = false;
            if !flags.is_empty() && self.repair {
                report.repair_requests += 1;
                report.traffic.requests += 1;
                if let Some(better) = self
                    .repair_segment(title, segment, &text, &flags, &terms, report)
                    .await?
                {
                    let better_flags = check(&better);
                    if better_flags.len() < flags.len() {
                        repaired = true;
                        if better_flags.is_empty() {
                            report.repaired += 1;
                        }
                        text = better;
                        flags = better_flags;
                    }
                }
            }
            for f in &flags {
                *report.flagged.entry(f.kind.name().to_string()).or_default() += 1;
            }
            out.push(Translated {
                id: segment.id.clone(),
                text,
                flags,
                repaired,
            });
        }
        Ok(out)
    }

    /// One focused request for one segment. `None` when it fails.
    async fn repair_segment(
        &self,
        title: &str,
        segment: &Segment,
        translation: &str,
        flags: &[crate::qa::Flag],
        terms: &[&Term],
        report: &mut ChunkReport,
    ) -> Result<Option<String>, LlmError> {
        let messages = self.prompts.render(
            "repair.md",
            RepairContext {
                source_language: &self.languages.source,
                target_language: &self.languages.target,
                title,
                source: &segment.text,
                translation,
                problems: flags.iter().map(|f| f.to_string()).collect(),
                glossary: terms.to_vec(),
            },
        );
        let Ok(messages) = messages else {
            return Ok(None);
        };
        let mut request = ChatRequest::new(&self.profile, &messages);
        request.max_tokens = request
            .max_tokens
            .min(output_cap(std::slice::from_ref(segment)));
        let client = self.client.get()?;
        match client.chat(&request, segment.tokens as u32 * 2 + 300).await {
            Ok(outcome) => {
                report.traffic.record(&outcome);
                if outcome.completion.finish_reason == FinishReason::Length {
                    return Ok(None);
                }
                let text = strip_reasoning(&outcome.completion.text);
                // A reply that kept the marker format is still one segment.
                let text = MARKER.replace(text.trim(), "").trim().to_string();
                Ok((!text.is_empty()).then_some(text))
            }
            Err(e) if e.is_fatal() => Err(e),
            Err(_) => Ok(None),
        }
    }
}

/// Room for a chunk's answer: about twice the source, so a model that loops
/// stops early with `finish_reason: length` (and the chunk is split) instead
/// of generating thousands of tokens.
pub fn output_cap(segments: &[Segment]) -> u32 {
    let source: usize = segments.iter().map(|s| s.tokens).sum();
    (source * 2 + 16 * segments.len() + 64) as u32
}

/// Collected translations by segment id.
pub type TranslationMap = HashMap<String, Translated>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_with_markers_aligns() {
        let r = parse_reply(
            "Here you go:\n[1] Title\n[2] First line\ncontinued\n[3]: Third",
            3,
        )
        .unwrap();
        assert_eq!(r, vec!["Title", "First line\ncontinued", "Third"]);
    }

    #[test]
    fn think_blocks_are_stripped() {
        let r = parse_reply("<think>[1] draft\n[2] draft</think>\n[1] A\n[2] B", 2).unwrap();
        assert_eq!(r, vec!["A", "B"]);
    }

    #[test]
    fn count_and_order_mismatches() {
        assert_eq!(
            parse_reply("[1] A", 2),
            Err(ReplyError::Mismatch {
                expected: 2,
                got: 1
            })
        );
        assert!(parse_reply("[2] B\n[1] A", 2).is_err());
        assert_eq!(
            parse_reply("[1] A\n[2]", 2),
            Err(ReplyError::Empty { index: 2 })
        );
    }

    #[test]
    fn languages_by_script() {
        assert_eq!(detect_language("산업기술 동향워치"), "Korean");
        assert_eq!(detect_language("第1章 はじめに"), "Japanese");
        assert_eq!(detect_language("第一章 引言"), "Chinese");
    }
}
