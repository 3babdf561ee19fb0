//! D1: the catalog of published documents with full-text search, and the comments (tables in `migrations/`).

use super::memo::{Entries, Memo};
use crate::core::comment::{Comment, CommentStatus, NewComment};
use crate::core::post::{Kind, PostSummary};
use crate::core::slug::Slug;
use crate::store::{
    db_time, Catalog, CommentPage, CommentRecord, CommentStore, ImportRecord, PostCommentCounts, PublishedDoc, Purged, QueueEntry,
    SearchRow, StoreError, Summaries, SNIPPET_CLOSE, SNIPPET_OPEN,
};
use chrono::{DateTime, Utc};
use serde::de::IgnoredAny;
use serde::Deserialize;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1Result, Env};

thread_local! {
    /// Pages of approved comments by post and page, read within the cache window.
    static COMMENT_PAGES: Entries<Rc<CommentPage>> = RefCell::default();
    /// Approved comment counts by list of posts (a list page's), read within the cache window.
    static COMMENT_COUNTS: Entries<HashMap<String, u32>> = RefCell::default();
    /// Numbers each page read from D1, so that a cached page is known to be the same one.
    static SNAPSHOTS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

pub struct D1 {
    db: Result<D1Database, String>,
    /// Both cleared by every write to comments made through this isolate.
    pages: Memo<Rc<CommentPage>>,
    counts: Memo<HashMap<String, u32>>,
}

impl D1 {
    /// `cache_seconds`: how long this isolate trusts a page of comments it has read (see [`Memo`]).
    pub fn new(env: &Env, cache_seconds: u64) -> D1 {
        D1 {
            db: env.d1("DB").map_err(|e| format!("D1 binding DB: {e}")),
            pages: Memo::new(&COMMENT_PAGES, cache_seconds),
            counts: Memo::new(&COMMENT_COUNTS, cache_seconds),
        }
    }

    /// Forgets what this isolate has read of the comments, after it wrote some.
    fn comments_changed(&self) {
        self.pages.clear();
        self.counts.clear();
    }

    fn db(&self) -> Result<&D1Database, StoreError> {
        self.db.as_ref().map_err(|e| StoreError::Unavailable(e.clone()))
    }
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("D1: {e}"))
}

fn text(s: &str) -> JsValue {
    JsValue::from_str(s)
}

/// The bound values ?1 to ?13 of both comment inserts; `parent` is ?2, an id or an import key.
fn record_args(r: &CommentRecord, parent: JsValue) -> Vec<JsValue> {
    vec![
        text(&r.post),
        parent,
        text(&r.author),
        opt_text(r.email.as_deref()),
        opt_text(r.email_hash.as_deref()),
        opt_text(r.url.as_deref()),
        text(&r.body),
        text(&r.body_html),
        text(r.status.as_str()),
        opt_text(r.held_reason.as_deref()),
        text(&r.created_at),
        text(&r.manage_hash),
        text(&r.body_hash),
    ]
}

/// Every write to `posts` moves the catalog's revision on, in its batch (one transaction).
const NEXT_REVISION: &str = "UPDATE catalog SET revision = revision + 1";

/// A summary, with the catalog revision it was read at or the search's snippet of it. (One type for both: see
/// `Tally`.)
#[derive(Deserialize)]
struct SummaryRow {
    #[serde(default)]
    revision: i64,
    summary: Option<String>,
    #[serde(default)]
    snippet: String,
}

fn parse_summary(json: &str) -> Result<PostSummary, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("posts.summary: {e}")))
}

