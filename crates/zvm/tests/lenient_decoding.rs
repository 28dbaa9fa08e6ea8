//! The generated ZVM models decode both the Windows ZVM's PascalCase and the ZVM Appliance's
//! camelCase property names, and unknown values of string enums.

use restpoint_zvm::generated::types::Vpg;

#[test]
fn a_vpg_decodes_from_pascal_and_camel_case() {
    let pascal: Vpg = serde_json::from_value(serde_json::json!({
        "VpgIdentifier": "vpg-1", "VpgName": "Finance", "Status": 1, "SubStatus": 0
    }))
    .unwrap();
    let camel: Vpg = serde_json::from_value(serde_json::json!({
        "vpgIdentifier": "vpg-1", "vpgName": "Finance", "status": 1, "subStatus": 0,
        "newApplianceField": [1, 2, 3]
    }))
    .unwrap();
    assert_eq!(pascal.vpg_identifier, camel.vpg_identifier);
    assert_eq!(pascal.vpg_name, camel.vpg_name);
    assert_eq!(pascal.status, camel.status);
    // Serialisation keeps the spec's spelling.
    let back = serde_json::to_value(&camel).unwrap();
    assert_eq!(back["VpgIdentifier"], "vpg-1");
}
