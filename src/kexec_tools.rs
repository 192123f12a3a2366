//! Running kexec-tools (`kexec -l`, `kexec -u`) as a child bounded by the load's deadline: in
//! its own process group, killed as a group at the deadline and by the kernel if we die first
//! (`PR_SET_PDEATHSIG`), its last line of stderr kept for the error. A child that cannot be
//! killed is reported as a load that may still complete ([`Kind::InFlight`]).

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

use crate::config::Settings;
use crate::failure::{Failure, Kind};
use crate::root::SysRoot;

/// How long a killed kexec-tools gets to be gone before the load counts as still running.
const REAP_GRACE: Duration = Duration::from_secs(3);

/// The time left before `deadline`, or a [`Kind::Load`] failure naming `what` when none is.
pub(crate) fn left(deadline: Instant, timeout: Duration, what: &str) -> Result<Duration> {
    let now = Instant::now();
    if now >= deadline {
        return Err(Failure::new(
            Kind::Load,
            format!(
                "{what} was not reached within KEXEC_TIMEOUT={}s",
                timeout.as_secs()
            ),
        )
        .into());
    }
    Ok(deadline - now)
}

/// Starts kexec-tools with `args` in its own process group, to be killed by the kernel if we
/// die first.
fn spawn_kexec_tools(tool: &str, args: &[String]) -> Result<Child> {
    let mut cmd = Command::new(tool);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0);
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.spawn().map_err(|e| {
        Failure::new(
            Kind::Load,
            format!("running {tool}: {e}; install kexec-tools or set KEXEC_TOOLS"),
        )
        .into()
    })
}

/// Waits for `child` until `until`; `None` when it is still running then.
fn wait_until(
    child: &mut Child,
    until: Instant,
    tool: &str,
) -> Result<Option<std::process::ExitStatus>> {
    loop {
        if let Some(st) = child
            .try_wait()
            .with_context(|| format!("waiting for {tool}"))?
        {
            return Ok(Some(st));
        }
        if Instant::now() >= until {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs kexec-tools with `args` until the deadline, then kills its process group. Returns
/// its stderr's last line on failure.
pub(crate) fn run(settings: &Settings, args: &[String], deadline: Instant) -> Result<()> {
    let tool = &settings.kexec_tools;
    let what = format!("{tool} {}", args.join(" "));
    left(deadline, settings.timeout, &what)?;
    // Run as root: refuse a binary another user could have replaced. It is a program of the
    // host that runs us (never of a --root tree), so it is checked on the host's root.
    let host = SysRoot::new("/");
    if host.exists(tool) {
        if let Some(why) = crate::trust::distrust(&host, tool, "kexec-tools binary") {
            return Err(Failure::new(Kind::Load, format!("{why}; not run")).into());
        }
    }
    let mut child = spawn_kexec_tools(tool, args)?;
    let Some(status) = wait_until(&mut child, deadline, tool)? else {
        let _ = killpg(Pid::from_raw(child.id() as i32), Signal::SIGKILL);
        if wait_until(&mut child, Instant::now() + REAP_GRACE, tool)?.is_none() {
            // Killed but not gone (uninterruptible sleep): its load may still complete.
            return Err(Failure::new(
                Kind::InFlight,
                format!(
                    "{what} took longer than KEXEC_TIMEOUT={}s and could not be killed; it may still complete",
                    settings.timeout.as_secs()
                ),
            )
            .into());
        }
        return Err(Failure::new(
            Kind::Load,
            format!(
                "{what} took longer than KEXEC_TIMEOUT={}s and was killed",
                settings.timeout.as_secs()
            ),
        )
        .into());
    };
    if status.success() {
        return Ok(());
    }
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    let last = err
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    Err(Failure::new(
        Kind::Load,
        format!(
            "{tool} {} failed ({status}){}{last}",
            args.first().map(String::as_str).unwrap_or(""),
            if last.is_empty() { "" } else { ": " }
        ),
    )
    .into())
}
