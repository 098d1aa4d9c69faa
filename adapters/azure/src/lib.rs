//! Functory's Azure adapter, starting with signing in.
//!
//! A service principal from the OS keychain signs in with the OAuth2 client-credentials grant
//! against Microsoft Entra ID ([`token`]): a thin reqwest + serde client rather than
//! `azure_core`, because the management APIs Functory needs have no crate on the new official
//! core and the old one must not be mixed in. The authority comes from `AZURE_AUTHORITY_HOST`
//! (sovereign clouds, tests) or a builder option. Entra's `AADSTS…` error answers become
//! [`functory_adapter::AdapterError`]s that name the account, the call and what to do; the
//! client secret goes from the vault into the request body and nowhere else.

pub mod token;

pub use token::{AccessToken, ClientCredentials, ServicePrincipal};
