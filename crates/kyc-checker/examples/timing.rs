//! Where the time goes for one file: `cargo run --release -p kyc-checker --example timing -- FILE`.

use std::time::Instant;

use kyc_checker::{decode, CheckRequest, Limits};

fn main() {
    let path = std::env::args().nth(1).expect("usage: timing FILE");
    let bytes = std::fs::read(path).expect("read");
    let limits = Limits::default();
    let time = |label: &str, f: &mut dyn FnMut()| {
        // The minimum of many runs: the machine is shared, and only the
        // fastest run is free of other people's work.
        let best = (0..15)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1000.0
            })
            .fold(f64::INFINITY, f64::min);
        println!("{label:>16}: {best:.1} ms");
    };
    time("reduced decode", &mut || {
        decode::decode_analysis(&bytes, &limits, 800, true).unwrap();
    });
    time("full decode", &mut || {
        decode::decode_full(&bytes, &limits).unwrap();
    });
    time("zune full", &mut || {
        image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).unwrap();
    });
    let analysis = decode::decode_analysis(&bytes, &limits, 800, true)
        .unwrap()
        .0;
    let region = kyc_checker::document::Region::whole(&analysis.image);
    time("measure", &mut || {
        kyc_checker::quality::measure(&region);
    });
    let request = CheckRequest::new(kyc_core::DocumentKind::Identity, chrono::NaiveDate::MIN);
    let opts = kyc_checker::CheckOptions {
        full_image: kyc_checker::FullImage::Never,
        ..Default::default()
    };
    time("check (no full)", &mut || {
        kyc_checker::check_with(&bytes, &request, &opts);
    });
    time("check", &mut || {
        kyc_checker::check(&bytes, &request);
    });
}
