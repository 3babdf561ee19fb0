//! Site settings, read from the worker's `[vars]` (or any name -> value lookup).

use crate::core::moderation::{word_list, Rules};

/// The most keys a publish through the worker writes and deletes to store the index; a lower
/// `INDEX_WRITES_PER_PUBLISH` is for tests of the refusal. Every publish writes the four parts and the version.
const INDEX_WRITES_MAX: u64 = 950;
const INDEX_WRITES_MIN: u64 = 5;

/// Settings that shape every page.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteConfig {
    pub title: String,
    pub description: String,
    /// The public origin without a trailing slash, used for canonical and feed URLs.
    pub url: String,
    pub author: String,
    pub language: String,
    pub posts_per_page: usize,
    pub comments: CommentSettings,
    /// Emails of comments older than this many days are removed by the daily housekeeping.
    pub retention_days: i64,
    /// Where to POST a notice (with no personal data) when a comment is held.
    pub notify_webhook: Option<String>,
    /// How long an isolate reuses a post or a page of comments it has read before reading again; 0 turns it off.
    pub cache_seconds: u64,
    /// The keys a publish through the worker may write and delete to store the index: Workers KV allows a request
    /// 1,000 operations, and the rest of a publish takes a few. One that needs more is refused before it writes.
    pub index_writes: usize,
}

/// How the comment section behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct CommentSettings {
    /// Minimum seconds between showing the form and accepting it.
    pub min_seconds: i64,
    /// Replies nest this many levels deep at most.
    pub max_depth: usize,
    /// Top-level comments (each with its replies) per page of a post's comments.
    pub threads_per_page: usize,
    pub rules: Rules,
    /// Comments close this many days after a post's date; 0 keeps them open.
    pub close_after_days: i64,
    /// At most `rate_limit` comments per client in `rate_window_seconds`.
    pub rate_limit: u32,
    pub rate_window_seconds: i64,
}

impl Default for CommentSettings {
    fn default() -> Self {
        CommentSettings {
            min_seconds: 3,
            max_depth: 5,
            threads_per_page: 50,
            rules: Rules::default(),
            close_after_days: 0,
            rate_limit: 5,
            rate_window_seconds: 600,
        }
    }
}

impl Default for SiteConfig {
    fn default() -> Self {
        SiteConfig {
            title: "A quiet blog".into(),
            description: "Notes, written with care.".into(),
            url: "http://127.0.0.1:8787".into(),
            author: "The author".into(),
            language: "en".into(),
            posts_per_page: 10,
            comments: CommentSettings::default(),
            retention_days: 365,
            notify_webhook: None,
            cache_seconds: 10,
            index_writes: INDEX_WRITES_MAX as usize,
        }
    }
}

impl SiteConfig {
    /// Reads settings by their `[vars]` names; missing or unparsable values keep their defaults.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> SiteConfig {
        let d = SiteConfig::default();
        let text = |name: &str, default: String| get(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).unwrap_or(default);
        let number = |name: &str, default: u64| get(name).and_then(|v| v.trim().parse().ok()).unwrap_or(default);
        SiteConfig {
            title: text("SITE_TITLE", d.title),
            description: text("SITE_DESCRIPTION", d.description),
            url: text("SITE_URL", d.url).trim_end_matches('/').to_string(),
            author: text("SITE_AUTHOR", d.author),
            language: text("SITE_LANGUAGE", d.language),
            posts_per_page: number("POSTS_PER_PAGE", d.posts_per_page as u64).clamp(1, 100) as usize,
            comments: CommentSettings {
                min_seconds: number("COMMENT_MIN_SECONDS", d.comments.min_seconds as u64) as i64,
                max_depth: number("COMMENT_MAX_DEPTH", d.comments.max_depth as u64).clamp(1, 20) as usize,
                threads_per_page: number("COMMENTS_PER_PAGE", d.comments.threads_per_page as u64).clamp(1, 500) as usize,
                rules: Rules {
                    max_links: number("COMMENT_MAX_LINKS", d.comments.rules.max_links as u64) as usize,
                    hold_words: word_list(&get("COMMENT_HOLD_WORDS").unwrap_or_default()),
                    spam_words: word_list(&get("COMMENT_SPAM_WORDS").unwrap_or_default()),
                    auto_approve_known: get("COMMENT_AUTO_APPROVE_KNOWN").is_some_and(|v| matches!(v.trim(), "true" | "1" | "yes")),
                },
                close_after_days: number("COMMENTS_CLOSE_AFTER_DAYS", 0) as i64,
                rate_limit: number("COMMENT_RATE_LIMIT", d.comments.rate_limit as u64) as u32,
                rate_window_seconds: number("COMMENT_RATE_WINDOW_SECONDS", d.comments.rate_window_seconds as u64) as i64,
            },
            retention_days: number("RETENTION_DAYS", d.retention_days as u64).max(1) as i64,
            notify_webhook: get("NOTIFY_WEBHOOK_URL")
                .map(|u| u.trim().to_string())
                .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
            cache_seconds: number("CACHE_SECONDS", d.cache_seconds).min(60),
            index_writes: number("INDEX_WRITES_PER_PUBLISH", d.index_writes as u64).clamp(INDEX_WRITES_MIN, INDEX_WRITES_MAX) as usize,
        }
    }

    /// An absolute URL for a site path such as `/posts/x/`.
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{}", self.url, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_vars_and_keeps_defaults_for_missing_or_bad_ones() {
        let c = SiteConfig::from_lookup(|k| match k {
            "SITE_TITLE" => Some("Mine".into()),
            "SITE_URL" => Some("https://blog.example/".into()),
            "POSTS_PER_PAGE" => Some("lots".into()),
            "COMMENT_MIN_SECONDS" => Some("0".into()),
            _ => None,
        });
        assert_eq!(c.title, "Mine");
        assert_eq!(c.absolute("/a/"), "https://blog.example/a/");
        assert_eq!(c.posts_per_page, 10);
        assert_eq!(c.comments.min_seconds, 0);
        assert_eq!(c.comments.max_depth, 5);
        assert_eq!(c.index_writes, 950);
    }

    #[test]
    fn the_index_writes_of_a_publish_are_only_lowered_and_never_below_the_parts() {
        let writes = |v: &str| SiteConfig::from_lookup(|k| (k == "INDEX_WRITES_PER_PUBLISH").then(|| v.to_string())).index_writes;
        assert_eq!((writes("12"), writes("5000"), writes("2")), (12, 950, 5));
    }
}
