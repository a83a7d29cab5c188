//! Fixtures and snapshots share one JSON format:
//!
//! ```json
//! {"accounts": {"test_...": {"now": "2026-12-01T10:00:00+00:00",
//!   "customers": [...], "payments": [...], "mandates": [...], "subscriptions": [...],
//!   "refunds": [...], "chargebacks": [...], "captures": [...], "refundDelay": 2,
//!   "subscriptionSettings": {"chargeOutcome": "paid", "testModeCancel": true}}, "*": {...}}}
//! ```
//!
//! `now` starts the account's clock there (an export writes the clock's
//! time); `subscriptionSettings` is what `PUT /_sandbox/subscriptions` sets;
//! `deletedCustomers` (`id`, `deletedAt`, and in exports `createdAt` and
//! `listPosition`: where it stood among `customers`, for list cursors) are
//! customers that answer 410.
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
use crate::store::subscription::Interval;
use crate::store::{
    Capture, CaptureStatus, ChargeOutcome, Chargeback, Customer, Data, Mandate, MandateStatus,
    Mode, Organization, Payment, PaymentExtra, PaymentStatus, Profile, Refund, RefundStatus,
    SequenceType, Subscription, SubscriptionStatus,
};
use crate::validate;
use crate::views::{
    CaptureView, ChargebackView, CustomerView, DateTime, Fields, MandateView, PaymentView,
    RefundView, Render, SubscriptionView,
};

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
    pub deleted_customers: Vec<DeletedCustomer>,
    pub payments: Vec<Payment>,
    pub mandates: Vec<Mandate>,
    pub refunds: Vec<Refund>,
    pub chargebacks: Vec<Chargeback>,
    pub captures: Vec<Capture>,
    /// `refundDelay`: seconds per step of this account's refunds.
    pub refund_delay: Option<u64>,
    /// The key's own profile first; access tokens may have more.
    pub profiles: Vec<Profile>,
    pub organization: Option<Organization>,
    pub subscriptions: Vec<Subscription>,
    /// `now`: where the account's clock starts.
    pub now: Option<i64>,
    pub charge_settings: Option<crate::store::ChargeSettings>,
}

/// A deleted customer in `deletedCustomers`. With `createdAt` it keeps its
/// place in the customer list, so that a `next` link naming it pages on
/// from there after a load: `listPosition` is how many of the `customers`
/// listed beside it came before it (none given: after those of its second).
#[derive(Debug, Clone)]
pub struct DeletedCustomer {
    pub id: ids::Id,
    pub deleted_at: i64,
    pub created_at: Option<i64>,
    pub list_position: Option<usize>,
}

impl AccountSeed {
    pub fn into_data(mut self, rng_seed: u64) -> Data {
        let mut data = Data::new(rng_seed);
        // Stable sorts keep file order for objects created in the same second.
        self.payments.sort_by_key(|p| p.created_at);
        insert_customers(&mut data, self.customers, self.deleted_customers);
        self.mandates.sort_by_key(|m| m.created_at);
        for m in self.mandates {
            data.insert_mandate(m);
        }
        self.subscriptions.sort_by_key(|s| s.created_at);
        for s in self.subscriptions {
            data.insert_subscription(s);
        }
        for p in self.payments {
            data.insert_payment(p);
        }
        self.refunds.sort_by_key(|r| r.created_at);
        for r in self.refunds {
            data.insert_refund(r);
        }
        self.chargebacks.sort_by_key(|c| c.created_at);
        for c in self.chargebacks {
            data.insert_chargeback(c);
        }
        self.captures.sort_by_key(|c| c.created_at);
        for c in self.captures {
            data.insert_capture(c);
        }
        data.refund_delay = self.refund_delay;
        crate::after_sales::book_loaded(&mut data);
        data.profiles = self.profiles;
        data.organization = self.organization;
        if let Some(c) = self.charge_settings {
            data.charges = c;
        }
        data.starts_at = self.now;
        data
    }

    fn merge(&mut self, other: AccountSeed) {
        // A list position counts the customers of its own file.
        let before = self.customers.len();
        self.deleted_customers
            .extend(other.deleted_customers.into_iter().map(|mut d| {
                d.list_position = d.list_position.map(|p| p + before);
                d
            }));
        self.customers.extend(other.customers);
        self.payments.extend(other.payments);
        self.mandates.extend(other.mandates);
        self.refunds.extend(other.refunds);
        self.chargebacks.extend(other.chargebacks);
        self.captures.extend(other.captures);
        self.refund_delay = other.refund_delay.or(self.refund_delay);
        self.profiles.extend(other.profiles);
        if other.organization.is_some() {
            self.organization = other.organization;
        }
        self.subscriptions.extend(other.subscriptions);
        self.now = other.now.or(self.now);
        self.charge_settings = other.charge_settings.or(self.charge_settings.take());
    }
}

