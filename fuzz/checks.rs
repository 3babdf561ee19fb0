//! What each fuzz target checks, shared by the `cargo fuzz` targets (nightly) and the stable smoke run in
//! `tests/fuzz_smoke.rs`: no panic on any input, plus the properties noted per target.

use edge_blog::core::auth::{cookie, verify_link, Session};
use edge_blog::core::comment::{parse_urlencoded, CommentForm, NewComment};
use edge_blog::core::front_matter;
use edge_blog::core::markdown::{render_comment, render_post};
use edge_blog::core::moderation::{check_form_token, form_token};
use edge_blog::core::post::Kind;
use edge_blog::core::sanitize::{self, Policy};

const KEY: &[u8] = b"fuzz-signing-key-0123456789abcdef";

/// The front matter parser: any text gives a value or an error, never a panic.
pub fn front_matter(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = front_matter::parse(&text, Kind::Post, Some("fuzz"));
    let _ = front_matter::parse(&text, Kind::Page, None);
}

/// Markdown render plus sanitize: a real HTML5 parser (html5ever, through ammonia) finds in the output only what
/// the policy allows. Ammonia built from the same policy must find nothing to remove, which is checked by
/// comparing its output with that of an ammonia that keeps everything (the two serialize alike).
pub fn markdown(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let post = render_post(&text);
    assert_within(&sanitize::POST, &post.html);
    assert_within(&sanitize::POST, &post.excerpt_html);
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
