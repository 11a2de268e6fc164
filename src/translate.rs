//! Stage 4 — translate: send each chunk's segments to the model and align
//! the reply back to segment ids.
//!
//! A reply must carry every segment under its marker (a one-segment reply
//! may leave it out). A reply that breaks the format (markers missing,
//! duplicated or out of order, or figures that drifted to a neighbour) is
//! asked again once, naming the problem, then split in halves down to single
//! segments; `finish_reason: length` splits at once. A segment that still
//! fails costs only itself. Every complete reply is cached as text and parsed
//! at each read, a cut or filtered one as unusable (the same request brings
//! it again); the checked result of a whole chunk is cached under the
//! chunk's own key, so a rerun finds it in one read, and a chunk with failed
//! segments is cached apart as partial: a rerun replays their replies and
//! asks again only for what got no answer (all of them with --retry-failed).

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::cache::{Cache, CacheKey, Cached, CheckedKey, CheckedKind};
use crate::chunk::{Chunk, Segment};
use crate::config::Profile;
use crate::glossary::{Glossary, Term};
use crate::llm::{ChatRequest, LazyClient, LlmError, Usage};
use crate::prompts::{Messages, Prompts};
use crate::qa::echo::PromptText;

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
        if crate::script::is_hangul(c) {
            hangul += 1;
        } else if crate::script::is_kana(c) {
            kana += 1;
        } else if crate::script::is_han(c) {
            han += 1;
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
    /// `ok`, `partial` (some segments failed, the others kept) or `failed`.
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
    /// Of the traffic's requests and tokens, those of repair requests.
    #[serde(default)]
    pub repair_sent: u32,
    #[serde(default)]
    pub repair_tokens_in: u64,
    #[serde(default)]
    pub repair_tokens_out: u64,
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
    /// Human corrections and remembered segments ([`crate::memory`]).
    pub memory: crate::memory::Memory,
}

static MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^[ \t]*\**\[(\d{1,4})\]\**[ \t]*:?[ \t]?").expect("static regex")
});

/// `Translation:`, `English translation:` before the text on the same line.
static INLINE_PREAMBLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*\**(?:english\s+)?(?:translation|english)\**\s*:\**\s*")
        .expect("static regex")
});

/// Why a reply could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyError {
    /// The markers were not exactly `[1]`…`[expected]`.
    Mismatch { expected: usize, got: usize },
    /// A segment came back empty.
    Empty { index: usize },
    /// A segment carries its neighbour's content (its numbers), so the
    /// markers cannot be trusted to align the reply.
    Drift { index: usize, neighbour: usize },
    /// Most segments came back in the source language: the model copied
    /// the chunk instead of translating it.
    Untranslated { count: usize, of: usize },
}

impl std::fmt::Display for ReplyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReplyError::Mismatch { expected, got } => {
                write!(f, "reply had {got} segments, expected {expected}")
            }
            ReplyError::Empty { index } => write!(f, "segment [{index}] came back empty"),
            ReplyError::Drift { index, neighbour } => write!(
                f,
                "segment [{neighbour}] carries the numbers of segment [{index}]"
            ),
            ReplyError::Untranslated { count, of } => write!(
                f,
                "{count} of {of} segments came back untranslated, in the source language"
            ),
        }
    }
}

/// A one-segment reply without its marker is that segment; an obvious
/// preamble (`Translation:`, `Here is the translation:` on a line of its
/// own) is not part of it.
fn unmarked_segment(text: &str) -> String {
    let text = text.trim();
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default().trim();
    let rest = lines.collect::<Vec<_>>().join("\n");
    let preamble_line =
        first.ends_with(':') && first.split_whitespace().count() <= 6 && !rest.trim().is_empty();
    let body = if preamble_line { rest.as_str() } else { text };
    INLINE_PREAMBLE.replace(body, "").trim().to_string()
}

/// Split a reply into `expected` segment texts by their `[n]` markers. A
/// reply to a single segment may leave its marker out.
pub fn parse_reply(text: &str, expected: usize) -> Result<Vec<String>, ReplyError> {
    let marks: Vec<(usize, usize, usize)> = MARKER
        .captures_iter(text)
        .filter_map(|c| {
            let whole = c.get(0)?;
            Some((c[1].parse::<usize>().ok()?, whole.start(), whole.end()))
        })
        .collect();
    if expected == 1 && marks.is_empty() {
        let segment = unmarked_segment(text);
        if segment.is_empty() {
            return Err(ReplyError::Empty { index: 1 });
        }
        return Ok(vec![segment]);
    }
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

/// A footnote's label (`* (Personalization)`, `※ (注)`) opening a translation.
static FOOTNOTE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[*＊※][ \t]*[(（][^()（）]{1,60}[)）][ \t]*").expect("static regex")
});

