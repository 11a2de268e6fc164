//! A reply's text into segment texts: markers, preambles, labels copied
//! from a footnote, and the signs that a reply cannot be aligned (content
//! drifted to a neighbour, most segments left untranslated).

use std::sync::LazyLock;

use regex::Regex;

pub(super) static MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^[ \t]*\**\[(\d{1,4})\]\**[ \t]*:?[ \t]?").expect("static regex")
});

/// An announcement of the translation before it, on its own line or the
/// same one: `Translation:`, `English translation:`, `Here is the English
/// translation of the given Korean text:`, `The Korean text translates to:`.
/// Models of every size write these, most often to a lone segment.
static ANNOUNCEMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)^\s*\**(?:sure[,.!]?\s*)?(?:(?:here\s+is|here's|below\s+is)\s+)?",
        r"(?:the\s+|an?\s+)?(?:english\s+)?(?:translation|english)",
        r"(?:\s+(?:of|for)\b[^:\n]{0,80})?(?:\s+(?:is|reads))?\s*\**\s*:\**[ \t]*",
        r"|^\s*[^:\n]{0,60}?\btranslates?\s+(?:in)?to(?:\s+english)?\s*:[ \t]*",
    ))
    .expect("static regex")
});

/// A note after the translation, in a paragraph of its own: `Note: …`,
/// `(Note: …)`, `This sentence discusses …`.
static TRAILING_NOTE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^[\s(*]*(?:note|explanation|this\s+(?:translation|sentence|text)|in\s+this\s+translation)\b",
    )
    .expect("static regex")
});

/// Why a reply could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyError {
    /// The markers were not exactly `[1]`…`[expected]`.
    Mismatch { expected: usize, got: usize },
    /// A segment came back empty.
    Empty { index: usize },
    /// A segment carries its neighbour's content (its numbers), so the
    /// markers cannot be trusted to align the reply.
    Drift { index: usize, neighbour: usize },
    /// Most segments came back in the source language: the model copied
    /// the chunk instead of translating it.
    Untranslated { count: usize, of: usize },
}

impl std::fmt::Display for ReplyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReplyError::Mismatch { expected, got } => {
                write!(f, "reply had {got} segments, expected {expected}")
            }
            ReplyError::Empty { index } => write!(f, "segment [{index}] came back empty"),
            ReplyError::Drift { index, neighbour } => write!(
                f,
                "segment [{neighbour}] carries the numbers of segment [{index}]"
            ),
            ReplyError::Untranslated { count, of } => write!(
                f,
                "{count} of {of} segments came back untranslated, in the source language"
            ),
        }
    }
}

/// A one-segment reply without its marker is that segment; an
/// announcement before it (on its own line or the same one), the quotes
/// the announcement put around it, and a note in a paragraph after it are
/// not part of it. A reply that is only an announcement is the segment
/// (`Translation:` is the English of `번역 :`).
fn unmarked_segment(text: &str) -> String {
    let text = text.trim();
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default().trim();
    let rest = lines.collect::<Vec<_>>().join("\n");
    let own_line = first.ends_with(':')
        && !rest.trim().is_empty()
        && (first.split_whitespace().count() <= 6 || ANNOUNCEMENT.is_match(first));
    let body = if own_line { rest.trim() } else { text };
    let announced = own_line || ANNOUNCEMENT.is_match(body);
    let mut body = ANNOUNCEMENT.replace(body, "").trim().to_string();
    if body.is_empty() {
        return text.trim_matches('*').trim().to_string();
    }
    let paragraphs: Vec<&str> = body.split("\n\n").collect();
    if let Some(at) = (1..paragraphs.len()).find(|&i| TRAILING_NOTE.is_match(paragraphs[i])) {
        body = paragraphs[..at].join("\n\n").trim().to_string();
    }
    if announced {
        body = unquoted(&body).to_string();
    }
    body
}

