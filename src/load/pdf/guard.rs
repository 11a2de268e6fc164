//! Checks a PDF passes before the library reads its pages: the library
//! recurses and loops on hostile structure (an outline item that is its own
//! `/Next`, 20,000 nested arrays, one 200 MB stream used ten times), so gloss
//! walks that structure first with visited sets and bounds of its own and
//! stops with what was wrong. The child process ([`super::child`]) is the
//! backstop for anything these checks miss.

use std::collections::{HashMap, HashSet};

use pdf_oxide::PdfDocument;
use pdf_oxide::object::{Object, ObjectRef};

/// How deep arrays and dictionaries may nest, in the file and in content
/// streams. Real documents stay under 10; the library's own recursion
/// overflowed an 8 MB stack at about 5,000.
pub const MAX_NESTING: usize = 128;

/// How deep the page tree and form XObjects may nest.
const MAX_TREE_DEPTH: usize = 64;

/// Most nodes a page tree may have (pages and intermediate nodes).
const MAX_TREE_NODES: usize = 200_000;

/// The longest text string the library keeps whole; longer ones it cuts.
pub const LIBRARY_STRING_LIMIT: usize = 32_767;

/// The ceiling of the decoded-bytes budget, whatever the file's size.
pub const MAX_DECODED_BYTES: u64 = 512 * 1024 * 1024;

/// The budget per byte of file: a real PDF's page content decodes to a few
/// times its size (text compresses about 4:1); 64 leaves room for pages that
/// share a form or draw with many small operators.
pub const DECODED_PER_FILE_BYTE: u64 = 64;

/// The decoded bytes a file of `len` bytes may use, all its content streams
/// and all their uses together: 64× its size, at most 512 MB.
pub fn decoded_budget(len: usize) -> u64 {
    (len as u64)
        .saturating_mul(DECODED_PER_FILE_BYTE)
        .clamp(1024 * 1024, MAX_DECODED_BYTES)
}

/// What was wrong with a PDF, for one line of the user's.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Problem {
    /// A structure that comes back to itself (page tree, forms).
    Loop(String),
    /// Nesting beyond the bounds above.
    TooDeep(String),
    /// Decoded content beyond the budget.
    TooLarge(String),
}

impl Problem {
    /// The problem in a few words, e.g. `a loop in its outline (…)`.
    pub fn what(&self) -> String {
        match self {
            Problem::Loop(d) => format!("a loop in its {d}"),
            Problem::TooDeep(d) => format!("too deep: {d}"),
            Problem::TooLarge(d) => format!("too large: {d}"),
        }
    }
}

/// What the survey of a document's pages found.
#[derive(Debug, Default)]
pub struct Survey {
    /// How many pages draw an image (for "images only" against "empty").
    pub image_pages: usize,
    /// What the user should know (strings the library cuts).
    pub warnings: Vec<String>,
}

/// The deepest nesting of `[`/`<<` in `bytes` read as PDF syntax (strings,
/// comments, stream data and inline images skipped), with the longest
/// string and the names each `Do` operator draws. Stops at `limit` levels.
#[derive(Debug, Default, PartialEq)]
pub struct Syntax {
    /// Deepest nesting seen (stops counting at the limit).
    pub depth: usize,
    /// Longest literal or hex string, in bytes of source.
    pub longest_string: usize,
    /// `/Name Do` counts: the XObjects a content stream draws.
    pub drawn: HashMap<String, usize>,
    /// Whether an inline image (`BI … ID … EI`) occurs.
    pub inline_image: bool,
}

