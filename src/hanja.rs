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
/// written alone (or in a run of such hanja: `韓美日`), with its Hangul word.
const STANDALONE: &[(char, &str)] = &[
    ('韓', "한국"),
    ('美', "미국"),
    ('中', "중국"),
    ('日', "일본"),
    ('北', "북한"),
    ('英', "영국"),
    ('佛', "프랑스"),
    ('獨', "독일"),
    ('露', "러시아"),
    ('印', "인도"),
    ('濠', "호주"),
    ('豪', "호주"),
    ('加', "캐나다"),
    ('伊', "이탈리아"),
    ('越', "베트남"),
    ('臺', "대만"),
    ('台', "대만"),
    ('泰', "태국"),
    ('歐', "유럽"),
    ('與', "여당"),
    ('野', "야당"),
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

fn lookup(table: &[(char, &'static str)], c: char) -> Option<&'static str> {
    table.iter().find(|(h, _)| *h == c).map(|(_, word)| *word)
}

/// `text` with its one-hanja abbreviations in Hangul (`美 증시` →
/// `미국 증시`, `韓美` → `한국·미국`, `난징市` → `난징시`); text without
/// Hangul, and any other hanja, unchanged.
pub fn spelled_hanja(text: &str) -> String {
    if !text.chars().any(is_hangul_syllable) || !text.chars().any(is_han) {
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
        out.push_str(&spell_run(run, before, after).unwrap_or_else(|| run.iter().collect()));
    }
    out
}

/// The Hangul of a run of Han characters between `before` and `after`, if
/// every character of it is an abbreviation in that place.
fn spell_run(run: &[char], before: Option<char>, after: Option<char>) -> Option<String> {
    // Next to kana the run is Japanese (`日本の`), whatever it holds.
    if before.is_some_and(is_kana) || after.is_some_and(is_kana) {
        return None;
    }
    if let [one] = run
        && before.is_some_and(is_hangul_syllable)
        && let Some(syllable) = lookup(SUFFIX, *one)
    {
        return Some(syllable.to_string());
    }
    let words = run
        .iter()
        .map(|&c| lookup(STANDALONE, c))
        .collect::<Option<Vec<_>>>()?;
    Some(words.join("·"))
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
