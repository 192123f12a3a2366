//! Issue 20 in the VM (the sysvinit flavour, CentOS 6's rc and halt, our el6 RPM): the
//! firmware's own plans win over a kexec, and the next boot knows by proof how it came.
//!
//! - Scenario 6, OVMF with efivarfs and an ESP holding a stale `EFI/centos` beside the
//!   `EFI/rocky` the boot entry loads, in one machine (three boots, two QEMU runs):
//!   `efibootmgr -n` set -> a firmware reboot with the reason, and the firmware boots that
//!   entry; then the reboot stages from the grub.cfg of the directory `BootCurrent` names and
//!   kexecs; then the firmware setup asked for (OsIndications, as logind writes it for
//!   `systemctl reboot --firmware-setup`) -> a firmware reboot with the reason.
//! - Scenario 5: a kexec into B that dies, then a power cycle that boots the same B with the
//!   same command line through the firmware: not confirmed as a kexec boot (no marker), kexec
//!   quarantined, the next reboot goes through the firmware.
//!
//! tests/vm/run-vm.sh builds and boots the machine; this file decides and checks. `#[ignore]`d
//! in a plain `cargo test`; `make test-vm` runs them, one VM at a time.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

static VM: Mutex<()> = Mutex::new(());

/// Every scenario's `KEXEC_APPEND` marker.
const MARKER: &str = "vmtest_kexec_marker=1";

struct Run {
    name: String,
    dir: PathBuf,
    lines: Vec<String>,
    messages: String,
    fsck: String,
    fsck_root: String,
    qemu_rc: String,
    kernel_b: String,
    grub_args_b: String,
}

fn vm_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/vm")
}

fn run(name: &str, args: &[&str]) -> Run {
    let _guard = VM.lock().unwrap_or_else(|e| e.into_inner());
    let top = Path::new(env!("CARGO_MANIFEST_DIR"));
    let t0 = Instant::now();
    let status = Command::new("sh")
        .arg(top.join("tests/vm/run-vm.sh"))
        .arg(vm_dir())
        .arg(name)
        .args(args)
        .status()
        .unwrap_or_else(|e| panic!("{name}: running tests/vm/run-vm.sh: {e}"));
    assert!(
        status.success(),
        "{name}: tests/vm/run-vm.sh failed ({status})"
    );
    eprintln!(
        "vm test {name}: {} s wall time (TCG)",
        t0.elapsed().as_secs()
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
            l.split_once(' ').map_or("", |(_, t)| t).to_string()
        })
        .collect();
    let env: Vec<(String, String)> = read("../../base/vm.env")
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.trim_matches('\'').to_string()))
        .collect();
    let get = |k: &str| {
        env.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("{name}: vm.env has no {k}"))
    };
    Run {
        name: name.to_string(),
        lines,
        messages: read("messages"),
        fsck: read("fsck-root.txt") + &read("fsck-boot.txt"),
        fsck_root: read("fsck-root.txt"),
        qemu_rc: read("qemu.rc").trim().to_string(),
        kernel_b: get("KERNEL_B"),
        grub_args_b: get("CMDLINE_A").replace("vmtest_entry=A", "vmtest_entry=B"),
        dir,
    }
}

impl Run {
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
        self.lines[from..]
            .iter()
            .position(|l| l.contains(needle))
            .map(|i| from + i)
    }

    fn at(&self, from: usize, needle: &str) -> usize {
        self.find_after(from, needle).unwrap_or_else(|| {
            self.fail(&format!(
                "no console line after line {from} contains {needle:?}"
            ))
        })
    }

    fn none_between(&self, from: usize, to: usize, needle: &str, what: &str) {
        if let Some(l) = self.lines[from..to].iter().find(|l| l.contains(needle)) {
            self.fail(&format!("{what}: {l:?}"));
        }
    }

    /// The text after `VMTEST: <key> ` in boot `n`.
    fn marker(&self, n: u32, key: &str) -> String {
        let start = self.at(0, &format!("VMTEST: boot {n}"));
        let prefix = format!("VMTEST: {key} ");
        self.lines[start..]
            .iter()
            .find_map(|l| l.split_once(&prefix).map(|(_, v)| v.trim().to_string()))
            .unwrap_or_else(|| self.fail(&format!("boot {n} has no {key:?} marker")))
    }

    /// Boot `n`'s action ended in a firmware reboot (the load refused, with `reason` on the
    /// console before halt and in syslog): nothing staged at halt, no kexec, the reset.
    /// Returns the index of the reset line.
    fn assert_firmware_reboot(&self, n: u32, reason: &str) -> usize {
        let boot = self.at(0, &format!("VMTEST: boot {n}"));
        let action = self.at(boot, "VMTEST: action shutdown -r now");
        let why = self.at(action, "kexec-reboot: error: ");
        self.check(
            self.lines[why].contains(reason)
                && self.lines[why].contains("nothing staged, the reboot goes through the firmware"),
            &format!(
                "boot {n}: the reason is not {reason:?}: {:?}",
                self.lines[why]
            ),
        );
        let term = self.at(action, "Sending all processes the TERM signal");
        self.check(why < term, "the reason came after halt started");
        let probe = self.at(action, "VMTEST: probe ");
        self.check(
            self.lines[probe].ends_with("kexec_loaded=0"),
            &format!(
                "boot {n}: a kernel was staged at halt: {:?}",
                self.lines[probe]
            ),
        );
        let reset = self.at(probe, "reboot: Restarting system");
        self.none_between(action, reset, "Starting new kernel", "a kexec happened");
        self.none_between(
            action,
            reset,
            "load failed (exit",
            "the load did not exit 6 (refused on purpose)",
        );
        self.check(
            self.messages
                .lines()
                .any(|l| l.contains("kexec-reboot") && l.contains(reason)),
            &format!("syslog has no kexec-reboot line saying {reason:?}"),
        );
        reset
    }
}

