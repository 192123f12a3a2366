//! Tests of the bzImage header checks, on generated images and (when given) a real kernel.

use super::*;

const V: &str = "2.6.32-754.el6.x86_64";

fn with(f: impl FnOnce(&mut FakeImage)) -> Vec<u8> {
    let mut o = FakeImage::new(V);
    f(&mut o);
    o.build()
}

#[test]
fn fake_is_valid_and_small() {
    let img = fake_bzimage(V);
    assert!(img.len() < 8192, "fake is a few KiB");
    let info = inspect(&img).expect("fake parses");
    assert_eq!(info.protocol, (2, 15));
    assert_eq!(info.cmdline_size, 2048);
    assert!(info.can_64bit);
    assert_eq!(
        info.version_string.as_deref(),
        Some("2.6.32-754.el6.x86_64 (fake@build) #1 SMP")
    );
    let h = parse_header(&img, Some(img.len() as u64)).expect("header");
    assert!(h.relocatable);
    assert_eq!(h.file_load_problem(), None);
    assert_eq!(h.bits, Bits::B64);
}

#[test]
fn bad_images() {
    let elf = {
        let mut v = vec![0u8; 4096];
        v[..4].copy_from_slice(b"\x7fELF");
        v
    };
    let gz = {
        let mut v = vec![0u8; 4096];
        v[..3].copy_from_slice(&[0x1f, 0x8b, 0x08]);
        v
    };
    let pe = {
        let mut v = vec![0u8; 4096];
        v[..2].copy_from_slice(b"MZ");
        v
    };
    let arm64 = {
        let mut v = pe.clone();
        v[0x38..0x3c].copy_from_slice(b"ARM\x64");
        v
    };
    let img_len = fake_bzimage(V).len();
    let cases: Vec<(&str, Vec<u8>, ImageError)> = vec![
        ("empty", vec![], ImageError::Empty),
        (
            "tiny",
            vec![0u8; 100],
            ImageError::Truncated {
                len: 100,
                need: 0x206,
            },
        ),
        ("elf vmlinux", elf, ImageError::Elf),
        ("gzip vmlinux", gz, ImageError::Compressed("gzip")),
        (
            "pe only",
            pe,
            ImageError::PeOnly("an EFI application or EFI-only kernel"),
        ),
        (
            "arm64 image",
            arm64,
            ImageError::PeOnly("an arm64 kernel Image"),
        ),
        ("random text", vec![b'x'; 4096], ImageError::NotBzImage),
        (
            "no magic",
            with(|o| o.magic = false),
            ImageError::PeOnly("an EFI application or EFI-only kernel"),
        ),
        (
            "no boot flag",
            with(|o| o.boot_flag = false),
            ImageError::NoBootSector,
        ),
        ("zimage", with(|o| o.loadflags = 0), ImageError::ZImage),
        (
            "protocol 2.01",
            with(|o| o.protocol = (2, 1)),
            ImageError::ProtocolTooOld(2, 1),
        ),
        (
            "a bzImage cut before its header is truncated, not PE-only",
            with(|o| o.truncate_to = Some(0x180)),
            ImageError::Truncated {
                len: 0x180,
                need: 0x206,
            },
        ),
        (
            "cut in setup area",
            with(|o| o.truncate_to = Some(0x300)),
            ImageError::Truncated {
                len: 0x300,
                need: 2560,
            },
        ),
        (
            "cut in payload",
            with(|o| o.truncate_to = Some(img_len - 100)),
            ImageError::Truncated {
                len: (img_len - 100) as u64,
                need: (img_len - 15) as u64,
            },
        ),
        (
            "32-bit on 64-bit host",
            with(|o| o.xloadflags = 0),
            ImageError::Only32Bit,
        ),
        (
            "old i686 by version",
            with(|o| {
                o.protocol = (2, 10);
                o.xloadflags = 0;
                o.version = "2.6.32-754.el6.i686".into();
            }),
            ImageError::Only32Bit,
        ),
    ];
    for (name, img, want) in cases {
        let err = inspect_for(&img, Some(img.len() as u64), true)
            .err()
            .unwrap_or_else(|| panic!("case {name}: expected an error"));
        assert_eq!(err.downcast_ref::<ImageError>(), Some(&want), "case {name}");
        assert!(!err.to_string().contains('\n'), "case {name}: one line");
    }
}

