//! The one catalogue of payment methods: what each method is called (in the
//! API per locale, and on the hosted checkout), the amounts it takes per
//! currency, whether it can set up or charge mandates, whether it
//! authorizes before it is paid, its issuers, pricing, expiry and image.
//!
//! Payment creation (which `method` values exist), the lifecycle (which
//! methods authorize, which mandate a paid first payment leaves), the
//! checkout page (what it offers and how it names it) and the Methods API
//! all read this table; there is no second list anywhere.

use crate::store::Amount;

/// A method's activation status on a profile (the Methods API's `status`);
/// a method with no status was never requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Activated,
    PendingBoarding,
    PendingReview,
    PendingExternal,
    Rejected,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Activated,
        Status::PendingBoarding,
        Status::PendingReview,
        Status::PendingExternal,
        Status::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Activated => "activated",
            Status::PendingBoarding => "pending-boarding",
            Status::PendingReview => "pending-review",
            Status::PendingExternal => "pending-external",
            Status::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Whether payments may use the method: test mode takes methods whose
    /// activation is still pending, live mode only activated ones (as the
    /// List methods docs say).
    pub fn usable(self, test_mode: bool) -> bool {
        match self {
            Status::Activated => true,
            Status::PendingBoarding | Status::PendingReview | Status::PendingExternal => test_mode,
            Status::Rejected => false,
        }
    }
}

/// Whether a payment with this method can stop at `authorized`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authorize {
    Never,
    /// Pay-later methods: always authorize first.
    Always,
    /// Only with `captureMode: manual` (cards, PayPal).
    ManualCapture,
}

/// Minimum and maximum in one currency, as Mollie writes the amounts.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub currency: &'static str,
    pub min: &'static str,
    pub max: Option<&'static str>,
}

const fn lim(currency: &'static str, min: &'static str, max: Option<&'static str>) -> Limit {
    Limit { currency, min, max }
}

/// One row of a method's pricing (`include=pricing`).
#[derive(Debug, Clone, Copy)]
pub struct Fee {
    pub description: &'static str,
    pub fixed: &'static str,
    pub variable: &'static str,
    pub fee_region: Option<&'static str>,
}

const fn fee(description: &'static str, fixed: &'static str, variable: &'static str) -> Fee {
    Fee {
        description,
        fixed,
        variable,
        fee_region: None,
    }
}

/// An issuer a consumer picks (an iDEAL bank, KBC or CBC, a gift card or
/// voucher brand).
#[derive(Debug, Clone, Copy)]
pub struct Issuer {
    pub id: &'static str,
    pub name: &'static str,
    /// Where its image lives: `/external/icons/{folder}/{file}.svg`.
    pub folder: &'static str,
    pub file: &'static str,
}

#[derive(Debug)]
pub struct Method {
    pub id: &'static str,
    /// The name on the hosted checkout.
    pub label: &'static str,
    /// The API's `description`: English, Dutch, German, French.
    pub names: [&'static str; 4],
    /// Currencies it takes, with limits; the first is shown when none is asked.
    pub limits: &'static [Limit],
    /// Can be the first payment of a recurring sequence.
    pub first: bool,
    /// Can be charged on a mandate (`sequenceType=recurring`).
    pub recurring: bool,
    /// The mandate a paid first payment with this method leaves.
    pub mandate: Option<&'static str>,
    pub authorize: Authorize,
    /// Pay-later methods: listed for `resource=orders` only.
    pub orders_only: bool,
    /// A wallet: listed only when the integration says it supports it
    /// (`includeWallets`).
    pub wallet: bool,
    /// Billing countries it is offered in; empty means any.
    pub countries: &'static [&'static str],
    pub issuers: &'static [Issuer],
    pub pricing: &'static [Fee],
    /// Seconds an open payment with this method lives.
    pub expiry_secs: i64,
    /// The colour of its sandbox image.
    pub color: &'static str,
    /// Its status on a new account's profile (None: never requested).
    pub default_status: Option<Status>,
    /// Offered on the checkout page for a one-off payment (direct debits
    /// are charged on a mandate, never chosen by a consumer).
    pub at_checkout: bool,
    /// Paid from the consumer's bank account: a paid payment's details name
    /// the consumer, the IBAN and the BIC.
    pub bank_details: bool,
    /// Mollie no longer offers it (SOFORT, giropay since 2024): its OpenAPI document
    /// has dropped the id, so `GET /v2/methods/all` leaves it out too. It
    /// stays known for fixtures and payments that name it.
    pub retired: bool,
    /// An open payment carries a QR code on `include=details.qrCode`.
    pub qr_code: bool,
    /// The test checkout offers Pending: the money arrives later (a
    /// transfer, a debit) or a review decides (PayPal).
    pub can_be_pending: bool,
}

