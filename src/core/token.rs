//! The site's signing key, and comparing secrets without leaking, through timing, how much of a guess was right.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The key that signs forms, sessions and links and hashes addresses, with HMAC-SHA256's keyed state worked out
/// once: a signature then hashes only its message. (Keying costs two SHA-256 blocks, as much as a form token's
/// message: the edge keeps one key per isolate.) An empty key still signs, but [`SigningKey::is_empty`] tells
/// callers that nothing signed with it may be trusted.
#[derive(Clone)]
pub struct SigningKey {
    keyed: Hmac<Sha256>,
    empty: bool,
}

impl SigningKey {
    pub fn new(bytes: &[u8]) -> SigningKey {
        // HMAC accepts keys of any length, so this cannot fail.
        let keyed = Hmac::<Sha256>::new_from_slice(bytes).unwrap_or_else(|_| unreachable!());
        SigningKey { keyed, empty: bytes.is_empty() }
    }

    pub fn is_empty(&self) -> bool {
        self.empty
    }

    /// The HMAC-SHA256 of `message`, in hex.
    pub fn sign(&self, message: &str) -> String {
        let mut mac = self.keyed.clone();
        mac.update(message.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

impl Default for SigningKey {
    /// No key: see [`SigningKey::is_empty`].
    fn default() -> SigningKey {
        SigningKey::new(b"")
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.empty { "SigningKey(none)" } else { "SigningKey(…)" })
    }
}

/// Equal when `a == b`; takes the same time wherever the first difference is, and whatever the lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    // Hashing first makes both sides the same length, so the length of the secret does not leak either.
    let (ha, hb) = (Sha256::digest(a), Sha256::digest(b));
    ha.iter().zip(hb.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Checks an `Authorization` header against the admin token; an empty token never matches.
pub fn bearer_matches(header: Option<&str>, token: &str) -> bool {
    let Some(given) = header.and_then(|h| h.strip_prefix("Bearer ")) else {
        return false;
    };
    !token.is_empty() && constant_time_eq(given.trim().as_bytes(), token.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_key_signs_as_hmac_sha256_keyed_anew_each_time() {
        // RFC 4231, test case 2.
        let key = SigningKey::new(b"Jefe");
        let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assert_eq!(key.sign("what do ya want for nothing?"), expected);
        assert_eq!(key.sign("what do ya want for nothing?"), expected, "signing leaves the kept state as it was");
        assert!(!key.is_empty() && SigningKey::default().is_empty());
    }

    #[test]
    fn only_the_exact_token_matches() {
        assert!(bearer_matches(Some("Bearer s3cret"), "s3cret"));
        assert!(!bearer_matches(Some("Bearer s3cre"), "s3cret"));
        assert!(!bearer_matches(Some("Basic s3cret"), "s3cret"));
        assert!(!bearer_matches(None, "s3cret"));
        assert!(!bearer_matches(Some("Bearer "), ""), "an unset token must not open the door");
    }
}
