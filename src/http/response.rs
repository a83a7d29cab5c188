//! What handlers answer: a status, headers and a complete body. Kept apart
//! from hyper's `Response` so that a body can be stored (idempotency) or
//! inspected (journal) before it goes out.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use hyper::{Response, StatusCode};

pub const HAL_JSON: HeaderValue = HeaderValue::from_static("application/hal+json");

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Resp {
    pub fn new(status: StatusCode, content_type: HeaderValue, body: impl Into<Bytes>) -> Resp {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, content_type);
        Resp {
            status,
            headers,
            body: body.into(),
        }
    }

    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Resp {
        self.headers.append(name, value);
        self
    }

    pub fn into_hyper(self) -> Response<Full<Bytes>> {
        let mut resp = Response::new(Full::new(self.body));
        *resp.status_mut() = self.status;
        *resp.headers_mut() = self.headers;
        resp
    }
}

pub fn hal_response(status: StatusCode, body: impl Into<Bytes>) -> Resp {
    Resp::new(status, HAL_JSON, body)
}

pub fn no_content() -> Resp {
    Resp {
        status: StatusCode::NO_CONTENT,
        headers: HeaderMap::new(),
        body: Bytes::new(),
    }
}

pub fn with_type(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Resp {
    Resp::new(status, HeaderValue::from_static(content_type), body)
}

pub fn json_value(status: StatusCode, value: &serde_json::Value) -> Resp {
    with_type(
        status,
        "application/json",
        serde_json::to_vec(value).unwrap_or_default(),
    )
}
