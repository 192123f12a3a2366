//! The load flow: what `load` (and so the rc script at runlevel 6) does, in order — config,
//! one-time requests, boot confirmation, manual or stale images, plan, preflight, load, record —
//! and the rule that any failure leaves nothing of ours staged.

use anyhow::{anyhow, bail, Result};

use crate::app::Ctx;
use crate::config::{KernelChoice, Settings};
use crate::confirm;
use crate::failure::{self, Failure, Kind};
use crate::load;
use crate::log::Log;
use crate::plan::{self, Plan};
use crate::preflight;
use crate::report;
use crate::state::{self, Staged};

/// Unloads after a failure, so that no stale image wins at reboot. Only images that are ours
/// or that we were about to replace get here.
fn unload_after_failure(ctx: &Ctx, settings: &Settings, log: &mut Log) {
    if load::kexec_loaded(&ctx.root) == Some(true) {
        match load::unload(&ctx.root, settings, ctx.target) {
            Ok(()) => {
                log.notice("unloaded the staged kernel, so the reboot goes through the firmware")
            }
            Err(e) => log.warning(&format!(
                "could not unload the previously staged kernel: {e:#}"
            )),
        }
    }
    let _ = state::clear(&ctx.root);
    let _ = confirm::clear_pending(&ctx.root);
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
        let suffix = if io {
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
    let (mut settings, warnings) = match ctx.settings() {
        Ok(s) => s,
        Err(e) => {
            // Ours, or one staged before the system came up, must not win at reboot; an
            // operator's manual load stays.
            let stale = state::read_boot(&ctx.root).is_some_and(|b| b.loaded_at_start);
            if !dry_run && (state::read(&ctx.root).is_some() || stale) {
                unload_after_failure(ctx, &Settings::default(), log);
            }
            return Err(e);
        }
    };
    for w in &warnings {
        log.warning(&w.to_string());
    }

    let next = state::read_next(&ctx.root);
    if let Some(n) = &next {
        if n.firmware {
            if !dry_run {
                unload_after_failure(ctx, &settings, log);
            }
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
            if !dry_run {
                unload_after_failure(ctx, &settings, log);
            }
            return Err(Failure::new(
                Kind::Skipped,
                format!("{}; kexec reboots stay off until an administrator runs `kexec-reboot status --clear` (KEXEC_REQUIRE_CONFIRM=yes)", u.describe()),
            )
            .into());
        }
    }

    let loaded = load::kexec_loaded(&ctx.root);
    let ours = state::read(&ctx.root);
    if loaded == Some(true) && ours.is_none() && next.is_none() {
        let stale = state::read_boot(&ctx.root).is_some_and(|b| b.loaded_at_start);
        if stale {
            log.notice(
                "replacing a kernel image that was already staged when the system came up (stale)",
            );
        } else if settings.respect_manual {
            log.notice("kept the kernel that was loaded by hand (KEXEC_RESPECT_MANUAL=yes); nothing else staged");
            return Ok(0);
        }
    }

    let p = match plan::make(&ctx.root, &settings, Vec::new()) {
        Ok(p) => p,
        Err(e) => {
            if !dry_run {
                unload_after_failure(ctx, &settings, log);
            }
            return Err(e);
        }
    };
    // The boot loader's warnings: the console at shutdown is where an operator sees them.
    for w in &p.warnings {
        log.warning(w);
    }
    if ctx.verbose {
        eprint!("{}", report::plan(&p));
    }
    if let Some(f) = p.failure() {
        if !dry_run {
            unload_after_failure(ctx, &settings, log);
        }
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
    if ctx.target == load::Target::Running {
        if let Some(problem) = preflight::halt_kexec_problem(&ctx.root) {
            unload_after_failure(ctx, &settings, log);
            return Err(Failure::new(Kind::Load, problem).into());
        }
    }
    let method = match load::load(&ctx.root, &p, &settings, ctx.target) {
        Ok(m) => m,
        Err(e) => {
            unload_after_failure(ctx, &settings, log);
            return Err(e);
        }
    };
    if load::kexec_loaded(&ctx.root) == Some(false) {
        return Err(Failure::new(Kind::Load, format!("{method} of {} reported success but /sys/kernel/kexec_loaded says nothing is staged", p.kernel)).into());
    }
    // A one-time request stays until this boot ends (its boot id expires it): the rc script's
    // load at shutdown must see it too.
    if let Err(e) = record(ctx, &p, &settings, method, reason, log) {
        unload_after_failure(ctx, &settings, log);
        return Err(e);
    }
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
        boot_id: state::boot_id(&ctx.root),
        kernel: p.kernel.clone(),
        initrds: p.initrds.clone(),
        cmdline: p.cmdline.clone(),
        version: p.version.clone(),
        method: method.to_string(),
        why: p.why.clone(),
        reason: reason.map(str::to_string),
        time: state::now(),
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
