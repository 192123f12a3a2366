//! kexec-reboot: stage the right kernel at shutdown so that a sysvinit/initscripts reboot comes
//! back through kexec instead of firmware POST.
//!
//! The flow of one reboot: [`config`] (what the operator asked) → [`bootloader`] (boot entries)
//! → [`select`] (which one) → [`cmdline`] → [`preflight`] (is it bootable) → [`load`] (the only
//! module that talks to the running kernel) → [`state`] and [`log`]. [`plan`] ties the pure
//! parts together so that what would be loaded can be shown without loading it.

pub mod app;
pub mod bootloader;
pub mod cli;
pub mod cmdline;
pub mod config;
pub mod confirm;
pub mod context;
pub mod efivars;
pub mod entry;
pub mod failure;
#[cfg(feature = "fake-kernel")]
pub mod fake_kernel;
pub mod firmware_plan;
pub mod kernel_image;
pub mod kexec_tools;
pub mod load;
pub mod lock;
pub mod log;
pub mod manpage;
pub mod plan;
pub mod preflight;
pub mod releases;
pub mod report;
pub mod root;
pub mod select;
pub mod stage;
pub mod state;
pub mod system;
pub mod trust;
pub mod version;
