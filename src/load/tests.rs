//! Tests of the load's bounds: the deadline and kexec-tools' process group.

use super::*;
use std::os::unix::fs::PermissionsExt;

fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            let state = s.rsplit(')').next().unwrap_or("").trim_start();
            !state.starts_with('Z')
        })
        .unwrap_or(false)
}

/// Issue 13, defect 3: at the deadline kexec-tools is killed with its process group, so no
/// child of it lives on to finish a load after "nothing staged".
#[test]
fn a_hanging_kexec_tools_is_killed_with_its_children() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("child.pid");
    let tool = dir.path().join("kexec");
    std::fs::write(
        &tool,
        format!(
            "#!/bin/sh\nsleep 600 &\necho $! >{}\nwait\n",
            pidfile.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
    let settings = Settings {
        kexec_tools: tool.to_string_lossy().into_owned(),
        timeout: Duration::from_secs(1),
        ..Settings::default()
    };
    let err = kexec_tools::run(
        &settings,
        &["-l".to_string()],
        Instant::now() + Duration::from_secs(1),
    )
    .unwrap_err();
    assert!(format!("{err:#}").contains("was killed"), "{err:#}");
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(3);
    while alive(pid) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!alive(pid), "kexec-tools' child {pid} outlived the kill");
}

/// Issue 13, defect 3: the deadline covers what comes before the syscall (joining the
/// initrds), not only the syscall.
#[test]
fn the_deadline_covers_joining_the_initrds() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for n in ["a", "b"] {
        let p = dir.path().join(n);
        std::fs::write(&p, vec![0u8; 4096]).unwrap();
        files.push((n.to_string(), File::open(&p).unwrap()));
    }
    let past = Instant::now()
        .checked_sub(Duration::from_secs(1))
        .unwrap_or_else(Instant::now);
    let err = initrd_file(files, past, Duration::from_secs(1)).unwrap_err();
    assert!(format!("{err:#}").contains("KEXEC_TIMEOUT=1s"), "{err:#}");
}
