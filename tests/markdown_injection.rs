//! Markdown injection through everything `digest.md` and `brief.md`
//! interpolate: a hostile input issue (titles and paragraphs full of
//! Markdown and HTML) and a mock model answering with hostile titles,
//! translations, summaries and a hostile brief. The outputs are read back
//! with pulldown-cmark, and the rules checked on its events: no raw HTML, no
//! images, no link to anything but http(s), the heading outline and the
//! table shapes the one gloss writes, and every hostile string shown as text.

mod common;

use common::workspace::Workspace;
use common::{Fault, markdown_shown};
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// An issue whose titles and paragraphs try to open blocks, tables, links,
/// images and HTML. Two articles; the second title starts like a list item.
const ISSUE: &str = "# 반도체 <script>alert(1)</script> | 표 ## 전망\n\n\
    한국 반도체 업계는 올해 수출이 크게 늘었다고 밝혔다. <img src=x onerror=alert(2)> \
    ![추적](https://evil.example/p.png) [링크](javascript:alert(3))\n\n\
    ## > 인용 | 제목 ---\n\n\
    - 목록 항목이 <b>굵게</b> 된다.\n\n\
    # 1. 번호 항목이다 | 표 | 칸\n\n\
    정부는 지원책을 확대할 계획이다 [x]: javascript:alert(4)\n";

/// What the model answers for every translated segment (one line: the
/// reply format is a line per segment), and for repairs of it.
const TRANSLATION: &str = "# Injected <script>alert(5)</script> ![px](https://evil.example/t.png) \
    [click](javascript:alert(6)) <javascript:alert(7)> | a | b | [ok](https://example.org/x)";

/// A summary answer: hostile text and key points.
const SUMMARY: &str = "SUMMARY: ## Sum <iframe src=x></iframe> | c | d |\n\
    - 1. point <i>one</i> ![p](http://evil.example/k.png)\n\
    - > quote [x](data:text/html,hi)";

/// A brief in the requested shape (so it is the model's, not the fallback)
/// with a top-level heading inside a part (words outside the parts the
/// prompt asks for are not shown at all), raw HTML, an image, a script link and one table.
fn brief_reply() -> String {
    "## Headlines\n# Takeover\n\n\
     - Exports grew <script>alert(8)</script> [A01]\n\
     - See ![x](https://evil.example/b.png) and [y](javascript:alert(9)) [A02]\n\n\
     <div onclick=alert(10)>block html</div>\n\n\
     ## Key figures\n| Figure | What it measures | Article |\n| --- | --- | --- |\n\
     | 3% | growth <b>x</b> \\| y | [A01] |\n\n\
     ## What to watch\n- policy [A02]\n\n[ref]: javascript:alert(11)\n"
        .to_string()
}

fn config(url: &str) -> String {
    format!(
        "[profiles.mock]\nbase_url = \"{url}\"\nmodel = \"mock-model\"\ntimeout_secs = 5\nmax_attempts = 2\ncontext_window = 128000\n"
    )
}

/// The structure a reader sees: headings (level and text), tables (rows of
/// cell counts), and every rule violation found.
#[derive(Debug, Default)]
struct Seen {
    headings: Vec<(HeadingLevel, String)>,
    tables: Vec<Vec<usize>>,
    violations: Vec<String>,
}

fn read(md: &str) -> Seen {
    let mut seen = Seen::default();
    let mut heading: Option<(HeadingLevel, String)> = None;
    for event in Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
        match &event {
            Event::Html(h) | Event::InlineHtml(h) => seen.violations.push(format!("html {h}")),
            Event::Start(Tag::Image { dest_url, .. }) => {
                seen.violations.push(format!("image {dest_url}"))
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                let url = dest_url.to_ascii_lowercase();
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    seen.violations.push(format!("link {dest_url}"));
                }
            }
            Event::Start(Tag::Heading { level, .. }) => heading = Some((*level, String::new())),
            Event::End(TagEnd::Heading(_)) => seen.headings.extend(heading.take()),
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, text)) = heading.as_mut() {
                    text.push_str(t);
                }
            }
            Event::Start(Tag::Table(_)) => seen.tables.push(Vec::new()),
            Event::Start(Tag::TableHead | Tag::TableRow) => {
                if let Some(t) = seen.tables.last_mut() {
                    t.push(0);
                }
            }
            Event::Start(Tag::TableCell) => {
                if let Some(n) = seen.tables.last_mut().and_then(|t| t.last_mut()) {
                    *n += 1;
                }
            }
            _ => {}
        }
    }
    seen
}

