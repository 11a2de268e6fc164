//! A number as written, with the units, scale words, percent sign and
//! currency that follow it.

use super::lexicon::{currency_suffix, english_scale, korean_unit};
use super::patterns::{NUM, PERCENT};

/// A number with whatever follows it and changes its value or meaning.
pub(super) struct Term<'t> {
    /// The first number exactly as written (`4`, `2,700`, `55.4`).
    pub(super) raw: &'t str,
    /// Where `raw` ends.
    pub(super) num_end: usize,
    /// Where the units, scale words, percent sign and currency end.
    pub(super) end: usize,
    pub(super) value: f64,
    /// The multiplier of the first unit (`억` in `4억 2,700만`); 1 when none.
    pub(super) scale: f64,
    pub(super) percent: bool,
    /// A currency word follows (`달러`, "dollars").
    pub(super) money: bool,
}

impl<'t> Term<'t> {
    pub(super) fn parse(text: &'t str, pos: usize, currency: bool, ordinal: bool) -> Self {
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
    pub(super) fn is_bare(&self) -> bool {
        self.scale == 1.0 && !self.percent
    }

    /// `11.6` read as month 11, day 6.
    pub(super) fn month_day(&self) -> Option<(u32, u32)> {
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
pub(super) fn tidy(value: f64) -> f64 {
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
