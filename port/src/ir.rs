//! The translation's own small language: what a bash snippet means, with
//! bash's expansion rules already applied, ready to be written as Lua or
//! Rhai by [`crate::emit`].

/// Where a value comes from at run time.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A variable of the translated snippet.
    Local(String),
    /// `input.<table>.<key>`: `attrs`, `env`, `outputs`, `state`.
    Input(&'static str, String),
    /// `input.paths.cwd`: the directory the phase starts in.
    StartDir,
}

/// How a value is read as bash would see it as text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AsText {
    /// Already a string.
    Plain,
    /// A string or missing (missing reads as "").
    MaybeMissing,
    /// A boolean attribute: "1" or "".
    Flag,
    /// A number attribute.
    Number,
    /// A list: its first element (bash's `$array`), or "".
    First,
}

/// A string-valued expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Literal text.
    Lit(String),
    /// A variable's value as text.
    Var(Source, AsText),
    /// Pieces joined.
    Concat(Vec<Expr>),
    /// The words of a list joined by spaces (`"${list[*]}"`, `"$*"`).
    Join(Box<List>),
    /// `cond ? then : otherwise`.
    Choose(Box<Cond>, Box<Expr>, Box<Expr>),
    /// A string operation.
    Op(StrOp, Box<Expr>),
    /// The standard output of a program, trailing newlines removed (`$(cmd)`).
    Capture(Box<Call>),
    /// The length of the text, as text (`${#var}`).
    Length(Box<Expr>),
}

/// String operations bash's parameter expansion and `basename`/`dirname` do.
#[derive(Debug, Clone, PartialEq)]
pub enum StrOp {
    /// Removes a literal prefix when present (`${v#lit}`).
    StripPrefix(String),
    /// Removes a literal suffix when present (`${v%lit}`).
    StripSuffix(String),
    /// Everything after the last `c` (`${v##*/}` with c = '/').
    AfterLast(char),
    /// Everything after the first `c` (`${v#*.}`), or all when absent.
    AfterFirst(char),
    /// Everything before the last `c` (`${v%.*}`), or all when absent.
    BeforeLast(char),
    /// Everything before the first `c` (`${v%%.*}`), or all when absent.
    BeforeFirst(char),
    /// Replaces the first (false) or every (true) literal occurrence.
    Replace(String, String, bool),
    /// `basename`: the last path component, trailing slashes ignored.
    Basename,
    /// `dirname`: all but the last path component ("." when none).
    Dirname,
}

/// One element of a list expression (a command's arguments, a `for` list).
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// Exactly one word.
    Word(Expr),
    /// Words split from text on blanks (an unquoted expansion).
    Split(Expr),
    /// Every element of a list variable (`"${list[@]}"`).
    Spread(Source, bool),
    /// The paths a glob matches, sorted, none when nothing matches (nullglob).
    Glob(Expr, Option<Expr>),
}

/// A list-valued expression.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct List(pub Vec<Item>);

impl List {
    /// Whether every item is exactly one word (so the list's length is known).
    pub fn is_static(&self) -> bool {
        self.0.iter().all(|i| matches!(i, Item::Word(_)))
    }
}

/// A standard-library call's argument.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// A string.
    Str(Expr),
    /// A list of strings.
    List(List),
    /// A boolean.
    Bool(bool),
    /// A map of names to strings (a `run` environment).
    Map(Vec<(String, Expr)>),
    /// `substitute`'s operations: each `{name: [strings]}` (a single string for `substVar`).
    Ops(Vec<(String, Vec<Expr>)>),
}

/// A call of a standard-library function; arguments by their registry keys.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The registry name.
    pub function: &'static str,
    /// Arguments in order.
    pub args: Vec<(&'static str, Arg)>,
}

impl Call {
    /// A call with no arguments yet.
    pub fn new(function: &'static str) -> Call {
        Call {
            function,
            args: Vec::new(),
        }
    }

    /// Adds an argument.
    pub fn arg(mut self, key: &'static str, value: Arg) -> Call {
        self.args.push((key, value));
        self
    }
}

