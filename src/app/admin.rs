//! Moderation use cases: sign-in lockout, dashboard, queue, edits, one-click links, the pending feed,
//! notifications and housekeeping.

use super::{App, AppError, ModerationAction};
use crate::core::admin_views::{ConfirmPage, DashboardPage, EditPage, LoginPage, PostCounts, QueueItem, QueuePage, StatusTab};
use crate::core::auth::{feed_key, link_token, verify_link, LINK_SECONDS};
use crate::core::comment::{CommentForm, CommentStatus, NewComment};
use crate::core::date;
use crate::core::feed::{self, FeedEntry};
use crate::core::index::Part;
use crate::core::markdown::render_comment;
use crate::core::views::{Layout, Page};
use crate::store::{db_time, Catalog, CommentStore, ContentStore, Purged, QueueEntry};
use chrono::Duration;

pub const QUEUE_PAGE_SIZE: usize = 20;
/// Failed sign-ins from one client before it is refused for the window.
pub const MAX_LOGIN_FAILURES: u32 = 5;
/// The window in which failed sign-ins are counted, and the length of a lockout.
pub const LOGIN_WINDOW_SECONDS: i64 = 15 * 60;
const TRASH_DAYS: i64 = 30;
const SPAM_DAYS: i64 = 14;

/// A held comment's notification: no text, name or email, only where it is and signed links to act.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Notification {
    pub event: &'static str,
    pub post: String,
    pub post_url: String,
    pub comment_id: i64,
    pub approve_url: String,
    pub trash_url: String,
    pub expires_at: String,
}

