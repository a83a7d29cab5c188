//! Scenarios over HTTP: each shipped one with its effect, connection faults
//! as a client sees them, matching, counters, activation scopes, seeds, and
//! idempotent retries under injected failures.

mod harness;

use std::time::{Duration, Instant};

use harness::*;
use mollie_sandbox::Config;
use serde_json::json;

#[tokio::test]
async fn flaky_payment_create_fails_twice_then_works() {
    let s = start(config(1)).await;
    let k = key();
    activate(s.addr, &k, "flaky-payment-create").await;
    // Other requests are untouched.
    assert_eq!(get(s.addr, "/v2/payments", &k).await.status, 200);
    let first = create_payment(s.addr, &k).await.unwrap();
    assert_eq!(first.status, 503);
    let body = first.json();
    assert_eq!(body["title"], "Service Unavailable");
    assert_eq!(
        body["detail"],
        "Payment platform for this payment method temporarily not available"
    );
    assert_eq!(
        body["_links"]["documentation"]["href"],
        "https://docs.mollie.com/overview/handling-errors"
    );
    assert_eq!(first.header("content-type"), Some("application/hal+json"));
    // The customer-payments path counts as a payment creation too.
    let cst = create_customer(s.addr, &k, "A").await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = Req::new("POST", &format!("/v2/customers/{cst}/payments"), &k)
        .json(payment_body())
        .ok(s.addr)
        .await;
    assert_eq!(second.status, 503);
    for _ in 0..3 {
        assert_eq!(create_payment(s.addr, &k).await.unwrap().status, 201);
    }
    let listing = get(s.addr, "/_sandbox/scenarios", &k).await.json();
    let flaky = listing["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "flaky-payment-create")
        .unwrap();
    assert_eq!(flaky["active"], true);
    assert_eq!(flaky["rules"][0]["matched"], 5);
    assert_eq!(flaky["rules"][0]["fired"], 2);
    assert_eq!(listing["active"], "flaky-payment-create");
    assert_eq!(listing["accountScenario"], "flaky-payment-create");
    s.shutdown().await;
}

#[tokio::test]
async fn activating_again_restarts_the_counters() {
    let s = start(config(1)).await;
    let k = key();
    activate(s.addr, &k, "flaky-payment-create").await;
    let addr = s.addr;
    let seq = |n: usize| {
        let k = k.clone();
        async move {
            let mut out = Vec::new();
            for _ in 0..n {
                out.push(label(&create_payment(addr, &k).await));
            }
            out
        }
    };
    assert_eq!(seq(3).await, ["503", "503", "201"]);
    activate(s.addr, &k, "flaky-payment-create").await;
    assert_eq!(seq(3).await, ["503", "503", "201"]);
    // DELETE: back to no scenario at all.
    let r = Req::new("DELETE", "/_sandbox/scenario", &k)
        .ok(s.addr)
        .await;
    assert_eq!(r.json()["active"], serde_json::Value::Null);
    activate(s.addr, &k, "outage").await;
    assert_eq!(label(&create_payment(s.addr, &k).await), "503");
    Req::new("DELETE", "/_sandbox/scenario", &k)
        .ok(s.addr)
        .await;
    assert_eq!(label(&create_payment(s.addr, &k).await), "201");
    s.shutdown().await;
}

#[tokio::test]
async fn slow_api_waits_300_to_800_ms() {
    let s = start(config(5)).await;
    let k = key();
    activate(s.addr, &k, "slow-api").await;
    for _ in 0..4 {
        let r = get(s.addr, "/v2/customers", &k).await;
        assert_eq!(r.status, 200);
        assert!(r.elapsed >= Duration::from_millis(300), "{:?}", r.elapsed);
        // The upper bound leaves room for a loaded machine.
        assert!(r.elapsed < Duration::from_millis(1600), "{:?}", r.elapsed);
    }
    let journal = get(s.addr, "/_sandbox/requests?path=/v2/", &k).await.json();
    let latencies: Vec<f64> = journal["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["latencyMs"].as_f64().unwrap())
        .collect();
    assert_eq!(latencies.len(), 4);
    for ms in &latencies {
        assert!((300.0..1600.0).contains(ms), "{latencies:?}");
    }
    assert_eq!(journal["requests"][0]["rules"], json!(["slow"]));
    // The sandbox's own routes never wait.
    get(s.addr, "/_sandbox/health", &k).await;
    let health = &get(s.addr, "/_sandbox/requests?path=/_sandbox/health", &k)
        .await
        .json()["requests"][0];
    assert_eq!(health["scenario"], serde_json::Value::Null);
    assert_eq!(health["rules"], json!([]));
    s.shutdown().await;
}

#[tokio::test]
async fn rate_limited_answers_429_on_every_second_request() {
    let s = start(config(1)).await;
    let k = key();
    activate(s.addr, &k, "rate-limited").await;
    let mut statuses = Vec::new();
    for i in 0..6 {
        let r = get(s.addr, "/v2/customers", &k).await;
        statuses.push(r.status);
        if i % 2 == 1 {
            assert_eq!(r.header("retry-after"), Some("1"));
            let body = r.json();
            assert_eq!(body["status"], 429);
            assert_eq!(body["title"], "Too Many Requests");
            assert_eq!(
                body["detail"],
                "You have exceeded the rate limit. Please slow down your requests."
            );
        } else {
            assert_eq!(r.header("retry-after"), None);
        }
    }
    assert_eq!(statuses, [200, 429, 200, 429, 200, 429]);
    s.shutdown().await;
}

#[tokio::test]
async fn outage_server_wide_and_how_to_step_out_of_it() {
    let s = start(Config {
        scenario: Some("outage".into()),
        ..config(1)
    })
    .await;
    let (a, b) = (key(), key());
    for path in ["/v2/customers", "/v2/payments", "/v2/customers/cst_nope"] {
        let r = get(s.addr, path, &a).await;
        assert_eq!(r.status, 503, "{path}");
        assert_eq!(
            r.json()["detail"],
            "The service is temporarily unavailable. Please try again later."
        );
    }
    assert_eq!(
        Req::new("POST", "/v2/customers", &a)
            .json(json!({"name": "x"}))
            .ok(s.addr)
            .await
            .status,
        503
    );
    // Sandbox routes bypass scenarios.
    assert_eq!(get(s.addr, "/_sandbox/health", &a).await.status, 200);
    // One request steps out with the header; one account with "none".
    let r = Req::new("GET", "/v2/customers", &a)
        .header("X-Sandbox-Scenario", "none")
        .ok(s.addr)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(get(s.addr, "/v2/customers", &a).await.status, 503);
    activate(s.addr, &b, "none").await;
    assert_eq!(get(s.addr, "/v2/customers", &b).await.status, 200);
    assert_eq!(get(s.addr, "/v2/customers", &a).await.status, 503);
    // Clearing the account's own scenario falls back to the server's.
    let r = Req::new("DELETE", "/_sandbox/scenario", &b)
        .ok(s.addr)
        .await
        .json();
    assert_eq!(r["active"], "outage");
    assert_eq!(r["source"], "server");
    assert_eq!(get(s.addr, "/v2/customers", &b).await.status, 503);
    let listing = Req::anonymous("GET", "/_sandbox/scenarios")
        .ok(s.addr)
        .await
        .json();
    assert_eq!(listing["serverScenario"], "outage");
    s.shutdown().await;
}

/// 100 requests under connection-drops on a fresh connection each.
async fn drop_sequence(seed: u64, k: &str) -> Vec<bool> {
    let s = start(config(seed)).await;
    activate(s.addr, k, "connection-drops").await;
    let mut seq = Vec::new();
    for _ in 0..100 {
        match get_outcome(s.addr, k).await {
            Ok(r) => {
                assert_eq!(r.status, 200);
                seq.push(false);
            }
            Err(Failure::Reset) => seq.push(true),
            Err(other) => panic!("{other:?}"),
        }
    }
    let journal = get(s.addr, "/_sandbox/requests?status=fault", k)
        .await
        .json();
    assert_eq!(
        journal["count"].as_u64().unwrap() as usize,
        seq.iter().filter(|d| **d).count()
    );
    if let Some(e) = journal["requests"].as_array().unwrap().first() {
        assert_eq!(e["fault"], "reset");
        assert_eq!(e["status"], serde_json::Value::Null);
    }
    s.shutdown().await;
    seq
}

async fn get_outcome(addr: std::net::SocketAddr, k: &str) -> Outcome {
    Req::new("GET", "/v2/customers", k).send(addr).await
}

#[tokio::test]
async fn connection_drops_resets_about_one_in_ten_and_replays_with_the_seed() {
    let k = key();
    let first = drop_sequence(4242, &k).await;
    let drops = first.iter().filter(|d| **d).count();
    assert!((3..=20).contains(&drops), "{drops} of 100 dropped");
    // Same seed, same key: the very same requests are dropped.
    assert_eq!(drop_sequence(4242, &k).await, first);
    // Another seed chooses others.
    assert_ne!(drop_sequence(4243, &k).await, first);
}

#[tokio::test]
async fn timeout_hangs_payment_creation_until_the_client_gives_up() {
    let s = start(config(1)).await;
    let k = key();
    activate(s.addr, &k, "timeout").await;
    let started = Instant::now();
    let r = Req::new("POST", "/v2/payments", &k)
        .json(payment_body())
        .timeout(Duration::from_millis(1500))
        .send(s.addr)
        .await;
    assert_eq!(r.err(), Some(Failure::TimedOut));
    assert!(started.elapsed() >= Duration::from_millis(1500));
    // Everything else answers, and nothing was created.
    let list = get(s.addr, "/v2/payments", &k).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.json()["count"], 0);
    let journal = get(s.addr, "/_sandbox/requests?method=POST", &k)
        .await
        .json();
    assert_eq!(journal["requests"][0]["fault"], "hang");
    // Its latency is how long the connection was held, once the client has
    // gone (the server notices the close a moment later).
    let mut latency = 0.0;
    for _ in 0..50 {
        let journal = get(s.addr, "/_sandbox/requests?method=POST", &k)
            .await
            .json();
        latency = journal["requests"][0]["latencyMs"].as_f64().unwrap();
        if latency >= 1400.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!((1400.0..3000.0).contains(&latency), "latencyMs {latency}");
    // A hanging connection does not hold up a shutdown.
    let (addr, k2) = (s.addr, k.clone());
    let pending = tokio::spawn(async move { create_payment(addr, &k2).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stopping = Instant::now();
    s.shutdown().await;
    assert!(
        stopping.elapsed() < Duration::from_secs(3),
        "{:?}",
        stopping.elapsed()
    );
    assert_eq!(pending.await.unwrap().err(), Some(Failure::Empty));
}

#[tokio::test]
async fn each_fault_as_the_client_sees_it() {
    let dir = scenario_dir(&[
        (
            "reset.json",
            r#"{"name": "f-reset", "rules": [{"fault": "reset"}]}"#,
        ),
        (
            "garbage.json",
            r#"{"name": "f-garbage", "rules": [{"fault": "garbage"}]}"#,
        ),
        (
            "empty.json",
            r#"{"name": "f-empty", "rules": [{"fault": "empty"}]}"#,
        ),
        (
            "hang.json",
            r#"{"name": "f-hang", "rules": [{"delay": 100, "fault": "hang"}]}"#,
        ),
    ]);
    let s = start(Config {
        scenarios: Some(dir),
        ..config(1)
    })
    .await;
    let k = key();
    let with = |name: &'static str| {
        let k = k.clone();
        async move {
            Req::new("GET", "/v2/customers", &k)
                .header("X-Sandbox-Scenario", name)
                .timeout(Duration::from_millis(800))
                .send(s.addr)
                .await
        }
    };
    assert_eq!(with("f-reset").await.err(), Some(Failure::Reset));
    assert_eq!(with("f-empty").await.err(), Some(Failure::Empty));
    match with("f-garbage").await {
        Err(Failure::Garbage(bytes)) => assert_eq!(bytes, mollie_sandbox::faults::GARBAGE),
        other => panic!("{other:?}"),
    }
    assert_eq!(with("f-hang").await.err(), Some(Failure::TimedOut));
    // The server is fine afterwards.
    assert_eq!(get(s.addr, "/v2/customers", &k).await.status, 200);
    s.shutdown().await;
}

#[tokio::test]
async fn rules_match_on_path_method_query_body_and_header() {
    let dir = scenario_dir(&[(
        "usd.json",
        r#"{
          "name": "no-dollars",
          "description": "USD payments for one customer fail; a tagged request is slow",
          "rules": [
            {"name": "usd", "match": {"method": "POST", "path": "/v2/customers/*/payments", "body": {"amount.currency": "USD"}},
             "response": {"status": 422, "detail": "Currency not supported", "field": "amount.currency"}},
            {"name": "tagged", "match": {"headers": {"X-Test-Tag": "slow"}, "query": {"limit": "*"}}, "delay": 250},
            {"name": "teapot", "match": {"path": "/v2/customers/cst_teapot"}, "response": {"status": 418, "body": {"tea": true}, "headers": {"Content-Type": "application/json", "X-Brewed": "yes"}}}
          ]
        }"#,
    )]);
    let s = start(Config {
        scenarios: Some(dir),
        ..config(1)
    })
    .await;
    let k = key();
    activate(s.addr, &k, "no-dollars").await;
    let cst = create_customer(s.addr, &k, "A").await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/v2/customers/{cst}/payments");
    let usd = json!({"amount": {"currency": "USD", "value": "10.00"}, "description": "x", "redirectUrl": "https://x.example.org/"});
    let r = Req::new("POST", &path, &k)
        .json(usd.clone())
        .ok(s.addr)
        .await;
    assert_eq!(r.status, 422);
    let body = r.json();
    assert_eq!(body["detail"], "Currency not supported");
    assert_eq!(body["field"], "amount.currency");
    assert_eq!(body["title"], "Unprocessable Entity");
    // Form bodies match the same way.
    let r = Req::new("POST", &path, &k)
        .form("amount[currency]=USD&amount[value]=10.00&description=x&redirectUrl=https://x.example.org/")
        .ok(s.addr)
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        Req::new("POST", &path, &k)
            .json(payment_body())
            .ok(s.addr)
            .await
            .status,
        201
    );
    assert_eq!(
        Req::new("POST", "/v2/payments", &k)
            .json(usd)
            .ok(s.addr)
            .await
            .status,
        201
    );
    // Header and query both needed.
    let slow = Req::new("GET", "/v2/customers?limit=5", &k)
        .header("X-Test-Tag", "slow")
        .ok(s.addr)
        .await;
    assert!(slow.elapsed >= Duration::from_millis(250));
    Req::new("GET", "/v2/customers", &k)
        .header("X-Test-Tag", "slow")
        .ok(s.addr)
        .await;
    Req::new("GET", "/v2/customers?limit=5", &k)
        .ok(s.addr)
        .await;
    let journal = get(
        s.addr,
        "/_sandbox/requests?method=GET&path=/v2/customers",
        &k,
    )
    .await
    .json();
    let fired: Vec<&serde_json::Value> = journal["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["rules"])
        .collect();
    assert_eq!(fired, [&json!([]), &json!([]), &json!(["tagged"])]);
    // A given body and headers replace the error body.
    let r = get(s.addr, "/v2/customers/cst_teapot", &k).await;
    assert_eq!(r.status, 418);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("x-brewed"), Some("yes"));
    assert_eq!(r.json(), json!({"tea": true}));
    s.shutdown().await;
}

#[tokio::test]
async fn a_broken_scenario_file_stops_start_up_naming_file_rule_and_field() {
    let dir = scenario_dir(&[(
        "broken.json",
        r#"{"name": "broken", "rules": [{"name": "ok", "delay": 5}, {"name": "bad", "response": {"status": 503}, "probability": 1.5}]}"#,
    )]);
    let err = mollie_sandbox::start(Config {
        scenarios: Some(dir.clone()),
        ..config(1)
    })
    .await
    .err()
    .expect("start-up fails");
    assert!(
        err.contains(&dir.join("broken.json").display().to_string()),
        "{err}"
    );
    assert!(err.contains("rules[1] (\"bad\")"), "{err}");
    assert!(err.contains("field \"probability\""), "{err}");
    let err = mollie_sandbox::start(Config {
        scenario: Some("no-such".into()),
        ..config(1)
    })
    .await
    .err()
    .expect("start-up fails");
    assert!(err.contains("--scenario no-such"), "{err}");
}

#[tokio::test]
async fn unknown_scenario_names_are_refused() {
    let s = start(config(1)).await;
    let k = key();
    let r = Req::new("PUT", "/_sandbox/scenario", &k)
        .json(json!({"name": "nope"}))
        .ok(s.addr)
        .await;
    assert_eq!(r.status, 422);
    let body = r.json();
    assert_eq!(body["field"], "name");
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("\"nope\" does not exist"));
    let r = Req::new("GET", "/v2/customers", &k)
        .header("X-Sandbox-Scenario", "nope")
        .ok(s.addr)
        .await;
    assert_eq!(r.status, 400);
    assert!(r.json()["detail"]
        .as_str()
        .unwrap()
        .contains("flaky-payment-create"));
    let r = Req::anonymous("PUT", "/_sandbox/scenario")
        .json(json!({"name": "outage"}))
        .ok(s.addr)
        .await;
    assert_eq!(r.status, 401);
    s.shutdown().await;
}

