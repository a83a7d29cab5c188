//! Connection faults, carried out on the raw socket once hyper has let go of
//! it: a TCP reset, a hang until the client gives up, bytes that are not
//! HTTP, or a close without a reply.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

use crate::scenario::Fault;

/// What a faulted connection answers with `garbage`: no HTTP status line.
pub const GARBAGE: &[u8] =
    b"\x00\x13\x37 mollie-sandbox: garbage instead of an HTTP response \xff\xfe\r\n\r\n";

/// A connection's stream and the TCP socket under it.
pub trait Socket: AsyncRead + AsyncWrite + Unpin + Send + 'static {
    fn tcp(&self) -> &TcpStream;
}

impl Socket for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

impl Socket for tokio_rustls::server::TlsStream<TcpStream> {
    fn tcp(&self) -> &TcpStream {
        self.get_ref().0
    }
}

pub async fn apply<IO: Socket>(mut io: IO, fault: Fault, mut stop: watch::Receiver<bool>) {
    match fault {
        Fault::Reset => {
            // SO_LINGER 0 makes close send RST instead of FIN; with a zero
            // timeout the close does not block, which is what tokio warns of.
            #[allow(deprecated)]
            let _ = io.tcp().set_linger(Some(Duration::ZERO));
            drop(io);
        }
        Fault::Empty => {
            let _ = io.shutdown().await;
        }
        Fault::Garbage => {
            let _ = io.write_all(GARBAGE).await;
            let _ = io.flush().await;
            let _ = io.shutdown().await;
        }
        Fault::Hang => {
            // Swallow whatever the client still sends until it closes, or
            // the server stops.
            let mut buf = [0u8; 4096];
            loop {
                tokio::select! {
                    read = io.read(&mut buf) => match read {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {}
                    },
                    _ = stop.wait_for(|stopped| *stopped) => break,
                }
            }
        }
    }
}
