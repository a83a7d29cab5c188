//! The test-mode checkout pages, over plain HTTP as a browser without
//! JavaScript uses them: the page, the form post, the redirect.

mod support;

use hyper::Method;
use serde_json::{json, Value};
use support::{random_key, Body, Receiver, Sandbox};

fn body(extra: Value) -> Value {
    let mut body = json!({
        "amount": {"value": "12.50", "currency": "EUR"},
        "description": "Order <script>alert(1)</script> & \"more\"",
        "redirectUrl": "https://shop.example/return?order=1",
        "cancelUrl": "https://shop.example/cancelled",
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

fn path_of(href: &str) -> String {
    let rest = href.split_once("://").unwrap().1;
    rest[rest.find('/').unwrap()..].to_owned()
}

async fn post_form(sb: &Sandbox, path: &str, form: &str) -> support::Reply {
    sb.send(Method::POST, path, None, Body::Form(form.into()))
        .await
}

#[tokio::test]
async fn the_page_shows_the_payment_escaped_and_offers_the_outcomes() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let p = sb
        .payment(
            &key,
            None,
            body(json!({"method": "ideal", "issuer": "ideal_INGBNL2A"})),
        )
        .await;
    let href = p["_links"]["checkout"]["href"].as_str().unwrap();
    assert!(
        href.contains("/checkout/test-mode/"),
        "issuer given: {href}"
    );
    let page = sb
        .send(
            Method::GET,
            &path_of(p["_links"]["checkout"]["href"].as_str().unwrap()),
            None,
            Body::None,
        )
        .await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let html = page.text();
    assert!(html.contains("€12.50"), "amount shown");
    assert!(
        html.contains("Order &lt;script&gt;alert(1)&lt;/script&gt; &amp; \"more\""),
        "{html}"
    );
    assert!(
        !html.contains("<script"),
        "nothing unescaped, no script needed"
    );
    assert!(html.contains("Note: this is a testmode payment."));
    assert!(html.contains("iDEAL"));
    for status in ["open", "paid", "failed", "canceled", "expired"] {
        assert!(
            html.contains(&format!(r#"value="{status}""#)),
            "{status} offered"
        );
    }
    assert!(
        !html.contains(r#"value="authorized""#),
        "iDEAL has no authorization"
    );
    assert!(html.contains(r#"<form method="post""#));
}

#[tokio::test]
async fn choosing_paid_redirects_to_the_shop_and_calls_the_webhook() {
    let sb = Sandbox::start().await;
    let rx = Receiver::start(vec![]).await;
    let key = random_key();
    let p = sb
        .payment(&key, None, body(json!({"webhookUrl": rx.url("/hook")})))
        .await;
    let id = p["id"].as_str().unwrap();
    let checkout = path_of(p["_links"]["checkout"]["href"].as_str().unwrap());
    let page = sb
        .send(Method::GET, &checkout, None, Body::None)
        .await
        .text();
    assert!(
        page.contains(r#"name="method" value="creditcard""#),
        "a method to choose"
    );
    let r = post_form(&sb, &checkout, "method=creditcard&status=paid").await;
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("location"),
        Some("https://shop.example/return?order=1")
    );
    let paid = sb.get(&key, &format!("/v2/payments/{id}")).await.json();
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["method"], "creditcard");
    let hits = rx.wait_for(1).await;
    assert_eq!(hits[0].body, format!("id={id}"));
    // Coming back to the checkout of a paid payment goes on to the shop.
    let again = sb.send(Method::GET, &checkout, None, Body::None).await;
    assert_eq!(again.status, 303);
    // Posting again cannot change a final status.
    let r = post_form(&sb, &checkout, "status=failed").await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("paid"));
    assert_eq!(
        sb.get(&key, &format!("/v2/payments/{id}")).await.json()["status"],
        "paid"
    );
}

#[tokio::test]
async fn canceled_goes_to_the_cancel_url_and_open_changes_nothing() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let p = sb
        .payment(&key, None, body(json!({"method": "paypal"})))
        .await;
    let checkout = path_of(p["_links"]["checkout"]["href"].as_str().unwrap());
    let r = post_form(&sb, &checkout, "status=open").await;
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("location"),
        Some("https://shop.example/return?order=1")
    );
    let id = p["id"].as_str().unwrap();
    assert_eq!(
        sb.get(&key, &format!("/v2/payments/{id}")).await.json()["status"],
        "open"
    );
    let r = post_form(&sb, &checkout, "status=canceled").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("https://shop.example/cancelled"));
    assert_eq!(
        sb.get(&key, &format!("/v2/payments/{id}")).await.json()["status"],
        "canceled"
    );

    // Without a cancelUrl, Canceled goes to the redirectUrl.
    let mut plain = body(json!({"method": "paypal"}));
    plain.as_object_mut().unwrap().remove("cancelUrl");
    let p = sb.payment(&key, None, plain).await;
    let checkout = path_of(p["_links"]["checkout"]["href"].as_str().unwrap());
    let r = post_form(&sb, &checkout, "status=canceled").await;
    assert_eq!(
        r.header("location"),
        Some("https://shop.example/return?order=1")
    );
}

#[tokio::test]
async fn bad_posts_and_unknown_payments_get_pages() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let p = sb.payment(&key, None, body(json!({}))).await;
    let checkout = path_of(p["_links"]["checkout"]["href"].as_str().unwrap());
    // Nothing chosen: the page again, with a notice.
    let r = post_form(&sb, &checkout, "").await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains("Choose a payment method"));
    let fixed = sb
        .payment(&key, None, body(json!({"method": "paypal"})))
        .await;
    let status_page = path_of(fixed["_links"]["checkout"]["href"].as_str().unwrap());
    assert!(status_page.starts_with("/checkout/test-mode/"));
    let r = post_form(&sb, &status_page, "").await;
    assert!(r.text().contains("Choose the status"));
    let r = post_form(&sb, &checkout, "status=paid&method=nonsense").await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains("Choose a payment method"));
    let id = p["id"].as_str().unwrap();
    assert_eq!(
        sb.get(&key, &format!("/v2/payments/{id}")).await.json()["status"],
        "open"
    );
    let r = sb
        .send(
            Method::GET,
            "/checkout/select-method/DoesNotExist",
            None,
            Body::None,
        )
        .await;
    assert_eq!(r.status, 404);
    assert!(r
        .text()
        .contains("No payment exists with token tr_DoesNotExist."));
    let r = sb
        .send(
            Method::GET,
            "/checkout/select-method/bad%3Cid",
            None,
            Body::None,
        )
        .await;
    assert_eq!(r.status, 404);
    assert!(!r.text().contains("<id"));
    let r = sb.send(Method::PUT, &checkout, None, Body::None).await;
    assert_eq!(r.status, 405);
}

