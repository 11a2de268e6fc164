//! What comes back: a [`Completion`] normalized over providers (how it
//! [`Finish`]ed, its [`Usage`]), and the [`Outcome`] of sending it.

use super::*;

/// How an answer ended, the same for every provider: whether the text is
/// the whole answer is all a stage needs to know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Finish {
    /// The model finished (`stop`, `eos`, `end_turn`, or no reason given:
    /// some servers send none, and their answers are whole).
    Complete,
    /// Cut at the output token limit (`length`, `max_tokens`).
    CutAtLimit,
    /// Stopped by the provider's content filter.
    Filtered,
    /// Any other reason a server gives (vLLM's `abort`, `tool_calls`…).
    Other(String),
}

impl Finish {
    /// Read a server's `finish_reason`.
    pub fn from_reason(reason: Option<&str>) -> Self {
        match reason {
            None | Some("stop" | "eos" | "end_turn" | "stop_sequence") => Finish::Complete,
            Some("length" | "max_tokens") => Finish::CutAtLimit,
            Some("content_filter") => Finish::Filtered,
            Some(other) => Finish::Other(other.to_string()),
        }
    }

    /// Whether the text is the whole answer.
    pub fn is_complete(&self) -> bool {
        *self == Finish::Complete
    }

    /// Whether an answer that ended so is what the same request brings
    /// again: cut at the limit or filtered. Not a server's abort, nor an
    /// empty "complete" answer (a proxy's glitch looks the same). An
    /// unusable answer that recurs is worth caching as such.
    pub fn recurs(&self) -> bool {
        matches!(self, Finish::CutAtLimit | Finish::Filtered)
    }

    /// Why the text is not the whole answer, for reports; `None` when it is.
    pub fn problem(&self) -> Option<String> {
        match self {
            Finish::Complete => None,
            Finish::CutAtLimit => Some("answer cut at the token limit".into()),
            Finish::Filtered => Some("answer stopped by the provider's content filter".into()),
            Finish::Other(reason) => Some(format!("the server ended the answer with {reason:?}")),
        }
    }
}

/// Token usage of one request, as the server reported it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

/// A successful completion, normalized: reasoning blocks (`<think>…`)
/// removed from the text, the finish reason read into [`Finish`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Completion {
    pub text: String,
    pub finish: Finish,
    /// `None` when the server did not report usage.
    pub usage: Option<Usage>,
    /// The model name the server answered with.
    pub model: Option<String>,
}

impl Completion {
    /// The completion of a server's answer (a chat response, or one line
    /// of a batch's results); `None` when it has no choice. `key`: the
    /// profile's key, removed from the text if a server echoed it.
    pub fn from_wire(response: WireResponse, key: Option<&str>) -> Option<Self> {
        let choice = response.choices.into_iter().next()?;
        let mut text = choice
            .message
            .and_then(|m| m.content)
            .or(choice.text)
            .unwrap_or_default();
        // An answer is stored and rendered: a server (or proxy) echoing the
        // key into it must not get it there. Only the exact value: shapes
        // that look like keys may be real content of a translation.
        if let Some(key) = key.filter(|k| k.trim().len() >= 4) {
            text = text.replace(key.trim(), REDACTED);
        }
        let usage = response.usage.and_then(
            |WireUsage {
                 prompt_tokens,
                 completion_tokens,
             }| {
                Some(Usage {
                    prompt_tokens: prompt_tokens?,
                    completion_tokens: completion_tokens.unwrap_or(0),
                })
            },
        );
        Some(Completion {
            text: strip_reasoning(&text),
            finish: Finish::from_reason(choice.finish_reason.as_deref()),
            usage,
            model: response.model,
        })
    }
}

/// The most characters an answer may hold per token of its request's
/// output budget: real tokens are a few characters (1–2 in Korean and
/// Chinese, about 4 in English); 16 leaves room for any tokenizer.
pub const MAX_CHARS_PER_TOKEN: usize = 16;

impl Completion {
    /// The completion within the output budget of `max_tokens` tokens: an
    /// answer longer than any such budget allows (a server or proxy sending
    /// megabytes) is cut there and marked cut at the limit, so it is
    /// treated like any answer cut at the limit (repaired, or cached as
    /// unusable), never processed or stored whole.
    pub fn within(mut self, max_tokens: u32) -> Self {
        let limit = (max_tokens as usize).max(256) * MAX_CHARS_PER_TOKEN;
        if let Some((cut, _)) = self.text.char_indices().nth(limit) {
            self.text.truncate(cut);
            self.finish = Finish::CutAtLimit;
        }
        self
    }
}

/// A completion plus what it took to get it.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub completion: Completion,
    pub attempts: u32,
    pub latency: Duration,
    /// The endpoint that answered, redacted as [`redact_url`] shows it.
    pub endpoint: String,
}

pub(super) static THINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?s)<(think|thinking|reasoning)>.*?(</(think|thinking|reasoning)>|\z)")
        .expect("static regex")
});

/// Remove reasoning blocks (`<think>…</think>`) that some models emit; a
/// block cut at the token limit runs to the end.
pub(super) fn strip_reasoning(text: &str) -> String {
    THINK.replace_all(text, "").into_owned()
}
