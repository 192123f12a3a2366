//! Boot confirmation: a kexec into a kernel that then hangs must not happen again.
//!
//! Every load records what it staged in `/var/lib/kexec-reboot/pending.json` (kept across the
//! reboot), and puts a marker of ours on the staged command line: `kexec_reboot.boot=<token>`,
//! the token naming the staging boot. When the next boot comes up, the rc script's `start`
//! (kexec.service's start on systemd) runs `kexec-reboot confirm`, which decides by that proof
//! alone how the boot came ([`Came`]): with the marker, through our kexec — the boot is
//! confirmed and the record removed; without it, through the firmware and the boot loader,
//! whatever kernel that booted (the kexec failed at shutdown, or the new kernel hung and the
//! machine was reset or power-cycled). A firmware boot after a staged kexec is a failed kexec
//! boot: it is written to `unconfirmed.json`, and with `KEXEC_REQUIRE_CONFIRM=yes` nothing is
//! staged at later reboots until an admin runs `kexec-reboot status --clear`. The kernel
//! version and command line are no proof: a power cycle after a hung kexec boots the same
//! default entry through GRUB. (A pending record written before there was a marker is judged
//! the old way, by kernel version and command line.)
//!
//! It fails closed: the unconfirmed record is written before the pending one is removed, and
//! a record that cannot be read (truncated, garbled) counts as an unconfirmed boot.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::cmdline;
use crate::root::SysRoot;
pub use crate::state::Came;
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
    /// How the boot that noticed it came (`None` in a record written before there was a
    /// marker).
    #[serde(default)]
    pub came: Option<Came>,
}

impl Unconfirmed {
    /// One line for logs and errors.
    pub fn describe(&self) -> String {
        let staged = self
            .staged
            .version
            .as_deref()
            .unwrap_or(&self.staged.kernel);
        let at = state::format_utc(self.staged.time);
        let running = self
            .running_version
            .as_deref()
            .unwrap_or("an unknown kernel");
        match self.came {
            Some(Came::Firmware) => format!(
                "the kexec boot into {staged} staged at {at} was never confirmed: the next boot came through the firmware (no {} of that load on its command line), running {running}; the kexec failed at shutdown, or the new kernel hung and the machine was reset",
                cmdline::MARKER_PARAM
            ),
            _ => format!(
                "the kexec boot into {staged} staged at {at} was never confirmed: the system came back running {running} instead (power-cycled through the firmware?)"
            ),
        }
    }
}

/// What `confirm` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// No staged boot was waiting.
    Nothing,
    /// The staged boot is the one running: this boot came through our kexec.
    Confirmed(Staged),
    /// The staged boot never came up.
    Unconfirmed(Unconfirmed),
    /// The pending record could not be read: counted as an unconfirmed boot.
    Damaged(String),
}

impl Outcome {
    /// How this boot came, when a staged kexec was waiting for it.
    pub fn came(&self) -> Option<Came> {
        match self {
            Outcome::Nothing | Outcome::Damaged(_) => None,
            Outcome::Confirmed(_) => Some(Came::Kexec),
            Outcome::Unconfirmed(u) => u.came,
        }
    }
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
    let came = match &staged.marker {
        // The proof: the marker of that load on this boot's command line.
        Some(token) => {
            let raw = root
                .read_to_string(system::PROC_CMDLINE)
                .unwrap_or_default();
            if cmdline::has_marker(&raw, token) {
                Came::Kexec
            } else {
                Came::Firmware
            }
        }
        // A record from before the marker: the kernel and command line, as then.
        None => {
            let same_kernel = staged.version.is_some() && staged.version == running_version;
            let same_cmdline = cmdline::split(&staged.cmdline) == cmdline::split(&running_cmdline);
            if same_kernel && same_cmdline {
                Came::Kexec
            } else {
                Came::Firmware
            }
        }
    };
    if came == Came::Kexec {
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
        came: staged.marker.as_ref().map(|_| came),
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
