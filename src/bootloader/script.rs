//! GRUB 2's script language, as much of it as `grub.cfg` files need: words with quoting and
//! `$var`/`${var}` expansion, `;`/newline separators, `{ }` blocks, `if/elif/else/fi`,
//! `function`, loops, comments and line continuations.
//!
//! [`lex`] and [`parse`] turn text into [`Cmd`]s; [`Env::expand`] expands words the way GRUB
//! does (unquoted variables split into fields, quoted ones stay one word). Never panics: bad
//! input gives [`Problem`]s, nesting deeper than [`MAX_DEPTH`] is cut off.
//!
//! In three parts: `lex` (text → tokens), `parse` (tokens → commands) and `expand` (words →
//! fields, with the variables); the tests of all three are here.

mod expand;
mod lex;
mod parse;

pub use parse::{MAX_DEPTH, TOO_DEEP};

pub use expand::{join_cmdline, Env, Expanded};
pub use lex::{is_name, lex, Piece, Problem, Tok, Word};
pub use parse::{parse, BlockKind, Cmd};

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        let mut e = Env::default();
        for (k, v) in pairs {
            e.set(k, v);
        }
        e
    }

    #[test]
    fn expands_like_grub() {
        let e = env(&[
            ("kernelopts", "root=/dev/sda1 ro  quiet "),
            ("id", "--id"),
            ("empty", ""),
        ]);
        let cases: [(&str, &[&str], &str); 11] = [
            (
                "linux /vmlinuz $kernelopts",
                &["linux", "/vmlinuz", "root=/dev/sda1", "ro", "quiet"],
                "unquoted var splits",
            ),
            (
                "echo \"$kernelopts\"",
                &["echo", "root=/dev/sda1 ro  quiet "],
                "quoted var stays whole",
            ),
            ("a $empty b", &["a", "b"], "empty unquoted var vanishes"),
            ("a \"$empty\" b", &["a", "", "b"], "empty quoted var stays"),
            (
                "menuentry 'T (x)' $id 'gnulinux-1'",
                &["menuentry", "T (x)", "--id", "gnulinux-1"],
                "menuentry_id_option",
            ),
            ("x${id}y", &["x--idy"], "braces"),
            (
                "a\\ b 'c d' e\\\nf",
                &["a b", "c d", "ef"],
                "escapes, continuation",
            ),
            ("echo $ ${unset} $", &["echo", "$", "$"], "bare dollar"),
            (
                "set default=\"${saved_entry}\"",
                &["set", "default="],
                "assignment word",
            ),
            ("# comment\nx # y", &["x"], "comments"),
            ("a'b'\"c\"", &["abc"], "adjacent quotes"),
        ];
        for (text, want, name) in cases {
            let got = e.expand_text(text);
            assert_eq!(got.fields, want, "{name}");
        }
        assert_eq!(e.expand_text("$nope").unset, vec!["nope"], "unset reported");
        let f = e.expand_text("ro 'acpi_osi=Windows 2009' quiet").fields;
        assert_eq!(
            join_cmdline(&f),
            "ro \"acpi_osi=Windows 2009\" quiet",
            "spaces quoted"
        );
    }

    #[test]
    fn parses_structure() {
        let text = "if [ -s $prefix/grubenv ]; then\n  load_env\nfi\n\
                    menuentry 'A' --class x {\n linux /a\n}\n\
                    submenu 'S' { menuentry 'B' { linux /b; } }\n\
                    function f {\n echo\n}\n";
        let (cmds, problems) = parse(text);
        assert!(problems.is_empty(), "no problems: {problems:?}");
        assert_eq!(cmds.len(), 4, "four top-level commands: {cmds:#?}");
        assert!(
            matches!(&cmds[0], Cmd::If { branches, .. } if branches.len() == 1),
            "if"
        );
        assert!(
            matches!(
                &cmds[1],
                Cmd::Block {
                    kind: BlockKind::Menuentry,
                    line: 4,
                    ..
                }
            ),
            "menuentry on line 4"
        );
        match &cmds[2] {
            Cmd::Block {
                kind: BlockKind::Submenu,
                body,
                ..
            } => {
                assert!(
                    matches!(
                        &body[0],
                        Cmd::Block {
                            kind: BlockKind::Menuentry,
                            ..
                        }
                    ),
                    "nested menuentry"
                );
            }
            other => panic!("submenu expected, got {other:?}"),
        }
        assert!(
            matches!(
                &cmds[3],
                Cmd::Block {
                    kind: BlockKind::Function,
                    ..
                }
            ),
            "function"
        );
    }

    #[test]
    fn bad_input_gives_problems_not_panics() {
        let cases = [
            ("menuentry 'x' {\n linux /a\n", "without its closing"),
            ("fi\n", "unexpected `fi`"),
            ("}\n", "unexpected }"),
            ("if true; then\n", "without `fi`"),
            ("echo 'abc", "unterminated"),
            ("echo \"abc", "unterminated"),
            ("menuentry x\n", "no `{`"),
        ];
        for (text, want) in cases {
            let (_, problems) = parse(text);
            assert!(
                problems.iter().any(|p| p.message.contains(want)),
                "{text:?}: want {want:?} in {problems:?}"
            );
        }
        let deep = "{ ".repeat(10_000);
        let (_, problems) = parse(&deep);
        assert!(
            problems.iter().any(|p| p.message.starts_with(TOO_DEEP)),
            "deep nesting cut off"
        );
        for junk in [
            "$",
            "${",
            "\\",
            "'",
            "\"\\",
            "{}",
            "if",
            "if then fi",
            "for",
            "while do",
            "${}",
        ] {
            let _ = parse(junk);
            let _ = Env::default().expand_text(junk);
        }
    }
}
