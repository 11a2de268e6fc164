//! `gloss cache clear` / `prune` through the real binary, on folders that
//! hold more than gloss's entries: only files that are entries by name
//! (`v1/ab/ab…(64 hex).json`) and by content are removed, a folder without
//! gloss's `CACHEDIR.TAG` is refused unless it holds nothing but entries,
//! and the counts printed are the files actually removed and left.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use assert_cmd::cargo::cargo_bin_cmd;
use gloss::cache::{Cache, CacheKey, Mode, TAG_FILE};
use gloss::llm::{ChatMessage, ChatRequest, Role};
use tempfile::TempDir;

/// Files that look like cache content but are not gloss's entries, relative
/// to the cache folder: a note in a shard, a README, a JSON file with the
/// entry name shape but foreign content, an entry-shaped name in the wrong
/// shard, and a file outside `v1/`.
fn foreign_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let hash = format!("ab{}", "0".repeat(62));
    let files = [
        ("v1/ab/notes.json".to_string(), br#"{"format":1}"#.to_vec()),
        ("v1/README".to_string(), b"project notes\n".to_vec()),
        (
            format!("v1/ab/{hash}.json"),
            br#"{"name":"my project","version":3}"#.to_vec(),
        ),
        (format!("v1/cd/{hash}.json"), entry_bytes()),
        ("keep.txt".to_string(), b"outside v1\n".to_vec()),
    ];
    files
        .into_iter()
        .map(|(rel, bytes)| {
            let path = dir.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &bytes).unwrap();
            (path, bytes)
        })
        .collect()
}

/// The bytes of a real entry (written by the library, then read back).
fn entry_bytes() -> Vec<u8> {
    let dir = TempDir::new().unwrap();
    let (cache, keys) = cache_with_entries(dir.path(), 1);
    std::fs::read(entry_path(&cache, &keys[0])).unwrap()
}

/// A cache in `dir` with `n` entries written by gloss itself.
fn cache_with_entries(dir: &Path, n: usize) -> (Cache, Vec<CacheKey>) {
    let cache = Cache::new(dir, Mode::Normal);
    let keys: Vec<CacheKey> = (0..n)
        .map(|i| {
            let key = CacheKey::reply(&ChatRequest {
                model: "model".into(),
                messages: vec![ChatMessage::new(Role::User, format!("text {i}"))],
                temperature: 0.0,
                max_tokens: 100,
                stream: false,
            });
            cache
                .put(&key, Some("model"), None, &format!("answer {i}"))
                .unwrap();
            key
        })
        .collect();
    (cache, keys)
}

fn entry_path(cache: &Cache, key: &CacheKey) -> PathBuf {
    let k = key.as_str();
    cache.root().join(&k[..2]).join(format!("{k}.json"))
}

