//! Command-line interface: argument definitions and dispatch. Each command
//! is a thin layer over the library's stages.

mod batch;
mod export;
mod import;
mod many;
mod one;
mod runs;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::cache::{Cache, Mode};
use crate::config::{Config, Overrides};
use crate::error::{GlossError, Result};
use crate::pipeline::{self, RunOptions, Stages};
use crate::progress::{self, ColorChoice};
use crate::render::Format;

pub use runs::{RunRecord, data_dir};

/// Exit statuses, shown in `--help`; `main` and the commands return exactly these.
pub mod exit {
    /// Success.
    pub const OK: i32 = 0;
    /// An error (input, config, endpoint, output), or nothing could be translated.
    pub const ERROR: i32 = 1;
    /// A usage error: bad flag, argument or value.
    pub const USAGE: i32 = 2;
    /// `--strict`: segments were left flagged or untranslated.
    pub const STRICT: i32 = 3;
    /// Several issues: some failed, the others were written.
    pub const SOME_FAILED: i32 = 4;
    /// Interrupted by Ctrl-C; finished work is cached.
    pub const INTERRUPTED: i32 = 130;
}

const EXIT_CODES: &str = "\
Exit status:
  0    success
  1    error (input, config, endpoint, output), or nothing could be translated
  2    usage error (bad flag, argument or value)
  3    --strict: segments left flagged or untranslated
  4    several issues: some failed (named in the summary), the others were written
  130  interrupted (Ctrl-C); finished work is cached, rerun to resume

Environment: GLOSS_PROFILE, GLOSS_MODEL, GLOSS_CACHE_DIR, GLOSS_DATA_DIR, NO_COLOR";

