//! The `+++` TOML block at the top of a post file, parsed into [`PostMeta`] with errors that name the line.

use crate::core::date;
use crate::core::post::{CommentsPolicy, Kind, PostMeta};
use crate::core::slug::{slugify, Slug};
use crate::core::toml_lite::{self, Entry, Value};
use chrono::{DateTime, Datelike, Utc};
use std::fmt;

/// A front matter problem, with the 1-based line of the file it was found on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontMatterError {
    pub line: usize,
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for FrontMatterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            Some(key) => write!(f, "line {}: `{}`: {}", self.line, key, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

impl std::error::Error for FrontMatterError {}

/// The keys a file may set; anything else is refused so that typos are caught.
const KEYS: &[&str] = &["title", "date", "updated", "slug", "tags", "summary", "draft", "comments", "aliases", "author", "sticky"];

/// The front matter as written, each value checked for its type.
#[derive(Default)]
struct RawMeta {
    title: Option<String>,
    date: Option<Value>,
    updated: Option<Value>,
    slug: Option<String>,
    tags: Vec<String>,
    summary: Option<String>,
    draft: bool,
    comments: Option<String>,
    aliases: Vec<String>,
    author: Option<String>,
    sticky: bool,
    /// The 1-based line of each key in the block, for errors found after reading.
    lines: Vec<(String, usize)>,
}

impl RawMeta {
    fn from_entries(entries: Vec<Entry>) -> Result<RawMeta, (Entry, String)> {
        let mut raw = RawMeta::default();
        for entry in entries {
            if let Err(message) = raw.set(&entry.key, &entry.value) {
                return Err((entry, message));
            }
            raw.lines.push((entry.key, entry.line));
        }
        Ok(raw)
    }

    fn set(&mut self, key: &str, value: &Value) -> Result<(), String> {
        let wrong = |expected: &str| format!("expected {expected}, found a {}", value.type_name());
        let string = || match value {
            Value::String(s) => Ok(Some(s.clone())),
            _ => Err(wrong("a string")),
        };
        let boolean = || match value {
            Value::Bool(b) => Ok(*b),
            _ => Err(wrong("true or false")),
        };
        let strings = || strings(value).ok_or_else(|| wrong("an array of strings"));
        match key {
            "title" => self.title = string()?,
            "date" => self.date = Some(value.clone()),
            "updated" => self.updated = Some(value.clone()),
            "slug" => self.slug = string()?,
            "summary" => self.summary = string()?,
            "comments" => self.comments = string()?,
            "author" => self.author = string()?,
            "draft" => self.draft = boolean()?,
            "sticky" => self.sticky = boolean()?,
            "tags" => self.tags = strings()?,
            "aliases" => self.aliases = strings()?,
            _ => return Err(format!("unknown key `{key}`; the keys are {}", KEYS.join(", "))),
        }
        Ok(())
    }
}

fn strings(value: &Value) -> Option<Vec<String>> {
    let Value::Array(items) = value else { return None };
    items.iter().map(|v| if let Value::String(s) = v { Some(s.clone()) } else { None }).collect()
}

/// Splits `source` into its metadata and Markdown body.
///
/// `file_slug` is the file name without `.md`, used when the front matter sets no `slug`.
pub fn parse(source: &str, kind: Kind, file_slug: Option<&str>) -> Result<(PostMeta, String), FrontMatterError> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let (toml_src, body) = split(source)?;
    // The TOML block starts on line 2, after the opening `+++`.
    let entries = toml_lite::parse(toml_src).map_err(|e| FrontMatterError { line: e.line + 1, key: None, message: e.message })?;
    let raw = RawMeta::from_entries(entries).map_err(|(entry, message)| FrontMatterError {
        line: entry.line + 1,
        key: Some(entry.key),
        message,
    })?;
    let err = |key: &str, message: String| FrontMatterError {
        line: raw.lines.iter().find(|(k, _)| k == key).map_or(1, |(_, line)| line + 1),
        key: Some(key.to_string()),
        message,
    };

    let title = raw.title.as_deref().unwrap_or_default().trim().to_string();
    if raw.title.is_none() {
        return Err(FrontMatterError { line: 1, key: Some("title".into()), message: "the front matter needs a `title`".into() });
    }
    if title.is_empty() {
        return Err(err("title", "the title is empty".into()));
    }
    let date = raw.date.as_ref().map(parse_date).transpose().map_err(|m| err("date", m))?;
    if kind == Kind::Post && date.is_none() {
        return Err(FrontMatterError {
            line: 1,
            key: Some("date".into()),
            message: "a post needs a `date` (RFC 3339 or YYYY-MM-DD)".into(),
        });
    }
    let updated = raw.updated.as_ref().map(parse_date).transpose().map_err(|m| err("updated", m))?;
    let slug_text = match (&raw.slug, file_slug) {
        (Some(s), _) => s.clone(),
        (None, Some(f)) => f.to_string(),
        (None, None) => slugify(&title),
    };
    let slug = match kind {
        Kind::Post => Slug::parse(&slug_text),
        Kind::Page => Slug::parse_page(&slug_text),
    }
    .map_err(|e| err("slug", e.to_string()))?;
    let comments = match raw.comments.as_deref() {
        None | Some("open") => CommentsPolicy::Open,
        Some("closed") => CommentsPolicy::Closed,
        Some(other) => return Err(err("comments", format!("must be \"open\" or \"closed\", not {other:?}"))),
    };
    let (mut tags, mut slugs) = (Vec::new(), Vec::new());
    for tag in raw.tags {
        let tag = tag.trim().to_string();
        let slug = slugify(&tag);
        if slug.is_empty() {
            return Err(err("tags", format!("the tag {tag:?} has no letters or digits")));
        }
        if !slugs.contains(&slug) {
            tags.push(tag);
            slugs.push(slug);
        }
    }
    let mut aliases = Vec::new();
    for alias in &raw.aliases {
        let path =
            normalize_alias(alias).ok_or_else(|| err("aliases", format!("{alias:?} must be a path on this site starting with `/`")))?;
        aliases.push(path);
    }
    let meta = PostMeta {
        title,
        date,
        updated,
        slug,
        tags,
        summary: raw.summary.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
        draft: raw.draft,
        comments,
        aliases,
        author: raw.author.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
        sticky: raw.sticky,
    };
    Ok((meta, body.to_string()))
}

