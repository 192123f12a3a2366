//! GRUB 2's script language, as much of it as `grub.cfg` files need: words with quoting and
//! `$var`/`${var}` expansion, `;`/newline separators, `{ }` blocks, `if/elif/else/fi`,
//! `function`, loops, comments and line continuations.
//!
//! [`lex`] and [`parse`] turn text into [`Cmd`]s; [`Env::expand`] expands words the way GRUB
//! does (unquoted variables split into fields, quoted ones stay one word). Never panics: bad
//! input gives [`Problem`]s, nesting deeper than [`MAX_DEPTH`] is cut off.

use std::collections::HashMap;

/// Deeper nesting than this is not evaluated (adversarial input must not blow the stack).
pub const MAX_DEPTH: usize = 64;

/// The start of the problem reported when nesting passes [`MAX_DEPTH`].
pub const TOO_DEEP: &str = "nesting deeper than 64 levels";

/// A piece of a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Unquoted text.
    Lit(String),
    /// Text in `'…'` or `"…"`.
    Quoted(String),
    /// `$name` or `${name}`; `true` when inside `"…"`.
    Var(String, bool),
}

/// One word of a command, before expansion.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Word {
    /// Its pieces, in order.
    pub pieces: Vec<Piece>,
}

impl Word {
    /// True when the word is exactly the unquoted text `s` (keywords, `{`, `}`).
    pub fn is_bare(&self, s: &str) -> bool {
        matches!(self.pieces.as_slice(), [Piece::Lit(t)] if t == s)
    }

    /// `name=` at the start of an unquoted word: the name and the pieces of the value.
    pub fn assignment(&self) -> Option<(String, Word)> {
        let Some(Piece::Lit(first)) = self.pieces.first() else {
            return None;
        };
        let (name, rest) = first.split_once('=')?;
        if !is_name(name) {
            return None;
        }
        let mut value = Word::default();
        if !rest.is_empty() {
            value.pieces.push(Piece::Lit(rest.to_string()));
        }
        value.pieces.extend(self.pieces[1..].iter().cloned());
        Some((name.to_string(), value))
    }
}

/// A variable name GRUB accepts in an assignment.
pub fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A token of the script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    /// A word.
    Word(Word),
    /// A newline or `;`.
    Sep,
    /// A `{` standing alone.
    Open,
    /// A `}` standing alone.
    Close,
}

/// Something wrong in the text, at a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

fn problem(line: usize, message: impl Into<String>) -> Problem {
    Problem {
        line,
        message: message.into(),
    }
}

