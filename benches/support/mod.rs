//! Synthetic content shared by the criterion benches and the HTTP seeding example, so both measure the same work.
#![allow(dead_code)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use edge_blog::app::prepare;
use edge_blog::core::comment::CommentStatus;
use edge_blog::core::markdown::render_comment;
use edge_blog::core::post::Kind;
use edge_blog::store::{CommentRecord, PublishedDoc};

/// A real post of the sample site (a table, a code block, a list, strikethrough, a footnote), ~3 KB.
const SAMPLE_POST: &str = include_str!("../../content/posts/tracking-sleep-gently.md");

/// Comment counts of the posts the benches read: `bench-c0`, `bench-c1`, `bench-c50`, `bench-c500`.
pub const COMMENTED: [usize; 4] = [0, 1, 50, 500];

/// The slug of the post carrying `comments` approved comments.
pub fn bench_slug(comments: usize) -> String {
    format!("bench-c{comments}")
}

/// The instant every fixture is dated from; posts go back one hour each.
pub fn newest() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).single().unwrap_or_default()
}

fn sample_body() -> &'static str {
    // Everything after the closing `+++` of the front matter.
    SAMPLE_POST.splitn(3, "+++\n").nth(2).unwrap_or(SAMPLE_POST)
}

/// The full sample post, as the author's file, with its own title, date and slug.
pub fn full_post_source(slug: &str, n: usize) -> String {
    let date = (newest() - Duration::hours(n as i64)).format("%Y-%m-%dT%H:%M:%SZ");
    format!(
        "+++\ntitle = \"Tracking Sleep, Gently ({n})\"\ndate = {date}\nslug = \"{slug}\"\ntags = [\"sleep\", \"practice\", \"notes\"]\n\
         summary = \"A simple paper sleep diary, and how to keep it without turning rest into another test.\"\n+++\n{}",
        sample_body()
    )
}

/// A short filler post (~700 bytes), so that 10,000 of them seed in seconds.
pub fn filler_post_source(slug: &str, n: usize) -> String {
    let date = (newest() - Duration::hours(n as i64)).format("%Y-%m-%dT%H:%M:%SZ");
    let tag = ["practice", "sleep", "listening", "care", "craft"][n % 5];
    format!(
        "+++\ntitle = \"Field note number {n}\"\ndate = {date}\nslug = \"{slug}\"\ntags = [\"{tag}\", \"notes\"]\n+++\n\
         A short note on *attention* and the small habits that hold a day together; number {n} of many.\n\n\
         <!-- more -->\n\n## What helped\n\n- A walk before the first message of the day.\n- Writing one line at night.\n\
         - Saying **no** to one thing.\n\nThe rest is [in the archive](/archive/) and in the longer posts.\n"
    )
}

/// `total` posts: the four bench posts first (newest), then fillers, each prepared exactly as `blog publish` does.
pub fn posts(total: usize) -> Vec<PublishedDoc> {
    (0..total)
        .map(|n| {
            let (slug, source) = match COMMENTED.get(n) {
                Some(&c) => (bench_slug(c), full_post_source(&bench_slug(c), n)),
                None => {
                    let slug = format!("note-{n:05}");
                    let source = filler_post_source(&slug, n);
                    (slug, source)
                }
            };
            match prepare(Kind::Post, &source, Some(&slug)) {
                Ok(doc) => doc,
                Err(e) => panic!("fixture {slug} does not parse: {e}"),
            }
        })
        .collect()
}

const COMMENT_BODIES: [&str; 4] = [
    "Thank you for this. I kept a diary for two weeks and the *pattern* surprised me: weekends, not screens.",
    "A question: do you count a nap as part of the night, or as its own line? I have been doing the latter.",
    "This is the gentlest advice on sleep I have read. The bit about **getting-up time** changed my mornings.\n\nSee also [a related note](https://example.org/notes/sleep).",
    "I tried the TOML template in a text file, and `rested = 3` became my most common line. Fair enough.",
];

/// `count` approved comments on `post`: every third one replies to the one before, so threading has work.
pub fn comments(post: &str, count: usize, first_id: i64) -> Vec<(i64, CommentRecord)> {
    (0..count)
        .map(|i| {
            let id = first_id + i as i64;
            let body = COMMENT_BODIES[i % COMMENT_BODIES.len()].to_string();
            let created = (newest() + Duration::minutes(i as i64)).format("%Y-%m-%dT%H:%M:%SZ").to_string();
            let record = CommentRecord {
                post: post.to_string(),
                parent: (i % 3 == 2).then_some(id - 1),
                author: format!("Reader {i}"),
                email: None,
                email_hash: None,
                url: (i % 4 == 0).then(|| format!("https://example.org/~reader{i}")),
                body_html: render_comment(&body),
                body,
                status: CommentStatus::Approved,
                held_reason: None,
                created_at: created,
                manage_hash: format!("{post}-{id:08}"),
                body_hash: format!("body-{id}"),
            };
            (id, record)
        })
        .collect()
}
