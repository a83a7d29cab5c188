//! `/v2/organizations/me` and `/v2/organizations/{id}` (access tokens): the
//! organization that owns the account's profiles.

use bytes::Bytes;
use hyper::StatusCode;

use crate::error::{ApiError, Result};
use crate::http::response::{hal_response, Resp};
use crate::views::profile as view;

use super::profiles::token_only;
use super::Ctx;

/// `GET /v2/organizations/{me|id}`: another organization's id is a 404
/// (a token reaches only its own).
pub fn get(ctx: &Ctx<'_>, id: &str) -> Result<Resp> {
    token_only(ctx)?;
    ctx.query_only(&[])?;
    let value = ctx.with_profiles(|data| -> Result<serde_json::Value> {
        let org = data
            .organization
            .as_ref()
            .filter(|o| id == "me" || o.id == id)
            .ok_or_else(|| ApiError::not_found("organization", id))?;
        Ok(view::organization(&ctx.render(), org, id == "me"))
    })?;
    Ok(hal_response(
        StatusCode::OK,
        Bytes::from(crate::views::to_json(&value)),
    ))
}
