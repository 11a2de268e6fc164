//! The library's error type: one enum, each variant carrying the context a
//! user needs to act on it. The binary turns these into one-line messages.

use std::path::PathBuf;

/// Everything that can go wrong inside gloss's library part.
#[derive(Debug, thiserror::Error)]
pub enum GlossError {
    /// The input path does not exist.
    #[error("{path}: no such file (check the path, or pass - to read standard input)")]
    InputMissing { path: PathBuf },

    /// A file other than the input that the user named does not exist.
    #[error("{path}: no such file ({hint})")]
    FileMissing { path: PathBuf, hint: &'static str },

    /// A file other than the input that the user named (a glossary, a
    /// reviewed export) is not what it should be.
    #[error("{path}: {message}")]
    FileInvalid { path: PathBuf, message: String },

    /// The input path is a directory, not a file.
    #[error("{path}: is a directory, not a file (pass the issue's .txt or .pdf file)")]
    InputIsDirectory { path: PathBuf },

    /// The input could not be read.
    #[error("{path}: cannot read: {source}")]
    InputRead {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The input holds no text.
    #[error("{name}: input is empty (nothing to parse)")]
    InputEmpty { name: String },

    /// The input looks like a binary file rather than text.
    #[error(
        "{name}: looks like a binary file ({what} at offset {offset}); gloss reads text and PDF files"
    )]
    InputBinary {
        name: String,
        offset: usize,
        /// What gave it away: a NUL byte, or control bytes no text has.
        what: &'static str,
    },

    /// The input's bytes could not be decoded as text in any supported encoding.
    #[error(
        "{name}: not valid text in {encoding} ({errors} undecodable byte sequences); save it as UTF-8 and retry"
    )]
    InputUndecodable {
        name: String,
        encoding: &'static str,
        errors: usize,
    },

    /// The PDF is protected by a password gloss does not have.
    #[error(
        "{name}: the PDF is encrypted with a password; remove the protection first (qpdf --decrypt --password=PASSWORD in.pdf out.pdf)"
    )]
    PdfEncrypted { name: String },

    /// The PDF has pages but no text on any of them: a scan or images only.
    #[error(
        "{name}: no text in the PDF ({pages} of {pages} pages are images only, as in a scan); it needs OCR first (e.g. ocrmypdf in.pdf out.pdf)"
    )]
    PdfNoText { name: String, pages: usize },

    /// The PDF has no pages at all.
    #[error("{name}: the PDF has no pages (nothing to parse)")]
    PdfNoPages { name: String },

    /// The file starts like a PDF but cannot be read: truncated or damaged.
    #[error(
        "{name}: cannot read the PDF ({detail}); the file is truncated or damaged, download or export it again"
    )]
    PdfDamaged { name: String, detail: String },

    /// The PDF's structure comes back to itself (page tree, forms).
    #[error(
        "{name}: the PDF is damaged or hostile: a loop in its {detail}; gloss stopped reading it"
    )]
    PdfLoop { name: String, detail: String },

    /// The PDF nests objects deeper than gloss reads.
    #[error("{name}: the PDF is damaged or hostile: too deep ({detail})")]
    PdfTooDeep { name: String, detail: String },

    /// The PDF decodes to more than gloss reads from a file of its size.
    #[error("{name}: the PDF is too large to read: {detail}")]
    PdfTooLarge { name: String, detail: String },

    /// The PDF ends before its end marker and no text could be read.
    #[error(
        "{name}: the PDF is truncated (it ends before its %%EOF marker) and no text could be read; download or export it again"
    )]
    PdfTruncated { name: String },

    /// The PDF's pages hold neither text nor images.
    #[error("{name}: no text in the PDF: its {pages} pages are empty (no text, no images)")]
    PdfEmpty { name: String, pages: usize },

    /// Reading the PDF took longer than gloss allows one file.
    #[error(
        "{name}: reading the PDF took over {seconds} s and was stopped (a loop in the file, or far more pages than an issue has; GLOSS_PDF_TIME_LIMIT=seconds allows more)"
    )]
    PdfTimedOut { name: String, seconds: f64 },

    /// The file is named `.pdf` but its content is not a PDF.
    #[error("{name}: named .pdf but not a PDF (no %PDF- header); if it is text, rename it to .txt")]
    NotPdf { name: String },

    /// A configuration file is malformed or names something that does not exist.
    #[error("config: {0}")]
    Config(String),

    /// A prompt template is missing or does not render.
    #[error("prompt template {name}: {message}")]
    Prompt { name: String, message: String },

    /// The cache directory could not be read or written.
    #[error("cache {path}: {message}")]
    Cache { path: PathBuf, message: String },

    /// An output file could not be written.
    #[error("cannot write {path}: {source}")]
    Output {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The LLM endpoint failed in a way that retrying will not fix.
    #[error(transparent)]
    Llm(#[from] crate::llm::LlmError),

    /// A background task of the run died (a bug, or the runtime shutting down).
    #[error("{stage} task failed: {message}")]
    Task {
        stage: &'static str,
        message: String,
    },

    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(String),

    /// The run was interrupted (Ctrl-C); finished work is in the cache.
    #[error("interrupted: finished chunks are cached; rerun the same command to resume")]
    Interrupted,

    /// Anything the user asked for that is not valid (unknown article id, bad flag value).
    #[error("{0}")]
    Usage(String),
}

/// Shorthand for results in the library.
pub type Result<T, E = GlossError> = std::result::Result<T, E>;

pub use crate::redact::{REDACTED, Redacted};

impl From<crate::llm::batch::store::StoreError> for GlossError {
    fn from(e: crate::llm::batch::store::StoreError) -> Self {
        GlossError::Output {
            path: e.path,
            source: e.source,
        }
    }
}

impl From<crate::config::ConfigError> for GlossError {
    fn from(e: crate::config::ConfigError) -> Self {
        GlossError::Config(e.0)
    }
}

impl GlossError {
    /// The error of reading `path`, a file the user named beside the input
    /// (a glossary, a reviewed export): missing, with `hint` saying what
    /// file is wanted, or unreadable.
    pub fn side_file(path: &std::path::Path, hint: &'static str, e: std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::NotFound => GlossError::FileMissing {
                path: path.to_path_buf(),
                hint,
            },
            _ => GlossError::InputRead {
                path: path.to_path_buf(),
                source: e,
            },
        }
    }
}
