//! Importing realistic SAM templates and serverless.yml files, exporting them back as SAM,
//! and importing the export: the manifest must come back the same, and everything that does
//! not map must be reported with its line.

use functory_core::manifest::JwtAuthorizer;
use functory_core::{Manifest, ProjectFiles, Trigger, UrlAuth, parse_manifest};
use functory_formats::{ImportError, Imported, export_sam, import_sam, import_serverless};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("the fixture exists")
}

fn sam(name: &str) -> Imported {
    import_sam(&fixture(name), name, "fallback").expect("the template imports")
}

fn serverless(name: &str) -> Imported {
    import_serverless(&fixture(name), name, "fallback").expect("the service imports")
}

/// Every file exists, so handler files resolve and only the manifest's own rules speak.
struct AnyFile;
impl ProjectFiles for AnyFile {
    fn is_file(&self, _: &str) -> bool {
        true
    }
}

/// The written functory.toml parses without errors back to the imported manifest.
fn assert_toml_matches(imported: &Imported) {
    let parsed = parse_manifest(&imported.toml, "functory.toml", &AnyFile);
    let errors: Vec<String> = parsed
        .diagnostics
        .iter()
        .filter(|d| d.severity == functory_core::Severity::Error)
        .filter(|d| !d.message.contains("unknown runtime"))
        .map(ToString::to_string)
        .collect();
    assert_eq!(errors, Vec::<String>::new(), "{}", imported.toml);
    let mut manifest = parsed.manifest.expect("the text parses");
    for function in &mut manifest.functions {
        function.handler_file = None;
    }
    assert_eq!(manifest, imported.manifest, "{}", imported.toml);
}

/// import → export → import gives the same manifest.
fn round_trip(manifest: &Manifest) -> Manifest {
    let template = export_sam(manifest);
    import_sam(&template, "template.yaml", "not-this-name")
        .unwrap_or_else(|e| panic!("the export imports: {e}\n{template}"))
        .manifest
}

fn line_of(imported: &Imported, needle: &str) -> u32 {
    imported
        .report
        .mentions_not_mapped(needle)
        .unwrap_or_else(|| panic!("no report line for {needle}:\n{}", imported.report))
        .line
}

#[test]
fn sam_template_maps_every_event_type() {
    let imported = sam("sam-shop.yaml");
    assert_toml_matches(&imported);
    let m = &imported.manifest;
    assert_eq!(m.project_name, "fallback");
    let names: Vec<&str> = m.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        ["OrdersApi", "Thumbnails", "Worker", "Nightly", "Webhook"]
    );

    let orders = &m.functions[0];
    assert_eq!(
        (orders.code_dir.as_str(), orders.handler.as_str()),
        ("orders", "app.handler")
    );
    // Globals.Function gives runtime, memory, timeout and variables; the function adds its own.
    assert_eq!(
        (orders.runtime.as_str(), orders.memory_mb, orders.timeout_s),
        ("python3.12", 256, 10)
    );
    let env: Vec<(&str, &str)> = orders
        .environment
        .iter()
        .map(|v| (v.key.as_str(), v.value.as_str()))
        .collect();
    assert_eq!(env[0], ("STAGE", "prod"));
    assert!(env.contains(&("TABLE", "orders")), "{env:?}");
    assert!(env.contains(&(
        "TOPIC",
        "arn:aws:sns:${AWS::Region}:${AWS::AccountId}:alerts-prod"
    )));
    // The `Api` event is a REST API's: its Lambda proxy sends the 1.0 event.
    assert_eq!(
        orders.triggers,
        [
            Trigger::Http {
                method: "GET".into(),
                path: "/orders".into(),
                auth: None,
                payload_version: Some("1.0".into())
            },
            Trigger::Http {
                method: "GET".into(),
                path: "/orders/{id}".into(),
                auth: None,
                payload_version: None
            },
            Trigger::Http {
                method: "ANY".into(),
                path: "/{proxy+}".into(),
                auth: None,
                payload_version: None
            },
        ]
    );
    // Policy templates expand; the inline statement maps; the conditioned one does not.
    assert_eq!(orders.permissions.len(), 3);
    assert!(
        orders.permissions[0]
            .actions
            .contains(&"dynamodb:PutItem".to_owned())
    );
    assert_eq!(orders.permissions[1].actions, ["sqs:SendMessage*"]);
    // The stack's region and account are the deploy target's: `*` in functory.toml.
    assert_eq!(orders.permissions[1].resources, ["arn:aws:sqs:*:*:orders"]);
    assert_eq!(orders.permissions[2].actions, ["ssm:GetParameter"]);

    let thumbnails = &m.functions[1];
    assert_eq!(
        thumbnails.triggers,
        [Trigger::Storage {
            bucket: "shop-uploads-prod".into(),
            prefix: Some("incoming/".into()),
            suffix: Some(".jpg".into()),
            events: Some(vec![
                "s3:ObjectCreated:*".into(),
                "s3:ObjectRemoved:*".into()
            ]),
        }]
    );
    assert_eq!(
        thumbnails.permissions[0].resources[0],
        "arn:aws:s3:::shop-uploads-prod"
    );

    let worker = &m.functions[2];
    assert_eq!(
        worker.triggers,
        [
            Trigger::Queue {
                queue: "orders".into(),
                batch_size: Some(5)
            },
            Trigger::Stream {
                stream: "ClickStream".into(),
                batch_size: Some(100),
                starting_position: Some("TRIM_HORIZON".into()),
            },
            Trigger::Stream {
                stream: "arn:aws:dynamodb:${AWS::Region}:${AWS::AccountId}:table/orders/stream/*"
                    .into(),
                batch_size: None,
                starting_position: Some("LATEST".into()),
            },
        ]
    );
    assert_eq!(
        m.functions[3].triggers,
        [
            Trigger::Schedule {
                expression: "rate(1 hour)".into(),
                timezone: None
            },
            Trigger::Schedule {
                expression: "cron(0 18 ? * MON-FRI *)".into(),
                timezone: Some("Europe/Paris".into()),
            },
        ]
    );
    // Globals.Api's `Cors: "'*'"` is the project's API's CORS; SAM answers a REST preflight
    // with the methods of the path, `*` here.
    let api_cors = m.api.cors.as_ref().expect("[api].cors");
    assert_eq!(
        (
            api_cors.allow_origins.as_slice(),
            api_cors.allow_methods.as_slice()
        ),
        (&["*".to_owned()][..], &["*".to_owned()][..])
    );
    let Trigger::Url {
        auth,
        cors: Some(cors),
    } = &m.functions[4].triggers[0]
    else {
        panic!("a url trigger with CORS: {:?}", m.functions[4].triggers);
    };
    assert_eq!(*auth, UrlAuth::None);
    assert_eq!(cors.allow_origins, ["https://shop.example"]);
    assert!(cors.allow_credentials);
    assert_eq!(cors.max_age, Some(300));
}

