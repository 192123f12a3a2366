//! GRUB 2 `grub.cfg` (+ `grubenv`), as grub2-mkconfig writes it on CentOS/RHEL 7 and later.
//!
//! `grub.cfg` is a script, so it is run, not pattern-matched: top-level `set`, `load_env`,
//! `if [ … ]` (the `next_entry`/`saved_entry` logic of 00_header) are evaluated in order, with
//! GRUB's feature variables set as a modern GRUB sets them. Conditions we cannot evaluate run
//! both ways: variables that then differ become "unknown", entries inside are "uncertain", and
//! a default that depends on either is unresolved rather than guessed.
//!
//! Entries run after the whole file (as at boot): `menuentry` bodies see the final variables;
//! `submenu` bodies are run then too, their entries flattened in place; `blscfg` splices in the
//! BLS entries at its position. A `default` of `N`, a title, an `--id`, or a `1>0`-style path
//! picks the entry.
//!
//! The parts: [`run`] runs the file's top level, [`cond`] evaluates its conditions, [`entry`]
//! runs the entries and builds the menu; this file reads the files and picks the default.

mod cond;
mod entry;
mod run;

use std::collections::BTreeSet;

use anyhow::Result;

use crate::entry::{BootMenu, DefaultEntry, Source, Warning};
use crate::failure::{Failure, Kind};
use crate::root::{SysRoot, MAX_SMALL};

use super::bls;
use super::efi_vendor;
use super::grub_vars;
use super::grubenv;
use super::menu_tree::{resolve_default, FELL_BACK};
use super::script::{self, Env};
use entry::build;
pub use run::Context;
use run::Runner;

/// The BIOS (and RHEL 9 EFI) location.
pub const BIOS_CFG: &str = "/boot/grub2/grub.cfg";
/// Where the EFI vendor directories are.
pub const EFI_DIR: &str = "/boot/efi/EFI";

/// Runs `grub.cfg` text.
pub fn parse(text: &str, ctx: &Context) -> BootMenu {
    let (cmds, problems) = script::parse(text);
    let mut r = Runner {
        ctx,
        warnings: problems
            .into_iter()
            .map(|p| Warning::at(ctx.file, p.line, p.message))
            .collect(),
        unevaluated: BTreeSet::new(),
    };
    let mut env = Env::default();
    grub_vars::seed(&mut env, &r.prefix(), ctx.platform);

    let mut items = Vec::new();
    r.run(&cmds, &mut env, &mut items, false, 0);
    let mut entries = Vec::new();
    let nodes = build(&mut r, items, &env, &mut entries, 0);

    let default = match env.vars.get("default") {
        Some(None) => resolve_default(&nodes, None, "default", ctx.file),
        Some(Some(v)) if !v.is_empty() => {
            let from = ["next_entry", "saved_entry"]
                .into_iter()
                .find(|k| ctx.grubenv.and_then(|g| g.get(k)) == Some(v.as_str()));
            let how = match from {
                Some(k) => format!("{k}={v}"),
                None => format!("default={v}"),
            };
            resolve_default(&nodes, Some(v), &how, ctx.file)
        }
        _ => resolve_default(&nodes, Some(""), "default unset: first entry", ctx.file),
    };
    let mut warnings = r.warnings;
    if let DefaultEntry::Index(_, how) = &default {
        if how.contains(FELL_BACK) {
            warnings.push(Warning::file(
                ctx.file,
                format!("{how}; pick the entry you want with grub2-set-default"),
            ));
        }
    }
    if let DefaultEntry::Unresolved(w) = &default {
        if !r.unevaluated.is_empty() && w.message.contains("cannot evaluate") {
            let lines: Vec<String> = r.unevaluated.iter().map(usize::to_string).collect();
            warnings.push(Warning::file(
                ctx.file,
                format!("conditions not evaluated at lines {}", lines.join(", ")),
            ));
        }
    }
    BootMenu {
        source: Source::Grub2,
        config_file: ctx.file.to_string(),
        entries,
        default,
        warnings,
    }
}

