//! The customer endpoints: create, get, update, delete, list; the customer
//! object's shape; metadata, locale, links; deleted customers.

mod common;

use common::*;
use mollie_sandbox::config::DeletedCustomers;
use mollie_sandbox::Config;
use serde_json::json;

const CUSTOMER_KEYS: [&str; 9] = [
    "resource",
    "id",
    "mode",
    "name",
    "email",
    "locale",
    "metadata",
    "createdAt",
    "_links",
];

#[tokio::test]
async fn serde_json_keeps_wire_order_in_these_tests() {
    wire_order_is_kept();
}

#[tokio::test]
async fn create_with_empty_body_has_every_field_null() {
    let sb = start().await;
    let api = sb.api();
    let before = now();
    let r = api.post("/v2/customers", &json!({})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.content_type(), Some("application/hal+json"));
    let c = &r.json;
    assert_eq!(keys(c), CUSTOMER_KEYS);
    assert_eq!(c["resource"], "customer");
    assert_id(&c["id"], "cst_");
    assert_eq!(c["mode"], "test");
    for k in ["name", "email", "locale", "metadata"] {
        assert!(c[k].is_null(), "{k} should be null: {c}");
        assert!(c.as_object().unwrap().contains_key(k), "{k} present");
    }
    let created = datetime(&c["createdAt"]);
    assert!(
        created >= before - 1 && created <= now() + 1,
        "createdAt {created} near now"
    );
    let id = s(&c["id"]);
    let links = &c["_links"];
    assert_eq!(keys(links), ["self", "dashboard", "documentation"]);
    assert_link(
        &links["self"],
        &format!("{}/v2/customers/{id}", sb.url),
        "application/hal+json",
    );
    assert_link(
        &links["dashboard"],
        &format!(
            "{}/_sandbox/dashboard/customers/{id}?account={}",
            sb.url,
            mollie_sandbox::page_link::token(&api.key)
        ),
        "text/html",
    );
    assert_link(
        &links["documentation"],
        &format!("{DOCS}customers-api/create-customer"),
        "text/html",
    );
}

#[tokio::test]
async fn create_with_every_field_echoes_them() {
    let sb = start().await;
    let api = sb.api();
    let body = json!({
        "name": "Customer A",
        "email": "customer@example.org",
        "locale": "nl_NL",
        "metadata": {"zeta": 1, "alpha": "two", "nested": {"b": [1, 2.5, "x", null, true], "a": false}},
    });
    let c = api.customer(body.clone()).await;
    assert_eq!(keys(&c), CUSTOMER_KEYS);
    assert_eq!(c["name"], "Customer A");
    assert_eq!(c["email"], "customer@example.org");
    assert_eq!(c["locale"], "nl_NL");
    assert_eq!(c["metadata"], body["metadata"]);
    assert_eq!(keys(&c["metadata"]), ["zeta", "alpha", "nested"]);
    assert_eq!(keys(&c["metadata"]["nested"]), ["b", "a"]);
    assert!(c["metadata"]["zeta"].is_u64(), "integers stay integers");
    assert!(c["metadata"]["nested"]["b"][1].is_f64());
}

#[tokio::test]
async fn ids_are_unique_and_base62() {
    let sb = start().await;
    let api = sb.api();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..20 {
        let c = api.customer(json!({})).await;
        assert_id(&c["id"], "cst_");
        assert!(seen.insert(s(&c["id"]).to_owned()), "duplicate id");
    }
}

