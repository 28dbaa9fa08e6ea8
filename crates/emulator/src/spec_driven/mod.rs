//! Spec-driven answers: every operation of a vendor's OpenAPI document served behind the
//! emulator's session layer (`restpoint emulate --spec vbr=FILE`, [`EmulatorConfig::with_spec`]).
//!
//! A request reaches this module only when no hand-modelled route of the product took it (the
//! product router's fallbacks call [`serve`]): hand-modelled routes keep their stateful
//! behaviour. The product's guard has run by then (faults, counters, header limits, VBR's
//! `x-api-version`); [`serve`] finds the operation (an unknown path stays the product's `404`),
//! authenticates with the product's own check (VBR bearer, ZVM `x-zerto-session` or Bearer),
//! checks the body against the request schema (the product's `400`), and answers the
//! operation's documented success response. The concepts:
//!
//! - [`routes`]: the route table (path templates → operations);
//! - [`synth`]: a value built from a schema, deterministic (seeded by operation and place);
//! - [`answer`]: the answer of an operation (the spec's example when it validates, else a built
//!   value), prepared once, then per request ids echoed and lists paged;
//! - [`request`]: the request body against its schema, `skip`/`limit`.
//!
//! [`EmulatorConfig::with_spec`]: crate::EmulatorConfig::with_spec

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use restpoint_schema_check::Spec;
use serde_json::Value;

use crate::state::Product;
use crate::vbr::revision::ApiRevision;
use crate::vbr::spec::SpecDocumentError;

mod answer;
mod request;
mod routes;
mod synth;

pub use answer::Source;

use answer::Prepared;
use routes::{Match, RouteTable};

/// Why a document cannot be served with `--spec`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// The argument is not `PRODUCT=FILE`.
    #[error("--spec takes PRODUCT=FILE (vbr=FILE or zvm=FILE), not {0:?}")]
    Argument(String),
    /// The product is not one whose API is described by OpenAPI.
    #[error("unknown product {0:?} for --spec: vbr or zvm (EM's API is XML, described by XSD)")]
    UnknownProduct(String),
    /// The file could not be read or parsed.
    #[error("cannot load {path}: {reason}")]
    Load {
        /// The file.
        path: PathBuf,
        /// Why, in words.
        reason: String,
    },
    /// The document is not OpenAPI 3 (a Swagger 2.0 file, or no `openapi` member).
    #[error("not an OpenAPI 3 document (its \"openapi\" member is {found})")]
    NotOpenApi3 {
        /// What the document's `openapi` (or `swagger`) member says.
        found: String,
    },
    /// The document has no `paths` object.
    #[error("the OpenAPI document has no \"paths\" object")]
    NoPaths,
    /// A VBR document's `info.version` names no API revision.
    #[error("the VBR document cannot be published: {0}")]
    Revision(#[from] SpecDocumentError),
}

/// A product named on the command line (`vbr`, `zvm`).
pub fn parse_product(name: &str) -> Result<Product, SpecError> {
    match name.trim().to_ascii_lowercase().as_str() {
        "vbr" => Ok(Product::Vbr),
        "zvm" => Ok(Product::Zvm),
        other => Err(SpecError::UnknownProduct(other.to_string())),
    }
}

/// `PRODUCT=FILE` of `--spec`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecArg {
    /// The product whose operations the file describes.
    pub product: Product,
    /// The OpenAPI 3 file (JSON or YAML).
    pub path: PathBuf,
}

impl std::str::FromStr for SpecArg {
    type Err = SpecError;

    fn from_str(s: &str) -> Result<Self, SpecError> {
        let (product, path) = s
            .split_once('=')
            .filter(|(_, p)| !p.is_empty())
            .ok_or_else(|| SpecError::Argument(s.to_string()))?;
        Ok(Self {
            product: parse_product(product)?,
            path: PathBuf::from(path),
        })
    }
}

/// Reads an OpenAPI 3 document (JSON or YAML) from a file.
pub fn load_document(path: &Path) -> Result<Value, SpecError> {
    let spec = Spec::from_file(path).map_err(|e| SpecError::Load {
        path: path.to_path_buf(),
        reason: e.to_string(),
    });
    let doc = match spec {
        Ok(spec) => spec.document().clone(),
        // No `paths`: still say whether it is OpenAPI 3 at all.
        Err(load) => {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            match serde_json::from_str::<Value>(&text) {
                Ok(doc) if doc.is_object() => doc,
                _ => return Err(load),
            }
        }
    };
    check_openapi3(&doc)?;
    Ok(doc)
}

