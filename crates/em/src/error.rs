//! The typed error of the EM document readers and writers.
//!
//! Every variant names the resource (the root element, e.g. `LogonSession`) and, where there is
//! one, the field. Messages are lowercase, carry no final period and never quote the document:
//! EM bodies hold session ids, so a value that failed to parse is described, not printed.

use xsd_parser_types::quick_xml::{Error as XmlError, ErrorKind};

/// Why an EM document could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The document is larger than the reader accepts (see [`crate::xml::MAX_DOCUMENT_BYTES`]).
    #[error("{resource}: document of {actual} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The resource that was expected.
        resource: &'static str,
        /// The limit in bytes.
        limit: usize,
        /// The size of the document in bytes.
        actual: usize,
    },
    /// The document is not valid UTF-8.
    #[error("{resource}: document is not valid utf-8")]
    NotUtf8 {
        /// The resource that was expected.
        resource: &'static str,
    },
    /// Elements are nested deeper than [`crate::xml::MAX_DEPTH`] levels.
    #[error("{resource}: elements nested deeper than {limit} levels")]
    TooDeep {
        /// The resource that was expected.
        resource: &'static str,
        /// The limit.
        limit: usize,
    },
    /// The document holds a DOCTYPE (entity declarations are refused: no entity expansion).
    #[error("{resource}: document type declarations are not accepted")]
    DocType {
        /// The resource that was expected.
        resource: &'static str,
    },
    /// The document has no root element (empty, or cut off before it).
    #[error("{resource}: document has no root element")]
    NoRoot {
        /// The resource that was expected.
        resource: &'static str,
    },
    /// The root element is another resource.
    #[error("expected a {expected} document, found root element {found}")]
    WrongRoot {
        /// The resource that was expected.
        expected: &'static str,
        /// The name of the root element (JSON: not applicable).
        found: String,
    },
    /// The root element is not in the EM namespace `http://www.veeam.com/ent/v1.0`.
    #[error(
        "{resource}: root element is in namespace {found:?}, not the enterprise manager namespace"
    )]
    WrongNamespace {
        /// The resource that was expected.
        resource: &'static str,
        /// The namespace found, `None` when the element has none.
        found: Option<String>,
    },
    /// A required element or attribute is missing.
    #[error("{resource}: missing required field {field}")]
    MissingField {
        /// The resource being read.
        resource: &'static str,
        /// The missing element or attribute (a JSON path for JSON documents).
        field: String,
    },
    /// An element or attribute that may appear once appears more than once.
    #[error("{resource}: field {field} appears more than once")]
    DuplicateField {
        /// The resource being read.
        resource: &'static str,
        /// The repeated element or attribute.
        field: String,
    },
    /// A field holds a value of the wrong kind (text where a number or boolean is expected).
    #[error("{resource}: field {field} has an invalid value ({expected} expected)")]
    InvalidValue {
        /// The resource being read.
        resource: &'static str,
        /// The element, attribute or JSON path.
        field: String,
        /// What the schema expects there.
        expected: &'static str,
    },
    /// The document is not well-formed (truncated, mismatched tags, bad escapes, bad JSON).
    #[error("{resource}: malformed document at {location}: {reason}")]
    Malformed {
        /// The resource being read.
        resource: &'static str,
        /// Where: a byte offset and element path for XML, line and column for JSON.
        location: String,
        /// What is wrong, without quoting the document.
        reason: String,
    },
    /// A value could not be written.
    #[error("{resource}: cannot serialize: {reason}")]
    Serialize {
        /// The resource being written.
        resource: &'static str,
        /// What went wrong.
        reason: String,
    },
}

