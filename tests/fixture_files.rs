//! The fake kernels and initrds of the fixture roots are generated, not hand-made: this test
//! checks that the committed files are exactly what the generator makes (so a fixture cannot
//! silently rot), and `REGENERATE_FIXTURES=1 cargo test --test fixture_files` rewrites them.

use std::fs;
use std::path::Path;

use kexec_reboot::kernel_image::fake_bzimage;

/// (path under tests/fixtures, expected bytes) for every generated file.
fn expected() -> Vec<(String, Vec<u8>)> {
    let list =
        fs::read_to_string("tests/fixtures/KERNELS").expect("reading tests/fixtures/KERNELS");
    let mut out = Vec::new();
    for line in list
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let f: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(f.len(), 4, "KERNELS line has 4 fields: {line}");
        let (fixture, kernel, version, initrd) = (f[0], f[1], f[2], f[3]);
        if kernel != "-" {
            out.push((format!("{fixture}/boot/{kernel}"), fake_bzimage(version)));
        }
        if initrd != "-" {
            let label = if version == "-" { initrd } else { version };
            out.push((
                format!("{fixture}/boot/{initrd}"),
                format!("fake initrd for {label}\n").into_bytes(),
            ));
        }
    }
    out
}

#[test]
fn fixture_kernels_are_generated_files() {
    let regenerate = std::env::var_os("REGENERATE_FIXTURES").is_some();
    let base = Path::new("tests/fixtures");
    let mut stale = Vec::new();
    for (rel, bytes) in expected() {
        let path = base.join(&rel);
        if regenerate {
            fs::write(&path, &bytes).expect("writing a fixture file");
        } else if fs::read(&path).ok().as_deref() != Some(bytes.as_slice()) {
            stale.push(rel);
        }
    }
    assert!(
        stale.is_empty(),
        "fixture files differ from the generator: {stale:?}; run REGENERATE_FIXTURES=1 cargo test --test fixture_files"
    );
}
