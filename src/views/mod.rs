//! Resource views: how each object is rendered as HAL JSON. Field order,
//! which keys are omitted and which are `null` follow the real API; hrefs
//! are built from the base URL the request came in on.

use std::borrow::Cow;

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::clock::{format_datetime, DateText};
use crate::store::{Amount, Mode};

mod capture;
mod chargeback;
mod customer;
mod list;
mod mandate;
pub mod method;
mod payment;
pub mod profile;
mod refund;
pub mod reuse;
mod subscription;

pub use capture::CaptureView;
pub use chargeback::ChargebackView;
pub use customer::{CustomerLinks, CustomerView};
pub use list::{ListLinks, ListView};
pub use mandate::MandateView;
pub use payment::{wants_qr_code, with_qr_code, PaymentEmbeds, PaymentLinks, PaymentView};
pub use refund::RefundView;
pub use subscription::SubscriptionView;

pub const DOCS: &str = "https://docs.mollie.com/reference/v2/";

#[derive(Debug, Clone)]
pub struct Link<'a> {
    pub href: Cow<'a, str>,
    /// Rendered as `type`.
    pub kind: &'static str,
}

impl Link<'_> {
    /// The link as [`LinkTo`], its href one piece.
    pub(crate) fn pieces(&self) -> LinkTo<'_> {
        LinkTo {
            href: Href::of(&[&self.href]),
            kind: self.kind,
        }
    }
}

impl Serialize for Link<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.pieces().serialize(s)
    }
}

impl<'a> Link<'a> {
    pub fn hal(href: impl Into<Cow<'a, str>>) -> Self {
        Link {
            href: href.into(),
            kind: "application/hal+json",
        }
    }

    pub fn html(href: impl Into<Cow<'a, str>>) -> Self {
        Link {
            href: href.into(),
            kind: "text/html",
        }
    }

    /// `https://docs.mollie.com/reference/v2/<page>`
    pub fn docs(page: &str) -> Link<'static> {
        Link::html(concat(&[DOCS, page]))
    }
}

/// Pieces joined into one String of exactly their size. Every response
/// builds several hrefs, and `format!` costs more than the copying.
pub fn concat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}

/// A view as JSON, written into a buffer sized for one resource, so that a
/// response is not regrown and copied a dozen times on its way out.
pub fn to_json(view: &impl Serialize) -> Vec<u8> {
    let mut buf = Vec::with_capacity(2048);
    match serde_json::to_writer(&mut buf, view) {
        Ok(()) => buf,
        Err(_) => Vec::new(),
    }
}

/// What every view needs to know about where and for whom it renders.
#[derive(Clone, Copy)]
pub struct Render<'a> {
    /// Absolute base for hrefs, without a trailing slash: `http://localhost:8080`.
    pub base: &'a str,
    pub mode: Mode,
    pub profile_id: &'a str,
    /// An access token working in test mode: API hrefs carry `?testmode=true`,
    /// as the real API writes them, so that a client following a link (the
    /// Node client's `refresh()`, `getCustomer()`) stays in test mode instead
    /// of landing in the token's live account.
    pub testmode_links: bool,
    /// The account's token on keyless page links ([`crate::page_link`]).
    pub page_token: &'a str,
}

impl<'a> Render<'a> {
    /// How `account`'s objects render, with hrefs from `base`.
    pub fn of(base: &'a str, account: &'a crate::store::Account, testmode_links: bool) -> Self {
        Render {
            base,
            mode: account.mode,
            profile_id: &account.profile_id,
            testmode_links,
            page_token: &account.page_token,
        }
    }

    pub fn api(&self, path: &str) -> Link<'static> {
        let query = if self.testmode_links {
            "?testmode=true"
        } else {
            ""
        };
        Link::hal(concat(&[self.base, "/v2/", path, query]))
    }

    /// A keyless page (checkout, dashboard): its link names the account.
    pub fn page(&self, path: &str) -> Link<'static> {
        Link::html(crate::page_link::href(
            concat(&[self.base, "/", path]),
            self.page_token,
        ))
    }
}

#[derive(Serialize)]
pub struct AmountView<'a> {
    pub value: &'a str,
    pub currency: &'a str,
}

