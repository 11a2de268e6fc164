//! The conventions of the CLIs people already use (issue 14): completions,
//! man page, `-q`/`-v`, colour and `NO_COLOR`, `GLOSS_PROFILE`/`GLOSS_MODEL`,
//! "did you mean", exit codes, `--json`, `--out -`, `--open`, file modes
//! under the umask, and the run log behind `gloss runs`.
//!
//! Runs go to the in-process mock server (tests/common) through the real
//! binary; expectations come from `gloss parse --json`, the mock's request
//! counts and the file system, never from gloss's own rendering.
mod common;

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use clap::CommandFactory;
use common::workspace::{
    STEM, Workspace, assert_ok, expected_translation, parse_json, sample, stdout_json, text,
};
use serde_json::Value;

fn config_toml(url: &str) -> String {
    format!(
        r#"default_profile = "mock"

[profiles.mock]
base_url = "{url}"
model = "mock-model"
timeout_secs = 5
max_attempts = 2

[profiles.second]
base_url = "{url}"
model = "second-model"
timeout_secs = 5
max_attempts = 2

[prices.mock-model]
input = 1.0
output = 2.0
"#
    )
}

/// One article, no termbase: a small, quick run.
const SMALL: [&str; 4] = ["--articles", "C01", "--no-termbase", "--no-repair"];

fn workspace() -> Workspace {
    let ws = Workspace::seeded("conventions", config_toml);
    ws.trust();
    ws
}

fn gloss(ws: &Workspace, args: &[&str]) -> Output {
    ws.cmd().args(args).output().expect("run gloss")
}

/// `gloss translate SAMPLE <SMALL> --out OUT <extra>`.
fn translate(ws: &Workspace, extra: &[&str]) -> Output {
    let mut cmd = ws.cmd();
    cmd.arg("translate")
        .arg(sample())
        .args(SMALL)
        .arg("--out")
        .arg(ws.out())
        .args(extra);
    cmd.output().expect("run gloss")
}

fn stderr_lines(out: &Output) -> Vec<String> {
    text(&out.stderr).lines().map(str::to_string).collect()
}

