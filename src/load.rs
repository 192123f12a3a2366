//! Talking to the running kernel: load and unload a kexec image, and ask whether one is loaded.
//!
//! The only module with syscalls and `unsafe`. Loads go through `kexec_file_load(2)` where the
//! kernel has it, else through kexec-tools' `kexec -l` run directly (no shell) under a timeout.
//! Raw `syscall(2)` is used rather than glibc wrappers so the binary needs no new glibc symbols
//! (old releases' glibc lacks `memfd_create`).

use std::ffi::CString;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};

use crate::config::{Method, Settings};
use crate::failure::{Failure, Kind};
use crate::plan::Plan;
use crate::root::SysRoot;

/// `/sys/kernel/kexec_loaded`: "1" when an image is staged.
pub const KEXEC_LOADED: &str = "/sys/kernel/kexec_loaded";
/// The kernel's lockdown state (`[none] integrity confidentiality`).
pub const LOCKDOWN: &str = "/sys/kernel/security/lockdown";

const KEXEC_FILE_UNLOAD: libc::c_ulong = 0x1;
const KEXEC_FILE_NO_INITRAMFS: libc::c_ulong = 0x4;

/// Whether a kexec image is staged; `None` when the kernel does not say (no kexec support).
pub fn kexec_loaded(root: &SysRoot) -> Option<bool> {
    root.read_to_string(KEXEC_LOADED)
        .ok()
        .map(|s| s.trim() == "1")
}

/// Whether the kernel is locked down (integrity or confidentiality).
pub fn locked_down(root: &SysRoot) -> bool {
    root.read_to_string(LOCKDOWN)
        .map(|s| !s.contains("[none]") && s.contains('['))
        .unwrap_or(false)
}

/// What the running kernel said to `kexec_file_load`, in words an admin can act on.
fn errno_words(errno: i32, kernel: &str) -> String {
    match errno {
        libc::EPERM => "the kernel refused kexec (EPERM): it is locked down (lockdown=, Secure Boot) or kernel.kexec_load_disabled is set; boot through the firmware or lift the lockdown".to_string(),
        libc::EKEYREJECTED => format!("the kernel refused {kernel} (EKEYREJECTED): it is not signed by a key the running kernel trusts; sign it or use KEXEC_METHOD=kexec-tools where the kernel is not locked down"),
        libc::EBADMSG => format!("the kernel refused {kernel} (EBADMSG): its signature does not verify; reinstall the kernel package"),
        libc::ENOEXEC => format!("the kernel refused {kernel} (ENOEXEC): not an image the running kernel can load; reinstall the kernel package"),
        libc::EBUSY => "the kernel is busy with another kexec load (EBUSY); try again".to_string(),
        libc::ENOSYS => "this kernel has no kexec_file_load (ENOSYS, kernel older than 3.17 or without CONFIG_KEXEC_FILE); set KEXEC_METHOD=auto or kexec-tools".to_string(),
        libc::ENOMEM => format!("the kernel has no room for {kernel} and its initrd (ENOMEM)"),
        libc::EINVAL => format!("the kernel refused {kernel} (EINVAL): the image or command line is invalid for it"),
        e => format!("kexec_file_load failed: {}", std::io::Error::from_raw_os_error(e)),
    }
}

/// The initrd(s) as one readable file: the file itself when there is one, else their
/// concatenation (early microcode first) in an anonymous memory file.
fn initrd_file(root: &SysRoot, initrds: &[String]) -> Result<Option<File>> {
    match initrds {
        [] => Ok(None),
        [one] => Ok(Some(root.open(one)?)),
        several => {
            let mut out = memfd("kexec-reboot-initrd")?;
            for i in several {
                let mut f = root.open(i)?;
                let mut buf = Vec::new();
                f.read_to_end(&mut buf)
                    .with_context(|| format!("reading {i}"))?;
                out.write_all(&buf)
                    .context("writing the joined initrd to memory")?;
            }
            Ok(Some(out))
        }
    }
}

