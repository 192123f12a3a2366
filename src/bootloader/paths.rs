//! Boot loader paths and kernel file names: what a path in grub.conf/grub.cfg/a BLS entry
//! means on the system (a device prefix, a separate `/boot`), and what a kernel's file name
//! says (its version, a rescue image). Shared by every boot loader parser.

use crate::entry::BootEntry;
use crate::root::{normalize, SysRoot};

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
pub(super) fn resolve_entry_paths(root: &SysRoot, layout: BootLayout, e: &mut BootEntry) {
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
