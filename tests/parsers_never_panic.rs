//! Every parser, fed arbitrary bytes and mutated copies of the fixture files (byte flips, lines
//! duplicated, deleted, swapped, truncation, junk inserted), must return (a value, warnings or an
//! error) without panicking and in bounded time: a parser that panics or hangs at shutdown
//! turns a reboot into an outage. Also the algebra of rpmvercmp (reflexive, antisymmetric,
//! agreeing with evr_cmp).
//!
//! Case counts are chosen so the whole file runs in well under 20 s in a debug build; each
//! call is timed and must finish within [`BOUND`] (loose: not a benchmark). `PROPTEST_CASES`
//! overrides every count for a longer local run. The same entry points are cargo-fuzz targets
//! under fuzz/ (docs/fuzzing.md).

use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::Config;

use kexec_reboot::bootloader::script::{self, Env};
use kexec_reboot::bootloader::{self, bls, grub2, grub_legacy, grubenv};
use kexec_reboot::kernel_image::{self, FakeImage};
use kexec_reboot::version::{evr_cmp, rpmvercmp};
use kexec_reboot::{cmdline, config, efivars};

/// The most one parser call may take, even in a debug build on a busy machine.
const BOUND: Duration = Duration::from_secs(1);

/// `cases` unless `PROPTEST_CASES` says otherwise.
fn cfg(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Runs `f` and fails the case when it takes longer than [`BOUND`].
fn timed<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, TestCaseError> {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    prop_assert!(took < BOUND, "{what} took {took:?}");
    Ok(out)
}

// ---- seeds: the fixture files -----------------------------------------------------------------

macro_rules! fixture {
    ($path:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/",
            $path
        ))
        .as_slice()
    };
}

const GRUB_CONF: &[&[u8]] = &[
    fixture!("centos5-seed/boot/grub/grub.conf"),
    fixture!("centos6-saved/boot/grub/grub.conf"),
];
const GRUB_CFG: &[&[u8]] = &[
    fixture!("centos7-grub2/boot/grub2/grub.cfg"),
    fixture!("fedora-bls/boot/grub2/grub.cfg"),
];
const GRUBENV: &[&[u8]] = &[
    fixture!("centos7-grub2/boot/grub2/grubenv"),
    fixture!("fedora-bls/boot/grub2/grubenv"),
];
const BLS: &[&[u8]] = &[
    fixture!("fedora-bls/boot/loader/entries/8e2c4b1f9a7d4c3e8b6a5f4e3d2c1b0a-5.14.10-100.fc33.x86_64.conf"),
    fixture!("fedora-bls/boot/loader/entries/8e2c4b1f9a7d4c3e8b6a5f4e3d2c1b0a-0-rescue.conf"),
];
/// Every key, the forms the line scan accepts, and some it refuses.
const CONFIG: &[&[u8]] = &[b"# /etc/sysconfig/kexec\n\
KEXEC_KERNEL=default\n\
KEXEC_INITRD=auto\n\
KEXEC_CMDLINE=\"root=/dev/sda1 ro quiet\"\n\
export KEXEC_APPEND='console=ttyS0,115200 x=\"1 2\"'\n\
KEXEC_REMOVE=\"rhgb quiet\"  # trailing comment\n\
KEXEC_BOOTLOADER=grub\n\
KEXEC_METHOD=kexec-tools\n\
KEXEC_TOOLS=/sbin/kexec\n\
KEXEC_TIMEOUT=30\n\
KEXEC_RESPECT_MANUAL=yes\n\
KEXEC_REQUIRE_MODULES=no\n\
KEXEC_KERNEL=2.6.32-754.el6.x86_64\n\
KEXEC_APPEND=\"$(bad)\"\n"];

