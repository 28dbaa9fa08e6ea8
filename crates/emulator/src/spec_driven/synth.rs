//! A value built from a schema: required properties (and, near the top, the optional ones),
//! the first value of an enumeration, strings in the schema's `format` (uuid, date-time, ...),
//! `allOf` merged, and for `oneOf`/`anyOf` the variant a discriminator names (its property set to
//! the mapping's key). Every value is a function of the seed and of its place in the document, so
//! the same operation always answers the same bytes.

use serde_json::{Map, Value};

/// How deep a value nests before only empty objects and arrays are written.
const MAX_DEPTH: usize = 24;

/// How a value is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Optional properties too, down to this depth (then required ones only).
    Full {
        /// The depth down to which optional properties are written.
        optional_depth: usize,
    },
    /// Required properties only.
    RequiredOnly,
}

/// One build over one document.
pub(crate) struct Synth<'d> {
    doc: &'d Value,
    seed: u64,
    mode: Mode,
    /// `$ref`s being expanded (a schema met again inside itself is built without its variants,
    /// then as an empty value).
    stack: Vec<&'d str>,
}

/// FNV-1a, 64 bits: a stable hash (the standard library's is seeded per process).
pub(crate) fn hash(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// A version-4-shaped UUID from a hash.
pub(crate) fn uuid_from(h: u64) -> String {
    let a = h;
    let b = h.rotate_left(29) ^ 0x9e37_79b9_7f4a_7c15;
    let bytes: Vec<u8> = a.to_be_bytes().into_iter().chain(b.to_be_bytes()).collect();
    let mut raw = [0u8; 16];
    raw.copy_from_slice(&bytes);
    raw[6] = (raw[6] & 0x0f) | 0x40;
    raw[8] = (raw[8] & 0x3f) | 0x80;
    uuid::Uuid::from_bytes(raw).to_string()
}

impl<'d> Synth<'d> {
    pub(crate) fn new(doc: &'d Value, seed: u64, mode: Mode) -> Self {
        Self {
            doc,
            seed,
            mode,
            stack: Vec::new(),
        }
    }

    /// The value for `schema`; `place` names where it sits (a JSON pointer), for the seed.
    pub(crate) fn build(&mut self, schema: &'d Value, place: &str) -> Value {
        self.value(schema, place, "", 0, false)
    }

    fn h(&self, place: &str) -> u64 {
        hash(&[&self.seed.to_string(), place])
    }

    fn resolve(&self, reference: &str) -> Option<&'d Value> {
        self.doc.pointer(reference.strip_prefix('#')?)
    }

    fn value(
        &mut self,
        schema: &'d Value,
        place: &str,
        name: &str,
        depth: usize,
        shallow: bool,
    ) -> Value {
        let Some(obj) = schema.as_object() else {
            return Value::String(String::new());
        };
        if let Some(reference) = obj.get("$ref").and_then(Value::as_str) {
            let Some(target) = self.resolve(reference) else {
                return Value::Null;
            };
            let seen = self.stack.iter().filter(|r| **r == reference).count();
            if seen >= 2 || depth > MAX_DEPTH {
                return empty_of(target);
            }
            self.stack.push(reference);
            let v = self.value(target, place, name, depth + 1, shallow || seen == 1);
            self.stack.pop();
            return v;
        }
        if depth > MAX_DEPTH {
            return empty_of(schema);
        }
        if let Some(first) = obj
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|e| e.iter().find(|v| !v.is_null()))
        {
            return first.clone();
        }
        // A discriminated choice: the first variant of the mapping (or of oneOf/anyOf).
        if !shallow && let Some(v) = self.discriminated(obj, place, name, depth) {
            return v;
        }
        if !shallow
            && obj.get("discriminator").is_none()
            && let Some(first) = obj
                .get("oneOf")
                .or_else(|| obj.get("anyOf"))
                .and_then(Value::as_array)
                .and_then(|a| a.first())
        {
            let mut v = self.value(first, place, name, depth + 1, false);
            self.own_properties(obj, &mut v, place, depth);
            return v;
        }
        if let Some(all) = obj.get("allOf").and_then(Value::as_array) {
            let mut v = Value::Object(Map::new());
            for part in all {
                let p = self.value(part, place, name, depth + 1, shallow);
                merge(&mut v, p);
            }
            self.own_properties(obj, &mut v, place, depth);
            return v;
        }
        let ty = obj.get("type").and_then(Value::as_str).unwrap_or_else(|| {
            if obj.contains_key("properties") {
                "object"
            } else if obj.contains_key("items") {
                "array"
            } else {
                "string"
            }
        });
        match ty {
            "object" => {
                let mut v = Value::Object(Map::new());
                self.own_properties(obj, &mut v, place, depth);
                v
            }
            "array" => {
                let Some(items) = obj.get("items") else {
                    return Value::Array(Vec::new());
                };
                let n = obj
                    .get("minItems")
                    .and_then(Value::as_u64)
                    .unwrap_or(1)
                    .clamp(1, 3);
                let n = usize::try_from(n).unwrap_or(1);
                Value::Array(
                    (0..n)
                        .map(|i| self.value(items, &format!("{place}/{i}"), name, depth + 1, false))
                        .collect(),
                )
            }
            "integer" => Value::from(self.integer(obj)),
            "number" => {
                let n = self.integer(obj);
                serde_json::Number::from_f64(n as f64 + 0.5)
                    .filter(|_| obj.get("maximum").is_none())
                    .map_or(Value::from(n), Value::Number)
            }
            "boolean" => match obj.get("default") {
                Some(Value::Bool(b)) => Value::Bool(*b),
                _ => Value::Bool(true),
            },
            _ => Value::String(self.string(obj, place, name)),
        }
    }

    /// The properties a schema declares itself, added to `v` (when it is an object).
    fn own_properties(
        &mut self,
        obj: &'d Map<String, Value>,
        v: &mut Value,
        place: &str,
        depth: usize,
    ) {
        let Some(props) = obj.get("properties").and_then(Value::as_object) else {
            self.required_rest(obj, v, place, depth);
            return;
        };
        let required: Vec<&str> = obj
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let optional = match self.mode {
            Mode::Full { optional_depth } => depth < optional_depth,
            Mode::RequiredOnly => false,
        };
        for (key, sub) in props {
            let present = v.as_object().is_none_or(|m| m.contains_key(key));
            if present || !(optional || required.contains(&key.as_str())) {
                continue;
            }
            let x = self.value(sub, &format!("{place}/{key}"), key, depth + 1, false);
            if let Some(map) = v.as_object_mut() {
                map.insert(key.clone(), x);
            }
        }
        self.required_rest(obj, v, place, depth);
    }

    /// Required names the schema does not declare among its own properties (declared in an
    /// `allOf` part, or nowhere: vendors' files have both): built from the part that declares
    /// them, else a string.
    fn required_rest(
        &mut self,
        obj: &'d Map<String, Value>,
        v: &mut Value,
        place: &str,
        depth: usize,
    ) {
        let Some(required) = obj.get("required").and_then(Value::as_array) else {
            return;
        };
        for key in required.iter().filter_map(Value::as_str) {
            if v.as_object().is_none_or(|m| m.contains_key(key)) {
                continue;
            }
            let x = match self.declared(obj, key, 0) {
                Some(sub) => self.value(sub, &format!("{place}/{key}"), key, depth + 1, false),
                None => Value::String(self.string(&Map::new(), &format!("{place}/{key}"), key)),
            };
            if let Some(map) = v.as_object_mut() {
                map.insert(key.to_string(), x);
            }
        }
    }

    /// The schema of property `key` as `obj` or one of its `allOf` parts declares it.
    fn declared(&self, obj: &'d Map<String, Value>, key: &str, hops: usize) -> Option<&'d Value> {
        if hops > 8 {
            return None;
        }
        if let Some(sub) = obj.get("properties").and_then(|p| p.get(key)) {
            return Some(sub);
        }
        for part in obj
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let part = match part.get("$ref").and_then(Value::as_str) {
                Some(r) => self.resolve(r)?,
                None => part,
            };
            if let Some(found) = part
                .as_object()
                .and_then(|o| self.declared(o, key, hops + 1))
            {
                return Some(found);
            }
        }
        None
    }

    /// A `discriminator` with `oneOf`/`anyOf` or a `mapping`: the first variant, built, with the
    /// schema's own properties and the discriminator's property set to the variant's key.
    fn discriminated(
        &mut self,
        obj: &'d Map<String, Value>,
        place: &str,
        name: &str,
        depth: usize,
    ) -> Option<Value> {
        let disc = obj.get("discriminator")?.as_object()?;
        let property = disc.get("propertyName")?.as_str()?;
        let (key, reference) = if let Some((k, r)) = disc
            .get("mapping")
            .and_then(Value::as_object)
            .and_then(|m| m.iter().find_map(|(k, r)| Some((k.clone(), r.as_str()?))))
        {
            (k, r)
        } else {
            let first = obj
                .get("oneOf")
                .or_else(|| obj.get("anyOf"))
                .and_then(Value::as_array)?
                .iter()
                .find_map(|v| v.get("$ref").and_then(Value::as_str))?;
            let short = first.rsplit('/').next().unwrap_or(first).to_string();
            (short, first)
        };
        let variant = self.resolve(reference)?;
        self.stack.push(reference);
        let mut v = self.value(variant, place, name, depth + 1, false);
        self.stack.pop();
        self.own_properties(obj, &mut v, place, depth);
        if let Some(map) = v.as_object_mut() {
            map.insert(property.to_string(), Value::String(key));
        }
        Some(v)
    }

    fn integer(&self, obj: &Map<String, Value>) -> i64 {
        let min = obj.get("minimum").and_then(Value::as_i64);
        let max = obj.get("maximum").and_then(Value::as_i64);
        if let Some(Value::Number(d)) = obj.get("default")
            && let Some(d) = d.as_i64()
        {
            return d;
        }
        let mut n = 1;
        if let Some(min) = min {
            n = n.max(min);
        }
        if let Some(max) = max {
            n = n.min(max);
        }
        n
    }

    fn string(&self, obj: &Map<String, Value>, place: &str, name: &str) -> String {
        let h = self.h(place);
        match obj.get("format").and_then(Value::as_str).unwrap_or("") {
            "uuid" => uuid_from(h),
            "date-time" => format!(
                "2026-{:02}-{:02}T{:02}:{:02}:00Z",
                1 + h % 12,
                1 + (h >> 8) % 28,
                (h >> 16) % 24,
                (h >> 24) % 60
            ),
            "date" => format!("2026-{:02}-{:02}", 1 + h % 12, 1 + (h >> 8) % 28),
            "time" => format!("{:02}:{:02}:00", (h >> 16) % 24, (h >> 24) % 60),
            "email" => format!("user{}@example.com", h % 1000),
            "uri" | "url" => format!("https://example.com/{}", h % 1000),
            "ipv4" => format!("192.0.2.{}", 1 + h % 254),
            "ipv6" => format!("2001:db8::{:x}", 1 + h % 0xfffe),
            "hostname" => format!("host{}.example.com", h % 1000),
            "byte" => "cmVzdHBvaW50".to_string(),
            "password" => "********".to_string(),
            "duration" | "timespan" => "00:10:00".to_string(),
            _ => {
                if let Some(Value::String(d)) = obj.get("default") {
                    return d.clone();
                }
                let base = if name.is_empty() { "value" } else { name };
                let mut s = format!("{base}-{:04x}", h & 0xffff);
                if let Some(max) = obj.get("maxLength").and_then(Value::as_u64) {
                    s.truncate(usize::try_from(max).unwrap_or(usize::MAX));
                }
                s
            }
        }
    }
}

