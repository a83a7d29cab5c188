//! `/v2/payments/{id}/chargebacks[/{chbId}]` and `/v2/chargebacks`: read
//! only, as on Mollie (the sandbox makes them under `/_sandbox/`).

use bytes::Bytes;
use hyper::StatusCode;

use crate::error::{ApiError, Result};
use crate::http::response::{hal_response, Resp};
use crate::views::ChargebackView;

use super::list::render_page;
use super::refunds::payment;
use super::Ctx;

pub fn get(ctx: &Ctx<'_>, payment_id: &str, id: &str) -> Result<Resp> {
    ctx.query_only(&[])?;
    let data = ctx.account.data.read();
    payment(&data, payment_id)?;
    let chargeback = data
        .chargebacks
        .get(id)
        .filter(|c| c.payment_id == payment_id)
        .ok_or_else(|| ApiError::not_found("chargeback", id))?;
    let view = ChargebackView {
        chargeback,
        render: ctx.render(),
        links: Some(Some("chargebacks-api/get-payment-chargeback")),
    };
    Ok(hal_response(
        StatusCode::OK,
        Bytes::from(crate::views::to_json(&view)),
    ))
}

pub fn list_for_payment(ctx: &Ctx<'_>, payment_id: &str) -> Result<Resp> {
    ctx.query_only(&["from", "limit", "sort"])?;
    let data = ctx.account.data.read();
    payment(&data, payment_id)?;
    let empty = Default::default();
    let index = data.payment_chargebacks.get(payment_id).unwrap_or(&empty);
    let render = ctx.render();
    render_page(
        ctx,
        &data.chargebacks,
        Some(index),
        "chargebacks",
        "chargebacks-api/list-payment-chargebacks",
        |c| &c.id,
        |chargeback| ChargebackView {
            chargeback,
            render,
            links: Some(None),
        },
    )
}

pub fn list(ctx: &Ctx<'_>) -> Result<Resp> {
    ctx.query_only(&["from", "limit", "sort"])?;
    let data = ctx.account.data.read();
    let render = ctx.render();
    render_page(
        ctx,
        &data.chargebacks,
        None,
        "chargebacks",
        "chargebacks-api/list-chargebacks",
        |c| &c.id,
        |chargeback| ChargebackView {
            chargeback,
            render,
            links: Some(None),
        },
    )
}
