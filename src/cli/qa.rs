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
                match (a.segments - a.checked, reasons.is_empty()) {
                    (0, _) => reasons.join(", "),
                    (missing, true) => format!("{missing} not translated yet"),
                    (missing, false) => {
                        format!("{missing} not translated yet; {}", reasons.join(", "))
                    }
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
            "total: {} segments, {} checked, {} flagged{}, {} repaired",
            report.segments,
            report.checked,
            report.flagged.len(),
            if reasons.is_empty() {
                String::new()
            } else {
                format!(" ({})", reasons.join(", "))
            },
            report.repaired
        ));
    }
    // Nothing of this issue in the cache under these settings: most often
    // the run used another model, profile or budget.
    if report.checked == 0 && report.segments > 0 {
        crate::progress::warn(
            "no translation of this issue is cached for these settings: not run yet, or run with other ones; pass the --profile, --model, --budget, --glossary and --prompts the run used (and --no-termbase if it skipped the termbase)",
        );
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
