//! The truth test of the systemd flavour: a real kernel under QEMU with Debian's systemd 252 as
//! PID 1 (RHEL 9 ships 252), /boot laid out as RHEL 9 (BLS entries, grubenv kernelopts), and
//! the files of our el9 RPM, enabled with `systemctl enable kexec` (the real systemctl).
//!
//! Each scenario boots kernel A and asserts on the serial log, the guest's journal and the
//! disks: whether the reboot came back in B via kexec (after the services stopped and the
//! filesystems were unmounted) or went through the firmware (QEMU runs with `-no-reboot`, so it
//! exits), what the console and the journal said, whether an image was loaded just before
//! systemd-reboot.service / systemd-poweroff.service (a probe unit prints
//! /sys/kernel/kexec_loaded there), and that both filesystems were clean afterwards.
//! tests/vm/systemd/run.sh builds and boots the machine; this file decides and checks.
//!
//! `#[ignore]`d in a plain `cargo test`; `make test-vm-systemd` (part of `make test`) builds
//! the RPMs and runs them, one VM at a time.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// One VM at a time: two shared cores, TCG.
static VM: Mutex<()> = Mutex::new(());

/// The `KEXEC_APPEND` marker run.sh puts in /etc/sysconfig/kexec: seen only after our load.
const MARKER: &str = "vmtest_kexec_marker=1";

/// What one VM run left behind: the serial log without colour codes, the journal, the disks.
struct Run {
    name: String,
    dir: PathBuf,
    lines: Vec<String>,
    journal: String,
    fsck: String,
    vm: HashMap<String, String>,
}

fn vm_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/vm")
}

/// `text` without ANSI colour sequences (systemd colours its status lines).
fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for d in chars.by_ref() {
                    if d.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// `KEXEC_VM_SYSTEMD_BREAK=load-on-poweroff|skip-exec`: break the product on purpose in every
/// run (tests/vm/systemd/run.sh --break), to see the scenarios fail. Unset in `make test`.
fn sabotage() -> Vec<String> {
    match std::env::var("KEXEC_VM_SYSTEMD_BREAK") {
        Ok(b) if !b.is_empty() => {
            eprintln!("KEXEC_VM_SYSTEMD_BREAK={b}: the product is broken on purpose");
            vec!["--break".to_string(), b]
        }
        _ => Vec::new(),
    }
}

fn run(name: &str, args: &[&str]) -> Run {
    let _guard = VM.lock().unwrap_or_else(|e| e.into_inner());
    let top = Path::new(env!("CARGO_MANIFEST_DIR"));
    let status = Command::new("sh")
        .arg(top.join("tests/vm/systemd/run.sh"))
        .arg(vm_dir())
        .arg(name)
        .args(args)
        .args(sabotage())
        .status()
        .unwrap_or_else(|e| panic!("{name}: running tests/vm/systemd/run.sh: {e}"));
    assert!(
        status.success(),
        "{name}: tests/vm/systemd/run.sh failed ({status}); its message is above"
    );
    let dir = vm_dir().join("runs").join(name);
    let read = |f: &str| {
        fs::read_to_string(dir.join(f))
            .unwrap_or_else(|e| panic!("{name}: reading {}: {e}", dir.join(f).display()))
    };
    let lines = read("serial.log")
        .lines()
        .map(|l| {
            let l = l.trim_start();
            plain(l.split_once(' ').map_or("", |(_, t)| t))
        })
        .collect();
    let vm = fs::read_to_string(vm_dir().join("base/vm.env"))
        .unwrap_or_else(|e| panic!("{name}: reading target/vm/base/vm.env: {e}"))
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.trim_matches('\'').to_string()))
        .collect();
    let r = Run {
        name: name.to_string(),
        lines,
        journal: read("journal.txt"),
        fsck: read("fsck-root.txt") + &read("fsck-boot.txt"),
        vm,
        dir,
    };
    r.check(
        r.fsck.matches("e2fsck status 0").count() == 2,
        &format!(
            "e2fsck -fn of the disks afterwards found problems:\n{}",
            r.fsck
        ),
    );
    r
}

