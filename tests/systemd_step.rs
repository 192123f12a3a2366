//! The shell parts of the systemd releases without a VM: systemd/kexec-step (the load and exec
//! steps of kexec.service and kexec-exec.service) and packaging/kernel/kexec-reboot-hook (the
//! kernel-install time check), run with stand-ins for `systemctl` (first in PATH) and for the
//! binary (KEXEC_REBOOT_BIN), each of which records how it was called. Also the package
//! contents per release (`rpm -qlp`), when `make rpm` has built them.
//!
//! The real thing, under systemd 252 in QEMU, is tests/vm_systemd.rs.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A scratch directory with the stand-ins: `bin/systemctl` answers `list-jobs` with JOBS,
/// `is-enabled` with ENABLED's status, `--force kexec` with KEXEC's status; `kexec-reboot`
/// answers `status --json` with STATUS_JSON, `load`/`check` with their *_STATUS. Both append
/// their arguments to `calls`.
struct Bed {
    dir: PathBuf,
}

impl Bed {
    fn new(name: &str) -> Bed {
        let dir =
            std::env::temp_dir().join(format!("kexec-systemd-step-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("bin")).unwrap();
        let systemctl = r#"#!/bin/sh
echo "systemctl $*" >>"$BED/calls"
case "$*" in
    "list-jobs --no-legend --full") printf '%s\n' "$JOBS" ;;
    "is-enabled --quiet kexec.service") exit "${ENABLED:-0}" ;;
    "--force kexec") exit "${KEXEC:-0}" ;;
esac
exit 0
"#;
        let binary = r#"#!/bin/sh
echo "kexec-reboot $*" >>"$BED/calls"
case "$*" in
    "status --json") printf '%s\n' "$STATUS_JSON" ;;
    load*) exit "${LOAD_STATUS:-0}" ;;
    *check*) echo "kexec-reboot: error: /boot/initramfs-9.9.img: missing; nothing staged"; exit "${CHECK_STATUS:-0}" ;;
esac
exit 0
"#;
        let sleep = "#!/bin/sh\necho \"sleep $*\" >>\"$BED/calls\"\nexit 1\n";
        for (name, text) in [
            ("systemctl", systemctl),
            ("kexec-reboot", binary),
            ("sleep", sleep),
            ("logger", "#!/bin/sh\necho \"logger $*\" >>\"$BED/calls\"\n"),
        ] {
            let p = dir.join("bin").join(name);
            fs::write(&p, text).unwrap();
            Command::new("chmod").arg("755").arg(&p).status().unwrap();
        }
        Bed { dir }
    }

    fn run(&self, script: &str, args: &[&str], env: &[(&str, &str)]) -> (Output, String) {
        let mut c = Command::new("sh");
        c.arg(repo().join(script))
            .args(args)
            .env("BED", &self.dir)
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", self.dir.join("bin").display()),
            )
            .env("KEXEC_REBOOT_BIN", self.dir.join("bin/kexec-reboot"));
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        let calls = fs::read_to_string(self.dir.join("calls")).unwrap_or_default();
        (out, calls)
    }
}

