//! End-to-end tests: the real worker on the local runtime (wrangler dev, workerd) with real local KV and D1,
//! and headless Chromium. One server is started for the whole run; each test uses its own slugs.
//!
//! Run with `make e2e` (after `make build`); `cargo test --test e2e -- <filter>` runs the tests whose name contains the filter.

mod admin;
mod browser;
mod comments;
mod publishing;
mod reader;
mod support;
mod wxr;
mod xss;

use std::panic::{catch_unwind, AssertUnwindSafe};
use support::TestApp;

type Test = (&'static str, fn(&TestApp));

fn main() {
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let tests: Vec<Test> = [reader::TESTS, publishing::TESTS, comments::TESTS, admin::TESTS, wxr::TESTS, browser::TESTS, xss::TESTS]
        .concat()
        .into_iter()
        .filter(|(name, _)| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str())))
        .collect();
    println!("running {} end-to-end tests", tests.len());
    let app = TestApp::start();
    println!("local runtime ready at {}", app.base);
    let mut failed = Vec::new();
    for (name, test) in &tests {
        match catch_unwind(AssertUnwindSafe(|| test(&app))) {
            Ok(()) => println!("test {name} ... ok"),
            Err(_) => {
                println!("test {name} ... FAILED");
                failed.push(*name);
            }
        }
    }
    drop(app);
    println!();
    if !failed.is_empty() {
        println!("failures:\n    {}", failed.join("\n    "));
    }
    let passed = tests.len() - failed.len();
    println!(
        "test result: {}. {passed} passed; {} failed; 0 ignored; 0 measured; 0 filtered out",
        if failed.is_empty() { "ok" } else { "FAILED" },
        failed.len()
    );
    std::process::exit(if failed.is_empty() { 0 } else { 1 });
}
