//! The automatic termbase: the names of each article that are mentioned
//! again later in the issue (found by rules, `candidates`) are sent in one
//! short request per article for their English forms; an article without
//! such names sends nothing. Requests are cached per article; the lists are
//! merged with the user's glossary, the first form of a name winning, and
//! reach the chunks of that article and later ones (docs/terms.md).
//!
//! Only the selected articles are ever sent: a partial run (`--articles C04`)
//! costs at most one term request per article it translates. The articles
//! before the last selected one add their lists when the cache already holds
//! them (free), so after a full run a partial one gets the same terms and
//! cache keys.

mod candidates;

use candidates::Candidate;

use serde::Serialize;

use std::collections::HashSet;

use crate::cache::{AnswerKind, Cache};
use crate::config::Profile;
use crate::document::{Article, ArticleKind, Issue};
use crate::error::Result;
use crate::glossary::{Glossary, Term, parse_terms};
use crate::llm::LlmError;
use crate::prompts::{Messages, Prompts};
use crate::stage::{AnswerSpec, RequestReport, Services, lookup};
use crate::translate::Languages;

/// What the term stage reads of a run: the issue and which of its
/// articles are selected, the languages, the user's glossary, the prompts,
/// and the profile and cache its cached lists are looked up with.
pub struct Scope<'a> {
    pub issue: &'a Issue,
    pub selected: &'a HashSet<String>,
    pub languages: &'a Languages,
    pub glossary: &'a Glossary,
    pub prompts: &'a Prompts,
    pub profile: &'a Profile,
    pub cache: &'a Cache,
}

impl Scope<'_> {
    /// Whether the run processes article `id`.
    fn is_selected(&self, id: &str) -> bool {
        self.selected.contains(id)
    }
}

/// Room for a term list.
const TERMS_MAX_TOKENS: u32 = 500;

#[derive(Serialize)]
struct Context<'a> {
    source_language: &'a str,
    target_language: &'a str,
    title: &'a str,
    names: &'a [NameLine],
}

/// One line of a term request: a name and where the article uses it.
#[derive(Serialize)]
struct NameLine {
    name: String,
    context: Option<String>,
}

fn messages(p: &Scope<'_>, article: &Article, names: &[Candidate]) -> Result<Messages> {
    let names: Vec<NameLine> = names
        .iter()
        .map(|c| NameLine {
            name: c.name.clone(),
            context: c.context.clone(),
        })
        .collect();
    p.prompts.render(
        "terms.md",
        Context {
            source_language: &p.languages.source,
            target_language: &p.languages.target,
            title: &article.title,
            names: &names,
        },
    )
}

/// The articles whose terms the selected ones may use (every article up to
/// the last selected one; only the selected ones are requested), each with
/// its candidate names. Candidates are found over the whole issue, since a
/// name needs a fixed form when any later paragraph mentions it again.
fn articles<'a>(p: &Scope<'a>) -> Vec<(&'a Article, Vec<Candidate>)> {
    let all: Vec<&Article> = p
        .issue
        .articles
        .iter()
        .filter(|a| a.kind != ArticleKind::Front)
        .collect();
    let texts: Vec<Vec<&str>> = all
        .iter()
        .map(|a| {
            std::iter::once(a.title.as_str())
                .chain(a.paragraphs.iter().map(|x| x.text.as_str()))
                .collect()
        })
        .collect();
    let known = |name: &str| p.glossary.terms.iter().any(|t| t.source == name);
    let found = candidates::find(&texts, known);
    let last = all.iter().rposition(|a| p.is_selected(&a.id));
    all.into_iter()
        .zip(found)
        .take(last.map_or(0, |l| l + 1))
        .collect()
}

