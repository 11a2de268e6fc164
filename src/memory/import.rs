//! What a post-edited file changes: each unit is compared with what the
//! memory knows of its segment (the source and translation of the issue's
//! last run, or a reviewer's earlier correction).

use super::{ASIDE_FILE, FILE, Memory, Origin, Record, RecordKind, VERSION, append};
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
                kind: RecordKind::Segment,
                origin: Origin::Human,
                lang: memory.lang.clone(),
                issue: bundle.issue.clone(),
                id: u.id.clone(),
                source: known.source.clone(),
                target: target.to_string(),
                flags: Vec::new(),
                repaired: false,
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
            let human = memory.human(&known.source);
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
