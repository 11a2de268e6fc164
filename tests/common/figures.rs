//! The tests' own reader of the figures in a Korean text, written apart
//! from gloss's (`src/qa/numbers.rs`, `src/qa/figures.rs`) so that neither
//! the mock's "good" translations nor the tests' expected translations come
//! from the code under test. Where the two readers disagree on a text, the
//! tests fail (tests/mock_selftest.rs runs both over the whole sample).
//!
//! It reads what the sample and the test texts hold: digit runs (`2,700`,
//! `55.4`), Korean units after them (`만` 10⁴, `억` 10⁸, `조` 10¹², `천`
//! 10³, several in a row: `4억 2,700만`), a currency word after the amount,
//! `%`, years (`2023년`, `’30년`, ranges `’19~22년`) and month-day dates
//! (`11월 6일`), and the English scale words of the prompt's form of a text
//! (`427 million`). Digits glued after Latin letters (`LC3`, `GPT-4`) are
//! names, not figures.

/// The units after a number and their factors: the myriad units the
/// translation prompt writes in English words (Korean, Japanese and
/// Chinese), then `천` and those words
/// (the prompt's form of a text is read too: `427 million`).
const UNITS: [(&str, f64); 14] = [
    // Chinese 万亿 (a trillion) before 万.
    ("万亿", 1e12),
    ("萬億", 1e12),
    ("조", 1e12),
    ("兆", 1e12),
    ("억", 1e8),
    ("億", 1e8),
    ("亿", 1e8),
    ("만", 1e4),
    ("万", 1e4),
    ("萬", 1e4),
    ("천", 1e3),
    ("trillion", 1e12),
    ("billion", 1e9),
    ("million", 1e6),
];
const MYRIAD: &[(&str, f64)] = UNITS.split_at(10).0;

/// Currency words after an amount, as an English text names them.
const CURRENCIES: [(&str, &str); 7] = [
    ("달러", "dollars"),
    ("위안", "yuan"),
    ("유로", "euros"),
    ("파운드", "pounds"),
    ("루피", "rupees"),
    ("엔", "yen"),
    ("원", "won"),
];

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Signs between the two ends of a range (`3~4만`, `’19~22년`).
const RANGE: [&str; 4] = ["~", "∼", "-", "–"];

/// One digit run of a text: where it is and what it is worth.
#[derive(Debug, Clone, PartialEq)]
struct Run {
    start: usize,
    end: usize,
    value: f64,
}

/// The digit runs of `text` (`2,700`, `55.4`; a comma or point only
/// between digits), leaving out those glued after a Latin letter or a
/// `letter-` (names such as `LC3`, `GPT-4`).
fn digit_runs(text: &str) -> Vec<Run> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len()
            && (bytes[i].is_ascii_digit()
                || (matches!(bytes[i], b',' | b'.')
                    && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)))
        {
            i += 1;
        }
        let mut before = text[..start].chars().rev();
        let (b1, b2) = (before.next(), before.next());
        let name = b1.is_some_and(|c| c.is_ascii_alphabetic())
            || (b1 == Some('-') && b2.is_some_and(|c| c.is_ascii_alphabetic()));
        if let (false, Ok(value)) = (name, text[start..i].replace(',', "").parse::<f64>()) {
            out.push(Run {
                start,
                end: i,
                value,
            });
        }
    }
    out
}

/// The unit of `units` right after byte `at` of `text` (one space allowed
/// before it): its factor and the byte after it.
fn unit_at(text: &str, at: usize, units: &[(&str, f64)]) -> Option<(f64, usize)> {
    let rest = &text[at..];
    let trimmed = rest.strip_prefix(' ').unwrap_or(rest);
    let (unit, factor) = units.iter().find(|(u, _)| {
        // A word unit is a whole word (`million`, not `millions` or `millionaire`).
        trimmed.strip_prefix(u).is_some_and(|after| {
            !u.is_ascii() || !after.starts_with(|c: char| c.is_ascii_alphabetic())
        })
    })?;
    Some((*factor, text.len() - trimmed.len() + unit.len()))
}

