//! `/etc/sysconfig/kexec`: what the operator asks for.
//!
//! Two layers, as the style guide asks: [`parse_raw`] gives every `KEY=value` as written with
//! its line (the line scan in [`shell`] plus rust-ini for the values), and [`parse`] validates
//! those into [`Settings`]. The file is shell-like but never run by a shell; where shell and
//! ini differ, shell wins: the last duplicate applies, `export` is accepted, `$`, backquotes
//! and the like are refused. Every error is one line, `FILE:LINE: what; what to do`, inside a
//! `Failure` of kind `Kind::Config` (exit code 3). A missing file means the defaults.

mod error;
mod raw;
mod settings;
mod shell;

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Result;

use crate::entry::Warning;
use crate::failure::{Failure, Kind};
use crate::root::SysRoot;
use error::config_error;

pub use raw::{parse_raw, RawValue};
pub use settings::*;

/// The default location of the config file.
pub const DEFAULT_PATH: &str = "/etc/sysconfig/kexec";

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
