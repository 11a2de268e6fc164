//! The issue's own list of its articles — a contents page (a heading such
//! as 목차/CONTENTS/目录, or entries with dot leaders or page numbers) or a
//! summary box near the front — read with page numbers and levels (an
//! *item* heads an article, a *category* names a section), then placed in
//! the body by [`super::align`]; the list stays in the front matter.

use std::sync::LazyLock;

use regex::Regex;

use super::Line;
pub(crate) use super::align::{
    Start, candidate_lines, check, locate_titles, title_key, with_starts,
};
use super::align::{Wanted, start_at};
use super::levels::placed_level;
use super::numbering::{Scheme, is_heading_text, parse_number};
use crate::document::display_width;

/// An entry with a dot leader and, usually, a page number: `核心观点 ..... 5`.
pub(super) static LEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<title>.*?[^\s.·‥…・ㆍ∙])?\s*(?:[.·‥…・ㆍ∙]\s?){3,}\s*(?P<page>\d{1,4})?\s*$")
        .expect("static regex")
});

/// A page number after an entry's title, with no leader: `1. 연구 배경 3`.
static TRAILING_PAGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?P<title>.*\S)\s+(?P<page>\d{1,3})$").expect("static regex"));

/// A page number alone on its line, below a wrapped entry.
static PAGE_ONLY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{1,4}$").expect("static regex"));

/// A number alone on its line, its title on the next one: `1.`, `Ⅱ`.
static NUMBER_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\d{1,2}[.、]?|[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫ][.．]?)$").expect("static regex")
});

/// A list marker before an item: `▹ title`, `∙ title`, `• title`.
pub(super) static BULLET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[▹▸►▶▷•∙◦○●■□◆◇▪▫◼❍]\s*").expect("static regex"));

/// Lists of figures and tables, not of articles.
static FIGURE_ENTRY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[<\[〈［(]\s*)?(?:图表|圖表|图|表|그림|표|Figure|Fig\.|Table|Chart|Box|박스)\s*[0-9０-９\-–.]")
        .expect("static regex")
});

/// A contents page's heading, spaces removed and lower-cased.
const HEADINGS: [&str; 10] = [
    "목차",
    "차례",
    "contents",
    "tableofcontents",
    "目次",
    "目录",
    "目錄",
    "内容目录",
    "正文目录",
    "本期目录",
];

/// The heading of a list of figures or tables: the contents list ends there.
static FIGURE_LIST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:图表|圖表|图|表)目[录錄]$|^(?:그림|표)목차$|^listof(?:figures|tables)$")
        .expect("static regex")
});

/// What an entry of the list is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    /// Heads an article.
    Item,
    /// Names a group of items: a section.
    Category,
    /// A sub-section of an item, or back matter: not looked for.
    Other,
}

/// One entry of a contents list.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The title as the list prints it, without leader or page number.
    pub title: String,
    /// The printed page number, when the list gives one.
    pub page: Option<u32>,
    pub level: Level,
    /// The category it stands under.
    pub section: Option<String>,
}

/// A contents list: its entries and where the list ends.
#[derive(Debug, Clone)]
pub(crate) struct Toc {
    pub entries: Vec<Entry>,
    /// Index of the first line after the list.
    pub end: usize,
    /// Where each [`Level::Item`] entry was found (same order as the items).
    pub found: Vec<Option<Start>>,
    /// Found under a contents heading (rather than guessed from its shape).
    pub headed: bool,
}

impl Toc {
    /// The article-level entries.
    pub fn items(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.level == Level::Item)
    }

    /// The starts of the items found, in order.
    pub fn starts(&self) -> Vec<Start> {
        self.found.iter().flatten().cloned().collect()
    }

    /// The share of items found, in percent.
    pub fn coverage(&self) -> usize {
        let n = self.found.len().max(1);
        self.found.iter().flatten().count() * 100 / n
    }
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

fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether a line belongs to a list rather than the body: a contents or
/// figure-list heading, an entry with a dot leader, a figure or table caption.
pub(crate) fn is_list_line(text: &str) -> bool {
    let key = squash(text);
    HEADINGS.contains(&key.as_str())
        || FIGURE_LIST.is_match(&key)
        || LEADER.is_match(text)
        || FIGURE_ENTRY.is_match(text)
}

