//! HTTPS as `api.mollie.com`: a client that trusts only the sandbox's CA
//! (fetched from `/_sandbox/ca.pem`) reaches it under that name, nothing
//! else vouches for the certificate, and with a state folder the CA is the
//! same after a restart.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use mollie_sandbox::{Config, Server};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, RootCertStore};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

const KEY: &str = "test_tlsCaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("mollie-sandbox-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

async fn start(state_dir: Option<PathBuf>) -> Server {
    mollie_sandbox::start(Config {
        tls_port: Some(0),
        tls_hostnames: vec!["api.mollie.com".into(), "mollie".into()],
        state_dir,
        ..Config::ephemeral()
    })
    .await
    .unwrap()
}

/// One HTTP/1.1 request over any stream: (status, content type, body).
async fn send<IO>(
    io: IO,
    method: Method,
    host: &str,
    path: &str,
    body: Option<&str>,
) -> (u16, String, String)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .unwrap();
    tokio::spawn(conn);
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(HOST, host)
        .header(AUTHORIZATION, format!("Bearer {KEY}"));
    if body.is_some() {
        req = req.header(CONTENT_TYPE, "application/json");
    }
    let req = req
        .body(Full::new(Bytes::from(body.unwrap_or("").to_owned())))
        .unwrap();
    let resp = sender.send_request(req).await.unwrap();
    let status = resp.status().as_u16();
    let ctype = resp
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, ctype, String::from_utf8(body.to_vec()).unwrap())
}

async fn ca_pem(server: &Server) -> String {
    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let (status, ctype, body) = send(
        tcp,
        Method::GET,
        &server.addr.to_string(),
        "/_sandbox/ca.pem",
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ctype, "application/x-pem-file");
    assert!(body.starts_with("-----BEGIN CERTIFICATE-----"), "{body}");
    body
}

/// A TLS client whose only trust anchors are the certificates in `pem`.
fn trusting_only(pem: &str) -> TlsConnector {
    let mut roots = RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    assert_eq!(roots.len(), 1);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    TlsConnector::from(Arc::new(config))
}

/// Connects to `addr` (loopback) as if `name` resolved to it.
async fn tls_connect(
    connector: &TlsConnector,
    addr: SocketAddr,
    name: &str,
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::try_from(name.to_owned()).unwrap();
    connector.connect(name, tcp).await
}

#[tokio::test]
async fn a_client_trusting_only_the_ca_reaches_api_mollie_com() {
    let server = start(None).await;
    let tls_addr = server.tls_addr.unwrap();
    assert!(tls_addr.ip().is_loopback());
    let connector = trusting_only(&ca_pem(&server).await);
    let host = format!("api.mollie.com:{}", tls_addr.port());

    let stream = tls_connect(&connector, tls_addr, "api.mollie.com")
        .await
        .unwrap();
    let (status, ctype, body) = send(
        stream,
        Method::POST,
        &host,
        "/v2/customers",
        Some(r#"{"name":"Over TLS","email":"tls@example.org"}"#),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(ctype, "application/hal+json");
    let customer: Value = serde_json::from_str(&body).unwrap();
    let id = customer["id"].as_str().unwrap();
    assert!(id.starts_with("cst_"), "{id}");
    // Links are built from what the client asked for: the real API's name.
    assert_eq!(
        customer["_links"]["self"]["href"],
        format!(
            "https://api.mollie.com:{}/v2/customers/{id}",
            tls_addr.port()
        )
    );

    // The other names on the certificate work too.
    for name in ["localhost", "mollie"] {
        let stream = tls_connect(&connector, tls_addr, name).await.unwrap();
        let (status, _, body) = send(
            stream,
            Method::GET,
            name,
            &format!("/v2/customers/{id}"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{name}: {body}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn nothing_but_the_ca_vouches_for_the_certificate() {
    let server = start(None).await;
    let tls_addr = server.tls_addr.unwrap();

    // A name the certificate was not issued for.
    let connector = trusting_only(&ca_pem(&server).await);
    let err = tls_connect(&connector, tls_addr, "www.mollie.com")
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("not valid for name"), "{err}");

    // Another sandbox's CA, as after a restart without a state folder.
    let other = mollie_sandbox::tls::generate(&["api.mollie.com".into()]).unwrap();
    let err = tls_connect(&trusting_only(&other.ca_pem), tls_addr, "api.mollie.com")
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("UnknownIssuer"), "{err}");
    server.shutdown().await;
}

#[tokio::test]
async fn with_a_state_folder_the_ca_survives_a_restart() {
    let dir = temp_dir("ca-restart");
    let first = start(Some(dir.clone())).await;
    let pem = ca_pem(&first).await;
    assert_eq!(std::fs::read_to_string(dir.join("ca.pem")).unwrap(), pem);
    assert!(std::fs::read_to_string(dir.join("ca-key.pem"))
        .unwrap()
        .contains("PRIVATE KEY"));
    first.shutdown().await;

    let second = start(Some(dir.clone())).await;
    assert_eq!(ca_pem(&second).await, pem);
    // A client that trusted the first run's CA trusts the second run.
    let tls_addr = second.tls_addr.unwrap();
    let stream = tls_connect(&trusting_only(&pem), tls_addr, "api.mollie.com")
        .await
        .unwrap();
    let (status, _, body) =
        send(stream, Method::GET, "api.mollie.com", "/v2/customers", None).await;
    assert_eq!(status, 200, "{body}");
    second.shutdown().await;

    // Without the folder, every start is a new CA.
    let third = start(None).await;
    assert_ne!(ca_pem(&third).await, pem);
    third.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_broken_kept_ca_stops_the_start_with_a_clear_error() {
    let dir = temp_dir("ca-broken");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("ca.pem"), "not a certificate").unwrap();
    std::fs::write(dir.join("ca-key.pem"), "not a key").unwrap();
    let err = mollie_sandbox::start(Config {
        tls_port: Some(0),
        state_dir: Some(dir.clone()),
        ..Config::ephemeral()
    })
    .await
    .err()
    .unwrap();
    assert!(err.contains(&dir.display().to_string()), "{err}");
    assert!(err.contains("ca-key.pem"), "{err}");
    // The files an app may trust are left alone.
    assert_eq!(
        std::fs::read_to_string(dir.join("ca.pem")).unwrap(),
        "not a certificate"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
