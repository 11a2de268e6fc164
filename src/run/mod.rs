//! The wiring of a run: load → parse → chunk, then every request (term
//! lists, chunks, summaries, the brief) as one graph ([`schedule`]), then
//! render and the manifest. The cache is checked first, so a fully cached
//! rerun builds no client and no tokenizer; Ctrl-C drops the run cleanly.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

mod graph;
pub mod manifest;
pub mod many;
pub mod plan;
pub mod qa;
pub mod schedule;
mod stages;

pub use manifest::{Manifest, Totals};
pub use qa::{QaArticle, QaReport, cached_translator, qa_report};
pub use schedule::{IssueOutcome, Wanted};
pub use stages::Stage;

use crate::cache::{Cache, CacheKey, Mode, PlanKey};
use crate::chunk::{Chunk, Layouts};
use crate::config::{Config, Overrides, Profile};
use crate::document::{Article, Issue};
use crate::error::{GlossError, Result};
use crate::llm::LazyClient;
use crate::prompts::Prompts;
use crate::render::{Digest, Format};
use crate::translate::{Languages, Translator};
use crate::{sections, terms};

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
    /// Show progress: a bar when stderr is a terminal, else a plain line
    /// every `GLOSS_PROGRESS_SECS` seconds (`progress::Ticker`).
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
    pub shared_client: Option<many::SharedClient>,
    /// Where the run's client reports what happens to batches (the command
    /// line prints them and counts them for its summary).
    pub batch_events: crate::llm::batch::BatchEvents,
    /// The translation memory's folder (`--memory`); `None`: `<cache>/memory`.
    pub memory_dir: Option<PathBuf>,
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
    /// The selected article ids, in issue order.
    pub selected: Vec<String>,
    /// The same ids as a set: an issue may hold thousands of articles, and
    /// asking the list for each of them would be quadratic.
    selected_set: std::collections::HashSet<String>,
    pub languages: Languages,
    pub warnings: Vec<String>,
    /// The user's glossary (empty without `--glossary`).
    pub glossary: crate::glossary::Glossary,
    /// When preparing began: a run's wall time counts from here.
    pub started: Instant,
    /// Where the run's client reports what happens to batches.
    pub batch_events: crate::llm::batch::BatchEvents,
    /// Human corrections and remembered segments for this issue.
    pub memory: crate::memory::Memory,
}

impl Prepared {
    /// Whether the run processes article `id`.
    pub fn is_selected(&self, id: &str) -> bool {
        self.selected_set.contains(id)
    }

    /// What the term stage reads of this run.
    pub fn term_scope(&self) -> terms::Scope<'_> {
        terms::Scope {
            issue: &self.issue,
            selected: &self.selected_set,
            languages: &self.languages,
            glossary: &self.glossary,
            prompts: &self.prompts,
            profile: &self.profile,
            cache: &self.cache,
        }
    }
}

