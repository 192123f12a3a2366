//! The RPM: `make srpm`, then a rebuild of that SRPM the way mock would do it — no network
//! (`unshare -n`), an empty HOME (no ~/.cargo, no registry cache), nothing but the SRPM —
//! and checks of the binary RPM: files and modes, %config(noreplace), the chkconfig
//! scriptlets, Requires, a binary that runs, a man page that renders, rpmlint without errors.
//!
//! The build runs once (one release build) and is shared by the tests below.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What the build produced.
#[derive(Clone)]
struct Built {
    work: PathBuf,
    spec: PathBuf,
    srpm: PathBuf,
    rpm: PathBuf,
    /// The binary RPM unpacked with rpm2cpio | cpio.
    tree: PathBuf,
}

static BUILT: Mutex<Option<Result<Built, String>>> = Mutex::new(None);

/// Builds once; every test gets the same result (or the same failure).
fn built() -> Built {
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

fn out_text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn run(what: &str, cmd: &mut Command) -> Result<Output, String> {
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

fn only_file(dir: &Path, suffix: &str) -> Result<PathBuf, String> {
    let found: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| format!("reading {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    match found.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(format!(
            "expected one *{suffix} in {}: {found:?}",
            dir.display()
        )),
    }
}

fn build() -> Result<Built, String> {
    for tool in [
        "rpmbuild", "rpm", "rpm2cpio", "cpio", "rpmlint", "man", "unshare", "make",
    ] {
        need(tool)?;
    }
    // `unshare -n` (a network namespace) needs root here.
    let id = run("id -u", Command::new("id").arg("-u"))?;
    if String::from_utf8_lossy(&id.stdout).trim() != "0" {
        return Err("the offline rebuild uses `unshare -n`, which needs root".into());
    }

    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("rpm-test");
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).map_err(|e| format!("making {}: {e}", work.display()))?;

    // 1. The SRPM, as a developer makes it.
    let top = work.join("srpm-top");
    run(
        "make srpm",
        Command::new("make")
            .arg("-s")
            .arg("srpm")
            .arg(format!("RPM_TOPDIR={}", top.display()))
            .current_dir(repo()),
    )?;
    let made = only_file(&top.join("SRPMS"), ".src.rpm")?;

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
    let rpm = only_file(&rtop.join("RPMS/x86_64"), ".x86_64.rpm")?;

    // 3. Unpacked, to run what it installs.
    let tree = work.join("tree");
    fs::create_dir_all(&tree).map_err(|e| e.to_string())?;
    run(
        "rpm2cpio | cpio",
        Command::new("sh")
            .arg("-c")
            .arg("rpm2cpio \"$1\" | cpio -idm --quiet")
            .arg("sh")
            .arg(&rpm)
            .current_dir(&tree),
    )?;
    Ok(Built {
        work,
        spec: repo().join("packaging/rpm/kexec-reboot.spec"),
        srpm,
        rpm,
        tree,
    })
}