/// Scan PDF syntax: the file itself (`raw`: stream data skipped) or a
/// decoded content stream (inline image data skipped).
pub fn scan(bytes: &[u8], raw: bool) -> Syntax {
    let mut out = Syntax::default();
    let mut depth = 0usize;
    let mut i = 0;
    let mut last_name: Option<(usize, usize)> = None;
    let n = bytes.len();
    while i < n {
        match bytes[i] {
            b'%' => {
                while i < n && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'(' => {
                let start = i;
                let mut parens = 1;
                i += 1;
                while i < n && parens > 0 {
                    match bytes[i] {
                        b'\\' => i += 1,
                        b'(' => parens += 1,
                        b')' => parens -= 1,
                        _ => {}
                    }
                    i += 1;
                }
                out.longest_string = out.longest_string.max(i - start);
                continue;
            }
            b'<' if bytes.get(i + 1) == Some(&b'<') => {
                depth += 1;
                i += 1;
            }
            b'<' => {
                let start = i;
                while i < n && bytes[i] != b'>' {
                    i += 1;
                }
                // Two hex digits a byte.
                out.longest_string = out.longest_string.max((i - start) / 2);
            }
            b'>' if bytes.get(i + 1) == Some(&b'>') => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'[' => depth += 1,
            b']' => depth = depth.saturating_sub(1),
            b'/' => {
                let start = i + 1;
                i += 1;
                while i < n && !is_delimiter(bytes[i]) {
                    i += 1;
                }
                last_name = Some((start, i));
                continue;
            }
            b if b.is_ascii_alphabetic() => {
                let start = i;
                while i < n && !is_delimiter(bytes[i]) {
                    i += 1;
                }
                let word = &bytes[start..i];
                if raw && word == b"stream" {
                    i = skip_past(bytes, i, b"endstream");
                } else if !raw && word == b"ID" {
                    out.inline_image = true;
                    i = skip_past(bytes, i, b"EI");
                } else if !raw
                    && word == b"Do"
                    && let Some((s, e)) = last_name
                {
                    let name = String::from_utf8_lossy(&bytes[s..e]).into_owned();
                    *out.drawn.entry(name).or_default() += 1;
                }
                last_name = None;
                continue;
            }
            _ => {}
        }
        out.depth = out.depth.max(depth);
        if out.depth > MAX_NESTING {
            return out;
        }
        i += 1;
    }
    out
}

fn is_delimiter(b: u8) -> bool {
    b.is_ascii_whitespace() || b"()<>[]{}/%".contains(&b)
}

/// The index just past the next `word` standing alone at or after `from`.
fn skip_past(bytes: &[u8], from: usize, word: &[u8]) -> usize {
    let mut i = from;
    while let Some(at) = bytes
        .get(i..)
        .and_then(|rest| rest.windows(word.len()).position(|w| w == word))
    {
        let start = i + at;
        let end = start + word.len();
        let before = start == 0 || is_delimiter(bytes[start - 1]);
        let after = bytes.get(end).is_none_or(|&b| is_delimiter(b));
        if before && after {
            return end;
        }
        i = start + 1;
    }
    bytes.len()
}

/// Nesting in the file's own syntax, before the library parses it.
pub fn check_file(bytes: &[u8]) -> Result<(), Problem> {
    let syntax = scan(bytes, true);
    if syntax.depth > MAX_NESTING {
        return Err(Problem::TooDeep(format!(
            "arrays or dictionaries nested over {MAX_NESTING} levels"
        )));
    }
    Ok(())
}

/// Walk the page tree from the catalog with a visited set: the number of
/// pages it holds, or the loop or depth that stops it. `None` when the tree
/// cannot be walked this way (the library's own reading then decides).
pub fn count_pages(doc: &PdfDocument) -> Result<Option<usize>, Problem> {
    let Ok(catalog) = doc.catalog() else {
        return Ok(None);
    };
    let Some(root) = catalog.as_dict().and_then(|d| d.get("Pages")) else {
        return Ok(None);
    };
    let mut seen = HashSet::new();
    let mut pages = 0usize;
    let mut stack = vec![(root.clone(), 0usize)];
    while let Some((node, depth)) = stack.pop() {
        if depth > MAX_TREE_DEPTH {
            return Err(Problem::TooDeep(format!(
                "page tree nested over {MAX_TREE_DEPTH} levels"
            )));
        }
        let node = match node {
            Object::Reference(r) => {
                if !seen.insert(r) {
                    return Err(Problem::Loop(format!("page tree (object {r} comes back)")));
                }
                if seen.len() > MAX_TREE_NODES {
                    return Err(Problem::TooLarge(format!(
                        "page tree of over {MAX_TREE_NODES} nodes"
                    )));
                }
                match doc.load_object(r) {
                    Ok(o) => o,
                    Err(_) => continue,
                }
            }
            other => other,
        };
        let Some(dict) = node.as_dict() else { continue };
        match dict.get("Kids").and_then(Object::as_array) {
            Some(kids) => {
                for kid in kids.iter().rev() {
                    stack.push((kid.clone(), depth + 1));
                }
            }
            None => pages += 1,
        }
    }
    Ok(Some(pages))
}

/// Whether the outline can be read without looping: every item is reached
/// once through `/First` and `/Next`, at most [`MAX_TREE_DEPTH`] deep. An
/// error names where it comes back.
pub fn check_outline(doc: &PdfDocument) -> Result<(), Problem> {
    let Ok(catalog) = doc.catalog() else {
        return Ok(());
    };
    let Some(Object::Reference(root)) = catalog.as_dict().and_then(|d| d.get("Outlines")) else {
        return Ok(());
    };
    let mut seen = HashSet::from([*root]);
    let mut stack = vec![(*root, 0usize)];
    while let Some((item, depth)) = stack.pop() {
        let Ok(obj) = doc.load_object(item) else {
            continue;
        };
        let Some(dict) = obj.as_dict() else { continue };
        for (key, deeper) in [("First", 1), ("Next", 0)] {
            if let Some(Object::Reference(r)) = dict.get(key) {
                if !seen.insert(*r) {
                    return Err(Problem::Loop(format!("outline (item {r} comes back)")));
                }
                if depth + deeper > MAX_TREE_DEPTH || seen.len() > MAX_TREE_NODES {
                    return Err(Problem::TooDeep(format!(
                        "outline nested over {MAX_TREE_DEPTH} levels"
                    )));
                }
                stack.push((*r, depth + deeper));
            }
        }
    }
    Ok(())
}

/// The decoded bytes of every page's content and of every form it draws,
/// counted per use against `budget`; nesting and long strings checked in
/// each content stream once. Streams are decoded one at a time and dropped.
pub struct Budget<'a> {
    doc: &'a PdfDocument,
    budget: u64,
    used: u64,
    /// Per stream: its decoded size and what its syntax draws.
    streams: HashMap<ObjectRef, Option<(u64, Syntax)>>,
    /// Per form XObject: its cost, counted once; `None` while being costed.
    forms: HashMap<ObjectRef, Option<u64>>,
    survey: Survey,
}