#[test]
fn sam_report_lists_what_did_not_map_with_lines() {
    let imported = sam("sam-shop.yaml");
    assert_eq!(line_of(&imported, "Events.SignUp"), 50);
    assert!(
        imported
            .report
            .mentions_not_mapped("event type Cognito")
            .is_some()
    );
    assert_eq!(line_of(&imported, "Events.Alexa"), 124);
    assert_eq!(line_of(&imported, "event type IoTRule"), 126);
    assert_eq!(line_of(&imported, "AWS::Cognito::UserPool"), 195);
    assert_eq!(line_of(&imported, "AWSXrayWriteOnlyAccess"), 59);
    assert_eq!(line_of(&imported, "with Condition"), 68);
    assert_eq!(line_of(&imported, "Globals.Function.Tracing"), 17);
    assert_eq!(line_of(&imported, "Outputs"), 198);
    // A queue named by a GetAtt resolves to its name: nothing to report about its ARN.
    assert!(
        imported
            .report
            .mentions_not_mapped("Orders.Properties.Queue")
            .is_none()
    );
    let lines = imported.report.lines();
    assert!(
        lines.iter().any(|l| l.starts_with(
            "sam-shop.yaml:50:11: not mapped: Resources.OrdersApi.Properties.Events.SignUp:"
        )),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l == "sam-shop.yaml:26:3: mapped: Resources.OrdersApi: function `OrdersApi`"),
        "{lines:#?}"
    );
}

#[test]
fn sam_round_trips() {
    for name in [
        "sam-shop.yaml",
        "sam-lambda.json",
        "sam-orders/template.yaml",
    ] {
        let imported = sam(name);
        assert_eq!(round_trip(&imported.manifest), imported.manifest, "{name}");
    }
    // A bucket the template leaves unnamed gets a name S3 accepts, which the export keeps.
    let orders = sam("sam-orders/template.yaml");
    let receipts = &orders.manifest.functions[2];
    assert!(
        matches!(&receipts.triggers[0], Trigger::Storage { bucket, .. } if bucket == "fallback-receipts"),
        "{:?}",
        receipts.triggers
    );
    assert!(export_sam(&orders.manifest).contains("BucketName: fallback-receipts"));
    assert_eq!(line_of(&orders, "has no BucketName"), 59);
}

fn http(method: &str, path: &str, auth: Option<&str>, payload: Option<&str>) -> Trigger {
    Trigger::Http {
        method: method.into(),
        path: path.into(),
        auth: auth.map(Into::into),
        payload_version: payload.map(Into::into),
    }
}

/// The first trigger of function `name`.
fn route(manifest: &Manifest, name: &str) -> Trigger {
    manifest
        .functions
        .iter()
        .find(|f| f.name == name)
        .and_then(|f| f.triggers.first().cloned())
        .unwrap_or_else(|| panic!("no trigger of {name}"))
}

/// Each subject has a report line, mapped or not: nothing is dropped silently.
fn assert_reported(imported: &Imported, subjects: &[&str]) {
    for subject in subjects {
        assert!(
            imported
                .report
                .mapped
                .iter()
                .chain(&imported.report.not_mapped)
                .any(|i| i.subject == *subject),
            "no report line for {subject}:\n{}",
            imported.report
        );
    }
}

fn mapped_line(imported: &Imported, subject: &str) -> String {
    imported
        .report
        .lines()
        .into_iter()
        .find(|l| l.contains(&format!(": mapped: {subject}: ")))
        .unwrap_or_else(|| panic!("no mapped line for {subject}:\n{}", imported.report))
}

