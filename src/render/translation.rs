//! The translation alone, without the source: Markdown (`translation.md`)
//! or plain text (`translation.txt`), for readers who want only English.
//! A paragraph with no translation is marked, never silently dropped.

use super::escape::{code, line, text as inline};
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

fn markdown(d: &Digest) -> String {
    // Titles, translations and names are untrusted: all shown literally.
    let mut out = format!(
        "# {} — {} translation\n\n*Translated from {} by {}.*\n",
        inline(&d.input),
        inline(&d.target_language),
        inline(&d.source_language),
        code(&d.model)
    );
    let mut section: Option<&str> = None;
    for a in &d.articles {
        if a.section.as_deref() != section {
            section = a.section.as_deref();
            if let Some(s) = section {
                out.push_str(&format!("\n## {}\n", inline(s)));
            }
        }
        let title = a.title_translation.as_deref().unwrap_or(&a.title);
        out.push_str(&format!("\n### {}\n\n", inline(title)));
        let meta: Vec<&str> = [a.source.as_deref(), a.date.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        if !meta.is_empty() {
            out.push_str(&format!("*{}*\n\n", inline(&meta.join(" · "))));
        }
        for s in &a.segments {
            match &s.translation {
                Some(t) => out.push_str(&format!("{}\n\n", line(t))),
                None => out.push_str(&format!("⚠ *{} not translated*\n\n", inline(&s.id))),
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
            fixed: Vec::new(),
            human: false,
        };
        Digest {
            input: "issue".into(),
            source_language: "Korean".into(),
            target_language: "English".into(),
            model: "m".into(),
            brief: None,
            section_translations: Default::default(),
            articles: vec![DigestArticle {
                id: "A01".into(),
                kind: ArticleKind::Article,
                section: Some("경제".into()),
                title: "제목".into(),
                title_translation: Some("Title <b>".into()),
                title_flags: Vec::new(),
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

    /// Hostile model text stays text: no HTML, no link, no image, and the
    /// only headings are the document's own (one h1, a section, a title).
    #[test]
    fn markdown_keeps_model_text_literal() {
        use pulldown_cmark::{Event, Parser, Tag};
        let mut d = digest();
        d.articles[0].segments[0].translation =
            Some("# Big <script>x</script> [a](javascript:alert(1)) ![i](http://e/p.png)".into());
        d.articles[0].segments[1].translation = Some("- 1. > quoted | cell |".into());
        let out = render(&d, Format::TranslationMd);
        let mut headings = 0;
        for event in Parser::new(&out) {
            match event {
                Event::Html(h) | Event::InlineHtml(h) => panic!("raw HTML {h}: {out}"),
                Event::Start(Tag::Link { .. } | Tag::Image { .. }) => panic!("link: {out}"),
                Event::Start(Tag::List(_) | Tag::BlockQuote(_)) => panic!("block: {out}"),
                Event::Start(Tag::Heading { .. }) => headings += 1,
                _ => {}
            }
        }
        assert_eq!(headings, 3, "{out}");
    }
}
