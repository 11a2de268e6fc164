//! Several issues in one run: every issue runs through the ordinary
//! pipeline (its own output folder, as a single run writes it), several at
//! once and all sharing one client, so one concurrency limit (and one rate
//! limit, one endpoint check) holds over all their requests. Then the
//! cross-issue brief, and the index of every issue in the output folder.
//!
//! One issue failing (unreadable, unparsable, every request failed) is
//! recorded with its reason and the others go on; only a fatal endpoint
//! error (no key, no model) fails them all, as it would each one alone.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Manifest, RunOptions, Totals, TranslateResult};
use crate::brief::Brief;
use crate::cache::Cache;
use crate::config::{Config, Profile};
use crate::cross_brief;
use crate::document::ArticleKind;
use crate::error::{GlossError, Result};
use crate::llm::LazyClient;
use crate::outcome::RequestReport;
use crate::outcome::{IssueHeadlines, IssueResult, IssueStatus};
use crate::prompts::Prompts;
use crate::render::Digest;

/// The client the issues of one run share (see [`RunOptions::shared_client`]).
#[derive(Clone)]
pub struct SharedClient(pub Arc<LazyClient>);

impl std::fmt::Debug for SharedClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedClient")
    }
}

/// What a run of several issues produced.
#[derive(Debug)]
pub struct Many {
    /// Every issue, in the order of the inputs.
    pub issues: Vec<IssueResult>,
    /// The cross-issue brief (commands that brief, when an issue has one).
    pub cross: Option<Brief>,
    /// The cross-issue brief's requests.
    pub cross_requests: Vec<RequestReport>,
    /// `index.*` and `week.*` in the output folder.
    pub index_files: Vec<PathBuf>,
    /// Every issue's totals and the cross brief's requests, over the run's wall time.
    pub totals: Totals,
}

/// Run every file of `files` with the options of `base` (its output folder
/// is the parent of the issues' folders), `observe` seeing each issue's
/// outcome and manifest as it ends; then the cross-issue brief and the index.
pub async fn run(
    base: &RunOptions,
    files: &[PathBuf],
    observe: impl FnMut(&IssueResult, Option<&Manifest>),
) -> Result<Many> {
    let started = Instant::now();
    let out = base.out_dir.clone().unwrap_or_else(|| PathBuf::from("out"));
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let config = Config::load_with(&cwd, base.overrides.trust_workspace)?;
    let (profile, _) = config.profile(&base.overrides)?;
    let client = Arc::new(
        LazyClient::new(profile.client_settings()).with_batch_events(base.batch_events.clone()),
    );
    let issues = run_issues(base, files, &out, &profile, &client, observe).await;
    let (cross, cross_requests) = match base.stages.brief {
        true => cross_issue_brief(base, &config, &profile, &client, &issues).await?,
        false => (None, Vec::new()),
    };
    let index_files = crate::render::index::write(&out, &issues, cross.as_ref(), &base.formats)?;
    let mut totals = run_totals(&profile, &issues, &cross_requests);
    totals.wall_ms = started.elapsed().as_millis() as u64;
    Ok(Many {
        issues,
        cross,
        cross_requests,
        index_files,
        totals,
    })
}

/// Run every issue into its folder under `out`, all through `client`, with
/// one progress bar over them; their outcomes in the order of `files`.
async fn run_issues(
    base: &RunOptions,
    files: &[PathBuf],
    out: &Path,
    profile: &Profile,
    client: &Arc<LazyClient>,
    mut observe: impl FnMut(&IssueResult, Option<&Manifest>),
) -> Vec<IssueResult> {
    let overall = crate::progress::stage_bar("issues", "requests", 0, base.progress);
    overall.set_message(format!("0/{} issues done", files.len()));
    // Without a terminal, a plain line now and then (stopped when dropped).
    let _ticker = crate::progress::Ticker::start(&overall, "requests", base.progress);
    let gathering = crate::progress::gather_stage_bars();
    let (mut set, position) = spawn_issues(base, files, out, profile, client);
    let mut slots: Vec<Option<IssueResult>> = vec![None; files.len()];
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    let mut done = 0;
    loop {
        tokio::select! {
            joined = set.join_next_with_id() => {
                let Some(joined) = joined else { break };
                let (id, result) = match joined {
                    Ok((id, result)) => (id, result),
                    Err(e) => (e.id(), Err(GlossError::Task { stage: "issue", message: e.to_string() })),
                };
                let Some(&n) = position.get(&id) else { continue };
                let (issue, manifest) = outcome(&files[n], out, base, result);
                observe(&issue, manifest.as_ref());
                slots[n] = Some(issue);
                done += 1;
            }
            _ = tick.tick() => {}
        }
        let (units, known) = crate::progress::gathered_progress();
        overall.set_length(known);
        overall.set_position(units);
        overall.set_message(format!("{done}/{} issues done", files.len()));
    }
    drop(gathering);
    overall.finish_and_clear();
    slots.into_iter().flatten().collect()
}

