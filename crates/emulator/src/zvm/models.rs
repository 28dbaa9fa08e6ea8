//! ZVM-14: the property names of ZVM resource answers, PascalCase (the Windows ZVM; default) or
//! the Appliance's OpenAPI models (camelCase, the `zvm_camel_case` setting).
//!
//! The Appliance's models are not only camelCase: they forbid properties they do not list, name
//! some differently (`IOPs` → `ioPs`, `SourceSite` → `protectedSiteName`, `TargetSite` →
//! `recoverySiteName`), and carry a resource's identifier only in its `link`
//! (`link.identifier`; a VM's VPG in `link.vpg_identifier`): `VpgIdentifier`, `SiteIdentifier`,
//! `TaskIdentifier`, ... have no place in them. The tables below are that difference, as data.

use serde_json::{Map, Value};

use crate::state::State;

/// The resource an answer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ZvmModel {
    /// `GET /v1/localsite`.
    LocalSite,
    /// `GET /v1/vpgs`, `/v1/vpgs/{id}`.
    Vpg,
    /// `GET /v1/vms`.
    Vm,
    /// `GET /v1/tasks`, `/v1/tasks/{id}`.
    Task,
    /// `GET /v1/alerts`.
    Alert,
}

/// Names that are not the PascalCase name with its first letter lowered.
const RENAMED: &[(&str, &str)] = &[
    ("IOPs", "ioPs"),
    ("SourceSite", "protectedSiteName"),
    ("TargetSite", "recoverySiteName"),
];

impl ZvmModel {
    /// Properties (camelCase, `/` for nested ones) the Appliance's model does not have.
    fn absent(self) -> &'static [&'static str] {
        match self {
            Self::LocalSite => &["siteIdentifier"],
            Self::Vpg => &[
                "vpgIdentifier",
                "organizationName",
                "serviceProfileName",
                "entities/source",
                "entities/target",
            ],
            Self::Vm => &[
                "vmIdentifier",
                "vpgIdentifier",
                "entities/source",
                "entities/target",
            ],
            Self::Task => &["taskIdentifier"],
            Self::Alert => &["alertIdentifier"],
        }
    }
}

/// One answer in the property names the ZVM-14 setting asks for: `value` itself (PascalCase,
/// the default) or the Appliance's shape of `model`.
pub(crate) fn shaped(st: &State, model: ZvmModel, value: Value) -> Value {
    if !st.behaviour().zvm_camel_case {
        return value;
    }
    match value {
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| appliance(model, v)).collect())
        }
        other => appliance(model, other),
    }
}

/// The Appliance's shape of one resource.
fn appliance(model: ZvmModel, value: Value) -> Value {
    let vpg_id = value.get("VpgIdentifier").cloned();
    let mut v = camel(value);
    for path in model.absent() {
        let mut target = &mut v;
        let mut parts = path.split('/').peekable();
        while let Some(part) = parts.next() {
            if parts.peek().is_none() {
                if let Some(obj) = target.as_object_mut() {
                    obj.remove(part);
                }
                break;
            }
            match target.get_mut(part) {
                Some(next) => target = next,
                None => break,
            }
        }
    }
    // A VM's VPG lives in its link (`VmResourceLink.vpg_identifier`).
    if model == ZvmModel::Vm
        && let (Some(id), Some(link)) = (vpg_id, v.get_mut("link").and_then(Value::as_object_mut))
    {
        link.insert("vpg_identifier".to_string(), id);
    }
    v
}

/// Every property name with its first letter lowered (and the [`RENAMED`] ones renamed), at
/// every depth.
fn camel(value: Value) -> Value {
    match value {
        Value::Object(obj) => {
            let mut out = Map::with_capacity(obj.len());
            for (k, v) in obj {
                let name = RENAMED
                    .iter()
                    .find(|(from, _)| *from == k)
                    .map_or_else(|| lower_first(&k), |(_, to)| (*to).to_string());
                out.insert(name, camel(v));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(camel).collect()),
        other => other,
    }
}

fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_ascii_lowercase().to_string() + chars.as_str()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn appliance_names() {
        let vm = json!({
            "VmIdentifier": "vm-1", "VmName": "web", "VpgIdentifier": "vpg-1", "IOPs": 0,
            "SourceSite": "a", "TargetSite": "b",
            "Link": {"href": "h", "identifier": "vm-1", "rel": null, "type": "VmApi"},
        });
        assert_eq!(
            appliance(ZvmModel::Vm, vm),
            json!({
                "vmName": "web", "ioPs": 0, "protectedSiteName": "a", "recoverySiteName": "b",
                "link": {"href": "h", "identifier": "vm-1", "rel": null, "type": "VmApi",
                         "vpg_identifier": "vpg-1"},
            })
        );
        let vpg = json!({"VpgIdentifier": "v", "Entities": {"Protected": 0, "Source": 0}});
        assert_eq!(
            appliance(ZvmModel::Vpg, vpg),
            json!({"entities": {"protected": 0}})
        );
    }
}
