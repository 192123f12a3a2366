//! A scan of `/boot/vmlinuz-*`, for systems without a boot loader config we read, or when the
//! operator sets `KEXEC_BOOTLOADER=none`.
//!
//! Each kernel gets the initrd named after its version; `*.hmac` checksum files are skipped;
//! `vmlinuz-0-rescue-*` images are marked rescue. Entries come newest first (rpm order).

use anyhow::Result;

use crate::entry::{BootEntry, Source};
use crate::root::SysRoot;
use crate::version::rpmvercmp;

/// One entry per `/boot/vmlinuz-<version>`, newest first. Empty `args`: the command line comes
/// from elsewhere (`/proc/cmdline` or the config). `line` is 0: no file line defines it.
pub fn scan(root: &SysRoot) -> Result<Vec<BootEntry>> {
    let mut entries: Vec<BootEntry> = root
        .read_dir_names("/boot")?
        .into_iter()
        .filter_map(|name| {
            let version = name.strip_prefix("vmlinuz-")?;
            if version.is_empty() || version.ends_with(".hmac") {
                return None;
            }
            let kernel = format!("/boot/{name}");
            if !root.is_file(&kernel) {
                return None;
            }
            Some(BootEntry {
                title: name.clone(),
                id: None,
                version: Some(version.to_string()),
                initrds: initrd_for_version(root, version).into_iter().collect(),
                args: String::new(),
                source: Source::Scan,
                file: "/boot".to_string(),
                line: 0,
                rescue: version.starts_with("0-rescue") || version.contains("-rescue-"),
                kernel,
            })
        })
        .collect();
    entries.sort_by(|a, b| {
        rpmvercmp(
            b.version.as_deref().unwrap_or(""),
            a.version.as_deref().unwrap_or(""),
        )
        .then_with(|| b.title.cmp(&a.title))
    });
    Ok(entries)
}

/// The initrd that belongs to `version` in `/boot`: `initramfs-<v>.img`, `initrd-<v>.img`,
/// `initrd.img-<v>`, `initrd-<v>` (first found).
pub fn initrd_for_version(root: &SysRoot, version: &str) -> Option<String> {
    if version.is_empty() || version.contains('/') {
        return None;
    }
    [
        format!("/boot/initramfs-{version}.img"),
        format!("/boot/initrd-{version}.img"),
        format!("/boot/initrd.img-{version}"),
        format!("/boot/initrd-{version}"),
    ]
    .into_iter()
    .find(|p| root.is_file(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bootloader::testroot;

    #[test]
    fn scans_boot() {
        let (_d, root) = testroot::root(&[
            ("/boot/vmlinuz-3.10.0-957.el7.x86_64", b"k"),
            ("/boot/.vmlinuz-3.10.0-957.el7.x86_64.hmac", b"h"),
            ("/boot/vmlinuz-3.10.0-957.el7.x86_64.hmac", b"h"),
            ("/boot/initramfs-3.10.0-957.el7.x86_64.img", b"i"),
            ("/boot/initramfs-3.10.0-957.el7.x86_64kdump.img", b"i"),
            ("/boot/vmlinuz-3.10.0-1160.el7.x86_64", b"k"),
            ("/boot/initramfs-3.10.0-1160.el7.x86_64.img", b"i"),
            ("/boot/vmlinuz-0-rescue-0123456789abcdef", b"k"),
            ("/boot/initramfs-0-rescue-0123456789abcdef.img", b"i"),
            ("/boot/vmlinuz-2.6.18-194.el5", b"k"),
            ("/boot/initrd-2.6.18-194.el5.img", b"i"),
            ("/boot/vmlinuz-nothing", b"k"),
        ]);
        let got = scan(&root).expect("scan");
        let got: Vec<(&str, Vec<&str>, bool)> = got
            .iter()
            .map(|e| {
                (
                    e.kernel.as_str(),
                    e.initrds.iter().map(String::as_str).collect(),
                    e.rescue,
                )
            })
            .collect();
        let want: Vec<(&str, Vec<&str>, bool)> = vec![
            (
                "/boot/vmlinuz-3.10.0-1160.el7.x86_64",
                vec!["/boot/initramfs-3.10.0-1160.el7.x86_64.img"],
                false,
            ),
            (
                "/boot/vmlinuz-3.10.0-957.el7.x86_64",
                vec!["/boot/initramfs-3.10.0-957.el7.x86_64.img"],
                false,
            ),
            (
                "/boot/vmlinuz-2.6.18-194.el5",
                vec!["/boot/initrd-2.6.18-194.el5.img"],
                false,
            ),
            (
                "/boot/vmlinuz-0-rescue-0123456789abcdef",
                vec!["/boot/initramfs-0-rescue-0123456789abcdef.img"],
                true,
            ),
            ("/boot/vmlinuz-nothing", vec![], false),
        ];
        assert_eq!(got, want, "newest first, hmac skipped, rescue marked");
    }

    #[test]
    fn initrd_names() {
        type Files<'a> = &'a [(&'a str, &'a [u8])];
        let cases: [(&str, Files, Option<&str>); 4] = [
            (
                "rhel6+",
                &[("/boot/initramfs-1.img", b"i")],
                Some("/boot/initramfs-1.img"),
            ),
            (
                "rhel5",
                &[("/boot/initrd-1.img", b"i")],
                Some("/boot/initrd-1.img"),
            ),
            (
                "debian",
                &[("/boot/initrd.img-1", b"i")],
                Some("/boot/initrd.img-1"),
            ),
            ("none", &[], None),
        ];
        for (name, files, want) in cases {
            let (_d, root) = testroot::root(files);
            assert_eq!(initrd_for_version(&root, "1").as_deref(), want, "{name}");
        }
        let (_d, root) = testroot::root(&[]);
        assert!(scan(&root).is_err(), "no /boot is an error naming /boot");
    }
}
