//! What the firmware was asked to do at the next boot. Such a request wins over a kexec: a
//! kexec never reaches the firmware, so it would skip the request silently and leave it for
//! some later, unrelated reboot. Each one found makes the reboot go through the firmware.
//!
//! What counts, and why:
//! - `BootNext` set: a one-time boot of another entry (PXE reprovisioning by Beaker or Foreman,
//!   `efibootmgr -n`, fwupd's default capsule path, which boots its `fwupdx64.efi` that way).
//! - `OsIndications` with EFI_OS_INDICATIONS_BOOT_TO_FW_UI: the firmware's setup was asked for
//!   (`systemctl reboot --firmware-setup` through logind, `bootctl reboot-to-firmware true`).
//! - A capsule update pending, in either of the two ways the firmware finds one at the next
//!   boot: `OsIndications` with EFI_OS_INDICATIONS_FILE_CAPSULE_DELIVERY_SUPPORTED set (capsules
//!   as files in `\EFI\UpdateCapsule`, UEFI 8.5.5: fwupd's "capsule on disk"), or an
//!   EDK II `CapsuleUpdateData*` variable (a capsule handed to UpdateCapsule() through the
//!   kernel's `/dev/efi_capsule_loader`, kept across the reset for the firmware to process;
//!   the kernel itself then forces an EFI reset, which a kexec would bypass).
//!
//!   Not counted: `CapsuleNNNN`/`CapsuleLast` (results of capsules already processed) and
//!   fwupd's own `fwupd-*` variables (they outlive the update; its BootNext is the request).
//!   The kernel's own record of a capsule sent through the capsule loader (`capsule_pending`
//!   in drivers/firmware/efi/capsule.c) is not visible to user space.

use crate::efivars::{self, Access, Vars, BOOT_TO_FW_UI, CAPSULE_VENDOR, FILE_CAPSULE_DELIVERY};
use crate::root::SysRoot;

/// The man page's section on the firmware's plans and the EFI vendor directory, roff.
pub const MAN_SECTION: &str = concat!(
    ".SH \"THE FIRMWARE'S PLANS\"\n",
    "What the firmware was asked to do at the next boot wins over a kexec, which would skip it. On a system booted ",
    "through EFI, \\fBload\\fR first reads the EFI variables (efivarfs at /sys/firmware/efi/efivars; ",
    "/sys/firmware/efi/vars on kernels before it). Each of these stages nothing, so the reboot goes through the ",
    "firmware, with the reason on the console and in syslog, and exits 6; \\fBplan\\fR and \\fBcheck\\fR show it as ",
    "the failed \\fBfirmware\\fR check:\n",
    ".TP\nBootNext\nA one\\-time boot of another entry (\\fBefibootmgr \\-n\\fR, PXE reprovisioning by Beaker or Foreman, ",
    "fwupd's capsule updates). \\fBefibootmgr \\-N\\fR clears it.\n",
    ".TP\nOsIndications, boot to firmware UI\n\\fBsystemctl reboot \\-\\-firmware\\-setup\\fR, \\fBbootctl reboot\\-to\\-firmware true\\fR. ",
    "\\fBbootctl reboot\\-to\\-firmware false\\fR clears it.\n",
    ".TP\nA capsule update pending\n",
    "OsIndications' file capsule delivery bit (capsule files in \\eEFI\\eUpdateCapsule on the ESP), or an EDK II ",
    "CapsuleUpdateData variable (a capsule handed to the firmware, e.g. through /dev/efi_capsule_loader). Let the ",
    "firmware apply it. Capsule results (CapsuleNNNN) do not count.\n",
    ".PP\nWhen the variables cannot be read (efivarfs not mounted), \\fBplan\\fR and the log warn that they are not ",
    "checked. Where more than one /boot/efi/EFI/*/grub.cfg exists (a stale centos/ after a migration to Rocky or Alma), ",
    "the one in the directory of the file that BootCurrent's boot entry loads (\\eEFI\\erocky\\eshimx64.efi: ",
    "/boot/efi/EFI/rocky/grub.cfg) is read; when the variables cannot tell, nothing is staged (exit 4) and the files are ",
    "named: remove the stale directory, or point the boot entry at the right one with \\fBefibootmgr\\fR.\n",
);

/// Where capsule-on-disk files wait, on the ESP mounted at /boot/efi.
pub const UPDATE_CAPSULE_DIR: &str = "/boot/efi/EFI/UpdateCapsule";

/// One request of the firmware's for the next boot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// `BootNext` names entry `entry` (its description when readable).
    BootNext {
        entry: u16,
        description: Option<String>,
    },
    /// `OsIndications` asks for the firmware's setup UI.
    FirmwareSetup,
    /// `OsIndications` says capsule files wait on the ESP (the names found, if any).
    CapsuleOnDisk { files: Vec<String> },
    /// `CapsuleUpdateData*` variables hold a capsule for the firmware.
    CapsuleInMemory { variables: Vec<String> },
}

