//! Validation of `[functions.NAME]`: runtime, code folder, handler file, memory and timeout
//! ranges, environment, triggers and permissions.

use serde_spanned::Spanned;

use super::raw::RawFunction;
use super::resource::{Resource, TriggerReference, permission_resource_arn};
use super::{
    DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S, EnvVar, Function, MEMORY_MB_RANGE, ProjectFiles,
    RESERVED_ENVIRONMENT, TIMEOUT_S_RANGE, Trigger, Validator, is_identifier, is_valid_env_key,
};
use crate::diagnostic::Severity;
use crate::runtime::{Runtime, RuntimeFamily};

pub(super) fn validate_function(
    name: String,
    field: &str,
    raw: RawFunction,
    resources: &[Resource],
    v: &mut Validator<'_>,
    files: &dyn ProjectFiles,
) -> Function {
    let runtime = raw.runtime.get_ref().parse::<Runtime>().ok();
    if runtime.is_none() {
        let unknown = raw.runtime.get_ref();
        let mut message = format!("unknown runtime `{unknown}`");
        let today = crate::runtime::today();
        if let Some(suggestion) = Runtime::suggest(unknown, today) {
            message.push_str(&format!("; did you mean `{suggestion}`?"));
        } else {
            let supported: Vec<_> = Runtime::supported(today)
                .into_iter()
                .map(|r| r.name)
                .collect();
            message.push_str(&format!("; runtimes: {}", supported.join(", ")));
        }
        v.error(raw.runtime.span(), format!("{field}.runtime"), message);
    }

    let code_dir = raw
        .code_dir
        .as_ref()
        .map(|d| d.get_ref().trim_end_matches('/').to_owned())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| ".".to_owned());
    if let Some(dir) = &raw.code_dir
        && (dir.get_ref().starts_with('/') || dir.get_ref().split('/').any(|c| c == ".."))
    {
        v.error(
            dir.span(),
            format!("{field}.code_dir"),
            "code_dir must be a relative path inside the project",
        );
    }

    let handler_file = runtime
        .and_then(|runtime| check_handler(runtime, &code_dir, &raw.handler, field, v, files));

    let memory_mb = check_range(
        raw.memory_mb.as_ref(),
        MEMORY_MB_RANGE,
        DEFAULT_MEMORY_MB,
        "MB",
        &format!("{field}.memory_mb"),
        v,
    );
    let timeout_s = check_range(
        raw.timeout_s.as_ref(),
        TIMEOUT_S_RANGE,
        DEFAULT_TIMEOUT_S,
        "seconds",
        &format!("{field}.timeout_s"),
        v,
    );

    let mut environment = Vec::new();
    for (key, value) in raw.environment {
        let env_field = format!("{field}.environment.{}", key.get_ref());
        if !is_valid_env_key(key.get_ref()) {
            v.error(
                key.span(),
                &env_field,
                format!(
                    "environment variable name `{}` must start with a letter and contain only letters, digits and `_`",
                    key.get_ref()
                ),
            );
        } else if RESERVED_ENVIRONMENT.contains(&key.get_ref().as_str()) {
            v.error(
                key.span(),
                &env_field,
                format!(
                    "`{}` is reserved: the runtime sets it itself",
                    key.get_ref()
                ),
            );
        }
        environment.push(EnvVar {
            key: key.into_inner(),
            value: value.into_inner(),
        });
    }

    let mut triggers = Vec::new();
    let mut has_url = false;
    for (i, trigger) in raw.triggers.into_iter().enumerate() {
        let trigger_field = format!("{field}.triggers[{i}]");
        check_trigger(&trigger, &trigger_field, &name, timeout_s, v);
        if matches!(trigger.get_ref(), Trigger::Url { .. }) {
            // A function has one URL; two `url` triggers could only disagree.
            if has_url {
                v.error(
                    trigger.span(),
                    &trigger_field,
                    "a function has at most one `url` trigger",
                );
            }
            has_url = true;
        }
        triggers.push(trigger.into_inner());
    }

    let mut permissions = Vec::new();
    for (i, permission) in raw.permissions.into_iter().enumerate() {
        let permission_field = format!("{field}.permissions[{i}]");
        if permission.get_ref().actions.is_empty() {
            v.error(
                permission.span(),
                &permission_field,
                "a permission needs at least one action",
            );
        }
        for action in &permission.get_ref().actions {
            if action != "*" && !is_action_pattern(action) {
                v.error(
                    permission.span(),
                    format!("{permission_field}.actions"),
                    format!("`{action}` is not an action of the form `service:Action`"),
                );
            }
        }
        if permission.get_ref().resources.is_empty() {
            v.error(
                permission.span(),
                &permission_field,
                "a permission needs at least one resource (use \"*\" for any)",
            );
        }
        let span = permission.span();
        let mut permission = permission.into_inner();
        // Declared resources named in `resources` become their ARNs here, once, so every reader
        // of the model (deploy, local identities, linter, analyzer, canvas) sees IAM's terms.
        for (j, resource) in permission.resources.iter_mut().enumerate() {
            match permission_resource_arn(resource, resources) {
                Ok(arn) => *resource = arn,
                Err(message) => {
                    v.error(
                        span.clone(),
                        format!("{permission_field}.resources[{j}]"),
                        message,
                    );
                }
            }
        }
        permissions.push(permission);
    }

    Function {
        name,
        runtime: raw.runtime.into_inner(),
        handler: raw.handler.into_inner(),
        code_dir,
        handler_file,
        memory_mb,
        timeout_s,
        environment,
        triggers,
        permissions,
    }
}

