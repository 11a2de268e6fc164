//! Stage 6 — brief: the one-page executive brief from all summaries of an
//! issue. When the summaries do not fit the model's context they are reduced
//! in stages (briefs of groups, then a brief of those), never truncated.
//! Citations are checked: an id not in the issue is removed and reported.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::prompts::{Messages, Prompts};

/// One item the brief is made from: a summary, or a partial brief.
#[derive(Debug, Clone, Serialize)]
pub struct BriefInput {
    pub id: String,
    pub title: String,
    pub section: Option<String>,
    pub text: String,
}

/// The finished brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Brief {
    /// Markdown body with checked citations.
    pub markdown: String,
    /// Article ids cited.
    pub cited: Vec<String>,
    /// Citations removed because no such article exists.
    pub removed_citations: Vec<String>,
    /// Requests the reduction took (1 when everything fit).
    pub stages: usize,
}

#[derive(Serialize)]
struct Context<'a> {
    target_language: &'a str,
    issue: &'a str,
    sections: &'a [String],
    summaries: &'a [BriefInput],
}

/// The brief request for `inputs`.
pub fn messages(
    prompts: &Prompts,
    target_language: &str,
    issue: &str,
    sections: &[String],
    inputs: &[BriefInput],
) -> Result<Messages> {
    prompts.render(
        "brief.md",
        Context {
            target_language,
            issue,
            sections,
            summaries: inputs,
        },
    )
}

/// Split `inputs` into groups whose estimated size fits `limit` tokens
/// (`size` estimates one input). A single input larger than the limit is
/// a group of its own.
pub fn groups(
    inputs: Vec<BriefInput>,
    limit: usize,
    size: impl Fn(&BriefInput) -> usize,
) -> Vec<Vec<BriefInput>> {
    let mut out: Vec<Vec<BriefInput>> = Vec::new();
    let mut used = 0;
    for input in inputs {
        let n = size(&input);
        if out.is_empty() || used + n > limit {
            out.push(Vec::new());
            used = 0;
        }
        used += n;
        if let Some(last) = out.last_mut() {
            last.push(input);
        }
    }
    out
}

static CITATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\[([A-Z]\d{2}(?:\s*[,;]\s*[A-Z]\d{2})*)\]").expect("static regex")
});

/// Keep citations of `known` ids, drop the rest. Returns the text, the ids
/// cited and the ids removed.
pub fn check_citations(markdown: &str, known: &[String]) -> (String, Vec<String>, Vec<String>) {
    let mut cited: Vec<String> = Vec::new();
    let mut removed: Vec<String> = Vec::new();
    let text = CITATION.replace_all(markdown, |caps: &regex::Captures<'_>| {
        let kept: Vec<String> = caps[1]
            .split([',', ';'])
            .map(|s| s.trim().to_string())
            .filter(|id| {
                let ok = known.contains(id);
                if !ok && !removed.contains(id) {
                    removed.push(id.clone());
                }
                ok
            })
            .collect();
        for id in &kept {
            if !cited.contains(id) {
                cited.push(id.clone());
            }
        }
        kept.iter().map(|id| format!("[{id}]")).collect::<String>()
    });
    (text.into_owned(), cited, removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_citations_are_removed_and_reported() {
        let known = vec!["A01".to_string(), "A03".to_string()];
        let (text, cited, removed) =
            check_citations("- Growth [A03]. Fake [A99]. Both [A01, A42].", &known);
        assert_eq!(text, "- Growth [A03]. Fake . Both [A01].");
        assert_eq!(cited, vec!["A03", "A01"]);
        assert_eq!(removed, vec!["A99", "A42"]);
    }

    #[test]
    fn groups_fit_the_limit() {
        let inputs: Vec<BriefInput> = (0..10)
            .map(|i| BriefInput {
                id: format!("A{i:02}"),
                title: String::new(),
                section: None,
                text: "x".repeat(100),
            })
            .collect();
        let g = groups(inputs, 350, |i| i.text.len());
        assert_eq!(
            g.iter().map(|g| g.len()).collect::<Vec<_>>(),
            vec![3, 3, 3, 1]
        );
    }
}
