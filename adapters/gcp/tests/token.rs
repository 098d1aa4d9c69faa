//! The JWT bearer flow against a fake Google token endpoint on a loopback port. The fake checks
//! the assertion as Google does — RS256 signature against the public key registered for the
//! service account (of a key pair generated here), `aud`, `scope`, `iat`/`exp` — and answers
//! with Google's status codes and error bodies.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use functory_adapter::AdapterError;
use functory_gcp::{JwtBearer, ServiceAccountKey};
use functory_vault::{Account, GcpServiceAccount};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const ACTIVE: &str = "ci@demo.iam.gserviceaccount.com";
const DELETED: &str = "gone@demo.iam.gserviceaccount.com";
const DISABLED: &str = "off@demo.iam.gserviceaccount.com";

fn pem(key: &KeyPair) -> String {
    let der: Pkcs8V1Der = key.as_der().expect("a PKCS#8 encoding");
    let text = STANDARD.encode(der.as_ref());
    let lines: Vec<&str> = text
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).expect("base64 is ASCII"))
        .collect();
    format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        lines.join("\n")
    )
}

fn google_error(error: &str, description: &str) -> (u16, String) {
    (
        400,
        json!({ "error": error, "error_description": description }).to_string(),
    )
}

/// Google's token endpoint's decision. `registered` is the public key (PKCS#1 DER) Google
/// holds for the service account's key id.
fn answer(form: &HashMap<String, String>, registered: &[u8], token_uri: &str) -> (u16, String) {
    if form.get("grant_type").map(String::as_str)
        != Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    {
        return google_error("unsupported_grant_type", "Invalid grant_type: ");
    }
    let assertion = form.get("assertion").cloned().unwrap_or_default();
    let parts: Vec<&str> = assertion.split('.').collect();
    let [header, claims, signature] = parts[..] else {
        return google_error("invalid_grant", "Invalid JWT: Unable to parse.");
    };
    let decode = |part: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
    };
    let (Some(header), Some(claims), Ok(signature)) = (
        decode(header),
        decode(claims),
        URL_SAFE_NO_PAD.decode(signature),
    ) else {
        return google_error("invalid_grant", "Invalid JWT: Unable to parse.");
    };
    if header["alg"] != "RS256" || header["kid"] != "kid-1" {
        return google_error("invalid_grant", "Invalid JWT Signature.");
    }
    let signed = format!("{}.{}", parts[0], parts[1]);
    if UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, registered)
        .verify(signed.as_bytes(), &signature)
        .is_err()
    {
        return google_error("invalid_grant", "Invalid JWT Signature.");
    }
    match claims["iss"].as_str() {
        Some(ACTIVE) => {}
        Some(DELETED) => return google_error("invalid_grant", "Invalid grant: account not found"),
        Some(DISABLED) => return google_error("invalid_grant", "Robot is disabled."),
        _ => return google_error("invalid_grant", "Invalid JWT Signature."),
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64;
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap_or(0),
        claims["exp"].as_i64().unwrap_or(0),
    );
    if exp - iat > 3600 || (iat - now).abs() > 300 {
        return google_error(
            "invalid_grant",
            "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.",
        );
    }
    if claims["aud"] != token_uri {
        return google_error("invalid_grant", "Invalid JWT: Failed audience check.");
    }
    if claims["scope"] != "https://www.googleapis.com/auth/cloud-platform" {
        return google_error(
            "invalid_scope",
            "Invalid OAuth scope or ID token audience provided.",
        );
    }
    (
        200,
        json!({ "access_token": "ya29.c.fake-access-token", "expires_in": 3599, "token_type": "Bearer" })
            .to_string(),
    )
}

