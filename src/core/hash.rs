//! Content hashes for versions and ETags.

use sha2::{Digest, Sha256};

/// The first 16 hex digits of the SHA-256 of `bytes`: short, stable across builds and platforms. For versions,
/// which are written once per publish and compared across isolates.
pub fn short_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    hex::encode(&digest[..8])
}

/// An ETag for a response body. See [`etag_of`].
pub fn etag(bytes: &[u8]) -> String {
    etag_of(&[bytes])
}

/// An ETag for a body made of `parts`, in 16 hex digits. It only has to tell one version of a page from the
/// next, and it runs on the first render of every page a reader opens, so it reads sixteen bytes a step with
/// one 64×64→128-bit multiply folded to 64 bits (as wyhash does), and mixes in each part's length: several
/// times faster than FNV-1a, which reads a byte a step, and far faster than SHA-256 without CPU support, as in
/// Wasm. Not for anything an adversary may want to collide.
pub fn etag_of(parts: &[&[u8]]) -> String {
    const SEED: u64 = 0x2d35_8dcc_aa6c_78a5;
    const SECRET: u64 = 0x8bb8_4b93_962e_acc9;
    let fold = |a: u64, b: u64| {
        let product = u128::from(a) * u128::from(b);
        product as u64 ^ (product >> 64) as u64
    };
    // The state is folded in linearly too, so that a block cannot zero what came before it (a block whose second
    // word equals the state leaves it as it was, which only a body made for the purpose does).
    let mix = |h: u64, a: u64, b: u64| fold(a ^ SECRET, b ^ h) ^ h;
    let word = |bytes: &[u8]| u64::from_le_bytes(bytes.try_into().expect("eight bytes"));
    let mut h = SEED;
    for part in parts {
        let mut blocks = part.chunks_exact(16);
        for block in &mut blocks {
            h = mix(h, word(&block[..8]), word(&block[8..]));
        }
        let mut tail = [0u8; 16];
        tail[..blocks.remainder().len()].copy_from_slice(blocks.remainder());
        h = mix(h, word(&tail[..8]), word(&tail[8..]));
        h = mix(h, part.len() as u64, SEED);
    }
    format!("{:016x}", fold(h ^ SECRET, h ^ SEED))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn is_sixteen_hex_digits_and_stable() {
        assert_eq!(short_hash(b"abc"), "ba7816bf8f01cfea");
        // Pinned: a reader's cached copy must still match after a redeploy of the same page.
        assert_eq!(etag(b""), "dc75c940be8b1cfb");
        assert_eq!(etag(b"<p>Hello</p>"), "dbd91cb40b48d31b");
    }

    #[test]
    fn etags_tell_close_bodies_apart() {
        let mut seen = HashSet::new();
        let base = b"<p>1 comment on the post, and a long enough body to span words</p>".to_vec();
        // Every single-bit change, anywhere in the body, and every shortening.
        for i in 0..base.len() * 8 {
            let mut changed = base.clone();
            changed[i / 8] ^= 1 << (i % 8);
            assert!(seen.insert(etag(&changed)), "bit {i}");
        }
        // Every pair of changed bits in the first two blocks: a difference one block leaves in the state must
        // not be cancelled by the next.
        for i in 0..256 {
            for j in i + 1..256 {
                let mut changed = base.clone();
                changed[i / 8] ^= 1 << (i % 8);
                changed[j / 8] ^= 1 << (j % 8);
                assert!(seen.insert(etag(&changed)), "bits {i} and {j}");
            }
        }
        for n in 0..base.len() {
            assert!(seen.insert(etag(&base[..n])), "length {n}");
        }
        assert!(seen.insert(etag(&[0u8; 8])), "zeros are not the empty body");
        // Where the parts split counts, not only their bytes in order.
        assert_ne!(etag_of(&[b"ab", b"c"]), etag_of(&[b"a", b"bc"]));
    }
}
