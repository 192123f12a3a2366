//! Kernel command lines: splitting, cleaning `/proc/cmdline`, appending and removing words.
//!
//! The next kernel's command line is built from a base (a boot loader entry's arguments, the
//! running kernel's `/proc/cmdline`, or a literal from the config) and the operator's
//! `KEXEC_REMOVE` / `KEXEC_APPEND`. Words are split the way the kernel splits them
//! (`lib/cmdline.c` `next_arg`): whitespace separates words except inside double quotes, so
//! `foo="a b"` is one word. Words are kept as written (quotes included) so that joining them
//! again gives the kernel the same parameters.
//!
//! A lone `--` ends the kernel's parameters: what follows goes to init. Removing only looks at
//! kernel parameters, and appended words go before the `--`, never to init.

/// The words of a kernel command line, quotes kept. A double quote toggles "inside quotes";
/// whitespace outside quotes separates words. An unbalanced quote runs to the end, as in the
/// kernel.
pub fn split(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_quote = false;
    for c in s.chars() {
        if c == '"' {
            in_quote = !in_quote;
            cur.push(c);
        } else if c.is_whitespace() && !in_quote {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// The parameter of ours on every staged command line: `kexec_reboot.boot=<token>`, the proof
/// that a boot came through the kexec we staged (the token names the staging boot). A dotted
/// name is a parameter of an absent module: the kernel keeps it in /proc/cmdline, passes it to
/// no one, and ignores it. Never written to a boot loader's files.
pub const MARKER_PARAM: &str = "kexec_reboot.boot";

/// The marker word for `token`.
pub fn marker_word(token: &str) -> String {
    format!("{MARKER_PARAM}={token}")
}

/// Whether `cmdline` (as the kernel has it, e.g. /proc/cmdline) carries the marker of `token`
/// among its kernel parameters.
pub fn has_marker(cmdline: &str, token: &str) -> bool {
    let words = split(cmdline);
    let (kernel, _) = split_init(&words);
    let want = marker_word(token);
    kernel.contains(&want)
}

/// `/proc/cmdline` without the words the boot loader adds (`BOOT_IMAGE=`, `initrd=`), without
/// our own `kexec_reboot.*` parameters (the proof of the boot before, never passed on) and
/// without the trailing newline; words are joined by single spaces.
pub fn clean_running(proc_cmdline: &str) -> String {
    let words = split(proc_cmdline);
    let (kernel, init) = split_init(&words);
    let kept: Vec<String> = kernel
        .iter()
        .filter(|w| !is_loader_word(w))
        .cloned()
        .collect();
    join(&kept, init)
}

/// A word the boot loader adds (`BOOT_IMAGE=`, `initrd=`), or one of ours (`kexec_reboot.*`),
/// never passed on.
fn is_loader_word(w: &str) -> bool {
    w.starts_with("BOOT_IMAGE=") || w.starts_with("initrd=") || w.starts_with("kexec_reboot.")
}

/// `base` with the words of `remove` dropped, then the words of `append` added.
/// `BOOT_IMAGE=` and `initrd=` words of `base` are always dropped (the boot loader's, stale
/// for the next kernel; the initrd is passed separately).
///
/// A `remove` word without `=` (`console`) drops that word and every `console=...`; a word with
/// `=` (`console=ttyS0`) drops only that exact word. Parameter names compare as the kernel does
/// (`-` and `_` are the same). An `append` word already present exactly is not added again.
/// Word order is kept; appended words go at the end of the kernel parameters (before a `--`).
pub fn compose(base: &str, append: &str, remove: &str) -> String {
    let words = split(base);
    let (kernel, init) = split_init(&words);
    let removals = split(remove);
    let mut out: Vec<String> = kernel
        .iter()
        .filter(|w| !is_loader_word(w) && !removals.iter().any(|r| removes(r, w)))
        .cloned()
        .collect();
    for w in split(append) {
        if w == "--" {
            // Appending `--` would send what follows to init; never useful here.
            continue;
        }
        if !out.iter().any(|o| same_word(o, &w)) {
            out.push(w);
        }
    }
    join(&out, init)
}

/// The kernel parameters and, when there is a lone `--`, the words after it (init's).
fn split_init(words: &[String]) -> (&[String], Option<&[String]>) {
    match words.iter().position(|w| w == "--") {
        Some(i) => (&words[..i], Some(&words[i + 1..])),
        None => (words, None),
    }
}

fn join(kernel: &[String], init: Option<&[String]>) -> String {
    let mut all: Vec<&str> = kernel.iter().map(String::as_str).collect();
    if let Some(init) = init {
        all.push("--");
        all.extend(init.iter().map(String::as_str));
    }
    all.join(" ")
}

/// The parameter name of a word (before the first `=`), with `-` read as `_`.
fn name_of(word: &str) -> String {
    let name = word.split_once('=').map_or(word, |(n, _)| n);
    name.replace('-', "_")
}

/// Two words are the same parameter with the same value (`-`/`_` alike in the name).
fn same_word(a: &str, b: &str) -> bool {
    let value = |w: &str| w.split_once('=').map(|(_, v)| v.to_string());
    name_of(a) == name_of(b) && value(a) == value(b)
}

/// Whether the removal word `r` drops `word`.
fn removes(r: &str, word: &str) -> bool {
    if r.contains('=') {
        same_word(r, word)
    } else {
        name_of(r) == name_of(word)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_cases() {
        let cases: &[(&str, &str, &[&str])] = &[
            ("empty", "", &[]),
            ("blanks only", "  \t\n", &[]),
            (
                "plain",
                "ro root=/dev/sda1 quiet",
                &["ro", "root=/dev/sda1", "quiet"],
            ),
            ("extra blanks", "  ro\t\troot=x  \n", &["ro", "root=x"]),
            ("quoted value", r#"foo="a b" c"#, &[r#"foo="a b""#, "c"]),
            ("quoted word", r#""a b" c"#, &[r#""a b""#, "c"]),
            ("unbalanced runs to end", r#"a "b c"#, &["a", r#""b c"#]),
            ("init args", "ro -- single", &["ro", "--", "single"]),
        ];
        for (name, input, want) in cases {
            assert_eq!(split(input), *want, "case {name}");
        }
    }

    #[test]
    fn clean_running_cases() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "centos6",
                "ro root=/dev/mapper/vg-root rd_NO_LUKS BOOT_IMAGE=/vmlinuz-2.6.32 quiet\n",
                "ro root=/dev/mapper/vg-root rd_NO_LUKS quiet",
            ),
            (
                "grub2 first",
                "BOOT_IMAGE=(hd0,msdos1)/vmlinuz-3.10.0 root=UUID=x ro initrd=/initrd.img\n",
                "root=UUID=x ro",
            ),
            ("empty", "\n", ""),
            (
                "quoted kept",
                "ro dyndbg=\"file a.c +p\" BOOT_IMAGE=/v\n",
                "ro dyndbg=\"file a.c +p\"",
            ),
            ("init part kept", "ro -- initrd=x\n", "ro -- initrd=x"),
            (
                "our marker of the boot before dropped",
                "ro root=/dev/vda kexec_reboot.boot=0f3c quiet\n",
                "ro root=/dev/vda quiet",
            ),
        ];
        for (name, input, want) in cases {
            assert_eq!(clean_running(input), *want, "case {name}");
        }
    }

    #[test]
    fn the_marker_is_found_only_as_a_whole_kernel_parameter() {
        let cases: &[(&str, &str, bool)] = &[
            ("there", "ro kexec_reboot.boot=abc quiet", true),
            ("another boot's", "ro kexec_reboot.boot=abd quiet", false),
            ("a prefix only", "ro kexec_reboot.boot=abcd", false),
            ("absent", "ro root=/dev/vda", false),
            (
                "init's, not the kernel's",
                "ro -- kexec_reboot.boot=abc",
                false,
            ),
            (
                "inside a quoted word",
                r#"x="kexec_reboot.boot=abc""#,
                false,
            ),
        ];
        for (name, line, want) in cases {
            assert_eq!(has_marker(line, "abc"), *want, "case {name}");
        }
    }

    #[test]
    fn compose_cases() {
        let cases: &[(&str, &str, &str, &str, &str)] = &[
            // (name, base, append, remove, want)
            ("nothing", "ro root=x quiet", "", "", "ro root=x quiet"),
            ("normalises blanks", " ro  root=x\n", "", "", "ro root=x"),
            (
                "append",
                "ro root=x",
                "console=ttyS0",
                "",
                "ro root=x console=ttyS0",
            ),
            ("append no double", "ro quiet", "quiet", "", "ro quiet"),
            (
                "append two, one present",
                "ro quiet",
                "quiet nomodeset",
                "",
                "ro quiet nomodeset",
            ),
            ("append dup within append", "ro", "a a", "", "ro a"),
            ("remove exact word", "ro rhgb quiet", "", "quiet", "ro rhgb"),
            (
                "remove bare name drops all values",
                "ro console=tty0 console=ttyS0,115200 quiet",
                "",
                "console",
                "ro quiet",
            ),
            (
                "remove name=value drops only it",
                "ro console=tty0 console=ttyS0",
                "",
                "console=ttyS0",
                "ro console=tty0",
            ),
            (
                "remove then append replaces",
                "ro console=tty0",
                "console=ttyS1",
                "console",
                "ro console=ttyS1",
            ),
            (
                "dash and underscore alike",
                "ro crash_kernel=auto rd-lvm",
                "",
                "crash-kernel rd_lvm",
                "ro",
            ),
            (
                "remove does not touch prefixes",
                "ro quietly quiet",
                "",
                "quiet",
                "ro quietly",
            ),
            (
                "remove quoted param by name",
                r#"ro dyndbg="a b" x"#,
                "",
                "dyndbg",
                "ro x",
            ),
            (
                "append quoted kept whole",
                "ro",
                r#"foo="a b""#,
                "",
                r#"ro foo="a b""#,
            ),
            (
                "append goes before init args",
                "ro quiet -- single",
                "nomodeset",
                "",
                "ro quiet nomodeset -- single",
            ),
            (
                "remove ignores init args",
                "ro quiet -- quiet",
                "",
                "quiet",
                "ro -- quiet",
            ),
            ("append never adds --", "ro", "-- x", "", "ro x"),
            ("empty base", "", "a", "", "a"),
            ("remove all", "quiet", "", "quiet", ""),
            (
                "loader words always dropped",
                "BOOT_IMAGE=/vmlinuz-x ro initrd=/initrd.img quiet",
                "",
                "",
                "ro quiet",
            ),
        ];
        for (name, base, append, remove, want) in cases {
            assert_eq!(compose(base, append, remove), *want, "case {name}");
        }
    }
}
