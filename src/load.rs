//! Stage 1 — load: read an issue from a file or stdin and decode it to text.
//!
//! Newsletters arrive as pdftotext output, exports from Windows tools and
//! copies from web pages, so the loader accepts UTF-8 (with or without BOM),
//! UTF-16 with BOM and legacy Korean EUC-KR/CP949, and normalises line ends.
//! Form feeds (pdftotext's page breaks) become spaces so that every line keeps
//! its number and a page's first line keeps its "starts a page" indent.
//! PDF files (recognised by their content, whatever their name) are read by
//! [`pdf`], with each line's layout.

pub mod pdf;

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{GlossError, Result};

/// A decoded input document.
#[derive(Debug, Clone)]
pub struct SourceText {
    /// A display name: the file path, or `<stdin>`.
    pub name: String,
    /// The file stem (`trendwatch-2023-22`), as given: output folder names
    /// are made from it by [`crate::render::sanitize_file_stem`].
    pub stem: String,
    /// The file name without its folder (`trendwatch-2023-22.txt`): what
    /// prompts and outputs show, so `./x.txt` and `/abs/x.txt` give the same
    /// brief request and byte-identical digests, and no local path leaves
    /// the machine.
    pub file_name: String,
    /// The encoding the bytes were decoded from.
    pub encoding: &'static str,
    /// The text with `\n` line ends and form feeds replaced by spaces.
    pub text: String,
    /// The 1-based page of each line of `text` (index = line number - 1):
    /// counted from form feeds in text input, taken from the file in PDF input.
    pub pages: Vec<u32>,
    /// One entry per line of `text` when the input carries a layout (PDF):
    /// `None` for blank lines. Empty for plain-text input.
    pub layout: Vec<Option<LineLayout>>,
    /// The document's own outline (PDF bookmarks), in reading order; empty
    /// when the input has none.
    pub outline: Vec<OutlineEntry>,
}

/// Where and how one line was set on its page, for inputs that carry a
/// layout (PDF). Positions are in points from the page's top-left corner.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LineLayout {
    /// 1-based page number.
    pub page: u32,
    /// Left edge of the line's first glyph.
    pub x: f32,
    /// Top edge of the line.
    pub y: f32,
    /// Width of the line's text.
    pub width: f32,
    /// Width of the page.
    pub page_width: f32,
    /// Height of the page.
    pub page_height: f32,
    /// The font size most of the line's characters are set in.
    pub font_size: f32,
    /// Whether most of the line's characters are set in a bold face.
    pub bold: bool,
}

/// One entry of a PDF's outline (bookmarks).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OutlineEntry {
    /// The entry's title as the PDF gives it.
    pub title: String,
    /// The 1-based page it points to, when it points to one.
    pub page: Option<u32>,
    /// Nesting depth, 0 for top-level entries.
    pub level: u8,
}

impl SourceText {
    /// The lines of the text, 1-based numbering is `index + 1`.
    pub fn lines(&self) -> Vec<&str> {
        self.text.split('\n').collect()
    }
}

/// Read and decode `path`; `-` reads standard input.
pub fn load(path: &Path) -> Result<SourceText> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|source| GlossError::InputRead {
                path: PathBuf::from("<stdin>"),
                source,
            })?;
        return decode_input("<stdin>", "stdin", &bytes, false);
    }
    let meta = std::fs::metadata(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => GlossError::InputMissing {
            path: path.to_path_buf(),
        },
        _ => GlossError::InputRead {
            path: path.to_path_buf(),
            source,
        },
    })?;
    if meta.is_dir() {
        return Err(GlossError::InputIsDirectory {
            path: path.to_path_buf(),
        });
    }
    let bytes = std::fs::read(path).map_err(|source| GlossError::InputRead {
        path: path.to_path_buf(),
        source,
    })?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "input".to_string());
    let named_pdf = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("pdf"));
    decode_input(&path.display().to_string(), &stem, &bytes, named_pdf)
}

/// Route a file's bytes by their content: a PDF (even one named `.txt`) to
/// the PDF reader, anything else to the text decoder. A file named `.pdf`
/// that is not one is refused rather than read as text: it is most often
/// a failed download (an HTML page) or the wrong file.
fn decode_input(name: &str, stem: &str, bytes: &[u8], named_pdf: bool) -> Result<SourceText> {
    if pdf::is_pdf(bytes) {
        return pdf::load_pdf(name, stem, &file_name_of(name), bytes);
    }
    if named_pdf && !bytes.is_empty() {
        return Err(GlossError::NotPdf {
            name: name.to_string(),
        });
    }
    decode(name, stem, bytes)
}

