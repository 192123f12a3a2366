//! Tests of the config parser: values, refusals, warnings, loading, and agreement with `sh`.

use std::process::Command;
use std::time::Duration;

use super::*;
use crate::failure::exit_code;

const F: &str = "/etc/sysconfig/kexec";

fn settings(text: &str) -> Settings {
    parse(text, F)
        .unwrap_or_else(|e| panic!("{text:?}: {e:#}"))
        .0
}

#[test]
fn defaults_for_empty_and_comment_only_files() {
    for (name, text) in [
        ("empty", ""),
        ("newline", "\n"),
        ("comments", "# nothing\n   # at all\n\n"),
        (
            "empty values",
            "KEXEC_KERNEL=\nKEXEC_TIMEOUT=''\nKEXEC_CMDLINE=\"\"\n",
        ),
    ] {
        let (s, w) = parse(text, F).unwrap_or_else(|e| panic!("case {name}: {e:#}"));
        assert_eq!(s, Settings::default(), "case {name}");
        assert!(w.is_empty(), "case {name}: {w:?}");
    }
}

#[test]
fn valid_values() {
    let d = Settings::default;
    let cases: Vec<(&str, &str, Settings)> = vec![
        (
            "kernel newest",
            "KEXEC_KERNEL=newest",
            Settings {
                kernel: KernelChoice::Newest,
                ..d()
            },
        ),
        (
            "kernel upper case",
            "KEXEC_KERNEL=Running",
            Settings {
                kernel: KernelChoice::Running,
                ..d()
            },
        ),
        (
            "kernel version",
            "KEXEC_KERNEL=2.6.32-754.el6.x86_64",
            Settings {
                kernel: KernelChoice::Version("2.6.32-754.el6.x86_64".into()),
                ..d()
            },
        ),
        (
            "kernel path quoted",
            "KEXEC_KERNEL='/boot/vmlinuz-3.10.0-1160.el7.x86_64'",
            Settings {
                kernel: KernelChoice::Path("/boot/vmlinuz-3.10.0-1160.el7.x86_64".into()),
                ..d()
            },
        ),
        (
            "initrd none",
            "KEXEC_INITRD=none",
            Settings {
                initrd: InitrdChoice::None,
                ..d()
            },
        ),
        (
            "initrd path",
            "KEXEC_INITRD=/boot/initrd.img",
            Settings {
                initrd: InitrdChoice::Path("/boot/initrd.img".into()),
                ..d()
            },
        ),
        (
            "cmdline running",
            "KEXEC_CMDLINE=running",
            Settings {
                cmdline: CmdlineChoice::Running,
                ..d()
            },
        ),
        (
            "cmdline bootloader",
            "KEXEC_CMDLINE=bootloader",
            Settings {
                cmdline: CmdlineChoice::Bootloader,
                ..d()
            },
        ),
        (
            "cmdline literal",
            "KEXEC_CMDLINE=\"ro root=/dev/sda1 quiet\" # literal",
            Settings {
                cmdline: CmdlineChoice::Literal("ro root=/dev/sda1 quiet".into()),
                ..d()
            },
        ),
        (
            "append dq",
            "KEXEC_APPEND=\"console=ttyS0,115200 nomodeset\"",
            Settings {
                append: "console=ttyS0,115200 nomodeset".into(),
                ..d()
            },
        ),
        (
            "append kernel quotes inside single quotes",
            "KEXEC_APPEND='dyndbg=\"file a.c +p\"'",
            Settings {
                append: "dyndbg=\"file a.c +p\"".into(),
                ..d()
            },
        ),
        (
            "remove",
            "KEXEC_REMOVE='rhgb quiet'",
            Settings {
                remove: "rhgb quiet".into(),
                ..d()
            },
        ),
        (
            "bootloader grub2",
            "KEXEC_BOOTLOADER=grub2",
            Settings {
                bootloader: BootloaderChoice::Grub2,
                ..d()
            },
        ),
        (
            "bootloader none",
            "KEXEC_BOOTLOADER=none",
            Settings {
                bootloader: BootloaderChoice::None,
                ..d()
            },
        ),
        (
            "method file",
            "KEXEC_METHOD=file",
            Settings {
                method: Method::File,
                ..d()
            },
        ),
        (
            "method kexec-tools",
            "export KEXEC_METHOD=kexec-tools",
            Settings {
                method: Method::KexecTools,
                ..d()
            },
        ),
        (
            "tools",
            "KEXEC_TOOLS=/usr/sbin/kexec",
            Settings {
                kexec_tools: "/usr/sbin/kexec".into(),
                ..d()
            },
        ),
        (
            "timeout 1",
            "KEXEC_TIMEOUT=1",
            Settings {
                timeout: Duration::from_secs(1),
                ..d()
            },
        ),
        (
            "timeout 600",
            "KEXEC_TIMEOUT=\"600\"",
            Settings {
                timeout: Duration::from_secs(600),
                ..d()
            },
        ),
        (
            "manual no",
            "KEXEC_RESPECT_MANUAL=no",
            Settings {
                respect_manual: false,
                ..d()
            },
        ),
        (
            "manual FALSE",
            "KEXEC_RESPECT_MANUAL=FALSE",
            Settings {
                respect_manual: false,
                ..d()
            },
        ),
        (
            "modules 0",
            "KEXEC_REQUIRE_MODULES=0",
            Settings {
                require_modules: false,
                ..d()
            },
        ),
        (
            "modules True",
            "KEXEC_REQUIRE_MODULES=True",
            Settings {
                require_modules: true,
                ..d()
            },
        ),
        (
            "last duplicate wins",
            "KEXEC_METHOD=file\nKEXEC_METHOD=kexec-tools\n",
            Settings {
                method: Method::KexecTools,
                ..d()
            },
        ),
        (
            "bad early duplicate is not validated",
            "KEXEC_METHOD=magic\nKEXEC_METHOD=file\n",
            Settings {
                method: Method::File,
                ..d()
            },
        ),
        (
            "crlf",
            "KEXEC_KERNEL=newest\r\n",
            Settings {
                kernel: KernelChoice::Newest,
                ..d()
            },
        ),
    ];
    for (name, text, want) in cases {
        assert_eq!(settings(text), want, "case {name}");
    }
}

