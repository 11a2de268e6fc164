//! Command-line interface: argument definitions and dispatch. Each command
//! is a thin layer over the library's stages.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::cache::{Cache, Mode};
use crate::config::{Config, Overrides};
use crate::error::{GlossError, Result};
use crate::pipeline::{self, RunOptions, Stages};
use crate::render::Format;

/// Translate foreign-language newsletter issues into bilingual digests and
/// executive briefs through any OpenAI-compatible endpoint.
#[derive(Debug, Parser)]
#[command(name = "gloss", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the articles gloss finds in an issue (sends nothing).
    Parse {
        /// The issue's text file, or - for standard input.
        file: PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Dry run: chunks, requests, tokens and estimated cost (sends nothing).
    Plan {
        file: PathBuf,
        #[command(flatten)]
        endpoint: EndpointArgs,
        /// Chunk budget in source tokens.
        #[arg(long)]
        budget: Option<usize>,
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
    Glossary {
        #[command(flatten)]
        args: TranslateArgs,
        /// Save the merged termbase as TOML, usable with --glossary.
        #[arg(long)]
        save: Option<PathBuf>,
    },
    /// The quality report of an issue from the cache (sends nothing).
    Qa {
        #[command(flatten)]
        args: TranslateArgs,
    },
    /// Check an endpoint: reachable, lists the model, answers a one-token completion.
    Doctor {
        #[command(flatten)]
        endpoint: EndpointArgs,
        #[arg(long)]
        json: bool,
    },
    /// Show the effective profile, where each value came from, and where a key goes.
    Config {
        #[command(flatten)]
        endpoint: EndpointArgs,
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
        #[arg(long, global = true)]
        json: bool,
    },
}

/// Which endpoint to use.
#[derive(Debug, Clone, Args)]
pub struct EndpointArgs {
    /// Endpoint profile from the config (openai, local, ollama, vllm, lmstudio, or your own).
    #[arg(long, short = 'p')]
    pub profile: Option<String>,
    /// Override the profile's base URL (e.g. http://127.0.0.1:8080/v1).
    #[arg(long)]
    pub base_url: Option<String>,
    /// Override the profile's model.
    #[arg(long, short = 'm')]
    pub model: Option<String>,
    /// Name of the environment variable holding the key for this endpoint.
    #[arg(long)]
    pub api_key_env: Option<String>,
    /// Honour the workspace gloss.toml's key settings (api_key_env, moving a keyed profile).
    #[arg(long)]
    pub trust_workspace: bool,
}

#[derive(Debug, Args)]
pub struct TranslateArgs {
    /// The issue's text file, or - for standard input.
    pub file: PathBuf,
    #[command(flatten)]
    pub endpoint: EndpointArgs,
    /// Output folder; files go to OUT/<input name>/.
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
    /// Output formats, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "md,html,json")]
    pub format: Vec<Format>,
    /// Only these articles, comma-separated ids (A01,C03); see `gloss parse`.
    #[arg(long, value_delimiter = ',')]
    pub articles: Option<Vec<String>>,
    /// Requests in flight at once (default: the profile's concurrency).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Chunk budget in source tokens.
    #[arg(long)]
    pub budget: Option<usize>,
    /// Cache folder.
    #[arg(long, env = "GLOSS_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Neither read nor write the cache.
    #[arg(long, conflicts_with = "refresh")]
    pub no_cache: bool,
    /// Ignore cached results and store fresh ones.
    #[arg(long)]
    pub refresh: bool,
    /// Folder of prompt templates overriding the built-in ones.
    #[arg(long)]
    pub prompts: Option<PathBuf>,
    /// Language to translate into.
    #[arg(long, default_value = "English")]
    pub to: String,
    /// Glossary file (CSV `source,target[,note]` or TOML `[[term]]`), e.g. one saved by `gloss glossary --save`.
    #[arg(long)]
    pub glossary: Option<PathBuf>,
    /// Skip the automatic termbase (one extraction request per article).
    #[arg(long)]
    pub no_termbase: bool,
    /// Do not re-request segments that fail a quality check.
    #[arg(long)]
    pub no_repair: bool,
    /// Exit with status 3 when any segment is left flagged or untranslated.
    #[arg(long)]
    pub strict: bool,
    /// Print the manifest's totals as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum CacheAction {
    /// Count entries and bytes.
    Stats,
    /// Remove entries older than DAYS.
    Prune {
        #[arg(long)]
        older_than: f64,
    },
    /// Remove every entry.
    Clear,
}

fn overrides(endpoint: &EndpointArgs) -> Overrides {
    Overrides {
        profile: endpoint.profile.clone(),
        base_url: endpoint.base_url.clone(),
        model: endpoint.model.clone(),
        api_key_env: endpoint.api_key_env.clone(),
        trust_workspace: endpoint.trust_workspace,
        ..Default::default()
    }
}

/// Run a parsed command line. Returns the process exit code.
pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Parse { file, json } => parse(&file, json),
        Command::Plan {
            file,
            endpoint,
            budget,
            json,
        } => plan(&file, &endpoint, budget, json),
        Command::Translate(args) => translate(
            args,
            Stages {
                brief: false,
                digest: true,
            },
        ),
        Command::Brief(args) => translate(
            args,
            Stages {
                brief: true,
                digest: false,
            },
        ),
        Command::Run(args) => translate(
            args,
            Stages {
                brief: true,
                digest: true,
            },
        ),
        Command::Doctor { endpoint, json } => doctor(&endpoint, json),
        Command::Config { endpoint, json } => {
            let report = load_config(&endpoint)?.report(&overrides(&endpoint))?;
            match json {
                true => stdout_line(&serde_json::to_string_pretty(&report).unwrap_or_default()),
                false => report.lines().iter().for_each(|l| stdout_line(l)),
            }
            Ok(0)
        }
        Command::Glossary { args, save } => glossary(args, save),
        Command::Qa { args } => qa(args),
        Command::Cache {
            action,
            cache_dir,
            json,
        } => cache(action, cache_dir, json),
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
        stdout_line(&serde_json::to_string_pretty(&issue).unwrap_or_default());
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
    json: bool,
) -> Result<i32> {
    let mut o = overrides(endpoint);
    o.chunk_tokens = budget;
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
    };
    let p = pipeline::prepare(&opts)?;
    // The prompt's own tokens, measured on an empty chunk.
    let (request, _) = crate::translate::Translator {
        profile: p.profile.clone(),
        prompts: p.prompts.clone(),
        cache: p.cache.clone(),
        languages: p.languages.clone(),
        client: std::sync::Arc::new(crate::llm::LazyClient::new(&p.profile)),
        glossary: Default::default(),
        repair: false,
        article_order: Default::default(),
    }
    .request("", &[])?;
    let counter = crate::tokens::TokenCounter::for_model(&p.profile.model);
    let overhead: u64 = request
        .messages
        .iter()
        .map(|m| counter.count(m["content"].as_str().unwrap_or_default()) as u64 + 4)
        .sum();
    let articles = pipeline::selected_chunks(&p);
    let plan = crate::plan::plan(&p.issue.name, &p.profile, articles, overhead);
    if json {
        stdout_line(&serde_json::to_string_pretty(&plan).unwrap_or_default());
        return Ok(0);
    }
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
    for a in &plan.articles {
        let sizes: Vec<String> = a.chunks.iter().map(|c| c.tokens.to_string()).collect();
        stdout_line(&format!(
            "  {:<4} {:>2} chunks [{}]  {}",
            a.id,
            a.chunks.len(),
            sizes.join(", "),
            fit(&a.title, 40).trim_end()
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
    stdout_line(&format!(
        "{:<10} {:>8} {:>12} {:>12}   estimated cost: {}",
        "total",
        plan.stages.iter().map(|s| s.requests).sum::<u64>(),
        plan.input_tokens,
        plan.output_tokens,
        match plan.estimated_cost_usd {
            Some(c) => format!("${c:.4}"),
            None => format!("unknown (no price for {} in the config)", plan.model),
        }
    ));
    Ok(0)
}

fn run_options(args: &TranslateArgs, stages: Stages) -> RunOptions {
    let mut o = overrides(&args.endpoint);
    o.jobs = args.jobs;
    o.chunk_tokens = args.budget;
    o.cache_dir = args.cache_dir.clone();
    RunOptions {
        input: args.file.clone(),
        out_dir: Some(args.out.clone()),
        formats: args.format.clone(),
        articles: args.articles.clone(),
        overrides: o,
        cache_mode: if args.no_cache {
            Mode::Off
        } else if args.refresh {
            Mode::Refresh
        } else {
            Mode::Normal
        },
        prompts_dir: args.prompts.clone(),
        target_language: args.to.clone(),
        progress: std::io::stderr().is_terminal(),
        stages,
        glossary: args.glossary.clone(),
        termbase: !args.no_termbase,
        repair: !args.no_repair,
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| GlossError::Runtime(e.to_string()))
}

fn translate(args: TranslateArgs, stages: Stages) -> Result<i32> {
    let opts = run_options(&args, stages);
    let runtime = runtime()?;
    // Ctrl-C drops the run: its tasks are aborted, and every result finished
    // before is already in the cache.
    let result = runtime.block_on(async {
        tokio::select! {
            result = pipeline::run(&opts) => result,
            _ = tokio::signal::ctrl_c() => Err(GlossError::Interrupted),
        }
    })?;
    let t = &result.manifest.totals;
    for w in &result.warnings {
        eprintln!("gloss: warning: {w}");
    }
    if args.json {
        stdout_line(&serde_json::to_string_pretty(t).unwrap_or_default());
    }
    eprintln!(
        "gloss: {} chunks: {} requests sent, {} cache hits, {} tokens in / {} out{}, est. cost {}, {:.1} s → {}",
        t.chunks,
        t.requests,
        t.cache_hits,
        t.tokens_in,
        t.tokens_out,
        if t.requests > 0 && !t.usage_from_server {
            " (some usage not reported by the server)"
        } else {
            ""
        },
        t.estimated_cost_usd
            .map_or("unknown".to_string(), |c| format!("${c:.4}")),
        t.wall_ms as f64 / 1000.0,
        result.out_dir.display()
    );
    for f in result
        .files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "md"))
    {
        eprintln!("gloss: wrote {}", f.display());
    }
    let segments: usize = result
        .digest
        .articles
        .iter()
        .map(|a| a.segments.len())
        .sum();
    if segments > 0 && t.failed_segments == segments {
        eprintln!(
            "gloss: error: no segment was translated; see the errors in {}",
            result.out_dir.join("manifest.json").display()
        );
        return Ok(1);
    }
    let flagged: usize = result.digest.flagged();
    if flagged > 0 {
        let reasons: Vec<String> = t
            .flagged_segments
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        eprintln!(
            "gloss: warning: {flagged} segments flagged by quality checks ({}; {} repaired of {} re-requested); see ⚠ in the digest and `gloss qa`",
            reasons.join(", "),
            t.repaired,
            t.repair_requests
        );
    }
    if args.strict && (flagged > 0 || t.failed_segments > 0) {
        eprintln!(
            "gloss: error: --strict: {flagged} flagged and {} untranslated segments remain",
            t.failed_segments
        );
        return Ok(3);
    }
    if t.failed_segments > 0 {
        eprintln!(
            "gloss: warning: {} segments have no translation (marked ⚠ in the digest; see manifest.json); rerun to retry them",
            t.failed_segments
        );
    }
    Ok(0)
}

