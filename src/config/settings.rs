//! The validated settings of /etc/sysconfig/kexec (the second layer), their defaults, and the
//! table of every key.

use std::time::Duration;

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
    /// `KEXEC_REQUIRE_CONFIRM`: no kexec after a kexec boot that was never confirmed.
    pub require_confirm: bool,
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
            require_confirm: true,
        }
    }
}

/// Every key, with a one-line help. Empty values mean the default everywhere.
pub const KEYS: &[(&str, &str)] = &[
    (
        "KEXEC_KERNEL",
        "which kernel: default (the boot loader's default entry), newest, running, a version \
         (2.6.32-754.el6.x86_64) or an absolute path",
    ),
    (
        "KEXEC_INITRD",
        "which initrd: auto (the entry's, else the one matching the kernel), none, or an \
         absolute path",
    ),
    (
        "KEXEC_CMDLINE",
        "the base command line: auto (the entry's, else the running one), bootloader, running, \
         or a literal command line",
    ),
    (
        "KEXEC_APPEND",
        "words added to the command line (a word already present is not doubled)",
    ),
    (
        "KEXEC_REMOVE",
        "words dropped from the command line: `quiet`, `console` (every console=...) or \
         `console=ttyS0` (only that one)",
    ),
    (
        "KEXEC_BOOTLOADER",
        "where boot entries come from: auto, grub, grub2, bls, or none (scan /boot/vmlinuz-*)",
    ),
    (
        "KEXEC_METHOD",
        "how to load: auto (kexec_file_load, else kexec -l), file, or kexec-tools",
    ),
    (
        "KEXEC_TOOLS",
        "the kexec-tools binary, an absolute path (default /sbin/kexec)",
    ),
    (
        "KEXEC_TIMEOUT",
        "seconds the load may take before it is abandoned, 1 to 600 (default 30)",
    ),
    (
        "KEXEC_RESPECT_MANUAL",
        "yes/no: keep a kernel an admin staged by hand instead of replacing it (default yes)",
    ),
    (
        "KEXEC_REQUIRE_MODULES",
        "yes/no: refuse a kernel whose /lib/modules/<version> is missing (default yes)",
    ),
    (
        "KEXEC_REQUIRE_CONFIRM",
        "yes/no: after a kexec boot that never came up (never confirmed), stage nothing until `kexec-reboot status --clear` (default yes)",
    ),
];
