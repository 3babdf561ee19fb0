//! Commands and their output. Every file is parsed by `core` first, so bad input never reaches a blog.

use crate::wordpress::{self, ExportArgs, ImportArgs};
use crate::wrangler::{Target, Wrangler};
use anyhow::{anyhow, bail, Context, Result};
use clap::{Parser, Subcommand};
use edge_blog::app::{prepare, App};
use edge_blog::core::config::SiteConfig;
use edge_blog::core::markdown::removed_from_post;
use edge_blog::core::post::{url_for, Kind, Post, PostSummary};
use edge_blog::core::slug::{slugify, Slug};
use edge_blog::core::token::SigningKey;
use edge_blog::core::wxr::ImportOptions;
use edge_blog::store::{Catalog, PublishedDoc};
use std::collections::{HashMap, HashSet};
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
    /// Check every post and page file; errors name the file and line, and warnings what the sanitizer removes.
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
    /// Take one post or page down: from its address, every list and feed, the sitemap and search.
    ///
    /// Its file, if there is one, stays: delete it too, or the next `publish` puts the post back.
    Unpublish {
        /// The slug: the `<slug>` of /posts/<slug>/, or of /<slug>/ for a page.
        slug: String,
        /// Take down a page, not a post.
        #[arg(long)]
        page: bool,
        #[command(flatten)]
        target: TargetArgs,
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
        #[arg(long, default_value = STATE)]
        persist_to: PathBuf,
        /// The wrangler configuration (bindings, and the site settings in [vars]).
        #[arg(long, default_value = CONFIG)]
        config: PathBuf,
        #[arg(long, default_value = "content")]
        dir: PathBuf,
    },
}

/// Where the local runtime keeps its state, unless told.
const STATE: &str = ".wrangler/state";
/// The wrangler configuration, unless told.
const CONFIG: &str = "wrangler.toml";

/// Where to publish: shared by `publish`, `unpublish` and `import-wxr`.
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
    #[arg(long, default_value = STATE)]
    persist_to: PathBuf,
    /// The wrangler configuration naming the KV and D1 bindings.
    #[arg(long, default_value = CONFIG)]
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

/// The options that name `target` on the command line, for the commands a message suggests.
fn target_flags(target: &Target) -> String {
    let unless_default = |flag: &str, value: &Path, default: &str| {
        if value == Path::new(default) {
            String::new()
        } else {
            format!(" {flag} {}", shell_word(&value.display().to_string()))
        }
    };
    match target {
        Target::Local { config, persist_to } => {
            format!("--local{}{}", unless_default("--persist-to", persist_to, STATE), unless_default("--config", config, CONFIG))
        }
        Target::Remote { config } => format!("--remote{}", unless_default("--config", config, CONFIG)),
        Target::Api { url, .. } => format!("--url {}", shell_word(url)),
    }
}

/// `word` as a shell reads it back: as it is when it holds nothing the shell treats specially, else in single quotes,
/// so that a suggested command can be pasted as it is printed (a path with a space, say).
fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./:@%+,".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// `1 post`, `2 posts`: a count and its noun.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", plural(n, one, many))
}

