//! Post-editing files: an issue's segments written for a translator's tool
//! (XLIFF 1.2, TMX 1.4, gettext PO) and read back with the reviewer's
//! corrections. Plain data in, plain data out: which segments to write and
//! what to do with the corrections is [`crate::cli`]'s `export`/`import`.
//!
//! Reading is for untrusted files: a size limit, no DTD (so no entity can be
//! declared, expanded or fetched), only XML's five entities and character
//! references, a depth limit; anything else refuses the whole file.

mod po;
mod tmx;
mod xliff;
mod xml;

/// The largest corrections file read (bytes): far above any issue's export.
pub const MAX_BYTES: u64 = 50 * 1024 * 1024;

/// The file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// XLIFF 1.2 (`.xlf`): OmegaT, memoQ, Trados, Poedit, translate-toolkit.
    Xliff,
    /// TMX 1.4 (`.tmx`): a translation memory any CAT tool imports.
    Tmx,
    /// gettext PO (`.po`): Poedit, Lokalize, Weblate, translate-toolkit.
    Po,
}

impl Format {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Xliff => "xlf",
            Format::Tmx => "tmx",
            Format::Po => "po",
        }
    }
}

/// One segment in a post-editing file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// The segment id (`A03.p07`, `A03.p07#2`).
    pub id: String,
    pub source: String,
    /// Empty when the segment has no translation.
    pub target: String,
    /// Notes for the reviewer (the article, the quality flags); written, not read.
    pub notes: Vec<String>,
    /// Written: the segment is flagged (XLIFF `needs-review-translation`, PO
    /// `fuzzy`). Read: the reviewer left it marked so (not approved).
    pub needs_review: bool,
}

/// An issue's segments, as written to or read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// The issue (its input's stem), which `import` finds the segments under.
    pub issue: String,
    /// Language codes (`ko`, `en`).
    pub source_language: String,
    pub target_language: String,
    pub units: Vec<Unit>,
}

/// Why a corrections file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{size} bytes, over the {MAX_BYTES}-byte limit for a corrections file")]
    TooBig { size: u64 },
    #[error(
        "declares a DTD (<!DOCTYPE>), refused: entities could expand or fetch files; export it again with `gloss export`"
    )]
    Dtd,
    #[error("entity reference &{0}; refused: only &amp; &lt; &gt; &quot; &apos; and &#…; are read")]
    Entity(String),
    #[error("not well-formed XML: {0}")]
    Xml(String),
    #[error("nested more than {0} elements deep")]
    TooDeep(usize),
    #[error("PO line {line}: {message}")]
    Po { line: usize, message: String },
    #[error("not UTF-8 text")]
    NotUtf8,
    #[error("neither XLIFF 1.2, TMX nor PO; export the file with `gloss export` and edit that")]
    Unknown,
    #[error("names no issue (no {0}); export the file with `gloss export` and edit that")]
    NoIssue(&'static str),
}

/// `text` with the characters XML 1.0 cannot carry (control characters
/// other than tab and line feed, carriage returns, U+FFFE/U+FFFF) replaced
/// by U+FFFD. Applied to what is written and to the issue's text an import
/// compares with, so both sides read alike.
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' => c,
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// Write `bundle` as `format`.
pub fn write(bundle: &Bundle, format: Format) -> String {
    match format {
        Format::Xliff => xliff::write(bundle),
        Format::Tmx => tmx::write(bundle),
        Format::Po => po::write(bundle),
    }
}

