//! `/v2/customers/{id}/mandates`: create (direct debit, PayPal), get, list,
//! revoke. Card mandates come only from first payments
//! ([`crate::lifecycle::set_status`]). A revoked mandate answers 410 and is
//! no longer listed nor charged.

use bytes::Bytes;
use hyper::StatusCode;
use iban::{Iban, IbanLike};
use serde_json::{json, value::RawValue, Value};

use crate::error::{ApiError, Result};
use crate::http::response::{hal_response, no_content, Resp};
use crate::store::{Data, Mandate, MandateStatus};
use crate::views::{ListView, MandateView, Render};

use super::list::ListParams;
use super::Ctx;

const FIELDS: &[&str] = &[
    "method",
    "consumerName",
    "consumerAccount",
    "consumerBic",
    "consumerEmail",
    "signatureDate",
    "mandateReference",
    "paypalBillingAgreementId",
    "payPalVaultId",
];

fn render_one(status: StatusCode, m: &Mandate, render: Render<'_>, doc: &'static str) -> Resp {
    let view = MandateView {
        mandate: m,
        render,
        links: Some(Some(doc)),
    };
    hal_response(
        status,
        Bytes::from(serde_json::to_vec(&view).unwrap_or_default()),
    )
}

fn missing(field: &'static str) -> ApiError {
    ApiError::unprocessable(format!("The '{field}' field is missing")).with_field(field)
}

/// A non-empty string field, or `None` when absent or null.
fn text(ctx: &Ctx<'_>, field: &'static str) -> Result<Option<String>> {
    match ctx.body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(_) => Err(
            ApiError::unprocessable(format!("The '{field}' field must be a string"))
                .with_field(field),
        ),
    }
}

/// `AAAABBCC` or `AAAABBCCDDD`: bank, country, location, optional branch.
fn bic_ok(bic: &str) -> bool {
    let b = bic.as_bytes();
    (b.len() == 8 || b.len() == 11)
        && b[..6].iter().all(u8::is_ascii_alphabetic)
        && b[6..].iter().all(u8::is_ascii_alphanumeric)
}

fn details(value: Value) -> Box<RawValue> {
    RawValue::from_string(value.to_string()).unwrap_or_default()
}

pub fn create(ctx: &Ctx<'_>, customer: &str) -> Result<Resp> {
    ctx.customer(&ctx.account.data.read(), customer)?;
    ctx.query_only(&[])?;
    ctx.body_only(FIELDS)?;
    let method = match text(ctx, "method")?.as_deref() {
        None => return Err(missing("method")),
        Some("directdebit") => "directdebit",
        Some("paypal") => "paypal",
        Some("creditcard") => {
            return Err(ApiError::unprocessable(
                "Card mandates can only be created through a first payment",
            )
            .with_field("method"))
        }
        Some(_) => {
            return Err(
                ApiError::unprocessable("The payment method is invalid").with_field("method")
            )
        }
    };
    let name = text(ctx, "consumerName")?.ok_or_else(|| missing("consumerName"))?;
    let signature_date = match text(ctx, "signatureDate")? {
        None => None,
        Some(s) if s.len() == 10 && s.parse::<jiff::civil::Date>().is_ok() => Some(s),
        Some(_) => {
            return Err(ApiError::unprocessable("The signature date is invalid")
                .with_field("signatureDate"))
        }
    };
    let reference = text(ctx, "mandateReference")?;
    let details = match method {
        "directdebit" => {
            let account =
                text(ctx, "consumerAccount")?.ok_or_else(|| missing("consumerAccount"))?;
            let iban: Iban = account.parse().map_err(|_| {
                ApiError::unprocessable("The IBAN is invalid").with_field("consumerAccount")
            })?;
            let bic = match text(ctx, "consumerBic")? {
                None => None,
                Some(b) if bic_ok(&b.to_ascii_uppercase()) => Some(b.to_ascii_uppercase()),
                Some(_) => {
                    return Err(
                        ApiError::unprocessable("The BIC is invalid").with_field("consumerBic")
                    )
                }
            };
            json!({
                "consumerName": name,
                "consumerAccount": iban.electronic_str(),
                "consumerBic": bic,
            })
        }
        _ => {
            let email = text(ctx, "consumerEmail")?.ok_or_else(|| missing("consumerEmail"))?;
            if !email.contains('@') || email.starts_with('@') || email.ends_with('@') {
                return Err(ApiError::unprocessable("The email address is invalid")
                    .with_field("consumerEmail"));
            }
            let agreement = text(ctx, "paypalBillingAgreementId")?;
            let vault = text(ctx, "payPalVaultId")?;
            match (agreement, vault) {
                (None, None) => return Err(missing("paypalBillingAgreementId")),
                (Some(_), Some(_)) => {
                    return Err(ApiError::unprocessable(
                        "Provide either paypalBillingAgreementId or payPalVaultId, not both",
                    )
                    .with_field("payPalVaultId"))
                }
                _ => {}
            }
            json!({
                "consumerName": name,
                "consumerAccount": email,
            })
        }
    };
    let now = ctx.now();
    let mut data = ctx.account.data.write();
    let customer_id = ctx.customer(&data, customer)?.id.clone();
    let mandate = Mandate {
        id: data.new_mandate_id(now),
        customer_id,
        created_at: now,
        status: MandateStatus::Valid,
        method,
        details: self::details(details),
        mandate_reference: reference.map(Into::into),
        signature_date: signature_date.map(Into::into),
        revoked_at: None,
    };
    let id = mandate.id.clone();
    let customer_id = mandate.customer_id.clone();
    data.insert_mandate(mandate);
    // A subscription pending on a mandate can charge this one now.
    data.mandates_changed(&customer_id);
    let data = parking_lot::RwLockWriteGuard::downgrade(data);
    let m = found(&data, customer, &id)?;
    Ok(render_one(
        StatusCode::CREATED,
        m,
        ctx.render(),
        "mandates-api/create-mandate",
    ))
}