#[test]
fn sam_http_api_maps_routes_cors_and_jwt_authorizers() {
    let imported = sam("sam-http-api.yaml");
    assert_toml_matches(&imported);
    let m = &imported.manifest;
    let cors = m.api.cors.as_ref().expect("Globals.HttpApi's CORS");
    assert_eq!(cors.allow_origins, ["https://notes.example.com"]);
    assert_eq!(cors.allow_methods, ["GET", "POST", "DELETE"]);
    assert_eq!(cors.allow_headers, ["authorization", "content-type"]);
    assert_eq!((cors.allow_credentials, cors.max_age), (false, Some(600)));
    assert_eq!(
        m.api.authorizers,
        [
            JwtAuthorizer {
                name: "NotesUsers".into(),
                // `!Sub` with the pool id parameter's default.
                issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Ab12Cd34E".into(),
                audiences: vec!["6v7example0client0id0abcd".into()],
                identity_source: "$request.header.Authorization".into(),
            },
            JwtAuthorizer {
                // Authorizer names in functory.toml are identifiers.
                name: "partner_feed".into(),
                issuer: "https://auth.partner.example".into(),
                audiences: vec!["notes-api".into()],
                identity_source: "$request.header.Authorization".into(),
            },
        ]
    );
    // The API's DefaultAuthorizer guards routes that name none; NONE opens one; AWS_IAM is iam;
    // an `ApiId` may name the API without `!Ref`; only a 1.0 payload is written.
    assert_eq!(
        route(m, "ListNotes"),
        http("GET", "/notes", Some("NotesUsers"), None)
    );
    assert_eq!(
        route(m, "CreateNote"),
        http("POST", "/notes", Some("NotesUsers"), Some("1.0"))
    );
    assert_eq!(
        route(m, "Health"),
        http("GET", "/health", Some("none"), None)
    );
    assert_eq!(
        route(m, "PartnerFeed"),
        http("GET", "/partner/feed", Some("partner_feed"), None)
    );
    assert_eq!(
        route(m, "AdminExport"),
        http("POST", "/admin/export", Some("iam"), None)
    );

    assert_eq!(line_of(&imported, "NotesApi.Properties.StageName"), 37);
    assert_eq!(line_of(&imported, "NotesApi.Properties.Domain"), 54);
    // Scopes narrow who may call: dropping them is reported, on the authorizer and the route.
    assert_eq!(line_of(&imported, "partner-feed.AuthorizationScopes"), 49);
    assert_eq!(
        line_of(&imported, "Feed.Properties.Auth.AuthorizationScopes"),
        111
    );
    assert_eq!(line_of(&imported, "Export.Properties.TimeoutInMillis"), 125);
    assert!(
        mapped_line(&imported, "Resources.NotesApi.Properties.Auth.Authorizers.partner-feed")
            .starts_with("sam-http-api.yaml:48:11: mapped: Resources.NotesApi.Properties.Auth.Authorizers.partner-feed: [api.authorizers.partner_feed] (renamed from `partner-feed`"),
        "{}",
        imported.report
    );
    assert!(
        mapped_line(&imported, "Resources.CreateNote.Properties.Events.Create")
            .ends_with("http trigger POST /notes, auth NotesUsers, payload 1.0"),
        "{}",
        imported.report
    );
    assert_reported(
        &imported,
        &[
            "Globals.HttpApi.CorsConfiguration",
            "Resources.NotesApi",
            "Resources.NotesApi.Properties.Auth.EnableIamAuthorizer",
            "Resources.NotesApi.Properties.Auth.DefaultAuthorizer",
            "Resources.NotesApi.Properties.Auth.Authorizers.NotesUsers",
        ],
    );
}

#[test]
fn several_apis_merge_what_agrees_and_report_what_conflicts() {
    let imported = sam("sam-apis.yaml");
    let m = &imported.manifest;
    // The first API's CORS is the project's; the others' differ and are reported.
    let cors = m.api.cors.as_ref().expect("PublicApi's CORS");
    assert_eq!(cors.allow_origins, ["*"]);
    assert!(cors.allow_methods.is_empty());
    assert_eq!(
        line_of(&imported, "AdminApi.Properties.CorsConfiguration"),
        35
    );
    assert_eq!(line_of(&imported, "Globals.Api.Cors"), 13);
    // Two authorizers named `Users` with different issuers stay two.
    let names: Vec<(&str, &str)> = m
        .api
        .authorizers
        .iter()
        .map(|a| (a.name.as_str(), a.issuer.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("Users", "https://login.shop.example"),
            ("Users_AdminApi", "https://sso.corp.example"),
        ]
    );
    let catalog = &m.functions[0].triggers;
    assert_eq!(
        catalog,
        &[
            http("GET", "/products", None, None),
            http("PUT", "/basket", Some("Users"), None),
        ]
    );
    let admin = &m.functions[1].triggers;
    assert_eq!(
        admin,
        &[
            // AdminApi's DefaultAuthorizer, under its new name.
            http("GET", "/admin/orders", Some("Users_AdminApi"), None),
            // A Lambda authorizer has no functory.toml form: the route stays closed.
            http("POST", "/admin/refunds", Some("TokenCheck"), None),
        ]
    );
    let legacy = &m.functions[2].triggers;
    assert_eq!(
        legacy,
        &[
            http("GET", "/orders", Some("ShopCognito"), Some("1.0")),
            http("GET", "/status", Some("iam"), Some("1.0")),
            // The implicit REST API of an event without RestApiId.
            http("GET", "/ping", None, Some("1.0")),
        ]
    );
    assert_eq!(line_of(&imported, "Authorizers.TokenCheck"), 46);
    assert_eq!(line_of(&imported, "Events.Refund"), 106);
    assert_eq!(line_of(&imported, "Authorizers.ShopCognito"), 60);
    assert!(
        imported
            .report
            .mentions_not_mapped("cognito-idp.REGION.amazonaws.com/POOL_ID")
            .is_some()
    );
    assert_eq!(line_of(&imported, "Events.ListOrders"), 116);
    assert_eq!(line_of(&imported, "Auth.ApiKeyRequired"), 58);
    assert_eq!(
        line_of(&imported, "LegacyApi.Properties.EndpointConfiguration"),
        55
    );
    assert_eq!(line_of(&imported, "Resources.UnusedApi"), 63);
    assert!(
        mapped_line(
            &imported,
            "Resources.AdminApi.Properties.Auth.Authorizers.Users"
        )
        .contains("[api.authorizers.Users_AdminApi] (renamed from `Users`: another API"),
        "{}",
        imported.report
    );
    // `functory check` names exactly the routes whose authorizer functory.toml cannot declare.
    let parsed = parse_manifest(&imported.toml, "functory.toml", &AnyFile);
    let mut errors: Vec<String> = parsed
        .diagnostics
        .iter()
        .filter(|d| d.severity == functory_core::Severity::Error)
        .filter(|d| !d.message.contains("unknown runtime"))
        .map(|d| d.message.clone())
        .collect();
    errors.sort();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(errors[0].starts_with("auth `ShopCognito`"), "{errors:#?}");
    assert!(errors[1].starts_with("auth `TokenCheck`"), "{errors:#?}");
}

