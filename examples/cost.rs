//! Instructions per request, for `make bench` to count under `valgrind --tool=callgrind`: CPU time on a shared
//! machine moves by ±20%, an instruction count by about 1%, so this is what tells whether a page's cost grows with
//! the number of posts.
//!
//! Builds the bench's store with POSTS posts (the fixtures of `benches/render.rs`), serves each page once to warm
//! the isolate's memos, then REQUESTS times inside a `measure_*` function of its own; callgrind's inclusive count
//! of that function, divided by REQUESTS, is the cost of one request in the steady state. Two more count a version's
//! first render (the cold path), over REQUESTS posts stored and never served.
//!
//! Usage: `valgrind --tool=callgrind target/release/examples/cost POSTS REQUESTS`

#[path = "../benches/support/mod.rs"]
mod support;

use chrono::Duration;
use edge_blog::app::{prepare, App, ShowOptions};
use edge_blog::core::config::SiteConfig;
use edge_blog::core::index::{Part, SiteIndex};
use edge_blog::core::post::Kind;
use edge_blog::core::route::Sitemap;
use edge_blog::core::slug::Slug;
use edge_blog::core::token::SigningKey;
use edge_blog::store::memory::MemoryStore;
use edge_blog::store::{Catalog, CommentStore, ContentStore};
use pollster::block_on;
use std::hint::black_box;

type BenchApp<'a> = App<'a, MemoryStore, MemoryStore>;

fn post(app: &BenchApp<'_>, comments: usize) -> usize {
    show(app, &Slug::parse(&support::bench_slug(comments)).expect("slug"))
}

/// The one call of `show_post` here: a second one changed what the compiler inlines, and the warm post page's count
/// with it (+7%).
fn show(app: &BenchApp<'_>, slug: &Slug) -> usize {
    block_on(app.show_post(slug, &ShowOptions::default())).expect("post page").html.len()
}

fn home(app: &BenchApp<'_>) -> usize {
    block_on(app.home(1)).expect("home page").body.len()
}

fn feed(app: &BenchApp<'_>) -> usize {
    block_on(app.feed(None, false)).expect("feed").body.len()
}

fn archive(app: &BenchApp<'_>) -> usize {
    block_on(app.archive(1)).expect("archive").body.len()
}

fn sitemap(app: &BenchApp<'_>) -> usize {
    block_on(app.sitemap(Sitemap::Posts(1))).expect("sitemap").body.len()
}

fn tags_page(app: &BenchApp<'_>) -> usize {
    block_on(app.tags()).expect("tags page").body.len()
}

/// The tag on every post: at every site size, its first page lists 10 posts from one chunk of its posts.
fn tag_page(app: &BenchApp<'_>) -> usize {
    block_on(app.tag("notes", 1)).expect("tag page").body.len()
}

fn not_found(app: &BenchApp<'_>) -> usize {
    assert!(block_on(app.alias("/no/such/page/")).expect("aliases").is_none());
    block_on(app.error_page("Not found", "There is no page here.", "/no/such/page/")).len()
}

/// Serves `page` `n` times. Each page has a function of its own, so that callgrind counts it apart.
macro_rules! measured {
    ($($name:ident => $page:expr;)*) => {
        $(
            #[inline(never)]
            fn $name(app: &BenchApp<'_>, n: usize) -> usize {
                (0..n).map(|_| black_box(($page)(app))).sum()
            }
        )*
    };
}

measured! {
    measure_post_page_0 => |app| post(app, 0);
    measure_post_page_1 => |app| post(app, 1);
    measure_post_page_50 => |app| post(app, 50);
    measure_post_page_500 => |app| post(app, 500);
    measure_home_page => home;
    measure_atom_feed => feed;
    measure_archive => archive;
    measure_sitemap => sitemap;
    measure_tags_page => tags_page;
    measure_tag_page => tag_page;
    measure_not_found => not_found;
}

/// A version's first render in an isolate, once for each of `slugs`: posts stored, never served. Their documents
/// carry the page prepared at publish time, or (`from_markdown`) only their file, as a release before prepared pages
/// stored them.
fn first_renders(app: &BenchApp<'_>, slugs: &[Slug]) -> usize {
    slugs.iter().map(|slug| show(app, slug)).sum()
}

