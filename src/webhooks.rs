//! Webhook deliveries. A status change calls [`Webhooks::enqueue`], which
//! only puts a job on a bounded queue: the API response never waits for a
//! receiver. One background worker ([`run_worker`]) POSTs `id=tr_…`
//! (form-encoded) to the payment's `webhookUrl`, each with a connect
//! timeout and Mollie's 15 s answer limit. Anything but a 200 in time is
//! retried on Mollie's schedule (10 attempts over 26 hours), compressed by
//! `--webhook-time-scale`. Redirects are not followed. Every attempt is
//! recorded per account, for `GET /_sandbox/webhooks`.
//!
//! Fairness: deliveries wait in lanes, one per account and receiver host,
//! served in turn. At most [`PER_ACCOUNT`] run at once for an account,
//! [`PER_HOST`] for a host and [`MAX_IN_FLIGHT`] in all, so a receiver that
//! hangs holds only its own account's slots and never delays another
//! account's deliveries.
//!
//! The bound is real: an account has at most [`QUEUE`] deliveries waiting
//! (new and retries), the server [`MAX_PENDING`]. A delivery or retry past
//! it is dropped; the drop is recorded as an attempt of that delivery (with
//! the reason in `error`) and logged as a warning.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use dashmap::DashMap;
use http_body_util::Full;
use hyper::header::{HeaderValue, ACCEPT, CONTENT_TYPE, USER_AGENT};
use hyper::{Method, Request};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use parking_lot::Mutex;
use serde::Serialize;
use tokio::sync::{oneshot, watch, Notify};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::app::App;
use crate::ids::Id;

/// Attempts in all, the first one included.
pub const ATTEMPTS: u32 = 10;
/// Seconds between attempt n and n+1, as Mollie documents (26 h in all).
pub const RETRY_GAPS: [u64; 9] = [60, 120, 240, 480, 960, 1740, 3600, 7200, 79_200];
/// A delivery counts only if the receiver answers 200 within this.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(15);
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Deliveries being made at once, in all; the rest wait their turn.
pub const MAX_IN_FLIGHT: usize = 256;
/// Deliveries being made at once for one account.
pub const PER_ACCOUNT: usize = 16;
/// Deliveries being made at once to one receiver (host and port): more
/// than one account's share, so one hanging account cannot fill it.
pub const PER_HOST: usize = 64;
/// Deliveries one account may have waiting (new ones and retries).
pub const QUEUE: usize = 4096;
/// Deliveries waiting in all. Past either bound a delivery or retry is
/// dropped (and the drop recorded) rather than growing memory without end.
pub const MAX_PENDING: usize = 65_536;
/// Attempts remembered per account, newest kept.
pub const LOG_LIMIT: usize = 1000;

/// One status change to report: the attempts of a delivery share its id.
#[derive(Debug)]
struct Delivery {
    id: Box<str>,
    account: Box<str>,
    payment_id: Id,
    url: Box<str>,
    /// The receiver's host and port, lowercase: its lane and its limit.
    host: Box<str>,
}

/// The receiver a URL names, as its concurrency limit counts it.
fn host_of(url: &str) -> Box<str> {
    url.parse::<hyper::Uri>()
        .ok()
        .and_then(|u| u.authority().map(|a| a.as_str().to_ascii_lowercase()))
        .unwrap_or_default()
        .into()
}

struct Job {
    delivery: Arc<Delivery>,
    /// 1-based.
    attempt: u32,
    due: Instant,
    /// Told (with the attempt's success) once this attempt was made, for
    /// an advance of the clock that waits for the webhooks it caused.
    attempted: Option<oneshot::Sender<bool>>,
}

/// A delivery's next attempt, due on its account's clock: an event of the
/// account's [`crate::scheduler::Schedule`], so that advancing the clock
/// walks Mollie's retry schedule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Retry {
    pub delivery_id: Box<str>,
    pub payment_id: Id,
    pub url: Box<str>,
    pub attempt: u32,
}

