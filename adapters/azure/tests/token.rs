//! The client-credentials request against a fake Microsoft Entra ID token endpoint on a
//! loopback port, answering as the real one does: 200 with a token, or the documented status
//! and `AADSTS…` error body for an unknown tenant, an unknown application, a wrong secret.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use functory_adapter::AdapterError;
use functory_azure::{ClientCredentials, ServicePrincipal};
use functory_vault::{Account, AzureServicePrincipal};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT: &str = "00000000-1111-2222-3333-444444444444";
const SECRET: &str = "CANARY~azureClientSecret.K7MDENG";

/// What the fake saw of the last request: path and form fields.
type Seen = Arc<Mutex<Option<(String, HashMap<String, String>)>>>;

/// Entra appends trace lines to every description; the client must show only the first.
fn entra_error(status: u16, error: &str, code: u64, description: &str) -> (u16, String) {
    let body = serde_json::json!({
        "error": error,
        "error_description": format!("AADSTS{code}: {description}\r\nTrace ID: 0c1c7d5e-5a3c-4a55-8a3f-5f0a2e8f6100\r\nCorrelation ID: 4b5e3c1e-94d7-4e0e-9d4a-6a3b1f0c2d11\r\nTimestamp: 2026-01-05 10:00:00Z"),
        "error_codes": [code],
        "timestamp": "2026-01-05 10:00:00Z",
        "trace_id": "0c1c7d5e-5a3c-4a55-8a3f-5f0a2e8f6100",
        "correlation_id": "4b5e3c1e-94d7-4e0e-9d4a-6a3b1f0c2d11",
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
    });
    (status, body.to_string())
}

/// The token endpoint's decision for one request.
fn answer(path: &str, form: &HashMap<String, String>) -> (u16, String) {
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let Some(tenant) = path
        .strip_prefix('/')
        .and_then(|p| p.strip_suffix("/oauth2/v2.0/token"))
    else {
        return (404, String::new());
    };
    if tenant != TENANT {
        return entra_error(
            400,
            "invalid_request",
            90002,
            &format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
            ),
        );
    }
    if field("grant_type") != "client_credentials" {
        return entra_error(
            400,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type.",
        );
    }
    if !field("scope").ends_with("/.default") {
        return entra_error(
            400,
            "invalid_scope",
            70011,
            "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid.",
        );
    }
    if field("client_id") != CLIENT {
        return entra_error(
            400,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
                field("client_id")
            ),
        );
    }
    if field("client_secret") != SECRET {
        return entra_error(
            401,
            "invalid_client",
            7000215,
            &format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{CLIENT}'."
            ),
        );
    }
    (
        200,
        serde_json::json!({
            "token_type": "Bearer",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl",
        })
        .to_string(),
    )
}

/// Serves HTTP/1.1 on a free loopback port until the test's runtime ends.
async fn fake_entra() -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free loopback port");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    let seen: Seen = Arc::default();
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let record = record.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head_end, length) = loop {
                    let n = stream.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&chunk[..n]);
                    if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        break (end + 4, length);
                    }
                };
                while request.len() < head_end + length {
                    let n = stream.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    request.extend_from_slice(&chunk[..n]);
                }
                let head = String::from_utf8_lossy(&request[..head_end]).into_owned();
                let path = head.split(' ').nth(1).unwrap_or_default().to_owned();
                let form: HashMap<String, String> =
                    url::form_urlencoded::parse(&request[head_end..])
                        .into_owned()
                        .collect();
                let (status, body) = if head.starts_with("POST ") {
                    answer(&path, &form)
                } else {
                    (405, String::new())
                };
                *record.lock().expect("the record lock") = Some((path, form));
                let response = format!(
                    "HTTP/1.1 {status} {}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    if status == 200 { "OK" } else { "Error" },
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    (url, seen)
}

