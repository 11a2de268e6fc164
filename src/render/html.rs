//! The digest and the brief as self-contained HTML pages: a contents list,
//! two columns under language headers (one on narrow screens), citations
//! linked to their articles, compact print styles. Every piece of text is
//! escaped (source and model output alike are untrusted).

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;

use super::{Digest, DigestArticle};

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

/// The BCP 47 tag for a language name, so browsers pick the right fonts and
/// line breaking; `und` when unknown.
fn lang_tag(language: &str) -> &'static str {
    match language.to_ascii_lowercase().as_str() {
        "korean" => "ko",
        "japanese" => "ja",
        "chinese" => "zh",
        "english" => "en",
        _ => "und",
    }
}

/// The English title of an article, or a note that it has none.
fn english_title(a: &DigestArticle) -> &str {
    a.title_translation
        .as_deref()
        .unwrap_or("(title not translated)")
}

/// A section's heading text: its English name (from the digest's section
/// translations) with the original beside it, or the original alone.
fn section_heading(d: &Digest, section: &str) -> String {
    match d.section_translations.get(section) {
        Some(english) if english != section => format!(
            "{} <span class=\"orig\" lang=\"{}\">{}</span>",
            escape(english),
            lang_tag(&d.source_language),
            escape(section)
        ),
        _ => escape(section),
    }
}

/// The articles grouped by their run of sections, in document order: a
/// section name (or none) and the articles under it.
fn by_section(d: &Digest) -> Vec<(Option<&str>, Vec<&DigestArticle>)> {
    let mut groups: Vec<(Option<&str>, Vec<&DigestArticle>)> = Vec::new();
    for a in &d.articles {
        match groups.last_mut() {
            Some((section, list)) if *section == a.section.as_deref() => list.push(a),
            _ => groups.push((a.section.as_deref(), vec![a])),
        }
    }
    groups
}