/// Whether a source segment is a footnote (`* …`, `＊ …`, `※ …`).
fn opens_footnote(source: &str) -> bool {
    source.trim_start().starts_with(['*', '＊', '※'])
}

/// Whether a source segment opens with a term in brackets after its bullet
/// (`∙ (R&D DX) …`): a label in its translation is then its own.
fn opens_with_bracket(source: &str) -> bool {
    source
        .trim_start_matches(|c: char| c.is_whitespace() || "∙·•-–○□■◦▪".contains(c))
        .starts_with(['(', '（'])
}

/// `texts` without the footnote label a small model copied from a footnote
/// of the chunk onto segments that are none: the 1.5B wrote
/// "* (Personalization)" — the label of the footnote `* (属人化) …` —
/// before the five bullets around it, each followed by its own translation.
pub fn drop_copied_labels(sources: &[&str], mut texts: Vec<String>) -> Vec<String> {
    let label = |t: &str| {
        FOOTNOTE_LABEL
            .find(t.trim_start())
            .map(|m| m.as_str().trim().to_string())
    };
    let labels: Vec<String> = sources
        .iter()
        .zip(&texts)
        .filter(|(s, _)| opens_footnote(s))
        .filter_map(|(_, t)| label(t))
        .collect();
    for (source, text) in sources.iter().zip(texts.iter_mut()) {
        let copied = label(text).is_some_and(|l| labels.contains(&l));
        if opens_footnote(source) || opens_with_bracket(source) || !copied {
            continue;
        }
        let trimmed = text.trim_start();
        let rest = FOOTNOTE_LABEL.replace(trimmed, "").into_owned();
        if !rest.trim().is_empty() {
            *text = rest;
        }
    }
    texts
}

/// Content that moved between neighbours: segment `a` lost numbers that
/// its neighbour's translation carries although the neighbour's source does
/// not have them. The markers are right, the alignment is not.
pub fn drift(sources: &[&str], translations: &[String]) -> Option<ReplyError> {
    let n = sources.len().min(translations.len());
    for a in 0..n {
        // Small counts are left out: English spells them ("two", "second")
        // where a neighbour's source may well spell them in Korean.
        let lost: Vec<_> = crate::qa::numbers::missing(sources[a], &translations[a])
            .into_iter()
            .filter(|m| !(m.kind == crate::qa::numbers::Kind::Plain && m.value <= 12.0))
            .collect();
        if lost.is_empty() {
            continue;
        }
        for b in [a.wrapping_sub(1), a + 1] {
            let Some((source, translation)) = sources.get(b).zip(translations.get(b)) else {
                continue;
            };
            let moved = lost.iter().all(|m| {
                crate::qa::numbers::missing(&m.text, translation).is_empty()
                    && !crate::qa::numbers::missing(&m.text, source).is_empty()
            });
            if moved {
                return Some(ReplyError::Drift {
                    index: a + 1,
                    neighbour: b + 1,
                });
            }
        }
    }
    None
}

/// Whether `translation` is `source` left in the source language: the
/// same text, or (into English) text still mostly in a CJK script.
fn left_untranslated(source: &str, translation: &str, target_language: &str) -> bool {
    let squash = |s: &str| s.split_whitespace().collect::<String>();
    if squash(source) == squash(translation) && !source.is_ascii() {
        return true;
    }
    let cjk = crate::qa::cjk_letter_share;
    target_language.eq_ignore_ascii_case("English") && cjk(source) > 0.5 && cjk(translation) > 0.5
}