impl Method {
    /// The `description` in `locale` (`nl_NL`, `de_AT`, ...): English for
    /// languages the catalogue has no names in.
    pub fn name(&self, locale: Option<&str>) -> &'static str {
        let lang = locale.and_then(|l| l.split('_').next()).unwrap_or("en");
        match lang {
            "nl" => self.names[1],
            "de" => self.names[2],
            "fr" => self.names[3],
            _ => self.names[0],
        }
    }

    /// Its limits in `currency`, if it takes that currency.
    pub fn limit(&self, currency: &str) -> Option<&'static Limit> {
        self.limits.iter().find(|l| l.currency == currency)
    }

    /// Whether `amount` lies within its limits (and it takes the currency).
    pub fn fits(&self, amount: &Amount) -> Fit {
        let Some(l) = self.limit(&amount.currency) else {
            return Fit::Currency;
        };
        let minor = crate::validate::minor_units(amount);
        if minor < units(l.min) {
            return Fit::TooLow;
        }
        if l.max.is_some_and(|max| minor > units(max)) {
            return Fit::TooHigh;
        }
        Fit::Yes
    }

    pub fn offered_in(&self, country: &str) -> bool {
        self.countries.is_empty() || self.countries.contains(&country)
    }

    /// Whether a payment with it may reach `authorized`.
    pub fn can_authorize(&self, manual_capture: bool) -> bool {
        match self.authorize {
            Authorize::Always => true,
            Authorize::ManualCapture => manual_capture,
            Authorize::Never => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    Yes,
    Currency,
    TooLow,
    TooHigh,
}

fn units(value: &str) -> u64 {
    value
        .bytes()
        .filter(u8::is_ascii_digit)
        .fold(0u64, |acc, b| {
            acc.saturating_mul(10).saturating_add(u64::from(b - b'0'))
        })
}

pub fn get(id: &str) -> Option<&'static Method> {
    METHODS.iter().find(|m| m.id == id)
}

/// The catalogue's own `&'static str` for a method id, or None if unknown.
pub fn id(value: &str) -> Option<&'static str> {
    get(value).map(|m| m.id)
}

pub fn label(id: &str) -> &str {
    get(id).map(|m| m.label).unwrap_or(id)
}

/// Whether an open payment with `id` carries a QR code (`include=details.qrCode`).
pub fn has_qr_code(id: &str) -> bool {
    get(id).is_some_and(|m| m.qr_code)
}

pub fn can_be_pending(id: &str) -> bool {
    get(id).is_some_and(|m| m.can_be_pending)
}

pub fn can_authorize(id: &str, manual_capture: bool) -> bool {
    get(id).is_some_and(|m| m.can_authorize(manual_capture))
}

/// The method of the mandate a paid first payment with `id` leaves.
pub fn mandate_method(id: &str) -> &'static str {
    get(id).and_then(|m| m.mandate).unwrap_or("directdebit")
}

pub fn mandate_methods() -> impl Iterator<Item = &'static str> {
    METHODS.iter().filter(|m| m.recurring).map(|m| m.id)
}

/// Every issuer of every method, by id (`ideal_INGBNL2A`, `festivalcadeau`).
pub fn issuer(method: &str, id: &str) -> Option<&'static Issuer> {
    get(method)?.issuers.iter().find(|i| i.id == id)
}

/// Methods first in the order a consumer in `country` expects them (as the
/// `locale` parameter sorts the list); the rest keep catalogue order.
pub fn preferred_first(country: &str) -> &'static [&'static str] {
    match country {
        "NL" => &["ideal"],
        "BE" => &["bancontact", "kbc", "belfius"],
        "DE" | "AT" => &["paypal", "klarna", "creditcard"],
        "PL" => &["blik", "przelewy24"],
        "CH" => &["twint"],
        "IT" => &["satispay", "bancomatpay", "mybank"],
        "PT" => &["mbway", "multibanco"],
        "ES" => &["bizum"],
        "GB" => &["paybybank", "creditcard"],
        "SE" => &["swish", "trustly"],
        "NO" => &["vipps"],
        "DK" | "FI" => &["mobilepay"],
        _ => &[],
    }
}

