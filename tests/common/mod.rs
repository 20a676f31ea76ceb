//! What the CLI test binaries share: files they write for the CLI to read.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A directory of one test's own under the system temp directory, removed with its
/// contents when dropped.
///
/// One per test rather than one per process: the tests of a binary run in parallel,
/// and a directory they shared could not be removed by any one of them.
pub struct ScratchDir(PathBuf);

impl ScratchDir {
    pub fn new(label: &str) -> ScratchDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let unique = format!(
            "deskguard-{label}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let dir = std::env::temp_dir().join(unique);
        std::fs::create_dir_all(&dir).unwrap();
        ScratchDir(dir)
    }

    /// Where `name` would be in this directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Writes `contents` to `name` in this directory and returns its path.
    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
