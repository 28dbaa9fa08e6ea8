//! EM XML models: any bytes give a value or a typed `ParseError`, never a panic, and the error
//! never quotes the document.
#![no_main]

use libfuzzer_sys::fuzz_target;
use restpoint_em::{EnterpriseManager, LogonSession, Task, parse_xml, to_xml};

fuzz_target!(|data: &[u8]| {
    if let Ok(session) = parse_xml::<LogonSession>(data) {
        // What was read can be written and read again.
        if let Ok(xml) = to_xml(&session) {
            let again = parse_xml::<LogonSession>(xml.as_bytes());
            assert!(
                again.is_ok(),
                "re-reading written LogonSession: {:?}",
                again.err()
            );
        }
    }
    let _ = parse_xml::<EnterpriseManager>(data);
    let _ = parse_xml::<Task>(data);
});
