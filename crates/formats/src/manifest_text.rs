//! A [`Manifest`] as `functory.toml` text, written through `toml_edit` so the file looks like
//! one a person wrote: a header comment naming where it came from, one table per function,
//! `[[…triggers]]` and `[[…permissions]]` arrays of tables, and only the settings that are set.

use functory_core::{Cors, Manifest, PermissionEffect, Trigger, UrlAuth};
use toml_edit::{Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table, Value, value};

/// The manifest's text, opening with `header` (one comment line per line of it).
pub fn manifest_toml(manifest: &Manifest, header: &str) -> String {
    let mut doc = DocumentMut::new();
    let mut project = Table::new();
    project["name"] = value(manifest.project_name.as_str());
    let comment: String = header
        .lines()
        .map(|l| {
            if l.is_empty() {
                "#\n".to_owned()
            } else {
                format!("# {l}\n")
            }
        })
        .collect();
    project.decor_mut().set_prefix(format!("{comment}\n"));
    doc["project"] = Item::Table(project);

    if !manifest.targets.is_empty() {
        let mut targets = Table::new();
        targets.set_implicit(true);
        for target in &manifest.targets {
            let mut table = Table::new();
            table["adapter"] = value(adapter_name(target.adapter));
            if let Some(region) = &target.region {
                table["region"] = value(region.as_str());
            }
            if let Some(profile) = &target.profile {
                table["profile"] = value(profile.as_str());
            }
            if let Some(account) = &target.account {
                table["account"] = value(account.as_str());
            }
            for (key, field) in [
                ("code_bucket", &target.code_bucket),
                ("subscription_id", &target.subscription_id),
                ("resource_group", &target.resource_group),
                ("function_app", &target.function_app),
                ("project_id", &target.project_id),
                ("api_stage", &target.api_stage),
            ] {
                if let Some(text) = field {
                    table[key] = value(text.as_str());
                }
            }
            if let Some(throttling) = &target.throttling {
                let mut limits = InlineTable::new();
                limits.insert("burst_limit", i64::from(throttling.burst_limit).into());
                limits.insert("rate_limit", i64::from(throttling.rate_limit).into());
                table["throttling"] = value(limits);
            }
            targets[target.name.as_str()] = Item::Table(table);
        }
        doc["targets"] = Item::Table(targets);
    }

    if manifest.api.cors.is_some() || !manifest.api.authorizers.is_empty() {
        let mut api = Table::new();
        if let Some(cors) = &manifest.api.cors {
            api["cors"] = value(cors_table(cors));
        }
        if !manifest.api.authorizers.is_empty() {
            let mut authorizers = Table::new();
            authorizers.set_implicit(true);
            for authorizer in &manifest.api.authorizers {
                let mut table = Table::new();
                table["issuer"] = value(authorizer.issuer.as_str());
                table["audiences"] = value(string_array(&authorizer.audiences));
                if authorizer.identity_source != "$request.header.Authorization" {
                    table["identity_source"] = value(authorizer.identity_source.as_str());
                }
                authorizers[authorizer.name.as_str()] = Item::Table(table);
            }
            api["authorizers"] = Item::Table(authorizers);
        }
        doc["api"] = Item::Table(api);
    }

    let mut functions = Table::new();
    functions.set_implicit(true);
    for function in &manifest.functions {
        let mut table = Table::new();
        table["runtime"] = value(function.runtime.as_str());
        table["handler"] = value(function.handler.as_str());
        if function.code_dir != "." {
            table["code_dir"] = value(function.code_dir.as_str());
        }
        table["memory_mb"] = value(i64::from(function.memory_mb));
        table["timeout_s"] = value(i64::from(function.timeout_s));
        if !function.environment.is_empty() {
            let mut environment = InlineTable::new();
            for var in &function.environment {
                environment.insert(&var.key, var.value.as_str().into());
            }
            table["environment"] = value(environment);
        }
        if !function.triggers.is_empty() {
            let mut triggers = ArrayOfTables::new();
            for trigger in &function.triggers {
                triggers.push(trigger_table(trigger));
            }
            table["triggers"] = Item::ArrayOfTables(triggers);
        }
        if !function.permissions.is_empty() {
            let mut permissions = ArrayOfTables::new();
            for permission in &function.permissions {
                let mut t = Table::new();
                if permission.effect == PermissionEffect::Deny {
                    t["effect"] = value("Deny");
                }
                t["actions"] = value(string_array(&permission.actions));
                t["resources"] = value(string_array(&permission.resources));
                permissions.push(t);
            }
            table["permissions"] = Item::ArrayOfTables(permissions);
        }
        functions[function.name.as_str()] = Item::Table(table);
    }
    doc["functions"] = Item::Table(functions);
    if !manifest.resources.is_empty() {
        let mut resources = Table::new();
        resources.set_implicit(true);
        for resource in &manifest.resources {
            resources[resource.name.as_str()] = Item::Table(resource_table(resource));
        }
        doc["resources"] = Item::Table(resources);
    }
    doc.to_string()
}

/// `[resources.NAME]` with only what is set (the keys the resource form's edit writes).
fn resource_table(resource: &functory_core::Resource) -> Table {
    let mut t = Table::new();
    for (key, v) in functory_core::edit::resource_entries(resource) {
        t[key] = Item::Value(v);
    }
    t
}