fn split(source: &str) -> Result<(&str, &str), FrontMatterError> {
    let missing = |line| FrontMatterError {
        line,
        key: None,
        message: "the file must start with a `+++` line, then TOML front matter, then a closing `+++` line".into(),
    };
    let first_line_end = source.find('\n').ok_or_else(|| missing(1))?;
    if source[..first_line_end].trim_end() != "+++" {
        return Err(missing(1));
    }
    let rest = &source[first_line_end + 1..];
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "+++" {
            return Ok((&rest[..offset], &rest[offset + line.len()..]));
        }
        offset += line.len();
    }
    Err(FrontMatterError {
        line: source.matches('\n').count() + 1,
        key: None,
        message: "the front matter has no closing `+++` line".into(),
    })
}

/// Accepts a TOML datetime or a string: RFC 3339, `YYYY-MM-DDTHH:MM:SS` (taken as UTC) or `YYYY-MM-DD`.
fn parse_date(value: &Value) -> Result<DateTime<Utc>, String> {
    let text = match value {
        Value::String(s) | Value::Datetime(s) => s.clone(),
        other => return Err(format!("expected a date such as 2024-05-01 or 2024-05-01T09:30:00Z, found a {}", other.type_name())),
    };
    let date = parse_date_text(text.trim()).ok_or_else(|| format!("{text:?} is not a date; write 2024-05-01 or 2024-05-01T09:30:00Z"))?;
    // Feeds write RFC 2822 dates, which have four-digit years.
    if !(1..=9999).contains(&date.year()) {
        return Err(format!("{text:?} is outside the years 1 to 9999"));
    }
    Ok(date)
}

pub fn parse_date_text(text: &str) -> Option<DateTime<Utc>> {
    date::parse_rfc3339(text).or_else(|| date::parse_naive(text))
}

