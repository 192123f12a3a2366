//! EFI variables: what the firmware was asked to do at the next boot, and which boot entry
//! started this one.
//!
//! Read through the [`SysRoot`] from efivarfs (`/sys/firmware/efi/efivars`, one file per
//! variable named `Name-guid`, holding 4 bytes of attributes and then the value), or, on
//! kernels older than efivarfs (CentOS 5/6), from the sysfs interface
//! `/sys/firmware/efi/vars/Name-guid/data` (the value alone).
//!
//! The parsers are pure and take any bytes: a variable the firmware or a tool wrote badly is
//! "unreadable", never a panic. Layouts (UEFI 2.10): `BootNext`/`BootCurrent` a UINT16,
//! `OsIndications` a UINT64, `Boot####` an EFI_LOAD_OPTION (3.1.3): UINT32 attributes, UINT16
//! length of the device path list, a NUL-terminated UCS-2 description, the device path list
//! (10.2: nodes of type, subtype, UINT16 length; a media file path node, type 4 subtype 4,
//! holds a NUL-terminated UCS-2 path such as `\EFI\rocky\shimx64.efi`), then optional data.

use crate::root::{SysRoot, MAX_SMALL};

/// Where efivarfs is mounted.
pub const EFIVARFS: &str = "/sys/firmware/efi/efivars";
/// The sysfs interface of kernels before efivarfs (removed in Linux 6.0).
pub const SYSFS_VARS: &str = "/sys/firmware/efi/vars";
/// Present on a system booted through EFI.
pub const EFI_DIR: &str = "/sys/firmware/efi";

/// EFI_GLOBAL_VARIABLE: BootNext, BootCurrent, Boot####, OsIndications.
pub const GLOBAL: &str = "8be4df61-93ca-11d2-aa0d-00e098032b8c";
/// EFI_CAPSULE_VENDOR_GUID: EDK II firmware (OVMF, and the AMI/Insyde/Phoenix code built on
/// it) keeps `CapsuleUpdateData`, `CapsuleUpdateData1`, ... under it from UpdateCapsule() until
/// the capsule is processed, which happens at the next reset through the firmware.
pub const CAPSULE_VENDOR: &str = "711c703f-c285-4b10-a3b0-36ecbd3c8be2";

/// OsIndications bit: stop in the firmware's setup UI at the next boot
/// (`systemctl reboot --firmware-setup`, `bootctl reboot-to-firmware true`).
pub const BOOT_TO_FW_UI: u64 = 0x1;
/// OsIndications bit: capsules are waiting as files in `\EFI\UpdateCapsule` on the ESP, for
/// the firmware to process at the next boot (UEFI 8.5.5, "capsule on disk"; fwupd's
/// on-disk mode).
pub const FILE_CAPSULE_DELIVERY: u64 = 0x4;

/// Device path node types (UEFI 10.3).
const MEDIA: u8 = 0x04;
const MEDIA_FILE_PATH: u8 = 0x04;
const END: u8 = 0x7f;

/// The value of an efivarfs file: what follows the 4 bytes of attributes.
pub fn efivarfs_value(file: &[u8]) -> Option<&[u8]> {
    file.get(4..)
}

/// A UINT16 variable (BootNext, BootCurrent): exactly two bytes, little-endian.
pub fn parse_u16(value: &[u8]) -> Option<u16> {
    match value {
        [a, b] => Some(u16::from_le_bytes([*a, *b])),
        _ => None,
    }
}

/// A UINT64 variable (OsIndications): exactly eight bytes, little-endian.
pub fn parse_u64(value: &[u8]) -> Option<u64> {
    let bytes: [u8; 8] = value.try_into().ok()?;
    Some(u64::from_le_bytes(bytes))
}

/// One `Boot####` variable, as far as we need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadOption {
    /// LOAD_OPTION_ACTIVE and friends.
    pub attributes: u32,
    /// What the firmware's boot menu shows ("Rocky Linux", "UEFI PXEv4 ...").
    pub description: String,
    /// The file the entry loads, as the device path gives it (`\EFI\rocky\shimx64.efi`); none
    /// for an entry that names a device only (PXE, a disk's removable-media path).
    pub file: Option<String>,
}

/// A NUL-terminated UCS-2 string at the start of `bytes`: the text and the bytes used (the NUL
/// included). `None` when no NUL comes before the end.
fn ucs2(bytes: &[u8]) -> Option<(String, usize)> {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let end = units.iter().position(|&u| u == 0)?;
    let text = char::decode_utf16(units[..end].iter().copied())
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    Some((text, (end + 1) * 2))
}

