//! Reading and writing EM documents as JSON (EM-07), into the same generated types as XML.
//!
//! EM's JSON uses the XML names: attributes and child elements both become properties (`Href`,
//! `Type`, `UserName`, `SessionId`), and a list element such as `Links` becomes an array of its
//! items (`"Links": [{"Rel": .., "Href": .., "Type": .., "Name": ..}]`). The mapping of every
//! type is written out below, one line per field; a field added to the schema makes this module
//! fail to compile until it is mapped (the struct literals are exhaustive).
//!
//! Tolerance: unknown properties are ignored (JSON has no place for them in the generated types,
//! whose `any` fields hold XML), `null` reads as absent, and numbers and booleans are also
//! accepted as strings (`"9392"`, `"true"`).

use serde_json::{Map, Value};

use crate::error::ParseError;
use crate::generated as g;
use crate::xml::{MAX_DOCUMENT_BYTES, Resource};

/// Where in a JSON document a value is, for error messages (`Links[3].Href`).
#[derive(Debug, Clone, Copy)]
pub enum JsonPath<'a> {
    /// The document itself.
    Root,
    /// A property of an object.
    Key(&'a JsonPath<'a>, &'static str),
    /// An item of an array.
    Index(&'a JsonPath<'a>, usize),
}

impl std::fmt::Display for JsonPath<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JsonPath::Root => f.write_str("$"),
            JsonPath::Key(parent, key) => write!(f, "{parent}.{key}"),
            JsonPath::Index(parent, index) => write!(f, "{parent}[{index}]"),
        }
    }
}

/// A value that can be read from EM's JSON form.
pub trait FromJson: Sized {
    /// Reads the value at `path` of a document about `resource`.
    fn from_json(
        value: &Value,
        resource: &'static str,
        path: &JsonPath<'_>,
    ) -> Result<Self, ParseError>;
}

/// A value that can be written in EM's JSON form.
pub trait ToJson {
    /// The JSON value.
    fn to_json(&self) -> Value;
}

/// Parses an EM JSON document (`Accept: application/json`) into the generated type of its
/// resource: the same values as [`crate::parse_xml`] gives for the XML form, except that
/// unknown properties are not kept.
pub fn parse_json<T: Resource>(bytes: &[u8]) -> Result<T, ParseError> {
    let resource = T::ROOT;
    // EM-15: some releases begin their JSON with a UTF-8 byte-order mark.
    let bytes = bytes.strip_prefix(crate::xml::UTF8_BOM).unwrap_or(bytes);
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(ParseError::TooLarge {
            resource,
            limit: MAX_DOCUMENT_BYTES,
            actual: bytes.len(),
        });
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|error| ParseError::Malformed {
        resource,
        location: format!("line {} column {}", error.line(), error.column()),
        reason: match error.classify() {
            serde_json::error::Category::Eof => "unexpected end of document".to_owned(),
            serde_json::error::Category::Syntax => "json syntax error".to_owned(),
            serde_json::error::Category::Io => "read error".to_owned(),
            serde_json::error::Category::Data => "invalid json data".to_owned(),
        },
    })?;
    T::from_json(&value, resource, &JsonPath::Root)
}

/// Writes a resource in EM's JSON form.
pub fn to_json<T: Resource>(value: &T) -> String {
    value.to_json().to_string()
}

fn invalid(resource: &'static str, path: &JsonPath<'_>, expected: &'static str) -> ParseError {
    ParseError::InvalidValue {
        resource,
        field: path.to_string(),
        expected,
    }
}

fn object<'v>(
    value: &'v Value,
    resource: &'static str,
    path: &JsonPath<'_>,
) -> Result<&'v Map<String, Value>, ParseError> {
    value
        .as_object()
        .ok_or_else(|| invalid(resource, path, "an object"))
}

fn array<'v>(
    value: &'v Value,
    resource: &'static str,
    path: &JsonPath<'_>,
) -> Result<&'v [Value], ParseError> {
    value
        .as_array()
        .map(Vec::as_slice)
        .ok_or_else(|| invalid(resource, path, "an array"))
}

/// Reads a required property.
fn required<T: FromJson>(
    map: &Map<String, Value>,
    key: &'static str,
    resource: &'static str,
    parent: &JsonPath<'_>,
) -> Result<T, ParseError> {
    let path = JsonPath::Key(parent, key);
    match map.get(key) {
        None | Some(Value::Null) => Err(ParseError::MissingField {
            resource,
            field: path.to_string(),
        }),
        Some(value) => T::from_json(value, resource, &path),
    }
}

