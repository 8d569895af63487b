//! Shell command lines (a Dockerfile `RUN`/`CMD` in shell form, a compose
//! `command:` or `CMD-SHELL` healthcheck) split into simple commands and
//! words, each with its exact range in the source.
//!
//! Not a shell: enough of POSIX sh's lexing to find what a command runs and
//! with which arguments — quotes, escapes, line continuations (`\` newline,
//! and the comment lines BuildKit drops inside them), `&&`, `||`, `;`, `|`,
//! `&`, newlines, and `$(...)` / backquotes kept inside a word. Pure, never
//! panics, linear in the input.

use crate::source::TextRange;

/// One word, quotes removed; `range` covers it as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub range: TextRange,
    /// True when any part of it was quoted or escaped.
    pub quoted: bool,
}

impl Word {
    /// The word as a program name: `/usr/bin/pip3` → `pip3`.
    pub fn base_name(&self) -> &str {
        self.text.rsplit('/').next().unwrap_or(&self.text)
    }
}

/// A simple command: its words, up to an operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleCommand {
    pub words: Vec<Word>,
    /// From the first word's start to the last word's end.
    pub range: TextRange,
}

impl SimpleCommand {
    /// The program, after shell keywords (`then cmd`, `do cmd`, `! cmd`,
    /// `time cmd`), assignments (`A=b cmd`) and the wrappers that run their
    /// arguments as a command (`sudo -u app`, `exec`, `env -i A=b`, `nice -n
    /// 10`, `tini --`, `dumb-init`…, see [`program_index`]), and its
    /// arguments.
    pub fn program(&self) -> Option<(&Word, &[Word])> {
        let i = program_index(self.words.iter().map(|w| (w.text.as_str(), w.quoted)))?;
        Some((&self.words[i], &self.words[i + 1..]))
    }

    /// The program's name without its folder (`/usr/bin/curl` → `curl`).
    pub fn program_name(&self) -> Option<&str> {
        self.program().map(|(w, _)| w.base_name())
    }
}

/// Shell keywords before a command: `if cmd`, `then cmd`, `! cmd` (`time`
/// is a wrapper, with options).
const KEYWORDS: &[&str] = &["then", "do", "else", "elif", "if", "while", "until", "!"];

/// Programs that run the rest of their arguments as a command, with their
/// options that take a value (`-u USER`) and the number of operands before
/// the command (`gosu USER cmd`, `timeout 10 cmd`).
const WRAPPERS: &[(&str, &[&str], usize)] = &[
    (
        "sudo",
        &["-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T"],
        0,
    ),
    ("exec", &["-a"], 0),
    ("env", &["-u", "-C", "--unset", "--chdir"], 0),
    ("command", &[], 0),
    ("nohup", &[], 0),
    ("time", &["-f", "-o", "--format", "--output"], 0),
    ("nice", &["-n", "--adjustment"], 0),
    ("ionice", &["-c", "-n", "-t"], 0),
    ("stdbuf", &["-i", "-o", "-e"], 0),
    ("setsid", &[], 0),
    ("tini", &["-p", "-e"], 0),
    ("dumb-init", &["-r", "--rewrite"], 0),
    ("catatonit", &[], 0),
    ("gosu", &[], 1),
    ("su-exec", &[], 1),
    ("timeout", &["-s", "-k", "--signal", "--kill-after"], 1),
    ("--", &[], 0),
];

/// Where the program is among a command's words (text, and whether it was
/// quoted): the one definition of "what does this command run" for `RUN`,
/// `CMD`/`ENTRYPOINT`, compose `command:` and healthchecks. Skips shell
/// keywords and assignments (unquoted), and wrappers with their options and
/// operands. `None` when nothing is run (`A=b` alone), or for `command -v
/// x`, which only looks `x` up.
pub fn program_index<'a>(words: impl IntoIterator<Item = (&'a str, bool)>) -> Option<usize> {
    let words: Vec<(&str, bool)> = words.into_iter().collect();
    let mut i = 0;
    while i < words.len() {
        let (w, quoted) = words[i];
        let assignment = !quoted
            && w.split_once('=').is_some_and(|(k, _)| {
                !k.is_empty()
                    && !k.starts_with(|c: char| c.is_ascii_digit())
                    && k.chars().all(|c| c == '_' || c.is_ascii_alphanumeric())
            });
        if assignment || (!quoted && KEYWORDS.contains(&w)) {
            i += 1;
            continue;
        }
        let name = w.rsplit('/').next().unwrap_or(w);
        let Some((wrapper, with_value, operands)) = WRAPPERS.iter().find(|(n, _, _)| *n == name)
        else {
            return Some(i);
        };
        i += 1;
        if *wrapper == "--" {
            continue;
        }
        // The wrapper's options, up to `--` or the first operand.
        while let Some(&(o, _)) = words.get(i) {
            if o == "--" {
                i += 1;
                break;
            }
            if !o.starts_with('-') || o.len() < 2 {
                break;
            }
            if *wrapper == "command" && (o == "-v" || o == "-V") {
                return Some(i - 1);
            }
            i += if with_value.contains(&o) { 2 } else { 1 };
        }
        i += operands;
    }
    None
}

