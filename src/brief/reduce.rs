//! Map → reduce: a brief over more than the model's context holds. The
//! inputs are briefed in groups that fit, then the partial briefs, until
//! one request holds everything; nothing is cut. The issue brief and the
//! cross-issue brief both go this way ([`Reduction`] says which).

use crate::cache::AnswerKind;
use crate::error::{GlossError, Result};
use crate::stage::{AnswerSpec, RequestReport};

use super::{BriefInput, Services, messages};

/// Tokens of prompt text around the inputs.
const PROMPT_TOKENS: usize = 600;
/// Room for a brief.
const MAX_TOKENS: u32 = 1200;

/// Which brief a reduction writes.
pub struct Reduction<'a> {
    /// The prompt (`brief.md`, `week.md`).
    pub template: &'a str,
    /// What its requests are called (`brief`, `brief part 2.1`).
    pub item: &'a str,
    /// What its answers are cached as.
    pub kind: AnswerKind,
    pub target_language: &'a str,
    /// The issue's name, as the prompt shows it (empty for several issues).
    pub issue: &'a str,
    /// The sections of the inputs, in order.
    pub sections: &'a [String],
    /// What of a partial brief goes up a level: all of it, or its headlines.
    pub partial: fn(&str) -> String,
}

/// Rough token estimate without building a tokenizer: English ~4 chars a token.
fn estimate_tokens(text: &str) -> usize {
    text.len().div_ceil(4) + 8
}

/// The requests of one level of a reduction: `level`'s inputs in groups that
/// fit `limit` tokens (by estimate). Past the first level (`depth` > 1)
/// every group merges at least two inputs, or partial briefs as long as half
/// the limit would never converge.
pub fn level_groups(level: Vec<BriefInput>, depth: usize, limit: usize) -> Vec<Vec<BriefInput>> {
    let size = |i: &BriefInput| estimate_tokens(&i.text) + estimate_tokens(&i.title);
    let floor = if depth == 1 {
        0
    } else {
        2 * level.iter().map(size).max().unwrap_or(0)
    };
    groups(level, limit.max(floor), size)
}

/// Split `inputs` into groups whose estimated size fits `limit` tokens
/// (`size` estimates one input). A single input larger than the limit is
/// a group of its own.
pub fn groups(
    inputs: Vec<BriefInput>,
    limit: usize,
    size: impl Fn(&BriefInput) -> usize,
) -> Vec<Vec<BriefInput>> {
    let mut out: Vec<Vec<BriefInput>> = Vec::new();
    let mut used = 0;
    for input in inputs {
        let n = size(&input);
        if out.is_empty() || used + n > limit {
            out.push(Vec::new());
            used = 0;
        }
        used += n;
        if let Some(last) = out.last_mut() {
            last.push(input);
        }
    }
    out
}

/// The brief's text (or why there is none) and the reports of the requests
/// it took: groups of `level` that fit the context are briefed, then the
/// partial briefs, until one request holds everything. A fatal endpoint
/// error is `Err`; a request without a usable answer is `Ok(Err(reason))`.
pub async fn reduce(
    r: &Reduction<'_>,
    mut level: Vec<BriefInput>,
    s: &Services<'_>,
) -> Result<(std::result::Result<String, String>, Vec<RequestReport>)> {
    let limit = s
        .profile
        .context_window
        .saturating_sub(s.profile.max_output_tokens as usize + PROMPT_TOKENS)
        .max(256);
    let mut reports = Vec::new();
    for depth in 1.. {
        let groups = level_groups(level, depth, limit);
        let single = groups.len() == 1;
        let mut next = Vec::new();
        for (n, group) in groups.into_iter().enumerate() {
            let item = if single {
                r.item.to_string()
            } else {
                format!("{} part {depth}.{}", r.item, n + 1)
            };
            let messages = messages(
                s.prompts,
                r.template,
                r.target_language,
                r.issue,
                r.sections,
                &group,
            )?;
            let spec = AnswerSpec {
                kind: r.kind,
                max_tokens: MAX_TOKENS,
                line_list: false,
                sentences: false,
            };
            let (answer, report) = s
                .complete(&item, spec, &messages)
                .await
                .map_err(GlossError::Llm)?;
            let error = report.error.clone();
            reports.push(report);
            let Some(answer) = answer else {
                let why = format!("the {item} request failed: {}", error.unwrap_or_default());
                return Ok((Err(why), reports));
            };
            if single {
                return Ok((Ok(answer), reports));
            }
            next.push(BriefInput {
                id: format!("part {}", n + 1),
                title: format!("Partial brief {}", n + 1),
                section: None,
                text: (r.partial)(&answer),
            });
        }
        level = next;
    }
    unreachable!("the levels loop only ends by returning")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_fit_the_limit() {
        let inputs: Vec<BriefInput> = (0..10)
            .map(|i| BriefInput {
                id: format!("A{i:02}"),
                title: String::new(),
                section: None,
                text: "x".repeat(100),
            })
            .collect();
        let g = groups(inputs, 350, |i| i.text.len());
        assert_eq!(
            g.iter().map(|g| g.len()).collect::<Vec<_>>(),
            vec![3, 3, 3, 1]
        );
    }

    #[test]
    fn later_levels_merge_at_least_two() {
        let long = |id: &str| BriefInput {
            id: id.into(),
            title: String::new(),
            section: None,
            text: "x".repeat(4000),
        };
        // ~1,008 tokens each against a limit of 1,500: alone at the first
        // level, in pairs past it.
        let level = vec![long("a"), long("b"), long("c")];
        assert_eq!(level_groups(level.clone(), 1, 1500).len(), 3);
        assert_eq!(level_groups(level, 2, 1500).len(), 2);
    }
}
