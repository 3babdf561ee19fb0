//! HTML (as WordPress stores it) to Markdown: common elements become Markdown, anything else stays HTML.

/// Elements that never have children or an end tag.
const VOID: &[&str] = &["area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"];
/// Elements that start a block, so an open `<p>` ends before them.
const BLOCK: &[&str] =
    &["address", "blockquote", "div", "dl", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "ol", "p", "pre", "table", "ul"];
/// Inline elements that become Markdown.
const MARKDOWN_INLINE: &[&str] = &["a", "b", "br", "code", "del", "em", "i", "img", "s", "strike", "strong"];

/// A node of the tolerant HTML tree.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Element {
        name: String,
        attrs: Vec<(String, String)>,
        children: Vec<Node>,
    },
    /// Decoded text.
    Text(String),
    Comment(String),
}

/// Converts an HTML fragment to Markdown. With `autop`, blank lines in text separate paragraphs and single
/// line breaks are kept, as WordPress's `wpautop` shows them.
pub fn convert(html: &str, autop: bool) -> String {
    let nodes = parse(html);
    let mut out = Vec::new();
    blocks(&nodes, autop, &mut out);
    let mut text = out.join("\n\n");
    text.truncate(text.trim_end().len());
    text
}

/// An element still open while parsing: its name, attributes and children so far.
type Open = (String, Vec<(String, String)>, Vec<Node>);

fn parse(html: &str) -> Vec<Node> {
    // A stack of open elements; the root is index 0 with an empty name.
    let mut stack: Vec<Open> = vec![(String::new(), Vec::new(), Vec::new())];
    let mut rest = html;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            push_text(&mut stack, rest);
            break;
        };
        push_text(&mut stack, &rest[..lt]);
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            let end = after.find("-->").unwrap_or(after.len());
            top(&mut stack).push(Node::Comment(after[..end].to_string()));
            rest = after.get(end + 3..).unwrap_or("");
            continue;
        }
        let Some((tag, consumed)) = read_tag(rest) else {
            push_text(&mut stack, "<");
            rest = &rest[1..];
            continue;
        };
        rest = &rest[consumed..];
        match tag {
            Tag::End(name) => {
                if let Some(at) = stack.iter().rposition(|(n, ..)| *n == name) {
                    while stack.len() > at.max(1) {
                        close(&mut stack);
                    }
                }
            }
            Tag::Start { name, attrs, self_closing } => {
                let open = stack.last().map(|(n, ..)| n.as_str()).unwrap_or_default();
                if (open == "p" && BLOCK.contains(&name.as_str())) || (open == "li" && name == "li") {
                    close(&mut stack);
                }
                if self_closing || VOID.contains(&name.as_str()) {
                    top(&mut stack).push(Node::Element { name, attrs, children: Vec::new() });
                } else if name == "pre" || name == "script" || name == "style" {
                    // Raw text up to the end tag: code keeps its spacing and nothing inside is reparsed.
                    let end = format!("</{name}");
                    let at = find_ci(rest, &end).unwrap_or(rest.len());
                    let inner = &rest[..at];
                    let children = if name == "pre" { parse(inner) } else { vec![Node::Text(inner.to_string())] };
                    top(&mut stack).push(Node::Element { name, attrs, children });
                    rest = &rest[at..];
                    rest = rest.find('>').map_or("", |g| &rest[g + 1..]);
                } else {
                    stack.push((name, attrs, Vec::new()));
                }
            }
        }
    }
    while stack.len() > 1 {
        close(&mut stack);
    }
    stack.pop().map(|(.., children)| children).unwrap_or_default()
}

fn top(stack: &mut [Open]) -> &mut Vec<Node> {
    &mut stack[stack.len() - 1].2
}

fn close(stack: &mut Vec<Open>) {
    if let Some((name, attrs, children)) = stack.pop() {
        top(stack).push(Node::Element { name, attrs, children });
    }
}

