//! What we staged, so `status` can tell our image from one loaded by hand, and the one writer
//! of our files.
//!
//! Small JSON files under /run (/var/run on CentOS 5/6: [`run_dir`]), each naming the boot it was written in (a record from
//! another boot says nothing about what is loaded now). Every file we write (these, the
//! confirmation records, the grubenv rewrite) goes through `SysRoot::write_atomic`: a temporary
//! file created exclusively and never through a link, synced, renamed over the old one, and the
//! directory synced. Our own directory (/var/lib/kexec-reboot) is root's and 0700, checked
//! before each write.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::root::SysRoot;
use crate::system::boot_id;

/// Where the runtime records live (this boot's: what is staged, the load under way, the
/// one-time request, the boot record, the rc guard's bound, the lock): `/run` where it is a
/// directory — every systemd release, and the one filesystem still mounted when the exec step
/// runs after a separate /var was unmounted (/var/run is a link into /var there) — else
/// `/var/run` (CentOS 5 and 6). Nothing else spells these paths.
pub fn run_dir(root: &SysRoot) -> &'static str {
    if root.is_dir("/run") {
        "/run"
    } else {
        "/var/run"
    }
}

/// The runtime record `name` ([`STATE_FILE`], ...): `<run_dir>/kexec-reboot.<name>`.
pub fn run_path(root: &SysRoot, name: &str) -> String {
    format!("{}/kexec-reboot.{name}", run_dir(root))
}

/// The record of what is staged (a name for [`run_path`]).
pub const STATE_FILE: &str = "state";

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
    /// The token of the marker `kexec_reboot.boot=<token>` on the staged command line (in
    /// `cmdline` too): the next boot came through this kexec exactly when its command line
    /// carries it. `None` in a record written before there was a marker.
    #[serde(default)]
    pub marker: Option<String>,
}

/// The record of this boot's load, if any (records of other boots are ignored).
pub fn read(root: &SysRoot) -> Option<Staged> {
    read_this_boot(root, &run_path(root, STATE_FILE), |s: &Staged| &s.boot_id)
}

/// Our own directory, kept across reboots: root's, mode 0700.
pub const PRIVATE_DIR: &str = "/var/lib/kexec-reboot";

/// Makes sure `sys_dir` is a directory (not a link) that only the expected owner (root, or a
/// `--root` tree's owner) can write: created 0700 whatever the umask; one left open to others
/// by an older version is closed (0700) when it is the owner's, refused when it is not.
pub fn ensure_private_dir(root: &SysRoot, sys_dir: &str) -> Result<()> {
    // A link there is refused before anything is created through it.
    if root
        .symlink_metadata(sys_dir)
        .is_ok_and(|md| md.file_type().is_symlink())
    {
        bail!("{sys_dir} is not a directory (a link?); remove it so that it can be made again, root's and 0700");
    }
    root.create_dir_all(sys_dir, 0o700)?;
    let owner = crate::trust::expected_owner(root).map_err(anyhow::Error::msg)?;
    let md = root.symlink_metadata(sys_dir)?;
    if !md.file_type().is_dir() {
        bail!("{sys_dir} is not a directory (a link?); remove it so that it can be made again, root's and 0700");
    }
    if md.uid() != owner {
        bail!(
            "{sys_dir} is owned by uid {}, so another user could plant files there; chown root {sys_dir} and chmod 0700 it",
            md.uid()
        );
    }
    if md.mode() & 0o077 != 0 {
        root.set_mode(sys_dir, 0o700)?;
    }
    Ok(())
}

/// Writes `text` to `sys_path` atomically, mode 0644 (0600 in our own directory, which is
/// checked first), creating a missing directory.
pub fn write_atomic(root: &SysRoot, sys_path: &str, text: &str) -> Result<()> {
    let mode = record_mode(root, sys_path)?;
    root.write_atomic(sys_path, text.as_bytes(), mode)
}