const MIN: i64 = 60;
const HOUR: i64 = 60 * MIN;

/// Card-like methods: every currency Mollie takes, the EUR figures in each.
const CARD_LIMITS: &[Limit] = &[
    lim("EUR", "0.01", Some("2000.00")),
    lim("AED", "0.01", Some("2000.00")),
    lim("AUD", "0.01", Some("2000.00")),
    lim("BGN", "0.01", Some("2000.00")),
    lim("BRL", "0.01", Some("2000.00")),
    lim("CAD", "0.01", Some("2000.00")),
    lim("CHF", "0.01", Some("2000.00")),
    lim("CZK", "0.01", Some("2000.00")),
    lim("DKK", "0.01", Some("2000.00")),
    lim("GBP", "0.01", Some("2000.00")),
    lim("HKD", "0.01", Some("2000.00")),
    lim("HUF", "0.01", Some("2000.00")),
    lim("ILS", "0.01", Some("2000.00")),
    lim("ISK", "1", Some("2000")),
    lim("JPY", "1", Some("2000")),
    lim("MXN", "0.01", Some("2000.00")),
    lim("MYR", "0.01", Some("2000.00")),
    lim("NOK", "0.01", Some("2000.00")),
    lim("NZD", "0.01", Some("2000.00")),
    lim("PHP", "0.01", Some("2000.00")),
    lim("PLN", "0.01", Some("2000.00")),
    lim("RON", "0.01", Some("2000.00")),
    lim("RUB", "0.01", Some("2000.00")),
    lim("SEK", "0.01", Some("2000.00")),
    lim("SGD", "0.01", Some("2000.00")),
    lim("THB", "0.01", Some("2000.00")),
    lim("TWD", "0.01", Some("2000.00")),
    lim("USD", "0.01", Some("2000.00")),
    lim("ZAR", "0.01", Some("2000.00")),
];

const PAYPAL_LIMITS: &[Limit] = &[
    lim("EUR", "0.01", None),
    lim("USD", "0.01", None),
    lim("GBP", "0.01", None),
    lim("CHF", "0.01", None),
    lim("AUD", "0.01", None),
    lim("CAD", "0.01", None),
    lim("DKK", "0.01", None),
    lim("NOK", "0.01", None),
    lim("SEK", "0.01", None),
    lim("PLN", "0.01", None),
    lim("CZK", "0.01", None),
    lim("HUF", "0.01", None),
    lim("JPY", "1", None),
];

const DEFAULT_FEE: &[Fee] = &[fee("Default", "0.29", "0")];

const fn bank(id: &'static str, name: &'static str, bic: &'static str) -> Issuer {
    Issuer {
        id,
        name,
        folder: "ideal-issuers",
        file: bic,
    }
}

pub const IDEAL_ISSUERS: &[Issuer] = &[
    bank("ideal_ABNANL2A", "ABN AMRO", "ABNANL2A"),
    bank("ideal_ASNBNL21", "ASN Bank", "ASNBNL21"),
    bank("ideal_BUNQNL2A", "bunq", "BUNQNL2A"),
    bank("ideal_HANDNL2A", "Handelsbanken", "HANDNL2A"),
    bank("ideal_INGBNL2A", "ING", "INGBNL2A"),
    bank("ideal_KNABNL2H", "Knab", "KNABNL2H"),
    bank("ideal_NTSBDEB1", "N26", "NTSBDEB1"),
    bank("ideal_NNBANL2G", "Nationale-Nederlanden", "NNBANL2G"),
    bank("ideal_RABONL2U", "Rabobank", "RABONL2U"),
    bank("ideal_RBRBNL21", "RegioBank", "RBRBNL21"),
    bank("ideal_REVOLT21", "Revolut", "REVOLT21"),
    bank("ideal_SNSBNL2A", "SNS", "SNSBNL2A"),
    bank("ideal_TRIONL2U", "Triodos Bank", "TRIONL2U"),
    bank("ideal_FVLBNL22", "Van Lanschot Kempen", "FVLBNL22"),
    bank("ideal_BITSNL2A", "Yoursafe", "BITSNL2A"),
];

pub const KBC_ISSUERS: &[Issuer] = &[
    Issuer {
        id: "kbc",
        name: "KBC",
        folder: "kbc-issuers",
        file: "kbc",
    },
    Issuer {
        id: "cbc",
        name: "CBC",
        folder: "kbc-issuers",
        file: "cbc",
    },
];

