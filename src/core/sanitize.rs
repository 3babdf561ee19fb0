//! Sanitizing at the level of Markdown events, so that no HTML parser ships in the worker (ammonia and html5ever
//! were two fifths of its upload). What pulldown-cmark writes itself is safe once its URLs and attributes are
//! checked; the raw HTML an author writes is tokenized and rebuilt from an allowlist, every text and attribute
//! value escaped, so that the only tags a browser sees are the ones written here. Tags opened in raw HTML are
//! closed where the Markdown element around them ends, so a stray `<b>` cannot run over the rest of the page.

use pulldown_cmark::{html, Alignment, CodeBlockKind, CowStr, Event, LinkType, Tag, TagEnd};
use pulldown_cmark_escape::{escape_href, escape_html};
use std::borrow::Cow;

/// What a kind of text may contain. Public so that the fuzz checks can hold the output to it with a real HTML
/// parser (`fuzz/checks.rs`).
#[derive(Debug)]
pub struct Policy {
    /// Each allowed element, with the attributes it may carry.
    pub tags: &'static [(&'static str, &'static [&'static str])],
    /// Attributes allowed on every allowed element.
    pub generic: &'static [&'static str],
    /// The `rel` of every link.
    pub rel: &'static str,
    /// Whether a URL without a scheme (`/about/`, `#note`) may be linked.
    pub relative_urls: bool,
}

/// A generous policy for the author's posts: structure, tables, figures, footnotes, task lists and images.
/// What posts may keep. A change here changes the pages prepared at publish time: give `post::RENDERER` a new name
/// (its test says so when the sample it renders changes).
pub const POST: Policy = Policy {
    tags: &[
        ("a", &["href", "hreflang", "class"]),
        ("abbr", &[]),
        ("article", &[]),
        ("aside", &[]),
        ("b", &[]),
        ("bdi", &[]),
        ("bdo", &["dir"]),
        ("blockquote", &["cite"]),
        ("br", &[]),
        ("caption", &[]),
        ("cite", &[]),
        ("code", &["class"]),
        ("col", &["span"]),
        ("colgroup", &["span"]),
        ("data", &["value"]),
        ("dd", &[]),
        ("del", &["cite", "datetime"]),
        ("details", &["open"]),
        ("dfn", &[]),
        ("div", &["class"]),
        ("dl", &[]),
        ("dt", &[]),
        ("em", &[]),
        ("figcaption", &[]),
        ("figure", &[]),
        ("footer", &[]),
        ("h1", &[]),
        ("h2", &[]),
        ("h3", &[]),
        ("h4", &[]),
        ("h5", &[]),
        ("h6", &[]),
        ("header", &[]),
        ("hgroup", &[]),
        ("hr", &[]),
        ("i", &[]),
        ("img", &["alt", "src", "width", "height", "loading"]),
        ("input", &["type", "checked", "disabled"]),
        ("ins", &["cite", "datetime"]),
        ("kbd", &[]),
        ("li", &[]),
        ("mark", &[]),
        ("nav", &[]),
        ("ol", &["start", "reversed"]),
        ("p", &[]),
        ("pre", &[]),
        ("q", &["cite"]),
        ("rp", &[]),
        ("rt", &[]),
        ("ruby", &[]),
        ("s", &[]),
        ("samp", &[]),
        ("section", &[]),
        ("small", &[]),
        ("span", &[]),
        ("strong", &[]),
        ("sub", &[]),
        ("summary", &[]),
        ("sup", &["class"]),
        ("table", &[]),
        ("tbody", &[]),
        ("td", &["colspan", "rowspan", "headers"]),
        ("tfoot", &[]),
        ("th", &["colspan", "rowspan", "headers", "scope"]),
        ("thead", &[]),
        ("time", &["datetime"]),
        ("tr", &[]),
        ("u", &[]),
        ("ul", &[]),
        ("var", &[]),
        ("wbr", &[]),
    ],
    generic: &["id", "title", "lang"],
    rel: "noopener",
    relative_urls: true,
};