#[test]
fn invalid_values_are_one_line_config_failures() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "method",
            "# c\n\n\n\n\n\nKEXEC_METHOD=magic\n",
            "/etc/sysconfig/kexec:7: KEXEC_METHOD=magic is not one of auto, file, kexec-tools",
        ),
        (
            "bootloader",
            "KEXEC_BOOTLOADER=lilo",
            "/etc/sysconfig/kexec:1: KEXEC_BOOTLOADER=lilo is not one of auto, grub, grub2, bls, none",
        ),
        (
            "initrd relative",
            "KEXEC_INITRD=initrd.img",
            "/etc/sysconfig/kexec:1: KEXEC_INITRD=initrd.img is not one of auto, none, or an absolute path",
        ),
        (
            "kernel file name",
            "KEXEC_KERNEL=vmlinuz-2.6.32-754.el6.x86_64",
            "/etc/sysconfig/kexec:1: KEXEC_KERNEL=vmlinuz-2.6.32-754.el6.x86_64 is a file name; write the version (KEXEC_KERNEL=2.6.32-754.el6.x86_64) or the path (KEXEC_KERNEL=/boot/vmlinuz-2.6.32-754.el6.x86_64)",
        ),
        (
            "kernel relative path",
            "KEXEC_KERNEL=boot/vmlinuz",
            "/etc/sysconfig/kexec:1: KEXEC_KERNEL=boot/vmlinuz is a relative path; write an absolute path such as /boot/vmlinuz-...",
        ),
        (
            "kernel junk",
            "KEXEC_KERNEL='the newest one'",
            "/etc/sysconfig/kexec:1: KEXEC_KERNEL=the newest one is not one of default, newest, running, a kernel version (2.6.32-754.el6.x86_64) or an absolute path",
        ),
        (
            "kernel dot-dot",
            "KEXEC_KERNEL=/boot/../etc/x",
            "/etc/sysconfig/kexec:1: KEXEC_KERNEL=/boot/../etc/x contains \"..\"; write the path without it",
        ),
        (
            "tools relative",
            "KEXEC_TOOLS=kexec",
            "/etc/sysconfig/kexec:1: KEXEC_TOOLS=kexec is not an absolute path; write e.g. KEXEC_TOOLS=/sbin/kexec",
        ),
        (
            "timeout zero",
            "KEXEC_TIMEOUT=0",
            "/etc/sysconfig/kexec:1: KEXEC_TIMEOUT=0 is not a whole number of seconds from 1 to 600",
        ),
        (
            "timeout too long",
            "KEXEC_TIMEOUT=601",
            "/etc/sysconfig/kexec:1: KEXEC_TIMEOUT=601 is not a whole number of seconds from 1 to 600",
        ),
        (
            "timeout unit",
            "KEXEC_TIMEOUT=30s",
            "/etc/sysconfig/kexec:1: KEXEC_TIMEOUT=30s is not a whole number of seconds from 1 to 600",
        ),
        (
            "timeout plus sign",
            "KEXEC_TIMEOUT=+30",
            "/etc/sysconfig/kexec:1: KEXEC_TIMEOUT=+30 is not a whole number of seconds from 1 to 600",
        ),
        (
            "boolean",
            "KEXEC_RESPECT_MANUAL=maybe",
            "/etc/sysconfig/kexec:1: KEXEC_RESPECT_MANUAL=maybe is not one of yes, no, true, false, 1, 0",
        ),
        (
            "expansion",
            "KEXEC_KERNEL=newest\nKEXEC_APPEND=\"console=$TTY\"",
            "/etc/sysconfig/kexec:2: KEXEC_APPEND: `$` inside double quotes would be expanded by a shell, and kexec-reboot never expands anything; write the value out literally (in single quotes if it must hold a `$`)",
        ),
        (
            "line without equals",
            "KEXEC_KERNEL=newest\nnewest\n",
            "/etc/sysconfig/kexec:2: `newest` is not a KEY=value line; write KEY=value, or put # in front to make it a comment",
        ),
        (
            "nul",
            "\n\nKEXEC_APPEND=a\0",
            "/etc/sysconfig/kexec:3: the line contains a NUL byte; the file must be plain text",
        ),
    ];
    for (name, text, want) in cases {
        let err = match parse(text, F) {
            Ok(s) => panic!("case {name}: accepted as {s:?}"),
            Err(e) => e,
        };
        assert_eq!(format!("{err:#}"), *want, "case {name}");
        assert_eq!(exit_code(&err), 3, "case {name}: exit code");
    }
}

