//! The truth test: a real kernel under QEMU reboots through real sysvinit, CentOS 6's own
//! initscripts and chkconfig (from ../shared/thirdparty; our CentOS-shaped copies where it is
//! absent, or a tree given as `KEXEC_VM_INITSCRIPTS=DIR`) and the files of our RPM.
//!
//! Each scenario boots kernel A, runs `shutdown -r now` (or `-h`), and asserts on the serial
//! log and on the disks afterwards: which kernel came back, with which command line, whether a
//! firmware reboot happened instead (QEMU runs with `-no-reboot`, so it exits), what the console
//! and syslog said, and that the filesystems were clean. tests/vm/run-vm.sh builds and boots the
//! machine; this file only decides and checks.
//!
//! The scenarios need QEMU, Debian's package tools and the RPM, so they are `#[ignore]`d in a
//! plain `cargo test`; `make test-vm` (part of `make test`) builds the RPM and runs them with
//! `--ignored`, one VM at a time.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// One VM at a time: the machine has two cores and TCG is slow.
static VM: Mutex<()> = Mutex::new(());

/// Every scenario's `KEXEC_APPEND` marker, looked for in the second boot's /proc/cmdline.
const MARKER: &str = "vmtest_kexec_marker=1";

/// A line of the serial log: milliseconds since QEMU started, and the text.
struct Line {
    ms: u64,
    text: String,
}

/// What one VM run left behind.
struct Run {
    name: String,
    dir: PathBuf,
    lines: Vec<Line>,
    qemu_rc: String,
    messages: String,
    file: String,
    fsck_root: String,
    fsck_boot: String,
    vm: HashMap<String, String>,
}

fn vm_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/vm")
}

/// Runs tests/vm/run-vm.sh for scenario `name` with `args` and reads what it left.
fn run(name: &str, args: &[&str]) -> Run {
    let _guard = VM.lock().unwrap_or_else(|e| e.into_inner());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let status = Command::new("sh")
        .arg(root.join("tests/vm/run-vm.sh"))
        .arg(vm_dir())
        .arg(name)
        .args(args)
        .status()
        .unwrap_or_else(|e| panic!("{name}: running tests/vm/run-vm.sh: {e}"));
    assert!(
        status.success(),
        "{name}: tests/vm/run-vm.sh failed ({status}); its message is above"
    );
    let dir = vm_dir().join("runs").join(name);
    let read = |f: &str| {
        fs::read_to_string(dir.join(f))
            .unwrap_or_else(|e| panic!("{name}: reading {}: {e}", dir.join(f).display()))
    };
    let lines = read("serial.log")
        .lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let (ms, text) = l.split_once(' ').unwrap_or((l, ""));
            Some(Line {
                ms: ms.parse().ok()?,
                text: text.to_string(),
            })
        })
        .collect();
    let vm = fs::read_to_string(vm_dir().join("base/vm.env"))
        .unwrap_or_else(|e| panic!("{name}: reading target/vm/base/vm.env: {e}"))
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.trim_matches('\'').to_string()))
        .collect();
    Run {
        name: name.to_string(),
        lines,
        qemu_rc: read("qemu.rc").trim().to_string(),
        messages: read("messages"),
        file: read("vmtest-file"),
        fsck_root: read("fsck-root.txt"),
        fsck_boot: read("fsck-boot.txt"),
        vm,
        dir,
    }
}

impl Run {
    fn kernel_a(&self) -> &str {
        &self.vm["KERNEL_A"]
    }

    fn kernel_b(&self) -> &str {
        &self.vm["KERNEL_B"]
    }

    /// Fails the test with `what`, the end of the serial log and where the files are.
    fn fail(&self, what: &str) -> ! {
        let tail: Vec<&str> = self
            .lines
            .iter()
            .rev()
            .take(60)
            .map(|l| l.text.as_str())
            .collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        panic!(
            "{}: {what}\n--- last lines of {}/serial.log (QEMU exit {}) ---\n{}\n---",
            self.name,
            self.dir.display(),
            self.qemu_rc,
            tail.join("\n")
        );
    }