/// A condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// Always true or false.
    Const(bool),
    /// A program exits with status 0 (`run` with `check: false`).
    Succeeds(Call),
    /// A file test (`-e`, `-f`, `-d`, `-x`, `-s`) on a path.
    File(FileTest, Expr),
    /// Text is non-empty.
    NonEmpty(Expr),
    /// A variable is set (even to "").
    IsSet(Source),
    /// Two texts are equal.
    Equal(Expr, Expr),
    /// Text matches a shell pattern made of literal pieces and `*`.
    Matches(Expr, Pattern),
    /// Integer comparison (`-eq`, `-lt`, ...): the operator in Lua/Rhai form.
    Compare(Expr, &'static str, Expr),
    /// Negation.
    Not(Box<Cond>),
    /// Both.
    And(Box<Cond>, Box<Cond>),
    /// Either.
    Or(Box<Cond>, Box<Cond>),
}

/// What `[ -X path ]` asks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FileTest {
    /// `-e`: exists (symlinks followed).
    Exists,
    /// `-f`: a regular file.
    File,
    /// `-d`: a directory.
    Dir,
    /// `-x`: executable.
    Executable,
    /// `-s`: not empty.
    NonEmpty,
    /// `-L`/`-h`: a symlink (not followed).
    Symlink,
}

/// A shell pattern the translation can test without a glob engine.
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    /// `*`.
    Any,
    /// `text`.
    Exact(String),
    /// `text*`.
    Prefix(String),
    /// `*text`.
    Suffix(String),
    /// `*text*`.
    Contains(String),
    /// `pre*suf`.
    PrefixSuffix(String, String),
}

/// A statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Stmt {
    /// A comment line (the original bash above what it became, or a note).
    Comment(String),
    /// A standard-library call whose result is not used.
    Call(Call),
    /// Declares a variable of the snippet (`local`/`let`) with a first value.
    Declare(String, Value),
    /// Assigns a declared variable.
    Assign(String, Value),
    /// Appends to a list variable.
    Append(String, List),
    /// Appends text to a string variable.
    AppendText(String, Expr),
    /// `if`/`elif`/`else`.
    If(Vec<(Cond, Vec<Stmt>)>, Vec<Stmt>),
    /// `for var in list`.
    For(String, List, Vec<Stmt>),
    /// Goes on with the next iteration of the innermost loop.
    Continue,
    /// Runs statements, ignoring a failure (`cmd || true`).
    Try(Vec<Stmt>),
    /// Writes a line to the build log (`echo` to standard output).
    Log(Expr),
    /// Fails the phase with a message.
    Fail(Expr),
    /// A statement kept in bash, run by `bash -c` with the variables it
    /// reads (the comment before it says why).
    Bash {
        /// The original bash text.
        script: String,
        /// Variables the statement reads, passed in its environment.
        env: Vec<(String, Expr)>,
        /// The directory it runs in, when a `cd` moved it.
        cwd: Option<Expr>,
    },
}

/// A value assigned to a variable.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text.
    Text(Expr),
    /// A list.
    List(List),
    /// The current value of an input (copied so it can change).
    From(Source, Kind),
}

/// What kind of value a variable holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// Text.
    Text,
    /// A list of strings.
    List,
}

/// What a phase answers, as assignments of the snippet's variables.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Answer {
    /// `attrs` entries: name, the variable holding it, how it is typed.
    pub attrs: Vec<(String, AnswerValue)>,
    /// `env` entries.
    pub env: Vec<(String, AnswerValue)>,
    /// `state` entries (`sourceRoot`).
    pub state: Vec<(String, AnswerValue)>,
    /// The new working directory.
    pub cwd: Option<Expr>,
}

/// One answered value.
#[derive(Debug, Clone, PartialEq)]
pub enum AnswerValue {
    /// A variable's text or list as it is.
    Var(String),
    /// A variable's text as a boolean (non-empty is true), as stdenv flags are.
    Flag(String),
    /// A variable's text as a number when it is one.
    Number(String),
    /// Removed (`unset`).
    Null,
}

/// A whole translated snippet.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Program {
    /// The statements.
    pub body: Vec<Stmt>,
    /// What it answers.
    pub answer: Answer,
}
