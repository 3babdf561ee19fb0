//! WordPress eXtended RSS (WXR 1.1 and 1.2): parsing an export, planning its import, and writing one.

use crate::core::comment::CommentStatus;
use crate::core::date::{db_time, rfc2822, wp_time, Year};
use crate::core::front_matter::parse_date_text;
use crate::core::hash::short_hash;
use crate::core::html_to_markdown::convert;
use crate::core::markdown::{render_comment_for_export, render_for_export, MORE_MARKER};
use crate::core::post::{url_for, CommentsPolicy, Kind, Post};
use crate::core::slug::{slugify, Slug, RESERVED};
use crate::core::xml;
use chrono::{DateTime, Datelike, Utc};
use quick_xml::events::Event;
use quick_xml::Reader;
use std::collections::{HashMap, HashSet};

/// A file that is not a WXR export this importer understands, with the 1-based line of the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct WxrError {
    pub line: usize,
    pub message: String,
}

/// One `<wp:author>` of the channel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WpAuthor {
    pub login: String,
    pub display_name: String,
}

/// A `<category>` of an item: a category or a tag.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WpTerm {
    pub domain: String,
    pub name: String,
}

/// One `<wp:comment>`. The commenter's IP address is read past and never kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WpComment {
    pub line: usize,
    pub id: u64,
    pub author: String,
    pub email: String,
    pub url: String,
    pub date: Option<DateTime<Utc>>,
    pub content: String,
    pub approved: String,
    pub kind: String,
    pub parent: u64,
}

/// One `<item>`: a post, page, attachment or anything else WordPress exports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WpItem {
    pub line: usize,
    pub id: u64,
    pub post_type: String,
    pub title: String,
    pub link: String,
    pub creator: String,
    pub content: String,
    pub excerpt: String,
    pub date: Option<DateTime<Utc>>,
    pub modified: Option<DateTime<Utc>>,
    pub name: String,
    pub status: String,
    pub comment_status: String,
    pub sticky: bool,
    /// Set on password-protected posts, which are imported as drafts.
    pub password: String,
    pub terms: Vec<WpTerm>,
    pub comments: Vec<WpComment>,
}

/// A parsed export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WxrExport {
    pub version: String,
    pub title: String,
    pub link: String,
    pub authors: Vec<WpAuthor>,
    pub items: Vec<WpItem>,
}

fn line_at(xml: &str, offset: u64) -> usize {
    let offset = usize::try_from(offset).unwrap_or(usize::MAX).min(xml.len());
    xml.as_bytes()[..offset].iter().filter(|&&b| b == b'\n').count() + 1
}

/// Parses a whole export; any malformed XML or missing required element is an error naming its line.
pub fn parse(xml: &str) -> Result<WxrExport, WxrError> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut export = WxrExport::default();
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut item: Option<WpItem> = None;
    let mut comment: Option<WpComment> = None;
    let mut author: Option<WpAuthor> = None;
    let mut term_domain = String::new();
    let mut saw_rss = false;
    loop {
        let position = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| WxrError { line: line_at(xml, reader.error_position()), message: format!("the XML is malformed: {e}") })?;
        let err = |message: String| WxrError { line: line_at(xml, position), message };
        match event {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                match name.as_str() {
                    "rss" if path.is_empty() => saw_rss = true,
                    _ if path.is_empty() => return Err(err(format!("expected <rss> (a WordPress export), found <{name}>"))),
                    "item" => item = Some(WpItem { line: line_at(xml, position), ..WpItem::default() }),
                    "wp:comment" if item.is_some() => comment = Some(WpComment { line: line_at(xml, position), ..WpComment::default() }),
                    "wp:author" if item.is_none() => author = Some(WpAuthor::default()),
                    "category" => {
                        term_domain = e
                            .try_get_attribute("domain")
                            .ok()
                            .flatten()
                            .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
                            .unwrap_or_default();
                    }
                    _ => {}
                }
                path.push(name);
                text.clear();
            }
            Event::Empty(_) => {}
            Event::Text(t) => text.push_str(&t.xml_content().map_err(|e| err(format!("the text is not UTF-8: {e}")))?),
            Event::CData(t) => text.push_str(&t.decode().map_err(|e| err(format!("the text is not UTF-8: {e}")))?),
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|e| err(format!("the text is not UTF-8: {e}")))?;
                let c = match name.as_ref() {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    _ => r.resolve_char_ref().ok().flatten(),
                };
                match c {
                    Some(c) => text.push(c),
                    None => return Err(err(format!("unknown entity &{name}; (XML knows only amp, lt, gt, quot, apos and numbers)"))),
                }
            }
            Event::End(_) => {
                let name = path.pop().unwrap_or_default();
                let value = std::mem::take(&mut text);
                end_element(&name, value, &mut export, &mut item, &mut comment, &mut author, &term_domain).map_err(err)?;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let end = WxrError { line: line_at(xml, xml.len() as u64), message: String::new() };
    if !saw_rss {
        return Err(WxrError { message: "expected <rss> (a WordPress export), found no elements".into(), ..end });
    }
    match export.version.as_str() {
        "1.0" | "1.1" | "1.2" => Ok(export),
        "" => Err(WxrError { message: "expected <wp:wxr_version> in the channel; is this a WordPress export?".into(), ..end }),
        v => Err(WxrError { message: format!("WXR version {v} is not supported (expected 1.0, 1.1 or 1.2)"), ..end }),
    }
}

fn number(what: &str, value: &str) -> Result<u64, String> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(0);
    }
    v.parse().map_err(|_| format!("expected a number in <{what}>, found {v:?}"))
}

/// WordPress writes `YYYY-MM-DD HH:MM:SS`; an unset date is all zeros.
fn wp_date(what: &str, value: &str) -> Result<Option<DateTime<Utc>>, String> {
    let v = value.trim();
    if v.is_empty() || v.starts_with("0000-00-00") {
        return Ok(None);
    }
    parse_date_text(v).map(Some).ok_or_else(|| format!("expected a date such as 2024-05-01 10:00:00 in <{what}>, found {v:?}"))
}

