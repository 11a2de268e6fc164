//! The regular expressions the readers use.

use std::sync::LazyLock;

use regex::Regex;

pub(super) fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("hard-coded pattern is valid")
}

// All patterns starting with `^` are applied to `&text[pos..]`: anchored at a
// scanner position, they cost only as much as the text they match.

/// A number as written: thousands separators and a decimal part allowed.
pub(super) static NUM: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?)"));

/// `’30`, `’23.8~9`, `’21.1.`, `’19~22`, `’12~’22`: the apostrophe short year
/// of Korean reports, with an optional month(.day) and an optional range.
pub(super) static APOSTROPHE_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^[’'‘＇′]\s?(?P<y1>[0-9]{2})(?:\.(?P<m1>[0-9]{1,2})(?:\.(?P<d1>[0-9]{1,2}))?\.?)?(?:[ \t\u{a0}]?[~∼～\-–—][ \t\u{a0}]?(?P<q2>[’'‘＇′])?(?P<y2>[0-9]{1,2})(?:\.(?P<m2>[0-9]{1,2})(?:\.(?P<d2>[0-9]{1,2}))?)?)?",
    )
});

/// `2023.11.06.`, `2023.11.`, `2023. 11. 6.` (references and bylines).
pub(super) static DATE_DOTTED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?P<y>(?:19|20)[0-9]{2})\.[ \t\u{a0}]?(?P<m>[0-9]{1,2})(?:\.[ \t\u{a0}]?(?P<d>[0-9]{1,2}))?\.?",
    )
});

/// `2023.1027`: a dotted date with the second dot forgotten, as in the sample.
pub(super) static DATE_COMPACT: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?P<y>(?:19|20)[0-9]{2})\.(?P<m>0[1-9]|1[0-2])(?P<d>[0-3][0-9])"));

/// `2023-11-06`, `2023/11/06`.
pub(super) static DATE_ISO: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?P<y>(?:19|20)[0-9]{2})[-/](?P<m>[0-9]{1,2})[-/](?P<d>[0-9]{1,2})"));

/// `11월 6일`, `11月`, `8~9월`.
pub(super) static KOREAN_MONTH: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?P<m>[0-9]{1,2})(?:[ \t\u{a0}]?[~∼～\-–][ \t\u{a0}]?(?P<m2>[0-9]{1,2}))?[월月](?:[ \t\u{a0}]?(?P<d>[0-9]{1,2})[ \t\u{a0}]?[일日])?",
    )
});

/// `11/6` in English: month/day.
pub(super) static SLASH_DATE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?P<m>[0-9]{1,2})/(?P<d>[0-9]{1,2})"));

/// The second, two-digit half of a year range: `2019-22`, `2019~22년`, `2023/24`.
pub(super) static SHORT_YEAR: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[ \t\u{a0}]?[~∼～\-–—/][ \t\u{a0}]?(?P<y>[0-9]{2})"));

/// English scale words after a number, glued or spaced: `427 million`, `$1.2bn`,
/// `five hundred thousand`.
pub(super) static SCALE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^[ \t\u{a0}]*(?P<a>hundred|thousand|million|billion|trillion|bn|mn|mln|bln|tn|trn)\b(?:[ \t\u{a0}]+(?P<b>thousand|million|billion|trillion)\b)?",
    )
});

pub(super) static PERCENT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:[ \t\u{a0}]?(?:%p|%|％|퍼센트)|[ \t\u{a0}]*(?:percentage[ \t\u{a0}]+points?|per[ \t\u{a0}]?cent|pct|pp)\b)",
    )
});

pub(super) static KOREAN_CURRENCY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^[ \t\u{a0}]?(?:(?:미국|캐나다|호주|홍콩|싱가포르|대만|뉴질랜드|미)[ \t\u{a0}]?)?(?P<w>달러|위안|유로|파운드|루피|엔|원)",
    )
});

pub(super) static ENGLISH_CURRENCY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^[ \t\u{a0}]*(?:(?:US|U\.S\.|American|Canadian|Australian|Hong[ \t]+Kong|Singapore|New[ \t]+Zealand|Taiwan(?:ese)?)[ \t\u{a0}]+)?(?:dollars?|yuan|renminbi|won|euros?|yen|pounds?|rupees?|USD|CAD|AUD|EUR|GBP|CNY|RMB|JPY|KRW|HKD|SGD|NZD|CHF|INR|TWD)\b",
    )
});

/// Between the two ends of a range whose unit is written only once: `3~5억`,
/// `30-40%`, `3 to 5 billion`.
pub(super) static RANGE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)^(?:[ \t\u{a0}]?[~∼～\-–—][ \t\u{a0}]?|[ \t\u{a0}]+(?:to|and|or)[ \t\u{a0}]+)")
});

pub(super) static FISCAL_YEAR: LazyLock<Regex> = LazyLock::new(|| re(r"^(?:[0-9]{4}|[0-9]{2})"));

const MONTHS: &str = "January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec";

pub(super) static MONTH_DAY: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"\b(?P<mon>{MONTHS})\b\.?(?:[ \t\u{{a0}}]*(?P<day>[0-9]{{1,2}})(?:st|nd|rd|th)?\b)?"
    ))
});

pub(super) static DAY_MONTH: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"\b(?P<day>[0-9]{{1,2}})(?:st|nd|rd|th)?[ \t\u{{a0}}]+(?:of[ \t\u{{a0}}]+)?(?P<mon>{MONTHS})\b"
    ))
});

pub(super) static NUMBER_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:(?P<tens>twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[-\s](?P<unit>one|two|three|four|five|six|seven|eight|nine)\b)?|(?P<small>zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)|(?P<article>an?))(?:[ \t\u{a0}]+(?P<scale>hundred|thousand|million|billion|trillion|dozen))?\b",
    )
});

/// Words that carry a number without being one: "doubled" renders `2배`,
/// "third country" renders `제3국`, "over the past decade" renders `10년간`.
pub(super) static MULTIPLE_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:doubl(?:e|ed|es|ing)|twice|twofold|bilateral|tripl(?:e|ed|es|ing)|thrice|threefold|trilateral|quadrupl(?:e|ed|es|ing)|fourfold|quadrilateral|quad|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|dozen|decade)\b",
    )
});

/// A scale word standing alone: "the trillion-dollar club" renders `1조 달러 클럽`.
pub(super) static BARE_SCALE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\b(?:thousand|million|billion|trillion)\b"));
