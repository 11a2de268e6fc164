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

mod recall;
mod repair;
mod reply;
mod split;

pub use reply::{ReplyError, drift, drop_copied_labels, parse_reply, untranslated};

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::cache::{Cache, CacheKey, CheckedKey, CheckedKind};
use crate::chunk::{Chunk, Segment};
use crate::config::Profile;
use crate::glossary::{Glossary, Term};
use crate::llm::{Chat, ChatRequest, LlmError, Usage};
use crate::prompts::{Messages, Prompts};
use crate::qa::echo::PromptText;

/// The language pair of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Languages {
    pub source: String,
    pub target: String,
}

pub use crate::outcome::{Translated, TranslationMap};

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
    /// What sends the requests the cache cannot answer (the real client
    /// is built on the first of them).
    pub client: std::sync::Arc<dyn Chat>,
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

/// The prompt context for a list of segments.
#[derive(Serialize)]
struct PromptContext<'a> {
    source_language: &'a str,
    target_language: &'a str,
    /// One segment of an article, asked alone: the plain shape, without
    /// markers or the title (docs/quality.md). A list of section names
    /// keeps its title, the only context a lone heading has.
    lone: bool,
    title: &'a str,
    segments: Vec<PromptSegment<'a>>,
    glossary: Vec<&'a Term>,
}

#[derive(Serialize)]
struct PromptSegment<'a> {
    id: &'a str,
    text: &'a str,
}

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
                lone: segments.len() == 1 && title != crate::sections::TITLE,
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
        let mut request = self.profile.request(&messages);
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
            .chain([split::REASK, split::REASK_ONE])
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
        let inputs = CheckedKey::new(request, self.repair, self.prompts.source("repair.md"))
            .per_request(self.profile.segments_per_request);
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
        if let Some(recalled) = recall::recall(self, title, chunk, &key).await? {
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
                .translate_in_requests(title, segments, &mut report)
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

fn count_flags(report: &mut ChunkReport, value: &[Translated]) {
    for f in value.iter().flat_map(|t| &t.flags) {
        *report.flagged.entry(f.kind.name().to_string()).or_default() += 1;
    }
}

/// Room for a chunk's answer: about twice the source, so a model that loops
/// stops early with `finish_reason: length` (and the chunk is split) instead
/// of generating thousands of tokens.
pub fn output_cap(segments: &[Segment]) -> u32 {
    let source: usize = segments.iter().map(|s| s.tokens).sum();
    (source * 2 + 16 * segments.len() + 64) as u32
}

#[cfg(test)]
mod fake_tests;
