//! Admin credentials without server state: signed session cookies, CSRF tokens bound to them, signed
//! one-click moderation links and the private feed key. Keys and time are passed in.

use crate::core::token::{constant_time_eq, SigningKey};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "blog_admin";
/// How long a sign-in lasts.
pub const SESSION_SECONDS: i64 = 12 * 60 * 60;
/// How long a one-click moderation link stays valid.
pub const LINK_SECONDS: i64 = 7 * 24 * 60 * 60;

/// A signed-in session: when it ends and a random id that binds CSRF tokens to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub expires: i64,
    pub id: String,
}

impl Session {
    /// The cookie value: `<expires>.<id>.<signature>`.
    pub fn cookie_value(&self, key: &SigningKey) -> String {
        let payload = format!("{}.{}", self.expires, self.id);
        format!("{payload}.{}", key.sign(&format!("session:{payload}")))
    }

    /// A valid, unexpired session from a cookie value; anything else (tampered, expired, malformed) is `None`.
    pub fn verify(key: &SigningKey, value: &str, now: i64) -> Option<Session> {
        let mut parts = value.splitn(3, '.');
        let (expires, id, signature) = (parts.next()?, parts.next()?, parts.next()?);
        let expected = key.sign(&format!("session:{expires}.{id}"));
        if key.is_empty() || !constant_time_eq(expected.as_bytes(), signature.as_bytes()) {
            return None;
        }
        let expires: i64 = expires.parse().ok()?;
        (expires > now && !id.is_empty()).then(|| Session { expires, id: id.to_string() })
    }

    /// The CSRF token every admin form of this session carries.
    pub fn csrf(&self, key: &SigningKey) -> String {
        key.sign(&format!("csrf:{}", self.id))
    }

    pub fn csrf_matches(&self, key: &SigningKey, given: &str) -> bool {
        constant_time_eq(self.csrf(key).as_bytes(), given.as_bytes())
    }
}

/// The `Set-Cookie` header that signs in; `secure` everywhere but local http.
pub fn session_cookie(value: &str, max_age: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={value}; Path=/admin; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}")
}

/// The `Set-Cookie` header that signs out.
pub fn clear_session_cookie(secure: bool) -> String {
    session_cookie("", 0, secure)
}

/// Finds a cookie in a `Cookie` header; malformed pairs are ignored.
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').filter_map(|pair| pair.trim().split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v)
}

/// A one-click moderation link's token: `<comment>.<action>.<expires>.<signature>`.
pub fn link_token(key: &SigningKey, comment: i64, action: &str, expires: i64) -> String {
    let payload = format!("{comment}.{action}.{expires}");
    format!("{payload}.{}", key.sign(&format!("link:{payload}")))
}

/// The comment and action a link token grants, if it is genuine and unexpired.
pub fn verify_link(key: &SigningKey, token: &str, now: i64) -> Option<(i64, String)> {
    let parts: Vec<&str> = token.split('.').collect();
    let [comment, action, expires, signature] = parts.as_slice() else {
        return None;
    };
    let expected = key.sign(&format!("link:{comment}.{action}.{expires}"));
    if key.is_empty() || !constant_time_eq(expected.as_bytes(), signature.as_bytes()) {
        return None;
    }
    let (comment, expires): (i64, i64) = (comment.parse().ok()?, expires.parse().ok()?);
    (expires > now).then(|| (comment, action.to_string()))
}

/// The secret key of the private pending-comments feed (`/admin/feed.xml?key=…`).
pub fn feed_key(key: &SigningKey) -> String {
    key.sign("pending-feed")[..32].to_string()
}

pub fn feed_key_matches(key: &SigningKey, given: &str) -> bool {
    !key.is_empty() && constant_time_eq(feed_key(key).as_bytes(), given.as_bytes())
}

