//! The Ansible role must run on targets without Python (CentOS 5 has 2.4, 6 has 2.6): every
//! task of ansible/roles/kexec_reboot uses only `raw`, `script`, `wait_for` (on the
//! controller), `set_fact`, `assert`, `fail` or `debug`. This reads each task file and fails on
//! any other module (or any task whose module it cannot tell), and checks the example play sets
//! what the role relies on: no fact gathering, batches, and stopping at the first failure.

use std::fs;
use std::path::{Path, PathBuf};

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
