//! Customer payments: create (the full create-payment validation), the new
//! payment's shape, GET /v2/payments/{id}, and the customer's payment list.

mod common;

use common::*;
use serde_json::{json, Value};

async fn setup() -> (Sandbox, Api, String) {
    let sb = start().await;
    let api = sb.api();
    let id = api.customer_id().await;
    (sb, api, id)
}

/// Creates a customer payment from the valid body changed by `patch`.
async fn create(api: &Api, customer: &str, patch: Value) -> Res {
    api.customer_payment(customer, &with(&payment_body(), patch))
        .await
}

#[tokio::test]
async fn new_payment_has_the_real_shape() {
    let (sb, api, cst) = setup().await;
    let before = now();
    let r = create(
        &api,
        &cst,
        json!({"webhookUrl": "https://example.org/webhook"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.content_type(), Some("application/hal+json"));
    let p = &r.json;
    assert_eq!(
        keys(p),
        [
            "resource",
            "id",
            "mode",
            "createdAt",
            "amount",
            "description",
            "method",
            "metadata",
            "status",
            "isCancelable",
            "expiresAt",
            "profileId",
            "customerId",
            "sequenceType",
            "redirectUrl",
            "webhookUrl",
            "_links"
        ]
    );
    assert_eq!(p["resource"], "payment");
    assert_id(&p["id"], "tr_");
    assert_eq!(p["mode"], "test");
    let created = datetime(&p["createdAt"]);
    assert!(created >= before - 1 && created <= now() + 1);
    assert_eq!(keys(&p["amount"]), ["value", "currency"]);
    assert_eq!(p["amount"], json!({"value": "10.00", "currency": "EUR"}));
    assert_eq!(p["description"], "Order #1");
    assert!(p["method"].is_null());
    assert!(p["metadata"].is_null());
    assert_eq!(p["status"], "open");
    assert_eq!(p["isCancelable"], false);
    assert_eq!(
        datetime(&p["expiresAt"]),
        created + 15 * 60,
        "expires 15 minutes after creation"
    );
    assert_id(&p["profileId"], "pfl_");
    assert_eq!(p["customerId"], cst.as_str());
    assert_eq!(p["sequenceType"], "oneoff");
    assert_eq!(p["redirectUrl"], "https://example.org/return");
    assert_eq!(p["webhookUrl"], "https://example.org/webhook");

    let id = s(&p["id"]);
    let bare = id.strip_prefix("tr_").unwrap();
    let links = &p["_links"];
    assert_eq!(
        keys(links),
        ["self", "checkout", "dashboard", "customer", "documentation"]
    );
    assert_link(
        &links["self"],
        &format!("{}/v2/payments/{id}", sb.url),
        "application/hal+json",
    );
    // Keyless pages name their account by an opaque token, not the key.
    let token = mollie_sandbox::page_link::token(&api.key);
    assert_link(
        &links["checkout"],
        &format!("{}/checkout/select-method/{bare}?account={token}", sb.url),
        "text/html",
    );
    assert_link(
        &links["dashboard"],
        &format!(
            "{}/_sandbox/dashboard/payments/{id}?account={token}",
            sb.url
        ),
        "text/html",
    );
    assert_link(
        &links["customer"],
        &format!("{}/v2/customers/{cst}", sb.url),
        "application/hal+json",
    );
    assert_link(
        &links["documentation"],
        &format!("{DOCS}customers-api/create-customer-payment"),
        "text/html",
    );
}

#[tokio::test]
async fn optional_fields_are_omitted_not_null() {
    let (_sb, api, cst) = setup().await;
    let p = create(&api, &cst, json!({})).await.json;
    for absent in [
        "locale",
        "countryCode",
        "cancelUrl",
        "webhookUrl",
        "mandateId",
        "subscriptionId",
        "details",
        "paidAt",
        "restrictPaymentMethodsToCountry",
        "settlementAmount",
        "amountRefunded",
    ] {
        assert!(p.get(absent).is_none(), "{absent} should be left out: {p}");
    }
    for null in ["method", "metadata"] {
        assert!(
            p.get(null).is_some_and(Value::is_null),
            "{null} should be null"
        );
    }
}

#[tokio::test]
async fn every_optional_field_sent_is_echoed_in_place() {
    let (_sb, api, cst) = setup().await;
    let r = create(
        &api,
        &cst,
        json!({
            "method": "ideal",
            "locale": "nl_NL",
            "cancelUrl": "https://example.org/cancel",
            "webhookUrl": "https://example.org/hook",
            "restrictPaymentMethodsToCountry": "NL",
            "metadata": {"order_id": "12345", "n": 3},
            "sequenceType": "first",
        }),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let p = &r.json;
    assert_eq!(
        keys(p),
        [
            "resource",
            "id",
            "mode",
            "createdAt",
            "amount",
            "description",
            "method",
            "metadata",
            "status",
            "isCancelable",
            "expiresAt",
            "locale",
            "restrictPaymentMethodsToCountry",
            "profileId",
            "customerId",
            "sequenceType",
            "redirectUrl",
            "cancelUrl",
            "webhookUrl",
            "_links"
        ]
    );
    assert_eq!(p["method"], "ideal");
    assert_eq!(p["locale"], "nl_NL");
    assert_eq!(p["sequenceType"], "first");
    assert_eq!(p["metadata"], json!({"order_id": "12345", "n": 3}));
    assert_eq!(keys(&p["metadata"]), ["order_id", "n"]);
    assert_eq!(p["restrictPaymentMethodsToCountry"], "NL");
}

#[tokio::test]
async fn get_payment_returns_it_with_its_own_documentation() {
    let (_sb, api, cst) = setup().await;
    let p = api.new_payment(&cst).await;
    let id = s(&p["id"]);
    let r = api.get(&format!("/v2/payments/{id}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type(), Some("application/hal+json"));
    assert_eq!(keys(&r.json), keys(&p));
    for k in keys(&p) {
        if k != "_links" {
            assert_eq!(r.json[k], p[k], "{k}");
        }
    }
    assert_link(
        &r.json["_links"]["documentation"],
        &format!("{DOCS}payments-api/get-payment"),
        "text/html",
    );
    assert_eq!(r.json["_links"]["checkout"], p["_links"]["checkout"]);
}

#[tokio::test]
async fn unknown_payment_is_404() {
    let sb = start().await;
    let api = sb.api();
    api.get("/v2/payments/tr_I_dont_exist").await.assert_error(
        404,
        "No payment exists with token tr_I_dont_exist.",
        None,
    );
    api.get("/v2/payments/tr_x?foo=1").await.assert_error(
        422,
        "Non-existent query parameter \"foo\" for this API call.",
        Some("foo"),
    );
}

#[tokio::test]
async fn customer_payment_list_is_newest_first_without_item_documentation() {
    let (sb, api, cst) = setup().await;
    let other = api.customer_id().await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(s(&api.new_payment(&cst).await["id"]).to_owned());
    }
    api.new_payment(&other).await;
    let r = api.get(&format!("/v2/customers/{cst}/payments")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(keys(&r.json), ["count", "_embedded", "_links"]);
    assert_eq!(r.json["count"], 3);
    let items = r.json["_embedded"]["payments"].as_array().unwrap();
    let got: Vec<&str> = items.iter().map(|p| s(&p["id"])).collect();
    ids.reverse();
    assert_eq!(got, ids);
    for item in items {
        assert_eq!(item["customerId"], cst.as_str());
        assert_eq!(
            keys(&item["_links"]),
            ["self", "checkout", "dashboard", "customer"]
        );
    }
    let links = &r.json["_links"];
    assert_eq!(keys(links), ["self", "previous", "next", "documentation"]);
    assert_link(
        &links["self"],
        &format!("{}/v2/customers/{cst}/payments", sb.url),
        "application/hal+json",
    );
    assert_link(
        &links["documentation"],
        &format!("{DOCS}customers-api/list-customer-payments"),
        "text/html",
    );
    assert!(links["previous"].is_null() && links["next"].is_null());

    let empty = api
        .get(&format!(
            "/v2/customers/{}/payments",
            api.customer_id().await
        ))
        .await;
    assert_eq!(empty.json["count"], 0);
    assert_eq!(empty.json["_embedded"]["payments"], json!([]));
}

#[tokio::test]
async fn recurring_without_a_mandate_is_422() {
    let (_sb, api, cst) = setup().await;
    let body = json!({
        "amount": {"value": "10.00", "currency": "EUR"},
        "description": "Monthly",
        "sequenceType": "recurring",
    });
    let r = api.customer_payment(&cst, &body).await;
    r.assert_error(422, "No suitable mandates found for customer", None);
    // Nothing was made.
    let list = api.get(&format!("/v2/customers/{cst}/payments")).await;
    assert_eq!(list.json["count"], 0);
}

// ---------------------------------------------------------------- amount

#[tokio::test]
async fn amount_needs_the_currency_decimals() {
    let (_sb, api, cst) = setup().await;
    for (value, currency) in [
        ("10.00", "EUR"),
        ("0.01", "USD"),
        ("1000", "JPY"),
        ("250", "ISK"),
        ("123456.78", "GBP"),
    ] {
        let r = create(
            &api,
            &cst,
            json!({"amount": {"value": value, "currency": currency}}),
        )
        .await;
        assert_eq!(r.status, 201, "{value} {currency}: {}", r.text);
        assert_eq!(
            r.json["amount"],
            json!({"value": value, "currency": currency}),
            "echoed exactly"
        );
    }
    for bad in [
        json!({"value": "16.1", "currency": "EUR"}),
        json!({"value": "10", "currency": "EUR"}),
        json!({"value": "10.000", "currency": "EUR"}),
        json!({"value": 10, "currency": "EUR"}),
        json!({"value": 10.5, "currency": "EUR"}),
        json!({"value": "1,000.00", "currency": "EUR"}),
        json!({"value": "-1.00", "currency": "EUR"}),
        json!({"value": "ten", "currency": "EUR"}),
        json!({"value": "1000.00", "currency": "JPY"}),
        json!({"value": "10.5", "currency": "JPY"}),
        json!({"currency": "EUR"}),
    ] {
        let r = create(&api, &cst, json!({ "amount": bad })).await;
        r.assert_error(
            422,
            "The amount contains an invalid value",
            Some("amount.value"),
        );
    }
}

#[tokio::test]
async fn amount_currency_must_be_known() {
    let (_sb, api, cst) = setup().await;
    for bad in ["XXX", "eur", "", "EURO"] {
        let r = create(
            &api,
            &cst,
            json!({"amount": {"value": "10.00", "currency": bad}}),
        )
        .await;
        r.assert_error(
            422,
            "The amount contains an invalid currency",
            Some("amount.currency"),
        );
    }
    let r = create(&api, &cst, json!({"amount": {"value": "10.00"}})).await;
    r.assert_error(
        422,
        "The amount does not contain a currency",
        Some("amount.currency"),
    );
}

#[tokio::test]
async fn amount_missing_is_the_first_error() {
    let (_sb, api, cst) = setup().await;
    let r = create(&api, &cst, json!({"amount": null})).await;
    r.assert_error(422, "The amount is required for payments", Some("amount"));
    let r = api.customer_payment(&cst, &json!({})).await;
    r.assert_error(422, "The amount is required for payments", Some("amount"));
    let r = api
        .post_form(&format!("/v2/customers/{cst}/payments"), "")
        .await;
    r.assert_error(422, "The amount is required for payments", Some("amount"));
}

#[tokio::test]
async fn amount_limits() {
    let (_sb, api, cst) = setup().await;
    let r = create(
        &api,
        &cst,
        json!({"amount": {"value": "0.00", "currency": "EUR"}}),
    )
    .await;
    r.assert_error(422, "The amount is lower than the minimum", Some("amount"));
    let r = create(
        &api,
        &cst,
        json!({"amount": {"value": "50000.01", "currency": "EUR"}, "method": "ideal"}),
    )
    .await;
    r.assert_error(422, "The amount is higher than the maximum", Some("amount"));
    let r = create(
        &api,
        &cst,
        json!({"amount": {"value": "50000.00", "currency": "EUR"}, "method": "ideal"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    // A first payment by card may be zero, to set up a mandate.
    let r = create(&api, &cst, json!({"amount": {"value": "0.00", "currency": "EUR"}, "method": "creditcard", "sequenceType": "first"})).await;
    assert_eq!(r.status, 201, "{}", r.text);
}

#[tokio::test]
async fn unknown_fields_inside_amount_are_422() {
    let (_sb, api, cst) = setup().await;
    let r = create(
        &api,
        &cst,
        json!({"amount": {"value": "10.00", "currency": "EUR", "cents": 1000}}),
    )
    .await;
    r.assert_error(
        422,
        "Non-existent body parameter \"amount.cents\" for this API call.",
        Some("amount.cents"),
    );
}

// ---------------------------------------------------------------- description

#[tokio::test]
async fn description_is_required() {
    let (_sb, api, cst) = setup().await;
    for patch in [
        json!({"description": null}),
        json!({"description": ""}),
        json!({"description": "   "}),
    ] {
        let r = create(&api, &cst, patch).await;
        r.assert_error(
            422,
            "The 'description' field is missing",
            Some("description"),
        );
    }
}

#[tokio::test]
async fn long_descriptions_are_cut_at_255_characters() {
    let (_sb, api, cst) = setup().await;
    let long = "é".repeat(300);
    let r = create(&api, &cst, json!({ "description": long })).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let got = s(&r.json["description"]);
    assert_eq!(got.chars().count(), 255);
    assert!(got.chars().all(|c| c == 'é'));
    let exact = "x".repeat(255);
    let r = create(&api, &cst, json!({ "description": exact })).await;
    assert_eq!(r.json["description"], exact);
}

// ---------------------------------------------------------------- urls

#[tokio::test]
async fn redirect_url_is_required_unless_recurring() {
    let (_sb, api, cst) = setup().await;
    for patch in [
        json!({"redirectUrl": null}),
        json!({"redirectUrl": "not a url"}),
        json!({"redirectUrl": "example.org/return"}),
        json!({"redirectUrl": "ftp://example.org/x"}),
        json!({"redirectUrl": 5}),
    ] {
        let r = create(&api, &cst, patch.clone()).await;
        r.assert_error(422, "The redirect URL is invalid", Some("redirectUrl"));
    }
    // Recurring may leave it out: the next check (the mandate) answers instead.
    let r = create(
        &api,
        &cst,
        json!({"redirectUrl": null, "sequenceType": "recurring"}),
    )
    .await;
    r.assert_error(422, "No suitable mandates found for customer", None);
}

#[tokio::test]
async fn localhost_urls_are_accepted() {
    let (_sb, api, cst) = setup().await;
    let r = create(
        &api,
        &cst,
        json!({
            "redirectUrl": "http://localhost:3000/return?order=1",
            "cancelUrl": "http://127.0.0.1/cancel",
            "webhookUrl": "http://localhost:3000/webhooks/mollie",
        }),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        r.json["redirectUrl"],
        "http://localhost:3000/return?order=1"
    );
    assert_eq!(
        r.json["webhookUrl"],
        "http://localhost:3000/webhooks/mollie"
    );
    assert_eq!(r.json["cancelUrl"], "http://127.0.0.1/cancel");
    // docker-compose service names too.
    let r = create(&api, &cst, json!({"webhookUrl": "http://app:8000/hook"})).await;
    assert_eq!(r.status, 201, "{}", r.text);
}

#[tokio::test]
async fn bad_webhook_and_cancel_urls_are_422() {
    let (_sb, api, cst) = setup().await;
    let r = create(&api, &cst, json!({"webhookUrl": "not a url"})).await;
    r.assert_error(422, "The webhook URL is invalid", Some("webhookUrl"));
    let r = create(&api, &cst, json!({"cancelUrl": "mailto:x@example.org"})).await;
    r.assert_error(422, "The cancel URL is invalid", Some("cancelUrl"));
}

// ---------------------------------------------------------------- sequenceType, method, locale, metadata

#[tokio::test]
async fn sequence_type_values() {
    let (_sb, api, cst) = setup().await;
    for st in ["oneoff", "first"] {
        let r = create(&api, &cst, json!({ "sequenceType": st })).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.json["sequenceType"], st);
    }
    let r = create(&api, &cst, json!({"sequenceType": "monthly"})).await;
    r.assert_error(422, "The sequence type is invalid", Some("sequenceType"));
}

#[tokio::test]
async fn method_as_one_id_or_a_list() {
    let (_sb, api, cst) = setup().await;
    let r = create(&api, &cst, json!({"method": "creditcard"})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["method"], "creditcard");
    // A card payment lives 30 minutes.
    assert_eq!(
        datetime(&r.json["expiresAt"]) - datetime(&r.json["createdAt"]),
        30 * 60
    );
    let r = create(&api, &cst, json!({"method": ["ideal", "creditcard"]})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(
        r.json["method"].is_null(),
        "a choice of methods leaves method null"
    );
    let r = create(&api, &cst, json!({"method": ["ideal"]})).await;
    assert_eq!(r.json["method"], "ideal");
    for bad in [
        json!("bitcoin"),
        json!(["ideal", "bitcoin"]),
        json!(7),
        json!("IDEAL"),
    ] {
        let r = create(&api, &cst, json!({ "method": bad })).await;
        r.assert_error(422, "The payment method is invalid", Some("method"));
    }
}

#[tokio::test]
async fn method_must_suit_the_sequence_type() {
    let (_sb, api, cst) = setup().await;
    let r = create(
        &api,
        &cst,
        json!({"method": "banktransfer", "sequenceType": "first"}),
    )
    .await;
    r.assert_error(422, "No suitable payment methods found", None);
    let r = create(
        &api,
        &cst,
        json!({"method": "ideal", "sequenceType": "recurring"}),
    )
    .await;
    r.assert_error(422, "No suitable payment methods found", None);
    let r = create(
        &api,
        &cst,
        json!({"method": "ideal", "sequenceType": "first"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
}

#[tokio::test]
async fn payment_locale_and_metadata() {
    let (_sb, api, cst) = setup().await;
    let r = create(&api, &cst, json!({"locale": "en_GB"})).await;
    assert_eq!(r.json["locale"], "en_GB");
    let r = create(&api, &cst, json!({"locale": "english"})).await;
    r.assert_error(422, "The locale is invalid", Some("locale"));
    for meta in [
        json!("s"),
        json!(1),
        json!(["1", "a"]),
        json!({"b": 1, "a": {"y": 2, "x": 1}}),
    ] {
        let r = create(&api, &cst, json!({ "metadata": meta })).await;
        assert_eq!(r.status, 201);
        assert_eq!(r.json["metadata"], meta);
    }
    let r = create(&api, &cst, json!({"metadata": {"b": 1, "a": 2}})).await;
    assert!(r.text.contains(r#""metadata":{"b":1,"a":2}"#), "{}", r.text);
    let r = create(&api, &cst, json!({"metadata": "m".repeat(1100)})).await;
    r.assert_error(
        422,
        "The metadata is too large. It may contain up to 1024 characters.",
        Some("metadata"),
    );
}

#[tokio::test]
async fn customer_id_in_the_body_is_unknown_on_the_customer_route() {
    let (_sb, api, cst) = setup().await;
    let r = create(&api, &cst, json!({"customerId": cst})).await;
    r.assert_error(
        422,
        "Non-existent body parameter \"customerId\" for this API call.",
        Some("customerId"),
    );
    let r = create(&api, &cst, json!({"foo": "bar"})).await;
    r.assert_error(
        422,
        "Non-existent body parameter \"foo\" for this API call.",
        Some("foo"),
    );
}

#[tokio::test]
async fn profile_id_is_stable_for_a_key() {
    let key = test_key();
    let a = start().await;
    let b = start().await;
    let cst_a = a.api_with(&key).customer_id().await;
    let cst_b = b.api_with(&key).customer_id().await;
    let pa = a.api_with(&key).new_payment(&cst_a).await;
    let pb = b.api_with(&key).new_payment(&cst_b).await;
    assert_id(&pa["profileId"], "pfl_");
    assert_eq!(
        pa["profileId"], pb["profileId"],
        "same key, same profile, across servers"
    );
    let other = a.api();
    let other_cst = other.customer_id().await;
    let other_payment = other.new_payment(&other_cst).await;
    assert_ne!(
        other_payment["profileId"], pa["profileId"],
        "another key, another profile"
    );
}
