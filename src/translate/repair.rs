//! The quality checks of each segment's translation, and the one focused
//! repair request for a segment that fails them.

use serde::Serialize;

use crate::cache::{CacheKey, Cached};
use crate::chunk::Segment;
use crate::glossary::Term;
use crate::llm::LlmError;
use crate::qa::echo::PromptText;

use super::reply::MARKER;
use super::{ChunkReport, Translated, Translator, output_cap};

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

impl ChunkReport {
    /// An empty report for one part of a chunk's work, added to the
    /// chunk's report with [`ChunkReport::absorb`] when it is done.
    pub(super) fn part() -> Self {
        ChunkReport {
            traffic: crate::stage::Traffic {
                usage_reported: true,
                ..Default::default()
            },
            ..Default::default()
        }
    }

    /// Add the traffic, splits and repair counts of `part` (one segment's
    /// checks, or one request's worth of a chunk's segments).
    pub(super) fn absorb(&mut self, part: &ChunkReport) {
        self.traffic += &part.traffic;
        self.splits += part.splits;
        self.repair_requests += part.repair_requests;
        self.repaired += part.repaired;
        self.repair_sent += part.repair_sent;
        self.repair_tokens_in += part.repair_tokens_in;
        self.repair_tokens_out += part.repair_tokens_out;
    }
}

/// Run `futures` side by side; their results in order, or the first error
/// (the others are dropped then, so nothing more is sent).
pub(super) async fn try_join_all<T, F>(mut futures: Vec<F>) -> Result<Vec<T>, LlmError>
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

impl Translator {
    /// Check the translations `texts` (segment index, text) of `segments`,
    /// their repairs sent side by side: a chunk's repairs do not wait for
    /// each other. A fatal error returns at once, sending nothing more.
    pub(super) async fn check_all(
        &self,
        title: &str,
        segments: &[Segment],
        texts: Vec<(usize, String)>,
        echo: &PromptText,
        report: &mut ChunkReport,
    ) -> Result<Vec<(usize, Translated)>, LlmError> {
        let mut parts: Vec<ChunkReport> = texts.iter().map(|_| ChunkReport::part()).collect();
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
            report.absorb(part);
        }
        checked
    }

    /// Check one segment's translation; when it fails and repairs are on,
    /// ask once more naming the problems. The repair is kept only when it
    /// passes every check or is better than the first answer; otherwise the
    /// segment keeps the better of the two, with its flags.
    pub(super) async fn checked(
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
        // A figure the checks prove mis-scaled is rewritten before they
        // judge the answer (the note says so); any other problem is flagged.
        let (text, fixed) = match crate::qa::figures::fix_rescaled(&segment.text, &text) {
            Some((rewritten, note)) => (rewritten, vec![note]),
            None => (text, Vec::new()),
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
            fixed,
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
        let mut request = self.profile.request(&messages);
        request.max_tokens = request
            .max_tokens
            .min(output_cap(std::slice::from_ref(segment)));
        let key = CacheKey::repair_reply(&request);
        let _claim = self.cache.claim(&key).await;
        let reply = match self.cache.get_answer::<String>(&key) {
            Some(Cached::Usable(entry)) => entry.value,
            // The repair came back cut or filtered before: the same again.
            Some(Cached::Unusable(_)) => return Ok(None),
            None => {
                report.traffic.requests += 1;
                report.repair_sent += 1;
                match self
                    .client
                    .chat(&request, segment.tokens as u32 * 2 + 300)
                    .await
                {
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
