//! Numbered headings: `1.`, `1)`, `Ⅰ.`, `I.`, `①`, `가.`, `第1節`, `一、`,
//! `제1장`, and a bare number on the line above its title. The top level of a
//! document is the numbering scheme whose headings form the longest
//! consistent `1, 2, 3…` sequence through the body without starting over;
//! sub-sections (numbered again from 1 under every section) lose to it.

use std::sync::LazyLock;

use regex::Regex;

use super::Line;
use crate::document::display_width;

/// A way of numbering headings. Two headings are siblings when they share one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Scheme {
    /// `1.` / `1 ` (a number, then the title)
    Arabic,
    /// `1)` — also the footnote style, so it ranks low.
    ArabicParen,
    /// `(1)`
    ParenArabic,
    /// `1.2` and deeper: always a sub-section.
    Dotted,
    /// `Ⅰ.` or `I.`
    Roman,
    /// `①`
    Circled,
    /// `가.` / `가)`
    Hangul,
    /// `第1節`, `第一章`, `제1장`, `제2절`
    Chapter,
    /// `一、`
    CjkComma,
    /// `（一）`
    ParenCjk,
    /// A number alone on a line, the title on the next one.
    NumberLine,
}

impl Scheme {
    /// Lower ranks win ties: list and footnote styles rank last.
    fn rank(self) -> u8 {
        match self {
            Self::Chapter => 0,
            Self::Roman => 1,
            Self::CjkComma => 2,
            Self::Arabic => 3,
            Self::NumberLine => 4,
            Self::Hangul => 5,
            Self::Circled => 6,
            Self::ParenCjk => 7,
            Self::ParenArabic => 8,
            Self::ArabicParen => 9,
            Self::Dotted => 10,
        }
    }
}

/// A line's number: its scheme, its value and what follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Number {
    pub scheme: Scheme,
    pub value: u32,
    /// The title after the number (empty for a [`Scheme::NumberLine`]).
    pub rest: String,
}

static NUMBERED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)^(?:
            (?P<dotted>\d{1,2}(?:\.\d{1,2})+)\.?\s*
          | (?P<arabic>\d{1,2})(?:[.、]\s*|\s+)
          | (?P<aparen>\d{1,2})\)\s*
          | [(（](?P<parena>\d{1,2})[)）]\s*
          | (?P<roman>[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫ]|[IVX]{1,5})[.．]?\s+
          | (?P<circled>[①-⑳])\s*
          | (?P<hangul>[가나다라마바사아자차카타파하])[.)]\s*
          | (?P<chapter>(?:第|제)\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*[章節节편장절部])[\s　]*
          | (?P<cjkcomma>[一二三四五六七八九十]{1,3})、\s*
          | [(（](?P<parencjk>[一二三四五六七八九十]{1,3})[)）]\s*
        )(?P<rest>.*)$",
    )
    .expect("static regex")
});

static BARE_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:0?[1-9]|[1-4][0-9])$").expect("static regex"));

/// A Roman numeral alone on its line, the title on the next one: `Ⅲ`.
static ROMAN_ALONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫ])[.．]?$").expect("static regex"));

/// A date or a figure in brackets at the end: a reference or footnote, not a title.
static CITATION_END: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[(（][^()（）]*\d[^()（）]*[)）]$").expect("static regex"));

fn cjk_value(numeral: &str) -> Option<u32> {
    let digit = |c: char| "一二三四五六七八九".find(c).map(|i| i as u32 / 3 + 1);
    let chars: Vec<char> = numeral.chars().collect();
    match chars.as_slice() {
        ['十'] => Some(10),
        ['十', d] => Some(10 + digit(*d)?),
        [t, '十'] => Some(10 * digit(*t)?),
        [t, '十', d] => Some(10 * digit(*t)? + digit(*d)?),
        [d] => digit(*d),
        _ => None,
    }
}

