//! The examples written for `sanctum-actix` (the repository's README, the crate's README and
//! its doc comments), compiled as doctests of a package that, like an application using
//! `sanctum-actix`, depends on no other sanctum crate. `../build.rs` collects them. Not
//! published.

/// The examples, as doctests.
#[cfg(doctest)]
#[doc = include_str!(concat!(env!("OUT_DIR"), "/examples.md"))]
pub struct Examples;
