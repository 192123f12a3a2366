//! What the Ansible role (ansible/roles/kexec_reboot) relies on, on a fixture root with the
//! stand-in kernel: a config file given for one reboot (`--config FILE reboot`) also holds for
//! the rc script's load at shutdown, and `status --json` says when this boot is a confirmed
//! kexec boot (and says nothing of the kind after a firmware boot), and `boot` once `confirm`
//! has run in this boot.

mod common;
use common::fake_root::{stderr, Tree};

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
    t.kexec_into("boot-2", "2.6.18-194.11.4.el5");
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
    assert_eq!(st["boot"]["came"], "kexec", "{st}");
    // A firmware reboot afterwards: nothing staged, so nothing confirmed in that boot.
    t.reboot_into("boot-3", "2.6.18-194.11.4.el5", "ro root=LABEL=/");
    assert!(t.run(&["confirm"]).status.success());
    assert_eq!(t.status()["confirmed"], serde_json::Value::Null);
}
