//! Starting the servers under test (each pinned to its core when asked),
//! timing how long they take to answer, reading their resident memory, and
//! stopping them when done (also when the benchmark fails half-way).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    pub name: String,
    pub addr: SocketAddr,
    child: Child,
    started: Instant,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port that was free a moment ago.
pub fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// Starts `bin args… --port P`, on `core` when given; its log goes to `log`.
pub fn spawn(
    name: &str,
    bin: &Path,
    args: &[String],
    core: Option<usize>,
    log: &Path,
) -> Result<Server, String> {
    let port = free_port()?;
    let mut cmd = match core {
        Some(c) => {
            let mut cmd = Command::new("taskset");
            cmd.arg("-c").arg(c.to_string()).arg(bin);
            cmd
        }
        None => Command::new(bin),
    };
    cmd.args(args).arg("--port").arg(port.to_string());
    let log_file = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log_file);
    let started = Instant::now();
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    Ok(Server {
        name: name.to_owned(),
        addr: SocketAddr::from(([127, 0, 0, 1], port)),
        child,
        started,
    })
}

impl Server {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Polls `GET /_sandbox/health` every millisecond; answers the time from
    /// spawn to the first 200.
    pub fn wait_ready(&mut self, timeout: Duration) -> Result<Duration, String> {
        loop {
            if let Ok((200, _)) = get(self.addr, "/_sandbox/health", None) {
                return Ok(self.started.elapsed());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "{} exited ({status}) before it was ready; see its log",
                    self.name
                ));
            }
            if self.started.elapsed() > timeout {
                return Err(format!("{} not ready after {timeout:?}", self.name));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Sends SIGTERM and waits for the exit, sampling resident memory every
    /// 2 ms: the time to exit and the highest RSS seen.
    pub fn stop_measured(&mut self) -> Result<(Duration, u64), String> {
        let started = Instant::now();
        let killed = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .map_err(|e| e.to_string())?;
        if !killed.success() {
            return Err(format!("cannot signal {}", self.name));
        }
        let mut peak = 0;
        loop {
            if let Ok(rss) = self.rss() {
                peak = peak.max(rss);
            }
            match self.child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok((started.elapsed(), peak)),
                Ok(Some(status)) => return Err(format!("{} exited with {status}", self.name)),
                _ => {}
            }
            if started.elapsed() > Duration::from_secs(300) {
                return Err(format!("{} did not stop within 300 s", self.name));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Resident memory (`VmRSS` in /proc/PID/status), in bytes.
    pub fn rss(&self) -> Result<u64, String> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .map_err(|e| e.to_string())?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
            .ok_or_else(|| "no VmRSS in /proc/PID/status".to_owned())
    }
}

/// One blocking `GET` on a fresh connection: the status and body.
pub fn get(addr: SocketAddr, path: &str, key: Option<&str>) -> Result<(u16, Vec<u8>), String> {
    let mut s =
        TcpStream::connect_timeout(&addr, Duration::from_millis(200)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    let auth = key
        .map(|k| format!("Authorization: Bearer {k}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n"
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
