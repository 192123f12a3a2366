//! Finding boot entries: which boot loader config this system has, and its entries.
//!
//! STUB: being written. Contract:
//! - `read_menu(root, choice)`: `Auto` tries, in order, GRUB 2 (`/boot/grub2/grub.cfg`,
//!   `/boot/efi/EFI/*/grub.cfg`; BLS entries when it uses `blscfg`), GRUB legacy
//!   (`/boot/grub/grub.conf`, `/boot/grub/menu.lst`, `/etc/grub.conf`), then BLS alone;
//!   `Ok(None)` when none is there. An explicit choice whose files are missing is an error.
//! - `scan(root)`: one entry per `/boot/vmlinuz-*` (not rescue images unless asked), with its
//!   matching initrd, empty args.

pub mod bls;
pub mod grub2;
pub mod grub_legacy;
pub mod grubenv;
pub mod scan;

use anyhow::Result;

use crate::config::BootloaderChoice;
use crate::entry::{BootEntry, BootMenu};
use crate::root::SysRoot;

/// The boot loader's menu, or `None` when no boot loader config is found (`Auto`) or asked
/// for (`None`).
pub fn read_menu(root: &SysRoot, choice: BootloaderChoice) -> Result<Option<BootMenu>> {
    match choice {
        BootloaderChoice::None => Ok(None),
        _ => grub_legacy::read(root),
    }
}

/// Every `/boot/vmlinuz-*` as an entry.
pub fn scan(root: &SysRoot) -> Result<Vec<BootEntry>> {
    scan::scan(root)
}
