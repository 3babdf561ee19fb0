//! Commands and their output. Every file is parsed by `core` first, so bad input never reaches a blog.

use crate::wordpress::{self, ExportArgs, ImportArgs};
use crate::wrangler::{Target, Wrangler};
use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use edge_blog::app::{prepare, App};
use edge_blog::core::config::SiteConfig;
use edge_blog::core::post::{Kind, Post};
use edge_blog::core::slug::slugify;
use edge_blog::core::token::SigningKey;
use edge_blog::core::wxr::ImportOptions;
use edge_blog::store::PublishedDoc;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "blog", version, about = "Write, check and publish posts for the edge blog")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new draft post (or page) file from a title.
    New {
        /// The title; the file name and slug are made from it.
        title: Vec<String>,
        /// Create a page (content/pages/) instead of a post.
        #[arg(long)]
        page: bool,
        /// The content folder.
        #[arg(long, default_value = "content")]
        dir: PathBuf,
    },
    /// Check every post and page file; errors name the file and line.
    Check {
        #[arg(default_value = "content")]
        dir: PathBuf,
    },
    /// Check, then publish every post and page to a blog.
    Publish {
        #[command(flatten)]
        target: TargetArgs,
        #[arg(default_value = "content")]
        dir: PathBuf,
    },
    /// Import a WordPress export (WXR 1.1 or 1.2): posts and pages into content/, then publish them and their
    /// comments. The whole file is checked first; nothing is written if any of it is wrong.
    ImportWxr {
        /// The file WordPress wrote (Tools → Export).
        file: PathBuf,
        /// Keep commenters' email addresses (dropped by default; IP addresses are never kept).
        #[arg(long)]
        keep_emails: bool,
        /// Keep pingbacks and trackbacks as comments (skipped by default).
        #[arg(long)]
        with_pingbacks: bool,
        /// Write the files into content/ only; publish nothing.
        #[arg(long, conflicts_with_all = ["local", "remote", "url"])]
        files_only: bool,
        #[command(flatten)]
        target: TargetArgs,
        /// The content folder to write posts/ and pages/ into.
        #[arg(long, default_value = "content")]
        dir: PathBuf,
    },
    /// Write a WordPress export (WXR 1.2) of every post and page in content/ and every approved or pending
    /// comment in D1, for WordPress's importer (Tools → Import → WordPress).
    Export {
        /// Write here instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Read comments from the Cloudflare account's D1 instead of the local runtime's.
        #[arg(long)]
        remote: bool,
        /// Export posts and pages only.
        #[arg(long, conflicts_with = "remote")]
        no_comments: bool,
        /// Where the local runtime keeps its state.
        #[arg(long, default_value = ".wrangler/state")]
        persist_to: PathBuf,
        /// The wrangler configuration (bindings, and the site settings in [vars]).
        #[arg(long, default_value = "wrangler.toml")]
        config: PathBuf,
        #[arg(long, default_value = "content")]
        dir: PathBuf,
    },
}

/// Where to publish: shared by `publish` and `import-wxr`.
#[derive(clap::Args)]
struct TargetArgs {
    /// The local runtime's KV and D1 (the default).
    #[arg(long, group = "target")]
    local: bool,
    /// The Cloudflare account's KV namespace and D1 database (needs `wrangler login`).
    #[arg(long, group = "target")]
    remote: bool,
    /// A running blog, through its admin API.
    #[arg(long, group = "target", requires = "token")]
    url: Option<String>,
    /// The blog's ADMIN_TOKEN, with --url.
    #[arg(long, env = "BLOG_ADMIN_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Where the local runtime keeps its state, with --local.
    #[arg(long, default_value = ".wrangler/state")]
    persist_to: PathBuf,
    /// The wrangler configuration naming the KV and D1 bindings.
    #[arg(long, default_value = "wrangler.toml")]
    config: PathBuf,
}