/// A reply of two segments or more that left most of them untranslated:
/// small models copy whole chunks (a summary box, a reference line in
/// Japanese) and do translate the same text asked again or in smaller
/// pieces. A single segment left as it is stays for the quality checks.
pub fn untranslated(
    sources: &[&str],
    translations: &[String],
    target_language: &str,
) -> Option<ReplyError> {
    let count = sources
        .iter()
        .zip(translations)
        .filter(|(s, t)| left_untranslated(s, t, target_language))
        .count();
    (sources.len() >= 2 && count * 2 > sources.len()).then_some(ReplyError::Untranslated {
        count,
        of: sources.len(),
    })
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

/// Added to the user message after an unusable reply: naming the problem,
/// because a plain resend at temperature 0 repeats it. Written as a template
/// so that the prompt-echo check reads it like the prompt files.
const REASK: &str = "Your previous reply was unusable ({{ problem }}). Reply with exactly {{ count }} segments, each on a new line starting with its marker [1] to [{{ count }}].";

/// The outcome of each segment of a part: its reply text, or why it has none.
type PartOutcome = Vec<Result<String, String>>;

/// A chunk some of whose segments failed: the checked good ones (`None`
/// for the failed), cached so that a rerun goes back only to the failed ones.
type Partial = Vec<Option<Translated>>;

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
        let key = CacheKey::reply(&request);
        Ok((request, key))
    }

    /// The prompt text a reply must not repeat: the templates in use. Built
    /// once per process for each set of templates (it compiles a pattern per
    /// label line, too slow to repeat for every chunk ahead of its request).
    fn prompt_text(&self) -> std::sync::Arc<PromptText> {
        type Built = Vec<(Vec<String>, std::sync::Arc<PromptText>)>;
        static BUILT: LazyLock<std::sync::Mutex<Built>> = LazyLock::new(Default::default);
        let templates: Vec<String> = ["translate.md", "repair.md"]
            .into_iter()
            .filter_map(|name| self.prompts.source(name))
            .chain([REASK])
            .map(str::to_string)
            .collect();
        let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, text)) = built.iter().find(|(t, _)| *t == templates) {
            return text.clone();
        }
        let text = std::sync::Arc::new(PromptText::from_templates(
            templates.iter().map(String::as_str),
        ));
        built.push((templates, text.clone()));
        text
    }

    /// The key of a chunk's checked (and possibly repaired) result,
    /// complete or partial. It carries the checks' version, derived from
    /// src/qa/ and this file (build.rs): any change to the checks or the
    /// reply handling re-checks cached answers.
    fn checked_key(&self, kind: CheckedKind, request: &ChatRequest) -> CacheKey {
        let inputs = CheckedKey::new(request, self.repair, self.prompts.source("repair.md"));
        CacheKey::checked(kind, &inputs)
    }

    /// A cached checked result for `segments`, re-labelled with their ids:
    /// the key holds the text, not the ids, so a paragraph that moved (or the
    /// same text in another issue) finds its translation under its own id.
    fn cached_checked(&self, key: &CacheKey, segments: &[Segment]) -> Option<Vec<Translated>> {
        let entry = self.cache.get::<Vec<Translated>>(key)?;
        (entry.value.len() == segments.len()).then(|| relabel(entry.value, segments))
    }

    /// A cached partial result for `segments`, re-labelled like a complete one.
    fn cached_partial(&self, key: &CacheKey, segments: &[Segment]) -> Option<Partial> {
        let entry = self.cache.get::<Partial>(key)?;
        (entry.value.len() == segments.len()).then(|| {
            entry
                .value
                .into_iter()
                .zip(segments)
                .map(|(t, s)| {
                    t.map(|t| Translated {
                        id: s.id.clone(),
                        ..t
                    })
                })
                .collect()
        })
    }

    /// The cached translation of a chunk, if any: complete, or the
    /// segments of a partial result that were translated.
    pub fn cached(&self, title: &str, chunk: &Chunk) -> crate::Result<Option<Vec<Translated>>> {
        let (request, _) = self.request(title, &chunk.segments)?;
        if let Some(done) = self.cached_checked(
            &self.checked_key(CheckedKind::Complete, &request),
            &chunk.segments,
        ) {
            return Ok(Some(done));
        }
        Ok(self
            .cached_partial(
                &self.checked_key(CheckedKind::Partial, &request),
                &chunk.segments,
            )
            .map(|partial| partial.into_iter().flatten().collect()))
    }

    /// Translate one chunk: from the cache, or by requests. A segment that
    /// fails costs only itself: the others are checked and kept, and a rerun
    /// goes back to the failed ones alone (their cached replies, or new
    /// requests for those that got none). A fatal endpoint error is returned
    /// as `Err`; anything else ends in the report.
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
        let segments = &chunk.segments;
        let request = match self.request(title, segments) {
            Ok((request, _)) => request,
            Err(e) => {
                report.status = "failed".into();
                report.error = Some(e.to_string());
                return Ok((None, report));
            }
        };
        let key = self.checked_key(CheckedKind::Complete, &request);
        if let Some(recalled) = crate::memory::recall(self, title, chunk, &key).await? {
            return Ok(recalled);
        }
        let partial_key = self.checked_key(CheckedKind::Partial, &request);
        if let Some(value) = self.cached_checked(&key, segments) {
            report.status = "ok".into();
            report.traffic.cache_hit = true;
            report.traffic.usage_reported = false;
            count_flags(&mut report, &value);
            return Ok((Some(value), report));
        }
        let echo = self.prompt_text();
        let mut done: Partial = match self.cached_partial(&partial_key, segments) {
            Some(partial) => partial,
            None => vec![None; segments.len()],
        };
        let mut failures = Vec::new();
        if done.iter().all(Option::is_none) {
            let outcome = self
                .translate_part(title, segments, &mut report, true)
                .await?;
            let mut texts = Vec::new();
            for (i, text) in outcome.into_iter().enumerate() {
                match text {
                    Ok(text) => texts.push((i, text)),
                    Err(e) => failures.push(e),
                }
            }
            for (i, t) in self
                .check_all(title, segments, texts, &echo, &mut report)
                .await?
            {
                done[i] = Some(t);
            }
        } else {
            // A partial result from an earlier run: only its failed segments
            // are asked again, each alone.
            let missing: Vec<usize> = (0..segments.len()).filter(|&i| done[i].is_none()).collect();
            for i in missing {
                let part = std::slice::from_ref(&segments[i]);
                let outcome = self.translate_part(title, part, &mut report, false).await?;
                match outcome.into_iter().next() {
                    Some(Ok(text)) => {
                        done[i] = Some(
                            self.checked(title, &segments[i], text, &echo, &mut report)
                                .await?,
                        );
                    }
                    Some(Err(e)) => failures.push(e),
                    None => failures.push(format!("segment {}: no reply", segments[i].id)),
                }
            }
        }
        Ok(self.settle(done, failures, (&key, &partial_key), report))
    }

    /// Cache and report a chunk's result: complete (cached under `keys.0`),
    /// partial (the good segments cached apart under `keys.1`) or failed.
    fn settle(
        &self,
        done: Partial,
        failures: Vec<String>,
        keys: (&CacheKey, &CacheKey),
        mut report: ChunkReport,
    ) -> (Option<Vec<Translated>>, ChunkReport) {
        let (key, partial_key) = keys;
        let usage = Usage {
            prompt_tokens: report.traffic.tokens_in,
            completion_tokens: report.traffic.tokens_out,
        };
        let model = Some(self.profile.model.as_str());
        if done.iter().all(Option::is_some) {
            let value: Vec<Translated> = done.into_iter().flatten().collect();
            count_flags(&mut report, &value);
            if let Err(e) = self.cache.put(key, model, Some(usage), &value) {
                report.error = Some(format!("not cached: {e}"));
            }
            report.status = "ok".into();
            return (Some(value), report);
        }
        let kept: Vec<Translated> = done.iter().flatten().cloned().collect();
        count_flags(&mut report, &kept);
        report.error = Some(failures.join("; "));
        if kept.is_empty() {
            report.status = "failed".into();
            return (None, report);
        }
        // Cached apart from complete results: `translate` entries stay whole.
        let _ = self.cache.put(partial_key, model, Some(usage), &done);
        report.status = "partial".into();
        (Some(kept), report)
    }

    /// Translate `segments`; on a bad reply, ask once more (when `reask`),
    /// then split in halves down to single segments, so a segment that fails
    /// costs only itself. Every complete reply is cached as text, and parsed
    /// again whenever it is read: a fix to parsing reaches old entries.
    fn translate_part<'a>(
        &'a self,
        title: &'a str,
        segments: &'a [Segment],
        report: &'a mut ChunkReport,
        reask: bool,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<PartOutcome, LlmError>> + Send + 'a>,
    > {
        Box::pin(async move {
            let all_failed = |why: String| segments.iter().map(|_| Err(why.clone())).collect();
            let mut request = match self.request(title, segments) {
                Ok((request, _)) => request,
                Err(e) => return Ok(all_failed(e.to_string())),
            };
            let mut problem: Option<String> = None;
            for ask in 0..2 {
                if ask == 1 {
                    let Some(p) = &problem else { break };
                    if !reask {
                        break;
                    }
                    if let Some(last) = request.messages.last_mut() {
                        let count = segments.len().to_string();
                        let reask = REASK
                            .replace("{{ problem }}", p)
                            .replace("{{ count }}", &count);
                        last.content = format!("{}\n\n{reask}", last.content);
                    }
                }
                // With --retry-failed, a one-segment reply from an earlier
                // run that cannot be used is asked again once, fresh: it is
                // the last resort of its paragraph (a plain rerun replays it).
                let mut use_cache = true;
                let aligned = loop {
                    let (text, from_cache) =
                        match self.reply(&request, segments, report, use_cache).await {
                            Ok(r) => r,
                            Err(PartError::Fatal(e)) => return Err(e),
                            Err(PartError::Failed(why)) => {
                                return Ok(all_failed(format!("{}: {why}", span(segments))));
                            }
                            Err(PartError::Unusable(why)) => {
                                problem = Some(why);
                                break None;
                            }
                        };
                    match self.align(&text, segments) {
                        Ok(texts) => return Ok(texts.into_iter().map(Ok).collect()),
                        Err(_)
                            if from_cache
                                && use_cache
                                && segments.len() == 1
                                && self.cache.retries_failed() =>
                        {
                            use_cache = false;
                        }
                        Err(e) => break Some(e.to_string()),
                    }
                };
                match aligned {
                    // Misaligned: worth asking again, naming the problem.
                    Some(why) => problem = Some(why),
                    None => break,
                }
            }
            let problem = problem.unwrap_or_else(|| "unusable reply".into());
            if segments.len() == 1 {
                return Ok(vec![Err(format!("segment {}: {problem}", segments[0].id))]);
            }
            report.splits += 1;
            let (left, right) = segments.split_at(segments.len() / 2);
            let mut texts = self.translate_part(title, left, report, false).await?;
            texts.extend(self.translate_part(title, right, report, false).await?);
            Ok(texts)
        })
    }

    /// The reply text to `request`, and whether it came from the cache:
    /// cached (unless `use_cache` is off), or sent and cached when complete.
    async fn reply(
        &self,
        request: &ChatRequest,
        segments: &[Segment],
        report: &mut ChunkReport,
        use_cache: bool,
    ) -> Result<(String, bool), PartError> {
        let key = CacheKey::reply(request);
        match self.cache.get_answer::<String>(&key).filter(|_| use_cache) {
            Some(Cached::Usable(entry)) => return Ok((entry.value, true)),
            Some(Cached::Unusable(u)) => return Err(PartError::Unusable(u.problem)),
            None => {}
        }
        let client = self.client.get().map_err(PartError::Fatal)?;
        let estimate = segments.iter().map(|s| s.tokens).sum::<usize>() as u32 * 2 + 300;
        report.traffic.requests += 1;
        let outcome = match client.chat(request, estimate).await {
            Ok(o) => o,
            Err(e) if e.is_fatal() => return Err(PartError::Fatal(e)),
            Err(LlmError::ContextOverflow { message, .. }) if segments.len() > 1 => {
                return Err(PartError::Unusable(message.into()));
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
        // Cut, aborted or filtered: not a complete answer. Cut or filtered
        // is what this request brings again: stored, so a rerun splits the
        // same way without asking.
        let finish = &outcome.completion.finish;
        if let Some(problem) = finish.problem() {
            let model = Some(self.profile.model.as_str());
            self.cache
                .put_unusable(&key, model, &outcome.completion, &problem);
            return Err(PartError::Unusable(problem));
        }
        // The complete reply as text, usable or not: an interrupted run
        // resumes from it, and parsing runs on it again at every read. An
        // empty one may be a proxy's glitch: not kept, a rerun asks again.
        if outcome.completion.text.trim().is_empty() {
            return Ok((outcome.completion.text, false));
        }
        let _ = self.cache.put(
            &key,
            Some(&self.profile.model),
            outcome.completion.usage,
            &outcome.completion.text,
        );
        Ok((outcome.completion.text, false))
    }

    /// A reply's segment texts, in order, or why the reply cannot be
    /// aligned: a format break, or content that drifted between neighbours.
    fn align(&self, text: &str, segments: &[Segment]) -> Result<Vec<String>, ReplyError> {
        let sources: Vec<&str> = segments.iter().map(|s| s.text.as_str()).collect();
        let texts = drop_copied_labels(&sources, parse_reply(text, segments.len())?);
        if let Some(e) = untranslated(&sources, &texts, &self.languages.target) {
            return Err(e);
        }
        // The drift signal reads English numbers.
        if self.languages.target.eq_ignore_ascii_case("English")
            && let Some(e) = drift(&sources, &texts)
        {
            return Err(e);
        }
        Ok(texts)
    }
}

/// Failure of one request for a part of a chunk.
enum PartError {
    /// The run must stop.
    Fatal(LlmError),
    /// The endpoint did not answer (after its retries): the part failed.
    Failed(String),
    /// An answer came that cannot be complete (cut, aborted, too long a
    /// prompt): smaller pieces may do.
    Unusable(String),
}

/// `A07.p01…p10`: the segments of a part, for messages.
fn span(segments: &[Segment]) -> String {
    match segments {
        [] => String::new(),
        [one] => one.id.clone(),
        [first, .., last] => {
            let tail = last.id.rsplit('.').next().unwrap_or(&last.id);
            format!("{}…{tail}", first.id)
        }
    }
}

fn relabel(value: Vec<Translated>, segments: &[Segment]) -> Vec<Translated> {
    value
        .into_iter()
        .zip(segments)
        .map(|(t, s)| Translated {
            id: s.id.clone(),
            ..t
        })
        .collect()
}

impl ChunkReport {
    /// Add the traffic and repair counts of `part` (one segment's checks).
    fn add_repairs(&mut self, part: &ChunkReport) {
        let (t, p) = (&mut self.traffic, &part.traffic);
        t.requests += p.requests;
        t.attempts += p.attempts;
        t.tokens_in += p.tokens_in;
        t.tokens_out += p.tokens_out;
        t.latency_ms += p.latency_ms;
        t.usage_reported &= p.usage_reported;
        self.repair_requests += part.repair_requests;
        self.repaired += part.repaired;
        self.repair_sent += part.repair_sent;
        self.repair_tokens_in += part.repair_tokens_in;
        self.repair_tokens_out += part.repair_tokens_out;
    }
}

/// Run `futures` side by side; their results in order, or the first error
/// (the others are dropped then, so nothing more is sent).
async fn try_join_all<T, F>(mut futures: Vec<F>) -> Result<Vec<T>, LlmError>
where
    F: std::future::Future<Output = Result<T, LlmError>> + Unpin,
{
    use std::task::Poll;
    let mut out: Vec<Option<T>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, slot) in futures.iter_mut().zip(out.iter_mut()) {
            if slot.is_some() {
                continue;
            }
            match std::pin::Pin::new(f).poll(cx) {
                Poll::Ready(Ok(v)) => *slot = Some(v),
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => pending = true,
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(Ok(()))
        }
    })
    .await?;
    Ok(out.into_iter().flatten().collect())
}