impl Drop for Bed {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

const OURS: &str = "{\n  \"loaded\": true,\n  \"ours\": true\n}";
const MANUAL: &str = "{\n  \"loaded\": true,\n  \"ours\": false\n}";

#[test]
fn load_runs_on_a_reboot_only() {
    for (target, loads) in [
        ("reboot", true),
        ("poweroff", false),
        ("halt", false),
        ("kexec", false),
        ("", false),
    ] {
        let bed = Bed::new(&format!("load-{target}"));
        let jobs = if target.is_empty() {
            String::new()
        } else {
            format!("123 {target}.target start waiting")
        };
        let (out, calls) = bed.run("systemd/kexec-step", &["load"], &[("JOBS", &jobs)]);
        assert!(out.status.success(), "{target}: {out:?}");
        assert_eq!(
            calls.contains("kexec-reboot load --reason shutdown"),
            loads,
            "{target}: {calls}"
        );
    }
}

#[test]
fn load_stages_nothing_when_disabled_and_never_fails_the_shutdown() {
    let bed = Bed::new("load-disabled");
    let jobs = "7 reboot.target start waiting";
    let (out, calls) = bed.run(
        "systemd/kexec-step",
        &["load"],
        &[("JOBS", jobs), ("ENABLED", "1")],
    );
    assert!(out.status.success());
    assert!(!calls.contains("kexec-reboot load"), "{calls}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("kexec.service is disabled"));

    let bed = Bed::new("load-fails");
    let (out, _) = bed.run(
        "systemd/kexec-step",
        &["load"],
        &[("JOBS", jobs), ("LOAD_STATUS", "4")],
    );
    assert!(
        out.status.success(),
        "a failed load must not fail the unit's stop"
    );
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("load failed (exit 4); rebooting through the firmware"));
}

#[test]
fn exec_kexecs_only_our_image() {
    let bed = Bed::new("exec-manual");
    let (out, calls) = bed.run("systemd/kexec-step", &["exec"], &[("STATUS_JSON", MANUAL)]);
    assert!(out.status.success());
    assert!(
        !calls.contains("--force kexec"),
        "a manual image was kexec'd: {calls}"
    );
    assert!(
        !calls.contains("unload"),
        "a manual image was unloaded: {calls}"
    );

    let bed = Bed::new("exec-nothing");
    let (out, calls) = bed.run(
        "systemd/kexec-step",
        &["exec"],
        &[("STATUS_JSON", "{\"loaded\": false, \"ours\": false}")],
    );
    assert!(out.status.success());
    assert!(!calls.contains("--force kexec"), "{calls}");
}

#[test]
fn exec_failure_unloads_our_image() {
    let bed = Bed::new("exec-fails");
    let (out, calls) = bed.run(
        "systemd/kexec-step",
        &["exec"],
        &[("STATUS_JSON", OURS), ("KEXEC", "1")],
    );
    assert!(
        !out.status.success(),
        "a failed exec step must show as failed"
    );
    let kexec = calls
        .find("systemctl --force kexec")
        .expect("no systemctl --force kexec");
    let unload = calls
        .find("kexec-reboot unload")
        .expect("no unload after the failed kexec");
    assert!(kexec < unload, "{calls}");
}

#[test]
fn exec_success_waits_to_be_ended_and_cleanup_unloads() {
    // On success the step must not exit (ExecStopPost would unload under PID 1's kexec): our
    // stand-in `sleep` fails, which ends the loop only because the stand-in says so.
    let bed = Bed::new("exec-ok");
    let script = bed.dir.join("step-once");
    let text = fs::read_to_string(repo().join("systemd/kexec-step"))
        .unwrap()
        .replace("sleep 60", "sleep 60 || exit 0");
    fs::write(&script, text).unwrap();
    let (_, calls) = bed.run(
        script.to_str().unwrap(),
        &["exec"],
        &[("STATUS_JSON", OURS)],
    );
    assert!(
        calls.contains("systemctl --force kexec\nsleep 60"),
        "{calls}"
    );
    assert!(!calls.contains("unload"), "{calls}");

    let bed = Bed::new("cleanup");
    let (out, calls) = bed.run("systemd/kexec-step", &["cleanup"], &[("STATUS_JSON", OURS)]);
    assert!(out.status.success());
    assert!(calls.contains("kexec-reboot unload"), "{calls}");
    let bed = Bed::new("cleanup-manual");
    let (_, calls) = bed.run(
        "systemd/kexec-step",
        &["cleanup"],
        &[("STATUS_JSON", MANUAL)],
    );
    assert!(
        !calls.contains("unload"),
        "cleanup unloaded a manual image: {calls}"
    );
}

/// The hook on a systemd host (kexec.service enabled per the `systemctl` stand-in) and on a
/// SysV host (an S link in rc3.d), in both calling conventions: a failed check gives a
/// warning with the reason on stderr and in syslog, and the hook still exits 0.
#[test]
fn kernel_hook_warns_and_never_fails() {
    let postinst: &[&str] = &["9.9", "/boot/vmlinuz-9.9"];
    let kernel_install: &[&str] = &["add", "9.9", "/boot/x/9.9", "/boot/vmlinuz-9.9"];
    for (host, args) in [
        ("systemd", kernel_install),
        ("systemd", postinst),
        ("sysv", postinst),
    ] {
        let bed = Bed::new(&format!("hook-{host}-{}", args.len()));
        let rc_root = bed.dir.join("root");
        let marker = if host == "systemd" {
            "run/systemd/system"
        } else {
            "etc/rc.d/rc3.d"
        };
        fs::create_dir_all(rc_root.join(marker)).unwrap();
        if host == "sysv" {
            fs::write(rc_root.join("etc/rc.d/rc3.d/S96kexec"), "").unwrap();
        }
        let root = rc_root.to_str().unwrap();
        let (out, calls) = bed.run(
            "packaging/kernel/kexec-reboot-hook",
            args,
            &[("CHECK_STATUS", "4"), ("KEXEC_RC_ROOT", root)],
        );
        assert!(
            out.status.success(),
            "{host}: the hook failed the transaction: {out:?}"
        );
        assert!(
            calls.contains("kexec-reboot --quiet check --kernel 9.9"),
            "{host}: {calls}"
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("warning: a reboot into kernel 9.9 could not use kexec")
                && err.contains("/boot/initramfs-9.9.img: missing"),
            "{host}: {err}"
        );
        assert!(
            calls.contains("logger -t kexec-reboot -p daemon.warning"),
            "{host}: no syslog line: {calls}"
        );

        // A good kernel: silent.
        let (out, _) = bed.run(
            "packaging/kernel/kexec-reboot-hook",
            args,
            &[("KEXEC_RC_ROOT", root)],
        );
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{host}: {out:?}"
        );
    }
    // Off (disabled unit, no S link), or a kernel removed: no check at all.
    let bed = Bed::new("hook-off");
    let rc_root = bed.dir.join("root");
    fs::create_dir_all(rc_root.join("run/systemd/system")).unwrap();
    let root = rc_root.to_str().unwrap();
    let (out, calls) = bed.run(
        "packaging/kernel/kexec-reboot-hook",
        kernel_install,
        &[
            ("CHECK_STATUS", "4"),
            ("ENABLED", "1"),
            ("KEXEC_RC_ROOT", root),
        ],
    );
    assert!(out.status.success() && !calls.contains("check"), "{calls}");
    let (out, calls) = bed.run(
        "packaging/kernel/kexec-reboot-hook",
        &["remove", "9.9"],
        &[("KEXEC_RC_ROOT", root)],
    );
    assert!(out.status.success() && !calls.contains("check"), "{calls}");
}