#[test]
fn warnings() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "duplicate",
            "KEXEC_KERNEL=newest\n# x\nKEXEC_KERNEL=running\n",
            &["/etc/sysconfig/kexec:3: KEXEC_KERNEL is set again (first on line 1); this line wins, as in a shell; remove one of them"],
        ),
        (
            "typo",
            "KEXEC_KERNAL=newest\n",
            &["/etc/sysconfig/kexec:1: unknown key KEXEC_KERNAL, ignored; did you mean KEXEC_KERNEL?"],
        ),
        (
            "lower case",
            "kexec_timeout=5\n",
            &["/etc/sysconfig/kexec:1: unknown key kexec_timeout, ignored; did you mean KEXEC_TIMEOUT?"],
        ),
        (
            "missing prefix",
            "APPEND=quiet\n",
            &["/etc/sysconfig/kexec:1: unknown key APPEND, ignored; did you mean KEXEC_APPEND?"],
        ),
        (
            "unrelated key",
            "PATH=/bin\n",
            &["/etc/sysconfig/kexec:1: unknown key PATH, ignored"],
        ),
        (
            "crlf once",
            "# a\r\nKEXEC_KERNEL=newest\r\n",
            &["/etc/sysconfig/kexec:1: DOS (CRLF) line ends; they are ignored, but convert the file with dos2unix"],
        ),
        (
            "literal cmdline without root",
            "KEXEC_CMDLINE='ro quiet'\n",
            &["/etc/sysconfig/kexec:1: KEXEC_CMDLINE has no root=; the new kernel may not find its root filesystem"],
        ),
        (
            "remove root",
            "KEXEC_REMOVE=root\n",
            &["/etc/sysconfig/kexec:1: KEXEC_REMOVE drops root=; the new kernel may not find its root filesystem"],
        ),
        (
            "unbalanced kernel quote",
            "KEXEC_APPEND='foo=\"a b'\n",
            &["/etc/sysconfig/kexec:1: KEXEC_APPEND has an unbalanced double quote; the kernel would read the rest of the command line as one word"],
        ),
    ];
    for (name, text, want) in cases {
        let (_, w) = parse(text, F).unwrap_or_else(|e| panic!("case {name}: {e:#}"));
        let got: Vec<String> = w.iter().map(ToString::to_string).collect();
        assert_eq!(got, *want, "case {name}");
    }
}