/// The subcommand names listed under "Commands:" in `gloss --help`.
fn subcommands(ws: &Workspace) -> Vec<String> {
    let help = text(&gloss(ws, &["--help"]).stdout);
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

/// The source paragraphs of article C01, from `gloss parse --json`.
fn c01_paragraphs(ws: &Workspace) -> Vec<String> {
    let parsed = parse_json(ws, &sample());
    let article = parsed["articles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "C01")
        .cloned()
        .unwrap();
    article["paragraphs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["text"].as_str().unwrap().to_string())
        .collect()
}

fn has_program(name: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn bash_completions_parse_and_register() {
    let ws = workspace();
    let out = gloss(&ws, &["completions", "bash"]);
    assert_ok(&out);
    let script = ws.path().join("gloss.bash");
    std::fs::write(&script, &out.stdout).unwrap();
    let syntax = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(syntax.status.success(), "{}", text(&syntax.stderr));
    let registered = Command::new("bash")
        .arg("-c")
        .arg(format!("source {:?} && complete -p gloss", script))
        .output()
        .unwrap();
    assert!(
        registered.status.success(),
        "complete -p gloss: {}",
        text(&registered.stderr)
    );
    assert!(text(&registered.stdout).contains("gloss"));
    // Every subcommand is offered.
    let script = text(&out.stdout);
    for sub in subcommands(&ws) {
        assert!(script.contains(&sub), "bash completion lacks {sub}");
    }
}

#[test]
fn zsh_and_fish_completions_name_every_subcommand() {
    let ws = workspace();
    let subs = subcommands(&ws);
    assert!(subs.len() >= 10, "{subs:?}");
    for shell in ["zsh", "fish"] {
        let out = gloss(&ws, &["completions", shell]);
        assert_ok(&out);
        let script = text(&out.stdout);
        for sub in &subs {
            assert!(script.contains(sub.as_str()), "{shell} lacks {sub}");
        }
    }
    assert_eq!(
        gloss(&ws, &["completions", "tcsh-ish"]).status.code(),
        Some(2)
    );
}

#[test]
fn man_page_renders_with_every_subcommand() {
    let ws = workspace();
    let out = gloss(&ws, &["man"]);
    assert_ok(&out);
    let roff = text(&out.stdout);
    assert!(roff.contains(".TH gloss"), "{roff}");
    for sub in subcommands(&ws) {
        assert!(roff.contains(&sub), "man page lacks {sub}");
    }
    if has_program("man") {
        let page = ws.path().join("gloss.1");
        std::fs::write(&page, &out.stdout).unwrap();
        let shown = Command::new("man")
            .arg("-l")
            .arg(&page)
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "100")
            .output()
            .unwrap();
        assert!(shown.status.success(), "{}", text(&shown.stderr));
        assert!(text(&shown.stdout).to_uppercase().contains("SUBCOMMANDS"));
    }
}

/// An error is coloured only when asked: `--color always` beats NO_COLOR,
/// NO_COLOR beats CLICOLOR_FORCE, `--color never` beats everything.
#[test]
fn colour_follows_flag_and_environment() {
    let ws = workspace();
    // (flags, environment, coloured)
    type Case = (
        &'static [&'static str],
        &'static [(&'static str, &'static str)],
        bool,
    );
    let cases: [Case; 6] = [
        (&[], &[], false),
        (&["--color", "always"], &[], true),
        (&["--color", "always"], &[("NO_COLOR", "1")], true),
        (&[], &[("CLICOLOR_FORCE", "1")], true),
        (&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")], false),
        (&["--color", "never"], &[("CLICOLOR_FORCE", "1")], false),
    ];
    for (flags, env, coloured) in cases {
        let mut cmd = ws.cmd();
        cmd.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
        cmd.args(flags).args(["parse", "no-such-file.txt"]);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = text(&out.stderr);
        assert!(err.contains("error:"), "{err}");
        assert_eq!(err.contains('\x1b'), coloured, "{flags:?} {env:?}: {err:?}");
    }
}

/// Each exit status the binary returns is in `--help`'s table.
#[test]
fn exit_codes_match_the_help_table() {
    let ws = workspace();
    let help = text(&gloss(&ws, &["--help"]).stdout);
    let table: BTreeSet<i32> = help
        .lines()
        .skip_while(|l| !l.starts_with("Exit status:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect();
    let observed = [
        gloss(&ws, &["parse", "no-such-file.txt"]).status.code(),
        gloss(&ws, &["parse", "--no-such-flag"]).status.code(),
        translate(&ws, &["--format", "md,html"]).status.code(), // `--out OUT` twice is fine
    ];
    let usage = {
        let mut cmd = ws.cmd();
        cmd.arg("translate")
            .arg(sample())
            .args(["--out", "-", "--format", "md,html"]);
        cmd.output().unwrap().status.code()
    };
    assert_eq!(observed[0], Some(1));
    assert_eq!(observed[1], Some(2));
    assert_eq!(observed[2], Some(0));
    assert_eq!(usage, Some(2), "--out - with two formats is a usage error");
    for code in observed.into_iter().chain([usage]).flatten() {
        assert!(table.contains(&code), "{code} not in {table:?}");
    }
    assert!(table.is_superset(&[0, 1, 2, 3, 130].into()), "{table:?}");
}

#[test]
fn run_json_names_folder_files_profile_model_status() {
    let ws = workspace();
    let out = translate(
        &ws,
        &["--json", "--format", "md,html,json,translation-md,txt"],
    );
    assert_ok(&out);
    let json = stdout_json(&out);
    assert_eq!(json["profile"], "mock");
    assert_eq!(json["model"], "mock-model");
    assert_eq!(json["command"], "translate");
    assert_eq!(json["exit_status"], 0);
    assert_eq!(json["totals"]["requests"], ws.mock.requests() as u64);
    let out_dir = PathBuf::from(json["out_dir"].as_str().unwrap());
    assert_eq!(out_dir, ws.out().join(STEM));
    let files: Vec<PathBuf> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| PathBuf::from(f.as_str().unwrap()))
        .collect();
    let on_disk: BTreeSet<PathBuf> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.iter().cloned().collect::<BTreeSet<_>>(), on_disk);
    // One file per format, plus the manifest.
    assert_eq!(files.len(), 6, "{files:?}");

    // The end of the run: every file written, then the summary line last.
    let lines = stderr_lines(&out);
    let block: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with("gloss: wrote "))
        .collect();
    assert_eq!(block.len(), files.len(), "{lines:#?}");
    for f in &files {
        assert!(
            block.iter().any(|l| l.ends_with(&f.display().to_string())),
            "{f:?} not listed: {lines:#?}"
        );
    }
    let last = lines.last().expect("a summary line");
    assert!(last.contains("requests sent"), "{lines:#?}");
    assert!(last.ends_with(&out_dir.display().to_string()), "{last}");
}

/// Modes are 0666 minus the umask: 0644 under 022, 0600 under 077.
#[test]
fn output_files_follow_the_umask() {
    let ws = workspace();
    for (umask, expected) in [("022", 0o644), ("077", 0o600)] {
        let out_root = ws.path().join(format!("out-{umask}"));
        let template = ws.cmd();
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
            .arg(template.get_program())
            .arg("translate")
            .arg(sample())
            .args(SMALL)
            .args(["--format", "md,html,json,txt", "--out"])
            .arg(&out_root)
            .current_dir(ws.path());
        for (k, v) in template.get_envs() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        let out = cmd.output().unwrap();
        assert_ok(&out);
        let dir = out_root.join(STEM);
        let mut seen = 0;
        for e in std::fs::read_dir(&dir).unwrap() {
            let mode = e.unwrap().metadata().unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, expected, "umask {umask}");
            seen += 1;
        }
        assert_eq!(seen, 5);
    }
}

/// `--out -` writes the one format to stdout, only translations, and makes no `-` folder.
#[test]
fn out_dash_writes_one_format_to_stdout() {
    let ws = workspace();
    let paragraphs = c01_paragraphs(&ws);
    for format in ["translation-md", "txt"] {
        let mut cmd = ws.cmd();
        cmd.arg("translate")
            .arg(sample())
            .args(SMALL)
            .args(["--out", "-", "--format", format]);
        let out = cmd.output().unwrap();
        assert_ok(&out);
        assert!(
            text(&out.stderr).contains(&format!("wrote {format} to standard output")),
            "{}",
            text(&out.stderr)
        );
        let stdout = text(&out.stdout);
        for source in &paragraphs {
            assert!(
                stdout.contains(&expected_translation(source)),
                "{format}: missing translation of {source:?}\n{stdout}"
            );
            assert!(!stdout.contains(source), "{format}: source leaked");
        }
        assert!(!ws.path().join("-").exists());
    }
    // Usage errors: the brief has no translation-only format; `run` would
    // print two documents; `--json` and `--open` compete for the output.
    for (command, extra) in [
        ("brief", &["--format", "txt"][..]),
        ("run", &["--format", "md"]),
        ("translate", &["--format", "md", "--json"]),
        ("translate", &["--format", "md", "--open"]),
    ] {
        let mut cmd = ws.cmd();
        cmd.arg(command)
            .arg(sample())
            .args(["--out", "-"])
            .args(extra);
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{command} {extra:?}");
    }
    // `run --out -` without a format names the formats it can print, and
    // following the hint works: the translation alone on stdout.
    let mut cmd = ws.cmd();
    cmd.arg("run").arg(sample()).args(["--out", "-"]);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--format txt"),
        "{}",
        text(&out.stderr)
    );
    let mut cmd = ws.cmd();
    cmd.arg("run")
        .arg(sample())
        .args(SMALL)
        .args(["--out", "-", "--format", "txt"]);
    let out = cmd.output().unwrap();
    assert_ok(&out);
    let stdout = text(&out.stdout);
    for source in &paragraphs {
        assert!(stdout.contains(&expected_translation(source)), "{stdout}");
    }
}