/// The customers, oldest first (file order within a second), and the
/// deleted ones that kept their place among them.
fn insert_customers(data: &mut Data, mut live: Vec<Customer>, deleted: Vec<DeletedCustomer>) {
    let (placed, unplaced): (Vec<_>, Vec<_>) =
        deleted.into_iter().partition(|d| d.created_at.is_some());
    if placed.is_empty() {
        live.sort_by_key(|c| c.created_at);
        for c in live {
            data.insert_customer(c);
        }
    } else {
        enum Slot {
            Live(Customer),
            Gone(DeletedCustomer),
        }
        let mut placed = placed;
        placed.sort_by_key(|d| d.list_position.unwrap_or(usize::MAX));
        let mut gone = placed.into_iter().peekable();
        let mut slots = Vec::with_capacity(live.len() + gone.len());
        for (i, c) in live.into_iter().enumerate() {
            while let Some(d) = gone.next_if(|d| d.list_position.is_some_and(|p| p <= i)) {
                slots.push(Slot::Gone(d));
            }
            slots.push(Slot::Live(c));
        }
        slots.extend(gone.map(Slot::Gone));
        slots.sort_by_key(|slot| match slot {
            Slot::Live(c) => c.created_at,
            Slot::Gone(d) => d.created_at.unwrap_or_default(),
        });
        for slot in slots {
            match slot {
                Slot::Live(c) => data.insert_customer(c),
                Slot::Gone(d) => data.insert_deleted_customer(d.id, d.created_at, d.deleted_at),
            }
        }
    }
    for d in unplaced {
        data.insert_deleted_customer(d.id, None, d.deleted_at);
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
            if name == "refundDelay" {
                let secs = serde_json::from_str::<u64>(value.get())
                    .map_err(|_| format!("{at}.refundDelay: expected a whole number of seconds"))?;
                seed.refund_delay = Some(secs);
                continue;
            }
            if name == "organization" {
                let item: Value = serde_json::from_str(value.get())
                    .map_err(|e| format!("{at}.organization: {e}"))?;
                seed.organization =
                    Some(organization(&item).map_err(|e| format!("{at}.organization: {e}"))?);
                continue;
            }
            if name == "now" {
                let text: Option<String> = serde_json::from_str(value.get()).ok();
                seed.now = Some(text.as_deref().and_then(parse_datetime).ok_or_else(|| {
                    format!("{at}.now: expected a datetime such as 2026-12-01T10:00:00+00:00")
                })?);
                continue;
            }
            if name == "subscriptionSettings" {
                let v: Value = serde_json::from_str(value.get()).unwrap_or(Value::Null);
                seed.charge_settings =
                    Some(charge_settings(&v).map_err(|e| format!("{at}.{name}: {e}"))?);
                continue;
            }
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
                "refunds" => read_all(items, &mut seed.refunds, |v| refund(v, now), &at, &name)?,
                "chargebacks" => read_all(items, &mut seed.chargebacks, |v| chargeback(v, now), &at, &name)?,
                "captures" => read_all(items, &mut seed.captures, |v| capture(v, now), &at, &name)?,
                "profiles" => read_all(items, &mut seed.profiles, |v| profile(v, now), &at, &name)?,
                "subscriptions" => read_all(items, &mut seed.subscriptions, |v| subscription(v, now), &at, &name)?,
                other => return Err(format!("{at}: unknown list \"{other}\" (expected customers, deletedCustomers, payments, mandates, subscriptions, refunds, chargebacks, captures, profiles)")),
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

fn deleted(item: &Value) -> FieldResult<DeletedCustomer> {
    let obj = object(item)?;
    check_keys(obj, &["id", "createdAt", "deletedAt", "listPosition"])?;
    let list_position = match obj.get("listPosition") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| field_err("listPosition", "expected a whole number, 0 or more"))?,
        ),
    };
    let created_at = time_field(obj, "createdAt")?;
    if list_position.is_some() && created_at.is_none() {
        return Err(field_err("listPosition", "needs the customer's createdAt"));
    }
    Ok(DeletedCustomer {
        id: id_field(obj, "cst_")?,
        deleted_at: time_field(obj, "deletedAt")?.unwrap_or(0),
        created_at,
        list_position,
    })
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
    "captureMode",
    "captureDelay",
    "captureBefore",
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
            crate::catalogue::id(s).ok_or_else(|| field_err("method", "unknown payment method"))?,
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
    let manual_capture = match get("captureMode") {
        Value::Null => false,
        Value::String(s) if s == "manual" => true,
        Value::String(s) if s == "automatic" => false,
        _ => return Err(field_err("captureMode", "expected manual or automatic")),
    };
    let capture_delay = match get("captureDelay") {
        Value::Null => None,
        Value::String(s) => Some((
            Box::<str>::from(s.as_str()),
            crate::store::capture::parse_delay(s).ok_or_else(|| {
                field_err(
                    "captureDelay",
                    "expected '<n> hours' or '<n> days', at most 7 days",
                )
            })?,
        )),
        _ => return Err(field_err("captureDelay", "expected a string")),
    };
    let money = crate::store::Money {
        manual_capture,
        capture_delay,
        capture_before: time_field(obj, "captureBefore")?,
        ..Default::default()
    };
    let country = |name: &'static str| -> FieldResult<Option<crate::store::Country>> {
        str_field(name)?
            .map(|s| {
                crate::store::Country::new(&s)
                    .ok_or_else(|| field_err(name, "expected a country code such as NL"))
            })
            .transpose()
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
                .map(|v| v.as_str().and_then(crate::catalogue::id))
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
        money,
    })
}

/// One account's objects in the fixture format, oldest first, with the
/// clock's time as `now` when given (a clock that was moved or started at
/// a fixed time; one on real time stays on real time after a load).
pub fn export_account(data: &Data, mode: Mode, profile_id: &str, now: Option<i64>) -> Value {
    serde_json::to_value(AccountExport {
        data,
        now,
        mode,
        profile_id,
    })
    .unwrap_or_default()
}

