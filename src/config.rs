//! Every setting of the server. The CLI (`main.rs`) fills this from flags and
//! `MOLLIE_SANDBOX_*` variables; tests build it directly.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// What a deleted customer answers on get, update, delete and sub-resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum DeletedCustomers {
    /// 410 Gone, as Mollie's docs describe deleted objects.
    #[default]
    Gone,
    /// 404 Not Found, as Mollie's OpenAPI document lists.
    NotFound,
}

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "MOLLIE_SANDBOX_HOST", default_value = "127.0.0.1")]
    pub host: String,

    /// HTTP port; 0 picks a free one.
    #[arg(long, env = "MOLLIE_SANDBOX_PORT", default_value_t = 8080)]
    pub port: u16,

    /// Base of every href (e.g. http://mollie:8080). Default: the request's scheme and Host header.
    #[arg(long, env = "MOLLIE_SANDBOX_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Fixture file, or folder of *.json fixture files. Default: the embedded demo data.
    #[arg(long, env = "MOLLIE_SANDBOX_FIXTURES")]
    pub fixtures: Option<PathBuf>,

    /// Start with no fixtures at all, not even the demo data.
    #[arg(long, env = "MOLLIE_SANDBOX_NO_FIXTURES")]
    pub no_fixtures: bool,

    /// Log lines as text or JSON. RUST_LOG filters them.
    #[arg(long, env = "MOLLIE_SANDBOX_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Also serve HTTPS on this port (0 picks a free one).
    #[arg(long, env = "MOLLIE_SANDBOX_TLS_PORT")]
    pub tls_port: Option<u16>,

    /// PEM certificate chain for HTTPS (needs --tls-port and --tls-key). Default: a certificate
    /// for localhost and --tls-hostnames, signed by the sandbox's own CA (GET /_sandbox/ca.pem).
    #[arg(long, env = "MOLLIE_SANDBOX_TLS_CERT", requires_all = ["tls_key", "tls_port"])]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key for --tls-cert.
    #[arg(long, env = "MOLLIE_SANDBOX_TLS_KEY", requires_all = ["tls_cert", "tls_port"])]
    pub tls_key: Option<PathBuf>,

    /// Extra names for the generated certificate, comma-separated (e.g. api.mollie.com).
    #[arg(long, env = "MOLLIE_SANDBOX_TLS_HOSTNAMES", value_delimiter = ',')]
    pub tls_hostnames: Vec<String>,

    /// Folder for what must outlive a restart: the generated TLS certificate
    /// authority (ca.pem, ca-key.pem), so clients that trusted it once keep
    /// trusting it. Default: none (a new CA at every start).
    #[arg(long, env = "MOLLIE_SANDBOX_STATE_DIR")]
    pub state_dir: Option<PathBuf>,

    /// What a deleted customer answers: gone (410) or not-found (404).
    #[arg(long, env = "MOLLIE_SANDBOX_DELETED_CUSTOMERS", value_enum, default_value_t = DeletedCustomers::Gone)]
    pub deleted_customers: DeletedCustomers,

    /// Seed for generated ids and random scenario choices. Default: random, logged at start.
    #[arg(long, env = "MOLLIE_SANDBOX_SEED")]
    pub seed: Option<u64>,

    /// Folder of extra scenario files (*.json); a file may replace a shipped scenario by name.
    #[arg(long, env = "MOLLIE_SANDBOX_SCENARIOS")]
    pub scenarios: Option<PathBuf>,

    /// Scenario active for every account unless an account or a request picks another.
    #[arg(long, env = "MOLLIE_SANDBOX_SCENARIO")]
    pub scenario: Option<String>,

    /// Requests kept in each account's journal (GET /_sandbox/requests); 0 keeps none.
    #[arg(long, env = "MOLLIE_SANDBOX_JOURNAL_SIZE", default_value_t = 1000)]
    pub journal_size: usize,

    /// Bound on every account's journal together, in MiB: past it, the
    /// accounts used least recently lose their oldest entries first.
    #[arg(long, env = "MOLLIE_SANDBOX_JOURNAL_MAX_MB", default_value_t = 64)]
    pub journal_max_mb: usize,

    /// Seconds after which an account that holds nothing but its seed and a
    /// journal (only GETs, no status change, no scenario, clock not moved)
    /// is dropped; its key gets a fresh account on its next request. 0 never drops.
    #[arg(long, env = "MOLLIE_SANDBOX_ACCOUNT_IDLE_SECS", default_value_t = 3600)]
    pub account_idle_secs: u64,

    /// Seconds a client has to send a request's whole body; past it the
    /// request gets a 408 and the connection closes.
    #[arg(long, env = "MOLLIE_SANDBOX_BODY_TIMEOUT_SECS", default_value_t = 30)]
    pub body_timeout_secs: u64,

    /// Seconds a connection may sit without a request (keep-alive) or take
    /// to send a request's headers before it is closed.
    #[arg(long, env = "MOLLIE_SANDBOX_IDLE_TIMEOUT_SECS", default_value_t = 30)]
    pub idle_timeout_secs: u64,

    /// Connections open at once. Default (0): the file-descriptor limit
    /// less 256 kept for webhooks and files, at most 16384. At the limit,
    /// idle keep-alive connections are closed and accepting waits for a free slot.
    #[arg(long, env = "MOLLIE_SANDBOX_MAX_CONNECTIONS", default_value_t = 0)]
    pub max_connections: usize,

    /// Load the whole sandbox from this file at start (when it exists), write it there on shutdown.
    #[arg(long, env = "MOLLIE_SANDBOX_STATE_FILE")]
    pub state_file: Option<PathBuf>,

    /// Secret that server-wide operations (POST /_sandbox/reset?all=true)
    /// require as `Authorization: Bearer …`; without it they need no key.
    /// Set it when the sandbox is shared by several teams or test suites.
    #[arg(long, env = "MOLLIE_SANDBOX_ADMIN_TOKEN")]
    pub admin_token: Option<String>,

    /// PEM file of CA certificates that webhook receivers on https:// may be signed by, besides
    /// the bundled public roots and the system's (e.g. the CA of a reverse proxy or a tunnel).
    #[arg(long, env = "MOLLIE_SANDBOX_WEBHOOK_CA")]
    pub webhook_ca: Option<PathBuf>,

    /// Multiplies webhook retry delays: 1 is Mollie's schedule (10 attempts over 26 h), 0.001 makes a minute 60 ms.
    #[arg(long, env = "MOLLIE_SANDBOX_WEBHOOK_TIME_SCALE", default_value_t = 1.0, value_parser = time_scale)]
    pub webhook_time_scale: f64,

    /// iDEAL 2.0: the checkout shows no bank list; the consumer picks the bank at iDEAL.
    #[arg(long, env = "MOLLIE_SANDBOX_NO_IDEAL_ISSUER_SCREEN")]
    pub no_ideal_issuer_screen: bool,
    /// Keep request and response bodies (bounded) beside the journal, for the console.
    #[arg(long, env = "MOLLIE_SANDBOX_JOURNAL_BODIES")]
    pub journal_bodies: bool,

    /// Seconds (of the account's clock) between two steps of a refund's walk, queued -> pending -> refunded; 0 refunds at once.
    #[arg(long, env = "MOLLIE_SANDBOX_REFUND_DELAY", default_value_t = 2)]
    pub refund_delay: u64,

    /// Every new account's clock starts at this time (RFC 3339, e.g.
    /// 2026-12-01T10:00:00+00:00) instead of now; a fixture's "now" wins.
    #[arg(long, env = "MOLLIE_SANDBOX_CLOCK_START", value_parser = clock_start)]
    pub clock_start: Option<i64>,

    /// Keep test-mode subscriptions charging past 10 payments (Mollie's test mode cancels them).
    #[arg(long, env = "MOLLIE_SANDBOX_NO_TEST_SUBSCRIPTION_CANCEL")]
    pub no_test_subscription_cancel: bool,
}

