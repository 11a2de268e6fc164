//! Units, scale words, currencies and unit symbols: what a number's
//! neighbours mean.

use super::patterns::{ENGLISH_CURRENCY, KOREAN_CURRENCY, SCALE};

/// `5천` 10^3, `3천억` 10^11, `5백만` 10^6, `2,700만` 10^4, `4억` 10^8, `1조` 10^12,
/// and their Chinese forms. Returns the multiplier and its byte length.
pub(super) fn korean_unit(s: &str) -> Option<(f64, usize)> {
    let mut chars = s.chars();
    let first = chars.next()?;
    let (sub, sub_len, big) = match first {
        '천' | '千' => (1e3, first.len_utf8(), chars.next()),
        '백' | '百' => (1e2, first.len_utf8(), chars.next()),
        _ => (1.0, 0, Some(first)),
    };
    let big_value = match big {
        // `10만큼` is "as much as 10".
        Some('만' | '万') if !s[sub_len..].starts_with("만큼") => Some(1e4),
        Some('억' | '億' | '亿') => Some(1e8),
        Some('조' | '兆') => Some(1e12),
        _ => None,
    };
    match (big, big_value) {
        (Some(c), Some(v)) => Some((sub * v, sub_len + c.len_utf8())),
        // `5천` alone; a lone `5백` is too rare to risk misreading.
        _ if sub == 1e3 => Some((1e3, sub_len)),
        _ => None,
    }
}

pub(super) fn scale_word(word: &str) -> f64 {
    match word.to_ascii_lowercase().as_str() {
        "hundred" => 1e2,
        "thousand" => 1e3,
        "million" | "mn" | "mln" => 1e6,
        "billion" | "bn" | "bln" => 1e9,
        "trillion" | "tn" | "trn" => 1e12,
        "dozen" => 12.0,
        _ => 1.0,
    }
}

