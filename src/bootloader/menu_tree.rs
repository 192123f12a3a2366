//! GRUB's menu as a tree, and which entry a `default` value (`2`, a title, an `--id`, a
//! `1>0` submenu path) picks in it. Shared by the GRUB 2 and BLS-alone menus.

use crate::entry::{DefaultEntry, Warning};

/// A node of GRUB's menu tree, with the index of the entry we made from it (if any).
#[derive(Debug, Clone)]
pub enum Node {
    /// A bootable (or not) entry.
    Entry {
        /// Index into `BootMenu::entries`; `None` when we could not make an entry of it.
        index: Option<usize>,
        /// Title.
        title: String,
        /// `--id`.
        id: Option<String>,
        /// Defined under a condition we could not evaluate.
        uncertain: bool,
    },
    /// A submenu and its nodes.
    Submenu {
        /// Title.
        title: String,
        /// `--id`.
        id: Option<String>,
        /// Under an unevaluated condition.
        uncertain: bool,
        /// Its nodes.
        children: Vec<Node>,
    },
}

impl Node {
    /// An entry node.
    pub fn entry(index: Option<usize>, title: &str, id: Option<&str>, uncertain: bool) -> Node {
        Node::Entry {
            index,
            title: title.to_string(),
            id: id.map(str::to_string),
            uncertain,
        }
    }

    fn names(&self) -> (&str, Option<&str>, bool) {
        match self {
            Node::Entry {
                title,
                id,
                uncertain,
                ..
            }
            | Node::Submenu {
                title,
                id,
                uncertain,
                ..
            } => (title, id.as_deref(), *uncertain),
        }
    }
}

/// Splits a default on `>` (a doubled `>>` is a literal `>`, as GRUB's menuentry_eq has it).
fn split_path(spec: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '>' {
            if chars.peek() == Some(&'>') {
                chars.next();
                if let Some(last) = parts.last_mut() {
                    last.push('>');
                }
            } else {
                parts.push(String::new());
            }
        } else if let Some(last) = parts.last_mut() {
            last.push(c);
        }
    }
    parts
}

/// How a default that names no entry reads once it has fallen back to the first entry.
pub const FELL_BACK: &str = "names no entry, so the first entry, as GRUB does";

/// Which entry a GRUB `default` value picks. `value` `None` means unknown; `""` means unset
/// (the first entry). `how` describes the value for messages; `file` is blamed.
pub fn resolve_default(nodes: &[Node], value: Option<&str>, how: &str, file: &str) -> DefaultEntry {
    let fail = |msg: String| DefaultEntry::Unresolved(Warning::file(file, msg));
    let Some(value) = value else {
        return fail(format!(
            "the default entry depends on a condition in {file} we cannot evaluate; \
             set KEXEC_KERNEL to name the kernel"
        ));
    };
    let parts = if value.is_empty() {
        vec!["0".to_string()]
    } else {
        split_path(value)
    };
    let mut level = nodes;
    let last = parts.len() - 1;
    for (depth, part) in parts.iter().enumerate() {
        // RHEL's GRUB tries ids, then titles, then a number (strtoul: leading digits count);
        // upstream tries the number first, which misreads ids that start with a digit
        // (machine-ids in BLS ids do).
        let by_name = level
            .iter()
            .position(|n| n.names().1 == Some(part.as_str()))
            .or_else(|| level.iter().position(|n| n.names().0 == part));
        let digits: String = part
            .trim_start()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let by_number = by_name.is_none() && !digits.is_empty();
        let found = by_name.or_else(|| digits.parse::<usize>().ok().filter(|&k| k < level.len()));
        let Some(k) = found else {
            // GRUB boots the first entry when the default names none (normal/menu.c: a default
            // out of range becomes 0); so do we, unless that first item is not a plain entry.
            if depth == 0 {
                if let Some(Node::Entry {
                    index: Some(i),
                    uncertain: false,
                    ..
                }) = level.first()
                {
                    return DefaultEntry::Index(*i, format!("{how} {FELL_BACK}"));
                }
            }
            return fail(format!(
                "{how} names no entry (GRUB would boot the first one); \
                 pick one with grub2-set-default"
            ));
        };
        let node_uncertain = level[..=k].iter().any(|n| n.names().2);
        if (!by_number && level[k].names().2) || (by_number && node_uncertain) {
            return fail(format!(
                "{how} picks an entry defined under a condition we cannot evaluate; \
                 set KEXEC_KERNEL to name the kernel"
            ));
        }
        match &level[k] {
            Node::Entry { index, title, .. } if depth == last => {
                return match index {
                    Some(i) => DefaultEntry::Index(*i, how.to_string()),
                    None => fail(format!(
                        "{how} picks \"{title}\", which is not a Linux entry we can load; \
                         pick another with grub2-set-default"
                    )),
                };
            }
            Node::Entry { title, .. } => {
                return fail(format!("{how}: \"{title}\" is an entry, not a submenu"));
            }
            Node::Submenu {
                children, title, ..
            } => {
                if depth == last {
                    return fail(format!(
                        "{how} picks the submenu \"{title}\", not an entry; \
                         use a path such as \"1>0\" with grub2-set-default"
                    ));
                }
                level = children;
            }
        }
    }
    fail(format!("{how} names no entry"))
}
