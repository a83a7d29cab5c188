//! `/checkout/…`: the test-mode payment page that `_links.checkout`
//! (`/checkout/select-method/{id}`) and `_links.changePaymentState`
//! (`/checkout/test-mode/{id}`) lead to, as on Mollie's test checkout: the
//! amount, the description and a choice of outcome. Posting the choice
//! applies it through [`crate::lifecycle::set_status`] and sends the browser
//! to the payment's `redirectUrl` (its `cancelUrl` for Canceled, when given).
//!
//! A browser has no API key: the link names its account with an opaque
//! token ([`crate::page_link`]), and the page acts on that account alone.
//! Plain HTML and CSS, no JavaScript; every value shown is escaped.

use bytes::Bytes;
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};
use hyper::header::{HeaderValue, CACHE_CONTROL, LOCATION};
use hyper::http::request::Parts;
use hyper::{Method, StatusCode};

use crate::app::App;
use crate::catalogue;
use crate::error::ApiError;
use crate::http::request::Query;
use crate::http::response::{with_type, Resp};
use crate::lifecycle;
use crate::page_link;
use crate::store::{Account, Data, Mode, Payment, PaymentStatus, SequenceType};

const HTML: &str = "text/html; charset=utf-8";

pub fn handle(app: &App, parts: &Parts, body: Bytes, _tls: bool) -> Resp {
    let path = parts.uri.path().trim_end_matches('/');
    let segments: Vec<&str> = path.split('/').skip(2).collect();
    let (page, bare) = match segments.as_slice() {
        ["select-method", bare] => (Page::Checkout, *bare),
        ["test-mode", bare] => (Page::ChangeState, *bare),
        ["preview", profile] => {
            return match parts.method {
                Method::GET | Method::HEAD => preview(app, parts, profile),
                _ => error_page(&crate::api::not_allowed("GET")),
            }
        }
        _ => return error_page(&ApiError::new(404, "There is no such checkout page.")),
    };
    let Some(account) = page_link::account(&app.registry, &Query::parse(parts.uri.query())) else {
        return not_found(bare);
    };
    match parts.method {
        Method::GET | Method::HEAD => show(&account, page, bare, None),
        Method::POST => choose(app, &account, page, bare, &body),
        _ => error_page(&crate::api::not_allowed("GET, POST")),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Page {
    /// `_links.checkout`: the customer's page.
    Checkout,
    /// `_links.changePaymentState`: recurring and paid test payments.
    ChangeState,
}

fn payment_id(bare: &str) -> Option<String> {
    let ok = !bare.is_empty() && bare.bytes().all(|b| b.is_ascii_alphanumeric());
    ok.then(|| format!("tr_{bare}"))
}

fn not_found(bare: &str) -> Resp {
    error_page(&ApiError::not_found("payment", &format!("tr_{bare}")))
}

fn show(account: &Account, page: Page, bare: &str, notice: Option<&str>) -> Resp {
    let Some(id) = payment_id(bare) else {
        return not_found(bare);
    };
    let data = account.data.read();
    let Some(p) = data.payments.get(&id) else {
        return not_found(bare);
    };
    if p.status.is_final() {
        // Mollie sends a customer who comes back to a finished checkout on
        // to the shop; a page is shown only when there is nowhere to go.
        if page == Page::Checkout && notice.is_none() {
            if let Some(url) = target(p) {
                return redirect(url);
            }
        }
        return html(StatusCode::OK, &final_page(&data, p, account.mode, notice));
    }
    html(StatusCode::OK, &choice_page(&data, p, account.mode, notice))
}

/// `/checkout/preview/{profileId}` (a profile's `checkoutPreviewUrl`): the
/// merchant's name and the methods its checkout offers for euros, with
/// their images.
fn preview(app: &App, parts: &Parts, profile: &str) -> Resp {
    let missing = || error_page(&ApiError::not_found("profile", profile));
    let Some(mut account) = page_link::account(&app.registry, &Query::parse(parts.uri.query()))
    else {
        return missing();
    };
    // An access token's profiles live on its live account, whichever mode
    // rendered the link.
    if account.data.read().profile(profile).is_none() {
        if let Some(live) = account
            .key
            .strip_suffix("#test")
            .and_then(|k| app.registry.existing(k))
        {
            account = live;
        }
    }
    let data = account.data.read();
    let Some(p) = data.profile(profile) else {
        return missing();
    };
    let mut rows = String::new();
    for m in catalogue::METHODS {
        if !(m.at_checkout && p.enables(m.id, account.mode) && m.limit("EUR").is_some()) {
            continue;
        }
        rows.push_str(&format!(
            r#"<li class="method"><img src="/external/icons/payment-methods/{id}.svg" alt="" width="32" height="24"> {label}</li>
"#,
            id = attr(m.id),
            label = text(m.label),
        ));
    }
    let body = format!(
        r#"<header>
  <p class="merchant">{name}</p>
  <h1>Checkout preview</h1>
</header>
<div class="panel">
<p class="intro">The methods this profile's checkout offers for a payment in euros.</p>
<ul class="methods">
{rows}</ul>
</div>"#,
        name = text(&p.name),
    );
    html(
        StatusCode::OK,
        &layout(&format!("{} · Checkout preview", p.name), &body),
    )
}

/// Where the browser goes after a choice.
fn target(p: &Payment) -> Option<&str> {
    if p.status == PaymentStatus::Canceled {
        if let Some(url) = p.cancel_url.as_deref() {
            return Some(url);
        }
    }
    p.redirect_url.as_deref()
}

fn choose(app: &App, account: &Account, page: Page, bare: &str, body: &[u8]) -> Resp {
    let Some(id) = payment_id(bare) else {
        return not_found(bare);
    };
    let mut status = None;
    let mut method = None;
    for (k, v) in form_urlencoded::parse(body) {
        match k.as_ref() {
            "status" => status = Some(v.into_owned()),
            "method" => method = Some(v.into_owned()),
            _ => {}
        }
    }
    if status.as_deref() == Some("chargeback") {
        return chargeback(app, account, page, bare, &id);
    }
    let Some(to) = status.as_deref().and_then(PaymentStatus::parse) else {
        return show(
            account,
            page,
            bare,
            Some("Choose the status of the payment."),
        );
    };
    let method = match method.as_deref() {
        None | Some("") => None,
        Some(m) => match crate::catalogue::id(m) {
            Some(m) => Some(m),
            None => return show(account, page, bare, Some("Choose a payment method.")),
        },
    };
    let mut data = account.data.write();
    let Some(p) = data.payments.get(&id) else {
        return not_found(bare);
    };
    if let (Some(m), None) = (method, p.method) {
        if !lifecycle::method_options(&data, p, account.mode).contains(&m) {
            drop(data);
            return show(
                account,
                page,
                bare,
                Some("That payment method is not offered."),
            );
        }
    }
    if p.status == to && !to.is_final() {
        // "Open" (or the pending status kept): nothing changes; back to the shop.
        let url = p.redirect_url.clone();
        drop(data);
        return match url {
            Some(url) => redirect(&url),
            None => show(account, page, bare, Some("The status stays as it is.")),
        };
    }
    if let Err(e) = lifecycle::set_status(app, account, &mut data, &id, to, method) {
        return error_page(&e);
    }
    let url = data.payments.get(&id).and_then(target).map(str::to_owned);
    drop(data);
    match url {
        Some(url) => redirect(&url),
        None => show(
            account,
            page,
            bare,
            Some(&format!("The payment is {} now.", to.as_str())),
        ),
    }
}

/// The "Chargeback" outcome of a paid test payment: all that is not
/// charged back yet, as Mollie's own test page does; the webhook is called.
fn chargeback(app: &App, account: &Account, page: Page, bare: &str, id: &str) -> Resp {
    let made = {
        let mut data = account.data.write();
        crate::after_sales::charge_back(app, account, &mut data, id, None, None)
    };
    match made {
        Ok(chb) => show(
            account,
            page,
            bare,
            Some(&format!("Chargeback {chb} received.")),
        ),
        Err(e) => show(account, page, bare, Some(&e.detail)),
    }
}

fn redirect(url: &str) -> Resp {
    match HeaderValue::from_str(url) {
        Ok(location) => with_type(StatusCode::SEE_OTHER, HTML, Bytes::new())
            .header(LOCATION, location)
            .header(CACHE_CONTROL, HeaderValue::from_static("no-store")),
        // A URL a header cannot carry: let the person follow a link instead.
        Err(_) => html(
            StatusCode::OK,
            &layout(
                "Continue",
                &format!(
                    r#"<div class="panel"><p>Continue to <a href="{}">the website</a>.</p></div>"#,
                    attr(url)
                ),
            ),
        ),
    }
}

fn html(status: StatusCode, page: &str) -> Resp {
    with_type(status, HTML, Bytes::from(page.to_owned()))
        .header(CACHE_CONTROL, HeaderValue::from_static("no-store"))
}

/// A failure, rendered as a page (the browser gets HTML, not API JSON).
fn error_page(e: &ApiError) -> Resp {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    let body = format!(
        r#"<div class="panel"><h2>{} {}</h2><p>{}</p></div>"#,
        e.status,
        text(crate::error::title_for(e.status)),
        text(&e.detail)
    );
    let mut resp = html(status, &layout("Checkout", &body));
    for (name, value) in &e.headers {
        resp = resp.header(name.clone(), value.clone());
    }
    resp
}

/// `€10.00`, `$5.00`, `CHF 10.00`.
pub fn format_amount(value: &str, currency: &str) -> String {
    let symbol = match currency {
        "EUR" => "€",
        "USD" => "$",
        "GBP" => "£",
        "JPY" => "¥",
        _ => return format!("{currency} {value}"),
    };
    format!("{symbol}{value}")
}

/// The method's name as the checkout shows it (the catalogue's label).
pub fn method_label(method: &str) -> &str {
    catalogue::label(method)
}

fn status_label(s: PaymentStatus) -> &'static str {
    match s {
        PaymentStatus::Open => "Open",
        PaymentStatus::Pending => "Pending",
        PaymentStatus::Authorized => "Authorized",
        PaymentStatus::Paid => "Paid",
        PaymentStatus::Canceled => "Canceled",
        PaymentStatus::Expired => "Expired",
        PaymentStatus::Failed => "Failed",
    }
}

/// The outcomes offered: staying as is first, then every move allowed.
fn choices(data: &Data, p: &Payment, mode: Mode) -> Vec<PaymentStatus> {
    use PaymentStatus::*;
    let could_authorize = match p.method {
        Some(m) => catalogue::can_authorize(m, p.captures_later()),
        None => lifecycle::method_options(data, p, mode)
            .iter()
            .any(|m| catalogue::can_authorize(m, p.captures_later())),
    };
    let mut out = vec![p.status];
    for to in [Paid, Authorized, Failed, Canceled, Expired] {
        if to == Authorized && !could_authorize {
            continue;
        }
        // Captured later: the consumer only authorizes; a capture pays.
        if to == Paid && p.captures_later() && p.status != Authorized {
            continue;
        }
        if lifecycle::allowed(p.status, to) {
            out.push(to);
        }
    }
    out
}

/// The merchant the page is for: the payment's profile's name.
fn merchant(data: &Data, p: &Payment) -> String {
    data.profile_for(p)
        .map(|pr| pr.name.to_string())
        .unwrap_or_default()
}

fn header(merchant: &str, p: &Payment, mode: Mode, title: &str) -> String {
    let note = match mode {
        Mode::Test => "Note: this is a testmode payment.",
        Mode::Live => "Note: this is a live-mode payment, simulated by mollie-sandbox.",
    };
    format!(
        r#"<header>
  <p class="merchant">{merchant}</p>
  <p class="order">{description}</p>
  <h1>{title}</h1>
  <p class="amount">{amount}</p>
</header>
<p class="note note-test"><span class="dot">!</span>{note}</p>
"#,
        merchant = text(merchant),
        description = text(&p.description),
        title = text(title),
        amount = text(&format_amount(&p.amount.value, &p.amount.currency)),
        note = text(note),
    )
}

fn choice_page(data: &Data, p: &Payment, mode: Mode, notice: Option<&str>) -> String {
    let recurring = p.sequence_type == SequenceType::Recurring;
    let title = if recurring {
        "Recurring test payment"
    } else {
        "Test payment"
    };
    let mut rows = String::new();
    rows.push_str(&format!(
        r#"<tr><th>Description</th><td>{}</td></tr>
<tr><th>Payment</th><td class="mono">{}</td></tr>
"#,
        text(&p.description),
        text(&p.id)
    ));
    match p.method {
        Some(m) => rows.push_str(&format!(
            "<tr><th>Method</th><td>{}</td></tr>\n",
            text(method_label(m))
        )),
        None => {
            let mut select = String::from(r#"<select id="method" name="method">"#);
            for m in lifecycle::method_options(data, p, mode) {
                select.push_str(&format!(
                    r#"<option value="{}">{}</option>"#,
                    attr(m),
                    text(method_label(m))
                ));
            }
            select.push_str("</select>");
            rows.push_str(&format!(
                "<tr><th><label for=\"method\">Method</label></th><td>{select}</td></tr>\n"
            ));
        }
    }
    let mut radios = String::new();
    for s in choices(data, p, mode) {
        radios.push_str(&format!(
            r#"<label class="choice"><input type="radio" name="status" value="{value}" required> {label}</label>
"#,
            value = attr(s.as_str()),
            label = text(status_label(s)),
        ));
    }
    rows.push_str(&format!(
        "<tr><th>Status of your payment</th><td class=\"choices\">{radios}</td></tr>\n"
    ));
    let notice = notice
        .map(|n| format!(r#"<p class="note note-info">{}</p>"#, text(n)))
        .unwrap_or_default();
    let body = format!(
        r#"{header}{notice}<form method="post" class="panel">
<p class="intro">On this page you can select the final payment status of the test payment. The payment status will be reported to your website.</p>
<table>
{rows}</table>
<button type="submit">Continue &rsaquo;</button>
</form>"#,
        header = header(&merchant(data, p), p, mode, title),
    );
    layout(&format!("{} · Test checkout", p.description), &body)
}

fn final_page(data: &Data, p: &Payment, mode: Mode, notice: Option<&str>) -> String {
    let message = format!(
        "This payment is {} and can no longer change.",
        status_label(p.status).to_lowercase()
    );
    // A paid test payment can still be charged back, as on Mollie's page.
    let chargeback = if p.status == PaymentStatus::Paid && mode == Mode::Test {
        r#"<form method="post"><input type="hidden" name="status" value="chargeback"><button type="submit">Chargeback &rsaquo;</button></form>
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
    let notice = notice
        .map(|n| format!(r#"<p class="note note-info">{}</p>"#, text(n)))
        .unwrap_or_default();
    let body = format!(
        r#"{header}{notice}<div class="panel">
<table>
<tr><th>Payment</th><td class="mono">{id}</td></tr>
<tr><th>Status</th><td><span class="badge badge-{status}">{label}</span></td></tr>
</table>
<p class="intro">{message}</p>
{chargeback}{back}</div>"#,
        header = header(&merchant(data, p), p, mode, "Test payment"),
        id = text(&p.id),
        status = attr(p.status.as_str()),
        label = text(status_label(p.status)),
        message = text(&message),
    );
    layout(&format!("{} · Test checkout", p.description), &body)
}

fn layout(title: &str, body: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{CSS}</style>
</head>
<body>
<main class="card">
{body}
<footer><span class="lock" aria-hidden="true"></span>Test payment simulated by <strong>mollie-sandbox</strong></footer>
</main>
</body>
</html>
"#,
        title = text(title),
    )
}

const CSS: &str = r#"
*{box-sizing:border-box}
html{min-height:100%;background:linear-gradient(160deg,#0f3b57 0%,#1f6f8b 45%,#2b2d42 100%)}
body{margin:0;padding:28px 16px;font:15px/1.55 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1b1b1b}
.card{max-width:520px;margin:0 auto;background:#f7f7f7;border-radius:10px;padding:36px 48px 22px;box-shadow:0 10px 40px rgba(0,0,0,.35)}
header{text-align:center;margin-bottom:22px}
.merchant{margin:0 0 2px;font-weight:700;font-size:17px;color:#2b2b2b}
.order{margin:0;color:#6b6b6b;font-size:16px}
h1{margin:4px 0 2px;font-size:23px;font-weight:700;color:#2b2b2b}
h2{margin:0 0 8px;font-size:18px}
.amount{margin:0;font-size:22px;font-weight:700;color:#2b2b2b}
.note{display:flex;align-items:center;gap:10px;margin:0 0 12px;padding:9px 16px;border-radius:6px;background:#ececec;font-size:13px;color:#333}
.dot{display:inline-flex;align-items:center;justify-content:center;width:16px;height:16px;border-radius:50%;background:#f5b85a;color:#fff;font-size:11px;font-weight:700}
.note-info{background:#e4f0fd;color:#0b4f8a}
.panel{display:block;margin-top:18px;background:#fff;border-radius:6px;padding:30px 40px 32px}
.intro{margin:0 0 18px;color:#555;font-size:15px}
table{width:100%;border-collapse:collapse;margin-bottom:28px;font-size:14px}
tr:nth-child(odd){background:#f2f2f2}
th{width:40%;padding:9px 10px;text-align:left;vertical-align:top;font-weight:400;font-size:11px;letter-spacing:.05em;text-transform:uppercase;color:#666}
td{padding:8px 10px;color:#222}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
.choices{padding-top:6px}
.choice{display:block;padding:1px 0;cursor:pointer}
.choice input{margin:0 6px 0 0;vertical-align:-1px}
select{width:100%;padding:5px 6px;border:1px solid #ccc;border-radius:4px;background:#fff;font:inherit}
button,.button{display:block;width:100%;padding:14px;border:0;border-radius:6px;background:#0077ff;color:#fff;font:inherit;font-size:16px;text-align:center;text-decoration:none;cursor:pointer}
button:hover,.button:hover{background:#0062d1}
.methods{list-style:none;margin:0;padding:0}
.method{display:flex;align-items:center;gap:12px;padding:8px 0;border-bottom:1px solid #eee}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;background:#ddd;font-size:12px;font-weight:600}
.badge-paid{background:#d7f5df;color:#11652b}
.badge-failed,.badge-expired,.badge-canceled{background:#fde3e1;color:#8a1c12}
footer{margin-top:22px;text-align:center;font-size:13px;color:#555}
.lock{display:inline-block;width:9px;height:8px;margin-right:7px;background:#555;border-radius:1px;position:relative;top:-1px}
.lock:before{content:"";position:absolute;left:1px;top:-5px;width:5px;height:5px;border:1.5px solid #555;border-bottom:0;border-radius:4px 4px 0 0}
a{color:#0062d1}
@media (max-width:560px){.card{padding:26px 18px}.panel{padding:22px 16px}}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_show_their_currency() {
        assert_eq!(format_amount("10.00", "EUR"), "€10.00");
        assert_eq!(format_amount("10.00", "CHF"), "CHF 10.00");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(text("<b>&"), "&lt;b&gt;&amp;");
        assert_eq!(attr(r#"a"b"#), "a&quot;b");
    }
}