/// Translate foreign-language newsletter issues into bilingual digests and
/// executive briefs through any OpenAI-compatible endpoint.
#[derive(Debug, Parser)]
#[command(name = "gloss", version, about, long_about = None, after_help = EXIT_CODES)]
pub struct Cli {
    /// Only warnings and errors on stderr: no progress, no list of files, no summary line.
    #[arg(
        long,
        short = 'q',
        global = true,
        conflicts_with = "verbose",
        help_heading = "Global options"
    )]
    pub quiet: bool,
    /// More detail on stderr: the endpoint used and each chunk's traffic.
    #[arg(long, short = 'v', global = true, help_heading = "Global options")]
    pub verbose: bool,
    /// Colour warnings and errors: auto (when stderr is a terminal and NO_COLOR is unset), always, never.
    #[arg(
        long,
        value_enum,
        global = true,
        default_value = "auto",
        value_name = "WHEN",
        help_heading = "Global options"
    )]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the articles gloss finds in an issue (sends nothing).
    Parse {
        /// The issue's text file, or - for standard input.
        file: PathBuf,
        /// Print the parsed issue as JSON on stdout instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Dry run: chunks, requests, tokens and estimated cost (sends nothing).
    Plan {
        /// The issue's text file, or - for standard input.
        file: PathBuf,
        /// More issues: files, folders (their .txt/.pdf/.md files) or glob patterns.
        #[arg(value_name = "FILE")]
        more: Vec<PathBuf>,
        #[command(flatten)]
        endpoint: EndpointArgs,
        /// Chunk budget in source tokens.
        #[arg(long)]
        budget: Option<usize>,
        /// Estimate the cost at batch prices (the profile's batch_discount, 0.5 for openai).
        #[arg(long)]
        batch: bool,
        /// Print the plan as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Translate an issue and write the bilingual digest.
    Translate(TranslateArgs),
    /// Translate and summarize what is not cached yet, then write the executive brief.
    Brief(TranslateArgs),
    /// Everything: translate, summarize, brief; writes digest and brief.
    Run(TranslateArgs),
    /// Build the issue's termbase (names and their English forms) and print or save it.
    Glossary(GlossaryArgs),
    /// The quality report of an issue from the cache (sends nothing).
    Qa(QaArgs),
    /// Write the issue's segments for post-editing in a CAT tool: XLIFF 1.2, TMX 1.4 or PO (sends nothing).
    Export(export::ExportArgs),
    /// Read a post-edited XLIFF/TMX/PO file back: changed targets become human translations.
    Import(import::ImportArgs),
    /// Check an endpoint: reachable, lists the model, answers a one-token completion.
    Doctor {
        #[command(flatten)]
        endpoint: EndpointArgs,
        /// Print the checks as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Show the effective profile, where each value came from, and where a key goes.
    Config {
        #[command(flatten)]
        endpoint: EndpointArgs,
        /// Print the profile and its sources as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Inspect or clean the result cache.
    Cache {
        #[command(subcommand)]
        action: CacheAction,
        /// Cache folder (default: gloss.toml's cache_dir, $GLOSS_CACHE_DIR, or the user cache dir).
        #[arg(long, global = true, env = "GLOSS_CACHE_DIR")]
        cache_dir: Option<PathBuf>,
        /// Print the result as JSON on stdout.
        #[arg(long, global = true)]
        json: bool,
    },
    /// Batch mode's saved batches, and batch files for offline engines (vLLM run_batch).
    Batch {
        #[command(subcommand)]
        action: batch::BatchAction,
    },
    /// List past runs: when, input, profile, model, requests, tokens, cost, output folder.
    Runs {
        /// Only the last N runs.
        #[arg(long, short = 'n', value_name = "N")]
        last: Option<usize>,
        /// Print the runs as a JSON array on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script (e.g. `gloss completions bash > ~/.local/share/bash-completion/completions/gloss`).
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `gloss man > gloss.1 && man -l gloss.1`.
    Man,
}

/// Which endpoint to use.
#[derive(Debug, Clone, Args)]
pub struct EndpointArgs {
    /// `--profile`/`--model` came from `GLOSS_PROFILE`/`GLOSS_MODEL`; set by
    /// [`Cli::from_env_and_args`], so `gloss config` names the right source.
    #[arg(skip)]
    pub from_env: EnvSources,
    /// Endpoint profile from the config (openai, local, ollama, vllm, lmstudio, or your own).
    #[arg(long, short = 'p', env = "GLOSS_PROFILE")]
    pub profile: Option<String>,
    /// Override the profile's base URL (e.g. http://127.0.0.1:8080/v1). Give it
    /// once per endpoint for several servers of the same model: each request
    /// goes to the one with the fewest in flight, one that keeps failing is
    /// set aside for a while, and --jobs counts requests over all of them.
    #[arg(long, value_name = "URL")]
    pub base_url: Vec<String>,
    /// Override the profile's model.
    #[arg(long, short = 'm', env = "GLOSS_MODEL")]
    pub model: Option<String>,
    /// Name of the environment variable holding the key for this endpoint.
    #[arg(long)]
    pub api_key_env: Option<String>,
    /// Honour the workspace gloss.toml's key settings (api_key_env, moving a keyed profile).
    #[arg(long)]
    pub trust_workspace: bool,
}

/// What every command that reads an issue through a profile needs.
#[derive(Debug, Args)]
pub struct SourceArgs {
    /// The issue's text file, or - for standard input.
    pub file: PathBuf,
    #[command(flatten)]
    pub endpoint: EndpointArgs,
    /// Only these articles, comma-separated ids (A01,C03); see `gloss parse`.
    #[arg(long, value_delimiter = ',')]
    pub articles: Option<Vec<String>>,
    /// Cache folder.
    #[arg(long, env = "GLOSS_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Folder of prompt templates overriding the built-in ones.
    #[arg(long)]
    pub prompts: Option<PathBuf>,
    /// Language to translate into.
    #[arg(long, default_value = "English")]
    pub to: String,
    /// Glossary file (CSV `source,target[,note]` or TOML `[[term]]`), e.g. one saved by `gloss glossary --save`.
    #[arg(long)]
    pub glossary: Option<PathBuf>,
    /// Translation memory folder: reviewers' corrections and segments translated before, reused
    /// without a request (default: memory/ in the cache folder); one per publication keeps their names apart.
    #[arg(long, value_name = "DIR", env = "GLOSS_MEMORY_DIR")]
    pub memory: Option<PathBuf>,
}

/// How the commands that send requests send them.
#[derive(Debug, Args)]
pub struct RequestArgs {
    /// Requests in flight at once, over all the profile's endpoints (default: the profile's concurrency).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Neither read nor write the cache.
    #[arg(long, conflicts_with = "refresh")]
    pub no_cache: bool,
    /// Ignore cached results and store fresh ones.
    #[arg(long)]
    pub refresh: bool,
    /// Ask again for what came back unusable last time (answers cut at the
    /// token limit or filtered, one-paragraph replies that could not be
    /// aligned), e.g. after raising the server's context; everything else
    /// comes from the cache.
    #[arg(long, conflicts_with_all = ["refresh", "no_cache"])]
    pub retry_failed: bool,
}

/// How a run translates. These choose the cache entries, so `qa` takes
/// them too, to find the run it checks.
#[derive(Debug, Args)]
pub struct ShapeArgs {
    /// Chunk budget in source tokens (for qa: the one the checked run used).
    #[arg(long)]
    pub budget: Option<usize>,
    /// Skip the automatic termbase, one extraction request per article (for qa: the checked run skipped it).
    #[arg(long)]
    pub no_termbase: bool,
    /// Do not re-request segments that fail a quality check (for qa: the checked run did not).
    #[arg(long)]
    pub no_repair: bool,
}

impl ShapeArgs {
    fn apply(&self, opts: &mut RunOptions) {
        opts.overrides.chunk_tokens = self.budget;
        opts.termbase = !self.no_termbase;
        opts.repair = !self.no_repair;
    }
}

#[derive(Debug, Args)]
pub struct TranslateArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// More issues: files, folders (their .txt/.pdf/.md files) or glob patterns. Several issues
    /// (or one folder or pattern) run together: one folder each, plus index.* and week.* in OUT.
    #[arg(value_name = "FILE")]
    pub more: Vec<PathBuf>,
    #[command(flatten)]
    pub requests: RequestArgs,
    /// Output folder; files go to OUT/<input name>/. `-` writes the one chosen --format to stdout.
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
    /// Output formats, comma-separated: md, html, json (bilingual), translation-md, txt (translation only).
    #[arg(long, value_delimiter = ',', default_value = "md,html,json")]
    pub format: Vec<Format>,
    #[command(flatten)]
    pub shape: ShapeArgs,
    /// Exit with status 3 when any segment is left flagged or untranslated.
    #[arg(long)]
    pub strict: bool,
    /// Open the HTML digest (or brief) when done, with xdg-open or open.
    #[arg(long)]
    pub open: bool,
    /// Send the requests through the provider's Batch API (OpenAI: half price, results within 24 h); the same command resumes an interrupted run's batches.
    #[arg(long)]
    pub batch: bool,
    /// Print the run as JSON on stdout: totals, output folder, files, profile, model, exit status.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct GlossaryArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub requests: RequestArgs,
    /// Save the merged termbase as TOML, usable with --glossary.
    #[arg(long)]
    pub save: Option<PathBuf>,
    /// Print the terms and conflicts as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct QaArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub shape: ShapeArgs,
    /// Exit with status 3 when any segment is flagged or not translated yet.
    #[arg(long)]
    pub strict: bool,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum CacheAction {
    /// Count entries and bytes.
    Stats,
    /// Remove entries older than DAYS.
    Prune {
        /// Age in days (fractions allowed, e.g. 0.5).
        #[arg(long, value_name = "DAYS")]
        older_than: f64,
    },
    /// Remove every entry.
    Clear,
}

/// Which endpoint values the environment, not a flag, supplied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EnvSources {
    pub profile: bool,
    pub model: bool,
}

impl Cli {
    /// Parse the process's arguments (exiting on a usage error, as clap
    /// does), noting which endpoint values came from the environment.
    pub fn from_env_and_args() -> Cli {
        use clap::FromArgMatches;
        let matches = Cli::command().get_matches();
        let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
        let mut m = &matches;
        let mut sources = EnvSources::default();
        loop {
            let env = |id: &str| {
                m.ids().any(|i| i == id)
                    && m.value_source(id) == Some(clap::parser::ValueSource::EnvVariable)
            };
            sources.profile |= env("profile");
            sources.model |= env("model");
            match m.subcommand() {
                Some((_, sub)) => m = sub,
                None => break,
            }
        }
        if let Some(endpoint) = cli.command.endpoint_mut() {
            endpoint.from_env = sources;
        }
        cli
    }
}

impl Command {
    fn endpoint_mut(&mut self) -> Option<&mut EndpointArgs> {
        match self {
            Command::Plan { endpoint, .. }
            | Command::Doctor { endpoint, .. }
            | Command::Config { endpoint, .. } => Some(endpoint),
            Command::Translate(a) | Command::Brief(a) | Command::Run(a) => {
                Some(&mut a.source.endpoint)
            }
            Command::Glossary(a) => Some(&mut a.source.endpoint),
            Command::Qa(a) => Some(&mut a.source.endpoint),
            Command::Export(a) => Some(&mut a.source.endpoint),
            Command::Batch {
                action: batch::BatchAction::Export { source, .. },
            } => Some(&mut source.endpoint),
            _ => None,
        }
    }
}

fn overrides(endpoint: &EndpointArgs) -> Overrides {
    Overrides {
        profile_from_env: endpoint.from_env.profile,
        model_from_env: endpoint.from_env.model,
        profile: endpoint.profile.clone(),
        base_urls: endpoint.base_url.clone(),
        model: endpoint.model.clone(),
        api_key_env: endpoint.api_key_env.clone(),
        trust_workspace: endpoint.trust_workspace,
        ..Default::default()
    }
}

/// Run a parsed command line. Returns the process exit code.
pub fn run(cli: Cli) -> Result<i32> {
    progress::Console::new(cli.quiet, cli.verbose, cli.color).install();
    match cli.command {
        Command::Parse { file, json } => parse(&file, json),
        Command::Plan {
            file,
            more,
            endpoint,
            budget,
            batch,
            json,
        } => {
            let inputs = crate::inputs::expand(&[vec![file], more].concat())?;
            match inputs.several {
                true => many::plan(&inputs.files, &endpoint, budget, batch, json),
                false => plan(&inputs.files[0], &endpoint, budget, batch, json),
            }
        }
        Command::Translate(args) => translate(
            args,
            Stages {
                brief: false,
                digest: true,
            },
            "translate",
        ),
        Command::Brief(args) => translate(
            args,
            Stages {
                brief: true,
                digest: false,
            },
            "brief",
        ),
        Command::Run(args) => translate(
            args,
            Stages {
                brief: true,
                digest: true,
            },
            "run",
        ),
        Command::Doctor { endpoint, json } => doctor(&endpoint, json),
        Command::Config { endpoint, json } => {
            let report = load_config(&endpoint)?.report(&overrides(&endpoint))?;
            match json {
                true => stdout_line(&serde_json::to_string_pretty(&report).unwrap_or_default()),
                false => report.lines().iter().for_each(|l| stdout_line(l)),
            }
            Ok(exit::OK)
        }
        Command::Glossary(args) => glossary(args),
        Command::Qa(args) => qa(args),
        Command::Export(args) => export::run(args),
        Command::Import(args) => import::run(args),
        Command::Cache {
            action,
            cache_dir,
            json,
        } => cache(action, cache_dir, json),
        Command::Batch { action } => batch::run(action),
        Command::Runs { last, json } => runs::list(last, json),
        Command::Completions { shell } => {
            let mut out = std::io::stdout().lock();
            clap_complete::generate(shell, &mut Cli::command(), "gloss", &mut out);
            Ok(exit::OK)
        }
        Command::Man => {
            let mut out = std::io::stdout().lock();
            clap_mangen::Man::new(Cli::command())
                .render(&mut out)
                .map_err(|source| GlossError::Output {
                    path: PathBuf::from("-"),
                    source,
                })?;
            Ok(exit::OK)
        }
    }
}

fn stdout_line(text: &str) {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`gloss parse x | head`) is not an error worth a message.
    let _ = writeln!(out, "{text}");
}

fn parse(file: &std::path::Path, json: bool) -> Result<i32> {
    let src = crate::load::load(file)?;
    for w in &src.warnings {
        eprintln!("gloss: warning: {w}");
    }
    let issue = crate::parse::parse(&src);
    if json {
        // Streamed, with the input's text gone: a 50 MB issue's JSON is
        // twice its size, and need not be held next to it.
        drop(src);
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        // A closed pipe is not an error worth a message (see stdout_line).
        let _ = serde_json::to_writer_pretty(&mut out, &issue)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out))
            .and_then(|()| out.flush());
        return Ok(0);
    }
    let counter = crate::tokens::TokenCounter::for_model("gpt-4o");
    stdout_line(&format!(
        "{:<4} {} {} {} {} {:>5} {:>6} {} pages",
        "id",
        fit("section", 16),
        fit("title", 44),
        fit("source", 18),
        fit("date", 6),
        "paras",
        "tokens",
        fit("start", 14),
    ));
    for a in &issue.articles {
        stdout_line(&format!(
            "{:<4} {} {} {} {} {:>5} {:>6} {} {}",
            a.id,
            fit(a.section.as_deref().unwrap_or("-"), 16),
            fit(
                &match &a.category {
                    Some(c) => format!("({c}) {}", a.title),
                    None => a.title.clone(),
                },
                44
            ),
            fit(a.source.as_deref().unwrap_or("-"), 18),
            fit(a.date.as_deref().unwrap_or("-"), 6),
            a.paragraphs.len(),
            counter.count(&a.full_text()),
            // How the start was found, and where the article stands.
            fit(a.start.label(), 14),
            match a.pages.as_slice() {
                [first, last] if first != last => format!("{first}-{last}"),
                [page, ..] => page.to_string(),
                [] => "-".to_string(),
            }
        ));
    }
    let mut reasons: std::collections::BTreeMap<&str, usize> = Default::default();
    for d in &issue.dropped {
        *reasons.entry(d.reason.as_str()).or_default() += 1;
    }
    let kinds = |k| issue.articles.iter().filter(|a| a.kind == k).count();
    use crate::document::ArticleKind::*;
    eprintln!(
        "{}: {} front, {} articles, {} clippings; dropped {} lines ({}); encoding {}",
        src.name,
        kinds(Front),
        kinds(Article),
        kinds(Clipping),
        issue.dropped.len(),
        reasons
            .iter()
            .map(|(r, n)| format!("{n} {r}"))
            .collect::<Vec<_>>()
            .join(", "),
        src.encoding
    );
    for w in &issue.warnings {
        eprintln!("gloss: warning: {w}");
    }
    Ok(0)
}

