//! Stage 6 — brief: the one-page executive brief from all summaries of an
//! issue. What gloss knows it writes itself (the "By section" grouping of
//! the parse, with titles, sources and dates); the model writes the prose:
//! headlines, key figures' labels, what to watch. When the summaries do not
//! fit the model's context they are reduced in stages ([`reduce`]), never
//! truncated. Citations are checked: an id not in the issue is removed and
//! reported.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::citations::{Citations, check_citations};
use crate::error::Result;
use crate::prompts::{Messages, Prompts};
use crate::qa::echo::placeholders;

mod assemble;
mod figures;
mod markdown;
pub mod reduce;
mod tidy;

pub use assemble::{BriefArticle, Origin, Part, PartLine, assemble, by_section, parts};
pub use figures::{ArticleSource, check_figures};
pub use markdown::fit_tables;
pub use reduce::{Reduction, groups, level_groups};
pub use tidy::{
    Replaced, drop_contradictions, drop_placeholder_items, drop_repeated_headlines,
    drop_repeated_watch, replace_titles,
};

/// One item the brief is made from: a summary, or a partial brief.
#[derive(Debug, Clone, Serialize)]
pub struct BriefInput {
    pub id: String,
    pub title: String,
    pub section: Option<String>,
    pub text: String,
}

pub use crate::outcome::Brief;

/// Why a model's brief cannot be used, if it cannot: it must have the
/// headline section, fill the template (`template`: the prompt in use; none
/// of its placeholders may stay) and cite at least one article `known`
/// knows. The issue brief and the cross-issue brief alike.
pub fn problem(markdown: &str, known: &impl Citations, template: &str) -> Option<String> {
    if !markdown.contains("## Headlines") {
        return Some("the answer has no Headlines section".into());
    }
    if placeholders(template)
        .iter()
        .any(|p| markdown.contains(p.as_str()))
    {
        return Some("the answer repeats the template instead of filling it".into());
    }
    if check_citations(markdown, known).cited.is_empty() {
        return Some("the answer cites no article".into());
    }
    None
}

/// Why a model's brief is not in `target_language`, if it is not: its text,
/// without the section names the prompt gave (`sections`, which may be in
/// the source language), is mostly in a CJK script. Only English targets
/// are checked: the script check reads English.
pub fn language_problem(
    markdown: &str,
    target_language: &str,
    sections: &[String],
) -> Option<String> {
    if !target_language.eq_ignore_ascii_case("English") {
        return None;
    }
    let mut prose = markdown.to_string();
    for name in sections.iter().filter(|n| !n.trim().is_empty()) {
        prose = prose.replace(name.as_str(), "");
    }
    let share = crate::qa::cjk_letter_share(&prose);
    (share > crate::qa::FOREIGN_SHARE).then(|| {
        format!(
            "the answer is not in {target_language} ({:.0}% of its letters are Korean, Japanese or Chinese)",
            share * 100.0
        )
    })
}

static FIGURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:US\$|\$|€|£|CAD\s?|USD\s?)?\d[\d,.]*\s?(?:%|percent|trillion|billion|million|thousand|bn|GWh|MWh|TWh|kWh|km|°C|years?|won|yuan|dollars?)?")
        .expect("static regex")
});

/// The first sentence of a summary's first line.
pub fn first_sentence(text: &str) -> &str {
    let first = text.lines().next().unwrap_or_default();
    first.split_inclusive(". ").next().unwrap_or(first).trim()
}

/// The line at the top of a brief assembled from the summaries.
pub fn fallback_note(reason: &str) -> String {
    format!(
        "*The model's brief was not usable ({reason}); this brief is assembled from the article summaries.*\n\n"
    )
}

/// A brief assembled from the summaries alone, for when the model's is
/// unusable: `headlines` (a sentence and its citation, `A03` or
/// `kiep-07 A03`) and, when there are any, a key-figures table of the
/// figures in `key_points` (article id → its points).
pub fn fallback(headlines: &[(String, String)], key_points: &[(String, Vec<String>)]) -> String {
    let mut out = String::from("## Headlines\n");
    for (sentence, citation) in headlines {
        out.push_str(&format!("- {sentence} [{citation}]\n"));
    }
    let mut rows = Vec::new();
    for (id, point) in key_points
        .iter()
        .flat_map(|(id, points)| points.iter().map(move |p| (id, p)))
    {
        let figure = FIGURE.find_iter(point).find(|m| {
            m.as_str().chars().any(|c| c.is_ascii_digit()) && m.as_str().trim().len() > 1
        });
        if let Some(m) = figure.filter(|_| rows.len() < 8) {
            // The figure pattern takes a separator that ends a clause
            // ("By 2030, the market…") as part of a figure; it is not one.
            rows.push(format!(
                "| {} | {} | [{id}] |\n",
                m.as_str().trim().trim_end_matches([',', '.']),
                point.replace('|', "/")
            ));
        }
    }
    if !rows.is_empty() {
        out.push_str(
            "\n## Key figures\n| Figure | What it measures | Article |\n| --- | --- | --- |\n",
        );
        out.push_str(&rows.concat());
    }
    out
}

