//! Load with nothing lost: 1,000 comments from 20 concurrent clients, mixed with 20,000 page reads, against the
//! local runtime on 127.0.0.1. Bounded in count and time; every comment must be stored exactly once.

use crate::support::{set_var, TestApp, ADMIN_TOKEN};
use crate::OwnAppTest;
use edge_blog::core::moderation::{form_token, signing_key};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub const TESTS: &[OwnAppTest] = &[("load_1000_comments_and_20000_reads_lose_nothing", load_1000_comments_and_20000_reads_lose_nothing)];

/// Requests sent, for RELIABILITY.md.
pub static SENT: AtomicUsize = AtomicUsize::new(0);

const CLIENTS: usize = 20;
const COMMENTS_PER_CLIENT: usize = 50;
const READS_PER_COMMENT: usize = 20;
const SLUG: &str = "tracking-sleep-gently";
const READS: [&str; 7] = [
    "/",
    "/posts/tracking-sleep-gently/",
    "/tags/",
    "/archive/",
    "/feed.xml",
    "/search?q=sleep",
    "/posts/tracking-sleep-gently/comments.xml",
];
/// The whole run must end within this time, whatever happens.
const TIME_LIMIT: Duration = Duration::from_secs(600);

fn load_1000_comments_and_20000_reads_lose_nothing() {
    let app = TestApp::start_with(|config| set_var(config, "COMMENT_RATE_LIMIT", "1000"));
    let key = signing_key(None, Some(ADMIN_TOKEN)).expect("key");
    let started = Instant::now();
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for client in 0..CLIENTS {
            let (app, key, failures) = (&app, &key, &failures);
            scope.spawn(move || {
                let ip = format!("198.18.{client}.1");
                for n in 0..COMMENTS_PER_CLIENT {
                    if started.elapsed() > TIME_LIMIT {
                        failures.lock().expect("lock").push("time limit reached".to_string());
                        return;
                    }
                    let issued = form_token(key, SLUG, chrono::Utc::now().timestamp() - 10, &crate::support::nonce());
                    let body = format!("load comment {n} from client {client}");
                    let fields = [("issued", issued.as_str()), ("author", "Load Reader"), ("body", body.as_str())];
                    let r = app.post_form(&format!("/posts/{SLUG}/comments"), &fields, &ip);
                    SENT.fetch_add(1, Ordering::Relaxed);
                    if r.status != 303 {
                        failures.lock().expect("lock").push(format!("comment {n} of client {client}: {}", r.status));
                    }
                    for k in 0..READS_PER_COMMENT {
                        let path = READS[(n + k + client) % READS.len()];
                        let r = app.get(path);
                        SENT.fetch_add(1, Ordering::Relaxed);
                        if r.status != 200 {
                            failures.lock().expect("lock").push(format!("GET {path}: {}", r.status));
                        }
                    }
                }
            });
        }
    });
    let elapsed = started.elapsed();
    let rows = app.d1(&format!("SELECT COUNT(*) AS n FROM comments WHERE post = '{SLUG}' AND body LIKE 'load comment %'"));
    let stored = rows.first().and_then(|r| r["n"].as_u64()).unwrap_or(0) as usize;
    let distinct = app.d1(&format!("SELECT COUNT(DISTINCT body) AS n FROM comments WHERE post = '{SLUG}' AND body LIKE 'load comment %'"));
    let distinct = distinct.first().and_then(|r| r["n"].as_u64()).unwrap_or(0) as usize;
    let failures = failures.into_inner().expect("lock");
    let expected = CLIENTS * COMMENTS_PER_CLIENT;
    println!(
        "load: {} requests ({expected} comments, {} reads) from {CLIENTS} clients in {:.1} s; {stored} rows stored, {} lost, {} failures",
        SENT.load(Ordering::Relaxed),
        expected * READS_PER_COMMENT,
        elapsed.as_secs_f64(),
        expected.saturating_sub(stored),
        failures.len()
    );
    assert!(failures.is_empty(), "{} failures, first: {:?}", failures.len(), &failures[..failures.len().min(10)]);
    assert_eq!(stored, expected, "rows stored");
    assert_eq!(distinct, expected, "each comment stored once");
}
