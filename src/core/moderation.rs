//! Moderation rules and the signed values that defend the comment form; time and keys are passed in.

use crate::core::comment::NewComment;
use crate::core::token::{constant_time_eq, SigningKey};
use sha2::{Digest, Sha256};

/// The rules in force, from settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// More links than this holds a comment for review.
    pub max_links: usize,
    /// Words that hold a comment for review (case-insensitive).
    pub hold_words: Vec<String>,
    /// Words that send a comment straight to spam.
    pub spam_words: Vec<String>,
    /// Approve at once a commenter whose earlier comment (same email) was approved.
    pub auto_approve_known: bool,
}

impl Default for Rules {
    fn default() -> Self {
        Rules { max_links: 2, hold_words: Vec::new(), spam_words: Vec::new(), auto_approve_known: false }
    }
}

/// Splits a settings list such as `"casino, free money"` into lowercase words or phrases.
pub fn word_list(setting: &str) -> Vec<String> {
    setting.split([',', '\n']).map(|w| w.trim().to_lowercase()).filter(|w| !w.is_empty()).collect()
}

/// What the rules decide for a new or edited comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Approve,
    /// No rule objects; the comment waits for review as every new comment does.
    Review,
    /// A rule objects: wait for the author, with the reason shown in the queue.
    Hold(String),
    Spam(String),
}

/// Applies the rules in order: spam words, hold words, links, then the known-commenter approval.
pub fn judge(rules: &Rules, comment: &NewComment, known_commenter: bool) -> Verdict {
    let text = format!("{} {} {}", comment.author, comment.url.as_deref().unwrap_or_default(), comment.body).to_lowercase();
    if let Some(word) = rules.spam_words.iter().find(|w| text.contains(w.as_str())) {
        return Verdict::Spam(format!("contains the spam word “{word}”"));
    }
    if let Some(word) = rules.hold_words.iter().find(|w| text.contains(w.as_str())) {
        return Verdict::Hold(format!("contains the word “{word}”"));
    }
    let links = count_links(&comment.body);
    if links > rules.max_links {
        return Verdict::Hold(format!("has {links} links (more than {})", rules.max_links));
    }
    if rules.auto_approve_known && known_commenter {
        return Verdict::Approve;
    }
    Verdict::Review
}

/// Counts web addresses in a comment body: bare `http(s)://` and `www.` words, and Markdown links.
pub fn count_links(body: &str) -> usize {
    let lower = body.to_lowercase();
    let urls = lower.matches("http://").count() + lower.matches("https://").count();
    let www = lower.split(|c: char| c.is_whitespace() || c == '(' || c == '<').filter(|w| w.starts_with("www.")).count();
    urls + www
}

/// The value of the form's hidden `issued` field: when it was shown, signed for this post, then `nonce` (random,
/// drawn for each page shown and stored nowhere). The nonce makes each shown form its own, so that the private link
/// derived from the token ([`manage_key`]) belongs to whoever was shown it. It is not signed: no one gains by choosing
/// one, and a short signed message keeps the post page's HMAC to one SHA-256 block.
pub fn form_token(key: &SigningKey, post: &str, issued_at: i64, nonce: &str) -> String {
    format!("{issued_at}.{}.{nonce}", key.sign(&format!("comment-form:{post}:{issued_at}")))
}

/// Why a form's `issued` token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormTimeError {
    Invalid,
    TooFast,
    Expired,
}

/// Accepts a token issued for `post` at least `min_seconds` and at most `max_age` seconds before `now`.
pub fn check_form_token(key: &SigningKey, post: &str, token: &str, now: i64, min_seconds: i64, max_age: i64) -> Result<(), FormTimeError> {
    // `issued.signature.nonce`; a form shown by the release before nonces has none.
    let (issued, rest) = token.split_once('.').ok_or(FormTimeError::Invalid)?;
    let signature = rest.split_once('.').map_or(rest, |(signature, _nonce)| signature);
    let issued_at: i64 = issued.parse().map_err(|_| FormTimeError::Invalid)?;
    let expected = key.sign(&format!("comment-form:{post}:{issued_at}"));
    if !constant_time_eq(expected.as_bytes(), signature.as_bytes()) {
        return Err(FormTimeError::Invalid);
    }
    let age = now - issued_at;
    if age < min_seconds {
        return Err(FormTimeError::TooFast);
    }
    if age > max_age {
        return Err(FormTimeError::Expired);
    }
    Ok(())
}

