//! The QA console at `/_sandbox/`: see and steer one account from a
//! browser. The page ([`shell`]) and its assets are static; each panel is
//! HTML rendered here on request, for the account named by the request's
//! `Authorization` key (or `X-Sandbox-Account` reference), and the page's
//! script puts it in place. Buttons call the documented `/_sandbox/` API
//! ([`actions`]). One file per panel; resource tables in [`resources`].

mod accounts;
mod actions;
mod after_sales;
mod html;
mod journal;
mod payment;
mod profile;
mod resources;
mod scenarios;
mod shell;
mod subscription;
mod tools;
mod webhooks;

use hyper::http::request::Parts;
use hyper::{Method, StatusCode};

use crate::app::App;
use crate::error::{ApiError, Result};
use crate::http::request::Query;
use crate::http::response::{json_value, with_type, Resp};
use crate::sandbox::access::require_admin;
use crate::sandbox::control::caller;

const SCRIPT: &str = include_str!("assets/console.js");
const STYLE: &str = include_str!("assets/console.css");

/// The console's routes, or `None` for a path it does not own.
pub fn route(app: &App, parts: &Parts, segments: &[&str], tls: bool) -> Option<Resp> {
    let ours = matches!(segments, [] | ["accounts"] | ["console", ..]);
    if !ours {
        return None;
    }
    if parts.method != Method::GET {
        return Some(crate::api::not_allowed("GET").into_response());
    }
    let result = match segments {
        [] => Ok(html::hardened(html::answer(shell::page()))),
        ["console", "console.js"] => Ok(asset("text/javascript; charset=utf-8", SCRIPT)),
        ["console", "console.css"] => Ok(asset("text/css; charset=utf-8", STYLE)),
        ["accounts"] => {
            require_admin(app, parts).map(|()| json_value(StatusCode::OK, &accounts::json(app)))
        }
        ["console", "accounts"] => {
            require_admin(app, parts).map(|()| html::answer(accounts::panel(app)))
        }
        ["console", rest @ ..] => panel(app, parts, rest, tls).map(html::answer),
        _ => Err(crate::api::unknown_endpoint()),
    };
    Some(result.unwrap_or_else(ApiError::into_response))
}

fn asset(content_type: &'static str, text: &'static str) -> Resp {
    with_type(StatusCode::OK, content_type, text)
}

/// One panel of the calling account, as an HTML fragment.
fn panel(app: &App, parts: &Parts, rest: &[&str], tls: bool) -> Result<String> {
    let account = caller(app, parts)?;
    let query = Query::parse(parts.uri.query());
    match rest {
        ["payments", id] => payment::page(app, &account, &app.base_url(parts, tls), id),
        ["subscriptions", id] => subscription::page(&account, &app.base_url(parts, tls), id),
        ["journal"] => journal::panel(&account, &query),
        ["journal", "rows"] => journal::rows(&account, &query),
        ["journal", id] => journal::entry(app, &account, id),
        ["webhooks"] => Ok(webhooks::panel(app, &account)),
        ["scenarios"] => Ok(scenarios::panel(app, &account)),
        ["account"] => Ok(tools::panel(&account)),
        ["clock"] => Ok(tools::clock(&account)),
        ["profile"] => Ok(profile::panel(&account)),
        [name] => match resources::find(name) {
            Some(resource) => Ok(resources::panel(resource, &account.data.read(), &query)),
            None => Err(crate::api::unknown_endpoint()),
        },
        _ => Err(crate::api::unknown_endpoint()),
    }
}
