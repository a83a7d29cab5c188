//! Every request field of the create-payment operation: accepted, checked
//! with Mollie's rules, rendered where the API shows it, changed by PATCH
//! where the API allows it, and kept by the state export and import.

mod support;

use hyper::Method;
use serde_json::{json, Value};
use support::{random_key, Body, Sandbox};

fn base(extra: Value) -> Value {
    let mut body = json!({
        "amount": {"value": "121.00", "currency": "EUR"},
        "description": "Order 12",
        "redirectUrl": "https://shop.example/return",
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

fn eur(v: &str) -> Value {
    json!({"value": v, "currency": "EUR"})
}

fn address() -> Value {
    json!({
        "title": "Dhr.", "givenName": "Piet", "familyName": "Mondriaan",
        "streetAndNumber": "Keizersgracht 313", "postalCode": "1234AB", "city": "Amsterdam",
        "region": "Noord-Holland", "country": "NL",
        "email": "piet@mondriaan.com", "phone": "+31309202070",
    })
}

fn lines() -> Value {
    json!([
        {"type": "physical", "description": "LEGO 4440 Forest Police Station", "quantity": 2,
         "quantityUnit": "pcs", "unitPrice": eur("60.00"), "discountAmount": eur("10.00"),
         "totalAmount": eur("110.00"), "vatRate": "21.00", "vatAmount": eur("19.09"),
         "sku": "5702016116977", "categories": ["gift"],
         "imageUrl": "https://shop.example/lego.jpg", "productUrl": "https://shop.example/lego"},
        {"type": "shipping_fee", "description": "Shipping", "quantity": 1,
         "unitPrice": eur("11.00"), "totalAmount": eur("11.00")},
    ])
}

async fn refused(sb: &Sandbox, key: &str, body: Value) -> (String, String) {
    let r = sb.post(key, "/v2/payments", body).await;
    assert_eq!(r.status, 422, "{}", r.text());
    let j = r.json();
    (
        j["field"].as_str().unwrap_or("").to_owned(),
        j["detail"].as_str().unwrap_or("").to_owned(),
    )
}

#[tokio::test]
async fn lines_and_addresses_are_rendered_after_the_amount() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let mut shipping = address();
    shipping["streetAdditional"] = json!("4th floor");
    let r = sb
        .post(
            &key,
            "/v2/payments",
            base(json!({
                "lines": lines(),
                "billingAddress": address(),
                "shippingAddress": shipping,
            })),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let p = r.json();
    let keys: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
    let at = |k: &str| keys.iter().position(|x| *x == k).unwrap();
    assert_eq!(at("billingAddress"), at("amount") + 1);
    assert_eq!(at("shippingAddress"), at("amount") + 2);
    assert_eq!(at("lines"), at("amount") + 3);
    assert_eq!(at("description"), at("amount") + 4);
    // Address keys in Mollie's order, whatever order they were sent in.
    let billing: Vec<&str> = p["billingAddress"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        billing,
        [
            "streetAndNumber",
            "city",
            "region",
            "postalCode",
            "country",
            "title",
            "givenName",
            "familyName",
            "email",
            "phone"
        ]
    );
    assert_eq!(p["shippingAddress"]["streetAdditional"], "4th floor");
    let line = &p["lines"][0];
    assert_eq!(line["type"], "physical");
    assert_eq!(line["quantity"], 2);
    assert_eq!(line["vatAmount"], eur("19.09"));
    assert_eq!(line["productUrl"], "https://shop.example/lego");
    assert_eq!(p["lines"][1]["type"], "shipping_fee");
    // A line without a type is physical.
    let r = sb
        .post(
            &key,
            "/v2/payments",
            base(json!({"amount": eur("5.00"), "lines": [
                {"description": "Pen", "quantity": 1, "unitPrice": eur("5.00"), "totalAmount": eur("5.00")}
            ]})),
        )
        .await;
    assert_eq!(r.json()["lines"][0]["type"], "physical");
    // GET shows the same.
    let id = p["id"].as_str().unwrap();
    let got = sb.get(&key, &format!("/v2/payments/{id}")).await.json();
    assert_eq!(got["lines"], p["lines"]);
    assert_eq!(got["billingAddress"], p["billingAddress"]);
}

#[tokio::test]
async fn lines_are_checked_against_each_other_and_the_amount() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let with = |f: &dyn Fn(&mut Value)| {
        let mut l = lines();
        f(&mut l);
        base(json!({ "lines": l }))
    };
    let cases: Vec<(Value, &str)> = vec![
        (
            with(&|l| l[0]["vatAmount"] = eur("19.08")),
            "lines.0.vatAmount",
        ),
        (
            with(&|l| l[0]["totalAmount"] = eur("120.00")),
            "lines.0.totalAmount",
        ),
        (with(&|l| l[1]["quantity"] = json!(0)), "lines.1.quantity"),
        (
            with(&|l| {
                l[1].as_object_mut().unwrap().remove("description");
            }),
            "lines.1.description",
        ),
        (with(&|l| l[1]["type"] = json!("tip")), "lines.1.type"),
        (
            with(&|l| l[1]["unitPrice"] = json!({"value": "11.00", "currency": "USD"})),
            "lines.1.unitPrice.currency",
        ),
        (
            with(&|l| l[0]["sku"] = json!("x".repeat(65))),
            "lines.0.sku",
        ),
        (
            with(&|l| l[0]["categories"] = json!(["toys"])),
            "lines.0.categories",
        ),
        (with(&|l| l[0]["colour"] = json!("red")), "lines.0.colour"),
        (
            with(&|l| {
                l[1]["unitPrice"] = eur("12.00");
                l[1]["totalAmount"] = eur("12.00");
            }),
            "amount",
        ),
    ];
    for (body, field) in cases {
        let (got, detail) = refused(&sb, &key, body).await;
        assert_eq!(got, field, "{detail}");
    }
    // A discount line is negative, and then adds up.
    let r = sb
        .post(
            &key,
            "/v2/payments",
            base(json!({"amount": eur("90.00"), "lines": [
                {"description": "Bike", "quantity": 1, "unitPrice": eur("100.00"), "totalAmount": eur("100.00")},
                {"type": "discount", "description": "Voucher", "quantity": 1,
                 "unitPrice": eur("-10.00"), "totalAmount": eur("-10.00")},
            ]})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["lines"][1]["unitPrice"], eur("-10.00"));
}

#[tokio::test]
async fn addresses_and_write_only_fields_are_checked() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let mut bad_country = address();
    bad_country["country"] = json!("nl");
    let mut bad_phone = address();
    bad_phone["phone"] = json!("0612345678");
    let mut unknown = address();
    unknown["nickname"] = json!("P");
    let cases = vec![
        (
            json!({"billingAddress": bad_country}),
            "billingAddress.country",
        ),
        (
            json!({"shippingAddress": bad_phone}),
            "shippingAddress.phone",
        ),
        (
            json!({"billingAddress": unknown}),
            "billingAddress.nickname",
        ),
        (
            json!({"billingAddress": {"city": "Amsterdam"}}),
            "billingAddress",
        ),
        (json!({"method": "ideal", "issuer": "ideal_NOPE"}), "issuer"),
        (
            json!({"method": "banktransfer", "dueDate": "2000-01-01"}),
            "dueDate",
        ),
        (json!({"billingEmail": "not-an-email"}), "billingEmail"),
        (
            json!({"consumerDateOfBirth": "2999-01-01"}),
            "consumerDateOfBirth",
        ),
        (
            json!({"method": "creditcard", "storeCredentials": "yes"}),
            "storeCredentials",
        ),
        (
            json!({"method": "ideal", "storeCredentials": true}),
            "storeCredentials",
        ),
        (json!({"terminalId": "x123"}), "terminalId"),
        (json!({"company": {"name": "ACME"}}), "company.name"),
        (json!({"extraMerchantData": "x"}), "extraMerchantData"),
        (
            json!({"applicationFee": {"amount": eur("1.00")}}),
            "applicationFee.description",
        ),
        (
            json!({"routing": [{"amount": eur("1.00"), "destination": {"type": "organization", "organizationId": "x"}}]}),
            "routing.0.destination",
        ),
        (json!({"favouriteColour": "red"}), "favouriteColour"),
    ];
    for (extra, field) in cases {
        let (got, detail) = refused(&sb, &key, base(extra.clone())).await;
        assert_eq!(got, field, "{extra}: {detail}");
    }
}

/// A due date 30 days ahead (the API takes tomorrow up to 101 days ahead).
fn due() -> jiff::civil::Date {
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    today.checked_add(jiff::Span::new().days(30)).unwrap()
}

/// Every write-only field in one payment, accepted and kept.
fn everything() -> Value {
    base(json!({
        "method": "banktransfer",
        "lines": lines(),
        "billingAddress": address(),
        "shippingAddress": address(),
        "company": {"registrationNumber": "12345678", "vatNumber": "NL123456789B01", "entityType": "limited-company"},
        "dueDate": due().to_string(),
        "billingEmail": "piet@mondriaan.com",
        "consumerDateOfBirth": "1990-05-17",
        "extraMerchantData": {"customer_account_info": [{"unique_account_identifier": "42"}]},
        "sessionId": "pp-session-1",
        "digitalGoods": true,
        "voucherNumber": "1234567890",
        "voucherPin": "1234",
        "terminalId": "term_7MgL4wea46qkRcoTZjWEH",
        "customerReference": "ref-1",
        "applePayPaymentToken": "{\"paymentData\": {}}",
        "googlePayPaymentToken": "{}",
        "applicationFee": {"amount": eur("1.00"), "description": "Platform fee"},
        "routing": [{"amount": eur("5.00"), "destination": {"type": "organization", "organizationId": "org_1234567"}, "releaseDate": "2099-02-01"}],
    }))
}

#[tokio::test]
async fn write_only_fields_are_accepted_but_not_shown() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let r = sb.post(&key, "/v2/payments", everything()).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let p = r.json();
    for hidden in [
        "company",
        "dueDate",
        "billingEmail",
        "consumerDateOfBirth",
        "extraMerchantData",
        "sessionId",
        "digitalGoods",
        "voucherNumber",
        "voucherPin",
        "terminalId",
        "customerReference",
        "applePayPaymentToken",
        "issuer",
    ] {
        assert!(p.get(hidden).is_none(), "{hidden} is write-only");
    }
    assert_eq!(
        p["applicationFee"],
        json!({"amount": eur("1.00"), "description": "Platform fee"})
    );
    assert_eq!(
        p["routing"][0]["destination"]["organizationId"],
        "org_1234567"
    );
    // A bank transfer with a due date waits until the end of that day.
    assert_eq!(
        p["expiresAt"],
        format!("{}T00:00:00+00:00", due().tomorrow().unwrap())
    );
    // The same as a form, brackets and all.
    let form = "amount[value]=10.00&amount[currency]=EUR&description=Form&redirectUrl=https%3A%2F%2Fshop.example%2F\
&lines[0][description]=Pen&lines[0][quantity]=2&lines[0][unitPrice][value]=5.00&lines[0][unitPrice][currency]=EUR\
&lines[0][totalAmount][value]=10.00&lines[0][totalAmount][currency]=EUR&digitalGoods=true&billingEmail=a%40b.nl";
    let r = sb
        .send(
            Method::POST,
            "/v2/payments",
            Some(&key),
            Body::Form(form.into()),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["lines"][0]["quantity"], 2);
}

#[tokio::test]
async fn patch_changes_what_the_api_lets_one_change() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let p = sb
        .payment(&key, None, base(json!({"method": "ideal"})))
        .await;
    let id = p["id"].as_str().unwrap();
    let checkout = p["_links"]["checkout"]["href"].as_str().unwrap().to_owned();
    assert!(
        checkout.contains("/checkout/select-issuer/ideal/"),
        "{checkout}"
    );
    let r = sb
        .patch(
            &key,
            &format!("/v2/payments/{id}"),
            json!({
                "issuer": "ideal_INGBNL2A",
                "billingEmail": "new@example.org",
                "billingAddress": address(),
                "shippingAddress": {"email": "ship@example.org"},
                "restrictPaymentMethodsToCountry": "NL",
                "cancelUrl": "https://shop.example/cancel",
            }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let p = r.json();
    assert_eq!(p["billingAddress"]["city"], "Amsterdam");
    assert_eq!(p["shippingAddress"], json!({"email": "ship@example.org"}));
    assert_eq!(p["restrictPaymentMethodsToCountry"], "NL");
    assert_eq!(p["cancelUrl"], "https://shop.example/cancel");
    // The issuer is known now: the checkout skips the bank list.
    let href = p["_links"]["checkout"]["href"].as_str().unwrap();
    assert!(href.contains("/checkout/test-mode/"), "{href}");
    // An issuer of another method is refused, and nothing changes.
    let r = sb
        .patch(
            &key,
            &format!("/v2/payments/{id}"),
            json!({"issuer": "kbc", "description": "changed"}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["field"], "issuer");
    let got = sb.get(&key, &format!("/v2/payments/{id}")).await.json();
    assert_eq!(got["description"], "Order 12");
    // null clears an address.
    let r = sb
        .patch(
            &key,
            &format!("/v2/payments/{id}"),
            json!({"shippingAddress": null}),
        )
        .await;
    assert!(r.json().get("shippingAddress").is_none());
    // Lines cannot be changed by PATCH.
    let r = sb
        .patch(&key, &format!("/v2/payments/{id}"), json!({"lines": []}))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["field"], "lines");
}

#[tokio::test]
async fn every_field_survives_the_state_export() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let r = sb.post(&key, "/v2/payments", everything()).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let state = sb
        .send(Method::GET, "/_sandbox/state", Some(&key), Body::None)
        .await
        .json();
    let exported = &state["accounts"][&key]["payments"][0];
    assert_eq!(exported["voucherPin"], "1234");
    assert_eq!(exported["dueDate"], due().to_string());
    assert_eq!(exported["company"]["vatNumber"], "NL123456789B01");
    // Into another account, and out again the same.
    let other = random_key();
    let r = sb
        .send(
            Method::PUT,
            "/_sandbox/state",
            Some(&other),
            Body::Json(state.clone()),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let again = sb
        .send(Method::GET, "/_sandbox/state", Some(&other), Body::None)
        .await
        .json();
    assert_eq!(
        again["accounts"][&other]["payments"],
        state["accounts"][&key]["payments"]
    );
    let a = sb.get(&key, &format!("/v2/payments/{id}")).await.json();
    let b = sb.get(&other, &format!("/v2/payments/{id}")).await.json();
    assert_eq!(a["lines"], b["lines"]);
    assert_eq!(a["routing"], b["routing"]);
}

#[tokio::test]
async fn include_details_qr_code_for_the_methods_that_have_one() {
    let sb = Sandbox::start().await;
    let key = random_key();
    for method in ["ideal", "bancontact", "banktransfer"] {
        let r = sb
            .post(
                &key,
                "/v2/payments?include=details.qrCode",
                base(json!({ "method": method })),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        let p = r.json();
        let qr = &p["details"]["qrCode"];
        assert!(qr["width"].as_u64().unwrap() >= 180, "{method}: {qr}");
        assert_eq!(qr["height"], qr["width"]);
        assert!(qr["src"]
            .as_str()
            .unwrap()
            .starts_with("data:image/svg+xml,%3C"));
        let keys: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.last(), Some(&"_links"), "{method}");
        if method == "banktransfer" {
            assert_eq!(p["details"]["bankName"], "Stichting Mollie Payments");
        }
        // Only when asked for.
        let id = p["id"].as_str().unwrap();
        let plain = sb.get(&key, &format!("/v2/payments/{id}")).await.json();
        assert!(plain["details"].get("qrCode").is_none());
        let again = sb
            .get(&key, &format!("/v2/payments/{id}?include=details.qrCode"))
            .await
            .json();
        assert_eq!(again["details"]["qrCode"]["src"], qr["src"]);
    }
    // A card payment has none.
    let r = sb
        .post(
            &key,
            "/v2/payments?include=details.qrCode",
            base(json!({"method": "creditcard"})),
        )
        .await;
    assert!(r.json().get("details").is_none(), "{}", r.text());
}
