//! `gloss qa`: the quality report of a run, from the cache alone.

use super::*;

pub(super) fn qa(args: QaArgs) -> Result<i32> {
    let mut opts = run_options(
        &args.source,
        Stages {
            brief: false,
            digest: false,
        },
    );
    args.shape.apply(&mut opts);
    let report = run::qa_report(&opts)?;
    if args.json {
        stdout_line(&serde_json::to_string_pretty(&report).unwrap_or_default());
    } else {
        stdout_line(&format!(
            "{:<4} {:>8} {:>7} {:>8} {:>9}  reasons",
            "id", "segments", "checked", "flagged", "repaired"
        ));
        for a in &report.articles {
            let reasons: Vec<String> = a.reasons.iter().map(|(k, n)| format!("{n} {k}")).collect();
            stdout_line(&format!(
                "{:<4} {:>8} {:>7} {:>8} {:>9}  {}",
                a.id,
                a.segments,
                a.checked,
                a.flagged,
                a.repaired,
                if a.checked < a.segments {
                    format!(
                        "{} not translated yet; {}",
                        a.segments - a.checked,
                        reasons.join(", ")
                    )
                } else {
                    reasons.join(", ")
                }
            ));
        }
        for (id, why) in &report.flagged {
            stdout_line(&format!("  ⚠ {id}: {}", why.join("; ")));
        }
        for (id, why) in &report.resolved {
            stdout_line(&format!(
                "  ✓ {id}: resolved by a reviewer (was {})",
                why.join("; ")
            ));
        }
        let reasons: Vec<String> = report
            .reasons
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        stdout_line(&format!(
            "total: {} segments, {} checked, {} flagged ({}), {} repaired",
            report.segments,
            report.checked,
            report.flagged.len(),
            reasons.join(", "),
            report.repaired
        ));
    }
    // Segments not translated yet count against --strict too.
    let untranslated = report.checked < report.segments;
    Ok(
        if args.strict && (!report.flagged.is_empty() || untranslated) {
            exit::STRICT
        } else {
            exit::OK
        },
    )
}