/// A rate-limit key for a client address: its HMAC under the day's random salt
/// ([`ContentStore::daily_salt`](crate::store::ContentStore::daily_salt)), which does not link a client's visits across
/// days. While the salt is kept, whoever can read it and the keys can test addresses against them (all of IPv4 in
/// minutes); once it is gone, no one, not even whoever holds the signing key, can. The raw address is never stored.
pub fn client_key(daily_salt: &str, client_address: &str) -> String {
    SigningKey::new(daily_salt.as_bytes()).sign(client_address)
}

/// A keyed hash of an email address, to recognise a returning commenter without comparing addresses.
pub fn email_hash(key: &SigningKey, email: &str) -> String {
    key.sign(&format!("email:{}", email.trim().to_lowercase()))
}

/// How a private manage key is stored: its SHA-256, so the database alone cannot be used to edit.
pub fn manage_hash(manage_key: &str) -> String {
    hex::encode(Sha256::digest(manage_key.as_bytes()))
}

/// The key of a comment's private link: derived from the form it was sent with (its token is checked first) and its
/// text, not drawn at random, so that the same form sent again (a double click, or the first answer lost) leads to the
/// stored comment's link. Only whoever was shown that form holds its token; the token's nonce is stored nowhere, so
/// the stored hash of the key says nothing about the reader.
///
/// A token without a nonce (a form shown by the release before nonces, whose token anyone shown the page that second
/// holds) takes `request_nonce`, this request's own: its key is then random, and not found again by a resend.
pub fn manage_key(key: &SigningKey, token: &str, body_hash: &str, request_nonce: &str) -> String {
    let nonce = token.splitn(3, '.').nth(2).filter(|n| !n.is_empty());
    let extra = if nonce.is_some() { "" } else { request_nonce };
    key.sign(&format!("manage:{token}{extra}:{body_hash}"))
}

/// Identifies a body for the duplicate check.
pub fn body_hash(post: &str, body: &str) -> String {
    hex::encode(Sha256::digest(format!("{post}\n{}", body.trim()).as_bytes()))
}

