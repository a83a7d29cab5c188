//! Accounts: every key its own world; the mode follows the key, or for
//! access tokens the `testmode` parameter.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn two_keys_never_see_each_other() {
    let sb = start().await;
    let a = sb.api();
    let b = sb.api();
    let cst = a.customer_id().await;
    let payment = a.new_payment(&cst).await;
    let tr = s(&payment["id"]);

    b.get(&format!("/v2/customers/{cst}")).await.assert_error(
        404,
        &format!("No customer exists with token {cst}."),
        None,
    );
    b.patch(&format!("/v2/customers/{cst}"), &json!({"name": "stolen"}))
        .await
        .assert_error(404, &format!("No customer exists with token {cst}."), None);
    b.delete(&format!("/v2/customers/{cst}"))
        .await
        .assert_error(404, &format!("No customer exists with token {cst}."), None);
    b.get(&format!("/v2/customers/{cst}/payments"))
        .await
        .assert_error(404, &format!("No customer exists with token {cst}."), None);
    b.customer_payment(&cst, &payment_body())
        .await
        .assert_error(404, &format!("No customer exists with token {cst}."), None);
    b.get(&format!("/v2/payments/{tr}")).await.assert_error(
        404,
        &format!("No payment exists with token {tr}."),
        None,
    );
    assert_eq!(b.get("/v2/customers").await.json["count"], 0);
    let r = b.get(&format!("/v2/customers?from={cst}")).await;
    r.assert_error(400, "Invalid value passed", Some("from"));

    // A's data is untouched by B's attempts.
    let got = a.get(&format!("/v2/customers/{cst}")).await;
    assert_eq!(got.status, 200);
    assert!(got.json["name"].is_null());
    assert_eq!(a.get("/v2/customers").await.json["count"], 1);
}

