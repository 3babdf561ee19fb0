//! What each fuzz target checks, shared by the `cargo fuzz` targets (nightly) and the stable smoke run in
//! `tests/fuzz_smoke.rs`: no panic on any input, plus the properties noted per target.

use edge_blog::core::auth::{cookie, verify_link, Session};
use edge_blog::core::comment::{parse_urlencoded, CommentForm, NewComment};
use edge_blog::core::markdown::{render_comment, render_post};
use edge_blog::core::moderation::{check_form_token, form_token};
use edge_blog::core::post::Kind;
use edge_blog::core::{front_matter, sanitize};

const KEY: &[u8] = b"fuzz-signing-key-0123456789abcdef";

/// The front matter parser: any text gives a value or an error, never a panic.
pub fn front_matter(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = front_matter::parse(&text, Kind::Post, Some("fuzz"));
    let _ = front_matter::parse(&text, Kind::Page, None);
}

/// Markdown render plus sanitize: the output is already clean (sanitizing it again changes nothing) and a
/// comment's HTML never carries script, event handlers or `javascript:` links.
pub fn markdown(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let post = render_post(&text);
    assert_eq!(sanitize::post(&post.html), post.html, "post HTML is not stable under the sanitizer");
    let comment = render_comment(&text);
    assert_eq!(sanitize::comment(&comment), comment, "comment HTML is not stable under the sanitizer");
    // Text may say anything (escaped); only the tags themselves matter.
    for tag in comment.split('<').skip(1).map(|t| t.split('>').next().unwrap_or_default().to_ascii_lowercase()) {
        let name = tag.trim_start_matches('/').split([' ', '/']).next().unwrap_or_default();
        let allowed = ["p", "br", "em", "strong", "del", "a", "code", "pre", "blockquote", "ul", "ol", "li"];
        assert!(allowed.contains(&name), "comment HTML has a <{name}> tag: {comment}");
        let handler = tag.match_indices(" on").any(|(at, _)| {
            let rest = &tag[at + 3..];
            let letters = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_alphabetic()).len();
            letters > 0 && rest[letters..].starts_with('=')
        });
        assert!(!handler && !tag.contains("=\"javascript:") && !tag.contains(" style="), "comment tag <{tag}>");
    }
}

/// Comment form parsing and validation: never a panic; accepted fields respect the limits.
pub fn comment_form(data: &[u8]) {
    let Ok(pairs) = parse_urlencoded(data) else { return };
    let form = CommentForm::from_pairs(pairs);
    if let Ok(comment) = NewComment::parse(&form) {
        assert!(!comment.author.is_empty() && comment.author.chars().count() <= 100);
        assert!(!comment.body.is_empty() && comment.body.chars().count() <= 10_000);
        assert!(comment.url.as_deref().is_none_or(|u| u.starts_with("http://") || u.starts_with("https://")));
    }
}

/// Token and cookie verification: forged input is never accepted, and a genuine token still is.
pub fn tokens(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let now = 1_800_000_000;
    let _ = Session::verify(KEY, &text, now);
    let genuine_session = Session { expires: now + 60, id: "fuzz".into() }.cookie_value(KEY);
    assert!(Session::verify(KEY, &genuine_session, now).is_some());
    if let Some(session) = Session::verify(KEY, &text, now) {
        assert_eq!(session.cookie_value(KEY).rsplit('.').next(), text.rsplit('.').next(), "a session verified with a forged signature");
    }
    let _ = cookie(&text, "qh_session");
    let _ = verify_link(KEY, &text, now);
    let _ = check_form_token(KEY, "post", &text, now, 3, 86_400);
    let genuine = form_token(KEY, "post", now - 10);
    assert!(check_form_token(KEY, "post", &genuine, now, 3, 86_400).is_ok());
    if check_form_token(KEY, "post", &text, now, 3, 86_400).is_ok() {
        assert_eq!(text.rsplit('.').next(), genuine.rsplit('.').next(), "a forged form token was accepted: {text:?}");
    }
}
