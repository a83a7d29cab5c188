//! The path of one request, from hyper's [`Request`] to its [`Outcome`]:
//! the journal around everything; sandbox routes first, then body,
//! authentication, account, idempotent replay, the scenario engine,
//! idempotency, and the API router.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONNECTION, HOST};
use hyper::http::request::Parts;
use hyper::{Method, Request, StatusCode};

use crate::api::{self, Ctx};
use crate::auth::{Credential, Kind};
use crate::config::Config;
use crate::error::{ApiError, Result};
use crate::http::request::{Body, Known, Query};
use crate::http::response::{hal_response, Resp};
use crate::idempotency::{self, Begin, Stored};
use crate::journal::{self, Trace};
use crate::scenario::{self, Fault, Library};
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
    /// Loaded scenarios, the server-wide one, and the seed of their randomness.
    pub scenarios: Library,
    /// The webhook delivery queue and its log.
    pub webhooks: crate::webhooks::Webhooks,
    /// Request counters for `GET /_sandbox/metrics`.
    pub metrics: crate::metrics::Metrics,
}

impl App {
    /// The absolute base every href starts with: the configured public URL,
    /// or what the client used to reach us, so links work through
    /// docker-compose service names.
    pub fn base_url(&self, parts: &Parts, tls: bool) -> String {
        self.base_url_from(
            parts.headers.get(HOST).map(HeaderValue::as_bytes),
            parts,
            tls,
        )
    }

    /// [`App::base_url`] for the API path, with the `Host` header already
    /// found: borrowed when configured; else the one this thread made last
    /// for the same scheme and host (a client sends the same `Host` on every
    /// request), else made now.
    pub fn api_base(&self, host: Option<&HeaderValue>, parts: &Parts, tls: bool) -> Base<'_> {
        if let Some(url) = &self.public_url {
            return Base::Configured(url);
        }
        let Some(host) = host.map(HeaderValue::as_bytes) else {
            return Base::Made(self.base_url_from(None, parts, tls).into());
        };
        let made = LAST_BASE.with(|last| {
            let last = last.try_borrow().ok()?;
            let (was_tls, was_host, base) = last.as_ref()?;
            (*was_tls == tls && **was_host == *host).then(|| base.clone())
        });
        if let Some(base) = made {
            return Base::Made(base);
        }
        let base: Arc<str> = self.base_url_from(Some(host), parts, tls).into();
        LAST_BASE.with(|last| {
            if let Ok(mut last) = last.try_borrow_mut() {
                *last = Some((tls, host.into(), base.clone()));
            }
        });
        Base::Made(base)
    }

    /// [`App::base_url`] with the `Host` header's value already found.
    fn base_url_from(&self, host: Option<&[u8]>, parts: &Parts, tls: bool) -> String {
        if let Some(url) = &self.public_url {
            return url.clone();
        }
        // Visible ASCII only, so the text is the bytes.
        let host = host
            .filter(|h| !h.is_empty() && h.iter().all(u8::is_ascii_graphic))
            .and_then(|h| std::str::from_utf8(h).ok())
            .or_else(|| parts.uri.authority().map(|a| a.as_str()))
            .unwrap_or("localhost");
        let scheme = if tls { "https://" } else { "http://" };
        crate::views::concat(&[scheme, host])
    }
}

/// Whether on TLS, the `Host` value, and the base made for them.
type MadeBase = (bool, Box<[u8]>, Arc<str>);

thread_local! {
    /// The last base [`App::api_base`] made on this thread, by scheme and host.
    static LAST_BASE: std::cell::RefCell<Option<MadeBase>> =
        const { std::cell::RefCell::new(None) };
}

/// The base of a request's hrefs ([`App::api_base`]).
pub enum Base<'a> {
    Configured(&'a str),
    Made(Arc<str>),
}

impl std::ops::Deref for Base<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            Base::Configured(s) => s,
            Base::Made(s) => s,
        }
    }
}

/// What becomes of a request: an answer, or (under a scenario) a fault of
/// its connection, which the server carries out below HTTP.
pub enum Outcome {
    Respond(Resp),
    /// The fault, and its journal entry, to be finished when a hang ends.
    Fault(Fault, Option<journal::Mark>),
}