fn end_element(
    name: &str,
    value: String,
    export: &mut WxrExport,
    item: &mut Option<WpItem>,
    comment: &mut Option<WpComment>,
    author: &mut Option<WpAuthor>,
    term_domain: &str,
) -> Result<(), String> {
    if let Some(c) = comment.as_mut() {
        match name {
            "wp:comment_id" => c.id = number(name, &value)?,
            "wp:comment_author" => c.author = value,
            "wp:comment_author_email" => c.email = value,
            "wp:comment_author_url" => c.url = value,
            "wp:comment_date_gmt" => c.date = wp_date(name, &value)?.or(c.date),
            "wp:comment_date" if c.date.is_none() => c.date = wp_date(name, &value)?,
            "wp:comment_content" => c.content = value,
            "wp:comment_approved" => c.approved = value.trim().to_string(),
            "wp:comment_type" => c.kind = value.trim().to_string(),
            "wp:comment_parent" => c.parent = number(name, &value)?,
            "wp:comment" => {
                if c.id == 0 {
                    return Err("expected <wp:comment_id> with a number in this comment".into());
                }
                if let (Some(done), Some(item)) = (comment.take(), item.as_mut()) {
                    item.comments.push(done);
                }
            }
            _ => {}
        }
        return Ok(());
    }
    if let Some(it) = item.as_mut() {
        match name {
            "title" => it.title = value,
            "link" => it.link = value,
            "dc:creator" => it.creator = value,
            "content:encoded" => it.content = value,
            "excerpt:encoded" => it.excerpt = value,
            "wp:post_id" => it.id = number(name, &value)?,
            "wp:post_date_gmt" => it.date = wp_date(name, &value)?.or(it.date),
            "wp:post_date" if it.date.is_none() => it.date = wp_date(name, &value)?,
            "wp:post_modified_gmt" => it.modified = wp_date(name, &value)?.or(it.modified),
            "wp:post_name" => it.name = value.trim().to_string(),
            "wp:status" => it.status = value.trim().to_string(),
            "wp:post_type" => it.post_type = value.trim().to_string(),
            "wp:comment_status" => it.comment_status = value.trim().to_string(),
            "wp:is_sticky" => it.sticky = value.trim() == "1",
            "wp:post_password" => it.password = value,
            "category" if !term_domain.is_empty() => it.terms.push(WpTerm { domain: term_domain.to_string(), name: value }),
            "item" => {
                if it.id == 0 {
                    return Err("expected <wp:post_id> with a number in this item".into());
                }
                if it.post_type.is_empty() {
                    return Err("expected <wp:post_type> in this item".into());
                }
                if let Some(done) = item.take() {
                    export.items.push(done);
                }
            }
            _ => {}
        }
        return Ok(());
    }
    if let Some(a) = author.as_mut() {
        match name {
            "wp:author_login" => a.login = value,
            "wp:author_display_name" => a.display_name = value,
            "wp:author" => export.authors.extend(author.take()),
            _ => {}
        }
        return Ok(());
    }
    match name {
        "wp:wxr_version" => export.version = value.trim().to_string(),
        "title" => export.title = value,
        "link" => export.link = value,
        _ => {}
    }
    Ok(())
}

/// What to bring along besides posts and approved or pending comments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    pub keep_emails: bool,
    pub with_pingbacks: bool,
}

/// A post or page file to write to `content/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedDoc {
    pub kind: Kind,
    pub slug: String,
    /// The whole Markdown file, front matter included.
    pub source: String,
}

/// A comment to store. `key` is stable across runs (and across an export and import), so importing twice
/// stores it once; `parent_key` names the comment it replies to. The admin API takes these as JSON.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportedComment {
    pub key: String,
    pub post: String,
    pub parent_key: Option<String>,
    pub author: String,
    pub email: Option<String>,
    pub url: Option<String>,
    pub body: String,
    pub status: CommentStatus,
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub created_at: String,
}

/// The longest imported comment accepted; WordPress allowed longer ones than this blog's form does.
pub const MAX_IMPORTED_BODY_CHARS: usize = 65_535;

impl ImportedComment {
    /// Checks what the admin API receives, since it did not necessarily come from [`plan`].
    pub fn validate(&self) -> Result<(), String> {
        let key_ok = |k: &str| k.len() <= 64 && k.starts_with("wxr:") && k[4..].bytes().all(|b| b.is_ascii_alphanumeric());
        if !key_ok(&self.key) || self.parent_key.as_deref().is_some_and(|k| !key_ok(k)) {
            return Err("`key` and `parent_key` must look like wxr:<hex>".into());
        }
        Slug::parse(&self.post).map_err(|e| format!("`post`: {e}"))?;
        let author = self.author.chars().count();
        if author == 0 || author > crate::core::comment::MAX_AUTHOR_CHARS || self.author.chars().any(char::is_control) {
            return Err("`author` must be 1 to 100 characters on one line".into());
        }
        let body = self.body.chars().count();
        if self.body.trim().is_empty() || body > MAX_IMPORTED_BODY_CHARS {
            return Err(format!("`body` must have 1 to {MAX_IMPORTED_BODY_CHARS} characters"));
        }
        if !matches!(self.status, CommentStatus::Approved | CommentStatus::Pending) {
            return Err("`status` must be approved or pending".into());
        }
        if parse_date_text(&self.created_at).is_none() || self.created_at.len() != 20 {
            return Err("`created_at` must be YYYY-MM-DDTHH:MM:SSZ".into());
        }
        if self.url.as_deref().is_some_and(|u| !(u.starts_with("http://") || u.starts_with("https://")) || u.len() > 2000) {
            return Err("`url` must be an http(s) address".into());
        }
        if self.email.as_deref().is_some_and(|e| !e.contains('@') || e.len() > 254) {
            return Err("`email` must be an address".into());
        }
        Ok(())
    }
}

/// An item left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub what: String,
    pub reason: String,
}

/// Everything an import will write, decided before anything is written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportPlan {
    pub docs: Vec<ImportedDoc>,
    pub comments: Vec<ImportedComment>,
    pub skipped: Vec<Skipped>,
    pub warnings: Vec<String>,
}

impl ImportPlan {
    pub fn count(&self, kind: Kind) -> usize {
        self.docs.iter().filter(|d| d.kind == kind).count()
    }
}

