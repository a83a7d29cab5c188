//! Webhook deliveries. A status change calls [`Webhooks::enqueue`], which
//! only puts a job on a bounded queue: the API response never waits for a
//! receiver. One background worker ([`run_worker`]) POSTs `id=tr_…`
//! (form-encoded) to the payment's `webhookUrl`, at most [`MAX_IN_FLIGHT`] at
//! a time, each with a connect timeout and Mollie's 15 s answer limit.
//! Anything but a 200 in time is retried on Mollie's schedule (10 attempts
//! over 26 hours), compressed by `--webhook-time-scale`. Redirects are not
//! followed. Every attempt is recorded per account, for `GET /_sandbox/webhooks`.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
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
use tokio::sync::{mpsc, oneshot, watch};
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
/// Deliveries being made at once; the rest wait their turn.
pub const MAX_IN_FLIGHT: usize = 64;
/// New deliveries waiting for the worker.
pub const QUEUE: usize = 4096;
/// Retries waiting for their time. Past this, a retry is dropped (and the
/// drop recorded) rather than growing memory without end.
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
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
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
    tx: mpsc::Sender<Job>,
    rx: Mutex<Option<mpsc::Receiver<Job>>>,
    log: DashMap<Box<str>, VecDeque<Attempt>>,
    time_scale: f64,
    seq: AtomicU64,
    client: HttpClient,
    /// Accounts whose clock is being advanced: the attempts their new
    /// jobs will report, waited for by [`Webhooks::first_attempts`].
    watched: DashMap<Box<str>, Vec<oneshot::Receiver<bool>>>,
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

fn client() -> Result<HttpClient, String> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_connect_timeout(Some(CONNECT_TIMEOUT));
    http.set_nodelay(true);
    let provider = || Arc::new(rustls::crypto::ring::default_provider());
    // The system's roots first (a mounted company CA works), Mozilla's otherwise.
    let builder = match hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(provider())
    {
        Ok(b) => b,
        Err(_) => hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(provider())
            .map_err(|e| format!("webhook TLS: {e}"))?,
    };
    let connector = builder.https_or_http().enable_http1().wrap_connector(http);
    Ok(Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(4)
        .build(connector))
}

impl Webhooks {
    /// `time_scale` multiplies the retry gaps: 1.0 is Mollie's real
    /// schedule, 0.001 makes a minute 60 ms, 0 retries at once.
    pub fn new(time_scale: f64) -> Result<Webhooks, String> {
        if !time_scale.is_finite() || time_scale < 0.0 {
            return Err(format!(
                "--webhook-time-scale must be 0 or more, not {time_scale}"
            ));
        }
        let (tx, rx) = mpsc::channel(QUEUE);
        Ok(Webhooks {
            tx,
            rx: Mutex::new(Some(rx)),
            log: DashMap::new(),
            time_scale,
            seq: AtomicU64::new(0),
            client: client()?,
            watched: DashMap::new(),
        })
    }

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
            delivery: delivery.clone(),
            attempt,
            due: Instant::now(),
            attempted,
        };
        if self.tx.try_send(job).is_err() {
            self.record(
                &delivery,
                attempt,
                None,
                Some("dropped: the delivery queue is full".into()),
                Duration::ZERO,
                None,
            );
        }
    }

    /// A retry fell due on the account's clock: its attempt is queued.
    pub fn retry(&self, account: &str, retry: Retry) {
        let delivery = Arc::new(Delivery {
            id: retry.delivery_id,
            account: account.into(),
            payment_id: retry.payment_id,
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
            Ok(Err(e)) => (None, Some(error_chain(&e))),
            Err(_) => (
                None,
                Some(format!("no answer within {} s", ANSWER_TIMEOUT.as_secs())),
            ),
        }
    }
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
    account.data.write().schedule.at(
        at,
        crate::scheduler::Due::WebhookRetry(Retry {
            delivery_id: d.id.clone(),
            payment_id: d.payment_id.clone(),
            url: d.url.clone(),
            attempt: attempt + 1,
        }),
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

/// The delivery worker: takes new deliveries off the queue, keeps retries
/// in a heap by due time, runs up to [`MAX_IN_FLIGHT`] attempts at once, and
/// stops (abandoning what is pending) when `stop` turns true.
pub async fn run_worker(app: Arc<App>, mut stop: watch::Receiver<bool>) {
    let Some(mut rx) = app.webhooks.rx.lock().take() else {
        return;
    };
    let hooks = &app.webhooks;
    let mut heap: BinaryHeap<Reverse<Pending>> = BinaryHeap::new();
    let mut seq: u64 = 0;
    let mut in_flight: JoinSet<(Job, Option<u16>, Option<String>, Duration)> = JoinSet::new();
    loop {
        // Start whatever is due, as far as the in-flight limit allows.
        let now = Instant::now();
        while in_flight.len() < MAX_IN_FLIGHT {
            match heap.peek() {
                Some(Reverse(p)) if p.due <= now => {}
                _ => break,
            }
            let Some(Reverse(p)) = heap.pop() else { break };
            let app = app.clone();
            in_flight.spawn(async move {
                let started = Instant::now();
                let (status, error) = app.webhooks.attempt(&p.job.delivery).await;
                (p.job, status, error, started.elapsed())
            });
        }
        let next_due = heap.peek().map(|Reverse(p)| p.due);
        let can_start = in_flight.len() < MAX_IN_FLIGHT;
        tokio::select! {
            _ = stop.changed() => break,
            job = rx.recv() => match job {
                Some(job) => {
                    seq += 1;
                    heap.push(Reverse(Pending { due: job.due, seq, job }));
                }
                None => break,
            },
            Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                let Ok((mut job, status, error, latency)) = done else { continue };
                let attempted = job.attempted.take();
                let success = status == Some(200);
                let retry_in = if success { None } else { hooks.gap(job.attempt) };
                let retry_in = match retry_in {
                    Some(_) if heap.len() >= MAX_PENDING => {
                        let error = Some(format!(
                            "{}; retry dropped: {MAX_PENDING} retries are waiting already",
                            error.as_deref().unwrap_or("failed")
                        ));
                        hooks.record(&job.delivery, job.attempt, status, error, latency, None);
                        if let Some(tx) = attempted {
                            let _ = tx.send(success);
                        }
                        continue;
                    }
                    other => other,
                };
                let on_clock = retry_in
                    .and_then(|gap| schedule_retry(&app, &job.delivery, job.attempt, gap));
                match on_clock {
                    Some(at) => hooks.record_at(&job.delivery, job.attempt, status, error, latency, at),
                    None => {
                        hooks.record(&job.delivery, job.attempt, status, error, latency, retry_in);
                        if let Some(gap) = retry_in {
                            seq += 1;
                            let due = Instant::now() + gap;
                            let next = Job { delivery: job.delivery, attempt: job.attempt + 1, due, attempted: None };
                            heap.push(Reverse(Pending { due, seq, job: next }));
                        }
                    }
                }
                // After the retry is on the schedule: an advance waiting for
                // this attempt then finds it there.
                if let Some(tx) = attempted {
                    let _ = tx.send(success);
                }
            },
            _ = sleep_until(next_due), if next_due.is_some() && can_start => {},
        }
        if *stop.borrow() {
            break;
        }
    }
    in_flight.abort_all();
    while in_flight.join_next().await.is_some() {}
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
}
