//! GRUB legacy (0.97, CentOS/RHEL 5 and 6): `grub.conf` / `menu.lst`.
//!
//! A command is a word ending at whitespace or `=`, then its argument after any run of
//! whitespace and `=` (so `default=1`, `default 1`, `default = 1` are one thing). Lines before
//! the first `title` are global; the rest belong to the entry above. Entries without a `kernel`
//! (chainloader, a bare title) are dropped with a warning, but still counted, because
//! `default=N` counts them.

use anyhow::Result;

use crate::entry::{BootEntry, BootMenu, Source, Warning};
use crate::root::{SysRoot, MAX_SMALL};

use super::legacy_default::{self, resolve_default};
use super::paths::{is_rescue, version_from_kernel};

/// The files GRUB legacy configs live in, in the order we try them.
pub const FILES: [&str; 3] = [
    "/boot/grub/grub.conf",
    "/boot/grub/menu.lst",
    "/etc/grub.conf",
];

/// Where `savedefault` keeps the saved entry number for `default=saved`.
pub use super::legacy_default::SAVED_FILE;

/// Commands GRUB legacy knows that do not matter to us.
const KNOWN: [&str; 35] = [
    "hiddenmenu",
    "timeout",
    "splashimage",
    "password",
    "serial",
    "terminal",
    "color",
    "gfxmenu",
    "foreground",
    "background",
    "setkey",
    "rootnoverify",
    "chainloader",
    "makeactive",
    "map",
    "savedefault",
    "lock",
    "boot",
    "uppermem",
    "configfile",
    "find",
    "md5crypt",
    "module",
    "modulenounzip",
    "pause",
    "quiet",
    "hide",
    "unhide",
    "partnew",
    "parttype",
    "setup",
    "install",
    "embed",
    "ifconfig",
    "tftpserver",
];

/// Reads the first GRUB legacy config found, `None` when there is none.
pub fn read(root: &SysRoot) -> Result<Option<BootMenu>> {
    // Anything there counts (a FIFO or a device is then refused by the read, never skipped).
    let Some(file) = FILES.iter().copied().find(|f| root.exists(f)) else {
        return Ok(None);
    };
    let text = root.read_to_string(file)?;
    let saved = if root.exists(SAVED_FILE) {
        Some(String::from_utf8_lossy(&root.read_capped(SAVED_FILE, MAX_SMALL)?).into_owned())
    } else {
        None
    };
    let mut menu = parse(&text, file, saved.as_deref());
    let exists = |p: &str| root.is_file(&format!("/boot{p}")) || root.is_file(p);
    legacy_default::apply(&mut menu, &text, &exists);
    // /etc/grub.conf is a link to the real file; a copy (sed -i replaces the link) is stale.
    if file != "/etc/grub.conf" && root.is_file("/etc/grub.conf") {
        let etc = root.read("/etc/grub.conf").unwrap_or_default();
        if etc != text.as_bytes() && root.read_link("/etc/grub.conf").is_err() {
            menu.warnings.push(Warning::file(
                "/etc/grub.conf",
                format!(
                    "differs from {file} and is not a link to it; GRUB reads {file}, so \
                     edits here have no effect; make it a link: ln -sf ..{file} /etc/grub.conf"
                ),
            ));
        }
    }
    Ok(Some(menu))
}

/// Splits `cmd=arg`, `cmd arg`, `cmd = arg` into the command and its argument.
fn split_command(line: &str) -> (&str, &str) {
    let end = line
        .find(|c: char| c == '=' || c.is_whitespace())
        .unwrap_or(line.len());
    let (cmd, rest) = line.split_at(end);
    (
        cmd,
        rest.trim_start_matches(|c: char| c == '=' || c.is_whitespace())
            .trim_end(),
    )
}

