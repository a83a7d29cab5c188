//! The QA console over HTTP: its panels escape what they show, state
//! changes refuse cross-site browsers, the account list needs the admin
//! token, journal bodies come only with the flag; and `/_sandbox/metrics`
//! counts what happens.

mod common;

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
    let r = panel(&api, "refunds").await;
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
