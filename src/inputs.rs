//! The issues a command was given: files, folders and glob patterns turned
//! into one sorted list of files, with duplicates refused before anything
//! is read or sent.
//!
//! A folder stands for its `*.txt`, `*.pdf` and `*.md` files (not its
//! sub-folders), sorted by name; a pattern with `*`, `?` or `[…]` that names
//! no existing file is expanded here, for shells that leave it alone (and
//! for Windows). A plain file is kept as given, whatever its name, as a
//! single input always was; a missing one is kept too, so that its issue
//! fails with the usual message and the others go on.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::error::{GlossError, Result};

/// The files in a folder that count as issues.
const ISSUE_EXTENSIONS: [&str; 3] = ["txt", "pdf", "md"];

/// The expanded inputs of one command.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Inputs {
    /// Every issue file, in the order given (folders and patterns sorted).
    pub files: Vec<PathBuf>,
    /// More than one issue was asked for, or a folder or pattern was given:
    /// the run writes an index and a cross-issue brief. One plain file (or
    /// `-`) is a single run, exactly as before.
    pub several: bool,
    /// Links in a folder or pattern that lead outside it, left out (each
    /// was shown as a warning).
    pub skipped: Vec<PathBuf>,
}

/// Expand `args` (files, folders, patterns, or a lone `-`).
pub fn expand(args: &[PathBuf]) -> Result<Inputs> {
    if args.iter().any(|a| a == Path::new("-")) && args.len() > 1 {
        return Err(GlossError::Usage(
            "- (standard input) cannot be combined with other inputs".into(),
        ));
    }
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let mut several = args.len() > 1;
    for arg in args {
        if arg.is_dir() {
            several = true;
            let found = inside(arg, issue_files_in(arg)?, &mut skipped);
            if found.is_empty() {
                return Err(GlossError::Usage(format!(
                    "{}: no .txt, .pdf or .md files in this folder",
                    arg.display()
                )));
            }
            files.extend(found);
        } else if !arg.exists() && is_pattern(&arg.to_string_lossy()) {
            several = true;
            let found = inside(&fixed_prefix(arg), glob(arg), &mut skipped);
            if found.is_empty() {
                return Err(GlossError::Usage(format!(
                    "{}: no file matches this pattern",
                    arg.display()
                )));
            }
            files.extend(found);
        } else {
            files.push(arg.clone());
        }
    }
    refuse_duplicates(&files)?;
    Ok(Inputs {
        files,
        several,
        skipped,
    })
}

/// The `found` files that stay inside `root` once links are followed; the
/// others are moved to `skipped`, each with a warning. A folder or pattern
/// names what is in it: a link in it to `/etc/passwd` would send that file
/// to the endpoint. (A link named on the command line is the user's choice.)
fn inside(root: &Path, found: Vec<PathBuf>, skipped: &mut Vec<PathBuf>) -> Vec<PathBuf> {
    let Ok(root_real) = std::fs::canonicalize(root) else {
        return found;
    };
    found
        .into_iter()
        .filter(|file| {
            let real = std::fs::canonicalize(file);
            let within = real.as_ref().is_ok_and(|r| r.starts_with(&root_real));
            if !within {
                crate::progress::warn(&format!(
                    "{}: skipped: a link that leads outside {} (name it on the command line to read it)",
                    file.display(),
                    root.display()
                ));
                skipped.push(file.clone());
            }
            within
        })
        .collect()
}

/// The folder a pattern's matches must stay in: its components before the
/// first wildcard (`.` when it starts with one).
fn fixed_prefix(pattern: &Path) -> PathBuf {
    let mut prefix = PathBuf::new();
    for component in pattern.components() {
        if is_pattern(&component.as_os_str().to_string_lossy()) {
            break;
        }
        prefix.push(component);
    }
    if prefix.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        prefix
    }
}

/// The folder's issue files, sorted by name.
fn issue_files_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|source| GlossError::InputRead {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && has_issue_extension(p) && !is_hidden(p))
        .collect();
    files.sort();
    Ok(files)
}

/// Dot files (editor back-ups, `.DS_Store`) are no issues.
fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
}