const STYLE: &str = "*{box-sizing:border-box}
body{font-family:system-ui,'Noto Sans KR','Noto Sans CJK KR',sans-serif;max-width:1200px;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#222}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:2px solid #444}h3{margin-bottom:.2rem}
a{color:#0b57a4}.orig{color:#666;font-weight:normal;font-size:.8em;margin-left:.4em}
.meta{color:#666;font-size:.9rem;margin:0 0 .6rem}
.toc{background:#f7f7f7;padding:.4rem 1rem;margin:1rem 0}.toc h2{margin-top:.4rem;border:0;font-size:1.1rem}
.toc ol{margin:.2rem 0;padding-left:1.2rem}.toc li{margin:.1rem 0}.toc .sec{margin-top:.4rem;break-inside:avoid}.toc .sec>a{font-weight:600}
.row{display:grid;grid-template-columns:1fr 1fr;gap:1.5rem;padding:.35rem 0;border-top:1px solid #eee}
.row.head{font-size:.8rem;font-weight:600;color:#555;text-transform:uppercase;letter-spacing:.04em;position:sticky;top:0;background:#fff;border-top:0;border-bottom:1px solid #aaa}
.src{color:#444}.summary{background:#f5f7fa;padding:.5rem .8rem;margin:.4rem 0}
.brief table{border-collapse:collapse}.brief td,.brief th{border:1px solid #ccc;padding:.2rem .5rem}.missing{color:#a40}.reviewed{color:#063;font-size:.85em}
article{margin-bottom:1.5rem}.row{break-inside:avoid}h2,h3{break-after:avoid}
@media (min-width:900px){.toc>ol{columns:2;column-gap:2rem}}
@media (max-width:700px){body{margin:1rem auto;padding:0 .6rem}.row{grid-template-columns:1fr;gap:.2rem}.row.head{display:none}.src{border-left:3px solid #ccd;padding-left:.5rem}table{display:block;overflow-x:auto}}
@page{size:A4;margin:12mm}
@media print{body{margin:0;max-width:none;font-size:8.5pt;line-height:1.3}h1{font-size:13pt}h2{font-size:11pt;margin-top:.8rem}h3{font-size:9.5pt;margin-top:.5rem}
.toc{background:none;padding:0;columns:2;font-size:7.5pt}.toc h2{column-span:all}.row{gap:.8rem;padding:.15rem 0}.row.head{position:static}
.summary{padding:.2rem .4rem}article{margin-bottom:.6rem}a{color:inherit;text-decoration:none}}";

pub(super) fn digest(d: &Digest) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Digest — {}</title><style>{STYLE}</style></head><body>\n<h1>Bilingual digest — {}</h1>\n<p class=\"meta\">{} → {} · model {}</p>\n",
        escape(&d.input),
        escape(&d.input),
        escape(&d.source_language),
        escape(&d.target_language),
        escape(&d.model)
    );
    let groups = by_section(d);
    out.push_str(&contents(d, &groups));
    let known: BTreeSet<&str> = d.articles.iter().map(|a| a.id.as_str()).collect();
    if let Some(b) = &d.brief {
        out.push_str(&format!(
            "<section class=\"brief\" id=\"brief\"><h2>Executive brief</h2>\n{}</section>\n",
            cited_markdown_to_html(&b.markdown, &known, 1)
        ));
    }
    let source_lang = lang_tag(&d.source_language);
    for (n, (section, articles)) in groups.iter().enumerate() {
        if let Some(s) = section {
            out.push_str(&format!(
                "<h2 id=\"section-{}\">{}</h2>\n",
                n + 1,
                section_heading(d, s)
            ));
        }
        for a in articles {
            article(&mut out, d, a, source_lang);
        }
    }
    out.push_str("</body></html>\n");
    out
}

/// The contents list: the brief, then every article under its section.
fn contents(d: &Digest, groups: &[(Option<&str>, Vec<&DigestArticle>)]) -> String {
    let mut out =
        String::from("<nav class=\"toc\" aria-label=\"Contents\"><h2>Contents</h2>\n<ol>\n");
    if d.brief.is_some() {
        out.push_str("<li><a href=\"#brief\">Executive brief</a></li>\n");
    }
    let item = |a: &DigestArticle| {
        format!(
            "<li><a href=\"#{}\">{} · {}</a></li>\n",
            escape(&a.id),
            escape(&a.id),
            escape(english_title(a))
        )
    };
    for (n, (section, articles)) in groups.iter().enumerate() {
        match section {
            Some(s) => {
                out.push_str(&format!(
                    "<li class=\"sec\"><a href=\"#section-{}\">{}</a>\n<ol>\n",
                    n + 1,
                    section_heading(d, s)
                ));
                for a in articles {
                    out.push_str(&item(a));
                }
                out.push_str("</ol></li>\n");
            }
            None => {
                for a in articles {
                    out.push_str(&item(a));
                }
            }
        }
    }
    out.push_str("</ol></nav>\n");
    out
}

/// One article: heading, metadata, summary, then source and translation
/// side by side under their language headers.
fn article(out: &mut String, d: &Digest, a: &DigestArticle, source_lang: &str) {
    out.push_str(&format!(
        "<article id=\"{}\"><h3>{} · {}</h3>\n<p class=\"meta\"><span lang=\"{source_lang}\">{}</span>",
        escape(&a.id),
        escape(&a.id),
        escape(english_title(a)),
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
    if !a.title_flags.is_empty() {
        let why: Vec<String> = a.title_flags.iter().map(|f| f.to_string()).collect();
        out.push_str(&format!(
            "<div class=\"missing\">⚠ {}: {}</div>\n",
            escape(&format!("{}.t", a.id)),
            escape(&why.join("; "))
        ));
    }
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
    if !a.segments.is_empty() {
        out.push_str(&format!(
            "<div class=\"row head\"><div>{}</div><div>{}</div></div>\n",
            escape(&d.source_language),
            escape(&d.target_language)
        ));
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
            Some(t) if s.human => format!(
                "<div class=\"human\">{}<div class=\"reviewed\">✎ corrected or approved by a reviewer</div></div>",
                escape(t)
            ),
            Some(t) => format!("<div>{}</div>", escape(t)),
            None => format!(
                "<div class=\"missing\">⚠ not translated ({})</div>",
                escape(&s.status)
            ),
        };
        // A rewrite by gloss shows under the answer, inside its cell.
        let right = match right.strip_suffix("</div>") {
            Some(open) if !s.fixed.is_empty() => format!(
                "{open}<div class=\"reviewed\">✎ gloss rewrote {}</div></div>",
                escape(&s.fixed.join("; "))
            ),
            _ => right,
        };
        out.push_str(&format!(
            "<div class=\"row\" id=\"{}\"><div class=\"src\" lang=\"{source_lang}\">{}</div>{right}</div>\n",
            escape(&s.id),
            escape(&s.source)
        ));
    }
    out.push_str("</article>\n");
}

/// A citation as the brief writes it after its check: one id in brackets.
static CITATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[([A-Z]\d{2,3})\]").expect("static regex"));

/// Model-written Markdown to HTML; raw HTML in it is shown as text, never
/// run. Every citation of a `known` article id (`[A03]`) becomes a link to
/// that article's anchor on the same page.
/// Headings move down `shift` levels and never above level `2 + shift`, so
/// a model's `#` cannot outrank the page's own headings.
fn cited_markdown_to_html(markdown: &str, known: &BTreeSet<&str>, shift: usize) -> String {
    use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};
    let level = |l: HeadingLevel| {
        HeadingLevel::try_from((l as usize + shift).clamp(2 + shift, 6)).unwrap_or(HeadingLevel::H6)
    };
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
        Event::Start(Tag::Heading {
            level: l,
            id,
            classes,
            attrs,
        }) => Some(Event::Start(Tag::Heading {
            level: level(l),
            id,
            classes,
            attrs,
        })),
        Event::End(TagEnd::Heading(l)) => Some(Event::End(TagEnd::Heading(level(l)))),
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
    // The parser splits text at brackets (they could open a link), so runs
    // of text are joined before citations are looked for. Text inside a
    // link stays as it is: links do not nest.
    let mut joined: Vec<Event<'_>> = Vec::new();
    for e in events {
        match (joined.last_mut(), e) {
            (Some(Event::Text(prev)), Event::Text(t)) => {
                *prev = CowStr::from(format!("{prev}{t}"));
            }
            (_, e) => joined.push(e),
        }
    }
    let mut in_link = 0usize;
    let mut linked: Vec<Event<'_>> = Vec::with_capacity(joined.len());
    for e in joined {
        match e {
            Event::Start(Tag::Link { .. }) => {
                in_link += 1;
                linked.push(e);
            }
            Event::End(TagEnd::Link) => {
                in_link = in_link.saturating_sub(1);
                linked.push(e);
            }
            Event::Text(t) if in_link == 0 && !known.is_empty() => {
                linked.extend(link_citations(&t, known));
            }
            other => linked.push(other),
        }
    }
    let mut out = String::new();
    html::push_html(&mut out, linked.into_iter());
    out
}

/// Model-written Markdown as safe HTML (see [`cited_markdown_to_html`]),
/// no citation linked; headings moved down `shift` levels.
pub(super) fn safe_markdown(markdown: &str, shift: usize) -> String {
    cited_markdown_to_html(markdown, &BTreeSet::new(), shift)
}

/// Text with each `[ID]` of a known article as a link to `#ID`; everything
/// else stays text (escaped when rendered).
fn link_citations<'a>(text: &str, known: &BTreeSet<&str>) -> Vec<pulldown_cmark::Event<'a>> {
    use pulldown_cmark::{CowStr, Event};
    let mut events = Vec::new();
    let mut last = 0;
    for caps in CITATION.captures_iter(text) {
        let (Some(whole), Some(id)) = (caps.get(0), caps.get(1)) else {
            continue;
        };
        if !known.contains(id.as_str()) {
            continue;
        }
        if whole.start() > last {
            events.push(Event::Text(CowStr::from(
                text[last..whole.start()].to_string(),
            )));
        }
        // The id matched `[A-Z]\d+`, so it needs no escaping; escaped anyway.
        let id = escape(id.as_str());
        events.push(Event::InlineHtml(CowStr::from(format!(
            "<a class=\"cite\" href=\"#{id}\">[{id}]</a>"
        ))));
        last = whole.end();
    }
    if last < text.len() {
        events.push(Event::Text(CowStr::from(text[last..].to_string())));
    }
    events
}

/// The brief's page style, also the index's and the cross-issue brief's.
pub(super) const BRIEF_STYLE: &str = "*{box-sizing:border-box}
body{font-family:system-ui,'Noto Sans KR','Noto Sans CJK KR',sans-serif;max-width:800px;margin:1.5rem auto;padding:0 1rem;line-height:1.4;color:#222;font-size:11pt}
h1{font-size:1.35rem;margin:.2rem 0}h2{font-size:1.05rem;margin:.9rem 0 .3rem;border-bottom:1px solid #999}
ul{margin:.2rem 0;padding-left:1.2rem}li{margin:.1rem 0}.meta{color:#666;font-size:.85em}
a{color:#0b57a4}.orig{color:#666;font-size:.9em}
table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #bbb;padding:.15rem .4rem;text-align:left}
.articles p{margin:.25rem 0}.articles :target{background:#fff6c8}
@media (max-width:700px){body{margin:1rem auto;padding:0 .6rem}table{display:block;overflow-x:auto}}
@page{size:A4;margin:12mm}
@media print{body{margin:0;max-width:none;font-size:8.5pt;line-height:1.25}h1{font-size:12pt}h2{font-size:9.5pt;margin:.45rem 0 .15rem}
a{color:inherit;text-decoration:none}.articles{columns:3;column-gap:1rem;font-size:7pt;line-height:1.2}.articles h2{column-span:all}.articles p{margin:0 0 .1rem;break-inside:avoid}
.articles .sum{display:none}}";

pub(super) fn brief(d: &Digest) -> String {
    // Citations link to the article's entry in this page's Articles list,
    // so every link resolves whichever files were written.
    let listed: Vec<&DigestArticle> = {
        let cited: Vec<&str> = d
            .brief
            .as_ref()
            .map(|b| b.cited.iter().map(String::as_str).collect())
            .unwrap_or_default();
        d.articles
            .iter()
            .filter(|a| a.summary.is_some() || cited.contains(&a.id.as_str()))
            .collect()
    };
    let known: BTreeSet<&str> = listed.iter().map(|a| a.id.as_str()).collect();
    let body = d
        .brief
        .as_ref()
        .map(|b| cited_markdown_to_html(&b.markdown, &known, 0))
        .unwrap_or_default();
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Executive brief — {}</title><style>{BRIEF_STYLE}</style></head><body>\n<h1>Executive brief — {}</h1>\n<p class=\"meta\">{} → {} · model {}</p>\n{body}",
        escape(&d.input),
        escape(&d.input),
        escape(&d.source_language),
        escape(&d.target_language),
        escape(&d.model)
    );
    // The same closing section as brief.md: each article with its summary.
    // In print only the titles stay, so the brief keeps to one A4 page.
    out.push_str("<section class=\"articles\"><h2>Articles</h2>\n");
    let source_lang = lang_tag(&d.source_language);
    for a in listed {
        let title = match &a.title_translation {
            Some(t) => escape(t),
            None => format!("<span lang=\"{source_lang}\">{}</span>", escape(&a.title)),
        };
        let summary = a
            .summary
            .as_ref()
            .map(|s| format!("<span class=\"sum\"> — {}</span>", escape(&s.text)))
            .unwrap_or_default();
        out.push_str(&format!(
            "<p id=\"{}\"><b>[{}] {title}</b>{summary}</p>\n",
            escape(&a.id),
            escape(&a.id)
        ));
    }
    out.push_str("</section>\n</body></html>\n");
    out
}
#[cfg(test)]
mod tests {
    use super::*;

    fn markdown_to_html(markdown: &str) -> String {
        cited_markdown_to_html(markdown, &BTreeSet::new(), 0)
    }

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

    use std::collections::BTreeMap;

    use crate::document::ArticleKind;
    use crate::outcome::Brief;
    use crate::outcome::Summary;
    use crate::render::DigestSegment;

    /// `n` articles per section name, each with two paragraphs (the second
    /// untranslated in every third article), a summary on the odd ones, and
    /// a brief citing `cites`.
    fn issue(sections: &[Option<&str>], n: usize, cites: &[&str]) -> Digest {
        let mut articles = Vec::new();
        for (k, section) in sections.iter().enumerate() {
            for j in 0..n {
                let id = format!("{}{:02}", ['A', 'C'][k % 2], k * n + j + 1);
                let number = articles.len();
                let segments = (1..=2)
                    .map(|p| DigestSegment {
                        id: format!("{id}.p{p:02}"),
                        source: format!("원문 {p} <{id}>"),
                        translation: (p == 1 || number % 3 != 0)
                            .then(|| format!("English {p} & {id}")),
                        status: "ok".into(),
                        flags: vec![],
                        repaired: false,
                        fixed: Vec::new(),
                        human: false,
                    })
                    .collect();
                articles.push(DigestArticle {
                    title_flags: Vec::new(),
                    summary: (number % 2 == 1).then(|| Summary {
                        id: id.clone(),
                        text: format!("What {id} says."),
                        key_points: vec![],
                    }),
                    id,
                    kind: ArticleKind::Article,
                    section: section.map(str::to_string),
                    title: format!("제목 {number}"),
                    title_translation: Some(format!("Title {number}")),
                    category: None,
                    source: None,
                    date: None,
                    segments,
                });
            }
        }
        let markdown = format!(
            "# Top\n\n## Headlines\n- One {}.\n\n| Figure | Article |\n| --- | --- |\n| 5% | {} |\n\n[see \\[A01\\]](https://e.org/x)\n",
            cites.iter().map(|c| format!("[{c}]")).collect::<String>(),
            cites.first().map(|c| format!("[{c}]")).unwrap_or_default(),
        );
        Digest {
            input: "issue.txt".into(),
            source_language: "Korean".into(),
            target_language: "English".into(),
            model: "m".into(),
            brief: Some(Brief {
                markdown,
                cited: cites.iter().map(|c| c.to_string()).collect(),
                removed_citations: vec![],
                stages: 1,
                origin: "model".into(),
                removed_figures: vec![],
                parts: vec![],
            }),
            section_translations: BTreeMap::new(),
            articles,
        }
    }

    static HREF: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r##"href="#([^"]*)""##).expect("regex"));

    /// Every in-page link of `page` and the ids it leads to; panics on a
    /// link to no element.
    fn resolved_links(page: &str) -> Vec<String> {
        let targets: Vec<String> = HREF.captures_iter(page).map(|c| c[1].to_string()).collect();
        for t in &targets {
            assert!(page.contains(&format!(" id=\"{t}\"")), "#{t} leads nowhere");
        }
        targets
    }

    #[test]
    fn a_rewrite_by_gloss_shows_under_its_answer_escaped() {
        let mut d = issue(&[None], 1, &[]);
        d.articles[0].segments[0].fixed =
            vec!["\"130 <million>\" written as \"13 million\"".into()];
        let page = digest(&d);
        let row = page
            .lines()
            .find(|l| l.contains("id=\"A01.p01\""))
            .expect("the segment's row");
        assert!(
            row.contains(
                "<div class=\"reviewed\">✎ gloss rewrote &quot;130 &lt;million&gt;&quot; written as &quot;13 million&quot;</div></div></div>"
            ),
            "{row}"
        );
        let md = crate::render::markdown::digest(&d);
        assert!(md.contains("✎ *A01.p01: gloss rewrote"), "{md}");
    }

    #[test]
    fn contents_links_every_article_and_section() {
        let sections = [Some("경제"), None, Some("기술"), Some("경제")];
        let d = issue(&sections, 3, &["A01"]);
        let page = digest(&d);
        let links = resolved_links(&page);
        for a in &d.articles {
            assert!(links.contains(&a.id), "no link to {}", a.id);
        }
        // A section that comes back later is a new group, linked apart.
        let section_links = links.iter().filter(|l| l.starts_with("section-")).count();
        assert_eq!(section_links, 3);
        assert!(links.contains(&"brief".to_string()));
    }

    #[test]
    fn citations_link_known_articles_only() {
        let d = issue(&[Some("경제")], 4, &["A02", "A04", "Z99"]);
        let page = digest(&d);
        let links = resolved_links(&page);
        for id in ["A02", "A04"] {
            // Once from the contents, once or twice from the brief.
            assert!(
                links.iter().filter(|l| *l == id).count() >= 2,
                "{id}: {page}"
            );
        }
        assert!(!links.contains(&"Z99".to_string()));
        assert!(page.contains("[Z99]"), "an unknown citation stays text");
        // A citation inside a model's own link is not made a nested link.
        assert!(
            page.contains("<a href=\"https://e.org/x\">see [A01]</a>"),
            "{page}"
        );
        assert!(!page.contains("<a class=\"cite\" href=\"#A01\""), "{page}");
    }

    #[test]
    fn brief_headings_sit_under_the_page_headings() {
        let d = issue(&[None], 1, &["A01"]);
        let page = digest(&d);
        assert_eq!(page.matches("<h1>").count(), 1, "{page}");
        assert!(page.contains("<h3>Headlines</h3>") && page.contains("<h3>Top</h3>"));
        let alone = brief(&d);
        assert_eq!(alone.matches("<h1>").count(), 1, "{alone}");
        assert!(alone.contains("<h2>Headlines</h2>") && alone.contains("<h2>Top</h2>"));
    }

    #[test]
    fn columns_are_headed_by_the_languages() {
        let mut d = issue(&[Some("経済")], 2, &["A01"]);
        d.source_language = "Japanese".into();
        d.target_language = "German".into();
        let page = digest(&d);
        let head = "<div class=\"row head\"><div>Japanese</div><div>German</div></div>";
        assert_eq!(page.matches(head).count(), d.articles.len());
        assert!(page.contains("class=\"src\" lang=\"ja\""));
        // Every paragraph row follows a header row of its article.
        let rows = page.matches("<div class=\"row\" id=").count();
        assert_eq!(
            rows,
            d.articles.iter().map(|a| a.segments.len()).sum::<usize>()
        );
    }

    #[test]
    fn sections_show_their_translation_when_known() {
        let mut d = issue(&[Some("경제"), Some("기술")], 1, &["A01"]);
        d.section_translations
            .insert("경제".into(), "Economy <&>".into());
        let page = digest(&d);
        // In the contents and as the heading, with the original beside it.
        assert_eq!(page.matches("Economy &lt;&amp;&gt;").count(), 2, "{page}");
        assert_eq!(
            page.matches("<span class=\"orig\" lang=\"ko\">경제</span>")
                .count(),
            2
        );
        assert!(
            page.contains(">기술</a>"),
            "an untranslated section keeps its name"
        );
    }

    #[test]
    fn brief_page_lists_articles_and_resolves_its_citations() {
        let d = issue(&[Some("경제")], 6, &["A01", "A04"]);
        let page = brief(&d);
        let links = resolved_links(&page);
        assert!(links.contains(&"A01".to_string()) && links.contains(&"A04".to_string()));
        assert!(page.contains("<h2>Articles</h2>"));
        for a in &d.articles {
            let listed = page.contains(&format!("<p id=\"{}\">", a.id));
            let cited = ["A01", "A04"].contains(&a.id.as_str());
            assert_eq!(listed, a.summary.is_some() || cited, "{}", a.id);
            if let Some(s) = &a.summary {
                assert!(page.contains(&escape(&s.text)), "{}", a.id);
            }
        }
    }
}