fn rpm_query(b: &Built, args: &[&str]) -> String {
    let o = Command::new("rpm")
        .arg("-qp")
        .args(args)
        .arg(&b.rpm)
        .output()
        .expect("running rpm -qp");
    assert!(o.status.success(), "rpm -qp {args:?}: {}", out_text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn rpm_and_srpm_have_the_expected_names() {
    let b = built();
    let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    assert_eq!(
        name(&b.srpm),
        Some(format!("kexec-reboot-{VERSION}-1.src.rpm")),
        "SRPM name"
    );
    assert_eq!(
        name(&b.rpm),
        Some(format!("kexec-reboot-{VERSION}-1.x86_64.rpm")),
        "RPM name (the VM tests install it by this name)"
    );
    assert!(b.work.is_dir(), "work dir {}", b.work.display());
}

#[test]
fn files_and_modes() {
    let b = built();
    let got = rpm_query(
        &b,
        &[
            "--qf",
            "[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILENAMES}\n]",
        ],
    );
    let doc = format!("/usr/share/doc/kexec-reboot-{VERSION}");
    let lic = format!("/usr/share/licenses/kexec-reboot-{VERSION}");
    let want = [
        "-rw-r--r-- root:root /etc/bash_completion.d/kexec-reboot".to_string(),
        "-rwxr-xr-x root:root /etc/rc.d/init.d/kexec".to_string(),
        "-rwxr-xr-x root:root /etc/kernel/postinst.d/51-kexec-reboot".to_string(),
        "-rw-r--r-- root:root /etc/sysconfig/kexec".to_string(),
        "-rwxr-xr-x root:root /usr/sbin/kexec-reboot".to_string(),
        format!("drwxr-xr-x root:root {doc}"),
        format!("-rw-r--r-- root:root {doc}/README.md"),
        format!("drwxr-xr-x root:root {lic}"),
        format!("-rw-r--r-- root:root {lic}/LICENSE"),
        "-rw-r--r-- root:root /usr/share/man/man8/kexec-reboot.8.gz".to_string(),
    ];
    let mut got: Vec<&str> = got.lines().collect();
    got.sort_unstable();
    let mut want: Vec<&str> = want.iter().map(String::as_str).collect();
    want.sort_unstable();
    assert_eq!(got, want, "file list with modes and owners");
}

#[test]
fn sysconfig_is_config_noreplace_and_nothing_else_but_completion() {
    let b = built();
    let got = rpm_query(&b, &["--qf", "[%{FILEFLAGS:fflags}|%{FILENAMES}\n]"]);
    let config: Vec<&str> = got
        .lines()
        .filter(|l| l.split('|').next().is_some_and(|f| f.contains('c')))
        .collect();
    assert_eq!(
        config,
        [
            "cn|/etc/bash_completion.d/kexec-reboot",
            "cn|/etc/sysconfig/kexec"
        ],
        "config files and their flags (the init script is not config)"
    );
}

#[test]
fn scriptlets_register_and_unregister_with_chkconfig() {
    let b = built();
    let s = rpm_query(&b, &["--scripts"]);
    for want in [
        "postinstall scriptlet",
        "/sbin/chkconfig --add kexec",
        "preuninstall scriptlet",
        "/sbin/service kexec stop",
        "/sbin/chkconfig --del kexec",
        "postuninstall scriptlet",
        "/sbin/service kexec condrestart",
    ] {
        assert!(s.contains(want), "scriptlets lack {want:?}:\n{s}");
    }
    assert!(
        !s.contains("posttrans"),
        "no %posttrans (CentOS 5's rpm):\n{s}"
    );
    let turns_on = s
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .any(|l| l.contains("chkconfig kexec on") || l.contains("--level"));
    assert!(!turns_on, "the admin turns it on, not a scriptlet:\n{s}");
}

#[test]
fn requires_kexec_tools_and_chkconfig_and_nothing_centos5_lacks() {
    let b = built();
    let r = rpm_query(&b, &["--requires"]);
    let lines: Vec<&str> = r.lines().map(str::trim).collect();
    for want in ["kexec-tools", "chkconfig", "initscripts"] {
        assert!(lines.contains(&want), "Requires lacks {want:?}:\n{r}");
    }
    for bad in [
        "rpmlib(FileDigests)",
        "rpmlib(PayloadIsXz)",
        "rpmlib(PayloadIsZstd)",
    ] {
        assert!(!r.contains(bad), "{bad} would stop CentOS 5's rpm:\n{r}");
    }
}

#[test]
fn installed_files_match_the_repository() {
    let b = built();
    let license = format!("usr/share/licenses/kexec-reboot-{VERSION}/LICENSE");
    for (inst, src) in [
        ("etc/rc.d/init.d/kexec", "rc/kexec"),
        ("etc/sysconfig/kexec", "sysconfig/kexec"),
        (license.as_str(), "LICENSE"),
    ] {
        let a = fs::read(b.tree.join(inst)).unwrap_or_else(|e| panic!("reading {inst}: {e}"));
        let c = fs::read(repo().join(src)).unwrap_or_else(|e| panic!("reading {src}: {e}"));
        assert!(a == c, "{inst} differs from {src}");
    }
}

#[test]
fn installed_binary_runs() {
    let b = built();
    let o = Command::new(b.tree.join("usr/sbin/kexec-reboot"))
        .arg("--version")
        .output()
        .expect("running the installed kexec-reboot");
    assert!(
        o.status.success(),
        "kexec-reboot --version: {}",
        out_text(&o)
    );
    let v = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        v.trim(),
        format!("kexec-reboot {VERSION}"),
        "--version output"
    );
}

#[test]
fn man_page_renders() {
    let b = built();
    let o = Command::new("man")
        .args(["-P", "cat", "-l"])
        .arg(b.tree.join("usr/share/man/man8/kexec-reboot.8.gz"))
        .env("MANWIDTH", "80")
        .env("LANG", "C")
        .output()
        .expect("running man -l");
    assert!(o.status.success(), "man -l: {}", out_text(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    for want in ["kexec-reboot", "NAME", "SYNOPSIS", "load"] {
        assert!(
            text.contains(want),
            "the rendered man page lacks {want:?}:\n{text}"
        );
    }
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.trim().is_empty(), "man/groff complained: {err}");
}

#[test]
fn bash_completion_is_valid_bash() {
    let b = built();
    let o = Command::new("bash")
        .arg("-n")
        .arg(b.tree.join("etc/bash_completion.d/kexec-reboot"))
        .output()
        .expect("running bash -n");
    assert!(
        o.status.success(),
        "bash -n on the completion: {}",
        out_text(&o)
    );
}

#[test]
fn rpmlint_finds_no_errors() {
    let b = built();
    let rc = repo().join("packaging/rpm/kexec-reboot.rpmlintrc");
    // One run over the three: a filter unused by one of them is not an error then.
    let o = Command::new("rpmlint")
        .arg("-r")
        .arg(&rc)
        .arg(&b.spec)
        .arg(&b.srpm)
        .arg(&b.rpm)
        .env("LANG", "C.UTF-8")
        .output()
        .expect("running rpmlint");
    let text = String::from_utf8_lossy(&o.stdout);
    let summary = text
        .lines()
        .find(|l| l.contains(" errors, "))
        .unwrap_or_else(|| panic!("rpmlint: no summary line: {}", out_text(&o)));
    assert!(
        summary.contains("2 packages and 1 specfiles checked; 0 errors,"),
        "rpmlint on spec, SRPM and RPM: {summary}\n{text}"
    );
}
