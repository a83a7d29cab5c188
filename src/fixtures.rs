//! Fixtures and snapshots share one JSON format:
//!
//! ```json
//! {"accounts": {"test_...": {"customers": [...], "payments": [...], "mandates": [...]}, "*": {...}}}
//! ```
//!
//! Objects look like the API's own (ids, `createdAt`, statuses kept; `_links`,
//! `resource`, `mode` and derived fields ignored), so a response copied from a
//! real account can be pasted in. The account `"*"` seeds every new account.

use std::path::{Path, PathBuf};

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::clock::{format_datetime, parse_datetime};
use crate::ids;
use crate::store::mandate::MANDATE_METHODS;
use crate::store::{
    Customer, Data, Mandate, MandateStatus, Mode, Payment, PaymentExtra, PaymentStatus,
    SequenceType,
};
use crate::validate;
use crate::views::{CustomerView, MandateView, PaymentView, Render};

pub const DEMO: &str = include_str!("../fixtures/demo.json");
pub const TEMPLATE_KEY: &str = "*";

#[derive(Debug, Clone)]
pub enum Source {
    Embedded(&'static str),
    File(PathBuf),
}

impl Source {
    /// A file, or every `*.json` in a folder, in name order.
    pub fn from_path(path: &Path) -> Result<Vec<Source>, String> {
        if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| format!("{}: {e}", path.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect();
            files.sort();
            Ok(files.into_iter().map(Source::File).collect())
        } else if path.exists() {
            Ok(vec![Source::File(path.to_owned())])
        } else {
            Err(format!("{}: no such file or folder", path.display()))
        }
    }

    fn name(&self) -> String {
        match self {
            Source::Embedded(_) => "fixtures/demo.json (embedded)".to_owned(),
            Source::File(p) => p.display().to_string(),
        }
    }

    fn text(&self) -> Result<String, String> {
        match self {
            Source::Embedded(t) => Ok((*t).to_owned()),
            Source::File(p) => {
                std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))
            }
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct AccountSeed {
    pub customers: Vec<Customer>,
    pub deleted_customers: Vec<(ids::Id, i64)>,
    pub payments: Vec<Payment>,
    pub mandates: Vec<Mandate>,
}

impl AccountSeed {
    pub fn into_data(mut self, rng_seed: u64) -> Data {
        let mut data = Data::new(rng_seed);
        // Stable sorts keep file order for objects created in the same second.
        self.customers.sort_by_key(|c| c.created_at);
        self.payments.sort_by_key(|p| p.created_at);
        for c in self.customers {
            data.insert_customer(c);
        }
        for (id, at) in self.deleted_customers {
            data.deleted_customers.insert(id, at);
        }
        self.mandates.sort_by_key(|m| m.created_at);
        for m in self.mandates {
            data.insert_mandate(m);
        }
        for p in self.payments {
            data.insert_payment(p);
        }
        data
    }

