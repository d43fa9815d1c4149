//! Any bytes through the whole decode path and the checks must give a
//! verdict, never a panic, and never allocate past the limits.
#![no_main]

use kyc_checker::{check, decode, CheckRequest, Limits};
use kyc_core::DocumentKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_bytes: 1 << 20,
        max_pixels: 4_000_000,
    };
    let _ = decode::header_dimensions(data);
    let _ = decode::decode_full(data, &limits);
    // The planar decoder on its own: every file, whatever its size.
    let _ = kyc_jpeg::decode(data, limits.max_pixels);
    let mut request = CheckRequest::new(DocumentKind::Identity, chrono::NaiveDate::MIN);
    request.limits = limits;
    let _ = check(data, &request);
});
