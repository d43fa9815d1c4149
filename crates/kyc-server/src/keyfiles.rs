//! Master key files on disk: the active key, and the retired keys kept next
//! to it during a rotation (`<key file>.retired-<key id>`), which every
//! instance loads so it can still open envelopes not yet rewrapped.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use kyc_vault::{Keyring, MasterKey};

use crate::settings::Settings;

/// The key file the active master key is read from, or `None` when it
/// comes from `KYC_MASTER_KEY` itself.
pub fn key_file_path(settings: &Settings) -> Option<PathBuf> {
    if settings.master_key.is_some() {
        return None;
    }
    Some(
        settings
            .master_key_file
            .clone()
            .unwrap_or_else(|| settings.data_dir.join("master.key")),
    )
}

/// Where a retired key is kept while envelopes still need it.
pub fn retired_path(key_file: &Path, key: &MasterKey) -> PathBuf {
    let mut name = key_file
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "master.key".into());
    name.push(format!(".retired-{}", key.id()));
    key_file.with_file_name(name)
}

/// Every `<key file>.retired-*` beside `key_file`, sorted.
pub fn retired_key_files(key_file: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let Some(name) = key_file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
    else {
        return Ok(Vec::new());
    };
    let prefix = format!("{name}.retired-");
    let dir = match key_file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot list {}", dir.display())),
    };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect();
    found.sort();
    Ok(found)
}

pub fn read_key_file(path: &Path) -> anyhow::Result<MasterKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read master key {}", path.display()))?;
    MasterKey::from_hex(&text).with_context(|| format!("master key {} is invalid", path.display()))
}

/// `active` plus every retired key found beside the key file.
pub fn keyring_with_retired(active: MasterKey, settings: &Settings) -> anyhow::Result<Keyring> {
    let mut keyring = Keyring::new(active);
    if let Some(path) = key_file_path(settings) {
        for retired in retired_key_files(&path)? {
            let key = read_key_file(&retired)?;
            tracing::info!(key_id = %key.id(), "loaded a retired master key");
            keyring = keyring.with_retired(key);
        }
    }
    Ok(keyring)
}

/// Writes `key` to `path` (0600) through a temporary file and a rename, so
/// a crash leaves either the old or the new key file, never half of one.
pub fn write_key_file(path: &Path, key: &MasterKey) -> anyhow::Result<()> {
    let tmp = path.with_file_name(format!(
        ".{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(&tmp)
        .with_context(|| format!("cannot create {}", tmp.display()))?;
    file.write_all(key.to_hex().as_bytes())?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))?;
    if let Some(dir) = path.parent() {
        if let Ok(dir) = std::fs::File::open(dir) {
            let _ = dir.sync_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retired_keys_beside_the_key_file_join_the_keyring() {
        let dir = tempfile_dir();
        let file = dir.join("master.key");
        let active = MasterKey::generate();
        let old = MasterKey::generate();
        write_key_file(&file, &active).unwrap();
        write_key_file(&retired_path(&file, &old), &old).unwrap();
        std::fs::write(dir.join("other.key.retired-x"), "not ours").unwrap();
        let found = retired_key_files(&file).unwrap();
        assert_eq!(found, vec![retired_path(&file, &old)]);

        let settings = Settings {
            data_dir: dir.clone(),
            ..Settings::default()
        };
        let keyring = keyring_with_retired(read_key_file(&file).unwrap(), &settings).unwrap();
        let sealed = Keyring::new(old).seal(b"hello", b"aad").unwrap();
        assert_eq!(
            keyring
                .open(&sealed.envelope, &sealed.object, b"aad")
                .unwrap(),
            b"hello"
        );
        assert_eq!(keyring.active_id(), active.id());
        let _ = std::fs::remove_dir_all(dir);
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("kyc-keyfiles-{}", uuid_like()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn uuid_like() -> String {
        use rand::Rng;
        format!("{:016x}", rand::thread_rng().gen::<u64>())
    }
}
