//! bench-probe: the one measuring tool of `make bench`, on the host and inside the VM.
//!
//! Why it exists: shell timing (`date +%s%N` around a command) adds a fork and an exec of
//! `date` to every figure, and `/usr/bin/time` gives 10 ms wall-clock steps and is not in the
//! VM image. This tool starts a child, reaps it with `wait4(2)` and prints the child's own wall
//! time (monotonic clock, from just before the spawn to the reap) and peak RSS, on one line.
//! `file-load` times the bare `kexec_file_load(2)` call in-process: the load itself, without
//! any program around it, so the hook's overhead can be told from the load.
//!
//! Usage:
//!   bench-probe run [--stderr FILE] -- COMMAND [ARG...]
//!       prints `wall_ms=12.345 maxrss_kb=4321 user_ms=1.0 sys_ms=2.0 status=0` (the child's
//!       CPU time in user space and in the kernel; status: exit code, or 128+signal);
//!       the child's stdin and stdout are /dev/null, its stderr goes to FILE (default null)
//!   bench-probe file-load KERNEL INITRD CMDLINE
//!       prints `wall_ms=... status=0` (status: 0, or the errno of the call)
//!   bench-probe stamp START_NS
//!       copies a serial console from stdin to stdout, each line prefixed with the milliseconds
//!       from START_NS (CLOCK_REALTIME, `date +%s%N`) to the arrival of the line's *first*
//!       byte; CR ends a line as LF does, empty lines are dropped (tests/vm/run-vm.sh with
//!       KEXEC_VM_STAMPER). A boot loader's countdown or a firmware banner has no LF for
//!       seconds, and a line stamped at its end would move the phase boundaries by as much.
//!
//! x86_64 Linux only (the syscall number and `struct rusage` layout below are x86_64's).

use std::ffi::CString;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

#[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
compile_error!("bench-probe measures x86_64 Linux only");

/// `struct timeval` on x86_64.
#[repr(C)]
#[derive(Default)]
struct Timeval {
    sec: i64,
    usec: i64,
}

/// `struct rusage` on x86_64: two timevals, then 14 longs, `ru_maxrss` (KiB) first.
#[repr(C)]
#[derive(Default)]
struct Rusage {
    utime: Timeval,
    stime: Timeval,
    maxrss: i64,
    rest: [i64; 13],
}

extern "C" {
    fn wait4(pid: i32, status: *mut i32, options: i32, rusage: *mut Rusage) -> i32;
    fn syscall(number: i64, ...) -> i64;
}

const SYS_KEXEC_FILE_LOAD: i64 = 320;

fn usage() -> ExitCode {
    eprintln!(
        "usage: bench-probe run [--stderr FILE] -- COMMAND [ARG...]\n       bench-probe file-load KERNEL INITRD CMDLINE\n       bench-probe stamp START_NS"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("file-load") if args.len() == 4 => file_load(&args[1], &args[2], &args[3]),
        Some("stamp") if args.len() == 2 => {
            return match stamp(&args[1]) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("bench-probe stamp: {e}");
                    ExitCode::from(1)
                }
            };
        }
        _ => return usage(),
    };
    match result {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bench-probe: {e}");
            ExitCode::from(1)
        }
    }
}

