//! Only root may choose what the next boot runs: the config, kernel and initrds must be regular
//! files owned by root, not writable by group or others, in directories no one else can write.
//!
//! On a `--root` tree the owner expected is the owner of the tree's top directory (so tests run
//! by an ordinary user check the same modes).

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fs::{File, Metadata};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};

use crate::root::SysRoot;

const GROUP_OR_OTHER_WRITE: u32 = 0o022;
const STICKY: u32 = 0o1000;
/// Links followed in one path at most, as the kernel does (ELOOP).
const MAX_LINKS: usize = 40;

/// Why `sys_path` cannot be trusted, or `None` when it can. `what` names it in the message
/// ("kernel", "initrd", "config file").
pub fn distrust(root: &SysRoot, sys_path: &str, what: &str) -> Option<String> {
    open_checked(root, sys_path, what).err()
}

/// The uid that must own what boots: root, or the owner of a `--root` tree's top.
pub fn expected_owner(root: &SysRoot) -> Result<u32, String> {
    if root.is_host() {
        return Ok(0);
    }
    std::fs::metadata(root.base())
        .map(|md| md.uid())
        .map_err(|e| format!("{}: {e}", root.base().display()))
}

/// The checks every directory gets: on the resolved path, and each one that holds a link
/// the path goes through (whoever can write there can re-point the link).
fn check_dir(dmd: &Metadata, owner: u32, shown: &str, what: &str, who: &str) -> Option<String> {
    let mode = dmd.mode();
    if dmd.uid() != owner && dmd.uid() != 0 {
        return Some(format!(
            "{shown}: the directory holding the {what} is owned by uid {}, so another user could replace it; chown {who} it",
            dmd.uid()
        ));
    }
    if mode & GROUP_OR_OTHER_WRITE != 0 && mode & STICKY == 0 {
        return Some(format!(
            "{shown}: the directory holding the {what} is writable by group or others (mode {:04o}), so another user could replace it; chmod go-w it",
            mode & 0o7777
        ));
    }
    None
}

/// Opens `sys_path` once and checks what was opened: the descriptor (`fstat`: a regular file
/// owned by root, not writable by group or others), every directory on the path it resolved
/// to, and every directory holding a link on the way. Whoever uses the file uses this
/// descriptor, so what was checked is what is read (no second open by path).
pub fn open_checked(root: &SysRoot, sys_path: &str, what: &str) -> Result<File, String> {
    let owner = expected_owner(root)?;
    let who = if owner == 0 {
        "root".to_string()
    } else {
        format!("uid {owner}")
    };
    let base = std::fs::canonicalize(root.base()).unwrap_or_else(|_| root.base().to_path_buf());
    let shown = |p: &Path| -> String {
        match p.strip_prefix(&base) {
            Ok(rel) => format!("/{}", rel.display()),
            Err(_) => p.display().to_string(),
        }
    };
    let host = root.host_path(sys_path).map_err(|e| format!("{e:#}"))?;

    // Resolve by hand, one component at a time, so that each directory holding a link is seen.
    let mut todo: VecDeque<OsString> = components(&host);
    let mut cur = PathBuf::from("/");
    let mut links = 0;
    while let Some(part) = todo.pop_front() {
        if part == ".." {
            cur.pop();
            continue;
        }
        let next = cur.join(&part);
        let md = std::fs::symlink_metadata(&next).map_err(|e| format!("{sys_path}: {e}"))?;
        if !md.file_type().is_symlink() {
            cur = next;
            continue;
        }
        links += 1;
        if links > MAX_LINKS {
            return Err(format!("{sys_path}: too many levels of links"));
        }
        // The link can be re-pointed by whoever can write the directory holding it.
        if cur.starts_with(&base) {
            let dmd = std::fs::metadata(&cur).map_err(|e| format!("{}: {e}", shown(&cur)))?;
            if let Some(why) = check_dir(&dmd, owner, &shown(&cur), what, &who) {
                return Err(why);
            }
        }
        let target = std::fs::read_link(&next).map_err(|e| format!("{sys_path}: {e}"))?;
        let mut rest = components(&target);
        rest.extend(todo);
        todo = rest;
        if target.is_absolute() {
            cur = PathBuf::from("/");
        }
    }
    let real = cur;
    let Ok(inside) = real.strip_prefix(&base) else {
        return Err(format!(
            "{sys_path}: a link that leads out of {}; point it inside",
            base.display()
        ));
    };

    // No-follow (the last component was resolved above: a link there now is a swap), and
    // non-blocking so that a FIFO cannot hold the open up.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(&real)
        .map_err(|e| format!("{}: {e}", shown(&real)))?;
    let md = file
        .metadata()
        .map_err(|e| format!("{}: {e}", shown(&real)))?;
    if !md.is_file() {
        return Err(format!(
            "{}: the {what} is not a regular file; put a regular file there",
            shown(&real)
        ));
    }
    if md.uid() != owner {
        return Err(format!(
            "{}: the {what} is owned by uid {}, not {who}, so another user could choose what boots; chown {who} it",
            shown(&real),
            md.uid()
        ));
    }
    if md.mode() & GROUP_OR_OTHER_WRITE != 0 {
        return Err(format!(
            "{}: the {what} is writable by group or others (mode {:04o}), so another user could choose what boots; chmod go-w it",
            shown(&real),
            md.mode() & 0o7777
        ));
    }
    // Every directory from the file up to the top of the tree.
    let mut dir = real.parent();
    for _ in 0..inside.components().count() {
        let Some(d) = dir else { break };
        if let Ok(dmd) = std::fs::metadata(d) {
            if let Some(why) = check_dir(&dmd, owner, &shown(d), what, &who) {
                return Err(why);
            }
        }
        dir = d.parent();
    }
    Ok(file)
}

