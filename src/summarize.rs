//! Stage 5 — summarize: 2–3 sentences and up to 3 key points per article,
//! made from its English translation (so a cached translation is reused and
//! an edit to one article re-summarizes only that article).

use std::collections::BTreeSet;

use serde::Serialize;

use crate::citations::check_citations;
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
    /// Asked once more: the first answer only repeated the title.
    again: bool,
}

/// The summary request for `article`, from its translated title and
/// paragraphs; `again` when the first answer only repeated the title.
pub fn messages(
    prompts: &Prompts,
    target_language: &str,
    article: &Article,
    title: &str,
    paragraphs: &[&str],
    again: bool,
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
            again,
        },
    )
}

/// Words a title-only line may add without saying anything more.
const FILLER: [&str; 12] = [
    "the", "a", "an", "of", "and", "in", "on", "for", "to", "s", "article", "summary",
];

/// The lower-case words of `text` (letters and digits).
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// Whether `text` only repeats `title` (with the words of `extra`, its
/// source and date): every word of it is one of theirs. The 1.5B answered
/// A04's summary request with "Electric vehicle and battery industry
/// outlook (Wood Mackenzie, 10.31)", and its brief headlines were the
/// titles translated.
pub fn repeats_title(text: &str, title: &str, extra: &[&str]) -> bool {
    let mut known: std::collections::HashSet<String> = words(title).collect();
    if known.is_empty() {
        return false;
    }
    known.extend(extra.iter().flat_map(|e| words(e)));
    let mut said = words(text).peekable();
    said.peek().is_some() && said.all(|w| known.contains(&w) || FILLER.contains(&w.as_str()))
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
    /// The request once more, for an answer that only repeated the title.
    again: Messages,
    /// The summary prompt in use: an answer that only repeats it is none.
    template: String,
    /// The title as the request gave it, and the article's source and date:
    /// a summary of nothing but these words is no summary.
    title: String,
    title_extra: Vec<String>,
    /// Every article id of the issue: what a summary may cite.
    known: BTreeSet<String>,
}

impl SummaryRequest {
    /// The request for `article` from its translated `title` and
    /// `paragraphs`; `None` when nothing of it was translated (there is
    /// nothing to summarize). `known`: the article ids.
    pub fn new(
        prompts: &Prompts,
        target_language: &str,
        article: &Article,
        title: Option<&str>,
        paragraphs: &[&str],
        known: BTreeSet<String>,
    ) -> Result<Option<Self>> {
        if title.is_none() && paragraphs.is_empty() {
            return Ok(None);
        }
        let title = title.unwrap_or(&article.title);
        let ask = |again| messages(prompts, target_language, article, title, paragraphs, again);
        Ok(Some(SummaryRequest {
            id: article.id.clone(),
            messages: ask(false)?,
            again: ask(true)?,
            template: prompts
                .source("summarize.md")
                .unwrap_or_default()
                .to_string(),
            title: title.to_string(),
            title_extra: [&article.source, &article.date]
                .into_iter()
                .flatten()
                .cloned()
                .collect(),
            known,
        }))
    }

    /// Whether `text` only repeats the article's title (and source, date).
    fn title_only(&self, text: &str) -> bool {
        let extra: Vec<&str> = self.title_extra.iter().map(String::as_str).collect();
        repeats_title(text, &self.title, &extra)
    }

    /// `summary` as its text should be: when it only repeats the title, the
    /// key points that say more stand in for it (`None` when there are none).
    fn mended(&self, mut summary: Summary) -> Option<Summary> {
        if !self.title_only(&summary.text) {
            return Some(summary);
        }
        let points: Vec<String> = summary
            .key_points
            .iter()
            .filter(|p| !self.title_only(p))
            .map(|p| match p.ends_with(['.', '!', '?']) {
                true => p.clone(),
                false => format!("{p}."),
            })
            .collect();
        if points.is_empty() {
            return None;
        }
        summary.text = points.join(" ");
        Some(summary)
    }
}

/// An article's summary and what it took.
#[derive(Debug, Clone, Default)]
pub struct SummaryOutcome {
    /// None when the request failed, or the answer only repeated the
    /// template or the title (also when asked once more).
    pub summary: Option<Summary>,
    /// The request's report, and the second request's when one was sent.
    pub reports: Vec<crate::stage::RequestReport>,
    /// For the user: citations of articles that do not exist, a summary
    /// that only repeated its title.
    pub warnings: Vec<String>,
}

