//! Running GRUB 2 menu entries: what a `menuentry` body loads (`linux*`, `initrd*`, or
//! another loader), with the variables at menu time, and the flattened entry list and menu tree
//! built from the top-level items (submenus run in place, `blscfg` spliced in).

use std::collections::BTreeSet;

use crate::entry::{BootEntry, Source, Warning};

use super::run::{title_and_id, Item, Runner};
use crate::bootloader::bls;
use crate::bootloader::menu_tree::Node;
use crate::bootloader::paths::{is_rescue, strip_device, version_from_kernel};
use crate::bootloader::script::{BlockKind, Cmd, Env, Expanded, MAX_DEPTH};

/// What running a menuentry body gives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct EntryRun {
    kernel: Option<(String, String)>,
    initrds: Vec<String>,
    other: Option<String>,
    uncertain: bool,
    unset: BTreeSet<String>,
    unknown: BTreeSet<String>,
}

impl EntryRun {
    fn take(&mut self, x: Expanded) -> Vec<String> {
        self.unset
            .extend(x.unset.into_iter().filter(|v| v != "root"));
        self.unknown
            .extend(x.unknown.into_iter().filter(|v| v != "root"));
        x.fields
    }

    fn same_outcome(&self, o: &EntryRun) -> bool {
        self.kernel == o.kernel && self.initrds == o.initrds && self.other == o.other
    }
}

fn run_entry(r: &mut Runner, cmds: &[Cmd], env: &mut Env, out: &mut EntryRun, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    for cmd in cmds {
        match cmd {
            Cmd::Simple { words, .. } => {
                let Some(first) = words.first() else { continue };
                if let Some((name, value)) = first.assignment() {
                    r.assign(&name, &value, env);
                    continue;
                }
                let f = out.take(env.expand(words));
                match f.first().map(String::as_str) {
                    Some("set") => {
                        for w in &words[1..] {
                            if let Some((name, value)) = w.assignment() {
                                r.assign(&name, &value, env);
                            }
                        }
                    }
                    Some("linux" | "linux16" | "linuxefi") => {
                        if let Some(path) = f.get(1) {
                            out.kernel = Some((
                                strip_device(path).to_string(),
                                crate::bootloader::script::join_cmdline(&f[2..]),
                            ));
                        }
                    }
                    Some("initrd" | "initrd16" | "initrdefi") => {
                        out.initrds = f[1..].iter().map(|p| strip_device(p).to_string()).collect();
                    }
                    Some(
                        c @ ("chainloader" | "multiboot" | "multiboot2" | "kfreebsd" | "knetbsd"
                        | "kopenbsd" | "appleloader" | "xnu_kernel" | "xnu_kernel64"
                        | "fwsetup" | "halt" | "reboot"),
                    ) => {
                        out.other = Some(c.to_string());
                    }
                    _ => {}
                }
            }
            Cmd::If {
                branches,
                otherwise,
                ..
            } => {
                let mut chosen: Option<&[Cmd]> = None;
                let mut unknown = false;
                for (cond, body) in branches {
                    match r.condition(cond, env) {
                        Some(true) => {
                            chosen = Some(body);
                            break;
                        }
                        Some(false) => {}
                        None => {
                            unknown = true;
                            break;
                        }
                    }
                }
                if unknown {
                    // Run every branch; if they disagree, keep the first and flag it.
                    let mut results = Vec::new();
                    for body in branches
                        .iter()
                        .map(|(_, b)| b.as_slice())
                        .chain(std::iter::once(otherwise.as_slice()))
                    {
                        let mut e = env.clone();
                        let mut o = out.clone();
                        run_entry(r, body, &mut e, &mut o, depth + 1);
                        results.push((e, o));
                    }
                    let agree = results.windows(2).all(|w| w[0].1.same_outcome(&w[1].1));
                    if let Some((e, mut o)) = results.into_iter().next() {
                        o.uncertain |= !agree;
                        *env = e;
                        *out = o;
                    }
                } else {
                    run_entry(r, chosen.unwrap_or(otherwise), env, out, depth + 1);
                }
            }
            Cmd::Block {
                kind: BlockKind::Group,
                body,
                ..
            } => run_entry(r, body, env, out, depth + 1),
            Cmd::Block { .. } => {}
        }
    }
}

