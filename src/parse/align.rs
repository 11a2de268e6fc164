//! Where a contents list's entries stand in the body: titles reduced to
//! keys, candidate lines scored, and the best order-keeping chain of
//! candidates (one monotonic alignment for every layout); the lines a model
//! may choose from and the check of its answer; and the contents check
//! against the articles found.

use std::collections::HashMap;

use super::Line;
use super::contents::{BULLET, LEADER, Toc};
use super::numbering::{Scheme, is_heading_text, parse_number};
use crate::document::{ContentsCheck, ContentsEntry, display_width};

/// An article start found through the contents.
#[derive(Debug, Clone)]
pub(crate) struct Start {
    /// Index of the heading's first line in the slice given to [`find`].
    pub index: usize,
    /// How many lines the heading takes.
    pub len: usize,
    /// The heading as the body prints it.
    pub title: String,
    /// The category the contents list puts it under.
    pub section: Option<String>,
}

/// A title reduced to its letters and digits, number, case and width
/// dropped, for matching a contents entry against the body's heading.
pub(crate) fn title_key(text: &str) -> String {
    let t = BULLET.replace(text.trim(), "");
    match parse_number(&t) {
        Some(n) if n.scheme != Scheme::NumberLine => fold(&n.rest),
        _ => fold(&t),
    }
}

/// [`title_key`] with the number kept: `3.50ETF` reads as section 3.50 to
/// the number reader, as `3. 50ETF` to its contents entry.
pub(super) fn numbered_key(text: &str) -> String {
    fold(&BULLET.replace(text.trim(), ""))
}

