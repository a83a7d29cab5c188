//! Webhook receivers on https: which certificates the sandbox trusts
//! (public roots, bundled; a private CA given by `--webhook-ca`) and what the
//! attempt log says when the handshake fails.

mod support;

use serde_json::{json, Value};
use support::{random_key, Sandbox};

fn payment(hook: &str) -> Value {
    json!({
        "amount": {"value": "10.00", "currency": "EUR"},
        "description": "Order",
        "redirectUrl": "https://shop.example/return",
        "webhookUrl": hook,
        "method": "ideal",
    })
}

/// Another sandbox's HTTPS port stands in for a receiver behind a reverse
/// proxy with a private CA; returns it and that CA, written to a file.
async fn tls_receiver(name: &str) -> (Sandbox, std::path::PathBuf) {
    let rx = Sandbox::with(mollie_sandbox::Config {
        tls_port: Some(0),
        ..mollie_sandbox::Config::ephemeral()
    })
    .await;
    let ca = rx.server.app.ca_pem.clone().expect("a generated CA");
    let dir = std::env::temp_dir().join(format!(
        "mollie-sandbox-webhook-tls-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("receiver-ca.pem");
    std::fs::write(&path, ca).unwrap();
    (rx, path)
}

/// The first attempt of a paid payment's webhook to `hook`.
async fn first_attempt(sb: &Sandbox, hook: &str) -> Value {
    let key = random_key();
    let p = sb.payment(&key, None, payment(hook)).await;
    let r = sb
        .set_status(&key, p["id"].as_str().unwrap(), json!({"status": "paid"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let log = sb
        .eventually(&key, "/_sandbox/webhooks", |v| {
            v["count"].as_u64() >= Some(1)
        })
        .await;
    log["webhooks"][0].clone()
}

#[tokio::test]
async fn an_untrusted_receiver_is_logged_as_a_failed_handshake_with_its_reason() {
    let (rx, _) = tls_receiver("untrusted").await;
    let sb = Sandbox::start().await;
    let hook = format!("{}/hook", rx.server.tls_url().unwrap());
    let a = first_attempt(&sb, &hook).await;
    assert!(a["status"].is_null(), "{a}");
    let error = a["error"].as_str().unwrap();
    assert!(
        error.starts_with(
            "TLS handshake with localhost failed: invalid peer certificate: UnknownIssuer"
        ),
        "{error}"
    );
    assert!(error.contains("--webhook-ca"), "{error}");
}

#[tokio::test]
async fn a_private_ca_given_by_webhook_ca_is_trusted() {
    let (rx, ca) = tls_receiver("trusted").await;
    let sb = Sandbox::with(mollie_sandbox::Config {
        webhook_ca: Some(ca.clone()),
        webhook_time_scale: 0.001,
        ..mollie_sandbox::Config::ephemeral()
    })
    .await;
    // The receiver (a sandbox) answers POST /v2/... without a key with 401:
    // an HTTP status at all means the handshake went through.
    let hook = format!("{}/v2/hook", rx.server.tls_url().unwrap());
    let a = first_attempt(&sb, &hook).await;
    assert_eq!(a["status"], 401, "{a}");
    assert!(a["error"].is_null(), "{a}");
    let _ = std::fs::remove_dir_all(ca.parent().unwrap());
}

#[tokio::test]
async fn a_webhook_ca_that_is_not_a_certificate_stops_the_start() {
    let dir =
        std::env::temp_dir().join(format!("mollie-sandbox-webhook-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("not-a-ca.pem");
    std::fs::write(&path, "hello").unwrap();
    for (file, want) in [
        (path.clone(), "no PEM certificate in it"),
        (dir.join("missing.pem"), "No such file"),
    ] {
        let err = mollie_sandbox::start(mollie_sandbox::Config {
            webhook_ca: Some(file.clone()),
            ..mollie_sandbox::Config::ephemeral()
        })
        .await
        .err()
        .expect("refused");
        assert!(err.starts_with("--webhook-ca "), "{err}");
        assert!(err.contains(want), "{err}");
    }
    let _ = std::fs::remove_dir_all(dir);
}
