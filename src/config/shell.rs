//! The line scan of `/etc/sysconfig/kexec`: which lines are `KEY=value`, where, and whether a
//! shell would read them the way we do.
//!
//! The file looks like shell (`KEY=value`, quotes, `#` comments, `export`) and operators edit
//! it as shell, but it is never run by one. So every line is checked against what `sh` would
//! do with it, and anything where a shell would do more than assign a literal string is
//! refused with the file and line: `$VAR`, `${...}`, `$(...)`, backticks, `~`, operators like
//! `;` or `|`, and unquoted spaces (which would run a command).
//!
//! The accepted value forms are those where rust-ini (`enabled_quote`, no escapes) and `sh`
//! give the same string: one unquoted word without quotes or backslashes, one `"..."` string
//! without `$`, backticks or backslash escapes, or one `'...'` string (where `$` and backticks
//! are literal, as in sh). Concatenations (`a"b c"`) and backslash escapes are valid shell
//! but are refused with a message that says how to write the value instead: rust-ini would
//! read them differently, and one way to write a value is enough for a config file.

use anyhow::Result;

use super::error::config_error;
use crate::entry::Warning;

/// One assignment line: the key, the value exactly as written (quotes kept, comment and
/// `export` removed), and its 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLine {
    pub line: usize,
    pub key: String,
    pub token: String,
}

/// Why a line is refused: the message after `file:line: `.
type LineError = String;

/// Scans the whole text. Errors are config failures, one line: `file:line: what; what to do`.
pub fn scan(text: &str, file: &str) -> Result<(Vec<RawLine>, Vec<Warning>)> {
    let mut lines = Vec::new();
    let mut warnings = Vec::new();
    let mut crlf_warned = false;
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => {
            warnings.push(Warning::at(
                file,
                1,
                "a UTF-8 byte order mark starts the file; it is ignored, but save the file \
                 without it",
            ));
            rest
        }
        None => text,
    };
    for (i, raw) in text.split('\n').enumerate() {
        let n = i + 1;
        let line = match raw.strip_suffix('\r') {
            Some(l) => {
                if !crlf_warned {
                    crlf_warned = true;
                    warnings.push(Warning::at(
                        file,
                        n,
                        "DOS (CRLF) line ends; they are ignored, but convert the file with \
                         dos2unix",
                    ));
                }
                l
            }
            None => raw,
        };
        match scan_line(line) {
            Ok(Scanned::Nothing) => {}
            Ok(Scanned::Assign { key, token }) => lines.push(RawLine {
                line: n,
                key: key.to_string(),
                token: token.to_string(),
            }),
            Ok(Scanned::ExportOnly) => warnings.push(Warning::at(
                file,
                n,
                "`export` without a value does nothing here; remove the line",
            )),
            Err(msg) => return Err(config_error(file, n, msg)),
        }
    }
    Ok((lines, warnings))
}

#[derive(Debug, PartialEq, Eq)]
enum Scanned<'a> {
    Nothing,
    ExportOnly,
    Assign { key: &'a str, token: &'a str },
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// Shows a line in a message without making it long.
fn shown(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() > 60 {
        let cut: String = s.chars().take(57).collect();
        format!("{cut}...")
    } else {
        s.to_string()
    }
}

fn scan_line(line: &str) -> Result<Scanned<'_>, LineError> {
    if line.contains('\0') {
        return Err("the line contains a NUL byte; the file must be plain text".to_string());
    }
    let body = line.trim_start_matches([' ', '\t']);
    if body.is_empty() || body.starts_with('#') {
        return Ok(Scanned::Nothing);
    }
    let body = match body.strip_prefix("export") {
        Some(rest) if rest.starts_with([' ', '\t']) => {
            let rest = rest.trim_start_matches([' ', '\t']);
            let word = rest.split([' ', '\t']).next().unwrap_or("");
            if !rest.contains('=') && is_name(word) {
                return Ok(Scanned::ExportOnly);
            }
            rest
        }
        _ => body,
    };
    let Some(eq) = body.find('=') else {
        return Err(format!(
            "`{}` is not a KEY=value line; write KEY=value, or put # in front to make it a \
             comment",
            shown(body)
        ));
    };
    let (key, value) = (&body[..eq], &body[eq + 1..]);
    if !is_name(key) {
        let hint = if key.ends_with([' ', '\t']) || value.starts_with([' ', '\t']) {
            "no spaces are allowed around `=`; write KEY=value".to_string()
        } else {
            "a key is letters, digits and `_`; write KEY=value".to_string()
        };
        return Err(format!("`{}` is not a KEY=value line; {hint}", shown(body)));
    }
    let token = scan_value(key, value)?;
    Ok(Scanned::Assign { key, token })
}