impl Catalog for D1 {
    async fn upsert(&self, docs: &[PublishedDoc]) -> Result<(), StoreError> {
        let db = self.db()?;
        let mut statements = Vec::with_capacity(docs.len() * 3);
        for d in docs {
            let s = &d.summary;
            let summary = serde_json::to_string(s).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let (kind, slug) = (s.kind.as_str(), s.slug.as_str());
            let published = s.date.map(db_time).unwrap_or_default();
            let draft = if s.draft { 1.0 } else { 0.0 };
            statements.push(
                db.prepare(
                    "INSERT INTO posts (kind, slug, published_at, draft, summary) VALUES (?1, ?2, ?3, ?4, ?5) \
                     ON CONFLICT (kind, slug) DO UPDATE SET published_at = ?3, draft = ?4, summary = ?5",
                )
                .bind(&[text(kind), text(slug), text(&published), JsValue::from_f64(draft), text(&summary)])
                .map_err(unavailable)?,
            );
            statements.push(
                db.prepare("DELETE FROM posts_fts WHERE kind = ?1 AND slug = ?2").bind(&[text(kind), text(slug)]).map_err(unavailable)?,
            );
            statements.push(
                db.prepare("INSERT INTO posts_fts (kind, slug, title, body) VALUES (?1, ?2, ?3, ?4)")
                    .bind(&[text(kind), text(slug), text(&s.title), text(&d.text)])
                    .map_err(unavailable)?,
            );
        }
        statements.push(db.prepare(NEXT_REVISION));
        db.batch(statements).await.map_err(unavailable)?;
        Ok(())
    }

    async fn remove(&self, kind: Kind, slug: &Slug) -> Result<bool, StoreError> {
        let db = self.db()?;
        let args = [text(kind.as_str()), text(slug.as_str())];
        let results = db
            .batch(vec![
                db.prepare("DELETE FROM posts WHERE kind = ?1 AND slug = ?2 RETURNING 1").bind(&args).map_err(unavailable)?,
                db.prepare("DELETE FROM posts_fts WHERE kind = ?1 AND slug = ?2").bind(&args).map_err(unavailable)?,
                db.prepare(NEXT_REVISION),
            ])
            .await
            .map_err(unavailable)?;
        let changes = results.first().map_or(Ok(0), changed)?;
        Ok(changes > 0)
    }

    async fn summaries(&self) -> Result<Summaries, StoreError> {
        // One statement reads the rows and the revision they stand for; the catalog's one row is there without posts.
        let sql = "SELECT c.revision, p.summary FROM catalog c LEFT JOIN posts p";
        let rows = self.db()?.prepare(sql).all().await.map_err(unavailable)?.results::<SummaryRow>().map_err(unavailable)?;
        let revision = rows.first().ok_or_else(StoreError::no_revision)?.revision;
        let mut summaries = Vec::new();
        for summary in rows.iter().filter_map(|r| r.summary.as_deref()) {
            summaries.push(parse_summary(summary)?);
        }
        Ok(Summaries { summaries, revision })
    }

    async fn revision(&self) -> Result<i64, StoreError> {
        // As `id`: the reader of an `IdRow` is already in the Wasm, where a struct of its own would add one.
        let row = self.db()?.prepare("SELECT revision AS id FROM catalog").first::<IdRow>(None).await.map_err(unavailable)?;
        Ok(row.ok_or_else(StoreError::no_revision)?.id)
    }

    async fn search(&self, fts_query: &str, now: DateTime<Utc>, limit: usize) -> Result<Vec<SearchRow>, StoreError> {
        let sql = "SELECT p.summary AS summary, snippet(posts_fts, 3, ?3, ?4, '…', 16) AS snippet \
                   FROM posts_fts JOIN posts p ON p.kind = posts_fts.kind AND p.slug = posts_fts.slug \
                   WHERE posts_fts MATCH ?1 AND p.kind = 'post' AND p.draft = 0 AND p.published_at <= ?2 \
                   ORDER BY rank LIMIT ?5";
        let rows = self
            .db()?
            .prepare(sql)
            .bind(&[
                text(fts_query),
                text(&db_time(now)),
                text(&SNIPPET_OPEN.to_string()),
                text(&SNIPPET_CLOSE.to_string()),
                JsValue::from_f64(limit as f64),
            ])
            .map_err(unavailable)?
            .all()
            .await
            .map_err(unavailable)?;
        rows.results::<SummaryRow>()
            .map_err(unavailable)?
            .into_iter()
            .map(|r| Ok(SearchRow { summary: parse_summary(r.summary.as_deref().unwrap_or_default())?, snippet: r.snippet }))
            .collect()
    }
}

