//! Sanitizing at the level of Markdown events, so that no HTML parser ships in the worker (ammonia and html5ever
//! were two fifths of its upload). What pulldown-cmark writes itself is safe once its URLs and attributes are
//! checked; the raw HTML an author writes is tokenized and rebuilt from an allowlist, every text and attribute
//! value escaped, so that the only tags a browser sees are the ones written here. Tags opened in raw HTML are
//! closed where the Markdown element around them ends, so a stray `<b>` cannot run over the rest of the page.

use pulldown_cmark::{html, Alignment, CodeBlockKind, CowStr, Event, LinkType, Tag, TagEnd};
use pulldown_cmark_escape::{escape_href, escape_html};
use std::borrow::Cow;
use std::ops::Range;

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
        self.policy.allows_url(url)
    }
}

impl Policy {
    /// Whether a browser would resolve `url` with an allowed scheme (or none, where relative URLs are allowed).
    fn allows_url(&self, url: &str) -> bool {
        match scheme(&as_browser_reads(url)) {
            Some(scheme) => SCHEMES.iter().any(|allowed| scheme.eq_ignore_ascii_case(allowed)),
            None => self.relative_urls,
        }
    }

    /// What this policy takes out of one raw tag: the tag itself, or some of its attributes.
    fn removals(&self, tag: &RawTag) -> Vec<Removal> {
        let Some(&(name, own)) = self.tags.iter().find(|(name, _)| *name == tag.name) else {
            return vec![Removal::Tag(tag.name.clone())];
        };
        let mut removals = Vec::new();
        // As `Cleaner::raw_tag` writes them: the first kept value of an attribute wins, and later ones go unremarked.
        let mut written: Vec<&str> = Vec::new();
        for (attribute, value) in &tag.attributes {
            let attribute = attribute.as_str();
            if written.contains(&attribute) {
                continue;
            }
            if !own.contains(&attribute) && !self.generic.contains(&attribute) {
                removals.push(Removal::Attribute { tag: name.into(), attribute: attribute.into() });
                continue;
            }
            let value = decode_entities(value);
            let refused = match attribute {
                a if URL_ATTRIBUTES.contains(&a) => removed_url(self, name, a, &value),
                "type" if name == "input" && !value.trim().eq_ignore_ascii_case("checkbox") => Some(Removal::InputType(value.into_owned())),
                _ => None,
            };
            match refused {
                Some(removal) => removals.push(removal),
                None => written.push(attribute),
            }
        }
        removals
    }
}

/// A URL as a browser's URL parser reads it: outer spaces and controls go, tabs and newlines anywhere.
fn as_browser_reads(url: &str) -> String {
    url.trim_matches(|c: char| c <= ' ').chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect()
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

/// Something the post policy takes out of what an author wrote, which `blog check` warns of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removal {
    /// `<script>` or `<style>` (see [`DROPPED_WITH_CONTENT`]): with what is inside it, or, where the tag stands alone
    /// in a paragraph, only the tag, and what follows it shows as text.
    Element { tag: String, with_content: bool },
    /// A tag off the allow-list: the tag goes, what is inside it stays.
    Tag(String),
    /// An attribute the tag may not carry.
    Attribute { tag: String, attribute: String },
    /// A URL with a scheme the policy refuses (`None`: a relative one, where those are refused).
    Url { tag: String, attribute: String, scheme: Option<String> },
    /// An `<input>` of another type than a checkbox, which becomes one.
    InputType(String),
}

impl std::fmt::Display for Removal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Removal::Element { tag, with_content: true } => write!(f, "<{tag}> is removed with its content ({})", why_element(tag)),
            Removal::Element { tag, with_content: false } => {
                write!(f, "<{tag}> is removed, and the text after it is shown as text ({})", why_element(tag))
            }
            Removal::Tag(tag) => write!(f, "<{tag}> is removed and what is inside it kept (posts may not use <{tag}>)"),
            Removal::Attribute { tag, attribute } => {
                let why = match attribute.as_str() {
                    "style" => "posts may not carry their own styles".to_string(),
                    a if a.starts_with("on") => "posts may not run scripts".to_string(),
                    _ => format!("<{tag}> may not carry it in a post"),
                };
                write!(f, "the {attribute} attribute of <{tag}> is removed ({why})")
            }
            Removal::Url { tag, attribute, scheme } => {
                let what = scheme.as_ref().map_or("a relative".to_string(), |s| format!("the {s}:"));
                let schemes = SCHEMES.join(", ");
                write!(f, "{what} address in <{tag} {attribute}> is removed (addresses in posts may only be {schemes} or relative)")
            }
            Removal::InputType(kind) => write!(f, "<input type=\"{kind}\"> becomes a checkbox (the only input a post may hold)"),
        }
    }
}

