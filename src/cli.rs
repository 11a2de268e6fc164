//! Command-line interface: argument definitions and dispatch. Each command
//! is a thin layer over the library's stages: `args.rs` the arguments, one
//! file per command (`parse.rs`, `plan.rs`, `one.rs` and `many.rs` for
//! `run|translate|brief`, `glossary.rs`, `qa.rs`, `doctor.rs`, `cache.rs`,
//! `batch.rs`, `runs.rs`), this file the dispatch and what they share.

mod args;
mod batch;
mod cache;
mod doctor;
mod export;
mod glossary;
mod import;
mod many;
mod one;
mod parse;
mod plan;
mod qa;
mod runs;

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::cache::{Cache, Mode};
use crate::config::{Config, Overrides};
use crate::error::{GlossError, Result};
use crate::progress::{self, ColorChoice};
use crate::render::Format;
use crate::run::{self, RunOptions, Stages};

pub use args::*;
use parse::fit;
use plan::{make_plan, print_plan};
pub use runs::{RunRecord, data_dir};

/// Run a parsed command line. Returns the process exit code.
pub fn run(cli: Cli) -> Result<i32> {
    progress::Console::new(cli.quiet, cli.verbose, cli.color).install();
    match cli.command {
        Command::Parse {
            file,
            json,
            model_structure,
            endpoint,
        } => parse::parse(&file, json, model_structure.then_some(&endpoint)),
        Command::Plan {
            file,
            more,
            endpoint,
            budget,
            articles,
            cache_dir,
            batch,
            json,
        } => {
            let inputs = crate::inputs::expand(&[vec![file], more].concat())?;
            let shape = plan::PlanShape {
                budget,
                articles,
                cache_dir,
                batch,
            };
            match inputs.several {
                true => many::plan(&inputs.files, &endpoint, &shape, json),
                false => plan::plan(&inputs.files[0], &endpoint, &shape, json),
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
        Command::Doctor { endpoint, json } => doctor::doctor(&endpoint, json),
        Command::Config { endpoint, json } => {
            let report = load_config(&endpoint)?.report(&overrides(&endpoint))?;
            match json {
                true => stdout_line(&serde_json::to_string_pretty(&report).unwrap_or_default()),
                false => report.lines().iter().for_each(|l| stdout_line(l)),
            }
            Ok(exit::OK)
        }
        Command::Glossary(args) => glossary::glossary(args),
        Command::Qa(args) => qa::qa(args),
        Command::Export(args) => export::run(args),
        Command::Import(args) => import::run(args),
        Command::Cache {
            action,
            cache_dir,
            json,
        } => cache::cache(action, cache_dir, json),
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
        // On a terminal a bar; elsewhere a plain line now and then.
        progress: true,
        stages,
        glossary: source.glossary.clone(),
        termbase: true,
        repair: true,
        shared_client: None,
        batch_events: batch::batch_events(),
        memory_dir: source.memory.clone(),
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
    let (json, input) = (args.json, args.source.file.clone());
    let given: Vec<PathBuf> = std::iter::once(args.source.file.clone())
        .chain(args.more.iter().cloned())
        .collect();
    let result = crate::inputs::expand(&given).and_then(|inputs| match inputs.several {
        true => many::translate(args, stages, command, &inputs.files),
        false => one::translate(args, stages, command),
    });
    // A script that asked for JSON gets JSON when the run fails too (the
    // error line still goes to stderr).
    if json && let Err(e) = &result {
        let code = match e {
            GlossError::Interrupted => exit::INTERRUPTED,
            GlossError::Usage(_) => exit::USAGE,
            _ => exit::ERROR,
        };
        let failed = serde_json::json!({
            "command": command,
            "input": input,
            "status": "failed",
            "error": e.to_string(),
            "exit_status": code,
        });
        stdout_line(&serde_json::to_string_pretty(&failed).unwrap_or_default());
    }
    result
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
        // Its own complaints ("www-browser: not found" six times) are
        // noise: a failure is said once, below.
        .stderr(std::process::Stdio::null())
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

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| GlossError::Runtime(e.to_string()))
}

/// The configuration as seen from the current directory.
fn load_config(endpoint: &EndpointArgs) -> Result<Config> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    Ok(Config::load_with(&cwd, endpoint.trust_workspace)?)
}
