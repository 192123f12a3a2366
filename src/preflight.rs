//! Checks made before anything is loaded: is the kernel a bootable bzImage for this machine,
//! are the initrds there, does `/lib/modules/<version>` exist, does the command line fit.
//!
//! Each failed check says, on one line, which file, what is wrong and what to do. A plan with
//! a failed check is never loaded.

use std::io::Read;

use serde::Serialize;

use crate::config::Settings;
use crate::kernel_image;
use crate::root::SysRoot;
use crate::trust;

/// How much of a kernel file the header checks read.
pub const HEADER_BYTES: u64 = 64 * 1024;

/// One preflight check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Short name: `kernel`, `kernel-version`, `initrd`, `modules`, `cmdline`.
    pub name: String,
    /// Passed.
    pub ok: bool,
    /// What was found, or what is wrong and what to do.
    pub detail: String,
}

impl Check {
    /// A check that passed.
    pub fn passed(name: &str, detail: impl Into<String>) -> Check {
        pass(name, detail)
    }

    /// A check that failed, `detail` saying why and what to do.
    pub fn failed(name: &str, detail: impl Into<String>) -> Check {
        fail(name, detail)
    }
}

fn pass(name: &str, detail: impl Into<String>) -> Check {
    Check {
        name: name.to_string(),
        ok: true,
        detail: detail.into(),
    }
}

fn fail(name: &str, detail: impl Into<String>) -> Check {
    Check {
        name: name.to_string(),
        ok: false,
        detail: detail.into(),
    }
}

/// The first bytes of a file under the root.
pub fn read_head(root: &SysRoot, path: &str, limit: u64) -> std::io::Result<Vec<u8>> {
    let f = root
        .open(path)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{e:#}")))?;
    let mut buf = Vec::new();
    f.take(limit).read_to_end(&mut buf)?;
    Ok(buf)
}

/// The version a kernel image's header gives (first word of its version string).
pub fn header_version(root: &SysRoot, path: &str) -> Option<String> {
    let head = read_head(root, path, HEADER_BYTES).ok()?;
    let info = kernel_image::inspect(&head).ok()?;
    info.version_string
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
}

/// What the checks look at: the kernel, initrds and command line a plan would stage.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// Kernel image, as the system sees it.
    pub kernel: &'a str,
    /// The initrds, in load order.
    pub initrds: &'a [String],
    /// The command line the new kernel would get.
    pub cmdline: &'a str,
    /// Where that command line came from, in words (for messages).
    pub cmdline_from: &'a str,
    /// The kernel's version, when known.
    pub version: Option<&'a str>,
}

