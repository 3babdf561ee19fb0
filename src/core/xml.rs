//! XML as the feeds, the sitemaps and the WordPress export write it: every string escaped, and the characters
//! XML 1.0 does not allow left out, so that one stray control character cannot make a whole document unreadable.

/// An XML document, each element on a line of its own, indented two spaces a level.
pub struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    pub fn new(capacity: usize) -> Xml {
        let mut out = String::with_capacity(capacity);
        out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
        Xml { out, depth: 0 }
    }

    /// Opens an element whose content is elements.
    pub fn start(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.open(name, attributes);
        self.out.push('>');
        self.depth += 1;
    }

    pub fn end(&mut self, name: &str) {
        self.depth -= 1;
        self.new_line();
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    pub fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.open(name, attributes);
        self.out.push_str("/>");
    }

    /// An element whose content is `text`.
    pub fn text(&mut self, name: &str, text: &str) {
        self.element(name, &[], text);
    }

    pub fn element(&mut self, name: &str, attributes: &[(&str, &str)], text: &str) {
        self.open(name, attributes);
        self.out.push('>');
        escape(&mut self.out, text);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    fn open(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.new_line();
        self.out.push('<');
        self.out.push_str(name);
        for (key, value) in attributes {
            self.out.push(' ');
            self.out.push_str(key);
            self.out.push_str("=\"");
            escape(&mut self.out, value);
            self.out.push('"');
        }
    }

    /// The document, every element closed.
    pub fn finish(self) -> String {
        debug_assert_eq!(self.depth, 0, "an element was left open");
        self.out
    }

    fn new_line(&mut self) {
        self.out.push('\n');
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }
}

/// Escapes the five characters XML gives a meaning to, for text and attribute values alike, and drops the
/// characters XML 1.0 does not allow at all (control characters other than tab and line ends, U+FFFE and U+FFFF),
/// which would make the whole document unreadable to a feed reader.
pub fn escape(out: &mut String, text: &str) {
    let mut copied = 0;
    for (at, c) in text.char_indices() {
        let replacement = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            '\'' => "&apos;",
            c if !allowed(c) => "",
            _ => continue,
        };
        out.push_str(&text[copied..at]);
        out.push_str(replacement);
        copied = at + c.len_utf8();
    }
    out.push_str(&text[copied..]);
}

/// Whether XML 1.0 allows `c` in a document at all: not the control characters other than tab and line ends, nor
/// U+FFFE and U+FFFF.
pub fn allowed(c: char) -> bool {
    !matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
}
