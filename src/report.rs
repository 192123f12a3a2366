//! Words for operators: how `plan`, `list` and `status` read on a terminal.

use std::fmt::Write;

use crate::config::Method;
use crate::entry::{BootEntry, BootMenu, DefaultEntry};
use crate::plan::Plan;

/// `plan` in words.
pub fn plan(p: &Plan) -> String {
    let mut s = String::new();
    let what = p.version.as_deref().unwrap_or(&p.kernel);
    let verdict = if p.ok() {
        "would stage"
    } else {
        "would NOT stage"
    };
    let _ = writeln!(s, "{verdict} {what}");
    let _ = writeln!(s, "  why:      {}", p.why);
    let _ = writeln!(s, "  kernel:   {}", p.kernel);
    match p.initrds.as_slice() {
        [] => {
            let _ = writeln!(s, "  initrd:   (none)");
        }
        [one] => {
            let _ = writeln!(s, "  initrd:   {one}");
        }
        several => {
            let _ = writeln!(
                s,
                "  initrd:   {} (joined into one image, in this order)",
                several.join(" + ")
            );
        }
    }
    let _ = writeln!(s, "  cmdline:  {}", p.cmdline);
    let _ = writeln!(s, "            (from {})", p.cmdline_from);
    let _ = writeln!(
        s,
        "  marker:   {} (added at load: the next boot's proof that it came through this kexec)",
        crate::cmdline::marker_word(&p.marker)
    );
    let method = match p.method {
        Method::Auto => "kexec_file_load, or kexec -l where the kernel lacks it",
        Method::File => "kexec_file_load only",
        Method::KexecTools => "kexec -l (kexec-tools)",
    };
    let _ = writeln!(s, "  method:   {method}");
    let _ = writeln!(s, "  checks:");
    for c in &p.checks {
        let _ = writeln!(
            s,
            "    [{}] {:<14} {}",
            if c.ok { " ok " } else { "FAIL" },
            c.name,
            c.detail
        );
    }
    for w in &p.warnings {
        let _ = writeln!(s, "  warning: {w}");
    }
    if !p.ok() {
        let _ = writeln!(
            s,
            "nothing would be staged: the reboot would go through the firmware"
        );
    }
    s
}

/// `list` in words: one line per entry, `D` marks the boot loader's default, `*` our choice.
pub fn list(menu: Option<&BootMenu>, scanned: &[BootEntry], chosen: Option<&BootEntry>) -> String {
    let mut s = String::new();
    let default = menu.and_then(|m| match &m.default {
        DefaultEntry::Index(i, how) => Some((*i, how.clone())),
        DefaultEntry::Unresolved(_) => None,
    });
    if let Some(m) = menu {
        let _ = writeln!(s, "{} ({}):", m.source, m.config_file);
        for (i, e) in m.entries.iter().enumerate() {
            let d = if default.as_ref().map(|d| d.0) == Some(i) {
                'D'
            } else {
                ' '
            };
            let c = if Some(e) == chosen { '*' } else { ' ' };
            let _ = writeln!(s, "{c}{d} {i:>2}  {:<40}  {}", e.title, e.kernel);
        }
        match &m.default {
            DefaultEntry::Index(_, how) => {
                let _ = writeln!(s, "    default: {how}");
            }
            DefaultEntry::Unresolved(w) => {
                let _ = writeln!(s, "    default: unresolved: {w}");
            }
        }
    } else {
        let _ = writeln!(s, "no boot loader config found");
    }
    if !scanned.is_empty() {
        let _ = writeln!(s, "kernels in /boot:");
        for e in scanned {
            let c = if Some(e) == chosen { '*' } else { ' ' };
            let initrd = if e.initrds.is_empty() {
                "(no initrd)".to_string()
            } else {
                e.initrds.join(" ")
            };
            let _ = writeln!(s, "{c}      {:<40}  {initrd}", e.kernel);
        }
    }
    let _ = writeln!(
        s,
        "(D = boot loader default, * = what kexec-reboot would stage)"
    );
    s
}
