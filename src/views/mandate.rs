//! A mandate as HAL JSON.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use super::*;
use crate::store::Mandate;

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
            page_token: "t0k",
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
            "https://localhost:8443/checkout/x?account=t0k"
        );
    }
}