#[derive(Serialize)]
struct Context<'a> {
    target_language: &'a str,
    issue: &'a str,
    sections: &'a [String],
    summaries: &'a [BriefInput],
}

/// A brief request: `template` (`brief.md`, or `week.md` whose inputs are
/// issues) rendered over `inputs`.
pub fn messages(
    prompts: &Prompts,
    template: &str,
    target_language: &str,
    issue: &str,
    sections: &[String],
    inputs: &[BriefInput],
) -> Result<Messages> {
    prompts.render(
        template,
        Context {
            target_language,
            issue,
            sections,
            summaries: inputs,
        },
    )
}

// ---------------------------------------------------------------------------
// The stage's flow: one request (or a map → reduce), then the checks.
// ---------------------------------------------------------------------------

/// Everything the brief of one issue is made from: plain data.
#[derive(Debug, Clone)]
pub struct BriefRequest {
    /// The issue's name, as the prompt shows it.
    pub issue: String,
    pub target_language: String,
    /// The sections of the selected articles, in issue order.
    pub sections: Vec<String>,
    /// Every article id of the issue: what a citation may name.
    pub known: BTreeSet<String>,
    /// The summaries, in issue order.
    pub inputs: Vec<BriefInput>,
    /// Each summarized article's key points, for the fallback.
    pub key_points: Vec<(String, Vec<String>)>,
    /// The source text of the articles briefed, where its key figures must
    /// be found ([`check_figures`]).
    pub sources: Vec<ArticleSource>,
    /// What the parse knows of the selected articles, in issue order: the
    /// "By section" part, and what the model's lines are checked against.
    pub articles: Vec<BriefArticle>,
}

/// The brief and what it cost; `warnings` are for the user.
pub struct BriefOutcome {
    pub brief: Brief,
    pub reports: Vec<crate::stage::RequestReport>,
    pub warnings: Vec<String>,
}

pub use crate::stage::Services;

/// A brief's text after [`tidy`].
struct Tidied {
    text: String,
    removed_figures: Vec<String>,
    /// Headline lines written from a summary.
    from_summaries: Vec<String>,
}

/// Write the brief: map → reduce until one request holds everything, then
/// check it (a model's unusable brief gives way to one assembled from the
/// summaries; citations of unknown articles are removed) and put it
/// together with what the parse knows. A fatal endpoint error is `Err`.
pub async fn write(request: BriefRequest, s: &Services<'_>) -> Result<BriefOutcome> {
    let reduction = Reduction {
        template: "brief.md",
        item: "brief",
        kind: crate::cache::AnswerKind::Brief,
        target_language: &request.target_language,
        issue: &request.issue,
        sections: &request.sections,
        partial: str::to_string,
    };
    let (answer, reports) = reduce::reduce(&reduction, request.inputs.clone(), s).await?;
    Ok(finish(answer, &request, s.prompts, reports))
}

