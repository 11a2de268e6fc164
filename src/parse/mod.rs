//! Stage 2 — parse: turn a decoded document into an [`Issue`] of articles.
//!
//! First, page furniture goes: page markers, running headers and footers
//! and page numbers found by repetition across pages ([`furniture`]). Then
//! three readers are tried in turn. A *titled* newsletter (like 산업기술
//! 동향워치) has title lines of the form `제목 (출처, 11.6)`, often a summary
//! table at the front, sections and a clipping table. Any other issue is
//! read through its contents page or summary box, else its top-level
//! numbered headings ([`sections`]). Everything else goes through a
//! *generic* reader of Markdown and underlined headings, down to a single
//! article at worst. Each article records which rule found its start.
//!
//! Lossless by construction: every non-blank line is assigned to exactly one
//! article (as a heading line or a body line) or dropped with a reason.

mod align;
pub mod artifacts;
mod contents;
pub mod furniture;
mod generic;
mod layout;
mod levels;
mod numbering;
pub mod paragraphs;
mod sections;
mod titled;

use std::collections::HashMap;

use crate::document::{
    Article, ArticleKind, DroppedLine, Issue, Paragraph, StartRule, line_ranges,
};
use crate::load::{LineLayout, SourceText};
use contents::Toc;
use paragraphs::{BodyLine, JoinStyle};

/// A non-blank input line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Line<'a> {
    /// 1-based line number.
    pub no: usize,
    /// The line as in the input.
    pub raw: &'a str,
    /// Whether a blank line came right before it.
    pub after_blank: bool,
    /// The 1-based page it stands on.
    pub page: u32,
    /// Where and how it was set, for inputs that carry a layout (PDF).
    pub layout: Option<LineLayout>,
}

impl<'a> Line<'a> {
    /// The line without surrounding whitespace.
    pub fn text(&self) -> &'a str {
        self.raw.trim()
    }
}

/// An article as a layout reader found it: metadata and which lines it owns.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub kind: ArticleKind,
    /// Which rule found where it starts.
    pub start: StartRule,
    pub section: Option<String>,
    pub title: String,
    pub category: Option<String>,
    pub source: Option<String>,
    pub date: Option<String>,
    /// Lines consumed as title, category, source or date.
    pub head: Vec<usize>,
    /// Lines that become paragraphs.
    pub body: Vec<usize>,
}

impl Draft {
    pub fn new(kind: ArticleKind, title: impl Into<String>) -> Self {
        Self {
            kind,
            start: StartRule::Unknown,
            section: None,
            title: title.into(),
            category: None,
            source: None,
            date: None,
            head: Vec::new(),
            body: Vec::new(),
        }
    }
}

/// What a layout reader returns.
#[derive(Debug, Default)]
pub(crate) struct Layout {
    pub drafts: Vec<Draft>,
    pub dropped: Vec<(usize, String)>,
    pub warnings: Vec<String>,
}

/// Parse a document into articles. Never fails: unknown shapes end up as one article.
///
/// Memory stays a small multiple of the input: the lines are held once
/// (borrowed from `src`), artifacts leave that list in place, and lines are
/// found again by number through a binary search rather than a map.
pub fn parse(src: &SourceText) -> Issue {
    let read = parse_with(src, |kept, toc| {
        let layout = titled::parse(kept)
            .or_else(|| sections::parse(kept, &src.outline, toc.as_ref()))
            .unwrap_or_else(|| generic::parse(kept, || sections::fallback(kept)));
        Ok::<_, std::convert::Infallible>((layout, toc))
    });
    match read {
        Ok(issue) => issue,
        Err(never) => match never {},
    }
}

/// What to ask a model about an issue's structure: the article-level
/// entries of its contents list and the lines that could head them, by line
/// number. `None` when the issue has no contents list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructureQuery {
    pub entries: Vec<String>,
    pub lines: Vec<(usize, String)>,
}

/// The [`StructureQuery`] of `src`, if it has a contents list.
pub fn structure_query(src: &SourceText) -> Option<StructureQuery> {
    let (mut kept, _) = non_blank_lines(src);
    remove_artifacts(&mut kept);
    let toc = contents::read_all(&kept)?;
    Some(StructureQuery {
        entries: toc.items().map(|e| e.title.clone()).collect(),
        lines: contents::candidate_lines(&kept, &toc)
            .into_iter()
            .map(|i| (kept[i].no, kept[i].text().chars().take(40).collect()))
            .collect(),
    })
}