/// The customer's mandate `id`: 404 when there is none (or it is another
/// customer's), 410 once revoked.
fn found<'d>(data: &'d Data, customer: &str, id: &str) -> Result<&'d Mandate> {
    match data.mandates.get(id) {
        Some(m) if m.customer_id == customer => match m.revoked_at {
            None => Ok(m),
            Some(_) => Err(ApiError::gone("The mandate has been revoked.")),
        },
        _ => Err(ApiError::not_found("mandate", id)),
    }
}

pub fn get(ctx: &Ctx<'_>, customer: &str, id: &str) -> Result<Resp> {
    let data = ctx.account.data.read();
    ctx.customer(&data, customer)?;
    ctx.query_only(&[])?;
    let m = found(&data, customer, id)?;
    Ok(render_one(
        StatusCode::OK,
        m,
        ctx.render(),
        "mandates-api/get-mandate",
    ))
}

pub fn revoke(ctx: &Ctx<'_>, customer: &str, id: &str) -> Result<Resp> {
    let mut data = ctx.account.data.write();
    ctx.customer(&data, customer)?;
    ctx.query_only(&[])?;
    ctx.body_only(&[])?;
    found(&data, customer, id)?;
    data.revoke_mandate(id, ctx.now());
    Ok(no_content())
}

pub fn list(ctx: &Ctx<'_>, customer: &str) -> Result<Resp> {
    let data = ctx.account.data.read();
    ctx.customer(&data, customer)?;
    ctx.query_only(&["from", "limit", "sort"])?;
    let params = ListParams::parse(ctx)?;
    let empty = Default::default();
    let index = data.customer_mandates.get(customer).unwrap_or(&empty);
    // A revoked mandate leaves the customer's index but still places a cursor.
    let cursor = params.cursor(&data.mandates, |k| {
        data.mandates
            .by_key(k)
            .is_some_and(|m| m.customer_id.as_str() == customer)
    })?;
    let page = data
        .mandates
        .page_of(index, cursor, params.limit, params.desc);
    let render = ctx.render();
    let items = page
        .items
        .iter()
        .map(|m| MandateView {
            mandate: m,
            render,
            links: Some(None),
        })
        .collect();
    let view = ListView {
        embedded_key: "mandates",
        items,
        links: params.links(
            ctx,
            page.next.map(|m| m.id.as_str()),
            page.previous.map(|m| m.id.as_str()),
            "mandates-api/list-mandates",
        ),
    };
    Ok(hal_response(
        StatusCode::OK,
        Bytes::from(serde_json::to_vec(&view).unwrap_or_default()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bics_and_ibans() {
        assert!(bic_ok("INGBNL2A"));
        assert!(bic_ok("RABONL2UXXX"));
        assert!(!bic_ok("INGB"));
        assert!(!bic_ok("1NGBNL2A"));
        assert!("NL55INGB0000000000".parse::<Iban>().is_ok());
        assert!("NL55 INGB 0000 0000 00".parse::<Iban>().is_ok());
        assert!("NL56INGB0000000000".parse::<Iban>().is_err());
    }
}
