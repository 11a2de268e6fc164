//! `gloss parse`: the articles found, as a table or JSON.

use super::*;

pub(super) fn parse(
    file: &std::path::Path,
    json: bool,
    model: Option<&EndpointArgs>,
) -> Result<i32> {
    let src = crate::load::load(file)?;
    for w in &src.warnings {
        crate::progress::warn(w);
    }
    let mut issue = crate::parse::parse(&src);
    if let Some(endpoint) = model {
        issue = model_structure(&src, issue, endpoint)?;
    }
    if json {
        // The warnings (a low contents check among them) go to stderr.
        for w in &issue.warnings {
            eprintln!("gloss: warning: {w}");
        }
        // Streamed, with the input's text gone: a 50 MB issue's JSON is
        // twice its size, and need not be held next to it.
        drop(src);
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        // A closed pipe is not an error worth a message (see stdout_line).
        let _ = serde_json::to_writer_pretty(&mut out, &issue)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out))
            .and_then(|()| out.flush());
        return Ok(0);
    }
    let counter = crate::tokens::TokenCounter::for_model("gpt-4o");
    stdout_line(&format!(
        "{:<4} {} {} {} {} {:>5} {:>6} {} pages",
        "id",
        fit("section", 16),
        fit("title", 44),
        fit("source", 18),
        fit("date", 6),
        "paras",
        "tokens",
        fit("start", 14),
    ));
    for a in &issue.articles {
        stdout_line(&format!(
            "{:<4} {} {} {} {} {:>5} {:>6} {} {}",
            a.id,
            fit(a.section.as_deref().unwrap_or("-"), 16),
            fit(
                &match &a.category {
                    Some(c) => format!("({c}) {}", a.title),
                    None => a.title.clone(),
                },
                44
            ),
            fit(a.source.as_deref().unwrap_or("-"), 18),
            fit(a.date.as_deref().unwrap_or("-"), 6),
            a.paragraphs.len(),
            counter.count(&a.full_text()),
            // How the start was found, and where the article stands.
            fit(a.start.label(), 14),
            match a.pages.as_slice() {
                [first, last] if first != last => format!("{first}-{last}"),
                [page, ..] => page.to_string(),
                [] => "-".to_string(),
            }
        ));
    }
    let mut reasons: std::collections::BTreeMap<&str, usize> = Default::default();
    for d in &issue.dropped {
        *reasons.entry(d.reason.as_str()).or_default() += 1;
    }
    let kinds = |k| issue.articles.iter().filter(|a| a.kind == k).count();
    use crate::document::ArticleKind::*;
    eprintln!(
        "{}: {} front, {} articles, {} clippings; dropped {} lines{}; encoding {}",
        crate::progress::escape_controls(&src.name),
        kinds(Front),
        kinds(Article),
        kinds(Clipping),
        issue.dropped.len(),
        if reasons.is_empty() {
            String::new()
        } else {
            let each: Vec<String> = reasons.iter().map(|(r, n)| format!("{n} {r}")).collect();
            format!(" ({})", each.join(", "))
        },
        src.encoding
    );
    // The contents check; below 80 % it is one of the warnings below.
    if let Some(c) = issue.contents.as_ref().filter(|c| !c.is_low()) {
        eprintln!("{}", c.summary());
    }
    for w in &issue.warnings {
        crate::progress::warn(w);
    }
    Ok(0)
}

/// `gloss parse --model-structure`: the issue as the model places its
/// contents entries, when the check is low (or the profile says `model`).
fn model_structure(
    src: &crate::load::SourceText,
    issue: crate::document::Issue,
    endpoint: &EndpointArgs,
) -> Result<crate::document::Issue> {
    use crate::config::StructureMode;
    let o = overrides(endpoint);
    let cwd = std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from("."));
    let config = Config::load_with(&cwd, o.trust_workspace)?;
    let (profile, _) = config.profile(&o)?;
    let mode = match profile.structure {
        StructureMode::Model => StructureMode::Model,
        _ => StructureMode::Auto,
    };
    if !crate::structure::wanted(&issue, mode) {
        return Ok(issue);
    }
    let cache = Cache::new(&config.cache_dir(&o), Mode::Normal);
    let client = crate::llm::LazyClient::new(profile.client_settings());
    let prompts = crate::prompts::Prompts::builtin();
    let services = crate::stage::Services {
        prompts: &prompts,
        profile: &profile,
        cache: &cache,
        client: &client,
    };
    let outcome = runtime()?
        .block_on(crate::structure::ask(src, issue.clone(), services))
        .map_err(GlossError::from)?;
    Ok(match outcome {
        Some(o) => {
            eprintln!(
                "{} ({})",
                o.note,
                if o.report.traffic.cache_hit {
                    "cached"
                } else {
                    "1 request"
                }
            );
            o.issue
        }
        None => issue,
    })
}

/// Truncate to `width` terminal columns and pad to exactly that width
/// (format!'s padding counts chars, and Hangul takes two columns).
pub(super) fn fit(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    // A name with control characters must not forge rows or move the cursor.
    let text = &*crate::progress::escape_controls(text);
    let total = crate::document::display_width(text);
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if total > width && used + w + 1 > width {
            out.push('…');
            used += 1;
            break;
        }
        out.push(c);
        used += w;
    }
    out + &" ".repeat(width.saturating_sub(used))
}
