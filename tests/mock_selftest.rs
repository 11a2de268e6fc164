//! Proves the shared mock server (tests/common) behaves as documented, so
//! failures in gloss's integration tests can be trusted to be gloss's.
mod common;

use std::time::{Duration, Instant};

use common::{Fault, MockServer, mock_translation};
use serde_json::{Value, json};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn client() -> reqwest::Client {
    // no_proxy: an ambient HTTP_PROXY must not intercept 127.0.0.1.
    reqwest::Client::builder().no_proxy().build().unwrap()
}

fn chat_body(user: &str) -> String {
    json!({
        "model": "test-model",
        "messages": [
            {"role": "system", "content": "You are a translator."},
            {"role": "user", "content": user},
        ],
        "temperature": 0.0,
        "max_tokens": 512,
        "stream": false,
    })
    .to_string()
}

const THREE: &str =
    "Article: 경제 동향\nTranslate these 3 segments:\n[1] 안녕하세요\n[2] 금리가 올랐다\n[3] 끝";

/// Returns (status, headers, body text).
async fn post(
    client: &reqwest::Client,
    server: &MockServer,
    body: String,
    bearer: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, String) {
    let mut req = client
        .post(format!("{}/chat/completions", server.base_url))
        .header("content-type", "application/json")
        .body(body);
    if let Some(key) = bearer {
        req = req.header("authorization", format!("Bearer {key}"));
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.text().await.unwrap())
}

fn content(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap();
    v["choices"][0]["message"]["content"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn translation_reply_aligns_with_segments() {
    let server = MockServer::start_blocking();
    let rt = runtime();
    let (status, _, body) = rt.block_on(post(&client(), &server, chat_body(THREE), None));
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["model"], "test-model");
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
    assert_eq!(
        content(&body),
        "[1] EN: annyeonghaseyo\n[2] EN: geumriga olratda\n[3] EN: kkeut"
    );
    let usage = &v["usage"];
    assert_eq!(
        usage["total_tokens"].as_u64().unwrap(),
        usage["prompt_tokens"].as_u64().unwrap() + usage["completion_tokens"].as_u64().unwrap()
    );
    assert_eq!(server.requests(), 1);
    assert_eq!(server.bodies()[0]["model"], "test-model");
    assert_eq!(server.user_messages()[0], THREE);
}

#[test]
fn queued_429_then_success() {
    let server = MockServer::start_blocking();
    server.push_fault(Fault::Status429 {
        retry_after: Some("1".into()),
    });
    let rt = runtime();
    let client = client();
    let (status, headers, body) = rt.block_on(post(&client, &server, chat_body(THREE), None));
    assert_eq!(status, 429);
    assert_eq!(headers.get("retry-after").unwrap(), "1");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"]["type"], "rate_limit_error");
    assert_eq!(server.pending_faults(), 0);

    let (status, _, body) = rt.block_on(post(&client, &server, chat_body(THREE), None));
    assert_eq!(status, 200);
    assert!(content(&body).starts_with("[1] EN: annyeonghaseyo"));
    assert_eq!(server.requests(), 2);
}

#[test]
fn concurrent_requests_are_counted_in_flight() {
    let server = MockServer::start_blocking();
    server.set_delay(300, 0);
    let rt = runtime();
    let client = client();
    let started = Instant::now();
    let results = rt.block_on(async {
        tokio::join!(
            post(&client, &server, chat_body(THREE), None),
            post(&client, &server, chat_body(THREE), None),
            post(&client, &server, chat_body(THREE), None),
        )
    });
    assert!(
        [results.0.0, results.1.0, results.2.0]
            .iter()
            .all(|s| *s == 200)
    );
    assert_eq!(server.max_in_flight(), 3);
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "requests were serialised"
    );

    server.reset_counters();
    assert_eq!(server.requests(), 0);
    assert_eq!(server.max_in_flight(), 0);
    assert!(server.bodies().is_empty());
}

#[test]
fn require_bearer_rejects_missing_or_wrong_key() {
    let server = MockServer::start_blocking();
    server.configure(|c| c.require_bearer = Some("sk-test-123".into()));
    let rt = runtime();
    let client = client();
    for bearer in [None, Some("wrong")] {
        let (status, _, body) = rt.block_on(post(&client, &server, chat_body(THREE), bearer));
        assert_eq!(status, 401);
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["error"]["message"], "invalid api key");
    }
    let (status, _, _) = rt.block_on(post(
        &client,
        &server,
        chat_body(THREE),
        Some("sk-test-123"),
    ));
    assert_eq!(status, 200);
    let sent_key = server.headers()[2]
        .iter()
        .any(|(k, v)| k == "authorization" && v.contains("sk-test-123"));
    assert!(sent_key);
}

