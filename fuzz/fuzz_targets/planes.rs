//! The planar JPEG decoder alone, at thousands of inputs a second: any
//! bytes give planes or an error, never a panic, and nothing is allocated
//! past the pixel limit.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(image) = kyc_jpeg::decode(data, 4_000_000) {
        // The planes are as large as the header says, no more.
        for (plane, &(sx, sy)) in image.planes.iter().zip(&image.subsampling) {
            assert_eq!(plane.data.len(), plane.width * plane.height);
            assert_eq!(plane.width, image.width.div_ceil(sx));
            assert_eq!(plane.height, image.height.div_ceil(sy));
        }
    }
});
