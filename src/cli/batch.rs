//! `gloss batch status|export|import`: the saved batches, and batch files
//! for engines that run them offline (vLLM's `run_batch`). See docs/batch.md.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use serde::Serialize;

use super::{ShapeArgs, SourceArgs, exit, run_options, runtime, stdout_line};
use crate::config::{Config, Overrides};
use crate::error::{GlossError, Result};
use crate::llm::batch::store::{BatchRecord, Store, is_custom_id};
use crate::llm::batch::{
    BatchEvent, BatchEvents, BatchMode, BatchOptions, BatchStats, BatchSummary, STORE_DIR, WireLine,
};
use crate::progress;
use crate::run::{self, Stages};

/// What `gloss batch` does.
// Parsed once per process: the size of the export variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum BatchAction {
    /// List the saved batches (id, created, status, counts) and the answers waiting in the store.
    Status {
        /// Cache folder whose batches/ to list.
        #[arg(long, env = "GLOSS_CACHE_DIR")]
        cache_dir: Option<PathBuf>,
        /// Print the batches as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Write the next round of a run's uncached requests as a batch input file (OpenAI and vLLM run_batch format); sends nothing.
    Export {
        #[command(flatten)]
        source: SourceArgs,
        #[command(flatten)]
        shape: ShapeArgs,
        /// Where to write the JSONL; - (the default) writes to standard output.
        #[arg(default_value = "-")]
        output: PathBuf,
        /// Export again the requests whose answers came back unusable last time (cut at the token limit, filtered), as `run --retry-failed` asks them again.
        #[arg(long)]
        retry_failed: bool,
    },
    /// Store the answers of a batch output file (OpenAI or vLLM run_batch) so the next run takes them instead of sending.
    Import {
        /// The output JSONL: one `{"custom_id", "response": {"status_code", "body"}}` line per request.
        results: PathBuf,
        /// Cache folder whose batches/ store receives the answers.
        #[arg(long, env = "GLOSS_CACHE_DIR")]
        cache_dir: Option<PathBuf>,
        /// Print the counts as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
}

/// Run a `gloss batch` command.
pub(super) fn run(action: BatchAction) -> Result<i32> {
    match action {
        BatchAction::Status { cache_dir, json } => status(&store(cache_dir)?, json),
        BatchAction::Import {
            results,
            cache_dir,
            json,
        } => import(&store(cache_dir)?, &results, json),
        BatchAction::Export {
            source,
            shape,
            output,
            retry_failed,
        } => export(&source, &shape, output, retry_failed),
    }
}

/// The batch store of the cache folder the flags and config name.
fn store(cache_dir: Option<PathBuf>) -> Result<Store> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let config = Config::load(&cwd)?;
    let dir = config.cache_dir(&Overrides {
        cache_dir,
        ..Default::default()
    });
    Ok(Store::new(&dir.join(STORE_DIR)))
}

