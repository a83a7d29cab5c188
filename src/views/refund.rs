//! A refund as HAL JSON.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use super::*;
use crate::store::Refund;

pub struct RefundView<'a> {
    pub refund: &'a Refund,
    pub render: Render<'a>,
    /// `None` renders no `_links` (exports); `Some(None)` links without a
    /// documentation page (list items, embeds).
    pub links: Option<Option<&'static str>>,
}

impl Serialize for RefundView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let f = self.refund;
        let r = &self.render;
        let mut st = s.serialize_struct("refund", 10)?;
        st.serialize_field("resource", "refund")?;
        st.serialize_field("id", &f.id)?;
        st.serialize_field("mode", r.mode.as_str())?;
        st.serialize_field("amount", &AmountView::from(&f.amount))?;
        st.serialize_field("status", f.status.as_str())?;
        st.serialize_field("createdAt", &DateTime(f.created_at))?;
        st.serialize_field("description", &f.description)?;
        st.serialize_field("metadata", &f.metadata)?;
        st.serialize_field("paymentId", &f.payment_id)?;
        if let Some(doc) = self.links {
            let mut links: Vec<(&str, Link<'static>)> = Vec::with_capacity(3);
            links.push((
                "self",
                r.api(&concat(&["payments/", &f.payment_id, "/refunds/", &f.id])),
            ));
            links.push(("payment", r.api(&concat(&["payments/", &f.payment_id]))));
            if let Some(doc) = doc {
                links.push(("documentation", Link::docs(doc)));
            }
            st.serialize_field("_links", &OrderedLinks(links))?;
        }
        st.end()
    }
}
