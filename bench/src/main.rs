//! `mollie-bench`: the sandbox's benchmark (run through `scripts/bench`).
//!
//! In one run it starts the sandbox and a bare hyper server
//! (`bare-hyper-baseline`) side by side on one core, drives both from the
//! other core with the same requests, and reports every figure beside the
//! baseline's. Baseline and sandbox alternate (B S S B) so that a machine
//! getting busier or quieter during the run moves both alike.
//!
//! `mollie-bench --help` lists the subcommands and their options.

mod fixtures;
mod hardening;
mod load;
mod recurring;
mod report;
mod servers;

use std::path::{Path, PathBuf};
use std::time::Duration;

use load::{Outcome, Plan, Req};
use servers::Server;

const USAGE: &str = "\
mollie-bench run [--quick] [--pin] [--out FILE.md] [--readme README.md]
mollie-bench load --addr 127.0.0.1:PORT --path /v2/customers --key test_… [--method POST --body JSON]
                  [--connections 32] [--seconds 5] [--warmup 1] [--rate R] [--status 200]
                  [--pid SERVER_PID] [--mixed]
mollie-bench fixtures --out FILE --customers N [--key test_…]
mollie-bench hardening [--quick] [--only journal|idempotency|save] [--customers N]
mollie-bench recurring [--quick] [--pin] [--runs N] [--sandbox BIN]";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `run` takes every unknown argument as absent, so `run --help` would
    // start a full run and overwrite bench/RESULTS.md: answer help first.
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return;
    }
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("load") => load_cmd(&args[1..]),
        Some("fixtures") => fixtures_cmd(&args[1..]),
        Some("hardening") => hardening_cmd(&args[1..]),
        Some("recurring") => recurring::cmd(&args[1..]),
        _ => Err(format!("usage:\n{USAGE}")),
    };
    if let Err(e) = result {
        eprintln!("mollie-bench: {e}");
        std::process::exit(1);
    }
}

/// `--name value` pairs and bare `--flag`s.
struct Args<'a>(&'a [String]);

impl Args<'_> {
    fn flag(&self, name: &str) -> bool {
        self.0.iter().any(|a| a == name)
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .position(|a| a == name)
            .and_then(|i| self.0.get(i + 1))
            .map(String::as_str)
    }

    fn parse<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, String> {
        match self.value(name) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| format!("{name}: cannot read {v:?}")),
        }
    }
}

fn load_cmd(args: &[String]) -> Result<(), String> {
    let a = Args(args);
    let addr = a
        .value("--addr")
        .ok_or("--addr is required")?
        .parse()
        .map_err(|e| format!("--addr: {e}"))?;
    let method = a.value("--method").unwrap_or("GET");
    let path = a.value("--path").unwrap_or("/v2/customers");
    let key = a
        .value("--key")
        .map(str::to_owned)
        .unwrap_or_else(|| fixtures::key("bench1k"));
    let ok_status = a.parse("--status", if method == "POST" { 201 } else { 200 })?;
    let req = Req {
        bytes: load::format(method, path, &key, a.value("--body")).into(),
        ok_status,
    };
    let rate: f64 = a.parse("--rate", 0.0)?;
    let plan = Plan {
        connections: a.parse("--connections", 32)?,
        warmup: Duration::from_secs_f64(a.parse("--warmup", 1.0)?),
        duration: Duration::from_secs_f64(a.parse("--seconds", 5.0)?),
        rate: (rate > 0.0).then_some(rate),
    };
    let pid = a
        .value("--pid")
        .map(|p| p.parse::<u32>().map_err(|e| format!("--pid: {e}")))
        .transpose()?;
    // `--mixed`: the benchmark's mixed workload over 1,000 keys instead
    // (the server needs the benchmark's fixtures for its "*" template).
    let reqs = if a.flag("--mixed") {
        mixed_requests(CUSTOMER_BODY, PAYMENT_BODY)
    } else {
        vec![req]
    };
    let o = load::run(addr, pid, &reqs, plan);
    println!(
        "{:.0} req/s  server CPU {:.2} us/req, waited {:.1} ms, stolen {:.0} ms  p50 {:.3} ms  p99 {:.3} ms  max {:.3} ms  errors {}{}",
        o.rps(),
        o.cpu_us(),
        o.server_wait_ns as f64 / 1e6,
        o.steal_ns as f64 / 1e6,
        o.p50_ms(),
        o.p99_ms(),
        o.max_ms(),
        o.errors,
        o.first_error
            .map(|e| format!(" (first: {e})"))
            .unwrap_or_default()
    );
    Ok(())
}