/// Turns a parsed export into files and comments: statuses mapped, HTML converted, old URLs kept as aliases.
pub fn plan(export: &WxrExport, options: ImportOptions) -> ImportPlan {
    let mut plan = ImportPlan::default();
    let authors: HashMap<&str, &str> =
        export.authors.iter().filter(|a| !a.display_name.trim().is_empty()).map(|a| (a.login.as_str(), a.display_name.trim())).collect();
    let mut used: HashSet<(Kind, String)> = HashSet::new();
    let page_slugs: HashSet<String> =
        export.items.iter().filter(|i| i.post_type == "page").map(|i| slugify(&percent_decode(&i.name))).collect();
    let mut aliases_taken: HashSet<String> = HashSet::new();
    for item in &export.items {
        let what = format!("{} {} {:?} (line {})", item.post_type, item.id, item.title, item.line);
        let kind = match item.post_type.as_str() {
            "post" => Kind::Post,
            "page" => Kind::Page,
            "attachment" => {
                plan.skipped
                    .push(Skipped { what, reason: "media files are not imported; copy wp-content/uploads to public/ yourself".into() });
                continue;
            }
            other => {
                plan.skipped.push(Skipped { what, reason: format!("items of type {other:?} have no place in this blog") });
                continue;
            }
        };
        let draft = match item.status.as_str() {
            "publish" | "future" => false,
            "draft" | "pending" | "private" => true,
            other => {
                plan.skipped.push(Skipped { what, reason: format!("its status {other:?} is not a post to keep") });
                continue;
            }
        };
        // A password-protected post was never public; this blog has no passwords, so it waits as a draft.
        let protected = !item.password.is_empty();
        if protected {
            plan.warnings.push(format!("{what}: was password-protected; imported as a draft"));
        }
        let draft = draft || protected;
        let Some(date) = item.date.or((kind == Kind::Page).then_some(DateTime::UNIX_EPOCH)) else {
            plan.skipped.push(Skipped { what, reason: "it has no date".into() });
            continue;
        };
        let slug = unique_slug(kind, item, &mut used, &mut plan.warnings);
        let (body, shortcode_warnings) = expand_shortcodes(&site_relative(&item.content, &export.link));
        plan.warnings.extend(shortcode_warnings.into_iter().map(|w| format!("{what}: {w}")));
        let body = convert(&body, true);
        let author = authors.get(item.creator.as_str()).copied().unwrap_or(item.creator.trim());
        let mut tags: Vec<String> = Vec::new();
        for term in item.terms.iter().filter(|t| t.domain == "category" || t.domain == "post_tag") {
            let name = term.name.trim();
            if !slugify(name).is_empty() && name != "Uncategorized" && !tags.iter().any(|t| slugify(t) == slugify(name)) {
                tags.push(name.to_string());
            }
        }
        let mut aliases = Vec::new();
        if !draft {
            for alias in old_urls(kind, item, date, &slug) {
                let clash = kind == Kind::Post && page_slugs.contains(alias.trim_matches('/'));
                if !clash && aliases_taken.insert(alias.clone()) {
                    aliases.push(alias);
                }
            }
        }
        let summary = convert(&item.excerpt, false).replace('\n', " ");
        let meta = FrontMatter {
            title: if item.title.trim().is_empty() { slug.clone() } else { item.title.trim().to_string() },
            date: (kind == Kind::Post).then_some(date),
            updated: item.modified.filter(|m| *m > date && kind == Kind::Post),
            slug: slug.clone(),
            tags,
            summary,
            draft,
            closed: item.comment_status == "closed",
            aliases,
            author: author.to_string(),
            sticky: item.sticky && kind == Kind::Post,
        };
        plan.docs.push(ImportedDoc { kind, slug: slug.clone(), source: meta.render(&body) });
        plan_comments(&mut plan, item, &slug, options);
    }
    plan
}

/// Links and images on the old site's own address become site-relative, so that old permalinks resolve
/// through the aliases and `wp-content/uploads` can be served from `public/`.
fn site_relative(html: &str, site: &str) -> String {
    let site = site.trim().trim_end_matches('/');
    if !(site.starts_with("http://") || site.starts_with("https://")) {
        return html.to_string();
    }
    let mut out = html.to_string();
    for quote in ['"', '\'', '('] {
        out = out.replace(&format!("{quote}{site}/"), &format!("{quote}/"));
    }
    out
}

fn unique_slug(kind: Kind, item: &WpItem, used: &mut HashSet<(Kind, String)>, warnings: &mut Vec<String>) -> String {
    let mut slug = slugify(&percent_decode(&item.name));
    if slug.is_empty() {
        slug = slugify(&item.title);
    }
    if slug.is_empty() {
        slug = format!("{}-{}", kind.as_str(), item.id);
    }
    slug.truncate(80);
    let slug = slug.trim_end_matches('-').to_string();
    let reserved = kind == Kind::Page && RESERVED.contains(&slug.as_str());
    let slug = if reserved || used.contains(&(kind, slug.clone())) || Slug::parse(&slug).is_err() {
        let other = format!("{slug}-{}", item.id);
        warnings.push(format!("{} {}: the slug {slug:?} is taken; using {other:?}", kind.as_str(), item.id));
        other
    } else {
        slug
    };
    used.insert((kind, slug.clone()));
    slug
}

