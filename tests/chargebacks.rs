//! Chargebacks over HTTP: made by the sandbox route, read through the API
//! (one, a payment's, the account's), reversed; the payment's
//! `amountChargedBack`, links and webhook follow.

mod support;

use serde_json::{json, Value};
use support::{random_key, Receiver, Sandbox};

fn body(value: &str, hook: &str) -> Value {
    json!({
        "amount": {"value": value, "currency": "EUR"},
        "description": "Order 66",
        "redirectUrl": "https://shop.example/return",
        "webhookUrl": hook,
        "method": "creditcard",
    })
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

#[tokio::test]
async fn a_chargeback_shows_on_the_payment_and_calls_its_webhook() {
    let sb = Sandbox::start().await;
    let rx = Receiver::start(vec![]).await;
    let key = random_key();
    let p = sb.paid_payment(&key, body("66.66", &rx.url("/hook"))).await;
    let id = p["id"].as_str().unwrap();
    assert!(p.get("amountChargedBack").is_none());
    assert!(p["_links"].get("chargebacks").is_none());
    let r = sb
        .post(
            &key,
            &format!("/_sandbox/payments/{id}/chargebacks"),
            json!({"amount": {"value": "20.00", "currency": "EUR"}, "reason": {"code": "AC01", "description": "Account identifier incorrect"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let chb = r.json();
    assert_eq!(
        keys(&chb),
        [
            "resource",
            "id",
            "amount",
            "settlementAmount",
            "createdAt",
            "reason",
            "reversedAt",
            "paymentId",
            "_links"
        ]
    );
    assert_eq!(chb["resource"], "chargeback");
    assert!(chb["id"].as_str().unwrap().starts_with("chb_"));
    assert_eq!(chb["amount"], json!({"value": "20.00", "currency": "EUR"}));
    assert_eq!(
        chb["settlementAmount"],
        json!({"value": "-20.00", "currency": "EUR"})
    );
    assert_eq!(chb["reason"]["code"], "AC01");
    assert_eq!(chb["reversedAt"], Value::Null);
    assert_eq!(chb["paymentId"], id);
    let hits = rx.wait_for(2).await;
    assert_eq!(hits[1].body, format!("id={id}"));

    let p = sb.get(&key, &format!("/v2/payments/{id}")).await.json();
    assert_eq!(p["status"], "paid");
    assert_eq!(
        p["amountChargedBack"],
        json!({"value": "20.00", "currency": "EUR"})
    );
    assert_eq!(p["amountRemaining"]["value"], "46.66");
    assert_eq!(
        p["_links"]["chargebacks"]["href"],
        format!("{}/v2/payments/{id}/chargebacks", sb.base)
    );
    // Get, the payment's list and the account's list.
    let cid = chb["id"].as_str().unwrap();
    let one = sb
        .get(&key, &format!("/v2/payments/{id}/chargebacks/{cid}"))
        .await;
    assert_eq!(one.status, 200);
    assert_eq!(one.json()["amount"], chb["amount"]);
    assert_eq!(
        one.json()["_links"]["documentation"]["href"],
        "https://docs.mollie.com/reference/v2/chargebacks-api/get-payment-chargeback"
    );
    let list = sb
        .get(&key, &format!("/v2/payments/{id}/chargebacks?limit=1"))
        .await
        .json();
    assert_eq!(list["count"], 1);
    assert_eq!(list["_embedded"]["chargebacks"][0]["id"], cid);
    // The rest (default: all that is left), with no reason.
    let rest = sb
        .post(
            &key,
            &format!("/_sandbox/payments/{id}/chargebacks"),
            json!({}),
        )
        .await
        .json();
    assert_eq!(rest["amount"]["value"], "46.66");
    assert_eq!(rest["reason"], Value::Null);
    let all = sb.get(&key, "/v2/chargebacks").await.json();
    assert_eq!(all["count"], 2);
    assert_eq!(all["_embedded"]["chargebacks"][0]["id"], rest["id"]);
    let p = sb.get(&key, &format!("/v2/payments/{id}")).await.json();
    assert_eq!(p["amountChargedBack"]["value"], "66.66");
    assert_eq!(p["amountRemaining"]["value"], "0.00");
    // Nothing is left to charge back, or to refund.
    let r = sb
        .post(
            &key,
            &format!("/_sandbox/payments/{id}/chargebacks"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.json()["detail"],
        "The payment has been charged back in full already"
    );
    let r = sb
        .post(&key, &format!("/v2/payments/{id}/refunds"), json!({}))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["field"], "amount");
}

#[tokio::test]
async fn a_reversal_undoes_the_amount_and_calls_the_webhook() {
    let sb = Sandbox::start().await;
    let rx = Receiver::start(vec![]).await;
    let key = random_key();
    let p = sb.paid_payment(&key, body("10.00", &rx.url("/hook"))).await;
    let id = p["id"].as_str().unwrap();
    let chb = sb
        .post(
            &key,
            &format!("/_sandbox/payments/{id}/chargebacks"),
            json!({}),
        )
        .await
        .json();
    let cid = chb["id"].as_str().unwrap();
    let r = sb
        .post(
            &key,
            &format!("/_sandbox/chargebacks/{cid}/reverse"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json()["reversedAt"].is_string());
    // paid, chargeback, reversal.
    assert_eq!(rx.wait_for(3).await.len(), 3);
    let p = sb.get(&key, &format!("/v2/payments/{id}")).await.json();
    assert!(p.get("amountChargedBack").is_none(), "zero again: {p}");
    assert_eq!(p["amountRemaining"]["value"], "10.00");
    assert!(
        p["_links"]["chargebacks"].is_object(),
        "the chargeback still exists"
    );
    let got = sb
        .get(&key, &format!("/v2/payments/{id}/chargebacks/{cid}"))
        .await
        .json();
    assert_eq!(got["reversedAt"], r.json()["reversedAt"]);
    let again = sb
        .post(
            &key,
            &format!("/_sandbox/chargebacks/{cid}/reverse"),
            json!({}),
        )
        .await;
    assert_eq!(again.status, 422);
    assert_eq!(
        again.json()["detail"],
        "The chargeback has been reversed already"
    );
}

#[tokio::test]
async fn chargebacks_are_refused_where_mollie_would_not_have_one() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let open = sb
        .payment(&key, None, body("10.00", "https://shop.example/hook"))
        .await;
    let id = open["id"].as_str().unwrap();
    let r = sb
        .post(
            &key,
            &format!("/_sandbox/payments/{id}/chargebacks"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.json()["detail"],
        "Only paid payments can be charged back; this one is open"
    );
    let paid = sb
        .paid_payment(&key, body("10.00", "https://shop.example/hook"))
        .await;
    let path = format!(
        "/_sandbox/payments/{}/chargebacks",
        paid["id"].as_str().unwrap()
    );
    let r = sb
        .post(
            &key,
            &path,
            json!({"amount": {"value": "10.01", "currency": "EUR"}}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["field"], "amount");
    let r = sb.post(&key, &path, json!({"reason": "fraud"})).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["field"], "reason");
    // Another key finds neither the payment nor the chargebacks.
    let other = random_key();
    let r = sb.post(&other, &path, json!({})).await;
    assert_eq!(r.status, 404);
    let r = sb
        .get(
            &other,
            &format!("/v2/payments/{}/chargebacks", paid["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(r.status, 404);
    // The API has no way to make one.
    let r = sb
        .post(
            &key,
            &format!("/v2/payments/{}/chargebacks", paid["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET"));
    let r = sb
        .get(
            &key,
            &format!(
                "/v2/payments/{}/chargebacks/chb_nothere",
                paid["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json()["detail"],
        "No chargeback exists with token chb_nothere."
    );
}

async fn activate(sb: &Sandbox, key: &str, name: &str) {
    let r = sb
        .send(
            hyper::Method::PUT,
            "/_sandbox/scenario",
            Some(key),
            support::Body::Json(json!({ "name": name })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
}

#[tokio::test]
async fn a_scenario_charges_back_every_paid_payment_of_its_amount() {
    let sb = Sandbox::start().await;
    let rx = Receiver::start(vec![]).await;
    let key = random_key();
    activate(&sb, &key, "chargeback-66-66").await;
    let hit = sb.paid_payment(&key, body("66.66", &rx.url("/hook"))).await;
    let miss = sb.paid_payment(&key, body("66.67", &rx.url("/hook"))).await;
    let hit_id = hit["id"].as_str().unwrap();
    // The answer to the status change already shows it.
    assert_eq!(hit["amountChargedBack"]["value"], "66.66");
    assert!(miss.get("amountChargedBack").is_none());
    let list = sb
        .get(&key, &format!("/v2/payments/{hit_id}/chargebacks"))
        .await
        .json();
    assert_eq!(list["count"], 1);
    assert_eq!(
        list["_embedded"]["chargebacks"][0]["reason"]["code"],
        "MD06"
    );
    assert_eq!(sb.get(&key, "/v2/chargebacks").await.json()["count"], 1);
    // paid + chargeback for the one, paid for the other.
    let hits = rx.wait_for(3).await;
    let to_hit = hits
        .iter()
        .filter(|h| h.body == format!("id={hit_id}"))
        .count();
    assert_eq!(to_hit, 2);
    // Another account, without the scenario: nothing happens.
    let other = random_key();
    let p = sb
        .paid_payment(&other, body("66.66", &rx.url("/hook")))
        .await;
    assert!(p.get("amountChargedBack").is_none());
}

#[tokio::test]
async fn a_scenario_can_make_refund_creation_fail() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let p = sb
        .paid_payment(&key, body("10.00", "https://shop.example/hook"))
        .await;
    activate(&sb, &key, "refund-fails").await;
    let path = format!("/v2/payments/{}/refunds", p["id"].as_str().unwrap());
    let r = sb.post(&key, &path, json!({})).await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(
        r.json()["detail"],
        "The refund could not be created: the balance is insufficient"
    );
    assert_eq!(sb.get(&key, &path).await.json()["count"], 0);
}
