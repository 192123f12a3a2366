//! Runs the real chkconfig of CentOS 5, 6 and 7 (1.3.30.2, 1.3.49.5, 1.7.6, built from
//! ../shared/thirdparty by tests/thirdparty/chkconfig.sh) on rc/kexec in a chroot, because the
//! links it makes are the truth about the script's header: the RPM's `%post` (`--add`) must
//! leave the service off everywhere, `chkconfig kexec on` must start it late in 2-5 and stop it
//! first in 0, 1 and 6, so that in rc6.d K01kexec runs before the stock K75netfs, K88rsyslog
//! and K90network.
//!
//! Its own small harness (`harness = false` in Cargo.toml): libtest cannot mark a test skipped
//! at run time, and where the sources are absent (a user's clone without ../shared) each case
//! is printed as `... skipped: <reason>` and counted in a `skipped` total, never as passed. A
//! build failure of chkconfig is a failure. Arguments: a name filter (substring, or exact with
//! `--exact`), `--list`; `--ignored` runs nothing (no case is #[ignore]d), like libtest.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// chkconfig of CentOS 5.11, 6.10 and 7.9.
const VERSIONS: [&str; 3] = ["1.3.30.2", "1.3.49.5", "1.7.6"];

/// The header fields chkconfig reads, as CentOS 6 ships them for the services K01kexec must
/// stop before (`# chkconfig:` levels/start/stop and the LSB `Provides`/`Default-*` lines;
/// chkconfig 1.3.30.2 also wants a `# description:`, which `Root::install_stock` adds).
const STOCK: [(&str, &str); 3] = [
    (
        "network",
        "# chkconfig: 2345 10 90\n### BEGIN INIT INFO\n# Provides: $network\n### END INIT INFO\n",
    ),
    (
        "rsyslog",
        "# chkconfig: 2345 12 88\n### BEGIN INIT INFO\n# Provides: $syslog\n\
         # Required-Start: $local_fs\n# Required-Stop: $local_fs\n\
         # Default-Start:  2 3 4 5\n# Default-Stop: 0 1 6\n### END INIT INFO\n",
    ),
    (
        "netfs",
        "# chkconfig: 345 25 75\n### BEGIN INIT INFO\n# Provides: $remote_fs\n### END INIT INFO\n",
    ),
];

type Check = fn(&Root) -> Result<(), String>;

