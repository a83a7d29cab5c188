//! A payment as HAL JSON.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use super::*;
use crate::store::{Amount, Mode, Payment, PaymentStatus, SequenceType};

pub struct PaymentView<'a> {
    pub payment: &'a Payment,
    pub render: Render<'a>,
    pub links: Option<PaymentLinks>,
    /// `embed=refunds,chargebacks,captures`: under `_embedded`.
    pub embedded: Option<PaymentEmbeds<'a>>,
}

/// The objects `embed` asked for; `None` for a kind not asked.
#[derive(Default)]
pub struct PaymentEmbeds<'a> {
    pub refunds: Option<Vec<RefundView<'a>>>,
    pub chargebacks: Option<Vec<ChargebackView<'a>>>,
    pub captures: Option<Vec<CaptureView<'a>>>,
}

impl Serialize for PaymentEmbeds<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        if let Some(v) = &self.captures {
            m.serialize_entry("captures", v)?;
        }
        if let Some(v) = &self.refunds {
            m.serialize_entry("refunds", v)?;
        }
        if let Some(v) = &self.chargebacks {
            m.serialize_entry("chargebacks", v)?;
        }
        m.end()
    }
}

pub struct PaymentLinks {
    pub documentation: Option<&'static str>,
}

impl Serialize for PaymentView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_text(self, s)
    }
}

