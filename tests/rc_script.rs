//! Runs rc/kexec (the /etc/rc.d/init.d/kexec script) under bash AND dash against a temporary
//! root, because the reboot hook must behave the same under CentOS 5's bash 3.2 and any
//! POSIX shell: it stages a kernel only on the way to runlevel 6, never blocks the reboot,
//! and always lets the reboot go on.
//!
//! Each case is one function taking the shell; `rc_cases!` makes a `bash::<case>` and a
//! `dash::<case>` test of it. Stand-ins live in tests/rc/: `kexec-reboot` (records its
//! arguments), `runlevel`, `logger` and a POSIX `functions`. The links the script's header
//! gives are checked with the real chkconfig of CentOS 5, 6 and 7 in tests/rc_chkconfig.rs.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const LOAD: &str = "load --reason shutdown";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn script() -> PathBuf {
    repo().join("rc/kexec")
}

/// The shell's path; a missing shell is a failure (tests/deps.sh installs dash), not a skip.
fn shell_path(shell: &str) -> PathBuf {
    for dir in ["/bin", "/usr/bin"] {
        let p = Path::new(dir).join(shell);
        if p.is_file() {
            return p;
        }
    }
    panic!("{shell} is not installed: run `sh tests/deps.sh` (the rc script must be tested under bash and dash)");
}

/// A temporary root for one run: lock dir, optional functions file and sysconfig.
struct Rig {
    dir: tempfile::TempDir,
    shell: &'static str,
    case: &'static str,
}

/// What one run of the script did.
struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// The stand-in binary's calls, one line of arguments each.
    calls: Vec<String>,
    /// What went to the `logger` stand-in.
    syslog: String,
    elapsed: Duration,
    lock: bool,
}

impl Outcome {
    fn describe(&self) -> String {
        format!(
            "exit {:?} after {:?}; calls {:?}; lock {}; stdout {:?}; stderr {:?}",
            self.code, self.elapsed, self.calls, self.lock, self.stdout, self.stderr
        )
    }
}

