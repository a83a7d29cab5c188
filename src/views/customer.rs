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
        serialize_text(self, s)
    }
}

impl TextView for CustomerView<'_> {
    /// The customer as JSON text ([`ObjectText`]); `None` when a link needs escaping.
    fn text(&self) -> Option<String> {
        let c = self.customer;
        let mut o = ObjectText::resource(768, "customer", &c.id, self.render.mode);
        o.opt_str("name", c.name.as_deref());
        o.opt_str("email", c.email.as_deref());
        o.opt_str("locale", c.locale);
        o.raw("metadata", c.metadata.as_deref());
        o.datetime("createdAt", c.created_at);
        if let Some(l) = &self.links {
            let links = customer_links(&self.render, &c.id, l);
            if !o.links(links.iter().copied()) {
                return None;
            }
        }
        Some(o.finish())
    }

    fn serialize_fields<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
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
            let links = customer_links(&self.render, &c.id, l);
            st.serialize_field("_links", &LinkList(links))?;
        }
        st.end()
    }
}

/// A customer's `_links`, for both of its writers: a customer is on most
/// responses (and fifty times on a list page), so its hrefs are written
/// from pieces, not built as Strings first.
fn customer_links<'a>(
    r: &Render<'a>,
    id: &'a str,
    l: &CustomerLinks,
) -> Vec<(&'static str, LinkTo<'a>)> {
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
    links
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::tests::assert_text_is_serde;
    use serde_json::value::RawValue;

    /// The text writer and serde_json write the same bytes, whatever the
    /// customer holds.
    #[test]
    fn text_and_serde_write_the_same_customer() {
        let names = [
            None,
            Some("Jane Jansen"),
            Some("\"quoted\" \\ back"),
            Some("tab\there\nnewline\u{1}ctl\u{7f}"),
            Some("Zoë 🦀 ünïcödé"),
            Some(""),
        ];
        let metadata = [
            None,
            RawValue::from_string(r#"{"b":1.10,"a":[1,"x"]}"#.into()).ok(),
            RawValue::from_string(r#""text""#.into()).ok(),
        ];
        let bases = ["http://localhost:8080", "https://api.mollie.com"];
        for (i, name) in names.iter().enumerate() {
            for meta in &metadata {
                for base in bases {
                    let customer = Customer {
                        id: "cst_8wmqcHMN4U".into(),
                        created_at: 1_700_000_000 + i as i64,
                        name: name.map(Into::into),
                        email: name.map(|n| format!("{n}@example.org").into()),
                        locale: if i % 2 == 0 { Some("nl_NL") } else { None },
                        metadata: meta.clone(),
                    };
                    for links in [None, Some((true, false, "customers-api/get-customer"))] {
                        let view = CustomerView {
                            customer: &customer,
                            render: Render {
                                base,
                                mode: if i % 2 == 0 { Mode::Test } else { Mode::Live },
                                profile_id: "pfl_1",
                                testmode_links: i % 3 == 0,
                                page_token: "0123abcd",
                            },
                            links: links.map(|(payments, mandates, doc)| CustomerLinks {
                                payments,
                                mandates,
                                subscriptions: i % 2 == 1,
                                documentation: Some(doc),
                            }),
                        };
                        assert_text_is_serde(&view, "customer");
                    }
                }
            }
        }
    }

    #[test]
    fn a_base_that_needs_escaping_renders_through_serde() {
        let customer = Customer {
            id: "cst_8wmqcHMN4U".into(),
            created_at: 0,
            name: None,
            email: None,
            locale: None,
            metadata: None,
        };
        let view = CustomerView {
            customer: &customer,
            render: Render {
                base: "http://odd\"host",
                mode: Mode::Test,
                profile_id: "pfl_1",
                testmode_links: false,
                page_token: "t",
            },
            links: Some(CustomerLinks {
                payments: false,
                mandates: false,
                subscriptions: false,
                documentation: None,
            }),
        };
        assert_text_is_serde(&view, "escaped base");
        let text = serde_json::to_string(&view).unwrap_or_default();
        assert!(text.contains(r#""href":"http://odd\"host/v2/customers/cst_8wmqcHMN4U""#));
    }
}
