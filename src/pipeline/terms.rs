//! The automatic termbase: one request per article extracts its names with
//! their English forms (cached per article, from the source text, so an edit
//! to one article never changes another's request); the lists are merged
//! with the user's glossary, the first form of a name winning.
//!
//! Only the selected articles are ever sent: a partial run (`--articles C04`)
//! costs one term request per article it translates. The articles before the
//! last selected one add their lists when the cache already holds them (free),
//! so after a full run a partial one gets the same terms and cache keys.

use serde::Serialize;

use crate::cache::Cache;
use crate::config::Profile;
use crate::document::{Article, ArticleKind};
use crate::error::Result;
use crate::glossary::{Glossary, Term, parse_terms};
use crate::llm::{LazyClient, LlmError};
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

/// Merge the lists in article order, whatever order the answers came in.
pub fn merge(p: &Prepared, mut found: Vec<TermList>) -> Termbase {
    found.sort_by_key(|(id, _)| position(p, id));
    let (glossary, conflicts) = Glossary::merge(&p.glossary, &found);
    Termbase {
        glossary,
        conflicts,
    }
}

/// An article's id and the terms extracted from it.
pub type TermList = (String, Vec<Term>);

/// One selected article's term-list request.
pub struct TermRequest {
    pub article: String,
    messages: Messages,
}

/// The term requests of the selected articles, and the lists of the earlier
/// unselected ones that the cache already holds (those are never sent).
pub fn requests(p: &Prepared) -> Result<(Vec<TermRequest>, Vec<TermList>)> {
    let mut to_send = Vec::new();
    let mut found = Vec::new();
    for article in articles(p) {
        let messages = messages(p, &article)?;
        if p.selected.contains(&article.id) {
            to_send.push(TermRequest {
                article: article.id,
                messages,
            });
        } else {
            found.push((article.id, cached_terms(p, &messages)));
        }
    }
    Ok((to_send, found))
}

/// Answer one term request from the cache or the endpoint: the article's
/// terms (none when the request failed) and its report.
pub async fn extract(
    request: TermRequest,
    profile: &Profile,
    cache: &Cache,
    client: &LazyClient,
) -> std::result::Result<(TermList, RequestReport), LlmError> {
    let item = format!("terms {}", request.article);
    let spec = AnswerSpec {
        kind: "terms",
        max_tokens: TERMS_MAX_TOKENS,
        line_list: true,
    };
    let (answer, report) =
        complete_cached(&item, spec, &request.messages, profile, cache, client).await?;
    let terms = answer.as_deref().map(parse_terms).unwrap_or_default();
    Ok(((request.article, terms), report))
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
