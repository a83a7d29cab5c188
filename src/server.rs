//! Listening and connections: HTTP/1.1 with keep-alive on plain TCP and,
//! when asked, on TLS; a graceful stop that lets requests in flight finish;
//! and the hand-over of a connection to [`crate::faults`] when a scenario
//! breaks it.
//!
//! Connections are bounded so that a new client is always served: headers
//! and idle keep-alive time have `--idle-timeout-secs`, a body
//! `--body-timeout-secs` (see [`crate::app::read_body`]), and at most
//! [`Limit`] connections are open, below the file-descriptor limit. At the
//! limit, idle keep-alive connections are told to close and accepting waits
//! for a free slot (logged).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::app::{self, App, Outcome};
use crate::faults::{self, Socket};
use crate::http::parse_errors::MollieParseErrors;
use crate::journal::Mark;
use crate::scenario::Fault;

/// How long a stop waits for requests in flight.
pub const GRACE: Duration = Duration::from_millis(900);

pub struct Server {
    pub addr: SocketAddr,
    pub tls_addr: Option<SocketAddr>,
    pub app: Arc<App>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Server {
    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `https://localhost:PORT`, when HTTPS is on.
    pub fn tls_url(&self) -> Option<String> {
        self.tls_addr
            .map(|a| format!("https://localhost:{}", a.port()))
    }

    /// Runs a background task (webhook worker, expiry sweep) until the server
    /// stops: it gets the stop signal, and [`Server::shutdown`] waits for it.
    pub fn spawn_background<F, Fut>(&mut self, task: F)
    where
        F: FnOnce(watch::Receiver<bool>) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let stop = self.stop.subscribe();
        self.tasks.push(tokio::spawn(task(stop)));
    }

    /// A handle that stops the server from elsewhere (a signal handler, a test).
    pub fn stopper(&self) -> Stopper {
        Stopper(self.stop.clone())
    }

    /// Stops accepting, lets requests in flight finish (up to [`GRACE`]),
    /// closes idle keep-alive connections, and returns.
    pub async fn shutdown(self) {
        let _ = self.stop_and_save().await;
    }

    /// [`Server::shutdown`], then the `--state-file` written: an error when
    /// it could not be (the process should then exit non-zero).
    pub async fn stop_and_save(self) -> Result<(), String> {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        crate::sandbox::state::save_on_shutdown(&self.app)
    }
}

#[derive(Clone)]
pub struct Stopper(watch::Sender<bool>);

impl Stopper {
    pub fn stop(&self) {
        let _ = self.0.send(true);
    }
}

/// File descriptors kept for what is not a client connection: listeners,
/// webhook deliveries, the state file, logs.
pub const FD_RESERVE: u64 = 256;
/// At the connection limit, a connection that has not sent a request yet is
/// closed only when it is at least this old.
pub const SHED_AFTER: Duration = Duration::from_secs(1);
/// The automatic connection limit never goes past this.
pub const MAX_AUTO_CONNECTIONS: u64 = 16_384;

/// The bound on open client connections, shared by the HTTP and HTTPS
/// listeners: a permit per connection, and a signal that asks idle
/// connections to close when none is left.
#[derive(Clone)]
pub struct Limit {
    pub max: usize,
    permits: Arc<Semaphore>,
    /// Counts the times the limit was reached; each connection watches it
    /// from its accept on, so none misses a call.
    shed: Arc<watch::Sender<u64>>,
}

impl Limit {
    pub fn new(max: usize) -> Limit {
        Limit {
            max,
            permits: Arc::new(Semaphore::new(max)),
            shed: Arc::new(watch::Sender::new(0)),
        }
    }

    /// A slot for the next connection. When none is free, idle connections
    /// are asked to close and this waits for one to end.
    async fn slot(&self, warned: &mut Option<std::time::Instant>) -> Option<OwnedSemaphorePermit> {
        if let Ok(permit) = self.permits.clone().try_acquire_owned() {
            return Some(permit);
        }
        if warned.is_none_or(|at| at.elapsed() > Duration::from_secs(10)) {
            tracing::warn!(
                "{} connections open, the limit (--max-connections): closing idle \
                 keep-alive connections; new ones wait for a free slot",
                self.max
            );
            *warned = Some(std::time::Instant::now());
        }
        // Asked again every SHED_AFTER: connections too new to close at
        // the first call may be closed at the next.
        loop {
            self.shed.send_modify(|n| *n += 1);
            tokio::select! {
                permit = self.permits.clone().acquire_owned() => return permit.ok(),
                _ = tokio::time::sleep(SHED_AFTER) => {}
            }
        }
    }
}

/// The connection limit: `configured`, or the file-descriptor limit (the
/// soft one first raised to the hard one) less [`FD_RESERVE`], at most
/// [`MAX_AUTO_CONNECTIONS`] and at least 16.
pub fn connection_limit(configured: usize) -> usize {
    if configured > 0 {
        return configured;
    }
    let fds = raise_fd_limit().unwrap_or(1024);
    usize::try_from(
        fds.saturating_sub(FD_RESERVE)
            .clamp(16, MAX_AUTO_CONNECTIONS),
    )
    .unwrap_or(16)
}

