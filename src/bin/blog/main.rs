//! `blog`: write, check and publish posts from the command line; import from and export to WordPress.

#[cfg(not(target_arch = "wasm32"))]
mod cli;
#[cfg(not(target_arch = "wasm32"))]
mod wordpress;
#[cfg(not(target_arch = "wasm32"))]
mod wrangler;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

// The CLI is native-only; the wasm build of this package is the worker library.
#[cfg(target_arch = "wasm32")]
fn main() {}
