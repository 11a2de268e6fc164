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
    /// What the user should know about how the input was read (invalid
    /// bytes replaced, and where); the CLI prints each as a warning.
    pub warnings: Vec<String>,
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
    let Decoded {
        text,
        encoding,
        warnings,
    } = decode_bytes(name, bytes)?;
    if let Some(offset) = text.find('\0') {
        return Err(GlossError::InputBinary {
            name: name.to_string(),
            offset,
            what: "NUL byte",
        });
    }
    let (text, pages) = normalize_breaks(text);
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
        warnings,
        text,
        pages,
        layout: Vec::new(),
        outline: Vec::new(),
    })
}

/// `text` with `\n` line ends (from `\r\n` and a lone `\r`) and each form
/// feed a space, so that every line keeps its number and a page's first line
/// keeps its "starts a page" indent; and the 1-based page of each line: a
/// form feed anywhere in a line starts a new page from that line on
/// (pdftotext glues it to the next page's first line).
///
/// Done in place: a 50 MB input is not copied once per kind of break.
fn normalize_breaks(text: String) -> (String, Vec<u32>) {
    // Byte searches (memchr), not char patterns: most inputs have neither.
    if !text.as_bytes().contains(&b'\r') && !text.as_bytes().contains(&0x0C) {
        let lines = text.bytes().filter(|&b| b == b'\n').count() + 1;
        return (text, vec![1; lines]);
    }
    let mut bytes = text.into_bytes();
    let mut pages = Vec::new();
    let mut page = 1;
    // Only ASCII bytes are changed or removed: the text stays UTF-8.
    let mut kept = 0;
    let mut i = 0;
    while i < bytes.len() {
        let byte = match bytes[i] {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                i += 1;
                b'\n'
            }
            b'\r' => b'\n',
            0x0C => {
                page += 1;
                b' '
            }
            b => b,
        };
        if byte == b'\n' {
            pages.push(page);
        }
        bytes[kept] = byte;
        kept += 1;
        i += 1;
    }
    bytes.truncate(kept);
    pages.push(page);
    let text = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    (text, pages)
}

/// Text decoded from bytes, with what was replaced on the way.
struct Decoded {
    text: String,
    encoding: &'static str,
    warnings: Vec<String>,
}

/// Decode `bytes`: by their BOM; else as UTF-8, with invalid sequences
/// replaced (U+FFFD) and reported; a legacy encoding (EUC-KR, Shift_JIS,
/// GBK, windows-1252…, as chardetng guesses) only when the whole file reads
/// far better in it. One bad byte in a UTF-8 file must not turn every other
/// character into mojibake.
fn decode_bytes(name: &str, bytes: &[u8]) -> Result<Decoded> {
    if bytes.is_empty() {
        return Err(GlossError::InputEmpty {
            name: name.to_string(),
        });
    }
    // A BOM is the strongest evidence there is; encoding_rs sniffs all three.
    if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let body = &bytes[bom_len..];
        if encoding == encoding_rs::UTF_8 {
            return Ok(decode_utf8(name, body, utf8_errors(body)));
        }
        let (text, _) = encoding.decode_without_bom_handling(body);
        return Ok(replaced(name, encoding, text.into_owned()));
    }
    // Binary check before guessing: NUL bytes never occur in UTF-8 or EUC-KR text.
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        return Err(GlossError::InputBinary {
            name: name.to_string(),
            offset,
            what: "NUL byte",
        });
    }
    if let Some(offset) = control_bytes(bytes) {
        return Err(GlossError::InputBinary {
            name: name.to_string(),
            offset,
            what: "control bytes",
        });
    }
    let errors = utf8_errors(bytes);
    if errors.is_empty() {
        return Ok(decode_utf8(name, bytes, errors));
    }
    let legacy = guess_legacy(bytes);
    let (legacy_text, _, _) = legacy.decode(bytes);
    let legacy_errors = legacy_text.matches('\u{FFFD}').count();
    // Text in a legacy encoding is almost never valid UTF-8 beyond ASCII, so
    // its UTF-8 reading has more errors than well-formed non-ASCII
    // characters; real UTF-8 with a few bad bytes has the opposite.
    let utf8_chars = String::from_utf8_lossy(bytes)
        .chars()
        .filter(|&c| !c.is_ascii() && c != '\u{FFFD}')
        .count();
    let legacy_fits = legacy_errors.saturating_mul(10) < errors.len() && errors.len() > utf8_chars;
    if legacy_fits {
        return Ok(replaced(name, legacy, legacy_text.into_owned()));
    }
    // Neither reading is mostly text.
    if errors.len() > utf8_chars {
        return Err(GlossError::InputUndecodable {
            name: name.to_string(),
            encoding: "UTF-8",
            errors: errors.len(),
        });
    }
    Ok(decode_utf8(name, bytes, errors))
}

