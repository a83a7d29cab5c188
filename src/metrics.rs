//! Counters for `GET /_sandbox/metrics`, in Prometheus' text format
//! (version 0.0.4). The request path pays one map read (the route's
//! counters, found by a label built on the stack) and a few relaxed atomic
//! adds, all in its thread's own stripe ([`STRIPES`]), which the scrape sums;
//! everything else (accounts, objects, journal bytes, webhook queue) is read
//! when the metrics are scraped.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use dashmap::DashMap;

use crate::app::App;

/// Upper bounds (seconds) of the latency histogram's buckets.
pub const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Distinct route labels kept; past this, new shapes count as `other`, so a
/// client that sends random paths cannot grow memory without end.
pub const MAX_ROUTES: usize = 256;
/// Status slots: 100..=599, and one for a faulted connection.
const STATUSES: usize = 501;
const FAULT: usize = 500;

pub struct RouteStats {
    statuses: [AtomicU64; STATUSES],
    /// Per bucket, not cumulative (cumulated when rendered); the last slot is +Inf.
    buckets: [AtomicU64; BUCKETS.len() + 1],
    sum_micros: AtomicU64,
}

impl Default for RouteStats {
    fn default() -> Self {
        RouteStats {
            statuses: std::array::from_fn(|_| AtomicU64::new(0)),
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            sum_micros: AtomicU64::new(0),
        }
    }
}

/// Route, scenario, rule.
type RuleKey = (Box<str>, Box<str>, Box<str>);

type Routes = DashMap<Box<str>, Arc<RouteStats>, foldhash::fast::RandomState>;

/// Counters are kept per stripe, each thread counting in its own: with one
/// shared set every request on every core wrote the same cache lines (a map
/// lock and three counters), which cost several percent of a request's CPU
/// once two worker threads served at once.
pub const STRIPES: usize = 16;

pub struct Metrics {
    /// Tells this instance's entry in a thread's [`LAST_ROUTE`] from
    /// another's (tests run many servers in one process).
    id: u64,
    stripes: Box<[Routes]>,
    /// Every route label counted so far, for the bound ([`MAX_ROUTES`]):
    /// asked only when a stripe meets a label for the first time.
    labels: DashMap<Box<str>, (), foldhash::fast::RandomState>,
    /// (route, scenario, rule) -> requests where the rule fired. Only
    /// requests under a scenario reach this map.
    rules: DashMap<RuleKey, AtomicU64>,
}

impl Default for Metrics {
    fn default() -> Self {
        static IDS: AtomicU64 = AtomicU64::new(1);
        Metrics {
            id: IDS.fetch_add(1, Ordering::Relaxed),
            stripes: (0..STRIPES).map(|_| Routes::default()).collect(),
            labels: DashMap::default(),
            rules: DashMap::default(),
        }
    }
}

/// This thread's stripe: threads take them in turn as they first count.
fn stripe() -> usize {
    use std::sync::atomic::AtomicUsize;
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static STRIPE: usize = NEXT.fetch_add(1, Ordering::Relaxed) % STRIPES;
    }
    STRIPE.with(|s| *s)
}

/// Which `Metrics`, the route label (in a [`Label`]: a thread switching
/// between routes allocates nothing), its counters in this thread's stripe.
type LastRoute = (u64, Label, Arc<RouteStats>);

thread_local! {
    /// The route this thread counted last and its counters: a client
    /// repeating one kind of call (every load, most test suites) skips the
    /// stripe's map, whose hash and lock were most of counting a request.
    static LAST_ROUTE: std::cell::RefCell<Option<LastRoute>> =
        const { std::cell::RefCell::new(None) };
}

/// A route's counters summed over the stripes, for a scrape.
struct Totals {
    statuses: Vec<u64>,
    buckets: Vec<u64>,
    sum_micros: u64,
}

impl Totals {
    fn add(&mut self, stats: &RouteStats) {
        for (t, n) in self.statuses.iter_mut().zip(&stats.statuses) {
            *t += n.load(Ordering::Relaxed);
        }
        for (t, n) in self.buckets.iter_mut().zip(&stats.buckets) {
            *t += n.load(Ordering::Relaxed);
        }
        self.sum_micros += stats.sum_micros.load(Ordering::Relaxed);
    }
}

