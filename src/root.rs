//! The one door to the system's files.
//!
//! Everything that touches the system's files goes through a [`SysRoot`], opened once in
//! `main`: open, read (bounded), `write_atomic`, remove, and the attributes and listings the
//! checks need. Tests and image builders point it at a directory tree (`--root DIR`); on a real
//! server it is `/`. Paths are always given as the system sees them (`/boot/grub/grub.conf`);
//! the root refuses `..` in them, and keeps the system path for messages.
//!
//! Symlinks are resolved here, component by component, as the system would resolve them with
//! the tree as its `/`: an absolute target starts again from the top of the tree, never from
//! the host's `/`, and a relative target that climbs out of the tree is refused. The host
//! path of a file is used for one thing only: the argument of `kexec -l` ([`SysRoot::exec_arg`]).

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context, Result};
use nix::fcntl::OFlag;

/// The most symlinks followed while resolving one path (Linux's own limit).
const MAX_LINKS: usize = 40;

/// The default read cap: no boot loader file, config, fstab or /proc file of a real system
/// comes near it.
pub const MAX_READ: u64 = 4 << 20;

/// The read cap for files that are small by nature: a grubenv block (1 KiB), a BLS entry, GRUB
/// legacy's `default` file, a /proc file.
pub const MAX_SMALL: u64 = 64 << 10;

/// A directory that stands for `/`.
#[derive(Debug, Clone)]
pub struct SysRoot {
    base: PathBuf,
    /// Host paths seen, during this command, to be there and not symlinks. One command walks
    /// the same directories (/boot, /var/run, /etc ...) dozens of times; a name that was not a
    /// link is not looked at again. Only root could swap one for a link in between, in the
    /// root-owned directories the trust checks require, and the final open never follows one.
    plain: Arc<Mutex<HashSet<OsString>>>,
    /// System paths resolved, during this command, through no link at all: (path, whether the
    /// last component is followed) -> the resolved path. Paths that pass a link are walked
    /// each time (the link dirs go to the trust check).
    resolved: Arc<Mutex<HashMap<(String, bool), String>>>,
}

impl SysRoot {
    /// A root at `base` (`/` for the running system). The base itself is taken as the host
    /// resolves it, once.
    pub fn new(base: impl Into<PathBuf>) -> Self {
        let base = base.into();
        let base = fs::canonicalize(&base).unwrap_or(base);
        SysRoot {
            base,
            plain: Arc::default(),
            resolved: Arc::default(),
        }
    }

    /// True when this root is the running system's `/`.
    pub fn is_host(&self) -> bool {
        self.base == Path::new("/")
    }

    /// The directory that stands for `/`.
    pub fn base(&self) -> &Path {
        &self.base
    }

    /// The system path `sys_path` names once every symlink on it is resolved inside the tree.
    /// Components that do not exist are kept as they are (opening them then fails).
    pub fn resolve(&self, sys_path: &str) -> Result<String> {
        self.resolve_with(sys_path, true, &mut Vec::new())
    }

    /// [`SysRoot::resolve`], and the directories (system paths) that hold a link the path goes
    /// through: whoever can write one of them can re-point the link, so the trust check looks
    /// at each.
    pub fn resolve_traced(&self, sys_path: &str) -> Result<(String, Vec<String>)> {
        let mut link_dirs = Vec::new();
        let real = self.resolve_with(sys_path, true, &mut link_dirs)?;
        Ok((real, link_dirs))
    }

    /// Like [`SysRoot::resolve`], but the last component is kept even when it is a link (for
    /// reading the link itself, or removing it).
    fn resolve_parent(&self, sys_path: &str) -> Result<String> {
        self.resolve_with(sys_path, false, &mut Vec::new())
    }

    fn resolve_with(
        &self,
        sys_path: &str,
        follow_last: bool,
        link_dirs: &mut Vec<String>,
    ) -> Result<String> {
        let key = (sys_path.to_string(), follow_last);
        if let Some(hit) = self.resolved.lock().ok().and_then(|r| r.get(&key).cloned()) {
            return Ok(hit);
        }
        let before = link_dirs.len();
        let mut links = 0usize;
        let out = self.walk(sys_path, follow_last, link_dirs, &mut links)?;
        if links == 0 && link_dirs.len() == before {
            if let Ok(mut r) = self.resolved.lock() {
                r.insert(key, out.clone());
            }
        }
        Ok(out)
    }

