//! Helpers shared by the integration tests that run the binary on fixture roots.

pub mod fake_root;

use std::path::{Path, PathBuf};
use std::process::Command;

/// `tests/fixtures/NAME`, a root shaped like a real system.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A writable copy of a fixture root (modes kept), for cases that change or break it.
pub fn copy_fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let status = Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", fixture(name).display()))
        .arg(dir.path())
        .status()
        .expect("running cp -a");
    assert!(status.success(), "copying fixture {name}");
    dir
}
