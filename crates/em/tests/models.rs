//! The EM models on the example documents of `specs/em/examples/`: XML and JSON give equal
//! values, navigation helpers find the documented links, serialization round-trips, unknown
//! content is tolerated, and malformed documents give typed errors.
//!
//! Layout after xsd-parser's own feature tests: the schema is `specs/em/em.xsd`, the expected
//! code `crates/em/src/generated/` (compared with the generator's output by
//! `cargo xtask regen --check` and `regen::tests::generated_code_is_up_to_date`), the examples `specs/em/examples/*.xml` (validated against the schema by
//! xmllint, and read here).

use proptest::prelude::*;
use restpoint_em::generated as g;
use restpoint_em::{
    ApiError, BackupJobSession, BackupServer, EnterpriseManager, Entities, EntityReferences,
    HasLinks, Job, LinkKind, LogonSession, LogonSessionList, ParseError, QueryResult, Rel,
    Repository, Resource, Task, TaskState, Tasks, Version, parse_json, parse_xml, to_json, to_xml,
};

fn example(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../specs/em/examples/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|error| panic!("reading {path}: {error}"))
}

fn xml<T: Resource>(name: &str) -> T {
    parse_xml::<T>(&example(name)).unwrap_or_else(|error| panic!("{name}: {error}"))
}

fn json<T: Resource>(name: &str) -> T {
    parse_json::<T>(&example(name)).unwrap_or_else(|error| panic!("{name}: {error}"))
}

// ---------------------------------------------------------------- the 70-link LogonSessions

#[test]
fn logon_sessions_of_two_servers_read_the_same_from_xml_and_json() {
    for server in ["contoso", "fabrikam"] {
        let from_xml: LogonSession = xml(&format!("logon-session-{server}.xml"));
        let from_json: LogonSession = json(&format!("logon-session-{server}.json"));
        assert_eq!(from_xml, from_json, "{server}");
        assert_eq!(from_xml.links().len(), 70, "{server}");
    }
}

#[test]
fn logon_session_navigation() {
    let session: LogonSession = xml("logon-session-contoso.xml");
    assert_eq!(session.session_id(), "8f3c2b1e-6a47-4d2e-9b51-0c7e4a9d2f13");
    assert_eq!(session.user_name(), "CONTOSO\\backup.admin");
    assert_eq!(
        session.href(),
        Some(
            "https://em01.contoso.test:9398/api/logonSessions/8f3c2b1e-6a47-4d2e-9b51-0c7e4a9d2f13"
        )
    );

    let delete = session.links().delete().expect("a Delete link");
    assert_eq!(delete.rel(), Some(Rel::Delete));
    assert_eq!(delete.kind(), Some(LinkKind::LogonSession));
    assert_eq!(session.logoff_href(), Some(delete.href()));
    assert!(
        delete
            .href()
            .ends_with("/api/logonSessions/8f3c2b1e-6a47-4d2e-9b51-0c7e4a9d2f13")
    );

    let up = session.links().up().expect("an Up link");
    assert_eq!(up.kind(), Some(LinkKind::EnterpriseManager));

    let jobs = session
        .links()
        .find(Rel::Down, "JobReferenceList")
        .expect("jobs");
    assert_eq!(jobs.href(), "https://em01.contoso.test:9398/api/jobs");
    let jobs_entities = session
        .links()
        .find(Rel::Down, "JobList")
        .expect("jobs as entities");
    assert_eq!(
        jobs_entities.href(),
        "https://em01.contoso.test:9398/api/jobs?format=Entity"
    );
    assert_eq!(
        session
            .links()
            .down("BackupJobSessionReferenceList")
            .map(|link| link.href()),
        Some("https://em01.contoso.test:9398/api/backupSessions")
    );
    assert!(
        session
            .links()
            .find(Rel::Delete, "JobReferenceList")
            .is_none()
    );

    // Types this version does not name are kept verbatim.
    let vm_points = session
        .links()
        .down("VmRestorePointReferenceList")
        .expect("vmRestorePoints");
    assert_eq!(
        vm_points.kind(),
        Some(LinkKind::Other("VmRestorePointReferenceList".into()))
    );
    let n_down = session.links().all_by_rel(Rel::Down).count();
    assert_eq!(n_down, 68);
}

