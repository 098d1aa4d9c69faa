//! Validation of `[targets.NAME]`: the name, `profile` and `account`, the fields each cloud
//! owns, the HTTP API stage and its throttling.

use std::ops::Range;

use serde_spanned::Spanned;

use super::raw::RawTarget;
use super::{AdapterKind, Target, Validator, is_valid_target_name};

/// One target, checked, as the model has it.
pub(super) fn validate_target(
    name: Spanned<String>,
    target: Spanned<RawTarget>,
    v: &mut Validator<'_>,
) -> Target {
    let field = format!("targets.{}", name.get_ref());
    if !is_valid_target_name(name.get_ref()) {
        v.error(
            name.span(),
            &field,
            format!(
                "target name `{}` must start with a lowercase letter or digit and contain only lowercase letters, digits, `-` and `_`",
                name.get_ref()
            ),
        );
    }
    let target_span = target.span();
    let target = target.into_inner();
    let adapter = *target.adapter.get_ref();
    if let (Some(profile), Some(_)) = (&target.profile, &target.account) {
        v.error(
            profile.span(),
            format!("{field}.profile"),
            "set either `profile` (an AWS profile) or `account` (a keychain account), not both",
        );
    }
    if let Some(profile) = &target.profile
        && adapter != AdapterKind::Aws
    {
        v.error(
            profile.span(),
            format!("{field}.profile"),
            "`profile` names an AWS profile and only applies to targets with adapter = \"aws\"; use `account` for other clouds",
        );
    }
    if adapter == AdapterKind::Local && (target.region.is_some() || target.account.is_some()) {
        v.warning(
            target_span.clone(),
            &field,
            "a local target ignores `region` and `account`",
        );
    }
    validate_cloud_target_fields(v, &field, adapter, target_span, &target);
    if let Some(stage) = &target.api_stage
        && !is_valid_stage_name(stage.get_ref())
    {
        v.error(
            stage.span(),
            format!("{field}.api_stage"),
            format!(
                "stage `{}` must be `$default` or 1 to 128 letters, digits, `-` and `_`",
                stage.get_ref()
            ),
        );
    }
    if let Some(throttling) = &target.throttling
        && (throttling.get_ref().rate_limit == 0 || throttling.get_ref().burst_limit == 0)
    {
        v.error(
            throttling.span(),
            format!("{field}.throttling"),
            "throttling limits must be above 0 (leave `throttling` out for the account's limits)",
        );
    }
    Target {
        name: name.into_inner(),
        adapter,
        region: target.region.map(Spanned::into_inner),
        profile: target.profile.map(Spanned::into_inner),
        account: target.account.map(Spanned::into_inner),
        code_bucket: target.code_bucket.map(Spanned::into_inner),
        subscription_id: target.subscription_id.map(Spanned::into_inner),
        resource_group: target.resource_group.map(Spanned::into_inner),
        function_app: target.function_app.map(Spanned::into_inner),
        project_id: target.project_id.map(Spanned::into_inner),
        api_stage: target.api_stage.map(Spanned::into_inner),
        throttling: target.throttling.map(Spanned::into_inner),
    }
}

/// The fields that say where an Azure or Google target deploys: each belongs to one cloud, and
/// a cloud target without them parses (so the rest of the app works) but cannot deploy yet.
fn validate_cloud_target_fields(
    v: &mut Validator<'_>,
    field: &str,
    adapter: AdapterKind,
    target_span: Range<usize>,
    target: &RawTarget,
) {
    let azure_fields = [
        ("subscription_id", &target.subscription_id),
        ("resource_group", &target.resource_group),
        ("function_app", &target.function_app),
    ];
    let google_fields = [("project_id", &target.project_id)];
    let (own, own_kind): (&[_], _) = match adapter {
        AdapterKind::Azure => (&azure_fields, "azure"),
        AdapterKind::Gcp => (&google_fields, "gcp"),
        AdapterKind::Aws => (&[], "aws"),
        AdapterKind::Local => (&[], "local"),
    };
    let aws_fields = [("code_bucket", &target.code_bucket)];
    for (key, value, owner) in azure_fields
        .iter()
        .map(|(k, v)| (*k, *v, "azure"))
        .chain(google_fields.iter().map(|(k, v)| (*k, *v, "gcp")))
        .chain(aws_fields.iter().map(|(k, v)| (*k, *v, "aws")))
    {
        if let Some(value) = value
            && owner != own_kind
        {
            v.error(
                value.span(),
                format!("{field}.{key}"),
                format!("`{key}` only applies to targets with adapter = \"{owner}\""),
            );
        }
    }
    // An Azure service principal account may name the subscription instead of the target.
    let missing: Vec<String> = own
        .iter()
        .filter(|(key, value)| value.is_none() && *key != "subscription_id")
        .map(|(key, _)| format!("`{key}`"))
        .collect();
    if !missing.is_empty() {
        let what = match adapter {
            AdapterKind::Azure => "the function app it deploys into",
            _ => "the Google Cloud project it deploys into",
        };
        v.warning(
            target_span.clone(),
            field,
            format!(
                "this target cannot deploy until it sets {} ({what})",
                missing.join(", ")
            ),
        );
    }
    if adapter == AdapterKind::Gcp && target.region.is_none() {
        v.warning(
            target_span,
            field,
            "this target cannot deploy until it sets `region` (for example `europe-west1`)",
        );
    }
}

/// API Gateway stage names: `$default`, or letters, digits, `-` and `_`.
fn is_valid_stage_name(name: &str) -> bool {
    name == "$default"
        || ((1..=128).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
}
