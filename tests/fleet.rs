//! A profile with several endpoints (replicas of one model), against two
//! in-process mock servers of different speeds: the work is shared by load,
//! an endpoint that keeps failing is set aside and comes back, a refused key
//! stays fatal, and the manifest says which endpoint answered what.
//!
//! No assertion reads the wall clock against a threshold: the set-aside
//! window is checked from the client's own state read before and after a
//! request (a request entirely inside the window must not reach the
//! endpoint set aside), and "comes back" waits by counting requests.
mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::workspace::{Workspace, assert_ok, sample};
use common::{Fault, MockServer};
use gloss::config::{Config, Overrides, Profile};
use gloss::llm::{ChatRequest, LlmClient, Outcome, redact_url};
use gloss::prompts::Messages;

/// The profile `fleet` over `urls`, from a config file as a user writes it.
fn profile(urls: &[&str], extra: &str) -> Profile {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gloss.toml");
    let list: Vec<String> = urls.iter().map(|u| format!("{u:?}")).collect();
    std::fs::write(
        &file,
        format!(
            "[profiles.fleet]\nbase_urls = [{}]\nmodel = \"mock-model\"\ntimeout_secs = 10\nmax_attempts = 5\n{extra}",
            list.join(", ")
        ),
    )
    .unwrap();
    let config = Config::load_from(None, Some(&file)).unwrap();
    let overrides = Overrides {
        profile: Some("fleet".into()),
        ..Default::default()
    };
    config.profile(&overrides).unwrap().0
}

fn request(profile: &Profile, n: usize) -> ChatRequest {
    let messages = Messages {
        system: String::new(),
        user: format!("Summarize item {n}."),
    };
    profile.request(&messages)
}

fn client(profile: &Profile) -> LlmClient {
    let mut client = LlmClient::new(&profile.client_settings()).unwrap();
    client.backoff_base = Duration::from_millis(10);
    client
}

/// Send `n` requests at once (the client's concurrency limits them).
async fn burst(client: &LlmClient, profile: &Profile, n: usize) -> Vec<Outcome> {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let (client, request) = (client.clone(), request(profile, i));
        tasks.spawn(async move { client.chat(&request, 100).await });
    }
    let mut outcomes = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        outcomes.push(joined.unwrap().expect("every request completes"));
    }
    outcomes
}

