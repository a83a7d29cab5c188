//! Phase D: the figures of the hardening work (issue 9), each from a
//! sandbox of its own: resident memory after many requests (the journal's
//! bound), unique `Idempotency-Key` POSTs with many keys stored (and
//! another account's latency meanwhile), and saving a large state on stop.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::fixtures;
use crate::report::thousands;
use crate::servers::{self, Server};
use crate::Settings;

const THREADS: u64 = 8;

/// RSS after `requests` GETs spread over `keys` fresh API keys.
pub struct JournalRss {
    pub requests: u64,
    pub keys: u64,
    pub rss_before: u64,
    pub rss_after: u64,
    pub seconds: f64,
}

pub struct Idempotency {
    pub stored: u64,
    pub posts: u64,
    pub rps_with_key: f64,
    pub rps_without_key: f64,
    /// Another account's latency while the POSTs carry keys...
    pub other_p50_ms: f64,
    pub other_p99_ms: f64,
    /// ... and while the same POSTs carry none: what the machine gives
    /// anyway, to judge the keys' own part by.
    pub other_p50_ms_without: f64,
    pub other_p99_ms_without: f64,
}

pub struct Save {
    pub customers: u64,
    pub seconds: f64,
    pub rss_before: u64,
    pub rss_peak: u64,
    pub file_bytes: u64,
}

/// Each part is `None` (or empty) when `--only` named another.
pub struct Hardening {
    pub journal: Vec<JournalRss>,
    pub idempotency: Option<Idempotency>,
    pub save: Option<Save>,
}

/// The parts `mollie-bench hardening --only journal|idempotency|save` runs.
pub const PARTS: [&str; 3] = ["journal", "idempotency", "save"];

/// Reads one HTTP/1.1 response off a keep-alive connection; its status.
fn read_response(s: &mut TcpStream, buf: &mut Vec<u8>) -> Result<u16, String> {
    buf.clear();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut resp = httparse::Response::new(&mut headers);
        if let Ok(httparse::Status::Complete(head)) = resp.parse(buf) {
            let len = resp
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                .and_then(|h| std::str::from_utf8(h.value).ok()?.parse::<usize>().ok())
                .unwrap_or(0);
            let code = resp.code.unwrap_or(0);
            while buf.len() < head + len {
                let n = s.read(&mut chunk).map_err(|e| e.to_string())?;
                if n == 0 {
                    return Err("connection closed mid-body".into());
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Ok(code);
        }
        let n = s.read(&mut chunk).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed".into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Sends requests `0..n` (made by `make`) over THREADS keep-alive
/// connections; the time taken. Any status but `ok` is an error.
fn drive(
    addr: SocketAddr,
    n: u64,
    ok: u16,
    make: &(dyn Fn(u64) -> Vec<u8> + Sync),
) -> Result<Duration, String> {
    let started = Instant::now();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                scope.spawn(move || -> Result<(), String> {
                    let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
                    s.set_nodelay(true).map_err(|e| e.to_string())?;
                    let mut buf = Vec::new();
                    let mut i = t;
                    while i < n {
                        s.write_all(&make(i)).map_err(|e| e.to_string())?;
                        let status = read_response(&mut s, &mut buf)?;
                        if status != ok {
                            return Err(format!(
                                "request {i} answered {status}: {}",
                                String::from_utf8_lossy(&buf[buf.len().saturating_sub(300)..])
                            ));
                        }
                        i += THREADS;
                    }
                    Ok(())
                })
            })
            .collect();
        for w in workers {
            w.join()
                .map_err(|_| "a load thread panicked".to_owned())??;
        }
        Ok(started.elapsed())
    })
}

fn get(path: &str, key: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n\r\n")
        .into_bytes()
}

