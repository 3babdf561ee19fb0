//! Markdown to HTML: posts get the full CommonMark set plus extensions; comments get text formatting only.

use crate::core::sanitize;
use crate::core::slug::slugify;
use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};
use std::collections::HashSet;

/// The marker an author puts in a post to end the excerpt shown on list pages.
pub const MORE_MARKER: &str = "<!-- more -->";
const WORDS_PER_MINUTE: usize = 220;

/// A post body rendered and sanitized: what its page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub html: String,
    pub reading_minutes: u32,
    /// The words of the post without markup, for search and the meta description.
    pub text: String,
}

/// What list pages and feeds show of a post; needed when publishing, not when its page is served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    pub html: String,
    /// True when the excerpt is not the whole post, so list pages offer "Continue reading".
    pub has_more: bool,
}

fn post_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Ids the page around a post's body gives its own elements (`templates/`): a heading must not take one, or the
/// page's links to them (the skip link, "N comments", a form's labels, a comment's address) would lead to the heading.
const PAGE_IDS: &[&str] = &[
    "main",
    "q",
    "comments",
    "comments-heading",
    "comment-notice",
    "comment-form",
    "author",
    "author-error",
    "email",
    "email-error",
    "url",
    "url-error",
    "body",
    "body-error",
    "website_confirm",
];

/// Whether the page around a post's body uses `id`: one of [`PAGE_IDS`], or a comment's `comment-<number>`.
fn taken_by_page(id: &str) -> bool {
    PAGE_IDS.contains(&id) || id.strip_prefix("comment-").is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Footnotes are named by their author (`[^1]`, `[^a]`); written as ids, such names would clash with the page's. Each
/// gets this prefix.
const FOOTNOTE_PREFIX: &str = "fn-";

/// Renders a post body.
pub fn render_post(markdown: &str) -> Rendered {
    // About one event per 16 bytes of Markdown, so that the events are not moved as they grow.
    let mut events = Vec::with_capacity(markdown.len() / 16);
    events.extend(Parser::new_ext(markdown, post_options()));
    let events = with_ids(events);
    let text = plain_text(&events, markdown.len());
    let words = count_words(&text);
    Rendered { html: sanitize::post(events), reading_minutes: words.div_ceil(WORDS_PER_MINUTE).max(1) as u32, text }
}

/// The excerpt of a post body: up to `<!-- more -->`, or else the first paragraph.
pub fn excerpt(markdown: &str) -> Excerpt {
    // Without footnotes: a list page does not show the notes, and their ids would repeat from post to post. Old-style
    // footnotes, so that a reference whose note is past the marker is still known for one, not left as `[^1]`.
    let events = |markdown| with_ids(without_footnotes(Parser::new_ext(markdown, post_options() | Options::ENABLE_OLD_FOOTNOTES)));
    if let Some(at) = markdown.find(MORE_MARKER) {
        return Excerpt { html: sanitize::post(events(&markdown[..at])), has_more: true };
    }
    let events = events(markdown);
    let first = first_paragraph(&events);
    Excerpt { has_more: first.len() < events.len(), html: sanitize::post(first) }
}

/// What the sanitizer removes from a post body as its author wrote it, each with its 1-based line in the body, so that
/// `blog check` can warn of it. Rendering does not call it: it parses the body again, as [`render_post`] does.
pub fn removed_from_post(markdown: &str) -> Vec<(usize, sanitize::Removal)> {
    let removed = sanitize::removed_from_post(Parser::new_ext(markdown, post_options()).into_offset_iter());
    removed.into_iter().map(|(at, removal)| (line_at(markdown, at), removal)).collect()
}

/// The 1-based line of the byte at `at`.
fn line_at(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())].iter().filter(|b| **b == b'\n').count() + 1
}

/// Renders a front matter `summary` (inline Markdown) as one paragraph.
pub fn render_inline_summary(summary: &str) -> String {
    sanitize::post(Parser::new_ext(summary, Options::ENABLE_SMART_PUNCTUATION | Options::ENABLE_STRIKETHROUGH))
}

/// Renders a post body as plain HTML for an export: no smart punctuation, so that the text reads back
/// exactly as written.
pub fn render_for_export(markdown: &str) -> String {
    let options = post_options() - Options::ENABLE_SMART_PUNCTUATION;
    sanitize::post(Parser::new_ext(markdown, options))
}