#[test]
fn every_key_is_known_and_documented() {
    let values = [
        ("KEXEC_KERNEL", "newest"),
        ("KEXEC_INITRD", "none"),
        ("KEXEC_CMDLINE", "running"),
        ("KEXEC_APPEND", "a"),
        ("KEXEC_REMOVE", "b"),
        ("KEXEC_BOOTLOADER", "bls"),
        ("KEXEC_METHOD", "file"),
        ("KEXEC_TOOLS", "/bin/kexec"),
        ("KEXEC_TIMEOUT", "7"),
        ("KEXEC_RESPECT_MANUAL", "no"),
        ("KEXEC_REQUIRE_MODULES", "no"),
        ("KEXEC_REQUIRE_CONFIRM", "no"),
    ];
    assert_eq!(values.len(), KEYS.len(), "case every key listed here");
    let text: String = values.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    let (s, w) = parse(&text, F).expect("all keys parse");
    assert!(w.is_empty(), "case no warnings: {w:?}");
    let changed = Settings {
        kernel: KernelChoice::Newest,
        initrd: InitrdChoice::None,
        cmdline: CmdlineChoice::Running,
        append: "a".into(),
        remove: "b".into(),
        bootloader: BootloaderChoice::Bls,
        method: Method::File,
        kexec_tools: "/bin/kexec".into(),
        timeout: Duration::from_secs(7),
        respect_manual: false,
        require_modules: false,
        require_confirm: false,
    };
    assert_eq!(s, changed, "case every key takes effect");
    for (k, help) in KEYS {
        assert!(!help.is_empty() && !help.contains('\n'), "case help of {k}");
    }
}

#[test]
fn raw_values_keep_lines_and_duplicates() {
    let text = "export KEXEC_APPEND='a b' # c\n\nKEXEC_APPEND=\"c;d\"\nX=1\n";
    let (raw, _) = parse_raw(text, F).expect("parses");
    let got: Vec<(&str, &str, usize)> = raw
        .iter()
        .map(|r| (r.key.as_str(), r.value.as_str(), r.line))
        .collect();
    assert_eq!(
        got,
        vec![
            ("KEXEC_APPEND", "a b", 1),
            ("KEXEC_APPEND", "c;d", 3),
            ("X", "1", 4)
        ],
        "case raw layer"
    );
}