/// Runs the command after `--`, reaps it with wait4 and says how long it took and its peak RSS.
fn run(args: &[String]) -> Result<String, String> {
    let mut stderr_file = None;
    let mut rest = args;
    loop {
        match rest.first().map(String::as_str) {
            Some("--stderr") if rest.len() > 1 => {
                stderr_file = Some(rest[1].clone());
                rest = &rest[2..];
            }
            Some("--") => {
                rest = &rest[1..];
                break;
            }
            _ => return Err("expected -- COMMAND".to_string()),
        }
    }
    let (program, program_args) = rest.split_first().ok_or("no COMMAND after --")?;
    let stderr = match &stderr_file {
        Some(f) => Stdio::from(File::create(f).map_err(|e| format!("creating {f}: {e}"))?),
        None => Stdio::null(),
    };
    let start = Instant::now();
    let child = Command::new(program)
        .args(program_args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("running {program}: {e}"))?;
    let mut status = 0i32;
    let mut usage = Rusage::default();
    // SAFETY: the pid is our own unreaped child; status and usage point to live locals.
    let pid = unsafe { wait4(child.id() as i32, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    if pid < 0 {
        return Err(format!(
            "waiting for {program}: {}",
            std::io::Error::last_os_error()
        ));
    }
    // Decode the wait status: exited (low 7 bits zero) or killed by a signal.
    let code = if status & 0x7f == 0 {
        (status >> 8) & 0xff
    } else {
        128 + (status & 0x7f)
    };
    let ms = |t: &Timeval| t.sec as f64 * 1000.0 + t.usec as f64 / 1000.0;
    Ok(format!(
        "wall_ms={:.3} maxrss_kb={} user_ms={:.1} sys_ms={:.1} status={code}",
        wall.as_secs_f64() * 1000.0,
        usage.maxrss,
        ms(&usage.utime),
        ms(&usage.stime)
    ))
}

/// Times one kexec_file_load(2) of KERNEL, INITRD and CMDLINE, nothing else.
fn file_load(kernel: &str, initrd: &str, cmdline: &str) -> Result<String, String> {
    let k = File::open(kernel).map_err(|e| format!("opening {kernel}: {e}"))?;
    let i = File::open(initrd).map_err(|e| format!("opening {initrd}: {e}"))?;
    let c = CString::new(cmdline).map_err(|_| "the command line holds a NUL byte".to_string())?;
    let len = c.as_bytes_with_nul().len() as u64;
    let start = Instant::now();
    // SAFETY: both descriptors are open for the call; the command line is NUL-terminated and
    // its length includes the NUL, as the syscall requires.
    let r = unsafe {
        syscall(
            SYS_KEXEC_FILE_LOAD,
            k.as_raw_fd() as i64,
            i.as_raw_fd() as i64,
            len,
            c.as_ptr(),
            0u64,
        )
    };
    let wall = start.elapsed();
    let status = if r == 0 {
        0
    } else {
        std::io::Error::last_os_error().raw_os_error().unwrap_or(-1)
    };
    Ok(format!(
        "wall_ms={:.3} status={status}",
        wall.as_secs_f64() * 1000.0
    ))
}

/// Milliseconds from START (ns since the epoch) to now, on the realtime clock (the caller's
/// `date +%s%N` is on that clock too).
fn ms_since(start_ns: u128) -> u128 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    now.saturating_sub(start_ns) / 1_000_000
}

/// Stamps each line of stdin with the time its first byte arrived (see the usage above).
fn stamp(start: &str) -> Result<(), String> {
    let start_ns: u128 = start
        .parse()
        .map_err(|_| format!("START_NS {start:?} is not a number of nanoseconds"))?;
    let mut input = std::io::stdin().lock();
    let mut output = std::io::stdout().lock();
    let mut buf = [0u8; 4096];
    let mut line: Vec<u8> = Vec::new();
    let mut first = 0u128;
    let mut emit = |line: &mut Vec<u8>, at: u128| -> Result<(), String> {
        if !line.is_empty() {
            write!(output, "{at:7} ").map_err(|e| e.to_string())?;
            output.write_all(line).map_err(|e| e.to_string())?;
            output.write_all(b"\n").map_err(|e| e.to_string())?;
            output.flush().map_err(|e| e.to_string())?;
            line.clear();
        }
        Ok(())
    };
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("reading stdin: {e}")),
        };
        let now = ms_since(start_ns);
        for &b in &buf[..n] {
            if b == b'\n' || b == b'\r' {
                emit(&mut line, first)?;
            } else {
                if line.is_empty() {
                    first = now;
                }
                line.push(b);
            }
        }
    }
    emit(&mut line, first)
}