/// `text` without the one pair of quotes around all of it.
fn unquoted(text: &str) -> &str {
    for (open, close) in [('"', '"'), ('“', '”')] {
        if let Some(inner) = text.strip_prefix(open).and_then(|t| t.strip_suffix(close))
            && !inner.contains([open, close])
            && !inner.trim().is_empty()
        {
            return inner.trim();
        }
    }
    text
}

/// Split a reply into `expected` segment texts by their `[n]` markers. A
/// reply to a single segment may leave its marker out.
pub fn parse_reply(text: &str, expected: usize) -> Result<Vec<String>, ReplyError> {
    let marks: Vec<(usize, usize, usize)> = MARKER
        .captures_iter(text)
        .filter_map(|c| {
            let whole = c.get(0)?;
            Some((c[1].parse::<usize>().ok()?, whole.start(), whole.end()))
        })
        .collect();
    if expected == 1 && marks.is_empty() {
        let segment = unmarked_segment(text);
        if segment.is_empty() {
            return Err(ReplyError::Empty { index: 1 });
        }
        return Ok(vec![segment]);
    }
    let in_order = marks.iter().enumerate().all(|(i, m)| m.0 == i + 1);
    if marks.len() != expected || !in_order {
        return Err(ReplyError::Mismatch {
            expected,
            got: marks.len(),
        });
    }
    let mut out = Vec::with_capacity(expected);
    for (i, m) in marks.iter().enumerate() {
        let end = marks.get(i + 1).map_or(text.len(), |n| n.1);
        let segment = text[m.2..end].trim().to_string();
        if segment.is_empty() {
            return Err(ReplyError::Empty { index: i + 1 });
        }
        out.push(segment);
    }
    Ok(out)
}

/// A footnote's label (`* (Personalization)`, `※ (注)`) opening a translation.
static FOOTNOTE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[*＊※][ \t]*[(（][^()（）]{1,60}[)）][ \t]*").expect("static regex")
});

/// Whether a source segment is a footnote (`* …`, `＊ …`, `※ …`).
fn opens_footnote(source: &str) -> bool {
    source.trim_start().starts_with(['*', '＊', '※'])
}

/// Whether a source segment opens with a term in brackets after its bullet
/// (`∙ (R&D DX) …`): a label in its translation is then its own.
fn opens_with_bracket(source: &str) -> bool {
    source
        .trim_start_matches(|c: char| c.is_whitespace() || "∙·•-–○□■◦▪".contains(c))
        .starts_with(['(', '（'])
}

/// `texts` without the footnote label a small model copied from a footnote
/// of the chunk onto segments that are none: the 1.5B wrote
/// "* (Personalization)" — the label of the footnote `* (属人化) …` —
/// before the five bullets around it, each followed by its own translation.
pub fn drop_copied_labels(sources: &[&str], mut texts: Vec<String>) -> Vec<String> {
    let label = |t: &str| {
        FOOTNOTE_LABEL
            .find(t.trim_start())
            .map(|m| m.as_str().trim().to_string())
    };
    let labels: Vec<String> = sources
        .iter()
        .zip(&texts)
        .filter(|(s, _)| opens_footnote(s))
        .filter_map(|(_, t)| label(t))
        .collect();
    for (source, text) in sources.iter().zip(texts.iter_mut()) {
        let copied = label(text).is_some_and(|l| labels.contains(&l));
        if opens_footnote(source) || opens_with_bracket(source) || !copied {
            continue;
        }
        let trimmed = text.trim_start();
        let rest = FOOTNOTE_LABEL.replace(trimmed, "").into_owned();
        if !rest.trim().is_empty() {
            *text = rest;
        }
    }
    texts
}

