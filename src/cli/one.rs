//! `gloss run|translate|brief` on one issue, in the steps it takes: check
//! `--out -`, build the run's options, run the pipeline (Ctrl-C drops it),
//! decide the exit status from what the digest holds, then report: the file
//! on stdout for `--out -`, `--json`, the per-chunk detail (`--verbose`), the
//! files written and one summary line last.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{
    RunRecord, Stages, TranslateArgs, batch, exit, open_html, runs, runtime, stdout_line,
    translate_options,
};
use crate::error::{GlossError, Result};
use crate::llm::batch::{BatchMode, BatchOptions, BatchStats};
use crate::progress;
use crate::render::Format;
use crate::run::{self, Manifest, RunOptions, Totals, TranslateResult};

/// `gloss run|translate|brief` on one issue; returns the exit status.
pub(super) fn translate(args: TranslateArgs, stages: Stages, command: &'static str) -> Result<i32> {
    let to_stdout = stdout_format(&args, stages)?;
    if !stages.digest && args.format.iter().any(|f| f.translation_only()) {
        progress::note("translation-md and txt are digest formats; `gloss brief` writes neither");
    }
    // `--out -`: the pipeline writes into a temp folder; the one file goes to
    // stdout. Held to the end: dropping it deletes the folder.
    let scratch = match to_stdout {
        Some(_) => Some(tempfile::tempdir().map_err(|source| GlossError::Output {
            path: std::env::temp_dir(),
            source,
        })?),
        None => None,
    };
    let out_dir = match &scratch {
        Some(dir) => dir.path().to_path_buf(),
        None => args.out.clone(),
    };
    let opts = options(&args, stages, out_dir);
    let batch_stats = opts.batch_events.stats.clone();
    let result = run_pipeline(&opts)?;
    for w in &result.warnings {
        progress::warn(w);
    }
    for n in &result.notes {
        progress::note(n);
    }
    let counts = SegmentCounts::of(&result);
    let code = exit_status(&result, &counts, args.strict);
    let shown = deliver(&result, to_stdout)?;
    if args.json {
        print_json(command, &result, &shown, &counts, code, &batch_stats);
    }
    print_details(&result.manifest);
    // One block at the end: every file written, then the summary line last.
    shown.announce();
    if let Some(line) = batch::summary_line(&batch_stats.summary()) {
        progress::info(&line);
    }
    progress::info(&summary_line(
        &result.manifest.totals,
        counts.repaired_cached,
        &shown.out_dir,
    ));
    runs::append(&RunRecord::new(
        command,
        &result.manifest,
        shown.out_dir,
        code,
    ));
    if args.open && code != exit::ERROR {
        open_html(&result.files);
    }
    Ok(code)
}

/// `--out -`: the one format that goes to stdout, or why that cannot be.
fn stdout_format(args: &TranslateArgs, stages: Stages) -> Result<Option<Format>> {
    if args.out != Path::new("-") {
        return Ok(None);
    }
    // A run makes two documents: on standard output only the translation
    // alone is one of them; say so before suggesting a format that fails.
    let whole_run = stages.digest && stages.brief;
    let [format] = args.format[..] else {
        return Err(GlossError::Usage(if whole_run {
            "`gloss run --out -` prints the translation alone: add --format txt or --format translation-md (the digest: `gloss translate --out -`; the brief: `gloss brief --out -`)"
                .into()
        } else {
            "--out - writes one format to standard output; choose it with --format (e.g. --format md)"
                .into()
        }));
    };
    if args.open {
        return Err(GlossError::Usage(
            "--open needs files: drop --out - or --open".into(),
        ));
    }
    if args.json {
        return Err(GlossError::Usage(
            "--out - and --json both write to standard output; choose one".into(),
        ));
    }
    if format.translation_only() && !stages.digest {
        return Err(GlossError::Usage(
            "the brief has no translation-only format; use `gloss translate` for translation-md or txt"
                .into(),
        ));
    }
    if whole_run && !format.translation_only() {
        return Err(GlossError::Usage(
            "`gloss run --out -` would print two documents; use --format txt or translation-md for the translation alone, `gloss translate --out -` for the digest or `gloss brief --out -` for the brief"
                .into(),
        ));
    }
    Ok(Some(format))
}

