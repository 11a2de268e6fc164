//! `gloss import`: a post-edited XLIFF, TMX or PO file back into the
//! translation memory, as human translations.

use std::path::PathBuf;

use clap::Args;

use super::{exit, stdout_line};
use crate::cache::Mode;
use crate::config::{Config, Overrides};
use crate::error::{GlossError, Result};
use crate::memory::{Corrections, Memory};
use crate::postedit::MAX_BYTES;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The edited file, as `gloss export` wrote it (.xlf, .tmx or .po).
    pub file: PathBuf,
    /// Cache folder (the memory is its memory/ folder unless --memory says otherwise).
    #[arg(long, env = "GLOSS_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Translation memory folder (the one the runs use).
    #[arg(long, value_name = "DIR", env = "GLOSS_MEMORY_DIR")]
    pub memory: Option<PathBuf>,
    /// Print what was imported as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `path`'s bytes, refused before reading when over [`MAX_BYTES`].
fn read(path: &std::path::Path) -> Result<Vec<u8>> {
    let fail = |message: String| GlossError::FileInvalid {
        path: path.to_path_buf(),
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| {
        GlossError::side_file(
            path,
            "name the XLIFF, TMX or PO file `gloss export` wrote",
            e,
        )
    })?;
    if !meta.is_file() {
        return Err(fail("not a file".into()));
    }
    if meta.len() > MAX_BYTES {
        return Err(fail(
            crate::postedit::ReadError::TooBig { size: meta.len() }.to_string(),
        ));
    }
    std::fs::read(path).map_err(|source| GlossError::InputRead {
        path: path.to_path_buf(),
        source,
    })
}

/// At most a few ids, then how many more.
fn some(ids: &[String]) -> String {
    let shown: Vec<&str> = ids.iter().take(5).map(String::as_str).collect();
    match ids.len() {
        n if n > 5 => format!("{} and {} more", shown.join(", "), n - 5),
        _ => shown.join(", "),
    }
}

pub fn run(args: ImportArgs) -> Result<i32> {
    let bytes = read(&args.file)?;
    let bundle = crate::postedit::read(&bytes).map_err(|e| GlossError::FileInvalid {
        path: args.file.clone(),
        message: e.to_string(),
    })?;
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let cache_dir = Config::load(&cwd)?.cache_dir(&Overrides {
        cache_dir: args.cache_dir.clone(),
        ..Default::default()
    });
    let dir = crate::memory::folder(args.memory.as_deref(), &cache_dir);
    let memory = Memory::open(
        &dir,
        &bundle.issue,
        &bundle.target_language,
        "",
        Mode::Normal,
    );
    let found = Corrections::find(&memory, &bundle);
    found.save(&memory)?;
    let ids = |records: &[crate::memory::Record]| -> Vec<String> {
        records.iter().map(|r| r.id.clone()).collect()
    };
    if args.json {
        let value = serde_json::json!({
            "issue": bundle.issue,
            "memory": dir,
            "changed": ids(&found.changed),
            "approved": ids(&found.approved),
            "kept_aside": ids(&found.aside),
            "unknown": found.unknown,
            "unchanged": found.unchanged,
        });
        stdout_line(&serde_json::to_string_pretty(&value).unwrap_or_default());
    } else {
        stdout_line(&format!(
            "{}: {} corrected, {} approved as they are, {} unchanged → {}",
            bundle.issue,
            found.changed.len(),
            found.approved.len(),
            found.unchanged,
            dir.join(crate::memory::FILE).display()
        ));
    }
    if !found.aside.is_empty() {
        crate::progress::warn(&format!(
            "{} corrections kept aside in {}, not applied: their segment's source changed since the export ({})",
            found.aside.len(),
            dir.join(crate::memory::ASIDE_FILE).display(),
            some(&ids(&found.aside))
        ));
    }
    if !found.unknown.is_empty() {
        crate::progress::warn(&format!(
            "{} units ignored: no segment of {} has their id in the memory ({}); was the issue translated with this --memory/--cache-dir?",
            found.unknown.len(),
            bundle.issue,
            some(&found.unknown)
        ));
    }
    Ok(exit::OK)
}
