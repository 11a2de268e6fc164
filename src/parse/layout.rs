//! Headings from the document's own layout, measured against itself: the
//! PDF's outline (bookmarks), headings told by their font size against the
//! body text's, short lines that open pages (text), and the test that any
//! set of starts must pass — a plausible sequence of articles by the
//! document's own proportions. Nothing here names a publisher's string.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use super::Line;
use super::contents::{Start, is_list_line, locate_titles, title_key};
use super::numbering::{full_line_width, is_heading_text, is_short};
use crate::document::display_width;
use crate::load::OutlineEntry;

/// Article starts from the PDF's outline: its outer entries (the level
/// below a lone document-title entry), found in the body in order. `None`
/// when the outline is missing or most of its entries are not found.
pub(crate) fn outline_starts(lines: &[Line<'_>], outline: &[OutlineEntry]) -> Option<Vec<Start>> {
    let top = outline.iter().map(|e| e.level).min()?;
    let mut level = top;
    if outline.iter().filter(|e| e.level == top).count() == 1 {
        level = top + 1;
    }
    let entries: Vec<&OutlineEntry> = outline.iter().filter(|e| e.level == level).collect();
    if entries.len() < 2 {
        return None;
    }
    // Each entry is looked for from the page it points to (when it points
    // to one) and after the entry before it.
    let mut found: Vec<Start> = Vec::new();
    for e in &entries {
        let after = found.last().map_or(0, |s| s.index + s.len);
        let on_page = e
            .page
            .and_then(|p| lines.iter().position(|l| l.page >= p))
            .unwrap_or(0);
        if let Some(Some(s)) = locate_titles(lines, &[e.title.as_str()], after.max(on_page)).pop() {
            found.push(s);
        }
    }
    (found.len() >= 2 && found.len() * 10 >= entries.len() * 6).then_some(found)
}

/// Font sizes are compared in half points.
fn size_key(size: f32) -> i32 {
    (size * 2.0).round() as i32
}

/// The body text's font size in half points: the size most characters are
/// set in (the smaller of equals); `None` without a layout.
fn body_size(lines: &[Line<'_>]) -> Option<i32> {
    let mut chars_by_size: HashMap<i32, usize> = HashMap::new();
    for l in lines {
        if let Some(lay) = l.layout {
            *chars_by_size.entry(size_key(lay.font_size)).or_default() += l.text().chars().count();
        }
    }
    chars_by_size
        .into_iter()
        .max_by_key(|&(size, n)| (n, -size))
        .map(|(s, _)| s)
}

/// Whether a line stands out from the body text: set at least 10 % larger,
/// or bold. Every line does where the input carries no layout (text).
pub(crate) fn set_apart(lines: &[Line<'_>]) -> impl Fn(&Line<'_>) -> bool + use<> {
    let body = body_size(lines);
    move |l: &Line<'_>| match (body, l.layout) {
        (Some(b), Some(lay)) => size_key(lay.font_size) * 20 >= b * 22 || lay.bold,
        _ => true,
    }
}

/// Whether `starts` form a sequence of articles at all: two starts or
/// more, titles that do not repeat (a table's labels), most of them over
/// more than contents entries (not a contents page), and what comes before
/// the first at most half the text (not a list in the last chapter).
pub(crate) fn is_sequence(lines: &[Line<'_>], starts: &[Start]) -> bool {
    Cut::of(lines, starts).is_sequence()
}

/// Whether `starts` cut `lines` into a plausible sequence of articles, by
/// the document's own proportions: a sequence ([`is_sequence`]), most of
/// its articles with a body of a few lines (not one start per paragraph),
/// and the text not left in one part (a list inside a page, a part heading
/// over most of an issue): counting what comes before the first start as a
/// part, the parts' effective number (Σ size)² / Σ size² is at least 1.8.
pub(crate) fn plausible(lines: &[Line<'_>], starts: &[Start]) -> bool {
    let cut = Cut::of(lines, starts);
    cut.is_sequence() && cut.thin * 2 < starts.len() && cut.total * cut.total >= 1.8 * cut.squares
}

/// How starts cut a document: the sizes of the parts, in characters.
struct Cut {
    starts: usize,
    distinct: usize,
    /// Articles with fewer than two body lines.
    thin: usize,
    /// Articles before the last whose lines are mostly contents entries or
    /// captions: a contents page or list of figures, not articles.
    listed: usize,
    front: f64,
    total: f64,
    squares: f64,
}

impl Cut {
    fn of(lines: &[Line<'_>], starts: &[Start]) -> Self {
        let mut titles: Vec<String> = starts.iter().map(|s| title_key(&s.title)).collect();
        titles.sort_unstable();
        titles.dedup();
        let size = |from: usize, to: usize| -> f64 {
            lines[from..to]
                .iter()
                .map(|l| l.text().chars().count() as f64)
                .sum()
        };
        let mut parts = vec![size(0, starts.first().map_or(0, |s| s.index))];
        let (mut thin, mut listed) = (0, 0);
        for (k, s) in starts.iter().enumerate() {
            let end = starts
                .get(k + 1)
                .map_or(lines.len(), |n| n.index)
                .max(s.index);
            thin += usize::from(end < s.index + s.len + 2);
            let body = &lines[(s.index + s.len).min(end)..end];
            let entries = body.iter().filter(|l| is_list_line(l.text())).count();
            listed += usize::from(k + 1 < starts.len() && entries * 2 >= body.len().max(1));
            parts.push(size(s.index, end));
        }
        Self {
            starts: starts.len(),
            distinct: titles.len(),
            thin,
            listed,
            front: parts[0],
            total: parts.iter().sum(),
            squares: parts.iter().map(|p| p * p).sum(),
        }
    }

    fn is_sequence(&self) -> bool {
        self.starts >= 2
            && self.distinct * 5 >= self.starts * 4
            && self.listed * 2 < self.starts
            && self.front * 2.0 <= self.total
            && self.squares > 0.0
    }
}

/// A line set apart from the body: its size key and how many lines it takes.
struct Candidate {
    index: usize,
    len: usize,
    size: i32,
}

/// Headings told by layout statistics of the document itself: lines set
/// clearly larger than the body text (the size most characters are set
/// in), short, and not sentences, contents entries or list headings; a
/// heading wrapped over lines of the same size on one page is one heading.
/// Each size is a level, the largest first. A level most of whose headings
/// are followed at once by a smaller heading names sections (category
/// pages) — unless that heading is numbered as their sub-section (`2.1`); the articles are the first level below whose headings form a
/// [`plausible`] sequence, each under the section heading above it.
pub(crate) fn font_headings(lines: &[Line<'_>]) -> Vec<Start> {
    let Some(body) = body_size(lines) else {
        return Vec::new();
    };
    let mut heads: Vec<Candidate> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let Some(lay) = l.layout else { continue };
        let size = size_key(lay.font_size);
        let t = l.text();
        if size * 20 < body * 23 || display_width(t) > 80 || !is_heading_text(t) || is_list_line(t)
        {
            continue;
        }
        match heads.last_mut() {
            Some(h) if h.index + h.len == i && h.size == size && lines[h.index].page == l.page => {
                h.len += 1;
            }
            _ => heads.push(Candidate {
                index: i,
                len: 1,
                size,
            }),
        }
    }
    let mut sizes: Vec<i32> = heads.iter().map(|h| h.size).collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    sizes.dedup();
    let start = |h: &Candidate| Start {
        index: h.index,
        len: h.len,
        title: lines[h.index..h.index + h.len]
            .iter()
            .map(|l| l.text())
            .collect::<Vec<_>>()
            .join(" "),
        section: None,
    };
    sizes
        .into_iter()
        .map(|level| -> Vec<Start> {
            heads
                .iter()
                .filter(|h| h.size == level)
                .map(&start)
                .collect()
        })
        .find(|starts| plausible(lines, starts))
        .unwrap_or_default()
}

/// Headings told by where they stand, for text without a layout: a short
/// line that opens a page (chapters and news items that start on a new
/// page) after a page that ended a sentence, a list or a figure's source
/// line — not as wide as the body's full lines, not a sentence, contents
/// entry or caption; a numeral alone on its line takes
/// the title below it. Taken when they form a [`plausible`] sequence.
pub(crate) fn page_openers(lines: &[Line<'_>]) -> Vec<Start> {
    let full = full_line_width(lines);
    let mut starts = Vec::new();
    for (i, pair) in lines.windows(2).enumerate() {
        let (before, l) = (&pair[0], &pair[1]);
        // A page with nothing but a heading (a section's title page) closes too.
        let after_heading = starts
            .last()
            .is_some_and(|s: &Start| s.index + s.len == i + 1);
        if l.page == before.page || !(closes_block(before.text()) || after_heading) {
            continue;
        }
        let len = if NUMERAL_ALONE.is_match(l.text()) {
            2
        } else {
            1
        };
        let Some(head) = lines.get(i + 1..i + 1 + len) else {
            continue;
        };
        let title = head.iter().map(|l| l.text()).collect::<Vec<_>>().join(" ");
        let last = head[len - 1].text();
        if is_short(&title, full) && is_heading_text(last) && !is_list_line(last) {
            starts.push(Start {
                index: i + 1,
                len,
                title,
                section: None,
            });
        }
    }
    if plausible(lines, &starts) {
        starts
    } else {
        Vec::new()
    }
}

/// Whether a line can end what stands before a heading: a sentence, a
/// contents entry or caption, or a figure's source line.
fn closes_block(text: &str) -> bool {
    text.ends_with(['.', '。', '!', '?', '！', '？', ')', '）'])
        || is_list_line(text)
        || SOURCE_LINE.is_match(text)
}

/// The source line under a figure or table: `资料来源：…`, `출처: …`, `Source: …`.
static SOURCE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^[☞※*\s]*(?:资料来源|数据来源|來源|来源|출처|자료|source|sources)\s*[:：]")
        .expect("static regex")
});

/// A numeral alone on its line: `3`, `Ⅱ`, `2.`.
static NUMERAL_ALONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\d{1,2}[.、]?|[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫ][.．]?)$").expect("static regex")
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::LineLayout;

    /// Lines given as (text, page, font size).
    fn laid_out<'a>(rows: &[(&'a str, u32, f32)]) -> Vec<Line<'a>> {
        rows.iter()
            .enumerate()
            .map(|(i, &(raw, page, size))| Line {
                no: i + 1,
                raw,
                after_blank: false,
                page,
                layout: Some(LineLayout {
                    page,
                    x: 72.0,
                    y: 100.0 + i as f32 * 14.0,
                    width: 300.0,
                    page_width: 595.0,
                    page_height: 842.0,
                    font_size: size,
                    bold: size > 11.0,
                }),
            })
            .collect()
    }

    /// `n` body lines of one page, set at 10 pt.
    fn body(n: usize, page: u32) -> Vec<(&'static str, u32, f32)> {
        vec![("본문 문장이 이어지고 다음 줄로 넘어간다", page, 10.0); n]
    }

    #[test]
    fn the_largest_size_whose_headings_cut_the_issue_plausibly_is_the_level() {
        // A cover title (24 pt) and a back-page line set alike; chapters at
        // 16 pt, one wrapped over two lines; a 12.5 pt sub-heading.
        let mut rows = vec![("국가별 공공부문 AI 전략", 1, 24.0)];
        rows.extend(body(3, 1));
        rows.push(("연구 목적", 2, 16.0));
        rows.extend(body(6, 2));
        rows.push(("배경", 2, 12.5));
        rows.extend(body(6, 2));
        rows.push(("해외 주요국의", 3, 16.0));
        rows.push(("도입 전략", 3, 16.0));
        rows.extend(body(12, 3));
        rows.push(("한국행정연구원", 4, 24.0));
        let lines = laid_out(&rows);
        let titles: Vec<String> = font_headings(&lines).into_iter().map(|s| s.title).collect();
        assert_eq!(titles, ["연구 목적", "해외 주요국의 도입 전략"]);
    }

    #[test]
    fn contents_entries_and_captions_are_no_headings() {
        let mut rows = vec![
            ("목 차", 1, 16.0),
            ("1. 서론 ........ 2", 1, 14.0),
            ("2. 결론 ........ 3", 1, 14.0),
        ];
        rows.extend(body(2, 1));
        rows.push(("서론", 2, 14.0));
        rows.extend(body(8, 2));
        rows.push(("图表 1：연도별 추이", 2, 14.0));
        rows.push(("결론", 3, 14.0));
        rows.extend(body(8, 3));
        let lines = laid_out(&rows);
        let titles: Vec<String> = font_headings(&lines).into_iter().map(|s| s.title).collect();
        assert_eq!(titles, ["서론", "결론"]);
    }

    #[test]
    fn a_sequence_is_plausible_by_the_documents_own_proportions() {
        let lines = laid_out(&body(40, 1));
        let at = |idx: &[usize]| -> Vec<Start> {
            idx.iter()
                .enumerate()
                .map(|(k, &index)| Start {
                    index,
                    len: 1,
                    title: format!("제목 {}", ["가", "나", "다", "라"][k]),
                    section: None,
                })
                .collect()
        };
        // Four parts of ten lines.
        assert!(plausible(&lines, &at(&[10, 20, 30])));
        // A list of three items on consecutive lines: one per line.
        assert!(!plausible(&lines, &at(&[30, 31, 32])));
        // Three items of three lines after a long front: one part holds
        // 31 of 40 lines (effective number of parts 1.6).
        assert!(!plausible(&lines, &at(&[31, 34, 37])));
        // One start is no sequence.
        assert!(!plausible(&lines, &at(&[10])));
        // The same title again and again is a table's label.
        let mut same = at(&[10, 20, 30]);
        for s in &mut same {
            s.title = "개선 횟수".to_string();
        }
        assert!(!plausible(&lines, &same));
        // A sequence that starts after half the text is a list in the last
        // chapter; one whose articles are contents entries is a contents page.
        assert!(!is_sequence(&lines, &at(&[25, 30, 35])));
        let toc = laid_out(&[
            ("1. 정책", 1, 10.0),
            ("▹ 행정명령 발표 ········ 3", 1, 10.0),
            ("2. 기업", 1, 10.0),
            ("▹ 탐색기 공개 ········ 4", 1, 10.0),
            ("3. 기술", 1, 10.0),
            ("본문 문장이 이어진다", 2, 10.0),
            ("본문 문장이 이어진다", 2, 10.0),
        ]);
        assert!(!is_sequence(&toc, &at(&[0, 2, 4])));
        assert!(is_sequence(&lines, &at(&[5, 30, 35])));
    }

    #[test]
    fn short_lines_that_open_pages_in_plain_text() {
        // Chapters start on a new page; other pages open mid-paragraph
        // (a full line), with a caption, or with the end of a sentence.
        // A page that ends mid-sentence goes on to the next (`그리고`).
        let full = "본문 문장이 이어지고 다음 줄로 넘어가며 한 줄을 가득 채운다 그리고";
        let end = "본문 문장이 이어지고 다음 줄로 넘어가며 한 줄을 가득 채웠다.";
        let pages: Vec<Vec<&str>> = vec![
            vec!["표지", full, end],
            vec!["핵심 관점", full, full, end],
            vec![full, full, full],
            vec!["짧은 줄로 시작", full, full, "출처: 통계청"],
            vec!["에너지 기술 기업", full, full, end],
            vec!["그림 3: 연도별 추이", full, end],
            vec!["끝나는 문장이다.", full, end],
            vec!["저장 장치의 성장", full, full, end],
        ];
        let refs: Vec<&[&str]> = pages.iter().map(|p| p.as_slice()).collect();
        let lines = crate::parse::tests::paged(&refs);
        let titles: Vec<String> = page_openers(&lines).into_iter().map(|s| s.title).collect();
        assert_eq!(
            titles,
            ["핵심 관점", "에너지 기술 기업", "저장 장치의 성장"]
        );
    }

    #[test]
    fn a_numbered_list_in_body_type_yields_to_headings_set_apart() {
        // Findings numbered `1、` `2、` in body type across two pages; the
        // chapters are unnumbered, set at 15 pt.
        let mut rows = vec![("前景理论与处置效应", 1, 15.0)];
        rows.extend(body(10, 1));
        rows.push(("1、使用指标进行分组时区分度更优", 1, 10.0));
        rows.extend(body(3, 1));
        rows.push(("2、未实现收益为正的股票被高估", 2, 10.0));
        rows.extend(body(3, 2));
        rows.push(("处置效应对投资的启发", 2, 15.0));
        rows.extend(body(12, 2));
        let lines = laid_out(&rows);
        let layout = crate::parse::sections::parse(&lines, &[], None).expect("headings");
        let starts: Vec<(&str, crate::document::StartRule)> = layout
            .drafts
            .iter()
            .map(|d| (d.title.as_str(), d.start))
            .collect();
        use crate::document::StartRule::HeadingFont;
        assert_eq!(
            starts,
            [
                ("前景理论与处置效应", HeadingFont),
                ("处置效应对投资的启发", HeadingFont)
            ]
        );
    }

    #[test]
    fn body_sized_text_gives_no_headings() {
        let lines = laid_out(&[
            ("본문", 1, 10.0),
            ("본문 둘", 1, 10.0),
            ("본문 셋", 2, 10.0),
        ]);
        assert!(font_headings(&lines).is_empty());
    }

    #[test]
    fn outline_entries_below_a_lone_title_are_found_in_order() {
        let lines = laid_out(&[
            ("Report", 1, 20.0),
            ("Summary", 1, 10.0),
            ("Background", 2, 14.0),
            ("text", 2, 10.0),
            ("Findings", 3, 14.0),
            ("text", 3, 10.0),
        ]);
        let entry = |title: &str, page, level| OutlineEntry {
            title: title.to_string(),
            page,
            level,
        };
        let outline = [
            entry("Report", Some(1), 0),
            entry("Background", None, 1),
            entry("Findings", Some(3), 1),
            entry("Details", Some(3), 2),
        ];
        let starts: Vec<usize> = outline_starts(&lines, &outline)
            .unwrap_or_default()
            .into_iter()
            .map(|s| lines[s.index].no)
            .collect();
        assert_eq!(starts, [3, 5]);
        assert!(outline_starts(&lines, &[]).is_none());
    }
}
