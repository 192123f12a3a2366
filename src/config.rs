//! `/etc/sysconfig/kexec`: what the operator asks for.
//!
//! STUB: the real parser is being written (rust-ini based, line numbers, shell-expansion
//! refusal). The types below are the contract the rest of the crate uses.

use std::time::Duration;

use anyhow::Result;

use crate::entry::Warning;

/// The default location of the config file.
pub const DEFAULT_PATH: &str = "/etc/sysconfig/kexec";

/// `KEXEC_KERNEL`: which kernel to boot next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KernelChoice {
    /// The boot loader's default entry.
    Default,
    /// The highest installed version in RPM version order (never a rescue entry).
    Newest,
    /// The running kernel (`uname -r`).
    Running,
    /// A kernel version, e.g. `2.6.32-754.el6.x86_64`.
    Version(String),
    /// An absolute path to a kernel image.
    Path(String),
}

/// `KEXEC_INITRD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InitrdChoice {
    /// The entry's initrd(s), else the one matching the version.
    Auto,
    /// No initrd.
    None,
    /// An absolute path.
    Path(String),
}

/// `KEXEC_CMDLINE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CmdlineChoice {
    /// The entry's arguments when the kernel came from a boot loader entry, else the running one.
    Auto,
    /// The boot loader entry's arguments (error when there is no entry).
    Bootloader,
    /// The running kernel's `/proc/cmdline`.
    Running,
    /// This command line, as written.
    Literal(String),
}

/// `KEXEC_BOOTLOADER`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootloaderChoice {
    /// The first of grub2 (BLS when grub.cfg uses blscfg), grub legacy, BLS found.
    Auto,
    /// GRUB legacy.
    Grub,
    /// GRUB 2.
    Grub2,
    /// BLS entries.
    Bls,
    /// No boot loader: scan `/boot/vmlinuz-*`.
    None,
}

/// `KEXEC_METHOD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `kexec_file_load(2)`, falling back to `kexec -l` where the kernel answers ENOSYS.
    Auto,
    /// `kexec_file_load(2)` only.
    File,
    /// `kexec -l` only.
    KexecTools,
}

/// Validated settings; `Settings::default()` is what applies with no config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub kernel: KernelChoice,
    pub initrd: InitrdChoice,
    pub cmdline: CmdlineChoice,
    /// `KEXEC_APPEND`, words to add.
    pub append: String,
    /// `KEXEC_REMOVE`, words to drop.
    pub remove: String,
    pub bootloader: BootloaderChoice,
    pub method: Method,
    /// `KEXEC_TOOLS`, the kexec-tools binary.
    pub kexec_tools: String,
    /// `KEXEC_TIMEOUT`.
    pub timeout: Duration,
    /// `KEXEC_RESPECT_MANUAL`.
    pub respect_manual: bool,
    /// `KEXEC_REQUIRE_MODULES`.
    pub require_modules: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            kernel: KernelChoice::Default,
            initrd: InitrdChoice::Auto,
            cmdline: CmdlineChoice::Auto,
            append: String::new(),
            remove: String::new(),
            bootloader: BootloaderChoice::Auto,
            method: Method::Auto,
            kexec_tools: "/sbin/kexec".to_string(),
            timeout: Duration::from_secs(30),
            respect_manual: true,
            require_modules: true,
        }
    }
}

/// Parses the text of a config file. `file` is the system path used in messages.
/// An error is one line: `file:line: what is wrong; what to do`.
pub fn parse(text: &str, file: &str) -> Result<(Settings, Vec<Warning>)> {
    let _ = (text, file);
    Ok((Settings::default(), Vec::new()))
}

/// Reads and parses the config file under `root`; a missing file means the defaults.
pub fn load(root: &crate::root::SysRoot, file: &str) -> Result<(Settings, Vec<Warning>)> {
    if !root.exists(file) {
        return Ok((Settings::default(), Vec::new()));
    }
    let text = root.read_to_string(file)?;
    parse(&text, file)
}