/// `one` for 1, else `many`: a noun or verb that agrees with a count.
pub fn plural<'w>(n: usize, one: &'w str, many: &'w str) -> &'w str {
    if n == 1 {
        one
    } else {
        many
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::New { title, page, dir } => new(&title.join(" "), page, &dir),
        Command::Check { dir } => checked(&dir).map(|Checked { docs, warnings }| {
            print_warnings(&warnings);
            let posts = docs.iter().filter(|d| d.doc.kind == Kind::Post).count();
            let (posts, pages) = (count(posts, "post", "posts"), count(docs.len() - posts, "page", "pages"));
            let warned = if warnings.is_empty() { String::new() } else { format!(" ({})", count(warnings.len(), "warning", "warnings")) };
            println!("ok: {posts} and {pages} in {}{warned}", dir.display());
        }),
        Command::Publish { target, dir } => publish(&dir, target.target()),
        Command::Unpublish { slug, page, target } => unpublish(&slug, if page { Kind::Page } else { Kind::Post }, target.target()),
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

/// Parses every file under `dir/posts` and `dir/pages`; reports all errors, not just the first. What the sanitizer
/// will remove is not for `import-wxr` and `export` to tell: they hear of it only beside errors.
pub fn check(dir: &Path) -> Result<Vec<PublishedDoc>> {
    Ok(checked(dir)?.docs)
}

/// The files of a content folder, ready to publish, and what publishing them leaves out.
struct Checked {
    docs: Vec<PublishedDoc>,
    /// `file:line: warning: …`: what the sanitizer will remove from a body, in the order of the files.
    warnings: Vec<String>,
}

/// As [`check`], with warnings; when there are errors, the warnings are told with them.
fn checked(dir: &Path) -> Result<Checked> {
    if !dir.is_dir() {
        bail!("{} is not a folder; give the content folder that holds posts/ and pages/", dir.display());
    }
    let mut docs = Vec::new();
    // Each with its file, so that the files can be counted.
    let mut errors: Vec<(PathBuf, String)> = Vec::new();
    let mut warnings = Vec::new();
    let mut seen: HashMap<(Kind, String), PathBuf> = HashMap::new();
    let mut aliases: HashMap<String, PathBuf> = HashMap::new();
    for (sub, kind) in [("posts", Kind::Post), ("pages", Kind::Page)] {
        for path in markdown_files(&dir.join(sub))? {
            let source = match std::fs::read_to_string(&path) {
                Ok(s) => s,
                Err(e) => {
                    errors.push((path.clone(), format!("{}: {e}", path.display())));
                    continue;
                }
            };
            let file_slug = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
            let post = match Post::parse(&source, kind, Some(&file_slug)) {
                Ok(post) => post,
                Err(e) => {
                    let message = e.to_string().split_once(": ").map_or(e.to_string(), |(_, m)| m.to_string());
                    errors.push((path.clone(), format!("{}:{}: {message}", path.display(), e.line)));
                    continue;
                }
            };
            warnings.extend(removal_warnings(&path, &source, &post.body));
            let doc = prepare(kind, &source, Some(&file_slug)).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            if let Some(other) = seen.insert((kind, doc.summary.slug.to_string()), path.clone()) {
                let message = format!("{}:1: the slug `{}` is also used by {}", path.display(), doc.summary.slug, other.display());
                errors.push((path.clone(), message));
            }
            for alias in &doc.summary.aliases {
                if let Some(other) = aliases.insert(alias.clone(), path.clone()) {
                    errors.push((path.clone(), format!("{}:1: the alias {alias} is also claimed by {}", path.display(), other.display())));
                }
            }
            docs.push(doc);
        }
    }
    if !errors.is_empty() {
        print_warnings(&warnings);
        for (_, e) in &errors {
            eprintln!("{e}");
        }
        let files = errors.iter().map(|(path, _)| path).collect::<HashSet<_>>().len();
        bail!(
            "{} in {} {} fixing before anything is published",
            count(errors.len(), "problem", "problems"),
            count(files, "file", "files"),
            plural(errors.len(), "needs", "need")
        );
    }
    Ok(Checked { docs, warnings })
}

/// A warning for each thing the sanitizer will remove from a file's body, at its line in the file.
fn removal_warnings(path: &Path, source: &str, body: &str) -> Vec<String> {
    // The body is the end of the file; the lines before it are the front matter's.
    let before = source.len().saturating_sub(body.len());
    let front_lines = source.as_bytes()[..before].iter().filter(|b| **b == b'\n').count();
    removed_from_post(body)
        .into_iter()
        .map(|(line, removal)| format!("{}:{}: warning: {removal}", path.display(), front_lines + line))
        .collect()
}

fn print_warnings(warnings: &[String]) {
    for w in warnings {
        eprintln!("{w}");
    }
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
    let Checked { docs, warnings } = checked(dir)?;
    print_warnings(&warnings);
    match target {
        Target::Api { url, token } => publish_api(&url, &token, &docs),
        target => {
            let flags = target_flags(&target);
            let store = Wrangler::new(target)?;
            let (site, key) = (SiteConfig::default(), SigningKey::default());
            pollster::block_on(app(&store, &site, &key).publish_all(&docs)).map_err(|e| anyhow!("{e}"))?;
            println!("published {} to {}", count(docs.len(), "document", "documents"), store.describe());
            warn_of_files_gone(&store, &docs, dir, &flags);
            Ok(())
        }
    }
}

/// The use cases on a store reached through wrangler, as the admin API runs them on KV and D1.
fn app<'a>(store: &'a Wrangler, site: &'a SiteConfig, key: &'a SigningKey) -> App<'a, Wrangler, Wrangler> {
    // The clock dates the chunks a publish retires (see `SiteIndex::retiring`); what a reader sees is decided by the
    // blog when they ask.
    App { site, content: store, db: store, now: chrono::Utc::now(), key, nonce: "" }
}

/// Tells of the posts and pages the store holds that have no file in `dir`: deleting a file takes nothing down, and
/// without this the post would stay live unremarked. (A blog reached through the admin API cannot be asked what it
/// holds, so `publish --url` cannot tell.)
fn warn_of_files_gone(store: &Wrangler, docs: &[PublishedDoc], dir: &Path, flags: &str) {
    let held = match pollster::block_on(store.summaries()) {
        Ok(held) => held.summaries,
        Err(e) => {
            eprintln!("warning: could not list what {} holds, to find posts whose file is gone: {e}", store.describe());
            return;
        }
    };
    let files: HashSet<(Kind, &str)> = docs.iter().map(|d| (d.doc.kind, d.summary.slug.as_str())).collect();
    let mut gone: Vec<&PostSummary> = held.iter().filter(|s| !files.contains(&(s.kind, s.slug.as_str()))).collect();
    if gone.is_empty() {
        return;
    }
    gone.sort_by_key(|s| (s.kind == Kind::Page, s.slug.as_str()));
    let (n, posts) = (gone.len(), gone.iter().filter(|s| s.kind == Kind::Post).count());
    eprintln!(
        "warning: {} on {} {} no file in {} and {} published; to take one down, run the command beside it:",
        posts_and_pages(posts, n - posts),
        store.describe(),
        plural(n, "has", "have"),
        dir.display(),
        plural(n, "stays", "stay"),
    );
    let width = gone.iter().map(|s| s.url().len()).max().unwrap_or_default();
    for s in gone {
        let page = if s.kind == Kind::Page { " --page" } else { "" };
        let draft = if s.draft { " (a draft)" } else { "" };
        eprintln!("  {:width$}  blog unpublish {}{page} {flags}{draft}", s.url(), s.slug);
    }
}