const fn gift(id: &'static str, name: &'static str) -> Issuer {
    Issuer {
        id,
        name,
        folder: "giftcard-issuers",
        file: id,
    }
}

pub const GIFTCARD_ISSUERS: &[Issuer] = &[
    gift("beautycadeau", "BeautyCadeau"),
    gift("boekenbon", "Boekenbon"),
    gift("decadeaukaart", "De Cadeaukaart"),
    gift("dinercadeau", "Diner Cadeau"),
    gift("fashioncheque", "Fashioncheque"),
    gift("festivalcadeau", "FestivalCadeau Giftcard"),
    gift("podiumcadeaukaart", "Podium Cadeaukaart"),
    gift("sportenfitcadeau", "Sport & Fit Cadeau"),
    gift("vvvgiftcard", "VVV Cadeaukaart"),
    gift("webshopgiftcard", "Webshop Giftcard"),
    gift("yourgift", "YourGift"),
];

const fn voucher(id: &'static str, name: &'static str) -> Issuer {
    Issuer {
        id,
        name,
        folder: "voucher-issuers",
        file: id,
    }
}

pub const VOUCHER_ISSUERS: &[Issuer] = &[
    voucher("appetiz", "Appetiz"),
    voucher("edenred-belgium-cadeau", "Edenred Belgium Gift"),
    voucher("edenred-belgium-eco", "Edenred Belgium Eco"),
    voucher("edenred-belgium-meal", "Edenred Belgium Meal"),
    voucher("monizze-eco", "Monizze Eco"),
    voucher("monizze-meal", "Monizze Meal"),
    voucher("pluxee-eco", "Pluxee Eco"),
    voucher("pluxee-lunch", "Pluxee Lunch"),
];

const KLARNA_COUNTRIES: &[&str] = &[
    "AT", "BE", "CH", "DE", "DK", "ES", "FI", "FR", "GB", "IE", "IT", "NL", "NO", "PL", "PT", "SE",
];

/// A method with the usual defaults, fields set below per method.
const BASE: Method = Method {
    id: "",
    label: "",
    names: ["", "", "", ""],
    limits: &[],
    first: false,
    recurring: false,
    mandate: None,
    authorize: Authorize::Never,
    orders_only: false,
    wallet: false,
    countries: &[],
    issuers: &[],
    pricing: DEFAULT_FEE,
    expiry_secs: 15 * MIN,
    color: "#4a5568",
    default_status: Some(Status::Activated),
    at_checkout: true,
    bank_details: false,
    retired: false,
    qr_code: false,
    can_be_pending: false,
};

const fn same(name: &'static str) -> [&'static str; 4] {
    [name, name, name, name]
}

