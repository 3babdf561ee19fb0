//! The admin area over HTTP: sign-in and sessions, CSRF and Origin checks, the queue's form actions,
//! one-click links and the private feed. Credentials are checked here before any use case runs.

use super::http::{CachePolicy, Reply};
use super::{form_body, EdgeApp};
use crate::app::admin::{LOGIN_WINDOW_SECONDS, MAX_LOGIN_FAILURES};
use crate::app::AppError;
use crate::core::admin_views::{changed_notice, is_own_notice, SAVED_NOTICE};
use crate::core::auth::{
    clear_session_cookie, cookie, feed_key_matches, origin_allowed, session_cookie, Session, SESSION_COOKIE, SESSION_SECONDS,
};
use crate::core::comment::{CommentForm, CommentStatus};
use crate::core::route::{Method, Route};
use crate::core::token::constant_time_eq;
use crate::core::url::RequestUrl;
use worker::Request;

/// The session a request carries, if its cookie is genuine and unexpired; any other cookie is ignored.
pub fn session(req: &Request, app: &EdgeApp<'_>) -> Option<Session> {
    let header = req.headers().get("Cookie").ok().flatten()?;
    Session::verify(app.key, cookie(&header, SESSION_COOKIE)?, app.now.timestamp())
}

/// Cookies are `Secure` everywhere except plain http on this machine.
fn secure(url: &RequestUrl) -> bool {
    !url.is_local_http()
}

fn to_sign_in() -> Reply {
    Reply::see_other("/admin/")
}

fn forbidden(app: &EdgeApp<'_>, message: &str) -> Result<Reply, AppError> {
    Ok(Reply::html(app.login_page(Some(message.to_string()))?, CachePolicy::NoStore).with_status(403))
}

fn same_origin(req: &Request, app: &EdgeApp<'_>, url: &RequestUrl) -> bool {
    let origin = req.headers().get("Origin").ok().flatten();
    origin_allowed(origin.as_deref(), &app.site.url, &url.origin())
}

fn client(req: &Request) -> String {
    req.headers().get("CF-Connecting-IP").ok().flatten().unwrap_or_else(|| "unknown".into())
}

