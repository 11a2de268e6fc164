//! The run log: every translate/brief/run appends one JSON line to
//! `runs.jsonl` in the user's data directory, and `gloss runs` lists them —
//! the per-issue manifest is overwritten by the next run, this is not.

use std::io::Write;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{fit, stdout_line};
use crate::error::Result;
use crate::progress;
use crate::run::Manifest;

/// One past run, as `gloss runs --json` prints it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunRecord {
    /// When the run ended, UTC, ISO 8601.
    pub when: String,
    /// `translate`, `brief` or `run`.
    pub command: String,
    pub input: String,
    pub profile: String,
    pub model: String,
    /// Requests sent (cache hits send none).
    pub requests: u64,
    pub cache_hits: u64,
    pub tokens_in: u64,
    pub tokens_out: u64,
    /// Estimated from the profile's prices; `None` when it has none.
    pub cost_usd: Option<f64>,
    /// The output folder, or `-` for standard output.
    pub out_dir: String,
    pub exit_status: i32,
}

impl RunRecord {
    /// The record of a run that just ended with `exit_status`.
    pub fn new(command: &str, manifest: &Manifest, out_dir: String, exit_status: i32) -> Self {
        let t = &manifest.totals;
        // A relative folder means nothing once the shell has moved elsewhere.
        let out_dir = match std::path::Path::new(&out_dir) {
            p if p.is_relative() && out_dir != "-" => std::env::current_dir()
                .map(|cwd| cwd.join(p).display().to_string())
                .unwrap_or(out_dir),
            _ => out_dir,
        };
        RunRecord {
            when: utc_now(),
            command: command.to_string(),
            input: manifest.input.clone(),
            profile: manifest.profile.clone(),
            model: manifest.model.clone(),
            requests: t.requests,
            cache_hits: t.cache_hits,
            tokens_in: t.tokens_in,
            tokens_out: t.tokens_out,
            cost_usd: t.estimated_cost_usd,
            out_dir,
            exit_status,
        }
    }
}

/// Where the run log lives: `$GLOSS_DATA_DIR`, else the platform's data
/// directory for gloss (`~/.local/share/gloss` on Linux).
pub fn data_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("GLOSS_DATA_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "gloss").map(|d| d.data_dir().to_path_buf())
}

fn log_path() -> Option<PathBuf> {
    data_dir().map(|d| d.join("runs.jsonl"))
}

/// Append `record` to the log. A log that cannot be written costs a
/// warning, never the run.
pub(super) fn append(record: &RunRecord) {
    let Some(path) = log_path() else {
        progress::warn("no data directory for the run log (set GLOSS_DATA_DIR)");
        return;
    };
    let line = serde_json::to_string(record).unwrap_or_default() + "\n";
    let written = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| {
            // One write of one line with O_APPEND: concurrent runs do not interleave.
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)?
                .write_all(line.as_bytes())
        });
    if let Err(e) = written {
        progress::warn(&format!("cannot record the run in {}: {e}", path.display()));
    }
}

/// Every record in the log, oldest first, and how many lines were unreadable.
fn read_all() -> (Vec<RunRecord>, usize) {
    let Some(text) = log_path().and_then(|p| std::fs::read_to_string(p).ok()) else {
        return (Vec::new(), 0);
    };
    let mut bad = 0;
    let records = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| {
            let r = serde_json::from_str(l).ok();
            bad += r.is_none() as usize;
            r
        })
        .collect();
    (records, bad)
}

/// `gloss runs`: the log as a table, or as JSON.
pub(super) fn list(last: Option<usize>, json: bool) -> Result<i32> {
    let (mut records, bad) = read_all();
    if bad > 0 {
        progress::warn(&format!("{bad} unreadable lines in the run log skipped"));
    }
    if let Some(n) = last {
        records.drain(..records.len().saturating_sub(n));
    }
    if json {
        stdout_line(&serde_json::to_string_pretty(&records).unwrap_or_default());
        return Ok(super::exit::OK);
    }
    if records.is_empty() {
        progress::info(&format!(
            "no runs recorded yet{}",
            log_path()
                .map(|p| format!(" (log: {})", p.display()))
                .unwrap_or_default()
        ));
        return Ok(super::exit::OK);
    }
    stdout_line(&format!(
        "{} {} {} {} {} {:>8} {:>10} {:>9} {:>6}  output",
        fit("when", 20),
        fit("command", 9),
        fit("input", 24),
        fit("profile", 10),
        fit("model", 20),
        "requests",
        "tokens",
        "cost",
        "status"
    ));
    for r in &records {
        stdout_line(&format!(
            "{} {} {} {} {} {:>8} {:>10} {:>9} {:>6}  {}",
            fit(&r.when, 20),
            fit(&r.command, 9),
            fit(&r.input, 24),
            fit(&r.profile, 10),
            fit(&r.model, 20),
            r.requests,
            r.tokens_in + r.tokens_out,
            r.cost_usd.map_or("-".to_string(), |c| format!("${c:.4}")),
            // The exit status: 0 ok, 1 nothing translated, 3 --strict…
            match r.exit_status {
                0 => "ok".to_string(),
                code => format!("exit {code}"),
            },
            crate::progress::escape_controls(&r.out_dir)
        ));
    }
    Ok(super::exit::OK)
}

/// Now as `YYYY-MM-DDTHH:MM:SSZ`.
fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    iso8601(secs)
}

/// Seconds since the epoch as an ISO 8601 UTC time (Howard Hinnant's
/// days-to-civil algorithm, so no date crate is needed for one line).
pub(super) fn iso8601(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + (month <= 2) as i64;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Dates checked against `date -u -d @SECS` for a leap day, a year end and the epoch.
    #[test]
    fn iso8601_known_dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601(1_704_067_199), "2023-12-31T23:59:59Z");
    }
}
