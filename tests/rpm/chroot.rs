//! A fresh rpm root to install, upgrade and erase the package in, with the real chkconfig of
//! the release (tests/thirdparty/chkconfig.sh builds it static from ../shared/thirdparty)
//! and busybox-static as the shell that runs the scriptlets (rpm --root chroots into it).
//! `service`, which initscripts ships and ../shared/thirdparty does not hold, is a stand-in
//! that runs the rc script as initscripts' service does (empty environment, absolute path).
//! `lifecycle` is the install / upgrade / erase story each SysV release's package goes
//! through, `lifecycle_systemd` the el7/el8/el9 one (units; the root has no systemctl, so
//! the scriptlets must get by without it), `sysv_to_systemd` the upgrade from an rc script
//! package to the units.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::build::{out_text, repo, variant, VERSION};

/// The static chkconfig `version` (1.3.30.2, 1.3.49.5, 1.7.6), or why it cannot be had.
pub fn chkconfig(version: &str) -> Result<PathBuf, String> {
    let o = Command::new("sh")
        .arg(repo().join("tests/thirdparty/chkconfig.sh"))
        .arg(version)
        .output()
        .map_err(|e| format!("running tests/thirdparty/chkconfig.sh: {e}"))?;
    match o.status.code() {
        Some(0) => Ok(PathBuf::from(String::from_utf8_lossy(&o.stdout).trim())),
        Some(77) => Err(String::from_utf8_lossy(&o.stderr)
            .trim()
            .trim_start_matches("skipped: ")
            .to_string()),
        _ => panic!("building chkconfig {version}: {}", out_text(&o)),
    }
}

pub struct Root {
    pub dir: PathBuf,
}

const SERVICE: &str = "#!/bin/sh\n\
# Test stand-in for initscripts' /sbin/service: the rc script, absolute path, bare environment.\n\
s=$1\nshift\nexec env -i PATH=/sbin:/usr/sbin:/bin:/usr/bin /etc/rc.d/init.d/\"$s\" \"$@\"\n";