/// Scenario 6 (issue 20 §3): see the top of this file.
#[test]
#[ignore = "needs QEMU, OVMF and the RPM: make test-vm"]
fn efi_boot_next_vendor_directory_and_firmware_setup() {
    let r = run(
        "20-6-efi",
        &[
            "--boot-disk",
            "grub2-efi",
            "--efi-vendors",
            "centos rocky",
            "--disk-runs",
            "2",
            "--boot-timeout",
            "1",
            "--set",
            &format!("KEXEC_APPEND={MARKER}"),
            "--then",
            "1=efi-bootnext-reboot",
            "--then",
            "2=efi-show-reboot",
            "--then",
            "3=efi-fwsetup-reboot",
            "--timeout",
            "600",
        ],
    );
    let b = r.kernel_b.clone();

    // Boot 1 (A): the ESP and efivarfs are there, a Rocky entry is made and asked for once.
    let boot1 = r.at(0, "VMTEST: boot 1");
    let created = r.at(boot1, "VMTEST: efi: created Boot");
    let entry = r.lines[created]
        .rsplit("created ")
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    r.check(
        entry.len() == 8,
        &format!("no boot entry was made: {entry:?}"),
    );
    r.at(
        created,
        &format!("VMTEST: efi: efibootmgr: BootNext: {}", &entry[4..]),
    );
    let reason = format!("EFI BootNext is set ({entry} \"Rocky Linux\"): the firmware was asked to boot that entry next");
    // `plan` gives the reason: as its failed firmware check, or as its error when the boot
    // loader cannot be read either (the firmware's reason wins).
    let plan = r.at(created, &reason);
    r.check(
        r.lines[plan].contains("VMTEST: efi: plan: "),
        &format!("plan does not give the reason: {:?}", r.lines[plan]),
    );
    r.at(plan, "VMTEST: efi: plan exit 6");
    let reset1 = r.assert_firmware_reboot(1, &reason);
    let run2 = r.at(
        reset1,
        "VMHOST: run 2: firmware reboot, QEMU starts from the disk",
    );

    // Boot 2: the firmware took BootNext: Rocky's GRUB booted B, and BootNext is gone.
    let boot2 = r.at(run2, "VMTEST: boot 2");
    r.check(r.marker(2, "uname") == b, "boot 2 is not B");
    let cmdline2 = r.marker(2, "cmdline");
    r.check(
        cmdline2
            .split_whitespace()
            .any(|w| w == "vmtest_vendor=rocky"),
        &format!("the firmware did not boot the BootNext entry (Rocky's GRUB): {cmdline2:?}"),
    );
    r.at(
        boot2,
        &format!("VMTEST: efi: efibootmgr: BootCurrent: {}", &entry[4..]),
    );
    let show_end = r.at(boot2, "VMTEST: efi: plan exit");
    r.none_between(
        boot2,
        show_end,
        "VMTEST: efi: efibootmgr: BootNext:",
        "BootNext is still set after the firmware took it",
    );
    r.check(
        r.lines[show_end].ends_with("plan exit 0"),
        &format!("plan refused in boot 2: {:?}", r.lines[show_end]),
    );
    let used = r.at(
        boot2,
        "VMTEST: efi: plan:   warning: /boot/efi/EFI/rocky/grub.cfg: used: EFI BootCurrent's entry",
    );
    r.check(
        r.lines[used].contains("not used: /boot/efi/EFI/centos/grub.cfg"),
        &format!("plan does not say centos is left: {:?}", r.lines[used]),
    );
    // The reboot stages B from rocky/grub.cfg and kexecs.
    let action2 = r.at(boot2, "VMTEST: action shutdown -r now");
    let staged = r.at(action2, &format!("staged {b} ("));
    let kexec = r.at(staged, "Starting new kernel");
    r.none_between(
        action2,
        kexec,
        "reboot: Restarting system",
        "boot 2 went through the firmware",
    );

    // Boot 3: B via kexec with rocky's arguments and the marker.
    let boot3 = r.at(kexec, "VMTEST: boot 3");
    r.none_between(kexec, boot3, "VMHOST:", "QEMU restarted: not a kexec");
    let cmdline3 = r.marker(3, "cmdline");
    let words: Vec<&str> = cmdline3.split_whitespace().collect();
    for w in ["vmtest_vendor=rocky", MARKER, "vmtest_entry=B"] {
        r.check(
            words.contains(&w),
            &format!("boot 3's command line lacks {w}: {cmdline3:?}"),
        );
    }
    r.check(
        !words.contains(&"vmtest_vendor=centos"),
        "the stale EFI/centos/grub.cfg was staged",
    );
    // The firmware setup asked for: a firmware reboot with the reason.
    let fw = r.at(boot3, "VMTEST: efi: OsIndications");
    r.check(
        r.lines[fw].ends_with("01 00 00 00 00 00 00 00"),
        &format!("OsIndications was not written: {:?}", r.lines[fw]),
    );
    let reason3 = "EFI OsIndications asks for the firmware setup at the next boot";
    let plan3 = r.at(fw, "[FAIL] firmware");
    r.check(
        r.lines[plan3].contains("VMTEST: efi: plan: ") && r.lines[plan3].contains(reason3),
        &format!("plan does not give the reason: {:?}", r.lines[plan3]),
    );
    r.at(plan3, "VMTEST: efi: plan exit 6");
    let reset3 = r.assert_firmware_reboot(3, reason3);
    r.check(
        r.qemu_rc == "0" && r.find_after(reset3, "VMHOST: run 3").is_none(),
        &format!(
            "QEMU did not end after the firmware reboot (exit {})",
            r.qemu_rc
        ),
    );
    // The boot disk is a partitioned image (ESP + /boot): only the root disk is checked.
    r.check(
        r.fsck_root.contains("e2fsck status 0"),
        &format!("the root disk was not clean afterwards:\n{}", r.fsck_root),
    );
}

