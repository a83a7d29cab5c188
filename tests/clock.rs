//! The account clock: advancing it runs subscription charges, expiry and
//! webhook retries in time order, on each account's own clock.

mod support;

use mollie_sandbox::Config;
use serde_json::{json, Value};
use support::{random_key, Receiver, Sandbox};

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

/// A sandbox whose accounts' clocks start at `start`.
async fn sandbox_at(start: &str) -> Sandbox {
    Sandbox::with(Config {
        clock_start: Some(at(start)),
        webhook_time_scale: 1.0,
        ..Config::ephemeral()
    })
    .await
}

/// A customer with a valid direct-debit mandate.
async fn customer_with_mandate(sb: &Sandbox, key: &str) -> (String, String) {
    let cst = sb.customer(key).await;
    let r = sb
        .post(
            key,
            &format!("/v2/customers/{cst}/mandates"),
            json!({"method": "directdebit", "consumerName": "T. Tester",
                   "consumerAccount": "NL55INGB0000000000"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    (cst, r.json()["id"].as_str().unwrap().to_owned())
}

async fn subscribe(sb: &Sandbox, key: &str, cst: &str, body: Value) -> Value {
    let r = sb
        .post(key, &format!("/v2/customers/{cst}/subscriptions"), body)
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()
}

async fn advance(sb: &Sandbox, key: &str, body: Value) -> Value {
    let r = sb.post(key, "/_sandbox/clock", body).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

async fn subscription(sb: &Sandbox, key: &str, cst: &str, id: &str) -> Value {
    let r = sb
        .get(key, &format!("/v2/customers/{cst}/subscriptions/{id}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

async fn sub_payments(sb: &Sandbox, key: &str, cst: &str, id: &str) -> Vec<Value> {
    let r = sb
        .get(
            key,
            &format!("/v2/customers/{cst}/subscriptions/{id}/payments?limit=250"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["_embedded"]["payments"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn a_twelve_month_subscription_advanced_one_year() {
    // 2028 is a leap year: the month-end subscription charges Feb 29.
    let sb = sandbox_at("2028-01-30T10:00:00+00:00").await;
    let rx = Receiver::start(vec![]).await;
    let key = random_key();
    let r = sb
        .send(
            hyper::Method::PUT,
            "/_sandbox/subscriptions",
            Some(&key),
            support::Body::Json(json!({"testModeCancel": false})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["testModeCancel"], false);
    let (cst, mdt) = customer_with_mandate(&sb, &key).await;
    let sub = subscribe(
        &sb,
        &key,
        &cst,
        json!({"amount": {"value": "25.00", "currency": "EUR"}, "interval": "1 month",
               "times": 12, "startDate": "2028-01-31", "description": "Plan Gold",
               "webhookUrl": rx.url("/subs"), "metadata": {"plan": "gold", "n": 1}}),
    )
    .await;
    let id = sub["id"].as_str().unwrap();
    assert_eq!(sub["status"], "active");
    assert_eq!(sub["nextPaymentDate"], "2028-01-31");
    assert_eq!(sub["timesRemaining"], 12);

    let summary = advance(&sb, &key, json!({"advance": "P1Y"})).await;
    assert_near(&summary["now"], "2029-01-30T10:00:00+00:00");
    assert_near(&summary["from"], "2028-01-30T10:00:00+00:00");
    assert_eq!(summary["paymentsCreated"], 12, "{summary}");
    assert_eq!(summary["events"]["subscriptionCharges"], 12);
    assert_eq!(summary["webhooks"]["sent"], 12);
    assert_eq!(summary["webhooks"]["succeeded"], 12);
    // Attempted before the advance answered.
    assert_eq!(rx.hits().len(), 12);

    let done = subscription(&sb, &key, &cst, id).await;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["timesRemaining"], 0);
    assert!(done.get("nextPaymentDate").is_none(), "{done}");
    assert!(done["_links"]["payments"]["href"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/v2/customers/{cst}/subscriptions/{id}/payments")));

    let payments = sub_payments(&sb, &key, &cst, id).await;
    assert_eq!(payments.len(), 12);
    let mut created: Vec<&str> = payments
        .iter()
        .map(|p| p["createdAt"].as_str().unwrap())
        .collect();
    created.reverse();
    assert_eq!(
        created,
        [
            "2028-01-31T00:00:00+00:00",
            "2028-02-29T00:00:00+00:00",
            "2028-03-31T00:00:00+00:00",
            "2028-04-30T00:00:00+00:00",
            "2028-05-31T00:00:00+00:00",
            "2028-06-30T00:00:00+00:00",
            "2028-07-31T00:00:00+00:00",
            "2028-08-31T00:00:00+00:00",
            "2028-09-30T00:00:00+00:00",
            "2028-10-31T00:00:00+00:00",
            "2028-11-30T00:00:00+00:00",
            "2028-12-31T00:00:00+00:00",
        ]
    );
    for p in &payments {
        assert_eq!(p["amount"], json!({"value": "25.00", "currency": "EUR"}));
        assert_eq!(p["description"], "Plan Gold");
        assert_eq!(p["metadata"], json!({"plan": "gold", "n": 1}));
        assert_eq!(p["sequenceType"], "recurring");
        assert_eq!(p["subscriptionId"], id);
        assert_eq!(p["mandateId"], mdt.as_str());
        assert_eq!(p["customerId"], cst.as_str());
        assert_eq!(p["status"], "paid");
        assert_eq!(p["method"], "directdebit");
        assert_eq!(p["webhookUrl"], rx.url("/subs"));
        assert_eq!(p["createdAt"], p["paidAt"]);
        assert!(p["_links"]["subscription"]["href"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/subscriptions/{id}")));
    }
    // The webhooks came in charge order, one per payment.
    let mut ids: Vec<String> = payments
        .iter()
        .map(|p| format!("id={}", p["id"].as_str().unwrap()))
        .collect();
    ids.reverse();
    let bodies: Vec<String> = rx.hits().into_iter().map(|h| h.body).collect();
    assert_eq!(bodies, ids);
    // Nothing more falls due.
    let again = advance(&sb, &key, json!({"days": 365})).await;
    assert_eq!(again["paymentsCreated"], 0, "{again}");
}

#[tokio::test]
async fn test_mode_cancels_after_ten_charges() {
    let sb = sandbox_at("2026-03-01T08:00:00+00:00").await;
    let key = random_key();
    let (cst, _) = customer_with_mandate(&sb, &key).await;
    let sub = subscribe(
        &sb,
        &key,
        &cst,
        json!({"amount": {"value": "5.00", "currency": "EUR"}, "interval": "1 week",
               "startDate": "2026-03-02", "description": "Weekly box"}),
    )
    .await;
    let id = sub["id"].as_str().unwrap();
    assert!(sub["times"].is_null());
    assert!(sub.get("timesRemaining").is_none());
    let summary = advance(&sb, &key, json!({"weeks": 20})).await;
    assert_eq!(summary["paymentsCreated"], 10, "{summary}");
    let s = subscription(&sb, &key, &cst, id).await;
    assert_eq!(s["status"], "canceled");
    // Canceled at the tenth charge, by the clock: 2026-03-02 + 9 weeks.
    assert_eq!(s["canceledAt"], "2026-05-04T00:00:00+00:00");
    assert!(s.get("nextPaymentDate").is_none());
}

#[tokio::test]
async fn the_flag_keeps_test_mode_subscriptions_charging() {
    let sb = Sandbox::with(Config {
        clock_start: Some(at("2026-03-01T08:00:00+00:00")),
        no_test_subscription_cancel: true,
        ..Config::ephemeral()
    })
    .await;
    let key = random_key();
    let (cst, _) = customer_with_mandate(&sb, &key).await;
    let sub = subscribe(
        &sb,
        &key,
        &cst,
        json!({"amount": {"value": "5.00", "currency": "EUR"}, "interval": "7 days",
               "startDate": "2026-03-02", "description": "Weekly box"}),
    )
    .await;
    let summary = advance(&sb, &key, json!({"to": "2026-05-25T00:00:00+00:00"})).await;
    // 2026-03-02 to 2026-05-25 inclusive, weekly: 13 charges.
    assert_eq!(summary["paymentsCreated"], 13, "{summary}");
    let s = subscription(&sb, &key, &cst, sub["id"].as_str().unwrap()).await;
    assert_eq!(s["status"], "active");
    assert_eq!(s["nextPaymentDate"], "2026-06-01");
}

#[tokio::test]
async fn revoking_the_mandate_or_deleting_the_customer_cancels() {
    let sb = sandbox_at("2026-06-10T12:00:00+00:00").await;
    let key = random_key();
    let (cst, mdt) = customer_with_mandate(&sb, &key).await;
    let body = |d: &str| {
        json!({"amount": {"value": "9.99", "currency": "EUR"}, "interval": "1 month",
               "startDate": "2026-07-01", "description": d})
    };
    let named = subscribe(
        &sb,
        &key,
        &cst,
        json!({"amount": {"value": "9.99", "currency": "EUR"}, "interval": "1 month",
               "startDate": "2026-07-01", "description": "Named", "mandateId": mdt}),
    )
    .await;
    assert_eq!(named["mandateId"], mdt.as_str());
    assert!(named["_links"]["mandate"]["href"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/mandates/{mdt}")));
    let any = subscribe(&sb, &key, &cst, body("Any mandate")).await;
    let r = sb
        .delete(&key, &format!("/v2/customers/{cst}/mandates/{mdt}"))
        .await;
    assert_eq!(r.status, 204);
    for s in [&named, &any] {
        let s = subscription(&sb, &key, &cst, s["id"].as_str().unwrap()).await;
        assert_eq!(s["status"], "canceled", "{s}");
        assert_near(&s["canceledAt"], "2026-06-10T12:00:00+00:00");
    }
    let summary = advance(&sb, &key, json!({"advance": "P3M"})).await;
    assert_eq!(summary["paymentsCreated"], 0, "{summary}");

    // Deleting a customer cancels its subscriptions.
    let (cst2, _) = customer_with_mandate(&sb, &key).await;
    let s2 = subscribe(
        &sb,
        &key,
        &cst2,
        json!({"amount": {"value": "9.99", "currency": "EUR"}, "interval": "1 month",
               "startDate": "2026-10-01", "description": "Deleted customer"}),
    )
    .await;
    assert_eq!(
        sb.delete(&key, &format!("/v2/customers/{cst2}"))
            .await
            .status,
        204
    );
    let all = sb.get(&key, "/v2/subscriptions").await.json();
    let found = all["_embedded"]["subscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == s2["id"])
        .cloned()
        .unwrap();
    assert_eq!(found["status"], "canceled");
}

#[tokio::test]
async fn failing_charges_suspend_the_subscription() {
    let sb = sandbox_at("2026-01-05T09:00:00+00:00").await;
    let rx = Receiver::start(vec![]).await;
    let key = random_key();
    let (cst, _) = customer_with_mandate(&sb, &key).await;
    let sub = subscribe(
        &sb,
        &key,
        &cst,
        json!({"amount": {"value": "10.00", "currency": "EUR"}, "interval": "1 month",
               "startDate": "2026-01-06", "description": "Failing", "webhookUrl": rx.url("/f")}),
    )
    .await;
    let id = sub["id"].as_str().unwrap();
    let r = sb
        .send(
            hyper::Method::PUT,
            &format!("/_sandbox/subscriptions/{id}"),
            Some(&key),
            support::Body::Json(json!({"chargeOutcome": "failed"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let summary = advance(&sb, &key, json!({"advance": "P1Y"})).await;
    // Three failures in a row, then no more charges.
    assert_eq!(summary["paymentsCreated"], 3, "{summary}");
    assert_eq!(summary["webhooks"]["sent"], 3);
    let s = subscription(&sb, &key, &cst, id).await;
    assert_eq!(s["status"], "suspended");
    let payments = sub_payments(&sb, &key, &cst, id).await;
    assert!(payments.iter().all(|p| p["status"] == "failed"));
    assert!(payments.iter().all(|p| p["failedAt"] == p["createdAt"]));

    // Pending, as test-mode direct debits are, for the account.
    let r = sb
        .send(
            hyper::Method::PUT,
            "/_sandbox/subscriptions",
            Some(&key),
            support::Body::Json(json!({"chargeOutcome": "pending"})),
        )
        .await;
    assert_eq!(r.json()["chargeOutcome"], "pending");
    let other = subscribe(
        &sb,
        &key,
        &cst,
        json!({"amount": {"value": "10.00", "currency": "EUR"}, "interval": "1 month",
               "startDate": "2027-01-06", "description": "Pending ones"}),
    )
    .await;
    let summary = advance(&sb, &key, json!({"to": "2027-01-06T01:00:00+00:00"})).await;
    assert_eq!(summary["paymentsCreated"], 1, "{summary}");
    assert_eq!(summary["webhooks"]["sent"], 0, "no webhook for pending");
    let p = sub_payments(&sb, &key, &cst, other["id"].as_str().unwrap()).await;
    assert_eq!(p[0]["status"], "pending");
}

#[tokio::test]
async fn a_scenario_rule_fails_the_nth_charge() {
    let dir = std::env::temp_dir().join(format!("mollie-sandbox-test-charges-{}", random_key()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("third-charge-fails.json"),
        json!({"name": "third-charge-fails", "rules": [
            {"match": {"method": "POST", "path": "/v2/customers/*/subscriptions/*/payments"},
             "after": 2, "times": 1, "response": {"status": 402}}]})
        .to_string(),
    )
    .unwrap();
    let sb = Sandbox::with(Config {
        clock_start: Some(at("2026-01-01T09:00:00+00:00")),
        scenarios: Some(dir),
        ..Config::ephemeral()
    })
    .await;
    let key = random_key();
    let r = sb
        .send(
            hyper::Method::PUT,
            "/_sandbox/scenario",
            Some(&key),
            support::Body::Json(json!({"name": "third-charge-fails"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let (cst, _) = customer_with_mandate(&sb, &key).await;
    let sub = subscribe(
        &sb,
        &key,
        &cst,
        json!({"amount": {"value": "10.00", "currency": "EUR"}, "interval": "1 month",
               "startDate": "2026-01-02", "times": 5, "description": "Nth"}),
    )
    .await;
    advance(&sb, &key, json!({"advance": "P6M"})).await;
    let mut statuses: Vec<String> = sub_payments(&sb, &key, &cst, sub["id"].as_str().unwrap())
        .await
        .iter()
        .map(|p| p["status"].as_str().unwrap().to_owned())
        .collect();
    statuses.reverse();
    assert_eq!(statuses, ["paid", "paid", "failed", "paid", "paid"]);
    // The journal shows each charge as the request the rules saw, at its time.
    let j = sb
        .get(&key, "/_sandbox/requests?method=POST&path=/v2/customers/")
        .await
        .json();
    let charges: Vec<&Value> = j["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["path"].as_str().unwrap().ends_with("/payments"))
        .collect();
    let codes: Vec<&Value> = charges.iter().rev().map(|e| &e["status"]).collect();
    assert_eq!(
        codes,
        [
            &json!(201),
            &json!(201),
            &json!(402),
            &json!(201),
            &json!(201)
        ]
    );
    assert_eq!(charges[2]["rules"], json!(["rule-1"]));
    assert_eq!(charges[2]["scenario"], "third-charge-fails");
    assert!(charges[4]["time"]
        .as_str()
        .unwrap()
        .starts_with("2026-01-02T00:00:00"));
}

#[tokio::test]
async fn accounts_have_independent_clocks() {
    let sb = sandbox_at("2026-12-01T10:00:00+00:00").await;
    let (a, b) = (random_key(), random_key());
    let clock_a = sb.get(&a, "/_sandbox/clock").await.json();
    assert_near(&clock_a["now"], "2026-12-01T10:00:00+00:00");
    advance(&sb, &a, json!({"days": 30})).await;
    let (ca, cb) = (
        sb.get(&a, "/_sandbox/clock").await.json(),
        sb.get(&b, "/_sandbox/clock").await.json(),
    );
    assert_near(&ca["now"], "2026-12-31T10:00:00+00:00");
    assert_near(&cb["now"], "2026-12-01T10:00:00+00:00");
    // Every timestamp the API shows comes from the account's clock.
    let ca_customer = sb.customer(&a).await;
    let c = sb
        .get(&a, &format!("/v2/customers/{ca_customer}"))
        .await
        .json();
    assert_near(&c["createdAt"], "2026-12-31T10:00:00+00:00");
    let cb_customer = sb.customer(&b).await;
    let c = sb
        .get(&b, &format!("/v2/customers/{cb_customer}"))
        .await
        .json();
    assert_near(&c["createdAt"], "2026-12-01T10:00:00+00:00");
}

#[tokio::test]
async fn the_clock_only_moves_forward_and_says_how() {
    let sb = sandbox_at("2028-01-31T10:00:00+00:00").await;
    let key = random_key();
    for (body, field) in [
        (json!({"to": "2028-01-01T00:00:00+00:00"}), Some("to")),
        (json!({"advance": "-P1D"}), Some("advance")),
        (json!({"advance": "soon"}), Some("advance")),
        (json!({"days": -1}), Some("days")),
        (json!({"days": 1, "to": "2029-01-01T00:00:00+00:00"}), None),
        (json!({}), None),
    ] {
        let r = sb.post(&key, "/_sandbox/clock", body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.text());
        assert_eq!(
            r.header("content-type"),
            Some("application/hal+json"),
            "{body}"
        );
        if let Some(f) = field {
            assert_eq!(r.json()["field"], f, "{body}");
        }
    }
    // Calendar months: Jan 31 plus one month is Feb 29 in 2028.
    let s = advance(&sb, &key, json!({"advance": "P1M"})).await;
    assert_near(&s["now"], "2028-02-29T10:00:00+00:00");
    let s = advance(&sb, &key, json!({"hours": 1, "minutes": 30})).await;
    assert_near(&s["now"], "2028-02-29T11:30:00+00:00");
    let s = advance(&sb, &key, json!({"to": "2028-03-01T00:00:00Z"})).await;
    assert_eq!(s["now"], "2028-03-01T00:00:00+00:00");
    let r = sb.delete(&key, "/_sandbox/clock").await;
    assert_eq!(r.status, 405);
}

#[tokio::test]
async fn an_open_ideal_payment_expires_after_fifteen_minutes_of_clock() {
    let sb = sandbox_at("2026-12-01T10:00:00+00:00").await;
    let rx = Receiver::start(vec![]).await;
    let key = random_key();
    let p = sb
        .payment(
            &key,
            None,
            json!({"amount": {"value": "10.00", "currency": "EUR"}, "description": "Order",
                   "redirectUrl": "https://shop.example/return", "method": "ideal",
                   "webhookUrl": rx.url("/exp")}),
        )
        .await;
    let id = p["id"].as_str().unwrap();
    assert_near(&p["expiresAt"], "2026-12-01T10:15:00+00:00");
    assert_eq!(
        at(p["expiresAt"].as_str().unwrap()) - at(p["createdAt"].as_str().unwrap()),
        900
    );
    let expires = p["expiresAt"].clone();
    let s = advance(&sb, &key, json!({"minutes": 14})).await;
    assert_eq!(s["events"], json!({}), "{s}");
    let s = advance(&sb, &key, json!({"minutes": 2})).await;
    assert_eq!(s["events"]["paymentExpiries"], 1, "{s}");
    assert_eq!(s["webhooks"]["sent"], 1);
    assert_eq!(rx.hits()[0].body, format!("id={id}"));
    let p = sb.get(&key, &format!("/v2/payments/{id}")).await.json();
    assert_eq!(p["status"], "expired");
    assert_eq!(p["expiredAt"], expires);
}

#[tokio::test]
async fn the_webhook_retry_schedule_is_walked_by_advancing() {
    let sb = sandbox_at("2026-12-01T10:00:00+00:00").await;
    let rx = Receiver::start(vec![500, 503, 500]).await;
    let key = random_key();
    let p = sb
        .payment(
            &key,
            None,
            json!({"amount": {"value": "10.00", "currency": "EUR"}, "description": "Order",
                   "redirectUrl": "https://shop.example/return", "method": "ideal",
                   "webhookUrl": rx.url("/retry")}),
        )
        .await;
    let id = p["id"].as_str().unwrap();
    sb.set_status(&key, id, json!({"status": "paid"})).await;
    let log = sb
        .eventually(&key, "/_sandbox/webhooks", |v| v["count"] == 1)
        .await;
    // The retry waits on the account's clock: one minute after the attempt.
    let next = log["webhooks"][0]["nextAttemptAt"].as_str().unwrap();
    let clock = sb.get(&key, "/_sandbox/clock").await.json();
    let now = at(clock["now"].as_str().unwrap());
    assert!((at(next) - now - 60).abs() <= 1, "{next} vs {clock}");
    assert_eq!(clock["pendingEvents"], 1);

    let s = advance(&sb, &key, json!({"seconds": 30})).await;
    assert_eq!(s["webhooks"]["sent"], 0, "{s}");
    assert_eq!(rx.hits().len(), 1);
    // +1 min: attempt 2 (503); +2 min: attempt 3 (500); +4 min: attempt 4 (200).
    let s = advance(&sb, &key, json!({"seconds": 31})).await;
    assert_eq!(
        s["webhooks"],
        json!({"sent": 1, "succeeded": 0, "failed": 1}),
        "{s}"
    );
    let s = advance(&sb, &key, json!({"minutes": 2})).await;
    assert_eq!(s["webhooks"]["sent"], 1, "{s}");
    let s = advance(&sb, &key, json!({"minutes": 4})).await;
    assert_eq!(
        s["webhooks"],
        json!({"sent": 1, "succeeded": 1, "failed": 0}),
        "{s}"
    );
    let attempts = sb.get(&key, "/_sandbox/webhooks").await.json();
    let numbers: Vec<&Value> = attempts["webhooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["attempt"])
        .collect();
    assert_eq!(numbers, [&json!(1), &json!(2), &json!(3), &json!(4)]);
    assert_eq!(rx.hits().len(), 4);
    // The whole rest of the schedule in one advance: nothing is left.
    let s = advance(&sb, &key, json!({"days": 2})).await;
    assert_eq!(s["webhooks"]["sent"], 0, "{s}");
    assert_eq!(
        sb.get(&key, "/_sandbox/clock").await.json()["pendingEvents"],
        0
    );
}

#[tokio::test]
async fn one_advance_walks_a_dead_receivers_whole_schedule() {
    let sb = sandbox_at("2026-12-01T10:00:00+00:00").await;
    let rx = Receiver::start(vec![500; 20]).await;
    let key = random_key();
    let p = sb
        .payment(
            &key,
            None,
            json!({"amount": {"value": "10.00", "currency": "EUR"}, "description": "Order",
                   "redirectUrl": "https://shop.example/return", "method": "ideal",
                   "webhookUrl": rx.url("/dead")}),
        )
        .await;
    let s = advance(&sb, &key, json!({"minutes": 15})).await;
    assert_eq!(s["events"]["paymentExpiries"], 1, "{s}");
    let s = advance(&sb, &key, json!({"days": 2})).await;
    assert_eq!(s["events"]["webhookRetries"], 9, "{s}");
    assert_eq!(s["webhooks"]["sent"], 9);
    let log = sb.get(&key, "/_sandbox/webhooks").await.json();
    assert_eq!(log["count"], 10);
    assert!(log["webhooks"][9]["nextAttemptAt"].is_null());
    assert!(p["id"].is_string());
}

async fn mandates(sb: &Sandbox, key: &str, cst: &str) -> Vec<Value> {
    let r = sb.get(key, &format!("/v2/customers/{cst}/mandates")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["_embedded"]["mandates"]
        .as_array()
        .unwrap()
        .clone()
}

async fn statuses(sb: &Sandbox, key: &str, cst: &str, ids: &[&str]) -> Vec<Value> {
    let mut out = Vec::new();
    for id in ids {
        out.push(subscription(sb, key, cst, id).await["status"].clone());
    }
    out
}

async fn set_mandate(sb: &Sandbox, key: &str, mdt: &str, status: &str) -> support::Reply {
    sb.post(
        key,
        &format!("/_sandbox/mandates/{mdt}/status"),
        json!({"status": status}),
    )
    .await
}

#[tokio::test]
async fn a_pending_mandate_turns_valid_and_its_subscription_active() {
    let sb = sandbox_at("2026-03-10T09:00:00+00:00").await;
    let key = random_key();
    let cst = sb.customer(&key).await;
    // A first payment that is not finalized leaves a pending mandate.
    let first = sb
        .payment(
            &key,
            Some(&cst),
            json!({"amount": {"value": "0.01", "currency": "EUR"}, "description": "First",
                   "redirectUrl": "https://shop.example/return", "sequenceType": "first",
                   "method": "ideal"}),
        )
        .await;
    let tr = first["id"].as_str().unwrap();
    assert!(mandates(&sb, &key, &cst).await.is_empty());
    let r = sb.set_status(&key, tr, json!({"status": "pending"})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let listed = mandates(&sb, &key, &cst).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["status"], "pending");
    assert_eq!(listed[0]["method"], "directdebit");
    let mdt = listed[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(r.json()["mandateId"], mdt.as_str());

    // Mollie takes a subscription on a pending mandate, as pending.
    let sub = subscribe(
        &sb,
        &key,
        &cst,
        json!({"amount": {"value": "5.00", "currency": "EUR"}, "interval": "1 month",
               "description": "Waits for the mandate"}),
    )
    .await;
    assert_eq!(sub["status"], "pending");
    let id = sub["id"].as_str().unwrap();
    // Its date (today) has come: nothing is charged while it is pending
    // (a few minutes: the pending iDEAL payment expires after 15).
    let summary = advance(&sb, &key, json!({"minutes": 5})).await;
    assert_eq!(summary["paymentsCreated"], 0, "{summary}");
    let s = subscription(&sb, &key, &cst, id).await;
    assert_eq!(s["status"], "pending");
    assert_eq!(s["nextPaymentDate"], "2026-03-10");
    assert!(sub_payments(&sb, &key, &cst, id).await.is_empty());

    // The first payment is paid: the mandate turns valid (the same one,
    // with the consumer's bank account), the subscription active by itself.
    let r = sb.set_status(&key, tr, json!({"status": "paid"})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["mandateId"], mdt.as_str());
    let listed = mandates(&sb, &key, &cst).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["status"], "valid");
    assert_eq!(
        listed[0]["details"]["consumerAccount"],
        "NL12RABO0995764688"
    );
    let s = subscription(&sb, &key, &cst, id).await;
    assert_eq!(s["status"], "active", "{s}");
    // The date that came while it waited is charged at once (by the
    // background tick or this advance, whichever comes first), then the
    // months run on from the start date.
    advance(&sb, &key, json!({"minutes": 1})).await;
    let s = subscription(&sb, &key, &cst, id).await;
    assert_eq!(s["nextPaymentDate"], "2026-04-10");
    let paid = sub_payments(&sb, &key, &cst, id).await;
    assert_eq!(paid.len(), 1);
    assert_eq!(paid[0]["mandateId"], mdt.as_str());
    assert_eq!(paid[0]["sequenceType"], "recurring");
    let summary = advance(&sb, &key, json!({"advance": "P1M"})).await;
    assert_eq!(summary["paymentsCreated"], 1, "{summary}");
}

#[tokio::test]
async fn a_failed_first_payment_invalidates_its_mandate_and_suspends() {
    let sb = sandbox_at("2026-03-10T09:00:00+00:00").await;
    let key = random_key();
    let cst = sb.customer(&key).await;
    let first = sb
        .payment(
            &key,
            Some(&cst),
            json!({"amount": {"value": "10.00", "currency": "EUR"}, "description": "First",
                   "redirectUrl": "https://shop.example/return", "sequenceType": "first",
                   "method": "creditcard"}),
        )
        .await;
    let tr = first["id"].as_str().unwrap();
    let r = sb.set_status(&key, tr, json!({"status": "pending"})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let mdt = r.json()["mandateId"].as_str().unwrap().to_owned();
    let sub = subscribe(
        &sb,
        &key,
        &cst,
        json!({"amount": {"value": "5.00", "currency": "EUR"}, "interval": "1 month",
               "description": "Card plan", "method": "creditcard"}),
    )
    .await;
    assert_eq!(sub["status"], "pending");
    let r = sb.set_status(&key, tr, json!({"status": "failed"})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let listed = mandates(&sb, &key, &cst).await;
    assert_eq!(listed[0]["id"], mdt.as_str());
    assert_eq!(listed[0]["status"], "invalid");
    assert_eq!(listed[0]["method"], "creditcard");
    let id = sub["id"].as_str().unwrap();
    let s = subscription(&sb, &key, &cst, id).await;
    assert_eq!(s["status"], "suspended", "{s}");
    let summary = advance(&sb, &key, json!({"advance": "P2M"})).await;
    assert_eq!(summary["paymentsCreated"], 0, "{summary}");
    // A mandate that appears later does not revive a suspended one by
    // itself (an update naming it does).
    let r = sb
        .post(
            &key,
            &format!("/v2/customers/{cst}/mandates"),
            json!({"method": "directdebit", "consumerName": "T. Tester",
                   "consumerAccount": "NL55INGB0000000000"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(
        subscription(&sb, &key, &cst, id).await["status"],
        "suspended"
    );
}

#[tokio::test]
async fn the_sandbox_route_moves_a_mandate_and_its_subscriptions_follow() {
    let sb = sandbox_at("2026-05-01T08:00:00+00:00").await;
    let key = random_key();
    let (cst, mdt) = customer_with_mandate(&sb, &key).await;
    let r = set_mandate(&sb, &key, &mdt, "pending").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/hal+json"));
    let m = r.json();
    assert_eq!(m["resource"], "mandate");
    assert_eq!(m["status"], "pending");
    let named = subscribe(
        &sb,
        &key,
        &cst,
        json!({"amount": {"value": "7.50", "currency": "EUR"}, "interval": "14 days",
               "description": "Named", "mandateId": mdt, "startDate": "2026-05-02"}),
    )
    .await;
    let any = subscribe(
        &sb,
        &key,
        &cst,
        json!({"amount": {"value": "7.50", "currency": "EUR"}, "interval": "14 days",
               "description": "Any", "startDate": "2026-05-02"}),
    )
    .await;
    for s in [&named, &any] {
        assert_eq!(s["status"], "pending", "{s}");
    }
    let ids = [named["id"].as_str().unwrap(), any["id"].as_str().unwrap()];
    assert_eq!(set_mandate(&sb, &key, &mdt, "valid").await.status, 200);
    assert_eq!(
        statuses(&sb, &key, &cst, &ids).await,
        [json!("active"), json!("active")]
    );
    let summary = advance(&sb, &key, json!({"days": 1})).await;
    assert_eq!(summary["paymentsCreated"], 2, "{summary}");

    // The bank refuses the mandate: nothing left to charge, suspended.
    assert_eq!(set_mandate(&sb, &key, &mdt, "invalid").await.status, 200);
    assert_eq!(
        statuses(&sb, &key, &cst, &ids).await,
        [json!("suspended"), json!("suspended")]
    );
    let summary = advance(&sb, &key, json!({"days": 30})).await;
    assert_eq!(summary["paymentsCreated"], 0, "{summary}");

    // Refusals: a bad status, an unknown mandate, a revoked one.
    let r = set_mandate(&sb, &key, &mdt, "revoked").await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["field"], "status");
    let r = set_mandate(&sb, &key, "mdt_doesnotexist", "valid").await;
    assert_eq!(r.status, 404, "{}", r.text());
    let r = sb
        .delete(&key, &format!("/v2/customers/{cst}/mandates/{mdt}"))
        .await;
    assert_eq!(r.status, 204);
    let r = set_mandate(&sb, &key, &mdt, "valid").await;
    assert_eq!(r.status, 410, "{}", r.text());
}

/// More webhooks at one moment than an account may have waiting
/// (`webhooks::QUEUE`, 4096): the advance waits for a share of them before
/// it fires on, so none is dropped at the bound, and the queue it shares
/// with every other account never fills with one advance's deliveries.
#[tokio::test]
async fn an_advance_bigger_than_the_delivery_queue_drops_no_webhook() {
    const N: usize = 5000;
    let rx = Receiver::start(Vec::new()).await;
    let key = random_key();
    let hook = rx.url("/hook");
    let customers: Vec<Value> = (0..N)
        .map(|i| json!({"id": format!("cst_q{i:05}"), "name": "Subscriber"}))
        .collect();
    let mandates: Vec<Value> = (0..N)
        .map(|i| {
            json!({"id": format!("mdt_q{i:05}"), "customerId": format!("cst_q{i:05}"),
                   "method": "directdebit", "status": "valid",
                   "details": {"consumerName": "S", "consumerAccount": "NL55INGB0000000000",
                               "consumerBic": "INGBNL2A"}})
        })
        .collect();
    let subscriptions: Vec<Value> = (0..N)
        .map(|i| {
            json!({"id": format!("sub_q{i:05}"), "customerId": format!("cst_q{i:05}"),
                   "status": "active", "amount": {"value": "1.00", "currency": "EUR"},
                   "interval": "1 month", "description": "Plan", "startDate": "2026-12-02",
                   "webhookUrl": hook})
        })
        .collect();
    // More than the 1 MiB a request may carry: a fixture file.
    let fixture = json!({"accounts": {&key: {"now": "2026-12-01T10:00:00+00:00",
        "customers": customers, "mandates": mandates, "subscriptions": subscriptions}}});
    let path = std::env::temp_dir().join(format!("mollie-sandbox-test-queue-{key}.json"));
    std::fs::write(&path, fixture.to_string()).unwrap();
    let sb = Sandbox::with(Config {
        fixtures: Some(path.clone()),
        no_fixtures: false,
        webhook_time_scale: 1.0,
        ..Config::ephemeral()
    })
    .await;
    let _ = std::fs::remove_file(&path);
    // A receiver that keeps the first deliveries waiting a moment: the
    // rest pile up behind them.
    rx.hold();
    let (s, ()) = tokio::join!(advance(&sb, &key, json!({"days": 1})), async {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        rx.release();
    });
    assert_eq!(s["paymentsCreated"], N, "{s}");
    assert_eq!(
        s["webhooks"],
        json!({"sent": N, "succeeded": N, "failed": 0}),
        "{s}"
    );
    assert_eq!(rx.hits().len(), N);
}