/// `gloss cache ARGS --cache-dir DIR` run in `cwd`, with no config of the
/// user's or the environment's: (exit code, stdout, stderr).
fn gloss_cache(cwd: &Path, dir: &Path, args: &[&str]) -> (i32, String, String) {
    let home = TempDir::new().unwrap();
    let out = cargo_bin_cmd!("gloss")
        .current_dir(cwd)
        .env("XDG_CONFIG_HOME", home.path())
        .env_remove("GLOSS_CACHE_DIR")
        .arg("cache")
        .args(args)
        .arg("--cache-dir")
        .arg(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_untouched(files: &[(PathBuf, Vec<u8>)]) {
    for (path, bytes) in files {
        assert_eq!(
            std::fs::read(path).ok().as_ref(),
            Some(bytes),
            "{} was changed or removed",
            path.display()
        );
    }
}

#[test]
fn clear_removes_only_entries_and_counts_both() {
    let dir = TempDir::new().unwrap();
    let (cache, keys) = cache_with_entries(dir.path(), 3);
    let foreign = foreign_files(dir.path());
    let (code, stdout, stderr) = gloss_cache(dir.path(), dir.path(), &["clear"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("removed 3 entries from "),
        "stdout: {stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "left {} files that are not gloss entries",
            foreign.len() - 1
        )),
        "the 4 foreign files below v1 are reported: {stdout}"
    );
    for key in &keys {
        assert!(!entry_path(&cache, key).exists());
    }
    assert_untouched(&foreign);
    assert!(dir.path().join(TAG_FILE).exists(), "the tag stays");
}

#[test]
fn prune_removes_only_old_entries() {
    let dir = TempDir::new().unwrap();
    let (cache, keys) = cache_with_entries(dir.path(), 3);
    let foreign = foreign_files(dir.path());
    let old = SystemTime::now() - Duration::from_secs(3 * 86_400);
    std::fs::File::options()
        .write(true)
        .open(entry_path(&cache, &keys[1]))
        .unwrap()
        .set_modified(old)
        .unwrap();
    // Foreign files as old as the old entry are still not touched.
    for (path, _) in &foreign {
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    let (code, stdout, stderr) =
        gloss_cache(dir.path(), dir.path(), &["prune", "--older-than", "1"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("removed 1 entries older than 1 days from "),
        "{stdout}"
    );
    assert!(stdout.contains("kept 2"), "{stdout}");
    assert!(!entry_path(&cache, &keys[1]).exists());
    assert!(entry_path(&cache, &keys[0]).exists());
    assert!(entry_path(&cache, &keys[2]).exists());
    assert_untouched(&foreign);
}

#[test]
fn a_folder_without_the_tag_is_refused() {
    // `--cache-dir .` in a project that happens to have a `v1/` folder.
    let project = TempDir::new().unwrap();
    let foreign = foreign_files(project.path());
    for args in [&["clear"][..], &["prune", "--older-than", "0"]] {
        let (code, stdout, stderr) = gloss_cache(project.path(), Path::new("."), args);
        assert_eq!(code, 1, "{args:?}: {stdout}{stderr}");
        assert_eq!(stdout, "", "{args:?}");
        assert_eq!(
            stderr,
            "gloss: error: cache .: not a gloss cache (no CACHEDIR.TAG written by gloss), nothing removed; \
             pass the folder gloss caches in (see `gloss cache stats`), or delete it yourself\n",
            "{args:?}"
        );
        assert_untouched(&foreign);
        assert!(!project.path().join(TAG_FILE).exists());
    }
}

#[test]
fn a_foreign_tag_does_not_make_a_gloss_cache() {
    let dir = TempDir::new().unwrap();
    let (cache, keys) = cache_with_entries(dir.path(), 1);
    // Another tool's tag: the right signature, but not written by gloss.
    std::fs::write(
        dir.path().join(TAG_FILE),
        "Signature: 8a477f597d28d172789f06886806bc55\n# created by othertool\n",
    )
    .unwrap();
    let foreign = foreign_files(dir.path());
    let (code, _, stderr) = gloss_cache(dir.path(), dir.path(), &["clear"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(entry_path(&cache, &keys[0]).exists());
    assert_untouched(&foreign);
}

#[test]
fn an_untagged_cache_of_only_entries_is_adopted() {
    // A cache written before gloss tagged its folders.
    let dir = TempDir::new().unwrap();
    let (cache, keys) = cache_with_entries(dir.path(), 2);
    std::fs::remove_file(dir.path().join(TAG_FILE)).unwrap();
    let (code, stdout, stderr) = gloss_cache(dir.path(), dir.path(), &["clear"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("removed 2 entries from "), "{stdout}");
    assert!(stdout.contains("tagged it"), "{stdout}");
    assert!(dir.path().join(TAG_FILE).exists());
    for key in &keys {
        assert!(!entry_path(&cache, key).exists());
    }
}

#[test]
fn an_untagged_cache_with_anything_else_is_refused_whole() {
    let dir = TempDir::new().unwrap();
    let (cache, keys) = cache_with_entries(dir.path(), 2);
    std::fs::remove_file(dir.path().join(TAG_FILE)).unwrap();
    let readme = dir.path().join("v1/README");
    std::fs::write(&readme, "mine").unwrap();
    let (code, _, stderr) = gloss_cache(dir.path(), dir.path(), &["clear"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("not a gloss cache"), "{stderr}");
    for key in &keys {
        assert!(entry_path(&cache, key).exists(), "no entry removed either");
    }
    assert!(readme.exists());
}

#[cfg(unix)]
#[test]
fn symlinks_are_never_followed() {
    let dir = TempDir::new().unwrap();
    let outside = TempDir::new().unwrap();
    let (_cache, _keys) = cache_with_entries(dir.path(), 1);
    // A real entry's bytes outside the cache, reachable through a link in
    // entry shape and through a linked shard folder.
    let hash = format!("ef{}", "1".repeat(62));
    let target = outside.path().join(format!("{hash}.json"));
    std::fs::write(&target, entry_bytes()).unwrap();
    std::fs::create_dir_all(dir.path().join("v1/ef")).unwrap();
    std::os::unix::fs::symlink(&target, dir.path().join(format!("v1/ef/{hash}.json"))).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("v1/11")).unwrap();
    let (code, stdout, stderr) = gloss_cache(dir.path(), dir.path(), &["clear"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("removed 1 entries"), "{stdout}");
    assert!(target.exists());
    assert!(dir.path().join("v1/11").exists());
}

#[test]
fn stats_counts_entries_and_foreign_files_apart() {
    let dir = TempDir::new().unwrap();
    cache_with_entries(dir.path(), 2);
    foreign_files(dir.path());
    let (code, stdout, stderr) = gloss_cache(dir.path(), dir.path(), &["stats", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let stats: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(stats["entries"], 2);
    assert_eq!(stats["foreign"], 4);
    assert_eq!(stats["by_kind"]["translate-reply"], 2);
}
