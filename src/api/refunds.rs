//! `/v2/payments/{id}/refunds[/{reId}]` and `/v2/refunds`: refunds of paid
//! payments. A refund starts `queued` and walks on by itself on the
//! account's clock ([`crate::after_sales`]).

use bytes::Bytes;
use hyper::StatusCode;

use crate::after_sales;
use crate::error::{ApiError, Result};
use crate::http::request::Field;
use crate::http::response::{hal_response, no_content, Resp};
use crate::ids::Id;
use crate::store::{Data, Payment, PaymentStatus, Refund, RefundStatus};
use crate::validate;
use crate::views::TextView;
use crate::views::{RefundView, Render};

use super::list::render_page;
use super::Ctx;

fn render_one(status: StatusCode, refund: &Refund, render: Render<'_>, doc: &'static str) -> Resp {
    let view = RefundView {
        refund,
        render,
        links: Some(Some(doc)),
    };
    hal_response(status, Bytes::from(view.body()))
}

pub fn payment<'d>(data: &'d Data, id: &str) -> Result<&'d Payment> {
    data.payments
        .get(id)
        .ok_or_else(|| ApiError::not_found("payment", id))
}

/// A `description` and `metadata`, as a new object keeps them.
type Notes = (Option<Box<str>>, Option<Box<serde_json::value::RawValue>>);

/// `description` and `metadata` of a refund or capture being created.
pub fn notes(b: &crate::http::request::Body) -> Result<Notes> {
    let description = match b.field("description") {
        None => None,
        Some(v) => validate::opt_string(v, "description")?,
    };
    let metadata = validate::metadata(b.field("metadata").unwrap_or(Field::NULL))?;
    Ok((description, metadata))
}

/// `POST /v2/payments/{id}/refunds`: `amount` (what remains when left
/// out), `description`, `metadata`.
pub fn create(ctx: &Ctx<'_>, payment_id: &str) -> Result<Resp> {
    ctx.query_only(&[])?;
    ctx.body_only(&["amount", "description", "metadata"])?;
    let (description, metadata) = notes(&ctx.body)?;
    let b = &ctx.body;
    let now = ctx.now();
    let mut data = ctx.account.data.write();
    let p = payment(&data, payment_id)?;
    if p.status != PaymentStatus::Paid {
        return Err(ApiError::unprocessable(format!(
            "The payment cannot be refunded: it is {}, not paid",
            p.status.as_str()
        )));
    }
    let remaining = p.amount_remaining();
    if remaining == 0 {
        return Err(ApiError::unprocessable(
            "The payment has been refunded in full already: nothing remains to refund",
        )
        .with_field("amount"));
    }
    let amount = validate::amount_for(
        b.field("amount"),
        p,
        remaining,
        "The amount is higher than the remaining amount that can be refunded",
    )?;
    let refund = Refund {
        id: data.new_refund_id(now),
        payment_id: Id::new(payment_id),
        created_at: now,
        amount,
        description: description.unwrap_or_default(),
        metadata,
        status: RefundStatus::Queued,
    };
    let doc = "refunds-api/create-payment-refund";
    let id = refund.id.clone();
    // With a delay it stays queued for now, and its view reads nothing
    // else: rendered before it is stored rather than found again after.
    let queued = (after_sales::refund_delay(ctx.app, &data) > 0)
        .then(|| render_one(StatusCode::CREATED, &refund, ctx.render(), doc));
    data.insert_refund(refund);
    after_sales::start_refund(ctx.app, ctx.account, &mut data, &id, now);
    if let Some(resp) = queued {
        return Ok(resp);
    }
    let refund = data
        .refunds
        .get(&id)
        .ok_or_else(|| ApiError::new(500, "The refund was lost."))?;
    Ok(render_one(StatusCode::CREATED, refund, ctx.render(), doc))
}

/// The payment's refund `id`: 404 when it is another payment's.
fn found<'d>(data: &'d Data, payment_id: &str, id: &str) -> Result<&'d Refund> {
    payment(data, payment_id)?;
    data.refunds
        .get(id)
        .filter(|r| r.payment_id == payment_id)
        .ok_or_else(|| ApiError::not_found("refund", id))
}

pub fn get(ctx: &Ctx<'_>, payment_id: &str, id: &str) -> Result<Resp> {
    ctx.query_only(&[])?;
    let data = ctx.account.data.read();
    let r = found(&data, payment_id, id)?;
    Ok(render_one(
        StatusCode::OK,
        r,
        ctx.render(),
        "refunds-api/get-payment-refund",
    ))
}

/// `DELETE`: only while `queued` or `pending` (204); a 422 after.
pub fn cancel(ctx: &Ctx<'_>, payment_id: &str, id: &str) -> Result<Resp> {
    ctx.query_only(&[])?;
    ctx.body_only(&[])?;
    let mut data = ctx.account.data.write();
    let r = found(&data, payment_id, id)?;
    if !r.status.is_cancelable() {
        return Err(ApiError::unprocessable(format!(
            "The refund cannot be canceled: it is {}",
            r.status.as_str()
        )));
    }
    after_sales::set_refund_status(ctx.app, ctx.account, &mut data, id, RefundStatus::Canceled)?;
    Ok(no_content())
}

pub fn list_for_payment(ctx: &Ctx<'_>, payment_id: &str) -> Result<Resp> {
    ctx.query_only(&["from", "limit", "sort"])?;
    let data = ctx.account.data.read();
    payment(&data, payment_id)?;
    let empty = Default::default();
    let index = data.payment_refunds.get(payment_id).unwrap_or(&empty);
    let render = ctx.render();
    render_page(
        ctx,
        &data.refunds,
        Some(index),
        "refunds",
        "refunds-api/list-payment-refunds",
        |r| &r.id,
        |refund| RefundView {
            refund,
            render,
            links: Some(None),
        },
    )
}

/// `GET /v2/refunds`: every refund of the account.
pub fn list(ctx: &Ctx<'_>) -> Result<Resp> {
    ctx.query_only(&["from", "limit", "sort"])?;
    let data = ctx.account.data.read();
    let render = ctx.render();
    render_page(
        ctx,
        &data.refunds,
        None,
        "refunds",
        "refunds-api/list-refunds",
        |r| &r.id,
        |refund| RefundView {
            refund,
            render,
            links: Some(None),
        },
    )
}
