//! The Payments API beyond create: PATCH, cancel, status changes through
//! the sandbox API, and expiry by the account's clock.

mod support;

use serde_json::json;
use support::{random_key, Body, Sandbox};

fn ideal(extra: serde_json::Value) -> serde_json::Value {
    let mut body = json!({
        "amount": {"value": "10.00", "currency": "EUR"},
        "description": "Order #1",
        "redirectUrl": "https://shop.example/return",
        "method": "ideal",
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

#[tokio::test]
async fn paid_through_the_sandbox_api_gets_timestamps_details_and_links() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let p = sb.payment(&key, None, ideal(json!({}))).await;
    let id = p["id"].as_str().unwrap();
    assert_eq!(p["status"], "open");
    assert_eq!(p["isCancelable"], false);
    assert!(p["_links"]["checkout"]["href"]
        .as_str()
        .unwrap()
        .ends_with(&format!(
            "/checkout/select-issuer/ideal/{}?account={}",
            &id[3..],
            mollie_sandbox::page_link::token(&key)
        )));

    let r = sb.set_status(&key, id, json!({"status": "paid"})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let p = r.json();
    assert_eq!(p["status"], "paid");
    assert!(p["paidAt"].is_string());
    for gone in ["isCancelable", "expiresAt"] {
        assert!(p.get(gone).is_none(), "{gone} still there: {p}");
    }
    assert_eq!(
        p["amountRefunded"],
        json!({"value": "0.00", "currency": "EUR"})
    );
    assert_eq!(
        p["amountRemaining"],
        json!({"value": "10.00", "currency": "EUR"})
    );
    assert_eq!(
        p["settlementAmount"],
        json!({"value": "10.00", "currency": "EUR"})
    );
    assert_eq!(
        p["details"],
        json!({"consumerName": "T. TEST", "consumerAccount": "NL12RABO0995764688", "consumerBic": "TRIONL2U"})
    );
    assert!(p["_links"].get("checkout").is_none());
    assert!(p["_links"]["changePaymentState"]["href"]
        .as_str()
        .unwrap()
        .contains("/checkout/test-mode/"));

    // The API shows the same.
    let got = sb.get(&key, &format!("/v2/payments/{id}")).await.json();
    assert_eq!(got["status"], "paid");
    assert_eq!(got["paidAt"], p["paidAt"]);
}

#[tokio::test]
async fn final_statuses_cannot_change_and_bad_input_is_refused() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let id = sb.payment(&key, None, ideal(json!({}))).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = sb.set_status(&key, &id, json!({"status": "failed"})).await;
    assert_eq!(r.status, 200);
    assert!(r.json()["failedAt"].is_string());
    for to in ["paid", "open", "failed", "canceled"] {
        let r = sb.set_status(&key, &id, json!({"status": to})).await;
        assert_eq!(r.status, 422, "failed -> {to}: {}", r.text());
        let e = r.json();
        assert_eq!(e["title"], "Unprocessable Entity");
        assert!(e["detail"].as_str().unwrap().contains("failed"), "{e}");
    }
    let r = sb.set_status(&key, &id, json!({"status": "bogus"})).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["field"], "status");
    let r = sb.set_status(&key, &id, json!({})).await;
    assert_eq!(r.status, 422);
    let r = sb
        .set_status(&key, "tr_doesnotexist", json!({"status": "paid"}))
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json()["detail"],
        "No payment exists with token tr_doesnotexist."
    );
    // Another account does not see it.
    let r = sb
        .set_status(&random_key(), &id, json!({"status": "paid"}))
        .await;
    assert_eq!(r.status, 404);
    // No key at all.
    let r = sb
        .send(
            hyper::Method::POST,
            &format!("/_sandbox/payments/{id}/status"),
            None,
            Body::Json(json!({"status": "paid"})),
        )
        .await;
    assert_eq!(r.status, 401);
    // Authorized only where the method has an authorization step.
    let other = sb.payment(&key, None, ideal(json!({}))).await;
    let r = sb
        .set_status(
            &key,
            other["id"].as_str().unwrap(),
            json!({"status": "authorized"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
}

#[tokio::test]
async fn status_accepts_a_form_and_a_method_for_payments_without_one() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let mut body = ideal(json!({}));
    body.as_object_mut().unwrap().remove("method");
    let id = sb.payment(&key, None, body).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = sb
        .send(
            hyper::Method::POST,
            &format!("/_sandbox/payments/{id}/status"),
            Some(&key),
            Body::Form("status=paid&method=creditcard".into()),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let p = r.json();
    assert_eq!(p["method"], "creditcard");
    assert_eq!(p["details"]["cardNumber"], "6787");
    assert_eq!(p["details"]["cardHolder"], "T. TEST");
    // A method the payment was not offered is refused.
    let offered = sb
        .payment(
            &key,
            None,
            ideal(json!({"method": ["ideal", "bancontact"]})),
        )
        .await;
    assert!(offered["method"].is_null());
    let r = sb
        .set_status(
            &key,
            offered["id"].as_str().unwrap(),
            json!({"status": "paid", "method": "paypal"}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["field"], "method");
    let r = sb
        .set_status(
            &key,
            offered["id"].as_str().unwrap(),
            json!({"status": "paid"}),
        )
        .await;
    assert_eq!(
        r.json()["method"],
        "ideal",
        "the first offered method is the default"
    );
}

#[tokio::test]
async fn card_payments_fail_with_the_reason_of_their_test_amount() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let p = sb
        .payment(
            &key,
            None,
            ideal(
                json!({"method": "creditcard", "amount": {"value": "1007.00", "currency": "EUR"}}),
            ),
        )
        .await;
    let r = sb
        .set_status(&key, p["id"].as_str().unwrap(), json!({"status": "failed"}))
        .await;
    assert_eq!(
        r.json()["details"],
        json!({"failureReason": "insufficient_funds"})
    );
}

#[tokio::test]
async fn cancel_only_what_is_cancelable() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let open_ideal = sb.payment(&key, None, ideal(json!({}))).await;
    let r = sb
        .delete(
            &key,
            &format!("/v2/payments/{}", open_ideal["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(r.status, 422);
    let e = r.json();
    assert_eq!(e["detail"], "The payment cannot be cancelled");
    assert!(e.get("field").is_none());

    let transfer = sb
        .payment(&key, None, ideal(json!({"method": "banktransfer"})))
        .await;
    assert_eq!(transfer["isCancelable"], true);
    assert_eq!(transfer["details"]["bankName"], "Stichting Mollie Payments");
    let id = transfer["id"].as_str().unwrap();
    let r = sb.delete(&key, &format!("/v2/payments/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/hal+json"));
    let p = r.json();
    assert_eq!(p["status"], "canceled");
    assert!(p["canceledAt"].is_string());
    assert!(p.get("isCancelable").is_none() && p.get("expiresAt").is_none());
    assert!(p["_links"].get("checkout").is_none());
    assert!(p["_links"]["documentation"]["href"]
        .as_str()
        .unwrap()
        .ends_with("payments-api/cancel-payment"));
    // Twice: it is final now.
    let r = sb.delete(&key, &format!("/v2/payments/{id}")).await;
    assert_eq!(r.status, 422);
    let r = sb.delete(&key, "/v2/payments/tr_nope").await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn patch_changes_allowed_fields_and_refuses_the_rest() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let mut body = ideal(json!({}));
    body.as_object_mut().unwrap().remove("method");
    let p = sb.payment(&key, None, body).await;
    let id = p["id"].as_str().unwrap();
    let path = format!("/v2/payments/{id}");
    let r = sb
        .patch(
            &key,
            &path,
            json!({
                "description": "Order #2",
                "redirectUrl": "https://shop.example/new",
                "cancelUrl": "https://shop.example/cancel",
                "webhookUrl": "https://shop.example/hook",
                "metadata": {"order": 2},
                "locale": "nl_NL",
                "method": "bancontact",
                "restrictPaymentMethodsToCountry": "BE",
            }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let p = r.json();
    assert_eq!(p["description"], "Order #2");
    assert_eq!(p["redirectUrl"], "https://shop.example/new");
    assert_eq!(p["cancelUrl"], "https://shop.example/cancel");
    assert_eq!(p["webhookUrl"], "https://shop.example/hook");
    assert_eq!(p["metadata"], json!({"order": 2}));
    assert_eq!(p["locale"], "nl_NL");
    assert_eq!(p["method"], "bancontact");
    assert_eq!(p["restrictPaymentMethodsToCountry"], "BE");
    assert_eq!(p["status"], "open");
    assert!(p["_links"]["documentation"]["href"]
        .as_str()
        .unwrap()
        .ends_with("payments-api/update-payment"));

    // Unknown fields, bad values.
    let r = sb
        .patch(
            &key,
            &path,
            json!({"amount": {"value": "1.00", "currency": "EUR"}}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["field"], "amount");
    let r = sb.patch(&key, &path, json!({"locale": "xx_XX"})).await;
    assert_eq!(r.json()["detail"], "The locale is invalid");
    let r = sb
        .patch(&key, &path, json!({"redirectUrl": "not a url"}))
        .await;
    assert_eq!(r.json()["detail"], "The redirect URL is invalid");

    // A payment created with a method keeps it.
    let fixed = sb.payment(&key, None, ideal(json!({}))).await;
    let fixed_path = format!("/v2/payments/{}", fixed["id"].as_str().unwrap());
    let r = sb
        .patch(&key, &fixed_path, json!({"method": "creditcard"}))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["field"], "method");

    // Once final: redirect and cancel URLs, the method are locked; the rest is not.
    sb.set_status(&key, id, json!({"status": "paid"})).await;
    let r = sb
        .patch(
            &key,
            &path,
            json!({"redirectUrl": "https://shop.example/late"}),
        )
        .await;
    assert_eq!(r.status, 422);
    let e = r.json();
    assert_eq!(
        e["detail"],
        "The redirect URL cannot be updated when the payment is finalized"
    );
    assert_eq!(e["field"], "redirectUrl");
    let r = sb
        .patch(
            &key,
            &path,
            json!({"cancelUrl": "https://shop.example/late"}),
        )
        .await;
    assert_eq!(r.status, 422);
    let r = sb
        .patch(
            &key,
            &path,
            json!({"description": "Paid order", "metadata": null}),
        )
        .await;
    assert_eq!(r.status, 200);
    let p = r.json();
    assert_eq!(p["description"], "Paid order");
    assert!(p["metadata"].is_null());
    assert_eq!(p["status"], "paid");
    let r = sb
        .patch(&key, "/v2/payments/tr_nope", json!({"description": "x"}))
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn open_payments_expire_by_the_account_clock() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let p = sb.payment(&key, None, ideal(json!({}))).await;
    let id = p["id"].as_str().unwrap().to_owned();
    let paid = sb.payment(&key, None, ideal(json!({}))).await;
    let paid_id = paid["id"].as_str().unwrap();
    sb.set_status(&key, paid_id, json!({"status": "paid"}))
        .await;
    // Move this account's clock past the 15 minutes of an iDEAL payment.
    let account = sb
        .server
        .app
        .registry
        .get(&key, mollie_sandbox::store::Mode::Test, false);
    account.clock.advance(16 * 60);
    let p = sb
        .eventually(&key, &format!("/v2/payments/{id}"), |p| {
            p["status"] == "expired"
        })
        .await;
    // expiredAt is the expiry time itself, not when the sweep came by.
    let created =
        jiff::Timestamp::strptime("%Y-%m-%dT%H:%M:%S%:z", p["createdAt"].as_str().unwrap())
            .unwrap();
    let expired =
        jiff::Timestamp::strptime("%Y-%m-%dT%H:%M:%S%:z", p["expiredAt"].as_str().unwrap())
            .unwrap();
    assert_eq!(expired.as_second() - created.as_second(), 15 * 60);
    assert!(p.get("expiresAt").is_none() && p.get("isCancelable").is_none());
    assert!(p["_links"].get("checkout").is_none());
    // Paid stays paid.
    let again = sb
        .get(&key, &format!("/v2/payments/{paid_id}"))
        .await
        .json();
    assert_eq!(again["status"], "paid");
    // Another account's payment, on its own clock, did not move.
    let other = random_key();
    let q = sb.payment(&other, None, ideal(json!({}))).await;
    assert_eq!(
        mollie_sandbox::lifecycle::expire_due(
            &sb.server.app,
            &sb.server
                .app
                .registry
                .get(&other, mollie_sandbox::store::Mode::Test, false)
        ),
        0
    );
    let q = sb
        .get(
            &other,
            &format!("/v2/payments/{}", q["id"].as_str().unwrap()),
        )
        .await
        .json();
    assert_eq!(q["status"], "open");
}
