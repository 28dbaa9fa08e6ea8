//! The README's Rust code compiles: every ```` ```rust ```` block of `README.md` is preceded by
//! `<!-- example: PATH -->` and equals, line for line, the part of that example program between
//! its `// README:begin` and `// README:end` lines. The example programs
//! (`crates/<product>/examples/readme_*.rs`) are built by `cargo test` and `cargo clippy
//! --all-targets`, so a README example that no longer compiles fails the build.

use restpoint_testkit::repo_root;

/// The README's Rust blocks: (the example file named before the block, the block's text).
fn rust_blocks(readme: &str) -> Vec<(Option<String>, String, usize)> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_start().starts_with("```rust") {
            let marker = i
                .checked_sub(1)
                .and_then(|j| lines[j].trim().strip_prefix("<!-- example: "))
                .and_then(|m| m.strip_suffix(" -->"))
                .map(str::to_owned);
            let start = i + 1;
            let mut end = start;
            while end < lines.len() && lines[end].trim_start() != "```" {
                end += 1;
            }
            let mut text = lines[start..end].join("\n");
            text.push('\n');
            out.push((marker, text, i + 1));
            i = end;
        }
        i += 1;
    }
    out
}

fn quoted_part(file: &str) -> Option<String> {
    let (_, rest) = file.split_once("// README:begin\n")?;
    let (part, _) = rest.split_once("// README:end")?;
    Some(part.to_owned())
}

#[test]
fn every_rust_block_of_the_readme_is_a_built_example() {
    let root = repo_root();
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let blocks = rust_blocks(&readme);
    assert!(
        blocks.len() >= 4,
        "the README's Rust examples: {}",
        blocks.len()
    );
    let mut problems = Vec::new();
    for (marker, text, line) in blocks {
        let Some(path) = marker else {
            problems.push(format!(
                "README.md:{line}: a Rust block without `<!-- example: crates/<product>/examples/readme_*.rs -->` before it"
            ));
            continue;
        };
        let name = path.rsplit('/').next().unwrap_or_default();
        if !(path.contains("/examples/") && name.starts_with("readme_")) {
            problems.push(format!(
                "README.md:{line}: {path} is not an examples/readme_*.rs file"
            ));
        }
        let Ok(file) = std::fs::read_to_string(root.join(&path)) else {
            problems.push(format!("README.md:{line}: {path} does not exist"));
            continue;
        };
        match quoted_part(&file) {
            None => problems.push(format!("{path}: no `// README:begin` … `// README:end` part")),
            Some(part) if part != text => problems.push(format!(
                "README.md:{line}: the block differs from {path}'s README part; copy it again:\n{part}"
            )),
            Some(_) => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
