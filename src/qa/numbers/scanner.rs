//! The left-to-right pass that finds numbers in either language.

use regex::Captures;

use super::compare::is_year;
use super::lexicon::{
    currency_before, glued_unit, identifier_suffix, is_currency_code, is_unit_symbol,
};
use super::patterns::{
    APOSTROPHE_YEAR, DATE_COMPACT, DATE_DOTTED, DATE_ISO, FISCAL_YEAR, KOREAN_MONTH, RANGE, SCALE,
    SHORT_YEAR, SLASH_DATE,
};
use super::term::{Term, tidy};
use super::{Found, Kind, Mention};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lang {
    Korean,
    English,
}

/// One left-to-right pass over a text. Both languages share it, because
/// translations keep many source notations verbatim (`2023.11.06.`, `3.5°C`,
/// even stray `억`), and a notation read one way in the source and another in
/// the translation would be a false alarm.
pub(super) struct Scanner<'a> {
    text: &'a str,
    lang: Lang,
    found: Vec<Found>,
}

impl<'a> Scanner<'a> {
    pub(super) fn new(text: &'a str, lang: Lang) -> Self {
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

    pub(super) fn run(mut self) -> Vec<Found> {
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

pub(super) fn capture_u32(c: &Captures, name: &str) -> Option<u32> {
    c.name(name)?.as_str().parse().ok()
}

fn starts_with_digit(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_digit())
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '’' | '\'' | '‘' | '＇' | '′')
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
