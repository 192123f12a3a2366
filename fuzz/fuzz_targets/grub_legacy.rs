//! GRUB legacy grub.conf on arbitrary text; the first line is also used as /boot/grub/default.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let saved = text.lines().next();
    let menu = kexec_reboot::bootloader::grub_legacy::parse(&text, "/boot/grub/grub.conf", saved);
    if let kexec_reboot::entry::DefaultEntry::Index(i, _) = menu.default {
        assert!(i < menu.entries.len(), "default inside the menu");
    }
});