/// Where a contents heading stands: (index, lines it takes), also when its
/// letters are split over two lines (`목` / `차`).
fn heading_at(lines: &[Line<'_>], i: usize) -> Option<usize> {
    let one = squash(lines[i].text());
    if HEADINGS.contains(&one.as_str()) {
        return Some(1);
    }
    let next = lines.get(i + 1).filter(|n| n.page == lines[i].page)?;
    let two = one + &squash(next.text());
    HEADINGS.contains(&two.as_str()).then_some(2)
}

/// How an entry is marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Marker {
    Bullet,
    Number(Scheme),
    Plain,
}

/// An entry as read, before its level is known.
#[derive(Debug, Clone)]
pub(super) struct Raw {
    pub index: usize,
    pub title: String,
    pub page: Option<u32>,
    /// A leader or a page number marks it as an entry.
    pub paged: bool,
    pub marker: Marker,
    pub x: Option<f32>,
}

fn marker_of(title: &str) -> Marker {
    if BULLET.is_match(title) {
        return Marker::Bullet;
    }
    match parse_number(title) {
        Some(n) if n.scheme != Scheme::NumberLine => Marker::Number(n.scheme),
        _ => Marker::Plain,
    }
}

/// Split a line into its title and page: `(title, page, leader or page seen)`.
fn split_entry(t: &str) -> (String, Option<u32>, bool) {
    if let Some(c) = LEADER.captures(t) {
        let title = c.name("title").map_or("", |m| m.as_str());
        let page = c.name("page").and_then(|p| p.as_str().parse().ok());
        return (title.to_string(), page, true);
    }
    if let Some(c) = TRAILING_PAGE.captures(t)
        && parse_number(t).is_some()
    {
        return (c["title"].to_string(), c["page"].parse().ok(), true);
    }
    (t.to_string(), None, false)
}

