//! End-to-end tests: a real `kyc` service on a random port, a fresh data dir
//! and database per test, driven over HTTP. One binary, so the suite links once.

mod bad_input;
mod cases;
mod fixtures;
mod helpers;
mod jobs;
mod keys;
mod outages;
mod review;
mod review_authz;
mod review_random;
mod review_sla;
mod uploads;
