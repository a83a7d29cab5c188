//! Deciding what a request gets under a scenario. Rules are tried in order;
//! every rule whose match fits counts the request; a rule that fires adds its
//! delay, and the first one that fires with an answer (a response or a
//! fault) ends the walk. Counters and the random generator live per account
//! and scenario, so parallel tests on different keys never disturb each
//! other, and a seeded run replays exactly.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hyper::header::HeaderMap;
use hyper::Method;
use parking_lot::Mutex;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use super::{scalar_text, Answer, Delay, Match, Rule, Scenario};
use crate::http::request::{Body, Query};
use crate::ids;

/// What the engine looks at in a request.
pub struct Request<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    pub query: &'a Query,
    pub body: &'a Body<'a>,
    pub headers: &'a HeaderMap,
}

#[derive(Debug, Default)]
pub struct Decision {
    /// The total of the delays of the rules that fired.
    pub delay: Duration,
    /// The names of the rules that fired, in order.
    pub fired: Vec<String>,
    pub answer: Option<Answer>,
}

/// One account's scenario state: the one it activated, and the counters of
/// every scenario it has run.
#[derive(Default)]
pub struct AccountScenarios {
    inner: Mutex<Inner>,
    /// Whether `inner` holds an active scenario: every request of the
    /// account asks, and most find none without taking the lock (a lock
    /// and an unlock that each core serving the account wrote in turn).
    /// Changed only under the lock.
    any_active: AtomicBool,
}

#[derive(Default)]
struct Inner {
    active: Option<Arc<Scenario>>,
    runs: HashMap<String, Run>,
}

struct Run {
    matched: Vec<u64>,
    fired: Vec<u64>,
    rng: StdRng,
}

impl Run {
    fn new(scenario: &Scenario, seed: u64, account: &str) -> Run {
        let n = scenario.rules.len();
        Run {
            matched: vec![0; n],
            fired: vec![0; n],
            rng: StdRng::seed_from_u64(
                seed ^ ids::fnv(&format!("{account}\u{0}{}", scenario.name)),
            ),
        }
    }
}

/// A rule's counters for one account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub matched: u64,
    pub fired: u64,
}

impl AccountScenarios {
    /// Makes `scenario` the account's own and restarts its counters.
    pub fn activate(&self, scenario: Arc<Scenario>) {
        let mut inner = self.inner.lock();
        inner.runs.remove(&scenario.name);
        inner.active = Some(scenario);
        self.any_active.store(true, Ordering::Release);
    }

    /// Back to the server-wide scenario, if any.
    pub fn deactivate(&self) -> Option<Arc<Scenario>> {
        let mut inner = self.inner.lock();
        self.any_active.store(false, Ordering::Release);
        inner.active.take()
    }

    pub fn active(&self) -> Option<Arc<Scenario>> {
        if !self.any_active.load(Ordering::Acquire) {
            return None;
        }
        self.inner.lock().active.clone()
    }

    /// Each rule's counters, or zeros when the scenario never ran here.
    pub fn counts(&self, scenario: &Scenario) -> Vec<Counts> {
        let inner = self.inner.lock();
        match inner.runs.get(&scenario.name) {
            Some(run) => run
                .matched
                .iter()
                .zip(&run.fired)
                .map(|(&matched, &fired)| Counts { matched, fired })
                .collect(),
            None => vec![Counts::default(); scenario.rules.len()],
        }
    }

    /// Walks the rules for one request, counting and rolling as it goes.
    pub fn decide(
        &self,
        scenario: &Scenario,
        seed: u64,
        account: &str,
        req: &Request<'_>,
    ) -> Decision {
        let mut decision = Decision::default();
        if scenario.rules.is_empty() {
            return decision;
        }
        let mut inner = self.inner.lock();
        let run = inner
            .runs
            .entry(scenario.name.clone())
            .or_insert_with(|| Run::new(scenario, seed, account));
        for (i, rule) in scenario.rules.iter().enumerate() {
            if !matches(&rule.when, req) {
                continue;
            }
            run.matched[i] += 1;
            if !fires(rule, run.matched[i], run.fired[i], &mut run.rng) {
                continue;
            }
            run.fired[i] += 1;
            decision.fired.push(rule.name.clone());
            if let Some(delay) = rule.delay {
                decision.delay += sample(delay, &mut run.rng);
            }
            if let Some(answer) = &rule.answer {
                decision.answer = Some(answer.clone());
                break;
            }
        }
        decision
    }
}

