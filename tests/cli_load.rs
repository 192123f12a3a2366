//! The load flow end to end on a fixture root with the stand-in kernel (`--fake-kernel`):
//! what is staged, kept, replaced or unloaded, and boot confirmation across a "reboot"
//! (a new boot id, and the running kernel and command line of the staged boot or not).

mod common;
use common::fake_root::{stderr, Tree};

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

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
        ["load kernel=/boot/vmlinuz-2.6.18-194.11.4.el5 initrds=/boot/initrd-2.6.18-194.11.4.el5.img cmdline=ro root=LABEL=/ kexec_reboot.boot=boot-1"]
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
    t.kexec_into("boot-2", "2.6.18-194.11.4.el5");
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

/// Issue 20 §2: a power cycle after a staged kexec that hung boots the same default entry
/// through GRUB: the same kernel and command line as staged, but without our marker. That is a
/// firmware boot, a failed kexec boot, never "confirmed the kexec boot" (the old comparison of
/// version and command line said it was).
#[test]
fn a_firmware_boot_into_the_staged_kernel_is_not_a_confirmed_kexec_boot() {
    let t = Tree::new("centos5-seed");
    assert!(t.run(&["load"]).status.success());
    let staged = t.status()["staged"]["cmdline"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        staged.contains("kexec_reboot.boot=boot-1"),
        "the staged command line carries the marker of the staging boot: {staged}"
    );
    // GRUB boots the default entry: its own words, plus the BOOT_IMAGE it adds.
    t.reboot_into(
        "boot-2",
        "2.6.18-194.11.4.el5",
        "BOOT_IMAGE=/vmlinuz-2.6.18-194.11.4.el5 ro root=LABEL=/",
    );
    let o = t.run(&["confirm"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        !e.contains("confirmed the kexec boot") && e.contains("came through the firmware"),
        "{e}"
    );
    let st = t.status();
    assert_eq!(st["boot"]["came"], "firmware", "{st}");
    assert_eq!(st["confirmed"], serde_json::Value::Null, "{st}");
    assert_eq!(st["unconfirmed"]["came"], "firmware", "{st}");
    let o = t.run(&["load", "--reason", "shutdown"]);
    assert_eq!(o.status.code(), Some(6), "quarantined: {}", stderr(&o));
}

/// The marker of the boot before never travels on: `KEXEC_CMDLINE=running` after a kexec boot
/// stages this boot's marker only.
#[test]
fn the_running_command_line_is_reused_without_the_old_marker() {
    let t = Tree::new("centos5-seed");
    assert!(t.run(&["load"]).status.success());
    t.kexec_into("boot-2", "2.6.18-194.11.4.el5");
    assert!(t.run(&["confirm"]).status.success());
    t.write(
        "etc/sysconfig/kexec",
        "KEXEC_CMDLINE=running
",
    );
    assert!(t.run(&["load"]).status.success());
    let staged = t.status()["staged"]["cmdline"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        staged.matches("kexec_reboot.").count(),
        1,
        "one marker, this boot's: {staged}"
    );
    assert!(staged.ends_with("kexec_reboot.boot=boot-2"), "{staged}");
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

// ---- issue 13: nothing stale ever boots, whatever dies ------------------------------------

/// `kexec-reboot --root T --fake-kernel ARGS` with `umask` set first.
fn run_with_umask(t: &Tree, umask: u32, args: &[&str]) -> Output {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kexec-reboot"));
    cmd.arg("--root")
        .arg(t.path())
        .arg("--fake-kernel")
        .args(args);
    // SAFETY: umask is async-signal-safe and touches nothing else.
    unsafe {
        cmd.pre_exec(move || {
            libc::umask(umask as libc::mode_t);
            Ok(())
        });
    }
    cmd.output().expect("running kexec-reboot")
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
}

/// Defect 7: two loads at once. Without a lock, the loser's rename of the shared temporary
/// file failed and it unloaded the winner's image after the winner had said "staged".
#[test]
fn concurrent_loads_never_report_staged_with_nothing_staged() {
    let t = Tree::new("centos5-seed");
    let bin = env!("CARGO_BIN_EXE_kexec-reboot");
    let mut bad = Vec::new();
    for round in 0..30 {
        t.write("sys/kernel/kexec_loaded", "0\n");
        let spawn = || {
            Command::new(bin)
                .arg("--root")
                .arg(t.path())
                .args(["--fake-kernel", "load"])
                .output()
        };
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(spawn);
            let b = s.spawn(spawn);
            (a.join().unwrap().unwrap(), b.join().unwrap().unwrap())
        });
        let said_staged = a.status.success() || b.status.success();
        if said_staged && !t.loaded() {
            bad.push(format!(
                "round {round}: exit {:?} and {:?}, nothing staged at the end:\n{}\n{}",
                a.status.code(),
                b.status.code(),
                stderr(&a),
                stderr(&b)
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "{} of 30 rounds:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

/// Defect 7: a load waits for the lock another command holds, and gives up at KEXEC_TIMEOUT.
#[test]
fn a_load_waits_for_the_lock_then_gives_up() {
    let t = Tree::new("centos5-seed");
    t.write("etc/sysconfig/kexec", "KEXEC_TIMEOUT=1\n");
    let lock = t.path().join("var/run/kexec-reboot.lock");
    let mut holder = Command::new("flock")
        .arg(&lock)
        .args(["sleep", "20"])
        .spawn()
        .expect("flock(1) from util-linux");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let o = t.run(&["load"]);
    let _ = holder.kill();
    let _ = holder.wait();
    assert_ne!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("kexec-reboot.lock"), "{}", stderr(&o));
    assert!(
        !t.loaded(),
        "nothing may be staged past a lock held by another"
    );
    assert!(t.fake_log().is_empty(), "{:?}", t.fake_log());
}

/// Defect 6: if the unconfirmed record cannot be written, the pending one must stay, so the
/// unconfirmed boot is not forgotten.
#[test]
fn confirm_writes_the_unconfirmed_record_before_removing_the_pending_one() {
    let t = Tree::new("centos5-seed");
    assert!(t.run(&["load"]).status.success());
    t.reboot_into("boot-2", "2.6.18-194.el5", "ro root=LABEL=/ rhgb quiet");
    // A directory in the way: the rename over it fails.
    fs::create_dir_all(t.path().join("var/lib/kexec-reboot/unconfirmed.json/x")).unwrap();
    let _ = t.run(&["confirm"]);
    assert!(
        t.path().join("var/lib/kexec-reboot/pending.json").is_file(),
        "the pending record was removed although the unconfirmed one was not written"
    );
}

/// Defect 6: a truncated unconfirmed record counts as an unconfirmed boot, and `status` says so.
#[test]
fn a_damaged_unconfirmed_record_keeps_kexec_off_and_status_says_so() {
    let t = Tree::new("centos5-seed");
    t.write(
        "var/lib/kexec-reboot/unconfirmed.json",
        "{\"staged\": {\"boot_id\": \"b",
    );
    let o = t.run(&["load"]);
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
    assert!(stderr(&o).contains("damaged"), "{}", stderr(&o));
    assert!(!t.loaded());
    let o = t.run(&["status"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("kexec reboots are OFF") && out.contains("damaged"),
        "{out}"
    );
    assert!(t.run(&["status", "--clear"]).status.success());
    assert!(t.run(&["load"]).status.success(), "on again after --clear");
}

/// Defect 6: a damaged pending record at boot counts as an unconfirmed boot.
#[test]
fn a_damaged_pending_record_counts_as_unconfirmed() {
    let t = Tree::new("centos5-seed");
    t.write(
        "var/lib/kexec-reboot/pending.json",
        "{\"boot_id\": \"boot-0\", \"ker",
    );
    let o = t.run(&["confirm"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = t.run(&["load"]);
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
}

/// Defect 6: a second `confirm` in the same boot (`service kexec restart`, the package's
/// condrestart) must not turn an operator's manual load, made since, into a "stale" one.
#[test]
fn a_second_confirm_in_the_same_boot_keeps_a_manual_load_manual() {
    let t = Tree::new("centos5-seed");
    assert!(t.run(&["confirm"]).status.success());
    t.write("sys/kernel/kexec_loaded", "1\n"); // the operator's kexec -l
    assert!(t.run(&["confirm"]).status.success());
    let o = t.run(&["load"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("kept the kernel that was loaded by hand"),
        "{}",
        stderr(&o)
    );
    assert!(t.fake_log().is_empty(), "{:?}", t.fake_log());
}

/// Defect 10: nothing staged is the normal state between reboots: `status` exits 0.
#[test]
fn status_with_nothing_staged_exits_0() {
    let t = Tree::new("centos5-seed");
    let o = t.run(&["status"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("nothing staged"));
}

/// Defect 4: under `umask 000` our directory is still created 0700, and a link planted as
/// the temporary file (in a directory an older version left 0777) is never followed.
#[test]
fn state_writes_never_follow_a_planted_link() {
    let t = Tree::new("centos5-seed");
    let o = run_with_umask(&t, 0, &["load"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let dir = t.path().join("var/lib/kexec-reboot");
    assert_eq!(mode(&dir), 0o700, "created 0700 whatever the umask");

    let t = Tree::new("centos5-seed");
    let dir = t.path().join("var/lib/kexec-reboot");
    fs::create_dir_all(&dir).unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
    t.write("victim", "precious\n");
    std::os::unix::fs::symlink(t.path().join("victim"), dir.join("pending.json.tmp")).unwrap();
    let o = t.run(&["load"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        t.read("victim"),
        "precious\n",
        "the planted link was followed"
    );
    assert_eq!(mode(&dir), 0o700, "the open directory was closed");
    assert!(dir.join("pending.json").is_file());
}

/// Defect 4: our directory owned by another user is refused, not written into.
#[test]
fn a_state_directory_owned_by_another_user_is_refused() {
    let t = Tree::new("centos5-seed");
    let dir = t.path().join("var/lib/kexec-reboot");
    fs::create_dir_all(&dir).unwrap();
    std::os::unix::fs::chown(&dir, Some(65534), None).unwrap();
    let o = t.run(&["load"]);
    assert_ne!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("owned by uid 65534"), "{}", stderr(&o));
    assert!(!t.loaded());
    assert!(!dir.join("pending.json").exists());
}

/// Defect 4: the grubenv rewrite (clearing a one-time next_entry) uses the same writer: a
/// link planted as grubenv.tmp is not followed.
#[test]
fn the_grubenv_rewrite_never_follows_a_planted_link() {
    let t = Tree::new("centos7-grub2");
    let env = "boot/grub2/grubenv";
    let text = t.read(env);
    let line = "next_entry=CentOS Linux (3.10.0-957.el7.x86_64) 7 (Core)\n";
    t.write(env, &text.replacen(&"#".repeat(line.len()), line, 1));
    t.write("victim", "precious\n");
    std::os::unix::fs::symlink(
        t.path().join("victim"),
        t.path().join("boot/grub2/grubenv.tmp"),
    )
    .unwrap();
    let o = t.run(&["load"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        t.read("victim"),
        "precious\n",
        "the planted link was followed"
    );
    assert!(!t.read(env).contains("next_entry="), "{}", t.read(env));
}

/// Defect 5: the kernel reached through a link in a directory another user can write
/// (/boot/vmlinuz-X -> /home/u/link -> /boot/real): the user could re-point the link between
/// the check and the load, so it is refused.
#[test]
fn a_kernel_behind_a_link_in_a_user_writable_directory_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let t = Tree::new("centos5-seed");
    let kernel = t.path().join("boot/vmlinuz-2.6.18-194.11.4.el5");
    fs::rename(&kernel, t.path().join("boot/real")).unwrap();
    fs::create_dir_all(t.path().join("home/u")).unwrap();
    fs::set_permissions(t.path().join("home/u"), fs::Permissions::from_mode(0o777)).unwrap();
    std::os::unix::fs::symlink("../../boot/real", t.path().join("home/u/link")).unwrap();
    std::os::unix::fs::symlink("../home/u/link", &kernel).unwrap();
    let o = t.run(&["load"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("/home/u") && stderr(&o).contains("chmod go-w"),
        "{}",
        stderr(&o)
    );
    assert!(!t.loaded());
}

/// Defect 1 (the binary's side): the binary is the one reader of KEXEC_TIMEOUT and tells the
/// rc script's guard what it read, in any spelling the config accepts.
#[test]
fn load_tells_the_guard_its_timeout() {
    for (conf, want) in [
        ("KEXEC_TIMEOUT=09\n", "9"),
        ("export KEXEC_TIMEOUT=60\n", "60"),
        ("KEXEC_TIMEOUT=60 # a comment\n", "60"),
        ("", "30"),
    ] {
        let t = Tree::new("centos5-seed");
        t.write("etc/sysconfig/kexec", conf);
        let o = t.run(&["load"]);
        assert!(o.status.success(), "{conf:?}: {}", stderr(&o));
        let said = t.read("var/run/kexec-reboot.guard");
        let words: Vec<&str> = said.split_whitespace().collect();
        assert_eq!(words.len(), 2, "{conf:?}: {said:?}");
        assert!(words[0].parse::<u32>().is_ok(), "{conf:?}: {said:?}");
        assert_eq!(words[1], want, "{conf:?}: {said:?}");
    }
}

/// Defect 2 (the binary's side): `unload --ours` unloads ours, keeps a manual load.
#[test]
fn unload_ours_keeps_a_manual_load() {
    let t = Tree::new("centos5-seed");
    assert!(t.run(&["load"]).status.success());
    assert!(t.run(&["unload", "--ours"]).status.success());
    assert!(!t.loaded(), "ours is unloaded");

    let t = Tree::new("centos5-seed");
    t.write("sys/kernel/kexec_loaded", "1\n");
    assert!(t.run(&["unload", "--ours"]).status.success());
    assert!(t.loaded(), "a manual load stays");

    // A crash between the syscall and the record: the marker says it is ours.
    let t = Tree::new("centos5-seed");
    t.write("sys/kernel/kexec_loaded", "1\n");
    t.write(
        "var/run/kexec-reboot.loading",
        "{\"boot_id\":\"boot-1\",\"pid\":1,\"time\":0}",
    );
    assert!(t.run(&["unload", "--ours"]).status.success());
    assert!(!t.loaded(), "an image being loaded by us is ours");
}