/// The name `--format` knows a format by.
fn format_name(format: Format) -> String {
    clap::ValueEnum::to_possible_value(&format)
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}

/// The run's options: those of every translate command, plus `--batch`,
/// which only a one-issue run takes.
fn options(args: &TranslateArgs, stages: Stages, out_dir: PathBuf) -> RunOptions {
    let mut opts = translate_options(args, stages, out_dir);
    if args.batch {
        opts.overrides.batch = BatchOptions {
            ignore_store: opts.overrides.batch.ignore_store,
            ..BatchOptions::from_env(BatchMode::Submit)
        };
    }
    opts
}

/// Read the issue and run its graph, showing first how the input was decoded
/// and which settings were refused.
fn run_pipeline(opts: &RunOptions) -> Result<TranslateResult> {
    let runtime = runtime()?;
    let prepared = run::prepare(opts)?;
    for w in &prepared.warnings {
        progress::warn(w);
    }
    // Ctrl-C drops the run: its tasks are aborted, and every result finished
    // before is already in the cache.
    runtime.block_on(async {
        tokio::select! {
            result = run::run(opts, prepared) => result,
            _ = tokio::signal::ctrl_c() => Err(GlossError::Interrupted),
        }
    })
}

/// What the digest holds, for the exit status and the report.
struct SegmentCounts {
    /// Segments in the digest.
    segments: usize,
    /// Segments with a translation that a quality check still flags.
    flagged: usize,
    /// Repairs that pass in the digest which an earlier run made (the cache
    /// remembers them; the totals count only this run's).
    repaired_cached: u64,
}

impl SegmentCounts {
    fn of(result: &TranslateResult) -> SegmentCounts {
        let segments = result
            .digest
            .articles
            .iter()
            .map(|a| a.segments.len())
            .sum();
        // This run's repairs of article segments (section names are no
        // digest segment).
        let article_repairs: u64 = result
            .manifest
            .chunks
            .iter()
            .filter(|c| c.article != crate::sections::ARTICLE)
            .map(|c| c.repaired as u64)
            .sum();
        let repaired_total = result
            .digest
            .articles
            .iter()
            .flat_map(|a| &a.segments)
            .filter(|s| s.repaired && s.flags.is_empty())
            .count() as u64;
        SegmentCounts {
            segments,
            flagged: result.digest.flagged(),
            repaired_cached: repaired_total.saturating_sub(article_repairs),
        }
    }
}

/// ERROR when no segment was translated, else STRICT under `--strict` when
/// some are flagged or untranslated; says why on stderr, and warns about
/// flagged and untranslated segments either way.
fn exit_status(result: &TranslateResult, counts: &SegmentCounts, strict: bool) -> i32 {
    let t = &result.manifest.totals;
    let flagged = counts.flagged;
    if counts.segments > 0 && t.failed_segments == counts.segments {
        progress::error(
            &result
                .manifest
                .nothing_translated(&result.out_dir.join("manifest.json")),
        );
        return exit::ERROR;
    }
    if flagged > 0 {
        let reasons: Vec<String> = t
            .flagged_segments
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        progress::warn(&format!(
            "{flagged} segments flagged by quality checks ({}); see ⚠ in the digest and `gloss qa`",
            reasons.join(", "),
        ));
    }
    if t.failed_segments > 0 {
        progress::warn(&format!(
            "{} segments have no translation (marked ⚠ in the digest; see manifest.json); a rerun asks again for those that got no answer, --retry-failed for all",
            t.failed_segments
        ));
    }
    if strict && (flagged > 0 || t.failed_segments > 0) {
        progress::error(&format!(
            "--strict: {flagged} flagged and {} untranslated segments remain",
            t.failed_segments
        ));
        return exit::STRICT;
    }
    exit::OK
}

/// Where the run's output went, as the report names it.
struct Shown {
    /// The format printed to stdout, when `--out -` printed one.
    printed: Option<Format>,
    /// The files written (`-` for stdout).
    files: Vec<String>,
    /// The output folder (`-` for stdout).
    out_dir: String,
}