/// Runs every check on `plan`.
pub fn run(root: &SysRoot, plan: &Candidate, settings: &Settings) -> Vec<Check> {
    let mut checks = Vec::new();
    let mut cmdline_size = None;
    let mut header_version: Option<String> = None;
    // A rescue image (`vmlinuz-0-rescue-<machine-id>`) is named for the machine, not a version.
    let rescue = crate::bootloader::is_rescue("", plan.kernel, None);

    // The kernel image.
    let k = plan.kernel;
    match root.metadata(k) {
        Err(_) => checks.push(fail(
            "kernel",
            format!(
                "{k}: no such kernel image; reinstall the kernel package or fix the boot entry"
            ),
        )),
        Ok(md) if !md.is_file() => checks.push(fail(
            "kernel",
            format!(
                "{k}: not a regular file; point KEXEC_KERNEL or the boot entry at a kernel image"
            ),
        )),
        Ok(md) => match read_head(root, k, HEADER_BYTES) {
            Err(e) => checks.push(fail(
                "kernel",
                format!("{k}: cannot be read ({e}); check its permissions"),
            )),
            // inspect_head also refuses a file shorter than its header says (truncated) and a
            // kernel known to be 32-bit on a 64-bit host; its messages say what to do.
            // (XLF_KERNEL_64 alone cannot tell: kernels before boot protocol 2.12, such as
            // CentOS 5/6's, do not have it even when they are x86_64.)
            Ok(head) => match kernel_image::inspect_head(&head, md.len()) {
                Err(e) => checks.push(fail("kernel", format!("{k}: {e:#}"))),
                Ok(info) => {
                    checks.push(pass(
                        "kernel",
                        format!(
                            "{k}: bzImage, boot protocol {}.{:02}",
                            info.protocol.0, info.protocol.1
                        ),
                    ));
                    cmdline_size = Some(info.cmdline_size);
                    if let (Some(v), Some(vs)) = (plan.version, &info.version_string) {
                        let header_v = vs.split_whitespace().next().unwrap_or("");
                        header_version = Some(header_v.to_string()).filter(|h| !h.is_empty());
                        if rescue {
                            checks.push(pass(
                                "kernel-version",
                                format!("{k}: rescue image of {header_v}"),
                            ));
                        } else if header_v == v {
                            checks.push(pass(
                                "kernel-version",
                                format!("{k}: header says {header_v}"),
                            ));
                        } else {
                            checks.push(fail("kernel-version", format!("{k}: the file is named for {v} but its header says {header_v}; reinstall the kernel package or set KEXEC_KERNEL")));
                        }
                    }
                }
            },
        },
    }

    // Only root may choose what boots.
    if root.is_file(k) {
        match trust::distrust(root, k, "kernel") {
            None => checks.push(pass(
                "kernel-owner",
                format!("{k}: owned and writable by root only"),
            )),
            Some(why) => checks.push(fail("kernel-owner", why)),
        }
    }

    // kexec-tools runs as root (for `kexec -l`, and `kexec -u` to unload): only root may
    // choose that binary too.
    let tool = &settings.kexec_tools;
    if root.exists(tool) {
        match trust::distrust(root, tool, "kexec-tools binary") {
            None => checks.push(pass(
                "kexec-tools",
                format!("{tool}: owned and writable by root only"),
            )),
            Some(why) => checks.push(fail("kexec-tools", why)),
        }
    }

    // The initrds.
    for i in plan.initrds {
        match root.metadata(i) {
            Err(_) => checks.push(fail(
                "initrd",
                format!("{i}: no such initrd; rebuild it (dracut/mkinitrd) or set KEXEC_INITRD"),
            )),
            Ok(md) if !md.is_file() => checks.push(fail(
                "initrd",
                format!("{i}: not a regular file; set KEXEC_INITRD to an initrd image"),
            )),
            Ok(md) if md.len() == 0 => checks.push(fail(
                "initrd",
                format!("{i}: empty; rebuild it (dracut/mkinitrd) or set KEXEC_INITRD"),
            )),
            Ok(md) => match read_head(root, i, 1) {
                Err(e) => checks.push(fail(
                    "initrd",
                    format!("{i}: cannot be read ({e}); check its permissions"),
                )),
                Ok(_) => match trust::distrust(root, i, "initrd") {
                    None => checks.push(pass("initrd", format!("{i}: {} bytes", md.len()))),
                    Some(why) => checks.push(fail("initrd", why)),
                },
            },
        }
    }

    // The kernel's modules.
    if settings.require_modules {
        // A rescue image is named for the machine, not the kernel: its header tells the version.
        let version = match plan.version {
            Some(v) if rescue => header_version.clone().or_else(|| Some(v.to_string())),
            v => v.map(str::to_string),
        };
        match &version {
            Some(v) => {
                let dir = format!("/lib/modules/{v}");
                if root.is_dir(&dir) {
                    checks.push(pass("modules", format!("{dir} present")));
                } else {
                    checks.push(fail("modules", format!("{dir}: missing, so {v} would boot without its modules; reinstall the kernel package or set KEXEC_REQUIRE_MODULES=no")));
                }
            }
            None => checks.push(fail("modules", format!("{}: the kernel's version is unknown, so /lib/modules cannot be checked; name the kernel vmlinuz-<version> or set KEXEC_REQUIRE_MODULES=no", plan.kernel))),
        }
    }

    // A command line without root= boots into a kernel that cannot find its root filesystem
    // and hangs in the initrd: refuse it unless the running system does without root= too.
    let has_root = |c: &str| {
        crate::cmdline::split(c)
            .iter()
            .any(|w| w.starts_with("root="))
    };
    if !has_root(plan.cmdline) {
        let running = root
            .read_to_string(crate::system::PROC_CMDLINE)
            .unwrap_or_default();
        if has_root(&running) {
            checks.push(fail("cmdline-root", format!("the command line from {} has no root= (the running kernel's has one), so {} could not find its root filesystem; fix the entry (or $kernelopts in grubenv) or set KEXEC_CMDLINE", plan.cmdline_from, plan.kernel)));
        } else {
            checks.push(pass("cmdline-root", "no root=, as on the running kernel"));
        }
    }

    // The command line.
    if let Some(max) = cmdline_size {
        let len = plan.cmdline.len();
        if len as u64 > u64::from(max) {
            checks.push(fail("cmdline", format!("the command line is {len} bytes, {} takes at most {max}; shorten KEXEC_APPEND or the boot entry's arguments", plan.kernel)));
        } else {
            checks.push(pass("cmdline", format!("{len} of {max} bytes")));
        }
    }
    checks
}

