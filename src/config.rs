//! `/etc/sysconfig/kexec`: what the operator asks for.
//!
//! Two layers, as the style guide asks: [`parse_raw`] gives every `KEY=value` as written with
//! its line (the line scan in [`shell`] plus rust-ini for the values), and [`parse`] validates
//! those into [`Settings`]. The file is shell-like but never run by a shell; where shell and
//! ini differ, shell wins: the last duplicate applies, `export` is accepted, `$`, backquotes
//! and the like are refused. Every error is one line, `FILE:LINE: what; what to do`, inside a
//! [`Failure`] of kind [`Kind::Config`] (exit code 3). A missing file means the defaults.

mod shell;

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Result;
use ini::{Ini, ParseOption};

use crate::entry::Warning;
use crate::failure::{Failure, Kind};
use crate::root::SysRoot;

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

/// One `KEY=value` as written: the value after quote removal, and its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawValue {
    pub key: String,
    pub value: String,
    pub line: usize,
}

/// A config failure (exit code 3) saying `file:line: msg`.
fn config_error(file: &str, line: usize, msg: impl std::fmt::Display) -> anyhow::Error {
    Failure::new(Kind::Config, format!("{file}:{line}: {msg}")).into()
}

/// The options rust-ini reads values with: quotes as in sh (the line scan only lets through
/// forms where the two agree), no backslash escapes, one line per value.
fn ini_options() -> ParseOption {
    ParseOption {
        enabled_quote: true,
        enabled_escape: false,
        enabled_indented_mutiline_value: false,
        enabled_preserve_key_leading_whitespace: false,
    }
}

/// Every assignment of the file, in file order, with the warnings of the line scan.
///
/// rust-ini gives no line numbers and its syntax is not sh's (`:` as separator, `[sections]`,
/// no `export`, comments only on their own line, quotes only at the start of a value), so
/// rust-ini never sees the file itself: the line scan checks each line and hands rust-ini a
/// document of `KEY=token` lines at the same line numbers, which rust-ini reads into the values
/// (duplicates kept in order).
pub fn parse_raw(text: &str, file: &str) -> Result<(Vec<RawValue>, Vec<Warning>)> {
    let (lines, warnings) = shell::scan(text, file)?;
    let mut doc = String::new();
    let mut at = 1;
    for l in &lines {
        while at < l.line {
            doc.push('\n');
            at += 1;
        }
        doc.push_str(&l.key);
        doc.push('=');
        doc.push_str(&l.token);
        doc.push('\n');
        at += 1;
    }
    let ini = Ini::load_from_str_opt(&doc, ini_options()).map_err(|e| {
        config_error(
            file,
            e.line,
            format!(
                "the value cannot be read ({}); write it as KEY=\"...\"",
                e.msg
            ),
        )
    })?;
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut out = Vec::with_capacity(lines.len());
    for l in &lines {
        let nth = seen.entry(l.key.as_str()).or_insert(0);
        let value = ini
            .section(None::<String>)
            .and_then(|p| p.get_all(&l.key).nth(*nth))
            .ok_or_else(|| {
                config_error(
                    file,
                    l.line,
                    format!(
                        "{}: the value cannot be read; write it as KEY=\"...\"",
                        l.key
                    ),
                )
            })?;
        *nth += 1;
        out.push(RawValue {
            key: l.key.clone(),
            value: value.to_string(),
            line: l.line,
        });
    }
    Ok((out, warnings))
}