/// Old URLs are stored as absolute paths; `https://old.example/a/b/?x` keeps only `/a/b/`.
pub fn normalize_alias(alias: &str) -> Option<String> {
    let alias = alias.trim();
    let path = match alias.split_once("://") {
        Some((_, rest)) => &rest[rest.find('/')?..],
        None => alias,
    };
    let path = path.split('#').next()?;
    // WordPress links such as `/?p=12` need their query; other queries are dropped.
    let path = if path.starts_with("/?") { path } else { path.split('?').next()? };
    if !path.starts_with('/') || path.starts_with("//") || path.contains(char::is_whitespace) {
        return None;
    }
    Some(path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "+++\ntitle = \"Hello\"\ndate = 2024-05-01\ntags = [\"Rust\", \"rust\", \"Edge\"]\naliases = [\"https://old.example/2024/05/hello/\"]\n+++\nBody *here*.\n";

    #[test]
    fn parses_every_documented_key() {
        let src = "+++\ntitle = \"T\"\ndate = \"2024-05-01T10:00:00+02:00\"\nupdated = 2024-06-01\nslug = \"custom\"\ntags = [\"a\"]\nsummary = \"S\"\ndraft = true\ncomments = \"closed\"\naliases = [\"/old/\"]\nauthor = \"Ann\"\nsticky = true\n+++\nx";
        let (meta, body) = parse(src, Kind::Post, Some("file")).unwrap();
        assert_eq!(meta.slug.as_str(), "custom");
        assert_eq!(meta.date.unwrap().to_rfc3339(), "2024-05-01T08:00:00+00:00");
        assert_eq!(meta.updated.unwrap().to_rfc3339(), "2024-06-01T00:00:00+00:00");
        assert!(meta.draft);
        assert_eq!(meta.comments, CommentsPolicy::Closed);
        assert_eq!(meta.summary.as_deref(), Some("S"));
        assert_eq!(meta.author.as_deref(), Some("Ann"));
        assert!(meta.sticky);
        assert_eq!(body, "x");
    }

    #[test]
    fn slug_defaults_to_file_name_and_tags_are_deduplicated() {
        let (meta, body) = parse(GOOD, Kind::Post, Some("hello-file")).unwrap();
        assert_eq!(meta.slug.as_str(), "hello-file");
        assert_eq!(meta.tags, vec!["Rust", "Edge"]);
        assert_eq!(meta.aliases, vec!["/2024/05/hello/"]);
        assert_eq!(body, "Body *here*.\n");
    }

    #[test]
    fn toml_syntax_error_names_the_file_line() {
        let src = "+++\ntitle = \"T\"\ndate = 2024-05-01\ntags = [\"a\",\n+++\n";
        let e = parse(src, Kind::Post, None).unwrap_err();
        assert!(e.line >= 4, "{e}");
    }

    #[test]
    fn unknown_key_is_refused_with_its_line() {
        let src = "+++\ntitle = \"T\"\ndate = 2024-05-01\ntitel = \"x\"\n+++\n";
        let e = parse(src, Kind::Post, None).unwrap_err();
        assert_eq!(e.line, 4, "{e}");
        assert!(e.message.contains("titel"), "{e}");
    }

    #[test]
    fn bad_date_names_the_key_and_line() {
        let src = "+++\ntitle = \"T\"\n\ndate = \"yesterday\"\n+++\n";
        let e = parse(src, Kind::Post, None).unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (4, Some("date")));
        assert_eq!(e.to_string(), "line 4: `date`: \"yesterday\" is not a date; write 2024-05-01 or 2024-05-01T09:30:00Z");
        // Year 0 at +01:00 is year -1 in UTC, which no feed can write.
        let src = "+++\ntitle = \"T\"\ndate = 2024-05-01\nupdated = 0000-01-01T00:00:00+01:00\n+++\n";
        let e = parse(src, Kind::Post, None).unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (4, Some("updated")), "{e}");
        assert!(e.message.contains("outside the years 1 to 9999"), "{e}");
    }

    #[test]
    fn posts_need_a_date_and_pages_do_not() {
        let src = "+++\ntitle = \"About\"\n+++\nHi";
        assert_eq!(parse(src, Kind::Post, Some("about")).unwrap_err().key.as_deref(), Some("date"));
        assert!(parse(src, Kind::Page, Some("about")).is_ok());
    }

    #[test]
    fn missing_delimiters_are_explained() {
        assert_eq!(parse("title = 1", Kind::Post, None).unwrap_err().line, 1);
        let e = parse("+++\ntitle = \"x\"\n", Kind::Post, None).unwrap_err();
        assert!(e.message.contains("closing"), "{e}");
    }

    #[test]
    fn page_slug_that_shadows_a_route_is_refused() {
        let e = parse("+++\ntitle = \"Tags\"\n+++\n", Kind::Page, Some("tags")).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("slug"));
    }

    #[test]
    fn aliases_keep_only_the_path() {
        assert_eq!(normalize_alias("/a/b/"), Some("/a/b/".into()));
        assert_eq!(normalize_alias("http://x.org/a/?utm=1#top"), Some("/a/".into()));
        assert_eq!(normalize_alias("/?p=12"), Some("/?p=12".into()));
        assert_eq!(normalize_alias("relative"), None);
        assert_eq!(normalize_alias("//evil.example/"), None);
    }
}
