//! Collects the examples that claim one sanctum crate into `$OUT_DIR/examples.md`, which the
//! package's `lib.rs` compiles as doctests. The package depends on that one crate (and on what
//! any application would: tokio, the web framework, ...), never on another sanctum crate, so an
//! example that names a crate its reader does not depend on fails here with E0433.
//!
//! - The repository's README: its `rust` blocks that name `sanctum_axum` belong to
//!   `readme-check-axum`, those that name `sanctum_actix` to `readme-check-actix`, the others
//!   to `readme-check-core`.
//! - The crate's own README: every `rust` block.
//! - An adapter's sources: every doc-comment example (they are what a user copies from
//!   docs.rs). `compile_fail` and `ignore` examples are left to the crate's own doctests.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let root = manifest.join("../..");
    let package = std::env::var("CARGO_PKG_NAME").expect("cargo sets it");
    let krate = package
        .strip_prefix("readme-check-")
        .expect("a readme-check-* package");
    let mut out = String::new();

    let readme = root.join("README.md");
    for block in fenced_blocks(&read(&readme), false) {
        if claimed_by(&block.code) == krate {
            push(&mut out, &readme, &block);
        }
    }
    let own = root.join(format!("sanctum-{krate}"));
    let own_readme = own.join("README.md");
    for block in fenced_blocks(&read(&own_readme), false) {
        push(&mut out, &own_readme, &block);
    }
    if krate != "core" {
        let mut sources = Vec::new();
        rust_files(&own.join("src"), &mut sources);
        sources.sort();
        for file in sources {
            for block in doc_comment_blocks(&read(&file)) {
                push(&mut out, &file, &block);
            }
        }
        println!("cargo::rerun-if-changed={}", own.join("src").display());
    }
    println!("cargo::rerun-if-changed={}", readme.display());
    println!("cargo::rerun-if-changed={}", own_readme.display());
    let target =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it")).join("examples.md");
    std::fs::write(&target, out).expect("OUT_DIR is writable");
}

/// The crate a README example is written for.
fn claimed_by(code: &str) -> &'static str {
    if code.contains("sanctum_axum") {
        "axum"
    } else if code.contains("sanctum_actix") {
        "actix"
    } else {
        "core"
    }
}

struct Block {
    line: usize,
    info: String,
    code: String,
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn push(out: &mut String, path: &Path, block: &Block) {
    let name = path.display().to_string();
    let name = name.rsplit("/../").next().unwrap_or(&name);
    let _ = write!(
        out,
        "\n`{name}`, line {}:\n\n```{}\n{}```\n",
        block.line, block.info, block.code
    );
}

/// The Rust blocks of markdown text; `doc_comment`: an untagged block is Rust (rustdoc's rule
/// in doc comments), else only blocks tagged `rust` are.
fn fenced_blocks(text: &str, doc_comment: bool) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        match open.as_mut() {
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    open = Some(Block {
                        line: n + 1,
                        info: info.trim().to_owned(),
                        code: String::new(),
                    });
                }
            }
            Some(block) => {
                if trimmed.starts_with("```") {
                    let block = open.take().expect("open");
                    if is_compiled_rust(&block.info, doc_comment) {
                        blocks.push(Block {
                            info: if block.info.is_empty() {
                                "rust".to_owned()
                            } else {
                                block.info.clone()
                            },
                            ..block
                        });
                    }
                } else {
                    block.code.push_str(line);
                    block.code.push('\n');
                }
            }
        }
    }
    blocks
}

/// Whether rustdoc compiles a block with this info string and it should compile here.
fn is_compiled_rust(info: &str, doc_comment: bool) -> bool {
    let tokens: Vec<&str> = info
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .collect();
    let rust = tokens.contains(&"rust") || (doc_comment && !tokens.iter().any(|t| !known(t)));
    rust && !tokens
        .iter()
        .any(|t| matches!(*t, "compile_fail" | "ignore"))
}

fn known(token: &str) -> bool {
    matches!(
        token,
        "rust" | "no_run" | "should_panic" | "compile_fail" | "ignore"
    ) || token.starts_with("edition")
}

/// The examples of a source file's doc comments (`///` and `//!`), with their line numbers.
fn doc_comment_blocks(source: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut chunk = String::new();
    let mut first_line = 0;
    let mut flush = |chunk: &mut String, first_line: usize| {
        for mut block in fenced_blocks(chunk, true) {
            block.line += first_line;
            blocks.push(block);
        }
        chunk.clear();
    };
    for (n, line) in source.lines().enumerate() {
        let trimmed = line.trim_start();
        let doc = trimmed
            .strip_prefix("///")
            .or_else(|| trimmed.strip_prefix("//!"));
        match doc {
            Some(text) => {
                if chunk.is_empty() {
                    first_line = n;
                }
                chunk.push_str(text.strip_prefix(' ').unwrap_or(text));
                chunk.push('\n');
            }
            None if !chunk.is_empty() => flush(&mut chunk, first_line),
            None => {}
        }
    }
    if !chunk.is_empty() {
        flush(&mut chunk, first_line);
    }
    blocks
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}