/// The addresses WordPress served this item at: `?p=`, the date-based permalinks and `/<name>/`.
fn old_urls(kind: Kind, item: &WpItem, date: DateTime<Utc>, slug: &str) -> Vec<String> {
    let name = if item.name.is_empty() { slug.to_string() } else { item.name.to_ascii_lowercase() };
    let mut urls = match kind {
        Kind::Post => vec![
            format!("/?p={}", item.id),
            format!("/{}/{:02}/{:02}/{name}/", Year(date.year()), date.month(), date.day()),
            format!("/{}/{:02}/{name}/", Year(date.year()), date.month()),
            format!("/{name}/"),
        ],
        Kind::Page => vec![format!("/?page_id={}", item.id)],
    };
    if let Some(path) = crate::core::front_matter::normalize_alias(&item.link) {
        if path != "/" && !path.starts_with("/?") && !urls.contains(&path) {
            urls.push(path);
        }
    }
    let own = url_for(kind, &Slug::parse(slug).unwrap_or_else(|_| Slug::parse("x").unwrap_or_else(|_| unreachable!())));
    urls.retain(|u| *u != own && !u.contains(char::is_whitespace));
    urls
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn plan_comments(plan: &mut ImportPlan, item: &WpItem, slug: &str, options: ImportOptions) {
    // A kept comment's key by its WordPress id; a reply to a left-out comment joins that comment's parent.
    let by_id: HashMap<u64, &WpComment> = item.comments.iter().map(|c| (c.id, c)).collect();
    let mut keys: HashMap<u64, String> = HashMap::new();
    let mut kept: Vec<(&WpComment, String, String)> = Vec::new();
    for c in &item.comments {
        let what = format!("comment {} by {:?} on {slug} (line {})", c.id, c.author, c.line);
        let skip = |reason: &str| Skipped { what: what.clone(), reason: reason.to_string() };
        let pingback = matches!(c.kind.as_str(), "pingback" | "trackback");
        if pingback && !options.with_pingbacks {
            plan.skipped.push(skip(&format!("a {} (use --with-pingbacks to keep them)", c.kind)));
            continue;
        }
        match c.approved.as_str() {
            "1" | "0" => {}
            "spam" => {
                plan.skipped.push(skip("spam"));
                continue;
            }
            "trash" | "post-trashed" => {
                plan.skipped.push(skip("in the trash"));
                continue;
            }
            other => {
                plan.skipped.push(skip(&format!("unknown state {other:?}")));
                continue;
            }
        }
        let Some(date) = c.date else {
            plan.skipped.push(skip("it has no date"));
            continue;
        };
        let body = convert(&c.content, true);
        if body.trim().is_empty() {
            plan.skipped.push(skip("it is empty"));
            continue;
        }
        let created_at = db_time(date);
        let author: String = c.author.trim().chars().filter(|ch| !ch.is_control()).take(100).collect();
        let author = if author.is_empty() { "Anonymous".to_string() } else { author };
        let key = comment_key(slug, &author, &created_at, &body);
        keys.insert(c.id, key);
        kept.push((c, body, created_at));
    }
    for (c, body, created_at) in kept {
        let mut parent = c.parent;
        let mut hops = 0;
        while parent != 0 && !keys.contains_key(&parent) && hops < 100 {
            parent = by_id.get(&parent).map_or(0, |p| p.parent);
            hops += 1;
        }
        let author: String = c.author.trim().chars().filter(|ch| !ch.is_control()).take(100).collect();
        let url = c.url.trim();
        let email = c.email.trim().to_lowercase();
        plan.comments.push(ImportedComment {
            key: keys.get(&c.id).cloned().unwrap_or_default(),
            post: slug.to_string(),
            parent_key: keys.get(&parent).filter(|_| parent != c.id).cloned(),
            author: if author.is_empty() { "Anonymous".into() } else { author },
            email: (options.keep_emails && email.contains('@')).then_some(email),
            url: (url.starts_with("http://") || url.starts_with("https://")).then(|| url.to_string()),
            body,
            status: if c.approved == "1" { CommentStatus::Approved } else { CommentStatus::Pending },
            created_at,
        });
    }
    order_parents_first(&mut plan.comments);
}

/// The same comment (post, author, time and text) gets the same key wherever it came from.
fn comment_key(post: &str, author: &str, created_at: &str, body: &str) -> String {
    format!("wxr:{}", short_hash(format!("{post}\n{author}\n{created_at}\n{body}").as_bytes()))
}

/// Sorts so that every comment comes after the one it replies to (oldest first otherwise).
fn order_parents_first(comments: &mut Vec<ImportedComment>) {
    comments.sort_by(|a, b| a.created_at.cmp(&b.created_at));
    let mut placed: HashSet<String> = HashSet::new();
    let mut out = Vec::with_capacity(comments.len());
    let mut rest = std::mem::take(comments);
    while !rest.is_empty() {
        let before = rest.len();
        let (ready, waiting): (Vec<_>, Vec<_>) = rest.into_iter().partition(|c| {
            c.parent_key.as_ref().is_none_or(|p| placed.contains(p) || !out.iter().chain([c]).any(|o: &ImportedComment| &o.key == p))
        });
        for c in &ready {
            placed.insert(c.key.clone());
        }
        out.extend(ready);
        rest = waiting;
        if rest.len() == before {
            // A cycle: the rest become top-level rather than lost.
            out.extend(rest.drain(..).map(|c| ImportedComment { parent_key: None, ..c }));
        }
    }
    *comments = out;
}

/// Expands the shortcodes WordPress users meet most; others are dropped with a warning.
pub fn expand_shortcodes(content: &str) -> (String, Vec<String>) {
    const ENCLOSING: &[&str] = &["caption", "wp_caption", "embed", "code", "sourcecode"];
    const DROPPED: &[&str] = &["gallery", "audio", "video", "playlist", "contact-form-7", "contact-form"];
    let mut out = String::with_capacity(content.len());
    let mut warnings = Vec::new();
    let mut rest = content;
    while let Some(at) = rest.find('[') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let name_len = rest[1..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')).map_or(0, |n| n);
        let name = &rest[1..1 + name_len];
        let after_name = rest.as_bytes().get(1 + name_len).copied();
        let known = ENCLOSING.contains(&name) || DROPPED.contains(&name);
        let Some(close) = rest.find(']').filter(|_| known && matches!(after_name, Some(b' ' | b']' | b'/'))) else {
            out.push('[');
            rest = &rest[1..];
            continue;
        };
        let attrs = shortcode_attrs(&rest[1 + name_len..close]);
        let mut consumed = close + 1;
        let mut inner = "";
        if ENCLOSING.contains(&name) {
            let end_tag = format!("[/{name}]");
            if let Some(end) = rest[consumed..].find(&end_tag) {
                inner = &rest[consumed..consumed + end];
                consumed += end + end_tag.len();
            }
        }
        rest = &rest[consumed..];
        match name {
            "caption" | "wp_caption" => {
                let caption_attr = attrs.iter().find(|(k, _)| k == "caption").map(|(_, v)| v.as_str());
                // The image (perhaps inside a link) comes first, the caption text after it.
                let split = inner.rfind("/>").map(|i| i + 2).or_else(|| inner.rfind("</a>").map(|i| i + 4)).unwrap_or(0);
                let (media, text) = inner.split_at(split.max(inner.rfind("</a>").map_or(0, |i| i + 4)));
                let caption = caption_attr.unwrap_or(text).trim();
                out.push_str(&format!("\n\n{}\n\n", media.trim()));
                if !caption.is_empty() {
                    out.push_str(&format!("<em>{caption}</em>\n\n"));
                }
            }
            "embed" => {
                let url = inner.trim();
                out.push_str(&format!("<a href=\"{url}\">{url}</a>"));
            }
            "code" | "sourcecode" => {
                let lang = attrs.iter().find(|(k, _)| k == "lang" || k == "language").map(|(_, v)| v.clone()).unwrap_or_default();
                let class = if lang.is_empty() { String::new() } else { format!(" class=\"language-{lang}\"") };
                let escaped = inner.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
                out.push_str(&format!("\n\n<pre><code{class}>{escaped}</code></pre>\n\n"));
            }
            _ => warnings.push(format!("the [{name}] shortcode was dropped; add its content by hand")),
        }
    }
    out.push_str(rest);
    (out, warnings)
}

fn shortcode_attrs(s: &str) -> Vec<(String, String)> {
    let mut attrs = Vec::new();
    let mut rest = s.trim().trim_end_matches('/');
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq].trim().to_ascii_lowercase();
        let value_part = rest[eq + 1..].trim_start();
        let (value, after) = match value_part.chars().next() {
            Some(q @ ('"' | '\'')) => match value_part[1..].find(q) {
                Some(end) => (&value_part[1..1 + end], &value_part[end + 2..]),
                None => (&value_part[1..], ""),
            },
            _ => value_part.split_once(' ').unwrap_or((value_part, "")),
        };
        attrs.push((key, value.to_string()));
        rest = after;
    }
    attrs
}