fn clock_start(s: &str) -> Result<i64, String> {
    crate::clock::parse_datetime(s)
        .ok_or_else(|| format!("expected a datetime such as 2026-12-01T10:00:00+00:00, got {s:?}"))
}

fn time_scale(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!("expected a number of 0 or more, got {s:?}")),
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            host: "127.0.0.1".into(),
            port: 8080,
            public_url: None,
            fixtures: None,
            no_fixtures: false,
            log_format: LogFormat::Text,
            tls_port: None,
            tls_cert: None,
            tls_key: None,
            tls_hostnames: Vec::new(),
            state_dir: None,
            deleted_customers: DeletedCustomers::Gone,
            seed: None,
            scenarios: None,
            scenario: None,
            journal_size: 1000,
            journal_max_mb: 64,
            body_timeout_secs: 30,
            idle_timeout_secs: 30,
            max_connections: 0,
            account_idle_secs: 3600,
            state_file: None,
            webhook_ca: None,
            webhook_time_scale: 1.0,
            no_ideal_issuer_screen: false,
            admin_token: None,
            journal_bodies: false,
            refund_delay: 2,
            clock_start: None,
            no_test_subscription_cancel: false,
        }
    }
}

impl Config {
    pub fn body_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.body_timeout_secs)
    }

    pub fn idle_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.idle_timeout_secs)
    }

    /// Settings that only make sense together, checked before anything starts
    /// (the CLI checks them too; this catches a `Config` built in code).
    pub fn check(&self) -> Result<(), String> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(_), None) => return Err("--tls-cert needs --tls-key".into()),
            (None, Some(_)) => return Err("--tls-key needs --tls-cert".into()),
            (Some(_), Some(_)) if self.tls_port.is_none() => {
                return Err(
                    "--tls-cert and --tls-key need --tls-port: without it HTTPS is off".into(),
                )
            }
            _ => {}
        }
        Ok(())
    }

    /// Port 0 on loopback, no fixtures: what an in-process test wants.
    pub fn ephemeral() -> Config {
        Config {
            port: 0,
            no_fixtures: true,
            ..Config::default()
        }
    }
}