fn roman_value(numeral: &str) -> Option<u32> {
    if let Some(c) = numeral.chars().next()
        && ('Ⅰ'..='Ⅻ').contains(&c)
    {
        return Some(c as u32 - 'Ⅰ' as u32 + 1);
    }
    let mut total = 0u32;
    let mut prev = 0u32;
    for c in numeral.chars().rev() {
        let v = match c {
            'I' => 1,
            'V' => 5,
            'X' => 10,
            _ => return None,
        };
        if v < prev {
            total = total.checked_sub(v)?;
        } else {
            total += v;
            prev = v;
        }
    }
    (total > 0).then_some(total)
}

/// Read the number a trimmed line starts with, if it has one.
pub(crate) fn parse_number(text: &str) -> Option<Number> {
    if BARE_NUMBER.is_match(text) {
        return Some(Number {
            scheme: Scheme::NumberLine,
            value: text.parse().ok()?,
            rest: String::new(),
        });
    }
    let caps = NUMBERED.captures(text)?;
    let rest = caps["rest"].trim().to_string();
    // `55.4% 성장`, `3.5배`: a figure with its unit opens the line, no number
    // of a heading.
    if caps.name("dotted").is_some() && rest.starts_with(['%', '％', '배', '倍']) {
        return None;
    }
    let (scheme, value) = if caps.name("dotted").is_some() {
        (Scheme::Dotted, 0)
    } else if let Some(m) = caps.name("arabic") {
        (Scheme::Arabic, m.as_str().parse().ok()?)
    } else if let Some(m) = caps.name("aparen") {
        (Scheme::ArabicParen, m.as_str().parse().ok()?)
    } else if let Some(m) = caps.name("parena") {
        (Scheme::ParenArabic, m.as_str().parse().ok()?)
    } else if let Some(m) = caps.name("roman") {
        (Scheme::Roman, roman_value(m.as_str())?)
    } else if let Some(m) = caps.name("circled") {
        let c = m.as_str().chars().next()?;
        (Scheme::Circled, c as u32 - '①' as u32 + 1)
    } else if let Some(m) = caps.name("hangul") {
        let i = "가나다라마바사아자차카타파하".find(m.as_str())?;
        (Scheme::Hangul, i as u32 / 3 + 1)
    } else if let Some(m) = caps.name("chapter") {
        let digits: String = m.as_str().chars().filter(char::is_ascii_digit).collect();
        let value = match digits.parse() {
            Ok(v) => v,
            Err(_) => {
                let han: String = m
                    .as_str()
                    .chars()
                    .filter(|c| "一二三四五六七八九十".contains(*c))
                    .collect();
                cjk_value(&han)?
            }
        };
        (Scheme::Chapter, value)
    } else if let Some(m) = caps.name("cjkcomma") {
        (Scheme::CjkComma, cjk_value(m.as_str())?)
    } else if let Some(m) = caps.name("parencjk") {
        (Scheme::ParenCjk, cjk_value(m.as_str())?)
    } else {
        return None;
    };
    if rest.is_empty() {
        return None;
    }
    Some(Number {
        scheme,
        value,
        rest,
    })
}

/// Whether a title reads like a heading rather than a sentence, list item or note.
pub(crate) fn is_heading_text(title: &str) -> bool {
    let t = title.trim();
    !t.is_empty()
        && display_width(t) <= 90
        && !t.ends_with(['.', '。', ',', '，', ';', ':', '：', '、'])
        // A full stop inside the line ends a sentence that goes on.
        && !t.contains('。')
        // Korean sentences end in a verb (`…했다`, `…확대함`, `…있음`) even
        // without a full stop; titles end in nouns.
        && !t.ends_with(['다', '함', '음', '됨'])
        && !CITATION_END.is_match(t)
        && t.chars().any(char::is_alphabetic)
}

