//! Re-joining lines into paragraphs.
//!
//! pdftotext breaks every paragraph at the page's line width. It keeps a
//! trailing space where the break fell between words and none where it fell
//! inside a Korean word, so the join rule reads that space; where it is
//! missing, a line that fills the column still continues, and a shorter line
//! ends its paragraph. Bullets, notes and captions always start a block.

use crate::document::display_width;
use crate::script::{is_cjk, is_hangul};

/// One input line as the joiner sees it.
#[derive(Debug, Clone, Copy)]
pub struct BodyLine<'a> {
    /// 1-based input line number.
    pub no: usize,
    /// The line as in the input (no newline), leading and trailing spaces kept.
    pub raw: &'a str,
    /// Whether a blank line came right before it in the input.
    pub after_blank: bool,
}

/// How to read line breaks.
#[derive(Debug, Clone, Copy)]
pub struct JoinStyle {
    /// Blank lines separate paragraphs (prose, Markdown) rather than every line (PDF text).
    pub blank_lines_separate: bool,
    /// Whether a missing trailing space means "broken inside a word": true for
    /// pdftotext output, which keeps the space at word breaks; false for
    /// hand-wrapped text, where Korean lines still end at word boundaries.
    pub trailing_space_marks_words: bool,
    /// Width of a full line in this text; a shorter line ends its paragraph.
    pub full_width: usize,
}

/// A paragraph under construction: its text and source lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Block {
    pub text: String,
    pub lines: Vec<usize>,
}

/// Markers that always open a new block: bullets, notes, captions, references.
const BLOCK_MARKERS: &[&str] = &[
    "∙", "•", "◦", "●", "○", "❍", "■", "□", "◆", "◇", "▶", "►", "➢", "※", "▘", "(참고", "( 참고",
    "- ", "– ", "* ", "ㅇ ", "・", "①", "②", "③", "④", "⑤", "⑥", "⑦", "⑧", "⑨", "⑩",
];

/// Characters after which a line always continues (the sentence is not over).
const CONTINUES_AFTER: &[char] = &['·', ',', '(', '‘', '“', '/', '&', '-', '「', '『', '['];

fn starts_block(trimmed: &str) -> bool {
    // A bullet from a symbol font reaches the text as a control or
    // private-use character (pdftotext writes `\u{7}` for some).
    let glyph = trimmed
        .chars()
        .next()
        .is_some_and(|c| c.is_control() || ('\u{E000}'..='\u{F8FF}').contains(&c));
    glyph
        || BLOCK_MARKERS.iter().any(|m| trimmed.starts_with(m))
        || trimmed == "-"
        || trimmed == "*"
        || is_numbered_item(trimmed)
}

/// A numbered list item: `1. `, `2) `, `(3) `.
fn is_numbered_item(trimmed: &str) -> bool {
    let rest = trimmed.strip_prefix('(').unwrap_or(trimmed);
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    if !(1..=2).contains(&digits) {
        return false;
    }
    let mut after = rest[digits..].chars();
    let closes = match after.next() {
        Some(')') => true,
        Some('.') => !trimmed.starts_with('('),
        _ => false,
    };
    closes && after.next().is_some_and(char::is_whitespace)
}

/// The width a "full" line has in `lines`: the 90th percentile of their widths.
pub fn full_width<'a>(lines: impl Iterator<Item = &'a str>) -> usize {
    let mut widths: Vec<usize> = lines
        .map(|l| display_width(l.trim()))
        .filter(|&w| w > 0)
        .collect();
    if widths.is_empty() {
        return 80;
    }
    widths.sort_unstable();
    widths[(widths.len() * 9 / 10).min(widths.len() - 1)]
}

/// Whether `next` starts a new paragraph after `prev` (both raw lines).
fn breaks_before(prev: &str, next: &BodyLine<'_>, style: JoinStyle) -> bool {
    let trimmed = next.raw.trim();
    if starts_block(trimmed) {
        return true;
    }
    let prev_trimmed = prev.trim_end();
    if prev_trimmed.ends_with('▗') {
        return true;
    }
    let prev_has_space = prev.len() != prev_trimmed.len();
    if trimmed.starts_with('▲') && !prev_has_space {
        return true;
    }
    if style.blank_lines_separate {
        return next.after_blank;
    }
    // A finished sentence, then a blank line: a paragraph ended there, even in
    // text where a blank line follows every line (one sentence per paragraph).
    if next.after_blank && !prev_has_space && ends_sentence(prev_trimmed) {
        return true;
    }
    if prev_has_space || prev_trimmed.ends_with(CONTINUES_AFTER) {
        return false;
    }
    // No trailing space: a full line was broken inside a word; a short one ended.
    display_width(prev_trimmed.trim_start()) * 10 < style.full_width * 8
}

