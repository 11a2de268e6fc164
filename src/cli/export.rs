//! `gloss export`: an issue's segments, from the cache, as a file for a
//! translator's tool (sends nothing).

use std::path::PathBuf;

use clap::Args;

use super::{ShapeArgs, SourceArgs, Stages, exit, run_options, stdout_line};
use crate::error::{GlossError, Result};
use crate::postedit::{Bundle, Format, Unit};
use crate::run;

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub shape: ShapeArgs,
    /// File format: xliff (XLIFF 1.2), tmx (TMX 1.4) or po (gettext).
    #[arg(long, value_enum, default_value = "xliff")]
    pub format: Format,
    /// Only the segments a quality check flagged (and a reviewer has not corrected).
    #[arg(long)]
    pub flagged_only: bool,
    /// Output folder; the file goes to OUT/<input name>/<input name>.<xlf|tmx|po>.
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
    /// Write to this file instead (`-`: standard output).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The issue's segments as units, in issue order: each with its cached
/// translation (a reviewer's where there is one), its article and flags as
/// notes. Segments not translated yet come with an empty target.
fn units(opts: &run::RunOptions, p: &run::Prepared, flagged_only: bool) -> Result<Vec<Unit>> {
    let translator = run::cached_translator(opts, p)?;
    let mut units = Vec::new();
    for (article, chunks) in run::chunk_selected(p) {
        for chunk in &chunks {
            let done = translator
                .cached(&article.title, chunk)?
                .unwrap_or_default();
            for segment in &chunk.segments {
                let found = done.iter().find(|t| t.id == segment.id);
                let human = translator.memory.human(&segment.text);
                let flags = match (found, human) {
                    (Some(t), None) => t.flags.clone(),
                    _ => Vec::new(),
                };
                if flagged_only && flags.is_empty() {
                    continue;
                }
                let target = human
                    .map(str::to_string)
                    .or_else(|| found.map(|t| t.text.clone()))
                    .unwrap_or_default();
                let mut notes = vec![format!("article {}", article.id)];
                if human.is_some() {
                    notes.push("corrected or approved by a reviewer".into());
                }
                notes.extend(flags.iter().map(|f| format!("⚠ {f}")));
                units.push(Unit {
                    id: segment.id.clone(),
                    source: segment.text.clone(),
                    target,
                    notes,
                    needs_review: !flags.is_empty(),
                });
            }
        }
    }
    // The issue's names (its termbase), for the reviewer to fix once: a
    // changed rendering goes into the glossary of later issues.
    let names: Vec<crate::glossary::Term> = translator
        .glossary
        .terms
        .iter()
        .filter(|t| t.origin != "glossary")
        .cloned()
        .collect();
    translator.memory.record_names(&names)?;
    if !flagged_only {
        units.extend(names.iter().map(|t| Unit {
            id: crate::memory::name_id(&t.source),
            source: t.source.clone(),
            target: t.target.clone(),
            notes: vec!["a name: its rendering here goes into the glossary of later issues".into()],
            needs_review: false,
        }));
    }
    Ok(units)
}

pub fn run(args: ExportArgs) -> Result<i32> {
    let stages = Stages {
        brief: false,
        digest: false,
    };
    let mut opts = run_options(&args.source, stages);
    args.shape.apply(&mut opts);
    let p = run::prepare(&opts)?;
    let bundle = Bundle {
        issue: p.stem.clone(),
        source_language: crate::memory::language_code(&p.languages.source),
        target_language: crate::memory::language_code(&p.languages.target),
        units: units(&opts, &p, args.flagged_only)?,
    };
    let untranslated = bundle.units.iter().filter(|u| u.target.is_empty()).count();
    let text = crate::postedit::write(&bundle, args.format);
    if args.output.as_deref() == Some(std::path::Path::new("-")) {
        print!("{text}");
        return Ok(exit::OK);
    }
    let path = match args.output {
        Some(path) => path,
        None => {
            let stem = crate::render::sanitize_file_stem(&p.stem);
            let dir = args.out.join(&stem);
            std::fs::create_dir_all(&dir).map_err(|source| GlossError::Output {
                path: dir.clone(),
                source,
            })?;
            dir.join(format!("{stem}.{}", args.format.extension()))
        }
    };
    crate::render::write_atomic(&path, text.as_bytes())?;
    if untranslated > 0 {
        crate::progress::warn(&format!(
            "{untranslated} segments are not translated yet (empty targets); run `gloss translate` first to have them all, or pass the --profile, --model, --budget, --glossary and --prompts the run used"
        ));
    }
    stdout_line(&format!(
        "{} segments → {} (edit the targets, then `gloss import {}`)",
        bundle.units.len(),
        path.display(),
        path.display()
    ));
    Ok(exit::OK)
}
