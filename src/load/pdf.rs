//! PDF input: the text of a PDF as lines in reading order, each with its
//! page, position, font size and weight, plus the PDF's outline.
//!
//! The PDF library only hands over placed glyphs ([`lines::Glyph`]) and the
//! outline; [`lines`] turns glyphs into lines, so the rules for lines,
//! spaces and columns do not depend on the library. See docs/pdf-reader.md
//! for the choice of library.

pub mod lines;
mod reader;

use crate::error::{GlossError, Result};
use crate::load::{LineLayout, OutlineEntry, SourceText};

use lines::PageGlyphs;

/// How far into a file `%PDF-` may stand: the format allows junk before
/// the header (some mail gateways prepend a line), readers accept 1 KiB.
const HEADER_WINDOW: usize = 1024;

/// Whether `bytes` are a PDF: `%PDF-` within the first KiB.
pub fn is_pdf(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(HEADER_WINDOW)];
    head.windows(5).any(|w| w == b"%PDF-")
}

/// Read a PDF's text, layout and outline. `name` is for messages; `stem`
/// and `file_name` as in [`SourceText`].
pub fn load_pdf(name: &str, stem: &str, file_name: &str, bytes: &[u8]) -> Result<SourceText> {
    let doc = reader::read(name, bytes)?;
    from_pages(name, stem, file_name, &doc.pages, doc.outline)
}

/// The [`SourceText`] of a PDF's pages of glyphs and its outline; public so
/// that tests can build one from synthetic pages without a PDF.
pub fn from_pages(
    name: &str,
    stem: &str,
    file_name: &str,
    pages: &[PageGlyphs],
    outline: Vec<OutlineEntry>,
) -> Result<SourceText> {
    if pages.is_empty() {
        return Err(GlossError::PdfNoPages {
            name: name.to_string(),
        });
    }
    let (text, page_of, layout) = assemble(pages);
    if text.trim().is_empty() {
        return Err(GlossError::PdfNoText {
            name: name.to_string(),
            pages: pages.len(),
        });
    }
    Ok(SourceText {
        name: name.to_string(),
        stem: stem.to_string(),
        file_name: file_name.to_string(),
        encoding: "PDF",
        text,
        pages: page_of,
        layout,
        outline,
    })
}

/// Join the pages' lines into the text of a [`SourceText`]: one line per
/// visual line; a blank line between paragraphs (a vertical gap well over
/// the line spacing, or a change of column) and between pages; the first
/// line of each later page starts with a space, as the form feed of text
/// input leaves it, so the text rules see where a page starts.
fn assemble(pages: &[PageGlyphs]) -> (String, Vec<u32>, Vec<Option<LineLayout>>) {
    let mut text = String::new();
    let mut page_of = Vec::new();
    let mut layout = Vec::new();
    let mut push = |line: &str, page: u32, l: Option<LineLayout>| {
        if !page_of.is_empty() {
            text.push('\n');
        }
        text.push_str(line);
        page_of.push(page);
        layout.push(l);
    };
    for page in pages {
        let mut prev: Option<LineLayout> = None;
        for (i, line) in lines::page_lines(page).into_iter().enumerate() {
            let l = line.layout;
            if let Some(p) = prev {
                if paragraph_break(&p, &l) {
                    push("", page.number, None);
                }
            } else if page.number > 1 {
                push("", page.number, None);
            }
            let indent = if i == 0 && page.number > 1 { " " } else { "" };
            push(&format!("{indent}{}", line.text), page.number, Some(l));
            prev = Some(l);
        }
    }
    (text, page_of, layout)
}

/// Whether a blank line belongs between two consecutive lines of a page:
/// a gap of more than about one empty line, a jump back up (the next
/// column), or a change of font size (a heading).
fn paragraph_break(prev: &LineLayout, next: &LineLayout) -> bool {
    let size = prev.font_size.max(next.font_size).max(1.0);
    let prev_bottom = prev.y + prev.font_size;
    let gap = next.y - prev_bottom;
    gap > 0.9 * size || next.y < prev.y - 0.5 * size || (prev.font_size - next.font_size).abs() > 1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_header_is_found_near_the_start_only() {
        assert!(is_pdf(b"%PDF-1.7\n..."));
        assert!(is_pdf(b"\r\njunk before\n%PDF-1.4\n"));
        let mut late = vec![b' '; HEADER_WINDOW];
        late.extend_from_slice(b"%PDF-1.4");
        assert!(!is_pdf(&late));
        assert!(!is_pdf("한국어 %PDF 문서".as_bytes()));
        assert!(!is_pdf(b""));
    }

    fn layout(y: f32, size: f32) -> LineLayout {
        LineLayout {
            page: 1,
            x: 50.0,
            y,
            width: 100.0,
            page_width: 600.0,
            page_height: 800.0,
            font_size: size,
            bold: false,
        }
    }

    #[test]
    fn blank_lines_come_from_gaps_jumps_and_size_changes() {
        // Lines 14 pt apart at 10 pt: the same paragraph.
        assert!(!paragraph_break(&layout(100.0, 10.0), &layout(114.0, 10.0)));
        // An empty line's worth of gap: a new paragraph.
        assert!(paragraph_break(&layout(100.0, 10.0), &layout(128.0, 10.0)));
        // Back up the page: the next column.
        assert!(paragraph_break(&layout(500.0, 10.0), &layout(100.0, 10.0)));
        // A heading over body text.
        assert!(paragraph_break(&layout(100.0, 16.0), &layout(120.0, 10.0)));
    }
}
