//! The request journal over HTTP: what an entry holds, newest first, the
//! bound, the filters, clearing, and one account never seeing another's.

mod harness;

use harness::*;
use mollie_sandbox::Config;
use serde_json::{json, Value};

async fn journal(addr: std::net::SocketAddr, k: &str, query: &str) -> Value {
    let r = get(addr, &format!("/_sandbox/requests{query}"), k).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

#[tokio::test]
async fn entries_hold_the_request_newest_first() {
    let s = start(config(1)).await;
    let k = key();
    get(s.addr, "/v2/customers?limit=2", &k).await;
    Req::new("POST", "/v2/customers", &k)
        .header("Idempotency-Key", "abc-1")
        .json(json!({"name": "A"}))
        .ok(s.addr)
        .await;
    get(s.addr, "/v2/customers/cst_missing1", &k).await;
    let j = journal(s.addr, &k, "").await;
    // Reading the journal is not journaled.
    let j2 = journal(s.addr, &k, "").await;
    assert_eq!(j["count"], 3);
    assert_eq!(j2["count"], 3);
    let e = j["requests"].as_array().unwrap();
    assert_eq!(e[0]["path"], "/v2/customers/cst_missing1");
    assert_eq!(e[0]["status"], 404);
    assert_eq!(e[1]["method"], "POST");
    assert_eq!(e[1]["status"], 201);
    assert_eq!(e[1]["idempotencyKey"], "abc-1");
    assert_eq!(e[2]["method"], "GET");
    assert_eq!(e[2]["path"], "/v2/customers");
    assert_eq!(e[2]["query"], "limit=2");
    assert_eq!(e[2]["status"], 200);
    assert_eq!(e[2]["scenario"], Value::Null);
    assert_eq!(e[2]["rules"], json!([]));
    assert!(e[0]["id"].as_u64() > e[1]["id"].as_u64());
    for entry in e {
        let ms = entry["latencyMs"].as_f64().unwrap();
        assert!((0.0..1000.0).contains(&ms), "{ms}");
        let t = entry["time"].as_str().unwrap();
        assert!(t.parse::<jiff::Timestamp>().is_ok(), "{t}");
        assert!(t.ends_with('Z'));
    }
    s.shutdown().await;
}

#[tokio::test]
async fn scenario_rules_and_sandbox_calls_are_journaled() {
    let s = start(config(1)).await;
    let k = key();
    activate(s.addr, &k, "flaky-payment-create").await;
    create_payment(s.addr, &k).await.unwrap();
    get(s.addr, "/v2/payments", &k).await;
    let j = journal(s.addr, &k, "").await;
    let e = j["requests"].as_array().unwrap();
    assert_eq!(e.len(), 3);
    assert_eq!(e[0]["path"], "/v2/payments");
    assert_eq!(e[0]["status"], 200);
    assert_eq!(e[0]["scenario"], "flaky-payment-create");
    assert_eq!(e[0]["rules"], json!([]));
    assert_eq!(e[1]["status"], 503);
    assert_eq!(e[1]["rules"], json!(["first-two-creations-fail"]));
    assert_eq!(e[2]["method"], "PUT");
    assert_eq!(e[2]["path"], "/_sandbox/scenario");
    s.shutdown().await;
}

#[tokio::test]
async fn the_journal_is_bounded() {
    let s = start(Config {
        journal_size: 5,
        ..config(1)
    })
    .await;
    let k = key();
    for i in 0..8 {
        get(s.addr, &format!("/v2/customers?limit={}", i + 1), &k).await;
    }
    let j = journal(s.addr, &k, "").await;
    assert_eq!(j["count"], 5);
    assert_eq!(j["kept"], 5);
    assert_eq!(j["capacity"], 5);
    assert_eq!(j["dropped"], 3);
    let queries: Vec<&str> = j["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["query"].as_str().unwrap())
        .collect();
    assert_eq!(
        queries,
        ["limit=8", "limit=7", "limit=6", "limit=5", "limit=4"]
    );
    s.shutdown().await;
    // Size 0 keeps nothing.
    let s = start(Config {
        journal_size: 0,
        ..config(1)
    })
    .await;
    get(s.addr, "/v2/customers", &k).await;
    assert_eq!(journal(s.addr, &k, "").await["count"], 0);
    s.shutdown().await;
}

#[tokio::test]
async fn filters_and_clearing() {
    let s = start(config(1)).await;
    let k = key();
    let cst = create_customer(s.addr, &k, "A").await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    get(s.addr, &format!("/v2/customers/{cst}"), &k).await;
    get(s.addr, "/v2/customers/cst_missing1", &k).await;
    get(s.addr, "/v2/payments", &k).await;
    Req::new("POST", "/v2/customers", &k)
        .json(json!({"locale": "xx"}))
        .ok(s.addr)
        .await;
    let paths = |j: Value| -> Vec<(String, u64)> {
        j["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["path"].as_str().unwrap().to_owned(),
                    e["status"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(
        paths(journal(s.addr, &k, "?method=post").await),
        [
            ("/v2/customers".to_owned(), 422),
            ("/v2/customers".to_owned(), 201)
        ]
    );
    assert_eq!(
        paths(journal(s.addr, &k, "?path=/v2/customers/").await),
        [
            ("/v2/customers/cst_missing1".to_owned(), 404),
            (format!("/v2/customers/{cst}"), 200)
        ]
    );
    assert_eq!(
        paths(journal(s.addr, &k, "?status=404").await),
        [("/v2/customers/cst_missing1".to_owned(), 404)]
    );
    assert_eq!(journal(s.addr, &k, "?status=4xx").await["count"], 2);
    assert_eq!(
        journal(s.addr, &k, "?status=2xx&method=GET&limit=1").await["requests"][0]["path"],
        "/v2/payments"
    );
    let bad = get(s.addr, "/_sandbox/requests?status=teapot", &k).await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["field"], "status");
    assert_eq!(
        get(s.addr, "/_sandbox/requests?colour=red", &k)
            .await
            .status,
        422
    );
    // Another account sees none of it.
    let other = key();
    assert_eq!(journal(s.addr, &other, "").await["count"], 0);
    assert_eq!(
        Req::anonymous("GET", "/_sandbox/requests")
            .ok(s.addr)
            .await
            .status,
        401
    );
    let cleared = Req::new("DELETE", "/_sandbox/requests", &k)
        .ok(s.addr)
        .await;
    assert_eq!(cleared.json()["cleared"], 5);
    assert_eq!(journal(s.addr, &k, "").await["count"], 0);
    get(s.addr, "/v2/payments", &k).await;
    assert_eq!(journal(s.addr, &k, "").await["count"], 1);
    s.shutdown().await;
}

/// All journals together stay under `--journal-max-mb`, however many
/// accounts write them: the accounts used least recently lose their oldest
/// entries first, the busiest keep their newest.
#[tokio::test]
async fn every_journal_together_stays_under_its_bound() {
    let s = start(Config {
        journal_max_mb: 1,
        ..config(1)
    })
    .await;
    let max = 1024 * 1024;
    // Long queries make each entry cost its cap, ~330 bytes: ~3,200 fit.
    let long = "x".repeat(4000);
    let keys: Vec<String> = (0..60).map(|_| key()).collect();
    for k in &keys {
        for i in 0..80 {
            let r = get(s.addr, &format!("/v2/customers?i={i}&pad={long}"), k).await;
            assert_eq!(r.status, 422);
        }
    }
    let budget = s.app.registry.journal_budget();
    assert!(budget.used() <= max, "{} bytes", budget.used());
    assert!(budget.used() > max / 2, "{} bytes", budget.used());
    let first = journal(s.addr, &keys[0], "").await;
    let last = journal(s.addr, &keys[59], "").await;
    assert!(first["kept"].as_u64() < Some(80), "{}", first["kept"]);
    assert!(first["dropped"].as_u64() > Some(0));
    assert_eq!(last["kept"], 80);
    let newest = &last["requests"][0];
    assert!(newest["query"]
        .as_str()
        .unwrap()
        .starts_with("i=79&pad=xxx"));
    assert!(newest["query"].as_str().unwrap().ends_with('…'));
    s.shutdown().await;
}

/// A trim frees a quarter MiB below the bound, not a quarter of the
/// bound: it runs in the request that crossed the bound, and freeing a
/// quarter of 64 MiB at once stalled every request behind it for 27 ms.
#[tokio::test]
async fn a_trim_frees_a_little_at_a_time() {
    let s = start(Config {
        journal_max_mb: 2,
        ..config(1)
    })
    .await;
    let max = 2 * 1024 * 1024;
    let step = 256 * 1024;
    let long = "x".repeat(4000);
    let keys: Vec<String> = (0..80).map(|_| key()).collect();
    let budget = s.app.registry.journal_budget();
    let mut trims = 0;
    let mut last = 0;
    let mut lowest_after_full = usize::MAX;
    for i in 0..100 {
        for k in &keys {
            let r = get(s.addr, &format!("/v2/customers?i={i}&pad={long}"), k).await;
            assert_eq!(r.status, 422);
            let used = budget.used();
            assert!(used <= max, "{used} bytes");
            if used < last {
                trims += 1;
                lowest_after_full = lowest_after_full.min(used);
            }
            last = used;
        }
    }
    // ~330 bytes an entry: 8,000 entries are some 2.6 MB, over the bound.
    assert!(trims >= 2, "{trims} trims");
    // One entry's cap of slack beside the step.
    assert!(
        lowest_after_full + step + 512 >= max,
        "a trim went down to {lowest_after_full} bytes"
    );
    s.shutdown().await;
}

/// An account that only read is dropped after `--account-idle-secs`; one
/// that wrote stays, and so does one a fixture named.
#[tokio::test]
async fn idle_accounts_that_hold_only_a_journal_are_dropped() {
    let s = start(Config {
        account_idle_secs: 1,
        ..config(1)
    })
    .await;
    let reader = key();
    let writer = key();
    get(s.addr, "/v2/customers", &reader).await;
    create_customer(s.addr, &writer, "Kept").await;
    get(s.addr, "/v2/customers", &writer).await;
    let registry = &s.app.registry;
    let exists = |k: &str| registry.existing(k).is_some();
    assert!(exists(&reader) && exists(&writer));
    // The console's references name them, and go with a dropped account.
    let named = |k: &str| {
        let reference = registry.existing(k).unwrap().reference();
        move || registry.by_reference(&reference).map(|a| a.key.to_string())
    };
    let (reader_ref, writer_ref) = (named(&reader), named(&writer));
    assert_eq!(reader_ref().as_deref(), Some(reader.as_str()));
    tokio::time::sleep(std::time::Duration::from_millis(2600)).await;
    assert!(!exists(&reader), "the reader's account is still there");
    assert!(exists(&writer));
    assert_eq!(reader_ref(), None);
    assert_eq!(writer_ref().as_deref(), Some(writer.as_str()));
    // The key works on: a fresh account, an empty journal.
    let j = journal(s.addr, &reader, "").await;
    assert_eq!(j["count"], 0);
    let r = get(s.addr, "/v2/customers", &writer).await;
    assert_eq!(r.json()["count"], 1);
    s.shutdown().await;
}
