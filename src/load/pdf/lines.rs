//! From placed glyphs to text lines in reading order, with no PDF in sight:
//! the PDF reader hands over each page's glyphs and this module groups them
//! into visual lines by baseline, puts spaces where the gaps are, finds a
//! two-column body by its gutter and orders the lines top to bottom, left
//! column before right. Kept apart from the reader so that the rules can be
//! tested on small synthetic glyph lists.

use crate::load::LineLayout;
use crate::script::is_unspaced;

/// One glyph as the page shows it. Positions are in points from the page's
/// top-left corner.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    /// The text the glyph stands for (usually one character; ligatures give more).
    pub text: String,
    /// Left edge.
    pub x: f32,
    /// Baseline, measured down from the top of the page.
    pub baseline: f32,
    /// Advance width (or box width when the font gives no advance).
    pub width: f32,
    /// Font size in points, as set on the page.
    pub size: f32,
    /// Whether the glyph's font is a bold face.
    pub bold: bool,
}

impl Glyph {
    fn right(&self) -> f32 {
        self.x + self.width
    }

    fn is_space(&self) -> bool {
        self.text.chars().all(char::is_whitespace)
    }
}

/// One page's glyphs, in content-stream order.
#[derive(Debug, Clone, Default)]
pub struct PageGlyphs {
    /// 1-based page number.
    pub number: u32,
    /// Page width in points.
    pub width: f32,
    /// Page height in points.
    pub height: f32,
    /// The glyphs.
    pub glyphs: Vec<Glyph>,
}

/// A visual line of text with its layout.
#[derive(Debug, Clone, PartialEq)]
pub struct TextLine {
    /// The line's text, spaces from the gaps, no leading or trailing space.
    pub text: String,
    /// Where the line stands and how it is set.
    pub layout: LineLayout,
}

/// Glyphs whose baselines differ by less than this share a line (as a
/// fraction of the larger font size): superscripts and dot leaders set a
/// little off the baseline stay on their line, the next line (≥ 1 em below)
/// does not.
const SAME_LINE: f32 = 0.45;
/// A gap wider than this (fraction of the font size) between two glyphs is
/// a word space. Tight glyph boxes leave ~0.05 em between letters; a space
/// is ~0.25 em.
const WORD_GAP: f32 = 0.17;
/// Between two Chinese/Japanese characters only a much wider gap is a
/// space: those scripts write none, and justification stretches the gaps.
const CJK_WORD_GAP: f32 = 0.6;
/// Glyphs closer than this (fraction of the font size) belong to one run of
/// text when looking for a column gutter; a gutter must be wider.
const RUN_GAP: f32 = 1.2;

/// The lines of one page in reading order.
pub fn page_lines(page: &PageGlyphs) -> Vec<TextLine> {
    let rows = rows(&page.glyphs);
    let mut ordered: Vec<&[Glyph]> = Vec::new();
    let mut left: Vec<&[Glyph]> = Vec::new();
    let mut right: Vec<&[Glyph]> = Vec::new();
    let gutter = gutter(&rows, page.width);
    for row in &rows {
        match gutter.map(|g| split_at_gutter(row, g)) {
            Some(Split::Sides(l, r)) => {
                if !l.is_empty() {
                    left.push(l);
                }
                if !r.is_empty() {
                    right.push(r);
                }
            }
            // A full-width row (a title above the columns, a footer below)
            // closes the column block: its left column, then its right,
            // then the row.
            Some(Split::Across) | None => {
                ordered.append(&mut left);
                ordered.append(&mut right);
                ordered.push(row);
            }
        }
    }
    ordered.append(&mut left);
    ordered.append(&mut right);
    ordered
        .into_iter()
        .filter_map(|glyphs| text_line(glyphs, page))
        .collect()
}

