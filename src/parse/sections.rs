//! Issues of any publisher: articles start where the issue's contents list
//! says (see [`super::contents`]), else at the top-level numbered headings
//! (see [`super::numbering`]) or headings told by the document's own layout
//! (see [`super::layout`]). What comes before the first article is front
//! matter (cover, contents, summary box); references, glossaries and
//! appendices after the last article are back matter.

use std::sync::LazyLock;

use regex::Regex;

use super::contents::{Start, Toc};
use super::{Draft, Layout, Line, layout, numbering};
use crate::document::{ArticleKind, StartRule, display_width};
use crate::load::OutlineEntry;

/// Headings of back matter, in the languages gloss reads.
static BACK_MATTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^[\[<〈【(（\s]*(?:
            참\s*고\s*문\s*헌|참고\s*자료|용어\s*해설|약어\s*정리|부\s*록(?:\s*\d+)?|
            references?|bibliography|appendix(?:\s+[0-9a-z]+)?|glossary|disclaimer|
            参考文献|参考资料|附\s*录|免责声明|参考資料|付録|用語集
        )[\]>〉】)）\s]*$",
    )
    .expect("static regex")
});

/// Appendices: back matter with content worth reading, kept as front-kind items.
static APPENDIX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)부\s*록|appendix|附\s*录|付録").expect("static regex"));

/// Why back matter other than appendices is dropped.
pub const BACK_MATTER_DROPPED: &str =
    "back matter after the last article (references, glossary, disclaimer)";

/// An appendix heading with its number and title: `부록 1. 주요 통계`.
static NUMBERED_APPENDIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^[\[<〈【]?\s*(?:부\s*록|appendix|附\s*录|付録)\s*(?:[0-9]{1,2}|[A-Z])\b[\]>〉】.:)]*\s*\S")
        .expect("static regex")
});

/// Whether a trimmed line is the heading of back matter.
pub(crate) fn is_back_matter_heading(text: &str) -> bool {
    BACK_MATTER.is_match(text)
        || (NUMBERED_APPENDIX.is_match(text)
            && display_width(text) <= 80
            && !text.ends_with(['.', '。', ',']))
}