/// Scenario 5 (issue 20 §2): run 1, A stages B and kexecs; B dies in its initrd (panic=-1
/// resets the machine, as a watchdog or an admin's power cycle would). Run 2: the firmware
/// boots the same B with the same command line, as GRUB's default does after such a power
/// cycle. Nothing proves a kexec (no marker on the command line), so `confirm` must not take
/// it for the kexec boot: kexec reboots are off, and the next reboot goes through the
/// firmware with the reason. Today's main, comparing only the kernel and the command line,
/// confirmed it.
#[test]
#[ignore = "needs QEMU and the RPM: make test-vm"]
fn firmware_boot_after_a_staged_kexec_is_not_confirmed() {
    let r = run(
        "20-5-firmware-boot",
        &[
            "--break",
            "panic-initrd",
            "--cycles",
            "2",
            "--firmware-kernel",
            "b",
            "--then",
            "2=status-reboot",
            "--timeout",
            "200",
        ],
    );
    let b = r.kernel_b.clone();
    let staged = r.at(0, &format!("staged {b} ("));
    let kexec = r.at(staged, "Starting new kernel");
    let panic = r.at(kexec, "Kernel panic - not syncing");
    let run2 = r.at(panic, "VMHOST: run 2: power-cycled, QEMU starts kernel b");
    let boot2 = r.at(run2, "VMTEST: boot 2");
    r.check(r.marker(2, "uname") == b, "run 2 is not B");
    let cmdline = r.marker(2, "cmdline");
    let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    r.check(
        words(&cmdline) == words(&r.grub_args_b),
        &format!("run 2 is not B with B's own arguments: {cmdline:?}"),
    );
    r.none_between(
        run2,
        r.lines.len(),
        "confirmed the kexec boot into",
        "a firmware boot was confirmed as the kexec boot",
    );
    r.at(boot2, "VMTEST: status: kexec reboots are OFF");
    let reset = {
        let action = r.at(boot2, "VMTEST: action shutdown -r now");
        let why = r.at(action, "kexec-reboot: error: ");
        for w in [
            "status --clear",
            "nothing staged, the reboot goes through the firmware",
        ] {
            r.check(
                r.lines[why].contains(w),
                &format!("the reason does not say {w:?}: {:?}", r.lines[why]),
            );
        }
        let probe = r.at(action, "VMTEST: probe ");
        r.check(
            r.lines[probe].ends_with("kexec_loaded=0"),
            "run 2 staged a kernel",
        );
        r.none_between(
            action,
            probe,
            "load failed (exit",
            "the load did not exit 6",
        );
        r.at(probe, "reboot: Restarting system")
    };
    r.none_between(boot2, reset, "Starting new kernel", "run 2 kexec'd");
    r.check(r.qemu_rc == "0", &format!("QEMU exit {}", r.qemu_rc));
    r.check(
        r.fsck.matches("e2fsck status 0").count() == 2,
        &format!("the disks were not clean afterwards:\n{}", r.fsck),
    );
}
