//! The load flow: what `load` (and so the rc script at runlevel 6) does, in order — config,
//! one-time requests, boot confirmation, manual or stale images, plan, preflight, load, record —
//! and the rule that any failure leaves nothing of ours staged.

use anyhow::{anyhow, bail, Result};

use crate::config::{KernelChoice, Settings};
use crate::confirm;
use crate::context::Ctx;
use crate::failure::{self, Failure, Kind};
use crate::load;
use crate::log::Log;
use crate::plan::{self, Plan};
use crate::preflight;
use crate::report;
use crate::state::{self, Staged};
use crate::system;

/// How long a load whose config cannot be read waits for another command's lock (the
/// default KEXEC_TIMEOUT: there is no other to go by).
const LOCK_WAIT_NO_CONFIG: std::time::Duration = std::time::Duration::from_secs(30);

/// The one failure path of the load flow: from the moment it is armed, every way out of
/// [`load_inner`] that is not "staged" (or "the manual image was kept", which disarms it
/// without unloading) unloads whatever is staged and forgets our records, so that no stale
/// image wins at reboot. Dropping it does the work, so an early `?` cannot skip it.
struct Failsafe<'a> {
    ctx: &'a Ctx,
    settings: Settings,
    armed: bool,
}

impl<'a> Failsafe<'a> {
    /// Disarmed: a dry run never unloads.
    fn new(ctx: &'a Ctx) -> Self {
        Failsafe {
            ctx,
            settings: Settings::default(),
            armed: false,
        }
    }

    /// From now on, leaving without [`Failsafe::keep`] unloads.
    fn arm(&mut self, settings: &Settings) {
        self.settings = settings.clone();
        self.armed = true;
    }

    /// What is staged now is meant to stay (ours, just recorded; or a manual load kept).
    fn keep(&mut self) {
        self.armed = false;
    }
}

impl Drop for Failsafe<'_> {
    fn drop(&mut self) {
        if self.armed {
            unload_ours(self.ctx, &self.settings, &mut self.ctx.log());
        }
    }
}

/// Unloads what is staged and forgets our records of it. The records stay when the unload
/// failed, so that `unload --ours` (the rc script, after this process) still knows it is ours.
pub(crate) fn unload_ours(ctx: &Ctx, settings: &Settings, log: &mut Log) -> bool {
    if system::kexec_loaded(&ctx.root) == Some(true) {
        match load::unload(&ctx.root, settings, ctx.target) {
            Ok(()) => {
                log.notice("unloaded the staged kernel, so the reboot goes through the firmware")
            }
            Err(e) => {
                log.warning(&format!("could not unload the staged kernel: {e:#}"));
                return false;
            }
        }
    }
    let _ = state::clear(&ctx.root);
    let _ = state::clear_loading(&ctx.root);
    let _ = confirm::clear_pending(&ctx.root);
    true
}

/// Whether the staged image is ours to unload: recorded by a load of this boot, being loaded
/// by one (a crash between the syscall and the record), or staged before the system came up.
pub(crate) fn staged_is_ours(ctx: &Ctx) -> bool {
    state::read(&ctx.root).is_some()
        || state::read_loading(&ctx.root).is_some()
        || state::read_boot(&ctx.root).is_some_and(|b| b.loaded_at_start)
}

pub(crate) fn cmd_load(
    ctx: &Ctx,
    reason: Option<&str>,
    dry_run: bool,
    kernel: Option<&str>,
) -> Result<u8> {
    if !ctx.can_act() && !dry_run {
        bail!("loading is refused with --root {} (it would load the tree's kernel into this machine); add --dry-run", ctx.root.base().display());
    }
    let mut log = ctx.log();
    let result = load_inner(ctx, reason, dry_run, kernel, &mut log).map_err(|e| {
        // A bare I/O error ("reading /boot/grub/grub.conf: Permission denied") says what
        // failed but not what to do.
        let io = failure::exit_code(&e) == 1
            && e.chain()
                .any(|c| c.downcast_ref::<std::io::Error>().is_some());
        let suffix = if failure::kind(&e) == Some(Kind::InFlight) {
            "the kernel may still stage it: unloading follows once this process has ended \
             (`kexec-reboot unload --ours`)"
        } else if io {
            "check that the file exists and root can read it; nothing staged, the reboot goes \
             through the firmware"
        } else {
            "nothing staged, the reboot goes through the firmware"
        };
        failure::with_suffix(e, suffix)
    });
    if let Err(e) = &result {
        log.error_to_syslog(&format!("{e:#}"));
    }
    result
}