/// Handles every admin HTML route; the API routes are handled with the Bearer token in `edge::route`.
pub async fn handle(
    req: &mut Request,
    app: &EdgeApp<'_>,
    admin_token: Option<&str>,
    route: Route,
    method: Method,
    url: &RequestUrl,
) -> Result<Reply, AppError> {
    match route {
        Route::AdminHome => match session(req, app) {
            Some(s) => Ok(Reply::html(app.dashboard(&s.csrf(app.key)).await?, CachePolicy::NoStore)),
            None => Ok(Reply::html(app.login_page(None)?, CachePolicy::NoStore)),
        },
        Route::AdminLogin => sign_in(req, app, admin_token, url).await,
        Route::AdminFeed => {
            let key = url.param("key").unwrap_or_default();
            if !feed_key_matches(app.key, &key) {
                return Ok(Reply::text(401, "This feed needs its private key: copy its address from the admin dashboard.\n".into()));
            }
            Ok(Reply::atom(app.pending_feed().await?).cached(CachePolicy::NoStore))
        }
        Route::AdminConfirm(token) => {
            if method == Method::Post && !same_origin(req, app, url) {
                return forbidden(app, "This form came from another site and was refused.");
            }
            Ok(Reply::html(app.confirm_link(&token, method == Method::Post).await?, CachePolicy::NoStore))
        }
        route => {
            // Everything else needs a session, and a POST also needs this site's Origin and the session's CSRF token.
            let Some(session) = session(req, app) else { return Ok(to_sign_in()) };
            let csrf = session.csrf(app.key);
            if method != Method::Post {
                return match route {
                    Route::AdminQueue => queue(app, url, &csrf, None).await,
                    Route::AdminEdit(id) => Ok(Reply::html(app.edit_page(id, &csrf, None, None).await?, CachePolicy::NoStore)),
                    _ => Err(AppError::NotFound),
                };
            }
            let fields = match form_body(req).await? {
                Ok(fields) => fields,
                Err(too_large) => return Ok(too_large),
            };
            let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
            if !same_origin(req, app, url) || !session.csrf_matches(app.key, field("csrf").unwrap_or_default()) {
                return forbidden(app, "This form was refused: it did not come from this admin session. Reload the page and try again.");
            }
            match route {
                Route::AdminLogout => Ok(Reply::see_other("/admin/").with_header("Set-Cookie", &clear_session_cookie(secure(url)))),
                Route::AdminQueue => {
                    let act = field("act").unwrap_or_default();
                    let (action, ids): (&str, Vec<i64>) = match act.split_once(':') {
                        Some((action, id)) => (action, id.parse().ok().into_iter().collect()),
                        None => (act, fields.iter().filter(|(k, _)| k == "ids").filter_map(|(_, v)| v.parse().ok()).collect()),
                    };
                    if ids.is_empty() {
                        return queue(app, url, &csrf, Some("Select at least one comment first.".into())).await;
                    }
                    let done = app.act_on(&ids, action).await?;
                    let status = url.param("status").unwrap_or_else(|| "pending".into());
                    Ok(Reply::see_other(&format!("/admin/comments?status={status}&done={}", urlencode(&changed_notice(done)))))
                }
                Route::AdminEdit(id) => {
                    let text = |name| field(name).unwrap_or_default().to_string();
                    let values = CommentForm { author: text("author"), url: text("url"), body: text("body"), ..CommentForm::default() };
                    match app.save_edit(id, &values).await? {
                        Ok(status) => {
                            Ok(Reply::see_other(&format!("/admin/comments?status={}&done={}", status.as_str(), urlencode(SAVED_NOTICE))))
                        }
                        Err(message) => Ok(Reply::html(app.edit_page(id, &csrf, Some(values), Some(message)).await?, CachePolicy::NoStore)
                            .with_status(422)),
                    }
                }
                _ => Err(AppError::NotFound),
            }
        }
    }
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The queue, with `problem` (an action refused) or else the notice an action left in `?done=`.
async fn queue(app: &EdgeApp<'_>, url: &RequestUrl, csrf: &str, problem: Option<String>) -> Result<Reply, AppError> {
    let status_text = url.param("status").unwrap_or_else(|| "pending".into());
    let status = CommentStatus::parse(&status_text).ok_or_else(|| AppError::BadRequest(format!("unknown status {status_text:?}")))?;
    let page = url.param("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let notice = url.param("done").filter(|d| problem.is_none() && is_own_notice(d));
    let code = if problem.is_some() { 422 } else { 200 };
    Ok(Reply::html(app.queue_page(status, page, csrf, notice, problem).await?, CachePolicy::NoStore).with_status(code))
}

/// `POST /admin/login`: slowed after a few failures, refused for a while after more; never via the query string.
async fn sign_in(req: &mut Request, app: &EdgeApp<'_>, admin_token: Option<&str>, url: &RequestUrl) -> Result<Reply, AppError> {
    if !same_origin(req, app, url) {
        return forbidden(app, "This sign-in came from another site and was refused.");
    }
    let (login_key, expires) = app.login_key(&client(req)).await?;
    let failures = app.login_failures(&login_key).await?;
    if failures >= MAX_LOGIN_FAILURES {
        let minutes = LOGIN_WINDOW_SECONDS / 60;
        let message = format!(
            "Too many failed sign-ins from your connection. Sign-in is locked for up to {minutes} minutes; please wait and try again."
        );
        return Ok(Reply::html(app.login_page(Some(message))?, CachePolicy::NoStore).with_status(429));
    }
    let fields = match form_body(req).await? {
        Ok(fields) => fields,
        Err(too_large) => return Ok(too_large),
    };
    let given = fields.iter().find(|(k, _)| k == "token").map(|(_, v)| v.as_str()).unwrap_or_default();
    let expected = admin_token.unwrap_or_default();
    if expected.is_empty() || app.key.is_empty() || !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        let count = app.record_login_failure(&login_key, &expires).await?;
        if count >= 3 {
            // Slow down guessing: each failure past the third waits a little longer.
            worker::Delay::from(std::time::Duration::from_millis(500 * u64::from(count - 2))).await;
        }
        let message = match MAX_LOGIN_FAILURES.saturating_sub(count) {
            0 => format!("That token is not right. Sign-in is now locked for up to {} minutes.", LOGIN_WINDOW_SECONDS / 60),
            1 => "That token is not right. 1 attempt left before sign-in is locked for a while.".to_string(),
            left => format!("That token is not right. {left} attempts left before sign-in is locked for a while."),
        };
        return Ok(Reply::html(app.login_page(Some(message))?, CachePolicy::NoStore).with_status(401));
    }
    let mut id = [0u8; 16];
    getrandom::fill(&mut id).map_err(|e| AppError::BadRequest(format!("randomness: {e}")))?;
    let session = Session { expires: app.now.timestamp() + SESSION_SECONDS, id: hex::encode(id) };
    let cookie = session_cookie(&session.cookie_value(app.key), SESSION_SECONDS, secure(url));
    Ok(Reply::see_other("/admin/").with_header("Set-Cookie", &cookie))
}
