//! Mollie's error body on the answers hyper writes by itself. A request
//! hyper cannot parse (a malformed request line or header: 400; a URI over
//! its 64 KiB limit: 414; a head over its buffer or with too many headers:
//! 431) never reaches the service: hyper writes a bodiless response and
//! closes. hyper has no hook for that response, so the connection's stream
//! is wrapped: a write that is exactly such an automatic answer is replaced
//! by the same status with the Mollie-shaped JSON body every other error has.
//! Every other write passes through untouched.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::error::ApiError;

/// The detail of a 431, hyper's or [`head_too_large`]'s.
pub const HEAD_TOO_LARGE: &str =
    "The request headers are too large, or there are too many of them.";

/// The most bytes of request target and headers a request may have.
/// hyper's own bound (its read buffer, about 408 KiB) holds only for a
/// head still incomplete when the buffer fills: one large read can take
/// in a bigger head whole, and hyper then serves it. Counted again here,
/// below hyper's bound, every head over this gets the 431, whatever the
/// reads were.
pub const MAX_HEAD: usize = 400 * 1024;

/// Whether the request's target and headers (names, values and their
/// separators) come to more than [`MAX_HEAD`].
pub fn head_too_large(parts: &hyper::http::request::Parts) -> bool {
    let target = parts.uri.path_and_query().map_or(0, |p| p.as_str().len())
        + parts.uri.authority().map_or(0, |a| a.as_str().len());
    let headers: usize = parts
        .headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    target + headers > MAX_HEAD
}

/// A stream whose automatic parse-error answers get Mollie's body.
pub struct MollieParseErrors<IO> {
    io: IO,
    /// A replacement being written, how much of it is out, and how long
    /// hyper's original was (what the write reports once done).
    pending: Option<(Vec<u8>, usize, usize)>,
}

impl<IO> MollieParseErrors<IO> {
    pub fn new(io: IO) -> Self {
        MollieParseErrors { io, pending: None }
    }

    pub fn into_inner(self) -> IO {
        self.io
    }
}

/// hyper's automatic answers look exactly like this (see hyper's
/// `Server::on_error`): a status line, `connection: close`,
/// `content-length: 0`, a date, and nothing after the head.
fn replacement(buf: &[u8]) -> Option<Vec<u8>> {
    let (status, detail) = match buf.get(..13)? {
        b"HTTP/1.1 400 " => (
            400,
            "The request could not be parsed: its request line or a header is malformed.",
        ),
        b"HTTP/1.1 414 " => (414, "The request URI is too long."),
        b"HTTP/1.1 431 " => (431, HEAD_TOO_LARGE),
        _ => return None,
    };
    let head = std::str::from_utf8(buf).ok()?;
    let (head, rest) = head.split_once("\r\n\r\n")?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let mut date = None;
    let (mut close, mut empty) = (false, false);
    for line in lines {
        match line.split_once(": ")? {
            ("connection", "close") => close = true,
            ("content-length", "0") => empty = true,
            ("date", d) => date = Some(d),
            _ => return None,
        }
    }
    if !(rest.is_empty() && close && empty) {
        return None;
    }
    let body = ApiError::new(status, detail).body();
    let mut out = format!(
        "{status_line}\r\nconnection: close\r\ncontent-type: application/hal+json\r\ncontent-length: {}\r\n",
        body.len()
    );
    if let Some(d) = date {
        out.push_str("date: ");
        out.push_str(d);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(&body);
    Some(out)
}

impl<IO: AsyncRead + Unpin> AsyncRead for MollieParseErrors<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for MollieParseErrors<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.pending.is_none() {
            match replacement(buf) {
                Some(out) => this.pending = Some((out, 0, buf.len())),
                None => return Pin::new(&mut this.io).poll_write(cx, buf),
            }
        }
        let Some((out, written, original)) = this.pending.as_mut() else {
            return Poll::Ready(Ok(0));
        };
        while *written < out.len() {
            let n = ready!(Pin::new(&mut this.io).poll_write(cx, &out[*written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *written += n;
        }
        let original = *original;
        this.pending = None;
        Poll::Ready(Ok(original))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hyper_automatic_answers_are_replaced() {
        let auto = b"HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\ndate: Tue, 01 Dec 2026 05:17:15 GMT\r\n\r\n";
        let out = String::from_utf8(replacement(auto).unwrap()).unwrap();
        let (head, body) = out.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        assert!(head.contains("content-type: application/hal+json"));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        assert!(head.contains("date: Tue, 01 Dec 2026 05:17:15 GMT"));
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["status"], 431);
        // An answer of the service itself, even a bodiless one, is left alone.
        assert!(
            replacement(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 3\r\n\r\n{}\n").is_none()
        );
        assert!(replacement(b"HTTP/1.1 204 No Content\r\ndate: x\r\n\r\n").is_none());
        assert!(replacement(b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\nx-other: 1\r\n\r\n").is_none());
    }
}