impl Run {
    fn kernel_a(&self) -> &str {
        &self.vm["KERNEL_A"]
    }

    fn kernel_b(&self) -> &str {
        &self.vm["KERNEL_B"]
    }

    fn fail(&self, what: &str) -> ! {
        let from = self.lines.len().saturating_sub(60);
        panic!(
            "{}: {what}\n--- last lines of {}/serial.log ---\n{}\n---",
            self.name,
            self.dir.display(),
            self.lines[from..].join("\n")
        );
    }

    fn check(&self, ok: bool, what: &str) {
        if !ok {
            self.fail(what);
        }
    }

    fn find_after(&self, from: usize, needle: &str) -> Option<usize> {
        self.lines
            .iter()
            .skip(from)
            .position(|l| l.contains(needle))
            .map(|i| i + from)
    }

    fn must_find_after(&self, from: usize, needle: &str) -> usize {
        self.find_after(from, needle).unwrap_or_else(|| {
            self.fail(&format!(
                "no {needle:?} in the serial log after line {from}"
            ))
        })
    }

    /// No line in `from..to` contains `needle`.
    fn none_between(&self, from: usize, to: usize, needle: &str, what: &str) {
        if let Some(l) = self.lines[from..to].iter().find(|l| l.contains(needle)) {
            self.fail(&format!("{what}: {l:?}"));
        }
    }

    /// Boot `n`, from its driver line: (index of the line, the line).
    fn boot(&self, n: u32) -> usize {
        self.must_find_after(0, &format!("VMTEST boot {n} entry="))
    }

    /// The reboot started by boot `n`'s action went through our load and exec steps and came
    /// back in B via kexec, with B's BLS arguments plus the marker: after the services stopped
    /// and /boot was unmounted, and with the load done while /boot was still mounted.
    fn assert_kexec_reboot_into_b(&self, n: u32) -> usize {
        let b = self.kernel_b().to_string();
        let action = self.must_find_after(self.boot(n), &format!("VMTEST boot {n} action"));
        let svc = self.must_find_after(action, "VMTEST vmsvc stopped (/boot mounted: 1)");
        let staged = self.must_find_after(action, &format!("kexec-reboot: staged {b}"));
        let unmounted = self.must_find_after(action, "Unmounted boot.mount");
        self.check(staged < unmounted, "the load ran after /boot was unmounted");
        let exec = self.must_find_after(staged, "booting the staged kernel via kexec");
        self.check(svc < exec, "the kexec came before the services stopped");
        self.check(
            unmounted < exec,
            "the kexec came before /boot was unmounted",
        );
        let umount = self.must_find_after(exec, "systemd-shutdown[1]: Unmounting file systems");
        let with = self.must_find_after(umount, "Rebooting with kexec");
        let started = self.must_find_after(with, "kexec_core: Starting new kernel");
        let next = self.boot(n + 1);
        self.check(started < next, "boot after the kexec not found");
        self.none_between(
            action,
            next,
            "reboot: Restarting system",
            "a firmware reboot happened",
        );
        self.none_between(action, next, "VMHOST:", "QEMU exited: not a kexec");
        let line = &self.lines[next];
        self.check(
            line.contains(&format!("kernel={b} "))
                && line.contains("vmtest_entry=B ")
                && line.contains(&format!("{MARKER} kexec_reboot.boot=")),
            &format!(
                "boot {} is not B with B's BLS arguments, the KEXEC_APPEND marker and ours (kexec_reboot.boot=): {line:?}",
                n + 1
            ),
        );
        self.check(
            line.contains("vmtest_kernelopts=grubenv"),
            &format!("boot {} did not get grubenv's kernelopts: {line:?}", n + 1),
        );
        next
    }