fn load_inner(
    ctx: &Ctx,
    reason: Option<&str>,
    dry_run: bool,
    kernel: Option<&str>,
    log: &mut Log,
) -> Result<u8> {
    let mut failsafe = Failsafe::new(ctx);
    let next = state::read_next(&ctx.root);
    // `kexec-reboot --config FILE reboot` asked for FILE's settings for this one reboot.
    let one_shot = next.as_ref().and_then(|n| n.config.as_deref());
    let settings = match one_shot {
        Some(path) if ctx.config == crate::config::DEFAULT_PATH => ctx.settings_from(path),
        _ => ctx.settings(),
    };
    let (mut settings, warnings) = match settings {
        Ok(s) => s,
        Err(e) => {
            // Ours, or one staged before the system came up, must not win at reboot; an
            // operator's manual load stays.
            if !dry_run {
                ctx.lock(LOCK_WAIT_NO_CONFIG)?;
                if staged_is_ours(ctx) {
                    failsafe.arm(&Settings::default());
                }
            }
            return Err(e);
        }
    };
    for w in &warnings {
        log.warning(&w.to_string());
    }
    // KEXEC_TIMEOUT bounds the whole command, from its start.
    let deadline = ctx.started + settings.timeout;
    if !dry_run {
        // The rc script's guard learns the bound from here (the binary reads the config).
        let _ = state::announce_timeout(&ctx.root, settings.timeout.as_secs());
        let wait = deadline.saturating_duration_since(std::time::Instant::now());
        ctx.lock(wait)?;
        failsafe.arm(&settings);
    }

    if let Some(n) = &next {
        if n.firmware {
            log.notice("one firmware reboot was asked for (kexec-reboot reboot --firmware): nothing staged");
            return Ok(0);
        }
        if let Some(v) = &n.kernel {
            settings.kernel = KernelChoice::Version(v.clone());
        }
    }
    if let Some(v) = kernel {
        settings.kernel = KernelChoice::Version(v.to_string());
    }

    if settings.require_confirm {
        if let Some(u) = confirm::read_unconfirmed(&ctx.root) {
            return Err(Failure::new(
                Kind::Skipped,
                format!("{}; kexec reboots stay off until an administrator runs `kexec-reboot status --clear` (KEXEC_REQUIRE_CONFIRM=yes)", u.describe()),
            )
            .into());
        }
    }

    let loaded = system::kexec_loaded(&ctx.root);
    let ours = state::read(&ctx.root);
    if loaded == Some(true) && ours.is_none() && next.is_none() {
        let stale = state::read_boot(&ctx.root).is_some_and(|b| b.loaded_at_start);
        if stale {
            log.notice(
                "replacing a kernel image that was already staged when the system came up (stale)",
            );
        } else if settings.respect_manual {
            failsafe.keep();
            log.notice("kept the kernel that was loaded by hand (KEXEC_RESPECT_MANUAL=yes); nothing else staged");
            return Ok(0);
        }
    }

    let p = plan::make(&ctx.root, &settings, Vec::new())?;
    // The boot loader's warnings: the console at shutdown is where an operator sees them.
    for w in &p.warnings {
        log.warning(w);
    }
    if ctx.verbose {
        eprint!("{}", report::plan(&p));
    }
    if let Some(f) = p.failure() {
        return Err(f.into());
    }
    let what = p.version.clone().unwrap_or_else(|| p.kernel.clone());
    if dry_run {
        log.notice(&format!(
            "would stage {what} ({}); dry run, nothing loaded",
            p.why
        ));
        return Ok(0);
    }
    // The halt script boots what is staged with /sbin/kexec: without it, nothing staged.
    if !ctx.target.is_fake() {
        if let Some(problem) = preflight::halt_kexec_problem(&ctx.root) {
            return Err(Failure::new(Kind::Load, problem).into());
        }
    }
    // From here until the record, a crash leaves an image no record calls ours: this marker
    // does, for `unload --ours`. Where /var/run cannot be written (read-only or full), the
    // record cannot be either, and the failure path after the load says so.
    let _ = state::write_loading(&ctx.root);
    let method = load::load(&ctx.root, &p, &settings, ctx.target, deadline)?;
    if system::kexec_loaded(&ctx.root) == Some(false) {
        return Err(Failure::new(Kind::Load, format!("{method} of {} reported success but /sys/kernel/kexec_loaded says nothing is staged", p.kernel)).into());
    }
    // A one-time request stays until this boot ends (its boot id expires it): the rc script's
    // load at shutdown must see it too.
    record(ctx, &p, &settings, method, reason, log)?;
    failsafe.keep();
    let _ = state::clear_loading(&ctx.root);
    if let Some(env) = &p.next_entry_env {
        match consume_next_entry(ctx, env) {
            Ok(()) => log.notice(&format!(
                "cleared the one-time next_entry in {env}, as GRUB does when it boots it"
            )),
            Err(e) => log.warning(&format!(
                "{env}: could not clear the one-time next_entry ({e:#}); later reboots will boot it again until `grub2-editenv {env} unset next_entry`"
            )),
        }
    }
    log.notice(&format!("staged {what} ({}) with {method}", p.why));
    Ok(0)
}