/// The grub.cfg files that could be this system's, in the order to try them, and a note on
/// the EFI vendor directory chosen. Of several EFI vendor directories with a grub.cfg, only
/// the one the firmware's boot entry lies in ([`efi_vendor::choose`]); when that cannot be
/// told, a refusal naming the files (a stale `centos/` after a migration must not win).
fn candidates(root: &SysRoot) -> Result<(Vec<String>, Option<Warning>)> {
    let mut efi: Vec<String> = root
        .read_dir_names(EFI_DIR)
        .unwrap_or_default()
        .into_iter()
        .map(|d| format!("{EFI_DIR}/{d}/grub.cfg"))
        .filter(|f| root.exists(f))
        .collect();
    let mut note = None;
    if efi.len() > 1 {
        match efi_vendor::choose(root, &efi) {
            Ok((file, why)) => {
                let others: Vec<&String> = efi.iter().filter(|f| **f != file).collect();
                let others: Vec<&str> = others.iter().map(|f| f.as_str()).collect();
                note = Some(Warning::file(
                    &file,
                    format!("used: {why}; not used: {}", others.join(", ")),
                ));
                efi = vec![file];
            }
            Err(why) => {
                return Err(Failure::new(
                    Kind::NoKernel,
                    format!("{}: more than one EFI vendor directory has a grub.cfg, and {why}; remove the one the firmware does not boot (after a migration, the old distribution's), or point the firmware's boot entry at the right one (efibootmgr)", efi.join(", ")),
                )
                .into())
            }
        }
    }
    if root.is_dir("/sys/firmware/efi") {
        efi.push(BIOS_CFG.to_string());
        Ok((efi, note))
    } else {
        let mut out = vec![BIOS_CFG.to_string()];
        out.append(&mut efi);
        Ok((out, note))
    }
}

/// The files looked for, for an error message.
pub fn looked_for(root: &SysRoot) -> String {
    let _ = root;
    format!("{BIOS_CFG}, {EFI_DIR}/*/grub.cfg")
}

/// Reads the system's grub.cfg (and grubenv, and BLS entries when it runs `blscfg`).
pub fn read(root: &SysRoot) -> Result<Option<BootMenu>> {
    let (candidates, vendor_note) = candidates(root)?;
    let found: Vec<String> = candidates
        .into_iter()
        // Anything there counts (a FIFO or a device is then refused by the read).
        .filter(|f| root.exists(f))
        .collect();
    let Some(mut file) = found.first().cloned() else {
        return Ok(None);
    };
    let mut text = root.read_to_string(&file)?;
    let mut extra: Vec<Warning> = vendor_note.into_iter().collect();
    // RHEL 9's EFI grub.cfg only finds /boot and runs `configfile $prefix/grub.cfg`.
    if file.starts_with(EFI_DIR)
        && text.contains("configfile")
        && !text.contains("menuentry")
        && !text.contains("blscfg")
        && root.is_file(BIOS_CFG)
    {
        file = BIOS_CFG.to_string();
        text = root.read_to_string(&file)?;
    } else if found.len() > 1 {
        extra.push(Warning::file(
            &file,
            format!("used; also found {}", found[1..].join(", ")),
        ));
    }
    let dir = &file[..file.rfind('/').unwrap_or(0)];
    let env_file = format!("{dir}/grubenv");
    let env = if root.exists(&env_file) {
        let (g, mut w) = grubenv::parse(&root.read_capped(&env_file, MAX_SMALL)?, &env_file);
        extra.append(&mut w);
        Some(g)
    } else {
        None
    };
    let (bls_entries, mut bls_warnings) = if text.contains("blscfg") {
        bls::load(root)?
    } else {
        (Vec::new(), Vec::new())
    };
    extra.append(&mut bls_warnings);
    let platform = if file.starts_with(EFI_DIR) || root.is_dir("/sys/firmware/efi") {
        Some("efi")
    } else if root.is_host() {
        Some("pc")
    } else {
        None
    };
    let exists = |p: &str| root.is_file(p);
    let ctx = Context {
        file: &file,
        grubenv: env.as_ref(),
        platform,
        exists: &exists,
        bls: &bls_entries,
    };
    let mut menu = parse(&text, &ctx);
    if let Some(w) = menu
        .warnings
        .iter()
        .find(|w| w.message.starts_with(script::TOO_DEEP))
    {
        // The rest of the file was not read: its entries and settings are unknown.
        return Err(Failure::new(
            Kind::NoKernel,
            format!(
                "{w}; grub2-mkconfig never writes this: regenerate it (grub2-mkconfig -o {file})"
            ),
        )
        .into());
    }
    extra.append(&mut menu.warnings);
    menu.warnings = extra;
    Ok(Some(menu))
}

#[cfg(test)]
mod tests;