/// Truncate to `width` terminal columns and pad to exactly that width
/// (format!'s padding counts chars, and Hangul takes two columns).
fn fit(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let total = crate::document::display_width(text);
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if total > width && used + w + 1 > width {
            out.push('…');
            used += 1;
            break;
        }
        out.push(c);
        used += w;
    }
    out + &" ".repeat(width.saturating_sub(used))
}

fn plan(
    file: &std::path::Path,
    endpoint: &EndpointArgs,
    budget: Option<usize>,
    batch: bool,
    json: bool,
) -> Result<i32> {
    let plan = make_plan(file, endpoint, budget, batch)?;
    if json {
        stdout_line(&serde_json::to_string_pretty(&plan).unwrap_or_default());
        return Ok(0);
    }
    print_plan(&plan, batch);
    Ok(0)
}

/// The dry run of one issue.
fn make_plan(
    file: &std::path::Path,
    endpoint: &EndpointArgs,
    budget: Option<usize>,
    batch: bool,
) -> Result<crate::plan::Plan> {
    let mut o = overrides(endpoint);
    o.chunk_tokens = budget;
    if batch {
        o.batch.mode = crate::llm::batch::BatchMode::Submit;
    }
    let opts = RunOptions {
        input: file.to_path_buf(),
        out_dir: None,
        formats: vec![],
        articles: None,
        overrides: o,
        cache_mode: Mode::Normal,
        prompts_dir: None,
        target_language: "English".into(),
        progress: false,
        stages: Stages {
            brief: true,
            digest: true,
        },
        glossary: None,
        termbase: true,
        repair: true,
        shared_client: None,
        memory_dir: std::env::var_os("GLOSS_MEMORY_DIR").map(PathBuf::from),
    };
    let p = pipeline::prepare(&opts)?;
    // The prompt's own tokens, measured on an empty chunk.
    let (request, _) = pipeline::translator(&p, false, Default::default()).request("", &[])?;
    let counter = crate::tokens::TokenCounter::for_model(&p.profile.model);
    let overhead: u64 = request
        .messages
        .iter()
        .map(|m| counter.count(&m.content) as u64 + 4)
        .sum();
    let terms = pipeline::terms::plan(&p, |text| counter.count(text))?;
    let mut memory = crate::memory::Coverage::default();
    let articles = pipeline::selected_chunks(&p).inspect(|(_, c)| p.memory.cover(&mut memory, c));
    let sections = pipeline::section_chunks(&p);
    let mut plan = crate::plan::plan(
        &p.issue.name,
        &p.profile,
        articles,
        overhead,
        terms,
        &sections,
    );
    plan.memory = memory;
    Ok(plan)
}