/// A `Boot####` as efibootmgr writes it: "Rocky Linux", HD(1,GPT,...)/File(\EFI\rocky\shimx64.efi),
/// then optional data; and one split over two file path nodes with an instance end in between.
fn load_option_seeds() -> Vec<Vec<u8>> {
    let ucs2 = |s: &str| -> Vec<u8> {
        s.encode_utf16()
            .chain([0])
            .flat_map(|c| c.to_le_bytes())
            .collect()
    };
    let node = |kind: u8, sub: u8, body: &[u8]| -> Vec<u8> {
        let mut n = vec![kind, sub];
        n.extend(((body.len() + 4) as u16).to_le_bytes());
        n.extend(body);
        n
    };
    let mut hd = 1u32.to_le_bytes().to_vec();
    hd.extend(2048u64.to_le_bytes());
    hd.extend(1_228_800u64.to_le_bytes());
    hd.extend([0x5a; 16]);
    hd.extend([2, 2]);
    let option = |desc: &str, paths: &[u8]| -> Vec<u8> {
        let mut v = 1u32.to_le_bytes().to_vec();
        v.extend((paths.len() as u16).to_le_bytes());
        v.extend(ucs2(desc));
        v.extend(paths);
        v.extend(b"RC");
        v
    };
    let mut one = node(4, 1, &hd);
    one.extend(node(4, 4, &ucs2("\\EFI\\rocky\\shimx64.efi")));
    one.extend(node(0x7f, 0xff, &[]));
    let mut two = node(4, 4, &ucs2("\\EFI\\alma"));
    two.extend(node(4, 4, &ucs2("grubx64.efi")));
    two.extend(node(0x7f, 0x01, &[]));
    two.extend(node(4, 4, &ucs2("\\EFI\\centos\\grubx64.efi")));
    two.extend(node(0x7f, 0xff, &[]));
    vec![option("Rocky Linux", &one), option("AlmaLinux", &two)]
}

fn run_efivars(bytes: &[u8]) -> Result<(), TestCaseError> {
    timed("efivars parsers", || {
        if let Some(v) = efivars::efivarfs_value(bytes) {
            let _ = efivars::parse_u16(v);
            let _ = efivars::parse_u64(v);
        }
        if let Ok(o) = efivars::parse_load_option(bytes) {
            if let Some(f) = &o.file {
                let _ = efivars::vendor_dir(f);
            }
        }
        let _ = efivars::file_path(bytes);
        let _ = efivars::vendor_dir(&text(bytes));
    })?;
    Ok(())
}

// ---- mutations --------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Mutation {
    FlipBit(usize, u8),
    SetByte(usize, u8),
    DuplicateLine(usize),
    DeleteLine(usize),
    SwapLines(usize, usize),
    Truncate(usize),
    Insert(usize, Vec<u8>),
}

/// Bytes that matter to the parsers, so insertions hit the interesting paths often.
fn special_bytes() -> impl Strategy<Value = Vec<u8>> {
    let tokens: Vec<&'static [u8]> = vec![
        b"{",
        b"}",
        b"\"",
        b"'",
        b"\\",
        b"$",
        b"${",
        b"$(",
        b"`",
        b"=",
        b"\n",
        b"\r\n",
        b"\t",
        b"#",
        b";",
        b">",
        b"[",
        b"]",
        b"\0",
        b"\xff",
        b"menuentry ",
        b"submenu ",
        b"title ",
        b"default=",
        b"saved_entry=",
        b"if [ ",
        b" ]; then\n",
        b"fi\n",
        b"linux ",
        b"initrd ",
        b"kernel ",
        b"options ",
        b"set ",
        b"function f {\n",
        b"blscfg\n",
        b"HdrS",
    ];
    prop_oneof![
        proptest::sample::select(tokens).prop_map(<[u8]>::to_vec),
        proptest::collection::vec(any::<u8>(), 1..16),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(i, b)| Mutation::FlipBit(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::SetByte(i, b)),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        any::<usize>().prop_map(Mutation::DeleteLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), special_bytes()).prop_map(|(i, b)| Mutation::Insert(i, b)),
    ]
}

