//! `/checkout/select-issuer/{method}/{id}`: the issuers of a method as
//! buttons whose values are the API's issuer ids (`ideal_INGBNL2A`, `kbc`,
//! `cbc`, gift card and voucher brands). Skipped when the payment was
//! created with an `issuer`; for iDEAL also when the sandbox runs with
//! `--no-ideal-issuer-screen` (iDEAL 2.0: the bank is chosen at iDEAL).

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::{form, methods, picks_method, redirect, settled, Cx, Frame, Screen};
use crate::http::response::Resp;
use crate::store::{Data, Mode, Payment, PaymentStatus};

/// Whether this payment may be on `method`'s issuer screen: its method,
/// or one the consumer may still pick.
fn fits(data: &Data, mode: Mode, p: &Payment, method: &str) -> Option<&'static str> {
    let m = crate::catalogue::id(method)?;
    let ok = p.method == Some(m) || (picks_method(p) && methods::offered(data, p, mode, m));
    (ok && !methods::issuers(m).is_empty()).then_some(m)
}

pub fn show(cx: &Cx<'_>, method: &str) -> Resp {
    show_with(cx, method, None)
}

fn show_with(cx: &Cx<'_>, method: &str, notice: Option<&str>) -> Resp {
    if method == "ideal" && cx.app.config.no_ideal_issuer_screen {
        return pick(cx, method, None);
    }
    let data = cx.account.data.read();
    let Some(p) = data.payments.get(&cx.id) else {
        return cx.not_found();
    };
    if let Some(done) = settled(cx, &data, p) {
        return done;
    }
    let Some(m) = fits(&data, cx.account.mode, p, method) else {
        return cx.not_found();
    };
    let words = cx.words(p);
    let title = match m {
        "ideal" | "kbc" => words.select_bank,
        _ => words.select_brand,
    };
    let mut items = String::new();
    for i in methods::enabled_issuers(&data, p, m) {
        items.push_str(&format!(
            r#"<li><button class="item" type="submit" name="issuer" value="{id}"><img src="{logo}" alt=""><span class="item__label">{name}</span></button></li>
"#,
            id = attr(i.id),
            logo = attr(&methods::logo(i.folder, i.file)),
            name = text(i.name),
        ));
    }
    let panel = format!(
        r#"<form method="post" class="panel">
<h2>{title}</h2>
<ul class="list">
{items}</ul>
</form>"#,
        title = text(title),
    );
    super::html(
        &Frame {
            cx,
            p,
            merchant: methods::merchant_name(&data, p),
            words,
            method_note: None,
            notice,
        }
        .page(&panel),
    )
}

pub fn choose(cx: &Cx<'_>, method: &str, body: &[u8]) -> Resp {
    if form(body)("status").is_some() {
        // The outcome posted straight away (scripts without a browser, as
        // on the method list): the bank stays unpicked.
        return super::status::choose(cx, body);
    }
    match form(body)("issuer") {
        Some(issuer) => pick(cx, method, Some(&issuer)),
        None => show_with(cx, method, Some("Choose your bank.")),
    }
}

/// Stores the method (and the issuer, when one was picked) and moves on to
/// the status page.
fn pick(cx: &Cx<'_>, method: &str, issuer: Option<&str>) -> Resp {
    let mut data = cx.account.data.write();
    let fit = data
        .payments
        .get(&cx.id)
        .and_then(|p| fits(&data, cx.account.mode, p, method));
    let Some(p) = data.payments.get_mut(&cx.id) else {
        return cx.not_found();
    };
    if p.status.is_final() {
        let data = parking_lot::RwLockWriteGuard::downgrade(data);
        return match data.payments.get(&cx.id) {
            Some(p) => settled(cx, &data, p).unwrap_or_else(|| cx.not_found()),
            None => cx.not_found(),
        };
    }
    let Some(m) = fit else {
        return cx.not_found();
    };
    let issuer = match issuer {
        None => None,
        Some(i) => match methods::issuer(m, i) {
            Some(i) => Some(i),
            None => {
                drop(data);
                return show_with(cx, method, Some("That bank is not offered."));
            }
        },
    };
    if p.status == PaymentStatus::Open {
        p.method = Some(m);
    }
    if let Some(i) = issuer {
        p.extra_mut().issuer = Some(i.id.into());
    }
    drop(data);
    redirect(&cx.link(&Screen::Status))
}
