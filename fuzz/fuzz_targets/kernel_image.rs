//! The bzImage header checks on arbitrary bytes; the first 8 bytes, when there are 8, are also
//! read as a claimed file length.
#![no_main]
use kexec_reboot::kernel_image;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kernel_image::parse_header(data, None);
    let _ = kernel_image::inspect(data);
    if let Some((len, rest)) = data.split_first_chunk::<8>() {
        let len = u64::from_le_bytes(*len);
        let _ = kernel_image::parse_header(rest, Some(len));
        let _ = kernel_image::inspect_head(rest, len);
    }
});
