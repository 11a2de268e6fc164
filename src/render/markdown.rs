//! The digest as Markdown: per article a heading, metadata, then source and
//! translation interleaved paragraph by paragraph (tables break on long
//! Korean paragraphs in most viewers; interleaved blocks read everywhere).

use super::Digest;

/// Keep source text from being read as Markdown structure.
fn quote(text: &str) -> String {
    text.lines()
        .map(|l| format!("> {}", l.replace('<', "&lt;")))
        .collect::<Vec<_>>()
        .join("\n")
}

pub(super) fn digest(d: &Digest) -> String {
    let mut out = format!(
        "# Bilingual digest — {}\n\n{} → {} · model `{}`\n",
        d.input, d.source_language, d.target_language, d.model
    );
    if let Some(b) = &d.brief {
        out.push_str(&format!(
            "\n## Executive brief\n\n{}\n",
            b.markdown.replace('<', "&lt;")
        ));
    }
    let mut section: Option<&str> = None;
    for a in &d.articles {
        if a.section.as_deref() != section {
            section = a.section.as_deref();
            if let Some(s) = section {
                out.push_str(&format!("\n## {s}\n"));
            }
        }
        let english = a
            .title_translation
            .as_deref()
            .unwrap_or("(title not translated)");
        out.push_str(&format!(
            "\n### {} · {}\n\n*{}*\n\n",
            a.id,
            english,
            a.title.replace('*', "\\*")
        ));
        let meta: Vec<String> = [
            a.category.as_ref().map(|c| format!("category: {c}")),
            a.source.as_ref().map(|s| format!("source: {s}")),
            a.date.as_ref().map(|s| format!("date: {s}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !meta.is_empty() {
            out.push_str(&format!("{}\n\n", meta.join(" · ")));
        }
        if let Some(summary) = &a.summary {
            out.push_str(&format!(
                "**Summary.** {}\n\n",
                summary.text.replace('<', "&lt;")
            ));
            for p in &summary.key_points {
                out.push_str(&format!("- {}\n", p.replace('<', "&lt;")));
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
                        t.replace('<', "&lt;"),
                        s.id,
                        why.join("; ").replace('<', "&lt;")
                    ));
                }
                Some(t) => out.push_str(&format!("{}\n\n", t.replace('<', "&lt;"))),
                None => out.push_str(&format!("⚠ *{} not translated ({})*\n\n", s.id, s.status)),
            }
        }
    }
    out
}

pub(super) fn brief(d: &Digest) -> String {
    let mut out = format!(
        "# Executive brief — {}\n\n{} → {} · model `{}`\n\n",
        d.input, d.source_language, d.target_language, d.model
    );
    if let Some(b) = &d.brief {
        out.push_str(&b.markdown.replace('<', "&lt;"));
        out.push('\n');
    }
    out.push_str("\n## Articles\n");
    for a in &d.articles {
        if let Some(s) = &a.summary {
            let title = a.title_translation.as_deref().unwrap_or(&a.title);
            out.push_str(&format!(
                "\n**[{}] {}** — {}\n",
                a.id,
                title.replace('<', "&lt;"),
                s.text.replace('<', "&lt;")
            ));
        }
    }
    out
}