/// Splits `text` (found at byte `base` of its file) into simple commands.
pub fn split(text: &str, base: usize) -> Vec<SimpleCommand> {
    let b = text.as_bytes();
    let mut out: Vec<SimpleCommand> = Vec::new();
    let mut words: Vec<Word> = Vec::new();
    let mut i = 0;
    // At the start of a line that follows a `\` continuation.
    let mut at_line_start = false;
    let finish = |words: &mut Vec<Word>, out: &mut Vec<SimpleCommand>| {
        if let (Some(f), Some(l)) = (words.first(), words.last()) {
            let range = TextRange::new(f.range.start, l.range.end);
            out.push(SimpleCommand {
                words: std::mem::take(words),
                range,
            });
        }
    };
    while i < b.len() {
        let c = b[i];
        // A comment line inside continuation lines: BuildKit drops it, line
        // break included.
        if c == b'#' && at_line_start {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            i += 1;
            continue;
        }
        // A shell comment: to the end of the line.
        if c == b'#' && (words.is_empty() || i > 0 && b[i - 1].is_ascii_whitespace()) {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        match c {
            b'\\' if b.get(i + 1) == Some(&b'\n') => {
                i += 2;
                at_line_start = true;
            }
            b'\\' if b.get(i + 1) == Some(&b'\r') && b.get(i + 2) == Some(&b'\n') => {
                i += 3;
                at_line_start = true;
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
            }
            b'\n' | b';' => {
                finish(&mut words, &mut out);
                i += 1;
                at_line_start = false;
            }
            b'&' | b'|' => {
                finish(&mut words, &mut out);
                i += if b.get(i + 1) == Some(&c) { 2 } else { 1 };
                at_line_start = false;
            }
            b'(' | b')' | b'{' | b'}' if word_boundary_op(b, i) => {
                finish(&mut words, &mut out);
                i += 1;
            }
            _ => {
                let (w, next) = word(text, i);
                at_line_start = false;
                if next <= i {
                    // Cannot happen; never loop without progress.
                    i += 1;
                    continue;
                }
                words.push(Word {
                    text: w.0,
                    range: TextRange::new(base + i, base + next),
                    quoted: w.1,
                });
                i = next;
            }
        }
    }
    finish(&mut words, &mut out);
    out
}

/// `(`, `)`, `{`, `}` standing alone (subshells, groups), not inside a word.
fn word_boundary_op(b: &[u8], i: usize) -> bool {
    let before =
        i == 0 || b[i - 1].is_ascii_whitespace() || matches!(b[i - 1], b';' | b'&' | b'|' | b'(');
    let after = b
        .get(i + 1)
        .is_none_or(|c| c.is_ascii_whitespace() || matches!(c, b';' | b'&' | b'|' | b')'));
    match b[i] {
        b'(' | b'{' => before,
        _ => after || before,
    }
}

/// The word starting at `i`: its unquoted text, whether it was quoted, and
/// where it ends.
fn word(text: &str, start: usize) -> ((String, bool), usize) {
    let b = text.as_bytes();
    let mut out = String::new();
    let mut quoted = false;
    let mut i = start;
    let push = |out: &mut String, from: usize, to: usize| out.push_str(&text[from..to]);
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' => break,
            b')' | b'}' if word_boundary_op(b, i) => break,
            b'\\' => {
                quoted = true;
                match b.get(i + 1) {
                    Some(b'\n') => i += 2,
                    Some(_) => {
                        let n = next_char(text, i + 1);
                        push(&mut out, i + 1, n);
                        i = n;
                    }
                    None => i += 1,
                }
            }
            b'\'' => {
                quoted = true;
                let end = text[i + 1..].find('\'').map_or(b.len(), |p| i + 1 + p);
                push(&mut out, i + 1, end);
                i = (end + 1).min(b.len());
            }
            b'"' => {
                quoted = true;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\'
                        && i + 1 < b.len()
                        && matches!(b[i + 1], b'"' | b'\\' | b'$' | b'`' | b'\n')
                    {
                        if b[i + 1] != b'\n' {
                            out.push(b[i + 1] as char);
                        }
                        i += 2;
                    } else {
                        let n = next_char(text, i);
                        push(&mut out, i, n);
                        i = n;
                    }
                }
                i = (i + 1).min(b.len());
            }
            b'$' if b.get(i + 1) == Some(&b'(') => {
                // $( ... ) kept whole, nesting counted.
                let mut depth = 0usize;
                let from = i;
                i += 1;
                while i < b.len() {
                    match b[i] {
                        b'(' => depth += 1,
                        b')' => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                i += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    i = next_char(text, i);
                }
                push(&mut out, from, i.min(b.len()));
            }
            b'`' => {
                let end = text[i + 1..].find('`').map_or(b.len(), |p| i + 2 + p);
                push(&mut out, i, end.min(b.len()));
                i = end.min(b.len());
            }
            _ => {
                let n = next_char(text, i);
                push(&mut out, i, n);
                i = n;
            }
        }
    }
    ((out, quoted), i)
}

