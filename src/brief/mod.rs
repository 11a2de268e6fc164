//! Stage 6 — brief: the one-page executive brief from all summaries of an
//! issue. When the summaries do not fit the model's context they are reduced
//! in stages (briefs of groups, then a brief of those), never truncated.
//! Citations are checked: an id not in the issue is removed and reported.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::error::Result;

mod figures;
use crate::prompts::{Messages, Prompts};
use crate::qa::echo::placeholders;
pub use figures::{ArticleSource, check_figures};

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
/// headline section, cite at least one real article and fill the template
/// (`template`: the brief prompt in use; none of its placeholders may stay).
pub fn problem(markdown: &str, known: &[String], template: &str) -> Option<String> {
    let (_, cited, _) = check_citations(markdown, known);
    shape_problem(markdown, template, !cited.is_empty())
}

/// The checks of [`problem`] for any brief (the single issue's, the
/// cross-issue one): `cites` says whether it cites a real article.
pub fn shape_problem(markdown: &str, template: &str, cites: bool) -> Option<String> {
    if !markdown.contains("## Headlines") {
        return Some("the answer has no Headlines section".into());
    }
    if placeholders(template)
        .iter()
        .any(|p| markdown.contains(p.as_str()))
    {
        return Some("the answer repeats the template instead of filling it".into());
    }
    if !cites {
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

/// A brief assembled from the summaries alone, for when the model's brief is
/// unusable: every headline is a summary's first sentence with its citation.
pub fn fallback(
    inputs: &[BriefInput],
    key_points: &[(String, Vec<String>)],
    reason: &str,
) -> String {
    let mut out = format!(
        "*The model's brief was not usable ({reason}); this brief is assembled from the article summaries.*\n\n## Headlines\n"
    );
    for input in inputs.iter().take(7) {
        let first = input.text.lines().next().unwrap_or_default();
        let sentence = first.split_inclusive(". ").next().unwrap_or(first).trim();
        out.push_str(&format!("- {} [{}]\n", sentence, input.id));
    }
    out.push_str(
        "\n## Key figures\n| Figure | What it measures | Article |\n| --- | --- | --- |\n",
    );
    let mut rows = 0;
    for (id, points) in key_points {
        for point in points {
            if rows >= 8 {
                break;
            }
            if let Some(m) = FIGURE.find_iter(point).find(|m| {
                m.as_str().chars().any(|c| c.is_ascii_digit()) && m.as_str().trim().len() > 1
            }) {
                out.push_str(&format!(
                    "| {} | {} | [{id}] |\n",
                    m.as_str().trim(),
                    point.replace('|', "/")
                ));
                rows += 1;
            }
        }
    }
    out.push_str("\n## By section\n");
    let mut sections: Vec<(&str, Vec<&str>)> = Vec::new();
    for input in inputs {
        let name = input.section.as_deref().unwrap_or("Other");
        match sections.iter_mut().find(|(s, _)| *s == name) {
            Some((_, titles)) => titles.push(&input.title),
            None => sections.push((name, vec![&input.title])),
        }
    }
    for (name, titles) in sections {
        out.push_str(&format!("- **{name}** — {}\n", titles.join("; ")));
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

/// Rough token estimate without building a tokenizer: English ~4 chars a token.
fn estimate_tokens(text: &str) -> usize {
    text.len().div_ceil(4) + 8
}

/// The requests of one level of a reduction: `level`'s inputs in groups that
/// fit `limit` tokens (by estimate). Past the first level (`depth` > 1)
/// every group merges at least two inputs, or partial briefs as long as half
/// the limit would never converge.
pub fn level_groups(level: Vec<BriefInput>, depth: usize, limit: usize) -> Vec<Vec<BriefInput>> {
    let size = |i: &BriefInput| estimate_tokens(&i.text) + estimate_tokens(&i.title);
    let floor = if depth == 1 {
        0
    } else {
        2 * level.iter().map(size).max().unwrap_or(0)
    };
    groups(level, limit.max(floor), size)
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

/// The cells of a Markdown table row (`| a | b |`), split at unescaped pipes.
fn cells(row: &str) -> Vec<String> {
    let inner = row.trim();
    let inner = inner.strip_prefix('|').unwrap_or(inner);
    let inner = inner
        .strip_suffix('|')
        .filter(|i| !i.ends_with('\\'))
        .unwrap_or(inner);
    let mut out = vec![String::new()];
    let mut escaped = false;
    for c in inner.chars() {
        match c {
            '|' if !escaped => out.push(String::new()),
            _ => {
                if let Some(last) = out.last_mut() {
                    last.push(c);
                }
            }
        }
        escaped = c == '\\' && !escaped;
    }
    out.into_iter().map(|c| c.trim().to_string()).collect()
}

fn is_delimiter_row(row: &str) -> bool {
    let c = cells(row);
    !c.is_empty()
        && c.iter().all(|c| {
            !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')) && c.contains('-')
        })
}

fn is_citation(cell: &str) -> bool {
    CITATION
        .find(cell)
        .is_some_and(|m| m.as_str() == cell.trim())
}

/// Every Markdown table of a model's answer made whole: a row with fewer
/// cells than its header is padded (before a trailing citation, so `[A03]`
/// stays in the last column), a row with more cells or with nothing in it
/// is dropped, and the delimiter row matches the header. Small models write
/// two cells under a three-column header; rendered as is, the table breaks.
/// Returns the text and how many rows were padded or dropped.
pub fn fit_tables(markdown: &str) -> (String, usize) {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut fixed = 0;
    let mut i = 0;
    while i < lines.len() {
        let header = lines[i];
        let is_table = header.trim_start().starts_with('|')
            && lines.get(i + 1).is_some_and(|l| is_delimiter_row(l));
        if !is_table {
            out.push(header.to_string());
            i += 1;
            continue;
        }
        let width = cells(header).len();
        out.push(header.to_string());
        let delimiter = lines[i + 1];
        if cells(delimiter).len() == width {
            out.push(delimiter.to_string());
        } else {
            out.push(format!("|{}", " --- |".repeat(width)));
        }
        i += 2;
        while let Some(row) = lines.get(i).filter(|l| l.trim_start().starts_with('|')) {
            i += 1;
            let mut c = cells(row);
            if c.len() == width {
                out.push(row.to_string());
                continue;
            }
            fixed += 1;
            if c.len() > width || c.iter().all(String::is_empty) {
                continue;
            }
            let at = if c.last().is_some_and(|l| is_citation(l)) {
                c.len() - 1
            } else {
                c.len()
            };
            while c.len() < width {
                c.insert(at, String::new());
            }
            out.push(format!("| {} |", c.join(" | ")));
        }
    }
    let mut text = out.join("\n");
    if markdown.ends_with('\n') {
        text.push('\n');
    }
    (text, fixed)
}

/// A citation as models write it: `[A03]`, `[A01, C02]`, and the template's
/// angle brackets copied around the id (`[<A01>]`, `[<A01>, <C02>]`).
static CITATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\[\s*(<?[A-Z]\d{2}>?(?:\s*[,;]\s*<?[A-Z]\d{2}>?)*)\s*\]").expect("static regex")
});

/// The ids `text` cites, as models write citations (see [`CITATION`]).
fn cited_ids(text: &str) -> Vec<String> {
    CITATION
        .captures_iter(text)
        .flat_map(|c| ids_in(&c[1]).collect::<Vec<_>>())
        .collect()
}

/// The ids of one citation's list (`A01, <C02>`), as written `A01`.
fn ids_in(list: &str) -> impl Iterator<Item = String> + '_ {
    list.split([',', ';'])
        .map(|s| s.trim().trim_matches(['<', '>']).to_string())
}

/// Cite a headline that is an article's title word for word (case, emphasis
/// and a final stop aside) to that article when it cites others: the 1.5B
/// wrote A05's title under `[C02]`. Returns the text and what was re-cited
/// (`C02→A05`).
pub fn recite_titles(markdown: &str, inputs: &[BriefInput]) -> (String, Vec<String>) {
    let norm = |t: &str| {
        t.replace("**", "")
            .trim()
            .trim_end_matches('.')
            .to_lowercase()
    };
    let Some((items, _, _)) = section_items(markdown, "Headlines") else {
        return (markdown.to_string(), Vec::new());
    };
    let mut lines: Vec<String> = markdown.lines().map(str::to_string).collect();
    let mut recited = Vec::new();
    for (i, text) in items {
        let text = text.trim_end_matches(['.', ',', ' ']);
        // A title two articles share names neither for sure.
        let mut named = inputs.iter().filter(|input| norm(&input.title) == text);
        let (Some(input), None) = (named.next(), named.next()) else {
            continue;
        };
        let cited = cited_ids(&lines[i]);
        if cited.is_empty() || cited.contains(&input.id) {
            continue;
        }
        let bare = CITATION.replace_all(&lines[i], "");
        lines[i] = format!("{} [{}]", bare.trim_end_matches([',', ';', ' ']), input.id);
        recited.push(format!("{}→{}", cited.join("+"), input.id));
    }
    if recited.is_empty() {
        return (markdown.to_string(), recited);
    }
    let mut text = lines.join("\n");
    if markdown.ends_with('\n') {
        text.push('\n');
    }
    (text, recited)
}

/// Keep citations of `known` ids, drop the rest; every citation kept is
/// written `[A01]` (one bracket per id). Returns the text, the ids cited and
/// the ids removed.
pub fn check_citations(markdown: &str, known: &[String]) -> (String, Vec<String>, Vec<String>) {
    let mut cited: Vec<String> = Vec::new();
    let mut removed: Vec<String> = Vec::new();
    let text = CITATION.replace_all(markdown, |caps: &regex::Captures<'_>| {
        let kept: Vec<String> = ids_in(&caps[1])
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

// ---------------------------------------------------------------------------
// The stage's flow: one request (or a map → reduce), then the checks.
// ---------------------------------------------------------------------------

/// Tokens of prompt text around the summaries, and room kept for the answer.
const BRIEF_PROMPT_TOKENS: usize = 600;
/// Room for the brief.
const BRIEF_MAX_TOKENS: u32 = 1200;

/// Everything the brief of one issue is made from: plain data.
#[derive(Debug, Clone)]
pub struct BriefRequest {
    /// The issue's name, as the prompt shows it.
    pub issue: String,
    pub target_language: String,
    /// The sections of the selected articles, in issue order.
    pub sections: Vec<String>,
    /// Every article id of the issue: what a citation may name.
    pub known: Vec<String>,
    /// The summaries, in issue order.
    pub inputs: Vec<BriefInput>,
    /// Each summarized article's key points, for the fallback.
    pub key_points: Vec<(String, Vec<String>)>,
    /// The source text of the articles briefed, where its key figures must
    /// be found ([`check_figures`]).
    pub sources: Vec<ArticleSource>,
}

/// The brief and what it cost; `warnings` are for the user.
pub struct BriefOutcome {
    pub brief: Brief,
    pub reports: Vec<crate::stage::RequestReport>,
    pub warnings: Vec<String>,
}

pub use crate::stage::Services;

/// Write the brief: map → reduce until one request holds everything, then
/// check it (a model's unusable brief gives way to one assembled from the
/// summaries; citations of unknown articles are removed). A fatal endpoint
/// error is `Err`.
pub async fn write(request: BriefRequest, s: &Services<'_>) -> Result<BriefOutcome> {
    let (answer, stages, reports) = reduce(&request, s).await?;
    let mut warnings = Vec::new();
    let template = s.prompts.source("brief.md").unwrap_or_default();
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
            let (text, figures) = tidy(&markdown, &request, template, &mut told);
            let left = problem(&text, &request.known, template)
                .or_else(|| emptied_headlines(&markdown, &text));
            match left {
                Some(reason) => Err(format!("{reason} once its copies were left out")),
                None => {
                    warnings.extend(told);
                    Ok((text, figures))
                }
            }
        });
    let ((markdown, removed_figures), origin) = match tidied {
        Ok(done) => (done, "model".to_string()),
        Err(reason) => {
            warnings.push(format!(
                "the model's brief was not usable ({reason}); assembling it from the summaries"
            ));
            let text = fallback(&request.inputs, &request.key_points, &reason);
            (
                tidy(&text, &request, template, &mut warnings),
                format!("fallback: {reason}"),
            )
        }
    };
    let (markdown, cited, removed) = check_citations(&markdown, &request.known);
    if !removed.is_empty() {
        warnings.push(format!(
            "the brief cited articles that do not exist ({}); those citations were removed",
            removed.join(", ")
        ));
    }
    let brief = Brief {
        markdown,
        cited,
        removed_citations: removed,
        stages,
        origin,
        removed_figures,
    };
    Ok(BriefOutcome {
        brief,
        reports,
        warnings,
    })
}

/// Why the tidied brief `after` has lost every headline `before` had, if so.
fn emptied_headlines(before: &str, after: &str) -> Option<String> {
    let count = |m: &str| section_items(m, "Headlines").map_or(0, |(items, _, _)| items.len());
    (count(before) > 0 && count(after) == 0).then(|| "no headline is left".to_string())
}

/// A brief made readable, each step told in `warnings`: tables made whole,
/// the template's own words, repeated headlines and a repeated "What to
/// watch" left out, titles cited to their articles, key figures checked
/// against the articles. Returns the text and the figures left out.
fn tidy(
    markdown: &str,
    request: &BriefRequest,
    template: &str,
    warnings: &mut Vec<String>,
) -> (String, Vec<String>) {
    // Small models write short rows under the key-figures header.
    let (markdown, _) = fit_tables(markdown);
    let (markdown, copies) = drop_placeholder_items(&markdown, template);
    if copies > 0 {
        warnings.push(format!(
            "brief lines that were the template's own words ({copies}) were left out"
        ));
    }
    let (markdown, repeats) = drop_repeated_headlines(&markdown);
    if repeats > 0 {
        warnings.push(format!(
            "brief headlines that repeated another headline or a section line ({repeats}) were left out"
        ));
    }
    let (markdown, recited) = recite_titles(&markdown, &request.inputs);
    if !recited.is_empty() {
        warnings.push(format!(
            "the brief's headlines named one article's title under another's id ({}); re-cited",
            recited.join(", ")
        ));
    }
    let (markdown, repeated) = drop_repeated_watch(&markdown);
    if repeated {
        warnings.push(
            "the brief's \"What to watch\" only repeated its headlines; it was left out".into(),
        );
    }
    // The number reader reads English figures.
    let (markdown, removed_figures) = if request.target_language.eq_ignore_ascii_case("English") {
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
    (markdown, removed_figures)
}

/// The brief's text (or why there is none), the requests it took and their
/// reports: groups of inputs that fit the context are briefed, then the
/// partial briefs, until one request holds everything.
async fn reduce(
    request: &BriefRequest,
    s: &Services<'_>,
) -> Result<(
    std::result::Result<String, String>,
    usize,
    Vec<crate::stage::RequestReport>,
)> {
    let limit = s
        .profile
        .context_window
        .saturating_sub(s.profile.max_output_tokens as usize + BRIEF_PROMPT_TOKENS)
        .max(256);
    let size = |i: &BriefInput| estimate_tokens(&i.text) + estimate_tokens(&i.title);
    let mut level = request.inputs.clone();
    let (mut stages, mut depth, mut reports) = (0, 0, Vec::new());
    loop {
        depth += 1;
        // Past the first level every request must merge at least two inputs,
        // or partial briefs as long as half the limit would never converge.
        let floor = if depth == 1 {
            0
        } else {
            2 * level.iter().map(size).max().unwrap_or(0)
        };
        let groups = groups(level, limit.max(floor), size);
        let single = groups.len() == 1;
        let mut next = Vec::new();
        for (n, group) in groups.into_iter().enumerate() {
            stages += 1;
            let item = if single {
                "brief".to_string()
            } else {
                format!("brief part {depth}.{}", n + 1)
            };
            let (answer, report) = one_request(request, &group, &item, s).await?;
            let error = report.error.clone();
            reports.push(report);
            let Some(answer) = answer else {
                let why = format!("the {item} request failed: {}", error.unwrap_or_default());
                return Ok((Err(why), stages, reports));
            };
            next.push(BriefInput {
                id: format!("part {}", n + 1),
                title: format!("Partial brief {}", n + 1),
                section: None,
                text: answer,
            });
        }
        if single {
            let text = next.pop().map(|b| b.text).unwrap_or_default();
            return Ok((Ok(text), stages, reports));
        }
        level = next;
    }
}

/// One brief request over `group`, from the cache or the endpoint.
async fn one_request(
    request: &BriefRequest,
    group: &[BriefInput],
    item: &str,
    s: &Services<'_>,
) -> Result<(Option<String>, crate::stage::RequestReport)> {
    let messages = messages(
        s.prompts,
        &request.target_language,
        &request.issue,
        &request.sections,
        group,
    )?;
    let spec = crate::stage::AnswerSpec {
        kind: crate::cache::AnswerKind::Brief,
        max_tokens: BRIEF_MAX_TOKENS,
        line_list: false,
        sentences: false,
    };
    s.complete(item, spec, &messages)
        .await
        .map_err(crate::error::GlossError::Llm)
}

/// The bullet items under the `## <heading>` of `markdown`, each with its
/// line index and normalized (citations, emphasis and case dropped), and the
/// heading's line span.
type Items = (Vec<(usize, String)>, usize, usize);

/// A Markdown list item's marker: `-`, `*`, `+`, `1.` or `1)`.
static LIST_MARKER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:[-*+]|\d{1,2}[.)])\s+").expect("static regex"));

/// The text of a list item line, without its marker; `None` for other lines.
fn list_item(line: &str) -> Option<&str> {
    LIST_MARKER.find(line).map(|m| line[m.end()..].trim())
}

/// The line span of the `## <heading>` section of `lines` (heading in any
/// case): from the heading to the next `## ` heading or the end.
fn section_span(lines: &[&str], heading: &str) -> Option<(usize, usize)> {
    let start = lines
        .iter()
        .position(|l| l.trim().eq_ignore_ascii_case(&format!("## {heading}")))?;
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.starts_with("## "))
        .map_or(lines.len(), |n| start + 1 + n);
    Some((start, end))
}

