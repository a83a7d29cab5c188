//! `/v2/permissions[/{id}]` (access tokens): the scopes a token may have,
//! each with whether it was granted. A sandbox token is granted every one.

use bytes::Bytes;
use hyper::StatusCode;
use serde_json::json;

use crate::error::{ApiError, Result};
use crate::http::response::{hal_response, Resp};
use crate::views::{profile as view, Link};

use super::profiles::token_only;
use super::Ctx;

/// Mollie's scopes and what each allows.
pub const SCOPES: &[(&str, &str)] = &[
    ("apikeys.read", "View your API keys"),
    ("apikeys.write", "Manage your API keys"),
    ("payments.read", "View your payments"),
    ("payments.write", "Create new payments"),
    ("refunds.read", "View your refunds"),
    ("refunds.write", "Create new refunds"),
    ("customers.read", "View your customers"),
    ("customers.write", "Manage your customers"),
    ("mandates.read", "View your customers' mandates"),
    ("mandates.write", "Manage your customers' mandates"),
    ("subscriptions.read", "View your customers' subscriptions"),
    (
        "subscriptions.write",
        "Manage your customers' subscriptions",
    ),
    ("profiles.read", "View your website profiles"),
    ("profiles.write", "Manage your website profiles"),
    ("invoices.read", "View your invoices"),
    ("settlements.read", "View your settlements"),
    ("orders.read", "View your orders"),
    ("orders.write", "Manage your orders"),
    ("shipments.read", "View your shipments"),
    ("shipments.write", "Manage your shipments"),
    ("organizations.read", "View your organization's details"),
    ("organizations.write", "Change your organization's details"),
    ("onboarding.read", "View your onboarding status"),
    ("onboarding.write", "Submit your onboarding data"),
    ("payment-links.read", "View your payment links"),
    ("payment-links.write", "Manage your payment links"),
    ("balances.read", "View your balances"),
    ("terminals.read", "View your terminals"),
    ("terminals.write", "Manage your terminals"),
    ("webhooks.read", "View your webhooks"),
    ("webhooks.write", "Manage your webhooks"),
];

fn respond(value: &serde_json::Value) -> Resp {
    hal_response(StatusCode::OK, Bytes::from(crate::views::to_json(value)))
}

/// `GET /v2/permissions`
pub fn list(ctx: &Ctx<'_>) -> Result<Resp> {
    token_only(ctx)?;
    ctx.query_only(&[])?;
    let render = ctx.render();
    let items: Vec<_> = SCOPES
        .iter()
        .map(|(id, description)| view::permission(&render, id, description, true, None))
        .collect();
    Ok(respond(&json!({
        "count": items.len(),
        "_embedded": {"permissions": items},
        "_links": {
            "self": Link::hal(format!("{}/v2/permissions", ctx.base)),
            "documentation": Link::docs("permissions-api/list-permissions"),
        },
    })))
}

/// `GET /v2/permissions/{id}`
pub fn get(ctx: &Ctx<'_>, id: &str) -> Result<Resp> {
    token_only(ctx)?;
    ctx.query_only(&[])?;
    let (id, description) = SCOPES
        .iter()
        .find(|(s, _)| *s == id)
        .ok_or_else(|| ApiError::not_found("permission", id))?;
    Ok(respond(&view::permission(
        &ctx.render(),
        id,
        description,
        true,
        Some("permissions-api/get-permission"),
    )))
}
