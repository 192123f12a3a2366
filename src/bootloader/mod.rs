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
pub mod grub_legacy;
pub mod grub_vars;
pub mod grubenv;
mod legacy_default;
pub mod menu_tree;
pub mod paths;
pub mod scan;
pub mod script;

use anyhow::Result;

use crate::config::BootloaderChoice;
use crate::entry::{BootEntry, BootMenu};
use crate::failure::{Failure, Kind};
use crate::root::SysRoot;

use paths::resolve_entry_paths;
pub use paths::{
    boot_layout, fstab_layout, is_rescue, resolve_boot_path, strip_device, version_from_kernel,
    BootLayout,
};

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
mod tests;
