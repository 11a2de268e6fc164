//! The on-disk result cache: content-addressed, one JSON file per entry.
//!
//! The key is a SHA-256 over everything that shapes a result (see
//! [`CacheKey::new`]), so changing any of it misses and nothing else does.
//! Entries are written to a temp file in the same folder and renamed, so a
//! crash never leaves a torn entry and two runs can share one cache.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{GlossError, Result};

/// Bumped when the entry format or the meaning of a key changes.
pub const FORMAT_VERSION: u32 = 1;

/// A content address: hex SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CacheKey(String);

impl CacheKey {
    /// Hash `kind` (what the entry is: `translate`, `plan`…) and `inputs`
    /// (model, rendered messages, every request parameter) with the format version.
    pub fn new(kind: &str, inputs: &impl Serialize) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(format!("gloss-cache-v{FORMAT_VERSION}\0{kind}\0").as_bytes());
        // serde_json writes struct fields in declaration order: stable.
        hasher.update(serde_json::to_vec(inputs).unwrap_or_default());
        Self(hex::encode(hasher.finalize()))
    }

    /// The hex digest.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What is stored in an entry file. Never holds the key or any secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry<T> {
    pub format: u32,
    pub kind: String,
    /// Seconds since the Unix epoch.
    pub created: u64,
    pub model: Option<String>,
    pub usage: Option<crate::llm::Usage>,
    pub value: T,
}

/// How the cache is used in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Read hits, write new results.
    Normal,
    /// Ignore existing entries, write new results (`--refresh`).
    Refresh,
    /// Neither read nor write (`--no-cache`).
    Off,
}

/// The cache folder and how to use it.
#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
    mode: Mode,
    /// The first failed write of this run (shared by clones), so that the
    /// user hears of a read-only or full cache once, not once per entry.
    write_failure: std::sync::Arc<std::sync::OnceLock<String>>,
}

/// Counts for `gloss cache stats`.
#[derive(Debug, Default, Serialize)]
pub struct Stats {
    pub entries: u64,
    pub bytes: u64,
    pub by_kind: std::collections::BTreeMap<String, u64>,
    pub oldest: Option<u64>,
    pub newest: Option<u64>,
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
            root: dir.join(format!("v{FORMAT_VERSION}")),
            mode,
            write_failure: Default::default(),
        }
    }

    /// The first write that failed in this run, as one line, if any did.
    pub fn write_failure(&self) -> Option<&str> {
        self.write_failure.get().map(String::as_str)
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
        if self.mode != Mode::Normal {
            return None;
        }
        let bytes = std::fs::read(self.path(key)).ok()?;
        let entry: Entry<T> = serde_json::from_slice(&bytes).ok()?;
        (entry.format == FORMAT_VERSION).then_some(entry)
    }

    /// Store a result atomically.
    pub fn put<T: Serialize>(
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
        let entry = Entry {
            format: FORMAT_VERSION,
            kind: kind.to_string(),
            created: now_secs(),
            model: model.map(str::to_string),
            usage,
            value,
        };
        let bytes = serde_json::to_vec_pretty(&entry).map_err(|e| err(e.to_string()))?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| err(e.to_string()))?;
        std::io::Write::write_all(&mut tmp, &bytes).map_err(|e| err(e.to_string()))?;
        tmp.persist(&path).map_err(|e| err(e.to_string()))?;
        Ok(())
    }

    fn entry_files(&self) -> Vec<PathBuf> {
        let mut files = Vec::new();
        let Ok(shards) = std::fs::read_dir(&self.root) else {
            return files;
        };
        for shard in shards.flatten() {
            if let Ok(entries) = std::fs::read_dir(shard.path()) {
                files.extend(
                    entries
                        .flatten()
                        .map(|e| e.path())
                        .filter(|p| p.extension().is_some_and(|x| x == "json")),
                );
            }
        }
        files
    }

    /// Count entries, bytes and kinds.
    pub fn stats(&self) -> Stats {
        let mut stats = Stats::default();
        for path in self.entry_files() {
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            stats.entries += 1;
            stats.bytes += bytes.len() as u64;
            if let Ok(entry) = serde_json::from_slice::<Entry<serde_json::Value>>(&bytes) {
                *stats.by_kind.entry(entry.kind).or_default() += 1;
                stats.oldest = Some(stats.oldest.map_or(entry.created, |o| o.min(entry.created)));
                stats.newest = Some(stats.newest.map_or(entry.created, |o| o.max(entry.created)));
            }
        }
        stats
    }

    /// Remove entries whose files were last written more than `age` ago. Returns how many.
    pub fn prune(&self, age: Duration) -> Result<u64> {
        // An age beyond the epoch removes everything, without overflowing.
        let cutoff = SystemTime::now().checked_sub(age).unwrap_or(UNIX_EPOCH);
        let mut removed = 0;
        for path in self.entry_files() {
            let old = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .is_ok_and(|t| t < cutoff);
            if old {
                std::fs::remove_file(&path).map_err(|e| GlossError::Cache {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Remove every entry. Returns how many.
    pub fn clear(&self) -> Result<u64> {
        let n = self.entry_files().len() as u64;
        if self.root.exists() {
            std::fs::remove_dir_all(&self.root).map_err(|e| GlossError::Cache {
                path: self.root.clone(),
                message: e.to_string(),
            })?;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_modes() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path(), Mode::Normal);
        let key = CacheKey::new("translate", &("m", "hello", 0.0));
        assert!(cache.get::<String>(&key).is_none());
        cache
            .put(&key, "translate", Some("m"), None, &"hi".to_string())
            .unwrap();
        assert_eq!(cache.get::<String>(&key).unwrap().value, "hi");
        let path = cache.path(&key);
        assert!(path.starts_with(dir.path().join("v1").join(&key.as_str()[..2])));
        assert!(
            Cache::new(dir.path(), Mode::Refresh)
                .get::<String>(&key)
                .is_none()
        );
        assert_eq!(cache.stats().entries, 1);
        assert_eq!(cache.prune(Duration::from_secs(3600)).unwrap(), 0);
        assert_eq!(cache.clear().unwrap(), 1);
        assert!(cache.get::<String>(&key).is_none());
    }

    #[test]
    fn keys_change_with_every_input() {
        let a = CacheKey::new("translate", &("m", "x", 0.0));
        assert_eq!(a, CacheKey::new("translate", &("m", "x", 0.0)));
        assert_ne!(a, CacheKey::new("translate", &("m2", "x", 0.0)));
        assert_ne!(a, CacheKey::new("translate", &("m", "x", 0.1)));
        assert_ne!(a, CacheKey::new("summary", &("m", "x", 0.0)));
    }

    #[test]
    fn torn_file_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path(), Mode::Normal);
        let key = CacheKey::new("k", &1);
        let path = cache.path(&key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"{\"format\":1,").unwrap();
        assert!(cache.get::<u32>(&key).is_none());
    }
}
