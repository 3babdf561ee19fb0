//! The archive as prepared when a list is stored: each [`List`] of posts is also kept as the archive's text of its
//! posts, already in HTML ([`archive_key`]), so that a fresh isolate joins the lines of the archive's first page
//! instead of parsing and rendering up to two hundred posts (see BENCHMARKS.md, round 17). Every archive page is made
//! from this text: the pages of an index written before it, or of a store that lacks it, from the text of their lists.
//!
//! The text: for each month, newest first, a line `#<month>`, then a line for each of its posts,
//! `<Unix seconds>[.<nanoseconds>]\t<li>…</li>`. Scheduled posts are in it; a reader leaves out those dated after now.
//! Its layout and its entries' HTML are named by [`ARCHIVE_FORMAT`], which the key carries: the list's version names
//! only its posts.

use crate::core::date;
use crate::core::index::List;
use crate::core::views::{ArchiveEntry, ArchiveMonthView, DateView};
use askama::Template;
use chrono::{DateTime, Utc};

/// Names what [`text`] makes of a list. Change it with the text's layout or its entries' HTML (a test pins them):
/// the index then names texts under new keys, so a publish writes them all anew and retires the old, and readers
/// never join the texts of two releases.
pub const ARCHIVE_FORMAT: &str = "a2";

/// KV key of the archive text in `format` of chunk `n`'s list at `version` (the list's).
pub fn archive_key(format: &str, n: usize, version: &str) -> String {
    format!("index:archive:{n}:{format}-{version}")
}

/// The archive text of `list`'s posts (see the module).
pub fn text(list: &List) -> Result<String, askama::Error> {
    let (mut text, mut month) = (String::new(), String::new());
    for post in list.posts.iter().filter(|p| !p.draft) {
        let Some(date) = post.date else { continue };
        let label = date::month_year(date);
        if label != month {
            text += "#";
            text += &label;
            text += "\n";
            month = label;
        }
        // Its fraction of a second too, if any: the line is shown exactly when the post is visible
        // (`PostMeta::is_visible`), as the kept page's key counts it.
        text += &date.timestamp().to_string();
        if date.timestamp_subsec_nanos() > 0 {
            text += &format!(".{:09}", date.timestamp_subsec_nanos());
        }
        text += "\t";
        // A line break in a title would cut its line: in HTML it reads as a space.
        let title = post.title.replace('\n', " ");
        ArchiveEntry { date: DateView::new(date), title: &title, url: post.url() }.render_into(&mut text)?;
        text += "\n";
    }
    Ok(text)
}

/// The months of the archive in `texts` (a page's lists, newest first) with the posts a reader may see at `now`; a
/// month split between two lists is shown as one.
pub fn months(texts: &[String], now: DateTime<Utc>) -> Vec<ArchiveMonthView> {
    let now = (now.timestamp(), now.timestamp_subsec_nanos());
    let mut months: Vec<ArchiveMonthView> = Vec::new();
    let mut month = "";
    for line in texts.iter().flat_map(|t| t.split('\n')) {
        if let Some(label) = line.strip_prefix('#') {
            month = label;
            continue;
        }
        let Some((at, entry)) = line.split_once('\t') else { continue };
        if time(at).is_none_or(|at| at > now) {
            continue;
        }
        match months.last_mut() {
            Some(m) if m.label == month => {
                m.entries += "\n    ";
                m.entries += entry;
            }
            _ => months.push(ArchiveMonthView { label: month.to_string(), entries: entry.to_string() }),
        }
    }
    months
}