/// `million`, `bn`, …; after a currency also the one-letter `$5m`, `$3b`, `$4k`
/// (without one, `5m` is five metres).
pub(super) fn english_scale(s: &str, currency: bool) -> Option<(f64, usize)> {
    if let Some(c) = SCALE.captures(s) {
        let second = c.name("b").map_or(1.0, |m| scale_word(m.as_str()));
        return Some((scale_word(&c["a"]) * second, c[0].len()));
    }
    if !currency {
        return None;
    }
    let mut chars = s.chars();
    let letter = chars.next()?;
    if chars.next().is_some_and(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let value = match letter.to_ascii_lowercase() {
        'k' => 1e3,
        'm' => 1e6,
        'b' => 1e9,
        't' => 1e12,
        _ => return None,
    };
    Some((value, 1))
}

/// A currency word after the amount: `달러`, `캐나다 달러`, "Canadian dollars",
/// "yuan". Returns its byte length.
pub(super) fn currency_suffix(s: &str) -> Option<usize> {
    if let Some(c) = KOREAN_CURRENCY.captures(s) {
        let end = c[0].len();
        // `원`/`엔` open many other words (`원자재` raw materials); only a
        // particle may follow them.
        let ambiguous = matches!(&c["w"], "원" | "엔");
        if !ambiguous || !hangul_word_continues(s[end..].chars().next()) {
            return Some(end);
        }
    }
    ENGLISH_CURRENCY.find(s).map(|m| m.len())
}

fn hangul_word_continues(next: Option<char>) -> bool {
    next.is_some_and(|c| {
        crate::script::is_hangul_syllable(c) && !"이을의에은는으로과와도만씩대까가를".contains(c)
    })
}

pub(super) fn is_currency_code(word: &str) -> bool {
    matches!(
        word,
        "USD"
            | "CAD"
            | "AUD"
            | "EUR"
            | "GBP"
            | "CNY"
            | "RMB"
            | "JPY"
            | "KRW"
            | "HKD"
            | "SGD"
            | "NZD"
            | "CHF"
            | "INR"
            | "TWD"
    )
}

/// A currency symbol or code right before the amount: `$3,750`, `C$ 427`, `CAD 427`.
pub(super) fn currency_before(text: &str, pos: usize) -> bool {
    let before = text[..pos].trim_end_matches([' ', '\u{a0}']);
    if before.ends_with(['$', '€', '£', '¥', '₩', '￦', '＄']) {
        return true;
    }
    let letters = before.len()
        - before
            .trim_end_matches(|c: char| c.is_ascii_alphabetic())
            .len();
    letters >= 3 && is_currency_code(&before[before.len() - letters..])
}

/// Upper-case unit symbols, which may be glued to a number; any other
/// all-capital suffix (`3D`, `5G`, `4K`, `4IR`) makes the token an identifier.
const UPPER_UNITS: &[&str] = &[
    "W", "KW", "MW", "GW", "TW", "V", "KV", "A", "J", "B", "KB", "MB", "GB", "TB", "PB", "L", "T",
    "MT", "M", "N", "C", "F", "X",
];

/// The length of an identifier suffix (`3D`, `5G`) glued to a number, if any.
/// Mixed- or lower-case suffixes are units (`kWh`, `km`, `150kMh`, `36Kr`).
pub(super) fn identifier_suffix(after: &str) -> Option<usize> {
    let run = after.bytes().take_while(u8::is_ascii_alphabetic).count();
    let suffix = &after[..run];
    (run > 0 && suffix.bytes().all(|b| b.is_ascii_uppercase()) && !UPPER_UNITS.contains(&suffix))
        .then_some(run)
}

/// A unit written directly after the digits (`3.5°C`, `464㎡`, `51kWh`).
pub(super) fn glued_unit(after: &str) -> bool {
    after.starts_with(|c: char| c.is_alphabetic() || is_unit_symbol(c))
}

pub(super) fn is_unit_symbol(c: char) -> bool {
    matches!(c, '°' | '℃' | '℉' | '㎡' | '㎞' | '㎏' | 'µ' | 'μ')
        || ('\u{3380}'..='\u{33ff}').contains(&c)
}

/// The value of a number word, ordinal or multiple; 0 for anything else.
pub(super) fn word_value(word: &str) -> f64 {
    let w = word.to_ascii_lowercase();
    let value = match w.as_str() {
        "one" | "first" => 1,
        "two" | "second" | "twice" | "twofold" | "bilateral" => 2,
        "three" | "third" | "thrice" | "threefold" | "trilateral" => 3,
        "four" | "fourth" | "fourfold" | "quadrilateral" | "quad" => 4,
        "five" | "fifth" => 5,
        "six" | "sixth" => 6,
        "seven" | "seventh" => 7,
        "eight" | "eighth" => 8,
        "nine" | "ninth" => 9,
        "ten" | "tenth" | "decade" => 10,
        "eleven" | "eleventh" => 11,
        "twelve" | "twelfth" | "dozen" => 12,
        "thirteen" => 13,
        "fourteen" => 14,
        "fifteen" => 15,
        "sixteen" => 16,
        "seventeen" => 17,
        "eighteen" => 18,
        "nineteen" => 19,
        "twenty" => 20,
        "thirty" => 30,
        "forty" => 40,
        "fifty" => 50,
        "sixty" => 60,
        "seventy" => 70,
        "eighty" => 80,
        "ninety" => 90,
        _ if w.starts_with("doubl") => 2,
        _ if w.starts_with("tripl") => 3,
        _ if w.starts_with("quadrupl") => 4,
        _ => 0,
    };
    f64::from(value)
}

pub(super) fn month_number(name: &str) -> u32 {
    const ABBREVIATIONS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let prefix = name.get(..3).unwrap_or(name).to_ascii_lowercase();
    ABBREVIATIONS
        .iter()
        .position(|a| *a == prefix)
        .map_or(0, |i| i as u32 + 1)
}
