//! Which boot entry to boot next: pure, given the menu, the scanned kernels and the setting.
//!
//! The boot loader's *default* entry is what a firmware reboot would boot, so it is what we
//! boot unless told otherwise — never simply the first entry. "newest" is RPM version order
//! over installed kernels, never a rescue entry.

use std::cmp::Ordering;

use crate::config::KernelChoice;
use crate::entry::{BootEntry, BootMenu, DefaultEntry};
use crate::failure::{Failure, Kind};
use crate::version::rpmvercmp;

/// The entry chosen and, in words, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub entry: BootEntry,
    /// E.g. `grub default entry "CentOS (2.6.32-754.el6.x86_64)" (default=0)`.
    pub why: String,
}

/// Picks the entry for `choice`. `menu` is the boot loader's menu (None when there is none),
/// `scanned` the kernels found in /boot, `running` the running kernel's version.
pub fn select(
    menu: Option<&BootMenu>,
    scanned: &[BootEntry],
    choice: &KernelChoice,
    running: Option<&str>,
) -> Result<Choice, Failure> {
    match choice {
        KernelChoice::Default => select_default(menu, scanned),
        KernelChoice::Newest => select_newest(menu, scanned),
        KernelChoice::Running => {
            let v = running.ok_or_else(|| {
                Failure::new(
                    Kind::NoKernel,
                    "KEXEC_KERNEL=running: the running kernel's version is unknown (no /proc/sys/kernel/osrelease); set KEXEC_KERNEL to a version",
                )
            })?;
            by_version(menu, scanned, v, "the running kernel")
        }
        KernelChoice::Version(v) => by_version(menu, scanned, v, "KEXEC_KERNEL"),
        KernelChoice::Path(_) => Err(Failure::new(
            Kind::NoKernel,
            "internal: a kernel path is not chosen from boot entries",
        )),
    }
}

/// `grub entry "CentOS (2.6.32-754.el6.x86_64)" (/boot/grub/grub.conf:14)`, or for a scanned
/// kernel its path.
fn describe(e: &BootEntry) -> String {
    if e.source == crate::entry::Source::Scan {
        return e.kernel.clone();
    }
    format!("{} entry \"{}\" ({}:{})", e.source, e.title, e.file, e.line)
}

fn select_default(menu: Option<&BootMenu>, scanned: &[BootEntry]) -> Result<Choice, Failure> {
    let Some(menu) = menu else {
        let newest = newest_of(scanned.iter().filter(|e| !e.rescue)).ok_or_else(|| {
            Failure::new(
                Kind::NoKernel,
                "no boot loader config and no /boot/vmlinuz-* found; install a kernel or set KEXEC_KERNEL to a kernel path",
            )
        })?;
        return Ok(Choice {
            why: format!(
                "no boot loader config found; newest kernel in /boot ({})",
                newest.kernel
            ),
            entry: newest.clone(),
        });
    };
    match &menu.default {
        DefaultEntry::Index(i, how) => {
            let e = menu.entries.get(*i).ok_or_else(|| {
                Failure::new(
                    Kind::NoKernel,
                    format!("{}: the default ({how}) names no entry; fix the boot loader config or set KEXEC_KERNEL", menu.config_file),
                )
            })?;
            Ok(Choice {
                why: format!(
                    "{} default entry \"{}\" ({how}, {}:{})",
                    menu.source, e.title, e.file, e.line
                ),
                entry: e.clone(),
            })
        }
        DefaultEntry::Unresolved(w) => Err(Failure::new(
            Kind::NoKernel,
            format!("{w}; the boot loader's default is unclear: fix it or set KEXEC_KERNEL to a version"),
        )),
    }
}

fn newest_of<'a>(it: impl Iterator<Item = &'a BootEntry>) -> Option<&'a BootEntry> {
    let mut best: Option<&BootEntry> = None;
    for e in it {
        let Some(v) = e.version.as_deref() else {
            continue;
        };
        match best {
            None => best = Some(e),
            Some(b) => {
                // Strictly greater only: on a tie the earlier one (menu before scan) wins.
                if rpmvercmp(v, b.version.as_deref().unwrap_or("")) == Ordering::Greater {
                    best = Some(e);
                }
            }
        }
    }
    best
}

fn select_newest(menu: Option<&BootMenu>, scanned: &[BootEntry]) -> Result<Choice, Failure> {
    let menu_entries = menu.map(|m| m.entries.as_slice()).unwrap_or(&[]);
    let all = menu_entries
        .iter()
        .chain(scanned.iter())
        .filter(|e| !e.rescue);
    let e = newest_of(all).ok_or_else(|| {
        Failure::new(
            Kind::NoKernel,
            "KEXEC_KERNEL=newest: no installed kernel with a version was found; set KEXEC_KERNEL to a kernel path",
        )
    })?;
    Ok(Choice {
        why: format!("newest installed kernel: {}", describe(e)),
        entry: e.clone(),
    })
}

