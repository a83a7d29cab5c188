//! The recurring figure: one account with 1,000 active monthly
//! subscriptions, its clock advanced a year (12,000 payments, each webhook
//! POSTed to a local receiver: the bare hyper server, which answers 200),
//! while other accounts are served at a fixed rate. Reports how long the
//! advance took and those other requests' latencies meanwhile, beside the
//! same load on the same server just before, without an advance: what the
//! machine alone (other processes, the load generator) does to them.
//!
//! `mollie-bench recurring [--quick] [--pin] [--runs N] [--sandbox PATH]`
//! runs this phase alone (with `--pin`, run it under `taskset -c 0` as
//! `scripts/bench` does).

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::fixtures;
use crate::load::{self, Outcome, Plan, Req};
use crate::servers::Server;

pub struct Recurring {
    pub subscriptions: u64,
    pub advance: Duration,
    /// The advance's own summary, as the sandbox answered it.
    pub summary: serde_json::Value,
    /// Other accounts' requests while the advance ran.
    pub others: Outcome,
    /// The same load just before, with no advance.
    pub control: Outcome,
    pub rate: f64,
}

/// 2026-01-01T00:00:00Z: the account's clock; charges start the next day.
pub const CLOCK: &str = "2026-01-01T00:00:00+00:00";

/// An account of `n` customers, each with a direct-debit mandate and a
/// monthly subscription whose webhook goes to `hook`.
pub fn write_fixture(path: &Path, key: &str, n: u64, hook: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut out = BufWriter::new(File::create(path)?);
    write!(
        out,
        r#"{{"accounts":{{"{key}":{{"now":"{CLOCK}","customers":["#
    )?;
    for i in 0..n {
        let sep = if i > 0 { "," } else { "" };
        write!(
            out,
            r#"{sep}{{"id":"{}","name":"Subscriber {i}","createdAt":"{CLOCK}"}}"#,
            fixtures::customer_id(i)
        )?;
    }
    write!(out, r#"],"mandates":["#)?;
    for i in 0..n {
        let sep = if i > 0 { "," } else { "" };
        write!(
            out,
            r#"{sep}{{"id":"mdt_bench{i:06}","customerId":"{}","method":"directdebit","status":"valid","createdAt":"{CLOCK}","details":{{"consumerName":"Subscriber {i}","consumerAccount":"NL55INGB0000000000","consumerBic":"INGBNL2A"}}}}"#,
            fixtures::customer_id(i)
        )?;
    }
    write!(out, r#"],"subscriptions":["#)?;
    for i in 0..n {
        let sep = if i > 0 { "," } else { "" };
        write!(
            out,
            r#"{sep}{{"id":"sub_bench{i:06}","customerId":"{}","status":"active","amount":{{"value":"9.95","currency":"EUR"}},"times":12,"interval":"1 month","description":"Plan {i}","startDate":"2026-01-02","webhookUrl":"{hook}","createdAt":"{CLOCK}"}}"#,
            fixtures::customer_id(i)
        )?;
    }
    writeln!(out, "]}}}}}}")?;
    out.flush()
}

/// One blocking `POST` with a JSON body on a fresh connection.
fn post(addr: SocketAddr, path: &str, key: &str, body: &str) -> Result<(u16, Vec<u8>), String> {
    let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(120)))
        .map_err(|e| e.to_string())?;
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut resp = httparse::Response::new(&mut headers);
    match resp.parse(&raw) {
        Ok(httparse::Status::Complete(head)) => Ok((resp.code.unwrap_or(0), raw[head..].to_vec())),
        _ => Err("incomplete response".into()),
    }
}

