//! Which script a character belongs to (Hangul, kana, Han…), by Unicode
//! block, defined once for every stage that tells scripts apart: the
//! paragraph joiner, the PDF line joiner, the title reader, the sentence
//! splitter, language detection and the quality checks.
//!
//! Blocks, not the Unicode `Script` property: they are what the rules were
//! written and tested against, and a block test is a range comparison.

use std::ops::RangeInclusive;

/// Hangul syllables (가…힣, U+AC00–U+D7A3) and the unassigned tail of their
/// block up to U+D7AF.
pub const HANGUL_SYLLABLES: RangeInclusive<char> = '\u{AC00}'..='\u{D7AF}';
/// Conjoining Hangul Jamo (U+1100–U+11FF).
pub const HANGUL_JAMO: RangeInclusive<char> = '\u{1100}'..='\u{11FF}';
/// Hangul Compatibility Jamo (ㄱ, ㅏ…: U+3130–U+318F).
pub const HANGUL_COMPATIBILITY_JAMO: RangeInclusive<char> = '\u{3130}'..='\u{318F}';
/// The assigned Hangul syllables only, 가 to 힣.
pub const HANGUL_SYLLABLES_ASSIGNED: RangeInclusive<char> = '가'..='힣';
/// Hiragana and katakana (U+3040–U+30FF).
pub const KANA: RangeInclusive<char> = '\u{3040}'..='\u{30FF}';
/// CJK Unified Ideographs (U+4E00–U+9FFF): Han characters (hanja, kanji, hanzi).
pub const HAN: RangeInclusive<char> = '\u{4E00}'..='\u{9FFF}';

/// Blocks written without spaces between words: CJK punctuation with kana
/// (U+3000–U+30FF), Han with its extension A and compatibility ideographs,
/// and full-width forms.
const UNSPACED: [RangeInclusive<char>; 5] = [
    '\u{3000}'..='\u{30FF}', // CJK punctuation, hiragana, katakana
    '\u{3400}'..='\u{4DBF}', // CJK extension A
    HAN,                     // CJK unified ideographs
    '\u{F900}'..='\u{FAFF}', // compatibility ideographs
    '\u{FF00}'..='\u{FFEF}', // full-width forms
];

/// Hangul: syllables, conjoining jamo or compatibility jamo.
pub fn is_hangul(c: char) -> bool {
    HANGUL_SYLLABLES.contains(&c)
        || HANGUL_JAMO.contains(&c)
        || HANGUL_COMPATIBILITY_JAMO.contains(&c)
}

/// An assigned Hangul syllable (가…힣), not a jamo.
pub fn is_hangul_syllable(c: char) -> bool {
    HANGUL_SYLLABLES_ASSIGNED.contains(&c)
}

/// Hiragana or katakana.
pub fn is_kana(c: char) -> bool {
    KANA.contains(&c)
}

/// A Han character of the CJK Unified Ideographs block.
pub fn is_han(c: char) -> bool {
    HAN.contains(&c)
}

/// A character of a script written without spaces between words (Han,
/// kana, CJK punctuation, full-width forms). Hangul is not: Korean spaces
/// its words.
pub fn is_unspaced(c: char) -> bool {
    UNSPACED.iter().any(|r| r.contains(&c))
}

/// Any CJK character: Hangul or an unspaced script.
pub fn is_cjk(c: char) -> bool {
    is_hangul(c) || is_unspaced(c)
}

/// Guess a text's language from its scripts (the first 20,000 characters):
/// the source language a run names in its prompts.
pub fn detect_language(text: &str) -> &'static str {
    let (mut hangul, mut kana, mut han) = (0usize, 0usize, 0usize);
    for c in text.chars().take(20_000) {
        if is_hangul(c) {
            hangul += 1;
        } else if is_kana(c) {
            kana += 1;
        } else if is_han(c) {
            han += 1;
        }
    }
    if hangul > 0 && hangul * 4 >= han + kana {
        "Korean"
    } else if kana > 0 {
        "Japanese"
    } else if han > 0 {
        "Chinese"
    } else {
        // Latin and other scripts: the model tells them apart better than a guess here.
        "the source language"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_by_script() {
        assert_eq!(detect_language("산업기술 동향워치"), "Korean");
        assert_eq!(detect_language("第1章 はじめに"), "Japanese");
        assert_eq!(detect_language("第一章 引言"), "Chinese");
        assert_eq!(detect_language("Plain English"), "the source language");
    }

    #[test]
    fn hangul_covers_syllables_and_both_jamo_blocks() {
        for c in ['가', '힣', '한', 'ᄀ', 'ᇿ', 'ㄱ', 'ㅏ', 'ㆎ'] {
            assert!(is_hangul(c), "{c:?}");
            assert!(is_cjk(c), "{c:?}");
            assert!(!is_unspaced(c), "{c:?}");
        }
        for c in [
            'a', '中', 'あ', 'ア', '。', '\u{10FF}', '\u{3190}', '\u{D7B0}',
        ] {
            assert!(!is_hangul(c), "{c:?}");
        }
    }

    #[test]
    fn assigned_syllables_exclude_jamo_and_the_block_tail() {
        assert!(is_hangul_syllable('가') && is_hangul_syllable('힣'));
        assert!(!is_hangul_syllable('ㄱ') && !is_hangul_syllable('ᄀ'));
        // U+D7A4 is inside the syllables block but unassigned.
        assert!(!is_hangul_syllable('\u{D7A4}') && is_hangul('\u{D7A4}'));
    }

    #[test]
    fn kana_han_and_unspaced_scripts() {
        for c in ['ぁ', 'ん', 'ア', 'ヿ'] {
            assert!(is_kana(c) && is_unspaced(c) && !is_han(c), "{c:?}");
        }
        for c in ['一', '中', '鿿'] {
            assert!(is_han(c) && is_unspaced(c) && !is_kana(c), "{c:?}");
        }
        // Punctuation, extension A, compatibility ideographs, full-width forms.
        for c in ['、', '。', '㐀', '\u{F900}', 'Ａ', '！'] {
            assert!(
                is_unspaced(c) && is_cjk(c) && !is_han(c) && !is_kana(c),
                "{c:?}"
            );
        }
        for c in ['a', ' ', '·', 'é', '\u{2FFF}', '\u{FFF0}'] {
            assert!(!is_cjk(c), "{c:?}");
        }
    }
}
