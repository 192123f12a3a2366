//! The load flow end to end on a fixture root with the stand-in kernel (`--fake-kernel`):
//! what is staged, kept, replaced or unloaded, and boot confirmation across a "reboot"
//! (a new boot id, and the running kernel and command line of the staged boot or not).

mod common;
use common::copy_fixture;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    fn new(name: &str) -> Tree {
        let dir = copy_fixture(name);
        let t = Tree { dir };
        t.write("proc/sys/kernel/random/boot_id", "boot-1\n");
        t.write("sys/kernel/kexec_loaded", "0\n");
        fs::create_dir_all(t.path().join("var/run")).unwrap();
        t
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.path().join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path().join(rel)).unwrap_or_default()
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_kexec-reboot"))
            .arg("--root")
            .arg(self.path())
            .arg("--fake-kernel")
            .args(args)
            .output()
            .expect("running kexec-reboot")
    }

    fn loaded(&self) -> bool {
        self.read("sys/kernel/kexec_loaded").trim() == "1"
    }

    fn fake_log(&self) -> Vec<String> {
        self.read("sys/kernel/kexec-reboot-fake.log")
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// A reboot into `version` with `cmdline`: a new boot id, what /proc says, nothing loaded.
    fn reboot_into(&self, boot_id: &str, version: &str, cmdline: &str) {
        self.write("proc/sys/kernel/random/boot_id", &format!("{boot_id}\n"));
        self.write("proc/sys/kernel/osrelease", &format!("{version}\n"));
        self.write("proc/cmdline", &format!("{cmdline}\n"));
        self.write("sys/kernel/kexec_loaded", "0\n");
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn load_stages_the_plan_and_status_says_ours() {
    let t = Tree::new("centos5-seed");
    let o = t.run(&["load", "--reason", "shutdown"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("staged 2.6.18-194.11.4.el5 (grub default entry"),
        "{}",
        stderr(&o)
    );
    assert!(t.loaded());
    assert_eq!(
        t.fake_log(),
        ["load kernel=/boot/vmlinuz-2.6.18-194.11.4.el5 initrds=/boot/initrd-2.6.18-194.11.4.el5.img cmdline=ro root=LABEL=/"]
    );
    let o = t.run(&["status"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("staged 2.6.18-194.11.4.el5 by kexec-reboot")
    );
}

#[test]
fn a_failed_load_after_a_good_one_unloads_ours() {
    let t = Tree::new("centos5-seed");
    assert!(t.run(&["load"]).status.success());
    fs::remove_file(t.path().join("boot/initrd-2.6.18-194.11.4.el5.img")).unwrap();
    let o = t.run(&["load"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(
        !t.loaded(),
        "the earlier image of ours must not win at reboot"
    );
    assert_eq!(t.fake_log().last().map(String::as_str), Some("unload"));
}

#[test]
fn a_kernel_refused_by_the_kernel_unloads_and_says_why() {
    let t = Tree::new("centos5-seed");
    assert!(t.run(&["load"]).status.success());
    t.write("sys/kernel/kexec-reboot-fake-errno", "EPERM\n");
    let o = t.run(&["load"]);
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("EPERM") && e.contains("locked down"), "{e}");
    assert!(e.contains("nothing staged"), "{e}");
    assert!(!t.loaded());
}

#[test]
fn a_manual_load_is_kept_unless_told_otherwise() {
    let t = Tree::new("centos5-seed");
    t.write("sys/kernel/kexec_loaded", "1\n");
    let o = t.run(&["load"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("kept the kernel that was loaded by hand"),
        "{}",
        stderr(&o)
    );
    assert!(
        t.fake_log().is_empty(),
        "nothing loaded over the manual image"
    );
    t.write("etc/sysconfig/kexec", "KEXEC_RESPECT_MANUAL=no\n");
    let o = t.run(&["load"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(t.fake_log().len(), 1, "replaced: {:?}", t.fake_log());
}

#[test]
fn an_image_staged_before_boot_finished_is_stale_and_replaced() {
    let t = Tree::new("centos5-seed");
    t.write("sys/kernel/kexec_loaded", "1\n");
    let o = t.run(&["confirm"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = t.run(&["load"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("stale"), "{}", stderr(&o));
    assert_eq!(t.fake_log().len(), 1, "the stale image was replaced");
}

#[test]
fn a_stale_image_is_unloaded_when_the_config_is_broken() {
    let t = Tree::new("centos5-seed");
    t.write("sys/kernel/kexec_loaded", "1\n");
    assert!(t.run(&["confirm"]).status.success());
    t.write("etc/sysconfig/kexec", "KEXEC_METHOD=magic\n");
    let o = t.run(&["load"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(!t.loaded(), "a stale image must not win at reboot");
}

#[test]
fn a_confirmed_kexec_boot_leaves_kexec_on() {
    let t = Tree::new("centos5-seed");
    assert!(t.run(&["load"]).status.success());
    t.reboot_into("boot-2", "2.6.18-194.11.4.el5", "ro root=LABEL=/");
    let o = t.run(&["confirm"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("confirmed the kexec boot into 2.6.18-194.11.4.el5"),
        "{}",
        stderr(&o)
    );
    assert!(!t.path().join("var/lib/kexec-reboot/pending.json").exists());
    let o = t.run(&["load"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn an_unconfirmed_kexec_boot_turns_kexec_off_until_cleared() {
    let t = Tree::new("centos5-seed");
    assert!(t.run(&["load"]).status.success());
    // The staged kernel hung; the machine was power-cycled and came back in the old one.
    t.reboot_into("boot-2", "2.6.18-194.el5", "ro root=LABEL=/ rhgb quiet");
    let o = t.run(&["confirm"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("never confirmed"), "{}", stderr(&o));

    let o = t.run(&["load", "--reason", "shutdown"]);
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(
        e.contains("never confirmed") && e.contains("status --clear"),
        "{e}"
    );
    assert!(!t.loaded());

    let o = t.run(&["status"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("kexec reboots are OFF"));
    let o = t.run(&["status", "--clear"]);
    assert!(o.status.code().is_some(), "{}", stderr(&o));
    let o = t.run(&["load"]);
    assert!(o.status.success(), "after --clear: {}", stderr(&o));

    // KEXEC_REQUIRE_CONFIRM=no keeps staging regardless.
    t.reboot_into("boot-3", "2.6.18-194.el5", "ro root=LABEL=/");
    assert!(t.run(&["confirm"]).status.success());
    t.write("etc/sysconfig/kexec", "KEXEC_REQUIRE_CONFIRM=no\n");
    let o = t.run(&["load"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_load_in_this_boot_is_not_judged_before_the_reboot() {
    let t = Tree::new("centos5-seed");
    assert!(t.run(&["load"]).status.success());
    assert!(t.run(&["confirm"]).status.success());
    assert!(
        t.path().join("var/lib/kexec-reboot/pending.json").exists(),
        "still waiting for its boot"
    );
    assert!(!t
        .path()
        .join("var/lib/kexec-reboot/unconfirmed.json")
        .exists());
}

#[test]
fn reboot_kernel_once_overrides_the_config_for_this_boot_only() {
    let t = Tree::new("centos5-seed");
    let o = t.run(&["reboot", "--kernel", "2.6.18-194.el5", "--dry-run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("would stage 2.6.18-194.el5"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn fake_kernel_needs_a_root() {
    let o = Command::new(env!("CARGO_BIN_EXE_kexec-reboot"))
        .args(["--fake-kernel", "status"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn a_one_time_next_entry_is_booted_once_then_cleared_as_grub_does() {
    let t = Tree::new("centos7-grub2");
    let env_path = t.path().join("boot/grub2/grubenv");
    let env = fs::read_to_string(&env_path).unwrap();
    // grub2-reboot 0: the 1160 entry once, then saved_entry (957) again.
    let env = env.replacen("saved_entry=", "next_entry=0\nsaved_entry=", 1);
    let env = &env[..1024];
    fs::write(&env_path, env).unwrap();
    // The grubenv on the EFI partition, reached through a link, as on EL7 EFI systems.
    fs::create_dir_all(t.path().join("boot/efi/EFI/centos")).unwrap();
    fs::rename(&env_path, t.path().join("boot/efi/EFI/centos/grubenv")).unwrap();
    std::os::unix::fs::symlink("../efi/EFI/centos/grubenv", &env_path).unwrap();

    let o = t.run(&["load"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("staged 3.10.0-1160.el7.x86_64"),
        "next_entry wins: {}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("cleared the one-time next_entry"),
        "{}",
        stderr(&o)
    );
    assert!(
        fs::symlink_metadata(&env_path)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link stays a link"
    );
    let after = fs::read_to_string(&env_path).unwrap();
    assert_eq!(after.len(), 1024, "the block keeps its size");
    assert!(!after.contains("next_entry"), "{after}");
    assert!(after.contains("saved_entry=CentOS Linux (3.10.0-957.el7.x86_64) 7 (Core)\n"));

    let o = t.run(&["load"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("staged 3.10.0-957.el7.x86_64"),
        "then saved_entry again: {}",
        stderr(&o)
    );
}

#[test]
fn a_staged_boot_that_cannot_be_recorded_for_confirmation_is_unloaded() {
    // /var read-only or full: here /var/lib/kexec-reboot cannot be made (a file is in the way),
    // which fails as root too.
    for (case, require, want_code) in [
        ("KEXEC_REQUIRE_CONFIRM=yes (default)", "", Some(1)),
        (
            "KEXEC_REQUIRE_CONFIRM=no",
            "KEXEC_REQUIRE_CONFIRM=no\n",
            Some(0),
        ),
    ] {
        let t = Tree::new("centos5-seed");
        t.write("var/lib/kexec-reboot", "not a directory\n");
        t.write("etc/sysconfig/kexec", require);
        let o = t.run(&["load", "--reason", "shutdown"]);
        let e = stderr(&o);
        assert_eq!(o.status.code(), want_code, "{case}: {e}");
        if want_code == Some(1) {
            assert!(
                e.contains("cannot record the staged boot for confirmation")
                    && e.contains("/var/lib/kexec-reboot")
                    && e.contains("nothing staged"),
                "{case}: {e}"
            );
            assert_eq!(
                e.lines().filter(|l| l.contains("error:")).count(),
                1,
                "{case}: one error line: {e}"
            );
            assert!(!t.loaded(), "{case}: an unrecorded boot must not be staged");
            assert_eq!(
                t.fake_log().last().map(String::as_str),
                Some("unload"),
                "{case}"
            );
        } else {
            assert!(t.loaded(), "{case}: staged without confirmation, as asked");
            assert!(
                e.contains("its boot cannot be confirmed later"),
                "{case}: {e}"
            );
        }
    }
}