/// Every method Mollie offers, in the order the list shows them when no
/// locale reorders it.
pub static METHODS: &[Method] = &[
    Method {
        id: "ideal",
        qr_code: true,
        bank_details: true,
        label: "iDEAL",
        names: same("iDEAL"),
        limits: &[lim("EUR", "0.01", Some("50000.00"))],
        first: true,
        mandate: Some("directdebit"),
        issuers: IDEAL_ISSUERS,
        pricing: &[fee("The Netherlands", "0.29", "0")],
        color: "#cc0066",
        ..BASE
    },
    Method {
        id: "creditcard",
        label: "Credit/Debit Card",
        names: ["Card", "Kaart", "Karte", "Carte"],
        limits: CARD_LIMITS,
        first: true,
        recurring: true,
        mandate: Some("creditcard"),
        authorize: Authorize::ManualCapture,
        pricing: &[
            Fee {
                description: "Commercial & non-European cards",
                fixed: "0.25",
                variable: "2.8",
                fee_region: Some("other"),
            },
            Fee {
                description: "European cards",
                fixed: "0.25",
                variable: "1.8",
                fee_region: Some("eu-cards"),
            },
            Fee {
                description: "American Express",
                fixed: "0.25",
                variable: "2.8",
                fee_region: Some("amex"),
            },
        ],
        expiry_secs: 30 * MIN,
        color: "#1a365d",
        ..BASE
    },
    Method {
        id: "paypal",
        can_be_pending: true,
        label: "PayPal",
        names: same("PayPal"),
        limits: PAYPAL_LIMITS,
        first: true,
        recurring: true,
        mandate: Some("paypal"),
        authorize: Authorize::ManualCapture,
        pricing: &[fee("Default", "0.10", "0")],
        expiry_secs: 72 * HOUR,
        color: "#003087",
        ..BASE
    },
    Method {
        id: "banktransfer",
        qr_code: true,
        can_be_pending: true,
        label: "Bank transfer",
        names: [
            "Bank transfer",
            "Overboeking",
            "Überweisung",
            "Virement bancaire",
        ],
        limits: &[lim("EUR", "0.01", Some("1000000.00"))],
        pricing: &[fee("Default", "0.25", "0")],
        expiry_secs: 12 * 24 * HOUR,
        color: "#2f855a",
        ..BASE
    },
    Method {
        id: "bancontact",
        qr_code: true,
        bank_details: true,
        label: "Bancontact",
        names: same("Bancontact"),
        limits: &[lim("EUR", "0.02", Some("50000.00"))],
        first: true,
        mandate: Some("directdebit"),
        pricing: &[fee("Belgium", "0.39", "0")],
        expiry_secs: HOUR,
        color: "#005498",
        ..BASE
    },
    Method {
        id: "eps",
        bank_details: true,
        label: "eps",
        names: same("eps"),
        limits: &[lim("EUR", "1.00", Some("50000.00"))],
        first: true,
        mandate: Some("directdebit"),
        expiry_secs: HOUR,
        color: "#c8036f",
        ..BASE
    },
    Method {
        id: "przelewy24",
        label: "Przelewy24",
        names: same("Przelewy24"),
        limits: &[
            lim("EUR", "0.01", Some("12815.00")),
            lim("PLN", "0.01", Some("55000.00")),
        ],
        expiry_secs: HOUR,
        color: "#d13239",
        ..BASE
    },
    Method {
        id: "kbc",
        bank_details: true,
        label: "KBC/CBC",
        names: [
            "KBC/CBC Payment Button",
            "KBC/CBC-Betaalknop",
            "KBC/CBC-Zahlungsbutton",
            "Bouton de paiement KBC/CBC",
        ],
        limits: &[lim("EUR", "0.01", Some("50000.00"))],
        first: true,
        mandate: Some("directdebit"),
        issuers: KBC_ISSUERS,
        expiry_secs: HOUR,
        color: "#00aeef",
        ..BASE
    },
    Method {
        id: "belfius",
        bank_details: true,
        label: "Belfius",
        names: [
            "Belfius Pay Button",
            "Belfius Pay Button",
            "Belfius Pay Button",
            "Bouton de paiement Belfius",
        ],
        limits: &[lim("EUR", "0.01", Some("50000.00"))],
        first: true,
        mandate: Some("directdebit"),
        expiry_secs: HOUR,
        color: "#c30045",
        ..BASE
    },
    Method {
        id: "voucher",
        label: "Vouchers",
        names: ["Vouchers", "Maaltijdcheques", "Gutscheine", "Titres-repas"],
        limits: &[lim("EUR", "1.00", Some("100000.00"))],
        issuers: VOUCHER_ISSUERS,
        orders_only: true,
        expiry_secs: 2 * HOUR,
        color: "#dd6b20",
        ..BASE
    },
    Method {
        id: "directdebit",
        can_be_pending: true,
        label: "SEPA Direct Debit",
        names: [
            "SEPA Direct Debit",
            "SEPA-incasso",
            "SEPA-Lastschrift",
            "Prélèvement SEPA",
        ],
        limits: &[lim("EUR", "0.01", Some("1000.00"))],
        recurring: true,
        mandate: Some("directdebit"),
        pricing: &[fee("Default", "0.25", "0")],
        color: "#0f4c81",
        at_checkout: false,
        ..BASE
    },
    Method {
        id: "klarna",
        label: "Pay later",
        names: [
            "Pay with Klarna",
            "Betaal met Klarna",
            "Mit Klarna bezahlen",
            "Payer avec Klarna",
        ],
        limits: &[
            lim("EUR", "0.01", Some("10000.00")),
            lim("GBP", "0.01", Some("10000.00")),
            lim("CHF", "0.01", Some("10000.00")),
            lim("DKK", "0.01", Some("10000.00")),
            lim("NOK", "0.01", Some("10000.00")),
            lim("SEK", "0.01", Some("10000.00")),
            lim("PLN", "0.01", Some("10000.00")),
        ],
        authorize: Authorize::Always,
        orders_only: true,
        countries: KLARNA_COUNTRIES,
        pricing: &[fee("Default", "0.35", "2.99")],
        expiry_secs: 48 * HOUR,
        color: "#ffb3c7",
        ..BASE
    },
    Method {
        id: "applepay",
        label: "Apple Pay",
        names: same("Apple Pay"),
        limits: CARD_LIMITS,
        first: true,
        mandate: Some("creditcard"),
        authorize: Authorize::ManualCapture,
        wallet: true,
        pricing: &[fee("Default", "0.25", "1.8")],
        color: "#000000",
        ..BASE
    },
    Method {
        id: "giftcard",
        label: "Gift cards",
        names: [
            "Gift cards",
            "Cadeaukaarten",
            "Geschenkkarten",
            "Cartes cadeaux",
        ],
        limits: &[lim("EUR", "0.01", Some("50000.00"))],
        issuers: GIFTCARD_ISSUERS,
        color: "#805ad5",
        ..BASE
    },
    Method {
        id: "in3",
        label: "Pay in 3",
        names: [
            "Pay in 3 instalments, 0% interest",
            "Betaal in 3 termijnen, 0% rente",
            "In 3 Raten zahlen, 0% Zinsen",
            "Payer en 3 fois, 0% d'intérêt",
        ],
        limits: &[lim("EUR", "5.00", Some("5000.00"))],
        authorize: Authorize::Always,
        orders_only: true,
        countries: &["NL", "BE"],
        expiry_secs: 48 * HOUR,
        color: "#1e1e50",
        ..BASE
    },
    Method {
        id: "riverty",
        label: "Riverty",
        names: [
            "Pay later with Riverty",
            "Achteraf betalen met Riverty",
            "Später bezahlen mit Riverty",
            "Payer plus tard avec Riverty",
        ],
        limits: &[lim("EUR", "5.00", Some("1500.00"))],
        authorize: Authorize::Always,
        orders_only: true,
        countries: &["NL", "BE", "DE", "AT"],
        expiry_secs: 48 * HOUR,
        color: "#3fa63e",
        ..BASE
    },
    Method {
        id: "billie",
        label: "Billie",
        names: [
            "Pay by Invoice for Businesses - Billie",
            "Achteraf betalen voor bedrijven - Billie",
            "Rechnungskauf für Unternehmen - Billie",
            "Paiement sur facture pour entreprises - Billie",
        ],
        limits: &[lim("EUR", "100.00", Some("50000.00"))],
        authorize: Authorize::Always,
        orders_only: true,
        countries: &["AT", "DE", "FR", "NL"],
        expiry_secs: 48 * HOUR,
        color: "#293b43",
        default_status: Some(Status::PendingReview),
        ..BASE
    },
    Method {
        id: "alma",
        label: "Alma",
        names: [
            "Pay in installments with Alma",
            "Betaal in termijnen met Alma",
            "Ratenzahlung mit Alma",
            "Payer en plusieurs fois avec Alma",
        ],
        limits: &[lim("EUR", "50.00", Some("2000.00"))],
        authorize: Authorize::Always,
        orders_only: true,
        countries: &["FR", "BE", "IT", "DE", "NL", "ES", "PT"],
        expiry_secs: 48 * HOUR,
        color: "#fa5022",
        default_status: Some(Status::PendingBoarding),
        ..BASE
    },
    Method {
        id: "mybank",
        bank_details: true,
        label: "MyBank",
        names: same("MyBank"),
        limits: &[lim("EUR", "0.10", Some("5000.00"))],
        first: true,
        mandate: Some("directdebit"),
        expiry_secs: 45 * MIN,
        color: "#1a9ad6",
        ..BASE
    },
    Method {
        id: "trustly",
        bank_details: true,
        label: "Trustly",
        names: same("Trustly"),
        limits: &[
            lim("EUR", "0.01", Some("10000.00")),
            lim("GBP", "0.01", Some("10000.00")),
            lim("SEK", "0.01", Some("10000.00")),
        ],
        color: "#0ee06e",
        default_status: Some(Status::PendingReview),
        ..BASE
    },
    Method {
        id: "twint",
        label: "TWINT",
        names: same("TWINT"),
        limits: &[lim("CHF", "0.01", Some("5000.00"))],
        color: "#000000",
        ..BASE
    },
    Method {
        id: "blik",
        label: "BLIK",
        names: same("BLIK"),
        limits: &[lim("PLN", "0.01", Some("50000.00"))],
        color: "#e1251b",
        ..BASE
    },
    Method {
        id: "satispay",
        label: "Satispay",
        names: same("Satispay"),
        limits: &[lim("EUR", "0.01", Some("1000.00"))],
        color: "#f94c43",
        ..BASE
    },
    Method {
        id: "bancomatpay",
        label: "Bancomat Pay",
        names: same("Bancomat Pay"),
        limits: &[lim("EUR", "0.01", Some("1500.00"))],
        color: "#0072bc",
        ..BASE
    },
    Method {
        id: "paysafecard",
        label: "paysafecard",
        names: same("paysafecard"),
        limits: &[lim("EUR", "1.00", Some("1000.00"))],
        color: "#008ac9",
        ..BASE
    },
    Method {
        id: "sofort",
        bank_details: true,
        label: "SOFORT",
        names: [
            "SOFORT Banking",
            "SOFORT Banking",
            "SOFORT Überweisung",
            "SOFORT Banking",
        ],
        limits: &[lim("EUR", "0.10", Some("5000.00"))],
        first: true,
        mandate: Some("directdebit"),
        expiry_secs: 2 * HOUR,
        color: "#ef809f",
        // Mollie stopped offering SOFORT in 2024: known, never requested.
        default_status: None,
        retired: true,
        ..BASE
    },
    Method {
        id: "giropay",
        bank_details: true,
        label: "giropay",
        names: same("giropay"),
        limits: &[lim("EUR", "1.00", Some("10000.00"))],
        first: true,
        mandate: Some("directdebit"),
        expiry_secs: 30 * MIN,
        color: "#000268",
        default_status: None,
        // Retired in 2024 like SOFORT: Mollie's document dropped its id.
        retired: true,
        ..BASE
    },
    Method {
        id: "bacs",
        label: "Bacs Direct Debit",
        names: same("Bacs Direct Debit"),
        limits: &[lim("GBP", "1.00", Some("10000.00"))],
        color: "#2b6cb0",
        default_status: None,
        at_checkout: false,
        ..BASE
    },
    Method {
        id: "googlepay",
        label: "Google Pay",
        names: same("Google Pay"),
        limits: CARD_LIMITS,
        wallet: true,
        color: "#5f6368",
        default_status: None,
        ..BASE
    },
    Method {
        id: "billink",
        label: "Billink",
        names: same("Billink"),
        limits: &[lim("EUR", "0.01", Some("5000.00"))],
        authorize: Authorize::Always,
        orders_only: true,
        countries: &["NL", "BE"],
        expiry_secs: 48 * HOUR,
        color: "#1b2f5b",
        default_status: None,
        ..BASE
    },
    Method {
        id: "bizum",
        label: "Bizum",
        names: same("Bizum"),
        limits: &[lim("EUR", "0.50", Some("1000.00"))],
        color: "#05c3dd",
        default_status: None,
        ..BASE
    },
    Method {
        id: "mbway",
        label: "MB WAY",
        names: same("MB WAY"),
        limits: &[lim("EUR", "0.01", Some("5000.00"))],
        color: "#d60510",
        default_status: None,
        ..BASE
    },
    Method {
        id: "multibanco",
        label: "Multibanco",
        names: same("Multibanco"),
        limits: &[lim("EUR", "1.00", Some("99999.00"))],
        color: "#1d4f91",
        default_status: None,
        ..BASE
    },
    Method {
        id: "mobilepay",
        label: "MobilePay",
        names: same("MobilePay"),
        limits: &[
            lim("DKK", "1.00", Some("100000.00")),
            lim("EUR", "0.10", Some("10000.00")),
        ],
        color: "#5a78ff",
        default_status: None,
        ..BASE
    },
    Method {
        id: "vipps",
        label: "Vipps",
        names: same("Vipps"),
        limits: &[lim("NOK", "1.00", Some("100000.00"))],
        color: "#ff5b24",
        default_status: None,
        ..BASE
    },
    Method {
        id: "swish",
        label: "Swish",
        names: same("Swish"),
        limits: &[lim("SEK", "1.00", Some("150000.00"))],
        color: "#00aeef",
        default_status: None,
        ..BASE
    },
    Method {
        id: "paybybank",
        label: "Pay by Bank",
        names: [
            "Pay by Bank",
            "Betalen via bank",
            "Bezahlen per Bank",
            "Payer par banque",
        ],
        limits: &[
            lim("EUR", "0.01", Some("50000.00")),
            lim("GBP", "0.01", Some("50000.00")),
        ],
        color: "#2c5282",
        default_status: None,
        ..BASE
    },
];