/// The module files a handler string may refer to, relative to the project root, in the order
/// the runtime tries them. Empty for custom runtimes, whose entry point is `bootstrap`.
pub fn handler_candidates(runtime: Runtime, code_dir: &str, handler: &str) -> Vec<String> {
    let prefix = if code_dir == "." {
        String::new()
    } else {
        format!("{code_dir}/")
    };
    if runtime.family == RuntimeFamily::Provided {
        return vec![format!("{prefix}bootstrap")];
    }
    let Some((module, _export)) = handler.rsplit_once('.') else {
        return Vec::new();
    };
    let module_path = match runtime.family {
        // Python handlers may name their module with dots (`pkg.app.handler`).
        RuntimeFamily::Python => module.replace('.', "/"),
        _ => module.to_owned(),
    };
    runtime
        .handler_extensions()
        .iter()
        .map(|ext| format!("{prefix}{module_path}.{ext}"))
        .collect()
}

fn check_handler(
    runtime: Runtime,
    code_dir: &str,
    handler: &Spanned<String>,
    field: &str,
    v: &mut Validator<'_>,
    files: &dyn ProjectFiles,
) -> Option<String> {
    let handler_field = format!("{field}.handler");
    let text = handler.get_ref();
    if runtime.family != RuntimeFamily::Provided {
        let well_formed = text
            .rsplit_once('.')
            .is_some_and(|(module, export)| !module.is_empty() && is_identifier(export));
        if !well_formed {
            v.error(
                handler.span(),
                handler_field,
                format!(
                    "handler `{text}` must be `path/to/module.function`, e.g. `src/app.handler`"
                ),
            );
            return None;
        }
    }
    let candidates = handler_candidates(runtime, code_dir, text);
    let found = candidates.iter().find(|c| files.is_file(c)).cloned();
    if found.is_none() {
        v.error(
            handler.span(),
            handler_field,
            format!(
                "handler file not found: looked for {}",
                candidates.join(", ")
            ),
        );
    }
    found
}

fn check_range(
    value: Option<&Spanned<i64>>,
    (min, max): (u32, u32),
    default: u32,
    unit: &str,
    field: &str,
    v: &mut Validator<'_>,
) -> u32 {
    let Some(value) = value else { return default };
    let n = *value.get_ref();
    if n < i64::from(min) || n > i64::from(max) {
        v.error(
            value.span(),
            field,
            format!("{n} is out of range: must be between {min} and {max} {unit}"),
        );
        return n.clamp(i64::from(min), i64::from(max)) as u32;
    }
    n as u32
}

fn check_trigger(
    trigger: &Spanned<Trigger>,
    field: &str,
    function: &str,
    timeout_s: u32,
    v: &mut Validator<'_>,
) {
    for problem in crate::trigger_check::trigger_problems(trigger.get_ref()) {
        let key = format!("{field}.{}", problem.key);
        match problem.severity {
            Severity::Error => v.error(trigger.span(), key, problem.message),
            _ => v.warning(trigger.span(), key, problem.message),
        }
    }
    if let Some((key, name, expects)) = trigger.get_ref().resource_named() {
        v.resource_references.push(TriggerReference {
            field: format!("{field}.{key}"),
            span: trigger.span(),
            name: name.to_owned(),
            expects,
            function: function.to_owned(),
            timeout_s,
        });
    }
    if let Trigger::Http {
        method, path, auth, ..
    } = trigger.get_ref()
    {
        if let Ok(route) = crate::route::RoutePattern::parse(method, path) {
            v.routes.push((field.to_owned(), trigger.span(), route));
        }
        if let Some(auth) = auth {
            v.route_auth
                .push((field.to_owned(), trigger.span(), auth.clone()));
        }
    }
}

fn is_action_pattern(action: &str) -> bool {
    action.split_once(':').is_some_and(|(service, name)| {
        !service.is_empty()
            && !name.is_empty()
            && service
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '*' || c == '?')
    })
}