/// The moderator's view of a comment: with email, held reason and the start of the comment it replies to.
const QUEUE_SELECT: &str = "SELECT c.id, c.post, c.parent, c.author, c.email, c.url, c.body, c.body_html, c.status, c.held_reason, \
                            c.created_at, p.author AS parent_author, substr(p.body, 1, 140) AS parent_excerpt \
                            FROM comments c LEFT JOIN comments p ON p.id = c.parent";

const COMMENT_COLUMNS: &str = "id, post, parent, author, url, body, body_html, status, created_at";

/// A number per key: a post's comments, or the comments of a status; or a post's approved comments and threads.
/// (`serde_wasm_bindgen` compiles a reader per row type: counts share this one, and single numbers are read as
/// `IdRow`s.)
#[derive(Deserialize)]
struct Tally {
    #[serde(default)]
    key: String,
    n: u32,
    /// A second count, where the query makes one: the pending comments, or the threads.
    #[serde(default)]
    m: u32,
}

/// A comment row as any query reads it: the columns a query does not select are `None` or 0 (the moderator's, and the
/// post's totals; no `flatten`: D1 numbers arrive as floats). One type, so that one reader of D1 rows is compiled for
/// comments: 3.1 KB less gzip Wasm than one for each of the three shapes.
#[derive(Deserialize)]
struct CommentRow {
    id: i64,
    post: String,
    parent: Option<i64>,
    author: String,
    email: Option<String>,
    url: Option<String>,
    body: String,
    body_html: String,
    status: CommentStatus,
    created_at: String,
    held_reason: Option<String>,
    parent_author: Option<String>,
    parent_excerpt: Option<String>,
    #[serde(default)]
    total: u32,
    #[serde(default)]
    threads: u32,
}

impl From<CommentRow> for QueueEntry {
    fn from(r: CommentRow) -> QueueEntry {
        QueueEntry {
            id: r.id,
            post: r.post,
            parent: r.parent,
            author: r.author,
            email: r.email,
            url: r.url,
            body: r.body,
            body_html: r.body_html,
            status: r.status,
            held_reason: r.held_reason,
            created_at: r.created_at,
            parent_author: r.parent_author,
            parent_excerpt: r.parent_excerpt,
        }
    }
}

impl From<CommentRow> for Comment {
    fn from(r: CommentRow) -> Comment {
        Comment {
            id: r.id,
            post: r.post,
            parent: r.parent,
            author: r.author,
            url: r.url,
            body: r.body,
            body_html: r.body_html,
            status: r.status,
            created_at: r.created_at,
        }
    }
}

/// An id, or any single number read `AS id`.
#[derive(Deserialize)]
struct IdRow {
    id: i64,
}

/// The rows a write changed, counted by its `RETURNING 1`. `D1Result::meta` holds the count too, but it links a
/// deserializer of every field of D1's meta object, over 1 KB of gzip Wasm.
fn changed(result: &D1Result) -> Result<usize, StoreError> {
    Ok(result.results::<IgnoredAny>().map_err(unavailable)?.len())
}

fn opt_text(s: Option<&str>) -> JsValue {
    s.map_or(JsValue::NULL, JsValue::from_str)
}

fn id(n: i64) -> JsValue {
    JsValue::from_f64(n as f64)
}

impl D1 {
    async fn comments(&self, sql: &str, args: &[JsValue]) -> Result<Vec<Comment>, StoreError> {
        let rows = self.db()?.prepare(sql).bind(args).map_err(unavailable)?.all().await.map_err(unavailable)?;
        Ok(rows.results::<CommentRow>().map_err(unavailable)?.into_iter().map(Comment::from).collect())
    }

