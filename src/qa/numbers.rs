//! Number fidelity: every number in a Korean source must survive into its
//! English translation.
//!
//! Small local models mangle Korean myriad-based amounts — `4억 2,700만
//! 캐나다 달러` (427 million) came back as "4,270 million dollars" — and
//! quietly drop years, percentages and dates. Comparing digit strings cannot
//! catch that, so both sides are first read into canonical values: Korean
//! units (만 10^4, 억 10^8, 조 10^12, 천 10^3) and English scale words
//! (`million`, `bn`) are folded in, two-digit years (`’30년`) become 2030,
//! dates become `month * 100 + day`. [`missing`] then lists the source
//! mentions that have no equal value anywhere in the translation.
//!
//! The two sides are deliberately asymmetric. Every spurious Korean mention is
//! a false alarm a reviewer has to dismiss, so [`korean_numbers`] is strict:
//! identifiers (`LC3`, `GPT-4`, `EO 13990`), page furniture (`1 ❚`) and
//! footnote markers are not numbers. A spurious English mention costs at most
//! a missed coincidence, so [`english_numbers`] is generous: it also reads
//! number words ("five", "twice", "third"), month names, and takes ambiguous
//! notations (`11.6`, `'10`) every plausible way at once.

use std::sync::LazyLock;

use regex::{Captures, Regex};
use serde::Serialize;

/// A number found in source text, with its canonical value and the text it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mention {
    /// The text the value was read from, units included (`4억 2,700만 캐나다
    /// 달러`, `’19~22년`), so a report can point the reviewer at it.
    pub text: String,
    /// The canonical value: units and scale words multiplied in, two-digit
    /// years expanded to 20xx, dates as `month * 100 + day` (`month * 100`
    /// for a bare month). Signs are dropped, because a translation says
    /// "fell 3%" where the source writes `-3%`.
    pub value: f64,
    /// What the number denotes; it decides which values it may match.
    pub kind: Kind,
}

/// What a number denotes. Kinds keep a year 2030 from being satisfied by
/// "2,030 units" of something else only where that matters (percentages,
/// dates); counts, amounts and years stay interchangeable where a faithful
/// translation may legitimately switch between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A count or measure: `13,500개`, `4,400만 대`, `3.5°C`, "five".
    Plain,
    /// A percentage or percentage points: `40%`, `3%p`, "55.4 per cent".
    Percent,
    /// A calendar year: `2023년`, `’30년` (2030), "2019–22".
    Year,
    /// A month and day, `value = month * 100 + day`: `(11.6)` is 1106,
    /// "November 6" too; a bare month (`11月`, "November") is 1100.
    Date,
    /// An amount with a currency attached (`$3,750`, `200억 위안`), in that
    /// currency's units — nothing is converted. Matches like [`Kind::Plain`],
    /// the kind is only there to make reports readable.
    Money,
}

/// Every number in a Korean text, in order of appearance.
///
/// Strict by design (see the module docs): digits glued to Latin letters or
/// following `letter-` are identifiers, not numbers.
pub fn korean_numbers(text: &str) -> Vec<Mention> {
    finish(Scanner::new(text, Lang::Korean).run())
}

/// Every number in an English text, in order of appearance, read
/// generously: number words, ordinals, multiples ("double"), month names,
/// and every plausible reading of ambiguous notations.
pub fn english_numbers(text: &str) -> Vec<Mention> {
    let mut found = Scanner::new(text, Lang::English).run();
    english_words(text, &mut found);
    finish(found)
}

/// Source mentions with no matching mention in the translation.
///
/// A mention is matched by any translation mention of a compatible kind and
/// equal value: counts and amounts within 0.5% of each other (translations
/// round "4억 2,700만" to "427 million", but never shift it tenfold), years
/// to years or to the same plain number, percentages and dates exactly.
/// One translation mention may satisfy any number of source mentions, since
/// a repeated figure is usually written once in English.
pub fn missing(source: &str, translation: &str) -> Vec<Mention> {
    let rendered = english_numbers(translation);
    korean_numbers(source)
        .into_iter()
        .filter(|wanted| !rendered.iter().any(|got| satisfies(wanted, got)))
        .collect()
}

/// Translation numbers written in digits that the source does not account
/// for: figures a model made up or shifted (`2035` for `’30년`, `57%` for
/// `55.4%`).
///
/// The reverse check reads the translation strictly (digits only: number
/// words such as "first" or "a decade" render Korean words the source
/// reader does not count) and is lenient about what accounts for a figure,
/// because every false alarm costs a reviewer's time: any source value within
/// rounding (whatever its kind: "2030" may render `’30년` or `2030 비전`), a
/// month or day of a source date (`11.6` → "Nov. 6"), the two-digit form of a
/// source year, the same digits written anywhere in the source (identifiers
/// and footnotes the source reader skips on purpose), and small whole counts
/// up to 12, which Korean usually spells in words (`두 기업`, `세 번째`). A
/// figure read several ways is accounted for when any reading is.
pub fn added(source: &str, translation: &str) -> Vec<Mention> {
    let known = korean_numbers(source);
    let digit_runs: Vec<&str> = source
        .split(|c: char| !c.is_ascii_digit())
        .filter(|r| !r.is_empty())
        .collect();
    let accounted = |got: &Mention| {
        let small_count = got.kind == Kind::Plain && got.value.fract() == 0.0 && got.value <= 12.0;
        let verbatim = got
            .text
            .split(|c: char| !c.is_ascii_digit())
            .filter(|r| !r.is_empty())
            .all(|r| digit_runs.contains(&r));
        small_count
            || verbatim
            || known.iter().any(|s| {
                close(s.value, got.value, AMOUNT_TOLERANCE)
                    || (s.kind == Kind::Date
                        && [(s.value / 100.0).floor(), s.value % 100.0].contains(&got.value))
                    || (s.kind == Kind::Year && close(s.value % 100.0, got.value, EXACT))
            })
    };
    let mut readings = Scanner::new(translation, Lang::English).run();
    readings.sort_by_key(|f| f.at);
    let mut out: Vec<Mention> = Vec::new();
    for group in readings.chunk_by(|a, b| a.at == b.at) {
        if !group.iter().any(|f| accounted(&f.mention)) {
            out.push(group[0].mention.clone());
        }
    }
    out
}

/// Relative tolerance for counts and amounts: rounding, not a wrong unit.
const AMOUNT_TOLERANCE: f64 = 0.005;
/// Relative tolerance for values that must be equal, absorbing only float noise.
const EXACT: f64 = 1e-9;

fn satisfies(wanted: &Mention, got: &Mention) -> bool {
    use Kind::{Date, Money, Percent, Plain, Year};
    match (wanted.kind, got.kind) {
        (Plain | Money, Plain | Money) => close(wanted.value, got.value, AMOUNT_TOLERANCE),
        // A bare 2030 in the source ("2030 비전") may well be rendered as a year.
        (Plain | Money, Year) => is_year(wanted.value) && close(wanted.value, got.value, EXACT),
        (Year, Year | Plain) | (Percent, Percent) | (Date, Date) => {
            close(wanted.value, got.value, EXACT)
        }
        _ => false,
    }
}

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance * a.abs().max(b.abs())
}

fn is_year(value: f64) -> bool {
    value.fract() == 0.0 && (1900.0..=2099.0).contains(&value)
}

/// A mention and where it starts, so that mentions found by different passes
/// can be put back in text order.
struct Found {
    at: usize,
    mention: Mention,
}

fn finish(mut found: Vec<Found>) -> Vec<Mention> {
    found.sort_by_key(|f| f.at);
    found.into_iter().map(|f| f.mention).collect()
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("hard-coded pattern is valid")
}

// All patterns starting with `^` are applied to `&text[pos..]`: anchored at a
// scanner position, they cost only as much as the text they match.

/// A number as written: thousands separators and a decimal part allowed.
static NUM: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?)"));

/// `’30`, `’23.8~9`, `’21.1.`, `’19~22`, `’12~’22`: the apostrophe short year
/// of Korean reports, with an optional month(.day) and an optional range.
static APOSTROPHE_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^[’'‘＇′]\s?(?P<y1>[0-9]{2})(?:\.(?P<m1>[0-9]{1,2})(?:\.(?P<d1>[0-9]{1,2}))?\.?)?(?:[ \t\u{a0}]?[~∼～\-–—][ \t\u{a0}]?(?P<q2>[’'‘＇′])?(?P<y2>[0-9]{1,2})(?:\.(?P<m2>[0-9]{1,2})(?:\.(?P<d2>[0-9]{1,2}))?)?)?",
    )
});

/// `2023.11.06.`, `2023.11.`, `2023. 11. 6.` (references and bylines).
static DATE_DOTTED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?P<y>(?:19|20)[0-9]{2})\.[ \t\u{a0}]?(?P<m>[0-9]{1,2})(?:\.[ \t\u{a0}]?(?P<d>[0-9]{1,2}))?\.?",
    )
});

