//! Outages: placeholder.
