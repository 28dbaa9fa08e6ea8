//! The generated models decode what newer or older server revisions send (VBR-11): re-cased and
//! unknown enumeration values, and re-cased property names; and they serialise the spec's
//! spelling back.

use restpoint_vbr::generated::types::{EJobType, ESessionState, JobModel};

#[test]
fn enum_values_decode_without_regard_to_case() {
    let state: ESessionState = serde_json::from_str("\"working\"").unwrap();
    assert_eq!(state, ESessionState::Working);
    let state: ESessionState = serde_json::from_str("\"WAITINGTAPE\"").unwrap();
    assert_eq!(state, ESessionState::WaitingTape);
    // An exact spelling wins, and serialisation keeps the spec's spelling.
    let kind: EJobType = serde_json::from_str("\"entraidtenantbackup\"").unwrap();
    assert_eq!(kind, EJobType::EntraIdTenantBackup);
    assert_eq!(
        serde_json::to_string(&kind).unwrap(),
        "\"EntraIDTenantBackup\""
    );
}

#[test]
fn unknown_enum_values_are_kept_verbatim() {
    let state: ESessionState = serde_json::from_str("\"Hibernating\"").unwrap();
    assert_eq!(state, ESessionState::Other("Hibernating".into()));
    assert_eq!(state.to_string(), "Hibernating");
    assert_eq!(serde_json::to_string(&state).unwrap(), "\"Hibernating\"");
    assert_eq!(
        "Working".parse::<ESessionState>(),
        Ok(ESessionState::Working)
    );
}

#[test]
fn a_whole_model_decodes_from_a_re_cased_newer_revision() {
    let job: JobModel = serde_json::from_value(serde_json::json!({
        "Id": "6f0e8a8e-3f38-4b44-a3c1-0d1f6f5e2a10",
        "Name": "Nightly SQL",
        "Type": "BACKUP",
        "IsDisabled": false,
        "someFieldFromRev7": {"nested": true}
    }))
    .unwrap();
    assert_eq!(job.name, "Nightly SQL");
    assert_eq!(job.type_, EJobType::Backup);
}
