//! `/etc/sysconfig/kexec` parsing on arbitrary text: never a panic; errors on one line.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Err(e) = kexec_reboot::config::parse(&text, "/etc/sysconfig/kexec") {
        assert!(!format!("{e:#}").contains('\n'), "config error on one line");
    }
});