impl<'a> Budget<'a> {
    /// A budget of `budget` decoded bytes over `doc`.
    pub fn new(doc: &'a PdfDocument, budget: u64) -> Self {
        Self {
            doc,
            budget,
            used: 0,
            streams: HashMap::new(),
            forms: HashMap::new(),
            survey: Survey::default(),
        }
    }

    /// Count page `index` (0-based) against the budget.
    pub fn page(&mut self, index: usize) -> Result<(), Problem> {
        let Ok(page) = self.doc.get_page(index) else {
            return Ok(());
        };
        let resources = page_resources(self.doc, &page);
        let mut parts = Vec::new();
        match page.as_dict().and_then(|d| d.get("Contents")) {
            Some(Object::Reference(r)) => match self.doc.load_object(*r) {
                Ok(Object::Array(items)) => parts.extend(items),
                _ => parts.push(Object::Reference(*r)),
            },
            Some(Object::Array(items)) => parts.extend(items.iter().cloned()),
            _ => {}
        }
        let mut images = has_image(self.doc, resources.as_ref());
        for part in parts {
            let Some(r) = part.as_reference() else {
                continue;
            };
            let drawn = self.stream(r, index)?;
            images |= drawn.1;
            let cost = self.drawn_cost(&drawn.0, resources.as_ref(), 0)?;
            self.spend(cost, index)?;
        }
        if images {
            self.survey.image_pages += 1;
        }
        Ok(())
    }

    /// What the survey found, once every page is counted.
    pub fn finish(self) -> Survey {
        self.survey
    }

