//! What each fuzz target checks, shared by the `cargo fuzz` targets (nightly) and the stable smoke run in
//! `tests/fuzz_smoke.rs`: no panic on any input, plus the properties noted per target.

use edge_blog::core::auth::{cookie, verify_link, Session};
use edge_blog::core::comment::{parse_urlencoded, CommentForm, NewComment};
use edge_blog::core::front_matter;
use edge_blog::core::markdown::{excerpt, render_comment, render_post};
use edge_blog::core::moderation::{check_form_token, form_token};
use edge_blog::core::post::Kind;
use edge_blog::core::sanitize::{self, Policy};
use edge_blog::core::token::SigningKey;
use edge_blog::core::toml_lite::{self, Value};
use std::sync::LazyLock;

static KEY: LazyLock<SigningKey> = LazyLock::new(|| SigningKey::new(b"fuzz-signing-key-0123456789abcdef"));

/// The front matter parser: any text gives a value or an error, never a panic. Its TOML reader agrees with the
/// `toml` crate: on text both accept, the same keys and values; it accepts nothing that crate refuses; and what it
/// refuses that the crate accepts holds a table (tables, inline tables and dotted keys are refused by design).
pub fn front_matter(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = front_matter::parse(&text, Kind::Post, Some("fuzz"));
    let _ = front_matter::parse(&text, Kind::Page, None);
    toml_agrees(&text);
}

pub fn toml_agrees(text: &str) {
    match (toml_lite::parse(text), text.parse::<toml::Table>()) {
        (Ok(entries), Ok(table)) => {
            assert_eq!(entries.len(), table.len(), "{text:?}");
            for entry in entries {
                let theirs = table.get(&entry.key).unwrap_or_else(|| panic!("{text:?}: key {:?} not in {table:?}", entry.key));
                assert!(
                    same_value(&entry.value, theirs),
                    "{text:?}: {:?} read as {:?}, the toml crate reads {theirs:?}",
                    entry.key,
                    entry.value
                );
            }
        }
        (Ok(entries), Err(e)) => panic!("{text:?}: accepted as {entries:?}, but the toml crate refuses it: {e}"),
        (Err(_), Ok(table)) => {
            assert!(table.values().any(holds_table), "{text:?}: refused, but the toml crate reads {table:?}")
        }
        (Err(_), Err(_)) => {}
    }
}

fn same_value(ours: &Value, theirs: &toml::Value) -> bool {
    match (ours, theirs) {
        (Value::String(a), toml::Value::String(b)) => a == b,
        (Value::Bool(a), toml::Value::Boolean(b)) => a == b,
        (Value::Number(_), toml::Value::Integer(_) | toml::Value::Float(_)) => true,
        (Value::Datetime(a), toml::Value::Datetime(b)) => canonical_time(a) == canonical_time(&b.to_string()),
        (Value::Array(a), toml::Value::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_value(x, y)),
        _ => false,
    }
}

/// Upper case, and a fraction of a second without trailing zeros (`.50` and `.5` are the same time).
fn canonical_time(text: &str) -> String {
    let text = text.to_ascii_uppercase();
    let Some(dot) = text.find('.') else { return text };
    let digits = text[dot + 1..].bytes().take_while(u8::is_ascii_digit).count();
    let fraction = text[dot + 1..dot + 1 + digits].trim_end_matches('0');
    let dot_and_fraction = if fraction.is_empty() { String::new() } else { format!(".{fraction}") };
    format!("{}{dot_and_fraction}{}", &text[..dot], &text[dot + 1 + digits..])
}

fn holds_table(value: &toml::Value) -> bool {
    match value {
        toml::Value::Table(_) => true,
        toml::Value::Array(items) => items.iter().any(holds_table),
        _ => false,
    }
}

/// Markdown render plus sanitize: a real HTML5 parser (html5ever, through ammonia) finds in the output only what
/// the policy allows. Ammonia built from the same policy must find nothing to remove, which is checked by
/// comparing its output with that of an ammonia that keeps everything (the two serialize alike).
pub fn markdown(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let post = render_post(&text);
    assert_within(&sanitize::POST, &post.html);
    assert_within(&sanitize::POST, &excerpt(&text).html);
    assert_within(&sanitize::COMMENT, &render_comment(&text));
}

