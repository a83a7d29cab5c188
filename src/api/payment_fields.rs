//! The payment fields beyond what the core flows use (order lines,
//! addresses, pay-later and wallet data, bank transfer due dates, Connect
//! fees and routes): their validation on create and update, into the one
//! [`PaymentExtra`] box. Mollie's rules as its OpenAPI document states them;
//! errors name the field by its dotted path (`lines.0.vatAmount`).

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::error::{ApiError, Result};
use crate::http::request::Body;
use crate::store::{Amount, Payment, PaymentExtra};
use crate::validate;

/// Create-payment fields handled here (besides the core ones).
pub const CREATE_FIELDS: &[&str] = &[
    "lines",
    "billingAddress",
    "shippingAddress",
    "company",
    "storeCredentials",
    "cardToken",
    "applePayPaymentToken",
    "googlePayPaymentToken",
    "voucherNumber",
    "voucherPin",
    "consumerDateOfBirth",
    "extraMerchantData",
    "sessionId",
    "digitalGoods",
    "customerReference",
    "terminalId",
    "consumerName",
    "consumerAccount",
    "issuer",
    "dueDate",
    "billingEmail",
    "applicationFee",
    "routing",
];

/// Update-payment fields handled here.
pub const UPDATE_FIELDS: &[&str] = &[
    "issuer",
    "dueDate",
    "billingEmail",
    "billingAddress",
    "shippingAddress",
];

const ADDRESS_KEYS: &[&str] = &[
    "streetAndNumber",
    "streetAdditional",
    "city",
    "region",
    "postalCode",
    "country",
    "title",
    "givenName",
    "familyName",
    "organizationName",
    "email",
    "phone",
];

const LINE_KEYS: &[&str] = &[
    "type",
    "description",
    "quantity",
    "quantityUnit",
    "unitPrice",
    "discountAmount",
    "totalAmount",
    "vatRate",
    "vatAmount",
    "sku",
    "categories",
    "imageUrl",
    "productUrl",
    "recurring",
];

const LINE_TYPES: &[&str] = &[
    "physical",
    "digital",
    "shipping_fee",
    "discount",
    "store_credit",
    "gift_card",
    "surcharge",
];

const CATEGORIES: &[&str] = &[
    "eco",
    "gift",
    "meal",
    "sport_culture",
    "additional",
    "consume",
];

fn bad(detail: impl Into<String>, field: impl Into<String>) -> ApiError {
    ApiError::unprocessable(detail.into()).with_field(field.into())
}

fn raw(value: &Value) -> Option<Box<RawValue>> {
    RawValue::from_string(value.to_string()).ok()
}

