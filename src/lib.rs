//! # mollie-sandbox
//!
//! A local, stateful sandbox of Mollie's payments API v2. Point a Mollie
//! client's base URL at it and it answers as the real API does in test mode,
//! with state kept in memory per API key.
//!
//! ## Major parts
//!
//! - [`server`]: listening (HTTP, and HTTPS through [`tls`]), connections
//!   (idle and body timeouts, a limit below the file-descriptor limit; the
//!   idle timeout is one timer per connection, not hyper's per request),
//!   graceful stop. [`start`] runs it in-process, on port 0 if asked.
//! - [`app`]: the path of one request, from hyper to a response.
//! - [`auth`]: the Bearer key into a credential; every key is its own account.
//! - [`store`]: accounts ([`store::Registry`], [`store::Account`]) and their
//!   objects, in ordered collections that page in O(log n + limit) (each
//!   object boxed: memory per object is what a growing sandbox pays for).
//! - [`api`]: the router and the Mollie endpoints, one file per resource
//!   (customers, payments, mandates, subscriptions, refunds, chargebacks,
//!   captures, methods, profiles, organizations, permissions, the Apple Pay
//!   session); [`api::payment_fields`] checks the payment fields few flows
//!   use (lines, addresses, wallet and pay-later data) into the payment's
//!   one [`store::PaymentExtra`] box.
//! - [`catalogue`]: the one table of payment methods (names per locale,
//!   checkout labels, limits per currency, mandates, authorization,
//!   issuers, pricing, images under `/external/icons/…`) that payment
//!   creation, the lifecycle, the checkout and the Methods API all read;
//!   each account's profiles say which are enabled ([`store::profile`]).
//! - [`lifecycle`]: how a payment changes status, the one function every
//!   path uses (checkout page, sandbox API, cancel, expiry): timestamps,
//!   details, the mandate of a paid first payment, the webhook.
//! - [`scheduler`]: everything due later on an account's clock (payment
//!   expiry, refund steps, capture settling, delayed captures, authorization
//!   expiry, subscription charges, webhook retries), one ordered set per
//!   account, fired in time then booking order (a payment's expiry sits at
//!   its payment's own place; only a subscription's charge, the one event
//!   cancelled through its object, is indexed);
//!   [`scheduler::advance`] moves a clock
//!   forward through them (`POST /_sandbox/clock`).
//! - [`after_sales`]: how refunds, chargebacks and captures move and what
//!   they do to their payment (totals, links, its current webhook).
//! - [`recurring`]: what a subscription charge does (the payment, its
//!   outcome, the next date, completion, suspension).
//! - [`webhooks`]: the bounded delivery queue (per account and in all), the
//!   background worker that POSTs `id=tr_…` with Mollie's retry schedule
//!   (scaled by `--webhook-time-scale`; retries of a second or more are
//!   events on the account's clock), fair across accounts and receivers
//!   (lanes served in turn, per-account and per-host limits), and the
//!   per-account attempt log; https receivers are checked against bundled
//!   public roots, the system's, and `--webhook-ca`.
//! - [`validate`]: the field rules endpoints share (amounts, locales, URLs).
//! - [`views`]: how each resource renders as HAL JSON, one file per
//!   resource; [`views::reuse`] gives a worker thread's last body of a
//!   customer or payment again while its account's [`store::DataLock`]
//!   version (moved on by every write) has not moved.
//! - [`error`]: Mollie's error body, the one way failures are rendered.
//! - [`idempotency`]: `Idempotency-Key` replay and conflicts.
//! - [`scenario`]: scripted errors, latency and connection faults (files,
//!   matching, per-account counters, seeded randomness); [`faults`] carries
//!   out a connection fault on the raw socket.
//! - [`journal`]: each account's bounded ring of recent requests (at most
//!   512 bytes an entry, all rings together under `--journal-max-mb`);
//!   accounts that hold nothing but a journal go after
//!   `--account-idle-secs` ([`store::registry::sweep_idle`]).
//! - [`fixtures`]: the JSON format that seeds accounts and exports them.
//! - [`sandbox`]: the sandbox's own API (`/_sandbox/…`): health, the
//!   read-only dashboard pages, payment and mandate status changes, webhook
//!   deliveries;
//!   [`sandbox::control`] has scenario control, the journal, reset and
//!   state, [`sandbox::state`] also the `--state-file`; [`sandbox::clock`]
//!   the account's clock and subscription charge outcomes;
//!   [`sandbox::console`] the QA console at `/_sandbox/` (HTML panels per
//!   account, buttons that call the routes above), [`sandbox::access`] the
//!   admin token, account references and the cross-site guard.
//! - [`metrics`]: request counters (atomics, striped per thread and summed
//!   at the scrape) and `GET /_sandbox/metrics` in Prometheus' text format.
//!   [`sandbox::after_sales`] forces refund and capture outcomes, makes
//!   chargebacks, and makes refunds and captures with the API's own
//!   handlers for an account named by key or by reference (as
//!   [`sandbox::clock`] cancels subscriptions), so every console button
//!   works for an account picked from the list.
//! - [`checkout`]: the hosted test checkout (`/checkout/…`), one file per
//!   screen as Mollie's (method list, issuer list, card form, status page
//!   where a person picks the outcome), with the markup browser suites
//!   drive. A browser has no API key: keyless pages (checkout, dashboard)
//!   find their account by the opaque token their link carries
//!   ([`page_link`]), never by searching accounts for an id. A profile's
//!   checkout preview (`/checkout/preview/pfl_…`) is keyless the same way.
//!   Methods, labels, issuers and logos come from [`catalogue`] through
//!   [`checkout::methods`].
//! - [`clock`], [`ids`]: per-account time (an offset from real time, pinned
//!   while an advance fires an event; `--clock-start` or a fixture's `now`
//!   starts it at a fixed time) and Mollie-shaped ids; an id an account
//!   makes names its object's place in the account's lists
//!   ([`ids::placed`]), so [`store::Collection`] finds it without an index.
//! - [`config`]: every setting, filled by the CLI (`main.rs`) from flags and
//!   `MOLLIE_SANDBOX_*` variables; [`health`]: the client side of
//!   `mollie-sandbox healthcheck`.
//! - [`http`]: decoding queries and bodies (JSON, or forms with bracketed
//!   keys, nesting bounded: no input of any shape can exhaust the stack) and
//!   the response type handlers return.
//! - [`alloc`]: the binary's global allocator (mimalloc, its plain calls
//!   where the layout allows).
//!
//! ## The path of a request
//!
//! ```text
//! TCP accept (server, hyper http1, keep-alive)
//!   -> app::handle: journal and metrics around everything (per account, bounded)
//!        /_sandbox/..., /checkout/...  -> sandbox / checkout (no scenarios;
//!        state changes from another site's page: 403)
//!   -> body read (1 MiB limit, 413; --body-timeout-secs, 408)
//!   -> the headers it reads, found in one walk (http::request::Known)
//!   -> auth: Bearer key -> Credential               401 on failure
//!        (skipped, with the lookup below, for the API-key header this
//!        worker thread's last request sent: Registry::remembered)
//!   -> body decode: JSON or bracketed form          400/415
//!        (a JSON body's fields, and the objects among them, as lists,
//!        names and strings borrowed from the request's bytes:
//!        http::request::Body, http::request::Field)
//!   -> registry: key (+ mode) -> Account
//!   -> idempotent replay of a stored success        (before any scenario)
//!   -> scenario: header, else account's, else server's scenario:
//!        delay; answer an error; or fault the connection (the server
//!        takes the socket back from hyper: reset, hang, garbage, empty)
//!   -> idempotency (POST with Idempotency-Key)      replay, 400, 409
//!   -> api::route: method + path -> handler         404/405
//!   -> handler: validate -> lock the account's Data -> read/mutate
//!   -> views: HAL JSON written as text (serde where a value needs
//!        escaping), hrefs from the public base URL; a GET of a customer
//!        or payment the thread rendered at the same version: that body
//!
//! in the background (started by [`start`], stopped by [`Server::shutdown`]):
//!   webhooks::run_worker        queue -> POST webhookUrl, retries, log
//!   scheduler::run              every 0.25 s: fire what is due by each clock
//!   scheduler::advance          POST /_sandbox/clock: fires in short
//!                               slices, waits for the webhooks
//! ```