impl TargetArgs {
    fn target(self) -> Target {
        match (self.remote, self.url) {
            (_, Some(url)) => Target::Api { url, token: self.token.unwrap_or_default() },
            (true, _) => Target::Remote { config: self.config },
            _ => Target::Local { config: self.config, persist_to: self.persist_to },
        }
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::New { title, page, dir } => new(&title.join(" "), page, &dir),
        Command::Check { dir } => check(&dir).map(|docs| {
            let posts = docs.iter().filter(|d| d.doc.kind == Kind::Post).count();
            println!("ok: {posts} posts and {} pages in {}", docs.len() - posts, dir.display());
        }),
        Command::Publish { target, dir } => publish(&dir, target.target()),
        Command::ImportWxr { file, keep_emails, with_pingbacks, files_only, target, dir } => wordpress::import(ImportArgs {
            file,
            dir,
            options: ImportOptions { keep_emails, with_pingbacks },
            target: (!files_only).then(|| target.target()),
        }),
        Command::Export { output, remote, no_comments, persist_to, config, dir } => {
            let comments_from = match (no_comments, remote) {
                (true, _) => None,
                (_, true) => Some(Target::Remote { config: config.clone() }),
                _ => Some(Target::Local { config: config.clone(), persist_to }),
            };
            wordpress::export(ExportArgs { dir, output, comments_from, config })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn new(title: &str, page: bool, dir: &Path) -> Result<()> {
    let title = title.trim();
    let slug = slugify(title);
    if slug.is_empty() {
        bail!("give a title with at least one letter or digit, e.g. blog new \"A quiet morning\"");
    }
    let folder = dir.join(if page { "pages" } else { "posts" });
    std::fs::create_dir_all(&folder).with_context(|| format!("creating {}", folder.display()))?;
    let path = folder.join(format!("{slug}.md"));
    if path.exists() {
        bail!("{} already exists; choose another title or edit that file", path.display());
    }
    let escaped = title.replace('\\', "\\\\").replace('"', "\\\"");
    let today = chrono::Local::now().format("%Y-%m-%dT%H:%M:%S%:z");
    let front = if page {
        format!("+++\ntitle = \"{escaped}\"\ndraft = true\n+++\n\nWrite the page here.\n")
    } else {
        format!("+++\ntitle = \"{escaped}\"\ndate = \"{today}\"\ntags = []\ndraft = true\n+++\n\nThe first paragraph is the excerpt on the home page.\n\n<!-- more -->\n\nThe rest of the post.\n")
    };
    let kind = if page { Kind::Page } else { Kind::Post };
    Post::parse(&front, kind, Some(&slug)).context("the new file would not parse; this is a bug")?;
    std::fs::write(&path, front).with_context(|| format!("writing {}", path.display()))?;
    println!("{}", path.display());
    Ok(())
}

/// Parses every file under `dir/posts` and `dir/pages`; reports all errors, not just the first.
pub fn check(dir: &Path) -> Result<Vec<PublishedDoc>> {
    if !dir.is_dir() {
        bail!("{} is not a folder; give the content folder that holds posts/ and pages/", dir.display());
    }
    let mut docs = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<(Kind, String), PathBuf> = HashMap::new();
    let mut aliases: HashMap<String, PathBuf> = HashMap::new();
    for (sub, kind) in [("posts", Kind::Post), ("pages", Kind::Page)] {
        for path in markdown_files(&dir.join(sub))? {
            let source = match std::fs::read_to_string(&path) {
                Ok(s) => s,
                Err(e) => {
                    errors.push(format!("{}: {e}", path.display()));
                    continue;
                }
            };
            let file_slug = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
            if let Err(e) = Post::parse(&source, kind, Some(&file_slug)) {
                errors.push(format!(
                    "{}:{}: {}",
                    path.display(),
                    e.line,
                    e.to_string().split_once(": ").map_or(e.to_string(), |(_, m)| m.to_string())
                ));
                continue;
            }
            let doc = prepare(kind, &source, Some(&file_slug)).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            if let Some(other) = seen.insert((kind, doc.summary.slug.to_string()), path.clone()) {
                errors.push(format!("{}:1: the slug `{}` is also used by {}", path.display(), doc.summary.slug, other.display()));
            }
            for alias in &doc.summary.aliases {
                if let Some(other) = aliases.insert(alias.clone(), path.clone()) {
                    errors.push(format!("{}:1: the alias {alias} is also claimed by {}", path.display(), other.display()));
                }
            }
            docs.push(doc);
        }
    }
    if !errors.is_empty() {
        for e in &errors {
            eprintln!("{e}");
        }
        bail!("{} file(s) need fixing before they can be published", errors.len());
    }
    Ok(docs)
}

fn markdown_files(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.sort();
    Ok(files)
}

pub fn publish(dir: &Path, target: Target) -> Result<()> {
    let docs = check(dir)?;
    match target {
        Target::Api { url, token } => publish_api(&url, &token, &docs),
        target => {
            let store = Wrangler::new(target)?;
            let site = SiteConfig::default();
            // The clock dates the chunks this publish retires (see `SiteIndex::retiring`); what a reader sees is
            // decided by the blog when they ask.
            let (now, key) = (chrono::Utc::now(), SigningKey::default());
            let app = App { site: &site, content: &store, db: &store, now, key: &key };
            pollster::block_on(app.publish_all(&docs)).map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("published {} documents to {}", docs.len(), store.describe());
            Ok(())
        }
    }
}

fn publish_api(url: &str, token: &str, docs: &[PublishedDoc]) -> Result<()> {
    let base = url.trim_end_matches('/');
    let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
    let mut failed = 0;
    for doc in docs {
        let kind = match doc.doc.kind {
            Kind::Post => "posts",
            Kind::Page => "pages",
        };
        let endpoint = format!("{base}/admin/api/{kind}/{}", doc.summary.slug);
        let mut response = agent
            .put(&endpoint)
            .header("Authorization", &format!("Bearer {token}"))
            .header("Content-Type", "text/markdown; charset=utf-8")
            .send(doc.doc.source.as_bytes())
            .with_context(|| format!("cannot reach {endpoint}"))?;
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        match status {
            200 => println!("unchanged or updated {}", doc.summary.url()),
            201 => println!("created {}", doc.summary.url()),
            401 => bail!("{endpoint}: 401: the token was refused; check ADMIN_TOKEN"),
            _ => {
                failed += 1;
                eprintln!("{endpoint}: {status}: {body}");
            }
        }
    }
    if failed > 0 {
        bail!("{failed} of {} documents were not published", docs.len());
    }
    println!("published {} documents to {base}", docs.len());
    Ok(())
}
