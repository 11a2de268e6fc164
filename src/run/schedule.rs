//! One scheduler for a whole run. Every request of a run is a node of one
//! graph ([`super::graph`]): term lists, translation chunks (with their
//! repairs), the section names ([`super::sections`]), summaries and the
//! brief. A chunk starts as soon as the term lists of its own and the earlier
//! articles are known (the only terms its prompt may use), the section names
//! at once, an article's summary as soon as its chunks are done, the brief
//! when every summary, chunk and section name is in; ready nodes go longest
//! path first (a node weighs its expected output tokens), at
//! most the profile's concurrency at a time. So the endpoint never idles
//! waiting for a stage's last request while other work is ready.
//!
//! A node names the issue it belongs to ([`IssueIx`]) and the issue's data
//! lives in its own [`IssueRun`]: the nodes of several issues can share the
//! graph. The stages own their flows (terms, [`crate::translate`],
//! [`crate::summarize`], [`crate::brief`]); this module only turns finished
//! nodes into the next nodes' plain inputs.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::brief::{ArticleSource, BriefArticle, BriefInput, BriefOutcome, BriefRequest};
use crate::chunk::Chunk;
use crate::document::{Article, ArticleKind};
use crate::error::{GlossError, Result};
use crate::render::DigestArticle;
use crate::stage::RequestReport;
use crate::summarize::{Summary, SummaryOutcome, SummaryRequest};
use crate::translate::{ChunkReport, Translated, TranslationMap, Translator};

use super::Prepared;
use super::graph::{Graph, NodeId};
use super::stages::Stage;
use crate::sections;
use crate::terms::{self, TermList, TermRequest, Termbase};

/// A request's fixed cost in output tokens' worth of time (latency before
/// the first token), so that many small requests weigh what they take.
const REQUEST_OVERHEAD: u64 = 60;

/// Which of a run's issues a node belongs to.
pub type IssueIx = usize;

/// Which stages a run's graph holds.
#[derive(Debug, Clone, Copy)]
pub struct Wanted {
    pub terms: bool,
    pub translate: bool,
    /// Summaries and the brief.
    pub brief: bool,
}

/// What a node does, before its inputs are known.
enum Task {
    Terms(TermRequest),
    /// `article`: the index in [`IssueRun::articles`].
    Chunk {
        article: usize,
        chunk: Chunk,
    },
    Summary {
        article: usize,
    },
    /// Some of the selected articles' section names ([`sections::chunks`]).
    Sections(Chunk),
    Brief,
}

struct Node {
    issue: IssueIx,
    stage: Stage,
    task: Option<Task>,
}

/// A node's work with its inputs, ready to send.
enum Work {
    Terms(TermRequest),
    Chunk(String, Chunk),
    Sections(Chunk),
    Summary(SummaryRequest),
    Brief(BriefRequest),
}

/// A node's result.
enum Answer {
    Terms(TermList, RequestReport),
    Chunk(Option<Vec<Translated>>, ChunkReport),
    /// Section name → its translation (the usable answers only).
    Sections(BTreeMap<String, String>, ChunkReport),
    Summary(SummaryOutcome),
    Brief(BriefOutcome),
}

/// What one issue's nodes produced.
#[derive(Default)]
pub struct IssueOutcome {
    pub termbase: Option<Termbase>,
    /// The term requests' reports, by item.
    pub term_reports: Vec<RequestReport>,
    /// The summary requests' reports, by item.
    pub summary_reports: Vec<RequestReport>,
    /// The brief's requests' reports, in the order sent (parts, then the brief).
    pub brief_reports: Vec<RequestReport>,
    /// The chunks' reports, by chunk id.
    pub chunk_reports: Vec<ChunkReport>,
    pub translations: TranslationMap,
    /// By article id.
    pub summaries: HashMap<String, Summary>,
    /// Section name → its translation in the target language.
    pub section_names: BTreeMap<String, String>,
    pub brief: Option<crate::brief::Brief>,
    /// For the user, one line each.
    pub warnings: Vec<String>,
}