fn apply(seed: &[u8], muts: &[Mutation]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for m in muts {
        let lines = |v: &[u8]| -> Vec<Vec<u8>> {
            v.split_inclusive(|&b| b == b'\n')
                .map(<[u8]>::to_vec)
                .collect()
        };
        match m {
            Mutation::FlipBit(i, b) if !v.is_empty() => {
                let n = i % v.len();
                v[n] ^= 1 << b;
            }
            Mutation::SetByte(i, b) if !v.is_empty() => {
                let n = i % v.len();
                v[n] = *b;
            }
            Mutation::DuplicateLine(i) => {
                let mut l = lines(&v);
                if !l.is_empty() {
                    let n = i % l.len();
                    let dup = l[n].clone();
                    l.insert(n, dup);
                    v = l.concat();
                }
            }
            Mutation::DeleteLine(i) => {
                let mut l = lines(&v);
                if !l.is_empty() {
                    l.remove(i % l.len());
                    v = l.concat();
                }
            }
            Mutation::SwapLines(a, b) => {
                let mut l = lines(&v);
                if !l.is_empty() {
                    let n = l.len();
                    l.swap(a % n, b % n);
                    v = l.concat();
                }
            }
            Mutation::Truncate(i) => v.truncate(i % (v.len() + 1)),
            Mutation::Insert(i, bytes) => {
                let at = i % (v.len() + 1);
                v.splice(at..at, bytes.iter().copied());
            }
            _ => {}
        }
    }
    v
}

/// A fixture file from `seeds`, mutated 1 to 8 times.
fn mutated(seeds: &'static [&'static [u8]]) -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::sample::select(seeds.to_vec()),
        proptest::collection::vec(mutation(), 1..8),
    )
        .prop_map(|(seed, muts)| apply(seed, &muts))
}

fn arbitrary_bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..2048)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// ---- the parsers, one call each ---------------------------------------------------------------

fn run_config(bytes: &[u8]) -> Result<(), TestCaseError> {
    let t = text(bytes);
    let r = timed("config::parse", || {
        config::parse(&t, "/etc/sysconfig/kexec")
    })?;
    if let Err(e) = r {
        // Operator-facing: one line, naming the file.
        let msg = format!("{e:#}");
        prop_assert!(!msg.contains('\n'), "config error on one line: {msg:?}");
        prop_assert!(
            msg.starts_with("/etc/sysconfig/kexec"),
            "names the file: {msg:?}"
        );
    }
    Ok(())
}

fn run_grub_legacy(bytes: &[u8], saved: Option<&str>) -> Result<(), TestCaseError> {
    let t = text(bytes);
    let menu = timed("grub_legacy::parse", || {
        grub_legacy::parse(&t, "/boot/grub/grub.conf", saved)
    })?;
    if let kexec_reboot::entry::DefaultEntry::Index(i, _) = menu.default {
        prop_assert!(i < menu.entries.len(), "default index {i} inside the menu");
    }
    Ok(())
}

fn run_grubenv(bytes: &[u8]) -> Result<(), TestCaseError> {
    timed("grubenv::parse", || {
        grubenv::parse(bytes, "/boot/grub2/grubenv")
    })?;
    Ok(())
}

fn run_bls(bytes: &[u8]) -> Result<(), TestCaseError> {
    let t = text(bytes);
    timed("bls::parse + menu", || {
        let (e, w) = bls::parse(&t, "/boot/loader/entries/x.conf", "x");
        let (env, _) = grubenv::parse(GRUBENV[1], "/boot/grub2/grubenv");
        bls::menu(&[e], Some(&env), w)
    })?;
    Ok(())
}

fn run_grub2(cfg: &[u8], env: &[u8]) -> Result<(), TestCaseError> {
    let t = text(cfg);
    let menu = timed("grub2::parse", || {
        let (g, _) = grubenv::parse(env, "/boot/grub2/grubenv");
        let (e, _) = bls::parse(&text(BLS[0]), "/boot/loader/entries/a.conf", "a");
        let exists = |p: &str| p.starts_with("/boot/");
        let ctx = grub2::Context {
            file: "/boot/grub2/grub.cfg",
            grubenv: Some(&g),
            platform: Some("pc"),
            exists: &exists,
            bls: &[e],
        };
        grub2::parse(&t, &ctx)
    })?;
    if let kexec_reboot::entry::DefaultEntry::Index(i, _) = menu.default {
        prop_assert!(i < menu.entries.len(), "default index {i} inside the menu");
    }
    Ok(())
}

fn run_script(bytes: &[u8]) -> Result<(), TestCaseError> {
    let t = text(bytes);
    timed("script::lex + parse + expand", || {
        let _ = script::lex(&t);
        let _ = script::parse(&t);
        let mut env = Env::default();
        env.set("kernelopts", "root=/dev/sda1 ro");
        let _ = env.expand_text(&t);
    })?;
    Ok(())
}

