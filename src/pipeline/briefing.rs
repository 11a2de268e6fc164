//! The summary and brief stages of a run: one summary request per article
//! (in parallel, sharing the client's concurrency limit), then the brief,
//! reduced in stages when the summaries exceed the model's context.

use std::sync::Arc;

use crate::brief::{self, BriefInput};
use crate::document::ArticleKind;
use crate::error::{GlossError, Result};
use crate::llm::LazyClient;
use crate::render::Digest;
use crate::stage::{AnswerSpec, RequestReport, complete_cached};
use crate::summarize;

use super::Prepared;

/// Tokens of prompt text around the summaries, and room kept for the answer.
const BRIEF_PROMPT_TOKENS: usize = 600;

/// Room for a summary answer (2–3 sentences and 3 points).
const SUMMARY_MAX_TOKENS: u32 = 400;
/// Room for the brief.
const BRIEF_MAX_TOKENS: u32 = 1200;

/// Rough token estimate without building a tokenizer: English ~4 chars a token.
fn estimate_tokens(text: &str) -> usize {
    text.len().div_ceil(4) + 8
}

pub(super) async fn summarize_and_brief(
    p: &Prepared,
    digest: &mut Digest,
    client: &Arc<LazyClient>,
    progress: bool,
) -> Result<Vec<RequestReport>> {
    let target = p.languages.target.clone();
    let mut set = tokio::task::JoinSet::new();
    for a in digest
        .articles
        .iter()
        .filter(|a| a.kind != ArticleKind::Front)
    {
        let Some(article) = p.issue.article(&a.id).cloned() else {
            continue;
        };
        let title = a
            .title_translation
            .clone()
            .unwrap_or_else(|| a.title.clone());
        let paragraphs: Vec<String> = a
            .segments
            .iter()
            .filter_map(|s| s.translation.clone())
            .collect();
        let refs: Vec<&str> = paragraphs.iter().map(String::as_str).collect();
        let messages = summarize::messages(&p.prompts, &target, &article, &title, &refs)?;
        let (profile, cache, client) = (p.profile.clone(), p.cache.clone(), client.clone());
        let id = a.id.clone();
        set.spawn(async move {
            let item = format!("summary {id}");
            let result = complete_cached(
                &item,
                AnswerSpec {
                    kind: "summary",
                    max_tokens: SUMMARY_MAX_TOKENS,
                    line_list: false,
                    sentences: true,
                },
                &messages,
                &profile,
                &cache,
                &client,
            )
            .await;
            (id, result)
        });
    }
    let bar = crate::progress::stage_bar("summarize", "articles", set.len() as u64, progress);
    let mut reports = Vec::new();
    while let Some(joined) = set.join_next().await {
        let (id, result) = joined.map_err(|e| GlossError::Task {
            stage: "summary",
            message: e.to_string(),
        })?;
        let (answer, report) = result.map_err(GlossError::Llm)?;
        bar.inc(1);
        if let Some(answer) = answer
            && let Some(a) = digest.articles.iter_mut().find(|a| a.id == id)
        {
            let template = p.prompts.source("summarize.md").unwrap_or_default();
            // An answer that only repeated the template is no summary.
            a.summary = Some(summarize::parse(&id, &answer, template))
                .filter(|s| !s.text.is_empty() || !s.key_points.is_empty());
        }
        reports.push(report);
    }
    bar.finish_and_clear();
    reports.sort_by(|a, b| a.item.cmp(&b.item));

    let inputs: Vec<BriefInput> = digest
        .articles
        .iter()
        .filter_map(|a| {
            let s = a.summary.as_ref()?;
            let mut text = s.text.clone();
            for point in &s.key_points {
                text.push_str("\n- ");
                text.push_str(point);
            }
            Some(BriefInput {
                id: a.id.clone(),
                title: a
                    .title_translation
                    .clone()
                    .unwrap_or_else(|| a.title.clone()),
                section: a.section.clone(),
                text,
            })
        })
        .collect();
    if inputs.is_empty() {
        return Ok(reports);
    }
    let mut sections: Vec<String> = Vec::new();
    for a in &digest.articles {
        if let Some(s) = &a.section
            && !sections.contains(s)
        {
            sections.push(s.clone());
        }
    }
    let known: Vec<String> = p.issue.articles.iter().map(|a| a.id.clone()).collect();
    let limit = p
        .profile
        .context_window
        .saturating_sub(p.profile.max_output_tokens as usize + BRIEF_PROMPT_TOKENS)
        .max(256);

    // Map → reduce until one request holds everything.
    let first_level = inputs.clone();
    let mut level = inputs;
    let mut stages = 0;
    let mut depth = 0;
    let size = |i: &BriefInput| estimate_tokens(&i.text) + estimate_tokens(&i.title);
    let answer: std::result::Result<String, String> = 'levels: loop {
        depth += 1;
        // Past the first level every request must merge at least two inputs,
        // or partial briefs as long as half the limit would never converge.
        let floor = if depth == 1 {
            0
        } else {
            2 * level.iter().map(size).max().unwrap_or(0)
        };
        let groups = brief::groups(level, limit.max(floor), size);
        let single = groups.len() == 1;
        let mut next = Vec::new();
        for (n, group) in groups.into_iter().enumerate() {
            stages += 1;
            let messages = brief::messages(&p.prompts, &target, &p.issue.name, &sections, &group)?;
            let item = if single {
                "brief".to_string()
            } else {
                format!("brief part {depth}.{}", n + 1)
            };
            let (answer, report) = complete_cached(
                &item,
                AnswerSpec {
                    kind: "brief",
                    max_tokens: BRIEF_MAX_TOKENS,
                    line_list: false,
                    sentences: false,
                },
                &messages,
                &p.profile,
                &p.cache,
                client,
            )
            .await
            .map_err(GlossError::Llm)?;
            let error = report.error.clone();
            reports.push(report);
            let Some(answer) = answer else {
                break 'levels Err(format!(
                    "the {item} request failed: {}",
                    error.unwrap_or_default()
                ));
            };
            next.push(BriefInput {
                id: format!("part {}", n + 1),
                title: format!("Partial brief {}", n + 1),
                section: None,
                text: answer,
            });
        }
        if single {
            break Ok(next.pop().map(|b| b.text).unwrap_or_default());
        }
        level = next;
    };
    let markdown = match answer {
        Ok(m) => m,
        Err(reason) => format!("(no brief: {reason})"),
    };
    // A complete but unusable answer (a small model repeating the template)
    // gives way to a brief assembled from the summaries, and says so.
    let problem = if markdown.starts_with("(no brief: ") {
        Some(
            markdown
                .trim_start_matches("(no brief: ")
                .trim_end_matches(')')
                .to_string(),
        )
    } else {
        brief::problem(
            &markdown,
            &known,
            p.prompts.source("brief.md").unwrap_or_default(),
        )
        .or_else(|| brief::language_problem(&markdown, &target, &sections))
    };
    let (markdown, origin) = match problem {
        None => (markdown, "model".to_string()),
        Some(reason) => {
            eprintln!(
                "gloss: warning: the model's brief was not usable ({reason}); assembling it from the summaries"
            );
            let points: Vec<(String, Vec<String>)> = digest
                .articles
                .iter()
                .filter_map(|a| {
                    a.summary
                        .as_ref()
                        .map(|s| (a.id.clone(), s.key_points.clone()))
                })
                .collect();
            (
                brief::fallback(&first_level, &points, &reason),
                format!("fallback: {reason}"),
            )
        }
    };
    // Small models write short rows under the key-figures header.
    let (markdown, _) = brief::fit_tables(&markdown);
    let (markdown, cited, removed) = brief::check_citations(&markdown, &known);
    if !removed.is_empty() {
        eprintln!(
            "gloss: warning: the brief cited articles that do not exist ({}); those citations were removed",
            removed.join(", ")
        );
    }
    digest.brief = Some(brief::Brief {
        markdown,
        cited,
        removed_citations: removed,
        stages,
        origin,
    });
    Ok(reports)
}
