//! The issue's own list of its articles: a contents page (dot leaders and
//! page numbers, or a numbered list of titles) or a summary box naming the
//! items, near the front. Its titles are looked up in the body, in order,
//! even where the body numbers them differently or not at all; where they are
//! found, articles start. The list itself stays in the front matter.

use std::sync::LazyLock;

use regex::Regex;

use super::Line;
use super::numbering::{Scheme, is_heading_text, parse_number};
use crate::document::display_width;

/// An entry line with a dot leader and a page number: `核心观点 ........ 5`.
static LEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<title>.*?\S)\s*(?:[.·‥…・ㆍ∙]\s?){3,}\s*(?P<page>\d{1,4})$")
        .expect("static regex")
});

/// Lists of figures and tables, not of articles.
static FIGURE_ENTRY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[<\[〈［(]\s*)?(?:图表|圖表|图|表|그림|표|Figure|Fig\.|Table|Chart|Box|박스)\s*[0-9０-９\-–.]")
        .expect("static regex")
});

/// An article start found through the contents.
#[derive(Debug, Clone)]
pub(crate) struct Start {
    /// Index of the heading's first line in the slice given to [`find`].
    pub index: usize,
    /// How many lines the heading takes.
    pub len: usize,
    /// The heading as the body prints it.
    pub title: String,
}

/// What [`find`] returns: where the articles start.
#[derive(Debug)]
pub(crate) struct Contents {
    pub starts: Vec<Start>,
}