#[test]
fn the_fabrikam_session_has_link_names() {
    let session: LogonSession = xml("logon-session-fabrikam.xml");
    let jobs = session.links().down("JobReferenceList").unwrap();
    assert_eq!(jobs.name.as_deref(), Some("jobs"));
    assert_eq!(session.user_name(), "FABRIKAM\\restore-operator");
}

// ---------------------------------------------------------------- the other resources

#[test]
fn root_resource_versions_and_logon_links() {
    let root: EnterpriseManager = xml("enterprise-manager.xml");
    assert_eq!(root, json::<EnterpriseManager>("enterprise-manager.json"));
    assert_eq!(
        root.version_names().collect::<Vec<_>>(),
        ["v1_5", "v1_6", "v1_7"]
    );
    assert!(root.supports(Version::Named("v1_7".into())));
    assert!(!root.supports(Version::Named("v1_4".into())));
    assert_eq!(
        root.logon_link(Version::Latest).map(|link| link.href()),
        Some("https://em01.contoso.test:9398/api/sessionMngr/?v=latest")
    );
    assert_eq!(
        root.logon_link(Version::Named("v1_6".into()))
            .map(|link| link.href()),
        Some("https://em01.contoso.test:9398/api/sessionMngr/?v=v1_6")
    );
    assert!(root.logon_link(Version::Named("v1_4".into())).is_none());
    assert_eq!(
        root.logon_sessions_link().map(|link| link.href()),
        Some("https://em01.contoso.test:9398/api/logonSessions")
    );
    assert_eq!(Version::Latest.to_string(), "latest");
}

#[test]
fn task_states_and_result() {
    let running: Task = xml("task-running.xml");
    assert_eq!(running.task_state(), TaskState::Running);
    assert_eq!(running.succeeded(), None);
    let finished: Task = xml("task-finished.xml");
    assert_eq!(finished, json::<Task>("task-finished.json"));
    assert_eq!(finished.task_state(), TaskState::Finished);
    assert_eq!(finished.succeeded(), Some(true));
    assert_eq!(
        finished
            .result
            .as_ref()
            .and_then(|result| result.message.as_deref()),
        Some("Job 'Nightly SQL' started")
    );
}

#[test]
fn job_has_a_start_link_to_a_task() {
    let job: Job = xml("job.xml");
    let start = job.links().start().expect("Start link");
    assert_eq!(start.kind(), Some(LinkKind::Task));
    assert!(start.href().ends_with("?action=start"));
    assert_eq!(job.schedule_enabled, Some(true));
    assert_eq!(job.platform.as_deref(), Some("VMware"));
}

#[test]
fn references_errors_and_entities() {
    let refs: EntityReferences = xml("jobs-references.xml");
    assert_eq!(refs, json::<EntityReferences>("jobs-references.json"));
    assert_eq!(refs.ref_.len(), 2);
    assert_eq!(refs.ref_[0].name.as_deref(), Some("Nightly SQL"));

    let error: ApiError = xml("error-unauthorized.xml");
    assert_eq!(error, json::<ApiError>("error-unauthorized.json"));
    assert_eq!(error.status_code, Some(401));

    let server: BackupServer = xml("backup-server.xml");
    assert_eq!(server.port, Some(9392));
    let repository: Repository = xml("repository.xml");
    assert_eq!(repository.capacity, Some(4_398_046_511_104));
    let session: BackupJobSession = xml("backup-job-session.xml");
    assert_eq!(session.progress, Some(100));
    assert_eq!(session.is_retry, Some(false));
    let entities: Entities = xml("entities-jobs.xml");
    assert_eq!(entities.jobs.as_ref().map(|jobs| jobs.job.len()), Some(1));
    let list: LogonSessionList = xml("logon-sessions.xml");
    assert_eq!(list, json::<LogonSessionList>("logon-sessions.json"));
    let tasks: Tasks = xml("tasks.xml");
    assert_eq!(tasks, json::<Tasks>("tasks.json"));
    assert_eq!(tasks.task.len(), 2);
    assert_eq!(tasks.task[1].task_state(), TaskState::Running);
    assert_eq!(list.logon_session.len(), 2);
    assert_eq!(list.logon_session[1].links().len(), 0);
}

