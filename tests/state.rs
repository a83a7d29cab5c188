//! Reset, state export and import, and the state file across a restart:
//! every round trip must give back exactly what went in.

mod harness;

use harness::*;
use mollie_sandbox::Config;
use serde_json::{json, Value};

const DEMO_KEY: &str = "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM";

fn with_demo(seed: u64) -> Config {
    Config {
        no_fixtures: false,
        ..config(seed)
    }
}

fn ids(list: &Value, kind: &str) -> Vec<String> {
    list["_embedded"][kind]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn state(addr: std::net::SocketAddr, k: &str) -> Value {
    let r = get(addr, "/_sandbox/state", k).await;
    assert_eq!(r.status, 200);
    r.json()
}

/// An account with a bit of everything the fixture format holds.
async fn populate(addr: std::net::SocketAddr, k: &str) -> String {
    let a = Req::new("POST", "/v2/customers", k)
        .json(json!({"name": "Ann", "email": "ann@example.org", "locale": "nl_NL", "metadata": {"z": 1, "a": 1.50, "n": null}}))
        .ok(addr)
        .await;
    assert_eq!(a.status, 201);
    let cst = a.json()["id"].as_str().unwrap().to_owned();
    let gone = create_customer(addr, k, "Gone").await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        Req::new("DELETE", &format!("/v2/customers/{gone}"), k)
            .ok(addr)
            .await
            .status,
        204
    );
    let p = Req::new("POST", &format!("/v2/customers/{cst}/payments"), k)
        .json(json!({"amount": {"currency": "EUR", "value": "12.50"}, "description": "Choice", "method": ["ideal", "creditcard"],
                     "redirectUrl": "https://shop.example.org/r", "webhookUrl": "https://shop.example.org/w", "metadata": "order-7"}))
        .ok(addr)
        .await;
    assert_eq!(p.status, 201, "{}", String::from_utf8_lossy(&p.body));
    let p = Req::new("POST", "/v2/payments", k)
        .json(json!({"amount": {"currency": "USD", "value": "1.00"}, "description": "Card", "method": "creditcard",
                     "redirectUrl": "https://shop.example.org/r", "locale": "en_US", "restrictPaymentMethodsToCountry": "NL"}))
        .ok(addr)
        .await;
    assert_eq!(p.status, 201, "{}", String::from_utf8_lossy(&p.body));
    cst
}

#[tokio::test]
async fn reset_returns_the_account_to_its_fixtures() {
    let s = start(with_demo(3)).await;
    let before = get(s.addr, "/v2/customers", DEMO_KEY).await.json();
    assert_eq!(before["count"], 3);
    create_customer(s.addr, DEMO_KEY, "Extra").await;
    let first = ids(&before, "customers")[0].clone();
    Req::new("DELETE", &format!("/v2/customers/{first}"), DEMO_KEY)
        .ok(s.addr)
        .await;
    let other = key();
    create_customer(s.addr, &other, "Other").await;
    let r = Req::new("POST", "/_sandbox/reset", DEMO_KEY)
        .ok(s.addr)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["reset"], 1);
    assert_eq!(get(s.addr, "/v2/customers", DEMO_KEY).await.json(), before);
    // Only the calling account.
    assert_eq!(
        get(s.addr, "/v2/customers", &other).await.json()["count"],
        1
    );
    // all=true: every account, no key needed.
    create_customer(s.addr, DEMO_KEY, "Again").await;
    let r = Req::anonymous("POST", "/_sandbox/reset?all=true")
        .ok(s.addr)
        .await;
    assert!(r.json()["reset"].as_u64().unwrap() >= 2);
    assert_eq!(
        get(s.addr, "/v2/customers", &other).await.json()["count"],
        0
    );
    assert_eq!(get(s.addr, "/v2/customers", DEMO_KEY).await.json(), before);
    assert_eq!(
        Req::anonymous("POST", "/_sandbox/reset")
            .ok(s.addr)
            .await
            .status,
        401
    );
    assert_eq!(
        Req::new("GET", "/_sandbox/reset", DEMO_KEY)
            .ok(s.addr)
            .await
            .status,
        405
    );
    s.shutdown().await;
}