/// Parses the text of a config file. `file` is the system path used in messages.
/// An error is one line: `file:line: what is wrong; what to do`.
pub fn parse(text: &str, file: &str) -> Result<(Settings, Vec<Warning>)> {
    let (raw, mut warnings) = parse_raw(text, file)?;
    // The last assignment of each key applies, as in a shell.
    let mut last: HashMap<&str, &RawValue> = HashMap::new();
    for r in &raw {
        if let Some(prev) = last.insert(r.key.as_str(), r) {
            warnings.push(Warning::at(
                file,
                r.line,
                format!(
                    "{} is set again (first on line {}); this line wins, as in a shell; remove \
                     one of them",
                    r.key, prev.line
                ),
            ));
        }
        if !KEYS.iter().any(|(k, _)| *k == r.key) {
            let hint = match suggest(&r.key) {
                Some(k) => format!("; did you mean {k}?"),
                None => String::new(),
            };
            warnings.push(Warning::at(
                file,
                r.line,
                format!("unknown key {}, ignored{hint}", r.key),
            ));
        }
    }
    let mut s = Settings::default();
    for (key, _) in KEYS {
        let Some(r) = last.get(key) else { continue };
        let v = r.value.as_str();
        if v.is_empty() {
            continue; // empty means the default
        }
        let bad = |accepted: &str| {
            config_error(file, r.line, format!("{key}={v} is not one of {accepted}"))
        };
        match *key {
            "KEXEC_KERNEL" => {
                s.kernel = kernel_choice(v).map_err(|m| config_error(file, r.line, m))?
            }
            "KEXEC_INITRD" => {
                s.initrd = match v.to_ascii_lowercase().as_str() {
                    "auto" => InitrdChoice::Auto,
                    "none" => InitrdChoice::None,
                    _ if v.starts_with('/') => InitrdChoice::Path(
                        abs_path(key, v).map_err(|m| config_error(file, r.line, m))?,
                    ),
                    _ => return Err(bad("auto, none, or an absolute path")),
                }
            }
            "KEXEC_CMDLINE" => {
                s.cmdline = match v.to_ascii_lowercase().as_str() {
                    "auto" => CmdlineChoice::Auto,
                    "bootloader" => CmdlineChoice::Bootloader,
                    "running" => CmdlineChoice::Running,
                    _ => {
                        let words = crate::cmdline::split(v);
                        if !words.iter().any(|w| w.starts_with("root=")) {
                            warnings.push(Warning::at(
                                file,
                                r.line,
                                "KEXEC_CMDLINE has no root=; the new kernel may not find its \
                                 root filesystem",
                            ));
                        }
                        quote_warning(file, r.line, key, v, &mut warnings);
                        CmdlineChoice::Literal(v.to_string())
                    }
                }
            }
            "KEXEC_APPEND" => {
                quote_warning(file, r.line, key, v, &mut warnings);
                s.append = v.to_string();
            }
            "KEXEC_REMOVE" => {
                quote_warning(file, r.line, key, v, &mut warnings);
                if crate::cmdline::split(v)
                    .iter()
                    .any(|w| w == "root" || w.starts_with("root="))
                {
                    warnings.push(Warning::at(
                        file,
                        r.line,
                        "KEXEC_REMOVE drops root=; the new kernel may not find its root \
                         filesystem",
                    ));
                }
                s.remove = v.to_string();
            }
            "KEXEC_BOOTLOADER" => {
                s.bootloader = match v.to_ascii_lowercase().as_str() {
                    "auto" => BootloaderChoice::Auto,
                    "grub" => BootloaderChoice::Grub,
                    "grub2" => BootloaderChoice::Grub2,
                    "bls" => BootloaderChoice::Bls,
                    "none" => BootloaderChoice::None,
                    _ => return Err(bad("auto, grub, grub2, bls, none")),
                }
            }
            "KEXEC_METHOD" => {
                s.method = match v.to_ascii_lowercase().as_str() {
                    "auto" => Method::Auto,
                    "file" => Method::File,
                    "kexec-tools" => Method::KexecTools,
                    _ => return Err(bad("auto, file, kexec-tools")),
                }
            }
            "KEXEC_TOOLS" => {
                if !v.starts_with('/') {
                    return Err(config_error(
                        file,
                        r.line,
                        format!("{key}={v} is not an absolute path; write e.g. {key}=/sbin/kexec"),
                    ));
                }
                s.kexec_tools = abs_path(key, v).map_err(|m| config_error(file, r.line, m))?;
            }
            "KEXEC_TIMEOUT" => {
                let secs = v
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (1..=600).contains(n) && v.bytes().all(|b| b.is_ascii_digit()));
                match secs {
                    Some(n) => s.timeout = Duration::from_secs(n),
                    None => {
                        return Err(config_error(
                            file,
                            r.line,
                            format!("{key}={v} is not a whole number of seconds from 1 to 600"),
                        ))
                    }
                }
            }
            "KEXEC_RESPECT_MANUAL" | "KEXEC_REQUIRE_MODULES" | "KEXEC_REQUIRE_CONFIRM" => {
                let b = match v.to_ascii_lowercase().as_str() {
                    "yes" | "true" | "1" => true,
                    "no" | "false" | "0" => false,
                    _ => return Err(bad("yes, no, true, false, 1, 0")),
                };
                match *key {
                    "KEXEC_RESPECT_MANUAL" => s.respect_manual = b,
                    "KEXEC_REQUIRE_MODULES" => s.require_modules = b,
                    _ => s.require_confirm = b,
                }
            }
            _ => {}
        }
    }
    Ok((s, warnings))
}