/// Writes `text` to `sys_path` as `write_atomic` does, but without the fsyncs: for the records
/// `load` writes after staging (the state record and the pending confirmation). Nothing reads
/// them from disk before the reboot they are for, and that reboot puts them there: the halt
/// script syncs and remounts / read-only before `kexec -e`, which itself syncs the filesystems
/// (kexec-tools does unless given -y), as systemd's shutdown does before `systemctl kexec`. A
/// crash before then boots through the firmware, and a record lost with it is one that no
/// kexec boot needed. Each fsync was a journal commit on the reboot path: under QEMU, the two
/// of them were what kept `load` slower than `kexec -s -l` (bench/README.md).
pub fn write_atomic_unsynced(root: &SysRoot, sys_path: &str, text: &str) -> Result<()> {
    let mode = record_mode(root, sys_path)?;
    root.write_atomic_unsynced(sys_path, text.as_bytes(), mode)
}

/// Makes the directory of `sys_path` ready (our own one checked first) and gives the mode of
/// a record there: 0600 in our own directory, 0644 elsewhere.
fn record_mode(root: &SysRoot, sys_path: &str) -> Result<u32> {
    if Path::new(sys_path).parent() == Some(Path::new(PRIVATE_DIR)) {
        ensure_private_dir(root, PRIVATE_DIR)?;
        return Ok(0o600);
    }
    if let Some(dir) = Path::new(sys_path).parent() {
        root.create_dir_all(&dir.to_string_lossy(), 0o755)?;
    }
    Ok(0o644)
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
    write_atomic_unsynced(root, &run_path(root, STATE_FILE), &text)
}

/// Removes the record (after an unload). A missing record is fine.
pub fn clear(root: &SysRoot) -> Result<()> {
    remove(root, &run_path(root, STATE_FILE))
}

/// Written just before a load and removed once it is recorded (or unloaded): an image staged
/// while it is there is ours even if the process died before writing [`STATE_FILE`].
pub const LOADING_FILE: &str = "loading";

/// A load under way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Loading {
    pub boot_id: String,
    /// The process that loads.
    pub pid: u32,
    /// Seconds since the epoch.
    pub time: u64,
}

/// Records that a load is under way in this boot.
pub fn write_loading(root: &SysRoot) -> Result<()> {
    let rec = Loading {
        boot_id: boot_id(root),
        pid: std::process::id(),
        time: now(),
    };
    let text = serde_json::to_string(&rec).context("encoding the load marker")?;
    // Not fsync'd: it speaks for an image staged in this boot, and a crash of the machine takes
    // both the image and /var/run's contents with it (the process dying is what it is for).
    write_atomic_unsynced(root, &run_path(root, LOADING_FILE), &text)
}

/// The load under way in this boot, if any.
pub fn read_loading(root: &SysRoot) -> Option<Loading> {
    read_this_boot(root, &run_path(root, LOADING_FILE), |l: &Loading| {
        &l.boot_id
    })
}

/// Removes the load marker.
pub fn clear_loading(root: &SysRoot) -> Result<()> {
    remove(root, &run_path(root, LOADING_FILE))
}

/// Where `load` tells the rc script's guard how long it may take: "PID SECONDS".
pub const GUARD_FILE: &str = "guard";

/// Tells the guard this process's bound (KEXEC_TIMEOUT), as the one reader of the config.
/// Not fsync'd: only the rc script of this boot reads it, while this process runs.
pub fn announce_timeout(root: &SysRoot, secs: u64) -> Result<()> {
    write_atomic_unsynced(
        root,
        &run_path(root, GUARD_FILE),
        &format!("{} {secs}\n", std::process::id()),
    )
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
pub const NEXT_FILE: &str = "next";

/// What the next load should do instead of the config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Next {
    pub boot_id: String,
    /// Boot this kernel version once.
    pub kernel: Option<String>,
    /// Stage nothing: one firmware reboot.
    pub firmware: bool,
    /// The config file the next load reads instead of the default (`kexec-reboot --config FILE
    /// reboot`): one run's settings without editing /etc/sysconfig/kexec.
    #[serde(default)]
    pub config: Option<String>,
}

/// The one-time request of this boot, if any.
pub fn read_next(root: &SysRoot) -> Option<Next> {
    read_this_boot(root, &run_path(root, NEXT_FILE), |n: &Next| &n.boot_id)
}

