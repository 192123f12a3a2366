//! Tests for boot loader selection and paths.

use super::*;

#[test]
fn a_missing_chosen_boot_loader_is_no_kernel_not_an_unexpected_error() {
    let (_d, root) = testroot::root(&[("/boot/vmlinuz-2.6.18-194.el5", b"k")]);
    for choice in [
        BootloaderChoice::Grub2,
        BootloaderChoice::Grub,
        BootloaderChoice::Bls,
    ] {
        let err = read_menu(&root, choice).expect_err("no config of that kind");
        assert_eq!(
            crate::failure::exit_code(&err),
            4,
            "{choice:?} without its config exits 4 (no bootable kernel), not 1: {err:#}"
        );
    }
}

#[test]
fn strips_devices() {
    let cases = [
        ("(hd0,0)/vmlinuz-2.6.18-194.el5", "/vmlinuz-2.6.18-194.el5"),
        ("(hd0,msdos1)/boot/vmlinuz", "/boot/vmlinuz"),
        ("/vmlinuz", "/vmlinuz"),
        ("(hd0", "(hd0"),
        ("()", ""),
    ];
    for (input, want) in cases {
        assert_eq!(strip_device(input), want, "strip_device({input:?})");
    }
}

#[test]
fn fstab_tells_layout() {
    let cases = [
        (
            "LABEL=/  /  ext3 defaults 1 1\nLABEL=/boot /boot ext3 defaults 1 2\n",
            BootLayout::Separate,
            "centos5 anaconda fstab",
        ),
        (
            "UUID=x / xfs defaults 0 0\n#UUID=y /boot xfs defaults 0 0\n",
            BootLayout::OnRoot,
            "commented /boot",
        ),
        (
            "UUID=y\t/boot/\txfs defaults 0 0\n",
            BootLayout::Separate,
            "tab, trailing slash",
        ),
        ("", BootLayout::OnRoot, "empty fstab"),
    ];
    for (text, want, name) in cases {
        assert_eq!(fstab_layout(text), want, "{name}");
    }
}

#[test]
fn resolves_against_the_boot_filesystem() {
    let (_d, root) = testroot::root(&[
        ("/boot/vmlinuz-2.6.18-194.el5", b"k"),
        ("/vmlinuz-on-root", b"k"),
    ]);
    let cases = [
        (
            BootLayout::Separate,
            "/vmlinuz-2.6.18-194.el5",
            "/boot/vmlinuz-2.6.18-194.el5",
            "separate /boot",
        ),
        (
            BootLayout::Separate,
            "(hd0,0)/vmlinuz-2.6.18-194.el5",
            "/boot/vmlinuz-2.6.18-194.el5",
            "device prefix",
        ),
        (
            BootLayout::OnRoot,
            "/boot/vmlinuz-2.6.18-194.el5",
            "/boot/vmlinuz-2.6.18-194.el5",
            "/boot on /",
        ),
        (
            BootLayout::OnRoot,
            "/vmlinuz-2.6.18-194.el5",
            "/boot/vmlinuz-2.6.18-194.el5",
            "fstab wrong, file decides",
        ),
        (
            BootLayout::Unknown,
            "/vmlinuz-2.6.18-194.el5",
            "/boot/vmlinuz-2.6.18-194.el5",
            "unknown, exists in /boot",
        ),
        (
            BootLayout::Unknown,
            "/boot/vmlinuz-missing",
            "/boot/vmlinuz-missing",
            "unknown, missing, /boot path",
        ),
        (
            BootLayout::Unknown,
            "/vmlinuz-missing",
            "/boot/vmlinuz-missing",
            "unknown, missing",
        ),
        (
            BootLayout::Separate,
            "/vmlinuz-on-root",
            "/vmlinuz-on-root",
            "only the other exists",
        ),
        (
            BootLayout::Separate,
            "/../../etc/shadow",
            "/boot/etc/shadow",
            "dot-dot folded",
        ),
        // Regression (issue 13, defect 9): GRUB could never reach the root filesystem's
        // file from a separate /boot, so it must not be staged from there.
        (
            BootLayout::Separate,
            "/../vmlinuz-on-root",
            "/boot/vmlinuz-on-root",
            "dot-dot never leaves the boot filesystem",
        ),
        (
            BootLayout::Separate,
            "(hd0,0)/../../vmlinuz-on-root",
            "/boot/vmlinuz-on-root",
            "dot-dot after a device",
        ),
    ];
    for (layout, input, want, name) in cases {
        assert_eq!(resolve_boot_path(&root, layout, input), want, "{name}");
    }
}

