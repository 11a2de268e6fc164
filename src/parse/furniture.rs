//! Page furniture found by repetition across pages: running headers and
//! footers (a publication name, the issue's date, a section title printed
//! on every page of its section) and bare page numbers. Pages come from the
//! input's form feeds (or the PDF's pages). Only the bands at the top and
//! bottom of a page are looked at, and a band ends at the first line that is
//! not furniture, so a repeated phrase inside the text is never touched.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;

use super::Line;
use crate::document::display_width;

/// Why a line was dropped.
pub const REPEATED: &str = "running header or footer (repeated at the top or bottom of pages)";
/// Why a line was dropped.
pub const PAGE_NUMBER: &str = "page number";

/// How many lines at either end of a page can be furniture.
const BAND: usize = 6;

static BARE_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[0-9]{1,4}$").expect("static regex"));

fn key(text: &str) -> String {
    text.split_whitespace().collect()
}

/// Find running headers, footers and page numbers among `lines` (the
/// non-blank lines with their pages). `dropped` holds lines already found to
/// be page markers (they may stand inside a band); `keep` protects lines
/// another rule needs.
pub(crate) fn find(
    lines: &[Line<'_>],
    dropped: &HashMap<usize, &'static str>,
    keep: impl Fn(&str) -> bool,
) -> HashMap<usize, &'static str> {
    let mut out = HashMap::new();
    let pages = pages_of(lines);
    if pages.len() < 3 {
        return out;
    }
    let band_texts = BandTexts::new(lines, &pages);
    let numbers = PageNumbers::new(lines, &pages, dropped);

    for (_, idx) in &pages {
        // Walk in from the top, then from the bottom; a text met twice on
        // one page is the heading the running header repeats: it stays.
        for from_top in [true, false] {
            let mut met: HashSet<String> = HashSet::new();
            let order: Vec<usize> = if from_top {
                idx.iter().copied().take(BAND).collect()
            } else {
                idx.iter().rev().copied().take(BAND).collect()
            };
            for (k, &i) in order.iter().enumerate() {
                let l = &lines[i];
                if out.contains_key(&l.no) || dropped.contains_key(&l.no) {
                    continue;
                }
                // A page's first lines printing the heading that follows
                // them: the section's running title, on its first page.
                let echoed = from_top
                    && order[k + 1..]
                        .iter()
                        .take(3)
                        .any(|&j| key(lines[j].text()) == key(l.text()));
                if numbers.is_page_number(l) {
                    out.insert(l.no, PAGE_NUMBER);
                } else if (echoed || band_texts.repeated(l.text()))
                    && !keep(l.text())
                    && met.insert(key(l.text()))
                {
                    out.insert(l.no, REPEATED);
                } else {
                    break;
                }
            }
        }
    }
    out
}

/// Each page with the indices (in `lines`) of its lines, in order.
fn pages_of(lines: &[Line<'_>]) -> Vec<(u32, Vec<usize>)> {
    let mut pages: Vec<(u32, Vec<usize>)> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        match pages.last_mut() {
            Some((p, idx)) if *p == l.page => idx.push(i),
            _ => pages.push((l.page, vec![i])),
        }
    }
    pages
}

/// The lines of a page (`idx`) that stand in its top or bottom band.
fn band(idx: &[usize]) -> Vec<usize> {
    let n = idx.len();
    // The top band, then the bottom band without the lines they share.
    let top = n.min(BAND);
    let mut b: Vec<usize> = idx[..top].to_vec();
    b.extend(&idx[n.saturating_sub(BAND).max(top)..]);
    b
}

/// On which pages each text (whitespace ignored) stands in a band.
struct BandTexts(HashMap<String, BTreeSet<u32>>);

