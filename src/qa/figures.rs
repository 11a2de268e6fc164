//! Korean figures written the way an English reader reads them, for the
//! translation prompt (the template filter `english_figures`).
//!
//! Small models mis-scale Korean myriad amounts (`4억 2,700만` came back
//! as "4.27 billion") and read `’33년` as "33 years" even when the prompt
//! explains the units. Handing them `427 million` and `2033년` instead
//! leaves nothing to convert. Only the figure is rewritten; the words
//! around it (`캐나다 달러`, `대`) stay for the model to translate, and the
//! source shown to the reader and checked by [`crate::qa`] stays as written.

use std::sync::LazyLock;

use regex::{Captures, Regex};

/// One or more `number unit` groups with myriad units (`4억 2,700만`,
/// `3,690억`, `1조 2,000억`), optionally followed by a plain remainder
/// (`1만 3,500`).
/// The same units in Chinese and Japanese (`1兆4000億円`, `150万台`,
/// `2.5亿元`, `1.2万亿元` = 1.2 trillion) are read alike.
static MYRIAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:\d[\d,]*(?:\.\d+)?\s?(?:万亿|萬億|[조억만兆億亿万萬])\s?)+(?:\d[\d,]*(?:\.\d+)?)?",
    )
    .expect("static regex")
});
static GROUP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\d[\d,]*(?:\.\d+)?)\s?(万亿|萬億|[조억만兆億亿万萬])?").expect("static regex")
});
/// A two-digit year with its apostrophe, before `년` or a range sign.
static SHORT_YEAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[’‘](\d{2})(년|~|∼|-|–)").expect("static regex"));

/// A figure with the Korean word for percent or a sign for percentage
/// points (`0.33 퍼센트`, `2.1%p`, `0.5퍼센트포인트`): the 1.5B model wrote
/// `%p` as a plain percentage.
static PERCENT_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\d[\d,]*(?:\.\d+)?)\s?(?:(퍼센트\s?포인트|[%％]\s?포인트|[%％][pP])|퍼센트)")
        .expect("static regex")
});

/// `text` with Korean myriad amounts as English figures (`4억 2,700만` →
/// `427 million`), two-digit years in full (`’33년` → `2033년`) and
/// percentages in words as English words (`0.33 퍼센트` → `0.33 percent`,
/// `2.1%p` → `2.1 percentage points`).
pub fn english_figures(text: &str) -> String {
    let years = SHORT_YEAR.replace_all(text, "20${1}${2}");
    let percents = PERCENT_WORD.replace_all(&years, |caps: &Captures<'_>| {
        let unit = if caps.get(2).is_some() {
            "percentage points"
        } else {
            "percent"
        };
        format!("{} {unit}", &caps[1])
    });
    MYRIAD
        .replace_all(&percents, |caps: &Captures<'_>| {
            let whole = &caps[0];
            let trailing = &whole[whole.trim_end().len()..];
            // `1.5 million 台`, not `1.5 million台`: a scale word is set
            // apart from a Chinese or Japanese counter that follows it.
            let next = caps.get(0).and_then(|m| percents[m.end()..].chars().next());
            let apart = if trailing.is_empty() && next.is_some_and(crate::script::is_unspaced) {
                " "
            } else {
                trailing
            };
            match myriad_value(whole.trim_end()) {
                Some(value) => {
                    let english = spoken(value);
                    let word = english.ends_with(|c: char| c.is_ascii_alphabetic());
                    format!("{english}{}", if word { apart } else { trailing })
                }
                None => whole.to_string(),
            }
        })
        .into_owned()
}

/// The figures of `text` that [`english_figures`] rewrites, each as
/// `source form = English form` (`4억 2,700만 = 427 million`, `’30년 =
/// 2030년`), in order, each once: a prompt that shows the source as written
/// lists them so the model has the text's own figures, not an example's.
pub fn figure_forms(text: &str) -> Vec<String> {
    let mut found: Vec<(usize, String)> = Vec::new();
    for m in SHORT_YEAR.find_iter(text) {
        found.push((m.start(), m.as_str().to_string()));
    }
    for m in MYRIAD.find_iter(text) {
        found.push((m.start(), m.as_str().trim_end().to_string()));
    }
    for m in PERCENT_WORD.find_iter(text) {
        found.push((m.start(), m.as_str().to_string()));
    }
    found.sort();
    let mut out: Vec<String> = Vec::new();
    for (_, figure) in found {
        let english = english_figures(&figure);
        let line = format!("{figure} = {english}");
        if english != figure && !out.contains(&line) {
            out.push(line);
        }
    }
    out
}

