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

/// An id that names its object's place in the account's lists: the
/// creation second and the account's sequence number, mixed with the
/// account's secret into the 10 base62 characters a random id has (59 of
/// their 59.5 bits). Finding an object by such an id needs no index: a
/// table of a million ids cost two random memory writes per new object and
/// a random read per lookup, and some 60 bytes per object.
///
/// The mix is a bijection on 59 bits (xor, multiplications by odd numbers
/// and xor-shifts of at least half the width, each invertible), so two
/// places never share an id; it is not a cipher, only enough that ids look
/// as Mollie's do.
const PLACE_BITS: u32 = 59;
const PLACE_MASK: u64 = (1 << PLACE_BITS) - 1;
/// The sequence number's share; the creation second has the other 34
/// (until the year 2514).
const SEQ_BITS: u32 = 25;
const MIX_A: u64 = 0x5851_F42D_4C95_7F2D;
const MIX_B: u64 = 0x1405_7B7E_F767_814F;
const UNMIX_A: u64 = inverse(MIX_A);
const UNMIX_B: u64 = inverse(MIX_B);
/// A shift of at least half the width undoes itself.
const SHIFT: u32 = 30;

/// The multiplicative inverse of an odd number modulo 2^64 (so modulo any
/// smaller power of two too), by Newton's iteration: each step doubles the
/// bits that are right, from the 3 an odd number starts with.
const fn inverse(m: u64) -> u64 {
    let mut x = m;
    let mut i = 0;
    while i < 5 {
        x = x.wrapping_mul(2u64.wrapping_sub(m.wrapping_mul(x)));
        i += 1;
    }
    x
}

fn mix(mut v: u64, secret: u64) -> u64 {
    v ^= secret & PLACE_MASK;
    v = v.wrapping_mul(MIX_A) & PLACE_MASK;
    v ^= v >> SHIFT;
    v = v.wrapping_mul(MIX_B) & PLACE_MASK;
    v ^= v >> SHIFT;
    v = v.wrapping_mul(MIX_A) & PLACE_MASK;
    v ^ (secret.rotate_left(29) & PLACE_MASK)
}

fn unmix(mut v: u64, secret: u64) -> u64 {
    v ^= secret.rotate_left(29) & PLACE_MASK;
    v = v.wrapping_mul(UNMIX_A) & PLACE_MASK;
    v ^= v >> SHIFT;
    v = v.wrapping_mul(UNMIX_B) & PLACE_MASK;
    v ^= v >> SHIFT;
    v = v.wrapping_mul(UNMIX_A) & PLACE_MASK;
    v ^ (secret & PLACE_MASK)
}

const NOT_A_DIGIT: u8 = 0xff;
/// Each byte's base62 value: a table, as a `match` on the three ranges
/// cost a branch per character on every lookup by id.
const DIGIT: [u8; 256] = {
    let mut t = [NOT_A_DIGIT; 256];
    let mut i = 0;
    while i < BASE62.len() {
        t[BASE62[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// The id naming the place (`created_at`, `seq`), or `None` when the place
/// does not fit (a second before 1970 or after 2514, a sequence past 2^25):
/// such an object takes a random id, kept in an index.
pub fn placed(prefix: &str, created_at: i64, seq: u64, secret: u64) -> Option<Id> {
    let at = u64::try_from(created_at).ok()?;
    if at >> (PLACE_BITS - SEQ_BITS) != 0 || seq >> SEQ_BITS != 0 {
        return None;
    }
    let mut v = mix((at << SEQ_BITS) | seq, secret);
    let mut buf = [0u8; 32];
    let n = prefix.len();
    buf.get_mut(..n)?.copy_from_slice(prefix.as_bytes());
    for slot in buf.get_mut(n..n + 10)?.iter_mut().rev() {
        *slot = BASE62[(v % 62) as usize];
        v /= 62;
    }
    std::str::from_utf8(&buf[..n + 10]).ok().map(SmolStr::new)
}

/// The place an id names, if it is one [`placed`] could have made with
/// this secret: any prefix, an underscore, 10 base62 characters. Any such
/// id decodes to some place, so the caller checks what stands there.
pub fn place_of(id: &str, secret: u64) -> Option<(i64, u64)> {
    let b = id.as_bytes();
    let tail = b.len().checked_sub(10)?;
    if tail == 0 || b[tail - 1] != b'_' {
        return None;
    }
    let digits = |chars: &[u8]| {
        chars.iter().try_fold(0u64, |v, &c| {
            let d = DIGIT[usize::from(c)];
            (d != NOT_A_DIGIT).then(|| v * 62 + u64::from(d))
        })
    };
    // Two halves, so that the two chains of multiplications overlap.
    // 62^10 < 2^64: no overflow.
    let v = digits(&b[tail..tail + 5])? * 62u64.pow(5) + digits(&b[tail + 5..])?;
    if v > PLACE_MASK {
        return None;
    }
    let v = unmix(v, secret);
    Some(((v >> SEQ_BITS) as i64, v & ((1 << SEQ_BITS) - 1)))
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

    #[test]
    fn a_placed_id_names_its_place() {
        for secret in [0, 1, u64::MAX, 0x0123_4567_89ab_cdef] {
            for (at, seq) in [
                (0, 0),
                (1_700_000_000, 1),
                (1_700_000_000, 2),
                (17_179_869_183, (1 << 25) - 1),
            ] {
                let id = placed("tr_", at, seq, secret).expect("fits");
                assert_eq!(id.len(), 13, "{id}");
                assert!(is_valid("tr_", &id));
                assert_eq!(place_of(&id, secret), Some((at, seq)), "{id}");
            }
        }
        // Neighbouring places look unrelated, and the secret changes them.
        let a = placed("tr_", 1_700_000_000, 1, 7).expect("fits");
        let b = placed("tr_", 1_700_000_000, 2, 7).expect("fits");
        let c = placed("tr_", 1_700_000_000, 1, 8).expect("fits");
        let common = |x: &str, y: &str| x.bytes().zip(y.bytes()).filter(|(p, q)| p == q).count();
        assert!(common(&a, &b) < 6, "{a} {b}");
        assert!(common(&a, &c) < 6, "{a} {c}");
        // What does not fit gets no placed id.
        assert_eq!(placed("tr_", -1, 1, 0), None);
        assert_eq!(placed("tr_", 1 << 34, 1, 0), None);
        assert_eq!(placed("tr_", 0, 1 << 25, 0), None);
        // Not the shape: no place.
        assert_eq!(place_of("tr_abc", 0), None);
        assert_eq!(place_of("trabcdefghijk", 0), None);
        assert_eq!(place_of("tr_abcdefghi-", 0), None);
        assert_eq!(place_of("abcdefghij", 0), None);
        // Past 2^59: no place.
        assert_eq!(place_of("tr_zzzzzzzzzz", 0), None);
    }

    #[test]
    fn places_map_one_to_one() {
        let mut seen = std::collections::HashSet::new();
        for at in 1_700_000_000..1_700_000_040 {
            for seq in 0..500 {
                let id = placed("cst_", at, seq, 42).expect("fits");
                assert!(seen.insert(id));
            }
        }
        // Any id of the shape decodes, and back to itself.
        let mut rng = rand::rng();
        for _ in 0..1000 {
            let id = generate("cst_", &mut rng);
            if let Some((at, seq)) = place_of(&id, 9) {
                assert_eq!(placed("cst_", at, seq, 9), Some(id));
            }
        }
    }
}
