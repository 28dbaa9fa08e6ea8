//! Reading and writing EM documents as XML.
//!
//! [`parse_xml`] checks the prologue and the root element itself (size limit, UTF-8, no DOCTYPE,
//! the expected root element in the EM namespace), then hands the document to the reader that
//! xsd-parser generated for the resource. Unknown elements and attributes are kept in the `any`
//! and `any_attribute` fields of the generated types.

use quick_xml::events::Event;
use xsd_parser_types::quick_xml::{
    DeserializeSync, Error as GeneratedError, SerializeSync, SliceReader, Writer, XmlReader,
    XmlReaderSync,
};
use xsd_parser_types::xml::AnyElement;

use crate::error::{ParseError, describe_quick_xml};
use crate::generated as g;
use crate::json::{FromJson, ToJson};

/// The namespace of every EM XML document.
pub const EM_NAMESPACE: &str = "http://www.veeam.com/ent/v1.0";

/// The largest document [`parse_xml`] and [`crate::parse_json`] accept: 4 MiB.
///
/// A LogonSession with 70 links is about 9 KiB; the limit keeps a hostile or broken server from
/// making the client allocate without bound.
pub const MAX_DOCUMENT_BYTES: usize = 4 * 1024 * 1024;

/// The deepest element nesting [`parse_xml`] accepts: 64 levels.
///
/// EM documents nest a few levels deep; unknown content is kept as a tree, so without a limit a
/// document of nested unknown elements would exhaust the stack.
pub const MAX_DEPTH: usize = 64;

/// Marks the error a [`DepthLimited`] reader returns, so that it maps to
/// [`ParseError::TooDeep`].
#[derive(Debug)]
pub(crate) struct TooDeep;

impl std::fmt::Display for TooDeep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "elements nested deeper than {MAX_DEPTH} levels")
    }
}

impl std::error::Error for TooDeep {}

/// Reads events from a byte slice with a plain `quick_xml::Reader`.
///
/// xsd-parser-types' `SliceReader` wraps a namespace-resolving `NsReader`, but the generated
/// readers resolve namespaces themselves (in their `DeserializeHelper`), so that work was done
/// twice; this reader skips the first copy.
struct PlainReader<'a> {
    inner: quick_xml::Reader<&'a [u8]>,
}

impl XmlReader for PlainReader<'_> {
    fn extend_error(&self, mut error: GeneratedError) -> GeneratedError {
        error.position = Some(self.inner.buffer_position());
        error
    }
}

impl<'a> XmlReaderSync<'a> for PlainReader<'a> {
    fn read_event(&mut self) -> Result<Event<'a>, GeneratedError> {
        self.inner.read_event().map_err(GeneratedError::from)
    }
}

/// A reader that refuses documents nested deeper than [`MAX_DEPTH`]; a counter per event.
struct DepthLimited<R> {
    inner: R,
    depth: usize,
}

impl<R: XmlReader> XmlReader for DepthLimited<R> {
    fn extend_error(&self, error: GeneratedError) -> GeneratedError {
        self.inner.extend_error(error)
    }
}

impl<'a, R: XmlReaderSync<'a>> XmlReaderSync<'a> for DepthLimited<R> {
    fn read_event(&mut self) -> Result<Event<'a>, GeneratedError> {
        let event = self.inner.read_event()?;
        match &event {
            Event::Start(_) => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(GeneratedError::custom(TooDeep));
                }
            }
            Event::End(_) => self.depth = self.depth.saturating_sub(1),
            // A document cut off inside an element: quick-xml reports the end of input as `Eof`
            // whatever is still open, and a generated reader inside an unknown element waits
            // for its end for ever (`<Links><X>` then the end: found by fuzz/em_xml).
            Event::Eof if self.depth > 0 => {
                return Err(GeneratedError::from(
                    xsd_parser_types::quick_xml::ErrorKind::UnexpectedEoF,
                ));
            }
            _ => {}
        }
        Ok(event)
    }
}

/// A resource EM sends as a document of its own (a root element).
///
/// Implemented for the generated types of every top-level element of `specs/em/*.xsd`.
pub trait Resource:
    Sized
    + xsd_parser_types::quick_xml::WithDeserializer
    + xsd_parser_types::quick_xml::WithSerializer
    + FromJson
    + ToJson
{
    /// The name of the root element, e.g. `LogonSession`.
    const ROOT: &'static str;

    /// Child elements that may appear at most once. A second one would land in the `any`
    /// wildcard; [`parse_xml`] reports it as [`ParseError::DuplicateField`] instead.
    const SINGLE_ELEMENTS: &'static [&'static str];

    /// The unknown child elements kept from the document.
    fn unknown_elements(&self) -> &[AnyElement];
}

macro_rules! resource {
    ($($ty:ident => $root:literal [$($single:literal),*]),* $(,)?) => {$(
        impl Resource for g::$ty {
            const ROOT: &'static str = $root;
            const SINGLE_ELEMENTS: &'static [&'static str] = &[$($single),*];
            fn unknown_elements(&self) -> &[AnyElement] {
                &self.any
            }
        }
    )*};
}

resource! {
    EnterpriseManagerType => "EnterpriseManager" ["SupportedVersions", "Links"],
    LogonSessionType => "LogonSession" ["Links", "UserName", "SessionId"],
    LogonSessionListType => "LogonSessions" [],
    TaskListType => "Tasks" [],
    ErrorType => "Error" [],
    EntityReferencesType => "EntityReferences" [],
    BackupServerType => "BackupServer" ["Links", "Description", "Port", "Version"],
    JobType => "Job" ["Links", "JobType", "Platform", "Description", "ScheduleConfigured", "ScheduleEnabled", "NextRun"],
    RepositoryType => "Repository" ["Links", "Capacity", "FreeSpace", "Kind"],
    BackupJobSessionType => "BackupJobSession" ["Links", "JobUid", "JobName", "JobType", "CreationTimeUTC", "EndTimeUTC", "State", "Result", "Progress", "IsRetry"],
    EntitiesType => "Entities" ["BackupServers", "Jobs", "Repositories", "BackupJobSessions"],
    TaskType => "Task" ["Links", "TaskId", "State", "Operation", "Result"],
    QueryResultType => "QueryResult" ["Refs", "Entities", "PagingInfo"],
}