/// A plan as the table `gloss plan` prints.
fn print_plan(plan: &crate::plan::Plan, batch: bool) {
    stdout_line(&format!(
        "{} · profile {} · model {} · {} ({}) · budget {} tokens/chunk",
        plan.input,
        plan.profile,
        plan.model,
        plan.encoding,
        if plan.exact_counts {
            "exact"
        } else {
            "estimate for a non-OpenAI model, 20% margin"
        },
        plan.chunk_budget
    ));
    let names = (!plan.section_chunks.is_empty()).then_some((
        "names",
        &plan.section_chunks,
        "section names",
    ));
    let rows = plan
        .articles
        .iter()
        .map(|a| (a.id.as_str(), &a.chunks, a.title.as_str()))
        .chain(names);
    for (id, chunks, title) in rows {
        let sizes: Vec<String> = chunks.iter().map(|c| c.tokens.to_string()).collect();
        stdout_line(&format!(
            "  {:<4} {:>2} chunks [{}]  {}",
            id,
            chunks.len(),
            sizes.join(", "),
            fit(title, 40).trim_end()
        ));
    }
    stdout_line(&format!(
        "{:<10} {:>8} {:>12} {:>12}",
        "stage", "requests", "input tok", "output tok"
    ));
    for s in &plan.stages {
        stdout_line(&format!(
            "{:<10} {:>8} {:>12} {:>12}",
            s.stage, s.requests, s.input_tokens, s.output_tokens
        ));
    }
    print_cost_line(plan, batch);
    if plan.memory.segments > 0 {
        stdout_line(&format!(
            "memory: {} segments from the translation memory ({} chunks need no request); the figures above count every chunk",
            plan.memory.segments, plan.memory.whole_chunks
        ));
    }
    print_graph(plan);
}