    fn check(&self, ok: bool, what: &str) {
        if !ok {
            self.fail(what);
        }
    }

    /// Index of the first line containing `needle`.
    fn find(&self, needle: &str) -> Option<usize> {
        self.lines.iter().position(|l| l.text.contains(needle))
    }

    fn must_find(&self, needle: &str) -> usize {
        self.find(needle)
            .unwrap_or_else(|| self.fail(&format!("no console line contains {needle:?}")))
    }

    /// The text after `VMTEST: <key> ` on boot `boot` (the lines after `VMTEST: boot N`).
    fn marker(&self, boot: u32, key: &str) -> Option<String> {
        let start = self.find(&format!("VMTEST: boot {boot}"))?;
        let prefix = format!("VMTEST: {key} ");
        self.lines[start..].iter().find_map(|l| {
            l.text
                .split_once(&prefix)
                .map(|(_, v)| v.trim().to_string())
        })
    }

    /// The QEMU run ended by itself (not the hard timeout), status 0.
    fn assert_qemu_ended(&self) {
        self.check(
            self.qemu_rc == "0",
            &format!(
                "QEMU should end by itself with status 0, got {}",
                self.qemu_rc
            ),
        );
    }

    /// Boot 1 ran the scenario's action and the machine went through the firmware: QEMU
    /// exited on the reset (-no-reboot), nothing was staged, no second boot.
    fn assert_firmware_reboot(&self) {
        self.assert_qemu_ended();
        self.must_find("VMTEST: action shutdown -r now");
        self.must_find("Please stand by while rebooting the system");
        self.must_find("reboot: Restarting system");
        self.check(
            self.find("Starting new kernel").is_none(),
            "a kexec happened where a firmware reboot was expected",
        );
        self.check(
            self.find("VMTEST: boot 2").is_none(),
            "a second boot happened where QEMU should have exited",
        );
        self.assert_nothing_staged();
    }

    /// The probe (last K-script before halt) saw no kernel loaded, and nobody said "staged".
    fn assert_nothing_staged(&self) {
        let probe = self.must_find("VMTEST: probe ");
        self.check(
            self.lines[probe].text.ends_with("kexec_loaded=0"),
            &format!("a kernel was staged at halt: {:?}", self.lines[probe].text),
        );
        for k in [self.kernel_a(), self.kernel_b()] {
            self.check(
                self.find(&format!("staged {k}")).is_none(),
                &format!("a console line says {k} was staged"),
            );
        }
    }

    /// Boot 1 rebooted through kexec into `kernel` with exactly `cmdline` (word for word), the
    /// services were stopped and the filesystems unmounted first, and all came back clean.
    fn assert_kexec_into(&self, kernel: &str, cmdline: &str) {
        self.assert_kexec(kernel, cmdline, true);
    }

    /// As [`Run::assert_kexec_into`], for an image an operator loaded by hand: the command line
    /// is theirs alone, without our marker.
    fn assert_manual_kexec_into(&self, kernel: &str, cmdline: &str) {
        self.assert_kexec(kernel, cmdline, false);
    }