/// One attempt, as `GET /_sandbox/webhooks` shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    pub delivery_id: Box<str>,
    pub payment_id: Id,
    pub url: Box<str>,
    pub attempt: u32,
    /// When the attempt started (wall clock, milliseconds).
    pub at: String,
    /// The receiver's HTTP status, when it answered in time.
    pub status: Option<u16>,
    /// Why there is no (good) answer: connection error, timeout, queue full.
    pub error: Option<String>,
    pub latency_ms: u64,
    pub success: bool,
    /// When the next attempt is due, if one is scheduled.
    pub next_attempt_at: Option<String>,
}

type HttpClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

pub struct Webhooks {
    queues: Mutex<Queues>,
    /// Tells the worker that a delivery is waiting.
    wake: Notify,
    worker_started: std::sync::atomic::AtomicBool,
    log: DashMap<Box<str>, VecDeque<Attempt>>,
    time_scale: f64,
    seq: AtomicU64,
    client: HttpClient,
    counts: Counts,
    /// Accounts whose clock is being advanced: the attempts their new
    /// jobs will report, waited for by [`Webhooks::first_attempts`].
    watched: DashMap<Box<str>, Vec<oneshot::Receiver<bool>>>,
}

/// Outcomes and queue depths for the metrics; the worker keeps the depths.
#[derive(Default)]
struct Counts {
    success: AtomicU64,
    http_error: AtomicU64,
    error: AtomicU64,
    dropped: AtomicU64,
    queued: AtomicUsize,
    retries: AtomicUsize,
    in_flight: AtomicUsize,
}

/// What `GET /_sandbox/metrics` shows of the webhooks.
pub struct Stats {
    pub queued: usize,
    pub retries: usize,
    pub in_flight: usize,
    pub outcomes: [(&'static str, u64); 4],
}

/// Now plus `offset` (minus, when `back`), in RFC 3339 with milliseconds.
fn wall_clock(offset: Duration, back: bool) -> String {
    let now = jiff::Timestamp::now();
    let offset = jiff::SignedDuration::try_from(offset).unwrap_or_default();
    let at = if back {
        now.checked_sub(offset)
    } else {
        now.checked_add(offset)
    };
    format!("{:.3}", at.unwrap_or(now))
}

/// The roots a receiver's certificate may chain to: Mozilla's (bundled, so
/// the scratch image has them), the system's where it has any (a company CA
/// installed there), and the PEM file of `--webhook-ca`.
fn trusted_roots(extra_ca: Option<&Path>) -> Result<rustls::RootCertStore, String> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    // An empty or unreadable system store is normal (the image has none):
    // it is not worth a warning, the bundled roots cover public receivers.
    let native = rustls_native_certs::load_native_certs();
    let (added, _) = roots.add_parsable_certificates(native.certs);
    tracing::debug!(
        added,
        errors = native.errors.len(),
        "system roots for webhooks"
    );
    if let Some(path) = extra_ca {
        let what = || format!("--webhook-ca {}", path.display());
        let pem = std::fs::read(path).map_err(|e| format!("{}: {e}", what()))?;
        let certs = rustls_pemfile::certs(&mut pem.as_slice())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("{}: {e}", what()))?;
        if certs.is_empty() {
            return Err(format!("{}: no PEM certificate in it", what()));
        }
        for cert in certs {
            roots.add(cert).map_err(|e| format!("{}: {e}", what()))?;
        }
    }
    Ok(roots)
}

fn client(extra_ca: Option<&Path>) -> Result<HttpClient, String> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_connect_timeout(Some(CONNECT_TIMEOUT));
    http.set_nodelay(true);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("webhook TLS: {e}"))?
        .with_root_certificates(trusted_roots(extra_ca)?)
        .with_no_client_auth();
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Ok(Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(4)
        .build(connector))
}

impl Webhooks {
    /// `time_scale` multiplies the retry gaps: 1.0 is Mollie's real
    /// schedule, 0.001 makes a minute 60 ms, 0 retries at once.
    pub fn new(time_scale: f64) -> Result<Webhooks, String> {
        Webhooks::with_trust(time_scale, None)
    }

