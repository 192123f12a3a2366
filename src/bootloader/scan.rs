//! A scan of `/boot/vmlinuz-*`, for systems without a boot loader config we read.
//!
//! STUB: being written.

use anyhow::Result;

use crate::entry::BootEntry;
use crate::root::SysRoot;

/// One entry per `/boot/vmlinuz-<version>`.
pub fn scan(root: &SysRoot) -> Result<Vec<BootEntry>> {
    let _ = root;
    Ok(Vec::new())
}

/// The initrd that belongs to `version` in `/boot`: `initramfs-<v>.img`, `initrd-<v>.img`,
/// `initrd.img-<v>` (first found).
pub fn initrd_for_version(root: &SysRoot, version: &str) -> Option<String> {
    [
        format!("/boot/initramfs-{version}.img"),
        format!("/boot/initrd-{version}.img"),
        format!("/boot/initrd.img-{version}"),
    ]
    .into_iter()
    .find(|p| root.is_file(p))
}
