//! Resource views: how each object is rendered as HAL JSON. Field order,
//! which keys are omitted and which are `null` follow the real API; hrefs
//! are built from the base URL the request came in on.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};

use crate::clock::{format_datetime, DateText};
use crate::store::{Amount, Customer, Mandate, Mode, Payment, PaymentStatus, SequenceType};

pub const DOCS: &str = "https://docs.mollie.com/reference/v2/";

#[derive(Serialize, Debug, Clone)]
pub struct Link<'a> {
    pub href: Cow<'a, str>,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

impl<'a> Link<'a> {
    pub fn hal(href: impl Into<Cow<'a, str>>) -> Self {
        Link {
            href: href.into(),
            kind: "application/hal+json",
        }
    }

    pub fn html(href: impl Into<Cow<'a, str>>) -> Self {
        Link {
            href: href.into(),
            kind: "text/html",
        }
    }

    /// `https://docs.mollie.com/reference/v2/<page>`
    pub fn docs(page: &str) -> Link<'static> {
        Link::html(concat(&[DOCS, page]))
    }
}

/// Pieces joined into one String of exactly their size. Every response
/// builds several hrefs, and `format!` costs more than the copying.
pub fn concat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}

/// A view as JSON, written into a buffer sized for one resource, so that a
/// response is not regrown and copied a dozen times on its way out.
pub fn to_json(view: &impl Serialize) -> Vec<u8> {
    let mut buf = Vec::with_capacity(2048);
    match serde_json::to_writer(&mut buf, view) {
        Ok(()) => buf,
        Err(_) => Vec::new(),
    }
}

/// What every view needs to know about where and for whom it renders.
#[derive(Clone, Copy)]
pub struct Render<'a> {
    /// Absolute base for hrefs, without a trailing slash: `http://localhost:8080`.
    pub base: &'a str,
    pub mode: Mode,
    pub profile_id: &'a str,
    /// An access token working in test mode: API hrefs carry `?testmode=true`,
    /// as the real API writes them, so that a client following a link (the
    /// Node client's `refresh()`, `getCustomer()`) stays in test mode instead
    /// of landing in the token's live account.
    pub testmode_links: bool,
}

impl Render<'_> {
    pub fn api(&self, path: &str) -> Link<'static> {
        let query = if self.testmode_links {
            "?testmode=true"
        } else {
            ""
        };
        Link::hal(concat(&[self.base, "/v2/", path, query]))
    }

    pub fn page(&self, path: &str) -> Link<'static> {
        Link::html(concat(&[self.base, "/", path]))
    }
}

#[derive(Serialize)]
pub struct AmountView<'a> {
    pub value: &'a str,
    pub currency: &'a str,
}

impl<'a> From<&'a Amount> for AmountView<'a> {
    fn from(a: &'a Amount) -> Self {
        AmountView {
            value: &a.value,
            currency: &a.currency,
        }
    }
}

/// A datetime field rendered in Mollie's form without an intermediate String
/// living beyond the serialisation.
pub struct DateTime(pub i64);

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match DateText::new(self.0) {
            Some(text) => s.serialize_str(text.as_str()),
            None => s.serialize_str(&format_datetime(self.0)),
        }
    }
}

// ---------------------------------------------------------------- customer

pub struct CustomerView<'a> {
    pub customer: &'a Customer,
    pub render: Render<'a>,
    /// `None` renders no `_links` at all (exports).
    pub links: Option<CustomerLinks>,
}

pub struct CustomerLinks {
    pub payments: bool,
    pub mandates: bool,
    pub subscriptions: bool,
    /// The docs page of the endpoint called; list items have none.
    pub documentation: Option<&'static str>,
}

impl Serialize for CustomerView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.customer;
        let mut st = s.serialize_struct("customer", 9)?;
        st.serialize_field("resource", "customer")?;
        st.serialize_field("id", &c.id)?;
        st.serialize_field("mode", self.render.mode.as_str())?;
        st.serialize_field("name", &c.name)?;
        st.serialize_field("email", &c.email)?;
        st.serialize_field("locale", &c.locale)?;
        st.serialize_field("metadata", &c.metadata)?;
        st.serialize_field("createdAt", &DateTime(c.created_at))?;
        if let Some(l) = &self.links {
            let links = CustomerLinksView {
                id: &c.id,
                render: &self.render,
                links: l,
            };
            st.serialize_field("_links", &links)?;
        }
        st.end()
    }
}

