//! `Idempotency-Key`: replays on POST, conflicts, per-account keys, and no
//! effect on PATCH and DELETE.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

async fn post_with_key(api: &Api, path: &str, key: &str, body: &Value) -> Res {
    api.send(
        api.request(Method::POST, path)
            .header("idempotency-key", key)
            .json(body),
    )
    .await
}

fn uuid() -> String {
    format!("{:032x}", rand::random::<u128>())
}

#[tokio::test]
async fn a_repeat_replays_the_first_response() {
    let sb = start().await;
    let api = sb.api();
    let key = uuid();
    let body = json!({"name": "Once"});
    let first = post_with_key(&api, "/v2/customers", &key, &body).await;
    assert_eq!(first.status, 201);
    assert_eq!(first.header("idempotent-replayed"), None);
    let second = post_with_key(&api, "/v2/customers", &key, &body).await;
    assert_eq!(second.status, 201);
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    assert_eq!(second.content_type(), Some("application/hal+json"));
    assert_eq!(second.text, first.text, "same body, byte for byte");
    assert_eq!(
        api.get("/v2/customers").await.json["count"],
        1,
        "created once"
    );
    // Without the header a POST runs again.
    api.customer(body).await;
    assert_eq!(api.get("/v2/customers").await.json["count"], 2);
}

#[tokio::test]
async fn payments_replay_too() {
    let sb = start().await;
    let api = sb.api();
    let cst = api.customer_id().await;
    let key = uuid();
    let path = format!("/v2/customers/{cst}/payments");
    let first = post_with_key(&api, &path, &key, &payment_body()).await;
    let second = post_with_key(&api, &path, &key, &payment_body()).await;
    assert_eq!(first.status, 201);
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    assert_eq!(second.json["id"], first.json["id"]);
    assert_eq!(api.get(&path).await.json["count"], 1);
}

#[tokio::test]
async fn same_key_with_another_body_or_path_is_400() {
    let sb = start().await;
    let api = sb.api();
    let key = uuid();
    assert_eq!(
        post_with_key(&api, "/v2/customers", &key, &json!({"name": "A"}))
            .await
            .status,
        201
    );
    let r = post_with_key(&api, "/v2/customers", &key, &json!({"name": "B"})).await;
    r.assert_error(400, "This Idempotency-Key has already been used.", None);
    assert_eq!(
        s(&r.json["_links"]["documentation"]["href"]),
        "https://docs.mollie.com/overview/api-idempotency"
    );
    let cst = api.customer_id().await;
    let r = post_with_key(
        &api,
        &format!("/v2/customers/{cst}/payments"),
        &key,
        &json!({"name": "A"}),
    )
    .await;
    r.assert_error(400, "This Idempotency-Key has already been used.", None);
    assert_eq!(
        api.get("/v2/customers").await.json["count"],
        2,
        "A and the one made without a key"
    );
}

#[tokio::test]
async fn keys_belong_to_one_account() {
    let sb = start().await;
    let a = sb.api();
    let b = sb.api();
    let key = uuid();
    let ra = post_with_key(&a, "/v2/customers", &key, &json!({"name": "A"})).await;
    let rb = post_with_key(&b, "/v2/customers", &key, &json!({"name": "B"})).await;
    assert_eq!(ra.status, 201);
    assert_eq!(rb.status, 201, "{}", rb.text);
    assert_eq!(rb.header("idempotent-replayed"), None);
    assert_eq!(rb.json["name"], "B");
    assert_ne!(rb.json["id"], ra.json["id"]);
    // Within B the key is now B's own.
    let b_same = post_with_key(&b, "/v2/customers", &key, &json!({"name": "A"})).await;
    b_same.assert_error(400, "This Idempotency-Key has already been used.", None);
}

#[tokio::test]
async fn failures_are_not_kept_so_a_retry_runs() {
    let sb = start().await;
    let api = sb.api();
    let key = uuid();
    let bad = json!({"locale": "xx"});
    let r1 = post_with_key(&api, "/v2/customers", &key, &bad).await;
    r1.assert_error(422, "The locale is invalid", Some("locale"));
    let r2 = post_with_key(&api, "/v2/customers", &key, &bad).await;
    r2.assert_error(422, "The locale is invalid", Some("locale"));
    assert_eq!(r2.header("idempotent-replayed"), None);
    // After a failure the key is free for a corrected request.
    let ok = post_with_key(&api, "/v2/customers", &key, &json!({"locale": "nl_NL"})).await;
    assert_eq!(ok.status, 201, "{}", ok.text);
}