fn fires(rule: &Rule, nth_match: u64, fired: u64, rng: &mut StdRng) -> bool {
    if nth_match <= rule.after {
        return false;
    }
    if !(nth_match - rule.after).is_multiple_of(rule.every) {
        return false;
    }
    if rule.times.is_some_and(|t| fired >= t) {
        return false;
    }
    rule.probability >= 1.0 || rng.random::<f64>() < rule.probability
}

fn sample(delay: Delay, rng: &mut StdRng) -> Duration {
    match delay {
        Delay::Fixed(d) => d,
        Delay::Uniform(lo, hi) => {
            let (lo, hi) = (lo.as_millis() as u64, hi.as_millis() as u64);
            Duration::from_millis(rng.random_range(lo..=hi))
        }
    }
}

fn matches(m: &Match, req: &Request<'_>) -> bool {
    if !m.methods.is_empty() && !m.methods.contains(req.method) {
        return false;
    }
    if !m.paths.is_empty() && !m.paths.iter().any(|p| p.matches(req.path)) {
        return false;
    }
    for (name, want) in &m.query {
        match req.query.get(name) {
            Some(v) if want.accepts(v) => {}
            _ => return false,
        }
    }
    for (path, want) in &m.body {
        match body_field(req.body, path) {
            Some(v) if want.accepts(&scalar_text(v)) => {}
            _ => return false,
        }
    }
    for (name, want) in &m.headers {
        match req.headers.get(name).and_then(|v| v.to_str().ok()) {
            Some(v) if want.accepts(v) => {}
            _ => return false,
        }
    }
    true
}