#[tokio::test]
async fn change_payment_state_for_recurring_and_paid_payments() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let cst = sb.customer(&key).await;
    sb.post(
        &key,
        &format!("/v2/customers/{cst}/mandates"),
        json!({"method": "directdebit", "consumerName": "J", "consumerAccount": "NL55INGB0000000000"}),
    )
    .await;
    let r = sb
        .payment(
            &key,
            Some(&cst),
            json!({"amount": {"value": "5.00", "currency": "EUR"}, "description": "Monthly", "sequenceType": "recurring"}),
        )
        .await;
    assert_eq!(r["status"], "pending");
    let change = path_of(r["_links"]["changePaymentState"]["href"].as_str().unwrap());
    assert!(change.starts_with("/checkout/test-mode/"));
    let html = sb.send(Method::GET, &change, None, Body::None).await.text();
    assert!(html.contains(r#"value="pending""#) && !html.contains(r#"value="open""#));
    assert!(html.contains("SEPA Direct Debit"));
    // No redirectUrl: the page itself says what happened.
    let done = post_form(&sb, &change, "status=paid").await;
    assert_eq!(done.status, 200);
    assert!(done.text().contains("The payment is paid now."));
    let id = r["id"].as_str().unwrap();
    let paid = sb.get(&key, &format!("/v2/payments/{id}")).await.json();
    assert_eq!(paid["status"], "paid");
    // A paid payment's page explains there is nothing more to choose.
    let html = sb.send(Method::GET, &change, None, Body::None).await.text();
    assert!(html.contains("Refunds and chargebacks cannot be simulated"));
    assert!(!html.contains(r#"type="radio""#));
}

#[tokio::test]
async fn pay_later_methods_offer_authorized() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let p = sb
        .payment(&key, None, body(json!({"method": "klarna"})))
        .await;
    let checkout = path_of(p["_links"]["checkout"]["href"].as_str().unwrap());
    let html = sb
        .send(Method::GET, &checkout, None, Body::None)
        .await
        .text();
    assert!(html.contains(r#"value="authorized""#));
    let r = post_form(&sb, &checkout, "status=authorized").await;
    assert_eq!(r.status, 303);
    let got = sb
        .get(&key, &format!("/v2/payments/{}", p["id"].as_str().unwrap()))
        .await
        .json();
    assert_eq!(got["status"], "authorized");
    assert!(got["authorizedAt"].is_string());
}

#[tokio::test]
async fn payments_loaded_through_the_state_api_have_a_checkout() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let bare = format!("Imp{}", &key[5..15]);
    let state = json!({"accounts": {key.clone(): {"payments": [{
        "id": format!("tr_{bare}"),
        "amount": {"value": "3.00", "currency": "EUR"},
        "description": "Imported",
        "method": "ideal",
        "redirectUrl": "https://shop.example/imported",
    }]}}});
    let r = sb
        .send(
            Method::PUT,
            "/_sandbox/state",
            Some(&key),
            Body::Json(state),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let page = sb
        .send(
            Method::GET,
            &format!("/checkout/select-issuer/ideal/{bare}"),
            None,
            Body::None,
        )
        .await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Imported"));
    assert!(page.text().contains(r#"value="ideal_INGBNL2A""#));
    let r = post_form(
        &sb,
        &format!("/checkout/select-method/{bare}"),
        "status=paid",
    )
    .await;
    assert_eq!(r.header("location"), Some("https://shop.example/imported"));
    let p = sb
        .get(&key, &format!("/v2/payments/tr_{bare}"))
        .await
        .json();
    assert_eq!(p["status"], "paid");
}
