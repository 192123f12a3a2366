//! Runs one verb of the command line.

use std::io::Write;
use std::process::Command as Process;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::CommandFactory;

use crate::cli::{Cli, Command, Generate, GlobalOpts};
use crate::config::{self, KernelChoice};
use crate::confirm;
use crate::context::Ctx;
use crate::failure;
use crate::load;
use crate::plan;
use crate::report;
use crate::root::SysRoot;
use crate::select;
use crate::stage;
use crate::state::{self, Next};
use crate::system;

/// Runs the verb and returns the exit code.
pub fn run(cli: Cli) -> Result<u8> {
    if let Some(what) = cli.generate {
        return generate(what);
    }
    let Some(command) = cli.command else {
        let _ = Cli::command().print_help();
        return Ok(2);
    };
    let root = SysRoot::new(&cli.global.root);
    let target = target(&cli.global, &root)?;
    let ctx = Ctx::new(
        root,
        cli.global.config.clone(),
        cli.global.quiet,
        cli.global.verbose,
        target,
    );
    match command {
        Command::Plan { json } => cmd_plan(&ctx, json),
        Command::Check { kernel } => cmd_check(&ctx, kernel),
        Command::List { json } => cmd_list(&ctx, json),
        Command::Load { reason, dry_run } => {
            stage::cmd_load(&ctx, reason.as_deref(), dry_run, None)
        }
        Command::Unload { ours } => cmd_unload(&ctx, ours),
        Command::Status { json, clear } => cmd_status(&ctx, json, clear),
        Command::Confirm => cmd_confirm(&ctx),
        Command::Reboot {
            firmware_ok,
            firmware,
            kernel,
            dry_run,
        } => cmd_reboot(&ctx, firmware_ok, firmware, kernel, dry_run),
    }
}

/// The kernel loads go to: the running one, or with `--fake-kernel` (tests only: the option
/// exists only in a build with the `fake-kernel` feature) the stand-in inside the tree.
fn target(global: &GlobalOpts, root: &SysRoot) -> Result<load::Target> {
    #[cfg(feature = "fake-kernel")]
    if global.fake_kernel {
        if root.is_host() {
            bail!("--fake-kernel is for tests and needs --root DIR");
        }
        return Ok(load::Target::Fake);
    }
    let _ = (global, root);
    Ok(load::Target::Running)
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value).context("encoding JSON")?;
    println!("{text}");
    Ok(())
}

fn cmd_plan(ctx: &Ctx, json: bool) -> Result<u8> {
    let (settings, warnings) = ctx.settings()?;
    let p = plan::make(&ctx.root, &settings, warnings)?;
    if json {
        print_json(&p)?;
    } else {
        print!("{}", report::plan(&p));
    }
    Ok(p.failure().map_or(0, |f| f.kind.exit_code()))
}

fn cmd_check(ctx: &Ctx, kernel: Option<String>) -> Result<u8> {
    let (mut settings, warnings) = ctx.settings()?;
    if let Some(v) = kernel {
        settings.kernel = KernelChoice::Version(v);
    }
    for w in &warnings {
        println!("warning: {w}");
    }
    let where_ = if ctx.root.exists(&ctx.config) {
        ctx.config.clone()
    } else {
        format!("{} (absent: defaults apply)", ctx.config)
    };
    println!("config: {where_}: valid");
    let p = plan::make(&ctx.root, &settings, Vec::new())?;
    print!("{}", report::plan(&p));
    match p.failure() {
        Some(f) => Err(f.into()),
        None => Ok(0),
    }
}

fn cmd_list(ctx: &Ctx, json: bool) -> Result<u8> {
    let (settings, _) = ctx.settings()?;
    let (menu, scanned) = plan::entries(&ctx.root, &settings)?;
    let running = system::running_version(&ctx.root);
    let chosen = match &settings.kernel {
        KernelChoice::Path(_) => None,
        choice => select::select(menu.as_ref(), &scanned, choice, running.as_deref())
            .ok()
            .map(|c| c.entry),
    };
    if json {
        let default = menu.as_ref().and_then(|m| match &m.default {
            crate::entry::DefaultEntry::Index(i, _) => m.entries.get(*i).cloned(),
            crate::entry::DefaultEntry::Unresolved(_) => None,
        });
        let rows: Vec<serde_json::Value> = menu
            .iter()
            .flat_map(|m| m.entries.iter())
            .chain(scanned.iter())
            .map(|e| {
                serde_json::json!({
                    "entry": e,
                    "default": Some(e) == default.as_ref(),
                    "chosen": Some(e) == chosen.as_ref(),
                })
            })
            .collect();
        print_json(&rows)?;
    } else {
        print!("{}", report::list(menu.as_ref(), &scanned, chosen.as_ref()));
    }
    Ok(0)
}

