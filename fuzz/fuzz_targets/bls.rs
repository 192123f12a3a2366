//! One BLS entry file on arbitrary text, then the menu it makes.
#![no_main]
use kexec_reboot::bootloader::bls;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (e, w) = bls::parse(&text, "/boot/loader/entries/x.conf", "x");
    let _ = bls::menu(&[e], None, w);
});
