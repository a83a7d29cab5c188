//! The paging parameters every list takes, and the `_links` every list returns.

use crate::error::{ApiError, Result};
use crate::store::{Collection, SortKey};
use crate::views::{ListLinks, ListView};

use super::Ctx;

pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 250;

pub struct ListParams {
    pub from: Option<String>,
    pub limit: usize,
    pub desc: bool,
}

fn invalid(field: &'static str) -> ApiError {
    ApiError::bad_request("Invalid value passed").with_field(field)
}

impl ListParams {
    pub fn parse(ctx: &Ctx<'_>) -> Result<ListParams> {
        let q = &ctx.query;
        let limit = match q.get("limit") {
            None => DEFAULT_LIMIT,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => return Err(invalid("limit")),
            },
        };
        let desc = match q.get("sort") {
            None | Some("desc") => true,
            Some("asc") => false,
            Some(_) => return Err(invalid("sort")),
        };
        Ok(ListParams {
            from: q.get("from").map(str::to_owned),
            limit,
            desc,
        })
    }

    /// The cursor's position; a cursor that names nothing in this list is
    /// refused. An object removed (or unlisted) since the link was made
    /// still has its position, so `in_scope` must judge by the key, not by
    /// the current members of a sub-index.
    pub fn cursor<T: crate::store::Keyed>(
        &self,
        coll: &Collection<T>,
        in_scope: impl Fn(&SortKey) -> bool,
    ) -> Result<Option<SortKey>> {
        match &self.from {
            None => Ok(None),
            Some(id) => match coll.position_of(id) {
                Some(k) if in_scope(&k) => Ok(Some(k)),
                _ => Err(invalid("from")),
            },
        }
    }

    /// `self` echoes the query as sent; `next`/`previous` put `from` first and
    /// keep every other parameter in the order it came.
    pub fn links(
        &self,
        ctx: &Ctx<'_>,
        next: Option<&str>,
        previous: Option<&str>,
        documentation: &'static str,
    ) -> ListLinks {
        let path = ctx.path;
        let base = ctx.base;
        let self_href = echo_href(ctx);
        let with_from = |id: &str| {
            let limit = self.limit.to_string();
            let rest = ctx
                .query
                .pairs
                .iter()
                .filter(|(k, _)| k != "from")
                .map(|(k, v)| (k.as_str(), v.as_str()));
            let has_limit = ctx.query.get("limit").is_some();
            let extra = (!has_limit).then_some(("limit", limit.as_str()));
            let params = std::iter::once(("from", id)).chain(rest).chain(extra);
            format!("{base}{path}?{}", encode(params))
        };
        ListLinks {
            self_href,
            previous: previous.map(with_from),
            next: next.map(with_from),
            documentation,
        }
    }
}

/// The request's own URL, its query echoed as sent: a list's `self`.
pub fn echo_href(ctx: &Ctx<'_>) -> String {
    let mut href = format!("{}{}", ctx.base, ctx.path);
    if !ctx.query.pairs.is_empty() {
        href.push('?');
        href.push_str(&encode(
            ctx.query
                .pairs
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        ));
    }
    href
}

fn encode<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    ser.finish()
}

/// One page of `coll` (or of its sub-index `index`, a payment's own) as a
/// Mollie list: the cursor checked against the list paged, each item
/// rendered by `view`, `next`/`previous` named by `id_of`. Refunds,
/// chargebacks and captures, of a payment or of the account, all page so.
pub fn render_page<'a, T: crate::store::Keyed, V: serde::Serialize>(
    ctx: &Ctx<'_>,
    coll: &'a Collection<T>,
    index: Option<&'a std::collections::BTreeSet<SortKey>>,
    embedded_key: &'static str,
    doc: &'static str,
    id_of: impl Fn(&'a T) -> &'a str,
    view: impl Fn(&'a T) -> V,
) -> Result<crate::http::response::Resp> {
    let params = ListParams::parse(ctx)?;
    let page = match index {
        Some(index) => {
            let cursor = params.cursor(coll, |k| index.contains(k))?;
            coll.page_of(index, cursor, params.limit, params.desc)
        }
        None => {
            let cursor = params.cursor(coll, |_| true)?;
            coll.page(cursor, params.limit, params.desc)
        }
    };
    let list = ListView {
        embedded_key,
        items: page.items.iter().map(|t| view(*t)).collect(),
        links: params.links(ctx, page.next.map(&id_of), page.previous.map(&id_of), doc),
    };
    Ok(crate::http::response::hal_response(
        hyper::StatusCode::OK,
        bytes::Bytes::from(crate::views::to_json(&list)),
    ))
}
