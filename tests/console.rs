//! The QA console over HTTP: its panels escape what they show, state
//! changes refuse cross-site browsers, the account list needs the admin
//! token, journal bodies come only with the flag; and `/_sandbox/metrics`
//! counts what happens.

mod common;
mod support;

use common::*;
use mollie_sandbox::Config;
use reqwest::Method;
use serde_json::json;

const SCRIPT: &str = "<script>alert(1)</script>";

async fn panel(api: &Api, route: &str) -> Res {
    api.get(&format!("/_sandbox/console/{route}")).await
}

#[tokio::test]
async fn panels_escape_every_value() {
    let sb = start().await;
    let api = sb.api();
    let c = api
        .customer(json!({"name": SCRIPT, "email": "a\"onmouseover=\"x@example.org"}))
        .await;
    let cst = s(&c["id"]).to_owned();
    let p = api
        .customer_payment(
            &cst,
            &with(
                &payment_body(),
                json!({"description": SCRIPT, "metadata": {"note": "<img src=x>"}}),
            ),
        )
        .await;
    assert_eq!(p.status, 201, "{}", p.text);
    let id = s(&p.json["id"]).to_owned();
    // A path with markup, journaled as it came.
    let r = api.get("/v2/payments/%3Cscript%3E").await;
    assert_eq!(r.status, 404);

    for route in [
        "customers".to_owned(),
        "payments".to_owned(),
        format!("payments/{id}"),
        "journal".to_owned(),
        format!("customers?q={}", "%3Cscript%3E"),
    ] {
        let r = panel(&api, &route).await;
        assert_eq!(r.status, 200, "{route}: {}", r.text);
        assert_eq!(r.content_type(), Some("text/html; charset=utf-8"));
        assert_eq!(r.header("cache-control"), Some("no-store"));
        assert!(!r.text.contains("<script"), "{route}: {}", r.text);
        assert!(!r.text.contains("<img"), "{route}: {}", r.text);
        assert!(!r.text.contains("\"onmouseover"), "{route}: {}", r.text);
    }
    let customers = panel(&api, "customers").await.text;
    assert!(
        customers.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;"),
        "{customers}"
    );
    assert!(customers.contains(&cst));
    let searched = panel(&api, "customers?q=alert").await.text;
    assert!(searched.contains(&cst), "search finds by name");
    assert!(!panel(&api, "customers?q=nobody").await.text.contains(&cst));
    let page = panel(&api, &format!("payments/{id}")).await.text;
    assert!(page.contains("Set paid"), "{page}");
    assert!(
        page.contains("&lt;img src=x&gt;"),
        "metadata in the API view: {page}"
    );
    assert!(
        page.contains(&format!(
            "data-path=\"&#x2F;_sandbox&#x2F;payments&#x2F;{id}&#x2F;status\""
        )),
        "{page}"
    );
    let journal = panel(&api, "journal").await.text;
    assert!(
        journal.contains("&#x2F;v2&#x2F;payments&#x2F;%3Cscript%3E"),
        "{journal}"
    );

    // The page itself carries no data, and forbids inline script.
    let shell = read(
        http()
            .get(format!("{}/_sandbox/", sb.url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(shell.status, 200);
    let csp = shell.header("content-security-policy").unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(shell.header("x-frame-options"), Some("DENY"));
    assert!(shell
        .text
        .contains("<script src=\"/_sandbox/console/console.js\" defer></script>"));
    let js = read(
        http()
            .get(format!("{}/_sandbox/console/console.js", sb.url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(js.content_type(), Some("text/javascript; charset=utf-8"));
    assert!(js.text.contains("sessionStorage"));
}

/// Refunds, chargebacks and captures: the payment page offers the buttons
/// (each the documented request), the timeline and the tables show what
/// they made, escaped; the clock, profile and subscription panels render.
#[tokio::test]
async fn after_sales_panels_render_escape_and_act() {
    let sb = start().await;
    let api = sb.api();
    let p = api.post("/v2/payments", &payment_body()).await;
    assert_eq!(p.status, 201, "{}", p.text);
    let id = s(&p.json["id"]).to_owned();
    let page = panel(&api, &format!("payments/{id}")).await.text;
    assert!(
        !page.contains("Refund EUR"),
        "nothing to refund while open: {page}"
    );
    let r = api
        .post(
            &format!("/_sandbox/payments/{id}/status"),
            &json!({"status": "paid"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    let page = panel(&api, &format!("payments/{id}")).await.text;
    let refunds = format!("data-path=\"&#x2F;_sandbox&#x2F;payments&#x2F;{id}&#x2F;refunds\"");
    assert!(page.contains("Refund EUR 10.00"), "{page}");
    assert_eq!(
        page.matches(&refunds).count(),
        2,
        "full and partial: {page}"
    );
    assert!(
        page.contains("data-field=\"amount.value\"") && page.contains("value=\"10.00\""),
        "{page}"
    );
    assert!(page.contains(&format!(
        "data-path=\"&#x2F;_sandbox&#x2F;payments&#x2F;{id}&#x2F;chargebacks\""
    )));
    assert!(!page.contains(">Capture<"), "{page}");
    // The chargeback form: the reason's two fields, filled with a bank code.
    assert!(
        page.contains("data-field=\"reason.code\" value=\"AC01\">")
            && page.contains("data-field=\"reason.description\""),
        "{page}"
    );

    // What the partial refund button sends, with markup in the description.
    let r = api
        .post(
            &format!("/_sandbox/payments/{id}/refunds"),
            &json!({"amount": {"currency": "EUR", "value": "4.00"}, "description": SCRIPT}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let re = s(&r.json["id"]).to_owned();
    let r = api
        .post(
            &format!("/_sandbox/payments/{id}/chargebacks"),
            &json!({"amount": {"currency": "EUR", "value": "6.00"},
                    "reason": {"code": "MD06", "description": SCRIPT}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let chb = s(&r.json["id"]).to_owned();
    let escaped_reason = "reason MD06: &lt;script&gt;alert(1)&lt;&#x2F;script&gt;";

    let page = panel(&api, &format!("payments/{id}")).await.text;
    assert!(!page.contains("<script"), "{page}");
    for want in [
        format!("Refund <code>{re}</code> of EUR 4.00"),
        format!("Chargeback <code>{chb}</code> of EUR 6.00"),
        format!(
            "Chargeback <code>{chb}</code> of EUR 6.00 <span class=\"chip chip-good\">charged_back</span> · {escaped_reason}"
        ),
        format!("data-path=\"&#x2F;_sandbox&#x2F;refunds&#x2F;{re}&#x2F;status\""),
        format!("data-path=\"&#x2F;_sandbox&#x2F;chargebacks&#x2F;{chb}&#x2F;reverse\""),
    ] {
        assert!(page.contains(&want), "{want}: {page}");
    }
    assert!(
        !page.contains("Refund EUR"),
        "nothing left to refund: {page}"
    );

    let table = panel(&api, "refunds").await;
    assert_eq!(table.status, 200);
    assert!(table.text.contains(&re) && table.text.contains("1 in this account"));
    assert!(table.text.contains("&lt;script&gt;"), "{}", table.text);
    assert!(!table.text.contains("<script"), "{}", table.text);
    assert!(!panel(&api, "refunds?status=failed")
        .await
        .text
        .contains(&re));
    assert!(panel(&api, "refunds?q=alert").await.text.contains(&re));
    let table = panel(&api, "chargebacks?status=charged_back").await.text;
    assert!(table.contains(&chb), "{table}");
    assert!(
        table.contains(&format!("<td>{}</td>", &escaped_reason["reason ".len()..])),
        "the reason in its column: {table}"
    );
    assert!(panel(&api, "chargebacks?q=md06").await.text.contains(&chb));
    let r = api
        .post(&format!("/_sandbox/chargebacks/{chb}/reverse"), &json!({}))
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    assert!(!panel(&api, "chargebacks?status=charged_back")
        .await
        .text
        .contains(&chb));
    assert!(panel(&api, "chargebacks?status=reversed")
        .await
        .text
        .contains(&chb));

    // An authorized payment offers the capture; its capture shows with the
    // buttons that settle it.
    let auth = authorized_payment(&api).await;
    let page = panel(&api, &format!("payments/{auth}")).await.text;
    assert!(
        page.contains(">Capture<") && page.contains("Capture part"),
        "{page}"
    );
    assert!(
        page.contains(&format!(
            "data-path=\"&#x2F;_sandbox&#x2F;payments&#x2F;{auth}&#x2F;captures\""
        )),
        "{page}"
    );
    let r = api
        .post(&format!("/_sandbox/payments/{auth}/captures"), &json!({}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let cpt = s(&r.json["id"]).to_owned();
    let table = panel(&api, "captures").await.text;
    assert!(table.contains(&cpt) && table.contains(&auth), "{table}");
    let page = panel(&api, &format!("payments/{auth}")).await.text;
    assert!(
        page.contains(&format!("Capture <code>{cpt}</code> of EUR 10.00")),
        "{page}"
    );

    // Subscriptions, the profile with its methods, the clock.
    let subs = panel(&api, "subscriptions").await;
    assert_eq!(subs.status, 200);
    assert!(subs.text.contains("0 in this account"), "{}", subs.text);
    let profile = panel(&api, "profile").await.text;
    assert!(profile.contains("<code>ideal</code>"), "{profile}");
    assert!(profile.contains("chip-good\">enabled"), "{profile}");
    let clock = panel(&api, "clock").await.text;
    for label in ["Advance 1 hour", "Advance 1 day", "Advance 1 month"] {
        assert!(clock.contains(label), "{label}: {clock}");
    }
    assert!(
        clock.contains("data-body=\"{&quot;advance&quot;:&quot;P1D&quot;}\""),
        "{clock}"
    );
    assert!(
        clock.contains("data-path=\"&#x2F;_sandbox&#x2F;clock\""),
        "{clock}"
    );
    assert!(clock.contains("data-field=\"advance\""), "custom: {clock}");
    assert_eq!(clock.matches("data-summary=\"1\"").count(), 4, "{clock}");

    // The metrics count the new kinds.
    let metrics = read(
        http()
            .get(format!("{}/_sandbox/metrics", sb.url))
            .send()
            .await
            .unwrap(),
    )
    .await
    .text;
    for (kind, n) in [
        ("refunds", 1),
        ("chargebacks", 1),
        ("captures", 1),
        ("payments", 2),
        ("subscriptions", 0),
        ("profiles", 1),
    ] {
        assert_eq!(
            metric(
                &metrics,
                &format!("mollie_sandbox_objects{{kind=\"{kind}\"}} ")
            ),
            n,
            "{kind}: {metrics}"
        );
    }
    assert!(metrics.contains("mollie_sandbox_objects{kind=\"subscriptions\"} 0"));
}

#[tokio::test]
async fn panels_need_a_key_and_pages_page() {
    let sb = start().await;
    let r = read(
        http()
            .get(format!("{}/_sandbox/console/payments", sb.url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.assert_error(
        401,
        "Missing authentication, or failed to authenticate",
        None,
    );
    let api = sb.api();
    for _ in 0..30 {
        api.customer(json!({})).await;
    }
    let first = panel(&api, "customers").await.text;
    assert_eq!(first.matches("<tr><td><code>cst_").count(), 25, "{first}");
    assert!(first.contains("30 in this account"));
    let next = first
        .split("href=\"#/customers?from=")
        .nth(1)
        .expect("a next link");
    let from = &next[..next.find('"').unwrap()];
    let second = panel(&api, &format!("customers?from={from}")).await.text;
    assert_eq!(second.matches("<tr><td><code>cst_").count(), 5, "{second}");
    assert!(second.contains(&format!("<code>{from}</code>")));
    assert!(second.contains("First page"));
    let r = panel(&api, "nothing-here").await;
    assert_eq!(r.status, 404);
    let r = api
        .send(api.request(Method::POST, "/_sandbox/console/customers"))
        .await;
    assert_eq!(r.status, 405);
}

#[tokio::test]
async fn state_changes_refuse_cross_site_browsers() {
    let sb = start().await;
    let api = sb.api();
    let cst = api.customer_id().await;
    let reset = |headers: &[(&str, &str)]| {
        let mut rb = api.request(Method::POST, "/_sandbox/reset");
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        api.send(rb)
    };
    let refused = "Cross-site requests cannot change the sandbox: use the console at /_sandbox/ or a client that is not a browser.";
    reset(&[("origin", "http://evil.example")])
        .await
        .assert_error(403, refused, None);
    reset(&[("sec-fetch-site", "cross-site")])
        .await
        .assert_error(403, refused, None);
    // Another port on localhost is the same site, but not the same origin.
    reset(&[
        ("sec-fetch-site", "same-site"),
        ("origin", "http://127.0.0.1:1"),
    ])
    .await
    .assert_error(403, refused, None);
    reset(&[("origin", "null")])
        .await
        .assert_error(403, refused, None);
    let r = api
        .send(
            api.request(Method::PUT, "/_sandbox/scenario")
                .header("sec-fetch-site", "cross-site")
                .json(&json!({"name": "outage"})),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        api.get(&format!("/v2/customers/{cst}")).await.status,
        200,
        "nothing was reset or switched"
    );
    // Reads stay open (they need the key, which a cross-site page cannot send).
    let r = api
        .send(
            api.request(Method::GET, "/_sandbox/state")
                .header("sec-fetch-site", "cross-site"),
        )
        .await;
    assert_eq!(r.status, 200);

    // The console's own requests, and clients that are no browser, pass.
    let host = sb.url.trim_start_matches("http://").to_owned();
    assert_eq!(
        reset(&[("sec-fetch-site", "same-origin")]).await.status,
        200
    );
    assert_eq!(
        reset(&[("origin", &format!("http://{host}"))]).await.status,
        200
    );
    assert_eq!(reset(&[]).await.status, 200);
    assert_eq!(api.get(&format!("/v2/customers/{cst}")).await.status, 404);
}

#[tokio::test]
async fn accounts_list_needs_the_admin_token() {
    let sb = start_with(Config {
        admin_token: Some("s3cret-token".into()),
        ..Config::ephemeral()
    })
    .await;
    let api = sb.api();
    api.customer(json!({"name": "Listed"})).await;
    let url = format!("{}/_sandbox/accounts", sb.url);
    let detail =
        "This acts on other accounts than the caller's: it needs the sandbox's admin token (--admin-token) as \"Authorization: Bearer …\".";
    read(http().get(&url).send().await.unwrap())
        .await
        .assert_error(401, detail, None);
    read(http().get(&url).bearer_auth("wrong").send().await.unwrap())
        .await
        .assert_error(401, detail, None);
    read(http().get(&url).bearer_auth(&api.key).send().await.unwrap())
        .await
        .assert_error(401, detail, None);
    let r = read(
        http()
            .get(&url)
            .bearer_auth("s3cret-token")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!r.text.contains(&api.key), "keys are masked: {}", r.text);
    let masked = format!("{}…{}", &api.key[..8], &api.key[api.key.len() - 4..]);
    let listed = r.json["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == masked.as_str())
        .expect("the account is listed")
        .clone();
    assert_eq!(listed["mode"], "test");
    assert_eq!(listed["objects"], 1);
    assert!(listed["lastActivity"].is_string());
    let reference = s(&listed["reference"]).to_owned();
    assert!(reference.starts_with("acct_"));

    // The reference acts on the account, with the admin token only.
    let state = format!("{}/_sandbox/state", sb.url);
    let by_ref = read(
        http()
            .get(&state)
            .header("x-sandbox-account", &reference)
            .bearer_auth("s3cret-token")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(by_ref.status, 200, "{}", by_ref.text);
    assert_eq!(by_ref.json, api.get("/_sandbox/state").await.json);
    let r = read(
        http()
            .get(&state)
            .header("x-sandbox-account", &reference)
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.assert_error(401, detail, None);
    let r = read(
        http()
            .get(&state)
            .header("x-sandbox-account", "acct_nope")
            .bearer_auth("s3cret-token")
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.assert_error(404, "No account exists with this reference.", None);
    let html = read(
        http()
            .get(format!("{}/_sandbox/console/accounts", sb.url))
            .bearer_auth("s3cret-token")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        html.text.contains(&format!("data-ref=\"{reference}\"")),
        "{}",
        html.text
    );
    assert!(!html.text.contains(&api.key));

    // Without --admin-token the list is open.
    let open = start().await;
    let r = read(
        http()
            .get(format!("{}/_sandbox/accounts", open.url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn journal_bodies_only_with_the_flag() {
    let plain = start().await;
    let api = plain.api();
    api.customer(json!({"name": "A"})).await;
    let r = api.get("/_sandbox/requests/1").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["path"], "/v2/customers");
    assert_eq!(r.json["bodies"], serde_json::Value::Null);
    assert_eq!(r.json["bodiesKept"], false);
    assert!(panel(&api, "journal/1")
        .await
        .text
        .contains("--journal-bodies"));

    let sb = start_with(Config {
        journal_bodies: true,
        ..Config::ephemeral()
    })
    .await;
    let api = sb.api();
    let c = api.customer(json!({"name": "Bodies"})).await;
    let big = "x".repeat(20_000);
    let r = api.post("/v2/customers", &json!({"name": big})).await;
    assert_eq!(r.status, 201);
    let r = api.get("/_sandbox/requests/1").await;
    assert_eq!(r.json["bodies"]["request"], r#"{"name":"Bodies"}"#);
    let response: serde_json::Value =
        serde_json::from_str(s(&r.json["bodies"]["response"])).unwrap();
    assert_eq!(response["id"], c["id"]);
    assert_eq!(r.json["bodies"]["requestTruncated"], false);
    let r = api.get("/_sandbox/requests/2").await;
    assert_eq!(r.json["bodies"]["requestTruncated"], true);
    assert_eq!(s(&r.json["bodies"]["request"]).len(), 8192);
    api.get("/_sandbox/requests/99").await.assert_error(
        404,
        "No journal entry exists with id 99.",
        None,
    );
    let html = panel(&api, "journal/1").await.text;
    assert!(
        html.contains("&quot;name&quot;: &quot;Bodies&quot;"),
        "{html}"
    );

    // What polling asks: only what is newer, filtered.
    let r = api.get("/_sandbox/requests?after=1").await;
    assert_eq!(r.json["count"], 1);
    assert_eq!(r.json["requests"][0]["id"], 2);
    let rows = panel(&api, "journal/rows?after=1").await.text;
    assert_eq!(rows.matches("<tr data-id=").count(), 1, "{rows}");
    assert!(rows.starts_with("<tr data-id=\"2\">"), "{rows}");
    assert_eq!(panel(&api, "journal/rows?after=2").await.text, "");
    assert_eq!(panel(&api, "journal/rows").await.status, 400);
}

fn metric(text: &str, line_start: &str) -> u64 {
    text.lines()
        .find(|l| l.starts_with(line_start))
        .and_then(|l| l.rsplit(' ').next())
        .map(|n| n.parse::<f64>().unwrap() as u64)
        .unwrap_or(0)
}

#[tokio::test]
async fn metrics_count_requests() {
    let sb = start().await;
    let api = sb.api();
    let scrape = || async {
        let r = read(
            http()
                .get(format!("{}/_sandbox/metrics", sb.url))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, 200);
        assert_eq!(
            r.content_type(),
            Some("text/plain; version=0.0.4; charset=utf-8")
        );
        r.text
    };
    let created = r#"mollie_sandbox_requests_total{route="/v2/customers",status="201"} "#;
    let got = r#"mollie_sandbox_requests_total{route="/v2/customers/{id}",status="200"} "#;
    let count = r#"mollie_sandbox_request_duration_seconds_count{route="/v2/customers"} "#;
    let inf = r#"mollie_sandbox_request_duration_seconds_bucket{route="/v2/customers",le="+Inf"} "#;
    let rule = r#"mollie_sandbox_scenario_rule_hits_total{route="/v2/customers",scenario="outage",rule="down"} "#;
    let before = scrape().await;
    assert!(before.contains("# TYPE mollie_sandbox_requests_total counter"));
    assert!(before.contains("# TYPE mollie_sandbox_request_duration_seconds histogram"));
    assert_eq!(metric(&before, created), 0);

    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(api.customer_id().await);
    }
    assert_eq!(
        api.get(&format!("/v2/customers/{}", ids[0])).await.status,
        200
    );
    let r = api
        .send(
            api.request(Method::GET, "/v2/customers")
                .header("x-sandbox-scenario", "outage"),
        )
        .await;
    assert_eq!(r.status, 503);

    let after = scrape().await;
    assert_eq!(metric(&after, created), 3, "{after}");
    assert_eq!(metric(&after, got), 1, "ids leave the route label: {after}");
    assert_eq!(metric(&after, count), 4);
    assert_eq!(metric(&after, inf), 4);
    assert_eq!(
        metric(
            &after,
            r#"mollie_sandbox_requests_total{route="/v2/customers",status="503"} "#
        ),
        1
    );
    assert_eq!(metric(&after, rule), 1, "{after}");
    assert!(metric(&after, "mollie_sandbox_accounts ") >= 1);
    assert_eq!(
        metric(&after, r#"mollie_sandbox_objects{kind="customers"} "#),
        3
    );
    assert!(metric(&after, "mollie_sandbox_journal_bytes ") > 0);
    assert!(after.contains("mollie_sandbox_webhook_queue_depth{state=\"queued\"} 0"));
    assert!(after.contains("mollie_sandbox_webhook_attempts_total{outcome=\"success\"} 0"));
    // Every sample line is `name{labels} number`.
    for line in after.lines().filter(|l| !l.starts_with('#')) {
        let value = line.rsplit(' ').next().unwrap();
        assert!(value.parse::<f64>().is_ok(), "{line}");
    }
}

#[tokio::test]
async fn metrics_count_webhook_outcomes() {
    let sb = start_with(Config {
        webhook_time_scale: 0.0,
        ..Config::ephemeral()
    })
    .await;
    let api = sb.api();
    let p = api
        .post(
            "/v2/payments",
            &with(
                &payment_body(),
                json!({"webhookUrl": "http://127.0.0.1:1/hook"}),
            ),
        )
        .await;
    assert_eq!(p.status, 201, "{}", p.text);
    let r = api
        .post(
            &format!("/_sandbox/payments/{}/status", s(&p.json["id"])),
            &json!({"status": "paid"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let errors = r#"mollie_sandbox_webhook_attempts_total{outcome="error"} "#;
    let mut seen = 0;
    for _ in 0..100 {
        let text = read(
            http()
                .get(format!("{}/_sandbox/metrics", sb.url))
                .send()
                .await
                .unwrap(),
        )
        .await
        .text;
        seen = metric(&text, errors);
        if seen == 10 {
            assert_eq!(
                metric(
                    &text,
                    r#"mollie_sandbox_webhook_attempts_total{outcome="success"} "#
                ),
                0
            );
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(seen, 10, "ten failed attempts (Mollie's schedule, at once)");
}

/// A payment of `payment_body()` with `patch`, moved to `status` by the
/// sandbox; its id.
async fn payment_in(api: &Api, patch: serde_json::Value, status: &str) -> String {
    let p = api
        .post("/v2/payments", &with(&payment_body(), patch))
        .await;
    assert_eq!(p.status, 201, "{}", p.text);
    let id = s(&p.json["id"]).to_owned();
    let r = api
        .post(
            &format!("/_sandbox/payments/{id}/status"),
            &json!({"status": status}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    id
}

/// A card payment with `captureMode: manual`, authorized; its id.
async fn authorized_payment(api: &Api) -> String {
    payment_in(
        api,
        json!({"method": "creditcard", "captureMode": "manual"}),
        "authorized",
    )
    .await
}

/// A new customer with a direct-debit mandate and a monthly subscription
/// described `description`: the customer's id and the subscription's.
async fn subscription(api: &Api, description: &str) -> (String, String) {
    let cst = api.customer_id().await;
    let r = api
        .post(
            &format!("/v2/customers/{cst}/mandates"),
            &json!({"method": "directdebit", "consumerName": "T. Tester",
                    "consumerAccount": "NL55INGB0000000000"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = api
        .post(
            &format!("/v2/customers/{cst}/subscriptions"),
            &json!({"amount": {"value": "25.00", "currency": "EUR"}, "interval": "1 month",
                    "description": description}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let sub = s(&r.json["id"]).to_owned();
    (cst, sub)
}

/// The account's reference, from the admin list.
async fn reference_of(sb: &Sandbox, key: &str, token: Option<&str>) -> String {
    let mut rb = http().get(format!("{}/_sandbox/accounts", sb.url));
    if let Some(token) = token {
        rb = rb.bearer_auth(token);
    }
    let r = read(rb.send().await.unwrap()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let masked = format!("{}…{}", &key[..8], &key[key.len() - 4..]);
    let listed = r.json["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == masked.as_str())
        .unwrap_or_else(|| panic!("{masked} is listed: {}", r.text))
        .clone();
    s(&listed["reference"]).to_owned()
}

/// A sandbox request as the console sends it for an account picked from the
/// list: the reference, and the admin token when there is one; no key.
fn by_reference(
    sb: &Sandbox,
    method: Method,
    path: &str,
    reference: &str,
    token: Option<&str>,
) -> reqwest::RequestBuilder {
    let rb = http()
        .request(method, format!("{}{path}", sb.url))
        .header("x-sandbox-account", reference);
    match token {
        Some(token) => rb.bearer_auth(token),
        None => rb,
    }
}

/// The console's Refund, Capture and Cancel buttons for an account
/// addressed by reference: `POST /_sandbox/payments/{id}/refunds` and
/// `…/captures` make what the API would (same fields, same refusals, the
/// webhook, the journal); they and `POST /_sandbox/subscriptions/{id}/cancel`
/// need the admin token, and refuse cross-site browsers.
#[tokio::test]
async fn refund_capture_and_cancel_for_an_account_picked_by_reference() {
    const TOKEN: &str = "s3cret-token";
    let sb = start_with(Config {
        admin_token: Some(TOKEN.into()),
        webhook_time_scale: 0.0,
        refund_delay: 0,
        ..Config::ephemeral()
    })
    .await;
    let api = sb.api();
    let shop = support::Receiver::start(vec![]).await;
    let id = payment_in(&api, json!({"webhookUrl": shop.url("/hook")}), "paid").await;
    shop.wait_for(1).await;
    let reference = reference_of(&sb, &api.key, Some(TOKEN)).await;
    let refunds = format!("/_sandbox/payments/{id}/refunds");
    let send = |rb: reqwest::RequestBuilder| async move { read(rb.send().await.unwrap()).await };

    // The button's request, by reference with the admin token: the API's refund.
    let r = send(
        by_reference(&sb, Method::POST, &refunds, &reference, Some(TOKEN)).json(
            &json!({"amount": {"currency": "EUR", "value": "4.00"}, "description": "From the console"}),
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.content_type(), Some("application/hal+json"));
    let re = s(&r.json["id"]).to_owned();
    assert!(re.starts_with("re_"), "{re}");
    let via_api = api.get(&format!("/v2/payments/{id}/refunds/{re}")).await;
    assert_eq!(via_api.status, 200, "{}", via_api.text);
    assert_eq!(
        keys(&r.json),
        keys(&via_api.json),
        "the API's own object, in its order"
    );
    assert_eq!(via_api.json["amount"]["value"], "4.00");
    assert_eq!(via_api.json["description"], "From the console");
    assert_eq!(
        via_api.json["status"], "refunded",
        "--refund-delay 0 walks it"
    );
    assert_eq!(
        r.json["_links"]["self"]["href"],
        format!("{}/v2/payments/{id}/refunds/{re}", sb.url)
    );
    assert_eq!(
        r.json["_links"]["documentation"]["href"],
        "https://docs.mollie.com/reference/v2/refunds-api/create-payment-refund"
    );
    // The webhook, as for a refund made through the API.
    let hits = shop.wait_for(2).await;
    assert_eq!(hits[1].body, format!("id={id}"));
    // The journal of the account has the request, under its own path.
    let journal = api.get("/_sandbox/requests?method=POST").await;
    let entry = journal.json["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == refunds.as_str())
        .unwrap_or_else(|| panic!("journaled: {}", journal.text))
        .clone();
    assert_eq!(entry["status"], 201);

    // The API's validation, word for word.
    let too_much = json!({"amount": {"currency": "EUR", "value": "7.00"}});
    let expected = api
        .post(&format!("/v2/payments/{id}/refunds"), &too_much)
        .await;
    assert_eq!(expected.status, 422, "{}", expected.text);
    let r =
        send(by_reference(&sb, Method::POST, &refunds, &reference, Some(TOKEN)).json(&too_much))
            .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.json, expected.json);
    let r = send(
        by_reference(&sb, Method::POST, &refunds, &reference, Some(TOKEN))
            .json(&json!({"amount": {"currency": "EUR", "value": "1.00"}, "reason": "x"})),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.json["field"], "reason");

    // Without the admin token, without anything, or from another site: refused,
    // and nothing made.
    let detail =
        "This acts on other accounts than the caller's: it needs the sandbox's admin token (--admin-token) as \"Authorization: Bearer …\".";
    let one_euro = json!({"amount": {"currency": "EUR", "value": "1.00"}});
    send(by_reference(&sb, Method::POST, &refunds, &reference, None).json(&one_euro))
        .await
        .assert_error(401, detail, None);
    send(by_reference(&sb, Method::POST, &refunds, &reference, Some("wrong")).json(&one_euro))
        .await
        .assert_error(401, detail, None);
    send(http().post(format!("{}{refunds}", sb.url)).json(&one_euro))
        .await
        .assert_error(
            401,
            "Missing authentication, or failed to authenticate",
            None,
        );
    let refused = "Cross-site requests cannot change the sandbox: use the console at /_sandbox/ or a client that is not a browser.";
    send(
        by_reference(&sb, Method::POST, &refunds, &reference, Some(TOKEN))
            .header("sec-fetch-site", "cross-site")
            .json(&one_euro),
    )
    .await
    .assert_error(403, refused, None);
    send(
        api.request(Method::POST, &refunds)
            .header("origin", "http://evil.example")
            .json(&one_euro),
    )
    .await
    .assert_error(403, refused, None);
    let listed = api.get(&format!("/v2/payments/{id}/refunds")).await;
    assert_eq!(listed.json["count"], 1, "{}", listed.text);
    let r = send(by_reference(
        &sb,
        Method::GET,
        &refunds,
        &reference,
        Some(TOKEN),
    ))
    .await;
    assert_eq!(r.status, 405, "{}", r.text);
    // The key works too, as for every sandbox route.
    let r = api.post(&refunds, &one_euro).await;
    assert_eq!(r.status, 201, "{}", r.text);

    // A capture of an authorized payment, by reference.
    let auth = authorized_payment(&api).await;
    let captures = format!("/_sandbox/payments/{auth}/captures");
    send(by_reference(&sb, Method::POST, &captures, &reference, None).json(&json!({})))
        .await
        .assert_error(401, detail, None);
    send(
        by_reference(&sb, Method::POST, &captures, &reference, Some(TOKEN))
            .header("origin", "http://evil.example")
            .json(&json!({})),
    )
    .await
    .assert_error(403, refused, None);
    let too_much = json!({"amount": {"currency": "EUR", "value": "99.00"}});
    let r =
        send(by_reference(&sb, Method::POST, &captures, &reference, Some(TOKEN)).json(&too_much))
            .await;
    r.assert_error(
        422,
        "The amount is higher than the authorized amount",
        Some("amount"),
    );
    let r = send(
        by_reference(&sb, Method::POST, &captures, &reference, Some(TOKEN))
            .json(&json!({"amount": {"currency": "EUR", "value": "6.00"}, "description": "Part"})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["resource"], "capture");
    assert_eq!(r.json["amount"]["value"], "6.00");
    let cpt = s(&r.json["id"]).to_owned();
    let got = api
        .get(&format!("/v2/payments/{auth}/captures/{cpt}"))
        .await;
    assert_eq!(got.status, 200, "{}", got.text);
    assert_eq!(got.json["description"], "Part");
    assert_eq!(
        api.get(&format!("/v2/payments/{auth}")).await.json["status"],
        "paid",
        "the capture settled and paid the payment"
    );
    let r =
        send(by_reference(&sb, Method::POST, &captures, &reference, Some(TOKEN)).json(&json!({})))
            .await;
    r.assert_error(
        422,
        "The payment cannot be captured: it is paid, not authorized",
        None,
    );
    send(
        http()
            .post(format!("{}{captures}", sb.url))
            .json(&json!({})),
    )
    .await
    .assert_error(
        401,
        "Missing authentication, or failed to authenticate",
        None,
    );

    // A subscription's cancel button, on this sandbox: the token again.
    let (_, sub) = subscription(&api, "Plan").await;
    let cancel = format!("/_sandbox/subscriptions/{sub}/cancel");
    send(by_reference(&sb, Method::POST, &cancel, &reference, None))
        .await
        .assert_error(401, detail, None);
    send(by_reference(
        &sb,
        Method::POST,
        &cancel,
        &reference,
        Some("wrong"),
    ))
    .await
    .assert_error(401, detail, None);
    let r = send(by_reference(
        &sb,
        Method::POST,
        &cancel,
        &reference,
        Some(TOKEN),
    ))
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["status"], "canceled");
}

/// A subscription's page (next payment date, its payments), its cancel
/// button and the charge outcomes, per subscription and per account, for
/// an account picked from the list of a sandbox without an admin token.
#[tokio::test]
async fn subscription_page_cancel_and_charge_outcomes() {
    let sb = start().await;
    let api = sb.api();
    let (cst, sub) = subscription(&api, "Plan <b>Gold</b>").await;
    let reference = reference_of(&sb, &api.key, None).await;
    let send = |rb: reqwest::RequestBuilder| async move { read(rb.send().await.unwrap()).await };
    let page = || {
        let rb = by_reference(
            &sb,
            Method::GET,
            &format!("/_sandbox/console/subscriptions/{sub}"),
            &reference,
            None,
        );
        async move { send(rb).await }
    };

    let table = panel(&api, "subscriptions").await.text;
    assert!(
        table.contains(&format!("<a href=\"#/subscriptions&#x2F;{sub}\">{sub}</a>")),
        "{table}"
    );
    assert!(
        table.contains("come out <span class=\"chip chip-good\">paid</span>"),
        "{table}"
    );
    assert_eq!(
        table
            .matches("data-path=\"&#x2F;_sandbox&#x2F;subscriptions\"")
            .count(),
        3,
        "{table}"
    );

    // The first charge is due today: a minute on the clock makes it.
    let r = api
        .post("/_sandbox/clock", &json!({"advance": "PT1M"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let shown = page().await;
    assert_eq!(shown.status, 200, "{}", shown.text);
    let html = shown.text;
    assert!(!html.contains("<b>"), "{html}");
    let api_sub = api
        .get(&format!("/v2/customers/{cst}/subscriptions/{sub}"))
        .await
        .json;
    let next = s(&api_sub["nextPaymentDate"]).to_owned();
    assert_ne!(next, s(&api_sub["startDate"]), "charged once: {api_sub}");
    assert!(
        html.contains(&format!("<dt>Next payment</dt><dd>{next}</dd>")),
        "{next}: {html}"
    );
    // The charge is listed, and the next date is a month on.
    let paid = api
        .get(&format!("/v2/customers/{cst}/subscriptions/{sub}/payments"))
        .await;
    assert_eq!(paid.json["count"], 1, "{}", paid.text);
    let first = s(&paid.json["_embedded"]["payments"][0]["id"]).to_owned();
    assert!(
        html.contains(&format!("<a href=\"#/payments&#x2F;{first}\">{first}</a>")),
        "{html}"
    );
    assert!(html.contains("paid (the account&#x27;s)"), "{html}");
    assert!(html.contains(">Cancel subscription<"), "{html}");
    assert!(!html.contains("Charges as the account"), "{html}");
    let payment_page = panel(&api, &format!("payments/{first}")).await.text;
    assert!(
        payment_page.contains(&format!("<a href=\"#/subscriptions&#x2F;{sub}\">{sub}</a>")),
        "{payment_page}"
    );

    // This subscription's outcome, then the account's.
    let one = format!("/_sandbox/subscriptions/{sub}");
    let r = send(
        by_reference(&sb, Method::PUT, &one, &reference, None)
            .json(&json!({"chargeOutcome": "failed"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["chargeOutcome"], "failed");
    let html = page().await.text;
    assert!(html.contains("failed (this subscription&#x27;s)"), "{html}");
    assert!(html.contains(">Charges as the account&#x27;s<"), "{html}");
    let r = send(
        by_reference(
            &sb,
            Method::PUT,
            "/_sandbox/subscriptions",
            &reference,
            None,
        )
        .json(&json!({"chargeOutcome": "pending"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["chargeOutcome"], "pending");
    assert_eq!(r.json["subscriptions"][&sub], "failed");
    let table = panel(&api, "subscriptions").await.text;
    assert!(
        table.contains("come out <span class=\"chip chip-wait\">pending</span>"),
        "{table}"
    );

    // Cancel: refused from another site and without the account; then the
    // API's cancel, once.
    let cancel = format!("/_sandbox/subscriptions/{sub}/cancel");
    let r = send(
        by_reference(&sb, Method::POST, &cancel, &reference, None)
            .header("sec-fetch-site", "cross-site"),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text);
    send(http().post(format!("{}{cancel}", sb.url)))
        .await
        .assert_error(
            401,
            "Missing authentication, or failed to authenticate",
            None,
        );
    assert_eq!(
        api.get(&format!("/v2/customers/{cst}/subscriptions/{sub}"))
            .await
            .json["status"],
        "active"
    );
    let r = send(by_reference(&sb, Method::POST, &cancel, &reference, None)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["resource"], "subscription");
    assert_eq!(r.json["status"], "canceled");
    assert!(r.json["canceledAt"].is_string(), "{}", r.text);
    let after = api
        .get(&format!("/v2/customers/{cst}/subscriptions/{sub}"))
        .await;
    assert_eq!(after.json["status"], "canceled");
    let again = api
        .delete(&format!("/v2/customers/{cst}/subscriptions/{sub}"))
        .await;
    assert_eq!(again.status, 422);
    let r = send(by_reference(&sb, Method::POST, &cancel, &reference, None)).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.json, again.json, "the API's refusal");
    let r = api
        .post("/_sandbox/subscriptions/sub_nope/cancel", &json!({}))
        .await;
    r.assert_error(404, "No subscription exists with token sub_nope.", None);
    let r = api.get(&cancel).await;
    assert_eq!(r.status, 405);
    let html = page().await.text;
    assert!(html.contains("chip-bad\">canceled"), "{html}");
    assert!(!html.contains("Cancel subscription"), "{html}");
    assert!(
        !html.contains("Charges failed"),
        "nothing left to steer: {html}"
    );
    assert!(html.contains("No action applies in this state."), "{html}");
    assert_eq!(panel(&api, "subscriptions/sub_nope").await.status, 404);
}