    /// Boot `n`'s action ended in a firmware reboot with no image loaded just before
    /// systemd-reboot.service; returns the probe line's index.
    fn assert_firmware_reboot(&self, n: u32) -> usize {
        let action = self.must_find_after(self.boot(n), &format!("VMTEST boot {n} action"));
        let probe = self.must_find_after(action, "VMTEST probe reboot: kexec_loaded=");
        self.check(
            self.lines[probe].ends_with("kexec_loaded=0"),
            "an image was loaded when systemd-reboot.service ran",
        );
        let restart = self.must_find_after(probe, "reboot: Restarting system");
        let exited = self.must_find_after(restart, "VMHOST: run");
        self.check(
            self.lines[exited].contains("QEMU exited with 0"),
            "QEMU did not exit cleanly",
        );
        self.none_between(action, exited, "Starting new kernel", "a kexec happened");
        self.check(
            self.find_after(action, &format!("VMTEST boot {} ", n + 1))
                .is_none()
                || self
                    .find_after(action, "VMHOST: run 2: power-cycled")
                    .is_some(),
            "a boot followed without a power cycle",
        );
        probe
    }

    /// The one-line reason containing every word of `words` is on the console (after boot
    /// `n`'s action) and in the guest's journal.
    fn assert_reason(&self, n: u32, words: &[&str]) {
        let action = self.must_find_after(self.boot(n), &format!("VMTEST boot {n} action"));
        let hit = self.lines[action..]
            .iter()
            .find(|l| l.contains("kexec-reboot") && words.iter().all(|w| l.contains(w)));
        self.check(
            hit.is_some(),
            &format!("no kexec-reboot line on the console says {words:?}"),
        );
        self.check(
            self.journal
                .lines()
                .any(|l| l.contains("kexec-reboot") && words.iter().all(|w| l.contains(w))),
            &format!(
                "the journal has no kexec-reboot line saying {words:?} (journal.txt in {})",
                self.dir.display()
            ),
        );
    }
}

/// Scenarios 1, 7 and 2 in one machine (five boots, to keep `make test` short):
/// boot 1 `shutdown -r now`, boot 2 `systemctl reboot`, boot 3 `reboot`: each comes back in B
/// via kexec; boot 4 loads A by hand (`kexec -l`) and runs `systemctl kexec`: our steps leave it
/// alone and A comes back; boot 5 `poweroff`: nothing is loaded.
#[test]
#[ignore = "needs QEMU and the RPM: make test-vm-systemd"]
fn systemd_scenarios_1_7_2_reboot_commands_manual_kexec_poweroff() {
    let r = run(
        "sd-1-7-2",
        &[
            "--action",
            "shutdown-r",
            "--then",
            "2=systemctl-reboot",
            "--then",
            "3=reboot",
            "--then",
            "4=manual-kexec-a",
            "--then",
            "5=poweroff",
            "--timeout",
            "900",
        ],
    );
    for n in 1..=3 {
        r.assert_kexec_reboot_into_b(n);
    }
    // Scenario 7: the operator's load is kept, our load step sees kexec.target and stages
    // nothing, and the exec step is not part of kexec.target.
    let a = r.kernel_a().to_string();
    let manual = r.must_find_after(r.boot(4), "VMTEST manual kexec -l of");
    let boot5 = r.boot(5);
    r.must_find_after(manual, "kexec.target: not a reboot, nothing staged");
    r.none_between(
        manual,
        boot5,
        "kexec-reboot: staged",
        "our load ran on systemctl kexec",
    );
    r.none_between(
        manual,
        boot5,
        "booting the staged kernel",
        "our exec step ran on systemctl kexec",
    );
    r.none_between(
        manual,
        boot5,
        "reboot: Restarting system",
        "a firmware reboot happened",
    );
    let l5 = &r.lines[boot5];
    r.check(
        l5.contains(&format!("kernel={a} "))
            && l5.contains("vmtest_entry=A-manual")
            && !l5.contains(MARKER),
        &format!("boot 5 is not the operator's kernel A: {l5:?}"),
    );
    // Scenario 2: poweroff loads nothing.
    let act = r.must_find_after(boot5, "VMTEST boot 5 action poweroff");
    r.must_find_after(act, "poweroff.target: not a reboot, nothing staged");
    let probe = r.must_find_after(act, "VMTEST probe poweroff: kexec_loaded=");
    r.check(
        r.lines[probe].ends_with("kexec_loaded=0"),
        "poweroff left an image loaded",
    );
    r.none_between(
        act,
        r.lines.len(),
        "kexec-reboot: staged",
        "poweroff staged a kernel",
    );
    r.must_find_after(probe, "reboot: Power down");
    r.check(
        r.find_after(act, "VMTEST boot 6").is_none(),
        "the machine came back after poweroff",
    );
}

