//! Native micro-benchmarks of the reader hot path, through `App` over the in-memory store.
//!
//! `warm`: the post's page is already kept in the isolate (`app::comments::show_post`), as for every request
//! after the first one for a version. `cold`: a version never seen before (first request in an isolate, or after
//! an edit), so the request builds the page from the document as prepared at publish time;
//! `cold_from_markdown` also parses the front matter and renders the Markdown, as for a document stored without
//! its prepared page.

mod support;

use chrono::Duration;
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use edge_blog::app::{prepare, App, ShowOptions};
use edge_blog::core::config::SiteConfig;
use edge_blog::core::index::{chunk_key, list_key, Chunk, List, Part, SiteIndex};
use edge_blog::core::post::{Kind, StoredDoc};
use edge_blog::core::slug::Slug;
use edge_blog::core::token::SigningKey;
use edge_blog::store::memory::MemoryStore;
use edge_blog::store::{Catalog, CommentStore, ContentStore, PublishedDoc};
use pollster::block_on;
use std::hint::black_box;
use std::sync::LazyLock;

static KEY: LazyLock<SigningKey> = LazyLock::new(|| SigningKey::new(b"bench-signing-key"));

/// A store with `total` published posts and the bench posts' comments (`support::COMMENTED`).
fn seeded(total: usize) -> MemoryStore {
    let store = MemoryStore::default();
    let docs = support::posts(total);
    block_on(store.put_docs(&docs)).expect("put docs");
    block_on(store.upsert(&docs)).expect("upsert");
    let index = SiteIndex::build(docs.iter().map(|d| d.summary.clone()), support::newest() + Duration::days(1));
    block_on(store.put_index(&index, 0)).expect("put index");
    let mut next_id = 1;
    for count in support::COMMENTED {
        for (id, record) in support::comments(&support::bench_slug(count), count, next_id) {
            let stored = block_on(store.insert(&record)).expect("insert comment").expect("a new comment");
            assert_eq!(stored, id, "comment ids must follow the fixture's");
        }
        next_id += count as i64;
    }
    store
}

fn app<'a>(site: &'a SiteConfig, store: &'a MemoryStore) -> App<'a, MemoryStore, MemoryStore> {
    App { site, content: store, db: store, now: support::newest() + Duration::days(1), key: &KEY, nonce: "0011223344556677" }
}

fn post_page(c: &mut Criterion) {
    let site = SiteConfig::default();
    let store = seeded(10);
    let app = app(&site, &store);
    let mut group = c.benchmark_group("post_page");
    for comments in support::COMMENTED {
        let slug = Slug::parse(&support::bench_slug(comments)).expect("slug");
        let opts = ShowOptions::default();
        let first = block_on(app.show_post(&slug, &opts)).expect("post page renders");
        assert!(first.html.contains("orthosomnia"), "the post body is on the page");
        group.bench_with_input(BenchmarkId::new("warm", comments), &slug, |b, slug| {
            b.iter(|| black_box(block_on(app.show_post(slug, &opts)).expect("render")))
        });
        // A fresh version per iteration (stored outside the timed part), so the memo never hits. `cold`: the page
        // as prepared at publish time; `cold_from_markdown`: a document stored without it (by a release before
        // prepared pages, or prepared by another renderer), so the request renders its Markdown.
        let original = StoredDoc::clone(&block_on(store.doc(Kind::Post, &slug)).expect("doc").expect("stored"));
        for (name, prepared) in [("cold", true), ("cold_from_markdown", false)] {
            let mut variant = 0u64;
            group.bench_with_input(BenchmarkId::new(name, comments), &slug, |b, slug| {
                b.iter_batched(
                    || {
                        variant += 1;
                        let source = format!("{}\n<!-- variant {variant} -->\n", original.source);
                        let mut published = prepare(Kind::Post, &source, Some(slug.as_str())).expect("variant parses");
                        if !prepared {
                            published.doc.prepared = None;
                        }
                        block_on(store.put_docs(std::slice::from_ref(&published))).expect("put doc");
                    },
                    |()| black_box(block_on(app.show_post(slug, &opts)).expect("render")),
                    BatchSize::PerIteration,
                )
            });
        }
        // What the edge adds to a cold request: reading the document's JSON from KV (the in-memory store keeps
        // it parsed).
        let json = serde_json::to_string(&original).expect("doc json");
        let bare = serde_json::to_string(&StoredDoc { prepared: None, ..original.clone() }).expect("doc json");
        for (name, json) in [("doc_json_prepared", json), ("doc_json_from_markdown", bare)] {
            group.bench_with_input(BenchmarkId::new(name, comments), &json, |b, json| {
                b.iter(|| black_box(StoredDoc::from_json(json).expect("parse")))
            });
        }
        let summary = support::posts(4).into_iter().find(|d| d.summary.slug == slug).expect("bench post").summary;
        block_on(store.put_docs(&[PublishedDoc { doc: original, summary, text: String::new() }])).expect("restore doc");
    }
    group.finish();
}