/// One issue of a run: its prepared input, the translator (its services),
/// and what its finished nodes produced so far.
pub struct IssueRun<'a> {
    p: &'a Prepared,
    /// The selected articles, in issue order.
    articles: Vec<Article>,
    translator: Arc<Translator>,
    /// Term lists found so far (sent or cached).
    found: Vec<TermList>,
    out: IssueOutcome,
}

impl<'a> IssueRun<'a> {
    /// An issue's run; `translator` carries the services and the user's glossary.
    pub fn new(
        p: &'a Prepared,
        articles: &[(Article, Vec<Chunk>)],
        translator: Translator,
    ) -> Self {
        IssueRun {
            p,
            articles: articles.iter().map(|(a, _)| a.clone()).collect(),
            translator: Arc::new(translator),
            found: Vec::new(),
            out: IssueOutcome::default(),
        }
    }

    /// The node's work with its inputs, from what is done; `None` when there
    /// is nothing to send (an article with no translation to summarize).
    fn work(&self, task: Task) -> Result<Option<(Work, Arc<Translator>)>> {
        let work = match task {
            Task::Terms(r) => Work::Terms(r),
            Task::Chunk { article, chunk } => {
                // Every term list this chunk may use is in `found` now.
                let mut t = (*self.translator).clone();
                t.glossary = terms::merge(&self.p.term_scope(), self.found.clone()).glossary;
                let title = self.articles[article].title.clone();
                return Ok(Some((Work::Chunk(title, chunk), Arc::new(t))));
            }
            Task::Sections(chunk) => Work::Sections(chunk),
            Task::Summary { article } => match self.summary_request(article)? {
                Some(r) => Work::Summary(r),
                None => return Ok(None),
            },
            Task::Brief => match self.brief_request() {
                Some(r) => Work::Brief(r),
                None => return Ok(None),
            },
        };
        Ok(Some((work, self.translator.clone())))
    }

    fn summary_request(&self, article: usize) -> Result<Option<SummaryRequest>> {
        let a = &self.articles[article];
        let translated = DigestArticle::build(a, &self.out.translations);
        let paragraphs: Vec<&str> = translated
            .segments
            .iter()
            .filter_map(|s| s.translation.as_deref())
            .collect();
        SummaryRequest::new(
            &self.p.prompts,
            &self.p.languages.target,
            a,
            translated.title_translation.as_deref(),
            &paragraphs,
            self.known(),
        )
    }

    /// Every article id of the issue: what a summary or the brief may cite.
    fn known(&self) -> std::collections::BTreeSet<String> {
        self.p.issue.articles.iter().map(|a| a.id.clone()).collect()
    }

