//! PDF input: the text of a PDF as lines in reading order, each with its
//! page, position, font size and weight, plus the PDF's outline.
//!
//! The PDF library only hands over placed glyphs ([`lines::Glyph`]) and the
//! outline; [`lines`] turns glyphs into lines, so the rules for lines,
//! spaces and columns do not depend on the library. See docs/pdf-reader.md
//! for the choice of library.

pub mod child;
pub mod guard;
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
/// In the gloss binary the reading happens in a child process
/// ([`child`]); a file that is empty of text says why: truncated, a scan
/// (images only), or empty pages.
pub fn load_pdf(name: &str, stem: &str, file_name: &str, bytes: &[u8]) -> Result<SourceText> {
    let doc = child::read(name, bytes)?;
    let mut src = match from_pages(name, stem, file_name, &doc.pages, doc.outline) {
        Err(GlossError::PdfNoText { .. }) if doc.truncated => {
            return Err(GlossError::PdfTruncated {
                name: name.to_string(),
            });
        }
        Err(GlossError::PdfNoText { pages, .. }) if doc.image_pages == 0 => {
            return Err(GlossError::PdfEmpty {
                name: name.to_string(),
                pages,
            });
        }
        other => other?,
    };
    let mut warnings: Vec<String> = doc
        .warnings
        .iter()
        .map(|w| format!("{name}: {w}"))
        .collect();
    if doc.truncated {
        warnings.push(format!(
            "{name}: the PDF ends before its %%EOF marker (truncated); pages or text may be missing"
        ));
    }
    warnings.append(&mut src.warnings);
    src.warnings = warnings;
    Ok(src)
}

/// The one-line error for a [`guard::Problem`] in file `name`.
pub fn problem_error(name: &str, problem: guard::Problem) -> GlossError {
    let name = name.to_string();
    match problem {
        guard::Problem::Loop(detail) => GlossError::PdfLoop { name, detail },
        guard::Problem::TooDeep(detail) => GlossError::PdfTooDeep { name, detail },
        guard::Problem::TooLarge(detail) => GlossError::PdfTooLarge { name, detail },
    }
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
        warnings: pages_without_text(pages).into_iter().collect(),
    })
}