#[tokio::test]
async fn ignored_on_patch_and_delete() {
    let sb = start().await;
    let api = sb.api();
    let cst = api.customer_id().await;
    let key = uuid();
    let path = format!("/v2/customers/{cst}");
    let r1 = api
        .send(
            api.request(Method::PATCH, &path)
                .header("idempotency-key", &key)
                .json(&json!({"name": "one"})),
        )
        .await;
    let r2 = api
        .send(
            api.request(Method::PATCH, &path)
                .header("idempotency-key", &key)
                .json(&json!({"name": "two"})),
        )
        .await;
    assert_eq!((r1.status.as_u16(), r2.status.as_u16()), (200, 200));
    assert_eq!(r2.json["name"], "two");
    assert_eq!(r2.header("idempotent-replayed"), None);
    let r3 = api
        .send(
            api.request(Method::DELETE, &path)
                .header("idempotency-key", &key),
        )
        .await;
    assert_eq!(r3.status, 204);
    let r4 = api
        .send(
            api.request(Method::DELETE, &path)
                .header("idempotency-key", &key),
        )
        .await;
    r4.assert_error(410, "The customer has been deleted.", None);
    // And on GET.
    let g = api
        .send(
            api.request(Method::GET, "/v2/customers")
                .header("idempotency-key", &key),
        )
        .await;
    assert_eq!(g.status, 200);
    // The key used on PATCH/DELETE is still fresh for a POST.
    let p = post_with_key(&api, "/v2/customers", &key, &json!({})).await;
    assert_eq!(p.status, 201);
    assert_eq!(p.header("idempotent-replayed"), None);
}

#[tokio::test]
async fn concurrent_repeats_create_one_object() {
    let sb = start().await;
    let api = sb.api();
    let key = uuid();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let api = api.clone();
        let key = key.clone();
        tasks.push(tokio::spawn(async move {
            post_with_key(&api, "/v2/customers", &key, &json!({"name": "race"})).await
        }));
    }
    let mut ids = std::collections::HashSet::new();
    for t in tasks {
        let r = t.await.unwrap();
        match r.status.as_u16() {
            201 => {
                ids.insert(s(&r.json["id"]).to_owned());
            }
            409 => r.assert_error(
                409,
                "Another request with this Idempotency-Key is already being processed.",
                None,
            ),
            other => panic!("{other}: {}", r.text),
        }
    }
    assert_eq!(ids.len(), 1, "every 201 is the same customer");
    assert_eq!(api.get("/v2/customers").await.json["count"], 1);
}

/// Keys live an hour by the account's clock. Moved on by two hours, every
/// key is expired at once; they leave a few at each later insert (never
/// all in one request), and those still held count as gone.
#[tokio::test]
async fn keys_expire_by_the_accounts_clock_a_few_at_a_time() {
    let sb = start().await;
    let api = sb.api();
    let keys: Vec<String> = (0..20).map(|_| uuid()).collect();
    for (i, key) in keys.iter().enumerate() {
        let r = post_with_key(
            &api,
            "/v2/customers",
            key,
            &json!({"name": format!("c{i}")}),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    // Within the hour, another body under a used key is refused.
    let r = post_with_key(&api, "/v2/customers", &keys[19], &json!({"name": "other"})).await;
    r.assert_error(400, "This Idempotency-Key has already been used.", None);
    let r = api.post("/_sandbox/clock", &json!({"hours": 2})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The first insert after the jump drops only the oldest few, so the
    // newest keys are still held, expired: each runs as a new request.
    let r = post_with_key(&api, "/v2/customers", &uuid(), &json!({"name": "new"})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    for key in keys.iter().rev().take(3) {
        let r = post_with_key(&api, "/v2/customers", key, &json!({"name": "other"})).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.header("idempotent-replayed"), None);
        assert_eq!(r.json["name"], "other");
    }
    let r = post_with_key(&api, "/v2/customers", &keys[0], &json!({"name": "c0"})).await;
    assert_eq!(r.header("idempotent-replayed"), None, "{}", r.text);
    assert_eq!(api.get("/v2/customers?limit=250").await.json["count"], 25);
}
