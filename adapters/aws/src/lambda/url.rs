//! The function URL of a `url` trigger, on the stage alias: its auth type and CORS, and for a
//! public URL the two resource-policy statements AWS requires (lambda:InvokeFunctionUrl with
//! auth type NONE, and lambda:InvokeFunction via the function URL). A `url` trigger removed
//! from the manifest removes the URL and those statements.

use aws_sdk_lambda::types::{Cors as LambdaCors, FunctionUrlAuthType};
use functory_adapter::{AdapterError, Result};
use functory_core::{Cors, Function, Trigger, UrlAuth};

use super::AwsAdapter;

/// Statement ids of the public URL's permissions, so Functory finds (and removes) its own.
pub(crate) const PUBLIC_URL_SID: &str = "functory-url-public";
pub(crate) const PUBLIC_INVOKE_SID: &str = "functory-url-invoke";

/// A function URL as it is, or as the manifest wants it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UrlState {
    pub public: bool,
    pub cors: Option<NormalCors>,
}

/// CORS with sorted lists, so order in the manifest never reads as a change.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct NormalCors {
    pub allow_origins: Vec<String>,
    pub allow_methods: Vec<String>,
    pub allow_headers: Vec<String>,
    pub expose_headers: Vec<String>,
    pub allow_credentials: bool,
    pub max_age: Option<i32>,
}

fn sorted(items: &[String]) -> Vec<String> {
    let mut items = items.to_vec();
    items.sort();
    items
}

impl NormalCors {
    fn from_manifest(cors: &Cors) -> Self {
        NormalCors {
            allow_origins: sorted(&cors.allow_origins),
            allow_methods: sorted(
                &cors
                    .allow_methods
                    .iter()
                    .map(|m| m.to_ascii_uppercase())
                    .collect::<Vec<_>>(),
            ),
            allow_headers: sorted(&cors.allow_headers),
            expose_headers: sorted(&cors.expose_headers),
            allow_credentials: cors.allow_credentials,
            max_age: cors.max_age.and_then(|a| i32::try_from(a).ok()),
        }
    }

    fn from_lambda(cors: &LambdaCors) -> Self {
        NormalCors {
            allow_origins: sorted(cors.allow_origins()),
            allow_methods: sorted(cors.allow_methods()),
            allow_headers: sorted(cors.allow_headers()),
            expose_headers: sorted(cors.expose_headers()),
            allow_credentials: cors.allow_credentials().unwrap_or(false),
            max_age: cors.max_age(),
        }
    }

    fn to_lambda(&self) -> LambdaCors {
        LambdaCors::builder()
            .set_allow_origins(Some(self.allow_origins.clone()))
            .set_allow_methods(Some(self.allow_methods.clone()))
            .set_allow_headers(Some(self.allow_headers.clone()))
            .set_expose_headers(Some(self.expose_headers.clone()))
            .allow_credentials(self.allow_credentials)
            .set_max_age(self.max_age)
            .build()
    }
}

/// What the manifest asks for.
pub(crate) fn desired(function: &Function) -> Option<UrlState> {
    function.triggers.iter().find_map(|t| match t {
        Trigger::Url { auth, cors } => Some(UrlState {
            public: *auth == UrlAuth::None,
            cors: cors.as_ref().map(NormalCors::from_manifest),
        }),
        _ => None,
    })
}

impl AwsAdapter {
    /// The function URL of the function (or stage), if it has one.
    pub(crate) async fn observe_url(
        &self,
        name: &str,
        qualifier: Option<&str>,
    ) -> Result<Option<UrlState>> {
        let found = match self
            .lambda
            .get_function_url_config()
            .function_name(name)
            .set_qualifier(qualifier.map(str::to_owned))
            .send()
            .await
        {
            Ok(found) => found,
            Err(error) => {
                return match self
                    .failure(&error, &format!("Lambda GetFunctionUrlConfig of `{name}`"))
                {
                    AdapterError::NotFound { .. } => Ok(None),
                    other => Err(other),
                };
            }
        };
        Ok(Some(UrlState {
            public: *found.auth_type() == FunctionUrlAuthType::None,
            cors: found.cors().map(NormalCors::from_lambda),
        }))
    }

    pub(crate) async fn put_url(
        &self,
        name: &str,
        qualifier: Option<&str>,
        want: &UrlState,
        create: bool,
    ) -> Result<()> {
        let auth = if want.public {
            FunctionUrlAuthType::None
        } else {
            FunctionUrlAuthType::AwsIam
        };
        let cors = want.cors.as_ref().map(NormalCors::to_lambda);
        let qualifier = qualifier.map(str::to_owned);
        if create {
            self.lambda
                .create_function_url_config()
                .function_name(name)
                .set_qualifier(qualifier)
                .auth_type(auth)
                .set_cors(cors)
                .send()
                .await
                .map_err(|e| {
                    self.failure(&e, &format!("Lambda CreateFunctionUrlConfig of `{name}`"))
                })?;
        } else {
            self.lambda
                .update_function_url_config()
                .function_name(name)
                .set_qualifier(qualifier)
                .auth_type(auth)
                // No CORS in the manifest clears what was set before.
                .cors(cors.unwrap_or_else(|| LambdaCors::builder().build()))
                .send()
                .await
                .map_err(|e| {
                    self.failure(&e, &format!("Lambda UpdateFunctionUrlConfig of `{name}`"))
                })?;
        }
        Ok(())
    }

    pub(crate) async fn delete_url(&self, name: &str, qualifier: Option<&str>) -> Result<()> {
        self.lambda
            .delete_function_url_config()
            .function_name(name)
            .set_qualifier(qualifier.map(str::to_owned))
            .send()
            .await
            .map_err(|e| {
                self.failure(&e, &format!("Lambda DeleteFunctionUrlConfig of `{name}`"))
            })?;
        Ok(())
    }

    /// The two statements a public URL needs (those not `present` already).
    pub(crate) async fn allow_public_url(
        &self,
        name: &str,
        qualifier: Option<&str>,
        present: &[String],
    ) -> Result<()> {
        let has = |sid: &str| present.iter().any(|p| p == sid);
        if !has(PUBLIC_URL_SID) {
            self.lambda
                .add_permission()
                .function_name(name)
                .set_qualifier(qualifier.map(str::to_owned))
                .statement_id(PUBLIC_URL_SID)
                .action("lambda:InvokeFunctionUrl")
                .principal("*")
                .function_url_auth_type(FunctionUrlAuthType::None)
                .send()
                .await
                .map_err(|e| {
                    self.failure(
                        &e,
                        &format!("Lambda AddPermission (public URL) on `{name}`"),
                    )
                })?;
        }
        if has(PUBLIC_INVOKE_SID) {
            return Ok(());
        }
        self.lambda
            .add_permission()
            .function_name(name)
            .set_qualifier(qualifier.map(str::to_owned))
            .statement_id(PUBLIC_INVOKE_SID)
            .action("lambda:InvokeFunction")
            .principal("*")
            .invoked_via_function_url(true)
            .send()
            .await
            .map_err(|e| {
                self.failure(
                    &e,
                    &format!("Lambda AddPermission (invoke via URL) on `{name}`"),
                )
            })?;
        Ok(())
    }

    pub(crate) async fn revoke_public_url(
        &self,
        name: &str,
        qualifier: Option<&str>,
        present: &[String],
    ) -> Result<()> {
        for sid in [PUBLIC_URL_SID, PUBLIC_INVOKE_SID] {
            if !present.iter().any(|p| p == sid) {
                continue;
            }
            self.remove_statement(name, qualifier, sid).await?;
        }
        Ok(())
    }
}
