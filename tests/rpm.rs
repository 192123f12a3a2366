//! The RPM: `make srpm`, then a rebuild of that SRPM the way mock would do it — no network
//! (`unshare -n`), an empty environment and HOME (no ~/.cargo, no registry cache), nothing
//! but the SRPM — and checks of what it gives: files and modes, ownership of the runtime
//! state, %config, licences and bundled crates, scriptlets, the SRPM's format, a binary that
//! runs, a man page that renders, rpmlint. Then the packages are installed, upgraded and
//! erased in a fresh rpm root with the real chkconfig of each release (tests/rpm/chroot.rs).
//!
//! The build runs once (one offline release build) and is shared by the tests below.

#[path = "rpm/build.rs"]
mod build;
#[path = "rpm/chroot.rs"]
mod chroot;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use build::{built, out_text, repo, variant, VERSION};

fn rpm_query(pkg: &Path, args: &[&str]) -> String {
    let o = Command::new("rpm")
        .arg("-qp")
        .args(args)
        .arg(pkg)
        .output()
        .expect("running rpm -qp");
    assert!(o.status.success(), "rpm -qp {args:?}: {}", out_text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn crates_sh(what: &str) -> String {
    let o = Command::new("sh")
        .arg(repo().join("packaging/rpm/crates.sh"))
        .arg(what)
        .output()
        .expect("running packaging/rpm/crates.sh");
    assert!(o.status.success(), "crates.sh {what}: {}", out_text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn spec_text() -> String {
    fs::read_to_string(repo().join("packaging/rpm/kexec-reboot.spec")).expect("reading the spec")
}

/// Cargo.lock and the spec agree: a crate added, removed or updated without
/// `sh packaging/rpm/crates.sh update` fails here (no build needed).
#[test]
fn spec_names_every_bundled_crate_and_licence_from_the_lock_file() {
    let spec = spec_text();
    let want: Vec<String> = crates_sh("provides").lines().map(String::from).collect();
    assert!(
        want.iter()
            .any(|l| l.contains("bundled(crate(clap)) = ") && l.starts_with("Provides:")),
        "crates.sh provides: {want:?}"
    );
    let got: Vec<String> = spec
        .lines()
        .filter(|l| l.contains("bundled(crate("))
        .map(String::from)
        .collect();
    assert_eq!(
        got, want,
        "the spec's bundled(crate()) Provides differ from Cargo.lock: run `sh packaging/rpm/crates.sh update`"
    );
    let license = crates_sh("license");
    let line = format!("License:        {}", license.trim());
    assert!(
        spec.lines().any(|l| l == line),
        "the spec's License differs from Cargo.lock's crates: want {line:?}; run `sh packaging/rpm/crates.sh update`"
    );
    for term in ["MIT", "Unlicense OR MIT", "Apache-2.0 WITH LLVM-exception"] {
        assert!(license.contains(term), "licence lacks {term}: {license}");
    }
    let notice = fs::read_to_string(repo().join("packaging/rpm/LICENSE.dependencies"))
        .expect("reading packaging/rpm/LICENSE.dependencies");
    assert_eq!(
        notice,
        crates_sh("notice"),
        "LICENSE.dependencies differs from Cargo.lock: run `sh packaging/rpm/crates.sh update`"
    );
    // Only what Linux links: no dev-dependency, proc-macro or other target's crate.
    for absent in [
        "proptest",
        "tempfile",
        "clap_derive",
        "serde_derive",
        "windows-sys",
    ] {
        assert!(
            !want
                .iter()
                .any(|l| l.contains(&format!("crate({absent}))"))),
            "{absent} is not compiled into the binary: {want:?}"
        );
    }
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
    assert_eq!(
        name(&b.debuginfo),
        Some(format!("kexec-reboot-debuginfo-{VERSION}-1.x86_64.rpm")),
        "-debuginfo RPM name"
    );
}

fn file_list(pkg: &Path) -> Vec<String> {
    let got = rpm_query(
        pkg,
        &[
            "--qf",
            "[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILEFLAGS:fflags} %{FILENAMES}\n]",
        ],
    );
    // brp-compress gzips the man page on EL and Fedora builders; Debian's fails under dash
    // and leaves it as it is. The /usr/lib/.build-id links are rpm's, where it makes them.
    let mut got: Vec<String> = got
        .lines()
        .filter(|l| !l.contains(" /usr/lib/.build-id"))
        .map(|l| l.trim_end_matches(".gz").to_string())
        .collect();
    got.sort_unstable();
    got
}

/// What every package holds: `el` is the release (0: the bare rebuild, SysV like el5/el6),
/// `lic` is where licence files go, `comp` the bash completion directory, `owned` the
/// directories above it the package owns. el7 and later have the systemd units instead of
/// the rc script; el8 and later the kernel-install plugin instead of the postinst.d hook.
fn expected_files(el: u32, lic: &str, lic_flag: &str, comp: &str, owned: &[&str]) -> Vec<String> {
    let doc = format!("/usr/share/doc/kexec-reboot-{VERSION}");
    let mut want = vec![
        "-rw-r--r-- root:root cn /etc/sysconfig/kexec".to_string(),
        "-rwxr-xr-x root:root  /usr/sbin/kexec-reboot".to_string(),
        format!("drwxr-xr-x root:root  {doc}"),
        format!("-rw-r--r-- root:root d {doc}/README.md"),
        format!("-rw-r--r-- root:root {lic_flag} {lic}/LICENSE"),
        format!("-rw-r--r-- root:root {lic_flag} {lic}/LICENSE.dependencies"),
        "-rw-r--r-- root:root d /usr/share/man/man8/kexec-reboot.8".to_string(),
        format!("drwxr-xr-x root:root  {comp}"),
        format!("-rw-r--r-- root:root  {comp}/kexec-reboot"),
        // Root's and 0700: the binary refuses a state directory others can read or write.
        "drwx------ root:root  /var/lib/kexec-reboot".to_string(),
        "-rw-r--r-- root:root g /var/lib/kexec-reboot/pending.json".to_string(),
        "-rw-r--r-- root:root g /var/lib/kexec-reboot/unconfirmed.json".to_string(),
    ];
    // The runtime records: /run on the systemd releases, /var/run on EL5/EL6 (state.rs).
    let run = if el >= 7 { "/run" } else { "/var/run" };
    for (mode, name) in [
        ("-rw-r--r--", "boot"),
        ("-rw-r--r--", "confirmed"),
        ("-rw-r--r--", "guard"),
        ("-rw-r--r--", "loading"),
        ("-rw-------", "lock"),
        ("-rw-r--r--", "next"),
        ("-rw-r--r--", "state"),
    ] {
        want.push(format!("{mode} root:root g {run}/kexec-reboot.{name}"));
    }
    if el >= 7 {
        want.extend([
            "-rw-r--r-- root:root  /usr/lib/systemd/system/kexec.service".to_string(),
            "-rw-r--r-- root:root  /usr/lib/systemd/system/kexec-exec.service".to_string(),
            "drwxr-xr-x root:root  /usr/libexec/kexec-reboot".to_string(),
            "-rwxr-xr-x root:root  /usr/libexec/kexec-reboot/kexec-step".to_string(),
            "-rwxr-xr-x root:root  /usr/lib/systemd/system-shutdown/kexec-reboot.shutdown"
                .to_string(),
        ]);
    } else {
        want.push("-rwxr-xr-x root:root  /etc/rc.d/init.d/kexec".to_string());
    }
    if el >= 8 {
        want.push(
            "-rwxr-xr-x root:root  /usr/lib/kernel/install.d/95-kexec-reboot.install".to_string(),
        );
    } else {
        want.push("-rwxr-xr-x root:root  /etc/kernel/postinst.d/51-kexec-reboot".to_string());
    }
    if lic != doc {
        want.push(format!("drwxr-xr-x root:root  {lic}"));
    }
    want.extend(owned.iter().map(|d| format!("drwxr-xr-x root:root  {d}")));
    want.sort_unstable();
    want
}

#[test]
fn files_modes_and_ownership() {
    let b = built();
    let lic = format!("/usr/share/licenses/kexec-reboot-{VERSION}");
    let comp = "/usr/share/bash-completion/completions";
    let got = file_list(&b.rpm);
    let want = expected_files(0, &lic, "l", comp, &["/usr/share/bash-completion"]);
    assert_eq!(got, want, "file list: mode owner flags path");
}

#[test]
fn el5_el6_have_licence_as_doc_and_completion_in_etc_el7_on_the_units() {
    for (dist, el) in [("el5", 5), ("el6", 6)] {
        let got = file_list(&variant(dist, 1));
        let doc = format!("/usr/share/doc/kexec-reboot-{VERSION}");
        let want = expected_files(el, &doc, "d", "/etc/bash_completion.d", &[]);
        assert_eq!(got, want, "{dist}: file list: mode owner flags path");
    }
    for (dist, el) in [("el7", 7), ("el8", 8), ("el9", 9)] {
        let got = file_list(&variant(dist, 1));
        let lic = format!("/usr/share/licenses/kexec-reboot-{VERSION}");
        let comp = "/usr/share/bash-completion/completions";
        let want = expected_files(el, &lic, "l", comp, &["/usr/share/bash-completion"]);
        assert_eq!(got, want, "{dist}: file list: mode owner flags path");
    }
}

#[test]
fn licence_is_the_full_expression_and_bundled_crates_are_provided() {
    let b = built();
    let want = crates_sh("license");
    for pkg in [b.rpm.clone(), b.srpm.clone(), variant("el5", 1)] {
        let got = rpm_query(&pkg, &["--qf", "%{LICENSE}"]);
        assert_eq!(got.trim(), want.trim(), "{}: License", pkg.display());
    }
    let provides = rpm_query(&b.rpm, &["--provides"]);
    for line in crates_sh("provides").lines() {
        let p = line.trim_start_matches("Provides:").trim();
        assert!(
            provides.lines().any(|l| l.trim() == p),
            "--provides lacks {p}:\n{provides}"
        );
    }
    assert!(provides.contains("bundled(crate(clap)) = "), "{provides}");
}

#[test]
fn debuginfo_package_holds_the_symbols() {
    let b = built();
    let files = rpm_query(&b.debuginfo, &["-l"]);
    assert!(
        files
            .lines()
            .any(|l| l.starts_with("/usr/lib/debug/usr/sbin/kexec-reboot") && l.ends_with(".debug")),
        "-debuginfo has no kexec-reboot .debug file:\n{files}"
    );
    // The shipped binary itself is stripped (the symbols are in -debuginfo).
    let o = Command::new("file")
        .arg(b.tree.join("usr/sbin/kexec-reboot"))
        .output()
        .expect("running file");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("stripped") && !text.contains("not stripped"),
        "{text}"
    );
}

#[test]
fn scriptlets_register_on_install_and_unregister_on_erase_only() {
    let b = built();
    let s = rpm_query(&b.rpm, &["--scripts"]);
    for want in [
        "postinstall scriptlet",
        "/sbin/chkconfig --add kexec",
        "preuninstall scriptlet",
        "/sbin/service kexec stop",
        "/sbin/chkconfig --del kexec",
    ] {
        assert!(s.contains(want), "scriptlets lack {want:?}:\n{s}");
    }
    let code: Vec<&str> = s
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect();
    // An upgrade must not run `start` (it records a boot: kexec-reboot confirm).
    for bad in ["condrestart", "restart", " start", "confirm"] {
        assert!(
            !code.iter().any(|l| l.contains(bad)),
            "a scriptlet runs {bad:?}:\n{s}"
        );
    }
    assert!(
        !s.contains("postuninstall") && !s.contains("posttrans"),
        "no %postun (upgrades restart nothing), no %posttrans (CentOS 5's rpm):\n{s}"
    );
    let turns_on = code
        .iter()
        .any(|l| l.contains("chkconfig kexec on") || l.contains("--level"));
    assert!(!turns_on, "the admin turns it on, not a scriptlet:\n{s}");
}

/// el7 and later: systemd's scriptlets (preset on install, disable on erase, daemon-reload),
/// no chkconfig registration, nothing that restarts on upgrade; `start` only in the
/// migration of a SysV service that was on (issue 11's %pre/%post pair).
#[test]
fn systemd_scriptlets_preset_disable_and_migrate_only() {
    for dist in ["el7", "el8", "el9"] {
        let s = rpm_query(&variant(dist, 1), &["--scripts"]);
        for want in [
            "preinstall scriptlet",
            "systemctl --no-reload preset kexec.service kexec-exec.service",
            "systemctl --no-reload disable --now kexec.service kexec-exec.service",
            "systemctl daemon-reload",
            "sysv-was-on",
        ] {
            assert!(s.contains(want), "{dist}: scriptlets lack {want:?}:\n{s}");
        }
        let code: Vec<&str> = s
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .collect();
        for bad in ["chkconfig --add", "condrestart", "restart", "confirm"] {
            assert!(
                !code.iter().any(|l| l.contains(bad)),
                "{dist}: a scriptlet runs {bad:?}:\n{s}"
            );
        }
        // Every systemctl call tolerates a root without systemd (`|| :`).
        for l in code.iter().filter(|l| l.contains("systemctl ")) {
            assert!(l.contains("|| :"), "{dist}: {l}");
        }
        let r = rpm_query(&variant(dist, 1), &["--requires"]);
        assert!(
            r.lines().any(|l| l.trim() == "systemd"),
            "{dist}: Requires(post) systemd:\n{r}"
        );
        assert!(
            !r.lines().any(|l| l.trim() == "chkconfig"),
            "{dist}: no chkconfig on a systemd release:\n{r}"
        );
    }
}

#[test]
fn requires_kexec_tools_and_chkconfig_and_nothing_centos5_lacks() {
    let b = built();
    let r = rpm_query(&variant("el5", 1), &["--requires"]);
    let lines: Vec<&str> = r.lines().map(str::trim).collect();
    for want in ["kexec-tools", "chkconfig", "initscripts"] {
        assert!(lines.contains(&want), "Requires lacks {want:?}:\n{r}");
    }
    // The SRPM too: CentOS 5's rpm must be able to install it.
    let sr = rpm_query(&b.srpm, &["--requires"]);
    for (what, reqs) in [("el5 RPM", &r), ("SRPM", &sr)] {
        for bad in [
            "rpmlib(FileDigests)",
            "rpmlib(PayloadIsXz)",
            "rpmlib(PayloadIsZstd)",
        ] {
            assert!(
                !reqs.contains(bad),
                "{what}: {bad} would stop CentOS 5's rpm:\n{reqs}"
            );
        }
    }
    let fmt = rpm_query(&b.srpm, &["--qf", "%{FILEDIGESTALGO}|%{PAYLOADCOMPRESSOR}"]);
    assert_eq!(fmt, "(none)|gzip", "SRPM: MD5 file digests, gzip payload");
    // SHA-256 file digests where rpm reads them (4.6+: CentOS 6 and 7), MD5 on CentOS 5.
    for (dist, algo) in [
        ("el5", "(none)"),
        ("el6", "8"),
        ("el7", "8"),
        ("el8", "8"),
        ("el9", "8"),
    ] {
        let got = rpm_query(&variant(dist, 1), &["--qf", "%{FILEDIGESTALGO}"]);
        assert_eq!(got, algo, "{dist}: file digest algorithm");
    }
}

#[test]
fn installed_files_match_the_repository() {
    let b = built();
    let lic = format!("usr/share/licenses/kexec-reboot-{VERSION}");
    for (inst, src) in [
        ("etc/rc.d/init.d/kexec".to_string(), "rc/kexec"),
        ("etc/sysconfig/kexec".to_string(), "sysconfig/kexec"),
        (format!("{lic}/LICENSE"), "LICENSE"),
        (
            format!("{lic}/LICENSE.dependencies"),
            "packaging/rpm/LICENSE.dependencies",
        ),
    ] {
        let a = fs::read(b.tree.join(&inst)).unwrap_or_else(|e| panic!("reading {inst}: {e}"));
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
    let dir = b.tree.join("usr/share/man/man8");
    let page = [dir.join("kexec-reboot.8.gz"), dir.join("kexec-reboot.8")]
        .into_iter()
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("no kexec-reboot.8[.gz] in {}", dir.display()));
    let o = Command::new("man")
        .args(["-P", "cat", "-l"])
        .arg(page)
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
        .arg(
            b.tree
                .join("usr/share/bash-completion/completions/kexec-reboot"),
        )
        .output()
        .expect("running bash -n");
    assert!(
        o.status.success(),
        "bash -n on the completion: {}",
        out_text(&o)
    );
}

/// The SRPM's sources: Source0 names its commit, Source1 carries no other target's code.
#[test]
fn srpm_sources_name_their_commit_and_vendor_only_linux_crates() {
    let b = built();
    let src0 = b.srpm_tree.join(format!("kexec-reboot-{VERSION}.tar.gz"));
    let o = Command::new("sh")
        .arg("-c")
        .arg("gzip -dc \"$1\" | git get-tar-commit-id")
        .arg("sh")
        .arg(&src0)
        .current_dir(repo())
        .output()
        .expect("running git get-tar-commit-id");
    assert!(
        o.status.success(),
        "Source0 names no commit: {}",
        out_text(&o)
    );
    let commit = String::from_utf8_lossy(&o.stdout).trim().to_string();
    let t = Command::new("git")
        .args(["cat-file", "-t", &commit])
        .current_dir(repo())
        .output()
        .expect("running git cat-file");
    assert_eq!(
        String::from_utf8_lossy(&t.stdout).trim(),
        "commit",
        "{commit}"
    );

    let src1 = b
        .srpm_tree
        .join(format!("kexec-reboot-{VERSION}-vendor.tar.gz"));
    let o = Command::new("tar")
        .arg("-tvzf")
        .arg(&src1)
        .output()
        .expect("running tar");
    assert!(o.status.success(), "tar: {}", out_text(&o));
    let list = String::from_utf8_lossy(&o.stdout);
    let bytes_under = |prefix: &str| -> u64 {
        list.lines()
            .filter(|l| l.contains(prefix))
            .filter_map(|l| l.split_whitespace().nth(2)?.parse::<u64>().ok())
            .sum()
    };
    assert!(
        bytes_under("vendor/clap/") > 0,
        "vendor/ lacks clap:\n{list}"
    );
    // cargo-vendor-filterer leaves a stub (Cargo.toml, empty lib.rs) for other targets' crates.
    let windows = bytes_under("vendor/windows-sys/");
    assert!(
        windows < 64 * 1024,
        "vendor/windows-sys holds {windows} bytes: the vendor tarball is not filtered to Linux"
    );
    assert!(
        list.contains(".cargo/config.toml"),
        "no .cargo/config.toml:\n{list}"
    );
}

/// `make srpm` refuses a work tree with uncommitted changes (on a clone: this one is left
/// alone).
#[test]
fn make_srpm_refuses_a_dirty_tree() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("rpm-dirty-clone");
    let _ = fs::remove_dir_all(&dir);
    let o = Command::new("git")
        .args(["clone", "-q", "--no-checkout"])
        .arg(repo())
        .arg(&dir)
        .output()
        .expect("running git clone");
    assert!(o.status.success(), "git clone: {}", out_text(&o));
    let o = Command::new("git")
        .args(["checkout", "-q", "HEAD"])
        .current_dir(&dir)
        .output()
        .expect("running git checkout");
    assert!(o.status.success(), "git checkout: {}", out_text(&o));
    let readme = dir.join("README.md");
    let mut text = fs::read_to_string(&readme).expect("reading README.md");
    text.push_str("\nan uncommitted line\n");
    fs::write(&readme, text).expect("writing README.md");
    let o = Command::new("sh")
        .arg("packaging/rpm/mksources.sh")
        .arg(dir.join("out"))
        .env_remove("KEXEC_SRPM_ALLOW_DIRTY")
        .current_dir(&dir)
        .output()
        .expect("running mksources.sh");
    assert!(
        !o.status.success(),
        "a dirty tree was packaged: {}",
        out_text(&o)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("uncommitted changes") && err.contains("README.md"),
        "the refusal should say why and name the file: {err}"
    );
    assert!(!dir
        .join("out")
        .join(format!("kexec-reboot-{VERSION}.tar.gz"))
        .exists());
}

/// The warnings rpmlint gives: each must be one the spec's header explains.
#[test]
fn rpmlint_finds_no_errors_and_every_warning_is_explained() {
    let b = built();
    let rc = repo().join("packaging/rpm/kexec-reboot.rpmlintrc");
    let mut pkgs = vec![b.srpm.clone(), b.rpm.clone(), b.debuginfo.clone()];
    for dist in ["el5", "el6", "el7", "el8", "el9"] {
        pkgs.push(variant(dist, 1));
    }
    let o = Command::new("rpmlint")
        .arg("-r")
        .arg(&rc)
        .arg(&b.spec)
        .args(&pkgs)
        .env("LANG", "C.UTF-8")
        .output()
        .expect("running rpmlint");
    let text = String::from_utf8_lossy(&o.stdout);
    println!("{text}");
    let summary = text
        .lines()
        .find(|l| l.contains(" errors, "))
        .unwrap_or_else(|| panic!("rpmlint: no summary line: {}", out_text(&o)));
    assert!(
        summary.contains(&format!(
            "{} packages and 1 specfiles checked; 0 errors,",
            pkgs.len()
        )),
        "rpmlint on spec, SRPM and RPMs: {summary}\n{text}"
    );
    // Each file on its own too (--ignore-unused-rpmlintrc: the other files' filters are unused).
    for file in std::iter::once(&b.spec).chain(&pkgs) {
        let o = Command::new("rpmlint")
            .arg("--ignore-unused-rpmlintrc")
            .arg("-r")
            .arg(&rc)
            .arg(file)
            .env("LANG", "C.UTF-8")
            .output()
            .expect("running rpmlint");
        let one = String::from_utf8_lossy(&o.stdout);
        assert!(
            one.lines().any(|l| l.contains(" checked; 0 errors,")),
            "rpmlint {}:\n{one}",
            file.display()
        );
    }
    let spec = spec_text();
    let header: String = spec
        .lines()
        .take_while(|l| l.starts_with('#') || l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
        // A spec comment writes %% for % (macro-in-comment): dangerous-command-in-%%post.
        .replace("%%", "%");
    let mut unexplained: Vec<String> = text
        .lines()
        .filter_map(|l| l.split(" W: ").nth(1))
        .filter_map(|w| w.split_whitespace().next())
        .filter(|name| !header.contains(name))
        .map(String::from)
        .collect();
    unexplained.sort();
    unexplained.dedup();
    assert!(
        unexplained.is_empty(),
        "rpmlint warnings the spec's header does not explain: {unexplained:?}\n{text}"
    );
}

// ---- install, upgrade, erase in a fresh root with the real chkconfig (tests/rpm/chroot.rs) ----

#[test]
fn rebuilt_rpm_installs_upgrades_and_erases_with_chkconfig_6() {
    chroot::lifecycle("", "1.3.49.5");
}

#[test]
fn el5_rpm_installs_upgrades_and_erases_with_chkconfig_5() {
    chroot::lifecycle("el5", "1.3.30.2");
}

#[test]
fn el6_rpm_installs_upgrades_and_erases_with_chkconfig_6() {
    chroot::lifecycle("el6", "1.3.49.5");
}

#[test]
fn el7_rpm_installs_upgrades_and_erases_its_units() {
    chroot::lifecycle_systemd("el7");
}

#[test]
fn el8_rpm_installs_upgrades_and_erases_its_units() {
    chroot::lifecycle_systemd("el8");
}

#[test]
fn el9_rpm_installs_upgrades_and_erases_its_units() {
    chroot::lifecycle_systemd("el9");
}

#[test]
fn el6_rpm_upgraded_to_el7_units_unregisters_the_sysv_service() {
    chroot::sysv_to_systemd("el6", "el7", "1.7.6");
}
