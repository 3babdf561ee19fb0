//! Content hashes for versions and ETags.

use sha2::{Digest, Sha256};

/// The first 16 hex digits of the SHA-256 of `bytes`: short, stable across builds and platforms. For versions,
/// which are written once per publish and compared across isolates.
pub fn short_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    hex::encode(&digest[..8])
}

/// An ETag for a response body: 64-bit FNV-1a in 16 hex digits. It only has to tell one version of a page from
/// the next, and it runs on every page a reader opens: SHA-256 without CPU support (as in Wasm) costs about ten
/// times as much per byte, a third of rendering a post page.
pub fn etag(bytes: &[u8]) -> String {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3));
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn is_sixteen_hex_digits_and_stable() {
        assert_eq!(super::short_hash(b"abc"), "ba7816bf8f01cfea");
    }

    #[test]
    fn etag_is_fnv1a_and_tells_close_bodies_apart() {
        // The published FNV-1a 64 test vectors.
        assert_eq!(super::etag(b""), "cbf29ce484222325");
        assert_eq!(super::etag(b"a"), "af63dc4c8601ec8c");
        assert_ne!(super::etag(b"<p>1 comment</p>"), super::etag(b"<p>2 comment</p>"));
    }
}