fn served_by(outcomes: &[Outcome], endpoint: &str) -> usize {
    outcomes.iter().filter(|o| o.endpoint == endpoint).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_faster_endpoint_serves_more_and_a_failing_one_is_set_aside_then_comes_back() {
    let fast = MockServer::start().await;
    let slow = MockServer::start().await;
    slow.set_delay(60, 0);
    let profile = profile(
        &[fast.base_url.as_str(), slow.base_url.as_str()],
        "concurrency = 4\n",
    );
    let (fast_label, slow_label) = (redact_url(&fast.base_url), redact_url(&slow.base_url));
    let client = client(&profile);

    // Both healthy: the load spreads by requests in flight, so the fast one,
    // free again sooner, takes more; each outcome names the mock that saw it.
    let outcomes = burst(&client, &profile, 40).await;
    assert_eq!(served_by(&outcomes, &fast_label), fast.requests());
    assert_eq!(served_by(&outcomes, &slow_label), slow.requests());
    assert_eq!(fast.requests() + slow.requests(), 40);
    assert!(slow.requests() >= 1, "both are used");
    assert!(
        fast.requests() > slow.requests(),
        "fast {} vs slow {}",
        fast.requests(),
        slow.requests()
    );

    // The fast one now fails three times in a row, then recovers. Requests
    // go one at a time, so each would go to the fast one (idle, better
    // latency) unless it is set aside.
    client.set_aside_first(Duration::from_secs(1));
    for _ in 0..3 {
        fast.push_fault(Fault::Status500);
    }
    let before_faults = fast.requests();
    let mut inside_window = 0;
    let mut after = Vec::new();
    for n in 0..400 {
        let aside_before = client.endpoint_status()[0].1.set_aside_until;
        let start = tokio::time::Instant::now();
        let seen = fast.requests();
        let outcome = client.chat(&request(&profile, n), 100).await.unwrap();
        let status = client.endpoint_status();
        let end = tokio::time::Instant::now();
        if n < 3 {
            // Failed on the fast one, retried at once on the other.
            assert_eq!(
                (outcome.endpoint.as_str(), outcome.attempts),
                (slow_label.as_str(), 2),
                "request {n}"
            );
        }
        if let Some(until) = aside_before
            && status[0].1.set_aside_until == Some(until)
            && start < until
            && end < until
        {
            inside_window += 1;
            assert_eq!(
                fast.requests(),
                seen,
                "request {n} reached it while set aside"
            );
            assert_eq!(outcome.endpoint, slow_label);
        }
        if fast.pending_faults() == 0 && outcome.endpoint == fast_label {
            after.push(outcome);
            if after.len() == 3 {
                break;
            }
        }
    }
    assert_eq!(fast.pending_faults(), 0);
    assert_eq!(client.endpoint_status()[0].1.times_set_aside, 1);
    assert!(inside_window >= 1, "no request fell inside the window");
    assert_eq!(after.len(), 3, "the fast one never served again");
    assert!(after.iter().all(|o| o.attempts == 1));
    assert_eq!(fast.requests(), before_faults + 3 + 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_key_on_one_endpoint_stays_fatal() {
    let guarded = MockServer::start().await;
    guarded.configure(|c| c.require_bearer = Some("right-key".into()));
    let open = MockServer::start().await;
    let profile = profile(&[guarded.base_url.as_str(), open.base_url.as_str()], "");
    let client = client(&profile);
    let err = client.chat(&request(&profile, 0), 100).await.unwrap_err();
    assert!(err.is_fatal(), "{err}");
    assert!(err.to_string().contains("401"), "{err}");
    assert_eq!(open.requests(), 0, "not retried elsewhere");
    assert_eq!(guarded.requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_that_does_not_answer_is_set_aside_from_the_start() {
    let down = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/v1", listener.local_addr().unwrap())
    };
    let up = MockServer::start().await;
    let profile = profile(&[down.as_str(), up.base_url.as_str()], "");
    let client = client(&profile);
    let outcomes = burst(&client, &profile, 5).await;
    assert!(
        outcomes.iter().all(|o| o.attempts == 1),
        "none tried the dead one"
    );
    assert_eq!(up.requests(), 5);
    assert_eq!(client.endpoint_status()[0].1.times_set_aside, 1);

    // With no endpoint answering, the run stops before any request.
    let profile = self::profile(&[down.as_str()], "");
    let err = LlmClient::new(&profile.client_settings())
        .unwrap()
        .chat(&request(&profile, 0), 100)
        .await
        .unwrap_err();
    assert!(err.is_fatal(), "{err}");
}

#[test]
fn the_manifest_says_which_endpoint_answered_each_request() {
    let ws = Workspace::start(|url| {
        format!(
            "default_profile = \"mock\"\n[profiles.mock]\nbase_url = \"{url}\"\nmodel = \"mock-model\"\ntimeout_secs = 10\nconcurrency = 4\n"
        )
    });
    let second = MockServer::start_blocking();
    second.set_delay(30, 0);
    let out = ws
        .cmd()
        .arg("translate")
        .arg(sample())
        .args(["--articles", "C01,C02", "--no-repair"])
        .args(["--base-url", ws.mock.base_url.as_str()])
        .args(["--base-url", second.base_url.as_str()])
        .arg("--out")
        .arg(ws.out())
        .output()
        .unwrap();
    assert_ok(&out);
    let manifest = ws.json("manifest.json");
    let mut counted: BTreeMap<String, u64> = BTreeMap::new();
    let reports = manifest["chunks"]
        .as_array()
        .unwrap()
        .iter()
        .chain(manifest["requests"].as_array().unwrap());
    for report in reports {
        let sent = report["requests"].as_u64().unwrap();
        let by_endpoint = report["endpoints"].as_object();
        let answered: u64 = by_endpoint
            .into_iter()
            .flatten()
            .map(|(_, n)| n.as_u64().unwrap())
            .sum();
        assert_eq!(answered, sent, "{report}");
        for (endpoint, n) in by_endpoint.into_iter().flatten() {
            *counted.entry(endpoint.clone()).or_default() += n.as_u64().unwrap();
        }
    }
    let totals: BTreeMap<String, u64> =
        serde_json::from_value(manifest["totals"]["requests_by_endpoint"].clone()).unwrap();
    assert_eq!(totals, counted);
    let expected: BTreeMap<String, u64> = [
        (redact_url(&ws.mock.base_url), ws.mock.requests() as u64),
        (redact_url(&second.base_url), second.requests() as u64),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .collect();
    assert_eq!(totals, expected, "the mocks saw what the manifest says");
    assert_eq!(
        totals.values().sum::<u64>(),
        manifest["totals"]["requests"].as_u64().unwrap()
    );
}
