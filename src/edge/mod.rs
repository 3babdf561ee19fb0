//! The Cloudflare Workers adapter: entry point and routing table. Parse the request, call the app, reply.

mod d1;
mod http;
mod kv;

use crate::app::{App, AppError};
use crate::core::config::SiteConfig;
use crate::core::post::Kind;
use crate::core::route::{allow_header, Method, Route};
use crate::core::token::bearer_matches;
use chrono::{DateTime, Utc};
use d1::D1Catalog;
use http::{CachePolicy, Reply};
use kv::KvContent;
use worker::{event, Context, Env, Request, Response};

/// The largest post file the admin API accepts.
const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    console_error_panic_hook::set_once();
    let site = SiteConfig::from_lookup(|name| env.var(name).ok().map(|v| v.to_string()));
    let content = KvContent::new(&env);
    let catalog = D1Catalog::new(&env);
    let app = App {
        site: &site,
        content: &content,
        catalog: &catalog,
        now: now(),
    };
    let path = req.path();
    let reply = match route(&mut req, &env, &app).await {
        Ok(reply) => reply,
        Err(err) => error_reply(&app, err, &path).await,
    };
    reply.into_response(&req, site.url.starts_with("https://"))
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(worker::Date::now().as_millis() as i64).unwrap_or_default()
}

/// The routing table: one arm per route of [`Route`].
async fn route(req: &mut Request, env: &Env, app: &App<'_, KvContent, D1Catalog>) -> Result<Reply, AppError> {
    let url = req.url().map_err(|_| AppError::NotFound)?;
    let path = url.path().to_string();
    let method = Method::parse(req.method().as_ref());
    let route = Route::parse(&path);

    if route.is_admin() {
        let token = env
            .secret("ADMIN_TOKEN")
            .map(|s| s.to_string())
            .or_else(|_| env.var("ADMIN_TOKEN").map(|v| v.to_string()));
        let header = req.headers().get("Authorization").ok().flatten();
        if !bearer_matches(header.as_deref(), &token.unwrap_or_default()) {
            return Ok(
                Reply::json(401, r#"{"error":"missing or wrong Authorization: Bearer <ADMIN_TOKEN>"}"#.into())
                    .with_header("WWW-Authenticate", "Bearer"),
            );
        }
    }
    let allowed = route.allowed();
    let method_ok = allowed.contains(&method) || (method == Method::Head && allowed.contains(&Method::Get));
    if !method_ok && route != Route::NotFound {
        return Ok(
            Reply::text(405, format!("Method not allowed. Use {}.\n", allow_header(allowed))).with_header("Allow", &allow_header(allowed))
        );
    }

    Ok(match route {
        Route::Home { page } => {
            if let Some(target) = wordpress_query_alias(app, &url).await? {
                return Ok(Reply::redirect(&target));
            }
            Reply::html(app.home(page).await?, CachePolicy::Revalidate)
        }
        Route::Post(slug) => Reply::html(app.show(Kind::Post, &slug).await?, CachePolicy::Revalidate),
        Route::Page(slug) => match app.show(Kind::Page, &slug).await {
            Err(AppError::NotFound) => return not_found_or_alias(app, &path).await,
            page => Reply::html(page?, CachePolicy::Revalidate),
        },
        Route::Tags => Reply::html(app.tags().await?, CachePolicy::Revalidate),
        Route::Tag(tag) => Reply::html(app.tag(&tag).await?, CachePolicy::Revalidate),
        Route::TagFeed(tag) => Reply::atom(app.feed(Some(&tag), false).await?),
        Route::Archive => Reply::html(app.archive().await?, CachePolicy::Revalidate),
        Route::Search => {
            let q = url
                .query_pairs()
                .find(|(k, _)| k == "q")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            Reply::html(app.search(&q).await?, CachePolicy::Revalidate)
        }
        Route::AtomFeed => Reply::atom(app.feed(None, false).await?),
        Route::RssFeed => Reply::rss(app.feed(None, true).await?),
        Route::Sitemap => Reply::xml(app.sitemap().await?),
        Route::Robots => Reply::text(200, app.robots()).cached(CachePolicy::Day),
        Route::AdminApiPost(slug) => admin_document(req, app, Kind::Post, &slug, method).await?,
        Route::AdminApiPage(slug) => admin_document(req, app, Kind::Page, &slug, method).await?,
        Route::Redirect(to) => Reply::redirect(&with_query(&to, &url)),
        // Comments arrive with the comments feature; until then these routes are not found.
        Route::PostComments(_) | Route::PostCommentsFeed(_) | Route::CommentsFeed => return Err(AppError::NotFound),
        Route::NotFound => return not_found_or_alias(app, &path).await,
    })
}

/// `PUT` publishes the whole Markdown file in the body, `DELETE` unpublishes.
async fn admin_document(
    req: &mut Request,
    app: &App<'_, KvContent, D1Catalog>,
    kind: Kind,
    slug: &crate::core::slug::Slug,
    method: Method,
) -> Result<Reply, AppError> {
    if method == Method::Delete {
        app.unpublish(kind, slug).await?;
        return Ok(Reply::empty(204));
    }
    let bytes = req
        .bytes()
        .await
        .map_err(|e| AppError::BadDocument(format!("could not read the body: {e}")))?;
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Ok(Reply::json(
            413,
            serde_json::json!({"error": "the file is larger than 1 MiB"}).to_string(),
        ));
    }
    let source = String::from_utf8(bytes).map_err(|_| AppError::BadDocument("the file is not valid UTF-8".into()))?;
    let published = app.publish(kind, slug, &source).await?;
    let body = serde_json::json!({ "slug": published.slug.as_str(), "url": published.url }).to_string();
    Ok(Reply::json(if published.created { 201 } else { 200 }, body))
}

