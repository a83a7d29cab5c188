//! `/checkout/credit-card/embedded/{id}`: the card form, built as Mollie
//! Components build it: one same-origin iframe per field
//! (`cardHolder-input`, `cardNumber-input`, `expiryDate-input`,
//! `verificationCode-input`), each holding an input with the field's name
//! as its id, inside a wrapper `.mollie-component--{field}` that the
//! field marks `is-valid` or `is-invalid` as it is typed in (a Luhn-valid
//! number, a month not in the past, a 3-4 digit code). `#submit-button`
//! moves on to the status page once all four are valid. The card data
//! never leaves the browser, as with Mollie's components.

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::{methods, picks_method, redirect, settled, Cx, Frame, Screen};
use crate::error::ApiError;
use crate::http::response::Resp;
use crate::store::PaymentStatus;

const FIELDS: [&str; 4] = ["cardHolder", "cardNumber", "expiryDate", "verificationCode"];

pub fn show(cx: &Cx<'_>) -> Resp {
    let data = cx.account.data.read();
    let Some(p) = data.payments.get(&cx.id) else {
        return cx.not_found();
    };
    if let Some(done) = settled(cx, &data, p) {
        return done;
    }
    if !takes_cards(&data, cx.account.mode, p) {
        return cx.not_found();
    }
    let words = cx.words(p);
    let label = |f: &str| match f {
        "cardHolder" => words.card_holder,
        "cardNumber" => words.card_number,
        "expiryDate" => words.expiry,
        _ => words.cvc,
    };
    let field = |f: &str| {
        format!(
            r#"<div class="field"><label>{label}</label><div class="mollie-component mollie-component--{f}"><iframe name="{f}-input" title="{label}" src="/checkout/components/{f}"></iframe></div></div>"#,
            label = text(label(f)),
        )
    };
    let panel = format!(
        r#"<form method="post" class="panel" id="card-form" novalidate>
<h2>{title}</h2>
{holder}
{number}
<div class="row">{expiry}{cvc}</div>
<button id="submit-button" class="button" type="submit">{pay} {amount}</button>
</form>
<script>{SUBMIT}</script>"#,
        title = text(words.card_title),
        holder = field(FIELDS[0]),
        number = field(FIELDS[1]),
        expiry = field(FIELDS[2]),
        cvc = field(FIELDS[3]),
        pay = text(words.pay),
        amount = text(&super::format_amount(&p.amount.value, &p.amount.currency)),
    );
    super::html(
        &Frame {
            cx,
            p,
            merchant: methods::merchant_name(&data, p),
            words,
            method_note: None,
            notice: None,
        }
        .page(&panel),
    )
}

fn takes_cards(
    data: &crate::store::Data,
    mode: crate::store::Mode,
    p: &crate::store::Payment,
) -> bool {
    p.method == Some("creditcard")
        || (picks_method(p) && methods::offered(data, p, mode, "creditcard"))
}

/// The form posts once every field is valid: on to the status page.
pub fn submit(cx: &Cx<'_>, _body: &[u8]) -> Resp {
    let mut data = cx.account.data.write();
    let cards = data
        .payments
        .get(&cx.id)
        .is_some_and(|p| takes_cards(&data, cx.account.mode, p));
    let Some(p) = data.payments.get_mut(&cx.id) else {
        return cx.not_found();
    };
    if p.status.is_final() || !cards {
        drop(data);
        return show(cx);
    }
    if p.status == PaymentStatus::Open {
        p.method = Some("creditcard");
    }
    drop(data);
    redirect(&cx.link(&Screen::Status))
}

/// `/checkout/components/{field}`: the page inside one field's iframe.
pub fn component(field: &str) -> Resp {
    let Some(field) = FIELDS.iter().find(|f| **f == field) else {
        return super::error_page(&ApiError::new(404, "There is no such card field."));
    };
    let (kind, max, mode, complete) = match *field {
        "cardHolder" => ("text", 64, "text", "cc-name"),
        "cardNumber" => ("text", 23, "numeric", "cc-number"),
        "expiryDate" => ("text", 7, "numeric", "cc-exp"),
        _ => ("text", 4, "numeric", "cc-csc"),
    };
    let page = format!(
        r#"<!doctype html>
<html><head><meta charset="utf-8"><style>
html,body{{margin:0;padding:0;background:transparent}}
input{{width:100%;height:38px;border:0;outline:0;padding:0;background:transparent;font:15px -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Arial,sans-serif;color:#1b1b1b}}
</style></head><body>
<input id="{field}" name="{field}" type="{kind}" maxlength="{max}" inputmode="{mode}" autocomplete="{complete}" spellcheck="false">
<script>var FIELD="{field}";{FIELD_JS}</script>
</body></html>
"#,
        field = attr(field),
    );
    super::html(&page)
}

/// Inside a field's iframe: tidy the input, judge it, mark the wrapper.
const FIELD_JS: &str = r#"
var input = document.getElementById(FIELD);
function luhn(d) {
  var sum = 0, alt = false;
  for (var i = d.length - 1; i >= 0; i--) {
    var n = d.charCodeAt(i) - 48;
    if (alt) { n *= 2; if (n > 9) n -= 9; }
    sum += n; alt = !alt;
  }
  return sum % 10 === 0;
}
function valid(v) {
  var d = v.replace(/\D/g, '');
  switch (FIELD) {
    case 'cardHolder': return v.trim().length >= 2;
    case 'cardNumber': return /^[\d ]*$/.test(v) && d.length >= 12 && d.length <= 19 && luhn(d);
    case 'expiryDate':
      if (d.length !== 4) return false;
      var m = +d.slice(0, 2), y = 2000 + +d.slice(2), now = new Date();
      return m >= 1 && m <= 12 && (y > now.getFullYear() || (y === now.getFullYear() && m >= now.getMonth() + 1));
    default: return /^\d{3,4}$/.test(v);
  }
}
function tidy() {
  if (FIELD !== 'expiryDate') return;
  var d = input.value.replace(/\D/g, '').slice(0, 4);
  var v = d.length > 2 ? d.slice(0, 2) + ' / ' + d.slice(2) : d;
  if (v !== input.value) input.value = v;
}
function mark() {
  var wrap = window.frameElement && window.frameElement.parentElement;
  if (!wrap) return;
  var empty = input.value.trim() === '';
  wrap.classList.toggle('is-valid', !empty && valid(input.value));
  wrap.classList.toggle('is-invalid', !empty && !valid(input.value));
  wrap.dataset.touched = '1';
}
input.addEventListener('input', function () { tidy(); mark(); });
input.addEventListener('blur', mark);
window.markInvalid = function () {
  var wrap = window.frameElement && window.frameElement.parentElement;
  if (wrap && !valid(input.value)) { wrap.classList.remove('is-valid'); wrap.classList.add('is-invalid'); }
};
"#;

/// On the form: submit only when every field is valid, else mark the rest.
const SUBMIT: &str = r#"
document.getElementById('card-form').addEventListener('submit', function (e) {
  var frames = document.querySelectorAll('.mollie-component iframe'), ok = true;
  for (var i = 0; i < frames.length; i++) {
    var w = frames[i].contentWindow;
    if (w && w.markInvalid) w.markInvalid();
    if (!frames[i].parentElement.classList.contains('is-valid')) ok = false;
  }
  if (!ok) e.preventDefault();
});
"#;
