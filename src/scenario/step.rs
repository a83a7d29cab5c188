//! The scenario step of the request path: which scenario is in force (the
//! request's header, else the account's, else the server's), what the
//! engine decides, the delay slept, and the answer or fault handed back.

use hyper::StatusCode;

use super::{Answer, Reply, Request};
use crate::app::{App, Outcome};
use crate::error::{ApiError, Result};
use crate::http::response::{hal_response, Resp};
use crate::journal::Trace;
use crate::store::Account;

/// `named`: the request's `X-Sandbox-Scenario` header.
/// `Ok(None)`: go on to the API. `Ok(Some(_))`: the scenario answered.
pub async fn step(
    app: &App,
    account: &Account,
    req: Request<'_>,
    named: Option<&hyper::header::HeaderValue>,
    trace: &mut Trace,
) -> Result<Option<Outcome>> {
    let scenario = match named {
        Some(value) => {
            let name = value.to_str().unwrap_or("").trim();
            app.scenarios.get(name).cloned().ok_or_else(|| {
                ApiError::bad_request(format!(
                    "The scenario \"{name}\" in the X-Sandbox-Scenario header does not exist. Loaded scenarios: {}.",
                    app.scenarios.names()
                ))
            })?
        }
        None => match account
            .scenarios
            .active()
            .or_else(|| app.scenarios.server_default().cloned())
        {
            Some(s) => s,
            None => return Ok(None),
        },
    };
    trace.scenario = Some(scenario.name.clone());
    let decision = account
        .scenarios
        .decide(&scenario, app.scenarios.seed(), &account.key, &req);
    trace.rules = decision.fired;
    if !decision.delay.is_zero() {
        tokio::time::sleep(decision.delay).await;
    }
    Ok(match decision.answer {
        None => None,
        Some(Answer::Respond(reply)) => Some(Outcome::Respond(render(reply))),
        Some(Answer::Fault(fault)) => {
            trace.fault = Some(fault);
            Some(Outcome::Fault(fault, None))
        }
    })
}

/// Mollie's own wording where it is known, else the status's title.
pub fn default_detail(status: u16) -> String {
    match status {
        429 => "You have exceeded the rate limit. Please slow down your requests.".to_owned(),
        500 => "An internal server error occurred while processing your request.".to_owned(),
        502 => "The server received an invalid response from an upstream server.".to_owned(),
        503 => "The service is temporarily unavailable. Please try again later.".to_owned(),
        504 => "The server did not receive a timely response from an upstream server.".to_owned(),
        _ => format!("{}.", crate::error::title_for(status)),
    }
}

fn render(reply: Reply) -> Resp {
    let mut resp = match reply.body {
        Some(body) => hal_response(
            StatusCode::from_u16(reply.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
            body,
        ),
        None => {
            let detail = reply.detail.unwrap_or_else(|| default_detail(reply.status));
            let mut err = ApiError::new(reply.status, detail);
            if let Some(field) = reply.field {
                err = err.with_field(field);
            }
            err.into_response()
        }
    };
    for (name, value) in reply.headers {
        resp.headers.insert(name, value);
    }
    resp
}
