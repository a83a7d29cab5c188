//! Mandates: the API, mandates left by first payments, recurring payments
//! charged on them, and the cascades of revoking and deleting.

mod support;

use serde_json::{json, Value};
use support::{random_key, Sandbox};

fn direct_debit() -> Value {
    json!({
        "method": "directdebit",
        "consumerName": "John Doe",
        "consumerAccount": "NL55INGB0000000000",
        "consumerBic": "INGBNL2A",
        "signatureDate": "2018-05-07",
        "mandateReference": "YOUR-COMPANY-MD13804",
    })
}

/// A first payment of 0.10: above every first-payment method's minimum
/// (Bancontact's is 0.02).
fn first(method: Option<&str>) -> Value {
    let mut body = json!({
        "amount": {"value": "0.10", "currency": "EUR"},
        "description": "First payment",
        "redirectUrl": "https://shop.example/return",
        "sequenceType": "first",
    });
    if let Some(m) = method {
        body["method"] = json!(m);
    }
    body
}

fn recurring(extra: Value) -> Value {
    let mut body = json!({
        "amount": {"value": "25.00", "currency": "EUR"},
        "description": "Monthly",
        "sequenceType": "recurring",
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

#[tokio::test]
async fn create_get_list_revoke() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let cst = sb.customer(&key).await;
    let before = sb.get(&key, &format!("/v2/customers/{cst}")).await.json();
    assert!(before["_links"].get("mandates").is_none());

    let r = sb
        .post(
            &key,
            &format!("/v2/customers/{cst}/mandates"),
            direct_debit(),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let m = r.json();
    let keys: Vec<&str> = m.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "resource",
            "id",
            "mode",
            "status",
            "method",
            "details",
            "mandateReference",
            "signatureDate",
            "customerId",
            "createdAt",
            "_links"
        ]
    );
    assert_eq!(m["resource"], "mandate");
    assert_eq!(m["mode"], "test");
    assert_eq!(m["status"], "valid");
    assert_eq!(m["method"], "directdebit");
    assert_eq!(
        m["details"],
        json!({"consumerName": "John Doe", "consumerAccount": "NL55INGB0000000000", "consumerBic": "INGBNL2A"})
    );
    assert_eq!(m["mandateReference"], "YOUR-COMPANY-MD13804");
    assert_eq!(m["signatureDate"], "2018-05-07");
    assert_eq!(m["customerId"], cst.as_str());
    let id = m["id"].as_str().unwrap();
    assert!(id.starts_with("mdt_"));
    let links = m["_links"].as_object().unwrap();
    assert_eq!(
        links.keys().collect::<Vec<_>>(),
        ["self", "customer", "documentation"]
    );
    assert!(m["_links"]["self"]["href"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/v2/customers/{cst}/mandates/{id}")));
    assert!(m["_links"]["documentation"]["href"]
        .as_str()
        .unwrap()
        .ends_with("mandates-api/create-mandate"));

    let got = sb
        .get(&key, &format!("/v2/customers/{cst}/mandates/{id}"))
        .await;
    assert_eq!(got.status, 200);
    assert!(got.json()["_links"]["documentation"]["href"]
        .as_str()
        .unwrap()
        .ends_with("mandates-api/get-mandate"));

    let customer = sb.get(&key, &format!("/v2/customers/{cst}")).await.json();
    assert!(customer["_links"]["mandates"]["href"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/v2/customers/{cst}/mandates")));

    // A second mandate: lists are newest first and page with `from`.
    let paypal = sb
        .post(
            &key,
            &format!("/v2/customers/{cst}/mandates"),
            json!({"method": "paypal", "consumerName": "John Doe", "consumerEmail": "john@example.org", "paypalBillingAgreementId": "B-12A34567B8901234CD"}),
        )
        .await;
    assert_eq!(paypal.status, 201, "{}", paypal.text());
    let paypal = paypal.json();
    assert_eq!(
        paypal["details"],
        json!({"consumerName": "John Doe", "consumerAccount": "john@example.org"})
    );
    assert!(paypal["signatureDate"].is_null() && paypal["mandateReference"].is_null());
    let list = sb
        .get(&key, &format!("/v2/customers/{cst}/mandates?limit=1"))
        .await
        .json();
    assert_eq!(list["count"], 1);
    assert_eq!(list["_embedded"]["mandates"][0]["id"], paypal["id"]);
    assert!(list["_embedded"]["mandates"][0]["_links"]
        .get("documentation")
        .is_none());
    let next = list["_links"]["next"]["href"].as_str().unwrap();
    assert!(next.contains(&format!("from={id}")), "{next}");
    let page2 = sb.get(&key, next).await.json();
    assert_eq!(page2["_embedded"]["mandates"][0]["id"], id);
    assert!(page2["_links"]["next"].is_null());

    // Revoke: 204, then 410 for get and revoke, gone from the list.
    let r = sb
        .delete(&key, &format!("/v2/customers/{cst}/mandates/{id}"))
        .await;
    assert_eq!(r.status, 204);
    assert!(r.body.is_empty());
    let r = sb
        .get(&key, &format!("/v2/customers/{cst}/mandates/{id}"))
        .await;
    assert_eq!(r.status, 410);
    assert_eq!(r.json()["title"], "Gone");
    let r = sb
        .delete(&key, &format!("/v2/customers/{cst}/mandates/{id}"))
        .await;
    assert_eq!(r.status, 410);
    let list = sb
        .get(&key, &format!("/v2/customers/{cst}/mandates"))
        .await
        .json();
    assert_eq!(list["count"], 1);
    assert_eq!(list["_embedded"]["mandates"][0]["id"], paypal["id"]);
}

#[tokio::test]
async fn mandate_validation_and_not_found() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let cst = sb.customer(&key).await;
    let path = format!("/v2/customers/{cst}/mandates");
    let cases: Vec<(Value, &str)> = vec![
        (json!({"consumerName": "J"}), "method"),
        (json!({"method": "ideal", "consumerName": "J"}), "method"),
        (
            json!({"method": "creditcard", "consumerName": "J"}),
            "method",
        ),
        (
            json!({"method": "directdebit", "consumerAccount": "NL55INGB0000000000"}),
            "consumerName",
        ),
        (
            json!({"method": "directdebit", "consumerName": "J"}),
            "consumerAccount",
        ),
        (
            json!({"method": "directdebit", "consumerName": "J", "consumerAccount": "NL56INGB0000000000"}),
            "consumerAccount",
        ),
        (
            json!({"method": "directdebit", "consumerName": "J", "consumerAccount": "NL55INGB0000000000", "consumerBic": "nope"}),
            "consumerBic",
        ),
        (
            json!({"method": "directdebit", "consumerName": "J", "consumerAccount": "NL55INGB0000000000", "signatureDate": "2018-13-01"}),
            "signatureDate",
        ),
        (
            json!({"method": "paypal", "consumerName": "J", "paypalBillingAgreementId": "B-1"}),
            "consumerEmail",
        ),
        (
            json!({"method": "paypal", "consumerName": "J", "consumerEmail": "j@example.org"}),
            "paypalBillingAgreementId",
        ),
        (
            json!({"method": "directdebit", "consumerName": "J", "consumerAccount": "NL55INGB0000000000", "color": "red"}),
            "color",
        ),
    ];
    for (body, field) in cases {
        let r = sb.post(&key, &path, body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.text());
        assert_eq!(r.json()["field"], field, "{body}");
    }
    // IBANs in print form are accepted and stored electronically.
    let r = sb
        .post(&key, &path, json!({"method": "directdebit", "consumerName": "J", "consumerAccount": "NL55 INGB 0000 0000 00"}))
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["details"]["consumerAccount"], "NL55INGB0000000000");

    let r = sb
        .get(&key, &format!("/v2/customers/{cst}/mandates/mdt_nope"))
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["detail"], "No mandate exists with token mdt_nope.");
    let r = sb
        .post(&key, "/v2/customers/cst_nope/mandates", direct_debit())
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json()["detail"],
        "No customer exists with token cst_nope."
    );
    let r = sb.get(&key, "/v2/customers/cst_nope/mandates").await;
    assert_eq!(r.status, 404);
    // Another customer's mandate is not found under this one.
    let other = sb.customer(&key).await;
    let m = sb
        .post(
            &key,
            &format!("/v2/customers/{other}/mandates"),
            direct_debit(),
        )
        .await
        .json();
    let r = sb
        .get(
            &key,
            &format!("/v2/customers/{cst}/mandates/{}", m["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(r.status, 404);
    let r = sb.patch(&key, &path, json!({})).await;
    assert_eq!(r.status, 405);
}

#[tokio::test]
async fn first_payment_to_mandate_to_recurring() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let cst = sb.customer(&key).await;

    // No mandate yet: a recurring payment is refused.
    let r = sb
        .post(&key, "/v2/payments", recurring(json!({"customerId": cst})))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.json()["detail"],
        "No suitable mandates found for customer"
    );

    // A first payment that fails leaves no mandate.
    let failed = sb.payment(&key, Some(&cst), first(Some("ideal"))).await;
    sb.set_status(
        &key,
        failed["id"].as_str().unwrap(),
        json!({"status": "failed"}),
    )
    .await;
    let list = sb
        .get(&key, &format!("/v2/customers/{cst}/mandates"))
        .await
        .json();
    assert_eq!(list["count"], 0);

    // A paid iDEAL first payment leaves a direct-debit mandate.
    let p = sb.payment(&key, Some(&cst), first(Some("ideal"))).await;
    assert!(p.get("mandateId").is_none());
    let paid = sb
        .set_status(&key, p["id"].as_str().unwrap(), json!({"status": "paid"}))
        .await
        .json();
    let mandate_id = paid["mandateId"].as_str().expect("a mandate").to_owned();
    assert!(paid["_links"]["mandate"]["href"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/v2/customers/{cst}/mandates/{mandate_id}")));
    let m = sb
        .get(&key, &format!("/v2/customers/{cst}/mandates/{mandate_id}"))
        .await
        .json();
    assert_eq!(m["method"], "directdebit");
    assert_eq!(m["status"], "valid");
    assert_eq!(
        m["details"],
        json!({"consumerName": "T. TEST", "consumerAccount": "NL12RABO0995764688", "consumerBic": "TRIONL2U"})
    );
    let customer = sb.get(&key, &format!("/v2/customers/{cst}")).await.json();
    assert!(customer["_links"].get("mandates").is_some());

    // A recurring payment charges it: pending direct debit, no checkout.
    let r = sb
        .payment(
            &key,
            Some(&cst),
            recurring(json!({"webhookUrl": "https://shop.example/hook"})),
        )
        .await;
    assert_eq!(r["status"], "pending");
    assert_eq!(r["isCancelable"], true);
    assert_eq!(r["method"], "directdebit");
    assert_eq!(r["mandateId"], mandate_id.as_str());
    assert!(r["redirectUrl"].is_null());
    assert_eq!(r["details"]["consumerAccount"], "NL12RABO0995764688");
    assert_eq!(r["details"]["creditorIdentifier"], "NL08ZZZ502057730000");
    assert!(r["_links"].get("checkout").is_none());
    assert!(r["_links"]["changePaymentState"].is_object());
    // Its state changes only when someone changes it.
    let rid = r["id"].as_str().unwrap();
    let again = sb.get(&key, &format!("/v2/payments/{rid}")).await.json();
    assert_eq!(again["status"], "pending");
    let done = sb
        .set_status(&key, rid, json!({"status": "paid"}))
        .await
        .json();
    assert_eq!(done["status"], "paid");
    assert_eq!(done["mandateId"], mandate_id.as_str());
    // A recurring payment does not make another mandate.
    let list = sb
        .get(&key, &format!("/v2/customers/{cst}/mandates"))
        .await
        .json();
    assert_eq!(list["count"], 1);
}

#[tokio::test]
async fn mandate_method_follows_the_first_payment_method() {
    let sb = Sandbox::start().await;
    let key = random_key();
    for (method, mandate_method, account_key) in [
        ("creditcard", "creditcard", "cardNumber"),
        ("paypal", "paypal", "consumerAccount"),
        ("bancontact", "directdebit", "consumerAccount"),
    ] {
        let cst = sb.customer(&key).await;
        let p = sb.payment(&key, Some(&cst), first(Some(method))).await;
        let paid = sb
            .set_status(&key, p["id"].as_str().unwrap(), json!({"status": "paid"}))
            .await
            .json();
        let mid = paid["mandateId"].as_str().unwrap();
        let m = sb
            .get(&key, &format!("/v2/customers/{cst}/mandates/{mid}"))
            .await
            .json();
        assert_eq!(m["method"], mandate_method, "{method}");
        assert!(m["details"][account_key].is_string(), "{method}: {m}");
        // The recurring payment takes the mandate's method.
        let r = sb.payment(&key, Some(&cst), recurring(json!({}))).await;
        assert_eq!(r["method"], mandate_method);
        let expected_status = if mandate_method == "directdebit" {
            "pending"
        } else {
            "open"
        };
        assert_eq!(r["status"], expected_status, "{method}");
    }
}

#[tokio::test]
async fn recurring_picks_the_newest_usable_mandate_or_the_named_one() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let cst = sb.customer(&key).await;
    let path = format!("/v2/customers/{cst}/mandates");
    let older = sb.post(&key, &path, direct_debit()).await.json();
    let newer = sb.post(&key, &path, direct_debit()).await.json();
    let r = sb.payment(&key, Some(&cst), recurring(json!({}))).await;
    assert_eq!(r["mandateId"], newer["id"]);
    let r = sb
        .payment(
            &key,
            Some(&cst),
            recurring(json!({"mandateId": older["id"]})),
        )
        .await;
    assert_eq!(r["mandateId"], older["id"]);
    // Filtered by method: there is no PayPal mandate.
    let r = sb
        .post(
            &key,
            "/v2/payments",
            recurring(json!({"customerId": cst, "method": "paypal"})),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.json()["detail"],
        "No suitable mandates found for customer"
    );
    // A revoked mandate is never charged, named or not.
    sb.delete(&key, &format!("{path}/{}", newer["id"].as_str().unwrap()))
        .await;
    let r = sb.payment(&key, Some(&cst), recurring(json!({}))).await;
    assert_eq!(r["mandateId"], older["id"]);
    let r = sb
        .post(
            &key,
            &format!("/v2/customers/{cst}/payments"),
            recurring(json!({"mandateId": newer["id"]})),
        )
        .await;
    assert_eq!(r.status, 422);
    // Another customer's mandate cannot be named.
    let other = sb.customer(&key).await;
    let r = sb
        .post(
            &key,
            &format!("/v2/customers/{other}/payments"),
            recurring(json!({"mandateId": older["id"]})),
        )
        .await;
    assert_eq!(r.status, 422);
    // Recurring without a customer.
    let r = sb.post(&key, "/v2/payments", recurring(json!({}))).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["field"], "customerId");
}

#[tokio::test]
async fn deleting_a_customer_revokes_its_mandates() {
    let sb = Sandbox::start().await;
    let key = random_key();
    let cst = sb.customer(&key).await;
    let m = sb
        .post(
            &key,
            &format!("/v2/customers/{cst}/mandates"),
            direct_debit(),
        )
        .await
        .json();
    let p = sb.payment(&key, Some(&cst), recurring(json!({}))).await;
    assert_eq!(
        sb.delete(&key, &format!("/v2/customers/{cst}"))
            .await
            .status,
        204
    );
    // The customer is gone (410 by default), and so are its mandates.
    let r = sb
        .get(
            &key,
            &format!("/v2/customers/{cst}/mandates/{}", m["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(r.status, 410);
    let r = sb
        .post(&key, "/v2/payments", recurring(json!({"customerId": cst})))
        .await;
    assert_eq!(r.status, 422);
    // Its payments stay, still naming it.
    let kept = sb
        .get(&key, &format!("/v2/payments/{}", p["id"].as_str().unwrap()))
        .await
        .json();
    assert_eq!(kept["customerId"], cst.as_str());
    // The account's state knows the mandate is revoked.
    let account = sb
        .server
        .app
        .registry
        .get(&key, mollie_sandbox::store::Mode::Test, false);
    let data = account.data.read();
    let stored = data.mandates.get(m["id"].as_str().unwrap()).unwrap();
    assert!(stored.revoked_at.is_some());
    assert!(!data.customer_has_mandates(&cst));
}
