//! Saying what happened: one line on stderr (the console during a reboot) and the same line in
//! syslog (facility daemon, tag `kexec-reboot`). If syslog is unreachable, stderr alone.

use syslog::{Facility, Formatter3164};

type SysLogger = syslog::Logger<syslog::LoggerBackend, Formatter3164>;

/// Where messages go.
pub struct Log {
    syslog: Option<SysLogger>,
    quiet: bool,
}

impl Log {
    /// A log that also writes to syslog when `use_syslog` (never for `--root` trees).
    pub fn new(use_syslog: bool, quiet: bool) -> Self {
        let syslog = if use_syslog {
            syslog::unix(Formatter3164 {
                facility: Facility::LOG_DAEMON,
                hostname: None,
                process: "kexec-reboot".to_string(),
                pid: std::process::id(),
            })
            .ok()
        } else {
            None
        };
        Log { syslog, quiet }
    }

    /// An event worth the operator's attention (staged, kept, unloaded).
    pub fn notice(&mut self, msg: &str) {
        if !self.quiet {
            eprintln!("kexec-reboot: {msg}");
        }
        if let Some(s) = &mut self.syslog {
            let _ = s.notice(msg);
        }
    }

    /// A warning (odd input that did not stop us).
    pub fn warning(&mut self, msg: &str) {
        if !self.quiet {
            eprintln!("kexec-reboot: warning: {msg}");
        }
        if let Some(s) = &mut self.syslog {
            let _ = s.warning(msg);
        }
    }

    /// An error, to syslog only: `main` prints errors on stderr itself.
    pub fn error_to_syslog(&mut self, msg: &str) {
        if let Some(s) = &mut self.syslog {
            let _ = s.err(format!("error: {msg}"));
        }
    }
}