fn push_text(stack: &mut [Open], raw: &str) {
    if raw.is_empty() {
        return;
    }
    let text = decode_entities(raw);
    match top(stack).last_mut() {
        Some(Node::Text(prev)) => prev.push_str(&text),
        _ => top(stack).push(Node::Text(text)),
    }
}

fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack.to_ascii_lowercase().find(&needle.to_ascii_lowercase())
}

enum Tag {
    Start { name: String, attrs: Vec<(String, String)>, self_closing: bool },
    End(String),
}

/// Reads `<name attr="v">` or `</name>` at the start of `s`; `None` when it is not a tag (a lone `<`).
fn read_tag(s: &str) -> Option<(Tag, usize)> {
    let bytes = s.as_bytes();
    let mut i = 1;
    let end = bytes.get(1) == Some(&b'/');
    if end {
        i += 1;
    }
    let name_start = i;
    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'-' || bytes[i] == b':') {
        i += 1;
    }
    if i == name_start || !bytes[name_start].is_ascii_alphabetic() {
        return None;
    }
    let name = s[name_start..i].to_ascii_lowercase();
    let mut attrs = Vec::new();
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        match bytes.get(i) {
            None => return None,
            Some(b'>') => {
                let tag = if end { Tag::End(name) } else { Tag::Start { name, attrs, self_closing: false } };
                return Some((tag, i + 1));
            }
            Some(b'/') if bytes.get(i + 1) == Some(&b'>') => {
                let tag = if end { Tag::End(name) } else { Tag::Start { name, attrs, self_closing: true } };
                return Some((tag, i + 2));
            }
            Some(_) => {
                let key_start = i;
                while i < bytes.len() && !bytes[i].is_ascii_whitespace() && !matches!(bytes[i], b'=' | b'>' | b'/') {
                    i += 1;
                }
                let key = s[key_start..i].to_ascii_lowercase();
                if key.is_empty() {
                    i += 1;
                    continue;
                }
                let mut value = String::new();
                if bytes.get(i) == Some(&b'=') {
                    i += 1;
                    match bytes.get(i) {
                        Some(&q @ (b'"' | b'\'')) => {
                            let close = s[i + 1..].find(q as char)? + i + 1;
                            value = decode_entities(&s[i + 1..close]);
                            i = close + 1;
                        }
                        _ => {
                            let start = i;
                            while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                                i += 1;
                            }
                            value = decode_entities(&s[start..i]);
                        }
                    }
                }
                attrs.push((key, value));
            }
        }
    }
}