    /// As [`Webhooks::new`], also trusting the CA certificates in `extra_ca`
    /// (`--webhook-ca`) for https receivers.
    pub fn with_trust(time_scale: f64, extra_ca: Option<&Path>) -> Result<Webhooks, String> {
        if !time_scale.is_finite() || time_scale < 0.0 {
            return Err(format!(
                "--webhook-time-scale must be 0 or more, not {time_scale}"
            ));
        }
        Ok(Webhooks {
            queues: Mutex::new(Queues::default()),
            wake: Notify::new(),
            worker_started: Default::default(),
            log: DashMap::new(),
            time_scale,
            seq: AtomicU64::new(0),
            client: client(extra_ca)?,
            counts: Counts::default(),
            watched: DashMap::new(),
        })
    }

    /// When the attempt after `after_attempt` is due, from now; `None`
    /// after the last.
    fn gap(&self, after_attempt: u32) -> Option<Duration> {
        let secs = RETRY_GAPS.get(after_attempt.checked_sub(1)? as usize)?;
        Some(Duration::from_secs_f64(*secs as f64 * self.time_scale))
    }

    /// Schedules the first attempt of a new delivery now. Never waits: a
    /// full queue drops the delivery and records that. Returns its id.
    pub fn enqueue(&self, account: &str, payment_id: &str, url: &str) -> Box<str> {
        let n = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let delivery = Arc::new(Delivery {
            id: format!("whd_{n}").into(),
            account: account.into(),
            payment_id: Id::new(payment_id),
            url: url.into(),
            host: host_of(url),
        });
        let id = delivery.id.clone();
        self.send(delivery, 1);
        id
    }

    /// Queues attempt `attempt` of a delivery now; a full queue drops it
    /// (recorded).
    fn send(&self, delivery: Arc<Delivery>, attempt: u32) {
        let attempted = self.watched.get_mut(&delivery.account).map(|mut w| {
            let (tx, rx) = oneshot::channel();
            w.push(rx);
            tx
        });
        let job = Job {
            delivery,
            attempt,
            due: Instant::now(),
            attempted,
        };
        self.put(job);
    }

    /// A retry fell due on the account's clock: its attempt is queued.
    pub fn retry(&self, account: &str, retry: Retry) {
        let delivery = Arc::new(Delivery {
            id: retry.delivery_id,
            account: account.into(),
            payment_id: retry.payment_id,
            host: host_of(&retry.url),
            url: retry.url,
        });
        self.send(delivery, retry.attempt);
    }

    /// From now on, attempts queued for `account` report back to
    /// [`Webhooks::first_attempts`].
    pub fn watch(&self, account: &str) {
        self.watched.entry(account.into()).or_default();
    }

    pub fn unwatch(&self, account: &str) {
        self.watched.remove(account);
    }

    /// Attempts queued for the watched `account` not yet waited for.
    pub fn unawaited(&self, account: &str) -> usize {
        self.watched.get(account).map_or(0, |w| w.len())
    }

    /// Waits until every attempt queued for the watched `account` since the
    /// last call was made; their successes, in queue order. A dropped
    /// attempt counts as failed.
    pub async fn first_attempts(&self, account: &str) -> Vec<bool> {
        let pending = match self.watched.get_mut(account) {
            Some(mut w) => std::mem::take(&mut *w),
            None => return Vec::new(),
        };
        let mut out = Vec::with_capacity(pending.len());
        for rx in pending {
            out.push(rx.await.unwrap_or(false));
        }
        out
    }

    /// Queues a new delivery, or drops it at the bound and records why.
    fn put(&self, job: Job) {
        let refused = self.queues.lock().push(job);
        match refused {
            Ok(()) => self.wake.notify_one(),
            Err((mut job, why)) => {
                if let Some(tx) = job.attempted.take() {
                    let _ = tx.send(false);
                }
                tracing::warn!(
                    account = &*job.delivery.account,
                    delivery = &*job.delivery.id,
                    "webhook dropped: {why}"
                );
                let error = format!("dropped: {why}");
                self.record(
                    &job.delivery,
                    job.attempt,
                    None,
                    Some(error),
                    Duration::ZERO,
                    None,
                );
            }
        }
    }

