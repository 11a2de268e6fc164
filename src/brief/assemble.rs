//! The brief as shown: what gloss knows written by gloss, what only the
//! model can write taken from its answer. The "By section" grouping — which
//! article stands in which section, with its title, source and date — comes
//! from the parse (the 1.5B guessed it: four sections of one article each,
//! the eight clippings missing); the model writes the headlines, the key
//! figures' labels and what to watch. Each part says where it came from
//! ([`Part`], in `brief.json`).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::markdown::{normalized, section_span};

/// What the parse knows of one article the brief covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BriefArticle {
    pub id: String,
    /// The title as the reader sees it (translated when it was).
    pub title: String,
    /// The section it stands in (its name as the reader sees it).
    pub section: Option<String>,
    pub source: Option<String>,
    pub date: Option<String>,
}

pub use crate::outcome::{Origin, Part, PartLine};

/// The parts of the model's answer that are shown, in order.
const MODEL_PARTS: [&str; 3] = ["Headlines", "Key figures", "What to watch"];
/// The part gloss writes.
pub const BY_SECTION: &str = "By section";

/// Text from the document put into the brief's Markdown: one line, and no
/// bracket that could read as a citation or emphasis that could open.
fn plain(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('[', "(")
        .replace(']', ")")
        .replace('*', "")
}

/// The "By section" part: every article under its parsed section, in issue
/// order, as `Title (Source, date) [A04]`. Articles without a section go
/// under "Other"; a document without sections has no such part.
pub fn by_section(articles: &[BriefArticle]) -> String {
    if articles.iter().all(|a| a.section.is_none()) {
        return String::new();
    }
    let mut sections: Vec<(&str, Vec<String>)> = Vec::new();
    for a in articles {
        let name = a.section.as_deref().unwrap_or("Other");
        let origin: Vec<&str> = [a.source.as_deref(), a.date.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.trim().is_empty())
            .collect();
        let mut entry = plain(&a.title);
        if !origin.is_empty() {
            entry.push_str(&format!(" ({})", plain(&origin.join(", "))));
        }
        entry.push_str(&format!(" [{}]", a.id));
        match sections.iter_mut().find(|(s, _)| *s == name) {
            Some((_, entries)) => entries.push(entry),
            None => sections.push((name, vec![entry])),
        }
    }
    let mut out = format!("## {BY_SECTION}\n");
    for (name, entries) in sections {
        out.push_str(&format!("- **{}** — {}\n", plain(name), entries.join("; ")));
    }
    out
}

/// The brief shown from `answer` (the model's, tidied, or the one made from
/// the summaries): its Headlines, Key figures and What to watch, with
/// gloss's "By section" before What to watch. What else the answer holds —
/// a "By section" of its own, headings it made up, words before the first
/// heading — is left out. Returns the text and the headings left out.
pub fn assemble(answer: &str, articles: &[BriefArticle]) -> (String, Vec<String>) {
    let lines: Vec<&str> = answer.lines().collect();
    let part = |heading: &str| {
        section_span(&lines, heading).map(|(start, end)| {
            let body = lines[start + 1..end].join("\n");
            format!("## {heading}\n{}\n", body.trim())
        })
    };
    let mut out: Vec<String> = MODEL_PARTS[..2].iter().filter_map(|h| part(h)).collect();
    let grouped = by_section(articles);
    if !grouped.is_empty() {
        out.push(grouped);
    }
    out.extend(part(MODEL_PARTS[2]));
    let shown: HashSet<String> = MODEL_PARTS.iter().map(|h| h.to_lowercase()).collect();
    let left_out = lines
        .iter()
        .filter_map(|l| l.strip_prefix("## "))
        .map(str::trim)
        .filter(|h| !shown.contains(&h.to_lowercase()))
        .map(str::to_string)
        .collect();
    (out.join("\n"), left_out)
}

