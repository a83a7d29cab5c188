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
    // A paid payment's page has no status left to choose, but offers a
    // chargeback, as Mollie's own test page does.
    let html = sb.send(Method::GET, &change, None, Body::None).await.text();
    assert!(!html.contains(r#"type="radio""#));
    assert!(html.contains(r#"name="status" value="chargeback""#));
    let done = post_form(&sb, &change, "status=chargeback").await;
    assert_eq!(done.status, 200);
    assert!(done.text().contains("Chargeback chb_"), "{}", done.text());
    let back = sb.get(&key, &format!("/v2/payments/{id}")).await.json();
    assert_eq!(back["amountChargedBack"], paid["amount"]);
    assert_eq!(back["amountRemaining"]["value"], "0.00");
    assert!(back["_links"]["chargebacks"]["href"].is_string());
    // Charged back in full: a second one is refused, and said so.
    let again = post_form(&sb, &change, "status=chargeback").await;
    assert!(again.text().contains("charged back in full already"));
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
    // The checkout link names the account (issue 9): taken from the API.
    let got = sb
        .get(&key, &format!("/v2/payments/tr_{bare}"))
        .await
        .json();
    let checkout = path_of(got["_links"]["checkout"]["href"].as_str().unwrap());
    let token = mollie_sandbox::page_link::token(&key);
    assert_eq!(
        checkout,
        format!("/checkout/select-issuer/ideal/{bare}?account={token}")
    );
    let page = sb.send(Method::GET, &checkout, None, Body::None).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Imported"));
    assert!(page.text().contains(r#"value="ideal_INGBNL2A""#));
    let r = post_form(
        &sb,
        &format!("/checkout/select-method/{bare}?account={token}"),
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

fn href(p: &Value) -> String {
    path_of(p["_links"]["checkout"]["href"].as_str().unwrap())
}

#[tokio::test]
async fn checkout_links_enter_where_mollies_do() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let cases = [
        (json!({}), "/checkout/select-method/"),
        (
            json!({"method": ["ideal", "paypal"]}),
            "/checkout/select-method/",
        ),
        (json!({"method": "ideal"}), "/checkout/select-issuer/ideal/"),
        (json!({"method": "kbc"}), "/checkout/select-issuer/kbc/"),
        (
            json!({"method": "giftcard"}),
            "/checkout/select-issuer/giftcard/",
        ),
        (
            json!({"method": "kbc", "issuer": "cbc"}),
            "/checkout/test-mode/",
        ),
        (
            json!({"method": "creditcard"}),
            "/checkout/credit-card/embedded/",
        ),
        (json!({"method": "paypal"}), "/checkout/test-mode/"),
    ];
    for (extra, want) in cases {
        let p = sb.payment(&key, None, body(extra.clone())).await;
        assert!(href(&p).starts_with(want), "{extra}: {}", href(&p));
    }
    // Mollie's own spelling of the status page's address works too.
    let p = sb
        .payment(&key, None, body(json!({"method": "paypal"})))
        .await;
    let bare = &p["id"].as_str().unwrap()[3..];
    let r = sb
        .send(
            Method::GET,
            &format!(
                "/checkout/test-mode?method=paypal&token={bare}&account={}",
                mollie_sandbox::page_link::token(&key)
            ),
            None,
            Body::None,
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r
        .text()
        .contains(r#"<input type="radio" name="status" value="paid""#));
}

#[tokio::test]
async fn the_method_list_follows_currency_amount_and_locale() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let sb = &sb;
    let page = |p: &Value| {
        let path = href(p);
        async move { sb.send(Method::GET, &path, None, Body::None).await.text() }
    };
    let eur = sb.payment(&key, None, body(json!({}))).await;
    let html = page(&eur).await;
    for label in [
        "iDEAL",
        "Credit/Debit Card",
        "Pay later",
        "Pay now",
        "Pay in 3",
        "BeautyCadeau",
    ] {
        assert!(html.contains(label), "{label}");
    }
    assert!(html.contains(r#"value="giftcard:beautycadeau""#));
    assert!(
        !html.contains(r#"class="button--link""#),
        "no way back from the list itself"
    );
    let usd = sb
        .payment(
            &key,
            None,
            body(json!({"amount": {"value": "10.00", "currency": "USD"}})),
        )
        .await;
    let html = page(&usd).await;
    assert!(html.contains("Credit/Debit Card") && html.contains("PayPal"));
    assert!(!html.contains("iDEAL"), "iDEAL takes euros only");
    // in3 starts at €5.00.
    let small = sb
        .payment(
            &key,
            None,
            body(json!({"amount": {"value": "1.00", "currency": "EUR"}})),
        )
        .await;
    assert!(!page(&small).await.contains("Pay in 3"));
    // A Belgian consumer sees Bancontact first, in Dutch.
    let be = sb
        .payment(&key, None, body(json!({"locale": "nl_BE"})))
        .await;
    let html = page(&be).await;
    let first = html.find(r#"class="item""#).unwrap();
    assert!(
        html[first..].starts_with(r#"class="item" type="submit" name="method" value="bancontact""#)
    );
    assert!(html.contains("Kies een betaalmethode"));
    assert!(html.contains(r#"<html lang="nl">"#));
    // The merchant's list, as given.
    let listed = sb
        .payment(&key, None, body(json!({"method": ["paypal", "ideal"]})))
        .await;
    let html = page(&listed).await;
    assert!(html.contains(r#"value="paypal""#) && html.contains(r#"value="ideal""#));
    assert!(!html.contains(r#"value="creditcard""#));
    // A method not offered is refused.
    let r = post_form(sb, &href(&listed), "method=creditcard").await;
    assert!(r.text().contains("That payment method is not offered."));
}

#[tokio::test]
async fn picking_a_method_then_failed_returns_to_the_list() {
    let sb = Sandbox::start().await;
    let rx = Receiver::start(vec![]).await;
    let key = random_key();
    let p = sb
        .payment(&key, None, body(json!({"webhookUrl": rx.url("/hook")})))
        .await;
    let id = p["id"].as_str().unwrap();
    let list = href(&p);
    let r = post_form(&sb, &list, "method=ideal").await;
    assert_eq!(r.status, 303);
    let issuers = r.header("location").unwrap().to_owned();
    assert!(
        issuers.starts_with("/checkout/select-issuer/ideal/"),
        "{issuers}"
    );
    let got = sb.get(&key, &format!("/v2/payments/{id}")).await.json();
    assert_eq!(
        got["method"], "ideal",
        "the choice is stored, as Mollie does"
    );
    // An issuer of another method is not on this list.
    let r = post_form(&sb, &issuers, "issuer=kbc").await;
    assert!(r.text().contains("That bank is not offered."));
    let r = post_form(&sb, &issuers, "issuer=ideal_ABNANL2A").await;
    let status_page = r.header("location").unwrap().to_owned();
    assert!(status_page.starts_with("/checkout/test-mode/"));
    let html = sb
        .send(Method::GET, &status_page, None, Body::None)
        .await
        .text();
    assert!(html.contains(r#"class="button--link""#), "the way back");
    assert_eq!(html.matches(r#"class="button""#).count(), 1);
    assert!(html.contains("ready to start processing iDEAL payments"));
    let r = post_form(&sb, &status_page, "status=failed").await;
    assert_eq!(r.status, 303);
    let back = r.header("location").unwrap();
    assert!(back.starts_with("/checkout/select-method/") && back.ends_with("&notice=failed"));
    assert!(back.contains("?account="), "the link keeps its account");
    let html = sb.send(Method::GET, back, None, Body::None).await.text();
    assert!(html.contains("The payment has failed."));
    let forged = back.replace("notice=failed", "notice=Call+us");
    let html = sb.send(Method::GET, &forged, None, Body::None).await.text();
    assert!(!html.contains("Call us") && !html.contains("Call+us"));
    let got = sb.get(&key, &format!("/v2/payments/{id}")).await.json();
    assert_eq!(got["status"], "open");
    assert!(rx.hits().is_empty(), "nothing to report while open");
    // Expired ends it even here.
    let r = post_form(&sb, &status_page, "status=expired").await;
    assert_eq!(
        r.header("location"),
        Some("https://shop.example/return?order=1")
    );
    let got = sb.get(&key, &format!("/v2/payments/{id}")).await.json();
    assert_eq!(got["status"], "expired");
}

#[tokio::test]
async fn the_status_page_speaks_four_languages() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let p = sb
        .payment(
            &key,
            None,
            body(json!({"method": "paypal", "locale": "de_DE"})),
        )
        .await;
    let page = href(&p);
    // The link carries its account (`?account=…`): a language is one more
    // parameter.
    assert!(page.contains("?account="));
    let text = |q: &'static str| {
        let path = format!("{page}{}", q.replacen('?', "&", 1));
        let sb = &sb;
        async move { sb.send(Method::GET, &path, None, Body::None).await.text() }
    };
    assert!(text("").await.contains("Weiter"), "the payment's locale");
    assert!(text("?locale=nl_NL").await.contains("Doorgaan"));
    assert!(text("?locale=fr_FR").await.contains("Continuer"));
    let en = text("?locale=en_US").await;
    assert!(en.contains("Continue") && en.contains(r#"<option value="en_US" selected>"#));
    assert!(en.contains(r#"<select id="select-locale" name="locale""#));
}

#[tokio::test]
async fn the_card_form_and_its_fields() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let p = sb
        .payment(&key, None, body(json!({"method": "creditcard"})))
        .await;
    let html = sb
        .send(Method::GET, &href(&p), None, Body::None)
        .await
        .text();
    for f in ["cardHolder", "cardNumber", "expiryDate", "verificationCode"] {
        assert!(
            html.contains(&format!(r#"<iframe name="{f}-input""#)),
            "{f}"
        );
        assert!(html.contains(&format!("mollie-component--{f}")));
        let field = sb
            .send(
                Method::GET,
                &format!("/checkout/components/{f}"),
                None,
                Body::None,
            )
            .await;
        assert_eq!(field.status, 200);
        assert!(field.text().contains(&format!(r#"<input id="{f}""#)));
    }
    assert!(html.contains(r#"id="submit-button""#));
    let r = sb
        .send(Method::GET, "/checkout/components/iban", None, Body::None)
        .await;
    assert_eq!(r.status, 404);
    let r = post_form(&sb, &href(&p), "").await;
    assert!(r
        .header("location")
        .unwrap()
        .starts_with("/checkout/test-mode/"));
}

#[tokio::test]
async fn ideal_without_the_issuer_screen() {
    let sb = Sandbox::with(mollie_sandbox::Config {
        no_ideal_issuer_screen: true,
        ..mollie_sandbox::Config::ephemeral()
    })
    .await;
    let key = random_key();
    let p = sb
        .payment(&key, None, body(json!({"method": "ideal"})))
        .await;
    let r = sb.send(Method::GET, &href(&p), None, Body::None).await;
    assert_eq!(r.status, 303);
    assert!(r
        .header("location")
        .unwrap()
        .starts_with("/checkout/test-mode/"));
    // KBC still asks.
    let p = sb.payment(&key, None, body(json!({"method": "kbc"}))).await;
    let r = sb.send(Method::GET, &href(&p), None, Body::None).await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains(r#"value="cbc""#));
}

#[tokio::test]
async fn manual_capture_offers_authorized_and_paid_offers_a_chargeback() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let p = sb
        .payment(
            &key,
            None,
            body(json!({"method": "creditcard", "captureMode": "manual"})),
        )
        .await;
    let bare = &p["id"].as_str().unwrap()[3..];
    let token = mollie_sandbox::page_link::token(&key);
    let status_page = format!("/checkout/test-mode/{bare}?account={token}");
    let html = sb
        .send(Method::GET, &status_page, None, Body::None)
        .await
        .text();
    assert!(html.contains(r#"value="authorized""#), "{html}");
    assert!(
        !html.contains(r#"value="paid""#),
        "a capture pays, not the consumer"
    );

    // A paid test payment: its final page charges it back.
    let p = sb
        .payment(&key, None, body(json!({"method": "paypal"})))
        .await;
    let id = p["id"].as_str().unwrap().to_owned();
    let status_page = format!("/checkout/test-mode/{}?account={token}", &id[3..]);
    let r = post_form(&sb, &status_page, "status=paid").await;
    assert_eq!(r.status, 303);
    let html = sb
        .send(Method::GET, &status_page, None, Body::None)
        .await
        .text();
    assert!(html.contains(r#"name="status" value="chargeback""#));
    assert!(html.contains("Sandbox Shop"), "the profile's name");
    let r = post_form(&sb, &status_page, "status=chargeback").await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains("Chargeback chb_"), "{}", r.text());
    let got = sb.get(&key, &format!("/v2/payments/{id}")).await.json();
    assert_eq!(got["amountChargedBack"]["value"], "12.50");

    // Without the link's token the page knows no account.
    let r = sb
        .send(
            Method::GET,
            &format!("/checkout/test-mode/{}", &id[3..]),
            None,
            Body::None,
        )
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn the_method_list_is_what_the_profile_enables_with_served_images() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let p = sb.payment(&key, None, body(json!({}))).await;
    let list = path_of(p["_links"]["checkout"]["href"].as_str().unwrap());
    let html = sb.send(Method::GET, &list, None, Body::None).await.text();
    assert!(!html.contains("SOFORT"), "off on a new profile");
    assert!(html.contains(r#"src="/external/icons/payment-methods/ideal.svg""#));
    assert!(html.contains(r#"src="/external/icons/giftcard-issuers/beautycadeau.svg""#));
    let img = sb
        .send(
            Method::GET,
            "/external/icons/giftcard-issuers/beautycadeau.svg",
            None,
            Body::None,
        )
        .await;
    assert_eq!(img.status, 200);
    let r = sb
        .send(
            Method::POST,
            "/v2/profiles/me/methods/sofort",
            Some(&key),
            Body::None,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let html = sb.send(Method::GET, &list, None, Body::None).await.text();
    assert!(html.contains(r#"value="sofort""#));
    // Disabled again: not on the list, and a post of it is refused.
    let r = sb
        .send(
            Method::DELETE,
            "/v2/profiles/me/methods/ideal",
            Some(&key),
            Body::None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    let html = sb.send(Method::GET, &list, None, Body::None).await.text();
    assert!(!html.contains(r#"value="ideal""#));
    let r = post_form(&sb, &list, "method=ideal").await;
    assert!(r.text().contains("That payment method is not offered."));
}