/// Decodes the named entities WordPress writes and every numeric one; unknown ones stay as they are.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let semi = rest.find(';').filter(|&n| n <= 10);
        let decoded = semi.and_then(|n| {
            let name = &rest[1..n];
            let c = match name {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" | "#039" => '\'',
                "nbsp" => '\u{a0}',
                "hellip" => '…',
                "mdash" => '—',
                "ndash" => '–',
                "lsquo" => '‘',
                "rsquo" => '’',
                "ldquo" => '“',
                "rdquo" => '”',
                _ => {
                    let code = match name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => name.strip_prefix('#').and_then(|d| d.parse().ok()),
                    };
                    code.and_then(char::from_u32)?
                }
            };
            Some((c, n + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Renders a list of nodes in block context, pushing one string per block.
fn blocks(nodes: &[Node], autop: bool, out: &mut Vec<String>) {
    let mut inline: Vec<&Node> = Vec::new();
    for node in nodes {
        let is_block = match node {
            Node::Element { name, .. } => BLOCK.contains(&name.as_str()) || !is_inline_element(name),
            Node::Comment(c) => c.trim() == "more" || !inline.iter().any(|n| !is_blank(n)),
            Node::Text(_) => false,
        };
        if !is_block {
            inline.push(node);
            continue;
        }
        flush_inline(&mut inline, autop, out);
        block(node, out);
    }
    flush_inline(&mut inline, autop, out);
}

fn is_blank(node: &Node) -> bool {
    matches!(node, Node::Text(t) if t.trim().is_empty())
}

fn is_inline_element(name: &str) -> bool {
    MARKDOWN_INLINE.contains(&name)
        || ["abbr", "cite", "kbd", "mark", "q", "small", "span", "sub", "sup", "u", "time", "ins", "dfn", "var", "samp"].contains(&name)
}

/// Text and inline elements between blocks: one or more paragraphs.
fn flush_inline(inline: &mut Vec<&Node>, autop: bool, out: &mut Vec<String>) {
    if inline.iter().all(|n| is_blank(n)) {
        inline.clear();
        return;
    }
    let rendered = inlines(inline.iter().copied(), autop);
    inline.clear();
    let paragraphs: Vec<&str> = if autop { rendered.split("\n\n").collect() } else { vec![rendered.as_str()] };
    for p in paragraphs {
        let p = tidy_paragraph(p);
        if !p.is_empty() {
            out.push(p);
        }
    }
}

/// Trims each line, drops trailing hard breaks and escapes lines that Markdown would read as syntax.
fn tidy_paragraph(p: &str) -> String {
    let lines: Vec<String> = p.split('\n').map(|l| escape_line_start(&squeeze_spaces(l.trim_start()))).collect();
    let mut text = lines.join("\n");
    loop {
        let trimmed = text.trim_end().trim_end_matches('\\').trim_end();
        if trimmed.len() == text.len() {
            break;
        }
        text.truncate(trimmed.len());
    }
    let mut text = text.trim_start();
    while let Some(rest) = text.strip_prefix("\\\n") {
        text = rest.trim_start();
    }
    text.to_string()
}

fn squeeze_spaces(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        if !(c == ' ' && out.ends_with(' ')) {
            out.push(c);
        }
    }
    out
}

fn escape_line_start(line: &str) -> String {
    let starts_list = |l: &str| {
        let digits = l.bytes().take_while(u8::is_ascii_digit).count();
        digits > 0 && matches!(l.as_bytes().get(digits), Some(b'.' | b')')) && l[digits + 1..].starts_with(' ')
    };
    let rule = line.len() >= 3 && (line.bytes().all(|b| b == b'-') || line.bytes().all(|b| b == b'='));
    if line.starts_with("- ") || line.starts_with("+ ") || line.starts_with('#') || line.starts_with('>') || rule {
        format!("\\{line}")
    } else if starts_list(line) {
        let digits = line.bytes().take_while(u8::is_ascii_digit).count();
        format!("{}\\{}", &line[..digits], &line[digits..])
    } else {
        line.to_string()
    }
}

fn attr<'a>(attrs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// Whether every attribute is one Markdown keeps (or one that only WordPress's editor used).
fn only_attrs(attrs: &[(String, String)], kept: &[&str]) -> bool {
    attrs.iter().all(|(k, v)| kept.contains(&k.as_str()) || (k == "class" && is_editor_class(v)) || (k == "rel" && v.contains("noopener")))
}

/// WordPress's editor classes on images and links carry no meaning outside a WordPress theme.
fn is_editor_class(v: &str) -> bool {
    v.split_whitespace().all(|c| c.starts_with("wp-image-") || c.starts_with("align") || c.starts_with("size-"))
}

fn block(node: &Node, out: &mut Vec<String>) {
    match node {
        Node::Comment(c) if c.trim() == "more" => out.push("<!-- more -->".into()),
        Node::Comment(c) => out.push(format!("<!--{c}-->")),
        Node::Text(_) => {}
        Node::Element { name, attrs, children } => {
            let n = name.as_str();
            match n {
                "p" if attrs.is_empty() => {
                    let text = tidy_paragraph(&inlines(children.iter(), false));
                    if !text.is_empty() {
                        out.push(text);
                    }
                }
                "h1" | "h2" | "h3" | "h4" | "h5" | "h6" if only_attrs(attrs, &["id"]) => {
                    let level = usize::from(n.as_bytes()[1] - b'0');
                    let text = inlines(children.iter(), false).replace('\n', " ");
                    out.push(format!("{} {}", "#".repeat(level), text.trim()));
                }
                "hr" => out.push("---".into()),
                "blockquote" if attrs.is_empty() => {
                    let mut inner = Vec::new();
                    blocks(children, true, &mut inner);
                    let text = inner.join("\n\n");
                    out.push(
                        text.lines().map(|l| if l.is_empty() { ">".to_string() } else { format!("> {l}") }).collect::<Vec<_>>().join("\n"),
                    );
                }
                "ul" | "ol"
                    if attrs.is_empty()
                        && children.iter().all(|c| is_blank(c) || matches!(c, Node::Element { name, .. } if name == "li")) =>
                {
                    out.push(list(n == "ol", children));
                }
                "pre" => out.push(code_block(attrs, children)),
                _ => out.push(raw(node)),
            }
        }
    }
}

fn list(ordered: bool, items: &[Node]) -> String {
    let mut lines = Vec::new();
    let mut number = 0;
    for item in items {
        let Node::Element { children, attrs, .. } = item else { continue };
        number += 1;
        let marker = if ordered { format!("{number}. ") } else { "- ".to_string() };
        let mut inner = Vec::new();
        if attrs.is_empty() {
            blocks(children, false, &mut inner);
        } else {
            inner.push(raw(item));
        }
        let body = inner.join("\n\n");
        let indent = " ".repeat(marker.len());
        for (i, line) in body.lines().enumerate() {
            match (i, line.is_empty()) {
                (0, _) => lines.push(format!("{marker}{line}")),
                (_, true) => lines.push(String::new()),
                _ => lines.push(format!("{indent}{line}")),
            }
        }
        if body.is_empty() {
            lines.push(marker.trim_end().to_string());
        }
    }
    lines.join("\n")
}

fn code_block(attrs: &[(String, String)], children: &[Node]) -> String {
    // `<pre><code class="language-x">` is the usual shape; a bare `<pre>` is code too.
    let (code_attrs, inner): (&[(String, String)], &[Node]) = match children {
        [Node::Element { name, attrs, children }] if name == "code" => (attrs, children),
        _ => (&[], children),
    };
    let lang = attr(code_attrs, "class")
        .and_then(|c| c.split_whitespace().find_map(|x| x.strip_prefix("language-").or_else(|| x.strip_prefix("lang-"))))
        .or_else(|| attr(attrs, "lang"))
        .unwrap_or_default();
    let text = plain(inner);
    let text = text.strip_prefix('\n').unwrap_or(&text).trim_end_matches('\n');
    let fence = if text.contains("```") { "~~~~" } else { "```" };
    format!("{fence}{lang}\n{text}\n{fence}")
}

/// The text of nodes, with `<br>` as a line break and tags dropped.
fn plain(nodes: &[Node]) -> String {
    let mut s = String::new();
    for node in nodes {
        match node {
            Node::Text(t) => s.push_str(t),
            Node::Element { name, .. } if name == "br" => s.push('\n'),
            Node::Element { children, .. } => s.push_str(&plain(children)),
            Node::Comment(_) => {}
        }
    }
    s
}

/// Renders inline content. With `autop`, `\n\n` is kept (a paragraph break) and a single newline is a hard
/// break; otherwise all whitespace runs collapse to one space, as in a browser.
fn inlines<'a>(nodes: impl Iterator<Item = &'a Node>, autop: bool) -> String {
    let mut s = String::new();
    for node in nodes {
        match node {
            Node::Text(t) => s.push_str(&text(t, autop)),
            Node::Comment(c) => s.push_str(&format!("<!--{c}-->")),
            Node::Element { name, attrs, children } => s.push_str(&inline_element(node, name, attrs, children)),
        }
    }
    s
}

