//! The on-disk result cache: content-addressed, one JSON file per entry.
//!
//! The key is a SHA-256 over everything that shapes a result, so changing
//! any of it misses and nothing else does. Every kind of entry ([`Kind`])
//! and what its key holds ([`CacheKey`]'s constructors) is in `key.rs`.
//! Entries are written to a temp file in the same folder and renamed, so a
//! crash never leaves a torn entry and two runs can share one cache.
//!
//! The cache folder may be named by an untrusted workspace `gloss.toml` or a
//! careless `--cache-dir .`, so the cleaning commands touch only what gloss
//! wrote: the folder must carry gloss's `CACHEDIR.TAG` (written with the first
//! entry), and a file is an entry only if its path has the entry shape
//! (`v1/ab/ab…64 hex….json`) and its content parses as an entry.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{GlossError, Result};

mod claim;
mod key;
pub use claim::{CLAIM_TIMEOUT, Claim};
pub use key::{AnswerKind, CacheKey, CheckedKey, CheckedKind, Kind, PlanKey, versions};

/// Bumped when the entry format or the meaning of a key changes.
pub const FORMAT_VERSION: u32 = 1;

/// What is stored in an entry file. Never holds the key or any secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry<T> {
    pub format: u32,
    /// What the entry is: its key's [`Kind`], or an answer's cut label
    /// ([`Kind::cut_label`]). Read back as text: the file may be older or
    /// foreign.
    pub kind: String,
    /// Seconds since the Unix epoch.
    pub created: u64,
    pub model: Option<String>,
    pub usage: Option<crate::llm::Usage>,
    pub value: T,
}

/// An answer the endpoint gave that cannot be used (cut at the token limit,
/// filtered, empty). It is what the same request brings again, so it is
/// stored like an answer and a rerun reports it without asking; `--refresh`
/// asks again. Failures to answer at all (timeouts, 5xx) are never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unusable {
    /// Why the answer cannot be used, as the run reported it.
    pub problem: String,
    /// The answer's text as it came (for `gloss cache` readers and audits).
    pub text: String,
}

/// What the cache holds for one request.
#[derive(Debug, Clone)]
pub enum Cached<T> {
    /// An answer or result to use.
    Usable(Entry<T>),
    /// An answer that came back unusable ([`Unusable`]).
    Unusable(Unusable),
}

/// How the cache is used in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Read hits, write new results.
    Normal,
    /// Read hits but ask again for the answers stored as unusable
    /// ([`Unusable`]), write new results (`--retry-failed`).
    RetryFailed,
    /// Ignore existing entries, write new results (`--refresh`).
    Refresh,
    /// Neither read nor write (`--no-cache`).
    Off,
}

/// The marker file at the cache folder's root (Cache Directory Tagging
/// spec, so backup tools skip the folder too).
pub const TAG_FILE: &str = "CACHEDIR.TAG";

/// The spec's signature line, then the line that says gloss wrote the tag:
/// a tag some other tool wrote does not make a folder gloss's to clean.
const TAG_CONTENT: &str = concat!(
    "Signature: 8a477f597d28d172789f06886806bc55\n",
    "# This file is a cache directory tag created by gloss.\n",
    "# For information about cache directory tags, see https://bford.info/cachedir/\n"
);

/// The line of [`TAG_CONTENT`] that identifies gloss.
const TAG_GLOSS_LINE: &str = "# This file is a cache directory tag created by gloss.";

/// The cache folder and how to use it.
#[derive(Debug, Clone)]
pub struct Cache {
    /// The folder given (holds the tag and `v1/`).
    dir: PathBuf,
    /// `dir/v1`: where entries live.
    root: PathBuf,
    mode: Mode,
    /// The first failed write of this run (shared by clones), so that the
    /// user hears of a read-only or full cache once, not once per entry.
    write_failure: std::sync::Arc<std::sync::OnceLock<String>>,
}

/// What a cleaning command did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Cleaned {
    /// Entries removed.
    pub removed: u64,
    /// Entries kept (`prune`: not old enough).
    pub kept: u64,
    /// Files below `v1/` that are not gloss entries: never touched.
    pub foreign: u64,
    /// The folder had no tag but held only gloss entries, so it was tagged now.
    pub adopted: bool,
}