fn count_flags(report: &mut ChunkReport, value: &[Translated]) {
    for f in value.iter().flat_map(|t| &t.flags) {
        *report.flagged.entry(f.kind.name().to_string()).or_default() += 1;
    }
}

impl Translator {
    /// Check the translations `texts` (segment index, text) of `segments`,
    /// their repairs sent side by side: a chunk's repairs do not wait for
    /// each other. A fatal error returns at once, sending nothing more.
    async fn check_all(
        &self,
        title: &str,
        segments: &[Segment],
        texts: Vec<(usize, String)>,
        echo: &PromptText,
        report: &mut ChunkReport,
    ) -> Result<Vec<(usize, Translated)>, LlmError> {
        let fresh = || ChunkReport {
            traffic: crate::stage::Traffic {
                usage_reported: true,
                ..Default::default()
            },
            ..Default::default()
        };
        let mut parts: Vec<ChunkReport> = texts.iter().map(|_| fresh()).collect();
        let checks: Vec<_> = texts
            .into_iter()
            .zip(parts.iter_mut())
            .map(|((i, text), part)| {
                Box::pin(async move {
                    let t = self.checked(title, &segments[i], text, echo, part).await?;
                    Ok::<_, LlmError>((i, t))
                })
            })
            .collect();
        let checked = try_join_all(checks).await;
        for part in &parts {
            report.add_repairs(part);
        }
        checked
    }

