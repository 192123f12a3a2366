//! Builds what tests/rpm.rs checks, once per test run: `make srpm`, then the mock-like
//! rebuild of that SRPM alone (no network, empty environment, fresh HOME, no cargo registry),
//! then, from the rebuilt binary and the SRPM's own spec and sources, the el5/el6/el7
//! packages as `make rpm` makes them, and release N+1 of each for the upgrade tests.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What the clean rebuild produced.
#[derive(Clone)]
pub struct Built {
    pub work: PathBuf,
    pub spec: PathBuf,
    pub srpm: PathBuf,
    /// The binary RPM of the rebuild (no %{dist}).
    pub rpm: PathBuf,
    /// Its -debuginfo package.
    pub debuginfo: PathBuf,
    /// The binary RPM unpacked with rpm2cpio | cpio.
    pub tree: PathBuf,
    /// The SRPM unpacked: its spec and its two sources, nothing else.
    pub srpm_tree: PathBuf,
}

static BUILT: Mutex<Option<Result<Built, String>>> = Mutex::new(None);

/// Builds once; every test gets the same result (or the same failure).
pub fn built() -> Built {
    let mut slot = BUILT.lock().unwrap_or_else(|p| p.into_inner());
    if slot.is_none() {
        *slot = Some(build());
    }
    match slot.as_ref() {
        Some(Ok(b)) => b.clone(),
        Some(Err(e)) => panic!("building the RPM failed: {e}"),
        None => unreachable!("the slot was just filled"),
    }
}

pub fn out_text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub fn run(what: &str, cmd: &mut Command) -> Result<Output, String> {
    let o = cmd
        .output()
        .map_err(|e| format!("{what}: cannot run: {e}"))?;
    if !o.status.success() {
        return Err(format!("{what} failed: {}", tail(&out_text(&o), 60)));
    }
    Ok(o)
}

fn tail(s: &str, lines: usize) -> String {
    let v: Vec<&str> = s.lines().collect();
    v[v.len().saturating_sub(lines)..].join("\n")
}

fn need(tool: &str) -> Result<(), String> {
    let found = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]
        .iter()
        .any(|d| Path::new(d).join(tool).is_file());
    if found {
        Ok(())
    } else {
        Err(format!("{tool} is not installed: run `sh tests/deps.sh`"))
    }
}

/// Every file under `dir` whose name ends in `suffix`, sorted.
pub fn files_ending(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.to_string_lossy().ends_with(suffix))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

fn one(found: Vec<PathBuf>, what: &str) -> Result<PathBuf, String> {
    match found.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(format!("expected one {what}: {found:?}")),
    }
}

fn unpack(pkg: &Path, into: &Path) -> Result<(), String> {
    fs::create_dir_all(into).map_err(|e| format!("making {}: {e}", into.display()))?;
    run(
        "rpm2cpio | cpio",
        Command::new("sh")
            .arg("-c")
            .arg("rpm2cpio \"$1\" | cpio -idm --quiet")
            .arg("sh")
            .arg(pkg)
            .current_dir(into),
    )?;
    Ok(())
}

fn build() -> Result<Built, String> {
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("rpm-test");
    // For work on these tests only: KEXEC_RPM_TEST_REUSE=1 takes the previous run's build
    // (the rebuild takes minutes). Never set by make test.
    if std::env::var_os("KEXEC_RPM_TEST_REUSE").is_some() {
        if let Some(b) = reuse(&work) {
            eprintln!(
                "KEXEC_RPM_TEST_REUSE: using the build in {}",
                work.display()
            );
            return Ok(b);
        }
    }
    for tool in [
        "rpmbuild", "rpm", "rpm2cpio", "cpio", "rpmlint", "man", "unshare", "make", "git",
    ] {
        need(tool)?;
    }
    // `unshare -n` (a network namespace) needs root here.
    let id = run("id -u", Command::new("id").arg("-u"))?;
    if String::from_utf8_lossy(&id.stdout).trim() != "0" {
        return Err("the offline rebuild uses `unshare -n`, which needs root".into());
    }

    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).map_err(|e| format!("making {}: {e}", work.display()))?;

    // 1. The SRPM, as a developer makes it (uncommitted changes as a throwaway commit: the
    //    refusal itself is tested on a clone, in tests/rpm.rs).
    let top = work.join("srpm-top");
    run(
        "make srpm",
        Command::new("make")
            .arg("-s")
            .arg("srpm")
            .arg(format!("RPM_TOPDIR={}", top.display()))
            .env("KEXEC_SRPM_ALLOW_DIRTY", "1")
            .current_dir(repo()),
    )?;
    let made = one(files_ending(&top.join("SRPMS"), ".src.rpm"), "SRPM")?;

    // 2. The rebuild: only the SRPM, an empty HOME, no network, a bare environment.
    let clean = work.join("clean");
    let home = clean.join("home");
    fs::create_dir_all(&home).map_err(|e| format!("making {}: {e}", home.display()))?;
    let srpm = clean.join(made.file_name().ok_or("the SRPM has no name")?);
    fs::copy(&made, &srpm).map_err(|e| format!("copying the SRPM: {e}"))?;
    let sysroot = run(
        "rustc --print sysroot",
        Command::new("rustc").args(["--print", "sysroot"]),
    )?;
    let toolchain = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim()).join("bin");
    if !toolchain.join("cargo").is_file() {
        return Err(format!("no cargo in the toolchain {}", toolchain.display()));
    }
    let rtop = clean.join("top");
    run(
        "unshare -n rpmbuild --rebuild",
        Command::new("unshare")
            .arg("-n")
            .arg("rpmbuild")
            .arg("--rebuild")
            .arg("--nodeps")
            .arg("--define")
            .arg(format!("_topdir {}", rtop.display()))
            .arg(&srpm)
            .env_clear()
            .env("HOME", &home)
            .env(
                "PATH",
                format!("{}:/usr/sbin:/usr/bin:/sbin:/bin", toolchain.display()),
            )
            .env("LANG", "C")
            .stdin(Stdio::null()),
    )?;
    // Debian's rpm keeps its database in ~/.rpmdb; cargo must not have used ~/.cargo.
    if home.join(".cargo").exists() {
        return Err("the rebuild used ~/.cargo: the spec must build from vendor/ only".into());
    }
    let arch = rtop.join("RPMS/x86_64");
    let rpms = files_ending(&arch, ".x86_64.rpm");
    let (debug, main): (Vec<PathBuf>, Vec<PathBuf>) = rpms
        .into_iter()
        .partition(|p| p.to_string_lossy().contains("-debuginfo-"));
    let rpm = one(main, "binary RPM")?;
    let debuginfo = one(debug, "-debuginfo RPM")?;

    // 3. Unpacked, to run what it installs; the SRPM unpacked, to build from it alone.
    let tree = work.join("tree");
    unpack(&rpm, &tree)?;
    let srpm_tree = work.join("srpm-tree");
    unpack(&srpm, &srpm_tree)?;
    Ok(Built {
        work,
        spec: repo().join("packaging/rpm/kexec-reboot.spec"),
        srpm,
        rpm,
        debuginfo,
        tree,
        srpm_tree,
    })
}

