//! The kinds of accounts and their public and secret halves.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::sensitive::Sensitive;
use crate::store::VaultError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum AccountKind {
    AwsAccessKey,
    AzureServicePrincipal,
    GcpServiceAccount,
}

/// What may be shown about an account: its name and public identifiers. This is what the app
/// lists and what crosses IPC; it never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AccountSummary {
    pub name: String,
    pub kind: AccountKind,
    pub details: AccountDetails,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "kind",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase"
)]
#[ts(export)]
pub enum AccountDetails {
    AwsAccessKey {
        access_key_id: String,
        has_session_token: bool,
        role_arn: Option<String>,
        external_id: Option<String>,
        region: Option<String>,
    },
    AzureServicePrincipal {
        tenant_id: String,
        client_id: String,
        subscription_id: Option<String>,
    },
    GcpServiceAccount {
        project_id: String,
        client_email: String,
    },
}

/// The secret half of an account, as it is kept in the keychain.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum AccountSecrets {
    AwsAccessKey {
        secret_access_key: Sensitive<String>,
        session_token: Option<Sensitive<String>>,
    },
    AzureServicePrincipal {
        client_secret: Sensitive<String>,
    },
    GcpServiceAccount {
        key_json: Sensitive<String>,
    },
}

impl AccountSecrets {
    /// The keychain entry's text. Built by hand because `Sensitive` refuses to serialize.
    pub(crate) fn to_keychain_json(&self) -> Sensitive<String> {
        let value = match self {
            AccountSecrets::AwsAccessKey {
                secret_access_key,
                session_token,
            } => serde_json::json!({
                "kind": "aws-access-key",
                "secret_access_key": secret_access_key.expose(),
                "session_token": session_token.as_ref().map(|t| t.expose()),
            }),
            AccountSecrets::AzureServicePrincipal { client_secret } => serde_json::json!({
                "kind": "azure-service-principal",
                "client_secret": client_secret.expose(),
            }),
            AccountSecrets::GcpServiceAccount { key_json } => serde_json::json!({
                "kind": "gcp-service-account",
                "key_json": key_json.expose(),
            }),
        };
        Sensitive::new(value.to_string())
    }
}

/// A whole account: what the adapters use to sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub summary: AccountSummary,
    pub secrets: AccountSecrets,
}

/// An AWS access key, optionally with a session token and a role to assume.
#[derive(Debug, Clone)]
pub struct AwsAccessKey {
    pub access_key_id: String,
    pub secret_access_key: Sensitive<String>,
    pub session_token: Option<Sensitive<String>>,
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
    pub region: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AzureServicePrincipal {
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: Sensitive<String>,
    pub subscription_id: Option<String>,
}

/// A Google service-account key: the JSON key file as downloaded from the console.
#[derive(Debug, Clone)]
pub struct GcpServiceAccount {
    pub key_json: Sensitive<String>,
}

fn invalid(field: &str, message: impl Into<String>) -> VaultError {
    VaultError::Invalid {
        field: field.to_owned(),
        message: message.into(),
    }
}

pub(crate) fn check_name(name: &str) -> Result<(), VaultError> {
    let ok = (1..=64).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ' '))
        && name.trim() == name;
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "name",
            "an account name is 1 to 64 letters, digits, spaces, `-`, `_` or `.`, without leading or trailing spaces",
        ))
    }
}

