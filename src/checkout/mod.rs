//! `/checkout/…`: the hosted test checkout, screen for screen as Mollie's,
//! with the markup end-to-end suites written against Mollie's (such as
//! `cypress-mollie`) drive: method list, issuer list, card form, and the
//! test-mode status page where a person picks the outcome.
//!
//! One file per screen: [`select_method`], [`select_issuer`], [`card`],
//! [`status`]; [`methods`] is the checkout's one window on the method
//! catalogue and [`i18n`] its words. The way through:
//!
//! ```text
//! select-method/{id} --(method with issuers)--> select-issuer/{method}/{id}
//!        |        \--(creditcard)-------------> credit-card/embedded/{id}
//!        \--(other)-----------------------------------> test-mode/{id}  (status page)
//! ```
//!
//! `_links.checkout` ([`checkout_path`]) enters where Mollie's does: the
//! method list when the payment has no method (or a list of them), else the
//! method's own first screen. Every screen works without JavaScript except
//! the card fields, which are same-origin iframes as Mollie Components.
//!
//! A browser has no API key: every checkout link carries its account's
//! opaque token (`?account=…`, [`crate::page_link`]) and the screens act on
//! that account alone; [`Cx::link`] keeps it on every link and redirect.
//! [`route`] is the one place that knows how a checkout link names its
//! payment. `/checkout/preview/pfl_…` (a profile's `checkoutPreviewUrl`)
//! finds its account the same way. Every value shown is escaped.

pub mod card;
pub mod i18n;
pub mod methods;
pub mod select_issuer;
pub mod select_method;
pub mod status;

use std::sync::Arc;

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
use crate::page_link;
use crate::store::{Account, Data, Mode, Payment, PaymentStatus, SequenceType};

use i18n::Words;

const HTML: &str = "text/html; charset=utf-8";

/// The screens, by their place in a checkout link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    SelectMethod,
    SelectIssuer(String),
    Card,
    /// `test-mode`: the status page (also `_links.changePaymentState`).
    Status,
}

/// What a checkout request names: the screen, the payment (its id without
/// `tr_`) and the page's query (`locale`, `notice`, the account's token).
pub struct Route {
    pub screen: Screen,
    pub bare: String,
    pub locale: Option<String>,
    pub notice: Option<String>,
    pub account: Option<String>,
}

/// Reads a checkout path and query. Mollie's own forms are accepted too:
/// `issuer/select/ideal/{id}` and `test-mode?method=ideal&token={id}`.
pub fn route(path: &str, query: Option<&str>) -> Option<Route> {
    let mut locale = None;
    let mut notice = None;
    let mut token = None;
    let mut account = None;
    for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match k.as_ref() {
            page_link::PARAM => account = Some(v.into_owned()),
            "locale" => locale = Some(v.into_owned()),
            "notice" => notice = Some(v.into_owned()),
            "token" => token = Some(v.into_owned()),
            _ => {}
        }
    }
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(2).collect();
    let (screen, bare) = match segments.as_slice() {
        ["select-method", bare] => (Screen::SelectMethod, bare.to_string()),
        ["select-issuer", method, bare] | ["issuer", "select", method, bare] => {
            (Screen::SelectIssuer(method.to_string()), bare.to_string())
        }
        ["credit-card", "embedded", bare] => (Screen::Card, bare.to_string()),
        ["test-mode", bare] => (Screen::Status, bare.to_string()),
        ["test-mode"] => (Screen::Status, token?),
        _ => return None,
    };
    let ok = !bare.is_empty() && bare.bytes().all(|b| b.is_ascii_alphanumeric());
    ok.then_some(Route {
        screen,
        bare,
        locale,
        notice,
        account,
    })
}

/// The path of a screen for a payment (no leading slash, as `Render::page`
/// takes it).
pub fn screen_path(screen: &Screen, bare: &str) -> String {
    match screen {
        Screen::SelectMethod => format!("checkout/select-method/{bare}"),
        Screen::SelectIssuer(m) => format!("checkout/select-issuer/{m}/{bare}"),
        Screen::Card => format!("checkout/credit-card/embedded/{bare}"),
        Screen::Status => format!("checkout/test-mode/{bare}"),
    }
}

/// Whether the consumer picks the method (none was given, or a list).
pub fn picks_method(p: &Payment) -> bool {
    p.method_choices.len() != 1 && p.sequence_type != SequenceType::Recurring
}