impl ParseError {
    /// The resource (root element name) the error is about.
    pub fn resource(&self) -> &'static str {
        match self {
            ParseError::TooLarge { resource, .. }
            | ParseError::NotUtf8 { resource }
            | ParseError::TooDeep { resource, .. }
            | ParseError::DocType { resource }
            | ParseError::NoRoot { resource }
            | ParseError::WrongNamespace { resource, .. }
            | ParseError::MissingField { resource, .. }
            | ParseError::DuplicateField { resource, .. }
            | ParseError::InvalidValue { resource, .. }
            | ParseError::Malformed { resource, .. }
            | ParseError::Serialize { resource, .. } => resource,
            ParseError::WrongRoot { expected, .. } => expected,
        }
    }

    /// Converts an error of the generated quick-xml readers.
    pub(crate) fn from_xml(resource: &'static str, error: XmlError) -> Self {
        let path = error
            .elements
            .as_ref()
            .map(|elements| elements.join("/"))
            .unwrap_or_default();
        let in_path = |name: String| {
            if path.is_empty() {
                name
            } else {
                format!("{path}/{name}")
            }
        };
        let location = match error.position {
            Some(offset) if path.is_empty() => format!("byte {offset}"),
            Some(offset) => format!("byte {offset} ({path})"),
            None if path.is_empty() => "unknown position".to_owned(),
            None => path.clone(),
        };
        let malformed = |reason: String| ParseError::Malformed {
            resource,
            location: location.clone(),
            reason,
        };
        if let ErrorKind::Custom(custom) = &error.kind
            && custom.is::<crate::xml::TooDeep>()
        {
            return ParseError::TooDeep {
                resource,
                limit: crate::xml::MAX_DEPTH,
            };
        }
        match error.kind {
            ErrorKind::MissingAttribute(name) => ParseError::MissingField {
                resource,
                field: in_path(format!("@{}", raw_name(&name))),
            },
            ErrorKind::MissingElement(name) => ParseError::MissingField {
                resource,
                field: in_path(raw_name(&name)),
            },
            ErrorKind::DuplicateAttribute(name) => ParseError::DuplicateField {
                resource,
                field: in_path(format!("@{}", raw_name(&name))),
            },
            ErrorKind::DuplicateElement(name) => ParseError::DuplicateField {
                resource,
                field: in_path(raw_name(&name)),
            },
            ErrorKind::InvalidValue(_, _)
            | ErrorKind::InvalidData(_)
            | ErrorKind::UnknownOrInvalidValue(_)
            | ErrorKind::InvalidUnion(_)
            | ErrorKind::Custom(_) => ParseError::InvalidValue {
                resource,
                field: if path.is_empty() {
                    "(root)".to_owned()
                } else {
                    path.clone()
                },
                expected: "a value of the schema type",
            },
            ErrorKind::MissingContent => ParseError::MissingField {
                resource,
                field: if path.is_empty() {
                    "(content)".to_owned()
                } else {
                    path.clone()
                },
            },
            ErrorKind::UnexpectedEoF => malformed("unexpected end of document".to_owned()),
            ErrorKind::UnexpectedEoL => malformed("unexpected end of element".to_owned()),
            ErrorKind::UnexpectedEvent(_) => malformed("unexpected content".to_owned()),
            ErrorKind::XmlError(inner) => malformed(describe_quick_xml(&inner)),
            ErrorKind::EscapeError(_) => {
                malformed("unknown entity or bad character reference".to_owned())
            }
            ErrorKind::AttrError(_) => malformed("malformed attribute".to_owned()),
            ErrorKind::InvalidUtf8(_) => malformed("invalid utf-8".to_owned()),
            ErrorKind::UnexpectedAttribute(name) => {
                malformed(format!("unexpected attribute {}", raw_name(&name)))
            }
            other => malformed(kind_name(&other).to_owned()),
        }
    }
}

/// A short description of a quick-xml error, without the document's text.
pub(crate) fn describe_quick_xml(error: &quick_xml::Error) -> String {
    use quick_xml::Error as E;
    match error {
        E::Syntax(syntax) => format!("syntax error: {syntax}"),
        E::IllFormed(ill) => match ill {
            quick_xml::errors::IllFormedError::MismatchedEndTag { .. } => {
                "mismatched end tag".to_owned()
            }
            quick_xml::errors::IllFormedError::UnmatchedEndTag(_) => "unmatched end tag".to_owned(),
            quick_xml::errors::IllFormedError::MissingEndTag(_) => "missing end tag".to_owned(),
            _ => "ill-formed document".to_owned(),
        },
        E::Encoding(_) => "bad encoding".to_owned(),
        E::Escape(_) => "unknown entity or bad character reference".to_owned(),
        E::InvalidAttr(_) => "malformed attribute".to_owned(),
        E::Namespace(_) => "undeclared namespace prefix".to_owned(),
        _ => "unreadable document".to_owned(),
    }
}

fn kind_name(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::IoError(_) => "read error",
        ErrorKind::EncodingError(_) => "bad encoding",
        ErrorKind::UnknownNamespace(_) => "unknown namespace",
        ErrorKind::UnknownNamespacePrefix(_) => "unknown namespace prefix",
        ErrorKind::DuplicateContent => "duplicate content",
        ErrorKind::MissingAnyElement => "missing element",
        ErrorKind::DuplicateAnyElement => "duplicate element",
        ErrorKind::InsufficientSize { .. } => "too few items",
        _ => "unreadable document",
    }
}

/// An element or attribute name from the generated readers, without the quotes they add.
fn raw_name(name: &xsd_parser_types::quick_xml::RawByteStr) -> String {
    name.to_string().trim_matches('"').to_owned()
}
