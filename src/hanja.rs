//! One-hanja abbreviations of Korean text written out in Hangul, for the
//! translation prompt (the template filter `spelled_hanja`).
//!
//! Korean newspapers and briefs abbreviate countries, the ruling and
//! opposition parties and administrative units with one hanja each
//! (`美 증시`, `(濠 ASPI, 11.2)`, `韓美 정상회담`, `與野`, `난징市`). A small
//! model reads them poorly: `(濠 ASPI, 11.2)` came back as "a research
//! institute of the United States", `워싱턴州 야키마` as "the U.S. Supreme
//! Court in Washington, D.C.". Written in Hangul (`호주`, `워싱턴주`) they
//! are ordinary words. The source shown to the reader stays as written.
//!
//! Only text with Hangul is touched, and only a run of Han characters
//! made entirely of such abbreviations: `中国`, `2023年中国…`, `36氪研究院`,
//! `11月` and Chinese or Japanese text stay as they are.

use crate::script::{is_han, is_hangul_syllable, is_kana};

/// A hanja that stands for a country, a region or a party when it is
/// written alone (or in a run of such hanja: `韓美日`), with its Hangul word
/// and its English name.
const STANDALONE: &[(char, &str, &str)] = &[
    ('韓', "한국", "Korea"),
    ('美', "미국", "US"),
    ('中', "중국", "China"),
    ('日', "일본", "Japan"),
    ('北', "북한", "North Korea"),
    ('英', "영국", "UK"),
    ('佛', "프랑스", "France"),
    ('獨', "독일", "Germany"),
    ('露', "러시아", "Russia"),
    ('印', "인도", "India"),
    ('濠', "호주", "Australia"),
    ('豪', "호주", "Australia"),
    ('加', "캐나다", "Canada"),
    ('伊', "이탈리아", "Italy"),
    ('越', "베트남", "Vietnam"),
    ('臺', "대만", "Taiwan"),
    ('台', "대만", "Taiwan"),
    ('泰', "태국", "Thailand"),
    ('歐', "유럽", "Europe"),
    ('與', "여당", "ruling party"),
    ('野', "야당", "opposition"),
];

/// A hanja written right after a Hangul place name as its administrative
/// unit (`난징市`, `워싱턴州`), with its Hangul syllable.
const SUFFIX: &[(char, &str)] = &[
    ('市', "시"),
    ('州', "주"),
    ('省', "성"),
    ('郡', "군"),
    ('縣', "현"),
    ('區', "구"),
];

/// Which word of an abbreviation to write.
#[derive(Clone, Copy)]
enum Spelling {
    Hangul,
    English,
}

/// `text` with its one-hanja abbreviations in Hangul (`美 증시` →
/// `미국 증시`, `韓美` → `한국·미국`, `난징市` → `난징시`); text without
/// Hangul, and any other hanja, unchanged.
pub fn spelled_hanja(text: &str) -> String {
    if !text.chars().any(is_hangul_syllable) {
        return text.to_string();
    }
    rewrite(text, Spelling::Hangul)
}

/// A Korean issue's own short text (an article's source line, `日 MURC`)
/// with its one-hanja abbreviations in English (`Japan MURC`), for the
/// English brief that shows it. Only for text known to come from a Korean
/// issue: it may hold no Hangul at all.
pub fn english_hanja(text: &str) -> String {
    rewrite(text, Spelling::English)
}

