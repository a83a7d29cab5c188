//! A worker thread gives the body it rendered last for a customer or a
//! payment again while nothing in the account changed: every change, made
//! by any route or by the background loop, shows on the next read.

mod support;

use serde_json::json;
use support::{random_key, Sandbox};

/// Reads `path` `n` times, over the same connection pool, and returns
/// the bodies: the first read renders, the ones after may be kept bodies.
async fn reads(sb: &Sandbox, key: &str, path: &str, n: usize) -> Vec<serde_json::Value> {
    let mut bodies = Vec::new();
    for _ in 0..n {
        let r = sb.get(key, path).await;
        assert_eq!(r.status, 200, "{}", r.text());
        bodies.push(r.json());
    }
    bodies
}

#[tokio::test]
async fn a_customer_read_again_shows_each_change() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let id = sb.customer(&key).await;
    let path = format!("/v2/customers/{id}");

    let first = reads(&sb, &key, &path, 4).await;
    assert!(first.iter().all(|c| *c == first[0]));
    assert_eq!(first[0]["name"], "T. Tester");
    assert!(first[0]["_links"].get("payments").is_none());

    let r = sb.patch(&key, &path, json!({"name": "Renamed"})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    for c in reads(&sb, &key, &path, 4).await {
        assert_eq!(c["name"], "Renamed");
    }

    // A change to another object that the customer's links read.
    sb.payment(
        &key,
        Some(&id),
        json!({
            "amount": {"value": "5.00", "currency": "EUR"},
            "description": "Order",
            "redirectUrl": "https://shop.example/return",
        }),
    )
    .await;
    for c in reads(&sb, &key, &path, 4).await {
        assert!(
            c["_links"]["payments"]["href"]
                .as_str()
                .is_some_and(|h| h.ends_with(&format!("/v2/customers/{id}/payments"))),
            "{c}"
        );
    }

    // Another host names another base in the links.
    let port = sb.server.url().rsplit(':').next().unwrap_or("").to_owned();
    let other = format!("http://localhost:{port}{path}");
    for c in reads(&sb, &key, &other, 3).await {
        assert_eq!(
            c["_links"]["self"]["href"],
            format!("http://localhost:{port}/v2/customers/{id}")
        );
    }
    for c in reads(&sb, &key, &path, 3).await {
        assert_eq!(
            c["_links"]["self"]["href"],
            format!("{}{path}", sb.server.url())
        );
    }

    // Another account's customer with the same reads is its own.
    let other_key = random_key();
    let other_id = sb.customer(&other_key).await;
    let theirs = reads(&sb, &other_key, &format!("/v2/customers/{other_id}"), 2).await;
    assert_eq!(theirs[1]["id"], other_id);
    assert_eq!(sb.get(&other_key, &path).await.status, 404);

    let r = sb.delete(&key, &path).await;
    assert_eq!(r.status, 204, "{}", r.text());
    // Gone, as this sandbox's `--deleted-customers` says.
    for _ in 0..3 {
        assert_eq!(sb.get(&key, &path).await.status, 410);
    }
}

#[tokio::test]
async fn a_payment_read_again_shows_each_change() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let body = json!({
        "amount": {"value": "10.00", "currency": "EUR"},
        "description": "Order #1",
        "redirectUrl": "https://shop.example/return",
        "method": "ideal",
    });
    let p = sb.payment(&key, None, body.clone()).await;
    let id = p["id"].as_str().unwrap_or_default().to_owned();
    let path = format!("/v2/payments/{id}");

    for p in reads(&sb, &key, &path, 4).await {
        assert_eq!(p["status"], "open");
        assert!(p["_links"]["checkout"].is_object());
    }

    let r = sb.set_status(&key, &id, json!({"status": "paid"})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    for p in reads(&sb, &key, &path, 4).await {
        assert_eq!(p["status"], "paid");
        assert_eq!(p["amountRefunded"]["value"], "0.00");
        assert!(p["_links"].get("checkout").is_none());
    }

    let r = sb
        .post(
            &key,
            &format!("{path}/refunds"),
            json!({"amount": {"value": "4.00", "currency": "EUR"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    for p in reads(&sb, &key, &path, 4).await {
        assert_eq!(p["amountRefunded"]["value"], "4.00", "{p}");
        assert_eq!(p["amountRemaining"]["value"], "6.00", "{p}");
    }

    // A change the background loop makes: an open payment expires by the
    // account's clock while its body is kept.
    let open = sb.payment(&key, None, body).await;
    let open_path = format!("/v2/payments/{}", open["id"].as_str().unwrap_or_default());
    for p in reads(&sb, &key, &open_path, 4).await {
        assert_eq!(p["status"], "open");
    }
    sb.advance(&key, 16 * 60);
    sb.eventually(&key, &open_path, |p| p["status"] == "expired")
        .await;
    for p in reads(&sb, &key, &open_path, 4).await {
        assert_eq!(p["status"], "expired");
    }

    // Another account's reads of the same id find nothing, kept or not.
    let other = random_key();
    for _ in 0..3 {
        assert_eq!(sb.get(&other, &path).await.status, 404);
    }
    assert_eq!(
        sb.get(&key, "/v2/payments/tr_nothing0000").await.status,
        404
    );

    // What the kept body leaves out is still asked of the renderer.
    let embedded = sb.get(&key, &format!("{path}?embed=refunds")).await.json();
    assert_eq!(
        embedded["_embedded"]["refunds"][0]["amount"]["value"],
        "4.00"
    );
}
