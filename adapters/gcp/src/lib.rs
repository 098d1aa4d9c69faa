//! Functory's Google Cloud adapter, starting with signing in.
//!
//! A service-account key from the OS keychain signs in with the OAuth2 JWT bearer flow
//! ([`token`]): an RS256 assertion signed with the key's private key, exchanged at the key's
//! `token_uri` for an access token. Signing uses `jsonwebtoken` on aws-lc-rs, the crypto
//! provider the AWS SDK and reqwest already bring. Google's error answers (`invalid_grant`
//! with "Invalid JWT Signature.", a deleted or disabled account, a skewed clock) become
//! [`functory_adapter::AdapterError`]s that name the account and say what to do; the private
//! key goes from the vault into the signer and nowhere else.

pub mod token;

pub use token::{AccessToken, JwtBearer, ServiceAccountKey};