/// The file name without its folder, as [`SourceText::file_name`] wants it.
fn file_name_of(name: &str) -> String {
    Path::new(name)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| name.to_string())
}

/// Decode raw bytes into normalised text. Public for tests and for callers that
/// already hold the bytes.
pub fn decode(name: &str, stem: &str, bytes: &[u8]) -> Result<SourceText> {
    let (text, encoding) = decode_bytes(name, bytes)?;
    if let Some(offset) = text.find('\0') {
        return Err(GlossError::InputBinary {
            name: name.to_string(),
            offset,
        });
    }
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let pages = line_pages(&text);
    // Form feeds become spaces so that every line keeps its number and a
    // page's first line keeps its "starts a page" indent.
    let text = text.replace('\u{000C}', " ");
    if text.trim().is_empty() {
        return Err(GlossError::InputEmpty {
            name: name.to_string(),
        });
    }
    let file_name = file_name_of(name);
    Ok(SourceText {
        name: name.to_string(),
        file_name,
        stem: stem.to_string(),
        encoding,
        text,
        pages,
        layout: Vec::new(),
        outline: Vec::new(),
    })
}

/// The 1-based page of each line: a form feed anywhere in a line starts a
/// new page from that line on (pdftotext glues it to the next page's first line).
fn line_pages(text: &str) -> Vec<u32> {
    let mut page = 1;
    text.split('\n')
        .map(|line| {
            page += line.matches('\u{000C}').count() as u32;
            page
        })
        .collect()
}

fn decode_bytes(name: &str, bytes: &[u8]) -> Result<(String, &'static str)> {
    if bytes.is_empty() {
        return Err(GlossError::InputEmpty {
            name: name.to_string(),
        });
    }
    // A BOM is the strongest evidence there is; encoding_rs sniffs all three.
    if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        if had_errors {
            return Err(undecodable(name, encoding, &bytes[bom_len..]));
        }
        return Ok((text.into_owned(), encoding.name()));
    }
    // Binary check before guessing: NUL bytes never occur in UTF-8 or EUC-KR text.
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        return Err(GlossError::InputBinary {
            name: name.to_string(),
            offset,
        });
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_string(), "UTF-8"));
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let encoding = detector.guess(None, chardetng::Utf8Detection::Allow);
    let (text, _, had_errors) = encoding.decode(bytes);
    if had_errors {
        return Err(undecodable(name, encoding, bytes));
    }
    Ok((text.into_owned(), encoding.name()))
}

fn undecodable(name: &str, encoding: &'static encoding_rs::Encoding, bytes: &[u8]) -> GlossError {
    let (text, _, _) = encoding.decode(bytes);
    GlossError::InputUndecodable {
        name: name.to_string(),
        encoding: encoding.name(),
        errors: text.matches('\u{FFFD}').count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_bom_is_stripped() {
        let src = decode("t", "t", "\u{FEFF}안녕\r\n세계".as_bytes()).unwrap();
        assert_eq!(src.text, "안녕\n세계");
        assert_eq!(src.encoding, "UTF-8");
    }

    #[test]
    fn utf16le_with_bom_decodes() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "한국어 text".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let src = decode("t", "t", &bytes).unwrap();
        assert_eq!(src.text, "한국어 text");
        assert_eq!(src.encoding, "UTF-16LE");
    }

    #[test]
    fn euc_kr_is_detected() {
        let (bytes, _, _) =
            encoding_rs::EUC_KR.encode("산업기술 동향워치 2023년 22호 요약\n똠방각하");
        let src = decode("t", "t", &bytes).unwrap();
        assert_eq!(src.encoding, "EUC-KR");
        assert!(src.text.starts_with("산업기술 동향워치"));
        assert!(src.text.contains("똠방각하"));
    }

    #[test]
    fn form_feed_keeps_line_numbers() {
        let src = decode("t", "t", b"one\n\x0ctwo\n").unwrap();
        assert_eq!(src.lines(), vec!["one", " two", ""]);
    }

    #[test]
    fn form_feeds_count_pages() {
        let src = decode("t", "t", b"one\r\ntwo\n\x0cthree\n\x0c\x0cfour").unwrap();
        assert_eq!(src.pages, vec![1, 1, 2, 4]);
    }

    #[test]
    fn nul_bytes_are_binary() {
        let err = decode("t", "t", b"abc\0def").unwrap_err();
        assert!(matches!(err, GlossError::InputBinary { offset: 3, .. }));
    }

    #[test]
    fn whitespace_only_is_empty() {
        assert!(matches!(
            decode("t", "t", b" \n\r\n\t").unwrap_err(),
            GlossError::InputEmpty { .. }
        ));
    }
}