/// A figure of the answer with its scale word, if any (`130 million`, `5`).
static ENGLISH_FIGURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\d[\d,]*(?:\.\d+)?(?:\s*(?:thousand|million|billion|trillion)\b)?")
        .expect("static regex")
});

/// `translation` with a figure the checks prove mis-scaled written right,
/// and a note saying what was changed; `None` when there is no such figure.
///
/// Proof, all of it required: the number checks find exactly one source
/// figure missing and exactly one answer figure the source does not account
/// for; they are of the same kind (an amount, or a percentage); the answer's
/// is the source's times a power of ten (`1,300만` = 13 million answered
/// as "130 million", `0.5 퍼센트` as "5%"); the answer writes it once; and
/// after the rewrite both checks pass. A wrong figure of any other shape is
/// only flagged: which source figure it stands for is a guess.
pub fn fix_rescaled(source: &str, translation: &str) -> Option<(String, String)> {
    use crate::qa::numbers::{Kind, added, missing};
    if !source.chars().any(crate::script::is_hangul) {
        return None;
    }
    // Most answers miss nothing: then the reverse reading is not needed.
    let wanted = missing(source, translation);
    let [want] = wanted.as_slice() else {
        return None;
    };
    let got = added(source, translation);
    let [got] = got.as_slice() else {
        return None;
    };
    let same_kind = matches!(
        (want.kind, got.kind),
        (Kind::Plain | Kind::Money, Kind::Plain | Kind::Money) | (Kind::Percent, Kind::Percent)
    );
    if !same_kind || want.value <= 0.0 || got.value <= 0.0 {
        return None;
    }
    let shift = (got.value / want.value).log10();
    let tenfold =
        (shift - shift.round()).abs() < 1e-6 && (1.0..=6.0).contains(&shift.round().abs());
    if !tenfold || translation.matches(got.text.as_str()).count() != 1 {
        return None;
    }
    let figure = ENGLISH_FIGURE.find(&got.text)?;
    let right = match want.kind {
        Kind::Percent => super::english_amount(want.value),
        _ => spoken(want.value),
    };
    let written = format!(
        "{}{right}{}",
        &got.text[..figure.start()],
        &got.text[figure.end()..]
    );
    let fixed = translation.replacen(got.text.as_str(), &written, 1);
    let consistent = missing(source, &fixed).is_empty() && added(source, &fixed).is_empty();
    consistent.then(|| {
        let note = format!(
            "\"{}\" written as \"{written}\": the source's \"{}\" at its own scale",
            got.text, want.text
        );
        (fixed, note)
    })
}

/// The value of `4억 2,700만`, `1만 3,500`; `None` when a part does not read.
fn myriad_value(text: &str) -> Option<f64> {
    let mut total = 0.0;
    for caps in GROUP.captures_iter(text) {
        let n: f64 = caps[1].replace(',', "").parse().ok()?;
        let unit = match caps.get(2).map(|m| m.as_str()) {
            Some("조" | "兆" | "万亿" | "萬億") => 1e12,
            Some("억" | "億" | "亿") => 1e8,
            Some("만" | "万" | "萬") => 1e4,
            _ => 1.0,
        };
        total += n * unit;
    }
    (total > 0.0).then_some(total)
}