/// Summarize one article from the cache or the endpoint. A summary that
/// only repeats the article's title gives way to its key points, or to a
/// second answer (asked once, cached like the first); when neither serves
/// the article has none, with a warning. Citations of articles the issue
/// does not have are removed and reported. A fatal endpoint error is `Err`.
pub async fn summarize(
    request: SummaryRequest,
    s: &crate::stage::Services<'_>,
) -> std::result::Result<SummaryOutcome, crate::llm::LlmError> {
    let spec = crate::stage::AnswerSpec {
        kind: crate::cache::AnswerKind::Summary,
        max_tokens: SUMMARY_MAX_TOKENS,
        line_list: false,
        sentences: true,
    };
    let ask = async |item: String, messages: &Messages| s.complete(&item, spec, messages).await;
    let read = |answer: Option<String>| {
        answer
            .map(|a| parse(&request.id, &a, &request.template))
            .filter(|s| !s.text.is_empty() || !s.key_points.is_empty())
    };
    let mut out = SummaryOutcome::default();
    let (answer, mut report) = ask(format!("summary {}", request.id), &request.messages).await?;
    let first = read(answer);
    let title_only = first.as_ref().is_some_and(|s| request.title_only(&s.text));
    let mut summary = first.and_then(|s| request.mended(s));
    if title_only && summary.is_some() {
        report.note = Some("the summary only repeated the title; its key points stand in".into());
    }
    out.reports.push(report);
    if title_only && summary.is_none() {
        let item = format!("summary {} again", request.id);
        let (answer, report) = ask(item, &request.again).await?;
        out.reports.push(report);
        summary = read(answer).and_then(|s| request.mended(s));
        if summary.is_none() {
            out.warnings.push(format!(
                "{}'s summary only repeated its title, also when asked once more; it has none",
                request.id
            ));
        }
    }
    if let Some(s) = summary.as_mut() {
        let removed = s.check_citations(&request.known);
        if !removed.is_empty() {
            out.warnings.push(format!(
                "{}'s summary cited articles that do not exist ({}); those citations were removed",
                request.id,
                removed.join(", ")
            ));
        }
    }
    out.summary = summary;
    Ok(out)
}

impl Summary {
    /// Keep the citations of `known` articles in the text and key points,
    /// drop the rest; returns those dropped.
    fn check_citations(&mut self, known: &BTreeSet<String>) -> Vec<String> {
        let mut removed: Vec<String> = Vec::new();
        for text in std::iter::once(&mut self.text).chain(self.key_points.iter_mut()) {
            let checked = check_citations(text, known);
            *text = checked.text.trim().to_string();
            for r in checked.removed {
                if !removed.contains(&r) {
                    removed.push(r);
                }
            }
        }
        removed
    }
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

    #[test]
    fn a_summary_of_nothing_but_its_title_is_told_apart() {
        let title = "Electric vehicle and battery industry outlook";
        let extra = ["Wood Mackenzie", "10.31"];
        // The 1.5B's summary of A04.
        for text in [
            "Electric vehicle and battery industry outlook (Wood Mackenzie, 10.31)",
            "**Electric Vehicle and Battery Industry Outlook.**",
            "The outlook of the electric vehicle and battery industry",
        ] {
            assert!(repeats_title(text, title, &extra), "{text}");
        }
        for text in [
            "Wood Mackenzie expects 40 million electric vehicles by 2030.",
            "Battery industry outlook darkens",
            "",
        ] {
            assert!(!repeats_title(text, title, &extra), "{text}");
        }
        assert!(!repeats_title("The", "", &[]));
    }

    fn request(known: &[&str]) -> SummaryRequest {
        let mut article = Article::stub("A04", "전기차 전망", None, vec![]);
        article.source = Some("Wood Mackenzie".into());
        article.date = Some("10.31".into());
        let known = known.iter().map(|s| s.to_string()).collect();
        SummaryRequest::new(
            &Prompts::builtin(),
            "English",
            &article,
            Some("Electric vehicle and battery industry outlook"),
            &["Sales grow."],
            known,
        )
        .unwrap()
        .unwrap()
    }

    #[test]
    fn key_points_stand_in_for_a_title_only_summary() {
        let r = request(&["A04"]);
        let s = parse(
            "A04",
            "SUMMARY: Electric vehicle and battery industry outlook (Wood Mackenzie, 10.31)\n- Electric vehicle and battery industry outlook\n- EV sales reach 40 million by 2030\n- Cell prices fall 20%.",
            &template(),
        );
        let mended = r.mended(s).expect("its key points serve");
        assert_eq!(
            mended.text,
            "EV sales reach 40 million by 2030. Cell prices fall 20%."
        );
        let bare = parse(
            "A04",
            "Electric vehicle and battery industry outlook.",
            &template(),
        );
        assert_eq!(r.mended(bare), None);
        let good = parse("A04", "SUMMARY: EV sales reach 40 million.", &template());
        assert_eq!(r.mended(good.clone()), Some(good));
        // Asked once more, the request says why.
        assert!(!r.messages.user.contains("only repeated"));
        assert!(r.again.user.contains("only repeated the article's title"));
        assert!(r.again.user.starts_with(&r.messages.user));
    }

    #[test]
    fn unknown_citations_in_a_summary_are_removed() {
        let r = request(&["A04", "C02"]);
        let mut s = parse(
            "A04",
            "SUMMARY: Sales grow [A04][A99]. See [C02, A98].\n- 40 million [A99]\n- Note [1]",
            &template(),
        );
        assert_eq!(s.check_citations(&r.known), ["A99", "A98"]);
        assert_eq!(s.text, "Sales grow [A04]. See [C02].");
        assert_eq!(s.key_points, ["40 million", "Note [1]"]);
    }
}

#[cfg(test)]
mod fake_tests;
