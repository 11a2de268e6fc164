//! The one place that talks to the PDF library (pdf_oxide): opens the
//! document, takes each page's placed glyphs and the outline, and turns the
//! library's failures into gloss's errors.

use pdf_oxide::PdfDocument;
use pdf_oxide::layout::TextChar;
use pdf_oxide::outline::{Destination, OutlineItem};

use super::guard;
use super::lines::{Glyph, PageGlyphs};
use crate::error::{GlossError, Result};
use crate::load::OutlineEntry;

/// What gloss takes from a PDF.
pub struct PdfContent {
    /// Every page's glyphs, in page order.
    pub pages: Vec<PageGlyphs>,
    /// The outline, flattened in reading order.
    pub outline: Vec<OutlineEntry>,
    /// What the user should know about how the file was read.
    pub warnings: Vec<String>,
    /// How many pages draw an image: with no text anywhere, a scan.
    pub image_pages: usize,
    /// The file ends before its `%%EOF` marker.
    pub truncated: bool,
}

/// How deep an outline is followed: deeper entries are sub-sub-sections at
/// best, and a malformed outline may nest without end.
const MAX_OUTLINE_DEPTH: u8 = 8;

/// Open and read a PDF held in memory, after [`guard`]'s checks.
pub fn read(name: &str, bytes: &[u8]) -> Result<PdfContent> {
    let damaged = |detail: String| GlossError::PdfDamaged {
        name: name.to_string(),
        detail,
    };
    let problem = |p| super::problem_error(name, p);
    guard::check_file(bytes).map_err(problem)?;
    let doc = PdfDocument::from_bytes(bytes.to_vec()).map_err(|e| match e {
        pdf_oxide::Error::EncryptedPdf => GlossError::PdfEncrypted {
            name: name.to_string(),
        },
        other => damaged(describe(bytes, &other)),
    })?;
    if doc.is_encrypted() {
        // An empty user password (permissions only) opens without asking.
        let opened = doc.authenticate(b"").unwrap_or(false);
        if !opened {
            return Err(GlossError::PdfEncrypted {
                name: name.to_string(),
            });
        }
    }
    let mut count = doc.page_count().map_err(|e| damaged(describe(bytes, &e)))?;
    // A `/Count` may promise more pages than the tree holds.
    if let Some(walked) = guard::count_pages(&doc).map_err(problem)?
        && walked > 0
    {
        count = count.min(walked);
    }
    let mut budget = guard::Budget::new(&doc, guard::decoded_budget(bytes.len()));
    for index in 0..count {
        budget.page(index).map_err(problem)?;
    }
    let survey = budget.finish();
    let mut warnings = survey.warnings;
    let mut pages = Vec::with_capacity(count);
    for index in 0..count {
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let (llx, lly, urx, ury) = doc
            .get_page_media_box(index)
            .map_err(|e| damaged(format!("page {number}: {}", one_line(&e.to_string()))))?;
        let chars = doc
            .extract_chars(index)
            .map_err(|e| damaged(format!("page {number}: {}", one_line(&e.to_string()))))?;
        let (left, top) = (llx.min(urx), lly.max(ury));
        let spaces = question_marks_as_spaces(&chars);
        let glyphs = chars
            .iter()
            .filter_map(|c| {
                let mut g = glyph(c, left, top)?;
                if c.char == '?' && spaces.contains(&c.font_name.as_str()) {
                    g.text = " ".to_string();
                }
                Some(g)
            })
            .collect();
        pages.push(PageGlyphs {
            number,
            width: (urx - llx).abs(),
            height: (ury - lly).abs(),
            glyphs,
        });
    }
    // A broken outline is no reason to refuse the text; one that loops is
    // not read at all (the library would follow it for ever).
    let outline = match guard::check_outline(&doc) {
        Ok(()) => doc
            .get_outline()
            .ok()
            .flatten()
            .map(|items| flatten_outline(&items))
            .unwrap_or_default(),
        Err(p) => {
            warnings.push(format!("{}; the outline (bookmarks) is left out", p.what()));
            Vec::new()
        }
    };
    Ok(PdfContent {
        pages,
        outline,
        warnings,
        image_pages: survey.image_pages,
        truncated: !ends_with_eof(bytes),
    })
}

/// Whether `%%EOF` stands in the file's last KiB.
fn ends_with_eof(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    tail.windows(5).any(|w| w == b"%%EOF")
}

