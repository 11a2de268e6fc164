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
//!
//! The reading is split by job: `scanner` walks a text, `term` reads a
//! number with its units, `lexicon` knows the unit, scale and currency
//! words, `words` reads English number words, `patterns` holds the
//! regular expressions, and `compare` matches the two sides.

mod compare;
mod lexicon;
mod patterns;
mod scanner;
mod term;
mod words;

pub use compare::{Miscount, added, miscounted, missing};

use serde::Serialize;

use scanner::{Lang, Scanner};

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
    words::english_words(text, &mut found);
    finish(found)
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

#[cfg(test)]
mod tests;