/// Letters and digits only, lower case, full-width forms as ASCII.
fn fold(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// How well a body line (or two) carries the entry's title: 3 for the whole
/// title, 2 for a long enough common beginning (contents pages shorten long
/// titles; headings run on), 0 for none.
fn quality(entry: &str, line: &str) -> u32 {
    if entry.is_empty() || line.is_empty() {
        return 0;
    }
    if entry == line {
        return 3;
    }
    let (short, long) = if entry.len() < line.len() {
        (entry, line)
    } else {
        (line, entry)
    };
    let (ns, nl) = (short.chars().count(), long.chars().count());
    if long.starts_with(short) && ns >= 6 && ns * 10 >= nl * 7 {
        2
    } else {
        0
    }
}

/// Whether an entry's key matches a heading's (whole or shortened).
pub(crate) fn matches(entry: &str, heading: &str) -> bool {
    quality(entry, heading) > 0
}

/// A candidate place for an entry: line index, lines taken, score.
#[derive(Debug, Clone, Copy)]
pub(super) struct Cand {
    index: usize,
    len: usize,
    score: i32,
}

/// A title looked for: its keys without and with its number, and its printed page.
#[derive(Debug, Clone)]
pub(super) struct Wanted {
    pub(super) key: String,
    numbered: String,
    page: Option<u32>,
}

impl Wanted {
    pub(super) fn new(title: &str, page: Option<u32>) -> Self {
        Self {
            key: title_key(title),
            numbered: numbered_key(title),
            page,
        }
    }
}

/// The lines' keys (without and with numbers), and the lines by the first
/// letter of either key.
struct Keyed {
    keys: Vec<String>,
    numbered: Vec<String>,
    by_first: HashMap<char, Vec<usize>>,
}

impl Keyed {
    fn new(lines: &[Line<'_>]) -> Self {
        let keys: Vec<String> = lines.iter().map(|l| title_key(l.text())).collect();
        let numbered: Vec<String> = lines.iter().map(|l| numbered_key(l.text())).collect();
        let mut by_first: HashMap<char, Vec<usize>> = HashMap::new();
        for (i, (k, n)) in keys.iter().zip(&numbered).enumerate() {
            for c in [k.chars().next(), n.chars().next()].into_iter().flatten() {
                let at = by_first.entry(c).or_default();
                if at.last() != Some(&i) {
                    at.push(i);
                }
            }
        }
        Self {
            keys,
            numbered,
            by_first,
        }
    }

    /// How well line `i` (and the next, for a title wrapped over two lines)
    /// carries `want`: (score, lines taken).
    fn score(&self, want: &Wanted, i: usize) -> Option<(u32, usize)> {
        let pairs = [(&want.key, &self.keys), (&want.numbered, &self.numbered)];
        let one = pairs.iter().map(|(w, k)| quality(w, &k[i])).max()?;
        if one > 0 {
            return Some((one, 1));
        }
        pairs
            .iter()
            .filter_map(|(w, k)| {
                let next = k.get(i + 1)?;
                (k[i].chars().count() >= 2 && w.starts_with(k[i].as_str()))
                    .then(|| quality(w, &format!("{}{next}", k[i])))
            })
            .max()
            .filter(|&q| q > 0)
            .map(|q| (q, 2))
    }
}

/// The places in `lines[from..]` that carry `want`. A contents entry
/// itself is not where its article starts.
fn candidates(lines: &[Line<'_>], keyed: &Keyed, want: &Wanted, from: usize) -> Vec<Cand> {
    let mut at: Vec<usize> = [want.key.chars().next(), want.numbered.chars().next()]
        .into_iter()
        .flatten()
        .filter_map(|c| keyed.by_first.get(&c))
        .flatten()
        .copied()
        .filter(|&i| i >= from)
        .collect();
    at.sort_unstable();
    at.dedup();
    at.into_iter()
        .filter(|&i| {
            let t = lines[i].text();
            display_width(t) <= 100 && !LEADER.is_match(t)
        })
        .filter_map(|i| {
            keyed.score(want, i).map(|(q, len)| Cand {
                index: i,
                len,
                score: q as i32,
            })
        })
        .collect()
}

/// The best order-keeping choice of one candidate (or none) per entry: the
/// highest total score, each entry's place after the one before it.
fn best_chain(cands: &[Vec<Cand>]) -> Vec<Option<Cand>> {
    // (entry, candidate, total, back-pointer into `nodes`).
    let mut nodes: Vec<(usize, Cand, i32, Option<usize>)> = Vec::new();
    for (e, cs) in cands.iter().enumerate() {
        let before = nodes.len();
        for c in cs {
            let prev = (0..before)
                .filter(|&n| nodes[n].1.index + nodes[n].1.len <= c.index)
                .max_by_key(|&n| (nodes[n].2, std::cmp::Reverse(nodes[n].1.index)));
            let total = c.score + prev.map_or(0, |n| nodes[n].2);
            nodes.push((e, *c, total, prev));
        }
    }
    let mut out = vec![None; cands.len()];
    let mut at =
        (0..nodes.len()).max_by_key(|&n| (nodes[n].2, std::cmp::Reverse(nodes[n].1.index)));
    while let Some(n) = at {
        out[nodes[n].0] = Some(nodes[n].1);
        at = nodes[n].3;
    }
    out
}

/// Match the entries `keys` (with their printed pages) to lines after
/// `from`, in order. A first pass finds what the titles alone say; when it
/// fixes the offset between printed pages and the input's pages (three
/// entries or more agreeing), a second pass prefers places on the page the
/// list gives.
pub(super) fn align(lines: &[Line<'_>], entries: &[Wanted], from: usize) -> Vec<Option<Cand>> {
    let keyed = Keyed::new(lines);
    let mut cands: Vec<Vec<Cand>> = entries
        .iter()
        .map(|w| candidates(lines, &keyed, w, from))
        .collect();
    let first = best_chain(&cands);
    let mut offsets: HashMap<i64, usize> = HashMap::new();
    for (c, w) in first.iter().zip(entries) {
        if let (Some(c), Some(p)) = (c, w.page) {
            *offsets
                .entry(i64::from(lines[c.index].page) - i64::from(p))
                .or_default() += 1;
        }
    }
    let found = first.iter().flatten().count();
    let Some((&offset, &n)) = offsets.iter().max_by_key(|&(d, n)| (*n, -d.abs())) else {
        return first;
    };
    if n < 3 || n * 2 < found {
        return first;
    }
    for (cs, w) in cands.iter_mut().zip(entries) {
        let Some(p) = w.page else { continue };
        for c in cs {
            let off = (i64::from(lines[c.index].page) - i64::from(p) - offset).abs();
            c.score += match off {
                0 => 2,
                1 => 1,
                2 => 0,
                _ => -2,
            };
        }
    }
    best_chain(&cands)
}

/// Where each title as printed (a PDF outline's, say) heads a line after
/// line `from`: the one place that carries it best, or `None` when several
/// do equally well (a sub-section's title that every chapter repeats).
pub(crate) fn locate_titles(
    lines: &[Line<'_>],
    titles: &[&str],
    from: usize,
) -> Vec<Option<Start>> {
    let keyed = Keyed::new(lines);
    titles
        .iter()
        .map(|t| {
            let cands = candidates(lines, &keyed, &Wanted::new(t, None), from);
            let top = cands.iter().map(|c| c.score).max()?;
            let mut best = cands.iter().filter(|c| c.score == top);
            match (best.next(), best.next()) {
                (Some(c), None) => Some(start_at(lines, c, None)),
                _ => None,
            }
        })
        .collect()
}

/// The start of an article at candidate `c`.
pub(super) fn start_at(lines: &[Line<'_>], c: &Cand, section: Option<String>) -> Start {
    Start {
        index: c.index,
        len: c.len,
        title: lines[c.index..c.index + c.len]
            .iter()
            .map(|l| l.text())
            .collect::<Vec<_>>()
            .join(" "),
        section,
    }
}

/// Most candidate heading lines shown to a model (a few thousand tokens).
const MAX_CANDIDATES: usize = 80;

/// Lines after the list that could head an article, as indices: short,
/// heading-like, no leader. When there are too many, those that open a page
/// or follow a blank line are kept first.
pub(crate) fn candidate_lines(lines: &[Line<'_>], toc: &Toc) -> Vec<usize> {
    let all: Vec<usize> = (toc.end..lines.len())
        .filter(|&i| {
            let t = lines[i].text();
            display_width(t) <= 80 && is_heading_text(t) && !LEADER.is_match(t)
        })
        .collect();
    if all.len() <= MAX_CANDIDATES {
        return all;
    }
    let opens = |i: usize| i == 0 || lines[i - 1].page != lines[i].page || lines[i].after_blank;
    let mut kept: Vec<usize> = all.iter().copied().filter(|&i| opens(i)).collect();
    kept.truncate(MAX_CANDIDATES);
    kept
}

/// `toc` with the items placed where `starts` says (line numbers, one per
/// item, from a model's answer). The answer is checked: every line one of
/// [`candidate_lines`], in order, each article keeping at least one line
/// of its own, at least two placed. `Err` says what was wrong.
///
/// With `keep_rules`, an entry the rules placed keeps its place whatever
/// the answer says, and the answer only places the others (each between
/// its neighbours' places): a small model places plausible but wrong
/// lines, and the rules' places are checked against the text.
pub(crate) fn with_starts(
    lines: &[Line<'_>],
    toc: &Toc,
    starts: &[Option<usize>],
    keep_rules: bool,
) -> Result<Toc, String> {
    let items = toc.items().count();
    if starts.len() != items {
        return Err(format!("{} places for {items} entries", starts.len()));
    }
    let candidates = candidate_lines(lines, toc);
    let mut placed: Vec<Option<Start>> = Vec::with_capacity(items);
    let mut last: Option<usize> = None;
    let rules = |k: usize| toc.found.get(k).cloned().flatten().filter(|_| keep_rules);
    for (k, (e, no)) in toc.items().zip(starts).enumerate() {
        if let Some(start) = rules(k) {
            last = Some(start.index);
            placed.push(Some(start));
            continue;
        }
        let Some(no) = no else {
            placed.push(None);
            continue;
        };
        let shown = candidates.iter().find(|&&i| lines[i].no == *no);
        let next_rule = (k + 1..items).find_map(rules).map(|s| s.index);
        let fits = |i: usize| last.is_none_or(|l| i > l + 1) && next_rule.is_none_or(|n| n > i + 1);
        let i = match shown {
            Some(&i) if fits(i) => i,
            None => return Err(format!("line {no} is not one of the lines shown")),
            Some(_) => {
                return Err(format!(
                    "line {no} does not come after the previous entry's, with text between"
                ));
            }
        };
        last = Some(i);
        let c = Cand {
            index: i,
            len: 1,
            score: 0,
        };
        placed.push(Some(start_at(lines, &c, e.section.clone())));
    }
    if placed.iter().flatten().count() < 2 {
        return Err("fewer than two entries placed".into());
    }
    Ok(Toc {
        found: placed,
        ..toc.clone()
    })
}

/// The contents check: which items of the list head an article, judged by
/// the articles' titles (`titles`, in order), whatever rule found them (a
/// title that matches the entry, or the heading the list placed it at).
pub(crate) fn check(toc: &Toc, titles: &[&str]) -> ContentsCheck {
    let heads: Vec<Wanted> = titles.iter().map(|t| Wanted::new(t, None)).collect();
    let entries: Vec<ContentsEntry> = toc
        .items()
        .zip(toc.found.iter().chain(std::iter::repeat(&None)))
        .map(|(e, placed)| {
            let w = Wanted::new(&e.title, e.page);
            let heads_one = placed
                .as_ref()
                .is_some_and(|s| titles.contains(&s.title.as_str()));
            ContentsEntry {
                title: e.title.clone(),
                page: e.page,
                section: e.section.clone(),
                found: heads_one
                    || heads
                        .iter()
                        .any(|h| matches(&w.key, &h.key) || matches(&w.numbered, &h.numbered)),
            }
        })
        .collect();
    ContentsCheck {
        found: entries.iter().filter(|e| e.found).count(),
        entries,
    }
}