impl Request {
    /// The one line an operator reads: what is set, and what to do.
    pub fn reason(&self) -> String {
        match self {
            Request::BootNext { entry, description } => {
                let which = match description {
                    Some(d) => format!("{} \"{d}\"", efivars::boot_name(*entry)),
                    None => efivars::boot_name(*entry),
                };
                format!("EFI BootNext is set ({which}): the firmware was asked to boot that entry next, which a kexec would skip (`efibootmgr -N` clears it)")
            }
            Request::FirmwareSetup => "EFI OsIndications asks for the firmware setup at the next boot (`systemctl reboot --firmware-setup`), which a kexec would skip (`bootctl reboot-to-firmware false` clears it)".to_string(),
            Request::CapsuleOnDisk { files } => {
                let which = if files.is_empty() {
                    String::new()
                } else {
                    format!(": {}", files.join(", "))
                };
                format!("EFI OsIndications says a firmware capsule update waits on the ESP ({UPDATE_CAPSULE_DIR}{which}) for the firmware to apply at the next boot, which a kexec would skip")
            }
            Request::CapsuleInMemory { variables } => format!(
                "a firmware capsule update is pending (EFI variable {}): the firmware applies it at the next reset, which a kexec would skip",
                variables.join(", ")
            ),
        }
    }
}

/// What was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// Not booted through EFI: the firmware has no such requests to make.
    NotEfi,
    /// EFI, but the variables cannot be read: nothing could be checked.
    Unreadable,
    /// The requests found (none: the firmware has no plans of its own).
    Requests(Vec<Request>),
}

/// Reads the requests of the system under `root`.
pub fn read(root: &SysRoot) -> Finding {
    match efivars::open(root) {
        Access::NotEfi => Finding::NotEfi,
        Access::Unreadable => Finding::Unreadable,
        Access::Vars(v) => Finding::Requests(requests(root, &v)),
    }
}

/// The requests in the variables, in the order the reason names them.
pub fn requests(root: &SysRoot, vars: &Vars) -> Vec<Request> {
    let mut out = Vec::new();
    if let Some(entry) = vars.boot_next() {
        let description = vars
            .load_option(entry)
            .and_then(Result::ok)
            .map(|o| o.description)
            .filter(|d| !d.is_empty());
        out.push(Request::BootNext { entry, description });
    }
    let indications = vars.os_indications().unwrap_or(0);
    if indications & BOOT_TO_FW_UI != 0 {
        out.push(Request::FirmwareSetup);
    }
    if indications & FILE_CAPSULE_DELIVERY != 0 {
        let mut files = root.read_dir_names(UPDATE_CAPSULE_DIR).unwrap_or_default();
        files.truncate(3);
        out.push(Request::CapsuleOnDisk { files });
    }
    let variables = vars.names("CapsuleUpdateData", CAPSULE_VENDOR);
    if !variables.is_empty() {
        out.push(Request::CapsuleInMemory { variables });
    }
    out
}

impl Finding {
    /// The refusal: every request's reason on one line, or `None` when nothing was asked.
    pub fn refusal(&self) -> Option<String> {
        match self {
            Finding::Requests(r) if !r.is_empty() => Some(
                r.iter()
                    .map(Request::reason)
                    .collect::<Vec<_>>()
                    .join("; also, "),
            ),
            _ => None,
        }
    }

    /// A warning for `plan` and the log, when the requests could not be checked.
    pub fn warning(&self) -> Option<String> {
        (*self == Finding::Unreadable).then(|| {
            format!("{}; EFI BootNext, firmware setup and capsule requests are not checked, and a kexec would skip them", efivars::UNREADABLE)
        })
    }

