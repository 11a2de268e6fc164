//! The index of a run of several issues (`index.md`, `.html`, `.json` in
//! the output folder) and its cross-issue brief (`week.md`, `.html`; the
//! JSON is in `index.json`).
//!
//! Like every renderer: no timestamps and no run statistics, so a rerun
//! from the cache writes the same bytes; every field escaped for its place
//! (an issue's title, its input's name and all model text are untrusted);
//! links are relative, to files this run wrote.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use super::escape::{model_blocks, model_inline, text};
use super::{Format, html};
use crate::error::Result;
use crate::outcome::Brief;
use crate::outcome::{IssueResult, IssueStatus};

/// Write the index and the cross-issue brief in `formats` (md, html, json;
/// the translation-only formats have no index) into `out`. Returns the files.
pub fn write(
    out: &Path,
    issues: &[IssueResult],
    cross: Option<&Brief>,
    formats: &[Format],
) -> Result<Vec<PathBuf>> {
    let entries: Vec<Entry> = issues.iter().map(|i| Entry::of(i, out)).collect();
    let formats: Vec<Format> = formats
        .iter()
        .copied()
        .filter(|f| !f.translation_only())
        .collect();
    let mut files = super::write_each(out, "index", &formats, |format| match format {
        Format::Md => index_md(&entries, cross.is_some()),
        Format::Html => index_html(&entries, cross.is_some()),
        _ => index_json(&entries, cross),
    })?;
    if let Some(cross) = cross {
        let pages: Vec<Format> = formats
            .iter()
            .copied()
            .filter(|f| *f != Format::Json)
            .collect();
        files.extend(super::write_each(
            out,
            "week",
            &pages,
            |format| match format {
                Format::Html => week_html(&entries, cross),
                _ => week_md(&entries, cross),
            },
        )?);
    }
    Ok(files)
}

/// One issue as the index shows it.
struct Entry<'a> {
    issue: &'a IssueResult,
    /// The output folder's name, which citations name.
    stem: &'a str,
    /// Its files, relative to the output folder.
    files: Vec<String>,
    /// Where a citation of one of its articles leads: its digest, else its brief.
    cite_page: Option<String>,
}

impl<'a> Entry<'a> {
    fn of(issue: &'a IssueResult, out: &Path) -> Self {
        let files: Vec<String> = issue
            .files
            .iter()
            .filter_map(|f| f.strip_prefix(out).ok())
            .map(|f| {
                f.components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .collect();
        let cite_page = ["digest.html", "brief.html"].iter().find_map(|page| {
            files
                .iter()
                .find(|f| f.ends_with(&format!("/{page}")))
                .cloned()
        });
        Entry {
            issue,
            stem: &issue.headlines.stem,
            files,
            cite_page,
        }
    }

    fn status(&self) -> String {
        match (&self.issue.status, &self.issue.error) {
            (IssueStatus::Ok, _) => "ok".to_string(),
            (IssueStatus::Failed, Some(e)) => format!("failed: {e}"),
            (IssueStatus::Failed, None) => "failed".to_string(),
        }
    }
}

/// `folder — title`, or the folder alone when the issue has no title;
/// each part escaped by `escape`.
fn heading(e: &Entry, escape: impl Fn(&str) -> String) -> String {
    match &e.issue.headlines.title {
        Some(title) => format!("{} — {}", escape(e.stem), escape(title)),
        None => escape(e.stem),
    }
}

fn counts(entries: &[Entry]) -> String {
    let failed = entries
        .iter()
        .filter(|e| e.issue.status == IssueStatus::Failed)
        .count();
    match failed {
        0 => format!("{} issues", entries.len()),
        n => format!("{} issues, {n} failed", entries.len()),
    }
}

fn index_md(entries: &[Entry], with_week: bool) -> String {
    let mut out = format!("# Issues\n\n{}", counts(entries));
    if with_week {
        out.push_str(" · [cross-issue brief](week.md)");
    }
    out.push('\n');
    for e in entries {
        out.push_str(&format!("\n## {}\n\n", heading(e, text)));
        out.push_str(&format!("- input: {}\n", text(&e.issue.input)));
        if let Some(date) = &e.issue.headlines.date {
            out.push_str(&format!("- date: {}\n", text(date)));
        }
        out.push_str(&format!("- status: {}\n", text(&e.status())));
        if !e.files.is_empty() {
            let links: Vec<String> = e
                .files
                .iter()
                .map(|f| format!("[{}](<{f}>)", text(file_name(f))))
                .collect();
            out.push_str(&format!("- files: {}\n", links.join(" · ")));
        }
        if !e.issue.headlines.headlines.is_empty() {
            out.push_str("\n### Headlines\n\n");
            for h in &e.issue.headlines.headlines {
                out.push_str(&format!("- {}\n", model_inline(h)));
            }
        }
    }
    out
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{}</style></head><body>\n<h1>{}</h1>\n{body}</body></html>\n",
        html::escape(title),
        html::BRIEF_STYLE,
        html::escape(title)
    )
}

fn index_html(entries: &[Entry], with_week: bool) -> String {
    let mut body = format!("<p class=\"meta\">{}", html::escape(&counts(entries)));
    if with_week {
        body.push_str(" · <a href=\"week.html\">cross-issue brief</a>");
    }
    body.push_str("</p>\n");
    let pages = cite_pages(entries);
    for e in entries {
        body.push_str(&format!(
            "<section id=\"{}\"><h2>{}</h2>\n<p class=\"meta\">{}{} · {}</p>\n",
            html::escape(e.stem),
            heading(e, html::escape),
            html::escape(&e.issue.input),
            e.issue
                .headlines
                .date
                .as_deref()
                .map(|d| format!(" · {}", html::escape(d)))
                .unwrap_or_default(),
            html::escape(&e.status())
        ));
        if !e.files.is_empty() {
            let links: Vec<String> = e
                .files
                .iter()
                .map(|f| {
                    format!(
                        "<a href=\"{}\">{}</a>",
                        html::escape(f),
                        html::escape(file_name(f))
                    )
                })
                .collect();
            body.push_str(&format!("<p>{}</p>\n", links.join(" · ")));
        }
        if !e.issue.headlines.headlines.is_empty() {
            let list: String = e
                .issue
                .headlines
                .headlines
                .iter()
                .map(|h| format!("- {h}\n"))
                .collect();
            body.push_str(&link_citations(&html::safe_markdown(&list, 1), &pages));
        }
        body.push_str("</section>\n");
    }
    page("Issues", &body)
}

fn index_json(entries: &[Entry], cross: Option<&Brief>) -> String {
    let issues: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            let h = &e.issue.headlines;
            serde_json::json!({
                "input": e.issue.input,
                "folder": e.stem,
                "title": h.title,
                "date": h.date,
                "status": e.issue.status,
                "error": e.issue.error,
                "headlines": h.headlines,
                "files": e.files,
            })
        })
        .collect();
    let value = serde_json::json!({ "issues": issues, "week": cross });
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}

