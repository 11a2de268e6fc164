//! A small element tree read with quick-xml, for untrusted files: no DTD,
//! no entity but XML's five and character references, a depth limit.

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

use super::ReadError;

/// Elements nested deeper than this refuse the file.
const MAX_DEPTH: usize = 64;

/// An element: its local name (namespace prefix dropped), attributes
/// (local names too) and children.
#[derive(Debug, Default)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Node>,
}

#[derive(Debug)]
pub enum Node {
    Element(Element),
    Text(String),
}

impl Element {
    /// The value of attribute `name` (local name: `xml:lang` is `lang`).
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The child elements named `name`.
    pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter_map(move |n| match n {
            Node::Element(e) if e.name == name => Some(e),
            _ => None,
        })
    }

    /// The first child element named `name`.
    pub fn child<'a>(&'a self, name: &'a str) -> Option<&'a Element> {
        self.children(name).next()
    }

    /// Every element below this one named `name`, in document order.
    pub fn descendants<'a>(&'a self, name: &str, out: &mut Vec<&'a Element>) {
        for n in &self.children {
            if let Node::Element(e) = n {
                if e.name == name {
                    out.push(e);
                }
                e.descendants(name, out);
            }
        }
    }

    /// The text inside, inline markup's text included.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for n in &self.children {
            match n {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => out.push_str(&e.text()),
            }
        }
        out
    }
}

fn local(name: &str) -> String {
    name.rsplit(':').next().unwrap_or_default().to_string()
}

fn element(start: &BytesStart) -> Result<Element, ReadError> {
    let mut attributes = Vec::new();
    for a in start.attributes() {
        let a = a.map_err(|e| ReadError::Xml(e.to_string()))?;
        let value =
            a.normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| match e {
                    quick_xml::Error::Escape(
                        quick_xml::escape::EscapeError::UnrecognizedEntity(_, n),
                    ) => ReadError::Entity(n),
                    e => ReadError::Xml(e.to_string()),
                })?;
        attributes.push((local(a.key.as_ref()), value.into_owned()));
    }
    Ok(Element {
        name: local(start.name().as_ref()),
        attributes,
        children: Vec::new(),
    })
}

/// The root element of `text`.
pub fn parse(text: &str) -> Result<Element, ReadError> {
    let mut reader = quick_xml::Reader::from_str(text);
    let xml = |e: quick_xml::Error| ReadError::Xml(e.to_string());
    // The open elements, innermost last; the finished root lands in `root`.
    let mut open: Vec<Element> = Vec::new();
    let mut root = None;
    let push_text = |open: &mut Vec<Element>, t: String| {
        if let Some(top) = open.last_mut() {
            match top.children.last_mut() {
                Some(Node::Text(last)) => last.push_str(&t),
                _ => top.children.push(Node::Text(t)),
            }
        }
    };
    loop {
        match reader.read_event().map_err(xml)? {
            Event::DocType(_) => return Err(ReadError::Dtd),
            Event::Start(s) => {
                if open.len() >= MAX_DEPTH {
                    return Err(ReadError::TooDeep(MAX_DEPTH));
                }
                open.push(element(&s)?);
            }
            Event::Empty(s) => {
                let e = element(&s)?;
                match open.last_mut() {
                    Some(top) => top.children.push(Node::Element(e)),
                    None => root = Some(e),
                }
            }
            Event::End(_) => {
                let Some(done) = open.pop() else {
                    return Err(ReadError::Xml("unbalanced end tag".into()));
                };
                match open.last_mut() {
                    Some(top) => top.children.push(Node::Element(done)),
                    None => root = Some(done),
                }
            }
            Event::Text(t) => {
                let t = t.xml_content(XmlVersion::Implicit1_0).into_owned();
                push_text(&mut open, t);
            }
            Event::CData(t) => {
                let t = t.xml_content(XmlVersion::Implicit1_0).into_owned();
                push_text(&mut open, t);
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref().map_err(xml)? {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.to_string();
                        quick_xml::escape::resolve_xml_entity(&name)
                            .ok_or(ReadError::Entity(name))?
                            .to_string()
                    }
                };
                push_text(&mut open, c);
            }
            Event::Eof => break,
            // Declarations, comments, processing instructions: nothing to read.
            _ => {}
        }
    }
    if !open.is_empty() {
        return Err(ReadError::Xml("the file ends inside an element".into()));
    }
    root.ok_or(ReadError::Unknown)
}
