//! Comment use cases: the section under a post, submitting, a commenter's own edits, feeds and moderation.

use super::{ready_doc, remember, App, AppError, ReadyDoc};
use crate::core::comment::{thread, Comment, CommentForm, CommentStatus, FieldErrors, NewComment};
use crate::core::date;
use crate::core::feed::{self, FeedEntry};
use crate::core::hash;
use crate::core::markdown::render_comment;
use crate::core::moderation::{self, check_form_token, form_token, judge, FormTimeError, Verdict};
use crate::core::post::{CommentsPolicy, Kind, PostMeta, Prepared};
use crate::core::slug::Slug;
use crate::core::views::{
    status_for_writer, CommentFormView, CommentList, CommentSection, CommentView, Layout, ManagePage, Notice, Page, PostPage,
};
use crate::core::wxr::ImportedComment;
use crate::store::{db_time, join3, Catalog, CommentPage, CommentRecord, CommentStore, ContentStore, ImportRecord, StoreError};
use askama::Template;
use chrono::Duration;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// A form older than this is refused, so a signed timestamp cannot be reused for ever.
const FORM_MAX_AGE_SECONDS: i64 = 24 * 60 * 60;
/// The same body on the same post within this time is stored once.
const DUPLICATE_WINDOW_SECONDS: i64 = 60;
const FEED_LENGTH: usize = 50;
/// Rendered comment threads kept per isolate.
const COMMENT_LIST_CACHE_SIZE: usize = 256;
/// Plain post pages kept per isolate (tens of KB each at most, as threads are paginated).
const POST_PAGE_CACHE_SIZE: usize = 64;

thread_local! {
    /// Rendered threads by post URL and store snapshot (see [`CommentPage::snapshot`]).
    static COMMENT_LISTS: RefCell<HashMap<String, Rc<str>>> = RefCell::new(HashMap::new());
    /// Plain post pages by what they are rendered from (see [`App::show_post`]).
    static POST_PAGES: RefCell<HashMap<String, Rc<KeptPage>>> = RefCell::new(HashMap::new());
}

/// What the post page was asked to show besides the post.
#[derive(Debug, Clone, Default)]
pub struct ShowOptions {
    /// `?replyto=<id>`: the form replies to this comment.
    pub reply_to: Option<i64>,
    /// `?comment=<key>`: the confirmation for the comment with this private key.
    pub manage_key: Option<String>,
    /// `?notice=duplicate`.
    pub duplicate: bool,
    /// `?cpage=<n>`: which page of comment threads (1 = the newest).
    pub page: usize,
}

/// A rendered post page and its ETag, which does not change with the form's token.
#[derive(Debug)]
pub struct PostOut {
    pub html: String,
    pub etag: String,
}

/// A plain post page as rendered, cut where its form token goes, so that serving it joins, not searches.
struct KeptPage {
    around_token: Vec<String>,
    etag: String,
}

/// Why a submission was not accepted; the edge picks the status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    Invalid,
    TooSoon,
    RateLimited,
    Closed,
    Unavailable,
}

/// The outcome of a submission.
#[derive(Debug)]
pub enum Submitted {
    /// Redirect the reader here (the post, with the confirmation); `held` names a comment that waits for review.
    Accepted { redirect: String, held: Option<i64> },
    /// Show this page: the post with the form filled in and a message per field.
    Rejected { why: Rejection, page: String },
}

/// What the moderator does to a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModerationAction {
    Approve,
    Unapprove,
    Spam,
    Trash,
    Restore,
}

impl ModerationAction {
    pub fn parse(s: &str) -> Option<ModerationAction> {
        Some(match s {
            "approve" => ModerationAction::Approve,
            "unapprove" => ModerationAction::Unapprove,
            "spam" => ModerationAction::Spam,
            "trash" => ModerationAction::Trash,
            "restore" => ModerationAction::Restore,
            _ => return None,
        })
    }

    fn status(self) -> CommentStatus {
        match self {
            ModerationAction::Approve => CommentStatus::Approved,
            ModerationAction::Unapprove | ModerationAction::Restore => CommentStatus::Pending,
            ModerationAction::Spam => CommentStatus::Spam,
            ModerationAction::Trash => CommentStatus::Trash,
        }
    }
}

/// What an import of comments did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ImportOutcome {
    pub imported: usize,
    /// Comments stored by an earlier import, left as they are.
    pub already: usize,
}

/// Why the form is not offered on a post, if it is not.
pub fn closed_reason(meta: &PostMeta, close_after_days: i64, now: chrono::DateTime<chrono::Utc>) -> Option<String> {
    if meta.comments == CommentsPolicy::Closed {
        return Some("Comments are closed on this post.".into());
    }
    let date = meta.date?;
    (close_after_days > 0 && now - date > Duration::days(close_after_days))
        .then(|| format!("Comments close {close_after_days} days after a post is published, so this conversation has ended."))
}