/// The smallest value of a schema's type (objects and arrays empty).
fn empty_of(schema: &Value) -> Value {
    match schema.get("type").and_then(Value::as_str) {
        Some("array") => Value::Array(Vec::new()),
        Some("string") => Value::String(String::new()),
        Some("integer") | Some("number") => Value::from(0),
        Some("boolean") => Value::Bool(false),
        _ => Value::Object(Map::new()),
    }
}

/// Adds `part`'s members to `into` (objects); a non-object part replaces an empty `into`.
fn merge(into: &mut Value, part: Value) {
    match (into, part) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                a.entry(k).or_insert(v);
            }
        }
        (into, part) if into.as_object().is_some_and(Map::is_empty) => *into = part,
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_discriminated_schema_gets_its_variant_and_the_mapping_key() {
        let doc = json!({"components": {"schemas": {
            "Proxy": {"type": "object", "required": ["id", "type"],
                "properties": {"id": {"type": "string", "format": "uuid"},
                    "type": {"type": "string", "enum": ["ViProxy", "HvProxy"]}},
                "oneOf": [{"$ref": "#/components/schemas/ViProxy"}],
                "discriminator": {"propertyName": "type",
                    "mapping": {"HvProxy": "#/components/schemas/ViProxy"}}},
            "ViProxy": {"allOf": [{"$ref": "#/components/schemas/Proxy"},
                {"type": "object", "required": ["server"], "properties": {"server": {"type": "string"}}}]}
        }}});
        let schema = json!({"$ref": "#/components/schemas/Proxy"});
        let v = Synth::new(&doc, 7, Mode::RequiredOnly).build(&schema, "");
        assert_eq!(v["type"], "HvProxy");
        assert!(v["server"].is_string());
        assert_eq!(v["id"].as_str().map(str::len), Some(36));
        let again = Synth::new(&doc, 7, Mode::RequiredOnly).build(&schema, "");
        assert_eq!(v, again, "deterministic");
        let other = Synth::new(&doc, 8, Mode::RequiredOnly).build(&schema, "");
        assert_ne!(v["id"], other["id"], "seeded");
    }
}
