//! The Cloudflare Workers adapter: entry point and routing table. Parse the request, call the app, reply.

mod admin;
mod d1;
mod http;
mod kv;
mod memo;

use crate::app::{App, AppError, Listing, ModerationAction, Rejection, ShowOptions, Submitted};
use crate::core::comment::{parse_urlencoded, CommentForm, CommentStatus};
use crate::core::config::SiteConfig;
use crate::core::moderation::signing_key;
use crate::core::post::Kind;
use crate::core::route::{allow_header, Guard, Method, Route};
use crate::core::slug::Slug;
use crate::core::token::{bearer_matches, SigningKey};
use crate::core::url::RequestUrl;
use crate::store::StoreError;
use chrono::{DateTime, Utc};
use d1::D1;
use http::{CachePolicy, Reply};
use kv::KvContent;
use serde::Serialize;
use std::cell::OnceCell;
use std::rc::Rc;
use worker::{event, Context, Env, Request, Response, ScheduleContext, ScheduledEvent};

type EdgeApp<'a> = App<'a, KvContent, D1>;

/// The largest post file the admin API accepts.
const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;
/// The largest batch of imported comments the admin API accepts in one request.
const MAX_IMPORT_BYTES: usize = 4 * 1024 * 1024;
/// The most request header bytes (names and values) the worker reads; the runtime refuses far larger ones itself.
const MAX_HEADER_BYTES: usize = 32 * 1024;
/// The largest comment form accepted; the body field itself is limited to 10,000 characters.
const MAX_FORM_BYTES: usize = 64 * 1024;

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, ctx: Context) -> worker::Result<Response> {
    console_error_panic_hook::set_once();
    let settings = Settings::of(&env);
    let (site, key) = (&settings.site, &settings.key);
    let content = KvContent::new(&env, site.cache_seconds, site.index_writes);
    let db = D1::new(&env, site.cache_seconds);
    // For the comment forms a page shows (`core::moderation::form_token`): randomness is the edge's to give. 64 bits:
    // whoever would take a reader's private link must guess theirs. Without it no form is shown or accepted.
    let mut random = [0u8; 8];
    let nonce = getrandom::fill(&mut random).map(|()| hex::encode(random)).unwrap_or_default();
    let app = App { site, content: &content, db: &db, now: now(), key, nonce: &nonce };
    let url = RequestUrl::parse(&req.inner().url());
    let path = url.as_ref().map_or("/", RequestUrl::path).to_string();
    // Fault injection for the end-to-end tests only: no deployed configuration sets this variable.
    if path == "/__fault/panic" && env.var("FAULT_INJECTION").is_ok_and(|v| v.to_string() == "panic") {
        panic!("fault injected by {path}");
    }
    let header_bytes: usize = req.headers().entries().map(|(name, value)| name.len() + value.len()).sum();
    if header_bytes > MAX_HEADER_BYTES {
        return Reply::text(431, "The request headers are too large.\n".into()).into_response(&req, site.url.starts_with("https://"));
    }
    let reply = match route(&mut req, url, settings.admin_token.as_deref(), &app, &ctx).await {
        Ok(reply) => reply,
        Err(err) => error_reply(&app, err, &path).await,
    };
    reply.into_response(&req, site.url.starts_with("https://"))
}

/// The daily housekeeping (`[triggers] crons` in wrangler.toml).
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let settings = Settings::of(&env);
    let (content, db) = (KvContent::new(&env, 0, settings.site.index_writes), D1::new(&env, 0));
    let app = App { site: &settings.site, content: &content, db: &db, now: now(), key: &settings.key, nonce: "" };
    match app.housekeeping().await {
        Ok(purged) => worker::console_log!("housekeeping: {}", serde_json::to_string(&purged).unwrap_or_default()),
        Err(e) => worker::console_error!("housekeeping failed: {e}"),
    }
    match app.repair_index().await {
        Ok(true) => worker::console_log!("housekeeping: the index was behind the catalog, stored again"),
        Ok(false) => {}
        Err(e) => worker::console_error!("housekeeping: checking the index against the catalog failed: {e}"),
    }
}

/// What a request reads from the worker's environment. Variables and secrets are fixed for a deployment's life, and
/// a deployment starts new isolates, so each isolate reads them on its first request: about twenty calls into JavaScript, and the
/// signing key's derivation and HMAC keying, are then not paid on every request.
struct Settings {
    site: SiteConfig,
    admin_token: Option<String>,
    key: SigningKey,
}

