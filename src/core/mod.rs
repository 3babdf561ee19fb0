//! The pure domain: no worker types, no clock, no randomness, no I/O.

pub mod admin_views;
pub mod archive;
pub mod auth;
pub mod comment;
pub mod config;
pub mod date;
pub mod feed;
pub mod front_matter;
pub mod hash;
pub mod html_to_markdown;
pub mod index;
pub mod markdown;
pub mod moderation;
pub mod named;
pub mod post;
pub mod route;
pub mod sanitize;
pub mod search;
pub mod slug;
pub mod token;
pub mod toml_lite;
pub mod url;
pub mod views;
pub mod wxr;
pub mod xml;
