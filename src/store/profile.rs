//! The account slice around the payments: the organization and its website
//! profiles, each with the methods (and gift card and voucher issuers) it
//! has enabled. An API key's account has one profile, the key's own (`me`);
//! an access token's organization may create more.

use std::collections::BTreeMap;

use crate::catalogue::{self, Status};
use crate::ids::Id;
use crate::store::Mode;

#[derive(Debug, Clone)]
pub struct Profile {
    pub id: Id,
    pub mode: Mode,
    pub name: Box<str>,
    pub website: Box<str>,
    pub email: Box<str>,
    pub phone: Box<str>,
    pub description: Option<Box<str>>,
    pub countries_of_activity: Vec<Box<str>>,
    pub business_category: Box<str>,
    /// `unverified`, `verified` or `blocked`.
    pub status: Box<str>,
    /// The review of changes, when one is underway: `pending` or `rejected`.
    pub review: Option<Box<str>>,
    pub created_at: i64,
    /// Each requested method's status; a method missing here was never
    /// requested (`status: null`).
    pub methods: BTreeMap<&'static str, Status>,
    /// Enabled gift card and voucher issuers (by issuer id), with their
    /// status (`activated`, `pending-issuer`).
    pub issuers: BTreeMap<(&'static str, &'static str), Box<str>>,
}

/// The name a new profile has; the checkout page shows it as the merchant.
pub const DEFAULT_NAME: &str = "Sandbox Shop";

impl Profile {
    /// A profile as a new account has it: every method the catalogue gives a
    /// default status, every gift card and voucher issuer activated.
    pub fn new(id: Id, mode: Mode, created_at: i64) -> Profile {
        let methods = catalogue::METHODS
            .iter()
            .filter_map(|m| m.default_status.map(|s| (m.id, s)))
            .collect();
        let issuers = catalogue::METHODS
            .iter()
            .filter(|m| matches!(m.id, "giftcard" | "voucher"))
            .flat_map(|m| {
                m.issuers
                    .iter()
                    .map(move |i| ((m.id, i.id), Box::<str>::from("activated")))
            })
            .collect();
        Profile {
            id,
            mode,
            name: DEFAULT_NAME.into(),
            website: "https://shop.example.org".into(),
            email: "info@shop.example.org".into(),
            phone: "+31208202070".into(),
            description: None,
            countries_of_activity: Vec::new(),
            business_category: "OTHER_MERCHANDISE".into(),
            status: "verified".into(),
            review: None,
            created_at,
            methods,
            issuers,
        }
    }

    pub fn status_of(&self, method: &str) -> Option<Status> {
        self.methods.get(method).copied()
    }

    /// Whether payments in `mode` may use `method` on this profile.
    pub fn enables(&self, method: &str, mode: Mode) -> bool {
        self.status_of(method)
            .is_some_and(|s| s.usable(mode == Mode::Test))
    }

    pub fn issuer_enabled(&self, method: &str, issuer: &str) -> bool {
        match method {
            "giftcard" | "voucher" => self
                .issuers
                .iter()
                .any(|((m, i), _)| *m == method && *i == issuer),
            _ => true,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Organization {
    pub id: Id,
    pub name: Box<str>,
    pub email: Box<str>,
    pub locale: Box<str>,
    pub street_and_number: Box<str>,
    pub postal_code: Box<str>,
    pub city: Box<str>,
    pub country: Box<str>,
    pub registration_number: Box<str>,
    pub vat_number: Option<Box<str>>,
    pub vat_regulation: Option<Box<str>>,
}

impl Organization {
    pub fn new(id: Id) -> Organization {
        Organization {
            id,
            name: "Sandbox Shop B.V.".into(),
            email: "info@shop.example.org".into(),
            locale: "en_US".into(),
            street_and_number: "Keizersgracht 126".into(),
            postal_code: "1015 CW".into(),
            city: "Amsterdam".into(),
            country: "NL".into(),
            registration_number: "30204462".into(),
            vat_number: Some("NL815839091B01".into()),
            vat_regulation: Some("dutch".into()),
        }
    }
}
