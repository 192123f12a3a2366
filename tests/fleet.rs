//! The fleet proof: three guests of the sysvinit image (sshd, a key made per run, 127.0.0.1
//! port forwards only) rebooted by `ansible-playbook ansible/examples/rolling-reboot.yml`, the
//! Ansible role with raw only, with ansible-core from target/ansible (tests/deps.sh).
//!
//! tests/vm/fleet/fleet.sh starts the guests and runs the play; this file decides and checks:
//! the play's outcome and its one-line-per-host summary, and, independently of the play, each
//! guest's serial console (how many kernels started, whether QEMU was restarted by a firmware
//! reboot) and what the guests run afterwards. `#[ignore]`d in a plain `cargo test`;
//! `make test-fleet` runs them, one fleet at a time.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

static FLEET: Mutex<()> = Mutex::new(());

fn vm_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/vm")
}

/// What one guest left.
struct Host {
    /// The serial console, every boot.
    serial: String,
    /// `uname -r`, boot id, /proc/cmdline, md5 of /etc/sysconfig/kexec before the play.
    before: Vec<String>,
    /// The same after it.
    after: Vec<String>,
}

impl Host {
    /// Kernels started (the first boot, then one per kexec or firmware reboot).
    fn kernels_started(&self) -> Vec<String> {
        self.serial
            .lines()
            .filter_map(|l| l.split_once("] Linux version ").map(|(_, v)| v))
            .filter_map(|v| v.split_whitespace().next().map(str::to_string))
            .collect()
    }

    /// QEMU restarts: each one a reboot through the firmware.
    fn firmware_reboots(&self) -> usize {
        self.serial.matches("power-cycled").count()
    }
}

/// What one scenario left.
struct Fleet {
    name: String,
    log: String,
    rc: String,
    hosts: Vec<Host>,
    kernel_a: String,
    kernel_b: String,
}

impl Fleet {
    fn host(&self, n: usize) -> &Host {
        &self.hosts[n - 1]
    }

    /// The role's summary line for host `hN`.
    fn summary(&self, n: usize) -> String {
        let prefix = format!("\"kexec_reboot: h{n}: ");
        let line = self
            .log
            .lines()
            .rev()
            .find_map(|l| l.trim().strip_prefix(&prefix).map(str::to_string))
            .unwrap_or_else(|| panic!("{}: no summary line for h{n}:\n{}", self.name, self.log));
        line.trim_end_matches(',').trim_end_matches('"').to_string()
    }

    /// Serial batches the play ran (Ansible prints the play's header once per batch).
    fn batches(&self) -> usize {
        self.log.matches("PLAY [Rolling kexec reboot]").count()
    }
}

fn run(scenario: &str) -> Fleet {
    let _guard = FLEET.lock().unwrap_or_else(|e| e.into_inner());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // KEXEC_FLEET_REUSE=1: check what the last run of the scenario left (editing the checks).
    if std::env::var_os("KEXEC_FLEET_REUSE").is_none() {
        let status = Command::new("sh")
            .arg(root.join("tests/vm/fleet/fleet.sh"))
            .arg(vm_dir())
            .arg(scenario)
            .status()
            .unwrap_or_else(|e| panic!("{scenario}: running tests/vm/fleet/fleet.sh: {e}"));
        assert!(
            status.success(),
            "{scenario}: tests/vm/fleet/fleet.sh failed ({status}); its message is above"
        );
    }
    let dir = vm_dir().join("fleet").join(scenario);
    let read = |p: PathBuf| {
        fs::read_to_string(&p)
            .unwrap_or_else(|e| panic!("{scenario}: reading {}: {e}", p.display()))
    };
    let lines = |p: PathBuf| read(p).lines().map(str::to_string).collect::<Vec<_>>();
    let hosts = (1..=3)
        .map(|n| Host {
            serial: String::from_utf8_lossy(
                &fs::read(vm_dir().join(format!("runs/fleet-{scenario}-h{n}/serial.log")))
                    .unwrap_or_default(),
            )
            .into_owned(),
            before: lines(dir.join(format!("h{n}.before"))),
            after: lines(dir.join(format!("h{n}.after"))),
        })
        .collect();
    let env = read(vm_dir().join("base/vm.env"));
    let var = |k: &str| {
        env.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .map(|v| v.trim_matches('\'').to_string())
            .unwrap_or_else(|| panic!("{k} missing from vm.env"))
    };
    let fleet = Fleet {
        name: scenario.to_string(),
        log: read(dir.join("ansible.log")),
        rc: read(dir.join("ansible.rc")).trim().to_string(),
        hosts,
        kernel_a: var("KERNEL_A"),
        kernel_b: var("KERNEL_B"),
    };
    println!("{scenario}: ansible-playbook exit {}", fleet.rc);
    for n in 1..=3 {
        if let Some(l) = fleet
            .log
            .lines()
            .rev()
            .find(|l| l.contains(&format!("\"kexec_reboot: h{n}: ")))
        {
            println!("{}", l.trim());
        }
    }
    fleet
}

