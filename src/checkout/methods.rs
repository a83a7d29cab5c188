//! What the checkout shows of the payment methods: which ones a payment may
//! be paid with, their labels as Mollie's checkout writes them, their
//! issuers and logos, and the merchant's name.
//!
//! This is the checkout's only window on the method catalogue: every screen
//! asks these functions and nothing else, so that pointing them at the one
//! catalogue (`crate::catalogue`, the Methods API's) rewires the whole
//! checkout. Until then the table below stands in for it.

use crate::lifecycle;
use crate::store::{Data, Payment, SequenceType};

/// One clickable entry of the method list. Klarna is two (Pay later, Pay
/// now) and gift cards are one per brand, as on Mollie's checkout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer {
    pub method: &'static str,
    /// Chosen together with the method (a gift card brand), so the issuer
    /// screen is skipped.
    pub issuer: Option<&'static str>,
    pub label: &'static str,
}

#[derive(Debug, Clone, Copy)]
pub struct Issuer {
    pub id: &'static str,
    pub name: &'static str,
}

/// The checkout's name for a method (`Credit/Debit Card`, `Pay in 3`).
pub fn label(method: &str) -> &str {
    row(method).map(|r| r.label).unwrap_or(method)
}

/// The issuers a consumer picks from for `method`; empty when it has none.
pub fn issuers(method: &str) -> &'static [Issuer] {
    match method {
        "ideal" => IDEAL,
        "kbc" => KBC,
        "giftcard" => GIFTCARDS,
        "voucher" => VOUCHERS,
        _ => &[],
    }
}

pub fn issuer(method: &str, id: &str) -> Option<&'static Issuer> {
    issuers(method).iter().find(|i| i.id == id)
}

/// Methods whose test page offers Pending: the ones that wait for money
/// to arrive (a transfer, a debit) or for a review (PayPal).
pub fn can_be_pending(method: &str) -> bool {
    matches!(method, "banktransfer" | "directdebit" | "paypal")
}

/// The merchant the checkout names: the payment's profile's name.
/// Rewire: `data.profile_for(p).map(|x| &*x.name)` once profiles exist.
pub fn merchant_name<'a>(_data: &'a Data, _p: &Payment) -> &'a str {
    "Sandbox Shop"
}

/// The `src` of a method's or an issuer's logo. Rewire: the catalogue's
/// images (`/external/icons/payment-methods/{id}.svg`,
/// `/external/icons/{folder}/{file}.svg`) once the sandbox serves them;
/// until then a small drawing inline, so pages work offline.
pub fn logo(label: &str) -> String {
    let initials: String = label
        .split(|c: char| !c.is_alphanumeric())
        .filter_map(|w| w.chars().next())
        .take(3)
        .collect();
    let hue = label
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b.into()))
        % 360;
    let svg = format!(
        "<svg xmlns='http://www.w3.org/2000/svg' width='32' height='24' viewBox='0 0 32 24'><rect width='32' height='24' rx='4' fill='hsl({hue},55%,42%)'/><text x='16' y='16' font-family='Arial' font-size='9' font-weight='700' text-anchor='middle' fill='white'>{}</text></svg>",
        html_escape::encode_text(&initials)
    );
    let payload: String = form_urlencoded::byte_serialize(svg.as_bytes()).collect();
    // A form encoder writes spaces as `+`; a data URL wants `%20`.
    format!("data:image/svg+xml,{}", payload.replace('+', "%20"))
}