impl<'a> From<&'a Amount> for AmountView<'a> {
    fn from(a: &'a Amount) -> Self {
        AmountView {
            value: &a.value,
            currency: &a.currency,
        }
    }
}

/// A datetime field rendered in Mollie's form without an intermediate String
/// living beyond the serialisation.
pub struct DateTime(pub i64);

impl DateTime {
    /// `f` of the datetime's text: from the stack for years 0 to 9999,
    /// else [`format_datetime`]'s String.
    fn with_text<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        match DateText::new(self.0) {
            Some(text) => f(text.as_str()),
            None => f(&format_datetime(self.0)),
        }
    }
}

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.with_text(|text| s.serialize_str(text))
    }
}

/// An href as the pieces it is made of, joined as it is serialised.
#[derive(Clone, Copy)]
pub(crate) struct Href<'a>(pub(crate) [&'a str; 8]);

impl<'a> Href<'a> {
    /// An href of up to eight pieces (the rest empty).
    pub(crate) fn of(pieces: &[&'a str]) -> Href<'a> {
        let mut all = [""; 8];
        for (slot, piece) in all.iter_mut().zip(pieces) {
            *slot = piece;
        }
        Href(all)
    }
}

impl std::fmt::Display for Href<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.iter().try_for_each(|piece| f.write_str(piece))
    }
}

/// [`Link`] without its String.
#[derive(Clone, Copy)]
pub(crate) struct LinkTo<'a> {
    pub(crate) href: Href<'a>,
    pub(crate) kind: &'static str,
}

impl Serialize for Href<'_> {
    /// Joined in a buffer on the stack and written as one string: through
    /// `collect_str` each piece went through the formatting machinery and
    /// the escaper on its own, the largest cost of rendering a customer.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let len: usize = self.0.iter().map(|p| p.len()).sum();
        let mut buf = [0u8; 256];
        if len > buf.len() {
            return s.serialize_str(&concat(&self.0));
        }
        let mut at = 0;
        for piece in self.0 {
            buf[at..at + piece.len()].copy_from_slice(piece.as_bytes());
            at += piece.len();
        }
        match std::str::from_utf8(&buf[..at]) {
            Ok(text) => s.serialize_str(text),
            Err(_) => s.serialize_str(&concat(&self.0)),
        }
    }
}

/// Text that is JSON already, written as it is. serde_json writes its
/// `RawValue` by serializing a struct of this name, and reads the field
/// back as raw text (its serializer and its `to_value` both do); a
/// `RawValue` itself is not used because making one parses its text.
/// The tests below fail if serde_json ever stops recognising the name.
pub(crate) struct Verbatim<'a>(pub(crate) &'a str);

impl Serialize for Verbatim<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        const RAW_VALUE: &str = "$serde_json::private::RawValue";
        let mut st = s.serialize_struct(RAW_VALUE, 1)?;
        st.serialize_field(RAW_VALUE, self.0)?;
        st.end()
    }
}

/// Whether `bytes` go into a JSON string as they are (no quote, backslash
/// or control character). Eight bytes at a time as one word: each test is
/// the classic "has a zero byte" bit trick, exact for whether any byte
/// matches; the byte-wise fold before it did not vectorize and cost two
/// instructions a byte, on every href and string of every response.
fn needs_no_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    // Below 0x20 (exact for a bound up to 0x80), '"' and '\\'.
    let bad = |x: u64| {
        (x.wrapping_sub(ONES * 0x20) & !x & HIGHS)
            | has_zero(x ^ (ONES * u64::from(b'"')))
            | has_zero(x ^ (ONES * u64::from(b'\\')))
    };
    let word = |chunk: &[u8]| {
        // Short pieces are padded with a letter, which needs no escape.
        let mut w = [b'a'; 8];
        w[..chunk.len()].copy_from_slice(chunk);
        u64::from_ne_bytes(w)
    };
    let mut chunks = bytes.chunks_exact(8);
    let mut found = 0;
    for chunk in &mut chunks {
        found |= bad(word(chunk));
    }
    // The tail as one more word, not byte by byte.
    let tail = chunks.remainder();
    if !tail.is_empty() {
        found |= bad(word(tail));
    }
    found == 0
}

impl LinkTo<'_> {
    /// The docs page `page` (`https://docs.mollie.com/reference/v2/<page>`).
    pub(crate) fn docs(page: &str) -> LinkTo<'_> {
        LinkTo {
            href: Href::of(&[DOCS, page]),
            kind: "text/html",
        }
    }
}

