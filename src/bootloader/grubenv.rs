//! GRUB 2's environment block (`/boot/grub2/grubenv`): `saved_entry`, `next_entry`,
//! `kernelopts`, `tuned_params`, ... that `grub.cfg` pulls in with `load_env`.
//!
//! The file is a 1024-byte block: the line `# GRUB Environment Block`, `key=value` lines (a
//! backslash escapes the next byte, so values may hold `\` and newlines), then `#` padding.
//! GRUB refuses a block without the signature line; so do we (with a warning). A block of the
//! wrong size still works in GRUB, so it is only a warning.

use std::collections::BTreeMap;

use crate::entry::Warning;

/// The signature line GRUB checks.
pub const SIGNATURE: &str = "# GRUB Environment Block\n";
/// The size `grub2-editenv` writes.
pub const BLOCK_SIZE: usize = 1024;

/// The variables of one environment block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grubenv {
    /// Variables in the block (a later line wins over an earlier one, as in GRUB).
    pub vars: BTreeMap<String, String>,
}

impl Grubenv {
    /// The value of `name`, when set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }
}

/// Parses an environment block. `file` is the system path used in warnings.
pub fn parse(bytes: &[u8], file: &str) -> (Grubenv, Vec<Warning>) {
    let mut warnings = Vec::new();
    let mut env = Grubenv::default();
    let Some(body) = bytes.strip_prefix(SIGNATURE.as_bytes()) else {
        warnings.push(Warning::file(
            file,
            "does not start with \"# GRUB Environment Block\", so GRUB ignores it; \
             recreate it with `grub2-editenv FILE create`",
        ));
        return (env, warnings);
    };
    if bytes.len() != BLOCK_SIZE {
        warnings.push(Warning::file(
            file,
            format!(
                "is {} bytes, not {BLOCK_SIZE}; it was edited by hand? \
                 rewrite it with grub2-editenv",
                bytes.len()
            ),
        ));
    }

    let mut line_no = 1usize; // the signature line
    let mut p = 0usize;
    while p < body.len() {
        line_no += 1;
        let start_line = line_no;
        if body[p] == b'#' {
            p = next_line(body, p);
            continue;
        }
        // The name runs to `=`; a line without one is skipped, as GRUB does.
        let name_end = body[p..]
            .iter()
            .position(|&c| c == b'=' || c == b'\n')
            .map(|n| p + n);
        let Some(eq) = name_end.filter(|&n| body[n] == b'=') else {
            let end = next_line(body, p);
            if !body[p..end].iter().all(|c| c.is_ascii_whitespace()) {
                warnings.push(Warning::at(file, start_line, "line without `=` ignored"));
            }
            p = next_line(body, p);
            continue;
        };
        let name = String::from_utf8_lossy(&body[p..eq]).into_owned();
        let mut value = Vec::new();
        let mut q = eq + 1;
        while q < body.len() && body[q] != b'\n' {
            if body[q] == b'\\' && q + 1 < body.len() {
                q += 1;
                if body[q] == b'\n' {
                    line_no += 1;
                }
            }
            value.push(body[q]);
            q += 1;
        }
        if name.is_empty() {
            warnings.push(Warning::at(
                file,
                start_line,
                "line with an empty name ignored",
            ));
        } else {
            env.vars
                .insert(name, String::from_utf8_lossy(&value).into_owned());
        }
        p = q + 1;
    }
    (env, warnings)
}

/// The block without the variable `name` (as `grub2-editenv FILE unset NAME` writes it: the
/// same length, `#` padding), or `None` when the block is not a GRUB block or `name` is not set.
pub fn unset(bytes: &[u8], name: &str) -> Option<Vec<u8>> {
    let body = bytes.strip_prefix(SIGNATURE.as_bytes())?;
    let prefix = format!("{name}=");
    let mut kept = Vec::with_capacity(bytes.len());
    kept.extend_from_slice(SIGNATURE.as_bytes());
    let mut found = false;
    let mut p = 0usize;
    while p < body.len() {
        // The end of this line: the first newline not escaped by a backslash.
        let mut q = p;
        while q < body.len() && body[q] != b'\n' {
            q += if body[q] == b'\\' { 2 } else { 1 };
        }
        let end = (q + 1).min(body.len());
        let line = &body[p..end];
        if line.starts_with(prefix.as_bytes()) {
            found = true;
        } else if !line.iter().all(|&c| c == b'#') {
            kept.extend_from_slice(line);
        }
        p = end;
    }
    if !found {
        return None;
    }
    while kept.len() < bytes.len() {
        kept.push(b'#');
    }
    Some(kept)
}