/// The plan's total line, with the estimated cost.
fn print_cost_line(plan: &crate::plan::Plan, batch: bool) {
    stdout_line(&format!(
        "{:<10} {:>8} {:>12} {:>12}   estimated cost: {}",
        "total",
        plan.stages.iter().map(|s| s.requests).sum::<u64>(),
        plan.input_tokens,
        plan.output_tokens,
        match plan.estimated_cost_usd {
            Some(c) if batch => format!("${c:.4} at batch prices"),
            Some(c) => format!("${c:.4}"),
            None => format!("unknown (no price for {} in the config)", plan.model),
        }
    ));
}

/// The graph one scheduler runs: per stage its nodes, their input tokens and
/// what each waits for.
fn print_graph(plan: &crate::plan::Plan) {
    stdout_line("graph: a node starts as soon as what it needs is done");
    for g in &plan.graph {
        stdout_line(&format!(
            "  {:<10} {:>4} nodes {:>9} input tok  each needs {}",
            g.stage, g.nodes, g.input_tokens, g.needs
        ));
    }
}

/// The run options every issue-reading command starts from; each command
/// then sets what its own flags decide.
fn run_options(source: &SourceArgs, stages: Stages) -> RunOptions {
    let mut o = overrides(&source.endpoint);
    o.cache_dir = source.cache_dir.clone();
    RunOptions {
        input: source.file.clone(),
        out_dir: None,
        formats: Vec::new(),
        articles: source.articles.clone(),
        overrides: o,
        cache_mode: Mode::Normal,
        prompts_dir: source.prompts.clone(),
        target_language: source.to.clone(),
        progress: std::io::stderr().is_terminal(),
        stages,
        glossary: source.glossary.clone(),
        termbase: true,
        repair: true,
        shared_client: None,
        memory_dir: source.memory.clone(),
    }
}

