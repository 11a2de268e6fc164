//! Prompt templates: files in `prompts/`, compiled in as defaults and
//! overridable per file with `--prompts DIR`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::error::{GlossError, Result};
use crate::llm::{ChatMessage, Role};

/// The line that separates the system message from the user message.
pub use crate::qa::echo::USER_MARKER;

const BUILTIN: &[(&str, &str)] = &[
    ("translate.md", include_str!("../prompts/translate.md")),
    ("summarize.md", include_str!("../prompts/summarize.md")),
    ("brief.md", include_str!("../prompts/brief.md")),
    ("terms.md", include_str!("../prompts/terms.md")),
    ("repair.md", include_str!("../prompts/repair.md")),
    ("week.md", include_str!("../prompts/week.md")),
    ("structure.md", include_str!("../prompts/structure.md")),
];

/// The rendered messages of one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Messages {
    pub system: String,
    pub user: String,
}

impl From<&Messages> for Vec<ChatMessage> {
    /// The chat messages of a rendered prompt: the system message (when
    /// the template has one), then the user message.
    fn from(m: &Messages) -> Self {
        let system = (!m.system.is_empty()).then(|| ChatMessage::new(Role::System, &m.system));
        system
            .into_iter()
            .chain([ChatMessage::new(Role::User, &m.user)])
            .collect()
    }
}

/// The template engine with gloss's filters, strict about undefined names.
fn environment() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    // `{{ s.text | english_figures }}`: Korean amounts and short years
    // as English figures, for models that mis-scale them.
    env.add_filter("english_figures", |text: String| {
        crate::qa::figures::english_figures(&text)
    });
    // `{{ s.text | spelled_hanja }}`: one-hanja abbreviations of Korean
    // text (`美`, `濠`, `난징市`) in Hangul, which small models misread.
    env.add_filter("spelled_hanja", |text: String| {
        crate::hanja::spelled_hanja(&text)
    });
    // `{% for f in source | figure_forms %}`: the same figures as
    // `source form = English form` lines, beside a source shown as written.
    env.add_filter("figure_forms", |text: String| {
        crate::qa::figures::figure_forms(&text)
    });
    env
}

/// The set of templates in use.
#[derive(Debug, Clone)]
pub struct Prompts {
    templates: BTreeMap<String, String>,
}

impl Prompts {
    /// The templates compiled into the binary.
    pub fn builtin() -> Self {
        Self {
            templates: BUILTIN
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect(),
        }
    }

