//! Authentication failures, unknown paths, wrong methods: all Mollie-shaped.

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

const UNAUTHORIZED: &str = r#"{"status":401,"title":"Unauthorized Request","detail":"Missing authentication, or failed to authenticate","_links":{"documentation":{"href":"https://docs.mollie.com/overview/authentication","type":"text/html"}}}"#;

#[tokio::test]
async fn missing_malformed_or_unknown_scheme_is_the_same_401() {
    let sb = start().await;
    let client = http();
    let url = format!("{}/v2/customers", sb.url);
    let good = test_key();
    let headers: Vec<Option<String>> = vec![
        None,
        Some(String::new()),
        Some("Bearer".into()),
        Some("Bearer ".into()),
        Some(format!("Basic {good}")),
        Some(format!("Token {good}")),
        Some(good.clone()),
        Some("Bearer test_short".into()),
        Some("Bearer test_dHar4XY7LxsDOtmnkVtjNVWXLSlX".into()),
        Some("Bearer foo_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM".into()),
        Some("Bearer test_dHar4XY7LxsDOtmnkVtjNVWX-LSlXsM".into()),
        Some("Bearer test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM!".into()),
        Some("Bearer access_".into()),
    ];
    for header in headers {
        for method in [Method::GET, Method::POST] {
            let mut rb = client.request(method.clone(), &url);
            if let Some(h) = &header {
                rb = rb.header("authorization", h);
            }
            let r = read(rb.send().await.unwrap()).await;
            assert_eq!(r.status, 401, "{method} {header:?}");
            assert_eq!(r.content_type(), Some("application/hal+json"));
            assert_eq!(r.text, UNAUTHORIZED, "{header:?}");
        }
    }
}

#[tokio::test]
async fn keys_of_the_documented_shape_are_accepted() {
    let sb = start().await;
    for key in [
        "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM".to_owned(),
        "live_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM".to_owned(),
        "test_with_underscores_in_the_key_123".to_owned(),
        access_token(),
    ] {
        let r = sb.api_with(&key).get("/v2/customers").await;
        assert_eq!(r.status, 200, "{key}: {}", r.text);
    }
    // The scheme name is not case-sensitive.
    let r = read(
        http()
            .get(format!("{}/v2/customers", sb.url))
            .header("authorization", format!("bearer {}", test_key()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn authentication_comes_before_validation() {
    let sb = start().await;
    let r = read(
        http()
            .post(format!("{}/v2/customers", sb.url))
            .json(&json!({"nope": 1}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.text, UNAUTHORIZED);
}

#[tokio::test]
async fn unknown_paths_are_mollie_shaped_404() {
    let sb = start().await;
    let api = sb.api();
    for path in [
        "/v2/nothing",
        "/v2",
        "/",
        "/v3/customers",
        "/v2/customers/cst_x/nothing",
        "/v2/customers/cst_x/payments/tr_x/extra",
    ] {
        let r = api.get(path).await;
        r.assert_error(404, "The resource or endpoint could not be found.", None);
    }
    let r = api.post("/v2/nothing", &json!({})).await;
    r.assert_error(404, "The resource or endpoint could not be found.", None);
    let r = api.get("/_sandbox/nothing").await;
    r.assert_error(404, "The resource or endpoint could not be found.", None);
}

#[tokio::test]
async fn wrong_methods_are_405_with_allow() {
    let sb = start().await;
    let api = sb.api();
    let cst = api.customer_id().await;
    let cases = [
        (Method::PUT, "/v2/customers".to_owned(), "GET, POST"),
        (Method::DELETE, "/v2/customers".to_owned(), "GET, POST"),
        (Method::PATCH, "/v2/customers".to_owned(), "GET, POST"),
        (
            Method::POST,
            format!("/v2/customers/{cst}"),
            "GET, PATCH, DELETE",
        ),
        (
            Method::PUT,
            format!("/v2/customers/{cst}"),
            "GET, PATCH, DELETE",
        ),
        (
            Method::PATCH,
            format!("/v2/customers/{cst}/payments"),
            "GET, POST",
        ),
        (
            Method::DELETE,
            format!("/v2/customers/{cst}/payments"),
            "GET, POST",
        ),
        (
            Method::PUT,
            "/v2/payments/tr_x".to_owned(),
            "GET, PATCH, DELETE",
        ),
        (Method::POST, "/_sandbox/health".to_owned(), "GET"),
    ];
    for (method, path, allow) in cases {
        let r = api.send(api.request(method.clone(), &path)).await;
        r.assert_error(
            405,
            "The requested method is not allowed for this endpoint.",
            None,
        );
        assert_eq!(r.header("allow"), Some(allow), "{method} {path}");
    }
    // The customer is still there after a refused method.
    assert_eq!(api.get(&format!("/v2/customers/{cst}")).await.status, 200);
}

#[tokio::test]
async fn a_trailing_slash_reaches_the_same_endpoint() {
    let sb = start().await;
    let api = sb.api();
    let cst = api.customer_id().await;
    assert_eq!(api.get("/v2/customers/").await.json["count"], 1);
    assert_eq!(
        api.get(&format!("/v2/customers/{cst}/")).await.json["id"],
        cst.as_str()
    );
}

#[tokio::test]
async fn odd_requests_never_produce_a_500() {
    let sb = start().await;
    let api = sb.api();
    let cst = api.customer_id().await;
    let odd_paths = [
        "/v2/customers/%00".to_owned(),
        "/v2/customers/%FF%FE".to_owned(),
        format!("/v2/customers/{}", "x".repeat(5000)),
        "/v2/customers?limit=%FF".to_owned(),
        "/v2/customers?from=%00".to_owned(),
        "/v2/payments/tr_%2F..%2F".to_owned(),
        format!("/v2/customers/{cst}/payments?limit=1&limit=2"),
    ];
    for path in odd_paths {
        let r = api.get(&path).await;
        assert!(
            r.status.is_client_error() || r.status.is_success(),
            "{path}: {} {}",
            r.status,
            r.text
        );
    }
    let bodies = [
        json!({"name": "\u{0000}\u{FFFF}"}),
        json!({"metadata": {"deep": (0..20).fold(json!(1), |inner, _| json!([inner]))}}),
        json!({"name": "x".repeat(100_000)}),
        json!({"locale": null, "email": "not-an-email"}),
    ];
    for body in bodies {
        let r = api.post("/v2/customers", &body).await;
        assert!(
            r.status.as_u16() == 201 || r.status.as_u16() == 422,
            "{}: {}",
            r.status,
            r.text
        );
    }
    let odd_payments = [
        json!({"amount": []}),
        json!({"amount": "10.00"}),
        json!({"amount": {"value": "99999999999999999999.99", "currency": "EUR"}}),
        json!({"amount": {"value": "10.00", "currency": 978}}),
        json!({"amount": {"value": "10.00", "currency": "EUR"}, "description": ["a"]}),
        json!({"amount": {"value": "10.00", "currency": "EUR"}, "description": "d", "redirectUrl": "http://[::1"}),
        json!({"amount": {"value": "10.00", "currency": "EUR"}, "description": "d", "redirectUrl": "https://x", "method": [[]]}),
        json!({"amount": {"value": "10.00", "currency": "EUR"}, "description": "d", "redirectUrl": "https://x", "sequenceType": 1}),
    ];
    for body in odd_payments {
        let r = api.customer_payment(&cst, &body).await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
        assert!(r.json["detail"].is_string());
    }
}
