//! The OpenAPI document a VBR server publishes for each revision it serves:
//! `GET /swagger/v<revision>/swagger.json` (`/swagger/v1.2-rev1/swagger.json`), answered without
//! a logon and without `x-api-version`, as the vendor's Swagger UI fetches it.
//!
//! The emulator publishes the spec it answers from: by default the project's own VBR spec
//! (`specs/vbr/openapi.yaml`, kept as JSON in `assets/vbr-openapi.json` and embedded at build
//! time, so nothing is read from the checkout at run time) under the one revision it models
//! ([`own_spec_revision`]). A document given with [`EmulatorConfig::with_vbr_spec`] is
//! published under the revision its `info.version` names (the place `emulate --spec` fills).
//! A revision without a document, or one the server does not serve, answers `404` with the VBR
//! error model. It never embeds a vendor's file.
//!
//! [`EmulatorConfig::with_vbr_spec`]: crate::EmulatorConfig::with_vbr_spec

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use axum::extract::{Path, State as AxState};
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use serde_json::Value;

use super::error_with;
use super::revision::ApiRevision;
use crate::state::State;

/// The project's own VBR spec as JSON (`specs/vbr/openapi.yaml`, converted; kept equal to it by
/// the emulator's tests).
pub const OWN_SPEC_JSON: &str = include_str!("../../assets/vbr-openapi.json");

/// The first path segment of every published spec.
const PREFIX: &str = "/swagger/";

/// The revision the project's own spec models (its `info.version`).
pub fn own_spec_revision() -> ApiRevision {
    OWN.0
}

/// Our own document, parsed once, with `info.version` set to the revision it models.
static OWN: LazyLock<(ApiRevision, Bytes)> = LazyLock::new(|| {
    let document: Value = serde_json::from_str(OWN_SPEC_JSON).unwrap_or(Value::Null);
    match revision_of(&document) {
        Ok(revision) => (revision, render(document, revision)),
        // Unreachable while the tests keep the asset valid; publish nothing rather than panic.
        Err(_) => (ApiRevision::new(0, 0, 0), Bytes::new()),
    }
});

/// Why a document cannot be published as a VBR spec.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SpecDocumentError {
    /// The document is not a JSON object with an `openapi` member.
    #[error("not an OpenAPI document (no \"openapi\" member)")]
    NotOpenApi,
    /// `info.version` is missing or is not a revision such as `1.3-rev1`.
    #[error("info.version is missing or not an API revision such as 1.3-rev1")]
    NoRevision,
}

/// The published spec documents, by revision.
#[derive(Clone, Debug)]
pub struct VbrSpecs {
    documents: BTreeMap<ApiRevision, Bytes>,
}

impl Default for VbrSpecs {
    /// The project's own spec under the revision it models.
    fn default() -> Self {
        let (revision, body) = OWN.clone();
        let mut documents = BTreeMap::new();
        if !body.is_empty() {
            documents.insert(revision, body);
        }
        Self { documents }
    }
}

impl VbrSpecs {
    /// Publishes `document` under the revision its `info.version` names, replacing what was
    /// published for that revision.
    pub fn insert(&mut self, document: Value) -> Result<ApiRevision, SpecDocumentError> {
        let revision = revision_of(&document)?;
        self.documents.insert(revision, render(document, revision));
        Ok(revision)
    }

    /// The revisions that have a document, oldest first.
    pub fn revisions(&self) -> impl Iterator<Item = ApiRevision> + '_ {
        self.documents.keys().copied()
    }

    /// The document published for `revision`, as served (pretty JSON).
    pub fn get(&self, revision: ApiRevision) -> Option<&Bytes> {
        self.documents.get(&revision)
    }
}

fn revision_of(document: &Value) -> Result<ApiRevision, SpecDocumentError> {
    if document.get("openapi").and_then(Value::as_str).is_none() {
        return Err(SpecDocumentError::NotOpenApi);
    }
    document
        .pointer("/info/version")
        .and_then(Value::as_str)
        .and_then(|v| v.parse().ok())
        .ok_or(SpecDocumentError::NoRevision)
}

fn render(mut document: Value, revision: ApiRevision) -> Bytes {
    if let Some(info) = document.get_mut("info").and_then(Value::as_object_mut) {
        info.insert("version".into(), Value::String(revision.to_string()));
    }
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    Bytes::from(text)
}

/// Whether `path` is a published spec's path (no logon, no `x-api-version` needed).
pub(crate) fn is_spec_path(path: &str) -> bool {
    path.starts_with(PREFIX) && path.ends_with("/swagger.json")
}

/// `GET /swagger/v<revision>/swagger.json`.
pub(crate) async fn swagger_json(
    AxState(st): AxState<Arc<State>>,
    Path(segment): Path<String>,
) -> Response {
    let not_published = || {
        error_with(
            StatusCode::NOT_FOUND,
            "NotFound",
            "no API specification is published for this revision",
        )
    };
    let Some(revision) = segment
        .strip_prefix('v')
        .and_then(|r| r.parse::<ApiRevision>().ok())
    else {
        return not_published();
    };
    let served = st
        .vbr_versions
        .read()
        .iter()
        .filter_map(|v| v.parse::<ApiRevision>().ok())
        .any(|v| v == revision);
    let body = st.vbr_specs.read().get(revision).cloned();
    match body {
        Some(body) if served => {
            let mut resp = Response::new(axum::body::Body::from(body));
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            resp
        }
        _ => not_published(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_spec_is_published_under_its_revision() {
        let specs = VbrSpecs::default();
        assert_eq!(specs.revisions().collect::<Vec<_>>(), [own_spec_revision()]);
        assert_eq!(own_spec_revision(), ApiRevision::new(1, 2, 1));
        let doc: Value = serde_json::from_slice(specs.get(own_spec_revision()).unwrap()).unwrap();
        assert_eq!(doc["info"]["version"], "1.2-rev1");
    }

    #[test]
    fn a_document_is_published_under_its_info_version() {
        let mut specs = VbrSpecs::default();
        let doc =
            serde_json::json!({"openapi": "3.0.1", "info": {"version": "1.3-rev1"}, "paths": {}});
        assert_eq!(specs.insert(doc), Ok(ApiRevision::new(1, 3, 1)));
        assert_eq!(specs.revisions().count(), 2);
        for (bad, why) in [
            (
                serde_json::json!({"info": {"version": "1.3-rev1"}}),
                SpecDocumentError::NotOpenApi,
            ),
            (
                serde_json::json!({"openapi": "3.0.1", "info": {"version": "1.0"}}),
                SpecDocumentError::NoRevision,
            ),
            (
                serde_json::json!({"openapi": "3.0.1"}),
                SpecDocumentError::NoRevision,
            ),
        ] {
            assert_eq!(specs.insert(bad), Err(why));
        }
        assert!(is_spec_path("/swagger/v1.2-rev1/swagger.json"));
        assert!(!is_spec_path("/api/v1/jobs"));
    }
}
