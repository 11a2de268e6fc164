//! The automatic termbase: one request per article extracts its names with
//! their English forms (cached per article, from the source text, so an edit
//! to one article never changes another's request); the lists are merged
//! with the user's glossary, the first form of a name winning.
//!
//! Only the selected articles are ever sent: a partial run (`--articles C04`)
//! costs one term request per article it translates. The articles before the
//! last selected one add their lists when the cache already holds them (free),
//! so after a full run a partial one gets the same terms and cache keys.

use std::sync::Arc;

use serde::Serialize;

use crate::document::{Article, ArticleKind};
use crate::error::{GlossError, Result};
use crate::glossary::{Glossary, Term, parse_terms};
use crate::llm::LazyClient;
use crate::prompts::Messages;
use crate::stage::{AnswerSpec, RequestReport, complete_cached, lookup};

use super::Prepared;

/// Room for a term list.
const TERMS_MAX_TOKENS: u32 = 500;

#[derive(Serialize)]
struct Context<'a> {
    source_language: &'a str,
    target_language: &'a str,
    title: &'a str,
    text: String,
}

fn messages(p: &Prepared, article: &Article) -> Result<Messages> {
    let text = article
        .paragraphs
        .iter()
        .map(|x| x.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    p.prompts.render(
        "terms.md",
        Context {
            source_language: &p.languages.source,
            target_language: &p.languages.target,
            title: &article.title,
            text,
        },
    )
}

/// The articles whose terms the selected ones may use: every article up to
/// the last selected one (only the selected ones are requested).
fn articles(p: &Prepared) -> Vec<Article> {
    let last = p
        .issue
        .articles
        .iter()
        .rposition(|a| p.selected.contains(&a.id))
        .unwrap_or(0);
    p.issue.articles[..=last.min(p.issue.articles.len().saturating_sub(1))]
        .iter()
        .filter(|a| a.kind != ArticleKind::Front)
        .cloned()
        .collect()
}

/// An article's position in the issue, for ordering.
fn position(p: &Prepared, id: &str) -> usize {
    p.issue
        .articles
        .iter()
        .position(|a| a.id == id)
        .unwrap_or(usize::MAX)
}

/// The merged glossary and the disagreements found while merging.
pub struct Termbase {
    pub glossary: Glossary,
    pub conflicts: Vec<String>,
}

fn merge(p: &Prepared, extracted: Vec<(String, Vec<Term>)>) -> Termbase {
    let (glossary, conflicts) = Glossary::merge(&p.glossary, &extracted);
    Termbase {
        glossary,
        conflicts,
    }
}

/// Extract (or read from the cache) every selected article's terms and merge them.
pub async fn build(
    p: &Prepared,
    client: &Arc<LazyClient>,
    progress: bool,
) -> Result<(Termbase, Vec<RequestReport>)> {
    let mut set = tokio::task::JoinSet::new();
    let mut found: Vec<(String, Vec<Term>)> = Vec::new();
    for article in articles(p) {
        let messages = messages(p, &article)?;
        if !p.selected.contains(&article.id) {
            // Not translated in this run: never sent, used only if cached.
            found.push((article.id, cached_terms(p, &messages)));
            continue;
        }
        let (profile, cache, client) = (p.profile.clone(), p.cache.clone(), client.clone());
        set.spawn(async move {
            let item = format!("terms {}", article.id);
            let result = complete_cached(
                &item,
                AnswerSpec {
                    kind: "terms",
                    max_tokens: TERMS_MAX_TOKENS,
                    line_list: true,
                },
                &messages,
                &profile,
                &cache,
                &client,
            )
            .await;
            (article.id, result)
        });
    }
    let mut reports = Vec::new();
    let bar = crate::progress::stage_bar("termbase", "articles", set.len() as u64, progress);
    while let Some(joined) = set.join_next().await {
        let (id, result) = joined.map_err(|e| GlossError::Task {
            stage: "termbase",
            message: e.to_string(),
        })?;
        let (answer, report) = result.map_err(GlossError::Llm)?;
        found.push((id, answer.as_deref().map(parse_terms).unwrap_or_default()));
        reports.push(report);
        bar.inc(1);
    }
    bar.finish_and_clear();
    // Merge in article order, whatever order the answers came in.
    found.sort_by_key(|(id, _)| position(p, id));
    reports.sort_by(|a, b| a.item.cmp(&b.item));
    Ok((merge(p, found), reports))
}

/// An article's term list if the cache holds it, else none.
fn cached_terms(p: &Prepared, messages: &Messages) -> Vec<Term> {
    lookup("terms", messages, &p.profile, &p.cache, TERMS_MAX_TOKENS)
        .map(|a| parse_terms(&a))
        .unwrap_or_default()
}

/// The termbase from the cache alone; articles not extracted yet add nothing.
pub fn cached(p: &Prepared) -> Result<Termbase> {
    let mut found = Vec::new();
    for article in articles(p) {
        let terms = cached_terms(p, &messages(p, &article)?);
        found.push((article.id, terms));
    }
    Ok(merge(p, found))
}
