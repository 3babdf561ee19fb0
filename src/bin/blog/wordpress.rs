//! `import-wxr` and `export`: moving between WordPress and this blog. The pure work is in `core::wxr`.

use crate::cli::{count, plural};
use crate::wrangler::{Target, Wrangler};
use anyhow::{anyhow, bail, Context, Result};
use edge_blog::app::prepare;
use edge_blog::core::comment::CommentStatus;
use edge_blog::core::config::SiteConfig;
use edge_blog::core::markdown::render_comment;
use edge_blog::core::moderation::{body_hash, manage_hash};
use edge_blog::core::post::{Kind, Post};
use edge_blog::core::wxr::{self, ExportComment, ExportSite, ImportOptions, ImportPlan, ImportedComment};
use edge_blog::store::PublishedDoc;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Progress on a terminal as a bar that redraws itself; elsewhere (logs, CI) one plain line per step.
struct Progress {
    terminal: bool,
    label: String,
    total: usize,
    done: usize,
}

impl Progress {
    fn new(label: &str, total: usize) -> Progress {
        let terminal = std::io::stderr().is_terminal();
        if !terminal {
            eprintln!("{label}: {total}");
        }
        Progress { terminal, label: label.to_string(), total, done: 0 }
    }

    fn step(&mut self, what: &str) {
        self.done += 1;
        if self.terminal {
            let width = 30;
            let filled = (self.done * width).checked_div(self.total).unwrap_or(width);
            eprint!("\r\x1b[2K{} [{}{}] {}/{} {what}", self.label, "#".repeat(filled), " ".repeat(width - filled), self.done, self.total);
            let _ = std::io::stderr().flush();
        } else {
            eprintln!("  {}/{} {what}", self.done, self.total);
        }
    }

    fn finish(&self) {
        if self.terminal {
            eprintln!();
        }
    }
}

/// What `import-wxr` was asked to do.
pub struct ImportArgs {
    pub file: PathBuf,
    pub dir: PathBuf,
    pub options: ImportOptions,
    /// None: write the files only.
    pub target: Option<Target>,
}