/// Queue every issue's run as a task; with each task's id, the position of
/// its file in `files`.
fn spawn_issues(
    base: &RunOptions,
    files: &[PathBuf],
    out: &Path,
    profile: &Profile,
    client: &Arc<LazyClient>,
) -> (
    tokio::task::JoinSet<Result<TranslateResult>>,
    HashMap<tokio::task::Id, usize>,
) {
    let mut set = tokio::task::JoinSet::new();
    let mut position = HashMap::new();
    // Every issue is queued at once, but only so many are loaded and in
    // progress: enough for their requests to keep every slot busy, few
    // enough that memory does not grow with the number of issues.
    let open = Arc::new(tokio::sync::Semaphore::new(issues_at_once(profile)));
    for (n, file) in files.iter().enumerate() {
        let mut opts = base.clone();
        opts.input = file.clone();
        opts.out_dir = Some(out.to_path_buf());
        opts.progress = false;
        opts.shared_client = Some(SharedClient(client.clone()));
        let open = open.clone();
        let handle = set.spawn(async move {
            let _turn = open.acquire_owned().await;
            let prepared = super::prepare(&opts)?;
            for w in &prepared.warnings {
                crate::progress::warn(w);
            }
            super::run(&opts, prepared).await
        });
        position.insert(handle.id(), n);
    }
    (set, position)
}

/// The cross-issue brief over the issues that ended with summaries, and its
/// requests; none when no issue has any.
async fn cross_issue_brief(
    base: &RunOptions,
    config: &Config,
    profile: &Profile,
    client: &LazyClient,
    issues: &[IssueResult],
) -> Result<(Option<Brief>, Vec<RequestReport>)> {
    let with_headlines: Vec<IssueHeadlines> = issues
        .iter()
        .filter(|i| i.status == IssueStatus::Ok && !i.headlines.summaries.is_empty())
        .map(|i| i.headlines.clone())
        .collect();
    if with_headlines.is_empty() {
        return Ok((None, Vec::new()));
    }
    let prompts = match &base.prompts_dir {
        Some(dir) => Prompts::with_overrides(dir)?,
        None => Prompts::builtin(),
    };
    let cache = Cache::new(&config.cache_dir(&base.overrides), base.cache_mode);
    let services = crate::stage::Services {
        prompts: &prompts,
        profile,
        cache: &cache,
        client,
    };
    let (brief, reports) =
        cross_brief::make(&services, &base.target_language, &with_headlines).await?;
    Ok((Some(brief), reports))
}

/// Every issue's totals and the cross brief's requests (the wall time is
/// the caller's).
fn run_totals(profile: &Profile, issues: &[IssueResult], cross: &[RequestReport]) -> Totals {
    let mut totals = Totals {
        usage_from_server: true,
        // Some(0) when the profile has prices: issues that sent nothing add nothing.
        estimated_cost_usd: profile.cost(0, 0),
        ..Default::default()
    };
    for i in issues {
        totals += &i.totals;
    }
    for r in cross {
        let mut request = Totals::from(&r.traffic);
        request.estimated_cost_usd = profile.cost(request.tokens_in, request.tokens_out);
        totals += &request;
    }
    totals
}

