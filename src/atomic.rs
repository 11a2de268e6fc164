//! The one way gloss writes a file: through a temp file in the same folder
//! and a rename, so a reader (or a rerun after a crash or Ctrl-C) never sees
//! half a file.

use std::io::Write;
use std::path::Path;

/// Who may read the file written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// 0600: cache entries and markers, which hold model answers.
    Private,
    /// 0666 minus the umask, like any file the user's tools write: outputs.
    Umask,
}

/// Write `bytes` to `path` atomically (same-folder temp file, then rename).
pub fn write(path: &Path, bytes: &[u8], access: Access) -> std::io::Result<()> {
    write_with(path, access, |out| out.write_all(bytes))
}

/// Write what `fill` produces to `path` atomically, buffered, so a large
/// file is streamed rather than built in memory first.
pub fn write_with(
    path: &Path,
    access: Access,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    if access == Access::Umask {
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    {
        let mut out = std::io::BufWriter::new(&mut tmp);
        fill(&mut out)?;
        out.flush()?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("out.txt");
        write(&path, b"first", Access::Umask).expect("write");
        write(&path, b"second", Access::Umask).expect("rewrite");
        assert_eq!(std::fs::read(&path).expect("read"), b"second");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["out.txt"]);
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("entry.json");
        write(&path, b"{}", Access::Private).expect("write");
        let mode = std::fs::metadata(&path).expect("stat").permissions().mode();
        assert_eq!(mode & 0o077, 0, "group/other bits set: {mode:o}");
    }
}
