//! Running grub.cfg as GRUB does: top-level `set`, `load_env`, `if` chains (conditions we
//! cannot evaluate run both ways), `menuentry`/`submenu` blocks collected as items for
//! the entry runner (entry.rs) to run after the whole file, `blscfg` marking where the BLS entries go.

use std::collections::BTreeSet;

use crate::entry::Warning;

use super::cond;
use crate::bootloader::bls::BlsEntry;
use crate::bootloader::grubenv::Grubenv;
use crate::bootloader::script::{self, BlockKind, Cmd, Env, MAX_DEPTH};

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
    pub(super) unevaluated: BTreeSet<usize>,
}

impl Runner<'_, '_> {
    pub(super) fn prefix(&self) -> String {
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
                cond::test(&f[1..f.len() - 1], self.ctx.exists, &self.prefix())
            }
            Some("test") => cond::test(&f[1..], self.ctx.exists, &self.prefix()),
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
