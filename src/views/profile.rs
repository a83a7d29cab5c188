//! Profiles, the organization and permissions as HAL JSON, in the key
//! order of the docs' examples.

use serde_json::{json, Map, Value};

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::{serialize_links, DateTime, Href, Link, LinkTo, Render};
use crate::store::{Organization, Profile};

/// The deprecated `categoryCode` that goes with a `businessCategory`.
fn category_code(business_category: &str) -> u32 {
    match business_category {
        "OTHER_MERCHANDISE" | "GENERAL_MERCHANDISE" => 5399,
        "BOOKS_MAGAZINES_AND_NEWSPAPERS" => 5192,
        "FOOD_AND_DRINKS" | "RESTAURANTS_NIGHTLIFE" => 5499,
        "CLOTHING_AND_SHOES" | "CLOTHING_SHOES" => 5651,
        "ELECTRONICS_COMPUTERS_AND_SOFTWARE" | "COMPUTER_SOFTWARE" => 5732,
        "HOSTING_VPN_SERVICES" | "WEB_HOSTING" => 5734,
        "ENTERTAINMENT" => 5735,
        "CHARITY_AND_DONATIONS" | "CHARITY_DONATIONS" => 8398,
        _ => 0,
    }
}

/// `me`: the key's own profile, linked to the unfiltered lists; any other
/// (access tokens) links to lists filtered by `profileId`.
pub struct ProfileView<'a> {
    pub render: Render<'a>,
    pub profile: &'a Profile,
    pub me: bool,
    pub documentation: Option<&'static str>,
}

impl Serialize for ProfileView<'_> {
    /// Written straight into the response (`GET /v2/profiles/me` is called
    /// before most payments by some plugins), in the docs' key order.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.profile;
        let mut st = s.serialize_map(None)?;
        st.serialize_entry("resource", "profile")?;
        st.serialize_entry("id", p.id.as_str())?;
        st.serialize_entry("mode", p.mode.as_str())?;
        st.serialize_entry("name", &*p.name)?;
        st.serialize_entry("website", &*p.website)?;
        st.serialize_entry("email", &*p.email)?;
        st.serialize_entry("phone", &*p.phone)?;
        if let Some(d) = &p.description {
            st.serialize_entry("description", &**d)?;
        }
        if !p.countries_of_activity.is_empty() {
            st.serialize_entry("countriesOfActivity", &p.countries_of_activity)?;
        }
        st.serialize_entry("businessCategory", &*p.business_category)?;
        st.serialize_entry("categoryCode", &category_code(&p.business_category))?;
        st.serialize_entry("status", &*p.status)?;
        if let Some(r) = &p.review {
            st.serialize_entry("review", &Review { status: r })?;
        }
        st.serialize_entry("createdAt", &DateTime(p.created_at))?;
        st.serialize_entry("_links", &ProfileLinks(self))?;
        st.end()
    }
}

#[derive(Serialize)]
struct Review<'a> {
    status: &'a str,
}

struct ProfileLinks<'v, 'a>(&'v ProfileView<'a>);

impl Serialize for ProfileLinks<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        let (r, id) = (&v.render, v.profile.id.as_str());
        let mut links = Vec::with_capacity(8);
        links.push(("self", r.api_href(&["profiles/", id])));
        // The sandbox has no merchant dashboard: both lead to the preview.
        links.push(("dashboard", r.page_href(&["checkout/preview/", id])));
        for name in ["chargebacks", "methods", "payments", "refunds"] {
            let href = if v.me {
                Href::of(&[r.base, "/v2/", name])
            } else {
                Href::of(&[r.base, "/v2/", name, "?profileId=", id])
            };
            links.push((
                name,
                LinkTo {
                    href,
                    kind: "application/hal+json",
                },
            ));
        }
        links.push((
            "checkoutPreviewUrl",
            r.page_href(&["checkout/preview/", id]),
        ));
        if let Some(doc) = v.documentation {
            links.push(("documentation", LinkTo::docs(doc)));
        }
        serialize_links(s, links.iter().copied())
    }
}

/// [`ProfileView`] as a JSON value, for lists and exports that edit it.
pub fn profile(
    render: &Render<'_>,
    p: &Profile,
    me: bool,
    documentation: Option<&'static str>,
) -> Value {
    let view = ProfileView {
        render: *render,
        profile: p,
        me,
        documentation,
    };
    serde_json::to_value(&view).unwrap_or(Value::Null)
}

pub fn organization(render: &Render<'_>, org: &Organization, me: bool) -> Value {
    let base = render.base;
    let hal = |path: &str| json!(Link::hal(format!("{base}/v2/{path}")));
    let mut links = Map::new();
    let own = if me {
        "me".to_owned()
    } else {
        org.id.to_string()
    };
    links.insert("self".into(), hal(&format!("organizations/{own}")));
    for name in [
        "chargebacks",
        "customers",
        "invoices",
        "payments",
        "profiles",
        "refunds",
        "settlements",
    ] {
        links.insert(name.into(), hal(name));
    }
    links.insert(
        "dashboard".into(),
        json!(Link::html(format!("{base}/_sandbox/state"))),
    );
    let doc = if me {
        "organizations-api/current-organization"
    } else {
        "organizations-api/get-organization"
    };
    links.insert("documentation".into(), json!(Link::docs(doc)));
    let mut o = Map::new();
    o.insert("resource".into(), json!("organization"));
    o.insert("id".into(), json!(org.id));
    o.insert("name".into(), json!(org.name));
    o.insert("email".into(), json!(org.email));
    o.insert("locale".into(), json!(org.locale));
    o.insert(
        "address".into(),
        json!({
            "streetAndNumber": org.street_and_number,
            "postalCode": org.postal_code,
            "city": org.city,
            "country": org.country,
        }),
    );
    o.insert("registrationNumber".into(), json!(org.registration_number));
    o.insert("vatNumber".into(), json!(org.vat_number));
    o.insert("vatRegulation".into(), json!(org.vat_regulation));
    o.insert("_links".into(), Value::Object(links));
    Value::Object(o)
}

pub fn permission(
    render: &Render<'_>,
    id: &str,
    description: &str,
    granted: bool,
    documentation: Option<&'static str>,
) -> Value {
    let mut links = Map::new();
    links.insert(
        "self".into(),
        json!(Link::hal(format!("{}/v2/permissions/{id}", render.base))),
    );
    if let Some(doc) = documentation {
        links.insert("documentation".into(), json!(Link::docs(doc)));
    }
    json!({
        "resource": "permission",
        "id": id,
        "description": description,
        "granted": granted,
        "_links": links,
    })
}
