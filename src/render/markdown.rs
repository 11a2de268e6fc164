//! The digest as Markdown: per article a heading, metadata, then source and
//! translation interleaved paragraph by paragraph (tables break on long
//! Korean paragraphs in most viewers; interleaved blocks read everywhere).
//!
//! Every interpolated field goes through [`super::escape`]: source text and
//! names as literal text, model answers as the safe Markdown subset.

use super::Digest;
use super::escape::{code, line, model_blocks, model_inline, text};

/// Source text as a block quote, one escaped line per line.
fn quote(source: &str) -> String {
    source
        .lines()
        .map(|l| format!("> {}", line(l)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The line under the title: languages and model.
fn header(d: &Digest) -> String {
    format!(
        "{} → {} · model {}\n",
        text(&d.source_language),
        text(&d.target_language),
        code(&d.model)
    )
}

pub(super) fn digest(d: &Digest) -> String {
    let mut out = format!("# Bilingual digest — {}\n\n{}", text(&d.input), header(d));
    if let Some(b) = &d.brief {
        // One level down: the brief's own sections sit under this heading.
        out.push_str(&format!(
            "\n## Executive brief\n\n{}",
            model_blocks(&b.markdown, 1)
        ));
    }
    let mut section: Option<&str> = None;
    for a in &d.articles {
        if a.section.as_deref() != section {
            section = a.section.as_deref();
            if let Some(s) = section {
                let heading = match d.section_translations.get(s) {
                    Some(english) if english != s => format!("{} ({})", text(english), text(s)),
                    _ => text(s),
                };
                out.push_str(&format!("\n## {heading}\n"));
            }
        }
        let english = a
            .title_translation
            .as_deref()
            .unwrap_or("(title not translated)");
        out.push_str(&format!(
            "\n### {} · {}\n\n*{}*\n\n",
            text(&a.id),
            text(english),
            text(&a.title)
        ));
        if !a.title_flags.is_empty() {
            let why: Vec<String> = a.title_flags.iter().map(|f| f.to_string()).collect();
            out.push_str(&format!(
                "⚠ *{}: {}*\n\n",
                text(&format!("{}.t", a.id)),
                text(&why.join("; "))
            ));
        }
        let meta: Vec<String> = [
            a.category
                .as_ref()
                .map(|c| format!("category: {}", text(c))),
            a.source.as_ref().map(|s| format!("source: {}", text(s))),
            a.date.as_ref().map(|s| format!("date: {}", text(s))),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !meta.is_empty() {
            out.push_str(&format!("{}\n\n", meta.join(" · ")));
        }
        if let Some(summary) = &a.summary {
            out.push_str(&format!("**Summary.** {}\n\n", model_inline(&summary.text)));
            for p in &summary.key_points {
                out.push_str(&format!("- {}\n", model_inline(p)));
            }
            if !summary.key_points.is_empty() {
                out.push('\n');
            }
        }
        for s in &a.segments {
            out.push_str(&format!("{}\n\n", quote(&s.source)));
            match &s.translation {
                Some(t) if !s.flags.is_empty() => {
                    let why: Vec<String> = s.flags.iter().map(|f| f.to_string()).collect();
                    out.push_str(&format!(
                        "{}\n\n⚠ *{}: {}*\n\n",
                        model_inline(t),
                        text(&s.id),
                        text(&why.join("; "))
                    ));
                }
                Some(t) => out.push_str(&format!("{}\n\n", model_inline(t))),
                None => out.push_str(&format!(
                    "⚠ *{} not translated ({})*\n\n",
                    text(&s.id),
                    text(&s.status)
                )),
            }
            if !s.fixed.is_empty() {
                out.push_str(&format!(
                    "✎ *{}: gloss rewrote {}*\n\n",
                    text(&s.id),
                    text(&s.fixed.join("; "))
                ));
            }
        }
    }
    out
}

pub(super) fn brief(d: &Digest) -> String {
    let mut out = format!("# Executive brief — {}\n\n{}\n", text(&d.input), header(d));
    if let Some(b) = &d.brief {
        out.push_str(&model_blocks(&b.markdown, 0));
    }
    out.push_str("\n## Articles\n");
    for a in &d.articles {
        if let Some(s) = &a.summary {
            let title = a.title_translation.as_deref().unwrap_or(&a.title);
            out.push_str(&format!(
                "\n**[{}] {}** — {}\n",
                text(&a.id),
                text(title),
                model_inline(&s.text)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A known section translation heads its section, with the original
    /// beside it, escaped like every other field.
    #[test]
    fn sections_are_headed_in_the_target_language() {
        let raw = r#"{"input":"i","source_language":"Korean","target_language":"English","model":"m",
            "articles":[{"id":"A01","kind":"article","section":"경제","title":"t","title_translation":null,
            "source":null,"date":null,"segments":[]},{"id":"A02","kind":"article","section":"기술",
            "title":"u","title_translation":null,"source":null,"date":null,"segments":[]}]}"#;
        let mut d: Digest = serde_json::from_str(raw).expect("digest");
        d.section_translations
            .insert("경제".into(), "Economy *now*".into());
        let out = digest(&d);
        let headings: Vec<&str> = out.lines().filter(|l| l.starts_with("## ")).collect();
        assert_eq!(headings.len(), 2, "{out}");
        assert!(headings[0].contains("Economy") && headings[0].contains("(경제)"));
        assert!(
            !headings[0].contains("*now*"),
            "model text unescaped: {}",
            headings[0]
        );
        assert_eq!(headings[1], "## 기술");
    }
}