/// The key that signs forms and hashes addresses: `SIGNING_KEY`, or one derived from `ADMIN_TOKEN`.
pub fn signing_key(signing_key: Option<&str>, admin_token: Option<&str>) -> Option<SigningKey> {
    match (signing_key.filter(|k| !k.is_empty()), admin_token.filter(|t| !t.is_empty())) {
        (Some(k), _) => Some(SigningKey::new(k.as_bytes())),
        (None, Some(t)) => Some(SigningKey::new(&Sha256::digest(format!("edge-blog signing key\0{t}").as_bytes()))),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment(body: &str) -> NewComment {
        NewComment { author: "Ann".into(), email: None, url: None, body: body.into(), parent: None }
    }

    #[test]
    fn new_comments_wait_for_review_by_default() {
        assert_eq!(judge(&Rules::default(), &comment("Thank you."), false), Verdict::Review);
    }

    #[test]
    fn known_commenters_are_approved_only_when_the_setting_says_so() {
        let rules = Rules { auto_approve_known: true, ..Rules::default() };
        assert_eq!(judge(&rules, &comment("Hi again."), true), Verdict::Approve);
        assert_eq!(judge(&rules, &comment("Hi."), false), Verdict::Review);
        assert_eq!(judge(&Rules::default(), &comment("Hi."), true), Verdict::Review);
    }

    #[test]
    fn too_many_links_hold_even_a_known_commenter() {
        let rules = Rules { auto_approve_known: true, ..Rules::default() };
        let body = "see https://a.example and http://b.example and [c](https://c.example)";
        assert_eq!(count_links(body), 3);
        assert_eq!(judge(&rules, &comment(body), true), Verdict::Hold("has 3 links (more than 2)".into()));
        assert_eq!(count_links("www.example.org and (www.x.org)"), 2);
    }

    #[test]
    fn word_lists_hold_or_spam_case_insensitively() {
        let rules = Rules { spam_words: word_list("Casino, cheap pills"), hold_words: word_list("refund"), ..Rules::default() };
        assert!(matches!(judge(&rules, &comment("Best CASINO here"), false), Verdict::Spam(_)));
        assert!(matches!(judge(&rules, &comment("I want a Refund"), false), Verdict::Hold(r) if r.contains("refund")));
    }

    #[test]
    fn form_tokens_check_signature_post_and_age() {
        let key = &SigningKey::new(b"k");
        let token = form_token(key, "post", 1000, "n1");
        assert_eq!(check_form_token(key, "post", &token, 1003, 3, 86_400), Ok(()));
        assert_eq!(check_form_token(key, "post", &token, 1002, 3, 86_400), Err(FormTimeError::TooFast));
        assert_eq!(check_form_token(key, "post", &token, 1000 + 86_401, 3, 86_400), Err(FormTimeError::Expired));
        assert_eq!(check_form_token(key, "other", &token, 1003, 3, 86_400), Err(FormTimeError::Invalid));
        assert_eq!(check_form_token(&SigningKey::new(b"other key"), "post", &token, 1003, 3, 86_400), Err(FormTimeError::Invalid));
        let forged = token.replace("1000.", "900.");
        assert_eq!(check_form_token(key, "post", &forged, 1003, 3, 86_400), Err(FormTimeError::Invalid));
        assert_eq!(check_form_token(key, "post", "", 1003, 3, 86_400), Err(FormTimeError::Invalid));
        // The nonce only tells forms apart; a form of the release before nonces (`issued.signature`) is still good.
        assert_eq!(check_form_token(key, "post", &token.replace(".n1", ".n2"), 1003, 3, 86_400), Ok(()));
        assert_eq!(check_form_token(key, "post", token.strip_suffix(".n1").unwrap(), 1003, 3, 86_400), Ok(()));
        assert_ne!(manage_key(key, &token, "b", "r"), manage_key(key, &token.replace(".n1", ".n2"), "b", "r"));
        assert_eq!(manage_key(key, &token, "b", "r1"), manage_key(key, &token, "b", "r2"), "a token's own nonce decides");
        let old = token.strip_suffix(".n1").unwrap();
        assert_ne!(manage_key(key, old, "b", "r1"), manage_key(key, old, "b", "r2"), "a token without one takes the request's");
        assert_ne!(manage_key(key, &format!("{old}."), "b", "r1"), manage_key(key, &format!("{old}."), "b", "r2"));
    }

    #[test]
    fn client_keys_change_with_the_salt_and_never_contain_the_address() {
        let a = client_key("salt-of-one-day", "203.0.113.9");
        assert_ne!(a, client_key("salt-of-another-day", "203.0.113.9"));
        assert_ne!(a, client_key("salt-of-one-day", "203.0.113.10"));
        assert_eq!(a, SigningKey::new(b"salt-of-one-day").sign("203.0.113.9"));
        assert!(!a.contains("203"));
    }

    #[test]
    fn a_signing_key_needs_a_secret() {
        let sign = |key: Option<SigningKey>| key.map(|k| k.sign("m"));
        assert_eq!(sign(signing_key(Some("s"), Some("t"))), Some(SigningKey::new(b"s").sign("m")));
        let derived = Sha256::digest(b"edge-blog signing key\0t");
        assert_eq!(sign(signing_key(None, Some("t"))), Some(SigningKey::new(&derived).sign("m")));
        assert_eq!(sign(signing_key(Some(""), None)), None);
    }
}
