//! Profiles, the organization, permissions and the Apple Pay session over
//! HTTP; enabling and disabling methods changes what the Methods API, the
//! checkout page and payment creation accept.

mod common;

use common::*;
use mollie_sandbox::Config;
use serde_json::{json, Value};

fn method_ids(r: &Res) -> Vec<String> {
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["_embedded"]["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect()
}

/// A page a browser opens (no key).
async fn open(href: impl reqwest::IntoUrl) -> Res {
    read(http().get(href).send().await.unwrap()).await
}

fn path_of(href: &str) -> String {
    let rest = href.split_once("://").unwrap().1;
    rest[rest.find('/').unwrap()..].to_owned()
}

#[tokio::test]
async fn profiles_me_is_the_keys_profile() {
    let sb = start().await;
    let api = sb.api();
    let r = api.get("/v2/profiles/me").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.content_type(), Some("application/hal+json"));
    assert_eq!(
        keys(&r.json),
        [
            "resource",
            "id",
            "mode",
            "name",
            "website",
            "email",
            "phone",
            "businessCategory",
            "categoryCode",
            "status",
            "createdAt",
            "_links"
        ]
    );
    assert_eq!(r.json["resource"], "profile");
    assert_id(&r.json["id"], "pfl_");
    assert_eq!(r.json["mode"], "test");
    assert_eq!(r.json["name"], "Sandbox Shop");
    assert_eq!(r.json["status"], "verified");
    datetime(&r.json["createdAt"]);
    let pfl = r.json["id"].as_str().unwrap();
    assert_eq!(
        keys(&r.json["_links"]),
        [
            "self",
            "dashboard",
            "chargebacks",
            "methods",
            "payments",
            "refunds",
            "checkoutPreviewUrl",
            "documentation"
        ]
    );
    assert_link(
        &r.json["_links"]["self"],
        &format!("{}/v2/profiles/{pfl}", sb.url),
        "application/hal+json",
    );
    assert_link(
        &r.json["_links"]["methods"],
        &format!("{}/v2/methods", sb.url),
        "application/hal+json",
    );
    assert_link(
        &r.json["_links"]["documentation"],
        "https://docs.mollie.com/reference/v2/profiles-api/get-profile-me",
        "text/html",
    );
    // The same profile the key's payments name.
    let p = api.post("/v2/payments", &payment_body()).await;
    assert_eq!(p.json["profileId"], pfl);
    // Its own id reaches it too.
    let again = api.get(&format!("/v2/profiles/{pfl}")).await;
    assert_eq!(again.status, 401, "other ids are for access tokens");
    // A live key's profile is live.
    let live = sb.api_with(&live_key()).get("/v2/profiles/me").await;
    assert_eq!(live.json["mode"], "live");
    assert_ne!(live.json["id"], pfl);
}

