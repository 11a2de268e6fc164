//! How a stage makes a request: [`Services`] holds what every stage asks
//! through (the prompts, the profile's model parameters, the cache and the
//! [`Chat`] that sends: the real client, or a fake in tests), and makes the
//! single-request stages' cached requests (terms, summaries, the briefs):
//! look the answer up in the cache, otherwise send it and cache it.

use crate::cache::{AnswerKind, Cache, CacheKey, Cached};
use crate::config::Profile;
use crate::llm::{Chat, ChatRequest, Completion, Finish, LlmError};
pub use crate::outcome::{RequestReport, Traffic};
use crate::prompts::{Messages, Prompts};

/// What a stage makes its requests through.
#[derive(Clone, Copy)]
pub struct Services<'a> {
    /// The templates the stage renders its prompts from.
    pub prompts: &'a Prompts,
    /// The model, its parameters and limits.
    pub profile: &'a Profile,
    pub cache: &'a Cache,
    /// What sends a request the cache cannot answer.
    pub client: &'a dyn Chat,
}

impl Services<'_> {
    /// Answer `messages` from the cache or the endpoint (see [`Services::complete`]).
    pub async fn complete(
        &self,
        item: &str,
        spec: AnswerSpec,
        messages: &Messages,
    ) -> Result<(Option<String>, RequestReport), LlmError> {
        complete_cached(item, spec, messages, self.profile, self.cache, self.client).await
    }
}

fn request_and_key(
    kind: AnswerKind,
    messages: &Messages,
    profile: &Profile,
    max_tokens: u32,
) -> (ChatRequest, CacheKey) {
    let mut request = profile.request(messages);
    request.max_tokens = request.max_tokens.min(max_tokens);
    let key = CacheKey::answer(kind, &request);
    (request, key)
}

/// The cached answer to `messages`, without sending anything (`gloss qa`).
pub fn lookup(
    kind: AnswerKind,
    messages: &Messages,
    profile: &Profile,
    cache: &Cache,
    max_tokens: u32,
) -> Option<String> {
    let (_, key) = request_and_key(kind, messages, profile, max_tokens);
    cache.get::<String>(&key).map(|e| e.value)
}

/// What kind of answer a single-request stage asks for.
#[derive(Debug, Clone, Copy)]
pub struct AnswerSpec {
    /// What the answer is, which names its cache entries.
    pub kind: AnswerKind,
    /// Room for the answer.
    pub max_tokens: u32,
    /// The answer is one item a line (see [`Services::complete`]).
    pub line_list: bool,
    /// The answer is prose whose complete sentences stand alone (a
    /// summary): cut at the limit, it keeps them (see [`Services::complete`]).
    pub sentences: bool,
}

/// The note on an answer cut at the token limit that kept its complete
/// sentences.
pub const CUT_NOTE: &str = "cut at the token limit, complete sentences kept";

/// The part of `text` that ends with a complete sentence or line: up to the
/// last line break or the last `.`, `!`, `?` or `。` followed by a space or
/// a line break. Empty when there is none.
pub fn complete_sentences(text: &str) -> &str {
    let mut end = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        match c {
            '\n' => end = i,
            '.' | '!' | '?' if next.is_some_and(char::is_whitespace) => end = i + 1,
            '。' => end = i + c.len_utf8(),
            _ => {}
        }
    }
    text[..end].trim_end()
}

/// Answer `messages` from the cache or the endpoint. A usable answer is
/// cached; so is an unusable one the same request would bring again (cut or
/// filtered: [`crate::cache::Unusable`]), so that a rerun fails the same way
/// without asking. A fatal endpoint error is returned as `Err`; other
/// failures end in the report and are asked again by a rerun.
async fn complete_cached(
    item: &str,
    spec: AnswerSpec,
    messages: &Messages,
    profile: &Profile,
    cache: &Cache,
    client: &dyn Chat,
) -> Result<(Option<String>, RequestReport), LlmError> {
    let (request, key) = request_and_key(spec.kind, messages, profile, spec.max_tokens);
    let mut report = RequestReport {
        item: item.to_string(),
        ..Default::default()
    };
    // Another run on this cache may be asking the same: wait for its answer.
    let _claim = cache.claim(&key).await;
    match cache.get_answer::<String>(&key) {
        Some(Cached::Usable(entry)) => {
            report.status = "ok".into();
            report.traffic.cache_hit = true;
            if entry.kind == key.kind().cut_label() {
                report.note = Some(CUT_NOTE.into());
            }
            return Ok((Some(entry.value), report));
        }
        Some(Cached::Unusable(unusable)) => {
            report.traffic.cache_hit = true;
            return Ok(failed(report, unusable.problem));
        }
        None => {}
    }
    report.traffic.requests = 1;
    report.traffic.usage_reported = true;
    let outcome = match client.chat(&request, 2000).await {
        Ok(o) => o,
        Err(e) if e.is_fatal() => return Err(e),
        Err(e) => return Ok(failed(report, e.to_string())),
    };
    report.traffic.record(&outcome);
    let model = Some(profile.model.as_str());
    let usage = outcome.completion.usage;
    let kept = match keep(&outcome.completion, spec) {
        Ok(kept) => kept,
        Err(problem) => {
            cache.put_unusable(&key, model, &outcome.completion, &problem);
            return Ok(failed(report, problem));
        }
    };
    // A kept cut answer is labelled so that a cache hit reports it again.
    let stored = if kept.cut {
        report.note = Some(CUT_NOTE.into());
        cache.put_cut(&key, model, usage, &kept.text)
    } else {
        cache.put(&key, model, usage, &kept.text)
    };
    if let Err(e) = stored {
        report.error = Some(format!("not cached: {e}"));
    }
    report.status = "ok".into();
    Ok((Some(kept.text), report))
}