/// Raises the soft RLIMIT_NOFILE to the hard one; returns the soft limit in force.
#[cfg(unix)]
fn raise_fd_limit() -> Option<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct we own.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return None;
        }
        if lim.rlim_cur < lim.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                lim = raised;
            }
        }
    }
    // rlim_t is u64 on Linux, not on every unix.
    #[allow(clippy::unnecessary_cast)]
    Some(lim.rlim_cur as u64)
}

#[cfg(not(unix))]
fn raise_fd_limit() -> Option<u64> {
    None
}

pub async fn bind(app: Arc<App>, tls: Option<TlsAcceptor>) -> Result<Server, String> {
    let config = &app.config;
    let limit = Limit::new(connection_limit(config.max_connections));
    tracing::debug!(max = limit.max, "connection limit");
    let addr = format!("{}:{}", config.host, config.port);
    let listener = TcpListener::bind(&addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let (stop, stop_rx) = watch::channel(false);
    let mut tasks = vec![tokio::spawn(accept_loop(
        listener,
        app.clone(),
        None,
        limit.clone(),
        stop_rx.clone(),
    ))];
    let mut tls_addr = None;
    if let (Some(port), Some(acceptor)) = (config.tls_port, tls) {
        let addr = format!("{}:{}", config.host, port);
        let listener = TcpListener::bind(&addr)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        tls_addr = Some(listener.local_addr().map_err(|e| e.to_string())?);
        tasks.push(tokio::spawn(accept_loop(
            listener,
            app.clone(),
            Some(acceptor),
            limit,
            stop_rx,
        )));
    }
    Ok(Server {
        addr: local,
        tls_addr,
        app,
        stop,
        tasks,
    })
}

async fn accept_loop(
    listener: TcpListener,
    app: Arc<App>,
    tls: Option<TlsAcceptor>,
    limit: Limit,
    mut stop: watch::Receiver<bool>,
) {
    // Each connection holds a sender; when all are dropped, all are done.
    let (alive, mut all_done) = mpsc::channel::<()>(1);
    let mut warned = None;
    loop {
        let permit = tokio::select! {
            permit = limit.slot(&mut warned) => permit,
            _ = stop.changed() => break,
        };
        let Some(permit) = permit else { break };
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors and the like: back off, keep serving.
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let conn = Conn {
                    app: app.clone(),
                    stop: stop.clone(),
                    shed: limit.shed.subscribe(),
                    _alive: alive.clone(),
                    _permit: permit,
                };
                match &tls {
                    None => {
                        tokio::spawn(serve_conn(stream, false, conn));
                    }
                    Some(acceptor) => {
                        let acceptor = acceptor.clone();
                        let handshake = conn.app.config.idle_timeout().min(Duration::from_secs(10));
                        tokio::spawn(async move {
                            // A connection still in its handshake has no
                            // request in flight: a stop drops it rather than
                            // waiting out the grace for it.
                            let mut stopped = conn.stop.clone();
                            let handshake = tokio::time::timeout(handshake, acceptor.accept(stream));
                            tokio::select! {
                                done = handshake => if let Ok(Ok(stream)) = done {
                                    serve_conn(stream, true, conn).await;
                                },
                                _ = async { let _ = stopped.wait_for(|s| *s).await; } => {}
                            }
                        });
                    }
                }
            }
            _ = stop.changed() => break,
        }
    }
    drop(listener);
    drop(alive);
    // Connections watch one signal, the limit's, not the stop as well
    // (a second watch polled on every request): told here, each finds the
    // stop set when it looks.
    limit.shed.send_modify(|n| *n += 1);
    let _ = tokio::time::timeout(GRACE, all_done.recv()).await;
}

/// What ended the wait on a connection.
enum Event {
    Done,
    Stop,
    Fault((Fault, Option<Mark>)),
}

/// What a connection's task holds besides its socket.
struct Conn {
    app: Arc<App>,
    stop: watch::Receiver<bool>,
    /// Changes when the connection limit is reached (an idle connection
    /// closes) and when the server stops.
    shed: watch::Receiver<u64>,
    /// Dropped with the task: the stop waits for every one.
    _alive: mpsc::Sender<()>,
    /// The connection's slot under the limit, freed with the task.
    _permit: OwnedSemaphorePermit,
}

/// What every request of a connection uses, behind one count of the
/// connection's own: a request cloned the server-wide `App` (a count every
/// core writes), the fault sender and the activity before.
struct PerConn {
    app: Arc<App>,
    fault_tx: mpsc::Sender<(Fault, Option<Mark>)>,
    activity: Activity,
    accepted: tokio::time::Instant,
}

/// What a connection's requests tell its task, for the idle timeout and
/// the connection limit: whether one was ever asked, how many are in
/// flight, and when the last one ended (milliseconds after the accept).
#[derive(Default)]
struct Activity {
    asked: AtomicBool,
    in_flight: AtomicU32,
    last_done_ms: AtomicU64,
}

