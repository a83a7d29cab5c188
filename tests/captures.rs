//! Manual capture over HTTP: `captureMode`/`captureDelay` on creation, the
//! authorized payment's fields, captures (partial, settling on the clock,
//! failed by the sandbox route), release and void, the delayed automatic
//! capture and the expiry of an authorization at `captureBefore`.

mod support;

use hyper::Method;
use mollie_sandbox::Config;
use serde_json::{json, Value};
use support::{random_key, Body, Receiver, Sandbox};

async fn sandbox() -> Sandbox {
    Sandbox::with(Config {
        webhook_time_scale: 0.001,
        refund_delay: 3600,
        ..Config::ephemeral()
    })
    .await
}

fn body(extra: Value) -> Value {
    let mut b = json!({
        "amount": {"value": "100.00", "currency": "EUR"},
        "description": "Order 7",
        "redirectUrl": "https://shop.example/return",
        "method": "creditcard",
        "captureMode": "manual",
    });
    for (k, v) in extra.as_object().unwrap() {
        if v.is_null() {
            b.as_object_mut().unwrap().remove(k);
        } else {
            b[k] = v.clone();
        }
    }
    b
}

async fn authorized(sb: &Sandbox, key: &str, extra: Value) -> Value {
    let p = sb.payment(key, None, body(extra)).await;
    let id = p["id"].as_str().unwrap();
    let r = sb
        .set_status(key, id, json!({"status": "authorized"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

#[tokio::test]
async fn capture_mode_is_checked_on_creation() {
    let sb = sandbox().await;
    let key = random_key();
    let p = sb.payment(&key, None, body(json!({}))).await;
    assert_eq!(p["captureMode"], "manual");
    assert!(p.get("captureBefore").is_none() && p.get("amountCaptured").is_none());
    let cases = [
        (
            json!({"method": "ideal"}),
            "The payment method ideal does not support capturing later",
            "captureMode",
        ),
        (
            json!({"captureMode": "later"}),
            "The capture mode is invalid: use automatic or manual",
            "captureMode",
        ),
        (
            json!({"captureDelay": "2 days"}),
            "A capture delay needs captureMode automatic: Mollie captures when it has passed",
            "captureDelay",
        ),
        (
            json!({"captureMode": null, "captureDelay": "8 days"}),
            "The capture delay is invalid: use '<n> hours' or '<n> days', at most 7 days",
            "captureDelay",
        ),
        (
            json!({"captureMode": null, "captureDelay": "2 weeks"}),
            "The capture delay is invalid: use '<n> hours' or '<n> days', at most 7 days",
            "captureDelay",
        ),
    ];
    for (extra, detail, field) in cases {
        let r = sb.post(&key, "/v2/payments", body(extra.clone())).await;
        assert_eq!(r.status, 422, "{extra}: {}", r.text());
        assert_eq!(r.json()["detail"], detail, "{extra}");
        assert_eq!(r.json()["field"], field, "{extra}");
    }
    let cst = sb.customer(&key).await;
    let r = sb
        .post(
            &key,
            "/v2/payments",
            body(json!({"sequenceType": "first", "customerId": cst})),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.json()["detail"],
        "Capturing later is not possible for first payments"
    );
    // A delay alone is automatic capture, later.
    let d = sb
        .payment(
            &key,
            None,
            body(json!({"captureMode": null, "captureDelay": "8 hours"})),
        )
        .await;
    assert_eq!(d["captureMode"], "automatic");
    assert_eq!(d["captureDelay"], "8 hours");
    // Paying it outright is not how it goes: it is authorized first.
    let r = sb
        .set_status(&key, p["id"].as_str().unwrap(), json!({"status": "paid"}))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["field"], "status");
}

#[tokio::test]
async fn a_partial_capture_settles_and_the_payment_is_paid() {
    let sb = sandbox().await;
    let rx = Receiver::start(vec![]).await;
    let key = random_key();
    let p = authorized(&sb, &key, json!({"webhookUrl": rx.url("/hook")})).await;
    let id = p["id"].as_str().unwrap();
    assert_eq!(p["status"], "authorized");
    assert_eq!(p["isCancelable"], true);
    assert!(p["authorizedAt"].is_string());
    let auth = p["authorizedAt"].as_str().unwrap();
    let before = p["captureBefore"].as_str().unwrap();
    let secs = |t: &str| jiff::Timestamp::from_str(t).unwrap().as_second();
    use std::str::FromStr;
    assert_eq!(secs(before) - secs(auth), 7 * 86_400, "cards hold 7 days");
    assert_eq!(
        p["amountCaptured"],
        json!({"value": "0.00", "currency": "EUR"})
    );
    assert!(p.get("amountRefunded").is_none());
    // Authorization calls the webhook: the shop ships, then captures.
    assert_eq!(rx.wait_for(1).await[0].body, format!("id={id}"));
    let r = sb
        .post(
            &key,
            &format!("/v2/payments/{id}/captures"),
            json!({"amount": {"value": "60.00", "currency": "EUR"}, "description": "Shipped part", "metadata": {"box": 1}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let cpt = r.json();
    assert_eq!(
        cpt.as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        [
            "resource",
            "id",
            "mode",
            "description",
            "amount",
            "status",
            "metadata",
            "paymentId",
            "createdAt",
            "_links"
        ]
    );
    assert!(cpt["id"].as_str().unwrap().starts_with("cpt_"));
    assert_eq!(cpt["status"], "pending");
    assert_eq!(cpt["amount"]["value"], "60.00");
    assert_eq!(
        cpt["_links"]["documentation"]["href"],
        "https://docs.mollie.com/reference/v2/captures-api/create-capture"
    );
    // One at a time.
    let r = sb
        .post(&key, &format!("/v2/payments/{id}/captures"), json!({}))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.json()["detail"],
        "The payment has a pending capture already"
    );
    let path = format!("/v2/payments/{id}/captures/{}", cpt["id"].as_str().unwrap());
    // It settles a second later (on the account's clock).
    let done = sb
        .eventually(&key, &path, |v| v["status"] == "succeeded")
        .await;
    assert_eq!(
        done["_links"]["documentation"]["href"],
        "https://docs.mollie.com/reference/v2/captures-api/get-capture"
    );
    let hits = rx.wait_for(2).await;
    assert_eq!(hits[1].body, format!("id={id}"));
    let p = sb.get(&key, &format!("/v2/payments/{id}")).await.json();
    assert_eq!(p["status"], "paid");
    assert!(p["paidAt"].is_string());
    assert!(p.get("captureBefore").is_none());
    assert_eq!(p["amountCaptured"]["value"], "60.00");
    assert_eq!(
        p["amountRemaining"]["value"], "60.00",
        "only what was captured can be refunded"
    );
    assert_eq!(
        p["_links"]["captures"]["href"],
        format!("{}/v2/payments/{id}/captures", sb.base)
    );
    // embed=payment, on one capture and on the list; embed=captures on the payment.
    let got = sb.get(&key, &format!("{path}?embed=payment")).await.json();
    assert_eq!(got["_embedded"]["payment"]["id"], id);
    assert_eq!(got["_embedded"]["payment"]["status"], "paid");
    let list = sb
        .get(&key, &format!("/v2/payments/{id}/captures"))
        .await
        .json();
    assert_eq!(list["count"], 1);
    assert_eq!(list["_embedded"]["captures"][0]["id"], cpt["id"]);
    let e = sb
        .get(&key, &format!("/v2/payments/{id}?embed=captures"))
        .await
        .json();
    assert_eq!(e["_embedded"]["captures"][0]["status"], "succeeded");
    // Paid now: no more captures.
    let r = sb
        .post(&key, &format!("/v2/payments/{id}/captures"), json!({}))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.json()["detail"],
        "The payment cannot be captured: it is paid, not authorized"
    );
    let r = sb.get(&key, &format!("{path}?embed=refunds")).await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn a_failed_capture_leaves_the_payment_authorized() {
    let sb = sandbox().await;
    let rx = Receiver::start(vec![]).await;
    let key = random_key();
    let p = authorized(&sb, &key, json!({"webhookUrl": rx.url("/hook")})).await;
    let id = p["id"].as_str().unwrap();
    let cpt = sb
        .post(&key, &format!("/v2/payments/{id}/captures"), json!({}))
        .await
        .json();
    assert_eq!(cpt["amount"]["value"], "100.00");
    let cid = cpt["id"].as_str().unwrap();
    let r = sb
        .post(
            &key,
            &format!("/_sandbox/captures/{cid}/status"),
            json!({"status": "failed"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["status"], "failed");
    // authorized, then the failed capture.
    assert_eq!(rx.wait_for(2).await[1].body, format!("id={id}"));
    let p = sb.get(&key, &format!("/v2/payments/{id}")).await.json();
    assert_eq!(p["status"], "authorized");
    assert_eq!(p["amountCaptured"]["value"], "0.00");
    // It stays failed, even when its settling time comes.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let got = sb
        .get(&key, &format!("/v2/payments/{id}/captures/{cid}"))
        .await
        .json();
    assert_eq!(got["status"], "failed");
    let r = sb
        .post(
            &key,
            &format!("/_sandbox/captures/{cid}/status"),
            json!({"status": "succeeded"}),
        )
        .await;
    assert_eq!(r.status, 422);
    // A new capture may follow.
    let r = sb
        .post(
            &key,
            &format!("/v2/payments/{id}/captures"),
            json!({"amount": {"value": "100.01", "currency": "EUR"}}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.json()["detail"],
        "The amount is higher than the authorized amount"
    );
    let r = sb
        .post(&key, &format!("/v2/payments/{id}/captures"), json!({}))
        .await;
    assert_eq!(r.status, 201);
}

#[tokio::test]
async fn release_and_void_cancel_an_authorization() {
    let sb = sandbox().await;
    let rx = Receiver::start(vec![]).await;
    let key = random_key();
    let p = authorized(&sb, &key, json!({"webhookUrl": rx.url("/hook")})).await;
    let id = p["id"].as_str().unwrap();
    let r = sb
        .post(
            &key,
            &format!("/v2/payments/{id}/release-authorization"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text());
    assert!(r.body.is_empty());
    let got = sb.get(&key, &format!("/v2/payments/{id}")).await.json();
    assert_eq!(got["status"], "canceled");
    assert!(got["canceledAt"].is_string());
    // authorized, canceled.
    assert_eq!(rx.wait_for(2).await[1].body, format!("id={id}"));
    let r = sb
        .post(
            &key,
            &format!("/v2/payments/{id}/release-authorization"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.json()["detail"],
        "Authorization cannot be released because the payment is not in the authorized state."
    );
    // DELETE voids the same way.
    let q = authorized(&sb, &key, json!({"webhookUrl": rx.url("/hook")})).await;
    let qid = q["id"].as_str().unwrap();
    let r = sb.delete(&key, &format!("/v2/payments/{qid}")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["status"], "canceled");
    assert_eq!(rx.wait_for(4).await.len(), 4);
}

#[tokio::test]
async fn a_capture_delay_captures_by_itself_on_the_clock() {
    let sb = sandbox().await;
    let rx = Receiver::start(vec![]).await;
    let key = random_key();
    let p = authorized(
        &sb,
        &key,
        json!({"captureMode": null, "captureDelay": "2 days", "webhookUrl": rx.url("/hook")}),
    )
    .await;
    let id = p["id"].as_str().unwrap();
    assert_eq!(p["status"], "authorized");
    sb.advance(&key, 86_400);
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(
        sb.get(&key, &format!("/v2/payments/{id}")).await.json()["status"],
        "authorized"
    );
    sb.advance(&key, 86_400);
    let paid = sb
        .eventually(&key, &format!("/v2/payments/{id}"), |v| {
            v["status"] == "paid"
        })
        .await;
    assert_eq!(paid["amountCaptured"]["value"], "100.00");
    let list = sb
        .get(&key, &format!("/v2/payments/{id}/captures"))
        .await
        .json();
    assert_eq!(list["count"], 1);
    assert_eq!(list["_embedded"]["captures"][0]["status"], "succeeded");
    // authorized, paid.
    assert_eq!(rx.wait_for(2).await.len(), 2);
}

#[tokio::test]
async fn an_authorization_not_captured_in_time_expires() {
    let sb = sandbox().await;
    let rx = Receiver::start(vec![]).await;
    let key = random_key();
    let p = authorized(
        &sb,
        &key,
        json!({"method": "klarna", "webhookUrl": rx.url("/hook")}),
    )
    .await;
    let id = p["id"].as_str().unwrap();
    sb.advance(&key, 28 * 86_400);
    let expired = sb
        .eventually(&key, &format!("/v2/payments/{id}"), |v| {
            v["status"] == "expired"
        })
        .await;
    assert!(expired["expiredAt"].is_string());
    // authorized, expired.
    assert_eq!(rx.wait_for(2).await[1].body, format!("id={id}"));
}

#[tokio::test]
async fn the_checkout_offers_authorized_not_paid() {
    let sb = sandbox().await;
    let key = random_key();
    let p = sb.payment(&key, None, body(json!({"method": null}))).await;
    let href = p["_links"]["checkout"]["href"].as_str().unwrap();
    // The method list (issue 12): only methods that hold an authorization.
    let html = sb.send(Method::GET, href, None, Body::None).await.text();
    assert!(
        html.contains(r#"name="method" value="creditcard""#),
        "{html}"
    );
    assert!(!html.contains(r#"value="ideal""#));
    // The status page of such a payment: Authorized, never Paid.
    let card = sb
        .payment(&key, None, body(json!({"method": "creditcard"})))
        .await;
    let status_page = format!(
        "/checkout/test-mode/{}?account={}",
        &card["id"].as_str().unwrap()[3..],
        mollie_sandbox::page_link::token(&key)
    );
    let html = sb
        .send(Method::GET, &status_page, None, Body::None)
        .await
        .text();
    assert!(html.contains(r#"value="authorized""#), "{html}");
    assert!(!html.contains(r#"value="paid""#));
    let r = sb
        .send(
            Method::POST,
            href,
            None,
            Body::Form("status=authorized".into()),
        )
        .await;
    assert_eq!(r.status, 303);
    let got = sb
        .get(&key, &format!("/v2/payments/{}", p["id"].as_str().unwrap()))
        .await
        .json();
    assert_eq!(got["status"], "authorized");
    assert_eq!(got["method"], "creditcard");
}
