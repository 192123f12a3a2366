//! Boot confirmation: a kexec into a kernel that then hangs must not happen again.
//!
//! Every load records what it staged in `/var/lib/kexec-reboot/pending.json` (kept across the
//! reboot). When the next boot comes up, the rc script's `start` runs `kexec-reboot confirm`:
//! if the running kernel and command line are the staged ones, the boot is confirmed and the
//! record removed. If not, the machine came back some other way (typically power-cycled
//! through the firmware after the staged kernel hung): that is written to `unconfirmed.json`,
//! and with `KEXEC_REQUIRE_CONFIRM=yes` nothing is staged at later reboots until an admin runs
//! `kexec-reboot status --clear`.
//!
//! It fails closed: the unconfirmed record is written before the pending one is removed, and
//! a record that cannot be read (truncated, garbled) counts as an unconfirmed boot.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::cmdline;
use crate::root::SysRoot;
use crate::state::{self, Staged};
use crate::system;

/// Where the records live: kept across reboots (unlike /var/run).
pub const DIR: &str = "/var/lib/kexec-reboot";
/// The load waiting for its boot.
pub const PENDING: &str = "/var/lib/kexec-reboot/pending.json";
/// A kexec boot that never came up.
pub const UNCONFIRMED: &str = "/var/lib/kexec-reboot/unconfirmed.json";

/// A staged boot that was never confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unconfirmed {
    /// What was staged.
    pub staged: Staged,
    /// The kernel that came up instead.
    pub running_version: Option<String>,
    /// Its command line.
    pub running_cmdline: String,
    /// When this was noticed (seconds since the epoch).
    pub time: u64,
}

impl Unconfirmed {
    /// One line for logs and errors.
    pub fn describe(&self) -> String {
        format!(
            "the kexec boot into {} staged at {} was never confirmed: the system came back running {} instead (power-cycled through the firmware?)",
            self.staged.version.as_deref().unwrap_or(&self.staged.kernel),
            state::format_utc(self.staged.time),
            self.running_version.as_deref().unwrap_or("an unknown kernel"),
        )
    }
}

/// What `confirm` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// No staged boot was waiting.
    Nothing,
    /// The staged boot is the one running.
    Confirmed(Staged),
    /// The staged boot never came up.
    Unconfirmed(Unconfirmed),
    /// The pending record could not be read: counted as an unconfirmed boot.
    Damaged(String),
}

/// Records a staged load as waiting for its boot.
pub fn record_pending(root: &SysRoot, staged: &Staged) -> Result<()> {
    let text = serde_json::to_string_pretty(staged).context("encoding the pending record")?;
    // No fsync: the reboot it is for flushes it (see state::write_atomic_unsynced).
    state::write_atomic_unsynced(root, PENDING, &text)
}

/// Forgets the waiting load (after an unload).
pub fn clear_pending(root: &SysRoot) -> Result<()> {
    state::remove(root, PENDING)
}

/// What `unconfirmed.json` holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Record {
    /// A kexec boot that never came up.
    Boot(Box<Unconfirmed>),
    /// A record that is there but cannot be read: counted as an unconfirmed boot.
    Damaged { damaged: String },
}

impl Record {
    /// One line for logs and errors.
    pub fn describe(&self) -> String {
        match self {
            Record::Boot(u) => u.describe(),
            Record::Damaged { damaged } => format!(
                "the record of an unconfirmed kexec boot ({UNCONFIRMED}) is damaged ({damaged}), so the last kexec boot counts as unconfirmed"
            ),
        }
    }
}

/// The unconfirmed boot on record, if any; a damaged record is one too.
pub fn read_unconfirmed(root: &SysRoot) -> Option<Record> {
    let bytes = match root.read(UNCONFIRMED) {
        Ok(b) => b,
        Err(e) => {
            let gone = e
                .chain()
                .filter_map(|c| c.downcast_ref::<std::io::Error>())
                .any(|io| {
                    io.kind() == std::io::ErrorKind::NotFound
                        || io.raw_os_error() == Some(libc::ENOTDIR)
                });
            return (!gone).then(|| Record::Damaged {
                damaged: format!("{e:#}"),
            });
        }
    };
    Some(match serde_json::from_slice::<Unconfirmed>(&bytes) {
        Ok(u) => Record::Boot(Box::new(u)),
        Err(e) => Record::Damaged {
            damaged: e.to_string(),
        },
    })
}

/// Forgets an unconfirmed boot (`status --clear`).
pub fn clear_unconfirmed(root: &SysRoot) -> Result<()> {
    state::remove(root, UNCONFIRMED)
}

/// Checks the waiting load, if it is from an earlier boot, against what is running.
pub fn confirm(root: &SysRoot) -> Result<Outcome> {
    let staged = match root.read(PENDING) {
        Err(_) if !root.exists(PENDING) => return Ok(Outcome::Nothing),
        Err(e) => return Err(e),
        Ok(bytes) => match serde_json::from_slice::<Staged>(&bytes) {
            Ok(s) => s,
            Err(e) => {
                // What was staged cannot be told, nor whether it came up: it counts as an
                // unconfirmed boot (the damaged record becomes the unconfirmed one).
                root.rename(PENDING, UNCONFIRMED)
                    .with_context(|| format!("keeping the damaged {PENDING} as {UNCONFIRMED}"))?;
                return Ok(Outcome::Damaged(format!("{PENDING}: {e}")));
            }
        },
    };
    if staged.boot_id == system::boot_id(root) {
        // Staged in this very boot: the reboot has not happened yet.
        return Ok(Outcome::Nothing);
    }
    let running_version = system::running_version(root);
    let running_cmdline = system::running_cmdline(root).unwrap_or_default();
    let same_kernel = staged.version.is_some() && staged.version == running_version;
    let same_cmdline = cmdline::split(&staged.cmdline) == cmdline::split(&running_cmdline);
    if same_kernel && same_cmdline {
        let c = state::ConfirmedBoot {
            boot_id: system::boot_id(root),
            staged: staged.clone(),
            time: state::now(),
        };
        state::write_confirmed(root, &c)?;
        clear_pending(root)?;
        return Ok(Outcome::Confirmed(staged));
    }
    let u = Unconfirmed {
        staged,
        running_version,
        running_cmdline,
        time: state::now(),
    };
    let text = serde_json::to_string_pretty(&u).context("encoding the unconfirmed record")?;
    // The new record first: if it cannot be written, the pending one stays and the next
    // `confirm` tries again, so the unconfirmed boot is never forgotten.
    state::write_atomic(root, UNCONFIRMED, &text)?;
    clear_pending(root)?;
    Ok(Outcome::Unconfirmed(u))
}
