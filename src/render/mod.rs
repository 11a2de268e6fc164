//! Stage 7 — render: the digest as Markdown, HTML and JSON, from plain data.
//!
//! Renderers never see timestamps or run statistics, so the same inputs and
//! cache give byte-identical files; run facts go to `manifest.json`.

pub mod escape;
mod html;
pub mod index;
mod markdown;
mod translation;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::document::{ArticleKind, Issue};
use crate::error::{GlossError, Result};
use crate::outcome::TranslationMap;

pub use html::escape as escape_html;

/// One paragraph with its translation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DigestSegment {
    pub id: String,
    pub source: String,
    pub translation: Option<String>,
    /// `ok`, `flagged` (a quality check failed; see `flags`) or `failed` (no translation).
    pub status: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<crate::outcome::Flag>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub repaired: bool,
    /// What gloss rewrote in the model's answer (a figure proved mis-scaled).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed: Vec<String>,
    /// The translation is a reviewer's correction (`gloss import`), not the model's.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub human: bool,
}

/// One article of the digest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DigestArticle {
    pub id: String,
    pub kind: ArticleKind,
    pub section: Option<String>,
    pub title: String,
    pub title_translation: Option<String>,
    /// What the quality checks found in the title's translation: a title is
    /// a segment of its own, counted among the flagged like the others.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub title_flags: Vec<crate::outcome::Flag>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub category: Option<String>,
    pub source: Option<String>,
    pub date: Option<String>,
    /// The article's summary, when the summarize stage ran.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub summary: Option<crate::outcome::Summary>,
    pub segments: Vec<DigestSegment>,
}

/// The bilingual digest of an issue.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Digest {
    /// The input's name.
    pub input: String,
    pub source_language: String,
    pub target_language: String,
    pub model: String,
    /// The executive brief, when the brief stage ran.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub brief: Option<crate::outcome::Brief>,
    /// The sections' names in the target language (source name →
    /// translation), where known.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub section_translations: BTreeMap<String, String>,
    pub articles: Vec<DigestArticle>,
}

impl DigestArticle {
    /// The flags of each of the article's segments, its title first.
    pub fn flag_lists(&self) -> impl Iterator<Item = &[crate::outcome::Flag]> {
        std::iter::once(self.title_flags.as_slice())
            .chain(self.segments.iter().map(|s| s.flags.as_slice()))
    }

    /// One article with the translations found for it; split paragraphs
    /// (`A01.p03#1`, `#2`) are joined back, their flags too.
    pub fn build(a: &crate::document::Article, translations: &TranslationMap) -> Self {
        let lookup = |id: &str| -> Option<crate::outcome::Translated> {
            if let Some(t) = translations.get(id) {
                return Some(t.clone());
            }
            let mut parts: Vec<&crate::outcome::Translated> = Vec::new();
            for n in 1.. {
                match translations.get(&format!("{id}#{n}")) {
                    Some(t) => parts.push(t),
                    None => break,
                }
            }
            (!parts.is_empty()).then(|| crate::outcome::Translated {
                id: id.to_string(),
                text: parts
                    .iter()
                    .map(|t| t.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                flags: parts.iter().flat_map(|t| t.flags.clone()).collect(),
                repaired: parts.iter().any(|t| t.repaired),
                fixed: parts.iter().flat_map(|t| t.fixed.clone()).collect(),
            })
        };
        let segment = |id: &str, source: &str| {
            let found = lookup(id);
            let status = match &found {
                None => "failed",
                Some(t) if !t.flags.is_empty() => "flagged",
                Some(_) => "ok",
            };
            DigestSegment {
                id: id.to_string(),
                source: source.to_string(),
                status: status.to_string(),
                flags: found.as_ref().map(|t| t.flags.clone()).unwrap_or_default(),
                repaired: found.as_ref().is_some_and(|t| t.repaired),
                fixed: found.as_ref().map(|t| t.fixed.clone()).unwrap_or_default(),
                human: false,
                translation: found.map(|t| t.text),
            }
        };
        DigestArticle {
            id: a.id.clone(),
            kind: a.kind,
            section: a.section.clone(),
            title: a.title.clone(),
            title_flags: lookup(&a.title_segment_id())
                .map(|t| t.flags)
                .unwrap_or_default(),
            title_translation: lookup(&a.title_segment_id()).map(|t| t.text),
            category: a.category.clone(),
            source: a.source.clone(),
            date: a.date.clone(),
            summary: None,
            segments: a
                .paragraphs
                .iter()
                .map(|p| segment(&p.id, &p.text))
                .collect(),
        }
    }

    /// The English title where there is one, else the source title.
    pub fn display_title(&self) -> String {
        self.title_translation
            .clone()
            .unwrap_or_else(|| self.title.clone())
    }
}

impl Digest {
    /// Assemble from the parsed issue and the translations found.
    pub fn build(
        issue: &Issue,
        selected: &[String],
        translations: &TranslationMap,
        languages: (&str, &str),
        model: &str,
    ) -> Self {
        let articles = issue
            .articles
            .iter()
            .filter(|a| selected.contains(&a.id))
            .map(|a| DigestArticle::build(a, translations))
            .collect();
        Digest {
            input: issue.name.clone(),
            source_language: languages.0.to_string(),
            target_language: languages.1.to_string(),
            model: model.to_string(),
            brief: None,
            section_translations: BTreeMap::new(),
            articles,
        }
    }

