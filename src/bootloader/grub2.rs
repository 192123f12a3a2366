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

use crate::entry::{BootEntry, BootMenu, DefaultEntry, Source, Warning};
use crate::root::SysRoot;

use super::bls::{self, BlsEntry};
use super::grubenv::{self, Grubenv};
use super::script::{self, BlockKind, Cmd, Env, Expanded, MAX_DEPTH};
use super::{is_rescue, strip_device, version_from_kernel};

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

/// A node of GRUB's menu tree, with the index of the entry we made from it (if any).
#[derive(Debug, Clone)]
pub enum Node {
    /// A bootable (or not) entry.
    Entry {
        /// Index into `BootMenu::entries`; `None` when we could not make an entry of it.
        index: Option<usize>,
        /// Title.
        title: String,
        /// `--id`.
        id: Option<String>,
        /// Defined under a condition we could not evaluate.
        uncertain: bool,
    },
    /// A submenu and its nodes.
    Submenu {
        /// Title.
        title: String,
        /// `--id`.
        id: Option<String>,
        /// Under an unevaluated condition.
        uncertain: bool,
        /// Its nodes.
        children: Vec<Node>,
    },
}

impl Node {
    /// An entry node.
    pub fn entry(index: Option<usize>, title: &str, id: Option<&str>, uncertain: bool) -> Node {
        Node::Entry {
            index,
            title: title.to_string(),
            id: id.map(str::to_string),
            uncertain,
        }
    }

    fn names(&self) -> (&str, Option<&str>, bool) {
        match self {
            Node::Entry {
                title,
                id,
                uncertain,
                ..
            }
            | Node::Submenu {
                title,
                id,
                uncertain,
                ..
            } => (title, id.as_deref(), *uncertain),
        }
    }
}

/// Splits a default on `>` (a doubled `>>` is a literal `>`, as GRUB's menuentry_eq has it).
fn split_path(spec: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '>' {
            if chars.peek() == Some(&'>') {
                chars.next();
                if let Some(last) = parts.last_mut() {
                    last.push('>');
                }
            } else {
                parts.push(String::new());
            }
        } else if let Some(last) = parts.last_mut() {
            last.push(c);
        }
    }
    parts
}

/// Which entry a GRUB `default` value picks. `value` `None` means unknown; `""` means unset
/// (the first entry). `how` describes the value for messages; `file` is blamed.
pub fn resolve_default(nodes: &[Node], value: Option<&str>, how: &str, file: &str) -> DefaultEntry {
    let fail = |msg: String| DefaultEntry::Unresolved(Warning::file(file, msg));
    let Some(value) = value else {
        return fail(format!(
            "the default entry depends on a condition in {file} we cannot evaluate; \
             set KEXEC_KERNEL to name the kernel"
        ));
    };
    let parts = if value.is_empty() {
        vec!["0".to_string()]
    } else {
        split_path(value)
    };
    let mut level = nodes;
    let last = parts.len() - 1;
    for (depth, part) in parts.iter().enumerate() {
        // RHEL's GRUB tries ids, then titles, then a number (strtoul: leading digits count);
        // upstream tries the number first, which misreads ids that start with a digit
        // (machine-ids in BLS ids do).
        let by_name = level
            .iter()
            .position(|n| n.names().1 == Some(part.as_str()))
            .or_else(|| level.iter().position(|n| n.names().0 == part));
        let digits: String = part
            .trim_start()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let by_number = by_name.is_none() && !digits.is_empty();
        let found = by_name.or_else(|| digits.parse::<usize>().ok().filter(|&k| k < level.len()));
        let Some(k) = found else {
            return fail(format!(
                "{how} names no entry (GRUB would boot the first one); \
                 pick one with grub2-set-default"
            ));
        };
        let node_uncertain = level[..=k].iter().any(|n| n.names().2);
        if (!by_number && level[k].names().2) || (by_number && node_uncertain) {
            return fail(format!(
                "{how} picks an entry defined under a condition we cannot evaluate; \
                 set KEXEC_KERNEL to name the kernel"
            ));
        }
        match &level[k] {
            Node::Entry { index, title, .. } if depth == last => {
                return match index {
                    Some(i) => DefaultEntry::Index(*i, how.to_string()),
                    None => fail(format!(
                        "{how} picks \"{title}\", which is not a Linux entry we can load; \
                         pick another with grub2-set-default"
                    )),
                };
            }
            Node::Entry { title, .. } => {
                return fail(format!("{how}: \"{title}\" is an entry, not a submenu"));
            }
            Node::Submenu {
                children, title, ..
            } => {
                if depth == last {
                    return fail(format!(
                        "{how} picks the submenu \"{title}\", not an entry; \
                         use a path such as \"1>0\" with grub2-set-default"
                    ));
                }
                level = children;
            }
        }
    }
    fail(format!("{how} names no entry"))
}

