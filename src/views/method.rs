//! A payment method (and its issuers and pricing) as HAL JSON, in the real
//! API's key order: `resource`, `id`, `description`, `minimumAmount`,
//! `maximumAmount`, `image`, `issuers`, `status`, `pricing`, `_links`.

use serde_json::{json, Map, Value};

use super::{Link, Render};
use crate::catalogue::{Issuer, Limit, Method, Status};

/// What a method is shown with: the caller's locale and currency, its status
/// on the profile, and the includes asked for.
pub struct MethodView<'a> {
    pub method: &'static Method,
    pub limit: &'static Limit,
    pub locale: Option<&'a str>,
    pub status: Option<Status>,
    /// `include=issuers`: the issuers to show (enabled ones for gift cards
    /// and vouchers).
    pub issuers: Option<Vec<&'static Issuer>>,
    pub pricing: bool,
    pub documentation: Option<&'static str>,
}

pub fn image(render: &Render<'_>, folder: &str, file: &str) -> Value {
    let base = render.base;
    json!({
        "size1x": format!("{base}/external/icons/{folder}/{file}.png"),
        "size2x": format!("{base}/external/icons/{folder}/{file}%402x.png"),
        "svg": format!("{base}/external/icons/{folder}/{file}.svg"),
    })
}

pub fn issuer(render: &Render<'_>, i: &Issuer) -> Value {
    json!({
        "resource": "issuer",
        "id": i.id,
        "name": i.name,
        "image": image(render, i.folder, i.file),
    })
}

impl MethodView<'_> {
    pub fn to_value(&self, render: &Render<'_>) -> Value {
        let m = self.method;
        let l = self.limit;
        let mut o = Map::new();
        o.insert("resource".into(), json!("method"));
        o.insert("id".into(), json!(m.id));
        o.insert("description".into(), json!(m.name(self.locale)));
        o.insert(
            "minimumAmount".into(),
            json!({"value": l.min, "currency": l.currency}),
        );
        o.insert(
            "maximumAmount".into(),
            match l.max {
                Some(max) => json!({"value": max, "currency": l.currency}),
                None => Value::Null,
            },
        );
        o.insert("image".into(), image(render, "payment-methods", m.id));
        if let Some(issuers) = &self.issuers {
            o.insert(
                "issuers".into(),
                Value::Array(issuers.iter().map(|i| issuer(render, i)).collect()),
            );
        }
        o.insert("status".into(), json!(self.status.map(Status::as_str)));
        if self.pricing {
            let rows = m
                .pricing
                .iter()
                .map(|f| {
                    let mut row = json!({
                        "description": f.description,
                        "fixed": {"value": f.fixed, "currency": "EUR"},
                        "variable": f.variable,
                    });
                    if let (Some(region), Some(obj)) = (f.fee_region, row.as_object_mut()) {
                        obj.insert("feeRegion".into(), json!(region));
                    }
                    row
                })
                .collect();
            o.insert("pricing".into(), Value::Array(rows));
        }
        let mut links = Map::new();
        links.insert(
            "self".into(),
            json!(render.api(&format!("methods/{}", m.id))),
        );
        if let Some(doc) = self.documentation {
            links.insert("documentation".into(), json!(Link::docs(doc)));
        }
        o.insert("_links".into(), Value::Object(links));
        Value::Object(o)
    }
}
