//! The answer of one operation: the spec's example when it validates, else a value built from
//! the schema ([`super::synth`]); prepared once per operation, then per request the path's ids
//! echoed and a list envelope paged.

use bytes::Bytes;
use http::StatusCode;
use restpoint_schema_check::Spec;
use serde_json::{Map, Value};

use super::synth::{Mode, Synth, hash};

/// How many items a list envelope built from a schema holds before paging.
pub(crate) const LIST_TOTAL: usize = 3;

/// Where a prepared answer came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// The spec's own example, which validates.
    Example,
    /// Built from the schema, and it validates.
    Built,
    /// Built from the schema, but it does not validate (the first reason).
    BuiltInvalid(String),
    /// The success response has no JSON body.
    NoBody,
}

/// The prepared answer of one operation.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub(crate) status: StatusCode,
    /// The body, when the success response has a JSON one.
    pub(crate) value: Option<Value>,
    /// `value`, serialised.
    pub(crate) bytes: Bytes,
    /// Whether `value` is a list envelope (`data` array, `pagination` object).
    pub(crate) list: bool,
    pub(crate) source: Source,
}

fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    let mut v = v;
    for _ in 0..8 {
        match v
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
        {
            Some(p) => match doc.pointer(p) {
                Some(t) => v = t,
                None => return v,
            },
            None => return v,
        }
    }
    v
}

/// The media type of `content` to answer with: JSON first, else the first with a schema.
pub(crate) fn json_media(content: &Value) -> Option<&Value> {
    let map = content.as_object()?;
    map.get("application/json")
        .or_else(|| map.iter().find(|(k, _)| k.contains("json")).map(|(_, v)| v))
        .or_else(|| map.values().find(|v| v.get("schema").is_some()))
        .filter(|m| m.get("schema").is_some())
}

/// The example of a media type, if any (`example`, or the first of `examples`).
fn example_of<'a>(doc: &'a Value, media: &'a Value) -> Option<&'a Value> {
    if let Some(e) = media.get("example") {
        return Some(e);
    }
    let first = media.get("examples")?.as_object()?.values().next()?;
    resolve(doc, first).get("value")
}

/// The success answer of `method template` (lower-case `method`).
pub(crate) fn prepare(spec: &Spec, method: &str, template: &str) -> Prepared {
    let doc = spec.document();
    let op = doc
        .get("paths")
        .and_then(|p| p.get(template))
        .and_then(|p| p.get(method))
        .unwrap_or(&Value::Null);
    let responses = op.get("responses").and_then(Value::as_object);
    let success = responses.and_then(|r| {
        let mut codes: Vec<(&String, &Value)> =
            r.iter().filter(|(k, _)| k.starts_with('2')).collect();
        codes.sort_by_key(|(k, _)| k.as_str());
        codes.into_iter().next()
    });
    let Some((code, response)) = success else {
        return no_body(StatusCode::OK);
    };
    let status = code
        .parse::<u16>()
        .ok()
        .and_then(|c| StatusCode::from_u16(c).ok())
        .unwrap_or(StatusCode::OK);
    let response = resolve(doc, response);
    let Some(media) = response.get("content").and_then(json_media) else {
        return no_body(status);
    };
    let Some(schema) = media.get("schema") else {
        return no_body(status);
    };
    let seed = hash(&[method, template]);
    let (value, source) = match example_of(doc, media) {
        Some(example) if spec.validate(schema, example).is_empty() => {
            (example.clone(), Source::Example)
        }
        _ => build(spec, schema, seed),
    };
    let list = is_list(&value);
    let value = if list && source != Source::Example {
        // Several items, each built with its own seed, so that paging has something to page.
        let mut all = Vec::new();
        for i in 0..LIST_TOTAL as u64 {
            let (v, _) = build(spec, schema, seed.wrapping_add(i));
            if let Some(items) = v.get("data").and_then(Value::as_array) {
                all.extend(items.iter().take(1).cloned());
            }
        }
        let mut value = value;
        value["data"] = Value::Array(all);
        value
    } else {
        value
    };
    let bytes = Bytes::from(value.to_string());
    Prepared {
        status,
        value: Some(value),
        bytes,
        list,
        source,
    }
}

