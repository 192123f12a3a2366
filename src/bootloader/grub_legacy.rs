//! GRUB legacy `grub.conf` / `menu.lst`.
//!
//! STUB: being written (minimal: first file found, `default=N`, title/kernel/initrd).

use anyhow::Result;

use crate::entry::{BootEntry, BootMenu, DefaultEntry, Source, Warning};
use crate::root::SysRoot;

const FILES: [&str; 3] = [
    "/boot/grub/grub.conf",
    "/boot/grub/menu.lst",
    "/etc/grub.conf",
];

/// Reads the first GRUB legacy config found.
pub fn read(root: &SysRoot) -> Result<Option<BootMenu>> {
    for f in FILES {
        if root.is_file(f) {
            let text = root.read_to_string(f)?;
            let mut menu = parse(&text, f);
            for e in &mut menu.entries {
                for p in std::iter::once(&mut e.kernel).chain(e.initrds.iter_mut()) {
                    if !p.starts_with("/boot/") && root.exists(&format!("/boot{p}")) {
                        *p = format!("/boot{p}");
                    }
                }
            }
            return Ok(Some(menu));
        }
    }
    Ok(None)
}

/// Parses grub.conf text.
pub fn parse(text: &str, file: &str) -> BootMenu {
    let mut entries: Vec<BootEntry> = Vec::new();
    let mut default = 0usize;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let (key, rest) = line.split_once([' ', '\t', '=']).unwrap_or((line, ""));
        let rest = rest.trim();
        match key {
            "default" => default = rest.parse().unwrap_or(0),
            "title" => entries.push(BootEntry {
                title: rest.to_string(),
                id: None,
                version: None,
                kernel: String::new(),
                initrds: Vec::new(),
                args: String::new(),
                source: Source::Grub,
                file: file.to_string(),
                line: i + 1,
                rescue: false,
            }),
            "kernel" => {
                if let Some(e) = entries.last_mut() {
                    let (k, args) = rest.split_once(' ').unwrap_or((rest, ""));
                    e.kernel = k.to_string();
                    e.args = args.trim().to_string();
                    e.version = k
                        .rsplit('/')
                        .next()
                        .and_then(|n| n.strip_prefix("vmlinuz-"))
                        .map(str::to_string);
                }
            }
            "initrd" => {
                if let Some(e) = entries.last_mut() {
                    e.initrds = rest.split_whitespace().map(str::to_string).collect();
                }
            }
            _ => {}
        }
    }
    let default = if default < entries.len() {
        DefaultEntry::Index(default, format!("default={default}"))
    } else {
        DefaultEntry::Unresolved(Warning::file(file, "default names no entry"))
    };
    BootMenu {
        source: Source::Grub,
        config_file: file.to_string(),
        entries,
        default,
        warnings: Vec::new(),
    }
}