/// Read the entries of the list in `lines[from..to]`: page numbers alone on
/// a line go to the entry above, a number alone on a line to the title
/// below, a title wrapped before its leader is joined. The list ends at a
/// list of figures, at an entry it already holds (the body repeating it),
/// or after a few lines that are no entries. Returns the entries and the
/// index of the first line after the list.
fn read_block(lines: &[Line<'_>], from: usize, to: usize) -> (Vec<Raw>, usize) {
    let mut raws: Vec<Raw> = Vec::new();
    let mut pending_number: Option<&str> = None;
    let mut misses = 0;
    for (i, l) in lines.iter().enumerate().take(to).skip(from) {
        let t = l.text();
        if misses >= 4
            || FIGURE_LIST.is_match(&squash(t))
            || (!raws.is_empty() && FIGURE_ENTRY.is_match(t))
        {
            break;
        }
        let (title, page, paged) = split_entry(t);
        // A list with page numbers ends where a page turns to a line without one.
        if !paged
            && raws.iter().filter(|r| r.paged).count() >= 2
            && raws.last().is_some_and(|r| lines[r.index].page < l.page)
        {
            break;
        }
        if title.is_empty() || PAGE_ONLY.is_match(t) {
            // A leader or page number under a wrapped entry.
            if let Some(last) = raws.last_mut().filter(|r| !r.paged && r.index + 2 >= i) {
                last.paged = true;
                last.page = page.or_else(|| t.parse().ok());
                misses = 0;
            }
            continue;
        }
        if NUMBER_ONLY.is_match(t) {
            pending_number = Some(t);
            continue;
        }
        let title = match pending_number.take() {
            Some(n) => format!("{n} {title}"),
            None => title,
        };
        let marker = marker_of(&title);
        // A bulleted line is an entry only with its page: lists of points
        // under a summary are bulleted too.
        let entry = is_heading_text(&title) && !FIGURE_ENTRY.is_match(&title);
        if !entry {
            misses += 1;
            continue;
        }
        let key = title_key(&title);
        if raws.iter().any(|r| title_key(&r.title) == key) {
            break;
        }
        if let Some(last) = raws.last_mut().filter(|last| {
            paged
                && marker == Marker::Plain
                && last.marker == Marker::Plain
                && !last.paged
                && last.index + 1 == i
                && display_width(&last.title) >= 24
        }) {
            // The title wrapped before its leader.
            last.title = format!("{} {title}", last.title);
            last.index = i;
            last.page = page;
            last.paged = true;
            misses = 0;
            continue;
        }
        misses = if !paged && !matches!(marker, Marker::Number(_)) {
            misses + 1
        } else {
            0
        };
        raws.push(Raw {
            index: i,
            title,
            page,
            paged,
            marker,
            x: l.layout.map(|lay| lay.x),
        });
    }
    // A bulleted line without a page is a point of a summary, not an
    // entry; an unmarked one is a category over the entry below it, or no
    // entry.
    let keep: Vec<bool> = (0..raws.len())
        .map(|k| {
            let r = &raws[k];
            r.paged
                || matches!(r.marker, Marker::Number(_))
                || r.marker == Marker::Plain
                    && raws
                        .get(k + 1)
                        .is_some_and(|n| n.marker != Marker::Plain || n.paged)
        })
        .collect();
    let mut keep = keep.into_iter();
    raws.retain(|_| keep.next().unwrap_or(false));
    let end = raws.last().map_or(from, |r| r.index + 1);
    (raws, end)
}

/// Candidate lists near the front: under each contents heading; else the
/// run of dot-leader lines; else numbered titles in sequence (a summary
/// box), one list per numbering scheme.
fn candidate_lists(lines: &[Line<'_>], front: usize) -> Vec<(Vec<Raw>, usize, bool)> {
    let mut lists = Vec::new();
    let mut i = 0;
    while i < front {
        if let Some(len) = heading_at(lines, i) {
            let (raws, end) = read_block(lines, i + len, front.max(i + len + 200).min(lines.len()));
            if raws.len() >= 2 {
                lists.push((raws, end, true));
                i = end;
                continue;
            }
        }
        i += 1;
    }
    if !lists.is_empty() {
        return lists;
    }
    let leaders: Vec<usize> = (0..front)
        .filter(|&i| {
            let t = lines[i].text();
            LEADER.captures(t).is_some_and(|c| {
                c.name("title").is_some_and(|m| {
                    !FIGURE_ENTRY.is_match(m.as_str()) && is_heading_text(m.as_str())
                })
            })
        })
        .collect();
    if let (Some(&a), Some(&b)) = (leaders.first(), leaders.last())
        && leaders.len() >= 2
    {
        // Category lines above the first entry belong to the list, and so
        // does an entry whose leader wrapped.
        let above = (1..=6)
            .take_while(|&k| {
                a >= k && lines[a - k].page == lines[a].page && {
                    let t = lines[a - k].text();
                    PAGE_ONLY.is_match(t)
                        || LEADER
                            .captures(t)
                            .is_some_and(|c| c.name("title").is_none())
                        || is_heading_text(t) && marker_of(t) != Marker::Plain
                }
            })
            .count();
        let (raws, end) = read_block(lines, a - above, (b + 3).min(lines.len()));
        if raws.len() >= 2 {
            lists.push((raws, end, false));
        }
    }
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
    for (scheme, _, idx) in chains {
        if idx.len() < 2 {
            continue;
        }
        let end = idx.last().map_or(0, |&i| i + 1);
        let raws = idx
            .into_iter()
            .map(|i| Raw {
                index: i,
                title: lines[i].text().to_string(),
                page: None,
                paged: false,
                marker: Marker::Number(scheme),
                x: None,
            })
            .collect();
        lists.push((raws, end, false));
    }
    lists
}

/// Find the contents list and where its items start, if the issue has one.
/// A list is taken when at least two of its items are found; a list guessed
/// from its shape (no heading) needs most of them, and entries that each
/// head several places (every chapter's "Background") make it none.
pub(crate) fn read(lines: &[Line<'_>]) -> Option<Toc> {
    read_found(lines, 2)
}

/// The contents list under a contents heading even when few of its items
/// are found (for a model to place them), else [`read`]'s.
pub(crate) fn read_all(lines: &[Line<'_>]) -> Option<Toc> {
    read_found(lines, 0).filter(|t| t.headed || t.found.iter().flatten().count() >= 2)
}

fn read_found(lines: &[Line<'_>], min_found: usize) -> Option<Toc> {
    let front = front_end(lines);
    let mut best: Option<Toc> = None;
    for (raws, end, headed) in candidate_lists(lines, front) {
        let (entries, placed) = placed_level(lines, raws, end);
        let items: Vec<&Entry> = entries.iter().filter(|e| e.level == Level::Item).collect();
        let wanted: Vec<Wanted> = items
            .iter()
            .map(|e| Wanted::new(&e.title, e.page))
            .collect();
        let found = placed.iter().flatten().count();
        if items.is_empty() || found < min_found || (!headed && found * 10 < items.len() * 6) {
            continue;
        }
        if !headed {
            let keys: Vec<String> = lines.iter().map(|l| title_key(l.text())).collect();
            let repeated = wanted
                .iter()
                .filter(|w| keys[end..].iter().filter(|l| **l == w.key).count() > 1)
                .count();
            if repeated * 2 > found {
                continue;
            }
        }
        let starts: Vec<Option<Start>> = placed
            .iter()
            .zip(&items)
            .map(|(c, e)| c.map(|c| start_at(lines, &c, e.section.clone())))
            .collect();
        let toc = Toc {
            entries: entries.clone(),
            end,
            found: starts,
            headed,
        };
        let better = best.as_ref().is_none_or(|b| {
            let (n, m) = (
                toc.found.iter().flatten().count(),
                b.found.iter().flatten().count(),
            );
            n > m || (n == m && headed && !b.headed)
        });
        if better {
            best = Some(toc);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::tests::paged;

    /// (line number, title) of each item found.
    fn starts(lines: &[Line<'_>]) -> Vec<(usize, String)> {
        read(lines)
            .map(|t| {
                t.starts()
                    .into_iter()
                    .map(|s| (lines[s.index].no, s.title))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn title_keys_ignore_numbering_spacing_punctuation_and_width() {
        assert_eq!(
            title_key("3. 2025 NTE 보고서: 쟁점"),
            title_key("2025 NTE보고서 쟁점")
        );
        assert_eq!(title_key("Ⅱ. 3D 콘텐츠"), "3d콘텐츠");
        assert_eq!(title_key("何以重估：对标"), title_key("何以重估，对标"));
        assert_eq!(title_key("▹ ＡＩ 安全"), "ai安全");
        let numbered_key = super::super::align::numbered_key;
        assert_eq!(numbered_key("3.50ETF 期权"), numbered_key("3. 50ETF 期权"));
    }

    #[test]
    fn bulleted_items_under_categories_with_leaders_on_the_next_line() {
        // A newsletter: categories without pages, items with leaders (one
        // wrapped onto its own line), the body opening each item with its title.
        let lines = paged(&[
            &[
                "목 차",
                "1. 정책/법제",
                "▹ 미국, 행정명령 발표",
                "··········· 1",
                "▹ G7, 국제 행동강령에 합의 ········ 2",
                "2. 기업/산업",
                "▹ 코히어, 데이터 탐색기 공개 ········ 3",
            ],
            &[
                "미국, 행정명령 발표",
                "본문",
                "G7, 국제 행동강령에 합의",
                "본문",
            ],
            &["코히어, 데이터 탐색기 공개", "본문"],
        ]);
        let toc = read(&lines).expect("a contents list");
        let items: Vec<(&str, Option<u32>, Option<&str>)> = toc
            .items()
            .map(|e| (e.title.as_str(), e.page, e.section.as_deref()))
            .collect();
        assert_eq!(
            items,
            [
                ("▹ 미국, 행정명령 발표", Some(1), Some("정책/법제")),
                ("▹ G7, 국제 행동강령에 합의", Some(2), Some("정책/법제")),
                ("▹ 코히어, 데이터 탐색기 공개", Some(3), Some("기업/산업")),
            ]
        );
        let found: Vec<usize> = starts(&lines).into_iter().map(|(no, _)| no).collect();
        assert_eq!(found, [8, 10, 12]);
    }

    #[test]
    fn an_outer_part_over_most_of_the_issue_gives_way_to_the_entries_inside() {
        // A part `Ⅰ.` holds every news item, a short `Ⅱ.` closes the issue:
        // both are found in the body, but the items are the bullets.
        let body = "본문 문장이 이어지고 다음 줄로 넘어간다";
        let lines = paged(&[
            &[
                "목 차",
                "Ⅰ. 산업 동향 브리프",
                "▹ 미국, 행정명령 발표 ········ 2",
                "▹ G7, 국제 행동강령에 합의 ········ 3",
                "▹ 코히어, 데이터 탐색기 공개 ········ 4",
                "Ⅱ. 주요 행사 ········ 5",
            ],
            &[
                "Ⅰ. 산업 동향 브리프",
                "미국, 행정명령 발표",
                body,
                body,
                body,
            ],
            &["G7, 국제 행동강령에 합의", body, body, body],
            &["코히어, 데이터 탐색기 공개", body, body, body],
            &["Ⅱ. 주요 행사", "행사 일정"],
        ]);
        let toc = read(&lines).expect("a contents list");
        let items: Vec<(&str, Option<&str>)> = toc
            .items()
            .map(|e| (e.title.as_str(), e.section.as_deref()))
            .collect();
        assert_eq!(
            items,
            [
                ("▹ 미국, 행정명령 발표", Some("산업 동향 브리프")),
                ("▹ G7, 국제 행동강령에 합의", Some("산업 동향 브리프")),
                ("▹ 코히어, 데이터 탐색기 공개", Some("산업 동향 브리프")),
            ]
        );
        let found: Vec<usize> = starts(&lines).into_iter().map(|(no, _)| no).collect();
        assert_eq!(found, [8, 12, 16]);
    }

    #[test]
    fn outer_numbering_gives_the_items_and_a_number_may_stand_alone() {
        // Chapters `Ⅰ.` over numbered sub-entries; the body sets the
        // numeral on its own line above the chapter's title.
        let lines = paged(&[
            &[
                "목",
                "차",
                "Ⅰ. 사업 개요",
                "1. 개요 ········ 1",
                "2. 추진배경 ········ 2",
                "Ⅱ. 제안 안내",
                "1. 참여자격 ········ 3",
            ],
            &["Ⅰ", "사업 개요", "1. 개요", "본문", "2. 추진배경", "본문"],
            &["Ⅱ", "제안 안내", "1. 참여자격", "본문"],
        ]);
        assert_eq!(
            starts(&lines),
            [(9, "사업 개요".to_string()), (15, "제안 안내".to_string())]
        );
    }

    #[test]
    fn dot_leaders_figure_lists_and_back_matter() {
        let lines = paged(&[
            &[
                "目录",
                "核心观点 ........ 2",
                "市场 ........ 3",
                "参考文献 ........ 4",
                "图表目录",
                "图 1. 市场规模 ........ 3",
            ],
            &["核心观点", "正文", "市场", "正文", "图 1. 市场规模"],
            &["参考文献", "正文"],
        ]);
        let s: Vec<String> = starts(&lines).into_iter().map(|(_, t)| t).collect();
        assert_eq!(s, ["核心观点", "市场"]);
    }

    #[test]
    fn a_shortened_entry_a_wrapped_title_and_a_renumbered_heading() {
        let lines = paged(&[
            &[
                "차 례",
                "1. 연구 배경 3",
                "2. 해외 주요국 공공부문 AI 도입 ········ 5",
                "3. 정책 대응 방향 7",
            ],
            &["Ⅰ. 연구 배경", "본문"],
            &["해외 주요국 공공부문 AI 도입 계획", "본문"],
            &["정책 대응", "방향", "본문"],
        ]);
        assert_eq!(
            starts(&lines),
            [
                (5, "Ⅰ. 연구 배경".to_string()),
                (7, "해외 주요국 공공부문 AI 도입 계획".to_string()),
                (9, "정책 대응 방향".to_string())
            ]
        );
    }

    #[test]
    fn printed_pages_choose_between_places_that_carry_a_title() {
        // `전망` heads a line on page 4 (a sub-section of `과제`) and on
        // page 6 (the chapter the list points to); the pages of the other
        // entries fix the offset (+1).
        let lines = paged(&[
            &[
                "목차",
                "배경 ........ 1",
                "현황 ........ 2",
                "과제 ........ 3",
                "전망 ........ 5",
            ],
            &["배경", "본문"],
            &["현황", "본문"],
            &["과제", "본문", "전망", "본문"],
            &["본문"],
            &["전망", "본문"],
        ]);
        let pages: Vec<u32> = read(&lines)
            .expect("a contents list")
            .starts()
            .into_iter()
            .map(|s| lines[s.index].page)
            .collect();
        assert_eq!(pages, [2, 3, 4, 6]);
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
        assert!(read(&lines).is_none());
    }

    #[test]
    fn the_check_counts_entries_that_head_an_article() {
        let lines = paged(&[
            &[
                "CONTENTS",
                "• Markets ........ 1",
                "• Energy outlook ........ 2",
                "• Shipping rates ........ 3",
            ],
            &["Markets", "text"],
        ]);
        let toc = read(&lines);
        assert!(toc.is_none(), "one entry found is no list");
        let toc = Toc {
            entries: ["Markets", "Energy outlook", "Shipping rates"]
                .iter()
                .map(|t| Entry {
                    title: t.to_string(),
                    page: None,
                    level: Level::Item,
                    section: None,
                })
                .collect(),
            end: 0,
            found: Vec::new(),
            headed: true,
        };
        let c = check(&toc, &["Markets", "Shipping rates 2024"]);
        assert_eq!(c.found, 2);
        assert!(c.is_low());
        assert!(
            c.summary().contains("not found: \"Energy outlook\""),
            "{}",
            c.summary()
        );
        let all = check(&toc, &["Markets", "Energy outlook", "Shipping rates"]);
        assert_eq!(all.summary(), "contents: 3 entries, 3 found");
    }
}