    /// The walk behind [`SysRoot::resolve_with`]: one component at a time, each link replaced
    /// by its target; `links` counts the links followed.
    fn walk(
        &self,
        sys_path: &str,
        follow_last: bool,
        link_dirs: &mut Vec<String>,
        links: &mut usize,
    ) -> Result<String> {
        let p = Path::new(sys_path);
        if !p.is_absolute() {
            bail!("{sys_path}: not an absolute path");
        }
        // Components still to walk, the next one last.
        let mut todo: Vec<String> = Vec::new();
        for c in p.components().rev() {
            match c {
                Component::RootDir | Component::CurDir => {}
                Component::Normal(part) => todo.push(part.to_string_lossy().into_owned()),
                Component::ParentDir => bail!("{sys_path}: paths with \"..\" are refused"),
                Component::Prefix(_) => bail!("{sys_path}: not a Unix path"),
            }
        }
        let mut done: Vec<String> = Vec::new();
        while let Some(part) = todo.pop() {
            match part.as_str() {
                "" | "." => continue,
                ".." => {
                    if done.pop().is_none() && !self.is_host() {
                        bail!(
                            "{sys_path}: a link on this path leads out of {}; point it inside",
                            self.base.display()
                        );
                    }
                    continue;
                }
                _ => {}
            }
            done.push(part);
            if todo.is_empty() && !follow_last {
                break;
            }
            let host = self.join(&done);
            if self.is_plain(&host) {
                continue;
            }
            let Ok(md) = fs::symlink_metadata(&host) else {
                continue;
            };
            if !md.file_type().is_symlink() {
                self.mark_plain(host);
                continue;
            }
            *links += 1;
            if *links > MAX_LINKS {
                bail!("{sys_path}: more than {MAX_LINKS} symlinks (a loop?)");
            }
            let target = fs::read_link(&host).with_context(|| {
                format!(
                    "reading the link /{} (on the way to {sys_path})",
                    done.join("/")
                )
            })?;
            done.pop();
            let holder = format!("/{}", done.join("/"));
            if !link_dirs.contains(&holder) {
                link_dirs.push(holder);
            }
            let target = target.to_string_lossy().into_owned();
            if target.starts_with('/') {
                done.clear();
            }
            todo.extend(target.split('/').rev().map(str::to_string));
        }
        Ok(format!("/{}", done.join("/")))
    }

    fn is_plain(&self, host: &Path) -> bool {
        self.plain
            .lock()
            .map(|p| p.contains(host.as_os_str()))
            .unwrap_or(false)
    }

    fn mark_plain(&self, host: PathBuf) {
        if let Ok(mut p) = self.plain.lock() {
            p.insert(host.into_os_string());
        }
    }

    /// The host path of an already resolved system path.
    fn join(&self, parts: &[String]) -> PathBuf {
        let mut out = self.base.clone();
        for p in parts {
            out.push(p);
        }
        out
    }

    /// The host path of `sys_path`, every link on it resolved inside the tree.
    fn host(&self, sys_path: &str) -> Result<PathBuf> {
        let resolved = self.resolve(sys_path)?;
        Ok(self.join(&split(&resolved)))
    }

    /// The host path of `sys_path`, links resolved inside the tree, for the one place a path
    /// must leave the program: the file arguments of `kexec -l`. Everything else opens files
    /// through this root.
    pub fn exec_arg(&self, sys_path: &str) -> Result<PathBuf> {
        self.host(sys_path)
    }

    /// Opens `sys_path` for reading (links resolved inside the tree; never blocks on a FIFO).
    pub fn open(&self, sys_path: &str) -> Result<File> {
        self.open_as(sys_path, "opening")
    }