/// What the create body says beyond the core fields; None when nothing.
/// `methods` are the payment's methods (one, several or none), `today`
/// the account's date.
/// `any_sent`: whether the body has any of [`CREATE_FIELDS`], as the
/// unknown-field check found (most payments send none of them, and looking
/// for each cost more than the rest of checking a payment's body).
pub fn create(
    b: &Body,
    any_sent: bool,
    amount: &Amount,
    methods: &[&'static str],
    today: jiff::civil::Date,
) -> Result<Option<Box<PaymentExtra>>> {
    if !any_sent {
        return Ok(None);
    }
    let mut x = PaymentExtra::default();
    let present = |name: &str| b.get(name).filter(|v| !v.is_null());
    if let Some(v) = present("lines") {
        x.lines = Some(lines(v, amount, b.form)?);
    }
    if let Some(v) = present("billingAddress") {
        x.billing_address = Some(address(v, "billingAddress")?);
    }
    if let Some(v) = present("shippingAddress") {
        x.shipping_address = Some(address(v, "shippingAddress")?);
    }
    if let Some(v) = present("company") {
        x.company = Some(company(v)?);
    }
    if let Some(v) = present("issuer") {
        x.issuer = Some(issuer(v, methods)?.into());
    }
    if let Some(v) = present("dueDate") {
        x.due_date = Some(due_date(v, today)?.into());
    }
    if let Some(v) = present("billingEmail") {
        x.billing_email = Some(email(v, "billingEmail", "The billing email is invalid")?);
    }
    if let Some(v) = present("consumerDateOfBirth") {
        x.consumer_date_of_birth = Some(birth_date(v, today)?.into());
    }
    if let Some(v) = present("extraMerchantData") {
        if !v.is_object() {
            return Err(bad(
                "The extra merchant data must be an object",
                "extraMerchantData",
            ));
        }
        x.extra_merchant_data = raw(v);
    }
    if let Some(v) = present("storeCredentials") {
        x.store_credentials = Some(validate::boolean(v, "storeCredentials")?);
    }
    if let Some(v) = present("digitalGoods") {
        x.digital_goods = Some(validate::boolean(v, "digitalGoods")?);
    }
    if let Some(v) = present("applicationFee") {
        x.application_fee = Some(application_fee(v)?);
    }
    if let Some(v) = present("routing") {
        x.routing = Some(routing(v, amount)?);
    }
    let strings: [(&'static str, &mut Option<Box<str>>); 10] = [
        ("cardToken", &mut x.card_token),
        ("applePayPaymentToken", &mut x.apple_pay_payment_token),
        ("googlePayPaymentToken", &mut x.google_pay_payment_token),
        ("voucherNumber", &mut x.voucher_number),
        ("voucherPin", &mut x.voucher_pin),
        ("sessionId", &mut x.session_id),
        ("customerReference", &mut x.customer_reference),
        ("terminalId", &mut x.terminal_id),
        ("consumerName", &mut x.consumer_name),
        ("consumerAccount", &mut x.consumer_account),
    ];
    for (name, slot) in strings {
        if let Some(v) = present(name) {
            *slot = validate::opt_string(v, name)?;
        }
    }
    if x.terminal_id
        .as_deref()
        .is_some_and(|t| !t.starts_with("term_"))
    {
        return Err(bad("The terminal id is invalid", "terminalId"));
    }
    if x.card_token
        .as_deref()
        .is_some_and(|t| !t.starts_with("tkn_"))
    {
        return Err(bad("The card token is invalid", "cardToken"));
    }
    if x.store_credentials == Some(true) && methods != ["creditcard"] {
        return Err(bad(
            "Storing credentials requires the creditcard method",
            "storeCredentials",
        ));
    }
    Ok((!x.is_empty()).then(|| Box::new(x)))
}

/// The update body's fields of this kind, checked; applied by [`apply`].
pub struct Update {
    issuer: Option<Option<String>>,
    due_date: Option<Option<String>>,
    billing_email: Option<Option<Box<str>>>,
    billing_address: Option<Option<Box<RawValue>>>,
    shipping_address: Option<Option<Box<RawValue>>>,
}

pub fn update(b: &Body, today: jiff::civil::Date) -> Result<Update> {
    let nullable = |name: &str| b.get(name).map(|v| (!v.is_null()).then_some(v));
    Ok(Update {
        issuer: nullable("issuer")
            .map(|v| v.map(|v| issuer(v, &[])).transpose())
            .transpose()?,
        due_date: nullable("dueDate")
            .map(|v| v.map(|v| due_date(v, today)).transpose())
            .transpose()?,
        billing_email: nullable("billingEmail")
            .map(|v| {
                v.map(|v| email(v, "billingEmail", "The billing email is invalid"))
                    .transpose()
            })
            .transpose()?,
        billing_address: nullable("billingAddress")
            .map(|v| v.map(|v| address(v, "billingAddress")).transpose())
            .transpose()?,
        shipping_address: nullable("shippingAddress")
            .map(|v| v.map(|v| address(v, "shippingAddress")).transpose())
            .transpose()?,
    })
}

/// Applies an update to `p`; an issuer must fit the payment's method.
pub fn apply(p: &mut Payment, u: Update) -> Result<()> {
    if let Some(Some(i)) = &u.issuer {
        let methods: Vec<&'static str> = p.method.into_iter().collect();
        issuer(&Value::String(i.clone()), &methods)?;
    }
    let x = p.extra_mut();
    if let Some(v) = u.issuer {
        x.issuer = v.map(Into::into);
    }
    if let Some(v) = u.due_date {
        x.due_date = v.map(Into::into);
    }
    if let Some(v) = u.billing_email {
        x.billing_email = v;
    }
    if let Some(v) = u.billing_address {
        x.billing_address = v;
    }
    if let Some(v) = u.shipping_address {
        x.shipping_address = v;
    }
    if p.extra.as_ref().is_some_and(|x| x.is_empty()) {
        p.extra = None;
    }
    Ok(())
}

fn string<'v>(v: &'v Value, field: &str) -> Result<&'v str> {
    v.as_str()
        .ok_or_else(|| bad(format!("The '{field}' field must be a string"), field))
}

