//! The TOML of a front matter block: `key = value` lines whose values are strings (all four kinds), booleans,
//! numbers, dates and arrays, with comments anywhere TOML allows them. Tables, inline tables and dotted keys are
//! refused with their line: no front matter key takes one. Written here, instead of using the `toml` crate,
//! because that crate and its serde layer were an eighth of the worker's upload; `tests/fuzz_smoke.rs` holds this
//! parser to the `toml` crate on every input both accept.

/// A value, as far as front matter needs to tell values apart.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    String(String),
    Bool(bool),
    /// An integer or a float, as written.
    Number(String),
    /// An offset or local date-time, a local date or a local time, as written (a space between date and time
    /// becomes `T`).
    Datetime(String),
    Array(Vec<Value>),
}

impl Value {
    /// The TOML name of the value's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "string",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::Datetime(_) => "datetime",
            Value::Array(_) => "array",
        }
    }
}

/// One `key = value` of the block, with the 1-based line of its key.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub value: Value,
    pub line: usize,
}

/// A syntax error and its 1-based line in the block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    pub message: String,
}

/// The entries of a block, in order; a key set twice is an error, as in TOML.
pub fn parse(src: &str) -> Result<Vec<Entry>, SyntaxError> {
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let mut reader = Reader { src, at: 0 };
    let mut entries: Vec<Entry> = Vec::new();
    loop {
        reader.skip_blank_lines()?;
        if reader.done() {
            return Ok(entries);
        }
        let line = reader.line();
        let key = reader.key()?;
        if entries.iter().any(|e| e.key == key) {
            return Err(reader.error_at(line, format!("duplicate key `{key}`")));
        }
        reader.spaces();
        if !reader.eat(b'=') {
            return Err(reader.error(format!("expected `=` after the key `{key}`")));
        }
        reader.spaces();
        let value = reader.value()?;
        reader.end_of_line()?;
        entries.push(Entry { key, value, line });
    }
}

struct Reader<'s> {
    src: &'s str,
    at: usize,
}