/// The value token of `key=value...`: checks its form and what follows it (only blanks and
/// a `#` comment may). Returns the token as written.
fn scan_value<'a>(key: &str, value: &'a str) -> Result<&'a str, LineError> {
    let end = match value.chars().next() {
        Some('"') => quoted(key, value, '"')?,
        Some('\'') => quoted(key, value, '\'')?,
        _ => unquoted(key, value)?,
    };
    let (token, rest) = value.split_at(end);
    let after = rest.trim_start_matches([' ', '\t']);
    if !(after.is_empty() || after.starts_with('#')) {
        if rest.starts_with([' ', '\t']) {
            return Err(format!(
                "{key}: a space ends the value, and a shell would run `{}` as a command; put \
                 the whole value in quotes: {key}=\"...\"",
                shown(after)
            ));
        }
        return Err(format!(
            "{key}: text right after the closing quote; put the whole value inside one pair \
             of quotes: {key}=\"...\""
        ));
    }
    Ok(token)
}

fn expansion(key: &str, what: &str) -> LineError {
    format!(
        "{key}: {what} would be expanded by a shell, and kexec-reboot never expands anything; \
         write the value out literally (in single quotes if it must hold a `$`)"
    )
}

/// The byte length of a quoted token starting at `value[0] == q`.
fn quoted(key: &str, value: &str, q: char) -> Result<usize, LineError> {
    let mut prev_backslash = false;
    for (i, c) in value.char_indices().skip(1) {
        if c == q {
            if prev_backslash && q == '"' {
                return Err(format!(
                    "{key}: backslash escapes are not supported; write the value in single \
                     quotes"
                ));
            }
            if prev_backslash {
                return Err(format!(
                    "{key}: a backslash before the closing quote is not supported; remove it \
                     or write the value in the other kind of quotes"
                ));
            }
            return Ok(i + c.len_utf8());
        }
        if q == '"' {
            match c {
                '$' => return Err(expansion(key, "`$` inside double quotes")),
                '`' => return Err(expansion(key, "a backquote inside double quotes")),
                '"' | '\\' if prev_backslash => {
                    return Err(format!(
                        "{key}: backslash escapes are not supported; write the value in single \
                         quotes"
                    ))
                }
                _ => {}
            }
        }
        prev_backslash = c == '\\';
    }
    let name = if q == '"' { "double" } else { "single" };
    Err(format!(
        "{key}: the {name} quote is not closed on this line; close it (values are one line)"
    ))
}