/// A list marker (`- `, `* `, `• `) opening an answer whose source opens
/// with none, or bold (`**…**`) around a whole answer whose source has no
/// asterisk: chat models format short lines as Markdown lists and headings
/// (the 1.5B gave 23 of the sample's 303 segments and five article titles a
/// "- " or "* " their source does not have). What the source has stays.
pub fn drop_added_markup(sources: &[&str], mut texts: Vec<String>) -> Vec<String> {
    for (source, text) in sources.iter().zip(texts.iter_mut()) {
        let opens_plainly = source
            .trim_start()
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || "([（「『\"“‘'".contains(c));
        let mut t = text.trim();
        let mut dropped = false;
        if opens_plainly
            && let Some(rest) = ["- ", "* ", "• "].iter().find_map(|m| t.strip_prefix(m))
        {
            t = rest.trim_start();
            dropped = true;
        }
        if !source.contains('*')
            && let Some(inner) = t.strip_prefix("**").and_then(|r| r.strip_suffix("**"))
            && !inner.contains("**")
        {
            t = inner.trim();
            dropped = true;
        }
        if dropped && !t.is_empty() {
            *text = t.to_string();
        }
    }
    texts
}

/// Content that moved between neighbours: segment `a` lost numbers that
/// its neighbour's translation carries although the neighbour's source does
/// not have them. The markers are right, the alignment is not.
pub fn drift(sources: &[&str], translations: &[String]) -> Option<ReplyError> {
    let n = sources.len().min(translations.len());
    for a in 0..n {
        // Small counts are left out: English spells them ("two", "second")
        // where a neighbour's source may well spell them in Korean.
        let lost: Vec<_> = crate::qa::numbers::missing(sources[a], &translations[a])
            .into_iter()
            .filter(|m| !(m.kind == crate::qa::numbers::Kind::Plain && m.value <= 12.0))
            .collect();
        if lost.is_empty() {
            continue;
        }
        for b in [a.wrapping_sub(1), a + 1] {
            let Some((source, translation)) = sources.get(b).zip(translations.get(b)) else {
                continue;
            };
            let moved = lost.iter().all(|m| {
                crate::qa::numbers::missing(&m.text, translation).is_empty()
                    && !crate::qa::numbers::missing(&m.text, source).is_empty()
            });
            if moved {
                return Some(ReplyError::Drift {
                    index: a + 1,
                    neighbour: b + 1,
                });
            }
        }
    }
    None
}

/// Whether `translation` is `source` left in the source language: the
/// same text, or (into English) text still mostly in a CJK script.
fn left_untranslated(source: &str, translation: &str, target_language: &str) -> bool {
    let squash = |s: &str| s.split_whitespace().collect::<String>();
    if squash(source) == squash(translation) && !source.is_ascii() {
        return true;
    }
    let cjk = crate::qa::cjk_letter_share;
    target_language.eq_ignore_ascii_case("English") && cjk(source) > 0.5 && cjk(translation) > 0.5
}

