//! Reset and state: an account back to its fixtures, an account's objects
//! out and in as a fixture file, and the whole sandbox kept in
//! `--state-file` across restarts (read at start, written atomically on
//! shutdown, streamed object by object so that saving costs little memory
//! over the state itself; a file that cannot be written is refused at start).

use std::io::Write;
use std::path::{Path, PathBuf};

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
        super::admin::check(app, parts)?;
        app.registry.all()
    } else {
        vec![caller(app, parts)?]
    };
    let now = jiff::Timestamp::now().as_second();
    for account in &accounts {
        let id_seed = account.data.write().next_seed();
        let data = app
            .registry
            .seeded_data(&account.key, now, id_seed)
            .map_err(|e| {
                ApiError::new(500, format!("The fixtures could not be read again: {e}"))
            })?;
        if data.starts_at.is_none() {
            account.clock.set_offset(0);
        }
        install(account, data);
        app.webhooks.forget(&account.key);
    }
    Ok(json_value(
        StatusCode::OK,
        &json!({"reset": accounts.len()}),
    ))
}

/// New objects for an account; idempotency keys that named the old ones go.
/// The account keeps its profile id: the first profile of the new state
/// takes it, or a default profile does.
fn install(account: &Account, mut data: Data) {
    if let Some(p) = data.profiles.first_mut() {
        p.id = account.profile_id.clone();
    }
    data.ensure_profile(&account.key, account.mode);
    if let Some(at) = data.starts_at {
        account.clock.start_at(at);
    }
    *account.data.write() = data;
    account.idempotency.lock().clear();
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
        account,
        seed.into_data(app.registry.account_seed(&account.key)),
    );
    Ok(json_value(StatusCode::OK, &export(account)))
}

/// The whole sandbox in the fixture format, accounts in key order, as one
/// value (the state file is streamed instead: [`save`]).
pub fn snapshot(registry: &Registry) -> Value {
    serde_json::to_value(Snapshot(registry)).unwrap_or_default()
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

/// The temporary file a save writes before renaming it over `path`.
fn temp_beside(path: &Path) -> PathBuf {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("state.json");
    dir.join(format!(".{name}.tmp-{}", std::process::id()))
}

/// How much of a state file is written before the kernel is asked to
/// start putting it on disk.
const WRITEBACK_CHUNK: u64 = 8 << 20;

/// A file being written that has the kernel start writing it to disk every
/// [`WRITEBACK_CHUNK`] bytes (Linux), so that the disk works while the rest
/// is serialized and the final sync finds little left to wait for: most of
/// a large save was that sync, its whole file still in memory.
pub struct WritebackFile {
    file: std::fs::File,
    written: u64,
    started: u64,
}

impl WritebackFile {
    fn new(file: std::fs::File) -> WritebackFile {
        WritebackFile {
            file,
            written: 0,
            started: 0,
        }
    }

    #[cfg(target_os = "linux")]
    fn start_writeback(&mut self) {
        use std::os::fd::AsRawFd;
        if let (Ok(from), Ok(len)) = (
            i64::try_from(self.started),
            i64::try_from(self.written - self.started),
        ) {
            // SAFETY: sync_file_range only reads its integer arguments; the
            // descriptor stays open for as long as `self`. A failure only
            // leaves the work to the final sync, which reports errors.
            unsafe {
                libc::sync_file_range(
                    self.file.as_raw_fd(),
                    from,
                    len,
                    libc::SYNC_FILE_RANGE_WRITE,
                );
            }
        }
        self.started = self.written;
    }

    #[cfg(not(target_os = "linux"))]
    fn start_writeback(&mut self) {
        self.started = self.written;
    }
}

impl Write for WritebackFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written - self.started >= WRITEBACK_CHUNK {
            self.start_writeback();
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// Writes through `write` to a temporary file beside `path`, then renames it
/// over `path`: a crash leaves the old file or the new one, never half of one.
pub fn write_atomically_with(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<WritebackFile>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let tmp = temp_beside(path);
    let written = (|| {
        let file = WritebackFile::new(std::fs::File::create(&tmp)?);
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        write(&mut out)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Writes `bytes` to `path` atomically (see [`write_atomically_with`]).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomically_with(path, |out| out.write_all(bytes))
}

/// Refuses, at start, a state file that could not be written at shutdown:
/// a folder that does not exist or takes no new file, or a path that is a
/// folder. Creates and removes the save's own temporary file to know.
pub fn check_writable(path: &Path) -> Result<(), String> {
    let shown = path.display();
    if path.is_dir() {
        return Err(format!(
            "--state-file {shown} is a folder; name a file in it"
        ));
    }
    let tmp = temp_beside(path);
    let dir = tmp.parent().unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(format!(
            "--state-file {shown} cannot be written: the folder {} does not exist",
            dir.display()
        ));
    }
    match std::fs::File::create(&tmp) {
        Ok(_) => {
            let _ = std::fs::remove_file(&tmp);
            Ok(())
        }
        Err(e) => Err(format!(
            "--state-file {shown} cannot be written: a new file in {} fails ({e})",
            dir.display()
        )),
    }
}

/// The whole sandbox in the fixture format, accounts in key order, written
/// account by account and object by object (no whole-state `Value`).
struct Snapshot<'a>(&'a Registry);

impl serde::Serialize for Snapshot<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        struct Accounts<'a>(&'a [std::sync::Arc<Account>]);
        impl serde::Serialize for Accounts<'_> {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> std::result::Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut map = s.serialize_map(Some(self.0.len()))?;
                for account in self.0 {
                    let data = account.data.read();
                    let now = (account.clock.offset() != 0).then(|| account.clock.now());
                    map.serialize_entry(
                        &*account.key,
                        &fixtures::AccountExport {
                            data: &data,
                            now,
                            mode: account.mode,
                            profile_id: &account.profile_id,
                        },
                    )?;
                }
                map.end()
            }
        }
        let mut all = self.0.all();
        all.sort_by(|a, b| a.key.cmp(&b.key));
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry("accounts", &Accounts(&all))?;
        map.end()
    }
}

/// The state file, compact: indenting a million objects made a file a
/// third larger and slower to write and sync (a load reads either form).
pub fn save(app: &App, path: &Path) -> std::io::Result<()> {
    write_atomically_with(path, |out| {
        serde_json::to_writer(&mut *out, &Snapshot(&app.registry))
            .map_err(std::io::Error::other)?;
        out.write_all(b"\n")
    })
}

/// On shutdown, with `--state-file`: the whole sandbox into the file.
pub fn save_on_shutdown(app: &App) -> Result<(), String> {
    let Some(path) = &app.config.state_file else {
        return Ok(());
    };
    let started = std::time::Instant::now();
    match save(app, path) {
        Ok(()) => {
            tracing::info!(
                accounts = app.registry.len(),
                seconds = started.elapsed().as_secs_f64(),
                "state written to {}",
                path.display()
            );
            Ok(())
        }
        Err(e) => {
            let msg = format!("cannot write the state file {}: {e}", path.display());
            tracing::error!("{msg}");
            Err(msg)
        }
    }
}
