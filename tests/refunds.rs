//! Refunds over HTTP: creation and its errors, the payment's totals and
//! links, the status walk on the account's clock with the webhook (to the
//! payment's current URL), cancel, forced outcomes, lists and embeds.

mod support;

use mollie_sandbox::Config;
use serde_json::{json, Value};
use support::{random_key, Receiver, Sandbox};

/// Refunds that move only when the test moves the clock (an hour a step).
async fn sandbox() -> Sandbox {
    Sandbox::with(Config {
        webhook_time_scale: 0.001,
        refund_delay: 3600,
        ..Config::ephemeral()
    })
    .await
}

fn body(value: &str, method: &str) -> Value {
    json!({
        "amount": {"value": value, "currency": "EUR"},
        "description": "Order 12",
        "redirectUrl": "https://shop.example/return",
        "method": method,
    })
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

fn assert_error(r: &support::Reply, status: u16, detail: &str, field: Option<&str>) {
    assert_eq!(r.status.as_u16(), status, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/hal+json"));
    let v = r.json();
    assert_eq!(v["status"], status, "{v}");
    assert_eq!(v["detail"], detail, "{v}");
    match field {
        Some(f) => assert_eq!(v["field"], f, "{v}"),
        None => assert!(v.get("field").is_none(), "{v}"),
    }
    assert!(v["_links"]["documentation"]["href"].is_string());
}

#[tokio::test]
async fn partial_then_full_refund_moves_the_payment_totals_and_links() {
    let sb = sandbox().await;
    let key = random_key();
    let p = sb.paid_payment(&key, body("10.00", "ideal")).await;
    let id = p["id"].as_str().unwrap();
    assert_eq!(
        p["amountRefunded"],
        json!({"value": "0.00", "currency": "EUR"})
    );
    assert_eq!(
        p["amountRemaining"],
        json!({"value": "10.00", "currency": "EUR"})
    );
    // No refund yet: no link (clients decide "has refunds" by it).
    assert!(p["_links"].get("refunds").is_none());

    let r = sb
        .post(
            &key,
            &format!("/v2/payments/{id}/refunds"),
            json!({"amount": {"value": "4.00", "currency": "EUR"}, "description": "Broken", "metadata": {"order": 12}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/hal+json"));
    let refund = r.json();
    assert_eq!(
        keys(&refund),
        [
            "resource",
            "id",
            "mode",
            "amount",
            "status",
            "createdAt",
            "description",
            "metadata",
            "paymentId",
            "_links"
        ]
    );
    assert_eq!(refund["resource"], "refund");
    assert!(refund["id"].as_str().unwrap().starts_with("re_"));
    assert_eq!(refund["mode"], "test");
    assert_eq!(refund["status"], "queued");
    assert_eq!(
        refund["amount"],
        json!({"value": "4.00", "currency": "EUR"})
    );
    assert_eq!(refund["description"], "Broken");
    assert_eq!(refund["metadata"], json!({"order": 12}));
    assert_eq!(refund["paymentId"], id);
    let rid = refund["id"].as_str().unwrap();
    assert_eq!(
        refund["_links"]["self"]["href"],
        format!("{}/v2/payments/{id}/refunds/{rid}", sb.base)
    );
    assert_eq!(
        refund["_links"]["payment"]["href"],
        format!("{}/v2/payments/{id}", sb.base)
    );
    assert_eq!(
        refund["_links"]["documentation"]["href"],
        "https://docs.mollie.com/reference/v2/refunds-api/create-payment-refund"
    );

    let p = sb.get(&key, &format!("/v2/payments/{id}")).await.json();
    assert_eq!(p["status"], "paid", "a refund leaves the status alone");
    assert_eq!(p["amountRefunded"]["value"], "4.00");
    assert_eq!(p["amountRemaining"]["value"], "6.00");
    assert_eq!(
        p["_links"]["refunds"]["href"],
        format!("{}/v2/payments/{id}/refunds", sb.base)
    );
    // The list shows the totals too.
    let list = sb.get(&key, "/v2/payments").await.json();
    assert_eq!(
        list["_embedded"]["payments"][0]["amountRefunded"]["value"],
        "4.00"
    );

    // No amount: what remains.
    let rest = sb
        .post(&key, &format!("/v2/payments/{id}/refunds"), json!({}))
        .await;
    assert_eq!(rest.status, 201, "{}", rest.text());
    assert_eq!(rest.json()["amount"]["value"], "6.00");
    assert_eq!(rest.json()["description"], "");
    assert_eq!(rest.json()["metadata"], Value::Null);
    let p = sb.get(&key, &format!("/v2/payments/{id}")).await.json();
    assert_eq!(p["amountRefunded"]["value"], "10.00");
    assert_eq!(p["amountRemaining"]["value"], "0.00");
    let none_left = sb
        .post(
            &key,
            &format!("/v2/payments/{id}/refunds"),
            json!({"amount": {"value": "0.01", "currency": "EUR"}}),
        )
        .await;
    assert_error(
        &none_left,
        422,
        "The payment has been refunded in full already: nothing remains to refund",
        Some("amount"),
    );
}

#[tokio::test]
async fn invalid_refunds_get_mollie_errors() {
    let sb = sandbox().await;
    let key = random_key();
    let open = sb.payment(&key, None, body("10.00", "ideal")).await;
    let open_id = open["id"].as_str().unwrap();
    let r = sb
        .post(&key, &format!("/v2/payments/{open_id}/refunds"), json!({}))
        .await;
    assert_error(
        &r,
        422,
        "The payment cannot be refunded: it is open, not paid",
        None,
    );
    let p = sb.paid_payment(&key, body("10.00", "creditcard")).await;
    let path = format!("/v2/payments/{}/refunds", p["id"].as_str().unwrap());
    let cases = [
        (
            json!({"amount": {"value": "10.01", "currency": "EUR"}}),
            "The amount is higher than the remaining amount that can be refunded",
            "amount",
        ),
        (
            json!({"amount": {"value": "1.00", "currency": "USD"}}),
            "The amount must be in the payment's currency (EUR)",
            "amount.currency",
        ),
        (
            json!({"amount": {"value": "0.00", "currency": "EUR"}}),
            "The amount is lower than the minimum",
            "amount",
        ),
        (
            json!({"amount": {"value": "1.0", "currency": "EUR"}}),
            "The amount contains an invalid value",
            "amount.value",
        ),
        (
            json!({"amount": {"value": "-1.00", "currency": "EUR"}}),
            "The amount contains an invalid value",
            "amount.value",
        ),
        (
            json!({"reason": "x"}),
            "Non-existent body parameter \"reason\" for this API call.",
            "reason",
        ),
        (
            json!({"description": 5}),
            "The 'description' field must be a string",
            "description",
        ),
    ];
    for (b, detail, field) in cases {
        let r = sb.post(&key, &path, b.clone()).await;
        assert_error(&r, 422, detail, Some(field));
    }
    // Nothing was made by any of them.
    let list = sb.get(&key, &path).await.json();
    assert_eq!(list["count"], 0);
    let r = sb
        .post(&key, "/v2/payments/tr_nothere/refunds", json!({}))
        .await;
    assert_error(&r, 404, "No payment exists with token tr_nothere.", None);
    let r = sb.get(&key, &format!("{path}/re_nothere")).await;
    assert_error(&r, 404, "No refund exists with token re_nothere.", None);
    let r = sb
        .send(hyper::Method::PUT, &path, Some(&key), support::Body::None)
        .await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET, POST"));
}

#[tokio::test]
async fn refunds_walk_on_the_clock_and_call_the_current_webhook() {
    let sb = sandbox().await;
    let rx = Receiver::start(vec![]).await;
    let key = random_key();
    let mut b = body("25.00", "ideal");
    b["webhookUrl"] = json!(rx.url("/first"));
    let p = sb.paid_payment(&key, b).await;
    let id = p["id"].as_str().unwrap().to_owned();
    rx.wait_for(1).await; // paid
                          // The shop moves its webhook after payment (as Laravel Cashier does).
    let r = sb
        .patch(
            &key,
            &format!("/v2/payments/{id}"),
            json!({"webhookUrl": rx.url("/aftercare")}),
        )
        .await;
    assert_eq!(r.status, 200);
    let refund = sb
        .post(
            &key,
            &format!("/v2/payments/{id}/refunds"),
            json!({"amount": {"value": "5.00", "currency": "EUR"}}),
        )
        .await
        .json();
    let path = format!(
        "/v2/payments/{id}/refunds/{}",
        refund["id"].as_str().unwrap()
    );
    assert_eq!(refund["status"], "queued");
    // Nothing moves until the clock does.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(sb.get(&key, &path).await.json()["status"], "queued");
    sb.advance(&key, 3600);
    sb.eventually(&key, &path, |v| v["status"] == "pending")
        .await;
    // queued -> pending calls no webhook.
    assert_eq!(rx.hits().len(), 1);
    sb.advance(&key, 3600);
    let done = sb
        .eventually(&key, &path, |v| v["status"] == "refunded")
        .await;
    assert_eq!(
        done["_links"]["documentation"]["href"],
        "https://docs.mollie.com/reference/v2/refunds-api/get-payment-refund"
    );
    let hits = rx.wait_for(2).await;
    assert_eq!(hits[1].path, "/aftercare");
    assert_eq!(hits[1].body, format!("id={id}"));
    assert_eq!(rx.hits().len(), 2);
}

#[tokio::test]
async fn bank_transfer_refunds_pass_through_processing() {
    let sb = sandbox().await;
    let rx = Receiver::start(vec![]).await;
    let key = random_key();
    let mut b = body("25.00", "banktransfer");
    b["webhookUrl"] = json!(rx.url("/hook"));
    let p = sb.paid_payment(&key, b).await;
    let id = p["id"].as_str().unwrap();
    let refund = sb
        .post(&key, &format!("/v2/payments/{id}/refunds"), json!({}))
        .await
        .json();
    let path = format!(
        "/v2/payments/{id}/refunds/{}",
        refund["id"].as_str().unwrap()
    );
    sb.advance(&key, 7200);
    sb.eventually(&key, &path, |v| v["status"] == "processing")
        .await;
    // paid, then processing.
    assert_eq!(rx.wait_for(2).await.len(), 2);
    // Processing can no longer be canceled.
    let r = sb.delete(&key, &path).await;
    assert_error(
        &r,
        422,
        "The refund cannot be canceled: it is processing",
        None,
    );
    sb.advance(&key, 3600);
    sb.eventually(&key, &path, |v| v["status"] == "refunded")
        .await;
    assert_eq!(rx.wait_for(3).await.len(), 3);
}

#[tokio::test]
async fn a_queued_or_pending_refund_can_be_canceled() {
    let sb = sandbox().await;
    let key = random_key();
    let p = sb.paid_payment(&key, body("10.00", "ideal")).await;
    let id = p["id"].as_str().unwrap();
    let refund = sb
        .post(&key, &format!("/v2/payments/{id}/refunds"), json!({}))
        .await
        .json();
    let path = format!(
        "/v2/payments/{id}/refunds/{}",
        refund["id"].as_str().unwrap()
    );
    let r = sb.delete(&key, &path).await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(r.body.is_empty());
    assert_eq!(sb.get(&key, &path).await.json()["status"], "canceled");
    let p = sb.get(&key, &format!("/v2/payments/{id}")).await.json();
    assert_eq!(p["amountRefunded"]["value"], "0.00");
    assert_eq!(p["amountRemaining"]["value"], "10.00");
    // The link stays: a refund exists, canceled or not.
    assert!(p["_links"]["refunds"].is_object());
    let again = sb.delete(&key, &path).await;
    assert_error(
        &again,
        422,
        "The refund cannot be canceled: it is canceled",
        None,
    );
    // A canceled refund no longer walks.
    sb.advance(&key, 10 * 3600);
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(sb.get(&key, &path).await.json()["status"], "canceled");
    // Another payment's path does not reach it.
    let other = sb.paid_payment(&key, body("10.00", "ideal")).await;
    let wrong = format!(
        "/v2/payments/{}/refunds/{}",
        other["id"].as_str().unwrap(),
        refund["id"].as_str().unwrap()
    );
    assert_eq!(sb.delete(&key, &wrong).await.status, 404);
}

#[tokio::test]
async fn the_sandbox_route_forces_an_outcome() {
    let sb = sandbox().await;
    let rx = Receiver::start(vec![]).await;
    let key = random_key();
    let mut b = body("10.00", "creditcard");
    b["webhookUrl"] = json!(rx.url("/hook"));
    let p = sb.paid_payment(&key, b).await;
    let id = p["id"].as_str().unwrap();
    let refund = sb
        .post(&key, &format!("/v2/payments/{id}/refunds"), json!({}))
        .await
        .json();
    let rid = refund["id"].as_str().unwrap();
    let route = format!("/_sandbox/refunds/{rid}/status");
    let r = sb.post(&key, &route, json!({"status": "failed"})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["status"], "failed");
    // paid + failed refund.
    let hits = rx.wait_for(2).await;
    assert_eq!(hits[1].body, format!("id={id}"));
    let p = sb.get(&key, &format!("/v2/payments/{id}")).await.json();
    assert_eq!(p["amountRefunded"]["value"], "0.00");
    assert_eq!(p["amountRemaining"]["value"], "10.00");
    let r = sb.post(&key, &route, json!({"status": "refunded"})).await;
    assert_error(
        &r,
        422,
        "The refund is failed already; a final status cannot change (to refunded).",
        Some("status"),
    );
    let r = sb.post(&key, &route, json!({"status": "lost"})).await;
    assert_error(
        &r,
        422,
        "The status is invalid: use pending, processing, refunded, failed or canceled",
        Some("status"),
    );
    // Another key does not see it.
    let r = sb
        .post(&random_key(), &route, json!({"status": "refunded"}))
        .await;
    assert_error(
        &r,
        404,
        &format!("No refund exists with token {rid}."),
        None,
    );
    // A second refund forced straight to refunded.
    let second = sb
        .post(
            &key,
            &format!("/v2/payments/{id}/refunds"),
            json!({"amount": {"value": "2.50", "currency": "EUR"}}),
        )
        .await
        .json();
    let r = sb
        .post(
            &key,
            &format!(
                "/_sandbox/refunds/{}/status",
                second["id"].as_str().unwrap()
            ),
            json!({"status": "refunded"}),
        )
        .await;
    assert_eq!(r.json()["status"], "refunded");
    let p = sb.get(&key, &format!("/v2/payments/{id}")).await.json();
    assert_eq!(p["amountRefunded"]["value"], "2.50");
    assert_eq!(rx.wait_for(3).await.len(), 3);
}

#[tokio::test]
async fn lists_page_newest_first_and_stay_within_the_key() {
    let sb = sandbox().await;
    let key = random_key();
    let a = sb.paid_payment(&key, body("10.00", "ideal")).await;
    let b = sb.paid_payment(&key, body("20.00", "ideal")).await;
    let mut made = Vec::new();
    for (p, v) in [(&a, "1.00"), (&b, "2.00"), (&a, "3.00")] {
        let r = sb
            .post(
                &key,
                &format!("/v2/payments/{}/refunds", p["id"].as_str().unwrap()),
                json!({"amount": {"value": v, "currency": "EUR"}}),
            )
            .await;
        made.push(r.json()["id"].as_str().unwrap().to_owned());
    }
    let all = sb.get(&key, "/v2/refunds?limit=2").await.json();
    assert_eq!(all["count"], 2);
    let ids: Vec<&str> = all["_embedded"]["refunds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [made[2].as_str(), made[1].as_str()]);
    assert_eq!(
        all["_links"]["next"]["href"],
        format!("{}/v2/refunds?from={}&limit=2", sb.base, made[0])
    );
    assert!(all["_links"]["previous"].is_null());
    assert_eq!(
        all["_links"]["documentation"]["href"],
        "https://docs.mollie.com/reference/v2/refunds-api/list-refunds"
    );
    // List items link to themselves and their payment, without documentation.
    let item = &all["_embedded"]["refunds"][0];
    assert!(item["_links"]["self"].is_object() && item["_links"].get("documentation").is_none());
    let next = sb
        .get(&key, &format!("/v2/refunds?from={}&limit=2", made[0]))
        .await
        .json();
    assert_eq!(next["count"], 1);
    assert_eq!(
        next["_links"]["previous"]["href"],
        format!("{}/v2/refunds?from={}&limit=2", sb.base, made[2])
    );
    let of_a = sb
        .get(
            &key,
            &format!("/v2/payments/{}/refunds", a["id"].as_str().unwrap()),
        )
        .await
        .json();
    assert_eq!(of_a["count"], 2);
    assert_eq!(of_a["_embedded"]["refunds"][0]["id"], made[2].as_str());
    assert_eq!(
        of_a["_links"]["documentation"]["href"],
        "https://docs.mollie.com/reference/v2/refunds-api/list-payment-refunds"
    );
    // A cursor from another payment's list is refused there.
    let r = sb
        .get(
            &key,
            &format!(
                "/v2/payments/{}/refunds?from={}",
                a["id"].as_str().unwrap(),
                made[1]
            ),
        )
        .await;
    assert_error(&r, 400, "Invalid value passed", Some("from"));
    // Another key: nothing, and the payment is not there.
    let other = random_key();
    assert_eq!(sb.get(&other, "/v2/refunds").await.json()["count"], 0);
    let r = sb
        .get(
            &other,
            &format!("/v2/payments/{}/refunds", a["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn embeds_put_refunds_and_chargebacks_under_embedded() {
    let sb = sandbox().await;
    let key = random_key();
    let p = sb.paid_payment(&key, body("10.00", "creditcard")).await;
    let id = p["id"].as_str().unwrap();
    let refund = sb
        .post(
            &key,
            &format!("/v2/payments/{id}/refunds"),
            json!({"amount": {"value": "1.00", "currency": "EUR"}}),
        )
        .await
        .json();
    let chb = sb
        .post(
            &key,
            &format!("/_sandbox/payments/{id}/chargebacks"),
            json!({"amount": {"value": "2.00", "currency": "EUR"}}),
        )
        .await;
    assert_eq!(chb.status, 201, "{}", chb.text());
    let got = sb
        .get(
            &key,
            &format!("/v2/payments/{id}?embed=refunds,chargebacks"),
        )
        .await
        .json();
    let embedded = got["_embedded"].as_object().unwrap();
    assert_eq!(keys(&got["_embedded"]), ["refunds", "chargebacks"]);
    assert_eq!(embedded["refunds"][0]["id"], refund["id"]);
    assert_eq!(embedded["chargebacks"][0]["id"], chb.json()["id"]);
    // `_embedded` sits just before `_links`.
    let k = keys(&got);
    assert_eq!(&k[k.len() - 2..], ["_embedded", "_links"]);
    assert_eq!(got["amountRemaining"]["value"], "7.00");
    let only = sb
        .get(&key, &format!("/v2/payments/{id}?embed=refunds"))
        .await
        .json();
    assert_eq!(keys(&only["_embedded"]), ["refunds"]);
    let plain = sb.get(&key, &format!("/v2/payments/{id}")).await.json();
    assert!(plain.get("_embedded").is_none());
    // The dashboard page of the payment shows them too.
    let dashboard = plain["_links"]["dashboard"]["href"].as_str().unwrap();
    let page = sb
        .send(hyper::Method::GET, dashboard, None, support::Body::None)
        .await
        .text();
    assert!(page.contains(refund["id"].as_str().unwrap()), "{page}");
    assert!(page.contains(chb.json()["id"].as_str().unwrap()));
    let list = sb.get(&key, "/v2/payments?embed=refunds").await.json();
    assert_eq!(
        list["_embedded"]["payments"][0]["_embedded"]["refunds"][0]["id"],
        refund["id"]
    );
    let r = sb
        .get(&key, &format!("/v2/payments/{id}?embed=orders"))
        .await;
    assert_error(
        &r,
        400,
        "Embed parameter 'orders' is not supported: use refunds, chargebacks or captures",
        Some("embed"),
    );
}

#[tokio::test]
async fn a_delay_of_zero_refunds_at_once() {
    let sb = Sandbox::with(Config {
        refund_delay: 0,
        ..Config::ephemeral()
    })
    .await;
    let key = random_key();
    let p = sb.paid_payment(&key, body("10.00", "ideal")).await;
    let r = sb
        .post(
            &key,
            &format!("/v2/payments/{}/refunds", p["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["status"], "refunded");
}

#[tokio::test]
async fn state_export_carries_refunds_and_loads_them_back() {
    let sb = sandbox().await;
    let key = random_key();
    let p = sb.paid_payment(&key, body("10.00", "ideal")).await;
    let id = p["id"].as_str().unwrap();
    sb.post(
        &key,
        &format!("/v2/payments/{id}/refunds"),
        json!({"amount": {"value": "3.00", "currency": "EUR"}, "metadata": {"a": 1}}),
    )
    .await;
    sb.post(
        &key,
        &format!("/_sandbox/payments/{id}/chargebacks"),
        json!({"reason": {"code": "MD06", "description": "Disputed"}}),
    )
    .await;
    let state = sb.get(&key, "/_sandbox/state").await.json();
    let account = &state["accounts"][&key];
    assert_eq!(account["refunds"][0]["amount"]["value"], "3.00");
    assert_eq!(account["refunds"][0]["paymentId"], id);
    assert!(account["refunds"][0].get("_links").is_none());
    assert_eq!(account["chargebacks"][0]["reason"]["code"], "MD06");
    assert_eq!(account["payments"][0]["amountRefunded"]["value"], "3.00");
    // Loaded under another key, with a fixture delay: the same objects.
    let other = random_key();
    let mut seed = account.clone();
    seed["refundDelay"] = json!(86400);
    let r = sb
        .send(
            hyper::Method::PUT,
            "/_sandbox/state",
            Some(&other),
            support::Body::Json(json!({"accounts": {&other: seed}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let back = sb.get(&other, "/_sandbox/state").await.json();
    assert_eq!(back["accounts"][&other]["refunds"], account["refunds"]);
    assert_eq!(
        back["accounts"][&other]["chargebacks"],
        account["chargebacks"]
    );
    assert_eq!(back["accounts"][&other]["payments"], account["payments"]);
    assert_eq!(back["accounts"][&other]["refundDelay"], 86400);
    let p2 = sb.get(&other, &format!("/v2/payments/{id}")).await.json();
    assert_eq!(p2["amountRefunded"]["value"], "3.00");
    // A chargeback takes the whole payment by default, refunded or not.
    assert_eq!(p2["amountChargedBack"]["value"], "10.00");
    assert_eq!(p2["amountRemaining"]["value"], "0.00");
    assert!(p2["_links"]["refunds"].is_object() && p2["_links"]["chargebacks"].is_object());
    // A reset clears them.
    let r = sb.post(&other, "/_sandbox/reset", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(sb.get(&other, "/v2/refunds").await.json()["count"], 0);
    assert_eq!(sb.get(&other, "/v2/chargebacks").await.json()["count"], 0);
}
