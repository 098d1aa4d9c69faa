//! Reading source text into span-keeping trees: strict JSON, YAML templates, the TOML
//! manifest.

pub mod json;
pub mod node;
pub mod toml;
pub mod yaml;

pub use json::parse_json;
pub use node::{Member, Node, ParseError, Span, Value, decode_utf8};
pub use toml::parse_toml;
pub use yaml::parse_yaml;
