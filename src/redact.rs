//! Scrubbing secrets out of text that came from outside gloss: server
//! error bodies, transport errors, URLs. Depends on nothing else in gloss,
//! so the LLM client, the configuration and the error type can all use it.

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

/// A URL for messages and manifests: no user or password, query values
/// and anything like a key scrubbed (see [`Redacted::url`]).
pub fn redact_url(url: &str) -> String {
    Redacted::url(url, &[]).into()
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