/// A line's time: Unix seconds, and the nanoseconds after them when the post's date has a fraction.
fn time(at: &str) -> Option<(i64, u32)> {
    let (secs, nanos) = at.split_once('.').unwrap_or((at, "0"));
    Some((secs.parse().ok()?, nanos.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::index::SiteIndex;
    use crate::core::post::{Kind, Post, PostSummary};
    use chrono::{TimeZone, Utc};

    fn summary(slug: &str, title: &str, date: &str) -> PostSummary {
        let src = format!("+++\ntitle = \"{title}\"\ndate = {date}\n+++\nBody of {slug}.");
        let post = Post::parse(&src, Kind::Post, Some(slug)).unwrap();
        post.summary(&post.render())
    }

    /// The months shown at `now`, as (label, titles in order).
    fn shown(texts: &[String], now: (i32, u32, u32)) -> Vec<(String, Vec<String>)> {
        let now = Utc.with_ymd_and_hms(now.0, now.1, now.2, 0, 0, 0).unwrap();
        let titles = |entries: &str| {
            entries.split("<a href=").skip(1).map(|a| a[a.find('>').unwrap() + 1..a.find("</a>").unwrap()].to_string()).collect()
        };
        months(texts, now).iter().map(|m| (m.label.clone(), titles(&m.entries))).collect()
    }

    fn list(posts: Vec<PostSummary>) -> List {
        let mut list = SiteIndex::default();
        list.posts = posts;
        list
    }

    #[test]
    fn the_archive_shows_the_visible_posts_by_month_and_a_scheduled_one_at_its_time() {
        let text = text(&list(vec![
            summary("later", "Later", "2026-01-01"),
            summary("new", "New", "2024-12-01"),
            summary("mid", "Mid", "2024-03-15"),
            summary("early", "Early", "2024-03-02"),
            summary("old", "Old", "2023-03-01"),
        ]))
        .unwrap();
        let expected = |months: &[(&str, &[&str])]| -> Vec<(String, Vec<String>)> {
            months.iter().map(|(l, t)| (l.to_string(), t.iter().map(|t| t.to_string()).collect())).collect()
        };
        let shown_then = shown(std::slice::from_ref(&text), (2025, 1, 1));
        assert_eq!(shown_then, expected(&[("December 2024", &["New"]), ("March 2024", &["Mid", "Early"]), ("March 2023", &["Old"])]));
        let shown_later = shown(std::slice::from_ref(&text), (2026, 1, 2));
        assert_eq!(shown_later[0], expected(&[("January 2026", &["Later"])])[0], "scheduled, then shown");
        assert_eq!(shown(&[String::new()], (2026, 1, 2)), expected(&[]));
    }

    #[test]
    fn a_month_split_between_two_lists_is_one_month() {
        let newer = text(&list(vec![summary("b", "B", "2024-03-15"), summary("a", "A", "2024-03-10")])).unwrap();
        let older = text(&list(vec![summary("z", "Z", "2024-03-02"), summary("y", "Y", "2024-02-02")])).unwrap();
        let months: Vec<_> = shown(&[newer, older], (2025, 1, 1)).into_iter().map(|(l, t)| (l, t.len())).collect();
        assert_eq!(months, [("March 2024".to_string(), 3), ("February 2024".to_string(), 1)]);
    }

    #[test]
    fn an_entry_is_escaped_html_on_one_line_with_its_title_as_written() {
        let title = "Tabs\\tand <b>\\\"quotes\\\"</b>\\nhere,\u{a0}Pourquoi\u{202f}?";
        let text = text(&list(vec![summary("odd", title, "2024-03-15")])).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
        let entry = &months(std::slice::from_ref(&text), DateTime::<Utc>::MAX_UTC)[0].entries;
        assert!(entry.starts_with("<li><time datetime=\"2024-03-15T00:00:00+00:00\">15 March 2024</time>"), "{entry}");
        let shown = "Tabs\tand &#60;b&#62;&#34;quotes&#34;&#60;/b&#62; here,\u{a0}Pourquoi\u{202f}?";
        assert!(entry.ends_with(&format!("<a href=\"/posts/odd/\">{shown}</a></li>")), "{entry}");
    }

    #[test]
    fn a_post_is_shown_from_its_time_and_one_without_a_date_or_a_draft_never() {
        let (mut undated, mut draft) = (summary("undated", "Undated", "2024-03-01"), summary("draft", "Draft", "2024-03-01"));
        (undated.date, draft.draft) = (None, true);
        let text = text(&list(vec![summary("due", "Due", "2024-03-02"), undated, draft])).unwrap();
        let due = Utc.with_ymd_and_hms(2024, 3, 2, 0, 0, 0).unwrap();
        assert_eq!(months(std::slice::from_ref(&text), due - chrono::Duration::seconds(1)).len(), 0);
        let shown = months(std::slice::from_ref(&text), due);
        assert_eq!((shown.len(), shown[0].entries.matches("<li>").count()), (1, 1), "{text}");
    }

    #[test]
    fn a_post_dated_within_a_second_is_shown_from_its_time_exactly() {
        // As the post is visible (`PostMeta::is_visible`), which the key of a kept archive page counts: a page kept
        // under a key that counts it must show it.
        let text = text(&list(vec![summary("half", "Half", "2024-03-02T00:00:00.5Z")])).unwrap();
        let due = Utc.with_ymd_and_hms(2024, 3, 2, 0, 0, 0).unwrap() + chrono::Duration::milliseconds(500);
        for (now, shown) in [(due - chrono::Duration::milliseconds(1), 0), (due, 1), (due + chrono::Duration::milliseconds(200), 1)] {
            let post = &summary("half", "Half", "2024-03-02T00:00:00.5Z");
            assert_eq!(post.is_visible(now), shown == 1, "{now}");
            assert_eq!(months(std::slice::from_ref(&text), now).len(), shown, "at {now}: {text}");
        }
    }

    #[test]
    fn the_text_is_named_by_its_format() {
        // Each kind of line and an entry's escaping: a change to any of them comes with a new `ARCHIVE_FORMAT`.
        let posts = vec![summary("b", "B & <c>", "2024-03-15T08:30:00+02:00"), summary("a", "A", "2024-02-10")];
        let text = text(&list(posts)).unwrap();
        let pinned = "#March 2024\n\
            1710484200\t<li><time datetime=\"2024-03-15T06:30:00+00:00\">15 March 2024</time> <a href=\"/posts/b/\">B &#38; &#60;c&#62;</a></li>\n\
            #February 2024\n\
            1707523200\t<li><time datetime=\"2024-02-10T00:00:00+00:00\">10 February 2024</time> <a href=\"/posts/a/\">A</a></li>\n";
        assert_eq!((ARCHIVE_FORMAT, text.as_str()), ("a2", pinned));
    }
}