impl<C: ContentStore, D: Catalog + CommentStore> App<'_, C, D> {
    /// The post page, with its comment section.
    ///
    /// The plain page (no reply form, notice or manage link) is kept per isolate, keyed by everything it is
    /// rendered from, so that a request for it writes only a fresh form token into it.
    pub async fn show_post(&self, slug: &Slug, opts: &ShowOptions) -> Result<PostOut, AppError> {
        let page = opts.page.max(1);
        // At once: in a fresh isolate each is a round trip to a remote store (D1's primary may be far away), and none
        // needs another's answer. A post that is not shown has its comments read for nothing.
        let (doc, index, loaded) =
            join3(self.visible_doc(Kind::Post, slug), self.content.navigation(), self.comment_page(slug, page)).await;
        let (doc, index) = (doc?, index?);
        let plain = opts.reply_to.is_none() && opts.manage_key.is_none() && !opts.duplicate;
        let closed = closed_reason(&doc.page.meta, self.site.comments.close_after_days, self.now).is_some();
        let day = self.now.timestamp().div_euclid(86_400);
        // A page past the last has nothing of its own to keep.
        let pages = loaded.as_ref().map_or(1, |l| l.pages(self.site.comments.threads_per_page));
        // The navigation links the pages visible now: given the version, their number says which they are.
        let linked_pages = index.visible_pages(self.now).count();
        let key = loaded
            .as_ref()
            .ok()
            .and_then(|l| l.snapshot)
            .filter(|_| plain && page <= pages)
            .map(|snapshot| format!("{slug}:{}:{}:{linked_pages}:{snapshot}:{page}:{closed}:{day}", doc.version, index.version));
        if let Some(kept) = key.as_ref().and_then(|k| POST_PAGES.with(|m| m.borrow().get(k).cloned())) {
            let html = kept.around_token.join(&form_token(self.key, slug.as_str(), self.now.timestamp(), self.nonce));
            return Ok(PostOut { html, etag: kept.etag.clone() });
        }
        let mut post_page = PostPage::new(self.site, index.visible_pages(self.now), &doc.page);
        let mut section = self.comment_section(&doc.page, loaded, opts.reply_to, page).await;
        section.notice = self.notice(slug, opts).await;
        let token = section.form.as_ref().map(|f| f.issued.clone());
        post_page.comments = Some(section);
        let html = post_page.html()?;
        // The form's signed time changes every second; the page's identity should not. A cached copy
        // with an older token still works (older only passes the minimum-time check more easily), and
        // the day in the basis refreshes it before its token expires.
        let around_token: Vec<&str> = match &token {
            Some(token) => html.split(token.as_str()).collect(),
            None => vec![&html],
        };
        let day_text = day.to_string();
        let mut basis: Vec<&[u8]> = around_token.iter().map(|part| part.as_bytes()).collect();
        if token.is_some() {
            basis.push(day_text.as_bytes());
        }
        let etag = hash::etag_of(&basis);
        if let Some(key) = key {
            let around_token = around_token.into_iter().map(str::to_string).collect();
            remember(&POST_PAGES, key, Rc::new(KeptPage { around_token, etag: etag.clone() }), POST_PAGE_CACHE_SIZE);
        }
        Ok(PostOut { html, etag })
    }

    /// Page `page` (1-based) of the post's comment threads.
    async fn comment_page(&self, slug: &Slug, page: usize) -> Result<Rc<CommentPage>, StoreError> {
        let per_page = self.site.comments.threads_per_page;
        self.db.approved_page(slug.as_str(), per_page, (page - 1).saturating_mul(per_page)).await
    }

    async fn comment_section(
        &self,
        post: &Prepared,
        loaded: Result<Rc<CommentPage>, StoreError>,
        reply_to: Option<i64>,
        page: usize,
    ) -> CommentSection {
        let url = post.url();
        let mut section = CommentSection { feed_url: format!("{url}comments.xml"), ..CommentSection::default() };
        let per_page = self.site.comments.threads_per_page;
        let loaded = match loaded {
            Ok(c) => c,
            Err(_) => {
                section.unavailable = true;
                section.heading = "Comments".into();
                return section;
            }
        };
        section.closed = closed_reason(&post.meta, self.site.comments.close_after_days, self.now);
        section.heading = CommentSection::heading_for(loaded.total as usize, &post.meta.title);
        if loaded.total == 0 && section.closed.is_some() {
            // Nothing to read and nothing to follow: no "No comments yet", and no feed that will stay empty.
            section.heading = "Comments".into();
            section.feed_url.clear();
        }
        let pages = loaded.pages(per_page);
        // Page 1 holds the newest threads, so a newly approved comment is always on the first page.
        section.older = (page < pages).then(|| format!("{url}?cpage={}#comments", page + 1));
        section.newer =
            (page > 1).then(|| if page == 2 { format!("{url}#comments") } else { format!("{url}?cpage={}#comments", page - 1) });
        if section.closed.is_none() && !self.key.is_empty() && !self.nonce.is_empty() {
            let replying_to = match reply_to {
                Some(id) => match loaded.comments.iter().find(|c| c.id == id) {
                    Some(c) => Some((c.id, c.author.clone())),
                    None => self
                        .db
                        .comment(id)
                        .await
                        .ok()
                        .flatten()
                        .filter(|c| c.post == post.meta.slug.as_str() && c.status == CommentStatus::Approved)
                        .map(|c| (c.id, c.author)),
                },
                None => None,
            };
            let values =
                CommentForm { parent: replying_to.as_ref().map(|(id, _)| id.to_string()).unwrap_or_default(), ..CommentForm::default() };
            section.form = Some(self.form_view(post, values, FieldErrors::default(), replying_to));
        } else if section.closed.is_none() {
            section.closed = Some("Comments cannot be accepted just now.".into());
        }
        match self.comment_list(&loaded, &url, page, section.form.is_some()) {
            Ok(html) => section.list_html = html,
            Err(_) => section.unavailable = true,
        }
        section
    }

    /// The rendered thread of a page of comments, reused while the store hands back the same snapshot:
    /// a long thread costs its rendering once, not on every request.
    fn comment_list(&self, loaded: &CommentPage, url: &str, page: usize, reply_links: bool) -> Result<Rc<str>, askama::Error> {
        if loaded.comments.is_empty() {
            return Ok(Rc::from(""));
        }
        let key = loaded.snapshot.map(|s| format!("{url}:{page}:{s}:{reply_links}:{}", self.site.comments.max_depth));
        if let Some(hit) = key.as_ref().and_then(|k| COMMENT_LISTS.with(|m| m.borrow().get(k).cloned())) {
            return Ok(hit);
        }
        let items = thread(&loaded.comments, self.site.comments.max_depth).iter().map(|t| CommentView::new(t, url)).collect();
        let html: Rc<str> = Rc::from(CommentList { items, reply_links }.render()?);
        if let Some(key) = key {
            remember(&COMMENT_LISTS, key, html.clone(), COMMENT_LIST_CACHE_SIZE);
        }
        Ok(html)
    }

    fn form_view(&self, post: &Prepared, values: CommentForm, errors: FieldErrors, replying_to: Option<(i64, String)>) -> CommentFormView {
        let url = post.url();
        CommentFormView {
            // A rejected comment comes back on the post's page: the fragment takes the reader to the form, its
            // messages and their text, not to the top of the post.
            action: format!("{url}comments#comment-form"),
            issued: form_token(self.key, post.meta.slug.as_str(), self.now.timestamp(), self.nonce),
            values,
            errors,
            replying_to,
            cancel_url: format!("{url}#comment-form"),
        }
    }

    async fn notice(&self, slug: &Slug, opts: &ShowOptions) -> Option<Notice> {
        if opts.duplicate {
            return Some(Notice {
                success: true,
                message: "We already have this comment; it was not sent twice.".into(),
                manage_url: None,
                kept_text: None,
            });
        }
        let key = opts.manage_key.as_deref()?;
        let comment = self.db.by_manage_hash(&moderation::manage_hash(key)).await.ok()??;
        if comment.post != slug.as_str() {
            return None;
        }
        let message = match comment.status {
            CommentStatus::Approved => "Thank you — your comment is published.",
            _ => "Thank you — your comment is waiting for review and will appear once the author approves it.",
        };
        Some(Notice { success: true, message: message.into(), manage_url: Some(format!("/comments/{key}/")), kept_text: None })
    }

    /// Validates, defends against spam, applies the rules and stores a comment.
    ///
    /// `client` is the reader's address, used only to derive a daily-salted rate-limit key.
    ///
    /// When storage fails part-way, the reader gets the post back with their text in it, never a bare error page.
    pub async fn submit_comment(&self, slug: &Slug, form: CommentForm, client: &str) -> Result<Submitted, AppError> {
        match self.try_submit_comment(slug, form.clone(), client).await {
            Err(AppError::Store(_)) => {
                let doc = self.visible_doc(Kind::Post, slug).await?;
                let errors =
                    FieldErrors::general("Comments cannot be saved just now. Your text is kept here: please try again in a few minutes.");
                let page = self.rejected_page(&doc.page, form, errors, Rejection::Unavailable).await?;
                Ok(Submitted::Rejected { why: Rejection::Unavailable, page })
            }
            other => other,
        }
    }

    async fn try_submit_comment(&self, slug: &Slug, form: CommentForm, client: &str) -> Result<Submitted, AppError> {
        let doc = self.visible_doc(Kind::Post, slug).await?;
        let post = &doc.page;
        let settings = &self.site.comments;
        let reject = |why: Rejection, errors: FieldErrors, form: CommentForm| async move {
            let page = self.rejected_page(post, form, errors, why).await?;
            Ok::<Submitted, AppError>(Submitted::Rejected { why, page })
        };
        if closed_reason(&post.meta, settings.close_after_days, self.now).is_some() {
            return reject(Rejection::Closed, FieldErrors::default(), form).await;
        }
        // Without a key nothing is signed, and without a nonce a private link would not be the reader's own.
        if self.key.is_empty() || self.nonce.is_empty() {
            return reject(Rejection::Unavailable, FieldErrors::general("Comments cannot be accepted just now."), form).await;
        }
        let comment = match NewComment::parse(&form) {
            Ok(c) => c,
            Err(errors) => return reject(Rejection::Invalid, errors, form).await,
        };
        match check_form_token(self.key, slug.as_str(), &form.issued, self.now.timestamp(), settings.min_seconds, FORM_MAX_AGE_SECONDS) {
            Ok(()) => {}
            Err(FormTimeError::TooFast) => {
                let message = "That was quicker than a person can write. Please check your comment and send it again.";
                return reject(Rejection::TooSoon, FieldErrors::general(message), form).await;
            }
            Err(FormTimeError::Expired | FormTimeError::Invalid) => {
                let message = "This form has expired (it is valid for a day). Your text is still here: please send it again.";
                return reject(Rejection::Invalid, FieldErrors::general(message), form).await;
            }
        }
        if let Some(parent) = comment.parent {
            let ok = self.db.comment(parent).await?.is_some_and(|p| p.post == slug.as_str() && p.status == CommentStatus::Approved);
            if !ok {
                return reject(Rejection::Invalid, FieldErrors::general("The comment you are replying to could not be found."), form).await;
            }
        }
        let (rate_key, expires) = self.rate_key("comment", client, settings.rate_window_seconds.max(1)).await?;
        if self.db.hit(&rate_key, &expires).await? > settings.rate_limit {
            let message = "You have sent several comments in a short time. Please wait a few minutes, then send this one again.";
            return reject(Rejection::RateLimited, FieldErrors::general(message), form).await;
        }
        let body_hash = moderation::body_hash(slug.as_str(), &comment.body);
        let since = db_time(self.now - Duration::seconds(DUPLICATE_WINDOW_SECONDS));
        let manage_key = moderation::manage_key(self.key, &form.issued, &body_hash, self.nonce);
        let manage_hash = moderation::manage_hash(&manage_key);
        let link = format!("{}?comment={manage_key}#comment-notice", post.url());
        if let Some(own) = self.db.duplicate_of(slug.as_str(), &body_hash, &since, &manage_hash).await? {
            // Sent again: a double click, or the first answer lost. The same form finds the comment it stored, whenever
            // it is sent again, and its private link; another form's same words get no link.
            let redirect = if own { link } else { format!("{}?notice=duplicate#comment-notice", post.url()) };
            return Ok(Submitted::Accepted { redirect, held: None });
        }
        let email_hash = comment.email.as_deref().map(|e| moderation::email_hash(self.key, e));
        let known = match &email_hash {
            Some(h) if settings.rules.auto_approve_known => self.db.known_commenter(h).await?,
            _ => false,
        };
        let (status, held_reason) = if !form.honeypot.trim().is_empty() {
            (CommentStatus::Spam, Some("filled in the hidden field that only bots see".to_string()))
        } else {
            match judge(&settings.rules, &comment, known) {
                Verdict::Approve => (CommentStatus::Approved, None),
                Verdict::Review => (CommentStatus::Pending, None),
                Verdict::Hold(reason) => (CommentStatus::Pending, Some(reason)),
                Verdict::Spam(reason) => (CommentStatus::Spam, Some(reason)),
            }
        };
        let record = CommentRecord {
            post: slug.to_string(),
            parent: comment.parent,
            author: comment.author,
            email: comment.email,
            email_hash,
            url: comment.url,
            body_html: render_comment(&comment.body),
            body: comment.body,
            status,
            held_reason,
            created_at: db_time(self.now),
            manage_hash,
            body_hash,
        };
        // `None`: the same form, sent twice at once, was stored by the other request.
        let id = self.db.insert(&record).await?;
        let held = id.filter(|_| status == CommentStatus::Pending);
        Ok(Submitted::Accepted { redirect: link, held })
    }

    async fn rejected_page(&self, post: &Prepared, form: CommentForm, errors: FieldErrors, why: Rejection) -> Result<String, AppError> {
        let index = self.content.navigation().await?;
        let mut page = PostPage::new(self.site, index.visible_pages(self.now), post);
        let mut section = self.comment_section(post, self.comment_page(&post.meta.slug, 1).await, None, 1).await;
        if why == Rejection::Closed || section.form.is_none() {
            let message = section.closed.clone().unwrap_or_else(|| "Comments cannot be accepted just now.".into());
            section.notice = Some(Notice { success: false, message, manage_url: None, kept_text: Some(form.body.clone()) });
        } else {
            let replying_to = form.parent.parse::<i64>().ok().map(|id| (id, "the comment above".to_string()));
            section.form = Some(self.form_view(post, form, errors, replying_to));
        }
        page.comments = Some(section);
        Ok(page.html()?)
    }

    async fn own_comment(&self, manage_key: &str) -> Result<(Comment, Rc<ReadyDoc>), AppError> {
        let comment = self.db.by_manage_hash(&moderation::manage_hash(manage_key)).await?.ok_or(AppError::NotFound)?;
        let slug = Slug::parse(&comment.post).map_err(|_| AppError::NotFound)?;
        let stored = self.content.doc(Kind::Post, &slug).await?.ok_or(AppError::NotFound)?;
        Ok((comment, ready_doc(&stored, &slug)?))
    }

    fn manage_page(
        &self,
        manage_key: &str,
        post: &Prepared,
        comment: Option<&Comment>,
        typed: Option<&CommentForm>,
        error: Option<String>,
        notice: Option<String>,
    ) -> Result<String, AppError> {
        // The edit form shows what was typed when it comes back to be fixed, else the comment as stored.
        let (author, url, body) = match (typed, comment) {
            (Some(f), _) => (f.author.as_str(), f.url.as_str(), f.body.as_str()),
            (None, Some(c)) => (c.author.as_str(), c.url.as_deref().unwrap_or_default(), c.body.as_str()),
            (None, None) => ("", "", ""),
        };
        let action = format!("/comments/{manage_key}/");
        let mut layout = Layout::new(self.site, [], Some("Your comment"), None, &action);
        layout.noindex = true;
        let page = ManagePage {
            layout,
            post_title: post.meta.title.clone(),
            post_url: post.url(),
            comment: comment.map(|c| CommentView::of(c, &post.url(), false, 0)),
            status: comment.map(|c| status_for_writer(c.status)).unwrap_or_default().to_string(),
            author,
            url,
            body,
            error,
            notice,
            action,
        };
        Ok(page.html()?)
    }

    /// `GET /comments/<key>/`: the commenter's own comment, whatever its status.
    pub async fn manage_comment(&self, manage_key: &str) -> Result<String, AppError> {
        let (comment, post) = self.own_comment(manage_key).await?;
        self.manage_page(manage_key, &post.page, Some(&comment), None, None, None)
    }

    /// Saves the commenter's edit of their text, or of the name and website it is shown with (someone who gave their
    /// real name can take it out). An approved comment goes back to review only if a rule would hold it. `author` and
    /// `url` are `None` from a form without them (shown before they could be edited): the stored ones stay.
    pub async fn edit_own_comment(
        &self,
        manage_key: &str,
        author: Option<&str>,
        url: Option<&str>,
        body: &str,
    ) -> Result<Result<String, String>, AppError> {
        let (comment, post) = self.own_comment(manage_key).await?;
        let form = CommentForm {
            author: author.map_or_else(|| comment.author.clone(), str::to_string),
            url: url.map_or_else(|| comment.url.clone().unwrap_or_default(), str::to_string),
            body: body.to_string(),
            ..CommentForm::default()
        };
        let edited = match NewComment::parse(&form) {
            Ok(c) => c,
            Err(errors) => {
                let message = errors.author.or(errors.url).or(errors.body).unwrap_or_else(|| "This comment cannot be saved.".into());
                return Ok(Err(self.manage_page(manage_key, &post.page, Some(&comment), Some(&form), Some(message), None)?));
            }
        };
        // A new name or website is read before it is shown again: anyone holding the link could otherwise take the
        // author's name, or another reader's, or point an approved comment at a site of their own. Taking a website
        // out is not held.
        let new_identity = edited.author != comment.author || (edited.url.is_some() && edited.url != comment.url);
        let (status, held) = match judge(&self.site.comments.rules, &edited, false) {
            Verdict::Spam(reason) => (CommentStatus::Spam, Some(reason)),
            Verdict::Hold(reason) => (CommentStatus::Pending, Some(reason)),
            _ if new_identity && comment.status == CommentStatus::Approved => {
                (CommentStatus::Pending, Some("a new name or website".to_string()))
            }
            Verdict::Approve | Verdict::Review => (comment.status, None),
        };
        let html = render_comment(&edited.body);
        self.db.edit(comment.id, &edited, &html, status, held.as_deref(), &db_time(self.now)).await?;
        let saved = Comment { author: edited.author, url: edited.url, body: edited.body, body_html: html, status, ..comment };
        Ok(Ok(self.manage_page(manage_key, &post.page, Some(&saved), None, None, Some("Your changes are saved.".into()))?))
    }

    /// Deletes the commenter's comment for good.
    pub async fn delete_own_comment(&self, manage_key: &str) -> Result<String, AppError> {
        let (comment, post) = self.own_comment(manage_key).await?;
        self.db.delete(comment.id).await?;
        self.manage_page(
            manage_key,
            &post.page,
            None,
            None,
            None,
            Some("Your comment has been deleted, with everything stored with it.".into()),
        )
    }

    /// Atom feed of approved comments, of one post or the whole site.
    pub async fn comments_feed(&self, slug: Option<&Slug>) -> Result<String, AppError> {
        let (title, html_path, feed_path) = match slug {
            Some(slug) => {
                let post = &self.visible_doc(Kind::Post, slug).await?.page;
                (format!("Comments on “{}”", post.meta.title), post.url(), format!("{}comments.xml", post.url()))
            }
            None => (format!("Comments · {}", self.site.title), "/".to_string(), "/comments.xml".to_string()),
        };
        let comments = self.db.recent_approved(slug.map(Slug::as_str), FEED_LENGTH).await?;
        // Comments on posts that are not (or no longer) visible stay out of the feed. Each post is looked up once, as
        // its page is (and kept in the isolate as its page is): the work is that of the feed's 20 comments, whatever
        // the number of posts.
        let mut posts: HashMap<&str, Option<Rc<ReadyDoc>>> = HashMap::new();
        for c in &comments {
            if posts.contains_key(c.post.as_str()) {
                continue;
            }
            let doc = match Slug::parse(&c.post) {
                Ok(slug) => self.visible_doc(Kind::Post, &slug).await,
                Err(_) => Err(AppError::NotFound),
            };
            let doc = match doc {
                Ok(doc) => Some(doc),
                // A post that no longer parses is left out, as its page answers with an error of its own.
                Err(AppError::NotFound | AppError::CorruptDoc { .. }) => None,
                Err(e) => return Err(e),
            };
            posts.insert(&c.post, doc);
        }
        let entries: Vec<FeedEntry> = comments
            .iter()
            .filter_map(|c| {
                let post = &posts.get(c.post.as_str())?.as_ref()?.page;
                let at = date::parse_rfc3339(&c.created_at)?;
                Some(FeedEntry {
                    title: format!("{} on “{}”", c.author, post.meta.title),
                    url: self.site.absolute(&format!("{}#comment-{}", post.url(), c.id)),
                    published: at,
                    updated: at,
                    author: c.author.clone(),
                    content_html: c.body_html.clone(),
                    categories: Vec::new(),
                })
            })
            .collect();
        let meta = self.feed_meta(title, &html_path, &feed_path);
        Ok(feed::atom(&meta, &entries, self.now))
    }

    /// Stores comments brought from WordPress (`blog import-wxr --url`); every one is checked before any is
    /// stored. `manage_keys` holds a fresh random key per comment: only its hash is kept, so nobody holds a
    /// private link to an imported comment.
    pub async fn import_comments(&self, comments: &[ImportedComment], manage_keys: &[String]) -> Result<ImportOutcome, AppError> {
        if manage_keys.len() != comments.len() {
            return Err(AppError::BadRequest("one manage key is needed per comment".into()));
        }
        for (i, c) in comments.iter().enumerate() {
            c.validate().map_err(|e| AppError::BadRequest(format!("comment {} ({}): {e}", i + 1, c.key)))?;
        }
        let records: Vec<ImportRecord> = comments
            .iter()
            .zip(manage_keys)
            .map(|(c, key)| ImportRecord {
                record: CommentRecord {
                    post: c.post.clone(),
                    parent: None,
                    author: c.author.clone(),
                    email: c.email.clone(),
                    email_hash: c.email.as_deref().filter(|_| !self.key.is_empty()).map(|e| moderation::email_hash(self.key, e)),
                    url: c.url.clone(),
                    body: c.body.clone(),
                    body_html: render_comment(&c.body),
                    status: c.status,
                    held_reason: (c.status == CommentStatus::Pending)
                        .then(|| "imported from WordPress, where it was waiting for review".into()),
                    created_at: c.created_at.clone(),
                    manage_hash: moderation::manage_hash(key),
                    body_hash: moderation::body_hash(&c.post, &c.body),
                },
                import_key: c.key.clone(),
                parent_key: c.parent_key.clone(),
            })
            .collect();
        let imported = self.db.import(&records).await?;
        Ok(ImportOutcome { imported, already: comments.len() - imported })
    }

    /// Comments with a status, newest first, for the moderation queue and the API.
    pub async fn comments_with_status(&self, status: CommentStatus, limit: usize) -> Result<Vec<Comment>, AppError> {
        Ok(self.db.by_status(status, limit).await?)
    }

    pub async fn moderate(&self, id: i64, action: ModerationAction) -> Result<(), AppError> {
        if self.db.set_status(id, action.status(), &db_time(self.now)).await? {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }

    /// One comment by id, whatever its status.
    pub async fn db_comment(&self, id: i64) -> Result<Option<Comment>, AppError> {
        Ok(self.db.comment(id).await?)
    }

    pub async fn delete_comment(&self, id: i64) -> Result<(), AppError> {
        if self.db.delete(id).await? {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::SiteConfig;
    use crate::core::route::is_manage_key;
    use crate::core::token::SigningKey;
    use crate::store::memory::MemoryStore;
    use chrono::TimeZone;
    use pollster::block_on;
    use std::sync::LazyLock;

    static KEY: LazyLock<SigningKey> = LazyLock::new(|| SigningKey::new(b"test key"));
    const POST: &str = "+++\ntitle = \"Hello\"\ndate = 2024-05-01\n+++\nBody.\n";

    fn setup(site: &SiteConfig, store: &MemoryStore) {
        let app = App { site, content: store, db: store, now: Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(), key: &KEY, nonce: "n" };
        block_on(app.publish(Kind::Post, &slug(), POST)).unwrap();
    }

    use chrono::Utc;

    fn slug() -> Slug {
        Slug::parse("hello").unwrap()
    }

    fn app_at<'a>(site: &'a SiteConfig, store: &'a MemoryStore, secs: i64) -> App<'a, MemoryStore, MemoryStore> {
        App { site, content: store, db: store, now: Utc.timestamp_opt(1_735_689_600 + secs, 0).unwrap(), key: &KEY, nonce: "n" }
    }

    fn form(body: &str) -> CommentForm {
        CommentForm {
            author: "Ann".into(),
            body: body.into(),
            issued: form_token(&KEY, "hello", 1_735_689_600, "n"),
            ..CommentForm::default()
        }
    }

    /// The key of the private link an accepted comment's answer leads to.
    fn private_key(submitted: Submitted) -> String {
        let Submitted::Accepted { redirect, .. } = submitted else { panic!("refused") };
        let key = redirect.strip_prefix("/posts/hello/?comment=").and_then(|r| r.strip_suffix("#comment-notice"));
        key.filter(|k| is_manage_key(k)).unwrap_or_else(|| panic!("no private link in {redirect}")).to_string()
    }

    #[test]
    fn the_same_form_sent_again_gets_its_private_link_and_no_one_else_does() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        setup(&site, &store);
        let app = app_at(&site, &store, 10);
        let first = private_key(block_on(app.submit_comment(&slug(), form("Only once"), "1.2.3.4")).unwrap());
        let again = private_key(block_on(app.submit_comment(&slug(), form("Only once"), "1.2.3.4")).unwrap());
        assert_eq!(again, first, "the answer to the first was lost: the second leads to the same link");
        // Past the duplicate window too (a resend at D1's unique key would fail), and from another network.
        let later = private_key(block_on(app_at(&site, &store, 3_600).submit_comment(&slug(), form("Only once"), "5.6.7.8")).unwrap());
        assert_eq!(later, first);
        assert!(block_on(store.comment(2)).unwrap().is_none(), "stored once");
        // Another reader shown the form in the same second has another nonce, so another form.
        let duplicate = "/posts/hello/?notice=duplicate#comment-notice";
        let other_form = CommentForm { issued: form_token(&KEY, "hello", 1_735_689_600, "m"), ..form("Only once") };
        let other_form = block_on(app.submit_comment(&slug(), other_form, "1.2.3.4")).unwrap();
        assert!(matches!(other_form, Submitted::Accepted { ref redirect, .. } if redirect == duplicate), "{other_form:?}");
    }

    #[test]
    fn a_valid_comment_waits_for_review_then_shows_when_approved() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        setup(&site, &store);
        let app = app_at(&site, &store, 10);
        let key = private_key(block_on(app.submit_comment(&slug(), form("First!"), "1.2.3.4")).unwrap());
        let page = block_on(app.show_post(&slug(), &ShowOptions { manage_key: Some(key.clone()), ..ShowOptions::default() })).unwrap().html;
        assert!(page.contains("waiting for review") && page.contains(&format!("/comments/{key}/")), "{page}");
        assert!(!page.contains("First!"), "pending comments are not shown");
        block_on(app.moderate(1, ModerationAction::Approve)).unwrap();
        let page = block_on(app.show_post(&slug(), &ShowOptions::default())).unwrap().html;
        assert!(page.contains("First!") && page.contains("1 comment on “Hello”"), "{page}");
    }

    #[test]
    fn the_site_comment_feed_leaves_out_comments_on_posts_no_longer_visible() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        setup(&site, &store);
        let app = app_at(&site, &store, 10);
        block_on(app.publish(Kind::Post, &Slug::parse("other").unwrap(), "+++\ntitle = \"Other\"\ndate = 2024-06-01\n+++\nMore.\n"))
            .unwrap();
        for (post, body) in [("hello", "On hello."), ("other", "On other.")] {
            let form = CommentForm { issued: form_token(&KEY, post, 1_735_689_600, "n"), ..form(body) };
            block_on(app.submit_comment(&Slug::parse(post).unwrap(), form, "1.2.3.4")).unwrap();
        }
        block_on(app.moderate(1, ModerationAction::Approve)).unwrap();
        block_on(app.moderate(2, ModerationAction::Approve)).unwrap();
        let feed = block_on(app.comments_feed(None)).unwrap();
        assert!(feed.contains("On hello.") && feed.contains("Ann on “Other”"), "{feed}");
        block_on(app.publish(Kind::Post, &Slug::parse("other").unwrap(), "+++\ntitle = \"Other\"\ndate = 2030-06-01\n+++\nMore.\n"))
            .unwrap();
        let feed = block_on(app.comments_feed(None)).unwrap();
        assert!(feed.contains("On hello.") && !feed.contains("On other."), "a post scheduled again takes its comments out: {feed}");
        block_on(app.unpublish(Kind::Post, &slug())).unwrap();
        assert!(!block_on(app.comments_feed(None)).unwrap().contains("On hello."), "so does an unpublished one");
    }

    #[test]
    fn a_kept_post_page_gets_a_fresh_token_and_keeps_its_etag_until_the_comments_change() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        setup(&site, &store);
        let show = |secs, opts: &ShowOptions| block_on(app_at(&site, &store, secs).show_post(&slug(), opts)).unwrap();
        let plain = ShowOptions::default();
        let (first, later) = (show(10, &plain), show(20, &plain));
        let (old, new) = (form_token(&KEY, "hello", 1_735_689_610, "n"), form_token(&KEY, "hello", 1_735_689_620, "n"));
        assert!(first.html.contains(&old) && later.html.contains(&new) && !later.html.contains(&old), "the token is the request's");
        assert_eq!(later.html.replace(&new, &old), first.html, "the rest of the page is the same");
        assert_eq!(later.etag, first.etag);
        assert_ne!(show(86_400 + 10, &plain).etag, first.etag, "the ETag changes with the day, before a token expires");
        // Settings are fixed for an isolate's life, so they are not in the key: a renamed site shows the kept page.
        let renamed = SiteConfig { title: "Renamed".into(), ..SiteConfig::default() };
        let kept = block_on(App { site: &renamed, ..app_at(&site, &store, 25) }.show_post(&slug(), &plain)).unwrap();
        assert!(!kept.html.contains("Renamed"), "the page came from the isolate's memo, not a new render");
        let replying = show(30, &ShowOptions { reply_to: Some(99), ..ShowOptions::default() });
        assert!(replying.html.contains(&form_token(&KEY, "hello", 1_735_689_630, "n")));

        let app = app_at(&site, &store, 40);
        block_on(app.submit_comment(&slug(), form("Fresh words"), "ip")).unwrap();
        block_on(app.moderate(1, ModerationAction::Approve)).unwrap();
        let after = show(50, &plain);
        assert!(after.html.contains("Fresh words"), "a new comment is on the next page served");
        assert_ne!(after.etag, first.etag);
    }

    #[test]
    fn long_discussions_are_paged_by_thread_with_the_newest_first() {
        let mut site = SiteConfig::default();
        site.comments.threads_per_page = 2;
        site.comments.rate_limit = 100;
        let store = MemoryStore::default();
        setup(&site, &store);
        let app = app_at(&site, &store, 10);
        for i in 1..=5 {
            block_on(app.submit_comment(&slug(), form(&format!("Thread {i}")), "ip")).unwrap();
            block_on(app.moderate(i, ModerationAction::Approve)).unwrap();
        }
        let reply = CommentForm { parent: "1".into(), ..form("Reply to thread 1") };
        block_on(app.submit_comment(&slug(), reply, "ip")).unwrap();
        block_on(app.moderate(6, ModerationAction::Approve)).unwrap();
        let show = |page| block_on(app.show_post(&slug(), &ShowOptions { page, ..ShowOptions::default() })).unwrap().html;
        let first = show(1);
        assert!(first.contains("Thread 5") && first.contains("Thread 4") && !first.contains("Thread 3"), "{first}");
        assert!(first.contains("6 comments on") && first.contains("?cpage=2#comments"), "{first}");
        let last = show(3);
        assert!(
            last.contains("Thread 1") && last.contains("Reply to thread 1") && !last.contains("Thread 2"),
            "replies travel with their thread"
        );
        assert!(!last.contains("?cpage=4"), "no page after the last");
        // Thread 1's first comment sent to the trash: its approved replies are still shown, at the thread's place.
        let second = CommentForm { parent: "1".into(), ..form("Second reply to thread 1") };
        block_on(app.submit_comment(&slug(), second, "ip")).unwrap();
        block_on(app.moderate(7, ModerationAction::Approve)).unwrap();
        block_on(app.moderate(1, ModerationAction::Trash)).unwrap();
        let last = show(3);
        assert!(last.contains("Reply to thread 1") && last.contains("Second reply") && !last.contains("Thread 1<"), "{last}");
        assert!(show(1).contains("6 comments on"), "the count is what is shown");
        // Deleted for good: the two replies stay one thread (written at the same second as the others here, it keeps
        // its place by its first comment's id), not two threads of their own.
        block_on(store.delete(1)).unwrap();
        let (first, last) = (show(1), show(3));
        assert!(first.contains("Thread 5") && !first.contains("Reply to thread 1"), "{first}");
        assert!(last.contains("Reply to thread 1") && last.contains("Second reply"), "{last}");
    }

    #[test]
    fn a_too_quick_submission_comes_back_with_the_text() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        setup(&site, &store);
        let app = app_at(&site, &store, 1);
        let Submitted::Rejected { why, page } = block_on(app.submit_comment(&slug(), form("Kept words"), "ip")).unwrap() else { panic!() };
        assert_eq!(why, Rejection::TooSoon);
        assert!(page.contains("Kept words") && page.contains("quicker than a person"), "{page}");
    }

    #[test]
    fn the_rate_limit_refuses_the_sixth_comment_in_the_window() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        setup(&site, &store);
        let app = app_at(&site, &store, 10);
        for i in 0..5 {
            assert!(matches!(block_on(app.submit_comment(&slug(), form(&format!("c{i}")), "ip")).unwrap(), Submitted::Accepted { .. }));
        }
        let sixth = block_on(app.submit_comment(&slug(), form("c6"), "ip")).unwrap();
        assert!(matches!(sixth, Submitted::Rejected { why: Rejection::RateLimited, .. }));
        let other_client = block_on(app.submit_comment(&slug(), form("c7"), "other")).unwrap();
        assert!(matches!(other_client, Submitted::Accepted { .. }));
    }

    #[test]
    fn comments_close_by_front_matter_or_after_the_configured_days() {
        let post = crate::core::post::Post::parse("+++\ntitle = \"T\"\ndate = 2024-01-01\n+++\n", Kind::Post, Some("t")).unwrap();
        let now = Utc.with_ymd_and_hms(2024, 2, 1, 0, 0, 0).unwrap();
        assert_eq!(closed_reason(&post.meta, 0, now), None);
        assert_eq!(closed_reason(&post.meta, 60, now), None);
        assert!(closed_reason(&post.meta, 30, now).unwrap().contains("30 days"));
        let closed =
            crate::core::post::Post::parse("+++\ntitle = \"T\"\ndate = 2024-01-01\ncomments = \"closed\"\n+++\n", Kind::Post, Some("t"))
                .unwrap();
        assert_eq!(closed_reason(&closed.meta, 0, now).as_deref(), Some("Comments are closed on this post."));
    }

    #[test]
    fn a_closed_post_without_comments_neither_waits_for_them_nor_offers_their_feed() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        setup(&site, &store);
        let app = app_at(&site, &store, 10);
        let open = block_on(app.show_post(&slug(), &ShowOptions::default())).unwrap().html;
        assert!(open.contains("No comments yet") && open.contains("comments.xml"), "{open}");
        let closed = "+++\ntitle = \"Hello\"\ndate = 2024-05-01\ncomments = \"closed\"\n+++\nBody.\n";
        block_on(app.publish(Kind::Post, &slug(), closed)).unwrap();
        let page = block_on(app.show_post(&slug(), &ShowOptions::default())).unwrap().html;
        assert!(page.contains(">Comments</h2>") && page.contains("Comments are closed on this post."), "{page}");
        assert!(!page.contains("No comments yet") && !page.contains("comments.xml"), "{page}");
    }

    #[test]
    fn a_commenter_changes_the_name_and_website_shown_and_a_form_without_them_keeps_them() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        setup(&site, &store);
        let app = app_at(&site, &store, 10);
        let sent = CommentForm { author: "Ann Lindgren".into(), url: "https://ann.example/".into(), ..form("Mine") };
        let key = private_key(block_on(app.submit_comment(&slug(), sent, "ip")).unwrap());
        let page = block_on(app.manage_comment(&key)).unwrap();
        assert!(page.contains(r#"value="Ann Lindgren""#) && page.contains(r#"value="https://ann.example/""#), "{page}");
        let stored = || block_on(store.comment(1)).unwrap().unwrap();

        let saved = block_on(app.edit_own_comment(&key, Some("A. L."), Some(""), "Mine, edited")).unwrap().unwrap();
        assert!(saved.contains(r#"value="A. L.""#) && saved.contains("Your changes are saved."), "{saved}");
        let c = stored();
        assert_eq!((c.author.as_str(), c.url, c.body.as_str()), ("A. L.", None, "Mine, edited"));

        // A form shown before names could be edited sends none: the stored name and website stay.
        block_on(app.edit_own_comment(&key, Some("A. L."), Some("https://al.example/"), "Mine")).unwrap().unwrap();
        block_on(app.edit_own_comment(&key, None, None, "Mine, again")).unwrap().unwrap();
        let c = stored();
        assert_eq!((c.author.as_str(), c.url.as_deref(), c.body.as_str()), ("A. L.", Some("https://al.example/"), "Mine, again"));

        // A name taken out altogether is refused, with what was typed kept in the form.
        let refused = block_on(app.edit_own_comment(&key, Some(" "), Some("https://al.example/"), "Kept text")).unwrap().unwrap_err();
        assert!(refused.contains("Kept text") && refused.contains("role=\"alert\""), "{refused}");
        assert_eq!(stored().author, "A. L.");
        let refused = block_on(app.edit_own_comment(&key, Some("A. L."), Some("javascript:alert(1)"), "Kept")).unwrap().unwrap_err();
        assert!(refused.contains("role=\"alert\""), "{refused}");
        assert_eq!(stored().url.as_deref(), Some("https://al.example/"));
        let typed = block_on(app.edit_own_comment(&key, Some("\"><b>x"), Some("https://al.example/"), "")).unwrap().unwrap_err();
        assert!(typed.contains("value=\"&#34;&#62;&#60;b&#62;x\"") && !typed.contains("<b>x"), "{typed}");

        // Once approved, taking the website out stays published; a new name or website waits to be read again, so
        // that no one holding the link can take the author's name, or another reader's.
        block_on(app.moderate(1, ModerationAction::Approve)).unwrap();
        block_on(app.edit_own_comment(&key, Some("A. L."), Some(""), "Mine, again")).unwrap().unwrap();
        assert_eq!((stored().status, stored().url), (CommentStatus::Approved, None));
        let renamed = block_on(app.edit_own_comment(&key, Some(&site.author), None, "Mine, again")).unwrap().unwrap();
        assert!(renamed.contains("Waiting for review"), "{renamed}");
        assert_eq!(stored().status, CommentStatus::Pending);
        block_on(app.moderate(1, ModerationAction::Approve)).unwrap();
        block_on(app.edit_own_comment(&key, None, Some("https://elsewhere.example/"), "Mine, again")).unwrap().unwrap();
        assert_eq!(stored().status, CommentStatus::Pending);
    }

    #[test]
    fn an_edit_that_adds_links_goes_back_to_review() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        setup(&site, &store);
        let app = app_at(&site, &store, 10);
        let key = private_key(block_on(app.submit_comment(&slug(), form("Plain"), "ip")).unwrap());
        block_on(app.moderate(1, ModerationAction::Approve)).unwrap();
        block_on(app.edit_own_comment(&key, None, None, "Still plain, edited")).unwrap().unwrap();
        assert_eq!(block_on(store.comment(1)).unwrap().unwrap().status, CommentStatus::Approved);
        block_on(app.edit_own_comment(&key, None, None, "https://a.example https://b.example https://c.example")).unwrap().unwrap();
        assert_eq!(block_on(store.comment(1)).unwrap().unwrap().status, CommentStatus::Pending);
        block_on(app.delete_own_comment(&key)).unwrap();
        assert!(block_on(store.comment(1)).unwrap().is_none());
    }

    #[test]
    fn imported_comments_are_stored_once_with_their_threads() {
        let (site, store) = (SiteConfig::default(), MemoryStore::default());
        setup(&site, &store);
        let app = app_at(&site, &store, 10);
        let comment = |key: &str, parent: Option<&str>, at: &str| ImportedComment {
            key: key.into(),
            post: "hello".into(),
            parent_key: parent.map(str::to_string),
            author: "Sam".into(),
            email: Some("sam@example.org".into()),
            url: None,
            body: format!("Reply {key}"),
            status: CommentStatus::Approved,
            created_at: at.into(),
        };
        let batch = [comment("wxr:a1", None, "2020-01-01T00:00:00Z"), comment("wxr:b2", Some("wxr:a1"), "2020-01-02T00:00:00Z")];
        let keys = ["k1".to_string(), "k2".to_string()];
        assert_eq!(block_on(app.import_comments(&batch, &keys)).unwrap(), ImportOutcome { imported: 2, already: 0 });
        assert_eq!(block_on(app.import_comments(&batch, &keys)).unwrap(), ImportOutcome { imported: 0, already: 2 });
        let shown = block_on(store.approved_page("hello", 50, 0)).unwrap().comments.clone();
        assert_eq!(shown.len(), 2);
        assert_eq!(shown[1].parent, Some(shown[0].id));
        let spam = [ImportedComment { status: CommentStatus::Spam, ..batch[0].clone() }];
        assert!(matches!(block_on(app.import_comments(&spam, &keys[..1])), Err(AppError::BadRequest(_))));
    }
}
