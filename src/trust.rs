//! Only root may choose what the next boot runs: the config, kernel and initrds must be regular
//! files owned by root, not writable by group or others, in directories no one else can write.
//!
//! On a `--root` tree the owner expected is the owner of the tree's top directory (so tests run
//! by an ordinary user check the same modes).

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::root::SysRoot;

const GROUP_OR_OTHER_WRITE: u32 = 0o022;
const STICKY: u32 = 0o1000;

/// Why `sys_path` cannot be trusted, or `None` when it can. `what` names it in the message
/// ("kernel", "initrd", "config file").
pub fn distrust(root: &SysRoot, sys_path: &str, what: &str) -> Option<String> {
    let owner = if root.is_host() {
        0
    } else {
        match root.metadata("/") {
            Ok(md) => md.uid(),
            Err(e) => return Some(format!("{}: {e:#}", root.base().display())),
        }
    };
    // Links are resolved inside the tree; one that leads out of it is refused there.
    let real = match root.resolve(sys_path) {
        Ok(r) => r,
        Err(e) => return Some(format!("{e:#}")),
    };
    let real = Path::new(&real);
    let shown = |p: &Path| -> String { p.display().to_string() };
    let md = match root.metadata(&real.to_string_lossy()) {
        Ok(md) => md,
        Err(e) => return Some(format!("{sys_path}: {:#}", e.root_cause())),
    };
    let who = if owner == 0 {
        "root".to_string()
    } else {
        format!("uid {owner}")
    };
    if !md.is_file() {
        return Some(format!("{}: the {what} is not a regular file", shown(real)));
    }
    if md.uid() != owner {
        return Some(format!(
            "{}: the {what} is owned by uid {}, not {who}, so another user could choose what boots; chown {who} it",
            shown(real),
            md.uid()
        ));
    }
    if md.mode() & GROUP_OR_OTHER_WRITE != 0 {
        return Some(format!(
            "{}: the {what} is writable by group or others (mode {:04o}), so another user could choose what boots; chmod go-w it",
            shown(real),
            md.mode() & 0o7777
        ));
    }
    // Every directory from the file up to the top of the tree.
    for d in real.ancestors().skip(1) {
        if let Ok(dmd) = root.metadata(&d.to_string_lossy()) {
            let mode = dmd.mode();
            if dmd.uid() != owner && dmd.uid() != 0 {
                return Some(format!(
                    "{}: the directory holding the {what} is owned by uid {}, so another user could replace it; chown {who} it",
                    shown(d),
                    dmd.uid()
                ));
            }
            if mode & GROUP_OR_OTHER_WRITE != 0 && mode & STICKY == 0 {
                return Some(format!(
                    "{}: the directory holding the {what} is writable by group or others (mode {:04o}), so another user could replace it; chmod go-w it",
                    shown(d),
                    mode & 0o7777
                ));
            }
        }
    }
    None
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
