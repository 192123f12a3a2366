//! Finding boot entries: which boot loader config this system has, and its entries.
//!
//! - [`read_menu`]: `Auto` tries, in order, GRUB 2 (`/boot/grub2/grub.cfg`,
//!   `/boot/efi/EFI/*/grub.cfg`; BLS entries spliced in where it runs `blscfg`), GRUB legacy
//!   (`/boot/grub/grub.conf`, `/boot/grub/menu.lst`, `/etc/grub.conf`), then BLS entries alone;
//!   `Ok(None)` when none is there. An explicit choice whose files are missing is an error
//!   naming the files looked for.
//! - [`scan`]: one entry per `/boot/vmlinuz-*` with its matching initrd, empty args.
//!
//! The parsers are pure and give paths as the boot loader wrote them (device prefix such as
//! `(hd0,0)` removed). This module turns them into system paths: boot loader paths are relative
//! to the filesystem holding `/boot`, so `/vmlinuz-x` means `/boot/vmlinuz-x` when `/boot` is
//! a separate filesystem and `/boot/vmlinuz-x` is written when `/boot` sits on `/`.

pub mod bls;
pub mod efi_vendor;
pub mod grub2;
mod grub2_entry;
pub mod grub_legacy;
pub mod grub_vars;
pub mod grubenv;
mod legacy_fallback;
pub mod menu_tree;
pub mod scan;
pub mod script;

use anyhow::Result;

use crate::config::BootloaderChoice;
use crate::entry::{BootEntry, BootMenu};
use crate::failure::{Failure, Kind};
use crate::root::{normalize, SysRoot};

/// The boot loader's menu, or `None` when no boot loader config is found (`Auto`) or asked
/// for (`None`).
pub fn read_menu(root: &SysRoot, choice: BootloaderChoice) -> Result<Option<BootMenu>> {
    let layout = boot_layout(root);
    let menu = match choice {
        BootloaderChoice::None => return Ok(None),
        BootloaderChoice::Auto => match grub2::read(root)? {
            Some(m) => Some(m),
            None => match grub_legacy::read(root)? {
                Some(m) => Some(m),
                None => bls::read(root)?,
            },
        },
        BootloaderChoice::Grub2 => match grub2::read(root)? {
            Some(m) => Some(m),
            None => {
                return not_found(format!(
                    "KEXEC_BOOTLOADER=grub2 but no GRUB 2 config was found (looked for {}); \
                     set KEXEC_BOOTLOADER=auto or install the config",
                    grub2::looked_for(root)
                ))
            }
        },
        BootloaderChoice::Grub => match grub_legacy::read(root)? {
            Some(m) => Some(m),
            None => {
                return not_found(format!(
                    "KEXEC_BOOTLOADER=grub but no GRUB legacy config was found (looked for {}); \
                     set KEXEC_BOOTLOADER=auto or install the config",
                    grub_legacy::FILES.join(", ")
                ))
            }
        },
        BootloaderChoice::Bls => match bls::read(root)? {
            Some(m) => Some(m),
            None => {
                return not_found(format!(
                    "KEXEC_BOOTLOADER=bls but no BLS entry was found (looked for {}/*.conf); \
                     set KEXEC_BOOTLOADER=auto",
                    bls::ENTRIES_DIR
                ))
            }
        },
    };
    if let Some(m) = &menu {
        check_owners(root, m)?;
    }
    Ok(menu.map(|mut m| {
        for e in &mut m.entries {
            resolve_entry_paths(root, layout, e);
        }
        m
    }))
}

/// Refuses a menu read from a file another user could change (the config, its grubenv, GRUB
/// legacy's `default`, a BLS entry): such a file chooses what boots as much as the config
/// does, and is checked as the config is.
fn check_owners(root: &SysRoot, menu: &BootMenu) -> Result<()> {
    let dir = menu
        .config_file
        .rfind('/')
        .map_or("", |i| &menu.config_file[..i]);
    let mut files = vec![
        menu.config_file.clone(),
        format!("{dir}/grubenv"),
        bls::GRUBENV.to_string(),
        grub_legacy::SAVED_FILE.to_string(),
    ];
    files.extend(menu.entries.iter().map(|e| e.file.clone()));
    files.sort();
    files.dedup();
    for f in files.iter().filter(|f| root.is_file(f)) {
        if let Some(why) = crate::trust::distrust(root, f, "boot loader file") {
            return Err(Failure::new(Kind::NoKernel, why).into());
        }
    }
    Ok(())
}

/// The boot loader asked for (`KEXEC_BOOTLOADER`) has no config here: no entry can match.
fn not_found(msg: String) -> Result<Option<BootMenu>> {
    Err(Failure::new(Kind::NoKernel, msg).into())
}

