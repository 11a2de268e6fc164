//! `gloss plan`: what a run will send, counted before anything is sent.

use serde::Serialize;

use crate::chunk::Chunk;
use crate::config::Profile;
use crate::document::Article;
use crate::tokens::TokenCounter;

/// Expected English tokens per source token for translation output (o200k).
/// Measured on the sample issue with gpt-4o-mini-sized outputs: see README.
pub const OUTPUT_RATIO: f64 = 1.1;
/// Expected tokens of one article summary.
pub const SUMMARY_OUTPUT_TOKENS: u64 = 180;
/// Expected tokens of one `name => English form` line of a term list.
pub const TERM_LINE_OUTPUT_TOKENS: u64 = 12;
/// Expected tokens of the executive brief.
pub const BRIEF_OUTPUT_TOKENS: u64 = 900;

/// Expected output tokens of one chunk's translation: its source tokens in
/// English, plus each segment's `[n] ` marker.
pub fn chunk_output_tokens(c: &Chunk) -> u64 {
    (c.tokens as f64 * OUTPUT_RATIO).ceil() as u64 + 4 * c.segments.len() as u64
}

/// One stage's expected traffic.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StagePlan {
    pub stage: String,
    pub requests: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

/// One article's chunks.
#[derive(Debug, Clone, Serialize)]
pub struct ArticlePlan {
    pub id: String,
    pub title: String,
    pub chunks: Vec<ChunkPlan>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChunkPlan {
    pub id: String,
    pub segments: usize,
    pub tokens: usize,
}

impl ChunkPlan {
    fn of(c: &Chunk) -> Self {
        ChunkPlan {
            id: c.id.clone(),
            segments: c.segments.len(),
            tokens: c.tokens,
        }
    }
}

/// One stage of the run's graph: its nodes (requests), their estimated
/// input tokens, and what each of its nodes waits for.
#[derive(Debug, Clone, Serialize)]
pub struct GraphStage {
    pub stage: &'static str,
    pub nodes: u64,
    pub input_tokens: u64,
    pub needs: &'static str,
}

/// The term stage's plan: its requests, their input tokens, and a line of
/// output per name asked about.
pub fn terms(p: &super::Prepared, count: impl Fn(&str) -> usize) -> crate::Result<StagePlan> {
    let (requests, input_tokens, names) = crate::terms::counts(&p.term_scope(), count)?;
    Ok(StagePlan {
        stage: "termbase".into(),
        requests,
        input_tokens,
        output_tokens: names * TERM_LINE_OUTPUT_TOKENS,
    })
}

/// The graph's stages from the stages' plans (in the graph's stage order).
fn graph(stages: &[StagePlan]) -> Vec<GraphStage> {
    stages
        .iter()
        .zip(super::Stage::ALL)
        .map(|(s, stage)| GraphStage {
            stage: stage.name(),
            nodes: s.requests,
            input_tokens: s.input_tokens,
            needs: stage.needs(),
        })
        .collect()
}

/// The whole dry run.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub input: String,
    pub profile: String,
    pub model: String,
    pub encoding: String,
    pub exact_counts: bool,
    pub chunk_budget: usize,
    pub articles: Vec<ArticlePlan>,
    /// The chunks of the section names, translated with the articles.
    pub section_chunks: Vec<ChunkPlan>,
    pub stages: Vec<StagePlan>,
    /// The graph one scheduler runs: per stage its nodes and what they need.
    pub graph: Vec<GraphStage>,
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// `None` when the model's price is not configured.
    pub estimated_cost_usd: Option<f64>,
    /// Requests asking the model where the articles start (0 or 1: the
    /// contents check is low and the profile's `structure` allows it).
    pub structure_requests: u64,
    /// Segments the translation memory holds (a reviewer's or translated
    /// before), and chunks it holds whole: sent without them, or not at all.
    /// The figures above count every chunk.
    pub memory: crate::memory::Coverage,
}

/// Count what a full run (termbase, translate, summarize, brief) would send;
/// `terms` is the termbase's, counted from its requests; `unowned` are the
/// chunks of no article (the section names), translated too. Each
/// article's chunks are dropped once counted, so a plan of a huge input
/// holds only its numbers.
pub fn plan<'a>(
    input: &str,
    profile: &Profile,
    articles: impl IntoIterator<Item = (&'a Article, Vec<Chunk>)>,
    prompt_overhead: u64,
    terms: StagePlan,
    unowned: &[Chunk],
) -> Plan {
    let (encoding, exact) = TokenCounter::encoding_for(&profile.model);
    let mut translate = StagePlan {
        stage: "translate".into(),
        ..Default::default()
    };
    let mut summarize = StagePlan {
        stage: "summarize".into(),
        ..Default::default()
    };
    // Adds one chunk's requests to the translate stage; its output tokens.
    // A profile that asks `segments_per_request` segments at a time sends a
    // chunk as that many requests, each with the prompt's own tokens. Asked
    // alone, a segment's request is its text (a section name's, in the
    // titled shape) and the term lines its text contains: a text the issue
    // repeats (a table's header row) is sent once. A repeated text holding
    // a term of a termbase not extracted yet may get other term lines in
    // another article, and a request more: the plan cannot know the terms.
    let mut asked_alone = std::collections::HashSet::new();
    let mut count = |c: &Chunk, section_names: bool| {
        let requests = match profile.segments_per_request {
            0 => 1,
            1 => c
                .segments
                .iter()
                .filter(|s| asked_alone.insert((section_names, s.text.clone())))
                .count() as u64,
            n => c.segments.len().div_ceil(n).max(1) as u64,
        };
        translate.requests += requests;
        translate.input_tokens += c.tokens as u64 + requests * prompt_overhead;
        let out = chunk_output_tokens(c);
        translate.output_tokens += out;
        out
    };
    unowned.iter().for_each(|c| {
        count(c, true);
    });
    let mut article_plans = Vec::new();
    for (article, chunks) in articles {
        let article_out: u64 = chunks.iter().map(|c| count(c, false)).sum();
        if article.kind != crate::document::ArticleKind::Front {
            summarize.requests += 1;
            summarize.input_tokens += article_out + prompt_overhead;
            summarize.output_tokens += SUMMARY_OUTPUT_TOKENS;
        }
        article_plans.push(ArticlePlan {
            id: article.id.clone(),
            title: article.title.clone(),
            chunks: chunks.iter().map(ChunkPlan::of).collect(),
        });
    }
    let brief = StagePlan {
        stage: "brief".into(),
        requests: 1,
        input_tokens: summarize.output_tokens + prompt_overhead,
        output_tokens: BRIEF_OUTPUT_TOKENS,
    };
    let stages = vec![terms, translate, summarize, brief];
    let graph = graph(&stages);
    let input_tokens = stages.iter().map(|s| s.input_tokens).sum();
    let output_tokens = stages.iter().map(|s| s.output_tokens).sum();
    Plan {
        input: input.to_string(),
        profile: profile.name.clone(),
        model: profile.model.clone(),
        encoding: encoding.to_string(),
        exact_counts: exact,
        chunk_budget: profile.chunk_tokens,
        articles: article_plans,
        section_chunks: unowned.iter().map(ChunkPlan::of).collect(),
        stages,
        graph,
        input_tokens,
        output_tokens,
        estimated_cost_usd: profile.cost(input_tokens, output_tokens),
        structure_requests: 0,
        memory: Default::default(),
    }
}
