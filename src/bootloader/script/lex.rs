//! Lexing GRUB 2 script: text into words (quoting, `$var`/`${var}` pieces kept apart for
//! expansion), separators and braces, each with its line. Never panics: bad quoting gives a
//! [`Problem`].

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

pub(super) fn problem(line: usize, message: impl Into<String>) -> Problem {
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
