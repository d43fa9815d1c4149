//! `S3Store` against a real server: `eval "$(scripts/garage.sh)"` first.

use std::time::{Duration, Instant};

use kyc_vault::{ObjectKey, ObjectStore, S3Config, S3Store, StoreError};

use crate::conformance;

fn unique_prefix(label: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("test-{label}-{}-{nanos}/", std::process::id())
}

/// The S3 settings from `scripts/garage.sh` (or any S3 server), if set.
fn s3_config_from_env() -> Option<S3Config> {
    let endpoint = std::env::var("KYC_TEST_S3_ENDPOINT").ok()?;
    let bucket = std::env::var("KYC_TEST_S3_BUCKET").ok()?;
    let region = std::env::var("KYC_TEST_S3_REGION").unwrap_or_else(|_| "garage".to_owned());
    Some(S3Config {
        bucket,
        endpoint: Some(endpoint),
        region,
        force_path_style: true,
    })
}

#[tokio::test]
async fn s3_store_conforms() {
    let Some(config) = s3_config_from_env() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but KYC_TEST_S3_ENDPOINT / KYC_TEST_S3_BUCKET are not: run scripts/garage.sh"
        );
        eprintln!("s3_store_conforms skipped: no S3 configured (eval \"$(scripts/garage.sh)\")");
        return;
    };
    let store = S3Store::connect(config).await.unwrap();
    conformance::run(&store, &unique_prefix("s3")).await;
}

#[tokio::test]
async fn s3_store_outage_fails_fast_as_unavailable() {
    // Nothing listens on port 9 of localhost; whatever the credentials, the
    // store must answer Unavailable well within the operation timeout.
    let store = S3Store::connect(S3Config {
        bucket: "kyc-docs".to_owned(),
        endpoint: Some("http://127.0.0.1:9".to_owned()),
        region: "garage".to_owned(),
        force_path_style: true,
    })
    .await
    .unwrap();
    let started = Instant::now();
    let key: ObjectKey = "a/b".parse().unwrap();
    let err = store.check().await.unwrap_err();
    eprintln!("outage check error: {err}");
    assert!(matches!(err, StoreError::Unavailable(_)));
    assert!(matches!(
        store.get(&key).await,
        Err(StoreError::Unavailable(_))
    ));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn s3_store_missing_bucket_is_unavailable() {
    let Some(mut config) = s3_config_from_env() else {
        eprintln!("s3_store_missing_bucket_is_unavailable skipped: no S3 configured");
        return;
    };
    config.bucket = "kyc-no-such-bucket".to_owned();
    let store = S3Store::connect(config).await.unwrap();
    assert!(matches!(
        store.check().await,
        Err(StoreError::Unavailable(_))
    ));
}
