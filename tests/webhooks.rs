//! Webhook deliveries, seen by a receiver inside the test: which status
//! changes call it, what it gets, retries on Mollie's (compressed) schedule,
//! the attempt log and resending by hand.

mod support;

use hyper::Method;
use serde_json::{json, Value};
use support::{random_key, Receiver, Sandbox};

fn payment(hook: &str, method: &str) -> Value {
    json!({
        "amount": {"value": "10.00", "currency": "EUR"},
        "description": "Order",
        "redirectUrl": "https://shop.example/return",
        "webhookUrl": hook,
        "method": method,
    })
}

#[tokio::test]
async fn final_statuses_call_the_webhook_with_the_id_form_encoded() {
    let sb = Sandbox::start().await;
    let rx = Receiver::start(vec![]).await;
    let key = random_key();
    let mut ids = Vec::new();
    for status in ["paid", "failed", "canceled", "expired"] {
        let p = sb
            .payment(&key, None, payment(&rx.url("/hook"), "ideal"))
            .await;
        let id = p["id"].as_str().unwrap().to_owned();
        let r = sb.set_status(&key, &id, json!({"status": status})).await;
        assert_eq!(r.status, 200, "{}", r.text());
        ids.push(id);
    }
    let hits = rx.wait_for(4).await;
    assert_eq!(hits.len(), 4);
    // Deliveries run concurrently: compare without order.
    let mut bodies: Vec<String> = hits.iter().map(|h| h.body.clone()).collect();
    let mut expected: Vec<String> = ids.iter().map(|id| format!("id={id}")).collect();
    bodies.sort();
    expected.sort();
    assert_eq!(bodies, expected);
    for hit in &hits {
        assert_eq!(hit.method, Method::POST);
        assert_eq!(hit.path, "/hook");
        assert_eq!(
            hit.content_type.as_deref(),
            Some("application/x-www-form-urlencoded")
        );
    }
    // The log shows one successful attempt each.
    let log = sb
        .eventually(&key, "/_sandbox/webhooks", |v| v["count"] == 4)
        .await;
    for a in log["webhooks"].as_array().unwrap() {
        assert_eq!(a["attempt"], 1);
        assert_eq!(a["status"], 200);
        assert_eq!(a["success"], true);
        assert!(a["error"].is_null() && a["nextAttemptAt"].is_null());
        assert_eq!(a["url"], rx.url("/hook"));
        assert!(a["latencyMs"].is_u64() && a["at"].is_string());
        assert!(a["deliveryId"].as_str().unwrap().starts_with("whd_"));
    }
    // Another account sees none of them.
    let other = sb.get(&random_key(), "/_sandbox/webhooks").await.json();
    assert_eq!(other["count"], 0);
}

#[tokio::test]
async fn pending_open_and_updates_do_not_call_it() {
    let sb = Sandbox::start().await;
    let rx = Receiver::start(vec![]).await;
    let key = random_key();
    let a = sb
        .payment(&key, None, payment(&rx.url("/a"), "ideal"))
        .await;
    let a = a["id"].as_str().unwrap();
    assert_eq!(
        sb.set_status(&key, a, json!({"status": "pending"}))
            .await
            .status,
        200
    );
    assert_eq!(
        sb.set_status(&key, a, json!({"status": "pending"}))
            .await
            .status,
        200
    );
    let r = sb
        .patch(
            &key,
            &format!("/v2/payments/{a}"),
            json!({"description": "changed"}),
        )
        .await;
    assert_eq!(r.status, 200);
    // Then a change that does call it: the only call is for that one.
    let b = sb
        .payment(&key, None, payment(&rx.url("/b"), "ideal"))
        .await;
    sb.set_status(&key, b["id"].as_str().unwrap(), json!({"status": "paid"}))
        .await;
    let hits = rx.wait_for(1).await;
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].path, "/b");
}

#[tokio::test]
async fn failures_are_retried_until_a_200() {
    let sb = Sandbox::start().await;
    let rx = Receiver::start(vec![500, 503]).await;
    let key = random_key();
    let p = sb
        .payment(&key, None, payment(&rx.url("/hook"), "ideal"))
        .await;
    let id = p["id"].as_str().unwrap();
    sb.set_status(&key, id, json!({"status": "paid"})).await;
    let hits = rx.wait_for(3).await;
    assert!(hits.iter().all(|h| h.body == format!("id={id}")));
    let log = sb
        .eventually(&key, &format!("/_sandbox/webhooks?paymentId={id}"), |v| {
            v["count"] == 3
        })
        .await;
    let attempts = log["webhooks"].as_array().unwrap();
    let statuses: Vec<&Value> = attempts.iter().map(|a| &a["status"]).collect();
    assert_eq!(statuses, [&json!(500), &json!(503), &json!(200)]);
    let numbers: Vec<&Value> = attempts.iter().map(|a| &a["attempt"]).collect();
    assert_eq!(numbers, [&json!(1), &json!(2), &json!(3)]);
    assert!(attempts[0]["nextAttemptAt"].is_string());
    assert!(attempts[2]["nextAttemptAt"].is_null());
    assert_eq!(attempts[0]["deliveryId"], attempts[2]["deliveryId"]);
    // Nothing more comes after the 200.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(rx.hits().len(), 3);
}

