//! Readers' comments: the form as typed, its validation, statuses, and threading for display.

use crate::core::named::{deserialize_by_name, Named};
use serde::Serialize;

pub const MAX_AUTHOR_CHARS: usize = 100;
pub const MAX_BODY_CHARS: usize = 10_000;
const MAX_EMAIL_CHARS: usize = 254;
const MAX_URL_CHARS: usize = 2_000;

/// Where a comment stands in moderation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CommentStatus {
    Pending,
    Approved,
    Spam,
    Trash,
}

impl CommentStatus {
    pub const ALL: [CommentStatus; 4] = [CommentStatus::Pending, CommentStatus::Approved, CommentStatus::Spam, CommentStatus::Trash];

    pub fn as_str(self) -> &'static str {
        match self {
            CommentStatus::Pending => "pending",
            CommentStatus::Approved => "approved",
            CommentStatus::Spam => "spam",
            CommentStatus::Trash => "trash",
        }
    }

    pub fn parse(s: &str) -> Option<CommentStatus> {
        CommentStatus::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl Named for CommentStatus {
    const ALL: &'static [Self] = &CommentStatus::ALL;
    fn as_str(self) -> &'static str {
        self.as_str()
    }
}
deserialize_by_name!(CommentStatus);

/// The comment form exactly as the reader sent it, kept so that a refused form comes back intact.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommentForm {
    pub author: String,
    pub email: String,
    pub url: String,
    pub body: String,
    pub parent: String,
    /// The signed time the form was shown (see `moderation::form_token`).
    pub issued: String,
    /// A field hidden from people; bots fill it in.
    pub honeypot: String,
}

/// The name of the honeypot field in the form.
pub const HONEYPOT_FIELD: &str = "website_confirm";

impl CommentForm {
    /// Reads the urlencoded fields; unknown fields are ignored.
    pub fn from_pairs<K: AsRef<str>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> CommentForm {
        let mut form = CommentForm::default();
        for (key, value) in pairs {
            let slot = match key.as_ref() {
                "author" => &mut form.author,
                "email" => &mut form.email,
                "url" => &mut form.url,
                "body" => &mut form.body,
                "parent" => &mut form.parent,
                "issued" => &mut form.issued,
                HONEYPOT_FIELD => &mut form.honeypot,
                _ => continue,
            };
            *slot = value.into();
        }
        form
    }
}

/// A form body that is not UTF-8 once percent-decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the form is not valid UTF-8")]
pub struct InvalidForm;

/// Decodes an `application/x-www-form-urlencoded` body strictly: unlike a lossy decoder, a name or value that is
/// not UTF-8 after percent-decoding is refused rather than silently changed. A `%` without two hex digits stays as typed.
pub fn parse_urlencoded(bytes: &[u8]) -> Result<Vec<(String, String)>, InvalidForm> {
    bytes
        .split(|b| *b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let mut parts = pair.splitn(2, |b| *b == b'=');
            let name = percent_decode(parts.next().unwrap_or_default())?;
            let value = percent_decode(parts.next().unwrap_or_default())?;
            Ok((name, value))
        })
        .collect()
}

fn percent_decode(raw: &[u8]) -> Result<String, InvalidForm> {
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let decoded = match (raw[i], raw.get(i + 1).copied().and_then(hex), raw.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(high), Some(low)) => {
                i += 2;
                (high * 16 + low) as u8
            }
            (b'+', ..) => b' ',
            (byte, ..) => byte,
        };
        out.push(decoded);
        i += 1;
    }
    String::from_utf8(out).map_err(|_| InvalidForm)
}

/// A comment whose fields passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComment {
    pub author: String,
    pub email: Option<String>,
    pub url: Option<String>,
    pub body: String,
    pub parent: Option<i64>,
}

/// A message for each field that needs fixing, in the reader's words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors {
    pub author: Option<String>,
    pub email: Option<String>,
    pub url: Option<String>,
    pub body: Option<String>,
    /// About the form as a whole (too fast, expired, closed, a missing parent…).
    pub form: Option<String>,
}

impl FieldErrors {
    pub fn is_empty(&self) -> bool {
        *self == FieldErrors::default()
    }

    pub fn general(message: impl Into<String>) -> FieldErrors {
        FieldErrors { form: Some(message.into()), ..FieldErrors::default() }
    }
}

