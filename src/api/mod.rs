//! The Mollie API itself: [`route`] maps method and path to a handler; each
//! handler validates its input, reads or changes the account's state, and
//! renders a view. Handlers return [`Result`]: an error is a value that
//! [`crate::error::ApiError::into_response`] renders.

pub mod captures;
pub mod chargebacks;
pub mod customers;
pub mod list;
pub mod mandates;
pub mod methods;
pub mod organizations;
pub mod payment_fields;
pub mod payments;
pub mod permissions;
pub mod profiles;
pub mod refunds;
pub mod subscriptions;
pub mod wallets;

use hyper::header::{HeaderValue, ALLOW};
use hyper::Method;

use crate::app::App;
use crate::auth::Kind;
use crate::config::{Config, DeletedCustomers};
use crate::error::{ApiError, Result};
use crate::http::request::{Body, Query};
use crate::http::response::Resp;
use crate::store::{Account, Customer, Data, Found, Mode};
use crate::views::reuse::Reuse;
use crate::views::Render;

/// Everything a handler may look at; no raw hyper types.
pub struct Ctx<'a> {
    pub app: &'a App,
    pub account: &'a Account,
    pub method: &'a Method,
    pub path: &'a str,
    pub query: Query,
    pub body: Body<'a>,
    pub kind: Kind,
    /// Absolute base for hrefs, without a trailing slash.
    pub base: &'a str,
}

impl Ctx<'_> {
    pub fn render(&self) -> Render<'_> {
        Render::of(
            self.base,
            self.account,
            self.kind == Kind::AccessToken && self.account.mode == Mode::Test,
        )
    }

    pub fn now(&self) -> i64 {
        self.account.clock.now()
    }

    /// What a kept body of the object `id` depends on besides the account's
    /// data ([`crate::views::reuse`]); `data` is the account's, read-locked.
    pub fn reuse_key<'k>(
        &'k self,
        data: &Data,
        resource: &'static str,
        id: &'k str,
        documentation: &'static str,
    ) -> Reuse<'k> {
        let render = self.render();
        Reuse {
            version: self.account.data.version(data),
            resource,
            id,
            base: render.base,
            testmode_links: render.testmode_links,
            documentation,
        }
    }

    /// Access tokens may (and sometimes must) send `testmode` and `profileId`;
    /// API keys may not: for them those are unknown parameters like any other.
    /// A list of its own only for a token: this runs twice on every call.
    fn with_token_params<'f>(&self, allowed: &'f [&'f str]) -> std::borrow::Cow<'f, [&'f str]> {
        if self.kind != Kind::AccessToken {
            return std::borrow::Cow::Borrowed(allowed);
        }
        let mut all = allowed.to_vec();
        all.extend(["testmode", "profileId"]);
        std::borrow::Cow::Owned(all)
    }

    /// 422 for a field not in `allowed`; else which were sent ([`Body::only`]).
    pub fn body_only(&self, allowed: &[&str]) -> Result<u64> {
        self.body.only(&self.with_token_params(allowed))
    }

    pub fn query_only(&self, allowed: &[&str]) -> Result<()> {
        self.query.only(&self.with_token_params(allowed))
    }

    /// The account that holds the profiles and the organization: the key's
    /// own; for an access token its live account, whichever mode the
    /// request works in (a profile is one for both modes).
    pub fn profiles_account(&self) -> Option<std::sync::Arc<Account>> {
        let bare = self.account.key.strip_suffix("#test")?;
        Some(self.app.registry.get(bare, Mode::Live, true))
    }

    pub fn with_profiles<R>(&self, f: impl FnOnce(&Data) -> R) -> R {
        match self.profiles_account() {
            Some(acc) => f(&acc.data.read()),
            None => f(&self.account.data.read()),
        }
    }

    pub fn with_profiles_mut<R>(&self, f: impl FnOnce(&mut Data) -> R) -> R {
        match self.profiles_account() {
            Some(acc) => f(&mut acc.data.write()),
            None => f(&mut self.account.data.write()),
        }
    }

    /// A customer that exists and is not deleted, or Mollie's 404/410.
    pub fn customer<'d>(&self, data: &'d Data, id: &str) -> Result<&'d Customer> {
        live_customer(&self.app.config, data, id)
    }
}