/// What `sh` assigns for each accepted value form is what we read: the forms the line scan
/// lets through mean the same to a shell and to us. Runs dash and bash when present.
#[test]
fn values_agree_with_sh() {
    let tokens = [
        "plain",
        "",
        "''",
        "\"\"",
        "console=ttyS0,115200n8",
        "a#b",
        "\"a b  c\"",
        "\"a # not a comment\"",
        "\"semi;colon|pipe&amp<>()\"",
        "'single $HOME `id` \"dq\" \\n'",
        "\"back\\slash\"",
        "'back\\slash'",
        "\"it's\"",
        "'say \"hi\"'",
        "a*b?[c]{d}",
        "a~b",
        "'tab\there'",
        "\"x\" # comment",
        "x\t# comment",
        "\"ünïcödé\"",
    ];
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut shells_run = 0;
    for shell in ["dash", "bash"] {
        if Command::new(shell).arg("-c").arg("true").status().is_err() {
            continue;
        }
        shells_run += 1;
        for token in tokens {
            let text = format!("export KEXEC_APPEND={token}\n");
            let path = dir.path().join("kexec");
            std::fs::write(&path, &text).expect("writing the sample");
            let out = Command::new(shell)
                .arg("-c")
                .arg(". \"$1\" && printf %s \"$KEXEC_APPEND\"")
                .arg(shell)
                .arg(&path)
                .output()
                .expect("running the shell");
            assert!(out.status.success(), "case {shell} {token:?}: {out:?}");
            let sh_value = String::from_utf8_lossy(&out.stdout).into_owned();
            let (raw, _) = parse_raw(&text, F).unwrap_or_else(|e| panic!("case {token:?}: {e:#}"));
            assert_eq!(raw.len(), 1, "case {token:?}");
            assert_eq!(raw[0].value, sh_value, "case {shell} {token:?}");
        }
    }
    assert!(shells_run > 0, "no shell to compare with");
}

#[test]
fn load_from_a_root() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let root = SysRoot::new(dir.path());
    let (s, w) = load(&root, F).expect("missing file");
    assert_eq!((s, w.len()), (Settings::default(), 0), "case missing file");

    std::fs::create_dir_all(dir.path().join("etc/sysconfig")).expect("mkdir");
    let host = dir.path().join("etc/sysconfig/kexec");
    std::fs::write(&host, "KEXEC_KERNEL=newest\n").expect("write");
    let (s, _) = load(&root, F).expect("a good file");
    assert_eq!(s.kernel, KernelChoice::Newest, "case good file");

    std::fs::write(&host, "").expect("write");
    assert_eq!(
        load(&root, F).expect("empty").0,
        Settings::default(),
        "case empty file"
    );

    std::fs::write(&host, b"# ok\nKEXEC_APPEND=\xff\xfe\n".as_slice()).expect("write");
    let err = load(&root, F).expect_err("invalid UTF-8");
    assert_eq!(
        format!("{err:#}"),
        "/etc/sysconfig/kexec:2: not valid UTF-8 text; save the file as plain ASCII or UTF-8",
        "case invalid UTF-8"
    );
    assert_eq!(exit_code(&err), 3, "case invalid UTF-8 exit code");

    std::fs::remove_file(&host).expect("rm");
    std::fs::create_dir(&host).expect("mkdir in place of the file");
    let err = load(&root, F).expect_err("a directory");
    let msg = format!("{err:#}");
    assert!(
        msg.starts_with("reading /etc/sysconfig/kexec: "),
        "case directory: {msg}"
    );
    assert!(!msg.contains('\n'), "case directory: one line");
    assert_eq!(exit_code(&err), 3, "case directory exit code");
}

#[test]
fn no_panic_on_arbitrary_text() {
    let pieces = [
        "KEXEC_KERNEL",
        "=",
        "\"",
        "'",
        "$",
        "`",
        "\\",
        " ",
        "\t",
        "#",
        "\n",
        "\r\n",
        "export ",
        "x",
        "é",
        "\0",
        "[s]",
        ":",
        ";",
        "~",
        "/boot/..",
        "600",
        "KEXEC_TIMEOUT=",
    ];
    let mut x: u32 = 0x9e37_79b9;
    for _ in 0..3000 {
        let mut text = String::new();
        for _ in 0..(x % 12) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            text.push_str(pieces[(x as usize) % pieces.len()]);
        }
        if let Err(e) = parse(&text, F) {
            let msg = format!("{e:#}");
            assert!(msg.starts_with("/etc/sysconfig/kexec:"), "{text:?}: {msg}");
            assert!(!msg.contains('\n'), "{text:?}: one line: {msg}");
            assert_eq!(exit_code(&e), 3, "{text:?}");
        }
    }
}