/// `check --kernel VERSION` checks that kernel, not the configured choice (the real binary on
/// a fixture root): the hook's question for a kernel that is not the default.
#[test]
fn check_kernel_checks_the_named_kernel() {
    let dir = std::env::temp_dir().join(format!("kexec-systemd-check-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let cp = Command::new("cp")
        .arg("-a")
        .arg(repo().join("tests/fixtures/centos5-seed"))
        .arg(&dir)
        .status()
        .unwrap();
    assert!(cp.success());
    fs::remove_file(dir.join("boot/initrd-2.6.18-194.el5.img")).unwrap();
    let check = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_kexec-reboot"))
            .arg("--root")
            .arg(&dir)
            .arg("check")
            .args(extra)
            .output()
            .unwrap()
    };
    let default = check(&[]);
    assert!(
        default.status.success(),
        "the default entry is fine: {default:?}"
    );
    let other = check(&["--kernel", "2.6.18-194.el5"]);
    let err = String::from_utf8_lossy(&other.stderr);
    assert_eq!(other.status.code(), Some(4), "{err}");
    assert!(err.contains("/boot/initrd-2.6.18-194.el5.img"), "{err}");
    let _ = fs::remove_dir_all(&dir);
}

/// `rpm -qlp`: the el7/el8/el9 packages have the units and no SysV script; el5/el6 the
/// reverse. Needs `make rpm`; says "skipped" where the packages are absent.
#[test]
#[ignore = "needs the RPMs: make test-vm-systemd runs it after make rpm"]
fn packages_per_release() {
    let dir = repo().join("target/rpmbuild/RPMS/x86_64");
    for dist in ["el5", "el6", "el7", "el8", "el9"] {
        let rpm = fs::read_dir(&dir).ok().and_then(|d| {
            d.filter_map(Result::ok).map(|e| e.path()).find(|p| {
                p.to_string_lossy()
                    .ends_with(&format!(".{dist}.x86_64.rpm"))
            })
        });
        let Some(rpm) = rpm else {
            println!("skipped: no .{dist} RPM in {} (make rpm)", dir.display());
            continue;
        };
        let out = Command::new("rpm").arg("-qlp").arg(&rpm).output().unwrap();
        assert!(out.status.success(), "rpm -qlp {}", rpm.display());
        let files = String::from_utf8_lossy(&out.stdout).into_owned();
        let systemd = ["el7", "el8", "el9"].contains(&dist);
        for f in [
            "/usr/lib/systemd/system/kexec.service",
            "/usr/lib/systemd/system/kexec-exec.service",
            "/usr/libexec/kexec-reboot/kexec-step",
            "/usr/lib/systemd/system-shutdown/kexec-reboot.shutdown",
        ] {
            assert_eq!(
                files.lines().any(|l| l == f),
                systemd,
                "{dist}: {f}\n{files}"
            );
        }
        assert_eq!(
            files.lines().any(|l| l == "/etc/rc.d/init.d/kexec"),
            !systemd,
            "{dist}: init script\n{files}"
        );
        let kernel_install = ["el8", "el9"].contains(&dist);
        assert_eq!(
            files
                .lines()
                .any(|l| l == "/usr/lib/kernel/install.d/95-kexec-reboot.install"),
            kernel_install,
            "{dist}\n{files}"
        );
        assert_eq!(
            files
                .lines()
                .any(|l| l == "/etc/kernel/postinst.d/51-kexec-reboot"),
            !kernel_install,
            "{dist}\n{files}"
        );
    }
}
