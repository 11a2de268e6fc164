//! Stage 5 — summarize: 2–3 sentences and up to 3 key points per article,
//! made from its English translation (so a cached translation is reused and
//! an edit to one article re-summarizes only that article).

use serde::Serialize;

use crate::document::Article;
use crate::error::Result;
use crate::prompts::{Messages, Prompts};

pub use crate::outcome::Summary;

#[derive(Serialize)]
struct Context<'a> {
    target_language: &'a str,
    id: &'a str,
    title: &'a str,
    source: Option<&'a str>,
    date: Option<&'a str>,
    text: String,
}

/// The summary request for `article`, from its translated title and paragraphs.
pub fn messages(
    prompts: &Prompts,
    target_language: &str,
    article: &Article,
    title: &str,
    paragraphs: &[&str],
) -> Result<Messages> {
    prompts.render(
        "summarize.md",
        Context {
            target_language,
            id: &article.id,
            title,
            source: article.source.as_deref(),
            date: article.date.as_deref(),
            text: paragraphs.join("\n"),
        },
    )
}

/// Read a `SUMMARY: … / - point` answer; lenient about labels and bullets.
/// Lines that keep a placeholder of `template` (the summary prompt in use,
/// e.g. `- <key point>`) repeat the template and are left out.
pub fn parse(id: &str, answer: &str, template: &str) -> Summary {
    let unfilled = crate::qa::echo::placeholders(template);
    let mut text = Vec::new();
    let mut key_points = Vec::new();
    let lines = answer
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .filter(|l| !unfilled.iter().any(|p| l.contains(p.as_str())));
    for line in lines {
        let bullet = ["- ", "* ", "• ", "∙ "]
            .iter()
            .find_map(|b| line.strip_prefix(b));
        match bullet {
            Some(point)
                if key_points.len() < 3 && !key_points.iter().any(|p| p == point.trim()) =>
            {
                key_points.push(point.trim().to_string())
            }
            Some(_) => {}
            None if key_points.is_empty() => {
                let line = line
                    .strip_prefix("SUMMARY:")
                    .or_else(|| line.strip_prefix("Summary:"))
                    .or_else(|| line.strip_prefix("**SUMMARY:**"))
                    .unwrap_or(line);
                if !line.trim().is_empty() && !line.to_lowercase().starts_with("key points") {
                    text.push(line.trim().to_string());
                }
            }
            None => {}
        }
    }
    Summary {
        id: id.to_string(),
        text: without_repeats(&text.join(" ")),
        key_points,
    }
}

/// `text` without the sentences it repeats verbatim (the first stays):
/// small models loop over their last sentences.
fn without_repeats(text: &str) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for sentence in text.split_inclusive(". ") {
        let key = sentence.trim().trim_end_matches('.');
        if !key.is_empty() && !seen.iter().any(|s| s.trim().trim_end_matches('.') == key) {
            seen.push(sentence);
        }
    }
    seen.concat().trim().to_string()
}

// ---------------------------------------------------------------------------
// The stage's flow: one request per article.
// ---------------------------------------------------------------------------

/// Room for a summary answer (2–3 sentences and 3 points).
const SUMMARY_MAX_TOKENS: u32 = 400;

/// One article's summary request, built from its translation: plain data.
#[derive(Debug, Clone)]
pub struct SummaryRequest {
    /// The article's id.
    pub id: String,
    messages: Messages,
    /// The summary prompt in use: an answer that only repeats it is none.
    template: String,
}

impl SummaryRequest {
    /// The request for `article` from its translated `title` and
    /// `paragraphs`; `None` when nothing of it was translated (there is
    /// nothing to summarize).
    pub fn new(
        prompts: &Prompts,
        target_language: &str,
        article: &Article,
        title: Option<&str>,
        paragraphs: &[&str],
    ) -> Result<Option<Self>> {
        if title.is_none() && paragraphs.is_empty() {
            return Ok(None);
        }
        let title = title.unwrap_or(&article.title);
        Ok(Some(SummaryRequest {
            id: article.id.clone(),
            messages: messages(prompts, target_language, article, title, paragraphs)?,
            template: prompts
                .source("summarize.md")
                .unwrap_or_default()
                .to_string(),
        }))
    }
}

/// Summarize one article from the cache or the endpoint: its summary (none
/// when the request failed or the answer only repeated the template) and
/// the request's report. A fatal endpoint error is `Err`.
pub async fn summarize(
    request: SummaryRequest,
    s: &crate::stage::Services<'_>,
) -> std::result::Result<(Option<Summary>, crate::stage::RequestReport), crate::llm::LlmError> {
    let spec = crate::stage::AnswerSpec {
        kind: crate::cache::AnswerKind::Summary,
        max_tokens: SUMMARY_MAX_TOKENS,
        line_list: false,
        sentences: true,
    };
    let item = format!("summary {}", request.id);
    let (answer, report) = s.complete(&item, spec, &request.messages).await?;
    let summary = answer
        .map(|a| parse(&request.id, &a, &request.template))
        .filter(|s| !s.text.is_empty() || !s.key_points.is_empty());
    Ok((summary, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template() -> String {
        Prompts::builtin()
            .source("summarize.md")
            .unwrap_or_default()
            .to_string()
    }

    #[test]
    fn parses_summary_and_points() {
        let s = parse(
            "A06",
            "SUMMARY: Canada funds clusters. Support nears CAD 427 million.\n- CAD 427 million from ISED\n- 5 clusters\n- 13,500 jobs\n- extra",
            &template(),
        );
        assert_eq!(
            s.text,
            "Canada funds clusters. Support nears CAD 427 million."
        );
        assert_eq!(
            s.key_points,
            vec!["CAD 427 million from ISED", "5 clusters", "13,500 jobs"]
        );
    }

    #[test]
    fn tolerates_missing_label() {
        let s = parse("A01", "Japan's makers lag in R&D DX.", &template());
        assert_eq!(s.text, "Japan's makers lag in R&D DX.");
        assert!(s.key_points.is_empty());
    }

    #[test]
    fn lines_that_repeat_the_template_are_left_out() {
        let s = parse(
            "A06",
            "SUMMARY: Canada funds clusters.\n- <key point with its exact figure>\n- CAD 427 million from ISED\n- <key point>",
            &template(),
        );
        assert_eq!(s.text, "Canada funds clusters.");
        assert_eq!(s.key_points, vec!["CAD 427 million from ISED"]);
        let s = parse("A06", "SUMMARY: <2 or 3 sentences>", &template());
        assert!(s.text.is_empty() && s.key_points.is_empty());
    }

    #[test]
    fn sentences_and_points_repeated_verbatim_are_dropped() {
        let s = parse(
            "A06",
            "SUMMARY: Canada funds clusters. It gives CAD 9.5 billion. Clusters focus on AI. It gives CAD 9.5 billion. Clusters focus on AI.\n- 5 clusters\n- 5 clusters\n- 13,500 jobs",
            &template(),
        );
        assert_eq!(
            s.text,
            "Canada funds clusters. It gives CAD 9.5 billion. Clusters focus on AI."
        );
        assert_eq!(s.key_points, vec!["5 clusters", "13,500 jobs"]);
    }
}

#[cfg(test)]
mod fake_tests;
