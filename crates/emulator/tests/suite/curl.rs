//! A new user's first try: trust the CA file, log on to EM with curl (issue 5, "Done when").

use restpoint_emulator::defaults;

use super::start;

#[tokio::test]
async fn em_03_curl_with_cacert_logs_on_and_sees_201_with_the_token_header() {
    if !restpoint_testkit::require_tool("curl") {
        return;
    }
    let emu = start().await;
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, emu.ca_pem()).unwrap();
    let output = tokio::process::Command::new("curl")
        .arg("--silent")
        .arg("--show-error")
        .arg("--noproxy")
        .arg("*")
        .arg("--cacert")
        .arg(&ca)
        .arg("-u")
        .arg(format!(
            "{}:{}",
            defaults::ADMIN_USER,
            defaults::ADMIN_PASSWORD
        ))
        .arg("-X")
        .arg("POST")
        .arg(format!("{}api/sessionMngr/?v=latest", emu.em_url()))
        .arg("-i")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "curl failed: {stderr}");
    let status_line = stdout.lines().next().unwrap_or_default();
    assert!(
        status_line.starts_with("HTTP/") && status_line.contains(" 201"),
        "{stdout}"
    );
    let lower = stdout.to_ascii_lowercase();
    assert!(lower.contains("\nx-restsvcsessionid: "), "{stdout}");
    assert!(
        lower.contains("set-cookie: x-restsvcsessionid="),
        "{stdout}"
    );
    assert!(stdout.contains("<LogonSession "), "{stdout}");
}