// ---------------------------------------------------------------- round trips

fn round_trip<T: Resource + PartialEq + std::fmt::Debug>(name: &str) {
    let value: T = xml(name);
    let written = to_xml(&value).unwrap();
    assert!(
        written.contains("xmlns=\"http://www.veeam.com/ent/v1.0\""),
        "{name}: {written}"
    );
    let again: T =
        parse_xml(written.as_bytes()).unwrap_or_else(|error| panic!("{name}: {error}\n{written}"));
    assert_eq!(value, again, "{name} through XML");
    let again: T = parse_json(to_json(&value).as_bytes()).unwrap();
    assert_eq!(value, again, "{name} through JSON");
}

#[test]
fn every_example_round_trips_through_xml_and_json() {
    round_trip::<LogonSession>("logon-session-contoso.xml");
    round_trip::<LogonSession>("logon-session-fabrikam.xml");
    round_trip::<LogonSessionList>("logon-sessions.xml");
    round_trip::<EnterpriseManager>("enterprise-manager.xml");
    round_trip::<ApiError>("error-unauthorized.xml");
    round_trip::<EntityReferences>("jobs-references.xml");
    round_trip::<Job>("job.xml");
    round_trip::<Task>("task-running.xml");
    round_trip::<Task>("task-finished.xml");
    round_trip::<Tasks>("tasks.xml");
    round_trip::<BackupServer>("backup-server.xml");
    round_trip::<Repository>("repository.xml");
    round_trip::<BackupJobSession>("backup-job-session.xml");
    round_trip::<Entities>("entities-jobs.xml");
    round_trip::<QueryResult>("query-jobs-references.xml");
}

#[test]
fn a_query_result_page_reads_the_same_from_xml_and_json() {
    let page: QueryResult = xml("query-jobs-references.xml");
    assert_eq!(page, json::<QueryResult>("query-jobs-references.json"));
    assert_eq!(page.refs.as_ref().map(|refs| refs.ref_.len()), Some(2));
    let info = page.paging_info.as_ref().expect("PagingInfo");
    assert_eq!(
        (info.page_num, info.page_size, info.pages_count),
        (Some(2), Some(2), Some(3))
    );
    let rels: Vec<_> = info
        .links()
        .iter()
        .filter_map(|link| link.rel.clone())
        .collect();
    assert_eq!(rels, ["First", "Previous", "Next", "Last"]);
}

#[test]
fn the_contoso_session_is_written_back_as_it_came() {
    let original = String::from_utf8(example("logon-session-contoso.xml")).unwrap();
    let session: LogonSession = parse_xml(original.as_bytes()).unwrap();
    let written = to_xml(&session).unwrap();
    let squash = |text: &str| {
        text.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .replace(" />", "/>")
    };
    let original = squash(&original).replace("<?xml version=\"1.0\" encoding=\"utf-8\"?> ", "");
    let written = squash(&written).replace("<?xml version=\"1.0\" encoding=\"utf-8\"?>", "");
    let written = written.trim();
    // Same links, user and session id, in the same order; only formatting may differ.
    for link in session.links() {
        assert!(written.contains(&format!("Href=\"{}\"", link.href.replace('&', "&amp;"))));
    }
    assert_eq!(
        original.matches("<Link ").count(),
        written.matches("<Link ").count()
    );
    assert!(written.contains("<SessionId>8f3c2b1e-6a47-4d2e-9b51-0c7e4a9d2f13</SessionId>"));
}

