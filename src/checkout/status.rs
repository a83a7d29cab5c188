//! `/checkout/test-mode/{id}`: the test-mode status page, as in Mollie's
//! picture: the merchant as the title, the method note, the description and
//! the beneficiary, a radio per outcome and one Continue button. Also the
//! page `_links.changePaymentState` opens, and the final page of a payment
//! that can no longer change.
//!
//! In a checkout where the consumer picked the method, Failed and Canceled
//! send the consumer back to the method list with a notice and leave the
//! payment open, as Mollie's page does; with a method fixed by the merchant
//! they end the payment. A payment captured later (`captureMode: manual`)
//! offers Authorized, not Paid: a capture pays it. A paid test payment's
//! final page offers a Chargeback, as Mollie's test page does.

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::{form, methods, picks_method, redirect, settled, target, Cx, Frame, Screen};
use crate::catalogue;
use crate::http::response::Resp;
use crate::lifecycle;
use crate::store::{Data, Mode, Payment, PaymentStatus};

pub fn show(cx: &Cx<'_>, notice: Option<&str>) -> Resp {
    let data = cx.account.data.read();
    let Some(p) = data.payments.get(&cx.id) else {
        return cx.not_found();
    };
    if p.status.is_final() && cx.route.screen == Screen::Status {
        return final_page(cx, &data, p, notice);
    }
    if let Some(done) = settled(cx, &data, p) {
        return done;
    }
    if p.method.is_none() && picks_method(p) {
        // No method yet: the consumer picks one first.
        return redirect(&cx.link(&Screen::SelectMethod));
    }
    let words = cx.words(p);
    let mut radios = String::new();
    for s in choices(p) {
        radios.push_str(&format!(
            r#"<label class="choice"><input type="radio" name="status" value="{value}" required> {label}</label>
"#,
            value = attr(s.as_str()),
            label = text(words.status(s)),
        ));
    }
    let merchant = methods::merchant_name(&data, p);
    let locale = cx
        .route
        .locale
        .as_deref()
        .and_then(super::i18n::find)
        .map(|w| {
            format!(
                r#"<input type="hidden" name="locale" value="{}">"#,
                w.locale
            )
        })
        .unwrap_or_default();
    let panel = format!(
        r#"<form method="post" class="panel">
<p class="intro">{intro}</p>
<table>
<tr><th>{description}</th><td>{desc}</td></tr>
<tr><th>{beneficiary}</th><td>{concerning}</td></tr>
<tr><th>{status_of_payment}</th><td class="choices">{radios}</td></tr>
</table>
{locale}<button class="button" type="submit">{continue_} &rsaquo;</button>
</form>"#,
        intro = text(words.intro),
        description = text(words.description),
        desc = text(&p.description),
        beneficiary = text(words.beneficiary),
        concerning = text(&words.concerning.replace("{}", merchant)),
        status_of_payment = text(words.status_of_payment),
        continue_ = text(words.continue_),
    );
    let method_note = p.method.map(methods::label);
    super::html(
        &Frame {
            cx,
            p,
            merchant,
            words,
            method_note,
            notice,
        }
        .page(&panel),
    )
}

/// The outcomes offered: the status as it is first, then every move the
/// payment's method allows (pending and authorized only where it has them;
/// authorized instead of paid when it is captured later).
fn choices(p: &Payment) -> Vec<PaymentStatus> {
    use PaymentStatus::*;
    let method = p.method.unwrap_or_else(|| lifecycle::default_method(p));
    let later = p.captures_later();
    let mut out = vec![p.status];
    for to in [Paid, Pending, Authorized, Failed, Canceled, Expired] {
        let offered = match to {
            Authorized => catalogue::can_authorize(method, later),
            Pending => methods::can_be_pending(method),
            // Captured later: the consumer only authorizes; a capture pays.
            Paid => !later || p.status == Authorized,
            _ => true,
        };
        if offered && to != p.status && lifecycle::allowed(p.status, to) {
            out.push(to);
        }
    }
    out
}