    /// Runs a write that ends in `RETURNING 1`; every write clears this isolate's pages of comments.
    async fn changes(&self, sql: &str, args: &[JsValue]) -> Result<usize, StoreError> {
        let result = self.db()?.prepare(sql).bind(args).map_err(unavailable)?.all().await.map_err(unavailable)?;
        self.comments_changed();
        changed(&result)
    }

    async fn read_approved_page(&self, post: &str, threads: usize, offset: usize) -> Result<CommentPage, StoreError> {
        // One query: the page's threads with the post's totals on every row. A thread is listed if any of its comments
        // is approved, so that one whose first comment was taken back, or awaits review again after an edit, keeps its
        // approved replies; it keeps its place (its first comment's time) while that comment is stored at all.
        let sql = format!(
            "WITH threads AS (SELECT COALESCE(root, id) AS id, MIN(created_at) AS first FROM comments \
             WHERE post = ?1 AND status = 'approved' GROUP BY COALESCE(root, id)), \
             page_roots AS (SELECT t.id FROM threads t LEFT JOIN comments r ON r.id = t.id \
             ORDER BY COALESCE(r.created_at, t.first) DESC, t.id DESC LIMIT ?2 OFFSET ?3) \
             SELECT {COMMENT_COLUMNS}, \
             (SELECT COUNT(*) FROM comments WHERE post = ?1 AND status = 'approved') AS total, \
             (SELECT COUNT(*) FROM threads) AS threads \
             FROM comments WHERE post = ?1 AND status = 'approved' AND COALESCE(root, id) IN (SELECT id FROM page_roots) \
             ORDER BY created_at, id"
        );
        let args = [text(post), JsValue::from_f64(threads as f64), JsValue::from_f64(offset as f64)];
        let rows = self.db()?.prepare(sql).bind(&args).map_err(unavailable)?.all().await.map_err(unavailable)?;
        let rows = rows.results::<CommentRow>().map_err(unavailable)?;
        let (total, threads) = match rows.first() {
            Some(r) => (r.total, r.threads),
            // No thread on the first page: no approved comment at all (and a post not found costs one query).
            None if offset == 0 => (0, 0),
            None => {
                // Past the last page, or no comments: the totals still matter for the heading.
                let sql =
                    "SELECT COUNT(*) AS n, COUNT(DISTINCT COALESCE(root, id)) AS m FROM comments WHERE post = ?1 AND status = 'approved'";
                let row =
                    self.db()?.prepare(sql).bind(&[text(post)]).map_err(unavailable)?.first::<Tally>(None).await.map_err(unavailable)?;
                row.map_or((0, 0), |t| (t.n, t.m))
            }
        };
        let snapshot = SNAPSHOTS.with(|n| n.replace(n.get() + 1));
        Ok(CommentPage { comments: rows.into_iter().map(Comment::from).collect(), total, threads, snapshot: Some(snapshot) })
    }
}

impl CommentStore for D1 {
    async fn approved_page(&self, post: &str, threads: usize, offset: usize) -> Result<Rc<CommentPage>, StoreError> {
        let key = format!("{post}:{threads}:{offset}");
        if let Some(page) = self.pages.get(&key) {
            return Ok(page);
        }
        let mut page = self.read_approved_page(post, threads, offset).await?;
        if !self.pages.enabled() {
            page.snapshot = None; // no two reads are known to be the same, so nothing rendered from one is kept
        }
        let page = Rc::new(page);
        self.pages.put(&key, page.clone());
        Ok(page)
    }

