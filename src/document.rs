//! The plain data that flows between the stages: an [`Issue`] made of
//! [`Article`]s made of [`Paragraph`]s, plus the lines the parser dropped.

use serde::{Deserialize, Serialize};

/// The title the parsers give front matter that has no heading of its own:
/// a label in English, not text of the issue.
pub const FRONT_MATTER: &str = "Front matter";

/// What an article-like item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArticleKind {
    /// Front matter, such as the summary table at the start of an issue.
    Front,
    /// A full article.
    Article,
    /// A short item of a clipping table (a technology note with category and source).
    Clipping,
}

/// How the parser found where an article starts: shown by `gloss parse`, so
/// a reader can tell a contents-page match from a guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StartRule {
    /// Not recorded (JSON written before the field existed).
    #[default]
    Unknown,
    /// Everything before the first article: cover, contents, summary box.
    FrontMatter,
    /// An entry of the PDF's outline (bookmarks) found in the body.
    Outline,
    /// An entry of the issue's contents page (or summary box) found in the body.
    Contents,
    /// A heading set in a larger font than the body text (PDF).
    HeadingFont,
    /// A short line that opens a page (text without a layout).
    PageOpener,
    /// A numbered heading of the document's top-level numbering scheme.
    Numbering,
    /// A Markdown or underlined heading.
    Heading,
    /// A `제목 (출처, 11.6)` title line of a titled newsletter.
    TitleLine,
    /// An entry of a titled newsletter's clipping table.
    ClippingTable,
    /// References, glossaries and notes after the last article.
    BackMatter,
    /// No structure found: the whole document is one article.
    WholeDocument,
    /// A contents entry that a model placed (`--model-structure`), its
    /// answer checked.
    Model,
}

impl StartRule {
    /// The short name `gloss parse` shows (the JSON spelling).
    pub fn label(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::FrontMatter => "front-matter",
            Self::Outline => "outline",
            Self::Contents => "contents",
            Self::HeadingFont => "heading-font",
            Self::PageOpener => "page-opener",
            Self::Numbering => "numbering",
            Self::Heading => "heading",
            Self::TitleLine => "title-line",
            Self::ClippingTable => "clipping-table",
            Self::BackMatter => "back-matter",
            Self::WholeDocument => "whole-document",
            Self::Model => "model",
        }
    }
}

/// One paragraph (or list item, table row, caption) of an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paragraph {
    /// Stable id, `A03.p07`; translations are aligned back by it.
    pub id: String,
    /// The text, with PDF line breaks re-joined.
    pub text: String,
    /// The 1-based input lines it was built from.
    pub lines: Vec<usize>,
}

/// One article of an issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    /// `F01` for front matter, `A01`… for articles, `C01`… for clippings.
    pub id: String,
    pub kind: ArticleKind,
    /// The section the article stands in, when the document has sections.
    pub section: Option<String>,
    /// The title in the source language.
    pub title: String,
    /// A clipping's category, such as `AI` or `배터리`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub category: Option<String>,
    /// The publisher the article reports on (`OECD`, `日 MURC`).
    pub source: Option<String>,
    /// The date as printed (`11.6`, `11月`).
    pub date: Option<String>,
    /// The 1-based `[first, last]` input line ranges the article came from.
    pub lines: Vec<[usize; 2]>,
    /// How its start was found.
    #[serde(default)]
    pub start: StartRule,
    /// The 1-based first and last page it stands on (empty when unknown).
    #[serde(default)]
    pub pages: Vec<u32>,
    pub paragraphs: Vec<Paragraph>,
}

#[cfg(test)]
impl Article {
    /// A plain article (kind `Article`, no source, date or lines) for tests.
    pub(crate) fn stub(
        id: &str,
        title: &str,
        section: Option<&str>,
        paragraphs: Vec<Paragraph>,
    ) -> Article {
        Article {
            id: id.into(),
            kind: ArticleKind::Article,
            section: section.map(str::to_string),
            title: title.into(),
            category: None,
            source: None,
            date: None,
            lines: vec![],
            start: Default::default(),
            pages: vec![],
            paragraphs,
        }
    }
}

impl Article {
    /// The id of the segment that carries the title.
    pub fn title_segment_id(&self) -> String {
        format!("{}.t", self.id)
    }

