//! `gloss qa`: the quality report of an issue, from cached translations
//! alone (nothing is sent).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::Result;

use super::{Prepared, RunOptions, chunk_selected, prepare};
use crate::terms;
use crate::translate::Translator;

/// One article's line of the QA report.
#[derive(Debug, Serialize)]
pub struct QaArticle {
    pub id: String,
    /// Segments (title and paragraphs, split pieces counted once each).
    pub segments: usize,
    /// Segments found in the cache and checked.
    pub checked: usize,
    pub flagged: usize,
    pub repaired: usize,
    pub reasons: BTreeMap<String, usize>,
}

/// The QA report of an issue, from the cache alone.
#[derive(Debug, Serialize)]
pub struct QaReport {
    pub segments: usize,
    pub checked: usize,
    pub repaired: usize,
    pub reasons: BTreeMap<String, usize>,
    /// Flagged segment id → reasons.
    pub flagged: Vec<(String, Vec<String>)>,
    /// Segments a check flagged that a reviewer has since corrected or
    /// approved (`gloss import`): id → the reasons they were flagged for.
    pub resolved: Vec<(String, Vec<String>)>,
    pub articles: Vec<QaArticle>,
}

/// The translator whose cache keys are those of the run `opts` describes,
/// with the termbase read from the cache (sends nothing).
pub fn cached_translator(opts: &RunOptions, p: &Prepared) -> Result<Translator> {
    let termbase = if opts.termbase && p.profile.termbase {
        terms::cached(&p.term_scope())?
    } else {
        terms::Termbase {
            glossary: p.glossary.clone(),
            conflicts: Vec::new(),
        }
    };
    Ok(super::translator(p, opts.repair, termbase.glossary))
}

/// Build the QA report from cached translations; sends nothing.
pub fn qa_report(opts: &RunOptions) -> Result<QaReport> {
    let p = prepare(opts)?;
    let articles = chunk_selected(&p);
    let translator = cached_translator(opts, &p)?;
    let mut report = QaReport {
        segments: 0,
        checked: 0,
        repaired: 0,
        reasons: Default::default(),
        flagged: Vec::new(),
        resolved: Vec::new(),
        articles: Vec::new(),
    };
    for (article, chunks) in &articles {
        let mut line = QaArticle {
            id: article.id.clone(),
            segments: 0,
            checked: 0,
            flagged: 0,
            repaired: 0,
            reasons: Default::default(),
        };
        for chunk in chunks {
            line.segments += chunk.segments.len();
            let Some(done) = translator.cached(&article.title, chunk)? else {
                continue;
            };
            for t in done {
                line.checked += 1;
                let source = chunk.segments.iter().find(|s| s.id == t.id);
                if !t.flags.is_empty()
                    && source.is_some_and(|s| translator.memory.human(&s.text).is_some())
                {
                    let why = t.flags.iter().map(|f| f.to_string()).collect();
                    report.resolved.push((t.id.clone(), why));
                    continue;
                }
                // Repaired: the repair's answer passed every check.
                line.repaired += (t.repaired && t.flags.is_empty()) as usize;
                if !t.flags.is_empty() {
                    line.flagged += 1;
                    for f in &t.flags {
                        *line.reasons.entry(f.kind.name().to_string()).or_default() += 1;
                        *report.reasons.entry(f.kind.name().to_string()).or_default() += 1;
                    }
                    report.flagged.push((
                        t.id.clone(),
                        t.flags.iter().map(|f| f.to_string()).collect(),
                    ));
                }
            }
        }
        report.segments += line.segments;
        report.checked += line.checked;
        report.repaired += line.repaired;
        report.articles.push(line);
    }
    Ok(report)
}