fn date(v: &Value) -> Option<jiff::civil::Date> {
    let s = v.as_str()?;
    if s.len() != 10 {
        return None;
    }
    s.parse().ok()
}

fn issuer(v: &Value, methods: &[&'static str]) -> Result<String> {
    let s = string(v, "issuer")?;
    let invalid = || bad("The issuer is invalid", "issuer");
    if s.is_empty() {
        return Err(invalid());
    }
    // With one method that has issuers, the issuer must be one of them.
    if let [m] = methods {
        let list = crate::checkout::methods::issuers(m);
        if list.is_empty() || !list.iter().any(|i| i.id == s) {
            return Err(invalid());
        }
    }
    Ok(s.to_owned())
}

/// Tomorrow at the earliest, 100 days after tomorrow at the latest.
fn due_date(v: &Value, today: jiff::civil::Date) -> Result<String> {
    let invalid = || bad("The due date is invalid", "dueDate");
    let d = date(v).ok_or_else(invalid)?;
    let tomorrow = today.tomorrow().map_err(|_| invalid())?;
    let last = tomorrow
        .checked_add(jiff::Span::new().days(100))
        .map_err(|_| invalid())?;
    if d < tomorrow || d > last {
        return Err(invalid());
    }
    Ok(d.to_string())
}

fn birth_date(v: &Value, today: jiff::civil::Date) -> Result<String> {
    let invalid = || bad("The date of birth is invalid", "consumerDateOfBirth");
    let d = date(v).ok_or_else(invalid)?;
    if d >= today {
        return Err(invalid());
    }
    Ok(d.to_string())
}

fn email(v: &Value, field: &str, detail: &str) -> Result<Box<str>> {
    let s = string(v, field)?;
    let ok = s
        .split_once('@')
        .is_some_and(|(user, host)| !user.is_empty() && host.contains('.') && !s.contains(' '));
    if !ok {
        return Err(bad(detail, field));
    }
    Ok(s.into())
}

/// An address, its keys in the API's order.
fn address(v: &Value, field: &str) -> Result<Box<RawValue>> {
    let Some(obj) = v.as_object() else {
        return Err(bad(format!("The '{field}' field must be an object"), field));
    };
    if let Some(k) = obj.keys().find(|k| !ADDRESS_KEYS.contains(&k.as_str())) {
        return Err(ApiError::unknown_body_field(&format!("{field}.{k}")));
    }
    let mut out = Map::new();
    for key in ADDRESS_KEYS {
        let Some(v) = obj.get(*key).filter(|v| !v.is_null()) else {
            continue;
        };
        let path = format!("{field}.{key}");
        let s = string(v, &path)?;
        let ok = match *key {
            "country" => s.len() == 2 && s.bytes().all(|c| c.is_ascii_uppercase()),
            "email" => email(v, &path, "").is_ok(),
            "phone" => {
                s.len() >= 3
                    && s.len() <= 16
                    && s.starts_with('+')
                    && s[1..].bytes().all(|c| c.is_ascii_digit())
                    && !s[1..].starts_with('0')
            }
            "givenName" | "familyName" => {
                s.chars().count() >= 2 && !s.chars().all(|c| c.is_ascii_digit())
            }
            _ => true,
        };
        if !ok {
            let what = match *key {
                "country" => "country code",
                "email" => "email address",
                "phone" => "phone number",
                "givenName" => "given name",
                "familyName" => "family name",
                _ => "value",
            };
            return Err(bad(format!("The {what} of the address is invalid"), path));
        }
        out.insert((*key).to_owned(), Value::String(s.to_owned()));
    }
    let has_postal = ["streetAndNumber", "postalCode", "city", "country"]
        .iter()
        .all(|k| out.contains_key(*k));
    if !has_postal && !out.contains_key("email") {
        return Err(bad(
            format!("The '{field}' should contain an email or a complete postal address (streetAndNumber, postalCode, city and country)"),
            field,
        ));
    }
    raw(&Value::Object(out)).ok_or_else(|| bad("The address is invalid", field))
}

fn company(v: &Value) -> Result<Box<RawValue>> {
    let Some(obj) = v.as_object() else {
        return Err(bad("The 'company' field must be an object", "company"));
    };
    let mut out = Map::new();
    for (k, v) in obj {
        if !matches!(
            k.as_str(),
            "registrationNumber" | "vatNumber" | "entityType"
        ) {
            return Err(ApiError::unknown_body_field(&format!("company.{k}")));
        }
        string(v, &format!("company.{k}"))?;
        out.insert(k.clone(), v.clone());
    }
    raw(&Value::Object(out)).ok_or_else(|| bad("The company is invalid", "company"))
}

/// An amount that may be negative (discount lines), in minor units, with
/// errors on `field`.
fn signed_amount(v: Option<&Value>, currency: &str, field: &str) -> Result<(i128, Value)> {
    let missing = || bad(format!("The '{field}' field is missing"), field);
    let obj = v.filter(|v| !v.is_null()).ok_or_else(missing)?;
    let value = obj.get("value").and_then(Value::as_str).unwrap_or("");
    let (negative, magnitude) = match value.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, value),
    };
    let mut plain = obj.clone();
    if let Some(o) = plain.as_object_mut() {
        o.insert("value".into(), Value::String(magnitude.to_owned()));
    }
    let parsed = validate::amount(Some(&plain), "x").map_err(|e| {
        let sub = e.field.as_deref().and_then(|f| f.strip_prefix("amount"));
        bad(e.detail, format!("{field}{}", sub.unwrap_or("")))
    })?;
    if parsed.currency != currency {
        return Err(bad(
            "All lines must have the same currency as the payment",
            format!("{field}.currency"),
        ));
    }
    let minor = i128::from(validate::minor_units(&parsed));
    let shown = serde_json::json!({"value": value, "currency": parsed.currency.as_str()});
    Ok((if negative { -minor } else { minor }, shown))
}