impl TextView for PaymentView<'_> {
    /// The payment as JSON text ([`ObjectText`]), field for field what
    /// [`TextView::serialize_fields`] writes; `None` when a link needs
    /// escaping. A payment is on most write responses, and serde_json's
    /// calls per key and value were its largest cost.
    fn text(&self) -> Option<String> {
        let p = self.payment;
        let r = &self.render;
        let mut o = ObjectText::resource(2048, "payment", &p.id, r.mode);
        o.datetime("createdAt", p.created_at);
        o.amount("amount", &p.amount.value, &p.amount.currency);
        for (name, v) in extras_after_amount(p) {
            o.raw(name, Some(v));
        }
        o.str("description", &p.description);
        o.opt_str("method", p.method);
        o.raw("metadata", p.metadata.as_deref());
        o.word("status", p.status.as_str());
        if !p.status.is_final() {
            o.bool("isCancelable", p.is_cancelable());
        }
        for (name, at) in timestamps(p) {
            o.datetime(name, at);
        }
        let m = &p.money;
        if m.manual_capture {
            o.word("captureMode", "manual");
        } else if let Some((delay, _)) = &m.capture_delay {
            o.word("captureMode", "automatic");
            o.str("captureDelay", delay);
        }
        if p.status == PaymentStatus::Authorized {
            if let Some(at) = m.capture_before {
                o.datetime("captureBefore", at);
            }
        }
        let paid = p.status == PaymentStatus::Paid;
        let currency = &p.amount.currency;
        let minor = |o: &mut ObjectText, name, n| {
            let a = Amount::from_minor(n, currency);
            o.amount(name, &a.value, &a.currency);
        };
        if paid {
            minor(&mut o, "amountRefunded", m.refunded);
            minor(&mut o, "amountRemaining", p.amount_remaining());
        }
        if p.authorized_at.is_some() {
            minor(&mut o, "amountCaptured", m.captured);
        }
        if m.charged_back > 0 {
            minor(&mut o, "amountChargedBack", m.charged_back);
        }
        if let Some(locale) = p.locale {
            o.word("locale", locale);
        }
        if let Some(cc) = &p.country_code {
            o.str("countryCode", cc);
        }
        if let Some(cc) = &p.restrict_to_country {
            o.str("restrictPaymentMethodsToCountry", cc);
        }
        o.str("profileId", p.profile_id.as_deref().unwrap_or(r.profile_id));
        if let Some(id) = &p.customer_id {
            o.str("customerId", id);
        }
        if let Some(id) = &p.mandate_id {
            o.str("mandateId", id);
        }
        if let Some(id) = &p.subscription_id {
            o.str("subscriptionId", id);
        }
        o.word("sequenceType", p.sequence_type.as_str());
        o.opt_str("redirectUrl", p.redirect_url.as_deref());
        if let Some(url) = &p.cancel_url {
            o.str("cancelUrl", url);
        }
        if let Some(url) = &p.webhook_url {
            o.str("webhookUrl", url);
        }
        if paid && p.amount.currency == "EUR" && p.method != Some("paypal") {
            o.amount("settlementAmount", &p.amount.value, &p.amount.currency);
        }
        if let Some(details) = &p.details {
            o.raw("details", Some(details));
        }
        for (name, v) in extras_last(p) {
            o.raw(name, Some(v));
        }
        if let Some(e) = &self.embedded {
            if !o.json("_embedded", e) {
                return None;
            }
        }
        if let Some(l) = &self.links {
            let links = payment_links(p, r, l);
            if !o.links(links.0.iter().map(|(k, v)| (*k, v.pieces()))) {
                return None;
            }
        }
        Some(o.finish())
    }

    fn serialize_fields<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.payment;
        let r = &self.render;
        let mut st = s.serialize_struct("payment", 32)?;
        st.serialize_field("resource", "payment")?;
        st.serialize_field("id", &p.id)?;
        st.serialize_field("mode", r.mode.as_str())?;
        st.serialize_field("createdAt", &DateTime(p.created_at))?;
        st.serialize_field("amount", &AmountView::from(&p.amount))?;
        for (name, v) in extras_after_amount(p) {
            st.serialize_field(name, v)?;
        }
        st.serialize_field("description", &p.description)?;
        st.serialize_field("method", &p.method)?;
        st.serialize_field("metadata", &p.metadata)?;
        st.serialize_field("status", p.status.as_str())?;
        if !p.status.is_final() {
            st.serialize_field("isCancelable", &p.is_cancelable())?;
        }
        for (name, at) in timestamps(p) {
            st.serialize_field(name, &DateTime(at))?;
        }
        let m = &p.money;
        if m.manual_capture {
            st.serialize_field("captureMode", "manual")?;
        } else if let Some((delay, _)) = &m.capture_delay {
            st.serialize_field("captureMode", "automatic")?;
            st.serialize_field("captureDelay", delay)?;
        }
        if p.status == PaymentStatus::Authorized {
            if let Some(at) = m.capture_before {
                st.serialize_field("captureBefore", &DateTime(at))?;
            }
        }
        let paid = p.status == PaymentStatus::Paid;
        let currency = &p.amount.currency;
        if paid {
            let refunded = Amount::from_minor(m.refunded, currency);
            st.serialize_field("amountRefunded", &AmountView::from(&refunded))?;
            let remaining = Amount::from_minor(p.amount_remaining(), currency);
            st.serialize_field("amountRemaining", &AmountView::from(&remaining))?;
        }
        if p.authorized_at.is_some() {
            let captured = Amount::from_minor(m.captured, currency);
            st.serialize_field("amountCaptured", &AmountView::from(&captured))?;
        }
        if m.charged_back > 0 {
            let back = Amount::from_minor(m.charged_back, currency);
            st.serialize_field("amountChargedBack", &AmountView::from(&back))?;
        }
        if let Some(locale) = p.locale {
            st.serialize_field("locale", locale)?;
        }
        if let Some(cc) = &p.country_code {
            st.serialize_field("countryCode", cc)?;
        }
        if let Some(cc) = &p.restrict_to_country {
            st.serialize_field("restrictPaymentMethodsToCountry", cc)?;
        }
        st.serialize_field("profileId", p.profile_id.as_deref().unwrap_or(r.profile_id))?;
        if let Some(id) = &p.customer_id {
            st.serialize_field("customerId", id)?;
        }
        if let Some(id) = &p.mandate_id {
            st.serialize_field("mandateId", id)?;
        }
        if let Some(id) = &p.subscription_id {
            st.serialize_field("subscriptionId", id)?;
        }
        st.serialize_field("sequenceType", p.sequence_type.as_str())?;
        st.serialize_field("redirectUrl", &p.redirect_url)?;
        if let Some(url) = &p.cancel_url {
            st.serialize_field("cancelUrl", url)?;
        }
        if let Some(url) = &p.webhook_url {
            st.serialize_field("webhookUrl", url)?;
        }
        if paid && p.amount.currency == "EUR" && p.method != Some("paypal") {
            st.serialize_field("settlementAmount", &AmountView::from(&p.amount))?;
        }
        if let Some(details) = &p.details {
            st.serialize_field("details", details)?;
        }
        for (name, v) in extras_last(p) {
            st.serialize_field(name, v)?;
        }
        if let Some(e) = &self.embedded {
            st.serialize_field("_embedded", e)?;
        }
        if let Some(l) = &self.links {
            st.serialize_field("_links", &payment_links(p, r, l))?;
        }
        st.end()
    }
}