/// Reads an optional property; `null` is absent.
fn optional<T: FromJson>(
    map: &Map<String, Value>,
    key: &'static str,
    resource: &'static str,
    parent: &JsonPath<'_>,
) -> Result<Option<T>, ParseError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => T::from_json(value, resource, &JsonPath::Key(parent, key)).map(Some),
    }
}

/// Reads a repeated element given as an array; absent or `null` is empty.
fn optional_list<T: FromJson>(
    map: &Map<String, Value>,
    key: &'static str,
    resource: &'static str,
    parent: &JsonPath<'_>,
) -> Result<Vec<T>, ParseError> {
    let path = JsonPath::Key(parent, key);
    let items = match map.get(key) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(value) => array(value, resource, &path)?,
    };
    let mut list = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        list.push(T::from_json(
            item,
            resource,
            &JsonPath::Index(&path, index),
        )?);
    }
    Ok(list)
}

impl FromJson for String {
    fn from_json(
        value: &Value,
        resource: &'static str,
        path: &JsonPath<'_>,
    ) -> Result<Self, ParseError> {
        match value {
            Value::String(text) => Ok(text.clone()),
            Value::Number(number) => Ok(number.to_string()),
            Value::Bool(flag) => Ok(flag.to_string()),
            _ => Err(invalid(resource, path, "a string")),
        }
    }
}

impl ToJson for String {
    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }
}

macro_rules! json_integer {
    ($($ty:ty),*) => {$(
        impl FromJson for $ty {
            fn from_json(value: &Value, resource: &'static str, path: &JsonPath<'_>) -> Result<Self, ParseError> {
                let number = match value {
                    Value::Number(number) => number.as_i64(),
                    Value::String(text) => text.trim().parse::<i64>().ok(),
                    _ => None,
                };
                number
                    .and_then(|number| <$ty>::try_from(number).ok())
                    .ok_or_else(|| invalid(resource, path, concat!("an integer (", stringify!($ty), ")")))
            }
        }

        impl ToJson for $ty {
            fn to_json(&self) -> Value {
                Value::from(*self)
            }
        }
    )*};
}

json_integer!(i32, i64);

impl FromJson for bool {
    fn from_json(
        value: &Value,
        resource: &'static str,
        path: &JsonPath<'_>,
    ) -> Result<Self, ParseError> {
        match value {
            Value::Bool(flag) => Ok(*flag),
            Value::String(text) if text == "true" || text == "1" => Ok(true),
            Value::String(text) if text == "false" || text == "0" => Ok(false),
            _ => Err(invalid(resource, path, "a boolean")),
        }
    }
}

impl ToJson for bool {
    fn to_json(&self) -> Value {
        Value::Bool(*self)
    }
}

/// Maps a generated struct to a JSON object: `field: required|optional "JsonName"`.
macro_rules! json_object {
    ($ty:ident { $($field:ident : $kind:ident $key:literal),* $(,)? }) => {
        impl FromJson for g::$ty {
            fn from_json(value: &Value, resource: &'static str, path: &JsonPath<'_>) -> Result<Self, ParseError> {
                let map = object(value, resource, path)?;
                Ok(g::$ty {
                    $($field: $kind(map, $key, resource, path)?,)*
                    any_attribute: Default::default(),
                    any: Vec::new(),
                })
            }
        }

        impl ToJson for g::$ty {
            fn to_json(&self) -> Value {
                let mut map = Map::new();
                $(json_object!(@write map, self.$field, $kind $key);)*
                Value::Object(map)
            }
        }
    };
    (@write $map:ident, $value:expr, required $key:literal) => {
        $map.insert($key.to_owned(), $value.to_json());
    };
    (@write $map:ident, $value:expr, optional_list $key:literal) => {
        $map.insert(
            $key.to_owned(),
            Value::Array($value.iter().map(ToJson::to_json).collect()),
        );
    };
    (@write $map:ident, $value:expr, optional $key:literal) => {
        if let Some(value) = &$value {
            $map.insert($key.to_owned(), value.to_json());
        }
    };
}