/// Renders a comment for an export, like [`render_comment`] without smart punctuation.
pub fn render_comment_for_export(markdown: &str) -> String {
    comment_html(markdown, Options::ENABLE_STRIKETHROUGH)
}

/// Renders a reader's comment: emphasis, links, code, quotes and lists. Raw HTML is shown as text; the comment
/// policy turns images into links and headings into paragraphs.
pub fn render_comment(markdown: &str) -> String {
    comment_html(markdown, Options::ENABLE_STRIKETHROUGH | Options::ENABLE_SMART_PUNCTUATION)
}

fn comment_html(markdown: &str, options: Options) -> String {
    let events = Parser::new_ext(markdown, options).filter_map(|event| match event {
        Event::Start(Tag::HtmlBlock) | Event::End(TagEnd::HtmlBlock) => None,
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        other => Some(other),
    });
    sanitize::comment(events)
}

/// Gives every heading without an explicit `{#id}` an id made from its text, unique in the post and apart from the
/// page's own, and every footnote name [`FOOTNOTE_PREFIX`].
fn with_ids(mut events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    let mut used = HashSet::new();
    for i in 0..events.len() {
        let Event::Start(Tag::Heading { id: None, .. }) = &events[i] else {
            match &mut events[i] {
                Event::Start(Tag::Heading { id: Some(id), .. }) => {
                    used.insert(id.to_string());
                }
                Event::FootnoteReference(name) | Event::Start(Tag::FootnoteDefinition(name)) => {
                    *name = CowStr::from(format!("{FOOTNOTE_PREFIX}{name}"));
                }
                _ => {}
            }
            continue;
        };
        let text: String = events[i + 1..]
            .iter()
            .take_while(|e| !matches!(e, Event::End(TagEnd::Heading(_))))
            .filter_map(|e| match e {
                Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                _ => None,
            })
            .collect();
        let base = match slugify(&text) {
            s if s.is_empty() => "section".to_string(),
            // Footnotes' ids start so; a suffix would not change that.
            s if s.starts_with(FOOTNOTE_PREFIX) => format!("h-{s}"),
            s => s,
        };
        let mut id = base.clone();
        let mut n = 1;
        while taken_by_page(&id) || !used.insert(id.clone()) {
            n += 1;
            id = format!("{base}-{n}");
        }
        if let Event::Start(Tag::Heading { id: slot, .. }) = &mut events[i] {
            *slot = Some(CowStr::from(id));
        }
    }
    events
}

/// `events` less footnote references and definitions.
fn without_footnotes<'a>(events: impl Iterator<Item = Event<'a>>) -> Vec<Event<'a>> {
    let mut in_note = 0usize;
    events
        .filter(|e| match e {
            Event::Start(Tag::FootnoteDefinition(_)) => {
                in_note += 1;
                false
            }
            Event::End(TagEnd::FootnoteDefinition) => {
                in_note -= 1;
                false
            }
            Event::FootnoteReference(_) => false,
            _ => in_note == 0,
        })
        .collect()
}

/// The events of the first paragraph, or everything before the first heading below the title if none.
fn first_paragraph<'a>(events: &[Event<'a>]) -> Vec<Event<'a>> {
    let Some(start) = events.iter().position(|e| matches!(e, Event::Start(Tag::Paragraph))) else {
        return Vec::new();
    };
    let mut depth = 0;
    for (i, e) in events[start..].iter().enumerate() {
        match e {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth -= 1;
                if depth == 0 {
                    return events[start..=start + i].to_vec();
                }
            }
            _ => {}
        }
    }
    events[start..].to_vec()
}

/// `text.split_whitespace().count()` in a sixth of the instructions: a word starts at each non-space after a space
/// or at the start. Runs of ASCII are counted pair by pair, with no state carried from one pair to the next; only
/// the characters outside ASCII are decoded.
fn count_words(text: &str) -> usize {
    let ascii_space = |b: &u8| *b == b' ' || (b'\t'..=b'\r').contains(b);
    let (mut words, mut after_space) = (0, true);
    let mut rest = text;
    while !rest.is_empty() {
        let run = &rest.as_bytes()[..rest.bytes().position(|b| !b.is_ascii()).unwrap_or(rest.len())];
        if let (Some(first), Some(last)) = (run.first(), run.last()) {
            words += usize::from(after_space && !ascii_space(first));
            words += run.iter().zip(&run[1..]).map(|(a, b)| usize::from(ascii_space(a) && !ascii_space(b))).sum::<usize>();
            after_space = ascii_space(last);
        }
        let Some(c) = rest[run.len()..].chars().next() else { break };
        words += usize::from(after_space && !c.is_whitespace());
        after_space = c.is_whitespace();
        rest = &rest[run.len() + c.len_utf8()..];
    }
    words
}