#[tokio::test]
async fn token_endpoints_refuse_api_keys() {
    let sb = start().await;
    let api = sb.api();
    for (method, path) in [
        ("GET", "/v2/profiles"),
        ("POST", "/v2/profiles"),
        ("GET", "/v2/profiles/pfl_abcdefghij"),
        ("PATCH", "/v2/profiles/pfl_abcdefghij"),
        ("DELETE", "/v2/profiles/pfl_abcdefghij"),
        ("POST", "/v2/profiles/pfl_abcdefghij/methods/ideal"),
        ("GET", "/v2/organizations/me"),
        ("GET", "/v2/organizations/org_12345678"),
        ("GET", "/v2/permissions"),
        ("GET", "/v2/permissions/payments.read"),
    ] {
        let rb = api.request(method.parse().unwrap(), path).json(&json!({}));
        let r = api.send(rb).await;
        r.assert_error(
            401,
            "Missing authentication, or failed to authenticate",
            None,
        );
        assert!(
            r.text.contains("overview/authentication"),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn disabling_a_method_removes_it_everywhere() {
    let sb = start().await;
    let api = sb.api();
    assert!(method_ids(&api.get("/v2/methods").await).contains(&"ideal".to_owned()));
    let off = api.delete("/v2/profiles/me/methods/ideal").await;
    assert_eq!(off.status, 204, "{}", off.text);
    assert!(off.text.is_empty());
    // The Methods API.
    assert!(!method_ids(&api.get("/v2/methods").await).contains(&"ideal".to_owned()));
    api.get("/v2/methods/ideal").await.assert_error(
        403,
        "The payment method is not enabled in your website profile",
        None,
    );
    let all = api.get("/v2/methods/all").await;
    let ideal = all.json["_embedded"]["methods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "ideal")
        .unwrap()
        .clone();
    assert!(ideal["status"].is_null());
    // Payment creation.
    api.post(
        "/v2/payments",
        &with(&payment_body(), json!({"method": "ideal"})),
    )
    .await
    .assert_error(
        422,
        "The payment method is not enabled in your website profile",
        Some("method"),
    );
    api.post(
        "/v2/payments",
        &with(&payment_body(), json!({"method": ["creditcard", "ideal"]})),
    )
    .await
    .assert_error(
        422,
        "The payment method is not enabled in your website profile",
        Some("method"),
    );
    // The checkout page of a payment without a method.
    let p = api.post("/v2/payments", &payment_body()).await;
    assert_eq!(p.status, 201, "{}", p.text);
    // Nor can it be chosen later through the API.
    api.patch(
        &format!("/v2/payments/{}", s(&p.json["id"])),
        &json!({"method": "ideal"}),
    )
    .await
    .assert_error(
        422,
        "The payment method is not enabled in your website profile",
        Some("method"),
    );
    let page = open(p.json["_links"]["checkout"]["href"].as_str().unwrap()).await;
    assert!(!page.text.contains(r#"value="ideal""#), "{}", page.text);
    assert!(page.text.contains(r#"value="creditcard""#));
    assert!(page.text.contains("Credit/Debit Card"));
    // Choosing it anyway is refused.
    let chosen = read(
        http()
            .post(p.json["_links"]["checkout"]["href"].as_str().unwrap())
            .header("content-type", "application/x-www-form-urlencoded")
            .body("status=paid&method=ideal")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(chosen.text.contains("That payment method is not offered."));
    // Enabled again: back everywhere.
    let on = api.post("/v2/profiles/me/methods/ideal", &json!({})).await;
    assert_eq!(on.status, 201, "{}", on.text);
    assert_eq!(on.json["resource"], "method");
    assert_eq!(on.json["id"], "ideal");
    assert_eq!(on.json["status"], "activated");
    assert_link(
        &on.json["_links"]["documentation"],
        "https://docs.mollie.com/reference/v2/profiles-api/enable-method",
        "text/html",
    );
    assert_eq!(method_ids(&api.get("/v2/methods").await)[0], "ideal");
    let ok = api
        .post(
            "/v2/payments",
            &with(&payment_body(), json!({"method": "ideal"})),
        )
        .await;
    assert_eq!(ok.status, 201, "{}", ok.text);
    // A method never requested can be enabled, then paid with.
    api.post(
        "/v2/payments",
        &with(&payment_body(), json!({"method": "sofort"})),
    )
    .await
    .assert_error(
        422,
        "The payment method is not enabled in your website profile",
        Some("method"),
    );
    assert_eq!(
        api.post("/v2/profiles/me/methods/sofort", &json!({}))
            .await
            .status,
        201
    );
    let sofort = api
        .post(
            "/v2/payments",
            &with(&payment_body(), json!({"method": "sofort"})),
        )
        .await;
    assert_eq!(sofort.status, 201, "{}", sofort.text);
    api.post("/v2/profiles/me/methods/bitcoin", &json!({}))
        .await
        .assert_error(404, "No method exists with token bitcoin.", None);
    // The checkout preview shows the same methods.
    let me = api.get("/v2/profiles/me").await;
    let preview = open(
        me.json["_links"]["checkoutPreviewUrl"]["href"]
            .as_str()
            .unwrap(),
    )
    .await;
    assert_eq!(preview.status, 200);
    assert!(preview.text.contains("Sandbox Shop"));
    assert!(preview.text.contains("payment-methods/sofort.svg"));
    api.delete("/v2/profiles/me/methods/sofort").await;
    let preview = open(
        me.json["_links"]["checkoutPreviewUrl"]["href"]
            .as_str()
            .unwrap(),
    )
    .await;
    assert!(!preview.text.contains("payment-methods/sofort.svg"));
    assert!(preview.text.contains("payment-methods/ideal.svg"));
    let nowhere = open(format!("{}/checkout/preview/pfl_nowhere123", sb.url)).await;
    assert_eq!(nowhere.status, 404);
    // Another key's account is untouched.
    let other = sb.api();
    api.delete("/v2/profiles/me/methods/paypal").await;
    assert!(method_ids(&other.get("/v2/methods").await).contains(&"paypal".to_owned()));
}

#[tokio::test]
async fn payment_amounts_meet_the_methods_limits() {
    let sb = start().await;
    let api = sb.api();
    let create = |patch: Value| {
        let api = api.clone();
        async move {
            api.post("/v2/payments", &with(&payment_body(), patch))
                .await
        }
    };
    create(json!({"method": "creditcard", "amount": {"value": "2000.01", "currency": "EUR"}}))
        .await
        .assert_error(422, "The amount is higher than the maximum", Some("amount"));
    create(json!({"method": "eps", "amount": {"value": "0.99", "currency": "EUR"}}))
        .await
        .assert_error(422, "The amount is lower than the minimum", Some("amount"));
    create(json!({"method": "ideal", "amount": {"value": "10.00", "currency": "USD"}}))
        .await
        .assert_error(422, "No suitable payment methods found", None);
    // Of several methods one fitting is enough.
    let r = create(json!({"method": ["creditcard", "banktransfer"], "amount": {"value": "5000.00", "currency": "EUR"}})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    // Without a method, some enabled method must take the amount.
    create(json!({"amount": {"value": "10.00", "currency": "CHF"}}))
        .await
        .status
        .is_success()
        .then_some(())
        .expect("cards take CHF");
    // Rand are taken by cards and Apple Pay only.
    for m in ["creditcard", "applepay"] {
        api.delete(&format!("/v2/profiles/me/methods/{m}")).await;
    }
    create(json!({"amount": {"value": "10.00", "currency": "ZAR"}}))
        .await
        .assert_error(422, "No suitable payment methods found", None);
}

#[tokio::test]
async fn gift_card_issuers_can_be_switched() {
    let sb = start().await;
    let api = sb.api();
    let issuers = |r: &Res| -> Vec<String> {
        r.json["issuers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let before = api.get("/v2/methods/giftcard?include=issuers").await;
    assert!(issuers(&before).contains(&"festivalcadeau".to_owned()));
    let off = api
        .delete("/v2/profiles/me/methods/giftcard/issuers/festivalcadeau")
        .await;
    assert_eq!(off.status, 204, "{}", off.text);
    let after = api.get("/v2/methods/giftcard?include=issuers").await;
    assert!(!issuers(&after).contains(&"festivalcadeau".to_owned()));
    assert_eq!(issuers(&after).len(), issuers(&before).len() - 1);
    let on = api
        .post(
            "/v2/profiles/me/methods/giftcard/issuers/festivalcadeau",
            &json!({}),
        )
        .await;
    assert_eq!(on.status, 201, "{}", on.text);
    assert_eq!(
        on.json,
        json!({
            "resource": "issuer",
            "id": "festivalcadeau",
            "description": "FestivalCadeau Giftcard",
            "status": "activated",
            "_links": {
                "self": {"href": format!("{}/v2/issuers/festivalcadeau", sb.url), "type": "application/hal+json"},
                "documentation": {"href": "https://docs.mollie.com/reference/v2/profiles-api/enable-gift-card-issuer", "type": "text/html"},
            },
        })
    );
    let voucher = api
        .post(
            "/v2/profiles/me/methods/voucher/issuers/appetiz",
            &json!({"contractId": "abc123"}),
        )
        .await;
    assert_eq!(voucher.status, 201, "{}", voucher.text);
    api.post(
        "/v2/profiles/me/methods/giftcard/issuers/nosuchcard",
        &json!({}),
    )
    .await
    .assert_error(404, "No issuer exists with token nosuchcard.", None);
    api.post("/v2/profiles/me/methods/voucher", &json!({}))
        .await
        .assert_error(
            422,
            "Vouchers cannot be enabled with this endpoint: enable a voucher issuer instead",
            None,
        );
}

#[tokio::test]
async fn access_tokens_manage_profiles() {
    let sb = start().await;
    let token = sb.api_with(&access_token());
    let created = token
        .post(
            "/v2/profiles",
            &json!({
                "name": "My website name",
                "website": "https://www.mywebsite.com",
                "email": "info@mywebsite.com",
                "phone": "+31208202070",
                "businessCategory": "OTHER_MERCHANDISE",
                "mode": "test",
            }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let pfl = created.json["id"].as_str().unwrap().to_owned();
    assert_id(&created.json["id"], "pfl_");
    assert_eq!(created.json["status"], "unverified");
    assert_eq!(created.json["mode"], "test");
    assert_eq!(created.json["categoryCode"], 5399);
    assert_link(
        &created.json["_links"]["payments"],
        &format!("{}/v2/payments?profileId={pfl}", sb.url),
        "application/hal+json",
    );
    // A new profile has no methods yet.
    let none = token.get(&format!("/v2/methods?profileId={pfl}")).await;
    assert_eq!(method_ids(&none), Vec::<String>::new());
    let p = token
        .post(
            "/v2/payments",
            &with(
                &payment_body(),
                json!({"profileId": pfl, "method": "ideal"}),
            ),
        )
        .await;
    p.assert_error(
        422,
        "The payment method is not enabled in your website profile",
        Some("method"),
    );
    let on = token
        .post(&format!("/v2/profiles/{pfl}/methods/ideal"), &json!({}))
        .await;
    assert_eq!(on.status, 201, "{}", on.text);
    // The same profile in test mode: one profile for both modes.
    let test_list = token
        .get(&format!("/v2/methods?profileId={pfl}&testmode=true"))
        .await;
    assert_eq!(method_ids(&test_list), ["ideal"]);
    // Listing, newest first, paged.
    let page = token.get("/v2/profiles?limit=1").await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(page.json["count"], 1);
    assert_eq!(page.json["_embedded"]["profiles"][0]["id"], pfl);
    assert!(page.json["_links"]["previous"].is_null());
    let next = page.json["_links"]["next"]["href"].as_str().unwrap();
    let second = token.get(&path_of(next)).await;
    assert_eq!(second.json["count"], 1);
    assert_ne!(second.json["_embedded"]["profiles"][0]["id"], pfl);
    assert!(second.json["_links"]["next"].is_null());
    assert!(second.json["_links"]["previous"]["href"].is_string());
    // Update and delete.
    let upd = token
        .patch(&format!("/v2/profiles/{pfl}"), &json!({"name": "Renamed"}))
        .await;
    assert_eq!(upd.status, 200, "{}", upd.text);
    assert_eq!(upd.json["name"], "Renamed");
    assert_eq!(
        token.get(&format!("/v2/profiles/{pfl}")).await.json["name"],
        "Renamed"
    );
    token
        .patch(
            &format!("/v2/profiles/{pfl}"),
            &json!({"phone": "0208202070"}),
        )
        .await
        .assert_error(
            422,
            "The phone number is invalid. It must be in the E.164 format, for example +31208202070",
            Some("phone"),
        );
    token
        .post("/v2/profiles", &json!({"name": "x"}))
        .await
        .assert_error(422, "The 'website' field is missing", Some("website"));
    let del = token.delete(&format!("/v2/profiles/{pfl}")).await;
    assert_eq!(del.status, 204);
    token
        .get(&format!("/v2/profiles/{pfl}"))
        .await
        .assert_error(404, &format!("No profile exists with token {pfl}."), None);
}

#[tokio::test]
async fn organization_and_permissions() {
    let sb = start().await;
    let token = sb.api_with(&access_token());
    let org = token.get("/v2/organizations/me").await;
    assert_eq!(org.status, 200, "{}", org.text);
    assert_eq!(org.json["resource"], "organization");
    // Mollie's organization ids are eight digits.
    let digits = org.json["id"]
        .as_str()
        .unwrap()
        .strip_prefix("org_")
        .unwrap();
    assert!(digits.len() == 8 && digits.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(org.json["address"]["country"], "NL");
    assert_link(
        &org.json["_links"]["self"],
        &format!("{}/v2/organizations/me", sb.url),
        "application/hal+json",
    );
    let id = org.json["id"].as_str().unwrap();
    let by_id = token.get(&format!("/v2/organizations/{id}")).await;
    assert_eq!(by_id.json["id"], id);
    token
        .get("/v2/organizations/org_99999999")
        .await
        .assert_error(404, "No organization exists with token org_99999999.", None);
    let perms = token.get("/v2/permissions").await;
    assert_eq!(perms.status, 200);
    let list = perms.json["_embedded"]["permissions"].as_array().unwrap();
    assert_eq!(perms.json["count"], list.len());
    let hook = list.iter().find(|p| p["id"] == "webhooks.write").unwrap();
    assert_eq!(hook["granted"], true);
    let one = token.get("/v2/permissions/payments.read").await;
    assert_eq!(
        keys(&one.json),
        ["resource", "id", "description", "granted", "_links"]
    );
    assert_eq!(one.json["description"], "View your payments");
    token
        .get("/v2/permissions/payments.fly")
        .await
        .assert_error(404, "No permission exists with token payments.fly.", None);
}

#[tokio::test]
async fn apple_pay_sessions() {
    let sb = start().await;
    let api = sb.api();
    let r = api
        .post(
            "/v2/wallets/applepay/sessions",
            &json!({
                "validationUrl": "https://apple-pay-gateway-cert.apple.com/paymentservices/paymentSession",
                "domain": "pay.example.org",
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        keys(&r.json),
        [
            "epochTimestamp",
            "expiresAt",
            "merchantSessionIdentifier",
            "nonce",
            "merchantIdentifier",
            "domainName",
            "displayName",
            "signature"
        ]
    );
    let at = r.json["epochTimestamp"].as_i64().unwrap();
    assert!((at / 1000 - now()).abs() < 60);
    assert_eq!(r.json["expiresAt"].as_i64().unwrap() - at, 300_000);
    assert_eq!(r.json["domainName"], "pay.example.org");
    assert_eq!(r.json["displayName"], "Sandbox Shop");
    let form = api
        .post_form(
            "/v2/wallets/applepay/sessions",
            "domain=pay.example.org&validationUrl=https%3A%2F%2Fevil.example.com%2FpaymentSession",
        )
        .await;
    form.assert_error(422, "The validation URL is invalid", Some("validationUrl"));
    api.post(
        "/v2/wallets/applepay/sessions",
        &json!({"validationUrl": "https://apple-pay-gateway.apple.com/paymentservices/startSession"}),
    )
    .await
    .assert_error(422, "The 'domain' field is missing", Some("domain"));
    api.post(
        "/v2/wallets/applepay/sessions",
        &json!({"validationUrl": "http://apple-pay-gateway.apple.com/x", "domain": "pay.example.org"}),
    )
    .await
    .assert_error(422, "The validation URL is invalid", Some("validationUrl"));
}

#[tokio::test]
async fn profiles_live_in_fixtures_and_state() {
    let dir = std::env::temp_dir().join(format!("sandbox-profiles-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = test_key();
    let file = dir.join("shop.json");
    std::fs::write(
        &file,
        json!({"accounts": {&key: {
            "profiles": [{
                "id": "pfl_FixtureShp",
                "mode": "test",
                "name": "Fixture Shop",
                "website": "https://fixture.example.org",
                "email": "info@fixture.example.org",
                "phone": "+31600000000",
                "businessCategory": "OTHER_MERCHANDISE",
                "status": "verified",
                "createdAt": "2024-01-02T03:04:05+00:00",
                "methods": {"ideal": "activated", "creditcard": "pending-review", "paypal": "rejected"},
            }],
            "organization": {"id": "org_12345678", "name": "Fixture B.V."},
        }}})
        .to_string(),
    )
    .unwrap();
    let sb = start_with(Config {
        fixtures: Some(file),
        no_fixtures: false,
        ..Config::ephemeral()
    })
    .await;
    let api = sb.api_with(&key);
    let me = api.get("/v2/profiles/me").await;
    assert_eq!(me.json["id"], "pfl_FixtureShp");
    assert_eq!(me.json["name"], "Fixture Shop");
    assert_eq!(me.json["createdAt"], "2024-01-02T03:04:05+00:00");
    assert_eq!(
        method_ids(&api.get("/v2/methods").await),
        ["ideal", "creditcard"]
    );
    // The profile's name is the merchant on the checkout page.
    let p = api.post("/v2/payments", &payment_body()).await;
    assert_eq!(p.json["profileId"], "pfl_FixtureShp");
    let page = open(p.json["_links"]["checkout"]["href"].as_str().unwrap()).await;
    assert!(page.text.contains("Fixture Shop"), "{}", page.text);
    assert!(!page.text.contains(r#"value="paypal""#));
    // The export holds the profile with its methods and the organization,
    // and loads back into another account as it was.
    api.delete("/v2/profiles/me/methods/ideal").await;
    let state = api.get("/_sandbox/state").await;
    let account = &state.json["accounts"][&key];
    assert_eq!(account["organization"]["name"], "Fixture B.V.");
    let profile = &account["profiles"][0];
    assert_eq!(profile["name"], "Fixture Shop");
    assert_eq!(
        profile["methods"],
        json!({"creditcard": "pending-review", "paypal": "rejected"})
    );
    let other = sb.api();
    let mut copy = state.json.clone();
    let moved: Value = copy["accounts"][&key].take();
    let put = other
        .send(
            other
                .request(reqwest::Method::PUT, "/_sandbox/state")
                .json(&json!({"accounts": {&other.key: moved}})),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(method_ids(&other.get("/v2/methods").await), ["creditcard"]);
    let theirs = other.get("/v2/profiles/me").await;
    assert_eq!(theirs.json["name"], "Fixture Shop");
    // The account keeps its own profile id.
    assert_ne!(theirs.json["id"], "pfl_FixtureShp");
    let _ = std::fs::remove_dir_all(&dir);
}
