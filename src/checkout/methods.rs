//! What the checkout shows of the payment methods: which ones a payment may
//! be paid with, their labels as Mollie's checkout writes them, their
//! issuers and logos, and the merchant's name.
//!
//! This is the checkout's only window on the method catalogue
//! ([`crate::catalogue`], the one the Methods API reads): every screen asks
//! these functions and nothing else, and they keep no list of their own.

use crate::catalogue::{self, Fit};
use crate::store::{Data, Mode, Payment, SequenceType};

pub use crate::catalogue::Issuer;

/// One clickable entry of the method list. Klarna is two (Pay later, Pay
/// now) and gift cards are one per brand, as on Mollie's checkout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer {
    pub method: &'static str,
    /// Chosen together with the method (a gift card brand), so the issuer
    /// screen is skipped.
    pub issuer: Option<&'static str>,
    pub label: &'static str,
    /// The `src` of its image.
    pub folder: &'static str,
    pub file: &'static str,
}

/// The checkout's name for a method (`Credit/Debit Card`, `Pay in 3`).
pub fn label(method: &str) -> &str {
    catalogue::label(method)
}

/// The issuers a consumer picks from for `method`; empty when it has none.
pub fn issuers(method: &str) -> &'static [Issuer] {
    catalogue::get(method).map_or(&[], |m| m.issuers)
}

pub fn issuer(method: &str, id: &str) -> Option<&'static Issuer> {
    catalogue::issuer(method, id)
}

/// The issuers of `method` the payment's profile enables (gift card and
/// voucher brands are enabled one by one).
pub fn enabled_issuers<'a>(
    data: &'a Data,
    p: &Payment,
    method: &str,
) -> impl Iterator<Item = &'static Issuer> + 'a {
    let profile = data.profile_for(p);
    let method = catalogue::id(method).unwrap_or("");
    issuers(method)
        .iter()
        .filter(move |i| profile.is_none_or(|pr| pr.issuer_enabled(method, i.id)))
}

/// Methods whose test page offers Pending (the catalogue's flag).
pub fn can_be_pending(method: &str) -> bool {
    catalogue::can_be_pending(method)
}

/// The merchant the checkout names: the payment's profile's name.
pub fn merchant_name<'a>(data: &'a Data, p: &Payment) -> &'a str {
    data.profile_for(p).map_or("", |pr| &*pr.name)
}

/// The `src` of a method's image, served by the sandbox under
/// `/external/icons/` as Mollie's are.
pub fn method_logo(method: &str) -> String {
    logo("payment-methods", method)
}

/// The `src` of an image under `/external/icons/{folder}/{file}.svg`.
pub fn logo(folder: &str, file: &str) -> String {
    format!("/external/icons/{folder}/{file}.svg")
}

/// What the method list offers for `p`: what the Methods API lists for it
/// (enabled on the payment's profile, within the amount's limits in its
/// currency, offered in its country, able to authorize when it is
/// captured later), or the merchant's own list when it sent one; the
/// methods a consumer of the payment's locale expects first, as the
/// Methods API's `locale` orders them. Wallets stay off: the real checkout
/// shows Apple Pay in Safari only.
pub fn offers(data: &Data, p: &Payment, mode: Mode) -> Vec<Offer> {
    let mut ids: Vec<&'static str> = if p.method_choices.len() > 1 {
        p.method_choices.to_vec()
    } else {
        let profile = data.profile_for(p);
        catalogue::METHODS
            .iter()
            .filter(|m| match p.sequence_type {
                SequenceType::Oneoff => profile.is_none_or(|pr| pr.enables(m.id, mode)),
                SequenceType::First => m.first && profile.is_none_or(|pr| pr.enables(m.id, mode)),
                SequenceType::Recurring => false,
            })
            .filter(|m| !m.wallet)
            .filter(|m| m.fits(&p.amount) == Fit::Yes)
            .filter(|m| !p.captures_later() || m.can_authorize(true))
            .filter(|m| {
                p.restrict_to_country
                    .as_deref()
                    .is_none_or(|c| m.offered_in(c))
            })
            .map(|m| m.id)
            .collect()
    };
    let country = p
        .restrict_to_country
        .as_deref()
        .or_else(|| p.locale.and_then(|l| l.split('_').nth(1)))
        .unwrap_or("");
    let preferred = catalogue::preferred_first(country);
    ids.sort_by_key(|m| preferred.iter().position(|x| x == m).unwrap_or(usize::MAX));
    let mut out = Vec::new();
    for m in ids {
        match m {
            "klarna" => {
                out.push(offer(m, None, "Pay later"));
                out.push(offer(m, None, "Pay now"));
            }
            "giftcard" => out.extend(enabled_issuers(data, p, m).map(|i| Offer {
                method: m,
                issuer: Some(i.id),
                label: i.name,
                folder: i.folder,
                file: i.file,
            })),
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
        folder: "payment-methods",
        file: method,
    }
}

/// Whether the list may offer `method` for `p` (a posted choice is checked
/// against this).
pub fn offered(data: &Data, p: &Payment, mode: Mode, method: &str) -> bool {
    offers(data, p, mode).iter().any(|o| o.method == method)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logos_are_the_served_images() {
        assert_eq!(
            method_logo("ideal"),
            "/external/icons/payment-methods/ideal.svg"
        );
        let i = issuer("ideal", "ideal_HANDNL2A").expect("Handelsbanken");
        assert!(
            catalogue::image_for(&logo(i.folder, i.file)["/external/icons/".len()..]).is_some()
        );
        assert!(issuer("giftcard", "beautycadeau").is_some());
    }
}