/// `2023.1027`: a dotted date with the second dot forgotten, as in the sample.
static DATE_COMPACT: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?P<y>(?:19|20)[0-9]{2})\.(?P<m>0[1-9]|1[0-2])(?P<d>[0-3][0-9])"));

/// `2023-11-06`, `2023/11/06`.
static DATE_ISO: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?P<y>(?:19|20)[0-9]{2})[-/](?P<m>[0-9]{1,2})[-/](?P<d>[0-9]{1,2})"));

/// `11월 6일`, `11月`, `8~9월`.
static KOREAN_MONTH: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?P<m>[0-9]{1,2})(?:[ \t\u{a0}]?[~∼～\-–][ \t\u{a0}]?(?P<m2>[0-9]{1,2}))?[월月](?:[ \t\u{a0}]?(?P<d>[0-9]{1,2})[ \t\u{a0}]?[일日])?",
    )
});

/// `11/6` in English: month/day.
static SLASH_DATE: LazyLock<Regex> = LazyLock::new(|| re(r"^(?P<m>[0-9]{1,2})/(?P<d>[0-9]{1,2})"));

/// The second, two-digit half of a year range: `2019-22`, `2019~22년`, `2023/24`.
static SHORT_YEAR: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[ \t\u{a0}]?[~∼～\-–—/][ \t\u{a0}]?(?P<y>[0-9]{2})"));

/// English scale words after a number, glued or spaced: `427 million`, `$1.2bn`,
/// `five hundred thousand`.
static SCALE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^[ \t\u{a0}]*(?P<a>hundred|thousand|million|billion|trillion|bn|mn|mln|bln|tn|trn)\b(?:[ \t\u{a0}]+(?P<b>thousand|million|billion|trillion)\b)?",
    )
});

static PERCENT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:[ \t\u{a0}]?(?:%p|%|％|퍼센트)|[ \t\u{a0}]*(?:percentage[ \t\u{a0}]+points?|per[ \t\u{a0}]?cent|pct|pp)\b)",
    )
});

static KOREAN_CURRENCY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^[ \t\u{a0}]?(?:(?:미국|캐나다|호주|홍콩|싱가포르|대만|뉴질랜드|미)[ \t\u{a0}]?)?(?P<w>달러|위안|유로|파운드|루피|엔|원)",
    )
});

static ENGLISH_CURRENCY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^[ \t\u{a0}]*(?:(?:US|U\.S\.|American|Canadian|Australian|Hong[ \t]+Kong|Singapore|New[ \t]+Zealand|Taiwan(?:ese)?)[ \t\u{a0}]+)?(?:dollars?|yuan|renminbi|won|euros?|yen|pounds?|rupees?|USD|CAD|AUD|EUR|GBP|CNY|RMB|JPY|KRW|HKD|SGD|NZD|CHF|INR|TWD)\b",
    )
});

/// Between the two ends of a range whose unit is written only once: `3~5억`,
/// `30-40%`, `3 to 5 billion`.
static RANGE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)^(?:[ \t\u{a0}]?[~∼～\-–—][ \t\u{a0}]?|[ \t\u{a0}]+(?:to|and|or)[ \t\u{a0}]+)")
});

static FISCAL_YEAR: LazyLock<Regex> = LazyLock::new(|| re(r"^(?:[0-9]{4}|[0-9]{2})"));

const MONTHS: &str = "January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec";

static MONTH_DAY: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"\b(?P<mon>{MONTHS})\b\.?(?:[ \t\u{{a0}}]*(?P<day>[0-9]{{1,2}})(?:st|nd|rd|th)?\b)?"
    ))
});

static DAY_MONTH: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"\b(?P<day>[0-9]{{1,2}})(?:st|nd|rd|th)?[ \t\u{{a0}}]+(?:of[ \t\u{{a0}}]+)?(?P<mon>{MONTHS})\b"
    ))
});

static NUMBER_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:(?P<tens>twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[-\s](?P<unit>one|two|three|four|five|six|seven|eight|nine)\b)?|(?P<small>zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)|(?P<article>an?))(?:[ \t\u{a0}]+(?P<scale>hundred|thousand|million|billion|trillion|dozen))?\b",
    )
});

/// Words that carry a number without being one: "doubled" renders `2배`,
/// "third country" renders `제3국`, "over the past decade" renders `10년간`.
static MULTIPLE_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:doubl(?:e|ed|es|ing)|twice|twofold|bilateral|tripl(?:e|ed|es|ing)|thrice|threefold|trilateral|quadrupl(?:e|ed|es|ing)|fourfold|quadrilateral|quad|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|dozen|decade)\b",
    )
});

/// A scale word standing alone: "the trillion-dollar club" renders `1조 달러 클럽`.
static BARE_SCALE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\b(?:thousand|million|billion|trillion)\b"));

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    Korean,
    English,
}