    /// The brief's inputs: the summaries in issue order; `None` without any.
    fn brief_request(&self) -> Option<BriefRequest> {
        let articles: Vec<DigestArticle> = self
            .articles
            .iter()
            .map(|a| DigestArticle::build(a, &self.out.translations))
            .collect();
        // The reader's language where the names came back translated; each
        // printed section once, even when two translate alike.
        let name = |s: &Option<String>| {
            s.as_ref()
                .map(|s| self.out.section_names.get(s).unwrap_or(s).clone())
        };
        let mut printed: Vec<&Option<String>> = Vec::new();
        for a in articles.iter().filter(|a| a.section.is_some()) {
            if !printed.contains(&&a.section) {
                printed.push(&a.section);
            }
        }
        let sections: Vec<String> = printed.into_iter().filter_map(name).collect();
        let summarized = || {
            articles
                .iter()
                .filter_map(|a| Some((a, self.out.summaries.get(&a.id)?)))
        };
        let inputs: Vec<BriefInput> = summarized()
            .map(|(a, s)| {
                let mut text = s.text.clone();
                for point in &s.key_points {
                    text.push_str("\n- ");
                    text.push_str(point);
                }
                BriefInput {
                    id: a.id.clone(),
                    title: a.display_title(),
                    section: name(&a.section),
                    text,
                }
            })
            .collect();
        (!inputs.is_empty()).then(|| BriefRequest {
            issue: self.p.issue.name.clone(),
            target_language: self.p.languages.target.clone(),
            sections,
            known: self.known(),
            inputs,
            key_points: summarized()
                .map(|(a, s)| (a.id.clone(), s.key_points.clone()))
                .collect(),
            sources: self
                .articles
                .iter()
                .map(|a| ArticleSource {
                    id: a.id.clone(),
                    text: a.full_text(),
                })
                .collect(),
            // What the parse knows, for the brief's "By section" (the front
            // matter is no article of a section).
            articles: articles
                .iter()
                .filter(|a| a.kind != crate::document::ArticleKind::Front)
                .map(|a| BriefArticle {
                    id: a.id.clone(),
                    title: a.display_title(),
                    section: name(&a.section),
                    // The brief is English: `日 MURC` reads `Japan MURC` there.
                    source: a.source.as_deref().map(|s| {
                        if self.p.languages.source == "Korean" {
                            crate::hanja::english_hanja(s)
                        } else {
                            s.to_string()
                        }
                    }),
                    date: a.date.clone(),
                })
                .collect(),
        })
    }

    /// Take in a finished node's answer.
    fn absorb(&mut self, answer: Answer) {
        let out = &mut self.out;
        match answer {
            Answer::Terms(list, report) => {
                self.found.push(list);
                out.term_reports.push(report);
            }
            Answer::Chunk(segments, report) => {
                for t in segments.into_iter().flatten() {
                    out.translations.insert(t.id.clone(), t);
                }
                out.chunk_reports.push(report);
            }
            Answer::Sections(names, report) => {
                let lost = report.segments.saturating_sub(names.len());
                if lost > 0 {
                    out.warnings.push(format!(
                        "{lost} of {} section names came back unusable ({}); their headings stay as printed",
                        report.segments, report.status
                    ));
                }
                out.section_names.extend(names);
                out.chunk_reports.push(report);
            }
            Answer::Summary(outcome) => {
                if let Some(s) = outcome.summary {
                    out.summaries.insert(s.id.clone(), s);
                }
                out.summary_reports.extend(outcome.reports);
                out.warnings.extend(outcome.warnings);
            }
            Answer::Brief(b) => {
                out.brief = Some(b.brief);
                out.brief_reports.extend(b.reports);
                out.warnings.extend(b.warnings);
            }
        }
    }

    /// What the issue's nodes produced, reports in item order.
    fn finish(mut self, with_terms: bool) -> IssueOutcome {
        if with_terms {
            self.out.termbase = Some(terms::merge(&self.p.term_scope(), self.found));
        }
        self.out.term_reports.sort_by(|a, b| a.item.cmp(&b.item));
        self.out.summary_reports.sort_by(|a, b| a.item.cmp(&b.item));
        self.out.chunk_reports.sort_by(|a, b| a.chunk.cmp(&b.chunk));
        self.out
    }
}

/// A run's graph: the nodes of every issue, and what each is.
#[derive(Default)]
pub struct RunGraph {
    graph: Graph,
    nodes: Vec<Node>,
}

impl RunGraph {
    fn add(
        &mut self,
        issue: IssueIx,
        stage: Stage,
        task: Task,
        weight: u64,
        needs: &[NodeId],
    ) -> NodeId {
        self.nodes.push(Node {
            issue,
            stage,
            task: Some(task),
        });
        let id = self.graph.add(weight + REQUEST_OVERHEAD, needs);
        debug_assert_eq!(
            self.graph.len(),
            self.nodes.len(),
            "a node's id is its index"
        );
        id
    }