#[test]
fn quiet_hides_the_block_and_verbose_adds_chunks() {
    let ws = workspace();
    let quiet = translate(&ws, &["-q"]);
    assert_ok(&quiet);
    assert_eq!(text(&quiet.stderr), "", "-q prints nothing on success");
    let verbose = translate(&ws, &["-v"]);
    assert_ok(&verbose);
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(ws.out().join(STEM).join("manifest.json")).unwrap(),
    )
    .unwrap();
    let err = text(&verbose.stderr);
    for chunk in manifest["chunks"].as_array().unwrap() {
        assert!(err.contains(chunk["chunk"].as_str().unwrap()), "{err}");
    }
    assert_eq!(
        gloss(&ws, &["-q", "-v", "parse"]).status.code(),
        Some(2),
        "-q and -v conflict"
    );
}

/// The effective profile and model, each with where it came from
/// (`flag`/`env`/… and its name), from `gloss config --json`.
fn effective(ws: &Workspace, args: &[&str], env: &[(&str, &str)]) -> [String; 4] {
    let mut cmd = ws.cmd();
    cmd.args(["config", "--json"]).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert_ok(&out);
    let json = stdout_json(&out);
    let model = json["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["field"] == "model")
        .cloned()
        .unwrap();
    let source = |o: &Value| match o["name"].as_str() {
        Some(name) => format!("{} {name}", o["from"].as_str().unwrap()),
        None => o["from"].as_str().unwrap_or_default().to_string(),
    };
    [
        json["profile"].as_str().unwrap().to_string(),
        source(&json["profile_from"]),
        model["value"].as_str().unwrap().to_string(),
        source(&model["from"]),
    ]
}

#[test]
fn gloss_profile_and_model_from_environment_flags_win() {
    let ws = workspace();
    // (flags, environment, expected [profile, its source, model, its source])
    type Case = (
        &'static [&'static str],
        &'static [(&'static str, &'static str)],
        [&'static str; 4],
    );
    let cases: [Case; 5] = [
        (
            &[],
            &[("GLOSS_PROFILE", "second")],
            ["second", "env GLOSS_PROFILE", "second-model", ""],
        ),
        (
            &["--profile", "mock"],
            &[("GLOSS_PROFILE", "second")],
            ["mock", "flag --profile", "mock-model", ""],
        ),
        (
            &[],
            &[("GLOSS_MODEL", "other")],
            ["mock", "", "other", "env GLOSS_MODEL"],
        ),
        (
            &["-m", "flag-model"],
            &[("GLOSS_MODEL", "other")],
            ["mock", "", "flag-model", "flag --model"],
        ),
        (
            &["-p", "second"],
            &[],
            ["second", "flag --profile", "second-model", ""],
        ),
    ];
    for (flags, env, expected) in cases {
        let got = effective(&ws, flags, env);
        for (i, want) in expected.iter().enumerate() {
            // An empty expectation: a file or default supplied it, not checked here.
            if !want.is_empty() {
                assert_eq!(got[i], *want, "{flags:?} {env:?}: {got:?}");
            }
        }
    }
}

#[test]
fn mistyped_profile_gets_a_suggestion() {
    let ws = workspace();
    for (typed, meant) in [
        ("mokc", Some("mock")),
        ("secnd", Some("second")),
        ("zzzzzz", None),
    ] {
        let out = gloss(&ws, &["config", "--profile", typed]);
        assert_eq!(out.status.code(), Some(1));
        let err = text(&out.stderr);
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        match meant {
            Some(m) => assert!(err.contains(&format!("did you mean \"{m}\"")), "{err}"),
            None => assert!(!err.contains("did you mean"), "{err}"),
        }
    }
}

#[test]
fn runs_lists_every_run_with_its_traffic() {
    let ws = workspace();
    let first = translate(&ws, &["--json"]);
    assert_ok(&first);
    // The mock serves only mock-model.
    let second = translate(&ws, &["--json", "--profile", "second", "-m", "mock-model"]);
    assert_ok(&second);
    let out = gloss(&ws, &["runs", "--json"]);
    assert_ok(&out);
    let runs = stdout_json(&out);
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 2, "{runs:#?}");
    for (run, printed) in runs.iter().zip([&first, &second]) {
        let printed = stdout_json(printed);
        for field in ["profile", "model", "input"] {
            assert_eq!(run[field], printed[field], "{field}");
        }
        for field in ["requests", "tokens_in", "tokens_out", "cache_hits"] {
            assert_eq!(run[field], printed["totals"][field], "{field}");
        }
        assert_eq!(run["cost_usd"], printed["totals"]["estimated_cost_usd"]);
        assert!(Path::new(run["out_dir"].as_str().unwrap()).is_absolute());
        assert!(run["when"].as_str().unwrap().ends_with('Z'));
    }
    assert!(runs[0]["requests"].as_u64().unwrap() > 0);
    let table = text(&gloss(&ws, &["runs", "-n", "1"]).stdout);
    assert_eq!(table.lines().count(), 2, "header and one run: {table}");
    assert!(table.contains("second"), "the latest run: {table}");
    // Each run's outcome is a column: "ok", or the exit status.
    assert!(table.lines().next().unwrap().contains("status"), "{table}");
    assert!(table.lines().nth(1).unwrap().contains(" ok "), "{table}");
}

