//! Glossaries: the user's (`--glossary FILE`, CSV or TOML) and the automatic
//! termbase gloss extracts per article, merged so a name reads the same
//! everywhere. Only the terms that occur in a chunk go into its prompt.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{GlossError, Result};

/// One term: how a source-language term is rendered in the target language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    pub source: String,
    pub target: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Where the term came from: `glossary` or the article id it was extracted from.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub origin: String,
}

/// A list of terms; the first entry for a source term wins.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Glossary {
    #[serde(default, rename = "term")]
    pub terms: Vec<Term>,
}

impl Glossary {
    /// Read a CSV (`source,target[,note]`, optional header) or TOML
    /// (`[[term]] source = … target = …`) glossary.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            let hint = "--glossary takes a CSV (source,target[,note]) or TOML ([[term]]) file";
            GlossError::side_file(path, hint, e)
        })?;
        let bad = |m: String| GlossError::FileInvalid {
            path: path.to_path_buf(),
            message: format!("not a glossary: {m}"),
        };
        let mut glossary = if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
        {
            toml::from_str::<Glossary>(&text).map_err(|e| bad(e.message().to_string()))?
        } else {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .comment(Some(b'#'))
                .trim(csv::Trim::All)
                .from_reader(text.as_bytes());
            let mut terms = Vec::new();
            for (i, record) in reader.records().enumerate() {
                let record = record.map_err(|e| bad(e.to_string()))?;
                let field = |n: usize| record.get(n).map(str::trim).unwrap_or_default().to_string();
                let (source, target) = (field(0), field(1));
                if i == 0 && source.eq_ignore_ascii_case("source") {
                    continue;
                }
                if source.is_empty() || target.is_empty() {
                    return Err(bad(format!(
                        "line {}: needs a source and a target term",
                        i + 1
                    )));
                }
                let note = Some(field(2)).filter(|n| !n.is_empty());
                terms.push(Term {
                    source,
                    target,
                    note,
                    origin: String::new(),
                });
            }
            Glossary { terms }
        };
        for t in &mut glossary.terms {
            t.origin = "glossary".into();
        }
        Ok(glossary)
    }

    /// Terms whose source form occurs in `text`.
    pub fn in_text<'a>(&'a self, text: &str) -> Vec<&'a Term> {
        self.terms
            .iter()
            .filter(|t| !t.source.is_empty() && text.contains(&t.source))
            .collect()
    }

    /// The user's glossary first, then extracted terms in article order; the
    /// first form of a name wins, so an edit to a later article never changes
    /// an earlier one's terms. Returns the merge and one line per disagreement.
    pub fn merge(user: &Glossary, extracted: &[(String, Vec<Term>)]) -> (Glossary, Vec<String>) {
        let mut merged = user.clone();
        let mut conflicts = Vec::new();
        for (article, terms) in extracted {
            for term in terms {
                match merged.terms.iter().find(|t| t.source == term.source) {
                    Some(kept) if !kept.target.eq_ignore_ascii_case(&term.target) => conflicts
                        .push(format!(
                            "{}: {} renders it \"{}\", {} \"{}\" — using \"{}\"",
                            term.source,
                            kept.origin,
                            kept.target,
                            article,
                            term.target,
                            kept.target
                        )),
                    Some(_) => {}
                    None => merged.terms.push(Term {
                        origin: article.clone(),
                        ..term.clone()
                    }),
                }
            }
        }
        (merged, conflicts)
    }

    /// The glossary as TOML, for `gloss glossary --save` (loadable with `--glossary`).
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }
}

/// Read a term-extraction answer: one `source => target` per line.
pub fn parse_terms(answer: &str) -> Vec<Term> {
    let mut out: Vec<Term> = Vec::new();
    for line in answer.lines() {
        let line = line.trim().trim_start_matches(['-', '*', '•']).trim();
        let Some((source, target)) = line.split_once("=>").or_else(|| line.split_once('→'))
        else {
            continue;
        };
        let (source, target) = (
            source.trim().trim_matches('"'),
            target.trim().trim_matches('"'),
        );
        // A copy of the prompt's template line is no term.
        if source.starts_with('<') || target.starts_with('<') {
            continue;
        }
        // A term is a name, not a sentence: long "terms" are noise or an
        // attempt to smuggle instructions into later prompts.
        if source.chars().count() > 60 || target.chars().count() > 80 {
            continue;
        }
        // A "term" of one character or a copied line is noise.
        if source.chars().count() < 2 || target.is_empty() || source == target && !source.is_ascii()
        {
            continue;
        }
        if !out.iter().any(|t| t.source == source) {
            out.push(Term {
                source: source.into(),
                target: target.into(),
                note: None,
                origin: String::new(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_toml_load() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("g.csv");
        std::fs::write(&csv, "source,target,note\n혁신과학경제개발부,ISED,Canadian ministry\n\"우드맥켄지\", Wood Mackenzie\n").unwrap();
        let g = Glossary::load(&csv).unwrap();
        assert_eq!(g.terms.len(), 2);
        assert_eq!(g.terms[0].target, "ISED");
        assert_eq!(g.terms[0].note.as_deref(), Some("Canadian ministry"));
        assert_eq!(g.terms[1].target, "Wood Mackenzie");
        let toml_path = dir.path().join("g.toml");
        std::fs::write(&toml_path, g.to_toml()).unwrap();
        assert_eq!(Glossary::load(&toml_path).unwrap().terms, g.terms);
        std::fs::write(&csv, "only-one-field\n").unwrap();
        assert!(
            Glossary::load(&csv)
                .unwrap_err()
                .to_string()
                .contains("line 1")
        );
    }

    #[test]
    fn merge_keeps_first_and_reports_conflicts() {
        let user = Glossary {
            terms: vec![Term {
                source: "우드맥켄지".into(),
                target: "Wood Mackenzie".into(),
                note: None,
                origin: "glossary".into(),
            }],
        };
        let t = |s: &str, e: &str| Term {
            source: s.into(),
            target: e.into(),
            note: None,
            origin: String::new(),
        };
        let extracted = vec![
            (
                "A04".to_string(),
                vec![t("우드맥켄지", "WoodMac"), t("배터리", "battery")],
            ),
            (
                "A05".to_string(),
                vec![t("배터리", "Battery"), t("중국", "China")],
            ),
        ];
        let (merged, conflicts) = Glossary::merge(&user, &extracted);
        let targets: Vec<&str> = merged.terms.iter().map(|t| t.target.as_str()).collect();
        assert_eq!(targets, vec!["Wood Mackenzie", "battery", "China"]);
        assert_eq!(conflicts.len(), 1, "{conflicts:?}");
        assert!(conflicts[0].contains("WoodMac"));
        assert_eq!(merged.in_text("중국 배터리").len(), 2);
    }

    #[test]
    fn term_answers_parse_leniently() {
        let terms = parse_terms(
            "Here are the terms:\n- 우드맥켄지 => Wood Mackenzie\n* \"NGen\" => NGen\n나 => me\n중국 → China\n",
        );
        let pairs: Vec<(&str, &str)> = terms
            .iter()
            .map(|t| (t.source.as_str(), t.target.as_str()))
            .collect();
        assert_eq!(
            pairs,
            vec![
                ("우드맥켄지", "Wood Mackenzie"),
                ("NGen", "NGen"),
                ("중국", "China")
            ]
        );
    }
}
