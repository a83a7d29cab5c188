//! A subscription as HAL JSON, in the key order of Mollie's own responses.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use super::*;
use crate::clock::format_date;
use crate::store::{Subscription, SubscriptionStatus};

pub struct SubscriptionView<'a> {
    pub subscription: &'a Subscription,
    pub render: Render<'a>,
    /// `None` renders no `_links` (exports); `Some(None)` links without a
    /// documentation page (list items).
    pub links: Option<Option<&'static str>>,
    /// Whether it has made payments (`_links.payments`).
    pub has_payments: bool,
}

impl Serialize for SubscriptionView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let sub = self.subscription;
        let r = &self.render;
        let mut st = s.serialize_struct("subscription", 20)?;
        st.serialize_field("resource", "subscription")?;
        st.serialize_field("id", &sub.id)?;
        st.serialize_field("mode", r.mode.as_str())?;
        st.serialize_field("createdAt", &DateTime(sub.created_at))?;
        st.serialize_field("status", sub.status.as_str())?;
        st.serialize_field("amount", &AmountView::from(&sub.amount))?;
        st.serialize_field("times", &sub.times)?;
        // Left out once canceled, as the docs' cancel example does.
        if sub.status != SubscriptionStatus::Canceled {
            if let Some(left) = sub.times_remaining() {
                st.serialize_field("timesRemaining", &left)?;
            }
        }
        st.serialize_field("interval", &*sub.interval.text)?;
        st.serialize_field("description", &sub.description)?;
        st.serialize_field("startDate", &format_date(sub.start_date))?;
        if let Some(next) = sub.next_payment_date {
            st.serialize_field("nextPaymentDate", &format_date(next))?;
        }
        st.serialize_field("method", &sub.method)?;
        if let Some(m) = &sub.mandate_id {
            st.serialize_field("mandateId", m)?;
        }
        st.serialize_field("webhookUrl", &sub.webhook_url)?;
        st.serialize_field("metadata", &sub.metadata)?;
        st.serialize_field("customerId", &sub.customer_id)?;
        if let Some(at) = sub.canceled_at {
            st.serialize_field("canceledAt", &DateTime(at))?;
        }
        if let Some(fee) = &sub.application_fee {
            st.serialize_field("applicationFee", fee)?;
        }
        if let Some(doc) = self.links {
            let cst = &sub.customer_id;
            let mut links: Vec<(&str, Link<'static>)> = Vec::with_capacity(6);
            links.push((
                "self",
                r.api(&format!("customers/{cst}/subscriptions/{}", sub.id)),
            ));
            links.push(("customer", r.api(&format!("customers/{cst}"))));
            links.push(("profile", r.api(&format!("profiles/{}", r.profile_id))));
            if let Some(m) = &sub.mandate_id {
                links.push(("mandate", r.api(&format!("customers/{cst}/mandates/{m}"))));
            }
            if self.has_payments {
                links.push((
                    "payments",
                    r.api(&format!(
                        "customers/{cst}/subscriptions/{}/payments",
                        sub.id
                    )),
                ));
            }
            if let Some(doc) = doc {
                links.push(("documentation", Link::docs(doc)));
            }
            st.serialize_field("_links", &OrderedLinks(links))?;
        }
        st.end()
    }
}
