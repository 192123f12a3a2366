//! Only root may choose what the next boot runs: the config, kernel and initrds must be regular
//! files owned by root, not writable by group or others, in directories no one else can write.
//!
//! On a `--root` tree the owner expected is the owner of the tree's top directory (so tests run
//! by an ordinary user check the same modes).

use std::fs::{File, Metadata};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::root::SysRoot;

const GROUP_OR_OTHER_WRITE: u32 = 0o022;
const STICKY: u32 = 0o1000;

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
    root.metadata("/")
        .map(|md| md.uid())
        .map_err(|e| format!("{}: {e:#}", root.base().display()))
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

/// Opens `sys_path` once, through the root (links resolved inside the tree, one that leads
/// out refused), and checks what was opened: the descriptor (`fstat`: a regular file owned by
/// root, not writable by group or others), every directory on the path it resolved to, and
/// every directory holding a link on the way. Whoever uses the file uses this descriptor, so
/// what was checked is what is read (no second open by path).
pub fn open_checked(root: &SysRoot, sys_path: &str, what: &str) -> Result<File, String> {
    let owner = expected_owner(root)?;
    let who = if owner == 0 {
        "root".to_string()
    } else {
        format!("uid {owner}")
    };
    let (real, link_dirs) = root
        .resolve_traced(sys_path)
        .map_err(|e| format!("{e:#}"))?;
    // A link can be re-pointed by whoever can write the directory holding it.
    for d in &link_dirs {
        let dmd = root.metadata(d).map_err(|e| format!("{e:#}"))?;
        if let Some(why) = check_dir(&dmd, owner, d, what, &who) {
            return Err(why);
        }
    }
    // The path is resolved: a link at its end now is a swap, which the no-follow open
    // refuses; non-blocking, so that a FIFO cannot hold the open up.
    let file = root.open(&real).map_err(|e| format!("{e:#}"))?;
    let md = file.metadata().map_err(|e| format!("{real}: {e}"))?;
    if !md.is_file() {
        return Err(format!(
            "{real}: the {what} is not a regular file; put a regular file there"
        ));
    }
    if md.uid() != owner {
        return Err(format!(
            "{real}: the {what} is owned by uid {}, not {who}, so another user could choose what boots; chown {who} it",
            md.uid()
        ));
    }
    if md.mode() & GROUP_OR_OTHER_WRITE != 0 {
        return Err(format!(
            "{real}: the {what} is writable by group or others (mode {:04o}), so another user could choose what boots; chmod go-w it",
            md.mode() & 0o7777
        ));
    }
    // Every directory from the file up to the top of the tree.
    for d in Path::new(&real).ancestors().skip(1) {
        let d = d.to_string_lossy();
        if let Ok(dmd) = root.metadata(&d) {
            if let Some(why) = check_dir(&dmd, owner, &d, what, &who) {
                return Err(why);
            }
        }
    }
    Ok(file)
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
        // (Relative: an absolute link is resolved inside the tree, where the host path of the
        // temporary directory does not exist.)
        std::os::unix::fs::symlink("../home/link", t.path().join("boot/via-home")).unwrap();
        let m = distrust(&root, "/boot/via-home", "kernel").expect("link in a 0777 dir refused");
        assert!(m.starts_with("/home:") && m.contains("writable"), "{m}");

        std::os::unix::fs::symlink(
            "../../../../../../../../etc/passwd",
            t.path().join("boot/escape"),
        )
        .unwrap();
        let m = distrust(&root, "/boot/escape", "kernel").expect("link out of the tree refused");
        assert!(m.contains("leads out"), "{m}");
        // An absolute link is resolved inside the tree, never on the host.
        std::os::unix::fs::symlink("/etc/passwd", t.path().join("boot/abs")).unwrap();
        let m = distrust(&root, "/boot/abs", "kernel").expect("the tree has no /etc/passwd");
        assert!(m.contains("No such file"), "{m}");

        fs::create_dir(t.path().join("boot/dir")).unwrap();
        assert!(distrust(&root, "/boot/dir", "kernel")
            .unwrap()
            .contains("not a regular file"));
    }
}