/// A payment's timestamps after its status, in Mollie's order; the expiry
/// only while it can still expire.
fn timestamps(p: &Payment) -> impl Iterator<Item = (&'static str, i64)> {
    let expires = matches!(p.status, PaymentStatus::Open | PaymentStatus::Pending)
        .then_some(p.expires_at)
        .flatten();
    [
        ("authorizedAt", p.authorized_at),
        ("paidAt", p.paid_at),
        ("canceledAt", p.canceled_at),
        ("expiresAt", expires),
        ("expiredAt", p.expired_at),
        ("failedAt", p.failed_at),
    ]
    .into_iter()
    .filter_map(|(name, at)| Some((name, at?)))
}

/// The rarer fields a payment carries (as rendered), where Mollie writes
/// them: right after the amount.
fn extras_after_amount(p: &Payment) -> impl Iterator<Item = (&'static str, &RawValue)> {
    let x = p.extra.as_deref();
    [
        (
            "billingAddress",
            x.and_then(|x| x.billing_address.as_deref()),
        ),
        (
            "shippingAddress",
            x.and_then(|x| x.shipping_address.as_deref()),
        ),
        ("lines", x.and_then(|x| x.lines.as_deref())),
    ]
    .into_iter()
    .filter_map(|(name, v)| Some((name, v?)))
}

/// The rarer fields a payment carries that Mollie writes last, before its
/// links.
fn extras_last(p: &Payment) -> impl Iterator<Item = (&'static str, &RawValue)> {
    let x = p.extra.as_deref();
    [
        (
            "applicationFee",
            x.and_then(|x| x.application_fee.as_deref()),
        ),
        ("routing", x.and_then(|x| x.routing.as_deref())),
    ]
    .into_iter()
    .filter_map(|(name, v)| Some((name, v?)))
}