fn next_char(text: &str, i: usize) -> usize {
    let mut n = i + 1;
    while n < text.len() && !text.is_char_boundary(n) {
        n += 1;
    }
    n.min(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<Vec<String>> {
        split(text, 0)
            .into_iter()
            .map(|c| c.words.into_iter().map(|w| w.text).collect())
            .collect()
    }

    #[test]
    fn operators_and_quotes() {
        assert_eq!(
            words("apt-get update && apt-get install -y 'a b' \"c\\\"d\" ; rm -rf /x | tee y &"),
            [
                vec!["apt-get", "update"],
                vec!["apt-get", "install", "-y", "a b", "c\"d"],
                vec!["rm", "-rf", "/x"],
                vec!["tee", "y"],
            ]
        );
    }

    #[test]
    fn continuations_and_comment_lines() {
        let text = "apt-get install -y \\\n    # the compiler\n    gcc \\\n    libpq-dev";
        assert_eq!(
            words(text),
            [vec!["apt-get", "install", "-y", "gcc", "libpq-dev"]]
        );
        let c = &split(text, 100)[0];
        let gcc = &c.words[3];
        assert_eq!(&text[gcc.range.start - 100..gcc.range.end - 100], "gcc");
    }

    #[test]
    fn program_skips_prefixes() {
        let c = &split(
            "sudo DEBIAN_FRONTEND=noninteractive /usr/bin/apt-get install x",
            0,
        )[0];
        assert_eq!(c.program_name(), Some("apt-get"));
        let c = &split("\"A=b\" run", 0)[0];
        assert_eq!(c.program_name(), Some("A=b"));
        let c = split(
            "if true; then apt-get purge -y x; fi; for a in b; do ! rm x; done",
            0,
        );
        let names: Vec<_> = c.iter().map(|c| c.program_name()).collect();
        assert_eq!(
            names,
            [
                Some("true"),
                Some("apt-get"),
                Some("fi"),
                Some("for"),
                Some("rm"),
                Some("done")
            ]
        );
    }

    /// One definition of what a command runs, for every caller.
    #[test]
    fn program_after_wrappers() {
        for (line, program) in [
            ("time curl -f http://x", Some("curl")),
            ("time -p curl x", Some("curl")),
            ("exec curl x", Some("curl")),
            ("env -i A=b curl x", Some("curl")),
            ("env -u HOME curl x", Some("curl")),
            ("/usr/bin/tini -- curl x", Some("curl")),
            ("tini -s -- curl x", Some("curl")),
            ("dumb-init --single-child curl x", Some("curl")),
            ("-- curl x", Some("curl")),
            ("sudo -u app -E curl x", Some("curl")),
            ("nice -n 10 curl x", Some("curl")),
            ("nohup curl x", Some("curl")),
            ("gosu app curl x", Some("curl")),
            ("su-exec app:app curl x", Some("curl")),
            ("timeout 5 curl x", Some("curl")),
            ("timeout -s KILL 5s curl x", Some("curl")),
            ("command -v curl", Some("command")),
            ("A=1", None),
        ] {
            let c = &split(line, 0)[0];
            assert_eq!(c.program_name(), program, "{line}");
        }
    }

    #[test]
    fn substitutions_stay_in_their_word() {
        assert_eq!(
            words("echo $(cat a | wc -l) `x y` done"),
            [vec!["echo", "$(cat a | wc -l)", "`x y`", "done"]]
        );
        assert_eq!(words("(cd /x && make)"), [vec!["cd", "/x"], vec!["make"]]);
    }

    #[test]
    fn never_panics_on_prefixes() {
        let text = "a 'b \"c\\ $(d `e é ( ) { } && || ; | & \\\n # f\n g\\";
        for end in (0..=text.len()).filter(|&e| text.is_char_boundary(e)) {
            for c in split(&text[..end], 0) {
                for w in c.words {
                    assert!(w.range.end <= end && w.range.start < w.range.end);
                }
            }
        }
    }
}
