//! The model-assisted structure step: when an issue's contents check is
//! low (the rules placed few of its entries), one request asks the model
//! which of the candidate heading lines starts each entry. The answer is
//! read leniently, then checked by the parser ([`crate::parse::parse_guided`]):
//! lines that exist, in order, each article non-empty. A bad answer changes
//! nothing but a warning. Cached like every request.

use crate::cache::AnswerKind;
use crate::config::StructureMode;
use crate::document::Issue;
use crate::error::Result;
use crate::llm::LlmError;
use crate::load::SourceText;
use crate::parse::StructureQuery;
use crate::prompts::{Messages, Prompts};
use crate::stage::{AnswerSpec, RequestReport, Services};

/// Room for the answer: one short line per entry.
fn max_tokens(entries: usize) -> u32 {
    (entries as u32 * 12 + 40).min(2000)
}

/// The request's messages for `query`.
pub fn messages(prompts: &Prompts, query: &StructureQuery) -> Result<Messages> {
    prompts.render(
        "structure.md",
        serde_json::json!({ "entries": query.entries, "lines": query.lines }),
    )
}

/// Whether `issue` (as the rules parsed it) should be shown to the model
/// under `mode`: it has a contents list, and under `auto` the check is low.
pub fn wanted(issue: &Issue, mode: StructureMode) -> bool {
    match (mode, &issue.contents) {
        (StructureMode::Rules, _) | (_, None) => false,
        (StructureMode::Model, Some(_)) => true,
        (StructureMode::Auto, Some(c)) => c.is_low(),
    }
}

/// Read an answer of `E1: L12` lines into one line number (or none) per
/// entry. Lines in other shapes are skipped; an entry the answer leaves out
/// is not placed.
pub fn read_answer(answer: &str, entries: usize) -> Vec<Option<usize>> {
    let mut out = vec![None; entries];
    for line in answer.lines() {
        let Some((e, l)) = line.trim().split_once(':') else {
            continue;
        };
        let number = |s: &str, prefix: char| -> Option<usize> {
            s.trim()
                .trim_start_matches(['*', '-', ' '])
                .strip_prefix(prefix)?
                .trim()
                .parse()
                .ok()
        };
        if let (Some(e), Some(l)) = (number(e, 'E'), number(l, 'L'))
            && (1..=entries).contains(&e)
        {
            out[e - 1] = Some(l);
        }
    }
    out
}

/// What the step did, for the user and the manifest.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The issue to use: the model's placement when it passed the checks,
    /// else the rules' parse unchanged.
    pub issue: Issue,
    /// A line saying what happened (used, or ignored and why).
    pub note: String,
    pub report: RequestReport,
}

/// Ask the model (or the cache) where `src`'s contents entries start, and
/// re-parse with the answer when it passes the checks. `issue` is the
/// rules' parse; `None` when `src` has no contents list. A fatal endpoint
/// error is `Err`.
pub async fn ask(
    src: &SourceText,
    issue: Issue,
    s: Services<'_>,
) -> std::result::Result<Option<Outcome>, LlmError> {
    let Some(query) = crate::parse::structure_query(src) else {
        return Ok(None);
    };
    let Ok(messages) = messages(s.prompts, &query) else {
        return Ok(None);
    };
    let spec = AnswerSpec {
        kind: AnswerKind::Structure,
        max_tokens: max_tokens(query.entries.len()),
        line_list: true,
        sentences: false,
    };
    let (answer, report) = s.complete("structure", spec, &messages).await?;
    let Some(answer) = answer else {
        let note = format!(
            "structure: the model's answer is not usable ({}); the rules' articles are kept",
            report.error.as_deref().unwrap_or("no answer")
        );
        return Ok(Some(Outcome {
            issue,
            note,
            report,
        }));
    };
    let starts = read_answer(&answer, query.entries.len());
    let before = issue.contents.as_ref().map_or(0, |c| c.found);
    // Under `structure = "model"` the user asked for the model's placement:
    // a valid answer is used even when the rules found more (which is also
    // how its accuracy is measured). Under `auto` the answer only places
    // the entries the rules could not (the 1.5B put plausible but wrong
    // lines for entries the rules had right, docs/structure.md), and is
    // used when that finds more.
    let model_first = s.profile.structure == StructureMode::Model;
    let (issue, note) = match crate::parse::parse_guided(src, &starts, !model_first) {
        Ok(placed) => {
            let found = placed.contents.as_ref().map_or(0, |c| c.found);
            let summary = placed
                .contents
                .as_ref()
                .map(|c| c.summary())
                .unwrap_or_default();
            if found > before || model_first {
                let note = format!(
                    "structure: the model placed the contents entries ({summary}; the rules found {before})"
                );
                (placed, note)
            } else {
                let note = format!(
                    "structure: the model's answer finds no more entries than the rules ({summary}; the rules found {before}); the rules' articles are kept"
                );
                (issue, note)
            }
        }
        Err(why) => (
            issue,
            format!(
                "structure: the model's answer is ignored ({why}); the rules' articles are kept"
            ),
        ),
    };
    Ok(Some(Outcome {
        issue,
        note,
        report,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_leniently_one_place_per_entry() {
        let a = "E1: L12\nE2: none\n* E3 : L 40\nE9: L50\nnoise\nE4: line 7";
        assert_eq!(read_answer(a, 4), [Some(12), None, Some(40), None]);
    }

    #[test]
    fn modes_read_from_a_profile() {
        #[derive(serde::Deserialize)]
        struct P {
            structure: StructureMode,
        }
        let p: P = toml::from_str("structure = \"rules\"").expect("valid");
        assert_eq!(p.structure, StructureMode::Rules);
        assert!(toml::from_str::<P>("structure = \"sometimes\"").is_err());
    }

    #[test]
    fn the_prompt_lists_entries_and_numbered_lines() {
        let q = StructureQuery {
            entries: vec!["미국, 행정명령 발표".into(), "G7 합의".into()],
            lines: vec![(53, "미국, 행정명령 발표".into()), (90, "G7 합의".into())],
        };
        let m = messages(&Prompts::builtin(), &q).expect("renders");
        assert!(
            m.user.contains("E1: 미국, 행정명령 발표\nE2: G7 합의\n"),
            "{}",
            m.user
        );
        assert!(
            m.user.contains("L53: 미국, 행정명령 발표\nL90: G7 합의"),
            "{}",
            m.user
        );
    }
}