fn section_items(markdown: &str, heading: &str) -> Option<Items> {
    let lines: Vec<&str> = markdown.lines().collect();
    let (start, end) = section_span(&lines, heading)?;
    let items = (start + 1..end)
        .filter_map(|i| Some((i, list_item(lines[i])?)))
        .map(|(i, item)| {
            let text = CITATION.replace_all(item, "");
            (i, text.replace("**", "").trim().to_lowercase())
        })
        .filter(|(_, t)| !t.is_empty())
        .collect();
    Some((items, start, end))
}

/// `markdown` without the lines whose index `drop` says.
fn without_lines(markdown: &str, drop: impl Fn(usize) -> bool) -> String {
    let kept: Vec<&str> = markdown
        .lines()
        .enumerate()
        .filter(|(i, _)| !drop(*i))
        .map(|(_, l)| l)
        .collect();
    kept.join("\n").trim_end().to_string() + "\n"
}

/// Leave out a "What to watch" section that only repeats the headlines (a
/// small model's habit: the 1.5B copied its nine headlines word for word):
/// at least two items, and most of them one of the headlines. Whether it did.
pub fn drop_repeated_watch(markdown: &str) -> (String, bool) {
    let (Some((headlines, _, _)), Some((watch, start, end))) = (
        section_items(markdown, "Headlines"),
        section_items(markdown, "What to watch"),
    ) else {
        return (markdown.to_string(), false);
    };
    let headlines: Vec<&String> = headlines.iter().map(|(_, t)| t).collect();
    let repeated = watch.iter().filter(|(_, w)| headlines.contains(&w)).count();
    if watch.len() < 2 || repeated * 2 <= watch.len() {
        return (markdown.to_string(), false);
    }
    (without_lines(markdown, |i| i >= start && i < end), true)
}

