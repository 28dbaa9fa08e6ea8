//! R1: EM documents with a UTF-8 byte-order mark (EM-15) parse like those without; truncated
//! or bad ones are typed errors, never panics.

use restpoint_em::{EnterpriseManager, LogonSession, parse_json, parse_xml};

const BOM: &[u8] = b"\xEF\xBB\xBF";
const JSON: &str = r#"{"Href":"https://em.example:9398/api/logonSessions/5c6d5c1e-0000-4000-8000-000000000001","Type":"LogonSession","Links":[{"Rel":"Delete","Href":"https://em.example:9398/api/logonSessions/5c6d5c1e-0000-4000-8000-000000000001","Type":null,"Name":null}],"UserName":"admin","SessionId":"5c6d5c1e-0000-4000-8000-000000000001"}"#;
const XML: &str = r#"<?xml version="1.0" encoding="utf-8"?><EnterpriseManager xmlns="http://www.veeam.com/ent/v1.0"><Links><Link Href="https://em.example:9398/api/logonSessions" Type="LogonSessionList" Rel="Down" /></Links></EnterpriseManager>"#;

fn with_bom(s: &str) -> Vec<u8> {
    [BOM, s.as_bytes()].concat()
}

#[test]
fn json_with_a_bom_parses_like_json_without() {
    let plain: LogonSession = parse_json(JSON.as_bytes()).unwrap();
    let bom: LogonSession = parse_json(&with_bom(JSON)).unwrap();
    assert_eq!(plain, bom);
}

#[test]
fn xml_with_a_bom_parses_like_xml_without() {
    let plain: EnterpriseManager = parse_xml(XML.as_bytes()).unwrap();
    let bom: EnterpriseManager = parse_xml(&with_bom(XML)).unwrap();
    assert_eq!(plain, bom);
}

#[test]
fn truncated_or_bom_only_documents_are_typed_errors() {
    for cut in [0, 1, 10, JSON.len() / 2, JSON.len() - 1] {
        let doc = with_bom(&JSON[..cut]);
        assert!(
            parse_json::<LogonSession>(&doc).is_err(),
            "json cut at {cut}"
        );
    }
    for cut in [0, 1, 10, XML.len() / 2, XML.len() - 1] {
        let doc = with_bom(&XML[..cut]);
        assert!(
            parse_xml::<EnterpriseManager>(&doc).is_err(),
            "xml cut at {cut}"
        );
    }
    // Two marks, or a mark cut in half, are not tolerated.
    let twice = [BOM, BOM, JSON.as_bytes()].concat();
    assert!(parse_json::<LogonSession>(&twice).is_err());
    let half = [&BOM[..2], JSON.as_bytes()].concat();
    assert!(parse_json::<LogonSession>(&half).is_err());
}