impl From<Resp> for Outcome {
    fn from(resp: Resp) -> Self {
        Outcome::Respond(resp)
    }
}

/// One request, journaled around everything else.
pub async fn handle(app: &Arc<App>, req: Request<Incoming>, tls: bool) -> Outcome {
    let started = Instant::now();
    let arrived = jiff::Timestamp::now();
    let (parts, body) = req.into_parts();
    let mut trace = Trace::default();
    let outcome = dispatch(app, &parts, body, tls, &mut trace).await;
    if let Some(account) = &trace.account {
        let reads = matches!(parts.method, Method::GET | Method::HEAD);
        account.touch(arrived.as_millisecond(), !reads);
    }
    let status = match &outcome {
        Outcome::Respond(resp) => Some(resp.status.as_u16()),
        Outcome::Fault(..) => None,
    };
    // Read once for both: a clock read and its subtraction cost more than
    // the rest of a counter's update.
    let latency = started.elapsed();
    app.metrics.observe(
        parts.uri.path(),
        status,
        latency,
        trace.scenario.as_deref(),
        &trace.rules,
    );
    let mark = journal::record(app, &parts, trace, &outcome, arrived, started, latency);
    match outcome {
        Outcome::Fault(fault, _) => Outcome::Fault(fault, mark),
        respond => respond,
    }
}

async fn dispatch(
    app: &Arc<App>,
    parts: &Parts,
    body: Incoming,
    tls: bool,
    trace: &mut Trace,
) -> Outcome {
    if crate::http::parse_errors::head_too_large(parts) {
        return ApiError::new(431, crate::http::parse_errors::HEAD_TOO_LARGE)
            .with_header(CONNECTION, HeaderValue::from_static("close"))
            .into_response()
            .into();
    }
    let path = parts.uri.path();
    if path == "/_sandbox" || path.starts_with("/_sandbox/") {
        sandbox::control::trace(app, parts, trace);
        return match read_body(body, app.config.body_timeout()).await {
            Ok(bytes) => {
                if app.config.journal_bodies {
                    trace.request_body = Some(bytes.clone());
                }
                sandbox::handle(app, parts, bytes, tls).await.into()
            }
            Err(e) => e.into_response().into(),
        };
    }
    if let Some(icon) = path.strip_prefix("/external/icons/") {
        // The catalogue's images: keyless, as Mollie's own icon URLs.
        return crate::catalogue::image_response(&parts.method, icon).into();
    }
    if path.starts_with("/checkout/") {
        return match read_body(body, app.config.body_timeout()).await {
            Ok(bytes) => checkout::handle(app, parts, bytes, tls).into(),
            Err(e) => e.into_response().into(),
        };
    }
    match api_request(app, parts, body, tls, trace).await {
        Ok(outcome) => outcome,
        Err(e) => e.into_response().into(),
    }
}

/// The request's body, whole, within `timeout` (a stalled upload must not
/// hold its connection for ever: 408, and the connection closes).
pub async fn read_body(body: Incoming, timeout: Duration) -> Result<Bytes> {
    // Most bodies are empty or came in with the head: one poll reads them,
    // and no timer is armed for what needs no waiting.
    let mut read = std::pin::pin!(read_all(body));
    let first = std::future::poll_fn(|cx| {
        std::task::Poll::Ready(std::future::Future::poll(read.as_mut(), cx))
    })
    .await;
    if let std::task::Poll::Ready(done) = first {
        return done;
    }
    match tokio::time::timeout(timeout, read).await {
        Ok(read) => read,
        Err(_) => Err(ApiError::new(
            408,
            format!(
                "The request body did not arrive within {} seconds.",
                timeout.as_secs_f64()
            ),
        )
        .with_header(CONNECTION, HeaderValue::from_static("close"))),
    }
}