thread_local! {
    static SETTINGS: OnceCell<Rc<Settings>> = const { OnceCell::new() };
}

impl Settings {
    fn of(env: &Env) -> Rc<Settings> {
        SETTINGS.with(|s| {
            s.get_or_init(|| {
                let site = SiteConfig::from_lookup(|name| env.var(name).ok().map(|v| v.to_string()));
                let admin_token = secret(env, "ADMIN_TOKEN");
                let key = signing_key(secret(env, "SIGNING_KEY").as_deref(), admin_token.as_deref()).unwrap_or_default();
                Rc::new(Settings { site, admin_token, key })
            })
            .clone()
        })
    }
}

/// A secret from `wrangler secret put` (or `.dev.vars`); a plain var of the same name also counts.
fn secret(env: &Env, name: &str) -> Option<String> {
    env.secret(name).map(|s| s.to_string()).or_else(|_| env.var(name).map(|v| v.to_string())).ok().filter(|s| !s.is_empty())
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(worker::Date::now().as_millis() as i64).unwrap_or_default()
}

/// The routing table: one arm per route of [`Route`].
async fn route(
    req: &mut Request,
    url: Option<RequestUrl>,
    admin_token: Option<&str>,
    app: &EdgeApp<'_>,
    ctx: &Context,
) -> Result<Reply, AppError> {
    let url = url.ok_or(AppError::NotFound)?;
    let path = url.path().to_string();
    // `worker::Method` turns methods it does not know (PROPFIND, BREW…) into GET; read the method as sent.
    let method = Method::parse(&req.inner().method());
    let route = Route::parse(&path);

    let guard = route.guard();
    if guard == Guard::Bearer {
        let header = req.headers().get("Authorization").ok().flatten();
        if !bearer_matches(header.as_deref(), admin_token.unwrap_or_default()) {
            let error = ApiError { error: "missing or wrong Authorization: Bearer <ADMIN_TOKEN>" };
            return Ok(Reply::json(401, &error).with_header("WWW-Authenticate", "Bearer"));
        }
    }
    let allowed = route.allowed();
    let method_ok = allowed.contains(&method) || (method == Method::Head && allowed.contains(&Method::Get));
    if !method_ok && route != Route::NotFound {
        let allow = allow_header(allowed);
        return Ok(Reply::text(405, format!("Method not allowed. Use {allow}.\n")).with_header("Allow", &allow));
    }
    if matches!(guard, Guard::Session | Guard::SignIn | Guard::FeedKey | Guard::SignedLink) {
        return admin::handle(req, app, admin_token, route, method, &url).await;
    }

    Ok(match route {
        Route::Home { page } => {
            if let Some(target) = wordpress_query_alias(app, &url).await? {
                return Ok(Reply::redirect(&target));
            }
            kept_page(app.home(page).await?)
        }
        Route::Post(slug) => {
            let opts = show_options(&url);
            // A page with a private manage link in it is for one reader only; so is its form's token, kept out of shared
            // caches (a proxy handing one token to many readers would hand them one private link).
            let cache = if opts.manage_key.is_some() { CachePolicy::NoStore } else { CachePolicy::Private };
            let out = app.show_post(&slug, &opts).await?;
            Reply::html(out.html, cache).with_etag(out.etag)
        }
        Route::PostComments(slug) => submit_comment(req, app, &slug, ctx).await?,
        Route::ManageComment(key) => manage_comment(req, app, &key, method).await?,
        Route::Page(slug) => match app.show_page(&slug).await {
            Err(AppError::NotFound) => return not_found_or_alias(app, &path).await,
            page => Reply::html(page?, CachePolicy::Revalidate),
        },
        Route::Tags => kept_page(app.tags().await?),
        Route::Tag { tag, page } => kept_page(app.tag(&tag, page).await?),
        Route::TagFeed(tag) => listing_reply(app.feed(Some(&tag), false).await?, Reply::atom),
        Route::Archive { page } => kept_page(app.archive(page).await?),
        Route::Search => Reply::html(app.search(&url.param("q").unwrap_or_default()).await?, CachePolicy::Revalidate),
        Route::AtomFeed => listing_reply(app.feed(None, false).await?, Reply::atom),
        Route::RssFeed => listing_reply(app.feed(None, true).await?, Reply::rss),
        Route::CommentsFeed => Reply::atom(app.comments_feed(None).await?).cached(CachePolicy::Revalidate),
        Route::PostCommentsFeed(slug) => Reply::atom(app.comments_feed(Some(&slug)).await?).cached(CachePolicy::Revalidate),
        Route::Sitemap(which) => listing_reply(app.sitemap(which).await?, Reply::xml),
        Route::Robots => Reply::text(200, app.robots()).cached(CachePolicy::Day),
        Route::AdminApiPost(slug) => admin_document(req, app, Kind::Post, &slug, method).await?,
        Route::AdminApiPage(slug) => admin_document(req, app, Kind::Page, &slug, method).await?,
        Route::AdminApiComments => admin_comments(app, &url).await?,
        Route::AdminApiCommentsImport => import_comments(req, app).await?,
        Route::AdminApiComment(id) => {
            app.delete_comment(id).await?;
            Reply::empty(204)
        }
        Route::AdminApiCommentAction(id, action) => {
            let action = ModerationAction::parse(&action).ok_or(AppError::NotFound)?;
            app.moderate(id, action).await?;
            let comment = app.db_comment(id).await?;
            Reply::json(200, &Moderated { id, status: comment.map(|c| c.status) })
        }
        Route::AdminApiUnknown(reason) => return Err(reason.map_or(AppError::NotFound, AppError::BadRequest)),
        Route::Redirect(to) => Reply::redirect(&with_query(&to, &url)),
        Route::NotFound => return not_found_or_alias(app, &path).await,
        // Handled by `admin::handle` above, after their guard.
        Route::AdminHome
        | Route::AdminLogin
        | Route::AdminLogout
        | Route::AdminQueue
        | Route::AdminEdit(_)
        | Route::AdminFeed
        | Route::AdminConfirm(_)
        | Route::AdminUnknown => return Err(AppError::NotFound),
    })
}