impl<C: ContentStore, D: Catalog + CommentStore> App<'_, C, D> {
    fn admin_layout(&self, title: &str, path: &str) -> Layout {
        let mut layout = Layout::new(self.site, [], Some(title), None, path);
        layout.noindex = true;
        layout
    }

    /// The key counting a client's failed sign-ins in the current window, and when its count may be deleted.
    pub async fn login_key(&self, client: &str) -> Result<(String, String), AppError> {
        self.rate_key("login", client, LOGIN_WINDOW_SECONDS).await
    }

    /// Failed sign-ins under `key` ([`App::login_key`]).
    pub async fn login_failures(&self, key: &str) -> Result<u32, AppError> {
        Ok(self.db.hits(key, &db_time(self.now)).await?)
    }

    pub async fn record_login_failure(&self, key: &str, expires: &str) -> Result<u32, AppError> {
        Ok(self.db.hit(key, expires).await?)
    }

    pub fn login_page(&self, error: Option<String>) -> Result<String, AppError> {
        Ok(LoginPage { layout: self.admin_layout("Sign in", "/admin/"), error }.html()?)
    }

    async fn tabs(&self, current: Option<CommentStatus>) -> Result<Vec<StatusTab>, AppError> {
        let counts = self.db.status_counts().await?;
        Ok(CommentStatus::ALL
            .iter()
            .map(|s| StatusTab {
                status: s.as_str(),
                label: StatusTab::label_of(*s),
                count: counts.get(s).copied().unwrap_or(0),
                current: Some(*s) == current,
            })
            .collect())
    }

    async fn items(&self, entries: &[QueueEntry]) -> Result<Vec<QueueItem>, AppError> {
        let index = self.content.index(Part::Whole).await?;
        Ok(entries
            .iter()
            .map(|e| {
                let title = index.posts.iter().find(|p| p.slug.as_str() == e.post).map_or(e.post.as_str(), |p| p.title.as_str());
                QueueItem::new(e, title)
            })
            .collect())
    }

    /// The rules in force, in words.
    fn rules(&self) -> Vec<String> {
        let c = &self.site.comments;
        let list = |words: &[String]| if words.is_empty() { "none".to_string() } else { words.join(", ") };
        vec![
            "New comments wait for review.".into(),
            if c.rules.auto_approve_known {
                "A commenter whose earlier comment (same email) was approved is approved at once.".into()
            } else {
                "Returning commenters wait for review too.".into()
            },
            format!("More than {} links hold a comment.", c.rules.max_links),
            format!("Hold words: {}.", list(&c.rules.hold_words)),
            format!("Spam words: {}.", list(&c.rules.spam_words)),
            format!("Forms sent within {} seconds of being shown, or older than a day, are refused.", c.min_seconds),
            format!("At most {} comments per reader every {} minutes.", c.rate_limit, c.rate_window_seconds / 60),
            if c.close_after_days > 0 { format!("Comments close {} days after a post.", c.close_after_days) } else { "Comments stay open.".into() },
            format!("Replies nest {} levels deep. Emails are removed after {} days; trash is emptied after {TRASH_DAYS} days, spam after {SPAM_DAYS}.", c.max_depth, self.site.retention_days),
        ]
    }

    pub async fn dashboard(&self, csrf: &str) -> Result<String, AppError> {
        let latest = self.items(&self.db.queue(None, 5, 0).await?).await?;
        let index = self.content.index(Part::Whole).await?;
        let counts = self.db.post_counts().await?;
        let posts = index
            .posts
            .iter()
            .map(|p| {
                let c = counts.iter().find(|c| c.post == p.slug.as_str());
                PostCounts {
                    title: p.title.clone(),
                    url: p.url(),
                    approved: c.map_or(0, |c| c.approved),
                    pending: c.map_or(0, |c| c.pending),
                }
            })
            .collect();
        let page = DashboardPage {
            layout: self.admin_layout("Dashboard", "/admin/"),
            csrf: csrf.to_string(),
            tabs: self.tabs(None).await?,
            latest,
            posts,
            rules: self.rules(),
            feed_url: self.site.absolute(&format!("/admin/feed.xml?key={}", feed_key(self.key))),
        };
        Ok(page.html()?)
    }

    pub async fn queue_page(
        &self,
        status: CommentStatus,
        page: usize,
        csrf: &str,
        notice: Option<String>,
        problem: Option<String>,
    ) -> Result<String, AppError> {
        let page = page.max(1);
        let mut entries = self.db.queue(Some(status), QUEUE_PAGE_SIZE + 1, (page - 1) * QUEUE_PAGE_SIZE).await?;
        let has_older = entries.len() > QUEUE_PAGE_SIZE;
        entries.truncate(QUEUE_PAGE_SIZE);
        let url = |p: usize| format!("/admin/comments?status={}&page={p}", status.as_str());
        let queue = QueuePage {
            layout: self.admin_layout("Comments", "/admin/comments"),
            csrf: csrf.to_string(),
            tabs: self.tabs(Some(status)).await?,
            status: status.as_str(),
            items: self.items(&entries).await?,
            newer: (page > 1).then(|| url(page - 1)),
            older: has_older.then(|| url(page + 1)),
            notice,
            problem,
        };
        Ok(queue.html()?)
    }

    /// Applies `action` (`approve`, …, or `delete` for good) to each comment; returns how many changed.
    pub async fn act_on(&self, ids: &[i64], action: &str) -> Result<usize, AppError> {
        let mut done = 0;
        for &id in ids {
            let result = match action {
                "delete" => self.delete_comment(id).await,
                other => {
                    self.moderate(
                        id,
                        ModerationAction::parse(other).ok_or_else(|| AppError::BadRequest(format!("unknown action {other:?}")))?,
                    )
                    .await
                }
            };
            match result {
                Ok(()) => done += 1,
                Err(AppError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }

    async fn queue_item(&self, id: i64) -> Result<Option<QueueItem>, AppError> {
        let Some(entry) = self.db.queue_entry(id).await? else { return Ok(None) };
        Ok(self.items(&[entry]).await?.pop())
    }

    /// The form to edit a comment's name, website and text: as stored, or as last sent (`values`) with `error`.
    pub async fn edit_page(&self, id: i64, csrf: &str, values: Option<CommentForm>, error: Option<String>) -> Result<String, AppError> {
        let item = self.queue_item(id).await?.ok_or(AppError::NotFound)?;
        let values = match values {
            Some(v) => v,
            None => self
                .db
                .comment(id)
                .await?
                .map(|c| CommentForm { author: c.author, url: c.url.unwrap_or_default(), body: c.body, ..CommentForm::default() })
                .unwrap_or_default(),
        };
        let layout = self.admin_layout("Edit comment", "/admin/comments");
        Ok(EditPage { layout, csrf: csrf.to_string(), item, author: values.author, url: values.url, body: values.body, error }.html()?)
    }

    /// Saves the author's edit of a comment (its status is kept): its text, and the name and website it is shown with,
    /// so that what identifies someone can be taken out. `Err` carries the reason to show.
    pub async fn save_edit(&self, id: i64, values: &CommentForm) -> Result<Result<CommentStatus, String>, AppError> {
        let comment = self.db.comment(id).await?.ok_or(AppError::NotFound)?;
        let edited = match NewComment::parse(values) {
            Ok(c) => c,
            Err(e) => return Ok(Err(e.author.or(e.url).or(e.body).unwrap_or_else(|| "This comment cannot be saved.".into()))),
        };
        self.db.edit(id, &edited, &render_comment(&edited.body), comment.status, None, &db_time(self.now)).await?;
        Ok(Ok(comment.status))
    }

    /// The notification for a held comment, with signed one-click links.
    pub fn notification(&self, comment_id: i64, post: &str) -> Notification {
        let expires = self.now.timestamp() + LINK_SECONDS;
        let link = |action: &str| self.site.absolute(&format!("/admin/confirm/{}", link_token(self.key, comment_id, action, expires)));
        Notification {
            event: "comment.held",
            post: post.to_string(),
            post_url: self.site.absolute(&format!("/posts/{post}/")),
            comment_id,
            approve_url: link("approve"),
            trash_url: link("trash"),
            expires_at: db_time(self.now + Duration::seconds(LINK_SECONDS)),
        }
    }

    /// The confirm page of a one-click link; with `execute`, performs the action.
    pub async fn confirm_link(&self, token: &str, execute: bool) -> Result<String, AppError> {
        let (id, action) = verify_link(self.key, token, self.now.timestamp()).ok_or(AppError::NotFound)?;
        let moderation = ModerationAction::parse(&action)
            .filter(|a| matches!(a, ModerationAction::Approve | ModerationAction::Trash))
            .ok_or(AppError::NotFound)?;
        let label = if moderation == ModerationAction::Approve { "Approve" } else { "Trash" };
        let mut done = None;
        if execute && self.db.comment(id).await?.is_some() {
            self.moderate(id, moderation).await?;
            done = Some(
                if moderation == ModerationAction::Approve {
                    "The comment is approved and now shown under the post."
                } else {
                    "The comment is in the trash."
                }
                .to_string(),
            );
        }
        let item = self.queue_item(id).await?;
        let mut layout = self.admin_layout("Confirm", "/admin/");
        layout.noindex = true;
        Ok(ConfirmPage { layout, item, action_label: label.into(), done }.html()?)
    }

    /// The private Atom feed of pending comments.
    pub async fn pending_feed(&self) -> Result<String, AppError> {
        let entries = self.db.queue(Some(CommentStatus::Pending), 50, 0).await?;
        let items = self.items(&entries).await?;
        let mut meta =
            self.feed_meta(format!("Pending comments · {}", self.site.title), "/admin/comments?status=pending", "/admin/feed.xml");
        meta.subtitle = "Comments waiting for review".into();
        let feed_entries: Vec<FeedEntry> = entries
            .iter()
            .zip(items.iter())
            .filter_map(|(e, item)| {
                let at = date::parse_rfc3339(&e.created_at)?;
                Some(FeedEntry {
                    title: format!("{} on “{}”", e.author, item.post_title),
                    url: self.site.absolute(&format!("/admin/comments/{}/edit", e.id)),
                    published: at,
                    updated: at,
                    author: e.author.clone(),
                    content_html: e.body_html.clone(),
                    categories: Vec::new(),
                })
            })
            .collect();
        Ok(feed::atom(&meta, &feed_entries, self.now))
    }

    /// The daily clean-up: trash after 30 days, spam after 14, emails after `RETENTION_DAYS`, expired rate limits.
    pub async fn housekeeping(&self) -> Result<Purged, AppError> {
        let before = |days: i64| db_time(self.now - Duration::days(days));
        let purged = self.db.purge(&before(TRASH_DAYS), &before(SPAM_DAYS), &before(self.site.retention_days), &db_time(self.now)).await?;
        // Tomorrow's salt of client keys, drawn today: a store that caches a missing key (KV, for a minute where it
        // was read) would otherwise see tomorrow's first requests each draw their own.
        let (day, kept_until) = self.salt_day(1);
        self.content.daily_salt(&day, kept_until).await?;
        Ok(purged)
    }
}