/// The UTF-8 byte-order mark, tolerated before XML and JSON documents (EM-15).
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Parses an EM XML document into the generated type of its resource.
///
/// Errors are typed and name the resource and field: a document over
/// [`MAX_DOCUMENT_BYTES`], not UTF-8, with a DOCTYPE, without a root element, with another root
/// element or namespace, with a missing or repeated field, or not well-formed.
pub fn parse_xml<T: Resource>(bytes: &[u8]) -> Result<T, ParseError> {
    let resource = T::ROOT;
    // A UTF-8 byte-order mark before the document is allowed (EM-15; XML 1.0 allows it too).
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(ParseError::TooLarge {
            resource,
            limit: MAX_DOCUMENT_BYTES,
            actual: bytes.len(),
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|_| ParseError::NotUtf8 { resource })?;
    check_root(resource, text)?;
    // Fast path without element-path tracking; on failure, read again with it, so that the
    // error names the element path (errors are rare, and the second pass only runs then).
    let fast = DepthLimited {
        inner: PlainReader {
            inner: quick_xml::Reader::from_str(text),
        },
        depth: 0,
    };
    let value = match T::deserialize(&mut { fast }) {
        Ok(value) => value,
        Err(fast_error) => {
            let mut reader = DepthLimited {
                inner: SliceReader::new(text),
                depth: 0,
            }
            .with_error_info();
            let error = match T::deserialize(&mut reader) {
                Err(error) => error,
                Ok(_) => fast_error,
            };
            return Err(ParseError::from_xml(resource, error));
        }
    };
    for element in value.unknown_elements() {
        let name = local_name(&element.name);
        if let Some(field) = T::SINGLE_ELEMENTS
            .iter()
            .find(|field| field.as_bytes() == name)
        {
            return Err(ParseError::DuplicateField {
                resource,
                field: (*field).to_owned(),
            });
        }
    }
    Ok(value)
}

/// Writes a resource as an XML document (with an XML declaration, in the EM namespace).
pub fn to_xml<T: Resource>(value: &T) -> Result<String, ParseError> {
    let mut writer = Writer::new(Vec::with_capacity(4096));
    writer
        .write_event(Event::Decl(quick_xml::events::BytesDecl::new(
            "1.0",
            Some("utf-8"),
            None,
        )))
        .map_err(|error| ParseError::Serialize {
            resource: T::ROOT,
            reason: error.to_string(),
        })?;
    value
        .serialize(T::ROOT, &mut writer)
        .map_err(|error| ParseError::Serialize {
            resource: T::ROOT,
            reason: error.kind.to_string(),
        })?;
    String::from_utf8(writer.into_inner()).map_err(|_| ParseError::Serialize {
        resource: T::ROOT,
        reason: "output is not utf-8".to_owned(),
    })
}

fn local_name(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|&b| b == b':') {
        Some(colon) => &name[colon + 1..],
        None => name,
    }
}

/// Checks everything up to the root element: no DOCTYPE, and a root element with the expected
/// name in the EM namespace. Stops at the root's start tag, so its cost does not grow with the
/// document.
fn check_root(resource: &'static str, text: &str) -> Result<(), ParseError> {
    let mut reader = quick_xml::Reader::from_str(text);
    loop {
        let event = reader.read_event().map_err(|error| ParseError::Malformed {
            resource,
            location: format!("byte {}", reader.error_position()),
            reason: describe_quick_xml(&error),
        })?;
        let start = match event {
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => continue,
            Event::Text(text) if text.iter().all(u8::is_ascii_whitespace) => continue,
            Event::DocType(_) => return Err(ParseError::DocType { resource }),
            Event::Eof => return Err(ParseError::NoRoot { resource }),
            Event::Start(start) | Event::Empty(start) => start,
            _ => {
                return Err(ParseError::Malformed {
                    resource,
                    location: format!("byte {}", reader.buffer_position()),
                    reason: "content before the root element".to_owned(),
                });
            }
        };
        let qname = start.name();
        let (prefix, local) = match qname.as_ref().iter().position(|&b| b == b':') {
            Some(colon) => (Some(&qname.as_ref()[..colon]), &qname.as_ref()[colon + 1..]),
            None => (None, qname.as_ref()),
        };
        if local != resource.as_bytes() {
            return Err(ParseError::WrongRoot {
                expected: resource,
                found: String::from_utf8_lossy(local).into_owned(),
            });
        }
        let mut namespace = None;
        for attribute in start.attributes() {
            let attribute = attribute.map_err(|_| ParseError::Malformed {
                resource,
                location: "root element".to_owned(),
                reason: "malformed attribute".to_owned(),
            })?;
            let key = attribute.key.as_ref();
            let declares = match prefix {
                None => key == b"xmlns",
                Some(prefix) => key.strip_prefix(b"xmlns:") == Some(prefix),
            };
            if declares {
                namespace = Some(String::from_utf8_lossy(&attribute.value).into_owned());
            }
        }
        return match namespace {
            Some(namespace) if namespace == EM_NAMESPACE => Ok(()),
            found => Err(ParseError::WrongNamespace { resource, found }),
        };
    }
}
