//! The command line: global options and the verbs, as clap definitions.
//!
//! The man page and shell completion are generated from these definitions
//! (`kexec-reboot --generate man`), so `--help` and `man kexec-reboot` never disagree.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub const EXIT_CODES: &str = "\
Exit codes:
  0  success (for load: a kernel is staged; for check: the config and the chosen kernel are good)
  1  an unexpected error (I/O, permissions); nothing of ours is left staged
  2  wrong usage
  3  the config file is invalid; nothing staged
  4  no bootable kernel: a preflight check failed or no entry matched; nothing staged
  5  the kernel refused the load (lockdown, signature, bad image) or kexec-tools failed or
     timed out; nothing staged
  6  staging refused on purpose, the reason on the line before: the last kexec boot was
     never confirmed (see `kexec-reboot status`; `status --clear` turns kexec reboots on
     again), or the firmware was asked for the next boot (EFI BootNext, the firmware
     setup, a capsule update), which a kexec would skip
status exits 0 when it can tell what is staged (nothing staged included: the normal state
between reboots), 3 when this kernel has no kexec.";

/// Reboot through kexec: stage the right kernel at shutdown, skip firmware POST.
///
/// On a sysvinit/initscripts system (RHEL/CentOS 5 and 6) the halt script already runs
/// `kexec -e -x` as the last step of a reboot. kexec-reboot decides which kernel, initrd and
/// command line that should be (the boot loader's default entry unless configured otherwise in
/// /etc/sysconfig/kexec), checks them, and loads them into the running kernel from the `stop`
/// action of /etc/rc.d/init.d/kexec at runlevel 6. Any failure leaves nothing staged, so the
/// reboot goes through the firmware as it always did.
#[derive(Debug, Parser)]
#[command(name = "kexec-reboot", version, about, long_about, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,

    #[command(subcommand)]
    pub command: Option<Command>,

    /// Print a man page or a shell completion script to stdout, then exit.
    #[arg(long, value_enum, hide = true, global = false)]
    pub generate: Option<Generate>,
}

/// Options every verb takes.
#[derive(Debug, Args)]
pub struct GlobalOpts {
    /// Read the system under DIR instead of / (for tests and image builders; loading is
    /// refused unless --dry-run is given).
    #[arg(long, value_name = "DIR", global = true, default_value = "/")]
    pub root: PathBuf,

    /// The config file, as a path on the system (under --root). Given to `reboot`, it also holds
    /// for that reboot's load by the rc script at shutdown: one run's settings without editing
    /// /etc/sysconfig/kexec (the Ansible role's kexec_reboot_settings).
    #[arg(long, value_name = "FILE", global = true, default_value = crate::config::DEFAULT_PATH)]
    pub config: String,

    /// Say less: only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Say more: every check and warning.
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Tests only (a build with the `fake-kernel` feature): with --root, load into a stand-in
    /// kernel inside the tree (DIR/sys/kernel/kexec_loaded) instead of refusing.
    #[cfg(feature = "fake-kernel")]
    #[arg(long, global = true, hide = true)]
    pub fake_kernel: bool,
}

/// What `--generate` can print.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Generate {
    /// The man page kexec-reboot(8), roff.
    Man,
    /// bash completion.
    CompleteBash,
}

/// The verbs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what would be loaded and why, with the preflight checks; loads nothing.
    Plan {
        /// Print a JSON object instead of words.
        #[arg(long)]
        json: bool,
    },
    /// Stage the chosen kernel in the running kernel (what the rc script runs at runlevel 6).
    Load {
        /// Why: recorded in the log and the state file (the rc script says "shutdown").
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
        /// Do everything but the load itself.
        #[arg(long)]
        dry_run: bool,
    },
    /// Unload a staged kernel (ours or a manual one).
    Unload {
        /// Only a kernel kexec-reboot staged or was staging (the rc script runs this after a
        /// load that failed or died); a manual load stays.
        #[arg(long)]
        ours: bool,
    },
    /// Say whether a kernel is staged, and whether it is ours.
    Status {
        /// Print a JSON object instead of words.
        #[arg(long)]
        json: bool,
        /// Forget a kexec boot that was never confirmed, so kexec reboots are on again.
        #[arg(long)]
        clear: bool,
    },
    /// List all boot entries, marking the boot loader's default and the one we would choose.
    List {
        /// Print a JSON array instead of words.
        #[arg(long)]
        json: bool,
    },
    /// Check the config file and the chosen kernel (for operators after editing the config,
    /// and the kernel-install hooks for a new kernel).
    Check {
        /// Check this kernel version instead of the configured choice (what a new kernel's
        /// install hook asks: could a reboot into it use kexec?).
        #[arg(long, value_name = "VERSION")]
        kernel: Option<String>,
    },
    /// Record this boot (run by the rc script's `start`): an image already staged now was
    /// loaded at boot, is stale by the next reboot, and is replaced rather than kept as manual.
    Confirm,
    /// Stage the chosen kernel, then run `shutdown -r now`.
    Reboot {
        /// Reboot even when staging fails (through the firmware).
        #[arg(long)]
        firmware_ok: bool,
        /// Do one ordinary firmware reboot: unload anything staged, then `shutdown -r now`.
        #[arg(long, conflicts_with_all = ["kernel", "firmware_ok"])]
        firmware: bool,
        /// Boot this kernel version once, instead of the configured choice.
        #[arg(long, value_name = "VERSION")]
        kernel: Option<String>,
        /// Do everything but the load and the shutdown.
        #[arg(long)]
        dry_run: bool,
    },
}