    fn merge(&mut self, other: AccountSeed) {
        self.customers.extend(other.customers);
        self.deleted_customers.extend(other.deleted_customers);
        self.payments.extend(other.payments);
        self.mandates.extend(other.mandates);
    }
}

/// Every account in every source, merged by key in source order.
pub fn load(sources: &[Source], now: i64) -> Result<Vec<(String, AccountSeed)>, String> {
    let mut out: Vec<(String, AccountSeed)> = Vec::new();
    for source in sources {
        let text = source.text()?;
        for (key, seed) in parse(&source.name(), &text, now)? {
            match out.iter_mut().find(|(k, _)| *k == key) {
                Some((_, existing)) => existing.merge(seed),
                None => out.push((key, seed)),
            }
        }
    }
    Ok(out)
}

pub fn parse(file: &str, text: &str, now: i64) -> Result<Vec<(String, AccountSeed)>, String> {
    let not_an_object = || format!("{file}: expected an object with an \"accounts\" object");
    let root: Members = serde_json::from_str(text).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => not_an_object(),
        _ => format!("{file}: not valid JSON: {e}"),
    })?;
    let accounts = root.get("accounts").ok_or_else(not_an_object)?;
    let accounts: Members = serde_json::from_str(accounts.get()).map_err(|_| not_an_object())?;
    let mut out = Vec::new();
    for (key, account) in accounts.0 {
        // An access token's test-mode objects are an account of their own, `access_…#test`.
        let bare = key
            .strip_suffix("#test")
            .filter(|k| k.starts_with("access_"))
            .unwrap_or(&key);
        if key != TEMPLATE_KEY && crate::auth::Credential::parse_key(bare).is_none() {
            return Err(format!("{file}: accounts.{key}: not an API key (test_… or live_… with 30+ characters) nor \"*\""));
        }
        let at = format!("{file}: accounts.{key}");
        let obj: Members =
            serde_json::from_str(account.get()).map_err(|_| format!("{at}: expected an object"))?;
        let mut seed = AccountSeed::default();
        for (name, value) in obj.0 {
            let list: Vec<&RawValue> = serde_json::from_str(value.get())
                .map_err(|_| format!("{at}.{name}: expected an array"))?;
            // One object at a time: a million customers never make one tree of a million maps.
            let items = list.into_iter().enumerate().map(|(i, raw)| {
                serde_json::from_str::<Value>(raw.get())
                    .map(|item| (i, item))
                    .map_err(|e| format!("{at}.{name}[{i}]: {e}"))
            });
            // Each list's items parse one way; errors name the list, index and id.
            fn read_all<T>(
                items: impl Iterator<Item = Result<(usize, Value), String>>,
                into: &mut Vec<T>,
                read: impl Fn(&Value) -> FieldResult<T>,
                at: &str,
                name: &str,
            ) -> Result<(), String> {
                for item in items {
                    let (i, item) = item?;
                    into.push(read(&item).map_err(|e| describe(at, name, i, &item, e))?);
                }
                Ok(())
            }
            match name.as_str() {
                "customers" => read_all(items, &mut seed.customers, |v| customer(v, now), &at, &name)?,
                "deletedCustomers" => read_all(items, &mut seed.deleted_customers, deleted, &at, &name)?,
                "payments" => read_all(items, &mut seed.payments, |v| payment(v, now), &at, &name)?,
                "mandates" => read_all(items, &mut seed.mandates, |v| mandate(v, now), &at, &name)?,
                other => return Err(format!("{at}: unknown list \"{other}\" (expected customers, deletedCustomers, payments, mandates)")),
            }
        }
        out.push((key, seed));
    }
    Ok(out)
}

/// An object's members in file order, each value kept as its unparsed JSON
/// text, to be read when its turn comes.
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'a> Members<'a> {
    /// The last member of that name, as a JSON object reader would keep.
    fn get(&self, name: &str) -> Option<&'a RawValue> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| *v)
    }
}

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> Visitor<'de> for Visit {
            type Value = Members<'de>;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members<'de>, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry::<String, &'de RawValue>()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        d.deserialize_map(Visit)
    }
}

fn describe(at: &str, list: &str, index: usize, item: &Value, err: String) -> String {
    let id = item.get("id").and_then(Value::as_str).unwrap_or("no id");
    format!("{at}.{list}[{index}] ({id}): {err}")
}

type FieldResult<T> = Result<T, String>;

fn object(item: &Value) -> FieldResult<&Map<String, Value>> {
    item.as_object()
        .ok_or_else(|| "expected an object".to_owned())
}

fn field_err(name: &str, msg: impl std::fmt::Display) -> String {
    format!("field \"{name}\": {msg}")
}

fn id_field(obj: &Map<String, Value>, prefix: &str) -> FieldResult<ids::Id> {
    match obj.get("id").and_then(Value::as_str) {
        Some(id) if ids::is_valid(prefix, id) => Ok(ids::Id::new(id)),
        _ => Err(field_err(
            "id",
            format!("expected \"{prefix}\" followed by letters and digits"),
        )),
    }
}

fn time_field(obj: &Map<String, Value>, name: &str) -> FieldResult<Option<i64>> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => parse_datetime(s).map(Some).ok_or_else(|| {
            field_err(
                name,
                "expected a datetime such as 2024-03-20T09:13:37+00:00",
            )
        }),
        Some(_) => Err(field_err(name, "expected a datetime string")),
    }
}

fn api_err(name: &str, e: crate::error::ApiError) -> String {
    field_err(name, e.detail)
}

fn check_keys(obj: &Map<String, Value>, known: &[&str]) -> FieldResult<()> {
    match obj.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(field_err(k, "unknown field")),
        None => Ok(()),
    }
}

