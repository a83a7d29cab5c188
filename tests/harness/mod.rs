//! What the scenario, journal and state tests share: an in-process sandbox
//! on port 0, a random key per test, and a raw HTTP/1.1 client (one
//! connection per request) that reports connection faults exactly as a
//! client meets them.
#![allow(dead_code)]

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use mollie_sandbox::{Config, Server};
use rand::Rng;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub async fn start(config: Config) -> Server {
    mollie_sandbox::start(config).await.expect("sandbox starts")
}

/// Port 0, no fixtures, the given seed.
pub fn config(seed: u64) -> Config {
    Config {
        seed: Some(seed),
        ..Config::ephemeral()
    }
}

/// A fresh API key: its own, empty account.
pub fn key() -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::rng();
    let tail: String = (0..30)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect();
    format!("test_{tail}")
}

/// A folder of scenario files for `--scenarios`, removed by the OS's tmp cleaning.
pub fn scenario_dir(files: &[(&str, &str)]) -> PathBuf {
    let dir = temp_dir("scenarios");
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

pub fn temp_dir(what: &str) -> PathBuf {
    let n: u64 = rand::rng().random();
    let dir = std::env::temp_dir().join(format!("mollie-sandbox-test-{what}-{n:x}"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub elapsed: Duration,
}

impl Response {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What a client sees instead of a response.
#[derive(Debug, PartialEq, Eq)]
pub enum Failure {
    /// The connection was reset (RST).
    Reset,
    /// Closed without a byte.
    Empty,
    /// Bytes that are not an HTTP response.
    Garbage(Vec<u8>),
    /// Nothing within the client's patience.
    TimedOut,
}

pub type Outcome = Result<Response, Failure>;

pub struct Req<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub key: Option<&'a str>,
    pub headers: Vec<(&'a str, String)>,
    pub body: Option<(&'a str, String)>,
    pub timeout: Duration,
}

impl<'a> Req<'a> {
    pub fn new(method: &'a str, path: &'a str, key: &'a str) -> Req<'a> {
        Req {
            method,
            path,
            key: Some(key),
            headers: Vec::new(),
            body: None,
            timeout: Duration::from_secs(10),
        }
    }

    pub fn anonymous(method: &'a str, path: &'a str) -> Req<'a> {
        Req {
            key: None,
            ..Req::new(method, path, "")
        }
    }

    pub fn header(mut self, name: &'a str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(("application/json", body.to_string()));
        self
    }

    /// A JSON body given as text, valid or not.
    pub fn raw_json(mut self, body: String) -> Self {
        self.body = Some(("application/json", body));
        self
    }

    pub fn form(mut self, body: &str) -> Self {
        self.body = Some(("application/x-www-form-urlencoded", body.to_owned()));
        self
    }

    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    pub async fn send(self, addr: SocketAddr) -> Outcome {
        let started = Instant::now();
        let mut text = format!(
            "{} {} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n",
            self.method, self.path
        );
        if let Some(key) = self.key {
            text.push_str(&format!("Authorization: Bearer {key}\r\n"));
        }
        for (k, v) in &self.headers {
            text.push_str(&format!("{k}: {v}\r\n"));
        }
        let body = match &self.body {
            Some((ct, b)) => {
                text.push_str(&format!("Content-Type: {ct}\r\n"));
                b.clone()
            }
            None => String::new(),
        };
        text.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream
            .write_all(text.as_bytes())
            .await
            .expect("write request");
        let mut buf = Vec::new();
        let read = tokio::time::timeout(self.timeout, stream.read_to_end(&mut buf)).await;
        let elapsed = started.elapsed();
        match read {
            Err(_) => return Err(Failure::TimedOut),
            Ok(Err(e)) if e.kind() == ErrorKind::ConnectionReset => return Err(Failure::Reset),
            Ok(Err(e)) => panic!("read failed: {e}"),
            Ok(Ok(_)) => {}
        }
        if buf.is_empty() {
            return Err(Failure::Empty);
        }
        parse(&buf, elapsed).ok_or(Failure::Garbage(buf))
    }

    /// The response, or a panic naming the failure.
    pub async fn ok(self, addr: SocketAddr) -> Response {
        let what = format!("{} {}", self.method, self.path);
        self.send(addr)
            .await
            .unwrap_or_else(|f| panic!("{what}: {f:?}"))
    }
}

fn parse(buf: &[u8], elapsed: Duration) -> Option<Response> {
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&buf[..split]).ok()?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let status = status_line
        .strip_prefix("HTTP/1.1 ")?
        .get(..3)?
        .parse()
        .ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Some(Response {
        status,
        headers,
        body: buf[split + 4..].to_vec(),
        elapsed,
    })
}

pub async fn get(addr: SocketAddr, path: &str, key: &str) -> Response {
    Req::new("GET", path, key).ok(addr).await
}

/// Activates a scenario for the key's account, asserting it worked.
pub async fn activate(addr: SocketAddr, key: &str, name: &str) {
    let r = Req::new("PUT", "/_sandbox/scenario", key)
        .json(serde_json::json!({ "name": name }))
        .ok(addr)
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["active"], name);
}

pub fn payment_body() -> Value {
    serde_json::json!({
        "amount": {"currency": "EUR", "value": "10.00"},
        "description": "Order 1",
        "redirectUrl": "https://shop.example.org/return",
    })
}

pub async fn create_payment(addr: SocketAddr, key: &str) -> Outcome {
    Req::new("POST", "/v2/payments", key)
        .json(payment_body())
        .send(addr)
        .await
}

pub async fn create_customer(addr: SocketAddr, key: &str, name: &str) -> Response {
    let r = Req::new("POST", "/v2/customers", key)
        .json(serde_json::json!({"name": name, "email": "a@example.org"}))
        .ok(addr)
        .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    r
}

/// The status of each outcome, or the failure's name.
pub fn label(o: &Outcome) -> String {
    match o {
        Ok(r) => r.status.to_string(),
        Err(Failure::Reset) => "reset".into(),
        Err(Failure::Empty) => "empty".into(),
        Err(Failure::Garbage(_)) => "garbage".into(),
        Err(Failure::TimedOut) => "timeout".into(),
    }
}