/// Phase D alone, for its figures without the rest of the run.
fn hardening_cmd(args: &[String]) -> Result<(), String> {
    let a = Args(args);
    let quick = a.flag("--quick");
    let only = a.value("--only");
    if let Some(part) = only.filter(|p| !hardening::PARTS.contains(p)) {
        return Err(format!("--only {part}: one of {:?}", hardening::PARTS));
    }
    let settings = Settings {
        quick,
        pin: false,
        connections: 32,
        warmup: Duration::ZERO,
        slice: Duration::ZERO,
        // The customers of the saved state.
        big: a.parse("--customers", if quick { 20_000 } else { 1_000_000 })?,
        ready_customers: 0,
        ready_runs: 0,
        runs: 1,
    };
    let bin = std::env::current_exe()
        .map_err(|e| e.to_string())?
        .with_file_name("mollie-sandbox");
    let work = PathBuf::from("target/bench");
    std::fs::create_dir_all(work.join("logs")).map_err(|e| e.to_string())?;
    let h = hardening::run(&settings, &bin, &work, only)?;
    println!("{}", h.markdown());
    println!("{}", h.json());
    Ok(())
}

fn fixtures_cmd(args: &[String]) -> Result<(), String> {
    let a = Args(args);
    let out = a.value("--out").ok_or("--out is required")?;
    let n: u64 = a.parse("--customers", 1000)?;
    let key = a
        .value("--key")
        .map(str::to_owned)
        .unwrap_or_else(|| fixtures::key("bench1k"));
    fixtures::write(Path::new(out), &[(&key, n)]).map_err(|e| format!("{out}: {e}"))
}

/// How big and how long: the full run, or `--quick` to prove it works.
pub struct Settings {
    pub quick: bool,
    pub pin: bool,
    pub connections: usize,
    pub warmup: Duration,
    /// Measured time per half of an alternating pair (so each side is
    /// measured for twice this).
    pub slice: Duration,
    pub big: u64,
    pub ready_customers: u64,
    pub ready_runs: usize,
    /// Alternating pairs per figure that has a target, in each setup.
    pub runs: usize,
}

/// Where the load generator and the server under test run.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Setup {
    /// Generator on core 0, server on core 1 (`taskset`).
    Pinned,
    /// Nothing pinned: the generator shares the cores with the server, as
    /// a user running wrk beside it does.
    Shared,
}

impl Setup {
    pub fn label(self) -> &'static str {
        match self {
            Setup::Pinned => "pinned",
            Setup::Shared => "shared",
        }
    }

    /// The server's core, and the generator's own affinity set to match.
    fn apply(self) -> Result<Option<usize>, String> {
        let cores = match self {
            Setup::Pinned => "0".to_owned(),
            Setup::Shared => format!("0-{}", report::cores().saturating_sub(1)),
        };
        // Every thread of this process, and so every runtime it starts.
        let status = std::process::Command::new("taskset")
            .args(["-a", "-p", "-c", &cores, &std::process::id().to_string()])
            .stdout(std::process::Stdio::null())
            .status()
            .map_err(|e| format!("taskset: {e}"))?;
        if !status.success() {
            return Err(format!("taskset -a -p -c {cores} failed"));
        }
        Ok((self == Setup::Pinned).then_some(1))
    }
}

impl Settings {
    fn plan(&self, rate: Option<f64>) -> Plan {
        Plan {
            connections: self.connections,
            warmup: self.warmup,
            duration: self.slice,
            rate,
        }
    }
}

/// One workload measured on the sandbox and, when it makes sense, on the baseline.
pub struct Row {
    pub name: &'static str,
    pub setup: Setup,
    /// The run whose ratio is the median of [`Row::ratios`].
    pub sandbox: Outcome,
    pub baseline: Option<Outcome>,
    /// Minimum ratio to the baseline's req/s.
    pub target: Option<f64>,
    /// Sandbox over baseline req/s, one per alternating pair.
    pub ratios: Vec<f64>,
}