impl Serialize for LinkTo<'_> {
    /// A link is most of a response's bytes, and escaping them one at a
    /// time was the largest single cost of rendering: the whole object is
    /// written verbatim when its href is plain (always, for the ids and
    /// hosts the sandbox makes), escaped otherwise.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let len: usize = self.href.0.iter().map(|p| p.len()).sum();
        let mut out = String::with_capacity(len + 32);
        out.push_str("{\"href\":\"");
        if write_href_and_type(&mut out, self) {
            return Verbatim(&out).serialize(s);
        }
        let mut st = s.serialize_struct("link", 2)?;
        st.serialize_field("href", &self.href)?;
        st.serialize_field("type", self.kind)?;
        st.end()
    }
}

impl<'a> Render<'a> {
    /// [`Render::api`] of `path` (up to five pieces), unjoined.
    pub(crate) fn api_href(&self, path: &[&'a str]) -> LinkTo<'a> {
        let query = if self.testmode_links {
            "?testmode=true"
        } else {
            ""
        };
        let mut pieces = [""; 8];
        pieces[0] = self.base;
        pieces[1] = "/v2/";
        for (slot, piece) in pieces[2..7].iter_mut().zip(path) {
            *slot = piece;
        }
        pieces[7] = query;
        LinkTo {
            href: Href(pieces),
            kind: "application/hal+json",
        }
    }

    /// [`Render::page`] of `path` (up to four pieces, no query), unjoined.
    pub(crate) fn page_href(&self, path: &[&'a str]) -> LinkTo<'a> {
        let mut pieces = [""; 8];
        pieces[0] = self.base;
        pieces[1] = "/";
        for (slot, piece) in pieces[2..6].iter_mut().zip(path) {
            *slot = piece;
        }
        pieces[6] = crate::page_link::QUERY;
        pieces[7] = self.page_token;
        LinkTo {
            href: Href(pieces),
            kind: "text/html",
        }
    }
}

/// A link as it renders: joined already, or as the pieces of its href.
pub(crate) enum AnyLink<'a> {
    Joined(Link<'static>),
    Pieces(LinkTo<'a>),
}

impl AnyLink<'_> {
    fn pieces(&self) -> LinkTo<'_> {
        match self {
            AnyLink::Joined(l) => l.pieces(),
            AnyLink::Pieces(l) => *l,
        }
    }
}

impl Serialize for AnyLink<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.pieces().serialize(s)
    }
}

/// A whole `_links` object, written as one piece of text when every href
/// in it needs no escaping (always, for what the sandbox makes): the
/// serializer's per-entry work (a key escaped, an object opened and closed
/// per link) cost more than the bytes themselves. Names are the views' own
/// constants. Any href that needs escaping sends the whole object through
/// serde_json instead.
pub(crate) fn serialize_links<'l, S, I>(s: S, links: I) -> Result<S::Ok, S::Error>
where
    S: Serializer,
    I: Iterator<Item = (&'static str, LinkTo<'l>)> + Clone,
{
    let mut out = String::new();
    if write_links(&mut out, links.clone()) {
        Verbatim(&out).serialize(s)
    } else {
        s.collect_map(links)
    }
}

/// Appends the `_links` object to `out` as text; `false` (and `out` left
/// as it was) when an href needs escaping.
fn write_links<'l, I>(out: &mut String, links: I) -> bool
where
    I: Iterator<Item = (&'static str, LinkTo<'l>)>,
{
    // Room for the usual link (a name, an href of eighty bytes or so,
    // a type); a longer one grows the buffer as any push does. Cheaper
    // than summing every piece of every href first.
    out.reserve(links.size_hint().0 * 128 + 2);
    let at = out.len();
    out.push('{');
    for (name, link) in links {
        if out.len() > at + 1 {
            out.push(',');
        }
        out.push('"');
        out.push_str(name);
        out.push_str("\":{\"href\":\"");
        if !needs_no_escape(name.as_bytes()) || !write_href_and_type(out, &link) {
            out.truncate(at);
            return false;
        }
    }
    out.push('}');
    true
}

/// Appends a link's href and type to `out`, after its opening
/// `{"href":"`: `false` when the href needs escaping (the caller drops
/// what it wrote). Shared by a lone link and a `_links` object.
// Inlined: it runs once per link of every response.
#[inline(always)]
fn write_href_and_type(out: &mut String, link: &LinkTo<'_>) -> bool {
    let start = out.len();
    // Most of the eight pieces are empty: a copy call each cost more
    // than the test.
    for piece in link.href.0.iter().filter(|p| !p.is_empty()) {
        out.push_str(piece);
    }
    if !needs_no_escape(&out.as_bytes()[start..]) {
        return false;
    }
    out.push_str("\",\"type\":\"");
    out.push_str(link.kind);
    out.push_str("\"}");
    true
}

/// A view written as JSON text ([`ObjectText`]) when it can be, and field
/// by field through serde when not (an href that needs escaping): both
/// write the same bytes, which each view's tests compare.
pub trait TextView {
    /// The view as JSON text; `None` when it must go through
    /// [`TextView::serialize_fields`].
    fn text(&self) -> Option<String>;

