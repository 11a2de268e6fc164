//! What batch mode keeps on disk, under the cache folder's `batches/`: one
//! record per submitted batch (`<id>.json`, written before the first poll so
//! an interrupted run resumes) and one file per answer not yet taken by a
//! request (`results/<custom_id>.json`, from a finished batch or an import).
//!
//! Batch ids and custom ids come from a server or a file, so they become file
//! names only in a checked shape; gloss removes only files of these shapes.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A record or an answer that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}: {source}")]
pub struct StoreError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Request counts of a batch, as the server last reported them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub total: u64,
    pub completed: u64,
    pub failed: u64,
}

/// One submitted batch, as saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchRecord {
    /// The provider's batch id.
    pub id: String,
    /// The endpoint it was submitted to (redacted base URL).
    pub endpoint: String,
    pub model: String,
    /// Seconds since the Unix epoch.
    pub created: u64,
    /// Last status seen: validating, in_progress, finalizing, completed,
    /// failed, expired, cancelling, cancelled, or not_found.
    pub status: String,
    pub input_file_id: String,
    #[serde(default)]
    pub output_file_id: Option<String>,
    #[serde(default)]
    pub error_file_id: Option<String>,
    #[serde(default)]
    pub counts: Counts,
    /// The batch finished and its answers were stored as results.
    #[serde(default)]
    pub collected: bool,
    /// The custom ids of its requests.
    pub requests: Vec<String>,
}

/// Whether `id` is a custom id gloss makes: 64 lowercase hex digits.
pub fn is_custom_id(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The file name of a batch id: the id itself when it is plain
/// (`batch_abc123`), else a hash of it.
fn record_name(id: &str) -> String {
    let plain = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if plain {
        format!("{id}.json")
    } else {
        format!("h-{}.json", hex::encode(Sha256::digest(id.as_bytes())))
    }
}

/// The `batches/` folder.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    /// The store in `dir` (created on the first write).
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
        }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn results_dir(&self) -> PathBuf {
        self.dir.join("results")
    }

    fn result_path(&self, custom_id: &str) -> Option<PathBuf> {
        is_custom_id(custom_id).then(|| self.results_dir().join(format!("{custom_id}.json")))
    }

    /// Write a record or an answer: atomically, and private (0600) like
    /// cache entries, since answers are model output.
    fn write(path: &Path, bytes: &[u8]) -> Result<()> {
        let failed = |source| StoreError {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(failed)?;
        }
        crate::atomic::write(path, bytes, crate::atomic::Access::Private).map_err(failed)
    }

    /// Save a record (atomically: a crash never leaves half of one).
    pub fn save(&self, record: &BatchRecord) -> Result<()> {
        let json = serde_json::to_vec_pretty(record).unwrap_or_default();
        Self::write(&self.dir.join(record_name(&record.id)), &json)
    }

    /// Every readable record, oldest first.
    pub fn records(&self) -> Vec<BatchRecord> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut out: Vec<BatchRecord> = entries
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .filter_map(|e| std::fs::read(e.path()).ok())
            .filter_map(|bytes| serde_json::from_slice(&bytes).ok())
            .collect();
        out.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
        out
    }

    /// Note the custom ids `gloss batch export` wrote out, so that an import
    /// takes answers only for requests gloss made (an empty marker file each,
    /// `exported/<custom_id>`).
    pub fn note_exported<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> Result<()> {
        for id in ids.into_iter().filter(|id| is_custom_id(id)) {
            Self::write(&self.dir.join("exported").join(id), b"")?;
        }
        Ok(())
    }

    /// The custom ids gloss made: exported, or in a submitted batch.
    pub fn made_ids(&self) -> std::collections::HashSet<String> {
        let mut ids: std::collections::HashSet<String> = self
            .records()
            .into_iter()
            .flat_map(|r| r.requests)
            .collect();
        if let Ok(entries) = std::fs::read_dir(self.dir.join("exported")) {
            ids.extend(
                entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|id| is_custom_id(id)),
            );
        }
        ids
    }

    /// Remove a record (only the file its id names).
    pub fn remove_record(&self, id: &str) {
        let _ = std::fs::remove_file(self.dir.join(record_name(id)));
    }

    /// Store one answer (a chat completion body) for `custom_id`; `false`
    /// when the id has not gloss's shape.
    pub fn put_result(&self, custom_id: &str, body: &serde_json::Value) -> Result<bool> {
        let Some(path) = self.result_path(custom_id) else {
            return Ok(false);
        };
        Self::write(&path, &serde_json::to_vec(body).unwrap_or_default())?;
        Ok(true)
    }

    /// The stored answer for `custom_id`, if any.
    pub fn result(&self, custom_id: &str) -> Option<serde_json::Value> {
        let bytes = std::fs::read(self.result_path(custom_id)?).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Whether an answer for `custom_id` is stored.
    pub fn has_result(&self, custom_id: &str) -> bool {
        self.result_path(custom_id).is_some_and(|p| p.is_file())
    }

    /// Forget the stored answer for `custom_id` (a request took it).
    pub fn remove_result(&self, custom_id: &str) {
        if let Some(path) = self.result_path(custom_id) {
            let _ = std::fs::remove_file(path);
        }
    }

    /// How many answers are stored.
    pub fn result_count(&self) -> usize {
        std::fs::read_dir(self.results_dir()).map_or(0, |entries| {
            entries
                .flatten()
                .filter(|e| {
                    e.file_name()
                        .to_str()
                        .and_then(|n| n.strip_suffix(".json"))
                        .is_some_and(is_custom_id)
                })
                .count()
        })
    }

    /// Remove the records of collected batches none of whose answers is
    /// still waiting: every answer was taken, so it is in the cache now.
    pub fn prune(&self) {
        for r in self.records() {
            if r.collected && !r.requests.iter().any(|id| self.has_result(id)) {
                self.remove_record(&r.id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, collected: bool, requests: Vec<String>) -> BatchRecord {
        BatchRecord {
            id: id.into(),
            endpoint: "http://h/v1".into(),
            model: "m".into(),
            created: 1,
            status: "completed".into(),
            input_file_id: "file-1".into(),
            output_file_id: None,
            error_file_id: None,
            counts: Counts::default(),
            collected,
            requests,
        }
    }

    #[test]
    fn ids_become_file_names_only_in_a_safe_shape() {
        assert_eq!(record_name("batch_abc-1"), "batch_abc-1.json");
        let odd = record_name("../../etc/passwd");
        assert!(odd.starts_with("h-") && !odd.contains('/'), "{odd}");
        assert!(is_custom_id(&"a".repeat(64)));
        assert!(!is_custom_id(&"A".repeat(64)));
        assert!(!is_custom_id("../x"));
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        assert!(!store.put_result("../evil", &serde_json::json!({})).unwrap());
        assert_eq!(store.result_count(), 0);
    }

    #[test]
    fn a_collected_record_goes_once_its_answers_are_taken() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let (a, b) = ("a".repeat(64), "b".repeat(64));
        store
            .save(&record("batch_1", true, vec![a.clone(), b.clone()]))
            .unwrap();
        store.save(&record("batch_2", false, vec![])).unwrap();
        store.put_result(&a, &serde_json::json!({"x": 1})).unwrap();
        store.prune();
        assert_eq!(store.records().len(), 2, "an answer still waits");
        assert_eq!(store.result(&a), Some(serde_json::json!({"x": 1})));
        store.remove_result(&a);
        store.prune();
        let left: Vec<String> = store.records().into_iter().map(|r| r.id).collect();
        assert_eq!(left, ["batch_2"], "open batches stay");
    }
}
