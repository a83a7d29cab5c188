//! A chargeback as HAL JSON.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use super::*;
use crate::store::Chargeback;

pub struct ChargebackView<'a> {
    pub chargeback: &'a Chargeback,
    pub render: Render<'a>,
    /// As [`super::RefundView::links`].
    pub links: Option<Option<&'static str>>,
}

#[derive(Serialize)]
struct Reason<'a> {
    code: &'a str,
    description: &'a str,
}

impl Serialize for ChargebackView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.chargeback;
        let r = &self.render;
        let mut st = s.serialize_struct("chargeback", 9)?;
        st.serialize_field("resource", "chargeback")?;
        st.serialize_field("id", &c.id)?;
        st.serialize_field("amount", &AmountView::from(&c.amount))?;
        // Taken from the balance: the amount, negative, in euros (the
        // sandbox settles only euro payments, as it shows on payments).
        if c.amount.currency == "EUR" {
            let negative = concat(&["-", &c.amount.value]);
            st.serialize_field(
                "settlementAmount",
                &AmountView {
                    value: &negative,
                    currency: "EUR",
                },
            )?;
        }
        st.serialize_field("createdAt", &DateTime(c.created_at))?;
        st.serialize_field(
            "reason",
            &c.reason
                .as_ref()
                .map(|(code, description)| Reason { code, description }),
        )?;
        st.serialize_field("reversedAt", &c.reversed_at.map(DateTime))?;
        st.serialize_field("paymentId", &c.payment_id)?;
        if let Some(doc) = self.links {
            let mut links: Vec<(&str, Link<'static>)> = Vec::with_capacity(3);
            links.push((
                "self",
                r.api(&concat(&[
                    "payments/",
                    &c.payment_id,
                    "/chargebacks/",
                    &c.id,
                ])),
            ));
            links.push(("payment", r.api(&concat(&["payments/", &c.payment_id]))));
            if let Some(doc) = doc {
                links.push(("documentation", Link::docs(doc)));
            }
            st.serialize_field("_links", &OrderedLinks(links))?;
        }
        st.end()
    }
}
