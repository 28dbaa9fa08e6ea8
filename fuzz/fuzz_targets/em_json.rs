//! EM JSON models: any bytes give a value or a typed `ParseError`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use restpoint_em::{EnterpriseManager, LogonSession, Task, parse_json, to_json};

fuzz_target!(|data: &[u8]| {
    if let Ok(session) = parse_json::<LogonSession>(data) {
        let json = to_json(&session);
        let again = parse_json::<LogonSession>(json.as_bytes());
        assert!(
            again.is_ok(),
            "re-reading written LogonSession: {:?}",
            again.err()
        );
    }
    let _ = parse_json::<EnterpriseManager>(data);
    let _ = parse_json::<Task>(data);
});