/// A strict policy for readers' comments: text formatting, absolute links, code, quotes and lists.
pub const COMMENT: Policy = Policy {
    tags: &[
        ("a", &["href", "title"]),
        ("blockquote", &[]),
        ("br", &[]),
        ("code", &[]),
        ("del", &[]),
        ("em", &[]),
        ("li", &[]),
        ("ol", &["start"]),
        ("p", &[]),
        ("pre", &[]),
        ("strong", &[]),
        ("ul", &[]),
    ],
    generic: &[],
    rel: "nofollow ugc noopener",
    relative_urls: false,
};

/// Elements without content or end tag.
const VOID: &[&str] = &["br", "col", "hr", "img", "input", "wbr"];
/// Elements removed with everything inside them: what a browser would run or apply, not show.
pub const DROPPED_WITH_CONTENT: &[&str] = &["script", "style"];
/// Attributes holding a URL, which must use one of `SCHEMES` (or none, where the policy allows that).
const URL_ATTRIBUTES: &[&str] = &["href", "src", "cite"];
pub const SCHEMES: &[&str] = &["http", "https", "mailto"];

/// Writes the events of an author's post as HTML, cleaned with the post policy.
pub fn post<'a>(events: impl IntoIterator<Item = Event<'a>>) -> String {
    clean(&POST, events)
}

/// Writes the events of a reader's comment as HTML, cleaned with the comment policy.
pub fn comment<'a>(events: impl IntoIterator<Item = Event<'a>>) -> String {
    clean(&COMMENT, events)
}

fn clean<'a>(policy: &Policy, events: impl IntoIterator<Item = Event<'a>>) -> String {
    let events = events.into_iter();
    let out = Vec::with_capacity(events.size_hint().0);
    let mut cleaner = Cleaner { policy, open: Vec::new(), depth: 0, block: None, out };
    for event in events {
        cleaner.event(event);
    }
    cleaner.close_raw_tags(0);
    // Room for the text and some markup per event, so that the page is not copied as it grows.
    let text: usize = cleaner
        .out
        .iter()
        .map(|e| match e {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => t.len(),
            _ => 10,
        })
        .sum();
    let mut html = String::with_capacity(text + text / 8);
    html::push_html(&mut html, cleaner.out.into_iter());
    html
}

struct Cleaner<'p, 'a> {
    policy: &'p Policy,
    /// Elements opened in raw HTML and not yet closed, with the Markdown depth they were opened at.
    open: Vec<(&'static str, usize)>,
    /// How many Markdown elements enclose the current event.
    depth: usize,
    /// The lines of the HTML block being read: a tag may span them.
    block: Option<String>,
    out: Vec<Event<'a>>,
}

impl<'a> Cleaner<'_, 'a> {
    fn event(&mut self, event: Event<'a>) {
        match event {
            Event::Start(Tag::HtmlBlock) => self.block = Some(String::new()),
            Event::End(TagEnd::HtmlBlock) => {
                let raw = self.block.take().unwrap_or_default();
                let html = self.raw_html(&raw);
                self.out.push(Event::Html(html.into()));
            }
            Event::Html(raw) | Event::InlineHtml(raw) => match &mut self.block {
                Some(block) => block.push_str(&raw),
                None => {
                    let html = self.raw_html(&raw);
                    self.out.push(Event::InlineHtml(html.into()));
                }
            },
            Event::Start(tag) => {
                self.depth += 1;
                let event = self.start(tag);
                self.out.push(event);
            }
            Event::End(end) => {
                self.close_raw_tags(self.depth);
                self.depth -= 1;
                let event = self.end(end);
                self.out.push(event);
            }
            Event::Rule if !self.allows("hr") => {}
            other => self.out.push(other),
        }
    }

