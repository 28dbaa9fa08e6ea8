//! The EM documents validate against the project's EM schema (specs/em/em.xsd), with xmllint.

use std::path::PathBuf;

use restpoint_emulator::defaults;

use super::{basic, client, header_text, start, xml_text};

#[tokio::test]
async fn em_documents_validate_against_specs_em_xsd() {
    let xsd = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../specs/em/em.xsd");
    assert!(xsd.is_file(), "{} is part of the repository", xsd.display());
    if !restpoint_testkit::require_tool("xmllint") {
        return;
    }
    let emu = start().await;
    let c = client(&emu);
    let api = |p: &str| format!("{}api/{p}", emu.em_url());
    let mut docs: Vec<(String, String)> = Vec::new();
    docs.push((
        "root".into(),
        c.get(api("")).send().await.unwrap().text().await.unwrap(),
    ));
    let resp = c
        .post(api("sessionMngr/?v=latest"))
        .header(
            "Authorization",
            basic(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD),
        )
        .send()
        .await
        .unwrap();
    let token = header_text(&resp, "X-RestSvcSessionId");
    docs.push(("logon".into(), resp.text().await.unwrap()));
    docs.push((
        "error".into(),
        c.get(api("jobs"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    ));
    let get = |p: String| {
        let c = c.clone();
        let token = token.clone();
        async move {
            c.get(p)
                .header("X-RestSvcSessionId", token)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let jobs = get(api("jobs")).await;
    let job_href = jobs
        .split("Href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let task = c
        .post(format!("{job_href}?action=start"))
        .header("X-RestSvcSessionId", &token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let task_id = xml_text(&task, "TaskId").unwrap().to_string();
    docs.push(("task running".into(), task));
    emu.advance(std::time::Duration::from_secs(30));
    docs.push((
        "task finished".into(),
        get(api(&format!("tasks/{task_id}"))).await,
    ));
    for coll in ["backupServers", "jobs", "repositories", "backupSessions"] {
        let refs = get(api(coll)).await;
        let href = refs
            .split("Href=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_string();
        docs.push((format!("{coll} references"), refs));
        docs.push((
            format!("{coll} entities"),
            get(api(&format!("{coll}?format=Entity"))).await,
        ));
        docs.push((
            format!("{coll} entity"),
            get(format!("{href}?format=Entity")).await,
        ));
    }
    // Every kind of resource a logon session links to (EM-04).
    for path in [
        "querySvc",
        "security",
        "reports/summary",
        "selfService/vSphere",
        "failoverPlans?format=Entity",
        "cdpReplica/vms?format=Entity",
        "systemSessions?format=Entity",
        "catalog/vms",
        "tasks",
    ] {
        docs.push((path.to_owned(), get(api(path)).await));
    }
    for query in [
        "type=Job&format=Entities&pageSize=10&page=2",
        "type=Job&format=References&pageSize=10&page=3",
        "type=Repository&format=Entities",
        "type=BackupServer",
    ] {
        docs.push((
            format!("query {query}"),
            get(api(&format!("query?{query}"))).await,
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (i, (name, doc)) in docs.iter().enumerate() {
        let path = dir.path().join(format!("{i}.xml"));
        std::fs::write(&path, doc).unwrap();
        let out = std::process::Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(&xsd)
            .arg(&path)
            .output()
            .unwrap();
        if !out.status.success() {
            failures.push(format!("{name}: {}", String::from_utf8_lossy(&out.stderr)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