#[test]
fn export_writes_the_http_api_sam_reads() {
    let imported = sam("sam-http-api.yaml");
    let template = export_sam(&imported.manifest);
    for expected in [
        "  HttpApi:\n    Type: AWS::Serverless::HttpApi",
        "ApiId: !Ref HttpApi",
        "PayloadFormatVersion: \"1.0\"",
        "EnableIamAuthorizer: true",
        // SAM takes `NONE` only with a DefaultAuthorizer.
        "DefaultAuthorizer: NotesUsers",
        "Authorizer: NONE",
        "Authorizer: AWS_IAM",
        "Authorizer: partner_feed",
        "IdentitySource: $request.header.Authorization",
        "issuer: https://auth.partner.example",
        "AllowOrigins:\n          - https://notes.example.com",
        "MaxAge: 600",
    ] {
        assert!(template.contains(expected), "{expected}\n{template}");
    }
    // Without [api] and auth, routes stay on SAM's implicit HTTP API.
    let plain = export_sam(&serverless("serverless-legacy.yml").manifest);
    assert!(!plain.contains("AWS::Serverless::HttpApi"), "{plain}");
    assert!(!plain.contains("ApiId"), "{plain}");
}

#[test]
fn cloudformation_lambda_functions_with_mappings_and_urls() {
    let imported = sam("sam-lambda.json");
    assert_toml_matches(&imported);
    let processor = &imported.manifest.functions[0];
    assert_eq!((processor.memory_mb, processor.timeout_s), (512, 60));
    assert_eq!(
        processor.triggers,
        [
            Trigger::Queue {
                queue: "jobs".into(),
                batch_size: Some(10)
            },
            Trigger::Url {
                auth: UrlAuth::Iam,
                cors: None
            },
        ]
    );
    assert_eq!(line_of(&imported, "Properties.Role"), 12);
    assert_eq!(line_of(&imported, "AWS::IAM::Role"), 32);
}

#[test]
fn circular_references_are_reported_not_followed() {
    let imported = sam("sam-circular.yaml");
    let function = &imported.manifest.functions[0];
    assert_eq!(function.environment[0].value, "${Api.Arn}");
    let own = imported
        .report
        .mentions_not_mapped("circular reference Api → Api")
        .expect("reported");
    assert_eq!(own.line, 12);
    let buckets = imported
        .report
        .mentions_not_mapped("circular reference First → Second → First")
        .expect("reported");
    assert_eq!(buckets.line, 26);
    let depends = imported
        .report
        .mentions_not_mapped("circular DependsOn Alpha → Beta → Alpha")
        .expect("reported");
    assert_eq!((depends.line, depends.column), (32, 17));
}

#[test]
fn broken_yaml_is_an_error_with_line_and_column() {
    let error = import_sam(&fixture("sam-broken.yaml"), "sam-broken.yaml", "x").unwrap_err();
    let ImportError::Syntax { line, column, .. } = &error else {
        panic!("a syntax error: {error}");
    };
    assert_eq!((*line, *column), (8, 14), "{error}");
    assert!(
        error
            .to_string()
            .starts_with("sam-broken.yaml:8:14: invalid YAML"),
        "{error}"
    );
    let error = import_serverless("functions: [\n", "serverless.yml", "x").unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("serverless.yml:2:1: invalid YAML"),
        "{error}"
    );
    let error = import_sam("{\"Resources\": {,}}", "t.json", "x").unwrap_err();
    assert!(
        error.to_string().starts_with("t.json:1:16: invalid JSON"),
        "{error}"
    );
    let error = import_sam("just: text\n", "t.yaml", "x").unwrap_err();
    assert!(error.to_string().contains("no `Resources`"), "{error}");
}

