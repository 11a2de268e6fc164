//! The titled-newsletter layout: title lines `제목 (출처, 날짜)`, an optional
//! summary table in front (used to cross-check the article list and to name
//! the clippings), section headings and a clipping table at the end.

use std::sync::LazyLock;

use regex::Regex;

use super::{Draft, Layout, Line};
use crate::document::{ArticleKind, StartRule, display_width};

/// `title (source, date)` with dates like `11.6`, `11月`, `2023.11.06`.
static TITLE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?P<title>[^\s(∙•※\-*▘▲].*?)\s*\((?P<source>[^():]+?),\s*(?P<date>\d{1,2}\.\s?\d{1,2}\.?|\d{1,2}\s?月|\d{4}[./-]\d{1,2}(?:[./-]\d{1,2})?\.?)\)$",
    )
    .expect("static regex")
});

/// A clipping's source date standing alone: `(11.15)`.
static DATE_LINE_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\((\d{1,2}\.\d{1,2})\)$").expect("static regex"));

/// A summary-table clipping entry: `∙ (AI) 자율경비로봇`.
static SUMMARY_CLIPPING_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^∙\s*\((?P<cat>[^)]{1,12})\)\s*(?P<name>\S.*)$").expect("static regex")
});

/// Reason recorded for a section heading line.
pub const SECTION_HEADING: &str =
    "section heading (recorded as the section of the articles below it)";
/// Reason recorded for a table's header row.
pub const TABLE_HEADER: &str = "table header row of the clipping table";
/// Reason recorded for page numbers in the front summary table.
pub const PAGE_REFERENCE: &str = "page-number column of the summary table";

/// Whether a trimmed line is an article title line.
pub fn is_title_line(trimmed: &str) -> bool {
    title_parts(trimmed).is_some()
}

struct TitleParts {
    title: String,
    source: String,
    date: String,
}

fn title_parts(trimmed: &str) -> Option<TitleParts> {
    if display_width(trimmed) > 120 {
        return None;
    }
    let caps = TITLE_RE.captures(trimmed)?;
    Some(TitleParts {
        title: caps["title"].trim().to_string(),
        source: caps["source"].trim().to_string(),
        date: caps["date"].trim().to_string(),
    })
}