#[tokio::test]
async fn accounts_and_requests_do_not_leak_into_each_other() {
    let s = start(config(1)).await;
    let (a, b) = (key(), key());
    activate(s.addr, &a, "outage").await;
    assert_eq!(get(s.addr, "/v2/customers", &a).await.status, 503);
    assert_eq!(get(s.addr, "/v2/customers", &b).await.status, 200);
    // A header applies to its own request only.
    let r = Req::new("GET", "/v2/customers", &b)
        .header("X-Sandbox-Scenario", "outage")
        .ok(s.addr)
        .await;
    assert_eq!(r.status, 503);
    assert_eq!(get(s.addr, "/v2/customers", &b).await.status, 200);
    // Counters are per account: a's failures do not use up b's.
    activate(s.addr, &a, "flaky-payment-create").await;
    activate(s.addr, &b, "flaky-payment-create").await;
    assert_eq!(label(&create_payment(s.addr, &a).await), "503");
    assert_eq!(label(&create_payment(s.addr, &a).await), "503");
    assert_eq!(label(&create_payment(s.addr, &a).await), "201");
    assert_eq!(label(&create_payment(s.addr, &b).await), "503");
    // Concurrent accounts, same scenario, each sees its own sequence.
    let keys: Vec<String> = (0..6).map(|_| key()).collect();
    for k in &keys {
        activate(s.addr, k, "rate-limited").await;
    }
    let runs = keys.iter().map(|k| {
        let k = k.clone();
        let addr = s.addr;
        tokio::spawn(async move {
            let mut out = Vec::new();
            for _ in 0..4 {
                out.push(get(addr, "/v2/customers", &k).await.status);
            }
            out
        })
    });
    for run in runs.collect::<Vec<_>>() {
        assert_eq!(run.await.unwrap(), [200, 429, 200, 429]);
    }
    s.shutdown().await;
}

