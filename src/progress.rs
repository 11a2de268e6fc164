//! Progress bars on stderr, one per stage; hidden when stderr is not a terminal.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar for `total` `units` (chunks, articles) of `stage`.
pub fn stage_bar(stage: &str, units: &str, total: u64, visible: bool) -> ProgressBar {
    let target = if visible {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(total), target);
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{prefix:>10}} [{{bar:30}}] {{pos}}/{{len}} {units} · {{msg}} · ETA {{eta}}"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_prefix(stage.to_string());
    bar
}
