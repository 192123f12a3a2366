//! Which entry GRUB 0.97 boots: `default=` (a number, or `saved` with /boot/grub/default),
//! checked against the entries there are, and `fallback`: when the default entry cannot be
//! loaded, GRUB boots the fallback entries in turn. The failure we can see before the reboot is a default whose kernel file is
//! gone; then the firmware path lands on the fallback entry, and so must the kexec path
//! (tests/oracle: legacy-fallback). Kept apart from the grub.conf parser, which stays pure.

use crate::entry::{BootMenu, DefaultEntry, Warning};

use super::paths::strip_device;

/// Where `default saved` reads the entry number (grub-set-default, `savedefault` write it).
pub const SAVED_FILE: &str = "/boot/grub/default";

/// The entry numbers on the `fallback` line (before the first `title`), in order.
pub(super) fn fallback_numbers(text: &str) -> Vec<usize> {
    for line in text.lines().map(str::trim) {
        if line.starts_with("title") {
            break;
        }
        if let Some(rest) = line.strip_prefix("fallback") {
            if rest.starts_with(|c: char| c == '=' || c.is_whitespace()) {
                let rest = rest.trim_start_matches(|c: char| c == '=' || c.is_whitespace());
                return rest
                    .split_whitespace()
                    .map_while(|w| w.parse().ok())
                    .collect();
            }
        }
    }
    Vec::new()
}

/// The 1-based line of each `title`, in GRUB's numbering (entry N is the N-th title).
fn title_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let l = l.trim();
            l.strip_prefix("title").is_some_and(|r| {
                r.is_empty() || r.starts_with(|c: char| c == '=' || c.is_whitespace())
            })
        })
        .map(|(i, _)| i + 1)
        .collect()
}

/// Moves `menu.default` to the first `fallback` entry whose kernel exists when the default's
/// kernel does not (`kernel_exists` takes the path as grub.conf writes it, device removed).
/// Nothing changes when the default's kernel is there, or no fallback entry is usable.
pub fn apply(menu: &mut BootMenu, text: &str, kernel_exists: &dyn Fn(&str) -> bool) {
    let DefaultEntry::Index(i, how) = &menu.default else {
        return;
    };
    let Some(default) = menu.entries.get(*i) else {
        return;
    };
    let missing = strip_device(&default.kernel).to_string();
    if kernel_exists(&missing) {
        return;
    }
    let titles = title_lines(text);
    for n in fallback_numbers(text) {
        let Some(&line) = titles.get(n) else {
            continue;
        };
        let Some(j) = menu.entries.iter().position(|e| e.line == line) else {
            continue;
        };
        if !kernel_exists(strip_device(&menu.entries[j].kernel)) {
            continue;
        }
        let how = format!("{how}, whose kernel {missing} is missing, so fallback={n} as GRUB does");
        menu.warnings.push(Warning::file(
            &menu.config_file,
            format!(
                "the default entry's kernel {missing} is missing; GRUB boots fallback entry {n}"
            ),
        ));
        menu.default = DefaultEntry::Index(j, how);
        return;
    }
}

/// Which entry `default=` picks.
pub(super) fn resolve_default(
    file: &str,
    spec: Option<(String, usize)>,
    saved: Option<&str>,
    index_of: &[Option<usize>],
) -> DefaultEntry {
    let count = index_of.len();
    let (number, how, line) = match spec {
        None => (0, "no default line: first entry".to_string(), None),
        Some((value, line)) if value == "saved" => {
            let Some(saved) = saved else {
                return DefaultEntry::Unresolved(Warning::at(
                    file,
                    line,
                    format!(
                        "default=saved but {SAVED_FILE} is missing, so the saved entry cannot \
                         be read; set default= to an entry number"
                    ),
                ));
            };
            let first = saved.lines().next().unwrap_or("").trim();
            match first.parse::<usize>() {
                Ok(k) => (k, format!("default=saved ({SAVED_FILE}: {k})"), Some(line)),
                Err(_) => {
                    return DefaultEntry::Unresolved(Warning::file(
                        SAVED_FILE,
                        format!(
                            "first line {first:?} is not an entry number; \
                             run grub-set-default N or set default= in {file}"
                        ),
                    ))
                }
            }
        }
        Some((value, line)) => match value.parse::<usize>() {
            Ok(k) => (k, format!("default={k}"), Some(line)),
            Err(_) => {
                return DefaultEntry::Unresolved(Warning::at(
                    file,
                    line,
                    format!(
                    "default={value} is not an entry number; set default=N (0 is the first title)"
                ),
                ))
            }
        },
    };
    let at = |msg: String| match line {
        Some(l) => Warning::at(file, l, msg),
        None => Warning::file(file, msg),
    };
    if count == 0 {
        return DefaultEntry::Unresolved(Warning::file(
            file,
            "has no title entries; add one or set KEXEC_BOOTLOADER=none to scan /boot",
        ));
    }
    match index_of.get(number) {
        Some(Some(idx)) => DefaultEntry::Index(*idx, how),
        Some(None) => DefaultEntry::Unresolved(at(format!(
            "{how} names entry {number}, which has no kernel line; kexec cannot boot it; \
             point default= at a Linux entry"
        ))),
        None => DefaultEntry::Unresolved(at(format!(
            "{how} but there are only {count} entries; set default= to a number from 0 to {}",
            count - 1
        ))),
    }
}