    /// A Markdown element, with only what the policy allows.
    fn start(&self, tag: Tag<'a>) -> Event<'a> {
        Event::Start(match tag {
            Tag::Link { link_type: LinkType::Email, dest_url, title, .. } => {
                return Event::InlineHtml(self.link(&format!("mailto:{dest_url}"), &title).into())
            }
            Tag::Link { dest_url, title, .. } => return Event::InlineHtml(self.link(&dest_url, &title).into()),
            Tag::Image { dest_url, title, .. } if !self.allows("img") => return Event::InlineHtml(self.link(&dest_url, &title).into()),
            Tag::Image { link_type, dest_url, title, id } => {
                let dest_url = if self.url_allowed(&dest_url) { dest_url } else { CowStr::Borrowed("") };
                Tag::Image { link_type, dest_url, title, id }
            }
            // Classes and custom attributes from `{.class key=value}` are not allowed; the id is.
            Tag::Heading { level, id, .. } if self.allows(heading_tag(level as usize)) => {
                Tag::Heading { level, id, classes: Vec::new(), attrs: Vec::new() }
            }
            Tag::Heading { .. } => Tag::Paragraph,
            // Column alignment is written as a style attribute, which the page's CSP refuses.
            Tag::Table(columns) => Tag::Table(vec![Alignment::None; columns.len()]),
            Tag::CodeBlock(CodeBlockKind::Fenced(_)) if !self.allows_attribute("code", "class") => {
                Tag::CodeBlock(CodeBlockKind::Fenced(CowStr::Borrowed("")))
            }
            other => other,
        })
    }

    fn end(&self, end: TagEnd) -> Event<'a> {
        match end {
            TagEnd::Link => Event::InlineHtml("</a>".into()),
            TagEnd::Image if !self.allows("img") => Event::InlineHtml("</a>".into()),
            TagEnd::Heading(level) if !self.allows(heading_tag(level as usize)) => Event::End(TagEnd::Paragraph),
            other => Event::End(other),
        }
    }

    fn link(&self, url: &str, title: &str) -> String {
        let mut a = String::from("<a");
        if self.url_allowed(url) {
            a.push_str(" href=\"");
            escape_href(&mut a, url).expect("writing to a String");
            a.push('"');
        }
        if !title.is_empty() {
            a.push_str(" title=\"");
            escape_html(&mut a, title).expect("writing to a String");
            a.push('"');
        }
        a.push_str(" rel=\"");
        a.push_str(self.policy.rel);
        a.push_str("\">");
        a
    }

    /// Rebuilds raw HTML from the allowed tags; the rest of it becomes text, or goes when it is a comment,
    /// a declaration, or an element whose content is code.
    fn raw_html(&mut self, raw: &str) -> String {
        let mut out = String::new();
        let mut rest = raw;
        while let Some(lt) = rest.find('<') {
            push_text(&mut out, &rest[..lt]);
            rest = &rest[lt..];
            rest = match markup(rest) {
                Markup::Skip(len) => &rest[len..],
                Markup::Tag(tag) => {
                    let after = &rest[tag.len..];
                    match DROPPED_WITH_CONTENT.iter().find(|name| **name == tag.name) {
                        Some(name) if !tag.closing => skip_past_end_tag(after, name),
                        _ => {
                            self.raw_tag(&tag, &mut out);
                            after
                        }
                    }
                }
                Markup::Text => {
                    out.push_str("&lt;");
                    &rest[1..]
                }
            };
        }
        push_text(&mut out, rest);
        out
    }