/// The checks and the assembly of [`write`], on the model's answer (or why
/// there is none).
pub fn finish(
    answer: std::result::Result<String, String>,
    request: &BriefRequest,
    prompts: &Prompts,
    reports: Vec<crate::stage::RequestReport>,
) -> BriefOutcome {
    let mut warnings = Vec::new();
    let template = prompts.source("brief.md").unwrap_or_default();
    // The model's brief, tidied; unusable before or after, the summaries'.
    let tidied = answer
        .and_then(|markdown| {
            let found = problem(&markdown, &request.known, template).or_else(|| {
                language_problem(&markdown, &request.target_language, &request.sections)
            });
            found.map_or(Ok(markdown), Err)
        })
        .and_then(|markdown| {
            let mut told = Vec::new();
            let tidied = tidy(&markdown, request, template, &mut told);
            let left = problem(&tidied.text, &request.known, template)
                .or_else(|| emptied_headlines(&markdown, &tidied.text));
            match left {
                Some(reason) => Err(format!("{reason} once its copies were left out")),
                None => {
                    warnings.extend(told);
                    Ok(tidied)
                }
            }
        });
    let (tidied, origin, note, rest) = match tidied {
        Ok(done) => (done, "model".to_string(), String::new(), Origin::Model),
        Err(reason) => {
            warnings.push(format!(
                "the model's brief was not usable ({reason}); assembling it from the summaries"
            ));
            let headlines: Vec<(String, String)> = request
                .inputs
                .iter()
                .take(7)
                .map(|i| (first_sentence(&i.text).to_string(), i.id.clone()))
                .collect();
            let text = fallback(&headlines, &request.key_points);
            (
                tidy(&text, request, template, &mut warnings),
                format!("fallback: {reason}"),
                fallback_note(&reason),
                Origin::Summary,
            )
        }
    };
    let (body, left_out) = assemble(&tidied.text, &request.articles);
    if left_out
        .iter()
        .any(|h| h.eq_ignore_ascii_case(assemble::BY_SECTION))
    {
        warnings.push(
            "the model's own \"By section\" was left out: gloss writes it from the parse".into(),
        );
    }
    let checked = check_citations(&format!("{note}{body}"), &request.known);
    if !checked.removed.is_empty() {
        warnings.push(format!(
            "the brief cited articles that do not exist ({}); those citations were removed",
            checked.removed.join(", ")
        ));
    }
    let parts = parts(&checked.text, rest, &tidied.from_summaries);
    let brief = Brief {
        markdown: checked.text,
        cited: checked.cited,
        removed_citations: checked.removed,
        stages: reports.len(),
        origin,
        removed_figures: tidied.removed_figures,
        parts,
    };
    BriefOutcome {
        brief,
        reports,
        warnings,
    }
}

/// Why the tidied brief `after` has lost every headline `before` had, if so.
fn emptied_headlines(before: &str, after: &str) -> Option<String> {
    let count =
        |m: &str| markdown::section_items(m, "Headlines").map_or(0, |(items, _, _)| items.len());
    (count(before) > 0 && count(after) == 0).then(|| "no headline is left".to_string())
}