    /// Nodes per stage.
    pub fn counts(&self) -> Vec<(Stage, u64)> {
        Stage::ALL
            .iter()
            .map(|&s| (s, self.nodes.iter().filter(|n| n.stage == s).count() as u64))
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}

/// Add one issue's nodes: its term requests (cached lists of unselected
/// articles go straight to `run`), chunks, summaries and brief, as `wanted`.
pub fn build(
    g: &mut RunGraph,
    ix: IssueIx,
    run: &mut IssueRun<'_>,
    articles: &[(Article, Vec<Chunk>)],
    wanted: Wanted,
) -> Result<()> {
    let order = super::article_order(&run.p.issue);
    let term_nodes = if wanted.terms {
        add_term_nodes(g, ix, run, &order)?
    } else {
        Vec::new()
    };
    if !wanted.translate {
        return Ok(());
    }
    // Needs nothing: the names' prompt uses only the user's glossary.
    let section_nodes: Vec<NodeId> = super::section_chunks(run.p)
        .into_iter()
        .map(|c| {
            let weight = super::plan::chunk_output_tokens(&c);
            g.add(ix, Stage::Translate, Task::Sections(c), weight, &[])
        })
        .collect();
    let mut all_chunks = Vec::new();
    let mut summaries = Vec::new();
    for (i, (article, chunks)) in articles.iter().enumerate() {
        let pos = position(&order, &article.id);
        let needs: Vec<NodeId> = term_nodes
            .iter()
            .filter(|(p, _)| *p <= pos)
            .map(|(_, n)| *n)
            .collect();
        let mine = add_chunk_nodes(g, ix, i, chunks, &needs);
        if wanted.brief && article.kind != ArticleKind::Front && !mine.is_empty() {
            let weight = Stage::Summary.expected_output();
            let task = Task::Summary { article: i };
            summaries.push(g.add(ix, Stage::Summary, task, weight, &mine));
        }
        all_chunks.extend(mine);
    }
    if wanted.brief {
        // Every chunk too: with nothing translated at all there is no brief.
        // The section names head its summaries' groups.
        let needs: Vec<NodeId> = summaries
            .into_iter()
            .chain(all_chunks)
            .chain(section_nodes)
            .collect();
        let weight = Stage::Brief.expected_output();
        g.add(ix, Stage::Brief, Task::Brief, weight, &needs);
    }
    Ok(())
}

/// An article's position in the issue (unknown ids last).
fn position(order: &HashMap<String, usize>, id: &str) -> usize {
    order.get(id).copied().unwrap_or(usize::MAX)
}

/// The term requests to send, as nodes that need nothing, each with its
/// article's position; cached lists go straight to `run`.
fn add_term_nodes(
    g: &mut RunGraph,
    ix: IssueIx,
    run: &mut IssueRun<'_>,
    order: &HashMap<String, usize>,
) -> Result<Vec<(usize, NodeId)>> {
    let (to_send, cached) = terms::requests(&run.p.term_scope())?;
    run.found.extend(cached);
    Ok(to_send
        .into_iter()
        .map(|r| {
            let pos = position(order, &r.article);
            let weight = Stage::Terms.expected_output();
            (pos, g.add(ix, Stage::Terms, Task::Terms(r), weight, &[]))
        })
        .collect())
}

/// One node per chunk of the `article`th article, each needing `needs`.
fn add_chunk_nodes(
    g: &mut RunGraph,
    ix: IssueIx,
    article: usize,
    chunks: &[Chunk],
    needs: &[NodeId],
) -> Vec<NodeId> {
    chunks
        .iter()
        .map(|c| {
            let task = Task::Chunk {
                article,
                chunk: c.clone(),
            };
            let weight = super::plan::chunk_output_tokens(c);
            g.add(ix, Stage::Translate, task, weight, needs)
        })
        .collect()
}

/// Run every node of `g`, at most `concurrency` at a time. A fatal endpoint
/// error stops every request in flight at once and is returned.
pub async fn execute<'a>(
    mut g: RunGraph,
    mut issues: Vec<IssueRun<'a>>,
    concurrency: usize,
    progress: bool,
    wanted: Wanted,
) -> Result<Vec<IssueOutcome>> {
    let bar = crate::progress::GraphBar::new(&stage_totals(&g), progress);
    let slots = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let mut set = tokio::task::JoinSet::new();
    while !g.graph.finished() {
        tokio::select! {
            permit = slots.clone().acquire_owned(), if g.graph.has_ready() => {
                let Ok(permit) = permit else { break };
                let Some(id) = g.graph.next_ready() else { continue };
                let node = &mut g.nodes[id];
                let Some(task) = node.task.take() else { continue };
                let Some((work, services)) = issues[node.issue].work(task)? else {
                    // Nothing to send: the node is done as it is.
                    bar.done(node.stage.name(), 0, 0);
                    g.graph.done(id);
                    continue;
                };
                set.spawn(async move {
                    let answer = perform(work, &services).await;
                    drop(permit);
                    (id, answer)
                });
            }
            Some(joined) = set.join_next(), if !set.is_empty() => {
                let (id, answer) = match joined {
                    Ok((id, Ok(a))) => (id, a),
                    Ok((_, Err(fatal))) => {
                        set.abort_all();
                        bar.finish();
                        return Err(fatal);
                    }
                    Err(e) => {
                        set.abort_all();
                        bar.finish();
                        return Err(GlossError::Task { stage: "run", message: e.to_string() });
                    }
                };
                let (tokens_in, tokens_out) = answer.tokens();
                bar.done(g.nodes[id].stage.name(), tokens_in, tokens_out);
                g.graph.done(id);
                issues[g.nodes[id].issue].absorb(answer);
            }
            else => break,
        }
    }
    bar.finish();
    Ok(issues.into_iter().map(|i| i.finish(wanted.terms)).collect())
}