#[test]
fn other_faults_and_options() {
    let server = MockServer::start_blocking();
    let rt = runtime();
    let client = client();
    let send = |user: &str| rt.block_on(post(&client, &server, chat_body(user), None));

    // Non-translation request gets the default summary reply.
    let (status, _, body) = send("Summarise this article please");
    assert_eq!(status, 200);
    assert_eq!(content(&body), "SUMMARY: Summarise this article please");

    server.push_fault(Fault::Status500);
    server.push_fault(Fault::MalformedJson);
    server.push_fault(Fault::LlamaCppError { status: 503 });
    server.push_fault(Fault::OllamaError { status: 404 });
    server.push_fault(Fault::DropLastSegment);
    server.push_fault(Fault::FinishLength);
    server.push_fault(Fault::NoUsage);
    server.push_fault(Fault::Reply("[1] raw".into()));

    let (s, _, b) = send(THREE);
    assert_eq!((s, b.as_str()), (500, "internal error"));
    let (s, _, b) = send(THREE);
    assert_eq!((s, b.as_str()), (200, r#"{"choices": ["#));
    let (s, _, b) = send(THREE);
    assert_eq!(s, 503);
    assert_eq!(
        serde_json::from_str::<Value>(&b).unwrap()["error"]["code"],
        503
    );
    let (s, _, b) = send(THREE);
    assert_eq!(s, 404);
    assert!(b.contains("not found"));
    let (_, _, b) = send(THREE);
    assert_eq!(
        content(&b),
        "[1] EN: annyeonghaseyo\n[2] EN: geumriga olratda"
    );
    let (_, _, b) = send(THREE);
    assert_eq!(content(&b), "[1] EN: annyeonghaseyo");
    assert_eq!(
        serde_json::from_str::<Value>(&b).unwrap()["choices"][0]["finish_reason"],
        "length"
    );
    let (_, _, b) = send(THREE);
    assert!(
        serde_json::from_str::<Value>(&b)
            .unwrap()
            .get("usage")
            .is_none()
    );
    let (_, _, b) = send(THREE);
    assert_eq!(content(&b), "[1] raw");

    // Persistent options.
    server.configure(|c| {
        c.fault_when_user_contains = Some(("금리".into(), Fault::Status500));
        c.drop_segments_over = Some(1);
    });
    let (s, _, _) = send(THREE);
    assert_eq!(s, 500);
    let (_, _, b) = send("[1] 하나\n[2] 둘");
    assert_eq!(content(&b), "[1] EN: hana");
    let (_, _, b) = send("[1] 하나");
    assert_eq!(content(&b), "[1] EN: hana");
}

#[test]
fn models_endpoint() {
    let server = MockServer::start_blocking();
    let rt = runtime();
    let text = rt.block_on(async {
        client()
            .get(format!("{}/models", server.base_url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["data"][0]["id"], "mock-model");
    assert_eq!(server.requests(), 0, "models calls are not chat requests");
}

#[tokio::test]
async fn async_start_works() {
    let server = MockServer::start().await;
    let (status, _, body) = post(&client(), &server, chat_body("[7] 일곱"), None).await;
    assert_eq!(status, 200);
    assert_eq!(content(&body), "[7] EN: ilgop");
}

#[test]
fn hang_triggers_client_timeout_and_drop_does_not_wait() {
    let server = MockServer::start_blocking();
    server.push_fault(Fault::Hang { ms: 5_000 });
    let rt = runtime();
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let err = rt.block_on(async {
        client
            .post(format!("{}/chat/completions", server.base_url))
            .body(chat_body(THREE))
            .send()
            .await
            .unwrap_err()
    });
    assert!(err.is_timeout());
    let (status, _, _) = rt.block_on(post(&client, &server, chat_body(THREE), None));
    assert_eq!(status, 200);
    let started = Instant::now();
    drop(server);
    assert!(started.elapsed() < Duration::from_millis(500));
}

// ---------------------------------------------------------------------------
// The default translation passes gloss's quality checks
// ---------------------------------------------------------------------------

#[test]
fn romanization_follows_revised_romanization() {
    assert_eq!(common::romanize("대한민국"), "daehanminguk");
    assert_eq!(common::romanize("서울 부산"), "seoul busan");
    // Finals as their representative sounds; no assimilation across syllables.
    assert_eq!(common::romanize("값 닭 꽃 밖 읽"), "gap dak kkot bak ik");
    assert_eq!(common::romanize("쌍둥이"), "ssangdungi");
    assert_eq!(common::romanize("의사 위원회"), "uisa wiwonhoe");
    // Everything that is no Hangul syllable stays as is.
    assert_eq!(
        common::romanize("研究開発DX (MURC, 11.6) ∙ 4억"),
        "研究開発DX (MURC, 11.6) ∙ 4eok"
    );
}

/// The tests' own reader of Korean figures (common/figures.rs), which the
/// mock's translations and the expected translations are made with, on
/// cases written out by hand.
#[test]
fn the_tests_figure_reader_reads_korean_figures() {
    use common::figures::{english_figures_of, prompt_form};
    let cases: [(&str, &[&str]); 9] = [
        ("총 4억 2,700만 캐나다 달러", &["427,000,000 dollars"]),
        ("’30년까지 40% 감축", &["2030", "40%"]),
        ("2023년 11월 6일", &["2023", "November 6"]),
        ("(日 MURC, 11.6)", &["11.6"]),
        (
            "55.4%의 성장, 200억 위안, 3.5°C",
            &["55.4%", "20,000,000,000 yuan", "3.5"],
        ),
        (
            "’19~22년 평균, 2019~22년",
            &["2019", "2022", "2019", "2022"],
        ),
        (
            "1만 3,500개, 3~4만 명, 1~2% 증가",
            &["13,500", "30,000", "40,000", "1%", "2%"],
        ),
        ("LC3와 GPT-4, 5,000 평방피트", &["5,000"]),
        ("원료 3천 톤, 엔진 2대", &["3,000", "2"]),
    ];
    for (text, want) in cases {
        assert_eq!(english_figures_of(text), want, "{text}");
    }
    let prompts = [
        (
            "총 4억 2,700만 캐나다 달러 규모",
            "총 427 million 캐나다 달러 규모",
        ),
        ("3,690억 달러", "369 billion 달러"),
        ("135억 캐나다 달러", "13.5 billion 캐나다 달러"),
        ("1만 3,500개", "13,500개"),
        ("1조 2,000억 원", "1.2 trillion 원"),
        ("’33년 이후, ’12~’22년", "2033년 이후, 2012~2022년"),
        (
            "명칭은 ‘Astro’, 40% 감축, 3천 명",
            "명칭은 ‘Astro’, 40% 감축, 3천 명",
        ),
    ];
    for (text, want) in prompts {
        assert_eq!(prompt_form(text), want, "{text}");
    }
    assert_eq!(
        mock_translation("총 4억 2,700만 캐나다 달러 "),
        "EN: chong 4eok 2,700man kaenada dalreo {427,000,000 dollars}"
    );
    assert_eq!(mock_translation("끝"), "EN: kkeut");
}

/// Every title and paragraph of the sample, translated the mock's default
/// way, passes every check: the mock's translations are "good" by default,
/// so a test sees a flag only where it scripts a bad translation.
#[test]
fn mock_translation_passes_quality_checks_on_the_whole_sample() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/trendwatch-2023-22.txt");
    let issue = gloss::parse::parse(&gloss::load::load(&path).unwrap());
    let bounds = gloss::qa::length_bounds("Korean");
    assert!(bounds.is_some());
    let mut checked = 0;
    let mut failures = Vec::new();
    for a in &issue.articles {
        let texts = std::iter::once((a.title_segment_id(), a.title.as_str()))
            .chain(a.paragraphs.iter().map(|p| (p.id.clone(), p.text.as_str())));
        for (id, source) in texts {
            let translation = mock_translation(source);
            // What the mock answers in a run: the translation of the prompt's form.
            let prompted = mock_translation(&common::figures::prompt_form(source));
            for translation in [&translation, &prompted] {
                let flags = gloss::qa::check(source, translation, &[], bounds);
                if !flags.is_empty() {
                    failures.push(format!("{id}: {source}\n  -> {translation}\n  {flags:?}"));
                }
            }
            // Every number is read back with its value and kind.
            let back = gloss::qa::numbers::english_numbers(&translation);
            for m in gloss::qa::numbers::korean_numbers(source) {
                assert!(
                    back.iter().any(|b| b.kind == m.kind
                        && (b.value - m.value).abs() <= 1e-9 * m.value.abs().max(1.0)),
                    "{id}: {m:?} not read back from {translation:?}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} segments");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The tests' rewrite of figures and abbreviations for the prompt and
/// gloss's own agree on every title and paragraph of the sample: two
/// readers written apart.
#[test]
fn the_prompt_form_of_the_tests_is_glosss_on_the_whole_sample() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/trendwatch-2023-22.txt");
    let issue = gloss::parse::parse(&gloss::load::load(&path).unwrap());
    let mut rewritten = 0;
    for a in &issue.articles {
        for text in
            std::iter::once(a.title.as_str()).chain(a.paragraphs.iter().map(|p| p.text.as_str()))
        {
            let ours = common::figures::prompt_form(text);
            let glosss = gloss::qa::figures::english_figures(&gloss::hanja::spelled_hanja(text));
            assert_eq!(ours, glosss, "{text}");
            rewritten += usize::from(ours != text);
        }
    }
    assert!(
        rewritten > 20,
        "only {rewritten} texts with figures to rewrite"
    );
}

fn chat_with_system(system: &str, user: &str) -> String {
    json!({
        "model": "test-model",
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": user},
        ],
    })
    .to_string()
}

#[test]
fn termbase_and_repair_requests_get_their_own_replies() {
    use common::RequestKind;
    let server = MockServer::start_blocking();
    let rt = runtime();
    let client = client();
    let send = |system: &str, user: &str| {
        let (status, _, body) =
            rt.block_on(post(&client, &server, chat_with_system(system, user), None));
        assert_eq!(status, 200);
        content(&body)
    };
    let terms_system = "You extract named entities for a translation termbase.";
    let terms_user = "Article: 캐나다 클러스터\n\n혁신과학경제개발부(ISED) 지원";
    let repair_user = "Article: 캐나다 클러스터\n\nSource:\n총 4억 2,700만 캐나다 달러\n\nPrevious translation:\nEN: 4,270 million\n\nProblems found in it:\n- number: …\n";

    // Defaults: no terms; the repair is the good translation.
    assert_eq!(send(terms_system, terms_user), "NONE");
    assert_eq!(
        send("You correct translations.", repair_user),
        mock_translation("총 4억 2,700만 캐나다 달러")
    );
    assert_eq!(
        send("You are a translator.", "[1] 끝\n[2] 금리"),
        "[1] EN: kkeut\n[2] EN: geumri"
    );

    // Scripted replies, matched by needle.
    server.configure(|c| {
        c.term_replies = vec![("클러스터".into(), "혁신과학경제개발부 => ISED".into())];
        c.repair_replies = vec![("4억".into(), "still wrong".into())];
        c.segment_replies = vec![("금리".into(), "interest".into())];
    });
    assert_eq!(send(terms_system, terms_user), "혁신과학경제개발부 => ISED");
    assert_eq!(
        send("You correct translations.", repair_user),
        "still wrong"
    );
    assert_eq!(
        send("You are a translator.", "[1] 끝\n[2] 금리"),
        "[1] EN: kkeut\n[2] interest"
    );

    // Like a good translator, the default follows the prompt's terms.
    server.configure(|c| {
        c.segment_replies.clear();
        c.repair_replies.clear();
    });
    let user = "Article: t\n\nTerm translations to use:\n금리 → interest rate\n캐나다 달러 → CAD (currency)\n\nTranslate these 2 segments:\n\n[1] 끝\n[2] 금리가 4억 캐나다 달러";
    assert_eq!(
        send("Rules.", user),
        "[1] EN: kkeut\n[2] EN: interest ratega 4eok CAD {400,000,000 dollars}"
    );
    let repair_with_terms =
        format!("{repair_user}Required term translations:\n- 캐나다 달러 → CAD\n");
    assert_eq!(
        send("You correct translations.", &repair_with_terms),
        "EN: chong 4eok 2,700man CAD {427,000,000 dollars}"
    );

    let kinds: Vec<RequestKind> = server.bodies().iter().map(RequestKind::of).collect();
    use RequestKind::{Repair, Termbase, Translation};
    assert_eq!(
        kinds,
        [
            Termbase,
            Repair,
            Translation,
            Termbase,
            Repair,
            Translation,
            Translation,
            Repair
        ]
    );
    assert_eq!(server.requests_of(Termbase), 2);
    assert_eq!(
        server.user_messages_of(Repair)[..2],
        vec![repair_user.to_string(); 2]
    );
}
