//! The one escaping layer of the Markdown outputs.
//!
//! Everything interpolated into `digest.md` and `brief.md` is untrusted: the
//! source's titles and text, the config's names, and every model answer. Two
//! ways in, nothing else:
//! - [`text`] / [`line`]: plain text shown literally, in any inline context
//!   (heading, table cell, quote line, list item, link text), `line` where it
//!   starts a line. It stays on one line and cannot open a block, a table
//!   cell, a link, an emphasis or raw HTML.
//! - [`model_inline`] / [`model_blocks`]: model-written Markdown, parsed with
//!   pulldown-cmark and written back as a safe subset (the same rules as the
//!   HTML output): emphasis, code, lists, tables and headings kept; raw HTML
//!   shown as text; images reduced to their alt text; links kept only for
//!   http(s), written as `text (URL)` so the destination is visible and
//!   nothing is live that the reader did not see.
//!
//! The writer emits no link reference definitions and escapes a `[` that
//! starts a line, so no `[x]` in the output can resolve to a link; and a `]`
//! before `(` is escaped, so no inline link can form either.

use pulldown_cmark::{Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};

/// `text` escaped to render literally inside a line of Markdown, after
/// something else on that line (a heading's `### `, a label, a cell's `| `).
pub fn text(text: &str) -> String {
    escaped(text, false)
}

/// `text` escaped to render literally at the start of a line, where `-`,
/// `>`, `1.` or `[x]:` would otherwise open a block.
pub fn line(text: &str) -> String {
    escaped(text, true)
}

fn escaped(text: &str, line_start: bool) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    push_text(&mut out, text.trim(), line_start);
    out.trim_end().to_string()
}

/// `text` as an inline code span, or escaped text when it holds a backtick
/// (a longer fence could open a code block at a line start) or a `|` (which
/// ends a table cell even inside a span).
pub fn code(text: &str) -> String {
    let flat = one_line(text);
    let flat = flat.trim();
    if flat.is_empty() || flat.contains(['`', '|']) {
        return self::text(flat);
    }
    format!("`{flat}`")
}

/// Model Markdown reduced to the safe subset, on one line: for a
/// translation, a summary or a list item.
pub fn model_inline(markdown: &str) -> String {
    let mut w = Writer::new(0, false);
    w.run(markdown);
    w.finish().trim().to_string()
}

/// Model Markdown (the brief) reduced to the safe subset, block structure
/// kept. Headings move down `shift` levels and never above level `2 + shift`:
/// the page around it owns the levels above.
pub fn model_blocks(markdown: &str, shift: u8) -> String {
    let mut w = Writer::new(shift, true);
    w.run(markdown);
    w.finish()
}

/// Line breaks and other control characters as spaces: a field never ends
/// its line.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// Append `text` escaped. `line_start`: the text begins a line's content,
/// where `-`, `+`, `=`, `>`, `1.` and `[` would start structure.
fn push_text(out: &mut String, text: &str, line_start: bool) {
    let text = one_line(text);
    let chars: Vec<char> = text.chars().collect();
    let mut at_start = line_start;
    // Only digits so far on a line start: a `.` or `)` now makes a list item.
    let mut digits = if line_start { Some(0) } else { None };
    for (i, &c) in chars.iter().enumerate() {
        if at_start && c == ' ' {
            // Indentation at a line start could make a code block.
            continue;
        }
        let escape = match c {
            // Always meaningful (emphasis, code, cells, escapes, headings'
            // closing `#`s, strikethrough).
            '\\' | '`' | '*' | '_' | '|' | '~' | '#' => true,
            // Raw HTML and autolinks: written as an entity, shown as `<`.
            '<' => {
                out.push_str("&lt;");
                at_start = false;
                digits = None;
                continue;
            }
            // An entity (`&lt;`, `&#60;`) would be decoded.
            '&' => is_entity(&chars[i + 1..]),
            // An inline link `[a](b)` or image `![a](b)`.
            ']' => chars.get(i + 1) == Some(&'('),
            '[' | '-' | '+' | '=' | '>' => at_start,
            '.' | ')' => digits.is_some_and(|n| n > 0),
            _ => false,
        };
        digits = digits.filter(|_| c.is_ascii_digit()).map(|n| n + 1);
        if escape {
            out.push('\\');
        }
        out.push(c);
        at_start = false;
    }
}

