//! The firmware's own plans win (issue 20 §3), on a fixture root with efivarfs files under
//! /sys/firmware/efi/efivars and the stand-in kernel: EFI `BootNext`, `OsIndications` asking
//! for the firmware setup or announcing a capsule on disk, and an EDK II capsule variable each
//! make `load` stage nothing (exit 6, refused on purpose) with the reason on one line, unload
//! an image of ours staged earlier in the boot, and show in `plan` (words and JSON) and
//! `check`. With none of them, the load goes on as before.

mod common;
use common::fake_root::{stderr, Tree};

const GLOBAL: &str = "8be4df61-93ca-11d2-aa0d-00e098032b8c";

/// Writes efivarfs file `name` with attributes 7 (NV+BS+RT) and `value`.
fn efivar(t: &Tree, name: &str, value: &[u8]) {
    let p = t.path().join("sys/firmware/efi/efivars").join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    let mut bytes = vec![7, 0, 0, 0];
    bytes.extend(value);
    std::fs::write(p, bytes).unwrap();
}

/// A Boot#### load option: description, HD-less file path, end.
fn boot_option(desc: &str, file: &str) -> Vec<u8> {
    let ucs2 = |s: &str| -> Vec<u8> {
        s.encode_utf16()
            .chain([0])
            .flat_map(|c| c.to_le_bytes())
            .collect()
    };
    let f = ucs2(file);
    let mut paths = vec![4, 4];
    paths.extend(((f.len() + 4) as u16).to_le_bytes());
    paths.extend(f);
    paths.extend([0x7f, 0xff, 4, 0]);
    let mut v = 1u32.to_le_bytes().to_vec();
    v.extend((paths.len() as u16).to_le_bytes());
    v.extend(ucs2(desc));
    v.extend(paths);
    v
}

/// An EFI system with nothing asked of the firmware: it boots Boot0001.
fn efi_tree() -> Tree {
    let t = Tree::new("centos7-grub2");
    efivar(&t, &format!("BootCurrent-{GLOBAL}"), &[1, 0]);
    efivar(
        &t,
        &format!("Boot0001-{GLOBAL}"),
        &boot_option("CentOS Linux", "\\EFI\\centos\\shimx64.efi"),
    );
    efivar(
        &t,
        &format!("OsIndicationsSupported-{GLOBAL}"),
        &0x7fu64.to_le_bytes(),
    );
    t
}