/// One account's objects in the fixture format, written straight to a
/// serializer object by object: saving a million customers never holds
/// more than one of them as a `Value`.
pub struct AccountExport<'a> {
    pub data: &'a Data,
    /// The clock's time, for a clock that was moved or started at a fixed
    /// time (one on real time stays on real time after a load).
    pub now: Option<i64>,
    pub mode: Mode,
    pub profile_id: &'a str,
}

/// A sequence written from an iterator, each item as it comes.
struct Items<I>(std::cell::Cell<Option<I>>);

impl<I> Items<I> {
    fn new(items: I) -> Items<I> {
        Items(std::cell::Cell::new(Some(items)))
    }
}

impl<I> serde::Serialize for Items<I>
where
    I: Iterator,
    I::Item: serde::Serialize,
{
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.take() {
            Some(items) => s.collect_seq(items),
            None => s.collect_seq(std::iter::empty::<I::Item>()),
        }
    }
}

impl serde::Serialize for AccountExport<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let data = self.data;
        let render = Render {
            base: "",
            mode: self.mode,
            profile_id: self.profile_id,
            testmode_links: false,
            page_token: "",
        };
        let mut map = s.serialize_map(None)?;
        if let Some(now) = self.now {
            map.serialize_entry("now", &format_datetime(now))?;
        }
        let customers = data.customers.iter().map(|c| CustomerView {
            customer: c,
            render,
            links: None,
        });
        map.serialize_entry("customers", &Items::new(customers))?;
        if !data.deleted_customers.is_empty() {
            map.serialize_entry("deletedCustomers", &deleted_export(data))?;
        }
        let payments = data.payments.iter().map(|p| PaymentExport {
            view: Fields(PaymentView {
                payment: p,
                render,
                links: None,
                embedded: None,
            }),
            method_choices: (*p.method_choices != *p.method.as_slice())
                .then_some(&*p.method_choices),
            write_only: p.extra.as_deref().map(PaymentExtra::write_only),
        });
        map.serialize_entry("payments", &Items::new(payments))?;
        if !data.mandates.is_empty() {
            let mandates = data.mandates.iter().map(|m| MandateExport {
                view: MandateView {
                    mandate: m,
                    render,
                    links: None,
                },
                revoked_at: m.revoked_at.map(DateTime),
            });
            map.serialize_entry("mandates", &Items::new(mandates))?;
        }
        // Views without links, in creation order; a list only when not empty.
        if !data.refunds.is_empty() {
            let refunds = data.refunds.iter().map(|refund| RefundView {
                refund,
                render,
                links: None,
            });
            map.serialize_entry("refunds", &Items::new(refunds))?;
        }
        if !data.chargebacks.is_empty() {
            let chargebacks = data.chargebacks.iter().map(|chargeback| ChargebackView {
                chargeback,
                render,
                links: None,
            });
            map.serialize_entry("chargebacks", &Items::new(chargebacks))?;
        }
        if !data.captures.is_empty() {
            let captures = data.captures.iter().map(|capture| CaptureView {
                capture,
                render,
                links: None,
                payment: None,
            });
            map.serialize_entry("captures", &Items::new(captures))?;
        }
        if !data.subscriptions.is_empty() {
            let subscriptions = data
                .subscriptions
                .iter()
                .map(|sub| subscription_export(render, sub));
            map.serialize_entry("subscriptions", &Items::new(subscriptions))?;
        }
        if data.charges != crate::store::ChargeSettings::default() {
            map.serialize_entry(
                "subscriptionSettings",
                &serde_json::json!({
                    "chargeOutcome": data.charges.outcome.as_str(),
                    "testModeCancel": data.charges.test_mode_cancel,
                }),
            )?;
        }
        if let Some(secs) = data.refund_delay {
            map.serialize_entry("refundDelay", &secs)?;
        }
        if !data.profiles.is_empty() {
            let profiles = data.profiles.iter().map(|p| profile_export(&render, p));
            map.serialize_entry("profiles", &Items::new(profiles))?;
        }
        if let Some(org) = &data.organization {
            let mut v = crate::views::profile::organization(&render, org, false);
            if let Value::Object(o) = &mut v {
                o.remove("_links");
            }
            map.serialize_entry("organization", &v)?;
        }
        map.end()
    }
}

/// One entry of `deletedCustomers` as written.
#[derive(serde::Serialize)]
struct DeletedExport<'a> {
    id: &'a str,
    #[serde(rename = "createdAt", skip_serializing_if = "Option::is_none")]
    created_at: Option<DateTime>,
    #[serde(rename = "deletedAt")]
    deleted_at: DateTime,
    #[serde(rename = "listPosition", skip_serializing_if = "Option::is_none")]
    list_position: Option<usize>,
}