/// `2 posts`, `1 page`, `2 posts and 1 page`: a kind there is none of is left out.
fn posts_and_pages(posts: usize, pages: usize) -> String {
    match (posts, pages) {
        (_, 0) => count(posts, "post", "posts"),
        (0, _) => count(pages, "page", "pages"),
        _ => format!("{} and {}", count(posts, "post", "posts"), count(pages, "page", "pages")),
    }
}

/// Which API folder a kind of document lives under.
fn api_folder(kind: Kind) -> &'static str {
    match kind {
        Kind::Post => "posts",
        Kind::Page => "pages",
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().new_agent()
}

fn publish_api(url: &str, token: &str, docs: &[PublishedDoc]) -> Result<()> {
    let base = url.trim_end_matches('/');
    let agent = agent();
    let mut failed = 0;
    for doc in docs {
        let endpoint = format!("{base}/admin/api/{}/{}", api_folder(doc.doc.kind), doc.summary.slug);
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
        bail!("{failed} of {} {} not published", count(docs.len(), "document", "documents"), plural(failed, "was", "were"));
    }
    println!("published {} to {base}", count(docs.len(), "document", "documents"));
    Ok(())
}

/// Takes one post or page down, as `DELETE /admin/api/posts/<slug>` does.
fn unpublish(slug: &str, kind: Kind, target: Target) -> Result<()> {
    let slug = Slug::parse(slug).map_err(|e| anyhow!("{e}: give the slug as in the address, e.g. `blog unpublish a-quiet-morning`"))?;
    let store = match target {
        Target::Api { url, token } => return unpublish_api(&url, &token, kind, &slug),
        target => Wrangler::new(target)?,
    };
    // `App::unpublish` would ask the content store for a document the catalog does not hold, which wrangler is not
    // asked for; and the catalog can say whether the slug is the other kind's.
    let held = pollster::block_on(store.summaries()).map_err(|e| anyhow!("{e}"))?.summaries;
    if !held.iter().any(|s| s.kind == kind && s.slug == slug) {
        let mut message = format!("no {} `{slug}` is published on {}", kind.as_str(), store.describe());
        if let Some(other) = held.iter().find(|s| s.slug == slug) {
            message.push_str(&format!("; there is a {} `{slug}`: {}", other.kind.as_str(), switch_kind(kind)));
        }
        bail!(message);
    }
    let (site, key) = (SiteConfig::default(), SigningKey::default());
    pollster::block_on(app(&store, &site, &key).unpublish(kind, &slug)).map_err(|e| anyhow!("{e}"))?;
    println!("took {} down from {}", url_for(kind, &slug), store.describe());
    Ok(())
}

/// How to ask `unpublish` for the other kind of document.
fn switch_kind(kind: Kind) -> &'static str {
    match kind {
        Kind::Post => "add --page",
        Kind::Page => "leave out --page",
    }
}

fn unpublish_api(url: &str, token: &str, kind: Kind, slug: &Slug) -> Result<()> {
    let base = url.trim_end_matches('/');
    let endpoint = format!("{base}/admin/api/{}/{slug}", api_folder(kind));
    let mut response = agent()
        .delete(&endpoint)
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .with_context(|| format!("cannot reach {endpoint}"))?;
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().unwrap_or_default();
    match status {
        204 => println!("took {} down from {base}", url_for(kind, slug)),
        404 => bail!(
            "no {} `{slug}` is published at {base}; if it is a {}, {}",
            kind.as_str(),
            if kind == Kind::Post { "page" } else { "post" },
            switch_kind(kind)
        ),
        401 => bail!("{endpoint}: 401: the token was refused; check ADMIN_TOKEN"),
        _ => bail!("{endpoint}: {status}: {body}"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn suggested_commands_quote_what_the_shell_would_split() {
        assert_eq!(shell_word("content/posts"), "content/posts");
        assert_eq!(shell_word("https://blog.example/"), "https://blog.example/");
        assert_eq!(shell_word("My Blog/.state"), "'My Blog/.state'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word("$HOME"), "'$HOME'");
        assert_eq!(shell_word(""), "''");
        let local = Target::Local { config: PathBuf::from("my site/wrangler.toml"), persist_to: PathBuf::from(STATE) };
        assert_eq!(target_flags(&local), "--local --config 'my site/wrangler.toml'");
    }
}
