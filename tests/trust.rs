//! What gloss promises about keys, workspaces and failures, tested on the
//! real binary against the in-process mock (tests/common), which logs every
//! request's headers — `/models` included — and path with query:
//! - a workspace `gloss.toml` cannot send a key anywhere, nor pick which
//!   secret is sent, unless the user trusts that workspace;
//! - a key echoed back by a server never reaches stderr, the manifest or the
//!   cache;
//! - a base URL's query string reaches the server and is redacted in output;
//! - no key or no server stops the run before any chunk is sent, with
//!   doctor's hint, and writes no digest;
//! - a cache that cannot be written is reported once.
mod common;

use std::path::PathBuf;
use std::process::Output;

use common::workspace::{Workspace, assert_ok, files_under, sample, text};
use common::{Fault, MockServer};

const ARGS: [&str; 4] = ["--articles", "C01", "--no-termbase", "--no-repair"];

/// A workspace whose user config (xdg) is `user` and whose gloss.toml is `workspace`.
fn setup(user: impl FnOnce(&str) -> String, workspace: impl FnOnce(&str) -> String) -> Workspace {
    let ws = Workspace::start(workspace);
    let dir = ws.path().join("xdg/gloss");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), user(&ws.mock.base_url)).unwrap();
    ws
}

fn translate(ws: &Workspace, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = ws.cmd();
    cmd.arg("translate")
        .arg(sample())
        .args(ARGS)
        .args(extra)
        .arg("--out")
        .arg(ws.out());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// Every file below the output and cache folders holding `needle`.
fn files_holding(ws: &Workspace, needle: &str) -> Vec<PathBuf> {
    files_under(&ws.out())
        .into_iter()
        .chain(files_under(&ws.cache()))
        .filter(|f| text(&std::fs::read(f).unwrap()).contains(needle))
        .collect()
}

/// The lines of stderr that start with `gloss: warning:` and mention `what`.
fn warnings_about(out: &Output, what: &str) -> Vec<String> {
    text(&out.stderr)
        .lines()
        .filter(|l| l.starts_with("gloss: warning:") && l.contains(what))
        .map(str::to_string)
        .collect()
}

// ---- Workspace configuration attacks -------------------------------------

/// The user's own config keeps `openai` on an endpoint where nothing listens
/// (so no test ever reaches the real OpenAI); the workspace tries to move it,
/// key and all, to the mock.
fn openai_redirect() -> Workspace {
    setup(
        |_| {
            "[profiles.openai]\nbase_url = \"http://127.0.0.1:9/v1\"\napi_key_env = \"OPENAI_API_KEY\"\nmodel = \"mock-model\"\n".into()
        },
        |url| {
            format!("[profiles.openai]\nbase_url = \"{url}\"\napi_key_env = \"OPENAI_API_KEY\"\n")
        },
    )
}

const OPENAI_KEY: &str = "sk-attack-test-0123456789abcdef";

#[test]
fn workspace_cannot_redirect_the_openai_key() {
    let ws = openai_redirect();
    let out = translate(&ws, &[], &[("OPENAI_API_KEY", OPENAI_KEY)]);
    assert!(!out.status.success(), "nothing listens where openai points");
    assert!(
        ws.mock.authorizations().is_empty() && ws.mock.uris().is_empty(),
        "the mock was reached: {:?}",
        ws.mock.uris()
    );
    let refused = warnings_about(&out, "profiles.openai.base_url");
    assert_eq!(refused.len(), 1, "{}", text(&out.stderr));
    assert!(refused[0].contains("--trust-workspace"), "{}", refused[0]);
    assert!(!text(&out.stderr).contains(OPENAI_KEY));
}

#[test]
fn trusting_the_workspace_by_flag_or_user_config_sends_the_key() {
    let ws = openai_redirect();
    let out = translate(
        &ws,
        &["--trust-workspace"],
        &[("OPENAI_API_KEY", OPENAI_KEY)],
    );
    assert_ok(&out);
    let bearer = format!("Bearer {OPENAI_KEY}");
    assert!(ws.mock.authorizations().contains(&bearer));
    assert!(warnings_about(&out, "ignored").is_empty());

    ws.mock.reset_counters();
    let user = ws.path().join("xdg/gloss/config.toml");
    let mut config = std::fs::read_to_string(&user).unwrap();
    // A path to the same folder, spelled differently: compared canonically.
    config = format!(
        "trusted_workspaces = [{:?}]\n{config}",
        ws.path().join("out/..").display().to_string()
    );
    std::fs::write(&user, config).unwrap();
    let cache = ws.path().join("cache-2");
    let out = translate(
        &ws,
        &["--cache-dir", cache.to_str().unwrap()],
        &[("OPENAI_API_KEY", OPENAI_KEY)],
    );
    assert_ok(&out);
    assert!(ws.mock.authorizations().contains(&bearer));
}

/// `base_urls` is held to the rule of `base_url`: a workspace cannot add a
/// replica on another host to a keyed profile, even beside its own endpoint;
/// trusted, the same file sends the key to the replica it lists.
#[test]
fn workspace_cannot_add_an_endpoint_elsewhere_to_a_keyed_profile() {
    let ws = setup(
        |_| {
            "[profiles.openai]\nbase_url = \"http://127.0.0.1:9/v1\"\napi_key_env = \"OPENAI_API_KEY\"\nmodel = \"mock-model\"\n".into()
        },
        |url| {
            format!(
                "[profiles.openai]\nbase_urls = [\"http://127.0.0.1:9/v1\", \"{url}\"]\napi_key_env = \"OPENAI_API_KEY\"\n"
            )
        },
    );
    let out = translate(&ws, &[], &[("OPENAI_API_KEY", OPENAI_KEY)]);
    assert!(!out.status.success(), "nothing listens where openai points");
    assert!(
        ws.mock.uris().is_empty(),
        "the mock was reached: {:?}",
        ws.mock.uris()
    );
    let refused = warnings_about(&out, "profiles.openai.base_urls");
    assert_eq!(refused.len(), 1, "{}", text(&out.stderr));
    assert!(refused[0].contains("--trust-workspace"), "{}", refused[0]);
    assert!(!text(&out.stderr).contains(OPENAI_KEY));

    // Trusted, the replica is used (the user's own endpoint is down) and
    // gets the key: so the check above can fail.
    let out = translate(
        &ws,
        &["--trust-workspace"],
        &[("OPENAI_API_KEY", OPENAI_KEY)],
    );
    assert_ok(&out);
    assert!(
        ws.mock
            .authorizations()
            .contains(&format!("Bearer {OPENAI_KEY}"))
    );
}

#[test]
fn workspace_cannot_make_any_variable_the_key_of_a_new_default() {
    for var in ["HOME", "SECRET_DB_PASSWORD"] {
        let ws = setup(
            |_| String::new(),
            |url| {
                format!(
                    "default_profile = \"grab\"\n[profiles.grab]\nbase_url = \"{url}\"\nmodel = \"mock-model\"\napi_key_env = \"{var}\"\n"
                )
            },
        );
        let secret = format!("{var}-value-hunter2-{}", std::process::id());
        let out = translate(&ws, &[], &[(var, &secret)]);
        // Keyless, the run itself is allowed: a workspace may choose a model.
        assert_ok(&out);
        assert!(
            ws.mock
                .authorizations()
                .iter()
                .all(|a| !a.contains(&secret)),
            "{var} sent: {:?}",
            ws.mock.authorizations()
        );
        assert!(!ws.mock.headers().is_empty(), "the run reached the mock");
        // Keyless means no Authorization header at all, not `Bearer ` and
        // nothing (async-openai writes one even without a key).
        assert_eq!(ws.mock.authorizations(), Vec::<String>::new());
        let refused = warnings_about(&out, &format!("profiles.grab.api_key_env = \"{var}\""));
        assert_eq!(refused.len(), 1, "{}", text(&out.stderr));

        // Control: trusted, the same file does send it (so the check above can fail).
        ws.mock.reset_counters();
        let cache = ws.path().join("cache-trusted");
        let out = translate(
            &ws,
            &["--trust-workspace", "--cache-dir", cache.to_str().unwrap()],
            &[(var, &secret)],
        );
        assert_ok(&out);
        assert!(
            ws.mock
                .authorizations()
                .contains(&format!("Bearer {secret}")),
            "{:?}",
            ws.mock.authorizations()
        );
    }
}

// ---- Keys echoed back by a server ----------------------------------------

/// A key that looks like plain words: only the exact-value scrub catches it.
const PROXY_KEY: &str = "plain-words-proxy-key-for-tests";

/// The user's profile `mock`, keyed from $GLOSS_TEST_KEY (trusted).
fn keyed_mock() -> Workspace {
    setup(
        |url| {
            format!(
                "[profiles.mock]\nbase_url = \"{url}\"\nmodel = \"mock-model\"\napi_key_env = \"{}\"\nmax_attempts = 1\n",
                common::workspace::KEY_VAR
            )
        },
        |_| String::new(),
    )
}

#[test]
fn a_key_echoed_in_401_and_500_bodies_is_never_written_or_printed() {
    for status in [401, 500] {
        let ws = keyed_mock();
        ws.mock.configure(|c| {
            c.fault_when_user_contains = Some((String::new(), Fault::EchoAuthorization { status }))
        });
        let out = translate(
            &ws,
            &["--profile", "mock"],
            &[(common::workspace::KEY_VAR, PROXY_KEY)],
        );
        assert!(
            !out.status.success(),
            "HTTP {status} everywhere must fail the run"
        );
        // The key did go out and come back (so the checks below can fail).
        assert!(
            ws.mock
                .authorizations()
                .contains(&format!("Bearer {PROXY_KEY}"))
        );
        let stderr = text(&out.stderr);
        assert!(!stderr.contains(PROXY_KEY), "key on stderr: {stderr}");
        assert!(!text(&out.stdout).contains(PROXY_KEY));
        assert_eq!(files_holding(&ws, PROXY_KEY), Vec::<PathBuf>::new());
        if status == 401 {
            // Fatal: the one error line quotes the server, scrubbed.
            assert!(stderr.contains("HTTP 401"), "{stderr}");
            assert!(stderr.contains("Bearer [REDACTED]"), "{stderr}");
        } else {
            // Not fatal: the run ends with a manifest holding the errors, and
            // no digest, since nothing was translated.
            let manifest = text(&std::fs::read(ws.out_dir().join("manifest.json")).unwrap());
            assert!(manifest.contains("[REDACTED]"), "{manifest}");
            assert!(!ws.out_dir().join("digest.md").exists());
            assert!(!ws.out_dir().join("digest.json").exists());
        }
    }
}

#[test]
fn a_key_echoed_in_a_successful_answer_is_not_stored_or_rendered() {
    let ws = keyed_mock();
    ws.mock
        .configure(|c| c.default_reply = Some(format!("SUMMARY: the header was {PROXY_KEY}")));
    let mut cmd = ws.cmd();
    cmd.arg("run")
        .arg(sample())
        .args([
            "--profile",
            "mock",
            "--articles",
            "C01",
            "--no-termbase",
            "--out",
        ])
        .arg(ws.out())
        .env(common::workspace::KEY_VAR, PROXY_KEY);
    let out = cmd.output().unwrap();
    assert_ok(&out);
    assert!(
        ws.mock
            .authorizations()
            .contains(&format!("Bearer {PROXY_KEY}"))
    );
    let brief = text(&std::fs::read(ws.out_dir().join("digest.md")).unwrap());
    assert!(brief.contains("the header was [REDACTED]"), "{brief}");
    assert_eq!(files_holding(&ws, PROXY_KEY), Vec::<PathBuf>::new());
}

// ---- Query strings in base URLs ------------------------------------------

#[test]
fn a_base_url_query_reaches_every_request_and_is_redacted_in_output() {
    let ws = setup(|_| String::new(), |_| String::new());
    let value = "q-secret-value-77";
    let base = format!("{}?api-version={value}", ws.mock.base_url);
    let out = translate(
        &ws,
        &[
            "--profile",
            "local",
            "--base-url",
            &base,
            "--model",
            "mock-model",
        ],
        &[],
    );
    assert_ok(&out);
    let uris = ws.mock.uris();
    let wanted = [
        format!("/v1/models?api-version={value}"),
        format!("/v1/chat/completions?api-version={value}"),
    ];
    for want in &wanted {
        assert!(uris.contains(want), "{want} not in {uris:?}");
    }
    assert!(uris.iter().all(|u| wanted.contains(u)), "{uris:?}");
    let manifest = text(&std::fs::read(ws.out_dir().join("manifest.json")).unwrap());
    assert!(manifest.contains("api-version=[REDACTED]"), "{manifest}");
    assert!(files_holding(&ws, value).is_empty());

    let doctor = ws
        .cmd()
        .args([
            "doctor",
            "--profile",
            "local",
            "--model",
            "mock-model",
            "--base-url",
            &base,
        ])
        .output()
        .unwrap();
    assert_ok(&doctor);
    let shown = text(&doctor.stdout);
    assert!(shown.contains("api-version=[REDACTED]"), "{shown}");
    assert!(!shown.contains(value) && !text(&doctor.stderr).contains(value));
}

// ---- Fail fast ------------------------------------------------------------

/// A failed run that stopped before translating anything: exit 1, one
/// `gloss: error:` line holding every `hints`, nothing written.
#[track_caller]
fn assert_stopped_early(ws: &Workspace, out: &Output, hints: &[&str]) {
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("gloss: error:"))
        .collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    for hint in hints {
        assert!(errors[0].contains(hint), "{hint:?} missing: {}", errors[0]);
    }
    assert!(
        !ws.out_dir().join("digest.md").exists(),
        "a digest was written"
    );
    assert!(!ws.out_dir().join("manifest.json").exists());
}

