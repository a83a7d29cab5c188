use serde_json::value::RawValue;

use crate::ids::Id;

#[derive(Debug, Clone)]
pub struct Customer {
    pub id: Id,
    pub created_at: i64,
    pub name: Option<Box<str>>,
    pub email: Option<Box<str>>,
    pub locale: Option<&'static str>,
    /// Kept as the JSON text it arrived as, so key order and number forms
    /// come back exactly as sent.
    pub metadata: Option<Box<RawValue>>,
}
