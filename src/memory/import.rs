//! What a post-edited file changes: each unit is compared with what the
//! memory knows of its segment (the source and translation of the issue's
//! last run, or a reviewer's earlier correction).

use super::{ASIDE_FILE, FILE, Memory, Origin, Record, VERSION, append};
use crate::error::Result;
use crate::postedit::{Bundle, clean};

/// The corrections found in a file.
#[derive(Debug, Default)]
pub struct Corrections {
    /// Targets the reviewer changed: new human records.
    pub changed: Vec<Record>,
    /// Flagged translations the reviewer approved as they are (PO `fuzzy`
    /// cleared, XLIFF state no longer `needs-review-translation`).
    pub approved: Vec<Record>,
    /// Corrections whose source is not the segment's source any more (the
    /// issue changed since the export): kept aside, not applied.
    pub aside: Vec<Record>,
    /// Unit ids the memory knows no segment of (a typo, another issue, a
    /// segment never translated): ignored.
    pub unknown: Vec<String>,
    /// Units left as they were.
    pub unchanged: usize,
}

impl Corrections {
    /// Find the corrections `bundle` makes to what `memory` holds for its issue.
    pub fn find(memory: &Memory, bundle: &Bundle) -> Corrections {
        let mut out = Corrections::default();
        for u in &bundle.units {
            let Some(known) = memory.segment(&bundle.issue, &u.id) else {
                out.unknown.push(u.id.clone());
                continue;
            };
            let record = |target: &str| Record {
                v: VERSION,
                kind: known.kind,
                origin: Origin::Human,
                lang: memory.lang.clone(),
                issue: bundle.issue.clone(),
                id: u.id.clone(),
                source: known.source.clone(),
                target: target.to_string(),
                flags: Vec::new(),
                repaired: false,
                model: String::new(),
            };
            let target = u.target.trim();
            if clean(&known.source).trim() != u.source.trim() {
                if !target.is_empty() {
                    out.aside.push(Record {
                        source: u.source.clone(),
                        ..record(target)
                    });
                }
                continue;
            }
            // A name's current rendering is its latest record.
            let human = (known.kind == super::RecordKind::Segment)
                .then(|| memory.human(&known.source))
                .flatten();
            let current = human.unwrap_or(&known.target);
            if target.is_empty() {
                out.unchanged += 1;
            } else if target != clean(current).trim() {
                out.changed.push(record(target));
            } else if !u.needs_review && human.is_none() && !known.flags.is_empty() {
                out.approved.push(record(target));
            } else {
                out.unchanged += 1;
            }
        }
        out
    }

    /// Write the human records into the memory and the kept-aside ones
    /// beside it (nowhere else).
    pub fn save(&self, memory: &Memory) -> Result<()> {
        let Some(dir) = memory.dir() else {
            return Ok(());
        };
        let kept: Vec<Record> = self.changed.iter().chain(&self.approved).cloned().collect();
        append(&dir.join(FILE), &kept)?;
        append(&dir.join(ASIDE_FILE), &self.aside)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::Mode;
    use crate::glossary::Term;
    use crate::postedit::Unit;

    #[test]
    fn a_name_the_reviewer_fixed_feeds_the_next_issue_only() {
        let dir = tempfile::tempdir().unwrap();
        let term = |target: &str| Term {
            source: "미즈호은행".into(),
            target: target.into(),
            note: None,
            origin: "F01".into(),
        };
        let first = Memory::open(dir.path(), "issue-1", "English", "m", Mode::Normal);
        first.record_names(&[term("Mizuho Eunhaeng")]).unwrap();
        let unit = |target: &str| Unit {
            id: "name:미즈호은행".into(),
            source: "미즈호은행".into(),
            target: target.into(),
            notes: Vec::new(),
            needs_review: false,
        };
        let bundle = Bundle {
            issue: "issue-1".into(),
            source_language: "ko".into(),
            target_language: "en".into(),
            units: vec![unit("Mizuho Bank"), {
                let mut u = unit("Nothing");
                u.id = "name:없는 이름".into();
                u
            }],
        };
        let memory = Memory::open(dir.path(), "issue-1", "en", "", Mode::Normal);
        let found = Corrections::find(&memory, &bundle);
        assert_eq!(found.changed.len(), 1);
        assert_eq!(found.unknown, ["name:없는 이름"]);
        found.save(&memory).unwrap();
        let names = |issue: &str| {
            Memory::open(dir.path(), issue, "English", "m", Mode::Normal)
                .names()
                .into_iter()
                .map(|t| (t.source, t.target))
                .collect::<Vec<_>>()
        };
        assert!(
            names("issue-1").is_empty(),
            "its own issue keeps its prompts"
        );
        assert_eq!(
            names("issue-2"),
            [("미즈호은행".to_string(), "Mizuho Bank".to_string())]
        );
    }
}
