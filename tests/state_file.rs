//! `--state-file` as the program meets it: a file that cannot be written is
//! refused at start, and a save that fails at shutdown exits non-zero.

mod harness;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use harness::temp_dir;

const BIN: &str = env!("CARGO_BIN_EXE_mollie-sandbox");

fn run_to_end(state_file: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--no-fixtures", "--state-file", state_file])
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let limit = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > limit {
            let _ = child.kill();
            panic!("the sandbox started with an unwritable --state-file {state_file}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().unwrap()
}

/// Starts the binary and waits for its listening line; the rest of its log
/// is collected by a thread and returned by [`stop`].
fn spawn(state_file: &str) -> (Child, std::thread::JoinHandle<Vec<String>>) {
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--no-fixtures", "--state-file", state_file])
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    loop {
        let line = lines.next().expect("a listening line").unwrap();
        if line.contains("listening on http://") {
            break;
        }
    }
    let rest = std::thread::spawn(move || lines.map_while(Result::ok).collect());
    (child, rest)
}

fn stop(mut child: Child, log: std::thread::JoinHandle<Vec<String>>) -> (i32, String) {
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let limit = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < limit, "no exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(10));
    };
    (status.code().unwrap_or(-1), log.join().unwrap().join("\n"))
}

#[test]
fn a_state_file_in_a_missing_folder_is_refused_at_start() {
    let dir = temp_dir("state-missing");
    let path = dir.join("not-there").join("state.json");
    let out = run_to_end(path.to_str().unwrap());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot be written"), "{stderr}");
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    assert!(!stderr.contains("listening"), "{stderr}");

    // A folder named as the file is no better.
    let out = run_to_end(dir.to_str().unwrap());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("is a folder"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_save_that_fails_at_shutdown_exits_non_zero() {
    // A save that works exits 0 and leaves the file.
    let dir = temp_dir("state-save");
    let path = dir.join("state.json");
    let (child, log) = spawn(path.to_str().unwrap());
    let (code, log) = stop(child, log);
    assert_eq!(code, 0, "{log}");
    let text = std::fs::read_to_string(&path).unwrap();
    let saved: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(saved["accounts"].is_object(), "{text}");

    // The folder goes away while it runs: the save fails, and says so.
    let (child, log) = spawn(path.to_str().unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
    let (code, log) = stop(child, log);
    assert_eq!(code, 1, "{log}");
    assert!(log.contains("cannot write the state file"), "{log}");
}