    fn assert_kexec(&self, kernel: &str, cmdline: &str, ours: bool) {
        self.assert_qemu_ended();
        let action = self.must_find("VMTEST: action shutdown -r now");
        let svc = self.must_find("VMTEST: vmsvc stopped");
        let term = self.must_find("Sending all processes the TERM signal");
        let unmount = self.must_find("EXT4-fs (vdb): unmounting filesystem");
        let kexec = self.must_find("Starting new kernel");
        let boot2 = self.must_find("VMTEST: boot 2");
        self.check(
            action < svc && svc < term && term < unmount && unmount < kexec && kexec < boot2,
            "expected order: shutdown, services stopped, halt's kill, /boot unmounted, kexec, boot 2",
        );
        self.check(
            self.find("reboot: Restarting system").is_none(),
            "a firmware reboot happened",
        );
        let uname = self.marker(2, "uname").unwrap_or_default();
        self.check(
            uname == kernel,
            &format!("boot 2 runs {uname:?}, expected {kernel:?}"),
        );
        let got = self.marker(2, "cmdline").unwrap_or_default();
        let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        // Our proof of the kexec boot (kexec_reboot.boot=<boot 1's id>) comes last on what we
        // staged, and never on a manual load.
        let (marks, rest): (Vec<String>, Vec<String>) = words(&got)
            .into_iter()
            .partition(|w| w.starts_with("kexec_reboot.boot="));
        let marked = if ours {
            marks.len() == 1 && got.trim_end().ends_with(&marks[0])
        } else {
            marks.is_empty()
        };
        self.check(
            rest == words(cmdline) && marked,
            &format!(
                "boot 2 /proc/cmdline is {got:?}, expected {cmdline:?}{}",
                if ours {
                    " and kexec_reboot.boot=<id> last"
                } else {
                    " (no marker of ours)"
                }
            ),
        );
        let written = format!("written on boot 1 by {}", self.kernel_a());
        self.check(
            self.marker(2, "file").as_deref() == Some(written.as_str()),
            "boot 2 did not read back the file boot 1 wrote",
        );
        self.check(
            self.file.trim() == written,
            &format!("the file on the disk afterwards is {:?}", self.file.trim()),
        );
        for l in &self.lines[kexec..] {
            self.check(
                !l.text.contains("recovery complete") && !l.text.contains("orphan"),
                &format!(
                    "the filesystems were not clean after the kexec: {:?}",
                    l.text
                ),
            );
        }
        let ready = boot2
            + self.lines[boot2..]
                .iter()
                .position(|l| l.text.contains("VMTEST: READY"))
                .unwrap_or_else(|| self.fail("boot 2 never said READY"));
        // Reported, not asserted: times belong to `make bench`; QEMU's --timeout is the hang
        // bound.
        let secs = (self.lines[ready].ms - self.lines[action].ms) / 1000;
        eprintln!("vm test: shutdown -r now to READY in the new kernel took {secs} s (TCG)");
        self.must_find("reboot: Power down");
        self.assert_fsck_clean();
    }

    fn assert_fsck_clean(&self) {
        for (disk, out) in [("root", &self.fsck_root), ("boot", &self.fsck_boot)] {
            self.check(
                out.contains("e2fsck status 0"),
                &format!("e2fsck -fn of the {disk} disk afterwards found problems:\n{out}"),
            );
        }
    }

    /// The one-line reason naming `needle` is on the console and in syslog.
    fn assert_reason(&self, needle: &str) {
        let i = self
            .lines
            .iter()
            .position(|l| l.text.contains("kexec") && l.text.contains(needle))
            .unwrap_or_else(|| {
                self.fail(&format!(
                    "no kexec reason on the console mentions {needle:?}"
                ))
            });
        let term = self.must_find("Sending all processes the TERM signal");
        self.check(i < term, "the reason came after halt started");
        self.check(
            self.messages
                .lines()
                .any(|l| l.contains("kexec") && l.contains(needle)),
            &format!(
                "syslog (/var/log/messages) has no kexec line mentioning {needle:?}:\n{}",
                self.messages
            ),
        );
    }

    /// The staged line names `kernel` on the console before halt, and syslog has it too; the
    /// line says the load went through `method` (kexec_file_load or kexec -l).
    fn assert_staged(&self, kernel: &str, method: &str) {
        let staged = format!("staged {kernel}");
        let i = self.must_find(&staged);
        self.check(
            self.lines[i].text.ends_with(&format!("with {method}")),
            &format!(
                "the staged line does not say {method}: {:?}",
                self.lines[i].text
            ),
        );
        let term = self.must_find("Sending all processes the TERM signal");
        self.check(i < term, "the staged line came after halt started");
        self.check(
            self.messages.contains(&staged),
            &format!("syslog has no {staged:?} line:\n{}", self.messages),
        );
    }

    /// B's grub.conf kernel arguments (the same as what the disk's grub.conf says).
    fn grub_args(&self, entry: &str) -> String {
        self.vm["CMDLINE_A"].replace("vmtest_entry=A", &format!("vmtest_entry={entry}"))
    }
}