/// The deleted customers, those that kept a place in the list first, in
/// list order (with how many live customers precede each), then the rest
/// by id: the same order after a load, so a saved state saves the same.
fn deleted_export(data: &Data) -> Vec<DeletedExport<'_>> {
    let ranks: std::collections::HashMap<&str, (crate::store::SortKey, usize)> = data
        .customers
        .removed_ranks()
        .into_iter()
        .map(|(id, key, rank)| (id.as_str(), (key, rank)))
        .collect();
    let mut out: Vec<(Option<crate::store::SortKey>, DeletedExport<'_>)> = data
        .deleted_customers
        .iter()
        .map(|(id, at)| {
            let place = ranks.get(id.as_str()).copied();
            let entry = DeletedExport {
                id,
                created_at: place.map(|(key, _)| DateTime(key.created_at)),
                deleted_at: DateTime(*at),
                list_position: place.map(|(_, rank)| rank),
            };
            (place.map(|(key, _)| key), entry)
        })
        .collect();
    out.sort_by(|(a, x), (b, y)| (a.is_none(), a, x.id).cmp(&(b.is_none(), b, y.id)));
    out.into_iter().map(|(_, entry)| entry).collect()
}

/// A payment as the API shows it, without links, plus what the API never
/// shows: `methodChoices`, the methods offered at checkout (left out when
/// it is what a load assumes anyway: the payment's method, or none), and
/// the write-only fields (issuer, dueDate, voucherPin, ...) in their
/// request form. Written straight out, no `Value` in between.
#[derive(serde::Serialize)]
struct PaymentExport<'a> {
    #[serde(flatten)]
    view: Fields<PaymentView<'a>>,
    #[serde(rename = "methodChoices", skip_serializing_if = "Option::is_none")]
    method_choices: Option<&'a [&'static str]>,
    #[serde(flatten)]
    write_only: Option<crate::store::payment_extra::WriteOnly<'a>>,
}

/// A mandate as the API shows it, plus when it was revoked.
#[derive(serde::Serialize)]
struct MandateExport<'a> {
    #[serde(flatten)]
    view: MandateView<'a>,
    #[serde(rename = "revokedAt", skip_serializing_if = "Option::is_none")]
    revoked_at: Option<DateTime>,
}

/// A subscription as the API shows it, without links, plus what a load
/// needs to charge on as before (not API fields).
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct SubscriptionExport<'a> {
    #[serde(flatten)]
    view: Fields<SubscriptionView<'a>>,
    charges_made: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    anchor_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    charges_since_anchor: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failures_in_a_row: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    charge_outcome: Option<&'static str>,
}

fn subscription_export<'a>(render: Render<'a>, sub: &'a Subscription) -> SubscriptionExport<'a> {
    let moved = sub.anchor != sub.start_date;
    SubscriptionExport {
        view: Fields(SubscriptionView {
            subscription: sub,
            render,
            links: None,
            has_payments: false,
        }),
        charges_made: sub.charges,
        anchor_date: moved.then(|| crate::clock::format_date(sub.anchor)),
        charges_since_anchor: moved.then_some(sub.since_anchor),
        failures_in_a_row: (sub.failures > 0).then_some(sub.failures),
        charge_outcome: sub.outcome.map(|o| o.as_str()),
    }
}