#[tokio::test]
async fn a_dead_receiver_gets_ten_attempts_then_none() {
    let sb = Sandbox::with(mollie_sandbox::Config {
        webhook_time_scale: 0.0,
        ..mollie_sandbox::Config::ephemeral()
    })
    .await;
    let rx = Receiver::start(vec![500; 20]).await;
    let key = random_key();
    let p = sb
        .payment(&key, None, payment(&rx.url("/hook"), "ideal"))
        .await;
    sb.set_status(&key, p["id"].as_str().unwrap(), json!({"status": "paid"}))
        .await;
    rx.wait_for(10).await;
    let log = sb
        .eventually(&key, "/_sandbox/webhooks", |v| v["count"] == 10)
        .await;
    let last = &log["webhooks"][9];
    assert_eq!(last["attempt"], 10);
    assert_eq!(last["success"], false);
    assert!(
        last["nextAttemptAt"].is_null(),
        "no eleventh attempt: {last}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(rx.hits().len(), 10);
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let sb = Sandbox::start().await;
    let target = Receiver::start(vec![]).await;
    let rx = Receiver::start_with(vec![302], vec![("location", target.url("/moved"))]).await;
    let key = random_key();
    let p = sb
        .payment(&key, None, payment(&rx.url("/hook"), "ideal"))
        .await;
    sb.set_status(&key, p["id"].as_str().unwrap(), json!({"status": "paid"}))
        .await;
    // The 302 counts as a failure and is retried at the same URL.
    let hits = rx.wait_for(2).await;
    assert!(hits.iter().all(|h| h.path == "/hook"));
    assert!(target.hits().is_empty());
    let log = sb
        .eventually(&key, "/_sandbox/webhooks", |v| {
            v["count"].as_u64() >= Some(1)
        })
        .await;
    assert_eq!(log["webhooks"][0]["status"], 302);
    assert_eq!(log["webhooks"][0]["success"], false);
}

#[tokio::test]
async fn unreachable_receivers_are_recorded_with_the_error() {
    let sb = Sandbox::start().await;
    // Bind and drop: a port that nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let key = random_key();
    let p = sb
        .payment(
            &key,
            None,
            payment(&format!("http://127.0.0.1:{port}/hook"), "ideal"),
        )
        .await;
    sb.set_status(&key, p["id"].as_str().unwrap(), json!({"status": "paid"}))
        .await;
    let log = sb
        .eventually(&key, "/_sandbox/webhooks", |v| {
            v["count"].as_u64() >= Some(1)
        })
        .await;
    let a = &log["webhooks"][0];
    assert!(a["status"].is_null());
    assert!(a["error"].as_str().unwrap().contains("onnect"), "{a}");
    assert_eq!(a["success"], false);
}

#[tokio::test]
async fn the_api_answers_before_the_receiver_does() {
    let sb = Sandbox::start().await;
    let rx = Receiver::start(vec![]).await;
    rx.hold();
    let key = random_key();
    let p = sb
        .payment(&key, None, payment(&rx.url("/hook"), "ideal"))
        .await;
    let id = p["id"].as_str().unwrap();
    // The receiver holds its answer; the status change is answered anyway.
    let r = sb.set_status(&key, id, json!({"status": "paid"})).await;
    assert_eq!(r.status, 200);
    rx.wait_for(1).await;
    assert_eq!(sb.get(&key, "/_sandbox/webhooks").await.json()["count"], 0);
    rx.release();
    let log = sb
        .eventually(&key, "/_sandbox/webhooks", |v| v["count"] == 1)
        .await;
    assert_eq!(log["webhooks"][0]["status"], 200);
}

#[tokio::test]
async fn cancel_and_expiry_call_it_too() {
    let sb = Sandbox::start().await;
    let rx = Receiver::start(vec![]).await;
    let key = random_key();
    let transfer = sb
        .payment(&key, None, payment(&rx.url("/cancel"), "banktransfer"))
        .await;
    let r = sb
        .delete(
            &key,
            &format!("/v2/payments/{}", transfer["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(r.status, 200);
    let hits = rx.wait_for(1).await;
    assert_eq!(
        hits[0].body,
        format!("id={}", transfer["id"].as_str().unwrap())
    );

    let open = sb
        .payment(&key, None, payment(&rx.url("/expire"), "ideal"))
        .await;
    sb.server
        .app
        .registry
        .get(&key, mollie_sandbox::store::Mode::Test, false)
        .clock
        .advance(20 * 60);
    let hits = rx.wait_for(2).await;
    assert_eq!(hits[1].path, "/expire");
    assert_eq!(hits[1].body, format!("id={}", open["id"].as_str().unwrap()));
    let p = sb
        .get(
            &key,
            &format!("/v2/payments/{}", open["id"].as_str().unwrap()),
        )
        .await
        .json();
    assert_eq!(p["status"], "expired");
}

#[tokio::test]
async fn deliveries_can_be_sent_again_by_hand() {
    let sb = Sandbox::start().await;
    let rx = Receiver::start(vec![]).await;
    let key = random_key();
    let p = sb
        .payment(&key, None, payment(&rx.url("/hook"), "ideal"))
        .await;
    let id = p["id"].as_str().unwrap();
    sb.set_status(&key, id, json!({"status": "paid"})).await;
    rx.wait_for(1).await;
    let log = sb
        .eventually(&key, "/_sandbox/webhooks", |v| v["count"] == 1)
        .await;
    let delivery = log["webhooks"][0]["deliveryId"].as_str().unwrap();
    let r = sb
        .post(
            &key,
            &format!("/_sandbox/webhooks/{delivery}/resend"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text());
    let resent = r.json()["deliveryId"].as_str().unwrap().to_owned();
    assert_ne!(resent, delivery);
    let hits = rx.wait_for(2).await;
    assert_eq!(hits[1].body, format!("id={id}"));
    // Or trigger a payment's webhook without a status change.
    let r = sb
        .post(&key, &format!("/_sandbox/payments/{id}/webhook"), json!({}))
        .await;
    assert_eq!(r.status, 202);
    rx.wait_for(3).await;
    // Unknown delivery, another account's delivery, no webhook URL.
    let r = sb
        .post(&key, "/_sandbox/webhooks/whd_0/resend", json!({}))
        .await;
    assert_eq!(r.status, 404);
    let r = sb
        .post(
            &random_key(),
            &format!("/_sandbox/webhooks/{delivery}/resend"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 404);
    let mut quiet = payment("https://x.example/h", "ideal");
    quiet.as_object_mut().unwrap().remove("webhookUrl");
    let q = sb.payment(&key, None, quiet).await;
    let r = sb
        .post(
            &key,
            &format!("/_sandbox/payments/{}/webhook", q["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 422);
}

#[tokio::test]
async fn https_receivers_are_reached_over_tls() {
    // The sandbox's own HTTPS port stands in for a receiver: its generated
    // CA is trusted by nobody, so the attempt must fail on the certificate,
    // which shows the delivery went through TLS.
    let sb = Sandbox::with(mollie_sandbox::Config {
        tls_port: Some(0),
        webhook_time_scale: 0.001,
        ..mollie_sandbox::Config::ephemeral()
    })
    .await;
    let tls = sb.server.tls_url().unwrap();
    let key = random_key();
    let p = sb
        .payment(&key, None, payment(&format!("{tls}/hook"), "ideal"))
        .await;
    sb.set_status(&key, p["id"].as_str().unwrap(), json!({"status": "paid"}))
        .await;
    let log = sb
        .eventually(&key, "/_sandbox/webhooks", |v| {
            v["count"].as_u64() >= Some(1)
        })
        .await;
    let error = log["webhooks"][0]["error"].as_str().unwrap();
    assert!(error.to_lowercase().contains("certificate"), "{error}");
}

#[tokio::test]
async fn shutdown_does_not_wait_for_pending_retries_or_held_receivers() {
    let sb = Sandbox::with(mollie_sandbox::Config {
        webhook_time_scale: 1.0,
        ..mollie_sandbox::Config::ephemeral()
    })
    .await;
    let failing = Receiver::start(vec![500]).await;
    let held = Receiver::start(vec![]).await;
    held.hold();
    let key = random_key();
    let a = sb
        .payment(&key, None, payment(&failing.url("/a"), "ideal"))
        .await;
    let b = sb
        .payment(&key, None, payment(&held.url("/b"), "ideal"))
        .await;
    sb.set_status(&key, a["id"].as_str().unwrap(), json!({"status": "paid"}))
        .await;
    sb.set_status(&key, b["id"].as_str().unwrap(), json!({"status": "paid"}))
        .await;
    failing.wait_for(1).await;
    held.wait_for(1).await;
    // One retry waits a real minute, one answer never comes: shutdown
    // still returns, abandoning both.
    let done = tokio::time::timeout(std::time::Duration::from_secs(10), sb.server.shutdown()).await;
    assert!(done.is_ok(), "shutdown hung on the webhook worker");
}

#[tokio::test]
async fn a_reset_forgets_the_accounts_attempts() {
    let sb = Sandbox::start().await;
    let rx = Receiver::start(vec![]).await;
    let key = random_key();
    let p = sb
        .payment(&key, None, payment(&rx.url("/hook"), "ideal"))
        .await;
    sb.set_status(&key, p["id"].as_str().unwrap(), json!({"status": "paid"}))
        .await;
    sb.eventually(&key, "/_sandbox/webhooks", |v| v["count"] == 1)
        .await;
    let r = sb.post(&key, "/_sandbox/reset", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(sb.get(&key, "/_sandbox/webhooks").await.json()["count"], 0);
}
