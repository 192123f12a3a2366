//! Tests for the door to the system's files: links resolved inside the tree, bounded reads,
//! the atomic writer.

use super::*;
use std::os::unix::fs::{symlink, MetadataExt};

fn tree() -> (tempfile::TempDir, SysRoot) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = SysRoot::new(dir.path());
    (dir, root)
}

fn put(dir: &Path, sys_path: &str, bytes: &[u8]) {
    let p = dir.join(sys_path.trim_start_matches('/'));
    fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    fs::write(p, bytes).expect("write");
}

fn link(dir: &Path, sys_path: &str, target: &str) {
    let p = dir.join(sys_path.trim_start_matches('/'));
    fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    symlink(target, p).expect("symlink");
}

#[test]
fn paths_keep_the_root() {
    let (d, r) = tree();
    put(d.path(), "/boot/grub/grub.conf", b"x");
    assert_eq!(
        r.resolve("/boot/grub/grub.conf").unwrap(),
        "/boot/grub/grub.conf"
    );
    assert_eq!(
        r.exec_arg("/boot/grub/grub.conf").unwrap(),
        r.base().join("boot/grub/grub.conf")
    );
    assert!(r.resolve("/boot/../etc/shadow").is_err(), "dot-dot refused");
    assert!(r.resolve("boot/x").is_err(), "relative refused");
}

/// Regression (issue 13, defect 11): an absolute link inside the tree was followed on the
/// host, so `--root T list` read a grub.conf outside T.
#[test]
fn absolute_links_are_resolved_inside_the_tree() {
    let outside = tempfile::tempdir().expect("tempdir");
    put(outside.path(), "/grub.conf", b"outside");
    let host_target = outside.path().join("grub.conf");
    let (d, r) = tree();
    link(d.path(), "/etc/grub.conf", host_target.to_str().unwrap());
    assert!(
        r.read("/etc/grub.conf").is_err(),
        "the host file is not read through an absolute link"
    );
    put(d.path(), "/boot/grub/grub.conf", b"inside");
    link(d.path(), "/etc/grub2.conf", "/boot/grub/grub.conf");
    assert_eq!(r.read("/etc/grub2.conf").unwrap(), b"inside", "re-rooted");
    link(d.path(), "/boot/grub2", "/boot/grub");
    assert_eq!(
        r.read("/boot/grub2/grub.conf").unwrap(),
        b"inside",
        "a linked directory on the way"
    );
    assert_eq!(
        r.resolve("/boot/grub2/grub.conf").unwrap(),
        "/boot/grub/grub.conf"
    );
    link(d.path(), "/boot/rel", "../etc/grub2.conf");
    assert_eq!(
        r.read("/boot/rel").unwrap(),
        b"inside",
        "relative, then absolute"
    );
}

#[test]
fn links_that_leave_the_tree_are_refused() {
    let (d, r) = tree();
    link(
        d.path(),
        "/boot/escape",
        "../../../../../../../../etc/passwd",
    );
    let err = format!("{:#}", r.read("/boot/escape").unwrap_err());
    assert!(
        err.contains("/boot/escape") && err.contains("leads out"),
        "{err}"
    );
    assert!(
        !r.exists("/boot/escape"),
        "an escaping link does not exist here"
    );
    link(d.path(), "/a", "/b");
    link(d.path(), "/b", "/a");
    let err = format!("{:#}", r.read("/a").unwrap_err());
    assert!(err.contains("symlinks"), "a loop is an error: {err}");
}

