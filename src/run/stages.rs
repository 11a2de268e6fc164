//! The stages a node of a run's graph belongs to ([`super::schedule`]), in
//! the order a run needs them: what each waits for and weighs.

/// The stages a node can belong to, in the order a run needs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Terms,
    Translate,
    Summary,
    Brief,
}

impl Stage {
    /// Every stage, in run order.
    pub const ALL: [Stage; 4] = [Stage::Terms, Stage::Translate, Stage::Summary, Stage::Brief];

    /// The stage's name in progress lines, the plan and the manifest.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Terms => "terms",
            Stage::Translate => "translate",
            Stage::Summary => "summary",
            Stage::Brief => "brief",
        }
    }

    /// What a node of this stage waits for: the edges [`super::schedule::build`] adds.
    pub fn needs(self) -> &'static str {
        match self {
            Stage::Terms => "nothing",
            Stage::Translate => {
                "the term lists of its own and earlier articles (section names: nothing)"
            }
            Stage::Summary => "its article's chunks",
            Stage::Brief => "every summary, every chunk and the section names",
        }
    }

    /// Expected output tokens of one request, for ordering (a chunk's come
    /// from the chunk: [`super::plan::chunk_output_tokens`]).
    pub(super) fn expected_output(self) -> u64 {
        match self {
            // A term list answers a few names (those recurring in the issue).
            Stage::Terms => super::plan::TERM_LINE_OUTPUT_TOKENS * 8,
            Stage::Translate => 0,
            Stage::Summary => super::plan::SUMMARY_OUTPUT_TOKENS,
            Stage::Brief => super::plan::BRIEF_OUTPUT_TOKENS,
        }
    }
}