#[test]
fn hostile_input_never_panics() {
    for text in [
        "",
        "-",
        "[]",
        "Resources: 3",
        "Resources:\n  A: 1\n  B:\n    Type: 5\n",
        "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: [1]\n",
        "\u{feff}{}",
        "Resources: {F: {Type: AWS::Serverless::Function, Properties: {Runtime: !Sub [], Handler: !GetAtt [], Events: {E: {Type: S3, Properties: {Bucket: !Join [1, 2]}}}}}}",
        "functions:\n  a:\n    handler: ${self:a\n",
        "Globals: {HttpApi: 1, Api: [2]}\nResources: {A: {Type: AWS::Serverless::HttpApi, Properties: {Auth: {Authorizers: 3, DefaultAuthorizer: [x]}, CorsConfiguration: [1]}}, R: {Type: AWS::Serverless::Api, Properties: {Cors: {MaxAge: x, AllowOrigin: [1]}, Auth: {Authorizers: {C: 1}}}}, F: {Type: AWS::Serverless::Function, Properties: {Runtime: x, Handler: y, Events: {E: {Type: HttpApi, Properties: {ApiId: {Ref: [1]}, Auth: 5, PayloadFormatVersion: {}}}, G: {Type: Api, Properties: {Path: /, Method: get, RestApiId: R, Auth: {Authorizer: C}}}}}}}",
        "provider: {httpApi: {cors: 7, authorizers: [1], payload: 3}}\nframeworkVersion: x\nfunctions: {a: {handler: h, runtime: r, events: [{httpApi: {method: GET, path: /, authorizer: {name: [1], scopes: 2}}}, {http: {method: get, path: x, authorizer: {}}}]}}",
    ] {
        let _ = import_sam(text, "t", "x");
        let _ = import_serverless(text, "t", "x");
    }
}

#[test]
fn serverless_service_maps_every_event_type() {
    let imported = serverless("serverless-api.yml");
    assert_toml_matches(&imported);
    let m = &imported.manifest;
    assert_eq!(m.project_name, "shop-api");
    assert_eq!(m.targets[1].region.as_deref(), Some("eu-west-1"));
    let find = |name: &str| {
        m.functions
            .iter()
            .find(|f| f.name == name)
            .expect("the function")
    };

    let create = find("createOrder");
    assert_eq!(
        (create.runtime.as_str(), create.memory_mb, create.timeout_s),
        ("nodejs20.x", 512, 10)
    );
    assert_eq!(create.handler, "src/orders.create");
    // `http` events are a REST API's, whose Lambda proxy sends the 1.0 event.
    assert_eq!(
        create.triggers,
        [
            Trigger::Http {
                method: "POST".into(),
                path: "/orders".into(),
                auth: None,
                payload_version: Some("1.0".into())
            },
            Trigger::Http {
                method: "GET".into(),
                path: "/orders/{id}".into(),
                auth: None,
                payload_version: Some("1.0".into())
            },
            Trigger::Http {
                method: "GET".into(),
                path: "/health".into(),
                auth: None,
                payload_version: None
            },
            Trigger::Http {
                method: "DELETE".into(),
                path: "/orders/{id}".into(),
                auth: None,
                payload_version: None
            },
        ]
    );
    let env = |f: &functory_core::Function, key: &str| {
        f.environment
            .iter()
            .find(|v| v.key == key)
            .map(|v| v.value.clone())
    };
    // ${self:…} and ${sls:stage} resolve; ${env:X, 'fallback'} takes the fallback; a bare
    // ${env:X} stays text.
    assert_eq!(env(create, "TABLE").as_deref(), Some("orders-dev"));
    assert_eq!(env(create, "LOG_LEVEL").as_deref(), Some("info"));
    assert_eq!(env(create, "API_KEY").as_deref(), Some("${env:API_KEY}"));
    // Provider statements, with CloudFormation references into `resources`.
    assert_eq!(create.permissions.len(), 2);
    assert_eq!(
        create.permissions[0].resources,
        ["arn:aws:dynamodb:*:*:table/orders-dev"]
    );
    assert_eq!(
        create.permissions[1].resources,
        ["arn:aws:s3:::shop-api-uploads/*"]
    );

    let catch_all = find("catchAll");
    assert_eq!(
        (catch_all.runtime.as_str(), catch_all.memory_mb),
        ("python3.12", 128)
    );
    assert_eq!(
        catch_all.triggers,
        [Trigger::Http {
            method: "ANY".into(),
            path: "/{proxy+}".into(),
            auth: None,
            payload_version: None
        }]
    );

    let report = find("report");
    assert_eq!(report.timeout_s, 60);
    assert_eq!(env(report, "LOG_LEVEL").as_deref(), Some("debug"));
    assert_eq!(report.triggers.len(), 3);
    assert_eq!(
        report.triggers[2],
        Trigger::Schedule {
            expression: "cron(0 20 * * ? *)".into(),
            timezone: Some("America/New_York".into()),
        }
    );
    // A per-function role (serverless-iam-roles-per-function) replaces the provider's.
    assert_eq!(report.permissions.len(), 1);
    assert_eq!(report.permissions[0].actions, ["ses:SendEmail"]);

    let resize = find("resize");
    assert_eq!(
        resize.triggers,
        [
            Trigger::Storage {
                bucket: "shop-api-uploads".into(),
                prefix: Some("uploads/".into()),
                suffix: Some(".png".into()),
                events: None,
            },
            Trigger::Storage {
                bucket: "shop-api-raw".into(),
                prefix: None,
                suffix: None,
                events: None
            },
        ]
    );

    let worker = find("worker");
    assert_eq!(
        worker.triggers,
        [
            Trigger::Queue {
                queue: "shop-api-jobs".into(),
                batch_size: Some(5)
            },
            // The service's own table, declared from `resources:`: its stream by its name.
            Trigger::Stream {
                stream: "orders-dev".into(),
                batch_size: Some(50),
                starting_position: Some("LATEST".into()),
            },
            Trigger::Stream {
                stream: "clicks".into(),
                batch_size: None,
                starting_position: Some("TRIM_HORIZON".into()),
            },
            Trigger::Topic {
                topic: "alerts".into(),
                filter_policy: None,
                filter_policy_scope: None,
            },
        ]
    );
    // Its own statement plus the provider's (iamRoleStatementsInherit).
    assert_eq!(worker.permissions.len(), 3);

    let Trigger::Url {
        auth,
        cors: Some(cors),
    } = &find("webhook").triggers[0]
    else {
        panic!("a url trigger");
    };
    assert_eq!(*auth, UrlAuth::None);
    assert_eq!(cors.max_age, Some(600));
}