impl Run {
    /// B staged with `method`, and the kexec came back in B with B's grub.conf arguments plus
    /// the KEXEC_APPEND marker.
    fn assert_staged_and_back_in_b_with_marker(&self, method: &str) {
        let b = self.kernel_b().to_string();
        self.assert_staged(&b, method);
        self.assert_kexec_into(&b, &format!("{} {MARKER}", self.grub_args("B")));
    }
}

#[test]
#[ignore = "needs QEMU and the RPM: make test-vm"]
fn scenario_1_happy_path() {
    let r = run(
        "1-happy-path",
        &["--set", &format!("KEXEC_APPEND={MARKER}")],
    );
    r.must_find("Shutting down system logger");
    r.assert_staged_and_back_in_b_with_marker("kexec_file_load");
}

#[test]
#[ignore = "needs QEMU and the RPM: make test-vm"]
fn scenario_2_kernel_running() {
    let r = run("2-kernel-running", &["--set", "KEXEC_KERNEL=running"]);
    let a = r.kernel_a().to_string();
    r.assert_staged(&a, "kexec_file_load");
    r.assert_kexec_into(&a, &r.vm["CMDLINE_A"].clone());
}

#[test]
#[ignore = "needs QEMU and the RPM: make test-vm"]
fn scenario_3_chkconfig_off() {
    let r = run("3-chkconfig-off", &["--kexec", "off"]);
    r.assert_firmware_reboot();
}

#[test]
#[ignore = "needs QEMU and the RPM: make test-vm"]
fn scenario_4a_broken_config_line() {
    let r = run("4a-broken-config", &["--set", "KEXEC_METHOD=magic"]);
    r.assert_firmware_reboot();
    r.assert_reason("/etc/sysconfig/kexec:");
    r.assert_reason("KEXEC_METHOD");
}

#[test]
#[ignore = "needs QEMU and the RPM: make test-vm"]
fn scenario_4b_missing_initrd() {
    let r = run("4b-missing-initrd", &["--break", "missing-initrd"]);
    r.assert_firmware_reboot();
    let initrd = format!("initramfs-{}.img", r.kernel_b());
    r.assert_reason(&initrd);
}

#[test]
#[ignore = "needs QEMU and the RPM: make test-vm"]
fn scenario_4c_garbage_kernel() {
    let r = run("4c-garbage-kernel", &["--break", "garbage-kernel"]);
    r.assert_firmware_reboot();
    let kernel = format!("vmlinuz-{}", r.kernel_b());
    r.assert_reason(&kernel);
}

#[test]
#[ignore = "needs QEMU and the RPM: make test-vm"]
fn scenario_4d_cmdline_too_long() {
    let long = format!("KEXEC_APPEND=vmtest_long={}", "x".repeat(3000));
    let r = run("4d-cmdline-too-long", &["--set", &long]);
    r.assert_firmware_reboot();
    r.assert_reason("command line");
}

#[test]
#[ignore = "needs QEMU and the RPM: make test-vm"]
fn scenario_5_halt_loads_nothing() {
    let r = run("5-halt", &["--action", "halt"]);
    r.assert_qemu_ended();
    r.must_find("VMTEST: action shutdown -h now");
    r.must_find("Halting system...");
    r.must_find("reboot: Power down");
    r.check(
        r.find("Starting new kernel").is_none() && r.find("VMTEST: boot 2").is_none(),
        "shutdown -h ended in another boot",
    );
    r.assert_nothing_staged();
    r.assert_fsck_clean();
}

#[test]
#[ignore = "needs QEMU and the RPM: make test-vm"]
fn scenario_6_kexec_tools() {
    let r = run(
        "6-kexec-tools",
        &[
            "--set",
            "KEXEC_METHOD=kexec-tools",
            "--set",
            &format!("KEXEC_APPEND={MARKER}"),
        ],
    );
    r.assert_staged_and_back_in_b_with_marker("kexec -l");
}