/// Host `n` went from A to B through kexec: the play says so, the console shows B started
/// with no firmware reboot, and B runs now.
fn assert_kexec_into_b(f: &Fleet, n: usize) {
    let s = f.summary(n);
    let want = format!("{} -> {} via kexec, down ", f.kernel_a, f.kernel_b);
    assert!(
        s.starts_with(&want),
        "{}: h{n}: summary {s:?}, want {want:?}",
        f.name
    );
    let h = f.host(n);
    assert_eq!(
        h.kernels_started(),
        [f.kernel_a.clone(), f.kernel_b.clone()],
        "{}: h{n}: kernels on the console",
        f.name
    );
    assert_eq!(
        h.firmware_reboots(),
        0,
        "{}: h{n}: a firmware reboot",
        f.name
    );
    assert_eq!(
        h.after.first(),
        Some(&f.kernel_b),
        "{}: h{n} runs {:?}",
        f.name,
        h.after
    );
    // The config file is the admin's: the role never edits it.
    assert_eq!(
        h.before.get(3),
        h.after.get(3),
        "{}: h{n}: /etc/sysconfig/kexec changed",
        f.name
    );
}

/// Host `n` was never rebooted: one kernel on the console, the same boot id as before.
fn assert_untouched(f: &Fleet, n: usize) {
    let h = f.host(n);
    assert_eq!(
        h.kernels_started(),
        std::slice::from_ref(&f.kernel_a),
        "{}: h{n} was rebooted",
        f.name
    );
    assert_eq!(
        h.before.get(1),
        h.after.get(1),
        "{}: h{n}: the boot id changed",
        f.name
    );
}

#[test]
#[ignore = "needs QEMU, the VM image and ansible-core; run by make test-fleet"]
fn fleet_rolling_serial_1_each_host_comes_back_in_b_via_kexec() {
    let f = run("rolling");
    assert_eq!(f.rc, "0", "the play failed:\n{}", f.log);
    assert_eq!(f.batches(), 3, "serial 1: one host per batch");
    for n in 1..=3 {
        assert_kexec_into_b(&f, n);
    }
    // h3's KEXEC_APPEND for this run (kexec_reboot_settings) reached its command line only.
    assert!(
        f.host(3).after[2].contains("fleet_marker=h3"),
        "{:?}",
        f.host(3).after
    );
    assert!(
        !f.host(1).after[2].contains("fleet_marker"),
        "{:?}",
        f.host(1).after
    );
    // One at a time: h1 was back before h2 was rebooted (the controller's waits, in order).
    let pos = |n: usize| {
        f.log
            .find(&format!("[h{n} -> localhost]"))
            .unwrap_or(usize::MAX)
    };
    assert!(
        pos(1) < pos(2) && pos(2) < pos(3),
        "reboot order:\n{}",
        f.log
    );
}

#[test]
#[ignore = "needs QEMU, the VM image and ansible-core; run by make test-fleet"]
fn fleet_broken_initrd_on_h2_stops_the_rollout_at_its_preflight() {
    let f = run("broken-initrd");
    assert_ne!(f.rc, "0", "the play must fail:\n{}", f.log);
    assert_kexec_into_b(&f, 1);
    // h2's one-line reason, from its own plan: B's initrd is missing.
    let fail = f
        .log
        .lines()
        .find(|l| l.contains("\"msg\": \"h2: preflight: kexec-reboot plan: would not stage"))
        .unwrap_or_else(|| panic!("no preflight failure for h2:\n{}", f.log));
    assert!(fail.contains("initramfs"), "{fail}");
    assert!(
        f.summary(2)
            .contains("not rebooted: preflight: kexec-reboot plan: would not stage"),
        "{}",
        f.summary(2)
    );
    assert!(f.summary(3).starts_with("untouched"), "{}", f.summary(3));
    assert!(
        !f.log.contains("[h2 -> localhost]") && !f.log.contains("[h3 -> localhost]"),
        "{}",
        f.log
    );
    assert_untouched(&f, 2);
    assert_untouched(&f, 3);
}

#[test]
#[ignore = "needs QEMU, the VM image and ansible-core; run by make test-fleet"]
fn fleet_serial_2_reboots_two_then_one() {
    let f = run("serial-2");
    assert_eq!(f.rc, "0", "the play failed:\n{}", f.log);
    assert_eq!(f.batches(), 2, "serial 2: h1+h2, then h3");
    for n in 1..=3 {
        assert_kexec_into_b(&f, n);
    }
}

#[test]
#[ignore = "needs QEMU, the VM image and ansible-core; run by make test-fleet"]
fn fleet_allow_firmware_reboots_h2_through_the_firmware() {
    let f = run("allow-firmware");
    assert_eq!(f.rc, "0", "the play failed:\n{}", f.log);
    assert_kexec_into_b(&f, 1);
    assert_kexec_into_b(&f, 3);
    let s = f.summary(2);
    let want = format!("{} -> {} via firmware, down ", f.kernel_a, f.kernel_b);
    assert!(s.starts_with(&want), "h2: summary {s:?}, want {want:?}");
    assert!(
        s.contains("firmware allowed: the kexec service is off"),
        "{s}"
    );
    // The console agrees: QEMU was restarted (a firmware reboot), and the boot loader's default
    // (B) came up.
    let h = f.host(2);
    assert_eq!(h.firmware_reboots(), 1, "h2: firmware reboots");
    assert_eq!(
        h.kernels_started(),
        [f.kernel_a.clone(), f.kernel_b.clone()]
    );
    assert_eq!(h.after.first(), Some(&f.kernel_b));
}
