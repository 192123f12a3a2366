//! Facts about the running system, each read in one place: the kernel's version and command
//! line, this boot's id, whether a kexec image is loaded, and whether the kernel is locked
//! down. Everything else asks here instead of reading /proc and /sys itself.

use crate::cmdline;
use crate::root::SysRoot;

/// The running kernel's version (`uname -r`).
pub const OSRELEASE: &str = "/proc/sys/kernel/osrelease";
/// The running kernel's command line.
pub const PROC_CMDLINE: &str = "/proc/cmdline";
/// This boot's id: a record that names another boot says nothing about this one.
pub const BOOT_ID: &str = "/proc/sys/kernel/random/boot_id";
/// "1" when a kexec image is staged.
pub const KEXEC_LOADED: &str = "/sys/kernel/kexec_loaded";
/// The kernel's lockdown state (`[none] integrity confidentiality`).
pub const LOCKDOWN: &str = "/sys/kernel/security/lockdown";

/// The running kernel's version, if readable.
pub fn running_version(root: &SysRoot) -> Option<String> {
    root.read_to_string(OSRELEASE)
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The running kernel's command line as text, without what the boot loader adds itself
/// (`BOOT_IMAGE=`, ...).
pub fn running_cmdline(root: &SysRoot) -> anyhow::Result<String> {
    let text = root.read_to_string(PROC_CMDLINE)?;
    Ok(cmdline::clean_running(&text))
}

/// This boot's id, or an empty string when the kernel does not say.
pub fn boot_id(root: &SysRoot) -> String {
    root.read_to_string(BOOT_ID)
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// Whether a kexec image is staged; `None` when the kernel does not say (no kexec support).
pub fn kexec_loaded(root: &SysRoot) -> Option<bool> {
    root.read_to_string(KEXEC_LOADED)
        .ok()
        .map(|s| s.trim() == "1")
}

/// Whether the kernel is locked down (integrity or confidentiality).
pub fn locked_down(root: &SysRoot) -> bool {
    root.read_to_string(LOCKDOWN)
        .map(|s| !s.contains("[none]") && s.contains('['))
        .unwrap_or(false)
}