#[test]
fn no_key_stops_before_any_request() {
    let ws = keyed_mock();
    let out = translate(&ws, &["--profile", "mock"], &[]);
    let var = common::workspace::KEY_VAR;
    assert_stopped_early(&ws, &out, &[var, "not set", "export"]);
    assert!(ws.mock.uris().is_empty(), "sent: {:?}", ws.mock.uris());
    // doctor says the same.
    let doctor = ws
        .cmd()
        .args(["doctor", "--profile", "mock"])
        .output()
        .unwrap();
    assert!(
        text(&doctor.stdout).contains(&format!(
            "FAIL key           profile \"mock\" sends its key from ${var}"
        )),
        "{}",
        text(&doctor.stdout)
    );
}

/// A port where nothing listens: bound, then released.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn no_server_stops_at_the_first_connection_with_doctors_hint() {
    let ws = setup(|_| String::new(), |_| String::new());
    let port = closed_port();
    let base = format!("http://127.0.0.1:{port}/v1");
    let out = translate(&ws, &["--profile", "ollama", "--base-url", &base], &[]);
    assert_stopped_early(
        &ws,
        &out,
        &[
            &format!("no server on 127.0.0.1:{port}"),
            "start your local server",
        ],
    );
    // `gloss doctor` says the hint once, on its own line.
    let doctor = ws
        .cmd()
        .args(["doctor", "--profile", "ollama", "--base-url", &base])
        .output()
        .unwrap();
    let report = text(&doctor.stdout);
    assert_eq!(doctor.status.code(), Some(1), "{report}");
    assert_eq!(
        report.matches("start your local server").count(),
        1,
        "{report}"
    );
    assert!(report.contains("→ no server on"), "{report}");

    // A server that accepts and hangs up: the connections are counted, and
    // the run gives up after the first instead of retrying every chunk.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepted.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(stream);
        }
    });
    let base = format!("http://127.0.0.1:{port}/v1");
    let out = translate(
        &ws,
        &["--profile", "ollama", "--base-url", &base, "--jobs", "4"],
        &[],
    );
    assert_stopped_early(&ws, &out, &[&format!("127.0.0.1:{port}")]);
    // One for the look at a local server's slots (`/props`, before the
    // run), one for the check before the first request; none per chunk.
    assert_eq!(
        accepted.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "connections made"
    );
}

