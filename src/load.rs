//! Talking to the running kernel: load and unload a kexec image.
//!
//! The kexec syscalls live here and nowhere else. Loads go through `kexec_file_load(2)` where
//! the kernel has it, else through kexec-tools' `kexec -l` run directly (no shell; see
//! [`crate::kexec_tools`]). The whole load is bounded by one deadline (KEXEC_TIMEOUT from the
//! start of the command): joining the initrds, the syscall and kexec-tools all count.
//! When a load cannot be known to have ended, the error says so ([`Kind::InFlight`]) instead
//! of "nothing staged". Raw `syscall(2)` is used rather than glibc wrappers so the binary needs
//! no new glibc symbols (old releases' glibc lacks `memfd_create`).

use std::ffi::CString;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use nix::fcntl::{fcntl, FcntlArg, FdFlag};

use crate::config::{Method, Settings};
use crate::failure::{Failure, Kind};
use crate::kexec_tools::{self, left};
use crate::plan::Plan;
use crate::root::SysRoot;
use crate::trust;

pub use crate::system::{kexec_loaded, locked_down, KEXEC_LOADED};

const KEXEC_FILE_UNLOAD: libc::c_ulong = 0x1;
const KEXEC_FILE_NO_INITRAMFS: libc::c_ulong = 0x4;

/// Where a load goes: the running kernel, or (tests only: a build with the `fake-kernel`
/// feature, `--fake-kernel`) the stand-in of `fake_kernel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The running kernel.
    Running,
    /// The stand-in in the `--root` tree.
    #[cfg(feature = "fake-kernel")]
    Fake,
}

impl Target {
    /// The tests' stand-in (never in a release build).
    pub fn is_fake(self) -> bool {
        #[cfg(feature = "fake-kernel")]
        if self == Target::Fake {
            return true;
        }
        false
    }
}