/// An anonymous file in memory (`memfd_create(2)`, kernels ≥ 3.17), without close-on-exec so a
/// child `kexec` can read it as `/proc/self/fd/N`. Older kernels (CentOS 5/6) get an unlinked
/// file in /dev/shm (or /var/run) instead.
fn memfd(name: &str) -> Result<File> {
    let cname = CString::new(name).context("naming a memory file")?;
    // SAFETY: a valid NUL-terminated name and no flags; the returned fd is owned below.
    let fd = unsafe { libc::syscall(libc::SYS_memfd_create, cname.as_ptr(), 0 as libc::c_uint) };
    if fd >= 0 {
        // SAFETY: the kernel just gave us this descriptor and nothing else owns it.
        let owned = unsafe { OwnedFd::from_raw_fd(fd as libc::c_int) };
        return Ok(File::from(owned));
    }
    let memfd_err = std::io::Error::last_os_error();
    let mut last = None;
    for dir in ["/dev/shm", "/var/run"] {
        let path = format!("{dir}/{name}.{}", std::process::id());
        let opened = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path);
        match opened {
            Ok(f) => {
                let _ = std::fs::remove_file(&path);
                // std opens with close-on-exec; the child kexec must inherit this one.
                // SAFETY: F_SETFD on a descriptor we own.
                unsafe { libc::fcntl(f.as_raw_fd(), libc::F_SETFD, 0) };
                return Ok(f);
            }
            Err(e) => last = Some(format!("{path}: {e}")),
        }
    }
    Err(anyhow!(
        "no place for the joined initrd (memfd_create: {memfd_err}; {})",
        last.unwrap_or_default()
    ))
}

/// One `kexec_file_load(2)` call; Err(errno).
fn kexec_file_load(kernel: &File, initrd: Option<&File>, cmdline: &str) -> Result<(), i32> {
    let c = CString::new(cmdline).map_err(|_| libc::EINVAL)?;
    let bytes = c.as_bytes_with_nul();
    let (initrd_fd, flags) = match initrd {
        Some(f) => (f.as_raw_fd(), 0),
        None => (-1, KEXEC_FILE_NO_INITRAMFS),
    };
    // SAFETY: the descriptors are open for the duration of the call; the command line pointer
    // and length describe a NUL-terminated buffer that outlives the call.
    let r = unsafe {
        libc::syscall(
            libc::SYS_kexec_file_load,
            kernel.as_raw_fd(),
            initrd_fd,
            bytes.len() as libc::c_ulong,
            bytes.as_ptr(),
            flags,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO))
    }
}

/// Loads with `kexec_file_load(2)` in a worker thread, waiting at most `timeout`.
fn load_file(root: &SysRoot, plan: &Plan, timeout: Duration) -> Result<Result<(), i32>> {
    let kernel = root.open(&plan.kernel)?;
    let initrd = initrd_file(root, &plan.initrds)?;
    let cmdline = plan.cmdline.clone();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let r = kexec_file_load(&kernel, initrd.as_ref(), &cmdline);
        let _ = tx.send(r);
    });
    match rx.recv_timeout(timeout) {
        Ok(r) => Ok(r),
        Err(_) => Err(Failure::new(
            Kind::Load,
            format!(
                "kexec_file_load of {} took longer than KEXEC_TIMEOUT={}s; gave up",
                plan.kernel,
                timeout.as_secs()
            ),
        )
        .into()),
    }
}