/// A warning naming the pages that carry no text (scanned pages inside an
/// otherwise digital PDF): their content is missing from the digest.
fn pages_without_text(pages: &[PageGlyphs]) -> Option<String> {
    let empty: Vec<String> = pages
        .iter()
        .filter(|p| p.glyphs.iter().all(|g| g.text.trim().is_empty()))
        .map(|p| p.number.to_string())
        .collect();
    if empty.is_empty() {
        return None;
    }
    let shown = empty
        .iter()
        .take(10)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let more = if empty.len() > 10 { ", …" } else { "" };
    Some(format!(
        "{} of {} pages have no text (page {shown}{more}): scanned pages need OCR first, their content is not in the digest",
        empty.len(),
        pages.len()
    ))
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
    gap > 0.9 * size
        || next.y < prev.y - 0.5 * size
        || (prev.font_size - next.font_size).abs() > 1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page_of(number: u32, text: &str) -> PageGlyphs {
        PageGlyphs {
            number,
            width: 600.0,
            height: 800.0,
            glyphs: text
                .chars()
                .enumerate()
                .map(|(i, c)| lines::Glyph {
                    text: c.to_string(),
                    x: 50.0 + i as f32 * 10.0,
                    baseline: 100.0,
                    width: 9.0,
                    size: 10.0,
                    bold: false,
                })
                .collect(),
        }
    }

    #[test]
    fn pages_without_text_are_named_in_a_warning() {
        let pages = [
            page_of(1, "본문 첫 쪽"),
            page_of(2, ""),
            page_of(3, " "),
            page_of(4, "끝"),
        ];
        let src = from_pages("x.pdf", "x", "x.pdf", &pages, Vec::new()).unwrap();
        assert_eq!(src.warnings.len(), 1, "{:?}", src.warnings);
        assert!(
            src.warnings[0].starts_with("2 of 4 pages have no text (page 2, 3)"),
            "{}",
            src.warnings[0]
        );
        let full = from_pages("y.pdf", "y", "y.pdf", &[page_of(1, "글")], Vec::new()).unwrap();
        assert!(full.warnings.is_empty());
    }

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

    fn fixture(name: &str) -> SourceText {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/pdf")
            .join(name);
        let bytes = std::fs::read(&path).expect("fixture");
        load_pdf(name, "t", name, &bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// The non-blank lines with their layout.
    fn text_lines(src: &SourceText) -> Vec<(&str, LineLayout)> {
        src.lines()
            .into_iter()
            .zip(&src.layout)
            .filter_map(|(t, l)| l.map(|l| (t.trim(), l)))
            .collect()
    }

    #[test]
    fn korean_fixture_has_text_sizes_weights_pages_and_outline() {
        let src = fixture("korean.pdf");
        let lines = text_lines(&src);
        let texts: Vec<&str> = lines.iter().map(|(t, _)| *t).collect();
        assert_eq!(
            texts,
            [
                "반도체 산업 동향",
                "한국 반도체 업계는 올해 수출이 크게 늘었다고 밝혔다.",
                // Set with positioning, not space glyphs: the gaps are spaces.
                "정부는 연구 개발 지원을 확대할 계획이다.",
                "인공지능 정책 전망",
                "인공지능 기본법이 국회를 통과했다.",
            ]
        );
        let heading = lines[0].1;
        assert_eq!(
            (heading.font_size, heading.bold, heading.page),
            (18.0, true, 1)
        );
        assert!((heading.x - 72.0).abs() < 0.5, "{heading:?}");
        // Baseline 100 pt down, the top about 0.8 em above it.
        assert!(
            (heading.y - (100.0 - 0.8 * 18.0)).abs() < 1.0,
            "{heading:?}"
        );
        assert_eq!((heading.page_width, heading.page_height), (595.0, 842.0));
        let body = lines[1].1;
        assert_eq!((body.font_size, body.bold, body.page), (10.0, false, 1));
        assert_eq!(lines[3].1.page, 2);
        // Page 2 opens with the form-feed indent, after a blank line.
        let all = src.lines();
        let first_of_2 = src.pages.iter().position(|&p| p == 2).expect("page 2");
        assert!(all[first_of_2].trim().is_empty());
        assert_eq!(all[first_of_2 + 1], " 인공지능 정책 전망");
        let outline: Vec<(&str, Option<u32>, u8)> = src
            .outline
            .iter()
            .map(|e| (e.title.as_str(), e.page, e.level))
            .collect();
        assert_eq!(
            outline,
            [
                ("반도체 산업 동향", Some(1), 0),
                ("수출 실적", Some(1), 1),
                ("인공지능 정책 전망", Some(2), 0),
            ]
        );
    }

    #[test]
    fn two_column_fixture_reads_title_left_right_footer() {
        let src = fixture("two-columns.pdf");
        let texts: Vec<&str> = text_lines(&src).into_iter().map(|(t, _)| t).collect();
        assert_eq!(texts.len(), 18, "{texts:#?}");
        assert!(texts[0].starts_with("두 단 편집"), "{texts:#?}");
        for i in 0..8 {
            assert!(
                texts[1 + i].starts_with(&format!("왼쪽{}번째줄", i + 1)),
                "{texts:#?}"
            );
            assert!(
                texts[9 + i].starts_with(&format!("오른쪽{}번째줄", i + 1)),
                "{texts:#?}"
            );
        }
        assert!(texts[17].starts_with("발행처"), "{texts:#?}");
    }

    #[test]
    fn bad_pdfs_give_their_own_errors() {
        let read = |name: &str| {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/pdf")
                .join(name);
            load_pdf(name, "t", name, &std::fs::read(path).expect("fixture")).unwrap_err()
        };
        assert!(matches!(
            read("encrypted.pdf"),
            GlossError::PdfEncrypted { .. }
        ));
        assert!(matches!(
            read("image-only.pdf"),
            GlossError::PdfNoText { pages: 2, .. }
        ));
        assert!(matches!(
            read("zero-pages.pdf"),
            GlossError::PdfNoPages { .. }
        ));
        assert!(matches!(
            read("truncated.pdf"),
            GlossError::PdfDamaged { .. }
        ));
    }
}
