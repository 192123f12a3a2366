//! What the Ansible role (ansible/roles/kexec_reboot) relies on, on a fixture root with the
//! stand-in kernel: a config file given for one reboot (`--config FILE reboot`) also holds for
//! the rc script's load at shutdown, and `status --json` says when this boot is a confirmed
//! kexec boot (and says nothing of the kind after a firmware boot), and `boot` once `confirm`
//! has run in this boot.

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
        let t = Tree {
            dir: copy_fixture(name),
        };
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

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_kexec-reboot"))
            .arg("--root")
            .arg(self.path())
            .arg("--fake-kernel")
            .args(args)
            .output()
            .expect("running kexec-reboot")
    }

    fn status(&self) -> serde_json::Value {
        let o = self.run(&["status", "--json"]);
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("status --json: {e}: {o:?}"))
    }

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
fn a_one_time_config_holds_for_the_load_at_shutdown() {
    let t = Tree::new("centos5-seed");
    t.write(
        "var/run/kexec-reboot.oneshot.conf",
        "KEXEC_APPEND=\"fleet_marker=1\"\n",
    );
    let o = t.run(&[
        "--config",
        "/var/run/kexec-reboot.oneshot.conf",
        "plan",
        "--json",
    ]);
    let plan: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        plan["cmdline"].as_str().unwrap().contains("fleet_marker=1"),
        "{plan}"
    );
    let o = t.run(&["--config", "/var/run/kexec-reboot.oneshot.conf", "reboot"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // What the rc script runs at runlevel 6, with the default config path.
    let o = t.run(&["load", "--reason", "shutdown"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let st = t.status();
    assert_eq!(st["next"]["config"], "/var/run/kexec-reboot.oneshot.conf");
    assert!(
        st["staged"]["cmdline"]
            .as_str()
            .unwrap()
            .contains("fleet_marker=1"),
        "the one-time config was lost at shutdown: {st}"
    );
    // The next boot forgets it: the default config again.
    t.reboot_into("boot-2", "2.6.18-194.11.4.el5", "ro root=LABEL=/");
    assert!(t.run(&["load"]).status.success());
    let st = t.status();
    assert!(
        !st["staged"]["cmdline"]
            .as_str()
            .unwrap()
            .contains("fleet_marker"),
        "{st}"
    );
}

#[test]
fn status_json_says_when_this_boot_is_a_confirmed_kexec_boot() {
    let t = Tree::new("centos5-seed");
    assert_eq!(t.status()["confirmed"], serde_json::Value::Null);
    assert!(t.run(&["load"]).status.success());
    t.reboot_into("boot-2", "2.6.18-194.11.4.el5", "ro root=LABEL=/");
    assert_eq!(
        t.status()["boot"],
        serde_json::Value::Null,
        "confirm has not run yet"
    );
    let o = t.run(&["confirm"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let st = t.status();
    assert_eq!(
        st["boot"]["boot_id"], "boot-2",
        "confirm ran in this boot: {st}"
    );
    assert_eq!(st["confirmed"]["boot_id"], "boot-2", "{st}");
    assert_eq!(
        st["confirmed"]["staged"]["version"], "2.6.18-194.11.4.el5",
        "{st}"
    );
    // A firmware reboot afterwards: nothing staged, so nothing confirmed in that boot.
    t.reboot_into("boot-3", "2.6.18-194.11.4.el5", "ro root=LABEL=/");
    assert!(t.run(&["confirm"]).status.success());
    assert_eq!(t.status()["confirmed"], serde_json::Value::Null);
}
