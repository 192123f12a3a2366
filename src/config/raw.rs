//! The first layer: every `KEY=value` of the file as written, with its line (the line scan in
//! `shell` plus rust-ini for the values).

use std::collections::HashMap;

use anyhow::Result;
use ini::{Ini, ParseOption};

use super::error::config_error;
use super::shell;
use crate::entry::Warning;

/// One `KEY=value` as written: the value after quote removal, and its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawValue {
    pub key: String,
    pub value: String,
    pub line: usize,
}

/// The options rust-ini reads values with: quotes as in sh (the line scan only lets through
/// forms where the two agree), no backslash escapes, one line per value.
fn ini_options() -> ParseOption {
    ParseOption {
        enabled_quote: true,
        enabled_escape: false,
        enabled_indented_mutiline_value: false,
        enabled_preserve_key_leading_whitespace: false,
    }
}

/// Every assignment of the file, in file order, with the warnings of the line scan.
///
/// rust-ini gives no line numbers and its syntax is not sh's (`:` as separator, `[sections]`,
/// no `export`, comments only on their own line, quotes only at the start of a value), so
/// rust-ini never sees the file itself: the line scan checks each line and hands rust-ini a
/// document of `KEY=token` lines at the same line numbers, which rust-ini reads into the values
/// (duplicates kept in order).
pub fn parse_raw(text: &str, file: &str) -> Result<(Vec<RawValue>, Vec<Warning>)> {
    let (lines, warnings) = shell::scan(text, file)?;
    let mut doc = String::new();
    let mut at = 1;
    for l in &lines {
        while at < l.line {
            doc.push('\n');
            at += 1;
        }
        doc.push_str(&l.key);
        doc.push('=');
        doc.push_str(&l.token);
        doc.push('\n');
        at += 1;
    }
    let ini = Ini::load_from_str_opt(&doc, ini_options()).map_err(|e| {
        config_error(
            file,
            e.line,
            format!(
                "the value cannot be read ({}); write it as KEY=\"...\"",
                e.msg
            ),
        )
    })?;
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut out = Vec::with_capacity(lines.len());
    for l in &lines {
        let nth = seen.entry(l.key.as_str()).or_insert(0);
        let value = ini
            .section(None::<String>)
            .and_then(|p| p.get_all(&l.key).nth(*nth))
            .ok_or_else(|| {
                config_error(
                    file,
                    l.line,
                    format!(
                        "{}: the value cannot be read; write it as KEY=\"...\"",
                        l.key
                    ),
                )
            })?;
        *nth += 1;
        out.push(RawValue {
            key: l.key.clone(),
            value: value.to_string(),
            line: l.line,
        });
    }
    Ok((out, warnings))
}