/// Advances `key`'s clock a year on `sandbox` while `others` run at `rate`.
pub fn measure(
    sandbox: &Server,
    key: &str,
    subscriptions: u64,
    others: &[Req],
    rate: f64,
    window: Duration,
) -> Result<Recurring, String> {
    let addr = sandbox.addr;
    let pid = sandbox.pid();
    let plan = Plan {
        connections: 8,
        warmup: Duration::from_millis(100),
        duration: window,
        rate: Some(rate),
    };
    let control = load::run(addr, Some(pid), others, plan);
    let others = others.to_vec();
    let load = std::thread::spawn(move || load::run(addr, Some(pid), &others, plan));
    // Inside the measured window, after the warm-up.
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    let (status, body) = post(addr, "/_sandbox/clock", key, r#"{"advance":"P1Y"}"#)?;
    let advance = started.elapsed();
    let others = load.join().map_err(|_| "the load thread panicked")?;
    if status != 200 {
        return Err(format!(
            "POST /_sandbox/clock answered {status}: {}",
            String::from_utf8_lossy(&body)
        ));
    }
    let summary: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| format!("advance summary: {e}"))?;
    if advance > window {
        eprintln!(
            "the advance ({advance:?}) outlasted the measured window ({window:?}) of the other accounts"
        );
    }
    eprintln!(
        "advance {:.0} ms; others p99 {:.2} ms, max {:.2} ms, server waited {:.1} ms for a CPU; \
         without an advance p99 {:.2} ms, max {:.2} ms, waited {:.1} ms (load average {})",
        advance.as_secs_f64() * 1e3,
        others.p99_ms(),
        others.max_ms(),
        others.server_wait_ns as f64 / 1e6,
        control.p99_ms(),
        control.max_ms(),
        control.server_wait_ns as f64 / 1e6,
        crate::report::loadavg(),
    );
    Ok(Recurring {
        subscriptions,
        advance,
        summary,
        others,
        control,
        rate,
    })
}

/// `mollie-bench recurring`: this phase alone, `--runs` times on fresh
/// servers (the receiver and the sandbox on core 1 with `--pin`).
pub fn cmd(args: &[String]) -> Result<(), String> {
    let flag = |name: &str| args.iter().any(|a| a == name);
    let runs: usize = match args.iter().position(|a| a == "--runs") {
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .ok_or("--runs: expected a number")?,
        None => 1,
    };
    let quick = flag("--quick");
    let core = flag("--pin").then_some(1);
    let bins = std::env::current_exe().map_err(|e| e.to_string())?;
    // `--sandbox PATH`: another build (an older commit's) against this one.
    let sandbox_bin = match args.iter().position(|a| a == "--sandbox") {
        Some(i) => std::path::PathBuf::from(args.get(i + 1).ok_or("--sandbox: expected a path")?),
        None => bins.with_file_name("mollie-sandbox"),
    };
    let receiver_bin = bins.with_file_name("bare-hyper-baseline");
    let work = std::path::PathBuf::from("target/bench/recurring");
    let logs = work.join("logs");
    std::fs::create_dir_all(&logs).map_err(|e| e.to_string())?;
    let io = |e: std::io::Error| e.to_string();
    let key_1k = fixtures::key("bench1k");
    let key_subs = fixtures::key("benchsubs");
    let fx = work.join("fixtures");
    fixtures::write(&fx.join("main.json"), &[(&key_1k, 1000), ("*", 10)]).map_err(io)?;
    let subs: u64 = 1000;
    let one = fixtures::customer_id(500);
    let get_one = vec![Req {
        bytes: load::format("GET", &format!("/v2/customers/{one}"), &key_1k, None).into(),
        ok_status: 200,
    }];
    let rate = if quick { 500.0 } else { 2000.0 };
    let window = Duration::from_secs(if quick { 3 } else { 5 });
    for run in 1..=runs {
        let mut receiver = crate::servers::spawn(
            "receiver",
            &receiver_bin,
            &[],
            core,
            &logs.join("receiver.log"),
        )?;
        receiver.wait_ready(Duration::from_secs(10))?;
        let hook = format!("http://{}/hook", receiver.addr);
        write_fixture(&fx.join("subs.json"), &key_subs, subs, &hook).map_err(io)?;
        let args = [
            "--fixtures".to_owned(),
            fx.display().to_string(),
            "--no-test-subscription-cancel".to_owned(),
        ];
        let mut s = crate::servers::spawn(
            "sandbox-recurring",
            &sandbox_bin,
            &args,
            core,
            &logs.join("sandbox.log"),
        )?;
        s.wait_ready(Duration::from_secs(60))?;
        eprint!("run {run}: ");
        let r = measure(&s, &key_subs, subs, &get_one, rate, window)?;
        println!(
            "run {run}: advance {:.0} ms, {} payments, webhooks {}; others at {rate:.0} req/s: \
             p99 {:.2} ms (without an advance {:.2} ms), waited {:.1} ms (without {:.1} ms)",
            r.advance.as_secs_f64() * 1e3,
            r.summary["paymentsCreated"],
            r.summary["webhooks"],
            r.others.p99_ms(),
            r.control.p99_ms(),
            r.others.server_wait_ns as f64 / 1e6,
            r.control.server_wait_ns as f64 / 1e6,
        );
    }
    Ok(())
}