/// The screen after the method is known: its issuers (unless one was
/// given), the card form, or the status page.
pub fn method_screen(p: &Payment) -> Screen {
    match p.method {
        None => Screen::SelectMethod,
        Some("creditcard") => Screen::Card,
        Some(m) if !methods::issuers(m).is_empty() && p.issuer().is_none() => {
            Screen::SelectIssuer(m.to_owned())
        }
        Some(_) => Screen::Status,
    }
}

/// Where `_links.checkout` points, as Mollie's does for each case.
pub fn checkout_path(p: &Payment) -> String {
    let screen = if picks_method(p) {
        Screen::SelectMethod
    } else {
        method_screen(p)
    };
    screen_path(&screen, p.bare_id())
}

pub fn handle(app: &App, parts: &Parts, body: Bytes, _tls: bool) -> Resp {
    if let Some(field) = parts.uri.path().strip_prefix("/checkout/components/") {
        return card::component(field);
    }
    if let Some(profile) = parts.uri.path().strip_prefix("/checkout/preview/") {
        return match parts.method {
            Method::GET | Method::HEAD => preview(app, parts, profile.trim_end_matches('/')),
            _ => error_page(&crate::api::not_allowed("GET")),
        };
    }
    let Some(route) = route(parts.uri.path(), parts.uri.query()) else {
        return error_page(&ApiError::new(404, "There is no such checkout page."));
    };
    let post = match parts.method {
        Method::GET | Method::HEAD => None,
        Method::POST => Some(body),
        _ => return error_page(&crate::api::not_allowed("GET, POST")),
    };
    let Some(account) = page_link::account(&app.registry, &Query::parse(parts.uri.query())) else {
        return error_page(&ApiError::not_found(
            "payment",
            &format!("tr_{}", route.bare),
        ));
    };
    let cx = Cx {
        app,
        account,
        id: format!("tr_{}", route.bare),
        route: &route,
    };
    match (&route.screen, post) {
        (Screen::SelectMethod, None) => select_method::show(&cx),
        (Screen::SelectMethod, Some(b)) => select_method::choose(&cx, &b),
        (Screen::SelectIssuer(m), None) => select_issuer::show(&cx, m),
        (Screen::SelectIssuer(m), Some(b)) => select_issuer::choose(&cx, m, &b),
        (Screen::Card, None) => card::show(&cx),
        (Screen::Card, Some(b)) => card::submit(&cx, &b),
        (Screen::Status, None) => status::show(&cx, None),
        (Screen::Status, Some(b)) => status::choose(&cx, &b),
    }
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
            r#"<li class="item"><img src="{logo}" alt="" width="32" height="24"> <span class="item__label">{label}</span></li>
"#,
            logo = attr(&methods::method_logo(m.id)),
            label = text(m.label),
        ));
    }
    let body = format!(
        r#"<header class="header">
  <h1 class="header__merchant-name">{name}</h1>
  <p class="header__info">Checkout preview</p>
</header>
<div class="panel">
<p class="intro">The methods this profile's checkout offers for a payment in euros.</p>
<ul class="list">
{rows}</ul>
</div>"#,
        name = text(&p.name),
    );
    html(&layout(
        "en",
        &format!("{} · Checkout preview", p.name),
        &body,
        "",
    ))
}

/// What every screen handler works with.
pub struct Cx<'a> {
    pub app: &'a App,
    pub account: Arc<Account>,
    pub id: String,
    pub route: &'a Route,
}

impl Cx<'_> {
    pub fn not_found(&self) -> Resp {
        error_page(&ApiError::not_found("payment", &self.id))
    }

    /// The page's language for `p`.
    pub fn words(&self, p: &Payment) -> &'static Words {
        i18n::pick(self.route.locale.as_deref(), p.locale)
    }

    /// `path` with the page's chosen language and its account kept.
    pub fn link(&self, screen: &Screen) -> String {
        let mut url = format!("/{}", screen_path(screen, &self.route.bare));
        if let Some(l) = self.route.locale.as_deref().and_then(i18n::find) {
            url.push_str("?locale=");
            url.push_str(l.locale);
        }
        page_link::href(url, &self.account.page_token)
    }
}

/// A form body's fields, by name.
pub fn form(body: &[u8]) -> impl Fn(&str) -> Option<String> + '_ {
    move |name| {
        form_urlencoded::parse(body)
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .filter(|v| !v.is_empty())
    }
}

