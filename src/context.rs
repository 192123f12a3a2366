//! What every verb is given: the root, the config file, the output level, the kernel it acts
//! on, when it started and the lock once taken.
//!
//! It sits below everything that uses it (the dispatcher in `app`, the load flow in `stage`,
//! `confirm`, ...), so those modules receive their context instead of reaching up into the
//! dispatcher for it. It names only what is below it: the root, the config, the lock, the log.

use std::cell::OnceCell;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::config::{self, Settings};
use crate::entry::Warning;
use crate::failure::{Failure, Kind};
use crate::load;
use crate::lock::{self, Lock};
use crate::log::Log;
use crate::root::SysRoot;
use crate::trust;

/// The context of one command.
pub struct Ctx {
    /// When the command started: KEXEC_TIMEOUT counts from here.
    pub started: Instant,
    lock: OnceCell<Lock>,
    /// The system the command reads (`--root`).
    pub root: SysRoot,
    /// The config file, as a path on the system (`--config`).
    pub config: String,
    /// `--quiet`: only errors.
    pub quiet: bool,
    /// `--verbose`: every check and warning.
    pub verbose: bool,
    /// The kernel loads and unloads go to.
    pub target: load::Target,
}

impl Ctx {
    /// A context for a command starting now.
    pub fn new(
        root: SysRoot,
        config: String,
        quiet: bool,
        verbose: bool,
        target: load::Target,
    ) -> Self {
        Ctx {
            started: Instant::now(),
            lock: OnceCell::new(),
            root,
            config,
            quiet,
            verbose,
            target,
        }
    }

    /// The settings of the config file.
    pub fn settings(&self) -> Result<(Settings, Vec<Warning>)> {
        self.settings_from(&self.config)
    }

    /// The settings of config file `path` (a one-time `--config` remembered by `reboot`).
    pub fn settings_from(&self, path: &str) -> Result<(Settings, Vec<Warning>)> {
        if self.root.exists(path) {
            if let Some(why) = trust::distrust(&self.root, path, "config file") {
                return Err(Failure::new(Kind::Config, why).into());
            }
        }
        config::load(&self.root, path)
    }

    /// May act on a kernel: the running one, or the tests' stand-in.
    pub fn can_act(&self) -> bool {
        self.root.is_host() || self.target.is_fake()
    }

    /// Takes the one lock around state changes (see [`crate::lock`]), waiting up to `wait`;
    /// held until the command ends. Taking it again is a no-op.
    pub fn lock(&self, wait: Duration) -> Result<()> {
        if self.lock.get().is_none() {
            let held = lock::take(&self.root, wait)?;
            let _ = self.lock.set(held);
        }
        Ok(())
    }

    /// Where this command says what happened (syslog only for the host).
    pub fn log(&self) -> Log {
        Log::new(self.root.is_host(), self.quiet)
    }
}