/// A profile as the API shows it, without links, plus what it has enabled
/// (not API fields), so that an export loads back as it was.
fn profile_export(render: &Render<'_>, p: &Profile) -> Value {
    let mut v = crate::views::profile::profile(render, p, false, None);
    if let Value::Object(o) = &mut v {
        o.remove("_links");
        o.remove("categoryCode");
        let methods: Map<String, Value> = p
            .methods
            .iter()
            .map(|(m, s)| ((*m).to_owned(), Value::String(s.as_str().into())))
            .collect();
        o.insert("methods".into(), Value::Object(methods));
        let mut issuers = Map::new();
        for ((m, i), status) in &p.issuers {
            let entry = issuers
                .entry((*m).to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(e) = entry {
                e.insert((*i).to_owned(), Value::String(status.to_string()));
            }
        }
        o.insert("issuers".into(), Value::Object(issuers));
    }
    v
}

/// The amount of a refund, chargeback or capture: any currency the API
/// knows, with its decimals (the payment it belongs to is not checked).
fn amount_field(obj: &Map<String, Value>) -> FieldResult<crate::store::Amount> {
    validate::amount(obj.get("amount"), "The amount is required").map_err(|e| api_err("amount", e))
}

/// The customer of a mandate or subscription: `customerId`, or the id at
/// the end of `_links.customer` (as the API shows the object).
fn customer_ref(obj: &Map<String, Value>) -> FieldResult<ids::Id> {
    let from_link = obj
        .get("_links")
        .and_then(|l| l.get("customer"))
        .and_then(|c| c.get("href"))
        .and_then(Value::as_str)
        .and_then(|href| href.rsplit('/').next());
    match obj.get("customerId").and_then(Value::as_str).or(from_link) {
        Some(id) if ids::is_valid("cst_", id) => Ok(ids::Id::new(id)),
        _ => Err(field_err(
            "customerId",
            "expected \"cst_…\" (or a _links.customer href)",
        )),
    }
}

fn payment_ref(obj: &Map<String, Value>) -> FieldResult<ids::Id> {
    match obj.get("paymentId").and_then(Value::as_str) {
        Some(id) if ids::is_valid("tr_", id) => Ok(ids::Id::new(id)),
        _ => Err(field_err("paymentId", "expected \"tr_…\"")),
    }
}

/// A refund as the API shows it; `status` defaults to `refunded` (a
/// refund pasted from an account is usually done).
fn refund(item: &Value, now: i64) -> FieldResult<Refund> {
    let obj = object(item)?;
    check_keys(
        obj,
        &[
            "resource",
            "id",
            "mode",
            "amount",
            "settlementAmount",
            "status",
            "createdAt",
            "description",
            "metadata",
            "paymentId",
            "settlementId",
            "_links",
        ],
    )?;
    let null = Value::Null;
    let get = |name: &str| obj.get(name).unwrap_or(&null);
    let status = match get("status") {
        Value::Null => RefundStatus::Refunded,
        Value::String(s) => RefundStatus::parse(s).ok_or_else(|| {
            field_err(
                "status",
                "expected queued, pending, processing, refunded, failed or canceled",
            )
        })?,
        _ => return Err(field_err("status", "expected a string")),
    };
    Ok(Refund {
        id: id_field(obj, "re_")?,
        payment_id: payment_ref(obj)?,
        created_at: time_field(obj, "createdAt")?.unwrap_or(now),
        amount: amount_field(obj)?,
        description: validate::opt_string(get("description"), "description")
            .map_err(|e| api_err("description", e))?
            .unwrap_or_default(),
        metadata: validate::metadata(get("metadata")).map_err(|e| api_err("metadata", e))?,
        status,
    })
}

fn chargeback(item: &Value, now: i64) -> FieldResult<Chargeback> {
    let obj = object(item)?;
    check_keys(
        obj,
        &[
            "resource",
            "id",
            "amount",
            "settlementAmount",
            "createdAt",
            "reason",
            "reversedAt",
            "paymentId",
            "settlementId",
            "_links",
        ],
    )?;
    let reason = match obj.get("reason") {
        None | Some(Value::Null) => None,
        Some(r) => {
            let code = r.get("code").and_then(Value::as_str);
            let description = r.get("description").and_then(Value::as_str);
            match (code, description) {
                (Some(c), Some(d)) => Some((c.into(), d.into())),
                _ => {
                    return Err(field_err(
                        "reason",
                        "expected {\"code\", \"description\"} or null",
                    ))
                }
            }
        }
    };
    Ok(Chargeback {
        id: id_field(obj, "chb_")?,
        payment_id: payment_ref(obj)?,
        created_at: time_field(obj, "createdAt")?.unwrap_or(now),
        amount: amount_field(obj)?,
        reason,
        reversed_at: time_field(obj, "reversedAt")?,
    })
}

/// A capture as the API shows it; `status` defaults to `succeeded`.
fn capture(item: &Value, now: i64) -> FieldResult<Capture> {
    let obj = object(item)?;
    check_keys(
        obj,
        &[
            "resource",
            "id",
            "mode",
            "description",
            "amount",
            "settlementAmount",
            "status",
            "metadata",
            "paymentId",
            "shipmentId",
            "settlementId",
            "createdAt",
            "_links",
        ],
    )?;
    let null = Value::Null;
    let get = |name: &str| obj.get(name).unwrap_or(&null);
    let status = match get("status") {
        Value::Null => CaptureStatus::Succeeded,
        Value::String(s) => CaptureStatus::parse(s)
            .ok_or_else(|| field_err("status", "expected pending, succeeded or failed"))?,
        _ => return Err(field_err("status", "expected a string")),
    };
    Ok(Capture {
        id: id_field(obj, "cpt_")?,
        payment_id: payment_ref(obj)?,
        created_at: time_field(obj, "createdAt")?.unwrap_or(now),
        amount: amount_field(obj)?,
        description: validate::opt_string(get("description"), "description")
            .map_err(|e| api_err("description", e))?,
        metadata: validate::metadata(get("metadata")).map_err(|e| api_err("metadata", e))?,
        status,
    })
}

fn str_or<'v>(obj: &'v Map<String, Value>, name: &str, default: &'v str) -> FieldResult<&'v str> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(field_err(name, "expected a string")),
    }
}

