//! Tests for the BLS entry parser, on entries shaped like kernel-install's.

use super::*;
use crate::entry::DefaultEntry;

const MID: &str = "2f1a0e3c4b5d4e6f8a9b0c1d2e3f4a5b";

/// RHEL 8 kernel-install output (tuned variables, grub_users, grub_arg, grub_class).
fn rhel8(version: &str) -> String {
    format!(
        "title Red Hat Enterprise Linux ({version}) 8.5 (Ootpa)\n\
         version {version}\n\
         linux /vmlinuz-{version}\n\
         initrd /initramfs-{version}.img $tuned_initrd\n\
         options $kernelopts $tuned_params\n\
         id rhel-20211005000000-{version}\n\
         grub_users $grub_users\n\
         grub_arg --unrestricted\n\
         grub_class kernel\n"
    )
}

/// Fedora's rescue entry.
fn rescue() -> String {
    format!(
        "title Fedora Linux (0-rescue-{MID}) 36 (Thirty Six)\nversion 0-rescue-{MID}\n\
         linux /vmlinuz-0-rescue-{MID}\ninitrd /initramfs-0-rescue-{MID}.img\n\
         options root=UUID=abc ro rhgb quiet\ngrub_users $grub_users\ngrub_arg --unrestricted\ngrub_class kernel\n"
    )
}

fn entries(versions: &[&str]) -> Vec<BlsEntry> {
    let mut out: Vec<BlsEntry> = versions
        .iter()
        .map(|v| {
            let id = format!("{MID}-{v}");
            let (e, w) = parse(&rhel8(v), &format!("{ENTRIES_DIR}/{id}.conf"), &id);
            assert!(w.is_empty(), "rhel8 entry is clean: {w:?}");
            e
        })
        .collect();
    let id = format!("{MID}-0-rescue");
    out.push(parse(&rescue(), &format!("{ENTRIES_DIR}/{id}.conf"), &id).0);
    sort(&mut out);
    out
}

