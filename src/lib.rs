//! # mollie-sandbox
//!
//! A local, stateful sandbox of Mollie's payments API v2. Point a Mollie
//! client's base URL at it and it answers as the real API does in test mode,
//! with state kept in memory per API key.
//!
//! ## Major parts
//!
//! - [`server`]: listening (HTTP, and HTTPS through [`tls`]), connections,
//!   graceful stop. [`start`] runs it in-process, on port 0 if asked.
//! - [`app`]: the path of one request, from hyper to a response.
//! - [`auth`]: the Bearer key into a credential; every key is its own account.
//! - [`store`]: accounts ([`store::Registry`], [`store::Account`]) and their
//!   objects, in ordered collections that page in O(log n + limit).
//! - [`api`]: the router and the Mollie endpoints, one file per resource
//!   (customers, payments, mandates); [`api::payment_fields`] checks the
//!   payment fields few flows use (lines, addresses, wallet and pay-later
//!   data) into the payment's one [`store::PaymentExtra`] box.
//! - [`lifecycle`]: how a payment changes status, the one function every
//!   path uses (checkout page, sandbox API, cancel, expiry): timestamps,
//!   details, the mandate of a paid first payment, the webhook.
//! - [`scheduler`]: everything due later on an account's clock (payment
//!   expiry first), one ordered set per account, fired in time order.
//! - [`webhooks`]: the bounded delivery queue, the background worker that
//!   POSTs `id=tr_…` with Mollie's retry schedule (scaled by
//!   `--webhook-time-scale`), and the per-account attempt log.
//! - [`validate`]: the field rules endpoints share (amounts, locales, URLs).
//! - [`views`]: how each resource renders as HAL JSON, one file per
//!   resource.
//! - [`error`]: Mollie's error body, the one way failures are rendered.
//! - [`idempotency`]: `Idempotency-Key` replay and conflicts.
//! - [`scenario`]: scripted errors, latency and connection faults (files,
//!   matching, per-account counters, seeded randomness); [`faults`] carries
//!   out a connection fault on the raw socket.
//! - [`journal`]: each account's bounded ring of recent requests.
//! - [`fixtures`]: the JSON format that seeds accounts and exports them.
//! - [`sandbox`]: the sandbox's own API (`/_sandbox/…`): health, the
//!   read-only dashboard pages, payment status changes, webhook deliveries;
//!   [`sandbox::control`] has scenario control, the journal, reset and
//!   state, [`sandbox::state`] also the `--state-file`.
//! - [`checkout`]: the hosted test checkout (`/checkout/…`), one file per
//!   screen as Mollie's (method list, issuer list, card form, status page
//!   where a person picks the outcome), with the markup browser suites
//!   drive; it finds the payment's account through the registry's payment
//!   index, as a browser has no API key, and reads methods through
//!   [`checkout::methods`] only.
//! - [`clock`], [`ids`]: per-account time and Mollie-shaped ids.
//! - [`config`]: every setting, filled by the CLI (`main.rs`) from flags and
//!   `MOLLIE_SANDBOX_*` variables; [`health`]: the client side of
//!   `mollie-sandbox healthcheck`.
//! - [`http`]: decoding queries and bodies (JSON, or forms with bracketed
//!   keys) and the response type handlers return.
//!
//! ## The path of a request
//!
//! ```text
//! TCP accept (server, hyper http1, keep-alive)
//!   -> app::handle: journal around everything (per account, bounded)
//!        /_sandbox/..., /checkout/...  -> sandbox / checkout (no scenarios)
//!   -> body read (1 MiB limit, 413)
//!   -> auth: Bearer key -> Credential               401 on failure
//!   -> body decode: JSON or bracketed form          400/415
//!   -> registry: key (+ mode) -> Account
//!   -> idempotent replay of a stored success        (before any scenario)
//!   -> scenario: header, else account's, else server's scenario:
//!        delay; answer an error; or fault the connection (the server
//!        takes the socket back from hyper: reset, hang, garbage, empty)
//!   -> idempotency (POST with Idempotency-Key)      replay, 400, 409
//!   -> api::route: method + path -> handler         404/405
//!   -> handler: validate -> lock the account's Data -> read/mutate
//!   -> views: HAL JSON, hrefs from the public base URL
//!
//! in the background (started by [`start`], stopped by [`Server::shutdown`]):
//!   webhooks::run_worker        queue -> POST webhookUrl, retries, log
//!   scheduler::run              every 0.25 s: fire what is due by each clock
//! ```

pub mod api;
pub mod app;
pub mod auth;
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
    let registry = store::Registry::new(sources, seed, now)?;
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
    let webhooks = webhooks::Webhooks::new(config.webhook_time_scale)?;
    let app = Arc::new(app::App {
        config,
        registry,
        public_url,
        ca_pem,
        webhooks,
        scenarios,
    });
    let mut server = server::bind(app.clone(), acceptor).await?;
    server.spawn_background(|stop| webhooks::run_worker(app.clone(), stop));
    server.spawn_background(|stop| scheduler::run(app, stop));
    tracing::info!("listening on http://{}", server.addr);
    if let Some(addr) = server.tls_addr {
        tracing::info!("listening on https://{addr}");
    }
    Ok(server)
}