impl Rig {
    fn new(shell: &'static str, case: &'static str) -> Rig {
        let dir = tempfile::tempdir().expect("making a temporary root");
        fs::create_dir_all(dir.path().join("var/lock/subsys")).expect("making var/lock/subsys");
        fs::create_dir_all(dir.path().join("etc/sysconfig")).expect("making etc/sysconfig");
        Rig { dir, shell, case }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn lockfile(&self) -> PathBuf {
        self.root().join("var/lock/subsys/kexec")
    }

    fn with_lock(self) -> Rig {
        fs::write(self.lockfile(), "").expect("making the lock");
        self
    }

    fn with_functions(self) -> Rig {
        let d = self.root().join("etc/rc.d/init.d");
        fs::create_dir_all(&d).expect("making etc/rc.d/init.d");
        fs::copy(repo().join("tests/rc/functions"), d.join("functions"))
            .expect("copying the functions stand-in");
        self
    }

    fn with_sysconfig(self, text: &str) -> Rig {
        fs::write(self.root().join("etc/sysconfig/kexec"), text).expect("writing sysconfig");
        self
    }

    /// Runs `shell rc/kexec ARGS` with a clean environment plus `env`; kills it after 60 s.
    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Outcome {
        let calls = self.root().join("calls");
        let pids = self.root().join("pids");
        let syslog = self.root().join("syslog");
        let out = self.root().join("stdout");
        let err = self.root().join("stderr");
        let path = format!("{}:/usr/bin:/bin", repo().join("tests/rc").display());
        let mut cmd = Command::new(shell_path(self.shell));
        cmd.arg(script())
            .args(args)
            .env_clear()
            .env("PATH", path)
            .env("KEXEC_RC_ROOT", self.root())
            .env("KEXEC_REBOOT_BIN", repo().join("tests/rc/kexec-reboot"))
            .env("STANDIN_CALLS", &calls)
            .env("STANDIN_PIDS", &pids)
            .env("STANDIN_SYSLOG", &syslog)
            .stdin(Stdio::null())
            .stdout(fs::File::create(&out).expect("creating stdout file"))
            .stderr(fs::File::create(&err).expect("creating stderr file"));
        for (k, v) in env {
            cmd.env(k, v);
        }
        let start = Instant::now();
        let mut child = cmd.spawn().expect("running the rc script");
        let code = loop {
            if let Some(st) = child.try_wait().expect("waiting for the rc script") {
                break st.code();
            }
            if start.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            thread::sleep(Duration::from_millis(20));
        };
        let elapsed = start.elapsed();
        let read = |p: &Path| fs::read_to_string(p).unwrap_or_default();
        Outcome {
            code,
            stdout: read(&out),
            stderr: read(&err),
            calls: read(&calls).lines().map(str::to_string).collect(),
            syslog: read(&syslog),
            elapsed,
            lock: self.lockfile().exists(),
        }
    }

    fn pids(&self) -> Vec<i32> {
        fs::read_to_string(self.root().join("pids"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect()
    }

    /// Fails the test, naming the case and the shell.
    fn check(&self, ok: bool, what: &str, o: &Outcome) {
        assert!(
            ok,
            "case {} under {}: {what}\n  {}",
            self.case,
            self.shell,
            o.describe()
        );
    }
}

// ---- stop: which runlevels load ------------------------------------------------------------

/// `stop` with the given environment and `runlevel` stand-in output: expects a load or not.
fn stop_case(shell: &'static str, case: &'static str, env: &[(&str, &str)], loads: bool) {
    let rig = Rig::new(shell, case).with_lock();
    let o = rig.run(&["stop"], env);
    rig.check(o.code == Some(0), "stop must exit 0", &o);
    rig.check(!o.lock, "stop must remove the lock", &o);
    if loads {
        rig.check(
            o.calls == [LOAD],
            "expected exactly one `load --reason shutdown`",
            &o,
        );
        rig.check(o.stdout.contains("OK"), "expected an OK line", &o);
    } else {
        rig.check(
            o.calls.is_empty(),
            "nothing may be loaded outside runlevel 6",
            &o,
        );
    }
}

// $runlevel (CentOS 5's rc) wins over `runlevel`'s output; so does $RUNLEVEL (Upstart).
fn stop_rl6_via_runlevel_var(sh: &'static str) {
    let env = [("runlevel", "6"), ("STANDIN_RUNLEVEL", "N 3")];
    stop_case(sh, "stop at 6 via $runlevel", &env, true);
}
fn stop_rl6_via_upstart_runlevel(sh: &'static str) {
    let env = [("RUNLEVEL", "6"), ("STANDIN_RUNLEVEL", "N 3")];
    stop_case(sh, "stop at 6 via $RUNLEVEL", &env, true);
}
fn stop_rl6_via_runlevel_command(sh: &'static str) {
    stop_case(
        sh,
        "stop at 6 via runlevel(8)",
        &[("STANDIN_RUNLEVEL", "3 6")],
        true,
    );
}
fn stop_rl0_via_runlevel_var(sh: &'static str) {
    let env = [("runlevel", "0"), ("STANDIN_RUNLEVEL", "3 6")];
    stop_case(sh, "stop at 0 via $runlevel", &env, false);
}
fn stop_rl0_via_upstart_runlevel(sh: &'static str) {
    let env = [("RUNLEVEL", "0"), ("STANDIN_RUNLEVEL", "3 6")];
    stop_case(sh, "stop at 0 via $RUNLEVEL", &env, false);
}
fn stop_rl0_via_runlevel_command(sh: &'static str) {
    stop_case(
        sh,
        "stop at 0 via runlevel(8)",
        &[("STANDIN_RUNLEVEL", "3 0")],
        false,
    );
}
fn stop_rl1_via_runlevel_var(sh: &'static str) {
    let env = [("runlevel", "1"), ("STANDIN_RUNLEVEL", "3 6")];
    stop_case(sh, "stop at 1 via $runlevel", &env, false);
}
fn stop_rl1_via_upstart_runlevel(sh: &'static str) {
    let env = [("RUNLEVEL", "1"), ("STANDIN_RUNLEVEL", "3 6")];
    stop_case(sh, "stop at 1 via $RUNLEVEL", &env, false);
}
fn stop_rl1_via_runlevel_command(sh: &'static str) {
    stop_case(
        sh,
        "stop at 1 via runlevel(8)",
        &[("STANDIN_RUNLEVEL", "3 1")],
        false,
    );
}
fn stop_plain_service_stop(sh: &'static str) {
    stop_case(
        sh,
        "plain `service kexec stop` at 3",
        &[("STANDIN_RUNLEVEL", "N 3")],
        false,
    );
}
fn stop_runlevel_unknown(sh: &'static str) {
    // runlevel(8) prints "unknown" without utmp: not a reboot we can tell, so no load.
    stop_case(sh, "stop with runlevel unknown", &[], false);
}

// ---- stop at 6: failures never hold up the reboot ------------------------------------------

fn stop_rl6_load_fails(sh: &'static str) {
    let rig = Rig::new(sh, "failing load at 6").with_lock();
    let o = rig.run(&["stop"], &[("runlevel", "6"), ("STANDIN_LOAD", "fail")]);
    rig.check(o.code == Some(0), "the reboot path must exit 0", &o);
    rig.check(o.calls == [LOAD], "the load must have been tried", &o);
    rig.check(o.stdout.contains("FAILED"), "a FAILED line is expected", &o);
    rig.check(
        o.stderr.contains("exit 5"),
        "the binary's exit code is named",
        &o,
    );
    rig.check(
        o.stderr.contains("firmware"),
        "the operator is told about the fallback",
        &o,
    );
    rig.check(!o.lock, "the lock is removed", &o);
}

fn stop_rl6_load_skipped(sh: &'static str) {
    let rig = Rig::new(sh, "skipped load at 6").with_lock();
    let o = rig.run(&["stop"], &[("runlevel", "6"), ("STANDIN_LOAD", "skip")]);
    rig.check(o.code == Some(0), "the reboot path must exit 0", &o);
    rig.check(
        o.stdout.contains("skipped"),
        "exit 6 is shown as skipped",
        &o,
    );
    rig.check(!o.stdout.contains("FAILED"), "exit 6 is not a failure", &o);
}

fn stop_rl6_binary_missing(sh: &'static str) {
    let rig = Rig::new(sh, "binary missing at 6").with_lock();
    let env = [
        ("runlevel", "6"),
        ("KEXEC_REBOOT_BIN", "/nonexistent/kexec-reboot"),
    ];
    let o = rig.run(&["stop"], &env);
    rig.check(o.code == Some(0), "the reboot path must exit 0", &o);
    rig.check(o.stdout.contains("FAILED"), "a FAILED line is expected", &o);
    rig.check(
        o.stderr.contains("/nonexistent/kexec-reboot"),
        "the path is named",
        &o,
    );
    rig.check(!o.syslog.is_empty(), "the failure goes to syslog", &o);
}

/// A load that hangs: KEXEC_TIMEOUT=1 makes the guard 1 + 5 s; TERM then (2 s later) KILL.
fn hang_case(sh: &'static str, case: &'static str, mode: &str, sysconfig: &str) {
    let rig = Rig::new(sh, case).with_lock().with_sysconfig(sysconfig);
    let o = rig.run(&["stop"], &[("runlevel", "6"), ("STANDIN_LOAD", mode)]);
    rig.check(o.code == Some(0), "the reboot path must exit 0", &o);
    rig.check(o.calls == [LOAD], "the load must have been tried", &o);
    rig.check(
        o.elapsed >= Duration::from_secs(5),
        "the guard waits timeout + 5 s",
        &o,
    );
    rig.check(
        o.elapsed < Duration::from_secs(20),
        "the guard must bound the load",
        &o,
    );
    rig.check(o.stdout.contains("FAILED"), "a FAILED line is expected", &o);
    rig.check(o.stderr.contains("within 6s"), "the bound is named", &o);
    rig.check(
        o.syslog.contains("did not finish"),
        "the guard's action goes to syslog",
        &o,
    );
    for pid in rig.pids() {
        let alive = Path::new(&format!("/proc/{pid}")).exists()
            && fs::read_to_string(format!("/proc/{pid}/cmdline"))
                .map(|c| c.contains("sleep"))
                .unwrap_or(false);
        rig.check(
            !alive,
            &format!("the hung stand-in (pid {pid}) must be gone"),
            &o,
        );
    }
}

fn stop_rl6_hang_bounded(sh: &'static str) {
    hang_case(sh, "hanging load", "hang", "KEXEC_TIMEOUT=1\n");
}
fn stop_rl6_hang_ignoring_term_bounded(sh: &'static str) {
    let conf = "# quoted, as an admin may write it\nKEXEC_TIMEOUT=\"1\"\n";
    hang_case(sh, "hanging load ignoring TERM", "hang-ignore-term", conf);
}

// ---- start, status, the other verbs --------------------------------------------------------

fn start_takes_lock(sh: &'static str) {
    let rig = Rig::new(sh, "start");
    let o = rig.run(&["start"], &[("STANDIN_RUNLEVEL", "N 3")]);
    rig.check(o.code == Some(0), "start must exit 0", &o);
    rig.check(o.lock, "start must create /var/lock/subsys/kexec", &o);
    rig.check(
        o.calls == ["confirm"],
        "start records the boot (confirm) and loads nothing",
        &o,
    );
    rig.check(o.stdout.contains("OK"), "plain OK without functions", &o);
}

fn start_without_lock_dir_fails(sh: &'static str) {
    let rig = Rig::new(sh, "start without lock dir");
    fs::remove_dir(rig.root().join("var/lock/subsys")).expect("removing the lock dir");
    let o = rig.run(&["start"], &[]);
    rig.check(
        o.code == Some(1),
        "start must fail when it cannot take the lock",
        &o,
    );
    rig.check(
        o.stderr.contains("var/lock/subsys/kexec"),
        "the lock path is named",
        &o,
    );
}

fn with_functions_file(sh: &'static str) {
    let rig = Rig::new(sh, "start and stop with functions").with_functions();
    let o = rig.run(&["start"], &[]);
    rig.check(o.stdout.contains("[  OK  ]"), "start uses success()", &o);
    let o = rig.run(&["stop"], &[("runlevel", "6")]);
    rig.check(o.stdout.contains("[  OK  ]"), "a load uses success()", &o);
    let o = rig.run(&["stop"], &[("runlevel", "6"), ("STANDIN_LOAD", "fail")]);
    rig.check(o.code == Some(0), "the reboot path must exit 0", &o);
    rig.check(
        o.stdout.contains("[FAILED]"),
        "a failed load uses failure()",
        &o,
    );
    let o = rig.run(&["stop"], &[("runlevel", "6"), ("STANDIN_LOAD", "skip")]);
    rig.check(
        o.stdout.contains("[PASSED]"),
        "a skipped load uses passed()",
        &o,
    );
}

fn status_stopped(sh: &'static str) {
    let rig = Rig::new(sh, "status without lock");
    let o = rig.run(&["status"], &[]);
    rig.check(o.code == Some(3), "LSB: 3 when stopped", &o);
    rig.check(o.stdout.contains("stopped"), "says stopped", &o);
}

fn status_enabled(sh: &'static str) {
    let rig = Rig::new(sh, "status with lock").with_lock();
    let o = rig.run(&["status"], &[]);
    rig.check(o.code == Some(0), "LSB: 0 when enabled", &o);
    rig.check(o.calls == ["status"], "asks `kexec-reboot status`", &o);
    rig.check(
        o.stdout.contains("standin-status"),
        "shows what the binary says",
        &o,
    );
}

fn status_binary_error(sh: &'static str) {
    let rig = Rig::new(sh, "status with a failing binary").with_lock();
    let o = rig.run(&["status"], &[("STANDIN_STATUS_EXIT", "1")]);
    rig.check(
        o.code == Some(4),
        "LSB: 4 (unknown) when the binary fails",
        &o,
    );
}

fn usage_exits_2(sh: &'static str) {
    let rig = Rig::new(sh, "usage");
    for args in [&[][..], &["bogus"][..]] {
        let o = rig.run(args, &[]);
        rig.check(
            o.code == Some(2),
            &format!("usage for {args:?} exits 2"),
            &o,
        );
        rig.check(o.stderr.contains("Usage:"), "usage goes to stderr", &o);
    }
}

fn restart_at_runlevel_3(sh: &'static str) {
    let rig = Rig::new(sh, "restart").with_lock();
    let o = rig.run(&["restart"], &[("STANDIN_RUNLEVEL", "N 3")]);
    rig.check(o.code == Some(0), "restart exits 0", &o);
    rig.check(o.lock, "restart leaves the lock", &o);
    rig.check(
        o.calls == ["confirm"],
        "restart outside runlevel 6 loads nothing (start only confirms)",
        &o,
    );
}

fn condrestart_follows_lock(sh: &'static str) {
    for verb in ["condrestart", "try-restart"] {
        let rig = Rig::new(sh, "condrestart without lock");
        let o = rig.run(&[verb], &[("STANDIN_RUNLEVEL", "N 3")]);
        rig.check(o.code == Some(0), &format!("{verb} exits 0"), &o);
        rig.check(
            !o.lock,
            &format!("{verb} does not start a stopped service"),
            &o,
        );
        let rig = Rig::new(sh, "condrestart with lock").with_lock();
        let o = rig.run(&[verb], &[("STANDIN_RUNLEVEL", "N 3")]);
        rig.check(o.code == Some(0), &format!("{verb} exits 0"), &o);
        rig.check(o.lock, &format!("{verb} restarts an enabled service"), &o);
        rig.check(
            o.calls == ["confirm"],
            &format!("{verb} loads nothing (start only confirms)"),
            &o,
        );
    }
}

fn reload_is_a_noop(sh: &'static str) {
    for verb in ["reload", "force-reload"] {
        let rig = Rig::new(sh, "reload").with_lock();
        let o = rig.run(&[verb], &[]);
        rig.check(o.code == Some(0), &format!("{verb} exits 0"), &o);
        rig.check(
            o.lock && o.calls.is_empty(),
            &format!("{verb} changes nothing"),
            &o,
        );
    }
}

macro_rules! rc_cases {
    ($($case:ident),* $(,)?) => {
        mod bash {
            $( #[test] fn $case() { super::$case("bash") } )*
        }
        mod dash {
            $( #[test] fn $case() { super::$case("dash") } )*
        }
    };
}

rc_cases!(
    stop_rl6_via_runlevel_var,
    stop_rl6_via_upstart_runlevel,
    stop_rl6_via_runlevel_command,
    stop_rl0_via_runlevel_var,
    stop_rl0_via_upstart_runlevel,
    stop_rl0_via_runlevel_command,
    stop_rl1_via_runlevel_var,
    stop_rl1_via_upstart_runlevel,
    stop_rl1_via_runlevel_command,
    stop_plain_service_stop,
    stop_runlevel_unknown,
    stop_rl6_load_fails,
    stop_rl6_load_skipped,
    stop_rl6_binary_missing,
    stop_rl6_hang_bounded,
    stop_rl6_hang_ignoring_term_bounded,
    start_takes_lock,
    start_without_lock_dir_fails,
    with_functions_file,
    status_stopped,
    status_enabled,
    status_binary_error,
    usage_exits_2,
    restart_at_runlevel_3,
    condrestart_follows_lock,
    reload_is_a_noop,
);

// ---- the script's text: headers and production paths --------------------------------------

fn script_text() -> String {
    fs::read_to_string(script()).expect("reading rc/kexec")
}

#[test]
fn chkconfig_header_is_off_by_default_and_stops_before_netfs_syslog_network() {
    let text = script_text();
    let line = text
        .lines()
        .find(|l| l.starts_with("# chkconfig:"))
        .expect("a `# chkconfig:` line");
    // chkconfig reads it with sscanf("%s %d %d%c") and wants the newline right after.
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(
        words.len(),
        5,
        "chkconfig line {line:?} has levels, start, stop"
    );
    assert_eq!(
        words[2], "-",
        "chkconfig --add must leave the service off: {line:?}"
    );
    let start: u32 = words[3].parse().expect("start priority is a number");
    let stop: u32 = words[4].parse().expect("stop priority is a number");
    assert!(
        (50..99).contains(&start),
        "start priority {start} should be late"
    );
    assert!(
        stop < 75,
        "stop priority {stop} must come before K75netfs, K88rsyslog, K90network"
    );
    assert!(
        !line.ends_with(' '),
        "no trailing blank after the chkconfig line"
    );
    for want in [
        "# Provides: kexec",
        "# Default-Stop: 0 1 6",
        "# Short-Description:",
        "# Description:",
        "# description:",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(want)),
            "header {want:?} missing"
        );
    }
    let ds = text
        .lines()
        .find(|l| l.starts_with("# Default-Start:"))
        .expect("a Default-Start line");
    assert_eq!(
        ds.trim_end(),
        "# Default-Start:",
        "chkconfig 1.3 ORs Default-Start into what --add turns on: keep it empty"
    );
}

#[test]
fn production_paths_are_exact() {
    let text = script_text();
    for want in [
        "bin=${KEXEC_REBOOT_BIN:-/usr/sbin/kexec-reboot}",
        "lockfile=\"$rc_root/var/lock/subsys/kexec\"",
        "functions=\"$rc_root/etc/rc.d/init.d/functions\"",
        "sysconfig=\"$rc_root/etc/sysconfig/kexec\"",
        "rc_root=${KEXEC_RC_ROOT:-}",
    ] {
        assert!(text.contains(want), "rc/kexec must contain {want:?}");
    }
    assert!(
        text.starts_with("#!/bin/sh\n"),
        "rc/kexec runs under /bin/sh"
    );
}

#[test]
fn script_does_not_source_sysconfig() {
    let text = script_text();
    for bad in [". \"$sysconfig\"", ". /etc/sysconfig/kexec", "source "] {
        assert!(
            !text.contains(bad),
            "rc/kexec must not source the config: found {bad:?}"
        );
    }
}

#[test]
fn script_parses_under_bash_and_dash() {
    for sh in ["bash", "dash"] {
        let st = Command::new(shell_path(sh))
            .arg("-n")
            .arg(script())
            .status()
            .expect("running sh -n");
        assert!(st.success(), "{sh} -n rc/kexec");
    }
}
