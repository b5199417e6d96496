//! The examples written for `sanctum-core` (the repository's README and the crate's README),
//! compiled as doctests of a package that, like an application using `sanctum-core`, depends
//! on no other sanctum crate. `../build.rs` collects them. Not published.

/// The examples, as doctests.
#[cfg(doctest)]
#[doc = include_str!(concat!(env!("OUT_DIR"), "/examples.md"))]
pub struct Examples;
