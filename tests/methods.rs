//! The Methods API over HTTP: every filter and include, locales, limits per
//! currency, statuses, the images the sandbox serves, and errors.

mod common;

use common::*;
use serde_json::{json, Value};

fn ids(r: &Res) -> Vec<String> {
    assert_eq!(r.status, 200, "{}", r.text);
    let items = r.json["_embedded"]["methods"].as_array().unwrap();
    assert_eq!(r.json["count"], items.len(), "count matches _embedded");
    items
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect()
}

fn method<'a>(r: &'a Res, id: &str) -> &'a Value {
    r.json["_embedded"]["methods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in {}", r.text))
}

/// What a new test account lists without filters: the enabled methods for
/// euro payments, no pay-later (orders only), no wallets.
const DEFAULT: &[&str] = &[
    "ideal",
    "creditcard",
    "paypal",
    "banktransfer",
    "bancontact",
    "eps",
    "przelewy24",
    "kbc",
    "belfius",
    "directdebit",
    "giftcard",
    "mybank",
    "trustly",
    "satispay",
    "bancomatpay",
    "paysafecard",
];

#[tokio::test]
async fn the_list_has_mollies_shape() {
    let sb = start().await;
    let api = sb.api();
    let r = api.get("/v2/methods").await;
    assert_eq!(r.content_type(), Some("application/hal+json"));
    assert_eq!(ids(&r), DEFAULT);
    assert_eq!(keys(&r.json), ["count", "_embedded", "_links"]);
    assert_link(
        &r.json["_links"]["self"],
        &format!("{}/v2/methods", sb.url),
        "application/hal+json",
    );
    assert_link(
        &r.json["_links"]["documentation"],
        "https://docs.mollie.com/reference/v2/methods-api/list-methods",
        "text/html",
    );
    let ideal = method(&r, "ideal");
    assert_eq!(
        keys(ideal),
        [
            "resource",
            "id",
            "description",
            "minimumAmount",
            "maximumAmount",
            "image",
            "status",
            "_links"
        ]
    );
    assert_eq!(ideal["resource"], "method");
    assert_eq!(ideal["description"], "iDEAL");
    assert_eq!(
        ideal["minimumAmount"],
        json!({"value": "0.01", "currency": "EUR"})
    );
    assert_eq!(
        ideal["maximumAmount"],
        json!({"value": "50000.00", "currency": "EUR"})
    );
    assert_eq!(ideal["status"], "activated");
    assert_eq!(
        ideal["image"],
        json!({
            "size1x": format!("{}/external/icons/payment-methods/ideal.png", sb.url),
            "size2x": format!("{}/external/icons/payment-methods/ideal%402x.png", sb.url),
            "svg": format!("{}/external/icons/payment-methods/ideal.svg", sb.url),
        })
    );
    assert_link(
        &ideal["_links"]["self"],
        &format!("{}/v2/methods/ideal", sb.url),
        "application/hal+json",
    );
    assert!(ideal["_links"].get("documentation").is_none());
    // No maximum is null, not left out.
    assert!(method(&r, "paypal")["maximumAmount"].is_null());
    // A pending method is offered in test mode only.
    assert_eq!(method(&r, "trustly")["status"], "pending-review");
    let live = sb.api_with(&live_key()).get("/v2/methods").await;
    let live_ids = ids(&live);
    assert!(!live_ids.contains(&"trustly".to_owned()));
    assert_eq!(live_ids.len(), DEFAULT.len() - 1);
}

