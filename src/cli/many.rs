//! The commands given several issues (files, folders, patterns): `run`,
//! `translate`, `brief` through [`crate::run::many`], and `plan` issue by issue.
//! What they print: one line per failed issue with its reason, the files
//! written per issue, the index, and one summary line for the whole run.

use std::path::{Path, PathBuf};

use super::{
    EndpointArgs, RunRecord, Stages, TranslateArgs, exit, make_plan, open_html, print_plan, runs,
    runtime, stdout_line, translate_options,
};
use crate::brief::Brief;
use crate::error::{GlossError, Result};
use crate::outcome::{IssueResult, IssueStatus};
use crate::progress;
use crate::run::many::Many;

/// `gloss run|translate|brief` over several issues.
pub(super) fn translate(
    args: TranslateArgs,
    stages: Stages,
    command: &'static str,
    files: &[PathBuf],
) -> Result<i32> {
    if args.out == Path::new("-") {
        return Err(GlossError::Usage(
            "--out - prints one issue's file; with several issues give an output folder".into(),
        ));
    }
    let opts = translate_options(&args, stages, args.out.clone());
    let record = |o: &IssueResult, manifest: Option<&crate::run::Manifest>| {
        if let Some(m) = manifest {
            let code = match o.status {
                IssueStatus::Ok => exit::OK,
                IssueStatus::Failed => exit::ERROR,
            };
            runs::append(&RunRecord::new(
                command,
                m,
                o.out_dir.display().to_string(),
                code,
            ));
        }
    };
    // Ctrl-C drops every issue's run; what finished is cached.
    let many = runtime()?.block_on(async {
        tokio::select! {
            r = crate::run::many::run(&opts, files, record) => r,
            _ = tokio::signal::ctrl_c() => Err(GlossError::Interrupted),
        }
    })?;
    let code = exit_status(&many, args.strict);
    report(&many, command, code, args.json);
    if args.open && code != exit::ERROR {
        open_html(&many.index_files);
    }
    Ok(code)
}

/// ERROR when every issue failed, SOME_FAILED when some did, then --strict.
fn exit_status(many: &Many, strict: bool) -> i32 {
    let failed = many
        .issues
        .iter()
        .filter(|i| i.status == IssueStatus::Failed)
        .count();
    let t = &many.totals;
    let flagged: usize = many.issues.iter().map(|i| i.flagged).sum();
    if failed == many.issues.len() {
        exit::ERROR
    } else if failed > 0 {
        exit::SOME_FAILED
    } else if strict && (flagged > 0 || t.failed_segments > 0) {
        progress::error(&format!(
            "--strict: {flagged} flagged and {} untranslated segments remain",
            t.failed_segments
        ));
        exit::STRICT
    } else {
        exit::OK
    }
}

/// The lines on stderr (and `--json` on stdout) after the run.
fn report(many: &Many, command: &str, code: i32, json: bool) {
    report_issues(many);
    if let Some(cross) = &many.cross {
        report_cross(cross);
    }
    if json {
        print_json(many, command, code);
    }
    for i in many.issues.iter().filter(|i| !i.files.is_empty()) {
        progress::info(&format!(
            "wrote {} files to {}",
            i.files.len(),
            i.out_dir.display()
        ));
    }
    for f in &many.index_files {
        progress::info(&format!("wrote {}", f.display()));
    }
    progress::info(&summary_line(many));
}

/// Per issue, why it failed, or what it left flagged or untranslated.
fn report_issues(many: &Many) {
    for i in &many.issues {
        match (&i.status, &i.error) {
            (IssueStatus::Failed, error) => {
                let error = error.as_deref().unwrap_or("unknown error");
                // Input errors name the file themselves.
                let reason = error
                    .strip_prefix(&format!("{}: ", i.input))
                    .unwrap_or(error);
                progress::error(&format!("{}: failed: {reason}", i.input))
            }
            (IssueStatus::Ok, _) => {
                let t = &i.totals;
                if t.failed_segments > 0 || i.flagged > 0 {
                    progress::warn(&format!(
                        "{}: {} segments flagged, {} untranslated (see ⚠ in its digest and `gloss qa`)",
                        i.input, i.flagged, t.failed_segments
                    ));
                }
            }
        }
    }
}

