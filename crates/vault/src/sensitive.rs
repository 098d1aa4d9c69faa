use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroize;

/// A secret value. It prints as `<redacted>`, refuses to serialize, and is wiped from memory
/// when dropped. The only way to the value is [`Sensitive::expose`], which makes every use of a
/// secret visible in review.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Sensitive<T: Zeroize>(T);

impl<T: Zeroize> Sensitive<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T: Zeroize> Drop for Sensitive<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<T: Zeroize> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T: Zeroize> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T: Zeroize> Serialize for Sensitive<T> {
    fn serialize<S: Serializer>(&self, _serializer: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom(
            "a secret value cannot be serialized",
        ))
    }
}

/// Secrets may be read (from standard input, from the keychain's own JSON), never written out.
impl<'de, T: Zeroize + Deserialize<'de>> Deserialize<'de> for Sensitive<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Sensitive)
    }
}

impl From<String> for Sensitive<String> {
    fn from(value: String) -> Self {
        Sensitive(value)
    }
}

impl From<&str> for Sensitive<String> {
    fn from(value: &str) -> Self {
        Sensitive(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_shows_or_serializes_its_value() {
        let secret = Sensitive::from("hunter2");
        assert_eq!(format!("{secret:?} {secret}"), "<redacted> <redacted>");
        assert_eq!(format!("{:?}", Some(&secret)), "Some(<redacted>)");
        let error = serde_json::to_string(&secret).unwrap_err();
        assert!(error.to_string().contains("cannot be serialized"));
        assert_eq!(secret.expose(), "hunter2");
        let read: Sensitive<String> = serde_json::from_str("\"s3cr3t\"").unwrap();
        assert_eq!(read.expose(), "s3cr3t");
    }
}