impl Reader<'_> {
    fn done(&self) -> bool {
        self.at >= self.src.len()
    }

    fn rest(&self) -> &str {
        &self.src[self.at..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    /// Steps over `b` (an ASCII character) if it comes next.
    fn eat(&mut self, b: u8) -> bool {
        let found = self.src.as_bytes().get(self.at) == Some(&b);
        self.at += usize::from(found);
        found
    }

    fn line(&self) -> usize {
        self.line_at(self.at)
    }

    fn line_at(&self, at: usize) -> usize {
        1 + self.src[..at.min(self.src.len())].matches('\n').count()
    }

    fn error(&self, message: String) -> SyntaxError {
        SyntaxError { line: self.line(), message }
    }

    fn error_at(&self, line: usize, message: String) -> SyntaxError {
        SyntaxError { line, message }
    }

    fn spaces(&mut self) {
        self.at += self.rest().bytes().take_while(|b| *b == b' ' || *b == b'\t').count();
    }

    fn comment(&mut self) -> Result<(), SyntaxError> {
        if self.peek() == Some('#') {
            let len = self.rest().find('\n').unwrap_or(self.rest().len());
            // A `\r` may end the comment only as part of a `\r\n`.
            let text = &self.rest()[..len];
            let text = if len < self.rest().len() { text.strip_suffix('\r').unwrap_or(text) } else { text };
            if let Some(c) = text.chars().find(|&c| is_control(c)) {
                return Err(self.error(format!("the control character {c:?} cannot be in a comment")));
            }
            self.at += len;
        }
        Ok(())
    }

    fn newline(&mut self) -> bool {
        self.eat(b'\n') || (self.rest().starts_with("\r\n") && self.eat(b'\r') && self.eat(b'\n'))
    }

    fn skip_blank_lines(&mut self) -> Result<(), SyntaxError> {
        loop {
            self.spaces();
            self.comment()?;
            if !self.newline() {
                return Ok(());
            }
        }
    }

    fn end_of_line(&mut self) -> Result<(), SyntaxError> {
        self.spaces();
        self.comment()?;
        if self.done() || self.newline() {
            Ok(())
        } else {
            Err(self.error("expected the end of the line after the value".into()))
        }
    }

    fn key(&mut self) -> Result<String, SyntaxError> {
        let key = match self.peek() {
            Some('[') => return Err(self.error("tables are not front matter; write `key = value` lines".into())),
            Some('"') => self.basic_string()?,
            Some('\'') => self.literal_string()?,
            _ => {
                let len = self.rest().find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')).unwrap_or(self.rest().len());
                if len == 0 {
                    return Err(self.error("expected a key such as `title`".into()));
                }
                let key = self.rest()[..len].to_string();
                self.at += len;
                key
            }
        };
        self.spaces();
        if self.peek() == Some('.') {
            return Err(self.error("dotted keys are not front matter; write `key = value` lines".into()));
        }
        Ok(key)
    }

    fn value(&mut self) -> Result<Value, SyntaxError> {
        let rest = self.rest();
        if rest.starts_with("\"\"\"") {
            return self.multiline_basic_string().map(Value::String);
        }
        if rest.starts_with("'''") {
            return self.multiline_literal_string().map(Value::String);
        }
        match self.peek() {
            Some('"') => self.basic_string().map(Value::String),
            Some('\'') => self.literal_string().map(Value::String),
            Some('[') => self.array(),
            Some('{') => Err(self.error("inline tables are not front matter values".into())),
            None | Some('\n' | '\r' | '#') => Err(self.error("expected a value after `=`".into())),
            _ => self.bare_value(),
        }
    }

    /// `true`, `false`, a number or a date: one word, or a date and a time separated by a space.
    fn bare_value(&mut self) -> Result<Value, SyntaxError> {
        let word_len = |s: &str| s.find([' ', '\t', '\n', '\r', '#', ',', ']']).unwrap_or(s.len());
        let mut len = word_len(self.rest());
        let word = &self.rest()[..len];
        let value = match word {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ if is_date(word) => {
                let mut text = word.to_string();
                let after = &self.rest()[len..];
                if let Some(time) = after.strip_prefix(' ').map(|t| &t[..word_len(t)]).filter(|t| is_time(t)) {
                    text = format!("{word}T{time}");
                    len += 1 + time.len();
                }
                valid_datetime(&text).ok_or_else(|| self.error(format!("{text:?} is not a valid date-time")))?;
                Value::Datetime(with_seconds(text, 11))
            }
            _ if local_time(word) == Some("") => Value::Datetime(with_seconds(word.to_string(), 0)),
            _ if is_number(word) => Value::Number(word.to_string()),
            _ => return Err(self.error(format!("{word:?} is not a TOML value; strings need quotes"))),
        };
        self.at += len;
        Ok(value)
    }

    fn array(&mut self) -> Result<Value, SyntaxError> {
        let open_line = self.line();
        self.eat(b'[');
        let mut items = Vec::new();
        loop {
            self.skip_blank_lines()?;
            if self.done() {
                return Err(self.error_at(open_line, "the array has no closing `]`".into()));
            }
            if self.eat(b']') {
                return Ok(Value::Array(items));
            }
            items.push(self.value()?);
            self.skip_blank_lines()?;
            if !self.eat(b',') {
                self.skip_blank_lines()?;
                if self.eat(b']') {
                    return Ok(Value::Array(items));
                }
                return Err(if self.done() {
                    self.error_at(open_line, "the array has no closing `]`".into())
                } else {
                    self.error("expected `,` or `]` in the array".into())
                });
            }
        }
    }

    fn basic_string(&mut self) -> Result<String, SyntaxError> {
        self.eat(b'"');
        let mut out = String::new();
        loop {
            match self.peek() {
                None | Some('\n' | '\r') => return Err(self.error("the string has no closing `\"`".into())),
                Some('"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some('\\') => out.push(self.escape()?),
                Some(c) if is_control(c) => return Err(self.error(format!("the control character {c:?} must be escaped"))),
                // The characters up to the next quote, escape or control character, as one run.
                Some(_) => {
                    let rest = self.rest();
                    let run = rest.find(|c| c == '"' || c == '\\' || is_control(c)).unwrap_or(rest.len());
                    out.push_str(&rest[..run]);
                    self.at += run;
                }
            }
        }
    }

    fn multiline_basic_string(&mut self) -> Result<String, SyntaxError> {
        let open_line = self.line();
        self.at += 3;
        self.newline();
        let mut out = String::new();
        loop {
            if self.rest().starts_with("\"\"\"") {
                // Up to two quotes may end the content right before the closing three.
                let quotes = self.rest()[3..].chars().take(2).take_while(|c| *c == '"').count();
                out.extend(std::iter::repeat_n('"', quotes));
                self.at += 3 + quotes;
                return Ok(out);
            }
            match self.peek() {
                None => return Err(self.error_at(open_line, "the string has no closing `\"\"\"`".into())),
                Some('\\') if self.line_ending_backslash() => {}
                Some('\\') => out.push(self.escape()?),
                Some('\r') if self.rest().starts_with("\r\n") => {
                    out.push('\n');
                    self.at += 2;
                }
                Some(c) if c != '\n' && is_control(c) => return Err(self.error(format!("the control character {c:?} must be escaped"))),
                Some(c) => {
                    out.push(c);
                    self.at += c.len_utf8();
                }
            }
        }
    }

    /// A `\` at the end of a line in a multi-line string joins the next non-blank text.
    fn line_ending_backslash(&mut self) -> bool {
        let after = &self.rest()[1..];
        let blank = after.find(|c: char| !matches!(c, ' ' | '\t')).unwrap_or(after.len());
        if !matches!(after[blank..].chars().next(), Some('\n' | '\r')) {
            return false;
        }
        self.at += 1 + blank;
        while self.eat(b' ') || self.eat(b'\t') || self.newline() {}
        true
    }

    fn escape(&mut self) -> Result<char, SyntaxError> {
        self.at += 1;
        let c = self.peek().ok_or_else(|| self.error("the string ends in a `\\`".into()))?;
        self.at += c.len_utf8();
        let hex = |reader: &mut Self, digits: usize| {
            let code = reader.rest().get(..digits).filter(|h| h.chars().all(|c| c.is_ascii_hexdigit()));
            let c = code.and_then(|h| u32::from_str_radix(h, 16).ok()).and_then(char::from_u32);
            let c = c.ok_or_else(|| {
                reader.error(format!(
                    "`\\{}` needs {digits} hex digits of a Unicode scalar value",
                    match digits {
                        2 => 'x',
                        4 => 'u',
                        _ => 'U',
                    }
                ))
            })?;
            reader.at += digits;
            Ok(c)
        };
        Ok(match c {
            'b' => '\u{8}',
            't' => '\t',
            'n' => '\n',
            'f' => '\u{c}',
            'r' => '\r',
            '"' => '"',
            '\\' => '\\',
            'e' => '\u{1b}',
            'x' => hex(self, 2)?,
            'u' => hex(self, 4)?,
            'U' => hex(self, 8)?,
            other => return Err(self.error(format!("`\\{other}` is not an escape; write `\\\\` for a backslash"))),
        })
    }

    fn literal_string(&mut self) -> Result<String, SyntaxError> {
        self.eat(b'\'');
        let rest = self.rest();
        let end = rest.find(['\'', '\n', '\r']).filter(|&end| rest[end..].starts_with('\''));
        let end = end.ok_or_else(|| self.error("the string has no closing `'`".into()))?;
        let text = rest[..end].to_string();
        if let Some(c) = text.chars().find(|&c| c != '\t' && is_control(c)) {
            return Err(self.error(format!("the control character {c:?} cannot be in a literal string")));
        }
        self.at += end + 1;
        Ok(text)
    }

    fn multiline_literal_string(&mut self) -> Result<String, SyntaxError> {
        let open_line = self.line();
        self.at += 3;
        self.newline();
        let rest = self.rest();
        let end = rest.find("'''").ok_or_else(|| self.error_at(open_line, "the string has no closing `'''`".into()))?;
        let quotes = rest[end + 3..].chars().take(2).take_while(|c| *c == '\'').count();
        let text = rest[..end + quotes].replace("\r\n", "\n");
        if let Some(c) = text.chars().find(|&c| !matches!(c, '\t' | '\n') && is_control(c)) {
            return Err(self.error(format!("the control character {c:?} cannot be in a literal string")));
        }
        self.at += end + 3 + quotes;
        Ok(text)
    }
}

fn is_control(c: char) -> bool {
    (c < ' ' && c != '\t') || c == '\u{7f}'
}

/// Whether `s` has the shape of `pattern`, where `9` stands for a digit.
fn shaped(s: &str, pattern: &str) -> bool {
    s.len() >= pattern.len() && s.bytes().zip(pattern.bytes()).all(|(c, p)| if p == b'9' { c.is_ascii_digit() } else { c == p })
}

/// `YYYY-MM-DD`, optionally with `T` (or `t`) and a time.
fn is_date(word: &str) -> bool {
    shaped(word, "9999-99-99")
}

/// Writes `:00` into a time without seconds that starts at `at` (TOML 1.1 allows `07:30`), so that every
/// reader of the text finds them.
fn with_seconds(mut text: String, at: usize) -> String {
    if text.len() >= at + 5 && !text[at + 5..].starts_with(':') {
        text.insert_str(at + 5, ":00");
    }
    text
}

/// Starts like a time: `HH:MM`.
fn is_time(word: &str) -> bool {
    shaped(word, "99:99")
}

/// Checks a date-time: a real date, then nothing, or `T`, a time and, optionally, `Z` or `±HH:MM`.
fn valid_datetime(text: &str) -> Option<()> {
    let (y, m, d) = (text[..4].parse::<u32>().ok()?, text[5..7].parse::<u32>().ok()?, text[8..10].parse::<u32>().ok()?);
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    (1..=12).contains(&m).then_some(())?;
    (1..=days[m as usize - 1]).contains(&d).then_some(())?;
    let rest = &text[10..];
    if rest.is_empty() {
        return Some(());
    }
    let zone = local_time(rest.strip_prefix(['T', 't'])?)?;
    match zone {
        "" | "Z" | "z" => Some(()),
        _ => {
            let offset = zone.strip_prefix(['+', '-'])?;
            let valid = offset.len() == 5 && shaped(offset, "99:99") && offset[..2] < *"24" && offset[3..] < *"60";
            valid.then_some(())
        }
    }
}

/// Reads `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fraction` (TOML 1.1 makes the seconds optional), in range, and gives
/// back what follows it.
fn local_time(text: &str) -> Option<&str> {
    (is_time(text) && text[..2] < *"24" && text[3..5] < *"60").then_some(())?;
    let mut rest = &text[5..];
    if shaped(rest, ":99") {
        (rest[1..3] <= *"60").then_some(())?;
        rest = &rest[3..];
        if let Some(fraction) = rest.strip_prefix('.') {
            let n = fraction.bytes().take_while(u8::is_ascii_digit).count();
            (n > 0).then_some(())?;
            rest = &fraction[n..];
        }
    }
    Some(rest)
}

/// A TOML integer or float: decimal with `_` between digits and no leading zero, `0x`/`0o`/`0b`, a fraction
/// and an exponent, `inf` or `nan`.
fn is_number(word: &str) -> bool {
    let unsigned = word.strip_prefix(['+', '-']).unwrap_or(word);
    if matches!(unsigned, "inf" | "nan") {
        return true;
    }
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(body) = unsigned.strip_prefix(prefix) {
            let fits = i64::from_str_radix(&body.replace('_', ""), radix).is_ok();
            return word == unsigned && separated_digits(body, radix) && fits;
        }
    }
    let int_end = unsigned.find(['.', 'e', 'E']).unwrap_or(unsigned.len());
    let (int, mut rest) = unsigned.split_at(int_end);
    if !separated_digits(int, 10) || (int.starts_with('0') && int != "0") {
        return false;
    }
    let mut fraction = "";
    if let Some(after_dot) = rest.strip_prefix('.') {
        let end = after_dot.find(['e', 'E']).unwrap_or(after_dot.len());
        fraction = &after_dot[..end];
        if !separated_digits(fraction, 10) {
            return false;
        }
        rest = &after_dot[end..];
    }
    let shaped = match rest.strip_prefix(['e', 'E']) {
        Some(exponent) => separated_digits(exponent.strip_prefix(['+', '-']).unwrap_or(exponent), 10),
        // An integer must fit in 64 bits.
        None if int_end == unsigned.len() => return word.replace('_', "").parse::<i64>().is_ok(),
        None => rest.is_empty(),
    };
    // A float must be finite (`inf` is written as such, not as an overflow).
    shaped && finite(int, fraction, rest)
}

/// Whether the float `int.fraction e exponent` stays below f64's largest value, about 1.7977e308. Decided from
/// the digits, without parsing the float: the float parser would add a sixtieth to the worker's upload.
fn finite(int: &str, fraction: &str, exponent: &str) -> bool {
    let int_digits = int.bytes().filter(u8::is_ascii_digit).count() as i64;
    let all: String = int.chars().chain(fraction.chars()).filter(char::is_ascii_digit).collect();
    let significant = all.trim_start_matches('0');
    if significant.is_empty() {
        return true;
    }
    let exponent: String = exponent.chars().filter(|c| !matches!(c, '_' | 'e' | 'E')).collect();
    let exponent = match exponent.as_str() {
        "" => 0,
        e => e.parse::<i64>().unwrap_or(if e.starts_with('-') { i64::MIN } else { i64::MAX }),
    };
    // The value is 0.significant × 10^magnitude.
    let magnitude = (int_digits - (all.len() - significant.len()) as i64).saturating_add(exponent);
    match magnitude {
        ..=308 => true,
        309 => significant.get(..17).unwrap_or(significant) <= "17976931348623157",
        _ => false,
    }
}

/// Digits of `radix` with single `_` between them.
fn separated_digits(s: &str, radix: u32) -> bool {
    !s.is_empty() && !s.starts_with('_') && !s.ends_with('_') && !s.contains("__") && s.chars().all(|c| c == '_' || c.is_digit(radix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(src: &str) -> Vec<(String, Value)> {
        parse(src).unwrap().into_iter().map(|e| (e.key, e.value)).collect()
    }

    fn string(s: &str) -> Value {
        Value::String(s.into())
    }

    #[test]
    fn reads_every_kind_of_value_front_matter_uses() {
        let src =
            "# a comment\ntitle = \"Caf\\u00e9 \\\"x\\\"\" # trailing\n'quoted key' = 'C:\\path'\n\ndraft = true\nn = 1_000\nf = -1.5e3\n\
                   date = 2024-05-01\nat = 2024-05-01 09:30:00+02:00\ntags = [\n  \"a\", # one\n  'b',\n]\nempty = []\n";
        assert_eq!(
            values(src),
            vec![
                ("title".into(), string("Café \"x\"")),
                ("quoted key".into(), string("C:\\path")),
                ("draft".into(), Value::Bool(true)),
                ("n".into(), Value::Number("1_000".into())),
                ("f".into(), Value::Number("-1.5e3".into())),
                ("date".into(), Value::Datetime("2024-05-01".into())),
                ("at".into(), Value::Datetime("2024-05-01T09:30:00+02:00".into())),
                ("tags".into(), Value::Array(vec![string("a"), string("b")])),
                ("empty".into(), Value::Array(vec![])),
            ]
        );
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        assert_eq!(values("\u{feff}a = true"), vec![("a".into(), Value::Bool(true))]);
    }

    #[test]
    fn reads_multiline_strings() {
        let src = "a = \"\"\"\nOne\n  two \\\n    three\"\"\"\nb = '''\nraw \\n ''quotes'''''\n";
        assert_eq!(values(src), vec![("a".into(), string("One\n  two three")), ("b".into(), string("raw \\n ''quotes''"))]);
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            ("title = \"T\"\ntags = [\"a\",\n", 2, "closing `]`"),
            ("title = \"T\"\n\ntitle = \"U\"\n", 3, "duplicate key `title`"),
            ("title = T\n", 1, "strings need quotes"),
            ("[extra]\n", 1, "tables"),
            ("a.b = 1\n", 1, "dotted keys"),
            ("a = {b = 1}\n", 1, "inline tables"),
            ("a = \"x\" y\n", 1, "end of the line"),
            ("\na = \"open\n", 2, "closing `\"`"),
            ("a = 2024-02-30\n", 1, "not a valid date-time"),
            ("a = \"\\q\"\n", 1, "not an escape"),
            ("a =\n", 1, "expected a value"),
            // Found by `make fuzz` against the toml crate: a lone `\r`, numbers that do not fit.
            ("# c\r", 1, "control character"),
            ("a = 9223372036854775808\n", 1, "not a TOML value"),
            ("a = 9e2_7777\n", 1, "not a TOML value"),
            ("a = 1.8e308\n", 1, "not a TOML value"),
            ("a = 0.5e309\n", 1, "not a TOML value"),
        ];
        for (src, line, message) in cases {
            let e = parse(src).unwrap_err();
            assert_eq!(e.line, line, "{src:?}: {e:?}");
            assert!(e.message.contains(message), "{src:?}: {e:?}");
        }
    }
}
