//! The real binary on fixture roots shaped like real systems (`--root tests/fixtures/NAME`).
//! Every path it prints must be the system's (no fixture prefix), and nothing is ever loaded.

mod common;
use common::{copy_fixture, fixture};

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kexec-reboot"))
}

fn run(root: &Path, args: &[&str]) -> Output {
    bin()
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .expect("running kexec-reboot")
}

fn plan_json(root: &Path) -> Value {
    let out = run(root, &["plan", "--json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "plan --json on {} failed: {}\n{stdout}\n{}",
        root.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&stdout).expect("plan --json prints JSON")
}

fn write_config(root: &Path, text: &str) {
    fs::create_dir_all(root.join("etc/sysconfig")).unwrap();
    fs::write(root.join("etc/sysconfig/kexec"), text).unwrap();
}

fn all_checks_ok(p: &Value) -> bool {
    p["checks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["ok"] == true)
}

#[test]
fn centos5_seed_plan_is_the_default_grub_entry() {
    let p = plan_json(&fixture("centos5-seed"));
    assert_eq!(p["kernel"], "/boot/vmlinuz-2.6.18-194.11.4.el5");
    assert_eq!(p["initrd"], "/boot/initrd-2.6.18-194.11.4.el5.img");
    assert_eq!(p["cmdline"], "ro root=LABEL=/");
    assert_eq!(p["source"], "grub");
    assert_eq!(p["version"], "2.6.18-194.11.4.el5");
    assert_eq!(p["entry"], "CentOS (2.6.18-194.11.4.el5)");
    assert_eq!(p["method"], "auto");
    assert!(all_checks_ok(&p), "checks: {}", p["checks"]);
}

#[test]
fn centos6_saved_default_follows_the_default_file_not_the_first_entry() {
    let p = plan_json(&fixture("centos6-saved"));
    assert_eq!(
        p["kernel"], "/boot/vmlinuz-2.6.32-696.el6.x86_64",
        "default=saved with /boot/grub/default = 1"
    );
    assert_eq!(p["initrd"], "/boot/initramfs-2.6.32-696.el6.x86_64.img");
    assert_eq!(p["source"], "grub");
    assert!(p["cmdline"]
        .as_str()
        .unwrap()
        .starts_with("ro root=/dev/mapper/vg_web01-lv_root "));
    assert!(all_checks_ok(&p), "checks: {}", p["checks"]);
}

#[test]
fn centos7_grub2_saved_entry_by_title() {
    let p = plan_json(&fixture("centos7-grub2"));
    assert_eq!(
        p["kernel"], "/boot/vmlinuz-3.10.0-957.el7.x86_64",
        "grubenv saved_entry names the 957 title"
    );
    assert_eq!(p["initrd"], "/boot/initramfs-3.10.0-957.el7.x86_64.img");
    assert_eq!(p["source"], "grub2");
    assert_eq!(p["entry"], "CentOS Linux (3.10.0-957.el7.x86_64) 7 (Core)");
    assert_eq!(
        p["cmdline"],
        "root=/dev/mapper/centos-root ro crashkernel=auto rd.lvm.lv=centos/root rd.lvm.lv=centos/swap rhgb quiet LANG=en_US.UTF-8"
    );
    assert!(all_checks_ok(&p), "checks: {}", p["checks"]);
}

#[test]
fn fedora_bls_expands_kernelopts_and_keeps_both_initrds() {
    let p = plan_json(&fixture("fedora-bls"));
    assert_eq!(
        p["kernel"], "/boot/vmlinuz-5.14.10-100.fc33.x86_64",
        "saved_entry names the 5.14.10 BLS id"
    );
    assert_eq!(p["source"], "bls");
    assert_eq!(
        p["initrds"],
        serde_json::json!([
            "/boot/early_ucode.cpio",
            "/boot/initramfs-5.14.10-100.fc33.x86_64.img"
        ]),
        "$tuned_initrd comes first, then the initramfs"
    );
    assert_eq!(
        p["cmdline"],
        "root=UUID=7c1e9f0a-3b2d-4e5f-8a6b-9c0d1e2f3a4b ro resume=UUID=0d9e8f7a-6b5c-4d3e-2f1a-0b9c8d7e6f5a rhgb quiet skew_tick=1",
        "$kernelopts and $tuned_params from grubenv"
    );
    assert!(all_checks_ok(&p), "checks: {}", p["checks"]);
}

#[test]
fn scan_only_picks_the_newest_and_the_running_cmdline() {
    let p = plan_json(&fixture("scan-only"));
    assert_eq!(p["kernel"], "/boot/vmlinuz-4.18.0-513.el8.x86_64");
    assert_eq!(p["initrd"], "/boot/initramfs-4.18.0-513.el8.x86_64.img");
    assert_eq!(p["source"], "scan");
    assert_eq!(p["entry"], Value::Null);
    let c = p["cmdline"].as_str().unwrap();
    assert!(
        c.starts_with("root=/dev/mapper/rl-root ro"),
        "running cmdline without BOOT_IMAGE: {c}"
    );
    assert!(!c.contains("BOOT_IMAGE"), "{c}");
    assert!(all_checks_ok(&p), "checks: {}", p["checks"]);
}

#[test]
fn plan_in_words_names_kernel_reason_and_checks() {
    for name in [
        "centos5-seed",
        "centos6-saved",
        "centos7-grub2",
        "fedora-bls",
        "scan-only",
    ] {
        let out = run(&fixture(name), &["plan"]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{name}: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for word in [
            "would stage",
            "why:",
            "kernel:",
            "initrd:",
            "cmdline:",
            "checks:",
        ] {
            assert!(text.contains(word), "{name}: plan says {word:?}:\n{text}");
        }
        assert!(
            !text.contains("tests/fixtures"),
            "{name}: paths are the system's:\n{text}"
        );
    }
}

#[test]
fn list_marks_the_default_and_the_choice() {
    let out = run(&fixture("centos6-saved"), &["list"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let line = text
        .lines()
        .find(|l| l.contains("2.6.32-696.el6.x86_64") && l.contains("CentOS"))
        .expect("696 listed");
    assert!(
        line.starts_with("*D"),
        "the default entry is marked D and chosen *: {line:?}\n{text}"
    );
    let other = text
        .lines()
        .find(|l| l.contains("CentOS 6 (2.6.32-754"))
        .expect("754 listed");
    assert!(
        other.starts_with("  "),
        "the first entry is not the default: {other:?}"
    );
}

#[test]
fn list_json_marks_default() {
    let out = run(&fixture("centos7-grub2"), &["list", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("list --json is JSON");
    let defaults: Vec<&Value> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["default"] == true)
        .collect();
    assert_eq!(defaults.len(), 1, "exactly one default: {v}");
    assert_eq!(defaults[0]["entry"]["version"], "3.10.0-957.el7.x86_64");
}

#[test]
fn newest_never_picks_rescue() {
    let root = copy_fixture("centos7-grub2");
    write_config(root.path(), "KEXEC_KERNEL=newest\n");
    let p = plan_json(root.path());
    assert_eq!(p["kernel"], "/boot/vmlinuz-3.10.0-1160.el7.x86_64");
}

#[test]
fn append_and_remove_shape_the_cmdline() {
    let root = copy_fixture("centos6-saved");
    write_config(
        root.path(),
        "KEXEC_APPEND=\"kexec_marker=1\"\nKEXEC_REMOVE=\"rhgb quiet\"\n",
    );
    let p = plan_json(root.path());
    let c = p["cmdline"].as_str().unwrap();
    assert!(c.ends_with(" kexec_marker=1"), "{c}");
    assert!(!c.split(' ').any(|w| w == "rhgb" || w == "quiet"), "{c}");
}

#[test]
fn kernel_running_uses_the_running_cmdline() {
    let root = copy_fixture("centos7-grub2");
    write_config(root.path(), "KEXEC_KERNEL=running\n");
    let p = plan_json(root.path());
    assert_eq!(p["kernel"], "/boot/vmlinuz-3.10.0-957.el7.x86_64");
    assert!(!p["cmdline"].as_str().unwrap().contains("BOOT_IMAGE"));
}

#[test]
fn shell_expansion_in_config_is_refused_with_file_and_line() {
    let root = copy_fixture("centos5-seed");
    write_config(root.path(), "# ok\nKEXEC_APPEND=\"$(reboot)\"\n");
    let out = run(root.path(), &["load", "--dry-run"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "config errors exit 3: {err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "exactly one line: {err}");
    assert!(
        lines[0].contains("/etc/sysconfig/kexec:2"),
        "names file and line: {err}"
    );
    assert!(
        lines[0].contains("nothing staged"),
        "says nothing was staged: {err}"
    );
}

#[test]
fn missing_initrd_stages_nothing_and_names_the_file() {
    let root = copy_fixture("centos5-seed");
    fs::remove_file(root.path().join("boot/initrd-2.6.18-194.11.4.el5.img")).unwrap();
    let out = run(root.path(), &["load", "--dry-run"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(
        err.contains("/boot/initrd-2.6.18-194.11.4.el5.img"),
        "{err}"
    );
}

#[test]
fn garbage_kernel_is_refused() {
    let root = copy_fixture("centos5-seed");
    fs::write(
        root.path().join("boot/vmlinuz-2.6.18-194.11.4.el5"),
        b"this is not a kernel",
    )
    .unwrap();
    let out = run(root.path(), &["check"]);
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/boot/vmlinuz-2.6.18-194.11.4.el5"), "{err}");
}

#[test]
fn truncated_kernel_is_refused() {
    let root = copy_fixture("centos5-seed");
    let path = root.path().join("boot/vmlinuz-2.6.18-194.11.4.el5");
    let mut img = fs::read(&path).unwrap();
    img.truncate(img.len() - 200);
    fs::write(&path, &img).unwrap();
    let out = run(root.path(), &["check"]);
    assert_eq!(out.status.code(), Some(4), "a kernel cut short is refused");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("truncated"), "{err}");
}

#[test]
fn old_protocol_x86_64_kernel_is_not_taken_for_32_bit() {
    // CentOS 5/6 kernels predate boot protocol 2.12 and have no XLF_KERNEL_64 flag.
    let root = copy_fixture("centos5-seed");
    let mut fake = kexec_reboot::kernel_image::FakeImage::new("2.6.18-194.11.4.el5");
    fake.protocol = (2, 5);
    fake.xloadflags = 0;
    fs::write(
        root.path().join("boot/vmlinuz-2.6.18-194.11.4.el5"),
        fake.build(),
    )
    .unwrap();
    let out = run(root.path(), &["check"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("32-bit"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}

#[test]
fn missing_modules_are_refused_unless_allowed() {
    let root = copy_fixture("centos5-seed");
    fs::remove_dir_all(root.path().join("lib/modules/2.6.18-194.11.4.el5")).unwrap();
    let out = run(root.path(), &["check"]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    write_config(root.path(), "KEXEC_REQUIRE_MODULES=no\n");
    let out = run(root.path(), &["check"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn load_with_root_needs_dry_run() {
    let out = run(&fixture("centos5-seed"), &["load"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--dry-run"));
    let out = run(&fixture("centos5-seed"), &["load", "--dry-run"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("would stage 2.6.18-194.11.4.el5"));
}

#[test]
fn check_passes_on_every_fixture() {
    for name in [
        "centos5-seed",
        "centos6-saved",
        "centos7-grub2",
        "fedora-bls",
        "scan-only",
    ] {
        let out = run(&fixture(name), &["check"]);
        assert!(
            out.status.success(),
            "{name}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn status_on_a_tree_without_kexec_says_so() {
    let out = run(&fixture("centos5-seed"), &["status"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stdout).contains("not available"));
}

#[test]
fn help_documents_exit_codes() {
    let out = bin().arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Exit codes:"), "{text}");
}

#[test]
fn a_kernel_or_config_others_can_write_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let root = copy_fixture("centos5-seed");
    let k = root.path().join("boot/vmlinuz-2.6.18-194.11.4.el5");
    fs::set_permissions(&k, fs::Permissions::from_mode(0o666)).unwrap();
    let out = run(root.path(), &["load", "--dry-run"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(
        err.contains("/boot/vmlinuz-2.6.18-194.11.4.el5") && err.contains("chmod go-w"),
        "{err}"
    );
    fs::set_permissions(&k, fs::Permissions::from_mode(0o644)).unwrap();

    write_config(root.path(), "KEXEC_KERNEL=default\n");
    let cfg = root.path().join("etc/sysconfig/kexec");
    fs::set_permissions(&cfg, fs::Permissions::from_mode(0o646)).unwrap();
    let out = run(root.path(), &["load", "--dry-run"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("/etc/sysconfig/kexec"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}