/// Scenario 3a: a broken config line ends in a firmware reboot, with the one-line reason
/// (file, line, what to do) on the console and in the journal.
#[test]
#[ignore = "needs QEMU and the RPM: make test-vm-systemd"]
fn systemd_scenario_3a_broken_config() {
    let r = run(
        "sd-3a-broken-config",
        &["--config-line", "KEXEC_METHOD=magic"],
    );
    r.assert_firmware_reboot(1);
    r.assert_reason(1, &["/etc/sysconfig/kexec:", "KEXEC_METHOD"]);
}

/// Scenario 3b: B's initrd (its second BLS part) is missing: firmware reboot, reason named.
/// This machine is enabled the CentOS 7 way, `chkconfig kexec on` through the real chkconfig
/// 1.7.6 (built by tests/thirdparty/chkconfig.sh), which forwards to `systemctl enable
/// kexec.service`; the load step running at all shows that it enabled the units.
#[test]
#[ignore = "needs QEMU and the RPM: make test-vm-systemd"]
fn systemd_scenario_3b_missing_initrd_enabled_by_chkconfig() {
    let top = Path::new(env!("CARGO_MANIFEST_DIR"));
    let built = Command::new("sh")
        .arg(top.join("tests/thirdparty/chkconfig.sh"))
        .arg("1.7.6")
        .output()
        .expect("running tests/thirdparty/chkconfig.sh");
    let chkconfig = String::from_utf8_lossy(&built.stdout).trim().to_string();
    let mut args = vec!["--break", "missing-initrd"];
    if built.status.success() {
        args.extend(["--chkconfig", chkconfig.as_str()]);
    } else {
        println!(
            "skipped: the chkconfig part of 3b ({}); enabled with systemctl instead",
            String::from_utf8_lossy(&built.stderr).trim()
        );
    }
    let r = run("sd-3b-missing-initrd", &args);
    if built.status.success() {
        let enable = fs::read_to_string(r.dir.join("enable.txt")).unwrap_or_default();
        r.check(
            enable.contains("Forwarding request to 'systemctl enable kexec.service'")
                && enable.contains("kexec-exec.service"),
            &format!("chkconfig kexec on did not forward to systemctl enable: {enable}"),
        );
    }
    r.assert_firmware_reboot(1);
    let part = format!("initramfs-{}-rest.img", r.kernel_b());
    r.assert_reason(1, &[part.as_str()]);
}

/// Scenario 4: the exec step fails on purpose (`systemctl --force kexec` fails): our image is
/// unloaded before systemd-reboot.service runs, and the reboot goes through the firmware.
#[test]
#[ignore = "needs QEMU and the RPM: make test-vm-systemd"]
fn systemd_scenario_4_exec_step_fails() {
    let r = run("sd-4-exec-fails", &["--break", "exec-fails"]);
    let b = r.kernel_b().to_string();
    let staged = r.must_find_after(r.boot(1), &format!("kexec-reboot: staged {b}"));
    let exec = r.must_find_after(staged, "booting the staged kernel via kexec");
    let refused = r.must_find_after(exec, "refusing --force kexec");
    let unloaded = r.must_find_after(
        refused,
        "unloaded the staged kernel, the reboot goes through the firmware",
    );
    let probe = r.assert_firmware_reboot(1);
    r.check(
        unloaded < probe,
        "the unload came after systemd-reboot.service",
    );
    r.assert_reason(1, &["systemctl --force kexec failed", "unloaded"]);
}

/// Scenario 5: `systemctl disable kexec` (without a reboot in between) gives a firmware reboot.
#[test]
#[ignore = "needs QEMU and the RPM: make test-vm-systemd"]
fn systemd_scenario_5_disabled() {
    let r = run("sd-5-disabled", &["--action", "disable-reboot"]);
    let act = r.must_find_after(r.boot(1), "VMTEST boot 1 action disable-reboot");
    r.must_find_after(act, "kexec.service is disabled: nothing staged");
    r.assert_firmware_reboot(1);
    r.none_between(
        act,
        r.lines.len(),
        "kexec-reboot: staged",
        "a disabled service staged a kernel",
    );
}

