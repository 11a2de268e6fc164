//! Citations in model text, read as models write them and checked against
//! the articles that exist: the issue brief's `[A03]`, `[A01, C02]` and the
//! template's `[<A01>]`; the week brief's `[kiep-2025-07 A03]`. Summaries,
//! the brief and the cross-issue brief are checked by the same
//! [`check_citations`]; what differs is how one entry of a bracket is read
//! ([`Citations`]). One pass over the text, so a 200,000-citation answer
//! costs what reading it costs (`scripts/bench-brief`).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::LazyLock;

use regex::Regex;

/// A bracket that may hold citations, and whether a link target follows it
/// (`[text](url)` is a link, never a citation).
static BRACKET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[([^\[\]\n]{1,200})\](\()?").expect("static regex"));
/// An article id, with the template's angle brackets if copied (`<A01>`).
static ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^<?([A-Z]\d{2,3})>?$").expect("static regex"));
/// An issue-qualified id (`kiep-2025-07 A03`).
static QUALIFIED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\S+)\s+([A-Z]\d{2,3})$").expect("static regex"));

/// How the entries of a bracket are read and which of them name a real
/// article.
pub trait Citations {
    /// One `,`/`;`-separated entry of a bracket as a citation (written as it
    /// is kept: `A03`, `kiep-07 A03`) when it is shaped like one, known or not.
    fn read(&self, entry: &str) -> Option<String>;
    /// Whether `citation` (as [`Citations::read`] wrote it) names an article
    /// that exists.
    fn knows(&self, citation: &str) -> bool;
}

/// The article ids of one issue: citations are bare ids.
impl Citations for BTreeSet<String> {
    fn read(&self, entry: &str) -> Option<String> {
        ID.captures(entry).map(|c| c[1].to_string())
    }

    fn knows(&self, citation: &str) -> bool {
        self.contains(citation)
    }
}

/// The articles of several issues (issue folder → its ids): citations are
/// `<issue> <id>`; a bare id names no issue, so it is read but never known.
impl Citations for BTreeMap<String, BTreeSet<String>> {
    fn read(&self, entry: &str) -> Option<String> {
        if let Some(c) = QUALIFIED.captures(entry) {
            return Some(format!("{} {}", &c[1], &c[2]));
        }
        ID.is_match(entry).then(|| entry.to_string())
    }

    fn knows(&self, citation: &str) -> bool {
        citation
            .split_once(' ')
            .is_some_and(|(issue, id)| self.get(issue).is_some_and(|ids| ids.contains(id)))
    }
}

/// What [`check_citations`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checked {
    /// The text, every citation kept written `[A01]` (one bracket each).
    pub text: String,
    /// The citations kept, each once, in order of appearance.
    pub cited: Vec<String>,
    /// The entries removed (unknown articles, or parts of a citation that
    /// are no citation), each once, in order of appearance.
    pub removed: Vec<String>,
}

/// Keep the citations `known` knows, drop the rest. A bracket is a citation
/// when one of its entries reads as one; then its unknown entries are
/// removed and reported. Other brackets and link texts stay as written.
pub fn check_citations(text: &str, known: &impl Citations) -> Checked {
    let mut out = Checked::default();
    let (mut cited, mut removed) = (HashSet::new(), HashSet::new());
    let replaced = BRACKET.replace_all(text, |caps: &regex::Captures<'_>| {
        let whole = &caps[0];
        if caps.get(2).is_some() {
            return whole.to_string();
        }
        let entries: Vec<(&str, Option<String>)> = caps[1]
            .split([',', ';'])
            .map(str::trim)
            .map(|e| (e, known.read(e)))
            .collect();
        if entries.iter().all(|(_, read)| read.is_none()) {
            return whole.to_string();
        }
        let mut kept = String::new();
        for (entry, read) in entries {
            match read.filter(|c| known.knows(c)) {
                Some(citation) => {
                    kept.push_str(&format!("[{citation}]"));
                    if cited.insert(citation.clone()) {
                        out.cited.push(citation);
                    }
                }
                None if !entry.is_empty() && removed.insert(entry.to_string()) => {
                    out.removed.push(entry.to_string())
                }
                None => {}
            }
        }
        kept
    });
    out.text = replaced.into_owned();
    out
}

/// The ids a text cites as the issue brief writes them (`[A03]`, `[A01,
/// C02]`, `[<A01>]`), known or not, in order, repeats kept.
pub fn cited_ids(text: &str) -> Vec<String> {
    let ids = BTreeSet::new();
    let mut out = Vec::new();
    for caps in BRACKET.captures_iter(text) {
        if caps.get(2).is_some() {
            continue;
        }
        let read: Vec<Option<String>> = caps[1]
            .split([',', ';'])
            .map(|e| ids.read(e.trim()))
            .collect();
        if read.iter().all(Option::is_some) {
            out.extend(read.into_iter().flatten());
        }
    }
    out
}

