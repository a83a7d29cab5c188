//! `mollie-sandbox healthcheck`, as Docker's HEALTHCHECK runs it: exit 0
//! when the sandbox answers healthy, 1 otherwise, with the port taken from
//! the same `MOLLIE_SANDBOX_*` variables as the server.

use std::process::{Command, Output};

use mollie_sandbox::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The binary with an environment holding only `vars`.
async fn healthcheck(args: &[&str], vars: &[(&str, String)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mollie-sandbox"));
    cmd.env_clear().args(args);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap()
}

/// A port on loopback that nothing listens on.
async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

/// Answers every connection with `response`, raw.
async fn fake_server(response: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf).await;
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
    });
    port
}

#[tokio::test]
async fn healthy_sandbox_exits_0_on_the_port_from_the_environment() {
    let server = mollie_sandbox::start(Config::ephemeral()).await.unwrap();
    let port = server.addr.port().to_string();

    let out = healthcheck(&["healthcheck"], &[("MOLLIE_SANDBOX_PORT", port.clone())]).await;
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));

    // As in the image: listening on every address, probed on loopback.
    let out = healthcheck(
        &["healthcheck"],
        &[
            ("MOLLIE_SANDBOX_PORT", port.clone()),
            ("MOLLIE_SANDBOX_HOST", "0.0.0.0".into()),
        ],
    )
    .await;
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));

    // The flag and an explicit URL work as well.
    let out = healthcheck(&["--port", &port, "healthcheck"], &[]).await;
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let url = format!("{}/_sandbox/health", server.url());
    let out = healthcheck(&["healthcheck", "--url", &url], &[]).await;
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    // The base URL a client is configured with works too, with or without /v2.
    for base in [
        server.url(),
        format!("{}/", server.url()),
        format!("{}/v2", server.url()),
    ] {
        let out = healthcheck(&["healthcheck", "--url", &base], &[]).await;
        assert_eq!(
            code(&out),
            0,
            "{base}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // And --port after the subcommand.
    let out = healthcheck(&["healthcheck", "--port", &port], &[]).await;
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let out = healthcheck(
        &["healthcheck", "--host", "127.0.0.1", "--port", &port],
        &[],
    )
    .await;
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    // A path that is not the health endpoint is refused with a hint.
    let other = format!("{}/v2/customers", server.url());
    let out = healthcheck(&["healthcheck", "--url", &other], &[]).await;
    assert_eq!(code(&out), 1);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("answered 401 Unauthorized; it is not the health endpoint"),
        "{said}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn nothing_listening_exits_1() {
    let port = closed_port().await;
    let out = healthcheck(&["healthcheck", "--port", &port.to_string()], &[]).await;
    assert_eq!(code(&out), 1);
    let out = healthcheck(
        &["healthcheck"],
        &[("MOLLIE_SANDBOX_PORT", port.to_string())],
    )
    .await;
    assert_eq!(code(&out), 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("unhealthy"));
}

#[tokio::test]
async fn a_server_that_is_not_healthy_exits_1() {
    let down = fake_server(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: 17\r\nconnection: close\r\n\r\n{\"status\":\"down\"}",
    )
    .await;
    let not_json =
        fake_server("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok").await;
    let wrong_status =
        fake_server("HTTP/1.1 200 OK\r\ncontent-length: 21\r\nconnection: close\r\n\r\n{\"status\":\"starting\"}").await;
    for port in [down, not_json, wrong_status] {
        let out = healthcheck(
            &["healthcheck"],
            &[("MOLLIE_SANDBOX_PORT", port.to_string())],
        )
        .await;
        assert_eq!(
            code(&out),
            1,
            "port {port}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The same fake answers 0 once it says ok: the fakes above are not failing by accident.
    let ok = fake_server(
        "HTTP/1.1 200 OK\r\ncontent-length: 15\r\nconnection: close\r\n\r\n{\"status\":\"ok\"}",
    )
    .await;
    let out = healthcheck(&["healthcheck"], &[("MOLLIE_SANDBOX_PORT", ok.to_string())]).await;
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test]
async fn an_unusable_url_exits_1() {
    for url in ["https://127.0.0.1:1/_sandbox/health", "not a url"] {
        let out = healthcheck(&["healthcheck", "--url", url], &[]).await;
        assert_eq!(code(&out), 1, "{url}");
    }
}