    fn serialize_fields<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error>;

    /// The view as a response body: its text as it is, without a second
    /// buffer and serde_json's raw-value pass around it.
    fn body(&self) -> Vec<u8> {
        if let Some(text) = self.text() {
            return text.into_bytes();
        }
        let mut buf = Vec::with_capacity(2048);
        match self.serialize_fields(&mut serde_json::Serializer::new(&mut buf)) {
            Ok(()) => buf,
            Err(_) => Vec::new(),
        }
    }
}

/// `Serialize` for a [`TextView`]: its text as a raw value, else its fields.
pub(crate) fn serialize_text<V: TextView, S: Serializer>(
    view: &V,
    s: S,
) -> Result<S::Ok, S::Error> {
    match view.text() {
        Some(text) => Verbatim(&text).serialize(s),
        None => view.serialize_fields(s),
    }
}

/// A view written field by field through serde, for a struct that
/// flattens it (the state export adds fields beside a view's own): a
/// flattened serializer takes fields, not a view's text.
pub struct Fields<V>(pub V);

impl<V: TextView> Serialize for Fields<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_fields(s)
    }
}

/// A JSON object written as text, for the views on most responses: a
/// field costs a few copies instead of serde_json's calls per key and
/// value and its byte-by-byte escaping. A string with a character to
/// escape goes through serde_json; names are the views' own constants.
pub(crate) struct ObjectText {
    out: String,
}

impl ObjectText {
    pub(crate) fn new(capacity: usize) -> ObjectText {
        let mut out = String::with_capacity(capacity);
        out.push('{');
        ObjectText { out }
    }

    /// An API object's text, opened with the three fields every one starts
    /// with: `resource`, `id` and `mode`.
    pub(crate) fn resource(
        capacity: usize,
        resource: &'static str,
        id: &str,
        mode: Mode,
    ) -> ObjectText {
        let mut o = ObjectText::new(capacity);
        o.word("resource", resource);
        o.str("id", id);
        o.word("mode", mode.as_str());
        o
    }

    fn key(&mut self, name: &'static str) {
        if self.out.len() > 1 {
            self.out.push(',');
        }
        self.out.push('"');
        self.out.push_str(name);
        self.out.push_str("\":");
    }

    pub(crate) fn str(&mut self, name: &'static str, value: &str) {
        self.key(name);
        self.string(value);
    }

    /// One of the sandbox's own words (a status, a resource name): none
    /// needs escaping, so none is checked.
    pub(crate) fn word(&mut self, name: &'static str, value: &'static str) {
        debug_assert!(needs_no_escape(value.as_bytes()), "{value}");
        self.key(name);
        self.quoted(value);
    }

    fn quoted(&mut self, value: &str) {
        self.out.push('"');
        self.out.push_str(value);
        self.out.push('"');
    }

    /// A JSON string: copied when nothing in it needs escaping.
    fn string(&mut self, value: &str) {
        if needs_no_escape(value.as_bytes()) {
            self.quoted(value);
        } else {
            self.out
                .push_str(&serde_json::to_string(value).unwrap_or_default());
        }
    }

    pub(crate) fn uint(&mut self, name: &'static str, value: u32) {
        use std::fmt::Write as _;
        self.key(name);
        let _ = write!(self.out, "{value}");
    }

