//! Which names of an article need a fixed English form, found by rules and
//! never by the model: a name needs one only when it is mentioned again
//! after this article's first mention of it (in a later paragraph of the
//! article or in a later article), because only then can two renderings of
//! it disagree. The term request of an article lists just these names, each
//! with a short snippet of where the article uses it (docs/terms.md).
//!
//! What looks like a name (any paragraph of the issue, so a form given once
//! is known everywhere):
//! - Latin acronyms and model names (`OECD`, `R&D`, `LC3`, `NGen`) and runs
//!   of capitalised Latin words (`Wood Mackenzie`);
//! - words mixing Latin with Hangul, Han or kana (`미쓰비시UFJ리서치&컨설팅`);
//! - Han words inside Hangul text (`36氪研究院`);
//! - a word of three or more characters followed by a bracket holding a
//!   Latin capital (`혁신과학경제개발부(ISED)`);
//! - words ending in an organisation or programme suffix (`…부`, `…은행`,
//!   `…계획`, `…省`, `…銀行`, `…委员会`);
//! - quoted terms (`‘…’`, `“…”`, `「…」`, `《…》`).
//!
//! Korean words lose a trailing particle (`미국의` → `미국`); Japanese words
//! end at hiragana, which carries the particles. A name's mentions are
//! counted by substring (Latin names at word boundaries), as the translation
//! prompts later look terms up.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use regex::Regex;

/// A name of an article that is mentioned again later in the issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub name: String,
    /// A few characters either side of the article's first mention, for
    /// names a Latin-script reader cannot place alone (none for Latin names).
    pub context: Option<String>,
}

/// Characters kept on each side of a mention in its snippet.
const CONTEXT_CHARS: usize = 6;
/// How far a bracket after a mention may reach and still join its snippet.
const BRACKET_CHARS: usize = 24;
/// The longest word taken as a name by its suffix (a longer run of Han is a
/// clause of unsegmented Chinese, not a name).
const SUFFIXED_MAX_CHARS: usize = 12;

/// Korean particles and endings stripped from the end of a word, longest first.
const PARTICLES: &[&str] = &[
    "에서는",
    "으로는",
    "에게는",
    "에서도",
    "으로도",
    "이라는",
    "에서",
    "에게",
    "으로",
    "까지",
    "부터",
    "처럼",
    "보다",
    "에는",
    "에도",
    "와의",
    "과의",
    "이며",
    "이고",
    "이나",
    "이란",
    "라는",
    "은",
    "는",
    "이",
    "가",
    "을",
    "를",
    "의",
    "에",
    "로",
    "와",
    "과",
    "도",
    "만",
];

/// Endings of organisation, programme and law names (Korean, Japanese, Chinese).
const SUFFIXES: &[&str] = &[
    // Korean
    "부",
    "청",
    "처",
    "원",
    "은행",
    "연구소",
    "협회",
    "위원회",
    "재단",
    "공사",
    "그룹",
    "대학",
    "법",
    "법안",
    "계획",
    "전략",
    "프로젝트",
    "프로그램",
    "이니셔티브",
    "센터",
    "포럼",
    "기구",
    "연합",
    // Japanese
    "省",
    "庁",
    "社",
    "銀行",
    "大学",
    "研究所",
    "機構",
    "協会",
    "委員会",
    "財団",
    "会議",
    "法",
    "計画",
    "戦略",
    "グループ",
    // Chinese
    "部",
    "局",
    "院",
    "委员会",
    "银行",
    "大学",
    "研究院",
    "协会",
    "集团",
    "公司",
    "计划",
    "战略",
    "规划",
];

/// Quote pairs whose content is taken as a name.
const QUOTES: &[(char, char)] = &[
    ('‘', '’'),
    ('“', '”'),
    ('「', '」'),
    ('『', '』'),
    ('《', '》'),
    ('〈', '〉'),
];

/// Runs of two or more capitalised Latin words (`Wood Mackenzie`).
static CAPITALISED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^A-Za-z0-9&])([A-Z][A-Za-z0-9&]*(?: [A-Z][A-Za-z0-9&]*)+)")
        .expect("static regex")
});

/// The scripts the rules tell apart. A tiny local predicate: the shared
/// script ranges are being consolidated elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Hangul,
    Han,
    Katakana,
    Latin,
    Digit,
    /// Spaces, punctuation, hiragana: what ends a word.
    Other,
}