impl BandTexts {
    fn new(lines: &[Line<'_>], pages: &[(u32, Vec<usize>)]) -> BandTexts {
        let mut seen: HashMap<String, BTreeSet<u32>> = HashMap::new();
        for (page, idx) in pages {
            for i in band(idx) {
                seen.entry(key(lines[i].text())).or_default().insert(*page);
            }
        }
        BandTexts(seen)
    }

    /// Whether `text` is a running line: in the bands of three pages or
    /// more, two of them in a row (or, for headers of facing pages, two
    /// pairs one page apart), not a sub-heading that happens to open a few
    /// pages; and short.
    fn repeated(&self, text: &str) -> bool {
        let Some(on) = self.0.get(&key(text)) else {
            return false;
        };
        let in_a_row = on.iter().any(|p| on.contains(&(p + 1)));
        let facing = on.iter().filter(|&p| on.contains(&(p + 2))).count() >= 2;
        on.len() >= 3 && (in_a_row || facing) && display_width(text) <= 120
    }
}

/// Bare page numbers: the offset from the page index that most of them
/// share, on the pages without a page marker.
struct PageNumbers {
    /// Pages that carry a page marker: their numbers need no guessing.
    marked_pages: HashSet<u32>,
    /// Printed number minus page index, when enough numbers agree on one.
    offset: Option<i64>,
}

impl PageNumbers {
    fn new(
        lines: &[Line<'_>],
        pages: &[(u32, Vec<usize>)],
        dropped: &HashMap<usize, &'static str>,
    ) -> PageNumbers {
        let marked_pages: HashSet<u32> = lines
            .iter()
            .filter(|l| dropped.contains_key(&l.no))
            .map(|l| l.page)
            .collect();
        let mut offsets: HashMap<i64, usize> = HashMap::new();
        for (page, idx) in pages {
            if marked_pages.contains(page) {
                continue;
            }
            for i in band(idx) {
                let t = lines[i].text();
                if BARE_NUMBER.is_match(t)
                    && let Ok(v) = t.parse::<i64>()
                {
                    *offsets.entry(v - i64::from(*page)).or_default() += 1;
                }
            }
        }
        let offset = offsets
            .iter()
            .filter(|&(_, &n)| n >= 3 && n * 4 >= pages.len())
            .max_by_key(|&(o, &n)| (n, -o.abs()))
            .map(|(&o, _)| o);
        PageNumbers {
            marked_pages,
            offset,
        }
    }

    /// Whether `l` is a bare number that follows the pages at the offset.
    fn is_page_number(&self, l: &Line<'_>) -> bool {
        self.offset.is_some_and(|o| {
            !self.marked_pages.contains(&l.page)
                && BARE_NUMBER.is_match(l.text())
                && l.text()
                    .parse::<i64>()
                    .is_ok_and(|v| v - i64::from(l.page) == o)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::tests::paged;

    fn reasons(
        lines: &[Line<'_>],
        found: &HashMap<usize, &'static str>,
    ) -> Vec<(String, &'static str)> {
        let mut v: Vec<(String, &'static str)> = lines
            .iter()
            .filter_map(|l| found.get(&l.no).map(|r| (l.text().to_string(), *r)))
            .collect();
        v.sort();
        v.dedup();
        v
    }

    #[test]
    fn headers_footers_and_page_numbers_repeat_in_the_bands() {
        let lines = paged(&[
            &["표지 제목", "발행처"],
            &[
                "주간 동향",
                "2025년 제17호",
                "1. 첫 기사",
                "발생 상황",
                "본문 하나",
                "2",
            ],
            &["주간 동향", "2025년 제17호", "발생 상황", "본문 둘", "3"],
            &["주간 동향", "2025년 제17호", "2. 둘째 기사", "본문 셋", "4"],
        ]);
        let found = find(&lines, &HashMap::new(), |_| false);
        assert_eq!(
            reasons(&lines, &found),
            [
                ("2".to_string(), PAGE_NUMBER),
                ("2025년 제17호".to_string(), REPEATED),
                ("3".to_string(), PAGE_NUMBER),
                ("4".to_string(), PAGE_NUMBER),
                ("주간 동향".to_string(), REPEATED),
            ]
        );
    }

    #[test]
    fn a_section_title_on_every_other_page_is_furniture() {
        // Left pages carry the publication, right pages the section.
        let lines = paged(&[
            &["주간 동향", "본문 가"],
            &["정책 동향", "본문 나"],
            &["주간 동향", "본문 다"],
            &["정책 동향", "본문 라"],
            &["주간 동향", "본문 마"],
            &["정책 동향", "본문 바"],
        ]);
        let found = find(&lines, &HashMap::new(), |_| false);
        let dropped: Vec<&str> = lines
            .iter()
            .filter(|l| found.contains_key(&l.no))
            .map(|l| l.text())
            .collect();
        assert_eq!(dropped.len(), 6, "{dropped:?}");
        assert!(dropped.iter().all(|t| !t.starts_with("본문")));
    }

    #[test]
    fn a_sub_heading_on_a_few_scattered_pages_is_not_furniture() {
        let lines = paged(&[
            &["상황 평가", "본문 가"],
            &["본문 나", "더 나"],
            &["본문 다", "더 다"],
            &["상황 평가", "본문 라"],
            &["본문 마", "더 마"],
            &["상황 평가", "본문 바"],
            &["본문 사", "더 사"],
            &["본문 아", "더 아"],
            &["본문 자", "더 자"],
            &["상황 평가", "본문 차"],
        ]);
        assert!(find(&lines, &HashMap::new(), |_| false).is_empty());
    }

    #[test]
    fn a_running_section_title_goes_but_the_heading_it_repeats_stays() {
        let lines = paged(&[
            &["표지"],
            &["3. 영국", "3. 영국", "본문 가"],
            &["3. 영국", "본문 나"],
            &["3. 영국", "본문 다"],
            &["4. 호주", "4. 호주", "본문 라"],
        ]);
        let found = find(&lines, &HashMap::new(), |_| false);
        let kept: Vec<usize> = lines
            .iter()
            .filter(|l| !found.contains_key(&l.no))
            .map(|l| l.no)
            .collect();
        assert_eq!(kept, [1, 3, 4, 6, 8, 10, 11]);
    }

    #[test]
    fn numbers_that_do_not_follow_the_pages_stay() {
        // Section numbers on divider pages, not page numbers.
        let lines = paged(&[
            &["표지"],
            &["연구 목적", "1"],
            &["본문", "3"],
            &["영국", "2"],
            &["본문", "5"],
            &["본문", "6"],
        ]);
        let found = find(&lines, &HashMap::new(), |_| false);
        let numbers: Vec<&str> = lines
            .iter()
            .filter(|l| found.get(&l.no) == Some(&PAGE_NUMBER))
            .map(|l| l.text())
            .collect();
        assert_eq!(numbers, ["3", "5", "6"]);
    }
}