    /// Check one segment's translation; when it fails and repairs are on,
    /// ask once more naming the problems. The repair is kept only when it
    /// passes every check or is better than the first answer; otherwise the
    /// segment keeps the better of the two, with its flags.
    async fn checked(
        &self,
        title: &str,
        segment: &Segment,
        text: String,
        echo: &PromptText,
        report: &mut ChunkReport,
    ) -> Result<Translated, LlmError> {
        let terms = self.terms_for("", std::slice::from_ref(segment));
        let check = |t: &str| {
            crate::qa::check_reply(
                &self.languages.target,
                &self.languages.source,
                &segment.text,
                t,
                &terms,
                echo,
            )
        };
        let mut flags = check(&text);
        let mut text = text;
        let mut repaired = false;
        if !flags.is_empty() && self.repair {
            report.repair_requests += 1;
            if let Some(better) = self
                .repair_segment(title, segment, &text, &flags, &terms, report)
                .await?
            {
                let better_flags = check(&better);
                let passes = better_flags.is_empty();
                if passes || crate::qa::badness(&better_flags) < crate::qa::badness(&flags) {
                    repaired = true;
                    report.repaired += passes as u32;
                    text = better;
                    flags = better_flags;
                }
            }
        }
        Ok(Translated {
            id: segment.id.clone(),
            text,
            flags,
            repaired,
        })
    }

