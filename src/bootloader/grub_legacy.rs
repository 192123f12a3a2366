//! GRUB legacy (0.97, CentOS/RHEL 5 and 6): `grub.conf` / `menu.lst`.
//!
//! A command is a word ending at whitespace or `=`, then its argument after any run of
//! whitespace and `=` (so `default=1`, `default 1`, `default = 1` are one thing). Lines before
//! the first `title` are global; the rest belong to the entry above. Entries without a `kernel`
//! (chainloader, a bare title) are dropped with a warning, but still counted, because
//! `default=N` counts them.

use anyhow::Result;

use crate::entry::{BootEntry, BootMenu, DefaultEntry, Source, Warning};
use crate::root::{SysRoot, MAX_SMALL};

use super::{is_rescue, version_from_kernel};

/// The files GRUB legacy configs live in, in the order we try them.
pub const FILES: [&str; 3] = [
    "/boot/grub/grub.conf",
    "/boot/grub/menu.lst",
    "/etc/grub.conf",
];

/// Where `savedefault` keeps the saved entry number for `default=saved`.
pub const SAVED_FILE: &str = "/boot/grub/default";

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
    super::legacy_fallback::apply(&mut menu, &text, &exists);
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
                    let path = super::strip_device(path);
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
                            .map(|p| super::strip_device(p).to_string()),
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

