//! `/v2/payments/{id}/captures[/{cptId}]`: capturing an authorized payment
//! (all of it, or part with `amount`). A capture is `pending`, then
//! `succeeded` on the account's clock, and the payment becomes `paid`.

use bytes::Bytes;
use hyper::StatusCode;

use crate::after_sales;
use crate::error::{ApiError, Result};
use crate::http::response::{hal_response, Resp};
use crate::ids::Id;
use crate::store::{Capture, CaptureStatus, Data, PaymentStatus};
use crate::validate;
use crate::views::{CaptureView, PaymentLinks, PaymentView, Render};

use super::list::render_page;
use super::refunds::{notes, payment};
use super::Ctx;

/// `embed=payment`, or nothing.
fn embeds_payment(ctx: &Ctx<'_>) -> Result<bool> {
    match ctx.query.get("embed") {
        None => Ok(false),
        Some("payment") => Ok(true),
        Some(other) => Err(ApiError::bad_request(format!(
            "Embed parameter '{other}' is not supported: use payment"
        ))
        .with_field("embed")),
    }
}

fn view<'a>(
    data: &'a Data,
    capture: &'a Capture,
    render: Render<'a>,
    doc: Option<&'static str>,
    with_payment: bool,
) -> CaptureView<'a> {
    let payment = with_payment
        .then(|| data.payments.get(&capture.payment_id))
        .flatten()
        .map(|payment| PaymentView {
            payment,
            render,
            links: Some(PaymentLinks {
                documentation: None,
            }),
            embedded: None,
        });
    CaptureView {
        capture,
        render,
        links: Some(doc),
        payment,
    }
}

fn respond(status: StatusCode, v: &CaptureView<'_>) -> Resp {
    hal_response(status, Bytes::from(crate::views::to_json(v)))
}

/// `POST /v2/payments/{id}/captures`: `amount` (the whole authorized
/// amount when left out), `description`, `metadata`.
pub fn create(ctx: &Ctx<'_>, payment_id: &str) -> Result<Resp> {
    ctx.query_only(&[])?;
    ctx.body_only(&["amount", "description", "metadata"])?;
    let (description, metadata) = notes(&ctx.body)?;
    let b = &ctx.body;
    let now = ctx.now();
    let mut data = ctx.account.data.write();
    let p = payment(&data, payment_id)?;
    if p.status != PaymentStatus::Authorized {
        return Err(ApiError::unprocessable(format!(
            "The payment cannot be captured: it is {}, not authorized",
            p.status.as_str()
        )));
    }
    let pending = Data::of_payment(&data.captures, &data.payment_captures, payment_id)
        .any(|c| c.status == CaptureStatus::Pending);
    if pending {
        return Err(ApiError::unprocessable(
            "The payment has a pending capture already",
        ));
    }
    let amount = validate::amount_for(
        b.field("amount"),
        p,
        validate::minor_units(&p.amount),
        "The amount is higher than the authorized amount",
    )?;
    let capture = Capture {
        id: data.new_capture_id(now),
        payment_id: Id::new(payment_id),
        created_at: now,
        amount,
        description,
        metadata,
        status: CaptureStatus::Pending,
    };
    let id = capture.id.clone();
    data.insert_capture(capture);
    after_sales::start_capture(ctx.app, ctx.account, &mut data, &id, now);
    let capture = data
        .captures
        .get(&id)
        .ok_or_else(|| ApiError::new(500, "The capture was lost."))?;
    Ok(respond(
        StatusCode::CREATED,
        &view(
            &data,
            capture,
            ctx.render(),
            Some("captures-api/create-capture"),
            false,
        ),
    ))
}

pub fn get(ctx: &Ctx<'_>, payment_id: &str, id: &str) -> Result<Resp> {
    ctx.query_only(&["embed"])?;
    let with_payment = embeds_payment(ctx)?;
    let data = ctx.account.data.read();
    payment(&data, payment_id)?;
    let capture = data
        .captures
        .get(id)
        .filter(|c| c.payment_id == payment_id)
        .ok_or_else(|| ApiError::not_found("capture", id))?;
    Ok(respond(
        StatusCode::OK,
        &view(
            &data,
            capture,
            ctx.render(),
            Some("captures-api/get-capture"),
            with_payment,
        ),
    ))
}

pub fn list_for_payment(ctx: &Ctx<'_>, payment_id: &str) -> Result<Resp> {
    ctx.query_only(&["from", "limit", "sort", "embed"])?;
    let with_payment = embeds_payment(ctx)?;
    let data = ctx.account.data.read();
    payment(&data, payment_id)?;
    let empty = Default::default();
    let index = data.payment_captures.get(payment_id).unwrap_or(&empty);
    let render = ctx.render();
    render_page(
        ctx,
        &data.captures,
        Some(index),
        "captures",
        "captures-api/list-captures",
        |c| &c.id,
        |c| view(&data, c, render, None, with_payment),
    )
}