/// A reply of two segments or more that left most of them untranslated:
/// small models copy whole chunks (a summary box, a reference line in
/// Japanese) and do translate the same text asked again or in smaller
/// pieces. A single segment left as it is stays for the quality checks.
pub fn untranslated(
    sources: &[&str],
    translations: &[String],
    target_language: &str,
) -> Option<ReplyError> {
    let count = sources
        .iter()
        .zip(translations)
        .filter(|(s, t)| left_untranslated(s, t, target_language))
        .count();
    (sources.len() >= 2 && count * 2 > sources.len()).then_some(ReplyError::Untranslated {
        count,
        of: sources.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_footnote_label_copied_onto_other_segments_is_dropped() {
        // The 1.5B's reply to A01's table, shortened.
        let sources = [
            "∙ 중요한 지식·노하우·데이터가 연구자 개인에게 축적되므로 업무가 속인화*되는 경향",
            "* (属人化) 특정 업무 관련 업무가 담당자 외 주변에 공유되지 않는 상태",
            "∙ 연구자의 노하우, 데이터 축적 방법, 정밀도에 격차가 존재",
            "∙ 3D CAD/CAE 활용은 원활한 편",
        ];
        let texts = [
            "* (Personalization) Knowledge accumulates with individual researchers.",
            "* (Personalization) Work not shared beyond the person in charge.",
            "* (Personalization) The researchers' know-how differs.",
            "* 3D CAD/CAE is used smoothly.",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            drop_copied_labels(&sources, texts.clone()),
            [
                "Knowledge accumulates with individual researchers.",
                "* (Personalization) Work not shared beyond the person in charge.",
                "The researchers' know-how differs.",
                // A bullet written `*` is no label.
                "* 3D CAD/CAE is used smoothly.",
            ]
        );
        // Without a footnote in the chunk, a label stays (it may be the source's).
        let alone = [sources[0], sources[2]];
        let kept = vec![texts[0].clone(), texts[2].clone()];
        assert_eq!(drop_copied_labels(&alone, kept.clone()), kept);
        // A bullet that opens with the same term in brackets keeps it.
        let own = ["∙ (属人化) 연구자 개인에게 축적", sources[1]];
        let both = vec![texts[1].clone(), texts[1].clone()];
        assert_eq!(drop_copied_labels(&own, both.clone()), both);
        // A label that is all the segment holds stays too.
        let only = vec![texts[1].clone(), "* (Personalization)".to_string()];
        assert_eq!(drop_copied_labels(&sources[1..3], only.clone()), only);
    }

    #[test]
    fn markup_the_source_does_not_have_is_dropped() {
        let sources = [
            "중국 리튬이온배터리 산업 동향",
            "- 제조업계는 전환",
            "유망",
            "**강조** 문장",
        ];
        let texts = [
            "* China's lithium-ion battery industry trends",
            "- The manufacturing industry is shifting",
            "**Promising**",
            "**Emphasis** sentence",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            drop_added_markup(&sources, texts),
            [
                "China's lithium-ion battery industry trends",
                // The source's own bullet stays.
                "- The manufacturing industry is shifting",
                "Promising",
                // The source's own asterisks stay.
                "**Emphasis** sentence",
            ]
        );
        // A marker that is all the answer holds is left to the checks.
        assert_eq!(drop_added_markup(&["유망"], vec!["- ".into()]), ["- "]);
    }

    #[test]
    fn reply_with_markers_aligns() {
        let r = parse_reply(
            "Here you go:\n[1] Title\n[2] First line\ncontinued\n[3]: Third",
            3,
        )
        .unwrap();
        assert_eq!(r, vec!["Title", "First line\ncontinued", "Third"]);
    }

    #[test]
    fn count_and_order_mismatches() {
        assert_eq!(
            parse_reply("[1] A", 2),
            Err(ReplyError::Mismatch {
                expected: 2,
                got: 1
            })
        );
        assert!(parse_reply("[2] B\n[1] A", 2).is_err());
        assert_eq!(
            parse_reply("[1] A\n[2]", 2),
            Err(ReplyError::Empty { index: 2 })
        );
    }

    #[test]
    fn one_segment_may_come_back_without_its_marker() {
        assert_eq!(
            parse_reply("Canada funds clusters.", 1).unwrap(),
            ["Canada funds clusters."]
        );
        assert_eq!(
            parse_reply("Translation: Canada funds clusters.", 1).unwrap(),
            ["Canada funds clusters."]
        );
        assert_eq!(
            parse_reply(
                "Here is the translation:\nCanada funds clusters.\nIn 2023.",
                1
            )
            .unwrap(),
            ["Canada funds clusters.\nIn 2023."]
        );
        // Announcements, the quotes they put around the answer, notes after it.
        let cases = [
            (
                "Here is the English translation of the given Korean text: \"Markets fell. \"",
                "Markets fell.",
            ),
            (
                "The Korean text translates to:\n\n\"Chen was sentenced.\"\n\nThis sentence discusses Chen.",
                "Chen was sentenced.",
            ),
            (
                "Prices rose.\n\n(Note: the source says \"rose\".)",
                "Prices rose.",
            ),
            // A quoted translation without an announcement keeps its quotes.
            ("\"An eye for an eye.\"", "\"An eye for an eye.\""),
        ];
        for (reply, segment) in cases {
            assert_eq!(parse_reply(reply, 1).unwrap(), [segment], "{reply}");
        }
        // A reply that is only an announcement is the translation.
        assert_eq!(parse_reply("Translation:", 1).unwrap(), ["Translation:"]);
        // A sentence that ends in a colon is the segment, not a preamble.
        assert_eq!(
            parse_reply("The three goals:", 1).unwrap(),
            ["The three goals:"]
        );
        assert_eq!(parse_reply("  ", 1), Err(ReplyError::Empty { index: 1 }));
        // Several segments still need every marker.
        assert!(parse_reply("Canada funds clusters.", 2).is_err());
    }

    #[test]
    fn a_reply_that_leaves_most_segments_untranslated_is_unusable() {
        // F01's summary-box segments as the 1.5B model sent them back.
        let sources = [
            "∙ 중국 제조업 분야 안정성장계획의 대책과 전망 (日 미즈호은행, 11月)",
            "구분 주요 내용 페이지",
            "유망",
        ];
        let copied: Vec<String> = sources.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            untranslated(&sources, &copied, "English"),
            Some(ReplyError::Untranslated { count: 3, of: 3 })
        );
        // Copied with other spacing, or half translated, still counts.
        let mixed = vec![
            "∙ 중국 제조업 분야 안정성장계획의 대책과 전망 (Japan Mizuho Bank, 11月)".to_string(),
            "구분 주요내용 페이지".to_string(),
            "Promising".to_string(),
        ];
        assert_eq!(
            untranslated(&sources, &mixed, "English"),
            Some(ReplyError::Untranslated { count: 2, of: 3 })
        );
        // One segment of three left as it is: the quality checks flag it.
        let one = vec![
            "∙ Measures and outlook of China's plan (Mizuho Bank, Nov.)".to_string(),
            "구분 주요 내용 페이지".to_string(),
            "Promising".to_string(),
        ];
        assert_eq!(untranslated(&sources, &one, "English"), None);
        // A single segment is never refused here.
        assert_eq!(untranslated(&sources[2..], &copied[2..], "English"), None);
        // Into Japanese a kana/Han reply is the translation, not a copy.
        let japanese = vec![
            "中国製造業の安定成長計画の対策と展望（みずほ銀行、11月）".to_string(),
            "区分 主な内容 ページ".to_string(),
            "有望".to_string(),
        ];
        assert_eq!(untranslated(&sources, &japanese, "Japanese"), None);
    }

    #[test]
    fn numbers_that_moved_to_a_neighbour_are_drift() {
        // Two real paragraphs of A06; the reply gives the first one's figure
        // to the second.
        let sources = [
            "- 혁신과학경제개발부(ISED) 지원금이 총 4억 2,700만 캐나다 달러에 육박",
            "- 10년간 13,500개 이상의 일자리를 창출할 것으로 예상",
        ];
        let aligned = [
            "- ISED funding nears CAD 427 million".to_string(),
            "- Expected to create over 13,500 jobs over 10 years".to_string(),
        ];
        assert_eq!(drift(&sources, &aligned), None);
        let drifted = [
            "- ISED funding nears a record".to_string(),
            "- CAD 427 million; expected to create over 13,500 jobs over 10 years".to_string(),
        ];
        assert_eq!(
            drift(&sources, &drifted),
            Some(ReplyError::Drift {
                index: 1,
                neighbour: 2
            })
        );
        // A figure lost outright is a quality flag, not drift.
        let lost = [
            "- ISED funding nears a record".to_string(),
            "- Expected to create over 13,500 jobs over 10 years".to_string(),
        ];
        assert_eq!(drift(&sources, &lost), None);
    }
}