/// A customer that exists and is not deleted, or Mollie's 404/410 as
/// `--deleted-customers` says.
pub fn live_customer<'d>(config: &Config, data: &'d Data, id: &str) -> Result<&'d Customer> {
    match data.customer(id) {
        Found::Live(c) => Ok(c),
        Found::Deleted if config.deleted_customers == DeletedCustomers::Gone => {
            Err(ApiError::gone("The customer has been deleted."))
        }
        Found::Deleted | Found::Missing => Err(ApiError::not_found("customer", id)),
    }
}

/// The path's segments on the stack: no route has more than six, and a
/// path with more than eight matches none (`None`).
fn segments(path: &str) -> Option<([&str; 8], usize)> {
    let mut buf = [""; 8];
    let mut n = 0;
    for segment in crate::http::request::path_segments(path) {
        *buf.get_mut(n)? = segment;
        n += 1;
    }
    Some((buf, n))
}

/// Methods a path answers to, and the handler for the one asked.
pub fn route(ctx: &Ctx<'_>) -> Result<Resp> {
    let (buf, n) = segments(ctx.path.trim_end_matches('/')).ok_or_else(unknown_endpoint)?;
    let segments = &buf[..n];
    let m = ctx.method;
    match segments {
        ["v2", "customers"] => match *m {
            Method::GET => customers::list(ctx),
            Method::POST => customers::create(ctx),
            _ => Err(not_allowed("GET, POST")),
        },
        ["v2", "customers", id] => match *m {
            Method::GET => customers::get(ctx, id),
            Method::PATCH => customers::update(ctx, id),
            Method::DELETE => customers::delete(ctx, id),
            _ => Err(not_allowed("GET, PATCH, DELETE")),
        },
        ["v2", "customers", id, "payments"] => match *m {
            Method::GET => payments::list_for_customer(ctx, id),
            Method::POST => payments::create(ctx, Some(id)),
            _ => Err(not_allowed("GET, POST")),
        },
        ["v2", "payments"] => match *m {
            Method::GET => payments::list(ctx),
            Method::POST => payments::create(ctx, None),
            _ => Err(not_allowed("GET, POST")),
        },
        ["v2", "customers", id, "mandates"] => match *m {
            Method::GET => mandates::list(ctx, id),
            Method::POST => mandates::create(ctx, id),
            _ => Err(not_allowed("GET, POST")),
        },
        ["v2", "customers", cst, "mandates", id] => match *m {
            Method::GET => mandates::get(ctx, cst, id),
            Method::DELETE => mandates::revoke(ctx, cst, id),
            _ => Err(not_allowed("GET, DELETE")),
        },
        ["v2", "customers", cst, "subscriptions"] => match *m {
            Method::GET => subscriptions::list(ctx, cst),
            Method::POST => subscriptions::create(ctx, cst),
            _ => Err(not_allowed("GET, POST")),
        },
        ["v2", "customers", cst, "subscriptions", id] => match *m {
            Method::GET => subscriptions::get(ctx, cst, id),
            Method::PATCH => subscriptions::update(ctx, cst, id),
            Method::DELETE => subscriptions::cancel(ctx, cst, id),
            _ => Err(not_allowed("GET, PATCH, DELETE")),
        },
        ["v2", "customers", cst, "subscriptions", id, "payments"] => match *m {
            Method::GET => subscriptions::payments(ctx, cst, id),
            _ => Err(not_allowed("GET")),
        },
        ["v2", "subscriptions"] => match *m {
            Method::GET => subscriptions::list_all(ctx),
            _ => Err(not_allowed("GET")),
        },
        ["v2", "payments", id] => match *m {
            Method::GET => payments::get(ctx, id),
            Method::PATCH => payments::update(ctx, id),
            Method::DELETE => payments::cancel(ctx, id),
            _ => Err(not_allowed("GET, PATCH, DELETE")),
        },
        ["v2", "payments", id, "refunds"] => match *m {
            Method::GET => refunds::list_for_payment(ctx, id),
            Method::POST => refunds::create(ctx, id),
            _ => Err(not_allowed("GET, POST")),
        },
        ["v2", "payments", pay, "refunds", id] => match *m {
            Method::GET => refunds::get(ctx, pay, id),
            Method::DELETE => refunds::cancel(ctx, pay, id),
            _ => Err(not_allowed("GET, DELETE")),
        },
        ["v2", "refunds"] => match *m {
            Method::GET => refunds::list(ctx),
            _ => Err(not_allowed("GET")),
        },
        ["v2", "payments", id, "chargebacks"] => match *m {
            Method::GET => chargebacks::list_for_payment(ctx, id),
            _ => Err(not_allowed("GET")),
        },
        ["v2", "payments", pay, "chargebacks", id] => match *m {
            Method::GET => chargebacks::get(ctx, pay, id),
            _ => Err(not_allowed("GET")),
        },
        ["v2", "chargebacks"] => match *m {
            Method::GET => chargebacks::list(ctx),
            _ => Err(not_allowed("GET")),
        },
        ["v2", "payments", id, "captures"] => match *m {
            Method::GET => captures::list_for_payment(ctx, id),
            Method::POST => captures::create(ctx, id),
            _ => Err(not_allowed("GET, POST")),
        },
        ["v2", "payments", pay, "captures", id] => match *m {
            Method::GET => captures::get(ctx, pay, id),
            _ => Err(not_allowed("GET")),
        },
        ["v2", "payments", id, "release-authorization"] => match *m {
            Method::POST => payments::release_authorization(ctx, id),
            _ => Err(not_allowed("POST")),
        },
        ["v2", "methods"] => match *m {
            Method::GET => methods::list(ctx),
            _ => Err(not_allowed("GET")),
        },
        ["v2", "methods", "all"] => match *m {
            Method::GET => methods::list_all(ctx),
            _ => Err(not_allowed("GET")),
        },
        ["v2", "methods", id] => match *m {
            Method::GET => methods::get(ctx, id),
            _ => Err(not_allowed("GET")),
        },
        ["v2", "profiles"] => match *m {
            Method::GET => profiles::list(ctx),
            Method::POST => profiles::create(ctx),
            _ => Err(not_allowed("GET, POST")),
        },
        ["v2", "profiles", id] => match *m {
            Method::GET => profiles::get(ctx, id),
            Method::PATCH => profiles::update(ctx, id),
            Method::DELETE => profiles::delete(ctx, id),
            _ => Err(not_allowed("GET, PATCH, DELETE")),
        },
        ["v2", "profiles", id, "methods", method] => match *m {
            Method::POST => profiles::enable_method(ctx, id, method),
            Method::DELETE => profiles::disable_method(ctx, id, method),
            _ => Err(not_allowed("POST, DELETE")),
        },
        ["v2", "profiles", id, "methods", method, "issuers", issuer] => match *m {
            Method::POST => profiles::enable_issuer(ctx, id, method, issuer),
            Method::DELETE => profiles::disable_issuer(ctx, id, method, issuer),
            _ => Err(not_allowed("POST, DELETE")),
        },
        ["v2", "organizations", id] => match *m {
            Method::GET => organizations::get(ctx, id),
            _ => Err(not_allowed("GET")),
        },
        ["v2", "permissions"] => match *m {
            Method::GET => permissions::list(ctx),
            _ => Err(not_allowed("GET")),
        },
        ["v2", "permissions", id] => match *m {
            Method::GET => permissions::get(ctx, id),
            _ => Err(not_allowed("GET")),
        },
        ["v2", "wallets", "applepay", "sessions"] => match *m {
            Method::POST => wallets::applepay_session(ctx),
            _ => Err(not_allowed("POST")),
        },
        _ => Err(unknown_endpoint()),
    }
}

