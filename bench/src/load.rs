//! The load generator. Requests are formatted once, up front, as the bytes
//! that go on the wire; each connection writes one, reads the response
//! (status line and headers through `httparse`, then `Content-Length` bytes
//! of body), and records how long that took. No HTTP client library sits in
//! the timed path, so one core of load generator keeps up with a server on
//! the other core (the way wrk does it).
//!
//! Two modes:
//! - closed loop: each connection sends its next request as soon as the last
//!   answer is in. This finds the peak rate.
//! - fixed rate (open loop): request `i` is due at `start + i / rate`, spread
//!   over the connections; its latency counts from when it was *due*, not
//!   from when it was sent, so a stalled server cannot hide its queue
//!   (coordinated omission, as wrk2 corrects for).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One request, ready to write, and the statuses that count as success.
#[derive(Clone)]
pub struct Req {
    pub bytes: Arc<[u8]>,
    pub ok_status: u16,
}

pub fn format(method: &str, path: &str, key: &str, body: Option<&str>) -> Vec<u8> {
    format_as(
        method,
        path,
        &format!("Authorization: Bearer {key}\r\n"),
        body,
    )
}

/// A request whose caller is named by `who`: header lines, each ending in
/// CRLF (an account reference rather than a key, say).
pub fn format_as(method: &str, path: &str, who: &str, body: Option<&str>) -> Vec<u8> {
    let mut out =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{who}Accept: application/json\r\n");
    match body {
        Some(b) => {
            out.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{b}",
                b.len()
            ));
        }
        None => out.push_str("\r\n"),
    }
    out.into_bytes()
}

const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone, Copy)]
pub struct Plan {
    pub connections: usize,
    pub warmup: Duration,
    pub duration: Duration,
    /// Requests per second for a fixed-rate run; `None` is closed loop.
    pub rate: Option<f64>,
}

#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Every measured request's latency in nanoseconds, sorted.
    pub latencies: Vec<u64>,
    /// Responses with another status than expected, and broken connections.
    pub errors: u64,
    pub first_error: Option<String>,
    /// Measured time.
    pub seconds: f64,
    pub response_bytes: u64,
    /// Requests answered, warm-up included.
    pub all_requests: u64,
    /// CPU time the server spent meanwhile (all its threads), warm-up included.
    pub server_cpu_ns: u64,
    /// Time the server's threads were ready to run but waited for a CPU
    /// (another process had it): what a latency spike owes to the machine.
    pub server_wait_ns: u64,
    /// Time the hypervisor ran something else while this machine's CPUs had
    /// work (`steal` in `/proc/stat`, all CPUs): a stall no process here
    /// caused, invisible in `server_wait_ns`.
    pub steal_ns: u64,
}

impl Outcome {
    pub fn requests(&self) -> u64 {
        self.latencies.len() as u64
    }

    pub fn rps(&self) -> f64 {
        if self.seconds > 0.0 {
            self.requests() as f64 / self.seconds
        } else {
            0.0
        }
    }

    pub fn p50_ms(&self) -> f64 {
        percentile(&self.latencies, 0.50)
    }

    pub fn p99_ms(&self) -> f64 {
        percentile(&self.latencies, 0.99)
    }

    pub fn max_ms(&self) -> f64 {
        self.latencies.last().map_or(0.0, |&n| n as f64 / 1e6)
    }

    /// Mean response size in bytes, head included.
    pub fn mean_bytes(&self) -> u64 {
        self.response_bytes
            .checked_div(self.requests())
            .unwrap_or(0)
    }

    /// Server CPU time per request, in microseconds: what the server costs,
    /// whatever else the machine was doing.
    pub fn cpu_us(&self) -> f64 {
        if self.all_requests == 0 {
            return 0.0;
        }
        self.server_cpu_ns as f64 / self.all_requests as f64 / 1000.0
    }

    /// Two measurements of the same thing as one.
    pub fn merge(mut self, other: Outcome) -> Outcome {
        self.latencies.extend(other.latencies);
        self.latencies.sort_unstable();
        self.errors += other.errors;
        self.first_error = self.first_error.or(other.first_error);
        self.seconds += other.seconds;
        self.response_bytes += other.response_bytes;
        self.all_requests += other.all_requests;
        self.server_cpu_ns += other.server_cpu_ns;
        self.server_wait_ns += other.server_wait_ns;
        self.steal_ns += other.steal_ns;
        self
    }
}

fn fail(res: &mut ConnResult, msg: String) {
    res.errors += 1;
    res.first_error.get_or_insert(msg);
}

