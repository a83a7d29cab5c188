//! Profiles, the organization and permissions as HAL JSON, in the key
//! order of the docs' examples.

use serde_json::{json, Map, Value};

use super::{format_datetime, Link, Render};
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
pub fn profile(
    render: &Render<'_>,
    p: &Profile,
    me: bool,
    documentation: Option<&'static str>,
) -> Value {
    let mut o = Map::new();
    o.insert("resource".into(), json!("profile"));
    o.insert("id".into(), json!(p.id));
    o.insert("mode".into(), json!(p.mode.as_str()));
    o.insert("name".into(), json!(p.name));
    o.insert("website".into(), json!(p.website));
    o.insert("email".into(), json!(p.email));
    o.insert("phone".into(), json!(p.phone));
    if let Some(d) = &p.description {
        o.insert("description".into(), json!(d));
    }
    if !p.countries_of_activity.is_empty() {
        o.insert("countriesOfActivity".into(), json!(p.countries_of_activity));
    }
    o.insert("businessCategory".into(), json!(p.business_category));
    o.insert(
        "categoryCode".into(),
        json!(category_code(&p.business_category)),
    );
    o.insert("status".into(), json!(p.status));
    if let Some(r) = &p.review {
        o.insert("review".into(), json!({ "status": r }));
    }
    o.insert("createdAt".into(), json!(format_datetime(p.created_at)));
    let base = render.base;
    let list = |name: &str| {
        let href = if me {
            format!("{base}/v2/{name}")
        } else {
            format!("{base}/v2/{name}?profileId={}", p.id)
        };
        json!(Link::hal(href))
    };
    let mut links = Map::new();
    links.insert(
        "self".into(),
        json!(render.api(&format!("profiles/{}", p.id))),
    );
    // The sandbox has no merchant dashboard: both lead to the preview.
    let preview = crate::page_link::href(
        format!("{base}/checkout/preview/{}", p.id),
        render.page_token,
    );
    links.insert("dashboard".into(), json!(Link::html(preview.clone())));
    for name in ["chargebacks", "methods", "payments", "refunds"] {
        links.insert(name.into(), list(name));
    }
    links.insert("checkoutPreviewUrl".into(), json!(Link::html(preview)));
    if let Some(doc) = documentation {
        links.insert("documentation".into(), json!(Link::docs(doc)));
    }
    o.insert("_links".into(), Value::Object(links));
    Value::Object(o)
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
