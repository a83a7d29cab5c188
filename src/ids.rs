//! Object ids: a prefix plus base62 characters, as Mollie makes them.

use rand::Rng;
use smol_str::SmolStr;

pub type Id = SmolStr;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

pub fn generate(prefix: &str, rng: &mut impl Rng) -> Id {
    let mut buf = [0u8; 16];
    buf[..prefix.len()].copy_from_slice(prefix.as_bytes());
    for slot in &mut buf[prefix.len()..prefix.len() + 10] {
        *slot = BASE62[rng.random_range(0..BASE62.len())];
    }
    // Only ASCII went in.
    SmolStr::new(std::str::from_utf8(&buf[..prefix.len() + 10]).unwrap_or_default())
}

/// `len` random base62 characters (card fingerprints, transfer references).
pub fn random_base62(len: usize, rng: &mut impl Rng) -> String {
    (0..len)
        .map(|_| char::from(BASE62[rng.random_range(0..BASE62.len())]))
        .collect()
}

/// `^<prefix>[A-Za-z0-9]+$`
pub fn is_valid(prefix: &str, id: &str) -> bool {
    id.strip_prefix(prefix)
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// A stable, key-derived base62 string, for ids that must not change between
/// runs (an account's profile id).
pub fn derived(prefix: &str, seed: &str) -> Id {
    let mut h = fnv(seed);
    let mut out = String::with_capacity(prefix.len() + 10);
    out.push_str(prefix);
    for _ in 0..10 {
        out.push(BASE62[(h % 62) as usize] as char);
        h /= 62;
        h = h.wrapping_mul(0x100000001b3) ^ 0x9e37;
    }
    SmolStr::new(out)
}

/// FNV-1a: stable across Rust versions and runs, unlike the std hasher.
pub fn fnv(seed: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in seed.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_have_the_shape() {
        let mut rng = rand::rng();
        let id = generate("cst_", &mut rng);
        assert_eq!(id.len(), 14);
        assert!(is_valid("cst_", &id));
        assert!(!is_valid("cst_", "cst_"));
        assert!(!is_valid("cst_", "tr_abc"));
        assert_eq!(derived("pfl_", "test_x"), derived("pfl_", "test_x"));
        assert_ne!(derived("pfl_", "test_x"), derived("pfl_", "test_y"));
    }
}