/// Leave out bullet items that are a placeholder of `template` with its
/// angle brackets dropped ("- **Development to Watch** [C02]" for the
/// template's `<development to watch>`): the model copied the template's
/// words, not content. How many were left out.
pub fn drop_placeholder_items(markdown: &str, template: &str) -> (String, usize) {
    let words: Vec<String> = placeholders(template)
        .iter()
        .map(|p| p.trim_matches(['<', '>']).trim().to_lowercase())
        .collect();
    let mut copies = Vec::new();
    for (i, line) in markdown.lines().enumerate() {
        let Some(item) = list_item(line) else {
            continue;
        };
        let text = CITATION.replace_all(item, "").replace("**", "");
        let text = text
            .trim()
            .trim_end_matches([',', '.', ';', ' '])
            .to_lowercase();
        if words.contains(&text) {
            copies.push(i);
        }
    }
    if copies.is_empty() {
        return (markdown.to_string(), 0);
    }
    (
        without_lines(markdown, |i| copies.contains(&i)),
        copies.len(),
    )
}

/// Leave out headlines that repeat an earlier headline or a "By section"
/// line (the 1.5B wrote one headline twice and copied its section lines
/// under the headlines). The first of each stays, and a section of nothing
/// but copies is kept whole. How many were left out.
pub fn drop_repeated_headlines(markdown: &str) -> (String, usize) {
    let Some((headlines, _, _)) = section_items(markdown, "Headlines") else {
        return (markdown.to_string(), 0);
    };
    // A section line's text, its "**name** — " label aside: the 1.5B also
    // put one section's text under another's name.
    let body = |t: &str| t.split_once(" — ").map_or(t, |(_, b)| b).trim().to_string();
    let sections: Vec<String> = section_items(markdown, "By section")
        .map(|(items, _, _)| items.iter().map(|(_, t)| body(t)).collect())
        .unwrap_or_default();
    // Only a headline shaped like a section line ("name — text") or citing
    // nothing is taken for a copy of one: a section of one article may well
    // say what its headline says.
    let lines: Vec<&str> = markdown.lines().collect();
    let copy_shaped = |i: usize, t: &str| t.contains(" — ") || !CITATION.is_match(lines[i]);
    let mut seen: Vec<&str> = Vec::new();
    let mut repeats = Vec::new();
    for (i, text) in &headlines {
        let copies_section = copy_shaped(*i, text) && sections.contains(&body(text));
        if seen.contains(&text.as_str()) || copies_section {
            repeats.push(*i);
        }
        seen.push(text);
    }
    if repeats.is_empty() || repeats.len() == headlines.len() {
        return (markdown.to_string(), 0);
    }
    (
        without_lines(markdown, |i| repeats.contains(&i)),
        repeats.len(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_what_to_watch_that_repeats_the_headlines_is_left_out() {
        let brief = "## Headlines\n- Canada funds clusters [A06]\n- **US secures minerals** [A07]\n- Chips need talent [A08]\n\n## What to watch\n- Canada funds clusters [A06]\n- US secures minerals [A07][A02]\n- Whether cells reach volume production [A04]\n\n## Articles\n- x\n";
        let (out, dropped) = drop_repeated_watch(brief);
        assert!(dropped);
        assert!(!out.contains("What to watch"), "{out}");
        assert!(out.contains("## Headlines") && out.contains("## Articles\n- x"));
        // Its own items, or one repeat in three, are kept.
        let own = brief.replace(
            "- Canada funds clusters [A06]\n- US secures minerals [A07][A02]\n- Whether",
            "- Battery prices [A04]\n- Supply chains [A05]\n- Whether",
        );
        assert_eq!(drop_repeated_watch(&own), (own.clone(), false));
        let one = brief.replace(
            "- US secures minerals [A07][A02]\n",
            "- Supply chains [A05]\n",
        );
        assert!(!drop_repeated_watch(&one).1);
        assert!(!drop_repeated_watch("## Headlines\n- a [A01]\n").1);
    }

    #[test]
    fn headlines_repeating_a_headline_or_a_section_line_are_left_out() {
        // The 1.5B's brief of A01 and A03, shortened.
        let brief = "## Headlines\n- **Japanese R&D DX** [A01]\n- **Global AI outlook** [A03]\n- **Focus on the issue** — Manufacturing faces change.\n- **Global AI outlook** [A03]\n- **Focus on the issue** — AI grows.\n\n## By section\n- **Focus on the issue** — Manufacturing faces change.\n- **Industry trends** — AI grows.\n";
        let (out, dropped) = drop_repeated_headlines(brief);
        assert_eq!(dropped, 3);
        assert_eq!(
            out,
            "## Headlines\n- **Japanese R&D DX** [A01]\n- **Global AI outlook** [A03]\n\n## By section\n- **Focus on the issue** — Manufacturing faces change.\n- **Industry trends** — AI grows.\n"
        );
        // Distinct headlines stay; headlines that are nothing but copies too.
        let own = "## Headlines\n- One [A01]\n- Two [A03]\n\n## By section\n- Three\n";
        assert_eq!(drop_repeated_headlines(own), (own.to_string(), 0));
        let copies = "## Headlines\n- Three\n\n## By section\n- Three\n";
        assert_eq!(drop_repeated_headlines(copies).1, 0);
        // A section of one article may say what its cited headline says;
        // items may be written `*` or `1.`.
        let single = "## Headlines\n* Canada funds clusters [A06]\n1. Robots patrol homes [C01]\n1. Robots patrol homes [C01]\n\n## By section\n- **Policy** — Canada funds clusters [A06]\n";
        let (out, dropped) = drop_repeated_headlines(single);
        assert_eq!(dropped, 1);
        assert!(out.contains("* Canada funds clusters [A06]"), "{out}");
    }

    #[test]
    fn a_headline_that_is_a_title_is_cited_to_its_article() {
        let input = |id: &str, title: &str| BriefInput {
            id: id.into(),
            title: title.into(),
            section: None,
            text: String::new(),
        };
        let inputs = [
            input("A05", "China's solid lithium-ion battery industry trend"),
            input("C02", "Hydrogen fuel cell protection coating"),
        ];
        // The 1.5B's headlines of A05 and C02.
        let brief = "## Headlines\n- **China's Solid Lithium-ion Battery Industry Trend** [C02]\n- **Hydrogen Fuel Cell Protection Coating** [C02]\n- **China's solid lithium-ion battery industry trend.** [C02], [C05]\n- Batteries and coatings advance [C02]\n";
        let (out, recited) = recite_titles(brief, &inputs);
        assert_eq!(recited, ["C02→A05", "C02+C05→A05"]);
        assert_eq!(
            out,
            "## Headlines\n- **China's Solid Lithium-ion Battery Industry Trend** [A05]\n- **Hydrogen Fuel Cell Protection Coating** [C02]\n- **China's solid lithium-ion battery industry trend.** [A05]\n- Batteries and coatings advance [C02]\n"
        );
        let right = "## Headlines\n- Hydrogen fuel cell protection coating [C02]\n";
        assert_eq!(recite_titles(right, &inputs), (right.to_string(), vec![]));
        // A title two articles share (a recurring column) is left as cited.
        let shared = [
            input("A02", "Industry trends"),
            input("C04", "Industry trends"),
        ];
        let column = "## Headlines\n- Industry trends [C04]\n";
        assert_eq!(recite_titles(column, &shared), (column.to_string(), vec![]));
    }

    #[test]
    fn items_that_copy_a_placeholder_are_left_out() {
        let template = "## Headlines\n- <takeaway 1> [<id>]\n## What to watch\n- <development to watch> [<id>]\n";
        let brief = "## Headlines\n- Batteries advance [C02]\n- **Development to Watch** [C02], [C05]\n- Takeaway 1.\n\n## What to watch\n- Development to watch: solid batteries [C02]\n";
        let (out, dropped) = drop_placeholder_items(brief, template);
        assert_eq!(dropped, 2);
        assert_eq!(
            out,
            "## Headlines\n- Batteries advance [C02]\n\n## What to watch\n- Development to watch: solid batteries [C02]\n"
        );
        let own = "## Headlines\n- Batteries advance [C02]\n";
        assert_eq!(drop_placeholder_items(own, template), (own.to_string(), 0));
    }

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
    fn citations_with_template_brackets_or_lists_are_read() {
        let known = vec!["A01".to_string(), "C02".to_string()];
        let (text, cited, removed) = check_citations(
            "- One [<A01>]. Two [A01, C02]. Three [<A01>, <C02>]. Four [ C02 ; A99 ]. Five [<id>].",
            &known,
        );
        assert_eq!(
            text,
            "- One [A01]. Two [A01][C02]. Three [A01][C02]. Four [C02]. Five [<id>]."
        );
        assert_eq!(cited, vec!["A01", "C02"]);
        assert_eq!(removed, vec!["A99"]);
        // A brief citing only in the template's brackets is not "citing nothing".
        let template = Prompts::builtin();
        let template = template.source("brief.md").unwrap();
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
        let known = vec!["A06".to_string(), "C01".to_string()];
        let template = Prompts::builtin();
        let template = template.source("brief.md").unwrap();
        let problem = |md: &str, known: &[String]| problem(md, known, template);
        assert!(problem("## Headlines\n- <takeaway 1> [<id>]", &known).is_some());
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
        assert!(placeholders(template).contains(&"<takeaway 1>".to_string()));
        assert!(super::problem("## Headlines\n- <headline> [A06]", &known, custom).is_some());
        let inputs = vec![
            BriefInput {
                id: "A06".into(),
                title: "Canada funds clusters".into(),
                section: Some("Policy".into()),
                text: "Canada gives CAD 427 million. More follows.".into(),
            },
            BriefInput {
                id: "C01".into(),
                title: "Security robot".into(),
                section: Some("Clippings".into()),
                text: "A robot guards 5,000 square feet.".into(),
            },
        ];
        let points = vec![(
            "A06".to_string(),
            vec!["CAD 427 million from ISED".to_string()],
        )];
        let md = fallback(&inputs, &points, "test");
        assert!(problem(&md, &known).is_none(), "{md}");
        assert!(md.contains("- Canada gives CAD 427 million. [A06]"), "{md}");
        assert!(
            md.contains("| CAD 427 million | CAD 427 million from ISED | [A06] |"),
            "{md}"
        );
        assert!(md.contains("**Clippings** — Security robot"));
    }

    #[test]
    fn short_and_long_table_rows_are_padded_or_dropped() {
        let answer = "## Key figures\n| Figure | What it measures | Article |\n| --- | --- |\n| CAD 427 million | [A06] |\n| 40% | CO2 cut | [C04] |\n| 5 | clusters |\n| a | b | c | d |\n| | |\n\n## By section\n- x | y\n";
        let (text, fixed) = fit_tables(answer);
        assert_eq!(fixed, 4, "{text}");
        let rows: Vec<&str> = text.lines().filter(|l| l.starts_with('|')).collect();
        // Every row of the table has the header's three cells.
        for row in &rows {
            assert_eq!(cells(row).len(), 3, "{row}");
        }
        assert!(rows.contains(&"| CAD 427 million |  | [A06] |"), "{text}");
        assert!(rows.contains(&"| 5 | clusters |  |"), "{text}");
        assert!(!text.contains("| a | b | c | d |"));
        assert!(text.contains("## By section\n- x | y\n"));
        // A whole table is left alone.
        let whole = "| A | B |\n| --- | --- |\n| 1 | 2 \\| 3 |\n";
        assert_eq!(fit_tables(whole), (whole.to_string(), 0));
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

#[cfg(test)]
mod fake_tests;