fn has_issue_extension(path: &Path) -> bool {
    path.extension().is_some_and(|e| {
        ISSUE_EXTENSIONS
            .iter()
            .any(|x| e.eq_ignore_ascii_case(std::ffi::OsStr::new(x)))
    })
}

fn is_pattern(text: &str) -> bool {
    text.contains(['*', '?', '['])
}

/// The files matching `pattern`, component by component (no `**`), sorted.
/// Names starting with a dot match only a pattern that starts with one, as
/// in the shell.
fn glob(pattern: &Path) -> Vec<PathBuf> {
    let mut current: Vec<PathBuf> = vec![PathBuf::new()];
    for component in pattern.components() {
        let part = component.as_os_str().to_string_lossy();
        let wild = matches!(component, Component::Normal(_)) && is_pattern(&part);
        let mut next = Vec::new();
        for base in &current {
            if !wild {
                next.push(base.join(component));
                continue;
            }
            let dir = if base.as_os_str().is_empty() {
                Path::new(".")
            } else {
                base.as_path()
            };
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut names: Vec<String> = entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| wildcard_match(&part, n))
                .collect();
            names.sort();
            next.extend(names.into_iter().map(|n| base.join(n)));
        }
        current = next;
    }
    current.into_iter().filter(|p| p.is_file()).collect()
}

