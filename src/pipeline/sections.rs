//! Section names in the target language: the names of the selected
//! articles' sections go to the model as one more chunk of numbered
//! segments, checked and cached like any paragraph, so the outputs can head
//! each section in the reader's language.
//!
//! Not yet called by `run`: the chunk would be one more translation job,
//! which the fault tests (one article, exact request counts) and the run
//! loop being replaced by the scheduler (issue 11) must take in first. The
//! renderers already show `Digest::section_translations` when it is filled.

use std::collections::BTreeMap;

use crate::chunk::{Chunk, Segment};
use crate::document::Issue;
use crate::translate::TranslationMap;

/// The chunk's title in the prompt: context for the model.
pub const TITLE: &str = "Section headings of the newsletter issue";

/// Longer "names" are not a section heading's translation.
const MAX_CHARS: usize = 120;

/// The selected articles' section names, each once in document order, as
/// one chunk (`sections.c01`, segments `sections.s01`…); none when no
/// selected article has a section.
pub fn chunk(issue: &Issue, selected: &[String]) -> Option<Chunk> {
    let mut names: Vec<&str> = Vec::new();
    for a in issue.articles.iter().filter(|a| selected.contains(&a.id)) {
        if let Some(s) = a.section.as_deref()
            && !names.contains(&s)
        {
            names.push(s);
        }
    }
    if names.is_empty() {
        return None;
    }
    let segments: Vec<Segment> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let id = format!("sections.s{:02}", i + 1);
            Segment {
                paragraph: id.clone(),
                id,
                text: name.to_string(),
                // Only orders the jobs and sizes the answer: one token per
                // character is an upper bound for these short CJK names.
                tokens: name.chars().count(),
            }
        })
        .collect();
    Some(Chunk {
        id: "sections.c01".into(),
        article: "sections".into(),
        tokens: segments.iter().map(|s| s.tokens).sum(),
        segments,
    })
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
    use crate::document::{Article, ArticleKind};
    use crate::translate::Translated;

    fn article(id: &str, section: Option<&str>) -> Article {
        Article {
            id: id.into(),
            kind: ArticleKind::Article,
            section: section.map(str::to_string),
            title: format!("제목 {id}"),
            category: None,
            source: None,
            date: None,
            lines: vec![],
            start: Default::default(),
            pages: vec![],
            paragraphs: vec![],
        }
    }

    fn issue(sections: &[(&str, Option<&str>)]) -> Issue {
        Issue {
            name: "issue".into(),
            articles: sections.iter().map(|(id, s)| article(id, *s)).collect(),
            dropped: vec![],
            warnings: vec![],
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
        let c = chunk(&i, &all).expect("a chunk");
        let texts: Vec<&str> = c.segments.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts, ["정책", "기술", "클리핑"]);
        let ids: Vec<&str> = c.segments.iter().map(|s| s.id.as_str()).collect();
        let mut unique = ids.clone();
        unique.dedup();
        assert_eq!(ids, unique);
        let some = chunk(&i, &["A02".to_string()]).expect("a chunk");
        assert_eq!(some.segments.len(), 1);
        assert!(chunk(&i, &["F01".to_string()]).is_none());
    }

    #[test]
    fn only_clean_one_line_answers_are_names() {
        let i = issue(&[
            ("A01", Some("정책")),
            ("A02", Some("기술")),
            ("A03", Some("동향")),
        ]);
        let all: Vec<String> = i.articles.iter().map(|a| a.id.clone()).collect();
        let c = chunk(&i, &all).expect("a chunk");
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