fn rewrite(text: &str, spelling: Spelling) -> String {
    if !text.chars().any(is_han) {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 16);
    let mut i = 0;
    while i < chars.len() {
        if !is_han(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_han(chars[i]) {
            i += 1;
        }
        let run = &chars[start..i];
        let before = start.checked_sub(1).map(|b| chars[b]);
        let after = chars.get(i).copied();
        let spelled = spell_run(run, before, after, spelling);
        out.push_str(&spelled.unwrap_or_else(|| run.iter().collect()));
    }
    out
}

/// The Hangul of a run of Han characters between `before` and `after`, if
/// every character of it is an abbreviation in that place.
fn spell_run(
    run: &[char],
    before: Option<char>,
    after: Option<char>,
    spelling: Spelling,
) -> Option<String> {
    // Next to kana the run is Japanese (`日本の`), whatever it holds.
    if before.is_some_and(is_kana) || after.is_some_and(is_kana) {
        return None;
    }
    if let [one] = run
        && before.is_some_and(is_hangul_syllable)
        && let Some((_, syllable)) = SUFFIX.iter().find(|(h, _)| h == one)
    {
        return Some(syllable.to_string());
    }
    // An abbreviation starts a word: after a digit or a Hangul syllable the
    // hanja is a date's day (`8日`) or an ending (`검토中`, "under review"),
    // and alone in brackets a weekday (`(日)`).
    let attached = before.is_some_and(|c| c.is_ascii_digit() || is_hangul_syllable(c));
    let weekday = run.len() == 1 && before == Some('(') && after == Some(')');
    if attached || weekday {
        return None;
    }
    // `北` is North Korea alone; in a run it is the compass (`北美` North
    // America, `北歐`, `台北`), and the run is a word.
    if run.len() > 1 && run.contains(&'北') {
        return None;
    }
    let words = run
        .iter()
        .map(|&c| {
            let (_, hangul, english) = STANDALONE.iter().find(|(h, ..)| *h == c)?;
            Some(match spelling {
                Spelling::Hangul => *hangul,
                Spelling::English => *english,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(words.join(match spelling {
        Spelling::Hangul => "·",
        Spelling::English => "–",
    }))
}

#[cfg(test)]
mod tests {
    use super::spelled_hanja;

    #[test]
    fn abbreviations_in_korean_text_are_written_in_hangul() {
        let cases = [
            (
                "美 증시에서 또 하루 하락세가 이어지고",
                "미국 증시에서 또 하루 하락세가 이어지고",
            ),
            (
                "호주 반도체 문샷을 위한 인재 파이프라인 개발 (濠 ASPI, 11.2)",
                "호주 반도체 문샷을 위한 인재 파이프라인 개발 (호주 ASPI, 11.2)",
            ),
            ("韓美 정상회담", "한국·미국 정상회담"),
            ("美·中 갈등", "미국·중국 갈등"),
            ("北 미사일 발사", "북한 미사일 발사"),
            ("日中 관계", "일본·중국 관계"),
            ("與野 합의", "여당·야당 합의"),
            (
                "중국 동부의 난징市에서 한 간이 음식점 주인이",
                "중국 동부의 난징시에서 한 간이 음식점 주인이",
            ),
            ("워싱턴州 야키마의 한 법원은", "워싱턴주 야키마의 한 법원은"),
        ];
        for (source, want) in cases {
            assert_eq!(spelled_hanja(source), want, "{source}");
        }
    }

    #[test]
    fn a_korean_issues_source_line_gets_english_names() {
        use super::english_hanja;
        assert_eq!(english_hanja("日 MURC"), "Japan MURC");
        assert_eq!(english_hanja("濠 ASPI"), "Australia ASPI");
        assert_eq!(english_hanja("韓美 정상회담"), "Korea–US 정상회담");
        // Other hanja, and the ones that are no abbreviation there, stay.
        assert_eq!(english_hanja("中 36氪研究院"), "China 36氪研究院");
        assert_eq!(english_hanja("미즈호은행, 11月"), "미즈호은행, 11月");
        assert_eq!(english_hanja("OECD"), "OECD");
    }

    #[test]
    fn other_hanja_and_other_languages_stay() {
        let unchanged = [
            // A run with a hanja that is no abbreviation is a word.
            "중국 고체 리튬이온배터리 (참고 : 36氪研究院, 2023年中国固态锂离子电池产业洞察报告)",
            "중국 제조업 분야 안정성장계획 (미즈호은행, 11月)",
            // No Hangul: Chinese and Japanese text are not Korean abbreviations.
            "中美贸易摩擦持续",
            "日本の製造業",
            // A suffix hanja with no Hangul place name before it.
            "(市 단위 통계)",
            // Next to kana the run is Japanese.
            "일본어 표기 日本の",
            // A date's day, a weekday, an ending: no country.
            "행사는 11月 8日 (日) 개최",
            "관련 법안 검토中",
            // 北 in a run is the compass: North America, the Nordics, Taipei.
            "北美 시장과 北歐 국가, 台北 전시회",
            "臺北 무역관",
        ];
        for source in unchanged {
            assert_eq!(spelled_hanja(source), source, "{source}");
        }
        // Only the abbreviation of a mixed line changes.
        assert_eq!(
            spelled_hanja("고체 배터리 산업 동향 (中 36氪研究院, 11.8)"),
            "고체 배터리 산업 동향 (중국 36氪研究院, 11.8)"
        );
    }
}
