//! Reading a PDF in a child process of gloss, so that a file the library
//! cannot cope with costs one issue, never the run.
//!
//! The library recurses and loops where a hostile file says so; [`super::guard`]
//! checks the known shapes first, and this process boundary bounds the rest:
//! the child gets a memory limit, a CPU-time limit and a large stack, the
//! parent a wall-clock limit, and whatever ends the child (stack overflow,
//! allocation failure, the clock) becomes one line naming the file and the
//! cause. The binary switches it on ([`isolate_with`]); without it (library
//! tests, embedders) PDFs are read in-process. Cost: one process start per
//! PDF (~10–30 ms) and the glyphs sent back as JSON (docs/pdf-reader.md).

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::guard::{self, Problem};
use super::lines::{Glyph, PageGlyphs};
use super::reader::{self, PdfContent};
use crate::error::{GlossError, Result};
use crate::load::OutlineEntry;

/// The hidden first argument that makes the gloss binary a PDF reader child.
pub const CHILD_ARG: &str = "__read-pdf";

/// The reader thread's stack: the library's recursion on nested objects
/// overflowed the default 8 MB at about 5,000 levels.
pub const STACK_BYTES: usize = 256 * 1024 * 1024;

/// The child's memory (data segment and private mappings) besides the
/// stack: real issues read in under 100 MB (docs/pdf-reader.md).
pub const MEMORY_BYTES: u64 = 384 * 1024 * 1024;

/// Wall-clock limit per PDF unless `GLOSS_PDF_TIME_LIMIT` (seconds) says
/// otherwise: 148 real pages read in 0.64 s.
pub const TIME_LIMIT: Duration = Duration::from_secs(30);

static HELPER: OnceLock<PathBuf> = OnceLock::new();

/// Read PDFs in child processes of `exe` (the gloss binary itself) from now on.
pub fn isolate_with(exe: PathBuf) {
    let _ = HELPER.set(exe);
}

/// Read a PDF: in a child process when [`isolate_with`] was called, else here.
pub fn read(name: &str, bytes: &[u8]) -> Result<PdfContent> {
    match HELPER.get() {
        Some(exe) => read_in(exe, &[CHILD_ARG], name, bytes, time_limit()),
        None => reader::read(name, bytes),
    }
}

fn time_limit() -> Duration {
    std::env::var("GLOSS_PDF_TIME_LIMIT")
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(TIME_LIMIT, Duration::from_secs_f64)
}

/// What the child sends back on stdout.
#[derive(serde::Serialize, serde::Deserialize)]
enum Reply {
    Read {
        pages: Vec<WirePage>,
        outline: Vec<(String, Option<u32>, u8)>,
        warnings: Vec<String>,
        image_pages: usize,
        truncated: bool,
    },
    Encrypted,
    NoPages,
    Damaged(String),
    Problem(Problem),
}

/// A page as (number, width, height, glyphs as text, x, baseline, width, size, bold).
type WirePage = (u32, f32, f32, Vec<(String, f32, f32, f32, f32, bool)>);

/// Run `exe args…` as the reader child of `bytes`, within `limit` of wall
/// time; public within the crate so tests can stand in any program.
pub(crate) fn read_in(
    exe: &std::path::Path,
    args: &[&str],
    name: &str,
    bytes: &[u8],
    limit: Duration,
) -> Result<PdfContent> {
    let budget_mb = guard::decoded_budget(bytes.len()).div_ceil(1024 * 1024);
    let mut child = Command::new(exe)
        .args(args)
        .env("PDF_OXIDE_MAX_DECOMPRESS_MB", budget_mb.to_string())
        .env(
            "GLOSS_PDF_CPU_LIMIT",
            limit.as_secs().saturating_add(2).to_string(),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| crashed(name, format!("cannot start the PDF reader: {e}")))?;
    let mut stdin = child.stdin.take();
    let input = bytes.to_vec();
    let writer = std::thread::spawn(move || {
        if let Some(mut s) = stdin.take() {
            // A child that dies early closes the pipe: its exit says why.
            let _ = s.write_all(&input);
        }
    });
    let out = child
        .stdout
        .take()
        .map(|s| std::thread::spawn(move || drain(s, usize::MAX)));
    let err = child
        .stderr
        .take()
        .map(|s| std::thread::spawn(move || drain(s, 64 * 1024)));
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if start.elapsed() >= limit => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(crashed(name, format!("lost the PDF reader: {e}"))),
        }
    };
    let Some(status) = status else {
        // The pipes' threads are left to end when the pipes close: a
        // grandchild may hold them open.
        return Err(GlossError::PdfTimedOut {
            name: name.to_string(),
            seconds: limit.as_secs_f64(),
        });
    };
    let _ = writer.join();
    let stdout = out.and_then(|t| t.join().ok()).unwrap_or_default();
    let stderr = err.and_then(|t| t.join().ok()).unwrap_or_default();
    if status.success()
        && let Ok(reply) = serde_json::from_slice::<Reply>(&stdout)
    {
        return from_reply(name, reply);
    }
    Err(why_it_died(name, &String::from_utf8_lossy(&stderr)))
}