/// Scenario 6: boot confirmation across a power cycle. Run 1: A stages B, whose initrd panics
/// (panic=-1 resets the machine, QEMU exits). Run 2, power-cycled into A: kexec.service's
/// start (`kexec-reboot confirm`) finds the kexec boot unconfirmed, and `shutdown -r now`
/// stages nothing and goes through the firmware, with the reason on the console and in the
/// journal.
#[test]
#[ignore = "needs QEMU and the RPM: make test-vm-systemd"]
fn systemd_scenario_6_unconfirmed_boot_over_a_power_cycle() {
    let r = run(
        "sd-6-unconfirmed",
        &[
            "--break",
            "panic-initrd",
            "--cycles",
            "2",
            "--then",
            "2=shutdown-r",
            "--timeout",
            "300",
        ],
    );
    let b = r.kernel_b().to_string();
    let staged = r.must_find_after(0, &format!("kexec-reboot: staged {b}"));
    let kexec = r.must_find_after(staged, "Starting new kernel");
    let panic = r.must_find_after(kexec, "Kernel panic - not syncing");
    let end1 = r.must_find_after(panic, "VMHOST: run 1: QEMU exited with 0");
    let start2 = r.must_find_after(end1, "VMHOST: run 2: power-cycled");
    let never = r.must_find_after(start2, "was never confirmed");
    let boot2 = r.boot(2);
    r.check(
        start2 < boot2 && never < boot2,
        "confirm did not run before the driver in run 2",
    );
    r.check(
        r.lines[boot2].contains(&format!("kernel={} ", r.kernel_a())),
        "run 2 is not kernel A",
    );
    r.assert_firmware_reboot(2);
    r.assert_reason(2, &["never confirmed", "nothing staged"]);
    r.none_between(
        boot2,
        r.lines.len(),
        "kexec-reboot: staged",
        "staged after an unconfirmed boot",
    );
}

/// Issue 20's scenario 5 on systemd: run 1, A stages B and kexecs, B dies in its initrd
/// (panic=-1 resets the machine). Run 2: the firmware boots the same B with the same command
/// line (as GRUB's default would after a power cycle; `--firmware-kernel b`), without the
/// load's marker. kexec.service's confirm must not take it for the kexec boot; the next
/// `shutdown -r now` stages nothing (refused on purpose) and goes through the firmware.
#[test]
#[ignore = "needs QEMU and the RPM: make test-vm-systemd"]
fn systemd_issue20_scenario_5_firmware_boot_after_a_staged_kexec() {
    let r = run(
        "sd-20-5-firmware-boot",
        &[
            "--break",
            "panic-initrd",
            "--cycles",
            "2",
            "--firmware-kernel",
            "b",
            "--then",
            "2=shutdown-r",
            "--timeout",
            "300",
        ],
    );
    let b = r.kernel_b().to_string();
    let staged = r.must_find_after(0, &format!("kexec-reboot: staged {b}"));
    let kexec = r.must_find_after(staged, "Starting new kernel");
    let panic = r.must_find_after(kexec, "Kernel panic - not syncing");
    let start2 = r.must_find_after(panic, "VMHOST: run 2: power-cycled, QEMU starts kernel B");
    let boot2 = r.boot(2);
    r.check(start2 < boot2, "boot 2 is not after the power cycle");
    r.check(
        r.lines[boot2].contains(&format!("kernel={b} ")) && r.lines[boot2].ends_with(MARKER),
        &format!(
            "run 2 is not B with the staged command line: {:?}",
            r.lines[boot2]
        ),
    );
    r.none_between(
        start2,
        r.lines.len(),
        "confirmed the kexec boot into",
        "a firmware boot was confirmed as the kexec boot",
    );
    r.assert_firmware_reboot(2);
    r.assert_reason(2, &["status --clear", "nothing staged"]);
    r.none_between(
        boot2,
        r.lines.len(),
        "kexec-reboot: staged",
        "staged after a firmware boot that followed a staged kexec",
    );
}