/// A final payment's screens: the shop, where there is one to go back to;
/// else (and on the status page, `changePaymentState`) the final page.
pub fn settled(cx: &Cx<'_>, data: &Data, p: &Payment) -> Option<Resp> {
    if !p.status.is_final() {
        return None;
    }
    if cx.route.screen != Screen::Status {
        if let Some(url) = target(p) {
            return Some(redirect(url));
        }
    }
    Some(status::final_page(cx, data, p, None))
}

/// Where the browser goes once the payment is settled.
pub fn target(p: &Payment) -> Option<&str> {
    if p.status == PaymentStatus::Canceled {
        if let Some(url) = p.cancel_url.as_deref() {
            return Some(url);
        }
    }
    p.redirect_url.as_deref()
}

pub fn redirect(url: &str) -> Resp {
    match HeaderValue::from_str(url) {
        Ok(location) => with_type(StatusCode::SEE_OTHER, HTML, Bytes::new())
            .header(LOCATION, location)
            .header(CACHE_CONTROL, HeaderValue::from_static("no-store")),
        // A URL a header cannot carry: let the person follow a link instead.
        Err(_) => html(&layout(
            "en",
            "Continue",
            &format!(
                r#"<div class="panel"><p>Continue to <a href="{}">the website</a>.</p></div>"#,
                attr(url)
            ),
            "",
        )),
    }
}

pub fn html(page: &str) -> Resp {
    with_type(StatusCode::OK, HTML, Bytes::from(page.to_owned()))
        .header(CACHE_CONTROL, HeaderValue::from_static("no-store"))
}

/// A failure, rendered as a page (the browser gets HTML, not API JSON).
pub fn error_page(e: &ApiError) -> Resp {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    let body = format!(
        r#"<div class="panel"><h2>{} {}</h2><p>{}</p></div>"#,
        e.status,
        text(crate::error::title_for(e.status)),
        text(&e.detail)
    );
    let mut resp = html(&layout("en", "Checkout", &body, ""));
    resp.status = status;
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

/// What a screen puts around its own panel.
pub struct Frame<'a> {
    pub cx: &'a Cx<'a>,
    pub p: &'a Payment,
    pub merchant: &'a str,
    pub words: &'static Words,
    /// The method note under the test-mode note (the status page's).
    pub method_note: Option<&'a str>,
    pub notice: Option<&'a str>,
}

impl Frame<'_> {
    /// The whole page: header, notes, `panel`, footer (language switch,
    /// the way back to the method list when the consumer picks the method).
    pub fn page(&self, panel: &str) -> String {
        let w = self.words;
        let mode_note = match self.cx.account.mode {
            Mode::Test => w.note_test,
            Mode::Live => w.note_live,
        };
        let mut notes = format!(
            r#"<p class="note note-test"><span class="dot">!</span>{}</p>"#,
            text(mode_note)
        );
        if let Some(m) = self.method_note {
            notes.push_str(&format!(
                r#"<p class="note note-ready"><span class="dot dot-ok">&#10003;</span>{}</p>"#,
                text(&w.ready.replace("{}", m))
            ));
        }
        if let Some(n) = self.notice {
            notes.push_str(&format!(
                r#"<p class="note note-info notice" role="alert">{}</p>"#,
                text(n)
            ));
        }
        let header = format!(
            r#"<header class="header">
  <p class="header__info">{info}</p>
  <h1 class="header__merchant-name">{merchant}</h1>
  <p class="header__amount">{amount}</p>
</header>
{notes}
"#,
            info = text(&self.p.description),
            merchant = text(self.merchant),
            amount = text(&format_amount(
                &self.p.amount.value,
                &self.p.amount.currency
            )),
        );
        let back = if picks_method(self.p)
            && self.p.status == PaymentStatus::Open
            && self.cx.route.screen != Screen::SelectMethod
        {
            format!(
                r#"<a class="button--link" href="{}">&lsaquo; {}</a>"#,
                attr(&self.cx.link(&Screen::SelectMethod)),
                text(w.payment_methods)
            )
        } else {
            String::new()
        };
        let mut options = String::new();
        for l in &i18n::LANGUAGES {
            options.push_str(&format!(
                r#"<option value="{v}"{sel}>{name}</option>"#,
                v = l.locale,
                sel = if l.lang == w.lang { " selected" } else { "" },
                name = text(l.language),
            ));
        }
        let footer = format!(
            r#"<nav class="footer-nav">{back}<form method="get" class="locale"><input type="hidden" name="{param}" value="{token}"><label class="sr" for="select-locale">Language</label><select id="select-locale" name="locale" onchange="this.form.submit()">{options}</select><noscript><input type="submit" value="OK"></noscript></form></nav>"#,
            param = page_link::PARAM,
            token = attr(&self.cx.account.page_token),
        );
        let title = format!("{} · {}", self.p.description, self.merchant);
        layout(w.lang, &title, &format!("{header}{panel}"), &footer)
    }
}