#[tokio::test]
async fn filters_select_the_methods() {
    let sb = start().await;
    let api = sb.api();
    let table: &[(&str, &[&str])] = &[
        (
            "sequenceType=first",
            &[
                "ideal",
                "creditcard",
                "paypal",
                "bancontact",
                "eps",
                "kbc",
                "belfius",
                "mybank",
            ],
        ),
        (
            "sequenceType=recurring",
            &["creditcard", "paypal", "directdebit"],
        ),
        ("sequenceType=oneoff", DEFAULT),
        (
            "amount[value]=100.00&amount[currency]=USD",
            &["creditcard", "paypal"],
        ),
        (
            "amount%5Bvalue%5D=10.00&amount%5Bcurrency%5D=PLN",
            &["creditcard", "paypal", "przelewy24", "blik"],
        ),
        (
            "amount=%7B%22value%22%3A%2210.00%22%2C%22currency%22%3A%22CHF%22%7D",
            &["creditcard", "paypal", "twint"],
        ),
        (
            "amount[value]=3000.00&amount[currency]=EUR",
            &[
                "ideal",
                "paypal",
                "banktransfer",
                "bancontact",
                "eps",
                "przelewy24",
                "kbc",
                "belfius",
                "giftcard",
                "mybank",
                "trustly",
            ],
        ),
        (
            "amount[value]=0.50&amount[currency]=EUR&sequenceType=first",
            &[
                "ideal",
                "creditcard",
                "paypal",
                "bancontact",
                "kbc",
                "belfius",
                "mybank",
            ],
        ),
        (
            "resource=orders&billingCountry=DE",
            &[
                "ideal",
                "creditcard",
                "paypal",
                "banktransfer",
                "bancontact",
                "eps",
                "przelewy24",
                "kbc",
                "belfius",
                "voucher",
                "directdebit",
                "klarna",
                "giftcard",
                "riverty",
                "billie",
                "alma",
                "mybank",
                "trustly",
                "satispay",
                "bancomatpay",
                "paysafecard",
            ],
        ),
        (
            "resource=orders&billingCountry=NL&amount[value]=150.00&amount[currency]=EUR",
            &[
                "ideal",
                "creditcard",
                "paypal",
                "banktransfer",
                "bancontact",
                "eps",
                "przelewy24",
                "kbc",
                "belfius",
                "voucher",
                "directdebit",
                "klarna",
                "giftcard",
                "in3",
                "riverty",
                "billie",
                "alma",
                "mybank",
                "trustly",
                "satispay",
                "bancomatpay",
                "paysafecard",
            ],
        ),
        ("resource=payments", DEFAULT),
        (
            "includeWallets=applepay",
            &[
                "ideal",
                "creditcard",
                "paypal",
                "banktransfer",
                "bancontact",
                "eps",
                "przelewy24",
                "kbc",
                "belfius",
                "directdebit",
                "applepay",
                "giftcard",
                "mybank",
                "trustly",
                "satispay",
                "bancomatpay",
                "paysafecard",
            ],
        ),
        (
            "includeWallets=applepay&sequenceType=recurring",
            &["creditcard", "paypal", "directdebit"],
        ),
        (
            "locale=nl_BE&sequenceType=first",
            &[
                "bancontact",
                "kbc",
                "belfius",
                "ideal",
                "creditcard",
                "paypal",
                "eps",
                "mybank",
            ],
        ),
        (
            "locale=de_DE&amount[value]=5.00&amount[currency]=GBP",
            &["paypal", "creditcard", "trustly"],
        ),
    ];
    for (query, expected) in table {
        let r = api.get(&format!("/v2/methods?{query}")).await;
        assert_eq!(ids(&r), *expected, "{query}");
        // The list names the query it answered.
        let href = r.json["_links"]["self"]["href"].as_str().unwrap();
        assert!(
            href.starts_with(&format!("{}/v2/methods?", sb.url)),
            "{href}"
        );
    }
    // Limits come in the currency asked for.
    let r = api
        .get("/v2/methods?amount[value]=100.00&amount[currency]=USD")
        .await;
    assert_eq!(
        method(&r, "creditcard")["minimumAmount"],
        json!({"value": "0.01", "currency": "USD"})
    );
    assert_eq!(
        method(&r, "creditcard")["maximumAmount"],
        json!({"value": "2000.00", "currency": "USD"})
    );
}

#[tokio::test]
async fn descriptions_follow_the_locale() {
    let sb = start().await;
    let api = sb.api();
    for (locale, banktransfer, directdebit) in [
        ("en_US", "Bank transfer", "SEPA Direct Debit"),
        ("nl_NL", "Overboeking", "SEPA-incasso"),
        ("de_AT", "Überweisung", "SEPA-Lastschrift"),
        ("fr_BE", "Virement bancaire", "Prélèvement SEPA"),
        // Languages the sandbox has no names in fall back to English.
        ("es_ES", "Bank transfer", "SEPA Direct Debit"),
    ] {
        let r = api.get(&format!("/v2/methods?locale={locale}")).await;
        assert_eq!(method(&r, "banktransfer")["description"], banktransfer);
        assert_eq!(method(&r, "directdebit")["description"], directdebit);
        let one = api
            .get(&format!("/v2/methods/banktransfer?locale={locale}"))
            .await;
        assert_eq!(one.json["description"], banktransfer, "{locale}");
    }
    // The country's own methods come first.
    let nl = ids(&api.get("/v2/methods?locale=nl_NL").await);
    assert_eq!(nl[0], "ideal");
    let be = ids(&api.get("/v2/methods?locale=fr_BE").await);
    assert_eq!(&be[..3], ["bancontact", "kbc", "belfius"]);
}