/// Regression (issue 13, defect 8): reads had no bound; a 100 MB grub.cfg was read whole, and
/// a file linked to /dev/zero was read until allocation failed.
#[test]
fn reads_are_bounded() {
    let (d, r) = tree();
    put(d.path(), "/small", &[b'x'; 100]);
    assert_eq!(
        r.read_capped("/small", 100).unwrap().len(),
        100,
        "at the cap"
    );
    let err = format!("{:#}", r.read_capped("/small", 99).unwrap_err());
    assert!(err.starts_with("/small: larger than 99 bytes"), "{err}");
    let big = fs::File::create(d.path().join("big")).unwrap();
    big.set_len(100 << 20).unwrap();
    let err = format!("{:#}", r.read("/big").unwrap_err());
    assert!(err.starts_with("/big: larger than 4 MiB"), "{err}");

    let host = SysRoot::new("/");
    let err = format!("{:#}", host.read("/dev/zero").unwrap_err());
    assert!(err.starts_with("/dev/zero: not a regular file"), "{err}");

    nix::unistd::mkfifo(&d.path().join("fifo"), nix::sys::stat::Mode::S_IRWXU).unwrap();
    let err = format!("{:#}", r.read("/fifo").unwrap_err());
    assert!(
        err.contains("not a regular file"),
        "a FIFO does not block: {err}"
    );
}

/// Regression (issue 13, defect 11): the grubenv path was resolved on the host, so a link to
/// an absolute path made `--root --fake-kernel load` rewrite a file outside the tree.
#[test]
fn writes_stay_inside_the_tree() {
    let outside = tempfile::tempdir().expect("tempdir");
    put(outside.path(), "/victim", b"keep");
    let victim = outside.path().join("victim");
    let (d, r) = tree();
    link(d.path(), "/boot/grub2/grubenv", victim.to_str().unwrap());
    fs::create_dir_all(
        d.path()
            .join(victim.parent().unwrap().strip_prefix("/").unwrap()),
    )
    .unwrap();
    r.write_atomic("/boot/grub2/grubenv", b"new", 0o644)
        .unwrap();
    assert_eq!(
        fs::read(&victim).unwrap(),
        b"keep",
        "the host file is untouched"
    );
    assert_eq!(
        r.read("/boot/grub2/grubenv").unwrap(),
        b"new",
        "written inside"
    );

    // A planted temporary link is not followed.
    put(d.path(), "/var/lib/x/state.json", b"old");
    link(
        d.path(),
        "/var/lib/x/state.json.tmp",
        victim.to_str().unwrap(),
    );
    r.write_atomic("/var/lib/x/state.json", b"{}", 0o600)
        .unwrap();
    assert_eq!(fs::read(&victim).unwrap(), b"keep", "victim untouched");
    assert_eq!(r.read("/var/lib/x/state.json").unwrap(), b"{}");
    let md = r.metadata("/var/lib/x/state.json").unwrap();
    assert_eq!(
        md.permissions().mode() & 0o777,
        0o600,
        "mode whatever the umask"
    );
    assert!(!r.exists("/var/lib/x/state.json.tmp"), "no temporary left");

    r.remove("/boot/grub2/grubenv").unwrap();
    assert!(
        r.symlink_metadata("/boot/grub2/grubenv").is_err(),
        "the link removed"
    );
    r.remove("/boot/grub2/grubenv").unwrap();
    r.create_dir_all("/var/lib/new/dir", 0o700).unwrap();
    assert!(r.is_dir("/var/lib/new/dir"));
}

#[test]
fn resolve_traced_names_each_directory_holding_a_link() {
    let (d, r) = tree();
    put(d.path(), "/boot/real", b"k");
    link(d.path(), "/home/u/link", "../../boot/real");
    link(d.path(), "/boot/vmlinuz", "/home/u/link");
    let (real, dirs) = r.resolve_traced("/boot/vmlinuz").unwrap();
    assert_eq!(real, "/boot/real");
    assert_eq!(dirs, vec!["/boot".to_string(), "/home/u".to_string()]);
    assert!(r.resolve_traced("/boot/real").unwrap().1.is_empty());
}