// Each adds a constant of its own: functions with the same body are merged by the linker, and callgrind would
// count the two as one.
#[inline(never)]
fn measure_post_first_render(app: &BenchApp<'_>, slugs: &[Slug]) -> usize {
    first_renders(app, slugs) + black_box(1)
}

#[inline(never)]
fn measure_post_first_render_from_markdown(app: &BenchApp<'_>, slugs: &[Slug]) -> usize {
    first_renders(app, slugs) + black_box(2)
}

/// The home page's first request for an index version (after a publish, or in a fresh isolate), once for each of
/// `apps`: each reads a front of a version of its own.
#[inline(never)]
fn measure_home_page_first(apps: &[BenchApp<'_>]) -> usize {
    apps.iter().map(home).sum::<usize>() + black_box(3)
}

/// `n` + 1 copies of the bench's sample post under slugs of their own (each a version of its own), stored as
/// documents only, so that no list page changes: one to warm up, `n` to measure.
fn unserved(store: &MemoryStore, prefix: &str, from_markdown: bool, n: usize) -> Vec<Slug> {
    let slugs: Vec<Slug> = (0..=n).map(|i| Slug::parse(&format!("{prefix}-{i}")).expect("slug")).collect();
    for slug in &slugs {
        let mut published = prepare(Kind::Post, &support::full_post_source(slug.as_str(), 0), Some(slug.as_str())).expect("parses");
        if from_markdown {
            published.doc.prepared = None;
        }
        block_on(store.put_docs(std::slice::from_ref(&published))).expect("put doc");
    }
    slugs
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let [posts, requests] = args[..] else {
        eprintln!("usage: cost POSTS REQUESTS");
        std::process::exit(2);
    };
    let store = MemoryStore::default();
    let docs = support::posts(posts);
    block_on(store.put_docs(&docs)).expect("put docs");
    block_on(store.upsert(&docs)).expect("upsert");
    block_on(store.put_index(&SiteIndex::build(docs.iter().map(|d| d.summary.clone()), support::newest() + Duration::days(1)), 0))
        .expect("put index");
    let mut next_id = 1;
    for count in support::COMMENTED {
        for (_, record) in support::comments(&support::bench_slug(count), count, next_id) {
            block_on(store.insert(&record)).expect("insert comment");
        }
        next_id += count as i64;
    }
    let site = SiteConfig::default();
    let app = App {
        site: &site,
        content: &store,
        db: &store,
        now: support::newest() + Duration::days(1),
        key: &SigningKey::new(b"bench-signing-key"),
        nonce: "0011223344556677",
    };
    // Warm: the isolate's memos filled, as after each page's first request.
    let mut bytes = post(&app, 0) + post(&app, 1) + post(&app, 50) + post(&app, 500) + home(&app) + feed(&app) + not_found(&app);
    bytes += archive(&app) + sitemap(&app) + tags_page(&app) + tag_page(&app);
    for measure in [
        measure_post_page_0,
        measure_post_page_1,
        measure_post_page_50,
        measure_post_page_500,
        measure_home_page,
        measure_atom_feed,
        measure_archive,
        measure_sitemap,
        measure_tags_page,
        measure_tag_page,
        measure_not_found,
    ] {
        bytes += measure(&app, requests);
    }
    // Last: the first renders fill the isolate's memos of documents and pages, which start again when full. A
    // version's home page takes the place of the last one kept, so the other pages stay as they are.
    let front = block_on(store.index(Part::Front)).expect("front");
    let fronts: Vec<MemoryStore> = (0..=requests)
        .map(|v| {
            let (fresh, mut index) = (MemoryStore::default(), SiteIndex::clone(&front));
            index.version = format!("first-{v}");
            block_on(fresh.put_index(&index, 0)).expect("put front");
            fresh
        })
        .collect();
    // Each reads its front of a new version, and the comment counts of the bench's store.
    let apps: Vec<BenchApp<'_>> = fronts.iter().map(|content| App { content, ..app }).collect();
    bytes += home(&apps[0]) + measure_home_page_first(&apps[1..]);
    let prepared = unserved(&store, "first-render", false, requests);
    let from_markdown = unserved(&store, "first-render-md", true, requests);
    bytes += first_renders(&app, &prepared[..1]) + first_renders(&app, &from_markdown[..1]);
    bytes += measure_post_first_render(&app, &prepared[1..]) + measure_post_first_render_from_markdown(&app, &from_markdown[1..]);
    println!("{bytes}");
}