/// What the running kernel said to `kexec_file_load`, in words an admin can act on.
pub(crate) fn errno_words(errno: i32, kernel: &str) -> String {
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

/// The plan's files, each opened once and checked on that descriptor (see
/// [`trust::open_checked`]).
struct Opened {
    kernel: File,
    initrds: Vec<(String, File)>,
}

fn open_plan(root: &SysRoot, plan: &Plan) -> Result<Opened> {
    let kernel = trust::open_checked(root, &plan.kernel, "kernel")
        .map_err(|why| Failure::new(Kind::NoKernel, why))?;
    let mut initrds = Vec::new();
    for i in &plan.initrds {
        let f = trust::open_checked(root, i, "initrd")
            .map_err(|why| Failure::new(Kind::NoKernel, why))?;
        initrds.push((i.clone(), f));
    }
    Ok(Opened { kernel, initrds })
}

/// The initrd(s) as one readable file: the file itself when there is one, else their
/// concatenation (early microcode first) in an anonymous memory file, copied in blocks and
/// given up at the deadline.
fn initrd_file(
    initrds: Vec<(String, File)>,
    deadline: Instant,
    timeout: Duration,
) -> Result<Option<File>> {
    let mut it = initrds.into_iter();
    match (it.next(), it.len()) {
        (None, _) => Ok(None),
        (Some((_, one)), 0) => Ok(Some(one)),
        (Some(first), _) => {
            let mut out = memfd("kexec-reboot-initrd")?;
            let mut buf = vec![0u8; 1 << 20];
            for (name, mut f) in std::iter::once(first).chain(it) {
                loop {
                    left(
                        deadline,
                        timeout,
                        &format!("the end of joining the initrds ({name})"),
                    )?;
                    let n = f
                        .read(&mut buf)
                        .with_context(|| format!("reading {name}"))?;
                    if n == 0 {
                        break;
                    }
                    out.write_all(&buf[..n])
                        .context("writing the joined initrd to memory")?;
                }
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
                fcntl(f.as_raw_fd(), FcntlArg::F_SETFD(FdFlag::empty()))
                    .with_context(|| format!("letting kexec-tools read {path}"))?;
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

/// Loads with `kexec_file_load(2)` in a worker thread, waiting until the deadline. The kernel
/// and initrd descriptors are the checked ones.
fn load_file(
    plan: &Plan,
    kernel: File,
    initrd: Option<File>,
    deadline: Instant,
    timeout: Duration,
) -> Result<Result<(), i32>> {
    let wait = left(deadline, timeout, "kexec_file_load")?;
    let cmdline = plan.staged_cmdline();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let r = kexec_file_load(&kernel, initrd.as_ref(), &cmdline);
        let _ = tx.send(r);
    });
    match rx.recv_timeout(wait) {
        Ok(r) => Ok(r),
        // The call cannot be taken back: it may still stage the image. This process ends
        // only once the kernel returns (exit waits for the thread), and the caller unloads.
        Err(_) => Err(Failure::new(
            Kind::InFlight,
            format!(
                "kexec_file_load of {} did not return within KEXEC_TIMEOUT={}s and may still complete",
                plan.kernel,
                timeout.as_secs()
            ),
        )
        .into()),
    }
}

/// Loads with `kexec -l`. kexec-tools opens files by path: it gets the paths the checked
/// descriptors were opened from (their directories are root's alone, so they still name the
/// same files), and a joined initrd as `/proc/self/fd/N`.
fn load_kexec_tools(
    root: &SysRoot,
    plan: &Plan,
    settings: &Settings,
    initrds: Vec<(String, File)>,
    deadline: Instant,
) -> Result<()> {
    let kernel = root.exec_arg(&plan.kernel)?;
    let mut args = vec!["-l".to_string(), kernel.to_string_lossy().into_owned()];
    // Keep the joined initrd open until kexec has read it.
    let joined = if initrds.len() > 1 {
        initrd_file(initrds, deadline, settings.timeout)?
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
    args.push(format!("--command-line={}", plan.staged_cmdline()));
    kexec_tools::run(settings, &args, deadline)
}

/// Why `kexec_file_load` would refuse this kernel, read from the header of the open file.
fn file_load_problem(kernel: &File) -> Option<String> {
    let mut head = vec![0u8; crate::preflight::HEADER_BYTES as usize];
    let mut got = 0;
    while got < head.len() {
        match kernel.read_at(&mut head[got..], got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(_) => return None,
        }
    }
    head.truncate(got);
    crate::kernel_image::parse_header(&head, None)
        .ok()?
        .file_load_problem()
}

/// Stages `plan` in the target kernel by `deadline`. Returns the method that did it
/// (`kexec_file_load` or `kexec -l`).
pub fn load(
    root: &SysRoot,
    plan: &Plan,
    settings: &Settings,
    target: Target,
    deadline: Instant,
) -> Result<&'static str> {
    #[cfg(feature = "fake-kernel")]
    if target == Target::Fake {
        return crate::fake_kernel::load(root, plan)?
            .map_err(|errno| Failure::new(Kind::Load, errno_words(errno, &plan.kernel)).into());
    }
    let _ = target;
    let Opened { kernel, initrds } = open_plan(root, plan)?;
    let timeout = settings.timeout;
    let by_file = |kernel: File, initrds: Vec<(String, File)>| -> Result<Result<(), i32>> {
        let initrd = initrd_file(initrds, deadline, timeout)?;
        load_file(plan, kernel, initrd, deadline, timeout)
    };
    // kexec -l after kexec_file_load: the initrds are opened again (the first descriptors
    // went to the worker thread).
    let tools = || -> Result<&'static str> {
        let Opened { initrds, .. } = open_plan(root, plan)?;
        load_kexec_tools(root, plan, settings, initrds, deadline).map(|_| "kexec -l")
    };
    match settings.method {
        Method::KexecTools => {
            load_kexec_tools(root, plan, settings, initrds, deadline).map(|_| "kexec -l")
        }
        Method::File => match by_file(kernel, initrds)? {
            Ok(()) => Ok("kexec_file_load"),
            Err(errno) => Err(Failure::new(Kind::Load, errno_words(errno, &plan.kernel)).into()),
        },
        Method::Auto if file_load_problem(&kernel).is_some() => {
            // kexec_file_load would refuse this (old boot protocol): go straight to kexec -l.
            load_kexec_tools(root, plan, settings, initrds, deadline).map(|_| "kexec -l")
        }
        Method::Auto => match by_file(kernel, initrds)? {
            Ok(()) => Ok("kexec_file_load"),
            // No kexec_file_load (kernels before 3.17): the old syscall through kexec-tools.
            Err(libc::ENOSYS) => tools(),
            // Signature enforcement without lockdown (e.g. CentOS 7): kexec_load does not check
            // signatures, and is allowed when the kernel is not locked down.
            Err(e @ (libc::EKEYREJECTED | libc::EBADMSG)) if !locked_down(root) => {
                tools().map_err(|err| anyhow!("{}; then {err:#}", errno_words(e, &plan.kernel)))
            }
            Err(errno) => Err(Failure::new(Kind::Load, errno_words(errno, &plan.kernel)).into()),
        },
    }
}

/// Unloads whatever image is staged. Tries `kexec_file_load(KEXEC_FILE_UNLOAD)`, then
/// `kexec_load` with no segments (kernels before 3.17), then `kexec -u`.
pub fn unload(root: &SysRoot, settings: &Settings, target: Target) -> Result<()> {
    #[cfg(feature = "fake-kernel")]
    if target == Target::Fake {
        return crate::fake_kernel::unload(root);
    }
    let _ = (root, target);
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
    kexec_tools::run(
        settings,
        &["-u".to_string()],
        Instant::now() + settings.timeout,
    )
    .with_context(|| {
        format!("unloading the staged kernel (kexec_file_load: {e1}; kexec_load: {e2})")
    })
}

#[cfg(test)]
mod tests;
