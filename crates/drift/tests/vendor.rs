//! The vendor's OpenAPI files (`../shared/vendor-specs`, never part of the repository): drift
//! between VBR revisions 1.2-rev1 → 1.3-rev0 → 1.3-rev1, and our own specs against each vendor
//! file ("which of our typed operations would break on this server"). Under `CI` a missing file
//! fails; elsewhere the test is skipped loudly.

use std::collections::BTreeSet;
use std::time::Instant;

use restpoint_drift::{ChangeKind, Method, OperationStatus, Report, Severity, Spec, compare};

fn vendor(name: &str) -> Option<Spec> {
    let path = restpoint_testkit::shared_path(format!("vendor-specs/{name}"))?;
    Some(Spec::load(path).expect("the vendor file loads"))
}

fn ours(rel: &str) -> Spec {
    Spec::load(restpoint_testkit::repo_root().join(rel)).expect("our spec loads")
}

/// `(status, "METHOD path")` of every operation of the first document that is removed or broken.
fn failing(r: &Report) -> BTreeSet<(String, String)> {
    r.operations
        .iter()
        .filter(|o| o.status == OperationStatus::Removed || o.count(Severity::Breaking) > 0)
        .map(|o| (format!("{:?}", o.status), o.title()))
        .collect()
}

fn set(items: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    items
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[test]
fn vbr_1_2_rev1_to_1_3_rev0() {
    let (Some(old), Some(new)) = (vendor("vbr-1.2-rev1.json"), vendor("vbr-1.3-rev0.json")) else {
        return;
    };
    let started = Instant::now();
    let r = compare(&old, &new);
    eprintln!("1.2-rev1 → 1.3-rev0 compared in {:?}", started.elapsed());
    assert!(r.is_breaking());
    // VBR-05: the authorization code path is absent from the 1.3 revisions; it is the only
    // operation that disappears.
    let code = r
        .operation(Method::Post, "/api/oauth2/authorization_code")
        .unwrap();
    assert_eq!(code.status, OperationStatus::Removed);
    assert_eq!(code.changes[0].kind, ChangeKind::OperationRemoved);
    assert_eq!(r.summary.operations_removed, 1);
    // 345 operations, of which 267 were there before.
    assert_eq!((r.old.operations, r.new.operations), (268, 345));
    assert_eq!(r.summary.operations_added, 78);
    // VBR-13: 1.2's job type `Backup` is gone from 1.3 (it became `VSphereBackup`, among new
    // values), and `serverInfo` gained the required `platform` and `veeamRegistration`.
    let jobs = r.operation(Method::Get, "/api/v1/jobs").unwrap();
    assert!(jobs.changes.iter().any(|c| c.severity == Severity::Breaking
        && c.kind == ChangeKind::EnumValueRemoved
        && c.field == "data[].type"
        && c.schema.as_deref() == Some("EJobType")
        && c.detail == "\"Backup\" is gone"));
    let info = r.operation(Method::Get, "/api/v1/serverInfo").unwrap();
    let added: Vec<(&str, &str)> = info
        .changes
        .iter()
        .map(|c| (c.field.as_str(), c.detail.as_str()))
        .collect();
    assert_eq!(
        added,
        [
            ("platform", "new, always sent"),
            ("veeamRegistration", "new, always sent")
        ]
    );
    assert!(
        !r.changes()
            .any(|(o, c)| o.path == "/api/v1/serverInfo" && c.severity != Severity::Added)
    );
    let s = &r.summary;
    assert_eq!((s.breaking, s.tolerated, s.added), (527, 74, 1153), "{s:?}");
    assert_eq!(
        (s.distinct_breaking, s.distinct_tolerated, s.distinct_added),
        (87, 42, 367),
        "{s:?}"
    );
}

#[test]
fn vbr_1_3_rev0_to_1_3_rev1() {
    let (Some(old), Some(new)) = (vendor("vbr-1.3-rev0.json"), vendor("vbr-1.3-rev1.json")) else {
        return;
    };
    let started = Instant::now();
    let r = compare(&old, &new);
    eprintln!("1.3-rev0 → 1.3-rev1 compared in {:?}", started.elapsed());
    assert_eq!((r.old.operations, r.new.operations), (345, 404));
    assert_eq!(
        (r.summary.operations_removed, r.summary.operations_added),
        (0, 59)
    );
    // VBR-11: the grant types are capitalised from 1.3-rev1 on: a case-only change, tolerated.
    let token = r.operation(Method::Post, "/api/oauth2/token").unwrap();
    let recased: Vec<_> = token
        .changes
        .iter()
        .filter(|c| {
            c.kind == ChangeKind::EnumValueRecased && c.schema.as_deref() == Some("ELoginGrantType")
        })
        .collect();
    assert_eq!(recased.len(), 1, "{:?}", token.changes);
    assert_eq!(recased[0].severity, Severity::Tolerated);
    assert!(
        recased[0].detail.contains("\"password\" → \"Password\""),
        "{}",
        recased[0].detail
    );
    assert!(
        recased[0]
            .detail
            .contains("\"refresh_token\" → \"Refresh_token\"")
    );
    assert_eq!(token.count(Severity::Breaking), 0);
    // The facts count 43 re-cased enumerations besides the grant types (VBR-11); 40 of them and
    // the grant types are reachable from an operation's parameters, body or success answer (one
    // of the 40 is also renamed: `EHypeVProxyType` → `EHyperVProxyType`).
    let enums: BTreeSet<&str> = r
        .changes()
        .filter(|(_, c)| c.kind == ChangeKind::EnumValueRecased)
        .filter_map(|(_, c)| c.schema.as_deref())
        .collect();
    assert_eq!(enums.len(), 41, "{enums:?}");
    assert!(
        enums.contains("EHypeVProxyType → EHyperVProxyType"),
        "{enums:?}"
    );
    assert!(
        r.changes()
            .all(|(_, c)| c.kind != ChangeKind::EnumValueRecased
                || c.severity == Severity::Tolerated)
    );
    let s = &r.summary;
    assert_eq!((s.breaking, s.tolerated, s.added), (167, 227, 436), "{s:?}");
}

#[test]
fn vbr_1_2_rev1_to_1_3_rev1_across_both_steps() {
    let (Some(old), Some(new)) = (vendor("vbr-1.2-rev1.json"), vendor("vbr-1.3-rev1.json")) else {
        return;
    };
    let r = compare(&old, &new);
    assert_eq!(r.summary.operations_removed, 1);
    assert_eq!(r.summary.operations_added, 404 - 267);
    let s = &r.summary;
    assert_eq!(
        (s.breaking, s.tolerated, s.added),
        (650, 230, 1399),
        "{s:?}"
    );
}

/// Which of our typed VBR operations (`specs/vbr/openapi.yaml`) would break on each revision.
#[test]
fn our_vbr_spec_against_each_vendor_revision() {
    let spec = ours("specs/vbr/openapi.yaml");
    let Some(rev12) = vendor("vbr-1.2-rev1.json") else {
        return;
    };
    // Our spec is revision 1.2-rev1: nothing of it breaks on a 1.2-rev1 server. (It once held
    // `POST /api/v1/jobs/{id}/retry`, which first appears in 1.3-rev0: this comparison found it.)
    let r = compare(&spec, &rev12);
    assert_eq!(failing(&r), set(&[]));
    assert_eq!(r.summary.breaking, 0);
    for name in ["vbr-1.3-rev0.json", "vbr-1.3-rev1.json"] {
        let Some(new) = vendor(name) else { return };
        let r = compare(&spec, &new);
        assert_eq!(
            failing(&r),
            set(&[
                ("Removed", "POST /api/oauth2/authorization_code"),
                ("Changed", "GET /api/v1/jobs"),
                ("Changed", "GET /api/v1/jobs/{id}"),
            ]),
            "{name}"
        );
        // What breaks the two job calls is the renamed job type, nothing else.
        assert!(
            r.changes()
                .filter(|(_, c)| c.severity == Severity::Breaking
                    && c.kind != ChangeKind::OperationRemoved)
                .all(|(_, c)| c.kind == ChangeKind::EnumValueRemoved
                    && c.detail == "\"Backup\" is gone"),
            "{name}"
        );
        // Our lower-case grant types: re-cased in 1.3-rev1 only, and tolerated.
        let token = r.operation(Method::Post, "/api/oauth2/token").unwrap();
        assert_eq!(
            token
                .changes
                .iter()
                .any(|c| c.kind == ChangeKind::EnumValueRecased),
            name == "vbr-1.3-rev1.json",
            "{name}: {:?}",
            token.changes
        );
    }
}

/// Which of our typed ZVM operations (`specs/zvm/openapi.yaml`) would break on the Appliance.
#[test]
fn our_zvm_spec_against_the_appliance() {
    let Some(appliance) = vendor("zvm-appliance-10.0u6.json") else {
        return;
    };
    let r = compare(&ours("specs/zvm/openapi.yaml"), &appliance);
    // ZVM-10: the Appliance has no `/v1/session/add`; its file marks no answer field required,
    // so every field our models read unconditionally is a breaking `required → optional`.
    let f = failing(&r);
    assert!(
        f.contains(&("Removed".into(), "POST /v1/session/add".into())),
        "{f:?}"
    );
    assert!(
        f.contains(&("Removed".into(), "DELETE /v1/session".into())),
        "{f:?}"
    );
    assert_eq!(r.summary.operations_removed, 2);
    assert_eq!(f.len(), 10, "{f:?}");
    // ZVM-14: PascalCase against the file's camelCase is tolerated, not a removed field.
    let vpgs = r.operation(Method::Get, "/v1/vpgs").unwrap();
    assert!(
        vpgs.changes
            .iter()
            .any(|c| c.kind == ChangeKind::FieldRecased
                && c.field == "[].VpgName"
                && c.severity == Severity::Tolerated)
    );
    assert!(
        !vpgs
            .changes
            .iter()
            .any(|c| c.kind == ChangeKind::ResponseFieldRemoved && c.field == "[].VpgName")
    );
}

/// The README's excerpt of a report is real: every line of it (but the `…` marks) is a line of
/// the report between 1.2-rev1 and 1.3-rev0, as `restpoint drift` prints it from the repository
/// root.
#[test]
fn the_readme_excerpt_is_a_real_report() {
    let load = |name: &str| {
        let path = restpoint_testkit::shared_path(format!("vendor-specs/{name}"))?;
        let text = std::fs::read_to_string(path).unwrap();
        Some(Spec::parse(&format!("../shared/vendor-specs/{name}"), &text).unwrap())
    };
    let (Some(old), Some(new)) = (load("vbr-1.2-rev1.json"), load("vbr-1.3-rev0.json")) else {
        return;
    };
    let report = compare(&old, &new).render(restpoint_drift::Format::Text);
    let lines: BTreeSet<&str> = report.lines().collect();
    let readme = std::fs::read_to_string(restpoint_testkit::repo_root().join("README.md")).unwrap();
    let section = &readme[readme.find("## Drift").expect("a Drift section")..];
    let start = section.find("```text\n").expect("an excerpt") + 8;
    let excerpt = &section[start..start + section[start..].find("```").unwrap()];
    let mut checked = 0;
    for line in excerpt
        .lines()
        .filter(|l| !l.trim().is_empty() && l.trim() != "…")
    {
        assert!(lines.contains(line), "not in the report: {line:?}");
        checked += 1;
    }
    assert!(checked > 30, "{checked}");
}
