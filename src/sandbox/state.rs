//! Reset and state: an account back to its fixtures, an account's objects
//! out and in as a fixture file, and the whole sandbox kept in
//! `--state-file` across restarts (read at start, written atomically on
//! shutdown).

use std::io::Write;
use std::path::Path;

use bytes::Bytes;
use hyper::http::request::Parts;
use hyper::StatusCode;
use serde_json::{json, Map, Value};

use super::control::caller;
use crate::app::App;
use crate::error::{ApiError, Result};
use crate::fixtures::{self, AccountSeed, TEMPLATE_KEY};
use crate::http::request::Query;
use crate::http::response::{json_value, Resp};
use crate::store::registry::mode_of;
use crate::store::{Account, Data, Registry};

/// `POST /_sandbox/reset[?all=true]`
pub fn reset(app: &App, parts: &Parts) -> Result<Resp> {
    let query = Query::parse(parts.uri.query());
    query.only(&["all"])?;
    let all = match query.get("all") {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(
                ApiError::bad_request("Invalid value for all: use true or false.")
                    .with_field("all"),
            )
        }
    };
    let accounts = if all {
        app.registry.all()
    } else {
        vec![caller(app, parts)?]
    };
    let now = jiff::Timestamp::now().as_second();
    for account in &accounts {
        let data = app.registry.seeded_data(&account.key, now).map_err(|e| {
            ApiError::new(500, format!("The fixtures could not be read again: {e}"))
        })?;
        if data.starts_at.is_none() {
            account.clock.set_offset(0);
        }
        install(app, account, data);
        app.webhooks.forget(&account.key);
    }
    Ok(json_value(
        StatusCode::OK,
        &json!({"reset": accounts.len()}),
    ))
}

/// New objects for an account; idempotency keys that named the old ones go,
/// and the checkout pages find the new payments.
fn install(app: &App, account: &Account, data: Data) {
    if let Some(at) = data.starts_at {
        account.clock.start_at(at);
    }
    *account.data.write() = data;
    account.idempotency.lock().clear();
    app.registry.index_payments(account);
}

fn export_one(account: &Account) -> Value {
    let data = account.data.read();
    let now = (account.clock.offset() != 0).then(|| account.clock.now());
    fixtures::export_account(&data, account.mode, &account.profile_id, now)
}

/// `GET /_sandbox/state`: the account in the fixture format.
pub fn export(account: &Account) -> Value {
    let mut accounts = Map::new();
    accounts.insert(account.key.to_string(), export_one(account));
    json!({ "accounts": accounts })
}

/// `PUT /_sandbox/state`: the account's objects replaced by the posted ones:
/// the entry under the calling key, or the only entry there is.
pub fn replace(app: &App, account: &Account, body: &Bytes) -> Result<Resp> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::bad_request("The request body is not UTF-8."))?;
    if serde_json::from_str::<Value>(text).is_err() {
        return Err(ApiError::bad_request("The request body is not valid JSON. Send a fixture file: {\"accounts\": {\"test_…\": {…}}}."));
    }
    let now = account.clock.now();
    let mut seeds =
        fixtures::parse("the request body", text, now).map_err(ApiError::unprocessable)?;
    let seed = match seeds.iter().position(|(k, _)| **k == *account.key) {
        Some(i) => seeds.swap_remove(i).1,
        None if seeds.len() == 1 => seeds.remove(0).1,
        None => {
            return Err(ApiError::unprocessable(format!(
            "The state holds {} accounts and none is {}: send one account, or the calling key's.",
            seeds.len(),
            account.key
        )))
        }
    };
    install(
        app,
        account,
        seed.into_data(app.registry.account_seed(&account.key)),
    );
    Ok(json_value(StatusCode::OK, &export(account)))
}

/// The whole sandbox in the fixture format, accounts in key order.
pub fn snapshot(registry: &Registry) -> Value {
    let mut all = registry.all();
    all.sort_by(|a, b| a.key.cmp(&b.key));
    let mut accounts = Map::new();
    for account in all {
        accounts.insert(account.key.to_string(), export_one(&account));
    }
    json!({ "accounts": accounts })
}

/// Accounts from a state file replace those the fixtures made (the `"*"`
/// template stays the fixtures' own).
pub fn load_file(registry: &Registry, path: &Path, now: i64) -> Result<usize, String> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("--state-file {shown}: {e}"))?;
    let seeds = fixtures::parse(&shown, &text, now)?;
    let mut n = 0;
    for (key, seed) in seeds {
        if key == TEMPLATE_KEY {
            continue;
        }
        let data = AccountSeed::into_data(seed, registry.account_seed(&key));
        registry.insert(Account::new(&key, mode_of(&key), data));
        n += 1;
    }
    Ok(n)
}

/// Writes to a temporary file beside `path`, then renames it over `path`:
/// a crash leaves the old file or the new one, never half of one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("state.json");
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let written = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

pub fn save(app: &App, path: &Path) -> std::io::Result<()> {
    let mut text =
        serde_json::to_vec_pretty(&snapshot(&app.registry)).map_err(std::io::Error::other)?;
    text.push(b'\n');
    write_atomically(path, &text)
}

/// On shutdown, with `--state-file`: the whole sandbox into the file.
pub fn save_on_shutdown(app: &App) {
    let Some(path) = &app.config.state_file else {
        return;
    };
    match save(app, path) {
        Ok(()) => tracing::info!(
            accounts = app.registry.len(),
            "state written to {}",
            path.display()
        ),
        Err(e) => tracing::error!("cannot write the state file {}: {e}", path.display()),
    }
}