fn drain(mut source: impl Read, cap: usize) -> Vec<u8> {
    let mut buf = Vec::new();
    let _ = source.by_ref().take(cap as u64).read_to_end(&mut buf);
    // Keep reading past the cap so the child never blocks on a full pipe.
    let _ = std::io::copy(&mut source, &mut std::io::sink());
    buf
}

/// The error for a child that ended without a reply, from what it printed.
fn why_it_died(name: &str, stderr: &str) -> GlossError {
    let name = name.to_string();
    if stderr.contains("overflowed its stack") {
        return GlossError::PdfTooDeep {
            name,
            detail: format!(
                "its objects nest deeper than the reader's {} MB stack holds",
                STACK_BYTES >> 20
            ),
        };
    }
    if stderr.contains("memory allocation of") || stderr.contains("capacity overflow") {
        return GlossError::PdfTooLarge {
            name,
            detail: format!("reading it needs over {} MB of memory", MEMORY_BYTES >> 20),
        };
    }
    if stderr.contains("CPU time limit") {
        return GlossError::PdfTimedOut {
            name,
            seconds: time_limit().as_secs_f64(),
        };
    }
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("it ended without a word");
    crashed(
        &name,
        format!("the PDF reader failed: {}", reader::one_line(last)),
    )
}

fn crashed(name: &str, detail: String) -> GlossError {
    GlossError::PdfDamaged {
        name: name.to_string(),
        detail,
    }
}

fn from_reply(name: &str, reply: Reply) -> Result<PdfContent> {
    let name = name.to_string();
    match reply {
        Reply::Read {
            pages,
            outline,
            warnings,
            image_pages,
            truncated,
        } => Ok(PdfContent {
            pages: pages
                .into_iter()
                .map(|(number, width, height, glyphs)| PageGlyphs {
                    number,
                    width,
                    height,
                    glyphs: glyphs
                        .into_iter()
                        .map(|(text, x, baseline, width, size, bold)| Glyph {
                            text,
                            x,
                            baseline,
                            width,
                            size,
                            bold,
                        })
                        .collect(),
                })
                .collect(),
            outline: outline
                .into_iter()
                .map(|(title, page, level)| OutlineEntry { title, page, level })
                .collect(),
            warnings,
            image_pages,
            truncated,
        }),
        Reply::Encrypted => Err(GlossError::PdfEncrypted { name }),
        Reply::NoPages => Err(GlossError::PdfNoPages { name }),
        Reply::Damaged(detail) => Err(GlossError::PdfDamaged { name, detail }),
        Reply::Problem(p) => Err(super::problem_error(&name, p)),
    }
}