#[tokio::test]
async fn metadata_of_every_allowed_type_comes_back_unchanged() {
    let sb = start().await;
    let api = sb.api();
    for meta in [
        json!("just a string"),
        json!(42),
        json!(-1.25),
        json!(["a", "b"]),
        json!({"goal_id": 48, "user_id": 1}),
    ] {
        let c = api.customer(json!({ "metadata": meta })).await;
        assert_eq!(c["metadata"], meta);
        let got = api.get(&format!("/v2/customers/{}", s(&c["id"]))).await;
        assert_eq!(got.json["metadata"], meta);
    }
    // The raw text keeps the key order of a nested object too.
    let c = api
        .post(
            "/v2/customers",
            &json!({"metadata": {"z": 1, "y": 2, "x": 3}}),
        )
        .await;
    assert!(
        c.text.contains(r#""metadata":{"z":1,"y":2,"x":3}"#),
        "{}",
        c.text
    );
}

#[tokio::test]
async fn metadata_numbers_come_back_as_written() {
    let sb = start().await;
    let api = sb.api();
    let raw = r#"{"metadata":{"price":1.50,"big":123456789012345678901234,"neg":-0.10}}"#;
    let created = api
        .send(
            api.request(reqwest::Method::POST, "/v2/customers")
                .header("content-type", "application/json")
                .body(raw),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let expect = r#""metadata":{"price":1.50,"big":123456789012345678901234,"neg":-0.10}"#;
    assert!(created.text.contains(expect), "{}", created.text);
    let got = api
        .get(&format!("/v2/customers/{}", s(&created.json["id"])))
        .await;
    assert!(got.text.contains(expect), "{}", got.text);
}

#[tokio::test]
async fn metadata_up_to_1_kb_is_accepted_and_beyond_is_422() {
    let sb = start().await;
    let api = sb.api();
    // A JSON string of exactly 1024 characters including its quotes.
    let fits = "a".repeat(1022);
    let c = api.customer(json!({ "metadata": fits })).await;
    assert_eq!(c["metadata"], fits);
    let too_big = "a".repeat(1023);
    let r = api
        .post("/v2/customers", &json!({ "metadata": too_big }))
        .await;
    r.assert_error(
        422,
        "The metadata is too large. It may contain up to 1024 characters.",
        Some("metadata"),
    );
    let r = api
        .patch(
            &format!("/v2/customers/{}", s(&c["id"])),
            &json!({ "metadata": {"k": "b".repeat(2000)} }),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json["field"], "metadata");
    // The refused update changed nothing.
    let got = api.get(&format!("/v2/customers/{}", s(&c["id"]))).await;
    assert_eq!(got.json["metadata"], fits);
}

const LOCALES: [&str; 28] = [
    "en_US", "en_GB", "nl_NL", "nl_BE", "fr_FR", "fr_BE", "de_DE", "de_AT", "de_CH", "es_ES",
    "ca_ES", "pt_PT", "it_IT", "nb_NO", "sv_SE", "fi_FI", "da_DK", "is_IS", "hu_HU", "pl_PL",
    "lv_LV", "lt_LT", "cs_CZ", "de_LU", "en_BE", "en_NL", "fr_LU", "sk_SK",
];

#[tokio::test]
async fn every_documented_locale_is_accepted() {
    let sb = start().await;
    let api = sb.api();
    for locale in LOCALES {
        let c = api.customer(json!({ "locale": locale })).await;
        assert_eq!(c["locale"], locale);
    }
}

#[tokio::test]
async fn other_locales_are_422() {
    let sb = start().await;
    let api = sb.api();
    for bad in [
        json!("nl"),
        json!("xx_XX"),
        json!("nl NL"),
        json!("NL_nl"),
        json!(""),
        json!(5),
        json!(["nl_NL"]),
    ] {
        let r = api.post("/v2/customers", &json!({ "locale": bad })).await;
        r.assert_error(422, "The locale is invalid", Some("locale"));
    }
    let id = api.customer_id().await;
    let r = api
        .patch(&format!("/v2/customers/{id}"), &json!({"locale": "uz_UZ"}))
        .await;
    r.assert_error(422, "The locale is invalid", Some("locale"));
}

#[tokio::test]
async fn name_and_email_must_be_strings() {
    let sb = start().await;
    let api = sb.api();
    let r = api.post("/v2/customers", &json!({"name": 12})).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json["field"], "name");
    let r = api.post("/v2/customers", &json!({"email": {"a": 1}})).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json["field"], "email");
}

