use std::os::unix::fs::PermissionsExt;

use bytes::Bytes;
use kyc_vault::{LocalDiskStore, MemoryStore, ObjectKey, ObjectStore, StoreError};

use crate::conformance;

#[tokio::test]
async fn memory_store_conforms() {
    conformance::run(&MemoryStore::default(), "t/").await;
}

#[tokio::test]
async fn local_disk_store_conforms() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDiskStore::open(dir.path().join("objects")).unwrap();
    conformance::run(&store, "t/").await;
    // The same store also works at the root, with no prefix directory.
    conformance::run(&store, "").await;
}

#[tokio::test]
async fn local_disk_store_files_are_private_and_temp_free() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("objects");
    let store = LocalDiskStore::open(&root).unwrap();
    assert_eq!(mode(&root), 0o700);

    let key: ObjectKey = "case-1/doc.kyce".parse().unwrap();
    store
        .put(&key, Bytes::from_static(b"ciphertext"))
        .await
        .unwrap();
    let file = store.root().join("case-1").join("doc.kyce");
    assert_eq!(std::fs::read(&file).unwrap(), b"ciphertext");
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(&store.root().join("case-1")), 0o700);

    let names: Vec<_> = std::fs::read_dir(store.root().join("case-1"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec!["doc.kyce"], "temp file left behind");
    store.check().await.unwrap();
    assert_eq!(
        std::fs::read_dir(store.root()).unwrap().count(),
        1,
        "probe left behind"
    );
}

#[tokio::test]
async fn local_disk_store_ignores_crash_leftovers_and_strays() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDiskStore::open(dir.path()).unwrap();
    let key: ObjectKey = "a/real".parse().unwrap();
    store.put(&key, Bytes::from_static(b"x")).await.unwrap();
    // What a crash between create and rename leaves, plus files that no
    // valid key could name.
    std::fs::write(store.root().join("a/.~tmp-deadbeef"), b"half").unwrap();
    std::fs::write(store.root().join("a/UPPER"), b"stray").unwrap();
    std::os::unix::fs::symlink("/etc/hostname", store.root().join("a/link")).unwrap();
    assert_eq!(store.list("").await.unwrap(), vec![key]);
}

#[tokio::test]
async fn local_disk_store_treats_file_dir_clashes_as_absent() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDiskStore::open(dir.path()).unwrap();
    let file: ObjectKey = "a/b".parse().unwrap();
    store.put(&file, Bytes::from_static(b"x")).await.unwrap();
    let under_file: ObjectKey = "a/b/c".parse().unwrap();
    let dir_key: ObjectKey = "a".parse().unwrap();
    assert!(matches!(
        store.get(&under_file).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.get(&dir_key).await,
        Err(StoreError::NotFound(_))
    ));
    store.delete(&under_file).await.unwrap();
    // Writing beneath a file cannot succeed on a file system; it must fail
    // cleanly rather than clobber the existing object.
    assert!(matches!(
        store.put(&under_file, Bytes::from_static(b"y")).await,
        Err(StoreError::Unavailable(_))
    ));
    assert_eq!(store.get(&file).await.unwrap(), Bytes::from_static(b"x"));
}

#[tokio::test]
async fn local_disk_store_reports_a_missing_root_as_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDiskStore::open(dir.path().join("gone")).unwrap();
    std::fs::remove_dir(store.root()).unwrap();
    assert!(matches!(
        store.check().await,
        Err(StoreError::Unavailable(_))
    ));
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}