/// Records a one-time request (atomically).
pub fn write_next(root: &SysRoot, next: &Next) -> Result<()> {
    let text = serde_json::to_string(next).context("encoding the one-time request")?;
    write_atomic(root, &run_path(root, NEXT_FILE), &text)
}

/// Removes the one-time request.
pub fn clear_next(root: &SysRoot) -> Result<()> {
    remove(root, &run_path(root, NEXT_FILE))
}

/// How a boot after a staged kexec came up, by proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Came {
    /// Through the kexec we staged: its command line carries that load's marker.
    Kexec,
    /// Through the firmware and the boot loader: no marker of that load (the kexec failed at
    /// shutdown, or the new kernel hung and the machine was reset or power-cycled).
    Firmware,
}

impl Came {
    /// In words, for logs and `status`.
    pub fn words(self) -> &'static str {
        match self {
            Came::Kexec => "through the kexec that was staged",
            Came::Firmware => "through the firmware, not through the kexec that was staged",
        }
    }
}

/// What `kexec-reboot confirm` (the rc script's `start`) saw when the system came up.
pub const BOOT_FILE: &str = "boot";

/// The record of this boot's start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BootRecord {
    pub boot_id: String,
    /// An image was already staged when the system came up (loaded by some boot script): it is
    /// stale by the time of the next reboot, never an operator's manual choice.
    pub loaded_at_start: bool,
    /// Seconds since the epoch.
    pub time: u64,
    /// How this boot came when a staged kexec was waiting for it (`kexec`: through it, by the
    /// proof of its marker; `firmware`: not), `None` for any other boot.
    #[serde(default)]
    pub came: Option<Came>,
}

/// This boot's start record, if any.
pub fn read_boot(root: &SysRoot) -> Option<BootRecord> {
    read_this_boot(root, &run_path(root, BOOT_FILE), |b: &BootRecord| {
        &b.boot_id
    })
}

/// Writes this boot's start record (atomically).
pub fn write_boot(root: &SysRoot, rec: &BootRecord) -> Result<()> {
    let text = serde_json::to_string(rec).context("encoding the boot record")?;
    write_atomic(root, &run_path(root, BOOT_FILE), &text)
}

/// The kexec boot that `confirm` found running: the staged kernel and command line came up.
pub const CONFIRMED_FILE: &str = "confirmed";

/// This boot came up through kexec into what was staged (`status --json` shows it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmedBoot {
    /// This boot.
    pub boot_id: String,
    /// What the boot before staged.
    pub staged: Staged,
    /// Seconds since the epoch.
    pub time: u64,
}

/// This boot's confirmation, if it was a confirmed kexec boot.
pub fn read_confirmed(root: &SysRoot) -> Option<ConfirmedBoot> {
    read_this_boot(
        root,
        &run_path(root, CONFIRMED_FILE),
        |c: &ConfirmedBoot| &c.boot_id,
    )
}

/// Records that this boot is the confirmed kexec boot (atomically).
pub fn write_confirmed(root: &SysRoot, c: &ConfirmedBoot) -> Result<()> {
    let text = serde_json::to_string_pretty(c).context("encoding the confirmation record")?;
    write_atomic(root, &run_path(root, CONFIRMED_FILE), &text)
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

    #[test]
    fn unsynced_write_replaces_whole_with_the_private_mode_and_no_temporary_left() {
        use std::fs;
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let root = SysRoot::new(dir.path());
        let f = dir.path().join("var/lib/kexec-reboot/pending.json");
        write_atomic_unsynced(
            &root,
            "/var/lib/kexec-reboot/pending.json",
            "first, longer\n",
        )
        .expect("first write");
        write_atomic_unsynced(&root, "/var/lib/kexec-reboot/pending.json", "second\n")
            .expect("second write");
        assert_eq!(fs::read_to_string(&f).expect("reading"), "second\n");
        let mode = fs::metadata(&f).expect("metadata").permissions().mode() & 0o7777;
        assert_eq!(mode, 0o600, "a record in our own directory is root's alone");
        assert!(!dir
            .path()
            .join("var/lib/kexec-reboot/pending.json.tmp")
            .exists());
    }
}