/// Front matter as an import writes it.
struct FrontMatter {
    title: String,
    date: Option<DateTime<Utc>>,
    updated: Option<DateTime<Utc>>,
    slug: String,
    tags: Vec<String>,
    summary: String,
    draft: bool,
    closed: bool,
    aliases: Vec<String>,
    author: String,
    sticky: bool,
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn toml_list(items: &[String]) -> String {
    format!("[{}]", items.iter().map(|s| toml_string(s)).collect::<Vec<_>>().join(", "))
}

impl FrontMatter {
    fn render(&self, body: &str) -> String {
        let mut s = format!("+++\ntitle = {}\n", toml_string(&self.title));
        if let Some(d) = self.date {
            s.push_str(&format!("date = {}\n", toml_string(&db_time(d))));
        }
        if let Some(d) = self.updated {
            s.push_str(&format!("updated = {}\n", toml_string(&db_time(d))));
        }
        s.push_str(&format!("slug = {}\n", toml_string(&self.slug)));
        if !self.tags.is_empty() {
            s.push_str(&format!("tags = {}\n", toml_list(&self.tags)));
        }
        if !self.summary.trim().is_empty() {
            s.push_str(&format!("summary = {}\n", toml_string(self.summary.trim())));
        }
        if self.draft {
            s.push_str("draft = true\n");
        }
        if self.closed {
            s.push_str("comments = \"closed\"\n");
        }
        if !self.aliases.is_empty() {
            s.push_str(&format!("aliases = {}\n", toml_list(&self.aliases)));
        }
        if !self.author.trim().is_empty() {
            s.push_str(&format!("author = {}\n", toml_string(self.author.trim())));
        }
        if self.sticky {
            s.push_str("sticky = true\n");
        }
        s.push_str("+++\n\n");
        s.push_str(body.trim());
        s.push('\n');
        s
    }
}

/// The site an export describes.
#[derive(Debug, Clone)]
pub struct ExportSite {
    pub title: String,
    pub url: String,
    pub description: String,
    pub author: String,
}

/// A comment as exported (from storage).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportComment {
    pub id: i64,
    pub post: String,
    pub parent: Option<i64>,
    pub author: String,
    pub email: Option<String>,
    pub url: Option<String>,
    pub body: String,
    pub status: CommentStatus,
    pub created_at: String,
}

fn cdata(s: &str) -> String {
    let s: String = s.chars().filter(|&c| xml::allowed(c)).collect();
    format!("<![CDATA[{}]]>", s.replace("]]>", "]]]]><![CDATA[>"))
}

fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    xml::escape(&mut out, s);
    out
}

/// The WordPress id of a post: kept from its `/?p=` (or `/?page_id=`) alias, else none.
fn wp_id_of(post: &Post) -> Option<u64> {
    post.meta.aliases.iter().find_map(|a| a.strip_prefix("/?p=").or_else(|| a.strip_prefix("/?page_id=")).and_then(|n| n.parse().ok()))
}

/// The body as WordPress HTML: rendered Markdown, with `<!--more-->` where the excerpt ends.
fn body_html(body: &str) -> String {
    body.split(MORE_MARKER).map(|part| render_for_export(part).trim().to_string()).collect::<Vec<_>>().join("\n<!--more-->\n")
}

/// Writes a WXR 1.2 file of these posts, pages and comments; `now` decides which posts are still scheduled.
/// The comments an export carries: those on exported posts (pages have no comments here).
pub fn exported_comments<'a>(posts: &[Post], comments: &'a [ExportComment]) -> Vec<&'a ExportComment> {
    let slugs: HashSet<&str> = posts.iter().filter(|p| p.kind == Kind::Post).map(|p| p.meta.slug.as_str()).collect();
    comments.iter().filter(|c| slugs.contains(c.post.as_str())).collect()
}

