//! The translation memory: what a human corrected and what was already
//! translated, by segment (its source text and the target language, never
//! the prompt), so that it carries over to reruns and to the next issue.
//!
//! It lives in one folder (`--memory DIR`, `$GLOSS_MEMORY_DIR`, default
//! `<cache dir>/memory`) as one JSON Lines file, `memory.jsonl`, one
//! [`Record`] a line, appended to and never rewritten; a later line wins over
//! an earlier one of the same key, a torn or foreign line is skipped.
//! Corrections whose source no longer matches the issue are written to
//! `aside.jsonl` instead (same format), never applied. `docs/post-editing.md`
//! documents the format.
//!
//! Three things are read back:
//! - human segments (`origin: human`): used for their source text in any
//!   issue, over any model answer, cached or fresh, even with `--refresh`;
//! - model segments that passed every check: reused for the same source text
//!   when a chunk is not in the cache (not with `--refresh`), so a paragraph
//!   already translated (boilerplate, disclaimers) costs no request;
//! - human names (`kind: name`): added to the glossary of the other issues.

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::cache::Mode;
use crate::chunk::Chunk;
use crate::document::Article;
use crate::error::{GlossError, Result};
use crate::glossary::Term;

mod import;
pub use import::Corrections;

/// The memory's file in its folder.
pub const FILE: &str = "memory.jsonl";
/// Corrections kept aside (their source changed), in the same format.
pub const ASIDE_FILE: &str = "aside.jsonl";
/// The record format's version, written into every line.
pub const VERSION: u32 = 1;

/// What a record is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    /// A segment (a title, a paragraph or a piece of one) and its translation.
    Segment,
    /// A name and its rendering, for the glossary of later issues.
    Name,
}

/// Who wrote a record's target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    Human,
    Model,
}

/// One line of `memory.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// [`VERSION`].
    pub v: u32,
    pub kind: RecordKind,
    pub origin: Origin,
    /// The target language's code ([`language_code`]): `en`.
    pub lang: String,
    /// The issue it was made for (the input's stem) and the segment's id.
    pub issue: String,
    pub id: String,
    pub source: String,
    /// Empty: the segment got no translation (recorded so that an import
    /// knows the segment and its source).
    pub target: String,
    /// A model segment's flags when it was recorded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<crate::qa::Flag>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub repaired: bool,
    /// The model that wrote a model record's target.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub model: String,
}

/// A language's code for file headers and memory keys: `English` → `en`.
/// A name gloss does not know is kept, lowercased (a code given as `--to`
/// stays itself).
pub fn language_code(name: &str) -> String {
    let known = [
        ("english", "en"),
        ("korean", "ko"),
        ("japanese", "ja"),
        ("chinese", "zh"),
        ("german", "de"),
        ("french", "fr"),
        ("spanish", "es"),
        ("the source language", "und"),
    ];
    let lower = name.trim().to_lowercase();
    known
        .iter()
        .find(|(n, _)| *n == lower)
        .map_or(lower.replace(' ', "-"), |(_, c)| c.to_string())
}

/// The records of a memory folder, indexed.
#[derive(Debug, Default)]
struct Store {
    dir: PathBuf,
    /// `lang \u{1f} source` → the latest human record.
    humans: HashMap<String, Record>,
    /// `lang \u{1f} source \u{1f} model` → per issue, the latest model
    /// record that passed every check.
    models: HashMap<String, Vec<Record>>,
    /// `issue \u{1f} id` → the latest segment record of that segment.
    by_id: HashMap<String, Record>,
    /// `issue \u{1f} id` → the latest human record of that segment.
    human_by_id: HashMap<String, Record>,
    /// Human names, in file order.
    names: Vec<Record>,
}

fn text_key(lang: &str, source: &str) -> String {
    format!("{lang}\u{1f}{}", source.trim())
}

fn id_key(issue: &str, id: &str) -> String {
    format!("{issue}\u{1f}{id}")
}

impl Store {
    fn add(&mut self, r: Record) {
        if r.kind == RecordKind::Name {
            if r.origin == Origin::Human && !r.target.trim().is_empty() {
                self.names.push(r.clone());
            }
            self.by_id.insert(id_key(&r.issue, &r.id), r);
            return;
        }
        let key = text_key(&r.lang, &r.source);
        match r.origin {
            Origin::Human if !r.target.trim().is_empty() => {
                self.humans.insert(key, r.clone());
                self.human_by_id.insert(id_key(&r.issue, &r.id), r.clone());
            }
            Origin::Model if !r.target.trim().is_empty() && r.flags.is_empty() => {
                let of_text = self
                    .models
                    .entry(format!("{key}\u{1f}{}", r.model))
                    .or_default();
                of_text.retain(|k| k.issue != r.issue);
                of_text.push(r.clone());
            }
            _ => {}
        }
        self.by_id.insert(id_key(&r.issue, &r.id), r);
    }