#[test]
fn versions_and_rescue() {
    assert_eq!(
        version_from_kernel("/boot/vmlinuz-3.10.0-1160.el7.x86_64").as_deref(),
        Some("3.10.0-1160.el7.x86_64"),
        "plain kernel"
    );
    assert_eq!(version_from_kernel("/xen.gz"), None, "xen has no version");
    assert_eq!(version_from_kernel("/vmlinuz-"), None, "empty version");
    let cases = [
        (
            "CentOS Linux (0-rescue-abc) 7 (Core)",
            "/vmlinuz-0-rescue-abc",
            None,
            true,
        ),
        ("Fedora", "/vmlinuz-5.0.0", Some("abc-0-rescue"), true),
        (
            "CentOS (2.6.32-754.el6.x86_64)",
            "/vmlinuz-2.6.32-754.el6.x86_64",
            None,
            false,
        ),
    ];
    for (title, kernel, id, want) in cases {
        assert_eq!(is_rescue(title, kernel, id), want, "is_rescue({title:?})");
    }
}

mod fuzz {
    //! Every parser on pseudo-random inputs built from the tokens they care about: no panic,
    //! no hang.
    use super::*;

    const TOKENS: &[&str] = &[
        "menuentry",
        "submenu",
        "if",
        "then",
        "elif",
        "else",
        "fi",
        "function",
        "for",
        "do",
        "done",
        "{",
        "}",
        ";",
        "\n",
        " ",
        "\t",
        "'",
        "\"",
        "\\",
        "$",
        "${",
        "$x",
        "=",
        "#",
        "[",
        "]",
        "-z",
        "-s",
        "-a",
        "-o",
        "!",
        "set",
        "default=",
        "linux",
        "initrd",
        "linux16",
        "blscfg",
        "load_env",
        "title",
        "kernel",
        "default",
        "saved",
        "(hd0,0)",
        "/vmlinuz-1",
        ">",
        ">>",
        "0",
        "1",
        "9999999999999999999999",
        "options",
        "version",
        "\u{0}",
        "\u{ff}",
        "é",
        "~",
        "^",
        "..",
        "/",
    ];

    #[test]
    fn parsers_survive_junk() {
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let env_bytes = grubenv::SIGNATURE.as_bytes().to_vec();
        for _ in 0..3000 {
            let n = (next() % 60) as usize;
            let text: String = (0..n)
                .map(|_| TOKENS[(next() % TOKENS.len() as u64) as usize])
                .collect();
            let _ = grub_legacy::parse(&text, "/f", Some(&text));
            let (e, _) = bls::parse(&text, "/f.conf", "f");
            let mut w = Vec::new();
            let _ = bls::to_boot_entry(&e, &script::Env::default(), &mut w);
            let _ = bls::menu(&[e], None, Vec::new());
            let mut block = env_bytes.clone();
            block.extend_from_slice(text.as_bytes());
            let (g, _) = grubenv::parse(&block, "/e");
            let exists = |_: &str| true;
            let ctx = grub2::Context {
                file: "/boot/grub2/grub.cfg",
                grubenv: Some(&g),
                platform: None,
                exists: &exists,
                bls: &[],
            };
            let _ = grub2::parse(&text, &ctx);
            let _ = crate::version::rpmvercmp(&text, "1.0");
        }
    }
}
