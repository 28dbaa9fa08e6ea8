//! Server profiles: a real release's behaviour as a whole, named by build, as a table of
//! differences from the default emulator (issue 13, item 4).
//!
//! A [`Profile`] is data: the product it models, the release, a list of [`Difference`]s (each one
//! a [`Setting`] and the rule of `protocol-facts.md` that makes it differ) and a list of
//! [`Note`]s where the facts name no difference between releases (so that none is invented).
//! [`EmulatorConfig::profile`] starts from [`EmulatorConfig::default`] and applies the
//! differences; [`EmulatorConfig::with_profile`] applies them to any configuration (ports, clock
//! and users are left alone).
//!
//! What is never part of a profile, because the facts make it depend on the *request* and not on
//! the release: which VBR endpoints exist and the shape of VBR answers follow the revision a
//! request asks for (VBR-05, VBR-11, VBR-13); a profile only bounds the revisions served.
//!
//! This module holds the types and the mechanics (lookup, applying, describing); the profiles
//! themselves are the table in `profile/table.rs`.

use std::fmt;
use std::time::Duration;

use crate::behaviour::{EmTokenForm, VbrMissingVersion, ZvmKind};
use crate::config::{EmulatorConfig, Vbr401Body};
use crate::state::Product;

mod table;

use table::PROFILES;

/// One setting of the emulator that a profile changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// The EM versions served, oldest first; the last is `latest` (EM-13).
    EmVersions(&'static [&'static str]),
    /// The VBR `x-api-version` revisions served (VBR-13).
    VbrApiVersions(&'static [&'static str]),
    /// The VBR-12 reading: how a refused access token is answered.
    Vbr401Body(Vbr401Body),
    /// The VBR-08 reading: a request without `x-api-version`.
    VbrMissingVersion(VbrMissingVersion),
    /// VBR access token lifetime in seconds (VBR-02).
    VbrAccessSecs(u64),
    /// The EM-14 reading: the form of the EM token.
    EmTokenForm(EmTokenForm),
    /// The EM-15 reading: a byte-order mark before EM JSON answers.
    EmJsonBom(bool),
    /// Which ZVM kinds are served (ZVM-09, ZVM-10).
    ZvmKind(ZvmKind),
    /// The ZVM-11 reading: `/v1/...` refuses Appliance tokens issued without `scope=openid`.
    ZvmRequireOpenidScope(bool),
    /// The ZVM-14 reading: camelCase property names instead of PascalCase.
    ZvmCamelCase(bool),
}

impl Setting {
    /// Sets this on `config`.
    pub fn apply(self, config: &mut EmulatorConfig) {
        let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        match self {
            Setting::EmVersions(v) => config.em_versions = owned(v),
            Setting::VbrApiVersions(v) => config.vbr_api_versions = owned(v),
            Setting::Vbr401Body(b) => config.vbr_401_body = b,
            Setting::VbrMissingVersion(m) => config.behaviour.vbr_missing_version = m,
            Setting::VbrAccessSecs(s) => config.lifetimes.vbr_access = Duration::from_secs(s),
            Setting::EmTokenForm(f) => config.behaviour.em_token_form = f,
            Setting::EmJsonBom(b) => config.behaviour.em_json_bom = b,
            Setting::ZvmKind(k) => config.behaviour.zvm_kind = k,
            Setting::ZvmRequireOpenidScope(b) => config.behaviour.zvm_require_openid_scope = b,
            Setting::ZvmCamelCase(b) => config.behaviour.zvm_camel_case = b,
        }
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Setting::EmVersions(v) => write!(f, "EM versions {}", v.join(", ")),
            Setting::VbrApiVersions(v) => write!(
                f,
                "x-api-version {} .. {} ({} revisions)",
                v.first().copied().unwrap_or("-"),
                v.last().copied().unwrap_or("-"),
                v.len()
            ),
            Setting::Vbr401Body(Vbr401Body::Empty) => write!(f, "refused token: 401, empty body"),
            Setting::Vbr401Body(Vbr401Body::Json) => {
                write!(f, "refused token: 401 with the JSON error model")
            }
            Setting::VbrMissingVersion(VbrMissingVersion::Refuse) => {
                write!(f, "no x-api-version: refused with 400")
            }
            Setting::VbrMissingVersion(VbrMissingVersion::Newest) => {
                write!(f, "no x-api-version: answered in the newest revision")
            }
            Setting::VbrAccessSecs(s) => write!(f, "access token lifetime {s} s"),
            Setting::EmTokenForm(EmTokenForm::Base64SessionId) => {
                write!(f, "token = base64(SessionId)")
            }
            Setting::EmTokenForm(EmTokenForm::RandomBytes) => {
                write!(f, "token = 16 random bytes in base64")
            }
            Setting::EmJsonBom(true) => write!(f, "JSON answers begin with a BOM"),
            Setting::EmJsonBom(false) => write!(f, "JSON answers without a BOM"),
            Setting::ZvmKind(ZvmKind::Both) => write!(f, "both ZVM kinds served"),
            Setting::ZvmKind(ZvmKind::Windows) => {
                write!(f, "Windows ZVM only: /v1/session/add, no Keycloak")
            }
            Setting::ZvmKind(ZvmKind::Appliance) => {
                write!(
                    f,
                    "Appliance only: OpenID Connect, /v1/session/add answers 404"
                )
            }
            Setting::ZvmRequireOpenidScope(b) => write!(
                f,
                "tokens without scope=openid {}",
                if *b { "refused" } else { "accepted" }
            ),
            Setting::ZvmCamelCase(true) => write!(f, "camelCase property names"),
            Setting::ZvmCamelCase(false) => write!(f, "PascalCase property names"),
        }
    }
}

