//! Reading and mending the Markdown of a model's brief: its `## ` sections,
//! list items and tables.

use std::sync::LazyLock;

use regex::Regex;

use crate::citations::{is_citation, without_citations};

/// A Markdown list item's marker: `-`, `*`, `+`, `1.` or `1)`.
static LIST_MARKER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:[-*+]|\d{1,2}[.)])\s+").expect("static regex"));

/// The text of a list item line, without its marker; `None` for other lines.
pub(super) fn list_item(line: &str) -> Option<&str> {
    LIST_MARKER.find(line).map(|m| line[m.end()..].trim())
}

/// A list item's text made comparable: citations, emphasis and case dropped.
pub(super) fn normalized(item: &str) -> String {
    without_citations(item)
        .replace("**", "")
        .trim()
        .to_lowercase()
}

/// The line span of the `## <heading>` section of `lines` (heading in any
/// case): from the heading to the next `## ` heading or the end.
pub(super) fn section_span(lines: &[&str], heading: &str) -> Option<(usize, usize)> {
    let wanted = format!("## {heading}");
    let start = lines
        .iter()
        .position(|l| l.trim().eq_ignore_ascii_case(&wanted))?;
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.starts_with("## "))
        .map_or(lines.len(), |n| start + 1 + n);
    Some((start, end))
}

/// The bullet items under the `## <heading>` of `markdown`, each with its
/// line index and [`normalized`], and the heading's line span.
pub(super) type Items = (Vec<(usize, String)>, usize, usize);

pub(super) fn section_items(markdown: &str, heading: &str) -> Option<Items> {
    let lines: Vec<&str> = markdown.lines().collect();
    let (start, end) = section_span(&lines, heading)?;
    let items = (start + 1..end)
        .filter_map(|i| Some((i, normalized(list_item(lines[i])?))))
        .filter(|(_, t)| !t.is_empty())
        .collect();
    Some((items, start, end))
}

/// `markdown` without the lines `drop` marks (one flag a line; lines past
/// its end stay).
pub(super) fn without_lines(markdown: &str, drop: &[bool]) -> String {
    let kept: Vec<&str> = markdown
        .lines()
        .enumerate()
        .filter(|(i, _)| !drop.get(*i).copied().unwrap_or(false))
        .map(|(_, l)| l)
        .collect();
    kept.join("\n").trim_end().to_string() + "\n"
}

/// One flag a line of `markdown`, set for the indices in `lines`.
pub(super) fn marks(markdown: &str, lines: impl IntoIterator<Item = usize>) -> Vec<bool> {
    let mut drop = vec![false; markdown.lines().count()];
    for i in lines {
        if let Some(d) = drop.get_mut(i) {
            *d = true;
        }
    }
    drop
}

/// The cells of a Markdown table row (`| a | b |`), split at unescaped pipes.
pub(super) fn cells(row: &str) -> Vec<String> {
    let inner = row.trim();
    let inner = inner.strip_prefix('|').unwrap_or(inner);
    let inner = inner
        .strip_suffix('|')
        .filter(|i| !i.ends_with('\\'))
        .unwrap_or(inner);
    let mut out = vec![String::new()];
    let mut escaped = false;
    for c in inner.chars() {
        match c {
            '|' if !escaped => out.push(String::new()),
            _ => {
                if let Some(last) = out.last_mut() {
                    last.push(c);
                }
            }
        }
        escaped = c == '\\' && !escaped;
    }
    out.into_iter().map(|c| c.trim().to_string()).collect()
}

pub(super) fn is_delimiter_row(row: &str) -> bool {
    let c = cells(row);
    !c.is_empty()
        && c.iter().all(|c| {
            !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')) && c.contains('-')
        })
}

/// Every Markdown table of a model's answer made whole: a row with fewer
/// cells than its header is padded (before a trailing citation, so `[A03]`
/// stays in the last column), a row with more cells or with nothing in it
/// is dropped, and the delimiter row matches the header. Small models write
/// two cells under a three-column header; rendered as is, the table breaks.
/// Returns the text and how many rows were padded or dropped.
pub fn fit_tables(markdown: &str) -> (String, usize) {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut fixed = 0;
    let mut i = 0;
    while i < lines.len() {
        let header = lines[i];
        let is_table = header.trim_start().starts_with('|')
            && lines.get(i + 1).is_some_and(|l| is_delimiter_row(l));
        if !is_table {
            out.push(header.to_string());
            i += 1;
            continue;
        }
        let width = cells(header).len();
        out.push(header.to_string());
        let delimiter = lines[i + 1];
        if cells(delimiter).len() == width {
            out.push(delimiter.to_string());
        } else {
            out.push(format!("|{}", " --- |".repeat(width)));
        }
        i += 2;
        while let Some(row) = lines.get(i).filter(|l| l.trim_start().starts_with('|')) {
            i += 1;
            let mut c = cells(row);
            if c.len() == width {
                out.push(row.to_string());
                continue;
            }
            fixed += 1;
            if c.len() > width || c.iter().all(String::is_empty) {
                continue;
            }
            let at = if c.last().is_some_and(|l| is_citation(l)) {
                c.len() - 1
            } else {
                c.len()
            };
            while c.len() < width {
                c.insert(at, String::new());
            }
            out.push(format!("| {} |", c.join(" | ")));
        }
    }
    let mut text = out.join("\n");
    if markdown.ends_with('\n') {
        text.push('\n');
    }
    (text, fixed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_table_rows_are_padded_or_dropped() {
        let answer = "## Key figures\n| Figure | What it measures | Article |\n| --- | --- |\n| CAD 427 million | [A06] |\n| 40% | CO2 cut | [C04] |\n| 5 | clusters |\n| a | b | c | d |\n| | |\n\n## By section\n- x | y\n";
        let (text, fixed) = fit_tables(answer);
        assert_eq!(fixed, 4, "{text}");
        let rows: Vec<&str> = text.lines().filter(|l| l.starts_with('|')).collect();
        // Every row of the table has the header's three cells.
        for row in &rows {
            assert_eq!(row.matches(" | ").count(), 2, "{row}");
        }
        assert!(rows.contains(&"| CAD 427 million |  | [A06] |"), "{text}");
        assert!(rows.contains(&"| 5 | clusters |  |"), "{text}");
        assert!(!text.contains("| a | b | c | d |"));
        assert!(text.contains("## By section\n- x | y\n"));
        // A whole table is left alone.
        let whole = "| A | B |\n| --- | --- |\n| 1 | 2 \\| 3 |\n";
        assert_eq!(fit_tables(whole), (whole.to_string(), 0));
    }

    #[test]
    fn items_are_read_under_their_heading_in_any_case() {
        let md = "## Headlines\n- **One** [A01]\n* Two\n1. Three [C02]\nnot an item\n## key figures\n- x\n";
        let (items, start, end) = section_items(md, "Headlines").expect("section");
        assert_eq!((start, end), (0, 5));
        assert_eq!(
            items,
            [(1, "one".into()), (2, "two".into()), (3, "three".into())]
        );
        assert_eq!(section_items(md, "Key figures").map(|i| i.0.len()), Some(1));
        assert!(section_items(md, "What to watch").is_none());
        assert_eq!(
            without_lines(md, &marks(md, [1, 3, 4])),
            "## Headlines\n* Two\n## key figures\n- x\n"
        );
    }
}