/// Runs kexec-tools with `args`, killing it after `timeout`. Returns its stderr's last line on
/// failure.
fn run_kexec_tools(settings: &Settings, args: &[String], timeout: Duration) -> Result<()> {
    let tool = &settings.kexec_tools;
    // Run as root: refuse a binary another user could have replaced (never run under --root).
    let host = SysRoot::new("/");
    if host.exists(tool) {
        if let Some(why) = crate::trust::distrust(&host, tool, "kexec-tools binary") {
            return Err(Failure::new(Kind::Load, format!("{why}; not run")).into());
        }
    }
    let mut child = Command::new(tool)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            Failure::new(
                Kind::Load,
                format!("running {tool}: {e}; install kexec-tools or set KEXEC_TOOLS"),
            )
        })?;
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(st) = child
            .try_wait()
            .with_context(|| format!("waiting for {tool}"))?
        {
            break st;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Failure::new(
                Kind::Load,
                format!(
                    "{tool} {} took longer than KEXEC_TIMEOUT={}s and was killed",
                    args.join(" "),
                    timeout.as_secs()
                ),
            )
            .into());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    if status.success() {
        return Ok(());
    }
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    let last = err
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    Err(Failure::new(
        Kind::Load,
        format!(
            "{tool} {} failed ({status}){}{last}",
            args.first().map(String::as_str).unwrap_or(""),
            if last.is_empty() { "" } else { ": " }
        ),
    )
    .into())
}

/// Loads with `kexec -l`.
fn load_kexec_tools(root: &SysRoot, plan: &Plan, settings: &Settings) -> Result<()> {
    let kernel = root.exec_arg(&plan.kernel)?;
    let mut args = vec!["-l".to_string(), kernel.to_string_lossy().into_owned()];
    // Keep the joined initrd open until kexec has read it.
    let joined = if plan.initrds.len() > 1 {
        initrd_file(root, &plan.initrds)?
    } else {
        None
    };
    if let Some(f) = &joined {
        args.push(format!("--initrd=/proc/self/fd/{}", f.as_raw_fd()));
    } else if let Some(one) = plan.initrds.first() {
        args.push(format!(
            "--initrd={}",
            root.exec_arg(one)?.to_string_lossy()
        ));
    }
    args.push(format!("--command-line={}", plan.cmdline));
    run_kexec_tools(settings, &args, settings.timeout)
}

/// Why `kexec_file_load` would refuse the plan's kernel, read from its header.
pub fn file_load_problem(root: &SysRoot, plan: &Plan) -> Option<String> {
    let head =
        crate::preflight::read_head(root, &plan.kernel, crate::preflight::HEADER_BYTES).ok()?;
    crate::kernel_image::parse_header(&head, None)
        .ok()?
        .file_load_problem()
}

/// Where a load goes: the running kernel, or (tests only, `--fake-kernel`) a stand-in inside a
/// `--root` tree: `/sys/kernel/kexec_loaded` there is set, and each call is appended to
/// `/sys/kernel/kexec-reboot-fake.log`. A file `/sys/kernel/kexec-reboot-fake-errno` holding an
/// errno name (`EPERM`, `ENOSYS`, ...) makes the stand-in refuse loads with that errno.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The running kernel.
    Running,
    /// The stand-in in the `--root` tree.
    Fake,
}

const FAKE_LOG: &str = "/sys/kernel/kexec-reboot-fake.log";
const FAKE_ERRNO: &str = "/sys/kernel/kexec-reboot-fake-errno";

fn fake_write(root: &SysRoot, loaded: bool, line: &str) -> Result<()> {
    root.create_dir_all("/sys/kernel", 0o755)?;
    root.write_atomic(KEXEC_LOADED, if loaded { b"1\n" } else { b"0\n" }, 0o644)?;
    let mut log = root.read(FAKE_LOG).unwrap_or_default();
    log.extend_from_slice(format!("{line}\n").as_bytes());
    root.write_atomic(FAKE_LOG, &log, 0o644)
}

fn fake_errno(root: &SysRoot) -> Option<i32> {
    let name = root.read_to_string(FAKE_ERRNO).ok()?;
    Some(match name.trim() {
        "EPERM" => libc::EPERM,
        "EKEYREJECTED" => libc::EKEYREJECTED,
        "EBADMSG" => libc::EBADMSG,
        "ENOEXEC" => libc::ENOEXEC,
        "EBUSY" => libc::EBUSY,
        "ENOSYS" => libc::ENOSYS,
        "ENOMEM" => libc::ENOMEM,
        _ => libc::EINVAL,
    })
}

