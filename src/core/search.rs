//! Turning a reader's search box text into a safe SQLite FTS5 query.

/// Each word becomes a quoted prefix term, all required; `None` when nothing searchable is left.
pub fn fts_query(input: &str) -> Option<String> {
    let terms: Vec<String> = input
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(12)
        .map(|w| format!("\"{}\"*", w.to_lowercase()))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn quotes_words_so_fts_syntax_cannot_be_injected() {
        assert_eq!(fts_query("Edge  workers"), Some("\"edge\"* \"workers\"*".into()));
        assert_eq!(fts_query("a\" OR b*) NEAR("), Some("\"a\"* \"or\"* \"b\"* \"near\"*".into()));
        assert_eq!(fts_query("  -- "), None);
        assert_eq!(fts_query("café"), Some("\"café\"*".into()));
    }
}