fn run_kernel(bytes: &[u8], len: Option<u64>) -> Result<(), TestCaseError> {
    timed("kernel_image::parse_header + inspect", || {
        let _ = kernel_image::parse_header(bytes, len);
        let _ = kernel_image::inspect(bytes);
        let _ = kernel_image::inspect_head(bytes, len.unwrap_or(bytes.len() as u64));
    })?;
    Ok(())
}

fn run_cmdline(a: &str, b: &str, c: &str) -> Result<(), TestCaseError> {
    timed("cmdline::split/compose/clean_running", || {
        let _ = cmdline::split(a);
        let _ = cmdline::clean_running(a);
        let _ = cmdline::compose(a, b, c);
    })?;
    Ok(())
}

fn run_misc(bytes: &[u8]) -> Result<(), TestCaseError> {
    let t = text(bytes);
    timed("fstab_layout + strip_device + version_from_kernel", || {
        let _ = bootloader::fstab_layout(&t);
        let _ = bootloader::strip_device(&t);
        let _ = bootloader::version_from_kernel(&t);
    })?;
    Ok(())
}

// ---- arbitrary bytes --------------------------------------------------------------------------

proptest! {
    #![proptest_config(cfg(400))]

    #[test]
    fn config_never_panics_on_bytes(b in arbitrary_bytes()) { run_config(&b)?; }

    #[test]
    fn grub_legacy_never_panics_on_bytes(b in arbitrary_bytes(), s in proptest::option::of(".{0,12}")) {
        run_grub_legacy(&b, s.as_deref())?;
    }

    #[test]
    fn grubenv_never_panics_on_bytes(b in arbitrary_bytes()) { run_grubenv(&b)?; }

    #[test]
    fn bls_never_panics_on_bytes(b in arbitrary_bytes()) { run_bls(&b)?; }

    #[test]
    fn grub2_never_panics_on_bytes(cfg in arbitrary_bytes(), env in arbitrary_bytes()) {
        run_grub2(&cfg, &env)?;
    }

    #[test]
    fn script_never_panics_on_bytes(b in arbitrary_bytes()) { run_script(&b)?; }

    #[test]
    fn kernel_header_never_panics_on_bytes(
        b in proptest::collection::vec(any::<u8>(), 0..4096),
        len in proptest::option::of(any::<u64>()),
    ) {
        run_kernel(&b, len)?;
    }

    #[test]
    fn cmdline_never_panics(a in ".{0,200}", b in ".{0,60}", c in ".{0,60}") {
        run_cmdline(&a, &b, &c)?;
    }

    #[test]
    fn small_helpers_never_panic_on_bytes(b in arbitrary_bytes()) { run_misc(&b)?; }

    #[test]
    fn efivars_never_panic_on_bytes(b in arbitrary_bytes()) { run_efivars(&b)?; }
}

// ---- mutated fixture files --------------------------------------------------------------------

proptest! {
    #![proptest_config(cfg(300))]

    #[test]
    fn config_never_panics_on_mutated_files(b in mutated(CONFIG)) { run_config(&b)?; }

    #[test]
    fn grub_legacy_never_panics_on_mutated_files(b in mutated(GRUB_CONF), s in proptest::option::of("[0-9]{0,3}\n?")) {
        run_grub_legacy(&b, s.as_deref())?;
    }

    #[test]
    fn grubenv_never_panics_on_mutated_files(b in mutated(GRUBENV)) { run_grubenv(&b)?; }

    #[test]
    fn bls_never_panics_on_mutated_files(b in mutated(BLS)) { run_bls(&b)?; }

    #[test]
    fn grub2_never_panics_on_mutated_files(cfg in mutated(GRUB_CFG), env in mutated(GRUBENV)) {
        run_grub2(&cfg, &env)?;
    }

    #[test]
    fn script_never_panics_on_mutated_files(b in mutated(GRUB_CFG)) { run_script(&b)?; }

    #[test]
    fn efivars_never_panic_on_mutated_load_options(
        which in 0usize..2,
        muts in proptest::collection::vec(mutation(), 1..8),
    ) {
        let seed = &load_option_seeds()[which];
        run_efivars(&apply(seed, &muts))?;
        // The seed itself parses to its loader path.
        let o = efivars::parse_load_option(seed).map_err(TestCaseError::fail)?;
        prop_assert!(o.file.as_deref().is_some_and(|f| f.ends_with("x64.efi")), "{o:?}");
    }

    #[test]
    fn kernel_header_never_panics_on_mutated_images(
        muts in proptest::collection::vec(mutation(), 1..8),
        protocol in (0u8..4, any::<u8>()),
        // FakeImage puts the version string at 0x400, so it builds with 0 (= 4) or 2+ setup
        // sectors; the mutations still put any value in the parsed bytes.
        setup_sects in prop_oneof![Just(0u8), 2u8..=255],
        cmdline_size in any::<u32>(),
        extra_len in proptest::option::of(any::<u64>()),
    ) {
        let mut img = FakeImage::new("5.14.10-100.fc33.x86_64");
        img.protocol = protocol;
        img.setup_sects = setup_sects;
        img.cmdline_size = cmdline_size;
        let bytes = apply(&img.build(), &muts);
        run_kernel(&bytes, extra_len)?;
        run_kernel(&bytes, Some(bytes.len() as u64))?;
    }
}