fn check_openapi3(doc: &Value) -> Result<(), SpecError> {
    match doc.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.") => {}
        Some(v) => return Err(SpecError::NotOpenApi3 { found: v.into() }),
        None => {
            let found = match doc.get("swagger").and_then(Value::as_str) {
                Some(v) => format!("missing; \"swagger\": {v:?}"),
                None => "missing".to_string(),
            };
            return Err(SpecError::NotOpenApi3 { found });
        }
    }
    if !doc.get("paths").is_some_and(Value::is_object) {
        return Err(SpecError::NoPaths);
    }
    Ok(())
}

/// One vendor document served: its route table and its operations' answers (prepared on first
/// use, then kept).
pub struct ServedSpec {
    product: Product,
    revision: Option<ApiRevision>,
    spec: Spec,
    routes: RouteTable,
    answers: Vec<OnceLock<Prepared>>,
}

impl std::fmt::Debug for ServedSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServedSpec")
            .field("product", &self.product)
            .field("revision", &self.revision)
            .field("operations", &self.routes.len())
            .finish_non_exhaustive()
    }
}

impl ServedSpec {
    /// A document for `product` (VBR: `info.version` must name a revision such as `1.3-rev1`).
    pub fn new(product: Product, doc: Value) -> Result<Self, SpecError> {
        if product == Product::Em {
            return Err(SpecError::UnknownProduct("em".into()));
        }
        check_openapi3(&doc)?;
        let revision = match product {
            Product::Vbr => Some(
                doc.pointer("/info/version")
                    .and_then(Value::as_str)
                    .and_then(|v| v.parse::<ApiRevision>().ok())
                    .ok_or(SpecDocumentError::NoRevision)?,
            ),
            _ => None,
        };
        let routes = RouteTable::new(&doc);
        let spec = Spec::from_value(doc).map_err(|_| SpecError::NoPaths)?;
        let answers = (0..routes.len()).map(|_| OnceLock::new()).collect();
        Ok(Self {
            product,
            revision,
            spec,
            routes,
            answers,
        })
    }

    /// The product served.
    pub fn product(&self) -> Product {
        self.product
    }

    /// The VBR revision the document describes (`None` for ZVM).
    pub fn revision(&self) -> Option<ApiRevision> {
        self.revision
    }

    /// How many operations the document has.
    pub fn operation_count(&self) -> usize {
        self.routes.len()
    }

    /// Whether the spec has an operation for `method path` whose template is more literal than
    /// `matched`, the hand-modelled route that took the request (`/jobs/states` over
    /// `/jobs/{id}`): the spec's operation then answers. Same literal count: the hand route wins.
    pub(crate) fn more_literal_than(&self, method: &Method, path: &str, matched: &str) -> bool {
        let literals = |t: &str| {
            t.split('/')
                .filter(|s| !s.is_empty() && !s.starts_with('{'))
                .count()
        };
        match self.routes.find(method, path) {
            Match::Found(op, _) => literals(&op.template) > literals(matched),
            _ => false,
        }
    }

    /// Every operation as `(METHOD, template)`, and where its answer comes from (preparing it).
    pub fn operations(&self) -> Vec<(String, String, Source)> {
        self.routes
            .operations()
            .map(|op| {
                (
                    op.method.to_string(),
                    op.template.clone(),
                    self.prepared(op).source.clone(),
                )
            })
            .collect()
    }

    fn prepared(&self, op: &routes::Operation) -> &Prepared {
        let slot = &self.answers[op.index];
        slot.get_or_init(|| {
            answer::prepare(
                &self.spec,
                &op.method.as_str().to_ascii_lowercase(),
                &op.template,
            )
        })
    }
}

/// The documents served per product (VBR: one per revision).
#[derive(Debug, Clone, Default)]
pub struct ServedSpecs {
    vbr: Vec<Arc<ServedSpec>>,
    zvm: Option<Arc<ServedSpec>>,
}

impl ServedSpecs {
    /// Serves `spec` (a VBR document replaces the one of the same revision; a ZVM one the ZVM
    /// one).
    pub fn insert(&mut self, spec: ServedSpec) {
        let spec = Arc::new(spec);
        match spec.product {
            Product::Vbr => {
                self.vbr.retain(|s| s.revision != spec.revision);
                self.vbr.push(spec);
                self.vbr.sort_by_key(|s| s.revision);
            }
            Product::Zvm => self.zvm = Some(spec),
            Product::Em => {}
        }
    }

    /// Whether no document is served.
    pub fn is_empty(&self) -> bool {
        self.vbr.is_empty() && self.zvm.is_none()
    }

    /// The VBR document for a request's revision: the same revision, else the newest older one,
    /// else the oldest; without a revision, the newest.
    pub fn vbr_for(&self, revision: Option<ApiRevision>) -> Option<&Arc<ServedSpec>> {
        let Some(revision) = revision else {
            return self.vbr.last();
        };
        self.vbr
            .iter()
            .rev()
            .find(|s| s.revision.is_some_and(|r| r <= revision))
            .or_else(|| self.vbr.first())
    }