fn text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9&<>'\"._\\\\/?=:-]([A-Za-z0-9&<>'\" ._\\\\/?=:-]{0,24}[A-Za-z0-9&<>'\"._\\\\/?=:-])?"
}

fn link() -> impl Strategy<Value = g::LinkType> {
    (
        text(),
        proptest::option::of(prop_oneof![
            Just("Up".to_owned()),
            Just("Down".to_owned()),
            Just("Delete".to_owned()),
            text()
        ]),
        proptest::option::of(text()),
        proptest::option::of(text()),
    )
        .prop_map(|(href, rel, type_, name)| g::LinkType {
            href,
            type_,
            rel,
            name,
            any_attribute: Default::default(),
            any: Vec::new(),
        })
}

fn logon_session() -> impl Strategy<Value = LogonSession> {
    (
        proptest::option::of(text()),
        proptest::option::of(text()),
        proptest::option::of(proptest::collection::vec(link(), 0..80)),
        text(),
        text(),
    )
        .prop_map(
            |(href, type_, links, user_name, session_id)| g::LogonSessionType {
                href,
                type_,
                any_attribute: Default::default(),
                links: links.map(|link| g::LinkListType {
                    any_attribute: Default::default(),
                    link,
                    any: Vec::new(),
                }),
                user_name,
                session_id,
                any: Vec::new(),
            },
        )
}

fn task() -> impl Strategy<Value = Task> {
    (
        text(),
        prop_oneof![
            Just("Running".to_owned()),
            Just("Finished".to_owned()),
            text()
        ],
        proptest::option::of(text()),
        proptest::option::of((any::<bool>(), proptest::option::of(text()))),
    )
        .prop_map(|(task_id, state, operation, result)| g::TaskType {
            href: None,
            type_: Some("Task".into()),
            any_attribute: Default::default(),
            links: None,
            task_id,
            state,
            operation,
            result: result.map(|(success, message)| g::TaskResultType {
                success,
                any_attribute: Default::default(),
                message,
                any: Vec::new(),
            }),
            any: Vec::new(),
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn generated_logon_sessions_round_trip(session in logon_session()) {
        let written = to_xml(&session).unwrap();
        let from_xml: LogonSession = parse_xml(written.as_bytes()).unwrap();
        prop_assert_eq!(&from_xml, &session);
        let from_json: LogonSession = parse_json(to_json(&session).as_bytes()).unwrap();
        prop_assert_eq!(&from_json, &session);
    }

    #[test]
    fn generated_tasks_round_trip(task in task()) {
        let from_xml: Task = parse_xml(to_xml(&task).unwrap().as_bytes()).unwrap();
        prop_assert_eq!(&from_xml, &task);
        let from_json: Task = parse_json(to_json(&task).as_bytes()).unwrap();
        prop_assert_eq!(&from_json, &task);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_xml::<LogonSession>(&bytes);
        let _ = parse_json::<LogonSession>(&bytes);
    }

    #[test]
    fn every_truncation_of_a_session_is_an_error(cut in 0usize..11000) {
        // Cut anywhere before the last `>` (`}`): only trailing whitespace may go.
        let document = example("logon-session-contoso.xml");
        let end = document.iter().rposition(|&b| b == b'>').unwrap();
        prop_assert!(parse_xml::<LogonSession>(&document[..cut.min(end)]).is_err());
        let document = example("logon-session-contoso.json");
        let end = document.iter().rposition(|&b| b == b'}').unwrap();
        let cut = cut.min(end);
        prop_assert!(parse_json::<LogonSession>(&document[..cut]).is_err());
    }
}

// ---------------------------------------------------------------- tolerance

const NS: &str = "http://www.veeam.com/ent/v1.0";

#[test]
fn unknown_elements_attributes_and_link_types_are_kept() {
    let document = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<LogonSession Href="https://em/api/logonSessions/1" Type="LogonSession" UID="urn:veeam:LogonSession:1" xmlns="{NS}">
  <Links>
    <Link Href="https://em/api/newThings" Type="NewThingReferenceList" Rel="Browse" Name="n" Hidden="true" />
    <Link Href="https://em/api/logonSessions/1" Type="LogonSession" Rel="Delete" />
  </Links>
  <UserName>u</UserName>
  <SessionId>1</SessionId>
  <IsTenant>false</IsTenant>
  <Extra><Nested a="b">text</Nested></Extra>
</LogonSession>"#
    );
    let session: LogonSession = parse_xml(document.as_bytes()).unwrap();
    assert_eq!(session.session_id(), "1");
    assert_eq!(session.any.len(), 2, "{:?}", session.any);
    assert_eq!(session.any_attribute.len(), 1);
    let new = session.links().iter().next().unwrap();
    assert_eq!(new.rel(), Some(Rel::Other("Browse".into())));
    assert_eq!(
        new.kind(),
        Some(LinkKind::Other("NewThingReferenceList".into()))
    );
    assert_eq!(new.any_attribute.len(), 1);
    assert_eq!(
        session.logoff_href(),
        Some("https://em/api/logonSessions/1")
    );
    // and written back
    let written = to_xml(&session).unwrap();
    assert!(written.contains("IsTenant"), "{written}");
    assert!(written.contains("Hidden=\"true\""), "{written}");
}

#[test]
fn unknown_json_properties_are_ignored_and_null_is_absent() {
    let document = br#"{"Href": null, "Type": "LogonSession", "UserName": "u", "SessionId": "1",
        "IsTenant": false, "Links": [{"Rel": "Browse", "Href": "h", "Type": "X", "Name": null, "Extra": 1}]}"#;
    let session: LogonSession = parse_json(document).unwrap();
    assert_eq!(session.href, None);
    assert_eq!(session.links().len(), 1);
    assert_eq!(
        session.links().iter().next().unwrap().rel(),
        Some(Rel::Other("Browse".into()))
    );
}