fn to_reply(result: Result<PdfContent>) -> Reply {
    match result {
        Ok(c) => Reply::Read {
            pages: c
                .pages
                .into_iter()
                .map(|p| {
                    let glyphs = p
                        .glyphs
                        .into_iter()
                        .map(|g| (g.text, g.x, g.baseline, g.width, g.size, g.bold))
                        .collect();
                    (p.number, p.width, p.height, glyphs)
                })
                .collect(),
            outline: c
                .outline
                .into_iter()
                .map(|e| (e.title, e.page, e.level))
                .collect(),
            warnings: c.warnings,
            image_pages: c.image_pages,
            truncated: c.truncated,
        },
        Err(GlossError::PdfEncrypted { .. }) => Reply::Encrypted,
        Err(GlossError::PdfNoPages { .. }) => Reply::NoPages,
        Err(GlossError::PdfLoop { detail, .. }) => Reply::Problem(Problem::Loop(detail)),
        Err(GlossError::PdfTooDeep { detail, .. }) => Reply::Problem(Problem::TooDeep(detail)),
        Err(GlossError::PdfTooLarge { detail, .. }) => Reply::Problem(Problem::TooLarge(detail)),
        Err(GlossError::PdfDamaged { detail, .. }) => Reply::Damaged(detail),
        Err(other) => Reply::Damaged(reader::one_line(&other.to_string())),
    }
}

/// The child's side: limit itself, read the PDF on stdin on a thread with
/// a large stack, write the reply to stdout. Returns the exit code.
pub fn child_main() -> i32 {
    limit_self();
    let mut bytes = Vec::new();
    if std::io::stdin().read_to_end(&mut bytes).is_err() {
        return 2;
    }
    let reader = std::thread::Builder::new()
        .name("pdf-reader".into())
        .stack_size(STACK_BYTES)
        .spawn(move || to_reply(reader::read("-", &bytes)));
    let reply = match reader.map(|t| t.join()) {
        Ok(Ok(reply)) => reply,
        _ => return 3,
    };
    let mut out = std::io::stdout().lock();
    let written = serde_json::to_writer(&mut out, &reply).map_err(std::io::Error::from);
    match written.and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(_) => 2,
    }
}

/// Set the child's own memory and CPU limits (Unix; elsewhere only the
/// parent's clock bounds it).
#[cfg(unix)]
fn limit_self() {
    let cpu = std::env::var("GLOSS_PDF_CPU_LIMIT")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(TIME_LIMIT.as_secs() + 2);
    let data = MEMORY_BYTES + STACK_BYTES as u64;
    for (resource, value) in [(libc::RLIMIT_DATA, data), (libc::RLIMIT_CPU, cpu)] {
        let limit = libc::rlimit {
            rlim_cur: value as libc::rlim_t,
            rlim_max: value as libc::rlim_t,
        };
        // SAFETY: setrlimit reads a valid rlimit struct and changes only
        // this process's limits; a failure leaves the parent's clock.
        unsafe {
            libc::setrlimit(resource, &limit);
        }
    }
}

#[cfg(not(unix))]
fn limit_self() {}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, limit: Duration) -> GlossError {
        read_in(
            std::path::Path::new("/bin/sh"),
            &["-c", script],
            "x.pdf",
            b"%PDF-1.4",
            limit,
        )
        .map(|_| ())
        .unwrap_err()
    }

    #[test]
    fn a_reader_that_hangs_is_stopped_at_the_limit() {
        let start = Instant::now();
        let err = sh("sleep 20", Duration::from_millis(300));
        assert!(matches!(err, GlossError::PdfTimedOut { .. }), "{err}");
        assert!(start.elapsed() < Duration::from_secs(5));
        assert!(err.to_string().starts_with("x.pdf: "), "{err}");
    }

    #[test]
    fn how_the_reader_died_names_the_cause() {
        let long = Duration::from_secs(20);
        let err = sh(
            "cat >/dev/null; echo \"thread 'pdf-reader' has overflowed its stack\" >&2; kill -ABRT $$",
            long,
        );
        assert!(matches!(err, GlossError::PdfTooDeep { .. }), "{err}");
        let err = sh(
            "cat >/dev/null; echo 'memory allocation of 4294967296 bytes failed' >&2; exit 134",
            long,
        );
        assert!(matches!(err, GlossError::PdfTooLarge { .. }), "{err}");
        let err = sh(
            "cat >/dev/null; printf 'boom\\033[2J\\n' >&2; exit 101",
            long,
        );
        let text = err.to_string();
        assert!(text.contains("boom"), "{text}");
        assert!(!text.contains('\u{1b}'), "{text}");
    }
}
