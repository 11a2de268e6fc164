//! Orchestration of a run: load → parse → chunk → translate → render, with
//! the cache checked first so a fully cached rerun builds no client and no
//! tokenizer, progress on stderr, and Ctrl-C stopping cleanly.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

mod briefing;
mod flow;
mod graph;
pub mod sections;
pub mod terms;

use crate::cache::{Cache, Mode};
use crate::chunk::Chunk;
use crate::config::{Config, Overrides, Profile};
use crate::document::{Article, Issue};
use crate::error::{GlossError, Result};
use crate::llm::LazyClient;
use crate::prompts::Prompts;
use crate::render::{Digest, Format};
use crate::translate::{ChunkReport, Languages, Translator};

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub input: PathBuf,
    pub out_dir: Option<PathBuf>,
    pub formats: Vec<Format>,
    pub articles: Option<Vec<String>>,
    pub overrides: Overrides,
    pub cache_mode: Mode,
    pub prompts_dir: Option<PathBuf>,
    pub target_language: String,
    /// Show progress bars (when stderr is a terminal).
    pub progress: bool,
    /// Which stages run and which files are written.
    pub stages: Stages,
    /// The user's glossary file (CSV or TOML).
    pub glossary: Option<PathBuf>,
    /// Extract a termbase per article (one request each) and apply it.
    pub termbase: bool,
    /// Re-request segments that fail a quality check, once.
    pub repair: bool,
    /// The client of a run of several issues, shared so that one
    /// concurrency limit holds over all of them; `None`: the run's own.
    pub shared_client: Option<crate::many::SharedClient>,
}

/// The stages a command runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stages {
    /// Summaries and the executive brief after translation.
    pub brief: bool,
    /// Write the digest files (the brief command writes only the brief).
    pub digest: bool,
}

/// Everything a command needs after configuration and parsing.
pub struct Prepared {
    pub profile: Profile,
    pub cache: Cache,
    pub prompts: Prompts,
    pub issue: Issue,
    pub stem: String,
    pub selected: Vec<String>,
    pub languages: Languages,
    pub warnings: Vec<String>,
    /// The user's glossary (empty without `--glossary`).
    pub glossary: crate::glossary::Glossary,
}

/// Load config, input and prompts; select articles.
pub fn prepare(opts: &RunOptions) -> Result<Prepared> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let config = Config::load_with(&cwd, opts.overrides.trust_workspace)?;
    let (profile, warning) = config.profile(&opts.overrides)?;
    let cache = Cache::new(&config.cache_dir(&opts.overrides), opts.cache_mode);
    let prompts = match &opts.prompts_dir {
        Some(dir) => Prompts::with_overrides(dir)?,
        None => Prompts::builtin(),
    };
    let src = crate::load::load(&opts.input)?;
    let issue = crate::parse::parse(&src);
    let selected = select(&issue, opts.articles.as_deref())?;
    let glossary = match &opts.glossary {
        Some(path) => crate::glossary::Glossary::load(path)?,
        None => Default::default(),
    };
    let languages = Languages {
        source: crate::translate::detect_language(&src.text).to_string(),
        target: opts.target_language.clone(),
    };
    Ok(Prepared {
        profile,
        cache,
        prompts,
        stem: src.stem.clone(),
        issue,
        selected,
        languages,
        // How the input was decoded (bytes replaced) comes first.
        warnings: src.warnings.iter().cloned().chain(warning).collect(),
        glossary,
    })
}

