//! Content hashes for versions and ETags.

use sha2::{Digest, Sha256};

/// The first 16 hex digits of the SHA-256 of `bytes`: short, stable across builds and platforms.
pub fn short_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    hex::encode(&digest[..8])
}

#[cfg(test)]
mod tests {
    #[test]
    fn is_sixteen_hex_digits_and_stable() {
        assert_eq!(super::short_hash(b"abc"), "ba7816bf8f01cfea");
    }
}
