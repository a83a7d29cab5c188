//! A capture as HAL JSON.

use std::collections::BTreeMap;

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use super::*;
use crate::store::Capture;

pub struct CaptureView<'a> {
    pub capture: &'a Capture,
    pub render: Render<'a>,
    /// As [`super::RefundView::links`].
    pub links: Option<Option<&'static str>>,
    /// `embed=payment`.
    pub payment: Option<PaymentView<'a>>,
}

impl Serialize for CaptureView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.capture;
        let r = &self.render;
        let mut st = s.serialize_struct("capture", 11)?;
        st.serialize_field("resource", "capture")?;
        st.serialize_field("id", &c.id)?;
        st.serialize_field("mode", r.mode.as_str())?;
        if let Some(d) = &c.description {
            st.serialize_field("description", d)?;
        }
        st.serialize_field("amount", &AmountView::from(&c.amount))?;
        st.serialize_field("status", c.status.as_str())?;
        st.serialize_field("metadata", &c.metadata)?;
        st.serialize_field("paymentId", &c.payment_id)?;
        st.serialize_field("createdAt", &DateTime(c.created_at))?;
        if let Some(p) = &self.payment {
            let mut embedded = BTreeMap::new();
            embedded.insert("payment", p);
            st.serialize_field("_embedded", &embedded)?;
        }
        if let Some(doc) = self.links {
            let mut links: Vec<(&str, Link<'static>)> = Vec::with_capacity(3);
            links.push((
                "self",
                r.api(&concat(&["payments/", &c.payment_id, "/captures/", &c.id])),
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