    /// [`SysRoot::open`], the error saying `doing` ("reading /boot/grub/grub.conf: …").
    fn open_as(&self, sys_path: &str, doing: &str) -> Result<File> {
        let host = self.host(sys_path)?;
        OpenOptions::new()
            .read(true)
            .custom_flags((OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC).bits())
            .open(&host)
            .with_context(|| format!("{doing} {sys_path}"))
    }

    /// The whole file as text (invalid UTF-8 is replaced, never fatal), at most [`MAX_READ`].
    pub fn read_to_string(&self, sys_path: &str) -> Result<String> {
        let bytes = self.read(sys_path)?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// The whole file as bytes, at most [`MAX_READ`].
    pub fn read(&self, sys_path: &str) -> Result<Vec<u8>> {
        self.read_capped(sys_path, MAX_READ)
    }

    /// The whole file as bytes; a file larger than `cap`, or one that is not a regular file
    /// (a device, a FIFO), is refused with an error naming it.
    pub fn read_capped(&self, sys_path: &str, cap: u64) -> Result<Vec<u8>> {
        let f = self.open_as(sys_path, "reading")?;
        let md = f
            .metadata()
            .with_context(|| format!("reading the attributes of {sys_path}"))?;
        if !md.is_file() {
            bail!("{sys_path}: not a regular file; replace it with the file itself");
        }
        let too_big = || {
            anyhow::anyhow!(
                "{sys_path}: larger than {}, far more than any real one holds; replace it with a good copy",
                shown_size(cap)
            )
        };
        if md.len() > cap {
            return Err(too_big());
        }
        let mut buf = Vec::with_capacity(md.len() as usize);
        f.take(cap + 1)
            .read_to_end(&mut buf)
            .with_context(|| format!("reading {sys_path}"))?;
        if buf.len() as u64 > cap {
            return Err(too_big());
        }
        Ok(buf)
    }

    /// True when the path exists (links resolved inside the tree).
    pub fn exists(&self, sys_path: &str) -> bool {
        self.metadata(sys_path).is_ok()
    }

    /// True when the path is a regular file (after links).
    pub fn is_file(&self, sys_path: &str) -> bool {
        self.metadata(sys_path).is_ok_and(|m| m.is_file())
    }

    /// True when the path is a directory (after links).
    pub fn is_dir(&self, sys_path: &str) -> bool {
        self.metadata(sys_path).is_ok_and(|m| m.is_dir())
    }

    /// Metadata of the path (after links, resolved inside the tree).
    pub fn metadata(&self, sys_path: &str) -> Result<fs::Metadata> {
        let host = self.host(sys_path)?;
        fs::symlink_metadata(&host).with_context(|| format!("reading the attributes of {sys_path}"))
    }

    /// Metadata of the path itself (a link is not followed).
    pub fn symlink_metadata(&self, sys_path: &str) -> Result<fs::Metadata> {
        let host = self.join(&split(&self.resolve_parent(sys_path)?));
        fs::symlink_metadata(&host).with_context(|| format!("reading the attributes of {sys_path}"))
    }

    /// The names in a directory, sorted bytewise.
    pub fn read_dir_names(&self, sys_path: &str) -> Result<Vec<String>> {
        let host = self.host(sys_path)?;
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
        let host = self.join(&split(&self.resolve_parent(sys_path)?));
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

    /// Creates the directory `sys_path` and its parents, new ones with `mode`.
    pub fn create_dir_all(&self, sys_path: &str, mode: u32) -> Result<()> {
        let host = self.host(sys_path)?;
        fs::DirBuilder::new()
            .recursive(true)
            .mode(mode)
            .create(&host)
            .with_context(|| format!("creating {sys_path}"))
    }

    /// Replaces the file at `sys_path` with `bytes`, mode `mode` whatever the umask: a
    /// temporary file beside it (created exclusively, never through a link), synced, renamed
    /// over it, and the directory synced. When `sys_path` is a link (grubenv on the EFI
    /// partition), the file it leads to inside the tree is replaced, not the link.
    pub fn write_atomic(&self, sys_path: &str, bytes: &[u8], mode: u32) -> Result<()> {
        self.write_atomic_as(sys_path, bytes, mode, true)
    }

    /// `write_atomic` without the two fsyncs: for records whose only reader is the next boot,
    /// which the reboot itself flushes to disk (see `state::write_atomic_unsynced`).
    pub fn write_atomic_unsynced(&self, sys_path: &str, bytes: &[u8], mode: u32) -> Result<()> {
        self.write_atomic_as(sys_path, bytes, mode, false)
    }

    fn write_atomic_as(
        &self,
        sys_path: &str,
        bytes: &[u8],
        mode: u32,
        durable: bool,
    ) -> Result<()> {
        let resolved = self.resolve(sys_path)?;
        let path = self.join(&split(&resolved));
        let dir = path
            .parent()
            .with_context(|| format!("{sys_path}: has no directory"))?;
        let mut tmp = path.as_os_str().to_os_string();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let open = || {
            OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(mode)
                .custom_flags((OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC).bits())
                .open(&tmp)
        };
        let mut f = match open() {
            // A temporary file left by a crash (or planted): unlink it (never follows a link).
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                fs::remove_file(&tmp).with_context(|| format!("removing {sys_path}.tmp"))?;
                open()
            }
            other => other,
        }
        .with_context(|| format!("writing {sys_path}.tmp"))?;
        let written = f
            .set_permissions(fs::Permissions::from_mode(mode))
            .and_then(|_| f.write_all(bytes))
            .and_then(|_| if durable { f.sync_all() } else { Ok(()) });
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(e).with_context(|| format!("writing {sys_path}.tmp"));
        }
        if let Err(e) = fs::rename(&tmp, &path) {
            let _ = fs::remove_file(&tmp);
            return Err(e).with_context(|| format!("renaming {sys_path}.tmp to {sys_path}"));
        }
        if !durable {
            return Ok(());
        }
        File::open(dir)
            .and_then(|d| d.sync_all())
            .with_context(|| format!("syncing the directory of {sys_path}"))
    }

