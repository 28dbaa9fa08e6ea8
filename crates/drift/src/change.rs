//! One difference between the two documents, its kind and its severity for a program written
//! against the first.

use serde::Serialize;

/// How a difference affects a program written against the first document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The program fails against a server of the second document: a call it makes no longer
    /// exists, it lacks a required input, or it cannot read an answer.
    Breaking,
    /// The program keeps working: the difference is absorbed by the client (restpoint's lenient
    /// decoding ignores the case of enumeration values) or is only a name in generated code.
    Tolerated,
    /// Something new the program does not use: an operation, an optional input, an answer field
    /// or an enumeration value.
    Added,
}

impl Severity {
    /// The lower-case name used in every report (`breaking`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Breaking => "breaking",
            Severity::Tolerated => "tolerated",
            Severity::Added => "added",
        }
    }
}

/// What changed. Serialised in kebab case (`response-field-removed`): the JSON report's `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// The method under that path template is gone (breaking).
    OperationRemoved,
    /// A new operation (added).
    OperationAdded,
    /// The same operation under another `operationId` (tolerated: the wire is unchanged, only
    /// generated names differ).
    OperationIdRenamed,
    /// A required parameter the first document does not have (breaking).
    RequiredParameterAdded,
    /// An optional parameter became required (breaking).
    ParameterNowRequired,
    /// A parameter the first document has is gone (tolerated: servers ignore unknown query
    /// parameters and headers).
    ParameterRemoved,
    /// A new optional parameter (added).
    OptionalParameterAdded,
    /// A request body is now required where there was none or an optional one (breaking).
    RequestBodyNowRequired,
    /// The request body is no longer accepted in any media type the first document names
    /// (breaking).
    RequestMediaTypeRemoved,
    /// A required request field the first document does not have (breaking).
    RequiredRequestFieldAdded,
    /// An optional request field became required (breaking).
    RequestFieldNowRequired,
    /// A request field the first document has is gone (breaking when the model forbids other
    /// properties, tolerated otherwise).
    RequestFieldRemoved,
    /// A new optional request field (added).
    OptionalRequestFieldAdded,
    /// A success status of the first document is no longer answered (breaking).
    SuccessStatusRemoved,
    /// A new success status (added).
    SuccessStatusAdded,
    /// The success answer's body is gone, or none of its media types remains (breaking; tolerated
    /// for a `204`, which carries no body on the wire).
    ResponseMediaTypeRemoved,
    /// A response field is gone: breaking when it was required, tolerated when it was optional
    /// (the program already copes with its absence).
    ResponseFieldRemoved,
    /// A required response field became optional (breaking: the program reads it unconditionally).
    ResponseFieldNowOptional,
    /// A new response field (added).
    ResponseFieldAdded,
    /// A field's name differs only in the case of its first letter (`SiteIdentifier` /
    /// `siteIdentifier`): tolerated, as restpoint's generated models accept both spellings
    /// (ZVM-14); compared further under the new name.
    FieldRecased,
    /// A value changed its JSON type (`string` → `integer`, an object → an array): breaking,
    /// except a query or header parameter that became an array of its old type (a single value
    /// is still a valid one-element array there), which is tolerated.
    Retyped,
    /// Same type, another `format` (`int32` → `int64`) (tolerated).
    FormatChanged,
    /// An enumeration value is gone, with no value equal to it but for case (breaking).
    EnumValueRemoved,
    /// An enumeration value is gone and exactly one new value came in its place (breaking).
    EnumValueRenamed,
    /// Enumeration values changed only their case (tolerated by restpoint's lenient decoding:
    /// VBR-11, servers and clients compare these values without regard to case); one change per
    /// enumeration, listing the values.
    EnumValueRecased,
    /// New enumeration values (added); one change per enumeration, listing the values.
    EnumValueAdded,
    /// A `oneOf`/`anyOf` variant is gone: breaking in a request (the program may send it),
    /// tolerated in an answer (the program is simply never sent it).
    VariantRemoved,
    /// A new `oneOf`/`anyOf` variant (added).
    VariantAdded,
}

impl ChangeKind {
    /// The kebab-case name used in every report (`enum-value-recased`).
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::OperationRemoved => "operation-removed",
            ChangeKind::OperationAdded => "operation-added",
            ChangeKind::OperationIdRenamed => "operation-id-renamed",
            ChangeKind::RequiredParameterAdded => "required-parameter-added",
            ChangeKind::ParameterNowRequired => "parameter-now-required",
            ChangeKind::ParameterRemoved => "parameter-removed",
            ChangeKind::OptionalParameterAdded => "optional-parameter-added",
            ChangeKind::RequestBodyNowRequired => "request-body-now-required",
            ChangeKind::RequestMediaTypeRemoved => "request-media-type-removed",
            ChangeKind::RequiredRequestFieldAdded => "required-request-field-added",
            ChangeKind::RequestFieldNowRequired => "request-field-now-required",
            ChangeKind::RequestFieldRemoved => "request-field-removed",
            ChangeKind::OptionalRequestFieldAdded => "optional-request-field-added",
            ChangeKind::SuccessStatusRemoved => "success-status-removed",
            ChangeKind::SuccessStatusAdded => "success-status-added",
            ChangeKind::ResponseMediaTypeRemoved => "response-media-type-removed",
            ChangeKind::ResponseFieldRemoved => "response-field-removed",
            ChangeKind::ResponseFieldNowOptional => "response-field-now-optional",
            ChangeKind::ResponseFieldAdded => "response-field-added",
            ChangeKind::FieldRecased => "field-recased",
            ChangeKind::Retyped => "retyped",
            ChangeKind::FormatChanged => "format-changed",
            ChangeKind::EnumValueRemoved => "enum-value-removed",
            ChangeKind::EnumValueRenamed => "enum-value-renamed",
            ChangeKind::EnumValueRecased => "enum-value-recased",
            ChangeKind::EnumValueAdded => "enum-value-added",
            ChangeKind::VariantRemoved => "variant-removed",
            ChangeKind::VariantAdded => "variant-added",
        }
    }
}

/// One difference found in one operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Its effect on a program written against the first document.
    pub severity: Severity,
    /// What changed.
    pub kind: ChangeKind,
    /// Where in the operation: `operation`, `parameter query limit`, `request body
    /// application/json`, `response 200 application/json`.
    pub location: String,
    /// The field inside that location, as a path from the body's root (`data[].type`; `[]` is an
    /// array's item, `<Name>` a `oneOf` variant); empty for the location itself.
    pub field: String,
    /// The named schema that holds the difference (`JobModel.type`, or the enumeration's own
    /// name, `EJobType`), when there is one: the same schema change seen from several operations
    /// has the same `schema`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// What was and what is, in a few words (`"Backup" is gone`).
    pub detail: String,
}
