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

use std::collections::BTreeSet;

use anyhow::Result;

use crate::entry::{BootMenu, DefaultEntry, Source, Warning};
use crate::failure::{Failure, Kind};
use crate::root::{SysRoot, MAX_SMALL};

use super::bls::{self, BlsEntry};
use super::efi_vendor;
use super::grub2_entry::build;
use super::grub_vars;
use super::grubenv::{self, Grubenv};
use super::menu_tree::resolve_default;
use super::script::{self, BlockKind, Cmd, Env, MAX_DEPTH};
use super::strip_device;

/// The BIOS (and RHEL 9 EFI) location.
pub const BIOS_CFG: &str = "/boot/grub2/grub.cfg";
/// Where the EFI vendor directories are.
pub const EFI_DIR: &str = "/boot/efi/EFI";

/// What the parser needs to know about the system.
pub struct Context<'a> {
    /// System path of grub.cfg.
    pub file: &'a str,
    /// The grubenv `load_env` reads (`None` when there is none).
    pub grubenv: Option<&'a Grubenv>,
    /// `grub_platform` (`pc`, `efi`) when known.
    pub platform: Option<&'a str>,
    /// Whether a system path exists (for `[ -f … ]`).
    pub exists: &'a dyn Fn(&str) -> bool,
    /// BLS entries, sorted, for `blscfg`.
    pub bls: &'a [BlsEntry],
}

/// Top-level items, before the entries are run.
#[derive(Debug, Clone)]
pub(super) enum Item {
    Entry {
        words: Vec<String>,
        body: Vec<Cmd>,
        line: usize,
        uncertain: bool,
    },
    Submenu {
        words: Vec<String>,
        body: Vec<Cmd>,
        uncertain: bool,
    },
    Bls {
        uncertain: bool,
    },
}

/// Title and `--id` from the words after `menuentry`/`submenu`.
pub(super) fn title_and_id(words: &[String]) -> (String, Option<String>) {
    let mut title = None;
    let mut id = None;
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        if let Some(v) = w.strip_prefix("--id=") {
            id = Some(v.to_string());
        } else if w == "--id" {
            id = words.get(i + 1).cloned();
            i += 1;
        } else if ["--class", "--users", "--hotkey", "--source"].contains(&w.as_str()) {
            i += 1;
        } else if w.starts_with("--") {
        } else if title.is_none() {
            title = Some(w.clone());
        }
        i += 1;
    }
    (title.unwrap_or_default(), id)
}

/// Runs grub.cfg commands, collecting warnings.
pub(super) struct Runner<'a, 'c> {
    pub(super) ctx: &'a Context<'c>,
    pub(super) warnings: Vec<Warning>,
    unevaluated: BTreeSet<usize>,
}

/// The value of a `[ … ]`/`test` expression, `None` when we cannot tell.
///
/// Evaluated without recursion, so no input can exhaust the stack: `-o` binds looser than
/// `-a`, both three-valued (unknown stays unknown unless another operand decides), and a run
/// of leading `!` inverts once per `!`.
fn test(args: &[String], ctx: &Context, prefix: &str) -> Option<bool> {
    let mut any = Some(false);
    for group in args.split(|a| a == "-o") {
        let mut all = Some(true);
        for operand in group.split(|a| a == "-a") {
            match (all, operand_value(operand, ctx, prefix)) {
                (_, Some(false)) => {
                    all = Some(false);
                    break;
                }
                (Some(true), None) => all = None,
                _ => {}
            }
        }
        match (any, all) {
            (_, Some(true)) => return Some(true),
            (Some(false), None) => any = None,
            _ => {}
        }
    }
    any
}

/// One operand of `test`: leading `!`s, then a unary or binary test (or a lone string).
fn operand_value(args: &[String], ctx: &Context, prefix: &str) -> Option<bool> {
    let nots = args.iter().take_while(|a| *a == "!").count();
    let value = primary(&args[nots..], ctx, prefix)?;
    Some(value ^ (nots % 2 == 1))
}

/// A test without `!`, `-a` or `-o`.
fn primary(args: &[String], ctx: &Context, prefix: &str) -> Option<bool> {
    let file_test = |p: &str| -> Option<bool> {
        let p = strip_device(p);
        if p.starts_with(prefix) && p.len() > prefix.len() {
            Some((ctx.exists)(p))
        } else {
            None
        }
    };
    match args {
        [] => Some(false),
        [s] => Some(!s.is_empty()),
        [op, s] => match op.as_str() {
            "-z" => Some(s.is_empty()),
            "-n" => Some(!s.is_empty()),
            "-s" | "-f" | "-e" | "-d" => file_test(s),
            _ => None,
        },
        [a, op, b] => {
            let num = |x: &str| x.trim().parse::<i64>().ok();
            match op.as_str() {
                "=" | "==" => Some(a == b),
                "!=" => Some(a != b),
                "-eq" => Some(num(a)? == num(b)?),
                "-ne" => Some(num(a)? != num(b)?),
                "-lt" => Some(num(a)? < num(b)?),
                "-le" => Some(num(a)? <= num(b)?),
                "-gt" => Some(num(a)? > num(b)?),
                "-ge" => Some(num(a)? >= num(b)?),
                _ => None,
            }
        }
        _ => None,
    }
}

impl Runner<'_, '_> {
    fn prefix(&self) -> String {
        match self.ctx.file.rfind('/') {
            Some(0) | None => "/".to_string(),
            Some(i) => self.ctx.file[..i].to_string(),
        }
    }