fn why_element(tag: &str) -> &'static str {
    match tag {
        "script" => "posts may not run scripts",
        _ => "posts may not carry their own styles",
    }
}

/// What the post policy removes from a post body as its author wrote it: from raw HTML, `<script>` and `<style>`
/// elements, tags off the allow-list, attributes a tag may not carry and URLs with a refused scheme; from Markdown,
/// link and image addresses with such a scheme. Takes the body's events with their byte ranges (pulldown-cmark's
/// `into_offset_iter`) and gives each removal with the offset in the body where it was written. It reads the body as
/// [`post`] cleans it, tokenizing raw HTML the same way, and leaves what `post` writes alone.
pub fn removed_from_post<'a>(events: impl IntoIterator<Item = (Event<'a>, Range<usize>)>) -> Vec<(usize, Removal)> {
    let mut found = Vec::new();
    // An HTML block comes a line at a time and a tag may span lines, so it is read whole, as `Cleaner` reads it: its
    // text, and where each line starts in that text and in the body.
    let mut block: Option<(String, Vec<(usize, usize)>)> = None;
    for (event, range) in events {
        match event {
            Event::Start(Tag::HtmlBlock) => block = Some((String::new(), Vec::new())),
            Event::End(TagEnd::HtmlBlock) => {
                let (text, lines) = block.take().unwrap_or_default();
                found.extend(removed_from_raw_html(&POST, &text).into_iter().map(|(at, r)| (offset_in_body(&lines, at), r)));
            }
            Event::Html(raw) | Event::InlineHtml(raw) => match &mut block {
                Some((text, lines)) => {
                    lines.push((text.len(), range.start));
                    text.push_str(&raw);
                }
                None => found.extend(removed_from_raw_html(&POST, &raw).into_iter().map(|(at, r)| (range.start + at, r))),
            },
            // `Cleaner::start` writes an email autolink with `mailto:`, which is allowed.
            Event::Start(Tag::Link { link_type: LinkType::Email, .. }) => {}
            Event::Start(Tag::Link { dest_url, .. }) => found.extend(removed_url(&POST, "a", "href", &dest_url).map(|r| (range.start, r))),
            Event::Start(Tag::Image { dest_url, .. }) => {
                found.extend(removed_url(&POST, "img", "src", &dest_url).map(|r| (range.start, r)))
            }
            _ => {}
        }
    }
    found
}

/// What the policy removes from one piece of raw HTML, each at the byte offset of its `<`: the walk of
/// `Cleaner::raw_html`, on the same tokenizer.
fn removed_from_raw_html(policy: &Policy, raw: &str) -> Vec<(usize, Removal)> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(lt) = raw[at..].find('<').map(|i| at + i) {
        at = match markup(&raw[lt..]) {
            Markup::Skip(len) => lt + len,
            Markup::Text => lt + 1,
            // An end tag only closes: what it ends was reported at its start tag.
            Markup::Tag(tag) if tag.closing => lt + tag.len,
            Markup::Tag(tag) => {
                let after = lt + tag.len;
                match DROPPED_WITH_CONTENT.iter().find(|name| **name == tag.name) {
                    Some(name) => {
                        let end = raw.len() - skip_past_end_tag(&raw[after..], name).len();
                        found.push((lt, Removal::Element { tag: tag.name, with_content: end > after }));
                        end
                    }
                    None => {
                        found.extend(policy.removals(&tag).into_iter().map(|r| (lt, r)));
                        after
                    }
                }
            }
        };
    }
    found
}

/// A Markdown link's or image's address, if the policy removes it.
fn removed_url(policy: &Policy, tag: &str, attribute: &str, url: &str) -> Option<Removal> {
    let scheme = || scheme(&as_browser_reads(url)).map(str::to_ascii_lowercase);
    (!policy.allows_url(url)).then(|| Removal::Url { tag: tag.into(), attribute: attribute.into(), scheme: scheme() })
}