fn squash(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn has_hangul_or_han(text: &str) -> bool {
    use crate::script::{HANGUL_JAMO, HANGUL_SYLLABLES, is_han};
    text.chars()
        .any(|c| HANGUL_SYLLABLES.contains(&c) || HANGUL_JAMO.contains(&c) || is_han(c))
}

fn is_bullet(trimmed: &str) -> bool {
    ["∙", "-", "※", "*", "▲", "▘", "•", "(참고"]
        .iter()
        .any(|m| trimmed.starts_with(m))
}

/// A short label line that can be a section heading or a table cell.
fn is_label(trimmed: &str, max_width: usize) -> bool {
    !trimmed.is_empty()
        && display_width(trimmed) <= max_width
        && !is_bullet(trimmed)
        && !trimmed.ends_with(['.', ',', ':', ')'])
        && !trimmed.chars().all(|c| c.is_ascii_digit())
}

/// Read `lines` as a titled newsletter; `None` when it does not look like one.
pub(super) fn parse(lines: &[Line<'_>]) -> Option<Layout> {
    let titles: Vec<usize> = (0..lines.len())
        .filter(|&i| is_title_line(lines[i].text()))
        .collect();
    if titles.len() < 2 {
        return None;
    }
    let mut layout = Layout::default();
    let first_title = titles[0];
    let headings = section_headings(lines, &titles);
    let front_end = headings
        .first()
        .copied()
        .filter(|&h| h < first_title)
        .unwrap_or(first_title);

    // What the summary table promises.
    let front = &lines[..front_end];
    let expected_titles: Vec<TitleParts> = front
        .iter()
        .filter_map(|l| l.text().strip_prefix('∙'))
        .filter_map(|t| title_parts(t.trim()))
        .collect();
    let expected_clippings: Vec<(String, String)> = front
        .iter()
        .filter_map(|l| SUMMARY_CLIPPING_RE.captures(l.text()))
        .map(|c| (c["cat"].trim().to_string(), c["name"].trim().to_string()))
        .collect();

    if front_end > 0 {
        layout.drafts.push(front_draft(front, &mut layout.dropped));
    }

    // The clipping table: after the last title, entries opening with `∙`
    // and carrying a standalone `(11.15)` date.
    let last_title = *titles.last().unwrap_or(&first_title);
    let clipping_region = find_clipping_region(lines, last_title);
    let articles_end = clipping_region.as_ref().map_or(lines.len(), |r| r.start);
    add_articles(lines, &titles, &headings, articles_end, &mut layout);
    if let Some(region) = clipping_region {
        add_clippings(lines, front, &region, &expected_clippings, &mut layout);
    }

    cross_check(&expected_titles, &layout.drafts, &mut layout.warnings);
    Some(layout)
}

/// Section headings (their indices in `lines`): a short label right above
/// a title line (`titles`), which the front summary (if any) also names.
fn section_headings(lines: &[Line<'_>], titles: &[usize]) -> Vec<usize> {
    let Some(&first_title) = titles.first() else {
        return Vec::new();
    };
    let front_text = squash(
        &lines[..first_title.saturating_sub(1)]
            .iter()
            .map(|l| l.text())
            .collect::<String>(),
    );
    let mut headings: Vec<usize> = titles
        .iter()
        .filter_map(|&t| t.checked_sub(1))
        .filter(|&h| {
            let text = lines[h].text();
            // A line the previous one runs on into (it ends with a space) is
            // the end of that sentence, not a heading.
            let continues = h > 0 && lines[h - 1].raw.ends_with(char::is_whitespace);
            is_label(text, 30)
                && !continues
                && !is_title_line(text)
                && (front_text.is_empty() || front_text.contains(&squash(text)))
        })
        .collect();
    headings.dedup();
    headings
}

/// One article per title line up to `articles_end`, in the section of the
/// heading last seen; the headings go to the dropped lines.
fn add_articles(
    lines: &[Line<'_>],
    titles: &[usize],
    headings: &[usize],
    articles_end: usize,
    layout: &mut Layout,
) {
    let mut section: Option<String> = None;
    for (k, &t) in titles.iter().enumerate() {
        let end = titles
            .get(k + 1)
            .copied()
            .unwrap_or(articles_end)
            .min(articles_end);
        let Some(parts) = title_parts(lines[t].text()) else {
            continue;
        };
        if let Some(h) = headings.iter().find(|&&h| h + 1 == t) {
            section = Some(lines[*h].text().to_string());
            layout
                .dropped
                .push((lines[*h].no, SECTION_HEADING.to_string()));
        }
        let mut draft = Draft::new(ArticleKind::Article, parts.title);
        draft.start = StartRule::TitleLine;
        draft.source = Some(parts.source);
        draft.date = Some(parts.date);
        draft.section = section.clone();
        draft.head.push(lines[t].no);
        // The next title's section heading is not this article's body.
        let body_end = if headings.contains(&(end.wrapping_sub(1))) && end < articles_end {
            end - 1
        } else {
            end
        };
        draft.body = lines[t + 1..body_end].iter().map(|l| l.no).collect();
        layout.drafts.push(draft);
    }
}

/// One clipping per item of the clipping table, named after the summary
/// table's entries (`expected`) when both count the same, else after the
/// table, with a warning.
fn add_clippings(
    lines: &[Line<'_>],
    front: &[Line<'_>],
    region: &ClippingRegion,
    expected: &[(String, String)],
    layout: &mut Layout,
) {
    let section_name = clipping_section_name(front);
    for &i in &region.header_rows {
        layout.dropped.push((lines[i].no, TABLE_HEADER.to_string()));
    }
    let named = expected.len() == region.items.len();
    if !expected.is_empty() && !named {
        layout.warnings.push(format!(
            "summary table lists {} clippings but the clipping table has {}; names taken from the table",
            expected.len(),
            region.items.len()
        ));
    }
    for (k, item) in region.items.iter().enumerate() {
        let mut draft = clipping_draft(lines, item);
        if named {
            let (cat, name) = &expected[k];
            draft.category = Some(cat.clone());
            draft.title = name.clone();
        }
        draft.section = section_name.clone();
        layout.drafts.push(draft);
    }
}

fn front_draft(front: &[Line<'_>], dropped: &mut Vec<(usize, String)>) -> Draft {
    let title_line = front
        .iter()
        .find(|l| is_label(l.text(), 60) && display_width(l.text()) > 8)
        .or_else(|| front.first());
    let mut draft = Draft::new(
        ArticleKind::Front,
        title_line.map(|l| l.text()).unwrap_or_default(),
    );
    draft.start = StartRule::FrontMatter;
    for l in front {
        let text = l.text();
        if Some(l.no) == title_line.map(|t| t.no) {
            draft.head.push(l.no);
        } else if text.len() <= 3 && text.chars().all(|c| c.is_ascii_digit()) {
            dropped.push((l.no, PAGE_REFERENCE.to_string()));
        } else {
            draft.body.push(l.no);
        }
    }
    draft
}

struct ClippingRegion {
    /// Index of the first line that is not the last article's.
    start: usize,
    /// Table header rows between the last article and the first clipping.
    header_rows: Vec<usize>,
    items: Vec<ClippingSpan>,
}

struct ClippingSpan {
    /// Index of the first header-cell line.
    start: usize,
    /// Index of the `∙` line that opens the text.
    bullet: usize,
    /// One past the last line.
    end: usize,
}

fn find_clipping_region(lines: &[Line<'_>], last_title: usize) -> Option<ClippingRegion> {
    let first_date = (last_title..lines.len()).find(|&i| DATE_LINE_RE.is_match(lines[i].text()))?;
    let bullets: Vec<usize> = (last_title + 1..lines.len())
        .filter(|&i| lines[i].text().starts_with('∙'))
        .collect();
    let first_bullet = *bullets.iter().rev().find(|&&b| b < first_date)?;
    let bullets: Vec<usize> = bullets.into_iter().filter(|&b| b >= first_bullet).collect();
    let mut starts: Vec<usize> = Vec::new();
    let mut floor = last_title + 1;
    for &b in &bullets {
        let s = header_start(lines, b, floor);
        starts.push(s);
        floor = b + 1;
    }
    // The last article ends with its reference line, when it has one; rows
    // between that and the first clipping are the table's header.
    let first_start = starts[0];
    let reference = (last_title + 1..first_start)
        .rev()
        .find(|&i| lines[i].text().starts_with("(참고"));
    let region_start = reference.map_or(first_start, |r| r + 1);
    let items = bullets
        .iter()
        .enumerate()
        .map(|(k, &b)| ClippingSpan {
            start: starts[k],
            bullet: b,
            end: starts.get(k + 1).copied().unwrap_or(lines.len()),
        })
        .collect();
    Some(ClippingRegion {
        start: region_start,
        header_rows: (region_start..first_start).collect(),
        items,
    })
}

/// Walk back from a clipping's `∙` line over its category and name cells.
fn header_start(lines: &[Line<'_>], bullet: usize, floor: usize) -> usize {
    let mut start = bullet;
    while start > floor {
        let text = lines[start - 1].text();
        if !is_label(text, 20) || DATE_LINE_RE.is_match(text) {
            break;
        }
        start -= 1;
    }
    // A short line that finishes a wrapped sentence above is text, not a cell.
    while start < bullet && start > floor {
        let prev = lines[start - 1].raw;
        if prev.ends_with(char::is_whitespace) && display_width(prev.trim()) > 30 {
            start += 1;
        } else {
            break;
        }
    }
    start
}

fn clipping_draft(lines: &[Line<'_>], item: &ClippingSpan) -> Draft {
    let cells: Vec<&str> = lines[item.start..item.bullet]
        .iter()
        .map(|l| l.text())
        .collect();
    let mut draft = Draft::new(ArticleKind::Clipping, cells.join(" "));
    draft.start = StartRule::ClippingTable;
    draft
        .head
        .extend(lines[item.start..item.bullet].iter().map(|l| l.no));
    let span = &lines[item.bullet..item.end];
    let mut meta: Vec<usize> = Vec::new();
    for (i, l) in span.iter().enumerate() {
        let Some(caps) = DATE_LINE_RE.captures(l.text()) else {
            continue;
        };
        draft.date = Some(caps[1].to_string());
        meta.push(i);
        // The source names stand right above the date, in Latin letters.
        let mut sources = Vec::new();
        let mut j = i;
        while j > 0 {
            let t = span[j - 1].text();
            if display_width(t) > 20
                || has_hangul_or_han(t)
                || is_bullet(t)
                || meta.contains(&(j - 1))
            {
                break;
            }
            sources.push(t);
            meta.push(j - 1);
            j -= 1;
        }
        sources.reverse();
        draft.source = Some(sources.join(", "));
    }
    for (i, l) in span.iter().enumerate() {
        if meta.contains(&i) {
            draft.head.push(l.no);
        } else {
            draft.body.push(l.no);
        }
    }
    draft.head.sort_unstable();
    draft
}

/// The summary table's name for the clipping section: the cells above its first entry.
fn clipping_section_name(front: &[Line<'_>]) -> Option<String> {
    let first = front
        .iter()
        .position(|l| SUMMARY_CLIPPING_RE.is_match(l.text()))?;
    let cells: Vec<&str> = front[..first]
        .iter()
        .rev()
        .map(|l| l.text())
        .take_while(|t| !t.contains(char::is_whitespace) && display_width(t) <= 10 && !is_bullet(t))
        .collect();
    (!cells.is_empty()).then(|| cells.into_iter().rev().collect())
}

fn cross_check(expected: &[TitleParts], drafts: &[Draft], warnings: &mut Vec<String>) {
    if expected.is_empty() {
        return;
    }
    let found: Vec<String> = drafts
        .iter()
        .filter(|d| d.kind == ArticleKind::Article)
        .map(|d| squash(&d.title))
        .collect();
    for e in expected {
        if !found.contains(&squash(&e.title)) {
            warnings.push(format!(
                "the summary table lists \"{}\" but no article with that title was found",
                e.title
            ));
        }
    }
    let listed: Vec<String> = expected.iter().map(|e| squash(&e.title)).collect();
    for d in drafts.iter().filter(|d| d.kind == ArticleKind::Article) {
        if !listed.contains(&squash(&d.title)) {
            warnings.push(format!(
                "article \"{}\" is not listed in the summary table",
                d.title
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_lines() {
        let p = title_parts("OECD 스킬 전망 : 녹색·디지털 전환 스킬 (OECD, 11.6)").unwrap();
        assert_eq!(p.title, "OECD 스킬 전망 : 녹색·디지털 전환 스킬");
        assert_eq!(p.source, "OECD");
        assert_eq!(p.date, "11.6");
        let p = title_parts("중국 제조업 분야 안정성장계획의 대책과 전망 (日 미즈호은행, 11月)")
            .unwrap();
        assert_eq!(
            (p.source.as_str(), p.date.as_str()),
            ("日 미즈호은행", "11月")
        );
        assert!(title_parts("∙ OECD 스킬 전망 (OECD, 11.6)").is_none());
        assert!(title_parts("(참고 : stateof.ai, State of AI Report 2023, 2023.10.12.)").is_none());
        assert!(title_parts("- 본문 (연평균 55.4%)").is_none());
    }
}
