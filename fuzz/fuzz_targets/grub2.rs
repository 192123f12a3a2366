//! GRUB 2 grub.cfg run as a script, with a grubenv: the input is split at the first NUL into
//! grub.cfg and grubenv, so both are fuzzed together. Also the script lexer and expansion.
#![no_main]
use kexec_reboot::bootloader::{bls, grub2, grubenv, script};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (cfg, env) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let text = String::from_utf8_lossy(cfg);
    let _ = script::lex(&text);
    let _ = script::Env::default().expand_text(&text);
    let (g, _) = grubenv::parse(env, "/boot/grub2/grubenv");
    let (e, _) = bls::parse(
        "title t\nversion 1\nlinux /vmlinuz-1\noptions $kernelopts\n",
        "/boot/loader/entries/a.conf",
        "a",
    );
    let exists = |p: &str| p.starts_with("/boot/");
    let ctx = grub2::Context {
        file: "/boot/grub2/grub.cfg",
        grubenv: Some(&g),
        platform: Some("pc"),
        exists: &exists,
        bls: &[e],
    };
    let menu = grub2::parse(&text, &ctx);
    if let kexec_reboot::entry::DefaultEntry::Index(i, _) = menu.default {
        assert!(i < menu.entries.len(), "default inside the menu");
    }
});