fn stage_totals(g: &RunGraph) -> Vec<(&'static str, u64)> {
    g.counts().into_iter().map(|(s, n)| (s.name(), n)).collect()
}

impl Answer {
    /// Tokens in and out this answer cost.
    fn tokens(&self) -> (u64, u64) {
        let sum = |r: &[&crate::stage::Traffic]| {
            r.iter()
                .fold((0, 0), |(i, o), t| (i + t.tokens_in, o + t.tokens_out))
        };
        match self {
            Answer::Terms(_, r) => sum(&[&r.traffic]),
            Answer::Summary(o) => sum(&o.reports.iter().map(|r| &r.traffic).collect::<Vec<_>>()),
            Answer::Chunk(_, r) | Answer::Sections(_, r) => sum(&[&r.traffic]),
            Answer::Brief(b) => sum(&b.reports.iter().map(|r| &r.traffic).collect::<Vec<_>>()),
        }
    }
}

/// Send one node's work (or answer it from the cache); `t` carries the
/// profile, prompts, cache and client, and for a chunk the glossary it may use.
async fn perform(work: Work, t: &Translator) -> Result<Answer> {
    let services = crate::stage::Services {
        prompts: &t.prompts,
        profile: &t.profile,
        cache: &t.cache,
        client: &*t.client,
    };
    match work {
        Work::Terms(r) => {
            let (list, report) = terms::extract(r, &services).await?;
            Ok(Answer::Terms(list, report))
        }
        Work::Chunk(title, chunk) => {
            let (segments, report) = t.translate_chunk(&title, &chunk).await?;
            Ok(Answer::Chunk(segments, report))
        }
        Work::Sections(chunk) => {
            let (segments, report) = t.translate_chunk(sections::TITLE, &chunk).await?;
            let map = segments
                .unwrap_or_default()
                .into_iter()
                .map(|s| (s.id.clone(), s))
                .collect();
            Ok(Answer::Sections(sections::names(&chunk, &map), report))
        }
        Work::Summary(r) => Ok(Answer::Summary(
            crate::summarize::summarize(r, &services).await?,
        )),
        Work::Brief(r) => Ok(Answer::Brief(crate::brief::write(r, &services).await?)),
    }
}