    fn raw_tag(&mut self, tag: &RawTag, out: &mut String) {
        let Some(&(name, own)) = self.policy.tags.iter().find(|(name, _)| *name == tag.name) else { return };
        if tag.closing {
            // Only an element opened inside the same Markdown element can be closed here.
            let Some(at) = self.open.iter().rposition(|&(open, depth)| open == name && depth == self.depth) else { return };
            out.push_str(&self.end_tags(at));
            return;
        }
        // A browser closes an open `li` (or `dd`, `dt`) and everything after it when the next one starts, even
        // through a `div`; a later `</div>` would then close one of the page's own. So an item only opens inside
        // its list, after closing what was opened since.
        if let Some(lists) = list_parents(name) {
            let Some(list) = self.open.iter().rposition(|&(open, depth)| depth == self.depth && lists.contains(&open)) else { return };
            out.push_str(&self.end_tags(list + 1));
        }
        out.push('<');
        out.push_str(name);
        let mut written: Vec<&str> = Vec::new();
        for (attribute, value) in &tag.attributes {
            let Some(attribute) = own.iter().chain(self.policy.generic).find(|a| **a == attribute.as_str()) else { continue };
            if written.contains(attribute) {
                continue;
            }
            let value = decode_entities(value);
            let refused = (URL_ATTRIBUTES.contains(attribute) && !self.url_allowed(&value)) || (name == "input" && *attribute == "type");
            if refused {
                continue;
            }
            written.push(attribute);
            out.push(' ');
            out.push_str(attribute);
            out.push_str("=\"");
            escape_html(&mut *out, &value).expect("writing to a String");
            out.push('"');
        }
        // The only input a post may hold is a task list's checkbox; without a type it would be a text field.
        if name == "input" {
            out.push_str(" type=\"checkbox\"");
        }
        if name == "a" {
            out.push_str(" rel=\"");
            out.push_str(self.policy.rel);
            out.push('"');
        }
        out.push('>');
        if !VOID.contains(&name) {
            self.open.push((name, self.depth));
        }
    }

    /// Closes the raw elements opened at `depth` or deeper, innermost first.
    fn close_raw_tags(&mut self, depth: usize) {
        // Depths only grow along the list, so the ones to close are at its end.
        let at = self.open.iter().rposition(|&(_, d)| d < depth).map_or(0, |i| i + 1);
        if at < self.open.len() {
            let end_tags = self.end_tags(at);
            self.out.push(Event::InlineHtml(end_tags.into()));
        }
    }

    /// The end tags of the open raw element at `at` and of every one opened after it, which are taken off the list.
    fn end_tags(&mut self, at: usize) -> String {
        self.open.drain(at..).rev().map(|(name, _)| format!("</{name}>")).collect()
    }

    fn allows(&self, tag: &str) -> bool {
        self.policy.tags.iter().any(|(name, _)| *name == tag)
    }

    fn allows_attribute(&self, tag: &str, attribute: &str) -> bool {
        self.policy.tags.iter().any(|(name, own)| *name == tag && own.contains(&attribute))
    }

    /// Whether a browser would resolve `url` with an allowed scheme (or none, where relative URLs are allowed).
    fn url_allowed(&self, url: &str) -> bool {
        // As a browser's URL parser does: outer spaces and controls go, tabs and newlines anywhere.
        let url: String = url.trim_matches(|c: char| c <= ' ').chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
        match scheme(&url) {
            Some(scheme) => SCHEMES.iter().any(|allowed| scheme.eq_ignore_ascii_case(allowed)),
            None => self.policy.relative_urls,
        }
    }
}

fn heading_tag(level: usize) -> &'static str {
    ["h1", "h2", "h3", "h4", "h5", "h6"][level.clamp(1, 6) - 1]
}

/// The scheme of a URL, as the URL standard reads it: letters, digits, `+`, `-` and `.` before the first `:`.
fn scheme(url: &str) -> Option<&str> {
    let end = url.find([':', '/', '?', '#'])?;
    let scheme = &url[..end];
    let valid = url[end..].starts_with(':')
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then_some(scheme)
}

/// Text between tags: `<` and `>` escaped; `&` kept, since it can only start a character reference.
fn push_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

