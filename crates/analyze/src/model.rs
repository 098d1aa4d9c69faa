//! What the analysis reports. Shared with the UI through `ts-rs`, serialized in camelCase.

use functory_core::Permission;
use serde::Serialize;
use ts_rs::TS;

use crate::lang::Lang;

/// A place in a source file. Lines and columns are 1-based; columns count characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Location {
    /// Path relative to the project root, with `/`.
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    /// Byte offsets in the file, for editors that work in bytes.
    pub start: u32,
    pub end: u32,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum SdkFlavor {
    /// AWS SDK for JavaScript v3 (`@aws-sdk/client-*`, `@aws-sdk/lib-*`).
    JsV3,
    /// AWS SDK for JavaScript v2 (`aws-sdk`).
    JsV2,
    /// boto3's clients.
    Boto3Client,
    /// boto3's resources (`resource('s3').Bucket(...)`).
    Boto3Resource,
    /// Not a call: a trigger of the manifest whose event source reads with the function's role.
    Trigger,
    /// A library that makes SDK calls for the handler (Powertools' parameters, idempotency).
    Library,
}

/// A resource an action is needed on, and how it was found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ResourceGuess {
    /// An ARN, possibly with `*`, or `*`.
    pub arn: String,
    /// How the name was found (`literal`, `constant BUCKET`, `environment TABLE_NAME = orders`)
    /// or why it is `*`.
    pub reason: String,
}

/// One SDK call the analyzer understood.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SdkCall {
    pub location: Location,
    pub flavor: SdkFlavor,
    /// The IAM service prefix (`s3`).
    pub service: String,
    /// The API operation (`ListObjectsV2`).
    pub operation: String,
    /// What the code says, shortened (`s3.send(new ListObjectsV2Command(…))`).
    pub code: String,
    pub actions: Vec<String>,
    pub resources: Vec<ResourceGuess>,
    /// Something to know about the call (KMS-encrypted reads, multipart uploads).
    pub note: Option<String>,
    /// Actions the call needs besides its own, each with why.
    pub dependencies: Vec<Dependency>,
}

/// An action a call needs besides the one that authorizes it: a dependent action of the IAM
/// reference, one a parameter brings in (an ACL, a KMS key, a role passed), or a resource the
/// service reads or writes with the caller's permissions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Dependency {
    pub action: String,
    pub resource: ResourceGuess,
    /// One line: why the call needs it.
    pub why: String,
}

/// An SDK call the analyzer saw but could not map to IAM actions. Never dropped silently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UnknownCall {
    pub location: Location,
    pub code: String,
    pub reason: String,
}

/// One action on one resource the code needs, with every call that needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RequiredPermission {
    pub action: String,
    pub resource: String,
    pub reason: String,
    pub locations: Vec<Location>,
    /// Set when no call needs the action for itself, only as a dependency: why.
    pub because: Option<String>,
}

/// A required permission the manifest does not grant: the call will fail with AccessDenied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MissingPermission {
    pub action: String,
    pub resource: String,
    pub locations: Vec<Location>,
    /// Why it is missing: nothing grants it, the resources do not cover it, or a Deny.
    pub why: String,
}

/// A granted action no understood call needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UnusedGrant {
    /// Index of the statement in the function's `permissions`.
    pub statement: u32,
    /// The action (or pattern) as written.
    pub action: String,
    pub resources: Vec<String>,
    /// Where the action is written in functory.toml, when known.
    pub location: Option<Location>,
    /// For a wildcard: the actions the code needs that it covers (empty when none).
    pub needed: Vec<String>,
    /// How many actions the grant stands for (1 unless it is a wildcard).
    pub granted_count: u32,
    /// When a trigger needs the action and the deploy already grants it (the role statement
    /// it adds, by `Sid`): the manifest's grant is redundant.
    pub granted_by_deploy: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Comparison {
    pub missing: Vec<MissingPermission>,
    pub unused: Vec<UnusedGrant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum OutlineKind {
    Function,
    Class,
    Method,
    Interface,
    Export,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OutlineItem {
    pub kind: OutlineKind,
    pub name: String,
    pub location: Location,
    /// Whether other modules (or the runtime) can reach it by name.
    pub exported: bool,
}

/// A part of a file that does not parse. The rest of the file is still analysed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ParseProblem {
    pub location: Location,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FileAnalysis {
    pub path: String,
    pub language: Lang,
    pub outline: Vec<OutlineItem>,
    pub parse_problems: Vec<ParseProblem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum HandlerProblemKind {
    FileMissing,
    Missing,
    NotExported,
    WrongArity,
    ReturnsNothing,
    UnsupportedLanguage,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct HandlerProblem {
    pub kind: HandlerProblemKind,
    pub message: String,
    /// Where in the code, when the problem is in the code; `None` points at the manifest.
    pub location: Option<Location>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct HandlerCheck {
    /// The manifest's `handler`.
    pub handler: String,
    pub file: Option<String>,
    /// The handler's definition, when found.
    pub location: Option<Location>,
    pub problems: Vec<HandlerProblem>,
}

/// Everything the analyzer derives for one function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Analysis {
    pub function: String,
    pub handler: HandlerCheck,
    pub files: Vec<FileAnalysis>,
    pub calls: Vec<SdkCall>,
    pub not_understood: Vec<UnknownCall>,
    pub required: Vec<RequiredPermission>,
    /// The least-privilege policy for the understood calls, as manifest statements.
    pub policy: Vec<Permission>,
    pub comparison: Comparison,
}