struct ConnResult {
    latencies: Vec<u64>,
    all: u64,
    errors: u64,
    first_error: Option<String>,
    response_bytes: u64,
}

/// Time every thread of a process has spent on a CPU so far and waiting
/// for one, in nanoseconds (`/proc/PID/task/*/schedstat`, first two fields).
pub fn cpu_ns(pid: u32) -> (u64, u64) {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return (0, 0);
    };
    tasks
        .filter_map(|t| t.ok())
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .map(|s| {
            let mut fields = s.split_whitespace().map(|n| n.parse::<u64>().unwrap_or(0));
            (fields.next().unwrap_or(0), fields.next().unwrap_or(0))
        })
        .fold((0, 0), |(c, w), (c2, w2)| (c + c2, w + w2))
}

/// CPU time stolen from this (virtual) machine so far, all CPUs, in
/// nanoseconds: the eighth number of `/proc/stat`'s `cpu` line, in the
/// kernel's fixed USER_HZ (100) ticks. 0 where there is no such file.
pub fn steal_ns() -> u64 {
    std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("cpu "))?;
            line.split_whitespace().nth(8)?.parse::<u64>().ok()
        })
        .map_or(0, |ticks| ticks * 10_000_000)
}

/// Runs one measurement on a single-threaded runtime: pin the calling
/// process to a core of its own for steady figures. With the server's
/// process id, also counts the CPU time the server spent.
pub fn run(addr: SocketAddr, server_pid: Option<u32>, reqs: &[Req], plan: Plan) -> Outcome {
    let cpu_before = server_pid.map(cpu_ns);
    let steal_before = steal_ns();
    let reqs: Arc<[Req]> = reqs.to_vec().into();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return Outcome {
                errors: 1,
                first_error: Some(format!("runtime: {e}")),
                ..Outcome::default()
            }
        }
    };
    runtime.block_on(async move {
        let start = Instant::now() + Duration::from_millis(20);
        let measure_from = start + plan.warmup;
        let end = measure_from + plan.duration;
        let mut tasks = Vec::with_capacity(plan.connections);
        let mut queues = Vec::new();
        for conn in 0..plan.connections {
            let reqs = reqs.clone();
            let dues = plan.rate.map(|_| {
                let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
                queues.push(tx);
                rx
            });
            tasks.push(tokio::spawn(connection(
                addr,
                reqs,
                conn,
                plan,
                dues,
                start,
                measure_from,
                end,
            )));
        }
        if let Some(rate) = plan.rate {
            tokio::spawn(pace(rate, queues, start, end));
        } else {
            // Closed loop: keep the runtime polling instead of sleeping in
            // epoll_wait, so that a server is not charged for waking the
            // load generator (an IPI per response, which only a server
            // slower than the generator pays).
            tokio::spawn(async move {
                while Instant::now() < end {
                    tokio::task::yield_now().await;
                }
            });
        }
        let mut out = Outcome::default();
        for task in tasks {
            match task.await {
                Ok(r) => {
                    out.latencies.extend(r.latencies);
                    out.all_requests += r.all;
                    out.errors += r.errors;
                    out.response_bytes += r.response_bytes;
                    if out.first_error.is_none() {
                        out.first_error = r.first_error;
                    }
                }
                Err(e) => {
                    out.errors += 1;
                    out.first_error.get_or_insert_with(|| e.to_string());
                }
            }
        }
        out.latencies.sort_unstable();
        out.seconds = plan.duration.as_secs_f64();
        out.steal_ns = steal_ns().saturating_sub(steal_before);
        if let (Some(pid), Some(before)) = (server_pid, cpu_before) {
            let after = cpu_ns(pid);
            out.server_cpu_ns = after.0.saturating_sub(before.0);
            out.server_wait_ns = after.1.saturating_sub(before.1);
        }
        out
    })
}

/// Nearest rank, in milliseconds.
fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1] as f64 / 1e6
}

/// Fixed rate: request `i` is due at `start + i / rate` and goes to
/// connection `i mod n`'s queue. The pacer spins (yielding to the
/// connections and the socket events between two looks at the clock) rather
/// than sleeping on the runtime's millisecond timer, so requests go out
/// within microseconds of when they are due, evenly spaced, not in bursts at
/// each millisecond. A connection still busy when its next request is due
/// lets it wait in its queue, and that wait counts in the latency.
async fn pace(
    rate: f64,
    queues: Vec<tokio::sync::mpsc::UnboundedSender<Instant>>,
    start: Instant,
    end: Instant,
) {
    let mut i: u64 = 0;
    loop {
        let due = start + Duration::from_secs_f64(i as f64 / rate);
        if due >= end {
            return;
        }
        let now = Instant::now();
        if due > now + Duration::from_millis(2) {
            tokio::time::sleep_until((due - Duration::from_millis(1)).into()).await;
        }
        while Instant::now() < due {
            tokio::task::yield_now().await;
        }
        let _ = queues[i as usize % queues.len()].send(due);
        i += 1;
    }
}