/// Character references in an attribute value: numeric ones and the common named ones. Others stay as
/// written, and are escaped on output, so the value the browser sees is the one checked here.
fn decode_entities(value: &str) -> Cow<'_, str> {
    if !value.contains('&') {
        return Cow::Borrowed(value);
    }
    const NAMED: &[(&str, char)] = &[("amp;", '&'), ("lt;", '<'), ("gt;", '>'), ("quot;", '"'), ("apos;", '\''), ("nbsp;", '\u{a0}')];
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp + 1..];
        if let Some((c, len)) = numeric_reference(rest) {
            out.push(c);
            rest = &rest[len..];
        } else if let Some((name, c)) = NAMED.iter().find(|(name, _)| rest.starts_with(name)) {
            out.push(*c);
            rest = &rest[name.len()..];
        } else {
            out.push('&');
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// `#123;` or `#x7b;` (the `;` is optional, as in browsers), as the character and the length read.
fn numeric_reference(s: &str) -> Option<(char, usize)> {
    let digits_at = if s.starts_with("#x") || s.starts_with("#X") {
        2
    } else if s.starts_with('#') {
        1
    } else {
        return None;
    };
    let radix = if digits_at == 2 { 16 } else { 10 };
    let digits = s[digits_at..].chars().take_while(|c| c.is_digit(radix)).count();
    if digits == 0 {
        return None;
    }
    let code = u32::from_str_radix(&s[digits_at..digits_at + digits], radix).unwrap_or(u32::MAX);
    let c = char::from_u32(code).filter(|c| *c != '\0').unwrap_or('\u{fffd}');
    let len = digits_at + digits + usize::from(s[digits_at + digits..].starts_with(';'));
    Some((c, len))
}

/// What starts at a `<` in raw HTML.
enum Markup {
    Tag(RawTag),
    /// A comment, declaration or processing instruction, of this many bytes.
    Skip(usize),
    /// Not markup: the `<` is text.
    Text,
}

struct RawTag {
    /// Lowercase.
    name: String,
    closing: bool,
    /// Names lowercase, values as written (character references not decoded).
    attributes: Vec<(String, String)>,
    /// Bytes from the `<` to after the `>`.
    len: usize,
}

fn markup(s: &str) -> Markup {
    if let Some(comment) = s.strip_prefix("<!--") {
        // `<!-->` and `<!--->` end at once, as in a browser; an unterminated comment hides the rest.
        let len = ["", "-"]
            .iter()
            .find_map(|p| comment.strip_prefix(p).filter(|r| r.starts_with('>')).map(|_| 4 + p.len() + 1))
            .or_else(|| comment.find("-->").map(|end| 4 + end + 3));
        return Markup::Skip(len.unwrap_or(s.len()));
    }
    if s.starts_with("<!") || s.starts_with("<?") {
        return Markup::Skip(s.find('>').map_or(s.len(), |end| end + 1));
    }
    match raw_tag(s) {
        Some(tag) => Markup::Tag(tag),
        None => Markup::Text,
    }
}

/// Reads a start or end tag at the start of `s`, as a browser's tokenizer would; `None` if it is not one or
/// does not end.
fn raw_tag(s: &str) -> Option<RawTag> {
    let b = s.as_bytes();
    let closing = b.get(1) == Some(&b'/');
    let mut i = if closing { 2 } else { 1 };
    if !b.get(i)?.is_ascii_alphabetic() {
        return None;
    }
    let space = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c');
    let start = i;
    while i < b.len() && !space(b[i]) && b[i] != b'/' && b[i] != b'>' {
        i += 1;
    }
    let name = s[start..i].to_ascii_lowercase();
    let mut attributes = Vec::new();
    loop {
        while i < b.len() && (space(b[i]) || b[i] == b'/') {
            i += 1;
        }
        match b.get(i)? {
            b'>' => return Some(RawTag { name, closing, attributes, len: i + 1 }),
            _ => {
                let start = i;
                i += 1;
                while i < b.len() && !space(b[i]) && !matches!(b[i], b'/' | b'>' | b'=') {
                    i += 1;
                }
                let attribute = s[start..i].to_ascii_lowercase();
                while i < b.len() && space(b[i]) {
                    i += 1;
                }
                let mut value = "";
                if b.get(i) == Some(&b'=') {
                    i += 1;
                    while i < b.len() && space(b[i]) {
                        i += 1;
                    }
                    match b.get(i)? {
                        quote @ (b'"' | b'\'') => {
                            let end = i + 1 + s[i + 1..].find(*quote as char)?;
                            value = &s[i + 1..end];
                            i = end + 1;
                        }
                        _ => {
                            let start = i;
                            while i < b.len() && !space(b[i]) && b[i] != b'>' {
                                i += 1;
                            }
                            value = &s[start..i];
                        }
                    }
                }
                attributes.push((attribute, value.to_string()));
            }
        }
    }
}

/// The rest of `s` after the end tag of `name` (`</script>`); nothing if it does not come.
fn skip_past_end_tag<'s>(s: &'s str, name: &str) -> &'s str {
    let b = s.as_bytes();
    let mut from = 0;
    while let Some(at) = s[from..].find("</").map(|at| from + at) {
        let after = at + 2 + name.len();
        let ends_name = b.get(at + 2..after).is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
            && b.get(after).is_none_or(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>'));
        if ends_name {
            return s[after..].find('>').map_or("", |end| &s[after + end + 1..]);
        }
        from = at + 2;
    }
    ""
}