fn payment_links<'a>(p: &'a Payment, r: &Render<'a>, l: &PaymentLinks) -> PieceLinks<'a> {
    let mut links = Vec::with_capacity(8);
    let mut api = |name, path: &[&'a str]| links.push((name, AnyLink::Pieces(r.api_href(path))));
    api("self", &["payments/", &p.id]);
    let recurring = p.sequence_type == SequenceType::Recurring;
    if p.status == PaymentStatus::Open && !recurring {
        let checkout = r.page(&crate::checkout::checkout_path(p));
        links.push(("checkout", AnyLink::Joined(checkout)));
    }
    let mut page = |name, path: &[&'a str]| links.push((name, AnyLink::Pieces(r.page_href(path))));
    if r.mode == Mode::Test
        && ((recurring && !p.status.is_final()) || p.status == PaymentStatus::Paid)
    {
        page("changePaymentState", &["checkout/test-mode/", p.bare_id()]);
    }
    page("dashboard", &["_sandbox/dashboard/payments/", &p.id]);
    let mut api = |name, path: &[&'a str]| links.push((name, AnyLink::Pieces(r.api_href(path))));
    // Only once one exists: clients decide "has refunds" by the link.
    for (name, has) in [
        ("chargebacks", p.money.has_chargebacks),
        ("captures", p.money.has_captures),
        ("refunds", p.money.has_refunds),
    ] {
        if has {
            api(name, &["payments/", &p.id, "/", name]);
        }
    }
    if let Some(id) = &p.customer_id {
        api("customer", &["customers/", id]);
    }
    if let (Some(cst), Some(mdt)) = (&p.customer_id, &p.mandate_id) {
        api("mandate", &["customers/", cst, "/mandates/", mdt]);
    }
    if let (Some(cst), Some(sub)) = (&p.customer_id, &p.subscription_id) {
        api("subscription", &["customers/", cst, "/subscriptions/", sub]);
    }
    if let Some(doc) = l.documentation {
        links.push(("documentation", AnyLink::Pieces(LinkTo::docs(doc))));
    }
    PieceLinks(links)
}

/// Whether a request's `include` asks for the QR code.
pub fn wants_qr_code(include: Option<&str>) -> bool {
    include.is_some_and(|i| i.split(',').any(|x| x.trim() == "details.qrCode"))
}

/// The payment as JSON with `details.qrCode` (height, width, src) added,
/// for an open iDEAL, Bancontact or bank transfer payment; else as is.
/// A bank transfer's code is the EPC credit transfer (what banking apps
/// scan); the others' lead to the payment's checkout, as Mollie's do.
pub fn with_qr_code(view: &PaymentView<'_>) -> serde_json::Value {
    let mut v = serde_json::to_value(view).unwrap_or_default();
    let p = view.payment;
    let fits = p.method.is_some_and(crate::catalogue::has_qr_code) && !p.status.is_final();
    if !fits {
        return v;
    }
    let details = v.get("details").cloned().unwrap_or_default();
    let text = match p.method {
        Some("banktransfer") => {
            let d = |k: &str| details.get(k).and_then(|x| x.as_str()).unwrap_or("");
            format!(
                "BCD\n002\n1\nSCT\n{}\n{}\n{}\n{}{}\n\n{}",
                d("bankBic"),
                d("bankName"),
                d("bankAccount"),
                p.amount.currency,
                p.amount.value,
                d("transferReference")
            )
        }
        _ => view
            .render
            .page(&crate::checkout::checkout_path(p))
            .href
            .to_string(),
    };
    let Ok(code) = qrcode::QrCode::new(text.as_bytes()) else {
        return v;
    };
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(180, 180)
        .build();
    let (width, height) = svg_size(&svg).unwrap_or((180, 180));
    let payload: String = form_urlencoded::byte_serialize(svg.as_bytes()).collect();
    let qr = serde_json::json!({
        "height": height,
        "width": width,
        "src": format!("data:image/svg+xml,{}", payload.replace('+', "%20")),
    });
    if let Some(obj) = v.as_object_mut() {
        match obj.get_mut("details").and_then(|d| d.as_object_mut()) {
            Some(d) => {
                d.insert("qrCode".into(), qr);
            }
            None => {
                // No details yet: they come before `_links`, as on any payment.
                let links = obj.remove("_links");
                obj.insert("details".into(), serde_json::json!({ "qrCode": qr }));
                if let Some(l) = links {
                    obj.insert("_links".into(), l);
                }
            }
        }
    }
    v
}

/// The `width` and `height` of the SVG the QR renderer wrote.
fn svg_size(svg: &str) -> Option<(u32, u32)> {
    let attr = |name: &str| -> Option<u32> {
        let at = svg.find(&format!(" {name}=\""))? + name.len() + 3;
        svg[at..].split('"').next()?.parse().ok()
    };
    Some((attr("width")?, attr("height")?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Country, Money, PaymentExtra};
    use crate::views::tests::assert_text_is_serde;
    use serde_json::value::RawValue;

    fn raw(text: &str) -> Option<Box<RawValue>> {
        RawValue::from_string(text.to_owned()).ok()
    }

    fn payment(i: usize, status: PaymentStatus) -> Payment {
        let odd = i % 2 == 1;
        Payment {
            id: "tr_WDqYK6vllg".into(),
            created_at: 1_700_000_000 + i as i64,
            amount: Amount {
                value: if odd { "1000".into() } else { "10.00".into() },
                currency: if odd { "JPY".into() } else { "EUR".into() },
            },
            description: match i % 3 {
                0 => "Order #12345".into(),
                1 => "\"quoted\" \\ tab\t ünï 🦀 \u{1}".into(),
                _ => "".into(),
            },
            method: [None, Some("ideal"), Some("paypal"), Some("banktransfer")][i % 4],
            method_choices: Box::new([]),
            metadata: [None, raw(r#"{"order_id":"12345","n":1.10}"#), raw("\"x\"")][i % 3].clone(),
            status,
            expires_at: odd.then_some(1_700_000_900),
            authorized_at: i.is_multiple_of(3).then_some(1_700_000_100),
            paid_at: (status == PaymentStatus::Paid).then_some(1_700_000_200),
            canceled_at: (status == PaymentStatus::Canceled).then_some(1_700_000_300),
            expired_at: (status == PaymentStatus::Expired).then_some(1_700_000_400),
            failed_at: (status == PaymentStatus::Failed).then_some(1_700_000_500),
            locale: odd.then_some("nl_NL"),
            country_code: odd.then(|| Country::new("NL")).flatten(),
            restrict_to_country: (i % 3 == 2).then(|| Country::new("BE")).flatten(),
            customer_id: (i % 3 != 1).then(|| "cst_8wmqcHMN4U".into()),
            mandate_id: i.is_multiple_of(3).then(|| "mdt_pWUnw6pkBN".into()),
            subscription_id: i.is_multiple_of(4).then(|| "sub_rVKGtNd6s3".into()),
            profile_id: odd.then(|| "pfl_QkEhN94Ba".into()),
            sequence_type: [
                SequenceType::Oneoff,
                SequenceType::First,
                SequenceType::Recurring,
            ][i % 3],
            redirect_url: (i % 3 != 2).then(|| "https://shop.example/order/1?a=b&c=\"d\"".into()),
            cancel_url: odd.then(|| "https://shop.example/cancel".into()),
            webhook_url: (i % 4 != 3).then(|| "https://shop.example/webhook".into()),
            details: odd
                .then(|| raw(r#"{"consumerName":"T. TEST","consumerAccount":"NL91"}"#))
                .flatten(),
            extra: (i % 3 == 1).then(|| {
                Box::new(PaymentExtra {
                    lines: raw(r#"[{"description":"LEGO","quantity":2}]"#),
                    billing_address: raw(r#"{"city":"Amsterdam"}"#),
                    routing: raw("[]"),
                    application_fee: odd.then(|| raw(r#"{"description":"fee"}"#)).flatten(),
                    ..PaymentExtra::default()
                })
            }),
            money: Money {
                manual_capture: i.is_multiple_of(5),
                capture_delay: (i % 5 == 1).then(|| ("8 hours".into(), 28_800)),
                capture_before: Some(1_700_001_000),
                refunded: (i as u64 % 3) * 250,
                charged_back: (i as u64 % 4) * 100,
                captured: (i as u64 % 2) * 1000,
                has_refunds: i % 3 == 1,
                has_chargebacks: i % 4 == 1,
                has_captures: odd,
            },
        }
    }

    /// The text writer and serde_json write the same bytes for payments
    /// in every status, with and without the rarer fields and embeds.
    #[test]
    fn text_and_serde_write_the_same_payment() {
        let mut checked = 0;
        for i in 0..24 {
            for status in PaymentStatus::ALL {
                let p = payment(i, status);
                for base in ["http://localhost:8080", "https://api.mollie.com"] {
                    let view = PaymentView {
                        payment: &p,
                        render: Render {
                            base,
                            mode: if i % 2 == 0 { Mode::Test } else { Mode::Live },
                            profile_id: "pfl_1",
                            testmode_links: i.is_multiple_of(3),
                            page_token: "0123abcd",
                        },
                        links: (i % 6 != 5).then_some(PaymentLinks {
                            documentation: i
                                .is_multiple_of(2)
                                .then_some("payments-api/get-payment"),
                        }),
                        embedded: (i % 4 == 2).then(|| PaymentEmbeds {
                            refunds: Some(Vec::new()),
                            chargebacks: None,
                            captures: Some(Vec::new()),
                        }),
                    };
                    assert_text_is_serde(&view, &format!("payment {i} {status:?}"));
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 24 * 7 * 2);
    }

    #[test]
    fn a_base_that_needs_escaping_renders_through_serde() {
        let p = payment(0, PaymentStatus::Open);
        let view = PaymentView {
            payment: &p,
            render: Render {
                base: "http://odd\"host",
                mode: Mode::Test,
                profile_id: "pfl_1",
                testmode_links: false,
                page_token: "t",
            },
            links: Some(PaymentLinks {
                documentation: None,
            }),
            embedded: None,
        };
        assert_text_is_serde(&view, "escaped base");
        let text = serde_json::to_string(&view).unwrap_or_default();
        assert!(text.contains(r#""href":"http://odd\"host/v2/payments/tr_WDqYK6vllg""#));
    }
}