    pub(crate) fn bool(&mut self, name: &'static str, value: bool) {
        self.key(name);
        self.out.push_str(if value { "true" } else { "false" });
    }

    /// An amount object, `{"value":…,"currency":…}` as [`AmountView`] writes it.
    pub(crate) fn amount(&mut self, name: &'static str, value: &str, currency: &str) {
        self.key(name);
        self.out.push_str("{\"value\":");
        self.string(value);
        self.out.push_str(",\"currency\":");
        self.string(currency);
        self.out.push('}');
    }

    /// Any other value, through serde_json: for the rare nested objects.
    /// `false` (the caller falls back to serde) if it cannot be written.
    pub(crate) fn json(&mut self, name: &'static str, value: &impl Serialize) -> bool {
        match serde_json::to_string(value) {
            Ok(text) => {
                self.key(name);
                self.out.push_str(&text);
                true
            }
            Err(_) => false,
        }
    }

    /// `null` for `None`.
    pub(crate) fn opt_str(&mut self, name: &'static str, value: Option<&str>) {
        match value {
            Some(v) => self.str(name, v),
            None => {
                self.key(name);
                self.out.push_str("null");
            }
        }
    }

    /// Digits and separators: written without the escape check.
    pub(crate) fn datetime(&mut self, name: &'static str, secs: i64) {
        self.key(name);
        DateTime(secs).with_text(|text| self.quoted(text));
    }

    /// JSON text kept as it came (`null` for `None`).
    pub(crate) fn raw(&mut self, name: &'static str, value: Option<&serde_json::value::RawValue>) {
        self.key(name);
        self.out.push_str(value.map_or("null", |v| v.get()));
    }

    /// A `_links` object; `false` (nothing written) when an href needs
    /// escaping, for the caller to render the whole view through serde.
    pub(crate) fn links<'l, I>(&mut self, links: I) -> bool
    where
        I: Iterator<Item = (&'static str, LinkTo<'l>)>,
    {
        let at = self.out.len();
        self.key("_links");
        if write_links(&mut self.out, links) {
            true
        } else {
            self.out.truncate(at);
            false
        }
    }

    pub(crate) fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

/// A view's links from pieces, as the serde path of a view writes them:
/// the same list its text writer takes ([`ObjectText::links`]).
pub(crate) struct LinkList<'a>(pub(crate) Vec<(&'static str, LinkTo<'a>)>);

impl Serialize for LinkList<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_links(s, self.0.iter().copied())
    }
}

/// Links in the order they were pushed, written without joining their hrefs first.
pub(crate) struct PieceLinks<'a>(pub(crate) Vec<(&'static str, AnyLink<'a>)>);

impl Serialize for PieceLinks<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_links(s, self.0.iter().map(|(k, v)| (*k, v.pieces())))
    }
}

/// Links in the order they were pushed.
pub struct OrderedLinks(pub Vec<(&'static str, Link<'static>)>);

