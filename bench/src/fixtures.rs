//! Fixture files for the benchmark, in the sandbox's fixture format
//! (`{"accounts": {"test_…": {"customers": [...]}}}`, see `src/fixtures.rs`).
//! Customer `i` of any account has a fixed id, name, email and creation
//! time (one second apart), so the load generator can name any of them.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// 62^10: ten base62 digits.
const SPACE: u128 = 839_299_365_868_340_224;
/// Odd and not a multiple of 31, so `i * MIX mod 62^10` is a bijection:
/// unique ids that do not look sequential.
const MIX: u128 = 6_364_136_223_846_793_005;
/// 2024-01-01T00:00:00Z
const EPOCH: i64 = 1_704_067_200;

/// An API key of the sandbox's shape: `test_` and 32 letters and digits.
pub fn key(name: &str) -> String {
    format!(
        "test_{name}{}",
        "0".repeat(32usize.saturating_sub(name.len()))
    )
}

pub fn customer_id(i: u64) -> String {
    let mut n = (u128::from(i) * MIX) % SPACE;
    let mut digits = [0u8; 10];
    for d in digits.iter_mut().rev() {
        *d = BASE62[(n % 62) as usize];
        n /= 62;
    }
    format!(
        "cst_{}",
        std::str::from_utf8(&digits).unwrap_or("0000000000")
    )
}

fn write_customer(out: &mut impl Write, i: u64) -> std::io::Result<()> {
    let created =
        jiff::Timestamp::from_second(EPOCH + i as i64).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    write!(
        out,
        r#"{{"id":"{}","name":"Customer {i:07}","email":"customer{i:07}@example.org","locale":"nl_NL","metadata":{{"ref":"bench-{i:07}"}},"createdAt":"{created}"}}"#,
        customer_id(i)
    )
}

/// Writes a fixture file with `count` customers in each named account.
pub fn write(path: &Path, accounts: &[(&str, u64)]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    out.write_all(b"{\"accounts\":{")?;
    for (n, (key, count)) in accounts.iter().enumerate() {
        if n > 0 {
            out.write_all(b",")?;
        }
        write!(out, "\"{key}\":{{\"customers\":[")?;
        for i in 0..*count {
            if i > 0 {
                out.write_all(b",\n")?;
            }
            write_customer(&mut out, i)?;
        }
        out.write_all(b"]}")?;
    }
    out.write_all(b"}}\n")?;
    out.flush()
}

/// Payment `i`'s id (the same digits as customer `i`'s).
pub fn payment_id(i: u64) -> String {
    format!("tr_{}", &customer_id(i)[4..])
}

/// Writes a fixture file with `payments` paid payments of 1,000.00 EUR in
/// one account, each with `refunds` refunds of 0.01 already made, so that
/// refunds can be created and listed.
pub fn write_refunds(path: &Path, key: &str, payments: u64, refunds: u64) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    write!(
        out,
        "{{\"accounts\":{{\"{key}\":{{\"refundDelay\":2,\"payments\":["
    )?;
    for i in 0..payments {
        if i > 0 {
            out.write_all(b",\n")?;
        }
        let created =
            jiff::Timestamp::from_second(EPOCH + i as i64).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        write!(
            out,
            r#"{{"id":"{}","amount":{{"value":"1000.00","currency":"EUR"}},"description":"Order {i:07}","method":"ideal","status":"paid","paidAt":"{created}","createdAt":"{created}","redirectUrl":"https://webshop.example.org/return"}}"#,
            payment_id(i)
        )?;
    }
    out.write_all(b"],\"refunds\":[")?;
    let mut n = 0;
    for i in 0..payments {
        for j in 0..refunds {
            if n > 0 {
                out.write_all(b",\n")?;
            }
            let created = jiff::Timestamp::from_second(EPOCH + (payments + n) as i64)
                .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
            write!(
                out,
                r#"{{"id":"re_{}","paymentId":"{}","amount":{{"value":"0.01","currency":"EUR"}},"status":"refunded","description":"Refund {j}","createdAt":"{created}"}}"#,
                &customer_id(1_000_000 + n)[4..],
                payment_id(i)
            )?;
            n += 1;
        }
    }
    out.write_all(b"]}}}\n")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_well_formed() {
        let ids: std::collections::HashSet<String> = (0..10_000).map(customer_id).collect();
        assert_eq!(ids.len(), 10_000);
        assert!(ids
            .iter()
            .all(|id| id.len() == 14 && id[4..].bytes().all(|b| b.is_ascii_alphanumeric())));
        assert_eq!(key("bench1k").len(), 5 + 32);
    }
}