/// A brief made readable, each step told in `warnings`: tables made whole,
/// the template's own words left out, titles-as-headlines replaced by their
/// summaries, lines contradicting the parse, repeated headlines and a
/// repeated "What to watch" left out, key figures checked against the
/// articles.
fn tidy(
    markdown: &str,
    request: &BriefRequest,
    template: &str,
    warnings: &mut Vec<String>,
) -> Tidied {
    // Small models write short rows under the key-figures header.
    let (markdown, _) = fit_tables(markdown);
    let (markdown, copies) = drop_placeholder_items(&markdown, template);
    if copies > 0 {
        warnings.push(format!(
            "brief lines that were the template's own words ({copies}) were left out"
        ));
    }
    let titles = replace_titles(&markdown, &request.articles, &request.inputs);
    if !titles.replaced.is_empty() {
        warnings.push(format!(
            "brief headlines that only repeated an article's title ({}) were replaced by the first sentence of its summary",
            titles.replaced.join(", ")
        ));
    }
    if !titles.dropped.is_empty() {
        warnings.push(format!(
            "brief headlines that only repeated the title of an article without a summary ({}) were left out",
            titles.dropped.join(", ")
        ));
    }
    let (markdown, contradicting) = drop_contradictions(&titles.text, &request.articles);
    if !contradicting.is_empty() {
        warnings.push(format!(
            "brief lines that put an article under another section or a title under another id ({}) were left out",
            contradicting.len()
        ));
    }
    let (markdown, repeats) = drop_repeated_headlines(&markdown);
    if repeats > 0 {
        warnings.push(format!(
            "brief headlines that repeated another headline or a section line ({repeats}) were left out"
        ));
    }
    let (markdown, repeated) = drop_repeated_watch(&markdown);
    if repeated {
        warnings.push(
            "the brief's \"What to watch\" only repeated its headlines; it was left out".into(),
        );
    }
    // The number reader reads English figures.
    let (text, removed_figures) = if request.target_language.eq_ignore_ascii_case("English") {
        check_figures(&markdown, &request.sources)
    } else {
        (markdown, Vec::new())
    };
    if !removed_figures.is_empty() {
        warnings.push(format!(
            "the brief's key figures {} are in none of the articles they cite; left out",
            removed_figures.join(", ")
        ));
    }
    Tidied {
        text,
        removed_figures,
        from_summaries: titles.from_summaries,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_brief_citing_only_in_template_brackets_is_usable() {
        let template = Prompts::builtin();
        let template = template.source("brief.md").unwrap();
        let known = ids(&["A01"]);
        assert!(problem("## Headlines\n- Funding grows [<A01>]", &known, template).is_none());
    }

    #[test]
    fn a_brief_in_another_script_fails_the_language_check() {
        let sections = vec!["이슈포커스".to_string(), "유망기술클리핑".to_string()];
        let english = "## Headlines\n- Canada gives CAD 427 million to clusters [A06]\n\n## By section\n- **이슈포커스** — Japanese makers and R&D\n- **유망기술클리핑** — robots, coatings, cement and an AI pin\n";
        assert_eq!(language_problem(english, "English", &sections), None);
        let japanese = "## Headlines\n- **カナダのインスピレーション、科学と経済開発省（ISED）が資金を分配** [A06]\n- **中国の製造業分野成長計画** [A09]\n\n## By section\n- **이슈포커스** — 読み上げ、DX実施方向のレビュー\n";
        let found = language_problem(japanese, "English", &sections);
        assert!(
            found
                .as_deref()
                .is_some_and(|p| p.contains("not in English")),
            "{found:?}"
        );
        // The same text is not judged for a target the check cannot read.
        assert_eq!(language_problem(japanese, "Japanese", &sections), None);
        // Section names alone in Korean do not fail an English brief.
        let names_only = "## By section\n- **이슈포커스** — x\n- **유망기술클리핑** — y\n";
        assert_eq!(language_problem(names_only, "English", &sections), None);
        assert!(language_problem(names_only, "English", &[]).is_some());
    }

    #[test]
    fn unusable_briefs_are_caught_and_fallback_cites_every_article() {
        let known = ids(&["A06", "C01"]);
        let template = Prompts::builtin();
        let template = template.source("brief.md").unwrap();
        let problem = |md: &str, known: &BTreeSet<String>| problem(md, known, template);
        let placeholder = &placeholders(template)[0];
        assert!(problem(&format!("## Headlines\n- {placeholder} [<id>]"), &known).is_some());
        assert!(
            problem(
                "## Headlines\n- Funding grows [A06]\n| <number with unit> | x | [A06] |",
                &known
            )
            .is_some()
        );
        assert!(problem("Some text [A06]", &known).is_some());
        assert!(problem("## Headlines\n- Funding grows [A99]", &known).is_some());
        assert!(problem("## Headlines\n- Funding grows [A06]", &known).is_none());
        // An overridden template's own placeholders count.
        let custom = "Write: ## Headlines\n- <headline> [<id>]";
        assert_eq!(placeholders(custom), ["<headline>", "<id>"]);
        assert!(!placeholders(template).iter().any(|p| p.contains("USER")));
        assert!(super::problem("## Headlines\n- <headline> [A06]", &known, custom).is_some());
        let headlines = [
            (
                "Canada gives CAD 427 million.".to_string(),
                "A06".to_string(),
            ),
            (
                "A robot guards 5,000 square feet.".to_string(),
                "C01".to_string(),
            ),
        ];
        let points = vec![(
            "A06".to_string(),
            vec!["CAD 427 million from ISED".to_string(), "no figure".into()],
        )];
        let md = fallback(&headlines, &points);
        assert!(problem(&md, &known).is_none(), "{md}");
        assert_eq!(
            md,
            "## Headlines\n- Canada gives CAD 427 million. [A06]\n- A robot guards 5,000 square feet. [C01]\n\n## Key figures\n| Figure | What it measures | Article |\n| --- | --- | --- |\n| CAD 427 million | CAD 427 million from ISED | [A06] |\n"
        );
        // Without figures there is no table.
        assert!(!fallback(&headlines, &[]).contains("Key figures"));
        let points = vec![(
            "A04".to_string(),
            vec!["By 2030, the market reaches 44 million cars.".to_string()],
        )];
        assert!(
            fallback(&headlines, &points).contains("| 2030 | By 2030, the market"),
            "{}",
            fallback(&headlines, &points)
        );
        assert_eq!(first_sentence("One. Two.\nThree."), "One.");
    }

    /// The sample's shape, shortened: A01 in the first section, A02 and A04
    /// in the second, C01 among the clippings.
    fn request() -> BriefRequest {
        let article = |id: &str, section: &str, title: &str| BriefArticle {
            id: id.into(),
            title: title.into(),
            section: Some(section.into()),
            source: None,
            date: None,
        };
        let mut a04 = article(
            "A04",
            "Industry trends",
            "Electric vehicle and battery industry outlook",
        );
        a04.source = Some("Wood Mackenzie".into());
        a04.date = Some("10.31".into());
        let articles = vec![
            article("A01", "Focus on the issue", "Japanese manufacturing R&D DX"),
            article("A02", "Industry trends", "Global AI outlook"),
            a04,
            article("C01", "Clippings", "Security robot"),
        ];
        let inputs = [
            (
                "A01",
                "Japanese makers digitise R&D slowly. Only 20% use AI.",
            ),
            ("A02", "AI spending grows 20% a year."),
            ("A04", "Wood Mackenzie expects 40 million EVs by 2030."),
            ("C01", "A robot guards 5,000 square feet."),
        ]
        .iter()
        .map(|(id, text)| BriefInput {
            id: id.to_string(),
            title: String::new(),
            section: None,
            text: text.to_string(),
        })
        .collect();
        BriefRequest {
            issue: "trendwatch".into(),
            target_language: "English".into(),
            sections: vec![],
            known: ids(&["A01", "A02", "A04", "C01"]),
            inputs,
            key_points: vec![],
            sources: vec![],
            articles,
        }
    }

    fn finished(answer: &str) -> BriefOutcome {
        finish(Ok(answer.into()), &request(), &Prompts::builtin(), vec![])
    }

    #[test]
    fn the_grouping_is_the_parse_whatever_the_answer_says() {
        // The 1.5B's answer: one article per section, a title under a
        // clipping's id, the clippings missing.
        let answer = "## Headlines\n- AI spending grows 20% a year [A02]\n\n## By section\n- **Focus on the issue** — A01\n- **Industry trends** — A02\n- **Policy trends** — A04\n- Japanese manufacturing R&D DX [C01]\n\n## What to watch\n- **Focus on the issue** — Electric vehicles [A04]\n- Whether robots sell [C01]\n";
        let out = finished(answer);
        let md = &out.brief.markdown;
        assert_eq!(out.brief.origin, "model");
        assert_eq!(
            md,
            "## Headlines\n- AI spending grows 20% a year [A02]\n\n\
             ## By section\n\
             - **Focus on the issue** — Japanese manufacturing R&D DX [A01]\n\
             - **Industry trends** — Global AI outlook [A02]; Electric vehicle and battery industry outlook (Wood Mackenzie, 10.31) [A04]\n\
             - **Clippings** — Security robot [C01]\n\n\
             ## What to watch\n- Whether robots sell [C01]\n"
        );
        assert!(out.warnings.iter().any(|w| w.contains("\"By section\"")));
        assert!(out.warnings.iter().any(|w| w.contains("another section")));
        let from: Vec<(&str, Origin)> = out
            .brief
            .parts
            .iter()
            .map(|p| (p.heading.as_str(), p.from))
            .collect();
        assert_eq!(
            from,
            [
                ("Headlines", Origin::Model),
                ("By section", Origin::Parse),
                ("What to watch", Origin::Model)
            ]
        );
    }

    #[test]
    fn title_only_headlines_become_what_happened() {
        // The 1.5B's headlines: the articles' titles translated, in order.
        let answer = "## Headlines\n- **Japanese Manufacturing R&D DX** [A01]\n- Global AI outlook [A02]\n- Electric vehicle and battery industry outlook (Wood Mackenzie, 10.31) [A04]\n- Security robot [C01]\n";
        let out = finished(answer);
        let headlines: Vec<&str> = out
            .brief
            .markdown
            .lines()
            .take_while(|l| !l.is_empty())
            .collect();
        assert_eq!(
            headlines,
            [
                "## Headlines",
                "- Japanese makers digitise R&D slowly. [A01]",
                "- AI spending grows 20% a year. [A02]",
                "- Wood Mackenzie expects 40 million EVs by 2030. [A04]",
                "- A robot guards 5,000 square feet. [C01]",
            ]
        );
        assert_eq!(out.brief.parts[0].from, Origin::Summary);
        assert!(
            out.brief.parts[0]
                .lines
                .iter()
                .all(|l| l.from == Origin::Summary)
        );
        assert!(
            out.warnings
                .iter()
                .any(|w| w.contains("A01, A02, A04, C01"))
        );
    }

    #[test]
    fn a_fallback_brief_says_its_parts_came_from_the_summaries() {
        let out = finish(
            Err("the brief request failed: timeout".into()),
            &request(),
            &Prompts::builtin(),
            vec![],
        );
        assert!(out.brief.origin.starts_with("fallback"));
        assert!(
            out.brief
                .markdown
                .starts_with("*The model's brief was not usable")
        );
        assert_eq!(out.brief.parts[0].heading, "Headlines");
        assert_eq!(out.brief.parts[0].from, Origin::Summary);
        assert_eq!(out.brief.parts[1].from, Origin::Parse);
    }
}

#[cfg(test)]
mod fake_tests;