// ---- rpmvercmp --------------------------------------------------------------------------------

/// Version-like strings: the characters rpm treats specially, often.
fn version() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9a-z.~^_+-]{0,14}",
        "[0-9]{1,3}(\\.[0-9]{1,3}){0,3}(-[0-9]{1,4}(\\.el[5-9])?)?",
        ".{0,10}",
    ]
}

proptest! {
    #![proptest_config(cfg(2000))]

    #[test]
    fn rpmvercmp_is_reflexive(a in version()) {
        let r = timed("rpmvercmp", || rpmvercmp(&a, &a))?;
        prop_assert_eq!(r, std::cmp::Ordering::Equal, "rpmvercmp({:?}, itself)", a);
    }

    #[test]
    fn rpmvercmp_is_antisymmetric(a in version(), b in version()) {
        let ab = timed("rpmvercmp", || rpmvercmp(&a, &b))?;
        let ba = rpmvercmp(&b, &a);
        prop_assert_eq!(ab, ba.reverse(), "rpmvercmp({:?}, {:?}) vs swapped", a, b);
        let eab = evr_cmp(&a, &b);
        let eba = evr_cmp(&b, &a);
        prop_assert_eq!(eab, eba.reverse(), "evr_cmp({:?}, {:?}) vs swapped", a, b);
    }

    #[test]
    fn evr_cmp_agrees_with_rpmvercmp_without_epoch_or_release(
        a in "[0-9a-z.~^_+]{0,14}",
        b in "[0-9a-z.~^_+]{0,14}",
    ) {
        prop_assert_eq!(evr_cmp(&a, &b), rpmvercmp(&a, &b), "evr_cmp({:?}, {:?})", a, b);
        // An explicit epoch 0 is the same as none.
        prop_assert_eq!(evr_cmp(&format!("0:{a}"), &b), rpmvercmp(&a, &b), "0:{:?} vs {:?}", a, b);
        // A higher epoch always wins.
        prop_assert_eq!(evr_cmp(&format!("1:{a}"), &b), std::cmp::Ordering::Greater, "1:{:?} vs {:?}", a, b);
    }

    #[test]
    fn evr_cmp_compares_release_after_version(
        v in "[0-9]{1,3}(\\.[0-9]{1,3}){0,2}",
        r1 in "[0-9]{1,4}(\\.el[5-9])?",
        r2 in "[0-9]{1,4}(\\.el[5-9])?",
    ) {
        let a = format!("{v}-{r1}");
        let b = format!("{v}-{r2}");
        prop_assert_eq!(evr_cmp(&a, &b), rpmvercmp(&r1, &r2), "same version, releases {:?} {:?}", r1, r2);
    }
}

