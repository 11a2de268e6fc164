//! The brief's key figures checked against the articles they cite. Small
//! models fill the template's table with figures of their own: the 1.5B
//! wrote "10%" and "50%" under articles that hold neither. A figure an
//! executive reads must come from the issue, so a row whose figure is in
//! none of its articles is left out.

use super::markdown::{cells, is_delimiter_row, section_span, without_lines};
use crate::citations::cited_ids;
use crate::qa::numbers::{added, english_numbers};

/// The section of the table checked.
const HEADING: &str = "Key figures";

/// One article's source text, as the figures are looked up in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleSource {
    pub id: String,
    /// The article in the source language: title and paragraphs.
    pub text: String,
}

/// Leave out the rows of the "Key figures" table whose figure (first cell)
/// is in none of the articles the row cites (any article of `sources` when
/// it cites none of them), read as [`added`] reads a translation's numbers:
/// "18 billion dollars" is `180억 달러`, a percentage must be exact. A figure
/// without a number is kept; a table left without rows goes with its
/// heading. Returns the text and the figures left out.
pub fn check_figures(markdown: &str, sources: &[ArticleSource]) -> (String, Vec<String>) {
    let lines: Vec<&str> = markdown.lines().collect();
    let Some((start, end)) = section_span(&lines, HEADING) else {
        return (markdown.to_string(), Vec::new());
    };
    let mut header_seen = false;
    let mut rows = 0;
    let mut removed = Vec::new();
    let mut drop = vec![false; lines.len()];
    // A row the model wrote again word for word says nothing new (the 1.5B
    // repeated two of seven): only its first copy stays.
    let mut seen: Vec<Vec<String>> = Vec::new();
    let mut repeated = 0;
    for (i, line) in lines.iter().enumerate().take(end).skip(start + 1) {
        if !line.trim_start().starts_with('|') || is_delimiter_row(line) {
            continue;
        }
        if !std::mem::replace(&mut header_seen, true) {
            continue;
        }
        rows += 1;
        let row = cells(line);
        if seen.contains(&row) {
            repeated += 1;
            drop[i] = true;
            continue;
        }
        seen.push(row.clone());
        let figure = row.into_iter().next().unwrap_or_default();
        if !holds(&figure, &cited_sources(line, sources)) {
            removed.push(figure);
            drop[i] = true;
        }
    }
    if removed.is_empty() && repeated == 0 {
        return (markdown.to_string(), removed);
    }
    if removed.len() + repeated == rows {
        drop[start..end].iter_mut().for_each(|d| *d = true);
    }
    (without_lines(markdown, &drop), removed)
}

/// The source text of the articles `row` cites, or of every article when it
/// cites none of them.
fn cited_sources(row: &str, sources: &[ArticleSource]) -> String {
    let ids = cited_ids(row);
    let cited: Vec<&str> = sources
        .iter()
        .filter(|s| ids.contains(&s.id))
        .map(|s| s.text.as_str())
        .collect();
    if cited.is_empty() {
        sources
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        cited.join("\n")
    }
}

/// Whether `source` holds every number of `figure` (a figure without one
/// holds trivially).
fn holds(figure: &str, source: &str) -> bool {
    english_numbers(figure).is_empty() || added(source, figure).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources() -> Vec<ArticleSource> {
        vec![
            ArticleSource {
                id: "A01".into(),
                text: "제조업 연구개발 과제. 투자액은 4억 2,700만 캐나다 달러".into(),
            },
            ArticleSource {
                id: "A03".into(),
                text: "GenAI 앱이 180억 달러 규모 투자 견인. 점유율 35.2%".into(),
            },
        ]
    }

    const BRIEF: &str = "## Headlines\n- One [A01]\n\n## Key figures\n| Figure | What it measures | Article |\n| --- | --- | --- |\n";

    #[test]
    fn figures_in_none_of_their_articles_are_left_out() {
        let markdown = format!(
            "{BRIEF}| 10% | invented share | [A01] |\n| $18 billion | GenAI investment | [A03] |\n| 35.2% | share | [A01] |\n| CAD 427 million | investment | [A01] |\n| Doubling | no number | [A03] |\n\n## By section\n- **Tech** — x\n"
        );
        let (text, removed) = check_figures(&markdown, &sources());
        // 35.2% is in the issue, but not in the article the row cites.
        assert_eq!(removed, ["10%", "35.2%"]);
        assert!(text.contains("| $18 billion |"), "{text}");
        assert!(text.contains("| CAD 427 million |"), "{text}");
        assert!(text.contains("| Doubling |"), "{text}");
        assert!(!text.contains("10%") && !text.contains("35.2%"), "{text}");
        assert!(text.contains("## By section"), "{text}");
    }

    #[test]
    fn a_row_citing_no_known_article_is_checked_against_all() {
        let markdown = format!("{BRIEF}| 35.2% | share | [Z09] |\n| 77% | made up | |\n");
        let (text, removed) = check_figures(&markdown, &sources());
        assert_eq!(removed, ["77%"]);
        assert!(text.contains("| 35.2% |"), "{text}");
    }

    #[test]
    fn a_row_written_twice_stays_once() {
        let brief = "## Key figures\n\n| Figure | What | Article |\n| --- | --- | --- |\n| 427 million | funding | [A01] |\n| 427 million | funding | [A01] |\n| 427 million | a total | [A01] |\n\n## By section\n";
        let (kept, removed) = check_figures(brief, &sources());
        assert_eq!(
            kept.matches("| 427 million | funding | [A01] |").count(),
            1,
            "{kept}"
        );
        assert!(kept.contains("| 427 million | a total | [A01] |"), "{kept}");
        assert!(removed.is_empty(), "{removed:?}");
    }

    #[test]
    fn a_table_left_without_rows_goes_with_its_heading() {
        let markdown = format!(
            "{BRIEF}| 10% | invented | [A01] |\n| 50% | invented | [A03] |\n\n## By section\n- x\n"
        );
        let (text, removed) = check_figures(&markdown, &sources());
        assert_eq!(removed.len(), 2);
        assert!(!text.contains("Key figures"), "{text}");
        assert!(!text.contains("| Figure |"), "{text}");
        assert_eq!(text, "## Headlines\n- One [A01]\n\n## By section\n- x\n");
    }

    #[test]
    fn the_heading_is_found_whatever_its_case() {
        let markdown = "## Key Figures\n| Figure | What | Article |\n| --- | --- | --- |\n| 10% | x | [A01] |\n| 35.2% | y | [A03] |\n";
        assert_eq!(check_figures(markdown, &sources()).1, ["10%"]);
    }

    #[test]
    fn a_brief_without_the_table_is_left_alone() {
        let markdown = "## Headlines\n- 10% more [A01]\n";
        assert_eq!(
            check_figures(markdown, &sources()),
            (markdown.to_string(), vec![])
        );
    }
}