/// One left-to-right pass over a text. Both languages share it, because
/// translations keep many source notations verbatim (`2023.11.06.`, `3.5°C`,
/// even stray `억`), and a notation read one way in the source and another in
/// the translation would be a false alarm.
struct Scanner<'a> {
    text: &'a str,
    lang: Lang,
    found: Vec<Found>,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str, lang: Lang) -> Self {
        Self {
            text,
            lang,
            found: Vec::new(),
        }
    }

    fn push(&mut self, start: usize, end: usize, value: f64, kind: Kind) {
        let text = self.text[start..end].trim().to_owned();
        self.found.push(Found {
            at: start,
            mention: Mention { text, value, kind },
        });
    }

    fn run(mut self) -> Vec<Found> {
        let mut pos = 0;
        while let Some(c) = self.text[pos..].chars().next() {
            let after = &self.text[pos + c.len_utf8()..];
            pos = if c.is_ascii_digit() {
                self.number(pos)
            } else if is_apostrophe(c) && after.starts_with(|d: char| d.is_ascii_digit()) {
                self.apostrophe_year(pos)
            } else if c.is_ascii_alphabetic() {
                self.word(pos)
            } else {
                pos + c.len_utf8()
            };
        }
        self.found
    }

    /// A Latin word. Digits glued to it or hyphenated onto it (`LC3`, `CO2`,
    /// `GPT-4`, `LlaMa-1/2`, `K-12`) name things rather than count them, so
    /// the whole token is skipped. Returns where scanning resumes.
    fn word(&mut self, pos: usize) -> usize {
        let text = self.text;
        let letters = text[pos..]
            .bytes()
            .take_while(u8::is_ascii_alphabetic)
            .count();
        let word = &text[pos..pos + letters];
        let mut p = pos + letters;
        let rest = &text[p..];
        if rest.starts_with(|c: char| c.is_ascii_digit()) {
            // `USD427 million`: the code is a currency, the amount follows.
            if is_currency_code(word) {
                return p;
            }
            if matches!(word, "FY" | "CY")
                && let Some(m) = FISCAL_YEAR.find(rest)
            {
                let end = p + m.len();
                if !starts_with_digit(&text[end..]) {
                    let year = m.as_str().parse::<f64>().unwrap_or(0.0);
                    let year = if m.len() == 2 { 2000.0 + year } else { year };
                    self.push(pos, end, year, Kind::Year);
                    return end;
                }
            }
        }
        // `mid-2024`, `top-10`: an ordinary English word, the number is real.
        if letters >= 3
            && word.bytes().all(|b| b.is_ascii_lowercase())
            && rest.starts_with('-')
            && starts_with_digit(&rest[1..])
        {
            return p + 1;
        }
        let mut has_digit = false;
        loop {
            let run = text[p..]
                .bytes()
                .take_while(u8::is_ascii_alphanumeric)
                .count();
            has_digit |= text[p..p + run].bytes().any(|b| b.is_ascii_digit());
            p += run;
            let mut chars = text[p..].chars();
            let joiner = chars.next();
            let continues = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
            match joiner {
                Some(j @ ('-' | '‐' | '_' | '.')) if continues => p += j.len_utf8(),
                // `LlaMa-1/2` but not `kWh/100km`.
                Some('/') if continues && has_digit => p += 1,
                _ => break,
            }
        }
        p
    }

    /// `’30년`, `’19~22년`, `’12~’22년`, `’23.8~9`, `’21.1.`; in English also
    /// "’30s". A quote before digits that is not a year (`'10대 산업'`,
    /// `‘2030 비전’`) is left for [`Scanner::number`].
    fn apostrophe_year(&mut self, pos: usize) -> usize {
        let text = self.text;
        let quote_len = text[pos..].chars().next().map_or(1, char::len_utf8);
        let Some(c) = APOSTROPHE_YEAR.captures(&text[pos..]) else {
            return pos + quote_len;
        };
        let mut end = pos + c[0].len();
        let after = text[end..].chars().next();
        if after.is_some_and(|a| a.is_ascii_digit()) {
            return pos + quote_len;
        }
        let month = capture_u32(&c, "m1");
        if month.is_some_and(|m| !(1..=12).contains(&m)) {
            return pos + quote_len;
        }
        // A month or a quoted second year cannot be anything but a date.
        let certain = month.is_some() || c.name("q2").is_some();
        let decade = self.lang == Lang::English
            && after == Some('s')
            && !text[end + 1..].starts_with(|c: char| c.is_alphanumeric());
        if !(certain || decade || year_suffix_ok(after)) {
            return pos + quote_len;
        }
        if decade {
            end += 1;
        }
        end = include_year_word(text, end);
        let short = capture_u32(&c, "y1").unwrap_or(0);
        self.push(pos, end, 2000.0 + f64::from(short), Kind::Year);
        if let (Some(m), Some(d)) = (month, capture_u32(&c, "d1"))
            && (1..=31).contains(&d)
        {
            self.push(pos, end, f64::from(m * 100 + d), Kind::Date);
        }
        if let Some(second) = c.name("y2") {
            let two_digits = second.len() == 2;
            let value = second.as_str().parse::<u32>().unwrap_or(0);
            if c.name("q2").is_some() && two_digits {
                self.push(pos, end, 2000.0 + f64::from(value), Kind::Year);
                let (m2, d2) = (capture_u32(&c, "m2"), capture_u32(&c, "d2"));
                if let (Some(m), Some(d)) = (m2, d2)
                    && (1..=12).contains(&m)
                    && (1..=31).contains(&d)
                {
                    self.push(pos, end, f64::from(m * 100 + d), Kind::Date);
                }
            } else if month.is_none() && two_digits {
                // `’19~22년`; after a month (`’23.8~9`) the second part is a month.
                self.push(pos, end, 2000.0 + f64::from(value), Kind::Year);
            }
        }
        if self.lang == Lang::English && !certain {
            // An English quote mark may just open a quotation: `'10 major industries'`.
            self.push(pos, end, f64::from(short), Kind::Plain);
        }
        end
    }

    /// A number starting at `pos`. Returns where scanning resumes.
    fn number(&mut self, pos: usize) -> usize {
        if let Some(end) = self.calendar_date(pos) {
            return end;
        }
        if let Some(end) = self.korean_month(pos) {
            return end;
        }
        if self.lang == Lang::English {
            self.slash_date(pos);
        }
        let text = self.text;
        let currency = currency_before(text, pos);
        // `제3조` is Article 3, `제3국` a third country: ordinals take no unit.
        let ordinal = text[..pos].ends_with('제');
        let term = Term::parse(text, pos, currency, ordinal);
        if term.is_bare()
            && let Some(len) = identifier_suffix(&text[term.num_end..])
        {
            return term.num_end + len;
        }
        if is_noise(text, pos, &term) {
            return term.end;
        }
        let money = currency || term.money;
        if let Some(end) = self.year(pos, &term, money) {
            return end;
        }
        if term.is_bare()
            && !money
            && !glued_unit(&text[term.num_end..])
            && let Some((m, d)) = term.month_day()
        {
            let date = f64::from(m * 100 + d);
            match self.lang {
                // Korean prose writes decimals the same way, so only the
                // metadata slot `(MURC, 11.6)` / `(11.15)` makes it a date.
                Lang::Korean if in_metadata_slot(text, pos, term.end) => {
                    self.push(pos, term.end, date, Kind::Date);
                    return term.end;
                }
                Lang::Korean => {}
                Lang::English => self.push(pos, term.end, date, Kind::Date),
            }
        }
        if let Some(end) = self.range_start(pos, &term, currency, money) {
            return end;
        }
        let kind = if term.percent {
            Kind::Percent
        } else if money {
            Kind::Money
        } else {
            Kind::Plain
        };
        self.push(pos, term.end, term.value, kind);
        term.end
    }

    /// `2023.11.06.`, `2023.1027`, `2023-11-06`: a year, plus the day when given.
    fn calendar_date(&mut self, pos: usize) -> Option<usize> {
        let rest = &self.text[pos..];
        let c = [&DATE_DOTTED, &DATE_COMPACT, &DATE_ISO]
            .into_iter()
            .filter_map(|re| re.captures(rest))
            .find(|c| {
                let tail = &rest[c[0].len()..];
                let spaced = c[0].contains([' ', '\t', '\u{a0}']);
                // "in 2023. 11 firms" is a sentence break in English; a day makes it a date.
                let plausible = !spaced || self.lang == Lang::Korean || c.name("d").is_some();
                // "1922.3 million" is an amount, not March 1922.
                plausible
                    && !tail.starts_with(|t: char| t.is_alphanumeric() || t == '%' || t == '％')
                    && !SCALE.is_match(tail)
                    && capture_u32(c, "m").is_some_and(|m| (1..=12).contains(&m))
                    && capture_u32(c, "d").is_none_or(|d| (1..=31).contains(&d))
            })?;
        let end = pos + c[0].len();
        let year = capture_u32(&c, "y").unwrap_or(0);
        self.push(pos, end, f64::from(year), Kind::Year);
        if let (Some(m), Some(d)) = (capture_u32(&c, "m"), capture_u32(&c, "d")) {
            self.push(pos, end, f64::from(m * 100 + d), Kind::Date);
        }
        Some(end)
    }

    /// `11월 6일`, `11月`, `8~9월` (dates written out in Korean or Chinese).
    fn korean_month(&mut self, pos: usize) -> Option<usize> {
        let c = KOREAN_MONTH.captures(&self.text[pos..])?;
        let first = capture_u32(&c, "m")?;
        let second = capture_u32(&c, "m2");
        let day = capture_u32(&c, "d").unwrap_or(0);
        let valid = |m: u32| (1..=12).contains(&m);
        if !valid(first) || second.is_some_and(|m| !valid(m)) || day > 31 {
            return None;
        }
        let end = pos + c[0].len();
        match second {
            Some(m2) => {
                self.push(pos, end, f64::from(first * 100), Kind::Date);
                self.push(pos, end, f64::from(m2 * 100 + day), Kind::Date);
            }
            None => self.push(pos, end, f64::from(first * 100 + day), Kind::Date),
        }
        Some(end)
    }

    /// English `11/6` as a date; the digits are read as numbers afterwards too.
    fn slash_date(&mut self, pos: usize) {
        let Some(c) = SLASH_DATE.captures(&self.text[pos..]) else {
            return;
        };
        let end = pos + c[0].len();
        if self.text[end..].starts_with(|t: char| t.is_ascii_digit() || t == '/') {
            return;
        }
        if let (Some(m), Some(d)) = (capture_u32(&c, "m"), capture_u32(&c, "d"))
            && (1..=12).contains(&m)
            && (1..=31).contains(&d)
        {
            self.push(pos, end, f64::from(m * 100 + d), Kind::Date);
        }
    }

    /// A four-digit year (`2023년`, `2030`, "2030s"), with the two-digit end of
    /// a range after it (`2019-22`). `None` when the number is no year.
    fn year(&mut self, pos: usize, term: &Term, money: bool) -> Option<usize> {
        let text = self.text;
        let year = term.value;
        if !(term.is_bare() && !money && term.raw.len() == 4 && is_year(year)) {
            return None;
        }
        let after = text[term.num_end..].chars().next();
        let decade = after == Some('s')
            && !text[term.num_end + 1..].starts_with(|c: char| c.is_alphanumeric());
        if !(decade || year_suffix_ok(after)) {
            return None; // `2000명` is a count
        }
        let mut end = term.num_end + usize::from(decade);
        end = include_year_word(text, end);
        self.push(pos, end, year, Kind::Year);
        if let Some(c) = SHORT_YEAR.captures(&text[end..]) {
            let second_end = end + c[0].len();
            let short = capture_u32(&c, "y").map_or(0.0, f64::from);
            let second = (year / 100.0).floor() * 100.0 + short;
            if !starts_with_digit(&text[second_end..]) && second > year {
                let start = end + c.name("y").map_or(0, |m| m.start());
                let second_end = include_year_word(text, second_end);
                self.push(start, second_end, second, Kind::Year);
                return Some(second_end);
            }
        }
        Some(end)
    }

    /// The first end of a range whose unit is written once (`3~5억 달러`,
    /// `30-40%`): it takes the unit of the second. Korean gets only that
    /// reading; English, being generous, gets the bare number as well.
    fn range_start(
        &mut self,
        pos: usize,
        term: &Term,
        currency: bool,
        money: bool,
    ) -> Option<usize> {
        if !term.is_bare() {
            return None;
        }
        let text = self.text;
        let gap = RANGE.find(&text[term.end..])?;
        let next_pos = term.end + gap.end();
        if !starts_with_digit(&text[next_pos..]) {
            return None;
        }
        let next = Term::parse(text, next_pos, currency, false);
        if next.scale == 1.0 && !next.percent {
            return None;
        }
        let kind = if next.percent {
            Kind::Percent
        } else if money || next.money {
            Kind::Money
        } else {
            Kind::Plain
        };
        self.push(pos, term.end, tidy(term.value * next.scale), kind);
        if self.lang == Lang::English {
            let kind = if money { Kind::Money } else { Kind::Plain };
            self.push(pos, term.end, term.value, kind);
        }
        Some(term.end)
    }
}

