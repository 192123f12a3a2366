//! Expanding GRUB 2 words with the variables: unquoted variables split into fields, quoted
//! ones stay one word; values that depend on a condition we could not evaluate are "unknown".

use std::collections::HashMap;

use super::lex::{lex, Piece, Tok, Word};

/// Joins expanded arguments into a kernel command line as GRUB's linux loader does: an
/// argument holding a space is put in double quotes (`"` and `\` inside are escaped).
pub fn join_cmdline(fields: &[String]) -> String {
    let quote = |f: &String| {
        if f.contains(' ') {
            let esc = f.replace('\\', "\\\\").replace('"', "\\\"");
            format!("\"{esc}\"")
        } else {
            f.clone()
        }
    };
    fields.iter().map(quote).collect::<Vec<_>>().join(" ")
}

/// Variables: `Some(value)`, or `None` when the value depends on a condition we could not
/// evaluate. Unset variables are absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env {
    /// The variables.
    pub vars: HashMap<String, Option<String>>,
}

/// The result of expanding words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expanded {
    /// The fields (arguments) after splitting.
    pub fields: Vec<String>,
    /// Variables used while unset.
    pub unset: Vec<String>,
    /// Variables used whose value is not known.
    pub unknown: Vec<String>,
}

impl Env {
    /// Sets a known value.
    pub fn set(&mut self, name: &str, value: &str) {
        self.vars.insert(name.to_string(), Some(value.to_string()));
    }

    /// The known value of `name`, `None` when unset or unknown.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).and_then(|v| v.as_deref())
    }

    /// Merges two branches: values that agree stay, the rest become unknown.
    pub fn merge(a: Env, b: &Env) -> Env {
        let mut out = a;
        for (k, v) in out.vars.iter_mut() {
            if b.vars.get(k) != Some(v) {
                *v = None;
            }
        }
        for k in b.vars.keys() {
            out.vars.entry(k.clone()).or_insert(None);
        }
        out
    }

    fn lookup(&self, name: &str, out: &mut Expanded) -> String {
        match self.vars.get(name) {
            Some(Some(v)) => v.clone(),
            Some(None) => {
                out.unknown.push(name.to_string());
                String::new()
            }
            None => {
                out.unset.push(name.to_string());
                String::new()
            }
        }
    }

    /// Expands words into fields as GRUB does.
    pub fn expand(&self, words: &[Word]) -> Expanded {
        let mut out = Expanded::default();
        for w in words {
            let mut cur = String::new();
            let mut has = false; // a field is open (quoted text makes one even when empty)
            for p in &w.pieces {
                match p {
                    Piece::Lit(s) => {
                        cur.push_str(s);
                        has = true;
                    }
                    Piece::Quoted(s) => {
                        cur.push_str(s);
                        has = true;
                    }
                    Piece::Var(name, true) => {
                        let v = self.lookup(name, &mut out);
                        cur.push_str(&v);
                        has = true;
                    }
                    Piece::Var(name, false) => {
                        let v = self.lookup(name, &mut out);
                        let starts_ws = v.starts_with(char::is_whitespace);
                        let ends_ws = v.ends_with(char::is_whitespace);
                        let parts: Vec<&str> = v.split_whitespace().collect();
                        if parts.is_empty() {
                            if starts_ws && has {
                                out.fields.push(std::mem::take(&mut cur));
                                has = false;
                            }
                            continue;
                        }
                        if starts_ws && has {
                            out.fields.push(std::mem::take(&mut cur));
                        }
                        let last = parts.len() - 1;
                        for (k, part) in parts.into_iter().enumerate() {
                            cur.push_str(part);
                            has = true;
                            if k < last {
                                out.fields.push(std::mem::take(&mut cur));
                            }
                        }
                        if ends_ws {
                            out.fields.push(std::mem::take(&mut cur));
                            has = false;
                        }
                    }
                }
            }
            if has {
                out.fields.push(cur);
            }
        }
        out
    }

    /// Expands one word without splitting (the value of an assignment).
    pub fn expand_joined(&self, word: &Word) -> Expanded {
        let mut out = Expanded::default();
        let mut s = String::new();
        for p in &word.pieces {
            match p {
                Piece::Lit(t) | Piece::Quoted(t) => s.push_str(t),
                Piece::Var(name, _) => {
                    let v = self.lookup(name, &mut out);
                    s.push_str(&v);
                }
            }
        }
        out.fields.push(s);
        out
    }

    /// Lexes `text` (a BLS value, say) as GRUB words and expands them.
    pub fn expand_text(&self, text: &str) -> Expanded {
        let (toks, _) = lex(text);
        let words: Vec<Word> = toks
            .into_iter()
            .filter_map(|(t, _)| match t {
                Tok::Word(w) => Some(w),
                Tok::Open => Some(Word {
                    pieces: vec![Piece::Lit("{".into())],
                }),
                Tok::Close => Some(Word {
                    pieces: vec![Piece::Lit("}".into())],
                }),
                Tok::Sep => None,
            })
            .collect();
        self.expand(&words)
    }
}
