//! Seal/open throughput on a 2 MiB buffer (a typical phone photo).
//!
//! `cargo run --release -p kyc-vault --no-default-features --example throughput`

use std::time::Instant;

use kyc_vault::Keyring;

const SIZE: usize = 2 * 1024 * 1024;
const ROUNDS: u32 = 200;

fn main() -> Result<(), kyc_vault::VaultError> {
    let keyring = Keyring::for_testing();
    let plaintext: Vec<u8> = (0..SIZE).map(|i| (i % 251) as u8).collect();
    let aad = b"doc-bench";

    let mut sealed = keyring.seal(&plaintext, aad)?;
    let started = Instant::now();
    for _ in 0..ROUNDS {
        sealed = keyring.seal(&plaintext, aad)?;
    }
    let seal_secs = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut opened = Vec::new();
    for _ in 0..ROUNDS {
        opened = keyring.open(&sealed.envelope, &sealed.object, aad)?;
    }
    let open_secs = started.elapsed().as_secs_f64();
    assert_eq!(opened, plaintext);

    let mb = (SIZE as f64 * f64::from(ROUNDS)) / 1e6;
    println!(
        "2 MiB x {ROUNDS}: seal {:.0} MB/s ({:.2} ms/object), open {:.0} MB/s ({:.2} ms/object)",
        mb / seal_secs,
        seal_secs * 1e3 / f64::from(ROUNDS),
        mb / open_secs,
        open_secs * 1e3 / f64::from(ROUNDS),
    );
    Ok(())
}
