//! FOR TESTS ONLY: small files with valid bzImage headers (not bootable), for the fixtures and
//! the bad-input tests. Compiled only for unit tests and with the `fake-kernel` feature, which
//! only the tests turn on.

use super::{LOADED_HIGH, XLF_CAN_BE_LOADED_ABOVE_4G, XLF_KERNEL_64};

/// How to build a fake bzImage; `FakeImage::new(version)` is a fully valid one.
#[derive(Debug, Clone)]
pub struct FakeImage {
    /// The version string (`2.6.32-754.el6.x86_64`); " (fake@build) #1 SMP" is appended.
    pub version: String,
    /// Boot protocol.
    pub protocol: (u8, u8),
    /// setup_sects as written (0 means 4).
    pub setup_sects: u8,
    /// loadflags.
    pub loadflags: u8,
    /// xloadflags.
    pub xloadflags: u16,
    /// relocatable_kernel.
    pub relocatable: bool,
    /// cmdline_size.
    pub cmdline_size: u32,
    /// Write the 0xAA55 boot sector signature.
    pub boot_flag: bool,
    /// Write "HdrS".
    pub magic: bool,
    /// Bytes of payload after the setup area (a multiple of 16).
    pub payload: usize,
    /// Cut the file to this many bytes at the end.
    pub truncate_to: Option<usize>,
}

impl FakeImage {
    /// A valid image: protocol 2.15, cmdline_size 2048, XLF_KERNEL_64 and above-4G, relocatable.
    pub fn new(version: &str) -> Self {
        FakeImage {
            version: version.to_string(),
            protocol: (2, 15),
            setup_sects: 4,
            loadflags: LOADED_HIGH,
            xloadflags: XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G,
            relocatable: true,
            cmdline_size: 2048,
            boot_flag: true,
            magic: true,
            payload: 1024,
            truncate_to: None,
        }
    }

    /// The bytes of the file.
    pub fn build(&self) -> Vec<u8> {
        let sects = if self.setup_sects == 0 {
            4
        } else {
            usize::from(self.setup_sects)
        };
        let setup_len = (sects + 1) * 512;
        let mut v = vec![0u8; setup_len + self.payload];
        v[0] = b'M';
        v[1] = b'Z';
        v[0x1f1] = self.setup_sects;
        let paragraphs = (self.payload / 16) as u32;
        v[0x1f4..0x1f8].copy_from_slice(&paragraphs.to_le_bytes());
        if self.boot_flag {
            v[0x1fe..0x200].copy_from_slice(&0xaa55u16.to_le_bytes());
        }
        v[0x200] = 0xeb; // jmp short over the header, as real images have
        v[0x201] = 0x6a;
        if self.magic {
            v[0x202..0x206].copy_from_slice(b"HdrS");
        }
        v[0x206] = self.protocol.1;
        v[0x207] = self.protocol.0;
        v[0x211] = self.loadflags;
        v[0x234] = u8::from(self.relocatable);
        v[0x236..0x238].copy_from_slice(&self.xloadflags.to_le_bytes());
        v[0x238..0x23c].copy_from_slice(&self.cmdline_size.to_le_bytes());
        // The version string sits at 0x400 in the setup area: pointer 0x400 - 0x200.
        let text = format!("{} (fake@build) #1 SMP", self.version);
        let room = setup_len - 0x400 - 1;
        let bytes = &text.as_bytes()[..text.len().min(room)];
        v[0x20e..0x210].copy_from_slice(&0x200u16.to_le_bytes());
        v[0x400..0x400 + bytes.len()].copy_from_slice(bytes);
        for (i, b) in v[setup_len..].iter_mut().enumerate() {
            *b = (i % 251) as u8;
        }
        if let Some(n) = self.truncate_to {
            v.truncate(n);
        }
        v
    }
}

/// A small file with a valid bzImage header for tests and fixtures: not bootable.
pub fn fake_bzimage(version: &str) -> Vec<u8> {
    FakeImage::new(version).build()
}

/// A fake bzImage built from `opts`, for bad-input tests.
pub fn fake_bzimage_with(opts: &FakeImage) -> Vec<u8> {
    opts.build()
}
