//! What the lifecycle tests share: an in-process sandbox on port 0, a small
//! HTTP client, a random API key per test, and a webhook receiver.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use mollie_sandbox::{Config, Server};
use parking_lot::Mutex;
use rand::distr::{Alphanumeric, SampleString};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};

pub struct Sandbox {
    pub server: Server,
    pub base: String,
    client: Client<HttpConnector, Full<Bytes>>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub fn random_key() -> String {
    format!("test_{}", Alphanumeric.sample_string(&mut rand::rng(), 30))
}

impl Sandbox {
    /// A sandbox with no fixtures; retries of webhooks 1000 times faster
    /// than real (a minute is 60 ms).
    pub async fn start() -> Sandbox {
        Self::with(Config {
            webhook_time_scale: 0.001,
            ..Config::ephemeral()
        })
        .await
    }

    pub async fn with(config: Config) -> Sandbox {
        let server = mollie_sandbox::start(config).await.expect("sandbox starts");
        let base = server.url();
        Sandbox {
            server,
            base,
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// Any request; `body` is sent as JSON when it is a JSON value, as a
    /// form when it is a string.
    pub async fn send(&self, method: Method, path: &str, key: Option<&str>, body: Body) -> Reply {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        let mut req = Request::builder().method(method).uri(url);
        if let Some(key) = key {
            req = req.header(AUTHORIZATION, format!("Bearer {key}"));
        }
        let bytes = match body {
            Body::None => Bytes::new(),
            Body::Json(v) => {
                req = req.header(CONTENT_TYPE, "application/json");
                Bytes::from(v.to_string())
            }
            Body::Form(f) => {
                req = req.header(CONTENT_TYPE, "application/x-www-form-urlencoded");
                Bytes::from(f)
            }
        };
        let resp = self
            .client
            .request(req.body(Full::new(bytes)).unwrap())
            .await
            .expect("request");
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, key: &str, path: &str) -> Reply {
        self.send(Method::GET, path, Some(key), Body::None).await
    }

    pub async fn post(&self, key: &str, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(key), Body::Json(body))
            .await
    }

    pub async fn patch(&self, key: &str, path: &str, body: Value) -> Reply {
        self.send(Method::PATCH, path, Some(key), Body::Json(body))
            .await
    }

    pub async fn delete(&self, key: &str, path: &str) -> Reply {
        self.send(Method::DELETE, path, Some(key), Body::None).await
    }

    /// Creates a customer and returns its id.
    pub async fn customer(&self, key: &str) -> String {
        let r = self
            .post(
                key,
                "/v2/customers",
                serde_json::json!({"name": "T. Tester"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()["id"].as_str().unwrap().to_owned()
    }

    /// Creates a payment from `body` (on the customer's endpoint when given).
    pub async fn payment(&self, key: &str, customer: Option<&str>, body: Value) -> Value {
        let path = match customer {
            Some(c) => format!("/v2/customers/{c}/payments"),
            None => "/v2/payments".to_owned(),
        };
        let r = self.post(key, &path, body).await;
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()
    }

    /// `POST /_sandbox/payments/{id}/status`
    pub async fn set_status(&self, key: &str, id: &str, body: Value) -> Reply {
        self.post(key, &format!("/_sandbox/payments/{id}/status"), body)
            .await
    }

    /// Moves the key's account clock forward (in-process: the HTTP clock
    /// route is another part's), so that what falls due fires on the next
    /// scheduler tick.
    pub fn advance(&self, key: &str, secs: i64) {
        let account = self
            .server
            .app
            .registry
            .existing(key)
            .expect("the key has an account");
        account.clock.advance(secs);
    }

    /// A payment made paid through the sandbox route.
    pub async fn paid_payment(&self, key: &str, body: Value) -> Value {
        let p = self.payment(key, None, body).await;
        let id = p["id"].as_str().unwrap().to_owned();
        let r = self
            .set_status(key, &id, serde_json::json!({"status": "paid"}))
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()
    }

    /// Waits (up to 10 s) until `GET path` satisfies `done`.
    pub async fn eventually(&self, key: &str, path: &str, done: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..200 {
            let r = self.get(key, path).await;
            let v = r.json();
            if done(&v) {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "{path} never got there: {}",
            self.get(key, path).await.text()
        );
    }
}

pub enum Body {
    None,
    Json(Value),
    Form(String),
}

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Hit {
    pub method: Method,
    pub path: String,
    pub content_type: Option<String>,
    pub body: String,
}

/// A webhook receiver on 127.0.0.1:0 that records every request and
/// answers with the scripted statuses first, then 200.
pub struct Receiver {
    pub addr: SocketAddr,
    hits: Arc<Mutex<Vec<Hit>>>,
    arrived: Arc<Notify>,
    /// While false, requests wait for [`Receiver::release`] before answering.
    gate: watch::Sender<bool>,
}

impl Receiver {
    pub async fn start(script: Vec<u16>) -> Receiver {
        Self::start_with(script, Vec::new()).await
    }

    /// `headers` go on every scripted (non-200) answer, e.g. a `Location`.
    pub async fn start_with(script: Vec<u16>, headers: Vec<(&'static str, String)>) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
        let arrived = Arc::new(Notify::new());
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let gate = watch::Sender::new(true);
        let headers = Arc::new(headers);
        let (h, a, g) = (hits.clone(), arrived.clone(), gate.clone());
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (hits, arrived, script, gate, headers) = (
                    h.clone(),
                    a.clone(),
                    script.clone(),
                    g.clone(),
                    headers.clone(),
                );
                tokio::spawn(async move {
                    let svc = service_fn(move |req: Request<hyper::body::Incoming>| {
                        let (hits, arrived, script, gate, headers) = (
                            hits.clone(),
                            arrived.clone(),
                            script.clone(),
                            gate.clone(),
                            headers.clone(),
                        );
                        async move {
                            let method = req.method().clone();
                            let path = req.uri().path().to_owned();
                            let content_type = req
                                .headers()
                                .get(CONTENT_TYPE)
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_owned);
                            let body = req.into_body().collect().await.unwrap().to_bytes();
                            hits.lock().push(Hit {
                                method,
                                path,
                                content_type,
                                body: String::from_utf8_lossy(&body).into_owned(),
                            });
                            arrived.notify_waiters();
                            let _ = gate.subscribe().wait_for(|open| *open).await;
                            let status = script.lock().pop_front().unwrap_or(200);
                            let mut resp = Response::new(Full::new(Bytes::from_static(b"ok")));
                            *resp.status_mut() = StatusCode::from_u16(status).unwrap();
                            if status != 200 {
                                for (name, value) in headers.iter() {
                                    resp.headers_mut()
                                        .insert(*name, HeaderValue::from_str(value).unwrap());
                                }
                            }
                            Ok::<_, Infallible>(resp)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Receiver {
            addr,
            hits,
            arrived,
            gate,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().clone()
    }

    /// Waits (up to 10 s) for at least `n` requests and returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Hit> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let notified = self.arrived.notified();
            if self.hits.lock().len() >= n {
                return self.hits();
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("expected {n} webhook calls, got {:?}", self.hits());
            }
        }
    }

    /// Holds every answer until [`Receiver::release`].
    pub fn hold(&self) {
        self.gate.send_replace(false);
    }

    pub fn release(&self) {
        self.gate.send_replace(true);
    }
}
