//! Atom and RSS documents and sitemaps, written by `core::xml`, which escapes every string it is given.

use crate::core::date;
use crate::core::xml::Xml;
use chrono::{DateTime, Utc};

/// What a feed says about itself.
#[derive(Debug, Clone)]
pub struct FeedMeta {
    pub title: String,
    pub subtitle: String,
    /// Absolute URL of the HTML page the feed follows.
    pub site_url: String,
    /// Absolute URL of the feed itself.
    pub feed_url: String,
    pub author: String,
    pub language: String,
}

/// One entry: a post, or a comment in a comment feed.
#[derive(Debug, Clone)]
pub struct FeedEntry {
    pub title: String,
    /// Absolute URL; also the entry's permanent id.
    pub url: String,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub author: String,
    /// Sanitized HTML, sent escaped as the spec asks.
    pub content_html: String,
    pub categories: Vec<String>,
}

/// An Atom 1.0 feed; `updated` is the newest entry's, or `fallback_updated` for an empty feed.
pub fn atom(meta: &FeedMeta, entries: &[FeedEntry], fallback_updated: DateTime<Utc>) -> String {
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or(fallback_updated);
    let mut w = Xml::new(feed_capacity(entries));
    w.start("feed", &[("xmlns", "http://www.w3.org/2005/Atom"), ("xml:lang", &meta.language)]);
    w.text("title", &meta.title);
    w.text("subtitle", &meta.subtitle);
    w.text("id", &meta.feed_url);
    w.empty("link", &[("rel", "self"), ("href", &meta.feed_url)]);
    w.empty("link", &[("rel", "alternate"), ("type", "text/html"), ("href", &meta.site_url)]);
    w.text("updated", &date::rfc3339(updated));
    w.start("author", &[]);
    w.text("name", &meta.author);
    w.end("author");
    w.text("generator", "edge-blog");
    for e in entries {
        w.start("entry", &[]);
        w.text("title", &e.title);
        w.text("id", &e.url);
        w.empty("link", &[("rel", "alternate"), ("href", &e.url)]);
        w.text("published", &date::rfc3339(e.published));
        w.text("updated", &date::rfc3339(e.updated));
        w.start("author", &[]);
        w.text("name", &e.author);
        w.end("author");
        for c in &e.categories {
            w.empty("category", &[("term", c)]);
        }
        w.element("content", &[("type", "html")], &e.content_html);
        w.end("entry");
    }
    w.end("feed");
    w.finish()
}

/// An RSS 2.0 feed of the same entries.
pub fn rss(meta: &FeedMeta, entries: &[FeedEntry], fallback_updated: DateTime<Utc>) -> String {
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or(fallback_updated);
    let mut w = Xml::new(feed_capacity(entries));
    w.start("rss", &[("version", "2.0"), ("xmlns:atom", "http://www.w3.org/2005/Atom")]);
    w.start("channel", &[]);
    w.text("title", &meta.title);
    w.text("link", &meta.site_url);
    w.text("description", &meta.subtitle);
    w.text("language", &meta.language);
    w.text("lastBuildDate", &date::rfc2822(updated));
    w.empty("atom:link", &[("href", &meta.feed_url), ("rel", "self"), ("type", "application/rss+xml")]);
    for e in entries {
        w.start("item", &[]);
        w.text("title", &e.title);
        w.text("link", &e.url);
        w.element("guid", &[("isPermaLink", "true")], &e.url);
        w.text("pubDate", &date::rfc2822(e.published));
        for c in &e.categories {
            w.text("category", c);
        }
        w.text("description", &e.content_html);
        w.end("item");
    }
    w.end("channel");
    w.end("rss");
    w.finish()
}

/// About the size of a feed of `entries`, so that its text is not moved as it grows: the escaped HTML of each and
/// its other elements.
fn feed_capacity(entries: &[FeedEntry]) -> usize {
    2048 + entries.iter().map(|e| e.content_html.len() * 5 / 4 + 512).sum::<usize>()
}

/// A sitemap of absolute URLs with their last modification time.
pub fn sitemap(urls: &[(String, Option<DateTime<Utc>>)]) -> String {
    sitemap_document("urlset", "url", urls)
}