#[tokio::test]
async fn includes_issuers_and_pricing() {
    let sb = start().await;
    let api = sb.api();
    for query in [
        "include=issuers,pricing",
        "include[]=issuers&include[]=pricing",
    ] {
        let r = api.get(&format!("/v2/methods?{query}")).await;
        let ideal = method(&r, "ideal");
        assert_eq!(
            keys(ideal),
            [
                "resource",
                "id",
                "description",
                "minimumAmount",
                "maximumAmount",
                "image",
                "issuers",
                "status",
                "pricing",
                "_links"
            ],
            "{query}"
        );
        let ing = ideal["issuers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == "ideal_INGBNL2A")
            .unwrap();
        assert_eq!(ing["resource"], "issuer");
        assert_eq!(ing["name"], "ING");
        assert_eq!(
            ing["image"]["svg"],
            format!("{}/external/icons/ideal-issuers/INGBNL2A.svg", sb.url)
        );
        assert_eq!(
            ideal["pricing"],
            json!([{"description": "The Netherlands", "fixed": {"value": "0.29", "currency": "EUR"}, "variable": "0"}])
        );
        let card = method(&r, "creditcard");
        assert!(card.get("issuers").is_none(), "no issuers for cards");
        assert_eq!(card["pricing"][2]["feeRegion"], "amex");
        let kbc: Vec<&str> = method(&r, "kbc")["issuers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap())
            .collect();
        assert_eq!(kbc, ["kbc", "cbc"]);
        assert!(method(&r, "giftcard")["issuers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == "festivalcadeau"));
    }
    let plain = api.get("/v2/methods?include=issuers").await;
    assert!(method(&plain, "ideal").get("pricing").is_none());
    assert!(method(&plain, "ideal")["issuers"].is_array());
}

#[tokio::test]
async fn get_one_method() {
    let sb = start().await;
    let api = sb.api();
    let r = api.get("/v2/methods/ideal?include=issuers").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["id"], "ideal");
    assert_eq!(
        r.json["issuers"].as_array().unwrap().len(),
        15,
        "with Handelsbanken"
    );
    assert_link(
        &r.json["_links"]["documentation"],
        "https://docs.mollie.com/reference/v2/methods-api/get-method",
        "text/html",
    );
    // Cashier sizes mandate payments with `currency=`.
    let dd = api.get("/v2/methods/directdebit?currency=EUR").await;
    assert_eq!(
        dd.json["maximumAmount"],
        json!({"value": "1000.00", "currency": "EUR"})
    );
    let usd = api.get("/v2/methods/creditcard?currency=USD").await;
    assert_eq!(usd.json["minimumAmount"]["currency"], "USD");
    let twint = api.get("/v2/methods/twint").await;
    assert_eq!(twint.json["minimumAmount"]["currency"], "CHF");
    api.get("/v2/methods/ideal?currency=USD")
        .await
        .assert_error(
            400,
            "The currency is not supported by this payment method",
            Some("currency"),
        );
    api.get("/v2/methods/ideal?currency=XYZ")
        .await
        .assert_error(400, "The currency is invalid", Some("currency"));
    api.get("/v2/methods/bitcoin").await.assert_error(
        404,
        "No method exists with token bitcoin.",
        None,
    );
    // Known to Mollie, never requested on this profile.
    api.get("/v2/methods/sofort").await.assert_error(
        403,
        "The payment method is not enabled in your website profile",
        None,
    );
    // A disabled method is forbidden too, mandate methods included.
    api.delete("/v2/profiles/me/methods/creditcard").await;
    assert_eq!(api.get("/v2/methods/creditcard").await.status, 403);
    // Apple Pay can be asked for by id.
    assert_eq!(api.get("/v2/methods/applepay").await.status, 200);
}

#[tokio::test]
async fn all_methods_carry_their_status() {
    let sb = start().await;
    let api = sb.api();
    let r = api.get("/v2/methods/all?include=pricing").await;
    let all = ids(&r);
    // SOFORT and giropay are retired: Mollie's own document no longer has
    // their ids.
    assert_eq!(all.len(), 35);
    assert!(
        !all.iter().any(|id| id == "sofort" || id == "giropay"),
        "{all:?}"
    );
    assert_link(
        &r.json["_links"]["documentation"],
        "https://docs.mollie.com/reference/v2/methods-api/list-all-methods",
        "text/html",
    );
    for (id, status) in [
        ("ideal", json!("activated")),
        ("klarna", json!("activated")),
        ("applepay", json!("activated")),
        ("trustly", json!("pending-review")),
        ("alma", json!("pending-boarding")),
        ("swish", Value::Null),
    ] {
        assert_eq!(method(&r, id)["status"], status, "{id}");
    }
    assert_eq!(method(&r, "swish")["minimumAmount"]["currency"], "SEK");
    assert!(method(&r, "ideal")["pricing"].is_array());
    let usd = ids(&api
        .get("/v2/methods/all?amount[value]=10.00&amount[currency]=USD")
        .await);
    assert_eq!(usd, ["creditcard", "paypal", "applepay", "googlepay"]);
}

#[tokio::test]
async fn bad_parameters_are_400s() {
    let sb = start().await;
    let api = sb.api();
    for (query, detail, field) in [
        (
            "amount[value]=10&amount[currency]=EUR",
            "The amount contains an invalid value",
            "amount.value",
        ),
        (
            "amount[value]=10.00&amount[currency]=XXX",
            "The amount contains an invalid currency",
            "amount.currency",
        ),
        ("locale=xx_XX", "The locale is invalid", "locale"),
        (
            "sequenceType=monthly",
            "The sequence type is invalid",
            "sequenceType",
        ),
        ("resource=invoices", "The resource is invalid", "resource"),
        (
            "billingCountry=Germany",
            "The billing country is invalid",
            "billingCountry",
        ),
        (
            "includeWallets=samsungpay",
            "The wallet is invalid",
            "includeWallets",
        ),
    ] {
        api.get(&format!("/v2/methods?{query}"))
            .await
            .assert_error(400, detail, Some(field));
    }
    api.get("/v2/methods?testmode=true").await.assert_error(
        422,
        "Non-existent query parameter \"testmode\" for this API call.",
        Some("testmode"),
    );
    let r = api.post("/v2/methods", &json!({})).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET"));
}

#[tokio::test]
async fn access_tokens_name_the_profile() {
    let sb = start().await;
    let token = sb.api_with(&access_token());
    token.get("/v2/methods").await.assert_error(
        422,
        "The 'profileId' field is required",
        Some("profileId"),
    );
    let me = token.get("/v2/profiles/me").await;
    let pfl = me.json["id"].as_str().unwrap().to_owned();
    let r = token
        .get(&format!("/v2/methods?profileId={pfl}&testmode=true"))
        .await;
    assert_eq!(ids(&r), DEFAULT);
    // Test-mode hrefs carry testmode, to stay in test mode when followed.
    assert_eq!(
        method(&r, "ideal")["_links"]["self"]["href"],
        format!("{}/v2/methods/ideal?testmode=true", sb.url)
    );
    token
        .get("/v2/methods?profileId=pfl_unknown1")
        .await
        .assert_error(404, "No profile exists with token pfl_unknown1.", None);
}

#[tokio::test]
async fn images_are_served_offline() {
    let sb = start().await;
    let api = sb.api();
    let r = api.get("/v2/methods/ideal?include=issuers").await;
    let client = http();
    for href in [
        r.json["image"]["svg"].as_str().unwrap(),
        r.json["image"]["size1x"].as_str().unwrap(),
        r.json["issuers"][0]["image"]["svg"].as_str().unwrap(),
    ] {
        let img = read(client.get(href).send().await.unwrap()).await;
        assert_eq!(img.status, 200, "{href}");
        assert_eq!(img.content_type(), Some("image/svg+xml"));
        assert!(img.text.starts_with("<svg"), "{href}");
        assert!(img.text.contains("width=\"32\""), "{href}");
    }
    let big = read(
        client
            .get(r.json["image"]["size2x"].as_str().unwrap())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(big.text.contains("width=\"64\" height=\"48\""));
    assert!(big.text.contains("iDEAL"));
    let missing = read(
        client
            .get(format!(
                "{}/external/icons/payment-methods/nope.svg",
                sb.url
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(missing.status, 404);
}