/// A method's or an issuer's image, drawn by the sandbox: a rounded badge
/// in the method's colour with its name, so that pages showing the images
/// work offline. `width`×`height` as Mollie's icon sizes (32×24, 64×48).
pub fn image_svg(label: &str, color: &str, width: u32, height: u32) -> String {
    let text = html_escape::encode_text(label);
    let size = if label.chars().count() > 8 { 7 } else { 9 };
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 32 24" role="img" aria-label="{aria}"><rect x="0.5" y="0.5" width="31" height="23" rx="4" fill="{color}" stroke="#ffffff" stroke-opacity="0.4"/><text x="16" y="15.5" font-family="Arial,Helvetica,sans-serif" font-size="{size}" font-weight="700" text-anchor="middle" fill="#ffffff" textLength="{len}" lengthAdjust="spacingAndGlyphs">{text}</text></svg>"##,
        aria = html_escape::encode_double_quoted_attribute(label),
        len = if label.chars().count() > 4 { 28 } else { 20 },
    )
}

/// The image an `/external/icons/...` path names: its label, colour and
/// scale, or None for an unknown one. Mollie's own paths, with the sandbox's
/// drawings behind them: `payment-methods/ideal.svg`, `ideal.png`,
/// `ideal%402x.png` (the `.png` paths answer with SVG too, see README).
pub fn image_for(path: &str) -> Option<String> {
    let (folder, file) = path.split_once('/')?;
    let (stem, scale) = if let Some(s) = file.strip_suffix("%402x.png") {
        (s, 2)
    } else if let Some(s) = file.strip_suffix("@2x.png") {
        (s, 2)
    } else if let Some(s) = file.strip_suffix(".png") {
        (s, 1)
    } else {
        (file.strip_suffix(".svg")?, 1)
    };
    let (label, color) = if folder == "payment-methods" {
        let m = get(stem)?;
        (m.label, m.color)
    } else {
        let i = METHODS
            .iter()
            .flat_map(|m| m.issuers.iter().map(move |i| (m, i)))
            .find(|(_, i)| i.folder == folder && i.file == stem);
        let (m, i) = i?;
        (i.name, m.color)
    };
    Some(image_svg(label, color, 32 * scale, 24 * scale))
}