#[test]
fn cache_prune_and_clear_honour_json() {
    let ws = workspace();
    let stats = stdout_json(&gloss(&ws, &["cache", "stats", "--json"]));
    let entries = stats["entries"].as_u64().unwrap();
    assert!(entries > 0, "the seeded plans");
    let pruned = stdout_json(&gloss(
        &ws,
        &["cache", "prune", "--older-than", "365", "--json"],
    ));
    assert_eq!(pruned["removed"], 0);
    let cleared = stdout_json(&gloss(&ws, &["cache", "clear", "--json"]));
    assert_eq!(cleared["removed"], entries);
    assert_eq!(
        stdout_json(&gloss(&ws, &["cache", "stats", "--json"]))["entries"],
        0
    );
}

/// `--open` hands the HTML digest to the opener; without HTML it only notes.
#[test]
fn open_runs_the_opener_on_the_html_digest() {
    let ws = workspace();
    let bin = ws.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let opener = bin.join(if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    });
    let log = ws.path().join("opened.txt");
    std::fs::write(&opener, format!("#!/bin/sh\necho \"$1\" >> {:?}\n", log)).unwrap();
    std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = ws.cmd();
    cmd.env("PATH", &path)
        .arg("translate")
        .arg(sample())
        .args(SMALL);
    cmd.arg("--out").arg(ws.out()).arg("--open");
    assert_ok(&cmd.output().unwrap());
    let opened = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        opened.trim(),
        ws.out()
            .join(STEM)
            .join("digest.html")
            .display()
            .to_string()
    );
    let mut cmd = ws.cmd();
    cmd.env("PATH", &path)
        .arg("translate")
        .arg(sample())
        .args(SMALL);
    cmd.args(["--format", "md", "--open", "--out"])
        .arg(ws.out());
    let out = cmd.output().unwrap();
    assert_ok(&out);
    assert!(
        text(&out.stderr).contains("--open"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        opened,
        "not run again"
    );
}

