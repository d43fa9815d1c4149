//! Times the two entry points on one photo (downscaled to 800 px), for
//! profiling: finder_bench IMAGE [RUNS].

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("finder_bench IMAGE [RUNS]");
    let runs: u32 = args.next().and_then(|v| v.parse().ok()).unwrap_or(30);
    let img = image::open(&path).expect("image").thumbnail(800, 800);
    let (rgb, gray) = (img.to_rgb8(), img.to_luma8());
    let grey_run = || kyc_finder::find_document(&gray).is_some();
    let rgb_run = || kyc_finder::find_document_rgb(&rgb).is_some();
    let entries: [(&str, &dyn Fn() -> bool); 2] = [("grey", &grey_run), ("rgb", &rgb_run)];
    for (name, f) in entries {
        let t = Instant::now();
        let found = (0..runs).filter(|_| f()).count();
        let ms = t.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);
        println!("{name}: {ms:.1} ms/run, found {found}/{runs}");
    }
}