/// Whether `rest` (after a `&`) is an entity's body: `#`, alphanumerics, `;`.
fn is_entity(rest: &[char]) -> bool {
    let body = rest
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == '#')
        .count();
    body > 0 && rest.get(body) == Some(&';')
}

/// A list being written: `Some(n)` for an ordered list at item `n`.
struct List {
    next: Option<u64>,
    indent: usize,
}

/// Writes pulldown-cmark events back as safe Markdown.
struct Writer {
    out: String,
    /// The block being written (a paragraph, heading or list item), on one line.
    line: String,
    /// Whether the line (or the cell) has content after its prefix.
    line_has_text: bool,
    /// Source text not yet escaped: adjacent text events are escaped
    /// together, so `1` + `. x` or `]` + `(` are seen whole.
    pending: String,
    blocks: bool,
    shift: u8,
    lists: Vec<List>,
    quote_depth: usize,
    /// Open links: their destination when it is http(s) and not already the
    /// text (an autolink), shown after the text.
    links: Vec<Option<String>>,
    table: Option<Table>,
    /// An emphasis marker was just opened: leading spaces would unbind it.
    after_open: bool,
}

#[derive(Default)]
struct Table {
    rows: Vec<Vec<String>>,
    columns: usize,
}

impl Writer {
    fn new(shift: u8, blocks: bool) -> Self {
        Self {
            out: String::new(),
            line: String::new(),
            line_has_text: false,
            pending: String::new(),
            blocks,
            shift,
            lists: Vec::new(),
            quote_depth: 0,
            links: Vec::new(),
            table: None,
            after_open: false,
        }
    }

    fn run(&mut self, markdown: &str) {
        let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
        for event in Parser::new_ext(markdown, options) {
            self.event(event);
        }
    }

    fn finish(mut self) -> String {
        self.end_block();
        self.out
    }

    /// Where inline content goes: the open table cell, or the line.
    fn target(&mut self) -> &mut String {
        if self.blocks
            && let Some(cell) = self
                .table
                .as_mut()
                .and_then(|t| t.rows.last_mut())
                .and_then(|r| r.last_mut())
        {
            return cell;
        }
        &mut self.line
    }