/// Flags that mean nothing to `qa` and `glossary` are refused.
#[test]
fn qa_and_glossary_refuse_meaningless_flags() {
    let ws = workspace();
    for (command, flag) in [
        ("qa", "--out=x"),
        ("qa", "--format=md"),
        ("qa", "--refresh"),
        ("qa", "--jobs=2"),
        ("glossary", "--format=md"),
        ("glossary", "--strict"),
        ("glossary", "--out=x"),
        ("glossary", "--no-repair"),
    ] {
        let out = ws
            .cmd()
            .arg(command)
            .arg(sample())
            .arg(flag)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{command} {flag}");
    }
}

/// Every flag and positional argument of every command says what it is for.
#[test]
fn every_argument_has_help() {
    fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            let builtin = matches!(arg.get_id().as_str(), "help" | "version");
            if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
                missing.push(format!("{path} {}", arg.get_id()));
            }
        }
        for sub in cmd.get_subcommands() {
            if sub.get_about().is_none() && sub.get_name() != "help" {
                missing.push(format!("{path} {} (no about)", sub.get_name()));
            }
            walk(sub, &format!("{path} {}", sub.get_name()), missing);
        }
    }
    let mut missing = Vec::new();
    walk(&gloss::cli::Cli::command(), "gloss", &mut missing);
    assert!(missing.is_empty(), "no help text: {missing:#?}");
}

/// A rerun from the cache says the repair happened earlier, not "0 of 0".
#[test]
fn repairs_this_run_and_from_the_cache_are_told_apart() {
    let ws = workspace();
    let first_paragraph = c01_paragraphs(&ws).remove(0);
    // The source echoed back as its own "translation" fails the checks;
    // the repair request then gets a good answer.
    ws.mock.configure(|c| {
        c.segment_replies = vec![(first_paragraph.clone(), first_paragraph.clone())];
    });
    let args = ["--articles", "C01", "--no-termbase", "--json"];
    let run = |ws: &Workspace| {
        let mut cmd = ws.cmd();
        cmd.arg("translate")
            .arg(sample())
            .args(args)
            .arg("--out")
            .arg(ws.out());
        let out = cmd.output().unwrap();
        assert_ok(&out);
        out
    };
    let first = run(&ws);
    let json = stdout_json(&first);
    assert_eq!(json["totals"]["repaired"], 1, "{json:#}");
    assert_eq!(json["repaired_from_cache"], 0);
    let summary = stderr_lines(&first).pop().unwrap();
    assert!(
        summary.contains("repaired 1 of 1 re-requested this run"),
        "{summary}"
    );

    ws.mock.reset_counters();
    let again = run(&ws);
    assert_eq!(ws.mock.requests(), 0, "all from the cache");
    let json = stdout_json(&again);
    assert_eq!(json["totals"]["repaired"], 0);
    assert_eq!(json["repaired_from_cache"], 1);
    let summary = stderr_lines(&again).pop().unwrap();
    assert!(summary.contains("1 repaired earlier (cached)"), "{summary}");
    assert!(!summary.contains("0 of 0"), "{summary}");
}

/// A budget or a number of requests in flight that would make a run
/// useless (`--budget 0` cut the sample into 821 pieces, `--jobs 0` was
/// silently 1) is a usage error naming the smallest accepted value, and a
/// workspace's `chunk_tokens = 0` is a config error; nothing is sent.
#[test]
fn zero_budget_and_zero_jobs_are_refused() {
    let ws = workspace();
    let file = sample();
    let file = file.to_str().unwrap();
    for args in [
        vec!["plan", file, "--budget", "0"],
        vec!["translate", file, "--budget", "5"],
        vec!["translate", file, "--jobs", "0"],
    ] {
        let out = gloss(&ws, &args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("use at least 32") || err.contains("use 1 or more"),
            "{args:?}: {err}"
        );
    }
    let cfg = config_toml(&ws.mock.base_url).replace(
        "max_attempts = 2\n\n[profiles.second]",
        "max_attempts = 2\nchunk_tokens = 0\n\n[profiles.second]",
    );
    std::fs::write(ws.path().join("gloss.toml"), cfg).unwrap();
    ws.trust();
    let out = gloss(
        &ws,
        &["translate", file, "--out", ws.out().to_str().unwrap()],
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("chunk_tokens = 0 is too small"), "{err}");
    assert_eq!(ws.mock.requests(), 0, "nothing is sent");
}

