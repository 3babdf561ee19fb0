//! Atom and RSS documents, written with quick-xml so that every string is escaped by the library.

use crate::core::date;
use chrono::{DateTime, Utc};
use quick_xml::events::BytesText;
use quick_xml::Writer;
use std::io;

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

type W = Writer<Vec<u8>>;

fn text(w: &mut W, name: &str, value: &str) -> io::Result<()> {
    w.create_element(name).write_text_content(BytesText::new(value))?;
    Ok(())
}

/// An Atom 1.0 feed; `updated` is the newest entry's, or `fallback_updated` for an empty feed.
pub fn atom(meta: &FeedMeta, entries: &[FeedEntry], fallback_updated: DateTime<Utc>) -> String {
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or(fallback_updated);
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let result = (|| -> io::Result<()> {
        w.get_mut().extend_from_slice(b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        w.create_element("feed")
            .with_attribute(("xmlns", "http://www.w3.org/2005/Atom"))
            .with_attribute(("xml:lang", meta.language.as_str()))
            .write_inner_content(|w| {
                text(w, "title", &meta.title)?;
                text(w, "subtitle", &meta.subtitle)?;
                text(w, "id", &meta.feed_url)?;
                w.create_element("link").with_attribute(("rel", "self")).with_attribute(("href", meta.feed_url.as_str())).write_empty()?;
                w.create_element("link")
                    .with_attribute(("rel", "alternate"))
                    .with_attribute(("type", "text/html"))
                    .with_attribute(("href", meta.site_url.as_str()))
                    .write_empty()?;
                text(w, "updated", &date::rfc3339(updated))?;
                w.create_element("author").write_inner_content(|w| text(w, "name", &meta.author))?;
                text(w, "generator", "edge-blog")?;
                for e in entries {
                    w.create_element("entry").write_inner_content(|w| {
                        text(w, "title", &e.title)?;
                        text(w, "id", &e.url)?;
                        w.create_element("link")
                            .with_attribute(("rel", "alternate"))
                            .with_attribute(("href", e.url.as_str()))
                            .write_empty()?;
                        text(w, "published", &date::rfc3339(e.published))?;
                        text(w, "updated", &date::rfc3339(e.updated))?;
                        w.create_element("author").write_inner_content(|w| text(w, "name", &e.author))?;
                        for c in &e.categories {
                            w.create_element("category").with_attribute(("term", c.as_str())).write_empty()?;
                        }
                        w.create_element("content").with_attribute(("type", "html")).write_text_content(BytesText::new(&e.content_html))?;
                        Ok(())
                    })?;
                }
                Ok(())
            })?;
        Ok(())
    })();
    finish(w, result)
}

/// An RSS 2.0 feed of the same entries.
pub fn rss(meta: &FeedMeta, entries: &[FeedEntry], fallback_updated: DateTime<Utc>) -> String {
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or(fallback_updated);
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let result = (|| -> io::Result<()> {
        w.get_mut().extend_from_slice(b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        w.create_element("rss")
            .with_attribute(("version", "2.0"))
            .with_attribute(("xmlns:atom", "http://www.w3.org/2005/Atom"))
            .write_inner_content(|w| {
                w.create_element("channel").write_inner_content(|w| {
                    text(w, "title", &meta.title)?;
                    text(w, "link", &meta.site_url)?;
                    text(w, "description", &meta.subtitle)?;
                    text(w, "language", &meta.language)?;
                    text(w, "lastBuildDate", &date::rfc2822(updated))?;
                    w.create_element("atom:link")
                        .with_attribute(("href", meta.feed_url.as_str()))
                        .with_attribute(("rel", "self"))
                        .with_attribute(("type", "application/rss+xml"))
                        .write_empty()?;
                    for e in entries {
                        w.create_element("item").write_inner_content(|w| {
                            text(w, "title", &e.title)?;
                            text(w, "link", &e.url)?;
                            w.create_element("guid").with_attribute(("isPermaLink", "true")).write_text_content(BytesText::new(&e.url))?;
                            text(w, "pubDate", &date::rfc2822(e.published))?;
                            for c in &e.categories {
                                text(w, "category", c)?;
                            }
                            text(w, "description", &e.content_html)?;
                            Ok(())
                        })?;
                    }
                    Ok(())
                })?;
                Ok(())
            })?;
        Ok(())
    })();
    finish(w, result)
}

fn finish(w: W, result: io::Result<()>) -> String {
    // Writing into a Vec cannot fail; an error here would be a quick-xml bug, so an empty feed is enough.
    debug_assert!(result.is_ok());
    String::from_utf8(w.into_inner()).unwrap_or_default()
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
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let result = (|| -> io::Result<()> {
        w.get_mut().extend_from_slice(b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        w.create_element(root).with_attribute(("xmlns", "http://www.sitemaps.org/schemas/sitemap/0.9")).write_inner_content(|w| {
            for (loc, lastmod) in entries {
                w.create_element(entry).write_inner_content(|w| {
                    text(w, "loc", loc)?;
                    if let Some(m) = lastmod {
                        text(w, "lastmod", &date::ymd(*m))?;
                    }
                    Ok(())
                })?;
            }
            Ok(())
        })?;
        Ok(())
    })();
    finish(w, result)
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