/// `KEXEC_KERNEL`'s value, or the message after `file:line: `.
fn kernel_choice(v: &str) -> Result<KernelChoice, String> {
    const KEY: &str = "KEXEC_KERNEL";
    match v.to_ascii_lowercase().as_str() {
        "default" => return Ok(KernelChoice::Default),
        "newest" => return Ok(KernelChoice::Newest),
        "running" => return Ok(KernelChoice::Running),
        _ => {}
    }
    if v.starts_with('/') {
        return abs_path(KEY, v).map(KernelChoice::Path);
    }
    if let Some(version) = v.strip_prefix("vmlinuz-") {
        return Err(format!(
            "{KEY}={v} is a file name; write the version ({KEY}={version}) or the path \
             ({KEY}=/boot/{v})"
        ));
    }
    if v.contains('/') {
        return Err(format!(
            "{KEY}={v} is a relative path; write an absolute path such as /boot/vmlinuz-..."
        ));
    }
    let version_char = |c: char| c.is_ascii_alphanumeric() || "._+~^-".contains(c);
    if !v.chars().all(version_char) || !v.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(format!(
            "{KEY}={v} is not one of default, newest, running, a kernel version \
             (2.6.32-754.el6.x86_64) or an absolute path"
        ));
    }
    Ok(KernelChoice::Version(v.to_string()))
}

/// An absolute path without `..` (paths are read under `--root`, which refuses `..`).
fn abs_path(key: &str, v: &str) -> Result<String, String> {
    if v.split('/').any(|part| part == "..") {
        return Err(format!(
            "{key}={v} contains \"..\"; write the path without it"
        ));
    }
    if v.ends_with('/') {
        return Err(format!(
            "{key}={v} names a directory; write the path of a file"
        ));
    }
    Ok(v.to_string())
}

/// Warns when a command-line value has an odd number of double quotes (the kernel would read
/// the rest of the line as one quoted word).
fn quote_warning(file: &str, line: usize, key: &str, v: &str, warnings: &mut Vec<Warning>) {
    if v.matches('"').count() % 2 == 1 {
        warnings.push(Warning::at(
            file,
            line,
            format!(
                "{key} has an unbalanced double quote; the kernel would read the rest of the \
                 command line as one word"
            ),
        ));
    }
}

/// The known key closest to `key`, when it is close enough to be a typo.
fn suggest(key: &str) -> Option<&'static str> {
    let upper = key.to_ascii_uppercase();
    let prefixed = format!("KEXEC_{upper}");
    KEYS.iter()
        .map(|(k, _)| *k)
        .filter_map(|k| {
            if k == upper || k == prefixed {
                return Some((0, k));
            }
            let d = edit_distance(&upper, k);
            (d <= 3).then_some((d, k))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Reads and parses the config file under `root`. A missing file means the defaults (no
/// warning); an unreadable one or one that is not UTF-8 is a config failure.
pub fn load(root: &SysRoot, file: &str) -> Result<(Settings, Vec<Warning>)> {
    let bytes = match root.read(file) {
        Ok(b) => b,
        Err(e) => {
            let missing = e
                .chain()
                .filter_map(|c| c.downcast_ref::<std::io::Error>())
                .any(|io| io.kind() == std::io::ErrorKind::NotFound);
            if missing {
                return Ok((Settings::default(), Vec::new()));
            }
            let reason = e
                .chain()
                .filter_map(|c| c.downcast_ref::<std::io::Error>())
                .map(ToString::to_string)
                .next()
                .unwrap_or_else(|| format!("{e:#}"));
            return Err(Failure::new(
                Kind::Config,
                format!("reading {file}: {reason}; check that it is a readable file"),
            )
            .into());
        }
    };
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        config_error(
            file,
            line,
            "not valid UTF-8 text; save the file as plain ASCII or UTF-8",
        )
    })?;
    parse(text, file)
}

#[cfg(test)]
mod tests;