/// What the method list offers for `p`: the merchant's list when it sent
/// one, else every method the payment's amount, currency and sequence type
/// allow, the ones a consumer of the payment's locale expects first.
/// Rewire: the catalogue's filter (the Methods API's `amount`, `locale`,
/// `sequenceType`) in place of `fits` and `preferred`.
pub fn offers(p: &Payment) -> Vec<Offer> {
    let mut ids: Vec<&'static str> = if p.method_choices.len() > 1 {
        p.method_choices.to_vec()
    } else {
        ROWS.iter().map(|r| r.id).filter(|m| fits(p, m)).collect()
    };
    let country = p
        .restrict_to_country
        .as_deref()
        .or_else(|| p.locale.and_then(|l| l.split('_').nth(1)))
        .unwrap_or("");
    for first in preferred(country).iter().rev() {
        if let Some(pos) = ids.iter().position(|m| m == first) {
            let m = ids.remove(pos);
            ids.insert(0, m);
        }
    }
    let mut out = Vec::new();
    for m in ids {
        match m {
            "klarna" => {
                out.push(offer(m, None, "Pay later"));
                out.push(offer(m, None, "Pay now"));
            }
            "giftcard" => out.extend(GIFTCARDS.iter().map(|i| offer(m, Some(i.id), i.name))),
            _ => out.push(offer(m, None, label(m))),
        }
    }
    out
}

fn offer(method: &'static str, issuer: Option<&'static str>, label: &'static str) -> Offer {
    Offer {
        method,
        issuer,
        label,
    }
}

/// Whether the list may offer `method` for `p` (a posted choice is checked
/// against this).
pub fn offered(p: &Payment, method: &str) -> bool {
    offers(p).iter().any(|o| o.method == method)
}

fn fits(p: &Payment, method: &str) -> bool {
    let Some(r) = row(method) else {
        return false;
    };
    let pool: &[&str] = match p.sequence_type {
        SequenceType::First => crate::validate::FIRST_METHODS,
        SequenceType::Recurring => return false,
        SequenceType::Oneoff => crate::validate::METHODS,
    };
    let minor = crate::validate::minor_units(&p.amount);
    pool.contains(&method)
        && (r.currencies.is_empty() || r.currencies.contains(&p.amount.currency.as_str()))
        && minor >= r.min
        && r.max.is_none_or(|max| minor <= max)
        // Pay-later methods that authorize need the lifecycle's support.
        && (!r.authorizes || lifecycle::AUTHORIZE_METHODS.contains(&method))
}

fn preferred(country: &str) -> &'static [&'static str] {
    match country {
        "NL" => &["ideal"],
        "BE" => &["bancontact", "kbc", "belfius"],
        "DE" | "AT" => &["paypal", "klarna", "creditcard"],
        "PL" => &["blik", "przelewy24"],
        "CH" => &["twint"],
        "IT" => &["satispay", "bancomatpay", "mybank"],
        _ => &[],
    }
}

struct Row {
    id: &'static str,
    label: &'static str,
    /// Currencies it takes; empty: any.
    currencies: &'static [&'static str],
    /// Limits in minor units.
    min: u64,
    max: Option<u64>,
    authorizes: bool,
}

const fn r(id: &'static str, label: &'static str, currencies: &'static [&'static str]) -> Row {
    Row {
        id,
        label,
        currencies,
        min: 1,
        max: None,
        authorizes: false,
    }
}

fn row(id: &str) -> Option<&'static Row> {
    ROWS.iter().find(|r| r.id == id)
}

const EUR: &[&str] = &["EUR"];