/// An EFI_LOAD_OPTION, or why it cannot be read.
pub fn parse_load_option(value: &[u8]) -> Result<LoadOption, String> {
    let head = value
        .get(..6)
        .ok_or("shorter than a load option's header")?;
    let attributes = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
    let path_len = usize::from(u16::from_le_bytes([head[4], head[5]]));
    let (description, used) = ucs2(&value[6..]).ok_or("the description has no terminating NUL")?;
    let start = 6 + used;
    let paths = value
        .get(start..start + path_len)
        .ok_or("the device path list runs past the end")?;
    Ok(LoadOption {
        attributes,
        description,
        file: file_path(paths)?,
    })
}

/// The file a device path list names: the media file path nodes of its first instance,
/// joined (a path may be split over several nodes, each a part of it).
pub fn file_path(mut paths: &[u8]) -> Result<Option<String>, String> {
    let mut parts: Vec<String> = Vec::new();
    // Without an end node, what was read still stands (firmware is known to omit it).
    while let Some(node) = paths.get(..4) {
        let (kind, sub) = (node[0], node[1]);
        let len = usize::from(u16::from_le_bytes([node[2], node[3]]));
        if len < 4 {
            return Err(format!("a device path node of length {len}"));
        }
        let body = paths
            .get(4..len)
            .ok_or("a device path node runs past the end")?;
        if kind == END {
            // End of this instance (0x01) or of the whole path (0xff): the first instance is
            // what the firmware loads.
            break;
        }
        if kind == MEDIA && sub == MEDIA_FILE_PATH {
            let (part, _) = ucs2(body).unwrap_or_else(|| {
                // Without its NUL: the whole body is the path.
                let units: Vec<u16> = body
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .collect();
                (String::from_utf16_lossy(&units), body.len())
            });
            if !part.is_empty() {
                parts.push(part);
            }
        }
        paths = &paths[len..];
    }
    if parts.is_empty() {
        return Ok(None);
    }
    let mut out = String::new();
    for p in parts {
        if !out.is_empty() && !out.ends_with('\\') && !p.starts_with('\\') {
            out.push('\\');
        }
        out.push_str(&p);
    }
    Ok(Some(out))
}

/// The vendor directory a loader path lies in: `\EFI\rocky\shimx64.efi` -> `rocky`. `None` for
/// a file outside `\EFI\<dir>\` (the removable-media `\EFI\BOOT\BOOTX64.EFI` gives `BOOT`:
/// a name, but no vendor's; the caller finds no grub.cfg there).
pub fn vendor_dir(file: &str) -> Option<&str> {
    let mut parts = file.split(['\\', '/']).filter(|p| !p.is_empty());
    let top = parts.next()?;
    if !top.eq_ignore_ascii_case("EFI") {
        return None;
    }
    let dir = parts.next()?;
    // A file in it, not the directory alone.
    parts.next()?;
    Some(dir)
}

/// `Boot0003` for 3.
pub fn boot_name(n: u16) -> String {
    format!("Boot{n:04X}")
}

/// The EFI variables of the system under a root.
pub struct Vars<'a> {
    root: &'a SysRoot,
    /// Where the variables are read from: efivarfs, or the old sysfs directory.
    kind: Source,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Source {
    Efivarfs,
    Sysfs,
}

/// Why the variables cannot be read on a system booted through EFI.
pub const UNREADABLE: &str = "this system booted through EFI, but its EFI variables cannot be read (nothing in /sys/firmware/efi/efivars: mount efivarfs there, `mount -t efivarfs efivarfs /sys/firmware/efi/efivars`)";

/// What the variables look like on this system.
pub enum Access<'a> {
    /// Not booted through EFI (no /sys/firmware/efi): no variables to read.
    NotEfi,
    /// EFI, but neither efivarfs nor the sysfs interface has anything.
    Unreadable,
    /// The variables.
    Vars(Vars<'a>),
}

/// Opens the variables of `root`.
pub fn open(root: &SysRoot) -> Access<'_> {
    if !root.is_dir(EFI_DIR) {
        return Access::NotEfi;
    }
    let listed = |dir: &str| {
        root.read_dir_names(dir)
            .map(|n| !n.is_empty())
            .unwrap_or(false)
    };
    if listed(EFIVARFS) {
        Access::Vars(Vars {
            root,
            kind: Source::Efivarfs,
        })
    } else if listed(SYSFS_VARS) {
        Access::Vars(Vars {
            root,
            kind: Source::Sysfs,
        })
    } else {
        Access::Unreadable
    }
}

