//! Embeds the feature files: writes `$OUT_DIR/embedded_features.rs`, a list of every file under
//! `features/` (its path relative to that folder and its text, by `include_str!`), so that the
//! `restpoint` binary runs the suite without a checkout.

use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"))
        .join("features");
    println!("cargo:rerun-if-changed=features");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let mut out = String::from(
        "/// Every file of `features/`: (path relative to that folder, with `/`, text).\n\
         pub(crate) const FILES: &[(&str, &str)] = &[\n",
    );
    for file in &files {
        let rel = file
            .strip_prefix(&root)
            .expect("under the root")
            .components()
            .map(|c| c.as_os_str().to_str().expect("UTF-8 file names"))
            .collect::<Vec<_>>()
            .join("/");
        out.push_str(&format!(
            "    ({rel:?}, include_str!({:?})),\n",
            file.to_str().expect("UTF-8 path")
        ));
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"))
        .join("embedded_features.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "feature") {
            files.push(path);
        }
    }
}
