//! Listening and connections: HTTP/1.1 with keep-alive on plain TCP and,
//! when asked, on TLS; a graceful stop that lets requests in flight finish;
//! and the hand-over of a connection to [`crate::faults`] when a scenario
//! breaks it.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::app::{self, App, Outcome};
use crate::faults::{self, Socket};
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
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        crate::sandbox::state::save_on_shutdown(&self.app);
    }
}

#[derive(Clone)]
pub struct Stopper(watch::Sender<bool>);

impl Stopper {
    pub fn stop(&self) {
        let _ = self.0.send(true);
    }
}

pub async fn bind(app: Arc<App>, tls: Option<TlsAcceptor>) -> Result<Server, String> {
    let config = &app.config;
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
    mut stop: watch::Receiver<bool>,
) {
    // Each connection holds a sender; when all are dropped, all are done.
    let (alive, mut all_done) = mpsc::channel::<()>(1);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors and the like: back off, keep serving.
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let app = app.clone();
                let stop = stop.clone();
                let alive = alive.clone();
                match &tls {
                    None => {
                        tokio::spawn(serve_conn(stream, app, false, stop, alive));
                    }
                    Some(acceptor) => {
                        let acceptor = acceptor.clone();
                        tokio::spawn(async move {
                            // A connection still in its handshake has no
                            // request in flight: a stop drops it rather than
                            // waiting out the grace for it.
                            let mut stopped = stop.clone();
                            let handshake = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream));
                            tokio::select! {
                                done = handshake => if let Ok(Ok(stream)) = done {
                                    serve_conn(stream, app, true, stop, alive).await;
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
    let _ = tokio::time::timeout(GRACE, all_done.recv()).await;
}

/// What ended the wait on a connection.
enum Event {
    Done,
    Stop,
    Fault((Fault, Option<Mark>)),
}

async fn serve_conn<IO>(
    io: IO,
    app: Arc<App>,
    tls: bool,
    mut stop: watch::Receiver<bool>,
    _alive: mpsc::Sender<()>,
) where
    IO: Socket,
{
    // A request whose scenario faults the connection reports it here and
    // never completes; this task then takes the socket back from hyper.
    let (fault_tx, mut fault_rx) = mpsc::channel::<(Fault, Option<Mark>)>(1);
    let service = service_fn(move |req| {
        let app = app.clone();
        let fault_tx = fault_tx.clone();
        async move {
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
        .timer(TokioTimer::new())
        .serve_connection(TokioIo::new(io), service);
    if *stop.borrow() {
        Pin::new(&mut conn).graceful_shutdown();
    }
    let event = tokio::select! {
        _ = &mut conn => Event::Done,
        Some(fault) = fault_rx.recv() => Event::Fault(fault),
        _ = stop.changed() => Event::Stop,
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
    let io = conn.into_parts().io.into_inner();
    faults::apply(io, fault, stop).await;
    // A hang's journal entry said how long until the hang began; now it
    // says how long the connection was held, as the client saw it.
    if let Some(mark) = mark {
        mark.finished();
    }
}