    /// Escape and write the pending text.
    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let mut pending = std::mem::take(&mut self.pending);
        if self.after_open {
            pending = pending.trim_start().to_string();
        }
        if pending.is_empty() {
            return;
        }
        self.after_open = false;
        let start = !self.line_has_text;
        push_text(self.target(), &pending, start);
        self.line_has_text = true;
    }

    /// Start a block's line with `prefix` (written as is: it is ours).
    fn begin(&mut self, prefix: &str) {
        self.end_block();
        if !self.blocks {
            return;
        }
        let quote = "> ".repeat(self.quote_depth);
        self.line = format!("{quote}{prefix}");
    }

    /// Write out the current line, if it has content.
    fn end_block(&mut self) {
        self.flush();
        if self.line_has_text && self.table.is_none() {
            if !self.blocks {
                self.out.push_str(self.line.trim_end());
                self.out.push(' ');
            } else {
                // List items are tight; every other block stands apart.
                if !self.out.is_empty() && self.lists.is_empty() {
                    self.out.push('\n');
                }
                self.out.push_str(self.line.trim_end());
                self.out.push('\n');
            }
        }
        if self.table.is_none() {
            self.line.clear();
            self.line_has_text = false;
        }
    }

    /// Markup of ours (emphasis markers, code spans, ` (URL)`).
    fn markup(&mut self, m: &str) {
        self.flush();
        self.target().push_str(m);
        self.line_has_text = true;
    }

    fn open(&mut self, marker: &str) {
        self.markup(marker);
        self.after_open = true;
    }

    /// Close an emphasis marker: trailing spaces would unbind it.
    fn close(&mut self, marker: &str) {
        self.flush();
        let target = self.target();
        target.truncate(target.trim_end().len());
        target.push_str(marker);
        self.after_open = false;
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            // Raw HTML is shown, never run; line breaks become spaces.
            Event::Text(t) | Event::Html(t) | Event::InlineHtml(t) => self.pending.push_str(&t),
            Event::SoftBreak | Event::HardBreak => self.pending.push(' '),
            Event::Code(c) => self.markup(&code(&c)),
            Event::Rule => {
                self.begin("");
                if self.blocks {
                    self.line.push_str("---");
                    self.line_has_text = true;
                }
            }
            // Footnotes, task lists and math are not enabled; anything
            // else that carries text is shown as that text.
            Event::FootnoteReference(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                self.pending.push_str(&t)
            }
            Event::TaskListMarker(_) => {}
        }
    }

    /// Open what `tag` starts: the block arms are methods of their own, so
    /// this reads as the table of tags.
    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph | Tag::CodeBlock(_) | Tag::HtmlBlock => self.start_paragraph(),
            Tag::Heading { level, .. } => self.start_heading(level),
            Tag::BlockQuote(_) => {
                self.end_block();
                self.quote_depth += 1;
            }
            Tag::List(first) => self.start_list(first),
            Tag::Item => self.start_item(),
            Tag::Table(alignments) => {
                self.end_block();
                self.table = Some(Table {
                    rows: Vec::new(),
                    columns: alignments.len(),
                });
            }
            Tag::TableHead | Tag::TableRow => {
                if let Some(t) = self.table.as_mut() {
                    t.rows.push(Vec::new());
                }
            }
            Tag::TableCell if self.blocks => self.start_cell(),
            // Inline, a table is its cells' text.
            Tag::TableCell => self.pending.push(' '),
            Tag::Emphasis => self.open("*"),
            Tag::Strong => self.open("**"),
            Tag::Strikethrough => self.open("~~"),
            Tag::Link {
                dest_url,
                link_type,
                ..
            } => {
                let shown = is_web(&dest_url) && link_type != LinkType::Autolink;
                self.links.push(shown.then(|| dest_url.to_string()));
            }
            // An image is its alt text (the events inside): nothing is fetched.
            _ => {}
        }
    }

    /// A paragraph (or a code or HTML block, shown as text) outside a list
    /// starts a block; inside one it continues its item.
    fn start_paragraph(&mut self) {
        if self.lists.is_empty() {
            self.begin("");
        } else if self.line_has_text || !self.pending.is_empty() {
            // A loose item's next paragraph continues its line.
            self.pending.push(' ');
        }
    }

    /// A heading at `level` moved down `self.shift` levels, kept between
    /// `##` moved down as much and `######`.
    fn start_heading(&mut self, level: HeadingLevel) {
        let top = 2u8.saturating_add(self.shift).min(6);
        let n = heading_number(level)
            .saturating_add(self.shift)
            .clamp(top, 6);
        self.begin(&format!("{} ", "#".repeat(n as usize)));
    }

    /// A list, numbered from `first` if it is one, indented under the item
    /// it is in.
    fn start_list(&mut self, first: Option<u64>) {
        self.end_block();
        if self.lists.is_empty() && self.blocks && !self.out.is_empty() {
            self.out.push('\n');
        }
        let indent = self
            .lists
            .last()
            .map_or(0, |l| l.indent + marker_width(l.next));
        self.lists.push(List {
            next: first,
            indent,
        });
    }

    /// A list item's line: its list's indent and its number or `- `.
    fn start_item(&mut self) {
        let (indent, marker) = match self.lists.last_mut() {
            Some(List {
                next: Some(n),
                indent,
            }) => {
                *n += 1;
                (*indent, format!("{}. ", *n - 1))
            }
            Some(list) => (list.indent, "- ".to_string()),
            None => (0, "- ".to_string()),
        };
        self.begin(&format!("{}{marker}", " ".repeat(indent)));
    }

    /// A new cell in the table's last row (block output only).
    fn start_cell(&mut self) {
        self.flush();
        if let Some(row) = self.table.as_mut().and_then(|t| t.rows.last_mut()) {
            row.push(String::new());
        }
        self.line_has_text = false;
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            // Inside a list item, a paragraph ends with its item.
            TagEnd::Paragraph | TagEnd::CodeBlock | TagEnd::HtmlBlock if self.lists.is_empty() => {
                self.end_block()
            }
            TagEnd::Heading(_) | TagEnd::Item => self.end_block(),
            TagEnd::BlockQuote(_) => {
                self.end_block();
                self.quote_depth = self.quote_depth.saturating_sub(1);
            }
            TagEnd::List(_) => {
                self.end_block();
                self.lists.pop();
            }
            TagEnd::TableCell => self.flush(),
            TagEnd::Table => {
                if let Some(table) = self.table.take() {
                    self.write_table(table);
                }
            }
            TagEnd::Emphasis => self.close("*"),
            TagEnd::Strong => self.close("**"),
            TagEnd::Strikethrough => self.close("~~"),
            TagEnd::Link => {
                if let Some(Some(url)) = self.links.pop() {
                    self.markup(&format!(" ({})", text(&url)));
                }
            }
            _ => {}
        }
    }

    fn write_table(&mut self, table: Table) {
        if !self.blocks {
            // Inline, a table's cells are only text (they went to the line).
            return;
        }
        self.line_has_text = false;
        let columns = table.columns.max(1);
        let quote = "> ".repeat(self.quote_depth);
        if !self.out.is_empty() {
            self.out.push('\n');
        }
        for (i, row) in table.rows.iter().enumerate() {
            let cells: Vec<&str> = (0..columns)
                .map(|c| row.get(c).map_or("", |s| s.trim()))
                .collect();
            self.out
                .push_str(&format!("{quote}| {} |\n", cells.join(" | ")));
            if i == 0 {
                let rule = vec!["---"; columns].join(" | ");
                self.out.push_str(&format!("{quote}| {rule} |\n"));
            }
        }
    }
}