    fn spend(&mut self, bytes: u64, page: usize) -> Result<(), Problem> {
        self.used = self.used.saturating_add(bytes);
        if self.used > self.budget {
            return Err(Problem::TooLarge(format!(
                "its content decodes to over {} MB by page {} (the cap: 64× the file size, at most {} MB)",
                self.budget / (1024 * 1024),
                page + 1,
                MAX_DECODED_BYTES / (1024 * 1024)
            )));
        }
        Ok(())
    }

    /// Decode stream `r` once: spend its size and return what it draws and
    /// whether it holds an inline image. A stream that fails to decode is
    /// the library's to report, except at the size cap.
    fn stream(
        &mut self,
        r: ObjectRef,
        page: usize,
    ) -> Result<(HashMap<String, usize>, bool), Problem> {
        if let Some(known) = self.streams.get(&r) {
            let (size, drawn, inline) = match known {
                Some((size, s)) => (*size, s.drawn.clone(), s.inline_image),
                None => (0, HashMap::new(), false),
            };
            self.spend(size, page)?;
            return Ok((drawn, inline));
        }
        let decoded = self.doc.load_object(r).and_then(|o| o.decode_stream_data());
        let data = match decoded {
            Ok(data) => data,
            Err(e) if e.to_string().contains("safety limit") => {
                return Err(Problem::TooLarge(format!(
                    "a stream (object {r}) decodes to over {} MB",
                    self.budget / (1024 * 1024)
                )));
            }
            Err(_) => {
                self.streams.insert(r, None);
                return Ok((HashMap::new(), false));
            }
        };
        let size = data.len() as u64;
        self.spend(size, page)?;
        let syntax = scan(&data, false);
        drop(data);
        if syntax.depth > MAX_NESTING {
            return Err(Problem::TooDeep(format!(
                "arrays nested over {MAX_NESTING} levels in a content stream (object {r})"
            )));
        }
        if syntax.longest_string > LIBRARY_STRING_LIMIT {
            self.survey.warnings.push(format!(
                "page {}: a text string of {} bytes is cut to {LIBRARY_STRING_LIMIT} by the PDF reader; the rest of it is not in the digest",
                page + 1,
                syntax.longest_string
            ));
        }
        let out = (syntax.drawn.clone(), syntax.inline_image);
        self.streams.insert(r, Some((size, syntax)));
        Ok(out)
    }

    /// The decoded bytes the forms in `drawn` cost, each counted per use.
    fn drawn_cost(
        &mut self,
        drawn: &HashMap<String, usize>,
        resources: Option<&Object>,
        depth: usize,
    ) -> Result<u64, Problem> {
        let mut total = 0u64;
        for (name, uses) in drawn {
            let Some(r) = xobject(self.doc, resources, name) else {
                continue;
            };
            let cost = self.form_cost(r, resources, depth + 1)?;
            total = total.saturating_add(cost.saturating_mul(*uses as u64));
            if total > self.budget {
                return Ok(total);
            }
        }
        Ok(total)
    }

    /// The decoded bytes one use of form `r` costs: its own stream and the
    /// forms it draws. A form that draws itself is a loop.
    fn form_cost(
        &mut self,
        r: ObjectRef,
        parent: Option<&Object>,
        depth: usize,
    ) -> Result<u64, Problem> {
        match self.forms.get(&r) {
            Some(Some(cost)) => return Ok(*cost),
            Some(None) => {
                return Err(Problem::Loop(format!("form XObject {r} draws itself")));
            }
            None => {}
        }
        if depth > MAX_TREE_DEPTH {
            return Err(Problem::TooDeep(format!(
                "form XObjects nested over {MAX_TREE_DEPTH} levels"
            )));
        }
        let Ok(obj) = self.doc.load_object(r) else {
            return Ok(0);
        };
        let Some(dict) = obj.as_dict() else {
            return Ok(0);
        };
        if dict.get("Subtype").and_then(Object::as_name) != Some("Form") {
            return Ok(0);
        }
        self.forms.insert(r, None);
        let own = match dict.get("Resources") {
            Some(res) => Some(resolve(self.doc, res)),
            None => parent.cloned(),
        };
        let mut data_size = 0;
        let drawn = match self.streams.get(&r) {
            Some(Some((size, s))) => {
                data_size = *size;
                s.drawn.clone()
            }
            Some(None) => HashMap::new(),
            None => {
                // Decode it once to learn its size; spent per use below.
                let before = self.used;
                let (drawn, _) = self.stream(r, 0)?;
                data_size = self.used - before;
                self.used = before;
                drawn
            }
        };
        let nested = self.drawn_cost(&drawn, own.as_ref(), depth)?;
        let cost = data_size.saturating_add(nested);
        self.forms.insert(r, Some(cost));
        Ok(cost)
    }
}