/// Top-level items, before the entries are run.
#[derive(Debug, Clone)]
enum Item {
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
fn title_and_id(words: &[String]) -> (String, Option<String>) {
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

struct Runner<'a, 'c> {
    ctx: &'a Context<'c>,
    warnings: Vec<Warning>,
    unevaluated: BTreeSet<usize>,
}

/// The value of a `[ … ]`/`test` expression, `None` when we cannot tell.
fn test(args: &[String], ctx: &Context, prefix: &str) -> Option<bool> {
    let file_test = |p: &str| -> Option<bool> {
        let p = strip_device(p);
        if p.starts_with(prefix) && p.len() > prefix.len() {
            Some((ctx.exists)(p))
        } else {
            None
        }
    };
    // `-o` binds looser than `-a`; both are three-valued (unknown stays unknown unless the
    // other side decides).
    if let Some(pos) = args.iter().position(|a| a == "-o") {
        let (l, r) = (
            test(&args[..pos], ctx, prefix),
            test(&args[pos + 1..], ctx, prefix),
        );
        return match (l, r) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        };
    }
    if let Some(pos) = args.iter().position(|a| a == "-a") {
        let (l, r) = (
            test(&args[..pos], ctx, prefix),
            test(&args[pos + 1..], ctx, prefix),
        );
        return match (l, r) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        };
    }
    match args {
        [] => Some(false),
        [not, rest @ ..] if not == "!" => test(rest, ctx, prefix).map(|b| !b),
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
    fn condition(&mut self, cmds: &[Cmd], env: &Env) -> Option<bool> {
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
    fn run(
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

    #[allow(clippy::too_many_arguments)]
    fn run_if(
        &mut self,
        branches: &[(Vec<Cmd>, Vec<Cmd>)],
        otherwise: &[Cmd],
        line: usize,
        env: &mut Env,
        items: &mut Vec<Item>,
        uncertain: bool,
        depth: usize,
    ) {
        let Some(((cond, body), rest)) = branches.split_first() else {
            self.run(otherwise, env, items, uncertain, depth + 1);
            return;
        };
        match self.condition(cond, env) {
            Some(true) => self.run(body, env, items, uncertain, depth + 1),
            Some(false) => self.run_if(rest, otherwise, line, env, items, uncertain, depth + 1),
            None => {
                self.unevaluated.insert(line);
                let mut a = env.clone();
                let mut b = env.clone();
                self.run(body, &mut a, items, true, depth + 1);
                self.run_if(rest, otherwise, line, &mut b, items, true, depth + 1);
                *env = Env::merge(a, &b);
            }
        }
    }

    fn assign(&mut self, name: &str, value: &script::Word, env: &mut Env) {
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
                            out.kernel = Some((strip_device(path).to_string(), f[2..].join(" ")));
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
fn build(
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
    let prefix = r.prefix();
    env.set("prefix", &prefix);
    env.set("config_directory", &prefix);
    for f in [
        "feature_menuentry_id",
        "feature_default_font_path",
        "feature_all_video_module",
        "feature_timeout_style",
        "feature_platform_search_hint",
        "feature_nativedisk_cmd",
        "feature_200_final",
    ] {
        env.set(f, "y");
    }
    env.vars
        .insert("grub_platform".into(), ctx.platform.map(str::to_string));
    env.vars.insert("grub_cpu".into(), None);
    env.vars.insert("root".into(), None);
    env.vars.insert("cmdpath".into(), None);

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

/// The grub.cfg files that could be this system's, in the order to try them.
fn candidates(root: &SysRoot) -> Vec<String> {
    let mut efi: Vec<String> = root
        .read_dir_names(EFI_DIR)
        .unwrap_or_default()
        .into_iter()
        .map(|d| format!("{EFI_DIR}/{d}/grub.cfg"))
        .collect();
    if root.is_dir("/sys/firmware/efi") {
        efi.push(BIOS_CFG.to_string());
        efi
    } else {
        let mut out = vec![BIOS_CFG.to_string()];
        out.append(&mut efi);
        out
    }
}

/// The files looked for, for an error message.
pub fn looked_for(root: &SysRoot) -> String {
    let _ = root;
    format!("{BIOS_CFG}, {EFI_DIR}/*/grub.cfg")
}

/// Reads the system's grub.cfg (and grubenv, and BLS entries when it runs `blscfg`).
pub fn read(root: &SysRoot) -> Result<Option<BootMenu>> {
    let found: Vec<String> = candidates(root)
        .into_iter()
        .filter(|f| root.is_file(f))
        .collect();
    let Some(mut file) = found.first().cloned() else {
        return Ok(None);
    };
    let mut text = root.read_to_string(&file)?;
    let mut extra = Vec::new();
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
    let env = if root.is_file(&env_file) {
        let (g, mut w) = grubenv::parse(&root.read(&env_file)?, &env_file);
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
    extra.append(&mut menu.warnings);
    menu.warnings = extra;
    Ok(Some(menu))
}

#[cfg(test)]
#[path = "grub2_tests.rs"]
mod tests;