    /// All text of the article (title and paragraphs), for hashing and counting.
    pub fn full_text(&self) -> String {
        let mut out = self.title.clone();
        for p in &self.paragraphs {
            out.push('\n');
            out.push_str(&p.text);
        }
        out
    }
}

/// A non-blank input line that the parser removed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DroppedLine {
    /// 1-based input line number.
    pub line: usize,
    pub text: String,
    pub reason: String,
}

/// A parsed issue: every non-blank input line belongs to exactly one article
/// or to `dropped`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Issue {
    /// The input's display name.
    pub name: String,
    pub articles: Vec<Article>,
    pub dropped: Vec<DroppedLine>,
    /// Things a reader should know: cross-check mismatches, fallbacks taken.
    pub warnings: Vec<String>,
    /// The issue's contents list checked against the articles found, when
    /// the issue has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contents: Option<ContentsCheck>,
}

/// The issue's own contents list and which of its entries head an article:
/// the user's check on the parse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentsCheck {
    /// The article-level entries, in the list's order.
    pub entries: Vec<ContentsEntry>,
    /// How many of them head an article.
    pub found: usize,
}

impl ContentsCheck {
    /// The share of entries found, in percent (100 for an empty list).
    pub fn percent(&self) -> usize {
        (self.found * 100)
            .checked_div(self.entries.len())
            .unwrap_or(100)
    }

    /// Whether few enough entries were found that the parse likely missed
    /// articles (below 80 %).
    pub fn is_low(&self) -> bool {
        self.percent() < 80
    }

    /// One line for the user: `contents: 21 entries, 21 found`, with the
    /// first entries not found when the check is low.
    pub fn summary(&self) -> String {
        let mut line = format!(
            "contents: {} entries, {} found",
            self.entries.len(),
            self.found
        );
        if self.is_low() {
            let missing: Vec<String> = self
                .entries
                .iter()
                .filter(|e| !e.found)
                .take(3)
                .map(|e| format!("\"{}\"", e.title))
                .collect();
            line += &format!(
                " ({}%): the parse may have missed articles; not found: {}{}",
                self.percent(),
                missing.join(", "),
                if self.entries.len() - self.found > 3 {
                    ", …"
                } else {
                    ""
                }
            );
        }
        line
    }
}

/// One entry of the contents list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentsEntry {
    /// The title as the list prints it.
    pub title: String,
    /// The printed page number, when the list gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// The category the list puts it under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// Whether an article starts with it.
    pub found: bool,
}

impl Issue {
    /// Find an article by id.
    pub fn article(&self, id: &str) -> Option<&Article> {
        self.articles.iter().find(|a| a.id == id)
    }
}

/// Width of text in terminal columns (Hangul and Han count two).
pub fn display_width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// Turn a sorted list of 1-based line numbers into `[first, last]` ranges;
/// a range runs on across lines that are blank (`is_blank(n)`), so an article
/// laid out with blank lines between its lines is still one range.
pub fn line_ranges(lines: &[usize], is_blank: impl Fn(usize) -> bool) -> Vec<[usize; 2]> {
    let mut ranges: Vec<[usize; 2]> = Vec::new();
    for &n in lines {
        match ranges.last_mut() {
            Some(r) if (r[1] + 1..n).all(&is_blank) => r[1] = n,
            _ => ranges.push([n, n]),
        }
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn articles_written_before_start_and_pages_still_read() {
        let old = r#"{"id":"A01","kind":"article","section":null,"title":"T","source":null,
            "date":null,"lines":[[1,2]],"paragraphs":[]}"#;
        let a: Article = serde_json::from_str(old).expect("old JSON reads");
        assert_eq!((a.start, a.pages.len()), (StartRule::Unknown, 0));
        let mut b = a.clone();
        b.start = StartRule::Contents;
        b.pages = vec![3, 5];
        let json = serde_json::to_value(&b).expect("serializes");
        assert_eq!(json["start"], "contents");
        assert_eq!(json["pages"], serde_json::json!([3, 5]));
    }

    #[test]
    fn start_labels_are_the_json_spelling() {
        // Multi-word names are the ones that could drift apart.
        for rule in [
            StartRule::FrontMatter,
            StartRule::HeadingFont,
            StartRule::PageOpener,
            StartRule::WholeDocument,
            StartRule::Model,
        ] {
            assert_eq!(serde_json::to_value(rule).ok(), Some(rule.label().into()));
        }
    }
}
