//! `kexec-reboot`: parse the command line, run the verb, print errors on one line.
//!
//! The binary is entered through C's `main`, not through std's runtime start (`fn main`).
//! Why: `load` runs once on every reboot, in the shutdown path, and std's start does work this
//! program does not need there: it finds the main thread's stack guard by reading
//! `/proc/self/maps` through glibc's `pthread_getattr_np` (`sscanf` on every line), installs
//! SIGSEGV/SIGBUS handlers and maps an alternate signal stack, only to print "has overflowed
//! its stack" where a plain SIGSEGV would end the process anyway (our parsers bound their
//! nesting). Measured in the test VM (QEMU TCG, where each new piece of code is translated
//! first), that start was 8 ms of an empty program's 36 ms of user time and 3,100 of the
//! 47,300 instructions that `load` makes QEMU translate (`bench/README.md`).
//! What std's start does that matters is done here: SIGPIPE ignored (a closed pipe is an
//! error we report, not a silent death) and descriptors 0-2 open (so no file we open lands on
//! them), then standard output flushed at the end.

#![cfg_attr(not(test), no_main)]

/// The entry point and the verb; left out of the unit tests, whose harness has its own `main`.
#[cfg(not(test))]
mod entry {
    use std::ffi::{c_char, c_int, CStr, OsString};
    use std::io::Write;
    use std::os::unix::ffi::OsStringExt;

    use clap::Parser;

    use kexec_reboot::{app, cli::Cli, failure};

    /// The C entry point, called by the C library's start code with the process's arguments.
    ///
    /// # Safety
    /// `argv` must hold `argc` pointers to NUL-terminated strings, as the C runtime passes them.
    #[no_mangle]
    unsafe extern "C" fn main(argc: c_int, argv: *const *const c_char) -> c_int {
        super::prepare_process();
        let args: Vec<OsString> = (0..usize::try_from(argc).unwrap_or(0))
            .map(|i| {
                // SAFETY: the C runtime passes argc valid, NUL-terminated argument strings.
                let arg = unsafe { CStr::from_ptr(*argv.add(i)) };
                OsString::from_vec(arg.to_bytes().to_vec())
            })
            .collect();
        let code = run(args);
        // std's start flushed standard output at exit; nothing else does now.
        let _ = std::io::stdout().flush();
        c_int::from(code)
    }

    fn run(args: Vec<OsString>) -> u8 {
        let cli = Cli::shutdown_fast_path(&args).unwrap_or_else(|| Cli::parse_from(args));
        match app::run(cli) {
            Ok(code) => code,
            Err(err) => {
                eprintln!("kexec-reboot: error: {err:#}");
                failure::exit_code(&err)
            }
        }
    }
}

/// The two parts of std's process start that this program relies on.
fn prepare_process() {
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // SAFETY: poll reads and writes the three pollfd entries of a live array; open and signal
    // take a valid NUL-terminated path and a constant disposition.
    unsafe {
        if libc::poll(fds.as_mut_ptr(), 3, 0) != -1 {
            for f in &fds {
                // A closed descriptor: /dev/null takes its number (the lowest free one).
                if f.revents & libc::POLLNVAL != 0
                    && libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) == -1
                {
                    libc::abort();
                }
            }
        }
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn prepare_process_ignores_sigpipe() {
        super::prepare_process();
        // SAFETY: reads the current disposition only (a null new action changes nothing).
        let old = unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            assert_eq!(
                libc::sigaction(libc::SIGPIPE, std::ptr::null(), &mut old),
                0
            );
            old
        };
        assert_eq!(old.sa_sigaction, libc::SIG_IGN);
    }
}
