//! Command-line splitting and composing on three strings split at NULs.
#![no_main]
use kexec_reboot::cmdline;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\0');
    let base = parts.next().unwrap_or("");
    let append = parts.next().unwrap_or("");
    let remove = parts.next().unwrap_or("");
    let _ = cmdline::split(base);
    let _ = cmdline::clean_running(base);
    let _ = cmdline::compose(base, append, remove);
});