    /// Sends a recorded delivery again, as a new delivery with its own
    /// retries. `None` when the account has no delivery by that id.
    pub fn resend(&self, account: &str, delivery_id: &str) -> Option<Box<str>> {
        let (payment, url) = {
            let log = self.log.get(account)?;
            let a = log.iter().rev().find(|a| &*a.delivery_id == delivery_id)?;
            (a.payment_id.clone(), a.url.clone())
        };
        Some(self.enqueue(account, &payment, &url))
    }

    /// The account's attempts, oldest first, optionally for one payment.
    pub fn attempts(&self, account: &str, payment_id: Option<&str>) -> Vec<Attempt> {
        self.log
            .get(account)
            .map(|log| {
                log.iter()
                    .filter(|a| payment_id.is_none_or(|p| a.payment_id == p))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn stats(&self) -> Stats {
        let c = &self.counts;
        let load = |n: &AtomicU64| n.load(Ordering::Relaxed);
        Stats {
            queued: c.queued.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
            in_flight: c.in_flight.load(Ordering::Relaxed),
            outcomes: [
                ("success", load(&c.success)),
                ("http_error", load(&c.http_error)),
                ("error", load(&c.error)),
                ("dropped", load(&c.dropped)),
            ],
        }
    }

    /// Forgets the account's attempts (a reset).
    pub fn forget(&self, account: &str) {
        self.log.remove(account);
    }

    fn record(
        &self,
        d: &Delivery,
        attempt: u32,
        status: Option<u16>,
        error: Option<String>,
        latency: Duration,
        next_in: Option<Duration>,
    ) {
        let outcome = match (status, &error) {
            (_, Some(e)) if e.contains("dropped") => &self.counts.dropped,
            (Some(200), _) => &self.counts.success,
            (Some(_), _) => &self.counts.http_error,
            (None, _) => &self.counts.error,
        };
        outcome.fetch_add(1, Ordering::Relaxed);
        let entry = Attempt {
            delivery_id: d.id.clone(),
            payment_id: d.payment_id.clone(),
            url: d.url.clone(),
            attempt,
            at: wall_clock(latency, true),
            status,
            error,
            latency_ms: u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
            success: status == Some(200),
            next_attempt_at: next_in.map(|d| wall_clock(d, false)),
        };
        let mut log = self.log.entry(d.account.clone()).or_default();
        if log.len() >= LOG_LIMIT {
            log.pop_front();
        }
        log.push_back(entry);
    }

    /// [`Webhooks::record`] for an attempt whose retry is due at `next_at`
    /// on the account's clock.
    fn record_at(
        &self,
        d: &Delivery,
        attempt: u32,
        status: Option<u16>,
        error: Option<String>,
        latency: Duration,
        next_at: i64,
    ) {
        self.record(d, attempt, status, error, latency, None);
        if let Some(mut log) = self.log.get_mut(&d.account) {
            if let Some(last) = log.back_mut() {
                last.next_attempt_at = Some(crate::clock::format_datetime(next_at));
            }
        }
    }

    async fn attempt(&self, d: &Delivery) -> (Option<u16>, Option<String>) {
        let uri: hyper::Uri = match d.url.parse() {
            Ok(u) => u,
            Err(e) => return (None, Some(format!("invalid URL: {e}"))),
        };
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("id", &d.payment_id)
            .finish();
        let req = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(
                CONTENT_TYPE,
                HeaderValue::from_static("application/x-www-form-urlencoded"),
            )
            .header(ACCEPT, HeaderValue::from_static("*/*"))
            .header(
                USER_AGENT,
                HeaderValue::from_static("Mollie HTTP Fetcher (mollie-sandbox)"),
            )
            .body(Full::new(Bytes::from(body)));
        let req = match req {
            Ok(r) => r,
            Err(e) => return (None, Some(format!("invalid request: {e}"))),
        };
        match tokio::time::timeout(ANSWER_TIMEOUT, self.client.request(req)).await {
            Ok(Ok(resp)) => (Some(resp.status().as_u16()), None),
            Ok(Err(e)) => (None, Some(attempt_error(&uri_host(&d.url), &e))),
            Err(_) => (
                None,
                Some(format!("no answer within {} s", ANSWER_TIMEOUT.as_secs())),
            ),
        }
    }
}

fn uri_host(url: &str) -> String {
    url.parse::<hyper::Uri>()
        .ok()
        .and_then(|u| u.host().map(str::to_owned))
        .unwrap_or_default()
}

/// An attempt's error for the log. A failed TLS handshake says so first,
/// with rustls's reason and what to do about it; otherwise the whole chain
/// of causes (connection refused, DNS, ...).
fn attempt_error(host: &str, e: &(dyn std::error::Error + 'static)) -> String {
    let Some(tls) = rustls_error(e) else {
        return error_chain(e);
    };
    let hint = match tls {
        rustls::Error::InvalidCertificate(
            rustls::CertificateError::UnknownIssuer | rustls::CertificateError::BadSignature,
        ) => {
            "; its certificate is not signed by a CA the sandbox trusts \
             (public roots are built in; give a private CA with --webhook-ca)"
        }
        rustls::Error::InvalidCertificate(
            rustls::CertificateError::NotValidForName
            | rustls::CertificateError::NotValidForNameContext { .. },
        ) => "; its certificate does not name the host of the webhook URL",
        _ => "",
    };
    format!("TLS handshake with {host} failed: {tls}{hint}")
}

/// The rustls error somewhere in `e`'s causes. The connector wraps it in an
/// `io::Error` inside another, whose `source()` skips it: look inside those.
fn rustls_error<'e>(e: &'e (dyn std::error::Error + 'static)) -> Option<&'e rustls::Error> {
    if let Some(tls) = e.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    if let Some(inner) = e
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
    {
        if let Some(tls) = rustls_error(inner) {
            return Some(tls);
        }
    }
    e.source().and_then(rustls_error)
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

struct Pending {
    due: Instant,
    seq: u64,
    job: Job,
}

/// A failed attempt's next one, on the account's clock when the scaled gap
/// is a second or more (the clock counts whole seconds); shorter gaps (a
/// compressed schedule) wait in the worker, in real time. Returns the
/// account-clock time it was scheduled at, if it was.
fn schedule_retry(app: &App, d: &Delivery, attempt: u32, gap: Duration) -> Option<i64> {
    let secs = gap.as_secs_f64().round() as i64;
    if secs < 1 {
        return None;
    }
    let account = app.registry.existing(&d.account)?;
    let at = account.clock.now() + secs;
    account.data.write().schedule_at(
        at,
        crate::scheduler::Due::WebhookRetry(Box::new(Retry {
            delivery_id: d.id.clone(),
            payment_id: d.payment_id.clone(),
            url: d.url.clone(),
            attempt: attempt + 1,
        })),
    );
    Some(at)
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        (self.due, self.seq) == (other.due, other.seq)
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.due, self.seq).cmp(&(other.due, other.seq))
    }
}

/// One account's deliveries to one receiver.
type Lane = (Box<str>, Box<str>);

/// Every delivery that waits: due ones in lanes served in turn, retries by
/// due time, and the counts the bounds are checked against.
#[derive(Default)]
struct Queues {
    lanes: HashMap<Lane, VecDeque<Job>>,
    /// Lanes that hold a due delivery, in turn order.
    turns: VecDeque<Lane>,
    later: BinaryHeap<Reverse<Pending>>,
    /// Waiting deliveries (due and later) per account.
    waiting: HashMap<Box<str>, usize>,
    total: usize,
    seq: u64,
}

impl Queues {
    fn push(&mut self, job: Job) -> Result<(), (Job, String)> {
        let account = &job.delivery.account;
        let waiting = self.waiting.get(account).copied().unwrap_or(0);
        if waiting >= QUEUE {
            return Err((
                job,
                format!("the account's delivery queue is full ({QUEUE} waiting)"),
            ));
        }
        if self.total >= MAX_PENDING {
            return Err((
                job,
                format!("the delivery queue is full ({MAX_PENDING} waiting)"),
            ));
        }
        *self.waiting.entry(account.clone()).or_default() += 1;
        self.total += 1;
        if job.due <= Instant::now() {
            self.ready(job);
        } else {
            self.seq += 1;
            self.later.push(Reverse(Pending {
                due: job.due,
                seq: self.seq,
                job,
            }));
        }
        Ok(())
    }

    fn ready(&mut self, job: Job) {
        let lane = (job.delivery.account.clone(), job.delivery.host.clone());
        let queue = self.lanes.entry(lane.clone()).or_default();
        if queue.is_empty() {
            self.turns.push_back(lane);
        }
        queue.push_back(job);
    }

    /// Retries whose time has come join their lanes.
    fn promote(&mut self, now: Instant) {
        while self.later.peek().is_some_and(|Reverse(p)| p.due <= now) {
            if let Some(Reverse(p)) = self.later.pop() {
                self.ready(p.job);
            }
        }
    }

    fn next_due(&self) -> Option<Instant> {
        self.later.peek().map(|Reverse(p)| p.due)
    }

    /// The next job that the limits let start, lanes taken in turn; a lane
    /// whose account or host is at its limit keeps its place.
    fn take(&mut self, running: &Running) -> Option<Job> {
        if running.total >= MAX_IN_FLIGHT {
            return None;
        }
        for _ in 0..self.turns.len() {
            let lane = self.turns.pop_front()?;
            if !running.allows(&lane) {
                self.turns.push_back(lane);
                continue;
            }
            let Some(queue) = self.lanes.get_mut(&lane) else {
                continue;
            };
            let Some(job) = queue.pop_front() else {
                self.lanes.remove(&lane);
                continue;
            };
            if queue.is_empty() {
                self.lanes.remove(&lane);
            } else {
                self.turns.push_back(lane);
            }
            if let Some(n) = self.waiting.get_mut(&job.delivery.account) {
                *n -= 1;
                if *n == 0 {
                    self.waiting.remove(&job.delivery.account);
                }
            }
            self.total -= 1;
            return Some(job);
        }
        None
    }
}

/// What the worker is running: counts per account, per host, in all.
#[derive(Default)]
struct Running {
    accounts: HashMap<Box<str>, usize>,
    hosts: HashMap<Box<str>, usize>,
    total: usize,
}

impl Running {
    fn allows(&self, (account, host): &Lane) -> bool {
        self.total < MAX_IN_FLIGHT
            && self.accounts.get(account).copied().unwrap_or(0) < PER_ACCOUNT
            && self.hosts.get(host).copied().unwrap_or(0) < PER_HOST
    }

    fn start(&mut self, d: &Delivery) {
        *self.accounts.entry(d.account.clone()).or_default() += 1;
        *self.hosts.entry(d.host.clone()).or_default() += 1;
        self.total += 1;
    }

    fn end(&mut self, d: &Delivery) {
        for (map, key) in [(&mut self.accounts, &d.account), (&mut self.hosts, &d.host)] {
            if let Some(n) = map.get_mut(key) {
                *n -= 1;
                if *n == 0 {
                    map.remove(key);
                }
            }
        }
        self.total -= 1;
    }
}

type Done = (Job, Option<u16>, Option<String>, Duration);

/// The delivery worker: starts what the limits allow, lanes in turn, keeps
/// retries until their time, and stops (abandoning what waits) when `stop`
/// turns true.
pub async fn run_worker(app: Arc<App>, mut stop: watch::Receiver<bool>) {
    let hooks = &app.webhooks;
    if hooks
        .worker_started
        .swap(true, std::sync::atomic::Ordering::Relaxed)
    {
        return;
    }
    let mut running = Running::default();
    let mut in_flight: tokio::task::JoinSet<Done> = JoinSet::new();
    loop {
        let next_due = {
            let mut q = hooks.queues.lock();
            q.promote(Instant::now());
            while let Some(job) = q.take(&running) {
                running.start(&job.delivery);
                let app = app.clone();
                in_flight.spawn(async move {
                    let started = Instant::now();
                    let (status, error) = app.webhooks.attempt(&job.delivery).await;
                    (job, status, error, started.elapsed())
                });
            }
            hooks.counts.retries.store(q.later.len(), Ordering::Relaxed);
            hooks
                .counts
                .queued
                .store(q.total - q.later.len(), Ordering::Relaxed);
            q.next_due()
        };
        tokio::select! {
            _ = stop.changed() => break,
            _ = hooks.wake.notified() => {},
            Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                let Ok((job, status, error, latency)) = done else { continue };
                running.end(&job.delivery);
                finish(&app, hooks, job, status, error, latency);
            },
            _ = sleep_until(next_due), if next_due.is_some() => {},
        }
        hooks
            .counts
            .in_flight
            .store(in_flight.len(), Ordering::Relaxed);
        if *stop.borrow() {
            break;
        }
    }
    in_flight.abort_all();
    while in_flight.join_next().await.is_some() {}
}

/// Records an attempt and queues its retry, if one is due: on the account's
/// clock when the scaled gap is a second or more, else in the worker's own
/// queue. Then tells an advance waiting for this attempt how it went.
fn finish(
    app: &App,
    hooks: &Webhooks,
    mut job: Job,
    status: Option<u16>,
    error: Option<String>,
    latency: Duration,
) {
    let attempted = job.attempted.take();
    let success = status == Some(200);
    let retry_in = if success {
        None
    } else {
        hooks.gap(job.attempt)
    };
    match retry_in {
        None => hooks.record(&job.delivery, job.attempt, status, error, latency, None),
        Some(gap) => match schedule_retry(app, &job.delivery, job.attempt, gap) {
            Some(at) => hooks.record_at(&job.delivery, job.attempt, status, error, latency, at),
            None => retry_in_worker(hooks, job, status, error, latency, gap),
        },
    }
    // After the retry is on the schedule: an advance waiting for this
    // attempt then finds it there.
    if let Some(tx) = attempted {
        let _ = tx.send(success);
    }
}

/// A retry gap under a second (a compressed schedule) waits in the worker,
/// in real time, bounded like every delivery.
fn retry_in_worker(
    hooks: &Webhooks,
    job: Job,
    status: Option<u16>,
    error: Option<String>,
    latency: Duration,
    gap: Duration,
) {
    let next = Job {
        delivery: job.delivery.clone(),
        attempt: job.attempt + 1,
        due: Instant::now() + gap,
        attempted: None,
    };
    let refused = hooks.queues.lock().push(next);
    match refused {
        Ok(()) => {
            hooks.record(
                &job.delivery,
                job.attempt,
                status,
                error,
                latency,
                Some(gap),
            );
            hooks.wake.notify_one();
        }
        Err((_, why)) => {
            tracing::warn!(
                account = &*job.delivery.account,
                delivery = &*job.delivery.id,
                "webhook retry dropped: {why}"
            );
            let error = format!(
                "{}; retry dropped: {why}",
                error.as_deref().unwrap_or("failed")
            );
            hooks.record(
                &job.delivery,
                job.attempt,
                status,
                Some(error),
                latency,
                None,
            );
        }
    }
}

async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(due) => tokio::time::sleep_until(due).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_is_mollies_scaled() {
        let w = Webhooks::new(1.0).unwrap();
        let total: u64 = RETRY_GAPS.iter().sum();
        assert_eq!(total, 26 * 3600);
        assert_eq!(w.gap(1), Some(Duration::from_secs(60)));
        assert_eq!(w.gap(9), Some(Duration::from_secs(79_200)));
        assert_eq!(w.gap(ATTEMPTS), None);
        let fast = Webhooks::new(0.001).unwrap();
        assert_eq!(fast.gap(1), Some(Duration::from_millis(60)));
        assert!(Webhooks::new(-1.0).is_err());
    }

    #[test]
    fn public_roots_are_bundled_so_the_image_needs_no_store() {
        let roots = trusted_roots(None).unwrap();
        assert!(roots.len() >= webpki_roots::TLS_SERVER_ROOTS.len());
        assert!(roots.len() > 100, "{}", roots.len());
    }
}
