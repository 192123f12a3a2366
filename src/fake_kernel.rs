//! FOR TESTS ONLY: the stand-in kernel behind `--fake-kernel` (which needs `--root`).
//!
//! It lets the integration tests and the rc script tests run the real binary's whole load flow
//! on a fixture tree without touching the running kernel: `/sys/kernel/kexec_loaded` inside the
//! tree is set, and each call is appended to `/sys/kernel/kexec-reboot-fake.log`. A file
//! `/sys/kernel/kexec-reboot-fake-errno` holding an errno name (`EPERM`, `ENOSYS`, ...) makes
//! it refuse loads with that errno. Production code never reaches it: `app` refuses
//! `--fake-kernel` without `--root`.

use std::io::Write;

use anyhow::{Context, Result};

use crate::failure::{Failure, Kind};
use crate::plan::Plan;
use crate::root::SysRoot;
use crate::system::KEXEC_LOADED;

const FAKE_LOG: &str = "/sys/kernel/kexec-reboot-fake.log";
const FAKE_ERRNO: &str = "/sys/kernel/kexec-reboot-fake-errno";

fn write(root: &SysRoot, loaded: bool, line: &str) -> Result<()> {
    let flag = root.host_path(KEXEC_LOADED)?;
    if let Some(dir) = flag.parent() {
        std::fs::create_dir_all(dir).context("creating the fake kernel's /sys/kernel")?;
    }
    std::fs::write(&flag, if loaded { "1\n" } else { "0\n" })
        .context("writing the fake kexec_loaded")?;
    let mut log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(root.host_path(FAKE_LOG)?)
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
/// load opens them), then recorded.
pub fn load(root: &SysRoot, plan: &Plan) -> Result<&'static str> {
    if let Some(e) = errno(root) {
        return Err(Failure::new(Kind::Load, crate::load::errno_words(e, &plan.kernel)).into());
    }
    crate::trust::open_checked(root, &plan.kernel, "kernel")
        .map_err(|why| Failure::new(Kind::NoKernel, why))?;
    for i in &plan.initrds {
        crate::trust::open_checked(root, i, "initrd")
            .map_err(|why| Failure::new(Kind::NoKernel, why))?;
    }
    write(
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

/// An unload from the stand-in.
pub fn unload(root: &SysRoot) -> Result<()> {
    write(root, false, "unload")
}