impl Root {
    /// A root as an EL release lays it out before the package: rc.d and its runlevel
    /// directories (initscripts' and chkconfig's), the /etc/init.d and /etc/rcN.d links,
    /// /var/run, /run, /var/lock/subsys, /dev/null, a shell, chkconfig, service.
    pub fn new(name: &str, chkconfig: Option<&Path>) -> Root {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("rpm-root-{name}"));
        let _ = fs::remove_dir_all(&dir);
        for d in [
            "bin",
            "sbin",
            "usr/bin",
            "usr/sbin",
            "usr/share/man/man8",
            "usr/share/doc",
            // The filesystem package's on EL7 and later; harmless on EL5/EL6.
            "usr/share/licenses",
            "usr/lib",
            // Owned by the release's filesystem, kernel/grubby and systemd packages.
            "usr/libexec",
            "etc/kernel/postinst.d",
            "usr/lib/systemd/system",
            "usr/lib/systemd/system-shutdown",
            "usr/lib/kernel/install.d",
            "etc/rc.d/init.d",
            "etc/sysconfig",
            "var/lib/rpm",
            "var/lib/rpm-state",
            "var/run",
            // /run: a plain directory here; the systemd releases' runtime records go there.
            "run",
            "var/lock/subsys",
            "var/tmp",
            "tmp",
            "dev",
        ] {
            fs::create_dir_all(dir.join(d)).expect("making the root's directories");
        }
        std::os::unix::fs::symlink("rc.d/init.d", dir.join("etc/init.d")).expect("symlink");
        for n in 0..=6 {
            fs::create_dir_all(dir.join(format!("etc/rc.d/rc{n}.d"))).expect("rcN.d");
            std::os::unix::fs::symlink(format!("rc.d/rc{n}.d"), dir.join(format!("etc/rc{n}.d")))
                .expect("symlink");
        }
        let st = Command::new("mknod")
            .arg(dir.join("dev/null"))
            .args(["c", "1", "3"])
            .status()
            .expect("running mknod");
        assert!(st.success(), "mknod dev/null");
        fs::set_permissions(dir.join("dev/null"), fs::Permissions::from_mode(0o666))
            .expect("chmod dev/null");
        fs::copy("/bin/busybox", dir.join("bin/busybox"))
            .expect("copying /bin/busybox (busybox-static, tests/deps.sh installs it)");
        let o = Command::new("chroot")
            .arg(&dir)
            .args(["/bin/busybox", "--install", "-s", "/bin"])
            .output()
            .expect("running busybox --install");
        assert!(o.status.success(), "busybox --install: {}", out_text(&o));
        if let Some(chkconfig) = chkconfig {
            fs::copy(chkconfig, dir.join("sbin/chkconfig")).expect("copying chkconfig");
        }
        fs::write(dir.join("sbin/service"), SERVICE).expect("writing service");
        fs::set_permissions(dir.join("sbin/service"), fs::Permissions::from_mode(0o755))
            .expect("chmod service");
        let root = Root { dir };
        root.rpm(&["--initdb"]);
        root
    }

    /// `rpm --root DIR ARGS`; panics with the output on failure.
    pub fn rpm(&self, args: &[&str]) -> String {
        let o = Command::new("rpm")
            .arg("--root")
            .arg(&self.dir)
            .args(["--dbpath", "/var/lib/rpm"])
            .args(args)
            .env("LANG", "C")
            .output()
            .expect("running rpm");
        assert!(o.status.success(), "rpm {args:?}: {}", out_text(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
            + String::from_utf8_lossy(&o.stderr).as_ref()
    }

    /// Installs (or upgrades to) `pkg`. --nodeps: the root's database has no kexec-tools,
    /// chkconfig or initscripts packages, only their files.
    pub fn install(&self, flag: &str, pkg: &Path) -> String {
        let p = pkg.to_str().expect("a UTF-8 path");
        self.rpm(&[flag, "--nodeps", p])
    }

    /// A command run inside the root.
    pub fn chroot(&self, args: &[&str]) -> String {
        let o = Command::new("chroot")
            .arg(&self.dir)
            .args(args)
            .env_clear()
            .env("PATH", "/sbin:/usr/sbin:/bin:/usr/bin")
            .output()
            .expect("running chroot");
        assert!(o.status.success(), "chroot {args:?}: {}", out_text(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel.trim_start_matches('/'))
    }

    /// Every entry of rc0.d..rc6.d: "rcN.d/NAME -> TARGET".
    pub fn links(&self) -> Vec<String> {
        let mut out = Vec::new();
        for n in 0..=6 {
            let d = self.path(&format!("etc/rc.d/rc{n}.d"));
            for e in fs::read_dir(&d).expect("reading rcN.d").flatten() {
                let target = fs::read_link(e.path())
                    .map(|t| t.display().to_string())
                    .unwrap_or_else(|_| "(not a link)".into());
                out.push(format!(
                    "rc{n}.d/{} -> {target}",
                    e.file_name().to_string_lossy()
                ));
            }
        }
        out.sort();
        out
    }

    /// Every path in the root but rpm's database: kind, mode, and content or link target.
    pub fn snapshot(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        walk(&self.dir, &self.dir, &mut out);
        out
    }
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
    for e in fs::read_dir(dir)
        .expect("reading a directory of the root")
        .flatten()
    {
        let p = e.path();
        let rel = p
            .strip_prefix(root)
            .expect("under the root")
            .display()
            .to_string();
        if rel == "var/lib/rpm" {
            continue;
        }
        let m = fs::symlink_metadata(&p).expect("lstat");
        let what = if m.file_type().is_symlink() {
            format!("link -> {}", fs::read_link(&p).expect("readlink").display())
        } else if m.is_dir() {
            walk(root, &p, out);
            format!("dir {:o}", m.mode() & 0o7777)
        } else if m.is_file() {
            format!(
                "file {:o} {}",
                m.mode() & 0o7777,
                String::from_utf8_lossy(&fs::read(&p).expect("reading a file"))
            )
        } else {
            format!("special {:o}", m.mode())
        };
        out.insert(rel, what);
    }
}

/// The differences between two snapshots, one line each.
pub fn diff(before: &BTreeMap<String, String>, after: &BTreeMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in after {
        match before.get(k) {
            None => out.push(format!("left behind: /{k} ({})", first_line(v))),
            Some(b) if b != v => out.push(format!("changed: /{k}")),
            _ => {}
        }
    }
    for k in before.keys().filter(|k| !after.contains_key(*k)) {
        out.push(format!("removed: /{k}"));
    }
    out
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// The package as `make rpm` would build it for `dist` with the matching chkconfig: install,
/// `chkconfig kexec on`, erase (nothing left); then install, edit the config, stage a boot
/// record, upgrade to release 2: config, links and the boot record kept; erase again.
pub fn lifecycle(dist: &str, chkconfig_version: &str) {
    let chk = match chkconfig(chkconfig_version) {
        Ok(p) => p,
        Err(why) => {
            println!("skipped: chkconfig {chkconfig_version}: {why}");
            return;
        }
    };
    let n = variant(dist, 1);
    let n1 = variant(dist, 2);
    let name = if dist.is_empty() { "nodist" } else { dist };
    let root = Root::new(name, Some(&chk));
    let base = root.snapshot();

    // Install: registered, off everywhere (K01 in every runlevel).
    root.install("-i", &n);
    let k01: Vec<String> = (0..=6)
        .map(|l| format!("rc{l}.d/K01kexec -> ../init.d/kexec"))
        .collect();
    assert_eq!(root.links(), k01, "{name}: links after install");
    for f in [
        "usr/sbin/kexec-reboot",
        "etc/rc.d/init.d/kexec",
        "etc/sysconfig/kexec",
    ] {
        assert!(root.path(f).is_file(), "{name}: /{f} not installed");
    }
    assert!(
        root.path("var/lib/kexec-reboot").is_dir(),
        "{name}: state dir"
    );
    root.chroot(&["/sbin/chkconfig", "kexec", "on"]);
    let enabled = root.links();
    for l in 2..=5 {
        let s = format!("rc{l}.d/S96kexec -> ../init.d/kexec");
        assert!(
            enabled.contains(&s),
            "{name}: {s} after chkconfig on: {enabled:?}"
        );
    }
    // Runtime state the binary would write; the erase takes it with the package.
    fs::write(root.path("var/lib/kexec-reboot/pending.json"), "{}\n").expect("pending");
    fs::write(root.path("var/run/kexec-reboot.state"), "staged\n").expect("state");
    fs::write(root.path("var/lock/subsys/kexec"), "").expect("lock");
    root.rpm(&["-e", "kexec-reboot"]);
    let left = diff(&base, &root.snapshot());
    assert!(
        left.is_empty(),
        "{name}: after rpm -e:\n{}",
        left.join("\n")
    );

    // Upgrade N -> N+1.
    root.install("-i", &n);
    root.chroot(&["/sbin/chkconfig", "kexec", "on"]);
    let config = root.path("etc/sysconfig/kexec");
    let mut edited = fs::read_to_string(&config).expect("reading the config");
    edited.push_str("KEXEC_TIMEOUT=45\n");
    fs::write(&config, &edited).expect("editing the config");
    let record = [
        (
            "var/lib/kexec-reboot/pending.json",
            "{\"kernel\":\"/boot/vmlinuz-b\"}\n",
        ),
        (
            "var/lib/kexec-reboot/unconfirmed.json",
            "{\"kernel\":\"/boot/vmlinuz-a\"}\n",
        ),
        ("var/run/kexec-reboot.boot", "boot-id\n"),
        ("var/run/kexec-reboot.state", "staged\n"),
        ("var/lock/subsys/kexec", ""),
    ];
    for (f, text) in record {
        fs::write(root.path(f), text).unwrap_or_else(|e| panic!("writing /{f}: {e}"));
    }
    let stamp = |f: &str| {
        let m = fs::metadata(root.path(f)).unwrap_or_else(|e| panic!("{name}: /{f}: {e}"));
        (m.modified().expect("mtime"), m.ino())
    };
    let stamps: Vec<_> = record.iter().map(|(f, _)| stamp(f)).collect();
    let links = root.links();
    root.install("-U", &n1);
    let q = root.rpm(&["-q", "kexec-reboot"]);
    assert!(
        q.trim().starts_with(&format!("kexec-reboot-{VERSION}-2")),
        "{name}: {q}"
    );
    assert_eq!(
        fs::read_to_string(&config).expect("reading the config"),
        edited,
        "{name}: the edited config after the upgrade"
    );
    for leftover in ["etc/sysconfig/kexec.rpmnew", "etc/sysconfig/kexec.rpmsave"] {
        assert!(
            !root.path(leftover).exists(),
            "{name}: /{leftover} after the upgrade"
        );
    }
    assert_eq!(root.links(), links, "{name}: links after the upgrade");
    for ((f, text), before) in record.iter().zip(&stamps) {
        assert_eq!(
            fs::read_to_string(root.path(f)).unwrap_or_default(),
            *text,
            "{name}: /{f} after the upgrade"
        );
        assert_eq!(
            stamp(f),
            *before,
            "{name}: /{f} was rewritten by the upgrade"
        );
    }
    root.rpm(&["-e", "kexec-reboot"]);
    let mut left = diff(&base, &root.snapshot());
    // rpm keeps an edited config as .rpmsave: the admin's settings are not lost.
    let saved = "left behind: /etc/sysconfig/kexec.rpmsave";
    assert!(
        left.iter().any(|l| l.starts_with(saved)),
        "{name}: no .rpmsave of the edited config: {left:?}"
    );
    left.retain(|l| !l.starts_with(saved));
    assert!(
        left.is_empty(),
        "{name}: after rpm -e:\n{}",
        left.join("\n")
    );
}

/// Runtime state the binary writes, as a staged reboot leaves it.
const RECORD: [(&str, &str); 4] = [
    (
        "var/lib/kexec-reboot/pending.json",
        "{\"kernel\":\"/boot/vmlinuz-b\"}\n",
    ),
    (
        "var/lib/kexec-reboot/unconfirmed.json",
        "{\"kernel\":\"/boot/vmlinuz-a\"}\n",
    ),
    // The systemd releases keep them in /run (src/state.rs run_dir).
    ("run/kexec-reboot.boot", "boot-id\n"),
    ("run/kexec-reboot.state", "staged\n"),
];

fn no_failed_scriptlet(name: &str, what: &str, out: &str) {
    assert!(
        !out.contains("scriptlet failed") && !out.contains("error:"),
        "{name}: {what}: {out}"
    );
}

/// The el7/el8/el9 package (`make rpm`'s, with the units) in a root without systemctl:
/// install puts the units, kexec-step, the shutdown hook and the release's kernel hook in
/// place and registers no SysV service; erase leaves nothing; an upgrade keeps the edited
/// config and the runtime state untouched.
pub fn lifecycle_systemd(dist: &str) {
    let n = variant(dist, 1);
    let n1 = variant(dist, 2);
    let root = Root::new(dist, None);
    let base = root.snapshot();
    let hook = if dist == "el7" {
        "etc/kernel/postinst.d/51-kexec-reboot"
    } else {
        "usr/lib/kernel/install.d/95-kexec-reboot.install"
    };

    let out = root.install("-i", &n);
    no_failed_scriptlet(dist, "install", &out);
    for f in [
        "usr/sbin/kexec-reboot",
        "usr/lib/systemd/system/kexec.service",
        "usr/lib/systemd/system/kexec-exec.service",
        "usr/libexec/kexec-reboot/kexec-step",
        "usr/lib/systemd/system-shutdown/kexec-reboot.shutdown",
        "etc/sysconfig/kexec",
        hook,
    ] {
        assert!(root.path(f).is_file(), "{dist}: /{f} not installed");
    }
    assert!(
        !root.path("etc/rc.d/init.d/kexec").exists(),
        "{dist}: a SysV script next to the units"
    );
    assert_eq!(root.links(), Vec::<String>::new(), "{dist}: rc links");
    let mode = fs::metadata(root.path("var/lib/kexec-reboot"))
        .expect("the state dir")
        .mode();
    assert_eq!(mode & 0o7777, 0o700, "{dist}: state dir mode");
    fs::write(root.path("var/lib/kexec-reboot/pending.json"), "{}\n").expect("pending");
    fs::write(root.path("run/kexec-reboot.state"), "staged\n").expect("state");
    let out = root.rpm(&["-e", "kexec-reboot"]);
    no_failed_scriptlet(dist, "erase", &out);
    let left = diff(&base, &root.snapshot());
    assert!(
        left.is_empty(),
        "{dist}: after rpm -e:\n{}",
        left.join("\n")
    );

    // Upgrade N -> N+1.
    root.install("-i", &n);
    let config = root.path("etc/sysconfig/kexec");
    let mut edited = fs::read_to_string(&config).expect("reading the config");
    edited.push_str("KEXEC_TIMEOUT=45\n");
    fs::write(&config, &edited).expect("editing the config");
    for (f, text) in RECORD {
        fs::write(root.path(f), text).unwrap_or_else(|e| panic!("writing /{f}: {e}"));
    }
    let stamp = |f: &str| {
        let m = fs::metadata(root.path(f)).unwrap_or_else(|e| panic!("{dist}: /{f}: {e}"));
        (m.modified().expect("mtime"), m.ino())
    };
    let stamps: Vec<_> = RECORD.iter().map(|(f, _)| stamp(f)).collect();
    let out = root.install("-U", &n1);
    no_failed_scriptlet(dist, "upgrade", &out);
    let q = root.rpm(&["-q", "kexec-reboot"]);
    assert!(
        q.trim().starts_with(&format!("kexec-reboot-{VERSION}-2")),
        "{dist}: {q}"
    );
    assert_eq!(
        fs::read_to_string(&config).expect("reading the config"),
        edited,
        "{dist}: the edited config after the upgrade"
    );
    assert!(
        !root.path("etc/sysconfig/kexec.rpmnew").exists(),
        "{dist}: .rpmnew after the upgrade"
    );
    for ((f, text), before) in RECORD.iter().zip(&stamps) {
        assert_eq!(
            fs::read_to_string(root.path(f)).unwrap_or_default(),
            *text,
            "{dist}: /{f} after the upgrade"
        );
        assert_eq!(stamp(f), *before, "{dist}: /{f} rewritten by the upgrade");
    }
    assert!(
        !root.path("var/lib/rpm-state/kexec-reboot").exists(),
        "{dist}: the SysV migration ran on an upgrade from units"
    );
    root.rpm(&["-e", "kexec-reboot"]);
    let mut left = diff(&base, &root.snapshot());
    let saved = "left behind: /etc/sysconfig/kexec.rpmsave";
    assert!(
        left.iter().any(|l| l.starts_with(saved)),
        "{dist}: no .rpmsave of the edited config: {left:?}"
    );
    left.retain(|l| !l.starts_with(saved));
    assert!(
        left.is_empty(),
        "{dist}: after rpm -e:\n{}",
        left.join("\n")
    );
}

/// An rc script package (`old`, turned on with the real chkconfig `chkconfig_version`)
/// upgraded to the units (`new`, release 2): the %pre unregisters the SysV service while its
/// script is there (no rc links left), the units are in place, the rc script is gone, the
/// boot record is kept, and the migration leaves nothing in /var/lib/rpm-state.
pub fn sysv_to_systemd(old: &str, new: &str, chkconfig_version: &str) {
    let chk = match chkconfig(chkconfig_version) {
        Ok(p) => p,
        Err(why) => {
            println!("skipped: chkconfig {chkconfig_version}: {why}");
            return;
        }
    };
    let name = format!("{old}-to-{new}");
    let root = Root::new(&name, Some(&chk));
    let base = root.snapshot();
    root.install("-i", &variant(old, 1));
    root.chroot(&["/sbin/chkconfig", "kexec", "on"]);
    assert!(
        root.links().iter().any(|l| l.starts_with("rc3.d/S")),
        "{name}: chkconfig kexec on: {:?}",
        root.links()
    );
    for (f, text) in RECORD {
        fs::write(root.path(f), text).unwrap_or_else(|e| panic!("writing /{f}: {e}"));
    }
    let out = root.install("-U", &variant(new, 2));
    no_failed_scriptlet(&name, "upgrade", &out);
    assert_eq!(
        root.links(),
        Vec::<String>::new(),
        "{name}: rc links after the upgrade to the units"
    );
    assert!(
        !root.path("etc/rc.d/init.d/kexec").exists(),
        "{name}: the rc script is still there"
    );
    assert!(
        root.path("usr/lib/systemd/system/kexec.service").is_file(),
        "{name}: no kexec.service"
    );
    assert!(
        !root.path("var/lib/rpm-state/kexec-reboot").exists(),
        "{name}: the migration's marker left in /var/lib/rpm-state"
    );
    for (f, text) in RECORD {
        assert_eq!(
            fs::read_to_string(root.path(f)).unwrap_or_default(),
            text,
            "{name}: /{f} after the upgrade"
        );
    }
    root.rpm(&["-e", "kexec-reboot"]);
    let left = diff(&base, &root.snapshot());
    assert!(
        left.is_empty(),
        "{name}: after rpm -e:\n{}",
        left.join("\n")
    );
}