/// Group glyphs into rows by baseline, top to bottom, each row sorted left
/// to right.
fn rows(glyphs: &[Glyph]) -> Vec<Vec<Glyph>> {
    let mut sorted: Vec<&Glyph> = glyphs
        .iter()
        .filter(|g| g.baseline.is_finite() && g.x.is_finite() && g.size > 0.0)
        .collect();
    sorted.sort_by(|a, b| a.baseline.total_cmp(&b.baseline));
    let mut rows: Vec<Vec<Glyph>> = Vec::new();
    let mut anchor = f32::NEG_INFINITY;
    let mut anchor_size = 0.0_f32;
    for g in sorted {
        let tolerance = SAME_LINE * g.size.max(anchor_size);
        match rows.last_mut() {
            Some(row) if g.baseline - anchor <= tolerance => {
                row.push(g.clone());
                // Spaces carry no reliable size; letters set the anchor.
                if !g.is_space() && g.size > anchor_size {
                    anchor_size = g.size;
                }
            }
            _ => {
                anchor = g.baseline;
                anchor_size = if g.is_space() { 0.0 } else { g.size };
                rows.push(vec![g.clone()]);
            }
        }
    }
    for row in &mut rows {
        row.sort_by(|a, b| a.x.total_cmp(&b.x));
    }
    rows.retain(|row| row.iter().any(|g| !g.is_space()));
    rows
}

/// The runs of a row: stretches of glyphs with no gap wider than
/// [`RUN_GAP`], as `(left, right)` edges.
fn runs(row: &[Glyph]) -> Vec<(f32, f32)> {
    let mut runs: Vec<(f32, f32)> = Vec::new();
    for g in row.iter().filter(|g| !g.is_space()) {
        match runs.last_mut() {
            Some(run) if g.x - run.1 <= RUN_GAP * g.size => run.1 = run.1.max(g.right()),
            _ => runs.push((g.x, g.right())),
        }
    }
    runs
}

/// A vertical band free of text between two columns, `(left, right)` edges.
type Gutter = (f32, f32);

/// The gutter of a two-column page, if the page has one: the widest band
/// near the middle of the page that few rows cross, with enough rows on
/// each side, whose left column runs up to it (justified or nearly full
/// lines; a table's cells stop short at varied places).
fn gutter(rows: &[Vec<Glyph>], page_width: f32) -> Option<Gutter> {
    if rows.len() < 6 || page_width <= 0.0 {
        return None;
    }
    let row_runs: Vec<Vec<(f32, f32)>> = rows.iter().map(|r| runs(r)).collect();
    // Count, for each point across the middle of the page, the rows whose
    // text covers it.
    let from = (page_width * 0.25).floor() as usize;
    let to = (page_width * 0.75).ceil() as usize;
    let mut cover = vec![0usize; to.saturating_sub(from) + 1];
    for runs in &row_runs {
        for &(l, r) in runs {
            let a = (l.max(from as f32) as usize).saturating_sub(from);
            let b = (r.min(to as f32).max(0.0) as usize).saturating_sub(from);
            for c in cover.iter_mut().take(b + 1).skip(a) {
                *c += 1;
            }
        }
    }
    // Rows crossing the gutter are full-width lines: allow some.
    let allowed = rows.len() / 4;
    let mut best: Option<Gutter> = None;
    let mut start: Option<usize> = None;
    for (i, &c) in cover.iter().chain(std::iter::once(&usize::MAX)).enumerate() {
        if c <= allowed {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            let band = ((from + s) as f32, (from + i) as f32);
            if best.is_none_or(|b| band.1 - band.0 > b.1 - b.0) {
                best = Some(band);
            }
        }
    }
    let band = best?;
    let sizes: Vec<f32> = rows.iter().flatten().map(|g| g.size).collect();
    let size = median(&sizes);
    if band.1 - band.0 < RUN_GAP * size {
        return None;
    }
    // Enough rows on each side, and the left column reaches the gutter.
    let mut lefts = 0;
    let mut rights = 0;
    let mut reaching = 0;
    for runs in &row_runs {
        let crosses = runs.iter().any(|&(l, r)| l < band.1 && r > band.0);
        if crosses {
            continue;
        }
        let left_end = runs
            .iter()
            .filter(|&&(_, r)| r <= band.0)
            .map(|&(_, r)| r)
            .fold(None, |m: Option<f32>, r| Some(m.map_or(r, |m| m.max(r))));
        if let Some(end) = left_end {
            lefts += 1;
            if band.0 - end <= 3.0 * size {
                reaching += 1;
            }
        }
        if runs.iter().any(|&(l, _)| l >= band.1) {
            rights += 1;
        }
    }
    let enough = lefts >= 3 && rights >= 3 && reaching * 5 >= lefts * 2;
    enough.then_some(band)
}

