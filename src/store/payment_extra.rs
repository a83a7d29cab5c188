//! The payment fields only some integrations send: order lines, addresses,
//! pay-later and wallet data, the bank a consumer picked. They live in one
//! box on the payment ([`Payment::extra`](super::Payment)), so a payment
//! without them costs a pointer, and so that payment creation, the view and
//! the fixture format each handle them in one place.
//!
//! The serde form is the API's own (camelCase, absent when unset): the state
//! export writes it beside the rendered payment and the fixture loader reads
//! it back, so write-only fields (`issuer`, `voucherPin`, ...) survive a
//! save and a load although the API never shows them.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use smol_str::SmolStr;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PaymentExtra {
    // Rendered by the API (see `views::payment`), stored as rendered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lines: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_fee: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing: Option<Box<RawValue>>,

    // Write-only: accepted, kept, never rendered.
    /// The issuer given at creation or picked on the checkout
    /// (`ideal_INGBNL2A`, `kbc`, `beautycadeau`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<SmolStr>,
    /// `YYYY-MM-DD`, bank transfers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<SmolStr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_email: Option<Box<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store_credentials: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_token: Option<Box<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apple_pay_payment_token: Option<Box<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub google_pay_payment_token: Option<Box<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voucher_number: Option<Box<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voucher_pin: Option<Box<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumer_date_of_birth: Option<SmolStr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_merchant_data: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<Box<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digital_goods: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_reference: Option<Box<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terminal_id: Option<Box<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumer_name: Option<Box<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumer_account: Option<Box<str>>,
}

impl PaymentExtra {
    /// The JSON names of every field, for the fixture loader's allow-list.
    pub const FIELDS: &'static [&'static str] = &[
        "lines",
        "billingAddress",
        "shippingAddress",
        "applicationFee",
        "routing",
        "issuer",
        "dueDate",
        "billingEmail",
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
    ];

    /// The fields the payment view does not render, in their request form:
    /// what the state export writes beside the view so they survive a load.
    pub fn write_only(&self) -> WriteOnly<'_> {
        WriteOnly(self)
    }

    /// Nothing set: the payment keeps no box.
    pub fn is_empty(&self) -> bool {
        serde_json::to_string(self).is_ok_and(|s| s == "{}")
    }
}

/// See [`PaymentExtra::write_only`].
pub struct WriteOnly<'a>(&'a PaymentExtra);

impl Serialize for WriteOnly<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let x = self.0;
        let mut m = s.serialize_map(None)?;
        macro_rules! each {
            ($($name:literal => $field:ident),* $(,)?) => {
                $(if let Some(v) = &x.$field {
                    m.serialize_entry($name, v)?;
                })*
            };
        }
        each!(
            "issuer" => issuer,
            "dueDate" => due_date,
            "billingEmail" => billing_email,
            "company" => company,
            "storeCredentials" => store_credentials,
            "cardToken" => card_token,
            "applePayPaymentToken" => apple_pay_payment_token,
            "googlePayPaymentToken" => google_pay_payment_token,
            "voucherNumber" => voucher_number,
            "voucherPin" => voucher_pin,
            "consumerDateOfBirth" => consumer_date_of_birth,
            "extraMerchantData" => extra_merchant_data,
            "sessionId" => session_id,
            "digitalGoods" => digital_goods,
            "customerReference" => customer_reference,
            "terminalId" => terminal_id,
            "consumerName" => consumer_name,
            "consumerAccount" => consumer_account,
        );
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_lists_every_serde_name() {
        let full: PaymentExtra = serde_json::from_value(serde_json::json!({
            "lines": [], "billingAddress": {}, "shippingAddress": {}, "applicationFee": {},
            "routing": [], "issuer": "kbc", "dueDate": "2030-01-01", "billingEmail": "a@b.c",
            "company": {}, "storeCredentials": true, "cardToken": "tkn_x",
            "applePayPaymentToken": "{}", "googlePayPaymentToken": "{}", "voucherNumber": "1",
            "voucherPin": "2", "consumerDateOfBirth": "2000-01-01", "extraMerchantData": {},
            "sessionId": "s", "digitalGoods": false, "customerReference": "c", "terminalId": "term_x",
            "consumerName": "n", "consumerAccount": "a",
        }))
        .unwrap();
        let v = serde_json::to_value(&full).unwrap();
        let names: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        assert_eq!(names, PaymentExtra::FIELDS);
        assert!(PaymentExtra::default().is_empty());
        assert!(!full.is_empty());
        // The write-only part is every field but those the view renders.
        let mut rest = v.as_object().unwrap().clone();
        for rendered in [
            "lines",
            "billingAddress",
            "shippingAddress",
            "applicationFee",
            "routing",
        ] {
            rest.remove(rendered);
        }
        assert_eq!(
            serde_json::to_value(full.write_only()).unwrap(),
            serde_json::Value::Object(rest)
        );
    }
}