#[test]
fn serverless_report_lists_what_did_not_map_with_lines() {
    let imported = serverless("serverless-api.yml");
    assert_eq!(line_of(&imported, "event type `alexaSkill`"), 104);
    assert_eq!(line_of(&imported, "provider.tracing"), 16);
    assert_eq!(line_of(&imported, "${env:API_KEY}"), 20);
    assert_eq!(line_of(&imported, "${ssm:/shop/param}"), 22);
    assert_eq!(line_of(&imported, "http.cors"), 44);
    assert!(
        imported.report.mentions_not_mapped("sqs.arn").is_none(),
        "{}",
        imported.report
    );

    let legacy = serverless("serverless-legacy.yml");
    assert_toml_matches(&legacy);
    assert_eq!(legacy.manifest.project_name, "legacy-app");
    let hello = &legacy.manifest.functions[0];
    assert_eq!(hello.permissions[0].actions, ["s3:PutObject"]);
    assert_eq!(
        hello.triggers,
        [Trigger::Http {
            method: "ANY".into(),
            path: "/hello".into(),
            auth: None,
            payload_version: Some("1.0".into())
        }]
    );
    let cycle = legacy
        .report
        .mentions_not_mapped("circular reference self:custom.a → self:custom.b → self:custom.a")
        .expect("the cycle is reported");
    assert_eq!(cycle.line, 25);
    assert_eq!(line_of(&legacy, "event type `iot`"), 30);
    assert_eq!(line_of(&legacy, "runtime `go1.x`"), 34);
    assert_eq!(line_of(&legacy, "provider.iam.role.managedPolicies"), 13);
}

#[test]
fn serverless_http_api_maps_cors_jwt_authorizers_and_route_auth() {
    let imported = serverless("serverless-http-api.yml");
    let m = &imported.manifest;
    let cors = m.api.cors.as_ref().expect("provider.httpApi.cors");
    assert_eq!(cors.allow_origins, ["https://tasks.example.com"]);
    assert_eq!(cors.allow_methods, ["GET", "POST", "PATCH"]);
    assert_eq!(cors.allow_headers, ["Content-Type", "Authorization"]);
    assert_eq!(cors.expose_headers, ["X-Request-Id"]);
    assert_eq!((cors.allow_credentials, cors.max_age), (true, Some(3600)));
    assert_eq!(
        m.api.authorizers,
        [
            JwtAuthorizer {
                name: "cognito".into(),
                // `${aws:region}` is the provider's region; `${self:…}` resolves.
                issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Ab12Cd34E".into(),
                audiences: vec!["3example0web0client0id".into()],
                identity_source: "$request.header.Authorization".into(),
            },
            JwtAuthorizer {
                name: "service_token".into(),
                issuer: "https://issuer.internal.example".into(),
                audiences: vec!["tasks-api".into()],
                identity_source: "$request.header.X-Service-Token".into(),
            },
        ]
    );
    let triggers = |name: &str| {
        m.functions
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.triggers.clone())
            .unwrap_or_else(|| panic!("no function {name}"))
    };
    assert_eq!(
        triggers("listTasks"),
        [http("GET", "/tasks", Some("cognito"), None)]
    );
    assert_eq!(
        triggers("sync"),
        [
            http("POST", "/internal/sync", Some("service_token"), None),
            http("POST", "/internal/replay", Some("iam"), None),
        ]
    );
    assert_eq!(triggers("health"), [http("GET", "/health", None, None)]);
    assert_eq!(
        triggers("legacyExport"),
        [
            http("GET", "/export/{format}", Some("iam"), Some("1.0")),
            // A Lambda authorizer has no functory.toml form: the route stays closed.
            http("GET", "/v2/export", Some("legacyCheck"), None),
        ]
    );
    assert_eq!(
        line_of(&imported, "provider.httpApi.authorizers.legacyCheck"),
        39
    );
    assert_eq!(line_of(&imported, "provider.httpApi.metrics"), 42);
    assert_eq!(line_of(&imported, "authorizer.scopes"), 53);
    assert_eq!(
        line_of(&imported, "legacyExport.events[1].httpApi.authorizer"),
        91
    );
    assert_eq!(
        line_of(&imported, "REST) routes answer with [api].cors"),
        84
    );
    assert!(
        mapped_line(&imported, "provider.httpApi.authorizers.service-token")
            .contains("[api.authorizers.service_token] (renamed from `service-token`"),
        "{}",
        imported.report
    );
    assert!(
        mapped_line(&imported, "provider.httpApi.payload").contains("(2.0)"),
        "{}",
        imported.report
    );
    // `functory check` names only the route whose authorizer functory.toml cannot declare.
    let parsed = parse_manifest(&imported.toml, "functory.toml", &AnyFile);
    let errors: Vec<String> = parsed
        .diagnostics
        .iter()
        .filter(|d| d.severity == functory_core::Severity::Error)
        .map(|d| d.message.clone())
        .collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].starts_with("auth `legacyCheck`"), "{errors:#?}");

    // Before v3 the Framework's httpApi routes got the 1.0 payload unless told otherwise.
    let v2 = import_serverless(
        "service: old\nframeworkVersion: '>=2.0.0 <3.0.0'\nprovider:\n  name: aws\n  runtime: nodejs18.x\nfunctions:\n  a:\n    handler: a.handler\n    events:\n      - httpApi: GET /a\n",
        "serverless.yml",
        "x",
    )
    .expect("imports");
    assert_eq!(
        v2.manifest.functions[0].triggers,
        [http("GET", "/a", None, Some("1.0"))]
    );
    assert!(
        mapped_line(&v2, "frameworkVersion").contains("the default of the Framework before v3"),
        "{}",
        v2.report
    );
}