/// Records what was staged. Without the pending record a kexec boot that hangs could not be
/// noticed at the next boot, so with `KEXEC_REQUIRE_CONFIRM=yes` that is an error (the caller
/// unloads); `status`'s record is only a warning.
fn record(
    ctx: &Ctx,
    p: &Plan,
    settings: &Settings,
    method: &str,
    reason: Option<&str>,
    log: &mut Log,
) -> Result<()> {
    let staged = Staged {
        boot_id: system::boot_id(&ctx.root),
        kernel: p.kernel.clone(),
        initrds: p.initrds.clone(),
        cmdline: p.staged_cmdline(),
        version: p.version.clone(),
        method: method.to_string(),
        why: p.why.clone(),
        reason: reason.map(str::to_string),
        time: state::now(),
        marker: Some(p.marker.clone()),
    };
    if let Err(e) = state::write(&ctx.root, &staged) {
        log.warning(&format!(
            "the kernel is staged, but the record of it could not be written: {e:#}"
        ));
    }
    if let Err(e) = confirm::record_pending(&ctx.root, &staged) {
        if settings.require_confirm {
            // A message without the io::Error source: it is a write, not a file to read.
            return Err(anyhow!(
                "cannot record the staged boot for confirmation ({e:#}); make {} writable, or set KEXEC_REQUIRE_CONFIRM=no to kexec without it",
                confirm::DIR
            ));
        }
        log.warning(&format!(
            "the kernel is staged, but its boot cannot be confirmed later: {e:#}"
        ));
    }
    Ok(())
}

/// Removes `next_entry` from a grubenv block, keeping its size and mode (atomic rename).
fn consume_next_entry(ctx: &Ctx, env: &str) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let bytes = ctx.root.read(env)?;
    let Some(out) = crate::bootloader::grubenv::unset(&bytes, "next_entry") else {
        return Ok(());
    };
    // grubenv is often a link (to the EFI partition): the root replaces the file it leads
    // to inside the tree, not the link.
    let mode = ctx
        .root
        .metadata(env)
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(0o644);
    ctx.root.write_atomic(env, &out, mode)
}