/// Splits text into tokens, each with its 1-based line.
pub fn lex(text: &str) -> (Vec<(Tok, usize)>, Vec<Problem>) {
    let chars: Vec<char> = text.chars().collect();
    let mut toks = Vec::new();
    let mut problems = Vec::new();
    let mut line = 1usize;
    let mut word = Word::default();
    let mut word_line = 1usize;
    let mut started = false; // a word is open (even an empty quoted one)
    let mut i = 0usize;

    fn push_lit(word: &mut Word, c: char) {
        if let Some(Piece::Lit(s)) = word.pieces.last_mut() {
            s.push(c);
        } else {
            word.pieces.push(Piece::Lit(c.to_string()));
        }
    }
    fn push_quoted(word: &mut Word, c: char) {
        if let Some(Piece::Quoted(s)) = word.pieces.last_mut() {
            s.push(c);
        } else {
            word.pieces.push(Piece::Quoted(c.to_string()));
        }
    }
    // A `$` at chars[i]: the variable and the index after it, or None for a literal `$`.
    fn var_at(chars: &[char], i: usize) -> Option<(String, usize)> {
        match chars.get(i + 1) {
            Some('{') => {
                // Names are short; a bounded look keeps junk input linear.
                let close = chars[i + 2..].iter().take(256).position(|&c| c == '}')?;
                let name: String = chars[i + 2..i + 2 + close].iter().collect();
                Some((name, i + 3 + close))
            }
            Some(&c) if c.is_ascii_alphanumeric() || c == '_' => {
                let len = chars[i + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                    .count();
                Some((chars[i + 1..i + 1 + len].iter().collect(), i + 1 + len))
            }
            Some(&c) if "?#*@".contains(c) => Some((c.to_string(), i + 2)),
            _ => None,
        }
    }

    fn word_tok(w: Word) -> Tok {
        if w.is_bare("{") {
            Tok::Open
        } else if w.is_bare("}") {
            Tok::Close
        } else {
            Tok::Word(w)
        }
    }
    macro_rules! end_word {
        () => {
            if started {
                toks.push((word_tok(std::mem::take(&mut word)), word_line));
                started = false;
            }
        };
    }

    while i < chars.len() {
        let c = chars[i];
        if !started && c != '\n' && !c.is_whitespace() && c != ';' {
            started = true;
            word_line = line;
            if c == '#' {
                started = false;
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
        }
        match c {
            '\n' => {
                end_word!();
                toks.push((Tok::Sep, line));
                line += 1;
                i += 1;
            }
            ';' => {
                end_word!();
                toks.push((Tok::Sep, line));
                i += 1;
            }
            c if c.is_whitespace() => {
                end_word!();
                i += 1;
            }
            '\\' => {
                match chars.get(i + 1) {
                    Some('\n') => {
                        line += 1;
                        if word.pieces.is_empty() {
                            started = false;
                        }
                    }
                    Some(&n) => push_lit(&mut word, n),
                    None => {}
                }
                i += 2;
            }
            '\'' => {
                let start = line;
                i += 1;
                word.pieces.push(Piece::Quoted(String::new()));
                while i < chars.len() && chars[i] != '\'' {
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    push_quoted(&mut word, chars[i]);
                    i += 1;
                }
                if i >= chars.len() {
                    problems.push(problem(start, "unterminated ' quote"));
                }
                i += 1;
            }
            '"' => {
                let start = line;
                i += 1;
                word.pieces.push(Piece::Quoted(String::new()));
                while i < chars.len() && chars[i] != '"' {
                    match chars[i] {
                        '\\' if matches!(chars.get(i + 1), Some('$' | '"' | '\\')) => {
                            push_quoted(&mut word, chars[i + 1]);
                            i += 2;
                        }
                        '\\' if chars.get(i + 1) == Some(&'\n') => {
                            line += 1;
                            i += 2;
                        }
                        '$' => match var_at(&chars, i) {
                            Some((name, next)) => {
                                word.pieces.push(Piece::Var(name, true));
                                i = next;
                            }
                            None => {
                                push_quoted(&mut word, '$');
                                i += 1;
                            }
                        },
                        ch => {
                            if ch == '\n' {
                                line += 1;
                            }
                            push_quoted(&mut word, ch);
                            i += 1;
                        }
                    }
                }
                if i >= chars.len() {
                    problems.push(problem(start, "unterminated \" quote"));
                }
                i += 1;
            }
            '$' => match var_at(&chars, i) {
                Some((name, next)) => {
                    word.pieces.push(Piece::Var(name, false));
                    i = next;
                }
                None => {
                    push_lit(&mut word, '$');
                    i += 1;
                }
            },
            c => {
                push_lit(&mut word, c);
                i += 1;
            }
        }
    }
    if started {
        toks.push((word_tok(word), word_line));
    }
    (toks, problems)
}

/// What kind of `{ }` block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// `menuentry …`.
    Menuentry,
    /// `submenu …`.
    Submenu,
    /// `function name`.
    Function,
    /// `for`/`while`/`until` (body not evaluated).
    Loop,
    /// A bare `{ … }`.
    Group,
}

/// A parsed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cmd {
    /// `word word …`.
    Simple {
        /// The words.
        words: Vec<Word>,
        /// Line of the first word.
        line: usize,
    },
    /// `if COND; then …; elif …; else …; fi`.
    If {
        /// (condition, body) pairs for `if` and each `elif`.
        branches: Vec<(Vec<Cmd>, Vec<Cmd>)>,
        /// The `else` body.
        otherwise: Vec<Cmd>,
        /// Line of `if`.
        line: usize,
    },
    /// A command with a `{ }` body.
    Block {
        /// Which.
        kind: BlockKind,
        /// Words after the keyword (title and options for menuentry/submenu).
        words: Vec<Word>,
        /// The body.
        body: Vec<Cmd>,
        /// Line of the keyword.
        line: usize,
    },
}

/// Parses a whole script.
pub fn parse(text: &str) -> (Vec<Cmd>, Vec<Problem>) {
    let (toks, mut problems) = lex(text);
    let mut p = Parser {
        toks,
        pos: 0,
        problems: Vec::new(),
    };
    let (cmds, _) = p.list(&[], 0);
    problems.append(&mut p.problems);
    (cmds, problems)
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    problems: Vec<Problem>,
}

impl Parser {
    fn line(&self) -> usize {
        self.toks
            .get(self.pos)
            .or(self.toks.last())
            .map_or(1, |t| t.1)
    }

