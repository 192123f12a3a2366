//! GRUB 0.97's `fallback`: when the default entry cannot be loaded, GRUB boots the fallback
//! entries in turn. The failure we can see before the reboot is a default whose kernel file is
//! gone; then the firmware path lands on the fallback entry, and so must the kexec path
//! (tests/oracle: legacy-fallback). Kept apart from the grub.conf parser, which stays pure.

use crate::entry::{BootMenu, DefaultEntry, Warning};

use super::strip_device;

/// The entry numbers on the `fallback` line (before the first `title`), in order.
fn fallback_numbers(text: &str) -> Vec<usize> {
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

#[cfg(test)]
mod tests {
    use super::super::grub_legacy::parse;
    use super::*;

    const CONF: &str = "default=0\nfallback 2\ntimeout=0\n\
        title gone\n\troot (hd0,0)\n\tkernel /vmlinuz-old ro\n\
        title chain\n\trootnoverify (hd0,1)\n\tchainloader +1\n\
        title new\n\tkernel (hd0,0)/vmlinuz-new ro\n";

    fn idx(m: &BootMenu) -> Option<usize> {
        match &m.default {
            DefaultEntry::Index(i, _) => Some(*i),
            DefaultEntry::Unresolved(_) => None,
        }
    }

    #[test]
    fn a_missing_default_kernel_falls_back_as_grub_does() {
        let mut m = parse(CONF, "/boot/grub/grub.conf", None);
        apply(&mut m, CONF, &|p| p == "/vmlinuz-new");
        assert_eq!(
            idx(&m),
            Some(1),
            "entry 2 counts the chainloader: {:?}",
            m.default
        );
        assert_eq!(m.entries[1].title, "new");
    }

    #[test]
    fn a_present_default_or_no_usable_fallback_changes_nothing() {
        let mut m = parse(CONF, "/boot/grub/grub.conf", None);
        apply(&mut m, CONF, &|_| true);
        assert_eq!(idx(&m), Some(0), "default kernel there");
        let mut m = parse(CONF, "/boot/grub/grub.conf", None);
        apply(&mut m, CONF, &|_| false);
        assert_eq!(idx(&m), Some(0), "fallback kernel gone too");
        let no_fallback = CONF.replace("fallback 2\n", "");
        let mut m = parse(&no_fallback, "/boot/grub/grub.conf", None);
        apply(&mut m, &no_fallback, &|p| p == "/vmlinuz-new");
        assert_eq!(idx(&m), Some(0), "no fallback line");
        assert_eq!(
            fallback_numbers("fallback=1 2\ntitle x\nfallback 3\n"),
            vec![1, 2]
        );
    }
}
