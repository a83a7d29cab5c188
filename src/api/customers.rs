//! `/v2/customers`: create, get, update, delete, list.

use bytes::Bytes;
use hyper::StatusCode;

use crate::error::Result;
use crate::http::response::{hal_response, no_content, Resp};
use crate::store::{Customer, Data};
use crate::validate;
use crate::views::reuse;
use crate::views::TextView;
use crate::views::{CustomerLinks, CustomerView, ListView, Render};

use super::list::ListParams;
use super::Ctx;

const FIELDS: &[&str] = &["name", "email", "locale", "metadata"];

pub fn links(data: &Data, id: &str, documentation: Option<&'static str>) -> CustomerLinks {
    CustomerLinks {
        payments: data.customer_has_payments(id),
        mandates: data.customer_has_mandates(id),
        subscriptions: data.customer_has_subscriptions(id),
        documentation,
    }
}

pub fn render_one(
    status: StatusCode,
    customer: &Customer,
    data: &Data,
    render: Render<'_>,
    doc: &'static str,
) -> Resp {
    hal_response(
        status,
        Bytes::from(view(customer, data, render, doc).body()),
    )
}

/// `customer` as the single-object endpoints answer it.
fn view<'a>(
    customer: &'a Customer,
    data: &Data,
    render: Render<'a>,
    doc: &'static str,
) -> CustomerView<'a> {
    CustomerView {
        customer,
        render,
        links: Some(links(data, &customer.id, Some(doc))),
    }
}

/// The fields of a create or update body that were sent, validated.
struct Changes {
    name: Option<Option<Box<str>>>,
    email: Option<Option<Box<str>>>,
    locale: Option<Option<&'static str>>,
    metadata: Option<Option<Box<serde_json::value::RawValue>>>,
}

fn changes(ctx: &Ctx<'_>) -> Result<Changes> {
    ctx.query_only(&[])?;
    ctx.body_only(FIELDS)?;
    let b = &ctx.body;
    Ok(Changes {
        name: b
            .field("name")
            .map(|v| validate::opt_string(v, "name"))
            .transpose()?,
        email: b
            .field("email")
            .map(|v| validate::opt_string(v, "email"))
            .transpose()?,
        locale: b.field("locale").map(validate::locale).transpose()?,
        metadata: b.field("metadata").map(validate::metadata).transpose()?,
    })
}

impl Changes {
    fn apply(self, c: &mut Customer) {
        if let Some(v) = self.name {
            c.name = v;
        }
        if let Some(v) = self.email {
            c.email = v;
        }
        if let Some(v) = self.locale {
            c.locale = v;
        }
        if let Some(v) = self.metadata {
            c.metadata = v;
        }
    }
}

pub fn create(ctx: &Ctx<'_>) -> Result<Resp> {
    let changes = changes(ctx)?;
    let now = ctx.now();
    let mut data = ctx.account.data.write();
    let mut customer = Customer {
        id: data.new_customer_id(now),
        created_at: now,
        name: None,
        email: None,
        locale: None,
        metadata: None,
    };
    changes.apply(&mut customer);
    // Rendered before it is stored: finding it again after cost a clone of
    // its id and a lookup; a new customer has nothing linked yet either way.
    let resp = render_one(
        StatusCode::CREATED,
        &customer,
        &data,
        ctx.render(),
        "customers-api/create-customer",
    );
    data.insert_customer(customer);
    Ok(resp)
}

pub fn get(ctx: &Ctx<'_>, id: &str) -> Result<Resp> {
    ctx.query_only(&[])?;
    let data = ctx.account.data.read();
    let doc = "customers-api/get-customer";
    let key = ctx.reuse_key(&data, "customer", id, doc);
    let body = reuse::body(&key, || {
        let customer = ctx.customer(&data, id)?;
        Ok(view(customer, &data, ctx.render(), doc).body())
    })?;
    Ok(hal_response(StatusCode::OK, body))
}

pub fn update(ctx: &Ctx<'_>, id: &str) -> Result<Resp> {
    let mut data = ctx.account.data.write();
    ctx.customer(&data, id)?;
    let changes = changes(ctx)?;
    if let Some(c) = data.customers.get_mut(id) {
        changes.apply(c);
    }
    let data = parking_lot::RwLockWriteGuard::downgrade(data);
    let customer = ctx.customer(&data, id)?;
    Ok(render_one(
        StatusCode::OK,
        customer,
        &data,
        ctx.render(),
        "customers-api/update-customer",
    ))
}

pub fn delete(ctx: &Ctx<'_>, id: &str) -> Result<Resp> {
    let mut data = ctx.account.data.write();
    ctx.customer(&data, id)?;
    ctx.query_only(&[])?;
    ctx.body_only(&[])?;
    data.delete_customer(id, ctx.now());
    Ok(no_content())
}

pub fn list(ctx: &Ctx<'_>) -> Result<Resp> {
    ctx.query_only(&["from", "limit", "sort"])?;
    let params = ListParams::parse(ctx)?;
    let data = ctx.account.data.read();
    let cursor = params.cursor(&data.customers, |_| true)?;
    let page = data.customers.page(cursor, params.limit, params.desc);
    let render = ctx.render();
    let items = page
        .items
        .iter()
        .map(|c| CustomerView {
            customer: c,
            render,
            links: Some(links(&data, &c.id, None)),
        })
        .collect();
    let view = ListView {
        embedded_key: "customers",
        items,
        links: params.links(
            ctx,
            page.next.map(|c| c.id.as_str()),
            page.previous.map(|c| c.id.as_str()),
            "customers-api/list-customers",
        ),
    };
    Ok(hal_response(
        StatusCode::OK,
        Bytes::from(crate::views::to_json(&view)),
    ))
}