/// Parses grub.conf text. Paths stay as written, less any `(hd0,0)` prefix. `saved` is the
/// text of `/boot/grub/default`, used for `default=saved`.
pub fn parse(text: &str, file: &str, saved: Option<&str>) -> BootMenu {
    let mut warnings = Vec::new();
    // Every entry GRUB counts, `None` for those we drop.
    let mut slots: Vec<Option<BootEntry>> = Vec::new();
    let mut current: Option<(BootEntry, bool)> = None; // (entry, has kernel)
    let mut default_spec: Option<(String, usize)> = None;

    let finish = |cur: Option<(BootEntry, bool)>,
                  slots: &mut Vec<Option<BootEntry>>,
                  w: &mut Vec<Warning>| {
        if let Some((e, has_kernel)) = cur {
            if has_kernel {
                slots.push(Some(e));
            } else {
                w.push(Warning::at(
                    file,
                    e.line,
                    format!("entry \"{}\" has no kernel line; skipped", e.title),
                ));
                slots.push(None);
            }
        }
    };

    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (cmd, arg) = split_command(line);
        match cmd {
            "title" => {
                finish(current.take(), &mut slots, &mut warnings);
                let title = line["title".len()..].trim().to_string();
                current = Some((
                    BootEntry {
                        title,
                        id: None,
                        version: None,
                        kernel: String::new(),
                        initrds: Vec::new(),
                        args: String::new(),
                        source: Source::Grub,
                        file: file.to_string(),
                        line: n,
                        rescue: false,
                    },
                    false,
                ));
            }
            "default" | "fallback" if current.is_some() => {
                warnings.push(Warning::at(
                    file,
                    n,
                    format!("`{cmd}` inside entry; it belongs before the first title; ignored"),
                ));
            }
            "default" => default_spec = Some((arg.to_string(), n)),
            "fallback" => {
                if arg.split_whitespace().any(|f| f.parse::<usize>().is_err()) {
                    warnings.push(Warning::at(
                        file,
                        n,
                        format!("fallback={arg} is not a list of entry numbers"),
                    ));
                }
            }
            "root" => {}
            "kernel" | "initrd" if current.is_none() => {
                warnings.push(Warning::at(
                    file,
                    n,
                    format!("`{cmd}` before any title; ignored"),
                ));
            }
            "kernel" => {
                if let Some((e, has_kernel)) = current.as_mut() {
                    // Options such as --type=netbsd or --no-mem-option come first.
                    let mut words = arg.split_whitespace().peekable();
                    let mut rest = arg;
                    while let Some(w) = words.peek() {
                        if !w.starts_with("--") {
                            break;
                        }
                        rest = rest.trim_start()[w.len()..].trim_start();
                        words.next();
                    }
                    let (path, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
                    if path.is_empty() {
                        warnings.push(Warning::at(file, n, "kernel line names no file"));
                        continue;
                    }
                    if *has_kernel {
                        warnings.push(Warning::at(
                            file,
                            n,
                            "second kernel line in one entry; the last one counts",
                        ));
                    }
                    let path = super::paths::strip_device(path);
                    if path
                        .rsplit('/')
                        .next()
                        .is_some_and(|f| f.starts_with("xen"))
                    {
                        warnings.push(Warning::at(
                            file,
                            n,
                            format!(
                                "entry \"{}\" boots the Xen hypervisor; kexec cannot boot it",
                                e.title
                            ),
                        ));
                    }
                    e.kernel = path.to_string();
                    e.args = args.trim().to_string();
                    e.version = version_from_kernel(path);
                    *has_kernel = true;
                }
            }
            "initrd" => {
                if let Some((e, _)) = current.as_mut() {
                    e.initrds.extend(
                        arg.split_whitespace()
                            .map(|p| super::paths::strip_device(p).to_string()),
                    );
                }
            }
            c if KNOWN.contains(&c) => {}
            c => warnings.push(Warning::at(
                file,
                n,
                format!("unknown command `{c}` ignored"),
            )),
        }
    }
    finish(current.take(), &mut slots, &mut warnings);

    // Map GRUB's numbering (all entries) onto ours (entries with a kernel).
    let mut entries = Vec::new();
    let mut index_of = Vec::new();
    for slot in slots {
        match slot {
            Some(mut e) => {
                e.rescue = is_rescue(&e.title, &e.kernel, None);
                index_of.push(Some(entries.len()));
                entries.push(e);
            }
            None => index_of.push(None),
        }
    }
    let default = resolve_default(file, default_spec, saved, &index_of);
    BootMenu {
        source: Source::Grub,
        config_file: file.to_string(),
        entries,
        default,
        warnings,
    }
}

#[cfg(test)]
#[path = "grub_legacy_tests.rs"]
mod tests;
