//! Edge blog: Markdown posts in Workers KV, comments in D1, rendered by a Cloudflare worker.
//!
//! `core` is pure and host-testable, `store` names what storage must do, `app` holds the use cases,
//! and `edge` adapts them to the Workers runtime (compiled for wasm32 only).

pub mod app;
pub mod core;
pub mod store;

#[cfg(target_arch = "wasm32")]
mod edge;