/// The issues a cross-issue brief draws on, as its closing list.
fn briefed<'e, 'a>(entries: &'e [Entry<'a>]) -> impl Iterator<Item = &'e Entry<'a>> {
    entries
        .iter()
        .filter(|e| e.issue.status == IssueStatus::Ok && !e.issue.headlines.summaries.is_empty())
}

fn week_md(entries: &[Entry], cross: &Brief) -> String {
    let mut out = format!("# Cross-issue brief\n\n{}\n\n", text(&counts(entries)));
    out.push_str(&model_blocks(&cross.markdown, 0));
    out.push_str("\n## Issues\n\n");
    for e in briefed(entries) {
        out.push_str(&format!("- {}\n", heading(e, text)));
    }
    out
}

fn week_html(entries: &[Entry], cross: &Brief) -> String {
    let pages = cite_pages(entries);
    let mut body = format!(
        "<p class=\"meta\">{} · <a href=\"index.html\">index</a></p>\n",
        html::escape(&counts(entries))
    );
    body.push_str(&link_citations(
        &html::safe_markdown(&cross.markdown, 0),
        &pages,
    ));
    body.push_str("<section class=\"articles\"><h2>Issues</h2>\n");
    for e in briefed(entries) {
        body.push_str(&format!(
            "<p><a href=\"index.html#{}\">{}</a></p>\n",
            html::escape(e.stem),
            heading(e, html::escape)
        ));
    }
    body.push_str("</section>\n");
    page("Cross-issue brief", &body)
}

/// Issue folder → the page its citations lead to.
fn cite_pages<'a>(entries: &'a [Entry]) -> BTreeMap<&'a str, &'a str> {
    entries
        .iter()
        .filter_map(|e| Some((e.stem, e.cite_page.as_deref()?)))
        .collect()
}

/// Every `[<issue> A03]` in rendered HTML made a link to that article on
/// the issue's page. Folder names hold only letters, digits, `-`, `_` and
/// `.`, which escaping leaves alone, so the text is found as written.
fn link_citations(html_text: &str, pages: &BTreeMap<&str, &str>) -> String {
    static CITED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\[([\w.-]+) ([A-Z]\d{2,3})\]").expect("static regex"));
    CITED
        .replace_all(html_text, |c: &regex::Captures<'_>| {
            match pages.get(&c[1]) {
                Some(page) => format!(
                    "<a class=\"cite\" href=\"{}#{}\">{}</a>",
                    html::escape(page),
                    html::escape(&c[2]),
                    &c[0]
                ),
                None => c[0].to_string(),
            }
        })
        .into_owned()
}