fn script(c: char) -> Script {
    match c {
        '\u{AC00}'..='\u{D7A3}' => Script::Hangul,
        '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}' => Script::Han,
        '\u{30A0}'..='\u{30FF}' if c != '・' => Script::Katakana,
        'A'..='Z' | 'a'..='z' | '&' => Script::Latin,
        '0'..='9' => Script::Digit,
        _ => Script::Other,
    }
}

/// Each article's candidates, in the order the article first mentions them.
/// `articles` holds each article's texts (its title first, then its
/// paragraphs) in issue order; `known` says which names need no request
/// (the user's glossary fixes them).
pub fn find(articles: &[Vec<&str>], known: impl Fn(&str) -> bool) -> Vec<Vec<Candidate>> {
    let mut names: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for text in articles.iter().flatten() {
        for name in name_shapes(text) {
            if !known(&name) && seen.insert(name.clone()) {
                names.push(name);
            }
        }
    }
    let mut out = vec![Vec::new(); articles.len()];
    if names.is_empty() {
        return out;
    }
    let Ok(matcher) = AhoCorasick::new(&names) else {
        return out;
    };
    // Each name's last mention (a paragraph's index in the issue) and, per
    // article, its first mention there: (paragraph index, text, byte offset).
    let mut last: Vec<usize> = vec![0; names.len()];
    let mut first: Vec<HashMap<usize, (usize, &str, usize)>> = vec![HashMap::new(); articles.len()];
    let mut at = 0;
    for (a, texts) in articles.iter().enumerate() {
        for &text in texts {
            at += 1;
            for m in matcher.find_overlapping_iter(text) {
                let n = m.pattern().as_usize();
                if names[n].is_ascii() && !at_word_bounds(text, m.start(), m.end()) {
                    continue;
                }
                last[n] = at;
                first[a].entry(n).or_insert((at, text, m.start()));
            }
        }
    }
    for (a, mentions) in first.into_iter().enumerate() {
        let mut found: Vec<(usize, usize, usize, &str)> = mentions
            .into_iter()
            .filter(|(n, (p, _, _))| last[*n] > *p)
            .map(|(n, (p, text, offset))| (p, offset, n, text))
            .collect();
        found.sort_unstable();
        out[a] = found
            .into_iter()
            .map(|(_, offset, n, text)| Candidate {
                context: (!names[n].is_ascii()).then(|| snippet(text, offset, names[n].len())),
                name: names[n].clone(),
            })
            .collect();
    }
    out
}

/// Whether `text[start..end]` is not part of a longer Latin word or number.
fn at_word_bounds(text: &str, start: usize, end: usize) -> bool {
    let latin = |c: char| c.is_ascii_alphanumeric();
    !text[..start].chars().next_back().is_some_and(latin)
        && !text[end..].chars().next().is_some_and(latin)
}

