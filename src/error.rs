//! The library's error type: one enum, each variant carrying the context a
//! user needs to act on it. The binary turns these into one-line messages.

use std::path::PathBuf;

/// Everything that can go wrong inside gloss's library part.
#[derive(Debug, thiserror::Error)]
pub enum GlossError {
    /// The input path does not exist.
    #[error("{path}: no such file (check the path, or pass - to read standard input)")]
    InputMissing { path: PathBuf },

    /// The input path is a directory, not a file.
    #[error("{path}: is a directory, not a text file (pass the issue's .txt file)")]
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
        "{name}: looks like a binary file (NUL byte at offset {offset}); gloss reads plain text — convert PDFs with `pdftotext -layout` first"
    )]
    InputBinary { name: String, offset: usize },

    /// The input's bytes could not be decoded as text in any supported encoding.
    #[error(
        "{name}: not valid text in {encoding} ({errors} undecodable byte sequences); save it as UTF-8 and retry"
    )]
    InputUndecodable {
        name: String,
        encoding: &'static str,
        errors: usize,
    },

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