/// A kept listing: its body copied into the response, its ETag as computed when it was written.
fn listing_reply(listing: Rc<Listing>, reply: impl FnOnce(String) -> Reply) -> Reply {
    reply(listing.body.clone()).with_etag(listing.etag.clone())
}

/// A kept HTML page of the index (a list of posts, the archive, the tags page).
fn kept_page(listing: Rc<Listing>) -> Reply {
    listing_reply(listing, |body| Reply::html(body, CachePolicy::Revalidate))
}

fn show_options(url: &RequestUrl) -> ShowOptions {
    ShowOptions {
        reply_to: url.param("replyto").and_then(|v| v.parse().ok()),
        manage_key: url.param("comment").filter(|k| crate::core::route::is_manage_key(k)),
        duplicate: url.param("notice").as_deref() == Some("duplicate"),
        page: url.param("cpage").and_then(|v| v.parse().ok()).unwrap_or(1),
    }
}

/// Reads a urlencoded form body, refusing other media types, oversized bodies and invalid UTF-8 (also percent-encoded).
async fn form_body(req: &mut Request) -> Result<Result<Vec<(String, String)>, Reply>, AppError> {
    let content_type = req.headers().get("Content-Type").ok().flatten().unwrap_or_default();
    let media_type = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if !media_type.is_empty() && media_type != "application/x-www-form-urlencoded" {
        return Ok(Err(Reply::text(415, "Send the form as application/x-www-form-urlencoded.\n".into())));
    }
    let bytes = req.bytes().await.map_err(|_| AppError::BadRequest("the form could not be read".into()))?;
    if bytes.len() > MAX_FORM_BYTES {
        return Ok(Err(Reply::text(413, "This form is too large. A comment may have at most 10,000 characters.\n".into())));
    }
    parse_urlencoded(&bytes).map(Ok).map_err(|e| AppError::BadRequest(e.to_string()))
}

async fn submit_comment(req: &mut Request, app: &EdgeApp<'_>, slug: &Slug, ctx: &Context) -> Result<Reply, AppError> {
    let fields = match form_body(req).await? {
        Ok(fields) => fields,
        Err(too_large) => return Ok(too_large),
    };
    let client = req.headers().get("CF-Connecting-IP").ok().flatten().unwrap_or_else(|| "unknown".into());
    Ok(match app.submit_comment(slug, CommentForm::from_pairs(fields), &client).await? {
        Submitted::Accepted { redirect, held } => {
            if let (Some(id), Some(webhook)) = (held, &app.site.notify_webhook) {
                notify(ctx, webhook, &app.notification(id, slug.as_str()));
            }
            Reply::see_other(&redirect)
        }
        Submitted::Rejected { why, page } => {
            let status = match why {
                Rejection::Invalid | Rejection::TooSoon => 422,
                Rejection::RateLimited => 429,
                Rejection::Closed => 403,
                Rejection::Unavailable => 503,
            };
            Reply::html(page, CachePolicy::NoStore).with_status(status)
        }
    })
}