/// How many issues are in progress at once: one per request slot (each
/// issue alone may fill them all, but its last requests — summaries, the
/// brief — are few), and never fewer than two, so one issue's brief overlaps
/// the next one's translations.
fn issues_at_once(profile: &Profile) -> usize {
    profile.concurrency.max(2)
}

/// What one issue's run came to; its manifest for the caller's run log.
fn outcome(
    file: &Path,
    out: &Path,
    base: &RunOptions,
    result: Result<TranslateResult>,
) -> (IssueResult, Option<Manifest>) {
    let stem = crate::inputs::output_folder(file);
    let mut o = IssueResult {
        input: file.display().to_string(),
        out_dir: out.join(&stem),
        status: IssueStatus::Failed,
        error: None,
        files: Vec::new(),
        totals: Totals::default(),
        flagged: 0,
        headlines: IssueHeadlines {
            stem,
            title: None,
            date: None,
            headlines: Vec::new(),
            articles: Vec::new(),
            summaries: Vec::new(),
        },
    };
    let result = match result {
        Ok(r) => r,
        Err(e) => {
            o.error = Some(e.to_string());
            return (o, None);
        }
    };
    for w in &result.warnings {
        crate::progress::warn(&format!("{}: {w}", o.input));
    }
    let d = &result.digest;
    let segments: usize = d.articles.iter().map(|a| a.segments.len()).sum();
    o.status = if segments > 0 && d.failed() == segments {
        o.error = Some(
            result
                .manifest
                .nothing_translated(&result.out_dir.join("manifest.json")),
        );
        IssueStatus::Failed
    } else {
        IssueStatus::Ok
    };
    o.out_dir = result.out_dir.clone();
    if let Some(name) = result.out_dir.file_name() {
        o.headlines.stem = name.to_string_lossy().into_owned();
    }
    o.files = result.files.clone();
    o.totals = result.manifest.totals.clone();
    o.flagged = d.flagged();
    o.headlines = headlines(d, o.headlines.stem.clone(), base.stages.brief);
    (o, Some(result.manifest))
}

/// The title (the front matter's, when the issue has one), date, brief
/// headlines and summaries of a digest.
fn headlines(d: &Digest, stem: String, briefed: bool) -> IssueHeadlines {
    let english = |a: &crate::render::DigestArticle| {
        a.title_translation
            .clone()
            .unwrap_or_else(|| a.title.clone())
    };
    // Front matter without a heading is titled with a label, not the
    // issue's name: its first line (a masthead, "테크 뉴스레터 2025년
    // 제1호") names the issue instead, when it is short.
    let title = d
        .articles
        .iter()
        .find(|a| a.kind == ArticleKind::Front)
        .and_then(|a| {
            if a.title != crate::document::FRONT_MATTER {
                return Some(english(a));
            }
            let first = a.segments.first()?;
            let line = first
                .translation
                .clone()
                .unwrap_or_else(|| first.source.clone());
            (line.chars().count() <= 120).then_some(line)
        });
    let date = d.articles.iter().find_map(|a| a.date.clone());
    let brief = d.brief.as_ref().filter(|_| briefed);
    let headlines = brief
        .map(|b| cross_brief::headlines_of(&b.markdown, &stem))
        .unwrap_or_default();
    // The articles the brief cites first, then the others.
    let mut order: Vec<&str> = brief
        .map(|b| b.cited.iter().map(String::as_str).collect())
        .unwrap_or_default();
    for a in &d.articles {
        if !order.contains(&a.id.as_str()) {
            order.push(&a.id);
        }
    }
    let summaries = order
        .iter()
        .filter_map(|id| {
            let a = d.articles.iter().find(|a| a.id == *id)?;
            let s = a.summary.as_ref()?;
            let first = s.text.lines().next().unwrap_or_default();
            let sentence = first.split_inclusive(". ").next().unwrap_or(first).trim();
            (!sentence.is_empty()).then(|| (a.id.clone(), sentence.to_string()))
        })
        .collect();
    IssueHeadlines {
        stem,
        title,
        date,
        headlines,
        articles: d.articles.iter().map(|a| a.id.clone()).collect(),
        summaries,
    }
}