    /// One focused request for one segment. `None` when it fails. The reply
    /// is cached as text like a translation's.
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
        let key = CacheKey::repair_reply(&request);
        let reply = match self.cache.get_answer::<String>(&key) {
            Some(Cached::Usable(entry)) => entry.value,
            // The repair came back cut or filtered before: the same again.
            Some(Cached::Unusable(_)) => return Ok(None),
            None => {
                let client = self.client.get()?;
                report.traffic.requests += 1;
                report.repair_sent += 1;
                match client.chat(&request, segment.tokens as u32 * 2 + 300).await {
                    Ok(outcome) => {
                        report.traffic.record(&outcome);
                        if let Some(u) = outcome.completion.usage {
                            report.repair_tokens_in += u.prompt_tokens;
                            report.repair_tokens_out += u.completion_tokens;
                        }
                        if let Some(problem) = outcome.completion.finish.problem() {
                            let model = Some(self.profile.model.as_str());
                            self.cache
                                .put_unusable(&key, model, &outcome.completion, &problem);
                            return Ok(None);
                        }
                        let _ = self.cache.put(
                            &key,
                            Some(&self.profile.model),
                            outcome.completion.usage,
                            &outcome.completion.text,
                        );
                        outcome.completion.text
                    }
                    Err(e) if e.is_fatal() => return Err(e),
                    Err(_) => return Ok(None),
                }
            }
        };
        // A reply that kept the marker format is still one segment.
        let text = MARKER.replace(reply.trim(), "").trim().to_string();
        Ok((!text.is_empty()).then_some(text))
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
    fn a_footnote_label_copied_onto_other_segments_is_dropped() {
        // The 1.5B's reply to A01's table, shortened.
        let sources = [
            "∙ 중요한 지식·노하우·데이터가 연구자 개인에게 축적되므로 업무가 속인화*되는 경향",
            "* (属人化) 특정 업무 관련 업무가 담당자 외 주변에 공유되지 않는 상태",
            "∙ 연구자의 노하우, 데이터 축적 방법, 정밀도에 격차가 존재",
            "∙ 3D CAD/CAE 활용은 원활한 편",
        ];
        let texts = [
            "* (Personalization) Knowledge accumulates with individual researchers.",
            "* (Personalization) Work not shared beyond the person in charge.",
            "* (Personalization) The researchers' know-how differs.",
            "* 3D CAD/CAE is used smoothly.",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            drop_copied_labels(&sources, texts.clone()),
            [
                "Knowledge accumulates with individual researchers.",
                "* (Personalization) Work not shared beyond the person in charge.",
                "The researchers' know-how differs.",
                // A bullet written `*` is no label.
                "* 3D CAD/CAE is used smoothly.",
            ]
        );
        // Without a footnote in the chunk, a label stays (it may be the source's).
        let alone = [sources[0], sources[2]];
        let kept = vec![texts[0].clone(), texts[2].clone()];
        assert_eq!(drop_copied_labels(&alone, kept.clone()), kept);
        // A bullet that opens with the same term in brackets keeps it.
        let own = ["∙ (属人化) 연구자 개인에게 축적", sources[1]];
        let both = vec![texts[1].clone(), texts[1].clone()];
        assert_eq!(drop_copied_labels(&own, both.clone()), both);
        // A label that is all the segment holds stays too.
        let only = vec![texts[1].clone(), "* (Personalization)".to_string()];
        assert_eq!(drop_copied_labels(&sources[1..3], only.clone()), only);
    }

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
    fn one_segment_may_come_back_without_its_marker() {
        assert_eq!(
            parse_reply("Canada funds clusters.", 1).unwrap(),
            ["Canada funds clusters."]
        );
        assert_eq!(
            parse_reply("Translation: Canada funds clusters.", 1).unwrap(),
            ["Canada funds clusters."]
        );
        assert_eq!(
            parse_reply(
                "Here is the translation:\nCanada funds clusters.\nIn 2023.",
                1
            )
            .unwrap(),
            ["Canada funds clusters.\nIn 2023."]
        );
        // A sentence that ends in a colon is the segment, not a preamble.
        assert_eq!(
            parse_reply("The three goals:", 1).unwrap(),
            ["The three goals:"]
        );
        assert_eq!(parse_reply("  ", 1), Err(ReplyError::Empty { index: 1 }));
        // Several segments still need every marker.
        assert!(parse_reply("Canada funds clusters.", 2).is_err());
    }