/// One way a profile differs from the default emulator, and the rule that says why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Difference {
    /// The rule of `protocol-facts.md` (`VBR-13`).
    pub rule: &'static str,
    /// What is set.
    pub setting: Setting,
    /// The evidence, in a sentence.
    pub why: &'static str,
}

/// A point where the facts name no difference between releases (or where a reading is
/// release-dependent but not tied to this release), so the profile keeps the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Note {
    /// The rule of `protocol-facts.md`.
    pub rule: &'static str,
    /// What the facts say and why the default is kept.
    pub text: &'static str,
}

/// A real release's behaviour, named by build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// The name to pick it by (`vbr-13.0.1`).
    pub name: &'static str,
    /// The product it models; the other two products keep their defaults.
    pub product: Product,
    /// The release, with its build where the facts give one.
    pub release: &'static str,
    /// How it differs from [`EmulatorConfig::default`].
    pub differences: &'static [Difference],
    /// What the facts leave the same (or do not tie to this release).
    pub notes: &'static [Note],
}

/// A name that is no profile; its `Display` lists the known ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown server profile {name:?}; known profiles: {}", Profile::names().join(", "))]
pub struct UnknownProfile {
    /// The name asked for.
    pub name: String,
}

impl Profile {
    /// Every profile, VBR first, then EM and ZVM, oldest release first.
    pub fn all() -> &'static [Profile] {
        PROFILES
    }

    /// The names of every profile.
    pub fn names() -> Vec<&'static str> {
        PROFILES.iter().map(|p| p.name).collect()
    }

    /// The profile called `name` (compared without regard to case).
    pub fn find(name: &str) -> Result<&'static Profile, UnknownProfile> {
        let wanted = name.trim();
        PROFILES
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownProfile {
                name: name.to_owned(),
            })
    }

    /// Applies every difference to `config`.
    pub fn apply(&self, config: &mut EmulatorConfig) {
        for d in self.differences {
            d.setting.apply(config);
        }
    }

    /// Every rule id the profile cites (differences and notes).
    pub fn rules(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.differences
            .iter()
            .map(|d| d.rule)
            .chain(self.notes.iter().map(|n| n.rule))
    }

    /// The profile as text: its release, each difference with its rule, each note.
    pub fn describe(&self) -> String {
        use fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "profile {}: {} ({} only; the other products keep their defaults)",
            self.name,
            self.release,
            product_name(self.product)
        );
        if self.differences.is_empty() {
            let _ = writeln!(out, "  no difference from the default");
        }
        for d in self.differences {
            let _ = writeln!(out, "  {:<7} {}: {}", d.rule, d.setting, d.why);
        }
        for n in self.notes {
            let _ = writeln!(out, "  {:<7} same as the default: {}", n.rule, n.text);
        }
        out
    }
}

