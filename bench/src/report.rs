//! The machine the run was on, and the results as Markdown (RESULTS.md and
//! the README's Benchmark section) and JSON.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use crate::load::Outcome;
use crate::Results;

pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub memory: String,
    pub kernel: String,
    pub load: String,
    pub date: String,
    pub commit: String,
    pub pinned: bool,
}

impl Machine {
    pub fn read(pinned: bool) -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| {
                l.strip_prefix("model name")
                    .and_then(|r| r.split_once(':'))
                    .map(|(_, v)| v.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown CPU".to_owned());
        // Every core of the machine, not only those this process may use.
        let cores = cpuinfo
            .lines()
            .filter(|l| l.starts_with("processor"))
            .count()
            .max(1);
        let memory = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|m| {
                m.lines()
                    .find_map(|l| l.strip_prefix("MemTotal:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            })
            .map_or_else(
                || "?".to_owned(),
                |kb| format!("{:.0} GiB", kb as f64 / 1024.0 / 1024.0),
            );
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|s| format!("Linux {}", s.trim()))
            .unwrap_or_default();
        let commit = std::process::Command::new("git")
            .args(["rev-parse", "--short", "HEAD"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_else(|| "?".to_owned());
        let dirty = std::process::Command::new("git")
            .args([
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                "src",
                "bench/src",
                "Cargo.toml",
                "Cargo.lock",
            ])
            .output()
            .ok()
            .is_some_and(|o| o.status.success() && !o.stdout.is_empty());
        let commit = if dirty {
            format!("{commit} with uncommitted changes")
        } else {
            commit
        };
        let date = jiff::Timestamp::now()
            .strftime("%Y-%m-%d %H:%M UTC")
            .to_string();
        Machine {
            cpu,
            cores,
            memory,
            kernel,
            load: loadavg(),
            date,
            commit,
            pinned,
        }
    }
}

/// Every core of the machine, not only those this process may use.
pub fn cores() -> usize {
    std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count()
        .max(1)
}

/// The 1, 5 and 15 minute load averages.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// 1234567 as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn rps(o: &Outcome) -> String {
    thousands(o.rps().round() as u64)
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        0.0
    }
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn median(times: &[Duration]) -> Duration {
    let mut t = times.to_vec();
    t.sort();
    t.get(t.len() / 2).copied().unwrap_or_default()
}

/// ", median of 3 (0.84 to 0.88)" for more than one run.
fn spread(values: &[f64], decimals: usize) -> String {
    let (Some(lo), Some(hi)) = (
        values.iter().copied().reduce(f64::min),
        values.iter().copied().reduce(f64::max),
    ) else {
        return String::new();
    };
    if values.len() < 2 {
        return String::new();
    }
    format!(
        ", median of {} ({lo:.decimals$} to {hi:.decimals$})",
        values.len()
    )
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "**missed**"
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / 1024.0 / 1024.0)
}

/// The figures the issue sets targets for, as (figure, measured, beside it, target, verdict).
fn targets(r: &Results) -> Vec<[String; 5]> {
    let mut rows = Vec::new();
    for row in r.rows.iter().filter(|row| row.target.is_some()) {
        let (Some(target), Some(b)) = (row.target, &row.baseline) else {
            continue;
        };
        let x = ratio(row.sandbox.rps(), b.rps());
        rows.push([
            format!("{}, req/s ({})", row.name, row.setup.label()),
            format!(
                "**{x:.3} x** baseline ({} req/s){}",
                rps(&row.sandbox),
                spread(&row.ratios, 3)
            ),
            format!(
                "baseline {} req/s; server CPU per request {:.1} µs vs {:.1} µs ({:.2} x)",
                rps(b),
                row.sandbox.cpu_us(),
                b.cpu_us(),
                ratio(b.cpu_us(), row.sandbox.cpu_us())
            ),
            format!("≥ {target} x"),
            verdict(x >= target).into(),
        ]);
    }
    let big = thousands(r.settings.big);
    let x = ratio(r.list_big.rps(), r.list_1k.rps());
    rows.push([
        format!("GET list limit=50 at {big} vs at 1,000 customers"),
        format!("**{x:.3} x** ({} req/s)", rps(&r.list_big)),
        format!("{} req/s at 1,000", rps(&r.list_1k)),
        "≥ 0.95 x".into(),
        verdict(x >= 0.95).into(),
    ]);
    let per = r.rss_after.saturating_sub(r.rss_before) as f64 / r.settings.big as f64;
    rows.push([
        format!("resident memory per customer at {big}"),
        format!("**{per:.0} bytes**"),
        format!(
            "RSS {} with 1,000, {} with {big} more",
            mib(r.rss_before),
            mib(r.rss_after)
        ),
        "≤ 1,024 bytes".into(),
        verdict(per <= 1024.0).into(),
    ]);
    if let Some((name, times)) = r.ready.last() {
        let m = median(times);
        let max = times.iter().max().copied().unwrap_or_default();
        rows.push([
            format!("start to ready, {name}"),
            format!("**{}** (median of {}, max {})", ms(m), times.len(), ms(max)),
            format!(
                "{} with no fixtures",
                r.ready
                    .first()
                    .map_or_else(String::new, |(_, t)| ms(median(t)))
            ),
            "< 1 s".into(),
            verdict(m < Duration::from_secs(1)).into(),
        ]);
    }
    let rec = &r.recurring;
    let payments = rec.summary["paymentsCreated"].as_u64().unwrap_or(0);
    let hooks = &rec.summary["webhooks"];
    rows.push([
        format!(
            "advance one year, {} monthly subscriptions",
            thousands(rec.subscriptions)
        ),
        format!("**{}**", ms(rec.advance)),
        format!(
            "{} payments, {} webhooks attempted ({} answered 200) to a local receiver",
            thousands(payments),
            thousands(hooks["sent"].as_u64().unwrap_or(0)),
            thousands(hooks["succeeded"].as_u64().unwrap_or(0)),
        ),
        "< 2 s".into(),
        verdict(rec.advance < Duration::from_secs(2) && payments == 12 * rec.subscriptions).into(),
    ]);
    rows.push([
        "p99 latency of other accounts during that advance, GET one customer".into(),
        format!(
            "**{:.2} ms** at {} req/s",
            rec.others.p99_ms(),
            thousands(rec.rate as u64)
        ),
        format!(
            "{} requests, max {:.2} ms",
            thousands(rec.others.requests()),
            rec.others.max_ms()
        ),
        "< 2 ms".into(),
        verdict(rec.others.p99_ms() < 2.0).into(),
    ]);
    for h in &r.half_peak {
        rows.push([
            format!(
                "p99 latency at half the peak rate, {} ({})",
                h.name,
                h.setup.label()
            ),
            format!(
                "**{:.2} ms** at {} req/s{}",
                h.sandbox.p99_ms(),
                thousands(h.rate as u64),
                spread(&h.p99s, 2)
            ),
            format!(
                "baseline {:.2} ms at the same rate; the sandbox waited {:.0} ms in all for a CPU another process held, and the hypervisor took {:.0} ms of CPU from the machine meanwhile",
                h.baseline.p99_ms(),
                h.sandbox.server_wait_ns as f64 / 1e6,
                h.sandbox.steal_ns as f64 / 1e6
            ),
            format!("< {} ms", h.target_ms),
            verdict(h.sandbox.p99_ms() < h.target_ms).into(),
        ]);
    }
    rows
}

fn table(out: &mut String, head: &[&str], rows: &[Vec<String>]) {
    let _ = writeln!(out, "| {} |", head.join(" | "));
    let _ = writeln!(out, "|{}", " --- |".repeat(head.len()));
    for r in rows {
        let _ = writeln!(out, "| {} |", r.join(" | "));
    }
}

fn about(r: &Results) -> String {
    let m = &r.machine;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}, commit `{}`, {} run. Machine: {}, {} cores, {}, {}. Load average before the run {}, after {}.",
        m.date,
        m.commit,
        if r.settings.quick { "`--quick`" } else { "full" },
        m.cpu,
        m.cores,
        m.memory,
        m.kernel,
        m.load,
        r.load_after
    );
    let (waited, measured) = interference(r);
    let share = if measured > 0.0 {
        waited / measured
    } else {
        0.0
    };
    let _ = writeln!(
        out,
        "While measured{}, the servers waited {:.1}% of the time for a CPU another process held{}",
        if r.machine.pinned { " (pinned)" } else { "" },
        share * 100.0,
        if share > 0.02 {
            ": **the machine was not quiet, these figures are not reliable; run again.**"
        } else {
            "."
        }
    );
    out
}

/// Seconds the servers under test waited for a CPU, over seconds measured,
/// summed over every measurement of the run.
/// In the shared setup the server waits for the load generator by design,
/// so only the first setup's measurements tell whether the machine was quiet.
fn interference(r: &Results) -> (f64, f64) {
    let first = r.rows.first().map(|row| row.setup);
    let mut all: Vec<&Outcome> = vec![&r.list_1k, &r.list_big];
    for row in r.rows.iter().filter(|row| Some(row.setup) == first) {
        all.push(&row.sandbox);
        all.extend(row.baseline.as_ref());
    }
    for h in r.half_peak.iter().filter(|h| Some(h.setup) == first) {
        all.push(&h.sandbox);
        all.push(&h.baseline);
    }
    let waited = all.iter().map(|o| o.server_wait_ns as f64 / 1e9).sum();
    let measured = all.iter().map(|o| o.seconds).sum();
    (waited, measured)
}

pub fn markdown(r: &Results) -> String {
    let s = &r.settings;
    let mut out = String::new();
    let _ = writeln!(out, "# Benchmark results\n");
    let _ = writeln!(
        out,
        "Written by `scripts/bench{}`. {}",
        if s.quick { " --quick" } else { "" },
        about(r)
    );
    let _ = writeln!(
        out,
        "Every figure is measured in the same run as the baseline, a bare hyper server \
         (`bench/src/bin/bare-hyper-baseline.rs`) that reads each request and answers it with \
         the same customer JSON the sandbox sends for `GET /v2/customers/{{id}}`. Baseline and \
         sandbox take turns (baseline, sandbox, sandbox, baseline; {:.1} s each after {:.1} s of \
         warm-up) with the same requests, so the ratios hold from one machine to another and \
         survive a neighbour's compile better than the absolute numbers do.",
        s.slice.as_secs_f64(),
        s.warmup.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "{} The load generator is `mollie-bench` (one thread, {} keep-alive connections, \
         requests pre-formatted; latency from when a request was due to its last byte). \
         It never sleeps while it measures (it polls its sockets), so that no server is charged \
         for waking it up.\n",
        if r.machine.pinned {
            "Each figure with a target is measured in two setups, named beside it: *pinned*, the load generator on core 0 and the server under test on core 1 (`taskset`), and *shared*, nothing pinned, the generator sharing the cores with the server as a user running wrk beside it does. Such a figure is the median of several alternating pairs, with the lowest and highest beside it; lines without a target are measured once, pinned, and so are the phases after the first."
        } else {
            "Nothing is pinned to a core (the *shared* setup)."
        },
        s.connections
    );
    let _ = writeln!(out, "## Targets\n");
    let rows: Vec<Vec<String>> = targets(r).into_iter().map(|r| r.to_vec()).collect();
    table(
        &mut out,
        &["figure", "sandbox", "beside it", "target", ""],
        &rows,
    );

    let _ = writeln!(
        out,
        "\n## Throughput and latency at the peak (closed loop)\n"
    );
    let mut rows = Vec::new();
    for row in &r.rows {
        let b = row.baseline.as_ref();
        rows.push(vec![
            format!("{} ({})", row.name, row.setup.label()),
            rps(&row.sandbox),
            b.map_or_else(String::new, rps),
            b.map_or_else(String::new, |b| {
                format!("{:.2} x", ratio(row.sandbox.rps(), b.rps()))
            }),
            format!("{:.2} / {:.2}", row.sandbox.p50_ms(), row.sandbox.p99_ms()),
            b.map_or_else(String::new, |b| {
                format!("{:.2} / {:.2}", b.p50_ms(), b.p99_ms())
            }),
            match b {
                Some(b) => format!(
                    "{:.1} / {:.1} ({:.2} x)",
                    row.sandbox.cpu_us(),
                    b.cpu_us(),
                    ratio(b.cpu_us(), row.sandbox.cpu_us())
                ),
                None => format!("{:.1}", row.sandbox.cpu_us()),
            },
            thousands(row.sandbox.mean_bytes()),
        ]);
    }
    let big = thousands(s.big);
    for (name, o) in [
        (
            "GET list limit=50, 1,000 customers (second server)".to_owned(),
            &r.list_1k,
        ),
        (format!("GET list limit=50, {big} customers"), &r.list_big),
    ] {
        rows.push(vec![
            name,
            rps(o),
            String::new(),
            String::new(),
            format!("{:.2} / {:.2}", o.p50_ms(), o.p99_ms()),
            String::new(),
            format!("{:.1}", o.cpu_us()),
            thousands(o.mean_bytes()),
        ]);
    }
    table(
        &mut out,
        &[
            "workload",
            "sandbox req/s",
            "baseline req/s",
            "ratio",
            "sandbox p50 / p99 ms",
            "baseline p50 / p99 ms",
            "server CPU µs/request, sandbox / baseline",
            "response bytes",
        ],
        &rows,
    );
    let _ = writeln!(
        out,
        "\nServer CPU per request is the CPU time the server process used during a \
         measurement (all its threads, from `/proc/PID/task/*/schedstat`) divided by the \
         requests it answered. It hardly depends on what else the machine is doing, so it is \
         the steadiest comparison on a shared machine; its ratio (baseline / sandbox) is the \
         throughput ratio the two would reach if both were CPU-bound."
    );
    let _ =
        writeln!(
        out,
        "\nThe baseline always answers one customer (~{} bytes), so for lists (about 50 customers \
         a page) its ratio is the price of rendering the page, not a target. Lists are asked from \
         the first page and from {} cursors spread over the whole account. The mixed workload \
         spreads 20,000 pre-drawn requests over 1,000 API keys (each its own account): 50% get a \
         customer, 20% create one, 20% create a payment, 10% list.",
        r.rows.first().and_then(|row| row.baseline.as_ref()).map_or(0, Outcome::mean_bytes),
        crate::LIST_CURSORS - 1
    );

    let _ = writeln!(
        out,
        "\n## Latency at a fixed rate: half the sandbox's peak\n"
    );
    let rows: Vec<Vec<String>> = r
        .half_peak
        .iter()
        .map(|h| {
            let (s, b) = (&h.sandbox, &h.baseline);
            vec![
                format!("{} ({})", h.name, h.setup.label()),
                thousands(h.rate as u64),
                format!("{:.2} / {:.2} / {:.2}", s.p50_ms(), s.p99_ms(), s.max_ms()),
                format!("{:.2} / {:.2} / {:.2}", b.p50_ms(), b.p99_ms(), b.max_ms()),
                format!(
                    "{:.0} / {:.0}",
                    s.server_wait_ns as f64 / 1e6,
                    b.server_wait_ns as f64 / 1e6
                ),
                format!(
                    "{:.0} / {:.0}",
                    s.steal_ns as f64 / 1e6,
                    b.steal_ns as f64 / 1e6
                ),
                format!("{:.1} / {:.1}", s.cpu_us(), b.cpu_us()),
            ]
        })
        .collect();
    let _ = writeln!(
        out,
        "Latency counts from when a request was due, so a server that stalls is charged for the \
         requests queued behind the stall. The column *waited for a CPU* is how long the server's threads were \
         ready to run but waited for a CPU held by some other process \
         (`/proc/PID/task/*/schedstat`), over {:.1} s of measurement: on a quiet machine it is \
         near 0, and a stall of a few milliseconds there shows up in the p99. The column after it \
         is CPU time the hypervisor gave to other machines while this one had work (`steal` in \
         `/proc/stat`, both cores; counted in 10 ms ticks): a virtual machine's CPU stopped for \
         a few milliseconds stalls every process on it, and no server here can help that. Below its peak a \
         server spends more CPU per request than at the peak (it is woken for each request \
         instead of finding several waiting), so at half the peak rate it is busier than half \
         the time, and a stall takes longer to catch up on.\n",
        2.0 * s.slice.as_secs_f64()
    );
    table(
        &mut out,
        &[
            "workload",
            "req/s",
            "sandbox p50 / p99 / max ms",
            "baseline p50 / p99 / max ms, same rate",
            "waited for a CPU ms, sandbox / baseline",
            "stolen by the hypervisor ms, sandbox / baseline run",
            "server CPU µs/request, sandbox / baseline",
        ],
        &rows,
    );

    let _ = writeln!(out, "\n## Start to ready\n");
    let _ = writeln!(out, "From starting the binary to the first `200` from `/_sandbox/health` (polled every millisecond).\n");
    let mut rows: Vec<Vec<String>> = r
        .ready
        .iter()
        .map(|(name, t)| {
            vec![
                name.clone(),
                ms(median(t)),
                ms(t.iter().min().copied().unwrap_or_default()),
                ms(t.iter().max().copied().unwrap_or_default()),
                t.len().to_string(),
            ]
        })
        .collect();
    rows.push(vec![
        format!("{big} + 1,000 fixture customers"),
        ms(r.ready_big),
        String::new(),
        String::new(),
        "1".into(),
    ]);
    table(
        &mut out,
        &["fixtures", "median", "min", "max", "runs"],
        &rows,
    );

    let _ = writeln!(out, "\n## Memory\n");
    let _ = writeln!(
        out,
        "Resident memory (`VmRSS`) once ready: {} with the 1,000-customer fixture, {} with {big} \
         customers more: {:.0} bytes per customer.",
        mib(r.rss_before),
        mib(r.rss_after),
        r.rss_after.saturating_sub(r.rss_before) as f64 / s.big as f64
    );
    out.push_str(&r.hardening.markdown());
    // The profile is taken by hand (perf needs the machine's permission and
    // a build with frame pointers); its table is kept beside the script.
    if let Ok(profile) = std::fs::read_to_string("bench/profile/PROFILE.md") {
        let _ = writeln!(out, "\n{}", profile.trim_end());
    }
    out
}

/// The Benchmark section's figures, between the README's markers.
pub fn update_readme(readme: &Path, r: &Results, results: &Path) -> Result<(), String> {
    const START: &str = "<!-- bench:start -->";
    const END: &str = "<!-- bench:end -->";
    let text = std::fs::read_to_string(readme).map_err(|e| format!("{}: {e}", readme.display()))?;
    let (Some(a), Some(b)) = (text.find(START), text.find(END)) else {
        return Err(format!("{}: no {START} … {END} markers", readme.display()));
    };
    let mut block = String::new();
    let _ = writeln!(block, "{START}");
    let _ = writeln!(block, "Latest run: {}", about(r));
    let rows: Vec<Vec<String>> = targets(r).into_iter().map(|r| r.to_vec()).collect();
    table(
        &mut block,
        &["figure", "sandbox", "beside it", "target", ""],
        &rows,
    );
    let ready: Vec<String> = r
        .ready
        .iter()
        .map(|(name, t)| format!("{}: {}", name, ms(median(t))))
        .chain([format!(
            "{} + 1,000 fixture customers: {}",
            thousands(r.settings.big),
            ms(r.ready_big)
        )])
        .collect();
    let _ = writeln!(
        block,
        "\nStart to ready (`/_sandbox/health` answers), median: {}.",
        ready.join("; ")
    );
    let _ = writeln!(
        block,
        "\nAll figures, with latencies: [{}]({}).",
        results.display(),
        results.display()
    );
    block.push_str(END);
    let new = format!("{}{}{}", &text[..a], block, &text[b + END.len()..]);
    std::fs::write(readme, new).map_err(|e| format!("{}: {e}", readme.display()))
}

pub fn json(r: &Results) -> String {
    let o = |o: &Outcome| {
        serde_json::json!({
            "requests": o.requests(), "errors": o.errors, "seconds": o.seconds, "rps": o.rps(),
            "server_cpu_us_per_request": o.cpu_us(),
            "server_wait_ms": o.server_wait_ns as f64 / 1e6,
            "steal_ms": o.steal_ns as f64 / 1e6,
            "p50_ms": o.p50_ms(), "p99_ms": o.p99_ms(), "max_ms": o.max_ms(), "mean_response_bytes": o.mean_bytes(),
        })
    };
    let m = &r.machine;
    let value = serde_json::json!({
        "date": m.date, "commit": m.commit, "quick": r.settings.quick,
        "machine": {"cpu": m.cpu, "cores": m.cores, "memory": m.memory, "kernel": m.kernel,
                    "load_before": m.load, "load_after": r.load_after, "pinned": m.pinned},
        "workloads": r.rows.iter().map(|row| serde_json::json!({
            "name": row.name, "setup": row.setup.label(), "sandbox": o(&row.sandbox),
            "baseline": row.baseline.as_ref().map(o), "ratio_runs": row.ratios, "target": row.target,
        })).collect::<Vec<_>>(),
        "list_1k": o(&r.list_1k), "list_big": o(&r.list_big), "big_customers": r.settings.big,
        "half_peak": r.half_peak.iter().map(|h| serde_json::json!({
            "name": h.name, "setup": h.setup.label(), "rate": h.rate, "sandbox": o(&h.sandbox),
            "baseline": o(&h.baseline), "p99_ms_runs": h.p99s, "target_ms": h.target_ms,
        })).collect::<Vec<_>>(),
        "rss_before_bytes": r.rss_before, "rss_after_bytes": r.rss_after,
        "ready_big_ms": r.ready_big.as_secs_f64() * 1000.0,
        "recurring": {
            "subscriptions": r.recurring.subscriptions,
            "advance_ms": r.recurring.advance.as_secs_f64() * 1000.0,
            "summary": r.recurring.summary,
            "others_rate": r.recurring.rate,
            "others": o(&r.recurring.others),
        },
        "ready_ms": r.ready.iter().map(|(name, t)| serde_json::json!({
            "fixtures": name, "runs": t.iter().map(|d| d.as_secs_f64() * 1000.0).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "hardening": r.hardening.json(),
    });
    serde_json::to_string_pretty(&value).unwrap_or_default()
}