fn principal(tenant: &str, client: &str, secret: &str) -> ServicePrincipal {
    let account = Account::azure(
        "prod",
        AzureServicePrincipal {
            tenant_id: tenant.into(),
            client_id: client.into(),
            client_secret: secret.into(),
            subscription_id: None,
        },
    )
    .expect("a valid service principal");
    ServicePrincipal::from_account(&account).expect("an Azure account")
}

async fn refused(principal: ServicePrincipal, authority: &str) -> AdapterError {
    let error = ClientCredentials::new(principal)
        .authority_host(authority)
        .request_token()
        .await
        .expect_err("the fake refuses");
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(SECRET), "the secret leaked: {shown}");
    assert!(
        !shown.contains("Trace ID"),
        "Entra's trace lines leaked: {shown}"
    );
    error
}

#[tokio::test]
async fn a_valid_principal_gets_a_management_token_with_the_documented_form() {
    let (authority, seen) = fake_entra().await;
    let token = ClientCredentials::new(principal(TENANT, CLIENT, SECRET))
        .authority_host(format!("{authority}/"))
        .request_token()
        .await
        .expect("the fake issues a token");
    assert_eq!(token.expires_in.as_secs(), 3599);
    assert!(token.token.expose().starts_with("eyJ"));
    assert!(!format!("{token:?}").contains("eyJ"));
    let (path, form) = seen.lock().unwrap().clone().unwrap();
    assert_eq!(path, format!("/{TENANT}/oauth2/v2.0/token"));
    assert_eq!(form["client_id"], CLIENT);
    assert_eq!(form["client_secret"], SECRET);
    assert_eq!(form["scope"], "https://management.azure.com/.default");
    assert_eq!(form["grant_type"], "client_credentials");
}

#[tokio::test]
async fn aadsts_refusals_name_the_account_and_what_to_fix() {
    let (authority, _) = fake_entra().await;

    let wrong_secret = refused(principal(TENANT, CLIENT, "not-the-secret"), &authority).await;
    let AdapterError::Unauthenticated { message } = &wrong_secret else {
        panic!("expected Unauthenticated, got {wrong_secret:?}");
    };
    assert!(message.starts_with("Entra ID refused the client secret of account `prod` (AADSTS7000215: Invalid client secret provided."), "{message}");
    assert!(message.contains("paste the secret's Value (not its Secret ID)"));

    let unknown_app = refused(
        principal(TENANT, "99999999-1111-2222-3333-444444444444", SECRET),
        &authority,
    )
    .await;
    assert!(
        matches!(&unknown_app, AdapterError::Unauthenticated { message } if message.starts_with(&format!("tenant {TENANT} has no application with client id 99999999-1111-2222-3333-444444444444 (AADSTS700016: Application with identifier"))),
        "{unknown_app}"
    );

    let unknown_tenant = refused(
        principal("contoso.onmicrosoft.com", CLIENT, SECRET),
        &authority,
    )
    .await;
    assert!(
        matches!(&unknown_tenant, AdapterError::InvalidRequest { message } if message.starts_with("tenant `contoso.onmicrosoft.com` of account `prod` was not found (AADSTS90002: Tenant 'contoso.onmicrosoft.com' not found.")),
        "{unknown_tenant}"
    );

    let bad_scope = ClientCredentials::new(principal(TENANT, CLIENT, SECRET))
        .authority_host(&authority)
        .scope("https://management.azure.com/")
        .request_token()
        .await
        .expect_err("the fake refuses the scope");
    assert_eq!(bad_scope.code(), "invalid_request", "{bad_scope}");
}

#[tokio::test]
async fn an_unreachable_authority_is_named() {
    // Bind then drop: the port is free and nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let error = refused(
        principal(TENANT, CLIENT, SECRET),
        &format!("http://127.0.0.1:{port}"),
    )
    .await;
    assert!(
        matches!(&error, AdapterError::Provider { message, .. } if message.starts_with(&format!("the token request of account `prod` to http://127.0.0.1:{port} failed"))),
        "{error}"
    );
}
