//! URL-safe identifiers for posts, pages and tags.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Words a page slug may not take, because a reader route already owns `/<word>/`.
pub const RESERVED: &[&str] = &[
    "admin",
    "archive",
    "assets",
    "comments.xml",
    "feed",
    "feed.xml",
    "page",
    "posts",
    "robots.txt",
    "rss.xml",
    "search",
    "sitemap.xml",
    "sitemaps",
    "static",
    "tags",
    "favicon.ico",
    "style.css",
];

/// A validated slug: 1–100 characters of `a-z`, `0-9` and single inner hyphens.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

/// Why a string is not a usable slug.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    #[error("the slug is empty")]
    Empty,
    #[error("the slug is longer than 100 characters")]
    TooLong,
    #[error("the slug `{0}` may only contain lowercase letters a-z, digits and single hyphens inside")]
    Invalid(String),
    #[error("the slug `{0}` is reserved for a built-in route; choose another")]
    Reserved(String),
}

impl Slug {
    /// Accepts a slug exactly as written; use [`slugify`] to make one from a title.
    pub fn parse(s: &str) -> Result<Slug, SlugError> {
        if s.is_empty() {
            return Err(SlugError::Empty);
        }
        if s.len() > 100 {
            return Err(SlugError::TooLong);
        }
        let ok_chars = s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !ok_chars || s.starts_with('-') || s.ends_with('-') || s.contains("--") {
            return Err(SlugError::Invalid(s.to_string()));
        }
        Ok(Slug(s.to_string()))
    }

    /// Like [`Slug::parse`], and also refuses words that top-level routes own.
    pub fn parse_page(s: &str) -> Result<Slug, SlugError> {
        let slug = Slug::parse(s)?;
        if RESERVED.contains(&s) {
            return Err(SlugError::Reserved(s.to_string()));
        }
        Ok(slug)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Slug {
    type Error = SlugError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Slug::parse(&s)
    }
}

impl From<Slug> for String {
    fn from(s: Slug) -> String {
        s.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Makes a slug from free text: lowercase ASCII, accents folded where common, other runs become one hyphen.
pub fn slugify(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    let mut pending_hyphen = false;
    let mut push = |b: u8| {
        if b.is_ascii_alphanumeric() {
            if pending_hyphen && !out.is_empty() {
                out.push(b'-');
            }
            pending_hyphen = false;
            out.push(b.to_ascii_lowercase());
        } else {
            pending_hyphen = true;
        }
    };
    for c in text.chars() {
        match fold_accent(c) {
            _ if c == '\'' || c == '’' => {}
            Some(folded) => folded.bytes().for_each(&mut push),
            // ASCII as it is; any other character separates words, as a space does.
            None => push(u8::try_from(c).unwrap_or(b' ')),
        }
    }
    out.truncate(100);
    while out.last() == Some(&b'-') {
        out.pop();
    }
    String::from_utf8(out).expect("a slug is ASCII")
}

/// The ASCII letters a common accented letter is written with in a slug.
fn fold_accent(c: char) -> Option<&'static str> {
    if c.is_ascii() {
        return None;
    }
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => "a",
        'æ' | 'Æ' => "ae",
        'ç' | 'Ç' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => "i",
        'ñ' | 'Ñ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => "o",
        'œ' | 'Œ' => "oe",
        'ß' => "ss",
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => "u",
        'ý' | 'ÿ' | 'Ý' => "y",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_lowercase_words_joined_by_hyphens() {
        assert_eq!(Slug::parse("hello-world-2").unwrap().as_str(), "hello-world-2");
    }

    #[test]
    fn refuses_uppercase_spaces_slashes_and_stray_hyphens() {
        for bad in ["Hello", "a b", "a/b", "-a", "a-", "a--b", "..", "é"] {
            assert!(Slug::parse(bad).is_err(), "{bad} should be refused");
        }
        assert_eq!(Slug::parse(""), Err(SlugError::Empty));
        assert_eq!(Slug::parse(&"a".repeat(101)), Err(SlugError::TooLong));
    }

    #[test]
    fn page_slugs_may_not_shadow_reader_routes() {
        assert_eq!(Slug::parse_page("tags"), Err(SlugError::Reserved("tags".into())));
        assert!(Slug::parse_page("about").is_ok());
        assert!(Slug::parse("tags").is_ok(), "a post may be called tags: it lives under /posts/");
    }

    #[test]
    fn slugify_makes_a_valid_slug_from_a_title() {
        assert_eq!(slugify("Hello, World!"), "hello-world");
        assert_eq!(slugify("Crème brûlée — a how-to"), "creme-brulee-a-how-to");
        assert_eq!(slugify("It's 2024"), "its-2024");
        assert!(Slug::parse(&slugify("  Spaces   everywhere  ")).is_ok());
    }
}