/// Whether a line ends a sentence: `.`, `!`, `?`, `。`, `！`, `？`, possibly
/// followed by a closing quote or bracket.
fn ends_sentence(trimmed: &str) -> bool {
    let core = trimmed.trim_end_matches(['"', '\'', '”', '’', ')', '」', '』']);
    core.ends_with(['.', '!', '?', '。', '！', '？'])
}

/// Whether text ends a Korean report-style sentence (`발표함`, `있음`,
/// `보고됨`): the ending after at least one more syllable of the word.
fn ends_report_sentence(text: &str) -> bool {
    let mut rev = text.chars().rev();
    matches!(rev.next(), Some('함' | '음' | '됨')) && rev.next().is_some_and(is_hangul)
}

/// Append `line` to `text`, choosing the separator from the break's shape.
fn join_into(text: &mut String, line: &str, style: JoinStyle) {
    let next = line.trim();
    if text.is_empty() {
        text.push_str(next);
        return;
    }
    let had_space = text.ends_with(char::is_whitespace);
    let kept = text.trim_end().len();
    text.truncate(kept);
    let last = text.chars().next_back();
    let first = next.chars().next();
    let glue = match (last, first) {
        _ if had_space => " ",
        // A Latin full stop ends a sentence in Korean and English alike: the
        // next one is set apart by a space (`말했다. 초당`), never glued.
        (Some('.' | '!' | '?'), Some(b)) if !b.is_ascii_digit() => " ",
        // Korean report style ends sentences in `…함`, `…음`, `…됨` without a
        // full stop; a line ending so ended its sentence.
        _ if ends_report_sentence(text) => " ",
        // Korean separates words with spaces: without pdftotext's trailing
        // space to go by, a break between Hangul is a word break.
        (Some(a), Some(b)) if !style.trailing_space_marks_words && is_hangul(a) && is_hangul(b) => {
            " "
        }
        (Some(a), Some(b)) if is_cjk(a) || is_cjk(b) => "",
        (Some('·' | '/' | '-' | '(' | '‘' | '“' | '「'), _) => "",
        _ => " ",
    };
    text.push_str(glue);
    text.push_str(next);
}

