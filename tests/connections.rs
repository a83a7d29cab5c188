//! Connections cannot be held for ever: a body must arrive within
//! `--body-timeout-secs`, a connection without a request closes after
//! `--idle-timeout-secs`, and past `--max-connections` idle connections make
//! room so that a new client is still served.

mod harness;

use std::time::{Duration, Instant};

use harness::*;
use mollie_sandbox::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Everything the server sends until it closes, within `limit`.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> Option<String> {
    let mut buf = Vec::new();
    match tokio::time::timeout(limit, stream.read_to_end(&mut buf)).await {
        Ok(Ok(_)) => Some(String::from_utf8_lossy(&buf).into_owned()),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => {
            Some(String::from_utf8_lossy(&buf).into_owned())
        }
        _ => None,
    }
}

/// A POST whose body stops half-way.
async fn stalled_upload(addr: std::net::SocketAddr, k: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /v2/customers HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {k}\r\n\
         Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"name\": \"Sl"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

#[tokio::test]
async fn a_stalled_body_gets_408_and_the_connection_closes() {
    let s = start(Config {
        body_timeout_secs: 1,
        ..config(1)
    })
    .await;
    let k = key();
    let started = Instant::now();
    let mut stream = stalled_upload(s.addr, &k).await;
    let answer = read_until_closed(&mut stream, Duration::from_secs(5))
        .await
        .expect("the server answers and closes");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(900), "{waited:?}");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    let body = &answer[answer.find("\r\n\r\n").unwrap() + 4..];
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(v["status"], 408);
    assert_eq!(v["title"], "Request Timeout");
    assert!(v["detail"].as_str().unwrap().contains("1 seconds"), "{v}");
    assert!(v["_links"]["documentation"]["href"].is_string());
    // Nothing was created.
    assert_eq!(get(s.addr, "/v2/customers", &k).await.json()["count"], 0);
    s.shutdown().await;
}

#[tokio::test]
async fn a_connection_without_a_request_is_closed_after_the_idle_timeout() {
    let s = start(Config {
        idle_timeout_secs: 1,
        ..config(1)
    })
    .await;
    let started = Instant::now();
    let mut silent = TcpStream::connect(s.addr).await.unwrap();
    let closed = read_until_closed(&mut silent, Duration::from_secs(5)).await;
    assert!(closed.is_some(), "still open after 5 s");
    assert!(started.elapsed() >= Duration::from_millis(900));

    // Keep-alive: after a request, the same wait closes it.
    let mut stream = TcpStream::connect(s.addr).await.unwrap();
    let req = format!("GET /_sandbox/health HTTP/1.1\r\nHost: {}\r\n\r\n", s.addr);
    stream.write_all(req.as_bytes()).await.unwrap();
    let answered = read_until_closed(&mut stream, Duration::from_secs(5))
        .await
        .expect("closed after the idle timeout");
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
    s.shutdown().await;
}

#[tokio::test]
async fn at_the_connection_limit_new_clients_are_still_served() {
    let s = start(Config {
        max_connections: 8,
        body_timeout_secs: 2,
        ..config(1)
    })
    .await;
    let k = key();
    // Every slot taken by a connection that never sends a request.
    let mut idle = Vec::new();
    for _ in 0..8 {
        idle.push(TcpStream::connect(s.addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let r = Req::new("GET", "/v2/customers", &k)
        .timeout(Duration::from_secs(5))
        .ok(s.addr)
        .await;
    assert_eq!(r.status, 200);
    // Connections that never sent a request get a second before they go.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // The idle ones were closed to make room.
    for mut c in idle {
        assert!(read_until_closed(&mut c, Duration::from_secs(2))
            .await
            .is_some());
    }

    // Every slot taken by a stalled upload: the new client waits at most
    // the body timeout, and is served.
    let mut stalled = Vec::new();
    for _ in 0..8 {
        stalled.push(stalled_upload(s.addr, &k).await);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let r = Req::new("GET", "/v2/customers", &k)
        .timeout(Duration::from_secs(8))
        .ok(s.addr)
        .await;
    assert_eq!(r.status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    for mut c in stalled {
        let answer = read_until_closed(&mut c, Duration::from_secs(4))
            .await
            .unwrap();
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    }
    s.shutdown().await;
}

#[test]
fn the_automatic_limit_stays_below_the_file_descriptor_limit() {
    let n = mollie_sandbox::server::connection_limit(0);
    let mut lim = (0u64, 0u64);
    let text = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    if let Some(line) = text.lines().find(|l| l.starts_with("Max open files")) {
        let nums: Vec<u64> = line
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        lim = (nums[0], nums[1]);
    }
    assert!(n >= 16);
    assert!(n <= 16_384);
    if lim.0 > 0 {
        assert!((n as u64) + 256 <= lim.0.max(272), "{n} vs {lim:?}");
    }
    assert_eq!(mollie_sandbox::server::connection_limit(5), 5);
}

#[tokio::test]
async fn a_request_slower_than_the_idle_timeout_is_answered_and_the_wait_starts_after_it() {
    let dir = scenario_dir(&[(
        "slow.json",
        r#"{"name": "slow", "rules": [{"delay": 1600}]}"#,
    )]);
    let s = start(Config {
        idle_timeout_secs: 1,
        scenarios: Some(dir),
        ..config(1)
    })
    .await;
    let k = key();
    activate(s.addr, &k, "slow").await;
    let mut stream = TcpStream::connect(s.addr).await.unwrap();
    let req = format!(
        "GET /v2/customers HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {k}\r\n\r\n",
        s.addr
    );
    let started = Instant::now();
    stream.write_all(req.as_bytes()).await.unwrap();
    let answered = read_until_closed(&mut stream, Duration::from_secs(8))
        .await
        .expect("closed after the idle timeout");
    let waited = started.elapsed();
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
    // 1.6 s in the request, then a whole second idle before the close.
    assert!(waited >= Duration::from_millis(2500), "{waited:?}");
    assert!(waited < Duration::from_millis(6000), "{waited:?}");
    s.shutdown().await;
}

#[tokio::test]
async fn a_head_that_never_ends_is_closed_after_the_idle_timeout() {
    let s = start(Config {
        idle_timeout_secs: 1,
        ..config(1)
    })
    .await;
    let mut stream = TcpStream::connect(s.addr).await.unwrap();
    let started = Instant::now();
    stream
        .write_all(b"GET /v2/customers HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    // A byte every 300 ms: never a whole head.
    let trickle = async {
        loop {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if stream.write_all(b"a").await.is_err() {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), trickle).await;
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(900), "{waited:?}");
    assert!(
        waited < Duration::from_secs(4),
        "still open after {waited:?}"
    );
    s.shutdown().await;
}