/// Load config, input and prompts; select articles.
pub fn prepare(opts: &RunOptions) -> Result<Prepared> {
    let started = Instant::now();
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let config = Config::load_with(&cwd, opts.overrides.trust_workspace)?;
    let (profile, warning) = config.profile(&opts.overrides)?;
    let cache_dir = config.cache_dir(&opts.overrides);
    let cache = Cache::new(&cache_dir, opts.cache_mode);
    let prompts = match &opts.prompts_dir {
        Some(dir) => Prompts::with_overrides(dir)?,
        None => Prompts::builtin(),
    };
    let src = crate::load::load(&opts.input)?;
    let issue = crate::parse::parse(&src);
    let selected = select(&issue, opts.articles.as_deref())?;
    let mut glossary: crate::glossary::Glossary = match &opts.glossary {
        Some(path) => crate::glossary::Glossary::load(path)?,
        None => Default::default(),
    };
    let memory_dir = crate::memory::folder(opts.memory_dir.as_deref(), &cache_dir);
    let memory = crate::memory::Memory::open(
        &memory_dir,
        &src.stem,
        &opts.target_language,
        &profile.model,
        opts.cache_mode,
    );
    // Names a reviewer fixed in other issues, after the user's own terms.
    glossary.terms.extend(memory.names());
    let languages = Languages {
        source: crate::script::detect_language(&src.text).to_string(),
        target: opts.target_language.clone(),
    };
    Ok(Prepared {
        profile,
        cache,
        prompts,
        stem: src.stem.clone(),
        issue,
        selected_set: selected.iter().cloned().collect(),
        selected,
        languages,
        // How the input was decoded (bytes replaced) comes first.
        warnings: src.warnings.iter().cloned().chain(warning).collect(),
        glossary,
        started,
        batch_events: opts.batch_events.clone(),
        memory,
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

/// What a translate run produced.
pub struct TranslateResult {
    pub digest: Digest,
    pub manifest: Manifest,
    pub out_dir: PathBuf,
    pub files: Vec<PathBuf>,
    /// Problems worth one line on stderr (a brief assembled from the
    /// summaries, a cache that cannot be written).
    pub warnings: Vec<String>,
    /// Facts worth a note on stderr (termbase conflicts).
    pub notes: Vec<String>,
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
    let selected: Vec<&Article> = p
        .issue
        .articles
        .iter()
        .filter(|a| p.is_selected(&a.id))
        .collect();
    let chunker = crate::chunk::Chunker::new(&p.profile.model, p.profile.chunk_tokens);
    let (encoding, budget) = chunker.effective();
    let keys: Vec<CacheKey> = selected
        .iter()
        .map(|a| CacheKey::plan_article(&PlanKey::new(encoding, budget, a)))
        .collect();
    let key = CacheKey::plan(&keys);
    let earlier = p.cache.get::<Layouts>(&key).map(|e| e.value);
    let (made, chunks) = chunker.chunk_all(selected, earlier);
    if let Some(layouts) = made {
        // A plan that cannot be cached is only slower next time.
        let _ = p.cache.put(&key, None, None, &layouts);
    }
    chunks
}

/// The chunks of the selected articles' section names, when the profile
/// translates them (`section_names`).
pub fn section_chunks(p: &Prepared) -> Vec<Chunk> {
    if !p.profile.section_names {
        return Vec::new();
    }
    sections::chunks(&p.issue, |id| p.is_selected(id), p.profile.chunk_tokens)
}

/// The translator of a run (the translate stage's services and settings):
/// built here only, for every command that translates or counts prompts.
pub fn translator(p: &Prepared, repair: bool, glossary: crate::glossary::Glossary) -> Translator {
    Translator {
        profile: p.profile.clone(),
        prompts: p.prompts.clone(),
        cache: p.cache.clone(),
        languages: p.languages.clone(),
        client: std::sync::Arc::new(
            LazyClient::new(p.profile.client_settings()).with_batch_events(p.batch_events.clone()),
        ),
        glossary,
        repair: repair && p.profile.repair,
        article_order: article_order(&p.issue),
        memory: p.memory.clone(),
    }
}

/// Run one issue's graph of `wanted` stages over `articles`.
pub async fn run_issue(
    p: &Prepared,
    articles: &[(Article, Vec<Chunk>)],
    translator: Translator,
    wanted: Wanted,
    progress: bool,
) -> Result<IssueOutcome> {
    let mut graph = schedule::RunGraph::default();
    let mut issue = schedule::IssueRun::new(p, articles, translator);
    schedule::build(&mut graph, 0, &mut issue, articles, wanted)?;
    let outcomes =
        schedule::execute(graph, vec![issue], p.profile.concurrency, progress, wanted).await?;
    Ok(outcomes.into_iter().next().unwrap_or_default())
}

/// Extract (or read from the cache) the selected articles' term lists and
/// merge them with the user's glossary (`gloss glossary`).
pub async fn extract_terms(
    p: &Prepared,
    progress: bool,
) -> Result<(terms::Termbase, Vec<crate::stage::RequestReport>)> {
    let wanted = Wanted {
        terms: true,
        translate: false,
        brief: false,
    };
    let translator = translator(p, false, p.glossary.clone());
    let out = run_issue(p, &[], translator, wanted, progress).await?;
    let termbase = out
        .termbase
        .unwrap_or_else(|| terms::merge(&p.term_scope(), Vec::new()));
    Ok((termbase, out.term_reports))
}

/// Translate the selected articles of `p` (from [`prepare`], whose warnings
/// the caller shows first, so they are seen even when the run fails), then
/// summarize and brief, if asked, and write the outputs and the manifest.
pub async fn run(opts: &RunOptions, p: Prepared) -> Result<TranslateResult> {
    // Checked before anything is sent: an output path that cannot be a
    // folder fails the run while it has cost nothing. Made only when the
    // outputs are written, so a run stopped early leaves no empty folder.
    let out_dir = out_dir(opts, &p);
    can_be_folder(&out_dir)?;
    warn_small_slots(&p.profile).await;
    let (p, structure) = structure_step(opts, p).await?;
    let articles = chunk_selected(&p);
    let wanted = Wanted {
        terms: opts.termbase && p.profile.termbase,
        translate: true,
        brief: opts.stages.brief,
    };
    let mut translator = translator(&p, opts.repair, p.glossary.clone());
    // Several issues in one run share one client: one concurrency limit.
    if let Some(shared) = &opts.shared_client {
        translator.client = shared.0.clone();
    }
    let mut outcome = run_issue(&p, &articles, translator, wanted, opts.progress).await?;
    // What was translated goes into the memory for the next issue; a memory
    // that cannot be written costs only that (told once).
    let memory_failure = p
        .memory
        .record_run(&articles, |id| {
            let t = outcome.translations.get(id)?;
            Some(crate::memory::Remembered {
                text: t.text.clone(),
                flags: t.flags.clone(),
                repaired: t.repaired,
                human: false,
            })
        })
        .err()
        .map(|e| format!("translation memory not updated: {e}"));
    let digest = digest(&p, &mut outcome);
    std::fs::create_dir_all(&out_dir).map_err(|source| GlossError::Output {
        path: out_dir.clone(),
        source,
    })?;
    let mut files = write_outputs(opts, &digest, &out_dir)?;
    // The contents check, and what the model said about the structure.
    let mut structure_notes: Vec<String> = Vec::new();
    if let Some((note, report)) = structure {
        structure_notes.push(note);
        outcome.term_reports.insert(0, report);
    }
    match &p.issue.contents {
        Some(c) if c.is_low() => outcome.warnings.push(c.summary()),
        Some(c) => structure_notes.push(c.summary()),
        None => {}
    }
    let notes: Vec<String> = structure_notes
        .into_iter()
        .chain(
            outcome
                .termbase
                .iter()
                .flat_map(|t| &t.conflicts)
                .map(|c| format!("termbase: {c}")),
        )
        .collect();
    // The stages' warnings, then a cache that cannot be written.
    let warnings: Vec<String> = std::mem::take(&mut outcome.warnings)
        .into_iter()
        .chain(p.cache.write_failure().map(str::to_string))
        .chain(memory_failure)
        .chain(p.memory.stale(&articles))
        .collect();
    let manifest = manifest::build(&p, &digest, outcome);
    files.push(manifest::write(&manifest, &out_dir)?);
    Ok(TranslateResult {
        digest,
        manifest,
        out_dir,
        files,
        warnings,
        notes,
    })
}

/// Under `structure = "auto"` (or `"model"`), an issue whose contents check
/// is low is shown to the model once (see [`crate::structure`]); a usable
/// answer re-parses it and the articles are selected again. Returns the
/// note and the request's report when it asked.
async fn structure_step(
    opts: &RunOptions,
    mut p: Prepared,
) -> Result<(Prepared, Option<(String, crate::stage::RequestReport)>)> {
    // Standard input cannot be read twice.
    if !crate::structure::wanted(&p.issue, p.profile.structure) || opts.input.as_os_str() == "-" {
        return Ok((p, None));
    }
    let src = crate::load::load(&opts.input)?;
    let client = match &opts.shared_client {
        Some(shared) => shared.0.clone(),
        None => std::sync::Arc::new(LazyClient::new(p.profile.client_settings())),
    };
    let services = crate::stage::Services {
        prompts: &p.prompts,
        profile: &p.profile,
        cache: &p.cache,
        client: client.as_ref(),
    };
    let asked = crate::structure::ask(&src, p.issue.clone(), services).await?;
    let Some(o) = asked else {
        return Ok((p, None));
    };
    if let Ok(selected) = select(&o.issue, opts.articles.as_deref()) {
        p.selected_set = selected.iter().cloned().collect();
        p.selected = selected;
        p.issue = o.issue;
    }
    Ok((p, Some((o.note, o.report))))
}

/// The digest of a run: the translations, and the summaries and brief.
fn digest(p: &Prepared, outcome: &mut IssueOutcome) -> Digest {
    let mut digest = Digest::build(
        &p.issue,
        &p.selected,
        &outcome.translations,
        (&p.languages.source, &p.languages.target),
        &p.profile.model,
    );
    for a in &mut digest.articles {
        a.summary = outcome.summaries.remove(&a.id);
    }
    digest.brief = outcome.brief.take();
    digest.section_translations = std::mem::take(&mut outcome.section_names);
    digest.mark_human(&p.memory.human_ids());
    digest
}

/// Said before the first request: a llama.cpp server on this machine that
/// gives each request less context than the profile assumes (it divides its
/// `-c` among its slots) cuts long answers, the brief's first.
async fn warn_small_slots(profile: &crate::config::Profile) {
    // Once a process: a run of several issues asks the same server.
    static ASKED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !crate::llm::is_loopback(&profile.base_url)
        || ASKED.swap(true, std::sync::atomic::Ordering::SeqCst)
    {
        return;
    }
    let preflight = crate::llm::PREFLIGHT_TIMEOUT;
    let Ok(http) = crate::llm::http_client(&profile.base_url, preflight) else {
        return;
    };
    let settings = profile.client_settings();
    if let Some(slot) = crate::llm::slot_context(&http, &settings, &profile.base_url).await
        && slot < profile.context_window
    {
        crate::progress::warn(&format!(
            "the server gives each request {slot} tokens of context, the profile assumes {}: long answers (the brief first) will be cut; see `gloss doctor`",
            profile.context_window
        ));
    }
}

/// `OUT/<input stem>`.
fn out_dir(opts: &RunOptions, p: &Prepared) -> PathBuf {
    opts.out_dir
        .clone()
        .unwrap_or_else(|| Path::new("out").to_path_buf())
        .join(crate::render::sanitize_file_stem(&p.stem))
}

/// Whether `dir` is a folder or could be made one: it, or else the nearest
/// of its ancestors that exists, is a folder.
fn can_be_folder(dir: &Path) -> Result<()> {
    let existing = dir
        .ancestors()
        .find(|a| a.as_os_str().is_empty() || a.exists());
    match existing {
        Some(a) if !a.as_os_str().is_empty() && !a.is_dir() => Err(GlossError::Output {
            path: dir.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotADirectory,
                format!(
                    "{} is a file, not a folder; name a folder with --out",
                    a.display()
                ),
            ),
        }),
        _ => Ok(()),
    }
}

/// Write the digest and the brief the stages ask for. Nothing translated
/// (every request failed): no digest that would only list failures; the
/// manifest says why.
fn write_outputs(opts: &RunOptions, digest: &Digest, out_dir: &Path) -> Result<Vec<PathBuf>> {
    let segments: usize = digest.articles.iter().map(|a| a.segments.len()).sum();
    let nothing_translated = segments > 0 && digest.failed() == segments;
    let mut files = Vec::new();
    if opts.stages.digest && !nothing_translated {
        files.extend(crate::render::write_digest(digest, out_dir, &opts.formats)?);
    }
    if opts.stages.brief && digest.brief.is_some() {
        files.extend(crate::render::write_brief(digest, out_dir, &opts.formats)?);
    }
    Ok(files)
}