impl Shown {
    /// The `wrote …` lines on stderr.
    fn announce(&self) {
        match self.printed {
            Some(format) => {
                progress::info(&format!("wrote {} to standard output", format_name(format)))
            }
            None => {
                for f in &self.files {
                    progress::info(&format!("wrote {f}"));
                }
            }
        }
    }
}

/// With `--out -`, copy the one file written to stdout; either way, name
/// what the user got.
fn deliver(result: &TranslateResult, to_stdout: Option<Format>) -> Result<Shown> {
    let Some(format) = to_stdout else {
        return Ok(Shown {
            printed: None,
            files: result
                .files
                .iter()
                .map(|f| f.display().to_string())
                .collect(),
            out_dir: result.out_dir.display().to_string(),
        });
    };
    let printed = print_file(&result.files, format)?;
    Ok(Shown {
        printed: printed.then_some(format),
        files: match printed {
            true => vec!["-".to_string()],
            false => Vec::new(),
        },
        out_dir: "-".to_string(),
    })
}

/// Copy the file the run wrote (not its manifest) to stdout; false, with a
/// warning, when there is none.
fn print_file(files: &[PathBuf], format: Format) -> Result<bool> {
    let file = files
        .iter()
        .find(|f| f.file_name().is_some_and(|n| n != "manifest.json"));
    let Some(file) = file else {
        progress::warn(&format!(
            "no {} output was produced, nothing written to standard output",
            format_name(format)
        ));
        return Ok(false);
    };
    let bytes = std::fs::read(file).map_err(|source| GlossError::Output {
        path: file.clone(),
        source,
    })?;
    // A closed pipe (`| head`) is not an error worth a message.
    let _ = std::io::stdout().lock().write_all(&bytes);
    Ok(true)
}

/// `--json`: the run as one JSON object on stdout.
fn print_json(
    command: &str,
    result: &TranslateResult,
    shown: &Shown,
    counts: &SegmentCounts,
    code: i32,
    batch_stats: &BatchStats,
) {
    let m = &result.manifest;
    let summary = serde_json::json!({
        "command": command,
        "input": m.input,
        "profile": m.profile,
        "model": m.model,
        "endpoint": m.endpoint,
        "out_dir": shown.out_dir,
        "files": shown.files,
        "flagged": counts.flagged,
        "repaired_from_cache": counts.repaired_cached,
        "exit_status": code,
        "totals": m.totals,
        "batch": batch_stats.summary(),
    });
    stdout_line(&serde_json::to_string_pretty(&summary).unwrap_or_default());
}

/// `--verbose`: the settings used and each chunk's traffic.
fn print_details(manifest: &Manifest) {
    progress::detail(&format!(
        "profile {} · model {} · {} · chunk budget {}",
        manifest.profile, manifest.model, manifest.endpoint, manifest.chunk_budget
    ));
    for c in &manifest.chunks {
        progress::detail(&format!(
            "  {} {}: {} · {} requests, {} attempts, {} tokens in / {} out{}",
            c.chunk,
            if c.traffic.cache_hit { "(cached)" } else { "" },
            c.status,
            c.traffic.requests,
            c.traffic.attempts,
            c.traffic.tokens_in,
            c.traffic.tokens_out,
            c.error
                .as_deref()
                .map(|e| format!(" · {e}"))
                .unwrap_or_default()
        ));
    }
}

/// The run's last line: traffic, cost, repairs, time and where the output is.
fn summary_line(t: &Totals, repaired_cached: u64, out_dir: &str) -> String {
    let repairs = match (t.repair_requests, repaired_cached) {
        (0, 0) => String::new(),
        (0, cached) => format!("; {cached} repaired earlier (cached)"),
        (sent, 0) => format!("; repaired {} of {sent} re-requested this run", t.repaired),
        (sent, cached) => format!(
            "; repaired {} of {sent} re-requested this run, {cached} earlier (cached)",
            t.repaired
        ),
    };
    format!(
        "{} chunks: {} sent, {} cache hits, {} tokens in / {} out{}, est. cost {}{repairs}{}, {:.1} s → {out_dir}",
        t.chunks,
        match t.requests {
            1 => "1 request".to_string(),
            n => format!("{n} requests"),
        },
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
        crate::memory::summary(t.memory_reused, t.human_segments),
        t.wall_ms as f64 / 1000.0,
    )
}