/// A profile as the API shows it, plus `methods` (method id to status;
/// a method left out was never requested) and `issuers` (`{"giftcard":
/// {"festivalcadeau": "activated"}}`); both default to a new account's.
fn profile(item: &Value, now: i64) -> FieldResult<Profile> {
    let obj = object(item)?;
    check_keys(
        obj,
        &[
            "resource",
            "id",
            "mode",
            "name",
            "website",
            "email",
            "phone",
            "description",
            "countriesOfActivity",
            "businessCategory",
            "categoryCode",
            "status",
            "review",
            "createdAt",
            "methods",
            "issuers",
            "_links",
        ],
    )?;
    let mode = match str_or(obj, "mode", "test")? {
        "test" => Mode::Test,
        "live" => Mode::Live,
        _ => return Err(field_err("mode", "expected test or live")),
    };
    let mut p = Profile::new(
        id_field(obj, "pfl_")?,
        mode,
        time_field(obj, "createdAt")?.unwrap_or(now),
    );
    p.name = str_or(obj, "name", &p.name.clone())?.into();
    p.website = str_or(obj, "website", &p.website.clone())?.into();
    p.email = str_or(obj, "email", &p.email.clone())?.into();
    p.phone = str_or(obj, "phone", &p.phone.clone())?.into();
    p.business_category = str_or(obj, "businessCategory", &p.business_category.clone())?.into();
    p.status = match str_or(obj, "status", "verified")? {
        s @ ("unverified" | "verified" | "blocked") => s.into(),
        _ => {
            return Err(field_err(
                "status",
                "expected unverified, verified or blocked",
            ))
        }
    };
    p.description = match obj.get("description") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str().into()),
        Some(_) => return Err(field_err("description", "expected a string")),
    };
    if let Some(v) = obj.get("countriesOfActivity") {
        let items = v
            .as_array()
            .ok_or_else(|| field_err("countriesOfActivity", "expected a list of country codes"))?;
        p.countries_of_activity = items
            .iter()
            .map(|c| c.as_str().map(Into::into))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| field_err("countriesOfActivity", "expected a list of country codes"))?;
    }
    p.review = match obj.get("review") {
        None | Some(Value::Null) => None,
        Some(r) => Some(
            r.get("status")
                .and_then(Value::as_str)
                .ok_or_else(|| field_err("review", "expected {\"status\": \"pending\"}"))?
                .into(),
        ),
    };
    if let Some(v) = obj.get("methods") {
        let map = v
            .as_object()
            .ok_or_else(|| field_err("methods", "expected an object of method id to status"))?;
        p.methods.clear();
        for (id, status) in map {
            let m = crate::catalogue::id(id)
                .ok_or_else(|| field_err("methods", format!("unknown payment method {id}")))?;
            match status {
                Value::Null => {}
                Value::String(s) => {
                    let st = crate::catalogue::Status::parse(s)
                        .ok_or_else(|| field_err("methods", format!("{id}: unknown status {s}")))?;
                    p.methods.insert(m, st);
                }
                _ => return Err(field_err("methods", format!("{id}: expected a status"))),
            }
        }
    }
    if let Some(v) = obj.get("issuers") {
        let map = v.as_object().ok_or_else(|| {
            field_err(
                "issuers",
                "expected {\"giftcard\": {\"issuer\": \"activated\"}}",
            )
        })?;
        p.issuers.clear();
        for (method, issuers) in map {
            let method = match method.as_str() {
                "giftcard" => "giftcard",
                "voucher" => "voucher",
                _ => return Err(field_err("issuers", "expected giftcard or voucher")),
            };
            let issuers = issuers
                .as_object()
                .ok_or_else(|| field_err("issuers", "expected an object of issuer id to status"))?;
            for (id, status) in issuers {
                let issuer = crate::catalogue::issuer(method, id)
                    .ok_or_else(|| field_err("issuers", format!("unknown {method} issuer {id}")))?;
                let status = status.as_str().unwrap_or("activated");
                p.issuers.insert((method, issuer.id), status.into());
            }
        }
    }
    Ok(p)
}

/// The organization as the API shows it.
fn organization(item: &Value) -> FieldResult<Organization> {
    let obj = object(item)?;
    check_keys(
        obj,
        &[
            "resource",
            "id",
            "name",
            "email",
            "locale",
            "address",
            "registrationNumber",
            "vatNumber",
            "vatRegulation",
            "_links",
        ],
    )?;
    let id = match obj.get("id").and_then(Value::as_str) {
        Some(id) if ids::is_valid("org_", id) => ids::Id::new(id),
        _ => {
            return Err(field_err(
                "id",
                "expected \"org_\" followed by letters and digits",
            ))
        }
    };
    let mut o = Organization::new(id);
    o.name = str_or(obj, "name", &o.name.clone())?.into();
    o.email = str_or(obj, "email", &o.email.clone())?.into();
    o.locale = str_or(obj, "locale", &o.locale.clone())?.into();
    o.registration_number =
        str_or(obj, "registrationNumber", &o.registration_number.clone())?.into();
    let opt = |name: &str| -> FieldResult<Option<Box<str>>> {
        match obj.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str().into())),
            Some(_) => Err(field_err(name, "expected a string or null")),
        }
    };
    o.vat_number = opt("vatNumber")?;
    o.vat_regulation = opt("vatRegulation")?;
    if let Some(a) = obj.get("address") {
        let a = a
            .as_object()
            .ok_or_else(|| field_err("address", "expected an object"))?;
        o.street_and_number = str_or(a, "streetAndNumber", &o.street_and_number.clone())?.into();
        o.postal_code = str_or(a, "postalCode", &o.postal_code.clone())?.into();
        o.city = str_or(a, "city", &o.city.clone())?.into();
        o.country = str_or(a, "country", &o.country.clone())?.into();
    }
    Ok(o)
}

fn charge_settings(v: &Value) -> FieldResult<crate::store::ChargeSettings> {
    let obj = object(v)?;
    check_keys(obj, &["chargeOutcome", "testModeCancel"])?;
    let mut out = crate::store::ChargeSettings::default();
    match obj.get("chargeOutcome") {
        None | Some(Value::Null) => {}
        Some(v) => {
            out.outcome = v
                .as_str()
                .and_then(ChargeOutcome::parse)
                .ok_or_else(|| field_err("chargeOutcome", "expected paid, pending or failed"))?
        }
    }
    match obj.get("testModeCancel") {
        None | Some(Value::Null) => {}
        Some(Value::Bool(b)) => out.test_mode_cancel = Some(*b),
        Some(_) => return Err(field_err("testModeCancel", "expected true, false or null")),
    }
    Ok(out)
}

