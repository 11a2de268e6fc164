//! The translate stage's use of the translation memory ([`crate::memory`]):
//! before a chunk is translated, its human corrections and remembered
//! segments are put in, and only the segments the memory does not hold are
//! asked for.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use crate::cache::CacheKey;
use crate::chunk::{Chunk, Segment};
use crate::llm::LlmError;
use crate::memory::Memory;
use crate::translate::{ChunkReport, Translated, Translator};

/// What [`recall`] answers: `None` when the memory holds nothing for the
/// chunk (the translator goes on as without a memory), else the chunk's
/// outcome as `translate_chunk` returns it.
pub type Recalled = Option<(Option<Vec<Translated>>, ChunkReport)>;

/// The chunk's translation with the memory's help, `key` being the key of
/// its complete checked result:
/// - that result cached: it, with every human translation put over it;
/// - else every segment in the memory: from it, no request;
/// - else the segments the memory lacks are translated as a smaller chunk
///   and the whole is cached under `key` (a rerun then reads it in one go).
///
/// Boxed: it calls back into [`Translator::translate_chunk`] for the rest.
pub fn recall<'a>(
    t: &'a Translator,
    title: &'a str,
    chunk: &'a Chunk,
    key: &'a CacheKey,
) -> Pin<Box<dyn Future<Output = Result<Recalled, LlmError>> + Send + 'a>> {
    Box::pin(async move {
        let memory = &t.memory;
        if memory.is_empty() {
            return Ok(None);
        }
        let found: Vec<Option<(Translated, bool)>> = chunk
            .segments
            .iter()
            .map(|s| {
                memory.recall_one(&s.text).map(|r| {
                    let t = Translated {
                        id: s.id.clone(),
                        text: r.text,
                        flags: r.flags,
                        repaired: r.repaired,
                        fixed: Vec::new(),
                    };
                    (t, r.human)
                })
            })
            .collect();
        if found.iter().all(Option::is_none) {
            return Ok(None);
        }
        let mut report = ChunkReport {
            chunk: chunk.id.clone(),
            article: chunk.article.clone(),
            segments: chunk.segments.len(),
            source_tokens: chunk.tokens,
            status: "ok".into(),
            ..Default::default()
        };
        report.traffic.usage_reported = true;
        if let Some(entry) = t.cache.get::<Vec<Translated>>(key)
            && entry.value.len() == chunk.segments.len()
        {
            report.traffic.cache_hit = true;
            report.traffic.usage_reported = false;
            let value = overlay(memory, &chunk.segments, entry.value);
            count_flags(&mut report, &value);
            return Ok(Some((Some(value), report)));
        }
        let rest: Vec<_> = chunk
            .segments
            .iter()
            .zip(&found)
            .filter(|(_, f)| f.is_none())
            .map(|(s, _)| s.clone())
            .collect();
        let mut got: HashMap<String, Translated> = HashMap::new();
        if !rest.is_empty() {
            let part = Chunk {
                id: chunk.id.clone(),
                article: chunk.article.clone(),
                tokens: rest.iter().map(|s| s.tokens).sum(),
                segments: rest,
            };
            let (done, part_report) = Box::pin(t.translate_chunk(title, &part)).await?;
            report = ChunkReport {
                chunk: chunk.id.clone(),
                segments: chunk.segments.len(),
                source_tokens: chunk.tokens,
                ..part_report
            };
            got = done
                .unwrap_or_default()
                .into_iter()
                .map(|t| (t.id.clone(), t))
                .collect();
        } else {
            report.traffic.cache_hit = true;
        }
        let (mut reused, mut human) = (0, Vec::new());
        let mut value = Vec::new();
        for (s, f) in chunk.segments.iter().zip(found) {
            match f {
                Some((t, by_human)) => {
                    reused += 1;
                    if by_human {
                        human.push(s.id.clone());
                    }
                    value.push(t);
                }
                None => value.extend(got.remove(&s.id)),
            }
        }
        memory.note(reused, human);
        if value.len() == chunk.segments.len() {
            let model = Some(t.profile.model.as_str());
            // Cached like the chunk's own result; a failed write costs only
            // the next run's shortcut (the memory still holds the parts).
            let _ = t.cache.put(key, model, None, &value);
        }
        if value.is_empty() {
            return Ok(Some((None, report)));
        }
        Ok(Some((Some(value), report)))
    })
}

/// `values` (a chunk's translations, in the order of `segments`) with
/// every human translation put over the model's, flags cleared.
pub fn overlay(memory: &Memory, segments: &[Segment], values: Vec<Translated>) -> Vec<Translated> {
    let mut human = Vec::new();
    let out = segments
        .iter()
        .zip(values)
        .map(|(s, t)| match memory.human(&s.text) {
            Some(text) => {
                human.push(s.id.clone());
                Translated {
                    id: s.id.clone(),
                    text: text.to_string(),
                    flags: Vec::new(),
                    repaired: false,
                    fixed: Vec::new(),
                }
            }
            None => Translated {
                id: s.id.clone(),
                ..t
            },
        })
        .collect();
    memory.note(0, human);
    out
}

fn count_flags(report: &mut ChunkReport, value: &[Translated]) {
    for f in value.iter().flat_map(|t| &t.flags) {
        *report.flagged.entry(f.kind.name().to_string()).or_default() += 1;
    }
}
