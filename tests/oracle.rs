//! The boot loader oracle matrix: every case directory under tests/oracle/cases runs through
//! tests/vm/oracle.sh, which boots it twice from the same disks, once through kexec (the
//! product's choice) and once through the firmware and the real GRUB (the boot loader's
//! choice), and says `same` or `differ`. tests/oracle/README.md says how to add a case.
//!
//! The matrix needs QEMU, GRUB, OVMF and the RPM, so it is `#[ignore]`d in a plain
//! `cargo test`; `make test-oracle` (part of `make test`) runs it with `--ignored`.
//! `KEXEC_ORACLE_CASES=name,name` runs only those cases. The shape of the case directories is
//! checked in every `cargo test`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const CONFIGS: [&str; 3] = ["grub.conf", "grub.cfg", "efi/grub.cfg"];

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/cases");
    let mut v: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

#[test]
fn every_case_names_one_boot_loader_and_both_kernels() {
    let all = cases();
    assert!(!all.is_empty(), "no oracle cases");
    for c in all {
        let configs: Vec<&str> = CONFIGS
            .iter()
            .copied()
            .filter(|f| c.join(f).is_file())
            .collect();
        assert_eq!(
            configs.len(),
            1,
            "{}: want exactly one of {CONFIGS:?}, found {configs:?}",
            c.display()
        );
        let text = fs::read_to_string(c.join(configs[0])).expect("reading the case's config");
        assert!(
            text.contains("@ARGS@"),
            "{}: no @ARGS@: the kernels cannot find their root disk",
            c.display()
        );
        assert!(
            text.contains("@A@") && text.contains("@B@"),
            "{}: the menu should offer both kernels (@A@ and @B@)",
            c.display()
        );
    }
}

#[test]
#[ignore = "boots QEMU with real GRUB and kernels; run by make test-oracle"]
fn kexec_lands_where_the_boot_loader_lands() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let only: Option<Vec<String>> = std::env::var("KEXEC_ORACLE_CASES")
        .ok()
        .map(|s| s.split(',').map(str::to_string).collect());
    let mut ran = 0;
    let mut differ = Vec::new();
    for c in cases() {
        let name = c
            .file_name()
            .expect("case name")
            .to_string_lossy()
            .to_string();
        if only.as_ref().is_some_and(|o| !o.contains(&name)) {
            continue;
        }
        let out = Command::new("sh")
            .arg(root.join("tests/vm/oracle.sh"))
            .arg(&c)
            .output()
            .unwrap_or_else(|e| panic!("{name}: running tests/vm/oracle.sh: {e}"));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        println!("== {name}\n{stdout}");
        match out.status.code() {
            Some(0) => assert!(stdout.ends_with("same\n"), "{name}: exit 0 without `same`"),
            Some(1) => differ.push(name.clone()),
            _ => panic!("{name}: oracle.sh failed ({}):\n{stderr}", out.status),
        }
        ran += 1;
    }
    println!("oracle: {ran} cases ran, {} differ", differ.len());
    assert!(ran > 0, "no case ran (KEXEC_ORACLE_CASES matches none?)");
    assert!(
        differ.is_empty(),
        "kexec and firmware differ in: {differ:?}"
    );
}