/// The command line's side of a run's batches: each event counted into new
/// counters and printed (notes, warnings, one progress bar per batch polled;
/// the lines of `gloss batch export -`, on stdout).
pub(super) fn batch_events() -> BatchEvents {
    use std::io::{IsTerminal, Write};
    let stats: std::sync::Arc<BatchStats> = Default::default();
    let counted = stats.clone();
    let bars = std::sync::Mutex::new(std::collections::HashMap::new());
    BatchEvents::new(stats, move |event: &BatchEvent| match event {
        BatchEvent::Submitted { id, requests } => progress::info(&format!(
            "batch {id}: {requests} requests submitted (results within 24 h; if interrupted, the same command resumes it)"
        )),
        BatchEvent::Resumed { id, requests } => progress::note(&format!(
            "waiting for batch {id} (submitted earlier, {requests} requests)"
        )),
        BatchEvent::FellBack { why: Some(why) } => {
            progress::detail(&format!("batch: {why}; sending it as a normal request"))
        }
        BatchEvent::Polling { id, total } => {
            let bar =
                progress::stage_bar("batch", "requests", *total, std::io::stderr().is_terminal());
            bars.lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(id.clone(), bar);
        }
        BatchEvent::Polled {
            id, status, done, ..
        } => {
            if let Some(bar) = bars.lock().unwrap_or_else(|e| e.into_inner()).get(id) {
                bar.set_position(*done);
                bar.set_message(format!("{id} {status}"));
            }
        }
        BatchEvent::PollEnded { id } => {
            if let Some(bar) = bars.lock().unwrap_or_else(|e| e.into_inner()).remove(id) {
                bar.finish_and_clear();
            }
        }
        // Counted once written: a closed pipe exports nothing.
        BatchEvent::Exported {
            requests,
            stdout: Some(lines),
        } if std::io::stdout().lock().write_all(lines.as_bytes()).is_ok() => {
            counted
                .exported
                .fetch_add(*requests, std::sync::atomic::Ordering::SeqCst);
        }
        BatchEvent::Warning(w) => progress::warn(w),
        BatchEvent::Error(e) => progress::error(e),
        _ => {}
    })
}

/// The batch line of a run's summary, when the run used batches or stored answers.
pub(super) fn summary_line(s: &BatchSummary) -> Option<String> {
    let batched = s.submitted + s.resumed > 0;
    let mut parts = Vec::new();
    if batched {
        parts.push(format!(
            "{} requests in {} new batches",
            s.batched, s.submitted
        ));
    }
    if s.resumed > 0 {
        parts.push(format!("{} earlier batches resumed", s.resumed));
    }
    if batched {
        parts.push(format!("{} answered by batches", s.answered));
    }
    if s.from_store > 0 {
        parts.push(format!("{} from stored results", s.from_store));
    }
    if batched || s.fell_back > 0 {
        parts.push(format!("{} fell back to normal requests", s.fell_back));
    }
    (!parts.is_empty()).then(|| format!("batch: {}", parts.join(", ")))
}

#[derive(Debug, Serialize)]
struct StatusReport {
    store: PathBuf,
    batches: Vec<BatchLine>,
    /// Answers stored (downloaded or imported) that no request took yet.
    results_waiting: usize,
}

#[derive(Debug, Serialize)]
struct BatchLine {
    #[serde(flatten)]
    record: BatchRecord,
    created_utc: String,
}

fn status(store: &Store, json: bool) -> Result<i32> {
    store.prune();
    let report = StatusReport {
        store: store.dir().to_path_buf(),
        batches: store
            .records()
            .into_iter()
            .map(|record| BatchLine {
                created_utc: super::runs::iso8601(record.created),
                record,
            })
            .collect(),
        results_waiting: store.result_count(),
    };
    if json {
        // The custom ids are many and say nothing to a reader: counts only.
        let mut value = serde_json::to_value(&report).unwrap_or_default();
        if let Some(list) = value["batches"].as_array_mut() {
            for b in list {
                let n = b["requests"].as_array().map_or(0, Vec::len);
                b["requests"] = n.into();
            }
        }
        stdout_line(&serde_json::to_string_pretty(&value).unwrap_or_default());
        return Ok(exit::OK);
    }
    if report.batches.is_empty() {
        stdout_line(&format!("no saved batches in {}", store.dir().display()));
    } else {
        stdout_line(&format!(
            "{:<32} {:<20} {:<12} {:>9} {:>6} {:>8}  endpoint",
            "batch", "created (UTC)", "status", "completed", "failed", "requests"
        ));
    }
    for b in &report.batches {
        let r = &b.record;
        let status = match r.collected {
            true => format!("{} ✓", r.status),
            false => r.status.clone(),
        };
        stdout_line(&format!(
            "{:<32} {:<20} {:<12} {:>9} {:>6} {:>8}  {}",
            r.id,
            b.created_utc,
            status,
            r.counts.completed,
            r.counts.failed,
            r.requests.len(),
            r.endpoint
        ));
    }
    if report.results_waiting > 0 {
        stdout_line(&format!(
            "{} answers waiting in the store for the next run",
            report.results_waiting
        ));
    }
    Ok(exit::OK)
}

