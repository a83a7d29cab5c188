//! The Subscriptions API: shape, validation in the real API's order,
//! update and cancel rules, lists, the customer's link, state round trip.

mod support;

use mollie_sandbox::Config;
use serde_json::{json, Value};
use support::{random_key, Sandbox};

fn at(text: &str) -> i64 {
    text.parse::<jiff::Timestamp>().unwrap().as_second()
}

/// A datetime within a few seconds of `expected`: clocks run on with real
/// time, and a loaded machine may take a second between two requests.
#[track_caller]
fn assert_near(actual: &Value, expected: &str) {
    let a = actual
        .as_str()
        .unwrap_or_else(|| panic!("not a datetime: {actual}"));
    let diff = at(a) - at(expected);
    assert!((0..=10).contains(&diff), "{a} is not just after {expected}");
    assert!(a.ends_with("+00:00"), "{a}");
}

async fn sandbox() -> Sandbox {
    Sandbox::with(Config {
        clock_start: Some(at("2026-12-01T10:00:00+00:00")),
        ..Config::ephemeral()
    })
    .await
}

async fn mandate(sb: &Sandbox, key: &str, cst: &str) -> String {
    let r = sb
        .post(
            key,
            &format!("/v2/customers/{cst}/mandates"),
            json!({"method": "directdebit", "consumerName": "T. Tester",
                   "consumerAccount": "NL55INGB0000000000"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["id"].as_str().unwrap().to_owned()
}

fn body(description: &str) -> Value {
    json!({"amount": {"value": "25.00", "currency": "EUR"}, "times": 4,
           "interval": "3 months", "description": description,
           "startDate": "2026-12-02"})
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

fn assert_error(r: &support::Reply, status: u16, detail: &str, field: Option<&str>) {
    assert_eq!(r.status.as_u16(), status, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/hal+json"));
    let v = r.json();
    assert_eq!(v["detail"], detail, "{v}");
    match field {
        Some(f) => assert_eq!(v["field"], f, "{v}"),
        None => assert!(v.get("field").is_none(), "{v}"),
    }
}

#[tokio::test]
async fn create_get_and_the_shape_of_a_subscription() {
    let sb = sandbox().await;
    let key = random_key();
    let cst = sb.customer(&key).await;
    let customer = sb.get(&key, &format!("/v2/customers/{cst}")).await.json();
    assert!(customer["_links"].get("subscriptions").is_none());
    mandate(&sb, &key, &cst).await;
    let path = format!("/v2/customers/{cst}/subscriptions");
    let r = sb
        .send(
            hyper::Method::POST,
            &path,
            Some(&key),
            support::Body::Form(
                "amount[value]=25.00&amount[currency]=EUR&times=4&interval=3%20months&description=Quarterly%20payment&webhookUrl=https%3A%2F%2Fshop.example%2Fhook"
                    .into(),
            ),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let s = r.json();
    assert_eq!(
        keys(&s),
        [
            "resource",
            "id",
            "mode",
            "createdAt",
            "status",
            "amount",
            "times",
            "timesRemaining",
            "interval",
            "description",
            "startDate",
            "nextPaymentDate",
            "method",
            "webhookUrl",
            "metadata",
            "customerId",
            "_links"
        ]
    );
    assert!(s["id"].as_str().unwrap().starts_with("sub_"));
    assert_eq!(s["mode"], "test");
    assert_near(&s["createdAt"], "2026-12-01T10:00:00+00:00");
    assert_eq!(s["status"], "active");
    assert_eq!(s["times"], 4);
    assert_eq!(s["timesRemaining"], 4);
    assert_eq!(s["interval"], "3 months");
    assert_eq!(s["startDate"], "2026-12-01");
    assert_eq!(s["nextPaymentDate"], "2026-12-01");
    assert!(s["method"].is_null());
    assert!(s["metadata"].is_null());
    assert_eq!(s["customerId"], cst.as_str());
    assert_eq!(
        keys(&s["_links"]),
        ["self", "customer", "profile", "documentation"]
    );
    assert!(s["_links"]["documentation"]["href"]
        .as_str()
        .unwrap()
        .ends_with("subscriptions-api/create-subscription"));
    let id = s["id"].as_str().unwrap();
    let got = sb.get(&key, &format!("{path}/{id}")).await;
    assert_eq!(got.status, 200);
    let customer = sb.get(&key, &format!("/v2/customers/{cst}")).await.json();
    assert!(customer["_links"]["subscriptions"]["href"]
        .as_str()
        .unwrap()
        .ends_with(&path));
    let r = sb.get(&key, &format!("{path}/sub_nothere")).await;
    assert_error(
        &r,
        404,
        "No subscription exists with token sub_nothere.",
        None,
    );
    // Another customer's subscription is not found under this one.
    let other = sb.customer(&key).await;
    let r = sb
        .get(&key, &format!("/v2/customers/{other}/subscriptions/{id}"))
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn validation_runs_in_the_real_apis_order() {
    let sb = sandbox().await;
    let key = random_key();
    let cst = sb.customer(&key).await;
    let path = format!("/v2/customers/{cst}/subscriptions");
    // No mandate: that is all the API says, however bad the rest.
    let r = sb
        .post(&key, &path, json!({"interval": "1 year", "amount": "x"}))
        .await;
    assert_error(&r, 422, "No suitable mandates found for customer", None);
    let r = sb.post(&key, &path, json!({"bogus": 1})).await;
    assert_error(
        &r,
        422,
        "Non-existent body parameter \"bogus\" for this API call.",
        Some("bogus"),
    );
    let mdt = mandate(&sb, &key, &cst).await;
    let with = |patch: Value| {
        let mut b = body("Plan");
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                b.as_object_mut().unwrap().remove(k);
            } else {
                b[k] = v.clone();
            }
        }
        b
    };
    // A method the customer has no mandate for.
    let r = sb
        .post(&key, &path, with(json!({"method": "creditcard"})))
        .await;
    assert_error(&r, 422, "No suitable mandates found for customer", None);
    for bad in [
        "1 year",
        "banana",
        "0 months",
        "13 months",
        "53 weeks",
        "366 days",
    ] {
        let r = sb.post(&key, &path, with(json!({"interval": bad}))).await;
        assert_error(&r, 422, "The interval unit is invalid", Some("interval"));
    }
    let r = sb.post(&key, &path, with(json!({"amount": null}))).await;
    assert_error(
        &r,
        422,
        "The amount is required for subscriptions",
        Some("amount"),
    );
    let r = sb
        .post(&key, &path, with(json!({"description": null})))
        .await;
    assert_error(
        &r,
        422,
        "The 'description' field is missing",
        Some("description"),
    );
    let r = sb
        .post(&key, &path, with(json!({"startDate": "2026-11-30"})))
        .await;
    assert_error(
        &r,
        422,
        "The start date cannot be in the past",
        Some("startDate"),
    );
    let r = sb
        .post(&key, &path, with(json!({"startDate": "01-12-2026"})))
        .await;
    assert_error(&r, 422, "The start date is invalid", Some("startDate"));
    let r = sb.post(&key, &path, with(json!({"times": 0}))).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["field"], "times");
    let r = sb
        .post(
            &key,
            &path,
            with(json!({"method": "directdebit", "mandateId": mdt})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["field"], "mandateId");
    // One is fine; the same description again is not, until it is canceled.
    let first = sb.post(&key, &path, body("Plan")).await;
    assert_eq!(first.status, 201, "{}", first.text());
    let r = sb.post(&key, &path, body("Plan")).await;
    assert_error(
        &r,
        422,
        "A subscription with the same description already exists for this customer.",
        None,
    );
    let id = first.json()["id"].as_str().unwrap().to_owned();
    let r = sb.delete(&key, &format!("{path}/{id}")).await;
    assert_eq!(r.status, 200);
    let again = sb.post(&key, &path, body("Plan")).await;
    assert_eq!(again.status, 201, "{}", again.text());
}

#[tokio::test]
async fn cancel_returns_the_canceled_object_then_422() {
    let sb = sandbox().await;
    let key = random_key();
    let cst = sb.customer(&key).await;
    mandate(&sb, &key, &cst).await;
    let path = format!("/v2/customers/{cst}/subscriptions");
    let s = sb.post(&key, &path, body("To cancel")).await.json();
    let id = s["id"].as_str().unwrap();
    let r = sb.delete(&key, &format!("{path}/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let c = r.json();
    assert_eq!(c["status"], "canceled");
    assert_near(&c["canceledAt"], "2026-12-01T10:00:00+00:00");
    assert!(c.get("nextPaymentDate").is_none());
    assert!(c.get("timesRemaining").is_none());
    assert!(c["_links"]["documentation"]["href"]
        .as_str()
        .unwrap()
        .ends_with("cancel-subscription"));
    let r = sb.delete(&key, &format!("{path}/{id}")).await;
    assert_error(&r, 422, "The subscription has been cancelled.", None);
    let r = sb.get(&key, &format!("{path}/{id}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "canceled");
    let r = sb
        .patch(&key, &format!("{path}/{id}"), json!({"description": "x"}))
        .await;
    assert_error(&r, 422, "The subscription has been cancelled.", None);
}

#[tokio::test]
async fn update_rules() {
    let sb = sandbox().await;
    let key = random_key();
    let cst = sb.customer(&key).await;
    let mdt = mandate(&sb, &key, &cst).await;
    let path = format!("/v2/customers/{cst}/subscriptions");
    let s = sb
        .post(
            &key,
            &path,
            json!({"amount": {"value": "10.00", "currency": "EUR"}, "interval": "1 month",
                   "times": 6, "description": "Monthly", "startDate": "2026-12-31"}),
        )
        .await
        .json();
    let id = s["id"].as_str().unwrap();
    let one = format!("{path}/{id}");
    let r = sb
        .patch(
            &key,
            &one,
            json!({"amount": {"value": "12.50", "currency": "EUR"}, "description": "Monthly plus",
                   "metadata": {"tier": 2}, "webhookUrl": "https://shop.example/subs",
                   "startDate": "2027-01-31", "mandateId": mdt}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let u = r.json();
    assert_eq!(u["amount"]["value"], "12.50");
    assert_eq!(u["description"], "Monthly plus");
    assert_eq!(u["metadata"], json!({"tier": 2}));
    assert_eq!(u["startDate"], "2027-01-31");
    assert_eq!(u["nextPaymentDate"], "2027-01-31");
    assert_eq!(u["mandateId"], mdt.as_str());
    assert!(u["method"].is_null());
    assert!(u["_links"]["documentation"]["href"]
        .as_str()
        .unwrap()
        .ends_with("update-subscription"));
    let r = sb.patch(&key, &one, json!({"status": "active"})).await;
    assert_eq!(r.status, 422);
    // Two charges, then the start date is fixed and times has a floor.
    let r = sb
        .post(
            &key,
            "/_sandbox/clock",
            json!({"to": "2027-03-01T00:00:00+00:00"}),
        )
        .await;
    assert_eq!(r.json()["paymentsCreated"], 2, "{}", r.text());
    let r = sb
        .patch(&key, &one, json!({"startDate": "2027-06-01"}))
        .await;
    assert_error(
        &r,
        422,
        "The start date cannot be changed when the subscription is already charged",
        Some("startDate"),
    );
    let r = sb.patch(&key, &one, json!({"times": 1})).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["field"], "times");
    assert_eq!(
        sb.get(&key, &one).await.json()["nextPaymentDate"],
        "2027-03-31"
    );
    // A new interval counts from the last charge date (2027-02-28).
    let r = sb.patch(&key, &one, json!({"interval": "2 weeks"})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["nextPaymentDate"], "2027-03-14");
    assert_eq!(r.json()["timesRemaining"], 4);
    // Times down to the charges made completes it.
    let r = sb.patch(&key, &one, json!({"times": 2})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["status"], "completed");
    let r = sb.post(&key, "/_sandbox/clock", json!({"days": 60})).await;
    assert_eq!(r.json()["paymentsCreated"], 0);
}

#[tokio::test]
async fn lists_page_newest_first() {
    let sb = sandbox().await;
    let key = random_key();
    let cst = sb.customer(&key).await;
    mandate(&sb, &key, &cst).await;
    let path = format!("/v2/customers/{cst}/subscriptions");
    let mut ids = Vec::new();
    for i in 0..5 {
        let s = sb
            .post(&key, &path, body(&format!("Plan {i}")))
            .await
            .json();
        ids.push(s["id"].as_str().unwrap().to_owned());
    }
    let other = sb.customer(&key).await;
    mandate(&sb, &key, &other).await;
    sb.post(
        &key,
        &format!("/v2/customers/{other}/subscriptions"),
        body("Other"),
    )
    .await;
    let page = sb.get(&key, &format!("{path}?limit=2")).await.json();
    assert_eq!(page["count"], 2);
    let got: Vec<&str> = page["_embedded"]["subscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, [ids[4].as_str(), ids[3].as_str()]);
    let next = page["_links"]["next"]["href"].as_str().unwrap();
    assert!(
        next.ends_with(&format!("{path}?from={}&limit=2", ids[2])),
        "{next}"
    );
    assert!(page["_links"]["previous"].is_null());
    let item = &page["_embedded"]["subscriptions"][0];
    assert!(item["_links"].get("documentation").is_none());
    let all = sb.get(&key, "/v2/subscriptions").await.json();
    assert_eq!(all["count"], 6);
    assert!(all["_links"]["documentation"]["href"]
        .as_str()
        .unwrap()
        .ends_with("list-all-subscriptions"));
    let r = sb.get(&key, &format!("{path}?from=sub_unknown")).await;
    assert_eq!(r.status, 400);
    let r = sb
        .get(&key, &format!("{path}/{}/payments", ids[0]))
        .await
        .json();
    assert_eq!(r["count"], 0);
    assert!(r["_embedded"]["payments"].as_array().unwrap().is_empty());
    // Another account sees none of them.
    let r = sb.get(&random_key(), "/v2/subscriptions").await.json();
    assert_eq!(r["count"], 0);
}

#[tokio::test]
async fn state_export_and_import_keep_subscriptions_and_the_clock() {
    let sb = sandbox().await;
    let key = random_key();
    let cst = sb.customer(&key).await;
    mandate(&sb, &key, &cst).await;
    let path = format!("/v2/customers/{cst}/subscriptions");
    let s = sb
        .post(
            &key,
            &path,
            json!({"amount": {"value": "10.00", "currency": "EUR"}, "interval": "1 month",
                   "times": 3, "description": "Kept", "startDate": "2026-12-15",
                   "metadata": {"k": [1, 2]}}),
        )
        .await
        .json();
    let id = s["id"].as_str().unwrap();
    sb.post(
        &key,
        "/_sandbox/clock",
        json!({"to": "2027-01-20T00:00:00+00:00"}),
    )
    .await;
    let state = sb.get(&key, "/_sandbox/state").await.json();
    let account = &state["accounts"][&key];
    assert_near(&account["now"], "2027-01-20T00:00:00+00:00");
    let exported = &account["subscriptions"][0];
    assert_eq!(exported["id"], id);
    assert_eq!(exported["chargesMade"], 2);
    assert_eq!(exported["nextPaymentDate"], "2027-02-15");

    // Into another account: same objects, same clock, charging on.
    let other = random_key();
    let r = sb
        .send(
            hyper::Method::PUT,
            "/_sandbox/state",
            Some(&other),
            support::Body::Json(state.clone()),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let clock = sb.get(&other, "/_sandbox/clock").await.json();
    assert_near(&clock["now"], "2027-01-20T00:00:00+00:00");
    let copy = sb.get(&other, &format!("{path}/{id}")).await.json();
    assert_eq!(copy["timesRemaining"], 1);
    assert_eq!(copy["metadata"], json!({"k": [1, 2]}));
    let r = sb
        .post(&other, "/_sandbox/clock", json!({"advance": "P1M"}))
        .await
        .json();
    assert_eq!(r["paymentsCreated"], 1, "{r}");
    let done = sb.get(&other, &format!("{path}/{id}")).await.json();
    assert_eq!(done["status"], "completed");
    let pays = sb
        .get(&other, &format!("{path}/{id}/payments"))
        .await
        .json();
    assert_eq!(pays["count"], 3);

    // A reset forgets them and puts the clock back at its start.
    let r = sb.post(&key, "/_sandbox/reset", json!({})).await;
    assert_eq!(r.status, 200);
    assert_eq!(sb.get(&key, "/v2/subscriptions").await.json()["count"], 0);
    let clock = sb.get(&key, "/_sandbox/clock").await.json();
    assert_near(&clock["now"], "2026-12-01T10:00:00+00:00");
}

#[tokio::test]
async fn the_dashboard_shows_a_subscription() {
    let sb = sandbox().await;
    let key = random_key();
    let cst = sb.customer(&key).await;
    mandate(&sb, &key, &cst).await;
    let s = sb
        .post(
            &key,
            &format!("/v2/customers/{cst}/subscriptions"),
            body("Shown"),
        )
        .await
        .json();
    let id = s["id"].as_str().unwrap();
    let r = sb
        .get(&key, &format!("/_sandbox/dashboard/subscriptions/{id}"))
        .await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    let text = r.text();
    assert!(
        text.contains(&format!("<h1>Subscription {id}</h1>")),
        "{text}"
    );
    assert!(
        text.contains("&quot;description&quot;: &quot;Shown&quot;")
            || text.contains("\"description\": \"Shown\""),
        "{text}"
    );
    let r = sb
        .get(
            &random_key(),
            &format!("/_sandbox/dashboard/subscriptions/{id}"),
        )
        .await;
    assert_eq!(r.status, 404);
}

/// An organization access token (Mollie Connect apps use these).
fn access_token() -> String {
    random_key().replacen("test_", "access_", 1)
}

#[tokio::test]
async fn an_application_fee_is_for_access_tokens_and_rides_on_every_charge() {
    let sb = sandbox().await;
    let fee =
        json!({"amount": {"value": "0.50", "currency": "EUR"}, "description": "Platform fee"});
    let with_fee = |description: &str, extra: Value| {
        let mut b = body(description);
        b["applicationFee"] = fee.clone();
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };

    // To an API key it is an unknown parameter, as every access-token
    // parameter is.
    let key = random_key();
    let cst = sb.customer(&key).await;
    mandate(&sb, &key, &cst).await;
    let r = sb
        .post(
            &key,
            &format!("/v2/customers/{cst}/subscriptions"),
            with_fee("Key", json!({})),
        )
        .await;
    assert_error(
        &r,
        422,
        "Non-existent body parameter \"applicationFee\" for this API call.",
        Some("applicationFee"),
    );

    // An access token working in test mode.
    let token = access_token();
    let test = json!({"testmode": true});
    let r = sb
        .post(
            &token,
            "/v2/customers",
            json!({"name": "Connected", "testmode": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let cst = r.json()["id"].as_str().unwrap().to_owned();
    let r = sb
        .post(
            &token,
            &format!("/v2/customers/{cst}/mandates"),
            json!({"method": "directdebit", "consumerName": "T. Tester",
                   "consumerAccount": "NL55INGB0000000000", "testmode": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let path = format!("/v2/customers/{cst}/subscriptions");
    for (bad, field) in [
        (json!("0.50"), "applicationFee"),
        (
            json!({"amount": {"value": "0.50", "currency": "EUR"}}),
            "applicationFee.description",
        ),
        (
            json!({"amount": {"value": "0.5", "currency": "EUR"}, "description": "x"}),
            "applicationFee.amount.value",
        ),
        (
            json!({"amount": {"value": "0.50", "currency": "EUR"}, "description": "x", "vat": 1}),
            "applicationFee.vat",
        ),
    ] {
        let mut b = with_fee("Bad fee", test.clone());
        b["applicationFee"] = bad.clone();
        let r = sb.post(&token, &path, b).await;
        assert_eq!(r.status, 422, "{bad}: {}", r.text());
        assert_eq!(r.json()["field"], field, "{bad}: {}", r.text());
    }
    let r = sb
        .post(&token, &path, with_fee("Connect plan", test.clone()))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let s = r.json();
    let id = s["id"].as_str().unwrap().to_owned();
    assert_eq!(s["applicationFee"], fee);
    // Last before the links, where Mollie lists it.
    let k = keys(&s);
    assert_eq!(k[k.len() - 2..], ["applicationFee", "_links"]);
    let got = sb
        .get(&token, &format!("{path}/{id}?testmode=true"))
        .await
        .json();
    assert_eq!(got["applicationFee"], fee);
    // The update takes none (Mollie's update lists no such parameter).
    let r = sb
        .patch(
            &token,
            &format!("{path}/{id}"),
            json!({"applicationFee": fee, "testmode": true}),
        )
        .await;
    assert_error(
        &r,
        422,
        "Non-existent body parameter \"applicationFee\" for this API call.",
        Some("applicationFee"),
    );
    // A subscription without one shows none.
    let plain = sb
        .post(&token, &path, {
            let mut b = body("No fee");
            b["testmode"] = json!(true);
            b
        })
        .await
        .json();
    assert!(plain.get("applicationFee").is_none(), "{plain}");

    // Each charge carries it.
    let r = sb
        .post(
            &token,
            "/_sandbox/clock",
            json!({"advance": "P1D", "testmode": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let pays = sb
        .get(&token, &format!("{path}/{id}/payments?testmode=true"))
        .await
        .json();
    assert_eq!(pays["count"], 1, "{pays}");
    assert_eq!(pays["_embedded"]["payments"][0]["applicationFee"], fee);

    // The state keeps it: exported, loaded elsewhere, charging on with it.
    let state = sb.get(&token, "/_sandbox/state?testmode=true").await.json();
    let accounts = state["accounts"].as_object().unwrap();
    let exported = accounts.values().next().unwrap()["subscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(exported["applicationFee"], fee);
    let other = random_key();
    let r = sb
        .send(
            hyper::Method::PUT,
            "/_sandbox/state",
            Some(&other),
            support::Body::Json(state.clone()),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let copy = sb.get(&other, &format!("{path}/{id}")).await.json();
    assert_eq!(copy["applicationFee"], fee, "{copy}");
    let r = sb
        .post(&other, "/_sandbox/clock", json!({"advance": "P3M"}))
        .await
        .json();
    // One charge of each subscription.
    assert_eq!(r["paymentsCreated"], 2, "{r}");
    let pays = sb
        .get(&other, &format!("{path}/{id}/payments"))
        .await
        .json();
    assert_eq!(pays["count"], 2, "{pays}");
    for p in pays["_embedded"]["payments"].as_array().unwrap() {
        assert_eq!(p["applicationFee"], fee, "{p}");
    }
}