/// What the cross-issue brief had to do without: citations removed, or the
/// model's brief replaced by one assembled from the summaries.
fn report_cross(cross: &Brief) {
    if !cross.removed_citations.is_empty() {
        progress::warn(&format!(
            "the cross-issue brief cited articles that do not exist ({}); those citations were removed",
            cross.removed_citations.join(", ")
        ));
    }
    if let Some(reason) = cross.origin.strip_prefix("fallback: ") {
        progress::warn(&format!(
            "the model's cross-issue brief was not usable ({reason}); assembled it from the summaries"
        ));
    }
}

/// `--json`: every issue and the run's totals as one JSON object on stdout.
fn print_json(many: &Many, command: &str, code: i32) {
    let inputs: Vec<serde_json::Value> = many
        .issues
        .iter()
        .map(|i| {
            let mut v = serde_json::json!({
                "input": i.input, "out_dir": i.out_dir, "status": i.status,
                "files": i.files, "totals": i.totals,
            });
            if let Some(e) = &i.error {
                v["error"] = serde_json::json!(e);
            }
            v
        })
        .collect();
    let summary = serde_json::json!({
        "command": command,
        "inputs": inputs,
        "index_files": many.index_files,
        "exit_status": code,
        "totals": many.totals,
    });
    stdout_line(&serde_json::to_string_pretty(&summary).unwrap_or_default());
}

/// The run's last line: issues (naming the failed ones), traffic, cost, time.
fn summary_line(many: &Many) -> String {
    let failed: Vec<&str> = many
        .issues
        .iter()
        .filter(|i| i.status == IssueStatus::Failed)
        .map(|i| i.input.as_str())
        .collect();
    let t = &many.totals;
    format!(
        "{} issues, {} ok{}: {} requests sent, {} cache hits, {} tokens in / {} out, est. cost {}, {:.1} s",
        many.issues.len(),
        many.issues.len() - failed.len(),
        match failed.len() {
            0 => String::new(),
            n => format!(", {n} failed ({})", failed.join(", ")),
        },
        t.requests,
        t.cache_hits,
        t.tokens_in,
        t.tokens_out,
        t.estimated_cost_usd
            .map_or("unknown".to_string(), |c| format!("${c:.4}")),
        t.wall_ms as f64 / 1000.0,
    )
}

/// `gloss plan` over several issues: each plan as for one, then the sum.
/// An issue that cannot be read is reported and the others planned.
pub(super) fn plan(
    files: &[PathBuf],
    endpoint: &EndpointArgs,
    shape: &super::plan::PlanShape,
    json: bool,
) -> Result<i32> {
    let batch = shape.batch;
    let mut inputs = Vec::new();
    let (mut requests, mut tokens_in, mut tokens_out) = (0u64, 0u64, 0u64);
    let mut cost = Some(0.0);
    let mut failed = 0;
    for file in files {
        match make_plan(file, endpoint, shape) {
            Ok(plan) => {
                requests += plan.stages.iter().map(|s| s.requests).sum::<u64>();
                tokens_in += plan.input_tokens;
                tokens_out += plan.output_tokens;
                cost = cost.zip(plan.estimated_cost_usd).map(|(a, b)| a + b);
                if !json {
                    print_plan(&plan, batch);
                    stdout_line("");
                }
                inputs.push(serde_json::json!({"input": file, "status": "ok", "plan": plan}));
            }
            Err(e) => {
                failed += 1;
                // Input errors name the file themselves.
                let message = e.to_string();
                let name = file.display().to_string();
                if message.starts_with(&format!("{name}: ")) {
                    progress::error(&message);
                } else {
                    progress::error(&format!("{name}: {message}"));
                }
                inputs.push(
                    serde_json::json!({"input": file, "status": "failed", "error": e.to_string()}),
                );
            }
        }
    }
    let cost_text = cost.map_or("unknown".to_string(), |c| format!("${c:.4}"));
    if json {
        stdout_line(
            &serde_json::to_string_pretty(&serde_json::json!({
                "command": "plan", "inputs": inputs,
                "totals": {"issues": files.len(), "failed": failed, "requests": requests,
                    "input_tokens": tokens_in, "output_tokens": tokens_out, "estimated_cost_usd": cost},
            }))
            .unwrap_or_default(),
        );
    } else {
        stdout_line(&format!(
            "all {} issues{}: {requests} requests (and one for the cross-issue brief), {tokens_in} input tok, {tokens_out} output tok, estimated cost: {cost_text}",
            files.len(),
            match failed {
                0 => String::new(),
                n => format!(" ({n} failed)"),
            }
        ));
    }
    Ok(match failed {
        0 => exit::OK,
        n if n == files.len() => exit::ERROR,
        _ => exit::SOME_FAILED,
    })
}