    fn load(dir: &Path) -> Store {
        let mut store = Store {
            dir: dir.to_path_buf(),
            ..Default::default()
        };
        let Ok(text) = std::fs::read_to_string(dir.join(FILE)) else {
            return store;
        };
        for line in text.lines() {
            if let Ok(r) = serde_json::from_str::<Record>(line)
                && r.v == VERSION
            {
                store.add(r);
            }
        }
        store
    }
}

/// A translation the memory gives (or is given) for one segment.
#[derive(Debug, Clone, PartialEq)]
pub struct Remembered {
    pub text: String,
    pub flags: Vec<crate::qa::Flag>,
    pub repaired: bool,
    /// A reviewer's (flags are then empty).
    pub human: bool,
}

/// What the memory would answer of an issue (`gloss plan`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Segments it holds.
    pub segments: usize,
    /// Chunks it holds whole: no request for them.
    pub whole_chunks: usize,
}

/// What the memory did in one issue's run.
#[derive(Debug, Default)]
struct Used {
    /// Segments taken from the memory instead of a request.
    reused: usize,
    /// Segments whose text is a human's.
    human: BTreeSet<String>,
}

/// One issue's view of the memory: cheap to clone, shared by its chunks.
#[derive(Debug, Clone, Default)]
pub struct Memory {
    store: Option<Arc<Store>>,
    issue: String,
    lang: String,
    /// The run's model: only its own translations are reused.
    model: String,
    /// Whether model translations are reused (not with `--refresh`).
    models: bool,
    /// Whether this run writes what it translated (not with `--no-cache`).
    writes: bool,
    used: Arc<Mutex<Used>>,
}

impl Memory {
    /// The memory in `dir` for issue `issue` translated into `target_language`.
    pub fn open(dir: &Path, issue: &str, target_language: &str, model: &str, mode: Mode) -> Memory {
        Memory {
            store: Some(Arc::new(Store::load(dir))),
            issue: issue.to_string(),
            lang: language_code(target_language),
            model: model.to_string(),
            models: matches!(mode, Mode::Normal | Mode::RetryFailed),
            writes: mode != Mode::Off,
            used: Default::default(),
        }
    }

    /// The folder, when there is a memory.
    pub fn dir(&self) -> Option<&Path> {
        self.store.as_ref().map(|s| s.dir.as_path())
    }

    fn used(&self) -> std::sync::MutexGuard<'_, Used> {
        self.used.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A human's translation of `source`, if one was imported.
    pub fn human(&self, source: &str) -> Option<&str> {
        let store = self.store.as_ref()?;
        let r = store.humans.get(&text_key(&self.lang, source))?;
        Some(r.target.as_str())
    }

    /// What the memory gives a segment of text `source`: a human's
    /// translation, else (unless `--refresh`) one that this run's model gave
    /// the same text in another issue and that passed every check. Not this
    /// issue's own: a rerun after a glossary or prompt edit asks again for
    /// what the edit touches.
    pub fn recall_one(&self, source: &str) -> Option<Remembered> {
        let store = self.store.as_ref()?;
        let key = text_key(&self.lang, source);
        if let Some(r) = store.humans.get(&key) {
            return Some(Remembered {
                text: r.target.clone(),
                flags: Vec::new(),
                repaired: false,
                human: true,
            });
        }
        if !self.models {
            return None;
        }
        let of_text = store.models.get(&format!("{key}\u{1f}{}", self.model))?;
        let r = of_text.iter().rev().find(|r| r.issue != self.issue)?;
        Some(Remembered {
            text: r.target.clone(),
            flags: r.flags.clone(),
            repaired: r.repaired,
            human: false,
        })
    }

    /// Whether the memory holds anything this run could use.
    pub fn is_empty(&self) -> bool {
        self.store
            .as_ref()
            .is_none_or(|s| s.humans.is_empty() && (!self.models || s.models.is_empty()))
    }

    /// Count `reused` segments taken from the memory, `human` of them a human's.
    pub fn note(&self, reused: usize, human: Vec<String>) {
        let mut used = self.used();
        used.reused += reused;
        used.human.extend(human);
    }

    /// Segments this run took from the memory instead of asking.
    pub fn reused(&self) -> usize {
        self.used().reused
    }

    /// Segment ids whose translation is a human's in this run.
    pub fn human_ids(&self) -> BTreeSet<String> {
        self.used().human.clone()
    }