impl RequestArgs {
    fn apply(&self, opts: &mut RunOptions) {
        opts.overrides.jobs = self.jobs;
        // A run that re-asks everything does not take stored batch answers either.
        opts.overrides.batch.ignore_store = self.no_cache || self.refresh;
        opts.cache_mode = if self.no_cache {
            Mode::Off
        } else if self.refresh {
            Mode::Refresh
        } else if self.retry_failed {
            Mode::RetryFailed
        } else {
            Mode::Normal
        };
    }
}

/// The run options of `run`, `translate` and `brief`, on one issue or
/// several, writing into `out_dir`.
fn translate_options(args: &TranslateArgs, stages: Stages, out_dir: PathBuf) -> RunOptions {
    let mut opts = run_options(&args.source, stages);
    opts.out_dir = Some(out_dir);
    opts.formats = args.format.clone();
    args.requests.apply(&mut opts);
    args.shape.apply(&mut opts);
    // `--quiet` hides the progress display too.
    opts.progress = opts.progress && !progress::Console::get().quiet;
    opts
}

/// `gloss run|translate|brief`: one issue ([`one`]) or several, given as
/// files, folders or patterns ([`many`]).
fn translate(args: TranslateArgs, stages: Stages, command: &'static str) -> Result<i32> {
    let given: Vec<PathBuf> = std::iter::once(args.source.file.clone())
        .chain(args.more.iter().cloned())
        .collect();
    let inputs = crate::inputs::expand(&given)?;
    match inputs.several {
        true => many::translate(args, stages, command, &inputs.files),
        false => one::translate(args, stages, command),
    }
}

