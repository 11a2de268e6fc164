//! The translation alone, without the source: Markdown (`translation.md`)
//! or plain text (`translation.txt`), for readers who want only English.
//! A paragraph with no translation is marked, never silently dropped.

use super::{Digest, Format};

impl Format {
    /// Formats that hold only the translation (no source, no brief).
    pub fn translation_only(self) -> bool {
        matches!(self, Format::TranslationMd | Format::Txt)
    }
}

/// Render the translation-only document in `format` (`translation-md` or `txt`).
pub(super) fn render(d: &Digest, format: Format) -> String {
    match format {
        Format::Txt => text(d),
        _ => markdown(d),
    }
}

/// Model text must not become Markdown structure or raw HTML.
fn md_escape(text: &str) -> String {
    text.replace('<', "&lt;")
}

fn markdown(d: &Digest) -> String {
    let mut out = format!(
        "# {} — {} translation\n\n*Translated from {} by `{}`.*\n",
        md_escape(&d.input),
        d.target_language,
        d.source_language,
        d.model.replace('`', "'")
    );
    let mut section: Option<&str> = None;
    for a in &d.articles {
        if a.section.as_deref() != section {
            section = a.section.as_deref();
            if let Some(s) = section {
                out.push_str(&format!("\n## {}\n", md_escape(s)));
            }
        }
        let title = a.title_translation.as_deref().unwrap_or(&a.title);
        out.push_str(&format!("\n### {}\n\n", md_escape(title)));
        let meta: Vec<&str> = [a.source.as_deref(), a.date.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        if !meta.is_empty() {
            out.push_str(&format!("*{}*\n\n", md_escape(&meta.join(" · "))));
        }
        for s in &a.segments {
            match &s.translation {
                Some(t) => out.push_str(&format!("{}\n\n", md_escape(t))),
                None => out.push_str(&format!("⚠ *{} not translated*\n\n", s.id)),
            }
        }
    }
    out.truncate(out.trim_end().len());
    out + "\n"
}

fn text(d: &Digest) -> String {
    let heading = format!("{} — {} translation", d.input, d.target_language);
    let mut out = format!(
        "{heading}\n{}\n",
        "=".repeat(crate::document::display_width(&heading))
    );
    let mut section: Option<&str> = None;
    for a in &d.articles {
        if a.section.as_deref() != section {
            section = a.section.as_deref();
            if let Some(s) = section {
                out.push_str(&format!("\n\n{}\n", s.to_uppercase()));
            }
        }
        let title = a.title_translation.as_deref().unwrap_or(&a.title);
        out.push_str(&format!(
            "\n{title}\n{}\n\n",
            "-".repeat(crate::document::display_width(title))
        ));
        for s in &a.segments {
            match &s.translation {
                Some(t) => out.push_str(&format!("{t}\n\n")),
                None => out.push_str(&format!("[{} not translated]\n\n", s.id)),
            }
        }
    }
    out.truncate(out.trim_end().len());
    out + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::ArticleKind;
    use crate::render::{DigestArticle, DigestSegment};

    fn digest() -> Digest {
        let seg = |id: &str, source: &str, t: Option<&str>| DigestSegment {
            id: id.into(),
            source: source.into(),
            translation: t.map(str::to_string),
            status: if t.is_some() { "ok" } else { "failed" }.into(),
            flags: vec![],
            repaired: false,
        };
        Digest {
            input: "issue".into(),
            source_language: "Korean".into(),
            target_language: "English".into(),
            model: "m".into(),
            brief: None,
            articles: vec![DigestArticle {
                id: "A01".into(),
                kind: ArticleKind::Article,
                section: Some("경제".into()),
                title: "제목".into(),
                title_translation: Some("Title <b>".into()),
                category: None,
                source: Some("신문".into()),
                date: None,
                summary: None,
                segments: vec![
                    seg("A01.p01", "첫 문단", Some("First paragraph.")),
                    seg("A01.p02", "둘째 문단", None),
                ],
            }],
        }
    }

    /// Every translated paragraph appears; no source paragraph does; the
    /// untranslated one is marked by id in both formats.
    #[test]
    fn only_translations_with_gaps_marked() {
        let d = digest();
        for format in [Format::TranslationMd, Format::Txt] {
            let out = render(&d, format);
            for s in d.articles.iter().flat_map(|a| &a.segments) {
                match &s.translation {
                    Some(t) => assert!(out.contains(t.as_str()), "{format:?}: {out}"),
                    None => assert!(out.contains(&s.id), "{format:?}: {out}"),
                }
                assert!(!out.contains(&s.source), "{format:?} leaks source: {out}");
            }
        }
    }

    #[test]
    fn markdown_escapes_model_html() {
        let out = render(&digest(), Format::TranslationMd);
        assert!(!out.contains("<b>"), "{out}");
        assert!(out.contains("&lt;b>"), "{out}");
    }
}
