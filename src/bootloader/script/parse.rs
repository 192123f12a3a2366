//! Parsing GRUB 2 script: tokens into commands (`if/elif/else/fi`, `{ }` blocks,
//! `menuentry`, `submenu`, `function`, loops). Nesting deeper than [`MAX_DEPTH`] is cut off
//! with a [`Problem`] starting with [`TOO_DEEP`].

use super::lex::{lex, problem, Problem, Tok, Word};

/// Deeper nesting than this is not evaluated (adversarial input must not blow the stack).
pub const MAX_DEPTH: usize = 64;

/// The start of the problem reported when nesting passes [`MAX_DEPTH`].
pub const TOO_DEEP: &str = "nesting deeper than 64 levels";

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
