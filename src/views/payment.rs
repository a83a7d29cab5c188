//! A payment as HAL JSON.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

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
        let p = self.payment;
        let r = &self.render;
        let mut st = s.serialize_struct("payment", 32)?;
        st.serialize_field("resource", "payment")?;
        st.serialize_field("id", &p.id)?;
        st.serialize_field("mode", r.mode.as_str())?;
        st.serialize_field("createdAt", &DateTime(p.created_at))?;
        st.serialize_field("amount", &AmountView::from(&p.amount))?;
        if let Some(x) = &p.extra {
            // Where Mollie writes them: right after the amount.
            for (name, value) in [
                ("billingAddress", &x.billing_address),
                ("shippingAddress", &x.shipping_address),
                ("lines", &x.lines),
            ] {
                if let Some(v) = value {
                    st.serialize_field(name, v)?;
                }
            }
        }
        st.serialize_field("description", &p.description)?;
        st.serialize_field("method", &p.method)?;
        st.serialize_field("metadata", &p.metadata)?;
        st.serialize_field("status", p.status.as_str())?;
        if !p.status.is_final() {
            st.serialize_field("isCancelable", &p.is_cancelable())?;
        }
        let stamps = [
            ("authorizedAt", p.authorized_at),
            ("paidAt", p.paid_at),
            ("canceledAt", p.canceled_at),
        ];
        for (name, at) in stamps {
            if let Some(at) = at {
                st.serialize_field(name, &DateTime(at))?;
            }
        }
        if matches!(p.status, PaymentStatus::Open | PaymentStatus::Pending) {
            if let Some(at) = p.expires_at {
                st.serialize_field("expiresAt", &DateTime(at))?;
            }
        }
        for (name, at) in [("expiredAt", p.expired_at), ("failedAt", p.failed_at)] {
            if let Some(at) = at {
                st.serialize_field(name, &DateTime(at))?;
            }
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
        if let Some(x) = &p.extra {
            for (name, value) in [
                ("applicationFee", &x.application_fee),
                ("routing", &x.routing),
            ] {
                if let Some(v) = value {
                    st.serialize_field(name, v)?;
                }
            }
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