/// The offset in the body of `at` in an HTML block's text, from where each of its lines starts in both.
fn offset_in_body(lines: &[(usize, usize)], at: usize) -> usize {
    match lines.iter().rev().find(|(in_text, _)| *in_text <= at) {
        Some((in_text, in_body)) => in_body + (at - in_text),
        None => lines.first().map_or(0, |(_, in_body)| *in_body),
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

    fn removed(markdown: &str) -> Vec<(usize, Removal)> {
        let options = Options::ENABLE_TASKLISTS | Options::ENABLE_TABLES | Options::ENABLE_HEADING_ATTRIBUTES;
        removed_from_post(Parser::new_ext(markdown, options).into_offset_iter())
    }

    fn messages(markdown: &str) -> Vec<String> {
        removed(markdown).into_iter().map(|(_, r)| r.to_string()).collect()
    }

    #[test]
    fn removals_are_told_where_the_author_wrote_them() {
        let source = "Text <abbr title=\"t\" onmouseover=x style=\"color:red\">A</abbr>\n\n<p>\n<iframe src=\"https://x\">\n</p>";
        assert_eq!(
            removed(source),
            vec![
                (5, Removal::Attribute { tag: "abbr".into(), attribute: "onmouseover".into() }),
                (5, Removal::Attribute { tag: "abbr".into(), attribute: "style".into() }),
                (source.find("<iframe").unwrap(), Removal::Tag("iframe".into())),
            ]
        );
    }

    #[test]
    fn scripts_and_styles_are_told_as_removed_with_their_content_or_not() {
        assert_eq!(
            messages("<script>\nalert(1)\n</script>\n\n<style>*{}</style>\n"),
            [
                "<script> is removed with its content (posts may not run scripts)",
                "<style> is removed with its content (posts may not carry their own styles)"
            ]
        );
        // Inline, the sanitizer drops the tags and shows the text between them (`post_policy_removes_active_content`).
        assert_eq!(
            messages("Hi <script>x</script> there."),
            ["<script> is removed, and the text after it is shown as text (posts may not run scripts)"]
        );
        // What is inside a dropped element is not looked at again.
        assert_eq!(removed("<script><iframe onload=x></script>\n").len(), 1);
    }

    #[test]
    fn refused_addresses_and_inputs_are_told() {
        assert_eq!(
            messages("<a href=\"&#106;avascript:x\">a</a> <img src=\"data:x\"> [b](vbscript:y) <input type=\"text\">"),
            [
                "the javascript: address in <a href> is removed (addresses in posts may only be http, https, mailto or relative)",
                "the data: address in <img src> is removed (addresses in posts may only be http, https, mailto or relative)",
                "the vbscript: address in <a href> is removed (addresses in posts may only be http, https, mailto or relative)",
                "<input type=\"text\"> becomes a checkbox (the only input a post may hold)",
            ]
        );
    }

    #[test]
    fn what_the_sanitizer_keeps_is_not_told() {
        for kept in [
            r#"<h2 id="x">X</h2><pre><code class="language-rust">fn</code></pre><input checked="" disabled="" type="checkbox">"#,
            "<details>\n<summary>More</summary>\n\nHidden *text*.\n\n</details>\n",
            "<a href=\"/about/?a=1&amp;b=2\">a</a> [b](https://e.org/x \"T\") <ada@example.org> <!-- hidden --> a < b",
            "- [x] done\n\n`<script>` and\n\n```\n<script>x</script>\n```\n",
            "x </b> </iframe> y",
        ] {
            assert_eq!(removed(kept), vec![], "{kept}");
        }
    }

    #[test]
    fn every_active_payload_in_the_xss_corpus_is_told() {
        let corpus = include_str!("../../tests/xss/payloads.txt");
        let mut told = 0;
        for payload in corpus.lines().filter(|l| !l.starts_with("#|") && !l.trim().is_empty()) {
            let payload = payload.replace("\\n", "\n");
            // Active in the HTML pulldown-cmark writes unsanitized, and not once sanitized: the sanitizer took it out.
            let active = |html: &str| {
                let html = html.to_ascii_lowercase();
                ["<script", "<style", "javascript:", " onerror=", " onload="].iter().any(|a| html.contains(a))
            };
            let mut unsanitized = String::new();
            html::push_html(&mut unsanitized, Parser::new_ext(&payload, Options::ENABLE_TASKLISTS | Options::ENABLE_TABLES));
            // Comments and declarations go whole, unremarked, as an author expects of `<!-- more -->`.
            let in_comment = payload.starts_with("<!");
            if active(&unsanitized) && !active(&post_html(&payload)) && !in_comment {
                assert!(!removed(&payload).is_empty(), "removed without a word: {payload}");
                told += 1;
            }
        }
        assert!(told > 100, "only {told} payloads were active and removed: is the corpus read?");
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