fn glossary(args: TranslateArgs, save: Option<PathBuf>) -> Result<i32> {
    let opts = run_options(
        &args,
        Stages {
            brief: false,
            digest: false,
        },
    );
    let p = pipeline::prepare(&opts)?;
    let client = std::sync::Arc::new(crate::llm::LazyClient::new(&p.profile));
    let (termbase, reports) = runtime()?.block_on(async {
        tokio::select! {
            r = pipeline::terms::build(&p, &client, opts.progress) => r,
            _ = tokio::signal::ctrl_c() => Err(GlossError::Interrupted),
        }
    })?;
    if let Some(w) = p.cache.write_failure() {
        eprintln!("gloss: warning: {w}");
    }
    let sent: u32 = reports.iter().map(|r| r.traffic.requests).sum();
    if args.json {
        stdout_line(
            &serde_json::to_string_pretty(&serde_json::json!({
                "terms": termbase.glossary.terms, "conflicts": termbase.conflicts,
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
    if let Some(path) = save {
        crate::render::write_atomic(&path, termbase.glossary.to_toml().as_bytes())?;
        eprintln!(
            "gloss: saved {} terms to {} (edit it, then pass --glossary {})",
            termbase.glossary.terms.len(),
            path.display(),
            path.display()
        );
    }
    eprintln!(
        "gloss: {} terms from {} articles, {} requests sent",
        termbase.glossary.terms.len(),
        reports.len(),
        sent
    );
    Ok(0)
}

fn qa(args: TranslateArgs) -> Result<i32> {
    let opts = run_options(
        &args,
        Stages {
            brief: false,
            digest: false,
        },
    );
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
            3
        } else {
            0
        },
    )
}

/// The configuration as seen from the current directory.
fn load_config(endpoint: &EndpointArgs) -> Result<Config> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    Config::load_with(&cwd, endpoint.trust_workspace)
}

fn doctor(endpoint: &EndpointArgs, json: bool) -> Result<i32> {
    let config = load_config(endpoint)?;
    let (profile, warnings) = config.profile(&overrides(endpoint))?;
    let report = config.report(&overrides(endpoint))?;
    for w in warnings {
        eprintln!("gloss: warning: {w}");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| GlossError::Runtime(e.to_string()))?;
    let checks = runtime.block_on(crate::doctor::run(&profile));
    let ok = checks.iter().all(|c| c.ok);
    if json {
        stdout_line(&serde_json::to_string_pretty(&serde_json::json!({"profile": profile.name, "base_url": crate::llm::redact_url(&profile.base_url), "model": profile.model, "files": report.files, "key": report.key, "ok": ok, "checks": checks})).unwrap_or_default());
    } else {
        stdout_line(&format!(
            "profile {} · {} · model {}",
            profile.name,
            crate::llm::redact_url(&profile.base_url),
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
    Ok(if ok { 0 } else { 1 })
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
    Ok(0)
}