impl NewComment {
    /// Validates every field and reports every problem at once.
    pub fn parse(form: &CommentForm) -> Result<NewComment, FieldErrors> {
        let mut errors = FieldErrors::default();
        let author = clean_line(&form.author);
        match author.chars().count() {
            0 => errors.author = Some("Please give a name to show with your comment (any name you like).".into()),
            n if n > MAX_AUTHOR_CHARS => errors.author = Some(format!("Please keep the name under {MAX_AUTHOR_CHARS} characters.")),
            _ => {}
        }
        let email = clean_line(&form.email);
        if !email.is_empty() && !looks_like_email(&email) {
            errors.email = Some("This does not look like an email address; leave it empty if you prefer.".into());
        }
        let url = clean_line(&form.url);
        if !url.is_empty() {
            if let Err(message) = check_url(&url) {
                errors.url = Some(message);
            }
        }
        let body = form.body.trim().replace("\r\n", "\n");
        match body.chars().count() {
            0 => errors.body = Some("Please write a comment.".into()),
            n if n > MAX_BODY_CHARS => {
                errors.body = Some(format!("Please keep the comment under {MAX_BODY_CHARS} characters (it has {n})."))
            }
            _ => {}
        }
        let parent = match form.parent.trim() {
            "" => None,
            p => match p.parse::<i64>() {
                Ok(id) if id > 0 => Some(id),
                _ => {
                    errors.form = Some("The comment you are replying to could not be found.".into());
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let none_if_empty = |s: String| (!s.is_empty()).then_some(s);
        Ok(NewComment { author, email: none_if_empty(email.to_lowercase()), url: none_if_empty(url), body, parent })
    }
}

/// One line of text: trimmed, control characters removed.
fn clean_line(s: &str) -> String {
    s.trim().chars().filter(|c| !c.is_control()).collect()
}

fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else { return false };
    s.len() <= MAX_EMAIL_CHARS
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c == '<' || c == '>' || c == '"')
}

fn check_url(url: &str) -> Result<(), String> {
    let lower = url.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
    let Some(rest) = rest else {
        return Err("A website address must start with https:// or http://".into());
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if url.len() > MAX_URL_CHARS || host.is_empty() || url.chars().any(|c| c.is_whitespace() || c == '"' || c == '<' || c == '>') {
        return Err("This website address is not valid.".into());
    }
    Ok(())
}

/// A stored comment as the blog shows it (never with its email).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    pub id: i64,
    pub post: String,
    pub parent: Option<i64>,
    pub author: String,
    pub url: Option<String>,
    pub body: String,
    pub body_html: String,
    pub status: CommentStatus,
    pub created_at: String,
}

/// A comment placed in its thread: `depth` from 0, `closes` = how many reply lists end after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Threaded<'a> {
    pub comment: &'a Comment,
    pub depth: usize,
    pub has_replies: bool,
    pub closes: usize,
}

