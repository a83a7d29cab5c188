//! The checkout's words in the languages its `#select-locale` offers. The
//! page's language is the `locale` query parameter, else the payment's
//! `locale`, else English.

use crate::store::PaymentStatus;

pub struct Words {
    /// The value `#select-locale` posts, and the `<html lang>`.
    pub locale: &'static str,
    pub lang: &'static str,
    pub language: &'static str,
    pub note_test: &'static str,
    pub note_live: &'static str,
    /// `{}` is the method's label.
    pub ready: &'static str,
    pub intro: &'static str,
    pub description: &'static str,
    pub beneficiary: &'static str,
    /// `{}` is the merchant's name.
    pub concerning: &'static str,
    pub status_of_payment: &'static str,
    pub continue_: &'static str,
    pub payment_methods: &'static str,
    pub select_method: &'static str,
    pub select_bank: &'static str,
    pub select_brand: &'static str,
    pub card_title: &'static str,
    pub card_holder: &'static str,
    pub card_number: &'static str,
    pub expiry: &'static str,
    pub cvc: &'static str,
    pub pay: &'static str,
    pub failed_notice: &'static str,
    pub canceled_notice: &'static str,
    pub statuses: [&'static str; 7],
}

impl Words {
    pub fn status(&self, s: PaymentStatus) -> &'static str {
        let i = PaymentStatus::ALL.iter().position(|x| *x == s).unwrap_or(0);
        self.statuses[i]
    }
}