/// A number with whatever follows it and changes its value or meaning.
struct Term<'t> {
    /// The first number exactly as written (`4`, `2,700`, `55.4`).
    raw: &'t str,
    /// Where `raw` ends.
    num_end: usize,
    /// Where the units, scale words, percent sign and currency end.
    end: usize,
    value: f64,
    /// The multiplier of the first unit (`억` in `4억 2,700만`); 1 when none.
    scale: f64,
    percent: bool,
    /// A currency word follows (`달러`, "dollars").
    money: bool,
}

impl<'t> Term<'t> {
    fn parse(text: &'t str, pos: usize, currency: bool, ordinal: bool) -> Self {
        let raw = NUM.find(&text[pos..]).map_or("", |m| m.as_str());
        let first = parse_number(raw);
        let num_end = pos + raw.len();
        let mut p = num_end;
        let mut value = first;
        let mut scale = 1.0;
        if let Some((unit, len)) = korean_unit(&text[p..]).filter(|_| !ordinal) {
            scale = unit;
            value = first * unit;
            p += len;
            // `4억 2,700만`: further groups with strictly smaller units add up.
            let mut last = unit;
            while last >= 1e4 {
                let rest = &text[p..];
                let gap = rest.len() - rest.trim_start().len();
                if gap > 2 {
                    break;
                }
                let q = p + gap;
                let Some(n) = NUM.find(&text[q..]) else { break };
                let Some((unit, len)) = korean_unit(&text[q + n.len()..]) else {
                    break;
                };
                if unit >= last {
                    break;
                }
                value += parse_number(n.as_str()) * unit;
                p = q + n.len() + len;
                last = unit;
            }
        } else if let Some((unit, len)) = english_scale(&text[p..], currency) {
            scale = unit;
            value = first * unit;
            p += len;
        }
        let percent = match PERCENT.find(&text[p..]) {
            Some(m) => {
                p += m.len();
                true
            }
            None => false,
        };
        let money = !percent
            && match currency_suffix(&text[p..]) {
                Some(len) => {
                    p += len;
                    true
                }
                None => false,
            };
        Term {
            raw,
            num_end,
            end: p,
            value: tidy(value),
            scale,
            percent,
            money,
        }
    }

    /// No unit, scale word or percent sign changed the number.
    fn is_bare(&self) -> bool {
        self.scale == 1.0 && !self.percent
    }

    /// `11.6` read as month 11, day 6.
    fn month_day(&self) -> Option<(u32, u32)> {
        let (m, d) = self.raw.split_once('.')?;
        if m.len() > 2 || d.len() > 2 || m.contains(',') {
            return None;
        }
        let (m, d) = (m.parse().ok()?, d.parse().ok()?);
        ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some((m, d))
    }
}

/// Snaps float noise from scaling (`4.27 * 1e9` is 4269999999.9999995) to the
/// whole number the text meant, so reports print clean values.
fn tidy(value: f64) -> f64 {
    let whole = value.round();
    if value.abs() >= 1.0 && (value - whole).abs() <= value.abs() * 1e-12 {
        whole
    } else {
        value
    }
}

fn parse_number(raw: &str) -> f64 {
    raw.replace(',', "").parse().unwrap_or(0.0)
}

fn capture_u32(c: &Captures, name: &str) -> Option<u32> {
    c.name(name)?.as_str().parse().ok()
}

fn starts_with_digit(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_digit())
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '’' | '\'' | '‘' | '＇' | '′')
}

