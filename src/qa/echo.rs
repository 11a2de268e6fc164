//! Replies that repeat the prompt instead of translating.
//!
//! Small models echo their instructions: a "repaired" segment that reads
//! "Translate the source again completely, fixing these problems…" passes
//! every check that reads numbers or script. The phrases to look for are
//! derived from the templates in use (built-in or overridden), so a changed
//! prompt is covered without a list to keep in step with it:
//! - every run of [`WINDOW`] words of a template's literal text (the text
//!   outside `{{ … }}` and `{% … %}`) is an instruction phrase;
//! - every short template line that ends in a colon or starts with a
//!   `Label:` before a value (`Article: {{ title }}`, `Problems found in it:`,
//!   `Translate these {{ n }} segments:`) is a label; a label of two words or
//!   more is the prompt wherever it appears, a one-word label (`Source:`)
//!   only at the start of a line of a translation whose source has no label
//!   of its own (no colon), since `출처:` is rightly "Source:".

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

/// The line of a template that separates the system message from the user
/// message. Defined with the checks that read templates, which the prompts
/// build on (`crate::prompts` re-exports it).
pub const USER_MARKER: &str = "<<<USER>>>";

/// Words in a row that make an instruction phrase: long enough that
/// ordinary prose does not share it with a prompt, short enough to catch a
/// partial echo.
pub const WINDOW: usize = 5;

/// The most words a label line may have.
const LABEL_WORDS: usize = 6;

static TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)\{%.*?%\}|\{#.*?#\}").expect("static regex"));
static EXPRESSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)\{\{.*?\}\}").expect("static regex"));

static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<[^<>{}\n]{2,60}>").expect("static regex"));

/// The `<…>` placeholders a template asks the model to replace
/// (`<takeaway 1>`, `<number with unit>`), in order, each once: an answer
/// that still holds one repeats the template instead of filling it.
pub fn placeholders(template: &str) -> Vec<String> {
    let template = template.replace(USER_MARKER, "");
    let mut out: Vec<String> = Vec::new();
    for m in PLACEHOLDER.find_iter(&template) {
        if !out.iter().any(|p| p == m.as_str()) {
            out.push(m.as_str().to_string());
        }
    }
    out
}

/// The instruction phrases and labels of a set of prompt templates.
#[derive(Debug, Clone)]
pub struct PromptText {
    /// Lower-case word windows, and the window as one string for reports.
    phrases: HashMap<Vec<String>, String>,
    /// Label patterns, and whether the label is a single word.
    labels: Vec<(Regex, bool)>,
    /// The figures written in digits in the templates' literal text (an
    /// example such as `4억 2,700만 = 427 million`), small counts aside.
    figures: Vec<super::numbers::Mention>,
}

/// Lower-case words (letters and digits) of `text`.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

impl PromptText {
    /// The phrases of `templates` (raw template text, as in `prompts/`).
    pub fn from_templates<'a>(templates: impl IntoIterator<Item = &'a str>) -> Self {
        let mut phrases = HashMap::new();
        let mut labels = Vec::new();
        let mut figures = Vec::new();
        for template in templates {
            // Block tags are structure, never text a model could copy.
            let text = TAG.replace_all(template, "\n");
            for line in text.lines() {
                let line = line.trim();
                if line == USER_MARKER {
                    continue;
                }
                let pieces: Vec<&str> = EXPRESSION.split(line).collect();
                for piece in &pieces {
                    figures.extend(super::numbers::added("", piece));
                    // Figures (`1,000,000,000,000`) are the document's too.
                    let wordy = |w: &[String]| {
                        w.iter()
                            .filter(|w| w.chars().any(char::is_alphabetic))
                            .count()
                            >= WINDOW - 2
                    };
                    for window in words(piece).windows(WINDOW).filter(|w| wordy(w)) {
                        phrases.insert(window.to_vec(), window.join(" "));
                    }
                }
                if let Some(label) = label_pattern(line, &pieces) {
                    labels.push(label);
                }
            }
        }
        Self {
            phrases,
            labels,
            figures,
        }
    }

    /// A figure of `translation` that the instructions write and `source`
    /// does not account for: an example of the prompt taken for content
    /// ("…equivalent to 427 million." in a sentence without the amount).
    pub fn copied_figure(&self, source: &str, translation: &str) -> Option<String> {
        super::numbers::added(source, translation)
            .into_iter()
            .find(|got| {
                self.figures
                    .iter()
                    .any(|f| (f.value - got.value).abs() <= 1e-9 * f.value.abs().max(1.0))
            })
            .map(|m| m.text)
    }

    /// The figures of the templates' literal text.
    pub fn figures(&self) -> &[super::numbers::Mention] {
        &self.figures
    }

    /// The prompt text `translation` repeats, if any. Phrases that `source`
    /// itself contains (an English source) are not the prompt's.
    pub fn find(&self, source: &str, translation: &str) -> Option<String> {
        let source_words = words(source);
        let in_source = |window: &[String]| source_words.windows(WINDOW).any(|s| s == window);
        for window in words(translation).windows(WINDOW) {
            if let Some(phrase) = self.phrases.get(window)
                && !in_source(window)
            {
                return Some(phrase.clone());
            }
        }
        let source_has_label = source.contains(':') || source.contains('：');
        for (label, single_word) in &self.labels {
            if *single_word && source_has_label {
                continue;
            }
            if let Some(m) = label.find(translation) {
                return Some(m.as_str().trim().to_string());
            }
        }
        None
    }
}