/// In `PaymentStatus::ALL` order: open, pending, authorized, paid, canceled,
/// expired, failed.
pub static LANGUAGES: [Words; 4] = [
    Words {
        locale: "en_US",
        lang: "en",
        language: "English",
        note_test: "Note: this is a testmode payment.",
        note_live: "Note: this is a live-mode payment, simulated by mollie-sandbox.",
        ready: "Your account is ready to start processing {} payments.",
        intro: "On this page you can select the final payment status of the test payment. The payment status will be reported to your website.",
        description: "Description",
        beneficiary: "Beneficiary",
        concerning: "Stichting Mollie Payments concerning {}",
        status_of_payment: "Status of your payment",
        continue_: "Continue",
        payment_methods: "Payment methods",
        select_method: "Select a payment method",
        select_bank: "Select your bank",
        select_brand: "Select your card",
        card_title: "Card details",
        card_holder: "Card holder",
        card_number: "Card number",
        expiry: "Expiry date",
        cvc: "CVC/CVV",
        pay: "Pay",
        failed_notice: "The payment has failed. Please choose another payment method.",
        canceled_notice: "The payment was canceled. Please choose a payment method.",
        statuses: ["Open", "Pending", "Authorized", "Paid", "Canceled", "Expired", "Failed"],
    },
    Words {
        locale: "nl_NL",
        lang: "nl",
        language: "Nederlands",
        note_test: "Let op: dit is een testbetaling.",
        note_live: "Let op: dit is een live-betaling, nagebootst door mollie-sandbox.",
        ready: "Uw account is klaar om {}-betalingen te verwerken.",
        intro: "Op deze pagina kunt u de definitieve status van de testbetaling kiezen. De betaalstatus wordt aan uw website doorgegeven.",
        description: "Omschrijving",
        beneficiary: "Begunstigde",
        concerning: "Stichting Mollie Payments inzake {}",
        status_of_payment: "Status van uw betaling",
        continue_: "Doorgaan",
        payment_methods: "Betaalmethoden",
        select_method: "Kies een betaalmethode",
        select_bank: "Kies uw bank",
        select_brand: "Kies uw kaart",
        card_title: "Kaartgegevens",
        card_holder: "Kaarthouder",
        card_number: "Kaartnummer",
        expiry: "Vervaldatum",
        cvc: "CVC/CVV",
        pay: "Betalen",
        failed_notice: "De betaling is mislukt. Kies een andere betaalmethode.",
        canceled_notice: "De betaling is geannuleerd. Kies een betaalmethode.",
        statuses: ["Open", "In afwachting", "Geautoriseerd", "Betaald", "Geannuleerd", "Verlopen", "Mislukt"],
    },
    Words {
        locale: "de_DE",
        lang: "de",
        language: "Deutsch",
        note_test: "Hinweis: Dies ist eine Testzahlung.",
        note_live: "Hinweis: Dies ist eine Live-Zahlung, simuliert von mollie-sandbox.",
        ready: "Ihr Konto ist bereit, {}-Zahlungen zu verarbeiten.",
        intro: "Auf dieser Seite können Sie den endgültigen Status der Testzahlung wählen. Der Zahlungsstatus wird an Ihre Website gemeldet.",
        description: "Beschreibung",
        beneficiary: "Begünstigter",
        concerning: "Stichting Mollie Payments im Auftrag von {}",
        status_of_payment: "Status Ihrer Zahlung",
        continue_: "Weiter",
        payment_methods: "Zahlungsmethoden",
        select_method: "Wählen Sie eine Zahlungsmethode",
        select_bank: "Wählen Sie Ihre Bank",
        select_brand: "Wählen Sie Ihre Karte",
        card_title: "Kartendaten",
        card_holder: "Karteninhaber",
        card_number: "Kartennummer",
        expiry: "Ablaufdatum",
        cvc: "CVC/CVV",
        pay: "Bezahlen",
        failed_notice: "Die Zahlung ist fehlgeschlagen. Bitte wählen Sie eine andere Zahlungsmethode.",
        canceled_notice: "Die Zahlung wurde abgebrochen. Bitte wählen Sie eine Zahlungsmethode.",
        statuses: ["Offen", "Ausstehend", "Autorisiert", "Bezahlt", "Abgebrochen", "Abgelaufen", "Fehlgeschlagen"],
    },
    Words {
        locale: "fr_FR",
        lang: "fr",
        language: "Français",
        note_test: "Remarque : ceci est un paiement test.",
        note_live: "Remarque : ceci est un paiement réel, simulé par mollie-sandbox.",
        ready: "Votre compte est prêt à traiter les paiements {}.",
        intro: "Sur cette page, vous pouvez choisir le statut final du paiement test. Le statut du paiement sera communiqué à votre site web.",
        description: "Description",
        beneficiary: "Bénéficiaire",
        concerning: "Stichting Mollie Payments pour le compte de {}",
        status_of_payment: "Statut de votre paiement",
        continue_: "Continuer",
        payment_methods: "Moyens de paiement",
        select_method: "Choisissez un moyen de paiement",
        select_bank: "Choisissez votre banque",
        select_brand: "Choisissez votre carte",
        card_title: "Données de la carte",
        card_holder: "Titulaire de la carte",
        card_number: "Numéro de carte",
        expiry: "Date d'expiration",
        cvc: "CVC/CVV",
        pay: "Payer",
        failed_notice: "Le paiement a échoué. Veuillez choisir un autre moyen de paiement.",
        canceled_notice: "Le paiement a été annulé. Veuillez choisir un moyen de paiement.",
        statuses: ["Ouvert", "En attente", "Autorisé", "Payé", "Annulé", "Expiré", "Échoué"],
    },
];

/// The words for a locale (`de_DE`, `de_AT`, `de`, `Deutsch`); None when the
/// checkout has no such language.
pub fn find(locale: &str) -> Option<&'static Words> {
    let lang = locale.split(['_', '-']).next().unwrap_or("");
    LANGUAGES
        .iter()
        .find(|w| w.lang.eq_ignore_ascii_case(lang) || w.language.eq_ignore_ascii_case(locale))
}

/// The page's language: the one asked for, else the payment's, else English.
pub fn pick(asked: Option<&str>, payment_locale: Option<&str>) -> &'static Words {
    asked
        .and_then(find)
        .or_else(|| payment_locale.and_then(find))
        .unwrap_or(&LANGUAGES[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_resolve() {
        assert_eq!(pick(Some("de_AT"), None).lang, "de");
        assert_eq!(pick(Some("Français"), None).lang, "fr");
        assert_eq!(pick(None, Some("nl_BE")).lang, "nl");
        assert_eq!(pick(Some("xx"), None).lang, "en");
        assert_eq!(pick(None, None).status(PaymentStatus::Paid), "Paid");
    }
}
