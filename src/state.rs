//! What we staged, so `status` can tell our image from one loaded by hand.
//!
//! One small JSON file under /var/run, written atomically (temporary file, then rename) with
//! mode 0644. It names the boot it was written in (`/proc/sys/kernel/random/boot_id`): a record
//! from another boot says nothing about what is loaded now.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::root::SysRoot;

/// Where the record lives.
pub const STATE_FILE: &str = "/var/run/kexec-reboot.state";
/// This boot's id.
pub const BOOT_ID: &str = "/proc/sys/kernel/random/boot_id";

/// A record of one staged load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staged {
    /// The boot this was staged in.
    pub boot_id: String,
    pub kernel: String,
    pub initrds: Vec<String>,
    pub cmdline: String,
    pub version: Option<String>,
    /// `kexec_file_load` or `kexec -l`.
    pub method: String,
    /// Why this kernel.
    pub why: String,
    /// Why the load was made (`--reason`).
    pub reason: Option<String>,
    /// Seconds since the epoch.
    pub time: u64,
}

/// This boot's id, or an empty string when the kernel does not say.
pub fn boot_id(root: &SysRoot) -> String {
    root.read_to_string(BOOT_ID)
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// The record of this boot's load, if any (records of other boots are ignored).
pub fn read(root: &SysRoot) -> Option<Staged> {
    read_this_boot(root, STATE_FILE, |s: &Staged| &s.boot_id)
}

/// Writes `text` to `sys_path` atomically, mode 0644, creating the directory if needed.
pub fn write_atomic(root: &SysRoot, sys_path: &str, text: &str) -> Result<()> {
    if let Some(dir) = std::path::Path::new(sys_path).parent() {
        root.create_dir_all(&dir.to_string_lossy(), 0o755)?;
    }
    root.write_atomic(sys_path, text.as_bytes(), 0o644)
}

/// Removes `sys_path`; a missing file is fine.
pub fn remove(root: &SysRoot, sys_path: &str) -> Result<()> {
    root.remove(sys_path)
}

/// A JSON record, if it is there and readable.
pub fn read_json<T: for<'de> Deserialize<'de>>(root: &SysRoot, sys_path: &str) -> Option<T> {
    let text = root.read_to_string(sys_path).ok()?;
    serde_json::from_str(&text).ok()
}

/// A JSON record of this boot (its `boot_id` field is this boot's), if any.
fn read_this_boot<T: for<'de> Deserialize<'de>>(
    root: &SysRoot,
    sys_path: &str,
    id: impl Fn(&T) -> &str,
) -> Option<T> {
    let v: T = read_json(root, sys_path)?;
    (id(&v) == boot_id(root)).then_some(v)
}

/// Writes the record atomically.
pub fn write(root: &SysRoot, staged: &Staged) -> Result<()> {
    let text = serde_json::to_string_pretty(staged).context("encoding the state record")?;
    write_atomic(root, STATE_FILE, &text)
}

/// Removes the record (after an unload). A missing record is fine.
pub fn clear(root: &SysRoot) -> Result<()> {
    remove(root, STATE_FILE)
}

/// Seconds since the epoch, now.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A one-time request from `kexec-reboot reboot --kernel V` or `--firmware`, honoured by the
/// next `load` of the same boot and then removed.
pub const NEXT_FILE: &str = "/var/run/kexec-reboot.next";

/// What the next load should do instead of the config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Next {
    pub boot_id: String,
    /// Boot this kernel version once.
    pub kernel: Option<String>,
    /// Stage nothing: one firmware reboot.
    pub firmware: bool,
}

/// The one-time request of this boot, if any.
pub fn read_next(root: &SysRoot) -> Option<Next> {
    read_this_boot(root, NEXT_FILE, |n: &Next| &n.boot_id)
}

/// Records a one-time request (atomically).
pub fn write_next(root: &SysRoot, next: &Next) -> Result<()> {
    let text = serde_json::to_string(next).context("encoding the one-time request")?;
    write_atomic(root, NEXT_FILE, &text)
}

/// Removes the one-time request.
pub fn clear_next(root: &SysRoot) -> Result<()> {
    remove(root, NEXT_FILE)
}

/// What `kexec-reboot confirm` (the rc script's `start`) saw when the system came up.
pub const BOOT_FILE: &str = "/var/run/kexec-reboot.boot";

/// The record of this boot's start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BootRecord {
    pub boot_id: String,
    /// An image was already staged when the system came up (loaded by some boot script): it is
    /// stale by the time of the next reboot, never an operator's manual choice.
    pub loaded_at_start: bool,
    /// Seconds since the epoch.
    pub time: u64,
}

/// This boot's start record, if any.
pub fn read_boot(root: &SysRoot) -> Option<BootRecord> {
    read_this_boot(root, BOOT_FILE, |b: &BootRecord| &b.boot_id)
}

/// Writes this boot's start record (atomically).
pub fn write_boot(root: &SysRoot, rec: &BootRecord) -> Result<()> {
    let text = serde_json::to_string(rec).context("encoding the boot record")?;
    write_atomic(root, BOOT_FILE, &text)
}

/// Seconds since the epoch as `2026-11-26 15:11:03 UTC` (no time zone database needed).
pub fn format_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_utc_cases() {
        for (secs, want) in [
            (0, "1970-01-01 00:00:00 UTC"),
            (951_782_400, "2000-02-29 00:00:00 UTC"),
            (1_795_705_295, "2026-11-26 15:01:35 UTC"),
            (4_107_542_399, "2100-02-28 23:59:59 UTC"),
        ] {
            assert_eq!(format_utc(secs), want, "case {secs}");
        }
    }
}
