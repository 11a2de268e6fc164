//! The English-only passes over words.

use super::lexicon::{month_number, scale_word, word_value};
use super::patterns::{BARE_SCALE, DAY_MONTH, MONTH_DAY, MULTIPLE_WORDS, NUMBER_WORDS};
use super::scanner::capture_u32;
use super::{Found, Kind, Mention};

/// The English-only passes over words: numbers spelled out, multiples and
/// ordinals, bare scale words, and month names.
pub(super) fn english_words(text: &str, found: &mut Vec<Found>) {
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
