//! The shipped /etc/sysconfig/kexec (sysconfig/kexec): every key documented and commented
//! out with its default, valid shell syntax, and accepted by `kexec-reboot check` both as
//! shipped and with every default line uncommented (so the documented defaults are real).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every key, with the default the file must document.
const KEYS: &[(&str, &str)] = &[
    ("KEXEC_KERNEL", "default"),
    ("KEXEC_INITRD", "auto"),
    ("KEXEC_CMDLINE", "auto"),
    ("KEXEC_APPEND", "\"\""),
    ("KEXEC_REMOVE", "\"\""),
    ("KEXEC_BOOTLOADER", "auto"),
    ("KEXEC_METHOD", "auto"),
    ("KEXEC_TOOLS", "/sbin/kexec"),
    ("KEXEC_TIMEOUT", "30"),
    ("KEXEC_RESPECT_MANUAL", "yes"),
    ("KEXEC_REQUIRE_MODULES", "yes"),
    ("KEXEC_REQUIRE_CONFIRM", "yes"),
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn shipped() -> String {
    fs::read_to_string(repo().join("sysconfig/kexec")).expect("reading sysconfig/kexec")
}

#[test]
fn every_key_is_commented_out_with_its_default_and_documented() {
    let text = shipped();
    for (key, default) in KEYS {
        let line = format!("#{key}={default}");
        let n = text.lines().filter(|l| *l == line).count();
        assert_eq!(n, 1, "{key}: expected exactly one line {line:?}");
        let doc = format!("# {key}:");
        assert!(
            text.lines().any(|l| l.starts_with(&doc)),
            "{key}: no `{doc}` description"
        );
    }
    let keys_doc = text.lines().filter(|l| l.starts_with("# KEXEC_")).count();
    assert_eq!(
        keys_doc,
        KEYS.len(),
        "one description per key, no unknown keys"
    );
    for (i, l) in text.lines().enumerate() {
        let t = l.trim();
        assert!(
            t.is_empty() || t.starts_with('#'),
            "line {}: {l:?} is not commented out",
            i + 1
        );
    }
}

#[test]
fn parses_under_bash_and_dash_and_sets_nothing() {
    let file = repo().join("sysconfig/kexec");
    for sh in ["bash", "dash"] {
        let out = Command::new(sh)
            .arg("-c")
            .arg(". \"$1\" && set | grep '^KEXEC_' || true")
            .arg(sh)
            .arg(&file)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .output()
            .unwrap_or_else(|e| panic!("running {sh} (install it: sh tests/deps.sh): {e}"));
        assert!(
            out.status.success(),
            "{sh}: sourcing sysconfig/kexec failed: {out:?}"
        );
        let set = String::from_utf8_lossy(&out.stdout);
        assert!(
            set.trim().is_empty(),
            "{sh}: the shipped file sets variables: {set}"
        );
    }
}

fn copy_tree(from: &Path, to: &Path) {
    let st = Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", from.display()))
        .arg(to)
        .status()
        .expect("running cp");
    assert!(
        st.success(),
        "copying {} to {}",
        from.display(),
        to.display()
    );
}

/// `kexec-reboot --root ROOT check` with `config` as /etc/sysconfig/kexec on the CentOS 5
/// fixture; returns (exit code, stdout, stderr).
fn check_with(config: &str) -> (Option<i32>, String, String) {
    let root = tempfile::tempdir().expect("making a temporary root");
    copy_tree(&repo().join("tests/fixtures/centos5-seed"), root.path());
    let conf = root.path().join("etc/sysconfig/kexec");
    fs::create_dir_all(conf.parent().expect("a parent")).expect("making etc/sysconfig");
    fs::write(&conf, config).expect("writing the config");
    let out = Command::new(env!("CARGO_BIN_EXE_kexec-reboot"))
        .arg("--root")
        .arg(root.path())
        .arg("check")
        .output()
        .expect("running kexec-reboot check");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_says_the_shipped_file_is_valid() {
    let (code, out, err) = check_with(&shipped());
    assert!(
        out.contains("config: /etc/sysconfig/kexec: valid"),
        "shipped file: check must call it valid; stdout {out:?} stderr {err:?}"
    );
    assert_eq!(
        code,
        Some(0),
        "shipped file: check exit code; stdout {out:?} stderr {err:?}"
    );
}

#[test]
fn check_accepts_every_documented_default_uncommented() {
    let text: String = shipped()
        .lines()
        .map(|l| match l.strip_prefix("#KEXEC_") {
            Some(rest) => format!("KEXEC_{rest}\n"),
            None => format!("{l}\n"),
        })
        .collect();
    let set = text.lines().filter(|l| l.starts_with("KEXEC_")).count();
    assert_eq!(set, KEYS.len(), "every key uncommented");
    let (code, out, err) = check_with(&text);
    assert!(
        out.contains("config: /etc/sysconfig/kexec: valid"),
        "defaults uncommented: check must call it valid; stdout {out:?} stderr {err:?}"
    );
    assert_eq!(
        code,
        Some(0),
        "defaults uncommented: exit code; stdout {out:?} stderr {err:?}"
    );
}