/// How wide the body's full lines are: the display width of the widest
/// tenth of the lines that run on into the next one (no blank line
/// between); unbounded when fewer than 20 lines do (text not wrapped).
pub(crate) fn full_line_width(lines: &[Line<'_>]) -> usize {
    let mut widths: Vec<usize> = lines
        .windows(2)
        .filter(|p| !p[1].after_blank && p[1].page == p[0].page)
        .map(|p| display_width(p[0].text()))
        .collect();
    if widths.len() < 20 {
        return usize::MAX;
    }
    widths.sort_unstable();
    widths[widths.len() * 9 / 10]
}

/// Whether a line stops short of the body's full lines (`full` from
/// [`full_line_width`]): a line as wide as the body's opens a wrapped
/// paragraph, not a heading.
pub(crate) fn is_short(text: &str, full: usize) -> bool {
    display_width(text).saturating_mul(20) <= full.saturating_mul(17)
}

/// A numbered heading found among the lines.
#[derive(Debug, Clone)]
pub(crate) struct Heading {
    /// Index of its first line in the slice given to [`top_level`].
    pub index: usize,
    /// How many lines it takes (2 for a number alone above its title).
    pub len: usize,
    /// The heading as printed, number included.
    pub title: String,
    pub value: u32,
    /// How its number is written: the character after it (`.` in `1. 서론`,
    /// a space in `Ⅱ 개요`), or a line break for a number alone above its title.
    pub form: char,
}

/// The candidates of every scheme, in document order.
fn candidates(lines: &[Line<'_>]) -> Vec<(Scheme, Heading)> {
    let full = full_line_width(lines);
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let alone = ROMAN_ALONE.captures(l.text()).and_then(|c| {
            Some(Number {
                scheme: Scheme::Roman,
                value: roman_value(&c[1])?,
                rest: String::new(),
            })
        });
        let Some(n) = alone.or_else(|| parse_number(l.text())) else {
            continue;
        };
        if n.rest.is_empty() {
            // The title is the next line: short, not itself a number or sentence.
            let Some(next) = lines.get(i + 1) else {
                continue;
            };
            let t = next.text();
            if display_width(t) <= 40 && is_heading_text(t) && parse_number(t).is_none() {
                out.push((
                    n.scheme,
                    Heading {
                        index: i,
                        len: 2,
                        title: t.to_string(),
                        value: n.value,
                        form: '\n',
                    },
                ));
            }
        } else if is_heading_text(&n.rest)
            // In text, a line as wide as the body's opens a numbered
            // paragraph (a PDF's heading line may run into the text beside it).
            && (l.layout.is_some() || is_short(l.text(), full))
            // "20 boats were …": a wrapped sentence, not a heading.
            && !(n.scheme == Scheme::Arabic && n.rest.starts_with(char::is_lowercase))
            // `1 𝐹`: a formula's index, not a title.
            && n.rest.chars().filter(|c| c.is_alphabetic()).nth(1).is_some()
        {
            out.push((
                n.scheme,
                Heading {
                    index: i,
                    len: 1,
                    title: l.text().to_string(),
                    value: n.value,
                    form: delimiter(l.text()),
                },
            ));
        }
    }
    // Numbered lines straight after one another are a list (or a contents
    // page), not headings: a heading has text under it.
    let listed: Vec<bool> = (0..out.len())
        .map(|k| {
            let (s, h) = &out[k];
            // (A line printed twice, a running title above its heading, is no list.)
            let next_is_sibling = out.get(k + 1).is_some_and(|(s2, h2)| {
                s2 == s && h2.index == h.index + h.len && h2.title != h.title
            });
            let prev_is_sibling = k > 0 && {
                let (s0, h0) = &out[k - 1];
                s0 == s && h0.index + h0.len == h.index && h0.title != h.title
            };
            next_is_sibling || prev_is_sibling
        })
        .collect();
    out.into_iter()
        .zip(listed)
        .filter(|(_, l)| !l)
        .map(|(c, _)| c)
        .collect()
}

/// The longest `1, 2, 3…` run of one scheme's headings, in order. Among the
/// copies of a number, the last one before the next number is taken: a
/// summary box or sub-list mentions "3." before the section itself does.
fn chain(headings: &[&Heading]) -> Vec<usize> {
    // Forward: how far the sequence gets.
    let mut expect = 1;
    let mut firsts = Vec::new();
    for (k, h) in headings.iter().enumerate() {
        if h.value == expect {
            firsts.push(k);
            expect += 1;
        }
    }
    // Backward: the last copy of each number before the next one's pick,
    // written like that pick (`4.` before `5.`, not a `4 ` of a list
    // inside section 4) when there is such a copy.
    let mut picked = vec![0; firsts.len()];
    let mut limit = headings.len();
    let mut next_form: Option<char> = None;
    for n in (0..firsts.len()).rev() {
        let value = n as u32 + 1;
        let copies = || {
            (firsts[n]..limit)
                .rev()
                .filter(|&k| headings[k].value == value)
        };
        let k = next_form
            .and_then(|f| copies().find(|&k| headings[k].form == f))
            .or_else(|| copies().next())
            .unwrap_or(firsts[n]);
        picked[n] = k;
        limit = k;
        next_form = Some(headings[k].form);
    }
    picked
}

/// The character after a heading's leading number (`.` in `1. 서론`, a
/// space in `1 서론` or `Ⅱ 개요`, `)` in `1) 서론`): how the document writes
/// that level.
fn delimiter(title: &str) -> char {
    title
        .trim_start()
        .chars()
        .find(|c| !c.is_ascii_digit() && !('Ⅰ'..='Ⅻ').contains(c) && !"IVX".contains(*c))
        .map_or(' ', |c| if c.is_whitespace() { ' ' } else { c })
}

/// The document's candidate top-level numbered headings, one sequence per
/// numbering scheme that counts at least two in order, the longest first
/// (ties to the higher-ranked scheme).
pub(crate) fn top_level(lines: &[Line<'_>]) -> Vec<Vec<Heading>> {
    let all = candidates(lines);
    let mut ranked: Vec<(i64, u8, Vec<Heading>)> = Vec::new();
    let mut schemes: Vec<Scheme> = all.iter().map(|(s, _)| *s).collect();
    schemes.sort_by_key(|s| s.rank());
    schemes.dedup();
    for scheme in schemes {
        if scheme == Scheme::Dotted {
            continue;
        }
        let of_scheme: Vec<&Heading> = all
            .iter()
            .filter(|(s, _)| *s == scheme)
            .map(|(_, h)| h)
            .collect();
        let picked = chain(&of_scheme);
        if picked.len() < 2 {
            continue;
        }
        // A scheme that starts over at 1 after its run began numbers
        // sub-sections: each start-over counts against it.
        let first = of_scheme[picked[0]].index;
        let restarts = of_scheme
            .iter()
            .enumerate()
            .filter(|(k, h)| h.value == 1 && h.index > first && !picked.contains(k))
            .count();
        let score = picked.len() as i64 - 2 * restarts as i64;
        if score >= 2 {
            let chosen = picked.iter().map(|&k| of_scheme[k].clone()).collect();
            ranked.push((score, scheme.rank(), chosen));
        }
    }
    ranked.sort_by_key(|(score, rank, _)| (-score, *rank));
    ranked.into_iter().map(|(_, _, h)| h).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::tests::lines_of as lines;

    /// The titles of the best-ranked numbered sequence of `text`.
    fn top_titles(text: &str) -> Vec<String> {
        top_level(&lines(text))
            .swap_remove(0)
            .into_iter()
            .map(|h| h.title)
            .collect()
    }

    #[test]
    fn a_figure_opening_a_line_is_no_heading_number() {
        assert_eq!(parse_number("55.4% 연구개발 연구개발"), None);
        assert_eq!(parse_number("3.5배 증가"), None);
        let heading = parse_number("2.1 연구 배경").expect("a dotted heading");
        assert_eq!(
            (heading.scheme, heading.rest.as_str()),
            (Scheme::Dotted, "연구 배경")
        );
    }

    #[test]
    fn a_list_inside_a_section_does_not_replace_the_sections_numbers() {
        let text = "1. 연구 목적\n본문입니다.\n\n2. 국내 전략\n본문입니다.\n\n\
                    3. 영국\n본문입니다.\n\n4. 호주\n본문입니다.\n\n\
                    1 공공부문 내 AI 도입\n설명입니다.\n\n2 투명성 보고서\n설명입니다.\n\n\
                    3 자동화된 정책결정\n설명입니다.\n\n4 인력 전략\n설명입니다.\n\n\
                    5. 미국\n본문입니다.\n";
        assert_eq!(
            top_titles(text),
            [
                "1. 연구 목적",
                "2. 국내 전략",
                "3. 영국",
                "4. 호주",
                "5. 미국"
            ]
        );
    }

    #[test]
    fn schemes_and_values() {
        let cases = [
            ("1. 연구 배경", Scheme::Arabic, 1),
            ("12 Conclusion", Scheme::Arabic, 12),
            ("2、 2019年原始因子表现不佳", Scheme::Arabic, 2),
            ("3) 결론", Scheme::ArabicParen, 3),
            ("(2) 방법", Scheme::ParenArabic, 2),
            ("Ⅳ. 영상기반 동작인식", Scheme::Roman, 4),
            ("IX. Outlook", Scheme::Roman, 9),
            ("② 둘째", Scheme::Circled, 2),
            ("다. 셋째", Scheme::Hangul, 3),
            ("第3節 市場", Scheme::Chapter, 3),
            ("第十二章 展望", Scheme::Chapter, 12),
            ("제2장 현황", Scheme::Chapter, 2),
            ("二十一、附录", Scheme::CjkComma, 21),
            ("（三）工艺", Scheme::ParenCjk, 3),
            ("7", Scheme::NumberLine, 7),
        ];
        for (text, scheme, value) in cases {
            let n = parse_number(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!((n.scheme, n.value), (scheme, value), "{text}");
        }
        for text in ["2023", "가나다라", "Ⅳ", "1.", "100 km"] {
            let n = parse_number(text);
            assert!(
                n.is_none() || n.as_ref().is_some_and(|n| n.scheme == Scheme::Dotted),
                "{text}: {n:?}"
            );
        }
        assert_eq!(
            parse_number("2.1 세부").map(|n| n.scheme),
            Some(Scheme::Dotted)
        );
    }

    #[test]
    fn headings_are_not_sentences_or_notes() {
        assert!(is_heading_text("연구 배경과 목적"));
        assert!(!is_heading_text("신규 부품을 도입했다."));
        assert!(!is_heading_text("정부는 반도체 지원을 확대함"));
        assert!(!is_heading_text("지원 대상이 늘었다"));
        assert!(!is_heading_text("AI타임스(’23.3.20.)"));
        assert!(!is_heading_text("前瞻研究的产品化能力。研发自成立"));
    }

    #[test]
    fn top_level_wins_over_sub_sections_that_start_over() {
        let text = "Ⅰ. 서론\n본문\nⅡ. 생성\n1. 국내 동향\n본문\n2. 전망\n본문\n\
                    Ⅲ. 홀로그래피\n1. 국내 동향\n본문\n2. 전망\n본문\nⅣ. 결론\n본문";
        let top = top_titles(text);
        assert_eq!(top, ["Ⅰ. 서론", "Ⅱ. 생성", "Ⅲ. 홀로그래피", "Ⅳ. 결론"]);
    }

    #[test]
    fn a_list_and_a_summary_mention_do_not_start_sections() {
        // The summary mentions 3 before the body; a list of 1–3 sits in section 2.
        let text = "요약\n1. 가격\n요지\n3. 수요\n요지\n\
                    1. 가격\n본문\n2. 공급\n본문\n1. 개요\n2. 기술\n3. 절차\n본문\n3. 수요\n본문";
        let l = lines(text);
        let top: Vec<(usize, String)> = top_level(&l)
            .swap_remove(0)
            .into_iter()
            .map(|h| (l[h.index].no, h.title))
            .collect();
        assert_eq!(
            top,
            [
                (6, "1. 가격".to_string()),
                (8, "2. 공급".to_string()),
                (14, "3. 수요".to_string())
            ]
        );
    }

    #[test]
    fn a_roman_numeral_above_its_title_and_the_copies_written_alike() {
        // Chapters set as `Ⅲ` above the title (text) or `Ⅲ 제안요청` (PDF);
        // a table inside chapter Ⅳ lists `Ⅱ.`–`Ⅳ.` evaluation items.
        for (one, two, three, four, five) in [
            (
                "Ⅰ\n사업 개요",
                "Ⅱ\n추진계획",
                "Ⅲ\n제안요청 내용",
                "Ⅳ\n작성요령",
                "Ⅴ\n제안 안내",
            ),
            (
                "Ⅰ 사업 개요",
                "Ⅱ 추진계획",
                "Ⅲ 제안요청 내용",
                "Ⅳ 작성요령",
                "Ⅴ 제안 안내",
            ),
        ] {
            let text = format!(
                "표지\n{one}\n본문\n{two}\n본문\n{three}\n본문\n{four}\n본문\n\
                 Ⅱ. 제안업체 현황\n배점\nⅢ. 기술 부문\n배점\nⅣ. 사업관리 부문\n배점\n{five}\n본문"
            );
            let l = lines(&text);
            let top: Vec<String> = top_level(&l)
                .swap_remove(0)
                .into_iter()
                .map(|h| l[h.index + h.len - 1].text().to_string())
                .collect();
            let want: Vec<String> = [one, two, three, four, five]
                .iter()
                .map(|h| h.split('\n').next_back().unwrap_or_default().to_string())
                .collect();
            assert_eq!(top, want, "{text}");
        }
    }

    #[test]
    fn a_formula_index_is_no_heading() {
        // `1 𝐹`, `2 𝑒` inside a formula start nothing over: a numbered
        // title needs two letters.
        let text = "1.引言\n正文\n2.VIX 的构建\n正文\n1 𝐹\n2 𝑒\n正文\n3.结论\n正文";
        assert_eq!(top_titles(text), ["1.引言", "2.VIX 的构建", "3.结论"]);
    }

    #[test]
    fn in_wrapped_text_a_numbered_line_as_wide_as_the_body_opens_a_paragraph() {
        let full = "正文的句子一行一行地接下去直到版心的右边为止然后换行";
        let mut text = String::from("1. 引言\n");
        for _ in 0..12 {
            text += &format!("{full}\n");
        }
        text += "1) 使用指标进行分组时区分度远优于原始指标的结果如下\n";
        text += &format!("{full}\n");
        text += "2) 未实现收益为正的股票会相对高估这一规律的解释为\n";
        text += &format!("{full}\n");
        text += "2. 结论\n";
        for _ in 0..12 {
            text += &format!("{full}\n");
        }
        assert_eq!(top_titles(&text), ["1. 引言", "2. 结论"]);
        assert!(
            top_level(&lines(&text))
                .iter()
                .all(|hs| hs.len() == 2 && hs[0].title == "1. 引言")
        );
    }

    #[test]
    fn a_number_above_its_title() {
        let text = "표지\n1\n검토배경\n본문\n- 1 -\n2\n주요 이슈\n본문\n3\n시사점\n본문";
        let top = top_titles(text);
        assert_eq!(top, ["검토배경", "주요 이슈", "시사점"]);
    }
}
