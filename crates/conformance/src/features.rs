//! Where the feature files come from: the copy embedded in the binary at build time (the default,
//! so that `restpoint conform` needs no checkout), or a folder given with `--features DIR`.
//!
//! Either way the files are read into memory once and parsed from there: the coverage check and
//! cucumber (through [`MemoryParser`]) see the same text, and nothing is read from disk while the
//! suite runs.

use std::path::{Path, PathBuf};

use cucumber::feature::Ext as _;
use cucumber::gherkin;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_features.rs"));
}

/// The path that embedded feature files are shown under in reports (where they live in the
/// repository): `crates/conformance/features/em/logon.feature`.
pub const EMBEDDED_ROOT: &str = "crates/conformance/features";

/// One feature file: the path it is reported under and its text.
#[derive(Clone, Debug)]
pub struct FeatureFile {
    /// The path shown in reports; its parent folder names the product (`.../em/logon.feature`).
    pub path: PathBuf,
    /// The Gherkin text.
    pub text: String,
}

/// A set of feature files held in memory.
#[derive(Clone, Debug)]
pub struct FeatureSet {
    /// Where the files came from, for messages (`embedded` or the folder).
    pub origin: String,
    /// The files, sorted by path.
    pub files: Vec<FeatureFile>,
}

impl FeatureSet {
    /// The feature files built into this binary (`crates/conformance/features/`).
    pub fn embedded() -> FeatureSet {
        FeatureSet {
            origin: format!("embedded ({EMBEDDED_ROOT})"),
            files: embedded::FILES
                .iter()
                .map(|(rel, text)| FeatureFile {
                    path: Path::new(EMBEDDED_ROOT).join(rel),
                    text: (*text).to_owned(),
                })
                .collect(),
        }
    }

    /// Every `*.feature` file under `dir` (recursively), read now.
    pub fn from_dir(dir: &Path) -> anyhow::Result<FeatureSet> {
        anyhow::ensure!(
            dir.is_dir(),
            "the feature folder {} does not exist",
            dir.display()
        );
        let mut files = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            let entries = std::fs::read_dir(&d)
                .map_err(|e| anyhow::anyhow!("cannot read feature folder {}: {e}", d.display()))?;
            for entry in entries {
                let path = entry?.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "feature") {
                    let text = std::fs::read_to_string(&path)
                        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
                    files.push(FeatureFile { path, text });
                }
            }
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(FeatureSet {
            origin: dir.display().to_string(),
            files,
        })
    }

    /// `--features DIR` when given, else the embedded files.
    pub fn from_option(dir: Option<&Path>) -> anyhow::Result<FeatureSet> {
        match dir {
            Some(d) => FeatureSet::from_dir(d),
            None => Ok(FeatureSet::embedded()),
        }
    }

    /// Only the files whose parent folder is named `folder` (`clients`).
    pub fn folder(&self, folder: &str) -> FeatureSet {
        FeatureSet {
            origin: format!("{} ({folder}/)", self.origin),
            files: self
                .files
                .iter()
                .filter(|f| parent_name(&f.path) == Some(folder))
                .cloned()
                .collect(),
        }
    }

    /// Parses every file; the features carry their [`FeatureFile::path`] as their path.
    pub fn parse(&self) -> anyhow::Result<Vec<gherkin::Feature>> {
        self.files.iter().map(parse_file).collect()
    }
}

/// The name of the folder that holds `path`.
pub fn parent_name(path: &Path) -> Option<&str> {
    path.parent()?.file_name()?.to_str()
}

fn parse_file(file: &FeatureFile) -> anyhow::Result<gherkin::Feature> {
    let mut feature = gherkin::Feature::parse(&file.text, gherkin::GherkinEnv::default())
        .map_err(|e| anyhow::anyhow!("cannot parse {}: {e}", file.path.display()))?;
    feature.path = Some(file.path.clone());
    Ok(feature)
}

/// A cucumber [`Parser`](cucumber::Parser) that takes its features from a [`FeatureSet`] in
/// memory instead of reading a folder.
#[derive(Clone, Copy, Debug, Default)]
pub struct MemoryParser;

impl cucumber::Parser<FeatureSet> for MemoryParser {
    type Cli = cucumber::cli::Empty;
    type Output =
        futures::stream::Iter<std::vec::IntoIter<cucumber::parser::Result<gherkin::Feature>>>;

    fn parse(self, input: FeatureSet, _: Self::Cli) -> Self::Output {
        let features: Vec<_> = input
            .files
            .iter()
            .map(|file| {
                let mut feature =
                    gherkin::Feature::parse(&file.text, gherkin::GherkinEnv::default()).map_err(
                        |source| gherkin::ParseFileError::Parsing {
                            path: file.path.clone(),
                            error: None,
                            source,
                        },
                    )?;
                feature.path = Some(file.path.clone());
                Ok(feature.expand_examples()?)
            })
            .collect();
        futures::stream::iter(features)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_binary_carries_every_product_folder() {
        let set = FeatureSet::embedded();
        for folder in ["em", "vbr", "zvm", "clients"] {
            assert!(
                !set.folder(folder).files.is_empty(),
                "no embedded feature file in {folder}/"
            );
        }
        let parsed = set.parse().expect("the embedded files parse");
        assert_eq!(parsed.len(), set.files.len());
    }

    #[test]
    fn the_embedded_files_are_the_crates_folder() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("features");
        let on_disk = FeatureSet::from_dir(&dir).expect("the crate's features folder");
        let rel = |s: &FeatureSet, root: &Path| -> Vec<(PathBuf, String)> {
            s.files
                .iter()
                .map(|f| {
                    (
                        f.path.strip_prefix(root).unwrap().to_owned(),
                        f.text.clone(),
                    )
                })
                .collect()
        };
        assert_eq!(
            rel(&FeatureSet::embedded(), Path::new(EMBEDDED_ROOT)),
            rel(&on_disk, &dir)
        );
    }
}