#[tokio::test]
async fn many_keys_in_parallel_stay_apart() {
    let sb = start().await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let api = sb.api();
        tasks.push(tokio::spawn(async move {
            for j in 0..5 {
                api.customer(json!({ "name": format!("{i}-{j}") })).await;
            }
            let list = api.get("/v2/customers").await;
            let names: Vec<String> = list.json["_embedded"]["customers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| s(&c["name"]).to_owned())
                .collect();
            assert_eq!(
                names,
                (0..5).rev().map(|j| format!("{i}-{j}")).collect::<Vec<_>>()
            );
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::test]
async fn live_keys_make_live_objects() {
    let sb = start().await;
    let live = sb.api_with(&live_key());
    let c = live.customer(json!({})).await;
    assert_eq!(c["mode"], "live");
    let p = live.new_payment(s(&c["id"])).await;
    assert_eq!(p["mode"], "live");
    // No changePaymentState outside test mode; the checkout link is there.
    assert_eq!(
        keys(&p["_links"]),
        ["self", "checkout", "dashboard", "customer", "documentation"]
    );
    let t = sb.api().customer(json!({})).await;
    assert_eq!(t["mode"], "test");
}

#[tokio::test]
async fn the_same_suffix_as_test_and_live_are_two_accounts() {
    let sb = start().await;
    let test = test_key();
    let live = format!("live_{}", test.strip_prefix("test_").unwrap());
    let cst = sb.api_with(&test).customer_id().await;
    let r = sb
        .api_with(&live)
        .get(&format!("/v2/customers/{cst}"))
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn access_tokens_choose_test_mode_per_request() {
    let sb = start().await;
    let api = sb.api_with(&access_token());
    // POST: testmode in the body.
    let test_cst = api.customer(json!({"testmode": true, "name": "T"})).await;
    assert_eq!(test_cst["mode"], "test");
    let id = s(&test_cst["id"]).to_owned();
    // GET: testmode in the query; without it the token works in live mode and does not see test objects.
    let r = api.get(&format!("/v2/customers/{id}?testmode=true")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["name"], "T");
    assert_eq!(api.get(&format!("/v2/customers/{id}")).await.status, 404);
    let live_cst = api.customer(json!({"name": "L"})).await;
    assert_eq!(live_cst["mode"], "live");
    let live_list = api.get("/v2/customers").await;
    assert_eq!(live_list.json["count"], 1);
    assert_eq!(live_list.json["_embedded"]["customers"][0]["name"], "L");
    let test_list = api.get("/v2/customers?testmode=true").await;
    assert_eq!(test_list.json["count"], 1);
    assert_eq!(test_list.json["_embedded"]["customers"][0]["name"], "T");
    // testmode=false is live mode.
    assert_eq!(
        api.get("/v2/customers?testmode=false").await.json["count"],
        1
    );
    // PATCH and DELETE take it in the body.
    let r = api
        .patch(
            &format!("/v2/customers/{id}"),
            &json!({"testmode": true, "name": "T2"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["name"], "T2");
    let r = api
        .send(
            api.request(reqwest::Method::DELETE, &format!("/v2/customers/{id}"))
                .json(&json!({"testmode": true})),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(
        api.get("/v2/customers?testmode=true").await.json["count"],
        0
    );
}

#[tokio::test]
async fn access_tokens_take_testmode_from_a_form_too() {
    let sb = start().await;
    let api = sb.api_with(&access_token());
    let r = api
        .post_form("/v2/customers", "testmode=true&name=Form")
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["mode"], "test");
    let r = api.post("/v2/customers", &json!({"testmode": "yes"})).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json["field"], "testmode");
}

#[tokio::test]
async fn access_token_hrefs_carry_testmode() {
    let sb = start().await;
    let api = sb.api_with(&access_token());
    let c = api.customer(json!({"testmode": true})).await;
    let id = s(&c["id"]).to_owned();
    assert_link(
        &c["_links"]["self"],
        &format!("{}/v2/customers/{id}?testmode=true", sb.url),
        "application/hal+json",
    );
    // An organization token must name the profile; the payment shows it.
    let no_profile = api
        .post(
            &format!("/v2/customers/{id}/payments"),
            &with(&payment_body(), json!({"testmode": true})),
        )
        .await;
    no_profile.assert_error(422, "The 'profileId' field is required", Some("profileId"));
    let p = api
        .post(
            &format!("/v2/customers/{id}/payments"),
            &with(
                &payment_body(),
                json!({"testmode": true, "profileId": "pfl_QkEhN94Ba"}),
            ),
        )
        .await;
    assert_eq!(p.status, 201, "{}", p.text);
    assert_eq!(p.json["mode"], "test");
    assert_eq!(p.json["profileId"], "pfl_QkEhN94Ba");
    let tr = s(&p.json["id"]);
    assert_link(
        &p.json["_links"]["self"],
        &format!("{}/v2/payments/{tr}?testmode=true", sb.url),
        "application/hal+json",
    );
    assert_link(
        &p.json["_links"]["customer"],
        &format!("{}/v2/customers/{id}?testmode=true", sb.url),
        "application/hal+json",
    );
    // Following the links works as they are.
    let got = api
        .get(local_path(&sb, &p.json["_links"]["self"]["href"]))
        .await;
    assert_eq!(got.status, 200, "{}", got.text);
    let c = api.get(&format!("/v2/customers/{id}?testmode=true")).await;
    assert_link(
        &c.json["_links"]["payments"],
        &format!("{}/v2/customers/{id}/payments?testmode=true", sb.url),
        "application/hal+json",
    );
    let list = api
        .get(&format!("/v2/customers/{id}/payments?testmode=true"))
        .await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(
        s(&list.json["_links"]["self"]["href"]),
        format!("{}/v2/customers/{id}/payments?testmode=true", sb.url)
    );
    // Live-mode token responses and API keys carry no testmode.
    let live = api.customer(json!({})).await;
    assert_eq!(
        s(&live["_links"]["self"]["href"]),
        format!("{}/v2/customers/{}", sb.url, s(&live["id"]))
    );
    let keyed = sb.api().customer(json!({})).await;
    assert!(!s(&keyed["_links"]["self"]["href"]).contains("testmode"));
}

fn local_path<'a>(sb: &Sandbox, href: &'a serde_json::Value) -> &'a str {
    s(href).strip_prefix(sb.url.as_str()).unwrap()
}

#[tokio::test]
async fn demo_data_is_there_for_the_documented_key() {
    let sb = start_with(mollie_sandbox::Config {
        no_fixtures: false,
        ..mollie_sandbox::Config::ephemeral()
    })
    .await;
    let demo = sb.api_with("test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM");
    let r = demo.get("/v2/customers").await;
    assert_eq!(r.status, 200);
    assert!(r.json["count"].as_u64().unwrap() >= 1, "{}", r.text);
    let first = &r.json["_embedded"]["customers"][0];
    assert_eq!(
        keys(first),
        [
            "resource",
            "id",
            "mode",
            "name",
            "email",
            "locale",
            "metadata",
            "createdAt",
            "_links"
        ]
    );
    datetime(&first["createdAt"]);
    // Other keys start empty.
    assert_eq!(sb.api().get("/v2/customers").await.json["count"], 0);
}

/// One keep-alive connection, two keys and two hosts in turn, and a bad key
/// between them: each request reaches its own key's account, with hrefs on
/// its own host (what a worker thread remembers from the request before
/// must never leak into the next).
#[tokio::test]
async fn keys_and_hosts_taking_turns_on_one_connection_stay_apart() {
    let sb = start().await;
    let a = sb.api();
    let b = Api {
        client: a.client.clone(),
        ..sb.api()
    };
    let ca = a.customer_id().await;
    let cb = b.customer_id().await;
    for round in 0..12 {
        let host = ["one.example:8080", "two.example", "one.example:8081"][round % 3];
        for (api, own, other) in [(&a, &ca, &cb), (&b, &cb, &ca)] {
            let r = api
                .send(
                    api.request(reqwest::Method::GET, &format!("/v2/customers/{own}"))
                        .header("host", host),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.text);
            assert_eq!(
                s(&r.json["_links"]["self"]["href"]),
                format!("http://{host}/v2/customers/{own}")
            );
            let r = api
                .send(api.request(reqwest::Method::GET, &format!("/v2/customers/{other}")))
                .await;
            assert_eq!(r.status, 404, "{}", r.text);
        }
        let r = read(
            a.client
                .get(a.url("/v2/customers"))
                .header("authorization", format!("Bearer {}!", a.key))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, 401);
    }
}
