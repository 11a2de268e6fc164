//! Which entries of a contents list head articles: the list's marks
//! ranked from the outside in, and the outermost kind whose entries,
//! placed in the body, cut the issue into a plausible sequence (see
//! [`super::layout::plausible`]); an unmarked list keeps its outer
//! indentation or its longest leaders.

use super::Line;
use super::align::{Cand, Start, Wanted, align, start_at};
use super::contents::{BULLET, Entry, LEADER, Level, Marker, Raw};
use super::layout::plausible;
use super::numbering::{Scheme, parse_number};
use super::sections::is_back_matter_heading;
use crate::document::display_width;

/// The list's marker kinds from the outside in: numbering schemes and
/// bullets in the order they first appear (sub-section numbers such as
/// `2.1` never mark articles).
fn marker_depths(raws: &[Raw]) -> Vec<Marker> {
    let mut depths: Vec<Marker> = Vec::new();
    for r in raws {
        if !matches!(r.marker, Marker::Plain | Marker::Number(Scheme::Dotted))
            && !depths.contains(&r.marker)
        {
            depths.push(r.marker);
        }
    }
    depths
}

/// Give each entry its level, the items being the entries marked as the
/// `depth`-th marker kind from the outside ([`marker_depths`]): entries of
/// outer kinds are categories, and so are unmarked lines over bulleted
/// items; unmarked entries with a page before the first item are items (a
/// summary); anything else is no article. An unmarked list keeps its outer
/// indentation.
fn levels(raws: Vec<Raw>, lines: &[Line<'_>], depth: usize) -> Vec<Entry> {
    let depths = marker_depths(&raws);
    let item = depths.get(depth).copied();
    let outer_kinds = &depths[..depth.min(depths.len())];
    let first_item = raws
        .iter()
        .position(|r| Some(r.marker) == item)
        .unwrap_or(0);
    // References, ratings and disclaimers listed after the chapters are
    // no articles.
    let back = raws
        .iter()
        .position(|r| is_back_matter_heading(&strip_number(&r.title)))
        .unwrap_or(raws.len());
    let outer = if item.is_none() {
        outer_indent(&raws[..back], lines)
    } else {
        None
    };
    let mut section: Option<String> = None;
    raws.into_iter()
        .enumerate()
        .map(|(k, r)| {
            let level = if k >= back {
                Level::Other
            } else if let Some(m) = item {
                if r.marker == m {
                    Level::Item
                } else if outer_kinds.contains(&r.marker)
                    || (r.marker == Marker::Plain && m == Marker::Bullet)
                {
                    Level::Category
                } else if r.marker == Marker::Plain && k < first_item && r.paged {
                    Level::Item
                } else {
                    Level::Other
                }
            } else if outer.as_ref().is_none_or(|o| o.get(k) == Some(&true)) {
                Level::Item
            } else {
                Level::Other
            };
            if level == Level::Category {
                section = Some(strip_number(&r.title));
            }
            Entry {
                title: r.title,
                page: r.page,
                level,
                section: section.clone().filter(|_| level == Level::Item),
            }
        })
        .collect()
}

/// The entries of a list with their levels, and where its items stand in
/// the body (from the line `end` on): the items are the outermost kind of
/// entry whose places cut the issue into a plausible sequence of articles
/// (a part or category heading over most of the issue does not), else the
/// kind of which most entries are found (the outermost of equals).
pub(super) fn placed_level(
    lines: &[Line<'_>],
    raws: Vec<Raw>,
    end: usize,
) -> (Vec<Entry>, Vec<Option<Cand>>) {
    let mut most: Option<(usize, Vec<Entry>, Vec<Option<Cand>>)> = None;
    for depth in 0..marker_depths(&raws).len().max(1) {
        let entries = levels(raws.clone(), lines, depth);
        let items: Vec<&Entry> = entries.iter().filter(|e| e.level == Level::Item).collect();
        let wanted: Vec<Wanted> = items
            .iter()
            .map(|e| Wanted::new(&e.title, e.page))
            .collect();
        let placed = align(lines, &wanted, end);
        // Measured after the list: the list itself is no front matter.
        let starts: Vec<Start> = placed
            .iter()
            .flatten()
            .map(|c| {
                let mut s = start_at(lines, c, None);
                s.index -= end.min(s.index);
                s
            })
            .collect();
        if plausible(&lines[end.min(lines.len())..], &starts) {
            return (entries, placed);
        }
        if most.as_ref().is_none_or(|(n, _, _)| starts.len() > *n) {
            most = Some((starts.len(), entries, placed));
        }
    }
    most.map(|(_, e, p)| (e, p)).unwrap_or_default()
}

/// A title without its number or list marker.
pub(super) fn strip_number(title: &str) -> String {
    let t = BULLET.replace(title.trim(), "");
    match parse_number(&t) {
        Some(n) if n.scheme != Scheme::NumberLine => n.rest,
        _ => t.into_owned(),
    }
}

/// For an unnumbered list, which entries are the outer level: those set
/// furthest left (PDF), else, in a long list, those whose leaders are
/// longer than their width explains (see [`longest_leaders`]). `None`
/// keeps them all.
fn outer_indent(raws: &[Raw], lines: &[Line<'_>]) -> Option<Vec<bool>> {
    let xs: Vec<f32> = raws.iter().filter_map(|r| r.x).collect();
    if xs.len() == raws.len() && raws.len() > 2 {
        let left = xs.iter().copied().fold(f32::MAX, f32::min);
        let outer: Vec<bool> = xs.iter().map(|&x| x - left < 4.0).collect();
        let n = outer.iter().filter(|&&o| o).count();
        if n >= 2 && n < raws.len() {
            return Some(outer);
        }
        return None;
    }
    if raws.len() <= 12 {
        return None;
    }
    let texts: Vec<&str> = raws.iter().map(|r| lines[r.index].text()).collect();
    longest_leaders(&texts)
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
            let title = c.name("title")?.as_str();
            if parse_number(title).is_some() {
                return None;
            }
            let whole = c.get(0)?.as_str();
            let leader = whole[title.len()..]
                .chars()
                .filter(|ch| !ch.is_whitespace() && !ch.is_ascii_digit())
                .count();
            Some((display_width(title) as f64, leader as f64))
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
