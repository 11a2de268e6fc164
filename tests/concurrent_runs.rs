//! Two gloss processes on one cache share their work (issue 20): each
//! request is sent once, by whichever run claims it first; the other waits
//! for the answer (src/cache/claim.rs). Against the in-process mock server.
mod common;

use common::workspace::{Workspace, assert_ok, sample};

fn config(url: &str) -> String {
    common::workspace::mock_profile_toml(url, "concurrency = 4\n")
}

fn run(ws: &Workspace, out: &str) -> std::process::Child {
    ws.cmd()
        .arg("run")
        .arg(sample())
        .args(["--profile", "mock", "-q", "--out"])
        .arg(ws.path().join(out))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start gloss")
}

#[test]
fn two_concurrent_runs_on_one_cache_send_the_requests_of_one() {
    // The requests of one run alone.
    let alone = Workspace::seeded("concurrent", config);
    alone.mock.set_delay(20, 0);
    assert_ok(&run(&alone, "out").wait_with_output().unwrap());
    let one_run = alone.mock.requests();
    assert!(one_run > 10, "{one_run}");

    // Two at once on one cache; answers slow enough that they overlap.
    let ws = Workspace::seeded("concurrent", config);
    ws.mock.set_delay(20, 0);
    let (a, b) = (run(&ws, "out-a"), run(&ws, "out-b"));
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert_ok(&a);
    assert_ok(&b);
    assert_eq!(ws.mock.requests(), one_run, "requests sent twice");
    for file in ["digest.md", "digest.json", "brief.md"] {
        let read = |out: &str| {
            std::fs::read(ws.path().join(out).join(common::workspace::STEM).join(file))
                .unwrap_or_else(|e| panic!("{out}/{file}: {e}"))
        };
        assert!(read("out-a") == read("out-b"), "{file} differs");
    }
    // Every claim was released.
    let claims = common::workspace::files_under(&ws.cache())
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "claim"))
        .count();
    assert_eq!(claims, 0);
}
