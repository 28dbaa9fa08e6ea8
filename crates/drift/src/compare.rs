//! The comparison: operations matched by method and path template, then, for each pair, the
//! operation id, the parameters, the request body and the success answers.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Map, Value};

use crate::change::{Change, ChangeKind, Severity};
use crate::operation::Operation;
use crate::report::{Document, OperationDrift, OperationStatus, Report};
use crate::schema::{Direction, Walk, widened_to_array};
use crate::spec::{Spec, parameter_key};

/// Compares `old` (the document a program was written against) with `new` (the server's) and
/// reports every difference with its effect on that program.
pub fn compare(old: &Spec, new: &Spec) -> Report {
    let old_ops = old.operations();
    let new_ops = new.operations();
    let mut by_key: HashMap<(crate::Method, &str), usize> = HashMap::new();
    for (i, op) in new_ops.iter().enumerate() {
        by_key.entry((op.method, op.key.as_str())).or_insert(i);
    }
    let mut matched = vec![false; new_ops.len()];
    let mut operations = Vec::new();
    for o in &old_ops {
        let drift = match by_key.get(&(o.method, o.key.as_str())) {
            Some(&i) if !matched[i] => {
                matched[i] = true;
                let n = &new_ops[i];
                let changes = compare_operation(old, new, o, n);
                OperationDrift {
                    method: o.method,
                    path: o.path.clone(),
                    new_path: (n.path != o.path).then(|| n.path.clone()),
                    operation_id: o.id.clone(),
                    status: if changes.is_empty() {
                        OperationStatus::Unchanged
                    } else {
                        OperationStatus::Changed
                    },
                    changes,
                }
            }
            _ => {
                let others: Vec<String> = new_ops
                    .iter()
                    .filter(|n| n.key == o.key)
                    .map(|n| n.method.to_string())
                    .collect();
                let detail = if others.is_empty() {
                    "the path is gone".to_owned()
                } else {
                    format!("the path remains with {}", others.join(", "))
                };
                OperationDrift {
                    method: o.method,
                    path: o.path.clone(),
                    new_path: None,
                    operation_id: o.id.clone(),
                    status: OperationStatus::Removed,
                    changes: vec![change(
                        Severity::Breaking,
                        ChangeKind::OperationRemoved,
                        "operation",
                        detail,
                    )],
                }
            }
        };
        operations.push(drift);
    }
    for (n, _) in new_ops.iter().zip(&matched).filter(|(_, m)| !**m) {
        operations.push(OperationDrift {
            method: n.method,
            path: n.path.clone(),
            new_path: None,
            operation_id: n.id.clone(),
            status: OperationStatus::Added,
            changes: vec![change(
                Severity::Added,
                ChangeKind::OperationAdded,
                "operation",
                "a new operation".to_owned(),
            )],
        });
    }
    Report::new(
        Document::of(old, old_ops.len()),
        Document::of(new, new_ops.len()),
        operations,
    )
}

fn change(severity: Severity, kind: ChangeKind, location: &str, detail: String) -> Change {
    Change {
        severity,
        kind,
        location: location.to_owned(),
        field: String::new(),
        schema: None,
        detail,
    }
}

fn walk<'a>(
    old: &'a Spec,
    new: &'a Spec,
    direction: Direction,
    location: String,
    out: &'a mut Vec<Change>,
) -> Walk<'a> {
    Walk {
        old,
        new,
        direction,
        seen: HashSet::new(),
        location,
        out,
        depth: 0,
    }
}

fn compare_operation(old: &Spec, new: &Spec, o: &Operation<'_>, n: &Operation<'_>) -> Vec<Change> {
    let mut out = Vec::new();
    if let (Some(a), Some(b)) = (&o.id, &n.id)
        && a != b
    {
        out.push(change(
            Severity::Tolerated,
            ChangeKind::OperationIdRenamed,
            "operation",
            format!("{a} → {b} (the wire is unchanged; generated method names differ)"),
        ));
    }
    parameters(old, new, o, n, &mut out);
    request_body(old, new, o, n, &mut out);
    responses(old, new, o, n, &mut out);
    out
}

fn is_required(v: &Value) -> bool {
    v["required"] == Value::Bool(true)
}

fn parameters(old: &Spec, new: &Spec, o: &Operation<'_>, n: &Operation<'_>, out: &mut Vec<Change>) {
    let keyed = |ps: &[&Value]| -> BTreeMap<(String, String), Value> {
        ps.iter()
            .filter_map(|p| parameter_key(p).map(|k| (k, (*p).clone())))
            .filter(|((place, _), _)| place != "path")
            .collect()
    };
    let (before, after) = (keyed(&o.parameters), keyed(&n.parameters));
    for ((place, name), p) in &after {
        let location = format!("parameter {place} {name}");
        match before.get(&(place.clone(), name.clone())) {
            None if is_required(p) => out.push(change(
                Severity::Breaking,
                ChangeKind::RequiredParameterAdded,
                &location,
                "new and required".into(),
            )),
            None => out.push(change(
                Severity::Added,
                ChangeKind::OptionalParameterAdded,
                &location,
                "new, optional".into(),
            )),
            Some(q) => {
                if is_required(p) && !is_required(q) {
                    out.push(change(
                        Severity::Breaking,
                        ChangeKind::ParameterNowRequired,
                        &location,
                        "optional → required".into(),
                    ));
                }
                let (Some(a), Some(b)) = (q.get("schema"), p.get("schema")) else {
                    continue;
                };
                let items = (place == "query" || place == "header")
                    .then(|| widened_to_array(old, a, new, b))
                    .flatten();
                match items {
                    Some(items) => {
                        out.push(change(
                            Severity::Tolerated,
                            ChangeKind::Retyped,
                            &location,
                            "one value → an array of such values (one value is still valid)".into(),
                        ));
                        walk(old, new, Direction::Request, location, out)
                            .compare(a, items, "[]", None);
                    }
                    None => {
                        walk(old, new, Direction::Request, location, out).compare(a, b, "", None);
                    }
                }
            }
        }
    }
    for (place, name) in before.keys().filter(|k| !after.contains_key(*k)) {
        out.push(change(
            Severity::Tolerated,
            ChangeKind::ParameterRemoved,
            &format!("parameter {place} {name}"),
            "gone (servers ignore unknown parameters)".into(),
        ));
    }
}