/// The byte length of an unquoted token.
fn unquoted(key: &str, value: &str) -> Result<usize, LineError> {
    for (i, c) in value.char_indices() {
        match c {
            ' ' | '\t' => return Ok(i),
            '$' => return Err(expansion(key, "`$`")),
            '`' => return Err(expansion(key, "a backquote")),
            '~' if i == 0 => return Err(expansion(key, "a leading `~`")),
            '"' | '\'' => {
                return Err(format!(
                    "{key}: a quote in the middle of the value; quote the whole value instead: \
                     {key}=\"...\""
                ))
            }
            '\\' => {
                return Err(format!(
                    "{key}: backslashes outside quotes are not supported; write the value in \
                     single quotes"
                ))
            }
            ';' | '&' | '|' | '<' | '>' | '(' | ')' => {
                return Err(format!(
                    "{key}: `{c}` is shell syntax, not part of a value; put the whole value in \
                     quotes: {key}=\"...\""
                ))
            }
            _ => {}
        }
    }
    Ok(value.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_lines() {
        type Case = (
            &'static str,
            &'static str,
            Option<(&'static str, &'static str)>,
        );
        let cases: &[Case] = &[
            ("blank", "", None),
            ("blanks", " \t ", None),
            ("comment", "# KEXEC_KERNEL=x", None),
            ("indented comment", "   # x", None),
            (
                "plain",
                "KEXEC_KERNEL=newest",
                Some(("KEXEC_KERNEL", "newest")),
            ),
            (
                "indented",
                "  KEXEC_KERNEL=newest",
                Some(("KEXEC_KERNEL", "newest")),
            ),
            ("empty", "KEXEC_APPEND=", Some(("KEXEC_APPEND", ""))),
            (
                "empty with comment",
                "KEXEC_APPEND= # none",
                Some(("KEXEC_APPEND", "")),
            ),
            (
                "dq",
                r#"KEXEC_APPEND="a b""#,
                Some(("KEXEC_APPEND", r#""a b""#)),
            ),
            (
                "dq + comment",
                "KEXEC_APPEND=\"a b\"  # why",
                Some(("KEXEC_APPEND", "\"a b\"")),
            ),
            (
                "sq with $",
                "KEXEC_APPEND='a $b `c`'",
                Some(("KEXEC_APPEND", "'a $b `c`'")),
            ),
            (
                "hash inside word",
                "KEXEC_APPEND=a#b",
                Some(("KEXEC_APPEND", "a#b")),
            ),
            (
                "export",
                "export KEXEC_METHOD=file",
                Some(("KEXEC_METHOD", "file")),
            ),
            (
                "export tab",
                "export\tKEXEC_METHOD=file",
                Some(("KEXEC_METHOD", "file")),
            ),
            (
                "equals in value",
                "KEXEC_APPEND=console=ttyS0",
                Some(("KEXEC_APPEND", "console=ttyS0")),
            ),
            (
                "dq backslash literal",
                r#"KEXEC_APPEND="a\b""#,
                Some(("KEXEC_APPEND", r#""a\b""#)),
            ),
            (
                "lower-case key",
                "kexec_kernel=x",
                Some(("kexec_kernel", "x")),
            ),
            (
                "glob chars literal",
                "KEXEC_APPEND=a*b?[c]",
                Some(("KEXEC_APPEND", "a*b?[c]")),
            ),
            (
                "tilde inside",
                "KEXEC_APPEND=a~b",
                Some(("KEXEC_APPEND", "a~b")),
            ),
        ];
        for (name, line, want) in cases {
            let got = scan_line(line).unwrap_or_else(|e| panic!("case {name}: {e}"));
            let want = match want {
                None => Scanned::Nothing,
                Some((key, token)) => Scanned::Assign { key, token },
            };
            assert_eq!(got, want, "case {name}");
        }
        assert_eq!(
            scan_line("export KEXEC_X"),
            Ok(Scanned::ExportOnly),
            "case export only"
        );
    }

    #[test]
    fn refused_lines() {
        // (name, line, a piece of the message)
        let cases: &[(&str, &str, &str)] = &[
            ("no equals", "KEXEC_KERNEL newest", "not a KEY=value line"),
            ("command", "echo hi", "not a KEY=value line"),
            (
                "space before =",
                "KEXEC_KERNEL =x",
                "no spaces are allowed around `=`",
            ),
            ("space after =", "KEXEC_KERNEL= x", "run `x` as a command"),
            ("bad key", "KEXEC-KERNEL=x", "a key is letters"),
            ("digit key", "1KEY=x", "a key is letters"),
            ("dollar", "KEXEC_APPEND=$X", "`$` would be expanded"),
            ("braces", "KEXEC_APPEND=${X}", "`$` would be expanded"),
            (
                "command subst",
                "KEXEC_APPEND=$(id)",
                "`$` would be expanded",
            ),
            (
                "dq dollar",
                "KEXEC_APPEND=\"a $X\"",
                "`$` inside double quotes",
            ),
            (
                "backquote",
                "KEXEC_APPEND=`id`",
                "a backquote would be expanded",
            ),
            (
                "dq backquote",
                "KEXEC_APPEND=\"`id`\"",
                "a backquote inside double quotes",
            ),
            ("tilde", "KEXEC_TOOLS=~/kexec", "a leading `~`"),
            ("unquoted space", "KEXEC_APPEND=a b", "run `b` as a command"),
            ("semicolon", "KEXEC_APPEND=a;b", "`;` is shell syntax"),
            ("pipe", "KEXEC_APPEND=a|b", "`|` is shell syntax"),
            (
                "quote mid word",
                "KEXEC_APPEND=a\"b c\"",
                "a quote in the middle",
            ),
            (
                "text after quote",
                "KEXEC_APPEND=\"a\"b",
                "text right after the closing quote",
            ),
            (
                "unclosed dq",
                "KEXEC_APPEND=\"a b",
                "double quote is not closed",
            ),
            (
                "unclosed sq",
                "KEXEC_APPEND='a b",
                "single quote is not closed",
            ),
            (
                "unquoted backslash",
                "KEXEC_APPEND=a\\ b",
                "backslashes outside quotes",
            ),
            (
                "continuation",
                "KEXEC_APPEND=a\\",
                "backslashes outside quotes",
            ),
            (
                "dq escape",
                r#"KEXEC_APPEND="a\"b""#,
                "backslash escapes are not supported",
            ),
            (
                "backslash before close",
                r"KEXEC_APPEND='a\'",
                "backslash before the closing quote",
            ),
            ("nul", "KEXEC_APPEND=a\0b", "NUL byte"),
        ];
        for (name, line, piece) in cases {
            match scan_line(line) {
                Ok(s) => panic!("case {name}: accepted as {s:?}"),
                Err(e) => {
                    assert!(e.contains(piece), "case {name}: {e:?} lacks {piece:?}");
                    assert!(!e.contains('\n'), "case {name}: one line");
                }
            }
        }
    }

    #[test]
    fn scan_numbers_lines_and_warns() {
        let text =
            "\u{feff}# c\r\nKEXEC_KERNEL=newest\r\n\r\nexport KEXEC_METHOD=file\nexport KEXEC_X\n";
        let (lines, warnings) = scan(text, "/etc/sysconfig/kexec").expect("scans");
        let got: Vec<(usize, &str, &str)> = lines
            .iter()
            .map(|l| (l.line, l.key.as_str(), l.token.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![(2, "KEXEC_KERNEL", "newest"), (4, "KEXEC_METHOD", "file")],
            "case mixed file"
        );
        let shown: Vec<String> = warnings.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 3, "case warnings: {shown:?}");
        assert!(
            shown[0].starts_with("/etc/sysconfig/kexec:1: a UTF-8 byte order mark"),
            "{shown:?}"
        );
        assert!(
            shown[1].starts_with("/etc/sysconfig/kexec:1: DOS (CRLF)"),
            "{shown:?}"
        );
        assert!(
            shown[2].starts_with("/etc/sysconfig/kexec:5: `export` without"),
            "{shown:?}"
        );
    }
}
