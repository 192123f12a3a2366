//! Runs rc/kexec (the /etc/rc.d/init.d/kexec script) under bash AND dash against a temporary
//! root, because the reboot hook must behave the same under CentOS 5's bash 3.2 and any
//! POSIX shell: it stages a kernel only on the way to runlevel 6, never blocks the reboot,
//! and always lets the reboot go on.
//!
//! Each case is one function taking the shell; `rc_cases!` makes a `bash::<case>` and a
//! `dash::<case>` test of it. The script runs the real binary (`--root` on a copy of the
//! CentOS 5 fixture, `--fake-kernel`) through a shim that records each call; only what the
//! real binary cannot be made to do on a test root (hang, ignore TERM, leave a child) uses the
//! stand-in tests/rc/kexec-reboot. Other stand-ins there: `runlevel`, `logger` and a POSIX
//! `functions`. The links the script's header gives are checked with the real
//! chkconfig of CentOS 5, 6 and 7 in tests/rc_chkconfig.rs.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const LOAD: &str = "load --reason shutdown";
/// What the script runs after a load that did not stage.
const UNLOAD_OURS: &str = "unload --ours --quiet";

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

/// A temporary root for one run: a copy of the CentOS 5 fixture with the fake kernel, a lock
/// dir, optional functions file and sysconfig.
struct Rig {
    dir: tempfile::TempDir,
    shell: &'static str,
    case: &'static str,
    /// The binary the script runs: the shim around the real one, or the stand-in.
    bin: PathBuf,
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
        let dir = common::copy_fixture("centos5-seed");
        for d in [
            "var/lock/subsys",
            "etc/sysconfig",
            "var/run",
            "proc/sys/kernel/random",
        ] {
            fs::create_dir_all(dir.path().join(d)).expect("making a directory in the root");
        }
        fs::write(
            dir.path().join("proc/sys/kernel/random/boot_id"),
            "boot-1\n",
        )
        .expect("writing boot_id");
        fs::create_dir_all(dir.path().join("sys/kernel")).expect("making sys/kernel");
        fs::write(dir.path().join("sys/kernel/kexec_loaded"), "0\n").expect("kexec_loaded");
        // The shim: records the call, may die as a crashing binary would, else runs the real
        // binary on this root.
        let shim = dir.path().join("kexec-reboot-shim");
        fs::write(
            &shim,
            format!(
                "#!/bin/sh\n\
                 echo \"$*\" >>\"$STANDIN_CALLS\"\n\
                 echo \"$$\" >>\"$STANDIN_PIDS\"\n\
                 case \"${{SHIM_CRASH:-}}:$1\" in abort:load) kill -ABRT $$ ;; esac\n\
                 exec {} --root \"$KEXEC_RC_ROOT\" --fake-kernel \"$@\"\n",
                env!("CARGO_BIN_EXE_kexec-reboot")
            ),
        )
        .expect("writing the shim");
        fs::set_permissions(&shim, fs::Permissions::from_mode(0o755)).expect("chmod the shim");
        Rig {
            dir,
            shell,
            case,
            bin: shim,
        }
    }

    /// Runs the stand-in instead of the real binary.
    fn with_standin(mut self) -> Rig {
        self.bin = repo().join("tests/rc/kexec-reboot");
        self
    }

    fn sys(&self, rel: &str, text: &str) {
        let p = self.root().join(rel);
        fs::create_dir_all(p.parent().expect("a parent")).expect("making the directory");
        fs::write(p, text).expect("writing into the root");
    }

    fn loaded(&self) -> bool {
        fs::read_to_string(self.root().join("sys/kernel/kexec_loaded"))
            .map(|s| s.trim() == "1")
            .unwrap_or(false)
    }

    /// The real binary, run directly on this root (to set up or inspect).
    fn binary(&self, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_kexec-reboot"))
            .arg("--root")
            .arg(self.root())
            .arg("--fake-kernel")
            .args(args)
            .output()
            .expect("running kexec-reboot")
    }

    /// The fake kernel refuses loads (exit 5).
    fn refusing_kernel(&self) {
        self.sys("sys/kernel/kexec-reboot-fake-errno", "EPERM\n");
    }

    /// A kexec boot on record as never confirmed: `load` refuses on purpose (exit 6).
    fn unconfirmed_boot(&self) {
        self.sys("var/lib/kexec-reboot/unconfirmed.json", "{\"staged\": ");
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
            .env("KEXEC_REBOOT_BIN", &self.bin)
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
    rig.refusing_kernel();
    let o = rig.run(&["stop"], &[("runlevel", "6")]);
    rig.check(o.code == Some(0), "the reboot path must exit 0", &o);
    rig.check(
        o.calls == [LOAD, UNLOAD_OURS],
        "the load must have been tried, then whatever of ours unloaded",
        &o,
    );
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
    rig.unconfirmed_boot();
    let o = rig.run(&["stop"], &[("runlevel", "6")]);
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
/// The stand-in says, as the real binary does once it has read the config, that its timeout
/// is 1 s: the guard then allows 1 + 5 s whatever the config looks like to a shell.
fn hang_case(sh: &'static str, case: &'static str, mode: &str, sysconfig: &str) {
    let rig = Rig::new(sh, case)
        .with_standin()
        .with_lock()
        .with_sysconfig(sysconfig);
    let env = [
        ("runlevel", "6"),
        ("STANDIN_LOAD", mode),
        ("STANDIN_TIMEOUT", "1"),
    ];
    let o = rig.run(&["stop"], &env);
    rig.check(o.code == Some(0), "the reboot path must exit 0", &o);
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
    for pid in rig.pids() {
        let alive = Path::new(&format!("/proc/{pid}")).exists()
            && fs::read_to_string(format!("/proc/{pid}/cmdline"))
                .map(|c| c.contains("sleep"))
                .unwrap_or(false);
        rig.check(
            !alive,
            &format!("the hung stand-in or its child (pid {pid}) must be gone"),
            &o,
        );
    }
    rig.check(o.stdout.contains("FAILED"), "a FAILED line is expected", &o);
    rig.check(
        o.stderr.contains("KEXEC_TIMEOUT + 5s"),
        "the bound is named",
        &o,
    );
    rig.check(
        o.syslog.contains("did not finish"),
        "the guard's action goes to syslog",
        &o,
    );
    rig.check(
        o.calls == [LOAD, UNLOAD_OURS],
        "the load must have been tried, then whatever of ours unloaded",
        &o,
    );
}

fn stop_rl6_hang_bounded(sh: &'static str) {
    hang_case(sh, "hanging load", "hang", "KEXEC_TIMEOUT=1\n");
}
fn stop_rl6_hang_ignoring_term_bounded(sh: &'static str) {
    let conf = "# quoted, as an admin may write it\nKEXEC_TIMEOUT=\"1\"\n";
    hang_case(sh, "hanging load ignoring TERM", "hang-ignore-term", conf);
}
// Regression (issue 13, defect 1): the guard killed one pid, so a child (kexec-tools under
// the binary) lived on and could finish a load after the reboot had moved on.
fn stop_rl6_hang_kills_the_process_group(sh: &'static str) {
    hang_case(
        sh,
        "hanging load with a child",
        "hang-with-child",
        "KEXEC_TIMEOUT=1\n",
    );
}
// Regression (issue 13, defect 1): the script read KEXEC_TIMEOUT itself; `1 # comment` (and
// `export KEXEC_TIMEOUT=1`) gave the binary 1 s and the guard 30 s. Now the binary says.
fn stop_rl6_guard_takes_the_binarys_timeout(sh: &'static str) {
    let conf = "KEXEC_TIMEOUT=1 # a comment\nexport KEXEC_TIMEOUT=1\n";
    hang_case(sh, "guard bound from the binary", "hang", conf);
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
    rig.refusing_kernel();
    let o = rig.run(&["stop"], &[("runlevel", "6")]);
    rig.check(o.code == Some(0), "the reboot path must exit 0", &o);
    rig.check(
        o.stdout.contains("[FAILED]"),
        "a failed load uses failure()",
        &o,
    );
    fs::remove_file(rig.root().join("sys/kernel/kexec-reboot-fake-errno")).expect("rm errno");
    rig.unconfirmed_boot();
    let o = rig.run(&["stop"], &[("runlevel", "6")]);
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

// Regression (issue 13, defect 10): a healthy machine has nothing staged between reboots;
// the binary's `status` exited 3 then, and the script turned that into 4 ("unknown").
fn status_enabled(sh: &'static str) {
    let rig = Rig::new(sh, "status with lock").with_lock();
    let o = rig.run(&["status"], &[]);
    rig.check(o.code == Some(0), "LSB: 0 when enabled", &o);
    rig.check(o.calls == ["status"], "asks `kexec-reboot status`", &o);
    rig.check(
        o.stdout.contains("nothing staged"),
        "shows what the binary says",
        &o,
    );
}

fn status_binary_error(sh: &'static str) {
    let rig = Rig::new(sh, "status with a failing binary").with_lock();
    // A kernel without kexec: the binary cannot tell what is staged.
    fs::remove_file(rig.root().join("sys/kernel/kexec_loaded")).expect("rm kexec_loaded");
    let o = rig.run(&["status"], &[]);
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

// ---- issue 13: nothing of ours stays staged, whatever the config says or the binary does --

/// `stop` at 6 with `sysconfig`: the real binary must run and stage.
fn stop_stages_with_config(sh: &'static str, case: &'static str, sysconfig: &str) {
    let rig = Rig::new(sh, case).with_lock().with_sysconfig(sysconfig);
    let o = rig.run(&["stop"], &[("runlevel", "6")]);
    rig.check(o.code == Some(0), "the reboot path must exit 0", &o);
    rig.check(o.calls == [LOAD], "exactly one load", &o);
    rig.check(o.stdout.contains("OK"), "an OK line", &o);
    rig.check(rig.loaded(), "the kernel is staged", &o);
}
// Regression (defect 1): `KEXEC_TIMEOUT=09` passes `check`; the script's own arithmetic died
// on it (bash: "value too great for base"; dash: exit 2) and the binary never ran.
fn stop_rl6_timeout_with_a_leading_zero(sh: &'static str) {
    stop_stages_with_config(sh, "KEXEC_TIMEOUT=09", "KEXEC_TIMEOUT=09\n");
}
fn stop_rl6_timeout_with_a_comment_or_export(sh: &'static str) {
    stop_stages_with_config(
        sh,
        "KEXEC_TIMEOUT with a comment, export",
        "export KEXEC_TIMEOUT=060 # a minute\n",
    );
}
// Regression (defect 1): the script read the config before its guard started, so a FIFO
// there held `stop` (and the reboot) forever. The binary refuses it and the reboot goes on.
fn stop_rl6_config_is_a_fifo(sh: &'static str) {
    let rig = Rig::new(sh, "config is a FIFO").with_lock();
    let fifo = rig.root().join("etc/sysconfig/kexec");
    let st = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(st.success(), "mkfifo");
    let o = rig.run(&["stop"], &[("runlevel", "6")]);
    rig.check(o.code == Some(0), "stop must end, and exit 0", &o);
    rig.check(
        o.calls.first().map(String::as_str) == Some(LOAD),
        "the load ran",
        &o,
    );
    rig.check(o.stdout.contains("FAILED"), "a FAILED line", &o);
    rig.check(!rig.loaded(), "nothing staged", &o);
}
// Regression (defect 2): a binary that dies by a signal (a stack overflow, a panic with
// panic=abort) had no chance to unload; the image of ours staged earlier in the boot then
// booted at reboot. The script now unloads what is ours.
fn stop_rl6_crashing_binary_leaves_nothing_of_ours(sh: &'static str) {
    let rig = Rig::new(sh, "binary aborts with ours staged").with_lock();
    let first = rig.binary(&["load"]);
    assert!(first.status.success(), "{first:?}");
    assert!(rig.loaded(), "ours staged before the reboot");
    let o = rig.run(&["stop"], &[("runlevel", "6"), ("SHIM_CRASH", "abort")]);
    rig.check(o.code == Some(0), "the reboot path must exit 0", &o);
    rig.check(!rig.loaded(), "the image of ours must not stay staged", &o);
    rig.check(
        o.calls == [LOAD, UNLOAD_OURS],
        "load, then unload --ours",
        &o,
    );
    rig.check(o.stdout.contains("FAILED"), "a FAILED line", &o);
    rig.check(o.stderr.contains("signal 6"), "the signal is named", &o);
    rig.check(
        o.stderr.contains("nothing of ours is staged"),
        "the outcome is said",
        &o,
    );
}
// ... while an operator's manual load (no record of ours) stays.
fn stop_rl6_crashing_binary_keeps_a_manual_load(sh: &'static str) {
    let rig = Rig::new(sh, "binary aborts with a manual load").with_lock();
    rig.sys("sys/kernel/kexec_loaded", "1\n");
    let o = rig.run(&["stop"], &[("runlevel", "6"), ("SHIM_CRASH", "abort")]);
    rig.check(o.code == Some(0), "the reboot path must exit 0", &o);
    rig.check(
        o.calls == [LOAD, UNLOAD_OURS],
        "load, then unload --ours",
        &o,
    );
    rig.check(rig.loaded(), "the manual load must stay", &o);
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
    stop_rl6_hang_kills_the_process_group,
    stop_rl6_guard_takes_the_binarys_timeout,
    stop_rl6_timeout_with_a_leading_zero,
    stop_rl6_timeout_with_a_comment_or_export,
    stop_rl6_config_is_a_fifo,
    stop_rl6_crashing_binary_leaves_nothing_of_ours,
    stop_rl6_crashing_binary_keeps_a_manual_load,
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
