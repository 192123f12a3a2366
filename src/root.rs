//! The one door to the system's files.
//!
//! Everything that reads the system goes through a [`SysRoot`], opened once in `main`. Tests and
//! image builders point it at a directory tree (`--root DIR`); on a real server it is `/`. Paths
//! are always given as the system sees them (`/boot/grub/grub.conf`); the root strips the leading
//! `/`, refuses `..`, and keeps the system path for messages. Never `Path::join` a root with a
//! path read from a file: `join` with an absolute path silently drops the root.

use std::fs;
use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context, Result};

/// A directory that stands for `/`.
#[derive(Debug, Clone)]
pub struct SysRoot {
    base: PathBuf,
}

impl SysRoot {
    /// A root at `base` (`/` for the running system).
    pub fn new(base: impl Into<PathBuf>) -> Self {
        SysRoot { base: base.into() }
    }

    /// True when this root is the running system's `/`.
    pub fn is_host(&self) -> bool {
        self.base == Path::new("/")
    }

    /// The directory that stands for `/`.
    pub fn base(&self) -> &Path {
        &self.base
    }

    /// Where the system path `sys_path` lives on this machine. `sys_path` must be absolute
    /// and must not contain `..`.
    pub fn host_path(&self, sys_path: &str) -> Result<PathBuf> {
        let p = Path::new(sys_path);
        if !p.is_absolute() {
            bail!("{sys_path}: not an absolute path");
        }
        let mut out = self.base.clone();
        for c in p.components() {
            match c {
                Component::RootDir | Component::CurDir => {}
                Component::Normal(part) => out.push(part),
                Component::ParentDir => bail!("{sys_path}: paths with \"..\" are refused"),
                Component::Prefix(_) => bail!("{sys_path}: not a Unix path"),
            }
        }
        Ok(out)
    }

    /// The whole file as text (invalid UTF-8 is replaced, never fatal).
    pub fn read_to_string(&self, sys_path: &str) -> Result<String> {
        let bytes = self.read(sys_path)?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// The whole file as bytes.
    pub fn read(&self, sys_path: &str) -> Result<Vec<u8>> {
        let host = self.host_path(sys_path)?;
        fs::read(&host).with_context(|| format!("reading {sys_path}"))
    }

    /// True when the path exists (following symlinks inside the tree as the OS does).
    pub fn exists(&self, sys_path: &str) -> bool {
        self.host_path(sys_path)
            .map(|p| p.exists())
            .unwrap_or(false)
    }

    /// True when the path is a regular file (after symlinks).
    pub fn is_file(&self, sys_path: &str) -> bool {
        self.host_path(sys_path)
            .map(|p| p.is_file())
            .unwrap_or(false)
    }

    /// True when the path is a directory (after symlinks).
    pub fn is_dir(&self, sys_path: &str) -> bool {
        self.host_path(sys_path)
            .map(|p| p.is_dir())
            .unwrap_or(false)
    }

    /// Metadata of the path (after symlinks).
    pub fn metadata(&self, sys_path: &str) -> Result<fs::Metadata> {
        let host = self.host_path(sys_path)?;
        fs::metadata(&host).with_context(|| format!("reading the attributes of {sys_path}"))
    }

    /// The names in a directory, sorted bytewise.
    pub fn read_dir_names(&self, sys_path: &str) -> Result<Vec<String>> {
        let host = self.host_path(sys_path)?;
        let mut names = Vec::new();
        for ent in fs::read_dir(&host).with_context(|| format!("listing {sys_path}"))? {
            let ent = ent.with_context(|| format!("listing {sys_path}"))?;
            names.push(ent.file_name().to_string_lossy().into_owned());
        }
        names.sort();
        Ok(names)
    }

    /// The system path a symlink inside the tree points to, resolved to an absolute
    /// system path (relative targets are taken from the link's directory).
    pub fn read_link(&self, sys_path: &str) -> Result<String> {
        let host = self.host_path(sys_path)?;
        let target =
            fs::read_link(&host).with_context(|| format!("reading the link {sys_path}"))?;
        let target = target.to_string_lossy().into_owned();
        if target.starts_with('/') {
            return Ok(target);
        }
        let dir = Path::new(sys_path)
            .parent()
            .map(|d| d.to_string_lossy().into_owned())
            .unwrap_or_else(|| "/".to_string());
        Ok(normalize(&format!("{dir}/{target}")))
    }
}

/// Folds `.`, `..` and repeated slashes of an absolute system path, never climbing above `/`.
pub fn normalize(sys_path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in sys_path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_path_keeps_the_root() {
        let r = SysRoot::new("/tmp/x");
        assert_eq!(
            r.host_path("/boot/grub/grub.conf").unwrap(),
            PathBuf::from("/tmp/x/boot/grub/grub.conf")
        );
        assert!(
            r.host_path("/boot/../etc/shadow").is_err(),
            "dot-dot refused"
        );
        assert!(r.host_path("boot/x").is_err(), "relative refused");
    }

    #[test]
    fn normalize_folds() {
        assert_eq!(normalize("/boot/grub/../vmlinuz"), "/boot/vmlinuz");
        assert_eq!(normalize("//boot/./x"), "/boot/x");
        assert_eq!(normalize("/../x"), "/x");
    }
}
