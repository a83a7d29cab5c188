//! The benchmark's baseline: the least a hyper 1 server can do per request.
//! It reads the request body (as the sandbox must) and answers every request
//! with the same customer-sized HAL JSON body. Same stack as the sandbox
//! (tokio multi-thread runtime, hyper http1, keep-alive, TCP_NODELAY), so the
//! sandbox's figures divided by these are the cost of the sandbox's own work.
//!
//! `bare-hyper-baseline --port PORT [--body-file FILE]`

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// What the sandbox answers for a customer, give or take a few bytes.
const DEFAULT_BODY: &str = r#"{"resource":"customer","id":"cst_8wmqcHMN4U","mode":"test","name":"Customer 000500","email":"customer000500@example.org","locale":"nl_NL","metadata":{"ref":"bench-000500"},"createdAt":"2024-01-01T00:08:20+00:00","_links":{"self":{"href":"http://127.0.0.1:8080/v2/customers/cst_8wmqcHMN4U","type":"application/hal+json"},"dashboard":{"href":"http://127.0.0.1:8080/_sandbox/dashboard/customers/cst_8wmqcHMN4U","type":"text/html"},"documentation":{"href":"https://docs.mollie.com/reference/v2/customers-api/get-customer","type":"text/html"}}}"#;

fn main() {
    let mut port: u16 = 0;
    let mut body = Bytes::from_static(DEFAULT_BODY.as_bytes());
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next();
        match (arg.as_str(), value) {
            ("--port", Some(v)) => {
                port = v
                    .parse()
                    .unwrap_or_else(|_| fail("--port: not a port number"))
            }
            ("--body-file", Some(v)) => {
                body = Bytes::from(std::fs::read(&v).unwrap_or_else(|e| fail(&format!("{v}: {e}"))))
            }
            _ => fail("usage: bare-hyper-baseline --port PORT [--body-file FILE]"),
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(&e.to_string()));
    runtime.block_on(serve(SocketAddr::from(([127, 0, 0, 1], port)), body));
}

fn fail(msg: &str) -> ! {
    eprintln!("bare-hyper-baseline: {msg}");
    std::process::exit(2)
}

async fn serve(addr: SocketAddr, body: Bytes) {
    let listener = TcpListener::bind(addr)
        .await
        .unwrap_or_else(|e| fail(&format!("cannot listen on {addr}: {e}")));
    if let Ok(local) = listener.local_addr() {
        eprintln!("bare-hyper-baseline listening on http://{local}");
    }
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let body = body.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req: Request<Incoming>| {
                let body = body.clone();
                async move {
                    // Read what was sent, as any real handler of a POST must.
                    let _ = req.into_body().collect().await;
                    let mut resp = Response::new(Full::new(body));
                    resp.headers_mut().insert(
                        CONTENT_TYPE,
                        HeaderValue::from_static("application/hal+json"),
                    );
                    Ok::<_, Infallible>(resp)
                }
            });
            let _ = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
