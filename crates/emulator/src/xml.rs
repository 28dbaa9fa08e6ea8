//! A tiny document tree rendered either as XML or as JSON with the XML names (EM-07), and a
//! JSON-to-XML rendering for ZVM (ZVM-06).

use serde_json::{Map, Value};

/// EM's XML namespace.
pub(crate) const EM_NS: &str = "http://www.veeam.com/ent/v1.0";

/// A node of an EM document.
pub(crate) enum Node {
    /// An element with attributes, children and optional text.
    Element {
        name: &'static str,
        attrs: Vec<(&'static str, Value)>,
        children: Vec<Node>,
        text: Option<Value>,
    },
    /// `<name>items</name>` in XML, `"name": [items]` in JSON.
    List {
        name: &'static str,
        items: Vec<Node>,
    },
    /// Items directly inside the parent in XML, `"json_name": [items]` in JSON.
    Inline {
        json_name: &'static str,
        items: Vec<Node>,
    },
}

impl Node {
    pub(crate) fn el(name: &'static str) -> Self {
        Node::Element {
            name,
            attrs: Vec::new(),
            children: Vec::new(),
            text: None,
        }
    }

    /// A leaf element with a text (or number/bool) value.
    pub(crate) fn leaf(name: &'static str, value: impl Into<Value>) -> Self {
        Node::Element {
            name,
            attrs: Vec::new(),
            children: Vec::new(),
            text: Some(value.into()),
        }
    }

    pub(crate) fn attr(mut self, key: &'static str, value: impl Into<Value>) -> Self {
        if let Node::Element { attrs, .. } = &mut self {
            attrs.push((key, value.into()));
        }
        self
    }

    pub(crate) fn child(mut self, node: Node) -> Self {
        if let Node::Element { children, .. } = &mut self {
            children.push(node);
        }
        self
    }

    /// Renders the document as XML with the EM namespace on the root element.
    pub(crate) fn to_xml(&self) -> String {
        let mut out = String::with_capacity(1024);
        out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        self.write_xml(&mut out, true);
        out
    }

    fn write_xml(&self, out: &mut String, root: bool) {
        match self {
            Node::Element {
                name,
                attrs,
                children,
                text,
            } => {
                out.push('<');
                out.push_str(name);
                for (k, v) in attrs {
                    if v.is_null() {
                        continue;
                    }
                    out.push(' ');
                    out.push_str(k);
                    out.push_str("=\"");
                    escape_into(out, &scalar_text(v));
                    out.push('"');
                }
                if root {
                    out.push_str(" xmlns=\"");
                    out.push_str(EM_NS);
                    out.push_str("\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"");
                }
                let text = text.as_ref().filter(|t| !t.is_null());
                if children.is_empty() && text.is_none() {
                    out.push_str(" />");
                    return;
                }
                out.push('>');
                if let Some(t) = text {
                    escape_into(out, &scalar_text(t));
                }
                for c in children {
                    c.write_xml(out, false);
                }
                out.push_str("</");
                out.push_str(name);
                out.push('>');
            }
            Node::List { name, items } => {
                out.push('<');
                out.push_str(name);
                out.push('>');
                for i in items {
                    i.write_xml(out, false);
                }
                out.push_str("</");
                out.push_str(name);
                out.push('>');
            }
            Node::Inline { items, .. } => {
                for i in items {
                    i.write_xml(out, false);
                }
            }
        }
    }

    /// Renders the document as JSON: attributes and child elements become properties, lists
    /// become arrays (EM-07).
    pub(crate) fn to_json(&self) -> Value {
        match self {
            Node::Element {
                attrs,
                children,
                text,
                ..
            } => {
                if attrs.is_empty() && children.is_empty() {
                    return text.clone().unwrap_or(Value::Null);
                }
                let mut map = Map::new();
                for c in children {
                    match c {
                        Node::Element { name, .. } => {
                            map.insert((*name).to_string(), c.to_json());
                        }
                        Node::List { name, items } => {
                            map.insert(
                                (*name).to_string(),
                                Value::Array(items.iter().map(Node::to_json).collect()),
                            );
                        }
                        Node::Inline { json_name, items } => {
                            map.insert(
                                (*json_name).to_string(),
                                Value::Array(items.iter().map(Node::to_json).collect()),
                            );
                        }
                    }
                }
                for (k, v) in attrs {
                    map.insert((*k).to_string(), v.clone());
                }
                Value::Object(map)
            }
            Node::List { items, .. } | Node::Inline { items, .. } => {
                Value::Array(items.iter().map(Node::to_json).collect())
            }
        }
    }
}

/// Renders `Node::el(root).child(Node::Inline { json_name, items })` (a root element with no
/// attributes whose items sit directly inside it) exactly as [`Node::to_xml`] or
/// [`Node::to_json`] would, one item at a time: a list of thousands of items (EM-10's logon
/// sessions of a user) never exists as a whole tree in memory (R6).
pub(crate) fn inline_document(
    root: &'static str,
    json_name: &'static str,
    items: impl Iterator<Item = Node>,
    json: bool,
) -> String {
    let mut out = String::with_capacity(1024);
    if json {
        out.push('{');
        out.push_str(&Value::String(json_name.to_owned()).to_string());
        out.push_str(":[");
    } else {
        out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        // The root's start tag, as `write_xml` writes it for a root element.
        Node::el(root).write_xml(&mut out, true);
        out.truncate(out.len() - " />".len());
        out.push('>');
    }
    let mut empty = true;
    for item in items {
        if json {
            if !empty {
                out.push(',');
            }
            out.push_str(&item.to_json().to_string());
        } else {
            item.write_xml(&mut out, false);
        }
        empty = false;
    }
    if json {
        out.push_str("]}");
    } else {
        out.push_str("</");
        out.push_str(root);
        out.push('>');
    }
    out
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

pub(crate) fn escape_into(out: &mut String, s: &str) {
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}

/// Renders a JSON value as XML in the style of .NET's data-contract serializer: an object's
/// properties become child elements, an array's items become `item_name` elements.
pub(crate) fn json_to_xml(value: &Value, root: &str, item_name: &str, namespace: &str) -> String {
    let mut out = String::with_capacity(1024);
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push('<');
    out.push_str(root);
    out.push_str(" xmlns=\"");
    out.push_str(namespace);
    out.push_str("\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\">");
    write_value_children(&mut out, value, item_name);
    out.push_str("</");
    out.push_str(root);
    out.push('>');
    out
}

fn write_value_children(out: &mut String, value: &Value, item_name: &str) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                write_element(out, k, v);
            }
        }
        Value::Array(items) => {
            for v in items {
                write_element(out, item_name, v);
            }
        }
        other => escape_into(out, &scalar_text(other)),
    }
}