fn text(t: &str, autop: bool) -> String {
    let escaped = escape(t);
    if !autop {
        return collapse(&escaped);
    }
    let t = escaped.replace("\r\n", "\n");
    let paragraphs: Vec<String> = t.split("\n\n").map(|p| p.split('\n').map(collapse).collect::<Vec<_>>().join("\\\n")).collect();
    paragraphs.join("\n\n")
}

fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() && c != '\u{a0}' {
            space = true;
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    if space {
        out.push(' ');
    }
    out
}

/// Escapes characters that Markdown would read as syntax or HTML.
fn escape(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let chars: Vec<char> = t.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '~' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '&' if chars.get(i + 1).is_some_and(|n| n.is_alphanumeric() || *n == '#') => out.push_str("\\&"),
            '\u{a0}' => out.push_str("&nbsp;"),
            _ => out.push(c),
        }
    }
    out
}

fn inline_element(node: &Node, name: &str, attrs: &[(String, String)], children: &[Node]) -> String {
    let inner = || inlines(children.iter(), false);
    let wrap = |mark: &str| {
        let text = inner();
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return text;
        }
        // Emphasis must hug its text: `*a*` works, `* a *` does not.
        let lead = if text.starts_with(' ') { " " } else { "" };
        let tail = if text.ends_with(' ') { " " } else { "" };
        format!("{lead}{mark}{trimmed}{mark}{tail}")
    };
    match name {
        "em" | "i" if attrs.is_empty() => wrap("*"),
        "strong" | "b" if attrs.is_empty() => wrap("**"),
        "del" | "s" | "strike" if attrs.is_empty() => wrap("~~"),
        "br" => "\\\n".into(),
        "code" if attrs.is_empty() => {
            let text = plain(children);
            let fence = if text.contains('`') { "``" } else { "`" };
            let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
            format!("{fence}{pad}{text}{pad}{fence}")
        }
        "a" if only_attrs(attrs, &["href", "title"]) && attr(attrs, "href").is_some_and(|h| !h.is_empty()) => {
            let href = attr(attrs, "href").unwrap_or_default();
            format!("[{}]({}{})", inner().trim(), destination(href), title(attrs))
        }
        "img" if only_attrs(attrs, &["src", "alt", "title"]) && attr(attrs, "src").is_some_and(|s| !s.is_empty()) => {
            let alt = escape(attr(attrs, "alt").unwrap_or_default());
            format!("![{alt}]({}{})", destination(attr(attrs, "src").unwrap_or_default()), title(attrs))
        }
        _ => raw(node),
    }
}

