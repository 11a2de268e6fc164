//! PDF artifacts: page markers and running headers. They are removed from the
//! text and reported with a reason, never silently lost.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::document::display_width;

/// Why a line was dropped.
pub const PAGE_MARKER: &str = "page marker";
/// Why a line was dropped.
pub const RUNNING_HEADER: &str = "running header";
/// Why a line was dropped.
pub const SYMBOL_BULLET: &str = "bullet of a symbol font read as a letter (Wingdings ■ as n)";

/// The letters a symbol font's bullets come out as in extracted text
/// (Wingdings: `n` ■, `q` ❑, `u` ◆, `v` ❖, `ü` ✓, `Ø` ➢, `§` ▪). Alone on
/// a line of a Korean text they are no text: left in, `n` was glued to the
/// heading before it ("…활용 추진n").
const SYMBOL_BULLETS: [&str; 7] = ["n", "q", "u", "v", "ü", "Ø", "§"];

static PAGE_MARKER_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^(
            ❚\s*([0-9]{1,4}|[ivxlcdm]{1,6}) | ([0-9]{1,4}|[ivxlcdm]{1,6})\s*❚ |
            [-–—]\s*[0-9]{1,4}\s*[-–—] |
            [0-9]{1,4}\s*/\s*[0-9]{1,4} |
            (page|p\.)\s*[0-9]{1,4}(\s*(of|/)\s*[0-9]{1,4})?
        )$",
    )
    .expect("static regex")
});

/// Whether a trimmed line is a page marker such as `❚ 2`, `3 ❚`, `i ❚`, `- 4 -`, `3 / 20`.
pub fn is_page_marker(trimmed: &str) -> bool {
    PAGE_MARKER_RE.is_match(trimmed)
}

/// Find page markers and running headers among `lines` (`(number, raw)` of
/// the non-blank lines). Returns the line numbers to drop, with reasons.
pub fn find(lines: &[(usize, &str)], keep: impl Fn(&str) -> bool) -> HashMap<usize, &'static str> {
    let mut dropped = HashMap::new();
    let markers: Vec<usize> = (0..lines.len())
        .filter(|&i| is_page_marker(lines[i].1.trim()))
        .collect();
    for &i in &markers {
        dropped.insert(lines[i].0, PAGE_MARKER);
    }
    // Only in Korean text: a lone letter of a Chinese or English document
    // may be a formula's variable.
    let hangul = lines
        .iter()
        .filter(|(_, raw)| raw.chars().any(crate::script::is_hangul))
        .count();
    if hangul * 2 > lines.len() {
        for (no, raw) in lines {
            if SYMBOL_BULLETS.contains(&raw.trim()) {
                dropped.insert(*no, SYMBOL_BULLET);
            }
        }
    }
    // How often each short line stands next to a page marker.
    let mut beside_marker: HashMap<&str, usize> = HashMap::new();
    for &i in &markers {
        for j in [i.wrapping_sub(1), i + 1] {
            if let Some((_, raw)) = lines.get(j) {
                let t = raw.trim();
                if is_header_like(t) && !is_page_marker(t) {
                    *beside_marker.entry(t).or_default() += 1;
                }
            }
        }
    }
    for &i in &markers {
        let Some(before) = i.checked_sub(1).and_then(|j| lines.get(j)) else {
            continue;
        };
        let (no, raw) = *before;
        let t = raw.trim();
        if !is_header_like(t) || is_page_marker(t) || keep(t) {
            continue;
        }
        let after_same = lines.get(i + 1).is_some_and(|(_, r)| r.trim() == t);
        // A page's first line (pdftotext's form feed left an indent) printed
        // above the page number, a repeat of the heading below the number, or
        // a line repeated next to page numbers throughout: all headers.
        let page_start = raw.starts_with(char::is_whitespace);
        if page_start || after_same || beside_marker.get(t).copied().unwrap_or(0) >= 3 {
            dropped.insert(no, RUNNING_HEADER);
        }
    }
    // Headers repeated on many pages may also stand after the page number;
    // one that opens a page (pdftotext's form feed left an indent: the number
    // above is the previous page's footer) needs only to repeat once.
    for &i in &markers {
        if let Some((no, raw)) = lines.get(i + 1) {
            let t = raw.trim();
            let needed = if raw.starts_with(char::is_whitespace) {
                2
            } else {
                3
            };
            let count = beside_marker.get(t).copied().unwrap_or(0);
            if is_header_like(t) && !keep(t) && count >= needed {
                dropped.insert(*no, RUNNING_HEADER);
            }
        }
    }
    dropped
}

fn is_header_like(trimmed: &str) -> bool {
    !trimmed.is_empty() && display_width(trimmed) <= 40 && !trimmed.ends_with(['.', '。', ':'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbol_font_bullets_alone_in_korean_text_are_dropped() {
        let korean = [
            (1, "바이든 대통령, AI 행정명령 통해 안전한 AI 개발 추진"),
            (2, "n"),
            (3, "미국 바이든 대통령이 행정명령에 서명"),
            (4, " q "),
            (5, "행정명령은 AI의 안전과 보안 기준을 마련"),
        ];
        let dropped = find(&korean, |_| false);
        assert_eq!(dropped.get(&2), Some(&SYMBOL_BULLET));
        assert_eq!(dropped.get(&4), Some(&SYMBOL_BULLET));
        assert_eq!(dropped.len(), 2, "{dropped:?}");
        // In a Chinese or English text a lone letter may be a variable.
        let other = [(1, "其中 F 为因子"), (2, "n"), (3, "样本数量"), (4, "n")];
        assert!(find(&other, |_| false).is_empty());
    }

    #[test]
    fn markers() {
        for m in [
            "❚ 2",
            "3 ❚",
            "i ❚",
            "❚ ii",
            "- 4 -",
            "Page 3 of 10",
            "3 / 20",
            "12/48",
        ] {
            assert!(is_page_marker(m), "{m}");
        }
        for m in ["2023", "❚ 제목", "3 apples", "(11.15)", "3/4 cup"] {
            assert!(!is_page_marker(m), "{m}");
        }
    }

    #[test]
    fn header_before_marker_is_dropped_heading_after_is_kept() {
        let lines = vec![
            (1, "본문 끝"),
            (3, " 이슈포커스"),
            (5, "1 ❚"),
            (7, "이슈포커스"),
            (9, "실정"),
            (11, "❚ 2"),
            (13, "다음"),
        ];
        let d = find(&lines, |_| false);
        assert_eq!(d.get(&3), Some(&RUNNING_HEADER));
        assert_eq!(d.get(&5), Some(&PAGE_MARKER));
        assert_eq!(d.get(&11), Some(&PAGE_MARKER));
        assert!(!d.contains_key(&7));
        assert!(
            !d.contains_key(&9),
            "a paragraph's last word before a page number stays"
        );
    }
}
