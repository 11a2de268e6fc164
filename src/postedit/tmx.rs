//! TMX 1.4: a translation memory, one `<tu>` per segment (its id as
//! `tuid`), the issue and the flags as `<prop>`/`<note>`. TMX has no review
//! state: every unit reads as approved.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::xml::Element;
use super::{Bundle, ReadError, Unit, clean};

/// The header property naming the issue.
const ISSUE_PROP: &str = "x-gloss-issue";

pub fn write(bundle: &Bundle) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    let _ = w
        .create_element("tmx")
        .with_attribute(("version", "1.4"))
        .write_inner_content(|w| {
            w.create_element("header")
                .with_attributes([
                    ("creationtool", "gloss"),
                    ("creationtoolversion", env!("CARGO_PKG_VERSION")),
                    ("datatype", "plaintext"),
                    ("segtype", "paragraph"),
                    ("adminlang", "en"),
                    ("srclang", bundle.source_language.as_str()),
                    ("o-tmf", "gloss"),
                ])
                .write_inner_content(|w| {
                    w.create_element("prop")
                        .with_attribute(("type", ISSUE_PROP))
                        .write_text_content(BytesText::new(&clean(&bundle.issue)))?;
                    Ok(())
                })?;
            w.create_element("body").write_inner_content(|w| {
                for u in &bundle.units {
                    unit(w, u, bundle)?;
                }
                Ok(())
            })?;
            Ok(())
        });
    String::from_utf8(w.into_inner()).unwrap_or_default() + "\n"
}

fn unit(w: &mut Writer<Vec<u8>>, u: &Unit, bundle: &Bundle) -> std::io::Result<()> {
    w.create_element("tu")
        .with_attribute(("tuid", clean(&u.id).as_str()))
        .write_inner_content(|w| {
            for n in &u.notes {
                w.create_element("note")
                    .write_text_content(BytesText::new(&clean(n)))?;
            }
            for (lang, text) in [
                (&bundle.source_language, &u.source),
                (&bundle.target_language, &u.target),
            ] {
                w.create_element("tuv")
                    .with_attribute(("xml:lang", lang.as_str()))
                    .write_inner_content(|w| {
                        w.create_element("seg")
                            .write_text_content(BytesText::new(&clean(text)))?;
                        Ok(())
                    })?;
            }
            Ok(())
        })?;
    Ok(())
}

pub fn read(root: &Element) -> Result<Bundle, ReadError> {
    let header = root.child("header").ok_or(ReadError::Unknown)?;
    let issue = header
        .children("prop")
        .find(|p| p.attribute("type") == Some(ISSUE_PROP))
        .map(Element::text)
        .ok_or(ReadError::NoIssue(
            "<prop type=\"x-gloss-issue\"> in the header",
        ))?;
    let source_language = header.attribute("srclang").unwrap_or_default().to_string();
    let mut target_language = String::new();
    let mut units = Vec::new();
    let mut found = Vec::new();
    root.descendants("tu", &mut found);
    for tu in found {
        let Some(id) = tu.attribute("tuid") else {
            continue;
        };
        let (mut source, mut target) = (None, String::new());
        for tuv in tu.children("tuv") {
            let lang = tuv.attribute("lang").unwrap_or_default();
            let text = tuv.child("seg").map(Element::text).unwrap_or_default();
            // The first variant in the source language is the source (the
            // target's code may be the same).
            if source.is_none() && lang.eq_ignore_ascii_case(&source_language) {
                source = Some(text);
            } else {
                target_language = lang.to_string();
                target = text;
            }
        }
        units.push(Unit {
            id: id.to_string(),
            source: source.unwrap_or_default(),
            target,
            notes: Vec::new(),
            needs_review: false,
        });
    }
    Ok(Bundle {
        issue,
        source_language,
        target_language,
        units,
    })
}
