//! Stage 7 — render: write the digest and brief as Markdown, HTML and JSON.

/// Make a name derived from input safe to use as a file or folder name:
/// letters, digits, `-`, `_` and `.` only, no leading dot, at most 80 bytes.
pub fn sanitize_file_stem(stem: &str) -> String {
    let mut out: String = stem
        .chars()
        .map(|c| if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
        .collect();
    while out.starts_with('.') {
        out.remove(0);
    }
    while out.len() > 80 {
        out.pop();
    }
    if out.is_empty() { "input".to_string() } else { out }
}