impl Metrics {
    /// Counts one finished request. `status` is `None` for a faulted connection.
    pub fn observe(
        &self,
        path: &str,
        status: Option<u16>,
        latency: Duration,
        scenario: Option<&str>,
        rules: &[String],
    ) {
        let mut buf = Label::default();
        let route = route_label(path, &mut buf);
        LAST_ROUTE.with_borrow_mut(|last| {
            let stats = match last {
                Some((id, label, stats)) if *id == self.id && label.is(route) => stats,
                _ => {
                    let stats = self.stats(route);
                    &last.insert((self.id, Label::of(route), stats)).2
                }
            };
            self.count(route, stats, status, latency, scenario, rules);
        });
    }

    /// The route's counters in this thread's stripe, made on first use.
    fn stats(&self, route: &str) -> Arc<RouteStats> {
        let routes = &self.stripes[stripe()];
        match routes.get(route) {
            Some(stats) => stats.clone(),
            None => self.new_route(routes, route),
        }
    }

    fn count(
        &self,
        route: &str,
        stats: &RouteStats,
        status: Option<u16>,
        latency: Duration,
        scenario: Option<&str>,
        rules: &[String],
    ) {
        let slot = match status {
            Some(s) if (100..=599).contains(&s) => usize::from(s - 100),
            _ => FAULT,
        };
        stats.statuses[slot].fetch_add(1, Ordering::Relaxed);
        let secs = latency.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(BUCKETS.len());
        stats.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        stats.sum_micros.fetch_add(micros, Ordering::Relaxed);
        if let Some(scenario) = scenario {
            for rule in rules {
                let key = (route.into(), scenario.into(), rule.as_str().into());
                self.rules
                    .entry(key)
                    .or_default()
                    .fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn new_route(&self, routes: &Routes, route: &str) -> Arc<RouteStats> {
        let route = if self.labels.contains_key(route) || self.labels.len() < MAX_ROUTES {
            route
        } else {
            "other"
        };
        self.labels.entry(route.into()).or_default();
        routes.entry(route.into()).or_default().clone()
    }

    /// Every route's counters, summed over the stripes, by label.
    fn totals(&self) -> std::collections::BTreeMap<Box<str>, Totals> {
        let mut all = std::collections::BTreeMap::new();
        for routes in self.stripes.iter() {
            for e in routes.iter() {
                all.entry(e.key().clone())
                    .or_insert_with(|| Totals {
                        statuses: vec![0; STATUSES],
                        buckets: vec![0; BUCKETS.len() + 1],
                        sum_micros: 0,
                    })
                    .add(e.value());
            }
        }
        all
    }
}

/// A route label written into a fixed buffer: no allocation per request.
struct Label {
    bytes: [u8; 96],
    len: usize,
}

impl Default for Label {
    fn default() -> Self {
        Label {
            bytes: [0; 96],
            len: 0,
        }
    }
}

impl Label {
    fn push(&mut self, s: &[u8]) -> bool {
        let end = self.len + s.len();
        if end > self.bytes.len() {
            return false;
        }
        self.bytes[self.len..end].copy_from_slice(s);
        self.len = end;
        true
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or("other")
    }

    /// A copy of `route` (every label fits; one that did not would only
    /// never match in [`Label::is`]).
    fn of(route: &str) -> Label {
        let mut label = Label::default();
        label.push(route.as_bytes());
        label
    }

    fn is(&self, route: &str) -> bool {
        self.bytes[..self.len] == *route.as_bytes()
    }
}

/// The path with its ids replaced: `/v2/customers/cst_8wmqcHMN4U/payments`
/// becomes `/v2/customers/{id}/payments`. A segment that is not a plain
/// lowercase word also becomes `{id}`, which keeps the labels few.
/// The word test is a table: the character tests cost more than the rest
/// of counting a request.
fn route_label<'a>(path: &str, buf: &'a mut Label) -> &'a str {
    let path = path.trim_end_matches('/');
    if path.is_empty() {
        return "/";
    }
    for (i, seg) in crate::http::request::path_segments(path).enumerate() {
        if i == 8 {
            return "other";
        }
        let seg = seg.as_bytes();
        let word = seg == b"v2"
            || seg == b"_sandbox"
            || (!seg.is_empty() && seg.len() <= 24 && seg.iter().all(|&b| WORD[usize::from(b)]));
        let ok = buf.push(b"/") && buf.push(if word { seg } else { b"{id}" });
        if !ok {
            return "other";
        }
    }
    buf.as_str()
}

/// The bytes of a plain word in a route: lowercase letters, '-' and '.'.
const WORD: [bool; 256] = {
    let mut word = [false; 256];
    let mut b = b'a';
    while b <= b'z' {
        word[b as usize] = true;
        b += 1;
    }
    word[b'-' as usize] = true;
    word[b'.' as usize] = true;
    word
};

/// Escapes a label value as the text format wants (backslash, quote, newline).
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn status_text(slot: usize) -> String {
    if slot == FAULT {
        "fault".to_owned()
    } else {
        (slot + 100).to_string()
    }
}

/// The whole text for a scrape.
pub fn render(app: &App) -> String {
    let m = &app.metrics;
    let mut out = String::with_capacity(4096);
    // Sorted by label, as the map keeps them.
    let routes = m.totals();

    out.push_str("# HELP mollie_sandbox_requests_total Requests answered, by route and status (fault: the connection was broken by a scenario).\n");
    out.push_str("# TYPE mollie_sandbox_requests_total counter\n");
    for (route, stats) in &routes {
        for (slot, &n) in stats.statuses.iter().enumerate() {
            if n > 0 {
                let _ = writeln!(
                    out,
                    "mollie_sandbox_requests_total{{route=\"{}\",status=\"{}\"}} {n}",
                    label(route),
                    status_text(slot)
                );
            }
        }
    }

    out.push_str("# HELP mollie_sandbox_scenario_rule_hits_total Requests on which a scenario rule fired, by route, scenario and rule.\n");
    out.push_str("# TYPE mollie_sandbox_scenario_rule_hits_total counter\n");
    let mut rules: Vec<(String, u64)> = m
        .rules
        .iter()
        .map(|e| {
            let (route, scenario, rule) = e.key();
            (
                format!(
                    "route=\"{}\",scenario=\"{}\",rule=\"{}\"",
                    label(route),
                    label(scenario),
                    label(rule)
                ),
                e.value().load(Ordering::Relaxed),
            )
        })
        .collect();
    rules.sort();
    for (labels, n) in rules {
        let _ = writeln!(
            out,
            "mollie_sandbox_scenario_rule_hits_total{{{labels}}} {n}"
        );
    }

    out.push_str("# HELP mollie_sandbox_request_duration_seconds Time from request head to response, by route.\n");
    out.push_str("# TYPE mollie_sandbox_request_duration_seconds histogram\n");
    for (route, stats) in &routes {
        let route = label(route);
        let mut cumulative = 0;
        for (i, n) in stats.buckets.iter().enumerate() {
            cumulative += n;
            let le = BUCKETS
                .get(i)
                .map_or_else(|| "+Inf".to_owned(), |b| b.to_string());
            let _ = writeln!(
                out,
                "mollie_sandbox_request_duration_seconds_bucket{{route=\"{route}\",le=\"{le}\"}} {cumulative}"
            );
        }
        let sum = stats.sum_micros as f64 / 1e6;
        let _ = writeln!(
            out,
            "mollie_sandbox_request_duration_seconds_sum{{route=\"{route}\"}} {sum}"
        );
        let _ = writeln!(
            out,
            "mollie_sandbox_request_duration_seconds_count{{route=\"{route}\"}} {cumulative}"
        );
    }

    let accounts = app.registry.all();
    let mut objects: Vec<(&'static str, usize)> = Vec::new();
    let mut journal_bytes = 0usize;
    for account in &accounts {
        journal_bytes += account.journal.bytes() + account.journal.bodies_bytes();
        let data = account.data.read();
        for (kind, n) in data.object_counts() {
            match objects.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, total)) => *total += n,
                None => objects.push((kind, n)),
            }
        }
    }
    out.push_str("# HELP mollie_sandbox_accounts Accounts in memory.\n");
    out.push_str("# TYPE mollie_sandbox_accounts gauge\n");
    let _ = writeln!(out, "mollie_sandbox_accounts {}", accounts.len());
    out.push_str("# HELP mollie_sandbox_objects Objects held, by kind, over all accounts.\n");
    out.push_str("# TYPE mollie_sandbox_objects gauge\n");
    for (kind, n) in objects {
        let _ = writeln!(out, "mollie_sandbox_objects{{kind=\"{kind}\"}} {n}");
    }
    out.push_str("# HELP mollie_sandbox_journal_bytes Approximate bytes held by the request journals (bodies included).\n");
    out.push_str("# TYPE mollie_sandbox_journal_bytes gauge\n");
    let _ = writeln!(out, "mollie_sandbox_journal_bytes {journal_bytes}");

    let hooks = app.webhooks.stats();
    out.push_str("# HELP mollie_sandbox_webhook_queue_depth Webhook deliveries waiting: new ones for the worker, retries for their time, attempts in flight.\n");
    out.push_str("# TYPE mollie_sandbox_webhook_queue_depth gauge\n");
    for (state, n) in [
        ("queued", hooks.queued),
        ("retry", hooks.retries),
        ("in_flight", hooks.in_flight),
    ] {
        let _ = writeln!(
            out,
            "mollie_sandbox_webhook_queue_depth{{state=\"{state}\"}} {n}"
        );
    }
    out.push_str("# HELP mollie_sandbox_webhook_attempts_total Webhook attempts by outcome (success: 200 in time).\n");
    out.push_str("# TYPE mollie_sandbox_webhook_attempts_total counter\n");
    for (outcome, n) in hooks.outcomes {
        let _ = writeln!(
            out,
            "mollie_sandbox_webhook_attempts_total{{outcome=\"{outcome}\"}} {n}"
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(path: &str) -> String {
        let mut buf = Label::default();
        route_label(path, &mut buf).to_owned()
    }

    /// The label as it was first written, over `str::split`.
    fn reference(path: &str) -> String {
        let path = path.trim_end_matches('/');
        if path.is_empty() {
            return "/".into();
        }
        let mut out = String::new();
        for (i, seg) in path.split('/').skip(1).enumerate() {
            if i == 8 {
                return "other".into();
            }
            let word = matches!(seg, "_sandbox" | "v2")
                || (!seg.is_empty()
                    && seg.len() <= 24
                    && seg
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b == b'-' || b == b'.'));
            out.push('/');
            out.push_str(if word { seg } else { "{id}" });
            if out.len() > 96 {
                return "other".into();
            }
        }
        out
    }

    #[test]
    fn labels_match_the_split_definition() {
        let pieces = [
            "",
            "v2",
            "_sandbox",
            "customers",
            "cst_8wmqcHMN4U",
            "payment-links",
            "a.b",
            "V2",
            "é",
            "x y",
            "abcdefghijklmnopqrstuvwxy",
            "abcdefghijklmnopqrstuvwx",
            "1",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let n = (seed % 11) as usize;
            let mut path = String::new();
            if !seed.is_multiple_of(7) {
                path.push('/');
            }
            for k in 0..n {
                if k > 0 {
                    path.push('/');
                }
                path.push_str(pieces[((seed >> (k * 4)) % pieces.len() as u64) as usize]);
            }
            if seed.is_multiple_of(5) {
                path.push('/');
            }
            assert_eq!(route(&path), reference(&path), "{path:?}");
        }
    }

    #[test]
    fn ids_leave_the_route() {
        assert_eq!(route("/v2/payments"), "/v2/payments");
        assert_eq!(route("/v2/payments/tr_WDqYK6vllg"), "/v2/payments/{id}");
        assert_eq!(
            route("/v2/customers/cst_8wmqcHMN4U/mandates/mdt_pWUnw6pkBN"),
            "/v2/customers/{id}/mandates/{id}"
        );
        assert_eq!(
            route("/_sandbox/webhooks/whd_12/resend"),
            "/_sandbox/webhooks/{id}/resend"
        );
        assert_eq!(route("/_sandbox/"), "/_sandbox");
        assert_eq!(route("/"), "/");
        assert_eq!(route("/v2/<script>"), "/v2/{id}");
        assert_eq!(route(&"/abc".repeat(40)), "other");
        assert_eq!(route(&"/a".repeat(9)), "other");
        assert_eq!(route(&"/a".repeat(8)), "/a/a/a/a/a/a/a/a");
        assert_eq!(route("/v2//methods/"), "/v2/{id}/methods");
        assert_eq!(route("/v2/Customers/é"), "/v2/{id}/{id}");
        assert_eq!(route("/v2/payment-links/pl_1"), "/v2/payment-links/{id}");
        assert_eq!(route(&format!("/v2/{}", "a".repeat(25))), "/v2/{id}");
    }

    /// Words only: each is its own route label.
    fn word(mut n: usize) -> String {
        let mut w = String::new();
        loop {
            w.push(char::from(b'a' + (n % 26) as u8));
            n /= 26;
            if n == 0 {
                return w;
            }
        }
    }

    /// Four threads, each counting `paths(thread)` with status 200.
    fn count_on_four_threads(paths: fn(usize) -> Vec<String>) -> Arc<Metrics> {
        let m = Arc::new(Metrics::default());
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let m = m.clone();
                std::thread::spawn(move || {
                    for path in paths(t) {
                        m.observe(&path, Some(200), Duration::ZERO, None, &[]);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        m
    }

    #[test]
    fn threads_count_in_stripes_of_their_own_and_the_scrape_sums_them() {
        let m = count_on_four_threads(|_| vec!["/v2/customers/cst_1".to_owned(); 1000]);
        assert!(m.stripes.iter().filter(|r| !r.is_empty()).count() >= 2);
        assert_eq!(m.totals()["/v2/customers/{id}"].statuses[100], 4000);
    }

    #[test]
    fn a_thread_counting_for_two_servers_keeps_their_counts_apart() {
        let (a, b) = (Metrics::default(), Metrics::default());
        for m in [&a, &b, &a, &a, &b] {
            m.observe("/v2/customers/cst_1", Some(200), Duration::ZERO, None, &[]);
        }
        a.observe("/v2/payments/tr_1", Some(200), Duration::ZERO, None, &[]);
        a.observe("/v2/customers/cst_2", Some(404), Duration::ZERO, None, &[]);
        assert_eq!(a.totals()["/v2/customers/{id}"].statuses[100], 3);
        assert_eq!(a.totals()["/v2/customers/{id}"].statuses[304], 1);
        assert_eq!(b.totals()["/v2/customers/{id}"].statuses[100], 2);
        assert_eq!(a.totals()["/v2/payments/{id}"].statuses[100], 1);
        assert!(!b.totals().contains_key("/v2/payments/{id}"));
    }

    #[test]
    fn the_bound_on_route_labels_holds_over_all_stripes() {
        let m = count_on_four_threads(|t| {
            (0..MAX_ROUTES)
                .map(|i| format!("/v2/{}", word(t * MAX_ROUTES + i)))
                .collect()
        });
        let totals = m.totals();
        // Threads that meet new labels at once may each pass the bound by one.
        assert!(totals.len() <= MAX_ROUTES + 1 + 4, "{}", totals.len());
        assert!(totals.contains_key("other"));
        let counted: u64 = totals.values().map(|t| t.statuses[100]).sum();
        assert_eq!(counted, 4 * MAX_ROUTES as u64);
    }

    #[test]
    fn counts_and_buckets() {
        let m = Metrics::default();
        m.observe(
            "/v2/payments/tr_1",
            Some(200),
            Duration::from_micros(300),
            None,
            &[],
        );
        m.observe(
            "/v2/payments/tr_2",
            Some(503),
            Duration::from_millis(30),
            Some("s"),
            &["r".into()],
        );
        m.observe(
            "/v2/payments/tr_3",
            None,
            Duration::from_secs(20),
            None,
            &[],
        );
        let totals = m.totals();
        let stats = &totals["/v2/payments/{id}"];
        assert_eq!(stats.statuses[100], 1);
        assert_eq!(stats.statuses[403], 1);
        assert_eq!(stats.statuses[FAULT], 1);
        assert_eq!(stats.buckets[0], 1);
        assert_eq!(stats.buckets[6], 1);
        assert_eq!(stats.buckets[BUCKETS.len()], 1);
        assert_eq!(stats.sum_micros, 300 + 30_000 + 20_000_000);
        assert_eq!(m.rules.len(), 1);
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