/// Join `lines` into blocks (paragraphs, list items, captions).
pub fn join(lines: &[BodyLine<'_>], style: JoinStyle) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    // The raw previous line, with its trailing space: the join rule reads it.
    let mut prev_raw: Option<&str> = None;
    for line in lines {
        if line.raw.trim().is_empty() {
            continue;
        }
        let new_block = match prev_raw {
            None => true,
            Some(prev) => breaks_before(prev, line, style),
        };
        if new_block || blocks.is_empty() {
            blocks.push(Block::default());
        }
        if let Some(block) = blocks.last_mut() {
            // Keep the trailing space until the next line is joined.
            let mut text = std::mem::take(&mut block.text);
            join_into(&mut text, line.raw, style);
            if line.raw.ends_with(char::is_whitespace) {
                text.push(' ');
            }
            block.text = text;
            block.lines.push(line.no);
        }
        prev_raw = Some(line.raw);
    }
    for block in &mut blocks {
        let kept = block.text.trim_end().len();
        block.text.truncate(kept);
        // Grown by appending: without this, up to twice its length is held
        // for as long as the issue is.
        block.text.shrink_to_fit();
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(raw: &[&'static str]) -> Vec<BodyLine<'static>> {
        raw.iter()
            .enumerate()
            .map(|(i, r)| BodyLine {
                no: i + 1,
                raw: r,
                after_blank: true,
            })
            .collect()
    }

    const PDF: JoinStyle = JoinStyle {
        blank_lines_separate: false,
        trailing_space_marks_words: true,
        full_width: 80,
    };

    #[test]
    fn hand_wrapped_korean_keeps_word_spaces() {
        let style = JoinStyle {
            blank_lines_separate: true,
            trailing_space_marks_words: false,
            full_width: 80,
        };
        let mut l = lines(&["수출이 크게", "늘었다고 밝혔다."]);
        l[1].after_blank = false;
        let b = join(&l, style);
        assert_eq!(b[0].text, "수출이 크게 늘었다고 밝혔다.");
        // pdftotext output: no trailing space means the break fell inside a word.
        let b = join(
            &lines(&[
                "MURC는 연구개발 과제 대응 방안으로 데이터 수집 및 축적 데이터 활용 연구",
                "개발",
            ]),
            PDF,
        );
        assert!(b[0].text.ends_with("연구개발"));
    }

    #[test]
    fn trailing_space_joins_with_a_space() {
        let b = join(
            &lines(&[
                "- 제조업계는 대량 생산에서 고객 맞춤화로의 ",
                "사업구조 변혁",
            ]),
            PDF,
        );
        assert_eq!(b.len(), 1);
        assert_eq!(
            b[0].text,
            "- 제조업계는 대량 생산에서 고객 맞춤화로의 사업구조 변혁"
        );
        assert_eq!(b[0].lines, vec![1, 2]);
    }

    #[test]
    fn full_line_broken_inside_a_word_joins_without_space() {
        let b = join(
            &lines(&[
                "MURC는 연구개발 과제 대응 방안으로 데이터 수집 및 축적 데이터 활용 연구",
                "개발 지원 툴 이용",
            ]),
            PDF,
        );
        assert_eq!(b.len(), 1);
        assert!(b[0].text.contains("활용 연구개발 지원"));
    }

    #[test]
    fn short_line_ends_paragraph_and_bullets_start_blocks() {
        let b = join(
            &lines(&[
                "ASPI는 고숙련 인력을 성장시키고 유지할 수 있는 역량 확보가 호주의 근본적인 ",
                "과제라고 진단",
                "다음 문단",
                "∙ 항목",
                "※ 주석",
                "▘표 제목▗",
                "구분 주요 내용",
            ]),
            PDF,
        );
        let texts: Vec<&str> = b.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "ASPI는 고숙련 인력을 성장시키고 유지할 수 있는 역량 확보가 호주의 근본적인 과제라고 진단",
                "다음 문단",
                "∙ 항목",
                "※ 주석",
                "▘표 제목▗",
                "구분 주요 내용"
            ]
        );
    }

    #[test]
    fn prose_uses_blank_lines() {
        let mut l = lines(&["First line of", "a paragraph.", "Second."]);
        l[1].after_blank = false;
        let b = join(
            &l,
            JoinStyle {
                blank_lines_separate: true,
                trailing_space_marks_words: false,
                full_width: 80,
            },
        );
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].text, "First line of a paragraph.");
    }

    #[test]
    fn one_sentence_paragraphs_are_neither_merged_nor_glued() {
        // Every line is a whole sentence with a blank line after it, as in
        // text exported one paragraph per line; widths vary like real text.
        let l = lines(&[
            "정부는 반도체 수출이 지난달 크게 늘었다고 이날 말했다.",
            "초당 12조 번의 연산을 하는 칩이 양산에 들어갔다.",
            "업계는 내년에도 이 흐름이 이어질 것으로 본다!",
            "It is the third quarter in a row.",
        ]);
        let b = join(&l, PDF);
        assert_eq!(b.len(), l.len(), "{b:?}");
        for (block, line) in b.iter().zip(&l) {
            assert_eq!(block.text, line.raw);
        }
    }

    #[test]
    fn a_sentence_end_joined_inside_a_paragraph_keeps_its_space() {
        // No blank line and a full-width line: the two lines are one
        // paragraph, and the full stop is still followed by a space.
        let mut l = lines(&[
            "MURC는 연구개발 과제 대응 방안으로 데이터 수집 및 축적 활용을 말했다.",
            "초당 12조 번의 연산을 하는 칩",
        ]);
        l[1].after_blank = false;
        let b = join(&l, PDF);
        assert_eq!(b.len(), 1);
        assert!(b[0].text.contains("말했다. 초당"), "{}", b[0].text);
    }

    #[test]
    fn korean_report_endings_and_symbol_bullets_do_not_glue() {
        // pdftotext: no trailing space, full-width lines, a symbol-font
        // bullet (`\u{7}`) opening the next item.
        let b = join(
            &lines(&[
                "영국 정부는 AI 도입 및 활용 관련 계획으로서 국가 AI 전략을 수립함",
                "영국 정부는 2018년 4월 공공부문 AI 도입을 촉진하기 위한 계획을 발표함",
                "\u{7}법무부는 새 지침을 공개하였음",
            ]),
            PDF,
        );
        let texts: Vec<&str> = b.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(texts.len(), 2, "{texts:?}");
        assert!(texts[0].contains("수립함 영국"), "{}", texts[0]);
        assert!(texts[1].starts_with('\u{7}'));
        // A word broken at the line end still joins without a space.
        let b = join(
            &lines(&[
                "MURC는 연구개발 과제 대응 방안으로 데이터 수집 및 축적 데이터 활용 연구",
                "개발",
            ]),
            PDF,
        );
        assert!(b[0].text.ends_with("활용 연구개발"));
    }
}
