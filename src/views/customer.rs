//! A customer as HAL JSON.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use super::*;
use crate::store::Customer;

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
        let mut links = Vec::with_capacity(6);
        links.push(("self", r.api_href(&["customers/", id, ""])));
        links.push((
            "dashboard",
            r.page_href(&["_sandbox/dashboard/customers/", id]),
        ));
        if l.mandates {
            links.push(("mandates", r.api_href(&["customers/", id, "/mandates"])));
        }
        if l.subscriptions {
            links.push((
                "subscriptions",
                r.api_href(&["customers/", id, "/subscriptions"]),
            ));
        }
        if l.payments {
            links.push(("payments", r.api_href(&["customers/", id, "/payments"])));
        }
        if let Some(doc) = l.documentation {
            links.push(("documentation", LinkTo::docs(doc)));
        }
        serialize_links(s, links.iter().copied())
    }
}