fn customer(item: &Value, now: i64) -> FieldResult<Customer> {
    let obj = object(item)?;
    check_keys(
        obj,
        &[
            "resource",
            "id",
            "mode",
            "name",
            "email",
            "locale",
            "metadata",
            "createdAt",
            "recentlyUsedMethods",
            "_links",
        ],
    )?;
    let null = Value::Null;
    Ok(Customer {
        id: id_field(obj, "cst_")?,
        created_at: time_field(obj, "createdAt")?.unwrap_or(now),
        name: validate::opt_string(obj.get("name").unwrap_or(&null), "name")
            .map_err(|e| api_err("name", e))?,
        email: validate::opt_string(obj.get("email").unwrap_or(&null), "email")
            .map_err(|e| api_err("email", e))?,
        locale: validate::locale(obj.get("locale").unwrap_or(&null))
            .map_err(|e| api_err("locale", e))?,
        metadata: validate::metadata(obj.get("metadata").unwrap_or(&null))
            .map_err(|e| api_err("metadata", e))?,
    })
}

fn deleted(item: &Value) -> FieldResult<(ids::Id, i64)> {
    let obj = object(item)?;
    check_keys(obj, &["id", "deletedAt"])?;
    Ok((
        id_field(obj, "cst_")?,
        time_field(obj, "deletedAt")?.unwrap_or(0),
    ))
}

/// A payment's keys in the fixture format, besides [`PaymentExtra::FIELDS`].
const PAYMENT_KEYS: &[&str] = &[
    "resource",
    "id",
    "mode",
    "createdAt",
    "amount",
    "description",
    "method",
    "metadata",
    "status",
    "isCancelable",
    "authorizedAt",
    "paidAt",
    "canceledAt",
    "expiresAt",
    "expiredAt",
    "failedAt",
    "amountRefunded",
    "amountRemaining",
    "amountCaptured",
    "amountChargedBack",
    "settlementAmount",
    "locale",
    "countryCode",
    "restrictPaymentMethodsToCountry",
    "profileId",
    "customerId",
    "mandateId",
    "subscriptionId",
    "sequenceType",
    "redirectUrl",
    "cancelUrl",
    "webhookUrl",
    "details",
    "methodChoices",
    "_links",
];

/// The extra fields (lines, addresses, write-only ones) in their API form.
fn payment_extra(obj: &Map<String, Value>) -> FieldResult<Option<Box<PaymentExtra>>> {
    let mut fields = Map::new();
    for name in PaymentExtra::FIELDS {
        match obj.get(*name) {
            None | Some(Value::Null) => {}
            Some(v) => {
                fields.insert((*name).to_owned(), v.clone());
            }
        }
    }
    if fields.is_empty() {
        return Ok(None);
    }
    // Lines are kept as rendered (their `_links` too), so an export loads back as it was.
    let extra: PaymentExtra =
        serde_json::from_value(Value::Object(fields)).map_err(|e| field_err("extra", e))?;
    Ok(Some(Box::new(extra)))
}