/// `load` refuses on purpose with a reason containing `words`, stages nothing, and `plan`
/// and `check` say the same.
fn assert_refused(t: &Tree, words: &[&str]) {
    let o = t.run(&["load", "--reason", "shutdown"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(6), "load: {err}");
    let line = err
        .lines()
        .find(|l| l.contains("error:"))
        .unwrap_or_else(|| panic!("no error line: {err}"));
    for w in words
        .iter()
        .chain(&["nothing staged, the reboot goes through the firmware"])
    {
        assert!(line.contains(w), "the reason lacks {w:?}: {line}");
    }
    assert!(!line.contains("unconfirmed"), "{line}");
    assert!(!t.loaded(), "a kernel was staged");

    let o = t.run(&["plan"]);
    assert_eq!(o.status.code(), Some(6), "plan");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.starts_with("would NOT stage"), "{out}");
    let fw = out
        .lines()
        .find(|l| l.contains("[FAIL] firmware"))
        .unwrap_or_else(|| panic!("plan has no failed firmware check:\n{out}"));
    assert!(fw.contains(words[0]), "{fw}");

    let o = t.run(&["plan", "--json"]);
    assert_eq!(o.status.code(), Some(6));
    let p: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let first_failed = p["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["ok"] == false)
        .unwrap()
        .clone();
    assert_eq!(first_failed["name"], "firmware", "{p}");

    let o = t.run(&["check"]);
    assert_eq!(o.status.code(), Some(6), "check: {}", stderr(&o));
    assert!(stderr(&o).contains(words[0]), "{}", stderr(&o));
}

#[test]
fn nothing_asked_of_the_firmware_stages_as_before() {
    let t = efi_tree();
    let o = t.run(&["plan"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("[ ok ] firmware       EFI: no BootNext, no firmware setup or capsule update"),
        "{out}"
    );
    let o = t.run(&["load"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(t.loaded());
}

#[test]
fn boot_next_gives_a_firmware_reboot_and_names_the_entry() {
    let t = efi_tree();
    efivar(&t, &format!("BootNext-{GLOBAL}"), &[3, 0]);
    efivar(
        &t,
        &format!("Boot0003-{GLOBAL}"),
        &boot_option("UEFI PXEv4 (MAC:525400123456)", ""),
    );
    assert_refused(
        &t,
        &[
            "EFI BootNext is set (Boot0003 \"UEFI PXEv4 (MAC:525400123456)\")",
            "the firmware was asked to boot that entry next",
            "efibootmgr -N",
        ],
    );
}

#[test]
fn boot_next_set_after_a_load_unloads_ours() {
    let t = efi_tree();
    assert!(t.run(&["load"]).status.success());
    assert!(t.loaded());
    // `efibootmgr -n 3` after the admin's `kexec-reboot reboot` staged, before the shutdown's
    // load: what was ours must not win.
    efivar(&t, &format!("BootNext-{GLOBAL}"), &[3, 0]);
    let o = t.run(&["load", "--reason", "shutdown"]);
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
    assert!(!t.loaded(), "the earlier image of ours is still staged");
    assert!(
        stderr(&o).contains("unloaded the staged kernel"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn firmware_setup_gives_a_firmware_reboot() {
    let t = efi_tree();
    efivar(&t, &format!("OsIndications-{GLOBAL}"), &1u64.to_le_bytes());
    assert_refused(
        &t,
        &[
            "EFI OsIndications asks for the firmware setup at the next boot",
            "bootctl reboot-to-firmware false",
        ],
    );
}

#[test]
fn a_capsule_on_disk_gives_a_firmware_reboot() {
    let t = efi_tree();
    efivar(&t, &format!("OsIndications-{GLOBAL}"), &4u64.to_le_bytes());
    t.write("boot/efi/EFI/UpdateCapsule/fwupd-0001.cap", "capsule");
    assert_refused(
        &t,
        &[
            "EFI OsIndications says a firmware capsule update waits on the ESP",
            "fwupd-0001.cap",
        ],
    );
}

#[test]
fn an_edk2_capsule_variable_gives_a_firmware_reboot() {
    let t = efi_tree();
    efivar(
        &t,
        "CapsuleUpdateData-711c703f-c285-4b10-a3b0-36ecbd3c8be2",
        &[0; 8],
    );
    assert_refused(
        &t,
        &["a firmware capsule update is pending (EFI variable CapsuleUpdateData)"],
    );
}

#[test]
fn unreadable_efi_variables_are_a_warning() {
    let t = Tree::new("centos7-grub2");
    std::fs::create_dir_all(t.path().join("sys/firmware/efi/efivars")).unwrap();
    let o = t.run(&["plan"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains(
            "warning: this system booted through EFI, but its EFI variables cannot be read"
        ),
        "{out}"
    );
}

/// An ESP with the stale `centos/` of a migrated system and the `rocky/` the firmware boots:
/// the same grub.cfg in both, the arguments ending in `vendor=<dir>`.
fn migrated_tree() -> Tree {
    let t = efi_tree();
    let cfg = t.read("boot/grub2/grub.cfg");
    for v in ["centos", "rocky"] {
        t.write(
            &format!("boot/efi/EFI/{v}/grub.cfg"),
            &cfg.replace("LANG=en_US.UTF-8", &format!("LANG=en_US.UTF-8 vendor={v}")),
        );
        t.write(
            &format!("boot/efi/EFI/{v}/grubenv"),
            &t.read("boot/grub2/grubenv"),
        );
    }
    t
}

#[test]
fn boot_current_chooses_the_efi_vendor_directory() {
    let t = migrated_tree();
    efivar(
        &t,
        &format!("Boot0001-{GLOBAL}"),
        &boot_option("Rocky Linux", "\\EFI\\rocky\\shimx64.efi"),
    );
    let o = t.run(&["plan", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let p: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let cmdline = p["cmdline"].as_str().unwrap();
    assert!(cmdline.ends_with("vendor=rocky"), "{cmdline}");
    let warnings = p["warnings"].to_string();
    assert!(
        warnings.contains("/boot/efi/EFI/rocky/grub.cfg: used: EFI BootCurrent's entry Boot0001 \\\"Rocky Linux\\\" loads \\\\EFI\\\\rocky\\\\shimx64.efi; not used: /boot/efi/EFI/centos/grub.cfg"),
        "{warnings}"
    );
    let o = t.run(&["load"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        t.fake_log()[0].ends_with("vendor=rocky kexec_reboot.boot=boot-1"),
        "{:?}",
        t.fake_log()
    );
}

#[test]
fn two_efi_vendor_directories_and_no_answer_refuse() {
    let t = migrated_tree();
    // BootCurrent's entry is the removable-media path: it names neither directory.
    efivar(
        &t,
        &format!("Boot0001-{GLOBAL}"),
        &boot_option("UEFI Misc Device", "\\EFI\\BOOT\\BOOTX64.EFI"),
    );
    let o = t.run(&["load"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let err = stderr(&o);
    for w in [
        "/boot/efi/EFI/centos/grub.cfg, /boot/efi/EFI/rocky/grub.cfg: more than one EFI vendor directory has a grub.cfg",
        "loads \\EFI\\BOOT\\BOOTX64.EFI, which is in none of their directories",
        "nothing staged",
    ] {
        assert!(err.contains(w), "lacks {w:?}: {err}");
    }
    assert!(!t.loaded());
}