#[derive(Debug, Default, Serialize)]
struct ImportReport {
    stored: u64,
    /// Lines that report an error instead of an answer.
    errors: u64,
    /// Lines that are no batch output line or whose custom_id gloss did not make.
    skipped: u64,
    /// Of those, the lines whose custom_id is well formed but was never
    /// exported or submitted by gloss.
    unknown: u64,
}

fn import(store: &Store, path: &Path, json: bool) -> Result<i32> {
    let text = std::fs::read_to_string(path).map_err(|source| GlossError::InputRead {
        path: path.to_path_buf(),
        source,
    })?;
    let mut report = ImportReport::default();
    let made = store.made_ids();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(line) = serde_json::from_str::<WireLine>(line) else {
            report.skipped += 1;
            continue;
        };
        let Some(id) = line.custom_id.clone().filter(|id| is_custom_id(id)) else {
            report.skipped += 1;
            continue;
        };
        match line.outcome() {
            Ok(_) if !made.contains(&id) => {
                report.skipped += 1;
                report.unknown += 1;
            }
            Ok(body) if store.put_result(&id, &body)? => report.stored += 1,
            Ok(_) => report.skipped += 1,
            Err(_) => report.errors += 1,
        }
    }
    if json {
        stdout_line(&serde_json::to_string_pretty(&report).unwrap_or_default());
    } else {
        progress::info(&format!(
            "stored {} answers from {} ({} error lines, {} lines skipped, {} of them for requests gloss never exported); the next run takes them instead of sending",
            report.stored,
            path.display(),
            report.errors,
            report.skipped,
            report.unknown
        ));
    }
    Ok(exit::OK)
}

fn export(
    source: &SourceArgs,
    shape: &ShapeArgs,
    output: PathBuf,
    retry_failed: bool,
) -> Result<i32> {
    let mut opts = run_options(
        source,
        Stages {
            brief: true,
            digest: true,
        },
    );
    shape.apply(&mut opts);
    if retry_failed {
        opts.cache_mode = crate::cache::Mode::RetryFailed;
    }
    // The run stops at its first round; anything it would write goes to a
    // scratch folder that is removed.
    let scratch = tempfile::tempdir().map_err(|source| GlossError::Output {
        path: std::env::temp_dir(),
        source,
    })?;
    opts.out_dir = Some(scratch.path().to_path_buf());
    opts.progress = false;
    opts.overrides.batch = BatchOptions::from_env(BatchMode::Export(output.clone()));
    let stats = opts.batch_events.stats.clone();
    let finished = runtime()?.block_on(async {
        tokio::select! {
            r = async { run::run(&opts, run::prepare(&opts)?).await } => r.map(|_| true),
            _ = stats.export_done.notified() => Ok(false),
            _ = tokio::signal::ctrl_c() => Err(GlossError::Interrupted),
        }
    })?;
    let shown = match output == Path::new("-") {
        true => "standard output".to_string(),
        false => output.display().to_string(),
    };
    if finished {
        if output != Path::new("-") {
            crate::render::write_atomic(&output, b"")?;
        }
        progress::info(&format!(
            "nothing to export: every request of this run is answered (wrote an empty {shown}); `gloss run` writes the outputs"
        ));
        return Ok(exit::OK);
    }
    let written = stats.summary().exported;
    if written == 0 {
        return Ok(exit::ERROR);
    }
    progress::info(&format!(
        "exported {written} requests to {shown}; run them (vLLM: python -m vllm.entrypoints.openai.run_batch -i FILE -o results.jsonl --model MODEL), then `gloss batch import results.jsonl` and export again for the next round"
    ));
    Ok(exit::OK)
}