/// Latency at half the sandbox's peak rate, in one setup.
pub struct HalfPeak {
    pub name: &'static str,
    pub setup: Setup,
    pub rate: f64,
    /// The run with the median p99.
    pub sandbox: Outcome,
    pub baseline: Outcome,
    /// The sandbox's p99 of each run, ms.
    pub p99s: Vec<f64>,
    /// Target for the p99, ms.
    pub target_ms: f64,
}

pub struct Results {
    pub settings: Settings,
    pub machine: report::Machine,
    pub rows: Vec<Row>,
    pub list_1k: Outcome,
    pub list_big: Outcome,
    pub half_peak: Vec<HalfPeak>,
    pub rss_before: u64,
    pub rss_after: u64,
    pub ready_big: Duration,
    pub ready: Vec<(String, Vec<Duration>)>,
    pub load_after: String,
    pub hardening: hardening::Hardening,
    pub recurring: recurring::Recurring,
}

pub const CUSTOMER_BODY: &str = r#"{"name":"Jane Jansen","email":"jane.jansen@example.org","locale":"nl_NL","metadata":{"crmId":"12345"}}"#;
const REFUND_BODY: &str =
    r#"{"amount":{"currency":"EUR","value":"0.01"},"description":"Returned item"}"#;
/// Paid payments in the refunds account.
const REFUND_PAYMENTS: u64 = 1000;
const PAYMENT_BODY: &str = r#"{"amount":{"currency":"EUR","value":"10.00"},"description":"Order #12345","redirectUrl":"https://webshop.example.org/order/12345/","webhookUrl":"https://webshop.example.org/payments/webhook/","metadata":{"order_id":"12345"}}"#;

/// A payment with every part the checkout issue added: lines, addresses
/// and (on the query) a QR code.
const PAYMENT_FULL_BODY: &str = r#"{"amount":{"currency":"EUR","value":"121.00"},"description":"Order #12346","redirectUrl":"https://webshop.example.org/order/12346/","method":"ideal","billingAddress":{"streetAndNumber":"Keizersgracht 313","postalCode":"1016 EE","city":"Amsterdam","country":"NL","email":"jane@example.org"},"lines":[{"description":"LEGO","quantity":2,"unitPrice":{"currency":"EUR","value":"60.50"},"totalAmount":{"currency":"EUR","value":"121.00"},"vatRate":"21.00","vatAmount":{"currency":"EUR","value":"21.00"}}]}"#;

pub const LIST_CURSORS: u64 = 16;

