//! [`Reading`]: a template's values read through the intrinsic resolver (and Serverless
//! variables): text, numbers, environment, IAM statements, SAM policy templates, CORS,
//! limits and function URLs, with report lines for what stays a placeholder.

use functory_core::manifest::EnvVar;
use functory_core::{Cors, Function, Permission, PermissionEffect, Trigger, UrlAuth};
use functory_lint::parse::Node;

use super::check_runtime;
use crate::cfn::{Cfn, Stack, source_name, target_wildcards};
use crate::policy_templates;
use crate::source::{Reporter, scalar_text};

/// What a permission's report line adds when the stack's region and account became `*`.
const TARGET_WILDCARDS_NOTE: &str =
    " (the stack's region and account as `*`: the deploy target's, wherever it is)";

/// Reads values of one function: text through the intrinsic resolver, with report lines for
/// what stays a placeholder.
pub(crate) struct Reading<'a, 'b, 'n> {
    pub cfn: Cfn<'n>,
    pub rep: &'a mut Reporter<'b>,
    pub stack: Stack,
    /// Serverless Framework variables (`${self:…}`, `${opt:…}`), resolved after intrinsics.
    pub vars: Option<&'a crate::serverless::Variables<'n>>,
}

impl Reading<'_, '_, '_> {
    pub fn text(&mut self, node: &Node, subject: &str) -> Option<String> {
        let before = self.rep.report.not_mapped.len();
        let text = self.cfn.text(node, subject, &mut self.stack, self.rep);
        // A circular reference is already reported, with its chain; "known at deploy time"
        // would be the wrong reason for the placeholder it left.
        let circular = self.rep.report.not_mapped[before..]
            .iter()
            .any(|i| i.message.starts_with("circular reference"));
        if let Some(vars) = self.vars {
            // The variables report what they could not resolve, and why.
            return match text {
                Some(t) => Some(vars.resolve(&t, node.span, subject, self.rep)),
                None => {
                    self.rep.not_mapped(
                        node.span,
                        subject,
                        format!("expected a text value, found {}", node.type_name()),
                    );
                    None
                }
            };
        }
        match &text {
            Some(t) if t.contains("${") && !circular => self.rep.not_mapped(
                node.span,
                subject,
                format!("kept as the text `{t}`: its value is only known at deploy time"),
            ),
            Some(_) => {}
            None => self.rep.not_mapped(
                node.span,
                subject,
                format!("expected a text value, found {}", node.type_name()),
            ),
        }
        text
    }

    /// What an event source names, as resolved, and the queue or stream name in it (see
    /// [`source_name`]). The ARN's deploy-time parts (region, account) do not matter once the
    /// name is known, so they are only reported when the name itself stays unknown.
    pub fn source(&mut self, node: &Node, subject: &str) -> Option<(String, String)> {
        let before = self.rep.report.not_mapped.len();
        let text = self.text(node, subject)?;
        let name = source_name(&text);
        if !name.contains("${") {
            self.rep.report.not_mapped.truncate(before);
        }
        Some((text, name))
    }

    pub fn number(&mut self, node: &Node, subject: &str) -> Option<u32> {
        let text = self.text(node, subject)?;
        let number = text.trim().parse::<u32>().ok();
        if number.is_none() {
            self.rep.not_mapped(
                node.span,
                subject,
                format!("`{text}` is not a whole number"),
            );
        }
        number
    }

    /// A resource a statement grants, with the stack's region and account as `*` (see
    /// [`target_wildcards`]), and whether they were. What then still waits for deploy time is
    /// reported; the region and account are not, since `*` stands for them.
    pub fn granted_resource(&mut self, node: &Node, subject: &str) -> Option<(String, bool)> {
        let before = self.rep.report.not_mapped.len();
        let text = self.text(node, subject)?;
        Some(match target_wildcards(&text) {
            Some(arn) => {
                if !arn.contains("${") {
                    self.rep.report.not_mapped.truncate(before);
                }
                (arn, true)
            }
            None => (text, false),
        })
    }

    pub fn texts(&mut self, node: &Node, subject: &str) -> Vec<String> {
        node.items()
            .filter_map(|item| self.text(item, subject))
            .collect()
    }

    pub fn environment(&mut self, variables: &Node, subject: &str, out: &mut Vec<EnvVar>) {
        for var in variables.as_object().unwrap_or_default() {
            let var_subject = format!("{subject}.{}", var.key);
            if let Some(value) = self.text(&var.value, &var_subject) {
                out.retain(|e| e.key != var.key);
                out.push(EnvVar {
                    key: var.key.clone(),
                    value,
                });
            }
        }
    }

    /// IAM statements (`Effect`, `Action`, `Resource`) as permissions. Statements with what
    /// functory.toml cannot express (conditions, `NotAction`, principals) are left out whole:
    /// importing them without it would grant more than the template does.
    pub fn statements(&mut self, statements: &Node, subject: &str) -> Vec<Permission> {
        let mut permissions = Vec::new();
        for (i, statement) in statements.items().enumerate() {
            let subject = format!("{subject}[{i}]");
            if let Some(extra) = ["Condition", "NotAction", "NotResource", "Principal"]
                .iter()
                .find_map(|k| statement.member(k))
            {
                self.rep.not_mapped(
                    extra.key_span,
                    &subject,
                    format!(
                        "a statement with {} cannot be expressed in functory.toml; not imported",
                        extra.key
                    ),
                );
                continue;
            }
            let effect = match statement
                .get("Effect")
                .and_then(|e| self.cfn.text(e, &subject, &mut self.stack, self.rep))
                .as_deref()
            {
                Some("Deny") => PermissionEffect::Deny,
                _ => PermissionEffect::Allow,
            };
            let actions = statement
                .get("Action")
                .map(|a| self.texts(a, &format!("{subject}.Action")))
                .unwrap_or_default();
            let mut widened = false;
            let resources = statement
                .get("Resource")
                .map(|r| {
                    r.items()
                        .filter_map(|item| {
                            let (arn, w) =
                                self.granted_resource(item, &format!("{subject}.Resource"))?;
                            widened |= w;
                            Some(arn)
                        })
                        .collect()
                })
                .unwrap_or_else(|| vec!["*".to_owned()]);
            if actions.is_empty() {
                self.rep
                    .not_mapped(statement.span, &subject, "a statement without actions");
                continue;
            }
            self.rep.mapped(
                statement.span,
                &subject,
                format!(
                    "permission {}{}",
                    actions.join(", "),
                    if widened { TARGET_WILDCARDS_NOTE } else { "" }
                ),
            );
            permissions.push(Permission {
                effect,
                actions,
                resources,
            });
        }
        permissions
    }

    /// SAM's `Policies`: inline documents, known policy templates; managed policies reported.
    pub fn policies(&mut self, policies: &Node, subject: &str) -> Vec<Permission> {
        let mut permissions = Vec::new();
        for (i, policy) in policies.items().enumerate() {
            let subject = format!("{subject}[{i}]");
            if let Some(name) = policy.as_str() {
                self.rep.not_mapped(
                    policy.span,
                    &subject,
                    format!("managed policy `{name}`: functory.toml lists permissions as statements; add the actions the function needs"),
                );
                continue;
            }
            if let Some(statements) = policy.get("Statement") {
                permissions.extend(self.statements(statements, &format!("{subject}.Statement")));
                continue;
            }
            if policy.is_intrinsic() {
                self.rep.not_mapped(
                    policy.span,
                    &subject,
                    "a managed policy ARN: functory.toml lists permissions as statements",
                );
                continue;
            }
            let Some([member]) = policy.as_object() else {
                self.rep
                    .not_mapped(policy.span, &subject, "not a policy this importer reads");
                continue;
            };
            let template = member.key.as_str();
            let parameters = &member.value;
            let template_subject = format!("{subject}.{template}");
            let mut values = Vec::new();
            let expanded = policy_templates::expand(template, |p| {
                let value = parameters.get(p)?;
                values.push((p.to_owned(), value));
                Some(String::new())
            });
            let expanded = match expanded {
                None => {
                    self.rep.not_mapped(
                        member.key_span,
                        &template_subject,
                        format!("SAM policy template {template} is not one Functory knows; add its statements as permissions by hand"),
                    );
                    continue;
                }
                Some(Err(missing)) => {
                    self.rep.not_mapped(
                        member.key_span,
                        &template_subject,
                        format!("policy template {template} needs {}", missing.join(", ")),
                    );
                    continue;
                }
                Some(Ok(_)) => {
                    let mut resolved = Vec::new();
                    for (p, node) in values {
                        let text = self
                            .text(node, &format!("{template_subject}.{p}"))
                            .unwrap_or_default();
                        resolved.push((p, text));
                    }
                    policy_templates::expand(template, |p| {
                        resolved
                            .iter()
                            .find(|(n, _)| n == p)
                            .map(|(_, v)| v.clone())
                    })
                }
            };
            if let Some(Ok(statements)) = expanded {
                let mut widened = false;
                let statements: Vec<(Vec<String>, Vec<String>)> = statements
                    .into_iter()
                    .map(|(actions, resources)| {
                        let resources = resources
                            .into_iter()
                            .map(|r| match target_wildcards(&r) {
                                Some(arn) => {
                                    widened = true;
                                    arn
                                }
                                None => r,
                            })
                            .collect();
                        (actions, resources)
                    })
                    .collect();
                self.rep.mapped(
                    member.key_span,
                    &template_subject,
                    format!(
                        "policy template {template} → {} permission{}{}",
                        statements.len(),
                        if statements.len() == 1 { "" } else { "s" },
                        if widened { TARGET_WILDCARDS_NOTE } else { "" }
                    ),
                );
                permissions.extend(
                    statements
                        .into_iter()
                        .map(|(actions, resources)| Permission {
                            effect: PermissionEffect::Allow,
                            actions,
                            resources,
                        }),
                );
            }
        }
        permissions
    }

    /// CORS settings; `keys` name origins, methods, headers, exposed headers, credentials and
    /// max age in the source's spelling.
    pub fn cors(&mut self, cors: &Node, subject: &str, keys: [&str; 6]) -> Cors {
        let [origins, methods, headers, expose, credentials, max_age] = keys;
        let mut list = |key: &str| {
            cors.get(key)
                .map(|v| self.texts(v, &format!("{subject}.{key}")))
                .unwrap_or_default()
        };
        let mut result = Cors {
            allow_origins: list(origins),
            allow_methods: list(methods),
            allow_headers: list(headers),
            expose_headers: list(expose),
            ..Cors::default()
        };
        result.allow_credentials = cors
            .get(credentials)
            .and_then(scalar_text)
            .is_some_and(|t| t == "true");
        result.max_age = cors
            .get(max_age)
            .and_then(|m| self.number(m, &format!("{subject}.{max_age}")));
        result
    }

    /// Runtime (checked), memory and timeout of a function, from wherever each was found.
    pub fn limits(
        &mut self,
        function: &mut Function,
        runtime: Option<&Node>,
        memory: Option<(&Node, String)>,
        timeout: Option<(&Node, String)>,
        runtime_subject: &str,
    ) {
        check_runtime(&function.runtime, runtime, runtime_subject, self.rep);
        if let Some(n) = memory.and_then(|(n, s)| self.number(n, &s)) {
            function.memory_mb = n;
        }
        if let Some(n) = timeout.and_then(|(n, s)| self.number(n, &s)) {
            function.timeout_s = n;
        }
    }

    /// `FunctionUrlConfig` (and `AWS::Lambda::Url`): auth and CORS.
    pub fn url(&mut self, config: &Node, subject: &str) -> Option<Trigger> {
        let auth = match config
            .get("AuthType")
            .and_then(|a| self.text(a, &format!("{subject}.AuthType")))
            .as_deref()
        {
            Some("NONE") => UrlAuth::None,
            Some("AWS_IAM") => UrlAuth::Iam,
            other => {
                self.rep.not_mapped(
                    config.span,
                    subject,
                    format!(
                        "AuthType must be NONE or AWS_IAM, found {}",
                        other.unwrap_or("nothing")
                    ),
                );
                return None;
            }
        };
        if let Some(mode) = config.member("InvokeMode")
            && mode.value.as_str() != Some("BUFFERED")
        {
            self.rep.not_mapped(
                mode.key_span,
                &format!("{subject}.InvokeMode"),
                "response streaming is not part of functory.toml; the URL answers buffered",
            );
        }
        let cors = config.get("Cors").map(|cors| {
            self.cors(
                cors,
                &format!("{subject}.Cors"),
                [
                    "AllowOrigins",
                    "AllowMethods",
                    "AllowHeaders",
                    "ExposeHeaders",
                    "AllowCredentials",
                    "MaxAge",
                ],
            )
        });
        Some(Trigger::Url { auth, cors })
    }
}