/// `427000000` as `427 million`, `13500` as `13,500`, `1.35e10` as
/// `13.5 billion`.
fn spoken(value: f64) -> String {
    for (scale, word) in [(1e12, "trillion"), (1e9, "billion"), (1e6, "million")] {
        if value >= scale {
            let n = value / scale;
            // Three decimals at most, trailing zeros dropped.
            let n = format!("{n:.3}");
            let n = n.trim_end_matches('0').trim_end_matches('.');
            return format!("{n} {word}");
        }
    }
    super::english_amount(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qa::numbers::{english_numbers, korean_numbers};

    #[test]
    fn a_figure_proved_mis_scaled_is_written_at_the_source_scale() {
        let fixed = |source: &str, answer: &str| fix_rescaled(source, answer).map(|f| f.0);
        assert_eq!(
            fixed(
                "1,300만명의 승객을 다루게 될 것이다.",
                "It will handle 130 million passengers."
            )
            .as_deref(),
            Some("It will handle 13 million passengers.")
        );
        assert_eq!(
            fixed(
                "홍콩에서는 약 2.5 퍼센트 하락했다.",
                "Hong Kong fell about 25%."
            )
            .as_deref(),
            Some("Hong Kong fell about 2.5%.")
        );
        // Not a power of ten: which figure was meant is a guess.
        assert_eq!(fixed("1,300만명의 승객", "120 million passengers"), None);
        // Two source figures missing: not provable either.
        assert_eq!(fixed("1,300만명과 65명", "130 million and 6 people"), None);
        // A right answer is left alone.
        assert_eq!(fixed("1,300만명의 승객", "13 million passengers"), None);
        // A year is no amount.
        assert_eq!(fixed("2004년에 개항", "opens in 20,040 days"), None);
    }

    #[test]
    fn myriad_amounts_and_short_years_are_rewritten() {
        let cases = [
            (
                "총 4억 2,700만 캐나다 달러 규모",
                "총 427 million 캐나다 달러 규모",
            ),
            ("3,690억 달러 규모", "369 billion 달러 규모"),
            ("135억 캐나다 달러", "13.5 billion 캐나다 달러"),
            ("4,400만 대에 달할", "44 million 대에 달할"),
            ("1만 3,500개", "13,500개"),
            ("1조 2,000억 원", "1.2 trillion 원"),
            // Japanese and Chinese myriad units, and Chinese 万亿.
            ("売上高は1兆4000億円", "売上高は1.4 trillion 円"),
            ("販売台数150万台", "販売台数1.5 million 台"),
            ("投资2.5亿元", "投资250 million 元"),
            ("规模达1.2万亿元", "规模达1.2 trillion 元"),
            ("约3万人", "约30,000人"),
            ("’33년 이후에도", "2033년 이후에도"),
            ("’12~’22년 글로벌", "2012~2022년 글로벌"),
            ("0.33 퍼센트 하락했다", "0.33 percent 하락했다"),
            ("1.6퍼센트 떨어져", "1.6 percent 떨어져"),
            ("금리를 0.25%p 인하", "금리를 0.25 percentage points 인하"),
            ("0.3%P 상승", "0.3 percentage points 상승"),
            ("0.5퍼센트포인트 높은", "0.5 percentage points 높은"),
            ("2.1%포인트 상승", "2.1 percentage points 상승"),
            // Quotes, plain numbers and percent signs stay as they are.
            ("명칭은 ‘Astro’", "명칭은 ‘Astro’"),
            (
                "CO2 배출량을 40% 감축, 5,000 평방피트",
                "CO2 배출량을 40% 감축, 5,000 평방피트",
            ),
        ];
        for (source, want) in cases {
            assert_eq!(english_figures(source), want, "{source}");
        }
    }

    #[test]
    fn figure_forms_list_the_texts_own_figures() {
        assert_eq!(
            figure_forms("’23년 지원금 4억 2,700만 캐나다 달러, ’23년 40% 증가, 1만 3,500개"),
            vec![
                "’23년 = 2023년".to_string(),
                "4억 2,700만 = 427 million".to_string(),
                "1만 3,500 = 13,500".to_string(),
            ]
        );
        assert_eq!(figure_forms("CO2 배출량을 40% 감축"), Vec::<String>::new());
    }

    /// Every figure rewritten keeps its value as the number checks read it,
    /// so a translation that copies the rewritten figure passes them. The
    /// values are written out: a reader that finds nothing fails.
    #[test]
    fn rewritten_figures_keep_their_values() {
        let cases: [(&str, &[f64]); 8] = [
            ("지원금이 총 4억 2,700만 캐나다 달러", &[427e6]),
            ("投资2.5亿元", &[250e6]),
            ("売上高は1兆4000億円", &[1.4e12]),
            ("니케이 지수는 0.33 퍼센트 하락", &[0.33]),
            ("금리를 0.25%p 인하", &[0.25]),
            ("’21년 6,000만 달러가 추가", &[2021.0, 60e6]),
            ("5,500억 달러 규모 보조금", &[550e9]),
            ("’30년경 매출액 200억 위안 돌파", &[2030.0, 20e9]),
        ];
        for (source, values) in cases {
            let read: Vec<f64> = korean_numbers(source).iter().map(|m| m.value).collect();
            let rewritten = english_figures(source);
            let back: Vec<f64> = english_numbers(&rewritten)
                .iter()
                .map(|m| m.value)
                .collect();
            for v in values {
                let near = |got: &f64| (got - v).abs() <= v * 0.005;
                assert!(read.iter().any(near), "{source}: {v} not read, {read:?}");
                assert!(
                    back.iter().any(near),
                    "{source} → {rewritten}: {v} not in {back:?}"
                );
            }
        }
    }
}
