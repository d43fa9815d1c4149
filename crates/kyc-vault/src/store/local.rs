//! Objects as files under a root directory, written atomically.

use std::fs::{self, File, OpenOptions};
use std::io::{self, ErrorKind, Write};
use std::path::{Path, PathBuf};

use bytes::Bytes;

use super::{is_valid_segment, ObjectKey, ObjectStore, StoreError};

/// Temp files start with `.~`, which no valid key segment can contain, so a
/// crash mid-write can never leave something `get` or `list` would return.
const TEMP_PREFIX: &str = ".~tmp-";

/// Each key maps to `root/<segment>/.../<segment>`. Validated keys cannot
/// name `..` or an absolute path, so nothing is ever written outside `root`.
/// Files are created 0600 and directories 0700: the contents are ciphertext,
/// but their names and sizes are still nobody else's business.
#[derive(Debug, Clone)]
pub struct LocalDiskStore {
    root: PathBuf,
}

impl LocalDiskStore {
    /// Uses `root`, creating it (0700) if missing.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let root = root.into();
        dir_builder()
            .create(&root)
            .map_err(|e| unavailable("create root", &root, e))?;
        let root = root
            .canonicalize()
            .map_err(|e| unavailable("resolve root", &root, e))?;
        Ok(Self { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, key: &ObjectKey) -> PathBuf {
        let mut path = self.root.clone();
        path.extend(key.segments());
        path
    }
}

#[async_trait::async_trait]
impl ObjectStore for LocalDiskStore {
    async fn put(&self, key: &ObjectKey, bytes: Bytes) -> Result<(), StoreError> {
        let root = self.root.clone();
        let key = key.clone();
        blocking(move || write_atomically(&root, &key, &bytes)).await
    }

    async fn get(&self, key: &ObjectKey) -> Result<Bytes, StoreError> {
        let path = self.path(key);
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Bytes::from(bytes)),
            Err(e) if is_absent(&e) => Err(StoreError::NotFound(key.clone())),
            Err(e) => Err(unavailable("read", &path, e)),
        }
    }

    async fn delete(&self, key: &ObjectKey) -> Result<(), StoreError> {
        let path = self.path(key);
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if is_absent(&e) => Ok(()),
            Err(e) => Err(unavailable("delete", &path, e)),
        }
    }

    async fn list(&self, prefix: &str) -> Result<Vec<ObjectKey>, StoreError> {
        let root = self.root.clone();
        let prefix = prefix.to_owned();
        blocking(move || {
            let mut keys = Vec::new();
            walk(&root, "", &prefix, &mut keys)?;
            keys.sort();
            Ok(keys)
        })
        .await
    }

    async fn check(&self) -> Result<(), StoreError> {
        // Writing a probe catches a read-only remount or a full disk, which
        // a bare `metadata` call would not.
        let root = self.root.clone();
        blocking(move || {
            let probe = root.join(format!("{TEMP_PREFIX}probe-{}", random_suffix()));
            create_private(&probe)
                .and_then(|mut f| f.write_all(b"ok"))
                .map_err(|e| unavailable("probe", &root, e))?;
            fs::remove_file(&probe).map_err(|e| unavailable("remove probe", &probe, e))
        })
        .await
    }
}

/// temp file in the target directory -> write -> fsync -> rename -> fsync
/// directory. The rename is atomic on POSIX file systems, and the directory
/// fsync makes the new name itself survive a crash.
fn write_atomically(root: &Path, key: &ObjectKey, bytes: &[u8]) -> Result<(), StoreError> {
    let segments: Vec<&str> = key.segments().collect();
    let (file_name, dirs) = segments
        .split_last()
        .ok_or_else(|| StoreError::InvalidKey("empty object key".to_owned()))?;
    let dir = create_dirs(root, dirs)?;
    let target = dir.join(file_name);
    let temp = dir.join(format!("{TEMP_PREFIX}{}", random_suffix()));

    let written = create_private(&temp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    if let Err(e) = written.and_then(|()| fs::rename(&temp, &target)) {
        let _ = fs::remove_file(&temp);
        return Err(unavailable("write", &target, e));
    }
    sync_dir(&dir).map_err(|e| unavailable("sync directory", &dir, e))
}

/// Creates missing directories one level at a time so each new entry can be
/// made durable by syncing its parent.
fn create_dirs(root: &Path, dirs: &[&str]) -> Result<PathBuf, StoreError> {
    let mut dir = root.to_path_buf();
    for segment in dirs {
        let parent = dir.clone();
        dir.push(segment);
        match dir_builder().create(&dir) {
            Ok(()) => sync_dir(&parent).map_err(|e| unavailable("sync directory", &parent, e))?,
            Err(e) if e.kind() == ErrorKind::AlreadyExists && dir.is_dir() => {}
            Err(e) => return Err(unavailable("create directory", &dir, e)),
        }
    }
    Ok(dir)
}

/// Depth-first listing of `dir` (whose key prefix is `rel`), descending only
/// where keys starting with `prefix` can live. Symlinks and names that are
/// not valid key segments (temp files, strays) are skipped.
fn walk(dir: &Path, rel: &str, prefix: &str, out: &mut Vec<ObjectKey>) -> Result<(), StoreError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if is_absent(&e) => return Ok(()),
        Err(e) => return Err(unavailable("list", dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| unavailable("list", dir, e))?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if !is_valid_segment(&name) {
            continue;
        }
        let key = format!("{rel}{name}");
        let file_type = entry.file_type().map_err(|e| unavailable("list", dir, e))?;
        if file_type.is_dir() {
            let sub = format!("{key}/");
            if sub.starts_with(prefix) || prefix.starts_with(&sub) {
                walk(&entry.path(), &sub, prefix, out)?;
            }
        } else if file_type.is_file() && key.starts_with(prefix) {
            if let Ok(key) = key.parse() {
                out.push(key);
            }
        }
    }
    Ok(())
}

fn create_private(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

fn dir_builder() -> fs::DirBuilder {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn random_suffix() -> String {
    let mut bytes = [0u8; 8];
    // A failed RNG only weakens uniqueness; `create_new` still refuses to
    // reuse an existing name, so the write fails instead of clobbering.
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    hex::encode(bytes)
}

/// "Not there" in any of the ways a path can be missing: no such file, or a
/// path component that is a file (or the target a directory).
fn is_absent(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::NotFound | ErrorKind::NotADirectory | ErrorKind::IsADirectory
    )
}

fn unavailable(op: &str, path: &Path, e: io::Error) -> StoreError {
    StoreError::Unavailable(format!("{op} {}: {e}", path.display()))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Unavailable(format!("blocking task failed: {e}")))?
}
