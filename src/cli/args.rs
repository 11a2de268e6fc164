//! The command line's arguments: the commands, their flags, and what the
//! environment supplies; exit statuses.

use super::*;

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

Environment: GLOSS_PROFILE, GLOSS_MODEL, GLOSS_CACHE_DIR, GLOSS_DATA_DIR, GLOSS_MEMORY_DIR, GLOSS_PROGRESS_SECS (a progress line every N seconds when stderr is no terminal; default 30, 0: none), OPENAI_API_KEY, OPENAI_BASE_URL, NO_COLOR";

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
        /// The issue: a text or PDF file, or - for standard input.
        file: PathBuf,
        /// Print the parsed issue as JSON on stdout instead of a table.
        #[arg(long)]
        json: bool,
        /// When the contents check is low, ask the profile's model once where
        /// the contents entries start (cached; the answer is checked).
        #[arg(long)]
        model_structure: bool,
        #[command(flatten)]
        endpoint: EndpointArgs,
    },
    /// Dry run: chunks, requests, tokens and estimated cost (sends nothing).
    Plan {
        /// The issue: a text or PDF file, or - for standard input.
        file: PathBuf,
        /// More issues: files, folders (their .txt/.pdf/.md files) or glob patterns.
        #[arg(value_name = "FILE")]
        more: Vec<PathBuf>,
        #[command(flatten)]
        endpoint: EndpointArgs,
        /// Chunk budget in source tokens.
        #[arg(long, value_parser = budget_tokens)]
        budget: Option<usize>,
        /// Only these articles, comma-separated ids (A01,C03), as the run will take them.
        #[arg(long, value_delimiter = ',')]
        articles: Option<Vec<String>>,
        /// Cache folder (where the plan keeps the chunk layout it counted).
        #[arg(long, env = "GLOSS_CACHE_DIR")]
        cache_dir: Option<PathBuf>,
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
    /// Build the termbase (names and their English forms) and print or save it.
    Glossary(GlossaryArgs),
    /// The quality report of an issue from the cache (sends nothing).
    Qa(QaArgs),
    /// Write the segments for post-editing in a CAT tool: XLIFF 1.2, TMX 1.4 or PO (sends nothing).
    Export(super::export::ExportArgs),
    /// Read a post-edited XLIFF/TMX/PO file back: changed targets become human translations.
    Import(super::import::ImportArgs),
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
    /// The issue: a text or PDF file, or - for standard input.
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
    #[arg(long, short = 'j', value_parser = requests_in_flight)]
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
    #[arg(long, value_parser = budget_tokens)]
    pub budget: Option<usize>,
    /// Skip the automatic termbase, one extraction request per article (for qa: the checked run skipped it).
    #[arg(long)]
    pub no_termbase: bool,
    /// Do not re-request segments that fail a quality check (for qa: the checked run did not).
    #[arg(long)]
    pub no_repair: bool,
}

impl ShapeArgs {
    pub(super) fn apply(&self, opts: &mut RunOptions) {
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
    /// Output folder; files go to OUT/<input name>/. `-` writes the one chosen --format to stdout (for `run`: txt or translation-md, the translation alone).
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

pub(super) fn overrides(endpoint: &EndpointArgs) -> Overrides {
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

impl RequestArgs {
    pub(super) fn apply(&self, opts: &mut RunOptions) {
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

/// A chunk budget: at least [`crate::config::MIN_CHUNK_TOKENS`] tokens, so a
/// chunk holds a sentence rather than a few words of one.
fn budget_tokens(value: &str) -> Result<usize, String> {
    let tokens: usize = value
        .parse()
        .map_err(|_| format!("{value:?} is not a number of tokens"))?;
    if tokens < crate::config::MIN_CHUNK_TOKENS {
        return Err(format!(
            "{tokens} tokens is too small a chunk; use at least {} (default 600)",
            crate::config::MIN_CHUNK_TOKENS
        ));
    }
    Ok(tokens)
}

/// A number of requests in flight: one or more.
fn requests_in_flight(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(0) => Err("0 requests in flight would send nothing; use 1 or more".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{value:?} is not a number of requests")),
    }
}