/// Read a corrections file's bytes, whichever format it is.
pub fn read(bytes: &[u8]) -> Result<Bundle, ReadError> {
    if bytes.len() as u64 > MAX_BYTES {
        return Err(ReadError::TooBig {
            size: bytes.len() as u64,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|_| ReadError::NotUtf8)?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let start = text.trim_start();
    if !start.starts_with('<') {
        // A PO file has entries; any other text is not one with a bad line.
        if !text.lines().any(|l| l.trim_start().starts_with("msgid")) {
            return Err(ReadError::Unknown);
        }
        return po::read(text);
    }
    let root = xml::parse(text)?;
    match root.name.as_str() {
        "xliff" => xliff::read(&root),
        "tmx" => tmx::read(&root),
        _ => Err(ReadError::Unknown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle() -> Bundle {
        Bundle {
            issue: "issue-22".into(),
            source_language: "ko".into(),
            target_language: "en".into(),
            units: vec![
                Unit {
                    id: "A01.t".into(),
                    source: "캐나다 <클러스터> & \"AI\"".into(),
                    target: "Canada's <clusters> & \"AI\"".into(),
                    notes: vec!["article A01".into()],
                    needs_review: false,
                },
                Unit {
                    id: "A01.p01#2".into(),
                    source: "첫 줄\n둘째 줄\t탭 \\ 끝".into(),
                    target: "First line\nsecond line\ttab \\ end".into(),
                    notes: vec!["⚠ number: 427 missing".into()],
                    needs_review: true,
                },
                Unit {
                    id: "A01.p02".into(),
                    source: "]]> &amp; 원문".into(),
                    target: String::new(),
                    notes: vec![],
                    needs_review: false,
                },
            ],
        }
    }

    #[test]
    fn every_format_reads_back_what_it_wrote() {
        for format in [Format::Xliff, Format::Tmx, Format::Po] {
            let text = write(&bundle(), format);
            let back = read(text.as_bytes()).unwrap_or_else(|e| panic!("{format:?}: {e}"));
            assert_eq!(back.issue, "issue-22", "{format:?}");
            assert_eq!(back.target_language, "en", "{format:?}");
            let pairs: Vec<(&str, &str, &str)> = back
                .units
                .iter()
                .map(|u| (u.id.as_str(), u.source.as_str(), u.target.as_str()))
                .collect();
            assert_eq!(
                pairs,
                [
                    (
                        "A01.t",
                        "캐나다 <클러스터> & \"AI\"",
                        "Canada's <clusters> & \"AI\""
                    ),
                    (
                        "A01.p01#2",
                        "첫 줄\n둘째 줄\t탭 \\ 끝",
                        "First line\nsecond line\ttab \\ end"
                    ),
                    ("A01.p02", "]]> &amp; 원문", ""),
                ],
                "{format:?}"
            );
        }
    }

    #[test]
    fn the_document_text_is_escaped() {
        let xlf = write(&bundle(), Format::Xliff);
        assert!(xlf.contains("캐나다 &lt;클러스터&gt; &amp;"), "{xlf}");
        assert!(!xlf.contains("<클러스터>"));
        let po = write(&bundle(), Format::Po);
        assert!(po.contains(r#"msgid "캐나다 <클러스터> & \"AI\"""#), "{po}");
        assert!(po.contains(r#""첫 줄\n""#), "{po}");
    }

    #[test]
    fn hostile_xml_is_refused() {
        let dtd = r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xliff version="1.2"><file original="i" source-language="ko" target-language="en"><body/></file></xliff>"#;
        assert!(matches!(read(dtd.as_bytes()), Err(ReadError::Dtd)));
        let external = r#"<!DOCTYPE x SYSTEM "file:///etc/passwd"><tmx version="1.4"/>"#;
        assert!(matches!(read(external.as_bytes()), Err(ReadError::Dtd)));
        let entity = r#"<xliff version="1.2"><file original="i" source-language="ko" target-language="en"><body><trans-unit id="a"><source>&lol;</source></trans-unit></body></file></xliff>"#;
        assert!(matches!(read(entity.as_bytes()), Err(ReadError::Entity(e)) if e == "lol"));
        let deep = "<tmx>".repeat(200);
        assert!(matches!(read(deep.as_bytes()), Err(ReadError::TooDeep(_))));
        assert!(matches!(read(b"<html/>"), Err(ReadError::Unknown)));
        // Plain text (an issue passed by mistake) is no PO file either.
        let issue = "산업기술 동향워치\n2023년 제22호\n".as_bytes();
        assert!(matches!(read(issue), Err(ReadError::Unknown)));
        assert!(matches!(read(b"\xff\xfe<"), Err(ReadError::NotUtf8)));
        let big = vec![b' '; MAX_BYTES as usize + 1];
        assert!(matches!(read(&big), Err(ReadError::TooBig { .. })));
    }

    #[test]
    fn characters_xml_cannot_carry_are_replaced() {
        assert_eq!(clean("a\u{7}b\r\nc\td"), "a\u{FFFD}b\u{FFFD}\nc\td");
    }
}