/// Serves HTTP/1.1 on a free loopback port; returns the token URI.
async fn fake_google(registered: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free loopback port");
    let token_uri = format!(
        "http://{}/token",
        listener.local_addr().expect("an address")
    );
    let uri = token_uri.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (registered, uri) = (registered.clone(), uri.clone());
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut chunk = [0u8; 8192];
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
                let form: HashMap<String, String> =
                    url::form_urlencoded::parse(&request[head_end..])
                        .into_owned()
                        .collect();
                let (status, body) = if head.starts_with("POST /token ") {
                    answer(&form, &registered, &uri)
                } else {
                    (404, String::new())
                };
                let response = format!(
                    "HTTP/1.1 {status} {}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    if status == 200 { "OK" } else { "Bad Request" },
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    token_uri
}

fn key_file(email: &str, key: &KeyPair, token_uri: &str) -> String {
    json!({
        "type": "service_account",
        "project_id": "demo",
        "private_key_id": "kid-1",
        "private_key": pem(key),
        "client_email": email,
        "client_id": "100000000000000000001",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
    })
    .to_string()
}

fn bearer(key_json: &str) -> JwtBearer {
    let account = Account::gcp(
        "gcp-ci",
        GcpServiceAccount {
            key_json: key_json.into(),
        },
    )
    .expect("a key file the vault accepts");
    JwtBearer::new(ServiceAccountKey::from_account(&account).expect("a Google account"))
}

async fn refused(key_json: &str) -> AdapterError {
    let error = bearer(key_json)
        .request_token()
        .await
        .expect_err("the fake refuses");
    let shown = format!("{error} {error:?}");
    assert!(
        !shown.contains("PRIVATE KEY") && !shown.contains("MII"),
        "{shown}"
    );
    error
}

#[tokio::test]
async fn a_registered_key_gets_a_token_and_other_keys_and_accounts_are_explained() {
    let registered = KeyPair::generate(KeySize::Rsa2048).expect("a key pair");
    let token_uri = fake_google(registered.public_key().as_ref().to_vec()).await;

    // The key file's own token_uri leads to the fake.
    let token = bearer(&key_file(ACTIVE, &registered, &token_uri))
        .request_token()
        .await
        .expect("the fake issues a token");
    assert_eq!(token.token.expose(), "ya29.c.fake-access-token");
    assert_eq!(token.expires_in.as_secs(), 3599);

    // A key Google does not hold (deleted, or another account's): the signature check fails.
    let stranger = KeyPair::generate(KeySize::Rsa2048).expect("a key pair");
    let error = refused(&key_file(ACTIVE, &stranger, &token_uri)).await;
    let AdapterError::Unauthenticated { message } = &error else {
        panic!("expected Unauthenticated, got {error:?}");
    };
    assert!(
        message.starts_with("Google does not accept the key of account `gcp-ci` (invalid_grant: Invalid JWT Signature.)"),
        "{message}"
    );
    assert!(message.contains(&format!("IAM → Service accounts → {ACTIVE} → Keys")));

    let error = refused(&key_file(DELETED, &registered, &token_uri)).await;
    assert!(
        error.to_string().contains(&format!("service account {DELETED} of account `gcp-ci` does not exist, or is disabled (invalid_grant: Invalid grant: account not found)")),
        "{error}"
    );
    let error = refused(&key_file(DISABLED, &registered, &token_uri)).await;
    assert!(
        error.to_string().contains(&format!("service account {DISABLED} of account `gcp-ci` is disabled (invalid_grant: Robot is disabled.)")),
        "{error}"
    );

    // The assertion's audience is where it is sent: overriding the endpoint moves both.
    let moved = bearer(&key_file(
        ACTIVE,
        &registered,
        "https://oauth2.googleapis.com/token",
    ))
    .token_uri(&token_uri)
    .request_token()
    .await
    .expect("the override reaches the fake with a matching aud");
    assert_eq!(moved.token.expose(), "ya29.c.fake-access-token");

    let error = bearer(&key_file(ACTIVE, &registered, &token_uri))
        .scope("https://www.googleapis.com/auth/nothing")
        .request_token()
        .await
        .expect_err("the fake refuses the scope");
    assert_eq!(error.code(), "invalid_request", "{error}");
}

#[tokio::test]
async fn a_skewed_clock_is_diagnosed() {
    let registered = KeyPair::generate(KeySize::Rsa2048).expect("a key pair");
    let token_uri = fake_google(registered.public_key().as_ref().to_vec()).await;
    let signer = bearer(&key_file(ACTIVE, &registered, &token_uri));
    // An assertion made two hours ago, as a computer with a wrong clock would make it.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let stale = signer.assertion(now - 7200).expect("the key signs");
    let response = reqwest::Client::new()
        .post(&token_uri)
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", stale.expose().as_str()),
        ])
        .send()
        .await
        .expect("the fake answers");
    assert_eq!(response.status().as_u16(), 400);
    let body: Value = response.json().await.expect("a JSON error");
    assert_eq!(body["error"], "invalid_grant");
    // The fresh request from the same signer passes: the clock of this machine is right.
    assert!(signer.request_token().await.is_ok());
}
