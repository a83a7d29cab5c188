//! The command line: flags (each also a `MOLLIE_SANDBOX_*` variable) into a
//! [`Config`], logging, signals, and the `healthcheck` subcommand.

use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use mollie_sandbox::config::LogFormat;
use mollie_sandbox::Config;
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "mollie-sandbox",
    version,
    about = "A local, stateful sandbox of Mollie's payments API v2"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: Config,
}

#[derive(Subcommand)]
enum Command {
    /// Exit 0 when the sandbox answers healthy, 1 otherwise (for Docker HEALTHCHECK).
    Healthcheck {
        /// The sandbox's base URL (http://127.0.0.1:8080) or its health URL
        /// (http://127.0.0.1:8080/_sandbox/health). Default: --port
        /// (MOLLIE_SANDBOX_PORT) of --host, or of loopback when --host is 0.0.0.0 or ::.
        #[arg(long, env = "MOLLIE_SANDBOX_HEALTHCHECK_URL", conflicts_with_all = ["port", "host"])]
        url: Option<String>,
        /// The port to probe (the same as the server's --port, which may also come before
        /// the subcommand).
        #[arg(long)]
        port: Option<u16>,
        /// The host to probe (as the server's --host).
        #[arg(long)]
        host: Option<String>,
    },
}

#[global_allocator]
static GLOBAL: mollie_sandbox::alloc::MiMalloc = mollie_sandbox::alloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mollie-sandbox: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match cli.command {
        Some(Command::Healthcheck { url, port, host }) => {
            let mut config = cli.config;
            config.port = port.unwrap_or(config.port);
            config.host = host.unwrap_or(config.host);
            let url = url.unwrap_or_else(|| local_health_url(&config));
            runtime.block_on(healthcheck(&url))
        }
        None => {
            init_logging(cli.config.log_format);
            runtime.block_on(run(cli.config))
        }
    }
}

/// The health URL of a sandbox started with the same settings: in a
/// container the healthcheck reads the same `MOLLIE_SANDBOX_*` variables.
fn local_health_url(config: &Config) -> String {
    let host = match config.host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) if ip.is_unspecified() => "127.0.0.1".to_owned(),
        Ok(IpAddr::V6(ip)) if ip.is_unspecified() => "[::1]".to_owned(),
        Ok(IpAddr::V6(ip)) => format!("[{ip}]"),
        Ok(IpAddr::V4(ip)) => ip.to_string(),
        Err(_) => config.host.clone(),
    };
    format!(
        "http://{host}:{}{}",
        config.port,
        mollie_sandbox::health::PATH
    )
}

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn run(config: Config) -> ExitCode {
    // Handlers go in before the port is announced: a supervisor that stops
    // the process as soon as it sees the line must get a graceful stop, not
    // the default action of the signal.
    let stopped = stop_signal();
    let server = match mollie_sandbox::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("mollie-sandbox: {e}");
            return ExitCode::FAILURE;
        }
    };
    stopped.await;
    tracing::info!("stopping");
    // The state outlives the stop and is never freed: the process ends
    // right after the save, and freeing a million objects one by one only
    // made a `docker stop` wait longer.
    let state = server.app.clone();
    let code = match server.stop_and_save().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mollie-sandbox: {e}");
            ExitCode::FAILURE
        }
    };
    std::mem::forget(state);
    code
}

/// Registers for SIGINT and SIGTERM now; the future resolves on the first.
fn stop_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        async move {
            match (term, int) {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = int.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

async fn healthcheck(url: &str) -> ExitCode {
    match tokio::time::timeout(Duration::from_secs(3), mollie_sandbox::health::probe(url)).await {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("unhealthy: {e}");
            ExitCode::FAILURE
        }
        Err(_) => {
            eprintln!("unhealthy: no answer within 3 s");
            ExitCode::FAILURE
        }
    }
}