// ---- Cache write failures ---------------------------------------------------

#[test]
fn a_cache_that_cannot_be_written_is_reported_once() {
    let ws = setup(|_| String::new(), |_| String::new());
    // A file where the cache folder should be: every write fails (even for root).
    let blocked = ws.path().join("blocked");
    std::fs::write(&blocked, "not a folder").unwrap();
    let args = [
        "--profile",
        "local",
        "--model",
        "mock-model",
        "--base-url",
        &ws.mock.base_url,
        "--cache-dir",
        blocked.to_str().unwrap(),
    ];
    let out = translate(&ws, &args, &[]);
    assert_ok(&out);
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("gloss: warning") && l.contains("cache"))
        .collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].starts_with("gloss: warning: cannot write the cache"),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains(blocked.to_str().unwrap()), "{}", lines[0]);
    assert!(ws.mock.requests() >= 1);
    assert!(ws.out_dir().join("digest.md").exists());
}

/// A check that [`MockServer`] is used as these tests assume: `/models`
/// requests carry the key and are logged apart from chat requests.
#[test]
fn mock_logs_models_requests_with_their_headers() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let server = MockServer::start().await;
        let url = format!("{}/models?x=1", server.base_url);
        reqwest::Client::new()
            .get(&url)
            .bearer_auth("k-1")
            .send()
            .await
            .unwrap();
        assert_eq!(server.authorizations(), vec!["Bearer k-1".to_string()]);
        assert_eq!(server.uris(), vec!["/v1/models?x=1".to_string()]);
        assert_eq!(server.requests(), 0, "chat requests only");
    });
}

/// `--base-url` elsewhere drops the profile's key; the warning saying so
/// appears only when there is a key to drop.
#[test]
fn the_key_not_sent_warning_needs_a_key() {
    let ws = setup(|_| String::new(), |_| String::new());
    let url = ws.mock.base_url.clone();
    let config = |key: Option<&str>| {
        let mut cmd = ws.cmd();
        cmd.args(["config", "--profile", "openai", "--base-url", &url]);
        if let Some(key) = key {
            cmd.env("OPENAI_API_KEY", key);
        }
        let out = cmd.output().unwrap();
        format!("{}{}", text(&out.stdout), text(&out.stderr))
    };
    let without = config(None);
    assert!(!without.contains("is not sent"), "{without}");
    let with_key = config(Some(OPENAI_KEY));
    assert!(with_key.contains("is not sent"), "{with_key}");
    assert!(!with_key.contains(OPENAI_KEY), "{with_key}");
}
