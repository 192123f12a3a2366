//! A writable fixture root with the stand-in kernel (`--fake-kernel`), and the binary run on
//! it: shared by the load-flow tests (tests/cli_load.rs) and the fleet tests
//! (tests/cli_fleet.rs). Each uses a part of it.
#![allow(dead_code)]

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use super::copy_fixture;

pub struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    pub fn new(name: &str) -> Tree {
        let dir = copy_fixture(name);
        let t = Tree { dir };
        t.write("proc/sys/kernel/random/boot_id", "boot-1\n");
        t.write("sys/kernel/kexec_loaded", "0\n");
        fs::create_dir_all(t.path().join("var/run")).unwrap();
        t
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.path().join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path().join(rel)).unwrap_or_default()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_kexec-reboot"))
            .arg("--root")
            .arg(self.path())
            .arg("--fake-kernel")
            .args(args)
            .output()
            .expect("running kexec-reboot")
    }

    pub fn loaded(&self) -> bool {
        self.read("sys/kernel/kexec_loaded").trim() == "1"
    }

    pub fn fake_log(&self) -> Vec<String> {
        self.read("sys/kernel/kexec-reboot-fake.log")
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// `status --json`, parsed.
    pub fn status(&self) -> serde_json::Value {
        let o = self.run(&["status", "--json"]);
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("status --json: {e}: {o:?}"))
    }

    /// A kexec into what the stand-in kernel last loaded, as `version`: a new boot id, the
    /// loaded command line (our marker included) in /proc/cmdline, nothing loaded.
    pub fn kexec_into(&self, boot_id: &str, version: &str) {
        let log = self.fake_log();
        let last = log
            .iter()
            .rev()
            .find(|l| l.starts_with("load "))
            .expect("kexec_into: the stand-in kernel has loaded nothing");
        let cmdline = last
            .split_once(" cmdline=")
            .map(|(_, c)| c.to_string())
            .unwrap_or_default();
        self.reboot_into(boot_id, version, &cmdline);
    }

    /// A reboot into `version` with `cmdline`: a new boot id, what /proc says, nothing loaded.
    /// Without our marker in `cmdline`, that is a boot through the firmware.
    pub fn reboot_into(&self, boot_id: &str, version: &str, cmdline: &str) {
        self.write("proc/sys/kernel/random/boot_id", &format!("{boot_id}\n"));
        self.write("proc/sys/kernel/osrelease", &format!("{version}\n"));
        self.write("proc/cmdline", &format!("{cmdline}\n"));
        self.write("sys/kernel/kexec_loaded", "0\n");
    }
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