/// The words of `events`, in a string the size of the source: allocated once, unless smart quotes outgrow the markup.
fn plain_text(events: &[Event<'_>], source_len: usize) -> String {
    let mut text = String::with_capacity(source_len);
    for e in events {
        match e {
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::TableCell | TagEnd::CodeBlock | TagEnd::BlockQuote(_),
            ) if text.as_bytes().last() != Some(&b' ') => text.push(' '),
            _ => {}
        }
    }
    text.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_commonmark_extensions_authors_use() {
        let r = render_post("| a | b |\n|---|---|\n| 1 | 2 |\n\nNote[^1] ~~old~~ \"quoted\"\n\n- [x] done\n\n[^1]: The note.\n");
        assert!(r.html.contains("<table>"), "{}", r.html);
        assert!(r.html.contains("<del>old</del>"), "{}", r.html);
        assert!(r.html.contains("“quoted”"), "{}", r.html);
        assert!(r.html.contains("footnote-definition"), "{}", r.html);
        assert!(r.html.contains("type=\"checkbox\""), "{}", r.html);
    }

    #[test]
    fn headings_get_unique_ids() {
        let r = render_post("## Intro\n\n## Intro\n\n## Custom {#mine}\n");
        assert!(r.html.contains("<h2 id=\"intro\">"), "{}", r.html);
        assert!(r.html.contains("<h2 id=\"intro-2\">"), "{}", r.html);
        assert!(r.html.contains("<h2 id=\"mine\">"), "{}", r.html);
    }

    #[test]
    fn headings_and_footnotes_keep_clear_of_the_pages_own_ids() {
        let r =
            render_post("## Comments\n\n## Email\n\n## Main\n\n## Comment 2\n\nA note[^1] and another[^a].\n\n[^1]: One.\n\n[^a]: A.\n");
        for id in ["comments-2", "email-2", "main-2", "comment-2-2"] {
            assert!(r.html.contains(&format!("<h2 id=\"{id}\">")), "{id}: {}", r.html);
        }
        assert!(r.html.contains("href=\"#fn-1\"") && r.html.contains("id=\"fn-1\""), "{}", r.html);
        assert!(r.html.contains("href=\"#fn-a\"") && r.html.contains("id=\"fn-a\""), "{}", r.html);
        assert!(!r.html.contains("id=\"1\"") && !r.html.contains("id=\"a\""), "{}", r.html);
        // A list page does not show the notes, so its excerpt links to none, whether its note is past the marker
        // or before it.
        assert_eq!(excerpt("A note[^1].\n\nMore.\n\n[^1]: One.\n").html, "<p>A note.</p>\n");
        assert_eq!(excerpt("A note[^1].\n\n<!-- more -->\n\nRest.\n\n[^1]: One.\n").html, "<p>A note.</p>\n");
        assert_eq!(excerpt("A note[^1].\n\n[^1]: One.\n\n<!-- more -->\n\nRest.\n").html, "<p>A note.</p>\n");
        // A heading that reads like a footnote's id still gets one of its own (and rendering ends).
        assert!(render_post("## Fn keys\n\n## fn-1\n").html.contains("<h2 id=\"h-fn-keys\">"));
    }

    #[test]
    fn every_id_the_post_page_gives_its_own_elements_is_kept_from_headings() {
        for template in [
            include_str!("../../templates/base.html"),
            include_str!("../../templates/post.html"),
            include_str!("../../templates/_comments.html"),
            include_str!("../../templates/_comment_list.html"),
        ] {
            for value in template.split(" id=\"").skip(1).filter_map(|rest| rest.split('"').next()) {
                // `{{ c.id }}` stands for a number; `{% if %}a{% else %}b{% endif %}` for either id.
                let mut value = value.to_string();
                while let (Some(open), Some(close)) = (value.find("{{"), value.find("}}")) {
                    value.replace_range(open..close + 2, "7");
                }
                for id in value.split("{%").filter_map(|part| part.rsplit("%}").next()).filter(|id| !id.is_empty()) {
                    assert!(taken_by_page(id), "the post page gives an element id=\"{id}\": add it to PAGE_IDS");
                }
            }
        }
    }

    #[test]
    fn excerpt_ends_at_the_more_marker() {
        let source = "First.\n\nSecond.\n\n<!-- more -->\n\nThird.\n";
        assert_eq!(excerpt(source), Excerpt { html: "<p>First.</p>\n<p>Second.</p>\n".into(), has_more: true });
        assert!(render_post(source).html.contains("Third."));
    }

    #[test]
    fn excerpt_without_marker_is_the_first_paragraph() {
        assert_eq!(excerpt("## Heading\n\nOne *two*.\n\nThree.\n"), Excerpt { html: "<p>One <em>two</em>.</p>\n".into(), has_more: true });
        assert!(!excerpt("Only.\n").has_more);
    }

    #[test]
    fn reading_time_counts_words_and_is_at_least_a_minute() {
        assert_eq!(render_post("word ").reading_minutes, 1);
        assert_eq!(render_post(&"word ".repeat(661)).reading_minutes, 4);
    }

    #[test]
    fn words_are_counted_as_split_whitespace_counts_them() {
        let mixed =
            ["", " ", "one", " one  two\tthree\n", "a\u{a0}b\u{3000}c d\u{2028}", "déjà vu, naïve—café", "\u{85}x\u{85}", "é", "x\u{2003}"];
        let long = format!("“Smart” quotes – and\u{a0}no-break spaces;\u{3000}{}  ", mixed.concat());
        for text in mixed.into_iter().chain([long.as_str()]) {
            assert_eq!(count_words(text), text.split_whitespace().count(), "{text:?}");
        }
    }

    #[test]
    fn plain_text_keeps_words_for_search() {
        assert_eq!(render_post("# Title\n\nSome `code` and **bold**.").text, "Title Some code and bold.");
    }

    #[test]
    fn scripts_in_author_html_are_removed() {
        let r = render_post("<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))");
        assert!(!r.html.contains("<script"), "{}", r.html);
        assert!(!r.html.contains("onerror"), "{}", r.html);
        assert!(!r.html.contains("javascript:"), "{}", r.html);
    }

    #[test]
    fn what_the_sanitizer_removes_is_told_with_its_line() {
        use sanitize::Removal;
        let body = "\nIntro with <span onclick=\"x()\">a span</span>.\n\n<div\n  style=\"color:red\">\n\n<script>\nalert(1)\n</script>\n\n\
                    > <iframe src=\"https://e.test\"></iframe>\n\n[bad](javascript:x) ![ok](/a.png) <ada@example.org>\n";
        let attribute = |tag: &str, attribute: &str| Removal::Attribute { tag: tag.into(), attribute: attribute.into() };
        assert_eq!(
            removed_from_post(body),
            vec![
                (2, attribute("span", "onclick")),
                (4, attribute("div", "style")),
                (7, Removal::Element { tag: "script".into(), with_content: true }),
                (11, Removal::Tag("iframe".into())),
                (13, Removal::Url { tag: "a".into(), attribute: "href".into(), scheme: Some("javascript".into()) }),
            ]
        );
        // The pinned sample's kind of body, less what it removes on purpose, and the more marker: nothing to tell.
        let clean = "# T {#top}\n\n<details><summary>s</summary><dl><dt>t</dt><dd>d</dd></dl></details>\n\n<!-- more -->\n\n\
                     `<script>` in code\n\n```html\n<script>x</script>\n```\n\n- [x] done\n\n<a href=\"/about/\" title=\"A\">about</a>\n";
        assert_eq!(removed_from_post(clean), vec![]);
    }

    #[test]
    fn comments_keep_formatting_but_not_html_images_or_headings() {
        let html = render_comment("# Big\n\n*hi* <b>raw</b> ![img](http://x.test/a.png) [link](https://example.org)");
        assert!(!html.contains("<h1"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;b&gt;raw&lt;/b&gt;"), "{html}");
        assert!(html.contains("<em>hi</em>"), "{html}");
        assert!(html.contains("rel=\"nofollow ugc noopener\""), "{html}");
    }
}