async fn read_all(body: Incoming) -> Result<Bytes> {
    use hyper::body::Body as _;
    let too_large = || ApiError::new(413, "The request body is too large. It may be up to 1 MiB.");
    // Hyper knows the declared length (the size hint) and an empty body
    // (most GETs): neither needs the header parsed again nor a collector.
    if body.is_end_stream() {
        return Ok(Bytes::new());
    }
    if body
        .size_hint()
        .exact()
        .is_some_and(|n| n > MAX_BODY as u64)
    {
        return Err(too_large());
    }
    // Frames read one by one rather than through `Limited` and `collect`:
    // a body that came in one piece (nearly all) is that piece, without the
    // collector's queue around it.
    let mut body = body;
    let mut first = Bytes::new();
    let mut joined: Option<bytes::BytesMut> = None;
    let mut len = 0;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return Err(ApiError::bad_request("The request body could not be read."));
        };
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        len += data.len();
        if len > MAX_BODY {
            return Err(too_large());
        }
        if let Some(joined) = &mut joined {
            joined.extend_from_slice(&data);
        } else if first.is_empty() {
            first = data;
        } else {
            let mut both = bytes::BytesMut::with_capacity(len);
            both.extend_from_slice(&first);
            both.extend_from_slice(&data);
            joined = Some(both);
        }
    }
    Ok(joined.map_or(first, bytes::BytesMut::freeze))
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

/// Who a request comes from: the API-key account this thread remembers
/// for its header, or the credential the header holds.
enum Caller<'a> {
    Remembered(Arc<crate::store::Account>),
    Key(Credential<'a>),
}

async fn api_request(
    app: &App,
    parts: &Parts,
    body: Incoming,
    tls: bool,
    trace: &mut Trace,
) -> Result<Outcome> {
    let raw = read_body(body, app.config.body_timeout()).await?;
    if app.config.journal_bodies {
        trace.request_body = Some(raw.clone());
    }
    let known = Known::of(&parts.headers);
    trace.idempotency_key = known.idempotency_key.cloned();
    let header = known.authorization.map(HeaderValue::as_bytes);
    // The same key as this thread's last request: its account, without
    // the header checked and the account looked up again.
    let caller = match header.and_then(|h| app.registry.remembered(h)) {
        Some(account) => Caller::Remembered(account),
        None => Caller::Key(Credential::from_header(header)?),
    };
    let body = Body::of_type(known.content_type, &raw)?;
    let query = Query::parse(parts.uri.query());
    let (account, kind) = match caller {
        Caller::Remembered(account) => (account, Kind::ApiKey),
        Caller::Key(cred) => {
            let mode = match cred.kind {
                Kind::ApiKey => cred.mode,
                Kind::AccessToken => token_mode(&parts.method, &query, &body)?,
            };
            let token = cred.kind == Kind::AccessToken;
            let generation = app.registry.generation();
            let account = app.registry.get(cred.key, mode, token);
            if let (false, Some(h)) = (token, header) {
                app.registry.remember(h, &account, generation);
            }
            (account, cred.kind)
        }
    };
    trace.account = Some(account.clone());
    let base = app.api_base(known.host, parts, tls);
    let ctx = Ctx {
        app,
        account: &account,
        method: &parts.method,
        path: parts.uri.path(),
        query,
        body,
        kind,
        base: &base,
    };
    let idem_key = known
        .idempotency_key
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty());
    let idem = match (idem_key, &parts.method) {
        (Some(key), &Method::POST) => {
            let path_and_query = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("");
            Some((key, idempotency::fingerprint("POST", path_and_query, &raw)))
        }
        _ => None,
    };
    if let Some((key, fp)) = idem {
        // A retry of a request that succeeded gets its result before any
        // scenario rule can fail it: that is what the key promises.
        if let Some(stored) = account
            .idempotency
            .lock()
            .stored(key, fp, account.clock.now())
        {
            return Ok(replay(stored).into());
        }
    }
    let seen = scenario::Request {
        method: &parts.method,
        path: ctx.path,
        query: &ctx.query,
        body: &ctx.body,
        headers: &parts.headers,
    };
    if let Some(outcome) = scenario::step(app, &account, seen, known.scenario, trace).await? {
        return Ok(outcome);
    }
    let result = match idem {
        Some((key, fp)) => {
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
        None => api::route(&ctx),
    };
    result.map(Outcome::Respond)
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
        // A copy of its own size: the response's buffer was sized for
        // rendering (2 KiB or more), and a kept key holds its body an hour.
        let stored = result
            .as_ref()
            .ok()
            .filter(|resp| resp.status.is_success())
            .map(|resp| Stored {
                status: resp.status.as_u16(),
                body: Bytes::copy_from_slice(&resp.body),
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
