//! Checks kyc-jpeg against zune-jpeg on real files: the largest luma
//! difference per file (two integer IDCTs may round one level apart), or
//! what kyc-jpeg refused.
//!
//!   cargo run --release -p kyc-jpeg --example agree -- FILE.jpg...
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;

fn main() {
    for path in std::env::args().skip(1) {
        let Ok(bytes) = std::fs::read(&path) else {
            println!("{path}: unreadable");
            continue;
        };
        let options = DecoderOptions::default().jpeg_set_out_colorspace(ColorSpace::Luma);
        let theirs =
            zune_jpeg::JpegDecoder::new_with_options(std::io::Cursor::new(&bytes), options)
                .decode();
        match (kyc_jpeg::decode(&bytes, u64::MAX), theirs) {
            (Ok(ours), Ok(theirs)) => {
                let y = &ours.planes[0].data;
                let worst = y.iter().zip(&theirs).map(|(a, b)| a.abs_diff(*b)).max();
                let same_size = y.len() == theirs.len();
                println!("{path}: luma max difference {worst:?}, sizes agree {same_size}, subsampling {:?}", ours.subsampling);
            }
            (Err(e), _) => println!("{path}: kyc-jpeg: {e}"),
            (_, Err(e)) => println!("{path}: zune-jpeg: {e:?}"),
        }
    }
}