/// Sends a held-comment notice to the webhook after the response; a failure is logged, never shown.
fn notify(ctx: &Context, webhook: &str, notification: &crate::app::admin::Notification) {
    let body = serde_json::to_string(notification).unwrap_or_default();
    let headers = worker::Headers::new();
    let _ = headers.set("Content-Type", "application/json");
    let mut init = worker::RequestInit::new();
    init.with_method(worker::Method::Post).with_headers(headers).with_body(Some(body.into()));
    let Ok(request) = Request::new_with_init(webhook, &init) else {
        worker::console_error!("NOTIFY_WEBHOOK_URL is not a valid URL");
        return;
    };
    ctx.wait_until(async move {
        if let Err(e) = worker::Fetch::Request(request).send().await {
            worker::console_error!("webhook failed: {e}");
        }
    });
}

async fn manage_comment(req: &mut Request, app: &EdgeApp<'_>, key: &str, method: Method) -> Result<Reply, AppError> {
    if method != Method::Post {
        return Ok(Reply::html(app.manage_comment(key).await?, CachePolicy::NoStore));
    }
    let fields = match form_body(req).await? {
        Ok(fields) => fields,
        Err(too_large) => return Ok(too_large),
    };
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    Ok(match field("action") {
        Some("delete") => Reply::html(app.delete_own_comment(key).await?, CachePolicy::NoStore),
        Some("edit") => match app.edit_own_comment(key, field("author"), field("url"), field("body").unwrap_or_default()).await? {
            Ok(page) => Reply::html(page, CachePolicy::NoStore),
            Err(page) => Reply::html(page, CachePolicy::NoStore).with_status(422),
        },
        _ => return Err(AppError::BadRequest("the form needs action=edit or action=delete".into())),
    })
}

/// The admin API's answers, as JSON (typed rather than `json!`: serde_json's `Value` would cost the worker 3 KB).
#[derive(Serialize)]
struct ApiError<'a> {
    error: &'a str,
}

#[derive(Serialize)]
struct Moderated {
    id: i64,
    status: Option<CommentStatus>,
}

#[derive(Serialize)]
struct Published<'a> {
    slug: &'a str,
    url: &'a str,
}

/// A comment without what the API never shows (the commenter's address, the rendered body).
#[derive(Serialize)]
struct ApiComment<'a> {
    id: i64,
    post: &'a str,
    parent: Option<i64>,
    author: &'a str,
    body: &'a str,
    status: CommentStatus,
    created_at: &'a str,
}

/// `GET /admin/api/comments?status=…`.
async fn admin_comments(app: &EdgeApp<'_>, url: &RequestUrl) -> Result<Reply, AppError> {
    let status_text = url.param("status").unwrap_or_else(|| "pending".into());
    let status = CommentStatus::parse(&status_text)
        .ok_or_else(|| AppError::BadRequest(format!("status must be pending, approved, spam or trash, not {status_text:?}")))?;
    let comments = app.comments_with_status(status, 500).await?;
    let list: Vec<_> = comments
        .iter()
        .map(|c| ApiComment {
            id: c.id,
            post: &c.post,
            parent: c.parent,
            author: &c.author,
            body: &c.body,
            status: c.status,
            created_at: &c.created_at,
        })
        .collect();
    Ok(Reply::json(200, &list))
}

/// `POST /admin/api/comments/import`: a JSON array of comments from `blog import-wxr`.
async fn import_comments(req: &mut Request, app: &EdgeApp<'_>) -> Result<Reply, AppError> {
    let bytes = req.bytes().await.map_err(|e| AppError::BadRequest(format!("could not read the body: {e}")))?;
    if bytes.len() > MAX_IMPORT_BYTES {
        return Ok(Reply::json(413, &ApiError { error: "send at most 4 MiB of comments per request" }));
    }
    // Read as text, as every other JSON is: a reader of bytes would be a second copy of serde_json's parser.
    let text = std::str::from_utf8(&bytes).map_err(|e| AppError::BadRequest(format!("the body is not UTF-8: {e}")))?;
    let comments: Vec<crate::core::wxr::ImportedComment> =
        serde_json::from_str(text).map_err(|e| AppError::BadRequest(format!("expected a JSON array of comments: {e}")))?;
    let mut keys = Vec::with_capacity(comments.len());
    for _ in &comments {
        let mut random = [0u8; 32];
        getrandom::fill(&mut random).map_err(|e| AppError::Store(StoreError::Unavailable(format!("randomness: {e}"))))?;
        keys.push(hex::encode(random));
    }
    let outcome = app.import_comments(&comments, &keys).await?;
    Ok(Reply::json(200, &outcome))
}

