//! Writes seed files for the HTTP benchmarks: `kv.json` for `wrangler kv bulk put --local` and `seed.sql` for
//! `wrangler d1 execute --local --file`, holding `POSTS` published posts (the same fixtures as `benches/render.rs`)
//! and the bench posts' approved comments, laid out exactly as `blog publish` and the worker store them.
//!
//! Usage: `cargo run --release --example seed -- POSTS OUT_DIR`

#[path = "../benches/support/mod.rs"]
mod support;

use edge_blog::core::index::SiteIndex;
use edge_blog::core::post::StoredDoc;
use edge_blog::store::db_time;
use serde_json::json;
use std::fmt::Write as _;

/// A SQLite string literal.
fn sql_text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn sql_opt(s: Option<&str>) -> String {
    s.map(sql_text).unwrap_or_else(|| "NULL".into())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(total), Some(out)) = (args.get(1).and_then(|n| n.parse::<usize>().ok()), args.get(2)) else {
        return Err("usage: seed POSTS OUT_DIR".into());
    };
    let out = std::path::Path::new(out);
    std::fs::create_dir_all(out)?;
    let docs = support::posts(total);

    let index = SiteIndex::build(docs.iter().map(|d| d.summary.clone()), chrono::Utc::now());
    let mut kv: Vec<serde_json::Value> = docs
        .iter()
        .map(|d| Ok(json!({ "key": StoredDoc::key(d.doc.kind, &d.summary.slug), "value": serde_json::to_string(&d.doc)? })))
        .collect::<Result<_, serde_json::Error>>()?;
    let stored = index.stored(&SiteIndex::default(), &[])?;
    let sizes: Vec<String> = stored.iter().map(|(key, value)| format!("{key} {} bytes", value.len())).collect();
    kv.extend(stored.into_iter().map(|(key, value)| json!({ "key": key, "value": value })));
    std::fs::write(out.join("kv.json"), serde_json::to_string(&kv)?)?;

    // Multi-row inserts in chunks: one statement per chunk keeps `d1 execute` fast at 10,000 posts.
    let mut sql = String::new();
    for chunk in docs.chunks(200) {
        let mut posts = Vec::new();
        let mut fts = Vec::new();
        for d in chunk {
            let s = &d.summary;
            let (kind, slug) = (sql_text(s.kind.as_str()), sql_text(s.slug.as_str()));
            let published = sql_text(&s.date.map(db_time).unwrap_or_default());
            posts.push(format!("({kind}, {slug}, {published}, {}, {})", u8::from(s.draft), sql_text(&serde_json::to_string(s)?)));
            fts.push(format!("({kind}, {slug}, {}, {})", sql_text(&s.title), sql_text(&d.text)));
        }
        writeln!(sql, "INSERT INTO posts (kind, slug, published_at, draft, summary) VALUES {};", posts.join(",\n"))?;
        writeln!(sql, "INSERT INTO posts_fts (kind, slug, title, body) VALUES {};", fts.join(",\n"))?;
    }
    let mut next_id = 1;
    let mut comment_count = 0;
    for count in support::COMMENTED {
        let rows: Vec<String> = support::comments(&support::bench_slug(count), count, next_id)
            .iter()
            .map(|(id, r)| {
                format!(
                    "({id}, {}, {}, {}, NULL, NULL, {}, {}, {}, '{}', NULL, {}, {}, {}, {})",
                    sql_text(&r.post),
                    r.parent.map(|p| p.to_string()).unwrap_or_else(|| "NULL".into()),
                    sql_text(&r.author),
                    sql_opt(r.url.as_deref()),
                    sql_text(&r.body),
                    sql_text(&r.body_html),
                    r.status.as_str(),
                    sql_text(&r.created_at),
                    sql_text(&r.created_at),
                    sql_text(&r.manage_hash),
                    sql_text(&r.body_hash),
                )
            })
            .collect();
        next_id += count as i64;
        comment_count += rows.len();
        for chunk in rows.chunks(100) {
            writeln!(
                sql,
                "INSERT INTO comments (id, post, parent, author, email, email_hash, url, body, body_html, status, held_reason, \
                 created_at, updated_at, manage_hash, body_hash) VALUES {};",
                chunk.join(",\n")
            )?;
        }
    }
    // Replies join their thread's root, as the worker's own inserts do (see migrations/0004_comment_threads.sql).
    writeln!(
        sql,
        "WITH RECURSIVE tree (id, root) AS (SELECT id, id FROM comments WHERE parent IS NULL \
         UNION ALL SELECT c.id, tree.root FROM comments c JOIN tree ON c.parent = tree.id) \
         UPDATE comments SET root = (SELECT root FROM tree WHERE tree.id = comments.id) WHERE parent IS NOT NULL;"
    )?;
    std::fs::write(out.join("seed.sql"), sql)?;
    eprintln!("seed: {total} posts, {comment_count} comments, {} -> {}", sizes.join(", "), out.display());
    Ok(())
}