/// Open the HTML digest (else the brief) with the desktop's opener; a note,
/// not an error, when there is none or no HTML was written.
fn open_html(files: &[PathBuf]) {
    let html = ["index.html", "digest.html", "brief.html"]
        .iter()
        .find_map(|name| files.iter().find(|f| f.ends_with(name)));
    let Some(html) = html else {
        progress::note("--open: no HTML file was written (add html to --format)");
        return;
    };
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let status = std::process::Command::new(opener)
        .arg(html)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => progress::note(&format!(
            "--open: {opener} {} exited with {s}",
            html.display()
        )),
        Err(_) => progress::note(&format!(
            "--open: no {opener} found; open {} yourself",
            html.display()
        )),
    }
}

fn glossary(args: GlossaryArgs) -> Result<i32> {
    let mut opts = run_options(
        &args.source,
        Stages {
            brief: false,
            digest: false,
        },
    );
    args.requests.apply(&mut opts);
    opts.progress = opts.progress && !progress::Console::get().quiet;
    let p = pipeline::prepare(&opts)?;
    let (termbase, reports) = runtime()?.block_on(async {
        tokio::select! {
            r = pipeline::extract_terms(&p, opts.progress) => r,
            _ = tokio::signal::ctrl_c() => Err(GlossError::Interrupted),
        }
    })?;
    if let Some(w) = p.cache.write_failure() {
        progress::warn(w);
    }
    let sent: u32 = reports.iter().map(|r| r.traffic.requests).sum();
    if args.json {
        stdout_line(
            &serde_json::to_string_pretty(&serde_json::json!({
                "terms": termbase.glossary.terms, "conflicts": termbase.conflicts,
                "saved": args.save, "requests": sent,
            }))
            .unwrap_or_default(),
        );
    } else {
        for t in &termbase.glossary.terms {
            stdout_line(&format!("{} → {}  ({})", t.source, t.target, t.origin));
        }
        for c in &termbase.conflicts {
            stdout_line(&format!("conflict: {c}"));
        }
    }
    if let Some(path) = &args.save {
        crate::render::write_atomic(path, termbase.glossary.to_toml().as_bytes())?;
        progress::info(&format!(
            "saved {} terms to {} (edit it, then pass --glossary {})",
            termbase.glossary.terms.len(),
            path.display(),
            path.display()
        ));
    }
    progress::info(&format!(
        "{} terms from {} articles, {} requests sent",
        termbase.glossary.terms.len(),
        reports.len(),
        sent
    ));
    Ok(exit::OK)
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| GlossError::Runtime(e.to_string()))
}

fn qa(args: QaArgs) -> Result<i32> {
    let mut opts = run_options(
        &args.source,
        Stages {
            brief: false,
            digest: false,
        },
    );
    args.shape.apply(&mut opts);
    let report = pipeline::qa_report(&opts)?;
    if args.json {
        stdout_line(&serde_json::to_string_pretty(&report).unwrap_or_default());
    } else {
        stdout_line(&format!(
            "{:<4} {:>8} {:>7} {:>8} {:>9}  reasons",
            "id", "segments", "checked", "flagged", "repaired"
        ));
        for a in &report.articles {
            let reasons: Vec<String> = a.reasons.iter().map(|(k, n)| format!("{n} {k}")).collect();
            stdout_line(&format!(
                "{:<4} {:>8} {:>7} {:>8} {:>9}  {}",
                a.id,
                a.segments,
                a.checked,
                a.flagged,
                a.repaired,
                if a.checked < a.segments {
                    format!(
                        "{} not translated yet; {}",
                        a.segments - a.checked,
                        reasons.join(", ")
                    )
                } else {
                    reasons.join(", ")
                }
            ));
        }
        for (id, why) in &report.flagged {
            stdout_line(&format!("  ⚠ {id}: {}", why.join("; ")));
        }
        for (id, why) in &report.resolved {
            stdout_line(&format!(
                "  ✓ {id}: resolved by a reviewer (was {})",
                why.join("; ")
            ));
        }
        let reasons: Vec<String> = report
            .reasons
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        stdout_line(&format!(
            "total: {} segments, {} checked, {} flagged ({}), {} repaired",
            report.segments,
            report.checked,
            report.flagged.len(),
            reasons.join(", "),
            report.repaired
        ));
    }
    // Segments not translated yet count against --strict too.
    let untranslated = report.checked < report.segments;
    Ok(
        if args.strict && (!report.flagged.is_empty() || untranslated) {
            exit::STRICT
        } else {
            exit::OK
        },
    )
}

