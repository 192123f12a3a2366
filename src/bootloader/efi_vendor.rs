//! Which EFI vendor directory's grub.cfg is this system's, when the ESP holds more than one.
//!
//! After a CentOS -> Rocky/Alma migration (or a reinstall over an old ESP) both
//! `/boot/efi/EFI/centos/grub.cfg` and `/boot/efi/EFI/rocky/grub.cfg` are there; the firmware
//! boots only one of them. Its boot entry says which: `BootCurrent` names the `Boot####`
//! that started this boot, and that entry's file path (`\EFI\rocky\shimx64.efi`) lies in the
//! vendor directory whose grub.cfg GRUB reads. When the variables cannot tell, guessing could
//! stage a kernel the firmware would never boot, so the caller refuses and names the files.

use crate::efivars::{self, Access};
use crate::root::SysRoot;

/// The one of `found` (system paths `<dir>/<vendor>/grub.cfg`, two or more) that the boot
/// entry of this boot lies in, and the words saying why; or why none can be chosen.
pub fn choose(root: &SysRoot, found: &[String]) -> Result<(String, String), String> {
    let vars = match efivars::open(root) {
        Access::NotEfi => {
            return Err(
                "this system did not boot through EFI (no /sys/firmware/efi), so no boot entry tells which one GRUB reads"
                    .to_string(),
            )
        }
        Access::Unreadable => return Err(efivars::UNREADABLE.to_string()),
        Access::Vars(v) => v,
    };
    let current = vars
        .boot_current()
        .ok_or("EFI BootCurrent is not set, so no boot entry tells which one GRUB reads")?;
    let name = efivars::boot_name(current);
    let option = match vars.load_option(current) {
        None => {
            return Err(format!(
                "EFI BootCurrent names {name}, which does not exist"
            ))
        }
        Some(Err(e)) => {
            return Err(format!(
                "EFI BootCurrent names {name}, which cannot be read ({e})"
            ))
        }
        Some(Ok(o)) => o,
    };
    let entry = if option.description.is_empty() {
        name
    } else {
        format!("{name} \"{}\"", option.description)
    };
    let Some(file) = option.file else {
        return Err(format!(
            "EFI BootCurrent's entry {entry} names no file, so it does not tell which one GRUB reads"
        ));
    };
    let vendor = efivars::vendor_dir(&file).unwrap_or("");
    // FAT is case-insensitive: \EFI\ROCKY\ is the directory rocky.
    let hit = found.iter().find(|f| {
        f.rsplit('/')
            .nth(1)
            .is_some_and(|d| !vendor.is_empty() && d.eq_ignore_ascii_case(vendor))
    });
    match hit {
        Some(f) => Ok((
            f.clone(),
            format!("EFI BootCurrent's entry {entry} loads {file}"),
        )),
        None => Err(format!(
            "EFI BootCurrent's entry {entry} loads {file}, which is in none of their directories"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::efivars::GLOBAL;

    fn ucs2(s: &str) -> Vec<u8> {
        s.encode_utf16()
            .chain([0])
            .flat_map(|c| c.to_le_bytes())
            .collect()
    }

    fn option(desc: &str, file: Option<&str>) -> Vec<u8> {
        let mut paths = Vec::new();
        if let Some(f) = file {
            let f = ucs2(f);
            paths.extend([4, 4]);
            paths.extend(((f.len() + 4) as u16).to_le_bytes());
            paths.extend(f);
        }
        paths.extend([0x7f, 0xff, 4, 0]);
        let mut v = 1u32.to_le_bytes().to_vec();
        v.extend((paths.len() as u16).to_le_bytes());
        v.extend(ucs2(desc));
        v.extend(paths);
        v
    }

    fn root(vars: &[(&str, Vec<u8>)]) -> (tempfile::TempDir, SysRoot) {
        let d = tempfile::tempdir().unwrap();
        let ev = d.path().join("sys/firmware/efi/efivars");
        std::fs::create_dir_all(&ev).unwrap();
        std::fs::write(ev.join(format!("Timeout-{GLOBAL}")), [7, 0, 0, 0, 5, 0]).unwrap();
        for (name, value) in vars {
            let mut b = vec![7, 0, 0, 0];
            b.extend(value);
            std::fs::write(ev.join(format!("{name}-{GLOBAL}")), b).unwrap();
        }
        let r = SysRoot::new(d.path());
        (d, r)
    }

    fn found() -> Vec<String> {
        vec![
            "/boot/efi/EFI/centos/grub.cfg".to_string(),
            "/boot/efi/EFI/rocky/grub.cfg".to_string(),
        ]
    }

    #[test]
    fn boot_current_names_the_directory() {
        let (_d, r) = root(&[
            ("BootCurrent", vec![2, 0]),
            (
                "Boot0002",
                option("Rocky Linux", Some("\\EFI\\ROCKY\\shimx64.efi")),
            ),
        ]);
        let (file, why) = choose(&r, &found()).unwrap();
        assert_eq!(file, "/boot/efi/EFI/rocky/grub.cfg");
        assert_eq!(
            why,
            "EFI BootCurrent's entry Boot0002 \"Rocky Linux\" loads \\EFI\\ROCKY\\shimx64.efi"
        );
    }

    #[test]
    fn what_cannot_decide() {
        // (case, the variables, what the refusal says)
        type Vars = Vec<(&'static str, Vec<u8>)>;
        let cases: Vec<(&str, Vars, &str)> = vec![
            ("no BootCurrent", vec![], "EFI BootCurrent is not set"),
            (
                "no such entry",
                vec![("BootCurrent", vec![2, 0])],
                "names Boot0002, which does not exist",
            ),
            (
                "a damaged entry",
                vec![("BootCurrent", vec![2, 0]), ("Boot0002", vec![1, 0])],
                "names Boot0002, which cannot be read",
            ),
            (
                "no file (a device path only)",
                vec![
                    ("BootCurrent", vec![2, 0]),
                    ("Boot0002", option("UEFI Misc Device", None)),
                ],
                "entry Boot0002 \"UEFI Misc Device\" names no file",
            ),
            (
                "the removable-media path",
                vec![
                    ("BootCurrent", vec![2, 0]),
                    (
                        "Boot0002",
                        option("UEFI Misc Device", Some("\\EFI\\BOOT\\BOOTX64.EFI")),
                    ),
                ],
                "loads \\EFI\\BOOT\\BOOTX64.EFI, which is in none of their directories",
            ),
        ];
        for (case, vars, want) in cases {
            let (_d, r) = root(&vars);
            let got = choose(&r, &found()).unwrap_err();
            assert!(got.contains(want), "{case}: {got}");
        }
    }

    #[test]
    fn not_efi_or_unreadable() {
        let d = tempfile::tempdir().unwrap();
        let r = SysRoot::new(d.path());
        assert!(choose(&r, &found())
            .unwrap_err()
            .contains("did not boot through EFI"));
        std::fs::create_dir_all(d.path().join("sys/firmware/efi/efivars")).unwrap();
        assert!(choose(&r, &found()).unwrap_err().contains("cannot be read"));
    }
}
