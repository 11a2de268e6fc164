//! `gloss glossary`: the termbase a run extracts, shown or written out.

use super::*;

pub(super) fn glossary(args: GlossaryArgs) -> Result<i32> {
    let mut opts = run_options(
        &args.source,
        Stages {
            brief: false,
            digest: false,
        },
    );
    args.requests.apply(&mut opts);
    opts.progress = opts.progress && !progress::Console::get().quiet;
    let p = run::prepare(&opts)?;
    let (termbase, reports) = runtime()?.block_on(async {
        tokio::select! {
            r = run::extract_terms(&p, opts.progress) => r,
            _ = tokio::signal::ctrl_c() => Err(GlossError::Interrupted),
        }
    })?;
    if let Some(w) = p.cache.write_failure() {
        progress::warn(w);
    }
    let sent: u32 = reports.iter().map(|r| r.traffic.requests).sum();
    if args.json {
        stdout_line(
            &serde_json::to_string_pretty(&serde_json::json!({
                "terms": termbase.glossary.terms, "conflicts": termbase.conflicts,
                "saved": args.save, "requests": sent,
            }))
            .unwrap_or_default(),
        );
    } else {
        for t in &termbase.glossary.terms {
            stdout_line(&format!("{} → {}  ({})", t.source, t.target, t.origin));
        }
        for c in &termbase.conflicts {
            stdout_line(&format!("conflict: {c}"));
        }
    }
    if let Some(path) = &args.save {
        crate::render::write_atomic(path, termbase.glossary.to_toml().as_bytes())?;
        progress::info(&format!(
            "saved {} terms to {} (edit it, then pass --glossary {})",
            termbase.glossary.terms.len(),
            path.display(),
            path.display()
        ));
    }
    progress::info(&format!(
        "{} terms from {} articles, {} requests sent",
        termbase.glossary.terms.len(),
        reports.len(),
        sent
    ));
    Ok(exit::OK)
}