/// A title reduced to its letters and digits, number and case dropped, for
/// matching a contents entry against the body's heading.
pub(crate) fn title_key(text: &str) -> String {
    let body = match parse_number(text.trim()) {
        Some(n) if n.scheme != Scheme::NumberLine => n.rest,
        _ => text.to_string(),
    };
    body.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether a body line (or two, for a title wrapped over two lines) carries
/// the entry's title. Contents pages shorten long titles, so a long enough
/// common beginning counts too.
fn matches(entry: &str, line: &str) -> bool {
    if entry.is_empty() || line.is_empty() {
        return false;
    }
    if entry == line {
        return true;
    }
    let (short, long) = if entry.len() < line.len() {
        (entry, line)
    } else {
        (line, entry)
    };
    let (ns, nl) = (short.chars().count(), long.chars().count());
    long.starts_with(short) && ns >= 6 && ns * 10 >= nl * 7
}

/// The lines near the front: the first quarter of the pages (at least two),
/// or of the lines when the input has no pages.
fn front_end(lines: &[Line<'_>]) -> usize {
    let (Some(first), Some(last)) = (lines.first(), lines.last()) else {
        return 0;
    };
    let pages = last.page - first.page + 1;
    if pages >= 3 {
        let limit = first.page + (pages / 4).max(2);
        lines.iter().take_while(|l| l.page <= limit).count()
    } else {
        (lines.len() * 3 / 10).max(lines.len().min(40))
    }
}

/// One candidate list: the indices of its entry lines.
fn candidate_lists(lines: &[Line<'_>], front: usize) -> Vec<Vec<usize>> {
    let mut lists = Vec::new();
    // Dot-leader entries.
    let leaders: Vec<usize> = (0..front)
        .filter(|&i| {
            let t = lines[i].text();
            LEADER.captures(t).is_some_and(|c| {
                !FIGURE_ENTRY.is_match(&c["title"]) && is_heading_text(&c["title"])
            })
        })
        .collect();
    if leaders.len() >= 2 {
        // With numbered entries, keep the outer level: the scheme of the
        // first numbered entry, and the unnumbered ones (summary, references).
        let scheme_of = |i: usize| {
            let t = &LEADER.captures(lines[i].text())?["title"];
            parse_number(t).map(|n| n.scheme)
        };
        let top = leaders.iter().find_map(|&i| scheme_of(i));
        lists.push(
            leaders
                .iter()
                .copied()
                .filter(|&i| scheme_of(i).is_none() || scheme_of(i) == top)
                .collect(),
        );
    }
    // Numbered titles in sequence, one list per numbering scheme.
    let mut chains: Vec<(Scheme, u32, Vec<usize>)> = Vec::new();
    for (i, l) in lines.iter().enumerate().take(front) {
        let Some(n) = parse_number(l.text()) else {
            continue;
        };
        if matches!(n.scheme, Scheme::NumberLine | Scheme::Dotted)
            || !is_heading_text(&n.rest)
            || FIGURE_ENTRY.is_match(&n.rest)
        {
            continue;
        }
        match chains.iter_mut().find(|(s, _, _)| *s == n.scheme) {
            Some((_, next, idx)) if n.value == *next => {
                idx.push(i);
                *next += 1;
            }
            Some(_) => {}
            None if n.value == 1 => chains.push((n.scheme, 2, vec![i])),
            None => {}
        }
    }
    lists.extend(
        chains
            .into_iter()
            .filter(|(_, _, idx)| idx.len() >= 2)
            .map(|(_, _, idx)| idx),
    );
    lists
}

/// Where each entry's title stands in `lines[from..]`, in order; `None` for
/// an entry not found. An entry whose title heads several places after the
/// previous entry's is a sub-section's (every chapter has its
/// "Background"), so it is not used.
/// [`locate`] for titles as printed (a PDF outline's, say).
pub(crate) fn locate_titles(
    lines: &[Line<'_>],
    titles: &[&str],
    from: usize,
) -> Vec<Option<Start>> {
    let keys: Vec<String> = titles.iter().map(|t| title_key(t)).collect();
    locate(lines, &keys, from)
}

fn locate(lines: &[Line<'_>], entries: &[String], from: usize) -> Vec<Option<Start>> {
    let keys: Vec<String> = lines.iter().map(|l| title_key(l.text())).collect();
    let heading_at = |i: usize, key: &str| -> Option<usize> {
        // A contents entry itself is not where its article starts.
        if display_width(lines[i].text()) > 100 || LEADER.is_match(lines[i].text()) {
            return None;
        }
        let here = &keys[i];
        if matches(key, here) {
            return Some(1);
        }
        // A title wrapped over two lines.
        let next = keys.get(i + 1)?;
        (here.chars().count() >= 2
            && key.starts_with(here.as_str())
            && matches(key, &format!("{here}{next}")))
        .then_some(2)
    };
    let mut out = Vec::new();
    let mut pos = from;
    for key in entries {
        let mut hits: Vec<(usize, usize)> = (pos..lines.len())
            .filter_map(|i| heading_at(i, key).map(|len| (i, len)))
            .collect();
        // A body line may share a title's beginning (`55.4% 연구개발 연구개발`
        // for `연구개발 연구개발 과제`): the title found whole, once, wins over
        // lines shorter than it. (A longer line may be the real heading of a
        // title the contents page shortened: then it stays ambiguous.)
        if hits.len() > 1 {
            let text = |&(i, len): &(usize, usize)| keys[i..i + len].concat();
            let whole = |h: &(usize, usize)| text(h) == *key;
            let others_shorter = hits
                .iter()
                .filter(|h| !whole(h))
                .all(|h| text(h).chars().count() < key.chars().count());
            if others_shorter && hits.iter().filter(|h| whole(h)).count() == 1 {
                hits.retain(whole);
            }
        }
        match hits.as_slice() {
            [(i, len)] => {
                let (i, len) = (*i, *len);
                let title = lines[i..i + len]
                    .iter()
                    .map(|l| l.text())
                    .collect::<Vec<_>>()
                    .join(" ");
                out.push(Some(Start {
                    index: i,
                    len,
                    title,
                }));
                pos = i + len;
            }
            _ => out.push(None),
        }
    }
    out
}

/// A trailing page number after a numbered entry: `1. 연구 배경 3`.
static TRAILING_PAGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\s+\d{1,3}$").expect("static regex"));

/// The title of the `k`th entry of `list` (at line `i`): without its dot
/// leader or page number, and with the line above it when a long title
/// wrapped there (a line between two entries that is no entry itself).
fn entry_title(lines: &[Line<'_>], list: &[usize], k: usize, i: usize) -> String {
    let t = lines[i].text();
    let Some(c) = LEADER.captures(t) else {
        return TRAILING_PAGE.replace(t, "").into_owned();
    };
    let title = c.get(1).map_or(t, |m| m.as_str());
    let wrapped = k > 0 && list[k - 1] + 2 == i && i > 0 && {
        let above = lines[i - 1].text();
        !LEADER.is_match(above) && is_heading_text(above) && display_width(above) <= 80
    };
    if wrapped {
        format!("{} {title}", lines[i - 1].text())
    } else {
        title.to_string()
    }
}

/// Find the contents list and the article starts it gives, if the issue has one.
pub(crate) fn find(lines: &[Line<'_>]) -> Option<Contents> {
    let front = front_end(lines);
    let mut best: Option<Contents> = None;
    for list in candidate_lists(lines, front) {
        let entries: Vec<String> = list
            .iter()
            .enumerate()
            .map(|(k, &i)| title_key(&entry_title(lines, &list, k, i)))
            .collect();
        let end = list.last().map_or(0, |&i| i + 1);
        let located = locate(lines, &entries, end);
        let found = located.iter().flatten().count();
        // Most of the list must be found, or it was not a list of the articles.
        if found < 2 || found * 10 < entries.len() * 6 {
            continue;
        }
        let texts: Vec<&str> = list.iter().map(|&i| lines[i].text()).collect();
        let starts = outer_level(lines, &texts, located);
        if best.as_ref().is_none_or(|b| starts.len() > b.starts.len()) {
            best = Some(Contents { starts });
        }
    }
    best
}

/// The outer level of a long dot-leader list that has no numbering to tell
/// sections from sub-sections. The leaders of a list end in one column, so
/// an indented (inner) entry has a shorter leader than its title's width
/// alone explains: fit leader length against title width over the list and
/// keep the entries well above the line (`true` for kept entries).
fn longest_leaders(entries: &[&str]) -> Option<Vec<bool>> {
    let measured: Vec<(f64, f64)> = entries
        .iter()
        .map(|t| {
            let c = LEADER.captures(t)?;
            if parse_number(&c["title"]).is_some() {
                return None;
            }
            let whole = c.get(0)?.as_str();
            let leader = whole[c["title"].len()..]
                .chars()
                .filter(|ch| !ch.is_whitespace() && !ch.is_ascii_digit())
                .count();
            Some((display_width(&c["title"]) as f64, leader as f64))
        })
        .collect::<Option<_>>()?;
    let n = measured.len() as f64;
    let (mw, ml) = measured
        .iter()
        .fold((0.0, 0.0), |(a, b), (w, l)| (a + w / n, b + l / n));
    let var: f64 = measured.iter().map(|(w, _)| (w - mw).powi(2)).sum();
    if var <= 0.0 {
        return None;
    }
    let slope = measured
        .iter()
        .map(|(w, l)| (w - mw) * (l - ml))
        .sum::<f64>()
        / var;
    let residual: Vec<f64> = measured
        .iter()
        .map(|(w, l)| l - ml - slope * (w - mw))
        .collect();
    let top = residual.iter().copied().fold(f64::MIN, f64::max);
    (top > 0.0).then(|| residual.iter().map(|r| *r >= top / 2.0).collect())
}

/// A long list mixes sections and sub-sections; keep the sections. Numbered
/// lists were cut to their outer scheme already; without numbers, the
/// leaders tell (see [`longest_leaders`]), and failing that the place: a
/// section opens a new page.
fn outer_level(lines: &[Line<'_>], entries: &[&str], located: Vec<Option<Start>>) -> Vec<Start> {
    const LONG: usize = 12;
    let found = || located.iter().flatten().cloned().collect::<Vec<Start>>();
    if located.iter().flatten().count() <= LONG {
        return found();
    }
    if let Some(outer) = longest_leaders(entries) {
        let kept: Vec<Start> = located
            .iter()
            .zip(outer)
            .filter_map(|(s, keep)| s.clone().filter(|_| keep))
            .collect();
        if kept.len() >= 2 {
            return kept;
        }
    }
    let opens_page = |i: usize| i == 0 || lines[i - 1].page != lines[i].page;
    let outer: Vec<Start> = found()
        .into_iter()
        .filter(|s| opens_page(s.index))
        .collect();
    if outer.len() >= 2 { outer } else { found() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::tests::paged;

    fn starts(lines: &[Line<'_>]) -> Vec<(usize, String)> {
        find(lines)
            .map(|c| {
                c.starts
                    .into_iter()
                    .map(|s| (lines[s.index].no, s.title))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn a_title_found_whole_beats_a_line_sharing_its_beginning() {
        let lines = paged(&[
            &[
                "목 차",
                "연구개발 연구개발 과제 ........ 2",
                "산업 과제 ........ 3",
            ],
            &["연구개발 연구개발 과제", "본문"],
            &["산업 과제", "55.4% 연구개발 연구개발", "본문"],
        ]);
        let starts: Vec<String> = find(&lines)
            .expect("a contents list")
            .starts
            .into_iter()
            .map(|s| s.title)
            .collect();
        assert_eq!(starts, ["연구개발 연구개발 과제", "산업 과제"]);
    }

    #[test]
    fn title_keys_ignore_numbering_spacing_and_punctuation() {
        assert_eq!(
            title_key("3. 2025 NTE 보고서: 쟁점"),
            title_key("2025 NTE보고서 쟁점")
        );
        assert_eq!(title_key("Ⅱ. 3D 콘텐츠"), "3d콘텐츠");
        assert_eq!(title_key("何以重估：对标"), title_key("何以重估，对标"));
    }

    #[test]
    fn numbered_contents_page_matches_unnumbered_and_renumbered_headings() {
        let lines = paged(&[
            &[
                "차 례",
                "1. 연구 배경",
                "2. 기업의 불만",
                "3. 정책 대응 방향",
            ],
            &["Ⅰ. 연구 배경", "본문", "기업의", "불만", "본문"],
            &["정책 대응방향", "본문"],
        ]);
        assert_eq!(
            starts(&lines),
            [
                (5, "Ⅰ. 연구 배경".to_string()),
                (7, "기업의 불만".to_string()),
                (10, "정책 대응방향".to_string())
            ]
        );
    }

    #[test]
    fn dot_leaders_and_figure_lists() {
        let lines = paged(&[
            &[
                "목차",
                "요약 ........ 2",
                "시장 동향 ........ 3",
                "전망 ·········· 4",
                "그림 1. 시장 규모 ........ 3",
            ],
            &["요약", "본문", "시장 동향", "본문", "그림 1. 시장 규모"],
            &["전망", "본문"],
        ]);
        let s: Vec<String> = starts(&lines).into_iter().map(|(_, t)| t).collect();
        assert_eq!(s, ["요약", "시장 동향", "전망"]);
    }

    #[test]
    fn entries_with_page_numbers_or_wrapped_over_two_lines() {
        let lines = paged(&[
            &[
                "차례",
                "1. 연구 배경 3",
                "2. 디지털 통상 쟁점 7",
                "목차",
                "요약 ........ 2",
                "해외 주요국 공공부문 AI 도입 계획 및 전략",
                "비교 ........ 9",
                "전망 ........ 12",
            ],
            &["연구 배경", "본문", "디지털 통상 쟁점", "본문"],
            &[
                "요약",
                "본문",
                "해외 주요국 공공부문 AI 도입 계획 및 전략 비교",
                "본문",
            ],
            &["전망", "본문"],
        ]);
        let lists = candidate_lists(&lines, lines.len());
        let titles: Vec<Vec<String>> = lists
            .iter()
            .map(|l| {
                (0..l.len())
                    .map(|k| entry_title(&lines, l, k, l[k]))
                    .collect()
            })
            .collect();
        assert!(titles.contains(&vec![
            "1. 연구 배경".to_string(),
            "2. 디지털 통상 쟁점".to_string()
        ]));
        assert!(titles.contains(&vec![
            "요약".to_string(),
            "해외 주요국 공공부문 AI 도입 계획 및 전략 비교".to_string(),
            "전망".to_string()
        ]));
    }

    #[test]
    fn a_summary_box_of_numbered_items() {
        let lines = paged(&[
            &[
                "요약",
                "1. 백일해, 여러 국가",
                "• 요지",
                "2. 홍역, 미국",
                "• 요지",
            ],
            &["1. 백일해, 여러 국가", "발생 상황", "본문"],
            &["2. 홍역, 미국", "본문"],
            &["본문"],
        ]);
        let s: Vec<usize> = starts(&lines).into_iter().map(|(no, _)| no).collect();
        assert_eq!(s, [6, 9]);
    }

    #[test]
    fn sub_section_titles_repeated_in_every_chapter_are_no_contents() {
        let lines = paged(&[
            &[
                "Ⅰ. 서론",
                "본문",
                "Ⅱ. 생성",
                "1. 국내·외 동향",
                "본문",
                "2. 전망",
                "본문",
            ],
            &[
                "Ⅲ. 홀로그래피",
                "1. 국내·외 동향",
                "본문",
                "2. 전망",
                "본문",
            ],
            &["Ⅳ. 동작인식", "1. 국내·외 동향", "본문", "2. 전망", "본문"],
            &["본문"],
            &["본문"],
        ]);
        assert!(find(&lines).is_none());
    }
}