fn post(path: &str, key: &str, idempotency: Option<&str>, body: &str) -> Vec<u8> {
    let idem = idempotency
        .map(|k| format!("Idempotency-Key: {k}\r\n"))
        .unwrap_or_default();
    format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n{idem}\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn spawn(bin: &Path, work: &Path, name: &str, args: &[String]) -> Result<Server, String> {
    let log = work.join("logs").join(format!("{name}.log"));
    let mut s = servers::spawn(name, bin, args, None, &log)?;
    s.wait_ready(Duration::from_secs(600))?;
    Ok(s)
}

/// Another account's latencies, one request at a time, while `load` runs.
fn while_other_reads<T: Send>(
    addr: SocketAddr,
    other: &str,
    load: impl FnOnce() -> T + Send,
) -> (T, Vec<Duration>) {
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            let mut lat = Vec::new();
            let Ok(mut c) = TcpStream::connect(addr) else {
                return lat;
            };
            let _ = c.set_nodelay(true);
            let mut buf = Vec::new();
            let req = get("/v2/customers?limit=5", other);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let t = Instant::now();
                if c.write_all(&req).is_err() || read_response(&mut c, &mut buf).is_err() {
                    break;
                }
                lat.push(t.elapsed());
                std::thread::sleep(Duration::from_millis(1));
            }
            lat
        });
        let out = load();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        (out, reader.join().unwrap_or_default())
    })
}

