//! One lock around every command that changes what is staged or recorded.
//!
//! Two `load`s at once (the rc script's and an operator's, or two Ansible runs) would each
//! unload or rename over the other's work; `flock(2)` on one file serialises them. The lock
//! is released when the process exits, however it exits, so a crash never leaves it held.
//! Where the run directory cannot be written (a read-only /var), the directory itself is
//! locked.

use std::fs::File;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};

use crate::root::SysRoot;
use crate::state;

/// The lock file's name among the runtime records ([`state::run_path`]).
pub const LOCK_FILE: &str = "lock";

/// Held while a state-changing command runs; dropping it releases the lock.
#[derive(Debug)]
pub struct Lock {
    _held: Flock<File>,
}

fn open_lock_file(root: &SysRoot) -> Result<File> {
    let dir = state::run_dir(root);
    // The run directory is there on a running system; a --root tree may lack it.
    let _ = root.create_dir_all(dir, 0o755);
    match root.open_or_create(&state::run_path(root, LOCK_FILE), 0o600, false) {
        Ok(f) => Ok(f),
        // A read-only or full /var: lock the directory, which every process sees the same.
        Err(_) => root
            .open(dir)
            .with_context(|| format!("opening {dir} to lock it")),
    }
}

/// Takes the lock, waiting up to `wait` for another command to finish.
pub fn take(root: &SysRoot, wait: Duration) -> Result<Lock> {
    let lock_file = state::run_path(root, LOCK_FILE);
    let mut file = open_lock_file(root)?;
    let deadline = Instant::now() + wait;
    loop {
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(held) => return Ok(Lock { _held: held }),
            Err((f, Errno::EWOULDBLOCK)) if Instant::now() < deadline => {
                file = f;
                std::thread::sleep(Duration::from_millis(50));
            }
            Err((_, Errno::EWOULDBLOCK)) => {
                return Err(anyhow!(
                    "another kexec-reboot command still holds {lock_file} after {}s; try again when it has finished",
                    wait.as_secs()
                ))
            }
            Err((_, e)) => return Err(anyhow!("locking {lock_file}: {e}")),
        }
    }
}