#[tokio::test]
async fn reset_forgets_idempotency_keys_and_hands_out_new_ids() {
    // One run: create, replay, reset, create again. Returns both ids.
    async fn run(k: &str) -> (Value, Value) {
        // A new id names its creation second: both runs start their
        // accounts' clocks at the same second, or a run that crossed
        // into the next one would make other ids from the same seed.
        let s = start(Config {
            clock_start: Some(1_796_112_000),
            ..config(77)
        })
        .await;
        let post = || {
            Req::new("POST", "/v2/customers", k)
                .header("Idempotency-Key", "same")
                .json(json!({"name": "A"}))
                .ok(s.addr)
        };
        let first = post().await.json()["id"].clone();
        assert_eq!(post().await.json()["id"], first);
        Req::new("POST", "/_sandbox/reset", k).ok(s.addr).await;
        let after = post().await;
        assert_eq!(after.header("idempotent-replayed"), None);
        let second = after.json()["id"].clone();
        s.shutdown().await;
        (first, second)
    }
    let k = key();
    let (first, second) = run(&k).await;
    // An id from before the reset (kept by the app, in a webhook on its way)
    // never names a different object after it.
    assert_ne!(second, first);
    assert!(second.as_str().unwrap().starts_with("cst_"));
    // The seed still makes the run reproducible, reset included.
    assert_eq!(run(&k).await, (first, second));
}

#[tokio::test]
async fn state_exports_and_imports_without_loss() {
    let s = start(config(9)).await;
    let k = key();
    let cst = populate(s.addr, &k).await;
    let exported = state(s.addr, &k).await;
    let account = &exported["accounts"][&k];
    assert_eq!(account["customers"].as_array().unwrap().len(), 1);
    assert_eq!(account["deletedCustomers"].as_array().unwrap().len(), 1);
    assert_eq!(account["payments"].as_array().unwrap().len(), 2);
    assert_eq!(
        account["payments"][0]["methodChoices"],
        json!(["ideal", "creditcard"])
    );
    let api_customer = get(s.addr, &format!("/v2/customers/{cst}"), &k).await.body;
    let api_payments = get(s.addr, "/v2/payments", &k).await.body;

    // Change everything, then put the export back: all as it was.
    create_customer(s.addr, &k, "Later").await;
    Req::new("DELETE", &format!("/v2/customers/{cst}"), &k)
        .ok(s.addr)
        .await;
    let put = Req::new("PUT", "/_sandbox/state", &k)
        .json(exported.clone())
        .ok(s.addr)
        .await;
    assert_eq!(put.status, 200, "{}", String::from_utf8_lossy(&put.body));
    assert_eq!(put.json(), exported);
    assert_eq!(state(s.addr, &k).await, exported);
    assert_eq!(
        get(s.addr, &format!("/v2/customers/{cst}"), &k).await.body,
        api_customer
    );
    assert_eq!(get(s.addr, "/v2/payments", &k).await.body, api_payments);

    // One account's state loads into another key.
    let other = key();
    let put = Req::new("PUT", "/_sandbox/state", &other)
        .json(exported.clone())
        .ok(s.addr)
        .await;
    assert_eq!(put.status, 200);
    let copied = state(s.addr, &other).await;
    let mine = &copied["accounts"][&other];
    assert_eq!(mine["customers"], account["customers"]);
    assert_eq!(mine["deletedCustomers"], account["deletedCustomers"]);
    let without_profile = |v: &Value| {
        let mut v = v.clone();
        for p in v.as_array_mut().unwrap() {
            p.as_object_mut().unwrap().remove("profileId");
        }
        v
    };
    assert_eq!(
        without_profile(&mine["payments"]),
        without_profile(&account["payments"])
    );
    // Deleted customers stay deleted after an import.
    let deleted = account["deletedCustomers"][0]["id"].as_str().unwrap();
    assert_eq!(
        get(s.addr, &format!("/v2/customers/{deleted}"), &other)
            .await
            .status,
        410
    );
    s.shutdown().await;
}

