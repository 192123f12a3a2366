//! What would be loaded and why: config → boot entries → choice → initrd → command line →
//! preflight checks. Loads nothing, so `plan`, `check`, `list` and `load` all share it.

use anyhow::{Context, Result};
use serde::Serialize;

use crate::bootloader;
use crate::cmdline;
use crate::config::{CmdlineChoice, InitrdChoice, KernelChoice, Method, Settings};
use crate::entry::{BootEntry, BootMenu, DefaultEntry, Source, Warning};
use crate::failure::{Failure, Kind};
use crate::firmware_plan;
use crate::preflight::{self, Check};
use crate::root::SysRoot;
use crate::select::{self, Choice};

pub use crate::system::{running_version, OSRELEASE, PROC_CMDLINE};

/// Everything `load` needs, and everything an operator wants to see before it. Its JSON
/// (`plan --json`) is [`PlanJson`].
#[derive(Debug, Clone)]
pub struct Plan {
    /// Kernel image, as the system sees it.
    pub kernel: String,
    /// The initrds, in load order (several are concatenated into one image at load time,
    /// early microcode first).
    pub initrds: Vec<String>,
    /// The command line the new kernel gets.
    pub cmdline: String,
    /// Kernel version, when known.
    pub version: Option<String>,
    /// Where the kernel came from.
    pub source: Source,
    /// Title of the boot entry, or null.
    pub entry: Option<String>,
    /// How it will be loaded (`KEXEC_METHOD`).
    pub method: Method,
    /// Why this kernel, in words.
    pub why: String,
    /// Where the command line came from, in words.
    pub cmdline_from: String,
    /// Preflight checks, in order.
    pub checks: Vec<Check>,
    /// Odd things noticed on the way (config, boot loader files).
    pub warnings: Vec<String>,
    /// The grubenv whose one-time `next_entry` chose this kernel: GRUB clears it when it boots
    /// that entry, so a load clears it too (else every later reboot would boot it again).
    pub next_entry_env: Option<String>,
    /// The token of our marker (`kexec_reboot.boot=<token>`, [`cmdline::MARKER_PARAM`]),
    /// appended to the command line at load: the next boot's proof that it came through this
    /// kexec. This boot's id.
    pub marker: String,
}

/// `plan --json`: the plan's fields, with `initrd` (null when none, the path when one, the
/// paths joined by a space when several) beside `initrds`, and the method by its config name.
#[derive(Serialize)]
struct PlanJson<'a> {
    kernel: &'a str,
    initrd: Option<String>,
    initrds: &'a [String],
    cmdline: &'a str,
    version: &'a Option<String>,
    source: Source,
    entry: &'a Option<String>,
    method: &'static str,
    why: &'a str,
    cmdline_from: &'a str,
    checks: &'a [Check],
    warnings: &'a [String],
    next_entry_env: &'a Option<String>,
    marker: String,
    staged_cmdline: String,
}

impl Serialize for Plan {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        PlanJson {
            kernel: &self.kernel,
            initrd: (!self.initrds.is_empty()).then(|| self.initrds.join(" ")),
            initrds: &self.initrds,
            cmdline: &self.cmdline,
            version: &self.version,
            source: self.source,
            entry: &self.entry,
            method: method_name(self.method),
            why: &self.why,
            cmdline_from: &self.cmdline_from,
            checks: &self.checks,
            warnings: &self.warnings,
            next_entry_env: &self.next_entry_env,
            marker: cmdline::marker_word(&self.marker),
            staged_cmdline: self.staged_cmdline(),
        }
        .serialize(s)
    }
}

impl Plan {
    /// The command line the new kernel gets: [`Plan::cmdline`] with our marker, which proves
    /// to the next boot that it came through this kexec.
    pub fn staged_cmdline(&self) -> String {
        cmdline::compose(&self.cmdline, &cmdline::marker_word(&self.marker), "")
    }