/// Where binary data shows in `bytes` without a NUL: the first of the
/// C0 control bytes no text file holds (all but tab, line feed, vertical
/// tab, form feed — pdftotext's page break —, carriage return and escape),
/// when they are more than 1 % of the first 64 KiB. In UTF-8, EUC-KR,
/// Shift_JIS, GBK and Big5 every byte of a multi-byte character is 0x40 or
/// above, so text in any of them has none; random bytes have about 10 %.
fn control_bytes(bytes: &[u8]) -> Option<usize> {
    let sample = &bytes[..bytes.len().min(64 * 1024)];
    let is_control = |b: &u8| matches!(b, 0x01..=0x08 | 0x0E..=0x1A | 0x1C..=0x1F);
    let count = sample.iter().filter(|b| is_control(b)).count();
    (count >= 4 && count * 100 > sample.len())
        .then(|| sample.iter().position(is_control))
        .flatten()
}

/// The legacy encoding most of `bytes` is in. chardetng rules out every
/// encoding in which its input has one invalid sequence, so a whole EUC-KR
/// file with one bad byte would be guessed windows-1252; guessing per block
/// of lines (about 2 KiB, cut at line ends, which never split a character in
/// these encodings) and letting the blocks vote by their non-ASCII bytes
/// confines a bad byte to its block.
fn guess_legacy(bytes: &[u8]) -> &'static encoding_rs::Encoding {
    const BLOCK: usize = 2048;
    let mut votes: Vec<(&'static encoding_rs::Encoding, usize)> = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let end = match rest
            .get(BLOCK..)
            .and_then(|r| r.iter().position(|&b| b == b'\n'))
        {
            Some(i) => BLOCK + i + 1,
            None => rest.len(),
        };
        let (block, tail) = rest.split_at(end);
        rest = tail;
        let weight = block.iter().filter(|b| !b.is_ascii()).count();
        if weight == 0 {
            continue;
        }
        let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
        detector.feed(block, true);
        let guess = detector.guess(None, chardetng::Utf8Detection::Deny);
        match votes.iter_mut().find(|(e, _)| *e == guess) {
            Some((_, n)) => *n += weight,
            None => votes.push((guess, weight)),
        }
    }
    votes
        .into_iter()
        .max_by_key(|&(_, n)| n)
        .map_or(encoding_rs::WINDOWS_1252, |(e, _)| e)
}

/// `text` decoded from `encoding` by encoding_rs, which put U+FFFD for each
/// invalid sequence: counted and reported. (Text holding U+FFFD itself is
/// over-counted: rare in UTF-16 and GB18030, impossible in the others.)
fn replaced(name: &str, encoding: &'static encoding_rs::Encoding, text: String) -> Decoded {
    let errors = text.matches('\u{FFFD}').count();
    let line = text
        .find('\u{FFFD}')
        .map_or(1, |at| line_at(&text.as_bytes()[..at]));
    Decoded {
        warnings: replacement_warning(name, encoding.name(), errors, line),
        text,
        encoding: encoding.name(),
    }
}

/// `bytes` as UTF-8, each invalid sequence (`errors`, from [`utf8_errors`])
/// replaced and the count reported.
fn decode_utf8(name: &str, bytes: &[u8], errors: Vec<usize>) -> Decoded {
    let line = errors.first().map_or(1, |&at| line_at(&bytes[..at]));
    Decoded {
        text: String::from_utf8_lossy(bytes).into_owned(),
        encoding: "UTF-8",
        warnings: replacement_warning(name, "UTF-8", errors.len(), line),
    }
}