fn adapter_name(adapter: functory_core::AdapterKind) -> &'static str {
    match adapter {
        functory_core::AdapterKind::Local => "local",
        functory_core::AdapterKind::Aws => "aws",
        functory_core::AdapterKind::Azure => "azure",
        functory_core::AdapterKind::Gcp => "gcp",
    }
}

fn string_array(items: &[String]) -> Array {
    items.iter().map(String::as_str).collect()
}

fn trigger_table(trigger: &Trigger) -> Table {
    let mut t = Table::new();
    let set_opt = |t: &mut Table, key: &str, v: &Option<String>| {
        if let Some(v) = v {
            t[key] = value(v.as_str());
        }
    };
    match trigger {
        Trigger::Http {
            method,
            path,
            auth,
            payload_version,
        } => {
            t["kind"] = value("http");
            t["method"] = value(method.as_str());
            t["path"] = value(path.as_str());
            set_opt(&mut t, "auth", auth);
            set_opt(&mut t, "payload_version", payload_version);
        }
        Trigger::Schedule {
            expression,
            timezone,
        } => {
            t["kind"] = value("schedule");
            t["expression"] = value(expression.as_str());
            set_opt(&mut t, "timezone", timezone);
        }
        Trigger::Storage {
            bucket,
            prefix,
            suffix,
            events,
        } => {
            t["kind"] = value("storage");
            t["bucket"] = value(bucket.as_str());
            set_opt(&mut t, "prefix", prefix);
            set_opt(&mut t, "suffix", suffix);
            if let Some(events) = events {
                t["events"] = value(string_array(events));
            }
        }
        Trigger::Queue { queue, batch_size } => {
            t["kind"] = value("queue");
            t["queue"] = value(queue.as_str());
            if let Some(size) = batch_size {
                t["batch_size"] = value(i64::from(*size));
            }
        }
        Trigger::Stream {
            stream,
            batch_size,
            starting_position,
        } => {
            t["kind"] = value("stream");
            t["stream"] = value(stream.as_str());
            if let Some(size) = batch_size {
                t["batch_size"] = value(i64::from(*size));
            }
            set_opt(&mut t, "starting_position", starting_position);
        }
        Trigger::Topic {
            topic,
            filter_policy,
            filter_policy_scope,
        } => {
            t["kind"] = value("topic");
            t["topic"] = value(topic.as_str());
            set_opt(&mut t, "filter_policy", filter_policy);
            set_opt(&mut t, "filter_policy_scope", filter_policy_scope);
        }
        Trigger::Event { bus, pattern } => {
            t["kind"] = value("event");
            set_opt(&mut t, "bus", bus);
            t["pattern"] = value(pattern.as_str());
        }
        Trigger::Url { auth, cors } => {
            t["kind"] = value("url");
            t["auth"] = value(match auth {
                UrlAuth::Iam => "iam",
                UrlAuth::None => "none",
            });
            if let Some(cors) = cors {
                t["cors"] = value(cors_table(cors));
            }
        }
    }
    t
}

fn cors_table(cors: &Cors) -> InlineTable {
    let mut table = InlineTable::new();
    for (key, items) in [
        ("allow_origins", &cors.allow_origins),
        ("allow_methods", &cors.allow_methods),
        ("allow_headers", &cors.allow_headers),
        ("expose_headers", &cors.expose_headers),
    ] {
        if !items.is_empty() {
            table.insert(key, Value::Array(string_array(items)));
        }
    }
    if cors.allow_credentials {
        table.insert("allow_credentials", true.into());
    }
    if let Some(age) = cors.max_age {
        table.insert("max_age", i64::from(age).into());
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use functory_core::manifest::EnvVar;
    use functory_core::{Function, Permission, ProjectFiles, Target, parse_manifest};

    struct NoFiles;
    impl ProjectFiles for NoFiles {
        fn is_file(&self, _: &str) -> bool {
            true
        }
    }

    #[test]
    fn text_parses_back_to_the_same_manifest() {
        let manifest = Manifest {
            api: functory_core::manifest::HttpApi::default(),
            resources: Vec::new(),
            project_name: "shop".into(),
            targets: vec![Target::new("local", functory_core::AdapterKind::Local)],
            functions: vec![Function {
                name: "orders".into(),
                runtime: "python3.12".into(),
                handler: "app.handler".into(),
                code_dir: "orders".into(),
                handler_file: Some("orders/app.py".into()),
                memory_mb: 256,
                timeout_s: 10,
                environment: vec![EnvVar {
                    key: "TABLE".into(),
                    value: "orders".into(),
                }],
                triggers: vec![
                    Trigger::Http {
                        method: "POST".into(),
                        path: "/orders".into(),
                        auth: None,
                        payload_version: None,
                    },
                    Trigger::Url {
                        auth: UrlAuth::None,
                        cors: Some(Cors {
                            allow_origins: vec!["https://shop.example".into()],
                            max_age: Some(60),
                            ..Cors::default()
                        }),
                    },
                ],
                permissions: vec![Permission {
                    effect: PermissionEffect::Deny,
                    actions: vec!["s3:DeleteObject".into()],
                    resources: vec!["*".into()],
                }],
            }],
        };
        let text = manifest_toml(&manifest, "Imported from template.yaml.");
        assert!(
            text.starts_with("# Imported from template.yaml.\n\n[project]\n"),
            "{text}"
        );
        let parsed = parse_manifest(&text, "functory.toml", &NoFiles);
        assert_eq!(parsed.diagnostics, vec![], "{text}");
        assert_eq!(parsed.manifest.unwrap(), manifest, "{text}");
    }
}