    /// What the preflight checks look at.
    pub fn candidate(&self) -> preflight::Candidate<'_> {
        preflight::Candidate {
            kernel: &self.kernel,
            initrds: &self.initrds,
            cmdline: &self.cmdline,
            cmdline_from: &self.cmdline_from,
            version: self.version.as_deref(),
        }
    }

    /// True when every preflight check passed.
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }

    /// The first failed check as a [`Failure`], if any: exit 6 (refused on purpose) for the
    /// firmware's own plans, else 4.
    pub fn failure(&self) -> Option<Failure> {
        self.checks.iter().find(|c| !c.ok).map(|c| {
            let kind = if c.name == FIRMWARE_CHECK {
                Kind::Skipped
            } else {
                Kind::NoKernel
            };
            Failure::new(kind, c.detail.clone())
        })
    }
}

/// The check that fails when the firmware was asked for the next boot ([`firmware_plan`]).
pub const FIRMWARE_CHECK: &str = "firmware";

/// The method name used in plans, state and messages.
pub fn method_name(m: Method) -> &'static str {
    match m {
        Method::Auto => "auto",
        Method::File => "file",
        Method::KexecTools => "kexec-tools",
    }
}

/// The boot loader's menu and the scanned kernels, as `settings` asks.
pub fn entries(root: &SysRoot, settings: &Settings) -> Result<(Option<BootMenu>, Vec<BootEntry>)> {
    let menu = bootloader::read_menu(root, settings.bootloader)?;
    let scanned = if root.is_dir("/boot") {
        bootloader::scan(root)?
    } else {
        Vec::new()
    };
    Ok((menu, scanned))
}

/// Works out the plan. `kernel_override` (from `reboot --kernel`) replaces `KEXEC_KERNEL`.
/// Errors are [`Failure`]s of kind `NoKernel` when no entry matches; failed preflight checks
/// are in `checks`, not errors.
pub fn make(root: &SysRoot, settings: &Settings, warnings: Vec<Warning>) -> Result<Plan> {
    // What the firmware was asked to do wins, over any other reason too: a boot loader that
    // cannot be read is then not the reason given.
    let firmware = firmware_plan::read(root);
    make_with(root, settings, warnings, &firmware).map_err(|e| match firmware.refusal() {
        Some(why) => Failure::new(Kind::Skipped, why).into(),
        None => e,
    })
}

