//! F2: the emulator's `LogonSession` carries every link of the vendor's two complete samples
//! (`../shared/seeds/000_*.txt`, 68 links, and `001_*.txt`, 54), in the samples' order, with
//! their `Rel`, `Type` and attributes (host and ids aside), in XML and in JSON; and every
//! resource a link names answers with the root element its `Type` says (EM-04).
//!
//! The samples are read at test time and never copied into the repository. Without them the test
//! fails when `CI` is set and is skipped loudly otherwise.

use std::collections::BTreeMap;
use std::path::PathBuf;

use reqwest::StatusCode;
use restpoint_emulator::defaults;
use serde_json::Value;

use super::{basic, client, em_admin_logon, header_text, start};

/// One link: its attributes by name (`Href` reduced to the path and query below `/api/`, the
/// session id replaced by `<id>`).
type Link = BTreeMap<String, String>;

/// The seeds folder, `../shared/seeds` beside the repository; `None` (after a loud message)
/// when it is missing outside CI.
fn seeds_dir() -> Option<PathBuf> {
    restpoint_testkit::shared_path("seeds")
}

/// The text of the seed whose name starts with `prefix`.
fn seed(dir: &PathBuf, prefix: &str) -> String {
    let path = std::fs::read_dir(dir)
        .expect("seeds folder readable")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix) && n.ends_with(".txt"))
        })
        .unwrap_or_else(|| panic!("no seed {prefix}*.txt in {}", dir.display()));
    std::fs::read_to_string(path).expect("seed readable")
}

/// The attributes of an XML start tag's text (`Href="..." Rel="..."`).
fn attributes(tag: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut rest = tag;
    while let Some(eq) = rest.find("=\"") {
        let name = rest[..eq]
            .trim()
            .rsplit(' ')
            .next()
            .unwrap_or("")
            .to_owned();
        let after = &rest[eq + 2..];
        let Some(end) = after.find('"') else { break };
        out.insert(name, after[..end].to_owned());
        rest = &after[end + 1..];
    }
    out
}

/// `https://host:port/api/jobs?format=Entity` → `jobs?format=Entity`, with `session_id`
/// replaced by `<id>`.
fn normalise_href(href: &str, session_id: &str) -> String {
    let below = href.split_once("/api/").map_or(href, |(_, p)| p);
    below.replace(session_id, "<id>")
}

/// The `Link` elements of the `LogonSession` in `text` (a seed page or an answer), and the
/// session id.
fn logon_session_links(text: &str) -> (Vec<Link>, String) {
    let start = text.find("<LogonSession").expect("a LogonSession element");
    let end = text[start..]
        .find("</LogonSession>")
        .map(|e| start + e)
        .expect("the end of the LogonSession");
    let doc = &text[start..end];
    let id_start = doc.find("<SessionId>").expect("a SessionId") + "<SessionId>".len();
    let id_end = doc[id_start..].find('<').unwrap() + id_start;
    let session_id = doc[id_start..id_end].trim().to_owned();
    let mut links = Vec::new();
    let mut rest = doc;
    while let Some(at) = rest.find("<Link ") {
        let tag_end = rest[at..].find('>').unwrap() + at;
        let mut link = attributes(&rest[at + 6..tag_end]);
        if let Some(h) = link.get_mut("Href") {
            *h = normalise_href(h, &session_id);
        }
        links.push(link);
        rest = &rest[tag_end..];
    }
    (links, session_id)
}

/// The same from a JSON `LogonSession`: properties with a `null` value are absent.
fn json_links(json: &Value) -> Vec<Link> {
    let id = json["SessionId"].as_str().expect("SessionId").to_owned();
    json["Links"]
        .as_array()
        .expect("Links array")
        .iter()
        .map(|l| {
            l.as_object()
                .expect("a link object")
                .iter()
                .filter_map(|(k, v)| {
                    let v = v.as_str()?;
                    let v = if k == "Href" {
                        normalise_href(v, &id)
                    } else {
                        v.to_owned()
                    };
                    Some((k.clone(), v))
                })
                .collect()
        })
        .collect()
}

/// How many links of `sample` the emulator's `links` carry, in the sample's order (each sample
/// link matched at or after the previous match), with equal attributes. Problems are listed.
fn matched_in_order(sample: &[Link], links: &[Link], problems: &mut Vec<String>) -> usize {
    let mut from = 0;
    let mut matched = 0;
    for want in sample {
        match links[from..].iter().position(|l| l == want) {
            Some(i) => {
                matched += 1;
                from += i + 1;
            }
            None => problems.push(format!("missing or out of order: {want:?}")),
        }
    }
    matched
}

/// The root element a link's `Type` names (EM-04): `<X>ReferenceList` → `EntityReferences`,
/// `TaskList` → `Tasks`, `<X>List` → the plural of X (`JobList` → `Jobs`), anything else (the
/// root resource and the service documents) → the type itself.
fn expected_root(ty: &str) -> String {
    if ty.ends_with("ReferenceList") {
        return "EntityReferences".into();
    }
    if ty == "TaskList" {
        return "Tasks".into();
    }
    match ty.strip_suffix("List") {
        Some(item) => match item.strip_suffix('y') {
            Some(stem) if !stem.ends_with(['a', 'e', 'o', 'u']) => format!("{stem}ies"),
            _ => format!("{item}s"),
        },
        None => ty.to_owned(),
    }
}