#[tokio::test]
async fn get_returns_the_customer_with_its_own_documentation_link() {
    let sb = start().await;
    let api = sb.api();
    let created = api
        .customer(json!({"name": "A", "email": "a@example.org"}))
        .await;
    let id = s(&created["id"]);
    let r = api.get(&format!("/v2/customers/{id}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type(), Some("application/hal+json"));
    assert_eq!(keys(&r.json), CUSTOMER_KEYS);
    for k in [
        "resource",
        "id",
        "mode",
        "name",
        "email",
        "locale",
        "metadata",
        "createdAt",
    ] {
        assert_eq!(r.json[k], created[k], "{k}");
    }
    assert_link(
        &r.json["_links"]["documentation"],
        &format!("{DOCS}customers-api/get-customer"),
        "text/html",
    );
}

#[tokio::test]
async fn unknown_customer_is_404_with_its_token() {
    let sb = start().await;
    let api = sb.api();
    let r = api.get("/v2/customers/cst_x").await;
    r.assert_error(404, "No customer exists with token cst_x.", None);
    assert_eq!(
        r.text,
        r#"{"status":404,"title":"Not Found","detail":"No customer exists with token cst_x.","_links":{"documentation":{"href":"https://docs.mollie.com/overview/handling-errors","type":"text/html"}}}"#
    );
    let r = api.get("/v2/customers/foo").await;
    r.assert_error(404, "No customer exists with token foo.", None);
    for r in [
        api.patch("/v2/customers/cst_nope123456", &json!({"name": "x"}))
            .await,
        api.delete("/v2/customers/cst_nope123456").await,
        api.get("/v2/customers/cst_nope123456/payments").await,
        api.customer_payment("cst_nope123456", &payment_body())
            .await,
    ] {
        r.assert_error(404, "No customer exists with token cst_nope123456.", None);
    }
}

#[tokio::test]
async fn update_changes_only_the_fields_sent_and_null_clears() {
    let sb = start().await;
    let api = sb.api();
    let c = api.customer(json!({"name": "Old", "email": "old@example.org", "locale": "de_DE", "metadata": {"a": 1}})).await;
    let id = s(&c["id"]);
    let r = api
        .patch(&format!("/v2/customers/{id}"), &json!({"name": "New"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(keys(&r.json), CUSTOMER_KEYS);
    assert_eq!(r.json["name"], "New");
    assert_eq!(r.json["email"], "old@example.org");
    assert_eq!(r.json["locale"], "de_DE");
    assert_eq!(r.json["metadata"], json!({"a": 1}));
    assert_eq!(r.json["createdAt"], c["createdAt"]);
    assert_eq!(r.json["id"], c["id"]);
    assert_link(
        &r.json["_links"]["documentation"],
        &format!("{DOCS}customers-api/update-customer"),
        "text/html",
    );

    let r = api
        .patch(
            &format!("/v2/customers/{id}"),
            &json!({"email": null, "locale": null, "metadata": null}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["name"], "New");
    assert!(
        r.json["email"].is_null() && r.json["locale"].is_null() && r.json["metadata"].is_null(),
        "{}",
        r.text
    );

    // An empty update changes nothing and still answers the customer.
    let r = api.patch(&format!("/v2/customers/{id}"), &json!({})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["name"], "New");
    let got = api.get(&format!("/v2/customers/{id}")).await;
    assert_eq!(got.json["name"], "New");
    assert!(got.json["email"].is_null());
}

#[tokio::test]
async fn delete_answers_204_with_no_body_and_removes_from_the_list() {
    let sb = start().await;
    let api = sb.api();
    let keep = api.customer_id().await;
    let gone = api.customer_id().await;
    let r = api.delete(&format!("/v2/customers/{gone}")).await;
    assert_eq!(r.status, 204);
    assert_eq!(r.text, "");
    let list = api.get("/v2/customers").await;
    assert_eq!(list.json["count"], 1);
    let ids: Vec<&str> = list.json["_embedded"]["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| s(&c["id"]))
        .collect();
    assert_eq!(ids, [keep.as_str()]);
}

#[tokio::test]
async fn deleted_customer_is_410_everywhere() {
    let sb = start().await;
    let api = sb.api();
    let id = api.customer_id().await;
    assert_eq!(api.delete(&format!("/v2/customers/{id}")).await.status, 204);
    let detail = "The customer has been deleted.";
    api.get(&format!("/v2/customers/{id}"))
        .await
        .assert_error(410, detail, None);
    api.patch(&format!("/v2/customers/{id}"), &json!({"name": "x"}))
        .await
        .assert_error(410, detail, None);
    api.delete(&format!("/v2/customers/{id}"))
        .await
        .assert_error(410, detail, None);
    api.get(&format!("/v2/customers/{id}/payments"))
        .await
        .assert_error(410, detail, None);
    api.customer_payment(&id, &payment_body())
        .await
        .assert_error(410, detail, None);
}

#[tokio::test]
async fn deleted_customer_is_404_with_the_not_found_setting() {
    let sb = start_with(Config {
        deleted_customers: DeletedCustomers::NotFound,
        ..Config::ephemeral()
    })
    .await;
    let api = sb.api();
    let id = api.customer_id().await;
    assert_eq!(api.delete(&format!("/v2/customers/{id}")).await.status, 204);
    let detail = format!("No customer exists with token {id}.");
    api.get(&format!("/v2/customers/{id}"))
        .await
        .assert_error(404, &detail, None);
    api.patch(&format!("/v2/customers/{id}"), &json!({"name": "x"}))
        .await
        .assert_error(404, &detail, None);
    api.delete(&format!("/v2/customers/{id}"))
        .await
        .assert_error(404, &detail, None);
    api.get(&format!("/v2/customers/{id}/payments"))
        .await
        .assert_error(404, &detail, None);
    api.customer_payment(&id, &payment_body())
        .await
        .assert_error(404, &detail, None);
}

#[tokio::test]
async fn payments_of_a_deleted_customer_keep_their_customer_id() {
    let sb = start().await;
    let api = sb.api();
    let id = api.customer_id().await;
    let p = api.new_payment(&id).await;
    assert_eq!(api.delete(&format!("/v2/customers/{id}")).await.status, 204);
    let got = api.get(&format!("/v2/payments/{}", s(&p["id"]))).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.json["customerId"], id.as_str());
    assert_link(
        &got.json["_links"]["customer"],
        &format!("{}/v2/customers/{id}", sb.url),
        "application/hal+json",
    );
}

#[tokio::test]
async fn payments_link_appears_once_the_customer_has_a_payment() {
    let sb = start().await;
    let api = sb.api();
    let id = api.customer_id().await;
    let before = api.get(&format!("/v2/customers/{id}")).await;
    assert!(
        before.json["_links"].get("payments").is_none(),
        "{}",
        before.text
    );
    assert!(before.json["_links"].get("mandates").is_none());
    assert!(before.json["_links"].get("subscriptions").is_none());
    api.new_payment(&id).await;
    let after = api.get(&format!("/v2/customers/{id}")).await;
    assert_eq!(
        keys(&after.json["_links"]),
        ["self", "dashboard", "payments", "documentation"]
    );
    assert_link(
        &after.json["_links"]["payments"],
        &format!("{}/v2/customers/{id}/payments", sb.url),
        "application/hal+json",
    );
    // In lists and after an update too.
    let list = api.get("/v2/customers").await;
    let item = &list.json["_embedded"]["customers"][0];
    assert_eq!(keys(&item["_links"]), ["self", "dashboard", "payments"]);
    let upd = api
        .patch(&format!("/v2/customers/{id}"), &json!({"name": "n"}))
        .await;
    assert!(upd.json["_links"].get("payments").is_some());
    // Another customer of the same account has none.
    let other = api.customer(json!({})).await;
    assert!(other["_links"].get("payments").is_none());
}

#[tokio::test]
async fn list_items_are_full_customers_without_documentation() {
    let sb = start().await;
    let api = sb.api();
    api.customer(json!({"name": "One", "metadata": {"x": [1]}}))
        .await;
    let r = api.get("/v2/customers").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type(), Some("application/hal+json"));
    assert_eq!(keys(&r.json), ["count", "_embedded", "_links"]);
    assert_eq!(keys(&r.json["_embedded"]), ["customers"]);
    let item = &r.json["_embedded"]["customers"][0];
    assert_eq!(keys(item), CUSTOMER_KEYS);
    assert_eq!(item["name"], "One");
    assert_eq!(item["metadata"], json!({"x": [1]}));
    assert_eq!(keys(&item["_links"]), ["self", "dashboard"]);
    assert_link(
        &r.json["_links"]["documentation"],
        &format!("{DOCS}customers-api/list-customers"),
        "text/html",
    );
}

#[tokio::test]
async fn empty_list_still_has_its_keys() {
    let sb = start().await;
    let r = sb.api().get("/v2/customers").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["count"], 0);
    assert_eq!(r.json["_embedded"]["customers"], json!([]));
    let links = &r.json["_links"];
    assert_eq!(keys(links), ["self", "previous", "next", "documentation"]);
    assert!(links["previous"].is_null() && links["next"].is_null());
    assert_link(
        &links["self"],
        &format!("{}/v2/customers", sb.url),
        "application/hal+json",
    );
}

#[tokio::test]
async fn unknown_body_fields_are_422() {
    let sb = start().await;
    let api = sb.api();
    let r = api
        .post("/v2/customers", &json!({"name": "A", "customer": "x"}))
        .await;
    r.assert_error(
        422,
        "Non-existent body parameter \"customer\" for this API call.",
        Some("customer"),
    );
    let id = api.customer_id().await;
    let r = api
        .patch(&format!("/v2/customers/{id}"), &json!({"nmae": "typo"}))
        .await;
    r.assert_error(
        422,
        "Non-existent body parameter \"nmae\" for this API call.",
        Some("nmae"),
    );
    let r = api
        .send(
            api.request(reqwest::Method::DELETE, &format!("/v2/customers/{id}"))
                .json(&json!({"force": true})),
        )
        .await;
    r.assert_error(
        422,
        "Non-existent body parameter \"force\" for this API call.",
        Some("force"),
    );
    // Nothing was created or changed by the refused calls.
    let list = api.get("/v2/customers").await;
    assert_eq!(list.json["count"], 1);
    assert!(list.json["_embedded"]["customers"][0]["name"].is_null());
}

#[tokio::test]
async fn unknown_query_parameters_are_422() {
    let sb = start().await;
    let api = sb.api();
    let id = api.customer_id().await;
    let detail = "Non-existent query parameter \"foo\" for this API call.";
    api.get(&format!("/v2/customers/{id}?foo=1"))
        .await
        .assert_error(422, detail, Some("foo"));
    api.get("/v2/customers?foo=1")
        .await
        .assert_error(422, detail, Some("foo"));
    api.get(&format!("/v2/customers/{id}/payments?foo=1"))
        .await
        .assert_error(422, detail, Some("foo"));
    api.post("/v2/customers?foo=1", &json!({}))
        .await
        .assert_error(422, detail, Some("foo"));
    api.patch(&format!("/v2/customers/{id}?foo=1"), &json!({}))
        .await
        .assert_error(422, detail, Some("foo"));
    api.delete(&format!("/v2/customers/{id}?foo=1"))
        .await
        .assert_error(422, detail, Some("foo"));
    let r = api
        .post(
            &format!("/v2/customers/{id}/payments?foo=1"),
            &payment_body(),
        )
        .await;
    r.assert_error(422, detail, Some("foo"));
    // The refused delete did not delete.
    assert_eq!(api.get(&format!("/v2/customers/{id}")).await.status, 200);
}

#[tokio::test]
async fn testmode_and_profile_id_with_an_api_key_are_422() {
    let sb = start().await;
    let api = sb.api();
    let r = api.post("/v2/customers", &json!({"testmode": true})).await;
    r.assert_error(
        422,
        "Non-existent body parameter \"testmode\" for this API call.",
        Some("testmode"),
    );
    let r = api
        .post("/v2/customers", &json!({"profileId": "pfl_QkEhN94Ba"}))
        .await;
    r.assert_error(
        422,
        "Non-existent body parameter \"profileId\" for this API call.",
        Some("profileId"),
    );
    let r = api.get("/v2/customers?testmode=true").await;
    r.assert_error(
        422,
        "Non-existent query parameter \"testmode\" for this API call.",
        Some("testmode"),
    );
    let id = api.customer_id().await;
    let r = api.get(&format!("/v2/customers/{id}?testmode=true")).await;
    r.assert_error(
        422,
        "Non-existent query parameter \"testmode\" for this API call.",
        Some("testmode"),
    );
    let r = api
        .customer_payment(
            &id,
            &with(&payment_body(), json!({"profileId": "pfl_QkEhN94Ba"})),
        )
        .await;
    r.assert_error(
        422,
        "Non-existent body parameter \"profileId\" for this API call.",
        Some("profileId"),
    );
    let r = api
        .get(&format!(
            "/v2/customers/{id}/payments?profileId=pfl_QkEhN94Ba"
        ))
        .await;
    r.assert_error(
        422,
        "Non-existent query parameter \"profileId\" for this API call.",
        Some("profileId"),
    );
}

#[tokio::test]
async fn customers_are_counted_once_per_create() {
    let sb = start().await;
    let api = sb.api();
    for i in 0..5 {
        api.customer(json!({ "name": format!("c{i}") })).await;
    }
    let r = api.get("/v2/customers").await;
    assert_eq!(r.json["count"], 5);
    let names: Vec<&str> = r.json["_embedded"]["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| s(&c["name"]))
        .collect();
    assert_eq!(names, ["c4", "c3", "c2", "c1", "c0"], "newest first");
}
