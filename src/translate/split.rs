//! Asking for a part of a chunk: one request, re-asked once naming the
//! problem, then split in halves down to single segments.

use crate::cache::{CacheKey, Cached};
use crate::chunk::Segment;
use crate::llm::{ChatRequest, LlmError};

use super::reply::{
    ReplyError, drift, drop_added_markup, drop_copied_labels, parse_reply, untranslated,
};
use super::{ChunkReport, PartOutcome, Translator};

/// Added to the user message after an unusable reply: naming the problem,
/// because a plain resend at temperature 0 repeats it. Written as a template
/// so that the prompt-echo check reads it like the prompt files.
pub(super) const REASK: &str = "Your previous reply was unusable ({{ problem }}). Reply with exactly {{ count }} segments, each on a new line starting with its marker [1] to [{{ count }}].";

/// The same for a request of one segment, which has no markers.
pub(super) const REASK_ONE: &str =
    "Your previous reply was unusable ({{ problem }}). Reply with the translation only.";

/// `content` with `note` put before the text to translate (the first
/// marker line, or a lone segment's last paragraph): a small model
/// translates whatever comes last, and the 1.5B answered a note appended
/// after a lone segment with the note itself.
fn before_the_text(content: &str, note: &str) -> String {
    let at = super::reply::MARKER
        .find(content)
        .map(|m| m.start())
        .or_else(|| content.trim_end().rfind("\n\n").map(|i| i + 2))
        .unwrap_or(0);
    format!("{}{note}\n\n{}", &content[..at], &content[at..])
}

impl Translator {
    /// A chunk's first asking: its segments `segments_per_request` at a
    /// time (the whole chunk when the profile says 0). The chunk stays the
    /// unit of caching and reporting; only the requests are smaller.
    pub(super) async fn translate_in_requests(
        &self,
        title: &str,
        segments: &[Segment],
        report: &mut ChunkReport,
    ) -> Result<PartOutcome, LlmError> {
        let per_request = match self.profile.segments_per_request {
            0 => segments.len().max(1),
            n => n,
        };
        let groups: Vec<&[Segment]> = segments.chunks(per_request).collect();
        let mut parts: Vec<ChunkReport> = groups.iter().map(|_| ChunkReport::part()).collect();
        // Side by side: the client's concurrency limit decides how many are
        // in flight, so a chunk's last request does not leave a slot idle.
        let asks: Vec<_> = groups
            .into_iter()
            .zip(parts.iter_mut())
            .map(|(group, part)| self.translate_part(title, group, part, true))
            .collect();
        let outcome = super::repair::try_join_all(asks).await;
        for part in &parts {
            report.absorb(part);
        }
        Ok(outcome?.into_iter().flatten().collect())
    }

    /// Translate `segments`; on a bad reply, ask once more (when `reask`),
    /// then split in halves down to single segments, so a segment that fails
    /// costs only itself. Every complete reply is cached as text, and parsed
    /// again whenever it is read: a fix to parsing reaches old entries.
    pub(super) fn translate_part<'a>(
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
                        let template = if segments.len() == 1 {
                            REASK_ONE
                        } else {
                            REASK
                        };
                        let reask = template
                            .replace("{{ problem }}", p)
                            .replace("{{ count }}", &count);
                        last.content = before_the_text(&last.content, &reask);
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
        // Another run on this cache may be asking the same: wait for it.
        let _claim = if use_cache {
            self.cache.claim(&key).await
        } else {
            None
        };
        match self.cache.get_answer::<String>(&key).filter(|_| use_cache) {
            Some(Cached::Usable(entry)) => return Ok((entry.value, true)),
            Some(Cached::Unusable(u)) => return Err(PartError::Unusable(u.problem)),
            None => {}
        }
        let estimate = segments.iter().map(|s| s.tokens).sum::<usize>() as u32 * 2 + 300;
        report.traffic.requests += 1;
        let outcome = match self.client.chat(request, estimate).await {
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
        let texts = drop_added_markup(&sources, texts);
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

#[cfg(test)]
mod tests {
    use super::before_the_text;

    #[test]
    fn a_note_goes_before_the_segments() {
        let chunk = "Translate each segment ([1], [2], …).\n\n[1] 가\n[2] 나\n";
        assert_eq!(
            before_the_text(chunk, "NOTE"),
            "Translate each segment ([1], [2], …).\n\nNOTE\n\n[1] 가\n[2] 나\n"
        );
        let one = "Translate the following text.\n\n가 나 다\n";
        assert_eq!(
            before_the_text(one, "NOTE"),
            "Translate the following text.\n\nNOTE\n\n가 나 다\n"
        );
    }
}
