//! The admin pages: sign-in, dashboard, moderation queue, edit, and the one-click confirm page.

use crate::core::comment::CommentStatus;
use crate::core::views::{comment_date, pages, DateView, Layout};
use crate::store::QueueEntry;
use askama::Template;

/// A tab of the queue: a status with its count.
#[derive(Debug, Clone)]
pub struct StatusTab {
    pub status: &'static str,
    pub label: &'static str,
    pub count: u32,
    pub current: bool,
}

impl StatusTab {
    pub fn label_of(status: CommentStatus) -> &'static str {
        match status {
            CommentStatus::Pending => "Pending",
            CommentStatus::Approved => "Approved",
            CommentStatus::Spam => "Spam",
            CommentStatus::Trash => "Trash",
        }
    }
}

/// A comment in the queue, with everything the moderator needs to decide.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub id: i64,
    pub post_title: String,
    pub post_url: String,
    /// The replied-to comment's author and first words.
    pub parent: Option<(String, String)>,
    pub author: String,
    pub email: Option<String>,
    pub url: Option<String>,
    pub date: DateView,
    pub body_html: String,
    pub status: &'static str,
    pub held_reason: Option<String>,
    /// Buttons: the action's value and label.
    pub actions: Vec<(&'static str, &'static str)>,
}

impl QueueItem {
    pub fn new(entry: &QueueEntry, post_title: &str) -> QueueItem {
        QueueItem {
            id: entry.id,
            post_title: post_title.to_string(),
            post_url: format!("/posts/{}/", entry.post),
            parent: entry.parent_author.clone().map(|a| (a, entry.parent_excerpt.clone().unwrap_or_default())),
            author: entry.author.clone(),
            email: entry.email.clone(),
            url: entry.url.clone(),
            date: comment_date(&entry.created_at),
            body_html: entry.body_html.clone(),
            status: entry.status.as_str(),
            held_reason: entry.held_reason.clone(),
            actions: actions_for(entry.status),
        }
    }
}

/// What can be done to a comment in each status.
/// What the queue says after a change. Its address carries the text (`?done=`), so the queue shows only texts made
/// here: a link with another text must not put it on the admin's page as the site's own word.
pub fn changed_notice(count: usize) -> String {
    format!("{count} comment{} changed.", if count == 1 { "" } else { "s" })
}

pub const SAVED_NOTICE: &str = "Comment saved.";

/// Whether `text` is one of the notices above.
pub fn is_own_notice(text: &str) -> bool {
    text == SAVED_NOTICE || text.split_once(' ').and_then(|(n, _)| n.parse().ok()).is_some_and(|n| changed_notice(n) == text)
}

pub fn actions_for(status: CommentStatus) -> Vec<(&'static str, &'static str)> {
    match status {
        CommentStatus::Pending => vec![("approve", "Approve"), ("spam", "Spam"), ("trash", "Trash")],
        CommentStatus::Approved => vec![("unapprove", "Unapprove"), ("spam", "Spam"), ("trash", "Trash")],
        CommentStatus::Spam => vec![("restore", "Not spam"), ("trash", "Trash"), ("delete", "Delete forever")],
        CommentStatus::Trash => vec![("restore", "Restore"), ("delete", "Delete forever")],
    }
}

pages!(LoginPage, DashboardPage, QueuePage, EditPage, ConfirmPage);

/// `/admin/` without a session.
#[derive(Template)]
#[template(path = "admin/login.html")]
pub struct LoginPage {
    pub layout: Layout,
    pub error: Option<String>,
}

/// A post with its comment counts, on the dashboard.
#[derive(Debug, Clone)]
pub struct PostCounts {
    pub title: String,
    pub url: String,
    pub approved: u32,
    pub pending: u32,
}

/// `/admin/` with a session.
#[derive(Template)]
#[template(path = "admin/dashboard.html")]
pub struct DashboardPage {
    pub layout: Layout,
    pub csrf: String,
    pub tabs: Vec<StatusTab>,
    pub latest: Vec<QueueItem>,
    pub posts: Vec<PostCounts>,
    pub rules: Vec<String>,
    pub feed_url: String,
}

/// `/admin/comments?status=…`.
#[derive(Template)]
#[template(path = "admin/comments.html")]
pub struct QueuePage {
    pub layout: Layout,
    pub csrf: String,
    pub tabs: Vec<StatusTab>,
    pub status: &'static str,
    pub items: Vec<QueueItem>,
    pub newer: Option<String>,
    pub older: Option<String>,
    /// What the last action did.
    pub notice: Option<String>,
    /// Why the last action was refused.
    pub problem: Option<String>,
}

/// `/admin/comments/<id>/edit`.
#[derive(Template)]
#[template(path = "admin/edit.html")]
pub struct EditPage {
    pub layout: Layout,
    pub csrf: String,
    pub item: QueueItem,
    pub author: String,
    pub url: String,
    pub body: String,
    pub error: Option<String>,
}

/// `/admin/confirm/<token>`: confirm a one-click action from a notification.
#[derive(Template)]
#[template(path = "admin/confirm.html")]
pub struct ConfirmPage {
    pub layout: Layout,
    pub item: Option<QueueItem>,
    pub action_label: String,
    pub done: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_shows_only_its_own_notices() {
        for own in [changed_notice(1), changed_notice(2), SAVED_NOTICE.to_string()] {
            assert!(is_own_notice(&own), "{own}");
        }
        for other in ["1 comments changed.", "2 comment changed.", "Session expired. Sign in again at https://evil.example", ""] {
            assert!(!is_own_notice(other), "{other}");
        }
    }
}