    /// The value of an `if` condition list.
    pub(super) fn condition(&mut self, cmds: &[Cmd], env: &Env) -> Option<bool> {
        let Some(Cmd::Simple { words, .. }) = cmds.last() else {
            return None;
        };
        let x = env.expand(words);
        if !x.unknown.is_empty() {
            return None;
        }
        let f = x.fields;
        match f.first().map(String::as_str) {
            Some("[") if f.last().map(String::as_str) == Some("]") && f.len() >= 2 => {
                test(&f[1..f.len() - 1], self.ctx, &self.prefix())
            }
            Some("test") => test(&f[1..], self.ctx, &self.prefix()),
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => None,
        }
    }

    /// Runs top-level commands (or a submenu body), collecting menu items.
    pub(super) fn run(
        &mut self,
        cmds: &[Cmd],
        env: &mut Env,
        items: &mut Vec<Item>,
        uncertain: bool,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        for cmd in cmds {
            match cmd {
                Cmd::Simple { words, line } => self.simple(words, *line, env, items, uncertain),
                Cmd::If {
                    branches,
                    otherwise,
                    line,
                } => self.run_if(branches, otherwise, *line, env, items, uncertain, depth),
                Cmd::Block {
                    kind,
                    words,
                    body,
                    line,
                } => match kind {
                    BlockKind::Menuentry => items.push(Item::Entry {
                        words: env.expand(words).fields,
                        body: body.clone(),
                        line: *line,
                        uncertain,
                    }),
                    BlockKind::Submenu => items.push(Item::Submenu {
                        words: env.expand(words).fields,
                        body: body.clone(),
                        uncertain,
                    }),
                    BlockKind::Group => self.run(body, env, items, uncertain, depth + 1),
                    BlockKind::Function => {}
                    BlockKind::Loop => {
                        if !body.is_empty() {
                            self.warnings.push(Warning::at(
                                self.ctx.file,
                                *line,
                                "loop not evaluated; entries or settings inside it are ignored",
                            ));
                        }
                    }
                },
            }
        }
    }

    /// An `if`/`elif`/`else` chain, branch by branch (a loop, not a recursion per `elif`).
    /// A condition we cannot evaluate runs its body on a copy of the variables and goes on
    /// to the next branch; the copies are merged at the end.
    #[allow(clippy::too_many_arguments)]
    fn run_if(
        &mut self,
        branches: &[(Vec<Cmd>, Vec<Cmd>)],
        otherwise: &[Cmd],
        line: usize,
        env: &mut Env,
        items: &mut Vec<Item>,
        mut uncertain: bool,
        depth: usize,
    ) {
        let mut forks = Vec::new();
        let mut taken = false;
        for (cond, body) in branches {
            match self.condition(cond, env) {
                Some(true) => {
                    self.run(body, env, items, uncertain, depth + 1);
                    taken = true;
                    break;
                }
                Some(false) => {}
                None => {
                    self.unevaluated.insert(line);
                    let mut a = env.clone();
                    self.run(body, &mut a, items, true, depth + 1);
                    forks.push(a);
                    uncertain = true;
                }
            }
        }
        if !taken {
            self.run(otherwise, env, items, uncertain, depth + 1);
        }
        for a in forks.into_iter().rev() {
            *env = Env::merge(a, env);
        }
    }

    pub(super) fn assign(&mut self, name: &str, value: &script::Word, env: &mut Env) {
        let x = env.expand_joined(value);
        if x.unknown.is_empty() {
            env.set(name, x.fields.first().map_or("", String::as_str));
        } else {
            env.vars.insert(name.to_string(), None);
        }
    }

    fn simple(
        &mut self,
        words: &[script::Word],
        line: usize,
        env: &mut Env,
        items: &mut Vec<Item>,
        uncertain: bool,
    ) {
        let Some(first) = words.first() else { return };
        if let Some((name, value)) = first.assignment() {
            self.assign(&name, &value, env);
            return;
        }
        let cmd = env.expand(std::slice::from_ref(first)).fields;
        match cmd.first().map(String::as_str) {
            Some("set") => {
                for w in &words[1..] {
                    if let Some((name, value)) = w.assignment() {
                        self.assign(&name, &value, env);
                    }
                }
            }
            Some("unset") => {
                for name in env.expand(&words[1..]).fields {
                    env.vars.remove(&name);
                }
            }
            Some("load_env") => {
                let args = env.expand(&words[1..]).fields;
                let mut names = Vec::new();
                let mut i = 0;
                while i < args.len() {
                    match args[i].as_str() {
                        "-f" | "--file" => i += 1,
                        a if a.starts_with('-') => {}
                        a => names.push(a.to_string()),
                    }
                    i += 1;
                }
                if let Some(g) = self.ctx.grubenv {
                    for (k, v) in &g.vars {
                        if names.is_empty() || names.contains(k) {
                            if uncertain {
                                env.vars.insert(k.clone(), None);
                            } else {
                                env.set(k, v);
                            }
                        }
                    }
                }
            }
            Some("blscfg") => items.push(Item::Bls { uncertain }),
            Some(c @ ("source" | "configfile" | ".")) => self.warnings.push(Warning::at(
                self.ctx.file,
                line,
                format!("`{c}` is not followed; entries in that file are not seen"),
            )),
            _ => {}
        }
    }
}

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
        if how.contains(super::menu_tree::FELL_BACK) {
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
#[path = "grub2_tests.rs"]
mod tests;
