//! HTTPS: a certificate made at start, trusted through the CA the sandbox serves.

mod common;

use common::*;
use mollie_sandbox::Config;
use serde_json::json;

async fn start_tls() -> Sandbox {
    start_with(Config {
        tls_port: Some(0),
        tls_hostnames: vec!["mollie.local".into()],
        ..Config::ephemeral()
    })
    .await
}

/// A client that trusts only the sandbox's CA.
async fn trusting_client(sb: &Sandbox) -> reqwest::Client {
    let r = read(
        http()
            .get(format!("{}/_sandbox/ca.pem", sb.url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type(), Some("application/x-pem-file"));
    assert!(
        r.text.starts_with("-----BEGIN CERTIFICATE-----"),
        "{}",
        r.text
    );
    let ca = reqwest::Certificate::from_pem(r.text.as_bytes()).unwrap();
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(ca)
        .https_only(true)
        .build()
        .unwrap()
}

#[tokio::test]
async fn https_works_with_the_served_ca() {
    let sb = start_tls().await;
    let tls_url = sb.server.tls_url().expect("HTTPS is on");
    let port = sb.server.tls_addr.unwrap().port();
    assert_eq!(tls_url, format!("https://localhost:{port}"));
    let api = Api {
        client: trusting_client(&sb).await,
        base: tls_url.clone(),
        key: test_key(),
    };
    let health = api.get("/_sandbox/health").await;
    assert_eq!(health.status, 200);
    assert_eq!(health.json, json!({"status": "ok"}));
    let c = api.customer(json!({"name": "secure"})).await;
    // Links name the scheme the client used.
    assert_eq!(
        s(&c["_links"]["self"]["href"]),
        format!("{tls_url}/v2/customers/{}", s(&c["id"]))
    );
    let p = api.new_payment(s(&c["id"])).await;
    assert!(s(&p["_links"]["checkout"]["href"])
        .starts_with(&format!("{tls_url}/checkout/select-method/")));
    // The same account over plain HTTP sees the same customer.
    let plain = sb.api_with(&api.key);
    assert_eq!(
        plain
            .get(&format!("/v2/customers/{}", s(&c["id"])))
            .await
            .json["name"],
        "secure"
    );
    // 127.0.0.1 is in the certificate too.
    let by_ip = read(
        api.client
            .get(format!("https://127.0.0.1:{port}/_sandbox/health"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(by_ip.status, 200);
}

#[tokio::test]
async fn the_certificate_is_not_trusted_without_the_ca() {
    let sb = start_tls().await;
    let tls_url = sb.server.tls_url().unwrap();
    let client = reqwest::Client::builder().build().unwrap();
    let err = client
        .get(format!("{tls_url}/_sandbox/health"))
        .send()
        .await
        .expect_err("unknown issuer");
    assert!(err.is_connect() || err.is_request(), "{err:?}");
}

#[tokio::test]
async fn the_ca_is_404_when_https_is_off() {
    let sb = start().await;
    let r = read(
        http()
            .get(format!("{}/_sandbox/ca.pem", sb.url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json["title"], "Not Found");
    assert!(sb.server.tls_url().is_none());
}