/// Read `lines` through the PDF's outline, the contents list, numbered
/// headings or headings told by their font, in that order; `None` when none
/// gives a plausible sequence of articles.
pub(super) fn parse(
    lines: &[Line<'_>],
    outline: &[OutlineEntry],
    toc: Option<&Toc>,
) -> Option<Layout> {
    if let Some(starts) = layout::outline_starts(lines, outline) {
        return Some(build(lines, starts, StartRule::Outline));
    }
    // A list most of whose items were not found says little about where
    // the articles start; the headings may say more.
    if let Some(t) = toc.filter(|t| t.coverage() >= 60) {
        return Some(build(lines, t.starts(), StartRule::Contents));
    }
    // The numbered headings, else the headings told by their font, when
    // they cut the document into a plausible sequence of articles; where
    // the input shows how lines are set, most numbered headings also stand
    // out from the body (a numbered list in body type does not).
    let set_apart = layout::set_apart(lines);
    let numbered = numbering::top_level(lines);
    let plausible = numbered.iter().find(|hs| {
        let apart = hs
            .iter()
            .filter(|h| set_apart(&lines[h.index + h.len - 1]))
            .count();
        apart * 5 >= hs.len() * 3 && layout::plausible(lines, &as_starts(hs))
    });
    if let Some(hs) = plausible {
        return Some(build(lines, as_starts(hs), StartRule::Numbering));
    }
    let by_font = layout::font_headings(lines);
    (by_font.len() >= 2).then(|| build(lines, by_font, StartRule::HeadingFont))
}

/// Read `lines` when neither [`parse`] nor marked-up headings found
/// articles: the numbered headings even where their proportions are not
/// plausible (one long chapter and a short one), as long as they form a
/// sequence; but short lines that open pages when they form a plausible
/// sequence and every numbered heading opens a page too (parts over items).
pub(super) fn fallback(lines: &[Line<'_>]) -> Option<Layout> {
    let numbered = numbering::top_level(lines)
        .into_iter()
        .map(|hs| as_starts(&hs))
        .find(|starts| layout::is_sequence(lines, starts));
    let openers = layout::page_openers(lines);
    let finer = |starts: &[Start]| {
        starts
            .iter()
            .all(|s| openers.iter().any(|o| o.index == s.index))
    };
    match numbered {
        Some(starts) if openers.len() < 2 || !finer(&starts) => {
            Some(build(lines, starts, StartRule::Numbering))
        }
        _ if openers.len() >= 2 => Some(build(lines, openers, StartRule::PageOpener)),
        _ => None,
    }
}

/// Numbered headings as article starts.
fn as_starts(headings: &[numbering::Heading]) -> Vec<Start> {
    headings
        .iter()
        .map(|h| Start {
            index: h.index,
            len: h.len,
            title: h.title.clone(),
            section: None,
        })
        .collect()
}

/// Articles where a model placed the contents entries ([`Toc`] checked by
/// [`super::contents::with_starts`]).
pub(super) fn placed(lines: &[Line<'_>], toc: &Toc) -> Layout {
    build(lines, toc.starts(), StartRule::Model)
}

fn build(lines: &[Line<'_>], starts: Vec<Start>, rule: StartRule) -> Layout {
    let mut layout = Layout::default();
    let Some(first) = starts.first() else {
        return layout;
    };
    if first.index > 0 {
        layout.drafts.push(front_draft(&lines[..first.index]));
    }
    for (k, s) in starts.iter().enumerate() {
        let end = starts.get(k + 1).map_or(lines.len(), |n| n.index);
        let mut draft = Draft::new(ArticleKind::Article, s.title.clone());
        draft.start = rule;
        draft.section.clone_from(&s.section);
        draft.head = lines[s.index..s.index + s.len]
            .iter()
            .map(|l| l.no)
            .collect();
        let body = &lines[s.index + s.len..end];
        // The last article ends where the back matter begins.
        let back = (k + 1 == starts.len())
            .then(|| body.iter().position(|l| is_back_matter_heading(l.text())))
            .flatten();
        let Some(b) = back else {
            draft.body = body.iter().map(|l| l.no).collect();
            layout.drafts.push(draft);
            continue;
        };
        draft.body = body[..b].iter().map(|l| l.no).collect();
        layout.drafts.push(draft);
        // Each back-matter heading opens a part: appendices are kept
        // together, as one front-kind item (read, not summarized);
        // references and the like are dropped.
        let tail = &body[b..];
        let heads: Vec<usize> = (0..tail.len())
            .filter(|&i| is_back_matter_heading(tail[i].text()))
            .collect();
        let mut appendix: Option<Draft> = None;
        for (h, &at) in heads.iter().enumerate() {
            let part = &tail[at..heads.get(h + 1).copied().unwrap_or(tail.len())];
            if !APPENDIX.is_match(part[0].text()) {
                layout
                    .dropped
                    .extend(part.iter().map(|l| (l.no, BACK_MATTER_DROPPED.to_string())));
                continue;
            }
            match appendix.as_mut() {
                Some(d) => d.body.extend(part.iter().map(|l| l.no)),
                None => {
                    let mut d = Draft::new(ArticleKind::Front, part[0].text());
                    d.start = StartRule::BackMatter;
                    d.head.push(part[0].no);
                    d.body = part[1..].iter().map(|l| l.no).collect();
                    appendix = Some(d);
                }
            }
        }
        layout.drafts.extend(appendix);
    }
    layout
}

/// Front matter: cover, contents, summary box. All of it is text to read;
/// its name says what it is rather than guessing a title among the lines.
fn front_draft(front: &[Line<'_>]) -> Draft {
    let mut draft = Draft::new(ArticleKind::Front, crate::document::FRONT_MATTER);
    draft.start = StartRule::FrontMatter;
    draft.body = front.iter().map(|l| l.no).collect();
    draft
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::tests::lines_of as lines;

    #[test]
    fn back_matter_headings() {
        for t in [
            "참고문헌",
            "참 고 문 헌",
            "[부록 2]",
            "부록 1. 언론이 다룬 주제",
            "Appendix B: Data",
            "References",
            "参考文献",
            "免责声明",
            "용어해설",
        ] {
            assert!(is_back_matter_heading(t), "{t}");
        }
        for t in [
            "참고문헌을 정리했다",
            "References to AI",
            "부록에서 보듯",
            "부록 표 1. 의견",
            "부록 1에 붙임.",
        ] {
            assert!(!is_back_matter_heading(t), "{t}");
        }
    }

    #[test]
    fn front_articles_and_back_matter() {
        let text = "보고서 표지\n1. 서론\n본문 하나\n2. 결론\n본문 둘\n부록 1\n표\n참고문헌\n김, 2023\n부록 2. 통계\n표 둘";
        let l = lines(text);
        let layout = parse(&l, &[], None)
            .or_else(|| fallback(&l))
            .expect("two numbered headings");
        let shape: Vec<(ArticleKind, StartRule, &str, Vec<usize>)> = layout
            .drafts
            .iter()
            .map(|d| (d.kind, d.start, d.title.as_str(), d.body.clone()))
            .collect();
        assert_eq!(
            shape,
            [
                (
                    ArticleKind::Front,
                    StartRule::FrontMatter,
                    "Front matter",
                    vec![1]
                ),
                (
                    ArticleKind::Article,
                    StartRule::Numbering,
                    "1. 서론",
                    vec![3]
                ),
                (
                    ArticleKind::Article,
                    StartRule::Numbering,
                    "2. 결론",
                    vec![5]
                ),
                (
                    ArticleKind::Front,
                    StartRule::BackMatter,
                    "부록 1",
                    vec![7, 10, 11]
                ),
            ]
        );
        let dropped: Vec<usize> = layout.dropped.iter().map(|(no, _)| *no).collect();
        assert_eq!(dropped, [8, 9]);
    }

    #[test]
    fn numbered_parts_over_items_that_open_pages_give_way_to_the_items() {
        // `Ⅰ.` and `Ⅱ.` open pages, and so does every news item; a long
        // first part and a short second one are no plausible sequence.
        let full = "본문 문장이 이어지고 다음 줄로 넘어가며 한 줄을 가득 채운다 그리고";
        let end = "본문 문장이 이어지고 다음 줄로 넘어가며 한 줄을 가득 채웠다.";
        let mut pages: Vec<Vec<&str>> =
            vec![vec!["표지", "발행 기관."], vec!["Ⅰ. 산업 동향", full, end]];
        for title in [
            "미국, 행정명령 발표",
            "G7, 행동강령 합의",
            "코히어, 탐색기 공개",
        ] {
            pages.push(vec![title, full, full, full, end]);
        }
        pages.push(vec!["Ⅱ. 주요 행사", end]);
        let refs: Vec<&[&str]> = pages.iter().map(|p| p.as_slice()).collect();
        let l = crate::parse::tests::paged(&refs);
        assert!(parse(&l, &[], None).is_none());
        let layout = fallback(&l).expect("page openers");
        let titles: Vec<&str> = layout
            .drafts
            .iter()
            .filter(|d| d.kind == ArticleKind::Article)
            .map(|d| d.title.as_str())
            .collect();
        assert_eq!(
            titles,
            [
                "Ⅰ. 산업 동향",
                "미국, 행정명령 발표",
                "G7, 행동강령 합의",
                "코히어, 탐색기 공개",
                "Ⅱ. 주요 행사"
            ]
        );
        // Where a numbered heading stands mid-page, the numbering stays.
        pages[4].insert(2, "Ⅱ. 주요 행사");
        pages[5].remove(0);
        let refs: Vec<&[&str]> = pages.iter().map(|p| p.as_slice()).collect();
        let l = crate::parse::tests::paged(&refs);
        let layout = fallback(&l).expect("numbered headings");
        assert!(
            layout
                .drafts
                .iter()
                .all(|d| d.start != StartRule::PageOpener)
        );
    }
}
