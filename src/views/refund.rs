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
        serialize_text(self, s)
    }
}

impl TextView for RefundView<'_> {
    /// The refund as JSON text ([`ObjectText`]), what
    /// [`TextView::serialize_fields`] writes; `None` when a link needs escaping.
    fn text(&self) -> Option<String> {
        let f = self.refund;
        let r = &self.render;
        let mut o = ObjectText::resource(1024, "refund", &f.id, r.mode);
        o.amount("amount", &f.amount.value, &f.amount.currency);
        o.word("status", f.status.as_str());
        o.datetime("createdAt", f.created_at);
        o.str("description", &f.description);
        o.raw("metadata", f.metadata.as_deref());
        o.str("paymentId", &f.payment_id);
        if let Some(doc) = self.links {
            if !o.links(refund_links(r, f, doc).into_iter()) {
                return None;
            }
        }
        Some(o.finish())
    }

    fn serialize_fields<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
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
            st.serialize_field("_links", &LinkList(refund_links(r, f, doc)))?;
        }
        st.end()
    }
}

/// A refund's `_links`, for both of its writers.
fn refund_links<'a>(
    r: &Render<'a>,
    f: &'a Refund,
    doc: Option<&'static str>,
) -> Vec<(&'static str, LinkTo<'a>)> {
    let mut links = Vec::with_capacity(3);
    links.push((
        "self",
        r.api_href(&["payments/", &f.payment_id, "/refunds/", &f.id]),
    ));
    links.push(("payment", r.api_href(&["payments/", &f.payment_id])));
    if let Some(doc) = doc {
        links.push(("documentation", LinkTo::docs(doc)));
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Amount, RefundStatus};
    use crate::views::tests::assert_text_is_serde;
    use serde_json::value::RawValue;

    /// The text writer and serde_json write the same refund, in every
    /// status, with and without links, and escape what needs it.
    #[test]
    fn text_and_serde_write_the_same_refund() {
        let descriptions = ["Refund #1", "\"quoted\" \\ ünï 🦀 \u{1}", ""];
        let metadata = [None, RawValue::from_string(r#"{"a":1.10}"#.into()).ok()];
        let mut checked = 0;
        for (i, status) in RefundStatus::ALL.into_iter().enumerate() {
            for description in descriptions {
                for meta in &metadata {
                    let refund = Refund {
                        id: "re_4qqhO89gsT".into(),
                        payment_id: "tr_WDqYK6vllg".into(),
                        created_at: 1_700_000_000 + i as i64,
                        amount: Amount {
                            value: "5.00".into(),
                            currency: "EUR".into(),
                        },
                        description: description.into(),
                        metadata: meta.clone(),
                        status,
                    };
                    for base in ["http://localhost:8080", "http://odd\"host"] {
                        for links in [None, Some(None), Some(Some("refunds-api/get-refund"))] {
                            let view = RefundView {
                                refund: &refund,
                                render: Render {
                                    base,
                                    mode: if i % 2 == 0 { Mode::Test } else { Mode::Live },
                                    profile_id: "pfl_1",
                                    testmode_links: i % 3 == 0,
                                    page_token: "t",
                                },
                                links,
                            };
                            assert_text_is_serde(&view, "refund");
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 6 * 3 * 2 * 2 * 3);
    }
}