/// `report` as a failed request, for `error`, with no answer.
fn failed(mut report: RequestReport, error: String) -> (Option<String>, RequestReport) {
    report.status = "failed".into();
    report.error = Some(error);
    (None, report)
}

/// The part of an answer that is kept.
struct Kept {
    text: String,
    /// Cut at the token limit with its complete sentences kept ([`CUT_NOTE`]).
    cut: bool,
}

/// What of `completion` is kept, as `spec` allows: a complete answer whole,
/// the complete lines or sentences of one cut at the limit. `Err` says why
/// nothing is.
fn keep(completion: &Completion, spec: AnswerSpec) -> Result<Kept, String> {
    let raw = &completion.text;
    let mut text = raw.trim().to_string();
    let mut cut = false;
    // Only a complete answer is kept (the client says which are).
    let incomplete = match &completion.finish {
        // A list of lines (a term list) cut short keeps its complete lines:
        // small models run on listing names until the limit.
        Finish::CutAtLimit if spec.line_list => {
            let complete = if raw.ends_with('\n') {
                raw.as_str()
            } else {
                raw.rsplit_once('\n').map_or("", |(done, _)| done)
            };
            text = complete.trim().to_string();
            None
        }
        // Prose cut short keeps its complete sentences: small models loop
        // on a summary until the limit after saying what it holds.
        Finish::CutAtLimit if spec.sentences => {
            text = complete_sentences(raw).trim().to_string();
            cut = true;
            text.is_empty()
                .then(|| "answer cut at the token limit before a complete sentence".to_string())
        }
        finish => finish.problem(),
    };
    // An empty list is an answer ("no items"); empty prose is not.
    let empty = text.is_empty() && !spec.line_list;
    match incomplete.or_else(|| empty.then(|| "empty answer".to_string())) {
        Some(problem) => Err(problem),
        None => Ok(Kept { text, cut }),
    }
}

/// What the stages' unit tests make their requests through: the built-in
/// prompts, the default profile and a fresh cache in a temporary folder.
#[cfg(test)]
pub struct TestServices {
    pub prompts: Prompts,
    pub profile: Profile,
    pub cache: Cache,
    _dir: tempfile::TempDir,
}

#[cfg(test)]
impl Default for TestServices {
    /// Built-ins only: no user or workspace file is read.
    fn default() -> Self {
        let dir = tempfile::tempdir().expect("temp folder");
        let config = crate::config::Config::load_from(None, None).expect("built-in config");
        let profile = config
            .profile(&crate::config::Overrides::default())
            .expect("default profile")
            .0;
        Self {
            prompts: Prompts::builtin(),
            profile,
            cache: Cache::new(dir.path(), crate::cache::Mode::Normal),
            _dir: dir,
        }
    }
}

#[cfg(test)]
impl TestServices {
    /// The services, sending through `client`.
    pub fn with<'a>(&'a self, client: &'a dyn Chat) -> Services<'a> {
        Services {
            prompts: &self.prompts,
            profile: &self.profile,
            cache: &self.cache,
            client,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_sentences_end_at_the_last_full_stop_or_line() {
        assert_eq!(
            complete_sentences("SUMMARY: One is 4.27 units. Two is cut mid"),
            "SUMMARY: One is 4.27 units."
        );
        assert_eq!(
            complete_sentences("SUMMARY: One. Two!\n- a point\n- another poi"),
            "SUMMARY: One. Two!\n- a point"
        );
        assert_eq!(complete_sentences("Ends here. "), "Ends here.");
        // A decimal point or a cut right after a stop is no sentence end.
        assert_eq!(complete_sentences("It grew 4.2"), "");
        assert_eq!(complete_sentences("no stop at all"), "");
        assert_eq!(complete_sentences("文です。次"), "文です。");
    }
}
