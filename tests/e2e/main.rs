//! End-to-end tests: the real worker on the local runtime (wrangler dev, workerd) with real local KV and D1,
//! and headless Chromium. One server is started for the whole run; each test uses its own slugs.
//!
//! Run with `make e2e` (after `make build`); `cargo test --test e2e -- <filter>` runs the tests whose name contains the filter.

mod admin;
mod browser;
mod cache;
mod comments;
mod faults;
mod hostile;
mod load;
mod publishing;
mod reader;
mod scale;
mod support;
mod wxr;
mod xss;

use std::panic::{catch_unwind, AssertUnwindSafe};
use support::TestApp;

type Test = (&'static str, fn(&TestApp));
/// A test that starts its own app (a broken or differently configured one) after the shared app has stopped,
/// so that only one local runtime runs at a time.
type OwnAppTest = (&'static str, fn());

fn main() {
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let selected = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));
    let own_app: Vec<OwnAppTest> =
        [faults::TESTS, cache::TESTS, scale::TESTS, load::TESTS].concat().into_iter().filter(|(name, _)| selected(name)).collect();
    let tests: Vec<Test> =
        [reader::TESTS, publishing::TESTS, comments::TESTS, admin::TESTS, wxr::TESTS, browser::TESTS, xss::TESTS, hostile::TESTS]
            .concat()
            .into_iter()
            .filter(|(name, _)| selected(name))
            .collect();
    println!("running {} end-to-end tests", tests.len() + own_app.len());
    let mut failed = Vec::new();
    let mut report = |name: &'static str, outcome: std::thread::Result<()>| match outcome {
        Ok(()) => println!("test {name} ... ok"),
        Err(_) => {
            println!("test {name} ... FAILED");
            failed.push(name);
        }
    };
    if !tests.is_empty() {
        let app = TestApp::start();
        println!("local runtime ready at {}", app.base);
        for (name, test) in &tests {
            report(name, catch_unwind(AssertUnwindSafe(|| test(&app))));
        }
    }
    for (name, test) in &own_app {
        report(name, catch_unwind(AssertUnwindSafe(test)));
    }
    // The counts RELIABILITY.md reports.
    use std::sync::atomic::Ordering::Relaxed;
    println!(
        "reliability: {} bad requests sent, {} faults injected, {} load requests sent",
        hostile::SENT.load(Relaxed),
        faults::INJECTED.load(Relaxed),
        load::SENT.load(Relaxed)
    );
    println!();
    if !failed.is_empty() {
        println!("failures:\n    {}", failed.join("\n    "));
    }
    let passed = tests.len() + own_app.len() - failed.len();
    println!(
        "test result: {}. {passed} passed; {} failed; 0 ignored; 0 measured; 0 filtered out",
        if failed.is_empty() { "ok" } else { "FAILED" },
        failed.len()
    );
    std::process::exit(if failed.is_empty() { 0 } else { 1 });
}
