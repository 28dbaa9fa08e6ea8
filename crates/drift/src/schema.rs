//! Comparing two schemas the way a client reads (answers) or writes (requests) them: `$ref`s are
//! followed, `allOf` parts merged, `oneOf`/`anyOf` variants matched by name, and every pair of
//! named schemas is compared once per operation, which also ends recursive models.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde_json::Value;

use crate::change::{Change, ChangeKind, Severity};
use crate::spec::Spec;

/// How deep `allOf` parts are followed inside one schema before the rest is ignored.
const MAX_ALLOF_DEPTH: usize = 16;

/// How deep fields are followed from a location's root (no real model nests this deep; it keeps
/// a hostile document from exhausting the stack).
const MAX_FIELD_DEPTH: usize = 64;

/// Whether the program writes the value (a request) or reads it (an answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Parameters and request bodies: the program sends them.
    Request,
    /// Success answers: the program decodes them.
    Response,
}

/// A schema as a client sees it: its refs followed and its `allOf` parts merged.
#[derive(Debug, Default)]
struct View<'a> {
    name: Option<&'a str>,
    ty: Option<String>,
    format: Option<&'a str>,
    enumeration: Option<Vec<String>>,
    properties: BTreeMap<&'a str, &'a Value>,
    required: BTreeSet<&'a str>,
    items: Option<&'a Value>,
    variants: Vec<&'a Value>,
    closed: bool,
}

fn view<'a>(spec: &'a Spec, value: &'a Value) -> View<'a> {
    let mut v = View::default();
    let mut visiting = Vec::new();
    merge(spec, value, &mut v, &mut visiting, 0);
    if v.ty.is_none() {
        v.ty = if !v.properties.is_empty() {
            Some("object".into())
        } else if v.items.is_some() {
            Some("array".into())
        } else {
            v.enumeration.as_ref().and(value_enum_first(spec, value))
        };
    }
    v
}

/// The JSON type of the first enumeration value (`string`), for an enum without `type`.
fn value_enum_first(spec: &Spec, value: &Value) -> Option<String> {
    let (_, s) = spec.resolve(value);
    let first = s["enum"].as_array()?.iter().find(|v| !v.is_null())?;
    Some(
        match first {
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_f64() => "number",
            Value::Number(_) => "integer",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            _ => "object",
        }
        .to_owned(),
    )
}

fn merge<'a>(
    spec: &'a Spec,
    value: &'a Value,
    v: &mut View<'a>,
    visiting: &mut Vec<*const Value>,
    depth: usize,
) {
    let (name, s) = spec.resolve(value);
    if depth > MAX_ALLOF_DEPTH || visiting.contains(&(s as *const Value)) {
        return;
    }
    visiting.push(s);
    if depth == 0 {
        v.name = name;
    }
    if v.ty.is_none() {
        v.ty = match &s["type"] {
            Value::String(t) => Some(t.clone()),
            // OpenAPI 3.1: `type: [string, "null"]`.
            Value::Array(ts) => ts
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .map(str::to_owned),
            _ => None,
        };
    }
    if v.format.is_none() {
        v.format = s["format"].as_str();
    }
    if let Some(values) = s["enum"].as_array() {
        let values = values
            .iter()
            .filter(|x| !x.is_null())
            .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
            .collect();
        v.enumeration.get_or_insert(values);
    }
    if let Some(props) = s["properties"].as_object() {
        for (k, p) in props {
            v.properties.entry(k.as_str()).or_insert(p);
        }
    }
    for r in s["required"].as_array().into_iter().flatten() {
        if let Some(r) = r.as_str() {
            v.required.insert(r);
        }
    }
    if v.items.is_none() {
        v.items = s.get("items");
    }
    if s["additionalProperties"] == Value::Bool(false) {
        v.closed = true;
    }
    // The variants of a part of `allOf` are that part's (a base model listing its subtypes),
    // not this schema's own.
    for key in ["oneOf", "anyOf"].into_iter().filter(|_| depth == 0) {
        v.variants
            .extend(s[key].as_array().into_iter().flatten().filter(|x| {
                // `nullable` spelled as a variant (`oneOf: [{$ref}, {type: "null"}]`) is no variant.
                x["type"].as_str() != Some("null")
            }));
    }
    for part in s["allOf"].as_array().into_iter().flatten() {
        merge(spec, part, v, visiting, depth + 1);
    }
    visiting.pop();
}

/// Compares the schemas of one location (a parameter, a request body, an answer) of one operation
/// and collects the changes.
pub(crate) struct Walk<'a> {
    pub old: &'a Spec,
    pub new: &'a Spec,
    pub direction: Direction,
    /// Pairs of named schemas already compared at this location.
    pub seen: HashSet<(String, String)>,
    pub location: String,
    pub out: &'a mut Vec<Change>,
    /// How many schemas deep the walk is.
    pub depth: usize,
}

