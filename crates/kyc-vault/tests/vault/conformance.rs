//! Behaviour every `ObjectStore` must share, run against each implementation.

use bytes::Bytes;
use kyc_vault::{Keyring, ObjectKey, ObjectStore, StoreError};

fn key(s: &str) -> ObjectKey {
    s.parse().unwrap()
}

/// Exercises `store` using only keys under `prefix` (which must end in `/`),
/// so runs against a shared bucket do not interfere with each other. Leaves
/// nothing behind.
pub async fn run(store: &dyn ObjectStore, prefix: &str) {
    store.check().await.expect("check on a healthy store");

    let missing = key(&format!("{prefix}missing.bin"));
    match store.get(&missing).await {
        Err(StoreError::NotFound(k)) => assert_eq!(k, missing),
        other => panic!("get of absent key: expected NotFound, got {other:?}"),
    }
    assert!(
        store.list(prefix).await.unwrap().is_empty(),
        "prefix not empty at start"
    );

    // Put, get, overwrite.
    let doc = key(&format!("{prefix}case-1/doc-a.kyce"));
    store.put(&doc, Bytes::from_static(b"first")).await.unwrap();
    assert_eq!(store.get(&doc).await.unwrap(), Bytes::from_static(b"first"));
    store
        .put(&doc, Bytes::from_static(b"second version"))
        .await
        .unwrap();
    assert_eq!(
        store.get(&doc).await.unwrap(),
        Bytes::from_static(b"second version")
    );

    // Empty, binary and larger objects come back byte for byte.
    let empty = key(&format!("{prefix}case-1/empty"));
    store.put(&empty, Bytes::new()).await.unwrap();
    assert_eq!(store.get(&empty).await.unwrap().len(), 0);
    let big: Vec<u8> = (0..3 * 1024 * 1024 + 17)
        .map(|i: u32| (i * 31 % 251) as u8)
        .collect();
    let large = key(&format!("{prefix}case-2/deep/nested/large.bin"));
    store.put(&large, Bytes::from(big.clone())).await.unwrap();
    assert_eq!(store.get(&large).await.unwrap(), big);

    // A sealed document survives the trip through the store.
    let keyring = Keyring::for_testing();
    let sealed = keyring.seal(b"passport photo", b"doc-7").unwrap();
    let sealed_key = key(&format!("{prefix}case-3/doc-7.kyce"));
    store
        .put(&sealed_key, Bytes::from(sealed.object.clone()))
        .await
        .unwrap();
    let fetched = store.get(&sealed_key).await.unwrap();
    assert_eq!(
        keyring.open(&sealed.envelope, &fetched, b"doc-7").unwrap(),
        b"passport photo"
    );

    // Concurrent puts to distinct keys all land.
    let c1 = key(&format!("{prefix}case-4/c1"));
    let c2 = key(&format!("{prefix}case-4/c2"));
    let c3 = key(&format!("{prefix}case-4/c3"));
    let (r1, r2, r3) = tokio::join!(
        store.put(&c1, Bytes::from_static(b"1")),
        store.put(&c2, Bytes::from_static(b"2")),
        store.put(&c3, Bytes::from_static(b"3")),
    );
    r1.unwrap();
    r2.unwrap();
    r3.unwrap();
    assert_eq!(store.get(&c2).await.unwrap(), Bytes::from_static(b"2"));

    // Listing: exact set, sorted, string-prefix filtered.
    let mut all = vec![
        doc.clone(),
        empty.clone(),
        large.clone(),
        sealed_key.clone(),
        c1,
        c2,
        c3,
    ];
    all.sort();
    assert_eq!(store.list(prefix).await.unwrap(), all);
    assert_eq!(
        store.list(&format!("{prefix}case-1/")).await.unwrap(),
        vec![doc.clone(), empty.clone()]
    );
    assert_eq!(
        store.list(&format!("{prefix}case-1/doc")).await.unwrap(),
        vec![doc.clone()]
    );
    assert_eq!(
        store.list(&format!("{prefix}case-2/de")).await.unwrap(),
        vec![large.clone()]
    );
    assert!(store
        .list(&format!("{prefix}case-9"))
        .await
        .unwrap()
        .is_empty());

    // Delete is idempotent and takes the key out of get and list.
    store.delete(&doc).await.unwrap();
    store.delete(&doc).await.unwrap();
    store.delete(&missing).await.unwrap();
    assert!(matches!(
        store.get(&doc).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        store.list(&format!("{prefix}case-1/")).await.unwrap(),
        vec![empty.clone()]
    );

    for k in store.list(prefix).await.unwrap() {
        store.delete(&k).await.unwrap();
    }
    assert!(
        store.list(prefix).await.unwrap().is_empty(),
        "cleanup left objects"
    );
}