    /// Commands up to one starting with a word in `stops` (consumed and returned) or the end.
    fn list(&mut self, stops: &[&str], depth: usize) -> (Vec<Cmd>, Option<String>) {
        let mut cmds = Vec::new();
        if depth > MAX_DEPTH {
            self.problems.push(problem(
                self.line(),
                format!("{TOO_DEEP}; the rest is ignored"),
            ));
            self.pos = self.toks.len();
            return (cmds, None);
        }
        while let Some((tok, line)) = self.toks.get(self.pos).cloned() {
            match tok {
                Tok::Sep => self.pos += 1,
                Tok::Close => {
                    self.pos += 1;
                    if stops.contains(&"}") {
                        return (cmds, Some("}".to_string()));
                    }
                    self.problems.push(problem(line, "unexpected }"));
                }
                Tok::Open => {
                    self.pos += 1;
                    let body = self.body(line, depth);
                    cmds.push(Cmd::Block {
                        kind: BlockKind::Group,
                        words: Vec::new(),
                        body,
                        line,
                    });
                }
                Tok::Word(w) => {
                    let kw = ["then", "elif", "else", "fi", "do", "done"]
                        .into_iter()
                        .find(|k| w.is_bare(k));
                    if let Some(k) = kw {
                        self.pos += 1;
                        if stops.contains(&k) {
                            return (cmds, Some(k.to_string()));
                        }
                        self.problems
                            .push(problem(line, format!("unexpected `{k}`")));
                        continue;
                    }
                    if w.is_bare("if") {
                        self.pos += 1;
                        cmds.push(self.if_chain(line, depth));
                    } else if w.is_bare("menuentry")
                        || w.is_bare("submenu")
                        || w.is_bare("function")
                    {
                        self.pos += 1;
                        let kind = if w.is_bare("menuentry") {
                            BlockKind::Menuentry
                        } else if w.is_bare("submenu") {
                            BlockKind::Submenu
                        } else {
                            BlockKind::Function
                        };
                        let words = self.words();
                        if matches!(self.toks.get(self.pos), Some((Tok::Open, _))) {
                            self.pos += 1;
                            let body = self.body(line, depth);
                            cmds.push(Cmd::Block {
                                kind,
                                words,
                                body,
                                line,
                            });
                        } else {
                            self.problems
                                .push(problem(line, "no `{` after the title; ignored"));
                        }
                    } else if w.is_bare("for") || w.is_bare("while") || w.is_bare("until") {
                        self.pos += 1;
                        let (_, stop) = self.list(&["do"], depth + 1);
                        let mut body = Vec::new();
                        if stop.is_some() {
                            let (b, stop) = self.list(&["done"], depth + 1);
                            body = b;
                            if stop.is_none() {
                                self.problems.push(problem(line, "loop without `done`"));
                            }
                        } else {
                            self.problems.push(problem(line, "loop without `do`"));
                        }
                        cmds.push(Cmd::Block {
                            kind: BlockKind::Loop,
                            words: Vec::new(),
                            body,
                            line,
                        });
                    } else {
                        let words = self.words();
                        cmds.push(Cmd::Simple { words, line });
                    }
                }
            }
        }
        (cmds, None)
    }

    /// Words up to a separator, `{` or `}` (not consumed).
    fn words(&mut self) -> Vec<Word> {
        let mut words = Vec::new();
        while let Some((Tok::Word(w), _)) = self.toks.get(self.pos) {
            words.push(w.clone());
            self.pos += 1;
        }
        words
    }

    fn body(&mut self, line: usize, depth: usize) -> Vec<Cmd> {
        let (body, stop) = self.list(&["}"], depth + 1);
        if stop.is_none() {
            self.problems
                .push(problem(line, "block without its closing `}`"));
        }
        body
    }

    fn if_chain(&mut self, line: usize, depth: usize) -> Cmd {
        let mut branches = Vec::new();
        let mut otherwise = Vec::new();
        loop {
            let (cond, stop) = self.list(&["then"], depth + 1);
            if stop.is_none() {
                self.problems.push(problem(line, "`if` without `then`"));
                break;
            }
            let (body, stop) = self.list(&["elif", "else", "fi"], depth + 1);
            branches.push((cond, body));
            match stop.as_deref() {
                Some("elif") => continue,
                Some("else") => {
                    let (body, stop) = self.list(&["fi"], depth + 1);
                    otherwise = body;
                    if stop.is_none() {
                        self.problems.push(problem(line, "`if` without `fi`"));
                    }
                }
                Some(_) => {}
                None => self.problems.push(problem(line, "`if` without `fi`")),
            }
            break;
        }
        Cmd::If {
            branches,
            otherwise,
            line,
        }
    }
}

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
