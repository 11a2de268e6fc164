//! The temp workspace the end-to-end tests (translate, run, quality) run
//! the real `gloss` binary in, and the helpers they share to read what it
//! wrote.
//!
//! A [`Workspace`] is a temp dir holding a `gloss.toml` (written by the
//! test's own config function, pointed at the workspace's [`MockServer`]),
//! an `xdg` folder that stands in for the user config, a `cache` and an
//! `out` folder. [`plan_seed`] makes the sample's chunk plans once per test
//! binary, so that [`seed_plans`] can spare each run the
//! tokenizer's start-up.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

use super::{MockServer, mock_translation};

/// The environment variable the tests' key-bearing profiles name; always
/// removed from the binary's environment unless a test sets it.
pub const KEY_VAR: &str = "GLOSS_TEST_KEY";

/// The output folder's name for the sample (OUT/<stem>/).
pub const STEM: &str = "trendwatch-2023-22";

/// The digest files of one issue, in the order [`Workspace::outputs`] reads them.
pub const DIGEST_FILES: [&str; 3] = ["digest.md", "digest.html", "digest.json"];

pub fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/trendwatch-2023-22.txt")
}

/// A cache folder holding the chunk plans (`plan` entries) of every article
/// of the sample for profile `mock` at the default budget, made once per
/// test binary by `gloss plan` with the `gloss.toml` that `config` writes
/// (given an unreachable base URL). `name` tags the folder under
/// CARGO_TARGET_TMPDIR (`<name>-plan-seed-<pid>`); the first call decides
/// both. The translate entries, which the tests are about, are never seeded.
pub fn plan_seed(name: &str, config: impl FnOnce(&str) -> String) -> &'static Path {
    static SEED: OnceLock<PathBuf> = OnceLock::new();
    SEED.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let prefix = format!("{name}-plan-seed-");
        // Leftovers of earlier runs of this test binary.
        if let Ok(entries) = std::fs::read_dir(root) {
            for e in entries.flatten() {
                let stale = e.file_name().to_string_lossy().starts_with(&prefix)
                    && e.metadata()
                        .and_then(|m| m.modified())
                        .is_ok_and(|t| t.elapsed().unwrap_or_default() > Duration::from_secs(3600));
                if stale {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        let dir = root.join(format!("{prefix}{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("xdg")).unwrap();
        std::fs::write(dir.join("gloss.toml"), config("http://127.0.0.1:9/v1")).unwrap();
        let out = Command::new(assert_cmd::cargo::cargo_bin!("gloss"))
            .current_dir(&dir)
            .env("XDG_CONFIG_HOME", dir.join("xdg"))
            .env("GLOSS_CACHE_DIR", dir.join("cache"))
            .env_remove("OPENAI_BASE_URL")
            .arg("plan")
            .arg(sample())
            .args(["--profile", "mock", "--json"])
            .output()
            .expect("gloss plan");
        assert_ok(&out);
        dir.join("cache")
    })
}

/// A temp workspace (gloss.toml, xdg, cache, out) with its own mock server.
pub struct Workspace {
    pub dir: tempfile::TempDir,
    pub mock: MockServer,
}

impl Workspace {
    /// A workspace with an empty cache whose `gloss.toml` is `config` of the
    /// mock's base URL.
    pub fn start(config: impl FnOnce(&str) -> String) -> Self {
        let mock = MockServer::start_blocking();
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("gloss.toml"), config(&mock.base_url))
            .expect("write gloss.toml");
        std::fs::create_dir_all(dir.path().join("xdg")).expect("xdg dir");
        Workspace { dir, mock }
    }

    /// A workspace whose cache already holds the sample's chunk plans (see
    /// [`plan_seed`]), so runs skip building the tokenizer.
    pub fn seeded(name: &str, config: fn(&str) -> String) -> Self {
        let ws = Self::start(config);
        seed_plans(plan_seed(name, config), &ws.cache());
        ws
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Trust this workspace's gloss.toml, as a user would whose own setup it
    /// is: list the folder in the user config's `trusted_workspaces`.
    pub fn trust(&self) {
        let dir = self.path().join("xdg/gloss");
        std::fs::create_dir_all(&dir).expect("user config dir");
        std::fs::write(
            dir.join("config.toml"),
            format!(
                "trusted_workspaces = [{:?}]\n",
                self.path().display().to_string()
            ),
        )
        .expect("write user config");
    }

    pub fn cache(&self) -> PathBuf {
        self.path().join("cache")
    }

    pub fn out(&self) -> PathBuf {
        self.path().join("out")
    }

    pub fn out_dir(&self) -> PathBuf {
        self.out().join(STEM)
    }

    /// The gloss binary with a clean environment: no OpenAI variables, no
    /// $GLOSS_TEST_KEY, no user config (XDG_CONFIG_HOME points into the temp
    /// dir), this cache.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("gloss"));
        cmd.current_dir(self.path())
            .env_remove("OPENAI_API_KEY")
            .env_remove("OPENAI_BASE_URL")
            .env_remove("OPENAI_ORG_ID")
            .env_remove("OPENAI_PROJECT_ID")
            .env_remove(KEY_VAR)
            .env("XDG_CONFIG_HOME", self.path().join("xdg"))
            .env("GLOSS_CACHE_DIR", self.cache())
            .env("GLOSS_DATA_DIR", self.path().join("data"))
            .env_remove("GLOSS_PROFILE")
            .env_remove("GLOSS_MODEL")
            // No timed progress lines in stderr a test reads (one test
            // asks for them).
            .env("GLOSS_PROGRESS_SECS", "0")
            .stdin(Stdio::null());
        cmd
    }

    /// The file `name` of the output folder, as text.
    pub fn read(&self, name: &str) -> String {
        let path = self.out_dir().join(name);
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{} not written: {e}", path.display()))
    }

    /// The file `name` of the output folder, as JSON.
    pub fn json(&self, name: &str) -> Value {
        serde_json::from_str(&self.read(name)).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"))
    }

    /// The files `names` of the output folder, byte for byte.
    pub fn outputs(&self, names: &[&str]) -> Vec<(String, Vec<u8>)> {
        names
            .iter()
            .map(|name| {
                let path = self.out_dir().join(name);
                let bytes = std::fs::read(&path)
                    .unwrap_or_else(|e| panic!("{} not written: {e}", path.display()));
                (name.to_string(), bytes)
            })
            .collect()
    }

    /// Cache entries of kind `translate`, as (file, entry).
    pub fn translate_entries(&self) -> Vec<(PathBuf, Value)> {
        let mut out = Vec::new();
        for file in files_under(&self.cache()) {
            if file.extension().is_none_or(|x| x != "json") {
                continue;
            }
            let Ok(entry) = serde_json::from_slice::<Value>(&std::fs::read(&file).unwrap()) else {
                continue;
            };
            if entry["kind"] == "translate" {
                out.push((file, entry));
            }
        }
        out
    }
}

/// Copy the entries of `seed` (see [`plan_seed`]) into `cache`.
pub fn seed_plans(seed: &Path, cache: &Path) {
    let files = files_under(seed);
    assert!(!files.is_empty(), "gloss plan cached no plans");
    for file in files {
        let target = cache.join(file.strip_prefix(seed).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&file, &target).unwrap();
    }
}

pub fn read_json(path: &Path) -> Value {
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Every file below `dir` (none when it does not exist).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[track_caller]
pub fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "gloss failed ({:?})\nstdout:\n{}\nstderr:\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
}

#[track_caller]
pub fn stdout_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            text(&out.stdout),
            text(&out.stderr)
        )
    })
}

