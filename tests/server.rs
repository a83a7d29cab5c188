//! The server as a program: health, the `healthcheck` subcommand, the
//! start-up line, and a graceful stop on SIGTERM.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BIN: &str = env!("CARGO_BIN_EXE_mollie-sandbox");

#[tokio::test]
async fn health_needs_no_key() {
    let sb = start().await;
    let r = read(
        http()
            .get(format!("{}/_sandbox/health", sb.url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type(), Some("application/json"));
    assert_eq!(r.text, r#"{"status":"ok"}"#);
}

#[tokio::test]
async fn in_process_shutdown_returns_and_frees_the_port() {
    let sb = start().await;
    let addr = sb.server.addr;
    sb.server.shutdown().await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "nothing listens after shutdown"
    );
}

/// A binary started with `--port 0`; its stderr is read until the
/// `listening on http://HOST:PORT` line.
struct Running {
    child: Child,
    addr: String,
    log: Vec<String>,
    /// Every line after the listening one, as it comes.
    later: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

fn spawn(extra: &[&str]) -> Running {
    spawn_env(extra, &[])
}

fn spawn_env(extra: &[&str], env: &[(&str, &str)]) -> Running {
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--no-fixtures"])
        .args(extra)
        .envs(env.iter().copied())
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let mut log = Vec::new();
    let addr = loop {
        let line = lines
            .next()
            .expect("a listening line before the log ends")
            .unwrap();
        log.push(line.clone());
        if let Some(at) = line.find("listening on http://") {
            let rest = &line[at + "listening on http://".len()..];
            let addr: String = rest
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '"' && *c != '\u{1b}')
                .collect();
            break addr;
        }
    };
    // Keep draining stderr so the child never blocks on a full pipe.
    let later = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = later.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    Running {
        child,
        addr,
        log,
        later,
    }
}

fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits for the child to exit, at most `limit`.
fn wait_exit(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn healthcheck(args: &[&str], env: &[(&str, String)]) -> i32 {
    let mut cmd = Command::new(BIN);
    cmd.args(args).stdout(Stdio::null()).stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.status().unwrap().code().expect("an exit code")
}

#[tokio::test]
async fn the_binary_logs_its_real_port_and_serves_it() {
    let mut run = spawn(&[]);
    let (host, port) = run.addr.rsplit_once(':').unwrap();
    assert_eq!(host, "127.0.0.1");
    let port: u16 = port.parse().unwrap();
    assert_ne!(port, 0, "the real port, not the one asked: {:?}", run.log);
    let api = Api {
        client: http(),
        base: format!("http://{}", run.addr),
        key: test_key(),
    };
    let c = api.customer(json!({"name": "bin"})).await;
    assert_eq!(c["name"], "bin");
    assert_eq!(
        api.get("/_sandbox/health").await.json,
        json!({"status": "ok"})
    );
    sigterm(&run.child);
    let status = wait_exit(&mut run.child, Duration::from_secs(5)).expect("exits");
    assert_eq!(status.code(), Some(0));
}

#[tokio::test]
async fn public_url_flag_and_variable_set_every_href() {
    for (args, env) in [
        (&["--public-url", "http://mollie:8080"][..], &[][..]),
        (
            &[][..],
            &[("MOLLIE_SANDBOX_PUBLIC_URL", "http://mollie:8080/")][..],
        ),
    ] {
        let mut run = spawn_env(args, env);
        let api = Api {
            client: http(),
            base: format!("http://{}", run.addr),
            key: test_key(),
        };
        let c = api.customer(json!({})).await;
        assert_eq!(
            s(&c["_links"]["self"]["href"]),
            format!("http://mollie:8080/v2/customers/{}", s(&c["id"]))
        );
        let list = api.get("/v2/customers?limit=1").await;
        assert_eq!(
            s(&list.json["_links"]["self"]["href"]),
            "http://mollie:8080/v2/customers?limit=1"
        );
        sigterm(&run.child);
        assert_eq!(
            wait_exit(&mut run.child, Duration::from_secs(5)).and_then(|s| s.code()),
            Some(0)
        );
    }
}

#[tokio::test]
async fn json_logs_carry_the_same_line() {
    let mut run = spawn(&["--log-format", "json"]);
    assert!(run.log.last().unwrap().starts_with('{'), "{:?}", run.log);
    let line: serde_json::Value = serde_json::from_str(run.log.last().unwrap()).unwrap();
    assert_eq!(
        s(&line["fields"]["message"]),
        format!("listening on http://{}", run.addr)
    );
    sigterm(&run.child);
    assert_eq!(
        wait_exit(&mut run.child, Duration::from_secs(5)).and_then(|s| s.code()),
        Some(0)
    );
}

#[tokio::test]
async fn healthcheck_exits_0_when_healthy_and_1_otherwise() {
    let mut run = spawn(&[]);
    let url = format!("http://{}/_sandbox/health", run.addr);
    assert_eq!(healthcheck(&["healthcheck", "--url", &url], &[]), 0);
    let port = run.addr.rsplit_once(':').unwrap().1.to_owned();
    // The default URL is built from the port flag or its variable.
    assert_eq!(healthcheck(&["--port", &port, "healthcheck"], &[]), 0);
    assert_eq!(
        healthcheck(&["healthcheck"], &[("MOLLIE_SANDBOX_PORT", port.clone())]),
        0
    );
    // A path that is not the health endpoint is not healthy.
    assert_eq!(
        healthcheck(
            &[
                "healthcheck",
                "--url",
                &format!("http://{}/v2/customers", run.addr)
            ],
            &[]
        ),
        1
    );
    sigterm(&run.child);
    assert_eq!(
        wait_exit(&mut run.child, Duration::from_secs(5)).and_then(|s| s.code()),
        Some(0)
    );

    // A closed port.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    assert_eq!(
        healthcheck(
            &[
                "healthcheck",
                "--url",
                &format!("http://127.0.0.1:{closed}/_sandbox/health")
            ],
            &[]
        ),
        1
    );
    assert_eq!(healthcheck(&["healthcheck", "--url", "not a url"], &[]), 1);
}

#[tokio::test]
async fn sigterm_finishes_the_request_in_flight_and_exits_0_within_a_second() {
    let mut run = spawn(&[]);
    let key = test_key();
    let body = r#"{"name":"in flight"}"#;
    let mut stream = tokio::net::TcpStream::connect(&run.addr).await.unwrap();
    let head = format!(
        "POST /v2/customers HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        run.addr,
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body.as_bytes()[..5]).await.unwrap();
    // The server has the request head and part of its body when the signal comes.
    tokio::time::sleep(Duration::from_millis(150)).await;
    sigterm(&run.child);
    let signalled = Instant::now();
    tokio::time::sleep(Duration::from_millis(100)).await;
    stream.write_all(&body.as_bytes()[5..]).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut out))
        .await
        .expect("the connection closes")
        .unwrap();
    let resp = String::from_utf8_lossy(&out);
    assert!(resp.starts_with("HTTP/1.1 201 Created"), "{resp}");
    assert!(resp.contains(r#""name":"in flight""#), "{resp}");
    let status = wait_exit(&mut run.child, Duration::from_secs(5)).expect("exits");
    let took = signalled.elapsed();
    assert_eq!(status.code(), Some(0));
    assert!(
        took < Duration::from_secs(1),
        "exited {took:?} after SIGTERM"
    );
    // Nothing listens any more.
    assert!(tokio::net::TcpStream::connect(&run.addr).await.is_err());
}

#[tokio::test]
async fn sigterm_with_an_idle_keep_alive_connection_exits_within_a_second() {
    let mut run = spawn(&[]);
    let key = test_key();
    let mut stream = tokio::net::TcpStream::connect(&run.addr).await.unwrap();
    let req =
        format!("GET /v2/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = stream.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200 OK"));
    // The connection stays open and idle.
    sigterm(&run.child);
    let signalled = Instant::now();
    let status = wait_exit(&mut run.child, Duration::from_secs(5)).expect("exits");
    let took = signalled.elapsed();
    assert_eq!(status.code(), Some(0));
    assert!(
        took < Duration::from_secs(1),
        "exited {took:?} after SIGTERM"
    );
    drop(stream);
}

#[tokio::test]
async fn a_key_of_the_wrong_shape_gets_a_bare_401_and_the_log_says_why() {
    let mut run = spawn(&[]);
    let api = Api {
        client: http(),
        base: format!("http://{}", run.addr),
        key: "test_tooshort".into(),
    };
    let r = api.get("/v2/customers").await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json["detail"],
        "Missing authentication, or failed to authenticate"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    let line = loop {
        let found = run
            .later
            .lock()
            .unwrap()
            .iter()
            .find(|l| l.contains("401 Unauthorized"))
            .cloned();
        if let Some(line) = found {
            break line;
        }
        assert!(Instant::now() < deadline, "no 401 line in {:?}", run.later);
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        line.contains("key must be test_ or live_ plus at least 30 characters"),
        "{line}"
    );
    assert!(line.contains("(13 characters)"), "{line}");
    sigterm(&run.child);
    assert_eq!(
        wait_exit(&mut run.child, Duration::from_secs(5)).and_then(|s| s.code()),
        Some(0)
    );
}

#[test]
fn tls_flags_are_checked_together() {
    for (args, missing) in [
        (
            &["--tls-cert", "c.pem", "--tls-key", "k.pem"][..],
            "--tls-port",
        ),
        (&["--tls-cert", "c.pem", "--tls-port", "0"][..], "--tls-key"),
        (&["--tls-key", "k.pem", "--tls-port", "0"][..], "--tls-cert"),
    ] {
        let out = Command::new(BIN)
            .args(["--port", "0", "--no-fixtures"])
            .args(args)
            .env_remove("MOLLIE_SANDBOX_TLS_PORT")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains(missing), "{args:?}: {said}");
    }
    // Files that are not there stop the start with their name.
    let out = Command::new(BIN)
        .args(["--port", "0", "--no-fixtures", "--tls-port", "0"])
        .args([
            "--tls-cert",
            "/nonexistent/c.pem",
            "--tls-key",
            "/nonexistent/k.pem",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/c.pem"));
}

#[tokio::test]
async fn a_config_built_in_code_is_checked_too() {
    let err = mollie_sandbox::start(mollie_sandbox::Config {
        tls_cert: Some("c.pem".into()),
        tls_key: Some("k.pem".into()),
        ..mollie_sandbox::Config::ephemeral()
    })
    .await
    .err()
    .expect("refused");
    assert!(err.contains("need --tls-port"), "{err}");
}

#[tokio::test]
async fn sigterm_with_a_connection_in_its_tls_handshake_exits_at_once() {
    let mut run = spawn(&["--tls-port", "0"]);
    let tls_port = loop {
        let found = run.later.lock().unwrap().iter().find_map(|l| {
            let at = l.find("listening on https://")?;
            let rest = &l[at + "listening on https://".len()..];
            let port: String = rest
                .rsplit_once(':')?
                .1
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            port.parse::<u16>().ok()
        });
        if let Some(port) = found {
            break port;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    // A client (a probe, a browser's pre-connect) opens the socket and says
    // nothing: no request is in flight, so nothing is worth waiting for.
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", tls_port))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    sigterm(&run.child);
    let signalled = Instant::now();
    let status = wait_exit(&mut run.child, Duration::from_secs(5)).expect("exits");
    let took = signalled.elapsed();
    assert_eq!(status.code(), Some(0));
    assert!(
        took < Duration::from_millis(300),
        "exited {took:?} after SIGTERM"
    );
    drop(stream);
}
