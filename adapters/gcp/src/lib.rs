//! Functory's Google Cloud Functions adapter: Lambda-style handlers deployed, invoked and
//! watched on Cloud Functions v2, over Google's REST APIs (reqwest + serde), and Cloud
//! Logging's one streaming method over gRPC (tonic).
//!
//! - **Sign-in** ([`GoogleCredentials`]): a service-account key from the OS keychain (the
//!   OAuth2 JWT bearer grant, [`token`]), or the application-default credentials —
//!   `GOOGLE_APPLICATION_CREDENTIALS`, else gcloud's `application_default_credentials.json`
//!   (`authorized_user` refresh tokens and `service_account` keys). Tokens are cached until
//!   shortly before they expire; the private key, refresh token and tokens go to Google's token
//!   endpoint and the APIs and nowhere else (not into errors, plans, logs or `Debug`).
//! - **Deploy** ([`GcpAdapter::plan`], [`GcpAdapter::deploy_function`]): the function is
//!   mapped first (runtime, memory rounded up to a Cloud Functions size, timeout limits, the one
//!   trigger a Google function has, schedules as Cloud Scheduler jobs with unix cron), and what
//!   has no Google form is an error of the plan, before anything changes. The package is a
//!   deterministic zip of the sources plus a generated Functions Framework entry
//!   ([`package`]) that adapts Google's invocation to the handler's `(event, context)`; its
//!   SHA-256 (as the label `functory-sha256`, first 63 hex digits) decides whether code is
//!   uploaded again. `generateUploadUrl` → PUT → create or patch with an `updateMask` naming
//!   exactly what differs → the operation's stages drive the progress → Cloud Run invoker
//!   policy (`allUsers` for a public URL) → scheduler jobs. A function labelled with another
//!   Functory project (`functory-project`) is never taken over.
//! - **Invoke**: HTTP functions through their URL with an ID token for it; Pub/Sub-triggered
//!   ones by publishing to the topic; storage-triggered ones are not invoked (see [`invoke`]).
//! - **Logs**: Cloud Logging `entries:list` for stored entries. Following polls it with an
//!   overlap and `insertId` dedupe ([`LogFollowMode::Poll`], the default), or streams
//!   `TailLogEntries` over gRPC ([`LogFollowMode::Stream`]), chosen with
//!   [`GcpSettings::log_follow`], [`GcpAdapterBuilder::log_follow`] or, per tail,
//!   [`GcpAdapter::with_log_follow`].
//! - **Versions**: Cloud Functions keeps none through its API; `versions` and `rollback` are
//!   `NotSupported` and point to History's "Redeploy this".
//!
//! Every endpoint (token URI, Cloud Functions, Logging and its gRPC service, Pub/Sub, Cloud
//! Scheduler, Cloud Run) can be overridden on [`GcpAdapterBuilder`], which is how the tests reach their fake.
//!
//! # Tests against a real Google project
//!
//! `cargo test -p functory-gcp` runs against a faithful fake of the REST APIs. The test
//! `real_google_project_round_trip` also deploys to a real project when these are set (and
//! is skipped otherwise): `FUNCTORY_GCP_TEST_PROJECT` (a project id with the Cloud Functions,
//! Cloud Build, Artifact Registry, Cloud Run and Logging APIs enabled),
//! `FUNCTORY_GCP_TEST_REGION` (e.g. `europe-west1`), and either
//! `FUNCTORY_GCP_TEST_KEY_FILE` (a service-account key file) or application-default
//! credentials. It creates, invokes and deletes a function named `functory-it-echo`.

// Tests may unwrap: a panic there is the failure report.
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod adapter;
mod client;
mod credentials;
pub mod deploy;
mod errors;
mod functions;
pub mod invoke;
mod live_tail;
mod logging_proto;
mod logs;
pub mod mapping;
pub mod package;
pub mod token;

pub use adapter::{GcpAdapter, GcpAdapterBuilder, GcpSettings, LogFollowMode, capabilities};
pub use client::GoogleEndpoints;
pub use credentials::{CREDENTIALS_ENV, GCLOUD_CONFIG_ENV, GoogleCredentials, TokenCache};
pub use token::{AccessToken, IdToken, JwtBearer, ServiceAccountKey};