/// The mention at `offset` with a few characters either side (and the
/// bracket that follows it, which often holds its Latin form), on one line.
fn snippet(text: &str, offset: usize, len: usize) -> String {
    let before: String = {
        let mut v: Vec<char> = text[..offset].chars().rev().take(CONTEXT_CHARS).collect();
        v.reverse();
        v.into_iter().collect()
    };
    let rest = &text[offset + len..];
    let bracket = rest
        .starts_with(['(', '（'])
        .then(|| rest.find([')', '）']))
        .flatten()
        .filter(|&close| rest[..close].chars().count() <= BRACKET_CHARS)
        .map(|close| close + rest[close..].chars().next().map_or(1, char::len_utf8))
        .unwrap_or(0);
    let after: String = rest[bracket..].chars().take(CONTEXT_CHARS).collect();
    let joined = format!(
        "{before}{}{}{after}",
        &text[offset..offset + len],
        &rest[..bracket]
    );
    joined.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The name-shaped strings of one paragraph (see the module doc).
fn name_shapes(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let hangul_text = text.chars().any(|c| script(c) == Script::Hangul);
    for (start, end) in words(text) {
        let word = strip_particle(&text[start..end]);
        let next = text[start + word.len()..].chars().next();
        if is_name(word, next, &text[start + word.len()..], hangul_text) {
            out.push(word.to_string());
        }
    }
    for m in CAPITALISED.captures_iter(text) {
        if let Some(run) = m.get(1) {
            out.push(run.as_str().to_string());
        }
    }
    out.extend(quoted(text));
    out
}

/// Byte ranges of the runs of word characters (Hangul, Han, katakana, Latin, digits).
fn words(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (script(c) != Script::Other, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

/// A Korean word without its trailing particle, when two characters remain.
fn strip_particle(word: &str) -> &str {
    if !word
        .chars()
        .next_back()
        .is_some_and(|c| script(c) == Script::Hangul)
    {
        return word;
    }
    PARTICLES
        .iter()
        .find_map(|p| {
            word.strip_suffix(p)
                .filter(|stem| stem.chars().count() >= 2)
        })
        .unwrap_or(word)
}

/// Whether a word looks like a name by the rules of the module doc; `rest`
/// is the text after it (for a bracket), `hangul_text` whether its
/// paragraph is Korean (where Han marks names).
fn is_name(word: &str, next: Option<char>, rest: &str, hangul_text: bool) -> bool {
    let count = |s: Script| word.chars().filter(|&c| script(c) == s).count();
    let (latin, digits, han) = (
        count(Script::Latin),
        count(Script::Digit),
        count(Script::Han),
    );
    let chars = word.chars().count();
    if chars < 2 || digits == chars {
        return false;
    }
    // An amount is no name: `000억원` (the tail of `10조 4,000억원`, cut at its
    // comma) ends like `연구원` but is digits and a unit.
    let after_digits = word.trim_start_matches(|c: char| c.is_ascii_digit());
    if after_digits.len() < word.len() && after_digits.starts_with(['조', '억', '만', '천', '원'])
    {
        return false;
    }
    let upper = word.chars().filter(char::is_ascii_uppercase).count();
    if latin + digits == chars {
        return upper >= 2 || (upper >= 1 && digits >= 1);
    }
    // Latin joined to Hangul or katakana is a compound name; joined to Han
    // it is usually a name followed by unsegmented Chinese (`CATL表示`).
    if word.chars().any(|c| c.is_ascii_alphabetic())
        && (count(Script::Hangul) > 0 || count(Script::Katakana) > 0)
    {
        return true;
    }
    if hangul_text && han >= 2 {
        return true;
    }
    if chars >= 3 && matches!(next, Some('(' | '（')) && bracket_has_capital(rest) {
        return true;
    }
    chars <= SUFFIXED_MAX_CHARS
        && SUFFIXES
            .iter()
            .any(|s| word.ends_with(s) && chars >= s.chars().count() + 2)
}

/// Whether the bracket opening `rest` holds a Latin capital before it closes.
fn bracket_has_capital(rest: &str) -> bool {
    rest.chars()
        .skip(1)
        .take(BRACKET_CHARS)
        .take_while(|&c| !matches!(c, ')' | '）'))
        .any(|c| c.is_ascii_uppercase())
}

/// Quoted terms of two to thirty characters on one line.
fn quoted(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for &(open, close) in QUOTES {
        let mut rest = text;
        while let Some(i) = rest.find(open) {
            rest = &rest[i + open.len_utf8()..];
            let Some(j) = rest.find(close) else { break };
            let inner = rest[..j].trim();
            let n = inner.chars().count();
            if (2..=30).contains(&n) && !inner.contains('\n') {
                out.push(inner.to_string());
            }
            rest = &rest[j + close.len_utf8()..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(found: &[Candidate]) -> Vec<&str> {
        found.iter().map(|c| c.name.as_str()).collect()
    }

    fn find_all(articles: &[&[&str]]) -> Vec<Vec<Candidate>> {
        let texts: Vec<Vec<&str>> = articles.iter().map(|a| a.to_vec()).collect();
        find(&texts, |_| false)
    }

    #[test]
    fn a_name_mentioned_once_is_no_candidate() {
        let found = find_all(&[
            &[
                "제목",
                "캐나다 혁신과학경제개발부(ISED)가 지원금을 발표했다.",
            ],
            &["둘째", "우드맥켄지는 전망을 냈다."],
        ]);
        assert!(found.iter().all(Vec::is_empty), "{found:?}");
    }

    #[test]
    fn korean_particles_are_stripped_and_a_later_mention_makes_a_candidate() {
        let found = find_all(&[
            &[
                "캐나다 지원",
                "캐나다 혁신과학경제개발부(ISED)는 지원금을 발표했다.",
                "혁신과학경제개발부의 예산은 ISED 밖에서도 늘었다.",
            ],
            &["다른 기사", "혁신과학경제개발부에서 다시 밝혔다."],
        ]);
        // Named in two paragraphs of the first article and again in the
        // second: the first asks; the second (its last mention) does not.
        assert_eq!(names(&found[0]), ["혁신과학경제개발부", "ISED"]);
        assert!(found[1].is_empty(), "{:?}", found[1]);
        // Its snippet holds the bracket with the Latin form.
        let context = found[0][0].context.as_deref().unwrap();
        assert!(context.contains("혁신과학경제개발부(ISED)"), "{context}");
        assert!(
            found[0][1].context.is_none(),
            "a Latin name needs no snippet"
        );
        // The particle-stripped stems, not the inflected words.
        let shapes = name_shapes("미국 상무부의 발표와 상무부는");
        assert_eq!(shapes, ["상무부", "상무부"]);
    }

    #[test]
    fn latin_acronyms_are_found_and_words_are_not() {
        let shapes =
            name_shapes("OECD와 R&D, LC3 및 NGen은 the report이고 AI기반 Wood Mackenzie는");
        for name in ["OECD", "R&D", "LC3", "NGen", "AI기반", "Wood Mackenzie"] {
            assert!(shapes.iter().any(|s| s == name), "{name} not in {shapes:?}");
        }
        for word in ["the", "report", "Wood"] {
            assert!(!shapes.iter().any(|s| s == word), "{word} in {shapes:?}");
        }
        // An acronym inside a longer Latin word is not a mention of it.
        let found = find_all(&[&["AI 전망", "GenAI 시장"], &["둘째", "PAID 시장"]]);
        assert_eq!(names(&found[0]), Vec::<&str>::new(), "{found:?}");
    }

    #[test]
    fn japanese_names_by_suffix_gloss_and_quotes() {
        let found = find_all(&[
            &[
                "経済産業省の発表",
                "経済産業省は「グリーン成長戦略」を公表した。",
                "トヨタ自動車(Toyota)は経済産業省と協議し、「グリーン成長戦略」に参加する。",
            ],
            &["続報", "トヨタ自動車は新型車を出した。"],
        ]);
        assert_eq!(
            names(&found[0]),
            ["経済産業省", "グリーン成長戦略", "トヨタ自動車"]
        );
        // Hiragana ends a word: the particle は is never part of a name.
        assert!(name_shapes("経済産業省は").contains(&"経済産業省".to_string()));
        assert!(found[1].is_empty());
    }

    #[test]
    fn chinese_names_by_quotes_brackets_and_latin() {
        let found = find_all(&[
            &[
                "宁德时代发布新电池",
                "宁德时代（CATL）发布《新能源汽车产业发展规划》。",
                "CATL表示，《新能源汽车产业发展规划》将推动产业。",
            ],
            &["其他", "CATL的股价上涨。"],
        ]);
        assert_eq!(
            names(&found[0]),
            ["宁德时代", "CATL", "新能源汽车产业发展规划"]
        );
        // A long run of Han is a clause, not a name, whatever it ends with.
        assert!(name_shapes("工业和信息化部今天发布了新的计划").is_empty());
    }

    #[test]
    fn han_in_korean_text_is_a_name_but_common_words_are_not() {
        let found = find_all(&[
            &["중국 배터리", "36氪研究院에 따르면 배터리 시장이 성장했다."],
            &["배터리 동향", "36氪研究院은 배터리 시장을 분석했다."],
        ]);
        // 배터리 and 시장 recur but have no name shape.
        assert_eq!(names(&found[0]), ["36氪研究院"]);
    }

    #[test]
    fn amounts_are_no_names() {
        let found = find_all(&[&[
            "삼성전자는 영업이익이 10조 4,000억원을 기록했다.",
            "매출은 4,000억원, 영업이익은 10조원이다.",
        ]]);
        let names = names(&found[0]);
        assert!(names.iter().all(|n| !n.contains("억원")), "{names:?}");
    }

    #[test]
    fn known_names_are_not_asked() {
        let texts = vec![vec!["OECD 보고서", "OECD는 발표했다."]];
        assert_eq!(names(&find(&texts, |_| false)[0]), ["OECD"]);
        assert!(find(&texts, |n| n == "OECD")[0].is_empty());
    }
}