impl Cli {
    /// The command line the rc script and the systemd step run at every reboot,
    /// `load [--reason WORD] [--dry-run]`, without building clap's command tree.
    ///
    /// Why: the load runs while the machine goes down, and under an emulated CPU building the
    /// tree of every verb, option and help text cost about as much as all the work `load` does
    /// before the syscall (30 ms of 110 under QEMU TCG; bench/README.md). Anything else,
    /// including any option this does not know, goes to clap (`None`); a test holds the result
    /// equal to clap's for the lines taken here.
    pub fn shutdown_fast_path(args: &[std::ffi::OsString]) -> Option<Cli> {
        let words: Vec<&str> = args
            .iter()
            .skip(1)
            .map(|a| a.to_str())
            .collect::<Option<_>>()?;
        let (verb, mut rest) = words.split_first()?;
        if *verb != "load" {
            return None;
        }
        let mut reason = None;
        let mut dry_run = false;
        while let Some((word, after)) = rest.split_first() {
            match (*word, after.first()) {
                ("--dry-run", _) if !dry_run => {
                    dry_run = true;
                    rest = after;
                }
                ("--reason", Some(r)) if reason.is_none() && !r.starts_with('-') => {
                    reason = Some(r.to_string());
                    rest = &after[1..];
                }
                _ => return None,
            }
        }
        Some(Cli {
            global: GlobalOpts {
                root: PathBuf::from("/"),
                config: crate::config::DEFAULT_PATH.to_string(),
                quiet: false,
                verbose: false,
                #[cfg(feature = "fake-kernel")]
                fake_kernel: false,
            },
            command: Some(Command::Load { reason, dry_run }),
            generate: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};
    use std::ffi::OsString;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    fn argv(words: &[&str]) -> Vec<OsString> {
        std::iter::once("kexec-reboot")
            .chain(words.iter().copied())
            .map(OsString::from)
            .collect()
    }

    #[test]
    fn the_shutdown_fast_path_gives_what_clap_gives() {
        for words in [
            &["load"][..],
            &["load", "--reason", "shutdown"],
            &["load", "--reason", "kernel update"],
            &["load", "--reason", ""],
            &["load", "--dry-run"],
            &["load", "--reason", "shutdown", "--dry-run"],
            &["load", "--dry-run", "--reason", "shutdown"],
        ] {
            let fast = Cli::shutdown_fast_path(&argv(words))
                .unwrap_or_else(|| panic!("{words:?} should take the fast path"));
            let clap = Cli::try_parse_from(argv(words)).expect("clap parses it");
            assert_eq!(format!("{fast:?}"), format!("{clap:?}"), "{words:?}");
        }
    }

    #[test]
    fn everything_else_goes_to_clap() {
        for words in [
            &[][..],
            &["load", "--dry-run", "--dry-run"],
            &["load", "--reason", "a", "--reason", "b"],
            &["load", "--reason"],
            &["load", "--reason", "-q"],
            &["load", "--reason=shutdown"],
            &["-q", "load"],
            &["load", "--reason", "x", "--root", "/tmp"],
            &["--help"],
            &["--version"],
            &["plan"],
            &["unload", "--ours"],
        ] {
            assert!(
                Cli::shutdown_fast_path(&argv(words)).is_none(),
                "{words:?} must be parsed by clap"
            );
        }
    }
}