/// Media types in the order they are compared: JSON ones first.
fn media_order(content: &Map<String, Value>) -> Vec<&str> {
    let mut types: Vec<&str> = content.keys().map(String::as_str).collect();
    types.sort_by_key(|t| (*t != "application/json", !t.contains("json")));
    types
}

/// The first media type of `old` (JSON first) that `new` has too.
fn common_media<'a>(
    old: &'a Map<String, Value>,
    new: &'a Map<String, Value>,
) -> Option<(&'a str, &'a Value, &'a Value)> {
    media_order(old)
        .into_iter()
        .find_map(|t| Some((t, old.get(t)?, new.get(t)?)))
}

fn names(content: &Map<String, Value>) -> String {
    media_order(content).join(", ")
}

fn request_body(
    old: &Spec,
    new: &Spec,
    o: &Operation<'_>,
    n: &Operation<'_>,
    out: &mut Vec<Change>,
) {
    let Some(after) = n.body.map(|b| new.resolve(b).1) else {
        return;
    };
    let before = o.body.map(|b| old.resolve(b).1);
    let location = "request body";
    match before {
        None if is_required(after) => {
            out.push(change(
                Severity::Breaking,
                ChangeKind::RequestBodyNowRequired,
                location,
                "none → required".into(),
            ));
            return;
        }
        None => return,
        Some(b) if is_required(after) && !is_required(b) => out.push(change(
            Severity::Breaking,
            ChangeKind::RequestBodyNowRequired,
            location,
            "optional → required".into(),
        )),
        Some(_) => {}
    }
    let empty = Map::new();
    let before = before
        .and_then(|b| b["content"].as_object())
        .unwrap_or(&empty);
    let after = after["content"].as_object().unwrap_or(&empty);
    if before.is_empty() {
        return;
    }
    match common_media(before, after) {
        None => out.push(change(
            Severity::Breaking,
            ChangeKind::RequestMediaTypeRemoved,
            location,
            format!("{} → {}", names(before), names(after)),
        )),
        Some((media, a, b)) => {
            if let (Some(a), Some(b)) = (a.get("schema"), b.get("schema")) {
                let location = format!("request body {media}");
                walk(old, new, Direction::Request, location, out).compare(a, b, "", None);
            }
        }
    }
}

fn success_codes(responses: Option<&Value>) -> Vec<(&str, &Value)> {
    responses
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(code, _)| code.starts_with('2'))
        .map(|(code, r)| (code.as_str(), r))
        .collect()
}

fn responses(old: &Spec, new: &Spec, o: &Operation<'_>, n: &Operation<'_>, out: &mut Vec<Change>) {
    let before = success_codes(o.responses);
    let after = success_codes(n.responses);
    let empty = Map::new();
    for (code, r) in &before {
        let location = format!("response {code}");
        let Some((_, s)) = after.iter().find(|(c, _)| c == code) else {
            let others: Vec<&str> = after.iter().map(|(c, _)| *c).collect();
            out.push(change(
                Severity::Breaking,
                ChangeKind::SuccessStatusRemoved,
                &location,
                if others.is_empty() {
                    "no success status is left".into()
                } else {
                    format!("answered {} instead", others.join(", "))
                },
            ));
            continue;
        };
        let a = old.resolve(r).1["content"].as_object().unwrap_or(&empty);
        let b = new.resolve(s).1["content"].as_object().unwrap_or(&empty);
        let has_schema = a.values().any(|m| m.get("schema").is_some());
        if !has_schema {
            continue;
        }
        // A 204 carries no body whatever a document says (RFC 9110): a body schema that
        // disappears from one changes nothing on the wire.
        let severity = if *code == "204" {
            Severity::Tolerated
        } else {
            Severity::Breaking
        };
        match common_media(a, b) {
            None => out.push(change(
                severity,
                ChangeKind::ResponseMediaTypeRemoved,
                &location,
                if b.is_empty() {
                    format!("{} → no body", names(a))
                } else {
                    format!("{} → {}", names(a), names(b))
                },
            )),
            Some((media, x, y)) => match (x.get("schema"), y.get("schema")) {
                (Some(x), Some(y)) => {
                    let location = format!("response {code} {media}");
                    walk(old, new, Direction::Response, location, out).compare(x, y, "", None);
                }
                (Some(_), None) => out.push(change(
                    severity,
                    ChangeKind::ResponseMediaTypeRemoved,
                    &location,
                    format!("{media}: the schema is gone"),
                )),
                _ => {}
            },
        }
    }
    for (code, _) in after
        .iter()
        .filter(|(c, _)| !before.iter().any(|(d, _)| d == c))
    {
        out.push(change(
            Severity::Added,
            ChangeKind::SuccessStatusAdded,
            &format!("response {code}"),
            "a new success status".into(),
        ));
    }
}
