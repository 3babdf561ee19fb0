//! Replies and their headers: content types, caching, ETags and 304s, and the security headers every response carries.

use crate::core::hash;
use worker::{Headers, Request, Response};

/// How long shared caches and browsers may keep a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CachePolicy {
    /// Pages: always revalidate (cheap with the ETag), so a new comment or post shows at once.
    Revalidate,
    /// A page for one reader (a post page's form is theirs): as `Revalidate`, in their browser's cache only.
    Private,
    /// Feeds and the sitemap: feed readers poll; five minutes is fresh enough.
    Feed,
    /// 404s: a minute.
    Short,
    /// robots.txt.
    Day,
    /// Errors and admin replies.
    NoStore,
}

impl CachePolicy {
    fn header(self) -> &'static str {
        match self {
            CachePolicy::Revalidate => "public, no-cache",
            CachePolicy::Private => "private, no-cache",
            CachePolicy::Feed => "public, max-age=300",
            CachePolicy::Short => "public, max-age=60",
            CachePolicy::Day => "public, max-age=86400",
            CachePolicy::NoStore => "no-store",
        }
    }
}

/// Content Security Policy: only this origin, no inline script, no framing.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
                   object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// A reply before it becomes a `Response`.
pub struct Reply {
    status: u16,
    body: Option<String>,
    content_type: &'static str,
    cache: CachePolicy,
    headers: Vec<(String, String)>,
    /// The ETag when it is not the hash of the body (see `app::PostOut`).
    etag: Option<String>,
}

impl Reply {
    fn new(status: u16, body: Option<String>, content_type: &'static str, cache: CachePolicy) -> Reply {
        Reply { status, body, content_type, cache, headers: Vec::new(), etag: None }
    }

    pub fn html(body: String, cache: CachePolicy) -> Reply {
        Reply::new(200, Some(body), "text/html; charset=utf-8", cache)
    }

    pub fn atom(body: String) -> Reply {
        Reply::new(200, Some(body), "application/atom+xml; charset=utf-8", CachePolicy::Feed)
    }

    pub fn rss(body: String) -> Reply {
        Reply::new(200, Some(body), "application/rss+xml; charset=utf-8", CachePolicy::Feed)
    }

    pub fn xml(body: String) -> Reply {
        Reply::new(200, Some(body), "application/xml; charset=utf-8", CachePolicy::Feed)
    }

    pub fn text(status: u16, body: String) -> Reply {
        Reply::new(status, Some(body), "text/plain; charset=utf-8", CachePolicy::NoStore)
    }

    pub fn json(status: u16, body: &impl serde::Serialize) -> Reply {
        Reply::new(status, Some(serde_json::to_string(body).unwrap_or_default()), "application/json", CachePolicy::NoStore)
    }

    pub fn empty(status: u16) -> Reply {
        Reply::new(status, None, "text/plain", CachePolicy::NoStore)
    }

    /// A permanent redirect to a path on this site.
    pub fn redirect(location: &str) -> Reply {
        Reply::new(301, None, "text/plain", CachePolicy::Short).with_header("Location", location)
    }

    /// After a form POST: go to this page with GET.
    pub fn see_other(location: &str) -> Reply {
        Reply::new(303, None, "text/plain", CachePolicy::NoStore).with_header("Location", location)
    }

    /// Sets the ETag instead of hashing the body (see `app::PostOut`).
    pub fn with_etag(mut self, etag: String) -> Reply {
        self.etag = Some(etag);
        self
    }

    pub fn with_status(mut self, status: u16) -> Reply {
        self.status = status;
        self
    }

    pub fn cached(mut self, cache: CachePolicy) -> Reply {
        self.cache = cache;
        self
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Adds the ETag (answering `If-None-Match` with 304), caching and security headers; drops the body for `HEAD`.
    pub fn into_response(self, req: &Request, https: bool) -> worker::Result<Response> {
        let headers = Headers::new();
        headers.set("Content-Type", self.content_type)?;
        headers.set("Cache-Control", self.cache.header())?;
        headers.set("Content-Security-Policy", CSP)?;
        headers.set("X-Content-Type-Options", "nosniff")?;
        headers.set("Referrer-Policy", "same-origin")?;
        headers.set("X-Frame-Options", "DENY")?;
        headers.set("Cross-Origin-Opener-Policy", "same-origin")?;
        headers.set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")?;
        if https {
            headers.set("Strict-Transport-Security", "max-age=31536000")?;
        }
        for (name, value) in &self.headers {
            headers.set(name, value)?;
        }
        let mut status = self.status;
        let mut body = self.body;
        if let (200, Some(text)) = (status, &body) {
            let etag = format!("\"{}\"", self.etag.unwrap_or_else(|| hash::etag(text.as_bytes())));
            let matches = req.headers().get("If-None-Match")?.is_some_and(|given| etag_matches(&given, &etag));
            headers.set("ETag", &etag)?;
            if matches {
                status = 304;
                body = None;
            }
        }
        if req.method() == worker::Method::Head {
            body = None;
        }
        let response = match body {
            Some(text) => Response::ok(text)?,
            None => Response::empty()?,
        };
        Ok(response.with_status(status).with_headers(headers))
    }
}

/// `If-None-Match` may list several tags, weak ones included, or `*`.
fn etag_matches(header: &str, etag: &str) -> bool {
    header.split(',').map(|t| t.trim().trim_start_matches("W/")).any(|t| t == etag || t == "*")
}
