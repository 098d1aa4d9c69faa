//! Functory's Azure Functions adapter.
//!
//! Signing in: a keychain service principal ([`ClientCredentials`], the OAuth2
//! client-credentials grant against Microsoft Entra ID), the Azure CLI's own sign-in
//! ([`AzureCliToken`]), or an interactive device code ([`DeviceCodeSignIn`]). Each is a
//! [`TokenSource`]; tokens are kept per resource until shortly before they expire
//! ([`TokenCache`]). All of it is a thin reqwest + serde client rather than `azure_core`: the
//! management APIs Functory needs have no crate on the new official core, and the old one must
//! not be mixed in. Secrets (client secrets, tokens, function keys) travel only in request
//! headers and bodies, never into messages, plans or `Debug` output.
//!
//! [`AzureAdapter`] implements `Adapter` and `CloudAdapter` for one function app (a target's
//! `subscription_id`, `resource_group` and `function_app`): it talks to Azure Resource Manager
//! ([`arm`]: the site, its app settings, functions, keys, trigger sync, tags; long-running
//! operations, paging, throttling) and to the app's Kudu site ([`kudu`]: zip deploy, Flex
//! Consumption's one deploy, deployment status and logs, the live log stream). Users write
//! Lambda-style handlers; [`package`] builds the whole app as one deterministic zip with the
//! Azure entry points that adapt Azure's invocation to them (a generated shim for the Node.js v3
//! and Python v1 programming models), and [`mapping`] says what each manifest function becomes
//! — and what cannot be mapped, as plan errors, before anything deploys.
//!
//! Every endpoint can be overridden (authority, Resource Manager, the SCM and function-host URL
//! templates, Application Insights), which is how the tests reach their fakes.
//!
//! # Tests against a real Azure account
//!
//! `cargo test -p functory-azure` runs everything against fakes on loopback ports. The test
//! `real_azure::deploys_redeploys_and_invokes` also runs against a real function app when
//! these are set (it is skipped, saying so, otherwise):
//!
//! - `FUNCTORY_AZURE_TENANT_ID`, `FUNCTORY_AZURE_CLIENT_ID`, `FUNCTORY_AZURE_CLIENT_SECRET`: a
//!   service principal with Website Contributor on the app;
//! - `FUNCTORY_AZURE_SUBSCRIPTION_ID`, `FUNCTORY_AZURE_RESOURCE_GROUP`,
//!   `FUNCTORY_AZURE_FUNCTION_APP`: an existing Node.js function app it may overwrite.

pub mod arm;
mod cli_token;
pub mod credential;
mod device_code;
pub mod endpoints;
mod functions;
pub mod kudu;
pub mod mapping;
pub mod package;
mod settings;
pub mod token;

pub use cli_token::AzureCliToken;
pub use credential::{AzureResource, TokenCache, TokenSource};
pub use device_code::{DeviceCodePrompt, DeviceCodeSignIn};
pub use endpoints::AzureEndpoints;
pub use functions::{
    AzureAdapter, AzureAdapterBuilder, MANAGED_SETTINGS, TAG_COMMIT, TAG_PACKAGE, TAG_PROJECT,
    capabilities, parse_log_stream_line, severity_level,
};
pub use settings::AzureSettings;
pub use token::{AccessToken, ClientCredentials, ServicePrincipal};
