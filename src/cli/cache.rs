//! `gloss cache stats|clear|prune`.

use super::*;

/// What `cache clear`/`prune` did, with the files they left alone.
pub(super) fn report_cleaned(
    c: &crate::cache::Cleaned,
    which: &str,
    root: &std::path::Path,
    json: bool,
) {
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

pub(super) fn cache(action: CacheAction, cache_dir: Option<PathBuf>, json: bool) -> Result<i32> {
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
                let kinds: Vec<String> =
                    s.by_kind.iter().map(|(k, n)| format!("{n} {k}")).collect();
                stdout_line(&format!(
                    "{}: {} entries, {:.1} KiB{}{foreign}",
                    cache.root().display(),
                    s.entries,
                    s.bytes as f64 / 1024.0,
                    if kinds.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", kinds.join(", "))
                    }
                ));
            }
            // A mistyped path would look like an empty cache.
            if !cache.root().exists() {
                crate::progress::note(&format!(
                    "{} does not exist (yet): no run has cached anything there",
                    cache.root().display()
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
