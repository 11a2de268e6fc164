//! Term lists and translations as one graph of requests: a chunk starts as
//! soon as the term lists of its own and the earlier articles are known (the
//! only terms its prompt may use), so the endpoint never idles waiting for
//! the last term list before the first translation.

use std::collections::HashMap;
use std::sync::Arc;

use crate::chunk::Chunk;
use crate::document::Article;
use crate::error::{GlossError, Result};
use crate::llm::LlmError;
use crate::stage::RequestReport;
use crate::translate::{ChunkReport, Translated, TranslationMap, Translator};

use super::Prepared;
use super::graph::{Graph, NodeId};
use super::terms::{self, TermList, TermRequest, Termbase};

/// What the term and translation requests produced.
pub struct TermsAndTranslations {
    pub termbase: Termbase,
    /// The term requests' reports, by item.
    pub term_reports: Vec<RequestReport>,
    /// The chunks' reports, by chunk id.
    pub chunk_reports: Vec<ChunkReport>,
    pub translations: TranslationMap,
}

enum Job {
    Terms(TermRequest),
    Chunk(String, Chunk),
}

enum Answer {
    Terms(TermList, RequestReport),
    Chunk(Option<Vec<Translated>>, ChunkReport),
}

/// The graph's nodes: term requests first (when `with_terms`), then every
/// chunk, each needing the term requests of its own and earlier articles.
fn build_graph(
    p: &Prepared,
    articles: &[(Article, Vec<Chunk>)],
    term_requests: Vec<TermRequest>,
) -> (Graph, Vec<Option<Job>>) {
    let tokens: HashMap<&str, u64> = articles
        .iter()
        .map(|(a, c)| (a.id.as_str(), c.iter().map(|c| c.tokens as u64).sum()))
        .collect();
    let order = super::article_order(&p.issue);
    let mut graph = Graph::new();
    let mut jobs = Vec::new();
    let mut term_nodes: Vec<(usize, NodeId)> = Vec::new();
    for r in term_requests {
        let weight = tokens.get(r.article.as_str()).copied().unwrap_or(0);
        let at = order.get(&r.article).copied().unwrap_or(usize::MAX);
        term_nodes.push((at, graph.add(weight, &[])));
        jobs.push(Some(Job::Terms(r)));
    }
    for (article, chunks) in articles {
        let at = order.get(&article.id).copied().unwrap_or(usize::MAX);
        let needs: Vec<NodeId> = term_nodes
            .iter()
            .filter(|(pos, _)| *pos <= at)
            .map(|(_, n)| *n)
            .collect();
        for c in chunks {
            graph.add(c.tokens as u64, &needs);
            jobs.push(Some(Job::Chunk(article.title.clone(), c.clone())));
        }
    }
    (graph, jobs)
}

/// Send the term requests (when `with_terms`) and the chunks of `articles`,
/// at most the profile's concurrency at a time, ready requests heaviest
/// first. A fatal endpoint error stops every request in flight at once.
pub async fn terms_and_translations(
    p: &Prepared,
    articles: &[(Article, Vec<Chunk>)],
    translator: Translator,
    with_terms: bool,
    progress: bool,
) -> Result<TermsAndTranslations> {
    let (term_requests, mut found) = if with_terms {
        terms::requests(p)?
    } else {
        (Vec::new(), Vec::new())
    };
    let (mut graph, mut jobs) = build_graph(p, articles, term_requests);
    let base = Arc::new(translator);
    let bar = crate::progress::stage_bar("translate", "requests", graph.len() as u64, progress);
    let slots = Arc::new(tokio::sync::Semaphore::new(p.profile.concurrency.max(1)));
    let mut set = tokio::task::JoinSet::new();
    let mut out = TermsAndTranslations {
        termbase: terms::merge(p, Vec::new()),
        term_reports: Vec::new(),
        chunk_reports: Vec::new(),
        translations: HashMap::new(),
    };
    let (mut tokens_in, mut tokens_out) = (0u64, 0u64);
    while !graph.finished() {
        tokio::select! {
            permit = slots.clone().acquire_owned(), if graph.has_ready() => {
                let Ok(permit) = permit else { break };
                let Some(node) = graph.next_ready() else { continue };
                let Some(job) = jobs.get_mut(node).and_then(Option::take) else { continue };
                let translator = match job {
                    Job::Terms(_) => base.clone(),
                    Job::Chunk(..) => {
                        // Every term list this chunk may use is in `found` now.
                        let mut t = (*base).clone();
                        t.glossary = terms::merge(p, found.clone()).glossary;
                        Arc::new(t)
                    }
                };
                set.spawn(async move {
                    let answer = run(job, &translator).await;
                    drop(permit);
                    (node, answer)
                });
            }
            Some(joined) = set.join_next(), if !set.is_empty() => {
                let (node, answer) = match joined {
                    Ok((node, Ok(a))) => (node, a),
                    Ok((_, Err(fatal))) => {
                        set.abort_all();
                        bar.finish_and_clear();
                        return Err(GlossError::Llm(fatal));
                    }
                    Err(e) => return Err(GlossError::Task { stage: "translation", message: e.to_string() }),
                };
                graph.done(node);
                bar.inc(1);
                match answer {
                    Answer::Terms(list, report) => {
                        tokens_in += report.traffic.tokens_in;
                        tokens_out += report.traffic.tokens_out;
                        found.push(list);
                        out.term_reports.push(report);
                    }
                    Answer::Chunk(segments, report) => {
                        tokens_in += report.traffic.tokens_in;
                        tokens_out += report.traffic.tokens_out;
                        if let Some(segments) = segments {
                            out.translations.extend(segments.into_iter().map(|t| (t.id.clone(), t)));
                        }
                        out.chunk_reports.push(report);
                    }
                }
                bar.set_message(format!("{tokens_in} tokens in, {tokens_out} out"));
            }
            else => break,
        }
    }
    bar.finish_and_clear();
    out.termbase = terms::merge(p, found);
    out.term_reports.sort_by(|a, b| a.item.cmp(&b.item));
    out.chunk_reports.sort_by(|a, b| a.chunk.cmp(&b.chunk));
    Ok(out)
}

/// Send one job (or answer it from the cache); `translator` carries the
/// profile, cache and client, and for a chunk the glossary it may use.
async fn run(job: Job, translator: &Translator) -> std::result::Result<Answer, LlmError> {
    match job {
        Job::Terms(r) => {
            let t = translator;
            let (list, report) = terms::extract(r, &t.profile, &t.cache, &t.client).await?;
            Ok(Answer::Terms(list, report))
        }
        Job::Chunk(title, chunk) => {
            let (segments, report) = translator.translate_chunk(&title, &chunk).await?;
            Ok(Answer::Chunk(segments, report))
        }
    }
}