/// Parses and checks the whole export first; only then writes files and publishes.
pub fn import(args: ImportArgs) -> Result<()> {
    let xml = std::fs::read_to_string(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let export = wxr::parse(&xml).map_err(|e| anyhow!("{}:{}: {}", args.file.display(), e.line, e.message))?;
    let plan = wxr::plan(&export, args.options);
    let mut errors = Vec::new();
    let mut prepared = Vec::new();
    for doc in &plan.docs {
        match prepare(doc.kind, &doc.source, Some(&doc.slug)) {
            Ok(p) => prepared.push(p),
            Err(e) => errors.push(format!("{} {}: {e}", doc.kind.as_str(), doc.slug)),
        }
    }
    errors.extend(alias_clashes(&prepared, &args.dir)?);
    if !errors.is_empty() {
        bail!("{} could not be converted, so nothing was imported:\n  {}", count(errors.len(), "item", "items"), errors.join("\n  "));
    }
    let (written, kept) = write_files(&plan, &args.dir)?;
    let comments_new = match args.target {
        None => None,
        Some(target) => {
            crate::cli::publish(&args.dir, clone_target(&target))?;
            match target {
                Target::Api { url, token } => Some(publish_comments_api(&plan.comments, &url, &token)?),
                target => Some(publish_comments(&plan.comments, target)?),
            }
        }
    };
    summary(&plan, written, comments_new);
    if !kept.is_empty() {
        println!("kept as they are (they differ from the export; delete them to import again):");
        for path in kept {
            println!("  {}", path.display());
        }
    }
    Ok(())
}

/// Old addresses the import would claim that a file already in `dir` (another post) claims too.
fn alias_clashes(docs: &[PublishedDoc], dir: &Path) -> Result<Vec<String>> {
    if !dir.join("posts").is_dir() && !dir.join("pages").is_dir() {
        return Ok(Vec::new());
    }
    let importing: HashSet<(Kind, String)> = docs.iter().map(|d| (d.doc.kind, d.summary.slug.to_string())).collect();
    let mut claimed: HashMap<String, String> = HashMap::new();
    for existing in crate::cli::check(dir)? {
        if !importing.contains(&(existing.doc.kind, existing.summary.slug.to_string())) {
            for alias in &existing.summary.aliases {
                claimed.insert(alias.clone(), existing.summary.url());
            }
        }
    }
    Ok(docs
        .iter()
        .flat_map(|d| d.summary.aliases.iter().map(move |a| (d, a)))
        .filter_map(|(d, a)| claimed.get(a).map(|other| format!("{}: the old address {a} is already an alias of {other}", d.summary.url())))
        .collect())
}

fn clone_target(t: &Target) -> Target {
    match t {
        Target::Local { config, persist_to } => Target::Local { config: config.clone(), persist_to: persist_to.clone() },
        Target::Remote { config } => Target::Remote { config: config.clone() },
        Target::Api { url, token } => Target::Api { url: url.clone(), token: token.clone() },
    }
}

/// Writes each post and page file; a file that exists with the same text is left alone, and one an
/// author has changed since is kept (their version wins).
fn write_files(plan: &ImportPlan, dir: &Path) -> Result<(usize, Vec<PathBuf>)> {
    let mut progress = Progress::new("writing files", plan.docs.len());
    let mut written = 0;
    let mut kept = Vec::new();
    for doc in &plan.docs {
        let folder = dir.join(if doc.kind == Kind::Post { "posts" } else { "pages" });
        std::fs::create_dir_all(&folder).with_context(|| format!("creating {}", folder.display()))?;
        let path = folder.join(format!("{}.md", doc.slug));
        match std::fs::read_to_string(&path) {
            Ok(existing) if existing == doc.source => progress.step(&format!("{} (unchanged)", path.display())),
            Ok(_) => {
                progress.step(&format!("{} (exists and differs; kept as it is)", path.display()));
                kept.push(path);
            }
            Err(_) => {
                std::fs::write(&path, &doc.source).with_context(|| format!("writing {}", path.display()))?;
                written += 1;
                progress.step(&path.display().to_string());
            }
        }
    }
    progress.finish();
    Ok((written, kept))
}

/// A SQLite string literal, or NULL.
fn sql(s: Option<&str>) -> String {
    s.map_or_else(|| "NULL".into(), |s| format!("'{}'", s.replace('\'', "''")))
}

/// The SQL that stores imported comments. Parents are found by their key, so they must come first (the plan
/// orders them so); `ON CONFLICT DO NOTHING` on the key makes a second run store nothing.
pub fn comments_sql(comments: &[ImportedComment], manage_keys: &[String]) -> String {
    let mut out = String::new();
    for (c, key) in comments.iter().zip(manage_keys) {
        // A reply joins its parent's thread (`root`), as comments written on the blog do.
        let (parent, root) = match &c.parent_key {
            Some(p) => (
                format!("(SELECT id FROM comments WHERE import_key = {})", sql(Some(p))),
                format!("(SELECT COALESCE(root, id) FROM comments WHERE import_key = {})", sql(Some(p))),
            ),
            None => ("NULL".into(), "NULL".into()),
        };
        let held = (c.status == CommentStatus::Pending).then_some("imported from WordPress, where it was waiting for review");
        out.push_str(&format!(
            "INSERT INTO comments (post, parent, author, email, email_hash, url, body, body_html, status, held_reason, created_at, updated_at, manage_hash, body_hash, import_key, root) \
             VALUES ({}, {parent}, {}, {}, NULL, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {root}) ON CONFLICT DO NOTHING;\n",
            sql(Some(&c.post)),
            sql(Some(&c.author)),
            sql(c.email.as_deref()),
            sql(c.url.as_deref()),
            sql(Some(&c.body)),
            sql(Some(&render_comment(&c.body))),
            sql(Some(c.status.as_str())),
            sql(held),
            sql(Some(&c.created_at)),
            sql(Some(&c.created_at)),
            sql(Some(&manage_hash(key))),
            sql(Some(&body_hash(&c.post, &c.body))),
            sql(Some(&c.key)),
        ));
    }
    out
}

/// Stores the comments in D1 through wrangler; returns how many were new.
fn publish_comments(comments: &[ImportedComment], target: Target) -> Result<usize> {
    if comments.is_empty() {
        return Ok(0);
    }
    let store = Wrangler::new(target)?;
    let existing: HashSet<String> = store
        .query("SELECT import_key FROM comments WHERE import_key IS NOT NULL")
        .map_err(|e| anyhow!("{e}\n(has migration 0003 been applied? run `wrangler d1 migrations apply DB`)"))?
        .iter()
        .filter_map(|r| r.get("import_key").and_then(Value::as_str).map(str::to_string))
        .collect();
    let new: Vec<ImportedComment> = comments.iter().filter(|c| !existing.contains(&c.key)).cloned().collect();
    let mut progress = Progress::new("storing comments", 1);
    if !new.is_empty() {
        // Each comment's private manage key is random and never shown: only its hash is stored, so
        // nobody can edit an imported comment through a manage link.
        let keys = new.iter().map(|_| random_key()).collect::<Result<Vec<_>>>()?;
        store.d1_file(&comments_sql(&new, &keys)).map_err(|e| anyhow!("{e}"))?;
    }
    progress.step(&format!("{} new, {} already there, in {}", new.len(), comments.len() - new.len(), store.describe()));
    progress.finish();
    Ok(new.len())
}

/// Comments sent to the admin API per request; replies follow their parents, so a later batch finds them.
const API_BATCH: usize = 200;

/// Sends the comments to a running blog's admin API in batches; returns how many were new.
fn publish_comments_api(comments: &[ImportedComment], url: &str, token: &str) -> Result<usize> {
    let endpoint = format!("{}/admin/api/comments/import", url.trim_end_matches('/'));
    let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
    let mut progress = Progress::new("storing comments", comments.len().div_ceil(API_BATCH));
    let mut new = 0;
    for batch in comments.chunks(API_BATCH) {
        let body = serde_json::to_string(batch)?;
        let mut response = agent
            .post(&endpoint)
            .header("Authorization", &format!("Bearer {token}"))
            .header("Content-Type", "application/json")
            .send(body.as_bytes())
            .with_context(|| format!("cannot reach {endpoint}"))?;
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        match status {
            200 => {
                let reply: Value = serde_json::from_str(&text).with_context(|| format!("{endpoint}: unexpected reply {text}"))?;
                let imported = reply.get("imported").and_then(Value::as_u64).unwrap_or(0) as usize;
                new += imported;
                progress.step(&format!("{imported} new of {}", batch.len()));
            }
            401 => bail!("{endpoint}: 401: the token was refused; check ADMIN_TOKEN"),
            _ => bail!("{endpoint}: {status}: {text}"),
        }
    }
    progress.finish();
    Ok(new)
}

fn random_key() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow!("randomness: {e}"))?;
    Ok(hex::encode(bytes))
}

