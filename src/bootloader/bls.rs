//! Boot Loader Specification entries (`/boot/loader/entries/*.conf`), as Fedora, RHEL 8+ and
//! CentOS Stream write them with kernel-install, and as GRUB 2's `blscfg` command reads them.
//!
//! Each file is `key value` lines. `blscfg` sorts entries newest first: by `version` compared
//! as version-release with rpm's order, then by file name; values are expanded as GRUB words,
//! so `options $kernelopts $tuned_params` and `initrd … $tuned_initrd` take their values from
//! grubenv (or `grub.cfg`). The entry id is the file name without `.conf`.

use anyhow::{Context, Result};

use crate::entry::{BootEntry, BootMenu, Source, Warning};
use crate::root::{SysRoot, MAX_SMALL};
use crate::version::evr_cmp;

use super::grubenv::{self, Grubenv};
use super::menu_tree::{resolve_default, Node};
use super::paths::{is_rescue, version_from_kernel};
use super::script::Env;

/// Where the entries live.
pub const ENTRIES_DIR: &str = "/boot/loader/entries";

/// The grubenv read for `$kernelopts` when there is no `grub.cfg`.
pub const GRUBENV: &str = "/boot/grub2/grubenv";

/// Keys the specification, GRUB's `blscfg` and RHEL 8 (`id`) use.
const KNOWN: [&str; 15] = [
    "title",
    "id",
    "version",
    "machine-id",
    "sort-key",
    "linux",
    "initrd",
    "efi",
    "options",
    "devicetree",
    "devicetree-overlay",
    "architecture",
    "grub_users",
    "grub_class",
    "grub_arg",
];

/// One entry file, values as written (not yet expanded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlsEntry {
    /// File name without `.conf`.
    pub id: String,
    /// System path of the file.
    pub file: String,
    /// `title`.
    pub title: Option<String>,
    /// `version`.
    pub version: Option<String>,
    /// `linux`, with its line.
    pub linux: Option<(String, usize)>,
    /// Each `initrd` line.
    pub initrds: Vec<String>,
    /// Each `options` line.
    pub options: Vec<String>,
    /// The 1-based line of each `linux`, `initrd` and `options` value, for warnings about
    /// the variables they use.
    pub value_lines: Vec<(usize, String)>,
}

/// Parses one entry file.
pub fn parse(text: &str, file: &str, id: &str) -> (BlsEntry, Vec<Warning>) {
    let mut warnings = Vec::new();
    let mut e = BlsEntry {
        id: id.to_string(),
        file: file.to_string(),
        title: None,
        version: None,
        linux: None,
        initrds: Vec::new(),
        options: Vec::new(),
        value_lines: Vec::new(),
    };
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line
            .split_once(char::is_whitespace)
            .map_or((line, ""), |(k, v)| (k, v.trim()));
        if matches!(key, "linux" | "initrd" | "options") {
            e.value_lines.push((n, value.to_string()));
        }
        match key {
            "title" => e.title = Some(value.to_string()),
            "version" => e.version = Some(value.to_string()),
            "linux" => {
                if e.linux.is_some() {
                    warnings.push(Warning::at(
                        file,
                        n,
                        "second `linux` line; the last one counts",
                    ));
                }
                e.linux = Some((value.to_string(), n));
            }
            "initrd" => e.initrds.push(value.to_string()),
            "options" => e.options.push(value.to_string()),
            k if KNOWN.contains(&k) => {}
            k => warnings.push(Warning::at(file, n, format!("unknown key `{k}` ignored"))),
        }
    }
    (e, warnings)
}

