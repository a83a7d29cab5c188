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
        serialize_text(self, s)
    }
}

impl TextView for SubscriptionView<'_> {
    /// The subscription as JSON text ([`ObjectText`]), what
    /// [`TextView::serialize_fields`] writes; `None` when a link
    /// needs escaping. Its links were built with `format!`, one String each.
    fn text(&self) -> Option<String> {
        let sub = self.subscription;
        let r = &self.render;
        let mut o = ObjectText::resource(1536, "subscription", &sub.id, r.mode);
        o.datetime("createdAt", sub.created_at);
        o.word("status", sub.status.as_str());
        o.amount("amount", &sub.amount.value, &sub.amount.currency);
        match sub.times {
            Some(times) => o.uint("times", times),
            None => o.raw("times", None),
        }
        if sub.status != SubscriptionStatus::Canceled {
            if let Some(left) = sub.times_remaining() {
                o.uint("timesRemaining", left);
            }
        }
        o.str("interval", &sub.interval.text);
        o.str("description", &sub.description);
        o.str("startDate", &format_date(sub.start_date));
        if let Some(next) = sub.next_payment_date {
            o.str("nextPaymentDate", &format_date(next));
        }
        o.opt_str("method", sub.method);
        if let Some(m) = &sub.mandate_id {
            o.str("mandateId", m);
        }
        o.opt_str("webhookUrl", sub.webhook_url.as_deref());
        o.raw("metadata", sub.metadata.as_deref());
        o.str("customerId", &sub.customer_id);
        if let Some(at) = sub.canceled_at {
            o.datetime("canceledAt", at);
        }
        if let Some(fee) = &sub.application_fee {
            o.raw("applicationFee", Some(fee));
        }
        if let Some(doc) = self.links {
            if !o.links(self.links_of(doc).into_iter()) {
                return None;
            }
        }
        Some(o.finish())
    }

    fn serialize_fields<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
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
            st.serialize_field("_links", &LinkList(self.links_of(doc)))?;
        }
        st.end()
    }
}

impl<'a> SubscriptionView<'a> {
    /// Its `_links`, for both of its writers.
    fn links_of(&self, doc: Option<&'static str>) -> Vec<(&'static str, LinkTo<'a>)> {
        let sub = self.subscription;
        let r = &self.render;
        let cst = &sub.customer_id;
        let mut links = Vec::with_capacity(6);
        links.push((
            "self",
            r.api_href(&["customers/", cst, "/subscriptions/", &sub.id]),
        ));
        links.push(("customer", r.api_href(&["customers/", cst])));
        links.push(("profile", r.api_href(&["profiles/", r.profile_id])));
        if let Some(m) = &sub.mandate_id {
            links.push(("mandate", r.api_href(&["customers/", cst, "/mandates/", m])));
        }
        if self.has_payments {
            links.push((
                "payments",
                r.api_href(&["customers/", cst, "/subscriptions/", &sub.id, "/payments"]),
            ));
        }
        if let Some(doc) = doc {
            links.push(("documentation", LinkTo::docs(doc)));
        }
        links
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::subscription::Interval;
    use crate::store::Amount;
    use crate::views::tests::assert_text_is_serde;
    use serde_json::value::RawValue;

    /// The text writer and serde_json write the same subscription, in
    /// every status, with and without the optional fields and links.
    #[test]
    fn text_and_serde_write_the_same_subscription() {
        let date = |d| jiff::civil::date(2026, 12, d);
        let mut checked = 0;
        for i in 0..12usize {
            for status in SubscriptionStatus::ALL {
                let odd = i % 2 == 1;
                let sub = Subscription {
                    id: "sub_rVKGtNd6s3".into(),
                    customer_id: "cst_8wmqcHMN4U".into(),
                    created_at: 1_700_000_000 + i as i64,
                    status,
                    amount: Amount {
                        value: "25.00".into(),
                        currency: "EUR".into(),
                    },
                    times: [None, Some(4), Some(0)][i % 3],
                    interval: Interval::parse(["1 month", "14 days", "2 weeks"][i % 3])
                        .unwrap_or_else(|| panic!("interval")),
                    description: ["Plan", "\"Gold\" \\ plan ü 🦀 \u{1}"][i % 2].into(),
                    start_date: date(1),
                    next_payment_date: odd.then(|| date(15)),
                    method: [None, Some("directdebit"), Some("creditcard")][i % 3],
                    mandate_id: odd.then(|| "mdt_pWUnw6pkBN".into()),
                    webhook_url: (i % 3 != 1).then(|| "https://shop.example/hook?a=\"b\"".into()),
                    metadata: odd
                        .then(|| RawValue::from_string(r#"{"plan":"gold"}"#.into()).ok())
                        .flatten(),
                    canceled_at: (status == SubscriptionStatus::Canceled).then_some(1_700_000_500),
                    charges: (i % 4) as u32,
                    anchor: date(1),
                    since_anchor: (i % 4) as u32,
                    failures: 0,
                    outcome: None,
                    application_fee: (i % 4 == 3)
                        .then(|| RawValue::from_string(r#"{"description":"fee"}"#.into()).ok())
                        .flatten(),
                };
                for base in ["http://localhost:8080", "http://odd\"host"] {
                    let view = SubscriptionView {
                        subscription: &sub,
                        render: Render {
                            base,
                            mode: if odd { Mode::Live } else { Mode::Test },
                            profile_id: "pfl_QkEhN94Ba",
                            testmode_links: i % 3 == 0,
                            page_token: "t",
                        },
                        links: [
                            None,
                            Some(None),
                            Some(Some("subscriptions-api/get-subscription")),
                        ][i % 3],
                        has_payments: i % 4 < 2,
                    };
                    assert_text_is_serde(&view, &format!("{i} {status:?}"));
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 12 * 5 * 2);
    }
}
