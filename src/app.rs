//! The path of one request, from hyper's [`Request`] to its [`Resp`]:
//! sandbox routes first, then body, authentication, account, idempotency,
//! and the API router.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, HOST};
use hyper::http::request::Parts;
use hyper::{Method, Request, StatusCode};

use crate::api::{self, Ctx};
use crate::auth::{Credential, Kind};
use crate::config::Config;
use crate::error::{ApiError, Result};
use crate::http::request::{Body, Query};
use crate::http::response::{hal_response, Resp};
use crate::idempotency::{self, Begin, Stored};
use crate::store::{Mode, Registry};
use crate::{checkout, sandbox};

pub const MAX_BODY: usize = 1024 * 1024;

pub struct App {
    pub config: Config,
    pub registry: Registry,
    /// `--public-url` without its trailing slash.
    pub public_url: Option<String>,
    /// PEM of the certificate authority behind the HTTPS certificate, when generated.
    pub ca_pem: Option<String>,
}

impl App {
    /// The absolute base every href starts with: the configured public URL,
    /// or what the client used to reach us, so links work through
    /// docker-compose service names.
    pub fn base_url(&self, parts: &Parts, tls: bool) -> String {
        if let Some(url) = &self.public_url {
            return url.clone();
        }
        let host = parts
            .headers
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()))
            .or_else(|| parts.uri.authority().map(|a| a.as_str()))
            .unwrap_or("localhost");
        let scheme = if tls { "https" } else { "http" };
        format!("{scheme}://{host}")
    }
}

pub async fn handle(app: Arc<App>, req: Request<Incoming>, tls: bool) -> Resp {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path();
    if path == "/_sandbox" || path.starts_with("/_sandbox/") {
        return match read_body(&parts, body).await {
            Ok(bytes) => sandbox::handle(&app, &parts, bytes, tls).await,
            Err(e) => e.into_response(),
        };
    }
    if path.starts_with("/checkout/") {
        return match read_body(&parts, body).await {
            Ok(bytes) => checkout::handle(&app, &parts, bytes, tls),
            Err(e) => e.into_response(),
        };
    }
    match api_request(&app, &parts, body, tls).await {
        Ok(resp) => resp,
        Err(e) => e.into_response(),
    }
}

pub async fn read_body(parts: &Parts, body: Incoming) -> Result<Bytes> {
    let too_large = || ApiError::new(413, "The request body is too large. It may be up to 1 MiB.");
    let declared = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_large());
    }
    match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Err(_) => Err(ApiError::bad_request("The request body could not be read.")),
    }
}

/// `testmode` for access tokens: the query string on GET, the body otherwise.
fn token_mode(method: &Method, query: &Query, body: &Body) -> Result<Mode> {
    let value = if *method == Method::GET {
        query
            .get("testmode")
            .map(|v| serde_json::Value::String(v.to_owned()))
    } else {
        body.get("testmode").cloned()
    };
    match value {
        None => Ok(Mode::Live),
        Some(v) => Ok(if crate::validate::boolean(&v, "testmode")? {
            Mode::Test
        } else {
            Mode::Live
        }),
    }
}

async fn api_request(app: &App, parts: &Parts, body: Incoming, tls: bool) -> Result<Resp> {
    let raw = read_body(parts, body).await?;
    let cred = Credential::from_header(
        parts
            .headers
            .get(hyper::header::AUTHORIZATION)
            .map(|h| h.as_bytes()),
    )?;
    let content_type = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let body = Body::decode(content_type, &raw)?;
    let query = Query::parse(parts.uri.query());
    let mode = match cred.kind {
        Kind::ApiKey => cred.mode,
        Kind::AccessToken => token_mode(&parts.method, &query, &body)?,
    };
    let account = app
        .registry
        .get(cred.key, mode, cred.kind == Kind::AccessToken);
    let base = app.base_url(parts, tls);
    let ctx = Ctx {
        app,
        account: &account,
        method: &parts.method,
        path: parts.uri.path(),
        query,
        body,
        kind: cred.kind,
        base: &base,
    };
    let idem_key = parts
        .headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty());
    match (idem_key, &parts.method) {
        (Some(key), &Method::POST) => {
            let path_and_query = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("");
            let fp = idempotency::fingerprint("POST", path_and_query, &raw);
            let begin = account
                .idempotency
                .lock()
                .begin(key, fp, account.clock.now())?;
            match begin {
                Begin::Replay(stored) => Ok(replay(stored)),
                Begin::Run => {
                    let guard = InFlight {
                        account: &account,
                        key,
                        done: false,
                    };
                    let result = api::route(&ctx);
                    guard.finish(&result);
                    result
                }
            }
        }
        _ => api::route(&ctx),
    }
}

fn replay(stored: Stored) -> Resp {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    hal_response(status, stored.body).header(
        hyper::header::HeaderName::from_static("idempotent-replayed"),
        HeaderValue::from_static("true"),
    )
}

/// Forgets an in-flight idempotency key if the request never finishes
/// (the client went away), so the key does not answer 409 for an hour.
struct InFlight<'a> {
    account: &'a crate::store::Account,
    key: &'a str,
    done: bool,
}

impl InFlight<'_> {
    fn finish(mut self, result: &Result<Resp>) {
        let stored = result.as_ref().ok().map(|resp| Stored {
            status: resp.status.as_u16(),
            body: resp.body.clone(),
        });
        self.account.idempotency.lock().finish(self.key, stored);
        self.done = true;
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.account.idempotency.lock().finish(self.key, None);
        }
    }
}
