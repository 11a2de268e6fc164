//! What a run produced and what it cost, as plain data: a segment's
//! translation and its quality flags, an article's summary, the brief; a
//! request's traffic and report, a run's totals, one issue's result in a
//! run of several. The stages fill these in, the orchestration adds them
//! up, and the renderers, the manifest, the index and the command line read
//! them, so none of those depends on another for its types.

use std::collections::BTreeMap;
use std::ops::AddAssign;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

mod translation;
pub use translation::{Flag, FlagKind, Translated, TranslationMap};

/// What a piece of work cost on the wire, for the manifest.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Traffic {
    /// Served from the cache, nothing sent.
    pub cache_hit: bool,
    /// Requests sent, including re-asks, split halves and repairs.
    pub requests: u32,
    /// HTTP attempts including retries.
    pub attempts: u32,
    pub tokens_in: u64,
    pub tokens_out: u64,
    /// Whether every request's usage came from the server.
    pub usage_reported: bool,
    pub latency_ms: u64,
    /// Requests answered, by endpoint (redacted base URL).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub endpoints: BTreeMap<String, u32>,
}

impl Traffic {
    /// Add one answered request's attempts, latency and usage.
    pub fn record(&mut self, outcome: &crate::llm::Outcome) {
        self.attempts += outcome.attempts;
        self.latency_ms += outcome.latency.as_millis() as u64;
        *self.endpoints.entry(outcome.endpoint.clone()).or_default() += 1;
        match outcome.completion.usage {
            Some(u) => {
                self.tokens_in += u.prompt_tokens;
                self.tokens_out += u.completion_tokens;
            }
            None => self.usage_reported = false,
        }
    }
}

/// Add the traffic of more work done for the same item (a chunk's repair
/// requests): requests, attempts, tokens and latency add, usage is reported
/// only when both parts' was, and the endpoints' counts merge. Whether the
/// item was served from the cache stays the item's own.
impl AddAssign<&Traffic> for Traffic {
    fn add_assign(&mut self, t: &Traffic) {
        self.requests += t.requests;
        self.attempts += t.attempts;
        self.tokens_in += t.tokens_in;
        self.tokens_out += t.tokens_out;
        self.latency_ms += t.latency_ms;
        self.usage_reported &= t.usage_reported;
        for (endpoint, n) in &t.endpoints {
            *self.endpoints.entry(endpoint.clone()).or_default() += n;
        }
    }
}

/// What one cached request cost, for the manifest.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RequestReport {
    /// What the request was for: `summary A03`, `brief`, `brief part 2`.
    pub item: String,
    pub status: String,
    pub error: Option<String>,
    /// What was done to an answer that is kept although incomplete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(flatten)]
    pub traffic: Traffic,
}

/// Totals of a run, also printed as the final line.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Totals {
    pub chunks: usize,
    pub requests: u64,
    pub cache_hits: u64,
    pub attempts: u64,
    pub tokens_in: u64,
    pub tokens_out: u64,
    /// True when every sent request's usage came from the server.
    pub usage_from_server: bool,
    pub estimated_cost_usd: Option<f64>,
    pub failed_segments: usize,
    /// Segments still flagged by a quality check, by check.
    pub flagged_segments: BTreeMap<String, usize>,
    /// Segments re-requested after a failed check, and how many then passed.
    pub repair_requests: u64,
    pub repaired: u64,
    pub wall_ms: u64,
    /// Segments taken from the translation memory instead of a request
    /// (a reviewer's corrections, paragraphs translated before).
    pub memory_reused: usize,
    /// Segments whose translation is a reviewer's.
    pub human_segments: usize,
    /// Requests answered by each endpoint (redacted base URL).
    pub requests_by_endpoint: BTreeMap<String, u64>,
}

/// Count one chunk's or one request's traffic.
impl AddAssign<&Traffic> for Totals {
    fn add_assign(&mut self, t: &Traffic) {
        self.requests += t.requests as u64;
        self.cache_hits += t.cache_hit as u64;
        self.attempts += t.attempts as u64;
        self.tokens_in += t.tokens_in;
        self.tokens_out += t.tokens_out;
        if t.requests > 0 && !t.usage_reported {
            self.usage_from_server = false;
        }
        for (endpoint, n) in &t.endpoints {
            *self
                .requests_by_endpoint
                .entry(endpoint.clone())
                .or_default() += *n as u64;
        }
    }
}

/// Add a part's totals (an issue's, in a run of several): the cost is
/// unknown once a part that sent requests has none; wall times do not add.
impl AddAssign<&Totals> for Totals {
    fn add_assign(&mut self, t: &Totals) {
        self.chunks += t.chunks;
        self.requests += t.requests;
        self.cache_hits += t.cache_hits;
        self.attempts += t.attempts;
        self.tokens_in += t.tokens_in;
        self.tokens_out += t.tokens_out;
        self.usage_from_server &= t.usage_from_server;
        match t.estimated_cost_usd {
            Some(c) => self.estimated_cost_usd = self.estimated_cost_usd.map(|s| s + c),
            None if t.requests > 0 => self.estimated_cost_usd = None,
            None => {}
        }
        self.failed_segments += t.failed_segments;
        for (k, n) in &t.flagged_segments {
            *self.flagged_segments.entry(k.clone()).or_default() += n;
        }
        self.repair_requests += t.repair_requests;
        self.repaired += t.repaired;
        for (endpoint, n) in &t.requests_by_endpoint {
            *self
                .requests_by_endpoint
                .entry(endpoint.clone())
                .or_default() += n;
        }
    }
}

