//! Checks of the workspace's manifests: every crate a user depends on can be published
//! (`cargo publish --workspace --dry-run` in `.ci/run` proves it builds from its package; these
//! tests name what is missing without a build).

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use serde_json::Value;

    /// The crates a user depends on: published to crates.io.
    const PUBLISHED: [&str; 11] = [
        "restpoint-clock",
        "restpoint-codegen",
        "restpoint-drift",
        "restpoint-session",
        "restpoint-vbr",
        "restpoint-zvm",
        "restpoint-em",
        "restpoint-emulator",
        "restpoint-conformance",
        "restpoint-schema-check",
        "restpoint",
    ];

    /// Project tooling: never published.
    const UNPUBLISHED: [&str; 3] = ["xtask", "restpoint-bench", "restpoint-hardening"];

    /// `cargo metadata --no-deps` of the workspace: its packages.
    fn packages() -> Vec<Value> {
        let output = std::process::Command::new(env!("CARGO"))
            .args([
                "metadata",
                "--no-deps",
                "--format-version",
                "1",
                "--manifest-path",
            ])
            .arg(crate::regen::repo_root().join("Cargo.toml"))
            .output()
            .expect("cargo metadata runs");
        assert!(
            output.status.success(),
            "cargo metadata: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let metadata: Value = serde_json::from_slice(&output.stdout).unwrap();
        metadata["packages"].as_array().unwrap().clone()
    }

    fn is_published(package: &Value) -> bool {
        // `publish = false` is an empty list of registries.
        package["publish"].as_array().is_none_or(|r| !r.is_empty())
    }

    fn folder(package: &Value) -> PathBuf {
        Path::new(package["manifest_path"].as_str().unwrap())
            .parent()
            .unwrap()
            .to_path_buf()
    }

    fn find<'a>(packages: &'a [Value], name: &str) -> &'a Value {
        packages
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("no workspace package {name}"))
    }

    #[test]
    fn the_crates_users_depend_on_are_published_and_the_tooling_is_not() {
        let packages = packages();
        for name in PUBLISHED {
            assert!(
                is_published(find(&packages, name)),
                "{name} has publish = false"
            );
        }
        for name in UNPUBLISHED {
            assert!(
                !is_published(find(&packages, name)),
                "{name} needs publish = false"
            );
        }
    }

    /// crates.io's metadata on every published crate, and both license files in its package.
    #[test]
    fn published_crates_carry_metadata_and_license_files() {
        let root = crate::regen::repo_root();
        let mit = std::fs::read_to_string(root.join("LICENSE-MIT")).unwrap();
        let apache = std::fs::read_to_string(root.join("LICENSE-APACHE")).unwrap();
        assert!(mit.contains("Permission is hereby granted") && apache.contains("Version 2.0"));
        for package in packages().iter().filter(|p| is_published(p)) {
            let name = package["name"].as_str().unwrap();
            let description = package["description"].as_str().unwrap_or_default();
            assert!(
                description.len() >= 60,
                "{name}: description {description:?}"
            );
            assert_eq!(package["license"], "MIT OR Apache-2.0", "{name}");
            for field in ["repository", "homepage"] {
                let url = package[field].as_str().unwrap_or_default();
                assert!(
                    url.starts_with("https://") && !url.contains(".invalid"),
                    "{name}: {field} {url:?}"
                );
            }
            assert_eq!(
                package["documentation"].as_str(),
                Some(format!("https://docs.rs/{name}").as_str()),
                "{name}"
            );
            let keywords = package["keywords"].as_array().unwrap();
            assert!((1..=5).contains(&keywords.len()), "{name}: keywords");
            assert!(
                !package["categories"].as_array().unwrap().is_empty(),
                "{name}: categories"
            );
            let readme = package["readme"].as_str().expect("a readme");
            let dir = folder(package);
            assert!(dir.join(readme).is_file(), "{name}: {readme} is missing");
            for (file, text) in [("LICENSE-MIT", &mit), ("LICENSE-APACHE", &apache)] {
                let copy = std::fs::read_to_string(dir.join(file))
                    .unwrap_or_else(|e| panic!("{name}: {file}: {e}"));
                assert_eq!(&copy, text, "{name}: {file} differs from the root's");
            }
        }
    }

    /// A published crate names its workspace dependencies by the workspace's version (cargo
    /// drops the path when packaging) and depends on no unpublished crate, except as a path-only
    /// dev-dependency, which cargo strips from the package.
    #[test]
    fn workspace_dependencies_carry_the_workspace_version() {
        let packages = packages();
        let version = env!("CARGO_PKG_VERSION");
        for package in packages.iter().filter(|p| is_published(p)) {
            let name = package["name"].as_str().unwrap();
            for dep in package["dependencies"].as_array().unwrap() {
                let dep_name = dep["name"].as_str().unwrap();
                let Some(target) = packages.iter().find(|p| p["name"] == dep_name) else {
                    continue;
                };
                let req = dep["req"].as_str().unwrap();
                let dev = dep["kind"] == "dev";
                if is_published(target) {
                    assert_eq!(req, format!("^{version}"), "{name} -> {dep_name}");
                } else {
                    assert!(
                        dev && req == "*",
                        "{name} -> {dep_name}: an unpublished crate, only as a path-only dev-dependency"
                    );
                }
            }
        }
    }

    /// `.ci/run` verifies the packages with Cargo.toml's dev profile (a package is a workspace of
    /// its own and would not see it): its `--config` lines repeat the profile's debug settings.
    #[test]
    fn ci_packages_with_the_workspace_dev_profile() {
        let root = crate::regen::repo_root();
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        let ci = std::fs::read_to_string(root.join(".ci/run")).unwrap();
        let debug_of = |section: &str| {
            let start = manifest
                .find(&format!("\n{section}\n"))
                .unwrap_or_else(|| panic!("Cargo.toml has no {section}"));
            let body = &manifest[start + section.len() + 2..];
            let body = &body[..body.find("\n[").unwrap_or(body.len())];
            body.lines()
                .find_map(|l| l.strip_prefix("debug = "))
                .unwrap_or_else(|| panic!("{section} sets no debug"))
                .to_string()
        };
        for (section, key) in [
            ("[profile.dev]", "profile.dev.debug"),
            (
                "[profile.dev.package.\"*\"]",
                "profile.dev.package.\"*\".debug",
            ),
        ] {
            let line = format!("--config '{key}={}'", debug_of(section));
            assert!(ci.contains(&line), ".ci/run lacks {line}");
        }
        assert!(ci.contains("cargo publish --workspace --dry-run"));
    }
}