#[test]
fn serverless_round_trips_through_sam() {
    for name in [
        "serverless-api.yml",
        "serverless-legacy.yml",
        "serverless-http-api.yml",
    ] {
        let imported = serverless(name);
        let back = round_trip(&imported.manifest);
        assert_eq!(back.project_name, imported.manifest.project_name, "{name}");
        assert_eq!(back.functions, imported.manifest.functions, "{name}");
        // And once more: a SAM import is a fixed point of export.
        assert_eq!(round_trip(&back), back, "{name}");
    }
}

#[test]
fn export_declares_what_sam_needs() {
    let imported = serverless("serverless-api.yml");
    let template = export_sam(&imported.manifest);
    for expected in [
        "Transform: AWS::Serverless-2016-10-31",
        "Type: AWS::S3::Bucket",
        "BucketName: shop-api-raw",
        "Bucket: !Ref ShopApiRawBucket",
        "Type: AWS::SQS::Queue",
        "Queue: !GetAtt ShopApiJobsQueue.Arn",
        "Type: AWS::Kinesis::Stream",
        "Type: ScheduleV2",
        "ScheduleExpressionTimezone: America/New_York",
        "FunctionUrlConfig:",
        "AuthType: NONE",
        // A Serverless variable is not a CloudFormation reference: it stays literal text.
        "API_KEY: !Sub \"${!env:API_KEY}\"",
    ] {
        assert!(template.contains(expected), "{expected}\n{template}");
    }
}

