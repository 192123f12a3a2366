//! rpmvercmp and evr_cmp on two strings split at the first NUL: no panic, reflexive,
//! antisymmetric.
#![no_main]
use kexec_reboot::version::{evr_cmp, rpmvercmp};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (a, b) = text.split_once('\0').unwrap_or((&text, ""));
    assert_eq!(rpmvercmp(a, a), std::cmp::Ordering::Equal);
    assert_eq!(rpmvercmp(a, b), rpmvercmp(b, a).reverse());
    assert_eq!(evr_cmp(a, b), evr_cmp(b, a).reverse());
});