#[test]
fn hostile_input_and_model_output_keep_the_markdown_structure() {
    let ws = Workspace::start(config);
    let input = ws.path().join("hostile.md");
    std::fs::write(&input, ISSUE).unwrap();
    let brief = brief_reply();
    ws.mock.configure(|c| {
        c.segment_replies = vec![(String::new(), TRANSLATION.to_string())];
        c.repair_replies = vec![(String::new(), TRANSLATION.to_string())];
        c.default_reply = Some(SUMMARY.to_string());
        c.fault_when_user_contains = Some(("Issue: ".into(), Fault::Reply(brief.clone())));
    });
    let out = ws
        .cmd()
        .arg("run")
        .arg(&input)
        .args(["--profile", "mock", "--out"])
        .arg(ws.out())
        .output()
        .unwrap();
    common::workspace::assert_ok(&out);
    let dir = ws.out().join("hostile");
    let digest_md = std::fs::read_to_string(dir.join("digest.md")).unwrap();
    let brief_md = std::fs::read_to_string(dir.join("brief.md")).unwrap();
    let digest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("digest.json")).unwrap()).unwrap();
    let articles = digest["articles"].as_array().unwrap();
    assert_eq!(articles.len(), 2, "the issue's two articles");
    assert_eq!(
        digest["brief"]["origin"], "model",
        "the hostile brief must be the one rendered"
    );

    for (name, md) in [("digest.md", &digest_md), ("brief.md", &brief_md)] {
        let seen = read(md);
        assert!(
            seen.violations.is_empty(),
            "{name}: {:?}\n{md}",
            seen.violations
        );
        assert!(
            !md.contains("<script") && !md.contains("<iframe") && !md.contains("<div"),
            "{name}:\n{md}"
        );
        // Exactly one top-level heading: gloss's title.
        let h1: Vec<_> = seen
            .headings
            .iter()
            .filter(|(l, _)| *l == HeadingLevel::H1)
            .collect();
        assert_eq!(h1.len(), 1, "{name}: {:?}", seen.headings);
        // One table, the brief's, with its 3 columns in every row.
        assert_eq!(seen.tables, vec![vec![3, 3]], "{name}:\n{md}");
        // Hostile strings are shown, as text.
        let shown = markdown_shown(md);
        for s in ["<script>alert(8)</script>", "block html"] {
            assert!(shown.contains(s), "{name} does not show {s:?}:\n{shown}");
        }
    }

    // digest.md: title, the brief under its own heading one level down,
    // then one level-3 heading per article; nothing a field added.
    let title = |a: &serde_json::Value| {
        format!(
            "{} · {}",
            a["id"].as_str().unwrap(),
            a["title_translation"].as_str().unwrap()
        )
    };
    let seen = read(&digest_md);
    let want: Vec<(HeadingLevel, String)> = vec![
        (HeadingLevel::H1, "Bilingual digest — hostile.md".into()),
        (HeadingLevel::H2, "Executive brief".into()),
        (HeadingLevel::H3, "Headlines".into()),
        (HeadingLevel::H3, "Takeover".into()),
        (HeadingLevel::H3, "Key figures".into()),
        (HeadingLevel::H3, "What to watch".into()),
        (HeadingLevel::H3, title(&articles[0])),
        (HeadingLevel::H3, title(&articles[1])),
    ];
    assert_eq!(seen.headings, want, "{digest_md}");
    let shown = markdown_shown(&digest_md);
    for a in articles {
        assert!(
            shown.contains(a["title"].as_str().unwrap()),
            "source title {}",
            a["title"]
        );
        for s in a["segments"].as_array().unwrap() {
            assert!(
                shown.contains(s["source"].as_str().unwrap()),
                "source {}",
                s["id"]
            );
        }
        // Summaries are model Markdown: shown as a reader shows that
        // Markdown (its HTML as text), flattened to one line.
        let summary = &a["summary"];
        let as_read = |md: &str| markdown_shown(md).replace('\n', " ").trim().to_string();
        let text = as_read(summary["text"].as_str().unwrap());
        assert!(
            shown.contains(&text),
            "summary of {}: {text:?}\n{shown}",
            a["id"]
        );
        for p in summary["key_points"].as_array().unwrap() {
            let p = as_read(p.as_str().unwrap());
            assert!(shown.contains(&p), "key point {p:?}:\n{shown}");
        }
    }
    assert!(
        shown.contains("ok (https://example.org/x)"),
        "an http link is shown as text and URL:\n{shown}"
    );
    // Translations are model Markdown too: shown as read, link targets other
    // than http(s) dropped (the title translation is a heading: literal text).
    let read_translation = markdown_shown(TRANSLATION).trim().to_string();
    assert!(!read_translation.contains("javascript:alert(6)"));
    assert!(
        shown.contains(&read_translation),
        "{read_translation:?}\n{shown}"
    );

    // brief.md: title, the brief's headings (its H1 moved to H2), Articles.
    let seen = read(&brief_md);
    let want: Vec<(HeadingLevel, String)> = vec![
        (HeadingLevel::H1, "Executive brief — hostile.md".into()),
        (HeadingLevel::H2, "Headlines".into()),
        (HeadingLevel::H2, "Takeover".into()),
        (HeadingLevel::H2, "Key figures".into()),
        (HeadingLevel::H2, "What to watch".into()),
        (HeadingLevel::H2, "Articles".into()),
    ];
    assert_eq!(seen.headings, want, "{brief_md}");
}