/// The totals of a successful run, from the JSON `--json` prints.
#[track_caller]
pub fn totals(out: &Output) -> Value {
    assert_ok(out);
    stdout_json(out)["totals"].clone()
}

/// `gloss parse FILE --json`.
pub fn parse_json(ws: &Workspace, input: &Path) -> Value {
    let out = ws
        .cmd()
        .arg("parse")
        .arg(input)
        .arg("--json")
        .output()
        .expect("run gloss parse");
    assert_ok(&out);
    serde_json::from_slice(&out.stdout).expect("parse --json is JSON")
}

/// The mock's translation of `source` as the translation prompt shows it:
/// Korean amounts and short years as English figures, by the tests' own
/// reader ([`super::figures::prompt_form`]), not gloss's.
pub fn expected_translation(source: &str) -> String {
    mock_translation(&super::figures::prompt_form(source))
}

/// Segments per chunk, per article, from a run's manifest.
pub fn chunk_layout(manifest: &Value) -> BTreeMap<String, Vec<u64>> {
    let mut layout: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for c in manifest["chunks"].as_array().unwrap() {
        layout
            .entry(c["article"].as_str().unwrap().to_string())
            .or_default()
            .push(c["segments"].as_u64().unwrap());
    }
    layout
}

/// Every title and paragraph text of `gloss parse --json` output, in order.
pub fn all_texts(parsed: &Value) -> Vec<&str> {
    parsed["articles"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| {
            std::iter::once(a["title"].as_str().unwrap()).chain(
                a["paragraphs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["text"].as_str().unwrap()),
            )
        })
        .collect()
}

/// `word` with every syllable's initial consonant shifted (가 → 까): same
/// length, different text, so an edit changes one chunk and nothing else.
pub fn shifted_word(word: &str) -> String {
    let replacement: String = word
        .chars()
        .map(|c| {
            char::from_u32(c as u32 + 588)
                .filter(|n| *n <= '\u{D7A3}')
                .unwrap_or('가')
        })
        .collect();
    assert_ne!(replacement, word);
    replacement
}

pub fn is_hangul_word(w: &str) -> bool {
    w.chars().count() >= 2 && w.chars().all(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c))
}

pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The `mock` profile most tests run against (a short timeout, two
/// attempts, a context large enough for a one-request brief), with `extra`
/// TOML appended: more profile fields first, then other tables.
pub fn mock_profile_toml(url: &str, extra: &str) -> String {
    format!(
        "[profiles.mock]\nbase_url = \"{url}\"\nmodel = \"mock-model\"\ntimeout_secs = 5\nmax_attempts = 2\ncontext_window = 128000\n{extra}"
    )
}