    /// Add to `coverage` what the memory would answer of `chunks`.
    pub fn cover<'a>(&self, coverage: &mut Coverage, chunks: impl IntoIterator<Item = &'a Chunk>) {
        for chunk in chunks {
            let found = chunk
                .segments
                .iter()
                .filter(|s| self.recall_one(&s.text).is_some())
                .count();
            coverage.segments += found;
            coverage.whole_chunks += (found == chunk.segments.len() && found > 0) as usize;
        }
    }

    /// The names a human fixed in other issues, as glossary terms (the
    /// user's glossary keeps precedence: its terms come first).
    pub fn names(&self) -> Vec<Term> {
        let Some(store) = &self.store else {
            return Vec::new();
        };
        let mut out: Vec<Term> = Vec::new();
        // The latest fix of a name wins.
        for r in store.names.iter().rev() {
            if r.issue == self.issue || r.lang != self.lang {
                continue;
            }
            if out.iter().any(|t| t.source == r.source) {
                continue;
            }
            out.push(Term {
                source: r.source.clone(),
                target: r.target.clone(),
                note: Some(format!("fixed by a reviewer in {}", r.issue)),
                origin: "glossary".into(),
            });
        }
        out
    }

    /// One line per segment of `articles` that a human corrected for an
    /// earlier source text: the correction is not applied to the new text.
    pub fn stale(&self, articles: &[(Article, Vec<Chunk>)]) -> Vec<String> {
        let Some(store) = &self.store else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for s in articles
            .iter()
            .flat_map(|(_, c)| c)
            .flat_map(|c| &c.segments)
        {
            let Some(r) = store.human_by_id.get(&id_key(&self.issue, &s.id)) else {
                continue;
            };
            if r.source.trim() != s.text.trim() && self.human(&s.text).is_none() {
                out.push(format!(
                    "{}: its source changed since a reviewer corrected it; the correction is kept in the memory, not applied to the new text",
                    s.id
                ));
            }
        }
        out
    }

    /// Append what this run translated (model answers; not the segments a
    /// human's text stood for) where the memory does not hold it already.
    pub fn record_run(
        &self,
        articles: &[(Article, Vec<Chunk>)],
        translation: impl Fn(&str) -> Option<Remembered>,
    ) -> Result<()> {
        let Some(store) = self.store.as_ref().filter(|_| self.writes) else {
            return Ok(());
        };
        let human = self.human_ids();
        let mut fresh = Vec::new();
        for s in articles
            .iter()
            .flat_map(|(_, c)| c)
            .flat_map(|c| &c.segments)
        {
            if human.contains(&s.id) {
                continue;
            }
            let t = translation(&s.id);
            let t = t.as_ref();
            let record = Record {
                v: VERSION,
                kind: RecordKind::Segment,
                origin: Origin::Model,
                lang: self.lang.clone(),
                issue: self.issue.clone(),
                id: s.id.clone(),
                source: s.text.clone(),
                target: t.map(|t| t.text.clone()).unwrap_or_default(),
                flags: t.map(|t| t.flags.clone()).unwrap_or_default(),
                repaired: t.is_some_and(|t| t.repaired),
                model: self.model.clone(),
            };
            let known = store.by_id.get(&id_key(&self.issue, &s.id));
            // A human's record for this source stays the latest of the id.
            let human_here = |k: &Record| k.origin == Origin::Human && k.source == s.text;
            if known.is_some_and(|k| human_here(k) || *k == record) {
                continue;
            }
            fresh.push(record);
        }
        append(&store.dir.join(FILE), &fresh)
    }

    /// Note the names of this issue's termbase as exported (`name:<source>`
    /// units), so that an import can tell the ones a reviewer changed.
    pub fn record_names(&self, terms: &[Term]) -> Result<()> {
        let Some(store) = self.store.as_ref().filter(|_| self.writes) else {
            return Ok(());
        };
        let fresh: Vec<Record> = terms
            .iter()
            .map(|t| Record {
                v: VERSION,
                kind: RecordKind::Name,
                origin: Origin::Model,
                lang: self.lang.clone(),
                issue: self.issue.clone(),
                id: name_id(&t.source),
                source: t.source.clone(),
                target: t.target.clone(),
                flags: Vec::new(),
                repaired: false,
                model: self.model.clone(),
            })
            .filter(|r| {
                let known = store.by_id.get(&id_key(&r.issue, &r.id));
                known.is_none_or(|k| k.origin == Origin::Model && k.target != r.target)
            })
            .collect();
        append(&store.dir.join(FILE), &fresh)
    }

    /// The segment record the memory holds for `id` of `issue`.
    pub fn segment(&self, issue: &str, id: &str) -> Option<&Record> {
        self.store.as_ref()?.by_id.get(&id_key(issue, id))
    }

    /// The target the memory's view gives `source` now: a human's, else the
    /// latest record of `issue`'s `id`.
    pub fn current(&self, issue: &str, id: &str, source: &str) -> Option<&str> {
        self.human(source)
            .or_else(|| self.segment(issue, id).map(|r| r.target.as_str()))
    }
}