/// Sorts entries as GRUB's `blscfg` shows them: newest version first, entries without a
/// version after those with one, ties by file name (also newest first).
pub fn sort(entries: &mut [BlsEntry]) {
    entries.sort_by(|a, b| {
        let by_version = match (&a.version, &b.version) {
            (Some(va), Some(vb)) => evr_cmp(vb, va),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        by_version.then_with(|| evr_cmp(&b.id, &a.id))
    });
}

/// Reads and sorts every `*.conf` under [`ENTRIES_DIR`]; empty when the directory is missing.
pub fn load(root: &SysRoot) -> Result<(Vec<BlsEntry>, Vec<Warning>)> {
    let mut entries = Vec::new();
    let mut warnings = Vec::new();
    if !root.is_dir(ENTRIES_DIR) {
        return Ok((entries, warnings));
    }
    for name in root.read_dir_names(ENTRIES_DIR)? {
        let Some(id) = name.strip_suffix(".conf") else {
            continue;
        };
        let file = format!("{ENTRIES_DIR}/{name}");
        if id.is_empty() || !root.is_file(&file) {
            continue;
        }
        let text = String::from_utf8_lossy(&root.read_capped(&file, MAX_SMALL)?).into_owned();
        let (e, mut w) = parse(&text, &file, id);
        entries.push(e);
        warnings.append(&mut w);
    }
    sort(&mut entries);
    Ok((entries, warnings))
}

/// The boot entry for `e`, values expanded with `env`; `None` (and a warning) when it has no
/// `linux` line.
pub fn to_boot_entry(e: &BlsEntry, env: &Env, warnings: &mut Vec<Warning>) -> Option<BootEntry> {
    let Some((linux, _)) = &e.linux else {
        warnings.push(Warning::file(
            &e.file,
            "has no `linux` line (an EFI-only entry?); GRUB cannot boot it; skipped",
        ));
        return None;
    };
    let mut unset: Vec<String> = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    let mut take = |x: super::script::Expanded| {
        unset.extend(x.unset);
        unknown.extend(x.unknown);
        x.fields
    };
    let kernel = take(env.expand_text(linux)).into_iter().next();
    let Some(kernel) = kernel.filter(|k| !k.is_empty()) else {
        warnings.push(Warning::file(&e.file, "`linux` names no file; skipped"));
        return None;
    };
    let kernel = super::paths::strip_device(&kernel).to_string();
    let initrds: Vec<String> = e
        .initrds
        .iter()
        .flat_map(|i| take(env.expand_text(i)))
        .filter(|p| !p.is_empty())
        .map(|p| super::paths::strip_device(&p).to_string())
        .collect();
    let args = super::script::join_cmdline(&take(env.expand_text(&e.options.join(" "))));
    unset.sort();
    unset.dedup();
    for v in unset {
        let msg = format!("uses ${v}, which is not set in grubenv or grub.cfg; expanded as empty");
        warnings.push(match uses_line(e, &v) {
            Some(n) => Warning::at(&e.file, n, msg),
            None => Warning::file(&e.file, msg),
        });
    }
    unknown.sort();
    unknown.dedup();
    for v in unknown {
        warnings.push(Warning::file(
            &e.file,
            format!("uses ${v}, whose value depends on a grub.cfg condition we cannot evaluate; expanded as empty"),
        ));
    }
    let title = e.title.clone().unwrap_or_else(|| e.id.clone());
    Some(BootEntry {
        rescue: is_rescue(&title, &kernel, Some(&e.id)),
        version: e.version.clone().or_else(|| version_from_kernel(&kernel)),
        title,
        id: Some(e.id.clone()),
        kernel,
        initrds,
        args,
        source: Source::Bls,
        file: e.file.clone(),
        line: 1,
    })
}

/// The first line of `e` whose value uses `$name` or `${name}`.
fn uses_line(e: &BlsEntry, name: &str) -> Option<usize> {
    let plain = format!("${name}");
    let braced = format!("${{{name}}}");
    e.value_lines.iter().find_map(|(n, v)| {
        let plain_use = v.match_indices(&plain).any(|(at, _)| {
            !v[at + plain.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        });
        (plain_use || v.contains(&braced)).then_some(*n)
    })
}

/// The menu of BLS entries alone (no `grub.cfg`): variables from grubenv, default from its
/// `next_entry` or `saved_entry` (an id or title), else the first entry.
pub fn menu(entries: &[BlsEntry], env: Option<&Grubenv>, mut warnings: Vec<Warning>) -> BootMenu {
    let mut vars = Env::default();
    if let Some(g) = env {
        for (k, v) in &g.vars {
            vars.set(k, v);
        }
    }
    let mut out = Vec::new();
    let mut nodes = Vec::new();
    for e in entries {
        match to_boot_entry(e, &vars, &mut warnings) {
            Some(b) => {
                nodes.push(Node::entry(
                    Some(out.len()),
                    &b.title,
                    b.id.as_deref(),
                    false,
                ));
                out.push(b);
            }
            None => nodes.push(Node::entry(
                None,
                e.title.as_deref().unwrap_or(&e.id),
                Some(&e.id),
                false,
            )),
        }
    }
    let spec = ["next_entry", "saved_entry"].into_iter().find_map(|k| {
        vars.get(k)
            .filter(|v| !v.is_empty())
            .map(|v| (k, v.to_string()))
    });
    let default = match spec {
        Some((k, v)) => resolve_default(&nodes, Some(&v), &format!("{k}={v}"), GRUBENV),
        None => resolve_default(&nodes, Some(""), "first entry", ENTRIES_DIR),
    };
    BootMenu {
        source: Source::Bls,
        config_file: ENTRIES_DIR.to_string(),
        entries: out,
        default,
        warnings,
    }
}

/// BLS entries alone, `None` when there is no entry file.
pub fn read(root: &SysRoot) -> Result<Option<BootMenu>> {
    let (entries, mut warnings) = load(root)?;
    if entries.is_empty() {
        return Ok(None);
    }
    let env = if root.is_file(GRUBENV) {
        let bytes = root
            .read_capped(GRUBENV, MAX_SMALL)
            .with_context(|| format!("reading {GRUBENV}"))?;
        let (env, mut w) = grubenv::parse(&bytes, GRUBENV);
        warnings.append(&mut w);
        Some(env)
    } else {
        None
    };
    Ok(Some(menu(&entries, env.as_ref(), warnings)))
}

#[cfg(test)]
#[path = "bls_tests.rs"]
mod tests;