/// Shell wildcard matching of one name: `*`, `?`, `[abc]`, `[a-z]`, `[!x]`.
fn wildcard_match(pattern: &str, name: &str) -> bool {
    if name.starts_with('.') && !pattern.starts_with('.') {
        return false;
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // Iterative matching with one backtrack point for the last `*`.
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < n.len() {
        let step = match p.get(i) {
            Some('*') => {
                star = Some((i, j));
                i += 1;
                continue;
            }
            Some('?') => Some(i + 1),
            Some('[') => class_match(&p, i, n[j]),
            Some(c) if *c == n[j] => Some(i + 1),
            _ => None,
        };
        match (step, star) {
            (Some(next), _) => {
                i = next;
                j += 1;
            }
            (None, Some((si, sj))) => {
                i = si + 1;
                j = sj + 1;
                star = Some((si, sj + 1));
            }
            (None, None) => return false,
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

/// Whether `c` is in the class opening at `p[at] == '['`: the index after
/// the class when it is, `None` when not (or the class is not closed, in
/// which case `[` is a literal).
fn class_match(p: &[char], at: usize, c: char) -> Option<usize> {
    let mut k = at + 1;
    let negated = matches!(p.get(k), Some('!' | '^'));
    if negated {
        k += 1;
    }
    let start = k;
    let mut found = false;
    while let Some(&x) = p.get(k) {
        if x == ']' && k > start {
            return (found != negated).then_some(k + 1);
        }
        if p.get(k + 1) == Some(&'-') && p.get(k + 2).is_some_and(|e| *e != ']') {
            found |= (x..=p[k + 2]).contains(&c);
            k += 3;
        } else {
            found |= x == c;
            k += 1;
        }
    }
    // No closing bracket: a literal `[`.
    (c == '[').then_some(at + 1)
}

/// The same file twice, or two files that would write the same output
/// folder (`a/x.txt` and `b/x.pdf` both write OUT/x/), is a usage error.
fn refuse_duplicates(files: &[PathBuf]) -> Result<()> {
    let mut seen: BTreeMap<PathBuf, &Path> = BTreeMap::new();
    let mut folders: BTreeMap<String, &Path> = BTreeMap::new();
    for file in files {
        let real = std::fs::canonicalize(file).unwrap_or_else(|_| file.clone());
        if let Some(first) = seen.insert(real, file) {
            return Err(GlossError::Usage(format!(
                "{} is given twice (also as {}); name each issue once",
                file.display(),
                first.display()
            )));
        }
        if files.len() > 1 {
            let folder = output_folder(file);
            if let Some(first) = folders.insert(folder.clone(), file) {
                return Err(GlossError::Usage(format!(
                    "{} and {} would both write OUT/{folder}/; rename one of them",
                    first.display(),
                    file.display()
                )));
            }
        }
    }
    Ok(())
}

/// The output folder's name for an input file (OUT/<this>/), as the run
/// names it: its sanitized file stem.
pub fn output_folder(file: &Path) -> String {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "input".to_string());
    crate::render::sanitize_file_stem(&stem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_like_the_shell() {
        assert!(wildcard_match("*.txt", "a.txt"));
        assert!(!wildcard_match("*.txt", "a.txt.bak"));
        assert!(wildcard_match("issue-?.pdf", "issue-3.pdf"));
        assert!(!wildcard_match("issue-?.pdf", "issue-33.pdf"));
        assert!(wildcard_match("kiep-*-07*", "kiep-2025-07.txt"));
        assert!(wildcard_match("[ab]*", "b1"));
        assert!(!wildcard_match("[!ab]*", "b1"));
        assert!(wildcard_match("x[0-9].md", "x7.md"));
        assert!(!wildcard_match("x[0-9].md", "xa.md"));
        assert!(wildcard_match("a[b", "a[b"));
        assert!(!wildcard_match("*", ".hidden"));
        assert!(wildcard_match(".*", ".hidden"));
        assert!(wildcard_match("**a", "bba"));
    }

    #[test]
    fn folders_patterns_and_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for name in ["b.txt", "a.pdf", "c.md", "notes.doc", ".hidden.txt"] {
            std::fs::write(d.join(name), "x").unwrap();
        }
        std::fs::create_dir(d.join("sub.txt")).unwrap();
        let got = expand(&[d.to_path_buf()]).unwrap();
        let names: Vec<String> = got
            .files
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.pdf", "b.txt", "c.md"]);
        assert!(got.several);

        let got = expand(&[d.join("*.txt")]).unwrap();
        assert_eq!(got.files, vec![d.join("b.txt")]);
        assert!(got.several);

        let one = expand(&[d.join("b.txt")]).unwrap();
        assert_eq!((one.files.len(), one.several), (1, false));

        let twice = expand(&[d.join("b.txt"), d.join("./b.txt")]);
        assert!(matches!(twice, Err(GlossError::Usage(m)) if m.contains("twice")));
        std::fs::create_dir(d.join("other")).unwrap();
        std::fs::write(d.join("other/b.pdf"), "x").unwrap();
        let clash = expand(&[d.join("b.txt"), d.join("other/b.pdf")]);
        assert!(matches!(clash, Err(GlossError::Usage(m)) if m.contains("OUT/b/")));
        assert!(expand(&[d.join("*.xyz")]).is_err());
        assert!(expand(&[PathBuf::from("-"), d.join("b.txt")]).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn links_leading_out_of_a_folder_or_pattern_are_skipped() {
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("secret.txt");
        std::fs::write(&secret, "private").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("a.txt"), "x").unwrap();
        std::os::unix::fs::symlink(&secret, d.join("x.txt")).unwrap();
        // A link that stays inside the folder is kept.
        std::fs::create_dir(d.join("sub")).unwrap();
        std::fs::write(d.join("sub/real.txt"), "y").unwrap();
        std::os::unix::fs::symlink(d.join("sub/real.txt"), d.join("b.txt")).unwrap();
        let got = expand(&[d.to_path_buf()]).unwrap();
        assert_eq!(got.files, vec![d.join("a.txt"), d.join("b.txt")]);
        assert_eq!(got.skipped, vec![d.join("x.txt")]);
        let got = expand(&[d.join("*.txt")]).unwrap();
        assert_eq!(got.files, vec![d.join("a.txt"), d.join("b.txt")]);
        assert_eq!(got.skipped, vec![d.join("x.txt")]);
        // Named on the command line, it is read.
        let got = expand(&[d.join("x.txt")]).unwrap();
        assert_eq!(got.files, vec![d.join("x.txt")]);
        assert!(got.skipped.is_empty());
        assert_eq!(fixed_prefix(Path::new("a/b/*.txt")), PathBuf::from("a/b"));
        assert_eq!(fixed_prefix(Path::new("*/x.txt")), PathBuf::from("."));
    }
}