/// The `p` quantile of `latencies`, in milliseconds.
fn quantile_ms(latencies: &mut [Duration], p: f64) -> f64 {
    latencies.sort();
    latencies
        .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// Every part, or the one `only` names (see [`PARTS`]).
pub fn run(
    settings: &Settings,
    bin: &Path,
    work: &Path,
    only: Option<&str>,
) -> Result<Hardening, String> {
    let wanted = |part: &str| only.is_none_or(|o| o == part);
    let mut journal = Vec::new();
    if wanted("journal") {
        journal = journal_part(settings, bin, work)?;
    }
    let idempotency = if wanted("idempotency") {
        Some(idempotency_part(settings, bin, work)?)
    } else {
        None
    };
    let save = if wanted("save") {
        Some(save_part(settings, bin, work)?)
    } else {
        None
    };
    Ok(Hardening {
        journal,
        idempotency,
        save,
    })
}

fn journal_part(settings: &Settings, bin: &Path, work: &Path) -> Result<Vec<JournalRss>, String> {
    let q = settings.quick;
    let no_fixtures = vec!["--no-fixtures".to_owned()];
    // The journal: every request is an entry of at most 512 bytes, all
    // journals together under --journal-max-mb (64 MiB by default).
    let mut journal = Vec::new();
    let cases: [(u64, u64); 2] = if q {
        [(20_000, 1_000), (5_000, 5_000)]
    } else {
        [(1_000_000, 1_000), (200_000, 200_000)]
    };
    for (requests, keys) in cases {
        eprintln!(
            "journal: {} requests over {} keys",
            thousands(requests),
            thousands(keys)
        );
        let s = spawn(bin, work, "sandbox-journal", &no_fixtures)?;
        let rss_before = s.rss()?;
        let took = drive(s.addr, requests, 200, &|i| {
            get(
                "/v2/customers?limit=5",
                &fixtures::key(&format!("j{}", i % keys)),
            )
        })?;
        journal.push(JournalRss {
            requests,
            keys,
            rss_before,
            rss_after: s.rss()?,
            seconds: took.as_secs_f64(),
        });
    }
    Ok(journal)
}

fn idempotency_part(settings: &Settings, bin: &Path, work: &Path) -> Result<Idempotency, String> {
    let q = settings.quick;
    let no_fixtures = vec!["--no-fixtures".to_owned()];
    // Idempotency keys: unique keys with many stored, against no key.
    let stored = if q { 5_000 } else { 200_000 };
    let posts = if q { 2_000 } else { 50_000 };
    eprintln!("idempotency: {} keys stored", thousands(stored));
    let s = spawn(bin, work, "sandbox-idempotency", &no_fixtures)?;
    let key = fixtures::key("benchidem");
    let other = fixtures::key("benchother");
    let body = crate::CUSTOMER_BODY;
    drive(s.addr, stored, 201, &|i| {
        post("/v2/customers", &key, Some(&format!("pre-{i}")), body)
    })?;
    // Another account reads one request at a time meanwhile, both times.
    let (without, mut lat_without) = while_other_reads(s.addr, &other, || {
        drive(s.addr, posts, 201, &|_| {
            post("/v2/customers", &key, None, body)
        })
    });
    let without = without?;
    let (with, mut lat_with) = while_other_reads(s.addr, &other, || {
        drive(s.addr, posts, 201, &|i| {
            post("/v2/customers", &key, Some(&format!("run-{i}")), body)
        })
    });
    let with = with?;
    Ok(Idempotency {
        stored,
        posts,
        rps_with_key: posts as f64 / with.as_secs_f64(),
        rps_without_key: posts as f64 / without.as_secs_f64(),
        other_p50_ms: quantile_ms(&mut lat_with, 0.5),
        other_p99_ms: quantile_ms(&mut lat_with, 0.99),
        other_p50_ms_without: quantile_ms(&mut lat_without, 0.5),
        other_p99_ms_without: quantile_ms(&mut lat_without, 0.99),
    })
}

fn save_part(settings: &Settings, bin: &Path, work: &Path) -> Result<Save, String> {
    // Saving the state on stop: streamed, so memory stays near the state's.
    let customers = settings.big;
    eprintln!("save: {} customers", thousands(customers));
    let fx = work.join("fixtures").join("save.json");
    fixtures::write(&fx, &[(&fixtures::key("benchsave"), customers)]).map_err(|e| e.to_string())?;
    let state = work.join("state.json");
    let _ = std::fs::remove_file(&state);
    let mut s = spawn(
        bin,
        work,
        "sandbox-save",
        &[
            "--fixtures".to_owned(),
            fx.display().to_string(),
            "--state-file".to_owned(),
            state.display().to_string(),
        ],
    )?;
    let rss_before = s.rss()?;
    let (took, rss_peak) = s.stop_measured()?;
    Ok(Save {
        customers,
        seconds: took.as_secs_f64(),
        rss_before,
        rss_peak: rss_peak.max(rss_before),
        file_bytes: std::fs::metadata(&state).map(|m| m.len()).unwrap_or(0),
    })
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

impl Hardening {
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "\n## Hardening (memory, idempotency, state save)\n");
        let _ = writeln!(
            out,
            "Each from a sandbox of its own, driven by {THREADS} keep-alive connections.\n"
        );
        let _ = writeln!(out, "| Journal | RSS before | RSS after | time |");
        let _ = writeln!(out, "|---|---:|---:|---:|");
        for j in &self.journal {
            let _ = writeln!(
                out,
                "| {} GETs over {} keys | {} | {} | {:.1} s |",
                thousands(j.requests),
                thousands(j.keys),
                mb(j.rss_before),
                mb(j.rss_after),
                j.seconds
            );
        }
        if let Some(i) = &self.idempotency {
            let _ = writeln!(
                out,
                "\nUnique `Idempotency-Key` POSTs with {} keys stored: {:.0} req/s, against {:.0} req/s \
                 without the header ({:.2}x; target 0.8x). Another account meanwhile: p50 {:.3} ms, \
                 p99 {:.3} ms (target < 2 ms); while the same POSTs carry no key: p50 {:.3} ms, \
                 p99 {:.3} ms.",
                thousands(i.stored),
                i.rps_with_key,
                i.rps_without_key,
                i.rps_with_key / i.rps_without_key,
                i.other_p50_ms,
                i.other_p99_ms,
                i.other_p50_ms_without,
                i.other_p99_ms_without
            );
        }
        if let Some(v) = &self.save {
            let _ = writeln!(
            out,
            "\nSaving {} customers on SIGTERM (`--state-file`): {:.2} s (target < 3 s), {} written; \
             RSS {} before, peak {} during ({:.2}x; target 1.2x).",
            thousands(v.customers),
            v.seconds,
            mb(v.file_bytes),
            mb(v.rss_before),
                mb(v.rss_peak),
                v.rss_peak as f64 / v.rss_before.max(1) as f64
            );
        }
        out
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "journal": self.journal.iter().map(|j| serde_json::json!({
                "requests": j.requests, "keys": j.keys, "rss_before_bytes": j.rss_before,
                "rss_after_bytes": j.rss_after, "seconds": j.seconds,
            })).collect::<Vec<_>>(),
            "idempotency": self.idempotency.as_ref().map(|i| serde_json::json!({
                "stored": i.stored, "posts": i.posts, "rps_with_key": i.rps_with_key,
                "rps_without_key": i.rps_without_key, "other_p50_ms": i.other_p50_ms,
                "other_p99_ms": i.other_p99_ms, "other_p50_ms_without_key": i.other_p50_ms_without,
                "other_p99_ms_without_key": i.other_p99_ms_without,
            })),
            "save": self.save.as_ref().map(|v| serde_json::json!({
                "customers": v.customers, "seconds": v.seconds, "rss_before_bytes": v.rss_before,
                "rss_peak_bytes": v.rss_peak, "file_bytes": v.file_bytes,
            })),
        })
    }
}
