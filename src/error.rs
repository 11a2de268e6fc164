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
        "{name}: looks like a binary file (NUL byte at offset {offset}); gloss reads text and PDF files"
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

/// Text that came from outside gloss's control — a server's error body, a
/// transport error, a URL — with every secret scrubbed out. The only way to
/// make one is [`Redacted::new`] or [`Redacted::url`], so an error that holds
/// server text cannot carry a key into a message, a manifest or the cache.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct Redacted(String);

/// What replaces a scrubbed secret.
pub const REDACTED: &str = "[REDACTED]";

static SECRET_SHAPES: std::sync::LazyLock<[(regex::Regex, &'static str); 3]> =
    std::sync::LazyLock::new(|| {
        let re = |p: &str| regex::Regex::new(p).expect("static regex");
        [
            // `Authorization: Bearer …` echoed back.
            (
                re(r#"(?i)\b(bearer|basic)\s+(?:\[REDACTED\]|[^\s"',;}\]]+)"#),
                "$1 [REDACTED]",
            ),
            // OpenAI-style keys: sk-…, sk-proj-…
            (re(r"\bsk-[A-Za-z0-9_\-]{6,}"), "[REDACTED]"),
            // Values of query parameters (`?api-key=…&x=…`) in any URL.
            (
                re(r#"([?&][A-Za-z0-9_.\-]+=)[^&\s"'()<>]+"#),
                "${1}[REDACTED]",
            ),
        ]
    });

static LONG_TOKEN: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    // No `/`: a URL path (`18555/v1/chat/completions`) is no token.
    regex::Regex::new(r"[A-Za-z0-9_\-+]{24,}").expect("static regex")
});

/// Whether a long run of token characters looks random enough to be a key:
/// letters and digits mixed, and many distinct characters (a model name or a
/// path segment repeats itself far more than a random key does).
fn looks_like_key(token: &str) -> bool {
    let digits = token.chars().filter(char::is_ascii_digit).count();
    let letters = token.chars().filter(char::is_ascii_alphabetic).count();
    if digits < 2 || letters < 4 {
        return false;
    }
    let mut counts = std::collections::HashMap::new();
    for c in token.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let n = token.chars().count() as f64;
    let entropy: f64 = counts
        .values()
        .map(|&k| {
            let p = k as f64 / n;
            -p * p.log2()
        })
        .sum();
    entropy >= 3.5
}

impl Redacted {
    /// Scrub `text`: every exact `secret` (the key the request carried), then
    /// anything shaped like a credential (`Bearer …`, `sk-…`, query values,
    /// long random-looking tokens).
    pub fn new(text: &str, secrets: &[&str]) -> Self {
        let mut out = text.to_string();
        for secret in secrets.iter().map(|s| s.trim()) {
            // A one-letter "key" would blank the whole message; such a key is
            // caught by nothing here, and is no real key either.
            if secret.chars().count() >= 4 {
                out = out.replace(secret, REDACTED);
            }
        }
        for (pattern, replacement) in SECRET_SHAPES.iter() {
            out = pattern.replace_all(&out, *replacement).into_owned();
        }
        out = LONG_TOKEN
            .replace_all(&out, |c: &regex::Captures| {
                if looks_like_key(&c[0]) {
                    REDACTED.to_string()
                } else {
                    c[0].to_string()
                }
            })
            .into_owned();
        Self(out)
    }

    /// A URL for messages and manifests: no user, password or fragment, then
    /// scrubbed as [`Redacted::new`] does, which replaces every query value
    /// (the names stay, so `?api-version=[REDACTED]` still shows).
    pub fn url(url: &str, secrets: &[&str]) -> Self {
        let shown = match reqwest::Url::parse(url.trim()) {
            Ok(mut u) => {
                let _ = u.set_username("");
                let _ = u.set_password(None);
                u.set_fragment(None);
                let text = u.to_string();
                // `http://h/v1/` and `http://h/v1` are one endpoint.
                match text.split_once('?') {
                    Some((path, query)) => format!("{}?{query}", path.trim_end_matches('/')),
                    None => text.trim_end_matches('/').to_string(),
                }
            }
            Err(_) => "(unparsable URL)".to_string(),
        };
        Self::new(&shown, secrets)
    }

    /// The scrubbed text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Redacted> for String {
    fn from(r: Redacted) -> String {
        r.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exact_key_and_key_shapes_are_scrubbed() {
        let key = "my-own-proxy-key";
        let body = format!(
            r#"{{"error":"bad header Authorization: Bearer {key}","echo":"{key}","k":"sk-proj-AbC123xyz789","t":"Zx8Qw2Lp9Rt4Vb7Nm3Kj6Hg5Fd1Sa0Pq"}}"#
        );
        let r = Redacted::new(&body, &[key]);
        for secret in [
            key,
            "sk-proj-AbC123xyz789",
            "Zx8Qw2Lp9Rt4Vb7Nm3Kj6Hg5Fd1Sa0Pq",
        ] {
            assert!(!r.as_str().contains(secret), "{secret} in {r}");
        }
        assert!(
            r.as_str().contains("Authorization: Bearer [REDACTED]"),
            "{r}"
        );
        assert!(
            r.as_str().contains("bad header"),
            "the message survives: {r}"
        );
    }

    #[test]
    fn ordinary_words_names_and_paths_survive() {
        for text in [
            "model 'qwen2.5-coder-0.5b-instruct' not found",
            "the request exceeds the available context size (4096 tokens)",
            "POST /v1/chat/completions: exceed_context_size_error",
            "/home/user/.cache/gloss/local-model/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            "HTTP 401 from http://127.0.0.1:18555/v1/chat/completions",
        ] {
            assert_eq!(Redacted::new(text, &[]).as_str(), text);
        }
    }

    #[test]
    fn urls_keep_query_names_but_not_values_or_credentials() {
        let r = Redacted::url("https://user:pw@host/v1/?api-version=2024&api-key=abc", &[]);
        assert_eq!(
            r.as_str(),
            "https://host/v1?api-version=[REDACTED]&api-key=[REDACTED]"
        );
        assert_eq!(
            Redacted::url("http://127.0.0.1:8080/v1/", &[]).as_str(),
            "http://127.0.0.1:8080/v1"
        );
        // Inside free text (a transport error quoting the URL), values go too.
        let t = Redacted::new(
            "error sending request for url (http://h/v1/models?key=s3cr3t)",
            &[],
        );
        assert!(!t.as_str().contains("s3cr3t"), "{t}");
    }
}
