//! Site settings, read from the worker's `[vars]` (or any name -> value lookup).

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
    pub comment_min_seconds: u64,
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
            comment_min_seconds: 3,
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
            comment_min_seconds: number("COMMENT_MIN_SECONDS", d.comment_min_seconds),
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
        assert_eq!(c.comment_min_seconds, 0);
    }
}