#[test]
fn good_variants() {
    // (name, image, host_64bit, protocol, cmdline_size, can_64bit, file_load ok)
    type Case = (&'static str, Vec<u8>, bool, (u8, u8), u32, bool, bool);
    let cases: Vec<Case> = vec![
        ("modern", fake_bzimage(V), true, (2, 15), 2048, true, true),
        (
            "centos6 2.10, x86_64 by version",
            with(|o| {
                o.protocol = (2, 10);
                o.xloadflags = 0xffff; // not read before 2.12
                o.cmdline_size = 4095;
            }),
            true,
            (2, 10),
            4095,
            false,
            false,
        ),
        (
            "centos5 2.05, cmdline_size not read",
            with(|o| {
                o.protocol = (2, 5);
                o.version = "2.6.18-398.el5".into();
                o.cmdline_size = 9999;
                o.xloadflags = 0;
            }),
            true,
            (2, 5),
            255,
            false,
            false,
        ),
        (
            "2.02 minimum",
            with(|o| {
                o.protocol = (2, 2);
                o.version = "2.4.21".into();
            }),
            true,
            (2, 2),
            255,
            false,
            false,
        ),
        (
            "setup_sects 0 means 4",
            with(|o| o.setup_sects = 0),
            true,
            (2, 15),
            2048,
            true,
            true,
        ),
        (
            "32-bit kernel on 32-bit host",
            with(|o| o.xloadflags = 0),
            false,
            (2, 15),
            2048,
            false,
            false,
        ),
        (
            "no above-4G: kexec -l only",
            with(|o| o.xloadflags = XLF_KERNEL_64),
            true,
            (2, 15),
            2048,
            true,
            false,
        ),
    ];
    for (name, img, host64, proto, size, can64, file_ok) in cases {
        let h = inspect_for(&img, Some(img.len() as u64), host64)
            .unwrap_or_else(|e| panic!("case {name}: {e:#}"));
        let info = h.info();
        assert_eq!(info.protocol, proto, "case {name}");
        assert_eq!(info.cmdline_size, size, "case {name}");
        assert_eq!(info.can_64bit, can64, "case {name}");
        assert_eq!(h.file_load_problem().is_none(), file_ok, "case {name}");
    }
}

#[test]
fn head_only_and_head_with_length() {
    // A 200 KiB image read as preflight does: its first 64 KiB.
    let img = with(|o| o.payload = 200 * 1024);
    let head = &img[..65536];
    assert!(
        inspect(head).is_ok(),
        "case inspect on a head skips the payload check"
    );
    assert!(
        inspect_head(head, img.len() as u64).is_ok(),
        "case head with the full length"
    );
    let err = inspect_head(head, 100_000).err();
    assert!(
        matches!(
            err.as_ref().and_then(|e| e.downcast_ref::<ImageError>()),
            Some(ImageError::Truncated { .. })
        ),
        "case head of a file cut to 100000 bytes: {err:?}"
    );
}

#[test]
fn version_string_edge_cases() {
    let base = fake_bzimage(V);
    let mut no_ptr = base.clone();
    no_ptr[0x20e] = 0;
    no_ptr[0x20f] = 0;
    let mut past_setup = base.clone();
    past_setup[0x20e..0x210].copy_from_slice(&0xff00u16.to_le_bytes());
    let mut no_nul = base.clone();
    for b in &mut no_nul[0x400..2560] {
        *b = b'a';
    }
    let mut binary = base.clone();
    binary[0x401] = 0x01;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("null pointer", no_ptr),
        ("points past the setup area", past_setup),
        ("no NUL in the setup area", no_nul),
        ("not printable", binary),
    ];
    for (name, img) in cases {
        let info = inspect(&img).unwrap_or_else(|e| panic!("case {name}: {e:#}"));
        assert_eq!(info.version_string, None, "case {name}");
    }
}

#[test]
fn version_matches_cases() {
    let info = inspect(&fake_bzimage(V)).expect("fake parses");
    let cases: &[(&str, &str, bool)] = &[
        ("exact release", V, true),
        ("prefix of a longer release", "2.6.32-75", false),
        ("release without arch", "2.6.32-754.el6", false),
        ("empty", "", false),
        ("other", "3.10.0-1160.el7.x86_64", false),
    ];
    for (name, version, want) in cases {
        assert_eq!(version_matches(&info, version), *want, "case {name}");
    }
    let none = KernelInfo {
        version_string: None,
        ..info
    };
    assert!(!version_matches(&none, V), "case no version string");
}

#[test]
fn no_panic_on_arbitrary_bytes() {
    // Every prefix of a valid image, every single-byte corruption of its header, and
    // pseudo-random junk: errors are fine, panics are not.
    let img = fake_bzimage(V);
    for n in 0..img.len() {
        let _ = parse_header(&img[..n], Some(n as u64));
        let _ = parse_header(&img[..n], Some(img.len() as u64));
        let _ = parse_header(&img[..n], None);
    }
    for off in 0x1f0..0x270 {
        for val in [0u8, 0x01, 0x7f, 0x80, 0xff] {
            let mut m = img.clone();
            m[off] = val;
            let _ = inspect(&m);
        }
    }
    let mut x: u32 = 0x1234_5678;
    for len in [0usize, 1, 2, 0x205, 0x206, 0x300, 4096] {
        let junk: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        let _ = inspect(&junk);
    }
}

/// A real distribution kernel, when one is at hand:
/// `KEXEC_REBOOT_REAL_KERNEL=/tmp/x/boot/vmlinuz-... cargo test real_kernel`.
#[test]
fn real_kernel() {
    let Ok(path) = std::env::var("KEXEC_REBOOT_REAL_KERNEL") else {
        eprintln!("KEXEC_REBOOT_REAL_KERNEL not set: skipped");
        return;
    };
    let img = std::fs::read(&path).expect("reading the real kernel");
    let h = parse_header(&img, Some(img.len() as u64)).expect("real kernel parses");
    eprintln!("{path}: {h:?}");
    assert!(h.protocol >= (2, 12), "a modern kernel");
    assert_eq!(h.bits, Bits::B64);
    assert_eq!(h.file_load_problem(), None);
    assert!(h.cmdline_size >= 2047);
    let name = path.rsplit('/').next().unwrap_or("");
    let release = name.strip_prefix("vmlinuz-").unwrap_or(name);
    assert!(version_matches(&h.info(), release), "version of {release}");
    let head = &img[..65536];
    assert_eq!(
        parse_header(head, Some(img.len() as u64)).as_ref(),
        Ok(&h),
        "64 KiB head with the file length"
    );
    let cut = img.len() / 2;
    assert!(
        matches!(
            parse_header(&img[..cut], Some(cut as u64)),
            Err(ImageError::Truncated { .. })
        ),
        "real kernel cut in half is truncated"
    );
}
