//! Boot confirmation: a kexec into a kernel that then hangs must not happen again.
//!
//! Every load records what it staged in `/var/lib/kexec-reboot/pending.json` (kept across the
//! reboot). When the next boot comes up, the rc script's `start` runs `kexec-reboot confirm`:
//! if the running kernel and command line are the staged ones, the boot is confirmed and the
//! record removed. If not, the machine came back some other way (typically power-cycled
//! through the firmware after the staged kernel hung): that is written to `unconfirmed.json`,
//! and with `KEXEC_REQUIRE_CONFIRM=yes` nothing is staged at later reboots until an admin runs
//! `kexec-reboot status --clear`.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::cmdline;
use crate::plan;
use crate::root::SysRoot;
use crate::state::{self, Staged};

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

/// The unconfirmed boot on record, if any.
pub fn read_unconfirmed(root: &SysRoot) -> Option<Unconfirmed> {
    state::read_json(root, UNCONFIRMED)
}

/// Forgets an unconfirmed boot (`status --clear`).
pub fn clear_unconfirmed(root: &SysRoot) -> Result<()> {
    state::remove(root, UNCONFIRMED)
}

/// Checks the waiting load, if it is from an earlier boot, against what is running.
pub fn confirm(root: &SysRoot) -> Result<Outcome> {
    let Some(staged) = state::read_json::<Staged>(root, PENDING) else {
        return Ok(Outcome::Nothing);
    };
    if staged.boot_id == state::boot_id(root) {
        // Staged in this very boot: the reboot has not happened yet.
        return Ok(Outcome::Nothing);
    }
    let running_version = plan::running_version(root);
    let running_cmdline = root
        .read_to_string(plan::PROC_CMDLINE)
        .map(|c| cmdline::clean_running(&c))
        .unwrap_or_default();
    let same_kernel = staged.version.is_some() && staged.version == running_version;
    let same_cmdline = cmdline::split(&staged.cmdline) == cmdline::split(&running_cmdline);
    clear_pending(root)?;
    if same_kernel && same_cmdline {
        let c = state::ConfirmedBoot {
            boot_id: state::boot_id(root),
            staged: staged.clone(),
            time: state::now(),
        };
        state::write_confirmed(root, &c)?;
        return Ok(Outcome::Confirmed(staged));
    }
    let u = Unconfirmed {
        staged,
        running_version,
        running_cmdline,
        time: state::now(),
    };
    let text = serde_json::to_string_pretty(&u).context("encoding the unconfirmed record")?;
    state::write_atomic(root, UNCONFIRMED, &text)?;
    Ok(Outcome::Unconfirmed(u))
}
