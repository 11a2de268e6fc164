//! What gloss says on stderr: one progress line over a run's graph (on a
//! terminal a bar; otherwise, in a pipe or a CI log, a plain line every
//! [`PROGRESS_SECS`] seconds), and the `warning:`/`error:`/`note:` lines,
//! which follow `-q`, `-v` and `--color`.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The stage bars made while a run of several issues gathers them (see
/// [`gather_stage_bars`]); `None` otherwise.
static GATHERED: std::sync::Mutex<Option<Vec<ProgressBar>>> = std::sync::Mutex::new(None);

/// A bar for `total` `units` of `stage` (the overall bar of a run of
/// several issues; gathered, and so not drawn, while issues gather theirs).
pub fn stage_bar(stage: &str, units: &str, total: u64, visible: bool) -> ProgressBar {
    if let Some(bars) = GATHERED.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
        let bar = ProgressBar::hidden();
        bar.set_length(total);
        bars.push(bar.clone());
        return bar;
    }
    let target = if visible && !Console::get().quiet {
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

/// One progress line over a run's whole graph: nodes done of all, per-stage
/// counts, tokens so far and the ETA (hidden when stderr is not a terminal,
/// or with `-q`).
pub struct GraphBar {
    bar: ProgressBar,
    state: std::sync::Mutex<BarState>,
    ticker: std::sync::Mutex<Option<Ticker>>,
}

/// The variable that sets how often a run whose stderr is no terminal
/// prints a progress line, in seconds (default 30; 0: never).
pub const PROGRESS_SECS: &str = "GLOSS_PROGRESS_SECS";

struct BarState {
    /// Per stage: name, done, total.
    stages: Vec<(&'static str, u64, u64)>,
    tokens_in: u64,
    tokens_out: u64,
}

/// Plain progress lines for a bar that cannot draw because stderr is no
/// terminal (a pipe, a CI log: a 10-minute run was silent till its end): a
/// thread prints `progress <pos>/<len> <units> · <message> · <elapsed> s`
/// every [`PROGRESS_SECS`] seconds, whether or not a node finished (a local
/// model's chunk or brief can take minutes), until dropped.
pub struct Ticker {
    stop: std::sync::Arc<(std::sync::Mutex<bool>, std::sync::Condvar)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Ticker {
    /// A ticker over `bar` when it is `visible` (not `-q`) and stderr is no
    /// terminal; `None` otherwise.
    pub fn start(bar: &ProgressBar, units: &'static str, visible: bool) -> Option<Ticker> {
        if !visible || Console::get().quiet || std::io::stderr().is_terminal() {
            return None;
        }
        let every = match std::env::var(PROGRESS_SECS) {
            Err(_) => 30,
            Ok(v) => match v.trim().parse::<u64>() {
                Ok(secs) => secs,
                Err(_) => {
                    warn(&format!(
                        "{PROGRESS_SECS}={v:?} is not a number of seconds; using 30"
                    ));
                    30
                }
            },
        };
        if every == 0 {
            return None;
        }
        let every = std::time::Duration::from_secs(every);
        let stop = std::sync::Arc::new((std::sync::Mutex::new(false), std::sync::Condvar::new()));
        let (bar, flag) = (bar.clone(), stop.clone());
        let started = std::time::Instant::now();
        let thread = std::thread::spawn(move || {
            let (lock, wake) = &*flag;
            let mut stopped = lock.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                stopped = match wake.wait_timeout(stopped, every) {
                    Ok((guard, _)) => guard,
                    Err(e) => e.into_inner().0,
                };
                if *stopped || bar.is_finished() {
                    break;
                }
                info(&format!(
                    "progress {}/{} {units} · {} · {} s",
                    bar.position(),
                    bar.length().unwrap_or(0),
                    bar.message(),
                    started.elapsed().as_secs()
                ));
            }
        });
        Some(Ticker {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        let (lock, wake) = &*self.stop;
        *lock.lock().unwrap_or_else(|e| e.into_inner()) = true;
        wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl GraphBar {
    /// A bar over `stages` (name and node count each).
    pub fn new(stages: &[(&'static str, u64)], visible: bool) -> Self {
        let total = stages.iter().map(|(_, n)| n).sum();
        let gathering = GATHERED.lock().unwrap_or_else(|e| e.into_inner()).is_some();
        // One issue among several: drawn by the run's overall bar instead.
        let target = if visible && !Console::get().quiet && !gathering {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(total), target);
        if let Some(bars) = GATHERED.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
            bars.push(bar.clone());
        }
        bar.set_style(
            ProgressStyle::with_template("[{bar:24}] {pos}/{len} · {msg} · ETA {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        let state = BarState {
            stages: stages.iter().map(|&(s, n)| (s, 0, n)).collect(),
            tokens_in: 0,
            tokens_out: 0,
        };
        bar.set_message(state.message());
        let ticker = Ticker::start(&bar, "nodes", visible && !gathering);
        GraphBar {
            bar,
            state: std::sync::Mutex::new(state),
            ticker: std::sync::Mutex::new(ticker),
        }
    }

    /// One node of `stage` is done, having cost these tokens.
    pub fn done(&self, stage: &str, tokens_in: u64, tokens_out: u64) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = s.stages.iter_mut().find(|(name, ..)| *name == stage) {
            entry.1 += 1;
        }
        s.tokens_in += tokens_in;
        s.tokens_out += tokens_out;
        self.bar.set_message(s.message());
        self.bar.inc(1);
    }

    /// Clear the line (and stop the plain lines).
    pub fn finish(&self) {
        self.bar.finish_and_clear();
        self.ticker.lock().unwrap_or_else(|e| e.into_inner()).take();
    }
}

impl BarState {
    /// `terms 3/14 · translate 20/60 · … · 12034 tokens in / 9120 out`.
    fn message(&self) -> String {
        let mut parts: Vec<String> = self
            .stages
            .iter()
            .map(|(name, done, total)| format!("{name} {done}/{total}"))
            .collect();
        parts.push(format!(
            "{} tokens in / {} out",
            self.tokens_in, self.tokens_out
        ));
        parts.join(" · ")
    }
}

/// From now until the guard is dropped, stage bars draw nothing and are
/// gathered, so that a run of several issues shows one bar for all of them
/// ([`gathered_progress`]) instead of two per issue.
pub fn gather_stage_bars() -> GatherGuard {
    *GATHERED.lock().unwrap_or_else(|e| e.into_inner()) = Some(Vec::new());
    GatherGuard
}

/// Ends the gathering of stage bars when dropped.
pub struct GatherGuard;

impl Drop for GatherGuard {
    fn drop(&mut self) {
        *GATHERED.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// The units done and the units known so far of every gathered bar.
pub fn gathered_progress() -> (u64, u64) {
    let guard = GATHERED.lock().unwrap_or_else(|e| e.into_inner());
    guard.iter().flatten().fold((0, 0), |(done, all), b| {
        (done + b.position(), all + b.length().unwrap_or(0))
    })
}

/// When to colour the `warning:`/`error:` prefixes on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Only when stderr is a terminal, `NO_COLOR` is unset (or `CLICOLOR_FORCE` is set).
    #[default]
    Auto,
    /// Always, even into a pipe or with `NO_COLOR` set.
    Always,
    /// Never.
    Never,
}

/// How much gloss says on stderr, and whether in colour; set once by the binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Console {
    /// Only warnings and errors (`-q`).
    pub quiet: bool,
    /// Extra detail: the resolved endpoint, per-chunk traffic (`-v`).
    pub verbose: bool,
    /// Colour the message prefixes.
    pub color: bool,
}

static CONSOLE: std::sync::OnceLock<Console> = std::sync::OnceLock::new();

impl Console {
    /// Decide colour the way `anstream` and most CLIs do: an explicit
    /// `always`/`never` wins; under `auto`, a non-empty `NO_COLOR` turns it
    /// off, a non-empty `CLICOLOR_FORCE` (not `0`) turns it on, otherwise
    /// only a terminal gets colour.
    pub fn new(quiet: bool, verbose: bool, choice: ColorChoice) -> Self {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) => {
                false
            }
            ColorChoice::Auto => set("CLICOLOR_FORCE") || std::io::stderr().is_terminal(),
        };
        Console {
            quiet,
            verbose,
            color,
        }
    }

    /// Make this the process's console settings (the first call wins).
    pub fn install(self) {
        let _ = CONSOLE.set(self);
    }

    /// The installed settings (defaults when none were installed, as in library use).
    pub fn get() -> Console {
        CONSOLE.get().copied().unwrap_or_default()
    }
}

/// `text` with each control character shown escaped (`\n`, `\t`,
/// `\u{1b}`), as Rust writes it: a file name holding ESC, BEL or a newline
/// must not move the cursor, ring, recolour or forge lines on a terminal.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// One `gloss: <kind>: message` line, the kind coloured when enabled;
/// control characters in the message escaped.
fn line(kind: &str, ansi: &str, message: &str) -> String {
    let message = escape_controls(message);
    if Console::get().color {
        format!("gloss: \x1b[{ansi}m{kind}:\x1b[0m {message}")
    } else {
        format!("gloss: {kind}: {message}")
    }
}

/// Warnings already shown while stage bars are gathered: every issue of a
/// run of several reads the same config, and says so once.
static WARNED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// A warning on stderr (shown even with `-q`).
pub fn warn(message: &str) {
    let gathering = GATHERED.lock().unwrap_or_else(|e| e.into_inner()).is_some();
    if gathering {
        let mut warned = WARNED.lock().unwrap_or_else(|e| e.into_inner());
        if warned.iter().any(|w| w == message) {
            return;
        }
        warned.push(message.to_string());
    }
    eprintln!("{}", line("warning", "1;33", message));
}

/// An error on stderr (shown even with `-q`).
pub fn error(message: &str) {
    eprintln!("{}", line("error", "1;31", message));
}

/// A note on stderr (hidden by `-q`).
pub fn note(message: &str) {
    if !Console::get().quiet {
        eprintln!("{}", line("note", "1;36", message));
    }
}

/// A plain `gloss: message` line on stderr (hidden by `-q`).
pub fn info(message: &str) {
    if !Console::get().quiet {
        eprintln!("gloss: {}", escape_controls(message));
    }
}

/// Detail only `-v` asks for.
pub fn detail(message: &str) {
    let c = Console::get();
    if c.verbose && !c.quiet {
        eprintln!("gloss: {}", escape_controls(message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_in_names_are_shown_escaped() {
        let name = "evil\u{1b}[2J\u{7}\nfake row.txt";
        let shown = escape_controls(name);
        assert_eq!(shown, "evil\\u{1b}[2J\\u{7}\\nfake row.txt");
        assert!(!line("warning", "1;33", name).chars().any(char::is_control));
        // Plain names, Hangul included, are not copied.
        assert!(matches!(
            escape_controls("보고서 2025.pdf"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