/// Mollie's checkout order and labels. Apple Pay is left out: the real
/// checkout shows it in Safari only.
static ROWS: &[Row] = &[
    Row {
        max: Some(5_000_000),
        ..r("ideal", "iDEAL", EUR)
    },
    r("creditcard", "Credit/Debit Card", &[]),
    r("paypal", "PayPal", &[]),
    r("bancontact", "Bancontact", EUR),
    r(
        "banktransfer",
        "Bank transfer",
        &["EUR", "GBP", "CHF", "DKK", "NOK", "PLN", "SEK", "USD"],
    ),
    r("sofort", "SOFORT", EUR),
    r("eps", "eps", EUR),
    Row {
        min: 500,
        max: Some(500_000),
        authorizes: true,
        ..r("in3", "Pay in 3", EUR)
    },
    Row {
        authorizes: true,
        ..r(
            "klarna",
            "Klarna",
            &["EUR", "GBP", "CHF", "DKK", "NOK", "SEK", "PLN"],
        )
    },
    r("giropay", "giropay", EUR),
    r("przelewy24", "Przelewy24", &["PLN", "EUR"]),
    r("mybank", "MyBank", EUR),
    r("belfius", "Belfius", EUR),
    r("kbc", "KBC/CBC", EUR),
    r("giftcard", "Gift cards", EUR),
    r("voucher", "Vouchers", EUR),
    r("directdebit", "SEPA Direct Debit", EUR),
    Row {
        authorizes: true,
        ..r("riverty", "Riverty", EUR)
    },
    Row {
        authorizes: true,
        ..r("billie", "Billie", EUR)
    },
    Row {
        min: 5_000,
        authorizes: true,
        ..r("alma", "Alma", EUR)
    },
    r("trustly", "Trustly", EUR),
    r("blik", "BLIK", &["PLN"]),
    r("twint", "TWINT", &["CHF"]),
    r("satispay", "Satispay", EUR),
    r("bancomatpay", "Bancomat Pay", EUR),
    r("paysafecard", "paysafecard", EUR),
    r("bacs", "Bacs Direct Debit", &["GBP"]),
];

const fn i(id: &'static str, name: &'static str) -> Issuer {
    Issuer { id, name }
}

static IDEAL: &[Issuer] = &[
    i("ideal_ABNANL2A", "ABN AMRO"),
    i("ideal_ASNBNL21", "ASN Bank"),
    i("ideal_BUNQNL2A", "bunq"),
    i("ideal_HANDNL2A", "Handelsbanken"),
    i("ideal_INGBNL2A", "ING"),
    i("ideal_KNABNL2H", "Knab"),
    i("ideal_NTSBDEB1", "N26"),
    i("ideal_NNBANL2G", "Nationale-Nederlanden"),
    i("ideal_RABONL2U", "Rabobank"),
    i("ideal_RBRBNL21", "RegioBank"),
    i("ideal_REVOLT21", "Revolut"),
    i("ideal_SNSBNL2A", "SNS"),
    i("ideal_TRIONL2U", "Triodos Bank"),
    i("ideal_FVLBNL22", "Van Lanschot Kempen"),
    i("ideal_BITSNL2A", "Yoursafe"),
];

static KBC: &[Issuer] = &[i("kbc", "KBC"), i("cbc", "CBC")];

static GIFTCARDS: &[Issuer] = &[
    i("beautycadeau", "BeautyCadeau"),
    i("boekenbon", "Boekenbon"),
    i("decadeaukaart", "De Cadeaukaart"),
    i("dinercadeau", "Diner Cadeau"),
    i("fashioncheque", "Fashioncheque"),
    i("festivalcadeau", "FestivalCadeau Giftcard"),
    i("podiumcadeaukaart", "Podium Cadeaukaart"),
    i("sportenfitcadeau", "Sport & Fit Cadeau"),
    i("vvvgiftcard", "VVV Cadeaukaart"),
    i("webshopgiftcard", "Webshop Giftcard"),
    i("yourgift", "YourGift"),
];

static VOUCHERS: &[Issuer] = &[
    i("appetiz", "Appetiz"),
    i("edenred-belgium-cadeau", "Edenred Belgium Gift"),
    i("edenred-belgium-eco", "Edenred Belgium Eco"),
    i("edenred-belgium-meal", "Edenred Belgium Meal"),
    i("monizze-eco", "Monizze Eco"),
    i("monizze-meal", "Monizze Meal"),
    i("sodexo-ecopass", "Sodexo Ecopass"),
    i("sodexo-lunchpass", "Sodexo Lunch Pass"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_a_known_method() {
        for r in ROWS {
            assert!(crate::validate::method_name(r.id).is_some(), "{}", r.id);
        }
    }

    #[test]
    fn logos_are_data_urls_without_spaces() {
        let src = logo("Credit/Debit Card");
        assert!(src.starts_with("data:image/svg+xml,"));
        assert!(!src.contains(' ') && !src.contains('"'));
        assert!(!src["data:image/svg+xml,".len()..].contains('+'));
    }
}
