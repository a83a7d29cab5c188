//! Mollie-shaped errors. Every failure a handler can produce is an [`ApiError`]
//! value; [`ApiError::into_response`] is the single place that turns one into
//! the `{"status","title","detail","field","_links"}` body.

use std::borrow::Cow;

use bytes::Bytes;
use hyper::header::{HeaderName, HeaderValue};
use hyper::StatusCode;
use serde::Serialize;

use crate::http::response::{hal_response, Resp};
use crate::views::Link;

pub const DOC_ERRORS: &str = "https://docs.mollie.com/overview/handling-errors";
pub const DOC_AUTH: &str = "https://docs.mollie.com/overview/authentication";
pub const DOC_IDEMPOTENCY: &str = "https://docs.mollie.com/overview/api-idempotency";

pub type Result<T, E = ApiError> = std::result::Result<T, E>;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: u16,
    pub detail: Cow<'static, str>,
    pub field: Option<Cow<'static, str>>,
    pub documentation: Cow<'static, str>,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

/// HTTP reason phrases as Mollie writes them in `title` (401 differs from the RFC).
pub fn title_for(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        410 => "Gone",
        413 => "Request Entity Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error"),
    }
}

impl ApiError {
    pub fn new(status: u16, detail: impl Into<Cow<'static, str>>) -> Self {
        ApiError {
            status,
            detail: detail.into(),
            field: None,
            documentation: Cow::Borrowed(DOC_ERRORS),
            headers: Vec::new(),
        }
    }

    pub fn with_field(mut self, field: impl Into<Cow<'static, str>>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn with_doc(mut self, href: impl Into<Cow<'static, str>>) -> Self {
        self.documentation = href.into();
        self
    }

    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    pub fn bad_request(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(400, detail)
    }

    pub fn unprocessable(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(422, detail)
    }

    pub fn unauthorized() -> Self {
        Self::new(401, "Missing authentication, or failed to authenticate").with_doc(DOC_AUTH)
    }

    pub fn not_found(kind: &str, id: &str) -> Self {
        Self::new(404, format!("No {kind} exists with token {id}."))
    }

    pub fn gone(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(410, detail)
    }

    pub fn unknown_body_field(name: &str) -> Self {
        Self::unprocessable(format!(
            "Non-existent body parameter \"{name}\" for this API call."
        ))
        .with_field(name.to_owned())
    }

    pub fn unknown_query_field(name: &str) -> Self {
        Self::unprocessable(format!(
            "Non-existent query parameter \"{name}\" for this API call."
        ))
        .with_field(name.to_owned())
    }

    pub fn body(&self) -> Vec<u8> {
        #[derive(Serialize)]
        struct Body<'a> {
            status: u16,
            title: &'a str,
            detail: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            field: Option<&'a str>,
            _links: Links<'a>,
        }
        #[derive(Serialize)]
        struct Links<'a> {
            documentation: Link<'a>,
        }
        let body = Body {
            status: self.status,
            title: title_for(self.status),
            detail: &self.detail,
            field: self.field.as_deref(),
            _links: Links {
                documentation: Link::html(self.documentation.as_ref()),
            },
        };
        // Serialising plain strings and integers cannot fail.
        serde_json::to_vec(&body).unwrap_or_default()
    }

    pub fn into_response(self) -> Resp {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        let mut resp = hal_response(status, Bytes::from(self.body()));
        for (name, value) in self.headers {
            resp = resp.header(name, value);
        }
        resp
    }
}