/// A library character as a [`Glyph`] in top-left page coordinates.
/// Rotated text (vertical labels of charts) is left out: it is not part of
/// any line a reader follows.
fn glyph(c: &TextChar, left: f32, top: f32) -> Option<Glyph> {
    let upright = c.rotation_degrees.abs() < 1.0 || (c.rotation_degrees - 360.0).abs() < 1.0;
    if !upright || c.char == '\u{FFFD}' || c.char.is_control() {
        return None;
    }
    let width = [c.rendered_advance, c.advance_width, c.bbox.width]
        .into_iter()
        .find(|w| w.is_finite() && *w > 0.0)
        .unwrap_or(0.0);
    let name = c.font_name.to_ascii_lowercase();
    let bold_name = ["bold", "black", "heavy", "extrab", "semib", "demib"]
        .iter()
        .any(|w| name.contains(w));
    Some(Glyph {
        text: c.char.to_string(),
        x: c.origin_x - left,
        baseline: top - c.origin_y,
        width,
        size: c.font_size.abs(),
        bold: c.font_weight.is_bold() || bold_name,
    })
}

/// The fonts of a page whose `?` is a space: some fonts map their space to
/// a control character, which the library turns into `?`. Such a font has no
/// space of its own on the page, and its `?`s (three at least) nearly all
/// stand glued between a mark and a letter (`S.J.?Hong`, `CA,?USA`), where
/// a real question mark is followed by a space.
fn question_marks_as_spaces(chars: &[TextChar]) -> Vec<&str> {
    use std::collections::HashMap;
    // Per font: (has a space, question marks, glued question marks).
    let mut fonts: HashMap<&str, (bool, usize, usize)> = HashMap::new();
    for (i, c) in chars.iter().enumerate() {
        let entry = fonts.entry(c.font_name.as_str()).or_default();
        if c.char == ' ' {
            entry.0 = true;
        } else if c.char == '?' {
            entry.1 += 1;
            let beside = |o: Option<&TextChar>, letter: fn(char) -> bool| {
                o.is_some_and(|o| {
                    letter(o.char) && (o.origin_y - c.origin_y).abs() < 0.2 * c.font_size.max(1.0)
                })
            };
            let before = i.checked_sub(1).and_then(|j| chars.get(j));
            let visible = |ch: char| !ch.is_whitespace() && ch != '?';
            if beside(before, visible) && beside(chars.get(i + 1), char::is_alphanumeric) {
                entry.2 += 1;
            }
        }
    }
    fonts
        .into_iter()
        .filter(|&(_, (space, marks, glued))| !space && marks >= 3 && glued * 5 >= marks * 4)
        .map(|(font, _)| font)
        .collect()
}

fn flatten_outline(items: &[OutlineItem]) -> Vec<OutlineEntry> {
    fn walk(items: &[OutlineItem], level: u8, out: &mut Vec<OutlineEntry>) {
        for item in items {
            let title = one_line(&item.title);
            if !title.is_empty() {
                out.push(OutlineEntry {
                    title,
                    page: match item.dest {
                        Some(Destination::PageIndex(i)) => u32::try_from(i + 1).ok(),
                        _ => None,
                    },
                    level,
                });
            }
            if level < MAX_OUTLINE_DEPTH {
                walk(&item.children, level + 1, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(items, 0, &mut out);
    out
}

/// What to tell the user about a PDF the library cannot open: a file cut
/// short says so (the commonest cause: an interrupted download); anything
/// else gives the library's reason.
fn describe(bytes: &[u8], error: &pdf_oxide::Error) -> String {
    if !ends_with_eof(bytes) {
        return "it ends before its %%EOF marker".to_string();
    }
    one_line(&error.to_string())
}

/// Text from the file, made safe for a one-line message: control
/// characters become spaces, runs of space collapse, long text is cut.
pub(crate) fn one_line(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let words: Vec<&str> = clean.split_whitespace().collect();
    let joined = words.join(" ");
    match joined.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &joined[..cut]),
        None => joined,
    }
}

#[cfg(test)]
mod tests {
    use pdf_oxide::geometry::Rect;

    use super::*;

    /// `text` set in `font` on one baseline, one char per 5 pt.
    fn chars(text: &str, font: &str) -> Vec<TextChar> {
        text.chars()
            .enumerate()
            .map(|(i, c)| {
                TextChar::simple(
                    c,
                    Rect::new(i as f32 * 5.0, 700.0, 5.0, 10.0),
                    font.into(),
                    10.0,
                )
            })
            .collect()
    }

    #[test]
    fn a_fonts_question_marks_are_spaces_only_when_it_has_no_space_and_they_glue_words() {
        // A font whose space came out as `?`: author lines and references.
        let mapped = chars("(S.J.?Hong,?sj@etri.re.kr)?Stanford,?CA", "Mapped");
        assert_eq!(question_marks_as_spaces(&mapped), ["Mapped"]);
        // Real question marks: followed by a space, or in a font with spaces.
        let real = chars("Why? Because? Really? Yes", "Real");
        assert!(question_marks_as_spaces(&real).is_empty());
        let urls = chars("a.php?id=1 b.php?id=2 c.php?q=3", "Urls");
        assert!(question_marks_as_spaces(&urls).is_empty());
        // Two are not enough to judge a font by.
        let few = chars("A.?B,?C", "Few");
        assert!(question_marks_as_spaces(&few).is_empty());
    }
}