/// A page's resources, its own or inherited through `/Parent` (a bounded
/// walk: a parent chain may loop).
fn page_resources(doc: &PdfDocument, page: &Object) -> Option<Object> {
    let mut node = page.clone();
    for _ in 0..MAX_TREE_DEPTH {
        let dict = node.as_dict()?;
        if let Some(res) = dict.get("Resources") {
            return Some(resolve(doc, res));
        }
        node = resolve(doc, dict.get("Parent")?);
    }
    None
}

/// `obj` with one level of reference followed.
fn resolve(doc: &PdfDocument, obj: &Object) -> Object {
    match obj {
        Object::Reference(r) => doc.load_object(*r).unwrap_or(Object::Null),
        other => other.clone(),
    }
}

/// The object an XObject name stands for in `resources`.
fn xobject(doc: &PdfDocument, resources: Option<&Object>, name: &str) -> Option<ObjectRef> {
    let res = resources?.as_dict()?;
    let xobjects = resolve(doc, res.get("XObject")?);
    xobjects.as_dict()?.get(name)?.as_reference()
}

/// Whether `resources` hold an image XObject.
fn has_image(doc: &PdfDocument, resources: Option<&Object>) -> bool {
    let Some(res) = resources.and_then(Object::as_dict) else {
        return false;
    };
    let Some(xobjects) = res.get("XObject").map(|x| resolve(doc, x)) else {
        return false;
    };
    let Some(map) = xobjects.as_dict() else {
        return false;
    };
    map.values().any(|v| {
        let obj = resolve(doc, v);
        obj.as_dict()
            .and_then(|d| d.get("Subtype"))
            .and_then(Object::as_name)
            == Some("Image")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_strings_and_drawn_forms_are_read_from_syntax() {
        let s = scan(b"BT [(a) 10 (b)] TJ ET /Fm1 Do q /Fm1 Do Q /Im2 Do", false);
        assert_eq!(s.depth, 1);
        assert_eq!(s.longest_string, 3);
        assert_eq!(s.drawn.get("Fm1"), Some(&2));
        assert_eq!(s.drawn.get("Im2"), Some(&1));
        // Brackets inside strings and comments do not count.
        let s = scan(b"(]]][[[ \\) [[[) % [[[[\n [<< /A [1] >>]", false);
        assert_eq!(s.depth, 3);
        // Stream data in the file is skipped; inline images in content too.
        let raw = b"1 0 obj << /Length 5 >> stream\n[[[[[\nendstream endobj";
        assert_eq!(scan(raw, true).depth, 1);
        let s = scan(b"BI /W 1 ID [[[[ EI [1]", false);
        assert!(s.inline_image);
        assert_eq!(s.depth, 1);
        let deep = "[".repeat(MAX_NESTING + 1);
        assert!(scan(deep.as_bytes(), false).depth > MAX_NESTING);
        assert!(check_file(deep.as_bytes()).is_err());
        let hex = format!("<{}>", "41".repeat(40_000));
        assert_eq!(scan(hex.as_bytes(), false).longest_string, 40_000);
    }

    #[test]
    fn the_budget_is_64_times_the_file_at_most_512_mb() {
        assert_eq!(decoded_budget(200 * 1024), 64 * 200 * 1024);
        assert_eq!(decoded_budget(100 * 1024 * 1024), 512 * 1024 * 1024);
        // Tiny files still get a megabyte.
        assert_eq!(decoded_budget(300), 1024 * 1024);
    }
}