/// The configuration as seen from the current directory.
fn load_config(endpoint: &EndpointArgs) -> Result<Config> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    Ok(Config::load_with(&cwd, endpoint.trust_workspace)?)
}

fn doctor(endpoint: &EndpointArgs, json: bool) -> Result<i32> {
    let config = load_config(endpoint)?;
    let (profile, warnings) = config.profile(&overrides(endpoint))?;
    let report = config.report(&overrides(endpoint))?;
    for w in warnings {
        progress::warn(&w);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| GlossError::Runtime(e.to_string()))?;
    let checks = runtime.block_on(crate::doctor::run(&profile));
    let ok = checks.iter().all(|c| c.ok);
    let shown: Vec<String> = profile.endpoints().map(crate::llm::redact_url).collect();
    if json {
        stdout_line(&serde_json::to_string_pretty(&serde_json::json!({"profile": profile.name, "base_url": shown.first(), "base_urls": shown, "model": profile.model, "files": report.files, "key": report.key, "ok": ok, "checks": checks})).unwrap_or_default());
    } else {
        stdout_line(&format!(
            "profile {} · {} · model {}",
            profile.name,
            shown.join(", "),
            profile.model
        ));
        stdout_line(&report.files_line());
        stdout_line(&report.key_line());
        for c in &checks {
            stdout_line(&format!(
                "{} {:<13} {}",
                if c.ok { "ok  " } else { "FAIL" },
                c.name,
                c.detail
            ));
            if let (false, Some(h)) = (c.ok, &c.hint) {
                stdout_line(&format!("     → {h}"));
            }
        }
    }
    Ok(if ok { exit::OK } else { exit::ERROR })
}

/// What `cache clear`/`prune` did, with the files they left alone.
fn report_cleaned(c: &crate::cache::Cleaned, which: &str, root: &std::path::Path, json: bool) {
    if json {
        stdout_line(&serde_json::to_string_pretty(c).unwrap_or_default());
        return;
    }
    let mut line = format!(
        "removed {} entries {which}from {}",
        c.removed,
        root.display()
    );
    if c.kept > 0 {
        line.push_str(&format!(", kept {}", c.kept));
    }
    if c.foreign > 0 {
        line.push_str(&format!(
            "; left {} files that are not gloss entries",
            c.foreign
        ));
    }
    if c.adopted {
        line.push_str(" (the folder held only gloss entries but no CACHEDIR.TAG: tagged it)");
    }
    stdout_line(&line);
}

fn cache(action: CacheAction, cache_dir: Option<PathBuf>, json: bool) -> Result<i32> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let config = Config::load(&cwd)?;
    let dir = config.cache_dir(&Overrides {
        cache_dir,
        ..Default::default()
    });
    let cache = Cache::new(&dir, Mode::Normal);
    match action {
        CacheAction::Stats => {
            let s = cache.stats();
            if json {
                stdout_line(&serde_json::to_string_pretty(&s).unwrap_or_default());
            } else {
                let foreign = if s.foreign > 0 {
                    format!("; {} files that are not gloss entries", s.foreign)
                } else {
                    String::new()
                };
                stdout_line(&format!(
                    "{}: {} entries, {:.1} KiB ({}){foreign}",
                    cache.root().display(),
                    s.entries,
                    s.bytes as f64 / 1024.0,
                    s.by_kind
                        .iter()
                        .map(|(k, n)| format!("{n} {k}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        CacheAction::Prune { older_than } => {
            if !(older_than.is_finite() && older_than >= 0.0) {
                return Err(GlossError::Usage(
                    "--older-than takes a number of days, e.g. 30".into(),
                ));
            }
            let age = Duration::try_from_secs_f64(older_than * 86_400.0).unwrap_or(Duration::MAX);
            let cleaned = cache.prune(age)?;
            report_cleaned(
                &cleaned,
                &format!("older than {older_than} days "),
                cache.root(),
                json,
            );
        }
        CacheAction::Clear => {
            let cleaned = cache.clear()?;
            report_cleaned(&cleaned, "", cache.root(), json);
        }
    }
    Ok(exit::OK)
}
