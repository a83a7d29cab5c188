//! Lists: walks forward with `next`, back with `previous`, `sort=asc`, the
//! limit edges, bad cursors, and links that point back at the sandbox.

mod common;

use common::*;
use mollie_sandbox::Config;
use serde_json::{json, Value};

/// Creates `n` customers named c0..c{n-1}; returns their ids, oldest first.
async fn customers(api: &Api, n: usize) -> Vec<String> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let c = api.customer(json!({ "name": format!("c{i}") })).await;
        ids.push(s(&c["id"]).to_owned());
    }
    ids
}

fn page_ids(list: &Value, key: &str) -> Vec<String> {
    list["_embedded"][key]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| s(&c["id"]).to_owned())
        .collect()
}

/// The path and query of an absolute href on this sandbox.
fn local<'a>(sb: &Sandbox, href: &'a Value) -> &'a str {
    let href = s(href);
    href.strip_prefix(sb.url.as_str())
        .unwrap_or_else(|| panic!("{href} does not point at {}", sb.url))
}

/// Follows `next` from `first` until it is null; returns every page.
async fn walk(sb: &Sandbox, api: &Api, first: &str) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut path = first.to_owned();
    loop {
        let r = api.get(&path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        let next = r.json["_links"]["next"].clone();
        pages.push(r.json);
        if next.is_null() {
            return pages;
        }
        assert_eq!(keys(&next), ["href", "type"]);
        assert_eq!(next["type"], "application/hal+json");
        path = local(sb, &next["href"]).to_owned();
        assert!(pages.len() < 1000, "walk does not end");
    }
}

#[tokio::test]
async fn forward_walk_with_next_visits_everything_newest_first() {
    let sb = start().await;
    let api = sb.api();
    let ids = customers(&api, 7).await;
    let pages = walk(&sb, &api, "/v2/customers?limit=3").await;
    let counts: Vec<u64> = pages.iter().map(|p| p["count"].as_u64().unwrap()).collect();
    assert_eq!(counts, [3, 3, 1]);
    let seen: Vec<String> = pages
        .iter()
        .flat_map(|p| page_ids(p, "customers"))
        .collect();
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);
    // `from` is inclusive: next names the first item of the next page, and keeps the limit.
    assert_eq!(
        s(&pages[0]["_links"]["next"]["href"]),
        format!("{}/v2/customers?from={}&limit=3", sb.url, ids[3])
    );
    assert_eq!(
        s(&pages[1]["_links"]["self"]["href"]),
        format!("{}/v2/customers?from={}&limit=3", sb.url, ids[3])
    );
    assert_eq!(page_ids(&pages[1], "customers")[0], ids[3]);
    // previous points at the first item of the page before.
    assert!(pages[0]["_links"]["previous"].is_null());
    assert_eq!(
        s(&pages[1]["_links"]["previous"]["href"]),
        format!("{}/v2/customers?from={}&limit=3", sb.url, ids[6])
    );
    assert_eq!(
        s(&pages[2]["_links"]["previous"]["href"]),
        format!("{}/v2/customers?from={}&limit=3", sb.url, ids[3])
    );
    assert_eq!(
        pages[1]["_links"]["previous"]["type"],
        "application/hal+json"
    );
}

#[tokio::test]
async fn backward_walk_with_previous_returns_the_same_pages() {
    let sb = start().await;
    let api = sb.api();
    customers(&api, 8).await;
    let forward = walk(&sb, &api, "/v2/customers?limit=3").await;
    let mut path = local(&sb, &forward.last().unwrap()["_links"]["self"]["href"]).to_owned();
    let mut backward = Vec::new();
    loop {
        let r = api.get(&path).await;
        backward.push(page_ids(&r.json, "customers"));
        let prev = &r.json["_links"]["previous"];
        if prev.is_null() {
            break;
        }
        path = local(&sb, &prev["href"]).to_owned();
    }
    backward.reverse();
    let forward_ids: Vec<Vec<String>> = forward.iter().map(|p| page_ids(p, "customers")).collect();
    assert_eq!(backward, forward_ids);
}

#[tokio::test]
async fn ascending_walk() {
    let sb = start().await;
    let api = sb.api();
    let ids = customers(&api, 5).await;
    let pages = walk(&sb, &api, "/v2/customers?sort=asc&limit=2").await;
    let seen: Vec<String> = pages
        .iter()
        .flat_map(|p| page_ids(p, "customers"))
        .collect();
    assert_eq!(seen, ids, "oldest first");
    assert_eq!(pages.len(), 3);
    // Other parameters keep the order they were sent in, after `from`.
    assert_eq!(
        s(&pages[0]["_links"]["next"]["href"]),
        format!("{}/v2/customers?from={}&sort=asc&limit=2", sb.url, ids[2])
    );
    assert_eq!(
        s(&pages[1]["_links"]["previous"]["href"]),
        format!("{}/v2/customers?from={}&sort=asc&limit=2", sb.url, ids[0])
    );
    let desc = api.get("/v2/customers?sort=desc").await;
    assert_eq!(page_ids(&desc.json, "customers")[0], ids[4]);
}

