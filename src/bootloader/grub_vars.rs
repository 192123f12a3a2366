//! The variables GRUB 2 sets itself before it reads grub.cfg, known at plan time.
//!
//! A grub.cfg may choose its default by them (`if [ "$grub_platform" = efi ]`,
//! `if [ x$feature_timeout_style = xy ]`, `if [ -s $prefix/grubenv ]`), so they are evaluated
//! rather than refused. What GRUB 2.06 sets (grub-core/normal/main.c, kern/main.c): every
//! `feature_*` to `y`; `grub_platform` and `grub_cpu` from the image it runs (`pc`/`i386` on
//! BIOS, `efi`/`x86_64` on 64-bit EFI: BIOS or EFI is read from /sys/firmware/efi by the caller);
//! `prefix` and `config_directory`, the directory grub.cfg was read from. We give those as the
//! system path (`/boot/grub2`), which `-f`/`-s` tests resolve; GRUB's own form names the
//! device (`(hd0,msdos1)/grub2`), which a plan cannot know, so a string comparison with it
//! does not hold here. `root` and `cmdpath` are left unknown.

use super::script::Env;

/// GRUB 2.06's `feature_*` variables, all set to `y`.
pub const FEATURES: [&str; 10] = [
    "feature_chainloader_bpb",
    "feature_ntldr",
    "feature_platform_search_hint",
    "feature_default_font_path",
    "feature_all_video_module",
    "feature_menuentry_id",
    "feature_menuentry_options",
    "feature_200_final",
    "feature_nativedisk_cmd",
    "feature_timeout_style",
];

/// `grub_cpu` for a `grub_platform` on x86 (`pc` → `i386`, `efi` → `x86_64`).
pub fn cpu(platform: &str) -> Option<&'static str> {
    match platform {
        "pc" => Some("i386"),
        "efi" => Some("x86_64"),
        _ => None,
    }
}

/// Puts GRUB's own variables into `env`: `prefix`/`config_directory` is the directory of
/// grub.cfg, `platform` the `grub_platform` when known (`None`: unknown, conditions on it are
/// not evaluated).
pub fn seed(env: &mut Env, prefix: &str, platform: Option<&str>) {
    env.set("prefix", prefix);
    env.set("config_directory", prefix);
    for f in FEATURES {
        env.set(f, "y");
    }
    env.vars
        .insert("grub_platform".into(), platform.map(str::to_string));
    env.vars.insert(
        "grub_cpu".into(),
        platform.and_then(cpu).map(str::to_string),
    );
    env.vars.insert("root".into(), None);
    env.vars.insert("cmdpath".into(), None);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bios_and_efi() {
        let mut env = Env::default();
        seed(&mut env, "/boot/grub2", Some("pc"));
        let get = |e: &Env, k: &str| e.vars.get(k).cloned().flatten();
        assert_eq!(get(&env, "grub_cpu").as_deref(), Some("i386"));
        assert_eq!(get(&env, "feature_menuentry_options").as_deref(), Some("y"));
        assert_eq!(get(&env, "feature_ntldr").as_deref(), Some("y"));
        assert_eq!(
            get(&env, "config_directory").as_deref(),
            Some("/boot/grub2")
        );
        let mut env = Env::default();
        seed(&mut env, "/boot/efi/EFI/centos", Some("efi"));
        assert_eq!(get(&env, "grub_cpu").as_deref(), Some("x86_64"));
        let mut env = Env::default();
        seed(&mut env, "/boot/grub2", None);
        assert_eq!(
            env.vars.get("grub_platform"),
            Some(&None),
            "unknown, not unset"
        );
        assert_eq!(env.vars.get("grub_cpu"), Some(&None), "unknown, not unset");
    }
}