fn body_field<'b>(body: &'b Body, path: &[String]) -> Option<&'b Value> {
    let (first, rest) = path.split_first()?;
    let mut value = body.get(first)?;
    for key in rest {
        value = match value {
            Value::Object(o) => o.get(key)?,
            Value::Array(a) => a.get(key.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::super::{parse, Fault};
    use super::*;

    fn req<'a>(
        method: &'a Method,
        path: &'a str,
        query: &'a Query,
        body: &'a Body,
        headers: &'a HeaderMap,
    ) -> Request<'a> {
        Request {
            method,
            path,
            query,
            body,
            headers,
        }
    }

    fn run(
        scenario: &Scenario,
        state: &AccountScenarios,
        seed: u64,
        n: usize,
        method: &Method,
        path: &str,
    ) -> Vec<(Option<String>, u128)> {
        let (q, b, h) = (Query::default(), Body::default(), HeaderMap::new());
        (0..n)
            .map(|_| {
                let d = state.decide(scenario, seed, "test_k", &req(method, path, &q, &b, &h));
                let what = d.answer.map(|a| match a {
                    Answer::Respond(r) => r.status.to_string(),
                    Answer::Fault(f) => f.as_str().to_owned(),
                });
                (what, d.delay.as_millis())
            })
            .collect()
    }

    #[test]
    fn after_times_every() {
        let s = parse(
            "t",
            "t.json",
            r#"{"name":"t","rules":[
                {"name":"a","after":1,"times":2,"response":{"status":503}},
                {"name":"b","every":2,"response":{"status":429}}]}"#,
        )
        .unwrap();
        let st = AccountScenarios::default();
        let got: Vec<_> = run(&s, &st, 7, 6, &Method::GET, "/v2/x")
            .into_iter()
            .map(|(a, _)| a)
            .collect();
        // 1: a waits (after 1), b's 1st match; 2-3: a fires; 4: b's 2nd match; 5: a spent, b 3rd; 6: b 4th.
        let want: Vec<Option<String>> = vec![
            None,
            Some("503".into()),
            Some("503".into()),
            Some("429".into()),
            None,
            Some("429".into()),
        ];
        assert_eq!(got, want);
        let counts = st.counts(&s);
        assert_eq!(
            counts[0],
            Counts {
                matched: 6,
                fired: 2
            }
        );
        assert_eq!(
            counts[1],
            Counts {
                matched: 4,
                fired: 2
            }
        );
        st.activate(Arc::new(
            parse("t", "t.json", r#"{"name":"t","rules":[{"delay":1}]}"#).unwrap(),
        ));
        assert_eq!(st.counts(&s)[0], Counts::default());
    }

    #[test]
    fn delays_add_up_until_an_answer() {
        let s = parse(
            "t",
            "t.json",
            r#"{"name":"t","rules":[{"delay":100},{"delay":{"ms":20},"fault":"reset"},{"delay":5000}]}"#,
        )
        .unwrap();
        let st = AccountScenarios::default();
        let (q, b, h) = (Query::default(), Body::default(), HeaderMap::new());
        let d = st.decide(&s, 1, "k", &req(&Method::GET, "/v2/x", &q, &b, &h));
        assert_eq!(d.delay, Duration::from_millis(120));
        assert_eq!(d.fired, vec!["rule-1", "rule-2"]);
        assert!(matches!(d.answer, Some(Answer::Fault(Fault::Reset))));
        assert_eq!(st.counts(&s)[2].matched, 0);
    }

    #[test]
    fn seeded_randomness_replays() {
        let s = parse(
            "t",
            "t.json",
            r#"{"name":"t","rules":[{"delay":{"minMs":300,"maxMs":800}},{"probability":0.3,"fault":"reset"}]}"#,
        )
        .unwrap();
        let a = run(
            &s,
            &AccountScenarios::default(),
            42,
            50,
            &Method::GET,
            "/v2/x",
        );
        let b = run(
            &s,
            &AccountScenarios::default(),
            42,
            50,
            &Method::GET,
            "/v2/x",
        );
        let c = run(
            &s,
            &AccountScenarios::default(),
            43,
            50,
            &Method::GET,
            "/v2/x",
        );
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.iter().all(|(_, ms)| (300..=800).contains(ms)));
        let resets = a.iter().filter(|(f, _)| f.is_some()).count();
        assert!((5..=25).contains(&resets), "{resets}");
    }

    #[test]
    fn matching_on_fields() {
        let s = parse(
            "t",
            "t.json",
            r#"{"name":"t","rules":[{"match":{"method":["post"],"path":"/v2/customers/*/payments",
                "query":{"include":"*"},"body":{"amount.currency":"USD","sequenceType":"first"},
                "headers":{"X-Test":"1"}},"response":{"status":422,"field":"amount"}}]}"#,
        )
        .unwrap();
        let st = AccountScenarios::default();
        let q = Query::parse(Some("include=details.qrCode"));
        let body = Body::decode(
            Some("application/json"),
            br#"{"amount":{"currency":"USD","value":"1.00"},"sequenceType":"first"}"#,
        )
        .unwrap();
        let mut h = HeaderMap::new();
        h.insert("x-test", "1".parse().unwrap());
        let hit = |m: &Method, path: &str, q: &Query, b: &Body, h: &HeaderMap| {
            st.decide(&s, 1, "k", &req(m, path, q, b, h))
                .answer
                .is_some()
        };
        assert!(hit(
            &Method::POST,
            "/v2/customers/cst_1/payments",
            &q,
            &body,
            &h
        ));
        assert!(!hit(
            &Method::GET,
            "/v2/customers/cst_1/payments",
            &q,
            &body,
            &h
        ));
        assert!(!hit(
            &Method::POST,
            "/v2/customers/cst_1/payments",
            &Query::default(),
            &body,
            &h
        ));
        assert!(!hit(
            &Method::POST,
            "/v2/customers/cst_1/payments",
            &q,
            &Body::default(),
            &h
        ));
        assert!(!hit(
            &Method::POST,
            "/v2/customers/cst_1/payments",
            &q,
            &body,
            &HeaderMap::new()
        ));
        let form = Body::decode(
            None,
            b"amount[currency]=USD&amount[value]=1.00&sequenceType=first",
        )
        .unwrap();
        assert!(hit(
            &Method::POST,
            "/v2/customers/cst_1/payments",
            &q,
            &form,
            &h
        ));
    }
}
