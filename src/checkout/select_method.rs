//! `/checkout/select-method/{id}`: the methods a consumer may pay with, each
//! a button with its logo and Mollie's label. Choosing one stores it on the
//! payment (as Mollie's checkout does) and moves to its next screen.

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::{form, method_screen, methods, picks_method, redirect, settled, status, Cx, Frame};
use crate::http::response::Resp;
use crate::store::PaymentStatus;

pub fn show(cx: &Cx<'_>) -> Resp {
    // Only the page's own notices: a link cannot put words on the page.
    let notice = match cx.route.notice.as_deref() {
        Some(n @ ("failed" | "canceled")) => Some(n),
        _ => None,
    };
    show_with(cx, notice)
}

/// The list; `notice` is a word key (`failed`, `canceled`) or a sentence.
pub fn show_with(cx: &Cx<'_>, notice: Option<&str>) -> Resp {
    let data = cx.account.data.read();
    let Some(p) = data.payments.get(&cx.id) else {
        return cx.not_found();
    };
    if let Some(done) = settled(cx, &data, p) {
        return done;
    }
    if !picks_method(p) {
        // A payment made with one method has nothing to choose here.
        return redirect(&cx.link(&method_screen(p)));
    }
    let words = cx.words(p);
    let notice = match notice {
        Some("failed") => Some(words.failed_notice),
        Some("canceled") => Some(words.canceled_notice),
        Some(_) | None => notice,
    };
    let mut items = String::new();
    for o in methods::offers(&data, p, cx.account.mode) {
        let value = match o.issuer {
            Some(i) => format!("{}:{}", o.method, i),
            None => o.method.to_owned(),
        };
        items.push_str(&format!(
            r#"<li><button class="item" type="submit" name="method" value="{value}"><img src="{logo}" alt=""><span class="item__label">{label}</span></button></li>
"#,
            value = attr(&value),
            logo = attr(&methods::logo(o.folder, o.file)),
            label = text(o.label),
        ));
    }
    let panel = format!(
        r#"<form method="post" class="panel">
<h2>{title}</h2>
<ul class="list">
{items}</ul>
</form>"#,
        title = text(words.select_method),
    );
    let merchant = methods::merchant_name(&data, p);
    super::html(
        &Frame {
            cx,
            p,
            merchant,
            words,
            method_note: None,
            notice,
        }
        .page(&panel),
    )
}

pub fn choose(cx: &Cx<'_>, body: &[u8]) -> Resp {
    let field = form(body);
    if field("status").is_some() {
        // One post with the method and the outcome: scripts that drive the
        // page without a browser (and the page before it had screens).
        return status::choose(cx, body);
    }
    let Some(choice) = field("method") else {
        return show_with(cx, Some("Choose a payment method."));
    };
    let (method, issuer) = match choice.split_once(':') {
        Some((m, i)) => (m.to_owned(), Some(i.to_owned())),
        None => (choice, None),
    };
    let mut data = cx.account.data.write();
    let chosen = data.payments.get(&cx.id).and_then(|p| {
        crate::catalogue::id(&method).filter(|m| methods::offered(&data, p, cx.account.mode, m))
    });
    let Some(p) = data.payments.get_mut(&cx.id) else {
        return cx.not_found();
    };
    let issuer = issuer.and_then(|i| methods::issuer(&method, &i));
    let Some(m) = chosen.filter(|_| p.status == PaymentStatus::Open && picks_method(p)) else {
        drop(data);
        return show_with(cx, Some("That payment method is not offered."));
    };
    p.method = Some(m);
    match issuer {
        Some(i) => p.extra_mut().issuer = Some(i.id.into()),
        None => {
            // A bank picked for an earlier choice does not carry over.
            if p.issuer().is_some_and(|i| methods::issuer(m, i).is_none()) {
                p.extra_mut().issuer = None;
            }
        }
    }
    let next = method_screen(p);
    drop(data);
    redirect(&cx.link(&next))
}