/// A template's buckets, queues (with a dead-letter queue, FIFO), tables (with a stream, and a
/// SimpleTable), topics and buses become `[resources]` under the names the triggers use; what
/// functory.toml has no setting for is reported with its line; the manifest checks clean and
/// comes back the same through export and import.
#[test]
fn sam_resources_are_declared_under_the_names_their_triggers_use() {
    let imported = import_sam(
        &std::fs::read_to_string(format!(
            "{}/tests/fixtures/sam-resources.yaml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
        "template.yaml",
        "orders",
    )
    .expect("imports");
    let declared: Vec<String> = imported
        .manifest
        .resources
        .iter()
        .map(|r| format!("{} {}", r.kind.as_str(), r.name))
        .collect();
    assert_eq!(
        declared,
        [
            "table orders",
            "table Customers",
            "bucket orders-invoices-example",
            "bucket orders-scratch",
            "queue order-jobs",
            "queue order-jobs-dead",
            "queue ledger.fifo",
            "topic order-placed",
            "bus orders-bus",
        ]
    );
    let orders = &imported.manifest.resources[0];
    assert_eq!(
        orders.partition_key.as_ref().map(|k| k.name.as_str()),
        Some("pk")
    );
    assert_eq!(
        orders
            .sort_key
            .as_ref()
            .map(|k| (k.name.as_str(), k.key_type)),
        Some(("placed", functory_core::manifest::KeyType::Number))
    );
    assert_eq!(
        orders.stream,
        Some(functory_core::manifest::StreamView::NewAndOldImages)
    );
    let jobs = &imported.manifest.resources[4];
    assert_eq!(
        (
            jobs.visibility_timeout_s,
            jobs.dead_letter.as_deref(),
            jobs.max_receives
        ),
        (Some(120), Some("order-jobs-dead"), Some(5))
    );
    let ledger = &imported.manifest.resources[6];
    assert!(ledger.fifo);
    assert_eq!(ledger.physical_name(), "ledger.fifo");
    // The stream trigger names the table whose stream it reads.
    let project = &imported.manifest.functions[0];
    assert!(
        matches!(&project.triggers[0], functory_core::Trigger::Stream { stream, .. } if stream == "orders"),
        "{:?}",
        project.triggers
    );
    // SNS and EventBridge events on the declared topic and bus, with the filter and pattern
    // (compared as JSON: the text's key order is serde_json's, which a build may change).
    let notify = &imported.manifest.functions[2];
    let json = |text: &str| serde_json::from_str::<serde_json::Value>(text).expect("JSON");
    match &notify.triggers[..] {
        [
            functory_core::Trigger::Topic {
                topic,
                filter_policy: Some(filter),
                filter_policy_scope: None,
            },
            functory_core::Trigger::Event {
                bus: Some(bus),
                pattern,
            },
        ] => {
            assert_eq!(topic, "order-placed");
            assert_eq!(
                json(filter),
                serde_json::json!({"country": ["FR", "DE"], "total": [{"numeric": [">=", 100]}]})
            );
            assert_eq!(bus, "orders-bus");
            assert_eq!(
                json(pattern),
                serde_json::json!({"source": ["orders.shipping"], "detail-type": ["Shipped"]})
            );
        }
        other => panic!("{other:?}"),
    }
    let lines: Vec<String> = imported
        .report
        .not_mapped
        .iter()
        .map(|i| format!("{}:{} {}: {}", i.file, i.line, i.subject, i.message))
        .collect();
    for expected in [
        "template.yaml:23 Resources.OrdersTable.Properties.PointInTimeRecoverySpecification: not mapped: functory.toml has no such setting for a resource",
        "template.yaml:37 Resources.Invoices.Properties.VersioningConfiguration: not mapped: functory.toml has no such setting for a resource",
        "template.yaml:56 Resources.JobsDead.Properties.MessageRetentionPeriod: not mapped: functory.toml has no such setting for a resource",
    ] {
        assert!(
            lines.iter().any(|l| l == expected),
            "{expected}\nin\n{}",
            lines.join("\n")
        );
    }
    // The text written checks clean: every trigger names a declared resource of its kind.
    let parsed = functory_core::parse_manifest(&imported.toml, "functory.toml", &AnyFile);
    let errors: Vec<String> = parsed
        .diagnostics
        .iter()
        .filter(|d| d.severity == functory_core::Severity::Error)
        .map(|d| d.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}\n{}", imported.toml);
    assert_eq!(
        parsed.manifest.unwrap().resources,
        imported.manifest.resources
    );
    // Export and import again: the same declarations.
    let again = import_sam(&export_sam(&imported.manifest), "t", "x").expect("re-imports");
    assert_eq!(again.manifest.resources, imported.manifest.resources);
    assert_eq!(again.manifest.functions[0].triggers, project.triggers);
    assert_eq!(again.manifest.functions[2].triggers, notify.triggers);
}

/// Serverless `sns` and `eventBridge` events, and the service's CloudFormation resources.
#[test]
fn serverless_topics_buses_and_resources_map() {
    let yaml = r#"service: shipping
provider:
  name: aws
  runtime: nodejs24.x
functions:
  notify:
    handler: notify.handler
    events:
      - sns: order-placed
      - sns:
          arn: !Ref Alerts
          filterPolicy:
            severity: [high]
          filterPolicyScope: MessageAttributes
      - eventBridge:
          eventBus: !GetAtt Bus.Arn
          pattern:
            source: [orders]
      - eventBridge:
          schedule: rate(1 hour)
resources:
  Resources:
    Alerts:
      Type: AWS::SNS::Topic
      Properties:
        TopicName: alerts
    Bus:
      Type: AWS::Events::EventBus
      Properties:
        Name: shipping-bus
    Role:
      Type: AWS::IAM::Role
"#;
    let imported = import_serverless(yaml, "serverless.yml", "x").expect("imports");
    let notify = &imported.manifest.functions[0];
    let json = |text: &str| serde_json::from_str::<serde_json::Value>(text).expect("JSON");
    match &notify.triggers[..] {
        [
            Trigger::Topic {
                topic: first,
                filter_policy: None,
                filter_policy_scope: None,
            },
            Trigger::Topic {
                topic: second,
                filter_policy: Some(filter),
                filter_policy_scope: Some(scope),
            },
            Trigger::Event {
                bus: Some(bus),
                pattern,
            },
        ] => {
            assert_eq!(
                (first.as_str(), second.as_str()),
                ("order-placed", "alerts")
            );
            assert_eq!(json(filter), serde_json::json!({"severity": ["high"]}));
            assert_eq!(scope, "MessageAttributes");
            assert_eq!(bus, "shipping-bus");
            assert_eq!(json(pattern), serde_json::json!({"source": ["orders"]}));
        }
        other => panic!("{other:?}"),
    }
    let declared: Vec<String> = imported
        .manifest
        .resources
        .iter()
        .map(|r| format!("{} {}", r.kind.as_str(), r.name))
        .collect();
    assert_eq!(declared, ["topic alerts", "bus shipping-bus"]);
    let lines: Vec<String> = imported
        .report
        .not_mapped
        .iter()
        .map(|i| format!("{}:{} {}", i.file, i.line, i.subject))
        .collect();
    for expected in [
        "serverless.yml:20 functions.notify.events[3].eventBridge",
        "serverless.yml:31 resources.Resources.Role",
    ] {
        assert!(
            lines.iter().any(|l| l.starts_with(expected)),
            "{expected} in {lines:#?}"
        );
    }
    assert_toml_matches(&imported);
}

/// `ReportBatchItemFailures` on an SQS event (SAM and the Framework) is what a queue trigger
/// always does: reported as mapped, not as a setting left out.
#[test]
fn partial_batch_failures_on_sqs_events_are_mapped() {
    let sam = import_sam(
        "Resources:\n  Work:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: app.handler\n      Runtime: python3.13\n      Events:\n        Jobs:\n          Type: SQS\n          Properties:\n            Queue: arn:aws:sqs:us-east-1:111122223333:jobs\n            FunctionResponseTypes:\n              - ReportBatchItemFailures\n",
        "template.yaml",
        "x",
    )
    .expect("imports");
    let line = sam
        .report
        .mapped
        .iter()
        .find(|i| i.subject.ends_with("FunctionResponseTypes"))
        .expect("a mapped line");
    assert_eq!(line.line, 13);
    assert!(
        line.message.starts_with("partial batch failures"),
        "{line:?}"
    );
    assert!(
        sam.report
            .mentions_not_mapped("FunctionResponseTypes")
            .is_none()
    );

    let serverless = import_serverless(
        "service: x\nprovider:\n  name: aws\n  runtime: nodejs24.x\nfunctions:\n  work:\n    handler: work.handler\n    events:\n      - sqs:\n          arn: arn:aws:sqs:us-east-1:111122223333:jobs\n          functionResponseType: ReportBatchItemFailures\n",
        "serverless.yml",
        "x",
    )
    .expect("imports");
    assert!(
        serverless
            .report
            .mapped
            .iter()
            .any(|i| i.subject.ends_with("functionResponseType") && i.line == 11),
        "{}",
        serverless.report
    );
    assert!(
        serverless
            .report
            .mentions_not_mapped("functionResponseType")
            .is_none()
    );
}