impl Walk<'_> {
    fn push(
        &mut self,
        severity: Severity,
        kind: ChangeKind,
        field: &str,
        schema: Option<String>,
        detail: String,
    ) {
        self.out.push(Change {
            severity,
            kind,
            location: self.location.clone(),
            field: field.to_owned(),
            schema,
            detail,
        });
    }

    /// Compares `old` (of the first document) with `new` (of the second) found at `field`;
    /// `owner` is the named schema and property holding them (`JobModel.type`), if any.
    pub(crate) fn compare(&mut self, old: &Value, new: &Value, field: &str, owner: Option<String>) {
        if self.depth >= MAX_FIELD_DEPTH {
            return;
        }
        self.depth += 1;
        self.compare_at(old, new, field, owner);
        self.depth -= 1;
    }

    fn compare_at(&mut self, old: &Value, new: &Value, field: &str, owner: Option<String>) {
        let (o, n) = (view(self.old, old), view(self.new, new));
        if let (Some(a), Some(b)) = (o.name, n.name)
            && !self.seen.insert((a.to_owned(), b.to_owned()))
        {
            return;
        }
        let here = match (o.name, n.name) {
            (Some(a), Some(b)) if a != b => Some(format!("{a} → {b}")),
            (a, b) => a.or(b).map(str::to_owned).or(owner),
        };
        if let (Some(a), Some(b)) = (&o.ty, &n.ty) {
            if a != b {
                self.push(
                    Severity::Breaking,
                    ChangeKind::Retyped,
                    field,
                    here,
                    format!("{a} → {b}"),
                );
                return;
            }
            if let (Some(fa), Some(fb)) = (o.format, n.format)
                && fa != fb
            {
                self.push(
                    Severity::Tolerated,
                    ChangeKind::FormatChanged,
                    field,
                    here.clone(),
                    format!("{a} {fa} → {b} {fb}"),
                );
            }
        }
        if let (Some(a), Some(b)) = (&o.enumeration, &n.enumeration) {
            self.enumeration(a, b, field, here.clone());
        }
        if !o.properties.is_empty() || !n.properties.is_empty() {
            self.properties(&o, &n, field);
        }
        if let (Some(a), Some(b)) = (o.items, n.items) {
            self.compare(a, b, &format!("{field}[]"), here.clone());
        }
        if !o.variants.is_empty() && !n.variants.is_empty() {
            self.variants(&o, &n, field, here);
        }
    }

    fn enumeration(&mut self, old: &[String], new: &[String], field: &str, at: Option<String>) {
        let gone: Vec<&String> = old.iter().filter(|v| !new.contains(v)).collect();
        let came: Vec<&String> = new.iter().filter(|v| !old.contains(v)).collect();
        let recased = |v: &String, pool: &[&String]| {
            pool.iter()
                .find(|w| w.eq_ignore_ascii_case(v))
                .map(|w| (*w).clone())
        };
        let lost: Vec<&String> = gone
            .iter()
            .copied()
            .filter(|v| recased(v, &came).is_none())
            .collect();
        let fresh: Vec<&String> = came
            .iter()
            .copied()
            .filter(|v| recased(v, &gone).is_none())
            .collect();
        let pairs: Vec<String> = gone
            .iter()
            .filter_map(|v| recased(v, &came).map(|w| format!("{v:?} → {w:?}")))
            .collect();
        if !pairs.is_empty() {
            self.push(
                Severity::Tolerated,
                ChangeKind::EnumValueRecased,
                field,
                at.clone(),
                format!(
                    "{} (case only: tolerated by restpoint's lenient decoding)",
                    pairs.join(", ")
                ),
            );
        }
        if let ([v], [w]) = (lost.as_slice(), fresh.as_slice()) {
            self.push(
                Severity::Breaking,
                ChangeKind::EnumValueRenamed,
                field,
                at,
                format!("{v:?} → {w:?}"),
            );
            return;
        }
        for v in lost {
            self.push(
                Severity::Breaking,
                ChangeKind::EnumValueRemoved,
                field,
                at.clone(),
                format!("{v:?} is gone"),
            );
        }
        if !fresh.is_empty() {
            let values: Vec<String> = fresh.iter().map(|w| format!("{w:?}")).collect();
            self.push(
                Severity::Added,
                ChangeKind::EnumValueAdded,
                field,
                at,
                format!("new: {}", values.join(", ")),
            );
        }
    }

    fn properties(&mut self, o: &View<'_>, n: &View<'_>, field: &str) {
        let join = |p: &str| {
            if field.is_empty() {
                p.to_owned()
            } else {
                format!("{field}.{p}")
            }
        };
        let owned = |view: &View<'_>, p: &str| view.name.map(|name| format!("{name}.{p}"));
        for (p, old) in &o.properties {
            let was_required = o.required.contains(p);
            let at = owned(o, p).or_else(|| owned(n, p));
            let recased = flip_first(p).filter(|q| {
                !n.properties.contains_key(p)
                    && n.properties.contains_key(q.as_str())
                    && !o.properties.contains_key(q.as_str())
            });
            let (p_new, new) = match &recased {
                Some(q) => (q.as_str(), n.properties.get(q.as_str())),
                None => (*p, n.properties.get(p)),
            };
            let is_required = n.required.contains(p_new);
            if let Some(q) = &recased {
                let why = match self.direction {
                    Direction::Response => "restpoint's models accept both spellings (ZVM-14)",
                    Direction::Request => {
                        "the first letter's case differs; whether the server accepts the old one is not documented"
                    }
                };
                self.push(
                    Severity::Tolerated,
                    ChangeKind::FieldRecased,
                    &join(p),
                    at.clone(),
                    format!("{p} → {q}: {why}"),
                );
            }
            let Some(new) = new else {
                let (severity, why) = match self.direction {
                    Direction::Response if was_required => {
                        (Severity::Breaking, "a required answer field is gone")
                    }
                    Direction::Response => (
                        Severity::Tolerated,
                        "an optional answer field is gone (read as absent)",
                    ),
                    Direction::Request if n.closed => (
                        Severity::Breaking,
                        "gone, and the model forbids other properties",
                    ),
                    Direction::Request => (Severity::Tolerated, "gone (servers ignore it)"),
                };
                let kind = match self.direction {
                    Direction::Response => ChangeKind::ResponseFieldRemoved,
                    Direction::Request => ChangeKind::RequestFieldRemoved,
                };
                self.push(severity, kind, &join(p), at, why.to_owned());
                continue;
            };
            match self.direction {
                Direction::Response if was_required && !is_required => self.push(
                    Severity::Breaking,
                    ChangeKind::ResponseFieldNowOptional,
                    &join(p),
                    at.clone(),
                    "required → optional".into(),
                ),
                Direction::Request if !was_required && is_required => self.push(
                    Severity::Breaking,
                    ChangeKind::RequestFieldNowRequired,
                    &join(p),
                    at.clone(),
                    "optional → required".into(),
                ),
                _ => {}
            }
            self.compare(old, new, &join(p), at);
        }
        let known = |q: &str| {
            o.properties.contains_key(q)
                || flip_first(q).is_some_and(|f| {
                    o.properties.contains_key(f.as_str()) && !n.properties.contains_key(f.as_str())
                })
        };
        for p in n.properties.keys().filter(|p| !known(p)) {
            let required = n.required.contains(p);
            let at = owned(n, p);
            let (severity, kind, detail) = match self.direction {
                Direction::Request if required => (
                    Severity::Breaking,
                    ChangeKind::RequiredRequestFieldAdded,
                    "new and required",
                ),
                Direction::Request => (
                    Severity::Added,
                    ChangeKind::OptionalRequestFieldAdded,
                    "new, optional",
                ),
                Direction::Response => (
                    Severity::Added,
                    ChangeKind::ResponseFieldAdded,
                    if required {
                        "new, always sent"
                    } else {
                        "new, optional"
                    },
                ),
            };
            self.push(severity, kind, &join(p), at, detail.to_owned());
        }
    }

    fn variants(&mut self, o: &View<'_>, n: &View<'_>, field: &str, at: Option<String>) {
        let named = |spec: &Spec, vs: &[&Value]| -> Vec<String> {
            vs.iter()
                .enumerate()
                .map(|(i, v)| {
                    spec.resolve(v)
                        .0
                        .map_or_else(|| format!("#{i}"), str::to_owned)
                })
                .collect()
        };
        let old_names = named(self.old, &o.variants);
        let new_names = named(self.new, &n.variants);
        for (i, name) in old_names.iter().enumerate() {
            match new_names.iter().position(|m| m == name) {
                Some(j) => {
                    let (a, b) = (o.variants[i], n.variants[j]);
                    self.compare(a, b, &format!("{field}<{name}>"), at.clone());
                }
                None => {
                    let severity = match self.direction {
                        Direction::Request => Severity::Breaking,
                        Direction::Response => Severity::Tolerated,
                    };
                    self.push(
                        severity,
                        ChangeKind::VariantRemoved,
                        field,
                        at.clone(),
                        format!("variant {name} is gone"),
                    );
                }
            }
        }
        for name in new_names.iter().filter(|m| !old_names.contains(m)) {
            self.push(
                Severity::Added,
                ChangeKind::VariantAdded,
                field,
                at.clone(),
                format!("variant {name} is new"),
            );
        }
    }
}

/// `siteIdentifier` for `SiteIdentifier` and the reverse; `None` when the first character has no
/// other case.
fn flip_first(name: &str) -> Option<String> {
    let mut chars = name.chars();
    let first = chars.next()?;
    let flipped: String = if first.is_uppercase() {
        first.to_lowercase().collect()
    } else if first.is_lowercase() {
        first.to_uppercase().collect()
    } else {
        return None;
    };
    Some(flipped + chars.as_str())
}

/// When `old` is a single value and `new` an array of values of the same JSON type (`string` →
/// `array of string`), the array's item schema: for a query or header parameter a single value
/// is still a valid one-element array.
pub(crate) fn widened_to_array<'a>(
    old_spec: &Spec,
    old: &Value,
    new_spec: &'a Spec,
    new: &'a Value,
) -> Option<&'a Value> {
    let (o, n) = (view(old_spec, old), view(new_spec, new));
    let items = n.items.filter(|_| n.ty.as_deref() == Some("array"))?;
    let item = view(new_spec, items);
    (o.ty.is_some() && o.ty != n.ty && o.ty == item.ty).then_some(items)
}
