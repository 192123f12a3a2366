//! The Ansible role must run on targets without Python (CentOS 5 has 2.4, 6 has 2.6): every
//! task of ansible/roles/kexec_reboot uses only `raw`, `script`, `wait_for` (on the
//! controller), `set_fact`, `assert`, `fail` or `debug`. This reads each task file and fails on
//! any other module (or any task whose module it cannot tell), and checks the example play sets
//! what the role relies on: no fact gathering, batches, and stopping at the first failure.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const ALLOWED: &[&str] = &[
    "raw", "script", "wait_for", "set_fact", "assert", "fail", "debug",
];

/// Task keywords that are not modules (the ones a task of this role may carry).
const KEYWORDS: &[&str] = &[
    "name",
    "when",
    "register",
    "changed_when",
    "failed_when",
    "ignore_errors",
    "ignore_unreachable",
    "until",
    "retries",
    "delay",
    "delegate_to",
    "run_once",
    "vars",
    "tags",
    "no_log",
    "become",
    "become_user",
    "environment",
    "loop",
    "loop_control",
    "args",
    "timeout",
    "any_errors_fatal",
];

fn role() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ansible/roles/kexec_reboot")
}

/// The module of each task in a task file: the one top-level key of the task that is not a
/// keyword. Tasks are the `- ` items at column 0.
fn modules(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut start = None;
    let mut keys: Vec<String> = Vec::new();
    let flush = |start: Option<usize>, keys: &mut Vec<String>, out: &mut Vec<(usize, String)>| {
        if let Some(line) = start {
            let mods: Vec<&String> = keys
                .iter()
                .filter(|k| !KEYWORDS.contains(&k.as_str()))
                .collect();
            match mods.as_slice() {
                [one] => out.push((line, (*one).clone())),
                _ => out.push((line, format!("(cannot tell: keys {keys:?})"))),
            }
        }
        keys.clear();
    };
    for (i, line) in text.lines().enumerate() {
        let key_of = |rest: &str| {
            rest.split_once(':')
                .map(|(k, _)| k.trim().to_string())
                .filter(|k| !k.is_empty() && !k.contains(' '))
        };
        if let Some(rest) = line.strip_prefix("- ") {
            flush(start, &mut keys, &mut out);
            start = Some(i + 1);
            keys.extend(key_of(rest));
        } else if let Some(rest) = line.strip_prefix("  ") {
            if start.is_some() && !rest.starts_with(' ') && !rest.starts_with('#') {
                keys.extend(key_of(rest));
            }
        }
    }
    flush(start, &mut keys, &mut out);
    out
}