impl Activity {
    fn begin(&self, accepted: tokio::time::Instant) -> InService<'_> {
        self.asked.store(true, Ordering::Relaxed);
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InService {
            activity: self,
            accepted,
        }
    }

    fn asked(&self) -> bool {
        self.asked.load(Ordering::Relaxed)
    }

    /// When the connection will have been idle for `timeout`, or `None`
    /// if it has been already. A request in flight is not idle time.
    fn idle_until(
        &self,
        accepted: tokio::time::Instant,
        timeout: Duration,
    ) -> Option<tokio::time::Instant> {
        let now = tokio::time::Instant::now();
        if self.in_flight.load(Ordering::Relaxed) > 0 {
            return Some(now + timeout);
        }
        let last = accepted + Duration::from_millis(self.last_done_ms.load(Ordering::Relaxed));
        let deadline = last + timeout;
        (deadline > now).then_some(deadline)
    }
}

/// A request in flight; its end (or its drop, when the client went away)
/// starts the idle time again.
struct InService<'a> {
    activity: &'a Activity,
    accepted: tokio::time::Instant,
}

impl Drop for InService<'_> {
    fn drop(&mut self) {
        let ms = u64::try_from(self.accepted.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.activity.last_done_ms.fetch_max(ms, Ordering::Relaxed);
        self.activity.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

async fn serve_conn<IO>(io: IO, tls: bool, conn_state: Conn)
where
    IO: Socket,
{
    let Conn {
        app,
        stop,
        mut shed,
        _alive,
        _permit,
    } = conn_state;
    let idle_timeout = app.config.idle_timeout();
    // A request whose scenario faults the connection reports it here and
    // never completes; this task then takes the socket back from hyper.
    let (fault_tx, mut fault_rx) = mpsc::channel::<(Fault, Option<Mark>)>(1);
    let accepted = tokio::time::Instant::now();
    let per_conn = Arc::new(PerConn {
        app,
        fault_tx,
        activity: Activity::default(),
        accepted,
    });
    let this_conn = per_conn.clone();
    let activity = &this_conn.activity;
    let service = service_fn(move |req| {
        let per_conn = per_conn.clone();
        async move {
            let PerConn {
                app,
                fault_tx,
                activity,
                accepted,
            } = &*per_conn;
            let _request = activity.begin(*accepted);
            match app::handle(app, req, tls).await {
                Outcome::Respond(resp) => Ok::<_, Infallible>(resp.into_hyper()),
                Outcome::Fault(fault, mark) => {
                    let _ = fault_tx.send((fault, mark)).await;
                    std::future::pending().await
                }
            }
        }
    });
    let mut conn = http1::Builder::new()
        .keep_alive(true)
        // Head and body in one buffer, one write(2): cheaper than writev
        // with two pieces for bodies of the API's sizes (measured: GET
        // customer and list pages both ~3% less CPU per request).
        .writev(false)
        .serve_connection(TokioIo::new(MollieParseErrors::new(io)), service);
    if *stop.borrow() {
        Pin::new(&mut conn).graceful_shutdown();
    }
    // The header and keep-alive idle timeout: one timer for the whole
    // connection, moved on only when it fires, instead of hyper's
    // header_read_timeout, which armed and dropped a boxed timer on every
    // request (more than a thousand instructions each).
    let mut idle = std::pin::pin!(tokio::time::sleep_until(accepted + idle_timeout));
    let event = loop {
        tokio::select! {
            // The connection first and no random start: it is what wakes
            // this task on nearly every poll.
            biased;
            _ = &mut conn => break Event::Done,
            Some(fault) = fault_rx.recv() => break Event::Fault(fault),
            // At the stop, or at the limit: then an idle connection closes
            // at once, a busy one after its request. One that has sent no
            // request yet may be about to: it is closed once it has had
            // its chance (SHED_AFTER).
            Ok(()) = shed.changed() => {
                if *stop.borrow() || activity.asked() || accepted.elapsed() >= SHED_AFTER {
                    break Event::Stop;
                }
            }
            () = &mut idle => match activity.idle_until(accepted, idle_timeout) {
                Some(deadline) => idle.as_mut().reset(deadline),
                // No request in flight and none for the whole timeout:
                // closed, as hyper closes a head that does not come.
                None => return,
            },
        }
    };
    let (fault, mark) = match event {
        Event::Done => return,
        Event::Fault(fault) => fault,
        Event::Stop => {
            Pin::new(&mut conn).graceful_shutdown();
            tokio::select! {
                _ = &mut conn => return,
                Some(fault) = fault_rx.recv() => fault,
            }
        }
    };
    let io = conn.into_parts().io.into_inner().into_inner();
    faults::apply(io, fault, stop).await;
    // A hang's journal entry said how long until the hang began; now it
    // says how long the connection was held, as the client saw it.
    if let Some(mark) = mark {
        mark.finished();
    }
}