/// A sitemap index: the sitemaps at these absolute URLs, with their last modification time.
pub fn sitemap_index(sitemaps: &[(String, Option<DateTime<Utc>>)]) -> String {
    sitemap_document("sitemapindex", "sitemap", sitemaps)
}

/// The two share a shape: a root of entries, each a location and an optional date.
fn sitemap_document(root: &str, entry: &str, entries: &[(String, Option<DateTime<Utc>>)]) -> String {
    let mut w = Xml::new(256 + entries.iter().map(|(loc, _)| loc.len() + 80).sum::<usize>());
    w.start(root, &[("xmlns", "http://www.sitemaps.org/schemas/sitemap/0.9")]);
    for (loc, lastmod) in entries {
        w.start(entry, &[]);
        w.text("loc", loc);
        if let Some(m) = lastmod {
            w.text("lastmod", &date::ymd(*m));
        }
        w.end(entry);
    }
    w.end(root);
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn meta() -> FeedMeta {
        FeedMeta {
            title: "Tom & Jerry's <blog>".into(),
            subtitle: "s".into(),
            site_url: "https://b.example/".into(),
            feed_url: "https://b.example/feed.xml".into(),
            author: "A".into(),
            language: "en".into(),
        }
    }

    fn entry() -> FeedEntry {
        let t = Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap();
        FeedEntry {
            title: "1 < 2".into(),
            url: "https://b.example/posts/a/".into(),
            published: t,
            updated: t,
            author: "A".into(),
            content_html: "<p>x &amp; y</p>".into(),
            categories: vec!["rust".into()],
        }
    }

    fn assert_well_formed(xml: &str) {
        let mut reader = quick_xml::Reader::from_str(xml);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("not well-formed: {e}\n{xml}"),
            }
        }
    }

    #[test]
    fn atom_escapes_text_and_html_content() {
        let xml = atom(&meta(), &[entry()], Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap());
        assert_well_formed(&xml);
        assert!(
            xml.contains("<title>Tom &amp; Jerry&apos;s &lt;blog&gt;</title>")
                || xml.contains("<title>Tom &amp; Jerry's &lt;blog&gt;</title>"),
            "{xml}"
        );
        assert!(xml.contains("&lt;p&gt;x &amp;amp; y&lt;/p&gt;"), "{xml}");
        assert!(xml.contains("<updated>2024-05-01T09:00:00+00:00</updated>"), "{xml}");
    }

    #[test]
    fn characters_xml_does_not_allow_are_dropped_so_the_feed_stays_readable() {
        let e = FeedEntry { title: "Bell\u{7} and \u{1b}[0m escape\u{ffff}, tab\tkept".into(), ..entry() };
        let entries = [e];
        for xml in [atom(&meta(), &entries, entries[0].updated), rss(&meta(), &entries, entries[0].updated)] {
            assert_well_formed(&xml);
            assert!(xml.contains("<title>Bell and [0m escape, tab\tkept</title>"), "{xml}");
        }
    }

    #[test]
    fn rss_has_rfc2822_dates_and_a_self_link() {
        let xml = rss(&meta(), &[entry()], Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap());
        assert_well_formed(&xml);
        assert!(xml.contains("<pubDate>Wed, 1 May 2024 09:00:00 +0000</pubDate>"), "{xml}");
        assert!(xml.contains("rel=\"self\""), "{xml}");
    }

    #[test]
    fn sitemap_lists_locations_with_dates() {
        let t = Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap();
        let xml = sitemap(&[("https://b.example/".into(), None), ("https://b.example/posts/a/".into(), Some(t))]);
        assert_well_formed(&xml);
        assert!(xml.contains("<lastmod>2024-05-01</lastmod>"), "{xml}");
    }

    #[test]
    fn a_sitemap_index_lists_sitemaps() {
        let xml = sitemap_index(&[
            ("https://b.example/sitemaps/site.xml".into(), None),
            ("https://b.example/sitemaps/posts-1.xml?a&b".into(), None),
        ]);
        assert_well_formed(&xml);
        assert!(xml.contains("<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"), "{xml}");
        assert!(xml.contains("<sitemap>\n    <loc>https://b.example/sitemaps/posts-1.xml?a&amp;b</loc>\n  </sitemap>"), "{xml}");
    }
}