fn write_element(out: &mut String, name: &str, v: &Value) {
    if v.is_null() {
        out.push('<');
        out.push_str(name);
        out.push_str(" i:nil=\"true\" />");
        return;
    }
    out.push('<');
    out.push_str(name);
    out.push('>');
    let item = if name.starts_with("ArrayOf") || name.ends_with('s') {
        "string"
    } else {
        "item"
    };
    match v {
        Value::Array(items) => {
            for i in items {
                let child = if i.is_object() {
                    name.trim_end_matches('s')
                } else {
                    item
                };
                write_element(out, child, i);
            }
        }
        _ => write_value_children(out, v, item),
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_and_json_renderings_use_the_same_names() {
        let node = Node::el("LogonSession")
            .attr("Href", "h&<\"")
            .child(Node::List {
                name: "Links",
                items: vec![Node::el("Link").attr("Rel", "Up").attr("Name", Value::Null)],
            })
            .child(Node::leaf("UserName", "a<b"));
        let xml = node.to_xml();
        assert!(xml.contains(
            "<LogonSession Href=\"h&amp;&lt;&quot;\" xmlns=\"http://www.veeam.com/ent/v1.0\""
        ));
        assert!(xml.contains("<Links><Link Rel=\"Up\" /></Links><UserName>a&lt;b</UserName>"));
        assert_eq!(
            node.to_json(),
            serde_json::json!({"Href": "h&<\"", "Links": [{"Rel": "Up", "Name": null}], "UserName": "a<b"})
        );
    }

    #[test]
    fn json_to_xml_writes_arrays_and_nulls() {
        let v = serde_json::json!([{"A": 1, "B": null, "C": [{"x": "y"}]}]);
        let xml = json_to_xml(&v, "ArrayOfThing", "Thing", "urn:x");
        assert!(xml.contains("<ArrayOfThing xmlns=\"urn:x\""));
        assert!(xml.contains("<Thing><A>1</A><B i:nil=\"true\" /><C><C><x>y</x></C></C></Thing>"));
    }

    fn session(n: u32) -> Node {
        Node::el("LogonSession")
            .attr("Href", format!("https://h/api/logonSessions/{n}&<"))
            .attr("Type", "LogonSession")
            .child(Node::List {
                name: "Links",
                items: vec![
                    Node::el("Link").attr("Rel", "Up").attr("Name", Value::Null),
                    Node::el("Link").attr("Rel", "Delete"),
                ],
            })
            .child(Node::leaf("UserName", "a\"b"))
            .child(Node::leaf("SessionId", n.to_string()))
    }

    #[test]
    fn inline_document_renders_as_the_whole_tree_does() {
        for count in [0, 1, 3] {
            let tree = Node::el("LogonSessions").child(Node::Inline {
                json_name: "LogonSessions",
                items: (0..count).map(session).collect(),
            });
            let streamed_xml = inline_document(
                "LogonSessions",
                "LogonSessions",
                (0..count).map(session),
                false,
            );
            let streamed_json = inline_document(
                "LogonSessions",
                "LogonSessions",
                (0..count).map(session),
                true,
            );
            assert_eq!(streamed_xml, tree.to_xml(), "{count} items");
            assert_eq!(streamed_json, tree.to_json().to_string(), "{count} items");
        }
    }
}
