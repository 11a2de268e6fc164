//! A segment's translation and its quality flags, as the checked
//! translations are cached: the shape of those entries, so build.rs hashes
//! this file into the QA version with the checks and the reply handling.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// What a check found wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    /// Source script (Hangul, kana, Han) left in the translation.
    Untranslated,
    /// A number of the source is missing or has another magnitude.
    Number,
    /// Nothing came back.
    Empty,
    /// The translation is the source text.
    Echo,
    /// Far shorter or longer than a translation of this language pair is.
    Length,
    /// A glossary term was not rendered as the glossary says.
    Glossary,
    /// A name that mixes letters and digits (`LC3`, `GPT-4`, `E.O. 14110`)
    /// is not in the translation as written.
    Identifier,
    /// The reply repeats the prompt's own text (instructions, labels).
    Prompt,
}

impl FlagKind {
    /// The name used in reports and the manifest.
    pub fn name(self) -> &'static str {
        match self {
            FlagKind::Untranslated => "untranslated",
            FlagKind::Number => "number",
            FlagKind::Empty => "empty",
            FlagKind::Echo => "echo",
            FlagKind::Length => "length",
            FlagKind::Glossary => "glossary",
            FlagKind::Identifier => "identifier",
            FlagKind::Prompt => "prompt",
        }
    }

    /// How much worse a segment with this flag is than a clean one, for
    /// choosing the better of two answers: a reply that is not a
    /// translation at all (empty, the source, the prompt) outweighs any
    /// number of detail problems.
    pub fn weight(self) -> u32 {
        match self {
            FlagKind::Empty | FlagKind::Echo | FlagKind::Prompt => 100,
            _ => 1,
        }
    }
}

/// One problem of one segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flag {
    pub kind: FlagKind,
    pub detail: String,
    /// The glossary term (its source form) a `glossary` flag is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term: Option<String>,
}

impl std::fmt::Display for Flag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.detail)
    }
}

/// One segment's translation as cached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Translated {
    pub id: String,
    pub text: String,
    /// Quality problems left after the repair attempt; empty when it passed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<Flag>,
    /// Whether a repair request fixed (or tried to fix) this segment.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub repaired: bool,
    /// What gloss itself rewrote in the model's answer, and why (a figure
    /// the checks proved mis-scaled: [`crate::qa::figures::fix_rescaled`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed: Vec<String>,
}

/// Collected translations by segment id.
pub type TranslationMap = HashMap<String, Translated>;
