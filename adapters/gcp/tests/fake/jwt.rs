//! Keys and tokens for the fake token endpoint: service-account key files signed by key pairs
//! generated here, assertions verified as Google verifies them (RS256 against the registered
//! public key, `aud`, `iat`/`exp`), and ID tokens shaped as Google's (a JWT whose claims say
//! `aud` and `email`; the fake remembers which it issued instead of checking a signature).

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64
}

/// A service account's key pair, and the key file Google would hand out for it.
pub struct ServiceAccountKeyPair {
    pub email: String,
    pair: KeyPair,
}

impl ServiceAccountKeyPair {
    pub fn generate(email: &str) -> Self {
        ServiceAccountKeyPair {
            email: email.to_owned(),
            pair: KeyPair::generate(KeySize::Rsa2048).expect("a key pair"),
        }
    }

    pub fn public_der(&self) -> Vec<u8> {
        self.pair.public_key().as_ref().to_vec()
    }

    pub fn private_pem(&self) -> String {
        let der: Pkcs8V1Der = self.pair.as_der().expect("a PKCS#8 encoding");
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

    pub fn key_file(&self, project: &str, token_uri: &str) -> String {
        json!({
            "type": "service_account",
            "project_id": project,
            "private_key_id": "kid-1",
            "private_key": self.private_pem(),
            "client_email": self.email,
            "client_id": "100000000000000000001",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": token_uri,
        })
        .to_string()
    }
}

/// The verified claims of an assertion, or Google's `error_description`.
pub fn verify_assertion(
    assertion: &str,
    key_of: impl Fn(&str) -> Option<Vec<u8>>,
    token_uri: &str,
) -> Result<Value, &'static str> {
    let parts: Vec<&str> = assertion.split('.').collect();
    let [header, claims, signature] = parts[..] else {
        return Err("Invalid JWT: Unable to parse.");
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
        return Err("Invalid JWT: Unable to parse.");
    };
    if header["alg"] != "RS256" {
        return Err("Invalid JWT Signature.");
    }
    let Some(registered) = claims["iss"].as_str().and_then(&key_of) else {
        return Err("Invalid grant: account not found");
    };
    let signed = format!("{}.{}", parts[0], parts[1]);
    if UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, registered)
        .verify(signed.as_bytes(), &signature)
        .is_err()
    {
        return Err("Invalid JWT Signature.");
    }
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap_or(0),
        claims["exp"].as_i64().unwrap_or(0),
    );
    if exp - iat > 3600 || (iat - now()).abs() > 300 {
        return Err(
            "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.",
        );
    }
    if claims["aud"] != token_uri {
        return Err("Invalid JWT: Failed audience check.");
    }
    Ok(claims)
}

/// An ID token as Google shapes it; `n` makes each one distinct.
pub fn id_token(audience: &str, email: &str, n: u64) -> String {
    let header =
        URL_SAFE_NO_PAD.encode(json!({"alg": "RS256", "kid": "fake", "typ": "JWT"}).to_string());
    let claims = URL_SAFE_NO_PAD.encode(
        json!({
            "iss": "https://accounts.google.com",
            "aud": audience,
            "azp": email,
            "email": email,
            "email_verified": true,
            "iat": now(),
            "exp": now() + 3600,
            "sub": format!("1{n:020}"),
        })
        .to_string(),
    );
    let signature = URL_SAFE_NO_PAD.encode(format!("fake-signature-{n}"));
    format!("{header}.{claims}.{signature}")
}
