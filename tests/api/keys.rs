//! Keys: placeholder.
