//! x86 bzImage header checks: is this file a kernel we can boot, and how long may its command
//! line be.
//!
//! A wrong file in `/boot` (a half-written kernel after a full disk, a gzip'd `vmlinux`, an
//! EFI-only image, a 32-bit kernel on a 64-bit system) must be caught before anything is staged,
//! with a message that says what the file is. The fields read are those of the Linux/x86 boot
//! protocol (the kernel's `Documentation/arch/x86/boot.rst`), all little-endian:
//!
//! | offset | field | used for |
//! | --- | --- | --- |
//! | 0x1F1 | setup_sects (u8, 0 means 4) | size of the real-mode setup area |
//! | 0x1F4 | syssize (u32; u16 before 2.04) | payload size, in 16-byte units: truncation |
//! | 0x1FE | boot_flag (0xAA55) | an x86 boot sector |
//! | 0x202 | header ("HdrS") | a bzImage header at all |
//! | 0x206 | version (u16, 0x020F = 2.15) | boot protocol |
//! | 0x20E | kernel_version (u16) | version string at this + 0x200, inside the setup area |
//! | 0x211 | loadflags (bit 0 LOADED_HIGH) | bzImage, not zImage |
//! | 0x234 | relocatable_kernel (u8, 2.05+) | |
//! | 0x236 | xloadflags (u16, 2.12+) | bit 0 XLF_KERNEL_64, bit 1 XLF_CAN_BE_LOADED_ABOVE_4G |
//! | 0x238 | cmdline_size (u32, 2.06+; 255 before) | longest command line |
//!
//! The oldest protocol accepted is 2.02: it is the first with `cmd_line_ptr` (the command line
//! anywhere in low memory), which is how kexec-tools' x86 bzImage loader passes the command line;
//! older kernels (before Linux 2.4) want it at a fixed real-mode address. Every RHEL/CentOS 5+
//! kernel is far above (2.6.18: 2.04/2.05, 2.6.32: 2.10, 3.10: 2.12/2.13). `kexec_file_load(2)`
//! asks more (see [`Header::file_load_problem`]): protocol 2.12, a 64-bit entry and loading above
//! 4 GiB; so a CentOS 6 kernel (2.10) can only be loaded with `kexec -l`.

use std::fmt;

use anyhow::Result;

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

/// `loadflags` bit 0: the protected-mode code is loaded at 0x100000 (a bzImage).
const LOADED_HIGH: u8 = 0x01;
/// `xloadflags` bit 0: the kernel has the legacy 64-bit entry point at 0x200.
pub const XLF_KERNEL_64: u16 = 0x01;
/// `xloadflags` bit 1: kernel, boot_params, command line and ramdisk may sit above 4 GiB.
pub const XLF_CAN_BE_LOADED_ABOVE_4G: u16 = 0x02;

/// The whole header, for callers that need more than [`KernelInfo`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Boot protocol version, e.g. (2, 15).
    pub protocol: (u8, u8),
    /// Setup sectors (0 in the file read as 4).
    pub setup_sects: u8,
    /// Bytes of the payload after the setup area, from `syssize`.
    pub payload_len: u64,
    /// `loadflags`.
    pub loadflags: u8,
    /// `xloadflags` (0 before protocol 2.12).
    pub xloadflags: u16,
    /// `relocatable_kernel` (false before protocol 2.05).
    pub relocatable: bool,
    /// Longest command line, without the final NUL (255 before protocol 2.06).
    pub cmdline_size: u32,
    /// The version string, when the pointer leads to a NUL-terminated text in the setup area.
    pub version_string: Option<String>,
    /// What kind of kernel this is, as far as the header tells.
    pub bits: Bits,
}

/// Whether a kernel is a 32-bit or a 64-bit one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bits {
    /// An x86_64 kernel.
    B64,
    /// An i386 kernel.
    B32,
    /// Not told by the header (protocol before 2.12 and no arch in the version string, e.g.
    /// RHEL 5's `2.6.18-398.el5`).
    Unknown,
}