#[test]
#[ignore = "needs QEMU and the RPM: make test-vm"]
fn scenario_7_manual_load_respected() {
    let r = run(
        "7-manual-load",
        &[
            "--pre",
            "manual-load-a",
            "--set",
            "KEXEC_RESPECT_MANUAL=yes",
        ],
    );
    r.must_find("VMTEST: manual load rc=0 kexec_loaded 1");
    let a = r.kernel_a().to_string();
    r.assert_manual_kexec_into(&a, &format!("{} vmtest_manual=1", r.vm["CMDLINE_A"]));
}

// ---- Faults (the part 3) and boot confirmation (part 5) ----------------------------

impl Run {
    /// Index of the first line at or after `from` containing `needle`.
    fn find_after(&self, from: usize, needle: &str) -> Option<usize> {
        self.lines[from..]
            .iter()
            .position(|l| l.text.contains(needle))
            .map(|i| from + i)
    }

    fn must_find_after(&self, from: usize, needle: &str) -> usize {
        self.find_after(from, needle).unwrap_or_else(|| {
            self.fail(&format!(
                "no console line after line {from} contains {needle:?}"
            ))
        })
    }

    /// Milliseconds between the first lines containing `a` and `b`.
    fn ms_between(&self, a: &str, b: &str) -> u64 {
        let (a, b) = (self.must_find(a), self.must_find(b));
        self.lines[b].ms.saturating_sub(self.lines[a].ms)
    }
}

/// Kernel A booted with `lockdown=integrity`: kexec_file_load needs a signature A trusts.
/// Debian's B is PE-signed, but by Debian's Secure Boot key, which A trusts only through the
/// UEFI db (platform keyring): under SeaBIOS that keyring is empty, so A refuses B as
/// unsigned (EPERM) and the reboot goes through the firmware with the reason.
#[test]
#[ignore = "needs QEMU and the RPM: make test-vm"]
fn scenario_8a_lockdown_refuses_the_load() {
    let r = run("8a-lockdown", &["--append", "lockdown=integrity"]);
    r.must_find("Kernel is locked down from command line");
    r.assert_firmware_reboot();
    r.must_find("kexec of unsigned images is restricted");
    r.assert_reason("(EPERM)");
    r.assert_reason("locked down");
}

/// kexec_file_load answers ENOSYS (a seccomp filter around the product's binary, as on a
/// kernel before 3.17): the load falls back to `kexec -l` and still comes back in B.
#[test]
#[ignore = "needs QEMU and the RPM: make test-vm"]
fn scenario_8b_enosys_falls_back_to_kexec_tools() {
    let r = run(
        "8b-enosys",
        &[
            "--break",
            "seccomp-enosys",
            "--set",
            &format!("KEXEC_APPEND={MARKER}"),
        ],
    );
    r.assert_staged_and_back_in_b_with_marker("kexec -l");
}

/// KEXEC_TOOLS is a program that never ends: killed at KEXEC_TIMEOUT, nothing staged, the
/// reboot goes on through the firmware without waiting longer.
#[test]
#[ignore = "needs QEMU and the RPM: make test-vm"]
fn scenario_8c_hanging_kexec_tools_is_killed() {
    let r = run(
        "8c-hanging-kexec-tools",
        &[
            "--break",
            "hanging-kexec-tools",
            "--set",
            "KEXEC_METHOD=kexec-tools",
            "--set",
            "KEXEC_TOOLS=/usr/local/sbin/kexec-hang",
            "--set",
            "KEXEC_TIMEOUT=5",
        ],
    );
    r.assert_firmware_reboot();
    r.assert_reason("took longer than KEXEC_TIMEOUT=5s and was killed");
    let waited = r.ms_between(
        "VMTEST: action shutdown -r now",
        "took longer than KEXEC_TIMEOUT",
    );
    // Not before KEXEC_TIMEOUT; that it was the binary's own deadline, not the rc guard's, is
    // the check below (no upper bound on time: a loaded host only makes it later).
    r.check(
        waited >= 5000,
        &format!("the load was given up after {waited} ms, before KEXEC_TIMEOUT=5s"),
    );
    r.check(
        r.find("did not finish within").is_none(),
        "the rc script's guard had to stop the binary",
    );
}