/// An amount with units (`4억 2,700만`, `1만 3,500`, `3,690억`) starting
/// at digit run `i`: its value, its end and the index of the first run
/// after it. A run without a unit starts no amount.
fn amount_from(
    text: &str,
    runs: &[Run],
    i: usize,
    units: &[(&str, f64)],
) -> Option<(f64, usize, usize)> {
    let (factor, mut end) = unit_at(text, runs[i].end, units)?;
    let mut value = runs[i].value * factor;
    let mut next = i + 1;
    // Each next group follows after at most one space.
    while let Some(run) = runs
        .get(next)
        .filter(|r| matches!(&text[end..r.start], "" | " "))
    {
        next += 1;
        match unit_at(text, run.end, units) {
            Some((factor, after)) => {
                value += run.value * factor;
                end = after;
            }
            None => {
                // A plain remainder ends the amount: `1만 3,500`.
                value += run.value;
                end = run.end;
                break;
            }
        }
    }
    Some((value, end, next))
}

/// `1234567` as `1,234,567`; a fraction as Rust writes it.
fn grouped(value: f64) -> String {
    if value.fract() != 0.0 {
        return value.to_string();
    }
    let digits = format!("{}", value as u64);
    let mut out = String::new();
    for (n, c) in digits.chars().rev().enumerate() {
        if n > 0 && n % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out.chars().rev().collect()
}

/// `427000000` as `427 million`, `13500000000` as `13.5 billion`, below a
/// million as [`grouped`]: how the translation prompt shows an amount.
fn in_words(value: f64) -> String {
    let scales = [(1e12, "trillion"), (1e9, "billion"), (1e6, "million")];
    let Some((scale, word)) = scales.into_iter().find(|(s, _)| value >= *s) else {
        return grouped(value);
    };
    // Thousandths of the scale, written without trailing zeros.
    let thousandths = (value / scale * 1000.0).round() as u64;
    let part = format!("{:03}", thousandths % 1000);
    match part.trim_end_matches('0') {
        "" => format!("{} {word}", thousandths / 1000),
        part => format!("{}.{part} {word}", thousandths / 1000),
    }
}

/// The currency word after byte `at`: directly (`200억 위안`) or after one
/// word naming the country (`4억 2,700만 캐나다 달러`).
fn currency_after(text: &str, at: usize) -> Option<&'static str> {
    let mut words = text[at..].trim_start_matches(' ').split(' ');
    let (first, second) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    // `원` and `엔` start other words too (`원료`, `엔진`): alone or before a particle only.
    let names = |word: &str| {
        CURRENCIES
            .iter()
            .find(|(ko, _)| word.starts_with(ko))
            .filter(|(ko, _)| ko.chars().count() > 1 || word.chars().count() <= 2)
            .map(|(_, en)| *en)
    };
    names(first).or_else(|| {
        (first.chars().all(|c| ('가'..='힣').contains(&c)) && second.starts_with("달러"))
            .then_some("dollars")
    })
}

/// Whether runs `a` and `b` are the two ends of a range (`19~22`).
fn joined(text: &str, a: &Run, b: &Run) -> bool {
    let between = &text[a.end..b.start];
    RANGE.contains(&between.trim_start_matches(['’', '‘', '\'']))
}

/// A year as written: `’30` (two digits after an apostrophe) or four digits
/// without a comma (`2023`).
fn year_like(text: &str, run: &Run) -> bool {
    let digits = run.end - run.start;
    (digits == 2 && text[..run.start].ends_with(['’', '‘', '\'']))
        || (digits == 4 && run.value >= 1000.0)
}