/// The named components of a path (`..` kept, `.` and `/` dropped).
fn components(p: &Path) -> VecDeque<OsString> {
    p.components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some(OsString::from("..")),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    fn tree() -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        fs::set_permissions(t.path(), fs::Permissions::from_mode(0o755)).unwrap();
        fs::create_dir_all(t.path().join("boot")).unwrap();
        fs::set_permissions(t.path().join("boot"), fs::Permissions::from_mode(0o755)).unwrap();
        fs::write(t.path().join("boot/vmlinuz-1"), b"k").unwrap();
        fs::set_permissions(
            t.path().join("boot/vmlinuz-1"),
            fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        t
    }

    #[test]
    fn cases() {
        let t = tree();
        let root = SysRoot::new(t.path());
        assert_eq!(
            distrust(&root, "/boot/vmlinuz-1", "kernel"),
            None,
            "a 0644 file in 0755 dirs is fine"
        );

        fs::set_permissions(
            t.path().join("boot/vmlinuz-1"),
            fs::Permissions::from_mode(0o664),
        )
        .unwrap();
        let m = distrust(&root, "/boot/vmlinuz-1", "kernel").expect("group-writable file refused");
        assert!(
            m.contains("/boot/vmlinuz-1") && m.contains("chmod go-w"),
            "{m}"
        );
        fs::set_permissions(
            t.path().join("boot/vmlinuz-1"),
            fs::Permissions::from_mode(0o644),
        )
        .unwrap();

        fs::set_permissions(t.path().join("boot"), fs::Permissions::from_mode(0o777)).unwrap();
        let m = distrust(&root, "/boot/vmlinuz-1", "kernel").expect("world-writable dir refused");
        assert!(m.starts_with("/boot:"), "{m}");
        fs::set_permissions(t.path().join("boot"), fs::Permissions::from_mode(0o1777)).unwrap();
        assert_eq!(
            distrust(&root, "/boot/vmlinuz-1", "kernel"),
            None,
            "a sticky dir cannot have root's file replaced"
        );
        fs::set_permissions(t.path().join("boot"), fs::Permissions::from_mode(0o755)).unwrap();

        // A link through a directory another user can write: re-pointable after the check.
        fs::create_dir(t.path().join("home")).unwrap();
        fs::set_permissions(t.path().join("home"), fs::Permissions::from_mode(0o777)).unwrap();
        std::os::unix::fs::symlink("../boot/vmlinuz-1", t.path().join("home/link")).unwrap();
        std::os::unix::fs::symlink(t.path().join("home/link"), t.path().join("boot/via-home"))
            .unwrap();
        let m = distrust(&root, "/boot/via-home", "kernel").expect("link in a 0777 dir refused");
        assert!(m.starts_with("/home:") && m.contains("writable"), "{m}");

        std::os::unix::fs::symlink("/etc/passwd", t.path().join("boot/escape")).unwrap();
        let m = distrust(&root, "/boot/escape", "kernel").expect("link out of the tree refused");
        assert!(m.contains("leads out"), "{m}");

        fs::create_dir(t.path().join("boot/dir")).unwrap();
        assert!(distrust(&root, "/boot/dir", "kernel")
            .unwrap()
            .contains("not a regular file"));
    }
}