/// The pattern of a label line: its literal pieces in order, any value in
/// between. `None` for lines that are not labels.
fn label_pattern(line: &str, pieces: &[&str]) -> Option<(Regex, bool)> {
    let literal: String = pieces.concat();
    let count = words(&literal).len();
    if count == 0 || count > LABEL_WORDS || !literal.chars().any(char::is_alphabetic) {
        return None;
    }
    // `Article: {{ title }}`: the label is the text before the value.
    let (pieces, ends_in_colon) = if line.trim_end().ends_with(':') {
        (pieces.to_vec(), true)
    } else {
        let first = pieces.first()?.trim_end();
        (vec![first], first.ends_with(':'))
    };
    if !ends_in_colon || pieces.iter().all(|p| p.trim().is_empty()) {
        return None;
    }
    let body: Vec<String> = pieces
        .iter()
        .map(|p| regex::escape(p.trim()))
        .filter(|p| !p.is_empty())
        .collect();
    let body = body.join(r".{1,40}?");
    let single_word = words(&pieces.concat()).len() == 1;
    let pattern = if single_word {
        format!(r"(?m)^[ \t>*_#-]*{body}")
    } else {
        format!(r"(?i){body}")
    };
    Regex::new(&pattern).ok().map(|r| (r, single_word))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prompts::Prompts;

    fn builtin() -> PromptText {
        let p = Prompts::builtin();
        PromptText::from_templates(["translate.md", "repair.md"].map(|n| p.source(n).unwrap()))
    }

    const SRC: &str = "혁신과학경제개발부(ISED) 지원금이 총 4억 2,700만 캐나다 달러에 육박";

    #[test]
    fn the_builtin_prompts_write_no_figures() {
        assert_eq!(builtin().figures(), &[]);
    }

    #[test]
    fn a_figure_copied_from_the_instructions_is_found() {
        // The prompts of before: their examples came back as content.
        let echo = PromptText::from_templates([
            "Convert units (4억 2,700만 = 427 million). Years written ’30년 mean 2030.",
            "Translate these {{ count }} segments, marked [1] to [{{ count }}]:",
        ]);
        let source = "이는 6개 도서관 규모에 해당한다.";
        assert_eq!(
            echo.copied_figure(source, "…6 book libraries, equivalent to 427 million."),
            Some("427 million".to_string())
        );
        assert_eq!(
            echo.copied_figure(source, "The plan runs to 2030."),
            Some("2030".to_string())
        );
        // Small counts and the figures of the source are not the prompt's.
        assert_eq!(
            echo.copied_figure(source, "It is the size of 6 libraries."),
            None
        );
        assert_eq!(
            echo.copied_figure(SRC, "ISED funding nears CAD 427 million"),
            None
        );
        assert_eq!(
            echo.copied_figure("’30년까지 추진", "It runs until 2030."),
            None
        );
    }

    #[test]
    fn echoed_instructions_and_labels_are_found() {
        let echo = builtin();
        for reply in [
            "Translate the source again completely, fixing these problems. Keep every number exact.",
            "ISED funding nears CAD 427 million.\n\nProblems found in it:\n- number: \"4억\" not found",
            "Article: Canada funds clusters\nISED funding nears CAD 427 million",
            "ISED funding nears CAD 427 million. Reply with each segment's translation on its own line",
            "Previous translation: ISED funding nears CAD 427 million",
            "Term translations to use:\n혁신과학경제개발부 → ISED",
            "Keep every number, name and date exactly.",
        ] {
            assert!(echo.find(SRC, reply).is_some(), "not caught: {reply:?}");
        }
    }

    #[test]
    fn ordinary_translations_pass() {
        let echo = builtin();
        for reply in [
            "Funding from Innovation, Science and Economic Development Canada (ISED) approaches CAD 427 million in total",
            "The article reviews the translation of research results into products.",
            "Sources of funding: the federal government and the provinces",
            "NVIDIA joins the 1,000,000,000,000 dollar club",
        ] {
            assert_eq!(echo.find(SRC, reply), None, "{reply:?}");
        }
        // A one-word label the source has itself is a translation.
        assert_eq!(
            echo.find(
                "출처: 산업통상자원부",
                "Source: Ministry of Trade, Industry and Energy"
            ),
            None
        );
        assert!(
            echo.find(
                "산업통상자원부 자료",
                "Source:\nMinistry of Trade, Industry and Energy"
            )
            .is_some()
        );
    }

    #[test]
    fn an_overridden_prompt_is_covered() {
        let echo = PromptText::from_templates([
            "Render {{ source_language }} prose as idiomatic business English for analysts.\n<<<USER>>>\nHeadline: {{ title }}\n{% for s in segments %}[{{ loop.index }}] {{ s.text }}\n{% endfor %}",
        ]);
        assert!(
            echo.find(SRC, "prose as idiomatic business English, CAD 427 million")
                .is_some()
        );
        assert!(echo.find(SRC, "Headline: Canada funds clusters").is_some());
        // The built-in wording is not this prompt's.
        assert!(
            echo.find(
                SRC,
                "Translate the source again completely, fixing these problems"
            )
            .is_none()
        );
    }
}