/// Built packages by (dist, release), or why the build failed.
type Variants = HashMap<(String, u32), Result<PathBuf, String>>;

fn reuse(work: &Path) -> Option<Built> {
    let clean = work.join("clean");
    let srpm = one(files_ending(&clean, ".src.rpm"), "SRPM").ok()?;
    let rpms = files_ending(&clean.join("top/RPMS/x86_64"), ".x86_64.rpm");
    let (debug, main): (Vec<PathBuf>, Vec<PathBuf>) = rpms
        .into_iter()
        .partition(|p| p.to_string_lossy().contains("-debuginfo-"));
    Some(Built {
        work: work.to_path_buf(),
        spec: repo().join("packaging/rpm/kexec-reboot.spec"),
        srpm,
        rpm: one(main, "binary RPM").ok()?,
        debuginfo: one(debug, "-debuginfo RPM").ok()?,
        tree: work.join("tree"),
        srpm_tree: work.join("srpm-tree"),
    })
}

static VARIANTS: Mutex<Option<Variants>> = Mutex::new(None);

/// The binary RPM for `dist` ("" = none, "el5"...) and release `release`, built from the
/// SRPM's spec and sources with the rebuilt binary as `make rpm` does with the portable one
/// (`--define kexec_reboot_binary`). Release 1 without a dist is the clean rebuild's own RPM;
/// release N+1 is the same spec with `Release:` bumped, as a packager would make it.
pub fn variant(dist: &str, release: u32) -> PathBuf {
    let b = built();
    if dist.is_empty() && release == 1 {
        return b.rpm;
    }
    let mut slot = VARIANTS.lock().unwrap_or_else(|p| p.into_inner());
    let map = slot.get_or_insert_with(HashMap::new);
    let key = (dist.to_string(), release);
    if !map.contains_key(&key) {
        let r = build_variant(&b, dist, release);
        map.insert(key.clone(), r);
    }
    match &map[&key] {
        Ok(p) => p.clone(),
        Err(e) => panic!("building the {dist:?} release {release} RPM failed: {e}"),
    }
}

fn build_variant(b: &Built, dist: &str, release: u32) -> Result<PathBuf, String> {
    let name = if dist.is_empty() { "nodist" } else { dist };
    let top = b.work.join(format!("variant-{name}-{release}"));
    let _ = fs::remove_dir_all(&top);
    fs::create_dir_all(&top).map_err(|e| format!("making {}: {e}", top.display()))?;
    let spec_text = fs::read_to_string(b.srpm_tree.join("kexec-reboot.spec"))
        .map_err(|e| format!("reading the SRPM's spec: {e}"))?;
    let from = "Release:        1%{?dist}";
    if !spec_text.contains(from) {
        return Err(format!("the spec has no line {from:?}"));
    }
    let spec = top.join("kexec-reboot.spec");
    fs::write(
        &spec,
        spec_text.replace(from, &format!("Release:        {release}%{{?dist}}")),
    )
    .map_err(|e| format!("writing {}: {e}", spec.display()))?;
    let mut cmd = Command::new("rpmbuild");
    cmd.arg("-bb")
        .arg("--nodeps")
        .arg("--define")
        .arg(format!("_topdir {}", top.display()))
        .arg("--define")
        .arg(format!("_sourcedir {}", b.srpm_tree.display()))
        .arg("--define")
        .arg(format!(
            "kexec_reboot_binary {}",
            b.tree.join("usr/sbin/kexec-reboot").display()
        ));
    if !dist.is_empty() {
        cmd.arg("--define").arg(format!("dist .{dist}"));
    }
    cmd.arg(&spec).env("LANG", "C").stdin(Stdio::null());
    run(
        &format!("rpmbuild -bb ({name}, release {release})"),
        &mut cmd,
    )?;
    one(
        files_ending(&top.join("RPMS/x86_64"), ".x86_64.rpm"),
        "binary RPM",
    )
}