/// `text` without its issue-brief citations (brackets whose every entry is
/// an id), for comparing what lines say.
pub fn without_citations(text: &str) -> String {
    let ids = BTreeSet::new();
    BRACKET
        .replace_all(text, |caps: &regex::Captures<'_>| {
            let all_ids = caps.get(2).is_none()
                && caps[1]
                    .split([',', ';'])
                    .all(|e| ids.read(e.trim()).is_some());
            if all_ids {
                String::new()
            } else {
                caps[0].to_string()
            }
        })
        .into_owned()
}

/// Whether `cell` is one issue-brief citation and nothing else.
pub fn is_citation(cell: &str) -> bool {
    let cell = cell.trim();
    !cell.is_empty() && without_citations(cell).trim().is_empty() && cell.starts_with('[')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn unknown_citations_are_removed_and_reported() {
        let c = check_citations(
            "- Growth [A03]. Fake [A99]. Both [A01, A42].",
            &ids(&["A01", "A03"]),
        );
        assert_eq!(c.text, "- Growth [A03]. Fake . Both [A01].");
        assert_eq!(c.cited, ["A03", "A01"]);
        assert_eq!(c.removed, ["A99", "A42"]);
    }

    #[test]
    fn citations_with_template_brackets_or_lists_are_read() {
        let c = check_citations(
            "- One [<A01>]. Two [A01, C02]. Three [<A01>, <C02>]. Four [ C02 ; A99 ]. Five [<id>]. Link [A01](#A01).",
            &ids(&["A01", "C02"]),
        );
        assert_eq!(
            c.text,
            "- One [A01]. Two [A01][C02]. Three [A01][C02]. Four [C02]. Five [<id>]. Link [A01](#A01)."
        );
        assert_eq!(c.cited, ["A01", "C02"]);
        assert_eq!(c.removed, ["A99"]);
    }

    #[test]
    fn week_citations_need_a_real_issue_and_article() {
        let known: BTreeMap<String, BTreeSet<String>> = [
            ("kiep-07".to_string(), ids(&["A01", "A03"])),
            ("kdca".to_string(), ids(&["C02"])),
        ]
        .into();
        let c = check_citations(
            "- Trade [kiep-07 A03]. Fake [nosuch A01]. Both [kiep-07 A01; kdca C02]. \
             Bare [A03]. Wrong id [kdca A01]. Note [sic]. Link [x](https://e.org).",
            &known,
        );
        assert_eq!(
            c.text,
            "- Trade [kiep-07 A03]. Fake . Both [kiep-07 A01][kdca C02]. \
             Bare . Wrong id . Note [sic]. Link [x](https://e.org)."
        );
        assert_eq!(c.cited, ["kiep-07 A03", "kiep-07 A01", "kdca C02"]);
        assert_eq!(c.removed, ["nosuch A01", "A03", "kdca A01"]);
    }

    #[test]
    fn ids_are_read_and_stripped() {
        let line = "- Robots [C01, <A02>] guard [sic] homes [A01](#A01) [C03]";
        assert_eq!(cited_ids(line), ["C01", "A02", "C03"]);
        assert_eq!(
            without_citations(line),
            "- Robots  guard [sic] homes [A01](#A01) "
        );
        assert!(is_citation(" [A03] ") && is_citation("[A01][C02]"));
        assert!(!is_citation("A03") && !is_citation("[sic]") && !is_citation(""));
    }

    /// Counts the entries read and the citations looked up.
    #[derive(Default)]
    struct Counting {
        ids: BTreeSet<String>,
        reads: std::cell::Cell<usize>,
        looks: std::cell::Cell<usize>,
    }

    impl Citations for Counting {
        fn read(&self, entry: &str) -> Option<String> {
            self.reads.set(self.reads.get() + 1);
            self.ids.read(entry)
        }

        fn knows(&self, citation: &str) -> bool {
            self.looks.set(self.looks.get() + 1);
            self.ids.knows(citation)
        }
    }

    /// Each entry is read once and each citation looked up once, however
    /// many there are: a 200,000-citation answer is one pass (it once took
    /// 23 s). `scripts/bench-brief` times the whole brief check.
    #[test]
    fn each_citation_is_read_once() {
        let known = Counting {
            ids: ids(&["A01"]),
            ..Counting::default()
        };
        let n = 200_000;
        let text = format!("- x {}[A99, A01]", "[A01]".repeat(n));
        let c = check_citations(&text, &known);
        assert_eq!((known.reads.get(), known.looks.get()), (n + 2, n + 2));
        assert_eq!((c.cited.len(), c.removed.len()), (1, 1));
        assert_eq!(
            c.text.len(),
            text.len() - "[A99, A01]".len() + "[A01]".len()
        );
    }
}