fn product_name(p: Product) -> &'static str {
    match p {
        Product::Em => "Enterprise Manager",
        Product::Vbr => "Backup & Replication",
        Product::Zvm => "Zerto Virtual Manager",
    }
}

impl EmulatorConfig {
    /// The default configuration with the server profile `name` applied (see [`Profile`]).
    pub fn profile(name: &str) -> Result<EmulatorConfig, UnknownProfile> {
        Self::default().with_profile(name)
    }

    /// Applies the server profile `name` to this configuration; ports, clock, users, limits and
    /// inventory are left as they are.
    pub fn with_profile(mut self, name: &str) -> Result<EmulatorConfig, UnknownProfile> {
        Profile::find(name)?.apply(&mut self);
        Ok(self)
    }
}

/// Every rule id of `protocol-facts.md` revision 2 (EM-01..16, VBR-01..14, ZVM-01..14).
pub const RULE_IDS: &[&str] = &[
    "EM-01", "EM-02", "EM-03", "EM-04", "EM-05", "EM-06", "EM-07", "EM-08", "EM-09", "EM-10",
    "EM-11", "EM-12", "EM-13", "EM-14", "EM-15", "EM-16", "VBR-01", "VBR-02", "VBR-03", "VBR-04",
    "VBR-05", "VBR-06", "VBR-07", "VBR-08", "VBR-09", "VBR-10", "VBR-11", "VBR-12", "VBR-13",
    "VBR-14", "ZVM-01", "ZVM-02", "ZVM-03", "ZVM-04", "ZVM-05", "ZVM-06", "ZVM-07", "ZVM-08",
    "ZVM-09", "ZVM-10", "ZVM-11", "ZVM-12", "ZVM-13", "ZVM-14",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn config(name: &str) -> EmulatorConfig {
        EmulatorConfig::profile(name).unwrap()
    }

    #[test]
    fn the_required_releases_exist_and_names_are_unique() {
        for name in [
            "vbr-12.3.1",
            "vbr-13.0.0",
            "vbr-13.0.1",
            "vbr-13.1.0",
            "em-9.5",
            "em-12",
            "em-13",
            "zvm-9.7",
            "zvm-10",
        ] {
            assert!(Profile::find(name).is_ok(), "{name}");
        }
        let mut names = Profile::names();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Profile::all().len());
        assert_eq!(Profile::find(" VBR-13.1.0 ").unwrap().name, "vbr-13.1.0");
    }

    #[test]
    fn every_cited_rule_exists_and_belongs_to_the_profiles_product() {
        assert_eq!(RULE_IDS.len(), 44);
        for p in Profile::all() {
            let prefix = match p.product {
                Product::Em => "EM-",
                Product::Vbr => "VBR-",
                Product::Zvm => "ZVM-",
            };
            assert!(
                !p.differences.is_empty() || !p.notes.is_empty(),
                "{}: neither a difference nor a note",
                p.name
            );
            for rule in p.rules() {
                assert!(RULE_IDS.contains(&rule), "{}: {rule} is no rule", p.name);
                assert!(rule.starts_with(prefix), "{}: {rule}", p.name);
            }
            for d in p.differences {
                assert!(!d.why.is_empty(), "{}: {} has no reason", p.name, d.rule);
            }
        }
    }

    #[test]
    fn vbr_profiles_serve_every_revision_up_to_their_own_and_answer_401_empty() {
        for (name, newest, missing) in [
            ("vbr-12.3.1", "1.2-rev1", VbrMissingVersion::Refuse),
            ("vbr-13.0.0", "1.3-rev0", VbrMissingVersion::Newest),
            ("vbr-13.0.1", "1.3-rev1", VbrMissingVersion::Newest),
            ("vbr-13.1.0", "1.3-rev2", VbrMissingVersion::Newest),
        ] {
            let c = config(name);
            assert_eq!(
                c.vbr_api_versions.first().map(String::as_str),
                Some("1.0-rev1")
            );
            assert_eq!(
                c.vbr_api_versions.last().map(String::as_str),
                Some(newest),
                "{name}"
            );
            let parsed: Vec<crate::vbr::revision::ApiRevision> = c
                .vbr_api_versions
                .iter()
                .map(|v| v.parse().unwrap())
                .collect();
            assert!(
                parsed.windows(2).all(|w| w[0] < w[1]),
                "{name}: not ascending"
            );
            assert_eq!(c.vbr_401_body, Vbr401Body::Empty, "{name}");
            assert_eq!(c.behaviour.vbr_missing_version, missing, "{name}");
            assert_eq!(c.lifetimes, crate::Lifetimes::default(), "{name}");
            // A VBR profile leaves EM and ZVM alone.
            let d = EmulatorConfig::default();
            assert_eq!(c.em_versions, d.em_versions);
            assert_eq!(c.behaviour.zvm_kind, d.behaviour.zvm_kind);
            assert_eq!(c.behaviour.em_token_form, d.behaviour.em_token_form);
        }
        assert_eq!(config("vbr-13.0.1").vbr_api_versions.len(), 9);
    }

    #[test]
    fn em_profiles() {
        let d = EmulatorConfig::default();
        for name in ["em-12", "em-13"] {
            let c = config(name);
            assert_eq!(c.em_versions, ["v1_5", "v1_6", "v1_7"], "{name}");
            assert_eq!(c.behaviour, d.behaviour, "{name}");
            assert!(Profile::find(name).unwrap().differences.is_empty());
        }
        let old = config("em-9.5");
        assert_eq!(old.em_versions.first().map(String::as_str), Some("v1_4"));
        assert!(old.em_versions.iter().any(|v| v == "v1_4"));
        assert!(!d.em_versions.iter().any(|v| v == "v1_4"));
        assert_eq!(old.vbr_401_body, Vbr401Body::Json);
    }

    #[test]
    fn zvm_profiles_pick_one_kind() {
        let w = config("zvm-9.7");
        assert_eq!(w.behaviour.zvm_kind, ZvmKind::Windows);
        let a = config("zvm-10");
        assert_eq!(a.behaviour.zvm_kind, ZvmKind::Appliance);
        assert!(!a.behaviour.zvm_camel_case, "ZVM-14: PascalCase by default");
        assert!(!a.behaviour.zvm_require_openid_scope);
        assert_eq!(a.lifetimes.oidc_access, Duration::from_secs(300));
    }

    #[test]
    fn the_default_keeps_the_facts_defaults() {
        let d = EmulatorConfig::default();
        assert_eq!(d.vbr_401_body, Vbr401Body::Json);
        assert_eq!(d.lifetimes.vbr_access, Duration::from_secs(900));
        assert_eq!(d.lifetimes.oidc_access, Duration::from_secs(300));
        assert_eq!(d.lifetimes.oidc_refresh, Duration::from_secs(1800));
        assert!(!d.behaviour.em_json_bom);
        assert_eq!(d.behaviour.zvm_kind, ZvmKind::Both);
    }

    #[test]
    fn with_profile_keeps_ports_and_clock() {
        let c = EmulatorConfig::for_tests().with_profile("zvm-10").unwrap();
        assert_eq!((c.em_port, c.vbr_port, c.zvm_port), (0, 0, 0));
        assert!(c.manual_clock.is_some());
    }

    #[test]
    fn an_unknown_name_lists_the_known_ones() {
        let e = EmulatorConfig::profile("vbr-14").unwrap_err();
        assert_eq!(e.name, "vbr-14");
        let text = e.to_string();
        assert!(
            text.starts_with("unknown server profile \"vbr-14\""),
            "{text}"
        );
        for name in Profile::names() {
            assert!(text.contains(name), "{text}");
        }
    }

    #[test]
    fn describe_shows_every_difference_and_note_with_its_rule() {
        for p in Profile::all() {
            let text = p.describe();
            assert!(text.contains(p.name));
            for rule in p.rules() {
                assert!(text.contains(rule), "{}: {rule} missing in\n{text}", p.name);
            }
        }
        let text = Profile::find("em-12").unwrap().describe();
        assert!(text.contains("no difference from the default"), "{text}");
    }
}