fn integer(v: &Value, form: bool) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) if form => s.parse().ok(),
        _ => None,
    }
}

/// The lines, checked against each other and the payment's amount:
/// `totalAmount = unitPrice × quantity − discountAmount`, `vatAmount =
/// totalAmount × vatRate / (100 + vatRate)` (to the cent), and the totals
/// adding up to the amount.
fn lines(v: &Value, amount: &Amount, form: bool) -> Result<Box<RawValue>> {
    let items: Vec<&Value> = match v {
        Value::Array(items) => items.iter().collect(),
        // A form's `lines[0][...]` may arrive as an object keyed 0, 1, ...
        Value::Object(o) if form => o.values().collect(),
        _ => return Err(bad("The 'lines' field must be an array", "lines")),
    };
    let currency = amount.currency.as_str();
    let decimals = validate::decimals_of(currency).unwrap_or(2) as u32;
    let mut sum: i128 = 0;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let at = |name: &str| format!("lines.{i}.{name}");
        let Some(obj) = item.as_object() else {
            return Err(bad("A line must be an object", format!("lines.{i}")));
        };
        if let Some(k) = obj.keys().find(|k| !LINE_KEYS.contains(&k.as_str())) {
            return Err(ApiError::unknown_body_field(&at(k)));
        }
        let get = |name: &str| obj.get(name).filter(|v| !v.is_null());
        let kind = match get("type") {
            None => "physical",
            Some(v) => v
                .as_str()
                .and_then(|t| LINE_TYPES.iter().find(|x| **x == t).copied())
                .ok_or_else(|| bad("The line type is invalid", at("type")))?,
        };
        let description = get("description")
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| bad("The line description is missing", at("description")))?;
        let quantity = get("quantity")
            .map(|q| integer(q, form).filter(|n| *n >= 1))
            .ok_or_else(|| bad("The line quantity is missing", at("quantity")))?
            .ok_or_else(|| bad("The line quantity is invalid", at("quantity")))?;
        let (unit, unit_shown) = signed_amount(get("unitPrice"), currency, &at("unitPrice"))?;
        let negative_kind = matches!(kind, "discount" | "store_credit" | "gift_card");
        if negative_kind != (unit < 0) && unit != 0 {
            return Err(bad(
                if negative_kind {
                    "The unit price of a discount line must be negative"
                } else {
                    "The unit price of the line cannot be negative"
                },
                at("unitPrice"),
            ));
        }
        let discount = match get("discountAmount") {
            None => None,
            Some(d) => Some(signed_amount(Some(d), currency, &at("discountAmount"))?),
        };
        let (total, total_shown) = signed_amount(get("totalAmount"), currency, &at("totalAmount"))?;
        let expected = unit * i128::from(quantity) - discount.as_ref().map_or(0, |d| d.0);
        if total != expected {
            return Err(bad(
                format!(
                    "The total amount of the line is invalid: expected {} (unitPrice × quantity − discountAmount)",
                    minor_text(expected, decimals)
                ),
                at("totalAmount"),
            ));
        }
        sum += total;
        let mut line = Map::new();
        line.insert("type".into(), kind.into());
        line.insert("description".into(), description.into());
        line.insert("quantity".into(), quantity.into());
        if let Some(u) = get("quantityUnit") {
            line.insert(
                "quantityUnit".into(),
                string(u, &at("quantityUnit"))?.into(),
            );
        }
        line.insert("unitPrice".into(), unit_shown);
        if let Some((_, shown)) = discount {
            line.insert("discountAmount".into(), shown);
        }
        line.insert("totalAmount".into(), total_shown);
        match (get("vatRate"), get("vatAmount")) {
            (None, None) => {}
            (Some(rate), vat) => {
                let rate_text = rate
                    .as_str()
                    .filter(|r| rate_hundredths(r).is_some())
                    .ok_or_else(|| bad("The VAT rate is invalid", at("vatRate")))?;
                let hundredths = rate_hundredths(rate_text).unwrap_or(0);
                let (vat, vat_shown) = signed_amount(vat, currency, &at("vatAmount"))?;
                // total × rate / (100 + rate), rounded half away from zero.
                let num = total * hundredths;
                let den = 10_000 + hundredths;
                let want = (2 * num + num.signum() * den) / (2 * den);
                if vat != want {
                    return Err(bad(
                        format!(
                            "The VAT amount of the line is invalid: expected {}",
                            minor_text(want, decimals)
                        ),
                        at("vatAmount"),
                    ));
                }
                line.insert("vatRate".into(), rate_text.into());
                line.insert("vatAmount".into(), vat_shown);
            }
            (None, Some(_)) => {
                return Err(bad("The VAT rate is missing", at("vatRate")));
            }
        }
        if let Some(s) = get("sku") {
            let s = string(s, &at("sku"))?;
            if s.chars().count() > 64 {
                return Err(bad("The SKU may be up to 64 characters", at("sku")));
            }
            line.insert("sku".into(), s.into());
        }
        if let Some(c) = get("categories") {
            let ok = c.as_array().is_some_and(|a| {
                a.iter()
                    .all(|x| x.as_str().is_some_and(|x| CATEGORIES.contains(&x)))
            });
            if !ok {
                return Err(bad("The line categories are invalid", at("categories")));
            }
            line.insert("categories".into(), c.clone());
        }
        for name in ["imageUrl", "productUrl"] {
            if let Some(u) = get(name) {
                let url = validate::url(u, "url", "x")
                    .map_err(|_| bad("The URL is invalid", at(name)))?;
                if let Some(url) = url {
                    line.insert(name.into(), Value::String(url.into()));
                }
            }
        }
        if let Some(r) = get("recurring") {
            line.insert("recurring".into(), recurring(r, &at("recurring"))?);
        }
        out.push(Value::Object(line));
    }
    let whole = i128::from(validate::minor_units(amount));
    if !out.is_empty() && sum != whole {
        return Err(bad(
            format!(
                "The amount of the payment does not match the total amount of the lines. Expected the lines to add up to {}, but they add up to {}",
                minor_text(whole, decimals),
                minor_text(sum, decimals)
            ),
            "amount",
        ));
    }
    raw(&Value::Array(out)).ok_or_else(|| bad("The lines are invalid", "lines"))
}