fn by_version(
    menu: Option<&BootMenu>,
    scanned: &[BootEntry],
    version: &str,
    asked_by: &str,
) -> Result<Choice, Failure> {
    let menu_entries = menu.map(|m| m.entries.as_slice()).unwrap_or(&[]);
    let matches = |e: &&BootEntry| e.version.as_deref() == Some(version);
    // A boot loader entry carries the command line, so it beats a scanned file; a non-rescue
    // entry beats a rescue one.
    let found = menu_entries
        .iter()
        .filter(matches)
        .find(|e| !e.rescue)
        .or_else(|| menu_entries.iter().find(matches))
        .or_else(|| scanned.iter().find(matches));
    let e = found.ok_or_else(|| {
        Failure::new(
            Kind::NoKernel,
            format!("{asked_by} asks for kernel {version}, which no boot entry and no /boot/vmlinuz-{version} provides; install it or change KEXEC_KERNEL"),
        )
    })?;
    Ok(Choice {
        why: format!("{asked_by} {version}: {}", describe(e)),
        entry: e.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{Source, Warning};

    fn entry(title: &str, version: &str, rescue: bool, source: Source) -> BootEntry {
        BootEntry {
            title: title.to_string(),
            id: None,
            version: Some(version.to_string()),
            kernel: format!("/boot/vmlinuz-{version}"),
            initrds: vec![],
            args: "ro".to_string(),
            source,
            file: "/boot/grub/grub.conf".to_string(),
            line: 1,
            rescue,
        }
    }

    fn menu(entries: Vec<BootEntry>, default: DefaultEntry) -> BootMenu {
        BootMenu {
            source: Source::Grub,
            config_file: "/boot/grub/grub.conf".to_string(),
            entries,
            default,
            warnings: vec![],
        }
    }

    #[test]
    fn default_is_the_boot_loaders_default_not_the_first() {
        let m = menu(
            vec![
                entry("new", "2.6.32-754.el6", false, Source::Grub),
                entry("old", "2.6.32-696.el6", false, Source::Grub),
            ],
            DefaultEntry::Index(1, "default=1".into()),
        );
        let c = select(Some(&m), &[], &KernelChoice::Default, None).unwrap();
        assert_eq!(c.entry.title, "old", "default=1 must pick the second entry");
        assert!(
            c.why.contains("default=1"),
            "why names the default: {}",
            c.why
        );
    }

    #[test]
    fn unresolved_default_stages_nothing() {
        let m = menu(
            vec![entry("a", "1", false, Source::Grub)],
            DefaultEntry::Unresolved(Warning::at(
                "/boot/grub/grub.conf",
                1,
                "default=5 but only 1 entry",
            )),
        );
        let e = select(Some(&m), &[], &KernelChoice::Default, None).unwrap_err();
        assert_eq!(e.kind, Kind::NoKernel);
        assert!(
            e.message.contains("grub.conf:1"),
            "names file and line: {}",
            e.message
        );
    }

    #[test]
    fn newest_skips_rescue_and_uses_rpm_order() {
        let m = menu(
            vec![
                entry("rescue", "0-rescue-abc", true, Source::Grub),
                entry("a", "3.10.0-957.el7", false, Source::Grub),
                entry("b", "3.10.0-1160.el7", false, Source::Grub),
            ],
            DefaultEntry::Index(0, "default=0".into()),
        );
        let c = select(Some(&m), &[], &KernelChoice::Newest, None).unwrap();
        assert_eq!(
            c.entry.title, "b",
            "1160 > 957 in rpm order, rescue never newest"
        );
    }

    #[test]
    fn version_prefers_menu_entry_over_scan() {
        let m = menu(
            vec![entry("menu", "5", false, Source::Grub)],
            DefaultEntry::Index(0, "d".into()),
        );
        let scanned = vec![entry("scan", "5", false, Source::Scan)];
        let c = select(Some(&m), &scanned, &KernelChoice::Version("5".into()), None).unwrap();
        assert_eq!(c.entry.title, "menu");
        let c = select(None, &scanned, &KernelChoice::Version("5".into()), None).unwrap();
        assert_eq!(c.entry.title, "scan");
        let e = select(None, &scanned, &KernelChoice::Version("6".into()), None).unwrap_err();
        assert_eq!(e.kind, Kind::NoKernel);
    }

    #[test]
    fn no_menu_default_is_newest_scanned() {
        let scanned = vec![
            entry("a", "2.6.18-8.el5", false, Source::Scan),
            entry("b", "2.6.18-194.el5", false, Source::Scan),
        ];
        let c = select(None, &scanned, &KernelChoice::Default, None).unwrap();
        assert_eq!(c.entry.title, "b");
        assert!(select(None, &[], &KernelChoice::Default, None).is_err());
    }

    #[test]
    fn running_needs_a_version() {
        let scanned = vec![entry("a", "1", false, Source::Scan)];
        assert!(select(None, &scanned, &KernelChoice::Running, None).is_err());
        let c = select(None, &scanned, &KernelChoice::Running, Some("1")).unwrap();
        assert_eq!(c.entry.title, "a");
    }
}