/// A customer's `_links`, written straight into the response: a customer
/// is on most responses (and fifty times on a list page), so its hrefs are
/// not built as Strings first.
struct CustomerLinksView<'a> {
    id: &'a str,
    render: &'a Render<'a>,
    links: &'a CustomerLinks,
}

impl Serialize for CustomerLinksView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (r, id, l) = (self.render, self.id, self.links);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("self", &r.api_href(["customers/", id, ""]))?;
        m.serialize_entry(
            "dashboard",
            &r.page_href(["_sandbox/dashboard/customers/", id, ""]),
        )?;
        if l.mandates {
            m.serialize_entry("mandates", &r.api_href(["customers/", id, "/mandates"]))?;
        }
        if l.subscriptions {
            m.serialize_entry(
                "subscriptions",
                &r.api_href(["customers/", id, "/subscriptions"]),
            )?;
        }
        if l.payments {
            m.serialize_entry("payments", &r.api_href(["customers/", id, "/payments"]))?;
        }
        if let Some(doc) = l.documentation {
            m.serialize_entry(
                "documentation",
                &LinkTo {
                    href: Href([DOCS, doc, "", "", "", ""]),
                    kind: "text/html",
                },
            )?;
        }
        m.end()
    }
}

/// An href as the pieces it is made of, joined as it is serialised.
struct Href<'a>([&'a str; 6]);

impl std::fmt::Display for Href<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.iter().try_for_each(|piece| f.write_str(piece))
    }
}

/// [`Link`] without its String.
struct LinkTo<'a> {
    href: Href<'a>,
    kind: &'static str,
}

impl Serialize for LinkTo<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("link", 2)?;
        st.serialize_field("href", &Collected(&self.href))?;
        st.serialize_field("type", self.kind)?;
        st.end()
    }
}

/// Serialises a Display as a string, without allocating one.
struct Collected<'a, T>(&'a T);

impl<T: std::fmt::Display> Serialize for Collected<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self.0)
    }
}

impl<'a> Render<'a> {
    /// [`Render::api`] of `path` (three pieces), unjoined.
    fn api_href(&self, path: [&'a str; 3]) -> LinkTo<'a> {
        let query = if self.testmode_links {
            "?testmode=true"
        } else {
            ""
        };
        LinkTo {
            href: Href([self.base, "/v2/", path[0], path[1], path[2], query]),
            kind: "application/hal+json",
        }
    }

    /// [`Render::page`] of `path` (three pieces), unjoined.
    fn page_href(&self, path: [&'a str; 3]) -> LinkTo<'a> {
        LinkTo {
            href: Href([self.base, "/", path[0], path[1], path[2], ""]),
            kind: "text/html",
        }
    }
}

/// Links in the order they were pushed.
pub struct OrderedLinks(pub Vec<(&'static str, Link<'static>)>);

impl Serialize for OrderedLinks {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (*k, v)))
    }
}

// ---------------------------------------------------------------- payment

pub struct PaymentView<'a> {
    pub payment: &'a Payment,
    pub render: Render<'a>,
    pub links: Option<PaymentLinks>,
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
        if !p.status.is_final() {
            if let Some(at) = p.expires_at {
                st.serialize_field("expiresAt", &DateTime(at))?;
            }
        }
        for (name, at) in [("expiredAt", p.expired_at), ("failedAt", p.failed_at)] {
            if let Some(at) = at {
                st.serialize_field(name, &DateTime(at))?;
            }
        }
        let paid = p.status == PaymentStatus::Paid;
        if paid {
            let zero = zero_value(&p.amount);
            st.serialize_field(
                "amountRefunded",
                &AmountView {
                    value: &zero,
                    currency: &p.amount.currency,
                },
            )?;
            st.serialize_field("amountRemaining", &AmountView::from(&p.amount))?;
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
        if let Some(l) = &self.links {
            st.serialize_field("_links", &OrderedLinks(payment_links(p, r, l)))?;
        }
        st.end()
    }
}

