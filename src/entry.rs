//! What every boot loader parser produces: boot entries, the menu they form, and warnings.
//!
//! Parsers (`bootloader::*`) turn a boot loader's files into a [`BootMenu`]; `select` picks an
//! entry from it. Paths in entries are system paths (absolute, as the running system sees them,
//! e.g. `/boot/vmlinuz-2.6.32-754.el6.x86_64`), already resolved against a separate `/boot`.

use std::fmt;

use serde::Serialize;

/// Where boot entries came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// GRUB legacy `grub.conf` / `menu.lst`.
    Grub,
    /// GRUB 2 `grub.cfg` (+ `grubenv`).
    Grub2,
    /// Boot Loader Specification entries under `/boot/loader/entries`.
    Bls,
    /// A scan of `/boot/vmlinuz-*`.
    Scan,
    /// A kernel named directly in the config (`KEXEC_KERNEL=/path`).
    Config,
}

impl Source {
    /// The lower-case name used in messages and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Source::Grub => "grub",
            Source::Grub2 => "grub2",
            Source::Bls => "bls",
            Source::Scan => "scan",
            Source::Config => "config",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Something odd in an input file that did not stop us; shown as `file:line: message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// System path of the file.
    pub file: String,
    /// 1-based line number, when the problem sits on one line.
    pub line: Option<usize>,
    /// What is wrong and, where it helps, what to do.
    pub message: String,
}

impl Warning {
    /// A warning about one line of a file.
    pub fn at(file: &str, line: usize, message: impl Into<String>) -> Self {
        Warning {
            file: file.to_string(),
            line: Some(line),
            message: message.into(),
        }
    }

    /// A warning about a whole file.
    pub fn file(file: &str, message: impl Into<String>) -> Self {
        Warning {
            file: file.to_string(),
            line: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(n) => write!(f, "{}:{}: {}", self.file, n, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// One bootable entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BootEntry {
    /// The title shown in the boot menu (`title`, `menuentry '…'`, BLS `title`; for a scan the
    /// file name).
    pub title: String,
    /// A stable id where the boot loader has one: grub2 `--id`/`$menuentry_id_option`, the BLS
    /// file name without `.conf`.
    pub id: Option<String>,
    /// Kernel version (`2.6.32-754.el6.x86_64`), from BLS `version` or the kernel file name
    /// after `vmlinuz-`.
    pub version: Option<String>,
    /// System path of the kernel image.
    pub kernel: String,
    /// System paths of the initrds, in order (early microcode first). Empty when none.
    pub initrds: Vec<String>,
    /// The kernel command line the entry gives, grub variables expanded.
    pub args: String,
    /// Which parser made it.
    pub source: Source,
    /// System path of the file that defines the entry.
    pub file: String,
    /// 1-based line where the entry starts.
    pub line: usize,
    /// A rescue entry (`0-rescue-*`, "rescue" in a BLS id or title): never chosen as "newest".
    pub rescue: bool,
}

/// The entry the boot loader would boot by default, or why none can be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefaultEntry {
    /// Index into [`BootMenu::entries`], and how the boot loader named it (e.g. `default=0`,
    /// `saved_entry=CentOS Linux (3.10.0-1160.el7.x86_64) 7 (Core)`).
    Index(usize, String),
    /// The boot loader's default cannot be resolved (out of range, names nothing, ...).
    Unresolved(Warning),
}

/// All entries of one boot loader configuration, in menu order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootMenu {
    /// Which boot loader.
    pub source: Source,
    /// System path of the main config file read (`/boot/grub/grub.conf`, ...).
    pub config_file: String,
    /// Entries in the order the boot loader counts them (grub2: submenu entries flattened in
    /// place, so "1>0" maps to one index here).
    pub entries: Vec<BootEntry>,
    /// The default entry.
    pub default: DefaultEntry,
    /// Lines that were odd but did not stop the parse.
    pub warnings: Vec<Warning>,
}