/// Builds the flattened entries and the node tree from items, with `env` the variables at menu
/// time.
pub(super) fn build(
    r: &mut Runner,
    items: Vec<Item>,
    env: &Env,
    entries: &mut Vec<BootEntry>,
    depth: usize,
) -> Vec<Node> {
    let mut nodes = Vec::new();
    if depth > MAX_DEPTH {
        return nodes;
    }
    for item in items {
        match item {
            Item::Entry {
                words,
                body,
                line,
                uncertain,
            } => {
                let (title, id) = title_and_id(&words);
                let mut e = env.clone();
                let mut out = EntryRun::default();
                run_entry(r, &body, &mut e, &mut out, depth + 1);
                let index = entry_from_run(r, out, &title, id.as_deref(), line, entries);
                nodes.push(Node::entry(index, &title, id.as_deref(), uncertain));
            }
            Item::Submenu {
                words,
                body,
                uncertain,
            } => {
                let (title, id) = title_and_id(&words);
                let mut sub_env = env.clone();
                let mut sub_items = Vec::new();
                r.run(&body, &mut sub_env, &mut sub_items, uncertain, depth + 1);
                let children = build(r, sub_items, &sub_env, entries, depth + 1);
                nodes.push(Node::Submenu {
                    title,
                    id,
                    uncertain,
                    children,
                });
            }
            Item::Bls { uncertain } => {
                for b in r.ctx.bls {
                    let made = bls::to_boot_entry(b, env, &mut r.warnings);
                    let title = b.title.clone().unwrap_or_else(|| b.id.clone());
                    let index = made.map(|e| {
                        entries.push(e);
                        entries.len() - 1
                    });
                    nodes.push(Node::entry(index, &title, Some(&b.id), uncertain));
                }
            }
        }
    }
    nodes
}

fn entry_from_run(
    r: &mut Runner,
    out: EntryRun,
    title: &str,
    id: Option<&str>,
    line: usize,
    entries: &mut Vec<BootEntry>,
) -> Option<usize> {
    let file = r.ctx.file;
    let Some((kernel, args)) = out.kernel else {
        let what = match &out.other {
            Some(c) => format!("boots with `{c}`, not a Linux kernel"),
            None => "has no linux line".to_string(),
        };
        r.warnings.push(Warning::at(
            file,
            line,
            format!("entry \"{title}\" {what}; skipped"),
        ));
        return None;
    };
    if let Some(c) = &out.other {
        r.warnings.push(Warning::at(
            file,
            line,
            format!("entry \"{title}\" also runs `{c}`; kexec boots only its Linux kernel"),
        ));
    }
    for v in &out.unset {
        r.warnings.push(Warning::at(
            file,
            line,
            format!("entry \"{title}\" uses ${v}, which is not set in grubenv or grub.cfg; expanded as empty"),
        ));
    }
    for v in &out.unknown {
        r.warnings.push(Warning::at(
            file,
            line,
            format!("entry \"{title}\" uses ${v}, whose value depends on a condition we cannot evaluate; expanded as empty"),
        ));
    }
    if out.uncertain {
        r.warnings.push(Warning::at(
            file,
            line,
            format!("entry \"{title}\" loads different files depending on a condition we cannot evaluate; the first branch is shown"),
        ));
    }
    entries.push(BootEntry {
        title: title.to_string(),
        id: id.map(str::to_string),
        version: version_from_kernel(&kernel),
        rescue: is_rescue(title, &kernel, id),
        kernel,
        initrds: out.initrds,
        args,
        source: Source::Grub2,
        file: file.to_string(),
        line,
    });
    Some(entries.len() - 1)
}
