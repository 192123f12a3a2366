//! What the binary's own process start (src/main.rs: C `main`, not std's runtime start) must
//! still do: keep descriptors 0-2 taken so that no file it opens lands on them, report a
//! closed pipe instead of dying of SIGPIPE, and pass every argument through byte for byte.

mod common;
use common::fake_root::{stderr, Tree};

use std::ffi::OsStr;
use std::fs;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kexec-reboot"))
}

/// Every regular file in the tree whose bytes contain `needle`.
fn files_containing(dir: &std::path::Path, needle: &[u8], found: &mut Vec<String>) {
    for e in fs::read_dir(dir).expect("reading the tree") {
        let e = e.expect("a directory entry");
        let ty = e.file_type().expect("a file type");
        if ty.is_dir() {
            files_containing(&e.path(), needle, found);
        } else if ty.is_file() {
            let bytes = fs::read(e.path()).unwrap_or_default();
            if bytes.windows(needle.len()).any(|w| w == needle) {
                found.push(e.path().display().to_string());
            }
        }
    }
}

#[test]
fn with_stderr_closed_no_message_lands_in_a_file() {
    let t = Tree::new("centos6-saved");
    let mut cmd = bin();
    cmd.arg("--root")
        .arg(t.path())
        .args(["--fake-kernel", "load", "--reason", "test"]);
    // SAFETY: close is async-signal-safe and touches only the child's descriptors.
    unsafe {
        cmd.pre_exec(|| {
            libc::close(2);
            Ok(())
        });
    }
    let o = cmd.output().expect("running kexec-reboot");
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(t.loaded(), "the load itself must still happen");
    // Without the start's care, the first file opened (the lock file) would take descriptor 2
    // and the "staged ..." line would be written into it.
    let mut found = Vec::new();
    files_containing(t.path(), b"kexec-reboot: ", &mut found);
    assert!(found.is_empty(), "console text written into {found:?}");
    let state = t.read("var/run/kexec-reboot.state");
    assert!(state.trim_start().starts_with('{'), "{state}");
}

#[test]
fn a_closed_pipe_on_stdout_is_not_a_silent_sigpipe_death() {
    let t = Tree::new("centos6-saved");
    let mut fds = [0; 2];
    // SAFETY: pipe fills two descriptors that are owned below.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: both descriptors were just created and nothing else owns them.
    let (read_end, write_end) =
        unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read_end);
    let o = bin()
        .arg("--root")
        .arg(t.path())
        .arg("plan")
        .stdout(Stdio::from(write_end))
        .output()
        .expect("running kexec-reboot");
    assert_ne!(
        o.status.signal(),
        Some(libc::SIGPIPE),
        "killed by SIGPIPE: {o:?}"
    );
    assert!(
        !o.status.success(),
        "writing to a closed pipe cannot succeed"
    );
}

#[test]
fn arguments_arrive_byte_for_byte() {
    // A --root that is not UTF-8 and holds a fixture: it is found, so the bytes went through
    // unchanged (a lossy conversion would name a directory that does not exist). The copy is
    // moved under a fresh temporary directory, which removes it when the test ends.
    let base = tempfile::tempdir().expect("tempdir");
    let odd = base
        .path()
        .join(OsStr::from_bytes(b"kexec-reboot-start-\xff-test"));
    fs::rename(common::copy_fixture("centos6-saved").keep(), &odd).expect("moving the copy");
    let o = bin()
        .arg("--root")
        .arg(&odd)
        .arg("plan")
        .output()
        .expect("running kexec-reboot");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("2.6.32-696.el6.x86_64"),
        "{o:?}"
    );
}
