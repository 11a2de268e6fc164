//! The generic layout: Markdown headings and underlined headings (numbered
//! ones are [`super::numbering`]'s), or else what a fallback finds, or else
//! one article.

use std::sync::LazyLock;

use regex::Regex;

use super::{Draft, Layout, Line};
use crate::document::{ArticleKind, StartRule, display_width};

static MD_HEADING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(#{1,6})\s+(\S.*?)\s*#*$").expect("static regex"));
static UNDERLINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(={3,}|-{3,})$").expect("static regex"));

/// A heading found in the text.
struct Heading {
    index: usize,
    level: usize,
    title: String,
    /// Extra lines the heading owns (an underline).
    extra: Option<usize>,
}

fn find_headings(lines: &[Line<'_>]) -> Vec<Heading> {
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        // The underline of the heading above is that heading's, not a line of its own.
        if out.last().is_some_and(|h: &Heading| h.extra == Some(i)) {
            continue;
        }
        let text = l.text();
        if let Some(c) = MD_HEADING.captures(text) {
            out.push(Heading {
                index: i,
                level: c[1].len(),
                title: c[2].to_string(),
                extra: None,
            });
        } else if let Some(next) = lines.get(i + 1)
            && !UNDERLINE.is_match(text)
            && UNDERLINE.is_match(next.text())
            && display_width(text) <= 80
            && !next.after_blank
        {
            out.push(Heading {
                index: i,
                level: if next.text().starts_with('=') { 1 } else { 2 },
                title: text.to_string(),
                extra: Some(i + 1),
            });
        }
    }
    out
}

/// Read any document. Always succeeds: without headings, `fallback` reads
/// it, else it is one article.
pub(super) fn parse(lines: &[Line<'_>], fallback: impl FnOnce() -> Option<Layout>) -> Layout {
    let mut layout = Layout::default();
    let headings = find_headings(lines);
    // Split at the highest level that occurs at least twice (a document title
    // above its sections stays in front), else at whatever headings there are.
    let split_level = (1..=6)
        .find(|&lv| headings.iter().filter(|h| h.level == lv).count() >= 2)
        .or_else(|| headings.iter().map(|h| h.level).min());
    let splits: Vec<&Heading> = match split_level {
        Some(lv) => headings.iter().filter(|h| h.level == lv).collect(),
        None => Vec::new(),
    };
    if splits.is_empty() {
        return fallback().unwrap_or_else(|| Layout {
            drafts: vec![single_article(lines)],
            ..Layout::default()
        });
    }

    let first = splits[0].index;
    if first > 0 {
        let front = &lines[..first];
        let title = headings
            .iter()
            .find(|h| h.index < first)
            .map(|h| h.title.clone());
        let mut draft = Draft::new(
            ArticleKind::Front,
            title
                .clone()
                .unwrap_or_else(|| crate::document::FRONT_MATTER.to_string()),
        );
        draft.start = StartRule::FrontMatter;
        let head: Vec<usize> = headings
            .iter()
            .filter(|h| h.index < first)
            .take(1)
            .flat_map(|h| std::iter::once(h.index).chain(h.extra))
            .collect();
        for (i, l) in front.iter().enumerate() {
            if head.contains(&i) {
                draft.head.push(l.no);
            } else {
                draft.body.push(l.no);
            }
        }
        layout.drafts.push(draft);
    }
    for (k, h) in splits.iter().enumerate() {
        let end = splits.get(k + 1).map_or(lines.len(), |n| n.index);
        let mut draft = Draft::new(ArticleKind::Article, h.title.clone());
        draft.start = StartRule::Heading;
        draft.head.push(lines[h.index].no);
        let body_start = match h.extra {
            Some(u) => {
                draft.head.push(lines[u].no);
                u + 1
            }
            None => h.index + 1,
        };
        draft.body = lines[body_start..end].iter().map(|l| l.no).collect();
        layout.drafts.push(draft);
    }
    if split_level.is_some() && splits.len() == 1 {
        layout
            .warnings
            .push("one heading found: the document is read as one article".to_string());
    }
    layout
}

/// No structure: one article, titled by its first line when that is short.
fn single_article(lines: &[Line<'_>]) -> Draft {
    let first = lines.first();
    let title_line = first.filter(|l| {
        let t = l.text();
        display_width(t) <= 80
            && !t.ends_with(['.', '。', ',', ':'])
            && lines.get(1).is_some_and(|n| n.after_blank)
    });
    let title = match (title_line, first) {
        (Some(l), _) => l.text().to_string(),
        (None, Some(l)) => l.text().chars().take(40).collect::<String>() + "…",
        (None, None) => String::new(),
    };
    let mut draft = Draft::new(ArticleKind::Article, title);
    draft.start = StartRule::WholeDocument;
    for l in lines {
        if Some(l.no) == title_line.map(|t| t.no) {
            draft.head.push(l.no);
        } else {
            draft.body.push(l.no);
        }
    }
    draft
}
