//! The examples written for `sanctum-axum` (the repository's README, the crate's README and
//! its doc comments), compiled as doctests of a package that, like an application using
//! `sanctum-axum`, depends on no other sanctum crate. `../build.rs` collects them. Not
//! published.

/// The examples, as doctests.
#[cfg(doctest)]
#[doc = include_str!(concat!(env!("OUT_DIR"), "/examples.md"))]
pub struct Examples;
