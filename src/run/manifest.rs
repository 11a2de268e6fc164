//! The manifest of a run (`manifest.json`): per request and per chunk what
//! happened, and the totals the CLI prints as its last line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::Result;
use crate::outcome::RequestReport;
use crate::render::Digest;
use crate::translate::ChunkReport;

use super::Prepared;
use super::schedule::IssueOutcome;

/// The manifest of a run: per chunk what happened, and totals.
#[derive(Debug, Serialize)]
pub struct Manifest {
    pub gloss_version: &'static str,
    /// Term, summary and brief requests.
    pub requests: Vec<RequestReport>,
    pub input: String,
    pub profile: String,
    pub model: String,
    pub endpoint: String,
    pub chunk_budget: usize,
    pub chunks: Vec<ChunkReport>,
    /// Where the termbase's extractions disagreed on a name, and what was kept.
    pub term_conflicts: Vec<String>,
    /// Per glossary term, the segments whose translation did not follow it.
    pub glossary_misses: BTreeMap<String, Vec<String>>,
    /// The issue's contents list and which entries head an article.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contents: Option<crate::document::ContentsCheck>,
    /// Segments whose translation is a reviewer's correction (`gloss import`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub human: Vec<String>,
    pub totals: Totals,
}

pub use crate::outcome::Totals;

impl Manifest {
    /// The line for a run that translated nothing: the first chunk's error
    /// (a server's answer, usually the same for all), and where the rest are.
    pub fn nothing_translated(&self, manifest_path: &Path) -> String {
        match self.chunks.iter().find_map(|c| c.error.as_deref()) {
            Some(first) => format!(
                "no segment was translated: {}: {first} (all errors: {})",
                self.chunks
                    .iter()
                    .find(|c| c.error.is_some())
                    .map(|c| c.chunk.as_str())
                    .unwrap_or_default(),
                manifest_path.display()
            ),
            None => format!(
                "no segment was translated; see the errors in {}",
                manifest_path.display()
            ),
        }
    }
}

/// The totals of a run from its reports and digest.
impl Totals {
    /// The totals of `requests` and `chunks`, and the digest's segment counts.
    fn of(requests: &[RequestReport], chunks: &[ChunkReport], digest: &Digest) -> Totals {
        let mut totals = Totals {
            chunks: chunks.len(),
            usage_from_server: true,
            failed_segments: digest.failed(),
            ..Default::default()
        };
        for r in requests {
            totals += &r.traffic;
        }
        for r in chunks {
            totals.repair_requests += r.repair_requests as u64;
            totals.repaired += r.repaired as u64;
            totals += &r.traffic;
        }
        for flag in digest
            .articles
            .iter()
            .flat_map(|a| a.flag_lists())
            .flatten()
        {
            *totals
                .flagged_segments
                .entry(flag.kind.name().to_string())
                .or_default() += 1;
        }
        totals
    }
}

/// Per glossary term, the segments whose translation does not follow it.
fn glossary_misses(digest: &Digest) -> BTreeMap<String, Vec<String>> {
    let mut misses: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for segment in digest.articles.iter().flat_map(|a| &a.segments) {
        for term in segment.flags.iter().filter_map(|f| f.term.as_ref()) {
            misses
                .entry(term.clone())
                .or_default()
                .push(segment.id.clone());
        }
    }
    misses
}

/// The manifest of one issue's run, `wall_ms` from when `p` was prepared.
pub fn build(p: &Prepared, digest: &Digest, outcome: IssueOutcome) -> Manifest {
    let requests: Vec<RequestReport> = [
        outcome.term_reports,
        outcome.summary_reports,
        outcome.brief_reports,
    ]
    .concat();
    let mut totals = Totals::of(&requests, &outcome.chunk_reports, digest);
    totals.estimated_cost_usd = p.profile.cost(totals.tokens_in, totals.tokens_out);
    totals.wall_ms = p.started.elapsed().as_millis() as u64;
    totals.memory_reused = p.memory.reused();
    let human = p.memory.human_ids().into_iter().collect::<Vec<_>>();
    totals.human_segments = human.len();
    Manifest {
        gloss_version: env!("CARGO_PKG_VERSION"),
        input: p.issue.name.clone(),
        profile: p.profile.name.clone(),
        model: p.profile.model.clone(),
        endpoint: crate::llm::redact_url(&p.profile.base_url),
        chunk_budget: p.profile.chunk_tokens,
        requests,
        chunks: outcome.chunk_reports,
        term_conflicts: outcome.termbase.map(|t| t.conflicts).unwrap_or_default(),
        glossary_misses: glossary_misses(digest),
        contents: p.issue.contents.clone(),
        human,
        totals,
    }
}

/// Write `manifest.json` into `dir`; returns its path.
pub fn write(manifest: &Manifest, dir: &Path) -> Result<PathBuf> {
    let path = dir.join("manifest.json");
    crate::render::write_atomic(
        &path,
        (serde_json::to_string_pretty(manifest).unwrap_or_default() + "\n").as_bytes(),
    )?;
    Ok(path)
}