/// The reference `GET /_sandbox/accounts` lists for `key` (whose key it
/// shows masked, as the console does).
fn reference_of(addr: std::net::SocketAddr, key: &str) -> Result<String, String> {
    let (status, body) = servers::get(addr, "/_sandbox/accounts", None)?;
    if status != 200 {
        return Err(format!("GET /_sandbox/accounts answered {status}"));
    }
    let list: serde_json::Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
    let masked = format!("{}…{}", &key[..8], &key[key.len() - 4..]);
    let found: Vec<&str> = list["accounts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["key"] == masked.as_str())
        .filter_map(|a| a["reference"].as_str())
        .collect();
    match found[..] {
        [reference] => Ok(reference.to_owned()),
        _ => Err(format!(
            "{} accounts are listed as {masked}: one was expected",
            found.len()
        )),
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let a = Args(args);
    let quick = a.flag("--quick");
    let settings = Settings {
        quick,
        pin: a.flag("--pin"),
        connections: 32,
        warmup: Duration::from_millis(if quick { 50 } else { 500 }),
        slice: Duration::from_millis(if quick { 50 } else { 1500 }),
        big: if quick { 20_000 } else { 1_000_000 },
        ready_customers: if quick { 2_000 } else { 100_000 },
        ready_runs: if quick { 1 } else { 5 },
        runs: if quick { 1 } else { 5 },
    };
    let out = PathBuf::from(a.value("--out").unwrap_or(if quick {
        "target/bench/quick/RESULTS.md"
    } else {
        "bench/RESULTS.md"
    }));
    let readme = a.value("--readme").map(PathBuf::from);
    let bins = std::env::current_exe()
        .map_err(|e| e.to_string())?
        .parent()
        .map(Path::to_path_buf)
        .ok_or("no folder for the binaries")?;
    let sandbox_bin = bins.join("mollie-sandbox");
    let baseline_bin = bins.join("bare-hyper-baseline");
    for bin in [&sandbox_bin, &baseline_bin] {
        if !bin.exists() {
            return Err(format!(
                "{} is missing: build it first (scripts/bench does)",
                bin.display()
            ));
        }
    }
    let work = PathBuf::from("target/bench");
    let fx = work.join("fixtures");
    std::fs::create_dir_all(work.join("logs")).map_err(|e| e.to_string())?;
    let machine = report::Machine::read(settings.pin);
    eprintln!(
        "machine: {} ({} cores), load average {}",
        machine.cpu, machine.cores, machine.load
    );

    let key_1k = fixtures::key("bench1k");
    let key_big = fixtures::key("benchbig");
    let key_post = fixtures::key("benchpost");
    let key_ready = fixtures::key("benchready");
    // Not `bench…`: the account list masks keys to their first and last
    // characters, and the refunds line finds this account there.
    let key_refunds = fixtures::key("refunds");
    let key_console_sub = fixtures::key("benchconsolesub");
    let io = |e: std::io::Error| e.to_string();
    eprintln!("writing fixtures under {}", fx.display());
    let main_dir = fx.join("main");
    let big_dir = fx.join("big");
    fixtures::write(&main_dir.join("main.json"), &[(&key_1k, 1000), ("*", 10)]).map_err(io)?;
    fixtures::write(&big_dir.join("main.json"), &[(&key_1k, 1000), ("*", 10)]).map_err(io)?;
    // 1,000 paid payments with 5 refunds each: refunds to create and to list.
    fixtures::write_refunds(
        &main_dir.join("refunds.json"),
        &key_refunds,
        REFUND_PAYMENTS,
        5,
    )
    .map_err(io)?;
    // One subscription for the console's subscription page (its clock is
    // pinned before the first charge: nothing fires while the line runs).
    recurring::write_fixture(
        &main_dir.join("console-subscription.json"),
        &key_console_sub,
        1,
        "http://127.0.0.1:9/hook",
    )
    .map_err(io)?;
    fixtures::write(&big_dir.join("big.json"), &[(&key_big, settings.big)]).map_err(io)?;
    let ready_file = fx.join(format!("ready-{}.json", settings.ready_customers));
    fixtures::write(&ready_file, &[(&key_ready, settings.ready_customers)]).map_err(io)?;

    let log = |name: &str| work.join("logs").join(format!("{name}.log"));
    let fixtures_arg = |p: &Path| vec!["--fixtures".to_owned(), p.display().to_string()];

    // ---- Phase A: the sandbox with 1,000 customers, beside the baseline,
    // in each setup (with --pin: pinned, then shared).
    let setups: &[Setup] = if settings.pin {
        &[Setup::Pinned, Setup::Shared]
    } else {
        &[Setup::Shared]
    };
    let mut rows = Vec::new();
    let mut half_peak = Vec::new();
    let mut rss_before = 0;
    let body_file = work.join("customer.json");
    let one_id = fixtures::customer_id(500);
    let customer_body = CUSTOMER_BODY;
    let payment_body = PAYMENT_BODY;
    let req = |method: &str, path: &str, key: &str, body: Option<&str>, ok: u16| Req {
        bytes: load::format(method, path, key, body).into(),
        ok_status: ok,
    };
    let get_one = vec![req(
        "GET",
        &format!("/v2/customers/{one_id}"),
        &key_1k,
        None,
        200,
    )];
    let list = |key: &str, n: u64| -> Vec<Req> {
        // The first page and pages from cursors spread over the whole list.
        (0..LIST_CURSORS)
            .map(|k| {
                let path = match k {
                    0 => "/v2/customers?limit=50".to_owned(),
                    k => format!(
                        "/v2/customers?limit=50&from={}",
                        fixtures::customer_id(n - 1 - k * (n / LIST_CURSORS))
                    ),
                };
                req("GET", &path, key, None, 200)
            })
            .collect()
    };
    for (n, &setup) in setups.iter().enumerate() {
        let core = setup.apply()?;
        let mut sandbox = servers::spawn(
            "sandbox",
            &sandbox_bin,
            &fixtures_arg(&main_dir),
            core,
            &log("sandbox"),
        )?;
        sandbox.wait_ready(Duration::from_secs(60))?;
        if n == 0 {
            rss_before = sandbox.rss()?;
        }
        let (status, body) = servers::get(
            sandbox.addr,
            &format!("/v2/customers/{one_id}"),
            Some(&key_1k),
        )?;
        if status != 200 {
            return Err(format!(
                "GET customer answered {status}: {}",
                String::from_utf8_lossy(&body)
            ));
        }
        std::fs::write(&body_file, &body).map_err(io)?;
        let mut baseline = servers::spawn(
            "baseline",
            &baseline_bin,
            &["--body-file".to_owned(), body_file.display().to_string()],
            core,
            &log("baseline"),
        )?;
        baseline.wait_ready(Duration::from_secs(10))?;

        let post_customer = vec![req(
            "POST",
            "/v2/customers",
            &key_post,
            Some(customer_body),
            201,
        )];
        let post_payment = vec![req(
            "POST",
            &format!("/v2/customers/{one_id}/payments"),
            &key_1k,
            Some(payment_body),
            201,
        )];
        let post_payment_full = vec![req(
            "POST",
            "/v2/payments?include=details.qrCode",
            &key_1k,
            Some(PAYMENT_FULL_BODY),
            201,
        )];
        let mixed = mixed_requests(customer_body, payment_body);
        // The QA console's endpoints: a scrape of every account's counters, and
        // one account's table as the console's page fetches it.
        let metrics = vec![req("GET", "/_sandbox/metrics", &key_1k, None, 200)];
        let console = vec![req(
            "GET",
            "/_sandbox/console/customers",
            &key_1k,
            None,
            200,
        )];
        // What a checkout asks first: the enabled methods for an amount, and
        // the profile a plugin checks when an API key is saved.
        let methods = vec![req(
            "GET",
            "/v2/methods?amount%5Bvalue%5D=10.00&amount%5Bcurrency%5D=EUR&locale=nl_NL&include=issuers",
            &key_1k,
            None,
            200,
        )];
        // Spread over the payments: a payment has a handful of refunds, not
        // the whole run's.
        let post_refund: Vec<Req> = (0..REFUND_PAYMENTS)
            .map(|i| {
                req(
                    "POST",
                    &format!("/v2/payments/{}/refunds", fixtures::payment_id(i)),
                    &key_refunds,
                    Some(REFUND_BODY),
                    201,
                )
            })
            .collect();
        // The console's Refund button for an account picked from its list: the
        // sandbox route, by reference, that runs the API's handler, on the same
        // payments as the API's line.
        let refunds_ref = format!(
            "X-Sandbox-Account: {}\r\n",
            reference_of(sandbox.addr, &key_refunds)?
        );
        let post_refund_sandbox: Vec<Req> = (0..REFUND_PAYMENTS)
            .map(|i| Req {
                bytes: load::format_as(
                    "POST",
                    &format!("/_sandbox/payments/{}/refunds", fixtures::payment_id(i)),
                    &refunds_ref,
                    Some(REFUND_BODY),
                )
                .into(),
                ok_status: 201,
            })
            .collect();
        let console_subscription = vec![req(
            "GET",
            "/_sandbox/console/subscriptions/sub_bench000000",
            &key_console_sub,
            None,
            200,
        )];
        let list_refunds = vec![req("GET", "/v2/refunds?limit=50", &key_refunds, None, 200)];
        let profile_me = vec![req("GET", "/v2/profiles/me", &key_1k, None, 200)];
        // The console fixture's one subscription, on a clock before its first
        // charge: reading and updating it charges nothing.
        let subscription = format!(
            "/v2/customers/{}/subscriptions/sub_bench000000",
            fixtures::customer_id(0)
        );
        let get_subscription = vec![req("GET", &subscription, &key_console_sub, None, 200)];
        let patch_subscription = vec![req(
            "PATCH",
            &subscription,
            &key_console_sub,
            Some(r#"{"metadata":{"tier":"gold"}}"#),
            200,
        )];

        // A slice, so that a new endpoint's line is one line here.
        let workloads: &[(&'static str, &Vec<Req>, Option<f64>)] = &[
            ("GET one customer", &get_one, Some(0.85)),
            ("POST create customer", &post_customer, Some(0.7)),
            (
                "GET list limit=50, 1,000 customers",
                &list(&key_1k, 1000),
                None,
            ),
            ("POST customer payment", &post_payment, Some(0.6)),
            (
                "POST payment, lines + address + QR code",
                &post_payment_full,
                None,
            ),
            ("mixed, 1,000 API keys", &mixed, None),
            ("GET /_sandbox/metrics", &metrics, None),
            ("GET console customers panel", &console, None),
            ("POST create refund", &post_refund, Some(0.6)),
            (
                "POST /_sandbox refund by reference (console)",
                &post_refund_sandbox,
                None,
            ),
            ("GET console subscription page", &console_subscription, None),
            ("GET list refunds limit=50", &list_refunds, None),
            ("GET /v2/methods (amount, locale, issuers)", &methods, None),
            ("GET /v2/profiles/me", &profile_me, Some(0.6)),
            ("GET one subscription", &get_subscription, Some(0.6)),
            (
                "PATCH update a subscription",
                &patch_subscription,
                Some(0.6),
            ),
        ];
        for &(name, reqs, target) in workloads {
            // Lines without a target once, in the first setup; targets in every
            // setup, as the median of several pairs.
            let runs = match target {
                Some(_) => settings.runs,
                None if n == 0 => 1,
                None => continue,
            };
            eprintln!("{name} ({})", setup.label());
            let mut pairs: Vec<(Outcome, Outcome)> = (0..runs)
                .map(|_| pair(&settings, &baseline, &sandbox, reqs, None))
                .collect();
            let ratio = |(b, s): &(Outcome, Outcome)| s.rps() / b.rps().max(1.0);
            pairs.sort_by(|x, y| ratio(x).total_cmp(&ratio(y)));
            let ratios: Vec<f64> = pairs.iter().map(ratio).collect();
            let (b, s) = pairs.swap_remove(pairs.len() / 2);
            rows.push(Row {
                name,
                setup,
                sandbox: s,
                baseline: Some(b),
                target,
                ratios,
            });
        }
        let peak = |name: &str| {
            rows.iter()
                .find(|r| r.name == name && r.setup == setup)
                .map_or(0.0, |r| r.sandbox.rps())
        };
        for (name, reqs, peak, target_ms, runs) in [
            (
                "GET one customer",
                &get_one,
                peak("GET one customer"),
                1.0,
                settings.runs,
            ),
            (
                "mixed, 1,000 API keys",
                &mixed,
                peak("mixed, 1,000 API keys"),
                2.0,
                1,
            ),
        ] {
            if peak == 0.0 {
                continue;
            }
            let rate = (peak / 2.0).max(100.0);
            eprintln!("{name} at {rate:.0} req/s ({})", setup.label());
            let mut pairs: Vec<(Outcome, Outcome)> = (0..runs)
                .map(|_| pair(&settings, &baseline, &sandbox, reqs, Some(rate)))
                .collect();
            pairs.sort_by(|x, y| x.1.p99_ms().total_cmp(&y.1.p99_ms()));
            let p99s: Vec<f64> = pairs.iter().map(|p| p.1.p99_ms()).collect();
            let (b, s) = pairs.swap_remove(pairs.len() / 2);
            half_peak.push(HalfPeak {
                name,
                setup,
                rate,
                sandbox: s,
                baseline: b,
                p99s,
                target_ms,
            });
        }
        drop(baseline);
        drop(sandbox);
    }
    // The phases below run in the first setup.
    let server_core = setups[0].apply()?;

    // ---- Phase B: the same plus an account of a million customers.
    eprintln!("loading {} customers", settings.big);
    let mut big = servers::spawn(
        "sandbox-big",
        &sandbox_bin,
        &fixtures_arg(&big_dir),
        server_core,
        &log("sandbox-big"),
    )?;
    let ready_big = big.wait_ready(Duration::from_secs(300))?;
    let rss_after = big.rss()?;
    eprintln!("list at 1,000 and at {} customers", settings.big);
    let (list_1k, list_big) = alternate(
        &settings,
        (&big, &list(&key_1k, 1000)),
        (&big, &list(&key_big, settings.big)),
        None,
    );
    drop(big);

    // ---- Phase D: a year of 1,000 monthly subscriptions, beside other accounts.
    let subs: u64 = 1000;
    eprintln!("advancing a year for {subs} monthly subscriptions");
    let recurring = {
        let mut receiver = servers::spawn(
            "receiver",
            &baseline_bin,
            &["--body-file".to_owned(), body_file.display().to_string()],
            server_core,
            &log("receiver"),
        )?;
        receiver.wait_ready(Duration::from_secs(10))?;
        let key_subs = fixtures::key("benchsubs");
        let subs_dir = fx.join("recurring");
        std::fs::create_dir_all(&subs_dir).map_err(io)?;
        std::fs::copy(main_dir.join("main.json"), subs_dir.join("main.json")).map_err(io)?;
        let hook = format!("http://{}/hook", receiver.addr);
        recurring::write_fixture(&subs_dir.join("subs.json"), &key_subs, subs, &hook)
            .map_err(io)?;
        let mut args = fixtures_arg(&subs_dir);
        args.push("--no-test-subscription-cancel".to_owned());
        let mut s = servers::spawn(
            "sandbox-recurring",
            &sandbox_bin,
            &args,
            server_core,
            &log("sandbox-recurring"),
        )?;
        s.wait_ready(Duration::from_secs(60))?;
        // The Subscriptions API's endpoints, closed loop, before the advance
        // (the subscriptions are active and charge nothing yet).
        let cst0 = fixtures::customer_id(0);
        let one = format!("/v2/customers/{cst0}/subscriptions/sub_bench000000");
        let endpoints: [(&'static str, Vec<Req>); 6] = [
            (
                "GET one subscription",
                vec![req("GET", &one, &key_subs, None, 200)],
            ),
            (
                "GET list a customer's subscriptions",
                vec![req(
                    "GET",
                    &format!("/v2/customers/{cst0}/subscriptions"),
                    &key_subs,
                    None,
                    200,
                )],
            ),
            (
                "GET list all subscriptions limit=50",
                vec![req(
                    "GET",
                    "/v2/subscriptions?limit=50",
                    &key_subs,
                    None,
                    200,
                )],
            ),
            (
                "GET list a subscription's payments",
                vec![req("GET", &format!("{one}/payments"), &key_subs, None, 200)],
            ),
            (
                "PATCH update a subscription",
                vec![req(
                    "PATCH",
                    &one,
                    &key_subs,
                    Some(r#"{"metadata":{"tier":"gold"}}"#),
                    200,
                )],
            ),
            (
                "POST /_sandbox/mandates/{id}/status (valid)",
                vec![req(
                    "POST",
                    "/_sandbox/mandates/mdt_bench000000/status",
                    &key_subs,
                    Some(r#"{"status":"valid"}"#),
                    200,
                )],
            ),
        ];
        for (name, reqs) in endpoints {
            eprintln!("{name}");
            let plan = settings.plan(None);
            let run = || load::run(s.addr, Some(s.pid()), &reqs, plan);
            let (a, b) = (run(), run());
            rows.push(Row {
                name,
                setup: setups[0],
                sandbox: a.merge(b),
                baseline: None,
                target: None,
                ratios: Vec::new(),
            });
        }
        let rate = if settings.quick { 500.0 } else { 2000.0 };
        let window = Duration::from_secs(if settings.quick { 3 } else { 5 });
        recurring::measure(&s, &key_subs, subs, &get_one, rate, window)?
    };

    // ---- Phase C: start to ready.
    let mut ready = Vec::new();
    let cases: [(String, Vec<String>); 3] = [
        (
            "no fixtures (`--no-fixtures`)".to_owned(),
            vec!["--no-fixtures".to_owned()],
        ),
        ("embedded demo data (default)".to_owned(), Vec::new()),
        (
            format!(
                "{} fixture customers",
                report::thousands(settings.ready_customers)
            ),
            fixtures_arg(&ready_file),
        ),
    ];
    for (name, args) in cases {
        let mut times = Vec::new();
        for _ in 0..settings.ready_runs {
            let mut s = servers::spawn(
                "sandbox-ready",
                &sandbox_bin,
                &args,
                server_core,
                &log("sandbox-ready"),
            )?;
            times.push(s.wait_ready(Duration::from_secs(60))?);
        }
        eprintln!("ready with {name}: {:?}", times);
        ready.push((name, times));
    }

    // ---- Phase D: memory, idempotency and state save (issue 9).
    let hardening = hardening::run(&settings, &sandbox_bin, &work, None)?;

    let results = Results {
        settings,
        machine,
        rows,
        list_1k,
        list_big,
        half_peak,
        rss_before,
        rss_after,
        ready_big,
        ready,
        load_after: report::loadavg(),
        hardening,
        recurring,
    };
    let md = report::markdown(&results);
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    std::fs::write(&out, &md).map_err(|e| format!("{}: {e}", out.display()))?;
    std::fs::write(out.with_extension("json"), report::json(&results)).map_err(io)?;
    eprintln!("wrote {}", out.display());
    if let Some(readme) = readme {
        report::update_readme(&readme, &results, &out)?;
        eprintln!("updated {}", readme.display());
    }
    println!("{md}");
    let errors: u64 = results.rows.iter().map(|r| r.sandbox.errors).sum::<u64>()
        + results
            .half_peak
            .iter()
            .map(|h| h.sandbox.errors)
            .sum::<u64>()
        + results.list_1k.errors
        + results.list_big.errors
        + results.recurring.others.errors;
    if errors > 0 {
        let first = results
            .rows
            .iter()
            .map(|r| &r.sandbox)
            .chain(results.half_peak.iter().map(|h| &h.sandbox))
            .chain([&results.list_1k, &results.list_big])
            .find_map(|o| o.first_error.clone())
            .unwrap_or_default();
        return Err(format!("{errors} requests failed; first: {first}"));
    }
    Ok(())
}

/// Baseline and sandbox with the same requests (the baseline answers 200 to all).
fn pair(
    s: &Settings,
    baseline: &Server,
    sandbox: &Server,
    reqs: &[Req],
    rate: Option<f64>,
) -> (Outcome, Outcome) {
    let base_reqs: Vec<Req> = reqs
        .iter()
        .map(|r| Req {
            bytes: r.bytes.clone(),
            ok_status: 200,
        })
        .collect();
    alternate(s, (baseline, &base_reqs), (sandbox, reqs), rate)
}

/// A B B A: two measurements alternate, so that a machine getting busier or
/// quieter during the run moves both alike; each side's halves are merged
/// (latencies pooled before the percentiles).
fn alternate(
    s: &Settings,
    a: (&Server, &[Req]),
    b: (&Server, &[Req]),
    rate: Option<f64>,
) -> (Outcome, Outcome) {
    let plan = s.plan(rate);
    let run =
        |(server, reqs): (&Server, &[Req])| load::run(server.addr, Some(server.pid()), reqs, plan);
    let a1 = run(a);
    let b1 = run(b);
    let b2 = run(b);
    let a2 = run(a);
    (a1.merge(a2), b1.merge(b2))
}

/// A test suite's traffic: 1,000 keys (each its own account, seeded from the
/// fixture's `"*"` template of 10 customers), and per request one of: get a
/// customer (50%), create a customer (20%), create a payment for a customer
/// (20%), list customers (10%). A fixed pseudo-random sequence of 20,000.
fn mixed_requests(customer_body: &str, payment_body: &str) -> Vec<Req> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        // xorshift64*
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    (0..20_000)
        .map(|_| {
            let key = fixtures::key(&format!("benchmix{:04}", next() % 1000));
            let cst = fixtures::customer_id(next() % 10);
            let (method, path, body, ok) = match next() % 10 {
                0..=4 => ("GET", format!("/v2/customers/{cst}"), None, 200),
                5 | 6 => ("POST", "/v2/customers".to_owned(), Some(customer_body), 201),
                7 | 8 => (
                    "POST",
                    format!("/v2/customers/{cst}/payments"),
                    Some(payment_body),
                    201,
                ),
                _ => ("GET", "/v2/customers?limit=50".to_owned(), None, 200),
            };
            Req {
                bytes: load::format(method, &path, &key, body).into(),
                ok_status: ok,
            }
        })
        .collect()
}