/// Counts for `gloss cache stats`.
#[derive(Debug, Default, Serialize)]
pub struct Stats {
    pub entries: u64,
    pub bytes: u64,
    pub by_kind: std::collections::BTreeMap<String, u64>,
    pub oldest: Option<u64>,
    pub newest: Option<u64>,
    /// Files below `v1/` that are not gloss entries (not counted above).
    pub foreign: u64,
}

/// The files below `v1/`, sorted into gloss's entries and everything else.
#[derive(Debug, Default)]
struct Listing {
    /// Entry files with their size and creation time.
    entries: Vec<(PathBuf, u64, Entry<serde_json::Value>)>,
    foreign: u64,
}

/// Whether `name` is an entry file name for the shard folder `shard`:
/// 64 lowercase hex digits (a [`CacheKey`]) starting with the shard's two, then `.json`.
fn is_entry_name(shard: &str, name: &str) -> bool {
    let Some(hash) = name.strip_suffix(".json") else {
        return false;
    };
    hash.len() == 64
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && hash.get(..2) == Some(shard)
}

/// The entry in `bytes`, if they are one of gloss's entries.
fn parse_entry(bytes: &[u8]) -> Option<Entry<serde_json::Value>> {
    let entry: Entry<serde_json::Value> = serde_json::from_slice(bytes).ok()?;
    (entry.format == FORMAT_VERSION && !entry.kind.is_empty()).then_some(entry)
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Cache {
    /// A cache rooted at `dir` (entries live under `dir/v1/`).
    pub fn new(dir: &Path, mode: Mode) -> Self {
        Self {
            dir: dir.to_path_buf(),
            root: dir.join(format!("v{FORMAT_VERSION}")),
            mode,
            write_failure: Default::default(),
        }
    }

    /// The first write that failed in this run, as one line, if any did.
    pub fn write_failure(&self) -> Option<&str> {
        self.write_failure.get().map(String::as_str)
    }

    /// Whether the folder carries the tag gloss writes.
    pub fn is_tagged(&self) -> bool {
        std::fs::read_to_string(self.dir.join(TAG_FILE)).is_ok_and(|t| {
            t.lines().next() == TAG_CONTENT.lines().next() && t.lines().any(|l| l == TAG_GLOSS_LINE)
        })
    }

    /// Write the tag (atomically: concurrent runs may race to write it).
    fn tag(&self) -> Result<()> {
        let err = |message: String| GlossError::Cache {
            path: self.dir.join(TAG_FILE),
            message,
        };
        crate::atomic::write(
            &self.dir.join(TAG_FILE),
            TAG_CONTENT.as_bytes(),
            crate::atomic::Access::Private,
        )
        .map_err(|e| err(e.to_string()))
    }

    /// The folder entries are stored in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, key: &CacheKey) -> PathBuf {
        let k = key.as_str();
        self.root.join(&k[..2]).join(format!("{k}.json"))
    }

    /// The entry for `key`, if present and readable. A corrupt or foreign
    /// file counts as a miss; it is overwritten by the next good result.
    pub fn get<T: DeserializeOwned>(&self, key: &CacheKey) -> Option<Entry<T>> {
        if !matches!(self.mode, Mode::Normal | Mode::RetryFailed) {
            return None;
        }
        let bytes = std::fs::read(self.path(key)).ok()?;
        let entry: Entry<T> = serde_json::from_slice(&bytes).ok()?;
        (entry.format == FORMAT_VERSION).then_some(entry)
    }

    /// Whether answers that came back unusable are asked again in this run
    /// (`--retry-failed`), stored ones included.
    pub fn retries_failed(&self) -> bool {
        self.mode == Mode::RetryFailed
    }

    /// What the cache holds for `key`: a usable entry, or an answer stored
    /// as unusable ([`Cache::put_unusable`]; a miss with `--retry-failed`).
    /// Misses as [`Cache::get`] does.
    pub fn get_answer<T: DeserializeOwned>(&self, key: &CacheKey) -> Option<Cached<T>> {
        let entry = self.get::<serde_json::Value>(key)?;
        if entry.kind == key.kind().unusable_label() {
            if self.retries_failed() {
                return None;
            }
            return serde_json::from_value(entry.value)
                .ok()
                .map(Cached::Unusable);
        }
        let value = serde_json::from_value(entry.value).ok()?;
        Some(Cached::Usable(Entry {
            format: entry.format,
            kind: entry.kind,
            created: entry.created,
            model: entry.model,
            usage: entry.usage,
            value,
        }))
    }

    /// Store `completion`, unusable for `problem`, so that a hit reports
    /// the problem again ([`Kind::unusable_label`]) — when its ending is one
    /// the same request brings again ([`crate::llm::Finish::recurs`]), and
    /// never over a usable entry: a `--refresh` or `--retry-failed` that
    /// comes back cut keeps the answer an earlier run got. A failed write is
    /// told once for the run ([`Cache::write_failure`]).
    pub fn put_unusable(
        &self,
        key: &CacheKey,
        model: Option<&str>,
        completion: &crate::llm::Completion,
        problem: &str,
    ) {
        if !completion.finish.recurs() {
            return;
        }
        let label = key.kind().unusable_label();
        // Read whatever the mode: Refresh ignores entries for answers, not here.
        let stored = std::fs::read(self.path(key)).ok();
        if stored
            .as_deref()
            .and_then(parse_entry)
            .is_some_and(|entry| entry.kind != label)
        {
            return;
        }
        let unusable = Unusable {
            problem: problem.to_string(),
            text: completion.text.clone(),
        };
        let _ = self.store(key, &label, model, completion.usage, &unusable);
    }

    /// Store a result atomically, labelled with its key's kind.
    pub fn put<T: Serialize>(
        &self,
        key: &CacheKey,
        model: Option<&str>,
        usage: Option<crate::llm::Usage>,
        value: &T,
    ) -> Result<()> {
        self.store(key, key.kind().as_str(), model, usage, value)
    }

    /// Store an answer kept although cut at the token limit, labelled so
    /// that a hit can say so again ([`Kind::cut_label`]).
    pub fn put_cut<T: Serialize>(
        &self,
        key: &CacheKey,
        model: Option<&str>,
        usage: Option<crate::llm::Usage>,
        value: &T,
    ) -> Result<()> {
        self.store(key, &key.kind().cut_label(), model, usage, value)
    }

    fn store<T: Serialize>(
        &self,
        key: &CacheKey,
        kind: &str,
        model: Option<&str>,
        usage: Option<crate::llm::Usage>,
        value: &T,
    ) -> Result<()> {
        if self.mode == Mode::Off {
            return Ok(());
        }
        let path = self.path(key);
        let dir = path.parent().unwrap_or(&self.root);
        let err = |message: String| {
            let _ = self.write_failure.set(format!(
                "cannot write the cache in {} ({message}); results are not saved, so a rerun sends these requests again — fix the folder or pass --cache-dir",
                self.root.display()
            ));
            GlossError::Cache {
                path: dir.to_path_buf(),
                message,
            }
        };
        std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
        // Writing here makes the folder a gloss cache (one stat per entry is
        // nothing next to a model request). A tag that cannot be written
        // costs only `cache clear` its certainty, not the entry.
        if !self.dir.join(TAG_FILE).exists() {
            let _ = self.tag();
        }
        let entry = Entry {
            format: FORMAT_VERSION,
            kind: kind.to_string(),
            created: now_secs(),
            model: model.map(str::to_string),
            usage,
            value,
        };
        // Streamed to the file: a big entry (a 50 MB issue's plan) is not
        // also held as one buffer.
        crate::atomic::write_with(&path, crate::atomic::Access::Private, |out| {
            serde_json::to_writer_pretty(out, &entry).map_err(std::io::Error::other)
        })
        .map_err(|e| err(e.to_string()))
    }

    /// Every file below `v1/`, sorted into entries and foreign files.
    /// Symlinks are never followed (nor counted as entries): a link could
    /// point anywhere.
    fn list(&self) -> Listing {
        let mut listing = Listing::default();
        let Ok(shards) = std::fs::read_dir(&self.root) else {
            return listing;
        };
        for shard in shards.flatten() {
            let shard_name = shard.file_name().to_string_lossy().into_owned();
            let is_dir = shard.file_type().is_ok_and(|t| t.is_dir());
            let shard_files = if is_dir {
                std::fs::read_dir(shard.path()).ok()
            } else {
                None
            };
            let Some(files) = shard_files else {
                listing.foreign += 1;
                continue;
            };
            for file in files.flatten() {
                let path = file.path();
                let name = file.file_name().to_string_lossy().into_owned();
                let entry = (file.file_type().is_ok_and(|t| t.is_file())
                    && is_entry_name(&shard_name, &name))
                .then(|| std::fs::read(&path).ok())
                .flatten()
                .and_then(|bytes| Some((bytes.len() as u64, parse_entry(&bytes)?)));
                match entry {
                    Some((size, entry)) => listing.entries.push((path, size, entry)),
                    None => listing.foreign += 1,
                }
            }
        }
        listing
    }

    /// Count entries, bytes and kinds.
    pub fn stats(&self) -> Stats {
        let listing = self.list();
        let mut stats = Stats {
            foreign: listing.foreign,
            ..Default::default()
        };
        for (_, size, entry) in listing.entries {
            stats.entries += 1;
            stats.bytes += size;
            *stats.by_kind.entry(entry.kind).or_default() += 1;
            stats.oldest = Some(stats.oldest.map_or(entry.created, |o| o.min(entry.created)));
            stats.newest = Some(stats.newest.map_or(entry.created, |o| o.max(entry.created)));
        }
        stats
    }

    /// The entries, once the folder is known to be gloss's. A folder without
    /// the tag is adopted (tagged) when it holds at least one entry and
    /// nothing else below `v1/` — a cache from a gloss that wrote no tag;
    /// otherwise it is refused. A folder that does not exist is an empty cache.
    fn owned_listing(&self) -> Result<(Listing, bool)> {
        let listing = self.list();
        if !self.dir.exists() || self.is_tagged() {
            return Ok((listing, false));
        }
        if listing.foreign == 0 && !listing.entries.is_empty() {
            self.tag()?;
            return Ok((listing, true));
        }
        Err(GlossError::Cache {
            path: self.dir.clone(),
            message: format!(
                "not a gloss cache (no {TAG_FILE} written by gloss), nothing removed; pass the folder gloss caches in (see `gloss cache stats`), or delete it yourself"
            ),
        })
    }

    /// Remove entries whose files were last written more than `age` ago.
    /// Refuses a folder that is not a gloss cache; touches nothing but entries.
    pub fn prune(&self, age: Duration) -> Result<Cleaned> {
        // An age beyond the epoch removes everything, without overflowing.
        let cutoff = SystemTime::now().checked_sub(age).unwrap_or(UNIX_EPOCH);
        self.remove_entries(|path| {
            std::fs::metadata(path)
                .and_then(|m| m.modified())
                .is_ok_and(|t| t < cutoff)
        })
    }

    /// Remove every entry (and shard folders left empty). Refuses a folder
    /// that is not a gloss cache; touches nothing but entries.
    pub fn clear(&self) -> Result<Cleaned> {
        self.remove_entries(|_| true)
    }

    fn remove_entries(&self, remove: impl Fn(&Path) -> bool) -> Result<Cleaned> {
        let (listing, adopted) = self.owned_listing()?;
        let mut cleaned = Cleaned {
            foreign: listing.foreign,
            adopted,
            ..Default::default()
        };
        for (path, _, _) in &listing.entries {
            if !remove(path) {
                cleaned.kept += 1;
                continue;
            }
            std::fs::remove_file(path).map_err(|e| GlossError::Cache {
                path: path.clone(),
                message: e.to_string(),
            })?;
            cleaned.removed += 1;
            // Only an empty folder is removed; one with anything else stays.
            if let Some(shard) = path.parent() {
                let _ = std::fs::remove_dir(shard);
            }
        }
        if cleaned.removed > 0 {
            let _ = std::fs::remove_dir(&self.root);
        }
        Ok(cleaned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_modes() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path(), Mode::Normal);
        let key = CacheKey::of(Kind::Checked(CheckedKind::Complete), &("m", "hello", 0.0));
        assert!(cache.get::<String>(&key).is_none());
        cache.put(&key, Some("m"), None, &"hi".to_string()).unwrap();
        let entry = cache.get::<String>(&key).unwrap();
        assert_eq!(
            (entry.value.as_str(), entry.kind.as_str()),
            ("hi", "translate")
        );
        let path = cache.path(&key);
        assert!(path.starts_with(dir.path().join("v1").join(&key.as_str()[..2])));
        assert!(
            Cache::new(dir.path(), Mode::Refresh)
                .get::<String>(&key)
                .is_none()
        );
        assert_eq!(cache.stats().entries, 1);
        assert!(cache.is_tagged());
        let pruned = cache.prune(Duration::from_secs(3600)).unwrap();
        assert_eq!((pruned.removed, pruned.kept), (0, 1));
        assert_eq!(cache.clear().unwrap().removed, 1);
        assert!(cache.get::<String>(&key).is_none());
    }

    #[test]
    fn a_cut_answer_is_labelled_so() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path(), Mode::Normal);
        let key = CacheKey::of(Kind::Answer(AnswerKind::Summary), &"request");
        cache.put_cut(&key, None, None, &"One.").unwrap();
        assert_eq!(cache.get::<String>(&key).unwrap().kind, "summary-cut");
        assert_eq!(cache.stats().by_kind.get("summary-cut"), Some(&1));
    }

    #[test]
    fn an_unusable_answer_is_told_apart_from_an_answer() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path(), Mode::Normal);
        let key = CacheKey::of(Kind::Answer(AnswerKind::Brief), &"request");
        let cut = crate::llm::Completion {
            text: "# Brief\n- a\n- a\n- a".into(),
            finish: crate::llm::Finish::CutAtLimit,
            usage: None,
            model: None,
        };
        let problem = "answer cut at the token limit";
        let unusable = Unusable {
            problem: problem.into(),
            text: cut.text.clone(),
        };
        // A server's abort, or an empty "complete" answer, may be a glitch:
        // never stored, so a rerun asks again.
        let aborted = crate::llm::Completion {
            finish: crate::llm::Finish::Other("abort".into()),
            ..cut.clone()
        };
        cache.put_unusable(&key, None, &aborted, "aborted");
        let empty = crate::llm::Completion {
            text: String::new(),
            finish: crate::llm::Finish::Complete,
            ..cut.clone()
        };
        cache.put_unusable(&key, None, &empty, "empty answer");
        assert!(cache.get_answer::<String>(&key).is_none());
        cache.put_unusable(&key, None, &cut, problem);
        match cache.get_answer::<String>(&key) {
            Some(Cached::Unusable(u)) => assert_eq!(u, unusable),
            other => panic!("expected the unusable answer, got {other:?}"),
        }
        // Read as a plain answer it is a miss, never its text.
        assert!(cache.get::<String>(&key).is_none());
        assert_eq!(cache.stats().by_kind.get("brief-unusable"), Some(&1));
        // A good answer under the same key replaces it.
        cache.put(&key, None, None, &"# Brief".to_string()).unwrap();
        match cache.get_answer::<String>(&key) {
            Some(Cached::Usable(e)) => assert_eq!(e.value, "# Brief"),
            other => panic!("expected the answer, got {other:?}"),
        }
        assert!(
            Cache::new(dir.path(), Mode::Refresh)
                .get_answer::<String>(&key)
                .is_none()
        );
        // --retry-failed asks again for an unusable answer, not a good one.
        let retry = Cache::new(dir.path(), Mode::RetryFailed);
        assert!(matches!(
            retry.get_answer::<String>(&key),
            Some(Cached::Usable(_))
        ));
        // An unusable answer never replaces a good one, whatever the mode.
        for mode in [Mode::Normal, Mode::Refresh, Mode::RetryFailed] {
            Cache::new(dir.path(), mode).put_unusable(&key, None, &cut, problem);
        }
        match cache.get_answer::<String>(&key) {
            Some(Cached::Usable(e)) => assert_eq!(e.value, "# Brief"),
            other => panic!("expected the answer kept, got {other:?}"),
        }
        // Over an unusable one it is stored again (a retry that failed too).
        let other = CacheKey::of(Kind::Answer(AnswerKind::Brief), &"another request");
        retry.put_unusable(&other, None, &cut, problem);
        retry.put_unusable(&other, None, &cut, "cut again");
        assert!(retry.get_answer::<String>(&other).is_none());
        match cache.get_answer::<String>(&other) {
            Some(Cached::Unusable(u)) => assert_eq!(u.problem, "cut again"),
            other => panic!("expected the second unusable answer, got {other:?}"),
        }
    }

    #[test]
    fn torn_file_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path(), Mode::Normal);
        let key = CacheKey::of(Kind::Plan, &1);
        let path = cache.path(&key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"{\"format\":1,").unwrap();
        assert!(cache.get::<u32>(&key).is_none());
    }
}