/// Maps a generated list type (one repeated child element) to a JSON array of its items.
macro_rules! json_array {
    ($ty:ident . $field:ident) => {
        impl FromJson for g::$ty {
            fn from_json(
                value: &Value,
                resource: &'static str,
                path: &JsonPath<'_>,
            ) -> Result<Self, ParseError> {
                let items = array(value, resource, path)?;
                let mut $field = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    $field.push(FromJson::from_json(
                        item,
                        resource,
                        &JsonPath::Index(path, index),
                    )?);
                }
                Ok(g::$ty {
                    $field,
                    any_attribute: Default::default(),
                    any: Vec::new(),
                })
            }
        }

        impl ToJson for g::$ty {
            fn to_json(&self) -> Value {
                Value::Array(self.$field.iter().map(ToJson::to_json).collect())
            }
        }
    };
}

json_array!(LinkListType.link);
json_array!(SupportedVersionListType.supported_version);
json_array!(BackupServerListType.backup_server);
json_array!(JobListType.job);
json_array!(RepositoryListType.repository);
json_array!(BackupJobSessionListType.backup_job_session);

json_object!(LinkType {
    rel: optional "Rel",
    href: required "Href",
    type_: optional "Type",
    name: optional "Name",
});

json_object!(SupportedVersionType {
    name: required "Name",
    links: optional "Links",
});

json_object!(EnterpriseManagerType {
    href: optional "Href",
    type_: optional "Type",
    supported_versions: optional "SupportedVersions",
    links: optional "Links",
});

json_object!(LogonSessionType {
    href: optional "Href",
    type_: optional "Type",
    links: optional "Links",
    user_name: required "UserName",
    session_id: required "SessionId",
});

json_object!(ErrorType {
    status_code: optional "StatusCode",
    message: optional "Message",
    status: optional "Status",
    first_chance_exception_message: optional "FirstChanceExceptionMessage",
    stack_trace: optional "StackTrace",
});

json_object!(ReferenceType {
    uid: optional "UID",
    name: optional "Name",
    href: optional "Href",
    type_: optional "Type",
    links: optional "Links",
});

json_object!(BackupServerType {
    uid: optional "UID",
    name: optional "Name",
    href: optional "Href",
    type_: optional "Type",
    links: optional "Links",
    description: optional "Description",
    port: optional "Port",
    version: optional "Version",
});

json_object!(JobType {
    uid: optional "UID",
    name: optional "Name",
    href: optional "Href",
    type_: optional "Type",
    links: optional "Links",
    job_type: optional "JobType",
    platform: optional "Platform",
    description: optional "Description",
    schedule_configured: optional "ScheduleConfigured",
    schedule_enabled: optional "ScheduleEnabled",
    next_run: optional "NextRun",
});

json_object!(RepositoryType {
    uid: optional "UID",
    name: optional "Name",
    href: optional "Href",
    type_: optional "Type",
    links: optional "Links",
    capacity: optional "Capacity",
    free_space: optional "FreeSpace",
    kind: optional "Kind",
});

json_object!(BackupJobSessionType {
    uid: optional "UID",
    name: optional "Name",
    href: optional "Href",
    type_: optional "Type",
    links: optional "Links",
    job_uid: optional "JobUid",
    job_name: optional "JobName",
    job_type: optional "JobType",
    creation_time_utc: optional "CreationTimeUTC",
    end_time_utc: optional "EndTimeUTC",
    state: optional "State",
    result: optional "Result",
    progress: optional "Progress",
    is_retry: optional "IsRetry",
});

json_object!(EntitiesType {
    backup_servers: optional "BackupServers",
    jobs: optional "Jobs",
    repositories: optional "Repositories",
    backup_job_sessions: optional "BackupJobSessions",
});

json_object!(TaskListType {
    task: optional_list "Tasks",
});

json_object!(TaskResultType {
    success: required "Success",
    message: optional "Message",
});

json_object!(TaskType {
    href: optional "Href",
    type_: optional "Type",
    links: optional "Links",
    task_id: required "TaskId",
    state: required "State",
    operation: optional "Operation",
    result: optional "Result",
});

json_object!(EntityReferencesType {
    ref_: optional_list "Refs",
});

json_object!(LogonSessionListType {
    href: optional "Href",
    type_: optional "Type",
    logon_session: optional_list "LogonSessions",
});

json_object!(PagingInfoType {
    page_num: optional "PageNum",
    page_size: optional "PageSize",
    pages_count: optional "PagesCount",
    links: optional "Links",
});

json_object!(QueryResultType {
    refs: optional "Refs",
    entities: optional "Entities",
    paging_info: optional "PagingInfo",
});
