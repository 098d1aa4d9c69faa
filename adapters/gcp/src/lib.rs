//! Functory's Google Cloud adapter (sign-in arrives in the next commit).