/// The article ids to process: all, or those named (validated).
pub fn select(issue: &Issue, wanted: Option<&[String]>) -> Result<Vec<String>> {
    let all: Vec<String> = issue.articles.iter().map(|a| a.id.clone()).collect();
    let Some(wanted) = wanted else { return Ok(all) };
    let mut out = Vec::new();
    for w in wanted {
        let id = w.trim().to_ascii_uppercase();
        if !all.contains(&id) {
            return Err(GlossError::Usage(format!(
                "no article {w:?} in this issue (ids: {}); see `gloss parse FILE`",
                all.join(", ")
            )));
        }
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

/// The manifest of a run: per chunk what happened, and totals.
#[derive(Debug, Serialize)]
pub struct Manifest {
    pub gloss_version: &'static str,
    /// Summary and brief requests.
    pub requests: Vec<crate::stage::RequestReport>,
    pub input: String,
    pub profile: String,
    pub model: String,
    pub endpoint: String,
    pub chunk_budget: usize,
    pub chunks: Vec<ChunkReport>,
    /// Where the termbase's extractions disagreed on a name, and what was kept.
    pub term_conflicts: Vec<String>,
    /// Per glossary term, the segments whose translation did not follow it.
    pub glossary_misses: std::collections::BTreeMap<String, Vec<String>>,
    pub totals: Totals,
}

/// Totals of a run, also printed as the final line.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Totals {
    pub chunks: usize,
    pub requests: u64,
    pub cache_hits: u64,
    pub attempts: u64,
    pub tokens_in: u64,
    pub tokens_out: u64,
    /// True when every sent request's usage came from the server.
    pub usage_from_server: bool,
    pub estimated_cost_usd: Option<f64>,
    pub failed_segments: usize,
    /// Segments still flagged by a quality check, by check.
    pub flagged_segments: std::collections::BTreeMap<String, usize>,
    /// Segments re-requested after a failed check, and how many then passed.
    pub repair_requests: u64,
    pub repaired: u64,
    pub wall_ms: u64,
    /// Requests answered by each endpoint (redacted base URL).
    pub requests_by_endpoint: std::collections::BTreeMap<String, u64>,
}

impl Totals {
    /// Count one chunk's or one request's traffic.
    fn add(&mut self, t: &crate::stage::Traffic) {
        self.requests += t.requests as u64;
        self.cache_hits += t.cache_hit as u64;
        self.attempts += t.attempts as u64;
        self.tokens_in += t.tokens_in;
        self.tokens_out += t.tokens_out;
        if t.requests > 0 && !t.usage_reported {
            self.usage_from_server = false;
        }
        for (endpoint, n) in &t.endpoints {
            *self
                .requests_by_endpoint
                .entry(endpoint.clone())
                .or_default() += *n as u64;
        }
    }
}

/// What a translate run produced.
pub struct TranslateResult {
    pub digest: Digest,
    pub manifest: Manifest,
    pub out_dir: PathBuf,
    pub files: Vec<PathBuf>,
    /// Problems worth one line on stderr (a cache that cannot be written).
    pub warnings: Vec<String>,
}

/// Each article id's position in the issue.
fn article_order(issue: &Issue) -> HashMap<String, usize> {
    issue
        .articles
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.clone(), i))
        .collect()
}

/// Chunk the selected articles (cached plans first).
pub fn chunk_selected(p: &Prepared) -> Vec<(Article, Vec<Chunk>)> {
    selected_chunks(p).map(|(a, c)| (a.clone(), c)).collect()
}

/// The selected articles with their chunks, one article at a time, so that a
/// caller that only sums them (`plan`) never holds the whole issue's chunks.
pub fn selected_chunks(p: &Prepared) -> impl Iterator<Item = (&Article, Vec<Chunk>)> {
    let selected = p
        .issue
        .articles
        .iter()
        .filter(|a| p.selected.contains(&a.id));
    crate::chunk::Chunker::new(&p.cache, &p.profile).chunk_all(selected.collect())
}