#[tokio::test]
async fn limit_one_pages_one_at_a_time() {
    let sb = start().await;
    let api = sb.api();
    let ids = customers(&api, 3).await;
    let pages = walk(&sb, &api, "/v2/customers?limit=1").await;
    assert_eq!(pages.len(), 3);
    for (page, id) in pages.iter().zip(ids.iter().rev()) {
        assert_eq!(page["count"], 1);
        assert_eq!(page_ids(page, "customers"), [id.as_str()]);
    }
}

#[tokio::test]
async fn default_limit_is_50_and_maximum_250() {
    let sb = start().await;
    let api = sb.api();
    let ids = customers(&api, 260).await;
    let r = api.get("/v2/customers").await;
    assert_eq!(r.json["count"], 50);
    assert_link(
        &r.json["_links"]["self"],
        &format!("{}/v2/customers", sb.url),
        "application/hal+json",
    );
    assert_eq!(
        s(&r.json["_links"]["next"]["href"]),
        format!("{}/v2/customers?from={}&limit=50", sb.url, ids[209])
    );
    let r = api.get("/v2/customers?limit=250").await;
    assert_eq!(r.json["count"], 250);
    assert_eq!(page_ids(&r.json, "customers")[249], ids[10]);
    let next = local(&sb, &r.json["_links"]["next"]["href"]).to_owned();
    let r = api.get(&next).await;
    assert_eq!(r.json["count"], 10);
    assert!(r.json["_links"]["next"].is_null());
    assert_eq!(page_ids(&r.json, "customers").last().unwrap(), &ids[0]);
}

#[tokio::test]
async fn bad_limits_are_400_with_field_limit() {
    let sb = start().await;
    let api = sb.api();
    customers(&api, 1).await;
    for bad in ["0", "251", "-1", "abc", "", "2.5", "1000000000000000000000"] {
        let r = api.get(&format!("/v2/customers?limit={bad}")).await;
        r.assert_error(400, "Invalid value passed", Some("limit"));
        let cst = api.customer_id().await;
        let r = api
            .get(&format!("/v2/customers/{cst}/payments?limit={bad}"))
            .await;
        r.assert_error(400, "Invalid value passed", Some("limit"));
    }
}

#[tokio::test]
async fn bad_cursors_are_400_with_field_from() {
    let sb = start().await;
    let api = sb.api();
    let cst = api.customer_id().await;
    let other = api.customer_id().await;
    let payment = api.new_payment(&other).await;
    let tr = s(&payment["id"]);
    for bad in ["cst_doesNotExist", "garbage", "", tr] {
        let r = api.get(&format!("/v2/customers?from={bad}")).await;
        r.assert_error(400, "Invalid value passed", Some("from"));
    }
    // A payment of another customer is no cursor for this customer's list.
    let r = api
        .get(&format!("/v2/customers/{cst}/payments?from={tr}"))
        .await;
    r.assert_error(400, "Invalid value passed", Some("from"));
    // A customer id is no payment cursor.
    let r = api
        .get(&format!("/v2/customers/{other}/payments?from={cst}"))
        .await;
    r.assert_error(400, "Invalid value passed", Some("from"));
    let r = api
        .get(&format!("/v2/customers/{other}/payments?from={tr}"))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(page_ids(&r.json, "payments"), [tr.to_owned()]);
    let r = api.get("/v2/customers?sort=sideways").await;
    r.assert_error(400, "Invalid value passed", Some("sort"));
}

#[tokio::test]
async fn a_deleted_customer_keeps_its_cursor_position() {
    let sb = start().await;
    let api = sb.api();
    let ids = customers(&api, 3).await;
    assert_eq!(
        api.delete(&format!("/v2/customers/{}", ids[1]))
            .await
            .status,
        204
    );
    // A next link made before the delete goes on from where it stood (issue 9).
    let r = api.get(&format!("/v2/customers?from={}", ids[1])).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(page_ids(&r.json, "customers"), [ids[0].clone()]);
    let r = api.get(&format!("/v2/customers?from={}", ids[2])).await;
    assert_eq!(
        page_ids(&r.json, "customers"),
        [ids[2].clone(), ids[0].clone()]
    );
}