    /// What `plan` shows when all is clear (none on a system without EFI).
    pub fn clear(&self) -> Option<&'static str> {
        match self {
            Finding::Requests(r) if r.is_empty() => Some(
                "EFI: no BootNext, no firmware setup or capsule update asked for the next boot",
            ),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::efivars::GLOBAL;

    fn root_with(vars: &[(String, Vec<u8>)]) -> (tempfile::TempDir, SysRoot) {
        let dir = tempfile::tempdir().unwrap();
        let efivars = dir.path().join("sys/firmware/efi/efivars");
        std::fs::create_dir_all(&efivars).unwrap();
        // Every EFI system has some variable; an empty efivarfs means it is not mounted.
        std::fs::write(
            efivars.join(format!("BootCurrent-{GLOBAL}")),
            [7, 0, 0, 0, 1, 0],
        )
        .unwrap();
        for (name, value) in vars {
            let mut bytes = vec![7, 0, 0, 0];
            bytes.extend(value);
            std::fs::write(efivars.join(name), bytes).unwrap();
        }
        let root = SysRoot::new(dir.path());
        (dir, root)
    }

    fn boot_option(desc: &str) -> Vec<u8> {
        let mut v = vec![1, 0, 0, 0, 4, 0];
        v.extend(desc.encode_utf16().chain([0]).flat_map(|c| c.to_le_bytes()));
        v.extend([0x7f, 0xff, 4, 0]);
        v
    }

    #[test]
    fn nothing_asked() {
        let (_d, root) = root_with(&[]);
        let f = read(&root);
        assert_eq!(f, Finding::Requests(Vec::new()));
        assert_eq!(f.refusal(), None);
        assert!(f.clear().is_some());
    }

    #[test]
    fn boot_next_names_the_entry() {
        let (_d, root) = root_with(&[
            (format!("BootNext-{GLOBAL}"), vec![3, 0]),
            (format!("Boot0003-{GLOBAL}"), boot_option("UEFI PXEv4")),
        ]);
        let r = read(&root).refusal().unwrap();
        assert!(
            r.starts_with("EFI BootNext is set (Boot0003 \"UEFI PXEv4\"): the firmware was asked to boot that entry next"),
            "{r}"
        );
        assert!(r.contains("efibootmgr -N"), "{r}");
    }

    #[test]
    fn boot_next_without_its_entry() {
        let (_d, root) = root_with(&[(format!("BootNext-{GLOBAL}"), vec![0x1a, 0])]);
        let r = read(&root).refusal().unwrap();
        assert!(r.starts_with("EFI BootNext is set (Boot001A):"), "{r}");
    }

    #[test]
    fn os_indications_bits() {
        for (bits, want, not) in [
            (1u64, Some("firmware setup"), None),
            (4, Some("capsule update waits on the ESP"), Some("setup")),
            (
                5,
                Some("; also, EFI OsIndications says a firmware capsule"),
                None,
            ),
            // Timestamp revocation and the others are not requests for the next boot.
            (2 | 8 | 0x10, None, None),
        ] {
            let (_d, root) = root_with(&[(
                format!("OsIndications-{GLOBAL}"),
                bits.to_le_bytes().to_vec(),
            )]);
            let r = read(&root).refusal();
            match want {
                None => assert_eq!(r, None, "bits {bits:#x}"),
                Some(w) => {
                    let r = r.unwrap_or_default();
                    assert!(r.contains(w), "bits {bits:#x}: {r}");
                    if let Some(n) = not {
                        assert!(!r.contains(n), "bits {bits:#x}: {r}");
                    }
                }
            }
        }
    }

    #[test]
    fn os_indications_supported_is_not_a_request() {
        let (_d, root) = root_with(&[(
            format!("OsIndicationsSupported-{GLOBAL}"),
            0xffu64.to_le_bytes().to_vec(),
        )]);
        assert_eq!(read(&root).refusal(), None);
    }

    #[test]
    fn capsule_files_are_named() {
        let (d, root) = root_with(&[(
            format!("OsIndications-{GLOBAL}"),
            4u64.to_le_bytes().to_vec(),
        )]);
        let caps = d.path().join("boot/efi/EFI/UpdateCapsule");
        std::fs::create_dir_all(&caps).unwrap();
        std::fs::write(caps.join("fwupd-1234.cap"), b"x").unwrap();
        let r = read(&root).refusal().unwrap();
        assert!(r.contains("EFI/UpdateCapsule: fwupd-1234.cap)"), "{r}");
    }

    #[test]
    fn an_edk2_capsule_variable() {
        let (_d, root) = root_with(&[
            (format!("CapsuleUpdateData-{CAPSULE_VENDOR}"), vec![0; 8]),
            // A result of a capsule already processed: not pending.
            (
                "Capsule0000-39b68c46-f7fb-441b-b6ec-16b0f69821f3".to_string(),
                vec![0; 8],
            ),
        ]);
        let r = read(&root).refusal().unwrap();
        assert!(
            r.starts_with("a firmware capsule update is pending (EFI variable CapsuleUpdateData)"),
            "{r}"
        );
    }

    #[test]
    fn not_efi_and_unreadable() {
        let dir = tempfile::tempdir().unwrap();
        let root = SysRoot::new(dir.path());
        assert_eq!(read(&root), Finding::NotEfi);
        assert_eq!(read(&root).warning(), None);
        assert_eq!(read(&root).clear(), None);
        std::fs::create_dir_all(dir.path().join("sys/firmware/efi/efivars")).unwrap();
        let f = read(&root);
        assert_eq!(f, Finding::Unreadable);
        assert_eq!(f.refusal(), None);
        assert!(f.warning().unwrap().contains("mount -t efivarfs"));
    }
}