fn recurring(v: &Value, field: &str) -> Result<Value> {
    let Some(obj) = v.as_object() else {
        return Err(bad("The recurring line must be an object", field));
    };
    if let Some(k) = obj.keys().find(|k| {
        !matches!(
            k.as_str(),
            "description" | "interval" | "amount" | "times" | "startDate"
        )
    }) {
        return Err(ApiError::unknown_body_field(&format!("{field}.{k}")));
    }
    let interval_ok = obj
        .get("interval")
        .and_then(Value::as_str)
        .is_some_and(|s| {
            let mut parts = s.split(' ');
            let n = parts
                .next()
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            let unit = parts.next().is_some_and(|u| {
                matches!(u, "day" | "days" | "week" | "weeks" | "month" | "months")
            });
            n && unit && parts.next().is_none()
        });
    if !interval_ok {
        return Err(bad("The interval is invalid", format!("{field}.interval")));
    }
    Ok(v.clone())
}

/// `21.00` → 2100; None unless a number from 0 to 100 with up to two decimals.
fn rate_hundredths(s: &str) -> Option<i128> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty()
        || frac.len() > 2
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let v: i128 = format!("{int}{frac:0<2}").parse().ok()?;
    (v <= 10_000).then_some(v)
}

fn minor_text(minor: i128, decimals: u32) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let m = minor.unsigned_abs();
    if decimals == 0 {
        return format!("{sign}{m}");
    }
    let p = 10u128.pow(decimals);
    format!(
        "{sign}{}.{:0width$}",
        m / p,
        m % p,
        width = decimals as usize
    )
}