#[test]
fn the_role_uses_no_module_that_needs_python_on_the_target() {
    let tasks = role().join("tasks");
    let mut files: Vec<PathBuf> = fs::read_dir(&tasks)
        .unwrap_or_else(|e| panic!("reading {}: {e}", tasks.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no task files in {}", tasks.display());
    let mut seen = 0;
    let mut bad = Vec::new();
    for f in &files {
        let text = fs::read_to_string(f).unwrap();
        for (line, module) in modules(&text) {
            seen += 1;
            let short = module.strip_prefix("ansible.builtin.").unwrap_or(&module);
            if !ALLOWED.contains(&short) {
                bad.push(format!("{}:{line}: {module}", f.display()));
            }
        }
    }
    assert!(
        seen >= 10,
        "only {seen} tasks found: is the parser reading the role?"
    );
    assert!(
        bad.is_empty(),
        "modules other than {ALLOWED:?} (they need Python on the target):\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_check_catches_a_python_module() {
    let text = "- name: ok\n  ansible.builtin.raw: uname -r\n  register: x\n\
                - name: bad\n  ansible.builtin.command: uname -r\n  changed_when: false\n\
                - name: bad too\n  reboot:\n    reboot_timeout: 600\n";
    let got: Vec<String> = modules(text).into_iter().map(|(_, m)| m).collect();
    assert_eq!(
        got,
        ["ansible.builtin.raw", "ansible.builtin.command", "reboot"]
    );
}

#[test]
fn the_role_keeps_no_code_outside_the_checked_tasks() {
    // Everything the grep must see is in tasks/: no handlers, no library of modules.
    for d in ["handlers", "library", "module_utils", "action_plugins"] {
        assert!(
            !role().join(d).exists(),
            "{d}/ in the role escapes the module check"
        );
    }
}

#[test]
fn the_example_play_gathers_no_facts_and_stops_at_the_first_failure() {
    let play = Path::new(env!("CARGO_MANIFEST_DIR")).join("ansible/examples/rolling-reboot.yml");
    let text = fs::read_to_string(&play).unwrap();
    for want in [
        "gather_facts: false",
        "any_errors_fatal: true",
        "max_fail_percentage: 0",
        "serial: \"{{ kexec_reboot_serial | default(1) }}\"",
    ] {
        assert!(text.contains(want), "{} lacks `{want}`", play.display());
    }
}

// ---- the verdict after the reboot, run by the real ansible-core on cases ------------------------

/// ansible-playbook from tests/deps.sh's virtualenv (target/ansible), if there.
fn ansible_playbook() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ansible/bin/ansible-playbook");
    p.exists().then_some(p)
}

/// One case: what status --json and the host said after the reboot.
struct Case {
    name: &'static str,
    /// uname -r, boot id, /proc/cmdline after the reboot.
    lines: [&'static str; 3],
    status: serde_json::Value,
}

const WANT_VERSION: &str = "5.14.0-503.el9.x86_64";
const WANT_CMDLINE: &str = "root=/dev/mapper/rl-root ro crashkernel=auto";

/// Runs the role's `_kr_verdict` (vars/main.yml) on every case in one play on localhost:
/// the case's name -> the verdict (state, reason, via).
fn verdicts(cases: &[Case]) -> Option<Vec<(String, serde_json::Value)>> {
    let Some(playbook) = ansible_playbook() else {
        println!(
            "skipped: the verdict cases need ansible-core in target/ansible (sh tests/deps.sh)"
        );
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let cases_json: Vec<serde_json::Value> = cases
        .iter()
        .map(|c| {
            serde_json::json!({
                "name": c.name,
                "lines": c.lines,
                "status": c.status,
            })
        })
        .collect();
    let extra = serde_json::json!({
        "cases": cases_json,
        "kexec_reboot_result": {
            "state": "ready", "before": "5.14.0-427.el9.x86_64", "boot_id": "boot-before",
            "service": "on", "reason": "", "want_version": WANT_VERSION, "want_cmdline": WANT_CMDLINE,
        },
        "_kr_refused": "",
        "_kr_up": {"failed": false, "changed": false, "elapsed": 40},
        "_kr_after": {"unreachable": false},
        "_kr_t0": 1000,
        "_kr_t1": 1042,
    });
    fs::write(dir.path().join("extra.json"), extra.to_string()).unwrap();
    let role = role();
    let play = format!(
        "- hosts: localhost\n  gather_facts: false\n  vars_files:\n    - {d}/defaults/main.yml\n    - {d}/vars/main.yml\n  tasks:\n    - name: verdict\n      ansible.builtin.debug:\n        msg: \"@@CASE {{{{ item.name }}}} @@ {{{{ _kr_verdict_result | to_json }}}} @@END\"\n      loop: \"{{{{ cases }}}}\"\n      loop_control:\n        label: \"{{{{ item.name }}}}\"\n      vars:\n        _kr_lines: \"{{{{ item.lines }}}}\"\n        _kr_status: \"{{{{ item.status }}}}\"\n",
        d = role.display()
    );
    fs::write(dir.path().join("play.yml"), play).unwrap();
    let out = Command::new(playbook)
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .env("ANSIBLE_LOCAL_TEMP", dir.path().join("tmp"))
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_STDOUT_CALLBACK", "default")
        .args([
            "-i",
            "localhost,",
            "-c",
            "local",
            "play.yml",
            "-e",
            "@extra.json",
        ])
        .output()
        .expect("running ansible-playbook");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "ansible-playbook failed:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut got = Vec::new();
    for part in text.split("@@CASE ").skip(1) {
        let (name, rest) = part.split_once(" @@ ").unwrap();
        let json = rest.split(" @@END").next().unwrap();
        // The debug callback prints the message as a JSON string: undo its escaping.
        let json: String = serde_json::from_str(&format!("\"{json}\"")).unwrap();
        got.push((name.to_string(), serde_json::from_str(&json).unwrap()));
    }
    assert_eq!(got.len(), cases.len(), "not every case ran:\n{text}");
    Some(got)
}

#[test]
fn the_verdict_goes_by_the_proof_of_how_the_host_came_back() {
    let staged = serde_json::json!({"version": WANT_VERSION, "kernel": "/boot/vmlinuz-5.14.0-503.el9.x86_64"});
    let cmdline_after_kexec = "BOOT_IMAGE=(hd0,gpt2)/vmlinuz-5.14.0-503.el9.x86_64 root=/dev/mapper/rl-root ro crashkernel=auto kexec_reboot.boot=boot-before";
    let cases = [
        Case {
            name: "kexec, confirmed by proof",
            lines: [WANT_VERSION, "boot-after", cmdline_after_kexec],
            status: serde_json::json!({"confirmed": {"boot_id": "boot-after", "staged": staged}, "unconfirmed": null, "boot": {}}),
        },
        Case {
            // What `confirm` writes (phase 0): this boot's record says how it came.
            name: "kexec, said in this boot's record",
            lines: [WANT_VERSION, "boot-after", cmdline_after_kexec],
            status: serde_json::json!({"confirmed": null, "unconfirmed": null, "boot": {"boot_id": "boot-after", "came": "kexec"}}),
        },
        Case {
            name: "kexec, said in came",
            lines: [WANT_VERSION, "boot-after", cmdline_after_kexec],
            status: serde_json::json!({"came": "kexec", "confirmed": {"boot_id": "boot-after"}, "boot": {}}),
        },
        Case {
            // The case: a hung kexec, then a power cycle into the same default through
            // GRUB: the same kernel and command line, no proof.
            name: "firmware boot of the same kernel",
            lines: [WANT_VERSION, "boot-after", "BOOT_IMAGE=(hd0,gpt2)/vmlinuz-5.14.0-503.el9.x86_64 root=/dev/mapper/rl-root ro crashkernel=auto"],
            status: serde_json::json!({"confirmed": null, "unconfirmed": {"staged": staged, "running_version": WANT_VERSION}, "boot": {}}),
        },
        Case {
            name: "watchdog reset after a kexec",
            lines: [WANT_VERSION, "boot-after", "root=/dev/mapper/rl-root ro crashkernel=auto"],
            status: serde_json::json!({"confirmed": null, "unconfirmed": {"staged": staged, "came": "watchdog-reset"}, "boot": {}}),
        },
        Case {
            name: "a confirmation of another boot is no proof",
            lines: [WANT_VERSION, "boot-after", "root=/dev/mapper/rl-root ro crashkernel=auto"],
            status: serde_json::json!({"confirmed": {"boot_id": "boot-long-ago"}, "boot": {}}),
        },
        Case {
            name: "kexec into another kernel",
            lines: ["5.14.0-427.el9.x86_64", "boot-after", "root=/dev/mapper/rl-root ro crashkernel=auto"],
            status: serde_json::json!({"confirmed": {"boot_id": "boot-after"}, "boot": {}}),
        },
        Case {
            name: "did not reboot",
            lines: ["5.14.0-427.el9.x86_64", "boot-before", "root=/dev/mapper/rl-root ro"],
            status: serde_json::json!({"boot": {}}),
        },
    ];
    let Some(got) = verdicts(&cases) else { return };
    let get = |name: &str| {
        got.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no verdict for {name}"))
    };
    for name in [
        "kexec, confirmed by proof",
        "kexec, said in came",
        "kexec, said in this boot's record",
    ] {
        let v = get(name);
        assert_eq!(v["state"], "done", "{name}: {v}");
        assert_eq!(v["via"], "kexec", "{name}: {v}");
        assert_eq!(v["down"], 42, "{name}: {v}");
    }
    let v = get("firmware boot of the same kernel");
    assert_eq!(v["state"], "failed", "{v}");
    assert_eq!(v["via"], "firmware", "{v}");
    let why = v["reason"].as_str().unwrap();
    assert!(
        why.starts_with(&format!("came back through the firmware, in {WANT_VERSION} (the plan was a kexec into {WANT_VERSION})")),
        "{why}"
    );
    assert!(
        why.contains(&format!("({WANT_VERSION} never came up)")),
        "{why}"
    );
    assert!(why.contains("kexec-reboot status --clear"), "{why}");

    let v = get("watchdog reset after a kexec");
    assert_eq!(v["state"], "failed", "{v}");
    assert_eq!(v["via"], "firmware (watchdog reset after a kexec)", "{v}");
    assert!(
        v["reason"]
            .as_str()
            .unwrap()
            .starts_with("came back through the firmware (watchdog reset after a kexec), in "),
        "{v}"
    );

    let v = get("a confirmation of another boot is no proof");
    assert_eq!(
        (v["state"].as_str(), v["via"].as_str()),
        (Some("failed"), Some("firmware")),
        "{v}"
    );

    let v = get("kexec into another kernel");
    assert_eq!(v["state"], "failed", "{v}");
    assert_eq!(
        v["reason"],
        format!("came back in 5.14.0-427.el9.x86_64 via kexec, the plan was {WANT_VERSION}")
    );

    let v = get("did not reboot");
    assert_eq!(
        v["reason"], "did not reboot (the same boot id boot-before)",
        "{v}"
    );
}