fn list_and_feed(c: &mut Criterion) {
    let site = SiteConfig::default();
    for total in [10, 1_000, 10_000] {
        let store = seeded(total);
        let app = app(&site, &store);
        let home = block_on(app.home(1)).expect("home renders").body.clone();
        assert_eq!(home.matches("class=\"card").count().max(home.matches("<article").count()), 10, "ten posts on the home page");
        c.benchmark_group("list_page_10_of")
            .bench_function(BenchmarkId::from_parameter(total), |b| b.iter(|| black_box(block_on(app.home(1)).expect("home"))));
        c.benchmark_group("atom_feed_of")
            .bench_function(BenchmarkId::from_parameter(total), |b| b.iter(|| black_box(block_on(app.feed(None, false)).expect("feed"))));
        // The first request for an index version (a publish, or a fresh isolate) of the feed and of the home page,
        // when each is written: a new version per iteration, in a store holding only the front, which is all they
        // read (its posts have no comments there).
        let front = block_on(store.index(Part::Front)).expect("front");
        let fresh = MemoryStore::default();
        let fresh_app = self::app(&site, &fresh);
        let mut version = 0u64;
        for (group, home) in [("atom_feed_first_of", false), ("list_page_10_first_of", true)] {
            c.benchmark_group(group).bench_function(BenchmarkId::from_parameter(total), |b| {
                b.iter_batched(
                    || {
                        version += 1;
                        let mut index = SiteIndex::clone(&front);
                        index.version = format!("bench-{version}");
                        block_on(fresh.put_index(&index, 0)).expect("put index");
                    },
                    |()| match home {
                        true => black_box(block_on(fresh_app.home(1)).expect("home")),
                        false => black_box(block_on(fresh_app.feed(None, false)).expect("feed")),
                    },
                    BatchSize::PerIteration,
                )
            });
        }
        // The pages whose work should not depend on the size of the site at all, measured at each size.
        let slug = Slug::parse(&support::bench_slug(1)).expect("slug");
        let opts = ShowOptions::default();
        c.benchmark_group("post_page_1_of").bench_function(BenchmarkId::from_parameter(total), |b| {
            b.iter(|| black_box(block_on(app.show_post(&slug, &opts)).expect("post page")))
        });
        c.benchmark_group("not_found_of").bench_function(BenchmarkId::from_parameter(total), |b| {
            b.iter(|| {
                assert!(block_on(app.alias("/no/such/page/")).expect("aliases").is_none());
                black_box(block_on(app.error_page("Not found", "There is no page here.", "/no/such/page/")))
            })
        });
        // What a fresh isolate (or a new index version) pays once per part it reads: the home page, the feed and
        // every page's navigation read the front; the not-found path the aliases; the tags page and a tag's pages
        // and feed the tags part; the whole only the admin, and readers when a part cannot serve them; later home
        // pages and a tag's pages one or two chunks, the archive and the posts sitemaps their lists (the oldest of
        // the site's, a full one, is measured).
        for (part, group) in [(Part::Front, "front_parse_of"), (Part::Tags, "tags_parse_of"), (Part::Whole, "index_parse_of")] {
            let json = serde_json::to_string(&*block_on(store.index(part)).expect("index")).expect("index json");
            c.benchmark_group(group).bench_function(BenchmarkId::from_parameter(total), |b| {
                b.iter(|| black_box(serde_json::from_str::<SiteIndex>(&json).expect("parse")))
            });
        }
        let front = block_on(store.index(Part::Front)).expect("front");
        let version = front.chunk_version(0).expect("chunks");
        let oldest = block_on(store.chunks(&[(chunk_key(0, version), version)])).expect("chunk").expect("chunk held").remove(0);
        let json = serde_json::to_string(&*oldest).expect("chunk json");
        c.benchmark_group("chunk_parse_of").bench_function(BenchmarkId::from_parameter(total), |b| {
            b.iter(|| black_box(serde_json::from_str::<Chunk>(&json).expect("parse")))
        });
        // Its list, as KV keeps it (the in-memory store holds lists parsed, so the JSON is the publish's own).
        let whole = block_on(store.index(Part::Whole)).expect("whole");
        let key = list_key(0, front.list_version(0).expect("lists"));
        let (_, list, write) = whole.keyed_chunks().into_iter().find(|(k, ..)| *k == key).expect("the list is stored");
        let json = write(list).expect("list json");
        c.benchmark_group("list_parse_of").bench_function(BenchmarkId::from_parameter(total), |b| {
            b.iter(|| black_box(serde_json::from_str::<List>(&json).expect("parse")))
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).warm_up_time(std::time::Duration::from_millis(700))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = post_page, list_and_feed
}
criterion_main!(benches);