fn destination(url: &str) -> String {
    if url.contains([' ', '(', ')', '<', '>']) {
        format!("<{}>", url.replace('<', "%3C").replace('>', "%3E"))
    } else {
        url.to_string()
    }
}

fn title(attrs: &[(String, String)]) -> String {
    match attr(attrs, "title") {
        Some(t) if !t.is_empty() => format!(" \"{}\"", t.replace('\\', "\\\\").replace('"', "\\\"")),
        _ => String::new(),
    }
}

/// The node as HTML again, for the sanitizer to render.
fn raw(node: &Node) -> String {
    let mut s = String::new();
    write_html(node, &mut s);
    s
}

fn write_html(node: &Node, s: &mut String) {
    match node {
        Node::Text(t) => s.push_str(&t.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")),
        Node::Comment(c) => s.push_str(&format!("<!--{c}-->")),
        Node::Element { name, attrs, children } => {
            s.push('<');
            s.push_str(name);
            for (k, v) in attrs {
                s.push_str(&format!(" {k}=\"{}\"", v.replace('&', "&amp;").replace('"', "&quot;")));
            }
            s.push('>');
            if VOID.contains(&name.as_str()) {
                return;
            }
            for child in children {
                write_html(child, s);
            }
            s.push_str(&format!("</{name}>"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::convert;

    fn md(html: &str) -> String {
        convert(html, true)
    }

    #[test]
    fn wordpress_paragraphs_are_blank_line_separated_text() {
        assert_eq!(md("First line\nsecond line\n\nNext paragraph."), "First line\\\nsecond line\n\nNext paragraph.");
        assert_eq!(md("<p>One</p>\n<p>Two\n words</p>"), "One\n\nTwo words");
    }

    #[test]
    fn emphasis_links_images_and_code_become_markdown() {
        assert_eq!(md("<p><em>a</em> <strong>b</strong> <b> c </b> <code>x*y</code></p>"), "*a* **b** **c** `x*y`");
        assert_eq!(md("<a href=\"https://x.org/a\" title=\"T\">link</a>"), "[link](https://x.org/a \"T\")");
        assert_eq!(md("<img src=\"/i.png\" alt=\"A cat\" class=\"alignnone wp-image-5\" />"), "![A cat](/i.png)");
        assert_eq!(md("<p>Tom &amp; Jerry &lt;3 *stars* &#8211; done</p>"), "Tom & Jerry \\<3 \\*stars\\* – done");
    }

    #[test]
    fn headings_lists_quotes_and_code_blocks() {
        assert_eq!(md("<h2>Title <em>here</em></h2>"), "## Title *here*");
        assert_eq!(md("<ul>\n<li>one</li>\n<li>two <a href=\"/x\">x</a></li>\n</ul>"), "- one\n- two [x](/x)");
        assert_eq!(md("<ol><li>a<ul><li>b</li></ul></li><li>c</li></ol>"), "1. a\n\n   - b\n2. c");
        assert_eq!(md("<blockquote>Said\n\nTwice</blockquote>"), "> Said\n>\n> Twice");
        assert_eq!(
            md("<pre><code class=\"language-rust\">fn main() {\n    x &lt; 1;\n}</code></pre>"),
            "```rust\nfn main() {\n    x < 1;\n}\n```"
        );
        assert_eq!(md("<hr />"), "---");
    }

    #[test]
    fn anything_else_stays_html() {
        assert_eq!(md("<table><tr><td>1</td></tr></table>"), "<table><tr><td>1</td></tr></table>");
        assert_eq!(md("a <span style=\"color:red\">red</span> word"), "a <span style=\"color:red\">red</span> word");
        assert_eq!(md("<img src=\"/i.png\" width=\"300\" alt=\"x\">"), "<img src=\"/i.png\" width=\"300\" alt=\"x\">");
        assert_eq!(md("<p class=\"lead\">Hi</p>"), "<p class=\"lead\">Hi</p>");
    }

    #[test]
    fn the_more_tag_and_text_that_looks_like_syntax() {
        assert_eq!(md("Intro\n<!--more-->\nRest"), "Intro\n\n<!-- more -->\n\nRest");
        assert_eq!(md("# not a heading\n\n- not a list\n\n1. nor this"), "\\# not a heading\n\n\\- not a list\n\n1\\. nor this");
    }

    #[test]
    fn broken_html_is_tolerated() {
        assert_eq!(md("<p>unclosed <em>emphasis"), "unclosed *emphasis*");
        assert_eq!(md("a < b and </div> stray"), "a \\< b and stray");
        assert_eq!(md("<p>one<p>two"), "one\n\ntwo");
    }

    #[test]
    fn converted_markdown_renders_back_to_the_same_html() {
        let html = "<p>A <em>b</em> <a href=\"https://x.org/\">c</a></p>\n<ul>\n<li>d</li>\n</ul>\n<h2>E</h2>";
        let once = md(html);
        let rendered = crate::core::markdown::render_post(&once).html;
        assert_eq!(md(&rendered), once);
    }
}