enum Split<'a> {
    /// The row keeps to the columns: its left and right parts (either may be empty).
    Sides(&'a [Glyph], &'a [Glyph]),
    /// The row crosses the gutter.
    Across,
}

fn split_at_gutter(row: &[Glyph], (gl, gr): Gutter) -> Split<'_> {
    let crosses = row
        .iter()
        .any(|g| !g.is_space() && g.x < gr && g.right() > gl);
    if crosses {
        return Split::Across;
    }
    let cut = row.partition_point(|g| g.x < gl);
    Split::Sides(&row[..cut], &row[cut..])
}

/// Join a row's glyphs into a line: a space where a space glyph stood or
/// the gap is wide enough, none elsewhere.
fn join(glyphs: &[Glyph]) -> String {
    let mut text = String::new();
    let mut prev: Option<&Glyph> = None;
    let mut space_seen = false;
    for g in glyphs {
        if g.is_space() {
            space_seen = prev.is_some();
            continue;
        }
        if let Some(p) = prev {
            let gap = g.x - p.right();
            let size = g.size.max(p.size);
            let unspaced = p.text.chars().last().is_some_and(is_unspaced)
                && g.text.chars().next().is_some_and(is_unspaced);
            let threshold = if unspaced { CJK_WORD_GAP } else { WORD_GAP };
            // Glyphs drawn twice at the same place (fake bold) are one.
            if g.text == p.text && (g.x - p.x).abs() < 0.1 * size {
                continue;
            }
            if space_seen || gap > threshold * size {
                text.push(' ');
            }
        }
        text.push_str(&g.text);
        prev = Some(g);
        space_seen = false;
    }
    text
}

fn text_line(glyphs: &[Glyph], page: &PageGlyphs) -> Option<TextLine> {
    let letters: Vec<&Glyph> = glyphs.iter().filter(|g| !g.is_space()).collect();
    let text = join(glyphs);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let x = letters.iter().map(|g| g.x).fold(f32::INFINITY, f32::min);
    let right = letters
        .iter()
        .map(|g| g.right())
        .fold(f32::NEG_INFINITY, f32::max);
    let font_size = dominant_size(&letters);
    // The top of the line: the highest ascent, ascent taken as 0.8 em.
    let y = letters
        .iter()
        .map(|g| g.baseline - 0.8 * g.size)
        .fold(f32::INFINITY, f32::min);
    let bold = letters.iter().filter(|g| g.bold).count() * 2 > letters.len();
    Some(TextLine {
        text: text.to_string(),
        layout: LineLayout {
            page: page.number,
            x,
            y: y.max(0.0),
            width: (right - x).max(0.0),
            page_width: page.width,
            page_height: page.height,
            font_size,
            bold,
        },
    })
}

/// The size most of the glyphs are set in (to a tenth of a point).
fn dominant_size(glyphs: &[&Glyph]) -> f32 {
    let mut counts: Vec<(i32, usize)> = Vec::new();
    for g in glyphs {
        let key = (g.size * 10.0).round() as i32;
        match counts.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => counts.push((key, 1)),
        }
    }
    // Ties go to the larger size: a heading's few big letters beside small
    // numbering still read as the heading's size.
    counts
        .into_iter()
        .max_by_key(|&(k, n)| (n, k))
        .map_or(0.0, |(k, _)| k as f32 / 10.0)
}