/// The index just past the end of the line at `p`.
fn next_line(buf: &[u8], p: usize) -> usize {
    buf[p..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(buf.len(), |n| p + n + 1)
}

#[cfg(test)]
pub(crate) fn block(lines: &str) -> Vec<u8> {
    let mut b = format!("{SIGNATURE}{lines}").into_bytes();
    while b.len() < BLOCK_SIZE {
        b.push(b'#');
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_keeps_the_block_size_and_the_other_variables() {
        let b = block("saved_entry=A\nnext_entry=B\nkernelopts=root=/dev/x ro\n");
        let out = unset(&b, "next_entry").expect("next_entry was set");
        assert_eq!(out.len(), BLOCK_SIZE, "same size");
        let (env, w) = parse(&out, "/boot/grub2/grubenv");
        assert!(w.is_empty(), "clean block: {w:?}");
        assert_eq!(env.get("next_entry"), None, "next_entry gone");
        assert_eq!(env.get("saved_entry"), Some("A"));
        assert_eq!(env.get("kernelopts"), Some("root=/dev/x ro"));
        assert_eq!(unset(&out, "next_entry"), None, "nothing to unset twice");
        assert_eq!(unset(b"junk", "next_entry"), None, "not a GRUB block");
    }

    const F: &str = "/boot/grub2/grubenv";

    #[test]
    fn parses_blocks() {
        let rhel8 = "saved_entry=2f1a0e3c4b5d4e6f8a9b0c1d2e3f4a5b-4.18.0-348.el8.x86_64\n\
                     kernelopts=root=/dev/mapper/rhel-root ro crashkernel=auto resume=/dev/mapper/rhel-swap rd.lvm.lv=rhel/root rd.lvm.lv=rhel/swap rhgb quiet \n\
                     boot_success=0\ntuned_params=skew_tick=1\ntuned_initrd=\n";
        /// (name, block, wanted variables, number of warnings)
        type Case<'a> = (&'a str, Vec<u8>, Vec<(&'a str, &'a str)>, usize);
        let cases: Vec<Case> = vec![
            (
                "centos7 saved_entry by title",
                block("saved_entry=CentOS Linux (3.10.0-1160.el7.x86_64) 7 (Core)\n"),
                vec![("saved_entry", "CentOS Linux (3.10.0-1160.el7.x86_64) 7 (Core)")],
                0,
            ),
            (
                "rhel8 kernelopts keeps = and trailing space",
                block(rhel8),
                vec![
                    (
                        "saved_entry",
                        "2f1a0e3c4b5d4e6f8a9b0c1d2e3f4a5b-4.18.0-348.el8.x86_64",
                    ),
                    ("kernelopts", "root=/dev/mapper/rhel-root ro crashkernel=auto resume=/dev/mapper/rhel-swap rd.lvm.lv=rhel/root rd.lvm.lv=rhel/swap rhgb quiet "),
                    ("boot_success", "0"),
                    ("tuned_params", "skew_tick=1"),
                    ("tuned_initrd", ""),
                ],
                0,
            ),
            (
                "escaped backslash and newline",
                block("a=x\\\\y\nb=one\\\ntwo\nc=3\n"),
                vec![("a", "x\\y"), ("b", "one\ntwo"), ("c", "3")],
                0,
            ),
            (
                "later line wins",
                block("saved_entry=0\nsaved_entry=1\n"),
                vec![("saved_entry", "1")],
                0,
            ),
            (
                "hand-edited: short block",
                format!("{SIGNATURE}next_entry=1>0\n").into_bytes(),
                vec![("next_entry", "1>0")],
                1,
            ),
            (
                "no signature: ignored like GRUB does",
                b"saved_entry=0\n".to_vec(),
                vec![],
                1,
            ),
            ("empty file", Vec::new(), vec![], 1),
            (
                "junk line warns",
                block("junk\nsaved_entry=3\n"),
                vec![("saved_entry", "3")],
                1,
            ),
            (
                "trailing backslash at end",
                format!("{SIGNATURE}x=a\\").into_bytes(),
                vec![("x", "a\\")],
                1,
            ),
        ];
        for (name, bytes, want, nwarn) in cases {
            let (env, warnings) = parse(&bytes, F);
            for (k, v) in &want {
                assert_eq!(env.get(k), Some(*v), "{name}: {k}");
            }
            assert_eq!(env.vars.len(), want.len(), "{name}: {:?}", env.vars);
            assert_eq!(warnings.len(), nwarn, "{name}: {warnings:?}");
        }
    }

    #[test]
    fn warning_names_the_line() {
        let (_, w) = parse(&block("saved_entry=1\nnonsense\n"), F);
        assert_eq!(w[0].line, Some(3), "junk on line 3: {w:?}");
        assert_eq!(w[0].file, F);
    }
}
