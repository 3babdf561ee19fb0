//! The parts of a request URL that the worker reads. The runtime hands over URLs that the WHATWG parser has
//! already normalized, so splitting one is enough; this keeps the `url` crate and its IDNA tables (a twentieth of
//! the upload) out of the worker.

/// An absolute URL as the runtime serializes it: `scheme://host[:port]/path[?query][#fragment]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestUrl {
    scheme: String,
    /// Host and port, as written.
    authority: String,
    path: String,
    query: Option<String>,
}

impl RequestUrl {
    pub fn parse(url: &str) -> Option<RequestUrl> {
        let (scheme, rest) = url.split_once("://")?;
        let url = rest.split('#').next().unwrap_or_default();
        let (url, query) = match url.split_once('?') {
            Some((before, query)) => (before, Some(query.to_string())),
            None => (url, None),
        };
        let (authority, path) = url.find('/').map_or((url, "/"), |at| url.split_at(at));
        // Credentials (`user:pass@`) are never part of the origin.
        let authority = authority.rsplit('@').next().unwrap_or_default();
        Some(RequestUrl { scheme: scheme.to_ascii_lowercase(), authority: authority.to_string(), path: path.to_string(), query })
    }

    /// The path, percent-encoded as sent.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query without its `?`, if the URL has one.
    pub fn query(&self) -> Option<&str> {
        self.query.as_deref()
    }

    /// The first value of a query parameter, decoded.
    pub fn param(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.query()?.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
    }

    /// `scheme://host[:port]`, as browsers send it in the `Origin` header.
    pub fn origin(&self) -> String {
        format!("{}://{}", self.scheme, self.authority)
    }

    /// Plain http to this machine (`127.0.0.1`, `localhost`, `[::1]`), where cookies cannot be `Secure`.
    pub fn is_local_http(&self) -> bool {
        let host = match self.authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => self.authority.split(':').next().unwrap_or_default(),
        };
        self.scheme == "http" && matches!(host, "127.0.0.1" | "localhost" | "::1")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_a_runtime_url() {
        let url = RequestUrl::parse("https://blog.example:8443/posts/a%20b/?q=caf%C3%A9+x&q=2#top").unwrap();
        assert_eq!(url.path(), "/posts/a%20b/");
        assert_eq!(url.query(), Some("q=caf%C3%A9+x&q=2"));
        assert_eq!(url.param("q").as_deref(), Some("café x"));
        assert_eq!(url.param("missing"), None);
        assert_eq!(url.origin(), "https://blog.example:8443");
        assert!(!url.is_local_http());
    }

    #[test]
    fn a_bare_host_has_the_root_path_and_no_query() {
        let url = RequestUrl::parse("http://127.0.0.1:8787").unwrap();
        assert_eq!((url.path(), url.query(), url.param("q")), ("/", None, None));
        assert!(url.is_local_http());
        assert!(RequestUrl::parse("http://[::1]:8787/admin/").unwrap().is_local_http());
        assert!(!RequestUrl::parse("https://localhost/").unwrap().is_local_http());
        assert_eq!(RequestUrl::parse("http://u:p@host/x").unwrap().origin(), "http://host");
        assert_eq!(RequestUrl::parse("/relative"), None);
    }
}