const CASES: [(&str, Check); 6] = [
    (
        "post_add_leaves_kexec_off_everywhere",
        post_add_leaves_kexec_off,
    ),
    ("on_starts_s96_in_2345_and_stops_k01_in_016", on_links),
    ("off_after_on_stops_everywhere", off_after_on),
    (
        "rc6_stops_kexec_before_netfs_rsyslog_network",
        rc6_order_with_stock_services,
    ),
    (
        "rc6_order_holds_when_kexec_is_added_first",
        rc6_order_kexec_added_first,
    ),
    ("preun_on_erase_removes_every_link", preun_erase_and_upgrade),
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A CentOS-shaped root for one chkconfig: /sbin/chkconfig (static), busybox as /bin/sh for
/// the scriptlets, /etc/rc.d/{init.d,rc0.d..rc6.d} with /etc/init.d and /etc/rcN.d links.
struct Root {
    dir: tempfile::TempDir,
}

impl Root {
    fn new(chkconfig: &Path) -> Result<Root, String> {
        let dir = tempfile::tempdir().map_err(|e| format!("making a temporary root: {e}"))?;
        let r = dir.path();
        let io = |what: &str, res: std::io::Result<()>| res.map_err(|e| format!("{what}: {e}"));
        for d in ["bin", "sbin", "tmp", "etc/rc.d/init.d"] {
            io(d, fs::create_dir_all(r.join(d)))?;
        }
        for n in 0..=6 {
            io(
                "rcN.d",
                fs::create_dir_all(r.join(format!("etc/rc.d/rc{n}.d"))),
            )?;
            io(
                "rcN.d link",
                symlink(format!("rc.d/rc{n}.d"), r.join(format!("etc/rc{n}.d"))),
            )?;
        }
        io("init.d link", symlink("rc.d/init.d", r.join("etc/init.d")))?;
        let busybox = ["/bin/busybox", "/usr/bin/busybox"]
            .into_iter()
            .find(|p| Path::new(p).is_file())
            .ok_or("busybox is not installed: run `sh tests/deps.sh` (busybox-static)")?;
        io(
            "copying busybox",
            fs::copy(busybox, r.join("bin/busybox")).map(drop),
        )?;
        io("/bin/sh", symlink("busybox", r.join("bin/sh")))?;
        io(
            "copying chkconfig",
            fs::copy(chkconfig, r.join("sbin/chkconfig")).map(drop),
        )?;
        let root = Root { dir };
        root.install(
            "kexec",
            &fs::read_to_string(repo().join("rc/kexec"))
                .map_err(|e| format!("reading rc/kexec: {e}"))?,
        )?;
        Ok(root)
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Puts an executable init script NAME with TEXT in /etc/rc.d/init.d.
    fn install(&self, name: &str, text: &str) -> Result<(), String> {
        use std::os::unix::fs::PermissionsExt;
        let p = self.path().join("etc/rc.d/init.d").join(name);
        fs::write(&p, text).map_err(|e| format!("writing {}: {e}", p.display()))?;
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755))
            .map_err(|e| format!("chmod {}: {e}", p.display()))
    }

    fn install_stock(&self) -> Result<(), String> {
        for (name, header) in STOCK {
            self.install(
                name,
                &format!(
                    "#!/bin/sh\n# {name}: stock header only\n#\n{header}# description: {name}\n"
                ),
            )?;
        }
        Ok(())
    }

    /// Runs ARGS inside the root (chroot(8) as root; `unshare -r` otherwise); fails on a
    /// non-zero exit, with what it printed.
    fn run(&self, args: &[&str]) -> Result<String, String> {
        // SAFETY: geteuid has no preconditions and cannot fail.
        let mut cmd = if unsafe { libc::geteuid() } == 0 {
            Command::new("chroot")
        } else {
            let mut c = Command::new("unshare");
            c.args(["--map-root-user", "chroot"]);
            c
        };
        let out = cmd
            .arg(self.path())
            .args(args)
            .env_clear()
            .env("PATH", "/sbin:/bin")
            .output()
            .map_err(|e| format!("running chroot {args:?}: {e}"))?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if !out.status.success() {
            return Err(format!("{args:?} in the chroot: {}: {text}", out.status));
        }
        Ok(text)
    }

    fn chkconfig(&self, args: &[&str]) -> Result<String, String> {
        let mut a = vec!["/sbin/chkconfig"];
        a.extend_from_slice(args);
        self.run(&a)
    }

    /// Runs the spec's scriptlet SECTION (`%post`, `%preun`) as rpm does: `/bin/sh FILE ARG`.
    fn scriptlet(&self, section: &str, arg: &str) -> Result<String, String> {
        let body = spec_section(section)?;
        let p = self.path().join("tmp/scriptlet");
        fs::write(&p, body).map_err(|e| format!("writing {}: {e}", p.display()))?;
        self.run(&["/bin/sh", "/tmp/scriptlet", arg])
    }

    /// The links in rcN.d, sorted, e.g. ["K01kexec", "K75netfs"].
    fn links(&self, level: u32) -> Vec<String> {
        let d = self.path().join(format!("etc/rc.d/rc{level}.d"));
        let mut v: Vec<String> = fs::read_dir(&d)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    /// kexec's links in every level, e.g. "0:K01kexec 1:K01kexec ... 6:K01kexec".
    fn kexec_links(&self) -> String {
        (0..=6)
            .map(|n| {
                let l: Vec<String> = self
                    .links(n)
                    .into_iter()
                    .filter(|l| l.ends_with("kexec"))
                    .collect();
                format!("{n}:{}", l.join(","))
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Every level's links, for failure messages.
    fn describe(&self) -> String {
        (0..=6)
            .map(|n| format!("rc{n}.d: {}", self.links(n).join(" ")))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The body of SECTION (`%post`) in packaging/rpm/kexec-reboot.spec as an el6 package has it
/// (`rpmspec -P` with `dist .el6`: the SysV branch of the spec's release conditionals), up to
/// the next section.
fn spec_section(section: &str) -> Result<String, String> {
    let spec = repo().join("packaging/rpm/kexec-reboot.spec");
    let out = Command::new("rpmspec")
        .args(["--define", "dist .el6", "-P"])
        .arg(&spec)
        .output()
        .map_err(|e| format!("running rpmspec -P {}: {e}", spec.display()))?;
    if !out.status.success() {
        return Err(format!(
            "rpmspec -P {} failed: {}",
            spec.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let spec = String::from_utf8_lossy(&out.stdout);
    let mut lines = spec.lines().skip_while(|l| l.trim_end() != section);
    if lines.next().is_none() {
        return Err(format!("the el6 spec has no {section} section"));
    }
    let body: Vec<&str> = lines.take_while(|l| !l.starts_with('%')).collect();
    Ok(body.join("\n") + "\n")
}

fn expect_kexec(root: &Root, when: &str, want: &str) -> Result<(), String> {
    let got = root.kexec_links();
    if got == want {
        Ok(())
    } else {
        Err(format!(
            "{when}: kexec's links are {got:?}, want {want:?}\n  {}",
            root.describe()
        ))
    }
}

const OFF: &str = "0:K01kexec 1:K01kexec 2:K01kexec 3:K01kexec 4:K01kexec 5:K01kexec 6:K01kexec";
const ON: &str = "0:K01kexec 1:K01kexec 2:S96kexec 3:S96kexec 4:S96kexec 5:S96kexec 6:K01kexec";

fn post_add_leaves_kexec_off(root: &Root) -> Result<(), String> {
    root.scriptlet("%post", "1")?;
    expect_kexec(root, "after %post (chkconfig --add kexec)", OFF)?;
    let list = root.chkconfig(&["--list", "kexec"])?;
    if list.contains(":on") {
        return Err(format!("--list after --add shows a level on: {list:?}"));
    }
    Ok(())
}

fn on_links(root: &Root) -> Result<(), String> {
    root.scriptlet("%post", "1")?;
    root.chkconfig(&["kexec", "on"])?;
    expect_kexec(root, "after chkconfig kexec on", ON)
}

fn off_after_on(root: &Root) -> Result<(), String> {
    root.scriptlet("%post", "1")?;
    root.chkconfig(&["kexec", "on"])?;
    root.chkconfig(&["kexec", "off"])?;
    expect_kexec(root, "after chkconfig kexec on, then off", OFF)
}

/// rc6.d and rc3.d with the stock services on and kexec on.
fn expect_order(root: &Root, when: &str) -> Result<(), String> {
    let want6 = ["K01kexec", "K75netfs", "K88rsyslog", "K90network"];
    let want3 = ["S10network", "S12rsyslog", "S25netfs", "S96kexec"];
    if root.links(6) != want6 || root.links(3) != want3 {
        return Err(format!(
            "{when}: rc6.d must read {want6:?} and rc3.d {want3:?}\n  {}",
            root.describe()
        ));
    }
    Ok(())
}

/// The usual order on a server: the stock services exist, then the RPM is installed.
fn rc6_order_with_stock_services(root: &Root) -> Result<(), String> {
    root.install_stock()?;
    for (name, _) in STOCK {
        root.chkconfig(&["--add", name])?;
    }
    root.scriptlet("%post", "1")?;
    root.chkconfig(&["kexec", "on"])?;
    expect_order(root, "stock services added, then %post and kexec on")
}

/// kexec registered and on before the stock services are added: their Should-Stop/Start
/// relations must still leave K01kexec first and S96kexec last.
fn rc6_order_kexec_added_first(root: &Root) -> Result<(), String> {
    root.scriptlet("%post", "1")?;
    root.chkconfig(&["kexec", "on"])?;
    root.install_stock()?;
    for (name, _) in STOCK {
        root.chkconfig(&["--add", name])?;
    }
    expect_order(root, "%post and kexec on, then the stock services added")
}

/// `%preun` with 0 (erase) unregisters; with 1 (upgrade) it leaves the links alone.
fn preun_erase_and_upgrade(root: &Root) -> Result<(), String> {
    root.scriptlet("%post", "1")?;
    root.chkconfig(&["kexec", "on"])?;
    root.scriptlet("%preun", "1")?;
    expect_kexec(root, "after %preun 1 (upgrade)", ON)?;
    root.scriptlet("%preun", "0")?;
    expect_kexec(root, "after %preun 0 (erase)", "0: 1: 2: 3: 4: 5: 6:")
}

/// What the command line asks for.
struct Args {
    filter: Option<String>,
    exact: bool,
    list: bool,
    ignored_only: bool,
}

fn parse_args() -> Args {
    let mut a = Args {
        filter: None,
        exact: false,
        list: false,
        ignored_only: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--list" => a.list = true,
            "--exact" => a.exact = true,
            "--ignored" => a.ignored_only = true,
            // libtest options that take a value: the value is not a filter.
            "--test-threads" | "--skip" | "--color" | "--format" | "--logfile" | "-Z" => {
                it.next();
            }
            s if s.starts_with('-') => {}
            s => a.filter = Some(s.to_string()),
        }
    }
    a
}

/// A built chkconfig's path, or (true: skipped / false: failed, the reason).
type Built = Result<PathBuf, (bool, String)>;

/// Builds chkconfig VERSION with tests/thirdparty/chkconfig.sh (exit 77: sources absent).
fn build(version: &str) -> Built {
    let out = Command::new("sh")
        .arg(repo().join("tests/thirdparty/chkconfig.sh"))
        .arg(version)
        .output()
        .map_err(|e| (false, format!("running tests/thirdparty/chkconfig.sh: {e}")))?;
    let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
    match out.status.code() {
        Some(0) => Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())),
        Some(77) => Err((true, err.trim_start_matches("skipped: ").to_string())),
        _ => Err((false, format!("building chkconfig {version}: {err}"))),
    }
}

fn main() -> ExitCode {
    let args = parse_args();
    let mut names = Vec::new();
    for v in VERSIONS {
        for (case, check) in CASES {
            let name = format!("real_chkconfig::v{}::{case}", v.replace('.', "_"));
            let wanted = match &args.filter {
                None => true,
                Some(f) if args.exact => &name == f,
                Some(f) => name.contains(f.as_str()),
            };
            if wanted && !args.ignored_only {
                names.push((v, name, check));
            }
        }
    }
    if args.list {
        for (_, name, _) in &names {
            println!("{name}: test");
        }
        return ExitCode::SUCCESS;
    }
    println!("\nrunning {} tests", names.len());
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    let mut failures = Vec::new();
    let mut built: Vec<(&str, Built)> = Vec::new();
    for (v, name, check) in names {
        if !built.iter().any(|(b, _)| *b == v) {
            built.push((v, build(v)));
        }
        let bin = built
            .iter()
            .find(|(b, _)| *b == v)
            .map(|(_, r)| r.clone())
            .unwrap_or_else(|| Err((false, "not built".into())));
        let result = match bin {
            Err((true, reason)) => {
                println!("test {name} ... skipped: {reason}");
                skipped += 1;
                continue;
            }
            Err((false, e)) => Err(e),
            Ok(bin) => Root::new(&bin).and_then(|root| check(&root)),
        };
        match result {
            Ok(()) => {
                println!("test {name} ... ok");
                passed += 1;
            }
            Err(e) => {
                println!("test {name} ... FAILED");
                failures.push((name, e));
                failed += 1;
            }
        }
    }
    if !failures.is_empty() {
        println!("\nfailures:");
        for (name, e) in &failures {
            println!("---- {name} ----\n{e}\n");
        }
    }
    let verdict = if failed == 0 { "ok" } else { "FAILED" };
    println!("\ntest result: {verdict}. {passed} passed; {failed} failed; {skipped} skipped\n");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
