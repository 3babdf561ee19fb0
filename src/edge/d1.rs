//! The catalog of published documents and their full-text search, in D1 (tables in `migrations/`).

use crate::core::post::{Kind, PostSummary};
use crate::core::slug::Slug;
use crate::store::{db_time, Catalog, PublishedDoc, SearchRow, StoreError, SNIPPET_CLOSE, SNIPPET_OPEN};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, Env};

pub struct D1Catalog {
    db: Result<D1Database, String>,
}

impl D1Catalog {
    pub fn new(env: &Env) -> D1Catalog {
        D1Catalog {
            db: env.d1("DB").map_err(|e| format!("D1 binding DB: {e}")),
        }
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

#[derive(Deserialize)]
struct SummaryRow {
    summary: String,
}

#[derive(Deserialize)]
struct SearchResultRow {
    summary: String,
    snippet: String,
}

fn parse_summary(json: &str) -> Result<PostSummary, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("posts.summary: {e}")))
}

impl Catalog for D1Catalog {
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
                db.prepare("DELETE FROM posts_fts WHERE kind = ?1 AND slug = ?2")
                    .bind(&[text(kind), text(slug)])
                    .map_err(unavailable)?,
            );
            statements.push(
                db.prepare("INSERT INTO posts_fts (kind, slug, title, body) VALUES (?1, ?2, ?3, ?4)")
                    .bind(&[text(kind), text(slug), text(&s.title), text(&d.text)])
                    .map_err(unavailable)?,
            );
        }
        db.batch(statements).await.map_err(unavailable)?;
        Ok(())
    }

    async fn remove(&self, kind: Kind, slug: &Slug) -> Result<bool, StoreError> {
        let db = self.db()?;
        let args = [text(kind.as_str()), text(slug.as_str())];
        let results = db
            .batch(vec![
                db.prepare("DELETE FROM posts WHERE kind = ?1 AND slug = ?2")
                    .bind(&args)
                    .map_err(unavailable)?,
                db.prepare("DELETE FROM posts_fts WHERE kind = ?1 AND slug = ?2")
                    .bind(&args)
                    .map_err(unavailable)?,
            ])
            .await
            .map_err(unavailable)?;
        let changes = results
            .first()
            .and_then(|r| r.meta().ok().flatten())
            .and_then(|m| m.changes)
            .unwrap_or(0);
        Ok(changes > 0)
    }

    async fn summaries(&self) -> Result<Vec<PostSummary>, StoreError> {
        let rows = self.db()?.prepare("SELECT summary FROM posts").all().await.map_err(unavailable)?;
        rows.results::<SummaryRow>()
            .map_err(unavailable)?
            .iter()
            .map(|r| parse_summary(&r.summary))
            .collect()
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
        rows.results::<SearchResultRow>()
            .map_err(unavailable)?
            .into_iter()
            .map(|r| {
                Ok(SearchRow {
                    summary: parse_summary(&r.summary)?,
                    snippet: r.snippet,
                })
            })
            .collect()
    }
}