/// Parse `src` with the contents entries placed where a model said
/// (`starts`: a line number or none per entry of [`structure_query`]);
/// with `keep_rules`, the entries the rules placed stay where they are and
/// the answer places only the others. `Err` says why the answer was not
/// used; the issue is then as [`parse`] gives it.
pub fn parse_guided(
    src: &SourceText,
    starts: &[Option<usize>],
    keep_rules: bool,
) -> Result<Issue, String> {
    parse_with(src, |kept, _| {
        let listed = contents::read_all(kept).ok_or("the issue has no contents list")?;
        let placed = contents::with_starts(kept, &listed, starts, keep_rules)?;
        Ok((sections::placed(kept, &placed), Some(placed)))
    })
}

/// Parse `src`, the articles laid out by `layout` from the kept lines and
/// the contents list (which it may replace).
fn parse_with<E>(
    src: &SourceText,
    layout: impl FnOnce(&[Line<'_>], Option<Toc>) -> Result<(Layout, Option<Toc>), E>,
) -> Result<Issue, E> {
    let (mut lines, blank) = non_blank_lines(src);
    // Read from all non-blank lines, before the artifacts leave them.
    let blank_lines_separate = blank_lines_separate(&lines);
    let artifact_lines = remove_artifacts(&mut lines);
    let kept = lines;
    let listed = if ignore_contents() {
        None
    } else {
        contents::read(&kept)
    };
    let (layout, toc) = layout(&kept, listed)?;
    // A contents page none of whose entries the rules could place is still
    // the user's check.
    let toc = toc.or_else(|| contents::read_all(&kept));
    let mut warnings = layout.warnings;
    let contents = toc.map(|t| {
        let titles: Vec<&str> = layout
            .drafts
            .iter()
            .filter(|d| d.kind != ArticleKind::Front && !d.body.is_empty())
            .map(|d| d.title.as_str())
            .collect();
        contents::check(&t, &titles)
    });
    if let Some(c) = contents.as_ref().filter(|c| c.is_low()) {
        warnings.push(c.summary());
    }
    let style = join_style(blank_lines_separate, &kept);
    let mut counters: HashMap<ArticleKind, usize> = HashMap::new();
    let articles = layout
        .drafts
        .into_iter()
        .map(|draft| {
            let id = next_id(&mut counters, draft.kind);
            article(draft, id, &kept, style, src, &blank)
        })
        .collect();
    Ok(Issue {
        name: src.file_name.clone(),
        articles,
        dropped: dropped_lines(artifact_lines, layout.dropped, &kept),
        warnings,
        contents,
    })
}

/// A diagnostic switch: with `GLOSS_PARSE_IGNORE_CONTENTS=1` the articles
/// are found without the contents page (the check is still reported), to
/// measure what the rest of the parser finds on its own.
fn ignore_contents() -> bool {
    std::env::var_os("GLOSS_PARSE_IGNORE_CONTENTS").is_some_and(|v| v == "1")
}

/// Find the page artifacts and furniture among `lines` and take them out;
/// returns them as dropped lines with their reasons.
fn remove_artifacts(lines: &mut Vec<Line<'_>>) -> Vec<DroppedLine> {
    let mut artifacts = {
        let numbered: Vec<(usize, &str)> = lines.iter().map(|l| (l.no, l.raw)).collect();
        artifacts::find(&numbered, titled::is_title_line)
    };
    let furniture = furniture::find(lines, &artifacts, titled::is_title_line);
    artifacts.extend(furniture);
    let artifact_lines = lines
        .iter()
        .filter_map(|l| {
            artifacts.get(&l.no).map(|&reason| DroppedLine {
                line: l.no,
                text: l.text().to_string(),
                reason: reason.to_string(),
            })
        })
        .collect();
    lines.retain(|l| !artifacts.contains_key(&l.no));
    artifact_lines
}

/// The kept line numbered `no`: `kept` is in line order, so a binary search
/// finds it without a map.
fn kept_line<'k, 'a>(kept: &'k [Line<'a>], no: usize) -> Option<&'k Line<'a>> {
    kept.binary_search_by_key(&no, |l| l.no)
        .ok()
        .map(|i| &kept[i])
}

/// The next id of an article of `kind` (F01, A01, C01, …), counted per kind.
fn next_id(counters: &mut HashMap<ArticleKind, usize>, kind: ArticleKind) -> String {
    let n = counters.entry(kind).or_default();
    *n += 1;
    let prefix = match kind {
        ArticleKind::Front => 'F',
        ArticleKind::Article => 'A',
        ArticleKind::Clipping => 'C',
    };
    format!("{prefix}{n:02}")
}

/// The article `draft` describes: its paragraphs, pages and line ranges.
fn article(
    draft: Draft,
    id: String,
    kept: &[Line<'_>],
    style: JoinStyle,
    src: &SourceText,
    blank: &[bool],
) -> Article {
    let paragraphs = paragraphs_of(&id, &draft.body, kept, style);
    let mut owned: Vec<usize> = draft.head.iter().chain(&draft.body).copied().collect();
    owned.sort_unstable();
    let page_of = |no: usize| src.pages.get(no - 1).copied();
    let pages: Vec<u32> = match (
        owned.first().and_then(|&n| page_of(n)),
        owned.last().and_then(|&n| page_of(n)),
    ) {
        (Some(a), Some(b)) => vec![a, b],
        _ => Vec::new(),
    };
    Article {
        id,
        kind: draft.kind,
        start: draft.start,
        pages,
        section: draft.section,
        title: draft.title,
        category: draft.category,
        source: draft.source,
        date: draft.date,
        lines: line_ranges(&owned, |n| blank.get(n - 1).is_none_or(|&b| b)),
        paragraphs,
    }
}

/// The paragraphs of article `id`, joined from its body lines `body`.
fn paragraphs_of(id: &str, body: &[usize], kept: &[Line<'_>], style: JoinStyle) -> Vec<Paragraph> {
    let body: Vec<BodyLine<'_>> = body
        .iter()
        .filter_map(|&no| kept_line(kept, no))
        .map(|l| BodyLine {
            no: l.no,
            raw: l.raw,
            after_blank: l.after_blank,
        })
        .collect();
    // Narrow columns (clipping tables) wrap earlier than the page.
    let article_style = if body.len() >= 5 {
        JoinStyle {
            full_width: paragraphs::full_width(body.iter().map(|l| l.raw)),
            ..style
        }
    } else {
        style
    };
    paragraphs::join(&body, article_style)
        .into_iter()
        .enumerate()
        .map(|(i, b)| Paragraph {
            id: format!("{id}.p{:02}", i + 1),
            text: b.text,
            lines: b.lines,
        })
        .collect()
}

/// Every dropped line in line order: the artifacts, and the lines the
/// reader dropped (only lines it was given, so their text is in `kept`).
fn dropped_lines(
    artifact_lines: Vec<DroppedLine>,
    by_reader: Vec<(usize, String)>,
    kept: &[Line<'_>],
) -> Vec<DroppedLine> {
    let text_of = |no: usize| {
        kept_line(kept, no)
            .map(|l| l.text().to_string())
            .unwrap_or_default()
    };
    let mut dropped: Vec<DroppedLine> = artifact_lines
        .into_iter()
        .chain(by_reader.into_iter().map(|(line, reason)| DroppedLine {
            line,
            text: text_of(line),
            reason,
        }))
        .collect();
    dropped.sort_by_key(|d| d.line);
    dropped
}

/// The non-blank lines of `src`, held once at their exact size, and for
/// every line (index = line number - 1) whether it is blank.
fn non_blank_lines(src: &SourceText) -> (Vec<Line<'_>>, Vec<bool>) {
    let blank: Vec<bool> = src
        .text
        .split('\n')
        .map(|raw| raw.trim().is_empty())
        .collect();
    let mut lines = Vec::with_capacity(blank.iter().filter(|&&b| !b).count());
    let mut after_blank = false;
    for ((i, raw), &is_blank) in src.text.split('\n').enumerate().zip(&blank) {
        if is_blank {
            after_blank = true;
            continue;
        }
        lines.push(Line {
            no: i + 1,
            raw,
            after_blank,
            page: src.pages.get(i).copied().unwrap_or(1),
            layout: src.layout.get(i).copied().flatten(),
        });
        after_blank = false;
    }
    (lines, blank)
}

/// Whether blank lines separate paragraphs, judged on all non-blank lines.
/// pdftotext output often has a blank line after *every* line; then blank
/// lines say nothing. Where only some lines are followed by one, they
/// separate paragraphs.
fn blank_lines_separate(non_blank: &[Line<'_>]) -> bool {
    let breaks = non_blank.iter().skip(1).filter(|l| l.after_blank).count();
    let pairs = non_blank.len().saturating_sub(1).max(1);
    breaks * 10 < pairs * 8 && breaks * 20 > pairs
}

/// Decide how line breaks are read for the whole document.
fn join_style(blank_lines_separate: bool, kept: &[Line<'_>]) -> JoinStyle {
    let full_width = paragraphs::full_width(kept.iter().map(|l| l.raw));
    // Text with one long line per paragraph: every line is its own paragraph.
    let mean = kept.iter().map(|l| l.text().chars().count()).sum::<usize>() / kept.len().max(1);
    // pdftotext keeps a trailing space where a line broke between words; text
    // that never has one was wrapped by hand (or not at all).
    let trailing = kept
        .iter()
        .filter(|l| l.raw.ends_with(char::is_whitespace))
        .count();
    JoinStyle {
        blank_lines_separate,
        trailing_space_marks_words: trailing * 10 >= kept.len(),
        full_width: if mean > 200 {
            usize::MAX / 16
        } else {
            full_width
        },
    }
}

#[cfg(test)]
mod lossless_tests;

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::load::decode;

    /// The non-blank lines of `text`, all on page 1, without a layout.
    pub fn lines_of(text: &str) -> Vec<Line<'_>> {
        let rows: Vec<&str> = text.lines().collect();
        paged(&[&rows])
    }

    /// The non-blank lines of `pages` (the lines of each page), numbered
    /// on through the pages as in one input.
    pub fn paged<'a>(pages: &[&[&'a str]]) -> Vec<Line<'a>> {
        let mut out = Vec::new();
        let mut no = 0;
        for (p, page) in pages.iter().enumerate() {
            for raw in *page {
                no += 1;
                if !raw.trim().is_empty() {
                    out.push(Line {
                        no,
                        raw,
                        after_blank: false,
                        page: p as u32 + 1,
                        layout: None,
                    });
                }
            }
        }
        out
    }

    /// Check the lossless property; returns a description of the first violation.
    pub fn check_lossless(src: &SourceText, issue: &Issue) -> Result<(), String> {
        let lines = src.lines();
        let mut owner: HashMap<usize, String> = HashMap::new();
        let mut claim = |no: usize, who: String| -> Result<(), String> {
            if let Some(prev) = owner.insert(no, who.clone()) {
                return Err(format!("line {no} owned by both {prev} and {who}"));
            }
            Ok(())
        };
        for a in &issue.articles {
            for [first, last] in &a.lines {
                for no in *first..=*last {
                    if !lines[no - 1].trim().is_empty() {
                        claim(no, a.id.clone())?;
                    }
                }
            }
            // Paragraph text is exactly its body lines' text, whitespace aside.
            for p in &a.paragraphs {
                let from_lines: String = p
                    .lines
                    .iter()
                    .flat_map(|&no| lines[no - 1].chars())
                    .filter(|c| !c.is_whitespace())
                    .collect();
                let text: String = p.text.chars().filter(|c| !c.is_whitespace()).collect();
                if from_lines != text {
                    return Err(format!("{} text differs from its lines", p.id));
                }
            }
        }
        for d in &issue.dropped {
            claim(d.line, format!("dropped({})", d.reason))?;
        }
        for (i, l) in lines.iter().enumerate() {
            if !l.trim().is_empty() && !owner.contains_key(&(i + 1)) {
                return Err(format!("line {} is lost: {l:?}", i + 1));
            }
        }
        Ok(())
    }

    #[test]
    fn lossless_on_small_inputs() {
        for text in [
            "one line",
            "# T\n\nbody\n\n## A\n\ntext\n",
            "\n\n a \n\n❚ 2\n\nb",
        ] {
            let src = decode("t", "t", text.as_bytes()).unwrap();
            let issue = parse(&src);
            check_lossless(&src, &issue).unwrap();
        }
    }
}