/// An article's position in the issue, for ordering.
fn position(p: &Scope<'_>, id: &str) -> usize {
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
pub fn merge(p: &Scope<'_>, mut found: Vec<TermList>) -> Termbase {
    found.sort_by_key(|(id, _)| position(p, id));
    if p.languages.target.eq_ignore_ascii_case("English") {
        for (_, terms) in &mut found {
            terms.retain(is_english_form);
        }
    }
    let (glossary, conflicts) = Glossary::merge(p.glossary, &found);
    Termbase {
        glossary,
        conflicts,
    }
}

/// Whether a term's rendering reads as English: a small model may answer a
/// name's "English form" in the source script (`캐나다 첨단 제조 클러스터 →
/// 글로벌 혁신 클러스터`), and such a term would tell every later chunk to
/// leave the name untranslated. The same share of CJK letters as the brief's
/// language check.
/// A gloss in parentheses (`AI (인공지능)`) is set aside first.
fn is_english_form(term: &Term) -> bool {
    let outside = crate::qa::PARENTHESES.replace_all(&term.target, "");
    let text = if outside.chars().any(char::is_alphabetic) {
        &outside
    } else {
        term.target.as_str()
    };
    crate::qa::cjk_letter_share(text) <= crate::qa::FOREIGN_SHARE
}

/// An article's id and the terms extracted from it.
pub type TermList = (String, Vec<Term>);

/// One selected article's term-list request.
pub struct TermRequest {
    pub article: String,
    messages: Messages,
}

impl TermRequest {
    /// The system and user messages, for counting what the request sends.
    pub fn texts(&self) -> [&str; 2] {
        [&self.messages.system, &self.messages.user]
    }
}

/// The term requests of the selected articles that have candidate names,
/// and the lists of the earlier unselected ones that the cache already
/// holds (those are never sent). An article without candidates has no
/// request and adds no terms.
pub fn requests(p: &Scope<'_>) -> Result<(Vec<TermRequest>, Vec<TermList>)> {
    let mut to_send = Vec::new();
    let mut found = Vec::new();
    for (article, names) in articles(p) {
        if names.is_empty() {
            continue;
        }
        let messages = messages(p, article, &names)?;
        if p.is_selected(&article.id) {
            to_send.push(TermRequest {
                article: article.id.clone(),
                messages,
            });
        } else {
            found.push((article.id.clone(), cached_terms(p, &messages)));
        }
    }
    Ok((to_send, found))
}

/// Answer one term request from the cache or the endpoint: the article's
/// terms (none when the request failed) and its report.
pub async fn extract(
    request: TermRequest,
    s: &Services<'_>,
) -> std::result::Result<(TermList, RequestReport), LlmError> {
    let item = format!("terms {}", request.article);
    let spec = AnswerSpec {
        kind: AnswerKind::Terms,
        max_tokens: TERMS_MAX_TOKENS,
        line_list: true,
        sentences: false,
    };
    let (answer, report) = s.complete(&item, spec, &request.messages).await?;
    let terms = answer.as_deref().map(parse_terms).unwrap_or_default();
    Ok(((request.article, terms), report))
}

/// What the selected articles' term requests send, counted with `count`
/// (tokens of a text), for `gloss plan`: the requests, their input tokens
/// (each chat message its text and a few tokens of framing), and the names
/// asked about.
pub fn counts(p: &Scope<'_>, count: impl Fn(&str) -> usize) -> Result<(u64, u64, u64)> {
    let (mut requests, mut input_tokens, mut names_asked) = (0, 0, 0);
    for (article, names) in articles(p) {
        if names.is_empty() || !p.is_selected(&article.id) {
            continue;
        }
        let messages = messages(p, article, &names)?;
        requests += 1;
        input_tokens += [&messages.system, &messages.user]
            .iter()
            .map(|m| count(m) as u64 + 4)
            .sum::<u64>();
        names_asked += names.len() as u64;
    }
    Ok((requests, input_tokens, names_asked))
}

/// An article's term list if the cache holds it, else none.
fn cached_terms(p: &Scope<'_>, messages: &Messages) -> Vec<Term> {
    lookup(
        AnswerKind::Terms,
        messages,
        p.profile,
        p.cache,
        TERMS_MAX_TOKENS,
    )
    .map(|a| parse_terms(&a))
    .unwrap_or_default()
}

/// The termbase from the cache alone; articles not extracted yet add nothing.
pub fn cached(p: &Scope<'_>) -> Result<Termbase> {
    let mut found = Vec::new();
    for (article, names) in articles(p) {
        if names.is_empty() {
            continue;
        }
        let terms = cached_terms(p, &messages(p, article, &names)?);
        found.push((article.id.clone(), terms));
    }
    Ok(merge(p, found))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rendering_in_the_source_script_is_no_english_form() {
        let terms = parse_terms(
            "우드맥켄지 => Wood Mackenzie\n\
             캐나다 첨단 제조 클러스터 => 글로벌 혁신 클러스터\n\
             OECD => OECD 스킬 전망\n\
             LC3 => LC3 low-carbon cement\n\
             텅스텐 => tungsten (텅스텐)\n\
             인공지능 => AI (인공지능)\n\
             전망 => (전망)\n",
        );
        let kept: Vec<&str> = terms
            .iter()
            .filter(|t| is_english_form(t))
            .map(|t| t.source.as_str())
            .collect();
        assert_eq!(kept, ["우드맥켄지", "LC3", "텅스텐", "인공지능"]);
    }
}
