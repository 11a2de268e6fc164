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
use serde::Serialize;

use crate::brief::{self, Brief, BriefInput};
use crate::cache::AnswerKind;
use crate::error::{GlossError, Result};
use crate::prompts::{Messages, Prompts};
use crate::stage::{AnswerSpec, RequestReport, Services};

/// Room for the cross-issue brief.
const WEEK_MAX_TOKENS: u32 = 1200;
/// Tokens of prompt text around the headlines.
const WEEK_PROMPT_TOKENS: usize = 600;

pub use crate::outcome::IssueHeadlines;

/// The run's citable articles: issue folder → its article ids.
pub type Known = BTreeMap<String, BTreeSet<String>>;

/// The known citations of `issues`.
pub fn known(issues: &[IssueHeadlines]) -> Known {
    issues
        .iter()
        .map(|i| (i.stem.clone(), i.articles.iter().cloned().collect()))
        .collect()
}

static BRACKET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[([^\[\]\n]{1,200})\](\()?").expect("static regex"));
static QUALIFIED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\S+)\s+([A-Z]\d{2,3})$").expect("static regex"));
static BARE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Z]\d{2,3}$").expect("static regex"));

/// Keep the citations of `known` articles, drop the rest. A bracket is a
/// citation when one of its `;`/`,`-separated parts is `<issue> <id>` or a
/// bare id (which names no issue, so it is removed); other brackets and
/// link texts stay. Returns the text, the citations kept and those removed.
pub fn check_citations(markdown: &str, known: &Known) -> (String, Vec<String>, Vec<String>) {
    let mut cited: Vec<String> = Vec::new();
    let mut removed: Vec<String> = Vec::new();
    let text = BRACKET.replace_all(markdown, |caps: &regex::Captures<'_>| {
        let whole = caps[0].to_string();
        if caps.get(2).is_some() {
            return whole; // a Markdown link's text
        }
        let parts: Vec<&str> = caps[1].split([';', ',']).map(str::trim).collect();
        if !parts
            .iter()
            .any(|p| QUALIFIED.is_match(p) || BARE.is_match(p))
        {
            return whole;
        }
        let mut kept = String::new();
        for part in parts {
            let found = QUALIFIED.captures(part).and_then(|c| {
                let (stem, id) = (c.get(1)?.as_str(), c.get(2)?.as_str());
                known
                    .get(stem)
                    .is_some_and(|ids| ids.contains(id))
                    .then(|| format!("{stem} {id}"))
            });
            match found {
                Some(citation) => {
                    kept.push_str(&format!("[{citation}]"));
                    if !cited.contains(&citation) {
                        cited.push(citation);
                    }
                }
                None if !part.is_empty() && !removed.iter().any(|r| r == part) => {
                    removed.push(part.to_string())
                }
                None => {}
            }
        }
        kept
    });
    (text.into_owned(), cited, removed)
}

/// Why a model's cross-issue brief cannot be used, if it cannot (see
/// [`brief::problem`]): no Headlines section, a placeholder of `template`
/// left in, or no real citation.
pub fn problem(markdown: &str, known: &Known, template: &str) -> Option<String> {
    let (_, cited, _) = check_citations(markdown, known);
    brief::shape_problem(markdown, template, !cited.is_empty())
}

/// A cross-issue brief assembled from the summaries: up to three per issue,
/// each the first sentence of an article's summary with its citation.
pub fn fallback(issues: &[IssueHeadlines], reason: &str) -> String {
    let mut out = format!(
        "*The model's cross-issue brief was not usable ({reason}); this brief is assembled from the article summaries.*\n\n## Headlines\n"
    );
    for issue in issues {
        for (id, sentence) in issue.summaries.iter().take(3) {
            out.push_str(&format!("- {sentence} [{} {id}]\n", issue.stem));
        }
    }
    out
}

/// The request for `issues` (each a [`BriefInput`] whose `id` is the issue,
/// `section` its date and `text` its headline lines).
pub fn messages(
    prompts: &Prompts,
    target_language: &str,
    issues: &[BriefInput],
) -> Result<Messages> {
    #[derive(Serialize)]
    struct Context<'a> {
        target_language: &'a str,
        issues: &'a [BriefInput],
    }
    prompts.render(
        "week.md",
        Context {
            target_language,
            issues,
        },
    )
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

/// Make the cross-issue brief of `issues` (those with headlines or
/// summaries): the model's answer checked, or the fallback. Returns it and
/// the requests it took.
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
    let mut reports = Vec::new();
    let answer = if inputs.is_empty() {
        Err("no issue has headlines".to_string())
    } else {
        reduce(s, target_language, inputs, &mut reports).await?
    };
    let template = s.prompts.source("week.md").unwrap_or_default();
    let problem = match &answer {
        Ok(markdown) => problem(markdown, &known, template),
        Err(reason) => Some(reason.clone()),
    };
    let (markdown, origin) = match (answer, problem) {
        (Ok(markdown), None) => (markdown, "model".to_string()),
        (_, Some(reason)) => (fallback(issues, &reason), format!("fallback: {reason}")),
        (Err(reason), None) => (fallback(issues, &reason), format!("fallback: {reason}")),
    };
    let (markdown, cited, removed) = check_citations(&markdown, &known);
    Ok((
        Brief {
            markdown,
            // Citations here are `<issue> <id>`.
            cited,
            removed_citations: removed,
            stages: reports.len(),
            origin,
            // Its figures come from the issue briefs, checked there.
            removed_figures: Vec::new(),
        },
        reports,
    ))
}

