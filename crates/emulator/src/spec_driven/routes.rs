//! The route table of a spec: its path templates (`/api/v1/jobs/{id}`) and their operations, and
//! the match of a request's method and path against them.

use http::Method;
use serde_json::Value;

/// One segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// A literal segment, lower case (paths are matched without regard to case, ZVM-08).
    Literal(String),
    /// A `{name}` segment: any non-empty segment, named.
    Param(String),
}

/// One operation of the spec.
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    /// The method, upper case.
    pub(crate) method: Method,
    /// The path template as the spec writes it.
    pub(crate) template: String,
    /// Index of the operation in the table (the key of its cached answer).
    pub(crate) index: usize,
}

#[derive(Debug, Clone)]
struct Route {
    segments: Vec<Segment>,
    literals: usize,
    operations: Vec<Operation>,
}

/// What a request's method and path find in the table.
#[derive(Debug)]
pub(crate) enum Match<'a> {
    /// An operation, with the values of the template's `{name}` segments, in order.
    Found(&'a Operation, Vec<(String, String)>),
    /// A path of the spec without an operation for the method.
    MethodNotAllowed,
    /// No path of the spec.
    NotFound,
}

/// The path templates of a spec and their operations.
#[derive(Debug, Clone, Default)]
pub(crate) struct RouteTable {
    routes: Vec<Route>,
    count: usize,
}

const METHODS: [&str; 7] = ["get", "put", "post", "delete", "patch", "head", "options"];

fn split(path: &str) -> impl Iterator<Item = &str> {
    path.split(['?', '#'])
        .next()
        .unwrap_or("")
        .split('/')
        .filter(|s| !s.is_empty())
}

impl RouteTable {
    /// The table of `doc.paths` (a document without `paths` has none).
    pub(crate) fn new(doc: &Value) -> Self {
        let mut routes = Vec::new();
        let mut count = 0;
        let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
            return Self::default();
        };
        for (template, item) in paths {
            let segments: Vec<Segment> = split(template)
                .map(
                    |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(name) if !name.is_empty() => Segment::Param(name.to_string()),
                        _ => Segment::Literal(s.to_ascii_lowercase()),
                    },
                )
                .collect();
            let literals = segments
                .iter()
                .filter(|s| matches!(s, Segment::Literal(_)))
                .count();
            let mut operations = Vec::new();
            for m in METHODS {
                if item.get(m).is_some_and(Value::is_object) {
                    let Ok(method) = Method::from_bytes(m.to_ascii_uppercase().as_bytes()) else {
                        continue;
                    };
                    operations.push(Operation {
                        method,
                        template: template.clone(),
                        index: count,
                    });
                    count += 1;
                }
            }
            routes.push(Route {
                segments,
                literals,
                operations,
            });
        }
        Self { routes, count }
    }

    /// How many operations the table holds.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// Every operation, in the document's order.
    pub(crate) fn operations(&self) -> impl Iterator<Item = &Operation> {
        self.routes.iter().flat_map(|r| r.operations.iter())
    }

    /// The operation for `method path`: literal segments compare without regard to ASCII case, a
    /// `{name}` segment takes any non-empty segment; where several templates match, the one with
    /// the most literal segments wins (`/repositories/states` over `/repositories/{id}`).
    pub(crate) fn find(&self, method: &Method, path: &str) -> Match<'_> {
        let wanted: Vec<&str> = split(path).collect();
        let mut best: Option<&Route> = None;
        for route in &self.routes {
            if route.segments.len() != wanted.len() {
                continue;
            }
            let fits = route.segments.iter().zip(&wanted).all(|(s, w)| match s {
                Segment::Literal(l) => l.eq_ignore_ascii_case(w),
                Segment::Param(_) => true,
            });
            let better = match best {
                None => true,
                // Same literal count: prefer the one that has the method.
                Some(b) => {
                    route.literals > b.literals
                        || (route.literals == b.literals
                            && !b.operations.iter().any(|o| o.method == method)
                            && route.operations.iter().any(|o| o.method == method))
                }
            };
            if fits && better {
                best = Some(route);
            }
        }
        let Some(route) = best else {
            return Match::NotFound;
        };
        let lookup = if method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        let Some(op) = route.operations.iter().find(|o| o.method == lookup) else {
            return Match::MethodNotAllowed;
        };
        let params = route
            .segments
            .iter()
            .zip(&wanted)
            .filter_map(|(s, w)| match s {
                Segment::Param(name) => Some((name.clone(), (*w).to_string())),
                Segment::Literal(_) => None,
            })
            .collect();
        Match::Found(op, params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_most_literal_template_wins_and_params_are_named() {
        let doc = json!({"paths": {
            "/api/v1/repositories/{id}": {"get": {}},
            "/api/v1/repositories/states": {"get": {}},
            "/api/v1/jobs/{id}/includes": {"get": {}, "post": {}},
        }});
        let t = RouteTable::new(&doc);
        assert_eq!(t.len(), 4);
        match t.find(&Method::GET, "/api/v1/Repositories/States") {
            Match::Found(op, params) => {
                assert_eq!(op.template, "/api/v1/repositories/states");
                assert!(params.is_empty());
            }
            other => panic!("{other:?}"),
        }
        match t.find(&Method::GET, "/api/v1/repositories/abc?x=1") {
            Match::Found(op, params) => {
                assert_eq!(op.template, "/api/v1/repositories/{id}");
                assert_eq!(params, [("id".to_string(), "abc".to_string())]);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            t.find(&Method::DELETE, "/api/v1/jobs/1/includes"),
            Match::MethodNotAllowed
        ));
        assert!(matches!(
            t.find(&Method::GET, "/api/v1/jobs/1/excludes"),
            Match::NotFound
        ));
        assert!(matches!(t.find(&Method::GET, "/"), Match::NotFound));
    }
}