#[tokio::test]
async fn a_bad_state_is_refused_and_changes_nothing() {
    let s = start(config(9)).await;
    let k = key();
    create_customer(s.addr, &k, "Keep").await;
    let before = state(s.addr, &k).await;
    let put = |body: String| {
        Req::new("PUT", "/_sandbox/state", &k)
            .raw_json(body)
            .ok(s.addr)
    };
    let r = put("{not json".into()).await;
    assert_eq!(r.status, 400);
    let r = put(
        json!({"accounts": {k.clone(): {"customers": [{"id": "cst_abc", "locale": "xx_XX"}]}}})
            .to_string(),
    )
    .await;
    assert_eq!(r.status, 422);
    let detail = r.json()["detail"].as_str().unwrap().to_owned();
    assert!(
        detail.contains("customers[0] (cst_abc)") && detail.contains("\"locale\""),
        "{detail}"
    );
    let (a, b) = (key(), key());
    let r =
        put(json!({"accounts": {a: {"customers": []}, b: {"customers": []}}}).to_string()).await;
    assert_eq!(r.status, 422);
    assert_eq!(state(s.addr, &k).await, before);
    s.shutdown().await;
}

#[tokio::test]
async fn the_state_file_keeps_the_sandbox_across_a_restart() {
    let dir = temp_dir("state");
    let path = dir.join("state.json");
    let cfg = || Config {
        state_file: Some(path.clone()),
        ..config(11)
    };
    let s = start(cfg()).await;
    let (a, b) = (key(), key());
    populate(s.addr, &a).await;
    create_customer(s.addr, &b, "Bee").await;
    // An access token's test-mode objects are an account of their own.
    let token = format!("access_{}", &key()[5..]);
    let t = Req::new("POST", "/v2/customers", &token)
        .json(json!({"name": "Token test", "testmode": true}))
        .ok(s.addr)
        .await;
    assert_eq!(t.status, 201, "{}", String::from_utf8_lossy(&t.body));
    let (state_a, state_b) = (state(s.addr, &a).await, state(s.addr, &b).await);
    // Hrefs name the server's port, which changes with the restart.
    let listing = |addr: std::net::SocketAddr, body: Vec<u8>| {
        String::from_utf8(body)
            .unwrap()
            .replace(&addr.to_string(), "HOST")
    };
    let token_list = listing(
        s.addr,
        get(s.addr, "/v2/customers?testmode=true", &token)
            .await
            .body,
    );
    assert!(token_list.contains("Token test"));
    assert!(!path.exists());
    s.shutdown().await;

    let written = std::fs::read_to_string(&path).unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers,
        [std::ffi::OsString::from("state.json")],
        "no temporary file is left behind"
    );
    let file: Value = serde_json::from_str(&written).unwrap();
    assert_eq!(file["accounts"][&a], state_a["accounts"][&a]);
    assert!(file["accounts"].get(format!("{token}#test")).is_some());

    let s = start(cfg()).await;
    assert_eq!(state(s.addr, &a).await, state_a);
    assert_eq!(state(s.addr, &b).await, state_b);
    assert_eq!(
        listing(
            s.addr,
            get(s.addr, "/v2/customers?testmode=true", &token)
                .await
                .body
        ),
        token_list
    );
    s.shutdown().await;
    // Loaded and written again: the same file.
    assert_eq!(std::fs::read_to_string(&path).unwrap(), written);
    // Written compact, one line; a file saved indented (as before) still
    // loads, and is saved back compact.
    assert_eq!(written.lines().count(), 1, "{}", &written[..200]);
    std::fs::write(&path, serde_json::to_string_pretty(&file).unwrap()).unwrap();
    let s = start(cfg()).await;
    assert_eq!(state(s.addr, &a).await, state_a);
    s.shutdown().await;
    assert_eq!(std::fs::read_to_string(&path).unwrap(), written);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_broken_state_file_stops_start_up() {
    let dir = temp_dir("state-broken");
    let path = dir.join("state.json");
    std::fs::write(
        &path,
        r#"{"accounts": {"test_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa": {"payments": [{"id": "tr_x1"}]}}}"#,
    )
    .unwrap();
    let err = mollie_sandbox::start(Config {
        state_file: Some(path.clone()),
        ..config(1)
    })
    .await
    .err()
    .expect("start-up fails");
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert!(err.contains("payments[0] (tr_x1)"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
