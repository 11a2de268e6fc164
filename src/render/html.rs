//! The digest as one self-contained HTML page: two columns, printable, every
//! piece of text escaped (source and model output alike are untrusted).

use super::Digest;

/// Escape text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,'Noto Sans KR',sans-serif;max-width:1200px;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#222}
h1{font-size:1.5rem}h2{margin-top:2rem;border-bottom:2px solid #444}h3{margin-bottom:.2rem}
.meta{color:#666;font-size:.9rem;margin:0 0 .6rem}
.row{display:grid;grid-template-columns:1fr 1fr;gap:1.5rem;padding:.35rem 0;border-top:1px solid #eee}
.src{color:#444}.summary{background:#f5f7fa;padding:.5rem .8rem;margin:.4rem 0}
.brief table{border-collapse:collapse}.brief td,.brief th{border:1px solid #ccc;padding:.2rem .5rem}.missing{color:#a40}
article{break-inside:auto;margin-bottom:1.5rem}.row{break-inside:avoid}
@media print{body{margin:0;max-width:none;font-size:10pt}}";

pub(super) fn digest(d: &Digest) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Digest — {}</title><style>{STYLE}</style></head><body>\n<h1>Bilingual digest — {}</h1>\n<p class=\"meta\">{} → {} · model {}</p>\n",
        escape(&d.input),
        escape(&d.input),
        escape(&d.source_language),
        escape(&d.target_language),
        escape(&d.model)
    );
    if let Some(b) = &d.brief {
        out.push_str(&format!(
            "<section class=\"brief\"><h2>Executive brief</h2>\n{}</section>\n",
            markdown_to_html(&b.markdown)
        ));
    }
    let mut section: Option<&str> = None;
    for a in &d.articles {
        if a.section.as_deref() != section {
            section = a.section.as_deref();
            if let Some(s) = section {
                out.push_str(&format!("<h2>{}</h2>\n", escape(s)));
            }
        }
        out.push_str(&format!(
            "<article id=\"{}\"><h3>{} · {}</h3>\n<p class=\"meta\">{}",
            escape(&a.id),
            escape(&a.id),
            escape(
                a.title_translation
                    .as_deref()
                    .unwrap_or("(title not translated)")
            ),
            escape(&a.title)
        ));
        for (label, value) in [
            ("category", &a.category),
            ("source", &a.source),
            ("date", &a.date),
        ] {
            if let Some(v) = value {
                out.push_str(&format!(" · {label}: {}", escape(v)));
            }
        }
        out.push_str("</p>\n");
        if let Some(summary) = &a.summary {
            out.push_str(&format!(
                "<div class=\"summary\"><b>Summary.</b> {}",
                escape(&summary.text)
            ));
            if !summary.key_points.is_empty() {
                out.push_str("<ul>");
                for p in &summary.key_points {
                    out.push_str(&format!("<li>{}</li>", escape(p)));
                }
                out.push_str("</ul>");
            }
            out.push_str("</div>\n");
        }
        for s in &a.segments {
            let right = match &s.translation {
                Some(t) if !s.flags.is_empty() => {
                    let why: Vec<String> = s.flags.iter().map(|f| f.to_string()).collect();
                    format!(
                        "<div>{}<div class=\"missing\">⚠ {}</div></div>",
                        escape(t),
                        escape(&why.join("; "))
                    )
                }
                Some(t) => format!("<div>{}</div>", escape(t)),
                None => format!(
                    "<div class=\"missing\">⚠ not translated ({})</div>",
                    escape(&s.status)
                ),
            };
            out.push_str(&format!(
                "<div class=\"row\" id=\"{}\"><div class=\"src\" lang=\"{}\">{}</div>{right}</div>\n",
                escape(&s.id),
                if d.source_language == "Korean" { "ko" } else { "und" },
                escape(&s.source)
            ));
        }
        out.push_str("</article>\n");
    }
    out.push_str("</body></html>\n");
    out
}

/// Model-written Markdown to HTML; raw HTML in it is shown as text, never run.
pub fn markdown_to_html(markdown: &str) -> String {
    use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};
    // Only plain web links survive: `javascript:` and the like would run on click.
    let safe = |url: &str| {
        let url = url.trim_start().to_ascii_lowercase();
        url.starts_with("https://") || url.starts_with("http://") || url.starts_with('#')
    };
    // Images become their alt text: a self-contained page fetches nothing a
    // model chose.
    let events = Parser::new_ext(markdown, Options::ENABLE_TABLES).filter_map(|e| match e {
        Event::Html(t) | Event::InlineHtml(t) => Some(Event::Text(t)),
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) if !safe(&dest_url) => Some(Event::Start(Tag::Link {
            link_type,
            dest_url: CowStr::Borrowed("#"),
            title,
            id,
        })),
        other => Some(other),
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

const BRIEF_STYLE: &str = "body{font-family:system-ui,'Noto Sans KR',sans-serif;max-width:800px;margin:1.5rem auto;padding:0 1rem;line-height:1.4;color:#222;font-size:11pt}
h1{font-size:1.35rem;margin:.2rem 0}h2{font-size:1.05rem;margin:.9rem 0 .3rem;border-bottom:1px solid #999}
ul{margin:.2rem 0;padding-left:1.2rem}li{margin:.1rem 0}.meta{color:#666;font-size:.85em}
table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #bbb;padding:.15rem .4rem;text-align:left}
@page{size:A4;margin:14mm}@media print{body{margin:0;max-width:none;font-size:9.5pt}}";

pub(super) fn brief(d: &Digest) -> String {
    let body = d
        .brief
        .as_ref()
        .map(|b| markdown_to_html(&b.markdown))
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Executive brief — {}</title><style>{BRIEF_STYLE}</style></head><body>\n<h1>Executive brief — {}</h1>\n<p class=\"meta\">{} → {} · model {}</p>\n{body}</body></html>\n",
        escape(&d.input),
        escape(&d.input),
        escape(&d.source_language),
        escape(&d.target_language),
        escape(&d.model)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_become_their_alt_text() {
        let h = markdown_to_html("![tracking pixel](https://evil.example/p.png) text");
        assert!(!h.contains("<img"), "{h}");
        assert!(h.contains("tracking pixel"), "{h}");
    }

    #[test]
    fn model_html_is_shown_not_run() {
        let h = markdown_to_html("## Headlines\n- a <script>alert(1)</script> [A01]\n");
        assert!(!h.contains("<script>"), "{h}");
        assert!(h.contains("&lt;script&gt;"));
    }

    #[test]
    fn script_links_are_defused() {
        let h = markdown_to_html(
            "[a](javascript:alert(1)) [b](JavaScript:x) ![c](data:x) [d](https://e.org)",
        );
        assert!(
            !h.to_lowercase().contains("javascript:") && !h.contains("data:"),
            "{h}"
        );
        assert!(h.contains("href=\"https://e.org\""), "{h}");
    }

    #[test]
    fn escapes_everything() {
        assert_eq!(
            escape("<script>\"a\"&'b'</script>"),
            "&lt;script&gt;&quot;a&quot;&amp;&#39;b&#39;&lt;/script&gt;"
        );
    }
}