    /// Every document served, VBR ones first (oldest revision first).
    pub fn all(&self) -> Vec<Arc<ServedSpec>> {
        self.vbr.iter().chain(self.zvm.as_ref()).cloned().collect()
    }

    /// The ZVM document.
    pub fn zvm(&self) -> Option<&Arc<ServedSpec>> {
        self.zvm.as_ref()
    }
}

/// What the product glue supplies: its authentication and its error model.
pub(crate) struct Glue<'a> {
    /// Authenticates the request's headers (the product's own check).
    pub(crate) authenticate: &'a (dyn Fn(&HeaderMap) -> Result<(), Response> + Sync),
    /// The product's error answer for a status and a message.
    pub(crate) error: &'a (dyn Fn(StatusCode, &str, &HeaderMap) -> Response + Sync),
    /// The largest body read.
    pub(crate) body_limit: usize,
}

/// Answers `req` from `served`, or gives it back when the spec has no such path (the caller
/// then answers its own `404`/`405`).
pub(crate) async fn serve(
    served: &ServedSpec,
    req: Request,
    glue: Glue<'_>,
) -> Result<Response, Request> {
    let (op, params) = match served.routes.find(req.method(), req.uri().path()) {
        Match::NotFound => return Err(req),
        Match::MethodNotAllowed => {
            return Ok((glue.error)(
                StatusCode::METHOD_NOT_ALLOWED,
                "method not allowed on this resource",
                req.headers(),
            ));
        }
        Match::Found(op, params) => (op, params),
    };
    let (parts, body) = req.into_parts();
    if let Err(refused) = (glue.authenticate)(&parts.headers) {
        return Ok(refused);
    }
    let method = op.method.as_str().to_ascii_lowercase();
    let body = match axum::body::to_bytes(body, glue.body_limit).await {
        Ok(b) => b,
        Err(_) => {
            return Ok((glue.error)(
                StatusCode::PAYLOAD_TOO_LARGE,
                "the request body is too large",
                &parts.headers,
            ));
        }
    };
    let checked = request::check_body(&served.spec, &method, &op.template, &parts.headers, &body)
        .and_then(|()| request::paging(parts.uri.query()));
    let paging = match checked {
        Ok(p) => p,
        Err(request::BadRequest(why)) => {
            return Ok((glue.error)(StatusCode::BAD_REQUEST, &why, &parts.headers));
        }
    };
    let prepared = served.prepared(op);
    let mut resp = if prepared.value.is_some() {
        let mut r = Response::new(Body::from(prepared.render(&params, paging)));
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        r
    } else {
        Response::new(Body::empty())
    };
    *resp.status_mut() = prepared.status;
    if parts.method == Method::HEAD {
        *resp.body_mut() = Body::empty();
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn arguments_and_documents_are_checked() {
        let arg: SpecArg = "VBR=/tmp/x.json".parse().unwrap();
        assert_eq!(arg.product, Product::Vbr);
        assert!(matches!(
            "em=/tmp/x".parse::<SpecArg>(),
            Err(SpecError::UnknownProduct(_))
        ));
        assert!(matches!(
            "vbr".parse::<SpecArg>(),
            Err(SpecError::Argument(_))
        ));
        let swagger2 = json!({"swagger": "2.0", "paths": {}});
        assert!(matches!(
            ServedSpec::new(Product::Zvm, swagger2),
            Err(SpecError::NotOpenApi3 { .. })
        ));
        let no_rev = json!({"openapi": "3.0.1", "info": {"version": "1.0"}, "paths": {}});
        assert!(matches!(
            ServedSpec::new(Product::Vbr, no_rev.clone()),
            Err(SpecError::Revision(_))
        ));
        assert!(ServedSpec::new(Product::Zvm, no_rev).is_ok());
    }

    #[test]
    fn the_nearest_vbr_revision_answers() {
        let mut specs = ServedSpecs::default();
        for v in ["1.2-rev1", "1.3-rev1"] {
            let doc = json!({"openapi": "3.0.1", "info": {"version": v}, "paths": {}});
            specs.insert(ServedSpec::new(Product::Vbr, doc).unwrap());
        }
        let rev = |s: &str| s.parse::<ApiRevision>().ok();
        let pick = |r| specs.vbr_for(r).and_then(|s| s.revision());
        assert_eq!(pick(rev("1.3-rev0")), rev("1.2-rev1"));
        assert_eq!(pick(rev("1.3-rev2")), rev("1.3-rev1"));
        assert_eq!(pick(rev("1.0-rev1")), rev("1.2-rev1"));
        assert_eq!(pick(None), rev("1.3-rev1"));
    }
}
