//! Enterprise Manager: EM-01 .. EM-13.

use std::time::Duration;

use reqwest::{Client, StatusCode};
use restpoint_emulator::{Emulator, defaults};
use serde_json::Value;

use super::{basic, client, header_text, redact, start, xml_text};

struct Logon {
    token: String,
    session_id: String,
    body: String,
}

fn api(emu: &Emulator, path: &str) -> String {
    format!("{}api/{path}", emu.em_url())
}

async fn logon_as(c: &Client, emu: &Emulator, user: &str, password: &str) -> Logon {
    let resp = c
        .post(api(emu, "sessionMngr/?v=latest"))
        .header("Authorization", basic(user, password))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let token = header_text(&resp, "X-RestSvcSessionId");
    let body = resp.text().await.unwrap();
    let session_id = xml_text(&body, "SessionId").unwrap().to_string();
    Logon {
        token,
        session_id,
        body,
    }
}

async fn logon(c: &Client, emu: &Emulator) -> Logon {
    logon_as(c, emu, defaults::ADMIN_USER, defaults::ADMIN_PASSWORD).await
}

async fn get_with_token(c: &Client, url: String, token: &str) -> reqwest::Response {
    c.get(url)
        .header("X-RestSvcSessionId", token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn em_01_root_lists_links_and_supported_versions() {
    let emu = start().await;
    let c = client(&emu);
    let resp = c.get(api(&emu, "")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["content-type"],
        "application/xml; charset=utf-8"
    );
    let body = resp.text().await.unwrap();
    let port = emu.em_url().port().unwrap().to_string();
    insta::assert_snapshot!(
        "em_01_root_xml",
        redact(&body, &[(&format!(":{port}/"), ":PORT/")])
    );
    for v in ["v1_5", "v1_6", "v1_7"] {
        assert!(body.contains(&format!(
            "<SupportedVersion Name=\"{v}\"><Links><Link Href=\"https://localhost:{port}/api/sessionMngr/?v={v}\" Type=\"LogonSession\" Rel=\"Create\" /></Links></SupportedVersion>"
        )));
    }
    assert!(body.contains("Type=\"LogonSessionList\" Rel=\"Down\""));
    // Also without the final slash, and as JSON.
    let json: Value = c
        .get(format!("{}api", emu.em_url()))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(json["SupportedVersions"][2]["Name"], "v1_7");
    assert_eq!(json["Links"][1]["Rel"], "Create");
    assert_eq!(json["Links"][1]["Type"], "LogonSession");
}

#[tokio::test]
async fn em_02_logon_with_basic_for_latest_and_each_supported_version() {
    let emu = start().await;
    let c = client(&emu);
    for v in ["latest", "v1_5", "v1_6", "v1_7", "LATEST"] {
        let resp = c
            .post(api(&emu, &format!("sessionMngr/?v={v}")))
            .header(
                "Authorization",
                basic(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED, "version {v}");
    }
    // Without the trailing slash and with an empty body + a Content-Type: still a logon.
    let resp = c
        .post(api(&emu, "sessionMngr?v=latest"))
        .header("authorization", basic("ADMIN", defaults::ADMIN_PASSWORD))
        .header("Content-Type", "application/xml")
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(emu.admin().counters().em.logons, 6);
}

#[tokio::test]
async fn em_03_logon_returns_201_with_header_and_cookie() {
    let emu = start().await;
    let c = client(&emu);
    let resp = c
        .post(api(&emu, "sessionMngr/?v=latest"))
        .header(
            "Authorization",
            basic(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let token = resp.headers()["X-RestSvcSessionId"].to_str().unwrap();
    assert!(token.len() >= 32);
    assert_eq!(
        resp.headers()["Set-Cookie"].to_str().unwrap(),
        format!("X-RestSvcSessionId={token}; Path=/api")
    );
}

#[tokio::test]
async fn em_04_logon_session_body_has_links_user_and_session_id() {
    let emu = start().await;
    let c = client(&emu);
    let l = logon(&c, &emu).await;
    let port = emu.em_url().port().unwrap().to_string();
    let base = format!("https://localhost:{port}");
    let b = &l.body;
    assert!(b.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<LogonSession Href=\""));
    assert!(b.contains("xmlns=\"http://www.veeam.com/ent/v1.0\""));
    assert!(b.contains(&format!(
        "<LogonSession Href=\"{base}/api/logonSessions/{}\" Type=\"LogonSession\"",
        l.session_id
    )));
    assert!(b.contains(&format!(
        "<Link Href=\"{base}/api/\" Type=\"EnterpriseManager\" Rel=\"Up\" />"
    )));
    for (path, ty) in [
        ("backupServers", "BackupServerReferenceList"),
        ("jobs", "JobReferenceList"),
        ("repositories", "RepositoryReferenceList"),
        ("backups", "BackupReferenceList"),
        ("restorePoints", "RestorePointReferenceList"),
        ("backupSessions", "BackupJobSessionReferenceList"),
    ] {
        assert!(
            b.contains(&format!(
                "<Link Href=\"{base}/api/{path}\" Type=\"{ty}\" Rel=\"Down\" />"
            )),
            "{path}"
        );
        assert!(b.contains(&format!("<Link Href=\"{base}/api/{path}?format=Entity\"")));
    }
    assert!(b.contains(&format!(
        "<Link Href=\"{base}/api/logonSessions/{}\" Rel=\"Delete\" />",
        l.session_id
    )));
    assert_eq!(xml_text(b, "UserName"), Some("admin"));
    insta::assert_snapshot!(
        "em_04_logon_session_xml",
        redact(
            b,
            &[
                (&l.session_id, "SESSION-ID"),
                (&format!(":{port}/"), ":PORT/")
            ]
        )
    );
}

#[tokio::test]
async fn em_05_wrong_credentials_or_role_less_account_get_401_basic_realm() {
    let emu = start().await;
    let c = client(&emu);
    let url = api(&emu, "sessionMngr/?v=latest");
    let cases = [
        Some(basic(defaults::ADMIN_USER, "wrong")),
        Some(basic("nobody", "x")),
        // Valid credentials, but no EM role (VBR viewer only).
        Some(basic(defaults::VIEWER_USER, defaults::VIEWER_PASSWORD)),
        Some("Basic !!!not-base64".to_string()),
        None,
    ];
    for auth in cases {
        let mut req = c.post(&url);
        if let Some(a) = &auth {
            req = req.header("Authorization", a);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(resp.headers()["WWW-Authenticate"], "Basic Realm=RestSvc");
        assert!(resp.headers().get("X-RestSvcSessionId").is_none());
        let body = resp.text().await.unwrap();
        assert!(
            body.contains("<Error StatusCode=\"401\" Message=\""),
            "{body}"
        );
    }
    // The three EM roles may log on.
    for (u, p) in [
        (defaults::ADMIN_USER, defaults::ADMIN_PASSWORD),
        (defaults::PORTAL_USER, defaults::PORTAL_PASSWORD),
        (defaults::RESTORE_USER, defaults::RESTORE_PASSWORD),
    ] {
        logon_as(&c, &emu, u, p).await;
    }
    assert_eq!(emu.admin().counters().em.failed_logons, 5);
    assert_eq!(
        emu.admin().live_sessions(restpoint_emulator::Product::Em),
        3
    );
}

#[tokio::test]
async fn em_06_token_in_header_or_cookie_and_the_cookie_wins() {
    let emu = start().await;
    let c = client(&emu);
    let l = logon(&c, &emu).await;
    let jobs = api(&emu, "jobs");
    // Header.
    assert_eq!(
        get_with_token(&c, jobs.clone(), &l.token).await.status(),
        StatusCode::OK
    );
    // Cookie (among other cookies, and repeated).
    let resp = c
        .get(&jobs)
        .header(
            "Cookie",
            format!("a=b; X-RestSvcSessionId={}; c=d", l.token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    // Both: the cookie is used, the header ignored.
    let resp = c
        .get(&jobs)
        .header("Cookie", format!("X-RestSvcSessionId={}", l.token))
        .header("X-RestSvcSessionId", "garbage")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = c
        .get(&jobs)
        .header(
            "Cookie",
            "X-RestSvcSessionId=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        )
        .header("X-RestSvcSessionId", &l.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    // Header name in any case.
    let resp = c
        .get(&jobs)
        .header("x-restsvcsessionid", &l.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn em_07_json_with_accept_json_xml_otherwise() {
    let emu = start().await;
    let c = client(&emu);
    let resp = c
        .post(api(&emu, "sessionMngr/?v=latest"))
        .header(
            "Authorization",
            basic(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD),
        )
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(
        resp.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    let token = header_text(&resp, "X-RestSvcSessionId");
    let json: Value = resp.json().await.unwrap();
    assert_eq!(json["Type"], "LogonSession");
    assert_eq!(json["UserName"], "admin");
    let id = json["SessionId"].as_str().unwrap();
    assert!(
        json["Href"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/api/logonSessions/{id}"))
    );
    let links = json["Links"].as_array().unwrap();
    assert_eq!(links[0]["Rel"], "Up");
    assert_eq!(links[0]["Type"], "EnterpriseManager");
    assert!(links[0]["Name"].is_null());
    assert!(links[0]["Href"].as_str().unwrap().ends_with("/api/"));
    assert!(links.iter().any(|l| l["Rel"] == "Delete"));
    let port = emu.em_url().port().unwrap().to_string();
    insta::assert_json_snapshot!("em_07_logon_session_json", json, {
        ".SessionId" => "[session-id]",
        ".Href" => "[href]",
        ".Links[].Href" => "[href]",
    });
    let _ = port;
    // No Accept header: XML. Accept XML: XML.
    for accept in [
        None,
        Some("application/xml"),
        Some("text/xml, application/json;q=0.5"),
    ] {
        let mut req = c
            .get(api(&emu, "jobs"))
            .header("X-RestSvcSessionId", &token);
        if let Some(a) = accept {
            req = req.header("Accept", a);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(
            resp.headers()["content-type"],
            "application/xml; charset=utf-8",
            "{accept:?}"
        );
    }
}

#[tokio::test]
async fn em_08_idle_session_expires_after_15_minutes_and_requests_reset_the_clock() {
    let emu = start().await;
    let c = client(&emu);
    let l = logon(&c, &emu).await;
    let url = api(&emu, "jobs");
    for _ in 0..3 {
        emu.advance(Duration::from_secs(14 * 60 + 59));
        assert_eq!(
            get_with_token(&c, url.clone(), &l.token).await.status(),
            StatusCode::OK
        );
    }
    emu.advance(Duration::from_secs(15 * 60));
    let resp = get_with_token(&c, url, &l.token).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let body = resp.text().await.unwrap();
    assert!(body.contains("expired"), "{body}");
    assert_eq!(
        emu.admin().live_sessions(restpoint_emulator::Product::Em),
        0
    );
}

#[tokio::test]
async fn em_09_logout_by_delete_link_then_token_refused() {
    let emu = start().await;
    let c = client(&emu);
    let l = logon(&c, &emu).await;
    let port = emu.em_url().port().unwrap();
    let delete_href = format!(
        "https://localhost:{port}/api/logonSessions/{}",
        l.session_id
    );
    let resp = c
        .delete(&delete_href)
        .header("X-RestSvcSessionId", &l.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(resp.text().await.unwrap(), "");
    let resp = get_with_token(&c, api(&emu, "jobs"), &l.token).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    // Logging out twice: the token is already refused (a careful 401, @undocumented).
    let resp = c
        .delete(&delete_href)
        .header("X-RestSvcSessionId", &l.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(emu.admin().counters().em.logouts, 1);
}

#[tokio::test]
async fn em_10_logon_sessions_lists_own_sessions_calling_first() {
    let emu = start().await;
    let c = client(&emu);
    let first = logon(&c, &emu).await;
    emu.advance(Duration::from_secs(1));
    let second = logon(&c, &emu).await;
    let other = logon_as(&c, &emu, defaults::PORTAL_USER, defaults::PORTAL_PASSWORD).await;
    let resp = get_with_token(&c, api(&emu, "logonSessions"), &first.token).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body = resp.text().await.unwrap();
    // The vendor's reference names the root LogonSessions (specs/em/em.xsd says LogonSessionList).
    assert!(body.contains("<LogonSessions xmlns=\"http://www.veeam.com/ent/v1.0\""));
    let first_pos = body.find(&first.session_id).unwrap();
    let second_pos = body.find(&second.session_id).unwrap();
    assert!(first_pos < second_pos, "the calling session comes first");
    assert!(!body.contains(&other.session_id));
    assert!(!body.contains(&first.token) && !body.contains(&second.token));
    let json: Value = c
        .get(api(&emu, "logonSessions"))
        .header("X-RestSvcSessionId", &second.token)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list = json["LogonSessions"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["SessionId"], second.session_id.as_str());
    // Another user's session id is not found.
    let resp = get_with_token(
        &c,
        api(&emu, &format!("logonSessions/{}", other.session_id)),
        &first.token,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn em_11_logon_with_a_live_token_instead_of_basic() {
    let emu = start().await;
    let c = client(&emu);
    let l = logon(&c, &emu).await;
    let resp = c
        .post(api(&emu, "sessionMngr/?v=latest"))
        .header("X-RestSvcSessionId", &l.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let new_token = header_text(&resp, "X-RestSvcSessionId");
    assert_ne!(new_token, l.token);
    let body = resp.text().await.unwrap();
    assert_eq!(xml_text(&body, "UserName"), Some("admin"));
    assert_ne!(xml_text(&body, "SessionId"), Some(l.session_id.as_str()));
    // An expired token does not authorise a logon.
    emu.advance(Duration::from_secs(16 * 60));
    let resp = c
        .post(api(&emu, "sessionMngr/?v=latest"))
        .header("X-RestSvcSessionId", &l.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.headers()["WWW-Authenticate"], "Basic Realm=RestSvc");
}

#[tokio::test]
async fn em_12_job_start_task_runs_on_the_clock_and_belongs_to_its_session() {
    let emu = start().await;
    let c = client(&emu);
    let l = logon(&c, &emu).await;
    let jobs: Value = c
        .get(api(&emu, "jobs"))
        .header("X-RestSvcSessionId", &l.token)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let refs = jobs["Refs"].as_array().unwrap();
    assert_eq!(refs.len(), 25);
    let job_href = refs[0]["Href"].as_str().unwrap();
    let resp = c
        .post(format!("{job_href}?action=start"))
        .header("X-RestSvcSessionId", &l.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let body = resp.text().await.unwrap();
    assert_eq!(xml_text(&body, "State"), Some("Running"));
    assert_eq!(xml_text(&body, "Operation"), Some("StartJob"));
    let task_id = xml_text(&body, "TaskId").unwrap().to_string();
    let task_url = api(&emu, &format!("tasks/{task_id}"));
    let resp = get_with_token(&c, task_url.clone(), &l.token).await;
    assert_eq!(
        xml_text(&resp.text().await.unwrap(), "State"),
        Some("Running")
    );
    emu.advance(Duration::from_secs(11));
    let body = get_with_token(&c, task_url.clone(), &l.token)
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(xml_text(&body, "State"), Some("Finished"));
    assert!(body.contains("<Result Success=\"true\">"));
    // Another session of the same user cannot see it.
    let other = logon(&c, &emu).await;
    let resp = get_with_token(&c, task_url, &other.token).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let list = get_with_token(&c, api(&emu, "tasks"), &other.token)
        .await
        .text()
        .await
        .unwrap();
    assert!(!list.contains(&task_id));
    // The job run shows in backupSessions.
    let sessions = get_with_token(&c, api(&emu, "backupSessions?format=Entity"), &l.token)
        .await
        .text()
        .await
        .unwrap();
    assert!(sessions.contains("<BackupJobSession "));
    assert_eq!(xml_text(&sessions, "State"), Some("Working"));
    emu.advance(Duration::from_secs(200));
    let sessions = get_with_token(&c, api(&emu, "backupSessions?format=Entity"), &l.token)
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(xml_text(&sessions, "State"), Some("Stopped"));
    assert_eq!(xml_text(&sessions, "Result"), Some("Success"));
    // A Portal User may not run job actions.
    let portal = logon_as(&c, &emu, defaults::PORTAL_USER, defaults::PORTAL_PASSWORD).await;
    let resp = c
        .post(format!("{job_href}?action=start"))
        .header("X-RestSvcSessionId", &portal.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn em_13_old_or_unknown_versions_are_refused() {
    let emu = start().await;
    let c = client(&emu);
    for v in ["v1_4", "v1_0", "v9_9", "garbage%00"] {
        let resp = c
            .post(api(&emu, &format!("sessionMngr/?v={v}")))
            .header(
                "Authorization",
                basic(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{v}");
        let body = resp.text().await.unwrap();
        assert!(
            body.contains("is not supported; supported versions: v1_5, v1_6, v1_7, latest"),
            "{body}"
        );
    }
    // The supported set is configurable: play an older server.
    emu.admin()
        .set_em_versions(vec!["v1_4".into(), "v1_5".into()]);
    let body = c
        .get(api(&emu, ""))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("SupportedVersion Name=\"v1_4\""));
    assert!(!body.contains("v1_7"));
    let resp = c
        .post(api(&emu, "sessionMngr/?v=v1_4"))
        .header(
            "Authorization",
            basic(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn em_resources_references_entities_and_errors() {
    let emu = start().await;
    let c = client(&emu);
    let l = logon(&c, &emu).await;
    let refs = get_with_token(&c, api(&emu, "jobs"), &l.token)
        .await
        .text()
        .await
        .unwrap();
    assert!(refs.contains("<EntityReferences xmlns=\"http://www.veeam.com/ent/v1.0\""));
    assert!(refs.contains("Type=\"JobReference\""));
    assert!(refs.contains("UID=\"urn:veeam:Job:"));
    assert!(refs.contains("Type=\"BackupServerReference\" Rel=\"Up\""));
    let entities = get_with_token(&c, api(&emu, "jobs?format=Entity"), &l.token)
        .await
        .text()
        .await
        .unwrap();
    // EM-04: the `?format=Entity` form of /api/jobs (`JobList`) has the root element `Jobs`.
    assert!(entities.contains("<Jobs xmlns=\"http://www.veeam.com/ent/v1.0\""));
    assert!(entities.contains("><Job Href="));
    assert!(entities.contains("<JobType>Backup</JobType>"));
    for path in [
        "backupServers",
        "repositories",
        "backups",
        "restorePoints",
        "backupSessions",
        "replicas",
    ] {
        let resp = get_with_token(&c, api(&emu, &format!("{path}?format=Entity")), &l.token).await;
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
    }
    let json: Value = c
        .get(api(&emu, "repositories?format=Entity"))
        .header("X-RestSvcSessionId", &l.token)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let repos = json["Repositories"].as_array().unwrap();
    assert_eq!(repos.len(), 3);
    let uid = repos[0]["UID"].as_str().unwrap();
    let id = uid.rsplit(':').next().unwrap();
    let one = get_with_token(
        &c,
        api(&emu, &format!("repositories/{id}?format=Entity")),
        &l.token,
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(one.contains("<Kind>WinLocal</Kind>"));
    let by_urn = get_with_token(&c, api(&emu, &format!("repositories/{uid}")), &l.token).await;
    assert_eq!(by_urn.status(), StatusCode::OK);
    // Errors: XML by default, JSON on request.
    let resp = get_with_token(
        &c,
        api(&emu, "jobs/00000000-0000-0000-0000-000000000000"),
        &l.token,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let body = resp.text().await.unwrap();
    assert!(
        body.contains("<Error StatusCode=\"404\" Message=\"no such Job\""),
        "{body}"
    );
    let resp = c
        .get(api(&emu, "nosuchthing/really"))
        .header("X-RestSvcSessionId", &l.token)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let json: Value = resp.json().await.unwrap();
    assert_eq!(json["StatusCode"], 404);
    assert!(json["Message"].is_string());
    // Without a token: 401.
    let resp = c.get(api(&emu, "jobs")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    // Paths without regard to case.
    let resp = get_with_token(&c, api(&emu, "BackupServers"), &l.token).await;
    assert_eq!(resp.status(), StatusCode::OK);
}

/// EM's query service (`/api/query`, paged; JSON by Accept as in EM-07): 25 jobs at page size
/// 10 are three pages with First/Previous/Next/Last links; bad parameters get a 400 `Error`.
#[tokio::test]
async fn em_07_query_service_pages_jobs_in_xml_and_json() {
    let emu = start().await;
    let c = client(&emu);
    let l = logon(&c, &emu).await;
    let page2 = get_with_token(
        &c,
        api(&emu, "query?type=Job&format=Entities&pageSize=10&page=2"),
        &l.token,
    )
    .await;
    assert_eq!(page2.status(), StatusCode::OK);
    let xml = page2.text().await.unwrap();
    assert!(
        xml.contains("<QueryResult xmlns=\"http://www.veeam.com/ent/v1.0\""),
        "{xml}"
    );
    assert!(xml.contains("<Entities><Jobs><Job "), "{xml}");
    assert_eq!(xml.matches("<Job ").count(), 10);
    assert!(xml.contains("<PagingInfo PageNum=\"2\" PageSize=\"10\" PagesCount=\"3\">"));
    for rel in ["First", "Previous", "Next", "Last"] {
        assert!(xml.contains(&format!("Rel=\"{rel}\"")), "{rel}: {xml}");
    }
    let json: Value = c
        .get(api(
            &emu,
            "query?type=job&format=References&pageSize=10&page=3",
        ))
        .header("X-RestSvcSessionId", &l.token)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(json["Refs"]["Refs"].as_array().unwrap().len(), 5);
    assert_eq!(json["PagingInfo"]["PageNum"], 3);
    assert_eq!(json["PagingInfo"]["PagesCount"], 3);
    let rels: Vec<&str> = json["PagingInfo"]["Links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|link| link["Rel"].as_str().unwrap())
        .collect();
    assert_eq!(rels, ["First", "Previous", "Last"]);
    // The default page size is 100: one page.
    let all = get_with_token(&c, api(&emu, "query?type=Job"), &l.token)
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(all.matches("<Ref ").count(), 25);
    assert!(all.contains("PageSize=\"100\" PagesCount=\"1\""), "{all}");
    for bad in [
        "query?type=Nothing",
        "query",
        "query?type=Job&pageSize=0",
        "query?type=Job&pageSize=ten",
        "query?type=Job&page=-1",
        "query?type=Job&format=Pictures",
    ] {
        let resp = get_with_token(&c, api(&emu, bad), &l.token).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{bad}");
        let body = resp.text().await.unwrap();
        assert!(
            body.contains("<Error StatusCode=\"400\" Message="),
            "{bad}: {body}"
        );
    }
    let resp = c.get(api(&emu, "query?type=Job")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}