pub fn not_allowed(allow: &'static str) -> ApiError {
    ApiError::new(
        405,
        "The requested method is not allowed for this endpoint.",
    )
    .with_header(ALLOW, HeaderValue::from_static(allow))
}

pub fn unknown_endpoint() -> ApiError {
    ApiError::new(404, "The resource or endpoint could not be found.")
}

#[cfg(test)]
mod tests {
    use super::segments;

    /// The same segments as `split('/').skip(1)`, or `None` past eight.
    #[test]
    fn segments_are_split_as_str_split_does() {
        let paths = [
            "",
            "/",
            "v2",
            "v2/customers",
            "/v2",
            "/v2/customers",
            "/v2/customers/cst_8wmqcHMN4U/payments",
            "/v2//customers",
            "//",
            "/é/ü🦀/x",
            "/1/2/3/4/5/6/7/8",
            "/1/2/3/4/5/6/7/8/9",
            "/1/2/3/4/5/6/7/",
            "/1/2/3/4/5/6/7/8/",
        ];
        for path in paths {
            let want: Vec<&str> = path.split('/').skip(1).collect();
            let got = segments(path).map(|(buf, n)| buf[..n].to_vec());
            if want.len() <= 8 {
                assert_eq!(got, Some(want), "{path:?}");
            } else {
                assert_eq!(got, None, "{path:?}");
            }
        }
    }
}