fn no_body(status: StatusCode) -> Prepared {
    Prepared {
        status,
        value: None,
        bytes: Bytes::new(),
        list: false,
        source: Source::NoBody,
    }
}

/// A value built from `schema`: the first of several ways that validates, else the one with
/// the fewest errors.
fn build(spec: &Spec, schema: &Value, seed: u64) -> (Value, Source) {
    let mut best: Option<(usize, Value, String)> = None;
    for mode in [
        Mode::Full { optional_depth: 6 },
        Mode::Full { optional_depth: 2 },
        Mode::RequiredOnly,
    ] {
        let v = Synth::new(spec.document(), seed, mode).build(schema, "");
        let errors = spec.validate(schema, &v);
        if errors.is_empty() {
            return (v, Source::Built);
        }
        if best.as_ref().is_none_or(|(n, _, _)| errors.len() < *n) {
            best = Some((errors.len(), v, errors[0].to_string()));
        }
    }
    match best {
        Some((_, v, why)) => (v, Source::BuiltInvalid(why)),
        None => (Value::Null, Source::BuiltInvalid("nothing built".into())),
    }
}

fn is_list(v: &Value) -> bool {
    v.get("data").is_some_and(Value::is_array) && v.get("pagination").is_some_and(Value::is_object)
}

/// Paging of a list envelope: `skip` and `limit`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Paging {
    pub(crate) skip: usize,
    pub(crate) limit: Option<usize>,
}

impl Prepared {
    /// The body for one request: path ids echoed into the top-level `id` (or the property named
    /// like the path's parameter), a list paged. `None` when the prepared bytes serve as they
    /// are.
    pub(crate) fn render(&self, params: &[(String, String)], paging: Paging) -> Bytes {
        let Some(value) = &self.value else {
            return self.bytes.clone();
        };
        if self.list {
            let mut v = value.clone();
            let items = v
                .get("data")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let total = items.len();
            let page: Vec<Value> = items
                .into_iter()
                .skip(paging.skip)
                .take(paging.limit.unwrap_or(usize::MAX))
                .collect();
            let count = page.len();
            v["data"] = Value::Array(page);
            if let Some(p) = v.get_mut("pagination").and_then(Value::as_object_mut) {
                p.insert("total".into(), Value::from(total));
                p.insert("count".into(), Value::from(count));
                if p.contains_key("skip") {
                    p.insert("skip".into(), Value::from(paging.skip));
                }
                if p.contains_key("limit") {
                    p.insert(
                        "limit".into(),
                        Value::from(paging.limit.unwrap_or(total).min(i32::MAX as usize)),
                    );
                }
            }
            return Bytes::from(v.to_string());
        }
        let Some(obj) = value.as_object() else {
            return self.bytes.clone();
        };
        let echoes: Vec<(String, &str)> = params
            .iter()
            .filter_map(|(name, got)| echo_key(obj, name, got).map(|k| (k, got.as_str())))
            .collect();
        if echoes.is_empty() {
            return self.bytes.clone();
        }
        let mut obj: Map<String, Value> = obj.clone();
        for (key, got) in echoes {
            obj.insert(key, Value::String(got.to_string()));
        }
        Bytes::from(Value::Object(obj).to_string())
    }
}

/// The top-level key of `obj` that takes the path parameter `name` = `got`: `id` or a key named
/// like the parameter (without regard to case), holding a string; a UUID only replaces a UUID.
fn echo_key(obj: &Map<String, Value>, name: &str, got: &str) -> Option<String> {
    let key = obj
        .keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .or_else(|| obj.keys().find(|k| k.eq_ignore_ascii_case("id")))?;
    let current = obj.get(key)?.as_str()?;
    let is_uuid = |s: &str| uuid::Uuid::parse_str(s).is_ok();
    (!is_uuid(current) || is_uuid(got)).then(|| key.clone())
}