/// `GET /external/icons/{folder}/{file}`: the image, or Mollie's 404.
pub fn image_response(method: &hyper::Method, path: &str) -> crate::http::response::Resp {
    use crate::http::response::with_type;
    use hyper::header::{HeaderValue, CACHE_CONTROL};
    if !matches!(*method, hyper::Method::GET | hyper::Method::HEAD) {
        return crate::api::not_allowed("GET").into_response();
    }
    match image_for(path) {
        Some(svg) => with_type(hyper::StatusCode::OK, "image/svg+xml", svg).header(
            CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=86400"),
        ),
        None => crate::api::unknown_endpoint().into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_every_method_takes_a_currency() {
        for (i, m) in METHODS.iter().enumerate() {
            assert!(!m.limits.is_empty(), "{}", m.id);
            assert!(
                METHODS[i + 1..].iter().all(|o| o.id != m.id),
                "{} twice",
                m.id
            );
            for l in m.limits {
                let decimals = crate::validate::decimals_of(l.currency);
                assert!(decimals.is_some(), "{} {}", m.id, l.currency);
            }
            assert_eq!(
                m.first,
                m.mandate.is_some() && m.id != "directdebit",
                "{}",
                m.id
            );
        }
    }

    #[test]
    fn limits_and_names() {
        let ideal = get("ideal").unwrap();
        let amount = |v: &str, c: &str| Amount {
            value: v.into(),
            currency: c.into(),
        };
        assert_eq!(ideal.fits(&amount("50000.00", "EUR")), Fit::Yes);
        assert_eq!(ideal.fits(&amount("50000.01", "EUR")), Fit::TooHigh);
        assert_eq!(ideal.fits(&amount("0.00", "EUR")), Fit::TooLow);
        assert_eq!(ideal.fits(&amount("1.00", "USD")), Fit::Currency);
        assert_eq!(
            get("banktransfer").unwrap().name(Some("nl_BE")),
            "Overboeking"
        );
        assert_eq!(
            get("banktransfer").unwrap().name(Some("es_ES")),
            "Bank transfer"
        );
        assert!(image_for("payment-methods/ideal%402x.png")
            .unwrap()
            .contains("width=\"64\""));
        assert!(image_for("ideal-issuers/INGBNL2A.svg")
            .unwrap()
            .contains("ING"));
        assert!(image_for("payment-methods/nope.svg").is_none());
    }
}
