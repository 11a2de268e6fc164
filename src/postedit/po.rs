//! gettext PO, written and read here: its syntax is a handful of rules
//! (quoted C strings, `msgctxt`/`msgid`/`msgstr`, `#` comments), and the
//! crates for it are small one-person projects; what gloss writes is checked
//! by translate-toolkit's reader in `tests/postedit.rs`. The segment id is the
//! `msgctxt` (identical sources stay apart), a flagged segment is `fuzzy`,
//! the issue is the header's `X-Gloss-Issue`.

use super::{Bundle, ReadError, Unit, clean};

const ISSUE_FIELD: &str = "X-Gloss-Issue";
const SOURCE_LANGUAGE_FIELD: &str = "X-Gloss-Source-Language";

/// `text` as a PO string: quoted, escaped, one line per source line.
fn quoted(text: &str) -> String {
    let mut escaped = String::new();
    for c in clean(text).chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\t' => escaped.push_str("\\t"),
            '\n' => escaped.push_str("\\n\n"),
            c => escaped.push(c),
        }
    }
    // A real line break follows each `\n`: one PO line per source line.
    let lines: Vec<&str> = escaped.split_terminator('\n').collect();
    if lines.len() <= 1 {
        return format!("\"{}\"", lines.first().copied().unwrap_or_default());
    }
    let mut out = String::from("\"\"");
    for line in lines {
        out.push_str(&format!("\n\"{line}\""));
    }
    out
}

pub fn write(bundle: &Bundle) -> String {
    let mut out = String::new();
    out.push_str("# Post-editing file written by gloss: correct the msgstr lines, clear\n");
    out.push_str("# 'fuzzy' to approve a flagged translation as it is, then `gloss import`.\n");
    out.push_str("msgid \"\"\nmsgstr \"\"\n");
    let header = [
        (
            "Project-Id-Version",
            format!("gloss {}", clean(&bundle.issue)),
        ),
        ("MIME-Version", "1.0".to_string()),
        ("Content-Type", "text/plain; charset=UTF-8".to_string()),
        ("Content-Transfer-Encoding", "8bit".to_string()),
        ("Language", bundle.target_language.clone()),
        (ISSUE_FIELD, bundle.issue.clone()),
        (SOURCE_LANGUAGE_FIELD, bundle.source_language.clone()),
    ];
    for (name, value) in header {
        // A header value is one line.
        let value = value.replace('\n', " ");
        out.push_str(&format!("{}\n", quoted(&format!("{name}: {value}\n"))));
    }
    for u in &bundle.units {
        out.push('\n');
        for n in &u.notes {
            for line in clean(n).lines() {
                out.push_str(&format!("#. {line}\n"));
            }
        }
        if u.needs_review {
            out.push_str("#, fuzzy\n");
        }
        out.push_str(&format!("msgctxt {}\n", quoted(&u.id)));
        out.push_str(&format!("msgid {}\n", quoted(&u.source)));
        out.push_str(&format!("msgstr {}\n", quoted(&u.target)));
    }
    out
}

/// The text of a quoted PO string (`"…"`), escapes resolved.
fn unquote(s: &str, line: usize) -> Result<String, ReadError> {
    let bad = |message: &str| ReadError::Po {
        line,
        message: message.to_string(),
    };
    let inner = s
        .trim()
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .ok_or_else(|| bad("expected a quoted string"))?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some('"') => out.push('"'),
            Some('a') => out.push('\u{7}'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('v') => out.push('\u{b}'),
            _ => return Err(bad("unknown escape")),
        }
    }
    Ok(out)
}

/// One entry while it is read.
#[derive(Default)]
struct Entry {
    fuzzy: bool,
    obsolete: bool,
    context: Option<String>,
    id: Option<String>,
    target: Option<String>,
}

/// Which string a continuation line adds to.
#[derive(Clone, Copy)]
enum Field {
    Context,
    Id,
    Target,
    Other,
}

pub fn read(text: &str) -> Result<Bundle, ReadError> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut entry = Entry::default();
    let mut field = Field::Other;
    let mut started = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let n = i + 1;
        if line.is_empty() {
            continue;
        }
        if line.starts_with("#~") {
            entry.obsolete = true;
            continue;
        }
        // A keyword after a finished entry (its msgstr read) starts the next one.
        let keyword = line.starts_with("msgctxt") || line.starts_with("msgid ");
        let comment = line.starts_with('#');
        if (keyword || comment) && entry.target.is_some() {
            entries.push(std::mem::take(&mut entry));
        }
        if let Some(flags) = line.strip_prefix("#,") {
            entry.fuzzy |= flags.split(',').any(|f| f.trim() == "fuzzy");
            continue;
        }
        if comment {
            continue;
        }
        let (f, rest) = if let Some(r) = line.strip_prefix("msgctxt") {
            (Field::Context, r)
        } else if let Some(r) = line.strip_prefix("msgid_plural") {
            (Field::Other, r)
        } else if let Some(r) = line.strip_prefix("msgid") {
            (Field::Id, r)
        } else if let Some(r) = line.strip_prefix("msgstr[0]") {
            (Field::Target, r)
        } else if let Some(r) = line.strip_prefix("msgstr[") {
            (Field::Other, r.split_once(']').map_or("", |(_, r)| r))
        } else if let Some(r) = line.strip_prefix("msgstr") {
            (Field::Target, r)
        } else if line.starts_with('"') {
            (field, line)
        } else {
            return Err(ReadError::Po {
                line: n,
                message: "not a PO line".into(),
            });
        };
        let value = unquote(rest, n)?;
        if !line.starts_with('"') {
            field = f;
            started = true;
        }
        let slot = match field {
            Field::Context => &mut entry.context,
            Field::Id => &mut entry.id,
            Field::Target => &mut entry.target,
            Field::Other => continue,
        };
        slot.get_or_insert_with(String::new).push_str(&value);
    }
    if entry.id.is_some() {
        entries.push(entry);
    }
    if !started {
        return Err(ReadError::Unknown);
    }
    let header = entries
        .iter()
        .find(|e| e.id.as_deref() == Some("") && e.context.is_none())
        .and_then(|e| e.target.clone())
        .unwrap_or_default();
    let field_value = |name: &str| {
        header.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == name).then(|| v.trim().to_string())
        })
    };
    let issue = field_value(ISSUE_FIELD).ok_or(ReadError::NoIssue("X-Gloss-Issue header"))?;
    let units = entries
        .into_iter()
        .filter(|e| !e.obsolete)
        .filter_map(|e| {
            Some(Unit {
                id: e.context?,
                source: e.id.unwrap_or_default(),
                target: e.target.unwrap_or_default(),
                notes: Vec::new(),
                needs_review: e.fuzzy,
            })
        })
        .collect();
    Ok(Bundle {
        issue,
        source_language: field_value(SOURCE_LANGUAGE_FIELD).unwrap_or_default(),
        target_language: field_value("Language").unwrap_or_default(),
        units,
    })
}