fn root_element(xml: &str) -> (String, BTreeMap<String, String>) {
    let body = xml.trim_start_matches('\u{feff}');
    let body = match body.find("?>") {
        Some(i) if body.starts_with("<?xml") => &body[i + 2..],
        _ => body,
    };
    let start = body.find('<').expect("an element") + 1;
    let end = body[start..].find('>').unwrap() + start;
    let tag = body[start..end].trim_end_matches('/');
    let name = tag.split_whitespace().next().unwrap_or("").to_owned();
    (name, attributes(tag))
}

#[tokio::test]
async fn em_04_logon_session_reproduces_the_vendor_samples_link_by_link() {
    let Some(dir) = seeds_dir() else { return };
    let (sample_000, _) = logon_session_links(&seed(&dir, "000_"));
    let (sample_001, _) = logon_session_links(&seed(&dir, "001_"));
    assert_eq!(sample_000.len(), 68, "the 000 sample's link count");
    assert_eq!(sample_001.len(), 54, "the 001 sample's link count");

    let emu = start().await;
    let c = client(&emu);
    let url = format!("{}api/sessionMngr/?v=latest", emu.em_url());
    let auth = basic(defaults::ADMIN_USER, defaults::ADMIN_PASSWORD);
    let xml = c
        .post(&url)
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (xml_links, _) = logon_session_links(&xml);
    let json: Value = c
        .post(&url)
        .header("Authorization", &auth)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let json_links = json_links(&json);

    let mut total = 0;
    let mut problems = Vec::new();
    for (form, links) in [("XML", &xml_links), ("JSON", &json_links)] {
        let mut p = Vec::new();
        let a = matched_in_order(&sample_000, links, &mut p);
        let b = matched_in_order(&sample_001, links, &mut p);
        // No link beyond the samples': the 68 of 000 hold the 54 of 001.
        let extra: Vec<&Link> = links.iter().filter(|l| !sample_000.contains(l)).collect();
        if !extra.is_empty() {
            p.push(format!("links the samples do not have: {extra:?}"));
        }
        if links.len() != sample_000.len() {
            p.push(format!(
                "{} links instead of {}",
                links.len(),
                sample_000.len()
            ));
        }
        println!("F2 {form}: {}/122 sample links reproduced", a + b);
        if form == "XML" {
            total = a + b;
        }
        problems.extend(p.into_iter().map(|x| format!("{form}: {x}")));
    }
    let delete = xml_links.iter().find(|l| l["Rel"] == "Delete").unwrap();
    assert!(!delete.contains_key("Type"), "the Delete link has no Type");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(total, 122);
}

#[tokio::test]
async fn em_04_every_linked_resource_answers_with_the_root_its_type_names() {
    let emu = start().await;
    let c = client(&emu);
    let resp = em_admin_logon(&c, &emu).await;
    let token = header_text(&resp, "X-RestSvcSessionId");
    let body = resp.text().await.unwrap();
    let start_at = body.find("<Links>").unwrap();
    let mut hrefs = Vec::new();
    let mut rest = &body[start_at..];
    while let Some(at) = rest.find("<Link ") {
        let end = rest[at..].find('>').unwrap() + at;
        hrefs.push(attributes(&rest[at + 6..end]));
        rest = &rest[end..];
    }
    assert_eq!(hrefs.len(), 68);
    let mut problems = Vec::new();
    for link in &hrefs {
        let href = &link["Href"];
        match link["Rel"].as_str() {
            "Delete" => continue,
            "Create" => {
                let resp = c
                    .post(href)
                    .header("X-RestSvcSessionId", &token)
                    .send()
                    .await
                    .unwrap();
                let status = resp.status();
                let text = resp.text().await.unwrap();
                if status != StatusCode::BAD_REQUEST || root_element(&text).0 != "Error" {
                    problems.push(format!("POST {href}: {status} {text}"));
                }
                continue;
            }
            _ => {}
        }
        let ty = &link["Type"];
        let resp = c
            .get(href)
            .header("X-RestSvcSessionId", &token)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        let (root, attrs) = root_element(&text);
        let want = expected_root(ty);
        if status != StatusCode::OK || root != want {
            problems.push(format!(
                "GET {href} ({ty}): {status}, root {root}, want {want}"
            ));
        }
        // A service document names its own type.
        if want == *ty && ty != "EnterpriseManager" && attrs.get("Type") != Some(ty) {
            problems.push(format!("GET {href}: root without Type=\"{ty}\""));
        }
        let json = c
            .get(href)
            .header("X-RestSvcSessionId", &token)
            .header("Accept", "application/json")
            .send()
            .await
            .unwrap();
        let ok = json.status() == StatusCode::OK;
        let value: Result<Value, _> = json.json().await;
        if !ok || !value.is_ok_and(|v| v.is_object()) {
            problems.push(format!("GET {href} as JSON: not a JSON object"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn expected_roots() {
    assert_eq!(expected_root("JobReferenceList"), "EntityReferences");
    assert_eq!(expected_root("JobList"), "Jobs");
    assert_eq!(expected_root("RepositoryList"), "Repositories");
    assert_eq!(expected_root("CdpPolicyList"), "CdpPolicies");
    assert_eq!(expected_root("TaskList"), "Tasks");
    assert_eq!(expected_root("QueryService"), "QueryService");
}