/// Ask for the brief of `level`, in groups that fit the context, then for
/// the brief of those partial briefs, until one request holds everything.
/// `Err(reason)` when a request failed (the caller falls back).
async fn reduce(
    s: &Services<'_>,
    target_language: &str,
    mut level: Vec<BriefInput>,
    reports: &mut Vec<RequestReport>,
) -> Result<std::result::Result<String, String>> {
    let limit = s
        .profile
        .context_window
        .saturating_sub(s.profile.max_output_tokens as usize + WEEK_PROMPT_TOKENS)
        .max(256);
    for depth in 1.. {
        let groups = brief::level_groups(level, depth, limit);
        let single = groups.len() == 1;
        let mut next = Vec::new();
        for (n, group) in groups.into_iter().enumerate() {
            let item = if single {
                "week".to_string()
            } else {
                format!("week part {depth}.{}", n + 1)
            };
            let messages = messages(s.prompts, target_language, &group)?;
            let spec = AnswerSpec {
                kind: AnswerKind::Week,
                max_tokens: WEEK_MAX_TOKENS,
                line_list: false,
                sentences: false,
            };
            let (answer, report) = s
                .complete(&item, spec, &messages)
                .await
                .map_err(GlossError::Llm)?;
            let error = report.error.clone();
            reports.push(report);
            let Some(answer) = answer else {
                return Ok(Err(format!(
                    "the {item} request failed: {}",
                    error.unwrap_or_default()
                )));
            };
            if single {
                return Ok(Ok(answer));
            }
            // A partial brief's headlines, still cited `[<issue> <id>]`.
            let lines = headline_lines(&answer);
            next.push(BriefInput {
                id: format!("part {}", n + 1),
                title: format!("Partial brief {}", n + 1),
                section: None,
                text: lines
                    .iter()
                    .map(|h| format!("- {h}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            });
        }
        level = next;
    }
    unreachable!("the levels loop only ends by returning")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known_of(pairs: &[(&str, &[&str])]) -> Known {
        pairs
            .iter()
            .map(|(s, ids)| (s.to_string(), ids.iter().map(|i| i.to_string()).collect()))
            .collect()
    }

    #[test]
    fn citations_need_a_real_issue_and_article() {
        let known = known_of(&[("kiep-07", &["A01", "A03"]), ("kdca", &["C02"])]);
        let (text, cited, removed) = check_citations(
            "- Trade [kiep-07 A03]. Fake [nosuch A01]. Both [kiep-07 A01; kdca C02]. \
             Bare [A03]. Wrong id [kdca A01]. Note [sic]. Link [x](https://e.org).",
            &known,
        );
        assert_eq!(
            text,
            "- Trade [kiep-07 A03]. Fake . Both [kiep-07 A01][kdca C02]. \
             Bare . Wrong id . Note [sic]. Link [x](https://e.org)."
        );
        assert_eq!(cited, ["kiep-07 A03", "kiep-07 A01", "kdca C02"]);
        assert_eq!(removed, ["nosuch A01", "A03", "kdca A01"]);
    }

    #[test]
    fn headlines_take_the_issue_name() {
        let md = "## Headlines\n- Exports grow [A01][C02]\n- Rates hold [A03]\n\n## Key figures\n- not this [A09]\n";
        assert_eq!(
            headlines_of(md, "kiep"),
            ["Exports grow [kiep A01][kiep C02]", "Rates hold [kiep A03]"]
        );
    }

    #[test]
    fn unusable_answers_and_the_fallback() {
        let known = known_of(&[("a", &["A01"])]);
        let template = Prompts::builtin();
        let template = template.source("week.md").unwrap();
        assert!(problem("## Headlines\n- x [a A01]", &known, template).is_none());
        assert!(
            problem(
                "## Headlines\n- <development to watch> [a A01]",
                &known,
                template
            )
            .is_some()
        );
        assert!(problem("## Headlines\n- x [b A01]", &known, template).is_some());
        assert!(problem("- x [a A01]", &known, template).is_some());
        let issues = vec![IssueHeadlines {
            stem: "a".into(),
            title: None,
            date: None,
            headlines: vec![],
            articles: vec!["A01".into()],
            summaries: vec![("A01".into(), "Exports grew 5%.".into())],
        }];
        let md = fallback(&issues, "test");
        assert!(md.contains("- Exports grew 5%. [a A01]"), "{md}");
        assert!(problem(&md, &known, template).is_none(), "{md}");
    }
}