fn fake_load(root: &SysRoot, plan: &Plan) -> Result<&'static str> {
    if let Some(errno) = fake_errno(root) {
        return Err(Failure::new(Kind::Load, errno_words(errno, &plan.kernel)).into());
    }
    for f in std::iter::once(&plan.kernel).chain(plan.initrds.iter()) {
        // Readable (its size is the kernel's business, not the stand-in's).
        root.open(f)?
            .read(&mut [0u8; 1])
            .with_context(|| format!("reading {f}"))?;
    }
    fake_write(
        root,
        true,
        &format!(
            "load kernel={} initrds={} cmdline={}",
            plan.kernel,
            plan.initrds.join(","),
            plan.cmdline
        ),
    )?;
    Ok("fake")
}

/// Stages `plan` in the target kernel. Returns the method that did it (`kexec_file_load` or
/// `kexec -l`).
pub fn load(
    root: &SysRoot,
    plan: &Plan,
    settings: &Settings,
    target: Target,
) -> Result<&'static str> {
    if target == Target::Fake {
        return fake_load(root, plan);
    }
    match settings.method {
        Method::KexecTools => load_kexec_tools(root, plan, settings).map(|_| "kexec -l"),
        Method::File => match load_file(root, plan, settings.timeout)? {
            Ok(()) => Ok("kexec_file_load"),
            Err(errno) => Err(Failure::new(Kind::Load, errno_words(errno, &plan.kernel)).into()),
        },
        Method::Auto if file_load_problem(root, plan).is_some() => {
            // kexec_file_load would refuse this (old boot protocol): go straight to kexec -l.
            load_kexec_tools(root, plan, settings).map(|_| "kexec -l")
        }
        Method::Auto => match load_file(root, plan, settings.timeout)? {
            Ok(()) => Ok("kexec_file_load"),
            // No kexec_file_load (kernels before 3.17): the old syscall through kexec-tools.
            Err(libc::ENOSYS) => load_kexec_tools(root, plan, settings).map(|_| "kexec -l"),
            // Signature enforcement without lockdown (e.g. CentOS 7): kexec_load does not check
            // signatures, and is allowed when the kernel is not locked down.
            Err(e @ (libc::EKEYREJECTED | libc::EBADMSG)) if !locked_down(root) => {
                load_kexec_tools(root, plan, settings)
                    .map(|_| "kexec -l")
                    .map_err(|err| anyhow!("{}; then {err:#}", errno_words(e, &plan.kernel)))
            }
            Err(errno) => Err(Failure::new(Kind::Load, errno_words(errno, &plan.kernel)).into()),
        },
    }
}

/// Unloads whatever image is staged. Tries `kexec_file_load(KEXEC_FILE_UNLOAD)`, then
/// `kexec_load` with no segments (kernels before 3.17), then `kexec -u`.
pub fn unload(root: &SysRoot, settings: &Settings, target: Target) -> Result<()> {
    if target == Target::Fake {
        return fake_write(root, false, "unload");
    }
    // SAFETY: an unload takes no descriptors or buffers.
    let r = unsafe {
        libc::syscall(
            libc::SYS_kexec_file_load,
            -1,
            -1,
            0 as libc::c_ulong,
            std::ptr::null::<u8>(),
            KEXEC_FILE_UNLOAD,
        )
    };
    if r == 0 {
        return Ok(());
    }
    let e1 = std::io::Error::last_os_error();
    // SAFETY: zero segments and a null segment list is the documented unload request.
    let r = unsafe {
        libc::syscall(
            libc::SYS_kexec_load,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
            std::ptr::null::<u8>(),
            0 as libc::c_ulong,
        )
    };
    if r == 0 {
        return Ok(());
    }
    let e2 = std::io::Error::last_os_error();
    run_kexec_tools(settings, &["-u".to_string()], settings.timeout).with_context(|| {
        format!("unloading the staged kernel (kexec_file_load: {e1}; kexec_load: {e2})")
    })
}