/// How long a command other than `load` waits for another one's lock.
const LOCK_WAIT: Duration = Duration::from_secs(30);

/// `unload`; with `--ours` (the rc script, after a load that failed or died) only an image
/// that is ours, so that an operator's manual load stays.
fn cmd_unload(ctx: &Ctx, ours: bool) -> Result<u8> {
    if !ctx.can_act() {
        bail!(
            "unloading is refused with --root {}: it acts on this machine's kernel",
            ctx.root.base().display()
        );
    }
    ctx.lock(LOCK_WAIT)?;
    let (settings, _) = ctx.settings().unwrap_or_default();
    let mut log = ctx.log();
    let loaded = system::kexec_loaded(&ctx.root) == Some(true);
    if ours && loaded && !stage::staged_is_ours(ctx) {
        if !ctx.quiet {
            println!("kept the kernel that was loaded by hand: it is not ours");
        }
        return Ok(0);
    }
    if loaded {
        load::unload(&ctx.root, &settings, ctx.target)?;
        log.notice("unloaded the staged kernel");
    } else if !ctx.quiet {
        println!("nothing staged");
    }
    state::clear(&ctx.root)?;
    state::clear_loading(&ctx.root)?;
    confirm::clear_pending(&ctx.root)?;
    Ok(0)
}

fn cmd_confirm(ctx: &Ctx) -> Result<u8> {
    if !ctx.can_act() {
        bail!(
            "confirm is refused with --root {}: it records this machine's boot",
            ctx.root.base().display()
        );
    }
    ctx.lock(LOCK_WAIT)?;
    let mut log = ctx.log();
    let outcome = confirm::confirm(&ctx.root);
    match &outcome {
        Ok(confirm::Outcome::Nothing) => {}
        Ok(confirm::Outcome::Confirmed(s)) => log.notice(&format!(
            "confirmed the kexec boot into {} ({})",
            s.version.as_deref().unwrap_or(&s.kernel),
            s.why
        )),
        Ok(confirm::Outcome::Unconfirmed(u)) => log.warning(&format!(
            "{}; kexec reboots stay off until an administrator runs `kexec-reboot status --clear` (unless KEXEC_REQUIRE_CONFIRM=no)",
            u.describe()
        )),
        Ok(confirm::Outcome::Damaged(why)) => log.warning(&format!(
            "the record of the last kexec boot is damaged ({why}), so it counts as unconfirmed; kexec reboots stay off until an administrator runs `kexec-reboot status --clear` (unless KEXEC_REQUIRE_CONFIRM=no)"
        )),
        Err(e) => log.warning(&format!("confirming the last kexec boot: {e:#}")),
    }
    let came = outcome.as_ref().ok().and_then(confirm::Outcome::came);
    // What follows the proof, each one call into its own module, in this order.
    // Once per boot: a second `confirm` (`service kexec restart`, the package's condrestart)
    // must not take an operator's manual load, made since, for one staged at boot.
    if state::read_boot(&ctx.root).is_some() {
        return Ok(0);
    }
    let loaded_at_start = system::kexec_loaded(&ctx.root) == Some(true);
    state::write_boot(
        &ctx.root,
        &state::BootRecord {
            boot_id: system::boot_id(&ctx.root),
            loaded_at_start,
            time: state::now(),
            came,
        },
    )?;
    if loaded_at_start {
        log.notice("a kernel image was already staged at boot; it will be replaced at reboot");
    }
    Ok(0)
}