pub fn layout(lang: &str, title: &str, body: &str, footer: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{CSS}</style>
</head>
<body>
<main class="card">
{body}
{footer}
<footer><span class="lock" aria-hidden="true"></span>Test payment simulated by <strong>mollie-sandbox</strong></footer>
</main>
</body>
</html>
"#,
        lang = attr(lang),
        title = text(title),
    )
}

const CSS: &str = r#"
*{box-sizing:border-box}
html{min-height:100%;background:linear-gradient(160deg,#0f3b57 0%,#1f6f8b 45%,#2b2d42 100%)}
body{margin:0;padding:28px 16px;font:15px/1.55 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1b1b1b}
.card{max-width:520px;margin:0 auto;background:#f7f7f7;border-radius:10px;padding:36px 48px 22px;box-shadow:0 10px 40px rgba(0,0,0,.35)}
.header{text-align:center;margin-bottom:22px}
.header__info{margin:0;color:#6b6b6b;font-size:16px}
.header__merchant-name{margin:4px 0 2px;font-size:23px;font-weight:700;color:#2b2b2b}
.header__amount{margin:0;font-size:22px;font-weight:700;color:#2b2b2b}
h2{margin:0 0 14px;font-size:17px;font-weight:600;color:#2b2b2b}
.note{display:flex;align-items:center;gap:10px;margin:0 0 10px;padding:9px 16px;border-radius:6px;background:#ececec;font-size:13px;color:#333}
.dot{display:inline-flex;flex:none;align-items:center;justify-content:center;width:16px;height:16px;border-radius:50%;background:#f5b85a;color:#fff;font-size:11px;font-weight:700}
.dot-ok{background:#0077ff}
.note-info{background:#fdecea;color:#8a1c12}
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
.button{display:block;width:100%;padding:14px;border:0;border-radius:6px;background:#0077ff;color:#fff;font:inherit;font-size:16px;text-align:center;text-decoration:none;cursor:pointer}
.button:hover{background:#0062d1}
.list{list-style:none;margin:0;padding:0}
.list li+li{margin-top:8px}
.item{display:flex;align-items:center;gap:14px;width:100%;padding:12px 14px;border:1px solid #e2e2e2;border-radius:6px;background:#fff;font:inherit;font-size:15px;color:#1b1b1b;text-align:left;cursor:pointer}
.item:hover{border-color:#0077ff;background:#f5f9ff}
.item img{width:32px;height:24px;flex:none}
.footer-nav{display:flex;align-items:center;justify-content:space-between;gap:12px;margin-top:16px;font-size:13px}
.button--link{color:#0062d1;text-decoration:none}
.locale{margin-left:auto}
.locale select{padding:3px 4px;border:1px solid #ccc;border-radius:4px;background:#fff;font:inherit;font-size:13px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.field{margin-bottom:14px}
.field label{display:block;margin-bottom:4px;font-size:13px;color:#555}
.mollie-component{height:40px;padding:0 10px;border:1px solid #ccc;border-radius:4px;background:#fff}
.mollie-component iframe{width:100%;height:38px;border:0}
.mollie-component.is-valid{border-color:#2e9d4e}
.mollie-component.is-invalid{border-color:#d93025;background:#fff6f5}
.row{display:flex;gap:12px}.row .field{flex:1}
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

    #[test]
    fn routes_read_mollies_paths() {
        let r = route("/checkout/select-issuer/ideal/abc123", None).unwrap();
        assert_eq!(r.screen, Screen::SelectIssuer("ideal".into()));
        assert_eq!(r.bare, "abc123");
        let r = route(
            "/checkout/test-mode",
            Some("method=ideal&token=xyz&locale=de_DE"),
        )
        .unwrap();
        assert_eq!((r.screen, r.bare.as_str()), (Screen::Status, "xyz"));
        assert_eq!(r.locale.as_deref(), Some("de_DE"));
        assert!(route("/checkout/select-method/bad%3C", None).is_none());
        assert!(route("/checkout/nothing/abc", None).is_none());
        assert_eq!(
            screen_path(&Screen::Card, "x1"),
            "checkout/credit-card/embedded/x1"
        );
    }
}