/// Orders comments as a thread (depth-first, oldest first at each level), replies deeper than
/// `max_depth` shown at the deepest level. Comments whose parent is not shown are top-level.
pub fn thread(comments: &[Comment], max_depth: usize) -> Vec<Threaded<'_>> {
    let max_depth = max_depth.max(1);
    let ids: std::collections::HashSet<i64> = comments.iter().map(|c| c.id).collect();
    let mut children: std::collections::HashMap<Option<i64>, Vec<&Comment>> = std::collections::HashMap::new();
    for c in comments {
        let parent = c.parent.filter(|p| ids.contains(p) && *p != c.id);
        children.entry(parent).or_default().push(c);
    }
    for list in children.values_mut() {
        list.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
    }
    // Depth-first, flattening levels past max_depth into the last one.
    let mut out: Vec<(usize, &Comment)> = Vec::with_capacity(comments.len());
    let mut stack: Vec<(usize, &Comment)> = children.get(&None).map(|l| l.iter().rev().map(|c| (0, *c)).collect()).unwrap_or_default();
    let mut visited = std::collections::HashSet::new();
    while let Some((depth, c)) = stack.pop() {
        if !visited.insert(c.id) {
            continue;
        }
        out.push((depth, c));
        if let Some(kids) = children.get(&Some(c.id)) {
            let child_depth = (depth + 1).min(max_depth - 1);
            stack.extend(kids.iter().rev().map(|k| (child_depth, *k)));
        }
    }
    let mut threaded: Vec<Threaded<'_>> = Vec::with_capacity(out.len());
    for (i, (depth, c)) in out.iter().enumerate() {
        let next_depth = out.get(i + 1).map(|(d, _)| *d).unwrap_or(0);
        threaded.push(Threaded { comment: c, depth: *depth, has_replies: next_depth > *depth, closes: depth.saturating_sub(next_depth) });
    }
    threaded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlencoded_forms_decode_strictly() {
        let pairs = parse_urlencoded(b"author=Ada+L&body=caf%C3%A9%21&&empty&x=%zz").unwrap();
        let expected = [("author", "Ada L"), ("body", "café!"), ("empty", ""), ("x", "%zz")];
        assert_eq!(pairs, expected.map(|(k, v)| (k.to_string(), v.to_string())));
        assert_eq!(parse_urlencoded(b"body=%FF"), Err(InvalidForm));
        assert_eq!(parse_urlencoded(b"body=\xff"), Err(InvalidForm));
        assert_eq!(parse_urlencoded(b"author=%C0%AF"), Err(InvalidForm));
        assert_eq!(parse_urlencoded(b"a=%E2%82"), Err(InvalidForm));
    }

    fn form(author: &str, email: &str, url: &str, body: &str) -> CommentForm {
        CommentForm { author: author.into(), email: email.into(), url: url.into(), body: body.into(), ..CommentForm::default() }
    }

    #[test]
    fn a_good_form_parses_and_empty_optional_fields_are_none() {
        let c = NewComment::parse(&form("  Ann ", "", "", " Hello\r\nthere ")).unwrap();
        assert_eq!(c, NewComment { author: "Ann".into(), email: None, url: None, body: "Hello\nthere".into(), parent: None });
        let c = NewComment::parse(&form("Ann", "Ann@Example.org", "https://ann.example/blog", "Hi")).unwrap();
        assert_eq!((c.email.as_deref(), c.url.as_deref()), (Some("ann@example.org"), Some("https://ann.example/blog")));
    }

    #[test]
    fn every_bad_field_gets_its_own_message() {
        let e = NewComment::parse(&form("", "not-an-email", "javascript:alert(1)", "")).unwrap_err();
        assert!(e.author.is_some() && e.email.is_some() && e.url.is_some() && e.body.is_some(), "{e:?}");
        assert!(e.url.unwrap().contains("https://"));
    }

    #[test]
    fn limits_are_counted_in_characters() {
        assert!(NewComment::parse(&form(&"é".repeat(100), "", "", "x")).is_ok());
        assert!(NewComment::parse(&form(&"é".repeat(101), "", "", "x")).unwrap_err().author.is_some());
        assert!(NewComment::parse(&form("a", "", "", &"x".repeat(10_000))).is_ok());
        assert!(NewComment::parse(&form("a", "", "", &"x".repeat(10_001))).unwrap_err().body.unwrap().contains("10001"));
    }

    #[test]
    fn only_http_and_https_websites_are_accepted() {
        for bad in ["ftp://x.org", "data:text/html,x", "https://", "example.org", "https://a b.org", "JAVASCRIPT:alert(1)"] {
            assert!(NewComment::parse(&form("a", "", bad, "x")).unwrap_err().url.is_some(), "{bad}");
        }
        assert!(NewComment::parse(&form("a", "", "HTTP://Example.org/x?y#z", "x")).is_ok());
    }

    #[test]
    fn a_bad_parent_is_a_form_error() {
        let mut f = form("a", "", "", "x");
        f.parent = "12abc".into();
        assert!(NewComment::parse(&f).unwrap_err().form.is_some());
        f.parent = "12".into();
        assert_eq!(NewComment::parse(&f).unwrap().parent, Some(12));
    }

    #[test]
    fn form_fields_are_read_by_name() {
        let f = CommentForm::from_pairs([("author", "A"), ("body", "B"), (HONEYPOT_FIELD, "bot"), ("other", "x")]);
        assert_eq!((f.author.as_str(), f.body.as_str(), f.honeypot.as_str()), ("A", "B", "bot"));
    }

    fn c(id: i64, parent: Option<i64>, at: &str) -> Comment {
        Comment {
            id,
            post: "p".into(),
            parent,
            author: "a".into(),
            url: None,
            body: String::new(),
            body_html: String::new(),
            status: CommentStatus::Approved,
            created_at: at.into(),
        }
    }

    #[test]
    fn threads_depth_first_oldest_first_and_closes_every_list() {
        let comments = [c(1, None, "1"), c(2, Some(1), "2"), c(3, None, "3"), c(4, Some(2), "4"), c(5, Some(1), "5")];
        let t = thread(&comments, 5);
        let shape: Vec<_> = t.iter().map(|t| (t.comment.id, t.depth, t.has_replies, t.closes)).collect();
        assert_eq!(shape, [(1, 0, true, 0), (2, 1, true, 0), (4, 2, false, 1), (5, 1, false, 1), (3, 0, false, 0)]);
    }

    #[test]
    fn replies_past_the_depth_limit_stay_at_the_last_level_and_orphans_are_top_level() {
        let comments = [c(1, None, "1"), c(2, Some(1), "2"), c(3, Some(2), "3"), c(4, Some(99), "4")];
        let t = thread(&comments, 2);
        let shape: Vec<_> = t.iter().map(|t| (t.comment.id, t.depth)).collect();
        assert_eq!(shape, [(1, 0), (2, 1), (3, 1), (4, 0)]);
        let total_closes: usize = t.iter().map(|t| t.closes).sum();
        let opened = t.iter().filter(|t| t.has_replies).count();
        assert_eq!(total_closes, opened, "every opened reply list is closed");
    }
}