fn summary(plan: &ImportPlan, written: usize, comments_new: Option<usize>) {
    let (posts, pages) = (plan.count(Kind::Post), plan.count(Kind::Page));
    println!(
        "imported {} and {} ({}), {}",
        count(posts, "post", "posts"),
        count(pages, "page", "pages"),
        count(written, "new file", "new files"),
        count(plan.comments.len(), "comment", "comments")
    );
    match comments_new {
        Some(n) => println!("published; {} {} new", count(n, "comment", "comments"), plural(n, "was", "were")),
        None => println!(
            "files written only; run `blog publish` to publish the posts, and import again with --local or --remote for the comments"
        ),
    }
    if !plan.skipped.is_empty() {
        println!("skipped {}:", plan.skipped.len());
        for s in &plan.skipped {
            println!("  {}: {}", s.what, s.reason);
        }
    }
    if !plan.warnings.is_empty() {
        println!("warnings:");
        for w in &plan.warnings {
            println!("  {w}");
        }
    }
}

/// What `export` was asked to do.
pub struct ExportArgs {
    pub dir: PathBuf,
    pub output: Option<PathBuf>,
    /// None: posts only, no comments.
    pub comments_from: Option<Target>,
    pub config: PathBuf,
}

/// Posts and pages come from `content/` (the source of truth); comments from D1 through wrangler.
pub fn export(args: ExportArgs) -> Result<()> {
    let docs = crate::cli::check(&args.dir)?;
    let posts = docs
        .iter()
        .map(|d| Post::parse(&d.doc.source, d.doc.kind, Some(d.summary.slug.as_str())).map_err(|e| anyhow!("{}: {e}", d.summary.slug)))
        .collect::<Result<Vec<_>>>()?;
    let comments = match args.comments_from {
        None => Vec::new(),
        Some(target) => {
            let store = Wrangler::new(target)?;
            let rows = store
                .query(
                    "SELECT id, post, parent, author, email, url, body, status, created_at FROM comments \
                     WHERE status IN ('approved', 'pending') ORDER BY id",
                )
                .map_err(|e| anyhow!("{e}"))?;
            rows.iter().map(export_comment).collect::<Result<Vec<_>>>()?
        }
    };
    let site = site_config(&args.config);
    let site = ExportSite { title: site.title, url: site.url, description: site.description, author: site.author };
    let xml = wxr::write(&site, &posts, &comments, chrono::Utc::now());
    match &args.output {
        Some(path) => {
            std::fs::write(path, xml).with_context(|| format!("writing {}", path.display()))?;
            let written = wxr::exported_comments(&posts, &comments).len();
            let pages = posts.iter().filter(|p| p.kind == Kind::Page).count();
            let (pages, posts) = (count(pages, "page", "pages"), count(posts.len() - pages, "post", "posts"));
            eprintln!("exported {posts}, {pages} and {} to {}", count(written, "comment", "comments"), path.display());
        }
        None => print!("{xml}"),
    }
    Ok(())
}

fn export_comment(row: &Value) -> Result<ExportComment> {
    let text = |k: &str| row.get(k).and_then(Value::as_str).map(str::to_string);
    let id = row.get("id").and_then(Value::as_i64).ok_or_else(|| anyhow!("a comment row without an id: {row}"))?;
    Ok(ExportComment {
        id,
        post: text("post").unwrap_or_default(),
        parent: row.get("parent").and_then(Value::as_i64),
        author: text("author").unwrap_or_default(),
        email: text("email"),
        url: text("url"),
        body: text("body").unwrap_or_default(),
        status: text("status").and_then(|s| CommentStatus::parse(&s)).unwrap_or(CommentStatus::Pending),
        created_at: text("created_at").unwrap_or_default(),
    })
}

/// The site settings from the `[vars]` of the wrangler configuration, defaults where it has none.
fn site_config(config: &Path) -> SiteConfig {
    let vars = std::fs::read_to_string(config)
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .and_then(|t| t.get("vars").and_then(|v| v.as_table()).cloned())
        .unwrap_or_default();
    SiteConfig::from_lookup(|name| vars.get(name).and_then(|v| v.as_str()).map(str::to_string))
}