#[test]
fn a_prefixed_root_in_the_em_namespace_is_accepted() {
    let document = format!(
        r#"<em:Task xmlns:em="{NS}"><em:TaskId>t</em:TaskId><em:State>Running</em:State></em:Task>"#
    );
    let task: Task = parse_xml(document.as_bytes()).unwrap();
    assert_eq!(task.task_id, "t");
}

// ---------------------------------------------------------------- malformed documents

fn session_with(body: &str) -> String {
    format!(r#"<?xml version="1.0"?><LogonSession xmlns="{NS}">{body}</LogonSession>"#)
}

#[test]
fn truncated_documents_are_malformed() {
    let document = example("logon-session-contoso.xml");
    for cut in [
        0,
        10,
        40,
        200,
        document.len() / 2,
        document.len() - 20,
        document.len() - 3,
    ] {
        let error = parse_xml::<LogonSession>(&document[..cut]).unwrap_err();
        assert_eq!(error.resource(), "LogonSession");
        assert!(
            matches!(
                error,
                ParseError::Malformed { .. }
                    | ParseError::NoRoot { .. }
                    | ParseError::MissingField { .. }
            ),
            "cut at {cut}: {error:?}"
        );
    }
    let json = example("logon-session-contoso.json");
    let error = parse_json::<LogonSession>(&json[..json.len() / 2]).unwrap_err();
    assert!(matches!(error, ParseError::Malformed { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!(
            "LogonSession: malformed document at {}: unexpected end of document",
            match &error {
                ParseError::Malformed { location, .. } => location.clone(),
                _ => unreachable!(),
            }
        )
    );
}

#[test]
fn wrong_namespace_is_refused() {
    let wrong = r#"<LogonSession xmlns="http://example.com/other"><UserName>u</UserName><SessionId>1</SessionId></LogonSession>"#;
    assert_eq!(
        parse_xml::<LogonSession>(wrong.as_bytes()).unwrap_err(),
        ParseError::WrongNamespace {
            resource: "LogonSession",
            found: Some("http://example.com/other".into())
        }
    );
    let none = r#"<LogonSession><UserName>u</UserName><SessionId>1</SessionId></LogonSession>"#;
    assert_eq!(
        parse_xml::<LogonSession>(none.as_bytes()).unwrap_err(),
        ParseError::WrongNamespace {
            resource: "LogonSession",
            found: None
        }
    );
}

#[test]
fn wrong_root_is_refused() {
    let error = parse_xml::<LogonSession>(&example("task-finished.xml")).unwrap_err();
    assert_eq!(
        error,
        ParseError::WrongRoot {
            expected: "LogonSession",
            found: "Task".into()
        }
    );
    assert_eq!(
        error.to_string(),
        "expected a LogonSession document, found root element Task"
    );
    // JSON has no root name; a Task document lacks the session's required fields.
    let error = parse_json::<LogonSession>(&example("task-finished.json")).unwrap_err();
    assert!(
        matches!(error, ParseError::MissingField { ref field, .. } if field == "$.UserName"),
        "{error:?}"
    );
}

#[test]
fn duplicate_session_id_is_refused() {
    let document =
        session_with("<UserName>u</UserName><SessionId>1</SessionId><SessionId>2</SessionId>");
    let error = parse_xml::<LogonSession>(document.as_bytes()).unwrap_err();
    assert_eq!(
        error,
        ParseError::DuplicateField {
            resource: "LogonSession",
            field: "SessionId".into()
        }
    );
}

#[test]
fn missing_fields_are_named() {
    let document = session_with("<UserName>u</UserName>");
    let error = parse_xml::<LogonSession>(document.as_bytes()).unwrap_err();
    assert!(
        matches!(&error, ParseError::MissingField { resource: "LogonSession", field } if field.contains("SessionId")),
        "{error:?}"
    );
    let error = parse_json::<LogonSession>(br#"{"UserName": "u"}"#).unwrap_err();
    assert_eq!(
        error,
        ParseError::MissingField {
            resource: "LogonSession",
            field: "$.SessionId".into()
        }
    );
    let error = parse_json::<LogonSession>(
        br#"{"UserName": "u", "SessionId": "1", "Links": [{"Rel": "Up"}]}"#,
    )
    .unwrap_err();
    assert_eq!(
        error,
        ParseError::MissingField {
            resource: "LogonSession",
            field: "$.Links[0].Href".into()
        }
    );
    let link_without_href = session_with(
        "<Links><Link Rel=\"Up\"/></Links><UserName>u</UserName><SessionId>1</SessionId>",
    );
    let error = parse_xml::<LogonSession>(link_without_href.as_bytes()).unwrap_err();
    assert!(
        matches!(&error, ParseError::MissingField { field, .. } if field.contains("Href")),
        "{error:?}"
    );
}

#[test]
fn invalid_values_are_named() {
    let error =
        parse_json::<LogonSession>(br#"{"UserName": "u", "SessionId": "1", "Links": "none"}"#)
            .unwrap_err();
    assert_eq!(
        error,
        ParseError::InvalidValue {
            resource: "LogonSession",
            field: "$.Links".into(),
            expected: "an array"
        }
    );
    let document = format!(r#"<BackupServer xmlns="{NS}"><Port>many</Port></BackupServer>"#);
    let error = parse_xml::<BackupServer>(document.as_bytes()).unwrap_err();
    assert!(
        matches!(
            error,
            ParseError::InvalidValue {
                resource: "BackupServer",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        !error.to_string().contains("many"),
        "the value is not quoted: {error}"
    );
}

#[test]
fn ten_megabytes_of_links_are_refused() {
    let link = r#"<Link Href="https://em01.contoso.test:9398/api/jobs" Type="JobReferenceList" Rel="Down" />"#;
    let n_links = 10 * 1024 * 1024 / link.len() + 1;
    let document = session_with(&format!(
        "<Links>{}</Links><UserName>u</UserName><SessionId>1</SessionId>",
        link.repeat(n_links)
    ));
    assert!(document.len() > 10 * 1024 * 1024);
    let error = parse_xml::<LogonSession>(document.as_bytes()).unwrap_err();
    assert!(
        matches!(
            error,
            ParseError::TooLarge {
                resource: "LogonSession",
                ..
            }
        ),
        "{error:?}"
    );
    let json_link = r#"{"Rel":"Down","Href":"https://em01.contoso.test:9398/api/jobs","Type":"JobReferenceList"},"#;
    let json = format!(
        r#"{{"UserName":"u","SessionId":"1","Links":[{}{{"Href":"x"}}]}}"#,
        json_link.repeat(10 * 1024 * 1024 / json_link.len())
    );
    let error = parse_json::<LogonSession>(json.as_bytes()).unwrap_err();
    assert!(matches!(error, ParseError::TooLarge { .. }), "{error:?}");
}

#[test]
fn entity_expansion_and_doctype_are_refused() {
    let billion_laughs = format!(
        r#"<?xml version="1.0"?>
<!DOCTYPE LogonSession [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<LogonSession xmlns="{NS}"><UserName>&lol3;</UserName><SessionId>1</SessionId></LogonSession>"#
    );
    assert_eq!(
        parse_xml::<LogonSession>(billion_laughs.as_bytes()).unwrap_err(),
        ParseError::DocType {
            resource: "LogonSession"
        }
    );
    let external = format!(
        r#"<!DOCTYPE LogonSession [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><LogonSession xmlns="{NS}"><UserName>&xxe;</UserName><SessionId>1</SessionId></LogonSession>"#
    );
    assert_eq!(
        parse_xml::<LogonSession>(external.as_bytes()).unwrap_err(),
        ParseError::DocType {
            resource: "LogonSession"
        }
    );
    // An undeclared entity reference without a DOCTYPE is not expanded either.
    let undeclared = session_with("<UserName>&xxe;</UserName><SessionId>1</SessionId>");
    let error = parse_xml::<LogonSession>(undeclared.as_bytes()).unwrap_err();
    assert!(matches!(error, ParseError::Malformed { .. }), "{error:?}");
}

#[test]
fn other_bad_inputs_are_typed_errors() {
    assert_eq!(
        parse_xml::<LogonSession>(b"").unwrap_err(),
        ParseError::NoRoot {
            resource: "LogonSession"
        }
    );
    assert_eq!(
        parse_xml::<LogonSession>(b"<?xml version=\"1.0\"?>\n<!-- nothing -->").unwrap_err(),
        ParseError::NoRoot {
            resource: "LogonSession"
        }
    );
    assert_eq!(
        parse_xml::<LogonSession>(b"<LogonSession>\xff\xfe</LogonSession>").unwrap_err(),
        ParseError::NotUtf8 {
            resource: "LogonSession"
        }
    );
    let mismatched = session_with("<UserName>u</SessionId>");
    assert!(matches!(
        parse_xml::<LogonSession>(mismatched.as_bytes()).unwrap_err(),
        ParseError::Malformed { .. }
    ));
    assert!(matches!(
        parse_xml::<LogonSession>(b"not xml at all").unwrap_err(),
        ParseError::Malformed { .. }
    ));
    assert!(matches!(
        parse_json::<LogonSession>(b"[]").unwrap_err(),
        ParseError::InvalidValue { .. }
    ));
    assert!(matches!(
        parse_json::<LogonSession>(b"<LogonSession/>").unwrap_err(),
        ParseError::Malformed { .. }
    ));
    let task_without_success =
        format!(r#"<Task xmlns="{NS}"><TaskId>t</TaskId><State>Finished</State><Result/></Task>"#);
    let error = parse_xml::<Task>(task_without_success.as_bytes()).unwrap_err();
    assert!(
        matches!(&error, ParseError::MissingField { resource: "Task", field } if field.contains("Success")),
        "{error:?}"
    );
}

// ---------------------------------------------------------------- snapshots

/// `Debug` of a parsed value, with the session ids of the examples replaced.
fn redacted(value: &impl std::fmt::Debug) -> String {
    format!("{value:#?}")
        .replace("8f3c2b1e-6a47-4d2e-9b51-0c7e4a9d2f13", "[session-id]")
        .replace("d41b7e09-35c2-4f8a-a6e0-92b5c13f7d84", "[session-id]")
        .replace("0b6d1c52-7e3f-4a90-8d21-5f4e3c2b1a09", "[session-id]")
}

/// A LogonSession as a table: its fields, then one line per link (`Rel Type Href [Name]`).
fn session_table(session: &LogonSession) -> String {
    let mut table = format!(
        "Href: {:?}\nType: {:?}\nUserName: {}\nSessionId: {}\nunknown: {} elements, {} attributes\n",
        session.href,
        session.type_,
        session.user_name,
        session.session_id,
        session.any.len(),
        session.any_attribute.len()
    );
    for link in session.links() {
        table.push_str(&format!(
            "{:<7} {:<38} {}{}\n",
            link.rel.as_deref().unwrap_or("-"),
            link.type_.as_deref().unwrap_or("-"),
            link.href,
            link.name
                .as_deref()
                .map(|name| format!(" [{name}]"))
                .unwrap_or_default()
        ));
    }
    table
}

#[test]
fn snapshot_logon_session_contoso() {
    insta::assert_snapshot!(redacted(&DisplayAsDebug(session_table(&xml(
        "logon-session-contoso.xml"
    )))));
}

#[test]
fn snapshot_logon_session_fabrikam() {
    insta::assert_snapshot!(redacted(&DisplayAsDebug(session_table(&xml(
        "logon-session-fabrikam.xml"
    )))));
}

/// Lets [`redacted`] take an already formatted text.
struct DisplayAsDebug(String);

impl std::fmt::Debug for DisplayAsDebug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[test]
fn snapshot_enterprise_manager() {
    insta::assert_snapshot!(redacted(&xml::<EnterpriseManager>(
        "enterprise-manager.xml"
    )));
}

#[test]
fn snapshot_task_finished() {
    insta::assert_snapshot!(redacted(&xml::<Task>("task-finished.xml")));
}

#[test]
fn snapshot_logon_session_list() {
    insta::assert_snapshot!(redacted(&xml::<LogonSessionList>("logon-sessions.xml")));
}

#[test]
fn deeply_nested_unknown_elements_do_not_overflow_the_stack() {
    let depth = 100_000;
    let body = format!(
        "<UserName>u</UserName><SessionId>1</SessionId><Extra>{}{}</Extra>",
        "<a>".repeat(depth),
        "</a>".repeat(depth)
    );
    let document = session_with(&body);
    let error = parse_xml::<LogonSession>(document.as_bytes()).unwrap_err();
    assert_eq!(
        error,
        ParseError::TooDeep {
            resource: "LogonSession",
            limit: 64
        }
    );
    // Within the limit, nested unknown content is kept.
    let body = format!(
        "<UserName>u</UserName><SessionId>1</SessionId><Extra>{}{}</Extra>",
        "<a>".repeat(50),
        "</a>".repeat(50)
    );
    let session: LogonSession = parse_xml(session_with(&body).as_bytes()).unwrap();
    assert_eq!(session.any.len(), 1);
    let json = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let error = parse_json::<LogonSession>(json.as_bytes()).unwrap_err();
    assert!(matches!(error, ParseError::Malformed { .. }), "{error:?}");
}

// ---------------------------------------------------------------- the examples against the XSD

/// Every XML example of `specs/em/examples/` validates against `specs/em/em.xsd` (xmllint; under
/// `CI` a missing xmllint fails the test).
#[test]
fn every_xml_example_validates_against_the_schema() {
    if !restpoint_testkit::require_tool("xmllint") {
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/em");
    let mut examples: Vec<_> = std::fs::read_dir(dir.join("examples"))
        .expect("specs/em/examples")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    examples.sort();
    assert!(examples.len() >= 15, "{examples:?}");
    let out = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(dir.join("em.xsd"))
        .args(&examples)
        .output()
        .expect("xmllint runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