    async fn approved_counts(&self, posts: &[&str]) -> Result<HashMap<String, u32>, StoreError> {
        if posts.is_empty() {
            return Ok(HashMap::new());
        }
        let list = serde_json::to_string(posts).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        if let Some(counts) = self.counts.get(&list) {
            return Ok(counts);
        }
        let sql = "SELECT post AS key, COUNT(*) AS n FROM comments WHERE status = 'approved' AND post IN (SELECT value FROM json_each(?1)) GROUP BY post";
        let rows = self.db()?.prepare(sql).bind(&[text(&list)]).map_err(unavailable)?.all().await.map_err(unavailable)?;
        let counts: HashMap<String, u32> = rows.results::<Tally>().map_err(unavailable)?.into_iter().map(|r| (r.key, r.n)).collect();
        self.counts.put(&list, counts.clone());
        Ok(counts)
    }

    async fn comment(&self, comment_id: i64) -> Result<Option<Comment>, StoreError> {
        Ok(self.comments(&format!("SELECT {COMMENT_COLUMNS} FROM comments WHERE id = ?1"), &[id(comment_id)]).await?.pop())
    }

    async fn by_manage_hash(&self, manage_hash: &str) -> Result<Option<Comment>, StoreError> {
        Ok(self.comments(&format!("SELECT {COMMENT_COLUMNS} FROM comments WHERE manage_hash = ?1"), &[text(manage_hash)]).await?.pop())
    }

    async fn insert(&self, r: &CommentRecord) -> Result<Option<i64>, StoreError> {
        // A reply joins its parent's thread (`root`); a top-level comment is its own root (NULL).
        let sql = "INSERT INTO comments (post, parent, author, email, email_hash, url, body, body_html, status, held_reason, created_at, updated_at, manage_hash, body_hash, root) \
                   VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12, ?13, (SELECT COALESCE(root, id) FROM comments WHERE id = ?2)) \
                   ON CONFLICT (manage_hash) DO NOTHING RETURNING id";
        let args = record_args(r, r.parent.map_or(JsValue::NULL, id));
        let row = self.db()?.prepare(sql).bind(&args).map_err(unavailable)?.first::<IdRow>(None).await.map_err(unavailable)?;
        self.comments_changed();
        Ok(row.map(|r| r.id))
    }

    async fn import(&self, comments: &[ImportRecord]) -> Result<usize, StoreError> {
        if comments.is_empty() {
            return Ok(0);
        }
        let db = self.db()?;
        let sql = "INSERT INTO comments (post, parent, author, email, email_hash, url, body, body_html, status, held_reason, created_at, updated_at, manage_hash, body_hash, import_key, root) \
                   VALUES (?1, (SELECT id FROM comments WHERE import_key = ?2), ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12, ?13, ?14, \
                   (SELECT COALESCE(root, id) FROM comments WHERE import_key = ?2)) \
                   ON CONFLICT DO NOTHING RETURNING 1";
        let mut statements = Vec::with_capacity(comments.len());
        for c in comments {
            let mut args = record_args(&c.record, opt_text(c.parent_key.as_deref()));
            args.push(text(&c.import_key));
            statements.push(db.prepare(sql).bind(&args).map_err(unavailable)?);
        }
        // One batch runs in order in one transaction, so a reply finds the parent stored just before it.
        let results = db.batch(statements).await.map_err(unavailable)?;
        self.comments_changed();
        let mut imported = 0;
        for result in &results {
            imported += changed(result)?;
        }
        Ok(imported)
    }

    async fn duplicate_of(&self, post: &str, body_hash: &str, since: &str, manage_hash: &str) -> Result<Option<bool>, StoreError> {
        // Read through `IdRow`, whose reader is compiled already: its `id` is 1 for the copy with this manage hash.
        let sql = "SELECT manage_hash = ?4 AS id FROM comments \
                   WHERE manage_hash = ?4 OR (post = ?1 AND body_hash = ?2 AND created_at >= ?3) ORDER BY 1 DESC LIMIT 1";
        let binds = [text(post), text(body_hash), text(since), text(manage_hash)];
        let row = self.db()?.prepare(sql).bind(&binds).map_err(unavailable)?.first::<IdRow>(None).await;
        Ok(row.map_err(unavailable)?.map(|r| r.id == 1))
    }

