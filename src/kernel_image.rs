//! x86 bzImage header checks: is this file a kernel we can boot, and how long may its command
//! line be.
//!
//! STUB: being written.

use anyhow::{bail, Result};

/// What the header of a bzImage says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelInfo {
    /// Boot protocol version, e.g. (2, 15).
    pub protocol: (u8, u8),
    /// Longest command line the kernel takes, in bytes, without the final NUL.
    pub cmdline_size: u32,
    /// The kernel's own version string (`2.6.32-754.el6.x86_64 (mockbuild@...) #1 SMP ...`).
    pub version_string: Option<String>,
    /// The kernel can be entered in 64-bit mode (XLF_KERNEL_64).
    pub can_64bit: bool,
}

/// Reads the header of `image` (the whole file or at least its first 64 KiB).
pub fn inspect(image: &[u8]) -> Result<KernelInfo> {
    if image.len() < 0x264 || &image[0x202..0x206] != b"HdrS" {
        bail!("not an x86 bzImage (no \"HdrS\" header)");
    }
    Ok(KernelInfo {
        protocol: (image[0x207], image[0x206]),
        cmdline_size: 255,
        version_string: None,
        can_64bit: true,
    })
}

/// A small file with a valid bzImage header for tests and fixtures: not bootable.
#[doc(hidden)]
pub fn fake_bzimage(version: &str) -> Vec<u8> {
    let mut v = vec![0u8; 0x1000];
    v[0x1fe] = 0x55;
    v[0x1ff] = 0xaa;
    v[0x202..0x206].copy_from_slice(b"HdrS");
    v[0x206] = 0x0f;
    v[0x207] = 0x02;
    let _ = version;
    v
}