/// A subscription as the API shows it, plus `customerId` (or
/// `_links.customer`) and the sandbox's own `chargesMade`, `anchorDate`,
/// `chargesSinceAnchor`, `failuresInARow` and `chargeOutcome`.
fn subscription(item: &Value, now: i64) -> FieldResult<Subscription> {
    let obj = object(item)?;
    check_keys(
        obj,
        &[
            "resource",
            "id",
            "mode",
            "createdAt",
            "status",
            "amount",
            "times",
            "timesRemaining",
            "interval",
            "description",
            "startDate",
            "nextPaymentDate",
            "method",
            "mandateId",
            "webhookUrl",
            "metadata",
            "customerId",
            "canceledAt",
            "applicationFee",
            "chargesMade",
            "anchorDate",
            "chargesSinceAnchor",
            "failuresInARow",
            "chargeOutcome",
            "_links",
        ],
    )?;
    let null = Value::Null;
    let get = |name: &str| obj.get(name).unwrap_or(&null);
    let customer_id = customer_ref(obj)?;
    let date = |name: &str| -> FieldResult<Option<jiff::civil::Date>> {
        match get(name) {
            Value::Null => Ok(None),
            Value::String(s) if s.len() == 10 => s
                .parse()
                .map(Some)
                .map_err(|_| field_err(name, "expected a date such as 2024-03-20")),
            _ => Err(field_err(name, "expected a date such as 2024-03-20")),
        }
    };
    let count = |name: &str| -> FieldResult<Option<u32>> {
        match get(name) {
            Value::Null => Ok(None),
            v => v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| field_err(name, "expected a whole number")),
        }
    };
    let created_at = time_field(obj, "createdAt")?.unwrap_or(now);
    let status = match get("status") {
        Value::Null => SubscriptionStatus::Active,
        Value::String(s) => SubscriptionStatus::parse(s).ok_or_else(|| {
            field_err(
                "status",
                "expected pending, active, suspended, completed or canceled",
            )
        })?,
        _ => return Err(field_err("status", "expected a string")),
    };
    let interval = get("interval")
        .as_str()
        .and_then(Interval::parse)
        .ok_or_else(|| {
            field_err(
                "interval",
                "expected such as \"1 month\", \"2 weeks\", \"14 days\"",
            )
        })?;
    let start_date = date("startDate")?.unwrap_or_else(|| crate::clock::date_of(created_at));
    let times = count("times")?;
    let charges = match (count("chargesMade")?, times, count("timesRemaining")?) {
        (Some(n), _, _) => n,
        (None, Some(t), Some(left)) => t.saturating_sub(left),
        _ => 0,
    };
    let anchor = date("anchorDate")?.unwrap_or(start_date);
    let since_anchor = count("chargesSinceAnchor")?.unwrap_or(charges);
    let mut sub =
        Subscription {
            id: id_field(obj, "sub_")?,
            customer_id,
            created_at,
            status,
            amount: validate::amount(
                obj.get("amount"),
                "The amount is required for subscriptions",
            )
            .map_err(|e| api_err("amount", e))?,
            times,
            interval,
            description: validate::description(obj.get("description"))
                .map_err(|e| api_err("description", e))?,
            start_date,
            next_payment_date: None,
            method: match get("method") {
                Value::Null => None,
                Value::String(m) => Some(
                    crate::catalogue::mandate_methods()
                        .find(|x| *x == m.as_str())
                        .ok_or_else(|| {
                            field_err("method", "expected directdebit, creditcard or paypal")
                        })?,
                ),
                _ => return Err(field_err("method", "expected a string or null")),
            },
            mandate_id: match get("mandateId") {
                Value::Null => None,
                Value::String(s) if ids::is_valid("mdt_", s) => Some(ids::Id::new(s)),
                _ => return Err(field_err("mandateId", "expected \"mdt_…\"")),
            },
            webhook_url: validate::opt_string(get("webhookUrl"), "webhookUrl")
                .map_err(|e| api_err("webhookUrl", e))?,
            metadata: validate::metadata(get("metadata")).map_err(|e| api_err("metadata", e))?,
            canceled_at: time_field(obj, "canceledAt")?,
            charges,
            anchor,
            since_anchor,
            failures: count("failuresInARow")?.unwrap_or(0),
            outcome: match get("chargeOutcome") {
                Value::Null => None,
                v => Some(v.as_str().and_then(ChargeOutcome::parse).ok_or_else(|| {
                    field_err("chargeOutcome", "expected paid, pending or failed")
                })?),
            },
            application_fee: match get("applicationFee") {
                Value::Null => None,
                v => Some(
                    crate::api::payment_fields::application_fee(v)
                        .map_err(|e| api_err("applicationFee", e))?,
                ),
            },
        };
    if !status.is_final() {
        sub.next_payment_date =
            Some(date("nextPaymentDate")?.unwrap_or_else(|| sub.following_date()));
    }
    Ok(sub)
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
    let customer_id = customer_ref(obj)?;
    let method = match get("method").as_str() {
        Some(m) => crate::catalogue::mandate_methods()
            .find(|x| *x == m)
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
        let exported = export_account(&data, Mode::Test, "pfl_x", None);
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
    fn a_payment_country_is_a_country_code() {
        let payment = |cc: &str| {
            format!(
                r#"{{"accounts":{{"test_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa":{{"payments":[{{"id":"tr_a","amount":{{"value":"1.00","currency":"EUR"}},"countryCode":"{cc}"}}]}}}}}}"#
            )
        };
        let (_, seed) = parse("f.json", &payment("BE"), 0).unwrap().remove(0);
        let data = seed.into_data(1);
        assert_eq!(
            data.payments.get("tr_a").unwrap().country_code.as_deref(),
            Some("BE")
        );
        let err = parse("f.json", &payment("Belgium"), 0).unwrap_err();
        assert!(err.contains("countryCode"), "{err}");
    }

    #[test]
    fn refunds_chargebacks_and_captures_load_and_set_the_payment_totals() {
        let text = r#"{"accounts":{"test_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa":{"refundDelay":0,
            "payments":[{"id":"tr_a","amount":{"value":"10.00","currency":"EUR"},"status":"paid","paidAt":"2024-01-01T00:00:00Z","createdAt":"2024-01-01T00:00:00Z"},
                        {"id":"tr_b","amount":{"value":"10.00","currency":"EUR"},"status":"authorized","method":"creditcard","captureMode":"manual","authorizedAt":"2024-01-01T00:00:00Z","createdAt":"2024-01-01T00:00:00Z"}],
            "refunds":[{"id":"re_a","paymentId":"tr_a","amount":{"value":"2.50","currency":"EUR"}},
                       {"id":"re_b","paymentId":"tr_a","amount":{"value":"1.00","currency":"EUR"},"status":"failed"}],
            "chargebacks":[{"id":"chb_a","paymentId":"tr_a","amount":{"value":"1.00","currency":"EUR"},"reason":null}],
            "captures":[{"id":"cpt_a","paymentId":"tr_b","amount":{"value":"4.00","currency":"EUR"},"status":"pending"}]}}}"#;
        let (_, seed) = parse("f.json", text, 0).unwrap().remove(0);
        assert_eq!(seed.refund_delay, Some(0));
        let data = seed.into_data(1);
        let a = data.payments.get("tr_a").unwrap();
        assert_eq!(a.money.refunded, 250, "a failed refund does not count");
        assert_eq!(a.money.charged_back, 100);
        assert_eq!(a.amount_remaining(), 650);
        let b = data.payments.get("tr_b").unwrap();
        assert!(b.money.manual_capture && b.money.has_captures);
        // Authorized without captureBefore: the card's window from authorizedAt.
        assert_eq!(
            b.money.capture_before,
            parse_datetime("2024-01-08T00:00:00Z")
        );
        // The pending capture and the authorization's expiry are booked.
        assert_eq!(data.schedule.len(), 2);
        let bad = r#"{"accounts":{"*":{"refunds":[{"id":"re_x","paymentId":"tr_a","amount":{"value":"1.00","currency":"EUR"},"status":"done"}]}}}"#;
        let err = parse("f.json", bad, 0).unwrap_err();
        assert!(err.contains("refunds[0] (re_x): field \"status\""), "{err}");
        let bad = r#"{"accounts":{"*":{"refundDelay":"soon"}}}"#;
        assert!(parse("f.json", bad, 0).unwrap_err().contains("refundDelay"));
    }

    #[test]
    fn deleted_customers_keep_their_list_position() {
        let file = |deleted: &str| {
            format!(
                r#"{{"accounts":{{"test_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa":{{"customers":[
                {{"id":"cst_a","createdAt":"2026-01-01T00:00:00Z"}},
                {{"id":"cst_c","createdAt":"2026-01-01T00:00:00Z"}}],
                "deletedCustomers":[{deleted}]}}}}}}"#
            )
        };
        let load = |deleted: &str| -> Result<Data, String> {
            let mut seeds = parse("f.json", &file(deleted), 0)?;
            Ok(seeds.remove(0).1.into_data(1))
        };
        // Between the two live ones, created in the same second.
        let data = load(r#"{"id":"cst_b","createdAt":"2026-01-01T00:00:00Z","deletedAt":"2026-01-02T00:00:00Z","listPosition":1}"#).unwrap();
        let at = |id: &str| data.customers.position_of(id).unwrap();
        assert!(at("cst_a") < at("cst_b") && at("cst_b") < at("cst_c"));
        assert!(matches!(
            data.customer("cst_b"),
            crate::store::Found::Deleted
        ));
        let export = export_account(&data, Mode::Test, "pfl_x", None);
        assert_eq!(
            export["deletedCustomers"],
            serde_json::json!([{"id": "cst_b", "createdAt": "2026-01-01T00:00:00+00:00",
                "deletedAt": "2026-01-02T00:00:00+00:00", "listPosition": 1}])
        );
        // Without createdAt (older exports) it only answers 410.
        let data = load(r#"{"id":"cst_b","deletedAt":"2026-01-02T00:00:00Z"}"#).unwrap();
        assert!(data.customers.position_of("cst_b").is_none());
        assert!(matches!(
            data.customer("cst_b"),
            crate::store::Found::Deleted
        ));
        // Without listPosition: after the live ones of its second.
        let data = load(r#"{"id":"cst_b","createdAt":"2026-01-01T00:00:00Z"}"#).unwrap();
        assert!(data.customers.position_of("cst_b") > data.customers.position_of("cst_c"));
        for (bad, says) in [
            (
                r#"{"id":"cst_b","listPosition":1}"#,
                "needs the customer's createdAt",
            ),
            (
                r#"{"id":"cst_b","createdAt":"2026-01-01T00:00:00Z","listPosition":-1}"#,
                "whole number",
            ),
        ] {
            let err = load(bad).err().unwrap_or_default();
            assert!(
                err.contains("deletedCustomers[0] (cst_b)") && err.contains(says),
                "{err}"
            );
        }
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
                "{\"accounts\":{\"*\":{\"orders\":[]}}}",
                "f.json: accounts.*: unknown list \"orders\"",
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
