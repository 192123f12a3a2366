//! FOR TESTS ONLY: the stand-in kernel behind `--fake-kernel` (which needs `--root`). Compiled
//! only with the `fake-kernel` feature, which `cargo test` turns on (Cargo.toml) and no release
//! build has: the binary an admin installs has neither this module nor the option.
//!
//! It lets the integration tests and the rc script tests run the real binary's whole load flow
//! on a fixture tree without touching the running kernel: `/sys/kernel/kexec_loaded` inside the
//! tree is set, and each call is appended to `/sys/kernel/kexec-reboot-fake.log`. A file
//! `/sys/kernel/kexec-reboot-fake-errno` holding an errno name (`EPERM`, `ENOSYS`, ...) makes
//! it refuse loads with that errno (the caller words it as it words the kernel's own refusals).
//! Even in a test build `app` refuses `--fake-kernel` without `--root`.

use std::io::{Read, Write};

use anyhow::{Context, Result};

use crate::failure::{Failure, Kind};
use crate::plan::Plan;
use crate::root::SysRoot;
use crate::system::KEXEC_LOADED;

const FAKE_LOG: &str = "/sys/kernel/kexec-reboot-fake.log";
const FAKE_ERRNO: &str = "/sys/kernel/kexec-reboot-fake-errno";

fn write(root: &SysRoot, loaded: bool, line: &str) -> Result<()> {
    root.create_dir_all("/sys/kernel", 0o755)
        .context("creating the fake kernel's /sys/kernel")?;
    root.write_atomic(KEXEC_LOADED, if loaded { b"1\n" } else { b"0\n" }, 0o644)
        .context("writing the fake kexec_loaded")?;
    let mut log = root
        .open_or_create(FAKE_LOG, 0o644, true)
        .context("writing the fake kernel's log")?;
    writeln!(log, "{line}").context("writing the fake kernel's log")
}

fn errno(root: &SysRoot) -> Option<i32> {
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

/// A load into the stand-in: the plan's files are read (through the trust check, as a real
/// load opens them), then recorded. `Ok(Err(errno))` is the stand-in refusing the load.
pub fn load(root: &SysRoot, plan: &Plan) -> Result<Result<&'static str, i32>> {
    if let Some(e) = errno(root) {
        return Ok(Err(e));
    }
    let files =
        std::iter::once((&plan.kernel, "kernel")).chain(plan.initrds.iter().map(|i| (i, "initrd")));
    for (f, what) in files {
        // Readable (its size is the kernel's business, not the stand-in's).
        crate::trust::open_checked(root, f, what)
            .map_err(|why| Failure::new(Kind::NoKernel, why))?
            .read(&mut [0u8; 1])
            .with_context(|| format!("reading {f}"))?;
    }
    write(
        root,
        true,
        &format!(
            "load kernel={} initrds={} cmdline={}",
            plan.kernel,
            plan.initrds.join(","),
            plan.staged_cmdline()
        ),
    )?;
    Ok(Ok("fake"))
}

/// An unload from the stand-in.
pub fn unload(root: &SysRoot) -> Result<()> {
    write(root, false, "unload")
}
