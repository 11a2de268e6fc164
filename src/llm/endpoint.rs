//! One server of a profile: its connection, the URLs under its base URL,
//! the transport that catches non-2xx answers, and `Retry-After`.

use super::*;

/// A non-2xx answer caught in the transport, with what the retry loop needs.
#[derive(Debug)]
pub(super) struct HttpFailure {
    pub(super) status: u16,
    pub(super) retry_after: Option<Duration>,
    pub(super) body: String,
}

impl std::fmt::Display for HttpFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {}", self.status)
    }
}

impl std::error::Error for HttpFailure {}

/// Parse `Retry-After`: delay-seconds or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<f64>() {
        // try_from: a server's "1e20" must not panic the run.
        return Duration::try_from_secs_f64(secs).ok();
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// One server of a profile, with its own connection.
pub(super) struct Endpoint {
    pub(super) base_url: String,
    /// The base URL as manifests show it.
    pub(super) label: String,
    pub(super) client: Client<OpenAIConfig>,
    pub(super) http: reqwest::Client,
}

impl Endpoint {
    pub(super) fn new(settings: &Settings, base_url: &str) -> Result<Self, LlmError> {
        let http =
            http_client(base_url, Duration::from_secs(settings.timeout_secs)).map_err(|e| {
                LlmError::Connect {
                    url: Redacted::url(base_url, &[]),
                    message: Redacted::new(&e.to_string(), &[]),
                }
            })?;
        // The query of a base URL (`?api-version=…`) goes on every request,
        // after the path async-openai appends.
        let (base, query) = split_base(base_url);
        // Set every field explicitly: OpenAIConfig::new() would read the
        // user's OPENAI_* variables and send them to whatever host this is.
        let config = OpenAIConfig::new()
            .with_api_base(base)
            .with_api_key(settings.api_key().unwrap_or_default())
            .with_org_id("")
            .with_project_id("");
        let client = chat_client(config, http.clone(), query);
        Ok(Self {
            base_url: base_url.to_string(),
            label: redact_url(base_url),
            client,
            http,
        })
    }
}

/// An async-openai client for `config` that sends through `http` with
/// `query` appended to every URL, catches non-2xx answers as
/// [`HttpFailure`], and retries nothing itself.
pub(super) fn chat_client(
    config: OpenAIConfig,
    http: reqwest::Client,
    query: Option<String>,
) -> Client<OpenAIConfig> {
    let transport = tower::service_fn(
        move |factory: async_openai::middleware::HttpRequestFactory| {
            let http = http.clone();
            let query = query.clone();
            async move {
                let mut request = factory.build().await?;
                // Without a key async-openai still writes `Bearer ` and
                // nothing: a profile with no key sends no Authorization.
                let auth = reqwest::header::AUTHORIZATION;
                if request
                    .headers()
                    .get(&auth)
                    .is_some_and(|v| v.as_bytes().trim_ascii() == b"Bearer")
                {
                    request.headers_mut().remove(&auth);
                }
                if let Some(q) = &query {
                    let url = request.url_mut();
                    let joined = match url.query() {
                        Some(own) if !own.is_empty() => format!("{own}&{q}"),
                        _ => q.clone(),
                    };
                    url.set_query(Some(&joined));
                }
                let response = http.execute(request).await.map_err(OpenAIError::Reqwest)?;
                let status = response.status();
                if status.is_success() {
                    return Ok(response);
                }
                let retry_after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(parse_retry_after);
                let body = response.text().await.unwrap_or_default();
                Err(OpenAIError::Boxed(Box::new(HttpFailure {
                    status: status.as_u16(),
                    retry_after,
                    body,
                })))
            }
        },
    );
    Client::with_config(config).with_http_service(transport)
}

/// An HTTP client for the endpoint at `base_url` with this overall timeout.
pub fn http_client(base_url: &str, timeout: Duration) -> reqwest::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(10));
    // A local server is never reached through a proxy from the environment.
    if is_loopback(base_url) {
        builder = builder.no_proxy();
    }
    builder.build()
}

/// A base URL split into what async-openai appends paths to and the query
/// that must follow those paths (`http://h/v1?api-version=x` → `http://h/v1`,
/// `api-version=x`).
pub(super) fn split_base(base_url: &str) -> (String, Option<String>) {
    let base = base_url.trim();
    let (path, query) = match base.split_once('?') {
        Some((p, q)) => (p, Some(q.split('#').next().unwrap_or_default().to_string())),
        None => (base.split('#').next().unwrap_or_default(), None),
    };
    (
        path.trim_end_matches('/').to_string(),
        query.filter(|q| !q.is_empty()),
    )
}

/// The URL of `path` (`/models`) under a base URL, the base's query kept after it.
pub fn endpoint_url(base_url: &str, path: &str) -> String {
    match split_base(base_url) {
        (base, Some(query)) => format!("{base}{path}?{query}"),
        (base, None) => format!("{base}{path}"),
    }
}

/// Whether a base URL points at this machine.
pub fn is_loopback(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?']).next().unwrap_or_default();
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    host.starts_with("127.") || host.starts_with("localhost") || host.starts_with("[::1]")
}

pub(super) fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}