#[tokio::test]
async fn idempotent_retries_run_after_injected_failures_and_replay_after_success() {
    let s = start(config(1)).await;
    let k = key();
    activate(s.addr, &k, "flaky-payment-create").await;
    let post = |idem: &'static str| {
        let k = k.clone();
        async move {
            Req::new("POST", "/v2/payments", &k)
                .header("Idempotency-Key", idem)
                .json(payment_body())
                .ok(s.addr)
                .await
        }
    };
    assert_eq!(post("order-1").await.status, 503);
    assert_eq!(post("order-1").await.status, 503);
    let created = post("order-1").await;
    assert_eq!(created.status, 201);
    assert_eq!(created.header("idempotent-replayed"), None);
    let id = created.json()["id"].clone();
    // The stored success replays, even under a scenario that fails everything.
    activate(s.addr, &k, "outage").await;
    let replayed = post("order-1").await;
    assert_eq!(replayed.status, 201);
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(replayed.json()["id"], id);
    assert_eq!(post("order-2").await.status, 503);
    // A fault does not use up the key either.
    activate(s.addr, &k, "timeout").await;
    let hung = Req::new("POST", "/v2/payments", &k)
        .header("Idempotency-Key", "order-3")
        .json(payment_body())
        .timeout(Duration::from_millis(300))
        .send(s.addr)
        .await;
    assert_eq!(hung.err(), Some(Failure::TimedOut));
    Req::new("DELETE", "/_sandbox/scenario", &k)
        .ok(s.addr)
        .await;
    assert_eq!(post("order-3").await.status, 201);
    let all = get(s.addr, "/v2/payments", &k).await.json();
    assert_eq!(
        all["count"], 2,
        "exactly one payment per key that succeeded"
    );
    s.shutdown().await;
}