/// `gloss plan` counts what the run then sends, for a profile that asks one
/// segment per request, without a termbase and with one: before, it counted
/// a request per chunk and a term request per article (74 for the sample,
/// against the 318 a local run sent).
#[test]
fn plan_counts_the_requests_a_one_segment_profile_sends() {
    for settings in [
        "segments_per_request = 1\ntermbase = false\nrepair = false",
        "segments_per_request = 1\nrepair = false",
    ] {
        let ws = workspace();
        let cfg = config_toml(&ws.mock.base_url).replace(
            "max_attempts = 2\n\n[profiles.second]",
            &format!("max_attempts = 2\n{settings}\n\n[profiles.second]"),
        );
        std::fs::write(ws.path().join("gloss.toml"), cfg).unwrap();
        ws.trust();
        let file = sample();
        let plan = gloss(&ws, &["plan", file.to_str().unwrap(), "--json"]);
        assert_ok(&plan);
        let plan: Value = serde_json::from_slice(&plan.stdout).unwrap();
        let planned = |stage: &str| {
            plan["stages"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["stage"] == stage)
                .and_then(|s| s["requests"].as_u64())
                .unwrap()
        };
        let run = gloss(
            &ws,
            &[
                "run",
                file.to_str().unwrap(),
                "--out",
                ws.out().to_str().unwrap(),
            ],
        );
        assert_ok(&run);
        let sent_translations = ws.mock.requests_of(common::RequestKind::Translation)
            + ws.mock.requests_of(common::RequestKind::SectionNames);
        assert!(sent_translations > 200, "{settings}: {sent_translations}");
        assert_eq!(planned("translate"), sent_translations as u64, "{settings}");
        let sent_terms = ws.mock.requests_of(common::RequestKind::Termbase) as u64;
        assert_eq!(planned("termbase"), sent_terms, "{settings}");
        assert_eq!(sent_terms > 0, !settings.contains("termbase = false"));
        let total: u64 = ["termbase", "translate", "summarize", "brief"]
            .iter()
            .map(|s| planned(s))
            .sum();
        assert_eq!(
            total,
            ws.mock.requests() as u64,
            "{settings}: the plan's total is what was sent"
        );
    }
}