#[test]
fn sorted_newest_first() {
    let e = entries(&[
        "4.18.0-80.el8.x86_64",
        "4.18.0-348.el8.x86_64",
        "4.18.0-305.25.1.el8_4.x86_64",
    ]);
    let got: Vec<&str> = e
        .iter()
        .map(|e| e.version.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(
        got,
        vec![
            "4.18.0-348.el8.x86_64",
            "4.18.0-305.25.1.el8_4.x86_64",
            "4.18.0-80.el8.x86_64",
            &format!("0-rescue-{MID}"),
        ],
        "rpm order, newest first, rescue last"
    );
}

#[test]
fn expands_from_grubenv() {
    let e = entries(&["4.18.0-348.el8.x86_64", "4.18.0-305.el8.x86_64"]);
    let env_block = grubenv::block(&format!(
        "saved_entry={MID}-4.18.0-305.el8.x86_64\nkernelopts=root=/dev/mapper/rhel-root ro crashkernel=auto rhgb quiet \n\
         tuned_params=skew_tick=1 nohz=on\ntuned_initrd=/tuned-initrd.img\n"
    ));
    let (g, w) = grubenv::parse(&env_block, GRUBENV);
    assert!(w.is_empty(), "clean grubenv");
    let m = menu(&e, Some(&g), Vec::new());
    assert_eq!(
        m.default,
        DefaultEntry::Index(1, format!("saved_entry={MID}-4.18.0-305.el8.x86_64")),
        "saved_entry by id"
    );
    let b = &m.entries[0];
    assert_eq!(
        b.args, "root=/dev/mapper/rhel-root ro crashkernel=auto rhgb quiet skew_tick=1 nohz=on",
        "options expanded"
    );
    assert_eq!(
        b.initrds,
        vec!["/initramfs-4.18.0-348.el8.x86_64.img", "/tuned-initrd.img"],
        "tuned initrd"
    );
    assert_eq!(
        b.id.as_deref(),
        Some(&*format!("{MID}-4.18.0-348.el8.x86_64")),
        "id"
    );
    assert!(m.entries[2].rescue, "rescue marked");
    assert!(!b.rescue, "kernel not rescue");
    let unset: Vec<&Warning> = m
        .warnings
        .iter()
        .filter(|w| w.message.contains("$grub_users"))
        .collect();
    assert!(
        unset.is_empty(),
        "grub_users is not expanded by us: {:?}",
        m.warnings
    );

    // No grubenv: first entry, warnings for the unset variables.
    let m = menu(&e, None, Vec::new());
    assert_eq!(
        m.default,
        DefaultEntry::Index(0, "first entry".into()),
        "no saved_entry"
    );
    assert!(
        m.warnings
            .iter()
            .any(|w| w.message.contains("$kernelopts, which is not set")),
        "unset kernelopts warned: {:?}",
        m.warnings
    );
    assert!(
        m.warnings
            .iter()
            .filter(|w| w.message.contains("$kernelopts, which is not set"))
            .all(|w| w.line.is_some()),
        "an unset variable's warning names the line that uses it: {:?}",
        m.warnings
    );
    assert_eq!(
        m.entries[0].initrds,
        vec!["/initramfs-4.18.0-348.el8.x86_64.img"],
        "empty tuned_initrd dropped"
    );

    // next_entry wins; a stale saved_entry is unresolved.
    let (g, _) = grubenv::parse(
        &grubenv::block(&format!("saved_entry=gone\nnext_entry={MID}-0-rescue\n")),
        GRUBENV,
    );
    assert!(
        matches!(
            menu(&e, Some(&g), Vec::new()).default,
            DefaultEntry::Index(2, _)
        ),
        "next_entry wins"
    );
    // GRUB's menu boots the first entry when saved_entry names none (tests/oracle).
    let (g, _) = grubenv::parse(&grubenv::block("saved_entry=gone\n"), GRUBENV);
    assert!(
        matches!(
            menu(&e, Some(&g), Vec::new()).default,
            DefaultEntry::Index(0, _)
        ),
        "stale saved_entry"
    );
}

#[test]
fn odd_files() {
    let (e, w) = parse("title x\nbogus 1\nlinux /a\nlinux /b\n", "/f.conf", "f");
    assert_eq!(w.len(), 2, "unknown key and second linux: {w:?}");
    assert_eq!(e.linux, Some(("/b".to_string(), 4)), "last linux wins");
    let (e, _) = parse("title efi only\nefi /EFI/Linux/x.efi\n", "/g.conf", "g");
    let mut w = Vec::new();
    assert!(
        to_boot_entry(&e, &Env::default(), &mut w).is_none(),
        "efi-only skipped"
    );
    assert_eq!(w.len(), 1, "and warned");
    let (e, _) = parse(
        "linux ($root)/vmlinuz-5.14.0-70.el9.x86_64\n",
        "/h.conf",
        "h",
    );
    let b = to_boot_entry(&e, &Env::default(), &mut w).expect("entry");
    assert_eq!(
        b.kernel, "/vmlinuz-5.14.0-70.el9.x86_64",
        "device prefix stripped"
    );
    assert_eq!(
        b.version.as_deref(),
        Some("5.14.0-70.el9.x86_64"),
        "version from file name"
    );
    assert_eq!(b.title, "h", "title falls back to id");
    for junk in ["", "linux", "linux $", "initrd '", "\u{0}"] {
        let (e, _) = parse(junk, "/j.conf", "j");
        let _ = to_boot_entry(&e, &Env::default(), &mut w);
    }
}

#[test]
fn reads_the_directory() {
    let conf = rhel8("4.18.0-348.el8.x86_64");
    let (_d, root) = crate::bootloader::testroot::root(&[
        (
            &format!("{ENTRIES_DIR}/{MID}-4.18.0-348.el8.x86_64.conf"),
            conf.as_bytes(),
        ),
        (&format!("{ENTRIES_DIR}/README"), b"not an entry"),
        ("/boot/vmlinuz-4.18.0-348.el8.x86_64", b"k"),
    ]);
    let m = crate::bootloader::read_menu(&root, crate::config::BootloaderChoice::Bls)
        .expect("read")
        .expect("menu");
    assert_eq!(m.entries.len(), 1, "one entry, README skipped");
    assert_eq!(
        m.entries[0].kernel, "/boot/vmlinuz-4.18.0-348.el8.x86_64",
        "resolved into /boot"
    );
    let (_d, root) = crate::bootloader::testroot::root(&[]);
    let err = crate::bootloader::read_menu(&root, crate::config::BootloaderChoice::Bls)
        .expect_err("explicit bls without entries");
    assert!(
        err.to_string().contains(ENTRIES_DIR),
        "error names the directory: {err}"
    );
}