#[test]
fn set_mode_rename_and_open_or_create_never_go_through_a_link() {
    let (d, r) = tree();
    put(d.path(), "/etc/victim", b"v");
    fs::set_permissions(
        d.path().join("etc/victim"),
        fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    link(d.path(), "/var/lib/x", "/etc/victim");
    assert!(
        r.set_mode("/var/lib/x", 0o600).is_err(),
        "a link is refused"
    );
    let mode = fs::metadata(d.path().join("etc/victim")).unwrap().mode() & 0o7777;
    assert_eq!(mode, 0o644, "the file the link names keeps its mode");
    r.create_dir_all("/var/lib/own", 0o755).unwrap();
    r.set_mode("/var/lib/own", 0o700).unwrap();
    let mode = fs::metadata(d.path().join("var/lib/own")).unwrap().mode() & 0o7777;
    assert_eq!(mode, 0o700);

    link(d.path(), "/var/run/lock", "/etc/victim");
    assert!(
        r.open_or_create("/var/run/lock", 0o600, false).is_err(),
        "a link at the end is refused"
    );
    r.open_or_create("/var/run/lock2", 0o600, false).unwrap();
    let mode = fs::metadata(d.path().join("var/run/lock2")).unwrap().mode() & 0o7777;
    assert_eq!(mode & !0o600, 0, "created no wider than asked");
    link(
        d.path(),
        "/var/run/out",
        "../../../../../../../../etc/passwd",
    );
    assert!(
        r.open_or_create("/var/run/out", 0o600, true).is_err(),
        "an escape is refused"
    );

    r.rename("/var/lib/x", "/var/lib/y").unwrap();
    assert!(fs::symlink_metadata(d.path().join("var/lib/y"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(fs::read(d.path().join("etc/victim")).unwrap(), b"v");
}

#[test]
fn normalize_folds() {
    assert_eq!(normalize("/boot/grub/../vmlinuz"), "/boot/vmlinuz");
    assert_eq!(normalize("//boot/./x"), "/boot/x");
    assert_eq!(normalize("/../x"), "/x");
}

/// The structure (issue 13): outside this module, production code reaches the system's files
/// only through [`SysRoot`]. Allowed: the anonymous memory file of load.rs (on old kernels an
/// unlinked file in the host's /dev/shm, which is scratch space, not a file of the system).
#[test]
fn no_file_access_around_the_root() {
    // Everything else goes through SysRoot, including what is not a tree file in the usual
    // sense: the running kernel's facts (system.rs reads /proc and /sys through the root, so a
    // --root tree's stand-ins are read, never the host's), the lock file (lock.rs, inside the
    // root like every state file), the fake kernel's files (fake_kernel.rs) and the host's
    // KEXEC_TOOLS binary (load.rs checks it through `SysRoot::new("/")`: a host program, never
    // one of a --root tree). The one exception is the memory-file fallback of load.rs below.
    let allowed: &[(&str, &str)] = &[
        ("src/load.rs", "use std::fs::File;"),
        ("src/load.rs", "let opened = std::fs::OpenOptions::new()"),
        ("src/load.rs", "let _ = std::fs::remove_file(&path);"),
        // Type names, not accesses: the files themselves come from SysRoot.
        ("src/lock.rs", "use std::fs::File;"),
        ("src/trust.rs", "use std::fs::{File, Metadata};"),
    ];
    let banned = [
        "std::fs::",
        "use std::fs",
        "fs::read",
        "fs::write",
        "fs::metadata",
        "fs::canonicalize",
        "fs::remove",
        "fs::rename",
        "File::open",
        "File::create",
        "OpenOptions::new",
        "host_path",
    ];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut todo = vec![dir.join("src")];
    let mut bad = Vec::new();
    while let Some(d) = todo.pop() {
        for ent in fs::read_dir(&d).unwrap() {
            let p = ent.unwrap().path();
            if p.is_dir() {
                todo.push(p);
                continue;
            }
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            if !rel.ends_with(".rs") || rel.ends_with("tests.rs") || rel == "src/root.rs" {
                continue;
            }
            let text = fs::read_to_string(&p).unwrap();
            let prod = text.split("#[cfg(test)]").next().unwrap_or("");
            for (n, line) in prod.lines().enumerate() {
                let l = line.trim();
                if l.starts_with("//") || allowed.contains(&(rel.as_str(), l)) {
                    continue;
                }
                if banned.iter().any(|b| l.contains(b)) {
                    bad.push(format!("{rel}:{}: {l}", n + 1));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "file access around SysRoot:\n{}",
        bad.join("\n")
    );
}