/// When every request fails, stderr says why in its one error line (the
/// server's answer), not only where the manifest is.
#[test]
fn a_run_that_translates_nothing_says_why() {
    let ws = workspace();
    ws.mock.configure(|c| {
        c.fault_when_user_contains = Some((
            "Translate".into(),
            common::Fault::Custom {
                status: 500,
                body: "{\"error\":{\"message\":\"model is loading, try later\"}}".into(),
            },
        ))
    });
    let out = translate(&ws, &[]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let line = err
        .lines()
        .find(|l| l.contains("no segment was translated"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(line.contains("model is loading, try later"), "{line}");
    assert!(line.contains("manifest.json"), "{line}");
}

/// An output path that cannot be a folder fails the run before a request is
/// sent (it used to fail after the translation, losing it under --no-cache).
#[test]
fn an_output_path_that_is_a_file_fails_before_sending() {
    let ws = workspace();
    let file = ws.path().join("afile");
    std::fs::write(&file, "mine").unwrap();
    let mut cmd = ws.cmd();
    cmd.arg("translate")
        .arg(sample())
        .args(SMALL)
        .args(["--no-cache", "--out"])
        .arg(&file);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("afile"), "{}", text(&out.stderr));
    assert_eq!(ws.mock.requests(), 0, "nothing is sent");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
    // A run that stops before writing (no server) leaves no empty folder.
    let mut cmd = ws.cmd();
    cmd.arg("translate")
        .arg(sample())
        .args(SMALL)
        .args(["--base-url", "http://127.0.0.1:9/v1", "--out"])
        .arg(ws.out());
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(!ws.out().exists(), "an empty output folder was left");
}

/// A file the user names that is missing is an error (exit 1) that says
/// what file was wanted; a text that is no PO, XLIFF or TMX file says so
/// rather than "PO line 1: not a PO line".
#[test]
fn missing_or_wrong_side_files_are_named_with_a_hint() {
    let ws = workspace();
    let missing = ws.path().join("nonexist.po");
    let out = gloss(&ws, &["import", missing.to_str().unwrap()]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("no such file") && err.contains("gloss export"),
        "{err}"
    );
    let glossary = ws.path().join("missing.toml");
    let mut cmd = ws.cmd();
    cmd.arg("translate")
        .arg(sample())
        .args(SMALL)
        .arg("--glossary")
        .arg(&glossary);
    let out = cmd.output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("no such file") && err.contains("CSV"), "{err}");
    let out = gloss(&ws, &["import", sample().to_str().unwrap()]);
    let err = text(&out.stderr);
    assert!(err.contains("neither XLIFF 1.2, TMX nor PO"), "{err}");
    assert_eq!(
        out.status.code(),
        Some(1),
        "an input error, not a usage error"
    );
    let bad = ws.path().join("bad.toml");
    std::fs::write(&bad, "this is = = not toml").unwrap();
    let mut cmd = ws.cmd();
    cmd.arg("translate")
        .arg(sample())
        .args(SMALL)
        .arg("--glossary")
        .arg(&bad);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("not a glossary"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(ws.mock.requests(), 0);
}

/// With stderr in a pipe (as here, and in CI logs) the bar draws nothing,
/// so a run prints a plain progress line every GLOSS_PROGRESS_SECS seconds
/// (`-q` none); before, a 10-minute run said nothing until its end.
#[test]
fn a_run_without_a_terminal_prints_progress_lines() {
    let ws = workspace();
    ws.mock.configure(|c| c.delay_ms_per_request = 700);
    let run = |quiet: bool| {
        let mut cmd = ws.cmd();
        cmd.env("GLOSS_PROGRESS_SECS", "1")
            .arg("translate")
            .arg(sample())
            .args(SMALL)
            .args(["--jobs", "1", "--no-cache", "--out"])
            .arg(ws.out());
        if quiet {
            cmd.arg("-q");
        }
        cmd.output().unwrap()
    };
    let out = run(false);
    assert_ok(&out);
    let err = text(&out.stderr);
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("gloss: progress "))
        .collect();
    assert!(!lines.is_empty(), "{err}");
    assert!(lines[0].contains("translate "), "{}", lines[0]);
    let out = run(true);
    assert_ok(&out);
    assert!(
        !text(&out.stderr).contains("progress"),
        "{}",
        text(&out.stderr)
    );
}

/// `gloss qa` on settings no run used (another model) finds nothing cached
/// and says which flags choose the run; with the run's settings it checks.
#[test]
fn qa_without_a_matching_run_says_which_flags_choose_it() {
    let ws = workspace();
    assert_ok(&translate(&ws, &[]));
    let qa = |extra: &[&str]| {
        let mut cmd = ws.cmd();
        cmd.arg("qa").arg(sample()).args(SMALL).args(extra);
        cmd.output().unwrap()
    };
    let other = qa(&["--model", "another-model"]);
    assert_ok(&other);
    let err = text(&other.stderr);
    assert!(
        err.contains("pass the --profile, --model, --budget"),
        "{err}"
    );
    assert!(
        text(&other.stdout).contains(" 0 checked"),
        "{}",
        text(&other.stdout)
    );
    let same = qa(&[]);
    assert_ok(&same);
    assert!(
        !text(&same.stderr).contains("--model"),
        "{}",
        text(&same.stderr)
    );
    assert!(ws.mock.requests() > 0, "the run reached the mock");
}

/// `gloss doctor` on a llama.cpp server compares the context of each of its
/// slots (`/props`) with the profile's context_window: `-c 8192 -np 2`
/// gave 4,096 a request, and the sample's brief was cut after 526 tokens.
#[test]
fn doctor_checks_a_llama_cpp_servers_context_per_request() {
    let ws = workspace();
    let doctor = || {
        let out = gloss(&ws, &["doctor", "--profile", "mock"]);
        (out.status.code(), text(&out.stdout))
    };
    let (code, report) = doctor();
    assert_eq!(code, Some(0), "{report}");
    assert!(!report.contains("context"), "not llama.cpp: {report}");
    ws.mock.configure(|c| c.llamacpp_slot_context = Some(4096));
    let (code, report) = doctor();
    assert_eq!(code, Some(1), "{report}");
    assert!(
        report.contains("FAIL context       the server gives each request 4096 tokens of context; the profile assumes 8192"),
        "{report}"
    );
    // The mock profile's concurrency is 4: four slots of 8,192 each.
    assert!(report.contains("-c 32768"), "{report}");
    // A run says it before its first request, once.
    let out = translate(&ws, &[]);
    assert_ok(&out);
    let err = text(&out.stderr);
    let said = err.matches("the server gives each request 4096 tokens of context");
    assert_eq!(said.count(), 1, "{err}");
    ws.mock.configure(|c| c.llamacpp_slot_context = Some(8192));
    let (code, report) = doctor();
    assert_eq!(code, Some(0), "{report}");
    assert!(report.contains("ok   context"), "{report}");
    let out = translate(&ws, &[]);
    assert!(
        !text(&out.stderr).contains("tokens of context"),
        "{}",
        text(&out.stderr)
    );
}

/// `gloss config --json` gives each value its JSON type (a script reads
/// numbers and booleans, and null for none), the text report `-` for none.
#[test]
fn config_json_values_have_their_types() {
    let ws = workspace();
    let out = gloss(&ws, &["config", "--profile", "mock", "--json"]);
    assert_ok(&out);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let value = |field: &str| {
        json["settings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["field"] == field)
            .map(|s| s["value"].clone())
            .unwrap_or_else(|| panic!("{field} missing"))
    };
    assert_eq!(value("max_attempts"), serde_json::json!(2));
    assert_eq!(value("timeout_secs"), serde_json::json!(5));
    assert_eq!(value("termbase"), serde_json::json!(true));
    assert_eq!(value("api_key_env"), Value::Null);
    assert_eq!(value("requests_per_minute"), Value::Null);
    assert_eq!(value("model"), serde_json::json!("mock-model"));
    let report = text(&gloss(&ws, &["config", "--profile", "mock"]).stdout);
    let line = report
        .lines()
        .find(|l| l.trim_start().starts_with("requests_per_minute"))
        .unwrap();
    assert!(line.contains(" - "), "{line}");
}

/// `cache stats` on a folder that does not exist says so (a mistyped path
/// looked like an empty cache) and creates nothing.
#[test]
fn cache_stats_on_a_missing_folder_says_so() {
    let ws = workspace();
    let missing = ws.path().join("no-such-cache");
    let out = gloss(
        &ws,
        &["cache", "stats", "--cache-dir", missing.to_str().unwrap()],
    );
    assert_ok(&out);
    assert!(
        text(&out.stderr).contains("does not exist"),
        "{}",
        text(&out.stderr)
    );
    assert!(!text(&out.stdout).contains("()"), "{}", text(&out.stdout));
    assert!(!missing.exists());
}

/// A run asked for `--json` prints JSON on stdout when it fails too (the
/// error line stays on stderr): before, a script got nothing to parse.
#[test]
fn a_failed_json_run_still_prints_json() {
    let ws = workspace();
    let missing = ws.path().join("missing.txt");
    let out = gloss(&ws, &["run", missing.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(json["status"], "failed");
    assert_eq!(json["exit_status"], 1);
    assert!(
        json["error"].as_str().unwrap().contains("no such file"),
        "{json}"
    );
    assert!(text(&out.stderr).contains("no such file"));
}

/// A title is a segment of its own: when its translation is flagged, the
/// run, its manifest and digest count and show it as `gloss qa` does (the
/// run said 3 flagged where qa said 5, the titles' flags were dropped).
#[test]
fn a_flagged_title_is_counted_and_shown_like_any_segment() {
    let ws = workspace();
    let title = "저탄소 시멘트(LC3)";
    ws.mock.configure(|c| {
        c.segment_replies = vec![(title.to_string(), "Low-carbon cement".to_string())]
    });
    let args = ["--articles", "C04", "--no-termbase", "--no-repair"];
    let mut cmd = ws.cmd();
    cmd.arg("translate")
        .arg(sample())
        .args(args)
        .args(["--json", "--out"])
        .arg(ws.out());
    let out = cmd.output().unwrap();
    assert_ok(&out);
    let run: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut cmd = ws.cmd();
    cmd.arg("qa").arg(sample()).args(args).arg("--json");
    let qa: Value = serde_json::from_slice(&cmd.output().unwrap().stdout).unwrap();
    let qa_flagged = qa["flagged"]
        .as_array()
        .map(Vec::len)
        .or_else(|| qa["flagged"].as_object().map(|o| o.len()));
    assert!(
        qa_flagged.is_some_and(|n| n >= 1),
        "qa flags the title: {qa}"
    );
    assert_eq!(
        run["flagged"].as_u64().map(|n| n as usize),
        qa_flagged,
        "{run}\n{qa}"
    );
    let md = std::fs::read_to_string(ws.out().join(STEM).join("digest.md")).unwrap();
    assert!(md.contains("⚠ *C04.t: identifier"), "{md}");
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(ws.out().join(STEM).join("manifest.json")).unwrap(),
    )
    .unwrap();
    assert!(
        manifest["totals"]["flagged_segments"]["identifier"].as_u64() >= Some(1),
        "{}",
        manifest["totals"]
    );
}

/// `gloss plan` takes the run's `--articles` and `--cache-dir`, and counts
/// what that run then sends.
#[test]
fn plan_takes_articles_and_a_cache_folder() {
    let ws = workspace();
    let cache = ws.path().join("plan-cache");
    let file = sample();
    let plan = gloss(
        &ws,
        &[
            "plan",
            file.to_str().unwrap(),
            "--articles",
            "C01",
            "--cache-dir",
            cache.to_str().unwrap(),
            "--json",
        ],
    );
    assert_ok(&plan);
    let plan: Value = serde_json::from_slice(&plan.stdout).unwrap();
    let ids: Vec<&str> = plan["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["C01"]);
    assert!(
        cache.join("v1").is_dir(),
        "the plan's cache is the one named"
    );
    let planned: u64 = plan["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["requests"].as_u64().unwrap())
        .sum();
    let mut cmd = ws.cmd();
    cmd.arg("run")
        .arg(&file)
        .args(["--articles", "C01", "--cache-dir"])
        .arg(&cache)
        .arg("--out")
        .arg(ws.out());
    assert_ok(&cmd.output().unwrap());
    assert_eq!(planned, ws.mock.requests() as u64);
}
