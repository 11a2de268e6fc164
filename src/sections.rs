//! Section names in the target language: the names of the selected
//! articles' sections go to the model as chunks of numbered segments (one
//! for a usual issue), checked and cached like any paragraph, so the outputs
//! can head each section in the reader's language.
//!
//! The schedule sends each chunk as a node that needs nothing; the brief
//! waits for them, so its section lines use the same names. A name whose
//! answer is unusable keeps its printed form, and the run says so.

use std::collections::{BTreeMap, HashSet};

use crate::chunk::{Chunk, Segment};
use crate::document::Issue;
use crate::outcome::TranslationMap;

/// The chunk's title in the prompt: context for the model. (tests/common
/// recognizes the request by it: keep the two in step.)
pub const TITLE: &str = "Section headings of the newsletter issue";

/// The `article` of the section-name chunks, which belong to no article.
pub const ARTICLE: &str = "sections";

/// Longer "names" are not a section heading's translation.
const MAX_CHARS: usize = 120;

/// The selected articles' section names, each once in document order, as
/// chunks of at most `budget` tokens (`sections.c01`…, segments
/// `sections.s01`…); none when no selected article has a section. An issue
/// of thousands of sections must not become one request too big to answer.
pub fn chunks(issue: &Issue, is_selected: impl Fn(&str) -> bool, budget: usize) -> Vec<Chunk> {
    let mut seen = HashSet::new();
    let names = issue
        .articles
        .iter()
        .filter(|a| is_selected(&a.id))
        .filter_map(|a| a.section.as_deref())
        .filter(|s| seen.insert(*s));
    let mut out: Vec<Chunk> = Vec::new();
    for (i, name) in names.enumerate() {
        let id = format!("sections.s{:02}", i + 1);
        let segment = Segment {
            paragraph: id.clone(),
            id,
            text: name.to_string(),
            // Only orders the jobs, sizes the answer and fills the budget:
            // one token per character is an upper bound for short CJK names.
            tokens: name.chars().count(),
        };
        let fits = out
            .last()
            .is_some_and(|c| c.tokens + segment.tokens <= budget.max(1));
        if !fits {
            out.push(Chunk {
                id: format!("sections.c{:02}", out.len() + 1),
                article: ARTICLE.into(),
                tokens: 0,
                segments: Vec::new(),
            });
        }
        if let Some(c) = out.last_mut() {
            c.tokens += segment.tokens;
            c.segments.push(segment);
        }
    }
    out
}

/// Section name → its translation, for the segments of `chunk` that came
/// back unflagged as one short line (model output is untrusted: anything
/// else keeps the original name).
pub fn names(chunk: &Chunk, translations: &TranslationMap) -> BTreeMap<String, String> {
    chunk
        .segments
        .iter()
        .filter_map(|s| {
            let t = translations.get(&s.id)?;
            let text = t.text.trim();
            let usable = t.flags.is_empty()
                && !text.is_empty()
                && !text.contains('\n')
                && text.chars().count() <= MAX_CHARS;
            usable.then(|| (s.text.clone(), text.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Article;
    use crate::translate::Translated;

    fn article(id: &str, section: Option<&str>) -> Article {
        Article::stub(id, &format!("제목 {id}"), section, vec![])
    }

    fn issue(sections: &[(&str, Option<&str>)]) -> Issue {
        Issue {
            name: "issue".into(),
            articles: sections.iter().map(|(id, s)| article(id, *s)).collect(),
            dropped: vec![],
            warnings: vec![],
            contents: None,
        }
    }

    #[test]
    fn each_selected_section_once_in_order() {
        let i = issue(&[
            ("F01", None),
            ("A01", Some("정책")),
            ("A02", Some("기술")),
            ("A03", Some("정책")),
            ("C01", Some("클리핑")),
        ]);
        let all: Vec<String> = i.articles.iter().map(|a| a.id.clone()).collect();
        let got = chunks(&i, |id| all.iter().any(|a| a == id), 400);
        assert_eq!(got.len(), 1);
        let c = &got[0];
        let texts: Vec<&str> = c.segments.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts, ["정책", "기술", "클리핑"]);
        let ids: Vec<&str> = c.segments.iter().map(|s| s.id.as_str()).collect();
        let unique: HashSet<&str> = ids.iter().copied().collect();
        assert_eq!(ids.len(), unique.len());
        let some = chunks(&i, |id| id == "A02", 400);
        assert_eq!(some.len(), 1);
        assert_eq!(some[0].segments.len(), 1);
        assert!(chunks(&i, |id| id == "F01", 400).is_empty());
    }

    #[test]
    fn many_sections_split_within_the_budget() {
        let names: Vec<String> = (0..40).map(|n| format!("섹션 이름 {n:02}")).collect();
        let spec: Vec<(String, Option<&str>)> = names
            .iter()
            .enumerate()
            .map(|(n, s)| (format!("A{n:02}"), Some(s.as_str())))
            .collect();
        let i = issue(
            &spec
                .iter()
                .map(|(id, s)| (id.as_str(), *s))
                .collect::<Vec<_>>(),
        );
        // Each name is 8 characters: 5 fit in 40 tokens.
        let got = chunks(&i, |_| true, 40);
        assert_eq!(got.len(), 8);
        assert!(got.iter().all(|c| c.tokens <= 40 && !c.segments.is_empty()));
        let texts: Vec<&str> = got
            .iter()
            .flat_map(|c| &c.segments)
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(texts, names.iter().map(String::as_str).collect::<Vec<_>>());
        let ids: HashSet<&str> = got.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids.len(), 8);
    }

    #[test]
    fn only_clean_one_line_answers_are_names() {
        let i = issue(&[
            ("A01", Some("정책")),
            ("A02", Some("기술")),
            ("A03", Some("동향")),
        ]);
        let all: Vec<String> = i.articles.iter().map(|a| a.id.clone()).collect();
        let c = chunks(&i, |id| all.iter().any(|a| a == id), 400).remove(0);
        let answer = |n: usize, text: &str, flagged: bool| {
            let id = c.segments[n].id.clone();
            let flags = if flagged {
                vec![crate::qa::Flag {
                    term: None,
                    kind: crate::qa::FlagKind::Echo,
                    detail: "x".into(),
                }]
            } else {
                vec![]
            };
            (
                id.clone(),
                Translated {
                    id,
                    text: text.into(),
                    flags,
                    repaired: false,
                    fixed: Vec::new(),
                },
            )
        };
        let map: TranslationMap = [
            answer(0, " Policy ", false),
            answer(1, "Technology", true),
            answer(2, "Trends\n## injected", false),
        ]
        .into_iter()
        .collect();
        let got = names(&c, &map);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got.get("정책").map(String::as_str), Some("Policy"));
    }
}