/// Byte offsets of the invalid UTF-8 sequences in `bytes`, one per U+FFFD
/// that `String::from_utf8_lossy` puts in their place.
fn utf8_errors(bytes: &[u8]) -> Vec<usize> {
    let mut offsets = Vec::new();
    let mut at = 0;
    while let Err(e) = std::str::from_utf8(&bytes[at..]) {
        let bad = at + e.valid_up_to();
        offsets.push(bad);
        match e.error_len() {
            Some(len) => at = bad + len,
            // Cut off at the end: one replacement for the rest.
            None => break,
        }
    }
    offsets
}

/// The 1-based line that follows `before`, counted as the parser does:
/// `\r\n`, `\r` and `\n` each end one.
fn line_at(before: &[u8]) -> usize {
    let lf = before.iter().filter(|&&b| b == b'\n').count();
    let lone_cr = before
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\r' && before.get(i + 1) != Some(&b'\n'))
        .count();
    1 + lf + lone_cr
}

/// The warning for `errors` replaced sequences, the first on `line`.
fn replacement_warning(name: &str, encoding: &str, errors: usize, line: usize) -> Vec<String> {
    if errors == 0 {
        return Vec::new();
    }
    vec![format!(
        "{name}: {errors} invalid {encoding} byte sequence{} replaced with U+FFFD (first on line {line}); the rest was read as {encoding}",
        if errors == 1 { "" } else { "s" }
    )]
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

    /// The sample issue with the last byte of its first Hangul character
    /// from line `line` on replaced by `?`: one byte changed, one invalid
    /// sequence. Returns the bytes, the original and the line changed.
    fn corrupted_sample(line: usize) -> (Vec<u8>, String, usize) {
        let original = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/trendwatch-2023-22.txt"
        ))
        .unwrap();
        let line_start: usize = original
            .split('\n')
            .take(line - 1)
            .map(|l| l.len() + 1)
            .sum();
        let (offset, c) = original[line_start..]
            .char_indices()
            .find(|&(_, c)| crate::script::is_hangul_syllable(c))
            .unwrap();
        let at = line_start + offset;
        let mut bytes = original.clone().into_bytes();
        bytes[at + c.len_utf8() - 1] = b'?';
        let line = 1 + original[..at].matches('\n').count();
        (bytes, original, line)
    }

    #[test]
    fn one_bad_byte_in_utf8_is_replaced_and_reported() {
        let (bytes, original, line) = corrupted_sample(40);
        assert!(!original.contains('\u{FFFD}'));
        let src = decode("issue.txt", "issue", &bytes).unwrap();
        assert_eq!(src.encoding, "UTF-8");
        assert_eq!(src.text.matches('\u{FFFD}').count(), 1);
        // Every other line reads exactly as before.
        let (got, want): (Vec<&str>, Vec<&str>) = (
            src.text.split('\n').collect(),
            original.split('\n').collect(),
        );
        assert_eq!(got.len(), want.len());
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g == w, i + 1 != line, "line {}", i + 1);
        }
        assert_eq!(
            src.warnings,
            vec![format!(
                "issue.txt: 1 invalid UTF-8 byte sequence replaced with U+FFFD (first on line {line}); the rest was read as UTF-8"
            )]
        );
    }

    #[test]
    fn invalid_bytes_are_counted_and_the_first_line_named() {
        let mut bytes = "한국어 본문이다.\r\n".repeat(3).into_bytes();
        bytes.extend_from_slice(b"ok\r\nline two\rthree \xff and \xc3\n\xe2\x82");
        let src = decode("t", "t", &bytes).unwrap();
        assert_eq!(src.text.matches('\u{FFFD}').count(), 3);
        assert!(
            src.warnings[0].contains("3 invalid UTF-8 byte sequences"),
            "{:?}",
            src.warnings
        );
        assert!(
            src.warnings[0].contains("first on line 6"),
            "{:?}",
            src.warnings
        );
        assert!(
            decode("t", "t", "깨끗한 글".as_bytes())
                .unwrap()
                .warnings
                .is_empty()
        );
    }

    #[test]
    fn a_whole_euc_kr_issue_still_decodes_as_euc_kr() {
        let original = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/trendwatch-2023-22.txt"
        ))
        .unwrap();
        let (bytes, _, unmappable) = encoding_rs::EUC_KR.encode(&original);
        let src = decode("t", "t", &bytes).unwrap();
        assert_eq!(src.encoding, "EUC-KR");
        assert!(src.warnings.is_empty(), "{:?}", src.warnings);
        if !unmappable {
            assert_eq!(src.text, original.replace('\u{000C}', " "));
        }
        // One bad byte in it: still EUC-KR, that byte replaced and reported.
        let mut bad = bytes.into_owned();
        let at = bad.iter().position(|&b| b >= 0xB0).unwrap();
        bad[at] = 0xFF;
        let src = decode("t", "t", &bad).unwrap();
        assert_eq!(src.encoding, "EUC-KR");
        assert_eq!(src.warnings.len(), 1, "{:?}", src.warnings);
    }

    #[test]
    fn a_latin1_file_is_read_as_windows_1252() {
        // Every non-ASCII byte is invalid UTF-8 and valid windows-1252.
        let text = "Café culture: résumés, naïve façades, 50 € each.\n".repeat(5);
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
        let src = decode("t", "t", &bytes).unwrap();
        assert_eq!(src.encoding, "windows-1252");
        assert_eq!(src.text, text);
        assert!(src.warnings.is_empty(), "{:?}", src.warnings);
    }

    #[test]
    fn form_feed_keeps_line_numbers() {
        let src = decode("t", "t", b"one\n\x0ctwo\n").unwrap();
        assert_eq!(src.lines(), vec!["one", " two", ""]);
    }

    #[test]
    fn breaks_are_normalized_in_place_as_by_replacing() {
        // The plain (copying) reading of the rule is the reference.
        let reference = |text: &str| {
            let text = text.replace("\r\n", "\n").replace('\r', "\n");
            let mut page = 1;
            let pages: Vec<u32> = text
                .split('\n')
                .map(|line| {
                    page += line.matches('\u{000C}').count() as u32;
                    page
                })
                .collect();
            (text.replace('\u{000C}', " "), pages)
        };
        for text in [
            "",
            "one",
            "a\r\nb\rc\n",
            "\r\r\n\r",
            "끝\r",
            "\u{000C}첫 쪽\r\n\u{000C}\u{000C}둘\n셋\u{000C}",
            "x\n\r\n\u{000C}\r\u{000C}\n",
        ] {
            assert_eq!(
                normalize_breaks(text.to_string()),
                reference(text),
                "{text:?}"
            );
        }
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
    fn control_bytes_without_nul_are_binary() {
        // Bytes 1..=255 over and over: no NUL, every C0 control byte.
        let bytes: Vec<u8> = (0..4000).map(|i| (i % 255 + 1) as u8).collect();
        let err = decode("t", "t", &bytes).unwrap_err();
        assert!(
            matches!(
                err,
                GlossError::InputBinary {
                    offset: 0,
                    what: "control bytes",
                    ..
                }
            ),
            "{err}"
        );
        // Text with a form feed (pdftotext's page break), tabs and an escape
        // now and then is text.
        let text = "가나다\t라마\u{c}바사\u{1b}[0m아자\r\n".repeat(50);
        assert!(decode("t", "t", text.as_bytes()).is_ok());
        // A stray control byte in a long text is not enough.
        let mut one = "정상적인 본문입니다. ".repeat(200).into_bytes();
        one[12] = 0x07; // the first space: valid UTF-8 with one bell
        let text = decode("t", "t", &one).unwrap();
        assert!(text.warnings.is_empty(), "{:?}", text.warnings);
    }

    #[test]
    fn whitespace_only_is_empty() {
        assert!(matches!(
            decode("t", "t", b" \n\r\n\t").unwrap_err(),
            GlossError::InputEmpty { .. }
        ));
    }
}