/// Whether a browser's `Origin` header may submit admin forms: absent (older clients), or this site.
pub fn origin_allowed(origin: Option<&str>, site_url: &str, request_origin: &str) -> bool {
    match origin {
        None => true,
        Some(o) => o == site_url.trim_end_matches('/') || o == request_origin,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::LazyLock;

    static KEY: LazyLock<SigningKey> = LazyLock::new(|| SigningKey::new(b"key"));

    fn session() -> Session {
        Session { expires: 2_000, id: "abc123".into() }
    }

    #[test]
    fn a_session_cookie_verifies_until_it_expires() {
        let value = session().cookie_value(&KEY);
        assert_eq!(Session::verify(&KEY, &value, 1_999), Some(session()));
        assert_eq!(Session::verify(&KEY, &value, 2_000), None);
    }

    #[test]
    fn a_cookie_with_any_byte_flipped_is_refused() {
        let value = session().cookie_value(&KEY);
        for i in 0..value.len() {
            let mut bytes = value.clone().into_bytes();
            bytes[i] = if bytes[i] == b'0' { b'1' } else { b'0' };
            let tampered = String::from_utf8(bytes).unwrap();
            if tampered != value {
                assert_eq!(Session::verify(&KEY, &tampered, 1_000), None, "byte {i} flipped: {tampered}");
            }
        }
        assert_eq!(Session::verify(&SigningKey::new(b"other"), &value, 1_000), None);
        assert_eq!(Session::verify(&SigningKey::default(), &value, 1_000), None);
        for junk in ["", "...", "1.2", "x.y.z", "9999999999999999999999.a.b"] {
            assert_eq!(Session::verify(&KEY, junk, 1_000), None, "{junk}");
        }
    }

    #[test]
    fn csrf_tokens_are_bound_to_the_session() {
        let s = session();
        let token = s.csrf(&KEY);
        assert!(s.csrf_matches(&KEY, &token));
        assert!(!Session { id: "other".into(), ..s.clone() }.csrf_matches(&KEY, &token));
        assert!(!s.csrf_matches(&KEY, ""));
    }

    #[test]
    fn cookies_are_http_only_strict_and_secure_off_localhost() {
        let c = session_cookie("v", 60, true);
        assert_eq!(c, "blog_admin=v; Path=/admin; Max-Age=60; HttpOnly; SameSite=Strict; Secure");
        assert!(!session_cookie("v", 60, false).contains("Secure"));
        assert!(clear_session_cookie(false).contains("Max-Age=0"));
        assert_eq!(cookie("a=1; blog_admin=xyz; b", "blog_admin"), Some("xyz"));
        assert_eq!(cookie("garbage;;=", "blog_admin"), None);
    }

    #[test]
    fn moderation_links_carry_one_comment_and_action_until_expiry() {
        let token = link_token(&KEY, 42, "approve", 5_000);
        assert_eq!(verify_link(&KEY, &token, 4_999), Some((42, "approve".into())));
        assert_eq!(verify_link(&KEY, &token, 5_000), None);
        assert_eq!(verify_link(&KEY, &token.replace("approve", "trash"), 10), None);
        assert_eq!(verify_link(&KEY, &token.replace("42.", "43."), 10), None);
    }

    #[test]
    fn the_feed_key_is_stable_and_checked() {
        assert_eq!(feed_key(&KEY), feed_key(&KEY));
        assert!(feed_key_matches(&KEY, &feed_key(&KEY)));
        assert!(!feed_key_matches(&KEY, "nope"));
        assert!(!feed_key_matches(&SigningKey::default(), &feed_key(&SigningKey::default())));
    }

    #[test]
    fn origins_must_be_this_site_when_given() {
        assert!(origin_allowed(None, "https://b.example", "https://b.example"));
        assert!(origin_allowed(Some("https://b.example"), "https://b.example/", "http://127.0.0.1:8787"));
        assert!(origin_allowed(Some("http://127.0.0.1:8787"), "https://b.example", "http://127.0.0.1:8787"));
        assert!(!origin_allowed(Some("https://evil.example"), "https://b.example", "https://b.example"));
        assert!(!origin_allowed(Some("null"), "https://b.example", "https://b.example"));
    }
}
