//! Rules for inputs that carry a layout (PDF): the document's own outline
//! (bookmarks), and headings told by their font size. Both only run when the
//! loader filled [`crate::load::SourceText::outline`] or a line's layout.

use std::collections::HashMap;

use super::Line;
use super::contents::{Start, locate_titles};
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

/// Headings told by their font: lines set clearly larger than the body
/// text (the size most characters are set in), short, and not sentences.
/// The outer level is the largest size used for two headings or more (the
/// cover title stands alone); a heading wrapped over lines of the same size
/// is one heading.
pub(crate) fn font_headings(lines: &[Line<'_>]) -> Vec<Start> {
    let mut chars_by_size: HashMap<i32, usize> = HashMap::new();
    for l in lines {
        if let Some(lay) = l.layout {
            *chars_by_size.entry(size_key(lay.font_size)).or_default() += l.text().chars().count();
        }
    }
    let Some(body) = chars_by_size
        .iter()
        .max_by_key(|&(size, n)| (*n, -size))
        .map(|(s, _)| *s)
    else {
        return Vec::new();
    };
    // Candidates, with wrapped lines merged: (index, len, size).
    let mut heads: Vec<(usize, usize, i32)> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let Some(lay) = l.layout else { continue };
        let size = size_key(lay.font_size);
        let t = l.text();
        let big = size * 20 >= body * 23;
        if !big || display_width(t) > 80 || t.ends_with(['.', '。']) {
            continue;
        }
        match heads.last_mut() {
            Some((at, len, s)) if *at + *len == i && *s == size && lines[*at].page == l.page => {
                *len += 1;
            }
            _ => heads.push((i, 1, size)),
        }
    }
    let mut sizes: Vec<i32> = heads.iter().map(|h| h.2).collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    sizes.dedup();
    let Some(level) = sizes
        .into_iter()
        .find(|s| heads.iter().filter(|h| h.2 == *s).count() >= 2)
    else {
        return Vec::new();
    };
    heads
        .into_iter()
        .filter(|h| h.2 == level)
        .map(|(index, len, _)| Start {
            index,
            len,
            title: lines[index..index + len]
                .iter()
                .map(|l| l.text())
                .collect::<Vec<_>>()
                .join(" "),
            section: None,
        })
        .collect()
}

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

    #[test]
    fn the_largest_size_used_twice_or_more_is_the_outer_level() {
        let lines = laid_out(&[
            ("국가별 공공부문 AI 전략", 1, 24.0),
            ("연구 목적", 2, 16.0),
            ("본문 문장이 이어진다", 2, 10.0),
            ("배경", 2, 12.5),
            ("본문 문장이 또 이어진다", 2, 10.0),
            ("해외 주요국의", 3, 16.0),
            ("도입 전략", 3, 16.0),
            ("본문 문장", 3, 10.0),
            ("본문 문장 둘", 3, 10.0),
        ]);
        let titles: Vec<String> = font_headings(&lines).into_iter().map(|s| s.title).collect();
        assert_eq!(titles, ["연구 목적", "해외 주요국의 도입 전략"]);
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
