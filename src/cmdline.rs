//! Kernel command lines: splitting, cleaning `/proc/cmdline`, appending and removing words.
//!
//! STUB: being written.

/// `/proc/cmdline` without the words the boot loader adds (`BOOT_IMAGE=`, `initrd=`).
pub fn clean_running(proc_cmdline: &str) -> String {
    proc_cmdline
        .split_whitespace()
        .filter(|w| !w.starts_with("BOOT_IMAGE=") && !w.starts_with("initrd="))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `base` with the words of `remove` dropped and those of `append` added.
pub fn compose(base: &str, append: &str, remove: &str) -> String {
    let _ = remove;
    let mut s = base.split_whitespace().collect::<Vec<_>>().join(" ");
    if !append.trim().is_empty() {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(append.trim());
    }
    s
}