/// kexec-tools not installed: the halt script's `/sbin/kexec -e -x` cannot run, so nothing may
/// be staged (a "staged" line would be false, and the next boot would look unconfirmed).
#[test]
#[ignore = "needs QEMU and the RPM: make test-vm"]
fn scenario_8d_no_kexec_tools() {
    let r = run("8d-no-kexec-tools", &["--break", "no-kexec-tools"]);
    r.assert_firmware_reboot();
    r.assert_reason("/sbin/kexec is missing");
    r.assert_reason("install kexec-tools");
}

/// /var read-only: the staged boot could not be recorded for confirmation, so nothing is
/// staged. Syslog cannot write /var/log/messages either: busybox syslogd falls back to the
/// console, so the reason is asserted there only.
#[test]
#[ignore = "needs QEMU and the RPM: make test-vm"]
fn scenario_8e_var_readonly() {
    var_unwritable(
        "8e-var-readonly",
        "var-readonly",
        "VMTEST: var-readonly: touch: cannot touch",
        "Read-only file system",
    );
}

/// The filesystem holding /var full (for root too): nothing staged, the reason on the console
/// (syslog has no room to write it).
#[test]
#[ignore = "needs QEMU and the RPM: make test-vm"]
fn scenario_8f_var_full() {
    var_unwritable(
        "8f-var-full",
        "var-full",
        "No space left on device",
        "No space left on device",
    );
}

/// /var cannot record the staged boot (`pre` makes it so, `setup` shows it worked): nothing is
/// staged, and the console's reason says `why`.
fn var_unwritable(name: &str, pre: &str, setup: &str, why: &str) {
    let r = run(name, &["--pre", pre]);
    r.must_find(setup);
    r.assert_firmware_reboot();
    let i = r.must_find("cannot record the staged boot for confirmation");
    r.check(
        r.lines[i].text.contains(why) && r.lines[i].text.contains("nothing staged"),
        &format!("the reason does not say why: {:?}", r.lines[i].text),
    );
    r.assert_fsck_clean();
}

/// No syslog daemon at reboot: the load still stages B and says so on the console; the reboot
/// comes back in B.
#[test]
#[ignore = "needs QEMU and the RPM: make test-vm"]
fn scenario_8g_syslog_not_running() {
    let r = run(
        "8g-syslog-stopped",
        &[
            "--pre",
            "syslog-stop",
            "--set",
            &format!("KEXEC_APPEND={MARKER}"),
        ],
    );
    r.must_find("VMTEST: syslog-stop: no syslogd");
    let b = r.kernel_b().to_string();
    let staged = r.must_find(&format!("staged {b}"));
    r.check(
        r.lines[staged].text.ends_with("with kexec_file_load"),
        "the staged line does not name the method",
    );
    r.check(
        !r.messages.contains(&format!("staged {b}")),
        "syslog was stopped, yet /var/log/messages has the staged line",
    );
    r.assert_kexec_into(&b, &format!("{} {MARKER}", r.grub_args("B")));
}

