//! Webhook deliveries are fair: a receiver that hangs holds only its own
//! account's few slots, another account's webhook still arrives at once,
//! and the queue bound is real, its drops recorded.

mod support;

use std::time::{Duration, Instant};

use mollie_sandbox::webhooks::{PER_ACCOUNT, QUEUE};
use serde_json::{json, Value};
use support::{random_key, Receiver, Sandbox};

fn payment(hook: &str) -> Value {
    json!({
        "amount": {"value": "10.00", "currency": "EUR"},
        "description": "Order",
        "redirectUrl": "https://shop.example/return",
        "webhookUrl": hook,
        "method": "ideal",
    })
}

/// B's payment goes paid; the time until its receiver has the webhook.
async fn b_webhook_latency(sb: &Sandbox, key: &str, rx: &Receiver) -> Duration {
    let p = sb.payment(key, None, payment(&rx.url("/b"))).await;
    let id = p["id"].as_str().unwrap();
    let started = Instant::now();
    let r = sb.set_status(key, id, json!({"status": "paid"})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let hits = rx.wait_for(1).await;
    assert_eq!(hits[0].body, format!("id={id}"));
    started.elapsed()
}

#[tokio::test]
async fn a_hanging_receiver_does_not_delay_another_account() {
    let sb = Sandbox::start().await;
    let hanging = Receiver::start(vec![]).await;
    hanging.hold();
    let a = random_key();
    let hooks = &sb.server.app.webhooks;
    for i in 0..2000 {
        hooks.enqueue(&a, &format!("tr_hang{i}"), &hanging.url("/a"));
    }
    // A's receiver gets only A's share of concurrent deliveries.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(hanging.hits().len(), PER_ACCOUNT);

    let b = random_key();
    let rx = Receiver::start(vec![]).await;
    let waited = b_webhook_latency(&sb, &b, &rx).await;
    assert!(waited < Duration::from_secs(1), "B waited {waited:?}");
    assert_eq!(hanging.hits().len(), PER_ACCOUNT);
    hanging.release();
}

#[tokio::test]
async fn the_queue_bound_drops_and_records_past_it() {
    let sb = Sandbox::start().await;
    let hanging = Receiver::start(vec![]).await;
    hanging.hold();
    let a = random_key();
    let hooks = &sb.server.app.webhooks;
    let sent = QUEUE + 1000;
    for i in 0..sent {
        hooks.enqueue(&a, &format!("tr_q{i}"), &hanging.url("/a"));
    }
    let dropped: Vec<_> = hooks
        .attempts(&a, None)
        .into_iter()
        .filter(|at| {
            at.error
                .as_deref()
                .is_some_and(|e| e.starts_with("dropped:"))
        })
        .collect();
    // Up to PER_ACCOUNT may have left the queue for a receiver meanwhile.
    assert!(
        (sent - QUEUE - PER_ACCOUNT..=sent - QUEUE).contains(&dropped.len()),
        "{} dropped",
        dropped.len()
    );
    let why = dropped[0].error.as_deref().unwrap();
    assert_eq!(
        why,
        format!("dropped: the account's delivery queue is full ({QUEUE} waiting)")
    );
    assert!(!dropped[0].success && dropped[0].next_attempt_at.is_none());
    // Newest drops are the last payments sent.
    assert_eq!(
        dropped.last().unwrap().payment_id,
        format!("tr_q{}", sent - 1)
    );

    // Another account is not refused, and is not kept waiting.
    let b = random_key();
    let rx = Receiver::start(vec![]).await;
    let waited = b_webhook_latency(&sb, &b, &rx).await;
    assert!(waited < Duration::from_secs(1), "B waited {waited:?}");
    hanging.release();
}