/// The fixture seeds are what the mutations start from: each must parse cleanly as it is, so a
/// mutation test exercises the parser's real paths rather than an early error.
#[test]
fn seeds_are_valid_inputs() {
    for s in GRUB_CONF {
        let m = grub_legacy::parse(&text(s), "/boot/grub/grub.conf", Some("1\n"));
        assert!(!m.entries.is_empty(), "grub.conf seed has entries");
    }
    for s in GRUBENV {
        let (g, w) = grubenv::parse(s, "/boot/grub2/grubenv");
        assert!(g.get("saved_entry").is_some(), "grubenv seed: {w:?}");
    }
    for s in BLS {
        let (e, w) = bls::parse(&text(s), "/boot/loader/entries/x.conf", "x");
        assert!(e.linux.is_some() && w.is_empty(), "BLS seed: {w:?}");
    }
    let r = config::parse(&text(CONFIG[0]), "/etc/sysconfig/kexec");
    let e = r.expect_err("the config seed ends with a refused line");
    assert!(
        format!("{e:#}").starts_with("/etc/sysconfig/kexec:14:"),
        "config seed: every line before the last is valid: {e:#}"
    );
    let (cmds, problems) = script::parse(&text(GRUB_CFG[0]));
    assert!(
        !cmds.is_empty() && problems.is_empty(),
        "grub.cfg seed: {problems:?}"
    );
}

// ---- deep nesting and long chains (issue 13, defect 2) ----------------------------------------

/// Shapes that made a parser recurse once per repetition: `(prefix, repeated, suffix)`.
const DEEP: &[(&str, &str, &str)] = &[
    ("if [ ", "! ", "x ]; then\nset default=1\nfi\n"),
    ("if [ ", "a = b -o ", "x ]; then\nset default=1\nfi\n"),
    ("if [ ", "x -a ", "x ]; then\nset default=1\nfi\n"),
    ("if test ", "! -a ! -o ", "x ; then\nset default=1\nfi\n"),
    ("if false; then\n", "elif false; then\n", "fi\n"),
    (
        "if [ $u ]; then\n",
        "elif [ $v ]; then\nset default=1\n",
        "fi\n",
    ),
    ("", "{\n", ""),
    ("", "if true; then\n", ""),
    ("", "submenu 'S' {\n", ""),
    ("", "menuentry 'M' {\nif true; then\n", ""),
    ("", "function f {\n", ""),
    ("", "for x in a; do\n", ""),
    ("", "if [ x ] ; then\n{\nsubmenu 'S' {\n", ""),
];

/// A grub.cfg with `rep` repeated `n` times, then two entries.
fn deep_cfg(prefix: &str, rep: &str, suffix: &str, n: usize) -> Vec<u8> {
    format!(
        "{prefix}{}{suffix}menuentry 'A' {{\nlinux /vmlinuz-1\n}}\n",
        rep.repeat(n)
    )
    .into_bytes()
}

/// Every text parser on `cfg`, untimed (the machine's load must not fail a test about the
/// stack): it returns.
fn parse_all(cfg: &str) {
    let exists = |p: &str| p.starts_with("/boot/");
    let ctx = grub2::Context {
        file: "/boot/grub2/grub.cfg",
        grubenv: None,
        platform: Some("pc"),
        exists: &exists,
        bls: &[],
    };
    let menu = grub2::parse(cfg, &ctx);
    if let kexec_reboot::entry::DefaultEntry::Index(i, _) = menu.default {
        assert!(i < menu.entries.len(), "default index {i} inside the menu");
    }
    let _ = script::parse(cfg);
    let _ = Env::default().expand_text(cfg);
    let _ = grub_legacy::parse(cfg, "/boot/grub/grub.conf", None);
    let _ = bls::parse(cfg, "/boot/loader/entries/x.conf", "x");
    let _ = config::parse(cfg, "/etc/sysconfig/kexec");
}

proptest! {
    #![proptest_config(cfg(12))]

    /// Every shape, any depth up to 12,000, through every text parser: no stack overflow
    /// (which aborts the process: no unload, no error line).
    #[test]
    fn deep_nesting_never_overflows(
        shape in 0..DEEP.len(),
        n in prop_oneof![1usize..200, 5_000usize..12_000],
    ) {
        let (prefix, rep, suffix) = DEEP[shape];
        parse_all(&text(&deep_cfg(prefix, rep, suffix, n)));
    }
}

/// The largest depth of every shape, once, outside proptest (which would shrink a crash).
#[test]
fn deepest_shapes_are_parsed() {
    for (prefix, rep, suffix) in DEEP {
        parse_all(&text(&deep_cfg(prefix, rep, suffix, 20_000)));
    }
}