/// Boot confirmation end to end. Run 1: A stages B, whose initrd panics (panic=-1 resets the
/// machine; QEMU exits). Run 2, a power cycle back into A: `rc/kexec start` finds the staged
/// boot unconfirmed, `status` says kexec reboots are OFF, and `shutdown -r now` stages nothing
/// (exit 6) and goes through the firmware with the reason on the console and in syslog. Run 3:
/// the admin puts back a good initrd and runs `status --clear`; the reboot kexecs into B, and
/// B's boot is confirmed.
#[test]
#[ignore = "needs QEMU and the RPM: make test-vm"]
fn scenario_9_unconfirmed_kexec_boot_turns_kexec_reboots_off() {
    let r = run(
        "9-unconfirmed-boot",
        &[
            "--break",
            "panic-initrd",
            "--cycles",
            "3",
            "--then",
            "2=status-reboot",
            "--then",
            "3=clear-reboot",
            "--then",
            "4=status-halt",
            "--timeout",
            "150",
        ],
    );
    let (a, b) = (r.kernel_a().to_string(), r.kernel_b().to_string());
    let staged = format!("staged {b}");

    // Run 1: staged B, kexec, B's initrd panics, the machine resets.
    let s1 = r.must_find(&staged);
    let kexec1 = r.must_find_after(s1, "Starting new kernel");
    let panic = r.must_find_after(kexec1, "Kernel panic - not syncing");
    let end1 = r.must_find_after(panic, "VMHOST: run 1: QEMU exited with 0");
    r.check(
        r.find("VMTEST: boot 2").is_none_or(|i| i > end1),
        "B's broken initrd reached userland",
    );

    // Run 2: power-cycled into A; the staged boot is unconfirmed; the reboot goes through the
    // firmware with the reason.
    let start2 = r.must_find("VMHOST: run 2: power-cycled");
    let never = r.must_find_after(start2, "was never confirmed");
    let boot2 = r.must_find_after(start2, "VMTEST: boot 2");
    r.check(
        never < boot2,
        "rc start did not run confirm before the driver",
    );
    r.check(
        r.marker(2, "uname").as_deref() == Some(a.as_str()),
        "run 2 is not kernel A",
    );
    let off = r.must_find_after(boot2, "VMTEST: status: kexec reboots are OFF");
    let action2 = r.must_find_after(off, "VMTEST: action shutdown -r now");
    let reason = r.must_find_after(action2, "error: the kexec boot into");
    for words in ["was never confirmed", "status --clear", "nothing staged"] {
        r.check(
            r.lines[reason].text.contains(words),
            &format!(
                "the reason does not say {words:?}: {:?}",
                r.lines[reason].text
            ),
        );
    }
    let end2 = r.must_find_after(reason, "VMHOST: run 2: QEMU exited with 0");
    let probe2 = r.must_find_after(action2, "VMTEST: probe ");
    r.check(
        r.lines[probe2].text.ends_with("kexec_loaded=0"),
        "run 2 staged a kernel",
    );
    let reset2 = r.must_find_after(action2, "reboot: Restarting system");
    r.check(reset2 < end2, "run 2 did not end in a firmware reboot");
    for l in &r.lines[action2..end2] {
        r.check(
            !l.text.contains(&staged) && !l.text.contains("Starting new kernel"),
            &format!("run 2 kexec'd after an unconfirmed boot: {:?}", l.text),
        );
        r.check(
            !l.text.contains("load failed (exit"),
            &format!("load did not exit 6 (skipped on purpose): {:?}", l.text),
        );
    }
    r.check(
        r.messages.lines().any(|l| {
            l.contains("kexec-reboot")
                && l.contains("never confirmed")
                && l.contains("nothing staged")
        }),
        &format!(
            "syslog has no 'never confirmed ... nothing staged' line:\n{}",
            r.messages
        ),
    );

    // Run 3: cleared by the admin; kexec into B again, and this time B is confirmed.
    let start3 = r.must_find("VMHOST: run 3: power-cycled");
    let boot3 = r.must_find_after(start3, "VMTEST: boot 3");
    let cleared = r.must_find_after(boot3, "cleared by an administrator");
    let s3 = r.must_find_after(cleared, &staged);
    let kexec3 = r.must_find_after(s3, "Starting new kernel");
    let confirmed = r.must_find_after(kexec3, &format!("confirmed the kexec boot into {b}"));
    let boot4 = r.must_find_after(kexec3, "VMTEST: boot 4");
    r.check(confirmed < boot4, "B's boot was not confirmed by rc start");
    r.check(
        r.marker(4, "uname").as_deref() == Some(b.as_str()),
        "boot 4 is not kernel B",
    );
    r.must_find_after(boot4, "VMTEST: status: nothing staged");
    r.check(
        r.find_after(boot4, "kexec reboots are OFF").is_none(),
        "kexec reboots still OFF after status --clear and a confirmed boot",
    );
    r.must_find_after(boot4, "reboot: Power down");
    r.must_find_after(boot4, "VMHOST: run 3: QEMU exited with 0");
    r.check(
        r.messages
            .contains(&format!("confirmed the kexec boot into {b}")),
        "syslog has no confirmed line",
    );
    r.assert_fsck_clean();
}