/// `5천` 10^3, `3천억` 10^11, `5백만` 10^6, `2,700만` 10^4, `4억` 10^8, `1조` 10^12,
/// and their Chinese forms. Returns the multiplier and its byte length.
fn korean_unit(s: &str) -> Option<(f64, usize)> {
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

fn scale_word(word: &str) -> f64 {
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
fn english_scale(s: &str, currency: bool) -> Option<(f64, usize)> {
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
fn currency_suffix(s: &str) -> Option<usize> {
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

fn is_currency_code(word: &str) -> bool {
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
fn currency_before(text: &str, pos: usize) -> bool {
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
fn identifier_suffix(after: &str) -> Option<usize> {
    let run = after.bytes().take_while(u8::is_ascii_alphabetic).count();
    let suffix = &after[..run];
    (run > 0 && suffix.bytes().all(|b| b.is_ascii_uppercase()) && !UPPER_UNITS.contains(&suffix))
        .then_some(run)
}

/// A unit written directly after the digits (`3.5°C`, `464㎡`, `51kWh`).
fn glued_unit(after: &str) -> bool {
    after.starts_with(|c: char| c.is_alphabetic() || is_unit_symbol(c))
}

fn is_unit_symbol(c: char) -> bool {
    matches!(c, '°' | '℃' | '℉' | '㎡' | '㎞' | '㎏' | 'µ' | 'μ')
        || ('\u{3380}'..='\u{33ff}').contains(&c)
}

/// What may directly follow a year: `년`/`年`, or anything that is not part of
/// a word, a unit or a percentage (`2000명` counts people).
fn year_suffix_ok(after: Option<char>) -> bool {
    match after {
        None | Some('년' | '年') => true,
        Some(c) => !(c.is_alphanumeric() || c == '%' || c == '％' || is_unit_symbol(c)),
    }
}

fn include_year_word(text: &str, end: usize) -> usize {
    match text[end..].chars().next() {
        Some(c @ ('년' | '年')) => end + c.len_utf8(),
        _ => end,
    }
}

/// Only in a metadata slot — after `(` or `,`, before `)` — is a Korean `11.6`
/// a date: `(日 MURC, 11.6)`, `Techxplore (11.15)`.
fn in_metadata_slot(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].trim_end();
    (before.ends_with('(') || before.ends_with(',')) && text[end..].trim_start().starts_with(')')
}

/// Numbers that are not content: page furniture (`1 ❚`, `❚ 2`), footnote
/// markers (`[3]`), `코로나19` (a name), and designations such as `EO 13990`.
fn is_noise(text: &str, pos: usize, term: &Term) -> bool {
    let line_before = text[..pos].rsplit('\n').next().unwrap_or("").trim_end();
    let line_after = text[term.end..]
        .split('\n')
        .next()
        .unwrap_or("")
        .trim_start();
    if line_before.ends_with('❚') || line_after.starts_with('❚') {
        return true;
    }
    if term.raw.len() <= 2 && text[..pos].ends_with('[') && text[term.end..].starts_with(']') {
        return true;
    }
    if text[..pos].trim_end().ends_with("코로나") {
        return true;
    }
    is_designation(text, pos, term)
}

/// `EO 13990`, `ISO 9001`: an all-capital code, one space, and a plain integer
/// of three or more digits that is no year and counts nothing (`GPU 100개` does).
fn is_designation(text: &str, pos: usize, term: &Term) -> bool {
    let integer = term.raw.len() >= 3 && term.raw.bytes().all(|b| b.is_ascii_digit());
    if !(integer && term.is_bare() && !term.money)
        || is_year(term.value)
        || glued_unit(&text[term.num_end..])
    {
        return false;
    }
    let Some(before) = text[..pos].strip_suffix([' ', '\u{a0}']) else {
        return false;
    };
    let letters = before.len()
        - before
            .trim_end_matches(|c: char| c.is_ascii_uppercase())
            .len();
    let code = &before[before.len() - letters..];
    let joined = before[..before.len() - letters].ends_with(|c: char| c.is_ascii_alphabetic());
    (2..=6).contains(&letters) && !joined && !is_currency_code(code)
}

/// The English-only passes over words: numbers spelled out, multiples and
/// ordinals, bare scale words, and month names.
fn english_words(text: &str, found: &mut Vec<Found>) {
    let mut push = |at: usize, end: usize, value: f64, kind: Kind| {
        let mention = Mention {
            text: text[at..end].to_owned(),
            value,
            kind,
        };
        found.push(Found { at, mention });
    };
    for c in NUMBER_WORDS.captures_iter(text) {
        let whole = c.get(0).map_or(0..0, |m| m.range());
        let scale = c.name("scale").map(|m| scale_word(m.as_str()));
        let base = if let Some(tens) = c.name("tens") {
            word_value(tens.as_str()) + c.name("unit").map_or(0.0, |u| word_value(u.as_str()))
        } else if let Some(small) = c.name("small") {
            word_value(small.as_str())
        } else if scale.is_some() {
            1.0 // "a million", "a dozen"
        } else {
            continue; // a bare article
        };
        push(
            whole.start,
            whole.end,
            base * scale.unwrap_or(1.0),
            Kind::Plain,
        );
    }
    for m in MULTIPLE_WORDS.find_iter(text) {
        push(m.start(), m.end(), word_value(m.as_str()), Kind::Plain);
    }
    for m in BARE_SCALE.find_iter(text) {
        let before = text[..m.start()].trim_end();
        let previous = before
            .rsplit(|c: char| !c.is_ascii_alphabetic())
            .next()
            .unwrap_or("");
        let counted = before.ends_with(|c: char| c.is_ascii_digit())
            || word_value(previous) > 0.0
            || matches!(
                previous.to_ascii_lowercase().as_str(),
                "a" | "an" | "hundred"
            );
        if !counted {
            push(m.start(), m.end(), scale_word(m.as_str()), Kind::Plain);
        }
    }
    for re in [&MONTH_DAY, &DAY_MONTH] {
        for c in re.captures_iter(text) {
            let whole = c.get(0).map_or(0..0, |m| m.range());
            let month = month_number(&c["mon"]);
            push(whole.start, whole.end, f64::from(month * 100), Kind::Date);
            if let Some(day) = capture_u32(&c, "day").filter(|d| (1..=31).contains(d)) {
                push(
                    whole.start,
                    whole.end,
                    f64::from(month * 100 + day),
                    Kind::Date,
                );
            }
        }
    }
}

/// The value of a number word, ordinal or multiple; 0 for anything else.
fn word_value(word: &str) -> f64 {
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

fn month_number(name: &str) -> u32 {
    const ABBREVIATIONS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let prefix = name.get(..3).unwrap_or(name).to_ascii_lowercase();
    ABBREVIATIONS
        .iter()
        .position(|a| *a == prefix)
        .map_or(0, |i| i as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::Kind::{Date, Money, Percent, Plain, Year};
    use super::*;

    const SAMPLE: &str = include_str!("../../samples/trendwatch-2023-22.txt");

    /// Asserts the Korean mentions of `text`, kinds and values, in order.
    #[track_caller]
    fn assert_ko(text: &str, expected: &[(Kind, f64)]) {
        let got: Vec<(Kind, f64)> = korean_numbers(text)
            .iter()
            .map(|m| (m.kind, m.value))
            .collect();
        let same = got.len() == expected.len()
            && got
                .iter()
                .zip(expected)
                .all(|(g, e)| g.0 == e.0 && close(g.1, e.1, 1e-12));
        assert!(
            same,
            "{text:?}\n  got      {got:?}\n  expected {expected:?}"
        );
    }

    /// Asserts that a faithful translation leaves nothing missing.
    #[track_caller]
    fn assert_complete(source: &str, translation: &str) {
        let gaps = missing(source, translation);
        assert!(
            gaps.is_empty(),
            "{source:?} -> {translation:?}\n  missing {gaps:?}"
        );
        // The same faithful pairs measure the reverse check's false alarms.
        let extra = added(source, translation);
        assert!(
            extra.is_empty(),
            "{source:?} -> {translation:?}\n  added {extra:?}"
        );
    }

    /// Asserts exactly which source values a faulty translation lost.
    #[track_caller]
    fn assert_lost(source: &str, translation: &str, expected: &[f64]) {
        let lost: Vec<f64> = missing(source, translation)
            .iter()
            .map(|m| m.value)
            .collect();
        let same = lost.len() == expected.len()
            && lost.iter().zip(expected).all(|(l, e)| close(*l, *e, 1e-12));
        assert!(
            same,
            "{source:?} -> {translation:?}\n  lost {lost:?}, expected {expected:?}"
        );
    }

    #[test]
    fn a_decimal_amount_that_looks_like_year_and_month_is_an_amount() {
        // Found by the proptest below (19억 2,230만): "1922.3 million" was
        // read as March 1922, so the right rendering was reported missing.
        let src = "지원금 총 19억 2,230만 캐나다 달러";
        assert_complete(src, "CAD 1922.3 million");
        assert_complete(src, "CAD 1,922.3 million in funding");
        assert_lost(src, "CAD 192.23 million", &[1_922_300_000.0]);
        // A real date before a word still is one.
        let dated = "2023.3 발표";
        assert_complete(dated, "announced 2023.3 for");
    }

    #[test]
    fn eok_man_amount_is_one_value_and_4270_million_is_caught() {
        let src = "혁신과학경제개발부(ISED) 지원금이 총 4억 2,700만 캐나다 달러에 육박";
        assert_ko(src, &[(Money, 427_000_000.0)]);
        assert_eq!(korean_numbers(src)[0].text, "4억 2,700만 캐나다 달러");
        assert_complete(src, "ISED funding totals nearly CAD 427 million");
        assert_complete(src, "ISED funding approaches C$427 million");
        assert_complete(src, "nearly 427 million Canadian dollars");
        assert_lost(
            src,
            "ISED funding totals nearly 4,270 million dollars",
            &[427e6],
        );
        assert_lost(src, "ISED funding totals nearly CAD 42.7 million", &[427e6]);
        assert_lost(src, "ISED funding totals nearly CAD 4.27 billion", &[427e6]);
    }

    #[test]
    fn nine_eok_five_thousand_man() {
        let src = "정부에서는 ’17년 예산에 포함된 9억 5,000만 캐나다 달러를 시작으로 ’21년 6,000만 달러가 추가되었고";
        assert_ko(
            src,
            &[
                (Year, 2017.0),
                (Money, 950e6),
                (Year, 2021.0),
                (Money, 60e6),
            ],
        );
        assert_complete(
            src,
            "Starting with CAD 950 million in the 2017 budget, a further $60 million was added in 2021",
        );
        assert_lost(
            src,
            "Starting with CAD 9.5 million in the 2017 budget, a further $60 million was added in 2021",
            &[950e6],
        );
    }

    #[test]
    fn five_years_seven_eok_five_thousand_man() {
        let src = "’22년 예산을 통해 5년간 7억 5,000만 달러 지원 계획을 수립";
        assert_ko(src, &[(Year, 2022.0), (Plain, 5.0), (Money, 750e6)]);
        assert_complete(src, "the 2022 budget set out $750 million over five years");
        assert_lost(
            src,
            "the 2022 budget set out $75 million over five years",
            &[750e6],
        );
        assert_lost(
            src,
            "the budget set out $750 million over five years",
            &[2022.0],
        );
    }

    #[test]
    fn cluster_amounts_up_to() {
        let src = "(디지털 기술) 브리시티 컬럼비아 기반, 최대 2억 9,800만 달러 (단백질 산업) 프레리 기반, 최대 3억 2,300만 달러";
        assert_ko(src, &[(Money, 298e6), (Money, 323e6)]);
        assert_complete(
            src,
            "(digital technology) British Columbia, up to $298 million; (protein) Prairies, up to $323 million",
        );
        assert_lost(src, "up to $29.8 million; up to $323 million", &[298e6]);
    }

    #[test]
    fn short_year_until() {
        let src = "’30년까지 컴퓨터 활용 능력, 비판적 사고력, 창의성";
        assert_ko(src, &[(Year, 2030.0)]);
        assert_complete(
            src,
            "By 2030, computer literacy, critical thinking and creativity",
        );
        assert_complete(src, "By ’30, computer literacy");
        assert_lost(
            src,
            "In the coming years, computer literacy, critical thinking",
            &[2030.0],
        );
        assert_lost(src, "By 2013, computer literacy", &[2030.0]);
    }

    #[test]
    fn percent_next_to_chemical_formula() {
        let src = "기존 시멘트 배합 대비 CO2 배출량을 40% 감축";
        assert_ko(src, &[(Percent, 40.0)]);
        assert_complete(
            src,
            "cuts CO2 emissions by 40% compared with conventional cement",
        );
        assert_complete(src, "cuts CO2 emissions by 40 percent");
        assert_lost(src, "cuts CO2 emissions by 4%", &[40.0]);
        // A plain 40 is not the percentage.
        assert_lost(src, "cuts CO2 emissions by 40 tonnes", &[40.0]);
    }

    #[test]
    fn ev_fleet_in_man_units() {
        let src = "’30년 전 세계 전기차 운행대수가 4,400만 대에 달할 것으로 예상";
        assert_ko(src, &[(Year, 2030.0), (Plain, 44e6)]);
        assert_complete(
            src,
            "The global EV fleet is expected to reach 44 million vehicles in 2030",
        );
        assert_lost(
            src,
            "The global EV fleet is expected to reach 4,400 vehicles in 2030",
            &[44e6],
        );
        assert_lost(
            src,
            "The global EV fleet is expected to reach 440 million by 2030",
            &[44e6],
        );
    }

    #[test]
    fn ira_tax_credits_in_eok_dollars() {
        let src = "청정에너지 분야에 3,690억 달러 규모 세액 공제 제공";
        assert_ko(src, &[(Money, 369e9)]);
        assert_complete(src, "$369 billion in clean-energy tax credits");
        assert_complete(src, "US$369bn in clean-energy tax credits");
        assert_lost(src, "$3.69 billion in clean-energy tax credits", &[369e9]);
        assert_lost(src, "$3,690 billion in clean-energy tax credits", &[369e9]);
    }

    #[test]
    fn infrastructure_grants_in_eok_dollars() {
        let src = "인프라 투자 지원에 총액 5,500억 달러 규모 보조금 지급";
        assert_ko(src, &[(Money, 550e9)]);
        assert_complete(src, "a total of $550 billion in infrastructure grants");
        assert_lost(
            src,
            "a total of $55 billion in infrastructure grants",
            &[550e9],
        );
        assert_lost(
            src,
            "a total of $5,500 billion in infrastructure grants",
            &[550e9],
        );
    }

    #[test]
    fn short_year_range_with_bare_second_year() {
        let src =
            "▲’19~22년 온라인 채용 공고 분석 결과 AI 개발·배포 분야 전문가 수요가 약 33%로 급증";
        assert_ko(src, &[(Year, 2019.0), (Year, 2022.0), (Percent, 33.0)]);
        assert_complete(
            src,
            "2019–2022 job postings show demand for AI specialists surged to about 33%",
        );
        assert_complete(src, "2019-22 job postings: about 33 per cent");
        assert_complete(src, "postings from ’19 to ’22: about 33%");
        assert_lost(
            src,
            "job postings since 2019 show demand surged to about 33%",
            &[2022.0],
        );
    }

    #[test]
    fn quoted_year_range_and_cagr() {
        let src =
            "’12~’22년 글로벌 신에너지차 산업의 고속 성장에도 불구하고(연평균 55.4%) 액체 배터리";
        assert_ko(src, &[(Year, 2012.0), (Year, 2022.0), (Percent, 55.4)]);
        assert_complete(
            src,
            "Despite rapid growth of the NEV industry in 2012-2022 (CAGR 55.4%)",
        );
        assert_complete(src, "from 2012 to 2022 (55.4 per cent a year)");
        assert_lost(src, "from 2012 to 2022 (CAGR 55%)", &[55.4]);
        assert_lost(src, "from 2012 (CAGR 55.4%)", &[2022.0]);
    }

    #[test]
    fn patent_counts_by_year() {
        let src = "’13년 기준 10건 수준이었던 고체배터리 관련 특허 출원 건수가 ’21년 305건을 기록(연평균 53.3% 증가)";
        assert_ko(
            src,
            &[
                (Year, 2013.0),
                (Plain, 10.0),
                (Year, 2021.0),
                (Plain, 305.0),
                (Percent, 53.3),
            ],
        );
        assert_complete(
            src,
            "patent filings rose from about 10 in 2013 to 305 in 2021 (53.3% a year)",
        );
        assert_complete(src, "from ten in 2013 to 305 in 2021, up 53.3% annually");
        assert_lost(
            src,
            "from ten in 2013 to 305 in 2020, up 53.3% annually",
            &[2021.0],
        );
    }

    #[test]
    fn unit_glued_to_number_and_model_name() {
        let src =
            "(NIO) ’23년 상반기 WeLion신에너지의 150kMh 반고체 배터리를 탑재한 전기차 ET7 출시";
        assert_ko(src, &[(Year, 2023.0), (Plain, 150.0)]);
        assert_complete(
            src,
            "(NIO) launched the ET7 with WeLion's 150kWh semi-solid battery in H1 2023",
        );
        assert_lost(
            src,
            "(NIO) launched the ET7 with a 15 kWh battery in H1 2023",
            &[150.0],
        );
    }

    #[test]
    fn kilometres_with_separator() {
        let src = "QingTao Energy사와 협력 개발한 1,000km 이상의 장거리 고체배터리를 자체 브랜드 차량에 우선 적용(’23년 출시)";
        assert_ko(src, &[(Plain, 1000.0), (Year, 2023.0)]);
        assert_complete(
            src,
            "a long-range solid-state battery of over 1,000 km (launched in 2023)",
        );
        assert_complete(src, "a 1,000-km solid-state battery (2023 launch)");
        assert_lost(src, "a 100 km solid-state battery (2023 launch)", &[1000.0]);
    }

    #[test]
    fn square_feet_with_metric_in_parentheses() {
        let src = "최대 5,000 평방피트(464㎡)의 공간에서 범죄와 위험을 예방하는 경비 로봇";
        assert_ko(src, &[(Plain, 5000.0), (Plain, 464.0)]);
        assert_complete(
            src,
            "a security robot guarding up to 5,000 square feet (464 m²)",
        );
        assert_complete(src, "up to 5,000 sq ft (464㎡)");
        assert_lost(
            src,
            "a security robot guarding up to 5,000 square feet",
            &[464.0],
        );
    }

    #[test]
    fn degrees_celsius_decimal_and_thousands() {
        let src = "유리 하단에 있는 재료의 온도를 최대 3.5°C 낮출 수 있으며 최대 1,000°C에서도 안정성 유지";
        assert_ko(src, &[(Plain, 3.5), (Plain, 1000.0)]);
        assert_complete(
            src,
            "lowers the temperature by up to 3.5°C and stays stable at up to 1,000°C",
        );
        assert_complete(src, "by up to 3.5 °C ... up to 1000 degrees Celsius");
        assert_lost(src, "by up to 35°C ... up to 1,000°C", &[3.5]);
        assert_lost(src, "by up to 3.5°C ... up to 100°C", &[1000.0]);
    }

    #[test]
    fn title_metadata_date() {
        let src = "일본 제조업 연구개발 분야 DX 과제와 추진 방향 (日 MURC, 11.6)";
        assert_ko(src, &[(Date, 1106.0)]);
        assert_complete(
            src,
            "R&D DX challenges in Japanese manufacturing (MURC, Japan, November 6)",
        );
        assert_complete(src, "R&D DX challenges (MURC, Nov. 6)");
        assert_complete(src, "R&D DX challenges (MURC, 6 November)");
        assert_complete(src, "R&D DX challenges (MURC, 11.6)");
        assert_complete(src, "R&D DX challenges (MURC, 11/6)");
        assert_lost(
            src,
            "R&D DX challenges in Japanese manufacturing (MURC, Japan)",
            &[1106.0],
        );
        assert_lost(src, "R&D DX challenges (MURC, November 16)", &[1106.0]);
    }

    #[test]
    fn source_column_date_and_bare_month() {
        let src = "Techxplore\n\n(11.15)";
        assert_ko(src, &[(Date, 1115.0)]);
        assert_complete(src, "Techxplore (Nov 15)");
        assert_lost(src, "Techxplore (Nov 5)", &[1115.0]);
        let src = "중국 제조업 분야 안정성장계획의 대책과 전망 (日 미즈호은행, 11月)";
        assert_ko(src, &[(Date, 1100.0)]);
        assert_complete(
            src,
            "Stable-growth plans for China's manufacturing (Mizuho Bank, November)",
        );
        assert_lost(
            src,
            "Stable-growth plans for China's manufacturing (Mizuho Bank)",
            &[1100.0],
        );
    }

    #[test]
    fn loans_count_and_eok_dollars() {
        let src = "(Ultium Cells) LIB 셀 제조공장에 3건 25억 달러 융자 ▲(Ioneer) 리튬-붕소 프로젝트에 최대 7억 달러 조건부 융자";
        assert_ko(src, &[(Plain, 3.0), (Money, 2.5e9), (Money, 700e6)]);
        assert_complete(
            src,
            "(Ultium Cells) three loans totalling $2.5 billion for LIB cell plants; (Ioneer) a conditional loan of up to $700 million",
        );
        assert_lost(
            src,
            "three loans totalling $25 billion; up to $700 million",
            &[2.5e9],
        );
        assert_lost(
            src,
            "three loans totalling $2.5 billion; up to $7 million",
            &[700e6],
        );
    }

    #[test]
    fn decimal_eok_and_year_in_parentheses() {
        let src = "자석과 희토류 분리·제련 생산능력 증강(2.5억 달러, ’19년)";
        assert_ko(src, &[(Money, 250e6), (Year, 2019.0)]);
        assert_complete(
            src,
            "expanding magnet and rare-earth separation capacity ($250 million, 2019)",
        );
        assert_lost(src, "expanding capacity ($2.5 billion, 2019)", &[250e6]);
        assert_lost(src, "expanding capacity ($250 million)", &[2019.0]);
    }

    #[test]
    fn economic_effect_and_jobs() {
        let src = "10년간 135억 캐나다 달러 이상의 경제효과 및 13,500개 이상의 일자리를 창출할 것으로 예상";
        assert_ko(src, &[(Plain, 10.0), (Money, 13.5e9), (Plain, 13_500.0)]);
        assert_complete(
            src,
            "over 10 years, more than CAD 13.5 billion in economic benefits and over 13,500 jobs",
        );
        assert_complete(src, "over a decade, more than C$13.5bn and 13,500+ jobs");
        assert_lost(
            src,
            "over 10 years, more than CAD 135 billion and over 13,500 jobs",
            &[13.5e9],
        );
        assert_lost(
            src,
            "over 10 years, more than CAD 13.5 billion and over 1,350 jobs",
            &[13_500.0],
        );
    }

    #[test]
    fn battery_revenue_in_yuan() {
        let src = "’30년경 중국 전고체배터리 매출 규모 250GWh, 매출액 200억 위안 돌파 기대";
        assert_ko(src, &[(Year, 2030.0), (Plain, 250.0), (Money, 20e9)]);
        assert_complete(
            src,
            "By around 2030, China's all-solid-state battery sales are expected to exceed 250 GWh and 20 billion yuan",
        );
        assert_complete(src, "around 2030: 250GWh and RMB 20bn");
        assert_lost(src, "around 2030: 250GWh and RMB 200 billion", &[20e9]);
    }

    #[test]
    fn dollar_sign_amount_and_share() {
        let src = "▲(미국) 부품의 50% 이상이 북미에서 제조·조립되는 전기차를 대상으로 $3,750의 세액공제 적용";
        assert_ko(src, &[(Percent, 50.0), (Money, 3750.0)]);
        assert_complete(
            src,
            "(US) a $3,750 tax credit for EVs with at least 50% of components made in North America",
        );
        assert_lost(
            src,
            "(US) a $3,570 tax credit for EVs with at least 50% of components",
            &[3750.0],
        );
    }

    #[test]
    fn duration_range() {
        let src = "전고체 배터리 상용화까지는 5~10년이 소요될 전망";
        assert_ko(src, &[(Plain, 5.0), (Plain, 10.0)]);
        assert_complete(
            src,
            "commercialising all-solid-state batteries will take 5 to 10 years",
        );
        assert_complete(src, "will take five to ten years");
        assert_complete(src, "will take 5–10 years");
        assert_lost(src, "will take about 5 years", &[10.0]);
    }

    #[test]
    fn top_ten_industries_and_year_month_range() {
        let src = "10대 산업*별 안정성장계획을 각각 수립(’23.8~9)";
        assert_ko(src, &[(Plain, 10.0), (Year, 2023.0)]);
        assert_complete(
            src,
            "stable-growth plans for each of the 10 major industries (Aug–Sep 2023)",
        );
        assert_complete(
            src,
            "plans for the ten key industries (August-September 2023)",
        );
        assert_lost(
            src,
            "plans for the key industries (August-September 2023)",
            &[10.0],
        );
        assert_lost(
            src,
            "plans for the 10 key industries (August-September)",
            &[2023.0],
        );
    }

    #[test]
    fn doubling_between_years() {
        let src = "▲(배터리 수요) ’22~’25년간 2배, ’30년\n까지 다시 2배 증가 예상";
        assert_ko(
            src,
            &[
                (Year, 2022.0),
                (Year, 2025.0),
                (Plain, 2.0),
                (Year, 2030.0),
                (Plain, 2.0),
            ],
        );
        assert_complete(
            src,
            "(battery demand) to double between 2022 and 2025 and double again by 2030",
        );
        assert_complete(src, "demand to grow 2x in 2022–25 and another 2x by 2030");
        assert_lost(
            src,
            "to double between 2022 and 2025 and again by 2035",
            &[2030.0],
        );
    }

    #[test]
    fn trillion_dollar_club() {
        let src = "대규모 GPU 수요에 힘입어 NVIDIA가 미국 1조 달러 클럽에 진입";
        assert_ko(src, &[(Money, 1e12)]);
        assert_complete(
            src,
            "NVIDIA joined the US $1 trillion club on huge GPU demand",
        );
        assert_complete(src, "NVIDIA joined the trillion-dollar club");
        assert_lost(src, "NVIDIA joined the $1 billion club", &[1e12]);
    }

    #[test]
    fn investment_over_one_eok_dollars() {
        let src = "단일 대형 모델 훈련에 10억 달러 이상을 투자하는 등 GenAI 확장 열풍 지속";
        assert_ko(src, &[(Money, 1e9)]);
        assert_complete(
            src,
            "more than $1 billion invested in training a single large model",
        );
        assert_complete(src, "over a billion dollars for a single model");
        assert_lost(
            src,
            "more than $10 billion invested in training a single model",
            &[1e9],
        );
    }

    #[test]
    fn executive_orders_are_designations_not_numbers() {
        let src = "Crisis(EO 13990, ’21.1.) ▲Tackling the Climate Crisis at Home and Abroad(EO 14008, ’21.1)";
        assert_ko(src, &[(Year, 2021.0), (Year, 2021.0)]);
        assert_complete(
            src,
            "Crisis (EO 13990, January 2021); Tackling the Climate Crisis (EO 14008, Jan. 2021)",
        );
        assert_lost(
            src,
            "Crisis (EO 13990); Tackling the Climate Crisis (EO 14008)",
            &[2021.0, 2021.0],
        );
    }

    #[test]
    fn identifiers_are_not_numbers() {
        for text in [
            "GPT-4로 인해 독점 모델과 차선책인 오픈소스 간의 기능 차이가 드러나고",
            "대규모 언어모델 LlaMa-1/2를 통한 독점 모델의 성능 복제·초월 노력 증대",
            "K-12의 STEM 역량 구축을 위한 국가 기금을 조성하여",
            "재료 배합을 수정하여 내재 CO2 함량을 낮춘 저탄소 시멘트(LC3)",
            "∙ 3D CAD/CAE 활용은 원활한 편이지만",
            "RPA(로봇 프로세스 자동화), IoT 기기를 이용한 데이터 수집",
            "코로나19 팬데믹으로 중국 내 제조업 생산 중단",
            "America's Supply Chains(EO 14017",
        ] {
            assert_ko(text, &[]);
        }
        assert!(english_numbers("GPT-4, LlaMa-1/2, K-12, CO2, LC3, EO 14008, COVID-19").is_empty());
    }

    #[test]
    fn latin_title_year_and_reference_dates() {
        let src = "(참고 : OECD, OECD Skills Outlook 2023: Skills for a Resilient Green and Digital Transition, 2023.11.06.)";
        assert_ko(src, &[(Year, 2023.0), (Year, 2023.0), (Date, 1106.0)]);
        assert_complete(src, "(Source: OECD, OECD Skills Outlook 2023, 2023.11.06.)");
        assert_complete(
            src,
            "(Source: OECD, OECD Skills Outlook 2023, 6 November 2023)",
        );
        assert_lost(
            src,
            "(Source: OECD, OECD Skills Outlook 2023, November 2023)",
            &[1106.0],
        );
        let src = "(참고: ISED, Government of Canada highlights renewed funding, 2023.1027; Global Innovation Clusters, 2023.08.31. 업데이트.)";
        assert_ko(
            src,
            &[
                (Year, 2023.0),
                (Date, 1027.0),
                (Year, 2023.0),
                (Date, 831.0),
            ],
        );
        assert_complete(
            src,
            "(Source: ISED, 27 October 2023; Global Innovation Clusters, updated August 31, 2023)",
        );
    }

    #[test]
    fn counts_that_english_spells_out() {
        let src = "기술 역량 간화 및 사업화 촉진을 목표로 5개 ‘글로벌 혁신 클러스터’를 중점 지원";
        assert_ko(src, &[(Plain, 5.0)]);
        assert_complete(
            src,
            "focuses its support on five Global Innovation Clusters",
        );
        assert_lost(
            src,
            "focuses its support on Global Innovation Clusters",
            &[5.0],
        );
        let src = "전략 원자재의 65% 이상을 단일 제3국에서 조달할 수 없도록";
        assert_ko(src, &[(Percent, 65.0), (Plain, 3.0)]);
        assert_complete(
            src,
            "no more than 65% of strategic raw materials from a single third country",
        );
    }

    #[test]
    fn shares_and_glued_energy_units() {
        let src = "▲(배터리팩 크기) ’20년 평균 51kWh → ’30년 69kWh로 증가";
        assert_ko(
            src,
            &[(Year, 2020.0), (Plain, 51.0), (Year, 2030.0), (Plain, 69.0)],
        );
        assert_complete(
            src,
            "(pack size) from an average 51 kWh in 2020 to 69 kWh in 2030",
        );
        assert_lost(
            src,
            "(pack size) from an average 51 kWh in 2020 to 96 kWh in 2030",
            &[69.0],
        );
        let src = "OECD 국가 성인의 약 \n70%가 기후변화를 위협으로 인지하고 60%는 온라인상의 허위정보 문제를 우려";
        assert_ko(src, &[(Percent, 70.0), (Percent, 60.0)]);
        assert_complete(
            src,
            "about 70% see climate change as a threat and 60 per cent worry about disinformation",
        );
        assert_lost(
            src,
            "about 70% see climate change as a threat and many worry",
            &[60.0],
        );
    }

    #[test]
    fn ranges_share_a_unit_written_once() {
        assert_ko("투자 규모 3~5억 달러", &[(Money, 300e6), (Money, 500e6)]);
        assert_complete("투자 규모 3~5억 달러", "investments of $300–500 million");
        assert_ko("점유율 30~40%", &[(Percent, 30.0), (Percent, 40.0)]);
        assert_complete("점유율 30~40%", "a share of 30-40%");
        assert_lost("점유율 30~40%", "a share of 30 to 45%", &[40.0]);
        assert_ko(
            "1만 5천 명, 3천억 원, 5천 개",
            &[(Plain, 15_000.0), (Money, 300e9), (Plain, 5000.0)],
        );
    }

    #[test]
    fn page_furniture_and_footnotes_are_ignored() {
        assert_ko("산업·기술 동향\n\n3 ❚\n\n산업·기술 동향", &[]);
        assert_ko("❚ 4\n\n글로벌 AI 발전 현황과 전망", &[]);
        assert_ko("핵심광물[1] 정책", &[]);
        assert_ko("¹ 각주", &[]);
    }

    #[test]
    fn real_small_model_output_is_flagged() {
        // Verbatim source and local-model output from a cached run on the sample.
        let src = "※ 각 클러스터의 거점 지역과 투자액($ CA)은 (디지털 기술) 브리시티 컬럼비아 기반, 최대 2억 9,800만 달러 (단백질 산업) 프레리 기반, 최대 3억 2,300만 달러";
        let en = "※ Each cluster’s distance area and investment ($ CA) is (digital technology) based, the maximum 2 million 9,800 million dollars (quartz industry) based, the maximum 3 million 2,300 million dollars";
        assert_lost(src, en, &[298e6, 323e6]);
        let src = "- 10년간 135억 캐나다 달러 이상의 경제효과 및 13,500개 이상의 일자리를 창출할 것으로 예상";
        let en = "- The total amount of money invested in the advanced manufacturing cluster in 2023 is expected to be 135 million dollars and 13,500 days.";
        assert_lost(src, en, &[10.0, 13.5e9]);
        let src = "(참고: ISED, Government of Canada highlights renewed funding for the Advanced Manufacturing Cluster, 2023.1027; Global Innovation Clusters, 2023.08.31. 업데이트.)";
        let en = "(Reference: ISED, Government of Canada highlights renewed funding for the Advanced Manufacturing Cluster, 2023.1027; Global Innovation Clusters, 2023.08.31. Update.)";
        assert_complete(src, en);
        let src = "- 95%의 클링커와 5%의 석고로 구성된 기존 시멘트 배합 대비 CO2 배출량을 40% 감축할 수 있고";
        let en = "- 95% of the clinking cluster is combined with carbon dioxide and carbon monoxide, and the CO2 content is reduced by 40%";
        assert_lost(src, en, &[5.0]);
    }

    #[test]
    fn figures_the_translation_made_up_are_caught() {
        let src = "- 10년간 135억 캐나다 달러 이상의 경제효과 및 13,500개 이상의 일자리를 창출할 것으로 예상";
        let faithful = "- Expected to create over CAD 13.5 billion in economic effects and over 13,500 jobs over 10 years";
        assert!(added(src, faithful).is_empty());
        let padded = "- Expected to create over CAD 13.5 billion in economic effects and over 13,500 jobs by 2035, up 25%";
        let extra: Vec<(Kind, f64)> = added(src, padded)
            .iter()
            .map(|m| (m.kind, m.value))
            .collect();
        assert_eq!(extra, [(Year, 2035.0), (Percent, 25.0)]);
        // A shifted figure is both lost and added.
        let shifted = "- Expected to create over CAD 13.5 billion in economic effects and over 13,800 jobs over 10 years";
        assert_eq!(added(src, shifted).len(), 1);
        // Dates, short years and small counts the Korean spells in words are accounted for.
        let src = "OECD 스킬 전망 : 녹색·디지털 전환 스킬 (OECD, 11.6) 두 기업이 ’30년까지";
        let en = "OECD Skills Outlook: green and digital transition skills (OECD, Nov. 6) 2 companies by '30";
        assert!(added(src, en).is_empty(), "{:?}", added(src, en));
    }

    #[test]
    fn english_reader_covers_the_usual_renderings() {
        let en = |text: &str| -> Vec<(Kind, f64)> {
            english_numbers(text)
                .iter()
                .map(|m| (m.kind, m.value))
                .collect()
        };
        assert_eq!(en("CAD 427 million"), [(Money, 427e6)]);
        assert_eq!(en("$1.2bn"), [(Money, 1.2e9)]);
        assert_eq!(en("$5m"), [(Money, 5e6)]);
        assert_eq!(en("5m tall"), [(Plain, 5.0)]);
        assert_eq!(en("1.5 thousand"), [(Plain, 1500.0)]);
        assert_eq!(en("1 trillion"), [(Plain, 1e12)]);
        assert_eq!(en("40 percent"), [(Percent, 40.0)]);
        assert_eq!(en("55.4 per cent"), [(Percent, 55.4)]);
        assert_eq!(en("the '30s"), [(Year, 2030.0), (Plain, 30.0)]);
        assert_eq!(en("2019-22"), [(Year, 2019.0), (Year, 2022.0)]);
        assert_eq!(en("2019–2022"), [(Year, 2019.0), (Year, 2022.0)]);
        assert_eq!(en("mid-2024"), [(Year, 2024.0)]);
        assert_eq!(en("twenty-five"), [(Plain, 25.0)]);
        assert_eq!(en("two million"), [(Plain, 2e6)]);
        assert!(en("Nov. 6").contains(&(Date, 1106.0)));
        assert!(en("11/6").contains(&(Date, 1106.0)));
        assert!(en("(11.6)").contains(&(Date, 1106.0)));
        assert!(en("(11.6)").contains(&(Plain, 11.6)));
        assert_eq!(en("4.27 billion"), [(Plain, 4.27e9)]);
    }

    #[test]
    fn whole_sample_reads_sensibly() {
        let mentions = korean_numbers(SAMPLE);
        let has = |kind: Kind, value: f64| {
            mentions
                .iter()
                .any(|m| m.kind == kind && close(m.value, value, 1e-12))
        };
        for value in [427e6, 950e6, 369e9, 550e9, 13.5e9, 20e9, 1e12, 18e9] {
            assert!(has(Money, value), "{value} not read as money");
        }
        assert!(has(Plain, 44e6) && has(Plain, 13_500.0) && has(Percent, 55.4));
        assert!(has(Year, 2030.0) && has(Year, 2012.0) && has(Date, 1106.0) && has(Date, 1027.0));
        for designation in [13990.0, 14008.0, 14017.0, 14030.0, 14037.0, 14057.0] {
            assert!(
                !mentions.iter().any(|m| m.value == designation),
                "{designation} read as a number"
            );
        }
        // Whatever the Korean reader finds, the English reader finds in the same text:
        // a translation that keeps a notation verbatim is never flagged.
        let gaps = missing(SAMPLE, SAMPLE);
        assert!(gaps.is_empty(), "{gaps:?}");
    }

    fn grouped(n: u32) -> String {
        let digits = n.to_string();
        let mut out = String::new();
        for (i, d) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(d);
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn eok_man_amounts_survive_only_exact_renderings(eok in 1u32..10_000, man in 1u32..10_000) {
            let source = format!("지원금 총 {eok}억 {}만 캐나다 달러", grouped(man));
            let value = f64::from(eok) * 1e8 + f64::from(man) * 1e4;
            proptest::prop_assert_eq!(korean_numbers(&source)[0].value, value);
            let right = format!("CAD {} million", value / 1e6);
            proptest::prop_assert!(missing(&source, &right).is_empty());
            // The small model's mistake: both groups' digits glued before "million".
            let wrong = format!("{} million dollars", grouped(eok * 10_000 + man));
            proptest::prop_assert_eq!(missing(&source, &wrong).len(), 1);
        }
    }
}