/// `PUT` publishes the whole Markdown file in the body, `DELETE` unpublishes.
async fn admin_document(req: &mut Request, app: &EdgeApp<'_>, kind: Kind, slug: &Slug, method: Method) -> Result<Reply, AppError> {
    if method == Method::Delete {
        app.unpublish(kind, slug).await?;
        return Ok(Reply::empty(204));
    }
    let bytes = req.bytes().await.map_err(|e| AppError::BadDocument(format!("could not read the body: {e}")))?;
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Ok(Reply::json(413, &ApiError { error: "the file is larger than 1 MiB" }));
    }
    let source = String::from_utf8(bytes).map_err(|_| AppError::BadDocument("the file is not valid UTF-8".into()))?;
    let published = app.publish(kind, slug, &source).await?;
    Ok(Reply::json(if published.created { 201 } else { 200 }, &Published { slug: published.slug.as_str(), url: &published.url }))
}

/// WordPress links such as `/?p=12` live on the home route; they redirect when an alias names them.
async fn wordpress_query_alias(app: &EdgeApp<'_>, url: &RequestUrl) -> Result<Option<String>, AppError> {
    match url.query() {
        Some(q) if !q.is_empty() => app.alias(&format!("/?{q}")).await,
        _ => Ok(None),
    }
}

async fn not_found_or_alias(app: &EdgeApp<'_>, path: &str) -> Result<Reply, AppError> {
    match app.alias(path).await? {
        Some(target) => Ok(Reply::redirect(&target)),
        None => Err(AppError::NotFound),
    }
}

fn with_query(path: &str, url: &RequestUrl) -> String {
    match url.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_string(),
    }
}

/// Maps an application error to a page in the site's design (or JSON for the admin API).
async fn error_reply(app: &EdgeApp<'_>, err: AppError, path: &str) -> Reply {
    let (status, heading, message) = match &err {
        AppError::NotFound => {
            (404, "Page not found", "There is nothing at this address. It may have moved, or the link may be mistyped.".to_string())
        }
        AppError::BadDocument(reason) | AppError::BadRequest(reason) => {
            (400, "Bad request", format!("This request could not be understood: {reason}."))
        }
        AppError::Store(StoreError::Unavailable(_)) => {
            (503, "Temporarily unavailable", "The blog cannot reach its storage just now. Please try again in a minute.".to_string())
        }
        AppError::Store(too_many @ StoreError::TooManyWrites { .. }) => (
            422,
            "Too large to publish here",
            format!(
                "Nothing was changed: {too_many}. Publish the file through wrangler instead, which has no such limit: \
                 `blog publish --remote <dir>` with a folder that holds it (to take a post down that way, set `draft = true`)."
            ),
        ),
        AppError::Store(busy @ StoreError::Contended) => (503, "Saved; the lists are not up to date", format!("{busy}.")),
        AppError::Store(StoreError::Corrupt(_)) | AppError::CorruptDoc { .. } | AppError::Render(_) => {
            (500, "Something went wrong", "This page could not be shown because of a fault on our side. It has been logged.".to_string())
        }
    };
    if status >= 500 {
        // Not the path: it can be a commenter's private link (`/comments/<key>/`).
        worker::console_error!("{err}");
    }
    if path.starts_with("/admin/api/") {
        let message = match &err {
            AppError::BadDocument(reason) | AppError::BadRequest(reason) => reason.clone(),
            AppError::Store(StoreError::TooManyWrites { .. } | StoreError::Contended) => message.clone(),
            AppError::NotFound => "not found".into(),
            AppError::Store(StoreError::Unavailable(_)) => "storage is unavailable; try again".into(),
            _ => "internal error; see the worker log".into(),
        };
        return Reply::json(status, &ApiError { error: &message });
    }
    // A stylesheet missing under /static/ is another version's (a gradual deployment): the next page asks again.
    let policy = if status == 404 && !path.starts_with("/static/") { CachePolicy::Short } else { CachePolicy::NoStore };
    Reply::html(app.error_page(heading, &message, path).await, policy).with_status(status)
}
