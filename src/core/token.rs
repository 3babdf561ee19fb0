//! Comparing secrets without leaking, through timing, how much of a guess was right.

use sha2::{Digest, Sha256};

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
    fn only_the_exact_token_matches() {
        assert!(bearer_matches(Some("Bearer s3cret"), "s3cret"));
        assert!(!bearer_matches(Some("Bearer s3cre"), "s3cret"));
        assert!(!bearer_matches(Some("Basic s3cret"), "s3cret"));
        assert!(!bearer_matches(None, "s3cret"));
        assert!(!bearer_matches(Some("Bearer "), ""), "an unset token must not open the door");
    }
}