#[tokio::test]
async fn self_echoes_the_query_as_sent() {
    let sb = start().await;
    let api = sb.api();
    let ids = customers(&api, 2).await;
    let r = api
        .get(&format!("/v2/customers?limit=5&sort=asc&from={}", ids[0]))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        s(&r.json["_links"]["self"]["href"]),
        format!("{}/v2/customers?limit=5&sort=asc&from={}", sb.url, ids[0])
    );
    let r = api.get("/v2/customers?sort=desc&limit=1").await;
    assert_eq!(
        s(&r.json["_links"]["self"]["href"]),
        format!("{}/v2/customers?sort=desc&limit=1", sb.url)
    );
    assert_eq!(
        s(&r.json["_links"]["next"]["href"]),
        format!("{}/v2/customers?from={}&sort=desc&limit=1", sb.url, ids[0])
    );
}

#[tokio::test]
async fn customer_payments_walk() {
    let sb = start().await;
    let api = sb.api();
    let cst = api.customer_id().await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(s(&api.new_payment(&cst).await["id"]).to_owned());
    }
    let pages = walk(&sb, &api, &format!("/v2/customers/{cst}/payments?limit=2")).await;
    let seen: Vec<String> = pages.iter().flat_map(|p| page_ids(p, "payments")).collect();
    ids.reverse();
    assert_eq!(seen, ids);
    assert_eq!(
        s(&pages[0]["_links"]["next"]["href"]),
        format!(
            "{}/v2/customers/{cst}/payments?from={}&limit=2",
            sb.url, ids[2]
        )
    );
    let asc = walk(
        &sb,
        &api,
        &format!("/v2/customers/{cst}/payments?sort=asc&limit=4"),
    )
    .await;
    let seen: Vec<String> = asc.iter().flat_map(|p| page_ids(p, "payments")).collect();
    ids.reverse();
    assert_eq!(seen, ids);
}

#[tokio::test]
async fn hrefs_follow_the_public_url() {
    let sb = start_with(Config {
        public_url: Some("https://mollie.example:9443/".into()),
        ..Config::ephemeral()
    })
    .await;
    let api = sb.api();
    let ids = customers(&api, 2).await;
    let c = api.get(&format!("/v2/customers/{}", ids[0])).await.json;
    assert_eq!(
        s(&c["_links"]["self"]["href"]),
        format!("https://mollie.example:9443/v2/customers/{}", ids[0])
    );
    assert_eq!(
        s(&c["_links"]["dashboard"]["href"]),
        format!(
            "https://mollie.example:9443/_sandbox/dashboard/customers/{}?account={}",
            ids[0],
            mollie_sandbox::page_link::token(&api.key)
        )
    );
    let list = api.get("/v2/customers?limit=1").await.json;
    assert_eq!(
        s(&list["_links"]["self"]["href"]),
        "https://mollie.example:9443/v2/customers?limit=1"
    );
    assert_eq!(
        s(&list["_links"]["next"]["href"]),
        format!(
            "https://mollie.example:9443/v2/customers?from={}&limit=1",
            ids[0]
        )
    );
    let p = api.new_payment(&ids[0]).await;
    let bare = s(&p["id"]).strip_prefix("tr_").unwrap().to_owned();
    assert_eq!(
        s(&p["_links"]["checkout"]["href"]),
        format!(
            "https://mollie.example:9443/checkout/select-method/{bare}?account={}",
            mollie_sandbox::page_link::token(&api.key)
        )
    );
}

#[tokio::test]
async fn hrefs_follow_the_host_header() {
    let sb = start().await;
    let api = sb.api();
    let id = api.customer_id().await;
    let r = api
        .send(
            api.request(reqwest::Method::GET, "/v2/customers?limit=1")
                .header("host", "mollie:8080"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        s(&r.json["_links"]["self"]["href"]),
        "http://mollie:8080/v2/customers?limit=1"
    );
    assert_eq!(
        s(&r.json["_embedded"]["customers"][0]["_links"]["self"]["href"]),
        format!("http://mollie:8080/v2/customers/{id}")
    );
    let p = api
        .send(
            api.request(
                reqwest::Method::POST,
                &format!("/v2/customers/{id}/payments"),
            )
            .header("host", "sandbox.internal")
            .json(&payment_body()),
        )
        .await;
    assert_eq!(p.status, 201);
    assert!(s(&p.json["_links"]["checkout"]["href"])
        .starts_with("http://sandbox.internal/checkout/select-method/"));
    // Without an override, hrefs name the address the client used.
    let c = api.get(&format!("/v2/customers/{id}")).await;
    assert_eq!(
        s(&c.json["_links"]["self"]["href"]),
        format!("{}/v2/customers/{id}", sb.url)
    );
}