/// WordPress links such as `/?p=12` live on the home route; they redirect when an alias names them.
async fn wordpress_query_alias(app: &App<'_, KvContent, D1Catalog>, url: &worker::Url) -> Result<Option<String>, AppError> {
    match url.query() {
        Some(q) if !q.is_empty() => app.alias(&format!("/?{q}")).await,
        _ => Ok(None),
    }
}

async fn not_found_or_alias(app: &App<'_, KvContent, D1Catalog>, path: &str) -> Result<Reply, AppError> {
    match app.alias(path).await? {
        Some(target) => Ok(Reply::redirect(&target)),
        None => Err(AppError::NotFound),
    }
}

fn with_query(path: &str, url: &worker::Url) -> String {
    match url.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_string(),
    }
}

/// Maps an application error to a page in the site's design (or JSON for the admin API).
async fn error_reply(app: &App<'_, KvContent, D1Catalog>, err: AppError, path: &str) -> Reply {
    if path.starts_with("/admin/api/") {
        let (status, message) = match &err {
            AppError::NotFound => (404, "not found".to_string()),
            AppError::BadDocument(reason) => (400, reason.clone()),
            AppError::Store(_) => (503, "storage is unavailable; try again".to_string()),
            _ => (500, "internal error; see the worker log".to_string()),
        };
        if status >= 500 {
            worker::console_error!("{path}: {err}");
        }
        return Reply::json(status, serde_json::json!({ "error": message }).to_string());
    }
    let (status, heading, message) = match &err {
        AppError::NotFound => (
            404,
            "Page not found",
            "There is nothing at this address. It may have moved, or the link may be mistyped.",
        ),
        AppError::Store(_) => (
            503,
            "Temporarily unavailable",
            "The blog cannot reach its storage just now. Please try again in a minute.",
        ),
        _ => (
            500,
            "Something went wrong",
            "This page could not be shown because of a fault on our side. It has been logged.",
        ),
    };
    if status >= 500 {
        worker::console_error!("{path}: {err}");
    }
    let policy = if status == 404 { CachePolicy::Short } else { CachePolicy::NoStore };
    Reply::html(app.error_page(heading, message, path).await, policy).with_status(status)
}