#[allow(clippy::too_many_arguments)]
async fn connection(
    addr: SocketAddr,
    reqs: Arc<[Req]>,
    conn: usize,
    plan: Plan,
    mut dues: Option<tokio::sync::mpsc::UnboundedReceiver<Instant>>,
    start: Instant,
    measure_from: Instant,
    end: Instant,
) -> ConnResult {
    let mut res = ConnResult {
        latencies: Vec::with_capacity(4096),
        all: 0,
        errors: 0,
        first_error: None,
        response_bytes: 0,
    };
    let mut stream: Option<TcpStream> = None;
    let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
    // Connections start at different places in the request list.
    let mut next = conn * reqs.len() / plan.connections.max(1);
    tokio::time::sleep_until(start.into()).await;
    loop {
        let due = match dues.as_mut() {
            None => Instant::now(),
            Some(queue) => match queue.recv().await {
                Some(due) => due,
                None => break,
            },
        };
        if due >= end {
            break;
        }
        let req = &reqs[next % reqs.len()];
        next += 1;
        if stream.is_none() {
            match TcpStream::connect(addr).await {
                Ok(s) => {
                    let _ = s.set_nodelay(true);
                    stream = Some(s);
                }
                Err(e) => {
                    fail(&mut res, format!("connect {addr}: {e}"));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            }
        }
        let Some(s) = stream.as_mut() else { continue };
        // A server that stops answering fails the run instead of hanging it.
        let answer = tokio::time::timeout(REQUEST_TIMEOUT, exchange(s, &req.bytes, &mut buf))
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {REQUEST_TIMEOUT:?}")));
        match answer {
            Ok((status, head_len)) => {
                let done = Instant::now();
                res.all += 1;
                if due >= measure_from {
                    res.latencies.push((done - due).as_nanos() as u64);
                    res.response_bytes += buf.len() as u64;
                    if status != req.ok_status {
                        let body = &buf[head_len..];
                        let body =
                            String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
                        fail(
                            &mut res,
                            format!("status {status} (expected {}): {body}", req.ok_status),
                        );
                    }
                }
            }
            Err(e) => {
                fail(&mut res, e);
                stream = None;
            }
        }
    }
    res
}

/// Writes one request, reads one response into `buf`; answers the status
/// and the length of the head (the body follows it).
async fn exchange(
    s: &mut TcpStream,
    req: &[u8],
    buf: &mut Vec<u8>,
) -> Result<(u16, usize), String> {
    s.write_all(req).await.map_err(|e| format!("write: {e}"))?;
    buf.clear();
    loop {
        let (status, head_len, body_len) = {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut resp = httparse::Response::new(&mut headers);
            match resp.parse(buf) {
                Ok(httparse::Status::Complete(head_len)) => {
                    let status = resp.code.unwrap_or(0);
                    let len = resp
                        .headers
                        .iter()
                        .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                        .and_then(|h| std::str::from_utf8(h.value).ok())
                        .and_then(|v| v.trim().parse::<usize>().ok());
                    match len {
                        Some(len) => (status, head_len, len),
                        None if status == 204 || status == 304 => (status, head_len, 0),
                        None => return Err(format!("status {status} without Content-Length")),
                    }
                }
                Ok(httparse::Status::Partial) => {
                    read_more(s, buf).await?;
                    continue;
                }
                Err(e) => return Err(format!("bad response: {e}")),
            }
        };
        while buf.len() < head_len + body_len {
            read_more(s, buf).await?;
        }
        if buf.len() > head_len + body_len {
            return Err("more bytes than one response".into());
        }
        return Ok((status, head_len));
    }
}

async fn read_more(s: &mut TcpStream, buf: &mut Vec<u8>) -> Result<(), String> {
    if buf.capacity() - buf.len() < 16 * 1024 {
        buf.reserve(64 * 1024);
    }
    match s.read_buf(buf).await {
        Ok(0) => Err("connection closed by the server".into()),
        Ok(_) => Ok(()),
        Err(e) => Err(format!("read: {e}")),
    }
}