    async fn known_commenter(&self, email_hash: &str) -> Result<bool, StoreError> {
        let sql = "SELECT id FROM comments WHERE email_hash = ?1 AND status = 'approved' LIMIT 1";
        let row = self.db()?.prepare(sql).bind(&[text(email_hash)]).map_err(unavailable)?.first::<IdRow>(None).await;
        Ok(row.map_err(unavailable)?.is_some())
    }

    async fn edit(
        &self,
        comment_id: i64,
        edited: &NewComment,
        body_html: &str,
        status: CommentStatus,
        held: Option<&str>,
        now: &str,
    ) -> Result<(), StoreError> {
        let sql = "UPDATE comments SET body = ?2, body_html = ?3, status = ?4, held_reason = ?5, updated_at = ?6, author = ?7, url = ?8 \
                   WHERE id = ?1 RETURNING 1";
        let (body, author, url) = (text(&edited.body), text(&edited.author), opt_text(edited.url.as_deref()));
        self.changes(sql, &[id(comment_id), body, text(body_html), text(status.as_str()), opt_text(held), text(now), author, url])
            .await
            .map(|_| ())
    }

    async fn set_status(&self, comment_id: i64, status: CommentStatus, now: &str) -> Result<bool, StoreError> {
        let sql = "UPDATE comments SET status = ?2, updated_at = ?3 WHERE id = ?1 RETURNING 1";
        Ok(self.changes(sql, &[id(comment_id), text(status.as_str()), text(now)]).await? > 0)
    }

    async fn delete(&self, comment_id: i64) -> Result<bool, StoreError> {
        Ok(self.changes("DELETE FROM comments WHERE id = ?1 RETURNING 1", &[id(comment_id)]).await? > 0)
    }

    async fn by_status(&self, status: CommentStatus, limit: usize) -> Result<Vec<Comment>, StoreError> {
        let sql = format!("SELECT {COMMENT_COLUMNS} FROM comments WHERE status = ?1 ORDER BY created_at DESC, id DESC LIMIT ?2");
        self.comments(&sql, &[text(status.as_str()), JsValue::from_f64(limit as f64)]).await
    }

    async fn recent_approved(&self, post: Option<&str>, limit: usize) -> Result<Vec<Comment>, StoreError> {
        let limit = JsValue::from_f64(limit as f64);
        match post {
            Some(post) => {
                let sql = format!("SELECT {COMMENT_COLUMNS} FROM comments WHERE post = ?1 AND status = 'approved' ORDER BY created_at DESC, id DESC LIMIT ?2");
                self.comments(&sql, &[text(post), limit]).await
            }
            None => {
                let sql =
                    format!("SELECT {COMMENT_COLUMNS} FROM comments WHERE status = 'approved' ORDER BY created_at DESC, id DESC LIMIT ?1");
                self.comments(&sql, &[limit]).await
            }
        }
    }

    async fn hits(&self, key: &str, now: &str) -> Result<u32, StoreError> {
        let sql = "SELECT count AS id FROM rate_limits WHERE key = ?1 AND expires_at > ?2";
        let row = self.db()?.prepare(sql).bind(&[text(key), text(now)]).map_err(unavailable)?.first::<IdRow>(None).await;
        Ok(row.map_err(unavailable)?.map_or(0, |r| r.id as u32))
    }

    async fn status_counts(&self) -> Result<HashMap<CommentStatus, u32>, StoreError> {
        let sql = "SELECT status AS key, COUNT(*) AS n FROM comments GROUP BY status";
        let rows = self.db()?.prepare(sql).all().await.map_err(unavailable)?.results::<Tally>().map_err(unavailable)?;
        Ok(rows.into_iter().filter_map(|r| Some((CommentStatus::parse(&r.key)?, r.n))).collect())
    }