impl Header {
    /// Why `kexec_file_load(2)` would refuse this kernel (the x86_64 bzImage64 loader's checks),
    /// or `None` when it takes it. `kexec -l` (kexec-tools) still loads such kernels.
    pub fn file_load_problem(&self) -> Option<String> {
        if self.protocol < (2, 12) {
            return Some(format!(
                "boot protocol {}.{:02} is older than 2.12, the oldest kexec_file_load takes",
                self.protocol.0, self.protocol.1
            ));
        }
        if self.xloadflags & XLF_KERNEL_64 == 0 {
            return Some("the kernel has no 64-bit entry point (XLF_KERNEL_64)".to_string());
        }
        if self.xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G == 0 {
            return Some(
                "the kernel cannot be loaded above 4 GiB (XLF_CAN_BE_LOADED_ABOVE_4G)".to_string(),
            );
        }
        None
    }

    /// The short form the rest of the crate uses.
    pub fn info(&self) -> KernelInfo {
        KernelInfo {
            protocol: self.protocol,
            cmdline_size: self.cmdline_size,
            version_string: self.version_string.clone(),
            can_64bit: self.xloadflags & XLF_KERNEL_64 != 0,
        }
    }
}

/// Why a file is not a kernel we can boot. Returned inside `anyhow::Error`; downcast to tell the
/// cases apart. The messages say what the file is and what to do; callers add the file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageError {
    /// A zero-length file.
    Empty,
    /// The file ends before the header or the payload the header announces.
    Truncated {
        /// Bytes in the file.
        len: u64,
        /// Bytes the header says there must be.
        need: u64,
    },
    /// A compressed file (`gzip`, `xz`, ...): a compressed `vmlinux`, not a bzImage.
    Compressed(&'static str),
    /// An ELF file: an uncompressed `vmlinux`.
    Elf,
    /// A PE/COFF (EFI) image without a bzImage header (`what` names it when known).
    PeOnly(&'static str),
    /// No "HdrS" and nothing recognised.
    NotBzImage,
    /// "HdrS" present but no 0xAA55 boot sector signature.
    NoBootSector,
    /// LOADED_HIGH not set: an old zImage.
    ZImage,
    /// Boot protocol older than 2.02.
    ProtocolTooOld(u8, u8),
    /// A 32-bit kernel where a 64-bit one is needed.
    Only32Bit,
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageError::Empty => f.write_str("the file is empty; reinstall the kernel package"),
            ImageError::Truncated { len, need } => write!(
                f,
                "the file is truncated ({len} bytes, the header needs {need}); reinstall the \
                 kernel package"
            ),
            ImageError::Compressed(kind) => write!(
                f,
                "a {kind}-compressed file (a compressed vmlinux?), not an x86 bzImage; point at \
                 /boot/vmlinuz-*"
            ),
            ImageError::Elf => f.write_str(
                "an ELF file (an uncompressed vmlinux), not an x86 bzImage; point at \
                 /boot/vmlinuz-*",
            ),
            ImageError::PeOnly(what) => write!(
                f,
                "a PE/EFI image without an x86 bzImage header ({what}); kexec-reboot loads x86 \
                 bzImages only"
            ),
            ImageError::NotBzImage => f.write_str(
                "not an x86 bzImage (no \"HdrS\" header); point at a kernel from /boot/vmlinuz-*",
            ),
            ImageError::NoBootSector => f.write_str(
                "not an x86 bzImage (no 0xAA55 boot sector signature); reinstall the kernel \
                 package",
            ),
            ImageError::ZImage => f.write_str(
                "an old zImage (not loaded high), which kexec cannot load; use a bzImage kernel",
            ),
            ImageError::ProtocolTooOld(major, minor) => write!(
                f,
                "boot protocol {major}.{minor:02} is older than 2.02, the oldest kexec can load; \
                 use a newer kernel"
            ),
            ImageError::Only32Bit => f.write_str(
                "a 32-bit kernel on a 64-bit system (its programs would not run); choose an \
                 x86_64 kernel",
            ),
        }
    }
}

impl std::error::Error for ImageError {}

fn u8_at(b: &[u8], off: usize) -> Option<u8> {
    b.get(off).copied()
}

