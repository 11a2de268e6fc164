//! Matching the numbers of a source and its translation.

use super::scanner::{Lang, Scanner};
use super::{Found, Kind, Mention, english_numbers, korean_numbers};
use serde::Serialize;

/// Source mentions with no matching mention in the translation.
///
/// A mention is matched by any translation mention of a compatible kind and
/// equal value: counts and amounts within 0.5% of each other (translations
/// round "4억 2,700만" to "427 million", but never shift it tenfold), years
/// to years or to the same plain number, percentages and dates exactly.
/// One translation mention may satisfy any number of source mentions, since
/// a repeated figure is often written once in English; [`miscounted`] finds
/// the repeats that were written as another figure.
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

pub(super) fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance * a.abs().max(b.abs())
}

pub(super) fn is_year(value: f64) -> bool {
    value.fract() == 0.0 && (1900.0..=2099.0).contains(&value)
}

/// A source figure that the translation renders fewer times than the source
/// writes it, while carrying a figure the source does not have.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Miscount {
    /// The source mention (its first occurrence).
    pub mention: Mention,
    /// Places in the source that write this figure.
    pub in_source: usize,
    /// Places in the translation that render it.
    pub in_translation: usize,
}

/// The figures of `source` and `translation` compared as multisets: a
/// figure the source writes `n` times and the translation renders fewer
/// times (but at least once: none at all is [`missing`]'s), while the
/// translation carries a figure in digits that equals no source figure.
/// That is one copy of a repeated figure corrupted — `’23년` twice coming
/// back as "2023" and "2026", where [`missing`] finds a 2023 and [`added`]
/// takes 2026 for 2023 rounded. A repeat merely written once ("in the
/// same year") brings no stray figure and is not counted against.
///
/// Counting is by place: the readings found at one place of a text (a
/// date's year and day, an ambiguous notation read two ways) are one
/// occurrence of each value they hold.
pub fn miscounted(source: &str, translation: &str) -> Vec<Miscount> {
    let source_places = places(Scanner::new(source, Lang::Korean).run());
    let digit_places = places(Scanner::new(translation, Lang::English).run());
    let stray = digit_places.iter().any(|readings| {
        let small = readings
            .iter()
            .all(|m| m.kind == Kind::Plain && m.value.fract() == 0.0 && m.value <= 12.0);
        !small
            && !readings
                .iter()
                .any(|got| source_places.iter().flatten().any(|s| same_figure(s, got)))
    });
    if !stray {
        return Vec::new();
    }
    let mut all = Scanner::new(translation, Lang::English).run();
    super::words::english_words(translation, &mut all);
    let translation_places = places(all);
    let mut out: Vec<Miscount> = Vec::new();
    for wanted in source_places.iter().flatten() {
        if out
            .iter()
            .any(|m| m.mention.kind == wanted.kind && m.mention.value == wanted.value)
        {
            continue;
        }
        let count_source = source_places
            .iter()
            .filter(|p| {
                p.iter()
                    .any(|m| m.kind == wanted.kind && m.value == wanted.value)
            })
            .count();
        let count_translation = translation_places
            .iter()
            .filter(|p| p.iter().any(|got| satisfies(wanted, got)))
            .count();
        if count_translation >= 1 && count_translation < count_source {
            out.push(Miscount {
                mention: wanted.clone(),
                in_source: count_source,
                in_translation: count_translation,
            });
        }
    }
    out
}

/// The readings of `found` grouped by the place they start, in text order.
fn places(mut found: Vec<Found>) -> Vec<Vec<Mention>> {
    found.sort_by_key(|f| f.at);
    let mut out: Vec<(usize, Vec<Mention>)> = Vec::new();
    for f in found {
        match out.last_mut() {
            Some((at, readings)) if *at == f.at => readings.push(f.mention),
            _ => out.push((f.at, vec![f.mention])),
        }
    }
    out.into_iter().map(|(_, readings)| readings).collect()
}

/// `got` renders `wanted` exactly: [`satisfies`] without the rounding
/// allowance for amounts, so 2026 is not taken for 2023.
fn same_figure(wanted: &Mention, got: &Mention) -> bool {
    satisfies(wanted, got) && close(wanted.value, got.value, EXACT)
}