/// Translate the selected articles (then summarize and brief, if asked) and
/// write the outputs and the manifest.
pub async fn run(opts: &RunOptions) -> Result<TranslateResult> {
    let started = Instant::now();
    let p = prepare(opts)?;
    for w in &p.warnings {
        crate::progress::warn(w);
    }
    let articles = chunk_selected(&p);
    let client = match &opts.shared_client {
        Some(shared) => shared.0.clone(),
        None => std::sync::Arc::new(LazyClient::new(&p.profile)),
    };
    let translator = Translator {
        profile: p.profile.clone(),
        prompts: p.prompts.clone(),
        cache: p.cache.clone(),
        languages: p.languages.clone(),
        client: client.clone(),
        glossary: p.glossary.clone(),
        repair: opts.repair && p.profile.repair,
        article_order: article_order(&p.issue),
    };
    let with_terms = opts.termbase && p.profile.termbase;
    let flow::TermsAndTranslations {
        termbase,
        term_reports: mut requests,
        chunk_reports: reports,
        translations,
    } = flow::terms_and_translations(&p, &articles, translator, with_terms, opts.progress).await?;
    for c in &termbase.conflicts {
        crate::progress::note(&format!("termbase: {c}"));
    }

    let mut digest = Digest::build(
        &p.issue,
        &p.selected,
        &translations,
        (&p.languages.source, &p.languages.target),
        &p.profile.model,
    );
    // Nothing translated (every request failed): no digest or brief that
    // would only list failures, and no summary requests; the manifest says why.
    let segments: usize = digest.articles.iter().map(|a| a.segments.len()).sum();
    let nothing_translated = segments > 0 && digest.failed() == segments;
    if opts.stages.brief && !nothing_translated {
        let more = briefing::summarize_and_brief(&p, &mut digest, &client, opts.progress).await?;
        requests.extend(more);
    }
    let out_dir = opts
        .out_dir
        .clone()
        .unwrap_or_else(|| Path::new("out").to_path_buf())
        .join(crate::render::sanitize_file_stem(&p.stem));
    std::fs::create_dir_all(&out_dir).map_err(|source| GlossError::Output {
        path: out_dir.clone(),
        source,
    })?;
    let mut files = Vec::new();
    if opts.stages.digest && !nothing_translated {
        files.extend(crate::render::write_digest(
            &digest,
            &out_dir,
            &opts.formats,
        )?);
    }
    if opts.stages.brief && digest.brief.is_some() {
        files.extend(crate::render::write_brief(
            &digest,
            &out_dir,
            &opts.formats,
        )?);
    }

    let mut totals = Totals {
        chunks: reports.len(),
        usage_from_server: true,
        failed_segments: digest.failed(),
        ..Default::default()
    };
    for r in &requests {
        totals.add(&r.traffic);
    }
    for r in &reports {
        totals.repair_requests += r.repair_requests as u64;
        totals.repaired += r.repaired as u64;
        totals.add(&r.traffic);
    }
    totals.estimated_cost_usd = p.profile.cost(totals.tokens_in, totals.tokens_out);
    let mut glossary_misses: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for segment in digest.articles.iter().flat_map(|a| &a.segments) {
        for flag in &segment.flags {
            *totals
                .flagged_segments
                .entry(flag.kind.name().to_string())
                .or_default() += 1;
            if flag.kind == crate::qa::FlagKind::Glossary {
                let term = flag
                    .detail
                    .split(" should be ")
                    .next()
                    .unwrap_or_default()
                    .to_string();
                glossary_misses
                    .entry(term)
                    .or_default()
                    .push(segment.id.clone());
            }
        }
    }
    totals.wall_ms = started.elapsed().as_millis() as u64;
    let manifest = Manifest {
        gloss_version: env!("CARGO_PKG_VERSION"),
        input: p.issue.name.clone(),
        profile: p.profile.name.clone(),
        model: p.profile.model.clone(),
        endpoint: crate::llm::redact_url(&p.profile.base_url),
        chunk_budget: p.profile.chunk_tokens,
        requests,
        chunks: reports,
        term_conflicts: termbase.conflicts.clone(),
        glossary_misses,
        totals,
    };
    let manifest_path = out_dir.join("manifest.json");
    crate::render::write_atomic(
        &manifest_path,
        (serde_json::to_string_pretty(&manifest).unwrap_or_default() + "\n").as_bytes(),
    )?;
    files.push(manifest_path);
    Ok(TranslateResult {
        digest,
        manifest,
        out_dir,
        files,
        warnings: p
            .cache
            .write_failure()
            .map(str::to_string)
            .into_iter()
            .collect(),
    })
}

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
    pub reasons: std::collections::BTreeMap<String, usize>,
}

/// The QA report of an issue, from the cache alone.
#[derive(Debug, Serialize)]
pub struct QaReport {
    pub segments: usize,
    pub checked: usize,
    pub repaired: usize,
    pub reasons: std::collections::BTreeMap<String, usize>,
    /// Flagged segment id → reasons.
    pub flagged: Vec<(String, Vec<String>)>,
    pub articles: Vec<QaArticle>,
}

/// Build the QA report from cached translations; sends nothing.
pub fn qa_report(opts: &RunOptions) -> Result<QaReport> {
    let p = prepare(opts)?;
    let articles = chunk_selected(&p);
    let termbase = if opts.termbase && p.profile.termbase {
        terms::cached(&p)?
    } else {
        terms::Termbase {
            glossary: p.glossary.clone(),
            conflicts: Vec::new(),
        }
    };
    let translator = Translator {
        profile: p.profile.clone(),
        prompts: p.prompts.clone(),
        cache: p.cache.clone(),
        languages: p.languages.clone(),
        client: std::sync::Arc::new(LazyClient::new(&p.profile)),
        glossary: termbase.glossary,
        repair: opts.repair && p.profile.repair,
        article_order: article_order(&p.issue),
    };
    let mut report = QaReport {
        segments: 0,
        checked: 0,
        repaired: 0,
        reasons: Default::default(),
        flagged: Vec::new(),
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
