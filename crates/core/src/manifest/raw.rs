//! The raw, spanned shape `functory.toml` is deserialized into: every field keeps its span
//! for the validation messages.

use indexmap::IndexMap;
use serde::Deserialize;
use serde_spanned::Spanned;

use super::{AdapterKind, Cors, Permission, Throttling, Trigger};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawManifest {
    pub(super) project: Spanned<RawProject>,
    #[serde(default)]
    pub(super) targets: IndexMap<Spanned<String>, Spanned<RawTarget>>,
    #[serde(default)]
    pub(super) functions: IndexMap<Spanned<String>, Spanned<RawFunction>>,
    #[serde(default)]
    pub(super) api: Option<Spanned<RawApi>>,
    #[serde(default)]
    pub(super) resources: IndexMap<Spanned<String>, Spanned<super::resource::RawResource>>,
    /// `[lint]` (`[[lint.suppress]]` entries) belongs to functory-lint, which reads and
    /// validates it with positions; the manifest model only has to accept it.
    #[serde(default, rename = "lint")]
    pub(super) _lint: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawApi {
    #[serde(default)]
    pub(super) cors: Option<Cors>,
    #[serde(default)]
    pub(super) authorizers: IndexMap<Spanned<String>, Spanned<RawAuthorizer>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAuthorizer {
    pub(super) issuer: Spanned<String>,
    pub(super) audiences: Spanned<Vec<String>>,
    pub(super) identity_source: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProject {
    pub(super) name: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTarget {
    pub(super) adapter: Spanned<AdapterKind>,
    pub(super) region: Option<Spanned<String>>,
    pub(super) profile: Option<Spanned<String>>,
    pub(super) account: Option<Spanned<String>>,
    pub(super) code_bucket: Option<Spanned<String>>,
    pub(super) subscription_id: Option<Spanned<String>>,
    pub(super) resource_group: Option<Spanned<String>>,
    pub(super) function_app: Option<Spanned<String>>,
    pub(super) project_id: Option<Spanned<String>>,
    pub(super) api_stage: Option<Spanned<String>>,
    pub(super) throttling: Option<Spanned<Throttling>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFunction {
    pub(super) runtime: Spanned<String>,
    pub(super) handler: Spanned<String>,
    pub(super) code_dir: Option<Spanned<String>>,
    pub(super) memory_mb: Option<Spanned<i64>>,
    pub(super) timeout_s: Option<Spanned<i64>>,
    #[serde(default)]
    pub(super) environment: IndexMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    pub(super) triggers: Vec<Spanned<Trigger>>,
    #[serde(default)]
    pub(super) permissions: Vec<Spanned<Permission>>,
}