pub fn choose(cx: &Cx<'_>, body: &[u8]) -> Resp {
    let field = form(body);
    if field("status").as_deref() == Some("chargeback") {
        return chargeback(cx);
    }
    let Some(to) = field("status").as_deref().and_then(PaymentStatus::parse) else {
        return again(cx, "Choose the status of the payment.");
    };
    let posted = match field("method") {
        None => None,
        Some(m) => match catalogue::id(&m) {
            Some(m) => Some(m),
            None => return again(cx, "Choose a payment method."),
        },
    };
    let mut data = cx.account.data.write();
    let Some(p) = data.payments.get(&cx.id) else {
        return cx.not_found();
    };
    if let (Some(m), None) = (posted, p.method) {
        if !methods::offered(&data, p, cx.account.mode, m) {
            drop(data);
            return again(cx, "That payment method is not offered.");
        }
    }
    if p.status == to && !to.is_final() {
        // "Open" (or the pending status kept): nothing changes; back to the shop.
        let url = p.redirect_url.clone();
        drop(data);
        return match url {
            Some(url) => redirect(&url),
            None => show(cx, Some("The status stays as it is.")),
        };
    }
    if picks_method(p)
        && p.status == PaymentStatus::Open
        && matches!(to, PaymentStatus::Failed | PaymentStatus::Canceled)
    {
        // The consumer tries another method; the payment stays open.
        drop(data);
        let mut url = cx.link(&Screen::SelectMethod);
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str("notice=");
        url.push_str(to.as_str());
        return redirect(&url);
    }
    if let Err(e) = lifecycle::set_status(cx.app, &cx.account, &mut data, &cx.id, to, posted) {
        return super::error_page(&e);
    }
    let url = data
        .payments
        .get(&cx.id)
        .and_then(target)
        .map(str::to_owned);
    drop(data);
    match url {
        Some(url) => redirect(&url),
        None => show(cx, Some(&format!("The payment is {} now.", to.as_str()))),
    }
}

/// The page a refused post shows again, with why: this page, or the method
/// list when the post came from there.
fn again(cx: &Cx<'_>, notice: &str) -> Resp {
    match cx.route.screen {
        Screen::SelectMethod => super::select_method::show_with(cx, Some(notice)),
        _ => show(cx, Some(notice)),
    }
}

/// The "Chargeback" outcome of a paid test payment: all that is not
/// charged back yet, as Mollie's own test page does; the webhook is called.
fn chargeback(cx: &Cx<'_>) -> Resp {
    let made = {
        let mut data = cx.account.data.write();
        crate::after_sales::charge_back(cx.app, &cx.account, &mut data, &cx.id, None, None)
    };
    match made {
        Ok(chb) => show(cx, Some(&format!("Chargeback {chb} received."))),
        Err(e) => show(cx, Some(&e.detail)),
    }
}

/// A payment that can no longer change: its status, and the way back.
pub fn final_page(cx: &Cx<'_>, data: &Data, p: &Payment, notice: Option<&str>) -> Resp {
    let words = cx.words(p);
    let message = format!(
        "This payment is {} and can no longer change.",
        p.status.as_str()
    );
    // A paid test payment can still be charged back, as on Mollie's page.
    let chargeback = if p.status == PaymentStatus::Paid && cx.account.mode == Mode::Test {
        r#"<form method="post"><input type="hidden" name="status" value="chargeback"><button class="button" type="submit">Chargeback &rsaquo;</button></form>
"#
    } else {
        ""
    };
    let back = target(p)
        .map(|url| {
            format!(
                r#"<p><a class="button" href="{}">Back to the website &rsaquo;</a></p>"#,
                attr(url)
            )
        })
        .unwrap_or_default();
    let panel = format!(
        r#"<div class="panel">
<table>
<tr><th>Payment</th><td class="mono">{id}</td></tr>
<tr><th>Status</th><td><span class="badge badge-{status}">{label}</span></td></tr>
</table>
<p class="intro">{message}</p>
{chargeback}{back}</div>"#,
        id = text(&p.id),
        status = attr(p.status.as_str()),
        label = text(words.status(p.status)),
        message = text(&message),
    );
    super::html(
        &Frame {
            cx,
            p,
            merchant: methods::merchant_name(data, p),
            words,
            method_note: None,
            notice,
        }
        .page(&panel),
    )
}