/// The lists an item element belongs in.
fn list_parents(name: &str) -> Option<&'static [&'static str]> {
    match name {
        "li" => Some(&["ul", "ol"]),
        "dd" | "dt" => Some(&["dl"]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulldown_cmark::{Options, Parser};

    fn post_html(markdown: &str) -> String {
        post(Parser::new_ext(markdown, Options::ENABLE_TASKLISTS | Options::ENABLE_TABLES | Options::ENABLE_HEADING_ATTRIBUTES))
    }

    fn comment_html(markdown: &str) -> String {
        comment(Parser::new(markdown))
    }

    #[test]
    fn post_policy_keeps_ids_classes_and_task_boxes() {
        let html = r#"<h2 id="x">X</h2><pre><code class="language-rust">fn</code></pre><input checked="" disabled="" type="checkbox">"#;
        assert_eq!(post_html(html), html);
        assert_eq!(post_html("- [x] done"), "<ul>\n<li><input disabled=\"\" type=\"checkbox\" checked=\"\"/>\ndone</li>\n</ul>\n");
    }

    #[test]
    fn post_policy_removes_active_content() {
        let cleaned = post_html(
            r#"<iframe src="https://x"></iframe><input type="text"><a href="javascript:x()" onclick="y()">a</a><style>*{}</style>"#,
        );
        assert_eq!(cleaned, "<input type=\"checkbox\"><a rel=\"noopener\">a</a>");
        assert_eq!(post_html("<script>\nalert(1)\n</script>\n\nAfter."), "\n<p>After.</p>\n");
        assert_eq!(post_html("Hi <script>x</script> there <SCRIPT >y</script >."), "<p>Hi x there y.</p>\n");
    }

    #[test]
    fn urls_are_checked_as_a_browser_reads_them() {
        for url in [
            "javascript:alert(1)",
            " JaVaScRiPt:x",
            "java\tscript:x",
            "&#106;avascript:x",
            "&#106avascript:x",
            "&#x6A;avascript:x",
            "data:text/html,x",
            "vbscript:x",
        ] {
            let html = post_html(&format!("<a href=\"{url}\">x</a> <img src=\"{url}\">"));
            assert!(!html.contains("href") && !html.contains("src"), "{url}: {html}");
        }
        assert_eq!(post_html("[x](javascript:alert(1)) ![y](data:x)"), "<p><a rel=\"noopener\">x</a> <img src=\"\" alt=\"y\" /></p>\n");
        let kept = post_html("<a href=\"/about/?a=1&amp;b=2\">a</a> [b](https://e.org/x?y=1&z=2 \"T\")");
        assert_eq!(
            kept,
            "<p><a href=\"/about/?a=1&amp;b=2\" rel=\"noopener\">a</a> <a href=\"https://e.org/x?y=1&amp;z=2\" title=\"T\" rel=\"noopener\">b</a></p>\n"
        );
    }

    #[test]
    fn attribute_values_are_escaped_and_unknown_attributes_dropped() {
        assert_eq!(
            post_html("<abbr title='a\"><script>' onmouseover=x style=\"color:red\">A</abbr>"),
            "<p><abbr title=\"a&quot;&gt;&lt;script&gt;\">A</abbr></p>\n"
        );
        assert_eq!(post_html("## T {.evil onclick=x #ok}"), "<h2 id=\"ok\">T</h2>\n");
    }

    #[test]
    fn unclosed_raw_tags_end_with_their_markdown_element() {
        assert_eq!(post_html("One <b>bold\n\nTwo."), "<p>One <b>bold</b></p>\n<p>Two.</p>\n");
        assert_eq!(post_html("x </b> y"), "<p>x  y</p>\n");
        let details = post_html("<details>\n<summary>More</summary>\n\nHidden *text*.\n\n</details>\n");
        assert_eq!(details, "<details>\n<summary>More</summary>\n<p>Hidden <em>text</em>.</p>\n</details>\n");
    }

    #[test]
    fn list_items_open_only_in_their_list_so_no_end_tag_can_close_the_page() {
        // A browser closes the first `li` and the `div` when the second `li` starts; the `</div>` written for
        // the raw `div` would then close the page's own. The sanitizer closes them itself, as the browser would.
        assert_eq!(post_html("<ul><li><div><li>x"), "<ul><li><div></div></li><li>x</li></ul>");
        assert_eq!(post_html("- a <div><li>b"), "<ul>\n<li>a <div>b</div></li>\n</ul>\n");
        assert_eq!(post_html("<dl><dt>t<dd>d<dt>u</dl>"), "<dl><dt>t</dt><dd>d</dd><dt>u</dt></dl>");
    }

    #[test]
    fn email_autolinks_keep_their_mailto() {
        assert_eq!(post_html("<ada@example.org>"), "<p><a href=\"mailto:ada@example.org\" rel=\"noopener\">ada@example.org</a></p>\n");
    }

    #[test]
    fn broken_markup_becomes_text() {
        assert_eq!(post_html("a <b x=\"1 b"), "<p>a &lt;b x=\"1 b</p>\n");
        assert_eq!(post_html("<div\nonclick=\"x\">y</div>"), "<div>y</div>");
        assert_eq!(post_html("<!-- more -->\n\nText <!-- hidden --> end"), "\n<p>Text  end</p>\n");
    }

    #[test]
    fn comment_policy_allows_only_text_formatting_and_absolute_links() {
        assert_eq!(comment_html("# x"), "<p>x</p>\n");
        assert_eq!(
            comment_html("![img](https://x.test/a.png)"),
            "<p><a href=\"https://x.test/a.png\" rel=\"nofollow ugc noopener\">img</a></p>\n"
        );
        assert_eq!(
            comment_html("[r](/rel) [e](https://e.org)"),
            "<p><a rel=\"nofollow ugc noopener\">r</a> <a href=\"https://e.org\" rel=\"nofollow ugc noopener\">e</a></p>\n"
        );
        assert_eq!(comment_html("---\n\n```rust\nfn\n```"), "<pre><code>fn\n</code></pre>\n");
        assert_eq!(
            comment_html("<b>x</b> <a href=\"https://e.org\">y</a>"),
            "<p>x <a href=\"https://e.org\" rel=\"nofollow ugc noopener\">y</a></p>\n"
        );
    }
}