impl Serialize for OrderedLinks {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_links(s, self.0.iter().map(|(k, l)| (*k, l.pieces())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text writer and serde write `view` alike, as text, as a body
    /// and read back into a `Value`.
    pub(crate) fn assert_text_is_serde<V: TextView + Serialize>(view: &V, what: &str) {
        let mut out = Vec::new();
        let fields = view.serialize_fields(&mut serde_json::Serializer::new(&mut out));
        assert!(fields.is_ok(), "{what}");
        let fields = String::from_utf8(out).unwrap_or_default();
        let text = serde_json::to_string(view).unwrap_or_default();
        assert_eq!(text, fields, "{what}");
        assert_eq!(
            String::from_utf8(view.body()).unwrap_or_default(),
            text,
            "{what}"
        );
        let value = serde_json::to_value(view).unwrap_or_default();
        assert_eq!(value.to_string(), text, "{what}");
    }

    #[test]
    fn a_plain_link_is_written_verbatim_and_reads_back_as_json() {
        let link = LinkTo {
            href: Href::of(&["http://localhost:8080", "/v2/", "customers/", "cst_a1"]),
            kind: "application/hal+json",
        };
        let text = serde_json::to_string(&link).unwrap_or_default();
        assert_eq!(
            text,
            r#"{"href":"http://localhost:8080/v2/customers/cst_a1","type":"application/hal+json"}"#
        );
        let value = serde_json::to_value(link).unwrap_or_default();
        assert_eq!(
            value["href"].as_str(),
            Some("http://localhost:8080/v2/customers/cst_a1")
        );
        assert_eq!(value["type"].as_str(), Some("application/hal+json"));
    }

    #[test]
    fn a_link_that_needs_escaping_is_escaped_as_before() {
        for href in [
            "http://h/\"x",
            "http://h/\\x",
            "http://h/\u{1}x",
            "http://h/é\"x",
        ] {
            let link = Link::hal(href);
            let expected = serde_json::json!({"href": href, "type": "application/hal+json"});
            let text = serde_json::to_string(&link).unwrap_or_default();
            assert_eq!(text, expected.to_string());
            assert_eq!(serde_json::to_value(&link).unwrap_or_default(), expected);
        }
    }

    #[test]
    fn a_links_object_is_one_piece_of_text_or_escaped_whole() {
        let plain = OrderedLinks(vec![
            ("self", Link::hal("http://h/v2/payments/tr_1")),
            ("checkout", Link::html("http://h/checkout/tr_1?account=ab")),
        ]);
        let expected = serde_json::json!({
            "self": {"href": "http://h/v2/payments/tr_1", "type": "application/hal+json"},
            "checkout": {"href": "http://h/checkout/tr_1?account=ab", "type": "text/html"},
        });
        assert_eq!(
            serde_json::to_string(&plain).unwrap_or_default(),
            expected.to_string()
        );
        assert_eq!(serde_json::to_value(&plain).unwrap_or_default(), expected);
        let escaped = OrderedLinks(vec![
            ("self", Link::hal("http://h/v2/payments/tr_1")),
            ("next", Link::hal("http://h/v2/payments?from=\"x\\")),
        ]);
        let expected = serde_json::json!({
            "self": {"href": "http://h/v2/payments/tr_1", "type": "application/hal+json"},
            "next": {"href": "http://h/v2/payments?from=\"x\\", "type": "application/hal+json"},
        });
        assert_eq!(
            serde_json::to_string(&escaped).unwrap_or_default(),
            expected.to_string()
        );
        let empty = OrderedLinks(Vec::new());
        assert_eq!(serde_json::to_string(&empty).unwrap_or_default(), "{}");
    }

    /// The word-at-a-time check agrees with the plain definition on every
    /// byte value at every position, beside any other bytes.
    #[test]
    fn the_word_check_agrees_with_the_plain_one() {
        let plain = |b: &[u8]| b.iter().all(|&c| c >= 0x20 && c != b'"' && c != b'\\');
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for len in 0..40usize {
            for round in 0..200 {
                // Mostly bytes that need no escaping, some of every kind.
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        let r = next();
                        if round % 4 == 0 || r % 16 == 0 {
                            (r >> 8) as u8
                        } else {
                            0x20 + ((r >> 8) % 0x60) as u8
                        }
                    })
                    .collect();
                assert_eq!(needs_no_escape(&bytes), plain(&bytes), "{bytes:?}");
            }
            for at in 0..len {
                for value in 0..=255u8 {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = value;
                    assert_eq!(needs_no_escape(&bytes), plain(&bytes), "{len} {at} {value}");
                }
            }
        }
    }

    #[test]
    fn a_quote_backslash_or_control_anywhere_is_found() {
        for len in [0usize, 1, 15, 16, 17, 40, 100] {
            let plain = "a".repeat(len);
            assert!(needs_no_escape(plain.as_bytes()));
            for at in 0..len {
                for bad in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
                    let mut bytes = plain.clone().into_bytes();
                    bytes[at] = bad;
                    assert!(!needs_no_escape(&bytes), "len {len}, at {at}, byte {bad}");
                }
                let mut bytes = plain.clone().into_bytes();
                bytes[at] = 0x7f;
                assert!(needs_no_escape(&bytes));
            }
        }
    }

    #[test]
    fn a_long_href_is_written_whole() {
        let long = format!("http://h/{}", "a".repeat(400));
        let text = serde_json::to_string(&Link::html(long.clone())).unwrap_or_default();
        assert_eq!(
            text,
            serde_json::json!({"href": long, "type": "text/html"}).to_string()
        );
    }
}