/// What the stock halt script runs to boot a staged kernel (`$kexec_command -e -x`).
pub const HALT_KEXEC: &str = "/sbin/kexec";

/// Why the halt script could not boot a staged kernel: its `/sbin/kexec` (kexec-tools) is
/// missing or not executable. A kernel staged then would never run: the reboot would go
/// through the firmware anyway, after a "staged" line, and leave a boot that is never
/// confirmed.
pub fn halt_kexec_problem(root: &SysRoot) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let meta = root.metadata(HALT_KEXEC).ok();
    let what = match meta {
        None => "is missing",
        Some(m) if !m.is_file() => "is not a file",
        Some(m) if m.permissions().mode() & 0o111 == 0 => "is not executable",
        Some(_) => return None,
    };
    Some(format!(
        "{HALT_KEXEC} {what}: the halt script runs `{HALT_KEXEC} -e -x` to boot the staged kernel, so it would never run; install kexec-tools"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn halt_kexec_problem_cases() {
        // (case, set up the tree, the problem's words or None)
        type Setup = fn(&std::path::Path);
        let cases: [(&str, Setup, Option<&str>); 5] = [
            (
                "kexec-tools not installed",
                |_| {},
                Some("/sbin/kexec is missing"),
            ),
            (
                "executable /sbin/kexec",
                |d| {
                    std::fs::create_dir_all(d.join("sbin")).unwrap();
                    std::fs::write(d.join("sbin/kexec"), "#!/bin/sh\n").unwrap();
                    std::fs::set_permissions(
                        d.join("sbin/kexec"),
                        PermissionsExt::from_mode(0o755),
                    )
                    .unwrap();
                },
                None,
            ),
            (
                "merged /usr: /sbin a link to usr/sbin",
                |d| {
                    std::fs::create_dir_all(d.join("usr/sbin")).unwrap();
                    std::os::unix::fs::symlink("usr/sbin", d.join("sbin")).unwrap();
                    std::fs::write(d.join("usr/sbin/kexec"), "#!/bin/sh\n").unwrap();
                    std::fs::set_permissions(
                        d.join("usr/sbin/kexec"),
                        PermissionsExt::from_mode(0o755),
                    )
                    .unwrap();
                },
                None,
            ),
            (
                "not executable",
                |d| {
                    std::fs::create_dir_all(d.join("sbin")).unwrap();
                    std::fs::write(d.join("sbin/kexec"), "#!/bin/sh\n").unwrap();
                    std::fs::set_permissions(
                        d.join("sbin/kexec"),
                        PermissionsExt::from_mode(0o644),
                    )
                    .unwrap();
                },
                Some("/sbin/kexec is not executable"),
            ),
            (
                "a directory",
                |d| std::fs::create_dir_all(d.join("sbin/kexec")).unwrap(),
                Some("/sbin/kexec is not a file"),
            ),
        ];
        for (case, setup, want) in cases {
            let dir = tempfile::tempdir().unwrap();
            setup(dir.path());
            let got = halt_kexec_problem(&SysRoot::new(dir.path()));
            match want {
                None => assert_eq!(got, None, "{case}"),
                Some(w) => {
                    let got = got.unwrap_or_default();
                    assert!(got.starts_with(w), "{case}: {got:?}");
                    assert!(got.contains("install kexec-tools"), "{case}: {got:?}");
                }
            }
        }
    }
}