/// `applicationFee`: an amount and a description (at most 255 characters
/// kept), as a payment or a subscription takes it; stored as rendered.
pub fn application_fee(v: &Value) -> Result<Box<RawValue>> {
    let Some(obj) = v.as_object() else {
        return Err(bad(
            "The application fee must be an object",
            "applicationFee",
        ));
    };
    if let Some(k) = obj
        .keys()
        .find(|k| !matches!(k.as_str(), "amount" | "description"))
    {
        return Err(ApiError::unknown_body_field(&format!("applicationFee.{k}")));
    }
    let amount = validate::amount(obj.get("amount"), "The application fee amount is required")
        .map_err(|e| {
            let sub = e.field.as_deref().and_then(|f| f.strip_prefix("amount"));
            bad(
                e.detail,
                format!("applicationFee.amount{}", sub.unwrap_or("")),
            )
        })?;
    let description = obj
        .get("description")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            bad(
                "The application fee description is required",
                "applicationFee.description",
            )
        })?;
    let shown = serde_json::json!({
        "amount": {"value": amount.value.as_str(), "currency": amount.currency.as_str()},
        "description": description.chars().take(255).collect::<String>(),
    });
    raw(&shown).ok_or_else(|| bad("The application fee is invalid", "applicationFee"))
}