fn payment_links(
    p: &Payment,
    r: &Render<'_>,
    l: &PaymentLinks,
) -> Vec<(&'static str, Link<'static>)> {
    let mut links = Vec::with_capacity(8);
    links.push(("self", r.api(&format!("payments/{}", p.id))));
    let recurring = p.sequence_type == SequenceType::Recurring;
    if p.status == PaymentStatus::Open && !recurring {
        links.push((
            "checkout",
            r.page(&format!("checkout/select-method/{}", p.bare_id())),
        ));
    }
    if r.mode == Mode::Test
        && ((recurring && !p.status.is_final()) || p.status == PaymentStatus::Paid)
    {
        links.push((
            "changePaymentState",
            r.page(&format!("checkout/test-mode/{}", p.bare_id())),
        ));
    }
    links.push((
        "dashboard",
        r.page(&format!("_sandbox/dashboard/payments/{}", p.id)),
    ));
    if let Some(id) = &p.customer_id {
        links.push(("customer", r.api(&format!("customers/{id}"))));
    }
    if let (Some(cst), Some(mdt)) = (&p.customer_id, &p.mandate_id) {
        links.push(("mandate", r.api(&format!("customers/{cst}/mandates/{mdt}"))));
    }
    if let (Some(cst), Some(sub)) = (&p.customer_id, &p.subscription_id) {
        links.push((
            "subscription",
            r.api(&format!("customers/{cst}/subscriptions/{sub}")),
        ));
    }
    if let Some(doc) = l.documentation {
        links.push(("documentation", Link::docs(doc)));
    }
    links
}

/// `0.00` in the amount's own number of decimals.
fn zero_value(amount: &Amount) -> String {
    match amount.value.split_once('.') {
        Some((_, frac)) => format!("0.{}", "0".repeat(frac.len())),
        None => "0".to_owned(),
    }
}

// ---------------------------------------------------------------- lists

pub struct ListLinks {
    pub self_href: String,
    pub previous: Option<String>,
    pub next: Option<String>,
    pub documentation: &'static str,
}

pub struct ListView<T> {
    pub embedded_key: &'static str,
    pub items: Vec<T>,
    pub links: ListLinks,
}

impl<T: Serialize> Serialize for ListView<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Links<'a> {
            #[serde(rename = "self")]
            self_: Link<'a>,
            previous: Option<Link<'a>>,
            next: Option<Link<'a>>,
            documentation: Link<'static>,
        }
        let l = &self.links;
        let mut embedded = BTreeMap::new();
        embedded.insert(self.embedded_key, &self.items);
        let mut st = s.serialize_struct("list", 3)?;
        st.serialize_field("count", &self.items.len())?;
        st.serialize_field("_embedded", &embedded)?;
        st.serialize_field(
            "_links",
            &Links {
                self_: Link::hal(l.self_href.as_str()),
                previous: l.previous.as_deref().map(Link::hal),
                next: l.next.as_deref().map(Link::hal),
                documentation: Link::docs(l.documentation),
            },
        )?;
        st.end()
    }
}

// ---------------------------------------------------------------- mandate

pub struct MandateView<'a> {
    pub mandate: &'a Mandate,
    pub render: Render<'a>,
    /// `None` renders no `_links` (exports); `Some(None)` links without a
    /// documentation page (list items).
    pub links: Option<Option<&'static str>>,
}

impl Serialize for MandateView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let m = self.mandate;
        let r = &self.render;
        let mut st = s.serialize_struct("mandate", 11)?;
        st.serialize_field("resource", "mandate")?;
        st.serialize_field("id", &m.id)?;
        st.serialize_field("mode", r.mode.as_str())?;
        st.serialize_field("status", m.status.as_str())?;
        st.serialize_field("method", m.method)?;
        st.serialize_field("details", &m.details)?;
        st.serialize_field("mandateReference", &m.mandate_reference)?;
        st.serialize_field("signatureDate", &m.signature_date)?;
        st.serialize_field("customerId", &m.customer_id)?;
        st.serialize_field("createdAt", &DateTime(m.created_at))?;
        if let Some(doc) = self.links {
            let mut links: Vec<(&str, Link<'static>)> = Vec::with_capacity(3);
            links.push((
                "self",
                r.api(&format!("customers/{}/mandates/{}", m.customer_id, m.id)),
            ));
            links.push(("customer", r.api(&format!("customers/{}", m.customer_id))));
            if let Some(doc) = doc {
                links.push(("documentation", Link::docs(doc)));
            }
            st.serialize_field("_links", &OrderedLinks(links))?;
        }
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_links_carry_testmode_only_for_test_mode_tokens() {
        let mut r = Render {
            base: "https://localhost:8443",
            mode: Mode::Test,
            profile_id: "pfl_x",
            testmode_links: false,
        };
        assert_eq!(
            r.api("customers/cst_a").href,
            "https://localhost:8443/v2/customers/cst_a"
        );
        r.testmode_links = true;
        assert_eq!(
            r.api("customers/cst_a").href,
            "https://localhost:8443/v2/customers/cst_a?testmode=true"
        );
        // Pages (checkout, dashboard) are not API calls: no testmode there.
        assert_eq!(
            r.page("checkout/x").href,
            "https://localhost:8443/checkout/x"
        );
    }
}