pub mod after_sales;
pub mod alloc;
pub mod api;
pub mod app;
pub mod auth;
pub mod catalogue;
pub mod checkout;
pub mod clock;
pub mod config;
pub mod error;
pub mod faults;
pub mod fixtures;
pub mod health;
pub mod http;
pub mod idempotency;
pub mod ids;
pub mod journal;
pub mod lifecycle;
pub mod metrics;
pub mod page_link;
pub mod recurring;
pub mod sandbox;
pub mod scenario;
pub mod scheduler;
pub mod server;
pub mod store;
pub mod tls;
pub mod validate;
pub mod views;
pub mod webhooks;

use std::sync::Arc;

pub use config::Config;
pub use server::Server;

/// Builds the state from the configuration and starts serving. Returns once
/// the listeners are bound; [`Server::addr`] has the real port.
pub async fn start(config: Config) -> Result<Server, String> {
    config.check()?;
    let seed = config.seed.unwrap_or_else(rand::random);
    tracing::info!(seed, "random seed (pass --seed {seed} to replay this run)");
    let sources = if config.no_fixtures {
        Vec::new()
    } else {
        match &config.fixtures {
            Some(path) => fixtures::Source::from_path(path)?,
            None => vec![fixtures::Source::Embedded(fixtures::DEMO)],
        }
    };
    let now = jiff::Timestamp::now().as_second();
    let registry = store::Registry::new(sources, seed, now, config.clock_start)?;
    registry
        .journal_budget()
        .set_max(config.journal_max_mb.saturating_mul(1024 * 1024));
    if let Some(path) = &config.state_file {
        sandbox::state::check_writable(path)?;
    }
    if let Some(path) = config.state_file.as_ref().filter(|p| p.exists()) {
        let n = sandbox::state::load_file(&registry, path, now)?;
        tracing::info!(accounts = n, "state loaded from {}", path.display());
    }
    let scenarios = scenario::Library::load(
        config.scenarios.as_deref(),
        config.scenario.as_deref(),
        seed,
    )?;
    if let Some(s) = scenarios.server_default() {
        tracing::info!("scenario {} active for every account", s.name);
    }
    let (acceptor, ca_pem) = if config.tls_port.is_some() {
        let tls = tls::setup(&config)?;
        (
            Some(tokio_rustls::TlsAcceptor::from(tls.server)),
            tls.ca_pem,
        )
    } else {
        (None, None)
    };
    let public_url = config
        .public_url
        .as_ref()
        .map(|u| u.trim_end_matches('/').to_owned());
    let webhooks =
        webhooks::Webhooks::with_trust(config.webhook_time_scale, config.webhook_ca.as_deref())?;
    let app = Arc::new(app::App {
        config,
        registry,
        public_url,
        ca_pem,
        webhooks,
        scenarios,
        metrics: Default::default(),
    });
    let mut server = server::bind(app.clone(), acceptor).await?;
    server.spawn_background(|stop| webhooks::run_worker(app.clone(), stop));
    let idle_secs = app.config.account_idle_secs;
    let sweeper = app.clone();
    server.spawn_background(move |stop| async move {
        store::registry::sweep_idle(&sweeper.registry, idle_secs, stop).await
    });
    server.spawn_background(|stop| scheduler::run(app, stop));
    tracing::info!("listening on http://{}", server.addr);
    if let Some(addr) = server.tls_addr {
        tracing::info!("listening on https://{addr}");
    }
    Ok(server)
}