/// Every figure of `text` as an English text writes it, in order: amounts
/// with units in digits and with their currency (`427,000,000 dollars`),
/// `40%`, years in full (`2030`), dates with the month's name (`November
/// 6`), other numbers as written. The mock appends them to its translations.
pub fn english_figures_of(text: &str) -> Vec<String> {
    let runs = digit_runs(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < runs.len() {
        let run = &runs[i];
        if let Some((value, end, next)) = amount_from(text, &runs, i, &UNITS) {
            out.push(match currency_after(text, end) {
                Some(currency) => format!("{} {currency}", grouped(value)),
                None => grouped(value),
            });
            i = next;
            continue;
        }
        let next = runs.get(i + 1).filter(|n| joined(text, run, n));
        let previous = i
            .checked_sub(1)
            .map(|p| &runs[p])
            .filter(|p| joined(text, p, run));
        // The run a range's unit or percent sign follows.
        let last = next.unwrap_or(run);
        let after = &text[last.end..];
        if after.starts_with('%') {
            out.push(format!("{}%", &text[run.start..run.end]));
        } else if let Some((factor, _)) = next.and_then(|n| unit_at(text, n.end, &UNITS)) {
            // `3~4만`: the first end takes the unit of the second.
            out.push(grouped(run.value * factor));
        } else if year_like(text, run) {
            // `2023년`, `’30년`, the first end of `’19~22년` and `2019~22년`.
            let century = if run.value < 100.0 { 2000 } else { 0 };
            out.push(format!("{}", run.value as u64 + century));
        } else if previous.is_some_and(|p| year_like(text, p)) && run.end - run.start == 2 {
            // The second end of `’19~22년`; `5~10년` (years long) is no year.
            out.push(format!("{}", 2000 + run.value as u64));
        } else if let Some(month) = text[run.end..]
            .starts_with('월')
            .then(|| MONTHS.get((run.value as usize).wrapping_sub(1)))
            .flatten()
        {
            let day = runs.get(i + 1).filter(|d| {
                text[run.end..d.start]
                    .trim_start_matches('월')
                    .trim()
                    .is_empty()
                    && text[d.end..].starts_with('일')
            });
            match day {
                Some(day) => {
                    out.push(format!("{month} {}", day.value));
                    i += 1;
                }
                None => out.push(month.to_string()),
            }
        } else {
            out.push(text[run.start..run.end].to_string());
        }
        i += 1;
    }
    out
}

/// The one-hanja abbreviations the translation prompt writes in Hangul
/// when they stand alone in Korean text (prompts/README.md).
const ABBREVIATIONS: [(char, &str); 6] = [
    ('日', "일본"),
    ('中', "중국"),
    ('美', "미국"),
    ('加', "캐나다"),
    ('濠', "호주"),
    ('英', "영국"),
];

/// `text` as the translation prompt shows it: a country's one-hanja
/// abbreviation standing alone in Korean text in Hangul (`(日 MURC, 11.6)` →
/// `(일본 MURC, 11.6)`; `36氪研究院` stays), amounts with myriad units in
/// English words (`4억 2,700만` → `427 million`, `1만 3,500` → `13,500`) and
/// two-digit years in full (`’33년` → `2033년`, `’12~’22년` →
/// `2012~2022년`); everything else as written.
pub fn prompt_form(text: &str) -> String {
    let korean = text.chars().any(|c| ('가'..='힣').contains(&c));
    let han = |c: Option<char>| c.is_some_and(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c));
    let chars: Vec<char> = text.chars().collect();
    let spelled: String = chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let word = ABBREVIATIONS.iter().find(|(h, _)| *h == c).map(|(_, w)| *w);
            let before = i.checked_sub(1).map(|b| chars[b]);
            let after = chars.get(i + 1).copied();
            // Not a day (`8日`), an ending (`검토中`) or a weekday (`(日)`).
            let starts_word =
                !before.is_some_and(|b| b.is_ascii_digit() || ('가'..='힣').contains(&b));
            let weekday = before == Some('(') && after == Some(')');
            let alone = !han(before) && !han(after) && starts_word && !weekday;
            match word {
                Some(word) if korean && alone => word.to_string(),
                _ => c.to_string(),
            }
        })
        .collect();
    figures_in_prompt_form(&spelled)
}

fn figures_in_prompt_form(text: &str) -> String {
    // Years first: `’33` before `년` or a range sign becomes `2033`.
    let mut years = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let after = &rest[c.len_utf8()..];
        let digits = after
            .get(..2)
            .filter(|d| d.bytes().all(|b| b.is_ascii_digit()));
        let sign = after.get(2..).and_then(|s| s.chars().next());
        match (digits, sign) {
            (Some(d), Some(s))
                if matches!(c, '’' | '‘')
                    && (s == '년' || RANGE.contains(&s.to_string().as_str())) =>
            {
                years.push_str("20");
                years.push_str(d);
                rest = &after[2..];
            }
            _ => {
                years.push(c);
                rest = after;
            }
        }
    }
    let runs = digit_runs(&years);
    let mut out = String::with_capacity(years.len());
    let mut copied = 0;
    let mut i = 0;
    while i < runs.len() {
        match amount_from(&years, &runs, i, MYRIAD) {
            Some((value, end, next)) => {
                out.push_str(&years[copied..runs[i].start]);
                let words = in_words(value);
                out.push_str(&words);
                // A scale word before a Chinese or Japanese counter gets a
                // space (`1.5 million 台`).
                let counter = years[end..]
                    .chars()
                    .next()
                    .is_some_and(|c| ('\u{3000}'..='\u{9FFF}').contains(&c));
                if counter && words.ends_with(|c: char| c.is_ascii_alphabetic()) {
                    out.push(' ');
                }
                copied = end;
                i = next;
            }
            None => i += 1,
        }
    }
    out.push_str(&years[copied..]);
    out
}