/// Every `/boot/vmlinuz-*` as an entry, newest first.
pub fn scan(root: &SysRoot) -> Result<Vec<BootEntry>> {
    scan::scan(root)
}

/// Where the filesystem holding `/boot` is mounted, as far as `/etc/fstab` tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootLayout {
    /// `/boot` is its own filesystem: boot loader paths are relative to `/boot`.
    Separate,
    /// `/boot` is a directory of `/`: boot loader paths start with `/boot`.
    OnRoot,
    /// No `/etc/fstab` to tell.
    Unknown,
}

/// Reads `/etc/fstab` for a `/boot` mount point.
pub fn boot_layout(root: &SysRoot) -> BootLayout {
    match root.read_to_string("/etc/fstab") {
        Ok(text) => fstab_layout(&text),
        Err(_) => BootLayout::Unknown,
    }
}

/// [`BootLayout`] from the text of an fstab.
pub fn fstab_layout(text: &str) -> BootLayout {
    let separate = text.lines().any(|l| {
        let l = l.trim_start();
        !l.starts_with('#')
            && l.split_whitespace().nth(1).map(normalize).as_deref() == Some("/boot")
    });
    if separate {
        BootLayout::Separate
    } else {
        BootLayout::OnRoot
    }
}

/// Removes a GRUB device prefix: `(hd0,0)/vmlinuz` → `/vmlinuz`, `($root)/x` → `/x`.
pub fn strip_device(path: &str) -> &str {
    if let Some(rest) = path.strip_prefix('(') {
        if let Some(close) = rest.find(')') {
            return &rest[close + 1..];
        }
    }
    path
}

/// The system path of a file a boot loader names (device prefix already removed or not).
/// The candidate the layout says comes first unless only the other one exists. A path with
/// `..` gets no second candidate: GRUB folds `..` at the top of the filesystem holding
/// `/boot`, so `/../../etc/vmlinuz-x` on a separate `/boot` is `/boot/etc/vmlinuz-x` and
/// never a file of the root filesystem.
pub fn resolve_boot_path(root: &SysRoot, layout: BootLayout, grub_path: &str) -> String {
    let raw = strip_device(grub_path);
    let p = normalize(raw);
    let in_boot = normalize(&format!("/boot{p}"));
    let candidates = match layout {
        BootLayout::Separate => [in_boot, p],
        BootLayout::OnRoot => [p, in_boot],
        BootLayout::Unknown if p == "/boot" || p.starts_with("/boot/") => [p, in_boot],
        BootLayout::Unknown => [in_boot, p],
    };
    if raw.split('/').any(|c| c == "..") {
        return candidates[0].clone();
    }
    candidates
        .iter()
        .find(|c| root.is_file(c))
        .unwrap_or(&candidates[0])
        .clone()
}

/// Turns the boot loader paths of an entry into system paths (scan entries already are).
fn resolve_entry_paths(root: &SysRoot, layout: BootLayout, e: &mut BootEntry) {
    if e.source == crate::entry::Source::Scan || e.source == crate::entry::Source::Config {
        return;
    }
    e.kernel = resolve_boot_path(root, layout, &e.kernel);
    for i in &mut e.initrds {
        *i = resolve_boot_path(root, layout, i);
    }
}

/// The version in a kernel file name: `/vmlinuz-2.6.32-754.el6.x86_64` → `2.6.32-754.el6.x86_64`.
pub fn version_from_kernel(path: &str) -> Option<String> {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_prefix("vmlinuz-")
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// A rescue entry: `0-rescue-*` kernels or ids, or "rescue" in the title.
pub fn is_rescue(title: &str, kernel: &str, id: Option<&str>) -> bool {
    let name = kernel.rsplit('/').next().unwrap_or(kernel);
    name.contains("-rescue-")
        || name.starts_with("0-rescue")
        || id.is_some_and(|i| i.contains("rescue"))
        || title.to_ascii_lowercase().contains("rescue")
}

#[cfg(test)]
pub(crate) mod testroot {
    //! Tempdir roots for the wrappers' tests.
    use std::fs;
    use std::path::Path;

    use crate::root::SysRoot;

    /// A tempdir with `files` (system path, content); keep the TempDir alive.
    pub fn root(files: &[(&str, &[u8])]) -> (tempfile::TempDir, SysRoot) {
        let dir = tempfile::tempdir().expect("tempdir");
        for (path, content) in files {
            let p = dir.path().join(path.trim_start_matches('/'));
            fs::create_dir_all(p.parent().unwrap_or(Path::new("/"))).expect("mkdir");
            fs::write(&p, content).expect("write");
        }
        let root = SysRoot::new(dir.path());
        (dir, root)
    }
}

#[cfg(test)]
mod tests {
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
}

#[cfg(test)]
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