fn cmd_status(ctx: &Ctx, json: bool, clear: bool) -> Result<u8> {
    if clear {
        ctx.lock(LOCK_WAIT)?;
        if let Some(u) = confirm::read_unconfirmed(&ctx.root) {
            confirm::clear_unconfirmed(&ctx.root)?;
            ctx.log().notice(&format!(
                "cleared by an administrator: {}; kexec reboots are on again",
                u.describe()
            ));
        } else if !ctx.quiet {
            println!("nothing to clear: no unconfirmed kexec boot on record");
        }
    }
    let unconfirmed = confirm::read_unconfirmed(&ctx.root);
    let loaded = system::kexec_loaded(&ctx.root);
    let ours = state::read(&ctx.root);
    let next = state::read_next(&ctx.root);
    let (code, words) = match (loaded, &ours) {
        (None, _) => (3, "kexec is not available in this kernel (no /sys/kernel/kexec_loaded)".to_string()),
        // The normal state between reboots: a healthy machine (exit 0).
        (Some(false), _) => (0, "nothing staged: a reboot now goes through the firmware".to_string()),
        (Some(true), Some(s)) => (
            0,
            format!(
                "staged {} by kexec-reboot ({}) with {}\n  kernel:  {}\n  initrd:  {}\n  cmdline: {}",
                s.version.as_deref().unwrap_or(&s.kernel),
                s.why,
                s.method,
                s.kernel,
                if s.initrds.is_empty() { "(none)".to_string() } else { s.initrds.join(" + ") },
                s.cmdline
            ),
        ),
        (Some(true), None) => (0, "a kernel is staged that kexec-reboot did not load (a manual `kexec -l`?)".to_string()),
    };
    if json {
        print_json(&serde_json::json!({
            "loaded": loaded,
            "ours": ours.is_some(),
            "staged": ours,
            "next": next,
            "unconfirmed": unconfirmed,
            "confirmed": state::read_confirmed(&ctx.root),
            "boot": state::read_boot(&ctx.root),
        }))?;
    } else {
        println!("{words}");
        if let Some(u) = &unconfirmed {
            println!(
                "kexec reboots are OFF: {}; once the cause is fixed, run `kexec-reboot status --clear`",
                u.describe()
            );
        }
        if let Some(n) = &next {
            match (&n.kernel, n.firmware) {
                (_, true) => println!("the next reboot goes through the firmware once (kexec-reboot reboot --firmware)"),
                (Some(v), _) => println!("the next reboot boots {v} once (kexec-reboot reboot --kernel)"),
                _ => {}
            }
        }
    }
    Ok(code)
}

fn cmd_reboot(
    ctx: &Ctx,
    firmware_ok: bool,
    firmware: bool,
    kernel: Option<String>,
    dry_run: bool,
) -> Result<u8> {
    if !ctx.can_act() && !dry_run {
        bail!(
            "rebooting is refused with --root {}; add --dry-run",
            ctx.root.base().display()
        );
    }
    if !dry_run {
        ctx.lock(LOCK_WAIT)?;
    }
    let boot_id = system::boot_id(&ctx.root);
    if firmware {
        if !dry_run {
            let (settings, _) = ctx.settings().unwrap_or_default();
            state::write_next(
                &ctx.root,
                &Next {
                    boot_id,
                    kernel: None,
                    firmware: true,
                    config: None,
                },
            )?;
            if !stage::unload_ours(ctx, &settings, &mut ctx.log()) {
                bail!("could not unload the staged kernel; not rebooting");
            }
        }
        return shutdown(ctx, dry_run);
    }
    // A one-time kernel or config file (`--config FILE reboot`) must hold for the rc
    // script's load at shutdown too.
    let one_shot_config = (ctx.config != config::DEFAULT_PATH).then(|| ctx.config.clone());
    if (kernel.is_some() || one_shot_config.is_some()) && !dry_run {
        state::write_next(
            &ctx.root,
            &Next {
                boot_id,
                kernel: kernel.clone(),
                firmware: false,
                config: one_shot_config.clone(),
            },
        )?;
    }
    match stage::cmd_load(ctx, Some("kexec-reboot reboot"), dry_run, kernel.as_deref()) {
        Ok(_) => shutdown(ctx, dry_run),
        Err(e) if firmware_ok => {
            eprintln!("kexec-reboot: error: {e:#}");
            eprintln!("kexec-reboot: rebooting through the firmware (--firmware-ok)");
            shutdown(ctx, dry_run)
        }
        Err(e) => {
            if (kernel.is_some() || one_shot_config.is_some()) && !dry_run {
                let _ = state::clear_next(&ctx.root);
            }
            Err(failure::with_suffix(
                e,
                "not rebooting (add --firmware-ok to reboot through the firmware anyway)",
            ))
        }
    }
}

fn shutdown(ctx: &Ctx, dry_run: bool) -> Result<u8> {
    if dry_run || ctx.target.is_fake() {
        if !ctx.quiet {
            println!("dry run: would run shutdown -r now");
        }
        return Ok(0);
    }
    let status = Process::new("/sbin/shutdown")
        .args(["-r", "now"])
        .status()
        .context("running /sbin/shutdown -r now")?;
    if !status.success() {
        bail!("/sbin/shutdown -r now failed ({status})");
    }
    Ok(0)
}

/// `--generate man|complete-bash`: the man page or completion from the clap definitions.
fn generate(what: Generate) -> Result<u8> {
    let mut cmd = Cli::command();
    let mut out = std::io::stdout().lock();
    match what {
        Generate::Man => crate::manpage::render(&mut out)?,
        Generate::CompleteBash => {
            clap_complete::generate(
                clap_complete::Shell::Bash,
                &mut cmd,
                "kexec-reboot",
                &mut out,
            );
        }
    }
    out.flush().context("writing to stdout")?;
    Ok(0)
}