/// Which entry `default=` picks.
fn resolve_default(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bootloader::testroot;

    const F: &str = "/boot/grub/grub.conf";

    /// What anaconda writes on CentOS 5 with a separate /boot, after one kernel update.
    const CENTOS5: &str = "\
# grub.conf generated by anaconda
#
# Note that you do not have to rerun grub after making changes to this file
# NOTICE:  You have a /boot partition.  This means that
#          all kernel and initrd paths are relative to /boot/, eg.
#          root (hd0,0)
#          kernel /vmlinuz-version ro root=/dev/VolGroup00/LogVol00
#          initrd /initrd-version.img
#boot=/dev/sda
default=0
timeout=5
splashimage=(hd0,0)/grub/splash.xpm.gz
hiddenmenu
title CentOS (2.6.18-194.11.4.el5)
\troot (hd0,0)
\tkernel /vmlinuz-2.6.18-194.11.4.el5 ro root=/dev/VolGroup00/LogVol00 rhgb quiet
\tinitrd /initrd-2.6.18-194.11.4.el5.img
title CentOS (2.6.18-194.el5)
\troot (hd0,0)
\tkernel /vmlinuz-2.6.18-194.el5 ro root=/dev/VolGroup00/LogVol00 rhgb quiet
\tinitrd /initrd-2.6.18-194.el5.img
";

    /// CentOS 6, /boot on /, `default 1` with spaces, a Windows chainloader entry.
    const CENTOS6: &str = "\
# grub.conf generated by anaconda
default 2
timeout 5
splashimage=(hd0,0)/boot/grub/splash.xpm.gz
hiddenmenu
title Other
        rootnoverify (hd0,1)
        chainloader +1
title CentOS 6 (2.6.32-754.35.1.el6.x86_64)
        root (hd0,0)
        kernel /boot/vmlinuz-2.6.32-754.35.1.el6.x86_64 ro root=UUID=0d0a-11 rd_NO_LUKS LANG=en_US.UTF-8 crashkernel=auto rhgb quiet
        initrd /boot/initramfs-2.6.32-754.35.1.el6.x86_64.img
title CentOS 6 (2.6.32-754.el6.x86_64)
        root (hd0,0)
        kernel=/boot/vmlinuz-2.6.32-754.el6.x86_64 ro root=UUID=0d0a-11
        initrd /boot/microcode.cpio /boot/initramfs-2.6.32-754.el6.x86_64.img
        initrd (hd0,0)/boot/extra.img
";

    fn idx(m: &BootMenu) -> Option<usize> {
        match m.default {
            DefaultEntry::Index(i, _) => Some(i),
            DefaultEntry::Unresolved(_) => None,
        }
    }

    #[test]
    fn anaconda_configs() {
        let m = parse(CENTOS5, F, None);
        assert_eq!(m.entries.len(), 2, "centos5 entries");
        assert_eq!(idx(&m), Some(0), "centos5 default");
        let e = &m.entries[0];
        assert_eq!(e.title, "CentOS (2.6.18-194.11.4.el5)", "centos5 title");
        assert_eq!(e.kernel, "/vmlinuz-2.6.18-194.11.4.el5", "centos5 kernel");
        assert_eq!(
            e.initrds,
            vec!["/initrd-2.6.18-194.11.4.el5.img"],
            "centos5 initrd"
        );
        assert_eq!(
            e.args, "ro root=/dev/VolGroup00/LogVol00 rhgb quiet",
            "centos5 args"
        );
        assert_eq!(
            e.version.as_deref(),
            Some("2.6.18-194.11.4.el5"),
            "centos5 version"
        );
        assert_eq!(e.line, 14, "centos5 line");
        assert!(m.warnings.is_empty(), "centos5 clean: {:?}", m.warnings);

        let m = parse(CENTOS6, F, None);
        assert_eq!(m.entries.len(), 2, "centos6: chainloader dropped");
        assert_eq!(m.warnings.len(), 1, "centos6: one warning {:?}", m.warnings);
        assert!(
            m.warnings[0].message.contains("no kernel"),
            "centos6 warning"
        );
        assert_eq!(
            idx(&m),
            Some(1),
            "centos6: default 2 counts the dropped entry"
        );
        let e = &m.entries[1];
        assert_eq!(
            e.kernel, "/boot/vmlinuz-2.6.32-754.el6.x86_64",
            "kernel= variant"
        );
        assert_eq!(
            e.initrds,
            vec![
                "/boot/microcode.cpio",
                "/boot/initramfs-2.6.32-754.el6.x86_64.img",
                "/boot/extra.img"
            ],
            "several initrds"
        );
    }

    #[test]
    fn defaults() {
        let two = "title a\nkernel /vmlinuz-1 ro\ntitle b\nkernel /vmlinuz-2 ro\n";
        let chain = "title win\nchainloader +1\n";
        /// (name, text, /boot/grub/default, wanted index, message when unresolved)
        type Case<'a> = (&'a str, String, Option<&'a str>, Option<usize>, &'a str);
        let cases: Vec<Case> = vec![
            ("no default line", two.to_string(), None, Some(0), ""),
            ("default=1", format!("default=1\n{two}"), None, Some(1), ""),
            (
                "default = 1",
                format!("default = 1\n{two}"),
                None,
                Some(1),
                "",
            ),
            (
                "default\t1",
                format!("default\t1\n{two}"),
                None,
                Some(1),
                "",
            ),
            (
                "out of range",
                format!("default=5\n{two}"),
                None,
                None,
                "from 0 to 1",
            ),
            (
                "not a number",
                format!("default=x\n{two}"),
                None,
                None,
                "not an entry number",
            ),
            (
                "saved",
                format!("default=saved\n{two}"),
                Some("1\n#\n# WARNING: ...\n"),
                Some(1),
                "",
            ),
            (
                "saved, no file",
                format!("default=saved\n{two}"),
                None,
                None,
                "is missing",
            ),
            (
                "saved, junk",
                format!("default=saved\n{two}"),
                Some("x\n"),
                None,
                "not an entry number",
            ),
            (
                "points at chainloader",
                format!("default=0\n{chain}{two}"),
                None,
                None,
                "no kernel line",
            ),
            (
                "no entries",
                "default=0\n".to_string(),
                None,
                None,
                "no title",
            ),
            (
                "last default wins",
                format!("default=0\ndefault=1\n{two}"),
                None,
                Some(1),
                "",
            ),
        ];
        for (name, text, saved, want, msg) in cases {
            let m = parse(&text, F, saved);
            assert_eq!(idx(&m), want, "{name}");
            if let DefaultEntry::Unresolved(w) = &m.default {
                assert!(w.message.contains(msg), "{name}: {}", w.message);
            }
        }
    }

    #[test]
    fn odd_lines_warn() {
        let text = "kernel /vmlinuz-0\nbogus line\ntitle t\nkernel --type=linux --no-mem-option /vmlinuz-1 ro\n\
                    kernel /vmlinuz-2 ro quiet\ndefault=0\ntitle xen\nkernel /xen.gz-2.6.18\nmodule /vmlinuz-2.6.18xen\n\
                    title rescue\nkernel /vmlinuz-0-rescue-abc\n";
        let m = parse(text, F, None);
        let msgs: Vec<String> = m.warnings.iter().map(|w| w.to_string()).collect();
        let want = [
            "grub.conf:1: `kernel` before any title",
            "grub.conf:2: unknown command `bogus`",
            "grub.conf:5: second kernel line",
            "grub.conf:6: `default` inside entry",
            "grub.conf:8: entry \"xen\" boots the Xen hypervisor",
        ];
        assert_eq!(msgs.len(), want.len(), "warnings: {msgs:?}");
        for (got, want) in msgs.iter().zip(want) {
            assert!(got.contains(want), "want {want:?} in {got:?}");
        }
        assert_eq!(m.entries[0].kernel, "/vmlinuz-2", "last kernel line wins");
        assert!(m.entries[2].rescue, "rescue kernel marked");
        assert!(!m.entries[0].rescue, "plain kernel not rescue");
    }

    #[test]
    fn never_panics_on_junk() {
        let inputs = [
            "",
            "=",
            "title",
            "kernel",
            "title\nkernel",
            "title x\nkernel --x",
            "default=",
            "\u{0}\u{ff}",
            "title t\ninitrd\n",
        ];
        for text in inputs {
            let _ = parse(text, F, Some(""));
        }
    }

    #[test]
    fn reads_through_the_root() {
        let (_d, root) = testroot::root(&[
            ("/boot/grub/grub.conf", CENTOS5.as_bytes()),
            ("/etc/fstab", b"LABEL=/boot /boot ext3 defaults 1 2\n"),
            ("/boot/vmlinuz-2.6.18-194.11.4.el5", b"k"),
        ]);
        let m = crate::bootloader::read_menu(&root, crate::config::BootloaderChoice::Auto)
            .expect("read")
            .expect("found");
        assert_eq!(m.source, Source::Grub, "auto finds grub legacy");
        assert_eq!(
            m.entries[0].kernel, "/boot/vmlinuz-2.6.18-194.11.4.el5",
            "separate /boot resolved"
        );
        assert_eq!(
            m.entries[0].initrds[0], "/boot/initrd-2.6.18-194.11.4.el5.img",
            "initrd resolved"
        );

        let (_d, root) = testroot::root(&[
            ("/boot/grub/grub.conf", CENTOS5.as_bytes()),
            ("/etc/grub.conf", b"default=1\n"),
            ("/boot/grub/default", b"1\n"),
        ]);
        let m = read(&root).expect("read").expect("found");
        assert!(
            m.warnings.iter().any(|w| w.file == "/etc/grub.conf"),
            "stale copy of /etc/grub.conf warned: {:?}",
            m.warnings
        );

        let (_d, root) = testroot::root(&[("/etc/grub.conf", CENTOS6.as_bytes())]);
        let m = read(&root).expect("read").expect("found");
        assert_eq!(m.config_file, "/etc/grub.conf", "/etc/grub.conf alone");
        let (_d, root) = testroot::root(&[]);
        assert!(read(&root).expect("read").is_none(), "nothing there");
    }
}
