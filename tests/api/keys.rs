//! `kyc keys rotate` end to end: upload, rotate with the real binary, then
//! decrypt every object under the new key, objects untouched.

use std::path::Path;
use std::process::Command;

use kyc_store::Database;
use kyc_vault::{Envelope, Keyring, LocalDiskStore, MasterKey, ObjectStore};
use sha2::{Digest, Sha256};

use crate::fixtures;
use crate::helpers::*;

/// Runs `kyc` on the data dir (and database URL, for PostgreSQL) with no
/// other `KYC_*` settings from the environment.
fn kyc(data_dir: &Path, database_url: Option<&str>, args: &[&str]) -> (bool, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kyc"));
    for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("KYC_")) {
        command.env_remove(name);
    }
    if let Some(url) = database_url {
        command.env("KYC_DATABASE_URL", url);
    }
    let output = command
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env("RUST_LOG", "warn")
        .output()
        .expect("kyc runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

fn key_in(path: &Path) -> MasterKey {
    MasterKey::from_hex(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every document's plaintext SHA-256 (hex), decrypted with `keyring`.
async fn decrypt_all(
    db: &Database,
    objects: &LocalDiskStore,
    keyring: &Keyring,
    case_id: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    for doc in db
        .documents_of_case(case_id.parse().unwrap())
        .await
        .unwrap()
    {
        let envelope =
            Envelope::from_parts(&doc.key_id, doc.wrapped_key.clone().unwrap(), &doc.nonce)
                .unwrap();
        let object = objects.get(&doc.object_key.parse().unwrap()).await.unwrap();
        let plain = keyring
            .open(&envelope, &object, doc.id.to_string().as_bytes())
            .expect("opens under the new key");
        out.push(hex::encode(Sha256::digest(&plain)));
    }
    out.sort();
    out
}

on_both_engines!(
    rotation_rewraps_every_key_and_leaves_objects_alone,
    |engine| async move {
        let app = spawn_app_with(engine, |s| s.workers = Some(0)).await;
        let case = app.open_default_case().await;
        let photos = [fixtures::jpeg(11), fixtures::png(12)];
        for (kind, photo) in ["identity", "card"].iter().zip(&photos) {
            let response = app
                .upload(&case, kind, "application/octet-stream", photo.clone())
                .await;
            assert_eq!(response.status(), 201);
        }
        let objects_before = app.stored_objects();
        let (data_dir, database) = app.stop_keeping_data().await;
        let dir = data_dir.path();
        let url = database.as_ref().map(|d| d.url.clone());
        let key_file = dir.join("master.key");
        let old = key_in(&key_file);

        let (ok, out) = kyc(dir, url.as_deref(), &["keys", "rotate", "--keep-retired"]);
        assert!(ok, "{out}");
        assert!(out.contains("rewrapped 2 document keys"), "{out}");
        let new = key_in(&key_file);
        assert_ne!(new.id(), old.id());
        let retired = dir.join(format!("master.key.retired-{}", old.id()));
        assert!(retired.exists(), "--keep-retired keeps the old key: {out}");

        let db = Database::connect(
            &url.clone()
                .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", dir.join("kyc.db").display())),
        )
        .await
        .unwrap();
        let objects = LocalDiskStore::open(dir.join("objects")).unwrap();
        // Only the new key is needed now; the old one alone opens nothing.
        let sums = decrypt_all(&db, &objects, &Keyring::new(new.clone()), &case.id).await;
        let mut expected: Vec<String> = photos
            .iter()
            .map(|p| hex::encode(Sha256::digest(p)))
            .collect();
        expected.sort();
        assert_eq!(sums, expected);
        for doc in db
            .documents_of_case(case.id.parse().unwrap())
            .await
            .unwrap()
        {
            assert_eq!(doc.key_id, new.id().to_string());
            let envelope =
                Envelope::from_parts(&doc.key_id, doc.wrapped_key.clone().unwrap(), &doc.nonce)
                    .unwrap();
            let object = objects.get(&doc.object_key.parse().unwrap()).await.unwrap();
            assert!(Keyring::new(old.clone())
                .open(&envelope, &object, doc.id.to_string().as_bytes())
                .is_err());
        }
        db.close().await;

        // The objects were never rewritten.
        let restart = spawn_app_on(data_dir, database, |s| s.workers = Some(0)).await;
        assert_eq!(restart.stored_objects(), objects_before);
        // A server started now (old key still retired beside it) serves and stores.
        let response = restart
            .upload(&case, "address", "image/jpeg", fixtures::jpeg(13))
            .await;
        assert_eq!(response.status(), 201);
        let (data_dir, database) = restart.stop_keeping_data().await;

        // Finishing: nothing left under the old key, so its file goes.
        let (ok, out) = kyc(data_dir.path(), url.as_deref(), &["keys", "rewrap"]);
        assert!(ok, "{out}");
        assert!(out.contains("rewrapped 0 document keys"), "{out}");
        assert!(
            !retired.exists(),
            "the retired key is removed once unused: {out}"
        );
        if let Some(db) = database {
            db.cleanup().await;
        }
    }
);

#[tokio::test]
async fn rotation_without_a_key_file_is_refused_and_creates_none() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = kyc(dir.path(), None, &["keys", "rotate"]);
    assert!(!ok);
    assert!(out.contains("no master key"), "{out}");
    assert!(!dir.path().join("master.key").exists());
}