/// The unit id of a name in a post-editing file: `name:<source>`.
pub fn name_id(source: &str) -> String {
    format!("name:{source}")
}

/// The end-of-run words for the memory: `; 12 segments from the translation
/// memory, 3 of them a reviewer's` (empty when it gave nothing).
pub fn summary(reused: usize, human: usize) -> String {
    match (reused, human) {
        (0, 0) => String::new(),
        (n, 0) => format!("; {n} segments from the translation memory"),
        (n, h) => format!("; {n} segments from the translation memory, {h} a reviewer's"),
    }
}

/// The memory's folder: `given` (`--memory`), else `memory/` in the cache folder.
pub fn folder(given: Option<&Path>, cache_dir: &Path) -> PathBuf {
    given.map_or_else(|| cache_dir.join("memory"), Path::to_path_buf)
}

/// Append `records` to `path` as JSON lines, in one write (the file is
/// opened for appending, so two runs never overwrite each other's lines).
pub fn append(path: &Path, records: &[Record]) -> Result<()> {
    if records.is_empty() {
        return Ok(());
    }
    let err = |e: std::io::Error| GlossError::Output {
        path: path.to_path_buf(),
        source: e,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let mut text = String::new();
    for r in records {
        text.push_str(&serde_json::to_string(r).unwrap_or_default());
        text.push('\n');
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(err)?;
    file.write_all(text.as_bytes()).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(origin: Origin, issue: &str, id: &str, source: &str, target: &str) -> Record {
        Record {
            v: VERSION,
            kind: RecordKind::Segment,
            origin,
            lang: "en".into(),
            issue: issue.into(),
            id: id.into(),
            source: source.into(),
            target: target.into(),
            flags: Vec::new(),
            repaired: false,
            model: "m".into(),
        }
    }

    #[test]
    fn a_human_beats_a_model_and_refresh_keeps_only_humans() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        append(
            &path,
            &[
                record(Origin::Model, "a", "A01.p01", "안녕", "Hello"),
                record(Origin::Model, "a", "A01.p02", "세계", "World"),
                record(Origin::Human, "a", "A01.p02", "세계", "The world"),
            ],
        )
        .unwrap();
        // A torn line is skipped, not fatal.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"v\":1,\"kind\"\n")
            .unwrap();
        let m = Memory::open(dir.path(), "b", "English", "m", Mode::Normal);
        let one = m.recall_one("안녕").unwrap();
        assert_eq!((one.text.as_str(), one.human), ("Hello", false));
        let two = m.recall_one(" 세계 ").unwrap();
        assert_eq!((two.text.as_str(), two.human), ("The world", true));
        let refresh = Memory::open(dir.path(), "b", "English", "m", Mode::Refresh);
        assert!(refresh.recall_one("안녕").is_none());
        assert_eq!(refresh.human("세계"), Some("The world"));
        // Another target language shares nothing.
        let german = Memory::open(dir.path(), "b", "German", "m", Mode::Normal);
        assert!(german.recall_one("안녕").is_none());
    }

    #[test]
    fn a_flagged_model_translation_is_not_reused() {
        let dir = tempfile::tempdir().unwrap();
        let mut flagged = record(Origin::Model, "a", "A01.p01", "3억 원", "3 won");
        flagged.flags.push(crate::qa::Flag {
            kind: crate::qa::FlagKind::Number,
            detail: "300000000 missing".into(),
            term: None,
        });
        append(&dir.path().join(FILE), &[flagged]).unwrap();
        let m = Memory::open(dir.path(), "b", "English", "m", Mode::Normal);
        assert!(m.recall_one("3억 원").is_none());
        assert_eq!(m.segment("a", "A01.p01").unwrap().target, "3 won");
    }

    #[test]
    fn names_feed_other_issues_only() {
        let dir = tempfile::tempdir().unwrap();
        let mut name = record(Origin::Human, "a", "name:삼성", "삼성", "Samsung");
        name.kind = RecordKind::Name;
        append(&dir.path().join(FILE), &[name]).unwrap();
        let same = Memory::open(dir.path(), "a", "English", "m", Mode::Normal);
        assert!(same.names().is_empty());
        let other = Memory::open(dir.path(), "b", "English", "m", Mode::Normal);
        let names = other.names();
        assert_eq!(names.len(), 1);
        assert_eq!(
            (names[0].source.as_str(), names[0].target.as_str()),
            ("삼성", "Samsung")
        );
    }

    #[test]
    fn language_codes() {
        assert_eq!(language_code("English"), "en");
        assert_eq!(language_code("Korean"), "ko");
        assert_eq!(language_code("pt-BR"), "pt-br");
        assert_eq!(language_code("Old Norse"), "old-norse");
    }
}