fn is_guid(s: &str) -> bool {
    let parts: Vec<_> = s.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

fn non_empty(field: &str, value: &Sensitive<String>) -> Result<(), VaultError> {
    if value.expose().trim().is_empty() {
        Err(invalid(field, "is empty"))
    } else {
        Ok(())
    }
}

impl Account {
    pub fn name(&self) -> &str {
        &self.summary.name
    }

    pub fn aws(name: &str, key: AwsAccessKey) -> Result<Self, VaultError> {
        check_name(name)?;
        let id = key.access_key_id.trim();
        if !(16..=128).contains(&id.len())
            || !id
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        {
            return Err(invalid(
                "access_key_id",
                "an AWS access key id is 16 to 128 capital letters and digits, like AKIA…",
            ));
        }
        non_empty("secret_access_key", &key.secret_access_key)?;
        if let Some(role) = &key.role_arn
            && !(role.starts_with("arn:aws") && role.contains(":iam::") && role.contains(":role/"))
        {
            return Err(invalid(
                "role_arn",
                "a role to assume is an IAM role ARN: arn:aws:iam::123456789012:role/NAME",
            ));
        }
        Ok(Self {
            summary: AccountSummary {
                name: name.to_owned(),
                kind: AccountKind::AwsAccessKey,
                details: AccountDetails::AwsAccessKey {
                    access_key_id: id.to_owned(),
                    has_session_token: key.session_token.is_some(),
                    role_arn: key.role_arn,
                    external_id: key.external_id,
                    region: key.region,
                },
            },
            secrets: AccountSecrets::AwsAccessKey {
                secret_access_key: key.secret_access_key,
                session_token: key.session_token,
            },
        })
    }

    pub fn azure(name: &str, principal: AzureServicePrincipal) -> Result<Self, VaultError> {
        check_name(name)?;
        if !is_guid(&principal.tenant_id) && !principal.tenant_id.contains('.') {
            return Err(invalid(
                "tenant_id",
                "a tenant is a GUID or a domain such as contoso.onmicrosoft.com",
            ));
        }
        if !is_guid(&principal.client_id) {
            return Err(invalid("client_id", "a client (application) id is a GUID"));
        }
        if let Some(subscription) = &principal.subscription_id
            && !is_guid(subscription)
        {
            return Err(invalid("subscription_id", "a subscription id is a GUID"));
        }
        non_empty("client_secret", &principal.client_secret)?;
        Ok(Self {
            summary: AccountSummary {
                name: name.to_owned(),
                kind: AccountKind::AzureServicePrincipal,
                details: AccountDetails::AzureServicePrincipal {
                    tenant_id: principal.tenant_id,
                    client_id: principal.client_id,
                    subscription_id: principal.subscription_id,
                },
            },
            secrets: AccountSecrets::AzureServicePrincipal {
                client_secret: principal.client_secret,
            },
        })
    }

    /// Reads the public fields out of a service-account key file; the key stays sensitive.
    pub fn gcp(name: &str, key: GcpServiceAccount) -> Result<Self, VaultError> {
        check_name(name)?;
        #[derive(Deserialize)]
        struct KeyFile {
            #[serde(rename = "type")]
            kind: String,
            project_id: String,
            client_email: String,
            private_key: Sensitive<String>,
        }
        // The parser's message could quote the key's text, so it is not passed on.
        let file: KeyFile = serde_json::from_str(key.key_json.expose()).map_err(|_| {
            invalid("key_json", "not a service-account key file: expected the JSON file downloaded from the Google Cloud console")
        })?;
        if file.kind != "service_account" {
            return Err(invalid(
                "key_json",
                format!(
                    "the key file's type is `{}`, expected `service_account`",
                    file.kind
                ),
            ));
        }
        if !file.private_key.expose().contains("PRIVATE KEY") {
            return Err(invalid("key_json", "the key file has no private key"));
        }
        Ok(Self {
            summary: AccountSummary {
                name: name.to_owned(),
                kind: AccountKind::GcpServiceAccount,
                details: AccountDetails::GcpServiceAccount {
                    project_id: file.project_id,
                    client_email: file.client_email,
                },
            },
            secrets: AccountSecrets::GcpServiceAccount {
                key_json: key.key_json,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn aws_key() -> AwsAccessKey {
        AwsAccessKey {
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
            session_token: None,
            role_arn: Some("arn:aws:iam::123456789012:role/deployer".into()),
            external_id: None,
            region: Some("eu-west-1".into()),
        }
    }

    #[test]
    fn validates_each_kind() {
        assert!(Account::aws("dev", aws_key()).is_ok());
        let mut bad = aws_key();
        bad.access_key_id = "not-a-key".into();
        assert!(
            matches!(Account::aws("dev", bad), Err(VaultError::Invalid { field, .. }) if field == "access_key_id")
        );
        let mut bad = aws_key();
        bad.role_arn = Some("deployer".into());
        assert!(
            matches!(Account::aws("dev", bad), Err(VaultError::Invalid { field, .. }) if field == "role_arn")
        );
        assert!(
            matches!(Account::aws(" dev", aws_key()), Err(VaultError::Invalid { field, .. }) if field == "name")
        );

        let principal = AzureServicePrincipal {
            tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
            client_id: "00000000-1111-2222-3333-444444444444".into(),
            client_secret: "s3cr3t".into(),
            subscription_id: None,
        };
        assert!(Account::azure("prod", principal.clone()).is_ok());
        assert!(
            Account::azure(
                "prod",
                AzureServicePrincipal {
                    client_id: "x".into(),
                    ..principal
                }
            )
            .is_err()
        );

        let key = r#"{"type":"service_account","project_id":"demo","client_email":"ci@demo.iam.gserviceaccount.com","private_key":"-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"}"#;
        let account = Account::gcp(
            "gcp",
            GcpServiceAccount {
                key_json: key.into(),
            },
        )
        .unwrap();
        assert_eq!(
            account.summary.details,
            AccountDetails::GcpServiceAccount {
                project_id: "demo".into(),
                client_email: "ci@demo.iam.gserviceaccount.com".into()
            }
        );
        let error = Account::gcp(
            "gcp",
            GcpServiceAccount {
                key_json: "{\"private_key\": \"SECRETSTUFF\"".into(),
            },
        )
        .unwrap_err();
        assert!(!error.to_string().contains("SECRETSTUFF"));
    }

    #[test]
    fn the_summary_serializes_without_secrets() {
        let account = Account::aws("dev", aws_key()).unwrap();
        let json = serde_json::to_string(&account.summary).unwrap();
        assert!(json.contains("AKIAIOSFODNN7EXAMPLE"));
        assert!(!json.contains("EXAMPLEKEY"));
        assert!(!format!("{account:?}").contains("EXAMPLEKEY"));
    }
}