fn u16_at(b: &[u8], off: usize) -> Option<u16> {
    let s = b.get(off..off.checked_add(2)?)?;
    Some(u16::from_le_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    let s = b.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// What a file that is not a bzImage looks like, from its first bytes.
fn sniff_other(b: &[u8]) -> Option<ImageError> {
    const MAGICS: &[(&[u8], &str)] = &[
        (&[0x1f, 0x8b], "gzip"),
        (&[0xfd, b'7', b'z', b'X', b'Z', 0x00], "xz"),
        (b"BZh", "bzip2"),
        (&[0x28, 0xb5, 0x2f, 0xfd], "zstd"),
        (&[0x02, 0x21, 0x4c, 0x18], "lz4"),
        (&[0x89, b'L', b'Z', b'O'], "lzo"),
    ];
    if b.starts_with(&[0x7f, b'E', b'L', b'F']) {
        return Some(ImageError::Elf);
    }
    for (magic, kind) in MAGICS {
        if b.starts_with(magic) {
            return Some(ImageError::Compressed(kind));
        }
    }
    None
}

/// Names a PE image without "HdrS" as well as its header allows.
fn pe_kind(b: &[u8]) -> &'static str {
    if b.get(0x38..0x3c) == Some(b"ARM\x64".as_slice()) {
        return "an arm64 kernel Image";
    }
    if b.get(0x38..0x3c) == Some(b"RSCV".as_slice()) || b.get(0x30..0x38) == Some(b"RISCV\0\0\0") {
        return "a RISC-V kernel Image";
    }
    if b.get(0x04..0x08) == Some(b"zimg".as_slice()) {
        return "an EFI zboot image";
    }
    "an EFI application or EFI-only kernel"
}

/// The version string: NUL-terminated, printable ASCII, inside the setup area.
fn version_string(b: &[u8], setup_len: usize) -> Option<String> {
    let ptr = u16_at(b, 0x20e)?;
    if ptr == 0 {
        return None;
    }
    let start = usize::from(ptr) + 0x200;
    let area = b.get(start..setup_len.min(b.len()))?;
    let end = area.iter().position(|&c| c == 0)?;
    let s = &area[..end];
    if s.is_empty() || !s.iter().all(|&c| (0x20..0x7f).contains(&c)) {
        return None;
    }
    Some(String::from_utf8_lossy(s).into_owned())
}

/// Guesses 32/64-bit: from xloadflags where the protocol has them (every x86_64 kernel since
/// 3.8 sets XLF_KERNEL_64), else from an arch in the version string.
fn bits_of(protocol: (u8, u8), xloadflags: u16, version: Option<&str>) -> Bits {
    if protocol >= (2, 12) {
        return if xloadflags & XLF_KERNEL_64 != 0 {
            Bits::B64
        } else {
            Bits::B32
        };
    }
    let Some(v) = version else {
        return Bits::Unknown;
    };
    let release = v.split_whitespace().next().unwrap_or("");
    if release.contains("x86_64") || release.contains("amd64") {
        Bits::B64
    } else if ["i386", "i486", "i586", "i686"]
        .iter()
        .any(|a| release.contains(a))
    {
        Bits::B32
    } else {
        Bits::Unknown
    }
}

/// Parses the header from the start of a file (`head`, at least the setup area: 64 KiB is
/// plenty). With the file's full length, a file shorter than the payload the header announces
/// is refused as truncated (a kernel cut short by a full disk would load, then die while
/// decompressing, with no firmware fallback). No host checks.
pub fn parse_header(head: &[u8], file_len: Option<u64>) -> Result<Header, ImageError> {
    let known_len = file_len.unwrap_or(head.len() as u64);
    if known_len == 0 || head.is_empty() {
        return Err(ImageError::Empty);
    }
    if let Some(other) = sniff_other(head) {
        return Err(other);
    }
    if head.len() < 0x206 {
        // Too short to tell: a bzImage starts with "MZ" too (the EFI stub), so a kernel cut
        // short is truncated, not a PE image.
        return Err(ImageError::Truncated {
            len: known_len,
            need: 0x206,
        });
    }
    if head.get(0x202..0x206) != Some(b"HdrS".as_slice()) {
        if head.starts_with(b"MZ") {
            return Err(ImageError::PeOnly(pe_kind(head)));
        }
        return Err(ImageError::NotBzImage);
    }
    if u16_at(head, 0x1fe) != Some(0xaa55) {
        return Err(ImageError::NoBootSector);
    }
    let raw_sects = u8_at(head, 0x1f1).unwrap_or(0);
    let setup_sects = if raw_sects == 0 { 4 } else { raw_sects };
    let setup_len = (usize::from(setup_sects) + 1) * 512;
    if head.len() < setup_len {
        return Err(ImageError::Truncated {
            len: known_len.min(head.len() as u64),
            need: setup_len as u64,
        });
    }
    // From here every fixed offset below 0x240 is inside `head` (setup_len >= 2560).
    let version = u16_at(head, 0x206).unwrap_or(0);
    let protocol = ((version >> 8) as u8, (version & 0xff) as u8);
    if protocol < (2, 2) {
        return Err(ImageError::ProtocolTooOld(protocol.0, protocol.1));
    }
    let loadflags = u8_at(head, 0x211).unwrap_or(0);
    if loadflags & LOADED_HIGH == 0 {
        return Err(ImageError::ZImage);
    }
    let paragraphs = if protocol >= (2, 4) {
        u64::from(u32_at(head, 0x1f4).unwrap_or(0))
    } else {
        u64::from(u16_at(head, 0x1f4).unwrap_or(0))
    };
    let payload_len = paragraphs * 16;
    // Old build tools rounded syssize up without padding the file: allow 15 bytes short.
    let need = setup_len as u64 + payload_len.saturating_sub(15);
    if let Some(len) = file_len.filter(|&len| len < need) {
        return Err(ImageError::Truncated { len, need });
    }
    let relocatable = protocol >= (2, 5) && u8_at(head, 0x234).unwrap_or(0) != 0;
    let xloadflags = if protocol >= (2, 12) {
        u16_at(head, 0x236).unwrap_or(0)
    } else {
        0
    };
    let cmdline_size = if protocol >= (2, 6) {
        u32_at(head, 0x238).unwrap_or(255)
    } else {
        255
    };
    let version_string = version_string(head, setup_len);
    let bits = bits_of(protocol, xloadflags, version_string.as_deref());
    Ok(Header {
        protocol,
        setup_sects,
        payload_len,
        loadflags,
        xloadflags,
        relocatable,
        cmdline_size,
        version_string,
        bits,
    })
}

/// Checks a kernel for a host: the header must parse, and a 64-bit host refuses a kernel known
/// to be 32-bit. `head` is the start of the file (64 KiB is plenty), `file_len` its length when
/// known (see [`parse_header`]).
pub fn inspect_for(head: &[u8], file_len: Option<u64>, host_64bit: bool) -> Result<Header> {
    let h = parse_header(head, file_len)?;
    if host_64bit && h.bits == Bits::B32 {
        return Err(ImageError::Only32Bit.into());
    }
    Ok(h)
}

/// Reads the header of `image` (the whole file or at least its first 64 KiB) and checks it for
/// this build's architecture. The payload length is not checked: use [`inspect_head`] with the
/// file's length for that. Errors are [`ImageError`]s inside `anyhow::Error`.
pub fn inspect(image: &[u8]) -> Result<KernelInfo> {
    let h = inspect_for(image, None, cfg!(target_arch = "x86_64"))?;
    Ok(h.info())
}

/// [`inspect`] on the first bytes of a file (64 KiB is plenty) and its length, so that a
/// truncated kernel is refused too.
pub fn inspect_head(head: &[u8], file_len: u64) -> Result<KernelInfo> {
    let h = inspect_for(head, Some(file_len), cfg!(target_arch = "x86_64"))?;
    Ok(h.info())
}

/// Whether the kernel's version string starts with `version` as a whole word
/// (`2.6.32-754.el6.x86_64` matches `2.6.32-754.el6.x86_64 (mockbuild@...) #1 SMP ...`, while
/// `2.6.32-75` does not).
pub fn version_matches(info: &KernelInfo, version: &str) -> bool {
    let Some(s) = info.version_string.as_deref() else {
        return false;
    };
    if version.is_empty() {
        return false;
    }
    match s.strip_prefix(version) {
        Some(rest) => rest.is_empty() || rest.starts_with(char::is_whitespace),
        None => false,
    }
}

/// The tests' fake bzImages (a build with the `fake-kernel` feature, or unit tests only).
#[cfg(any(test, feature = "fake-kernel"))]
mod fake_image;
#[cfg(any(test, feature = "fake-kernel"))]
pub use fake_image::{fake_bzimage, fake_bzimage_with, FakeImage};

#[cfg(test)]
mod tests;