    async fn queue(&self, status: Option<CommentStatus>, limit: usize, offset: usize) -> Result<Vec<QueueEntry>, StoreError> {
        let sql = format!("{QUEUE_SELECT} WHERE (?1 IS NULL OR c.status = ?1) ORDER BY c.created_at DESC, c.id DESC LIMIT ?2 OFFSET ?3");
        let args = [opt_text(status.map(CommentStatus::as_str)), JsValue::from_f64(limit as f64), JsValue::from_f64(offset as f64)];
        let rows = self.db()?.prepare(sql).bind(&args).map_err(unavailable)?.all().await.map_err(unavailable)?;
        Ok(rows.results::<CommentRow>().map_err(unavailable)?.into_iter().map(QueueEntry::from).collect())
    }

    async fn queue_entry(&self, comment_id: i64) -> Result<Option<QueueEntry>, StoreError> {
        let sql = format!("{QUEUE_SELECT} WHERE c.id = ?1");
        let rows = self.db()?.prepare(sql).bind(&[id(comment_id)]).map_err(unavailable)?.all().await.map_err(unavailable)?;
        Ok(rows.results::<CommentRow>().map_err(unavailable)?.pop().map(QueueEntry::from))
    }

    async fn post_counts(&self) -> Result<Vec<PostCommentCounts>, StoreError> {
        let sql = "SELECT post AS key, SUM(status = 'approved') AS n, SUM(status = 'pending') AS m FROM comments GROUP BY post";
        let rows = self.db()?.prepare(sql).all().await.map_err(unavailable)?.results::<Tally>().map_err(unavailable)?;
        Ok(rows.into_iter().map(|r| PostCommentCounts { post: r.key, approved: r.n, pending: r.m }).collect())
    }

    async fn purge(&self, trash_before: &str, spam_before: &str, emails_before: &str, now: &str) -> Result<Purged, StoreError> {
        let db = self.db()?;
        let writes = [
            ("DELETE FROM comments WHERE status = 'trash' AND updated_at < ?1", trash_before),
            ("DELETE FROM comments WHERE status = 'spam' AND updated_at < ?1", spam_before),
            ("UPDATE comments SET email = NULL, email_hash = NULL WHERE email IS NOT NULL AND created_at < ?1", emails_before),
            ("DELETE FROM rate_limits WHERE expires_at <= ?1", now),
        ];
        // Each write is followed by the count of its rows, not `RETURNING` them: after a wave of spam there can be
        // thousands. The batch runs in order on one connection, so `changes()` is the write's just before.
        let mut statements = Vec::with_capacity(2 * writes.len());
        for (sql, before) in writes {
            statements.push(db.prepare(sql).bind(&[text(before)]).map_err(unavailable)?);
            statements.push(db.prepare("SELECT changes() AS id"));
        }
        let results = db.batch(statements).await.map_err(unavailable)?;
        self.comments_changed();
        let changes = |i: usize| -> Result<usize, StoreError> {
            let Some(count) = results.get(2 * i + 1) else { return Ok(0) };
            Ok(count.results::<IdRow>().map_err(unavailable)?.first().map_or(0, |c| c.id as usize))
        };
        Ok(Purged { trash: changes(0)?, spam: changes(1)?, emails: changes(2)?, rate_limits: changes(3)? })
    }

    async fn hit(&self, key: &str, expires_at: &str) -> Result<u32, StoreError> {
        let sql = "INSERT INTO rate_limits (key, count, expires_at) VALUES (?1, 1, ?2) \
                   ON CONFLICT (key) DO UPDATE SET count = count + 1 RETURNING count AS id";
        let row = self.db()?.prepare(sql).bind(&[text(key), text(expires_at)]).map_err(unavailable)?.first::<IdRow>(None).await;
        Ok(row.map_err(unavailable)?.map_or(1, |r| r.id as u32))
    }
}
