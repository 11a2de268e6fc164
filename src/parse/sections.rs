//! Issues of any publisher: articles start where the issue's contents list
//! says (see [`super::contents`]), else at the top-level numbered headings
//! (see [`super::numbering`]). What comes before the first article is front
//! matter (cover, contents, summary box); references, glossaries and
//! appendices after the last article are back matter.

use std::sync::LazyLock;

use regex::Regex;

use super::{Draft, Layout, Line, contents, numbering};
use crate::document::{ArticleKind, StartRule, display_width};

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

/// Whether a trimmed line is the heading of back matter.
pub(crate) fn is_back_matter_heading(text: &str) -> bool {
    BACK_MATTER.is_match(text)
}

/// A place where an article starts.
struct Start {
    index: usize,
    len: usize,
    title: String,
}

/// Read `lines` through a contents list or numbered headings; `None` when
/// neither gives at least two articles.
pub(super) fn parse(lines: &[Line<'_>]) -> Option<Layout> {
    if let Some(c) = contents::find(lines) {
        let starts = c
            .starts
            .into_iter()
            .map(|s| Start {
                index: s.index,
                len: s.len,
                title: s.title,
            })
            .collect();
        return Some(build(lines, starts, StartRule::Contents));
    }
    let headings = numbering::top_level(lines);
    if headings.len() < 2 {
        return None;
    }
    let starts = headings
        .into_iter()
        .map(|h| Start {
            index: h.index,
            len: h.len,
            title: h.title,
        })
        .collect();
    Some(build(lines, starts, StartRule::Numbering))
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
        draft.head = lines[s.index..s.index + s.len].iter().map(|l| l.no).collect();
        let body = &lines[s.index + s.len..end];
        // The last article ends where the back matter begins.
        let back = (k + 1 == starts.len())
            .then(|| body.iter().position(|l| is_back_matter_heading(l.text())))
            .flatten();
        match back {
            Some(b) => {
                draft.body = body[..b].iter().map(|l| l.no).collect();
                layout.drafts.push(draft);
                let mut tail = Draft::new(ArticleKind::Front, body[b].text());
                tail.start = StartRule::BackMatter;
                tail.head.push(body[b].no);
                tail.body = body[b + 1..].iter().map(|l| l.no).collect();
                layout.drafts.push(tail);
            }
            None => {
                draft.body = body.iter().map(|l| l.no).collect();
                layout.drafts.push(draft);
            }
        }
    }
    layout
}

/// Front matter, titled by its first short line that is not a number.
fn front_draft(front: &[Line<'_>]) -> Draft {
    let title_line = front.iter().find(|l| {
        let t = l.text();
        display_width(t) <= 60 && t.chars().any(char::is_alphabetic)
    });
    let mut draft = Draft::new(
        ArticleKind::Front,
        title_line.map_or("Front matter", |l| l.text()),
    );
    draft.start = StartRule::FrontMatter;
    for l in front {
        if Some(l.no) == title_line.map(|t| t.no) {
            draft.head.push(l.no);
        } else {
            draft.body.push(l.no);
        }
    }
    draft
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<Line<'_>> {
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, raw)| Line {
                no: i + 1,
                raw,
                after_blank: false,
                page: 1,
            })
            .collect()
    }

    #[test]
    fn back_matter_headings() {
        for t in ["참고문헌", "참 고 문 헌", "[부록 2]", "References", "参考文献", "免责声明", "용어해설"] {
            assert!(is_back_matter_heading(t), "{t}");
        }
        for t in ["참고문헌을 정리했다", "References to AI", "부록에서 보듯"] {
            assert!(!is_back_matter_heading(t), "{t}");
        }
    }

    #[test]
    fn front_articles_and_back_matter() {
        let text = "보고서 표지\n1. 서론\n본문 하나\n2. 결론\n본문 둘\n참고문헌\n김, 2023";
        let l = lines(text);
        let layout = parse(&l).expect("two numbered headings");
        let shape: Vec<(ArticleKind, StartRule, &str, Vec<usize>)> = layout
            .drafts
            .iter()
            .map(|d| (d.kind, d.start, d.title.as_str(), d.body.clone()))
            .collect();
        assert_eq!(
            shape,
            [
                (ArticleKind::Front, StartRule::FrontMatter, "보고서 표지", vec![]),
                (ArticleKind::Article, StartRule::Numbering, "1. 서론", vec![3]),
                (ArticleKind::Article, StartRule::Numbering, "2. 결론", vec![5]),
                (ArticleKind::Front, StartRule::BackMatter, "참고문헌", vec![7]),
            ]
        );
    }
}
