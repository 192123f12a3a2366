//! Failures a caller must tell apart, each with its exit code (see `kexec-reboot --help`).

use std::fmt;

/// Why nothing was staged, as far as the exit code goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The config file is invalid (exit 3).
    Config,
    /// No bootable kernel: no entry matched or a preflight check failed (exit 4).
    NoKernel,
    /// The running kernel or kexec-tools refused or failed the load (exit 5).
    Load,
    /// Staging skipped on purpose (exit 6).
    Skipped,
    /// A load was given up at the deadline but may still complete in the kernel (exit 5, like
    /// [`Kind::Load`]): never reported as "nothing staged"; the caller unloads once this
    /// process has ended (`kexec-reboot unload --ours`).
    InFlight,
}

impl Kind {
    /// The process exit code for this kind.
    pub fn exit_code(self) -> u8 {
        match self {
            Kind::Config => 3,
            Kind::NoKernel => 4,
            Kind::Load | Kind::InFlight => 5,
            Kind::Skipped => 6,
        }
    }
}

/// An error with a [`Kind`]; the message is the one line an operator reads.
#[derive(Debug)]
pub struct Failure {
    pub kind: Kind,
    pub message: String,
}

impl Failure {
    /// A failure of `kind` saying `message`.
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Failure {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// The [`Kind`] of an error: the first [`Failure`] in its chain.
pub fn kind(err: &anyhow::Error) -> Option<Kind> {
    err.chain()
        .find_map(|e| e.downcast_ref::<Failure>())
        .map(|f| f.kind)
}

/// The exit code for an error: the first [`Failure`] in its chain, else 1.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    err.chain()
        .find_map(|e| e.downcast_ref::<Failure>())
        .map(|f| f.kind.exit_code())
        .unwrap_or(1)
}

/// The same error with `suffix` after its whole message, keeping its [`Kind`] (exit code).
/// Used where the consequence belongs at the end of the line: "…; nothing staged".
pub fn with_suffix(err: anyhow::Error, suffix: &str) -> anyhow::Error {
    let kind = err
        .chain()
        .find_map(|e| e.downcast_ref::<Failure>())
        .map(|f| f.kind);
    let message = format!("{err:#}; {suffix}");
    match kind {
        Some(kind) => Failure::new(kind, message).into(),
        None => anyhow::Error::msg(message),
    }
}