fn make_with(
    root: &SysRoot,
    settings: &Settings,
    mut warnings: Vec<Warning>,
    firmware: &firmware_plan::Finding,
) -> Result<Plan> {
    let (menu, scanned) = entries(root, settings)?;
    if let Some(m) = &menu {
        warnings.extend(m.warnings.iter().cloned());
    }
    let running = running_version(root);

    let mut next_entry_env = None;
    let (entry, why, from_bootloader) = match &settings.kernel {
        KernelChoice::Path(p) => (path_entry(root, p), format!("KEXEC_KERNEL={p}"), false),
        choice => {
            let Choice { entry, why } =
                select::select(menu.as_ref(), &scanned, choice, running.as_deref())?;
            if let Some(m) = &menu {
                if let DefaultEntry::Index(i, how) = &m.default {
                    if *choice == KernelChoice::Default
                        && how.starts_with("next_entry=")
                        && m.entries.get(*i) == Some(&entry)
                    {
                        next_entry_env = Some(grubenv_of(m));
                    }
                }
            }
            let from_bl = entry.source != Source::Scan;
            (entry, why, from_bl)
        }
    };

    let initrds = match &settings.initrd {
        InitrdChoice::None => Vec::new(),
        InitrdChoice::Path(p) => vec![p.clone()],
        InitrdChoice::Auto => {
            if !entry.initrds.is_empty() {
                entry.initrds.clone()
            } else if let Some(v) = &entry.version {
                bootloader::scan::initrd_for_version(root, v)
                    .into_iter()
                    .collect()
            } else {
                Vec::new()
            }
        }
    };

    let running_cmdline = || -> Result<String> {
        crate::system::running_cmdline(root)
            .with_context(|| "the running command line is needed (KEXEC_CMDLINE); set KEXEC_CMDLINE to a literal command line")
    };
    let (base, cmdline_from) = match &settings.cmdline {
        CmdlineChoice::Literal(s) => (s.clone(), "KEXEC_CMDLINE".to_string()),
        CmdlineChoice::Running => (
            running_cmdline()?,
            "the running kernel (/proc/cmdline)".to_string(),
        ),
        CmdlineChoice::Bootloader => {
            if !from_bootloader {
                return Err(Failure::new(
                    Kind::NoKernel,
                    format!("KEXEC_CMDLINE=bootloader, but {} comes from no boot loader entry; set KEXEC_CMDLINE=auto or a literal command line", entry.kernel),
                )
                .into());
            }
            (
                entry.args.clone(),
                format!("the boot entry at {}:{}", entry.file, entry.line),
            )
        }
        CmdlineChoice::Auto => {
            let running_kernel = matches!(settings.kernel, KernelChoice::Running);
            if from_bootloader && !running_kernel {
                (
                    entry.args.clone(),
                    format!("the boot entry at {}:{}", entry.file, entry.line),
                )
            } else {
                (
                    running_cmdline()?,
                    "the running kernel (/proc/cmdline)".to_string(),
                )
            }
        }
    };
    let cmdline = cmdline::compose(&base, &settings.append, &settings.remove);

    let marker = marker_token(root);
    let mut plan = Plan {
        kernel: entry.kernel.clone(),
        initrds,
        cmdline,
        version: entry.version.clone(),
        source: entry.source,
        entry: if from_bootloader {
            Some(entry.title.clone())
        } else {
            None
        },
        method: settings.method,
        why,
        cmdline_from,
        checks: Vec::new(),
        warnings: warnings.iter().map(|w| w.to_string()).collect(),
        next_entry_env,
        marker,
    };
    // Checked first, so that it is the reason given.
    plan.warnings.extend(firmware.warning());
    if let Some(why) = firmware.refusal() {
        plan.checks
            .push(preflight::Check::failed(FIRMWARE_CHECK, why));
    } else if let Some(clear) = firmware.clear() {
        plan.checks
            .push(preflight::Check::passed(FIRMWARE_CHECK, clear));
    }
    let staged_cmdline = plan.staged_cmdline();
    plan.checks.extend(preflight::run(
        root,
        &preflight::Candidate {
            cmdline: &staged_cmdline,
            ..plan.candidate()
        },
        settings,
    ));
    Ok(plan)
}

/// The token of the marker: this boot's id (what the pending record names as the staging
/// boot), or where the kernel gives none, one made of the time and the process id.
fn marker_token(root: &SysRoot) -> String {
    let id = crate::system::boot_id(root);
    if !id.is_empty() {
        return id;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{nanos:x}-{:x}", std::process::id())
}

/// The grubenv that goes with a menu: beside grub.cfg, or /boot/grub2/grubenv for BLS alone.
fn grubenv_of(menu: &BootMenu) -> String {
    match menu.config_file.rsplit_once('/') {
        Some((dir, _)) if menu.source == Source::Grub2 && !dir.is_empty() => {
            format!("{dir}/grubenv")
        }
        _ => bootloader::bls::GRUBENV.to_string(),
    }
}

/// An entry for a kernel named by path in the config.
fn path_entry(root: &SysRoot, path: &str) -> BootEntry {
    let name = path.rsplit('/').next().unwrap_or(path);
    let version =
        bootloader::version_from_kernel(path).or_else(|| preflight::header_version(root, path));
    BootEntry {
        title: name.to_string(),
        id: None,
        version,
        kernel: path.to_string(),
        initrds: Vec::new(),
        args: String::new(),
        source: Source::Config,
        file: crate::config::DEFAULT_PATH.to_string(),
        line: 0,
        rescue: false,
    }
}
