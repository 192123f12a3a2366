//! The grubenv block on arbitrary bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kexec_reboot::bootloader::grubenv::parse(data, "/boot/grub2/grubenv");
});