pub fn write(site: &ExportSite, posts: &[Post], comments: &[ExportComment], now: DateTime<Utc>) -> String {
    let base = site.url.trim_end_matches('/');
    let comments = exported_comments(posts, comments);
    // WordPress keeps a parent id it did not import as it is, pointing at whatever comment has that id there:
    // a reply to a comment left out (spam, trash) becomes a top-level comment instead.
    let exported: HashSet<(&str, i64)> = comments.iter().map(|c| (c.post.as_str(), c.id)).collect();
    let mut next_id = posts.iter().filter_map(wp_id_of).max().unwrap_or(0).max(comments.iter().map(|c| c.id).max().unwrap_or(0) as u64);
    let mut authors: Vec<String> = posts.iter().map(|p| p.meta.author.clone().unwrap_or_else(|| site.author.clone())).collect();
    authors.sort();
    authors.dedup();
    let mut x = String::from(concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n",
        "<rss version=\"2.0\" xmlns:excerpt=\"http://wordpress.org/export/1.2/excerpt/\" ",
        "xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:wfw=\"http://wellformedweb.org/CommentAPI/\" ",
        "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:wp=\"http://wordpress.org/export/1.2/\">\n<channel>\n"
    ));
    x.push_str(&format!(
        "<title>{}</title>\n<link>{}</link>\n<description>{}</description>\n<language>en</language>\n<wp:wxr_version>1.2</wp:wxr_version>\n<wp:base_site_url>{}</wp:base_site_url>\n<wp:base_blog_url>{}</wp:base_blog_url>\n",
        escape_xml(&site.title),
        escape_xml(base),
        escape_xml(&site.description),
        escape_xml(base),
        escape_xml(base)
    ));
    for (i, a) in authors.iter().enumerate() {
        x.push_str(&format!(
            "<wp:author><wp:author_id>{}</wp:author_id><wp:author_login>{}</wp:author_login><wp:author_email></wp:author_email><wp:author_display_name>{}</wp:author_display_name></wp:author>\n",
            i + 1,
            cdata(a),
            cdata(a)
        ));
    }
    for post in posts {
        let id = wp_id_of(post).unwrap_or_else(|| {
            next_id += 1;
            next_id
        });
        // A page has no date here; WordPress needs one, and gives a new page the time it is made.
        let date = post.meta.date.unwrap_or(now);
        let status = if post.meta.draft {
            "draft"
        } else if date > now {
            "future"
        } else {
            "publish"
        };
        let excerpt = post.meta.summary.as_deref().map(render_for_export).unwrap_or_default();
        x.push_str("<item>\n");
        // CDATA as WordPress writes it: its fallback parser loses spaces around entities.
        x.push_str(&format!("<title>{}</title>\n", cdata(&post.meta.title)));
        x.push_str(&format!("<link>{}</link>\n", escape_xml(&format!("{base}{}", post.url()))));
        x.push_str(&format!("<pubDate>{}</pubDate>\n", rfc2822(date)));
        x.push_str(&format!("<dc:creator>{}</dc:creator>\n", cdata(post.meta.author.as_deref().unwrap_or(&site.author))));
        x.push_str(&format!("<guid isPermaLink=\"false\">{}</guid>\n", escape_xml(&format!("{base}/?p={id}"))));
        x.push_str("<description></description>\n");
        x.push_str(&format!("<content:encoded>{}</content:encoded>\n", cdata(&body_html(&post.body))));
        x.push_str(&format!("<excerpt:encoded>{}</excerpt:encoded>\n", cdata(&excerpt)));
        x.push_str(&format!("<wp:post_id>{id}</wp:post_id>\n"));
        x.push_str(&format!("<wp:post_date>{}</wp:post_date>\n", cdata(&wp_time(date))));
        x.push_str(&format!("<wp:post_date_gmt>{}</wp:post_date_gmt>\n", cdata(&wp_time(date))));
        let modified = post.meta.updated.unwrap_or(date);
        x.push_str(&format!("<wp:post_modified>{}</wp:post_modified>\n", cdata(&wp_time(modified))));
        x.push_str(&format!("<wp:post_modified_gmt>{}</wp:post_modified_gmt>\n", cdata(&wp_time(modified))));
        let open = if post.meta.comments == CommentsPolicy::Closed { "closed" } else { "open" };
        x.push_str(&format!("<wp:comment_status>{}</wp:comment_status>\n<wp:ping_status>closed</wp:ping_status>\n", cdata(open)));
        x.push_str(&format!("<wp:post_name>{}</wp:post_name>\n", cdata(post.meta.slug.as_str())));
        x.push_str(&format!(
            "<wp:status>{}</wp:status>\n<wp:post_parent>0</wp:post_parent>\n<wp:menu_order>0</wp:menu_order>\n",
            cdata(status)
        ));
        x.push_str(&format!(
            "<wp:post_type>{}</wp:post_type>\n<wp:post_password></wp:post_password>\n<wp:is_sticky>{}</wp:is_sticky>\n",
            cdata(post.kind.as_str()),
            u8::from(post.meta.sticky)
        ));
        for tag in &post.meta.tags {
            x.push_str(&format!("<category domain=\"post_tag\" nicename=\"{}\">{}</category>\n", escape_xml(&slugify(tag)), cdata(tag)));
        }
        for c in comments.iter().filter(|c| post.kind == Kind::Post && c.post == post.meta.slug.as_str()) {
            let parent = c.parent.filter(|p| exported.contains(&(c.post.as_str(), *p))).unwrap_or(0);
            let created = parse_date_text(&c.created_at).unwrap_or(DateTime::UNIX_EPOCH);
            x.push_str("<wp:comment>\n");
            x.push_str(&format!("<wp:comment_id>{}</wp:comment_id>\n", c.id));
            x.push_str(&format!("<wp:comment_author>{}</wp:comment_author>\n", cdata(&c.author)));
            x.push_str(&format!("<wp:comment_author_email>{}</wp:comment_author_email>\n", cdata(c.email.as_deref().unwrap_or_default())));
            x.push_str(&format!("<wp:comment_author_url>{}</wp:comment_author_url>\n", escape_xml(c.url.as_deref().unwrap_or_default())));
            x.push_str("<wp:comment_author_IP></wp:comment_author_IP>\n");
            x.push_str(&format!("<wp:comment_date>{}</wp:comment_date>\n", cdata(&wp_time(created))));
            x.push_str(&format!("<wp:comment_date_gmt>{}</wp:comment_date_gmt>\n", cdata(&wp_time(created))));
            x.push_str(&format!("<wp:comment_content>{}</wp:comment_content>\n", cdata(render_comment_for_export(&c.body).trim())));
            let approved = if c.status == CommentStatus::Approved { "1" } else { "0" };
            x.push_str(&format!("<wp:comment_approved>{}</wp:comment_approved>\n", cdata(approved)));
            x.push_str("<wp:comment_type>comment</wp:comment_type>\n");
            x.push_str(&format!("<wp:comment_parent>{parent}</wp:comment_parent>\n<wp:comment_user_id>0</wp:comment_user_id>\n"));
            x.push_str("</wp:comment>\n");
        }
        x.push_str("</item>\n");
    }
    x.push_str("</channel>\n</rss>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const SITE: &str = include_str!("../../tests/fixtures/wxr/site.xml");
    const OLD: &str = include_str!("../../tests/fixtures/wxr/wxr-1.1.xml");
    const MALFORMED: &str = include_str!("../../tests/fixtures/wxr/malformed.xml");

    fn doc<'a>(plan: &'a ImportPlan, slug: &str) -> &'a ImportedDoc {
        plan.docs.iter().find(|d| d.slug == slug).unwrap_or_else(|| panic!("no {slug} in {:#?}", plan.docs))
    }

    fn site_plan(options: ImportOptions) -> ImportPlan {
        plan(&parse(SITE).unwrap(), options)
    }

    #[test]
    fn parses_items_authors_terms_and_comments_but_no_addresses() {
        let export = parse(SITE).unwrap();
        assert_eq!(export.version, "1.2");
        assert_eq!(export.authors[0].display_name, "Inès Moreau");
        assert_eq!(export.items.len(), 8);
        let first = &export.items[0];
        assert_eq!((first.id, first.title.as_str(), first.sticky), (101, "Planting Tomatoes & Basil", true));
        assert_eq!(first.date, Some(Utc.with_ymd_and_hms(2019, 4, 12, 8, 30, 0).unwrap()));
        assert_eq!(first.terms.len(), 3);
        assert_eq!(first.comments.len(), 7);
        assert_eq!(first.comments[2].parent, 12);
        assert!(!format!("{export:?}").contains("203.0.113.9"), "IP addresses are never kept");
        assert_eq!(parse(OLD).unwrap().version, "1.1");
    }

    #[test]
    fn malformed_files_name_the_line_and_what_was_expected() {
        let e = parse(MALFORMED).unwrap_err();
        assert_eq!(e.line, 15, "{e}");
        assert!(e.to_string().contains("item"), "{e}");
        let e = parse("<rss><channel><title>x</title></channel></rss>").unwrap_err();
        assert!(e.message.contains("wp:wxr_version"), "{e}");
        let e = parse("<html></html>").unwrap_err();
        assert!(e.message.contains("expected <rss>"), "{e}");
        let e = parse("<rss><channel><wp:wxr_version>1.2</wp:wxr_version>\n<item><wp:post_id>x</wp:post_id></item></channel></rss>")
            .unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert!(e.message.contains("expected a number in <wp:post_id>"), "{e}");
    }

    #[test]
    fn posts_become_files_with_every_front_matter_key() {
        let p = site_plan(ImportOptions::default());
        assert_eq!((p.count(Kind::Post), p.count(Kind::Page)), (4, 2));
        let src = &doc(&p, "planting-tomatoes").source;
        let post = Post::parse(src, Kind::Post, None).unwrap();
        assert_eq!(post.meta.title, "Planting Tomatoes & Basil");
        assert_eq!(post.meta.date, Some(Utc.with_ymd_and_hms(2019, 4, 12, 8, 30, 0).unwrap()));
        assert_eq!(post.meta.updated, Some(Utc.with_ymd_and_hms(2019, 5, 1, 8, 0, 0).unwrap()));
        assert_eq!(post.meta.tags, vec!["Vegetables", "tomatoes", "Spring"]);
        assert_eq!(post.meta.summary.as_deref(), Some("Tomatoes first, basil after."));
        assert_eq!(post.meta.author.as_deref(), Some("Inès Moreau"));
        assert_eq!(
            post.meta.aliases,
            vec!["/?p=101", "/2019/04/12/planting-tomatoes/", "/2019/04/planting-tomatoes/", "/planting-tomatoes/"]
        );
        assert!(
            post.body
                .trim_start()
                .starts_with("Spring is here, and the **tomatoes** go in first.\\\nBasil follows a week later.\n\n<!-- more -->"),
            "{}",
            post.body
        );
        assert!(post.body.contains("- A [good compost](https://example.org/compost \"Compost guide\")"), "{}", post.body);
        assert!(
            post.body.contains("![Rows of seedlings](/wp-content/uploads/2019/04/rows.jpg)\n\n*Rows of seedlings in April*"),
            "{}",
            post.body
        );
        assert!(post.body.contains("> Plant deep, water often."), "{}", post.body);
        assert!(post.body.contains("```text\nrow 1: tomato\nrow 2: basil\n```"), "{}", post.body);
        assert!(post.body.contains("<table><tbody><tr><td>Week</td>"), "{}", post.body);
        assert!(!post.body.contains("gallery"), "{}", post.body);
        assert!(p.warnings.iter().any(|w| w.contains("[gallery]")), "{:?}", p.warnings);
        assert!(post.meta.sticky);
    }

    #[test]
    fn statuses_map_to_published_scheduled_and_draft() {
        let p = site_plan(ImportOptions::default());
        let winter = Post::parse(&doc(&p, "winter-garden").source, Kind::Post, None).unwrap();
        assert_eq!(winter.meta.comments, CommentsPolicy::Closed);
        assert!(winter.body.contains("日本の庭も同じです"));
        let scheduled = Post::parse(&doc(&p, "seed-swap").source, Kind::Post, None).unwrap();
        assert!(!scheduled.meta.draft && scheduled.meta.date.is_some_and(|d| d.year() == 2100));
        let draft = Post::parse(&doc(&p, "half-written-thoughts-on-slugs").source, Kind::Post, None).unwrap();
        assert!(draft.meta.draft && draft.meta.aliases.is_empty());
        assert_eq!(draft.meta.date, Some(Utc.with_ymd_and_hms(2021, 6, 1, 12, 0, 0).unwrap()));
        let about = Post::parse(&doc(&p, "about-the-garden").source, Kind::Page, None).unwrap();
        assert_eq!(about.meta.aliases, vec!["/?page_id=2"]);
        let reasons: Vec<&str> = p.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert!(reasons.iter().any(|r| r.contains("media files")), "{reasons:?}");
        assert!(reasons.iter().any(|r| r.contains("\"trash\"")), "{reasons:?}");
    }

    use chrono::Datelike;

    #[test]
    fn comments_keep_threads_and_states_and_drop_personal_data() {
        let p = site_plan(ImportOptions::default());
        let on_tomatoes: Vec<&ImportedComment> = p.comments.iter().filter(|c| c.post == "planting-tomatoes").collect();
        assert_eq!(on_tomatoes.len(), 4, "{on_tomatoes:#?}");
        let (a, b, c) = (on_tomatoes[0], on_tomatoes[1], on_tomatoes[2]);
        assert_eq!((a.author.as_str(), a.parent_key.as_ref()), ("Sam Reader", None));
        assert_eq!(b.parent_key.as_ref(), Some(&a.key));
        assert_eq!(c.parent_key.as_ref(), Some(&b.key), "three levels deep");
        assert_eq!(a.body, "Lovely rows! Which *variety* is this?");
        assert_eq!(a.url.as_deref(), Some("https://sam.example"));
        assert_eq!(a.created_at, "2019-04-13T09:00:00Z");
        assert_eq!(on_tomatoes[3].status, CommentStatus::Pending);
        assert!(p.comments.iter().all(|c| c.email.is_none()));
        let reasons: Vec<&str> = p.skipped.iter().filter(|s| s.what.starts_with("comment")).map(|s| s.reason.as_str()).collect();
        assert_eq!(reasons.len(), 3, "{reasons:?}");
        assert!(reasons.contains(&"spam") && reasons.contains(&"in the trash") && reasons.iter().any(|r| r.contains("pingback")));

        let kept = site_plan(ImportOptions { keep_emails: true, with_pingbacks: true });
        assert_eq!(kept.comments.iter().filter(|c| c.post == "planting-tomatoes").count(), 5);
        assert_eq!(kept.comments[0].email.as_deref(), Some("sam@reader.example"));
    }

    #[test]
    fn planned_comments_pass_the_checks_the_admin_api_makes() {
        let p = site_plan(ImportOptions { keep_emails: true, with_pingbacks: true });
        for c in &p.comments {
            assert_eq!(c.validate(), Ok(()), "{c:?}");
        }
        let bad = ImportedComment { status: CommentStatus::Spam, ..p.comments[0].clone() };
        assert!(bad.validate().is_err());
        let bad = ImportedComment { key: "1; DROP TABLE".into(), ..p.comments[0].clone() };
        assert!(bad.validate().is_err());
    }

    #[test]
    fn password_protected_posts_become_drafts() {
        let xml = "<rss><channel><wp:wxr_version>1.2</wp:wxr_version><item><title>Secret</title><wp:post_id>9</wp:post_id>\
                   <wp:post_date_gmt>2020-01-01 00:00:00</wp:post_date_gmt><wp:post_name>secret</wp:post_name>\
                   <wp:status>publish</wp:status><wp:post_type>post</wp:post_type><wp:post_password>hunter2</wp:post_password>\
                   </item></channel></rss>";
        let p = plan(&parse(xml).unwrap(), ImportOptions::default());
        let post = Post::parse(&doc(&p, "secret").source, Kind::Post, None).unwrap();
        assert!(post.meta.draft && post.meta.aliases.is_empty());
        assert!(p.warnings.iter().any(|w| w.contains("password")), "{:?}", p.warnings);
    }

    #[test]
    fn the_same_file_plans_the_same_keys() {
        assert_eq!(site_plan(ImportOptions::default()), site_plan(ImportOptions::default()));
    }

    #[test]
    fn shortcodes_become_markdown_or_warnings() {
        let (html, warnings) =
            expand_shortcodes("a [embed]https://v.example/1[/embed] [audio src=\"x.mp3\"] [sic] [code lang=\"js\"]a < b[/code]");
        assert!(html.contains("<a href=\"https://v.example/1\">"), "{html}");
        assert!(html.contains("[sic]"), "{html}");
        assert!(html.contains("<pre><code class=\"language-js\">a &lt; b</code></pre>"), "{html}");
        assert_eq!(warnings.len(), 1, "{warnings:?}");
    }

    #[test]
    fn export_then_import_gives_the_same_posts_and_comments() {
        let first = site_plan(ImportOptions { keep_emails: true, with_pingbacks: false });
        let posts: Vec<Post> = first.docs.iter().map(|d| Post::parse(&d.source, d.kind, None).unwrap()).collect();
        // Comments as storage would hand them back: ids, and parents by id.
        let ids: HashMap<&str, i64> = first.comments.iter().enumerate().map(|(i, c)| (c.key.as_str(), i as i64 + 1)).collect();
        let comments: Vec<ExportComment> = first
            .comments
            .iter()
            .map(|c| ExportComment {
                id: ids[c.key.as_str()],
                post: c.post.clone(),
                parent: c.parent_key.as_ref().map(|k| ids[k.as_str()]),
                author: c.author.clone(),
                email: c.email.clone(),
                url: c.url.clone(),
                body: c.body.clone(),
                status: c.status,
                created_at: c.created_at.clone(),
            })
            .collect();
        let site = ExportSite { title: "T & co".into(), url: "https://new.example".into(), description: "D".into(), author: "A".into() };
        let xml = write(&site, &posts, &comments, Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap());
        let again = plan(&parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}")), ImportOptions { keep_emails: true, with_pingbacks: false });
        for (a, b) in first.docs.iter().zip(&again.docs) {
            assert_eq!(a, b);
        }
        assert_eq!(first.docs.len(), again.docs.len());
        assert_eq!(first.comments, again.comments);
    }

    #[test]
    fn export_leaves_out_characters_xml_does_not_allow() {
        let post =
            Post::parse("+++\ntitle = \"Bell\"\ndate = 2024-05-01\n+++\nA bell\u{7} rings\u{1b}[0m.", Kind::Post, Some("bell")).unwrap();
        let site = ExportSite { title: "T\u{1}".into(), url: "https://new.example".into(), description: "D".into(), author: "A".into() };
        let xml = write(&site, &[post], &[], Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap());
        assert!(!xml.contains(['\u{1}', '\u{7}', '\u{1b}']), "{xml}");
        assert!(xml.contains("A bell rings[0m."), "{xml}");
        assert!(parse(&xml).is_ok(), "{xml}");
    }

    #[test]
    fn export_keeps_wordpress_from_misreading_left_out_parents_undated_pages_and_page_comments() {
        let post = Post::parse("+++\ntitle = \"Edge <cases> & co\"\ndate = 2024-05-01\n+++\nBody", Kind::Post, Some("edge")).unwrap();
        let page = Post::parse("+++\ntitle = \"About\"\n+++\nPage", Kind::Page, Some("about")).unwrap();
        let comment = |id: i64, post: &str, parent: Option<i64>| ExportComment {
            id,
            post: post.into(),
            parent,
            author: "R".into(),
            email: None,
            url: None,
            body: format!("comment {id}"),
            status: CommentStatus::Approved,
            created_at: "2024-05-02T00:00:00Z".into(),
        };
        // 2 replies to 1, which was spam and is not exported; 3 replies to 2; 4 is on the page.
        let comments = [comment(2, "edge", Some(1)), comment(3, "edge", Some(2)), comment(4, "about", None)];
        let posts = [post, page];
        assert_eq!(exported_comments(&posts, &comments).len(), 2);
        let site = ExportSite { title: "T".into(), url: "https://b.example".into(), description: "D".into(), author: "A".into() };
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 8, 0, 0).unwrap();
        let xml = write(&site, &posts, &comments, now);
        let parents: Vec<&str> = xml.split("<wp:comment_parent>").skip(1).map(|s| &s[..s.find('<').unwrap()]).collect();
        assert_eq!(parents, ["0", "2"], "{xml}");
        assert!(!xml.contains("comment 4"), "{xml}");
        assert!(!xml.contains("1970"), "{xml}");
        assert!(xml.contains("<wp:post_date><![CDATA[2026-11-26 08:00:00]]></wp:post_date>"), "{xml}");
        assert!(xml.contains("<title><![CDATA[Edge <cases> & co]]></title>"), "{xml}");
        let back = parse(&xml).unwrap();
        assert_eq!(back.items[0].title, "Edge <cases> & co");
    }
}