pub fn assert_within(policy: &Policy, html: &str) {
    let strict = ammonia_for(policy).clean(html).to_string();
    let everything = keep_everything().clean(html).to_string();
    assert_eq!(strict, everything, "HTML with more than its policy allows:\n{html}");
}

fn ammonia_for(policy: &Policy) -> ammonia::Builder<'static> {
    let mut b = ammonia::Builder::empty();
    for (tag, attributes) in policy.tags {
        b.add_tags([*tag]).add_tag_attributes(*tag, attributes.iter().copied());
    }
    // Every link carries the policy's rel, but pulldown-cmark writes footnote links (`#note`) without one.
    b.add_tag_attributes("a", ["rel"])
        .add_generic_attributes(policy.generic.iter().copied())
        .link_rel(None)
        .url_schemes(sanitize::SCHEMES.iter().copied().collect())
        .url_relative(if policy.relative_urls { ammonia::UrlRelative::PassThrough } else { ammonia::UrlRelative::Deny })
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            ("input", "type") if value != "checkbox" => None,
            ("a", "rel") if !matches!(value, "noopener" | "nofollow ugc noopener") => None,
            _ => Some(value.into()),
        });
    b
}

fn keep_everything() -> ammonia::Builder<'static> {
    #[rustfmt::skip]
    const ELEMENTS: &[&str] = &[
        "a", "abbr", "address", "area", "article", "aside", "audio", "b", "base", "bdi", "bdo", "blockquote", "body",
        "br", "button", "canvas", "caption", "center", "cite", "code", "col", "colgroup", "data", "dd", "del",
        "details", "dfn", "dialog", "div", "dl", "dt", "em", "embed", "fieldset", "figcaption", "figure", "font",
        "footer", "form", "frame", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hgroup", "hr",
        "html", "i", "iframe", "img", "input", "ins", "kbd", "label", "legend", "li", "link", "main", "map", "mark",
        "marquee", "math", "meta", "nav", "noembed", "noframes", "noscript", "object", "ol", "optgroup", "option",
        "output", "p", "param", "picture", "plaintext", "pre", "progress", "q", "rp", "rt", "ruby", "s", "samp",
        "script", "section", "select", "slot", "small", "source", "span", "strike", "strong", "style", "sub",
        "summary", "sup", "svg", "table", "tbody", "td", "template", "textarea", "tfoot", "th", "thead", "time",
        "title", "tr", "track", "tt", "u", "ul", "var", "video", "wbr", "xmp",
    ];
    const LETTERS: [&str; 26] =
        ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z"];
    let mut b = ammonia::Builder::empty();
    b.add_tags(ELEMENTS.iter().copied())
        .add_generic_attribute_prefixes(LETTERS)
        .link_rel(None)
        .strip_comments(false)
        .clean_content_tags(Default::default())
        .url_schemes(["http", "https", "mailto", "javascript", "data", "vbscript", "file", "ftp"].into())
        .url_relative(ammonia::UrlRelative::PassThrough);
    b
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
    let _ = Session::verify(&KEY, &text, now);
    let genuine_session = Session { expires: now + 60, id: "fuzz".into() }.cookie_value(&KEY);
    assert!(Session::verify(&KEY, &genuine_session, now).is_some());
    if let Some(session) = Session::verify(&KEY, &text, now) {
        assert_eq!(session.cookie_value(&KEY).rsplit('.').next(), text.rsplit('.').next(), "a session verified with a forged signature");
    }
    let _ = cookie(&text, "qh_session");
    let _ = verify_link(&KEY, &text, now);
    let _ = check_form_token(&KEY, "post", &text, now, 3, 86_400);
    let genuine = form_token(&KEY, "post", now - 10, "fuzz");
    assert!(check_form_token(&KEY, "post", &genuine, now, 3, 86_400).is_ok());
    if check_form_token(&KEY, "post", &text, now, 3, 86_400).is_ok() {
        // `issued.signature.nonce`: the nonce is the reader's, not signed.
        assert_eq!(text.split('.').nth(1), genuine.split('.').nth(1), "a forged form token was accepted: {text:?}");
    }
}
