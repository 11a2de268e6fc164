//! XLIFF 1.2: one `<file>` for the issue, one `<trans-unit>` per segment.
//! 1.2, not 2.0: translate-toolkit's readers and converters take `.xlf` as
//! 1.2 (its 2.0 class is new and not what its format detection picks), and
//! 1.2 is what OmegaT, memoQ, Trados and Poedit all open.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::xml::Element;
use super::{Bundle, ReadError, Unit, clean};

const NAMESPACE: &str = "urn:oasis:names:tc:xliff:document:1.2";

/// A flagged segment's state: a tool shows it as needing review.
const NEEDS_REVIEW: &str = "needs-review-translation";

pub fn write(bundle: &Bundle) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing into a Vec cannot fail.
    let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    let _ = w
        .create_element("xliff")
        .with_attributes([("version", "1.2"), ("xmlns", NAMESPACE)])
        .write_inner_content(|w| {
            w.create_element("file")
                .with_attributes([
                    ("original", clean(&bundle.issue).as_str()),
                    ("source-language", bundle.source_language.as_str()),
                    ("target-language", bundle.target_language.as_str()),
                    ("datatype", "plaintext"),
                    ("tool-id", "gloss"),
                ])
                .write_inner_content(|w| {
                    w.create_element("header").write_inner_content(|w| {
                        w.create_element("tool")
                            .with_attributes([
                                ("tool-id", "gloss"),
                                ("tool-name", "gloss"),
                                ("tool-version", env!("CARGO_PKG_VERSION")),
                            ])
                            .write_empty()?;
                        Ok(())
                    })?;
                    w.create_element("body").write_inner_content(|w| {
                        for u in &bundle.units {
                            unit(w, u)?;
                        }
                        Ok(())
                    })?;
                    Ok(())
                })?;
            Ok(())
        });
    String::from_utf8(w.into_inner()).unwrap_or_default() + "\n"
}

fn unit(w: &mut Writer<Vec<u8>>, u: &Unit) -> std::io::Result<()> {
    let id = clean(&u.id);
    w.create_element("trans-unit")
        .with_attributes([("id", id.as_str()), ("resname", id.as_str())])
        .write_inner_content(|w| {
            w.create_element("source")
                .with_attribute(("xml:space", "preserve"))
                .write_text_content(BytesText::new(&clean(&u.source)))?;
            if !u.target.is_empty() {
                let state = if u.needs_review {
                    NEEDS_REVIEW
                } else {
                    "translated"
                };
                w.create_element("target")
                    .with_attributes([("xml:space", "preserve"), ("state", state)])
                    .write_text_content(BytesText::new(&clean(&u.target)))?;
            }
            for n in &u.notes {
                w.create_element("note")
                    .with_attribute(("from", "gloss"))
                    .write_text_content(BytesText::new(&clean(n)))?;
            }
            Ok(())
        })?;
    Ok(())
}

pub fn read(root: &Element) -> Result<Bundle, ReadError> {
    let file = root.child("file").ok_or(ReadError::Unknown)?;
    let issue = file
        .attribute("original")
        .ok_or(ReadError::NoIssue("<file original=…>"))?;
    let mut units = Vec::new();
    let mut found = Vec::new();
    file.descendants("trans-unit", &mut found);
    for u in found {
        let Some(id) = u.attribute("id") else {
            continue;
        };
        let target = u.child("target");
        units.push(Unit {
            id: id.to_string(),
            source: u.child("source").map(Element::text).unwrap_or_default(),
            target: target.map(Element::text).unwrap_or_default(),
            notes: Vec::new(),
            needs_review: target.and_then(|t| t.attribute("state")) == Some(NEEDS_REVIEW)
                && u.attribute("approved") != Some("yes"),
        });
    }
    Ok(Bundle {
        issue: issue.to_string(),
        source_language: file.attribute("source-language").unwrap_or_default().into(),
        target_language: file.attribute("target-language").unwrap_or_default().into(),
        units,
    })
}
