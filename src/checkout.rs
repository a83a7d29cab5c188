//! `/checkout/...`: the test-mode payment pages that payments link to.
//! The pages themselves arrive with the payment lifecycle; until then the
//! links answer with a plain explanation rather than a bare 404.

use bytes::Bytes;
use hyper::http::request::Parts;
use hyper::StatusCode;

use crate::app::App;
use crate::http::response::{with_type, Resp};

pub fn handle(_app: &App, _parts: &Parts, _body: Bytes, _tls: bool) -> Resp {
    with_type(
        StatusCode::NOT_FOUND,
        "text/html; charset=utf-8",
        "<!doctype html><title>Checkout</title><p>The test-mode checkout page is not available in this version of mollie-sandbox.</p>",
    )
}