fn heading_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Width of a list item's marker, so nested lists line up under its text.
fn marker_width(next: Option<u64>) -> usize {
    next.map_or(2, |n| n.saturating_sub(1).max(1).to_string().len() + 2)
}

/// Only plain web links stay links: `javascript:`, `data:`, `file:` and the
/// like would run or read something on click.
fn is_web(url: &str) -> bool {
    let url = url.trim_start().to_ascii_lowercase();
    url.starts_with("https://") || url.starts_with("http://")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The events a CommonMark reader (with tables) sees in `md`.
    fn events(md: &str) -> Vec<Event<'_>> {
        Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).collect()
    }

    /// The text a reader sees in `md`, inline parts joined.
    fn shown(md: &str) -> String {
        events(md)
            .into_iter()
            .filter_map(|e| match e {
                Event::Text(t) | Event::Code(t) => Some(t.to_string()),
                Event::SoftBreak => Some(" ".into()),
                _ => None,
            })
            .collect()
    }

    /// Hostile strings: each opens some structure when pasted raw.
    const HOSTILE: [&str; 16] = [
        "# heading",
        "> quote",
        "- item",
        "+ item",
        "1. item",
        "12) item",
        "---",
        "===",
        "    code",
        "```fence",
        "| a | b |",
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "![pixel](https://evil.example/p.png)",
        "[ref]: javascript:alert(1)",
        "line one\n## injected\n| a | b |\n| - | - |",
    ];

    #[test]
    fn plain_text_is_one_literal_paragraph() {
        for hostile in HOSTILE {
            let md = line(hostile);
            assert!(!md.contains('\n'), "{md:?}");
            let ev = events(&md);
            // Exactly one paragraph, only text inside.
            assert!(
                matches!(ev.first(), Some(Event::Start(Tag::Paragraph))),
                "{hostile:?} → {md:?}: {ev:?}"
            );
            assert!(
                ev[1..ev.len() - 1]
                    .iter()
                    .all(|e| matches!(e, Event::Text(_))),
                "{hostile:?} → {md:?}: {ev:?}"
            );
            // What is shown is the input, newlines aside.
            let flat: String = hostile.replace('\n', " ");
            assert_eq!(shown(&md), flat.trim(), "{hostile:?} → {md:?}");
        }
    }

    #[test]
    fn plain_text_keeps_a_table_cell_and_a_heading() {
        for hostile in HOSTILE {
            let md = format!(
                "| {} | b |\n| --- | --- |\n| {} | d |\n",
                text(hostile),
                text(hostile)
            );
            let cells = events(&md)
                .iter()
                .filter(|e| matches!(e, Event::Start(Tag::TableCell)))
                .count();
            assert_eq!(cells, 4, "{hostile:?}: {md}");
            // After a label: one paragraph of text only.
            let md = format!("source: {} · date: {}\n", text(hostile), text(hostile));
            let ev = events(&md);
            assert!(
                ev[1..ev.len() - 1]
                    .iter()
                    .all(|e| matches!(e, Event::Text(_))),
                "{hostile:?}: {md}: {ev:?}"
            );
            let md = format!("### A01 · {}\n", text(hostile));
            assert!(!md[..md.len() - 1].contains('\n'), "{md:?}");
            let ev = events(&md);
            let blocks = ev
                .iter()
                .filter(|e| matches!(e, Event::Start(Tag::Heading { .. } | Tag::Paragraph)))
                .count();
            assert_eq!(blocks, 1, "{hostile:?}: {md}");
        }
    }

    #[test]
    fn model_markdown_keeps_only_the_safe_subset() {
        let md = model_blocks(
            "## Headlines\n- a <script>alert(1)</script> [A01]\n- ![pixel](https://e.x/p.png) \
             [click](javascript:alert(1)) [site](https://e.org/x) <javascript:alert(2)>\n\n\
             # Big\n\n| F | W |\n| --- | --- |\n| 3% | a <b>b</b> |\n\n[ref]: javascript:alert(3)\n\n[ref]\n",
            0,
        );
        let ev = events(&md);
        for e in &ev {
            match e {
                Event::Html(_) | Event::InlineHtml(_) => panic!("raw HTML in {md}"),
                Event::Start(Tag::Image { .. }) => panic!("image in {md}"),
                Event::Start(Tag::Link {
                    dest_url,
                    link_type,
                    ..
                }) => {
                    assert!(
                        is_web(dest_url),
                        "live {link_type:?} link {dest_url} in {md}"
                    )
                }
                Event::Start(Tag::Heading { level, .. }) => {
                    assert_ne!(*level, HeadingLevel::H1, "{md}")
                }
                _ => {}
            }
        }
        let s = shown(&md);
        assert!(
            s.contains("<script>alert(1)</script>"),
            "shown as text: {s}"
        );
        assert!(s.contains("pixel"), "alt text kept: {s}");
        assert!(s.contains("site (https://e.org/x)"), "text + URL: {s}");
        assert!(
            !s.contains("javascript:alert(1)") && s.contains("click"),
            "{s}"
        );
        let tables = ev
            .iter()
            .filter(|e| matches!(e, Event::Start(Tag::Table(_))))
            .count();
        let lists = ev
            .iter()
            .filter(|e| matches!(e, Event::Start(Tag::List(_))))
            .count();
        assert_eq!((tables, lists), (1, 1), "{md}");
        assert!(!ev.iter().any(|e| matches!(
            e,
            Event::Start(Tag::Link {
                link_type: LinkType::Autolink,
                ..
            })
        )));
    }

    #[test]
    fn model_inline_stays_on_one_line() {
        for hostile in HOSTILE {
            let md = model_inline(hostile);
            assert!(!md.contains('\n'), "{hostile:?} → {md:?}");
            let md = format!("- {md}\n");
            let ev = events(&md);
            let blocks = ev
                .iter()
                .filter(|e| {
                    matches!(
                        e,
                        Event::Start(
                            Tag::Heading { .. }
                                | Tag::Table(_)
                                | Tag::BlockQuote(_)
                                | Tag::CodeBlock(_)
                                | Tag::Item
                        )
                    )
                })
                .count();
            assert_eq!(blocks, 1, "{hostile:?} → {md:?}: {ev:?}");
            assert!(!ev.iter().any(|e| matches!(
                e,
                Event::Html(_) | Event::InlineHtml(_) | Event::Start(Tag::Image { .. })
            )));
        }
        assert_eq!(model_inline("**bold** and *em*"), "**bold** and *em*");
    }
}