impl From<&Traffic> for Totals {
    /// The totals of one request (no cost: the caller prices it).
    fn from(t: &Traffic) -> Self {
        let mut totals = Totals {
            usage_from_server: true,
            ..Default::default()
        };
        totals += t;
        totals
    }
}

/// How one issue of a run of several ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IssueStatus {
    Ok,
    Failed,
}

/// What the cross-issue brief and the index know of one issue.
#[derive(Debug, Clone, Serialize)]
pub struct IssueHeadlines {
    /// The issue's output folder name, which citations name (`kiep-2025-07`).
    pub stem: String,
    pub title: Option<String>,
    pub date: Option<String>,
    /// Its brief's headlines, one line each, cited `[<stem> A03]`.
    pub headlines: Vec<String>,
    /// Every article id of the issue.
    pub articles: Vec<String>,
    /// Per summarized article, the first sentence of its summary, for the
    /// fallback (in the order its brief cites them, then the issue's).
    pub summaries: Vec<(String, String)>,
}

/// One issue of a run of several: what `--json` and the summary lines
/// report of it, and what the index and the cross-issue brief need. The
/// digest itself is not kept, so memory does not grow with the number of
/// issues.
#[derive(Debug, Clone, Serialize)]
pub struct IssueResult {
    /// The input as given.
    pub input: String,
    pub out_dir: PathBuf,
    pub status: IssueStatus,
    /// Why it failed, one line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub files: Vec<PathBuf>,
    pub totals: Totals,
    /// Segments left flagged by a quality check (for `--strict`).
    #[serde(skip)]
    pub flagged: usize,
    /// Title, date, headlines and summaries, for the index and the cross brief.
    #[serde(skip)]
    pub headlines: IssueHeadlines,
}

/// An article's summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub id: String,
    pub text: String,
    pub key_points: Vec<String>,
}

/// The finished brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Brief {
    /// Markdown body with checked citations.
    pub markdown: String,
    /// Article ids cited.
    pub cited: Vec<String>,
    /// Citations removed because no such article exists.
    pub removed_citations: Vec<String>,
    /// Requests the reduction took (1 when everything fit).
    pub stages: usize,
    /// `model`, or why the brief was assembled from the summaries instead.
    pub origin: String,
    /// Key figures left out because none of their articles holds them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed_figures: Vec<String>,
    /// Each `## ` part and where its lines came from: the parse, the model
    /// or a summary.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
}

/// Where a part of the brief, or one of its lines, came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Written by gloss from the parse (sections, titles, sources, dates).
    Parse,
    /// The model's brief answer.
    Model,
    /// An article's summary (a headline replaced by its first sentence,
    /// or the brief assembled from the summaries).
    Summary,
}

/// One line of a brief's part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartLine {
    pub text: String,
    pub from: Origin,
}

/// One `## ` section of the brief and where its lines came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub heading: String,
    /// Where most of its lines came from.
    pub from: Origin,
    pub lines: Vec<PartLine>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn traffic(requests: u32, tokens: u64, reported: bool, endpoint: &str) -> Traffic {
        Traffic {
            requests,
            attempts: requests,
            tokens_in: tokens,
            tokens_out: tokens / 2,
            usage_reported: reported,
            endpoints: [(endpoint.to_string(), requests)].into_iter().collect(),
            ..Default::default()
        }
    }

    #[test]
    fn traffic_adds_into_totals() {
        let mut t = Totals::from(&traffic(2, 100, true, "http://a/v1"));
        t += &Traffic {
            cache_hit: true,
            ..Default::default()
        };
        assert_eq!(
            (t.requests, t.cache_hits, t.tokens_in, t.tokens_out),
            (2, 1, 100, 50)
        );
        assert!(t.usage_from_server);
        t += &traffic(1, 10, false, "http://b/v1");
        assert!(!t.usage_from_server, "a request without usage spoils it");
        assert_eq!(t.requests_by_endpoint.get("http://a/v1"), Some(&2));
        assert_eq!(t.requests_by_endpoint.get("http://b/v1"), Some(&1));
    }

    #[test]
    fn traffic_adds_with_its_endpoints() {
        let mut chunk = traffic(1, 100, true, "http://a/v1");
        chunk += &traffic(2, 40, false, "http://b/v1");
        chunk += &traffic(1, 10, true, "http://a/v1");
        assert_eq!(
            (chunk.requests, chunk.attempts, chunk.tokens_in),
            (4, 4, 150)
        );
        assert!(!chunk.usage_reported);
        assert_eq!(chunk.endpoints.get("http://a/v1"), Some(&2));
        assert_eq!(chunk.endpoints.get("http://b/v1"), Some(&2));
        assert!(!chunk.cache_hit);
    }

    #[test]
    fn totals_add_with_their_cost() {
        let part = |requests, cost| Totals {
            requests,
            usage_from_server: true,
            estimated_cost_usd: cost,
            wall_ms: 1000,
            ..Default::default()
        };
        let mut sum = part(0, Some(0.0));
        sum += &part(3, Some(0.25));
        sum += &part(0, None);
        assert_eq!((sum.requests, sum.estimated_cost_usd), (3, Some(0.25)));
        assert_eq!(sum.wall_ms, 1000, "wall times do not add");
        sum += &part(1, None);
        assert_eq!(
            sum.estimated_cost_usd, None,
            "unknown once a part sent unpriced requests"
        );
    }
}