impl<'a> Vars<'a> {
    /// The directory listed.
    fn dir(&self) -> &'static str {
        match self.kind {
            Source::Efivarfs => EFIVARFS,
            Source::Sysfs => SYSFS_VARS,
        }
    }

    /// The system path of variable `name` under `guid` (for messages).
    pub fn path(&self, name: &str, guid: &str) -> String {
        match self.kind {
            Source::Efivarfs => format!("{EFIVARFS}/{name}-{guid}"),
            Source::Sysfs => format!("{SYSFS_VARS}/{name}-{guid}/data"),
        }
    }

    /// The value of variable `name` under `guid`; `None` when it is not set or cannot be read.
    pub fn get(&self, name: &str, guid: &str) -> Option<Vec<u8>> {
        let path = self.path(name, guid);
        if !self.root.exists(&path) {
            return None;
        }
        let bytes = self.root.read_capped(&path, MAX_SMALL).ok()?;
        match self.kind {
            Source::Efivarfs => efivarfs_value(&bytes).map(<[u8]>::to_vec),
            Source::Sysfs => Some(bytes),
        }
    }

    /// Whether variable `name` under `guid` exists (an efivarfs file of an empty value is not
    /// possible: deleting a variable removes its file).
    pub fn has(&self, name: &str, guid: &str) -> bool {
        self.root.exists(&self.path(name, guid))
    }

    /// The names of the variables under `guid` whose name starts with `prefix`, sorted.
    pub fn names(&self, prefix: &str, guid: &str) -> Vec<String> {
        let suffix = format!("-{guid}");
        self.root
            .read_dir_names(self.dir())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|n| {
                let cut = n.len().checked_sub(suffix.len())?;
                let (name, tail) = (n.get(..cut)?, n.get(cut..)?);
                (tail.eq_ignore_ascii_case(&suffix) && name.starts_with(prefix))
                    .then(|| name.to_string())
            })
            .collect()
    }

    /// `BootNext`, when set and readable.
    pub fn boot_next(&self) -> Option<u16> {
        parse_u16(&self.get("BootNext", GLOBAL)?)
    }

    /// `BootCurrent`, when set and readable.
    pub fn boot_current(&self) -> Option<u16> {
        parse_u16(&self.get("BootCurrent", GLOBAL)?)
    }

    /// `OsIndications`, when set and readable.
    pub fn os_indications(&self) -> Option<u64> {
        parse_u64(&self.get("OsIndications", GLOBAL)?)
    }

    /// `Boot####` for `n`: the load option, or why it cannot be read (`Err`); `None` when
    /// there is no such variable.
    pub fn load_option(&self, n: u16) -> Option<Result<LoadOption, String>> {
        // efibootmgr and the firmware write the number in upper-case hex; some tools do not.
        let upper = boot_name(n);
        let lower = format!("Boot{n:04x}");
        let name = [upper, lower]
            .into_iter()
            .find(|name| self.has(name, GLOBAL))?;
        Some(match self.get(&name, GLOBAL) {
            Some(v) => parse_load_option(&v),
            None => Err(format!("{} cannot be read", self.path(&name, GLOBAL))),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// UCS-2 little-endian with its NUL.
    fn u(s: &str) -> Vec<u8> {
        s.encode_utf16()
            .chain([0])
            .flat_map(|c| c.to_le_bytes())
            .collect()
    }

    fn node(kind: u8, sub: u8, body: &[u8]) -> Vec<u8> {
        let len = (body.len() + 4) as u16;
        let mut n = vec![kind, sub];
        n.extend(len.to_le_bytes());
        n.extend(body);
        n
    }

    /// A hard drive node (partition 1 of a GPT disk) as efibootmgr writes it.
    fn hd() -> Vec<u8> {
        let mut b = 1u32.to_le_bytes().to_vec();
        b.extend(2048u64.to_le_bytes());
        b.extend(1_228_800u64.to_le_bytes());
        b.extend([0x5a; 16]);
        b.extend([0x02, 0x02]);
        node(MEDIA, 0x01, &b)
    }

    fn end() -> Vec<u8> {
        node(END, 0xff, &[])
    }

    fn option(desc: &str, paths: &[u8], optional: &[u8]) -> Vec<u8> {
        let mut v = 1u32.to_le_bytes().to_vec();
        v.extend((paths.len() as u16).to_le_bytes());
        v.extend(u(desc));
        v.extend(paths);
        v.extend(optional);
        v
    }

    #[test]
    fn integers() {
        let file = [7, 0, 0, 0, 3, 0];
        assert_eq!(parse_u16(efivarfs_value(&file).unwrap()), Some(3));
        assert_eq!(parse_u16(&[0x01, 0x10]), Some(0x1001), "little-endian");
        assert_eq!(parse_u16(&[1]), None, "short");
        assert_eq!(parse_u16(&[1, 0, 0]), None, "long");
        assert_eq!(parse_u64(&[1, 0, 0, 0, 0, 0, 0, 0]), Some(BOOT_TO_FW_UI));
        assert_eq!(parse_u64(&[1, 0, 0, 0]), None, "short u64");
        assert_eq!(efivarfs_value(&[7, 0]), None, "no attributes");
    }

    #[test]
    fn a_load_option_as_efibootmgr_writes_it() {
        let mut paths = hd();
        paths.extend(node(
            MEDIA,
            MEDIA_FILE_PATH,
            &u("\\EFI\\rocky\\shimx64.efi"),
        ));
        paths.extend(end());
        let v = option("Rocky Linux", &paths, &u("optional data"));
        let o = parse_load_option(&v).unwrap();
        assert_eq!(o.description, "Rocky Linux");
        assert_eq!(o.attributes, 1);
        assert_eq!(o.file.as_deref(), Some("\\EFI\\rocky\\shimx64.efi"));
        assert_eq!(vendor_dir(o.file.as_deref().unwrap()), Some("rocky"));
    }

    #[test]
    fn a_file_path_split_over_nodes_is_joined() {
        let mut paths = hd();
        paths.extend(node(MEDIA, MEDIA_FILE_PATH, &u("\\EFI\\almalinux")));
        paths.extend(node(MEDIA, MEDIA_FILE_PATH, &u("grubx64.efi")));
        paths.extend(end());
        assert_eq!(
            file_path(&paths).unwrap().as_deref(),
            Some("\\EFI\\almalinux\\grubx64.efi")
        );
    }

    #[test]
    fn an_entry_without_a_file_pxe_or_removable_media() {
        // PciRoot(0)/Pci(3,0)/MAC(...)/IPv4(...): no media file path node.
        let mut paths = node(0x02, 0x01, &[0, 0, 0xd0, 0x0a, 0, 0, 0, 0]);
        paths.extend(node(0x01, 0x01, &[0, 3]));
        paths.extend(node(0x03, 0x0b, &[0; 33]));
        paths.extend(end());
        let o = parse_load_option(&option("UEFI PXEv4", &paths, &[])).unwrap();
        assert_eq!(o.file, None);
    }

    #[test]
    fn only_the_first_instance_counts() {
        let mut paths = node(MEDIA, MEDIA_FILE_PATH, &u("\\EFI\\rocky\\grubx64.efi"));
        paths.extend(node(END, 0x01, &[]));
        paths.extend(node(
            MEDIA,
            MEDIA_FILE_PATH,
            &u("\\EFI\\centos\\grubx64.efi"),
        ));
        paths.extend(end());
        assert_eq!(
            file_path(&paths).unwrap().as_deref(),
            Some("\\EFI\\rocky\\grubx64.efi")
        );
    }

    #[test]
    fn bad_load_options_are_errors() {
        let mut paths = node(MEDIA, MEDIA_FILE_PATH, &u("\\EFI\\x\\y.efi"));
        paths.extend(end());
        let good = option("X", &paths, &[]);
        assert!(parse_load_option(&good).is_ok());
        for (name, bytes) in [
            ("empty", Vec::new()),
            ("header only", good[..6].to_vec()),
            ("description without NUL", good[..10].to_vec()),
            ("path list cut", good[..good.len() - 3].to_vec()),
        ] {
            assert!(parse_load_option(&bytes).is_err(), "{name}");
        }
        // A node whose length is below its header's.
        let mut bad = option("X", &[4, 4, 2, 0, 0, 0], &[]);
        assert!(parse_load_option(&bad).is_err(), "node length 2");
        // A node longer than the list.
        bad = option("X", &[4, 4, 40, 0, 0, 0], &[]);
        assert!(parse_load_option(&bad).is_err(), "node past the end");
    }

    #[test]
    fn vendor_directories() {
        for (path, want) in [
            ("\\EFI\\rocky\\shimx64.efi", Some("rocky")),
            ("\\efi\\centos\\grubx64.efi", Some("centos")),
            ("/EFI/redhat/shimx64.efi", Some("redhat")),
            ("\\EFI\\BOOT\\BOOTX64.EFI", Some("BOOT")),
            ("\\EFI\\rocky", None),
            ("\\shellx64.efi", None),
            ("", None),
        ] {
            assert_eq!(vendor_dir(path), want, "{path:?}");
        }
    }

    #[test]
    fn boot_names_are_upper_case_hex() {
        assert_eq!(boot_name(3), "Boot0003");
        assert_eq!(boot_name(0x1a), "Boot001A");
    }

    /// A root with the given efivarfs files (name -> value, attributes 7 prepended).
    fn efi_root(vars: &[(&str, &[u8])]) -> (tempfile::TempDir, SysRoot) {
        let dir = tempfile::tempdir().unwrap();
        let efivars = dir.path().join("sys/firmware/efi/efivars");
        std::fs::create_dir_all(&efivars).unwrap();
        for (name, value) in vars {
            let mut bytes = vec![7, 0, 0, 0];
            bytes.extend(*value);
            std::fs::write(efivars.join(name), bytes).unwrap();
        }
        let root = SysRoot::new(dir.path());
        (dir, root)
    }

    #[test]
    fn reading_from_efivarfs() {
        let mut paths = node(MEDIA, MEDIA_FILE_PATH, &u("\\EFI\\rocky\\shimx64.efi"));
        paths.extend(end());
        let boot = option("Rocky Linux", &paths, &[]);
        let (_d, root) = efi_root(&[
            (&format!("BootCurrent-{GLOBAL}"), &[2, 0]),
            (&format!("BootNext-{GLOBAL}"), &[0x1a, 0]),
            (&format!("Boot0002-{GLOBAL}"), &boot),
            (
                &format!("OsIndications-{GLOBAL}"),
                &[1, 0, 0, 0, 0, 0, 0, 0],
            ),
            (&format!("CapsuleUpdateData-{CAPSULE_VENDOR}"), &[0; 8]),
            (
                &format!("CapsuleUpdateData-{}", CAPSULE_VENDOR.to_uppercase()),
                &[0; 8],
            ),
            (
                "CapsuleUpdateDataX-00000000-0000-0000-0000-000000000000",
                &[0],
            ),
        ]);
        let Access::Vars(v) = open(&root) else {
            panic!("efivarfs not found")
        };
        assert_eq!(v.boot_current(), Some(2));
        assert_eq!(v.boot_next(), Some(0x1a));
        assert_eq!(v.os_indications(), Some(BOOT_TO_FW_UI));
        let o = v.load_option(2).unwrap().unwrap();
        assert_eq!(o.file.as_deref(), Some("\\EFI\\rocky\\shimx64.efi"));
        assert!(v.load_option(3).is_none());
        assert_eq!(
            v.names("CapsuleUpdateData", CAPSULE_VENDOR),
            ["CapsuleUpdateData", "CapsuleUpdateData"],
            "either case of the GUID; another GUID left out"
        );
    }

    #[test]
    fn reading_from_the_old_sysfs_interface() {
        let dir = tempfile::tempdir().unwrap();
        let var = dir
            .path()
            .join(format!("sys/firmware/efi/vars/BootNext-{GLOBAL}"));
        std::fs::create_dir_all(&var).unwrap();
        std::fs::write(var.join("data"), [5, 0]).unwrap();
        std::fs::create_dir_all(dir.path().join("sys/firmware/efi/efivars")).unwrap();
        let root = SysRoot::new(dir.path());
        let Access::Vars(v) = open(&root) else {
            panic!("sysfs vars not found")
        };
        assert_eq!(v.boot_next(), Some(5));
    }

    #[test]
    fn not_efi_and_unreadable() {
        let dir = tempfile::tempdir().unwrap();
        let root = SysRoot::new(dir.path());
        assert!(matches!(open(&root), Access::NotEfi));
        std::fs::create_dir_all(dir.path().join("sys/firmware/efi/efivars")).unwrap();
        assert!(matches!(open(&root), Access::Unreadable), "empty efivarfs");
    }
}