fn median(values: &[f32]) -> f32 {
    if values.is_empty() {
        return 0.0;
    }
    let mut v = values.to_vec();
    v.sort_by(f32::total_cmp);
    v[v.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIZE: f32 = 10.0;

    /// Glyphs for `text` from `x` on `baseline`, each `advance` wide, with
    /// a space glyph for each space only when `space_glyphs`.
    fn set(text: &str, x: f32, baseline: f32, advance: f32) -> Vec<Glyph> {
        text.chars()
            .enumerate()
            .map(|(i, c)| Glyph {
                text: c.to_string(),
                x: x + i as f32 * advance,
                baseline,
                width: SIZE.min(advance * 0.95),
                size: SIZE,
                bold: false,
            })
            .collect()
    }

    fn page(glyphs: Vec<Glyph>) -> PageGlyphs {
        PageGlyphs {
            number: 1,
            width: 600.0,
            height: 800.0,
            glyphs,
        }
    }

    fn texts(lines: &[TextLine]) -> Vec<&str> {
        lines.iter().map(|l| l.text.as_str()).collect()
    }

    #[test]
    fn glyphs_on_one_baseline_form_one_line_whatever_their_stream_order() {
        let mut glyphs = set("안녕하세요", 50.0, 100.0, SIZE);
        glyphs.reverse();
        // A superscript a little above the baseline stays on the line.
        glyphs.push(Glyph {
            baseline: 97.0,
            size: 6.0,
            ..set("1", 100.0, 0.0, 4.0).remove(0)
        });
        glyphs.extend(set("다음 줄", 50.0, 114.0, SIZE));
        let lines = page_lines(&page(glyphs));
        assert_eq!(texts(&lines), ["안녕하세요1", "다음 줄"]);
    }

    #[test]
    fn wide_gaps_become_spaces_narrow_ones_do_not() {
        // "한국 경제": one advance of gap between the words, none inside them.
        let mut glyphs = set("한국", 50.0, 100.0, SIZE);
        glyphs.extend(set("경제", 50.0 + 3.0 * SIZE, 100.0, SIZE));
        // Letters of one word with a hair of a gap (tight boxes) stay together.
        glyphs.extend(set("word", 50.0, 120.0, 5.0));
        let lines = page_lines(&page(glyphs));
        assert_eq!(texts(&lines), ["한국 경제", "word"]);
    }

    #[test]
    fn a_space_glyph_is_a_space_even_when_narrow() {
        let mut glyphs = set("가나", 50.0, 100.0, SIZE);
        glyphs.push(Glyph {
            text: " ".into(),
            ..glyphs[1].clone()
        });
        glyphs.extend(set("다", 70.0, 100.0, SIZE));
        assert_eq!(texts(&page_lines(&page(glyphs))), ["가나 다"]);
    }

    #[test]
    fn chinese_justification_gaps_are_not_spaces_but_hangul_ones_are() {
        // Justified lines: 0.4 em between every glyph.
        let zh = set("全球电气化", 50.0, 100.0, SIZE * 1.4);
        let ko = set("가나다", 50.0, 120.0, SIZE * 1.4);
        let lines = page_lines(&page([zh, ko].concat()));
        assert_eq!(texts(&lines), ["全球电气化", "가 나 다"]);
    }

    /// A two-column page: a full-width title, `rows` rows in each column
    /// (justified to the gutter at 290–310), a full-width footer.
    fn two_columns(rows: usize) -> Vec<Glyph> {
        let mut glyphs = set(
            "TITLE OF THE WHOLE PAGE SPANNING BOTH COLUMNS",
            50.0,
            60.0,
            11.0,
        );
        for i in 0..rows {
            let y = 100.0 + i as f32 * 14.0;
            glyphs.extend(set(
                &format!("L{i:02}xxxxxxxxxxxxxxxxxxxxxxxx"),
                50.0,
                y,
                8.9,
            ));
            glyphs.extend(set(
                &format!("R{i:02}yyyyyyyyyyyyyyyyyyyyyyyy"),
                310.0,
                y,
                8.9,
            ));
        }
        glyphs.extend(set("FOOTER LINE ACROSS THE PAGE BOTTOM", 50.0, 760.0, 9.0));
        glyphs
    }

    #[test]
    fn two_columns_read_left_then_right_between_title_and_footer() {
        let lines = page_lines(&page(two_columns(8)));
        let firsts: Vec<&str> = lines.iter().map(|l| &l.text[..3]).collect();
        let mut expected = vec!["TIT"];
        let left: Vec<String> = (0..8).map(|i| format!("L{i:02}")).collect();
        let right: Vec<String> = (0..8).map(|i| format!("R{i:02}")).collect();
        expected.extend(left.iter().map(String::as_str));
        expected.extend(right.iter().map(String::as_str));
        expected.push("FOO");
        assert_eq!(firsts, expected);
        // Each column line is its own line, not glued to its neighbour.
        assert!(
            lines
                .iter()
                .all(|l| !(l.text.contains('x') && l.text.contains('y')))
        );
    }

    #[test]
    fn a_table_is_read_row_by_row() {
        // Short cells that stop well before the gap: a table, not columns.
        let mut glyphs = Vec::new();
        for i in 0..8 {
            let y = 100.0 + i as f32 * 14.0;
            glyphs.extend(set(&format!("k{i}"), 50.0, y, 6.0));
            glyphs.extend(set(&format!("v{i}"), 400.0, y, 6.0));
        }
        let lines = page_lines(&page(glyphs));
        let expected: Vec<String> = (0..8).map(|i| format!("k{i} v{i}")).collect();
        assert_eq!(texts(&lines), expected);
    }

    #[test]
    fn a_single_column_page_has_no_gutter() {
        let mut glyphs = Vec::new();
        // Justified prose: the word gaps fall elsewhere on every row.
        let words = [
            "full", "width", "line", "of", "body", "text", "that", "crosses", "middle",
        ];
        for i in 0..10 {
            let y = 100.0 + i as f32 * 14.0;
            let mut row: Vec<&str> = words.to_vec();
            row.rotate_left(i % words.len());
            glyphs.extend(set(&row.join(" "), 50.0, y, 9.0));
        }
        let lines = page_lines(&page(glyphs));
        assert_eq!(lines.len(), 10);
        for (i, l) in lines.iter().enumerate() {
            assert_eq!(
                l.text.split(' ').count(),
                words.len(),
                "row {i}: {}",
                l.text
            );
            assert!(
                l.text.starts_with(words[i % words.len()]),
                "row {i}: {}",
                l.text
            );
        }
    }

    #[test]
    fn layout_has_the_dominant_size_and_bold() {
        let mut heading = set("제목입니다", 50.0, 100.0, 16.0);
        for g in &mut heading {
            g.size = 16.0;
            g.bold = true;
        }
        // One small non-bold numeral does not change the line's size or weight.
        heading.push(Glyph {
            size: 8.0,
            ..set("1", 140.0, 100.0, 5.0).remove(0)
        });
        let body = set("본문", 50.0, 130.0, SIZE);
        let lines = page_lines(&page([heading, body].concat()));
        assert_eq!(lines.len(), 2);
        let h = lines[0].layout;
        assert_eq!((h.font_size, h.bold, h.page), (16.0, true, 1));
        assert_eq!(h.x, 50.0);
        assert!((h.y - (100.0 - 0.8 * 16.0)).abs() < 0.01, "{}", h.y);
        assert!(
            h.width > 4.0 * 16.0 && h.width < 6.0 * 16.0 + 10.0,
            "{}",
            h.width
        );
        assert_eq!((h.page_width, h.page_height), (600.0, 800.0));
        assert_eq!(
            (lines[1].layout.font_size, lines[1].layout.bold),
            (SIZE, false)
        );
    }

    #[test]
    fn glyphs_drawn_twice_for_fake_bold_are_one() {
        let mut glyphs = set("굵게", 50.0, 100.0, SIZE);
        glyphs.extend(set("굵게", 50.3, 100.0, SIZE));
        assert_eq!(texts(&page_lines(&page(glyphs))), ["굵게"]);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 128,
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// Whatever the arrangement, every letter comes out exactly once and
        /// no line is blank or has padding.
        #[test]
        fn no_glyph_is_lost_or_doubled(
            rows in proptest::collection::vec(
                (0.0f32..400.0, proptest::string::string_regex("[가-힣a-z一-龥]{1,12}").unwrap(), 0u8..3),
                1..40,
            )
        ) {
            let mut glyphs = Vec::new();
            for (i, (x, text, gap)) in rows.iter().enumerate() {
                // Distinct baselines: rows never share one here.
                let mut row = set(text, *x, 60.0 + i as f32 * 15.0, SIZE + f32::from(*gap));
                row.reverse();
                glyphs.extend(row);
            }
            let lines = page_lines(&page(glyphs));
            let mut got: Vec<char> = lines.iter().flat_map(|l| l.text.chars()).filter(|c| *c != ' ').collect();
            let mut want: Vec<char> = rows.iter().flat_map(|(_, t, _)| t.chars()).collect();
            got.sort_unstable();
            want.sort_unstable();
            proptest::prop_assert_eq!(got, want);
            for l in &lines {
                proptest::prop_assert!(!l.text.is_empty() && l.text.trim() == l.text);
            }
        }
    }
}