// ---- GRUB 2 + BLS entries, grubenv variables and a split initrd ----------------------------

impl Run {
    /// What tests/vm/bls-boot.sh wrote about this run's BLS /boot (`--bootloader bls`).
    fn bls(&self) -> HashMap<String, String> {
        let path = self.dir.join("bls.env");
        fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: reading {}: {e}", self.name, path.display()))
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// The BLS scenario's common outcome: B staged from its BLS entry (picked by grubenv's
    /// saved_entry, not the first entry) with `method`, B up with grubenv's kernelopts + the
    /// entry's marker, and B's initrd found both parts, in order.
    fn assert_bls_boot_into_b(&self, method: &str) {
        let bls = self.bls();
        let b = self.kernel_b().to_string();
        self.assert_staged(&b, method);
        let staged = self.must_find(&format!("staged {b} ("));
        for words in [bls["BLS_ENTRY_B"].as_str(), "saved_entry="] {
            self.check(
                self.lines[staged].text.contains(words),
                &format!(
                    "the staged line does not name {words:?}: {:?}",
                    self.lines[staged].text
                ),
            );
        }
        self.assert_kexec_into(&b, &bls["BLS_CMDLINE_B"]);
        let kexec = self.must_find("Starting new kernel");
        let parts = self.must_find_after(kexec, "initrd: split initrd, parts: early rest");
        let modules = self.must_find_after(parts, &format!("initrd: kernel {b}, loading"));
        let boot2 = self.must_find("VMTEST: boot 2");
        self.check(
            modules < boot2,
            "B's initrd did not report both parts before boot 2",
        );
    }
}

/// RHEL 8 / Fedora shape: grub.cfg runs `blscfg`, grubenv holds saved_entry (B's entry, which is
/// not the first: B's debug variant sorts before it), kernelopts and tuned_initrd, and B's entry
/// reads `initrd $tuned_initrd /initramfs-B-rest.img` and `options $kernelopts ... vmtest_entry=B`.
/// B boots only if both initrd parts are joined in order; kexec_file_load gets the joined image.
#[test]
#[ignore = "needs QEMU and the RPM: make test-vm"]
fn scenario_10a_bls_kernelopts_split_initrd() {
    let r = run("10a-bls", &["--bootloader", "bls"]);
    r.assert_bls_boot_into_b("kexec_file_load");
}

/// The same with `kexec -l`: the joined initrd reaches kexec-tools as `/proc/self/fd/N`, with
/// both parts' bytes (KEXEC_TOOLS is tests/vm/guest/kexec-args, which says what it was given).
#[test]
#[ignore = "needs QEMU and the RPM: make test-vm"]
fn scenario_10b_bls_split_initrd_kexec_tools() {
    let r = run(
        "10b-bls-kexec-tools",
        &[
            "--bootloader",
            "bls",
            "--set",
            "KEXEC_METHOD=kexec-tools",
            "--set",
            "KEXEC_TOOLS=/usr/local/sbin/kexec-args",
        ],
    );
    r.assert_bls_boot_into_b("kexec -l");
    let bytes = &r.bls()["BLS_INITRD_BYTES_B"];
    let i = r.must_find("kexec-args: initrd /proc/self/fd/");
    r.check(
        r.lines[i].text.ends_with(&format!(" {bytes} bytes")),
        &format!(
            "kexec -l was not given the joined initrd ({bytes} bytes): {:?}",
            r.lines[i].text
        ),
    );
    let args = r.must_find("kexec-args: -l ");
    r.check(
        r.lines[args].text.matches("--initrd=").count() == 1,
        &format!(
            "kexec -l got other than one --initrd: {:?}",
            r.lines[args].text
        ),
    );
}