    /// Sets the mode of `sys_path` itself (a file or directory, never through a link: it is
    /// opened without following one and changed through that descriptor).
    pub fn set_mode(&self, sys_path: &str, mode: u32) -> Result<()> {
        let host = self.join(&split(&self.resolve_parent(sys_path)?));
        OpenOptions::new()
            .read(true)
            .custom_flags((OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC).bits())
            .open(&host)
            .and_then(|f| f.set_permissions(fs::Permissions::from_mode(mode)))
            .with_context(|| format!("setting the mode of {sys_path} to {mode:04o}"))
    }

    /// Opens `sys_path` for writing, creating it with `mode` when missing (at the end of the
    /// file when `append`). The directories on the way are resolved inside the tree; a link at
    /// the end is refused, never followed. For our lock file and the fake kernel's log.
    pub fn open_or_create(&self, sys_path: &str, mode: u32, append: bool) -> Result<File> {
        let host = self.join(&split(&self.resolve_parent(sys_path)?));
        OpenOptions::new()
            .read(!append)
            .write(true)
            .append(append)
            .create(true)
            .mode(mode)
            .custom_flags((OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC).bits())
            .open(&host)
            .with_context(|| format!("opening {sys_path}"))
    }

    /// Renames `from` to `to` (links themselves, never what they lead to), inside the tree.
    pub fn rename(&self, from: &str, to: &str) -> Result<()> {
        let f = self.join(&split(&self.resolve_parent(from)?));
        let t = self.join(&split(&self.resolve_parent(to)?));
        fs::rename(&f, &t).with_context(|| format!("renaming {from} to {to}"))
    }

    /// Removes the file `sys_path` (a link itself, not what it leads to); a missing file is
    /// fine.
    pub fn remove(&self, sys_path: &str) -> Result<()> {
        let host = self.join(&split(&self.resolve_parent(sys_path)?));
        match fs::remove_file(&host) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).with_context(|| format!("removing {sys_path}")),
        }
    }
}

/// The components of an absolute system path.
fn split(sys_path: &str) -> Vec<String> {
    sys_path
        .split('/')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// `4 MiB`, `64 KiB`, `512 bytes`.
fn shown_size(n: u64) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n.is_multiple_of(1 << 10) {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
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
#[path = "root_tests.rs"]
mod tests;