/// Routes: each an amount in the payment's currency for an organization.
fn routing(v: &Value, amount: &Amount) -> Result<Box<RawValue>> {
    let Some(items) = v.as_array() else {
        return Err(bad("The 'routing' field must be an array", "routing"));
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, r) in items.iter().enumerate() {
        let at = |name: &str| format!("routing.{i}.{name}");
        let Some(obj) = r.as_object() else {
            return Err(bad("A route must be an object", format!("routing.{i}")));
        };
        if let Some(k) = obj
            .keys()
            .find(|k| !matches!(k.as_str(), "amount" | "destination" | "releaseDate"))
        {
            return Err(ApiError::unknown_body_field(&at(k)));
        }
        let (minor, shown) = signed_amount(obj.get("amount"), &amount.currency, &at("amount"))
            .map_err(|e| {
                if e.detail.starts_with("All lines") {
                    bad(
                        "The route currency must match the payment",
                        at("amount.currency"),
                    )
                } else {
                    e
                }
            })?;
        if minor <= 0 {
            return Err(bad("The route amount is invalid", at("amount.value")));
        }
        let dest = obj.get("destination").and_then(Value::as_object);
        let org = dest
            .filter(|d| d.get("type").and_then(Value::as_str) == Some("organization"))
            .and_then(|d| d.get("organizationId"))
            .and_then(Value::as_str)
            .filter(|id| id.starts_with("org_"))
            .ok_or_else(|| bad("The route destination is invalid", at("destination")))?;
        let mut route = Map::new();
        route.insert("amount".into(), shown);
        route.insert(
            "destination".into(),
            serde_json::json!({"type": "organization", "organizationId": org}),
        );
        if let Some(d) = obj.get("releaseDate").filter(|v| !v.is_null()) {
            let d = date(d).ok_or_else(|| bad("The release date is invalid", at("releaseDate")))?;
            route.insert("releaseDate".into(), Value::String(d.to_string()));
        }
        out.push(Value::Object(route));
    }
    raw(&Value::Array(out)).ok_or_else(|| bad("The routing is invalid", "routing"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eur(v: &str) -> Amount {
        Amount {
            value: v.into(),
            currency: "EUR".into(),
        }
    }

    #[test]
    fn vat_is_checked_to_the_cent() {
        let line = |vat: &str| {
            json!([{"description": "A", "quantity": 2, "unitPrice": {"value": "60.50", "currency": "EUR"},
                "totalAmount": {"value": "121.00", "currency": "EUR"}, "vatRate": "21.00",
                "vatAmount": {"value": vat, "currency": "EUR"}}])
        };
        assert!(lines(&line("21.00"), &eur("121.00"), false).is_ok());
        let e = lines(&line("20.99"), &eur("121.00"), false).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("lines.0.vatAmount"));
        let e = lines(&line("21.00"), &eur("100.00"), false).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("amount"));
    }

    /// Every listed name is read by `create` (what makes its early return
    /// for a body without any of them exact): a value of the wrong shape
    /// under any one of them is refused or kept, never passed over; the
    /// core fields alone give no extra box.
    #[test]
    fn every_listed_field_is_read() {
        let today = jiff::civil::date(2026, 12, 1);
        let core = json!({"amount": {"currency": "EUR", "value": "10.00"}, "description": "x",
            "redirectUrl": "https://x.example/", "metadata": {"a": 1}});
        // As the create handler tells them: the unknown-field check's bits
        // past the core names.
        let core_names = ["amount", "description", "redirectUrl", "metadata"];
        let all = [&core_names[..], CREATE_FIELDS].concat();
        let sent = |b: &Body| b.only(&all).unwrap() >> core_names.len() != 0;
        let text = core.to_string();
        let body = Body::decode(Some("application/json"), text.as_bytes()).unwrap();
        assert!(!sent(&body));
        assert!(create(&body, false, &eur("10.00"), &["creditcard"], today)
            .unwrap()
            .is_none());
        for name in CREATE_FIELDS {
            for value in [json!({"bad": [1]}), json!(12345)] {
                let mut v = core.clone();
                v[*name] = value.clone();
                let text = v.to_string();
                let body = Body::decode(Some("application/json"), text.as_bytes()).unwrap();
                assert!(sent(&body), "{name}");
                let out = create(&body, true, &eur("10.00"), &["creditcard"], today);
                assert!(!matches!(out, Ok(None)), "{name}: {value} passed over");
            }
        }
    }

    #[test]
    fn rates_and_amounts_print() {
        assert_eq!(rate_hundredths("21"), Some(2100));
        assert_eq!(rate_hundredths("5.5"), Some(550));
        assert_eq!(rate_hundredths("101"), None);
        assert_eq!(minor_text(-1234, 2), "-12.34");
        assert_eq!(minor_text(5, 0), "5");
    }
}