fn payment(item: &Value, now: i64) -> FieldResult<Payment> {
    let obj = object(item)?;
    check_keys(obj, &[PAYMENT_KEYS, PaymentExtra::FIELDS].concat())?;
    let null = Value::Null;
    let get = |name: &str| obj.get(name).unwrap_or(&null);
    let str_field = |name: &'static str| -> FieldResult<Option<Box<str>>> {
        validate::opt_string(get(name), name).map_err(|e| api_err(name, e))
    };
    let id_ref = |name: &'static str, prefix: &str| -> FieldResult<Option<ids::Id>> {
        match get(name) {
            Value::Null => Ok(None),
            Value::String(s) if ids::is_valid(prefix, s) => Ok(Some(ids::Id::new(s))),
            _ => Err(field_err(name, format!("expected \"{prefix}…\""))),
        }
    };
    let created_at = time_field(obj, "createdAt")?.unwrap_or(now);
    let status = match get("status") {
        Value::Null => PaymentStatus::Open,
        Value::String(s) => {
            PaymentStatus::parse(s).ok_or_else(|| field_err("status", "unknown payment status"))?
        }
        _ => return Err(field_err("status", "expected a string")),
    };
    let method = match get("method") {
        Value::Null => None,
        Value::String(s) => Some(
            validate::method_name(s)
                .ok_or_else(|| field_err("method", "unknown payment method"))?,
        ),
        _ => return Err(field_err("method", "expected a string or null")),
    };
    let sequence_type = match get("sequenceType") {
        Value::Null => SequenceType::Oneoff,
        Value::String(s) => SequenceType::parse(s)
            .ok_or_else(|| field_err("sequenceType", "expected oneoff, first or recurring"))?,
        _ => return Err(field_err("sequenceType", "expected a string")),
    };
    let details = match get("details") {
        Value::Null => None,
        v @ Value::Object(_) => serde_json::value::RawValue::from_string(v.to_string()).ok(),
        _ => return Err(field_err("details", "expected an object or null")),
    };
    let locale = validate::locale(get("locale")).map_err(|e| api_err("locale", e))?;
    let country = |name: &'static str| -> FieldResult<Option<smol_str::SmolStr>> {
        Ok(str_field(name)?.map(|s| smol_str::SmolStr::new(&*s)))
    };
    Ok(Payment {
        id: id_field(obj, "tr_")?,
        created_at,
        amount: validate::amount(obj.get("amount"), "The amount is required for payments")
            .map_err(|e| api_err("amount", e))?,
        description: str_field("description")?.unwrap_or_default(),
        method,
        method_choices: match get("methodChoices") {
            // A payment made with a method cannot change it (PATCH).
            Value::Null => method.into_iter().collect(),
            Value::Array(items) => items
                .iter()
                .map(|v| v.as_str().and_then(validate::method_name))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    field_err("methodChoices", "expected a list of payment method names")
                })?
                .into_boxed_slice(),
            _ => {
                return Err(field_err(
                    "methodChoices",
                    "expected a list of payment method names",
                ))
            }
        },
        metadata: validate::metadata(get("metadata")).map_err(|e| api_err("metadata", e))?,
        status,
        expires_at: time_field(obj, "expiresAt")?.or(if status.is_final() {
            None
        } else {
            Some(created_at + 15 * 60)
        }),
        authorized_at: time_field(obj, "authorizedAt")?,
        paid_at: time_field(obj, "paidAt")?,
        canceled_at: time_field(obj, "canceledAt")?,
        expired_at: time_field(obj, "expiredAt")?,
        failed_at: time_field(obj, "failedAt")?,
        locale,
        country_code: country("countryCode")?,
        restrict_to_country: country("restrictPaymentMethodsToCountry")?,
        customer_id: id_ref("customerId", "cst_")?,
        mandate_id: id_ref("mandateId", "mdt_")?,
        subscription_id: id_ref("subscriptionId", "sub_")?,
        profile_id: id_ref("profileId", "pfl_")?,
        sequence_type,
        redirect_url: str_field("redirectUrl")?,
        cancel_url: str_field("cancelUrl")?,
        webhook_url: str_field("webhookUrl")?,
        details,
        extra: payment_extra(obj)?,
    })
}

/// One account's objects in the fixture format, oldest first.
pub fn export_account(data: &Data, mode: Mode, profile_id: &str) -> Value {
    let render = Render {
        base: "",
        mode,
        profile_id,
        testmode_links: false,
    };
    let customers: Vec<Value> = data
        .customers
        .iter()
        .filter_map(|c| {
            serde_json::to_value(CustomerView {
                customer: c,
                render,
                links: None,
            })
            .ok()
        })
        .collect();
    let mut deleted: Vec<_> = data.deleted_customers.iter().collect();
    deleted.sort();
    let deleted: Vec<Value> = deleted
        .into_iter()
        .map(|(id, at)| serde_json::json!({"id": id, "deletedAt": format_datetime(*at)}))
        .collect();
    let payments: Vec<Value> = data
        .payments
        .iter()
        .filter_map(|p| {
            let mut v = serde_json::to_value(PaymentView {
                payment: p,
                render,
                links: None,
            })
            .ok()?;
            // Not an API field: the methods offered at checkout, kept so that
            // an export loads back without loss. Left out when it is what a
            // load assumes anyway: the payment's method, or none.
            if *p.method_choices != *p.method.as_slice() {
                if let Value::Object(o) = &mut v {
                    o.insert("methodChoices".into(), serde_json::json!(p.method_choices));
                }
            }
            // Fields the API never shows (issuer, dueDate, voucherPin, ...)
            // are kept too, in their request form.
            if let (Some(x), Value::Object(o)) = (&p.extra, &mut v) {
                if let Ok(Value::Object(fields)) = serde_json::to_value(x) {
                    for (k, field) in fields {
                        o.entry(k).or_insert(field);
                    }
                }
            }
            Some(v)
        })
        .collect();
    let mut obj = Map::new();
    obj.insert("customers".into(), Value::Array(customers));
    if !deleted.is_empty() {
        obj.insert("deletedCustomers".into(), Value::Array(deleted));
    }
    obj.insert("payments".into(), Value::Array(payments));
    let mandates: Vec<Value> = data
        .mandates
        .iter()
        .filter_map(|m| {
            let mut v = serde_json::to_value(MandateView {
                mandate: m,
                render,
                links: None,
            })
            .ok()?;
            if let (Some(at), Some(obj)) = (m.revoked_at, v.as_object_mut()) {
                obj.insert("revokedAt".into(), Value::String(format_datetime(at)));
            }
            Some(v)
        })
        .collect();
    if !mandates.is_empty() {
        obj.insert("mandates".into(), Value::Array(mandates));
    }
    Value::Object(obj)
}