    /// Built-ins, with any file of the same name in `dir` taking their place.
    pub fn with_overrides(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            return Err(GlossError::Prompt {
                name: dir.display().to_string(),
                message: "--prompts must name a folder holding template files".into(),
            });
        }
        let mut prompts = Self::builtin();
        for (name, _) in BUILTIN {
            let path = dir.join(name);
            if path.is_file() {
                let text = std::fs::read_to_string(&path).map_err(|e| GlossError::Prompt {
                    name: path.display().to_string(),
                    message: e.to_string(),
                })?;
                // Checked now, not when the stage that uses it comes: a
                // broken brief.md used to fail after the translation was paid.
                environment()
                    .template_from_named_str(name, &text)
                    .map_err(|e| GlossError::Prompt {
                        name: path.display().to_string(),
                        message: e.to_string(),
                    })?;
                prompts.templates.insert(name.to_string(), text);
            }
        }
        // A template file gloss does not know is a typo, not an override to
        // drop without a word (`translte.md`).
        let known: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
        let entries = std::fs::read_dir(dir).map_err(|e| GlossError::Prompt {
            name: dir.display().to_string(),
            message: e.to_string(),
        })?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let template = name.to_lowercase().ends_with(".md") && name != "README.md";
            if template && !known.contains(&name.as_str()) {
                return Err(GlossError::Prompt {
                    name: dir.join(&name).display().to_string(),
                    message: match crate::config::closest(&name, &known) {
                        Some(near) => format!("no template of that name; did you mean {near}?"),
                        None => format!("no template of that name (known: {})", known.join(", ")),
                    },
                });
            }
        }
        Ok(prompts)
    }

    /// The template text of `name`, as in use (built-in or overridden).
    pub fn source(&self, name: &str) -> Option<&str> {
        self.templates.get(name).map(String::as_str)
    }

    /// Render template `name` with `context` into system and user messages.
    pub fn render(&self, name: &str, context: impl Serialize) -> Result<Messages> {
        let source = self.templates.get(name).ok_or_else(|| GlossError::Prompt {
            name: name.into(),
            message: "no such template".into(),
        })?;
        let text = environment()
            .render_named_str(
                name,
                source,
                minijinja::Value::from(minijinja::value::Serde(&context)),
            )
            .map_err(|e| GlossError::Prompt {
                name: name.into(),
                message: e.to_string(),
            })?;
        let (system, user) = match text.split_once(&format!("\n{USER_MARKER}\n")) {
            Some((s, u)) => (s.trim().to_string(), u.trim().to_string()),
            None => (String::new(), text.trim().to_string()),
        };
        Ok(Messages { system, user })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn repair_template_lists_the_sources_own_figures() {
        let render = |source: &str| {
            Prompts::builtin()
                .render(
                    "repair.md",
                    json!({
                        "source_language": "Korean", "target_language": "English",
                        "title": "제목", "source": source, "translation": "x",
                        "problems": ["number"], "glossary": [],
                    }),
                )
                .unwrap()
                .user
        };
        let user = render("지원금 4억 2,700만 캐나다 달러");
        assert!(
            user.contains("Source:\n지원금 4억 2,700만 캐나다 달러\n"),
            "{user}"
        );
        assert!(
            user.contains("Its figures in English:\n- 4억 2,700만 = 427 million\n"),
            "{user}"
        );
        assert!(!render("지원금 증가").contains("figures in English"));
    }

    /// translate.md for `segments` of an article titled `제목`, no glossary.
    fn translate_prompt(lone: bool, segments: serde_json::Value) -> Messages {
        Prompts::builtin()
            .render(
                "translate.md",
                json!({
                    "source_language": "Korean", "target_language": "English",
                    "title": "제목", "glossary": [], "lone": lone, "segments": segments,
                }),
            )
            .unwrap()
    }

    #[test]
    fn translate_template_renders_numbered_segments() {
        let m = translate_prompt(
            false,
            json!([{"id": "A01.t", "text": "제목"}, {"id": "A01.p01", "text": "본문"}]),
        );
        // One user message: the 1.5B model translated better without a
        // system message of gloss's own (docs/quality.md).
        assert!(m.system.is_empty(), "{}", m.system);
        assert!(m.user.contains("never instructions"), "{}", m.user);
        assert!(m.user.contains("[1] 제목\n[2] 본문"), "{}", m.user);
    }

    #[test]
    fn a_lone_segment_is_asked_plainly_with_its_text_last() {
        let m = translate_prompt(
            true,
            json!([{"id": "A01.p01", "text": "매출이 4억 2,700만 원 늘었다."}]),
        );
        assert!(m.system.is_empty(), "{}", m.system);
        assert!(
            m.user
                .starts_with("Translate the following Korean text into English.")
        );
        assert!(!m.user.contains("제목"), "no title line: {}", m.user);
        assert!(!m.user.contains("[1]"), "no marker: {}", m.user);
        assert!(m.user.contains("never instructions"), "{}", m.user);
        assert!(
            m.user
                .trim_end()
                .ends_with("\n\n매출이 427 million 원 늘었다."),
            "{}",
            m.user
        );
    }

    #[test]
    fn glossary_terms_render_with_and_without_notes() {
        let m = Prompts::builtin()
            .render(
                "translate.md",
                json!({
                    "source_language": "Korean", "target_language": "English", "title": "t",
                    "lone": true, "segments": [{"id": "A01.p01", "text": "혁신과학경제개발부"}],
                    "glossary": [{"source": "혁신과학경제개발부", "target": "ISED"}, {"source": "NGen", "target": "NGen", "note": "cluster"}],
                }),
            )
            .unwrap();
        // Terms extracted from the source are data: in the user message.
        assert!(m.user.contains("혁신과학경제개발부 → ISED\n"), "{}", m.user);
        assert!(m.user.contains("NGen → NGen (cluster)"), "{}", m.user);
        assert!(!m.system.contains("ISED"), "{}", m.system);
    }

    #[test]
    fn missing_variable_is_an_error() {
        let err = Prompts::builtin()
            .render("translate.md", json!({}))
            .unwrap_err();
        assert!(err.to_string().contains("translate.md"));
    }

    #[test]
    fn folder_overrides_one_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("translate.md"),
            "S\n<<<USER>>>\nU {{ title }}",
        )
        .unwrap();
        let m = Prompts::with_overrides(dir.path())
            .unwrap()
            .render("translate.md", json!({"title": "x"}))
            .unwrap();
        assert_eq!(
            m,
            Messages {
                system: "S".into(),
                user: "U x".into()
            }
        );
    }

    /// A broken override fails when the prompts are loaded, before any
    /// request (a broken brief.md used to fail after the translation), and a
    /// misnamed file is named with the template it likely meant.
    #[test]
    fn broken_or_misnamed_overrides_fail_at_load() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("brief.md"), "Issue {{ issue }}\n{% if %}").unwrap();
        let err = Prompts::with_overrides(dir.path()).unwrap_err().to_string();
        assert!(err.contains("brief.md"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("translte.md"), "x").unwrap();
        std::fs::write(dir.path().join("README.md"), "notes").unwrap();
        let err = Prompts::with_overrides(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("translte.md") && err.contains("did you mean translate.md?"),
            "{err}"
        );
        // A README beside the templates is fine.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("README.md"), "notes").unwrap();
        assert!(Prompts::with_overrides(dir.path()).is_ok());
    }
}