    #[test]
    fn a_reply_that_leaves_most_segments_untranslated_is_unusable() {
        // F01's summary-box segments as the 1.5B model sent them back.
        let sources = [
            "∙ 중국 제조업 분야 안정성장계획의 대책과 전망 (日 미즈호은행, 11月)",
            "구분 주요 내용 페이지",
            "유망",
        ];
        let copied: Vec<String> = sources.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            untranslated(&sources, &copied, "English"),
            Some(ReplyError::Untranslated { count: 3, of: 3 })
        );
        // Copied with other spacing, or half translated, still counts.
        let mixed = vec![
            "∙ 중국 제조업 분야 안정성장계획의 대책과 전망 (Japan Mizuho Bank, 11月)".to_string(),
            "구분 주요내용 페이지".to_string(),
            "Promising".to_string(),
        ];
        assert_eq!(
            untranslated(&sources, &mixed, "English"),
            Some(ReplyError::Untranslated { count: 2, of: 3 })
        );
        // One segment of three left as it is: the quality checks flag it.
        let one = vec![
            "∙ Measures and outlook of China's plan (Mizuho Bank, Nov.)".to_string(),
            "구분 주요 내용 페이지".to_string(),
            "Promising".to_string(),
        ];
        assert_eq!(untranslated(&sources, &one, "English"), None);
        // A single segment is never refused here.
        assert_eq!(untranslated(&sources[2..], &copied[2..], "English"), None);
        // Into Japanese a kana/Han reply is the translation, not a copy.
        let japanese = vec![
            "中国製造業の安定成長計画の対策と展望（みずほ銀行、11月）".to_string(),
            "区分 主な内容 ページ".to_string(),
            "有望".to_string(),
        ];
        assert_eq!(untranslated(&sources, &japanese, "Japanese"), None);
    }

    #[test]
    fn numbers_that_moved_to_a_neighbour_are_drift() {
        // Two real paragraphs of A06; the reply gives the first one's figure
        // to the second.
        let sources = [
            "- 혁신과학경제개발부(ISED) 지원금이 총 4억 2,700만 캐나다 달러에 육박",
            "- 10년간 13,500개 이상의 일자리를 창출할 것으로 예상",
        ];
        let aligned = [
            "- ISED funding nears CAD 427 million".to_string(),
            "- Expected to create over 13,500 jobs over 10 years".to_string(),
        ];
        assert_eq!(drift(&sources, &aligned), None);
        let drifted = [
            "- ISED funding nears a record".to_string(),
            "- CAD 427 million; expected to create over 13,500 jobs over 10 years".to_string(),
        ];
        assert_eq!(
            drift(&sources, &drifted),
            Some(ReplyError::Drift {
                index: 1,
                neighbour: 2
            })
        );
        // A figure lost outright is a quality flag, not drift.
        let lost = [
            "- ISED funding nears a record".to_string(),
            "- Expected to create over 13,500 jobs over 10 years".to_string(),
        ];
        assert_eq!(drift(&sources, &lost), None);
    }

    #[test]
    fn languages_by_script() {
        assert_eq!(detect_language("산업기술 동향워치"), "Korean");
        assert_eq!(detect_language("第1章 はじめに"), "Japanese");
        assert_eq!(detect_language("第一章 引言"), "Chinese");
    }
}