    /// Segments without a translation.
    pub fn failed(&self) -> usize {
        self.articles
            .iter()
            .flat_map(|a| &a.segments)
            .filter(|s| s.translation.is_none())
            .count()
    }

    /// Mark the digest's segments whose translation (or a piece of it) is a
    /// human's (`human`: segment ids, `A01.p03` or `A01.p03#2`).
    pub fn mark_human(&mut self, human: &std::collections::BTreeSet<String>) {
        if human.is_empty() {
            return;
        }
        for s in self.articles.iter_mut().flat_map(|a| &mut a.segments) {
            let piece = format!("{}#", s.id);
            s.human = human.contains(&s.id)
                || human
                    .range(piece.clone()..)
                    .next()
                    .is_some_and(|h| h.starts_with(&piece));
        }
    }

    /// Segments with a translation that a quality check still flags.
    pub fn flagged(&self) -> usize {
        self.articles
            .iter()
            .flat_map(DigestArticle::flag_lists)
            .filter(|flags| !flags.is_empty())
            .count()
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Bilingual Markdown (`digest.md`, `brief.md`).
    Md,
    /// Bilingual HTML (`digest.html`, `brief.html`).
    Html,
    /// Machine-readable JSON (`digest.json`, `brief.json`).
    Json,
    /// The translation alone as Markdown (`translation.md`).
    TranslationMd,
    /// The translation alone as plain text (`translation.txt`).
    Txt,
}

/// Write the digest (`digest.md`, `.html`, `.json`) in `formats` to `dir`.
/// Returns the files written.
pub fn write_digest(digest: &Digest, dir: &Path, formats: &[Format]) -> Result<Vec<PathBuf>> {
    let (alone, bilingual): (Vec<Format>, Vec<Format>) =
        formats.iter().partition(|f| f.translation_only());
    let mut files = write_each(dir, "digest", &bilingual, |format| match format {
        Format::Md => markdown::digest(digest),
        Format::Html => html::digest(digest),
        _ => serde_json::to_string_pretty(digest).unwrap_or_default() + "\n",
    })?;
    files.extend(write_each(dir, "translation", &alone, |format| {
        translation::render(digest, format)
    })?);
    Ok(files)
}

/// Write the brief (`brief.md`, `.html`, `.json`: the brief and every summary).
pub fn write_brief(digest: &Digest, dir: &Path, formats: &[Format]) -> Result<Vec<PathBuf>> {
    // The translation-only formats have no brief counterpart.
    let formats: Vec<Format> = formats
        .iter()
        .copied()
        .filter(|f| !f.translation_only())
        .collect();
    write_each(dir, "brief", &formats, |format| match format {
        Format::Md => markdown::brief(digest),
        Format::Html => html::brief(digest),
        _ => {
            let summaries: Vec<serde_json::Value> = digest
                .articles
                .iter()
                .filter_map(|a| {
                    let s = a.summary.as_ref()?;
                    Some(serde_json::json!({
                        "id": a.id, "title": a.title, "title_translation": a.title_translation,
                        "section": a.section, "summary": s.text, "key_points": s.key_points,
                    }))
                })
                .collect();
            let value = serde_json::json!({
                "input": digest.input,
                "model": digest.model,
                "brief": digest.brief,
                "summaries": summaries,
            });
            serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
        }
    })
}

/// Render `NAME.<ext>` for each format into `dir`.
fn write_each(
    dir: &Path,
    name: &str,
    formats: &[Format],
    render: impl Fn(Format) -> String,
) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|source| GlossError::Output {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    for &format in formats {
        let ext = match format {
            Format::Md => "md",
            Format::Html => "html",
            Format::Json => "json",
            Format::TranslationMd => "md",
            Format::Txt => "txt",
        };
        let path = dir.join(format!("{name}.{ext}"));
        write_atomic(&path, render(format).as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

/// Write an output file atomically, its mode following the umask.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::atomic::write(path, bytes, crate::atomic::Access::Umask).map_err(|source| {
        GlossError::Output {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// Make a name derived from input safe to use as a file or folder name:
/// letters, digits, `-`, `_` and `.` only, no leading dot, at most 80 bytes.
pub fn sanitize_file_stem(stem: &str) -> String {
    let mut out: String = stem
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    while out.starts_with('.') {
        out.remove(0);
    }
    while out.len() > 80 {
        out.pop();
    }
    if out.is_empty() {
        "input".to_string()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_are_sanitized() {
        assert_eq!(sanitize_file_stem("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(sanitize_file_stem("..."), "input");
        assert_eq!(sanitize_file_stem("동향 워치 22"), "동향_워치_22");
        assert_eq!(sanitize_file_stem("a/b\\c:d"), "a_b_c_d");
    }
}