/// A mandate as the API shows it, plus `customerId` (taken from
/// `_links.customer` when an older response lacks it) and, for a revoked
/// one, `revokedAt`.
fn mandate(item: &Value, now: i64) -> FieldResult<Mandate> {
    let obj = object(item)?;
    check_keys(
        obj,
        &[
            "resource",
            "id",
            "mode",
            "status",
            "method",
            "details",
            "mandateReference",
            "signatureDate",
            "customerId",
            "createdAt",
            "scopes",
            "revokedAt",
            "_links",
        ],
    )?;
    let null = Value::Null;
    let get = |name: &str| obj.get(name).unwrap_or(&null);
    let from_link = obj
        .get("_links")
        .and_then(|l| l.get("customer"))
        .and_then(|c| c.get("href"))
        .and_then(Value::as_str)
        .and_then(|href| href.rsplit('/').next());
    let customer_id = match get("customerId").as_str().or(from_link) {
        Some(id) if ids::is_valid("cst_", id) => ids::Id::new(id),
        _ => {
            return Err(field_err(
                "customerId",
                "expected \"cst_…\" (or a _links.customer href)",
            ))
        }
    };
    let method = match get("method").as_str() {
        Some(m) => MANDATE_METHODS
            .iter()
            .find(|x| **x == m)
            .copied()
            .ok_or_else(|| field_err("method", "expected directdebit, creditcard or paypal"))?,
        None => {
            return Err(field_err(
                "method",
                "expected directdebit, creditcard or paypal",
            ))
        }
    };
    let status = match get("status") {
        Value::Null => MandateStatus::Valid,
        Value::String(s) => MandateStatus::parse(s)
            .ok_or_else(|| field_err("status", "expected valid, pending or invalid"))?,
        _ => return Err(field_err("status", "expected a string")),
    };
    let details = match get("details") {
        Value::Null => serde_json::json!({}),
        v @ Value::Object(_) => v.clone(),
        _ => return Err(field_err("details", "expected an object")),
    };
    let signature_date = match get("signatureDate") {
        Value::Null => None,
        Value::String(s) if s.len() == 10 && s.parse::<jiff::civil::Date>().is_ok() => {
            Some(s.as_str().into())
        }
        _ => {
            return Err(field_err(
                "signatureDate",
                "expected a date such as 2024-03-20",
            ))
        }
    };
    Ok(Mandate {
        id: id_field(obj, "mdt_")?,
        customer_id,
        created_at: time_field(obj, "createdAt")?.unwrap_or(now),
        status,
        method,
        details: serde_json::value::RawValue::from_string(details.to_string()).unwrap_or_default(),
        mandate_reference: validate::opt_string(get("mandateReference"), "mandateReference")
            .map_err(|e| api_err("mandateReference", e))?,
        signature_date,
        revoked_at: time_field(obj, "revokedAt")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_fixture_parses() {
        let seeds = parse("demo", DEMO, 0).unwrap();
        assert!(seeds
            .iter()
            .any(|(k, s)| k == "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM" && !s.customers.is_empty()));
    }

    #[test]
    fn mandates_load_export_and_stay_revoked() {
        let text = r#"{"accounts":{"test_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa":{
            "customers":[{"id":"cst_abc"}],
            "mandates":[
              {"id":"mdt_old","method":"directdebit","status":"valid","mandateReference":null,
               "signatureDate":"2018-05-07","createdAt":"2018-05-07T10:49:08+00:00",
               "details":{"consumerName":"John Doe","consumerAccount":"NL55INGB0000000000","consumerBic":"INGBNL2A"},
               "_links":{"customer":{"href":"https://api.mollie.com/v2/customers/cst_abc","type":"application/hal+json"}}},
              {"id":"mdt_gone","customerId":"cst_abc","method":"paypal","revokedAt":"2019-01-01T00:00:00+00:00"}
            ]}}}"#;
        let (_, seed) = parse("f.json", text, 0).unwrap().remove(0);
        let data = seed.into_data(1);
        let old = data.mandates.get("mdt_old").unwrap();
        assert_eq!(old.customer_id, "cst_abc");
        assert!(old.is_usable());
        assert!(data.mandates.get("mdt_gone").unwrap().revoked_at.is_some());
        assert!(data.customer_has_mandates("cst_abc"));
        assert_eq!(data.customer_mandates["cst_abc"].len(), 1);
        let exported = export_account(&data, Mode::Test, "pfl_x");
        let by_id = |id: &str| {
            exported["mandates"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["id"] == id)
                .cloned()
                .unwrap()
        };
        assert_eq!(by_id("mdt_old")["customerId"], "cst_abc");
        assert_eq!(by_id("mdt_old")["details"]["consumerBic"], "INGBNL2A");
        assert!(by_id("mdt_old").get("revokedAt").is_none());
        assert_eq!(by_id("mdt_gone")["revokedAt"], "2019-01-01T00:00:00+00:00");
        let bad = r#"{"accounts":{"test_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa":{"mandates":[{"id":"mdt_x","method":"directdebit"}]}}}"#;
        assert!(parse("f.json", bad, 0).unwrap_err().contains("customerId"));
    }

    #[test]
    fn errors_name_file_object_and_field() {
        let text = r#"{"accounts":{"test_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa":{"customers":[{"id":"cst_abc","locale":"xx_XX"}]}}}"#;
        let err = parse("f.json", text, 0).unwrap_err();
        assert!(err.contains("f.json"), "{err}");
        assert!(err.contains("customers[0] (cst_abc)"), "{err}");
        assert!(err.contains("\"locale\""), "{err}");
    }

    #[test]
    fn the_shape_is_checked_level_by_level() {
        let cases = [
            ("{\"accounts\":", "f.json: not valid JSON"),
            (
                "[1]",
                "f.json: expected an object with an \"accounts\" object",
            ),
            (
                "{\"other\":{}}",
                "f.json: expected an object with an \"accounts\" object",
            ),
            (
                "{\"accounts\":[]}",
                "f.json: expected an object with an \"accounts\" object",
            ),
            (
                "{\"accounts\":{\"*\":[]}}",
                "f.json: accounts.*: expected an object",
            ),
            (
                "{\"accounts\":{\"*\":{\"customers\":{}}}}",
                "f.json: accounts.*.customers: expected an array",
            ),
            (
                "{\"accounts\":{\"*\":{\"refunds\":[]}}}",
                "f.json: accounts.*: unknown list \"refunds\"",
            ),
            (
                "{\"accounts\":{\"*\":{\"customers\":[1]}}}",
                "f.json: accounts.*.customers[0] (no id): expected an object",
            ),
        ];
        for (text, expected) in cases {
            let err = parse("f.json", text, 0).unwrap_err();
            assert!(err.starts_with(expected), "{text}: {err}");
        }
    }

    #[test]
    fn accounts_and_objects_keep_file_order() {
        let text = r#"{"accounts":{"*":{"customers":[{"id":"cst_b","createdAt":"2024-01-01T00:00:02Z"},{"id":"cst_a","name":"A","metadata":{"z":1,"a":[2]}}]},
            "test_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa":{"customers":[]}}}"#;
        let seeds = parse("f.json", text, 7).unwrap();
        assert_eq!(
            seeds.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            ["*", "test_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]
        );
        let customers = &seeds[0].1.customers;
        assert_eq!(customers[0].id, "cst_b");
        assert_eq!(customers[1].id, "cst_a");
        assert_eq!(customers[1].created_at, 7);
        assert_eq!(
            customers[1].metadata.as_ref().map(|m| m.get()),
            Some(r#"{"z":1,"a":[2]}"#)
        );
    }
}
