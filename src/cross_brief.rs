//! The cross-issue brief of a run of several issues (`week.md`): the
//! headlines across all issues, each citing issue and article
//! (`[kiep-2025-07 A03]`), made from each issue's own brief headlines by
//! one request (prompt `prompts/week.md`, cached like the brief) — or by
//! stages when they exceed the model's context, like the single brief.
//!
//! Checked like the single-issue brief: a citation of an issue or article
//! that the run does not have is removed and reported, and an answer that
//! repeats the template or cites nothing gives way to a brief assembled from
//! the issues' summaries, which says so at its top.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use regex::Regex;

use crate::brief::{self, Brief, BriefInput};
use crate::cache::AnswerKind;
use crate::citations::check_citations;
use crate::error::Result;
#[cfg(test)]
use crate::prompts::Prompts;
use crate::stage::{RequestReport, Services};

pub use crate::outcome::IssueHeadlines;

/// The run's citable articles: issue folder → its article ids (read as
/// `[<issue> <id>]` by [`crate::citations::Citations`]).
pub type Known = BTreeMap<String, BTreeSet<String>>;

/// The known citations of `issues`.
pub fn known(issues: &[IssueHeadlines]) -> Known {
    issues
        .iter()
        .map(|i| (i.stem.clone(), i.articles.iter().cloned().collect()))
        .collect()
}

/// The headlines of a brief assembled from the summaries: up to three per
/// issue, each the first sentence of an article's summary with its
/// citation.
fn fallback_headlines(issues: &[IssueHeadlines]) -> Vec<(String, String)> {
    issues
        .iter()
        .flat_map(|issue| {
            issue
                .summaries
                .iter()
                .take(3)
                .map(|(id, sentence)| (sentence.clone(), format!("{} {id}", issue.stem)))
        })
        .collect()
}

/// The headline lines of an issue's brief, with each citation `[A03]` made
/// `[<stem> A03]`.
pub fn headlines_of(brief_markdown: &str, stem: &str) -> Vec<String> {
    static ID: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\[([A-Z]\d{2,3})\]").expect("static regex"));
    headline_lines(brief_markdown)
        .into_iter()
        .map(|h| ID.replace_all(&h, format!("[{stem} $1]")).into_owned())
        .collect()
}

/// The items of the `## Headlines` section of a brief's Markdown.
fn headline_lines(brief_markdown: &str) -> Vec<String> {
    let mut inside = false;
    let mut out = Vec::new();
    for line in brief_markdown.lines() {
        if line.starts_with("## ") {
            inside = line.trim() == "## Headlines";
            continue;
        }
        let item = line
            .trim_start()
            .strip_prefix("- ")
            .or_else(|| line.trim_start().strip_prefix("* "));
        if let (true, Some(item)) = (inside, item) {
            out.push(item.trim().to_string());
        }
    }
    out
}

/// What of a partial cross-issue brief goes up a level: its headlines,
/// still cited `[<issue> <id>]`.
fn partial(answer: &str) -> String {
    headline_lines(answer)
        .iter()
        .map(|h| format!("- {h}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Make the cross-issue brief of `issues` (those with headlines or
/// summaries): the model's answer checked, or the fallback, as the issue
/// brief does it ([`brief::reduce`], [`brief::problem`],
/// [`brief::fallback`]). Returns it and the requests it took.
pub async fn make(
    s: &Services<'_>,
    target_language: &str,
    issues: &[IssueHeadlines],
) -> Result<(Brief, Vec<RequestReport>)> {
    let known = known(issues);
    let inputs: Vec<BriefInput> = issues
        .iter()
        .filter(|i| !i.headlines.is_empty())
        .map(|i| BriefInput {
            id: i.stem.clone(),
            title: i.title.clone().unwrap_or_default(),
            section: i.date.clone(),
            text: i
                .headlines
                .iter()
                .map(|h| format!("- {h}"))
                .collect::<Vec<_>>()
                .join("\n"),
        })
        .collect();
    let (answer, reports) = if inputs.is_empty() {
        (Err("no issue has headlines".to_string()), Vec::new())
    } else {
        let reduction = brief::Reduction {
            template: "week.md",
            item: "week",
            kind: AnswerKind::Week,
            target_language,
            issue: "",
            sections: &[],
            partial,
        };
        brief::reduce::reduce(&reduction, inputs, s).await?
    };
    let template = s.prompts.source("week.md").unwrap_or_default();
    let checked = answer
        .and_then(|markdown| brief::problem(&markdown, &known, template).map_or(Ok(markdown), Err));
    let (markdown, origin) = match checked {
        Ok(markdown) => (markdown, "model".to_string()),
        Err(reason) => (
            brief::fallback_note(&reason) + &brief::fallback(&fallback_headlines(issues), &[]),
            format!("fallback: {reason}"),
        ),
    };
    let checked = check_citations(&markdown, &known);
    Ok((
        Brief {
            markdown: checked.text,
            // Citations here are `<issue> <id>`.
            cited: checked.cited,
            removed_citations: checked.removed,
            stages: reports.len(),
            origin,
            // Its figures come from the issue briefs, checked there.
            removed_figures: Vec::new(),
            parts: Vec::new(),
        },
        reports,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headlines_take_the_issue_name() {
        let md = "## Headlines\n- Exports grow [A01][C02]\n- Rates hold [A03]\n\n## Key figures\n- not this [A09]\n";
        assert_eq!(
            headlines_of(md, "kiep"),
            ["Exports grow [kiep A01][kiep C02]", "Rates hold [kiep A03]"]
        );
        assert_eq!(partial(md), "- Exports grow [A01][C02]\n- Rates hold [A03]");
    }

    #[test]
    fn unusable_answers_and_the_fallback() {
        let known: Known = [("a".to_string(), ["A01".to_string()].into())].into();
        let template = Prompts::builtin();
        let template = template.source("week.md").unwrap();
        let problem = |md: &str| brief::problem(md, &known, template);
        assert!(problem("## Headlines\n- x [a A01]").is_none());
        assert!(problem("## Headlines\n- <development to watch> [a A01]").is_some());
        assert!(problem("## Headlines\n- x [b A01]").is_some());
        assert!(problem("- x [a A01]").is_some());
        let issues = vec![IssueHeadlines {
            stem: "a".into(),
            title: None,
            date: None,
            headlines: vec![],
            articles: vec!["A01".into()],
            summaries: vec![("A01".into(), "Exports grew 5%.".into())],
        }];
        let md = brief::fallback(&fallback_headlines(&issues), &[]);
        assert_eq!(md, "## Headlines\n- Exports grew 5%. [a A01]\n");
        assert!(problem(&md).is_none(), "{md}");
    }

    #[test]
    fn the_week_prompt_lists_every_issue() {
        let inputs = [BriefInput {
            id: "kiep-07".into(),
            title: "KIEP weekly".into(),
            section: Some("2025-07".into()),
            text: "- Exports grow [kiep-07 A01]".into(),
        }];
        let m = brief::messages(&Prompts::builtin(), "week.md", "English", "", &[], &inputs)
            .expect("renders");
        assert!(m.user.starts_with("Issues: 1\n"), "{}", m.user);
        assert!(
            m.user
                .contains("Issue kiep-07: KIEP weekly (2025-07)\n- Exports grow [kiep-07 A01]"),
            "{}",
            m.user
        );
    }
}