/// Where each part of the finished brief `markdown` came from: "By
/// section" from the parse, the rest from `rest` (the model, or the
/// summaries for a brief assembled from them), except the lines in
/// `from_summaries` (headlines written from a summary).
pub fn parts(markdown: &str, rest: Origin, from_summaries: &[String]) -> Vec<Part> {
    let replaced: HashSet<String> = from_summaries.iter().map(|l| normalized(l)).collect();
    let mut out: Vec<Part> = Vec::new();
    for line in markdown.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            let heading = heading.trim().to_string();
            let from = match heading == BY_SECTION {
                true => Origin::Parse,
                false => rest,
            };
            out.push(Part {
                heading,
                from,
                lines: Vec::new(),
            });
            continue;
        }
        let Some(part) = out.last_mut().filter(|_| !line.trim().is_empty()) else {
            continue;
        };
        let from = match replaced.contains(&normalized(line)) {
            true => Origin::Summary,
            false => part.from,
        };
        part.lines.push(PartLine {
            text: line.to_string(),
            from,
        });
    }
    for part in &mut out {
        let summary = part
            .lines
            .iter()
            .filter(|l| l.from == Origin::Summary)
            .count();
        if summary * 2 > part.lines.len() {
            part.from = Origin::Summary;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(id: &str, section: Option<&str>, title: &str) -> BriefArticle {
        BriefArticle {
            id: id.into(),
            title: title.into(),
            section: section.map(str::to_string),
            source: None,
            date: None,
        }
    }

    /// The sample's parse: A01 in the first section, A02–A03 in the second,
    /// C01–C02 in the clippings (shortened).
    fn sample() -> Vec<BriefArticle> {
        let mut a02 = article("A02", Some("Industry trends"), "Global AI outlook");
        a02.source = Some("IDC".into());
        a02.date = Some("11.6".into());
        vec![
            article("A01", Some("Focus on the issue"), "Japanese R&D DX"),
            a02,
            article("A03", Some("Industry trends"), "EV and battery [outlook]"),
            article("C01", Some("Clippings"), "Security **robot**"),
            article("C02", Some("Clippings"), "Hydrogen coating"),
        ]
    }

    #[test]
    fn by_section_is_the_parse() {
        assert_eq!(
            by_section(&sample()),
            "## By section\n\
             - **Focus on the issue** — Japanese R&D DX [A01]\n\
             - **Industry trends** — Global AI outlook (IDC, 11.6) [A02]; EV and battery (outlook) [A03]\n\
             - **Clippings** — Security robot [C01]; Hydrogen coating [C02]\n"
        );
        let loose = [article("A01", None, "x"), article("A02", Some("S"), "y")];
        assert_eq!(
            by_section(&loose),
            "## By section\n- **Other** — x [A01]\n- **S** — y [A02]\n"
        );
        assert_eq!(by_section(&[article("A01", None, "x")]), "");
    }

    #[test]
    fn a_wrong_grouping_in_the_answer_is_not_shown() {
        // The 1.5B's grouping: one article per section, a clipping's id
        // under another's title, the clippings missing.
        let answer = "Here is the brief.\n\n## Headlines\n- AI spending grows 20% [A02]\n\n## Key figures\n| Figure | What it measures | Article |\n| --- | --- | --- |\n| 20% | AI spending growth | [A02] |\n\n## By section\n- **Focus on the issue** — A01\n- **Industry trends** — A02\n- **Policy trends** — A03\n- **Clippings** — Japanese R&D DX [C01]\n\n## Sources\n- IDC\n\n## What to watch\n- Whether cells reach volume production [A03]\n";
        let (text, left_out) = assemble(answer, &sample());
        assert_eq!(left_out, ["By section", "Sources"]);
        assert_eq!(
            text,
            "## Headlines\n- AI spending grows 20% [A02]\n\n\
             ## Key figures\n| Figure | What it measures | Article |\n| --- | --- | --- |\n| 20% | AI spending growth | [A02] |\n\n\
             ## By section\n\
             - **Focus on the issue** — Japanese R&D DX [A01]\n\
             - **Industry trends** — Global AI outlook (IDC, 11.6) [A02]; EV and battery (outlook) [A03]\n\
             - **Clippings** — Security robot [C01]; Hydrogen coating [C02]\n\n\
             ## What to watch\n- Whether cells reach volume production [A03]\n"
        );
        assert!(!text.contains("Policy trends") && !text.contains("Here is"));
    }

    #[test]
    fn parts_say_where_each_line_came_from() {
        let markdown = "## Headlines\n- AI spending grows 20% [A02]\n- Japanese makers digitise R&D slowly. [A01]\n\n## By section\n- **Focus** — Japanese R&D DX [A01]\n\n## What to watch\n- Volume production [A03]\n";
        let replaced = ["- Japanese makers digitise R&D slowly. [A01]".to_string()];
        let p = parts(markdown, Origin::Model, &replaced);
        let summary: Vec<(&str, Origin, Vec<Origin>)> = p
            .iter()
            .map(|p| {
                (
                    p.heading.as_str(),
                    p.from,
                    p.lines.iter().map(|l| l.from).collect(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "Headlines",
                    Origin::Model,
                    vec![Origin::Model, Origin::Summary]
                ),
                ("By section", Origin::Parse, vec![Origin::Parse]),
                ("What to watch", Origin::Model, vec![Origin::Model]),
            ]
        );
        let json = serde_json::to_value(&p[1]).expect("serializes");
        assert_eq!(json["from"], "parse");
        assert_eq!(
            json["lines"][0]["text"],
            "- **Focus** — Japanese R&D DX [A01]"
        );
    }
}
