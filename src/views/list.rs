//! A page of any list as HAL JSON.

use std::collections::BTreeMap;

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use super::Link;

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
